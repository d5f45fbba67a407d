/*
 * cmd_monitor.c - `parley monitor init|commit|report|verify|status`: the
 * implementation of an agreement, from the command line.
 *
 * Each action that writes signs with the key of the actor named by --as
 * (DIR/ACTOR.key, registered first with `parley ledger register`) and is
 * one transaction in the store: a refused action changes nothing.  The
 * agreement comes from the event log of `parley mediate --json`: its
 * "agreement" event holds the agreed text.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli_internal.h"
#include "parley/monitor.h"
#include "parley/render.h"

const char cli_help_monitor[] =
    "Usage: parley monitor init SCENARIO --agreement LOG.jsonl --as ACTOR\n"
    "                           [--id ID] [--date DAY] [--periods N]\n"
    "       parley monitor commit AGREEMENT ID --issue ISSUE --owner PARTY\n"
    "                           --what TEXT (--benchmark 'CMP NUMBER UNIT' |\n"
    "                           --deliverable) --due DAY --every MONTHS\n"
    "                           --verifier ACTOR [--start DAY]\n"
    "                           [--guarantee G] [--core] --as ACTOR\n"
    "       parley monitor report AGREEMENT COMMITMENT --period DAY\n"
    "                           --status S [--value X] [--note TEXT]\n"
    "                           [--monitor] --as ACTOR\n"
    "       parley monitor verify AGREEMENT COMMITMENT --period DAY\n"
    "                           --status S [--value X] [--note TEXT] --as ACTOR\n"
    "       parley monitor status AGREEMENT [--as-of DAY] [--json]\n"
    "                           [--svg FILE]\n"
    "       parley monitor consequence AGREEMENT ID (--commitment C |\n"
    "                           --guarantee G) --kind notice|suspension|review\n"
    "                           --trigger breached|disputed:K|overdue:D\n"
    "                           [--suspends G] --as ACTOR\n"
    "       parley monitor enforce AGREEMENT [--as-of DAY] --as ACTOR\n"
    "       parley monitor review SCENARIO --party P --profile FILE [--id ID]\n"
    "                           --as ACTOR [--json]\n"
    "Every action takes [--db PATH]; the writing ones [--keys DIR].\n"
    "\n"
    "init     takes an agreement into monitoring: the agreed text is the\n"
    "         'agreement' event of LOG.jsonl (written by 'parley mediate\n"
    "         --json'), checked against SCENARIO; the scenario's guarantees\n"
    "         that apply to it become provisional.  ID defaults to the\n"
    "         scenario file's name, DAY to today (UTC), N to 3: the number of\n"
    "         consecutive verified periods a guarantee needs to become\n"
    "         permanent.\n"
    "commit   adds a commitment: who (--owner) must do what, on which issue,\n"
    "         measured how (a number: --benchmark '>= 450 m3/s'; or done or\n"
    "         not: --deliverable), from --start (default: the day of\n"
    "         agreement) to --due, reported every MONTHS months, verified by\n"
    "         --verifier; --guarantee names the guarantee it backs.\n"
    "report   files the owner's self-report (or, with --monitor, an\n"
    "         independent monitor's report) for the period ending on DAY.\n"
    "verify   files the verifier's finding for that period.  A verification\n"
    "         that disagrees with the self-report marks the commitment\n"
    "         disputed; verifications move the guarantee a commitment backs.\n"
    "status   a dashboard per party: each commitment's status per period,\n"
    "         overdue and disputed flags, missing self-reports; a summary\n"
    "         per cluster of issues; each guarantee's state; the consequences\n"
    "         and whether they were applied.\n"
    "consequence writes a consequence of noncompliance into the agreement:\n"
    "         public notice, suspension of a guarantee's benefit (--suspends,\n"
    "         default: the guarantee it watches) or a review session, set off\n"
    "         when the commitment (or any commitment backing the guarantee)\n"
    "         is found breached, disputed K periods in a row, or D days past\n"
    "         due and not full.  Monitors' reports and verifications apply\n"
    "         it, signed by their author, as of their period.\n"
    "review   after a change of party P's leadership or priorities: P's\n"
    "         profile becomes FILE (a party object of the scenario format),\n"
    "         the issues of core commitments (commit --core) stay locked and\n"
    "         the fewest other issues change so that every party accepts the\n"
    "         whole again; prints each change (issue: old -> new) and records\n"
    "         the review in the ledger.  The standing text is not changed.\n"
    "enforce  applies the consequences met as of DAY (default: today),\n"
    "         signed by ACTOR: what the calendar alone sets off (overdue).\n"
    "\n"
    "Status S: 0 not_begun, 1 minimal, 2 intermediate, 3 full (the Peace\n"
    "Accords Matrix scale), disputed or breached.  Days are YYYY-MM-DD; a\n"
    "period is named by its last day: start + k * MONTHS months.\n"
    "\n"
    "Options:\n"
    "  --db PATH     the database (default: $XDG_DATA_HOME/parley/parley.db,\n"
    "                else ~/.local/share/parley/parley.db)\n"
    "  --keys DIR    key directory (default: $XDG_DATA_HOME/parley/keys)\n"
    "  --as ACTOR    who signs this action: DIR/ACTOR.key\n"
    "  --json        status as one JSON object\n"
    "  --svg FILE    status also as a timeline picture (standalone SVG):\n"
    "                commitments by period in their status colours, disputed\n"
    "                and breached marks, guarantees' states\n"
    "\n"
    "Exit status: 0 success; 1 refused (bad input, unknown agreement or\n"
    "commitment, dates out of order, a newer database...: nothing stored);\n"
    "64 usage error; 66 an input file or the database cannot be read.\n";

enum {
    O_DB = 1, O_KEYS, O_AS, O_AGREEMENT, O_ID, O_DATE, O_PERIODS, O_ISSUE,
    O_OWNER, O_WHAT, O_BENCH, O_DELIV, O_DUE, O_EVERY, O_VERIFIER, O_START,
    O_GUARANTEE, O_PERIOD, O_STATUS, O_VALUE, O_NOTE, O_MONITOR, O_ASOF,
    O_COMMITMENT, O_KIND, O_TRIGGER, O_SUSPENDS, O_CORE, O_PARTY, O_PROFILE,
    O_SVG, O_JSON
};

static const cli_opt_t monitor_opts[] = {
    {"db", 0, 1, O_DB},           {"keys", 0, 1, O_KEYS},
    {"as", 0, 1, O_AS},           {"agreement", 0, 1, O_AGREEMENT},
    {"id", 0, 1, O_ID},           {"date", 0, 1, O_DATE},
    {"periods", 0, 1, O_PERIODS}, {"issue", 0, 1, O_ISSUE},
    {"owner", 0, 1, O_OWNER},     {"what", 0, 1, O_WHAT},
    {"benchmark", 0, 1, O_BENCH}, {"deliverable", 0, 0, O_DELIV},
    {"due", 0, 1, O_DUE},         {"every", 0, 1, O_EVERY},
    {"verifier", 0, 1, O_VERIFIER}, {"start", 0, 1, O_START},
    {"guarantee", 0, 1, O_GUARANTEE}, {"period", 0, 1, O_PERIOD},
    {"status", 0, 1, O_STATUS},   {"value", 0, 1, O_VALUE},
    {"note", 0, 1, O_NOTE},       {"monitor", 0, 0, O_MONITOR},
    {"as-of", 0, 1, O_ASOF},      {"json", 0, 0, O_JSON},
    {"commitment", 0, 1, O_COMMITMENT}, {"kind", 0, 1, O_KIND},
    {"trigger", 0, 1, O_TRIGGER}, {"suspends", 0, 1, O_SUSPENDS},
    {"core", 0, 0, O_CORE},       {"party", 0, 1, O_PARTY},
    {"profile", 0, 1, O_PROFILE}, {"svg", 0, 1, O_SVG},
};
#define N_OPTS (sizeof monitor_opts / sizeof monitor_opts[0])

/* Everything any action may be given; which ones apply is checked after. */
typedef struct margs {
    const char *action;
    const char *operand[2];
    int n_operands;
    const char *v[O_JSON + 1]; /* option values by id ("" for flags) */
} margs_t;

/* Options each action accepts, as ids terminated by 0. */
static const int INIT_OPTS[] = {O_DB, O_KEYS, O_AS, O_AGREEMENT, O_ID, O_DATE,
                                O_PERIODS, 0};
static const int COMMIT_OPTS[] = {O_DB, O_KEYS, O_AS, O_ISSUE, O_OWNER,
                                  O_WHAT, O_BENCH, O_DELIV, O_DUE, O_EVERY,
                                  O_VERIFIER, O_START, O_GUARANTEE, O_CORE,
                                  0};
static const int REPORT_OPTS[] = {O_DB, O_KEYS, O_AS, O_PERIOD, O_STATUS,
                                  O_VALUE, O_NOTE, O_MONITOR, 0};
static const int VERIFY_OPTS[] = {O_DB, O_KEYS, O_AS, O_PERIOD, O_STATUS,
                                  O_VALUE, O_NOTE, 0};
static const int STATUS_OPTS[] = {O_DB, O_ASOF, O_JSON, O_SVG, 0};
static const int CONSEQUENCE_OPTS[] = {O_DB, O_KEYS, O_AS, O_COMMITMENT,
                                       O_GUARANTEE, O_KIND, O_TRIGGER,
                                       O_SUSPENDS, 0};
static const int ENFORCE_OPTS[] = {O_DB, O_KEYS, O_AS, O_ASOF, 0};
static const int REVIEW_OPTS[] = {O_DB, O_KEYS, O_AS, O_ID, O_PARTY,
                                  O_PROFILE, O_JSON, 0};

static const char *opt_name(int id)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (monitor_opts[i].id == id)
            return monitor_opts[i].name;
    return "?";
}

static int parse(int argc, char **argv, margs_t *a, const int *allowed,
                 int want_operands, const char *operand_names)
{
    cli_parser_t p;
    cli_parser_init(&p, "monitor", argc - 1, argv + 1, monitor_opts, N_OPTS);
    const char *v;
    int id;
    while ((id = cli_next(&p, &v)) != CLI_END) {
        if (id == CLI_BAD)
            return CLI_EXIT_USAGE;
        if (id == CLI_OPERAND) {
            if (a->n_operands >= want_operands)
                return cli_usage_error("monitor",
                                       "unexpected argument '%s' for "
                                       "'monitor %s'",
                                       v, a->action);
            a->operand[a->n_operands++] = v;
            continue;
        }
        int ok = 0;
        for (const int *o = allowed; *o && !ok; o++)
            ok = *o == id;
        if (!ok)
            return cli_usage_error("monitor", "'monitor %s' takes no --%s",
                                   a->action, opt_name(id));
        a->v[id] = v ? v : "";
    }
    if (a->n_operands < want_operands)
        return cli_usage_error("monitor", "'monitor %s' needs %s", a->action,
                               operand_names);
    return 0;
}

static int need(const margs_t *a, int id)
{
    if (a->v[id])
        return 0;
    return cli_usage_error("monitor", "'monitor %s' needs --%s", a->action,
                           opt_name(id));
}

static int print_diags(parley_diags_t *diags, parley_status_t st)
{
    parley_diags_print(diags, stderr);
    if (parley_diags_count(diags) == 0)
        cli_error("monitor", 0, "%s", parley_status_message(st));
    return st == PARLEY_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INVALID;
}

/* The store and the signing key of a writing action. */
typedef struct writer {
    parley_store_t *store;
    parley_key_t *key;
    parley_diags_t *diags;
} writer_t;

static void writer_close(writer_t *w)
{
    parley_key_free(w->key);
    parley_store_close(w->store);
    parley_diags_free(w->diags);
}

static int writer_open(const margs_t *a, writer_t *w)
{
    memset(w, 0, sizeof *w);
    int rc = need(a, O_AS);
    if (rc)
        return rc;
    char dir[4096];
    if ((rc = cli_key_dir("monitor", a->v[O_KEYS], dir, sizeof dir)))
        return rc;
    if ((rc = cli_load_key("monitor", dir, a->v[O_AS], 0, &w->key)))
        return rc;
    /* init may create the database; the others need an existing one. */
    if ((rc = cli_open_store("monitor", a->v[O_DB],
                             strcmp(a->action, "init") != 0, &w->store))) {
        writer_close(w);
        return rc;
    }
    if (!(w->diags = parley_diags_new())) {
        writer_close(w);
        return cli_error("monitor", CLI_EXIT_INTERNAL, "out of memory");
    }
    return 0;
}

static void today(char out[PARLEY_DATE_SIZE])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, PARLEY_DATE_SIZE, "%Y-%m-%d", &tm);
}

/* ---- init ------------------------------------------------------------- */

/*
 * The agreed text from a `parley mediate --json` log: the "text" of its
 * "agreement" event, as compact JSON (malloc'd: the caller frees it).  Prints
 * and returns an exit code on failure.
 */
static int agreement_text(const char *path, char **out)
{
    *out = NULL;
    int rc = cli_check_readable("monitor", path);
    if (rc)
        return rc;
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_error("monitor", CLI_EXIT_NOINPUT, "cannot read '%s': %s",
                         path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int impasse = 0;
    rc = -1;
    while (rc < 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        json_error_t err;
        json_t *ev = json_loads(line, 0, &err);
        if (!ev) {
            rc = cli_error("monitor", CLI_EXIT_INVALID,
                           "%s:%ld: not an event log line: %s", path, lineno,
                           err.text);
            break;
        }
        const char *kind = json_string_value(json_object_get(ev, "kind"));
        if (kind && strcmp(kind, "impasse") == 0)
            impasse = 1;
        if (kind && strcmp(kind, "agreement") == 0) {
            json_t *text = json_object_get(ev, "text");
            if (!json_is_object(text)) {
                rc = cli_error("monitor", CLI_EXIT_INVALID,
                               "%s:%ld: the agreement event has no text "
                               "object",
                               path, lineno);
            } else {
                /* Into our own buffer: jansson's allocator may change
                 * once a scenario is read. */
                size_t need_bytes = json_dumpb(text, NULL, 0, JSON_COMPACT);
                *out = need_bytes ? malloc(need_bytes + 1) : NULL;
                if (*out) {
                    json_dumpb(text, *out, need_bytes, JSON_COMPACT);
                    (*out)[need_bytes] = '\0';
                }
                rc = *out ? CLI_EXIT_OK
                          : cli_error("monitor", CLI_EXIT_INTERNAL,
                                      "out of memory");
            }
        }
        json_decref(ev);
    }
    free(line);
    fclose(f);
    if (rc < 0)
        rc = cli_error("monitor", CLI_EXIT_INVALID,
                       "%s: no agreement event in the log%s", path,
                       impasse ? " (the session ended in an impasse)"
                               : " (is it the output of 'parley mediate "
                                 "--json'?)");
    return rc;
}

/* The scenario file's name without directory and extension, as an id. */
static void default_id(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = 0;
    for (const char *c = base; *c && *c != '.' && n + 1 < size &&
                               n < PARLEY_LEDGER_MAX_NAME;
         c++)
        out[n++] = (isalnum((unsigned char)*c) || *c == '_' || *c == '-')
                       ? *c
                       : '_';
    if (n == 0)
        out[n++] = 'a';
    out[n] = '\0';
}

static int do_init(int argc, char **argv, margs_t *a)
{
    int rc = parse(argc, argv, a, INIT_OPTS, 1, "the SCENARIO file");
    if (rc || (rc = need(a, O_AGREEMENT)) || (rc = need(a, O_AS)))
        return rc;
    size_t periods = 3;
    if (a->v[O_PERIODS] &&
        cli_parse_size("monitor", "--periods", a->v[O_PERIODS], 1, 1000,
                       &periods))
        return CLI_EXIT_USAGE;
    char *text = NULL;
    if ((rc = agreement_text(a->v[O_AGREEMENT], &text)))
        return rc;
    parley_diags_t *sd = parley_diags_new();
    parley_scenario_t *sc = NULL;
    const char *files[1] = {a->operand[0]};
    parley_status_t st =
        sd ? cli_load("monitor", files, 1, &sc, sd, &rc) : PARLEY_ENOMEM;
    if (st != PARLEY_OK || !sc) {
        if (sd)
            cli_print_diags(a->operand[0], sd);
        parley_diags_free(sd);
        free(text);
        return rc ? rc : CLI_EXIT_INVALID;
    }
    parley_diags_free(sd);
    writer_t w;
    if ((rc = writer_open(a, &w))) {
        parley_scenario_free(sc);
        free(text);
        return rc;
    }
    char id[PARLEY_LEDGER_MAX_NAME + 1], day[PARLEY_DATE_SIZE];
    default_id(a->operand[0], id, sizeof id);
    today(day);
    parley_monitor_init_t in = {a->v[O_ID] ? a->v[O_ID] : id, text,
                                a->v[O_DATE] ? a->v[O_DATE] : day,
                                (unsigned)periods};
    uint64_t seq = 0;
    st = parley_monitor_init(w.store, w.key, sc, &in, &seq, w.diags);
    if (st == PARLEY_OK)
        printf("agreement %s: monitored from %s (entry %llu)\n", in.agreement,
               in.date, (unsigned long long)seq);
    else
        rc = print_diags(w.diags, st);
    writer_close(&w);
    parley_scenario_free(sc);
    free(text);
    return rc;
}

/* ---- commit ----------------------------------------------------------- */

/* "CMP NUMBER UNIT" (the unit may have spaces), into c. */
static int parse_benchmark(const char *s, parley_commitment_spec_t *c,
                           char *cmp, char *num, char *unit, size_t size)
{
    int n = 0;
    if (sscanf(s, " %3[<>=] %63s %n", cmp, num, &n) != 2 || !s[n])
        return cli_usage_error("monitor",
                               "--benchmark must be 'CMP NUMBER UNIT' (CMP one "
                               "of < <= > >= =), got '%s'",
                               s);
    snprintf(unit, size, "%s", s + n);
    if (cli_parse_double("monitor", "--benchmark NUMBER", num, -1e300, 1e300,
                         &c->target))
        return CLI_EXIT_USAGE;
    c->cmp = cmp;
    c->unit = unit;
    c->bench = PARLEY_BENCH_NUMERIC;
    return 0;
}

static int do_commit(int argc, char **argv, margs_t *a)
{
    int rc = parse(argc, argv, a, COMMIT_OPTS, 2, "AGREEMENT and ID");
    const int required[] = {O_ISSUE, O_OWNER, O_WHAT, O_DUE, O_EVERY,
                            O_VERIFIER, O_AS};
    for (size_t i = 0; !rc && i < sizeof required / sizeof required[0]; i++)
        rc = need(a, required[i]);
    if (rc)
        return rc;
    if (!a->v[O_BENCH] == !a->v[O_DELIV])
        return cli_usage_error("monitor", "'monitor commit' needs one of "
                                          "--benchmark 'CMP NUMBER UNIT' or "
                                          "--deliverable");
    parley_commitment_spec_t c;
    memset(&c, 0, sizeof c);
    c.agreement = a->operand[0];
    c.id = a->operand[1];
    c.issue = a->v[O_ISSUE];
    c.owner = a->v[O_OWNER];
    c.what = a->v[O_WHAT];
    c.due = a->v[O_DUE];
    c.start = a->v[O_START];
    c.verifier = a->v[O_VERIFIER];
    c.guarantee = a->v[O_GUARANTEE];
    c.core = a->v[O_CORE] != NULL;
    c.bench = PARLEY_BENCH_DELIVERABLE;
    char cmp[4], num[64], unit[256];
    if (a->v[O_BENCH] &&
        parse_benchmark(a->v[O_BENCH], &c, cmp, num, unit, sizeof unit))
        return CLI_EXIT_USAGE;
    size_t months = 0;
    if (cli_parse_size("monitor", "--every", a->v[O_EVERY], 1, 120, &months))
        return CLI_EXIT_USAGE;
    c.period_months = (unsigned)months;
    writer_t w;
    if ((rc = writer_open(a, &w)))
        return rc;
    uint64_t seq = 0;
    parley_status_t st = parley_monitor_commit(w.store, w.key, &c, &seq,
                                               w.diags);
    if (st == PARLEY_OK)
        printf("commitment %s/%s: owner %s, due %s (entry %llu)\n",
               c.agreement, c.id, c.owner, c.due, (unsigned long long)seq);
    else
        rc = print_diags(w.diags, st);
    writer_close(&w);
    return rc;
}

/* ---- report, verify --------------------------------------------------- */

static int do_report(int argc, char **argv, margs_t *a, int verification)
{
    int rc = parse(argc, argv, a, verification ? VERIFY_OPTS : REPORT_OPTS, 2,
                   "AGREEMENT and COMMITMENT");
    if (rc || (rc = need(a, O_PERIOD)) || (rc = need(a, O_STATUS)) ||
        (rc = need(a, O_AS)))
        return rc;
    int status = parley_pam_from_name(a->v[O_STATUS]);
    if (status < 0)
        return cli_usage_error("monitor",
                               "--status '%s' is outside the scale: expected "
                               "0 not_begun, 1 minimal, 2 intermediate, 3 "
                               "full, disputed or breached",
                               a->v[O_STATUS]);
    parley_report_spec_t r;
    memset(&r, 0, sizeof r);
    r.agreement = a->operand[0];
    r.commitment = a->operand[1];
    r.source = verification       ? PARLEY_REPORT_VERIFICATION
               : a->v[O_MONITOR] ? PARLEY_REPORT_MONITOR
                                 : PARLEY_REPORT_SELF;
    r.period = a->v[O_PERIOD];
    r.status = (parley_pam_t)status;
    r.note = a->v[O_NOTE];
    if (a->v[O_VALUE]) {
        if (cli_parse_double("monitor", "--value", a->v[O_VALUE], -1e300,
                             1e300, &r.value))
            return CLI_EXIT_USAGE;
        r.has_value = 1;
    }
    writer_t w;
    if ((rc = writer_open(a, &w)))
        return rc;
    uint64_t seq = 0;
    parley_ledger_head_t h;
    parley_status_t st = parley_monitor_report(w.store, w.key, &r, &seq,
                                               w.diags);
    if (st == PARLEY_OK) {
        printf("%s report on %s/%s for %s: %s (entry %llu)\n",
               parley_report_source_name(r.source), r.agreement, r.commitment,
               r.period, parley_pam_name(r.status), (unsigned long long)seq);
        /* What the report set off, from the ledger itself. */
        if (parley_ledger_head(w.store, &h) == PARLEY_OK && h.seq > seq)
            printf("  and %llu more entr%s it set off (a dispute or a "
                   "guarantee transition): see 'parley monitor status'\n",
                   (unsigned long long)(h.seq - seq),
                   h.seq - seq == 1 ? "y" : "ies");
    } else {
        rc = print_diags(w.diags, st);
    }
    writer_close(&w);
    return rc;
}

/* ---- status ----------------------------------------------------------- */

static const char *pam_short(parley_pam_t p)
{
    switch (p) {
    case PARLEY_PAM_NOT_BEGUN:
        return "0";
    case PARLEY_PAM_MINIMAL:
        return "1";
    case PARLEY_PAM_INTERMEDIATE:
        return "2";
    case PARLEY_PAM_FULL:
        return "3";
    case PARLEY_PAM_DISPUTED:
        return "D";
    case PARLEY_PAM_BREACHED:
        return "B";
    default:
        return "-";
    }
}

static void print_benchmark(const parley_commitment_status_t *c)
{
    if (c->bench == PARLEY_BENCH_NUMERIC)
        printf("%s %g %s", c->cmp ? c->cmp : "?", c->target,
               c->unit ? c->unit : "");
    else
        printf("deliverable");
}

static int same_cluster(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int date_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * One cluster's scores over time: for each period any of its commitments
 * reported, the mean of the scores on the 0..3 scale that count then, and
 * how many were disputed or breached.  Periods are collected into `dates`
 * (room for every period of every commitment).
 */
static void print_cluster_timeline(const parley_monitor_status_t *s,
                                   const char *cl, const char **dates)
{
    size_t n = 0;
    for (size_t j = 0; j < s->n_commitments; j++) {
        const parley_commitment_status_t *c = &s->commitments[j];
        if (!same_cluster(cl, c->cluster))
            continue;
        for (size_t k = 0; k < c->n_periods; k++)
            dates[n++] = c->periods[k].period;
    }
    if (n == 0)
        return;
    qsort(dates, n, sizeof *dates, date_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(dates[i], dates[i - 1]) == 0)
            continue;
        double sum = 0;
        size_t scored = 0, disputed = 0, breached = 0;
        for (size_t j = 0; j < s->n_commitments; j++) {
            const parley_commitment_status_t *c = &s->commitments[j];
            if (!same_cluster(cl, c->cluster))
                continue;
            for (size_t k = 0; k < c->n_periods; k++) {
                if (strcmp(c->periods[k].period, dates[i]) != 0)
                    continue;
                parley_pam_t e = c->periods[k].effective;
                if (e <= PARLEY_PAM_FULL) {
                    sum += (double)e;
                    scored++;
                }
                disputed += e == PARLEY_PAM_DISPUTED;
                breached += e == PARLEY_PAM_BREACHED;
            }
        }
        printf("    %s  ", dates[i]);
        if (scored)
            printf("mean %.2f of %zu", sum / (double)scored, scored);
        else
            printf("no score");
        if (disputed)
            printf(", %zu D", disputed);
        if (breached)
            printf(", %zu B", breached);
        printf("\n");
    }
}

/*
 * Per cluster (in order of first appearance; issues outside any cluster
 * last, as "(no cluster)"): how many commitments stand at each status now,
 * the flags, and the scores over time.  O(n^2) in commitments and periods,
 * which number in the tens.
 */
static void print_clusters(const parley_monitor_status_t *s)
{
    if (s->n_commitments == 0)
        return;
    size_t total = 0;
    for (size_t i = 0; i < s->n_commitments; i++)
        total += s->commitments[i].n_periods;
    const char **dates = malloc((total ? total : 1) * sizeof *dates);
    printf("\nBy cluster (commitments now at 0/1/2/3, D, B, not reported;\n"
           "then per period the mean score of those reported):\n");
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->n_commitments; i++) {
            const char *cl = s->commitments[i].cluster;
            if ((pass == 0) != (cl != NULL))
                continue;
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = same_cluster(cl, s->commitments[j].cluster);
            if (seen)
                continue;
            size_t count[PARLEY_PAM_NONE + 1] = {0}, overdue = 0,
                   disputed = 0, n = 0;
            for (size_t j = i; j < s->n_commitments; j++) {
                const parley_commitment_status_t *c = &s->commitments[j];
                if (!same_cluster(cl, c->cluster))
                    continue;
                n++;
                count[c->current <= PARLEY_PAM_NONE ? c->current
                                                    : PARLEY_PAM_NONE]++;
                overdue += c->overdue != 0;
                disputed += c->disputed != 0;
            }
            printf("  %-16s %zu: %zu/%zu/%zu/%zu, %zu D, %zu B, %zu -; %zu "
                   "overdue, %zu disputed\n",
                   cl ? cl : "(no cluster)", n, count[0], count[1], count[2],
                   count[3], count[PARLEY_PAM_DISPUTED],
                   count[PARLEY_PAM_BREACHED], count[PARLEY_PAM_NONE], overdue,
                   disputed);
            if (dates)
                print_cluster_timeline(s, cl, dates);
        }
    }
    free(dates);
}

static void print_consequences(const parley_monitor_status_t *s);

static void status_text(const parley_monitor_status_t *s)
{
    printf("Agreement %s (%s), agreed %s; status as of %s\n", s->agreement,
           s->scenario, s->agreed_on, s->as_of);
    printf("Scale: 0 not begun, 1 minimal, 2 intermediate, 3 full; D disputed,"
           " B breached, - not reported\n");
    size_t overdue = 0, disputed = 0;
    for (size_t i = 0; i < s->n_commitments; i++) {
        overdue += s->commitments[i].overdue != 0;
        disputed += s->commitments[i].disputed != 0;
    }
    printf("%zu commitment%s, %zu overdue, %zu disputed\n", s->n_commitments,
           s->n_commitments == 1 ? "" : "s", overdue, disputed);
    const char *owner = NULL;
    for (size_t i = 0; i < s->n_commitments; i++) {
        const parley_commitment_status_t *c = &s->commitments[i];
        if (!owner || strcmp(owner, c->owner) != 0) {
            owner = c->owner;
            size_t n = 0, full = 0;
            for (size_t j = i; j < s->n_commitments &&
                               strcmp(s->commitments[j].owner, owner) == 0;
                 j++) {
                n++;
                full += s->commitments[j].current == PARLEY_PAM_FULL;
            }
            printf("\n%s: %zu commitment%s, %zu in full\n", owner, n,
                   n == 1 ? "" : "s", full);
        }
        printf("  %-16s %s: ", c->id, c->issue);
        print_benchmark(c);
        printf(", due %s, every %u month%s, verified by %s%s%s\n", c->due,
               c->period_months, c->period_months == 1 ? "" : "s",
               c->verifier, c->guarantee ? ", backs " : "",
               c->guarantee ? c->guarantee : "");
        printf("    now %s (%s)", pam_short(c->current),
               parley_pam_name(c->current));
        if (c->overdue)
            printf("  OVERDUE");
        if (c->disputed)
            printf("  DISPUTED");
        if (c->breached)
            printf("  BREACHED");
        if (c->missing_self)
            printf("  %zu self-report%s missing", c->missing_self,
                   c->missing_self == 1 ? "" : "s");
        printf("\n");
        if (c->n_periods) {
            printf("    %-10s  self mon. ver.  counts\n", "period");
            for (size_t k = 0; k < c->n_periods; k++) {
                const parley_period_status_t *p = &c->periods[k];
                printf("    %-10s  %-4s %-4s %-4s  %s", p->period,
                       pam_short(p->self), pam_short(p->monitor),
                       pam_short(p->verification), pam_short(p->effective));
                if (p->has_value)
                    printf("  (%g%s%s)", p->value, c->unit ? " " : "",
                           c->unit ? c->unit : "");
                printf("\n");
            }
        }
    }
    print_clusters(s);
    printf("\nGuarantees (permanent after %u consecutive verified period%s):\n",
           s->periods_required, s->periods_required == 1 ? "" : "s");
    if (s->n_guarantees == 0)
        printf("  none\n");
    for (size_t i = 0; i < s->n_guarantees; i++) {
        const parley_guarantee_status_t *g = &s->guarantees[i];
        printf("  %-16s %s -> %s: %s", g->id, g->guarantor, g->beneficiary,
               parley_guarantee_state_name(g->state));
        if (g->state == PARLEY_GUARANTEE_PROVISIONAL)
            printf(", %u of %u periods", g->streak, s->periods_required);
        if (g->n_backing == 0)
            printf(", no commitment backs its criteria yet");
        if (g->suspended)
            printf(", BENEFIT SUSPENDED");
        printf("\n");
    }
    print_consequences(s);
}


/* ---- consequences ----------------------------------------------------- */

static int do_consequence(int argc, char **argv, margs_t *a)
{
    int rc = parse(argc, argv, a, CONSEQUENCE_OPTS, 2, "AGREEMENT and ID");
    const int required[] = {O_KIND, O_TRIGGER, O_AS};
    for (size_t i = 0; !rc && i < sizeof required / sizeof required[0]; i++)
        rc = need(a, required[i]);
    if (rc)
        return rc;
    if (!a->v[O_COMMITMENT] == !a->v[O_GUARANTEE])
        return cli_usage_error("monitor", "'monitor consequence' watches one "
                                          "of --commitment C or --guarantee "
                                          "G");
    parley_consequence_spec_t c;
    memset(&c, 0, sizeof c);
    c.agreement = a->operand[0];
    c.id = a->operand[1];
    c.on_guarantee = a->v[O_GUARANTEE] != NULL;
    c.target = c.on_guarantee ? a->v[O_GUARANTEE] : a->v[O_COMMITMENT];
    c.suspends = a->v[O_SUSPENDS];
    int k = parley_consequence_kind_from_name(a->v[O_KIND]);
    if (k < 0)
        return cli_usage_error("monitor", "--kind: expected notice, "
                                          "suspension or review, found '%s'",
                               a->v[O_KIND]);
    c.kind = (parley_consequence_kind_t)k;
    char trig[16];
    const char *colon = strchr(a->v[O_TRIGGER], ':');
    size_t len = colon ? (size_t)(colon - a->v[O_TRIGGER])
                       : strlen(a->v[O_TRIGGER]);
    snprintf(trig, sizeof trig, "%.*s", (int)(len < 15 ? len : 15),
             a->v[O_TRIGGER]);
    int t = len < 15 ? parley_consequence_trigger_from_name(trig) : -1;
    if (t < 0 || (t == PARLEY_TRIGGER_BREACHED) != !colon)
        return cli_usage_error("monitor", "--trigger: expected breached, "
                                          "disputed:K or overdue:D, found "
                                          "'%s'",
                               a->v[O_TRIGGER]);
    c.trigger = (parley_consequence_trigger_t)t;
    if (colon) {
        size_t n = 0;
        if (cli_parse_size("monitor", "--trigger", colon + 1,
                           t == PARLEY_TRIGGER_DISPUTED ? 1 : 0,
                           t == PARLEY_TRIGGER_DISPUTED ? 1000 : 36500, &n))
            return CLI_EXIT_USAGE;
        c.threshold = (unsigned)n;
    }
    writer_t w;
    if ((rc = writer_open(a, &w)))
        return rc;
    uint64_t seq = 0;
    parley_status_t st =
        parley_monitor_consequence(w.store, w.key, &c, &seq, w.diags);
    if (st == PARLEY_OK)
        printf("consequence %s/%s: %s when %s %s is %s (entry %llu)\n",
               c.agreement, c.id, parley_consequence_kind_name(c.kind),
               c.on_guarantee ? "guarantee" : "commitment", c.target,
               a->v[O_TRIGGER], (unsigned long long)seq);
    else
        rc = print_diags(w.diags, st);
    writer_close(&w);
    return rc;
}

static int do_enforce(int argc, char **argv, margs_t *a)
{
    int rc = parse(argc, argv, a, ENFORCE_OPTS, 1, "the AGREEMENT");
    if (!rc)
        rc = need(a, O_AS);
    if (rc)
        return rc;
    char day[PARLEY_DATE_SIZE];
    today(day);
    writer_t w;
    if ((rc = writer_open(a, &w)))
        return rc;
    size_t n = 0;
    const char *as_of = a->v[O_ASOF] ? a->v[O_ASOF] : day;
    parley_status_t st = parley_monitor_enforce(w.store, w.key, a->operand[0],
                                                as_of, &n, w.diags);
    if (st == PARLEY_OK)
        printf("%zu consequence%s applied as of %s\n", n, n == 1 ? "" : "s",
               as_of);
    else
        rc = print_diags(w.diags, st);
    writer_close(&w);
    return rc;
}

static void print_consequences(const parley_monitor_status_t *s)
{
    printf("\nConsequences:\n");
    if (s->n_consequences == 0)
        printf("  none\n");
    for (size_t i = 0; i < s->n_consequences; i++) {
        const parley_consequence_status_t *c = &s->consequences[i];
        printf("  %-16s %s", c->id, parley_consequence_kind_name(c->kind));
        if (c->suspends)
            printf(" of %s", c->suspends);
        printf(" when %s %s is %s", c->on_guarantee ? "guarantee" : "commitment",
               c->target, parley_consequence_trigger_name(c->trigger));
        if (c->trigger == PARLEY_TRIGGER_DISPUTED)
            printf(" %u period%s in a row", c->threshold,
                   c->threshold == 1 ? "" : "s");
        else if (c->trigger == PARLEY_TRIGGER_OVERDUE)
            printf(" by %u day%s", c->threshold, c->threshold == 1 ? "" : "s");
        if (c->applied)
            printf(": APPLIED as of %s by %s (entry %llu)\n", c->applied_as_of,
                   c->applied_by ? c->applied_by : "?",
                   (unsigned long long)c->applied);
        else
            printf(": not applied\n");
    }
}

/* ---- review ----------------------------------------------------------- */

/* v as text in a malloc'd buffer: jansson's allocator may not be libc's. */
static char *dump_own(const json_t *v, size_t flags)
{
    size_t need_bytes = json_dumpb(v, NULL, 0, flags);
    char *buf = need_bytes ? malloc(need_bytes + 1) : NULL;
    if (buf) {
        json_dumpb(v, buf, need_bytes, flags);
        buf[need_bytes] = '\0';
    }
    return buf;
}

/* The scenario file with party `party` replaced by the profile file, as
 * JSON text (malloc'd); 0 or an exit status. */
static int swap_profile(const char *scenario, const char *party,
                        const char *profile, char **out, char **profile_text)
{
    json_error_t err;
    json_t *sc = json_load_file(scenario, JSON_REJECT_DUPLICATES, &err);
    if (!sc)
        return cli_error("monitor", CLI_EXIT_NOINPUT, "%s:%d:%d: %s",
                         scenario, err.line, err.column, err.text);
    json_t *pr = json_load_file(profile, JSON_REJECT_DUPLICATES, &err);
    if (!pr) {
        json_decref(sc);
        return cli_error("monitor", CLI_EXIT_NOINPUT, "%s:%d:%d: %s",
                         profile, err.line, err.column, err.text);
    }
    int rc = 0;
    json_t *id = json_is_object(pr) ? json_object_get(pr, "id") : NULL;
    if (!json_is_object(pr))
        rc = cli_error("monitor", CLI_EXIT_INVALID,
                       "%s: expected a party object {\"id\": ...}", profile);
    else if (!json_is_string(id) || strcmp(json_string_value(id), party) != 0)
        rc = cli_error("monitor", CLI_EXIT_INVALID,
                       "%s: the profile's id must be '%s'", profile, party);
    json_t *parties = json_object_get(sc, "parties");
    size_t i = 0, n = json_array_size(parties);
    for (; !rc && i < n; i++) {
        json_t *pid = json_object_get(json_array_get(parties, i), "id");
        if (json_is_string(pid) && strcmp(json_string_value(pid), party) == 0)
            break;
    }
    if (!rc && i == n)
        rc = cli_error("monitor", CLI_EXIT_INVALID,
                       "%s: no party '%s' in the scenario", scenario, party);
    if (!rc) {
        *profile_text = dump_own(pr, JSON_COMPACT | JSON_SORT_KEYS);
        json_array_set(parties, i, pr);
        *out = dump_own(sc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!*out || !*profile_text)
            rc = cli_error("monitor", CLI_EXIT_INTERNAL, "out of memory");
    }
    json_decref(pr);
    json_decref(sc);
    return rc;
}

static int do_review(int argc, char **argv, margs_t *a)
{
    int rc = parse(argc, argv, a, REVIEW_OPTS, 1, "the SCENARIO file");
    if (rc || (rc = need(a, O_PARTY)) || (rc = need(a, O_PROFILE)) ||
        (rc = need(a, O_AS)))
        return rc;
    char *text = NULL, *profile = NULL;
    if ((rc = swap_profile(a->operand[0], a->v[O_PARTY], a->v[O_PROFILE],
                           &text, &profile))) {
        free(text);
        free(profile);
        return rc;
    }
    parley_diags_t *sd = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st =
        sd ? parley_scenario_read_string(text, strlen(text), a->operand[0],
                                         &sc, sd)
           : PARLEY_ENOMEM;
    free(text);
    if (st != PARLEY_OK || !sc) {
        if (sd)
            cli_print_diags(a->operand[0], sd);
        parley_diags_free(sd);
        parley_scenario_free(sc);
        free(profile);
        return CLI_EXIT_INVALID;
    }
    parley_diags_free(sd);
    writer_t w;
    if ((rc = writer_open(a, &w))) {
        parley_scenario_free(sc);
        free(profile);
        return rc;
    }
    char id[PARLEY_LEDGER_MAX_NAME + 1];
    if (a->v[O_ID])
        snprintf(id, sizeof id, "%s", a->v[O_ID]);
    else
        default_id(a->operand[0], id, sizeof id);
    parley_review_result_t *r = NULL;
    uint64_t seq = 0;
    st = parley_monitor_review(w.store, w.key, sc, id, a->v[O_PARTY], profile,
                               &r, &seq, w.diags);
    if (st != PARLEY_OK) {
        rc = print_diags(w.diags, st);
    } else if (a->v[O_JSON]) {
        json_t *ch = json_array(), *lk = json_array();
        for (size_t i = 0; ch && i < r->n_changes; i++)
            json_array_append_new(
                ch, json_pack("{s:s, s:s, s:s}", "issue", r->changes[i].issue,
                              "from", r->changes[i].from, "to",
                              r->changes[i].to));
        for (size_t i = 0; lk && i < r->n_locked; i++)
            json_array_append_new(lk, json_string(r->locked[i]));
        json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}", "agreement",
                              id, "party", a->v[O_PARTY], "entry",
                              (json_int_t)seq, "locked", lk, "changes", ch,
                              "text", json_loads(r->text, 0, NULL));
        if (!o || json_dumpf(o, stdout, JSON_COMPACT) != 0)
            rc = cli_error("monitor", CLI_EXIT_INTERNAL, "out of memory");
        putchar('\n');
        json_decref(o);
    } else {
        printf("review of %s after %s's new profile (entry %llu)\n", id,
               a->v[O_PARTY], (unsigned long long)seq);
        printf("locked (core commitments):");
        for (size_t i = 0; i < r->n_locked; i++)
            printf(" %s", r->locked[i]);
        printf("%s\n", r->n_locked ? "" : " none");
        if (r->n_changes == 0)
            printf("no change: the standing agreement is still acceptable\n");
        for (size_t i = 0; i < r->n_changes; i++)
            printf("  %s: %s -> %s\n", r->changes[i].issue, r->changes[i].from,
                   r->changes[i].to);
    }
    parley_review_result_free(r);
    writer_close(&w);
    parley_scenario_free(sc);
    free(profile);
    return rc;
}

static int status_json(const parley_monitor_status_t *s)
{
    char *text = NULL;
    if (parley_monitor_status_json(s, &text) != PARLEY_OK)
        return cli_error("monitor", CLI_EXIT_INTERNAL, "out of memory");
    int rc = fputs(text, stdout) < 0 || putchar('\n') == EOF;
    parley_free(text);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
}

static int do_status(int argc, char **argv, margs_t *a)
{
    int rc = parse(argc, argv, a, STATUS_OPTS, 1, "the AGREEMENT");
    if (rc)
        return rc;
    parley_store_t *store = NULL;
    if ((rc = cli_open_store("monitor", a->v[O_DB], 1, &store)))
        return rc;
    char day[PARLEY_DATE_SIZE];
    today(day);
    parley_diags_t *diags = parley_diags_new();
    parley_monitor_status_t *s = NULL;
    parley_status_t st =
        diags ? parley_monitor_status(store, a->operand[0],
                                      a->v[O_ASOF] ? a->v[O_ASOF] : day, &s,
                                      diags)
              : PARLEY_ENOMEM;
    if (st != PARLEY_OK) {
        rc = diags ? print_diags(diags, st) : CLI_EXIT_INTERNAL;
    } else {
        if (a->v[O_SVG]) {
            FILE *svg = fopen(a->v[O_SVG], "w");
            if (!svg) {
                rc = cli_error("monitor", CLI_EXIT_CANTCREAT,
                               "cannot write %s", a->v[O_SVG]);
            } else {
                parley_status_t ws = parley_render_timeline_svg(s, svg);
                if (fclose(svg) != 0 || ws != PARLEY_OK)
                    rc = cli_error("monitor", CLI_EXIT_CANTCREAT,
                                   "error writing %s", a->v[O_SVG]);
            }
        }
        if (rc == CLI_EXIT_OK && a->v[O_JSON])
            rc = status_json(s);
        else if (rc == CLI_EXIT_OK)
            status_text(s);
    }
    if (rc == CLI_EXIT_OK && fflush(stdout) != 0)
        rc = cli_error("monitor", CLI_EXIT_CANTCREAT,
                       "error writing standard output");
    parley_monitor_status_free(s);
    parley_diags_free(diags);
    parley_store_close(store);
    return rc;
}

int cli_cmd_monitor(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("monitor", "missing the action: init, commit, "
                                          "report, verify, status, consequence, "
                                          "enforce or review");
    margs_t a;
    memset(&a, 0, sizeof a);
    a.action = argv[1];
    if (strcmp(a.action, "init") == 0)
        return do_init(argc, argv, &a);
    if (strcmp(a.action, "commit") == 0)
        return do_commit(argc, argv, &a);
    if (strcmp(a.action, "report") == 0)
        return do_report(argc, argv, &a, 0);
    if (strcmp(a.action, "verify") == 0)
        return do_report(argc, argv, &a, 1);
    if (strcmp(a.action, "status") == 0)
        return do_status(argc, argv, &a);
    if (strcmp(a.action, "consequence") == 0)
        return do_consequence(argc, argv, &a);
    if (strcmp(a.action, "enforce") == 0)
        return do_enforce(argc, argv, &a);
    if (strcmp(a.action, "review") == 0)
        return do_review(argc, argv, &a);
    return cli_usage_error("monitor",
                           "unknown action '%s': expected init, commit, "
                           "report, verify, status, consequence, enforce or "
                           "review",
                           a.action);
}
