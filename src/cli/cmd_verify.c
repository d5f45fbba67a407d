/*
 * cmd_verify.c - `parley verify`: checks a whole ledger offline, the
 * store's (--db) or an exported JSON-lines file (--export), and names the
 * first bad entry.
 *
 * Verification only reads: a database that does not exist is an error
 * (rather than an empty ledger created on the spot), so a mistyped path is
 * never reported as "ok".  The verdict goes to stdout (text or --json), and
 * the exit status says it: 0 the ledger verifies, 1 it does not.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli_internal.h"

const char cli_help_verify[] =
    "Usage: parley verify [--db PATH] [--anchor SEQ:HASH] [--json]\n"
    "       parley verify --export FILE [--anchor SEQ:HASH] [--json]\n"
    "\n"
    "Checks the whole ledger offline: the sequence, every hash link, every\n"
    "signature against the keys registered in the ledger itself, and the\n"
    "store's own record of its head.  With --export, checks a file written by\n"
    "'parley ledger export' on its own, with no database.\n"
    "\n"
    "Prints 'ledger ok: N entries, head SEQ HASH', or the first bad entry\n"
    "(its position: row of the database, line of the file), its seq, the\n"
    "fault and what is wrong.\n"
    "\n"
    "Options:\n"
    "  --db PATH          the database (default: $XDG_DATA_HOME/parley/parley.db,\n"
    "                     else ~/.local/share/parley/parley.db); never created\n"
    "  --export FILE      verify an exported JSON-lines ledger instead\n"
    "  --anchor SEQ:HASH  a head recorded earlier: the ledger must reach entry\n"
    "                     SEQ with exactly this hash (64 hex digits), which\n"
    "                     detects a cut-off tail\n"
    "  --json             the verdict as one JSON object\n"
    "\n"
    "Exit status: 0 the ledger verifies, 1 it does not (or the database is\n"
    "damaged), 64 usage error, 66 the database or file cannot be read.\n";

enum { OPT_DB = 1, OPT_EXPORT, OPT_ANCHOR, OPT_JSON };

static const cli_opt_t verify_opts[] = {
    {"db", 0, 1, OPT_DB},
    {"export", 0, 1, OPT_EXPORT},
    {"anchor", 0, 1, OPT_ANCHOR},
    {"json", 0, 0, OPT_JSON},
};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void cli_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

/* "SEQ:HASH" with SEQ >= 1 and HASH 64 hex digits. */
static int parse_anchor(const char *s, parley_ledger_head_t *anchor)
{
    const char *colon = strchr(s, ':');
    char seq[32];
    if (!colon || (size_t)(colon - s) >= sizeof seq || colon == s)
        return cli_usage_error("verify",
                               "--anchor must be SEQ:HASH, got '%s'", s);
    memcpy(seq, s, (size_t)(colon - s));
    seq[colon - s] = '\0';
    if (cli_parse_u64("verify", "--anchor SEQ", seq, &anchor->seq))
        return CLI_EXIT_USAGE;
    if (anchor->seq == 0)
        return cli_usage_error("verify", "--anchor SEQ must be at least 1");
    const char *h = colon + 1;
    if (strlen(h) != 2 * PARLEY_LEDGER_HASH_BYTES)
        return cli_usage_error(
            "verify", "--anchor HASH must be %d hex digits, got %zu characters",
            2 * PARLEY_LEDGER_HASH_BYTES, strlen(h));
    for (size_t i = 0; i < PARLEY_LEDGER_HASH_BYTES; i++) {
        int hi = hex_digit(h[2 * i]), lo = hex_digit(h[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return cli_usage_error("verify",
                                   "--anchor HASH has a non-hex character "
                                   "near position %zu",
                                   2 * i + 1);
        anchor->hash[i] = (unsigned char)(hi * 16 + lo);
    }
    return 0;
}

static void print_text(const parley_ledger_report_t *r, int is_export)
{
    char hash[2 * PARLEY_LEDGER_HASH_BYTES + 1];
    cli_hex(r->head.hash, PARLEY_LEDGER_HASH_BYTES, hash);
    if (r->fault == PARLEY_LEDGER_FAULT_NONE) {
        printf("ledger ok: %llu entr%s, head %llu %s\n",
               (unsigned long long)r->entries, r->entries == 1 ? "y" : "ies",
               (unsigned long long)r->head.seq, hash);
        return;
    }
    printf("ledger BAD at %s %llu", is_export ? "line" : "entry",
           (unsigned long long)r->position);
    if (r->seq)
        printf(" (seq %llu)", (unsigned long long)r->seq);
    printf(": %s: %s\n", parley_ledger_fault_name(r->fault), r->message);
    printf("%llu entr%s verified before it; last good head %llu %s\n",
           (unsigned long long)r->entries, r->entries == 1 ? "y" : "ies",
           (unsigned long long)r->head.seq, hash);
}

static int print_json(const parley_ledger_report_t *r, const char *source)
{
    char hash[2 * PARLEY_LEDGER_HASH_BYTES + 1];
    cli_hex(r->head.hash, PARLEY_LEDGER_HASH_BYTES, hash);
    int ok = r->fault == PARLEY_LEDGER_FAULT_NONE;
    json_t *o = json_pack("{s:b, s:s, s:I, s:{s:I, s:s}}", "ok", ok, "source",
                          source, "entries", (json_int_t)r->entries, "head",
                          "seq", (json_int_t)r->head.seq, "hash", hash);
    if (o && !ok) {
        json_t *bad = json_pack("{s:I, s:I, s:s, s:s}", "position",
                                (json_int_t)r->position, "seq",
                                (json_int_t)r->seq, "fault",
                                parley_ledger_fault_name(r->fault), "message",
                                r->message);
        if (!bad || json_object_set_new(o, "first_bad", bad) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    if (!o)
        return cli_error("verify", CLI_EXIT_INTERNAL, "out of memory");
    int rc = json_dumpf(o, stdout, JSON_COMPACT);
    json_decref(o);
    putchar('\n');
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
}

int cli_cmd_verify(int argc, char **argv)
{
    cli_parser_t p;
    cli_parser_init(&p, "verify", argc, argv, verify_opts,
                    sizeof verify_opts / sizeof verify_opts[0]);
    const char *db = NULL, *export_path = NULL, *v;
    int json = 0, has_anchor = 0, id;
    parley_ledger_head_t anchor;
    memset(&anchor, 0, sizeof anchor);
    while ((id = cli_next(&p, &v)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case CLI_OPERAND:
            return cli_usage_error("verify", "unexpected argument '%s'", v);
        case OPT_DB:
            db = v;
            break;
        case OPT_EXPORT:
            export_path = v;
            break;
        case OPT_ANCHOR:
            if (parse_anchor(v, &anchor))
                return CLI_EXIT_USAGE;
            has_anchor = 1;
            break;
        case OPT_JSON:
            json = 1;
            break;
        }
    }
    if (db && export_path)
        return cli_usage_error("verify",
                               "--db and --export exclude each other: verify "
                               "one ledger at a time");
    parley_ledger_verify_opts_t vo = {has_anchor ? &anchor : NULL, 0};
    parley_ledger_report_t report;
    memset(&report, 0, sizeof report);
    const char *source;
    if (export_path) {
        int rc = cli_check_readable("verify", export_path);
        if (rc)
            return rc;
        parley_status_t st =
            parley_ledger_verify_export(export_path, &vo, &report);
        if (st != PARLEY_OK)
            return cli_error("verify", st == PARLEY_ENOMEM ? CLI_EXIT_INTERNAL
                                                          : CLI_EXIT_NOINPUT,
                             "cannot read '%s': %s", export_path,
                             parley_status_message(st));
        source = export_path;
    } else {
        parley_store_t *store = NULL;
        int rc = cli_open_store("verify", db, 1, &store);
        if (rc)
            return rc;
        parley_status_t st = parley_ledger_verify(store, &vo, &report);
        source = db ? db : "(default database)";
        if (st != PARLEY_OK) {
            rc = cli_error("verify", cli_exit_for(st),
                           "cannot read the ledger of '%s': %s",
                           parley_store_path(store), parley_status_message(st));
            parley_store_close(store);
            return rc;
        }
        parley_store_close(store);
    }
    int rc = CLI_EXIT_OK;
    if (json)
        rc = print_json(&report, source);
    else
        print_text(&report, export_path != NULL);
    if (fflush(stdout) != 0)
        return cli_error("verify", CLI_EXIT_CANTCREAT,
                         "error writing standard output");
    if (rc)
        return rc;
    return report.fault == PARLEY_LEDGER_FAULT_NONE ? CLI_EXIT_OK
                                                    : CLI_EXIT_INVALID;
}
