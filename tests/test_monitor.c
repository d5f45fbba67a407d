/*
 * test_monitor.c - monitoring an agreement: init from the river-basin
 * example and its mediated text, commitments, reports, disputes, overdue
 * flags and the guarantee lifecycle; every refused write leaves the ledger
 * and the tables unchanged; the ledger verifies after every kind of write.
 *
 * Expected states are worked out by hand from the rules in
 * docs/monitoring.md (period calendars, streaks) and written as literals.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "parley/alloc.h"
#include "parley/error.h"
#include "parley/ledger.h"
#include "parley/model.h"
#include "parley/monitor.h"
#include "parley/render.h"
#include "parley/scenario.h"
#include "parley/store.h"
#include "support/failing_alloc.h"

#define RIVER PARLEY_SOURCE_DIR "/examples/river-basin.json"
#define TEXT                                                                   \
    "{\"data_sharing\":\"monthly_data\",\"commission\":\"secretariat\","      \
    "\"early_warning\":\"basin_network\",\"min_flow\":\"450\","                \
    "\"fill_years\":\"5\",\"power_price\":\"60\","                             \
    "\"dispute_settlement\":\"commission_mediation\"}"

enum { K_SEC, K_HIGH, K_SALT, K_COUNCIL, K_BANK, K_LOWEN, K_STRANGER, N_KEYS };
static const char *const ACTORS[N_KEYS] = {
    "secretariat", "highvale", "saltreach", "saro_council",
    "basin_bank",  "lowen",    "stranger"};

typedef struct fixture {
    char dir[256], keys[300], db[300];
    parley_store_t *store;
    parley_scenario_t *sc;
    parley_key_t *k[N_KEYS];
    parley_diags_t *diags;
} fixture_t;

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
                rm_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/parley-monitor-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    snprintf(f->dir, sizeof f->dir, "%s", tmpl);
    snprintf(f->keys, sizeof f->keys, "%s/keys", f->dir);
    snprintf(f->db, sizeof f->db, "%s/m.db", f->dir);
    assert_int_equal(parley_store_open(f->db, &f->store, NULL), PARLEY_OK);
    /* Every actor but the stranger is registered. */
    for (int i = 0; i < N_KEYS; i++) {
        assert_int_equal(parley_key_generate(f->keys, ACTORS[i], &f->k[i], NULL),
                         PARLEY_OK);
        if (i != K_STRANGER)
            assert_int_equal(parley_ledger_register(f->store, f->k[i], NULL,
                                                    NULL),
                             PARLEY_OK);
    }
    f->diags = parley_diags_new();
    assert_int_equal(parley_scenario_read_file(RIVER, &f->sc, f->diags),
                     PARLEY_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    parley_store_close(f->store);
    for (int i = 0; i < N_KEYS; i++)
        parley_key_free(f->k[i]);
    parley_scenario_free(f->sc);
    parley_diags_free(f->diags);
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* An integer from the database, through a second connection. */
static long long sql_int(fixture_t *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void sql_text(fixture_t *f, const char *sql, char *out, size_t size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(q, 0);
    snprintf(out, size, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static uint64_t head(fixture_t *f)
{
    parley_ledger_head_t h;
    assert_int_equal(parley_ledger_head(f->store, &h), PARLEY_OK);
    return h.seq;
}

static void assert_verifies(fixture_t *f)
{
    parley_ledger_report_t r;
    assert_int_equal(parley_ledger_verify(f->store, NULL, &r), PARLEY_OK);
    if (r.fault != PARLEY_LEDGER_FAULT_NONE)
        fail_msg("ledger does not verify: %s", r.message);
}

/* The last diagnostic's message contains `needle`. */
static void assert_diag(fixture_t *f, const char *needle)
{
    size_t n = parley_diags_count(f->diags);
    assert_true(n > 0);
    const parley_diag_t *d = parley_diags_get(f->diags, n - 1);
    if (!strstr(d->message, needle))
        fail_msg("diagnostic '%s' lacks '%s'", d->message, needle);
}

static void init(fixture_t *f, unsigned n)
{
    parley_monitor_init_t in = {"saro", TEXT, "2027-01-01", n};
    assert_int_equal(parley_monitor_init(f->store, f->k[K_SEC], f->sc, &in,
                                         NULL, f->diags),
                     PARLEY_OK);
}

static parley_commitment_spec_t flow_spec(void)
{
    parley_commitment_spec_t c = {0};
    c.agreement = "saro";
    c.id = "flow";
    c.issue = "min_flow";
    c.owner = "highvale";
    c.what = "release at least 450 m3/s in the dry season";
    c.bench = PARLEY_BENCH_NUMERIC;
    c.cmp = ">=";
    c.target = 450;
    c.unit = "m3/s";
    c.due = "2027-12-31";
    c.period_months = 3;
    c.verifier = "saro_council";
    return c;
}

static parley_status_t report(fixture_t *f, int who, const char *commitment,
                              parley_report_source_t src, const char *period,
                              parley_pam_t status)
{
    parley_report_spec_t r = {"saro", commitment, src, period, status, 0, 0,
                              NULL};
    return parley_monitor_report(f->store, f->k[who], &r, NULL, f->diags);
}

/* ---- init ------------------------------------------------------------- */

static void test_init(void **state)
{
    fixture_t *f = *state;
    uint64_t seq = 0;
    parley_monitor_init_t in = {"saro", TEXT, "2027-01-01", 2};
    assert_int_equal(parley_monitor_init(f->store, f->k[K_SEC], f->sc, &in,
                                         &seq, f->diags),
                     PARLEY_OK);
    /* 6 keys, the agreement, then both guarantees (the text meets both). */
    assert_int_equal(seq, 7);
    assert_int_equal(head(f), 9);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM participants"), 7);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM agreement_issues WHERE "
                                "cluster = 'trust'"),
                     3);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM guarantees WHERE state "
                                "= 'provisional'"),
                     2);
    char buf[256];
    sql_text(f, "SELECT evidence FROM guarantee_transitions WHERE guarantee = "
                "'flow_fund'",
             buf, sizeof buf);
    assert_string_equal(buf, "[7]");
    sql_text(f, "SELECT author || ' ' || kind FROM ledger WHERE seq = 8", buf,
             sizeof buf);
    assert_string_equal(buf, "secretariat guarantee.provisional");
    assert_verifies(f);

    parley_monitor_status_t *st = NULL;
    assert_int_equal(parley_monitor_status(f->store, "saro", "2027-02-01", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(st->n_guarantees, 2);
    assert_string_equal(st->guarantees[0].id, "flow_fund");
    assert_int_equal(st->guarantees[0].state, PARLEY_GUARANTEE_PROVISIONAL);
    assert_string_equal(st->guarantees[1].beneficiary, "lowen");
    assert_int_equal(st->n_commitments, 0);
    assert_int_equal(st->periods_required, 2);
    parley_monitor_status_free(st);

    /* Again: refused, nothing appended. */
    assert_int_equal(parley_monitor_init(f->store, f->k[K_SEC], f->sc, &in,
                                         NULL, f->diags),
                     PARLEY_EDUPLICATE);
    assert_int_equal(head(f), 9);
}

static void test_init_guarantee_not_applying(void **state)
{
    fixture_t *f = *state;
    /* min_flow 400 fails flow_fund's condition (>= 450). */
    char text[] = TEXT;
    char *p = strstr(text, "\"450\"");
    memcpy(p, "\"400\"", 5);
    parley_monitor_init_t in = {"saro", text, "2027-01-01", 1};
    assert_int_equal(parley_monitor_init(f->store, f->k[K_SEC], f->sc, &in,
                                         NULL, f->diags),
                     PARLEY_OK);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM guarantees"), 1);
    char buf[64];
    sql_text(f, "SELECT id FROM guarantees", buf, sizeof buf);
    assert_string_equal(buf, "warning_network");
}

static void test_init_bad_input(void **state)
{
    fixture_t *f = *state;
    uint64_t before = head(f);
    struct {
        const char *id, *text, *date;
        unsigned n;
        const char *needle;
    } cases[] = {
        {"saro", "{\"min_flow\":\"450\"}", "2027-01-01", 2, "is missing"},
        {"saro", "[1]", "2027-01-01", 2, "JSON object"},
        {"saro", "{", "2027-01-01", 2, "JSON object"},
        {"saro", "{\"x\":1", "2027-01-01", 2, "JSON object"},
        {"bad id", TEXT, "2027-01-01", 2, "expected an id"},
        {"saro", TEXT, "2027-02-30", 2, "YYYY-MM-DD"},
        {"saro", TEXT, "27-01-01", 2, "YYYY-MM-DD"},
        {"saro", TEXT, "2027-01-01", 0, "at least 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parley_monitor_init_t in = {cases[i].id, cases[i].text, cases[i].date,
                                    cases[i].n};
        assert_int_not_equal(parley_monitor_init(f->store, f->k[K_SEC], f->sc,
                                                 &in, NULL, f->diags),
                             PARLEY_OK);
        assert_diag(f, cases[i].needle);
    }
    /* An option that does not exist, and an issue that does not. */
    char text[sizeof TEXT + 32];
    snprintf(text, sizeof text, "%s", TEXT);
    memcpy(strstr(text, "\"60\""), "\"61\"", 4);
    parley_monitor_init_t in = {"saro", text, "2027-01-01", 1};
    assert_int_equal(parley_monitor_init(f->store, f->k[K_SEC], f->sc, &in,
                                         NULL, f->diags),
                     PARLEY_EINVALID);
    assert_diag(f, "issue 'power_price' has no option '61'");
    snprintf(text, sizeof text, "%s", TEXT);
    memcpy(text + strlen(text) - 1, ",\"extra\":\"x\"}", 14);
    in.text = text;
    assert_int_equal(parley_monitor_init(f->store, f->k[K_SEC], f->sc, &in,
                                         NULL, f->diags),
                     PARLEY_EINVALID);
    assert_diag(f, "'extra' is not an issue");
    /* An author without a registered key: the ledger refuses, and so the
     * agreement rows written before the append are rolled back too. */
    in.text = TEXT;
    assert_int_equal(parley_monitor_init(f->store, f->k[K_STRANGER], f->sc,
                                         &in, NULL, f->diags),
                     PARLEY_EINVALID);
    assert_int_equal(head(f), before);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM agreements"), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM participants"), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM guarantees"), 0);
}

/* ---- commitments ------------------------------------------------------ */

static void test_commit(void **state)
{
    fixture_t *f = *state;
    init(f, 2);
    parley_commitment_spec_t c = flow_spec();
    uint64_t seq = 0;
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, &seq,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(seq, head(f));
    char buf[512];
    sql_text(f, "SELECT payload FROM ledger WHERE kind = 'commitment.add'", buf,
             sizeof buf);
    assert_non_null(strstr(buf, "\"benchmark\":{\"cmp\":\">=\",\"kind\":"
                                "\"numeric\",\"target\":450.0,\"unit\":\"m3/s\"}"));
    assert_non_null(strstr(buf, "\"start\":\"2027-01-01\""));
    /* A deliverable with its own start. */
    parley_commitment_spec_t d = {0};
    d.agreement = "saro";
    d.id = "stations";
    d.issue = "early_warning";
    d.owner = "basin_bank";
    d.what = "fund the flood-warning stations";
    d.bench = PARLEY_BENCH_DELIVERABLE;
    d.start = "2027-03-15";
    d.due = "2029-03-15";
    d.period_months = 6;
    d.verifier = "saro_council";
    d.guarantee = "warning_network";
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &d, NULL,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM commitments"), 2);
    assert_verifies(f);
    /* The same id again. */
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_EDUPLICATE);
}

static void test_commit_bad_input(void **state)
{
    fixture_t *f = *state;
    init(f, 2);
    uint64_t before = head(f);
    for (int i = 0; i < 14; i++) {
        parley_commitment_spec_t c = flow_spec();
        const char *needle = NULL;
        switch (i) {
        case 0: c.agreement = "nope"; needle = "unknown agreement 'nope'"; break;
        case 1: c.issue = "rainfall"; needle = "no issue 'rainfall'"; break;
        case 2: c.owner = "atlantis"; needle = "not a participant"; break;
        case 3: c.owner = "saro_council"; c.verifier = "lowen";
            needle = "monitor or observer"; break;
        case 4: c.due = "2026-12-31"; needle = "dates out of order"; break;
        case 5: c.start = "2026-06-01"; needle = "before the agreement"; break;
        case 6: c.period_months = 0; needle = "1..120 months"; break;
        case 7: c.verifier = "highvale"; needle = "cannot verify"; break;
        case 8: c.cmp = "~"; needle = "comparator"; break;
        case 9: c.unit = ""; needle = "unit"; break;
        case 10: c.bench = PARLEY_BENCH_DELIVERABLE; needle = "no comparator";
            break;
        case 11: c.guarantee = "moon_fund"; needle = "no guarantee 'moon_fund'";
            break;
        case 12: c.what = ""; needle = "what must be done"; break;
        case 13: c.due = "2027-13-01"; needle = "YYYY-MM-DD"; break;
        }
        assert_int_not_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c,
                                                   NULL, f->diags),
                             PARLEY_OK);
        assert_diag(f, needle);
    }
    /* Unregistered author: the row is rolled back with the refused entry. */
    parley_commitment_spec_t c = flow_spec();
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_STRANGER], &c, NULL,
                                           f->diags),
                     PARLEY_EINVALID);
    assert_int_equal(head(f), before);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM commitments"), 0);
}

/* ---- reports ---------------------------------------------------------- */

static void test_reports_and_dispute(void **state)
{
    fixture_t *f = *state;
    init(f, 2);
    parley_commitment_spec_t c = flow_spec();
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_OK);
    /* Periods of 3 months from 2027-01-01, due 2027-12-31: they end on
     * 04-01, 07-01, 10-01 and 2028-01-01 (the first end on/after due). */
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-04-01", PARLEY_PAM_FULL),
                     PARLEY_OK);
    assert_int_equal(report(f, K_SALT, "flow", PARLEY_REPORT_MONITOR,
                            "2027-04-01", PARLEY_PAM_INTERMEDIATE),
                     PARLEY_OK);
    uint64_t before = head(f);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM disputes"), 0);
    assert_int_equal(report(f, K_COUNCIL, "flow", PARLEY_REPORT_VERIFICATION,
                            "2027-04-01", PARLEY_PAM_INTERMEDIATE),
                     PARLEY_OK);
    /* The verification and the dispute it reveals: two entries. */
    assert_int_equal(head(f), before + 2);
    char buf[512];
    sql_text(f, "SELECT author || ' ' || payload FROM ledger WHERE kind = "
                "'commitment.disputed'",
             buf, sizeof buf);
    char want[512];
    snprintf(want, sizeof want,
             "saro_council {\"agreement\":\"saro\",\"commitment\":\"flow\","
             "\"period\":\"2027-04-01\",\"self\":{\"entry\":%llu,\"status\":"
             "\"full\"},\"verification\":{\"entry\":%llu,\"status\":"
             "\"intermediate\"}}",
             (unsigned long long)(before - 1), (unsigned long long)(before + 1));
    assert_string_equal(buf, want);
    /* Next period: agreement between self and verification. */
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-07-01", PARLEY_PAM_FULL),
                     PARLEY_OK);
    before = head(f);
    assert_int_equal(report(f, K_COUNCIL, "flow", PARLEY_REPORT_VERIFICATION,
                            "2027-07-01", PARLEY_PAM_FULL),
                     PARLEY_OK);
    assert_int_equal(head(f), before + 1);
    assert_verifies(f);

    parley_monitor_status_t *st = NULL;
    assert_int_equal(parley_monitor_status(f->store, "saro", "2027-05-01", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(st->n_commitments, 1);
    parley_commitment_status_t *cs = &st->commitments[0];
    assert_string_equal(cs->cluster, "water");
    assert_int_equal(cs->n_periods, 1); /* 07-01 is after as_of */
    assert_int_equal(cs->periods[0].self, PARLEY_PAM_FULL);
    assert_int_equal(cs->periods[0].monitor, PARLEY_PAM_INTERMEDIATE);
    assert_int_equal(cs->periods[0].verification, PARLEY_PAM_INTERMEDIATE);
    assert_int_equal(cs->current, PARLEY_PAM_DISPUTED);
    assert_true(cs->disputed);
    assert_false(cs->overdue);
    assert_int_equal(cs->missing_self, 0);
    parley_monitor_status_free(st);

    assert_int_equal(parley_monitor_status(f->store, "saro", "2027-08-01", &st,
                                           f->diags),
                     PARLEY_OK);
    cs = &st->commitments[0];
    assert_int_equal(cs->n_periods, 2);
    assert_int_equal(cs->periods[0].effective, PARLEY_PAM_DISPUTED);
    assert_int_equal(cs->periods[1].effective, PARLEY_PAM_FULL);
    assert_int_equal(cs->current, PARLEY_PAM_FULL);
    assert_false(cs->disputed);
    parley_monitor_status_free(st);

    /* After due with the last period unreported: overdue, two self-reports
     * missing (10-01 and 2028-01-01). */
    assert_int_equal(parley_monitor_status(f->store, "saro", "2028-02-01", &st,
                                           f->diags),
                     PARLEY_OK);
    cs = &st->commitments[0];
    /* current is FULL (07-01), so the benchmark is not overdue... */
    assert_false(cs->overdue);
    assert_int_equal(cs->missing_self, 2);
    parley_monitor_status_free(st);
    /* ...until the last period is verified short of it. */
    assert_int_equal(report(f, K_COUNCIL, "flow", PARLEY_REPORT_VERIFICATION,
                            "2028-01-01", PARLEY_PAM_MINIMAL),
                     PARLEY_OK);
    assert_int_equal(parley_monitor_status(f->store, "saro", "2028-02-01", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_true(st->commitments[0].overdue);
    assert_int_equal(st->commitments[0].current, PARLEY_PAM_MINIMAL);
    parley_monitor_status_free(st);
    /* On the due day itself nothing is overdue yet. */
    assert_int_equal(parley_monitor_status(f->store, "saro", "2027-12-31", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_false(st->commitments[0].overdue);
    parley_monitor_status_free(st);
}

static void test_report_bad_input(void **state)
{
    fixture_t *f = *state;
    init(f, 2);
    parley_commitment_spec_t c = flow_spec();
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-07-01", PARLEY_PAM_MINIMAL),
                     PARLEY_OK);
    uint64_t before = head(f);
    long long reports = sql_int(f, "SELECT count(*) FROM reports");
    struct {
        int who;
        const char *commitment;
        parley_report_source_t src;
        const char *period;
        int status;
        parley_status_t want;
        const char *needle;
    } cases[] = {
        {K_HIGH, "dams", PARLEY_REPORT_SELF, "2027-04-01", 1, PARLEY_EINVALID,
         "unknown commitment 'dams'"},
        {K_HIGH, "flow", PARLEY_REPORT_SELF, "2027-04-02", 1, PARLEY_EINVALID,
         "not the end of a reporting period"},
        {K_HIGH, "flow", PARLEY_REPORT_SELF, "2028-04-01", 1, PARLEY_EINVALID,
         "2027-04-01 ... 2028-01-01"},
        {K_HIGH, "flow", PARLEY_REPORT_SELF, "2027-04-01", 1, PARLEY_EINVALID,
         "dates out of order"},
        {K_HIGH, "flow", PARLEY_REPORT_SELF, "2027-07-01", 2,
         PARLEY_EDUPLICATE, "already filed"},
        {K_HIGH, "flow", PARLEY_REPORT_SELF, "2027-10-01", 7, PARLEY_EINVALID,
         "outside the scale"},
        {K_HIGH, "flow", PARLEY_REPORT_SELF, "2027-10-01", -1,
         PARLEY_EINVALID, "outside the scale"},
        {K_HIGH, "flow", PARLEY_REPORT_SELF, "2027-10-01", PARLEY_PAM_NONE,
         PARLEY_EINVALID, "outside the scale"},
        {K_SALT, "flow", PARLEY_REPORT_SELF, "2027-10-01", 1, PARLEY_EINVALID,
         "from its owner 'highvale'"},
        {K_SALT, "flow", PARLEY_REPORT_VERIFICATION, "2027-10-01", 1,
         PARLEY_EINVALID, "verified by 'saro_council'"},
        {K_HIGH, "flow", PARLEY_REPORT_MONITOR, "2027-10-01", 1,
         PARLEY_EINVALID, "self-reports"},
        {K_STRANGER, "flow", PARLEY_REPORT_MONITOR, "2027-10-01", 1,
         PARLEY_EINVALID, "no registered key"},
        {K_HIGH, "flow", PARLEY_REPORT_SELF, "2027/10/01", 1, PARLEY_EINVALID,
         "YYYY-MM-DD"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(report(f, cases[i].who, cases[i].commitment,
                                cases[i].src, cases[i].period,
                                (parley_pam_t)cases[i].status),
                         cases[i].want);
        assert_diag(f, cases[i].needle);
    }
    /* A measured value for a deliverable. */
    parley_commitment_spec_t d = flow_spec();
    d.id = "report_data";
    d.bench = PARLEY_BENCH_DELIVERABLE;
    d.cmp = d.unit = NULL;
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &d, NULL,
                                           f->diags),
                     PARLEY_OK);
    before = head(f);
    parley_report_spec_t r = {"saro", "report_data", PARLEY_REPORT_SELF,
                              "2027-04-01", PARLEY_PAM_FULL, 1, 3.0, NULL};
    assert_int_equal(parley_monitor_report(f->store, f->k[K_HIGH], &r, NULL,
                                           f->diags),
                     PARLEY_EINVALID);
    assert_diag(f, "deliverable");
    r.agreement = "elsewhere";
    r.has_value = 0;
    assert_int_equal(parley_monitor_report(f->store, f->k[K_HIGH], &r, NULL,
                                           f->diags),
                     PARLEY_EINVALID);
    assert_diag(f, "unknown agreement 'elsewhere'");
    assert_int_equal(head(f), before);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM reports"), reports);
    assert_verifies(f);
}

/* ---- guarantees ------------------------------------------------------- */

/* flow_fund backed by a monthly commitment over 6 months. */
static void backed(fixture_t *f, unsigned n_required, const char *due)
{
    init(f, n_required);
    parley_commitment_spec_t c = flow_spec();
    c.period_months = 1;
    c.due = due;
    c.guarantee = "flow_fund";
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_OK);
}

static parley_status_t verify_value(fixture_t *f, const char *period,
                                    parley_pam_t status, double value,
                                    uint64_t *seq)
{
    parley_report_spec_t r = {"saro", "flow", PARLEY_REPORT_VERIFICATION,
                              period, status, value >= 0, value, NULL};
    return parley_monitor_report(f->store, f->k[K_COUNCIL], &r, seq,
                                 f->diags);
}

static void guarantee_state(fixture_t *f, const char *want_state,
                            long long want_streak)
{
    char buf[64];
    sql_text(f, "SELECT state FROM guarantees WHERE id = 'flow_fund'", buf,
             sizeof buf);
    assert_string_equal(buf, want_state);
    assert_int_equal(sql_int(f, "SELECT streak FROM guarantees WHERE id = "
                                "'flow_fund'"),
                     want_streak);
}

static void test_guarantee_permanent(void **state)
{
    fixture_t *f = *state;
    backed(f, 3, "2027-07-01");
    uint64_t s[6];
    /* full, full (but 440 < 450: not met), full, full, full. */
    assert_int_equal(verify_value(f, "2027-02-01", PARLEY_PAM_FULL, -1, &s[0]),
                     PARLEY_OK);
    guarantee_state(f, "provisional", 1);
    assert_int_equal(verify_value(f, "2027-03-01", PARLEY_PAM_FULL, 440, &s[1]),
                     PARLEY_OK);
    guarantee_state(f, "provisional", 0);
    assert_int_equal(verify_value(f, "2027-04-01", PARLEY_PAM_FULL, 450, &s[2]),
                     PARLEY_OK);
    assert_int_equal(verify_value(f, "2027-05-01", PARLEY_PAM_FULL, 455, &s[3]),
                     PARLEY_OK);
    guarantee_state(f, "provisional", 2);
    uint64_t h = head(f);
    assert_int_equal(verify_value(f, "2027-06-01", PARLEY_PAM_FULL, -1, &s[4]),
                     PARLEY_OK);
    /* The verification and the transition. */
    assert_int_equal(head(f), h + 2);
    guarantee_state(f, "permanent", 3);
    char buf[512], want[512];
    sql_text(f, "SELECT evidence FROM guarantee_transitions WHERE to_state = "
                "'permanent'",
             buf, sizeof buf);
    snprintf(want, sizeof want, "[%llu,%llu,%llu]", (unsigned long long)s[2],
             (unsigned long long)s[3], (unsigned long long)s[4]);
    assert_string_equal(buf, want);
    sql_text(f, "SELECT author || ' ' || kind FROM ledger ORDER BY seq DESC "
                "LIMIT 1",
             buf, sizeof buf);
    assert_string_equal(buf, "saro_council guarantee.permanent");
    /* Permanent is final: a breach later does not move it. */
    assert_int_equal(verify_value(f, "2027-07-01", PARLEY_PAM_BREACHED, -1,
                                  &s[5]),
                     PARLEY_OK);
    guarantee_state(f, "permanent", 3);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM guarantee_transitions"),
                     3); /* two provisional at init, one permanent */
    assert_verifies(f);
}

static void test_guarantee_order_independent(void **state)
{
    fixture_t *f = *state;
    backed(f, 2, "2027-07-01");
    /* Period 2 verified before period 1: no streak until 1 is in. */
    assert_int_equal(verify_value(f, "2027-03-01", PARLEY_PAM_FULL, -1, NULL),
                     PARLEY_OK);
    guarantee_state(f, "provisional", 0);
    /* The verifier's own reports must be in order: 02-01 now is refused. */
    assert_int_equal(verify_value(f, "2027-02-01", PARLEY_PAM_FULL, -1, NULL),
                     PARLEY_EINVALID);
    guarantee_state(f, "provisional", 0);
}

static void test_guarantee_invoked(void **state)
{
    fixture_t *f = *state;
    backed(f, 2, "2027-07-01");
    assert_int_equal(verify_value(f, "2027-02-01", PARLEY_PAM_FULL, -1, NULL),
                     PARLEY_OK);
    /* A monitor's breach report alone does not invoke: only the verifier's
     * finding counts for the guarantee. */
    assert_int_equal(report(f, K_SALT, "flow", PARLEY_REPORT_MONITOR,
                            "2027-03-01", PARLEY_PAM_BREACHED),
                     PARLEY_OK);
    guarantee_state(f, "provisional", 1);
    uint64_t s = 0;
    assert_int_equal(verify_value(f, "2027-03-01", PARLEY_PAM_BREACHED, -1, &s),
                     PARLEY_OK);
    /* Final; the streak stays what it was when it was invoked. */
    guarantee_state(f, "invoked", 1);
    char buf[64], want[64];
    sql_text(f, "SELECT evidence FROM guarantee_transitions WHERE to_state = "
                "'invoked'",
             buf, sizeof buf);
    snprintf(want, sizeof want, "[%llu]", (unsigned long long)s);
    assert_string_equal(buf, want);
    parley_monitor_status_t *st = NULL;
    assert_int_equal(parley_monitor_status(f->store, "saro", "2027-03-01", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_true(st->commitments[0].breached);
    assert_int_equal(st->commitments[0].current, PARLEY_PAM_BREACHED);
    assert_int_equal(st->guarantees[0].state, PARLEY_GUARANTEE_INVOKED);
    parley_monitor_status_free(st);
}

static void test_guarantee_lapsed(void **state)
{
    fixture_t *f = *state;
    /* Three monthly periods (02-01, 03-01, 04-01), three required: one bad
     * period and it can no longer become permanent; it lapses when the last
     * period is verified. */
    backed(f, 3, "2027-04-01");
    assert_int_equal(verify_value(f, "2027-02-01", PARLEY_PAM_FULL, -1, NULL),
                     PARLEY_OK);
    assert_int_equal(verify_value(f, "2027-03-01", PARLEY_PAM_INTERMEDIATE, -1,
                                  NULL),
                     PARLEY_OK);
    guarantee_state(f, "provisional", 0);
    uint64_t s = 0;
    assert_int_equal(verify_value(f, "2027-04-01", PARLEY_PAM_FULL, -1, &s),
                     PARLEY_OK);
    guarantee_state(f, "lapsed", 1);
    char buf[64], want[64];
    sql_text(f, "SELECT evidence FROM guarantee_transitions WHERE to_state = "
                "'lapsed'",
             buf, sizeof buf);
    snprintf(want, sizeof want, "[%llu]", (unsigned long long)s);
    assert_string_equal(buf, want);
    assert_verifies(f);
}

static void test_guarantee_two_commitments(void **state)
{
    fixture_t *f = *state;
    /* A monthly and a bimonthly commitment back the same guarantee: the
     * periods are 02-01 (monthly only), 03-01 (both), 04-01 (monthly). */
    backed(f, 2, "2027-04-01");
    parley_commitment_spec_t c = flow_spec();
    c.id = "gauges";
    c.bench = PARLEY_BENCH_DELIVERABLE;
    c.cmp = c.unit = NULL;
    c.period_months = 2;
    c.due = "2027-03-01";
    c.guarantee = "flow_fund";
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(verify_value(f, "2027-02-01", PARLEY_PAM_FULL, -1, NULL),
                     PARLEY_OK);
    guarantee_state(f, "provisional", 1);
    assert_int_equal(verify_value(f, "2027-03-01", PARLEY_PAM_FULL, -1, NULL),
                     PARLEY_OK);
    /* 03-01 waits for the gauges' verification. */
    guarantee_state(f, "provisional", 1);
    assert_int_equal(report(f, K_COUNCIL, "gauges",
                            PARLEY_REPORT_VERIFICATION, "2027-03-01",
                            PARLEY_PAM_FULL),
                     PARLEY_OK);
    guarantee_state(f, "permanent", 2);
}

/* ---- small pieces ----------------------------------------------------- */

static void test_names_and_dates(void **state)
{
    (void)state;
    assert_int_equal(parley_pam_from_name("0"), 0);
    assert_int_equal(parley_pam_from_name("3"), 3);
    assert_int_equal(parley_pam_from_name("4"), -1);
    assert_int_equal(parley_pam_from_name("breached"), PARLEY_PAM_BREACHED);
    assert_int_equal(parley_pam_from_name("none"), -1);
    assert_int_equal(parley_pam_from_name(""), -1);
    assert_string_equal(parley_pam_name(PARLEY_PAM_INTERMEDIATE),
                        "intermediate");
    assert_int_equal(parley_report_source_from_name("verification"),
                     PARLEY_REPORT_VERIFICATION);
    assert_int_equal(parley_report_source_from_name("party"), -1);
    assert_true(parley_date_valid("2028-02-29"));
    assert_false(parley_date_valid("2027-02-29"));
    assert_false(parley_date_valid("1900-02-29"));
    assert_true(parley_date_valid("2000-02-29"));
    assert_false(parley_date_valid("2027-1-01"));
    assert_false(parley_date_valid("2027-01-01x"));
    assert_false(parley_date_valid(NULL));
}

static void test_period_calendar(void **state)
{
    fixture_t *f = *state;
    /* Month ends clamp: from 2027-01-31 monthly, periods end 02-28, 03-31,
     * 04-30 (computed from the start, not from the previous end). */
    init(f, 1);
    parley_commitment_spec_t c = flow_spec();
    c.start = "2027-01-31";
    c.due = "2027-04-30";
    c.period_months = 1;
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-02-28", PARLEY_PAM_MINIMAL),
                     PARLEY_OK);
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-03-28", PARLEY_PAM_MINIMAL),
                     PARLEY_EINVALID);
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-03-31", PARLEY_PAM_MINIMAL),
                     PARLEY_OK);
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-04-30", PARLEY_PAM_FULL),
                     PARLEY_OK);
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-05-31", PARLEY_PAM_FULL),
                     PARLEY_EINVALID);
    assert_diag(f, "its 3 periods of 1 month end on 2027-02-28 ... 2027-04-30");
}

/* A version-1 store (the ledger only) gains the monitoring tables when
 * opened, keeps its entries, and can be monitored right away. */
static void test_migration_from_v1(void **state)
{
    fixture_t *f = *state;
    uint64_t before = head(f);
    parley_store_close(f->store);
    f->store = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE live_events; DROP TABLE "
                                  "live_inputs; DROP TABLE credentials; "
                                  "DROP TABLE live_sessions; "
                                  "DROP TABLE consequences; DROP TABLE disputes; DROP TABLE reports; "
                                  "DROP TABLE commitments; DROP TABLE "
                                  "guarantee_transitions; DROP TABLE "
                                  "guarantees; DROP TABLE participants; DROP "
                                  "TABLE agreement_issues; DROP TABLE "
                                  "agreements; PRAGMA user_version = 1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(sql_int(f, "PRAGMA user_version"), 1);
    assert_int_equal(parley_store_open(f->db, &f->store, f->diags), PARLEY_OK);
    assert_int_equal(sql_int(f, "PRAGMA user_version"),
                     PARLEY_STORE_SCHEMA_VERSION);
    assert_int_equal(head(f), before);
    init(f, 1);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM guarantees"), 2);
    assert_verifies(f);
}

/* ---- consequences ----------------------------------------------------- */

static parley_status_t consequence(fixture_t *f, const char *id, int on_g,
                                   const char *target,
                                   parley_consequence_kind_t kind,
                                   parley_consequence_trigger_t trig,
                                   unsigned threshold, const char *suspends)
{
    parley_consequence_spec_t c = {"saro", id, on_g, target, kind, trig,
                                   threshold, suspends};
    return parley_monitor_consequence(f->store, f->k[K_SEC], &c, NULL,
                                      f->diags);
}

static long long applied_count(fixture_t *f)
{
    return sql_int(f, "SELECT count(*) FROM ledger WHERE kind = "
                      "'consequence.applied'");
}

static void test_consequence_notice_on_breach(void **state)
{
    fixture_t *f = *state;
    backed(f, 2, "2027-07-01");
    assert_int_equal(consequence(f, "notice1", 0, "flow",
                                 PARLEY_CONSEQUENCE_NOTICE,
                                 PARLEY_TRIGGER_BREACHED, 0, NULL),
                     PARLEY_OK);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM ledger WHERE kind = "
                                "'consequence.add'"),
                     1);
    assert_int_equal(verify_value(f, "2027-02-01", PARLEY_PAM_FULL, -1, NULL),
                     PARLEY_OK);
    assert_int_equal(applied_count(f), 0);
    uint64_t rep = 0;
    parley_report_spec_t r = {"saro", "flow", PARLEY_REPORT_MONITOR,
                              "2027-03-01", PARLEY_PAM_BREACHED, 0, 0, NULL};
    assert_int_equal(parley_monitor_report(f->store, f->k[K_SALT], &r, &rep,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(applied_count(f), 1);
    char buf[512];
    sql_text(f, "SELECT author FROM ledger WHERE kind = 'consequence.applied'",
             buf, sizeof buf);
    assert_string_equal(buf, "saltreach");
    sql_text(f, "SELECT payload FROM ledger WHERE kind = 'consequence.applied'",
             buf, sizeof buf);
    assert_string_equal(
        buf, "{\"agreement\":\"saro\",\"as_of\":\"2027-03-01\",\"commitments\":"
             "[\"flow\"],\"consequence\":\"notice1\",\"kind\":\"notice\","
             "\"on\":{\"id\":\"flow\",\"kind\":\"commitment\"},\"trigger\":"
             "{\"kind\":\"breached\",\"threshold\":0}}");
    /* The entry that applied it comes right after the report. */
    assert_int_equal(sql_int(f, "SELECT applied FROM consequences"), rep + 1);
    /* It applies once. */
    r.period = "2027-04-01";
    assert_int_equal(parley_monitor_report(f->store, f->k[K_SALT], &r, NULL,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(applied_count(f), 1);
    parley_monitor_status_t *st = NULL;
    assert_int_equal(parley_monitor_status(f->store, "saro", "2027-04-01", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(st->n_consequences, 1);
    assert_string_equal(st->consequences[0].id, "notice1");
    assert_int_equal(st->consequences[0].kind, PARLEY_CONSEQUENCE_NOTICE);
    assert_int_equal(st->consequences[0].applied, rep + 1);
    assert_string_equal(st->consequences[0].applied_by, "saltreach");
    assert_string_equal(st->consequences[0].applied_as_of, "2027-03-01");
    assert_false(st->guarantees[0].suspended);
    parley_monitor_status_free(st);
    assert_verifies(f);
}

static void test_consequence_suspension_on_disputes(void **state)
{
    fixture_t *f = *state;
    backed(f, 3, "2027-07-01");
    /* On the guarantee: any backing commitment disputed 2 periods running
     * suspends the guarantee's own benefit. */
    assert_int_equal(consequence(f, "hold", 1, "flow_fund",
                                 PARLEY_CONSEQUENCE_SUSPENSION,
                                 PARLEY_TRIGGER_DISPUTED, 2, NULL),
                     PARLEY_OK);
    char buf[64];
    sql_text(f, "SELECT suspends FROM consequences", buf, sizeof buf);
    assert_string_equal(buf, "flow_fund");
    const char *periods[] = {"2027-02-01", "2027-03-01", "2027-04-01"};
    /* Disputed, then agreed (full both), then disputed: never 2 in a row. */
    parley_pam_t self[] = {PARLEY_PAM_FULL, PARLEY_PAM_FULL, PARLEY_PAM_FULL};
    parley_pam_t ver[] = {PARLEY_PAM_MINIMAL, PARLEY_PAM_FULL,
                          PARLEY_PAM_MINIMAL};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                                periods[i], self[i]),
                         PARLEY_OK);
        assert_int_equal(verify_value(f, periods[i], ver[i], -1, NULL),
                         PARLEY_OK);
    }
    assert_int_equal(applied_count(f), 0);
    /* The verification comes first this time: the self-report reveals the
     * dispute, and an owner's report applies nothing against itself. */
    assert_int_equal(verify_value(f, "2027-05-01", PARLEY_PAM_INTERMEDIATE, -1,
                                  NULL),
                     PARLEY_OK);
    assert_int_equal(report(f, K_HIGH, "flow", PARLEY_REPORT_SELF,
                            "2027-05-01", PARLEY_PAM_FULL),
                     PARLEY_OK);
    assert_int_equal(applied_count(f), 0);
    /* The next verification (or enforcement) finds 2 disputed in a row. */
    size_t n = 9;
    assert_int_equal(parley_monitor_enforce(f->store, f->k[K_COUNCIL], "saro",
                                            "2027-05-01", &n, f->diags),
                     PARLEY_OK);
    assert_int_equal(n, 1);
    sql_text(f, "SELECT author FROM ledger WHERE kind = 'consequence.applied'",
             buf, sizeof buf);
    assert_string_equal(buf, "saro_council");
    parley_monitor_status_t *st = NULL;
    assert_int_equal(parley_monitor_status(f->store, "saro", "2027-05-01", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_true(st->guarantees[0].suspended);
    assert_string_equal(st->consequences[0].suspends, "flow_fund");
    parley_monitor_status_free(st);
    /* As of an earlier day the record is the same: applied is applied. */
    assert_int_equal(parley_monitor_enforce(f->store, f->k[K_COUNCIL], "saro",
                                            "2027-05-01", &n, f->diags),
                     PARLEY_OK);
    assert_int_equal(n, 0);
    assert_verifies(f);
}

static void test_consequence_review_when_overdue(void **state)
{
    fixture_t *f = *state;
    backed(f, 2, "2027-07-01");
    parley_commitment_spec_t c = flow_spec();
    c.id = "gauge";
    c.bench = PARLEY_BENCH_DELIVERABLE;
    c.cmp = NULL;
    c.unit = NULL;
    c.due = "2028-02-28";
    c.period_months = 12;
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(consequence(f, "rev", 0, "flow",
                                 PARLEY_CONSEQUENCE_REVIEW,
                                 PARLEY_TRIGGER_OVERDUE, 10, NULL),
                     PARLEY_OK);
    assert_int_equal(consequence(f, "rev2", 0, "gauge",
                                 PARLEY_CONSEQUENCE_REVIEW,
                                 PARLEY_TRIGGER_OVERDUE, 2, NULL),
                     PARLEY_OK);
    size_t n = 9;
    /* Due 2027-07-01: 9 days past on 07-10, 10 on 07-11. */
    assert_int_equal(parley_monitor_enforce(f->store, f->k[K_SEC], "saro",
                                            "2027-07-10", &n, f->diags),
                     PARLEY_OK);
    assert_int_equal(n, 0);
    assert_int_equal(parley_monitor_enforce(f->store, f->k[K_SEC], "saro",
                                            "2027-07-11", &n, f->diags),
                     PARLEY_OK);
    assert_int_equal(n, 1);
    /* Due 2028-02-28, a leap year: 2 days past is 03-01, not 03-02. */
    assert_int_equal(parley_monitor_enforce(f->store, f->k[K_SEC], "saro",
                                            "2028-02-29", &n, f->diags),
                     PARLEY_OK);
    assert_int_equal(n, 0);
    /* Verified full for its last period: not overdue, nothing applies. */
    parley_report_spec_t r = {"saro", "gauge", PARLEY_REPORT_VERIFICATION,
                              "2028-01-01", PARLEY_PAM_FULL, 0, 0, NULL};
    assert_int_equal(parley_monitor_report(f->store, f->k[K_COUNCIL], &r, NULL,
                                           f->diags),
                     PARLEY_OK);
    r.period = "2029-01-01";
    assert_int_equal(parley_monitor_report(f->store, f->k[K_COUNCIL], &r, NULL,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(parley_monitor_enforce(f->store, f->k[K_SEC], "saro",
                                            "2029-03-01", &n, f->diags),
                     PARLEY_OK);
    assert_int_equal(n, 0);
    parley_monitor_status_t *st = NULL;
    assert_int_equal(parley_monitor_status(f->store, "saro", "2029-03-01", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_int_equal(st->n_consequences, 2);
    assert_string_equal(st->consequences[0].id, "rev");
    assert_string_equal(st->consequences[0].applied_as_of, "2027-07-11");
    assert_string_equal(st->consequences[0].applied_by, "secretariat");
    assert_int_equal(st->consequences[1].applied, 0);
    assert_string_equal(st->consequences[1].applied_as_of, "");
    parley_monitor_status_free(st);
    assert_verifies(f);
}

static void test_consequence_bad_input(void **state)
{
    fixture_t *f = *state;
    backed(f, 2, "2027-07-01");
    uint64_t before = head(f);
    struct {
        const char *id;
        int on_g;
        const char *target;
        parley_consequence_kind_t kind;
        parley_consequence_trigger_t trig;
        unsigned threshold;
        const char *suspends;
        parley_status_t want;
        const char *needle;
    } bad[] = {
        {"a", 0, "nope", PARLEY_CONSEQUENCE_NOTICE, PARLEY_TRIGGER_BREACHED, 0,
         NULL, PARLEY_EINVALID, "no commitment 'nope'"},
        {"a", 1, "flow", PARLEY_CONSEQUENCE_NOTICE, PARLEY_TRIGGER_BREACHED, 0,
         NULL, PARLEY_EINVALID, "no guarantee 'flow'"},
        {"a", 0, "flow", PARLEY_CONSEQUENCE_NOTICE, PARLEY_TRIGGER_DISPUTED, 0,
         NULL, PARLEY_EINVALID, "1..1000"},
        {"a", 0, "flow", PARLEY_CONSEQUENCE_NOTICE, PARLEY_TRIGGER_BREACHED, 3,
         NULL, PARLEY_EINVALID, "takes no count"},
        {"a", 0, "flow", PARLEY_CONSEQUENCE_SUSPENSION,
         PARLEY_TRIGGER_BREACHED, 0, NULL, PARLEY_EINVALID,
         "names the guarantee"},
        {"a", 0, "flow", PARLEY_CONSEQUENCE_SUSPENSION,
         PARLEY_TRIGGER_BREACHED, 0, "ghost", PARLEY_EINVALID,
         "no guarantee 'ghost' to suspend"},
        {"a", 0, "flow", PARLEY_CONSEQUENCE_REVIEW, PARLEY_TRIGGER_BREACHED, 0,
         "flow_fund", PARLEY_EINVALID, "only a suspension"},
        {"bad id", 0, "flow", PARLEY_CONSEQUENCE_NOTICE,
         PARLEY_TRIGGER_BREACHED, 0, NULL, PARLEY_EINVALID, "expected an id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(consequence(f, bad[i].id, bad[i].on_g, bad[i].target,
                                     bad[i].kind, bad[i].trig,
                                     bad[i].threshold, bad[i].suspends),
                         bad[i].want);
        assert_diag(f, bad[i].needle);
        assert_int_equal(head(f), before);
    }
    assert_int_equal(consequence(f, "a", 0, "flow", PARLEY_CONSEQUENCE_SUSPENSION,
                                 PARLEY_TRIGGER_BREACHED, 0, "flow_fund"),
                     PARLEY_OK);
    before = head(f);
    assert_int_equal(consequence(f, "a", 0, "flow", PARLEY_CONSEQUENCE_NOTICE,
                                 PARLEY_TRIGGER_BREACHED, 0, NULL),
                     PARLEY_EDUPLICATE);
    assert_int_equal(head(f), before);
    size_t n = 0;
    assert_int_equal(parley_monitor_enforce(f->store, f->k[K_SEC], "nope",
                                            "2027-07-11", &n, f->diags),
                     PARLEY_EINVALID);
    assert_int_equal(parley_monitor_enforce(f->store, f->k[K_SEC], "saro",
                                            "2027-13-11", &n, f->diags),
                     PARLEY_EINVALID);
    assert_int_equal(head(f), before);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM consequences"), 1);
}

/* ---- review ----------------------------------------------------------- */

static void text_pkg(const parley_scenario_t *sc, uint32_t *pkg)
{
    static const char *const opts[][2] = {
        {"data_sharing", "monthly_data"}, {"commission", "secretariat"},
        {"early_warning", "basin_network"}, {"min_flow", "450"},
        {"fill_years", "5"}, {"power_price", "60"},
        {"dispute_settlement", "commission_mediation"}};
    for (size_t k = 0; k < sc->n_issues; k++) {
        assert_string_equal(sc->issues[k].id, opts[k][0]);
        size_t j;
        char buf[64];
        for (j = 0; j < sc->issues[k].n_options; j++) {
            parley_issue_option_label(&sc->issues[k], j, buf, sizeof buf);
            if (strcmp(buf, opts[k][1]) == 0)
                break;
        }
        assert_true(j < sc->issues[k].n_options);
        pkg[k] = (uint32_t)j;
    }
}

/* The slow obvious repair: every package in index order, the fewest
 * changes, then the largest smallest margin, then the first. */
static int brute_repair(const parley_model_t *m, const uint32_t *standing,
                        const unsigned char *locked, uint32_t *best,
                        size_t *best_d)
{
    size_t n = parley_model_n_issues(m), np = parley_model_n_parties(m);
    uint32_t cur[16] = {0};
    double u[16], best_margin = 0;
    int found = 0;
    for (;;) {
        size_t d = 0;
        int ok = 1;
        for (size_t k = 0; k < n; k++) {
            d += cur[k] != standing[k];
            if (locked[k] && cur[k] != standing[k])
                ok = 0;
        }
        if (ok && parley_model_is_feasible(m, cur)) {
            parley_model_utility(m, cur, u);
            double margin = 1e300;
            for (size_t i = 0; i < np; i++)
                if (u[i] - parley_model_reservation(m, i) < margin)
                    margin = u[i] - parley_model_reservation(m, i);
            if (!found || d < *best_d ||
                (d == *best_d && margin > best_margin)) {
                memcpy(best, cur, n * sizeof *cur);
                *best_d = d;
                best_margin = margin;
                found = 1;
            }
        }
        size_t k = n;
        while (k > 0) {
            k--;
            if (++cur[k] < parley_model_n_options(m, k))
                break;
            cur[k] = 0;
            if (k == 0)
                return found;
        }
    }
}

static void test_repair_against_brute_force(void **state)
{
    fixture_t *f = *state;
    uint32_t standing[16];
    text_pkg(f->sc, standing);
    const double res[] = {0.5, 0.72, 0.75, 0.78, 0.82, 2.0};
    unsigned char locks[][7] = {{0, 0, 0, 0, 0, 0, 0},
                                {0, 0, 0, 1, 0, 0, 0},
                                {0, 0, 0, 1, 1, 0, 0},
                                {1, 1, 1, 0, 0, 1, 1}};
    int changed_some = 0, infeasible = 0;
    double keep = f->sc->parties[0].reservation;
    for (size_t r = 0; r < sizeof res / sizeof res[0]; r++) {
        f->sc->parties[0].reservation = res[r];
        parley_model_t *m = NULL;
        assert_int_equal(parley_model_new(f->sc, &m, NULL), PARLEY_OK);
        for (size_t l = 0; l < sizeof locks / sizeof locks[0]; l++) {
            uint32_t a[16], b[16];
            size_t da = 99, db = 99;
            parley_status_t st =
                parley_monitor_repair(m, standing, locks[l], a, &da);
            int bf = brute_repair(m, standing, locks[l], b, &db);
            if (!bf) {
                assert_int_equal(st, PARLEY_EINFEASIBLE);
                infeasible++;
                continue;
            }
            assert_int_equal(st, PARLEY_OK);
            assert_int_equal(da, db);
            assert_memory_equal(a, b, 7 * sizeof *a);
            changed_some += da > 0;
        }
        parley_model_free(m);
    }
    f->sc->parties[0].reservation = keep;
    /* The cases are not all trivial. */
    assert_true(changed_some >= 3);
    assert_true(infeasible >= 4);
}

static void test_review(void **state)
{
    fixture_t *f = *state;
    init(f, 2);
    parley_commitment_spec_t c = flow_spec();
    c.core = 1;
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_OK);
    char buf[512];
    sql_text(f, "SELECT payload FROM ledger WHERE kind = 'commitment.add'",
             buf, sizeof buf);
    assert_non_null(strstr(buf, "\"core\":true"));
    /* Highvale's new government asks for more. */
    f->sc->parties[0].reservation = 0.75;
    uint32_t standing[16], want[16];
    text_pkg(f->sc, standing);
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(f->sc, &m, NULL), PARLEY_OK);
    assert_false(parley_model_is_feasible(m, standing));
    unsigned char locked[7] = {0, 0, 0, 1, 0, 0, 0};
    size_t want_d = 0;
    assert_true(brute_repair(m, standing, locked, want, &want_d));
    assert_true(want_d > 0);
    uint64_t before = head(f), seq = 0;
    parley_review_result_t *r = NULL;
    assert_int_equal(parley_monitor_review(f->store, f->k[K_SEC], f->sc,
                                           "saro", "highvale",
                                           "{\"id\":\"highvale\","
                                           "\"reservation\":0.75}",
                                           &r, &seq, f->diags),
                     PARLEY_OK);
    assert_int_equal(seq, before + 1);
    assert_int_equal(r->n_locked, 1);
    assert_string_equal(r->locked[0], "min_flow");
    assert_int_equal(r->n_changes, want_d);
    for (size_t i = 0; i < r->n_changes; i++) {
        size_t k = 0;
        while (strcmp(f->sc->issues[k].id, r->changes[i].issue) != 0)
            k++;
        assert_true(k != 3);
        char lab[64];
        parley_issue_option_label(&f->sc->issues[k], want[k], lab, sizeof lab);
        assert_string_equal(r->changes[i].to, lab);
        parley_issue_option_label(&f->sc->issues[k], standing[k], lab,
                                  sizeof lab);
        assert_string_equal(r->changes[i].from, lab);
    }
    assert_non_null(strstr(r->text, "\"min_flow\":\"450\""));
    parley_review_result_free(r);
    sql_text(f, "SELECT author FROM ledger WHERE kind = 'agreement.review'",
             buf, sizeof buf);
    assert_string_equal(buf, "secretariat");
    /* Beyond reach: refused, nothing recorded. */
    f->sc->parties[0].reservation = 2.0;
    before = head(f);
    assert_int_equal(parley_monitor_review(f->store, f->k[K_SEC], f->sc,
                                           "saro", "highvale", "{}", &r, NULL,
                                           f->diags),
                     PARLEY_EINFEASIBLE);
    assert_null(r);
    assert_diag(f, "no package keeps");
    assert_int_equal(parley_monitor_review(f->store, f->k[K_SEC], f->sc,
                                           "saro", "nobody", "{}", &r, NULL,
                                           f->diags),
                     PARLEY_EINVALID);
    assert_int_equal(parley_monitor_review(f->store, f->k[K_SEC], f->sc,
                                           "saro", "highvale", "[1", &r, NULL,
                                           f->diags),
                     PARLEY_ESYNTAX);
    assert_int_equal(head(f), before);
    parley_model_free(m);
    assert_verifies(f);
}

/* ---- timeline --------------------------------------------------------- */

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_timeline_svg(void **state)
{
    fixture_t *f = *state;
    backed(f, 2, "2027-07-01");
    parley_commitment_spec_t c = flow_spec();
    c.id = "gauge";
    c.bench = PARLEY_BENCH_DELIVERABLE;
    c.cmp = NULL;
    c.unit = NULL;
    c.period_months = 2;
    assert_int_equal(parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL,
                                           f->diags),
                     PARLEY_OK);
    /* flow monthly: 02-01 full, 03-01 breached; gauge every 2 months:
     * 03-01 intermediate.  Columns: 02-01 and 03-01. */
    assert_int_equal(verify_value(f, "2027-02-01", PARLEY_PAM_FULL, -1, NULL),
                     PARLEY_OK);
    assert_int_equal(verify_value(f, "2027-03-01", PARLEY_PAM_BREACHED, -1,
                                  NULL),
                     PARLEY_OK);
    assert_int_equal(report(f, K_HIGH, "gauge", PARLEY_REPORT_SELF,
                            "2027-03-01", PARLEY_PAM_INTERMEDIATE),
                     PARLEY_OK);
    parley_monitor_status_t *st = NULL;
    assert_int_equal(parley_monitor_status(f->store, "saro", "2027-04-01", &st,
                                           f->diags),
                     PARLEY_OK);
    assert_string_equal(st->guarantees[0].id, "flow_fund");
    assert_string_equal(st->guarantees[0].since, "2027-03-01");
    assert_string_equal(st->guarantees[1].since, "2027-01-01");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    assert_int_equal(parley_render_timeline_svg(st, mem), PARLEY_OK);
    fclose(mem);
    assert_true(strncmp(buf, "<?xml", 5) == 0);
    assert_non_null(strstr(buf, "</svg>\n"));
    assert_int_equal(count_of(buf, "class=\"commitment\""), 2);
    assert_int_equal(count_of(buf, "class=\"period\""), 2);
    assert_int_equal(count_of(buf, "class=\"cell\""), 4);
    /* full, breached; gauge not reported on 02-01, intermediate. */
    assert_int_equal(count_of(buf, "fill=\"#1a9850\""), 1);
    assert_int_equal(count_of(buf, "fill=\"#fee08b\""), 1);
    assert_int_equal(count_of(buf, "class=\"mark\""), 1);
    assert_non_null(strstr(buf, "flow_fund: invoked since 2027-03-01"));
    assert_int_equal(parley_render_timeline_svg(NULL, stdout), PARLEY_EARG);
    free(buf);
    parley_monitor_status_free(st);
}

/* ---- allocation failures ---------------------------------------------- */

static parley_status_t sweep_status(void *p)
{
    fixture_t *f = p;
    parley_monitor_status_t *st = NULL;
    parley_status_t rc =
        parley_monitor_status(f->store, "saro", "2027-05-01", &st, NULL);
    if (rc == PARLEY_OK) {
        assert_int_equal(st->n_commitments, 1);
        assert_int_equal(st->commitments[0].n_periods, 1);
        assert_int_equal(st->n_guarantees, 2);
    } else {
        assert_null(st);
    }
    parley_monitor_status_free(st);
    return rc;
}

typedef struct sweep_ctx {
    fixture_t *f;
    uint64_t head;
    long long rows;
    /* 0 init, 1 commit, 2 consequence, 3 verification setting off
     * permanence, 4 monitor's report applying the consequence, 5 review */
    int what;
} sweep_ctx_t;

#define SWEEP_ROWS                                                             \
    "SELECT (SELECT count(*) FROM agreements) + (SELECT count(*) FROM "        \
    "commitments) + (SELECT count(*) FROM reports) + (SELECT count(*) FROM "   \
    "consequences) + (SELECT count(*) FROM consequences WHERE applied IS NOT " \
    "NULL)"

static parley_status_t sweep_write(void *p)
{
    sweep_ctx_t *x = p;
    fixture_t *f = x->f;
    parley_status_t st;
    if (x->what == 0) {
        parley_monitor_init_t in = {"saro", TEXT, "2027-01-01", 1};
        st = parley_monitor_init(f->store, f->k[K_SEC], f->sc, &in, NULL,
                                 NULL);
    } else if (x->what == 1) {
        parley_commitment_spec_t c = flow_spec();
        c.guarantee = "flow_fund";
        c.core = 1;
        st = parley_monitor_commit(f->store, f->k[K_SEC], &c, NULL, NULL);
    } else if (x->what == 2) {
        parley_consequence_spec_t c = {"saro", "notice", 0, "flow",
                                       PARLEY_CONSEQUENCE_NOTICE,
                                       PARLEY_TRIGGER_BREACHED, 0, NULL};
        st = parley_monitor_consequence(f->store, f->k[K_SEC], &c, NULL, NULL);
    } else if (x->what == 3) {
        parley_report_spec_t r = {"saro", "flow", PARLEY_REPORT_VERIFICATION,
                                  "2027-04-01", PARLEY_PAM_FULL, 1, 460, NULL};
        st = parley_monitor_report(f->store, f->k[K_COUNCIL], &r, NULL, NULL);
    } else if (x->what == 4) {
        parley_report_spec_t r = {"saro", "flow", PARLEY_REPORT_MONITOR,
                                  "2027-07-01", PARLEY_PAM_BREACHED, 0, 0,
                                  NULL};
        st = parley_monitor_report(f->store, f->k[K_SALT], &r, NULL, NULL);
    } else {
        parley_review_result_t *rv = NULL;
        st = parley_monitor_review(f->store, f->k[K_SEC], f->sc, "saro",
                                   "highvale", "{\"id\":\"highvale\"}", &rv,
                                   NULL, NULL);
        if (st == PARLEY_OK)
            assert_true(rv->n_changes > 0);
        else
            assert_null(rv);
        parley_review_result_free(rv);
    }
    if (st != PARLEY_OK) {
        /* Refused: nothing of it stored, in the ledger or the tables. */
        failing_alloc_hold(1);
        assert_int_equal(head(f), x->head);
        assert_int_equal(sql_int(f, SWEEP_ROWS), x->rows);
        failing_alloc_hold(0);
    }
    return st;
}

static void test_allocation_failures(void **state)
{
    fixture_t *f = *state;
    sweep_ctx_t x = {f, 0, 0, 0};
    static const char *const names[] = {"init",   "commit",  "consequence",
                                        "verify", "monitor", "review"};
    /* The review (5) is run once without a sweep: a refused allocation
     * while the ledger canonicalizes its payload (json_loadb in
     * parley__canonical_json) makes jansson 2.14 free a pointer it did not
     * allocate, which no caller can guard against. */
    for (x.what = 0; x.what < 6; x.what++) {
        if (x.what == 5) {
            f->sc->parties[0].reservation = 0.75;
            x.head = head(f);
            x.rows = sql_int(f, SWEEP_ROWS);
            assert_int_equal(sweep_write(&x), PARLEY_OK);
            break;
        }
        x.head = head(f);
        x.rows = sql_int(f, SWEEP_ROWS);
        failing_alloc_opts_t o = {0};
        o.name = names[x.what];
        failing_alloc_result_t r = failing_alloc_sweep(sweep_write, &x, &o);
        assert_true(r.enomem > 0);
    }
    assert_int_equal(sql_int(f, "SELECT count(*) FROM consequences WHERE "
                                "applied IS NOT NULL"),
                     1);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM ledger WHERE kind = "
                                "'agreement.review'"),
                     1);
    /* The last verification made the guarantee (N = 1) permanent. */
    guarantee_state(f, "permanent", 1);
    assert_verifies(f);
    /* Reading, too. */
    failing_alloc_opts_t o = {0};
    o.name = "status";
    failing_alloc_result_t r = failing_alloc_sweep(sweep_status, f, &o);
    assert_true(r.enomem > 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_dates),
        T(test_init),
        T(test_init_guarantee_not_applying),
        T(test_init_bad_input),
        T(test_commit),
        T(test_commit_bad_input),
        T(test_reports_and_dispute),
        T(test_report_bad_input),
        T(test_guarantee_permanent),
        T(test_guarantee_order_independent),
        T(test_guarantee_invoked),
        T(test_guarantee_lapsed),
        T(test_guarantee_two_commitments),
        T(test_period_calendar),
        T(test_migration_from_v1),
        T(test_consequence_notice_on_breach),
        T(test_consequence_suspension_on_disputes),
        T(test_consequence_review_when_overdue),
        T(test_consequence_bad_input),
        T(test_repair_against_brute_force),
        T(test_review),
        T(test_timeline_svg),
        T(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
