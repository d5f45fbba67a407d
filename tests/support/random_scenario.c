/*
 * random_scenario.c - random small scenarios for tests (see the header).
 *
 * Numbers are mostly multiples of 1/8 so that sums are exact and distinct
 * packages often reach the same utility vector; a share of them are drawn
 * uniformly to cover the generic case where no two sums agree.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "support/random_scenario.h"

void random_scenario_params_default(random_scenario_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->min_parties = 2;
    p->max_parties = 6;
    p->min_issues = 1;
    p->max_issues = 6;
    p->min_options = 1;
    p->max_options = 5;
    p->red_line_rate = 0.15;
    p->reservation_rate = 0.4;
    p->non_voting_rate = 0.2;
    p->real_rate = 0.2;
    p->tie_rate = 0.7;
    p->max_packages = 0;
}

uint64_t random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double random_unit(uint64_t *state)
{
    return (double)(random_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

size_t random_range(uint64_t *state, size_t lo, size_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (size_t)(random_next(state) % (uint64_t)(hi - lo + 1));
}

/* A value in [0,1]: an eighth most of the time, else uniform. */
static double random_value(uint64_t *s, int tied)
{
    if (tied)
        return (double)random_range(s, 0, 8) / 8.0;
    return random_unit(s);
}

static char *make_id(const char *prefix, size_t n)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s%zu", prefix, n);
    return parley_strdup(buf);
}

static int fill_issue(uint64_t *s, const random_scenario_params_t *p,
                      parley_issue_t *is, size_t k, int last)
{
    size_t n = random_range(s, p->min_options, p->max_options);
    is->id = make_id("i", k);
    is->cluster = -1;
    if (!is->id)
        return 0;
    int kind = (int)random_range(s, 0, 2);
    if (last && p->last_options > 0) {
        n = p->last_options;
        kind = 1;
    }
    if (kind == 0) {
        is->kind = PARLEY_ISSUE_DISCRETE;
        is->n_options = n;
        is->options = parley_calloc(n, sizeof *is->options);
        if (!is->options)
            return 0;
        for (size_t j = 0; j < n; j++)
            if (!(is->options[j] = make_id("o", j)))
                return 0;
    } else if (!(last && p->last_options > 0) &&
               random_unit(s) < p->real_rate) {
        is->kind = PARLEY_ISSUE_REAL;
        is->resolution = random_unit(s) < 0.5 ? 0.1 : 0.25;
        is->min = (double)random_range(s, 0, 4) * is->resolution;
        is->max = is->min + (double)(n - 1) * is->resolution;
        is->n_options = parley_issue_grid_size(is->min, is->max,
                                               is->resolution);
    } else {
        is->kind = PARLEY_ISSUE_INTEGER;
        is->resolution = 1;
        is->min = (double)random_range(s, 0, 8) - 3;
        is->max = is->min + (double)(n - 1);
        is->n_options = n;
    }
    return 1;
}

static int fill_value(uint64_t *s, const random_scenario_params_t *p,
                      const parley_issue_t *is, parley_value_fn_t *fn,
                      double *weight)
{
    int tied = random_unit(s) < p->tie_rate;
    size_t n = is->n_options;
    double r = random_unit(s);
    *weight = tied ? (double)random_range(s, 0, 4) / 8.0 : random_unit(s) / 2;
    if (r < 0.05) {
        fn->kind = PARLEY_VALUE_NONE;
        *weight = 0;
        return 1;
    }
    if (is->kind == PARLEY_ISSUE_DISCRETE || r < 0.35) {
        fn->kind = PARLEY_VALUE_TABLE;
        fn->n_table = n;
        fn->table = parley_calloc(n, sizeof *fn->table);
        if (!fn->table)
            return 0;
        for (size_t j = 0; j < n; j++)
            fn->table[j] = random_value(s, tied);
        return 1;
    }
    double lo = is->min, hi = is->max, span = hi - lo > 0 ? hi - lo : 1;
    if (r < 0.6) {
        fn->kind = PARLEY_VALUE_LINEAR;
        fn->origin = lo;
        fn->offset = tied ? (double)random_range(s, 0, 4) / 4.0
                          : random_unit(s);
        fn->slope = (random_unit(s) < 0.5 ? -1 : 1) *
                    (tied ? 0.25 : random_unit(s) * 2 / span);
    } else if (r < 0.8) {
        fn->kind = PARLEY_VALUE_IDEAL;
        fn->ideal = lo + (tied ? floor(random_unit(s) * (span + 1))
                               : random_unit(s) * span);
        fn->scale = tied ? 4 : span * (0.5 + random_unit(s));
        fn->loss = random_unit(s) < 0.5 ? PARLEY_LOSS_LINEAR
                                        : PARLEY_LOSS_QUADRATIC;
    } else {
        size_t np = random_range(s, 1, 3);
        fn->kind = PARLEY_VALUE_PIECEWISE;
        fn->n_points = np;
        fn->xs = parley_calloc(np, sizeof *fn->xs);
        fn->ys = parley_calloc(np, sizeof *fn->ys);
        if (!fn->xs || !fn->ys)
            return 0;
        for (size_t t = 0; t < np; t++) {
            fn->xs[t] = lo + span * (double)t / (double)np;
            fn->ys[t] = random_value(s, tied);
        }
    }
    return 1;
}

static int fill_red_line(uint64_t *s, const parley_issue_t *is, size_t k,
                         parley_red_line_t *rl)
{
    size_t n = is->n_options;
    rl->issue = k;
    if (is->kind == PARLEY_ISSUE_DISCRETE) {
        static const parley_cmp_t ops[] = {PARLEY_CMP_EQ, PARLEY_CMP_NE,
                                           PARLEY_CMP_IN, PARLEY_CMP_NOT_IN};
        rl->op = ops[random_range(s, 0, 3)];
        size_t cnt = rl->op == PARLEY_CMP_EQ || rl->op == PARLEY_CMP_NE
                         ? 1
                         : random_range(s, 1, n);
        rl->options = parley_calloc(cnt, sizeof *rl->options);
        if (!rl->options)
            return 0;
        rl->n_options = cnt;
        for (size_t t = 0; t < cnt; t++)
            rl->options[t] = random_range(s, 0, n - 1);
    } else {
        rl->op = (parley_cmp_t)random_range(s, PARLEY_CMP_EQ, PARLEY_CMP_GE);
        /* On the grid, between two points, or just off either end. */
        double pos = (double)random_range(s, 0, n) - 0.5 * (double)(random_range(s, 0, 1));
        rl->value = is->min + pos * is->resolution;
    }
    if (random_unit(s) < 0.3) {
        rl->note = parley_strdup("stated reason");
        if (!rl->note)
            return 0;
    }
    return 1;
}

static int fill_party(uint64_t *s, const random_scenario_params_t *p,
                      const parley_scenario_t *sc, parley_party_t *pa,
                      size_t idx, parley_role_t role)
{
    size_t K = sc->n_issues;
    pa->id = make_id(role == PARLEY_ROLE_PARTY ? "p" : "g", idx);
    pa->role = role;
    pa->power = random_unit(s) < 0.5 ? (double)random_range(s, 1, 4)
                                     : 0.1 + random_unit(s) * 5;
    pa->discount = 1;
    pa->weights = parley_calloc(K ? K : 1, sizeof *pa->weights);
    pa->values = parley_calloc(K ? K : 1, sizeof *pa->values);
    pa->red_lines = parley_calloc(K ? K : 1, sizeof *pa->red_lines);
    if (!pa->id || !pa->weights || !pa->values || !pa->red_lines)
        return 0;
    double wsum = 0;
    for (size_t k = 0; k < K; k++) {
        if (!fill_value(s, p, &sc->issues[k], &pa->values[k],
                        &pa->weights[k]))
            return 0;
        wsum += pa->weights[k];
        if (random_unit(s) < p->red_line_rate) {
            if (!fill_red_line(s, &sc->issues[k], k,
                               &pa->red_lines[pa->n_red_lines++]))
                return 0;
        }
    }
    if (random_unit(s) < p->reservation_rate) {
        double r = random_unit(s);
        if (r < 0.1)
            pa->reservation = -0.25;
        else if (r < 0.2)
            pa->reservation = wsum + 0.125; /* unreachable */
        else if (r < 0.6)
            pa->reservation = (double)random_range(s, 0, 4) / 8.0 * wsum;
        else
            pa->reservation = random_unit(s) * 0.6 * wsum;
    }
    return 1;
}

/*
 * Makes some discrete options exact copies of an earlier one for every
 * party, so that distinct packages share a utility vector.
 */
static void duplicate_options(uint64_t *s, parley_scenario_t *sc)
{
    for (size_t k = 0; k < sc->n_issues; k++) {
        const parley_issue_t *is = &sc->issues[k];
        if (is->kind != PARLEY_ISSUE_DISCRETE || is->n_options < 2 ||
            random_unit(s) >= 0.3)
            continue;
        size_t from = random_range(s, 0, is->n_options - 1);
        size_t to = random_range(s, 0, is->n_options - 1);
        for (size_t i = 0; i < sc->n_parties; i++) {
            parley_value_fn_t *fn = &sc->parties[i].values[k];
            if (fn->kind == PARLEY_VALUE_TABLE)
                fn->table[to] = fn->table[from];
        }
    }
}

parley_scenario_t *random_scenario(uint64_t seed,
                                   const random_scenario_params_t *params)
{
    random_scenario_params_t def;
    uint64_t st = seed * 0x2545F4914F6CDD1Dull + 1, *s = &st;
    if (!params) {
        random_scenario_params_default(&def);
        params = &def;
    }
    parley_scenario_t *sc = parley_scenario_new();
    if (!sc)
        return NULL;
    sc->name = parley_strdup("random");
    sc->source = parley_strdup("random_scenario");
    size_t K = random_range(s, params->min_issues, params->max_issues);
    sc->issues = parley_calloc(K ? K : 1, sizeof *sc->issues);
    if (!sc->name || !sc->source || !sc->issues)
        goto fail;
    double count = 1;
    for (size_t k = 0; k < K; k++) {
        parley_issue_t *is = &sc->issues[k];
        sc->n_issues = k + 1;
        if (!fill_issue(s, params, is, k, k + 1 == K))
            goto fail;
        if (params->max_packages > 0 &&
            count * (double)is->n_options > params->max_packages) {
            /* Drop the issue that would overflow the cap, and stop. */
            parley_free(is->id);
            if (is->options)
                for (size_t j = 0; j < is->n_options; j++)
                    parley_free(is->options[j]);
            parley_free(is->options);
            memset(is, 0, sizeof *is);
            sc->n_issues = k;
            break;
        }
        count *= (double)is->n_options;
    }
    K = sc->n_issues;
    size_t P = random_range(s, params->min_parties, params->max_parties);
    size_t extra = random_unit(s) < params->non_voting_rate ? 1 : 0;
    sc->parties = parley_calloc(P + extra, sizeof *sc->parties);
    if (!sc->parties)
        goto fail;
    /* The non-voting party, if any, sits at a random position. */
    size_t at = extra ? random_range(s, 0, P) : P + 1;
    for (size_t i = 0, v = 0; i < P + extra; i++) {
        parley_role_t role = i == at ? PARLEY_ROLE_GUARANTOR
                                     : PARLEY_ROLE_PARTY;
        sc->n_parties = i + 1;
        if (!fill_party(s, params, sc, &sc->parties[i],
                        role == PARLEY_ROLE_PARTY ? v++ : 0, role))
            goto fail;
        if (role != PARLEY_ROLE_PARTY) {
            /* A guarantor's red line that would clash if it counted. */
            parley_party_t *g = &sc->parties[i];
            if (K > 0 && g->n_red_lines == 0 &&
                sc->issues[0].kind != PARLEY_ISSUE_DISCRETE) {
                parley_red_line_t *rl = &g->red_lines[g->n_red_lines++];
                rl->issue = 0;
                rl->op = PARLEY_CMP_LT;
                rl->value = sc->issues[0].min - 1;
            }
        }
    }
    duplicate_options(s, sc);
    return sc;
fail:
    parley_scenario_free(sc);
    return NULL;
}

int random_model(uint64_t seed, const random_scenario_params_t *params,
                 parley_model_t **m)
{
    parley_scenario_t *sc = random_scenario(seed, params);
    assert_non_null(sc);
    parley_status_t st = parley_model_new(sc, m, NULL);
    parley_scenario_free(sc);
    if (st == PARLEY_EINFEASIBLE)
        return 0;
    assert_int_equal(st, PARLEY_OK);
    return 1;
}
