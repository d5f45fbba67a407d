/*
 * export.c - verifying the ledger in the store, writing it as a portable
 * JSON-lines export, and verifying such an export with no database.
 *
 * An export line (one per entry, in seq order, '\n'-terminated):
 *   {"seq":N,"ts":N,"author":S,"kind":S,"payload":S,"prev":HEX,"hash":HEX,
 *    "sig":B64}
 * payload is the canonical JSON text of the event as a JSON string, so its
 * exact signed bytes survive any JSON reader; prev and hash are 64 lowercase
 * hex digits, sig is the 64-byte signature in standard base64 with padding.
 * The reader is strict: exactly these keys, each typed and sized as above,
 * lines of at most MAX_LINE bytes, and a final newline (a missing one means
 * the file was cut).  It is a parser of untrusted input: see
 * fuzz/fuzz_ledger.c.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ledger/ledger_internal.h"
#include "parley/alloc.h"
#include "store/store_internal.h"

/* Worst case: every payload byte escaped as \u00XX, plus the other fields. */
#define MAX_LINE ((size_t)PARLEY_LEDGER_MAX_PAYLOAD * 6 + 4096)
#define B64_SIG_LEN 88 /* base64 of 64 bytes with padding */

typedef int (*row_fn)(void *ctx, const parley__entry_t *e,
                      const unsigned char *hash, const char *malformed);
parley_status_t parley__ledger_scan(parley_store_t *s, uint64_t after,
                                    row_fn fn, void *ctx,
                                    parley_ledger_head_t *recorded,
                                    char *err, size_t err_size);

/* ---- verifying the store ---------------------------------------------- */

static int verify_row(void *ctx, const parley__entry_t *e,
                      const unsigned char *hash, const char *malformed)
{
    parley__verifier_t *v = ctx;
    if (malformed) {
        parley__verifier_reader_fault(v, PARLEY_LEDGER_FAULT_MALFORMED,
                                      "row with seq %llu: %s",
                                      (unsigned long long)e->seq, malformed);
        return 0;
    }
    return parley__verifier_feed(v, e, hash) != 0;
}

parley_status_t parley_ledger_verify(parley_store_t *store,
                                     const parley_ledger_verify_opts_t *opts,
                                     parley_ledger_report_t *report)
{
    memset(report, 0, sizeof *report);
    parley__verifier_t *v = parley__verifier_new(opts);
    if (!v)
        return PARLEY_ENOMEM;
    parley_ledger_head_t recorded;
    char err[256] = "";
    parley_status_t st = parley__ledger_scan(store, 0, verify_row, v,
                                             &recorded, err, sizeof err);
    if (st == PARLEY_OK && parley__verifier_finish(v, &recorded, report) != 0)
        st = PARLEY_ENOMEM;
    if (st != PARLEY_OK && st != PARLEY_ENOMEM) {
        memset(report, 0, sizeof *report);
        snprintf(report->message, sizeof report->message,
                 "cannot read the ledger in %s: %s", store->path, err);
    }
    parley__verifier_free(v);
    return st;
}

/* ---- writing an export ------------------------------------------------ */

typedef struct export_ctx {
    FILE *out;
    parley_status_t st;
    char err[256];
    uint64_t left; /* entries still to write; UINT64_MAX: all */
    uint64_t last; /* seq of the last entry written */
} export_ctx_t;

static int export_row(void *ctx, const parley__entry_t *e,
                      const unsigned char *hash, const char *malformed)
{
    export_ctx_t *x = ctx;
    if (x->left == 0)
        return 1;
    if (malformed) {
        snprintf(x->err, sizeof x->err, "entry %llu cannot be exported: %s",
                 (unsigned long long)e->seq, malformed);
        x->st = PARLEY_ESYNTAX;
        return 1;
    }
    char prev[2 * PARLEY_LEDGER_HASH_BYTES + 1];
    char hhex[2 * PARLEY_LEDGER_HASH_BYTES + 1];
    char sig[B64_SIG_LEN + 1];
    sodium_bin2hex(prev, sizeof prev, e->prev, PARLEY_LEDGER_HASH_BYTES);
    sodium_bin2hex(hhex, sizeof hhex, hash, PARLEY_LEDGER_HASH_BYTES);
    sodium_bin2base64(sig, sizeof sig, e->sig, PARLEY_LEDGER_SIG_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    json_t *o = json_pack("{s:I, s:I, s:s#, s:s#, s:s#, s:s, s:s, s:s}", "seq",
                          (json_int_t)e->seq, "ts", (json_int_t)e->ts,
                          "author", e->author, (int)e->author_len, "kind",
                          e->kind, (int)e->kind_len, "payload", e->payload,
                          (int)e->payload_len, "prev", prev, "hash", hhex,
                          "sig", sig);
    if (!o) {
        snprintf(x->err, sizeof x->err,
                 "entry %llu cannot be exported: its payload is not UTF-8",
                 (unsigned long long)e->seq);
        x->st = PARLEY_ESYNTAX;
        return 1;
    }
    int rc = json_dumpf(o, x->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (rc != 0 || fputc('\n', x->out) == EOF) {
        snprintf(x->err, sizeof x->err, "cannot write the export");
        x->st = PARLEY_EIO;
        return 1;
    }
    x->last = e->seq;
    if (x->left != UINT64_MAX)
        x->left--;
    return 0;
}

parley_status_t parley_ledger_export(parley_store_t *store, FILE *out,
                                     parley_diags_t *diags)
{
    return parley_ledger_export_range(store, out, 0, 0, NULL, diags);
}

parley_status_t parley_ledger_export_range(parley_store_t *store, FILE *out,
                                           uint64_t after, uint64_t limit,
                                           uint64_t *last,
                                           parley_diags_t *diags)
{
    if (sodium_init() < 0)
        return PARLEY_EIO;
    export_ctx_t x = {out, PARLEY_OK, "", limit ? limit : UINT64_MAX, after};
    parley_status_t st = parley__ledger_scan(store, after, export_row, &x,
                                             NULL, x.err, sizeof x.err);
    if (st == PARLEY_OK && x.st == PARLEY_OK && fflush(out) != 0) {
        x.st = PARLEY_EIO;
        snprintf(x.err, sizeof x.err, "cannot write the export");
    }
    if (st == PARLEY_OK)
        st = x.st;
    if (st != PARLEY_OK)
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, st, store->path, 0, 0,
                         "", "%s", x.err);
    else if (last)
        *last = x.last;
    return st;
}

/* ---- reading an export ------------------------------------------------ */

/*
 * Reads one line into *buf (grown with parley_realloc).  Returns the length
 * without the newline, -1 at end of input, -2 on a line over MAX_LINE, -3
 * out of memory.  *terminated tells whether a newline ended it.
 */
static long read_line(FILE *in, char **buf, size_t *cap, int *terminated)
{
    size_t len = 0;
    int c;
    *terminated = 0;
    if (*cap == 0) {
        if (!(*buf = parley_malloc(4096)))
            return -3;
        *cap = 4096;
    }
    while ((c = getc_unlocked(in)) != EOF) {
        if (c == '\n') {
            *terminated = 1;
            break;
        }
        if (len >= MAX_LINE) {
            while ((c = getc_unlocked(in)) != EOF && c != '\n')
                ;
            return -2;
        }
        if (len + 1 >= *cap) {
            size_t ncap = 2 * *cap;
            char *nb = parley_realloc(*buf, ncap);
            if (!nb)
                return -3;
            *buf = nb;
            *cap = ncap;
        }
        (*buf)[len++] = (char)c;
    }
    if (c == EOF && len == 0)
        return -1;
    (*buf)[len] = '\0';
    return (long)len;
}

static int hex32(const char *hex, unsigned char *out)
{
    size_t bin = 0;
    return strlen(hex) == 2 * PARLEY_LEDGER_HASH_BYTES &&
           sodium_hex2bin(out, PARLEY_LEDGER_HASH_BYTES, hex, strlen(hex), NULL,
                          &bin, NULL) == 0 &&
           bin == PARLEY_LEDGER_HASH_BYTES;
}

/* Parses one line into e (payload pointing into *root); NULL or a reason. */
static const char *parse_line(const char *line, size_t len, json_t **root,
                              parley__entry_t *e, unsigned char *hash)
{
    json_error_t je;
    *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!*root)
        return "not a JSON object";
    json_int_t seq = 0, ts = 0;
    const char *author, *kind, *payload, *prev, *hhex, *sig;
    size_t alen = 0, klen = 0, plen = 0;
    if (json_unpack(*root, "{s:I, s:I, s:s%, s:s%, s:s%, s:s, s:s, s:s !}",
                    "seq", &seq, "ts", &ts, "author", &author, &alen, "kind",
                    &kind, &klen, "payload", &payload, &plen, "prev", &prev,
                    "hash", &hhex, "sig", &sig) != 0)
        return "expected exactly the keys seq, ts (integers), author, kind, "
               "payload, prev, hash, sig (strings)";
    if (seq < 1)
        return "seq must be a positive integer";
    if (!parley__name_valid(author, alen))
        return "author must be 1..64 characters of A-Z a-z 0-9 . _ -";
    if (!parley__name_valid(kind, klen))
        return "kind must be 1..64 characters of A-Z a-z 0-9 . _ -";
    if (plen > PARLEY_LEDGER_MAX_PAYLOAD)
        return "payload is larger than 1 MiB";
    if (!hex32(prev, e->prev))
        return "prev must be 64 hex digits";
    if (!hex32(hhex, hash))
        return "hash must be 64 hex digits";
    size_t bin = 0;
    if (strlen(sig) != B64_SIG_LEN ||
        sodium_base642bin(e->sig, PARLEY_LEDGER_SIG_BYTES, sig, B64_SIG_LEN,
                          NULL, &bin, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin != PARLEY_LEDGER_SIG_BYTES)
        return "sig must be 64 bytes in base64 (88 characters)";
    e->seq = (uint64_t)seq;
    e->ts = (int64_t)ts;
    memcpy(e->author, author, alen);
    e->author[alen] = '\0';
    e->author_len = alen;
    memcpy(e->kind, kind, klen);
    e->kind[klen] = '\0';
    e->kind_len = klen;
    e->payload = payload;
    e->payload_len = plen;
    return NULL;
}

parley_status_t parley_ledger_verify_export_stream(FILE *in,
                                                   const parley_ledger_verify_opts_t *opts,
                                                   parley_ledger_report_t *report)
{
    memset(report, 0, sizeof *report);
    parley__verifier_t *v = parley__verifier_new(opts);
    if (!v)
        return PARLEY_ENOMEM;
    char *line = NULL;
    size_t cap = 0;
    parley_status_t st = PARLEY_OK;
    for (;;) {
        int terminated = 0;
        long len = read_line(in, &line, &cap, &terminated);
        if (len == -1)
            break;
        if (len == -3) {
            st = PARLEY_ENOMEM;
            break;
        }
        if (len == -2) {
            parley__verifier_reader_fault(v, PARLEY_LEDGER_FAULT_MALFORMED,
                                          "line longer than %zu bytes",
                                          MAX_LINE);
            continue;
        }
        if (!terminated) {
            parley__verifier_reader_fault(
                v, PARLEY_LEDGER_FAULT_TRUNCATED,
                "the last line has no newline: the export was cut off");
            break;
        }
        parley__entry_t e;
        unsigned char hash[PARLEY_LEDGER_HASH_BYTES];
        json_t *root = NULL;
        memset(&e, 0, sizeof e);
        const char *why = parse_line(line, (size_t)len, &root, &e, hash);
        if (why) {
            if (!parley__verifier_failed(v))
                parley__verifier_reader_fault(v, PARLEY_LEDGER_FAULT_MALFORMED,
                                              "line is malformed: %s", why);
            else
                parley__verifier_reader_fault(v, PARLEY_LEDGER_FAULT_MALFORMED,
                                              "%s", why);
        } else if (parley__verifier_feed(v, &e, hash) != 0) {
            st = PARLEY_ENOMEM;
        }
        json_decref(root);
        if (st != PARLEY_OK)
            break;
    }
    if (st == PARLEY_OK && ferror(in)) {
        st = PARLEY_EIO;
        snprintf(report->message, sizeof report->message,
                 "cannot read the export");
    }
    parley_free(line);
    if (st == PARLEY_OK && parley__verifier_finish(v, NULL, report) != 0)
        st = PARLEY_ENOMEM;
    parley__verifier_free(v);
    return st;
}

parley_status_t parley_ledger_verify_export(const char *path,
                                            const parley_ledger_verify_opts_t *opts,
                                            parley_ledger_report_t *report)
{
    memset(report, 0, sizeof *report);
    FILE *in = fopen(path, "rb");
    if (!in) {
        snprintf(report->message, sizeof report->message,
                 "cannot open %s", path);
        return PARLEY_EIO;
    }
    parley_status_t st = parley_ledger_verify_export_stream(in, opts, report);
    fclose(in);
    return st;
}
