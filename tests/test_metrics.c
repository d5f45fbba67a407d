/*
 * test_metrics.c - the metrics of a package against hand-computed numbers.
 *
 * The worked example of docs/metrics.md (tests/support/table_scenario.c) is
 * built from multiples of 1/16, so utilities, gains and normalized gains are
 * exact and are compared with ==; ratios with thirds and sevenths are
 * compared to 1e-12.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/analysis.h"
#include "analysis/analysis_internal.h"
#include "support/analyzed.h"
#include "support/table_scenario.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-12)

/* The worked example, analyzed. */
static int setup(void **state)
{
    analyzed_t *fx = parley_calloc(1, sizeof *fx);
    assert_non_null(fx);
    analyzed_init(fx, table_scenario_worked_example(), PARLEY_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    analyzed_t *fx = *state;
    analyzed_clear(fx);
    parley_free(fx);
    return 0;
}

static void test_frontier_and_ideal(void **state)
{
    analyzed_t *fx = *state;
    /* d is dominated by b; a, b, c, e, f remain */
    assert_int_equal(parley_analysis_frontier_size(fx->a), 5);
    const double *I = parley_analysis_ideal(fx->a);
    assert_true(I[0] == 0.75);
    assert_true(I[1] == 1.0);
    assert_true(I[2] == 0.625);
}

static void expect_package(const parley_analysis_t *a, parley_concept_t c,
                           uint32_t opt)
{
    const parley_solution_t *s = parley_analysis_solution(a, c);
    assert_non_null(s);
    assert_true(s->found);
    assert_true(s->exact);
    assert_true(s->bound == 0);
    assert_int_equal(s->package[0], opt);
}

static void test_solutions(void **state)
{
    analyzed_t *fx = *state;
    /* b and c tie on the sum (1.625): b has the lower index */
    expect_package(fx->a, PARLEY_CONCEPT_UTILITARIAN, 1);
    expect_package(fx->a, PARLEY_CONCEPT_NASH, 1);
    expect_package(fx->a, PARLEY_CONCEPT_POWER_NASH, 5);
    expect_package(fx->a, PARLEY_CONCEPT_KS, 1);
    expect_package(fx->a, PARLEY_CONCEPT_EGALITARIAN, 1);
    expect_package(fx->a, PARLEY_CONCEPT_MEDIATED, 1);
    const parley_solution_t *s;
    s = parley_analysis_solution(fx->a, PARLEY_CONCEPT_UTILITARIAN);
    assert_true(s->objective == 1.625);
    s = parley_analysis_solution(fx->a, PARLEY_CONCEPT_NASH);
    NEAR(s->objective, log(0.25) + log(0.75) + log(0.25));
    s = parley_analysis_solution(fx->a, PARLEY_CONCEPT_POWER_NASH);
    NEAR(s->objective, 0.5 * log(0.4375) + 0.25 * log(0.625) +
                           0.25 * log(0.125));
    s = parley_analysis_solution(fx->a, PARLEY_CONCEPT_KS);
    assert_true(s->objective == 0.5);
    s = parley_analysis_solution(fx->a, PARLEY_CONCEPT_EGALITARIAN);
    assert_true(s->objective == 0.25);
    s = parley_analysis_solution(fx->a, PARLEY_CONCEPT_MEDIATED);
    /* weights sqrt(4), sqrt(2), sqrt(2), normalised */
    double w0 = 2 / (2 + 2 * sqrt(2)), w1 = sqrt(2) / (2 + 2 * sqrt(2));
    NEAR(s->objective, w0 * log(0.25) + w1 * log(0.75) + w1 * log(0.25));
}

static void test_power_nash_metrics(void **state)
{
    analyzed_t *fx = *state;
    const parley_metrics_t *mt =
        &parley_analysis_solution(fx->a, PARLEY_CONCEPT_POWER_NASH)->metrics;
    /* package f: u = (.6875, .625, .25), r = (.25, 0, .125) */
    assert_true(mt->u[0] == 0.6875 && mt->u[1] == 0.625 && mt->u[2] == 0.25);
    assert_true(mt->gain[0] == 0.4375);
    assert_true(mt->gain[1] == 0.625);
    assert_true(mt->gain[2] == 0.125);
    /* spans I - r = (.5, 1, .5) */
    assert_true(mt->norm_gain[0] == 0.875);
    assert_true(mt->norm_gain[1] == 0.625);
    assert_true(mt->norm_gain[2] == 0.25);
    assert_true(mt->welfare == 1.5625);
    assert_true(mt->total_gain == 1.1875);
    NEAR(mt->efficiency, 0.95); /* 1.1875 / 1.25 */
    assert_true(mt->efficient);
    assert_true(mt->frontier_gap == 0);
    assert_true(mt->min_gain == 0.125);
    assert_true(mt->min_norm_gain == 0.25);
    /* sum |x_i - x_j| = 2 (.25 + .625 + .375) = 2.5; 2 n sum x = 10.5 */
    NEAR(mt->gini, 5.0 / 21.0);
    /* .5*.875 + .25*.625 + .25*.25 - 1.75/3 = 7/96 */
    NEAR(mt->power_skew, 7.0 / 96.0);
    assert_true(mt->has_offset);
    assert_true(mt->offset == 0); /* itself: 1 - s/s */
}

static void test_utilitarian_metrics(void **state)
{
    analyzed_t *fx = *state;
    const parley_metrics_t *mt =
        &parley_analysis_solution(fx->a, PARLEY_CONCEPT_UTILITARIAN)->metrics;
    assert_true(mt->efficiency == 1.0);
    assert_true(mt->efficient);
    assert_true(mt->norm_gain[0] == 0.5 && mt->norm_gain[1] == 0.75 &&
                mt->norm_gain[2] == 0.5);
    NEAR(mt->gini, 0.5 / 5.25); /* 2 (.25 + 0 + .25) / (6 * 1.75) */
    NEAR(mt->power_skew, -2.0 / 96.0);
    NEAR(mt->offset, 9.0 / 7.0); /* 1 + (2/96) / (7/96): skew reversed */
}

static void test_inefficient_package(void **state)
{
    analyzed_t *fx = *state;
    parley_metrics_t mt;
    uint32_t d = 3;
    assert_int_equal(parley_analysis_metrics(fx->a, fx->m, &d, &mt),
                     PARLEY_OK);
    assert_true(mt.gain[0] == 0.125 && mt.gain[1] == 0.5 &&
                mt.gain[2] == 0.125);
    assert_true(mt.welfare == 1.125);
    assert_true(mt.total_gain == 0.75);
    NEAR(mt.efficiency, 0.6);
    assert_false(mt.efficient);
    /* b - d = (.125, .25, .125): everyone gains at least .125 */
    assert_true(mt.frontier_gap == 0.125);
    assert_true(mt.min_norm_gain == 0.25);
    NEAR(mt.gini, 1.0 / 6.0);
    NEAR(mt.power_skew, -2.0 / 96.0);
    NEAR(mt.offset, 9.0 / 7.0);
    parley_metrics_clear(&mt);

    /* a: the strong party's best; C is at its reservation */
    uint32_t a = 0;
    assert_int_equal(parley_analysis_metrics(fx->a, fx->m, &a, &mt),
                     PARLEY_OK);
    assert_true(mt.efficient);
    assert_true(mt.frontier_gap == 0);
    assert_true(mt.min_gain == 0);
    assert_true(mt.min_norm_gain == 0);
    NEAR(mt.gini, 0.8 / 1.5); /* x = (1, .25, 0) */
    NEAR(mt.power_skew, 0.5625 - 1.25 / 3);
    NEAR(mt.offset, 1 - (0.5625 - 1.25 / 3) / (7.0 / 96.0));
    parley_metrics_clear(&mt);
    parley_metrics_clear(&mt); /* clearing twice is harmless */
    parley_metrics_clear(NULL);

    uint32_t bad = 6;
    assert_int_equal(parley_analysis_metrics(fx->a, fx->m, &bad, &mt),
                     PARLEY_EARG);
}

/* Without power_nash's skew there is nothing to offset. */
static void test_no_offset_without_skew(void **state)
{
    analyzed_t *fx = *state;
    parley_metrics_t mt;
    double u[3] = {0.5, 0.75, 0.375};
    assert_int_equal(parley__metrics(fx->m, &fx->a->frontier,
                                     parley_analysis_ideal(fx->a), 1.25, 0, 0,
                                     u, &mt),
                     PARLEY_OK);
    assert_false(mt.has_offset);
    parley_metrics_clear(&mt);
    assert_int_equal(parley__metrics(fx->m, &fx->a->frontier,
                                     parley_analysis_ideal(fx->a), 1.25, 1,
                                     1e-13, u, &mt),
                     PARLEY_OK);
    assert_false(mt.has_offset);
    parley_metrics_clear(&mt);
}

/*
 * A party whose utility is the same in every package has nothing to gain
 * (I == r): its normalized gain is 0, and min_norm_gain leaves it out, as
 * ks does.  Equal power: no skew, so no offset.
 */
static void test_party_with_nothing_to_gain(void **state)
{
    (void)state;
    static const size_t n_options[] = {3};
    static const double values[] = {
        1,   0.5, 0,   /* p0 */
        0,   0.5, 1,   /* p1 */
        0.5, 0.5, 0.5, /* p2: indifferent */
    };
    static const double reservation[] = {0, 0, 0.5};
    table_scenario_spec_t spec = {.n_parties = 3,
                                  .reservation = reservation,
                                  .n_issues = 1,
                                  .n_options = n_options,
                                  .values = values};
    analyzed_t x;
    analyzed_init(&x, table_scenario(&spec), PARLEY_OK);
    const parley_analysis_t *a = x.a;
    const parley_solution_t *ks = parley_analysis_solution(a, PARLEY_CONCEPT_KS);
    assert_true(ks->found);
    assert_int_equal(ks->package[0], 1);
    assert_true(ks->objective == 0.5);
    assert_true(ks->metrics.norm_gain[2] == 0);
    assert_true(ks->metrics.min_norm_gain == 0.5);
    assert_true(ks->metrics.min_gain == 0);
    assert_true(ks->metrics.power_skew == 0);
    /* p2 never gets more than its reservation: no Nash-family solution */
    const parley_solution_t *nash =
        parley_analysis_solution(a, PARLEY_CONCEPT_NASH);
    assert_false(nash->found);
    assert_non_null(nash->why);
    assert_null(nash->package);
    assert_false(parley_analysis_solution(a, PARLEY_CONCEPT_POWER_NASH)->found);
    assert_false(parley_analysis_solution(a, PARLEY_CONCEPT_MEDIATED)->found);
    /* so no skew to offset either */
    assert_false(ks->metrics.has_offset);
    analyzed_clear(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_frontier_and_ideal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_solutions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_nash_metrics, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_utilitarian_metrics, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_inefficient_package, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_offset_without_skew, setup,
                                        teardown),
        cmocka_unit_test(test_party_with_nothing_to_gain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
