/*
 * test_feasible.c - counting the feasible set.
 *
 * The pruned count is checked against the reference (every package tested)
 * on random scenarios, with one and two threads; stopped counts must bound
 * the true count; spaces far too large to enumerate are counted exactly when
 * the reservations decide whole subtrees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/model.h"
#include "analysis/analysis_internal.h"
#include "support/random_scenario.h"

static void opts_with(parley_analysis_opts_t *o, unsigned threads,
                      double limit)
{
    memset(o, 0, sizeof *o);
    o->threads = threads;
    o->count_limit = limit;
}

static void test_random_counts(void **state)
{
    (void)state;
    size_t compared = 0, partial = 0, empty = 0, full = 0;
    for (uint64_t seed = 1; compared < 800; seed++) {
        parley_model_t *m = NULL;
        if (!random_model(seed, NULL, &m))
            continue;
        double truth = parley__reference_feasible_count(m);
        for (unsigned th = 1; th <= 2; th++) {
            parley_analysis_opts_t o;
            parley__feasible_count_t c;
            opts_with(&o, th, 0);
            assert_int_equal(parley__feasible_count(m, &o, &c), PARLEY_OK);
            assert_true(c.exact);
            if (c.count != truth)
                fail_msg("seed %llu: counted %g, reference %g",
                         (unsigned long long)seed, c.count, truth);
            assert_true(c.lower == truth && c.upper == truth);
        }
        empty += truth == 0;
        full += truth == parley_model_allowed_count(m);
        partial += truth > 0 && truth < parley_model_allowed_count(m);
        parley_model_free(m);
        compared++;
    }
    /* the generator must give all three kinds of scenario */
    assert_true(empty > 20 && full > 100 && partial > 100);
}

/* Stopped early: lower <= truth <= upper, and inexact when it stopped. */
static void test_bounds(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_issues = 3;
    rp.max_issues = 7;
    rp.min_options = 3;
    rp.max_options = 6;
    rp.reservation_rate = 0.9;
    rp.red_line_rate = 0.05;
    size_t compared = 0, stopped = 0;
    for (uint64_t seed = 100; compared < 300; seed++) {
        parley_model_t *m = NULL;
        if (!random_model(seed, &rp, &m))
            continue;
        double truth = parley__reference_feasible_count(m);
        parley_analysis_opts_t o;
        parley__feasible_count_t c;
        opts_with(&o, 1 + (unsigned)(seed % 2), 5 + (double)(seed % 40));
        assert_int_equal(parley__feasible_count(m, &o, &c), PARLEY_OK);
        assert_true(c.lower <= truth);
        assert_true(truth <= c.upper);
        assert_true(c.upper <= parley_model_allowed_count(m));
        if (c.exact)
            assert_true(c.count == truth && c.lower == truth &&
                        c.upper == truth);
        else
            stopped++;
        /* a time budget already spent stops it too */
        opts_with(&o, 1, 0);
        o.time_budget = 1e-12;
        assert_int_equal(parley__feasible_count(m, &o, &c), PARLEY_OK);
        assert_true(c.lower <= truth && truth <= c.upper);
        parley_model_free(m);
        compared++;
    }
    assert_true(stopped > 100);
}

/* Larger spaces: the threaded walk against the reference. */
static void test_larger(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_parties = 2;
    rp.max_parties = 5;
    rp.min_issues = 7;
    rp.max_issues = 8;
    rp.min_options = 5;
    rp.max_options = 6;
    rp.reservation_rate = 0.8;
    rp.red_line_rate = 0.05;
    size_t compared = 0;
    for (uint64_t seed = 7; compared < 4; seed++) {
        parley_model_t *m = NULL;
        if (!random_model(seed, &rp, &m))
            continue;
        if (parley_model_allowed_count(m) < 2e5) {
            parley_model_free(m);
            continue;
        }
        double truth = parley__reference_feasible_count(m);
        parley_analysis_opts_t o;
        parley__feasible_count_t c;
        opts_with(&o, 2, 0);
        assert_int_equal(parley__feasible_count(m, &o, &c), PARLEY_OK);
        assert_true(c.exact);
        assert_true(c.count == truth);
        parley_model_free(m);
        compared++;
    }
}

/*
 * 40 issues of 4 options, 4^40 = 2^80 packages: with every reservation at 0
 * the root is decided; with one reservation above what anyone can reach it
 * is decided the other way.
 */
static void test_huge_decided(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_parties = rp.max_parties = 4;
    rp.min_issues = rp.max_issues = 40;
    rp.min_options = rp.max_options = 4;
    rp.red_line_rate = 0;
    rp.reservation_rate = 0;
    rp.non_voting_rate = 0;
    parley_scenario_t *sc = random_scenario(3, &rp);
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    parley_analysis_opts_t o;
    parley__feasible_count_t c;
    opts_with(&o, 0, 0);
    assert_int_equal(parley__feasible_count(m, &o, &c), PARLEY_OK);
    assert_true(c.exact);
    assert_true(c.count == 1208925819614629174706176.0); /* 2^80 */
    parley_model_free(m);
    sc->parties[2].reservation = 1e9;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_int_equal(parley__feasible_count(m, &o, &c), PARLEY_OK);
    assert_true(c.exact);
    assert_true(c.count == 0);
    parley_model_free(m);
    /* in between: a limit of 10^6 leaves cannot finish; bounds hold */
    double wsum = 0;
    for (size_t k = 0; k < 40; k++)
        wsum += sc->parties[1].weights[k];
    sc->parties[2].reservation = 0;
    sc->parties[1].reservation = 0.5 * wsum;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    opts_with(&o, 2, 1e6);
    assert_int_equal(parley__feasible_count(m, &o, &c), PARLEY_OK);
    assert_false(c.exact);
    assert_true(c.lower <= c.upper);
    assert_true(c.upper <= parley_model_allowed_count(m));
    parley_model_free(m);
    parley_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_counts),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_larger),
        cmocka_unit_test(test_huge_decided),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
