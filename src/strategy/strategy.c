/*
 * strategy.c - simulated parties: drivers that answer for one party from its
 * own view.
 *
 * Every kind shares one answering rule and differs in what it discloses,
 * which aspiration it answers against and how it concedes (the rules and
 * their reasons are in docs/strategies.md):
 *
 *   answer:  accept when the text breaks none of its declared red lines and
 *            its own utility plus the guarantee bonus reaches its
 *            aspiration; otherwise veto when that is valid by the rules
 *            (declared red line broken or below declared reservation, inside
 *            the review window, budget left, not a pilot), else object,
 *            naming the issues whose change would close its gap.  The
 *            hardliner walks out instead once a text has stayed below its
 *            target for more than `patience` rounds, or at the deadline.
 *
 * A strategy learns the world only through the views it is handed: the
 * profile it compiled at creation is its own, and power, clusters, rounds,
 * counts and concessions come from the view of each call.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/model.h"
#include "strategy/strategy_internal.h"

static const char *const kind_names[PARLEY_STRATEGY_COUNT] = {
    "truthful", "boulware", "conceder", "tit-for-tat", "hardliner",
    "misreporter"};

const char *parley_strategy_name(parley_strategy_kind_t k)
{
    return (unsigned)k < PARLEY_STRATEGY_COUNT ? kind_names[k] : "unknown";
}

int parley_strategy_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

void parley_strategy_params_default(parley_strategy_kind_t kind,
                                    parley_strategy_params_t *p)
{
    if (!p)
        return;
    memset(p, 0, sizeof *p);
    p->step = 0.15;
    p->exponent = 1.0;
    p->opening = 0.05;
    p->match = 0.1;
    p->inflate = 0.3;
    p->fake_share = 0.25;
    p->k_min = 0.3;
    p->k_max = 0.9;
    p->patience = 3;
    p->jitter = 0.2;
    switch (kind) {
    case PARLEY_STRATEGY_BOULWARE:
        p->exponent = 0.2;
        break;
    case PARLEY_STRATEGY_CONCEDER:
        p->exponent = 2.0;
        break;
    case PARLEY_STRATEGY_HARDLINER:
        p->step = 0.05;
        break;
    default:
        break;
    }
}

static int in01(double x)
{
    return isfinite(x) && x >= 0 && x <= 1;
}

static int params_ok(const parley_strategy_params_t *p)
{
    return isfinite(p->step) && p->step > 0 && p->step <= 1 &&
           isfinite(p->exponent) && p->exponent > 0 && in01(p->opening) &&
           in01(p->match) && in01(p->inflate) && in01(p->fake_share) &&
           in01(p->k_min) && in01(p->k_max) && p->k_min <= p->k_max &&
           isfinite(p->jitter) && p->jitter >= 0 && p->jitter < 1;
}

/*
 * Multiplies x by 1 + jitter * U, U in [-1, 1), and keeps it at most `cap`
 * (a share stays a share).  One draw per call whatever the kind, so the
 * stream of draws does not depend on which fields a kind uses.
 */
static double jittered(parley__rng_t *r, double x, double jitter, double cap)
{
    double u = 2.0 * parley__rng_unit(r) - 1.0;
    double y = x * (1.0 + jitter * u);
    return y > cap ? cap : y;
}

/* The seed's spread of the parameters, in a fixed order of draws. */
static void apply_jitter(parley_strategy_params_t *p, uint64_t seed)
{
    parley__rng_t rng;
    parley__rng_seed(&rng, seed);
    p->step = jittered(&rng, p->step, p->jitter, 1.0);
    p->exponent = jittered(&rng, p->exponent, p->jitter, INFINITY);
    p->opening = jittered(&rng, p->opening, p->jitter, 1.0);
    p->match = jittered(&rng, p->match, p->jitter, 1.0);
    p->inflate = jittered(&rng, p->inflate, p->jitter, 1.0);
}

/* The misreporter's declared reservation: r + inflate * (I - r). */
static void set_declared_reservation(parley_strategy_t *st)
{
    st->declared_reservation = st->reservation;
    if (st->kind == PARLEY_STRATEGY_MISREPORTER && st->best > st->reservation)
        st->declared_reservation =
            st->reservation + st->params.inflate * (st->best - st->reservation);
}

void parley_strategy_reset(parley_strategy_t *st, uint64_t seed)
{
    if (!st)
        return;
    st->params = st->base;
    apply_jitter(&st->params, seed);
    set_declared_reservation(st);
    st->vetoes = 0;
    memset(st->seen, 0, (st->n_parties ? st->n_parties : 1) * sizeof *st->seen);
    st->opened = 0;
    st->below_rounds = 0;
    st->last_below_round = 0;
}

void parley_strategy_free(parley_strategy_t *st)
{
    if (!st)
        return;
    for (size_t k = 0; k < st->n_issues; k++) {
        if (st->contrib)
            parley_free(st->contrib[k]);
        if (st->allowed)
            parley_free(st->allowed[k]);
        if (st->declared_ok)
            parley_free(st->declared_ok[k]);
        if (st->pool)
            parley_free(st->pool[k]);
    }
    parley_free(st->n_options);
    parley_free(st->contrib);
    parley_free(st->allowed);
    parley_free(st->declared_ok);
    parley_free(st->pool);
    parley_free(st->pool_max);
    parley_free(st->pool_min);
    parley_free(st->rest_max);
    parley_free(st->rest_min);
    parley_free(st->fake_issue);
    parley_free(st->fake_option);
    parley_free(st->fake_value);
    parley_free(st->fake_numeric);
    parley_free(st->seen);
    parley_free(st);
}

const parley_driver_t *parley_strategy_driver(const parley_strategy_t *st)
{
    return st ? &st->driver : NULL;
}

parley_strategy_kind_t parley_strategy_kind(const parley_strategy_t *st)
{
    return st ? st->kind : PARLEY_STRATEGY_COUNT;
}

void parley_strategy_params_get(const parley_strategy_t *st,
                                parley_strategy_params_t *out)
{
    if (st && out)
        *out = st->params;
}

/* ---- evaluation -------------------------------------------------------- */

double parley__strategy_utility(const parley_strategy_t *st,
                                const uint32_t *pkg)
{
    double u = 0.0;
    for (size_t k = 0; k < st->n_issues; k++)
        u += st->contrib[k][pkg[k]];
    return u;
}

/* The voting parties' power as the view shows it: power is public. */
static double power_share(const parley_strategy_t *st,
                          const parley_view_t *view)
{
    const parley_scenario_t *ps = view->public_scenario;
    if (!ps || st->party >= ps->n_parties)
        return 0;
    double total = 0;
    for (size_t i = 0; i < ps->n_parties; i++) {
        double p = ps->parties[i].power;
        if (ps->parties[i].role == PARLEY_ROLE_PARTY && isfinite(p) && p > 0)
            total += p;
    }
    double own = ps->parties[st->party].power;
    if (!(total > 0) || !isfinite(own) || own <= 0)
        return 0;
    return own / total;
}

double parley__strategy_target(const parley_strategy_t *st,
                               const parley_view_t *view)
{
    double r = st->reservation;
    if (st->kind != PARLEY_STRATEGY_HARDLINER || !(st->best > r))
        return r;
    double s = power_share(st, view);
    double k = st->params.k_min + (st->params.k_max - st->params.k_min) * s;
    return r + (st->best - r) * k;
}

double parley__strategy_timed(const parley_strategy_t *st, unsigned t,
                              unsigned deadline)
{
    double r = st->reservation;
    if (deadline == 0 || t >= deadline)
        return r;
    double x = (double)t / (double)deadline;
    return r + (st->best - r) * (1.0 - pow(x, 1.0 / st->params.exponent));
}

double parley__strategy_aspiration(const parley_strategy_t *st,
                                   const parley_view_t *view)
{
    double floor = parley__strategy_target(st, view);
    double top = st->best > floor ? st->best : floor;
    double a;
    if (st->kind == PARLEY_STRATEGY_BOULWARE ||
        st->kind == PARLEY_STRATEGY_CONCEDER) {
        a = parley__strategy_timed(st, view->round, view->deadline);
    } else {
        a = view->aspiration;
        if (!isfinite(a))
            a = st->best;
    }
    if (!(a >= floor))
        a = floor;
    if (a > top)
        a = top;
    return a;
}

/* ---- creation ---------------------------------------------------------- */

/*
 * The misreporter's fake red lines: on the ceil(fake_share * K) issues it
 * weights most (ties: lower index) among those where it cares (weight > 0)
 * and its own red lines leave at least two options, it declares that its
 * worst remaining option (least contribution, lowest index on ties) is out.
 * Excluding one of two or more options never empties an issue, and never
 * removes its best option's value, so its declared best equals its true I.
 */
static void choose_fakes(parley_strategy_t *st, const parley_scenario_t *sc,
                         const parley_party_t *pa)
{
    size_t K = st->n_issues;
    size_t want = (size_t)ceil(st->params.fake_share * (double)K - 1e-9);
    st->n_fake = 0;
    while (st->n_fake < want) {
        long pick = -1;
        for (size_t k = 0; k < K; k++) {
            int used = 0;
            for (size_t f = 0; f < st->n_fake; f++)
                used |= st->fake_issue[f] == k;
            if (used || !(pa->weights[k] > 0))
                continue;
            size_t n_ok = 0;
            for (size_t j = 0; j < st->n_options[k]; j++)
                n_ok += st->allowed[k][j];
            if (n_ok < 2)
                continue;
            if (pick < 0 || pa->weights[k] > pa->weights[pick])
                pick = (long)k;
        }
        if (pick < 0)
            break;
        size_t k = (size_t)pick;
        long worst = -1;
        for (size_t j = 0; j < st->n_options[k]; j++)
            if (st->allowed[k][j] &&
                (worst < 0 || st->contrib[k][j] < st->contrib[k][worst]))
                worst = (long)j;
        const parley_issue_t *is = &sc->issues[k];
        st->fake_issue[st->n_fake] = k;
        st->fake_option[st->n_fake] = (uint32_t)worst;
        st->fake_numeric[st->n_fake] = is->kind != PARLEY_ISSUE_DISCRETE;
        st->fake_value[st->n_fake] =
            is->kind != PARLEY_ISSUE_DISCRETE
                ? parley_issue_option_number(is, (size_t)worst)
                : 0.0;
        st->n_fake++;
    }
}

static parley_status_t compile_profile(parley_strategy_t *st,
                                       const parley_scenario_t *sc,
                                       const parley_party_t *pa)
{
    size_t K = sc->n_issues;
    for (size_t k = 0; k < K; k++) {
        const parley_issue_t *is = &sc->issues[k];
        size_t n = is->n_options;
        if (n == 0 || n > PARLEY_MAX_OPTIONS)
            return PARLEY_EINVALID;
        st->n_options[k] = n;
        st->contrib[k] = parley_calloc(n, sizeof(double));
        st->allowed[k] = parley_calloc(n, 1);
        st->declared_ok[k] = parley_calloc(n, 1);
        st->pool[k] = parley_calloc(n, 1);
        if (!st->contrib[k] || !st->allowed[k] || !st->declared_ok[k] ||
            !st->pool[k])
            return PARLEY_ENOMEM;
        double w = pa->weights[k];
        for (size_t j = 0; j < n; j++) {
            st->contrib[k][j] = w * parley_value_eval(&pa->values[k], is, j);
            st->allowed[k][j] = 1;
        }
        for (size_t r = 0; r < pa->n_red_lines; r++) {
            const parley_red_line_t *rl = &pa->red_lines[r];
            if (rl->issue != k)
                continue;
            for (size_t j = 0; j < n; j++)
                if (!parley_red_line_allows(is, rl, j))
                    st->allowed[k][j] = 0;
        }
    }
    /* I over the true red lines; an issue they empty counts all options. */
    double best = 0.0;
    for (size_t k = 0; k < K; k++) {
        int any = 0;
        double m = 0;
        for (size_t j = 0; j < st->n_options[k]; j++)
            any |= st->allowed[k][j];
        int first = 1;
        for (size_t j = 0; j < st->n_options[k]; j++) {
            if (any && !st->allowed[k][j])
                continue;
            if (first || st->contrib[k][j] > m)
                m = st->contrib[k][j];
            first = 0;
        }
        best += m;
    }
    st->best = best;
    st->reservation = pa->reservation;
    set_declared_reservation(st);
    if (st->kind == PARLEY_STRATEGY_MISREPORTER)
        choose_fakes(st, sc, pa);
    for (size_t k = 0; k < K; k++)
        memcpy(st->declared_ok[k], st->allowed[k], st->n_options[k]);
    for (size_t f = 0; f < st->n_fake; f++)
        st->declared_ok[st->fake_issue[f]][st->fake_option[f]] = 0;

    for (size_t k = 0; k < K; k++) {
        size_t n = st->n_options[k];
        int any_decl = 0, any_true = 0;
        for (size_t j = 0; j < n; j++) {
            any_decl |= st->declared_ok[k][j];
            any_true |= st->allowed[k][j];
        }
        for (size_t j = 0; j < n; j++)
            st->pool[k][j] = any_decl   ? st->declared_ok[k][j]
                             : any_true ? st->allowed[k][j]
                                        : 1;
        int first = 1;
        for (size_t j = 0; j < n; j++) {
            if (!st->pool[k][j])
                continue;
            double c = st->contrib[k][j];
            if (first || c > st->pool_max[k])
                st->pool_max[k] = c;
            if (first || c < st->pool_min[k])
                st->pool_min[k] = c;
            first = 0;
        }
    }
    st->rest_max[K] = 0;
    st->rest_min[K] = 0;
    for (size_t k = K; k-- > 0;) {
        st->rest_max[k] = st->rest_max[k + 1] + st->pool_max[k];
        st->rest_min[k] = st->rest_min[k + 1] + st->pool_min[k];
    }
    return PARLEY_OK;
}

static parley_status_t cb_disclose(void *ctx, const parley_view_t *view,
                                   parley_party_t *declared);
static parley_status_t cb_answer(void *ctx, const parley_view_t *view,
                                 parley_answer_t *out);
static parley_status_t cb_concede(void *ctx, const parley_view_t *view,
                                  double *new_aspiration);
static parley_status_t cb_concern(void *ctx, const parley_view_t *view,
                                  char *text, size_t size);

parley_status_t parley_strategy_new_with(parley_strategy_kind_t kind,
                                         const parley_scenario_t *sc,
                                         size_t party,
                                         const parley_strategy_params_t *params,
                                         uint64_t seed, parley_strategy_t **out)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!sc || (unsigned)kind >= PARLEY_STRATEGY_COUNT ||
        party >= sc->n_parties ||
        sc->parties[party].role != PARLEY_ROLE_PARTY)
        return PARLEY_EARG;
    const parley_party_t *pa = &sc->parties[party];
    if (sc->n_issues > PARLEY_MAX_ISSUES)
        return PARLEY_ELIMIT;
    if (sc->n_issues > 0 && (!pa->weights || !pa->values || !sc->issues))
        return PARLEY_EINVALID;
    parley_strategy_params_t p;
    if (params)
        p = *params;
    else
        parley_strategy_params_default(kind, &p);
    if (!params_ok(&p))
        return PARLEY_EARG;

    parley_strategy_params_t base = p;
    apply_jitter(&p, seed);

    parley_strategy_t *st = parley_calloc(1, sizeof *st);
    if (!st)
        return PARLEY_ENOMEM;
    size_t K = sc->n_issues, Kc = K ? K : 1;
    st->kind = kind;
    st->params = p;
    st->base = base;
    st->party = party;
    st->n_parties = sc->n_parties;
    st->n_options = parley_calloc(Kc, sizeof(size_t));
    st->contrib = parley_calloc(Kc, sizeof(double *));
    st->allowed = parley_calloc(Kc, sizeof(uint8_t *));
    st->declared_ok = parley_calloc(Kc, sizeof(uint8_t *));
    st->pool = parley_calloc(Kc, sizeof(uint8_t *));
    st->pool_max = parley_calloc(Kc, sizeof(double));
    st->pool_min = parley_calloc(Kc, sizeof(double));
    st->rest_max = parley_calloc(K + 1, sizeof(double));
    st->rest_min = parley_calloc(K + 1, sizeof(double));
    st->fake_issue = parley_calloc(Kc, sizeof(size_t));
    st->fake_option = parley_calloc(Kc, sizeof(uint32_t));
    st->fake_value = parley_calloc(Kc, sizeof(double));
    st->fake_numeric = parley_calloc(Kc, 1);
    st->seen = parley_calloc(sc->n_parties ? sc->n_parties : 1,
                             sizeof(unsigned));
    if (!st->n_options || !st->contrib || !st->allowed || !st->declared_ok ||
        !st->pool || !st->pool_max || !st->pool_min || !st->rest_max ||
        !st->rest_min || !st->fake_issue || !st->fake_option ||
        !st->fake_value || !st->fake_numeric || !st->seen) {
        parley_strategy_free(st);
        return PARLEY_ENOMEM;
    }
    /* Tables are freed up to n_issues; set it before filling them. */
    st->n_issues = K;
    parley_status_t rc = compile_profile(st, sc, pa);
    if (rc != PARLEY_OK) {
        parley_strategy_free(st);
        return rc;
    }
    st->driver.ctx = st;
    st->driver.disclose = cb_disclose;
    st->driver.answer = cb_answer;
    st->driver.concede = cb_concede;
    st->driver.concern = cb_concern;
    *out = st;
    return PARLEY_OK;
}

parley_status_t parley_strategy_new(parley_strategy_kind_t kind,
                                    const parley_scenario_t *sc, size_t party,
                                    uint64_t seed, parley_strategy_t **out)
{
    return parley_strategy_new_with(kind, sc, party, NULL, seed, out);
}

/* ---- the driver -------------------------------------------------------- */

/*
 * Tells the mediator the truth, except the misreporter: its reservation
 * raised by `inflate` of its range and one red line per fake.  Red
 * lines are appended one by one so that, if memory runs out midway,
 * `declared` still holds only complete entries for its owner to free.
 */
static parley_status_t cb_disclose(void *ctx, const parley_view_t *view,
                                   parley_party_t *declared)
{
    parley_strategy_t *st = ctx;
    (void)view;
    if (!st || !declared)
        return PARLEY_EARG;
    if (st->kind != PARLEY_STRATEGY_MISREPORTER)
        return PARLEY_OK;
    declared->reservation = st->declared_reservation;
    if (st->n_fake == 0)
        return PARLEY_OK;
    parley_red_line_t *rls =
        parley_realloc(declared->red_lines, (declared->n_red_lines + st->n_fake) *
                                                sizeof *rls);
    if (!rls)
        return PARLEY_ENOMEM;
    declared->red_lines = rls;
    for (size_t f = 0; f < st->n_fake; f++) {
        parley_red_line_t *rl = &rls[declared->n_red_lines];
        memset(rl, 0, sizeof *rl);
        rl->issue = st->fake_issue[f];
        if (st->fake_numeric[f]) {
            rl->op = PARLEY_CMP_NE;
            rl->value = st->fake_value[f];
        } else {
            rl->options = parley_malloc(sizeof(size_t));
            if (!rl->options)
                return PARLEY_ENOMEM;
            rl->op = PARLEY_CMP_NOT_IN;
            rl->n_options = 1;
            rl->options[0] = st->fake_option[f];
        }
        declared->n_red_lines++;
    }
    return PARLEY_OK;
}

#define VETO_MARGIN 1e-9

static int can_veto(const parley_strategy_t *st, const parley_view_t *view,
                    unsigned ground)
{
    const parley_rules_t *rules = view->rules;
    if (view->pilot || !rules || !(rules->veto_grounds & ground))
        return 0;
    if (st->vetoes >= rules->veto_budget)
        return 0;
    /* Inside the window whichever way "rounds after tabling" is counted. */
    if (view->round < view->text_round ||
        view->round - view->text_round >= rules->veto_window)
        return 0;
    return 1;
}

static const char *issue_name(const parley_view_t *view, size_t k)
{
    const parley_scenario_t *ps = view->public_scenario;
    if (ps && k < ps->n_issues && ps->issues && ps->issues[k].id)
        return ps->issues[k].id;
    return "?";
}

static void add_issue(parley_answer_t *out, size_t k)
{
    for (size_t i = 0; i < out->n_issues; i++)
        if (out->issues[i] == k)
            return;
    if (out->n_issues < PARLEY_MAX_ISSUES)
        out->issues[out->n_issues++] = k;
}

/*
 * The issues an objection names: first every issue where the text breaks a
 * declared red line; then, while the gap (aspiration - utility) is not
 * closed, the open issues (view->open_issues, else the open cluster's, else
 * all) in decreasing order of what the party would gain by its best option
 * there (lower index on ties).  If that names nothing (its trouble lies
 * outside the open issues), the same over the whole text; if still nothing,
 * no change could help (the text is its best already) and none is named.
 * Time: O(K^2) for the ordering, K <= 256.
 */
static void fill_objection(const parley_strategy_t *st,
                           const parley_view_t *view, double gap,
                           parley_answer_t *out)
{
    size_t K = st->n_issues;
    double acc = 0;
    for (size_t k = 0; k < K; k++) {
        if (!st->declared_ok[k][view->text[k]]) {
            add_issue(out, k);
            acc += st->pool_max[k] - st->contrib[k][view->text[k]];
        }
    }
    const parley_scenario_t *ps = view->public_scenario;
    size_t scope[PARLEY_MAX_ISSUES];
    for (int pass = 0; pass < 2; pass++) {
        size_t n = 0;
        if (pass == 0 && view->open_issues && view->n_open > 0) {
            for (size_t i = 0; i < view->n_open && n < PARLEY_MAX_ISSUES; i++)
                if (view->open_issues[i] < K)
                    scope[n++] = view->open_issues[i];
        } else if (pass == 0 && ps && view->cluster >= 0 &&
                   (size_t)view->cluster < ps->n_clusters && ps->clusters) {
            const parley_cluster_t *c = &ps->clusters[view->cluster];
            for (size_t i = 0; i < c->n_issues && n < PARLEY_MAX_ISSUES; i++)
                if (c->issues[i] < K)
                    scope[n++] = c->issues[i];
        } else {
            for (size_t k = 0; k < K; k++)
                scope[n++] = k;
            pass = 1;
        }
        /* Insertion sort by gain, descending; stable keeps index order. */
        double gain[PARLEY_MAX_ISSUES];
        for (size_t i = 0; i < n; i++)
            gain[i] = st->pool_max[scope[i]] -
                      st->contrib[scope[i]][view->text[scope[i]]];
        for (size_t i = 1; i < n; i++) {
            size_t ks = scope[i];
            double g = gain[i];
            size_t j = i;
            while (j > 0 && (gain[j - 1] < g ||
                             (gain[j - 1] == g && scope[j - 1] > ks))) {
                gain[j] = gain[j - 1];
                scope[j] = scope[j - 1];
                j--;
            }
            gain[j] = g;
            scope[j] = ks;
        }
        for (size_t i = 0; i < n && acc < gap; i++) {
            if (!(gain[i] > 0))
                break;
            add_issue(out, scope[i]);
            acc += gain[i];
        }
        if (out->n_issues > 0)
            break;
    }
}

static parley_status_t cb_answer(void *ctx, const parley_view_t *view,
                                 parley_answer_t *out)
{
    parley_strategy_t *st = ctx;
    if (!st || !view || !out)
        return PARLEY_EARG;
    memset(out, 0, sizeof *out);
    out->text_round = view->text_round;
    if (!view->text)
        return PARLEY_EARG;
    for (size_t k = 0; k < st->n_issues; k++)
        if (view->text[k] >= st->n_options[k])
            return PARLEY_EARG;

    double u = parley__strategy_utility(st, view->text);
    double bonus = isfinite(view->guarantee_bonus) ? view->guarantee_bonus : 0;
    double ub = u + bonus;
    double asp = parley__strategy_aspiration(st, view);
    long broken = -1; /* first issue where a declared red line is broken */
    for (size_t k = 0; k < st->n_issues && broken < 0; k++)
        if (!st->declared_ok[k][view->text[k]])
            broken = (long)k;

    if (st->kind == PARLEY_STRATEGY_HARDLINER && !view->pilot) {
        double target = parley__strategy_target(st, view);
        if (ub < target) {
            if (st->below_rounds == 0 || view->round != st->last_below_round)
                st->below_rounds++;
            st->last_below_round = view->round;
        } else {
            st->below_rounds = 0;
        }
    }

    if (broken < 0 && ub >= asp) {
        out->kind = PARLEY_ANSWER_ACCEPT;
        snprintf(out->reason, sizeof out->reason, "acceptable");
        return PARLEY_OK;
    }
    if (st->kind == PARLEY_STRATEGY_HARDLINER && !view->pilot &&
        st->below_rounds > 0 &&
        (st->below_rounds > st->params.patience ||
         (view->deadline > 0 && view->round >= view->deadline))) {
        out->kind = PARLEY_ANSWER_WALKOUT;
        snprintf(out->reason, sizeof out->reason,
                 "the text stays below what we said we need; we leave");
        return PARLEY_OK;
    }
    if (broken >= 0 && can_veto(st, view, PARLEY_VETO_RED_LINE)) {
        out->kind = PARLEY_ANSWER_VETO;
        out->ground = PARLEY_VETO_RED_LINE;
        st->vetoes++;
        snprintf(out->reason, sizeof out->reason,
                 "breaks our red line on issue '%s'",
                 issue_name(view, (size_t)broken));
        return PARLEY_OK;
    }
    /* Clearly below (by VETO_MARGIN), with the bonus or without, so that
     * rounding in whoever rules on it never makes the veto invalid. */
    if (broken < 0 && ub < st->declared_reservation - VETO_MARGIN &&
        u < st->declared_reservation - VETO_MARGIN &&
        can_veto(st, view, PARLEY_VETO_RESERVATION)) {
        out->kind = PARLEY_ANSWER_VETO;
        out->ground = PARLEY_VETO_RESERVATION;
        st->vetoes++;
        snprintf(out->reason, sizeof out->reason,
                 "leaves us below our reservation");
        return PARLEY_OK;
    }
    out->kind = PARLEY_ANSWER_OBJECT;
    fill_objection(st, view, asp - ub, out);
    if (broken >= 0)
        snprintf(out->reason, sizeof out->reason,
                 "breaks our red line on issue '%s'",
                 issue_name(view, (size_t)broken));
    else
        snprintf(out->reason, sizeof out->reason,
                 "not enough for us; change %zu issue(s)", out->n_issues);
    return PARLEY_OK;
}

/*
 * Tit-for-tat's step: the mean, over the other voting parties, of the step
 * it credits each (params.match of its range if the party's concession count
 * rose since the last ask, else 0), in shares of its own range (I - r).  It
 * never concedes first except once, by params.opening.
 */
static double tft_drop(parley_strategy_t *st, const parley_view_t *view)
{
    const parley_scenario_t *ps = view->public_scenario;
    size_t n = ps ? ps->n_parties : 0;
    if (n > st->n_parties)
        n = st->n_parties;
    size_t others = 0, moved = 0;
    for (size_t j = 0; j < n; j++) {
        if (j == st->party || ps->parties[j].role != PARLEY_ROLE_PARTY)
            continue;
        others++;
        if (view->concessions && view->concessions[j] > st->seen[j])
            moved++;
    }
    if (view->concessions)
        for (size_t j = 0; j < n; j++)
            st->seen[j] = view->concessions[j];
    double range = st->best > st->reservation ? st->best - st->reservation : 0;
    if (moved > 0) {
        st->opened = 1;
        return st->params.match * range * (double)moved / (double)others;
    }
    if (!st->opened) {
        st->opened = 1;
        return st->params.opening * range;
    }
    return 0;
}

static parley_status_t cb_concede(void *ctx, const parley_view_t *view,
                                  double *new_aspiration)
{
    parley_strategy_t *st = ctx;
    if (!st || !view || !new_aspiration)
        return PARLEY_EARG;
    double cur = parley__strategy_aspiration(st, view);
    double floor = parley__strategy_target(st, view);
    double next;
    switch (st->kind) {
    case PARLEY_STRATEGY_BOULWARE:
    case PARLEY_STRATEGY_CONCEDER:
        next = parley__strategy_timed(st, view->round + 1, view->deadline);
        break;
    case PARLEY_STRATEGY_TIT_FOR_TAT:
        next = cur - tft_drop(st, view);
        break;
    default: /* truthful, misreporter, hardliner (floor: its target) */
        next = cur - st->params.step * (cur - floor);
        break;
    }
    if (!(next >= floor))
        next = floor;
    if (next > cur)
        next = cur;
    if (isfinite(view->aspiration) && next > view->aspiration)
        next = view->aspiration;
    *new_aspiration = next;
    return PARLEY_OK;
}

static parley_status_t cb_concern(void *ctx, const parley_view_t *view,
                                  char *text, size_t size)
{
    parley_strategy_t *st = ctx;
    if (!st || !view || (!text && size > 0))
        return PARLEY_EARG;
    if (size == 0)
        return PARLEY_OK;
    text[0] = '\0';
    if (st->kind == PARLEY_STRATEGY_HARDLINER)
        snprintf(text, size,
                 "We will walk out if a text we must decide on stays below "
                 "utility %.4f for more than %u round(s), or at the deadline.",
                 parley__strategy_target(st, view), st->params.patience);
    return PARLEY_OK;
}
