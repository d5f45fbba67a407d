/*
 * monitor_actions.c - the monitoring writes of a live session: its
 * agreement's commitments, reports, consequences and their enforcement,
 * translated from JSON into the specs of monitor.h, with the role checks
 * of live.h on top of monitor.h's own (a self-report's author is the
 * commitment's owner, a verification's its verifier, a monitor's report
 * anyone but the owner).
 *
 * One SQLite transaction holds the monitoring write (monitor.h's _tx
 * variants of monitor_internal.h), its ledger entry and the input with its
 * request_id: a refused or failed write leaves nothing behind, and a write
 * that stands can never be retried under the same request_id.
 */
#include <math.h>
#include <string.h>

#include "live/live_internal.h"
#include "monitor/monitor_internal.h"
#include "parley/alloc.h"
#include "parley/monitor.h"

typedef parley__live_req_t req_t;
#define bad parley__live_bad

static const char *str_of(const json_t *b, const char *k)
{
    return json_string_value(json_object_get(b, k));
}

/* Every member named in `fields` of the right JSON type, no other. */
typedef struct field {
    const char *name;
    int type; /* 's' string, 'n' number, 'i' integer, 'b' boolean */
    int required;
} field_t;

static parley_status_t check_fields(const req_t *r, const json_t *b,
                                    const field_t *f)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)b, key, v)
    {
        if (strcmp(key, "request_id") == 0)
            continue;
        const field_t *x = NULL;
        for (size_t i = 0; f[i].name && !x; i++)
            if (strcmp(f[i].name, key) == 0)
                x = &f[i];
        char path[128];
        snprintf(path, sizeof path, "$.%.100s", key);
        if (!x)
            return bad(r, PARLEY_EUNKNOWN, path, "unknown field '%.100s'",
                       key);
        int ok = (x->type == 's' && json_is_string(v)) ||
                 (x->type == 'n' && json_is_number(v) &&
                  isfinite(json_number_value(v))) ||
                 (x->type == 'i' && json_is_integer(v) &&
                  json_integer_value(v) >= 0 &&
                  json_integer_value(v) <= 100000) ||
                 (x->type == 'b' && json_is_boolean(v));
        if (!ok)
            return bad(r, PARLEY_ETYPE, path, "expected %s",
                       x->type == 's'   ? "a string"
                       : x->type == 'n' ? "a finite number"
                       : x->type == 'i' ? "an integer in 0..100000"
                                        : "true or false");
    }
    for (size_t i = 0; f[i].name; i++)
        if (f[i].required && !json_object_get(b, f[i].name)) {
            char path[128];
            snprintf(path, sizeof path, "$.%s", f[i].name);
            return bad(r, PARLEY_EMISSING, path,
                       "missing required field '%s'", f[i].name);
        }
    return PARLEY_OK;
}

/* The guarantor's id of guarantee `id`, or NULL. */
static const char *guarantor_of(const parley_scenario_t *sc, const char *id)
{
    for (size_t t = 0; id && t < sc->n_guarantees; t++)
        if (strcmp(sc->guarantees[t].id, id) == 0)
            return sc->parties[sc->guarantees[t].guarantor].id;
    return NULL;
}

static parley_status_t do_commitment(parley_store_t *store,
                                     const parley_key_t *key,
                                     const parley__live_session_t *S,
                                     const req_t *r, const json_t *b,
                                     uint64_t *entry)
{
    static const field_t f[] = {
        {"id", 's', 1},        {"issue", 's', 1},     {"owner", 's', 1},
        {"what", 's', 1},      {"bench", 's', 1},     {"cmp", 's', 0},
        {"target", 'n', 0},    {"unit", 's', 0},      {"start", 's', 0},
        {"due", 's', 1},       {"period_months", 'i', 1},
        {"verifier", 's', 1},  {"guarantee", 's', 0}, {"core", 'b', 0},
        {NULL, 0, 0}};
    parley_status_t st = check_fields(r, b, f);
    if (st != PARLEY_OK)
        return st;
    parley_commitment_spec_t c;
    memset(&c, 0, sizeof c);
    c.agreement = S->id;
    c.id = str_of(b, "id");
    c.issue = str_of(b, "issue");
    c.owner = str_of(b, "owner");
    c.what = str_of(b, "what");
    const char *bench = str_of(b, "bench");
    if (strcmp(bench, "numeric") == 0)
        c.bench = PARLEY_BENCH_NUMERIC;
    else if (strcmp(bench, "deliverable") == 0)
        c.bench = PARLEY_BENCH_DELIVERABLE;
    else
        return bad(r, PARLEY_EINVALID, "$.bench",
                   "expected numeric or deliverable, found '%.40s'", bench);
    c.cmp = str_of(b, "cmp");
    c.target = json_number_value(json_object_get(b, "target"));
    c.unit = str_of(b, "unit");
    c.start = str_of(b, "start");
    c.due = str_of(b, "due");
    c.period_months =
        (unsigned)json_integer_value(json_object_get(b, "period_months"));
    c.verifier = str_of(b, "verifier");
    c.guarantee = str_of(b, "guarantee");
    c.core = json_is_true(json_object_get(b, "core"));
    return parley__monitor_commit_tx(store, key, &c, entry, r->diags);
}

static parley_status_t do_report(parley_store_t *store,
                                 const parley_key_t *key,
                                 const parley_principal_t *by,
                                 const parley__live_session_t *S,
                                 const req_t *r, const json_t *b,
                                 uint64_t *entry)
{
    static const field_t f[] = {{"commitment", 's', 1}, {"source", 's', 1},
                                {"period", 's', 1},     {"status", 's', 1},
                                {"value", 'n', 0},      {"note", 's', 0},
                                {NULL, 0, 0}};
    parley_status_t st = check_fields(r, b, f);
    if (st != PARLEY_OK)
        return st;
    parley_report_spec_t s;
    memset(&s, 0, sizeof s);
    s.agreement = S->id;
    s.commitment = str_of(b, "commitment");
    s.period = str_of(b, "period");
    s.note = str_of(b, "note");
    const char *src = str_of(b, "source");
    if (strcmp(src, "self") == 0) {
        s.source = PARLEY_REPORT_SELF;
        if (by->mediator || (by->role != PARLEY_ROLE_PARTY &&
                             by->role != PARLEY_ROLE_GUARANTOR))
            return bad(r, PARLEY_EDENIED, "$.source",
                       "a self-report comes from the commitment's owner");
    } else if (strcmp(src, "monitor") == 0) {
        s.source = PARLEY_REPORT_MONITOR;
        if (!by->mediator && by->role != PARLEY_ROLE_MONITOR)
            return bad(r, PARLEY_EDENIED, "$.source",
                       "a monitor's report comes from a monitor");
    } else if (strcmp(src, "verification") == 0) {
        s.source = PARLEY_REPORT_VERIFICATION;
        if (!by->mediator && by->role == PARLEY_ROLE_OBSERVER)
            return bad(r, PARLEY_EDENIED, "$.source",
                       "a verification comes from the commitment's verifier");
    } else {
        return bad(r, PARLEY_EINVALID, "$.source",
                   "expected self, monitor or verification, found '%.40s'",
                   src);
    }
    const char *status = str_of(b, "status");
    int pam = -1;
    for (int p = PARLEY_PAM_NOT_BEGUN; p <= PARLEY_PAM_BREACHED; p++)
        if (strcmp(status, parley_pam_name((parley_pam_t)p)) == 0)
            pam = p;
    if (pam < 0)
        return bad(r, PARLEY_EINVALID, "$.status",
                   "expected not_begun, minimal, intermediate, full, "
                   "disputed or breached, found '%.40s'",
                   status);
    s.status = (parley_pam_t)pam;
    json_t *v = json_object_get(b, "value");
    s.has_value = v != NULL;
    s.value = json_number_value(v);
    return parley__monitor_report_tx(store, key, &s, entry, r->diags);
}

static parley_status_t do_consequence(parley_store_t *store,
                                      const parley_key_t *key,
                                      const parley_principal_t *by,
                                      const parley__live_session_t *S,
                                      const req_t *r, const json_t *b,
                                      uint64_t *entry)
{
    static const field_t f[] = {
        {"id", 's', 1},      {"target_kind", 's', 1}, {"target", 's', 1},
        {"kind", 's', 1},    {"trigger", 's', 1},     {"threshold", 'i', 0},
        {"suspends", 's', 0}, {NULL, 0, 0}};
    parley_status_t st = check_fields(r, b, f);
    if (st != PARLEY_OK)
        return st;
    parley_consequence_spec_t c;
    memset(&c, 0, sizeof c);
    c.agreement = S->id;
    c.id = str_of(b, "id");
    c.target = str_of(b, "target");
    c.suspends = str_of(b, "suspends");
    const char *tk = str_of(b, "target_kind");
    if (strcmp(tk, "guarantee") == 0)
        c.on_guarantee = 1;
    else if (strcmp(tk, "commitment") != 0)
        return bad(r, PARLEY_EINVALID, "$.target_kind",
                   "expected commitment or guarantee, found '%.40s'", tk);
    int kind = parley_consequence_kind_from_name(str_of(b, "kind"));
    int trig = parley_consequence_trigger_from_name(str_of(b, "trigger"));
    if (kind < 0)
        return bad(r, PARLEY_EINVALID, "$.kind",
                   "expected notice, suspension or review");
    if (trig < 0)
        return bad(r, PARLEY_EINVALID, "$.trigger",
                   "expected breached, disputed or overdue");
    c.kind = (parley_consequence_kind_t)kind;
    c.trigger = (parley_consequence_trigger_t)trig;
    c.threshold =
        (unsigned)json_integer_value(json_object_get(b, "threshold"));
    if (!by->mediator) {
        /* A guarantor manages only its own guarantees. */
        const char *g = c.on_guarantee ? c.target : NULL;
        const char *own = guarantor_of(S->pub, g);
        const char *sus = c.suspends ? guarantor_of(S->pub, c.suspends) : own;
        if (!own || strcmp(own, by->actor) != 0 || !sus ||
            strcmp(sus, by->actor) != 0)
            return bad(r, PARLEY_EDENIED, "$.target",
                       "a guarantor writes consequences on its own "
                       "guarantees only");
    }
    return parley__monitor_consequence_tx(store, key, &c, entry, r->diags);
}

/* The ledger's last seq, read inside the open transaction: the entry an
 * "enforce" input points at (its last consequence, or the head before it
 * when none applied). */
static parley_status_t head_seq(parley_store_t *store, parley_diags_t *diags,
                                uint64_t *out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "SELECT coalesce(max(seq), 0) FROM ledger", -1,
                                &q, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? PARLEY_OK
                            : parley__monitor_db_fail(store, diags, rc,
                                                      "cannot read the ledger");
}

parley_status_t parley__live_monitor_write(parley_live_t *live,
                                           const parley_principal_t *by,
                                           parley__live_session_t *S,
                                           parley__live_action_t act,
                                           const req_t *r, char **reply)
{
    /* Who may: the mediator, and for some actions others (live.h). */
    int ok = by->mediator;
    if (act == PARLEY__LIVE_REPORT)
        ok = by->mediator || by->role != PARLEY_ROLE_OBSERVER;
    else if (act == PARLEY__LIVE_CONSEQUENCE || act == PARLEY__LIVE_ENFORCE)
        ok = by->mediator || by->role == PARLEY_ROLE_GUARANTOR;
    if (!ok)
        return bad(r, PARLEY_EDENIED, "", "'%s' (%s) may not write a %s",
                   by->actor, parley_role_name(by->role),
                   parley__live_action_name(act));
    json_t *b = NULL;
    parley_status_t st = parley__live_parse_body(r, &b);
    if (st != PARLEY_OK)
        return st;
    const char *rid = NULL;
    st = parley__live_request_id(r, b, &rid);
    if (st == PARLEY_OK)
        st = parley__live_replayed(r, S, by, rid);
    if (st == PARLEY_OK && !S->monitored)
        st = bad(r, PARLEY_ESTATE, "",
                 "session '%s' has no agreement under monitoring yet", S->id);
    const parley_key_t *key = NULL;
    if (st == PARLEY_OK)
        st = parley__live_key(live, S->id, by->actor, &key, r->diags);
    uint64_t entry = 0;
    size_t applied = 0;
    int began = 0, recorded = 0;
    if (st == PARLEY_OK) {
        int rc = parley__store_exec(live->store, "BEGIN IMMEDIATE");
        if (rc == SQLITE_OK)
            began = 1;
        else
            st = parley__monitor_db_fail(live->store, r->diags, rc,
                                         "cannot start the transaction");
    }
    if (st == PARLEY_OK) {
        switch (act) {
        case PARLEY__LIVE_COMMITMENT:
            st = do_commitment(live->store, key, S, r, b, &entry);
            break;
        case PARLEY__LIVE_REPORT:
            st = do_report(live->store, key, by, S, r, b, &entry);
            break;
        case PARLEY__LIVE_CONSEQUENCE:
            st = do_consequence(live->store, key, by, S, r, b, &entry);
            break;
        default: {
            static const field_t f[] = {{"as_of", 's', 1}, {NULL, 0, 0}};
            st = check_fields(r, b, f);
            if (st == PARLEY_OK)
                st = parley__monitor_enforce_tx(live->store, key, S->id,
                                                str_of(b, "as_of"), &applied,
                                                r->diags);
            if (st == PARLEY_OK)
                st = head_seq(live->store, r->diags, &entry);
        }
        }
    }
    if (st == PARLEY_OK) {
        st = parley__live_record_tx(live, S, by, act, rid, b, entry,
                                    r->diags);
        recorded = st == PARLEY_OK;
    }
    if (st == PARLEY_OK) {
        int rc = parley__store_exec(live->store, "COMMIT");
        if (rc != SQLITE_OK)
            st = parley__monitor_db_fail(live->store, r->diags, rc,
                                         "cannot commit the transaction");
    }
    if (st != PARLEY_OK && began) {
        parley__store_exec(live->store, "ROLLBACK");
        if (recorded)
            parley__live_unrecord(S);
    }
    json_decref(b);
    if (st != PARLEY_OK || !reply)
        return st;
    json_t *o = json_pack("{s:b, s:I}", "ok", 1, "seq", (json_int_t)entry);
    if (o && act == PARLEY__LIVE_ENFORCE)
        json_object_set_new(o, "applied", json_integer((json_int_t)applied));
    *reply = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return PARLEY_OK;
}
