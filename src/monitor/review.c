/*
 * review.c - a review of a monitored agreement after a change of a party's
 * leadership or priorities (DESIGN.md section 4): the party's new profile
 * may make the standing text unacceptable to it; the issues of core
 * commitments stay locked while the fewest other issues are changed so
 * that every voting party accepts the whole again.
 *
 * The mediator's own repair works on a live session's state (objections,
 * concessions); a review has only the standing text, the model and the
 * locked issues, so the search here is a plain exhaustive one by rising
 * number of changes, checked against a brute force over every package in
 * tests/test_monitor.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "monitor/monitor_internal.h"
#include "parley/alloc.h"
#include "scenario/scenario_internal.h"

/* Packages one repair may evaluate. */
#define REPAIR_BUDGET 10000000.0

typedef struct search {
    const parley_model_t *m;
    const uint32_t *standing;
    size_t n_issues, n_parties, n_free;
    const size_t *free_issues;
    uint32_t *cur, *best;
    double *u;
    double best_margin;
    int found;
    double visited;
} search_t;

static void evaluate(search_t *s)
{
    s->visited += 1;
    if (!parley_model_is_feasible(s->m, s->cur))
        return;
    parley_model_utility(s->m, s->cur, s->u);
    double margin = INFINITY;
    for (size_t i = 0; i < s->n_parties; i++) {
        double d = s->u[i] - parley_model_reservation(s->m, i);
        if (d < margin)
            margin = d;
    }
    if (!s->found || margin > s->best_margin ||
        (margin == s->best_margin &&
         parley_model_package_less(s->m, s->cur, s->best))) {
        memcpy(s->best, s->cur, s->n_issues * sizeof *s->best);
        s->best_margin = margin;
        s->found = 1;
    }
}

/* Every package changing exactly `left` of the free issues fi.. */
static void dfs(search_t *s, size_t fi, size_t left)
{
    if (left == 0) {
        evaluate(s);
        return;
    }
    if (s->n_free - fi < left)
        return;
    size_t k = s->free_issues[fi];
    size_t n = parley_model_n_allowed(s->m, k);
    for (size_t j = 0; j < n; j++) {
        uint32_t opt = parley_model_allowed(s->m, k, j);
        if (opt == s->standing[k])
            continue;
        s->cur[k] = opt;
        dfs(s, fi + 1, left - 1);
    }
    s->cur[k] = s->standing[k];
    dfs(s, fi + 1, left);
}

/* How many packages changing exactly `left` of free issues fi.. exist. */
static double count(const search_t *s, size_t fi, size_t left)
{
    if (left == 0)
        return 1;
    if (s->n_free - fi < left)
        return 0;
    size_t k = s->free_issues[fi];
    double alt = (double)parley_model_n_allowed(s->m, k) -
                 (parley_model_is_allowed(s->m, k, s->standing[k]) ? 1 : 0);
    return alt * count(s, fi + 1, left - 1) + count(s, fi + 1, left);
}

parley_status_t parley_monitor_repair(const parley_model_t *m,
                                      const uint32_t *standing,
                                      const unsigned char *locked,
                                      uint32_t *out, size_t *n_changed)
{
    if (!m || !standing || !out)
        return PARLEY_EARG;
    search_t s;
    memset(&s, 0, sizeof s);
    s.m = m;
    s.standing = standing;
    s.n_issues = parley_model_n_issues(m);
    s.n_parties = parley_model_n_parties(m);
    size_t *fr = parley_calloc(s.n_issues + 1, sizeof *fr);
    s.cur = parley_calloc(s.n_issues + 1, sizeof *s.cur);
    s.best = parley_calloc(s.n_issues + 1, sizeof *s.best);
    s.u = parley_calloc(s.n_parties + 1, sizeof *s.u);
    parley_status_t st = PARLEY_OK;
    if (!fr || !s.cur || !s.best || !s.u)
        st = PARLEY_ENOMEM;
    for (size_t k = 0; st == PARLEY_OK && k < s.n_issues; k++) {
        s.cur[k] = standing[k];
        if (!locked || !locked[k])
            fr[s.n_free++] = k;
    }
    s.free_issues = fr;
    size_t changes = 0;
    for (; st == PARLEY_OK && changes <= s.n_free; changes++) {
        if (s.visited + count(&s, 0, changes) > REPAIR_BUDGET) {
            st = PARLEY_ELIMIT;
            break;
        }
        dfs(&s, 0, changes);
        if (s.found)
            break;
    }
    if (st == PARLEY_OK && !s.found)
        st = PARLEY_EINFEASIBLE;
    if (st == PARLEY_OK) {
        memcpy(out, s.best, s.n_issues * sizeof *out);
        if (n_changed)
            *n_changed = changes;
    }
    parley_free(fr);
    parley_free(s.cur);
    parley_free(s.best);
    parley_free(s.u);
    return st;
}

void parley_review_result_free(parley_review_result_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_locked; i++)
        parley_free(r->locked[i]);
    for (size_t i = 0; i < r->n_changes; i++) {
        parley_free(r->changes[i].issue);
        parley_free(r->changes[i].from);
        parley_free(r->changes[i].to);
    }
    parley_free(r->locked);
    parley_free(r->changes);
    parley_free(r->text);
    parley_free(r);
}

static char *label(const parley_issue_t *is, uint32_t j)
{
    char buf[128];
    parley_issue_option_label(is, j, buf, sizeof buf);
    return parley_strdup(buf);
}

/* Inside the open transaction: reads, repairs, records. */
static parley_status_t review_tx(parley_store_t *st_, const parley_key_t *key,
                                 const parley_scenario_t *sc,
                                 const char *agreement, const char *party,
                                 json_t *profile, parley_review_result_t *r,
                                 uint64_t *seq, parley_diags_t *diags)
{
    sqlite3_stmt *q = NULL;
    char *text = NULL, *scen = NULL;
    int rc = sqlite3_prepare_v2(
        st_->db, "SELECT text, scenario FROM agreements WHERE id = ?", -1, &q,
        NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            text = parley_strdup((const char *)sqlite3_column_text(q, 0));
            scen = parley_strdup((const char *)sqlite3_column_text(q, 1));
        }
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "agreement",
                                    "unknown agreement '%s'", agreement);
    if (rc != SQLITE_ROW)
        return parley__monitor_db_fail(st_, diags, rc,
                                       "cannot read the agreement");
    parley_status_t st = text && scen ? PARLEY_OK : PARLEY_ENOMEM;
    if (st == PARLEY_OK && strcmp(scen, sc->name ? sc->name : "") != 0)
        st = parley__monitor_fail(diags, PARLEY_EINVALID, "scenario",
                                  "agreement '%s' was made on scenario '%s', "
                                  "not '%s'",
                                  agreement, scen, sc->name ? sc->name : "");
    size_t n = sc->n_issues;
    uint32_t *pkg = parley_calloc(n + 1, sizeof *pkg);
    uint32_t *out = parley_calloc(n + 1, sizeof *out);
    unsigned char *locked = parley_calloc(n + 1, 1);
    json_t *tj = NULL;
    parley_model_t *m = NULL;
    if (st == PARLEY_OK && (!pkg || !out || !locked))
        st = PARLEY_ENOMEM;
    if (st == PARLEY_OK)
        st = parley__monitor_read_text(sc, text, pkg, &tj, diags);
    json_decref(tj);
    if (st == PARLEY_OK &&
        (rc = sqlite3_prepare_v2(st_->db,
                                 "SELECT DISTINCT issue FROM commitments "
                                 "WHERE agreement = ? AND core = 1 ORDER BY "
                                 "issue",
                                 -1, &q, NULL)) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *is = (const char *)sqlite3_column_text(q, 0);
            for (size_t k = 0; k < n; k++)
                if (strcmp(sc->issues[k].id, is) == 0)
                    locked[k] = 1;
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            st = parley__monitor_db_fail(st_, diags, rc,
                                         "cannot read the commitments");
    }
    if (st == PARLEY_OK)
        st = parley_model_new(sc, &m, diags);
    size_t n_changed = 0;
    if (st == PARLEY_OK) {
        st = parley_monitor_repair(m, pkg, locked, out, &n_changed);
        if (st == PARLEY_EINFEASIBLE)
            parley__monitor_fail(diags, st, "party",
                                 "after '%s''s new profile no package keeps "
                                 "the core commitments' issues and is "
                                 "acceptable to every party",
                                 party);
        else if (st == PARLEY_ELIMIT)
            parley__monitor_fail(diags, st, "",
                                 "the repair would visit more than %.0f "
                                 "packages",
                                 REPAIR_BUDGET);
    }
    json_t *lk = json_array(), *ch = json_array(), *nt = json_object();
    if (st == PARLEY_OK && (!lk || !ch || !nt))
        st = PARLEY_ENOMEM;
    if (st == PARLEY_OK) {
        r->locked = parley_calloc(n + 1, sizeof *r->locked);
        r->changes = parley_calloc(n + 1, sizeof *r->changes);
        if (!r->locked || !r->changes)
            st = PARLEY_ENOMEM;
    }
    for (size_t k = 0; st == PARLEY_OK && k < n; k++) {
        const parley_issue_t *is = &sc->issues[k];
        char *to = label(is, out[k]);
        if (!to || json_object_set_new(nt, is->id, json_string(to)) != 0) {
            parley_free(to);
            st = PARLEY_ENOMEM;
            break;
        }
        if (locked[k]) {
            if (!(r->locked[r->n_locked++] = parley_strdup(is->id)) ||
                json_array_append_new(lk, json_string(is->id)) != 0)
                st = PARLEY_ENOMEM;
        }
        if (st == PARLEY_OK && out[k] != pkg[k]) {
            parley_review_change_t *c = &r->changes[r->n_changes++];
            c->issue = parley_strdup(is->id);
            c->from = label(is, pkg[k]);
            c->to = to;
            to = NULL;
            if (!c->issue || !c->from || !c->to ||
                json_array_append_new(ch, json_pack("{s:s, s:s, s:s}", "issue",
                                                    c->issue, "from", c->from,
                                                    "to", c->to)) != 0)
                st = PARLEY_ENOMEM;
        }
        parley_free(to);
    }
    if (st == PARLEY_OK && !(r->text = parley__json_text(nt)))
        st = PARLEY_ENOMEM;
    if (st == PARLEY_OK) {
        json_t *p = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O}", "agreement",
                              agreement, "party", party, "profile", profile,
                              "locked", lk, "changes", ch, "text", nt);
        st = parley__monitor_append(st_, key, "agreement.review", p, seq,
                                    diags);
    }
    json_decref(lk);
    json_decref(ch);
    json_decref(nt);
    parley_model_free(m);
    parley_free(pkg);
    parley_free(out);
    parley_free(locked);
    parley_free(text);
    parley_free(scen);
    return st;
}

parley_status_t parley_monitor_review(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_scenario_t *sc,
                                      const char *agreement, const char *party,
                                      const char *profile,
                                      parley_review_result_t **out,
                                      uint64_t *seq, parley_diags_t *diags)
{
    parley__json_use_parley_alloc();
    if (out)
        *out = NULL;
    if (!store || !author || !sc || !agreement || !party || !profile || !out)
        return parley__monitor_fail(diags, PARLEY_EARG, "",
                                    "store, author, scenario, agreement, "
                                    "party, profile and out are required");
    int known = 0;
    for (size_t i = 0; i < sc->n_parties && !known; i++)
        known = strcmp(sc->parties[i].id, party) == 0;
    if (!known)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "party",
                                    "'%s' is not a party of scenario '%s'",
                                    party, sc->name ? sc->name : "");
    json_error_t err;
    json_t *pj = json_loads(profile, JSON_REJECT_DUPLICATES, &err);
    /* A refused allocation reads as a syntax error, or drops a member. */
    if (parley__json_alloc_failed()) {
        json_decref(pj);
        return PARLEY_ENOMEM;
    }
    if (!json_is_object(pj)) {
        json_decref(pj);
        return parley__monitor_fail(diags, PARLEY_ESYNTAX, "profile",
                                    "expected the party's profile as a JSON "
                                    "object, found %s",
                                    pj ? "another JSON value" : err.text);
    }
    parley_review_result_t *r = parley_calloc(1, sizeof *r);
    if (!r) {
        json_decref(pj);
        return PARLEY_ENOMEM;
    }
    int rc = parley__store_exec(store, "BEGIN IMMEDIATE");
    parley_status_t st =
        rc == SQLITE_OK ? review_tx(store, author, sc, agreement, party, pj, r,
                                    seq, diags)
                        : parley__monitor_db_fail(store, diags, rc,
                                                  "cannot start the "
                                                  "transaction");
    json_decref(pj);
    if (rc == SQLITE_OK) {
        if (st == PARLEY_OK &&
            (rc = parley__store_exec(store, "COMMIT")) != SQLITE_OK)
            st = parley__monitor_db_fail(store, diags, rc,
                                         "cannot commit the transaction");
        if (st != PARLEY_OK)
            parley__store_exec(store, "ROLLBACK");
    }
    if (st != PARLEY_OK) {
        parley_review_result_free(r);
        return st;
    }
    *out = r;
    return PARLEY_OK;
}
