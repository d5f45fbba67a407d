/*
 * baseline.c - unmediated stacked alternating offers, the baseline a
 * mediated session is measured against.
 *
 * The same strategies that answer a mediator here answer each other: a
 * proposer offers a package from its own profile at its current aspiration
 * (the closest package at or above it), every other voting party answers
 * it through its driver exactly as it would answer a mediator's text, and
 * the first offer all accept ends the talks.  Nobody sees another's
 * profile: each strategy gets a view over a public copy of the scenario
 * with every private field emptied.
 *
 * The offer is found by a pruned search (parley__strategy_propose), or,
 * when many baselines run over one scenario, looked up in a baseline plan:
 * per party and pool, every package sorted by utility, built once and
 * shared read-only, where an offer is a binary search.  The search depends
 * only on the proposer's own profile and aspiration, never on the seed,
 * which is what makes the table shareable.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parley/alloc.h"
#include "strategy/strategy_internal.h"

/* ---- the proposer's search --------------------------------------------- */

/*
 * Slack in the pruning bounds: a bound is a sum of per-issue extremes added
 * in another order than the path's own sum, so it may differ from any real
 * package's utility by rounding.  Pruning only beyond this slack never cuts
 * a package that qualifies; leaves are tested exactly.
 */
#define SEARCH_SLACK 1e-9

typedef struct search {
    const parley_strategy_t *st;
    double asp;
    uint64_t budget, nodes;
    int found, done;
    double best_u;
    uint32_t *cur, *best;
} search_t;

/* Returns 0 when the budget ran out. */
static int dfs(search_t *s, size_t k, double prefix)
{
    const parley_strategy_t *st = s->st;
    if (s->nodes >= s->budget)
        return 0;
    s->nodes++;
    if (k == st->n_issues) {
        if (prefix >= s->asp && (!s->found || prefix < s->best_u)) {
            s->found = 1;
            s->best_u = prefix;
            memcpy(s->best, s->cur, st->n_issues * sizeof *s->best);
            /* Nothing at or above asp can be strictly closer. */
            if (prefix == s->asp)
                s->done = 1;
        }
        return 1;
    }
    for (size_t j = 0; j < st->n_options[k] && !s->done; j++) {
        if (!st->pool[k][j])
            continue;
        double v = prefix + st->contrib[k][j];
        if (v + st->rest_max[k + 1] < s->asp - SEARCH_SLACK)
            continue;
        if (s->found && v + st->rest_min[k + 1] > s->best_u + SEARCH_SLACK)
            continue;
        s->cur[k] = (uint32_t)j;
        if (!dfs(s, k + 1, v))
            return 0;
    }
    return 1;
}

int parley__strategy_keeps_red_lines(const parley_strategy_t *st,
                                     const uint32_t *pkg)
{
    for (size_t k = 0; k < st->n_issues; k++)
        if (!st->declared_ok[k][pkg[k]])
            return 0;
    return 1;
}

/* The pool's best package, lowest option index on ties. */
static void pool_best(const parley_strategy_t *st, uint32_t *pkg)
{
    for (size_t k = 0; k < st->n_issues; k++) {
        long b = -1;
        for (size_t j = 0; j < st->n_options[k]; j++)
            if (st->pool[k][j] &&
                (b < 0 || st->contrib[k][j] > st->contrib[k][b]))
                b = (long)j;
        pkg[k] = (uint32_t)b;
    }
}

int parley__strategy_propose(const parley_strategy_t *st, double asp,
                             uint64_t budget, uint32_t *pkg)
{
    uint32_t cur[PARLEY_MAX_ISSUES];
    search_t s = {st, asp, budget, 0, 0, 0, 0.0, cur, pkg};
    int finished = dfs(&s, 0, 0.0);
    if (s.found)
        return finished ? 1 : 0;
    pool_best(st, pkg);
    return finished ? -1 : 0;
}

/* ---- offer tables ------------------------------------------------------ */

typedef struct entry {
    double u;
    uint32_t rank;
} entry_t;

/* Utility first; ranks are distinct, so the order is total and qsort's
 * instability cannot show. */
static int entry_cmp(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->u != y->u)
        return x->u < y->u ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

void parley__offer_table_free(parley__offer_table_t *t)
{
    if (!t)
        return;
    parley_free(t->u);
    parley_free(t->rank);
    parley_free(t->radix);
    parley_free(t->start);
    parley_free(t->opt);
    parley_free(t);
}

/*
 * Packages are visited in rank order by an odometer (last issue fastest),
 * keeping the prefix sums of the issues before each digit: pre[k + 1] =
 * pre[k] + contrib[k][option], from pre[0] = 0.0, the very additions the
 * search makes on its way down, so each utility is the search's bit for bit.
 */
parley_status_t parley__offer_table_new(const parley_strategy_t *st,
                                        size_t max,
                                        parley__offer_table_t **out)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!st)
        return PARLEY_EARG;
    if (max > UINT32_MAX)
        max = UINT32_MAX;
    size_t K = st->n_issues, n = 1, n_opt = 0;
    for (size_t k = 0; k < K; k++) {
        size_t m = 0;
        for (size_t j = 0; j < st->n_options[k]; j++)
            m += st->pool[k][j] != 0;
        if (m == 0 || n > max / m)
            return PARLEY_OK; /* too big (a pool is never empty) */
        n *= m;
        n_opt += m;
    }
    if (n > max)
        return PARLEY_OK;

    size_t Kc = K ? K : 1;
    parley__offer_table_t *t = parley_calloc(1, sizeof *t);
    entry_t *e = parley_malloc(n * sizeof *e);
    if (t) {
        t->n = n;
        t->n_issues = K;
        t->u = parley_malloc(n * sizeof *t->u);
        t->rank = parley_malloc(n * sizeof *t->rank);
        t->radix = parley_calloc(Kc, sizeof *t->radix);
        t->start = parley_calloc(Kc, sizeof *t->start);
        t->opt = parley_calloc(n_opt ? n_opt : 1, sizeof *t->opt);
    }
    if (!t || !e || !t->u || !t->rank || !t->radix || !t->start || !t->opt) {
        parley_free(e);
        parley__offer_table_free(t);
        return PARLEY_ENOMEM;
    }
    size_t at = 0;
    for (size_t k = 0; k < K; k++) {
        t->start[k] = (uint32_t)at;
        for (size_t j = 0; j < st->n_options[k]; j++)
            if (st->pool[k][j])
                t->opt[at++] = (uint32_t)j;
        t->radix[k] = (uint32_t)(at - t->start[k]);
    }

    uint32_t digit[PARLEY_MAX_ISSUES];
    double pre[PARLEY_MAX_ISSUES + 1];
    pre[0] = 0.0;
    for (size_t k = 0; k < K; k++) {
        digit[k] = 0;
        pre[k + 1] = pre[k] + st->contrib[k][t->opt[t->start[k]]];
    }
    int finite = 1;
    for (size_t r = 0; r < n; r++) {
        e[r].u = pre[K];
        e[r].rank = (uint32_t)r;
        finite &= isfinite(pre[K]) != 0;
        /* Next rank: the last digit that can move moves, those after it
         * restart, and the prefix sums from it on are redone. */
        size_t k = K;
        while (k > 0 && digit[k - 1] + 1 == t->radix[k - 1])
            k--;
        if (k == 0)
            break;
        digit[k - 1]++;
        for (size_t q = k; q < K; q++)
            digit[q] = 0;
        for (size_t q = k - 1; q < K; q++)
            pre[q + 1] =
                pre[q] + st->contrib[q][t->opt[t->start[q] + digit[q]]];
    }
    if (!finite) {
        parley_free(e);
        parley__offer_table_free(t);
        return PARLEY_OK;
    }
    qsort(e, n, sizeof *e, entry_cmp);
    for (size_t r = 0; r < n; r++) {
        t->u[r] = e[r].u;
        t->rank[r] = e[r].rank;
    }
    parley_free(e);
    *out = t;
    return PARLEY_OK;
}

int parley__offer_table_fits(const parley__offer_table_t *t,
                             const parley_strategy_t *st)
{
    if (!t || !st || t->n_issues != st->n_issues)
        return 0;
    for (size_t k = 0; k < st->n_issues; k++) {
        size_t at = t->start[k], end = at + t->radix[k];
        for (size_t j = 0; j < st->n_options[k]; j++) {
            if (!st->pool[k][j])
                continue;
            if (at == end || t->opt[at] != j)
                return 0;
            at++;
        }
        if (at != end)
            return 0;
    }
    return 1;
}

int parley__offer_table_propose(const parley__offer_table_t *t,
                                const parley_strategy_t *st, double asp,
                                uint32_t *pkg)
{
    /* The first entry with u >= asp: the least utility at or above asp,
     * and, the table being sorted by rank within a utility, the lowest
     * package index among those. */
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->u[mid] < asp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == t->n || !(t->u[lo] >= asp)) {
        pool_best(st, pkg);
        return -1;
    }
    uint32_t r = t->rank[lo];
    for (size_t k = t->n_issues; k-- > 0;) {
        pkg[k] = t->opt[t->start[k] + r % t->radix[k]];
        r /= t->radix[k];
    }
    return 1;
}

/* ---- the plan ---------------------------------------------------------- */

struct parley_baseline_plan {
    const parley_scenario_t *sc;
    /* [n_parties * PARLEY_STRATEGY_COUNT]: the table a party's proposals
     * under a kind use, NULL for the search.  Kinds with equal pools share
     * one table; `owned` lists each table once. */
    const parley__offer_table_t **table;
    parley__offer_table_t **owned;
    size_t n_owned;
};

void parley_baseline_plan_free(parley_baseline_plan_t *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n_owned; i++)
        parley__offer_table_free(plan->owned[i]);
    parley_free(plan->owned);
    parley_free(plan->table);
    parley_free(plan);
}

size_t parley_baseline_plan_bytes(const parley_baseline_plan_t *plan)
{
    if (!plan)
        return 0;
    size_t b = 0;
    for (size_t i = 0; i < plan->n_owned; i++) {
        const parley__offer_table_t *t = plan->owned[i];
        size_t n_opt = 0;
        for (size_t k = 0; k < t->n_issues; k++)
            n_opt += t->radix[k];
        b += t->n * (sizeof *t->u + sizeof *t->rank) +
             t->n_issues * (sizeof *t->radix + sizeof *t->start) +
             n_opt * sizeof *t->opt;
    }
    return b;
}

/* The table of party i under `kind`: an existing one of that party with
 * the same pool, or a new one. */
static parley_status_t plan_party_kind(parley_baseline_plan_t *plan,
                                       size_t i, parley_strategy_kind_t kind)
{
    const parley_scenario_t *sc = plan->sc;
    const parley__offer_table_t **slot =
        &plan->table[i * PARLEY_STRATEGY_COUNT + (size_t)kind];
    if (*slot)
        return PARLEY_OK;
    parley_strategy_t *st = NULL;
    parley_status_t rc = parley_strategy_new(kind, sc, i, 0, &st);
    if (rc != PARLEY_OK)
        return rc;
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        const parley__offer_table_t *t =
            plan->table[i * PARLEY_STRATEGY_COUNT + (size_t)k];
        if (t && parley__offer_table_fits(t, st)) {
            *slot = t;
            parley_strategy_free(st);
            return PARLEY_OK;
        }
    }
    parley__offer_table_t *t = NULL;
    rc = parley__offer_table_new(st, PARLEY_SAO_TABLE_MAX, &t);
    parley_strategy_free(st);
    if (rc != PARLEY_OK || !t)
        return rc;
    plan->owned[plan->n_owned++] = t;
    *slot = t;
    return PARLEY_OK;
}

parley_status_t parley_baseline_plan_new(const parley_scenario_t *sc,
                                         const parley_strategy_kind_t *kinds,
                                         size_t n_mixes,
                                         parley_baseline_plan_t **out)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!sc || (kinds && n_mixes == 0))
        return PARLEY_EARG;
    if (sc->n_issues > PARLEY_MAX_ISSUES)
        return PARLEY_ELIMIT;
    size_t P = sc->n_parties, n_vote = 0;
    for (size_t i = 0; i < P; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        n_vote++;
        for (size_t m = 0; kinds && m < n_mixes; m++)
            if ((unsigned)kinds[m * P + i] >= PARLEY_STRATEGY_COUNT)
                return PARLEY_EARG;
    }
    if (n_vote == 0)
        return PARLEY_EARG;
    parley_baseline_plan_t *plan = parley_calloc(1, sizeof *plan);
    if (!plan)
        return PARLEY_ENOMEM;
    plan->sc = sc;
    plan->table = parley_calloc(P * PARLEY_STRATEGY_COUNT, sizeof *plan->table);
    plan->owned = parley_calloc(P * PARLEY_STRATEGY_COUNT, sizeof *plan->owned);
    if (!plan->table || !plan->owned) {
        parley_baseline_plan_free(plan);
        return PARLEY_ENOMEM;
    }
    parley_status_t rc = PARLEY_OK;
    for (size_t i = 0; i < P && rc == PARLEY_OK; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        if (!kinds)
            for (int k = 0; k < PARLEY_STRATEGY_COUNT && rc == PARLEY_OK; k++)
                rc = plan_party_kind(plan, i, (parley_strategy_kind_t)k);
        for (size_t m = 0; kinds && m < n_mixes && rc == PARLEY_OK; m++)
            rc = plan_party_kind(plan, i, kinds[m * P + i]);
    }
    if (rc != PARLEY_OK) {
        parley_baseline_plan_free(plan);
        return rc;
    }
    *out = plan;
    return PARLEY_OK;
}

/* ---- the talks --------------------------------------------------------- */

typedef struct sao {
    const parley_scenario_t *sc;
    parley_scenario_t pub;
    parley_rules_t rules;
    parley_strategy_t **st;  /* [n_parties], NULL for non-voting */
    /* [n_parties] the plan's table of each proposer's pool, NULL: search */
    const parley__offer_table_t **tab;
    double *asp;             /* [n_parties] recorded aspirations */
    double *next;            /* [n_parties] scratch */
    unsigned *conc;          /* [n_parties] public concession counts */
    size_t *vote;            /* voting parties in scenario order */
    size_t n_vote;
} sao_t;

static void sao_free(sao_t *s)
{
    if (s->st)
        for (size_t i = 0; i < s->sc->n_parties; i++)
            parley_strategy_free(s->st[i]);
    parley_free(s->st);
    parley_free(s->tab);
    parley_free(s->pub.parties);
    parley_free(s->asp);
    parley_free(s->next);
    parley_free(s->conc);
    parley_free(s->vote);
}

static parley_view_t view_of(const sao_t *s, size_t i, unsigned round,
                             const uint32_t *text)
{
    parley_view_t v;
    memset(&v, 0, sizeof v);
    v.party = i;
    v.self = &s->sc->parties[i];
    v.public_scenario = &s->pub;
    v.rules = &s->rules;
    v.round = round;
    v.deadline = s->rules.max_rounds;
    v.cluster = -1;
    v.text = text;
    v.text_round = round;
    v.pilot = 0;
    v.n_accept = v.n_object = v.n_veto = -1;
    v.aspiration = s->asp[i];
    v.concessions = s->conc;
    v.guarantee_bonus = 0;
    return v;
}

/*
 * The public copy: the scenario's own struct with a new party array whose
 * entries keep ids, names, roles and power (public) and lose weights,
 * values, red lines and reservation.  Issues and clusters are borrowed.
 */
static parley_status_t sao_init(sao_t *s, const parley_scenario_t *sc,
                                const parley_baseline_plan_t *plan,
                                const parley_rules_t *rules,
                                const parley_strategy_kind_t *kinds,
                                uint64_t seed)
{
    size_t P = sc->n_parties, Pc = P ? P : 1;
    s->sc = sc;
    s->pub = *sc;
    s->pub.parties = NULL;
    s->rules = *rules;
    /* No mediator: nothing to rule on vetoes, nobody to hold guarantees. */
    s->rules.veto_grounds = 0;
    s->rules.guarantees = 0;
    s->st = parley_calloc(Pc, sizeof *s->st);
    s->tab = parley_calloc(Pc, sizeof *s->tab);
    s->pub.parties = parley_calloc(Pc, sizeof *s->pub.parties);
    s->asp = parley_calloc(Pc, sizeof *s->asp);
    s->next = parley_calloc(Pc, sizeof *s->next);
    s->conc = parley_calloc(Pc, sizeof *s->conc);
    s->vote = parley_calloc(Pc, sizeof *s->vote);
    if (!s->st || !s->tab || !s->pub.parties || !s->asp || !s->next || !s->conc ||
        !s->vote)
        return PARLEY_ENOMEM;
    for (size_t i = 0; i < P; i++) {
        parley_party_t *pp = &s->pub.parties[i];
        *pp = sc->parties[i];
        pp->weights = NULL;
        pp->values = NULL;
        pp->n_red_lines = 0;
        pp->red_lines = NULL;
        pp->reservation = 0;
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        s->vote[s->n_vote++] = i;
        uint64_t sm = seed ^ (0x632be59bd9b4e019ULL * (uint64_t)(i + 1));
        parley_status_t rc =
            parley_strategy_new(kinds[i], sc, i, parley__splitmix64(&sm),
                                &s->st[i]);
        if (rc != PARLEY_OK)
            return rc;
        s->asp[i] = s->st[i]->best;
        /* The seed moves parameters, never the pool; checking costs one
         * pass over the options and keeps a mismatched plan harmless. */
        if (plan) {
            const parley__offer_table_t *t =
                plan->table[i * PARLEY_STRATEGY_COUNT + (size_t)kinds[i]];
            if (t && parley__offer_table_fits(t, s->st[i]))
                s->tab[i] = t;
        }
    }
    return PARLEY_OK;
}

/* Both entry points; plan may be NULL (the search for every proposer). */
static parley_status_t run_sao(const parley_scenario_t *sc,
                               const parley_baseline_plan_t *plan,
                               const parley_rules_t *rules,
                               const parley_strategy_kind_t *kinds,
                               uint64_t seed, parley_baseline_result_t *out)
{
    if (!out)
        return PARLEY_EARG;
    memset(out, 0, sizeof *out);
    out->walkout_party = -1;
    if (!sc || !rules || !kinds)
        return PARLEY_EARG;
    if (sc->n_issues > PARLEY_MAX_ISSUES)
        return PARLEY_ELIMIT;
    size_t n_vote = 0;
    for (size_t i = 0; i < sc->n_parties; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        n_vote++;
        if ((unsigned)kinds[i] >= PARLEY_STRATEGY_COUNT)
            return PARLEY_EARG;
    }
    if (n_vote == 0)
        return PARLEY_EARG;

    sao_t s;
    memset(&s, 0, sizeof s);
    parley_status_t rc = sao_init(&s, sc, plan, rules, kinds, seed);
    if (rc != PARLEY_OK) {
        sao_free(&s);
        return rc;
    }
    uint64_t sm = seed;
    size_t start = (size_t)(parley__splitmix64(&sm) % s.n_vote);
    uint32_t offer[PARLEY_MAX_ISSUES];
    size_t K = sc->n_issues;
    unsigned T = s.rules.max_rounds;

    for (unsigned t = 1; t <= T; t++) {
        out->rounds = t;
        for (size_t turn = 0; turn < s.n_vote; turn++) {
            size_t p = s.vote[(start + turn) % s.n_vote];
            parley_view_t pv = view_of(&s, p, t, NULL);
            double a = parley__strategy_aspiration(s.st[p], &pv);
            /* An offer its maker cannot meet itself (nothing reaches its
             * aspiration, or its own red lines clash) binds nobody. */
            int found = s.tab[p] ? parley__offer_table_propose(
                                       s.tab[p], s.st[p], a, offer)
                                 : parley__strategy_propose(
                                       s.st[p], a, PARLEY_SAO_SEARCH_BUDGET,
                                       offer);
            int all = found >= 0 &&
                      parley__strategy_keeps_red_lines(s.st[p], offer);
            memcpy(out->package, offer, K * sizeof *offer);
            for (size_t q = 0; q < s.n_vote; q++) {
                size_t i = s.vote[q];
                if (i == p)
                    continue;
                parley_view_t v = view_of(&s, i, t, offer);
                parley_answer_t ans;
                const parley_driver_t *d = &s.st[i]->driver;
                rc = d->answer(d->ctx, &v, &ans);
                if (rc != PARLEY_OK)
                    goto done;
                if (ans.kind == PARLEY_ANSWER_WALKOUT) {
                    out->walkout = 1;
                    out->walkout_party = (long)i;
                    goto done;
                }
                if (ans.kind != PARLEY_ANSWER_ACCEPT)
                    all = 0;
            }
            if (all) {
                out->agreement = 1;
                goto done;
            }
        }
        /* Everyone concedes on the counts as they stood at the round's end. */
        for (size_t q = 0; q < s.n_vote; q++) {
            size_t i = s.vote[q];
            parley_view_t v = view_of(&s, i, t, NULL);
            const parley_driver_t *d = &s.st[i]->driver;
            rc = d->concede(d->ctx, &v, &s.next[i]);
            if (rc != PARLEY_OK)
                goto done;
        }
        for (size_t q = 0; q < s.n_vote; q++) {
            size_t i = s.vote[q];
            if (s.next[i] < s.asp[i]) {
                s.asp[i] = s.next[i];
                s.conc[i]++;
            }
        }
    }
done:
    sao_free(&s);
    return rc;
}

parley_status_t parley_baseline_sao(const parley_scenario_t *sc,
                                    const parley_rules_t *rules,
                                    const parley_strategy_kind_t *kinds,
                                    uint64_t seed,
                                    parley_baseline_result_t *out)
{
    /* One baseline pays no table: building one costs more than the few
     * hundred offers it would serve. */
    return run_sao(sc, NULL, rules, kinds, seed, out);
}

parley_status_t parley_baseline_sao_planned(const parley_baseline_plan_t *plan,
                                            const parley_rules_t *rules,
                                            const parley_strategy_kind_t *kinds,
                                            uint64_t seed,
                                            parley_baseline_result_t *out)
{
    if (!plan) {
        if (out) {
            memset(out, 0, sizeof *out);
            out->walkout_party = -1;
        }
        return PARLEY_EARG;
    }
    return run_sao(plan->sc, plan, rules, kinds, seed, out);
}
