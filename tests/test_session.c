/*
 * test_session.c - the mediation process engine.
 *
 * Sessions run with small drivers written here (the simulated strategies
 * live elsewhere): each answers from its own view only, and checks in every
 * call that the view shows no other party's private data and that `self`
 * is its own true profile.  The event log is collected and parsed as JSON,
 * so that every mechanism is checked where a user would see it.
 *
 * Invariants (over random scenarios, rules and drivers): no agreement
 * leaves a party below its reservation unless it accepted the agreement;
 * agreements keep the rules (declared red lines, the decision rule); every
 * invalid veto is refused and every valid one upheld (ruled again here from
 * the declared profiles); the same seed gives the same log byte for byte;
 * no driver sees another party's private data.  Mechanisms: one test each.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "parley/alloc.h"
#include "parley/rules.h"
#include "parley/scenario.h"
#include "parley/session.h"
#include "process/process_internal.h"
#include "support/failing_alloc.h"
#include "support/random_scenario.h"

/* ---- the log ---------------------------------------------------------- */

typedef struct logbuf {
    char *bytes;
    size_t len, cap;
    json_t **ev;
    size_t n, cap_ev;
    int check_session; /* also look into the session at REPAIR */
} logbuf_t;

static parley_session_t *current; /* for the repair cross-check */
static void check_repair(void);
static unsigned repairs_checked;

static void on_event(void *ctx, const parley_event_t *ev)
{
    logbuf_t *lb = ctx;
    size_t n = strlen(ev->json);
    if (lb->len + n + 2 > lb->cap) {
        lb->cap = (lb->len + n + 2) * 2;
        lb->bytes = realloc(lb->bytes, lb->cap);
        assert_non_null(lb->bytes);
    }
    memcpy(lb->bytes + lb->len, ev->json, n);
    lb->len += n;
    lb->bytes[lb->len++] = '\n';
    lb->bytes[lb->len] = '\0';
    json_error_t err;
    json_t *o = json_loads(ev->json, 0, &err);
    if (!o)
        fail_msg("event is not JSON (%s): %s", err.text, ev->json);
    /* The common head of every event (docs/events.md). */
    assert_int_equal(json_integer_value(json_object_get(o, "seq")), lb->n);
    assert_int_equal(ev->seq, lb->n);
    assert_int_equal(json_integer_value(json_object_get(o, "round")),
                     ev->round);
    assert_string_equal(json_string_value(json_object_get(o, "kind")),
                        parley_event_name(ev->kind));
    static const char *const vis[] = {"public", "party", "mediator"};
    assert_string_equal(json_string_value(json_object_get(o, "visibility")),
                        vis[ev->visibility]);
    if (ev->party >= 0)
        assert_non_null(json_object_get(o, "party"));
    /* Private contents are never public. */
    if (ev->kind == PARLEY_EVENT_DISCLOSURE ||
        ev->kind == PARLEY_EVENT_ANSWER || ev->kind == PARLEY_EVENT_CONCESSION)
        assert_int_equal(ev->visibility, PARLEY_VISIBLE_PARTY);
    if (ev->kind == PARLEY_EVENT_CONCERN)
        assert_int_equal(ev->visibility, PARLEY_VISIBLE_MEDIATOR);
    if (lb->n == lb->cap_ev) {
        lb->cap_ev = lb->cap_ev ? lb->cap_ev * 2 : 64;
        lb->ev = realloc(lb->ev, lb->cap_ev * sizeof *lb->ev);
        assert_non_null(lb->ev);
    }
    lb->ev[lb->n++] = o;
    if (lb->check_session && ev->kind == PARLEY_EVENT_REPAIR)
        check_repair();
}

static void log_free(logbuf_t *lb)
{
    for (size_t i = 0; i < lb->n; i++)
        json_decref(lb->ev[i]);
    free(lb->ev);
    free(lb->bytes);
    memset(lb, 0, sizeof *lb);
}

static const char *kind_of(const json_t *e)
{
    return json_string_value(json_object_get(e, "kind"));
}

static const char *str_of(const json_t *e, const char *key)
{
    const json_t *v = json_object_get(e, key);
    return v ? json_string_value(v) : NULL;
}

static long int_of(const json_t *e, const char *key)
{
    const json_t *v = json_object_get(e, key);
    assert_non_null(v);
    return (long)json_integer_value(v);
}

/* Number of events of a kind (with party, when not NULL). */
static size_t count(const logbuf_t *lb, const char *kind, const char *party)
{
    size_t n = 0;
    for (size_t i = 0; i < lb->n; i++)
        if (strcmp(kind_of(lb->ev[i]), kind) == 0 &&
            (!party || (str_of(lb->ev[i], "party") &&
                        strcmp(str_of(lb->ev[i], "party"), party) == 0)))
            n++;
    return n;
}

/* The i-th event of a kind, or NULL. */
static const json_t *nth(const logbuf_t *lb, const char *kind, size_t i)
{
    for (size_t e = 0; e < lb->n; e++)
        if (strcmp(kind_of(lb->ev[e]), kind) == 0 && i-- == 0)
            return lb->ev[e];
    return NULL;
}

/* A text object {issue: label} back to option indices. */
static void text_of(const parley_scenario_t *sc, const json_t *t,
                    uint32_t *pkg)
{
    assert_true(json_is_object(t));
    assert_int_equal(json_object_size(t), sc->n_issues);
    for (size_t k = 0; k < sc->n_issues; k++) {
        const char *label =
            json_string_value(json_object_get(t, sc->issues[k].id));
        assert_non_null(label);
        size_t j = 0;
        char buf[64];
        for (; j < sc->issues[k].n_options; j++) {
            parley_issue_option_label(&sc->issues[k], j, buf, sizeof buf);
            if (strcmp(buf, label) == 0)
                break;
        }
        assert_true(j < sc->issues[k].n_options);
        pkg[k] = (uint32_t)j;
    }
}

/* ---- scenarios -------------------------------------------------------- */

static parley_scenario_t *scenario(const char *json)
{
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st =
        parley_scenario_read_string(json, strlen(json), "test.json", &sc, d);
    if (st != PARLEY_OK)
        parley_diags_print(d, stderr);
    assert_int_equal(st, PARLEY_OK);
    parley_diags_free(d);
    return sc;
}

/* True utility of party i at pkg, summed in issue order. */
static double utility(const parley_scenario_t *sc, size_t i,
                      const uint32_t *pkg)
{
    const parley_party_t *p = &sc->parties[i];
    double u = 0;
    for (size_t k = 0; k < sc->n_issues; k++)
        u += p->weights[k] *
             parley_value_eval(&p->values[k], &sc->issues[k], pkg[k]);
    return u;
}

static double bonus(const parley_scenario_t *sc, const parley_rules_t *r,
                    size_t i, const uint32_t *pkg)
{
    double b = 0;
    if (!r->guarantees)
        return 0;
    for (size_t t = 0; t < sc->n_guarantees; t++)
        if (sc->guarantees[t].beneficiary == i &&
            parley_guarantee_applies(&sc->guarantees[t], sc, pkg))
            b += sc->guarantees[t].credibility * sc->guarantees[t].value;
    return b;
}

static int crosses(const parley_scenario_t *sc, const parley_party_t *p,
                   const uint32_t *pkg)
{
    for (size_t r = 0; r < p->n_red_lines; r++) {
        const parley_red_line_t *rl = &p->red_lines[r];
        if (!parley_red_line_allows(&sc->issues[rl->issue], rl, pkg[rl->issue]))
            return 1;
    }
    return 0;
}

/* ---- the test driver -------------------------------------------------- */

typedef struct scripted {
    unsigned round;
    parley_answer_kind_t kind;
    unsigned ground;
    unsigned text_round; /* 0: the current text */
} scripted_t;

typedef struct tdrv {
    parley_driver_t d;
    const parley_scenario_t *sc; /* the true scenario, for the checks */
    size_t party;
    /* behaviour */
    double step;            /* concession: aspiration - step; 0 never */
    unsigned concede_from;  /* concede only from this round on */
    double accept_at;       /* >= 0: fixed threshold on u + bonus */
    int veto_below_res;     /* veto (reservation) below its true floor */
    int never_accept;
    int fussy_issue;        /* >= 0: at integration object on this issue */
    uint32_t fussy_want;    /* unless it holds this option */
    int disclose_mode;      /* 0 truthful, 1 inflate reservation, 2 drop
                               red lines, 3 double the first weight */
    double inflate;
    int send_concern;
    int no_record;          /* keep no copy of the disclosure */
    scripted_t script[8];
    size_t n_script;
    uint64_t rng;           /* for random drivers */
    int random;             /* random answers */
    /* observations */
    unsigned answers, concedes, discloses, concerns, drafting_answers,
        pilot_answers, privacy_bad;
    unsigned concede_round[128];
    parley_party_t declared; /* what it disclosed */
    int has_declared;
} tdrv_t;

/* Every view: own profile only, nobody else's private data. */
static void check_view(tdrv_t *t, const parley_view_t *v)
{
    const parley_scenario_t *sc = t->sc, *pub = v->public_scenario;
    const parley_party_t *truth = &sc->parties[t->party];
    if (v->party != t->party || !pub || pub == sc || !v->self ||
        !v->rules || v->concessions == NULL)
        t->privacy_bad++;
    if (!pub)
        return;
    if (pub->n_parties != sc->n_parties || pub->n_issues != sc->n_issues)
        t->privacy_bad++;
    for (size_t j = 0; j < pub->n_parties; j++) {
        const parley_party_t *p = &pub->parties[j];
        if (p->weights || p->values || p->red_lines || p->n_red_lines ||
            p->reservation != 0)
            t->privacy_bad++;
        if (strcmp(p->id, sc->parties[j].id) != 0 ||
            p->power != sc->parties[j].power || p->role != sc->parties[j].role)
            t->privacy_bad++;
    }
    /* self: the party's own profile, not a pointer into any scenario's
     * party array (from which the others could be reached). */
    const parley_party_t *self = v->self;
    if ((self >= sc->parties && self < sc->parties + sc->n_parties) ||
        (self >= pub->parties && self < pub->parties + pub->n_parties))
        t->privacy_bad++;
    if (strcmp(self->id, truth->id) != 0 ||
        self->reservation != truth->reservation ||
        self->n_red_lines != truth->n_red_lines || !self->weights ||
        !self->values)
        t->privacy_bad++;
    for (size_t k = 0; self->weights && k < sc->n_issues; k++)
        if (self->weights[k] != truth->weights[k] ||
            self->values[k].kind != truth->values[k].kind)
            t->privacy_bad++;
    if (v->text)
        for (size_t k = 0; k < sc->n_issues; k++)
            if (v->text[k] >= sc->issues[k].n_options)
                t->privacy_bad++;
    /* Counts only where the rules publish them. */
    if (!v->rules->publish_counts &&
        (v->n_accept != -1 || v->n_object != -1 || v->n_veto != -1))
        t->privacy_bad++;
    /* The bonus is this party's own: no guarantee, no bonus. */
    if (v->guarantee_bonus != 0 && (!v->rules->guarantees || !v->text))
        t->privacy_bad++;
}

static double view_utility(const parley_view_t *v, const uint32_t *text)
{
    const parley_scenario_t *pub = v->public_scenario;
    double u = 0;
    for (size_t k = 0; k < pub->n_issues; k++)
        u += v->self->weights[k] *
             parley_value_eval(&v->self->values[k], &pub->issues[k], text[k]);
    return u;
}

static parley_status_t t_disclose(void *ctx, const parley_view_t *v,
                                  parley_party_t *declared)
{
    tdrv_t *t = ctx;
    check_view(t, v);
    t->discloses++;
    if (v->text != NULL || v->round != 0)
        t->privacy_bad++;
    switch (t->disclose_mode) {
    case 1:
        declared->reservation += t->inflate;
        break;
    case 2:
        for (size_t r = 0; r < declared->n_red_lines; r++) {
            parley_free(declared->red_lines[r].options);
            parley_free(declared->red_lines[r].note);
        }
        parley_free(declared->red_lines);
        declared->red_lines = NULL;
        declared->n_red_lines = 0;
        break;
    case 3:
        declared->weights[0] *= 2;
        break;
    default:
        break;
    }
    if (t->no_record)
        return PARLEY_OK;
    if (t->has_declared)
        parley__party_clear(&t->declared, t->sc->n_issues);
    assert_int_equal(parley__party_copy(&t->declared, declared,
                                        t->sc->n_issues),
                     PARLEY_OK);
    t->has_declared = 1;
    return PARLEY_OK;
}

/* The issues among the open ones where the text is not the party's best. */
static void name_issues(const parley_view_t *v, parley_answer_t *out)
{
    const parley_scenario_t *pub = v->public_scenario;
    for (size_t q = 0; q < v->n_open; q++) {
        size_t k = v->open_issues[q];
        const parley_value_fn_t *f = &v->self->values[k];
        double cur = parley_value_eval(f, &pub->issues[k], v->text[k]);
        for (size_t j = 0; j < pub->issues[k].n_options; j++)
            if (parley_value_eval(f, &pub->issues[k], j) > cur + 1e-12 &&
                v->self->weights[k] > 0) {
                out->issues[out->n_issues++] = k;
                break;
            }
    }
}

static parley_status_t t_answer(void *ctx, const parley_view_t *v,
                                parley_answer_t *out)
{
    tdrv_t *t = ctx;
    check_view(t, v);
    if (!v->text || v->text_round != v->round)
        t->privacy_bad++;
    t->answers++;
    if (v->drafting)
        t->drafting_answers++;
    if (v->pilot)
        t->pilot_answers++;
    for (size_t q = 0; q < t->n_script; q++)
        if (t->script[q].round == v->round) {
            out->kind = t->script[q].kind;
            out->ground = t->script[q].ground;
            out->text_round =
                t->script[q].text_round ? t->script[q].text_round
                                        : v->text_round;
            snprintf(out->reason, sizeof out->reason, "scripted");
            return PARLEY_OK;
        }
    double u = view_utility(v, v->text) + v->guarantee_bonus;
    if (t->random) {
        uint64_t x = random_next(&t->rng) % 100;
        if (x < 8) {
            out->kind = PARLEY_ANSWER_VETO;
            out->ground = x < 4 ? PARLEY_VETO_RESERVATION
                                : x < 7 ? PARLEY_VETO_RED_LINE : 3;
            out->text_round = v->round - (unsigned)(random_next(&t->rng) % 3);
            return PARLEY_OK;
        }
        if (x < 20) {
            out->kind = PARLEY_ANSWER_OBJECT;
            name_issues(v, out);
            return PARLEY_OK;
        }
    }
    if (t->veto_below_res && u < v->self->reservation - 1e-12) {
        out->kind = PARLEY_ANSWER_VETO;
        out->ground = PARLEY_VETO_RESERVATION;
        out->text_round = v->text_round;
        return PARLEY_OK;
    }
    if (t->fussy_issue >= 0 && v->cluster == -1 &&
        v->n_open == v->public_scenario->n_issues &&
        v->text[t->fussy_issue] != t->fussy_want) {
        out->kind = PARLEY_ANSWER_OBJECT;
        out->issues[0] = (size_t)t->fussy_issue;
        out->n_issues = 1;
        return PARLEY_OK;
    }
    double need = t->accept_at >= 0 ? t->accept_at : v->aspiration - 1e-9;
    if (!t->never_accept && u >= need && u >= v->self->reservation - 1e-12) {
        out->kind = PARLEY_ANSWER_ACCEPT;
        return PARLEY_OK;
    }
    out->kind = PARLEY_ANSWER_OBJECT;
    name_issues(v, out);
    return PARLEY_OK;
}

static parley_status_t t_concede(void *ctx, const parley_view_t *v,
                                 double *asp)
{
    tdrv_t *t = ctx;
    check_view(t, v);
    if (t->concedes < 128)
        t->concede_round[t->concedes] = v->round;
    t->concedes++;
    if (t->step > 0 && v->round >= t->concede_from)
        *asp = v->aspiration - t->step;
    return PARLEY_OK;
}

static parley_status_t t_concern(void *ctx, const parley_view_t *v,
                                 char *text, size_t size)
{
    tdrv_t *t = ctx;
    check_view(t, v);
    t->concerns++;
    if (t->send_concern && v->round == 0)
        snprintf(text, size, "worried about \"%s\"", v->self->id);
    return PARLEY_OK;
}

static void tdrv_init(tdrv_t *t, const parley_scenario_t *sc, size_t party)
{
    memset(t, 0, sizeof *t);
    t->sc = sc;
    t->party = party;
    t->step = 0.05;
    t->accept_at = -1;
    t->fussy_issue = -1;
    t->d.ctx = t;
    t->d.disclose = t_disclose;
    t->d.answer = t_answer;
    t->d.concede = t_concede;
    t->d.concern = t_concern;
}

static void tdrv_clear(tdrv_t *t)
{
    if (t->has_declared)
        parley__party_clear(&t->declared, t->sc->n_issues);
    t->has_declared = 0;
}

/* A run: drivers for every party, a log, the outcome. */
typedef struct run {
    const parley_scenario_t *sc;
    tdrv_t drv[PARLEY_MAX_PARTIES];
    const parley_driver_t *dp[PARLEY_MAX_PARTIES];
    logbuf_t log;
    parley_outcome_t out;
    uint32_t pkg[PARLEY_MAX_ISSUES];
    parley_status_t st;
    parley_table_fn table; /* the mediator's hook, or NULL */
    void *table_ctx;
} run_t;

static void run_init(run_t *r, const parley_scenario_t *sc)
{
    memset(r, 0, sizeof *r);
    r->sc = sc;
    for (size_t i = 0; i < sc->n_parties; i++) {
        tdrv_init(&r->drv[i], sc, i);
        r->dp[i] = sc->parties[i].role == PARLEY_ROLE_PARTY ? &r->drv[i].d
                                                            : NULL;
    }
}

static void run_go(run_t *r, const parley_rules_t *rules, uint64_t seed)
{
    parley_session_opts_t o = {seed, on_event, &r->log, r->table,
                               r->table_ctx};
    parley_session_t *s = NULL;
    parley_diags_t *d = parley_diags_new();
    parley_status_t st = parley_session_new(r->sc, rules, r->dp, &o, &s, d);
    if (st != PARLEY_OK)
        parley_diags_print(d, stderr);
    assert_int_equal(st, PARLEY_OK);
    parley_diags_free(d);
    current = s;
    r->st = parley_session_run(s);
    current = NULL;
    assert_int_equal(parley_session_outcome(s, &r->out), PARLEY_OK);
    memcpy(r->pkg, r->out.package, r->sc->n_issues * sizeof *r->pkg);
    r->out.package = r->pkg;
    r->out.impasse_reason = NULL; /* owned by the session */
    parley_session_free(s);
    for (size_t i = 0; i < r->sc->n_parties; i++)
        if (r->drv[i].privacy_bad)
            fail_msg("party %zu saw what it must not (%u times)", i,
                     r->drv[i].privacy_bad);
}

static void run_clear(run_t *r)
{
    for (size_t i = 0; i < r->sc->n_parties; i++)
        tdrv_clear(&r->drv[i]);
    log_free(&r->log);
}

static void rules_quiet(parley_rules_t *r)
{
    parley_rules_init(r);
    r->pilots = 0;
    r->working_groups = 0;
}

/* ---- scenarios for the mechanisms ------------------------------------- */

/* Agenda: trust (no conflict), water (pure opposition), fee (a lone issue
 * in between).  By hand: conflict trust 0, fee 1 - 0.25/0.375 = 1/3,
 * water 1 - 0.25/0.5 = 1/2. */
static const char *const AGENDA_JSON =
    "{\"version\": 1, \"name\": \"agenda\", \"issues\": ["
    "{\"id\": \"t1\", \"kind\": \"discrete\", \"options\": [\"no\", \"yes\"]},"
    "{\"id\": \"w\", \"kind\": \"discrete\", \"options\": [\"lo\", \"mid\", "
    "\"hi\"]},"
    "{\"id\": \"fee\", \"kind\": \"discrete\", \"options\": [\"f0\", \"f1\"]}],"
    "\"clusters\": [{\"id\": \"trust\", \"issues\": [\"t1\"]},"
    "{\"id\": \"water\", \"issues\": [\"w\"]}],"
    "\"parties\": ["
    "{\"id\": \"A\", \"power\": 1, \"utility\": {"
    "\"t1\": {\"weight\": 0.25, \"table\": {\"no\": 0.8, \"yes\": 1}},"
    "\"w\": {\"weight\": 0.25, \"table\": {\"lo\": 1, \"mid\": 0.5, \"hi\": "
    "0}},"
    "\"fee\": {\"weight\": 0.25, \"table\": {\"f0\": 1, \"f1\": 0.5}}}},"
    "{\"id\": \"B\", \"power\": 1, \"utility\": {"
    "\"t1\": {\"weight\": 0.25, \"table\": {\"no\": 0, \"yes\": 1}},"
    "\"w\": {\"weight\": 0.25, \"table\": {\"lo\": 0, \"mid\": 0.5, \"hi\": "
    "1}},"
    "\"fee\": {\"weight\": 0.25, \"table\": {\"f0\": 0, \"f1\": 1}}}}]}";

/* One issue, opposed interests, B with a reservation of 0.6. */
static const char *const DUEL_JSON =
    "{\"version\": 1, \"name\": \"duel\", \"issues\": ["
    "{\"id\": \"d\", \"kind\": \"discrete\", \"options\": [\"a\", \"b\", "
    "\"c\"]}],"
    "\"parties\": ["
    "{\"id\": \"A\", \"power\": 2, \"utility\": {"
    "\"d\": {\"weight\": 1, \"table\": {\"a\": 1, \"b\": 0.5, \"c\": 0}}}},"
    "{\"id\": \"B\", \"power\": 1, \"reservation\": 0.6, \"utility\": {"
    "\"d\": {\"weight\": 1, \"table\": {\"a\": 0, \"b\": 0.5, \"c\": 1}}},"
    "\"red_lines\": [{\"issue\": \"d\", \"op\": \"!=\", \"value\": \"a\"}]}"
    "]}";

/* Independent conflict measure of one issue's options (docs/rules.md). */
static double conflict_of(const parley_scenario_t *sc, size_t k)
{
    size_t n = sc->issues[k].n_options;
    double stake = 0, best_joint = 0;
    double lo[8], hi[8];
    for (size_t i = 0; i < sc->n_parties; i++) {
        lo[i] = 1e9;
        hi[i] = -1e9;
        for (size_t j = 0; j < n; j++) {
            double u = sc->parties[i].weights[k] *
                       parley_value_eval(&sc->parties[i].values[k],
                                         &sc->issues[k], j);
            if (u < lo[i])
                lo[i] = u;
            if (u > hi[i])
                hi[i] = u;
        }
        stake += hi[i] - lo[i];
    }
    for (size_t j = 0; j < n; j++) {
        double g = 0;
        for (size_t i = 0; i < sc->n_parties; i++)
            g += sc->parties[i].weights[k] *
                     parley_value_eval(&sc->parties[i].values[k],
                                       &sc->issues[k], j) -
                 lo[i];
        if (g > best_joint)
            best_joint = g;
    }
    return stake > 0 ? 1 - best_joint / stake : 0;
}

static void expect_order(const logbuf_t *lb, const char *a, const char *b,
                         const char *c)
{
    const json_t *ag = nth(lb, "agenda", 0);
    assert_non_null(ag);
    const json_t *order = json_object_get(ag, "order");
    assert_int_equal(json_array_size(order), 3);
    const char *want[3] = {a, b, c};
    for (size_t q = 0; q < 3; q++)
        assert_string_equal(
            str_of(json_array_get(order, q), "cluster"), want[q]);
    /* Units open, and settle, in that order. */
    for (size_t q = 0; q < 3; q++) {
        assert_string_equal(str_of(nth(lb, "cluster_open", q), "cluster"),
                            want[q]);
        const json_t *st = nth(lb, "cluster_settled", q);
        assert_non_null(st);
        assert_string_equal(str_of(st, "cluster"), want[q]);
    }
}

static void test_agenda_policies(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(AGENDA_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    run_t *run = calloc(1, sizeof *run);

    run_init(run, sc);
    run_go(run, &r, 1);
    /* Easy first: the trust-building cluster opens and settles first. */
    expect_order(&run->log, "trust", "fee", "water");
    const json_t *order = json_object_get(nth(&run->log, "agenda", 0), "order");
    double want[3] = {conflict_of(sc, 0), conflict_of(sc, 2),
                      conflict_of(sc, 1)};
    assert_true(fabs(want[0]) < 1e-15);
    assert_true(fabs(want[1] - 1.0 / 3) < 1e-12);
    assert_true(fabs(want[2] - 0.5) < 1e-12);
    for (size_t q = 0; q < 3; q++) {
        double got = json_number_value(
            json_object_get(json_array_get(order, q), "conflict"));
        assert_true(fabs(got - want[q]) < 1e-12);
    }
    assert_true(fabs(json_number_value(json_object_get(
                         json_array_get(order, 0), "joint_gain")) -
                     0.3) < 1e-12);
    run_clear(run);

    r.agenda = PARLEY_AGENDA_HARD_FIRST;
    run_init(run, sc);
    run_go(run, &r, 1);
    expect_order(&run->log, "water", "fee", "trust");
    run_clear(run);

    char *given[3] = {"fee", "water", "trust"};
    r.agenda = PARLEY_AGENDA_GIVEN;
    r.agenda_order = given;
    r.n_agenda_order = 3;
    run_init(run, sc);
    run_go(run, &r, 1);
    expect_order(&run->log, "fee", "water", "trust");
    run_clear(run);
    r.agenda_order = NULL;
    r.n_agenda_order = 0;

    r.agenda = PARLEY_AGENDA_ALL_AT_ONCE;
    run_init(run, sc);
    run_go(run, &r, 1);
    const json_t *ord = json_object_get(nth(&run->log, "agenda", 0), "order");
    assert_int_equal(json_array_size(ord), 1);
    assert_string_equal(str_of(json_array_get(ord, 0), "cluster"), "all");
    assert_int_equal(
        json_array_size(json_object_get(json_array_get(ord, 0), "issues")),
        3);
    /* One unit is the whole text: no integration round. */
    assert_int_equal(count(&run->log, "integration", NULL), 0);
    assert_true(run->out.agreement);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

/* The bundled example: the trust-building cluster has the least conflict
 * and opens, and settles, first; the bank's guarantees are offered. */
static void test_river_basin(void **state)
{
    (void)state;
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_scenario_read_file(PARLEY_SOURCE_DIR
                                               "/examples/river-basin.json",
                                               &sc, d),
                     PARLEY_OK);
    parley_diags_free(d);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    run_go(run, NULL, 1);
    const json_t *order = json_object_get(nth(&run->log, "agenda", 0), "order");
    assert_string_equal(str_of(json_array_get(order, 0), "cluster"), "trust");
    assert_string_equal(str_of(nth(&run->log, "cluster_open", 0), "cluster"),
                        "trust");
    assert_string_equal(
        str_of(nth(&run->log, "cluster_settled", 0), "cluster"), "trust");
    double prev = -1;
    for (size_t q = 0; q < json_array_size(order); q++) {
        double c = json_number_value(
            json_object_get(json_array_get(order, q), "conflict"));
        assert_true(c >= prev);
        prev = c;
    }
    assert_int_equal(count(&run->log, "guarantee_offer", NULL), 2);
    assert_int_equal(count(&run->log, "disclosure", NULL), 5);
    /* The guarantor and the monitor do not vote. */
    assert_int_equal(run->drv[5].answers, 0);
    assert_int_equal(run->drv[6].answers, 0);
    /* The working group of the trust cluster: the four states that put at
     * least 0.15 of their weight on it (Highvale puts 0.12). */
    const json_t *wg = nth(&run->log, "working_group", 0);
    assert_int_equal(json_array_size(json_object_get(wg, "members")), 4);
    /* Everyone accepted the agreement; it keeps every reservation. */
    assert_true(run->out.agreement);
    parley_rules_t defaults;
    parley_rules_init(&defaults);
    for (size_t i = 0; i < 5; i++)
        assert_true(utility(sc, i, run->out.package) +
                        bonus(sc, &defaults, i, run->out.package) >=
                    sc->parties[i].reservation - 1e-9);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

/* ---- the mediator's own text ------------------------------------------- */

/* A table hook: in round `at` (0: never) moves every open issue to the
 * next option (cyclically), or to `bad` when set (an option out of range
 * or, with outside, a change to an issue outside the unit).  Records what
 * it was shown and what it returned. */
typedef struct table_hook {
    const parley_scenario_t *sc;
    unsigned at;
    int bad, outside;
    unsigned calls;
    unsigned rounds[256];
    size_t n_open;
    size_t open[PARLEY_MAX_ISSUES];
    uint32_t engine[PARLEY_MAX_ISSUES], mine[PARLEY_MAX_ISSUES];
} table_hook_t;

static parley_status_t t_table(void *ctx, unsigned round, size_t n_open,
                               const size_t *open, uint32_t *text)
{
    table_hook_t *h = ctx;
    if (h->calls < 256)
        h->rounds[h->calls] = round;
    h->calls++;
    for (size_t q = 1; q < n_open; q++)
        assert_true(open[q - 1] < open[q]);
    if (round != h->at)
        return PARLEY_OK;
    h->n_open = n_open;
    memcpy(h->open, open, n_open * sizeof *open);
    memcpy(h->engine, text, h->sc->n_issues * sizeof *text);
    for (size_t q = 0; q < n_open; q++) {
        const parley_issue_t *is = &h->sc->issues[open[q]];
        text[open[q]] = h->bad ? (uint32_t)is->n_options
                               : (text[open[q]] + 1) % (uint32_t)is->n_options;
    }
    if (h->outside)
        for (size_t k = 0, q = 0; k < h->sc->n_issues; k++) {
            if (q < n_open && open[q] == k) {
                q++;
                continue;
            }
            text[k] = (text[k] + 1) % (uint32_t)h->sc->issues[k].n_options;
            break;
        }
    memcpy(h->mine, text, h->sc->n_issues * sizeof *text);
    return PARLEY_OK;
}

/* The event of a kind in a round, or NULL. */
static const json_t *in_round(const logbuf_t *lb, const char *kind,
                              long round)
{
    for (size_t e = 0; e < lb->n; e++)
        if (strcmp(kind_of(lb->ev[e]), kind) == 0 &&
            int_of(lb->ev[e], "round") == round)
            return lb->ev[e];
    return NULL;
}

static void test_mediator_text(void **state)
{
    (void)state;
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_scenario_read_file(PARLEY_SOURCE_DIR
                                               "/examples/river-basin.json",
                                               &sc, d),
                     PARLEY_OK);
    parley_diags_free(d);
    run_t *plain = calloc(1, sizeof *plain), *same = calloc(1, sizeof *same);
    run_t *own = calloc(1, sizeof *own);
    assert_true(plain && same && own);
    run_init(plain, sc);
    run_go(plain, NULL, 3);

    /* A hook that leaves every text as it is: the log is the same bytes,
     * and it was asked once per binding text (not for the pilot). */
    table_hook_t keep = {.sc = sc};
    run_init(same, sc);
    same->table = t_table;
    same->table_ctx = &keep;
    run_go(same, NULL, 3);
    assert_int_equal(same->log.len, plain->log.len);
    assert_memory_equal(same->log.bytes, plain->log.bytes, plain->log.len);
    assert_int_equal(keep.calls, count(&plain->log, "text", NULL));
    assert_true(count(&plain->log, "pilot", NULL) > 0);
    for (unsigned c = 0; c < keep.calls && c < 256; c++)
        assert_non_null(in_round(&plain->log, "text", keep.rounds[c]));

    /* The mediator's own text in the first binding round: tabled as it
     * is, and answered by the parties asked. */
    long r0 = int_of(nth(&plain->log, "text", 0), "round");
    table_hook_t mine = {.sc = sc, .at = (unsigned)r0};
    run_init(own, sc);
    own->table = t_table;
    own->table_ctx = &mine;
    run_go(own, NULL, 3);
    assert_int_equal(own->st, PARLEY_OK);
    assert_true(mine.n_open > 0);
    const json_t *tx = in_round(&own->log, "text", r0);
    assert_non_null(tx);
    uint32_t tabled[PARLEY_MAX_ISSUES];
    text_of(sc, json_object_get(tx, "text"), tabled);
    assert_memory_equal(tabled, mine.mine, sc->n_issues * sizeof *tabled);
    assert_memory_not_equal(mine.mine, mine.engine,
                            sc->n_issues * sizeof *tabled);
    /* The engine's own choice in that round was what the plain run
     * tabled. */
    uint32_t chosen[PARLEY_MAX_ISSUES];
    text_of(sc, json_object_get(in_round(&plain->log, "text", r0), "text"),
            chosen);
    assert_memory_equal(chosen, mine.engine, sc->n_issues * sizeof *chosen);
    /* The same parties answer it as answered the engine's text. */
    size_t answers = 0, plain_answers = 0;
    for (size_t e = 0; e < own->log.n; e++)
        if (strcmp(kind_of(own->log.ev[e]), "answer") == 0 &&
            int_of(own->log.ev[e], "round") == r0)
            answers++;
    for (size_t e = 0; e < plain->log.n; e++)
        if (strcmp(kind_of(plain->log.ev[e]), "answer") == 0 &&
            int_of(plain->log.ev[e], "round") == r0)
            plain_answers++;
    assert_true(answers > 0);
    assert_int_equal(answers, plain_answers);
    /* The session goes on past that round. */
    assert_true(own->out.rounds > (unsigned)r0);
    run_clear(plain);
    run_clear(same);

    /* An option out of range, or a change outside the open issues: a
     * driver failure, nothing tabled that round. */
    for (int outside = 0; outside < 2; outside++) {
        table_hook_t bad = {.sc = sc, .at = (unsigned)r0, .bad = !outside,
                            .outside = outside};
        run_clear(own);
        run_init(own, sc);
        own->table = t_table;
        own->table_ctx = &bad;
        run_go(own, NULL, 3);
        assert_int_equal(own->st, PARLEY_EINVALID);
        assert_false(own->out.agreement);
        assert_null(in_round(&own->log, "text", r0));
        const json_t *imp = nth(&own->log, "impasse", 0);
        assert_non_null(imp);
        assert_non_null(strstr(str_of(imp, "reason"), "driver failure"));
    }
    run_clear(own);
    free(plain);
    free(same);
    free(own);
    parley_scenario_free(sc);
}

/* The ruling on party `who`'s i-th veto. */
static const json_t *ruling(const logbuf_t *lb, const char *who, size_t i)
{
    for (size_t e = 0; e < lb->n; e++)
        if (strcmp(kind_of(lb->ev[e]), "veto_ruling") == 0 &&
            strcmp(str_of(lb->ev[e], "party"), who) == 0 && i-- == 0)
            return lb->ev[e];
    return NULL;
}

static void expect_ruling(const json_t *e, int upheld, long text_round,
                          const char *reason_part)
{
    assert_non_null(e);
    assert_int_equal(json_is_true(json_object_get(e, "upheld")), upheld);
    assert_int_equal(int_of(e, "text_round"), text_round);
    const char *why = str_of(e, "reason");
    if (!strstr(why, reason_part))
        fail_msg("ruling '%s' lacks '%s'", why, reason_part);
}

static void test_late_veto(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(DUEL_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    /* B vetoes in round 2 the text of round 1: its ground holds (the
     * round-1 text gives it 0.5 < 0.6), but the window is 1 round. */
    run->drv[1].script[0] =
        (scripted_t){2, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 1};
    run->drv[1].n_script = 1;
    run_go(run, &r, 7);
    uint32_t t1[1];
    text_of(sc, json_object_get(nth(&run->log, "text", 0), "text"), t1);
    assert_int_equal(t1[0], 1); /* b: the smallest largest shortfall */
    expect_ruling(ruling(&run->log, "B", 0), 0, 1, "late");
    assert_non_null(strstr(str_of(ruling(&run->log, "B", 0), "reason"),
                           "until round 1 (window 1), this is round 2"));
    assert_int_equal(run->out.vetoes_refused, 1);
    assert_int_equal(run->out.vetoes_valid, 0);
    run_clear(run);

    /* The same veto inside a window of 2 is upheld, and holds: B ends at
     * or above its reservation. */
    r.veto_window = 2;
    run_init(run, sc);
    run->drv[1].script[0] =
        (scripted_t){2, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 1};
    run->drv[1].n_script = 1;
    run_go(run, &r, 7);
    const json_t *e = ruling(&run->log, "B", 0);
    expect_ruling(e, 1, 1, "below the declared reservation 0.6");
    assert_int_equal(int_of(e, "budget_left"), 1);
    assert_int_equal(run->out.vetoes_valid, 1);
    assert_true(run->out.agreement);
    assert_true(utility(sc, 1, run->out.package) >= 0.6);
    /* Every text after the ruling respects B's floor. */
    for (size_t i = 0; i < count(&run->log, "text", NULL); i++) {
        const json_t *t = nth(&run->log, "text", i);
        if (int_of(t, "round") <= 2)
            continue;
        uint32_t pkg[1];
        text_of(sc, json_object_get(t, "text"), pkg);
        assert_true(utility(sc, 1, pkg) >= 0.6);
    }
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

static void test_over_budget_veto(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(DUEL_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    r.veto_window = 2;
    r.veto_budget = 1;
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    /* Round 2: a valid veto of round 1's text (budget 1 of 1).  Round 3: a
     * veto of round 2's text, in the window: over budget, whatever its
     * ground. */
    run->drv[1].script[0] =
        (scripted_t){2, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 1};
    run->drv[1].script[1] =
        (scripted_t){3, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 2};
    run->drv[1].n_script = 2;
    run_go(run, &r, 3);
    expect_ruling(ruling(&run->log, "B", 0), 1, 1, "upheld");
    const json_t *e = ruling(&run->log, "B", 1);
    expect_ruling(e, 0, 2, "over budget: 1 of 1 vetoes used");
    assert_int_equal(int_of(e, "budget_left"), 0);
    assert_int_equal(run->out.vetoes_valid, 1);
    assert_int_equal(run->out.vetoes_refused, 1);
    run_clear(run);

    /* A budget of 0 refuses even a first, well-grounded veto. */
    r.veto_budget = 0;
    run_init(run, sc);
    run->drv[1].script[0] =
        (scripted_t){2, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 1};
    run->drv[1].n_script = 1;
    run_go(run, &r, 3);
    expect_ruling(ruling(&run->log, "B", 0), 0, 1, "over budget: 0 of 0");
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

static void test_invalid_veto_grounds(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(DUEL_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    r.veto_window = 3;
    r.veto_budget = 9;
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    /* Round 1's text is b (B gets 0.5).  A's reservation is 0 and it
     * declared no red line: neither ground holds for A. */
    run->drv[0].script[0] =
        (scripted_t){1, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 0};
    run->drv[0].script[1] =
        (scripted_t){2, PARLEY_ANSWER_VETO, PARLEY_VETO_RED_LINE, 1};
    run->drv[0].script[2] = (scripted_t){3, PARLEY_ANSWER_VETO, 3, 0};
    run->drv[0].script[3] = (scripted_t){4, PARLEY_ANSWER_VETO,
                                         PARLEY_VETO_RESERVATION, 9};
    run->drv[0].script[4] = (scripted_t){5, PARLEY_ANSWER_VETO, 0, 0};
    run->drv[0].n_script = 5;
    /* B: red line d != a; round 1's text b crosses nothing. */
    run->drv[1].script[0] =
        (scripted_t){1, PARLEY_ANSWER_VETO, PARLEY_VETO_RED_LINE, 0};
    run->drv[1].n_script = 1;
    run_go(run, &r, 5);
    expect_ruling(ruling(&run->log, "A", 0), 0, 1,
                  "not below the declared reservation 0");
    expect_ruling(ruling(&run->log, "A", 1), 0, 1,
                  "crosses none of the red lines");
    expect_ruling(ruling(&run->log, "A", 2), 0, 3, "names one ground");
    expect_ruling(ruling(&run->log, "A", 3), 0, 9, "no binding text");
    expect_ruling(ruling(&run->log, "A", 4), 0, 5, "names one ground");
    expect_ruling(ruling(&run->log, "B", 0), 0, 1, "crosses none");
    assert_int_equal(run->out.vetoes_valid, 0);
    assert_true(run->out.vetoes_refused >= 6);
    run_clear(run);

    /* A ground the rules do not allow. */
    r.veto_grounds = PARLEY_VETO_RED_LINE;
    run_init(run, sc);
    run->drv[1].script[0] =
        (scripted_t){1, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 0};
    run->drv[1].n_script = 1;
    run_go(run, &r, 5);
    expect_ruling(ruling(&run->log, "B", 0), 0, 1,
                  "do not allow vetoes on ground reservation");
    run_clear(run);

    /* A straw poll's text cannot be vetoed, and a veto in a pilot is not
     * ruled on at all: it is non-binding. */
    r.veto_grounds = PARLEY_VETO_RED_LINE | PARLEY_VETO_RESERVATION;
    r.pilots = 1;
    run_init(run, sc);
    run->drv[1].script[0] =
        (scripted_t){1, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 0};
    run->drv[1].script[1] =
        (scripted_t){2, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 1};
    run->drv[1].n_script = 2;
    run_go(run, &r, 5);
    const json_t *e = ruling(&run->log, "B", 0);
    assert_int_equal(int_of(e, "round"), 2);
    expect_ruling(e, 0, 1, "straw poll cannot be vetoed");
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

/* Both parties want the same. */
static const char *const COMMON_JSON =
    "{\"version\": 1, \"name\": \"common\", \"issues\": ["
    "{\"id\": \"d\", \"kind\": \"discrete\", \"options\": [\"p\", \"q\"]}],"
    "\"parties\": ["
    "{\"id\": \"A\", \"power\": 1, \"utility\": {"
    "\"d\": {\"weight\": 1, \"table\": {\"p\": 1, \"q\": 0}}}},"
    "{\"id\": \"B\", \"power\": 1, \"utility\": {"
    "\"d\": {\"weight\": 1, \"table\": {\"p\": 1, \"q\": 0.5}}}}"
    "]}";

static void test_pilot(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(DUEL_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    r.pilots = 1;
    r.veto_window = 2;
    r.veto_budget = 1;
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    /* B "vetoes" the pilot (round 1): nothing is ruled, nothing spent.
     * Then it vetoes round 2's binding text, validly. */
    run->drv[1].script[0] =
        (scripted_t){1, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 0};
    run->drv[1].script[1] =
        (scripted_t){2, PARLEY_ANSWER_VETO, PARLEY_VETO_RESERVATION, 0};
    run->drv[1].n_script = 2;
    run_go(run, &r, 9);
    const json_t *p = nth(&run->log, "pilot", 0);
    assert_non_null(p);
    assert_int_equal(int_of(p, "round"), 1);
    assert_int_equal(count(&run->log, "pilot", NULL), 1);
    /* The pilot's answers are logged as such, with public counts. */
    for (size_t i = 0; i < 2; i++) {
        const json_t *a = nth(&run->log, "answer", i);
        assert_int_equal(int_of(a, "round"), 1);
        assert_true(json_is_true(json_object_get(a, "pilot")));
    }
    const json_t *c = nth(&run->log, "counts", 0);
    assert_true(json_is_true(json_object_get(c, "pilot")));
    assert_int_equal(int_of(c, "veto"), 1);
    assert_int_equal(run->drv[0].pilot_answers, 1);
    assert_int_equal(run->drv[1].pilot_answers, 1);
    /* Not ruled; the budget is whole for round 2's veto. */
    const json_t *e = ruling(&run->log, "B", 0);
    assert_int_equal(int_of(e, "round"), 2);
    expect_ruling(e, 1, 2, "upheld");
    assert_int_equal(int_of(e, "budget_left"), 0);
    assert_int_equal(run->out.vetoes_valid, 1);
    run_clear(run);

    /* Everyone accepts the pilot: the cluster still needs its binding
     * round. */
    parley_scenario_t *easy = scenario(COMMON_JSON);
    run_init(run, easy);
    run_go(run, &r, 9);
    const json_t *first_pilot = nth(&run->log, "pilot", 0);
    const json_t *first_settled = nth(&run->log, "cluster_settled", 0);
    assert_int_equal(int_of(first_pilot, "round"), 1);
    assert_int_equal(int_of(nth(&run->log, "counts", 0), "accept"), 2);
    assert_int_equal(int_of(first_settled, "round"), 2);
    assert_int_equal(count(&run->log, "pilot", NULL), 1);
    assert_true(run->out.agreement);
    assert_int_equal(run->out.rounds, 2);
    run_clear(run);
    free(run);
    parley_scenario_free(easy);
    parley_scenario_free(sc);
}

/* Opposed interests on one issue with three options. */
static const char *const TUG_JSON =
    "{\"version\": 1, \"name\": \"tug\", \"issues\": ["
    "{\"id\": \"d\", \"kind\": \"discrete\", \"options\": [\"a\", \"b\", "
    "\"c\"]}],"
    "\"parties\": ["
    "{\"id\": \"A\", \"power\": 1, \"utility\": {"
    "\"d\": {\"weight\": 1, \"table\": {\"a\": 1, \"b\": 0.5, \"c\": 0}}}},"
    "{\"id\": \"B\", \"power\": 1, \"utility\": {"
    "\"d\": {\"weight\": 1, \"table\": {\"a\": 0, \"b\": 0.5, \"c\": 1}}}}"
    "]}";

/* Rounds in which `who` was asked to concede, from the log. */
static size_t asked_rounds(const logbuf_t *lb, const char *who,
                           long *rounds, size_t max)
{
    size_t n = 0;
    for (size_t e = 0; e < lb->n && n < max; e++)
        if (strcmp(kind_of(lb->ev[e]), "concession") == 0 &&
            strcmp(str_of(lb->ev[e], "party"), who) == 0)
            rounds[n++] = int_of(lb->ev[e], "round");
    return n;
}

static void test_reciprocity(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(TUG_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    r.rounds_per_cluster = 8;
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    /* A concedes a little whenever asked; B refuses until round 5. */
    run->drv[0].step = 0.01;
    run->drv[1].step = 0.01;
    run->drv[1].concede_from = 5;
    run_go(run, &r, 1);
    long ra[16], rb[16];
    size_t na = asked_rounds(&run->log, "A", ra, 16);
    size_t nb = asked_rounds(&run->log, "B", rb, 16);
    /* A conceded in round 1, then waited for B to match: B is asked every
     * round, and matches in round 5; only then is A asked again. */
    assert_true(na >= 2);
    assert_int_equal(ra[0], 1);
    assert_int_equal(ra[1], 6);
    assert_true(nb >= 5);
    for (long k = 0; k < 5; k++)
        assert_int_equal(rb[k], k + 1);
    for (size_t e = 0; e < run->log.n; e++) {
        const json_t *ev = run->log.ev[e];
        if (strcmp(kind_of(ev), "concession") != 0 ||
            strcmp(str_of(ev, "party"), "B") != 0)
            continue;
        double from = json_number_value(json_object_get(ev, "from"));
        double to = json_number_value(json_object_get(ev, "to"));
        if (int_of(ev, "round") < 5)
            assert_true(from == to); /* refused */
        else if (int_of(ev, "round") == 5)
            assert_true(to < from);
    }
    run_clear(run);

    /* Without reciprocity A is asked round after round. */
    r.reciprocity = 0;
    run_init(run, sc);
    run->drv[0].step = 0.01;
    run->drv[1].step = 0.01;
    run->drv[1].concede_from = 5;
    run_go(run, &r, 1);
    na = asked_rounds(&run->log, "A", ra, 16);
    assert_true(na >= 4);
    for (long k = 0; k < 4; k++)
        assert_int_equal(ra[k], k + 1);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

static void test_bounded_concessions(void **state)
{
    (void)state;
    /* TUG with a reservation of 0.3 for B. */
    const char *const json =
        "{\"version\": 1, \"name\": \"tug\", \"issues\": ["
        "{\"id\": \"d\", \"kind\": \"discrete\", \"options\": [\"a\", "
        "\"b\", \"c\"]}],"
        "\"parties\": ["
        "{\"id\": \"A\", \"power\": 1, \"utility\": {"
        "\"d\": {\"weight\": 1, \"table\": {\"a\": 1, \"b\": 0.5, \"c\": "
        "0}}}},"
        "{\"id\": \"B\", \"power\": 1, \"reservation\": 0.3, \"utility\": {"
        "\"d\": {\"weight\": 1, \"table\": {\"a\": 0, \"b\": 0.5, \"c\": "
        "1}}}}]}";
    parley_scenario_t *sc = scenario(json);
    parley_rules_t r;
    rules_quiet(&r);
    r.reciprocity = 0;
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    run->drv[0].step = 0.5; /* asks for far more than a step */
    run->drv[1].step = 0.5;
    run_go(run, &r, 1);
    size_t seen_a = 0, seen_b = 0;
    for (size_t e = 0; e < run->log.n; e++) {
        const json_t *ev = run->log.ev[e];
        if (strcmp(kind_of(ev), "concession") != 0)
            continue;
        double from = json_number_value(json_object_get(ev, "from"));
        double to = json_number_value(json_object_get(ev, "to"));
        double req = json_number_value(json_object_get(ev, "requested"));
        assert_true(fabs(req - (from - 0.5)) < 1e-12);
        assert_true(from - to <= 0.1 + 1e-12);
        if (strcmp(str_of(ev, "party"), "B") == 0) {
            /* Never below its declared reservation. */
            assert_true(to >= 0.3 - 1e-12);
            seen_b++;
        } else {
            assert_true(fabs(from - to - 0.1) < 1e-12 || to == 0);
            assert_true(json_is_true(json_object_get(ev, "clamped")));
            seen_a++;
        }
    }
    assert_true(seen_a > 0);
    assert_true(seen_b > 0);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

/* Working groups: on cluster cx A (0.5) and B (0.3) care, C (0.05) does
 * not; on cy everyone does. */
static const char *const WG_JSON =
    "{\"version\": 1, \"name\": \"groups\", \"issues\": ["
    "{\"id\": \"x\", \"kind\": \"discrete\", \"options\": [\"x0\", \"x1\", "
    "\"x2\"]},"
    "{\"id\": \"y\", \"kind\": \"discrete\", \"options\": [\"y0\", \"y1\"]}],"
    "\"clusters\": [{\"id\": \"cx\", \"issues\": [\"x\"]}, {\"id\": \"cy\", "
    "\"issues\": [\"y\"]}],"
    "\"parties\": ["
    "{\"id\": \"A\", \"power\": 1, \"utility\": {"
    "\"x\": {\"weight\": 0.5, \"table\": {\"x0\": 1, \"x1\": 0.5, \"x2\": 0}},"
    "\"y\": {\"weight\": 0.5, \"table\": {\"y0\": 1, \"y1\": 0}}}},"
    "{\"id\": \"B\", \"power\": 1, \"utility\": {"
    "\"x\": {\"weight\": 0.3, \"table\": {\"x0\": 0, \"x1\": 0.5, \"x2\": 1}},"
    "\"y\": {\"weight\": 0.7, \"table\": {\"y0\": 0.5, \"y1\": 1}}}},"
    "{\"id\": \"C\", \"power\": 1, \"utility\": {"
    "\"x\": {\"weight\": 0.05, \"table\": {\"x0\": 0, \"x1\": 1, \"x2\": 0}},"
    "\"y\": {\"weight\": 0.95, \"table\": {\"y0\": 1, \"y1\": 0.5}}}}"
    "]}";

static void test_working_groups(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(WG_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    r.working_groups = 1;
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    run_go(run, &r, 1);
    size_t n_wg = count(&run->log, "working_group", NULL);
    assert_int_equal(n_wg, 2);
    for (size_t i = 0; i < n_wg; i++) {
        const json_t *wg = nth(&run->log, "working_group", i);
        const json_t *mem = json_object_get(wg, "members");
        const char *unit = str_of(wg, "cluster");
        /* Membership by salience, from the declared weights. */
        size_t k = strcmp(unit, "cx") == 0 ? 0 : 1;
        size_t want = 0;
        for (size_t p = 0; p < 3; p++)
            if (sc->parties[p].weights[k] >= 0.15)
                want++;
        assert_int_equal(json_array_size(mem), want);
        if (k == 0) {
            assert_int_equal(want, 2);
            assert_string_equal(json_string_value(json_array_get(mem, 0)),
                                "A");
            assert_string_equal(json_string_value(json_array_get(mem, 1)),
                                "B");
            assert_true(json_is_true(json_object_get(wg, "drafts")));
        } else {
            assert_int_equal(want, 3);
            assert_false(json_is_true(json_object_get(wg, "drafts")));
        }
    }
    /* Only members answered while drafting; the draft then went to the
     * plenary, where C answered too. */
    assert_true(run->drv[0].drafting_answers > 0);
    assert_int_equal(run->drv[0].drafting_answers,
                     run->drv[1].drafting_answers);
    assert_int_equal(run->drv[2].drafting_answers, 0);
    const json_t *draft = nth(&run->log, "draft", 0);
    assert_non_null(draft);
    assert_string_equal(str_of(draft, "cluster"), "cx");
    const char *stage = "";
    size_t at_draft = 0;
    for (size_t e = 0; e < run->log.n; e++) {
        const json_t *ev = run->log.ev[e];
        if (strcmp(kind_of(ev), "text") == 0)
            stage = str_of(ev, "stage");
        if (strcmp(kind_of(ev), "answer") == 0 &&
            strcmp(stage, "drafting") == 0) {
            assert_string_not_equal(str_of(ev, "party"), "C");
            assert_string_equal(str_of(ev, "cluster"), "cx");
        }
        if (ev == draft)
            at_draft = e;
    }
    /* The next text is the draft, put to the plenary for ratification. */
    const json_t *ratify = NULL;
    for (size_t e = at_draft; e < run->log.n && !ratify; e++)
        if (strcmp(kind_of(run->log.ev[e]), "text") == 0)
            ratify = run->log.ev[e];
    assert_non_null(ratify);
    assert_string_equal(str_of(ratify, "stage"), "plenary");
    assert_string_equal(str_of(ratify, "cluster"), "cx");
    assert_int_equal(int_of(ratify, "round"), int_of(draft, "round") + 1);
    assert_true(json_equal(json_object_get(ratify, "text"),
                           json_object_get(draft, "text")));
    assert_true(count(&run->log, "answer", "C") > 0);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

/* B needs the guarantee to accept "a": 0.3 + 1 * 0.2 >= 0.4. */
static const char *const GUARANTEE_JSON =
    "{\"version\": 1, \"name\": \"guarantee\", \"issues\": ["
    "{\"id\": \"deal\", \"kind\": \"discrete\", \"options\": [\"a\", \"b\"]}],"
    "\"parties\": ["
    "{\"id\": \"A\", \"power\": 3, \"utility\": {"
    "\"deal\": {\"weight\": 1, \"table\": {\"a\": 1, \"b\": 0}}}},"
    "{\"id\": \"B\", \"power\": 1, \"reservation\": 0.4, \"utility\": {"
    "\"deal\": {\"weight\": 1, \"table\": {\"a\": 0.3, \"b\": 1}}}},"
    "{\"id\": \"bank\", \"role\": \"guarantor\"}],"
    "\"guarantees\": [{\"id\": \"g\", \"guarantor\": \"bank\", "
    "\"beneficiary\": \"B\", \"kind\": \"economic\", \"credibility\": 1, "
    "\"value\": 0.2, \"conditions\": [{\"issue\": \"deal\", \"op\": \"==\", "
    "\"value\": \"a\"}], \"criteria\": \"funds disbursed\"}]}";

static void test_guarantee(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(GUARANTEE_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    run->drv[1].accept_at = 0.4; /* B: u + guarantee bonus >= 0.4 */
    run->drv[1].veto_below_res = 1;
    run_go(run, &r, 1);
    assert_int_equal(count(&run->log, "guarantee_offer", NULL), 1);
    assert_true(run->out.agreement);
    assert_int_equal(run->out.package[0], 0); /* a, with the guarantee */
    const json_t *gp = nth(&run->log, "guarantee_provisional", 0);
    assert_non_null(gp);
    assert_string_equal(str_of(gp, "guarantee"), "g");
    assert_string_equal(str_of(gp, "beneficiary"), "B");
    assert_string_equal(str_of(gp, "criteria"), "funds disbursed");
    run_clear(run);

    /* Without guarantees B cannot accept "a" and vetoes it (validly: 0.3
     * is below its reservation); the talks end elsewhere. */
    r.guarantees = 0;
    run_init(run, sc);
    run->drv[1].accept_at = 0.4;
    run->drv[1].veto_below_res = 1;
    run_go(run, &r, 1);
    assert_int_equal(count(&run->log, "guarantee_offer", NULL), 0);
    assert_int_equal(count(&run->log, "guarantee_provisional", NULL), 0);
    assert_true(run->out.vetoes_valid >= 1);
    if (run->out.agreement)
        assert_int_equal(run->out.package[0], 1);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

/*
 * Repair: two clusters settle, then A objects to the whole text until x
 * holds x2.  B is indifferent on x, so one change on x mends it each time.
 */
static const char *const REPAIR_JSON =
    "{\"version\": 1, \"name\": \"repair\", \"issues\": ["
    "{\"id\": \"x\", \"kind\": \"discrete\", \"options\": [\"x0\", \"x1\", "
    "\"x2\"]},"
    "{\"id\": \"y\", \"kind\": \"discrete\", \"options\": [\"y0\", \"y1\", "
    "\"y2\"]},"
    "{\"id\": \"z\", \"kind\": \"discrete\", \"options\": [\"z0\", \"z1\"]}],"
    "\"clusters\": [{\"id\": \"cx\", \"issues\": [\"x\"]}, {\"id\": \"cyz\", "
    "\"issues\": [\"y\", \"z\"]}],"
    "\"parties\": ["
    "{\"id\": \"A\", \"power\": 1, \"utility\": {"
    "\"x\": {\"weight\": 0.2, \"table\": {\"x0\": 1, \"x1\": 1, \"x2\": 1}},"
    "\"y\": {\"weight\": 0.4, \"table\": {\"y0\": 1, \"y1\": 0.5, \"y2\": 0}},"
    "\"z\": {\"weight\": 0.4, \"table\": {\"z0\": 1, \"z1\": 0}}}},"
    "{\"id\": \"B\", \"power\": 1, \"utility\": {"
    "\"x\": {\"weight\": 0.2, \"table\": {\"x0\": 1, \"x1\": 1, \"x2\": 1}},"
    "\"y\": {\"weight\": 0.4, \"table\": {\"y0\": 0, \"y1\": 0.5, \"y2\": 1}},"
    "\"z\": {\"weight\": 0.4, \"table\": {\"z0\": 0.5, \"z1\": 1}}}}"
    "]}";

/*
 * At a REPAIR event: no text at fewer changed issues than the repair's
 * meets every aspiration and escapes every exclusion (slow, obvious: all
 * packages of the scenario).
 */
static void check_repair(void)
{
    parley_session_t *s = current;
    assert_non_null(s);
    size_t K = s->K, P = s->P;
    const parley_scenario_t *pub = s->plan->pub;
    int changed = 0;
    for (size_t k = 0; k < K; k++)
        changed += s->pkg2[k] != s->text[k];
    uint32_t pkg[PARLEY_MAX_ISSUES], pick[PARLEY_MAX_ISSUES];
    double u[PARLEY_MAX_PARTIES];
    memset(pkg, 0, sizeof pkg);
    int best = (int)K + 1;
    double best_obj = 0, best_sum = 0;
    int best_fok = 0;
    parley__weights(s);
    for (;;) {
        parley__utility(s, s->draft, pkg, u);
        int fits = !parley__excluded(s, pkg);
        /* Aspirations bind the mediator's texts only when it drafts from
         * disclosed profiles. */
        for (size_t v = 0; fits && !s->draft->learned && v < P; v++)
            fits = u[v] >= s->asp[v] - PARLEY__EPS;
        if (fits) {
            int d = 0;
            for (size_t k = 0; k < K; k++)
                d += pkg[k] != s->text[k];
            double obj = parley__med_objective(s, s->draft, u), sum = 0;
            for (size_t v = 0; v < P; v++)
                sum += u[v];
            /* The floor (mediated): every normalized gain reaches it. */
            const parley_rules_t *ru = &s->plan->rules;
            int fok = 1;
            for (size_t v = 0; v < P && ru->has_floor &&
                               ru->concept == PARLEY_CONCEPT_MEDIATED;
                 v++) {
                double den = s->draft->best[v] - s->draft->res[v];
                if (den > 0 &&
                    (u[v] - s->draft->res[v]) / den < ru->floor - PARLEY__EPS)
                    fok = 0;
            }
            /* fewest changes, then the floor, the concept, the sum, then
             * the lowest index (the enumeration's order) */
            if (d < best ||
                (d == best &&
                 (fok > best_fok ||
                  (fok == best_fok &&
                   (obj > best_obj || (obj == best_obj && sum > best_sum)))))) {
                best = d;
                best_fok = fok;
                best_obj = obj;
                best_sum = sum;
                memcpy(pick, pkg, K * sizeof *pkg);
            }
        }
        size_t k = K;
        while (k-- > 0) {
            if (++pkg[k] < pub->issues[k].n_options)
                break;
            pkg[k] = 0;
        }
        if (k == (size_t)-1)
            break;
    }
    assert_memory_equal(pick, s->pkg2, K * sizeof *pick);
    assert_int_equal(changed, best);
    /* and the repaired text is one of them */
    parley__utility(s, s->draft, s->pkg2, u);
    assert_false(parley__excluded(s, s->pkg2));
    for (size_t v = 0; !s->draft->learned && v < P; v++)
        assert_true(u[v] >= s->asp[v] - PARLEY__EPS);
    repairs_checked++;
}

static void test_repair(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(REPAIR_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    run->drv[0].fussy_issue = 0;
    run->drv[0].fussy_want = 2;
    run->log.check_session = 1;
    repairs_checked = 0;
    run_go(run, &r, 1);
    if (getenv("SHOW_LOG"))
        fputs(run->log.bytes, stderr);
    assert_true(run->out.agreement);
    assert_int_equal(run->out.package[0], 2);
    size_t n = count(&run->log, "repair", NULL);
    assert_true(n >= 1);
    assert_int_equal(repairs_checked, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *rep = nth(&run->log, "repair", i);
        const json_t *ch = json_object_get(rep, "changed");
        assert_int_equal(json_array_size(ch), 1);
        assert_string_equal(json_string_value(json_array_get(ch, 0)), "x");
    }
    /* The whole text was put first, with both clusters' state; the
     * repairs come after it. */
    const json_t *in = nth(&run->log, "integration", 0);
    assert_non_null(in);
    const json_t *cl = json_object_get(in, "clusters");
    assert_int_equal(json_array_size(cl), 2);
    assert_string_equal(str_of(json_array_get(cl, 1), "status"), "agreed");
    assert_true(int_of(nth(&run->log, "repair", 0), "seq") >
                int_of(in, "seq"));
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

static void test_impasse_at_deadline(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(TUG_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    r.max_rounds = 6;
    r.rounds_per_cluster = 6;
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    run->drv[0].never_accept = 1;
    run->drv[1].never_accept = 1;
    run_go(run, &r, 1);
    assert_false(run->out.agreement);
    assert_int_equal(run->out.rounds, 6);
    const json_t *imp = nth(&run->log, "impasse", 0);
    assert_non_null(imp);
    assert_non_null(strstr(str_of(imp, "reason"), "deadline reached"));
    assert_int_equal(int_of(imp, "rounds"), 6);
    /* The best text reached is a text that was tabled, and is what the
     * outcome gives. */
    const json_t *best = json_object_get(imp, "best_text");
    assert_true(json_is_object(best));
    uint32_t b[1];
    text_of(sc, best, b);
    assert_int_equal(b[0], run->out.package[0]);
    int tabled = 0;
    for (size_t i = 0; i < count(&run->log, "text", NULL); i++)
        if (json_equal(json_object_get(nth(&run->log, "text", i), "text"),
                       best))
            tabled = 1;
    assert_true(tabled);
    /* b leaves the smallest total shortfall whatever the aspirations. */
    assert_int_equal(b[0], 1);
    assert_int_equal(count(&run->log, "agreement", NULL), 0);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

static void test_walkout_and_failure(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(TUG_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    run->drv[1].script[0] = (scripted_t){2, PARLEY_ANSWER_WALKOUT, 0, 0};
    run->drv[1].n_script = 1;
    run_go(run, &r, 1);
    assert_false(run->out.agreement);
    const json_t *w = nth(&run->log, "walkout", 0);
    assert_non_null(w);
    assert_string_equal(str_of(w, "party"), "B");
    assert_string_equal(str_of(w, "reason"), "scripted");
    assert_non_null(strstr(str_of(nth(&run->log, "impasse", 0), "reason"),
                           "walk-out by party 'B'"));
    run_clear(run);

    /* An invalid answer is a driver failure: impasse, and the error. */
    run_init(run, sc);
    run->drv[0].script[0] =
        (scripted_t){1, (parley_answer_kind_t)9, 0, 0};
    run->drv[0].n_script = 1;
    run_go(run, &r, 1);
    assert_int_equal(run->st, PARLEY_EINVALID);
    assert_false(run->out.agreement);
    assert_non_null(strstr(str_of(nth(&run->log, "impasse", 0), "reason"),
                           "driver failure: party 'A' gave an invalid "
                           "answer"));
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

static void test_disclosure_and_concerns(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(DUEL_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    /* A says B's ... no: A inflates its own reservation; B hides its red
     * line and voices a concern. */
    run->drv[0].disclose_mode = 1;
    run->drv[0].inflate = 0.25;
    run->drv[1].disclose_mode = 2;
    run->drv[1].send_concern = 1;
    run_go(run, &r, 1);
    assert_int_equal(run->drv[0].discloses, 1);
    const json_t *da = nth(&run->log, "disclosure", 0);
    const json_t *db = nth(&run->log, "disclosure", 1);
    assert_string_equal(str_of(da, "party"), "A");
    assert_true(json_number_value(json_object_get(da, "reservation")) ==
                0.25);
    assert_int_equal(json_array_size(json_object_get(db, "red_lines")), 0);
    assert_true(json_number_value(json_object_get(
                    json_object_get(json_object_get(json_object_get(
                                                        da, "utility"),
                                                    "d"),
                                    "values"),
                    "b")) == 0.5);
    const json_t *c = nth(&run->log, "concern", 0);
    assert_non_null(c);
    assert_string_equal(str_of(c, "party"), "B");
    assert_string_equal(str_of(c, "text"), "worried about \"B\"");
    /* The mediator used what it was told: B's hidden red line did not
     * keep "a" out of the texts' candidates (its floor did). A's inflated
     * reservation is its floor. */
    for (size_t e = 0; e < run->log.n; e++) {
        const json_t *ev = run->log.ev[e];
        if (strcmp(kind_of(ev), "concession") == 0 &&
            strcmp(str_of(ev, "party"), "A") == 0)
            assert_true(json_number_value(json_object_get(ev, "to")) >=
                        0.25 - 1e-12);
    }
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

static void test_without_private_channels(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(DUEL_JSON);
    parley_rules_t r;
    rules_quiet(&r);
    r.private_channels = 0;
    r.working_groups = 1;
    r.veto_window = 2;
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    run->drv[1].veto_below_res = 1;
    run->drv[1].script[0] =
        (scripted_t){1, PARLEY_ANSWER_VETO, PARLEY_VETO_RED_LINE, 0};
    run->drv[1].n_script = 1;
    run_go(run, &r, 1);
    /* The mediator knows nothing of the profiles: its first text is the
     * first option, which crosses B's (sealed) red line; the veto on it
     * is upheld, and no later text crosses it. */
    uint32_t t1[1];
    text_of(sc, json_object_get(nth(&run->log, "text", 0), "text"), t1);
    assert_int_equal(t1[0], 0);
    expect_ruling(ruling(&run->log, "B", 0), 1, 1, "red line on issue 'd'");
    for (size_t i = 1; i < count(&run->log, "text", NULL); i++) {
        uint32_t t[1];
        text_of(sc, json_object_get(nth(&run->log, "text", i), "text"), t);
        assert_int_not_equal(t[0], 0);
    }
    /* Disclosures still happen (sealed), agendas carry no measure. */
    assert_int_equal(count(&run->log, "disclosure", NULL), 2);
    assert_true(json_number_value(json_object_get(
                    json_array_get(json_object_get(nth(&run->log, "agenda",
                                                       0),
                                                   "order"),
                                   0),
                    "conflict")) == 0);
    assert_true(run->out.agreement);
    assert_true(utility(sc, 1, run->out.package) >= 0.6 ||
                run->out.package[0] == 2);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

/* ---- invariants over random scenarios, rules and drivers --------------- */

/*
 * The random scenarios of tests/support are deliberately awkward, some
 * beyond what the format allows (a table on a numeric issue, a negative
 * reservation, an option id listed twice).  Sessions take only scenarios
 * that pass the check, so those are mended into the nearest valid one:
 * the table becomes a piecewise-linear function through the same points.
 */
static parley_scenario_t *
valid_random_scenario(uint64_t seed, const random_scenario_params_t *p)
{
    parley_scenario_t *sc = random_scenario(seed, p);
    assert_non_null(sc);
    for (size_t k = 0; k < sc->n_issues; k++) {
        parley_issue_t *is = &sc->issues[k];
        for (size_t j = 0; is->options && j < is->n_options; j++) {
            char id[32];
            snprintf(id, sizeof id, "o%zu", j);
            parley_free(is->options[j]);
            is->options[j] = parley_strdup(id);
        }
    }
    for (size_t i = 0; i < sc->n_parties; i++) {
        parley_party_t *pa = &sc->parties[i];
        if (pa->reservation < 0)
            pa->reservation = 0;
        for (size_t q = 0; q < pa->n_red_lines; q++) {
            parley_red_line_t *rl = &pa->red_lines[q];
            size_t m = 0;
            for (size_t t = 0; t < rl->n_options; t++) {
                size_t u = 0;
                while (u < m && rl->options[u] != rl->options[t])
                    u++;
                if (u == m)
                    rl->options[m++] = rl->options[t];
            }
            rl->n_options = m;
        }
        for (size_t k = 0; pa->values && k < sc->n_issues; k++) {
            parley_value_fn_t *f = &pa->values[k];
            const parley_issue_t *is = &sc->issues[k];
            if (f->kind != PARLEY_VALUE_TABLE ||
                is->kind == PARLEY_ISSUE_DISCRETE)
                continue;
            f->xs = parley_calloc(f->n_table, sizeof *f->xs);
            f->ys = f->table;
            f->n_points = f->n_table;
            for (size_t j = 0; j < f->n_table; j++)
                f->xs[j] = parley_issue_option_number(is, j);
            f->table = NULL;
            f->n_table = 0;
            f->kind = PARLEY_VALUE_PIECEWISE;
        }
    }
    parley_diags_t *d = parley_diags_new();
    if (parley_scenario_check(sc, "random", d) != PARLEY_OK) {
        parley_diags_print(d, stderr);
        fail_msg("random scenario %llu stays invalid",
                 (unsigned long long)seed);
    }
    parley_diags_free(d);
    return sc;
}

static void random_rules(parley_rules_t *r, const parley_scenario_t *sc,
                         uint64_t *rng)
{
    parley_rules_init(r);
    r->decision = random_range(rng, 0, 1) ? PARLEY_DECIDE_NO_OBJECTION
                                          : PARLEY_DECIDE_UNANIMITY;
    static const parley_agenda_policy_t ag[] = {
        PARLEY_AGENDA_EASY_FIRST, PARLEY_AGENDA_HARD_FIRST,
        PARLEY_AGENDA_ALL_AT_ONCE};
    r->agenda = ag[random_range(rng, 0, 2)];
    r->pilots = (int)random_range(rng, 0, 1);
    r->working_groups = (int)random_range(rng, 0, 1);
    r->private_channels = random_range(rng, 0, 3) != 0;
    r->publish_counts = (int)random_range(rng, 0, 1);
    r->reciprocity = (int)random_range(rng, 0, 1);
    r->veto_window = (unsigned)random_range(rng, 1, 3);
    r->veto_budget = (unsigned)random_range(rng, 0, 3);
    r->veto_grounds = (unsigned)random_range(rng, 0, 3);
    r->max_step = 0.05 + 0.05 * (double)random_range(rng, 0, 5);
    r->concept = (parley_concept_t)random_range(rng, 0, 5);
    r->lambda = 0.25 * (double)random_range(rng, 0, 4);
    if (r->concept == PARLEY_CONCEPT_MEDIATED && random_range(rng, 0, 1)) {
        r->has_floor = 1;
        r->floor = 0.2;
    }
    r->rounds_per_cluster = (unsigned)random_range(rng, 3, 8);
    r->max_rounds =
        parley_rules_min_rounds(r, sc) + (unsigned)random_range(rng, 0, 30);
}

/* The declared profile of scenario party i in a run. */
static const parley_party_t *declared_of(const run_t *run, size_t i)
{
    return run->drv[i].has_declared ? &run->drv[i].declared
                                    : &run->sc->parties[i];
}

static void check_invariants(const run_t *run, const parley_rules_t *r)
{
    const parley_scenario_t *sc = run->sc;
    const logbuf_t *lb = &run->log;
    size_t N = sc->n_parties;
    unsigned used[PARLEY_MAX_PARTIES] = {0};
    /* Every veto in a binding round, ruled again here. */
    for (size_t e = 0; e < lb->n; e++) {
        const json_t *a = lb->ev[e];
        if (strcmp(kind_of(a), "answer") != 0 ||
            strcmp(str_of(a, "answer"), "veto") != 0 ||
            json_is_true(json_object_get(a, "pilot")))
            continue;
        const char *who = str_of(a, "party");
        size_t i = 0;
        while (strcmp(sc->parties[i].id, who) != 0)
            i++;
        long round = int_of(a, "round"), tr = int_of(a, "text_round");
        const char *g = str_of(a, "ground");
        unsigned ground = 0;
        if (strcmp(g, "red_line") == 0)
            ground = PARLEY_VETO_RED_LINE;
        else if (strcmp(g, "reservation") == 0)
            ground = PARLEY_VETO_RESERVATION;
        const json_t *text = NULL;
        for (size_t t = 0; t < lb->n; t++)
            if (strcmp(kind_of(lb->ev[t]), "text") == 0 &&
                int_of(lb->ev[t], "round") == tr)
                text = lb->ev[t];
        int valid = ground && (ground & r->veto_grounds) && text &&
                    tr <= round && round < tr + (long)r->veto_window &&
                    used[i] < r->veto_budget;
        if (valid) {
            uint32_t pkg[PARLEY_MAX_ISSUES];
            text_of(sc, json_object_get(text, "text"), pkg);
            const parley_party_t *d = declared_of(run, i);
            if (ground == PARLEY_VETO_RED_LINE) {
                valid = crosses(sc, d, pkg);
            } else {
                double u = 0;
                for (size_t k = 0; k < sc->n_issues; k++)
                    u += d->weights[k] *
                         parley_value_eval(&d->values[k], &sc->issues[k],
                                           pkg[k]);
                u += bonus(sc, r, i, pkg);
                valid = u < d->reservation - PARLEY__EPS;
            }
        }
        /* The ruling follows the answer. */
        const json_t *rul = NULL;
        for (size_t t = e + 1; t < lb->n && !rul; t++)
            if (strcmp(kind_of(lb->ev[t]), "veto_ruling") == 0 &&
                strcmp(str_of(lb->ev[t], "party"), who) == 0)
                rul = lb->ev[t];
        assert_non_null(rul);
        assert_int_equal(int_of(rul, "round"), round);
        if (json_is_true(json_object_get(rul, "upheld")) != valid)
            fail_msg("veto by %s in round %ld on round %ld: ruled %s, "
                     "should be %s (%s)",
                     who, round, tr,
                     json_is_true(json_object_get(rul, "upheld")) ? "upheld"
                                                                  : "refused",
                     valid ? "upheld" : "refused", str_of(rul, "reason"));
        if (valid)
            used[i]++;
    }
    const json_t *ag = nth(lb, "agreement", 0);
    assert_int_equal(run->out.agreement, ag != NULL);
    assert_int_equal(count(lb, "agreement", NULL) + count(lb, "impasse", NULL),
                     1);
    if (!ag)
        return;
    uint32_t pkg[PARLEY_MAX_ISSUES];
    text_of(sc, json_object_get(ag, "text"), pkg);
    for (size_t k = 0; k < sc->n_issues; k++)
        assert_int_equal(pkg[k], run->out.package[k]);
    long round = int_of(ag, "round");
    for (size_t i = 0; i < N; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        const char *answer = NULL;
        int upheld = 0;
        for (size_t e = 0; e < lb->n; e++) {
            const json_t *a = lb->ev[e];
            if (int_of(a, "round") != round || !str_of(a, "party") ||
                strcmp(str_of(a, "party"), sc->parties[i].id) != 0)
                continue;
            if (strcmp(kind_of(a), "answer") == 0 &&
                !json_is_true(json_object_get(a, "pilot")))
                answer = str_of(a, "answer");
            if (strcmp(kind_of(a), "veto_ruling") == 0 &&
                json_is_true(json_object_get(a, "upheld")))
                upheld = 1;
        }
        assert_non_null(answer); /* everyone answered the final text */
        int accepted = strcmp(answer, "accept") == 0;
        if (r->decision == PARLEY_DECIDE_UNANIMITY)
            assert_true(accepted);
        assert_false(upheld);
        /* No one below its reservation unless it accepted. */
        double u = utility(sc, i, pkg) + bonus(sc, r, i, pkg);
        if (!accepted && u < sc->parties[i].reservation - 1e-9)
            fail_msg("party %s left at %g below its reservation %g without "
                     "accepting",
                     sc->parties[i].id, u, sc->parties[i].reservation);
        /* The rules: declared red lines hold unless the party accepted. */
        if (!accepted)
            assert_false(crosses(sc, declared_of(run, i), pkg));
        if (r->private_channels) {
            /* With private channels the mediator never writes across a
             * declared red line. */
            assert_false(crosses(sc, declared_of(run, i), pkg));
        }
    }
}

static void setup_random_drivers(run_t *run, const parley_rules_t *r,
                                 uint64_t seed)
{
    const parley_scenario_t *sc = run->sc;
    uint64_t rng = seed * 7919 + 1;
    for (size_t i = 0; i < sc->n_parties; i++) {
        tdrv_t *t = &run->drv[i];
        t->random = 1;
        t->rng = seed * 31 + i;
        t->step = 0.02 + 0.04 * (double)random_range(&rng, 0, 3);
        t->veto_below_res = (int)random_range(&rng, 0, 1);
        /* What a party declares: the truth, a higher reservation, no red
         * lines, or a doubled weight.  Under no objection a party is
         * protected by the floor it declares, so there it does not
         * understate its floor (a higher one only). */
        unsigned m = (unsigned)random_range(&rng, 0, 3);
        if (r->decision == PARLEY_DECIDE_NO_OBJECTION && m == 3)
            m = 0;
        t->disclose_mode = (int)m;
        t->inflate = 0.1;
        if (random_range(&rng, 0, 1))
            t->d.disclose = NULL; /* truthful, without a callback */
        if (random_range(&rng, 0, 3) == 0)
            t->d.concede = NULL; /* never concedes */
        t->send_concern = (int)random_range(&rng, 0, 1);
    }
}

static void test_invariants_random(void **state)
{
    (void)state;
    random_scenario_params_t p;
    random_scenario_params_default(&p);
    p.max_packages = 3000;
    p.max_parties = 5;
    size_t agreements = 0, impasses = 0, vetoes = 0;
    repairs_checked = 0;
    for (uint64_t seed = 1; seed <= 160; seed++) {
        parley_scenario_t *sc = valid_random_scenario(seed, &p);
        uint64_t rng = seed;
        parley_rules_t r;
        random_rules(&r, sc, &rng);
        assert_int_equal(parley_rules_check(&r, sc, "r", NULL), PARLEY_OK);
        run_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
        run_init(a, sc);
        setup_random_drivers(a, &r, seed);
        a->log.check_session = 1; /* every repair against brute force */
        run_go(a, &r, seed);
        check_invariants(a, &r);
        /* The same seed gives the same log, byte for byte. */
        run_init(b, sc);
        setup_random_drivers(b, &r, seed);
        run_go(b, &r, seed);
        assert_int_equal(a->log.len, b->log.len);
        assert_memory_equal(a->log.bytes, b->log.bytes, a->log.len);
        agreements += a->out.agreement;
        impasses += !a->out.agreement;
        vetoes += a->out.vetoes_valid + a->out.vetoes_refused;
        run_clear(a);
        run_clear(b);
        free(a);
        free(b);
        parley_scenario_free(sc);
    }
    /* The cases exercise both ends and the vetoes. */
    assert_true(agreements > 20);
    assert_true(impasses > 5);
    assert_true(vetoes > 50);
    assert_true(repairs_checked > 10);
}

/* A plan serves many sessions; a reset session gives the same log as a
 * fresh one, and a session without listener the same outcome. */
/* ---- plan reuse, reset and event filters ------------------------------ */

/* Every event line as received, by seq, without the checks of on_event
 * (a filtered listener sees gaps in seq by design). */
typedef struct {
    char *line[4096];
    parley_event_kind_t kind[4096];
    uint64_t last_seq;
    size_t n;
    int wide;           /* set when the filter is widened */
    uint64_t wide_from; /* the first seq received after that */
} seqlog_t;

static void on_event_seq(void *ctx, const parley_event_t *ev)
{
    seqlog_t *sl = ctx;
    assert_true(ev->seq < 4096);
    assert_null(sl->line[ev->seq]);
    if (sl->n)
        assert_true(ev->seq > sl->last_seq);
    sl->line[ev->seq] = strdup(ev->json);
    sl->kind[ev->seq] = ev->kind;
    sl->last_seq = ev->seq;
    sl->n++;
    if (sl->wide == 1) {
        sl->wide = 2;
        sl->wide_from = ev->seq;
    }
}

/*
 * A listener that watches only texts and pilots for the first `quiet`
 * steps and everything after gets exactly those lines of the full log,
 * byte for byte and under the same seq: the rest of the log is as if it
 * had listened from the start.
 */
static void check_filtered_log(parley_session_t *s, run_t *r,
                               const run_t *full, const parley_rules_t *rules,
                               uint64_t seed, unsigned quiet)
{
    (void)rules;
    seqlog_t *sl = calloc(1, sizeof *sl);
    assert_non_null(sl);
    parley_session_opts_t o = {seed, on_event_seq, sl, NULL, NULL};
    assert_int_equal(parley_session_reset(s, r->dp, &o), PARLEY_OK);
    uint64_t texts = (UINT64_C(1) << PARLEY_EVENT_TEXT) |
                     (UINT64_C(1) << PARLEY_EVENT_PILOT);
    parley_session_filter_events(s, texts);
    unsigned steps = 0;
    sl->wide_from = UINT64_MAX;
    while (parley_session_phase(s) != PARLEY_PHASE_AGREEMENT &&
           parley_session_phase(s) != PARLEY_PHASE_IMPASSE) {
        if (steps++ == quiet) {
            parley_session_filter_events(s, 0);
            sl->wide = 1;
        }
        parley_session_step(s);
    }
    /* The full log's lines, by seq; everything from the first line after
     * widening is there. */
    size_t n_full = 0;
    const char *p = full->log.bytes;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        size_t len = (size_t)(nl - p);
        json_t *o2 = full->log.ev[n_full];
        const char *kind = json_string_value(json_object_get(o2, "kind"));
        int text = !strcmp(kind, "text") || !strcmp(kind, "pilot");
        char *got = sl->line[n_full];
        if (got) {
            assert_int_equal(strlen(got), len);
            assert_memory_equal(got, p, len);
        }
        /* Before widening: texts only, every one; after: everything. */
        if (text || n_full >= sl->wide_from)
            assert_non_null(got);
        else
            assert_null(got);
        n_full++;
        p = nl + 1;
    }
    for (size_t i = 0; i < 4096; i++)
        free(sl->line[i]);
    free(sl);
}

static void test_plan_reset_same_log(void **state)
{
    (void)state;
    random_scenario_params_t p;
    random_scenario_params_default(&p);
    p.max_packages = 3000;
    for (uint64_t seed = 200; seed < 230; seed++) {
        parley_scenario_t *sc = valid_random_scenario(seed, &p);
        uint64_t rng = seed;
        parley_rules_t r;
        random_rules(&r, sc, &rng);
        run_t *fresh = calloc(1, sizeof *fresh);
        run_init(fresh, sc);
        setup_random_drivers(fresh, &r, seed);
        run_go(fresh, &r, seed);

        parley_session_plan_t *plan = NULL;
        assert_int_equal(parley_session_plan_new(sc, &r, &plan, NULL),
                         PARLEY_OK);
        assert_true(parley_rules_equal(parley_session_plan_rules(plan), &r));
        run_t *other = calloc(1, sizeof *other);
        run_init(other, sc);
        setup_random_drivers(other, &r, seed + 1000);
        parley_session_opts_t o = {seed + 1000, on_event, &other->log, NULL,
                                   NULL};
        parley_session_t *s = NULL;
        assert_int_equal(
            parley_session_new_planned(plan, other->dp, &o, &s, NULL),
            PARLEY_OK);
        parley_session_run(s);

        run_t *again = calloc(1, sizeof *again);
        run_init(again, sc);
        setup_random_drivers(again, &r, seed);
        parley_session_opts_t o2 = {seed, on_event, &again->log, NULL,
                                    NULL};
        assert_int_equal(parley_session_reset(s, again->dp, &o2), PARLEY_OK);
        assert_int_equal(parley_session_phase(s), PARLEY_PHASE_SETUP);
        parley_session_run(s);
        assert_int_equal(again->log.len, fresh->log.len);
        assert_memory_equal(again->log.bytes, fresh->log.bytes,
                            fresh->log.len);

        /* No listener: nothing is built, the outcome is the same. */
        run_t *quiet = calloc(1, sizeof *quiet);
        run_init(quiet, sc);
        setup_random_drivers(quiet, &r, seed);
        parley_session_opts_t o3 = {seed, NULL, NULL, NULL, NULL};
        assert_int_equal(parley_session_reset(s, quiet->dp, &o3), PARLEY_OK);
        parley_session_run(s);
        parley_outcome_t out;
        assert_int_equal(parley_session_outcome(s, &out), PARLEY_OK);
        assert_int_equal(out.agreement, fresh->out.agreement);
        assert_int_equal(out.rounds, fresh->out.rounds);
        assert_int_equal(out.concessions, fresh->out.concessions);
        assert_memory_equal(out.package, fresh->out.package,
                            sc->n_issues * sizeof *out.package);

        run_t *filtered = calloc(1, sizeof *filtered);
        run_init(filtered, sc);
        setup_random_drivers(filtered, &r, seed);
        check_filtered_log(s, filtered, fresh, &r, seed, (unsigned)(seed % 23));
        run_clear(filtered);
        free(filtered);
        parley_session_free(s);
        parley_session_plan_free(plan);
        run_clear(fresh);
        run_clear(other);
        run_clear(again);
        run_clear(quiet);
        free(fresh);
        free(other);
        free(again);
        free(quiet);
        parley_scenario_free(sc);
    }
}

/* Under a filter, every event the filter leaves out still takes its seq,
 * also where one step emits several of a kind (river-basin's two
 * guarantee offers): the lines after widening are the full log's. */
static void test_filter_keeps_seq(void **state)
{
    (void)state;
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_scenario_read_file(PARLEY_SOURCE_DIR
                                               "/examples/river-basin.json",
                                               &sc, NULL),
                     PARLEY_OK);
    parley_rules_t r;
    parley_rules_of(sc, &r);
    run_t *fresh = calloc(1, sizeof *fresh);
    run_init(fresh, sc);
    setup_random_drivers(fresh, &r, 5);
    run_go(fresh, &r, 5);
    assert_int_equal(count(&fresh->log, "guarantee_offer", NULL), 2);
    parley_session_plan_t *plan = NULL;
    assert_int_equal(parley_session_plan_new(sc, &r, &plan, NULL), PARLEY_OK);
    for (unsigned quiet = 0; quiet < 8; quiet++) {
        run_t *filtered = calloc(1, sizeof *filtered);
        run_init(filtered, sc);
        setup_random_drivers(filtered, &r, 5);
        parley_session_opts_t o = {5, NULL, NULL, NULL, NULL};
        parley_session_t *s = NULL;
        assert_int_equal(parley_session_new_planned(plan, filtered->dp, &o,
                                                    &s, NULL),
                         PARLEY_OK);
        check_filtered_log(s, filtered, fresh, &r, 5, quiet);
        parley_session_free(s);
        run_clear(filtered);
        free(filtered);
    }
    parley_session_plan_free(plan);
    run_clear(fresh);
    free(fresh);
    parley_scenario_free(sc);
}

/* ---- bad input -------------------------------------------------------- */

static const parley_diag_t *find_diag(const parley_diags_t *d,
                                      const char *path)
{
    for (size_t i = 0; i < parley_diags_count(d); i++)
        if (strcmp(parley_diags_get(d, i)->path, path) == 0)
            return parley_diags_get(d, i);
    parley_diags_print(d, stderr);
    fail_msg("no diagnostic at %s", path);
    return NULL;
}

static void test_bad_input(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(AGENDA_JSON);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    parley_session_t *s = NULL;
    parley_diags_t *d = parley_diags_new();

    /* A timetable that cannot fit the agenda. */
    parley_rules_t r;
    parley_rules_init(&r);
    r.max_rounds = 6; /* 3 units: 3 pilots + 3 texts + integration */
    assert_int_equal(parley_session_new(sc, &r, run->dp, NULL, &s, d),
                     PARLEY_EINVALID);
    assert_null(s);
    const parley_diag_t *dg = find_diag(d, "$.rules.timetable.max_rounds");
    assert_non_null(strstr(dg->message, "cannot fit the agenda"));
    parley_diags_clear(d);

    /* Contradictory rules. */
    parley_rules_init(&r);
    r.veto_window = 0;
    assert_int_equal(parley_session_new(sc, &r, run->dp, NULL, &s, d),
                     PARLEY_EINVALID);
    find_diag(d, "$.rules.veto.window");
    parley_diags_clear(d);

    /* A voting party without a driver. */
    run->dp[1] = NULL;
    assert_int_equal(parley_session_new(sc, NULL, run->dp, NULL, &s, d),
                     PARLEY_EARG);
    int said = 0;
    for (size_t i = 0; i < parley_diags_count(d); i++)
        said |= strstr(parley_diags_get(d, i)->message,
                       "party 'B' votes but has no driver") != NULL;
    assert_true(said);
    run->dp[1] = &run->drv[1].d;
    parley_diags_clear(d);

    /* A guarantee that names an unknown party. */
    sc->guarantees = parley_calloc(1, sizeof *sc->guarantees);
    sc->n_guarantees = 1;
    sc->guarantees[0].id = parley_strdup("g");
    sc->guarantees[0].guarantor = 9;
    sc->guarantees[0].beneficiary = 0;
    sc->guarantees[0].credibility = 1;
    sc->guarantees[0].value = 0.1;
    assert_int_equal(parley_session_new(sc, NULL, run->dp, NULL, &s, d),
                     PARLEY_EINVALID);
    dg = find_diag(d, "$.guarantees[0].guarantor");
    assert_non_null(strstr(dg->message, "unknown party"));
    parley_guarantees_free(sc->guarantees, 1);
    sc->guarantees = NULL;
    sc->n_guarantees = 0;
    parley_diags_clear(d);

    /* Rules for another scenario: an agenda naming unknown units. */
    char *order[3] = {"trust", "water", "energy"};
    parley_rules_init(&r);
    r.agenda = PARLEY_AGENDA_GIVEN;
    r.agenda_order = order;
    r.n_agenda_order = 3;
    assert_int_equal(parley_session_new(sc, &r, run->dp, NULL, &s, d),
                     PARLEY_EINVALID);
    find_diag(d, "$.rules.agenda.order[2]");
    parley_diags_clear(d);

    /* Arguments. */
    assert_int_equal(parley_session_new(NULL, NULL, run->dp, NULL, &s, d),
                     PARLEY_EARG);
    assert_int_equal(parley_session_new(sc, NULL, NULL, NULL, &s, d),
                     PARLEY_EARG);
    assert_int_equal(parley_session_step(NULL), PARLEY_EARG);
    assert_int_equal(parley_session_run(NULL), PARLEY_EARG);
    parley_outcome_t out;
    assert_int_equal(parley_session_outcome(NULL, &out), PARLEY_EARG);
    parley_session_free(NULL);
    parley_session_plan_free(NULL);

    /* The outcome exists only once the session ended; steps after the
     * end do nothing. */
    assert_int_equal(parley_session_new(sc, NULL, run->dp, NULL, &s, d),
                     PARLEY_OK);
    assert_int_equal(parley_session_phase(s), PARLEY_PHASE_SETUP);
    assert_int_equal(parley_session_step(s), PARLEY_OK);
    assert_int_equal(parley_session_phase(s), PARLEY_PHASE_DISCLOSURE);
    assert_int_equal(parley_session_outcome(s, &out), PARLEY_EARG);
    assert_int_equal(parley_session_run(s), PARLEY_OK);
    unsigned rounds = parley_session_rounds(s);
    assert_int_equal(parley_session_step(s), PARLEY_OK);
    assert_int_equal(parley_session_rounds(s), rounds);
    assert_int_equal(parley_session_outcome(s, &out), PARLEY_OK);
    parley_session_free(s);
    parley_diags_free(d);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

/* An agenda unit too large to scan is refused with its place. */
static void test_unit_limit(void **state)
{
    (void)state;
    /* 21 binary issues: 2^21 packages at once. */
    char json[8192];
    size_t n = (size_t)snprintf(json, sizeof json,
                                "{\"version\": 1, \"name\": \"big\", "
                                "\"issues\": [");
    for (int k = 0; k < 21; k++)
        n += (size_t)snprintf(json + n, sizeof json - n,
                              "%s{\"id\": \"i%d\", \"kind\": \"integer\", "
                              "\"min\": 0, \"max\": 1}",
                              k ? "," : "", k);
    n += (size_t)snprintf(json + n, sizeof json - n,
                          "], \"parties\": [{\"id\": \"A\", \"power\": 1, "
                          "\"utility\": {\"i0\": {\"weight\": 1, "
                          "\"linear\": {\"offset\": 0, \"slope\": 1}}}}]}");
    parley_scenario_t *sc = scenario(json);
    parley_rules_t r;
    parley_rules_init(&r);
    r.agenda = PARLEY_AGENDA_ALL_AT_ONCE;
    parley_diags_t *d = parley_diags_new();
    parley_session_plan_t *plan = NULL;
    assert_int_equal(parley_session_plan_new(sc, &r, &plan, d),
                     PARLEY_ELIMIT);
    assert_null(plan);
    const parley_diag_t *dg = find_diag(d, "$.rules.agenda.policy");
    assert_non_null(strstr(dg->message, "2097152 candidate texts"));
    /* Issue by issue it is fine. */
    r.agenda = PARLEY_AGENDA_EASY_FIRST;
    r.max_rounds = 200;
    assert_int_equal(parley_session_plan_new(sc, &r, &plan, d), PARLEY_OK);
    parley_session_plan_free(plan);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

/* ---- allocation failures ---------------------------------------------- */

static void count_bytes(void *ctx, const parley_event_t *ev)
{
    *(size_t *)ctx += strlen(ev->json) + 1;
}

typedef struct session_run {
    const parley_scenario_t *sc;
    int misreport; /* A declares more than its reservation */
} session_run_t;

/* Creates and runs one session with a listener. */
static parley_status_t create_and_run(void *ctx)
{
    session_run_t *sr = ctx;
    failing_alloc_hold(1);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sr->sc);
    run->drv[0].disclose_mode = sr->misreport;
    run->drv[0].inflate = 0.1;
    run->drv[0].no_record = 1;
    run->drv[1].no_record = 1;
    failing_alloc_hold(0);
    size_t bytes = 0;
    parley_session_opts_t o = {1, count_bytes, &bytes, NULL, NULL};
    parley_rules_t r;
    parley_rules_init(&r);
    parley_session_t *s = NULL;
    parley_status_t st = parley_session_new(sr->sc, &r, run->dp, &o, &s, NULL);
    if (st == PARLEY_OK) {
        st = parley_session_run(s);
        parley_outcome_t out;
        assert_int_equal(parley_session_outcome(s, &out), PARLEY_OK);
        if (st != PARLEY_OK)
            assert_false(out.agreement);
        else
            assert_true(bytes > 0);
    } else {
        assert_null(s);
    }
    parley_session_free(s);
    failing_alloc_hold(1);
    free(run);
    failing_alloc_hold(0);
    return st;
}

/*
 * Creating and running a session, with a listener and with a disclosure
 * that differs from the truth (so that the mediator builds its own model),
 * fails cleanly at every allocation, once or from then on: ENOMEM (at
 * creation, or as the session's error with an impasse) and nothing left
 * allocated.
 */
static void test_alloc_failures(void **state)
{
    (void)state;
    parley_scenario_t *sc = scenario(DUEL_JSON);
    for (int misreport = 0; misreport < 2; misreport++)
        for (int keep = 0; keep < 2; keep++) {
            session_run_t sr = {sc, misreport};
            failing_alloc_opts_t o = {.name = "session",
                                      .keep_failing = keep};
            failing_alloc_result_t r =
                failing_alloc_sweep(create_and_run, &sr, &o);
            assert_true(r.allocations > 50);
        }
    parley_scenario_free(sc);
}

/*
 * A study's session: reset and run with no listener and parties that
 * disclose the truth (no disclose callback) allocates nothing at all; with
 * a listener, only the log buffer grows (and is reused by the next run).
 */
static void test_no_allocation_per_session(void **state)
{
    (void)state;
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_scenario_read_file(PARLEY_SOURCE_DIR
                                               "/examples/river-basin.json",
                                               &sc, d),
                     PARLEY_OK);
    parley_diags_free(d);
    run_t *run = calloc(1, sizeof *run);
    run_init(run, sc);
    for (size_t i = 0; i < sc->n_parties; i++) {
        run->drv[i].d.disclose = NULL;
        run->drv[i].d.concern = NULL;
    }
    parley_session_plan_t *plan = NULL;
    assert_int_equal(parley_session_plan_new(sc, NULL, &plan, NULL),
                     PARLEY_OK);
    parley_session_t *s = NULL;
    size_t bytes = 0;
    parley_session_opts_t o = {1, count_bytes, &bytes, NULL, NULL};
    assert_int_equal(parley_session_new_planned(plan, run->dp, &o, &s, NULL),
                     PARLEY_OK);
    assert_int_equal(parley_session_run(s), PARLEY_OK);
    for (int listen = 0; listen < 2; listen++) {
        failing_alloc_install(0, 0);
        for (uint64_t seed = 2; seed < 12; seed++) {
            parley_session_opts_t o2 = {seed, listen ? count_bytes : NULL,
                                        &bytes, NULL, NULL};
            assert_int_equal(parley_session_reset(s, run->dp, &o2),
                             PARLEY_OK);
            assert_int_equal(parley_session_run(s), PARLEY_OK);
        }
        long calls = failing_alloc_calls();
        failing_alloc_remove();
        /* The log buffer had grown in the first run already. */
        assert_int_equal(calls, 0);
    }
    parley_outcome_t out;
    assert_int_equal(parley_session_outcome(s, &out), PARLEY_OK);
    assert_true(out.agreement);
    parley_session_free(s);
    parley_session_plan_free(plan);
    run_clear(run);
    free(run);
    parley_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agenda_policies),
        cmocka_unit_test(test_river_basin),
        cmocka_unit_test(test_late_veto),
        cmocka_unit_test(test_over_budget_veto),
        cmocka_unit_test(test_invalid_veto_grounds),
        cmocka_unit_test(test_pilot),
        cmocka_unit_test(test_reciprocity),
        cmocka_unit_test(test_bounded_concessions),
        cmocka_unit_test(test_working_groups),
        cmocka_unit_test(test_guarantee),
        cmocka_unit_test(test_repair),
        cmocka_unit_test(test_impasse_at_deadline),
        cmocka_unit_test(test_walkout_and_failure),
        cmocka_unit_test(test_disclosure_and_concerns),
        cmocka_unit_test(test_without_private_channels),
        cmocka_unit_test(test_invariants_random),
        cmocka_unit_test(test_plan_reset_same_log),
        cmocka_unit_test(test_filter_keeps_seq),
        cmocka_unit_test(test_mediator_text),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_unit_limit),
        cmocka_unit_test_teardown(test_alloc_failures,
                                  failing_alloc_teardown),
        cmocka_unit_test_teardown(test_no_allocation_per_session,
                                  failing_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
