/*
 * monitor.c - writing the monitoring record: an agreement taken into
 * monitoring, its commitments, and the reports on them.
 *
 * Each public function checks its input, then runs one BEGIN IMMEDIATE
 * transaction in which it checks what needs the database (the agreement
 * exists, the author may file this report, the period is not out of
 * order), writes the rows and appends the signed ledger entries recording
 * them (parley__ledger_append_tx).  Any failure rolls the whole
 * transaction back, so a refused write leaves the tables and the ledger
 * exactly as they were, and a crash cannot leave one without the other.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_internal.h"
#include "parley/alloc.h"
#include "parley/rules.h"
#include "scenario/scenario_internal.h"

parley_status_t parley__monitor_fail(parley_diags_t *diags,
                                     parley_status_t code, const char *path,
                                     const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, code, "", 0, 0,
                     path ? path : "", "%s", msg);
    return code;
}

parley_status_t parley__monitor_db_fail(parley_store_t *s,
                                        parley_diags_t *diags, int rc,
                                        const char *what)
{
    parley_status_t st = parley__store_status(rc);
    if (st == PARLEY_OK)
        st = PARLEY_EIO;
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, st, s->path, 0, 0, "",
                     "%s: %s", what, sqlite3_errmsg(s->db));
    return st;
}

char *parley__json_text(const json_t *v)
{
    /* jansson's allocator may be parley's or libc's: own the copy here. */
    const size_t flags = JSON_COMPACT | JSON_SORT_KEYS;
    size_t need = json_dumpb(v, NULL, 0, flags);
    if (need == 0)
        return NULL;
    char *buf = parley_malloc(need + 1);
    if (!buf || json_dumpb(v, buf, need, flags) != need) {
        parley_free(buf);
        return NULL;
    }
    buf[need] = '\0';
    return buf;
}

parley_status_t parley__monitor_append(parley_store_t *s,
                                       const parley_key_t *key,
                                       const char *kind, json_t *payload,
                                       uint64_t *seq, parley_diags_t *diags)
{
    if (!payload)
        return PARLEY_ENOMEM;
    char *text = parley__json_text(payload);
    json_decref(payload);
    /* Whatever jansson could not allocate while the payload was built may
     * have been left out of it without an error: never sign that. */
    if (!text || parley__json_alloc_failed()) {
        parley_free(text);
        return PARLEY_ENOMEM;
    }
    parley_ledger_event_t ev = {key, kind, text};
    parley_status_t st = parley__ledger_append_tx(s, &ev, 1, seq, diags);
    parley_free(text);
    return st;
}

static int name_ok(const char *s)
{
    return s && parley__name_valid(s, strlen(s));
}

static parley_status_t check_name(parley_diags_t *diags, const char *field,
                                  const char *s)
{
    if (name_ok(s))
        return PARLEY_OK;
    return parley__monitor_fail(diags, PARLEY_EINVALID, field,
                                "expected an id of 1..64 characters of A-Z a-z "
                                "0-9 . _ -, found '%s'",
                                s ? s : "(none)");
}

static parley_status_t check_date(parley_diags_t *diags, const char *field,
                                  const char *s)
{
    if (parley_date_valid(s))
        return PARLEY_OK;
    return parley__monitor_fail(diags, PARLEY_EINVALID, field,
                                "expected a day as YYYY-MM-DD, found '%s'",
                                s ? s : "(none)");
}

/* ---- transactions ----------------------------------------------------- */

static parley_status_t begin(parley_store_t *s, parley_diags_t *diags)
{
    int rc = parley__store_exec(s, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot start the transaction");
    return PARLEY_OK;
}

static parley_status_t end(parley_store_t *s, parley_status_t st,
                           parley_diags_t *diags)
{
    if (st == PARLEY_OK) {
        int rc = parley__store_exec(s, "COMMIT");
        if (rc != SQLITE_OK)
            st = parley__monitor_db_fail(s, diags, rc,
                                         "cannot commit the transaction");
    }
    if (st != PARLEY_OK)
        parley__store_exec(s, "ROLLBACK");
    return st;
}

/* Runs a prepared insert/update to completion; finalizes it. */
static parley_status_t run(parley_store_t *s, sqlite3_stmt *q,
                           parley_diags_t *diags, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc, what);
    return PARLEY_OK;
}

static parley_status_t prepare(parley_store_t *s, const char *sql,
                               sqlite3_stmt **q, parley_diags_t *diags)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, q, NULL);
    if (rc != SQLITE_OK)
        return parley__monitor_db_fail(s, diags, rc, "cannot prepare a query");
    return PARLEY_OK;
}

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

/* ---- init ------------------------------------------------------------- */

static const char *role_name(parley_role_t r)
{
    switch (r) {
    case PARLEY_ROLE_PARTY:
        return "party";
    case PARLEY_ROLE_GUARANTOR:
        return "guarantor";
    case PARLEY_ROLE_MONITOR:
        return "monitor";
    case PARLEY_ROLE_OBSERVER:
        return "observer";
    }
    return "observer";
}

/*
 * The agreed text as option indices, checked against sc: every issue once
 * as a string naming one of its options, nothing else.  *text_out is the
 * parsed object (caller decrefs).
 */
parley_status_t parley__monitor_read_text(const parley_scenario_t *sc,
                                          const char *text, uint32_t *pkg,
                                          json_t **text_out,
                                          parley_diags_t *diags)
{
    json_error_t err;
    json_t *t = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    /* A refused allocation can also drop a member silently. */
    if (parley__json_alloc_failed()) {
        json_decref(t);
        return PARLEY_ENOMEM;
    }
    if (!t || !json_is_object(t)) {
        json_decref(t);
        return parley__monitor_fail(
            diags, PARLEY_ESYNTAX, "text",
            "expected the agreed text as a JSON object {\"issue\": "
            "\"option\"}, found %s",
            t ? "another JSON value" : err.text);
    }
    parley_status_t st = PARLEY_OK;
    for (size_t i = 0; i < sc->n_issues && st == PARLEY_OK; i++) {
        const parley_issue_t *is = &sc->issues[i];
        json_t *v = json_object_get(t, is->id);
        if (!json_is_string(v)) {
            st = parley__monitor_fail(diags, PARLEY_EINVALID, "text",
                                      "issue '%s' %s: expected the agreed "
                                      "option as a string",
                                      is->id, v ? "is not a string" : "is missing");
            break;
        }
        const char *want = json_string_value(v);
        size_t j;
        char label[128];
        for (j = 0; j < is->n_options; j++) {
            parley_issue_option_label(is, j, label, sizeof label);
            if (strcmp(label, want) == 0)
                break;
        }
        if (j == is->n_options) {
            st = parley__monitor_fail(diags, PARLEY_EINVALID, "text",
                                      "issue '%s' has no option '%s'", is->id,
                                      want);
            break;
        }
        pkg[i] = (uint32_t)j;
    }
    if (st == PARLEY_OK && json_object_size(t) != sc->n_issues) {
        const char *key;
        json_t *v;
        json_object_foreach(t, key, v)
        {
            int known = 0;
            for (size_t i = 0; i < sc->n_issues && !known; i++)
                known = strcmp(sc->issues[i].id, key) == 0;
            if (!known) {
                st = parley__monitor_fail(diags, PARLEY_EINVALID, "text",
                                          "'%s' is not an issue of scenario "
                                          "'%s'",
                                          key, sc->name ? sc->name : "");
                break;
            }
        }
    }
    if (st != PARLEY_OK) {
        json_decref(t);
        return st;
    }
    *text_out = t;
    return PARLEY_OK;
}

static int agreement_exists(parley_store_t *s, const char *id)
{
    sqlite3_stmt *q = NULL;
    int found = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM agreements WHERE id = ?", -1,
                           &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(q);
    return found;
}

static parley_status_t init_tx(parley_store_t *s, const parley_key_t *key,
                               const parley_scenario_t *sc,
                               const parley_monitor_init_t *in, json_t *text,
                               const uint32_t *pkg, uint64_t *seq_out,
                               parley_diags_t *diags)
{
    int exists = agreement_exists(s, in->agreement);
    if (exists < 0)
        return parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                       "cannot read the agreements");
    if (exists)
        return parley__monitor_fail(diags, PARLEY_EDUPLICATE, "agreement",
                                    "agreement '%s' is already monitored",
                                    in->agreement);
    json_t *parts = json_array();
    for (size_t i = 0; parts && i < sc->n_parties; i++)
        if (json_array_append_new(
                parts, json_pack("{s:s, s:s}", "id", sc->parties[i].id,
                                 "role", role_name(sc->parties[i].role))) !=
            0) {
            json_decref(parts);
            parts = NULL;
        }
    /* The clusters, so that the record groups commitments as the
     * negotiation did. */
    json_t *clusters = json_object();
    for (size_t i = 0; clusters && i < sc->n_clusters; i++) {
        json_t *issues = json_array();
        for (size_t k = 0; issues && k < sc->clusters[i].n_issues; k++)
            if (json_array_append_new(
                    issues,
                    json_string(sc->issues[sc->clusters[i].issues[k]].id)) !=
                0) {
                json_decref(issues);
                issues = NULL;
            }
        if (!issues ||
            json_object_set_new(clusters, sc->clusters[i].id, issues) != 0) {
            json_decref(clusters);
            clusters = NULL;
        }
    }
    char *text_c = parley__json_text(text);
    json_t *payload = parts && clusters && text_c
                          ? json_pack("{s:s, s:s, s:O, s:s, s:I, s:O, s:O}",
                                      "agreement", in->agreement, "scenario",
                                      sc->name ? sc->name : "", "text", text,
                                      "agreed_on", in->date,
                                      "periods_required",
                                      (json_int_t)in->periods_required,
                                      "participants", parts, "clusters",
                                      clusters)
                          : NULL;
    json_decref(parts);
    json_decref(clusters);
    uint64_t seq = 0;
    parley_status_t st =
        payload ? parley__monitor_append(s, key, "agreement.init", payload,
                                         &seq, diags)
                : PARLEY_ENOMEM;
    sqlite3_stmt *q = NULL;
    if (st == PARLEY_OK &&
        (st = prepare(s,
                      "INSERT INTO agreements(id, scenario, text, agreed_on, "
                      "periods_required, entry) VALUES (?,?,?,?,?,?)",
                      &q, diags)) == PARLEY_OK) {
        bind_text(q, 1, in->agreement);
        bind_text(q, 2, sc->name ? sc->name : "");
        bind_text(q, 3, text_c);
        bind_text(q, 4, in->date);
        sqlite3_bind_int64(q, 5, in->periods_required);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)seq);
        st = run(s, q, diags, "cannot record the agreement");
    }
    parley_free(text_c);
    for (size_t i = 0; st == PARLEY_OK && i < sc->n_issues; i++) {
        if ((st = prepare(s,
                          "INSERT INTO agreement_issues(agreement, issue, "
                          "cluster) VALUES (?,?,?)",
                          &q, diags)) != PARLEY_OK)
            break;
        long cl = sc->issues[i].cluster;
        bind_text(q, 1, in->agreement);
        bind_text(q, 2, sc->issues[i].id);
        bind_text(q, 3,
                  cl >= 0 && (size_t)cl < sc->n_clusters ? sc->clusters[cl].id
                                                         : NULL);
        st = run(s, q, diags, "cannot record an issue");
    }
    for (size_t i = 0; st == PARLEY_OK && i < sc->n_parties; i++) {
        if ((st = prepare(s,
                          "INSERT INTO participants(agreement, id, role) "
                          "VALUES (?,?,?)",
                          &q, diags)) != PARLEY_OK)
            break;
        bind_text(q, 1, in->agreement);
        bind_text(q, 2, sc->parties[i].id);
        bind_text(q, 3, role_name(sc->parties[i].role));
        st = run(s, q, diags, "cannot record a participant");
    }
    for (size_t g = 0; st == PARLEY_OK && g < sc->n_guarantees; g++) {
        const parley_guarantee_t *gu = &sc->guarantees[g];
        if (!parley_guarantee_applies(gu, sc, pkg))
            continue;
        const char *guarantor = sc->parties[gu->guarantor].id;
        const char *beneficiary = sc->parties[gu->beneficiary].id;
        uint64_t gseq = 0;
        json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:[I]}",
                              "agreement", in->agreement, "guarantee", gu->id,
                              "guarantor", guarantor, "beneficiary",
                              beneficiary, "criteria", gu->criteria, "from",
                              "offered", "to", "provisional", "evidence",
                              (json_int_t)seq);
        st = parley__monitor_append(s, key, "guarantee.provisional", p, &gseq,
                                    diags);
        if (st != PARLEY_OK)
            break;
        if ((st = prepare(s,
                          "INSERT INTO guarantees(agreement, id, guarantor, "
                          "beneficiary, criteria, state, entry) VALUES "
                          "(?,?,?,?,?,'provisional',?)",
                          &q, diags)) != PARLEY_OK)
            break;
        bind_text(q, 1, in->agreement);
        bind_text(q, 2, gu->id);
        bind_text(q, 3, guarantor);
        bind_text(q, 4, beneficiary);
        bind_text(q, 5, gu->criteria);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)gseq);
        if ((st = run(s, q, diags, "cannot record a guarantee")) != PARLEY_OK)
            break;
        char ev[32];
        snprintf(ev, sizeof ev, "[%llu]", (unsigned long long)seq);
        if ((st = prepare(s,
                          "INSERT INTO guarantee_transitions(entry, "
                          "agreement, guarantee, from_state, to_state, "
                          "evidence) VALUES (?,?,?,'offered','provisional',?)",
                          &q, diags)) != PARLEY_OK)
            break;
        sqlite3_bind_int64(q, 1, (sqlite3_int64)gseq);
        bind_text(q, 2, in->agreement);
        bind_text(q, 3, gu->id);
        bind_text(q, 4, ev);
        st = run(s, q, diags, "cannot record a guarantee transition");
    }
    if (st == PARLEY_OK && seq_out)
        *seq_out = seq;
    return st;
}

/* Checks the request and reads its text; the transaction is the caller's
 * (tx 1: already open) or its own. */
static parley_status_t monitor_init(parley_store_t *store,
                                    const parley_key_t *author,
                                    const parley_scenario_t *sc,
                                    const parley_monitor_init_t *in,
                                    uint64_t *seq, parley_diags_t *diags,
                                    int tx);

parley_status_t parley_monitor_init(parley_store_t *store,
                                    const parley_key_t *author,
                                    const parley_scenario_t *sc,
                                    const parley_monitor_init_t *in,
                                    uint64_t *seq, parley_diags_t *diags)
{
    return monitor_init(store, author, sc, in, seq, diags, 0);
}

parley_status_t parley__monitor_init_tx(parley_store_t *store,
                                        const parley_key_t *author,
                                        const parley_scenario_t *sc,
                                        const parley_monitor_init_t *in,
                                        uint64_t *seq, parley_diags_t *diags)
{
    return monitor_init(store, author, sc, in, seq, diags, 1);
}

static parley_status_t monitor_init(parley_store_t *store,
                                    const parley_key_t *author,
                                    const parley_scenario_t *sc,
                                    const parley_monitor_init_t *in,
                                    uint64_t *seq, parley_diags_t *diags,
                                    int tx)
{
    parley__json_use_parley_alloc();
    if (!store || !author || !sc || !in)
        return parley__monitor_fail(diags, PARLEY_EARG, "",
                                    "store, author, scenario and agreement "
                                    "are required");
    parley_status_t st = check_name(diags, "agreement", in->agreement);
    if (st == PARLEY_OK)
        st = check_date(diags, "date", in->date);
    if (st == PARLEY_OK && in->periods_required < 1)
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "periods_required",
                                  "expected at least 1 period, found 0");
    if (st == PARLEY_OK && !in->text)
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "text",
                                  "the agreed text is missing");
    if (st != PARLEY_OK)
        return st;
    uint32_t *pkg = parley_calloc(sc->n_issues ? sc->n_issues : 1, sizeof *pkg);
    if (!pkg)
        return PARLEY_ENOMEM;
    json_t *text = NULL;
    st = parley__monitor_read_text(sc, in->text, pkg, &text, diags);
    if (st == PARLEY_OK && tx)
        st = init_tx(store, author, sc, in, text, pkg, seq, diags);
    else if (st == PARLEY_OK && (st = begin(store, diags)) == PARLEY_OK)
        st = end(store, init_tx(store, author, sc, in, text, pkg, seq, diags),
                 diags);
    json_decref(text);
    parley_free(pkg);
    return st;
}

/* ---- commitments ------------------------------------------------------ */

static int cmp_valid(const char *c)
{
    static const char *const ok[] = {"<", "<=", ">", ">=", "="};
    for (size_t i = 0; c && i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(c, ok[i]) == 0)
            return 1;
    return 0;
}

static parley_status_t check_commitment(const parley_commitment_spec_t *c,
                                        parley_diags_t *diags)
{
    parley_status_t st = check_name(diags, "agreement", c->agreement);
    if (st == PARLEY_OK)
        st = check_name(diags, "id", c->id);
    if (st == PARLEY_OK && (!c->issue || !c->issue[0]))
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "issue",
                                  "expected the issue the commitment "
                                  "implements");
    if (st == PARLEY_OK && (!c->owner || !c->owner[0]))
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "owner",
                                  "expected the party who owns the "
                                  "commitment");
    if (st == PARLEY_OK && (!c->what || !c->what[0]))
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "what",
                                  "expected what must be done, found nothing");
    if (st == PARLEY_OK && c->bench == PARLEY_BENCH_NUMERIC) {
        if (!cmp_valid(c->cmp))
            st = parley__monitor_fail(diags, PARLEY_EINVALID, "benchmark",
                                      "expected a comparator <, <=, >, >= or "
                                      "=, found '%s'",
                                      c->cmp ? c->cmp : "(none)");
        else if (!isfinite(c->target))
            st = parley__monitor_fail(diags, PARLEY_EINVALID, "benchmark",
                                      "expected a finite target number");
        else if (!c->unit || !c->unit[0])
            st = parley__monitor_fail(diags, PARLEY_EINVALID, "benchmark",
                                      "expected the unit of the target");
    } else if (st == PARLEY_OK && c->bench != PARLEY_BENCH_DELIVERABLE) {
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "benchmark",
                                  "expected a numeric benchmark or a "
                                  "deliverable");
    } else if (st == PARLEY_OK && (c->cmp || c->unit)) {
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "benchmark",
                                  "a deliverable (done or not) takes no "
                                  "comparator or unit");
    }
    if (st == PARLEY_OK && c->start)
        st = check_date(diags, "start", c->start);
    if (st == PARLEY_OK)
        st = check_date(diags, "due", c->due);
    if (st == PARLEY_OK && (c->period_months < 1 || c->period_months > 120))
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "period",
                                  "expected a reporting period of 1..120 "
                                  "months, found %u",
                                  c->period_months);
    if (st == PARLEY_OK)
        st = check_name(diags, "verifier", c->verifier);
    if (st == PARLEY_OK && strcmp(c->verifier, c->owner) == 0)
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "verifier",
                                  "'%s' owns the commitment and cannot verify "
                                  "it too",
                                  c->owner);
    if (st == PARLEY_OK && c->guarantee)
        st = check_name(diags, "guarantee", c->guarantee);
    return st;
}

/* One text column of the first row of a query with one bound text. */
static int query_text(parley_store_t *s, const char *sql, const char *a,
                      const char *b, char *out, size_t size)
{
    sqlite3_stmt *q = NULL;
    int found = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, a, -1, SQLITE_STATIC);
        if (b)
            sqlite3_bind_text(q, 2, b, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(q, 0);
            snprintf(out, size, "%s", t ? (const char *)t : "");
            found = 1;
        } else if (rc == SQLITE_DONE) {
            found = 0;
        }
    }
    sqlite3_finalize(q);
    return found;
}

static parley_status_t commit_tx(parley_store_t *s, const parley_key_t *key,
                                 const parley_commitment_spec_t *c,
                                 uint64_t *seq_out, parley_diags_t *diags)
{
    char agreed_on[PARLEY_DATE_SIZE], buf[64];
    int f = query_text(s, "SELECT agreed_on FROM agreements WHERE id = ?",
                       c->agreement, NULL, agreed_on, sizeof agreed_on);
    if (f < 0)
        return parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                       "cannot read the agreements");
    if (!f)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "agreement",
                                    "unknown agreement '%s'", c->agreement);
    f = query_text(s,
                   "SELECT 1 FROM agreements, json_each(agreements.text) "
                   "WHERE agreements.id = ? AND json_each.key = ?",
                   c->agreement, c->issue, buf, sizeof buf);
    if (f == 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "issue",
                                    "agreement '%s' has no issue '%s'",
                                    c->agreement, c->issue);
    f = query_text(s,
                   "SELECT role FROM participants WHERE agreement = ? AND id "
                   "= ?",
                   c->agreement, c->owner, buf, sizeof buf);
    if (f == 0 || (f > 0 && strcmp(buf, "party") != 0 &&
                   strcmp(buf, "guarantor") != 0))
        return parley__monitor_fail(diags, PARLEY_EINVALID, "owner",
                                    f == 0 ? "'%s' is not a participant of the "
                                             "agreement"
                                           : "'%s' is a monitor or observer: "
                                             "only parties and guarantors own "
                                             "commitments",
                                    c->owner);
    const char *start = c->start ? c->start : agreed_on;
    if (strcmp(start, agreed_on) < 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "start",
                                    "start %s is before the agreement (%s)",
                                    start, agreed_on);
    if (strcmp(c->due, start) <= 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "due",
                                    "due date %s is not after the start %s: "
                                    "dates out of order",
                                    c->due, start);
    if (c->guarantee) {
        f = query_text(s,
                       "SELECT state FROM guarantees WHERE agreement = ? AND "
                       "id = ?",
                       c->agreement, c->guarantee, buf, sizeof buf);
        if (f == 0)
            return parley__monitor_fail(diags, PARLEY_EINVALID, "guarantee",
                                        "agreement '%s' has no guarantee '%s'",
                                        c->agreement, c->guarantee);
        if (f > 0 && strcmp(buf, "provisional") != 0)
            return parley__monitor_fail(diags, PARLEY_EINVALID, "guarantee",
                                        "guarantee '%s' is %s: only a "
                                        "provisional guarantee takes new "
                                        "criteria",
                                        c->guarantee, buf);
    }
    f = query_text(s,
                   "SELECT 1 FROM commitments WHERE agreement = ? AND id = ?",
                   c->agreement, c->id, buf, sizeof buf);
    if (f > 0)
        return parley__monitor_fail(diags, PARLEY_EDUPLICATE, "id",
                                    "agreement '%s' already has a commitment "
                                    "'%s'",
                                    c->agreement, c->id);
    int numeric = c->bench == PARLEY_BENCH_NUMERIC;
    json_t *bench =
        numeric ? json_pack("{s:s, s:s, s:f, s:s}", "kind", "numeric", "cmp",
                            c->cmp, "target", c->target, "unit", c->unit)
                : json_pack("{s:s}", "kind", "deliverable");
    json_t *p = bench ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, "
                                  "s:I, s:s, s:s?}",
                                  "agreement", c->agreement, "commitment",
                                  c->id, "issue", c->issue, "owner", c->owner,
                                  "what", c->what, "benchmark", bench, "start",
                                  start, "due", c->due, "period_months",
                                  (json_int_t)c->period_months, "verifier",
                                  c->verifier, "guarantee", c->guarantee)
                      : NULL;
    json_decref(bench);
    /* Only a core commitment says so: other payloads stay as they were. */
    if (p && c->core && json_object_set_new(p, "core", json_true()) != 0) {
        json_decref(p);
        p = NULL;
    }
    uint64_t seq = 0;
    parley_status_t st =
        parley__monitor_append(s, key, "commitment.add", p, &seq, diags);
    sqlite3_stmt *q = NULL;
    if (st == PARLEY_OK &&
        (st = prepare(s,
                      "INSERT INTO commitments(agreement, id, issue, owner, "
                      "what, bench, cmp, target, unit, start, due, "
                      "period_months, verifier, guarantee, entry, core) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      &q, diags)) == PARLEY_OK) {
        bind_text(q, 1, c->agreement);
        bind_text(q, 2, c->id);
        bind_text(q, 3, c->issue);
        bind_text(q, 4, c->owner);
        bind_text(q, 5, c->what);
        bind_text(q, 6, numeric ? "numeric" : "deliverable");
        bind_text(q, 7, numeric ? c->cmp : NULL);
        if (numeric)
            sqlite3_bind_double(q, 8, c->target);
        else
            sqlite3_bind_null(q, 8);
        bind_text(q, 9, numeric ? c->unit : NULL);
        bind_text(q, 10, start);
        bind_text(q, 11, c->due);
        sqlite3_bind_int64(q, 12, c->period_months);
        bind_text(q, 13, c->verifier);
        bind_text(q, 14, c->guarantee);
        sqlite3_bind_int64(q, 15, (sqlite3_int64)seq);
        sqlite3_bind_int(q, 16, c->core != 0);
        st = run(s, q, diags, "cannot record the commitment");
    }
    if (st == PARLEY_OK && seq_out)
        *seq_out = seq;
    return st;
}

/* The commitment checked and written; tx: inside the caller's transaction
 * (parley__monitor_commit_tx), else in its own. */
static parley_status_t monitor_commit(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_commitment_spec_t *c,
                                      uint64_t *seq, parley_diags_t *diags,
                                      int tx)
{
    parley__json_use_parley_alloc();
    if (!store || !author || !c)
        return parley__monitor_fail(diags, PARLEY_EARG, "",
                                    "store, author and commitment are "
                                    "required");
    parley_status_t st = check_commitment(c, diags);
    if (st == PARLEY_OK && tx)
        st = commit_tx(store, author, c, seq, diags);
    else if (st == PARLEY_OK && (st = begin(store, diags)) == PARLEY_OK)
        st = end(store, commit_tx(store, author, c, seq, diags), diags);
    return st;
}

parley_status_t parley_monitor_commit(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_commitment_spec_t *c,
                                      uint64_t *seq, parley_diags_t *diags)
{
    return monitor_commit(store, author, c, seq, diags, 0);
}

parley_status_t parley__monitor_commit_tx(parley_store_t *store,
                                          const parley_key_t *author,
                                          const parley_commitment_spec_t *c,
                                          uint64_t *seq, parley_diags_t *diags)
{
    return monitor_commit(store, author, c, seq, diags, 1);
}

/* ---- reports ---------------------------------------------------------- */

typedef struct commitment_row {
    char owner[128], verifier[128], start[PARLEY_DATE_SIZE],
        due[PARLEY_DATE_SIZE], guarantee[128], bench[16];
    int has_guarantee;
    unsigned months;
} commitment_row_t;

static int load_commitment(parley_store_t *s, const char *agreement,
                           const char *id, commitment_row_t *c)
{
    sqlite3_stmt *q = NULL;
    int found = -1;
    memset(c, 0, sizeof *c);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT owner, verifier, start, due, guarantee, "
                           "period_months, bench FROM commitments WHERE "
                           "agreement = ? AND id = ?",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            char *fields[] = {c->owner, c->verifier, c->start, c->due,
                              c->guarantee};
            size_t sizes[] = {sizeof c->owner, sizeof c->verifier,
                              sizeof c->start, sizeof c->due,
                              sizeof c->guarantee};
            for (int i = 0; i < 5; i++) {
                const unsigned char *t = sqlite3_column_text(q, i);
                snprintf(fields[i], sizes[i], "%s", t ? (const char *)t : "");
            }
            c->has_guarantee = sqlite3_column_type(q, 4) != SQLITE_NULL;
            c->months = (unsigned)sqlite3_column_int(q, 5);
            const unsigned char *b = sqlite3_column_text(q, 6);
            snprintf(c->bench, sizeof c->bench, "%s",
                     b ? (const char *)b : "");
            found = 1;
        } else if (rc == SQLITE_DONE) {
            found = 0;
        }
    }
    sqlite3_finalize(q);
    return found;
}

/* The report of a source for a period: entry and status; 0 when none. */
static int find_report(parley_store_t *s, const char *agreement,
                       const char *commitment, const char *source,
                       const char *period, uint64_t *entry, int *status)
{
    sqlite3_stmt *q = NULL;
    int found = -1;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT entry, status FROM reports WHERE agreement "
                           "= ? AND commitment = ? AND source = ? AND period = "
                           "? ORDER BY entry LIMIT 1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, commitment, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, period, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            *entry = (uint64_t)sqlite3_column_int64(q, 0);
            *status = sqlite3_column_int(q, 1);
            found = 1;
        } else if (rc == SQLITE_DONE) {
            found = 0;
        }
    }
    sqlite3_finalize(q);
    return found;
}

/* After a self-report or a verification: a disagreement is recorded. */
static parley_status_t check_dispute(parley_store_t *s, const parley_key_t *key,
                                     const parley_report_spec_t *r,
                                     parley_diags_t *diags)
{
    uint64_t self_e = 0, ver_e = 0;
    int self_s = 0, ver_s = 0;
    int a = find_report(s, r->agreement, r->commitment, "self", r->period,
                        &self_e, &self_s);
    int b = find_report(s, r->agreement, r->commitment, "verification",
                        r->period, &ver_e, &ver_s);
    if (a < 0 || b < 0)
        return parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                       "cannot read the reports");
    if (!a || !b || self_s == ver_s)
        return PARLEY_OK;
    json_t *p = json_pack(
        "{s:s, s:s, s:s, s:{s:I, s:s}, s:{s:I, s:s}}", "agreement",
        r->agreement, "commitment", r->commitment, "period", r->period, "self",
        "entry", (json_int_t)self_e, "status",
        parley_pam_name((parley_pam_t)self_s), "verification", "entry",
        (json_int_t)ver_e, "status", parley_pam_name((parley_pam_t)ver_s));
    uint64_t seq = 0;
    parley_status_t st =
        parley__monitor_append(s, key, "commitment.disputed", p, &seq, diags);
    sqlite3_stmt *q = NULL;
    if (st == PARLEY_OK &&
        (st = prepare(s,
                      "INSERT INTO disputes(entry, agreement, commitment, "
                      "period, self_report, verification) VALUES "
                      "(?,?,?,?,?,?)",
                      &q, diags)) == PARLEY_OK) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)seq);
        bind_text(q, 2, r->agreement);
        bind_text(q, 3, r->commitment);
        bind_text(q, 4, r->period);
        sqlite3_bind_int64(q, 5, (sqlite3_int64)self_e);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)ver_e);
        st = run(s, q, diags, "cannot record the dispute");
    }
    return st;
}

static parley_status_t report_tx(parley_store_t *s, const parley_key_t *key,
                                 const parley_report_spec_t *r,
                                 uint64_t *seq_out, parley_diags_t *diags)
{
    commitment_row_t c;
    if (agreement_exists(s, r->agreement) == 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "agreement",
                                    "unknown agreement '%s'", r->agreement);
    int f = load_commitment(s, r->agreement, r->commitment, &c);
    if (f < 0)
        return parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                       "cannot read the commitments");
    if (!f)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "commitment",
                                    "unknown commitment '%s' in agreement "
                                    "'%s'",
                                    r->commitment, r->agreement);
    const char *author = parley_key_actor(key);
    const char *source = parley_report_source_name(r->source);
    if (r->source == PARLEY_REPORT_SELF && strcmp(author, c.owner) != 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "source",
                                    "a self-report on '%s' comes from its "
                                    "owner '%s', not from '%s'",
                                    r->commitment, c.owner, author);
    if (r->source == PARLEY_REPORT_VERIFICATION &&
        strcmp(author, c.verifier) != 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "source",
                                    "'%s' is verified by '%s', not by '%s'",
                                    r->commitment, c.verifier, author);
    if (r->source == PARLEY_REPORT_MONITOR && strcmp(author, c.owner) == 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "source",
                                    "'%s' owns '%s': its reports are "
                                    "self-reports, not a monitor's",
                                    author, r->commitment);
    if (r->has_value && strcmp(c.bench, "numeric") != 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "value",
                                    "'%s' is a deliverable (done or not): it "
                                    "takes no measured value",
                                    r->commitment);
    if (parley__period_index(c.start, c.due, c.months, r->period) == 0) {
        char first[PARLEY_DATE_SIZE], last[PARLEY_DATE_SIZE];
        long n = parley__period_count(c.start, c.due, c.months);
        parley__period_end(c.start, c.months, 1, first);
        parley__period_end(c.start, c.months, n, last);
        return parley__monitor_fail(
            diags, PARLEY_EINVALID, "period",
            "%s is not the end of a reporting period of '%s': its %ld "
            "period%s of %u month%s end on %s%s%s",
            r->period, r->commitment, n, n == 1 ? "" : "s", c.months,
            c.months == 1 ? "" : "s", first, n > 1 ? " ... " : "",
            n > 1 ? last : "");
    }
    char latest[PARLEY_DATE_SIZE] = "";
    sqlite3_stmt *q = NULL;
    parley_status_t st = prepare(
        s,
        "SELECT max(period) FROM reports WHERE agreement = ? AND commitment "
        "= ? AND source = ? AND author = ?",
        &q, diags);
    if (st != PARLEY_OK)
        return st;
    bind_text(q, 1, r->agreement);
    bind_text(q, 2, r->commitment);
    bind_text(q, 3, source);
    bind_text(q, 4, author);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(latest, sizeof latest, "%s",
                 (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    int order = latest[0] ? strcmp(r->period, latest) : 1;
    if (order == 0)
        return parley__monitor_fail(diags, PARLEY_EDUPLICATE, "period",
                                    "'%s' already filed a %s report on '%s' "
                                    "for %s",
                                    author, source, r->commitment, r->period);
    if (order < 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "period",
                                    "dates out of order: '%s' already "
                                    "reported on '%s' for %s, after %s",
                                    author, r->commitment, latest, r->period);
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "agreement",
                          r->agreement, "commitment", r->commitment, "source",
                          source, "period", r->period, "status",
                          parley_pam_name(r->status), "note", r->note);
    if (p && r->has_value &&
        json_object_set_new(p, "value", json_real(r->value)) != 0) {
        json_decref(p);
        p = NULL;
    }
    char kind[32];
    snprintf(kind, sizeof kind, "report.%s", source);
    uint64_t seq = 0;
    st = parley__monitor_append(s, key, kind, p, &seq, diags);
    if (st == PARLEY_OK &&
        (st = prepare(s,
                      "INSERT INTO reports(entry, agreement, commitment, "
                      "source, author, period, status, value, note) VALUES "
                      "(?,?,?,?,?,?,?,?,?)",
                      &q, diags)) == PARLEY_OK) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)seq);
        bind_text(q, 2, r->agreement);
        bind_text(q, 3, r->commitment);
        bind_text(q, 4, source);
        bind_text(q, 5, author);
        bind_text(q, 6, r->period);
        sqlite3_bind_int(q, 7, (int)r->status);
        if (r->has_value)
            sqlite3_bind_double(q, 8, r->value);
        else
            sqlite3_bind_null(q, 8);
        bind_text(q, 9, r->note);
        st = run(s, q, diags, "cannot record the report");
    }
    if (st == PARLEY_OK && r->source != PARLEY_REPORT_MONITOR)
        st = check_dispute(s, key, r, diags);
    if (st == PARLEY_OK && r->source == PARLEY_REPORT_VERIFICATION &&
        c.has_guarantee)
        st = parley__guarantee_update(s, key, r->agreement, c.guarantee, seq,
                                      r->status, diags);
    /* A monitor's or verifier's report may meet a consequence's trigger;
     * an owner's own report never applies one against itself. */
    if (st == PARLEY_OK && r->source != PARLEY_REPORT_SELF)
        st = parley__consequences_enforce(s, key, r->agreement, r->period,
                                          NULL, diags);
    if (st == PARLEY_OK && seq_out)
        *seq_out = seq;
    return st;
}

static parley_status_t monitor_report(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_report_spec_t *r,
                                      uint64_t *seq, parley_diags_t *diags,
                                      int tx);

parley_status_t parley_monitor_report(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_report_spec_t *r,
                                      uint64_t *seq, parley_diags_t *diags)
{
    return monitor_report(store, author, r, seq, diags, 0);
}

parley_status_t parley__monitor_report_tx(parley_store_t *store,
                                          const parley_key_t *author,
                                          const parley_report_spec_t *r,
                                          uint64_t *seq, parley_diags_t *diags)
{
    return monitor_report(store, author, r, seq, diags, 1);
}

/* The report checked and written; tx: inside the caller's transaction. */
static parley_status_t monitor_report(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_report_spec_t *r,
                                      uint64_t *seq, parley_diags_t *diags,
                                      int tx)
{
    parley__json_use_parley_alloc();
    if (!store || !author || !r)
        return parley__monitor_fail(diags, PARLEY_EARG, "",
                                    "store, author and report are required");
    parley_status_t st = check_name(diags, "agreement", r->agreement);
    if (st == PARLEY_OK)
        st = check_name(diags, "commitment", r->commitment);
    if (st == PARLEY_OK && (unsigned)r->source > PARLEY_REPORT_VERIFICATION)
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "source",
                                  "expected self, monitor or verification");
    if (st == PARLEY_OK && (unsigned)r->status > PARLEY_PAM_BREACHED)
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "status",
                                  "score %d is outside the scale: expected 0 "
                                  "(not begun) .. 3 (full), disputed or "
                                  "breached",
                                  (int)r->status);
    if (st == PARLEY_OK)
        st = check_date(diags, "period", r->period);
    if (st == PARLEY_OK && r->has_value && !isfinite(r->value))
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "value",
                                  "expected a finite measured value");
    if (st == PARLEY_OK && tx)
        st = report_tx(store, author, r, seq, diags);
    else if (st == PARLEY_OK && (st = begin(store, diags)) == PARLEY_OK)
        st = end(store, report_tx(store, author, r, seq, diags), diags);
    return st;
}
