/*
 * test_solutions.c - every solution concept read off the frontier equals the
 * exhaustive argmax over F.
 *
 * The fast path (parley_analyze, and parley__solve for more lambdas and
 * floors) is checked against parley__reference_solve, which visits every
 * package and knows nothing of frontiers, on hundreds of random scenarios
 * built to have ties, red lines and reservations of every kind.  Hand cases
 * pin down the tie-breaking rules, and a thinned frontier checks that the
 * reported bound of an inexact result really bounds the true optimum.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/analysis.h"
#include "analysis/analysis_internal.h"
#include "analysis/solve_internal.h"
#include "support/analyzed.h"
#include "support/random_scenario.h"
#include "support/table_scenario.h"

#define N_SEEDS 800
#define MAX_PACKAGES 4000

static const double lambdas[] = {0, 0.25, 0.5, 0.8, 1};
static const double floors[] = {-1 /* none */, 0, 0.3, 0.6, 1};

typedef struct tally {
    size_t scenarios, infeasible_model, infeasible_f;
    size_t nash_found, nash_missing;
    size_t floor_binding; /* a floor changed mediated's package */
    size_t checks;
} tally_t;

static void fail_at(uint64_t seed, const char *what, double lambda,
                    double floor)
{
    print_error("seed %llu: %s (lambda %g, floor %g)\n",
                (unsigned long long)seed, what, lambda, floor);
    fail();
}

/* Checks one (concept, options) pair of a solved analysis. */
static void check_against_reference(uint64_t seed, const parley_model_t *m,
                                    const parley_analysis_t *a,
                                    parley_concept_t c,
                                    const parley_analysis_opts_t *o,
                                    const parley_solution_t *sol, tally_t *t)
{
    size_t K = parley_model_n_issues(m);
    uint32_t ref[64];
    int found = -1;
    assert_true(K <= 64);
    assert_int_equal(parley__reference_solve(m, c, o, ref, &found),
                     PARLEY_OK);
    double fl = o->has_floor ? o->floor : -1;
    if (found != sol->found)
        fail_at(seed, parley_concept_name(c), o->lambda, fl);
    t->checks++;
    if (!found) {
        assert_non_null(sol->why);
        return;
    }
    if (memcmp(ref, sol->package, K * sizeof *ref) != 0)
        fail_at(seed, parley_concept_name(c), o->lambda, fl);
    assert_true(sol->exact);
    assert_true(sol->bound == 0);
    /* the objective is the concept's, computed the same way */
    double u[PARLEY_MAX_PARTIES];
    parley_model_utility(m, sol->package, u);
    double obj = parley__objective(m, parley_analysis_ideal(a), c, o->lambda,
                                   u);
    if (!(obj == sol->objective))
        fail_at(seed, "objective differs", o->lambda, fl);
    assert_true(parley_model_is_feasible(m, sol->package));
}

static void check_scenario(uint64_t seed, tally_t *t)
{
    random_scenario_params_t p;
    random_scenario_params_default(&p);
    p.max_packages = MAX_PACKAGES;
    parley_scenario_t *sc = random_scenario(seed, &p);
    assert_non_null(sc);
    parley_model_t *m = NULL;
    parley_status_t st = parley_model_new(sc, &m, NULL);
    if (st == PARLEY_EINFEASIBLE) {
        t->infeasible_model++;
        parley_scenario_free(sc);
        return;
    }
    assert_int_equal(st, PARLEY_OK);
    t->scenarios++;

    parley_analysis_opts_t opts;
    parley_analysis_opts_init(&opts);
    /* both frontier methods must give the same solutions */
    opts.method = seed % 2 ? PARLEY_FRONTIER_ENUMERATE : PARLEY_FRONTIER_MERGE;
    parley_analysis_t *a = NULL;
    parley_diags_t *diags = parley_diags_new();
    st = parley_analyze(m, &opts, &a, diags);
    assert_non_null(a);
    assert_true(st == PARLEY_OK || st == PARLEY_EINFEASIBLE);
    assert_true((st == PARLEY_EINFEASIBLE) ==
                (parley__reference_feasible_count(m) == 0));
    if (st == PARLEY_EINFEASIBLE) {
        t->infeasible_f++;
        assert_true(parley_diags_errors(diags) > 0);
    }

    /* every concept as parley_analyze solved it */
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        const parley_solution_t *sol =
            parley_analysis_solution(a, (parley_concept_t)c);
        check_against_reference(seed, m, a, (parley_concept_t)c, &opts, sol,
                                t);
        if (sol->found)
            assert_true(sol->metrics.efficient);
    }
    const parley_solution_t *nash =
        parley_analysis_solution(a, PARLEY_CONCEPT_NASH);
    const parley_solution_t *pn =
        parley_analysis_solution(a, PARLEY_CONCEPT_POWER_NASH);
    if (st == PARLEY_OK)
        *(nash->found ? &t->nash_found : &t->nash_missing) += 1;

    /* mediated over lambdas and floors, straight from the frontier */
    size_t K = parley_model_n_issues(m);
    for (size_t li = 0; li < sizeof lambdas / sizeof *lambdas; li++) {
        uint32_t unfloored[64];
        int unfloored_found = 0;
        for (size_t fi = 0; fi < sizeof floors / sizeof *floors; fi++) {
            parley_analysis_opts_t o = opts;
            o.lambda = lambdas[li];
            o.has_floor = floors[fi] >= 0;
            o.floor = o.has_floor ? floors[fi] : 0;
            parley_solution_t sol;
            memset(&sol, 0, sizeof sol);
            assert_int_equal(parley__solve(m, &a->frontier,
                                           parley_analysis_ideal(a),
                                           PARLEY_CONCEPT_MEDIATED, &o, &sol),
                             PARLEY_OK);
            check_against_reference(seed, m, a, PARLEY_CONCEPT_MEDIATED, &o,
                                    &sol, t);
            if (sol.found && o.has_floor) {
                assert_true(sol.effective_floor <= o.floor);
                /* every party that can gain reaches the effective floor */
                parley_metrics_t mt;
                assert_int_equal(
                    parley_analysis_metrics(a, m, sol.package, &mt),
                    PARLEY_OK);
                assert_true(mt.min_norm_gain >= sol.effective_floor);
                parley_metrics_clear(&mt);
                if (unfloored_found &&
                    memcmp(unfloored, sol.package, K * sizeof *unfloored))
                    t->floor_binding++;
            }
            if (!o.has_floor) {
                unfloored_found = sol.found;
                if (sol.found)
                    memcpy(unfloored, sol.package, K * sizeof *unfloored);
                /* the two ends of the compensation rule */
                const parley_solution_t *end =
                    o.lambda == 0 ? pn : o.lambda == 1 ? nash : NULL;
                if (end) {
                    assert_int_equal(sol.found, end->found);
                    if (sol.found)
                        assert_memory_equal(sol.package, end->package,
                                            K * sizeof *sol.package);
                }
            }
            parley_free(sol.package);
        }
    }
    parley_diags_free(diags);
    parley_analysis_free(a);
    parley_model_free(m);
    parley_scenario_free(sc);
}

static void test_random_against_reference(void **state)
{
    (void)state;
    tally_t t;
    memset(&t, 0, sizeof t);
    for (uint64_t seed = 1; seed <= N_SEEDS; seed++)
        check_scenario(seed, &t);
    print_message("%zu scenarios (%zu with red lines clashing, %zu with F "
                  "empty), nash found in %zu and impossible in %zu, a floor "
                  "moved mediated %zu times, %zu checks\n",
                  t.scenarios, t.infeasible_model, t.infeasible_f,
                  t.nash_found, t.nash_missing, t.floor_binding, t.checks);
    /* the sample must exercise every branch, or the test proves little */
    assert_true(t.scenarios >= N_SEEDS / 2);
    assert_true(t.infeasible_f > 0);
    assert_true(t.nash_found >= N_SEEDS / 4);
    assert_true(t.nash_missing > 0);
    assert_true(t.floor_binding > 0);
}

static void test_sum_cmp_is_exact(void **state)
{
    (void)state;
    double a[3] = {0.1, 0.2, 0.3}, b[3] = {0.3, 0.2, 0.1};
    /* the rounded sums differ (0.6000000000000001 vs 0.6), the exact don't */
    assert_true(0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1);
    assert_int_equal(parley__sum_cmp(a, b, 3), 0);
    double c[2] = {1.0, 1e-17}, d[2] = {1.0, 0.0};
    assert_true(1.0 + 1e-17 == 1.0);
    assert_int_equal(parley__sum_cmp(c, d, 2), 1);
    assert_int_equal(parley__sum_cmp(d, c, 2), -1);
    double e[2] = {1e16, 1.0}, f[2] = {1.0, 1e16};
    assert_int_equal(parley__sum_cmp(e, f, 2), 0);
    double g[2] = {0.5, 0.25}, h[2] = {0.5, 0.125};
    assert_int_equal(parley__sum_cmp(g, h, 2), 1);
}

/* Solves concept c on a one-issue table scenario; returns the option. */
static long solve_table(size_t n_parties, size_t n_options,
                        const double *values, const double *power,
                        parley_concept_t c, int reference)
{
    size_t no[1] = {n_options};
    table_scenario_spec_t spec = {.n_parties = n_parties,
                                  .power = power,
                                  .n_issues = 1,
                                  .n_options = no,
                                  .values = values};
    parley_scenario_t *sc = table_scenario(&spec);
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    long opt = -1;
    if (reference) {
        uint32_t pkg[1];
        int found;
        assert_int_equal(parley__reference_solve(m, c, NULL, pkg, &found),
                         PARLEY_OK);
        if (found)
            opt = pkg[0];
    } else {
        parley_analysis_t *a = NULL;
        assert_int_equal(parley_analyze(m, NULL, &a, NULL), PARLEY_OK);
        const parley_solution_t *s = parley_analysis_solution(a, c);
        if (s->found)
            opt = s->package[0];
        parley_analysis_free(a);
    }
    parley_model_free(m);
    parley_scenario_free(sc);
    return opt;
}

/*
 * ks and egalitarian only weakly prefer a dominating package: (.5, .5) and
 * (.5, .75) have the same min.  The higher sum must win even though the
 * dominated package has the lower index.
 */
static void test_min_concepts_prefer_higher_sum(void **state)
{
    (void)state;
    static const double values[] = {
        0.5, 0.5,  0.25, 1, /* p0 */
        0.5, 0.75, 1,    0, /* p1 */
    };
    for (int ref = 0; ref <= 1; ref++) {
        assert_int_equal(
            solve_table(2, 4, values, NULL, PARLEY_CONCEPT_EGALITARIAN, ref),
            1);
        assert_int_equal(
            solve_table(2, 4, values, NULL, PARLEY_CONCEPT_KS, ref), 1);
    }
}

/*
 * Option 1 dominates option 0 by 1e-17 for p1, which the rounded sums do not
 * see.  The exact sum comparison makes the dominating option win, so the
 * argmax over F is on the frontier as solutions.c argues.
 */
static void test_sum_tie_break_sees_tiny_differences(void **state)
{
    (void)state;
    static const double values[] = {
        1, 1,     0.25, /* p0 */
        0, 1e-17, 0.5,  /* p1 */
    };
    for (int ref = 0; ref <= 1; ref++) {
        assert_int_equal(solve_table(2, 3, values, NULL,
                                     PARLEY_CONCEPT_UTILITARIAN, ref),
                         1);
        assert_int_equal(solve_table(2, 3, values, NULL,
                                     PARLEY_CONCEPT_EGALITARIAN, ref),
                         2);
    }
}

/* Equal sums, equal keys: the lowest index wins among distinct vectors. */
static void test_lowest_index_breaks_full_ties(void **state)
{
    (void)state;
    static const double values[] = {
        0.25, 0.75, 0.5, 0.75, /* p0 */
        0.75, 0.25, 0.5, 0.25, /* p1 */
    };
    for (int ref = 0; ref <= 1; ref++) {
        /* sums all 1: option 0 */
        assert_int_equal(solve_table(2, 4, values, NULL,
                                     PARLEY_CONCEPT_UTILITARIAN, ref),
                         0);
        /* symmetric Nash: .25*.75 both for 0 and 1, .5*.5 best */
        assert_int_equal(
            solve_table(2, 4, values, NULL, PARLEY_CONCEPT_NASH, ref), 2);
    }
    /* power 3:1 makes p0 count more: option 1 (or its duplicate 3) */
    static const double power[] = {3, 1};
    assert_int_equal(solve_table(2, 4, values, power,
                                 PARLEY_CONCEPT_POWER_NASH, 0),
                     1);
    assert_int_equal(solve_table(2, 4, values, power,
                                 PARLEY_CONCEPT_POWER_NASH, 1),
                     1);
}

/*
 * An inexact frontier: drop every other vector of an exact one, set delta to
 * the distance the dropped ones have to the kept ones, and check that the
 * reported bound covers the true optimum for every concept.
 */
static void check_bound(uint64_t seed, size_t *checked)
{
    random_scenario_params_t p;
    random_scenario_params_default(&p);
    p.max_packages = 400;
    p.reservation_rate = 0.2;
    parley_scenario_t *sc = random_scenario(seed, &p);
    parley_model_t *m = NULL;
    if (parley_model_new(sc, &m, NULL) != PARLEY_OK) {
        parley_scenario_free(sc);
        return;
    }
    parley_analysis_t *a = NULL;
    parley_status_t st = parley_analyze(m, NULL, &a, NULL);
    const parley__frontier_t *full = &a->frontier;
    if (st != PARLEY_OK || full->size < 3)
        goto done;
    size_t P = full->n_parties, K = full->n_issues;
    parley__frontier_t thin;
    parley__frontier_init(&thin, P, K);
    assert_int_equal(parley__frontier_reserve(&thin, full->size), PARLEY_OK);
    for (size_t v = 0; v < full->size; v += 2) {
        memcpy(thin.u + thin.size * P, full->u + v * P, P * sizeof(double));
        memcpy(thin.pkg + thin.size * K, full->pkg + v * K,
               K * sizeof(uint32_t));
        thin.mult[thin.size++] = full->mult[v];
    }
    double delta = 0;
    for (size_t v = 1; v < full->size; v += 2) {
        double best = HUGE_VAL;
        for (size_t w = 0; w < thin.size; w++) {
            double worst = 0;
            for (size_t i = 0; i < P; i++) {
                double d = full->u[v * P + i] - thin.u[w * P + i];
                if (d > worst)
                    worst = d;
            }
            if (worst < best)
                best = worst;
        }
        if (best > delta)
            delta = best;
    }
    thin.exact = 0;
    thin.delta = delta;
    double ideal[PARLEY_MAX_PARTIES];
    for (size_t i = 0; i < P; i++) {
        ideal[i] = thin.u[i];
        for (size_t w = 1; w < thin.size; w++)
            if (thin.u[w * P + i] > ideal[i])
                ideal[i] = thin.u[w * P + i];
    }
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        for (int fl = 0; fl <= 1; fl++) {
            parley_analysis_opts_t o;
            parley_analysis_opts_init(&o);
            o.has_floor = fl;
            o.floor = 0.5;
            if (fl && c != PARLEY_CONCEPT_MEDIATED)
                continue;
            parley_solution_t truth, approx;
            memset(&truth, 0, sizeof truth);
            memset(&approx, 0, sizeof approx);
            assert_int_equal(parley__solve(m, full, a->ideal,
                                           (parley_concept_t)c, &o, &truth),
                             PARLEY_OK);
            assert_int_equal(parley__solve(m, &thin, ideal,
                                           (parley_concept_t)c, &o, &approx),
                             PARLEY_OK);
            assert_false(approx.exact);
            if (truth.found && approx.found) {
                assert_true(approx.bound >= 0);
                if (!(truth.objective <= approx.objective + approx.bound +
                                             1e-12)) {
                    print_error("seed %llu %s: true %g > %g + bound %g\n",
                                (unsigned long long)seed,
                                parley_concept_name((parley_concept_t)c),
                                truth.objective, approx.objective,
                                approx.bound);
                    fail();
                }
                (*checked)++;
            }
            if (truth.found && !approx.found)
                assert_true(approx.bound == HUGE_VAL);
            parley_free(truth.package);
            parley_free(approx.package);
        }
    }
    parley__frontier_clear(&thin);
done:
    parley_analysis_free(a);
    parley_model_free(m);
    parley_scenario_free(sc);
}

/*
 * The same end to end: a memory budget too small for the exact frontier
 * makes parley_analyze thin it; every reported bound must still cover the
 * exact analysis's optimum.
 */
static void check_budget_bound(uint64_t seed, size_t *inexact, size_t *checked)
{
    random_scenario_params_t p;
    random_scenario_params_default(&p);
    p.min_issues = 4;
    p.max_issues = 7;
    p.min_options = 3;
    p.max_packages = 20000;
    p.red_line_rate = 0.05;
    parley_scenario_t *sc = random_scenario(seed, &p);
    parley_model_t *m = NULL;
    if (parley_model_new(sc, &m, NULL) != PARLEY_OK) {
        parley_scenario_free(sc);
        return;
    }
    parley_analysis_opts_t o;
    parley_analysis_opts_init(&o);
    o.has_floor = seed % 2;
    o.floor = 0.4;
    parley_analysis_t *exact = NULL, *thin = NULL;
    parley_status_t st = parley_analyze(m, &o, &exact, NULL);
    o.memory_budget = 4096;
    parley_status_t st2 = parley_analyze(m, &o, &thin, NULL);
    assert_int_equal(st, st2);
    if (st == PARLEY_OK && !parley_analysis_frontier_exact(thin)) {
        (*inexact)++;
        assert_true(parley_analysis_frontier_delta(thin) > 0);
        for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
            const parley_solution_t *t =
                parley_analysis_solution(exact, (parley_concept_t)c);
            const parley_solution_t *s =
                parley_analysis_solution(thin, (parley_concept_t)c);
            if (s->found) {
                assert_false(s->exact);
                assert_true(parley_model_is_feasible(m, s->package));
            }
            if (!t->found || !s->found)
                continue;
            if (!(t->objective <= s->objective + s->bound + 1e-9)) {
                print_error("seed %llu %s: exact %.17g > %.17g + %.17g\n",
                            (unsigned long long)seed,
                            parley_concept_name((parley_concept_t)c),
                            t->objective, s->objective, s->bound);
                fail();
            }
            (*checked)++;
        }
    }
    parley_analysis_free(exact);
    parley_analysis_free(thin);
    parley_model_free(m);
    parley_scenario_free(sc);
}

static void test_budget_bound_is_sound(void **state)
{
    (void)state;
    size_t inexact = 0, checked = 0;
    for (uint64_t seed = 2000; seed < 2150; seed++)
        check_budget_bound(seed, &inexact, &checked);
    print_message("%zu inexact frontiers, %zu bounds checked\n", inexact,
                  checked);
    assert_true(inexact >= 20);
    assert_true(checked >= 60);
}

static void test_inexact_bound_is_sound(void **state)
{
    (void)state;
    size_t checked = 0;
    for (uint64_t seed = 1000; seed < 1300; seed++)
        check_bound(seed, &checked);
    assert_true(checked > 300);
}

/* The bound reduces to n * delta and delta where the brief formulas hold. */
static void test_bound_formulas(void **state)
{
    (void)state;
    analyzed_t x;
    analyzed_init(&x, table_scenario_worked_example(), PARLEY_OK);
    const parley_model_t *m = x.m;
    const parley_analysis_t *a = x.a;
    parley__frontier_t f = a->frontier; /* shallow: arrays borrowed */
    f.exact = 0;
    f.delta = 0.0625;
    parley_analysis_opts_t o;
    parley_analysis_opts_init(&o);
    parley_solution_t s;
    assert_int_equal(parley__solve(m, &f, a->ideal, PARLEY_CONCEPT_UTILITARIAN,
                                   &o, &s),
                     PARLEY_OK);
    assert_true(s.bound == 3 * 0.0625);
    assert_false(s.exact);
    parley_free(s.package);
    assert_int_equal(parley__solve(m, &f, a->ideal, PARLEY_CONCEPT_EGALITARIAN,
                                   &o, &s),
                     PARLEY_OK);
    assert_true(s.bound == 0.0625);
    parley_free(s.package);
    assert_int_equal(parley__solve(m, &f, a->ideal, PARLEY_CONCEPT_NASH, &o,
                                   &s),
                     PARLEY_OK);
    /* b's gains (.25, .75, .25) shifted by 1/16 give the largest value */
    double want = log(0.3125) + log(0.8125) + log(0.3125) -
                  (log(0.25) + log(0.75) + log(0.25));
    assert_true(fabs(s.bound - want) < 1e-12);
    parley_free(s.package);
    analyzed_clear(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum_cmp_is_exact),
        cmocka_unit_test(test_min_concepts_prefer_higher_sum),
        cmocka_unit_test(test_sum_tie_break_sees_tiny_differences),
        cmocka_unit_test(test_lowest_index_breaks_full_ties),
        cmocka_unit_test(test_bound_formulas),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_inexact_bound_is_sound),
        cmocka_unit_test(test_budget_bound_is_sound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
