/*
 * baseline.c - unmediated stacked alternating offers, the baseline a
 * mediated session is measured against.
 *
 * The same strategies that answer a mediator here answer each other: a
 * proposer offers a package from its own profile at its current aspiration
 * (the closest package at or above it, found by parley__strategy_propose),
 * every other voting party answers it through its driver exactly as it
 * would answer a mediator's text, and the first offer all accept ends the
 * talks.  Nobody sees another's profile: each strategy gets a view over a
 * public copy of the scenario with every private field emptied.
 */
#include <math.h>
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

/* ---- the talks --------------------------------------------------------- */

typedef struct sao {
    const parley_scenario_t *sc;
    parley_scenario_t pub;
    parley_rules_t rules;
    parley_strategy_t **st;  /* [n_parties], NULL for non-voting */
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
    s->pub.parties = parley_calloc(Pc, sizeof *s->pub.parties);
    s->asp = parley_calloc(Pc, sizeof *s->asp);
    s->next = parley_calloc(Pc, sizeof *s->next);
    s->conc = parley_calloc(Pc, sizeof *s->conc);
    s->vote = parley_calloc(Pc, sizeof *s->vote);
    if (!s->st || !s->pub.parties || !s->asp || !s->next || !s->conc ||
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
    }
    return PARLEY_OK;
}

parley_status_t parley_baseline_sao(const parley_scenario_t *sc,
                                    const parley_rules_t *rules,
                                    const parley_strategy_kind_t *kinds,
                                    uint64_t seed,
                                    parley_baseline_result_t *out)
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
    parley_status_t rc = sao_init(&s, sc, rules, kinds, seed);
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
            int all = parley__strategy_propose(s.st[p], a,
                                               PARLEY_SAO_SEARCH_BUDGET,
                                               offer) >= 0 &&
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
