/*
 * verify.c - the streaming ledger verifier, shared by the database and the
 * export readers, which feed it entries in stream order.
 *
 * Cheap checks run in stream order as entries arrive: the stated hash, the
 * sequence, the hash link, the author's registration (key.register entries
 * are decoded here, so the keys come from the ledger alone).  Signatures
 * and the canonical form of payloads, the expensive part, are checked in
 * batches of BATCH entries spread over the worker threads.  The FIRST bad
 * entry is reported: a fault found in stream order first settles the
 * pending batch, whose earlier entries win if one of them is bad.
 *
 * Diagnosis.  Per verified entry the verifier keeps 8-byte prefixes of its
 * hash and signature (16 bytes per entry), enough to tell a replayed entry
 * (its signature or hash was seen before) from an edit, and a link to an
 * earlier entry (a deletion) from a link to nothing.  After the first fault
 * the rest of the stream is only scanned, to tell a gap (an entry is
 * missing) from a reordering (it comes later).  Memory: O(entries) for the
 * prefixes plus one batch.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ledger/ledger_internal.h"
#include "parley/alloc.h"

#define BATCH 4096
#define MAX_THREADS 64

static const char *const FAULT_NAMES[] = {
#define PARLEY__FAULT_NAME(name, msg) #name,
    PARLEY_LEDGER_FAULT_MAP(PARLEY__FAULT_NAME)
#undef PARLEY__FAULT_NAME
};

const char *parley_ledger_fault_name(parley_ledger_fault_t fault)
{
    if ((unsigned)fault >= PARLEY_LEDGER_FAULT_COUNT)
        return "UNKNOWN";
    return FAULT_NAMES[fault];
}

typedef struct item {
    size_t off, len, payload_off, payload_len;
    uint64_t position, seq;
    unsigned char sig[PARLEY_LEDGER_SIG_BYTES];
    unsigned char pk[PARLEY_LEDGER_PUBLIC_KEY_BYTES];
    unsigned char hash[PARLEY_LEDGER_HASH_BYTES];
    int result; /* 0 good, 1 bad signature, 2 payload not canonical */
} item_t;

typedef struct keyent {
    char actor[PARLEY_LEDGER_MAX_NAME + 1];
    unsigned char pk[PARLEY_LEDGER_PUBLIC_KEY_BYTES];
    uint64_t seq;
} keyent_t;

enum { SCAN_NONE, SCAN_MISSING, SCAN_WANT_HASH };

struct parley__verifier {
    parley_ledger_head_t anchor;
    int has_anchor, anchor_seen;
    unsigned char anchor_hash[PARLEY_LEDGER_HASH_BYTES];
    unsigned threads;

    uint64_t position; /* entries fed so far */
    uint64_t last_seq;
    unsigned char last_hash[PARLEY_LEDGER_HASH_BYTES];
    uint64_t good; /* entries fully verified */
    parley_ledger_head_t good_head;

    keyent_t *keys;
    size_t n_keys, keys_cap;
    size_t *index; /* open addressing over keys, -1 free */
    size_t index_cap;

    uint64_t *hash_pfx, *sig_pfx; /* by seq - 1 */
    size_t hist_cap;

    item_t *items;
    size_t n_items;
    unsigned char *arena;
    size_t arena_len, arena_cap;

    parley_ledger_fault_t fault;
    uint64_t fault_pos, fault_seq;
    char message[512];
    int scan;
    uint64_t missing;
    unsigned char want[PARLEY_LEDGER_HASH_BYTES];
    int oom;
};

static uint64_t pfx(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

parley__verifier_t *parley__verifier_new(const parley_ledger_verify_opts_t *opts)
{
    if (sodium_init() < 0)
        return NULL;
    parley__verifier_t *v = parley_calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->items = parley_calloc(BATCH, sizeof *v->items);
    if (!v->items) {
        parley_free(v);
        return NULL;
    }
    if (opts && opts->anchor) {
        v->anchor = *opts->anchor;
        v->has_anchor = 1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    v->threads = opts && opts->threads ? opts->threads
                                       : (cpus > 0 ? (unsigned)cpus : 1);
    if (v->threads > MAX_THREADS)
        v->threads = MAX_THREADS;
    /* Seed jansson's hash tables now, before worker threads create objects. */
    json_decref(json_object());
    return v;
}

void parley__verifier_free(parley__verifier_t *v)
{
    if (!v)
        return;
    parley_free(v->keys);
    parley_free(v->index);
    parley_free(v->hash_pfx);
    parley_free(v->sig_pfx);
    parley_free(v->items);
    parley_free(v->arena);
    parley_free(v);
}

int parley__verifier_failed(const parley__verifier_t *v)
{
    return v->fault != PARLEY_LEDGER_FAULT_NONE || v->oom;
}

/* ---- keys ------------------------------------------------------------ */

static size_t name_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (size_t)h;
}

static keyent_t *key_find(const parley__verifier_t *v, const char *actor,
                          size_t len)
{
    if (!v->index_cap)
        return NULL;
    size_t mask = v->index_cap - 1;
    for (size_t i = name_hash(actor, len) & mask;; i = (i + 1) & mask) {
        size_t k = v->index[i];
        if (k == (size_t)-1)
            return NULL;
        if (strlen(v->keys[k].actor) == len &&
            memcmp(v->keys[k].actor, actor, len) == 0)
            return &v->keys[k];
    }
}

static int key_add(parley__verifier_t *v, const char *actor, size_t len,
                   const unsigned char *pk, uint64_t seq)
{
    if (v->n_keys == v->keys_cap) {
        size_t cap = v->keys_cap ? 2 * v->keys_cap : 16;
        keyent_t *k = parley_realloc(v->keys, cap * sizeof *k);
        if (!k)
            return -1;
        v->keys = k;
        v->keys_cap = cap;
    }
    if (2 * (v->n_keys + 1) > v->index_cap) {
        size_t cap = v->index_cap ? 2 * v->index_cap : 32;
        size_t *idx = parley_malloc(cap * sizeof *idx);
        if (!idx)
            return -1;
        memset(idx, 0xff, cap * sizeof *idx);
        for (size_t k = 0; k < v->n_keys; k++) {
            size_t i = name_hash(v->keys[k].actor, strlen(v->keys[k].actor)) &
                       (cap - 1);
            while (idx[i] != (size_t)-1)
                i = (i + 1) & (cap - 1);
            idx[i] = k;
        }
        parley_free(v->index);
        v->index = idx;
        v->index_cap = cap;
    }
    keyent_t *e = &v->keys[v->n_keys];
    memcpy(e->actor, actor, len);
    e->actor[len] = '\0';
    memcpy(e->pk, pk, PARLEY_LEDGER_PUBLIC_KEY_BYTES);
    e->seq = seq;
    size_t i = name_hash(actor, len) & (v->index_cap - 1);
    while (v->index[i] != (size_t)-1)
        i = (i + 1) & (v->index_cap - 1);
    v->index[i] = v->n_keys++;
    return 0;
}

/* ---- faults ---------------------------------------------------------- */

static void set_fault(parley__verifier_t *v, parley_ledger_fault_t fault,
                      uint64_t position, uint64_t seq, const char *fmt,
                      va_list ap)
{
    v->fault = fault;
    v->fault_pos = position;
    v->fault_seq = seq;
    vsnprintf(v->message, sizeof v->message, fmt, ap);
}

static void fault_at(parley__verifier_t *v, parley_ledger_fault_t fault,
                     uint64_t position, uint64_t seq, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static void fault_at(parley__verifier_t *v, parley_ledger_fault_t fault,
                     uint64_t position, uint64_t seq, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_fault(v, fault, position, seq, fmt, ap);
    va_end(ap);
}

/* ---- signature batches ---------------------------------------------- */

typedef struct job {
    parley__verifier_t *v;
    unsigned t, n_threads;
} job_t;

static void check_item(const parley__verifier_t *v, item_t *it)
{
    const unsigned char *bytes = v->arena + it->off;
    if (crypto_sign_verify_detached(it->sig, bytes, it->len, it->pk) != 0) {
        it->result = 1;
        return;
    }
    char *canon = NULL;
    size_t clen = 0;
    char err[8];
    if (parley__canonical_json((const char *)bytes + it->payload_off,
                               it->payload_len, &canon, &clen, err,
                               sizeof err) != PARLEY_OK ||
        clen != it->payload_len ||
        memcmp(canon, bytes + it->payload_off, clen) != 0)
        it->result = 2;
    parley_free(canon);
}

static void *worker(void *arg)
{
    job_t *j = arg;
    size_t n = j->v->n_items;
    size_t lo = n * j->t / j->n_threads, hi = n * (j->t + 1) / j->n_threads;
    for (size_t i = lo; i < hi; i++)
        check_item(j->v, &j->v->items[i]);
    return NULL;
}

/* Checks the pending batch; records a fault for its first bad entry. */
static void flush(parley__verifier_t *v)
{
    size_t n = v->n_items;
    if (n == 0)
        return;
    unsigned nt = v->threads;
    if (nt > n / 64)
        nt = (unsigned)(n / 64);
    if (nt < 1)
        nt = 1;
    job_t jobs[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    unsigned started = 1;
    for (unsigned t = 0; t < nt; t++)
        jobs[t] = (job_t){v, t, nt};
    for (unsigned t = 1; t < nt; t++) {
        if (pthread_create(&tids[t], NULL, worker, &jobs[t]) != 0)
            break;
        started++;
    }
    if (started < nt) {
        /* Could not start every thread: redo the split over those we have. */
        for (unsigned t = 1; t < started; t++)
            pthread_join(tids[t], NULL);
        for (size_t i = 0; i < n; i++)
            v->items[i].result = 0;
        job_t one = {v, 0, 1};
        worker(&one);
    } else {
        worker(&jobs[0]);
        for (unsigned t = 1; t < nt; t++)
            pthread_join(tids[t], NULL);
    }
    for (size_t i = 0; i < n; i++) {
        item_t *it = &v->items[i];
        if (it->result == 0)
            continue;
        v->good += i;
        if (i > 0) {
            v->good_head.seq = v->items[i - 1].seq;
            memcpy(v->good_head.hash, v->items[i - 1].hash,
                   PARLEY_LEDGER_HASH_BYTES);
        }
        if (it->result == 2) {
            fault_at(v, PARLEY_LEDGER_FAULT_MALFORMED, it->position, it->seq,
                     "entry %llu: the payload is not canonical JSON (a JSON "
                     "object, compact, keys sorted)",
                     (unsigned long long)it->seq);
            break;
        }
        const unsigned char *bytes = v->arena + it->off;
        for (size_t k = 0; k < v->n_keys; k++) {
            if (memcmp(v->keys[k].pk, it->pk, sizeof it->pk) != 0 &&
                crypto_sign_verify_detached(it->sig, bytes, it->len,
                                            v->keys[k].pk) == 0) {
                fault_at(v, PARLEY_LEDGER_FAULT_WRONG_KEY, it->position,
                         it->seq,
                         "entry %llu: signed with the key of '%s', not with "
                         "the key registered for its author: re-signed or "
                         "forged",
                         (unsigned long long)it->seq, v->keys[k].actor);
                break;
            }
        }
        if (v->fault == PARLEY_LEDGER_FAULT_NONE) {
            uint64_t sp = pfx(it->sig);
            for (uint64_t s = 0; s + 1 < it->seq; s++) {
                if (v->sig_pfx[s] == sp) {
                    fault_at(v, PARLEY_LEDGER_FAULT_DUPLICATE, it->position,
                             it->seq,
                             "entry %llu: carries the signature of entry "
                             "%llu: an old entry replayed",
                             (unsigned long long)it->seq,
                             (unsigned long long)(s + 1));
                    break;
                }
            }
        }
        if (v->fault == PARLEY_LEDGER_FAULT_NONE)
            fault_at(v, PARLEY_LEDGER_FAULT_BAD_SIGNATURE, it->position,
                     it->seq,
                     "entry %llu: the signature does not verify with the key "
                     "registered for its author: the entry was edited or "
                     "forged",
                     (unsigned long long)it->seq);
        break;
    }
    if (v->fault == PARLEY_LEDGER_FAULT_NONE) {
        v->good += n;
        v->good_head.seq = v->items[n - 1].seq;
        memcpy(v->good_head.hash, v->items[n - 1].hash,
               PARLEY_LEDGER_HASH_BYTES);
    }
    v->n_items = 0;
    v->arena_len = 0;
}

/* A fault found in stream order: earlier pending entries are settled first. */
static void seq_fault(parley__verifier_t *v, parley_ledger_fault_t fault,
                      uint64_t seq, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void seq_fault(parley__verifier_t *v, parley_ledger_fault_t fault,
                      uint64_t seq, const char *fmt, ...)
{
    flush(v);
    if (v->fault != PARLEY_LEDGER_FAULT_NONE)
        return;
    va_list ap;
    va_start(ap, fmt);
    set_fault(v, fault, v->position, seq, fmt, ap);
    va_end(ap);
}

void parley__verifier_reader_fault(parley__verifier_t *v,
                                   parley_ledger_fault_t fault,
                                   const char *fmt, ...)
{
    v->position++;
    if (v->fault != PARLEY_LEDGER_FAULT_NONE)
        return;
    flush(v);
    if (v->fault != PARLEY_LEDGER_FAULT_NONE)
        return;
    va_list ap;
    va_start(ap, fmt);
    set_fault(v, fault, v->position, 0, fmt, ap);
    va_end(ap);
}

/* ---- feeding --------------------------------------------------------- */

static unsigned char *reserve(parley__verifier_t *v, size_t size)
{
    if (v->arena_len + size > v->arena_cap) {
        size_t cap = v->arena_cap ? v->arena_cap : 1 << 16;
        while (cap < v->arena_len + size)
            cap *= 2;
        unsigned char *a = parley_realloc(v->arena, cap);
        if (!a)
            return NULL;
        v->arena = a;
        v->arena_cap = cap;
    }
    return v->arena + v->arena_len;
}

/* After the first fault: only sharpen its diagnosis. */
static int refine(parley__verifier_t *v, const parley__entry_t *e)
{
    if (v->scan == SCAN_MISSING && e->seq == v->missing) {
        fault_at(v, PARLEY_LEDGER_FAULT_REORDERED, v->fault_pos, v->fault_seq,
                 "expected entry %llu at position %llu but found entry %llu; "
                 "entry %llu comes later, at position %llu: entries are out "
                 "of order",
                 (unsigned long long)v->missing,
                 (unsigned long long)v->fault_pos,
                 (unsigned long long)v->fault_seq,
                 (unsigned long long)v->missing,
                 (unsigned long long)v->position);
        v->scan = SCAN_NONE;
    } else if (v->scan == SCAN_WANT_HASH) {
        size_t size = parley__entry_size(e);
        unsigned char *bytes = reserve(v, size);
        if (!bytes)
            return -1;
        parley__entry_bytes(e, bytes);
        unsigned char h[PARLEY_LEDGER_HASH_BYTES];
        parley__entry_hash(bytes, size, e->sig, h);
        if (memcmp(h, v->want, sizeof h) == 0) {
            fault_at(v, PARLEY_LEDGER_FAULT_REORDERED, v->fault_pos,
                     v->fault_seq,
                     "entry at position %llu links to the entry at position "
                     "%llu, which comes after it: entries are out of order",
                     (unsigned long long)v->fault_pos,
                     (unsigned long long)v->position);
            v->scan = SCAN_NONE;
        }
    }
    return 0;
}

/* Decodes a key.register payload; 0 and *pk filled when well-formed. */
static int register_payload(const parley__entry_t *e, unsigned char *pk,
                            char *why, size_t why_size)
{
    json_error_t je;
    json_t *root = json_loadb(e->payload, e->payload_len,
                              JSON_REJECT_DUPLICATES, &je);
    const char *actor = NULL, *hex = NULL;
    int rc = -1;
    if (!root || json_unpack(root, "{s:s, s:s !}", "actor", &actor,
                             "public_key", &hex) != 0) {
        snprintf(why, why_size,
                 "a key.register payload must be {\"actor\": id, "
                 "\"public_key\": 64 hex digits} and nothing else");
    } else if (strlen(actor) != e->author_len ||
               memcmp(actor, e->author, e->author_len) != 0) {
        snprintf(why, why_size,
                 "registers a key for '%s' but is authored by '%.*s': keys "
                 "are registered by their own actor",
                 actor, (int)e->author_len, e->author);
    } else {
        size_t bin = 0;
        if (strlen(hex) == 2 * PARLEY_LEDGER_PUBLIC_KEY_BYTES &&
            sodium_hex2bin(pk, PARLEY_LEDGER_PUBLIC_KEY_BYTES, hex,
                           strlen(hex), NULL, &bin, NULL) == 0 &&
            bin == PARLEY_LEDGER_PUBLIC_KEY_BYTES)
            rc = 0;
        else
            snprintf(why, why_size, "public_key must be 64 hex digits");
    }
    json_decref(root);
    return rc;
}

int parley__verifier_feed(parley__verifier_t *v, const parley__entry_t *e,
                          const unsigned char *stated_hash)
{
    v->position++;
    if (v->oom)
        return -1;
    if (v->fault != PARLEY_LEDGER_FAULT_NONE)
        return refine(v, e) == 0 ? 0 : (v->oom = 1, -1);

    const unsigned long long seq = (unsigned long long)e->seq;
    size_t size = parley__entry_size(e);
    unsigned char *bytes = reserve(v, size);
    if (!bytes) {
        v->oom = 1;
        return -1;
    }
    parley__entry_bytes(e, bytes);
    unsigned char hash[PARLEY_LEDGER_HASH_BYTES];
    parley__entry_hash(bytes, size, e->sig, hash);

    if (stated_hash && memcmp(stated_hash, hash, sizeof hash) != 0) {
        seq_fault(v, PARLEY_LEDGER_FAULT_BAD_HASH, e->seq,
                  "entry %llu: its stated hash is not the hash of its "
                  "content: the entry was edited",
                  seq);
        return 0;
    }
    uint64_t expected = v->last_seq + 1;
    if (e->seq != expected) {
        if (e->seq >= 1 && e->seq <= v->last_seq) {
            if (v->hash_pfx[e->seq - 1] == pfx(hash))
                seq_fault(v, PARLEY_LEDGER_FAULT_DUPLICATE, e->seq,
                          "entry %llu appears again after entry %llu: a "
                          "duplicated or replayed entry",
                          seq, (unsigned long long)v->last_seq);
            else
                seq_fault(v, PARLEY_LEDGER_FAULT_REORDERED, e->seq,
                          "entry %llu comes after entry %llu: entries are "
                          "out of order",
                          seq, (unsigned long long)v->last_seq);
        } else {
            seq_fault(v, PARLEY_LEDGER_FAULT_SEQ_GAP, e->seq,
                      "expected entry %llu, found entry %llu: entries "
                      "%llu..%llu are missing (deleted?)",
                      (unsigned long long)expected, seq,
                      (unsigned long long)expected, seq - 1);
            if (v->fault == PARLEY_LEDGER_FAULT_SEQ_GAP) {
                v->scan = SCAN_MISSING;
                v->missing = expected;
            }
        }
        return 0;
    }
    if (memcmp(e->prev, v->last_hash, sizeof hash) != 0) {
        uint64_t sp = pfx(e->sig), hp = pfx(e->prev);
        for (uint64_t s = 0; s < v->last_seq; s++)
            if (v->sig_pfx[s] == sp) {
                seq_fault(v, PARLEY_LEDGER_FAULT_DUPLICATE, e->seq,
                          "entry %llu: a copy of entry %llu (same signature "
                          "and link): an old entry replayed",
                          seq, (unsigned long long)(s + 1));
                return 0;
            }
        for (uint64_t s = 0; s + 1 < v->last_seq; s++)
            if (v->hash_pfx[s] == hp) {
                seq_fault(v, PARLEY_LEDGER_FAULT_BAD_LINK, e->seq,
                          "entry %llu links to entry %llu instead of entry "
                          "%llu: entries between were removed or replaced",
                          seq, (unsigned long long)(s + 1),
                          (unsigned long long)v->last_seq);
                return 0;
            }
        seq_fault(v, PARLEY_LEDGER_FAULT_BAD_LINK, e->seq,
                  e->seq == 1 ? "entry 1 (genesis) must link to the all-zero "
                                "hash"
                              : "entry %llu does not link to entry %llu: its "
                                "previous-hash matches no earlier entry",
                  seq, (unsigned long long)v->last_seq);
        if (v->fault == PARLEY_LEDGER_FAULT_BAD_LINK) {
            v->scan = SCAN_WANT_HASH;
            memcpy(v->want, e->prev, sizeof v->want);
        }
        return 0;
    }
    unsigned char pk[PARLEY_LEDGER_PUBLIC_KEY_BYTES];
    keyent_t *known = key_find(v, e->author, e->author_len);
    if (e->kind_len == strlen(PARLEY_LEDGER_KIND_KEY) &&
        memcmp(e->kind, PARLEY_LEDGER_KIND_KEY, e->kind_len) == 0) {
        char why[256];
        if (register_payload(e, pk, why, sizeof why) != 0) {
            seq_fault(v, PARLEY_LEDGER_FAULT_MALFORMED, e->seq,
                      "entry %llu: %s", seq, why);
            return 0;
        }
        if (known) {
            seq_fault(v, PARLEY_LEDGER_FAULT_KEY_CONFLICT, e->seq,
                      "entry %llu registers a key for '%s', already "
                      "registered by entry %llu",
                      seq, known->actor, (unsigned long long)known->seq);
            return 0;
        }
        if (key_add(v, e->author, e->author_len, pk, e->seq) != 0) {
            v->oom = 1;
            return -1;
        }
    } else if (known) {
        memcpy(pk, known->pk, sizeof pk);
    } else {
        seq_fault(v, PARLEY_LEDGER_FAULT_UNKNOWN_AUTHOR, e->seq,
                  "entry %llu: author '%.*s' has no key registered before "
                  "it",
                  seq, (int)e->author_len, e->author);
        return 0;
    }

    if (e->seq > v->hist_cap) {
        size_t cap = v->hist_cap ? 2 * v->hist_cap : 1024;
        uint64_t *h = parley_realloc(v->hash_pfx, cap * sizeof *h);
        if (h)
            v->hash_pfx = h;
        uint64_t *s = h ? parley_realloc(v->sig_pfx, cap * sizeof *s) : NULL;
        if (!s) {
            v->oom = 1;
            return -1;
        }
        v->sig_pfx = s;
        v->hist_cap = cap;
    }
    v->hash_pfx[e->seq - 1] = pfx(hash);
    v->sig_pfx[e->seq - 1] = pfx(e->sig);

    item_t *it = &v->items[v->n_items++];
    it->off = v->arena_len;
    it->len = size;
    it->payload_off = 27 + e->author_len + e->kind_len;
    it->payload_len = e->payload_len;
    it->position = v->position;
    it->seq = e->seq;
    memcpy(it->sig, e->sig, sizeof it->sig);
    memcpy(it->pk, pk, sizeof pk);
    memcpy(it->hash, hash, sizeof hash);
    it->result = 0;
    v->arena_len += size;

    v->last_seq = e->seq;
    memcpy(v->last_hash, hash, sizeof hash);
    if (v->has_anchor && e->seq == v->anchor.seq) {
        v->anchor_seen = 1;
        memcpy(v->anchor_hash, hash, sizeof hash);
    }
    if (v->n_items == BATCH)
        flush(v);
    return 0;
}

int parley__verifier_finish(parley__verifier_t *v,
                            const parley_ledger_head_t *store_head,
                            parley_ledger_report_t *report)
{
    memset(report, 0, sizeof *report);
    if (v->oom)
        return -1;
    if (v->fault == PARLEY_LEDGER_FAULT_NONE)
        flush(v);
    const unsigned long long last = (unsigned long long)v->last_seq;
    if (v->fault == PARLEY_LEDGER_FAULT_NONE && store_head) {
        if (store_head->seq > v->last_seq)
            fault_at(v, PARLEY_LEDGER_FAULT_TRUNCATED, v->position + 1,
                     v->last_seq + 1,
                     "the ledger ends at entry %llu but the store recorded "
                     "its head at entry %llu: the tail was cut off",
                     last, (unsigned long long)store_head->seq);
        else if (store_head->seq < v->last_seq ||
                 memcmp(store_head->hash, v->last_hash,
                        PARLEY_LEDGER_HASH_BYTES) != 0)
            fault_at(v, PARLEY_LEDGER_FAULT_HEAD_MISMATCH, v->position,
                     v->last_seq,
                     "the store recorded its head at entry %llu with another "
                     "hash than the ledger's last entry %llu: entries were "
                     "added or changed outside parley",
                     (unsigned long long)store_head->seq, last);
    }
    if (v->fault == PARLEY_LEDGER_FAULT_NONE && v->has_anchor &&
        v->anchor.seq > 0) {
        if (v->anchor.seq > v->last_seq)
            fault_at(v, PARLEY_LEDGER_FAULT_TRUNCATED, v->position + 1,
                     v->last_seq + 1,
                     "the ledger ends at entry %llu but the anchor records "
                     "entry %llu: the tail was cut off",
                     last, (unsigned long long)v->anchor.seq);
        else if (!v->anchor_seen ||
                 memcmp(v->anchor_hash, v->anchor.hash,
                        PARLEY_LEDGER_HASH_BYTES) != 0)
            fault_at(v, PARLEY_LEDGER_FAULT_HEAD_MISMATCH, v->anchor.seq,
                     v->anchor.seq,
                     "entry %llu differs from the anchored head: the ledger "
                     "was rewritten at or before that entry",
                     (unsigned long long)v->anchor.seq);
    }
    report->fault = v->fault;
    if (v->fault == PARLEY_LEDGER_FAULT_NONE) {
        report->entries = v->position;
        report->head.seq = v->last_seq;
        memcpy(report->head.hash, v->last_hash, PARLEY_LEDGER_HASH_BYTES);
        snprintf(report->message, sizeof report->message,
                 "%llu entries verified", (unsigned long long)v->position);
    } else {
        report->position = v->fault_pos;
        report->seq = v->fault_seq;
        report->entries = v->good;
        report->head = v->good_head;
        memcpy(report->message, v->message, sizeof report->message);
    }
    return 0;
}
