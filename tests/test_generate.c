/*
 * test_generate.c - the random scenario generator.
 *
 * Checks determinism (same seed, same scenario; other seed, other scenario),
 * the shape of what comes out (ids, value tables spanning [0,1], weights
 * summing to 1, every scenario passing the checker), the power
 * distributions, that the measured correlation between parties' option
 * values is close to the documented target, option validation, and that a
 * failed allocation at any point leaks nothing.  The golden numbers for the
 * random streams were computed independently from the published definitions
 * of splitmix64 and xoshiro256**.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/generate.h"
#include "parley/scenario.h"
#include "support/failing_alloc.h"

static parley_scenario_t *gen(size_t n, size_t k, size_t m,
                              parley_power_dist_t power, double conflict,
                              uint64_t seed)
{
    parley_generate_opts_t o;
    parley_generate_opts_init(&o);
    o.n_parties = n;
    o.n_issues = k;
    o.n_options = m;
    o.power = power;
    o.conflict = conflict;
    o.seed = seed;
    parley_scenario_t *sc = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_generate(&o, &sc, d), PARLEY_OK);
    assert_int_equal(parley_diags_errors(d), 0);
    parley_diags_free(d);
    assert_non_null(sc);
    return sc;
}

static void test_deterministic(void **state)
{
    (void)state;
    parley_scenario_t *a = gen(5, 6, 7, PARLEY_POWER_RANDOM, 0.7, 12345);
    parley_scenario_t *b = gen(5, 6, 7, PARLEY_POWER_RANDOM, 0.7, 12345);
    parley_scenario_t *c = gen(5, 6, 7, PARLEY_POWER_RANDOM, 0.7, 12346);
    assert_true(parley_scenario_equal(a, b));
    assert_false(parley_scenario_equal(a, c));
    /* Not only the name differs: the numbers do. */
    assert_true(a->parties[0].values[0].table[0] !=
                    c->parties[0].values[0].table[0] ||
                a->parties[0].weights[0] != c->parties[0].weights[0]);
    parley_scenario_free(a);
    parley_scenario_free(b);
    parley_scenario_free(c);
}

/* Golden values of the weight and power streams for seed 42. */
static void test_golden_streams(void **state)
{
    (void)state;
    parley_scenario_t *sc = gen(3, 3, 2, PARLEY_POWER_RANDOM, 0.5, 42);
    const double w[3] = {0.5231840354945138, 0.40667667920594186,
                         0.0701392852995442};
    for (int k = 0; k < 3; k++)
        assert_true(fabs(sc->parties[0].weights[k] - w[k]) < 1e-15);
    const double p[3] = {0.1397291886598868, 1.1055668332335227,
                         2.466037809300202};
    for (int i = 0; i < 3; i++)
        assert_true(fabs(sc->parties[i].power - p[i]) < 1e-14 * p[i]);
    parley_scenario_free(sc);
}

static void test_shape(void **state)
{
    (void)state;
    parley_scenario_t *sc = gen(4, 5, 6, PARLEY_POWER_LINEAR, 0.6, 7);
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_scenario_check(sc, "generated", d), PARLEY_OK);
    /* Not even a warning: the weights sum to 1 within the checker's
     * tolerance. */
    assert_int_equal(parley_diags_count(d), 0);
    parley_diags_free(d);
    assert_int_equal(sc->n_parties, 4);
    assert_int_equal(sc->n_issues, 5);
    assert_string_equal(sc->issues[4].id, "i5");
    assert_string_equal(sc->issues[0].options[5], "o6");
    assert_string_equal(sc->parties[3].id, "p4");
    assert_int_equal(parley_scenario_package_count(sc), 6 * 6 * 6 * 6 * 6);
    for (size_t i = 0; i < sc->n_parties; i++) {
        const parley_party_t *p = &sc->parties[i];
        assert_int_equal(p->role, PARLEY_ROLE_PARTY);
        assert_true(p->reservation == 0);
        double sum = 0;
        for (size_t k = 0; k < sc->n_issues; k++) {
            assert_true(p->weights[k] > 0);
            sum += p->weights[k];
            const parley_value_fn_t *fn = &p->values[k];
            assert_int_equal(fn->kind, PARLEY_VALUE_TABLE);
            assert_int_equal(fn->n_table, 6);
            double lo = 2, hi = -1;
            for (size_t j = 0; j < fn->n_table; j++) {
                lo = fmin(lo, fn->table[j]);
                hi = fmax(hi, fn->table[j]);
            }
            /* Best option exactly 1, worst exactly 0. */
            assert_true(hi == 1.0);
            assert_true(lo == 0.0);
        }
        assert_true(fabs(sum - 1) < 1e-12);
    }
    parley_scenario_free(sc);
}

/* The largest sizes the limits allow still check clean. */
static void test_limits(void **state)
{
    (void)state;
    parley_scenario_t *sc = gen(PARLEY_MAX_PARTIES, PARLEY_MAX_ISSUES, 3,
                                PARLEY_POWER_RANDOM, 0.9, 8);
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_scenario_check(sc, "generated", d), PARLEY_OK);
    assert_int_equal(parley_diags_count(d), 0);
    for (size_t i = 0; i < sc->n_parties; i++) {
        double sum = 0;
        for (size_t k = 0; k < sc->n_issues; k++)
            sum += sc->parties[i].weights[k];
        assert_true(fabs(sum - 1) < 1e-12);
    }
    parley_diags_free(d);
    parley_scenario_free(sc);
}

static void test_reservation_and_edges(void **state)
{
    (void)state;
    parley_generate_opts_t o;
    parley_generate_opts_init(&o);
    o.n_parties = 1;
    o.n_issues = 2;
    o.n_options = 1;
    o.reservation = 0.25;
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_generate(&o, &sc, NULL), PARLEY_OK);
    assert_true(sc->parties[0].reservation == 0.25);
    /* A single option is the best one. */
    assert_true(sc->parties[0].values[1].table[0] == 1.0);
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_scenario_check(sc, "generated", d), PARLEY_OK);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

static void test_power_distributions(void **state)
{
    (void)state;
    parley_scenario_t *sc = gen(4, 1, 2, PARLEY_POWER_EQUAL, 0.5, 1);
    for (int i = 0; i < 4; i++)
        assert_true(sc->parties[i].power == 1);
    parley_scenario_free(sc);

    sc = gen(4, 1, 2, PARLEY_POWER_LINEAR, 0.5, 1);
    for (int i = 0; i < 4; i++)
        assert_true(sc->parties[i].power == 4 - i);
    parley_scenario_free(sc);

    sc = gen(4, 1, 2, PARLEY_POWER_ZIPF, 0.5, 1);
    for (int i = 0; i < 4; i++)
        assert_true(fabs(sc->parties[i].power - 1.0 / (i + 1)) < 1e-15);
    parley_scenario_free(sc);

    sc = gen(4, 1, 2, PARLEY_POWER_DOMINANT, 0.5, 1);
    assert_true(sc->parties[0].power == 10);
    for (int i = 1; i < 4; i++)
        assert_true(sc->parties[i].power == 1);
    parley_scenario_free(sc);

    /* Lognormal(0,1): log-powers have mean ~0 and variance ~1. */
    sc = gen(64, 1, 2, PARLEY_POWER_RANDOM, 0.5, 99);
    double s = 0, s2 = 0;
    for (int i = 0; i < 64; i++) {
        assert_true(sc->parties[i].power > 0);
        double l = log(sc->parties[i].power);
        s += l;
        s2 += l * l;
    }
    double mean = s / 64, var = s2 / 64 - mean * mean;
    assert_true(fabs(mean) < 0.5);
    assert_true(var > 0.5 && var < 1.6);
    parley_scenario_free(sc);

    /* Power comes from its own stream: more issues, same powers. */
    parley_scenario_t *a = gen(5, 2, 3, PARLEY_POWER_RANDOM, 0.5, 5);
    parley_scenario_t *b = gen(5, 9, 4, PARLEY_POWER_RANDOM, 0.5, 5);
    for (int i = 0; i < 5; i++)
        assert_true(a->parties[i].power == b->parties[i].power);
    parley_scenario_free(a);
    parley_scenario_free(b);

    assert_string_equal(parley_power_dist_name(PARLEY_POWER_ZIPF), "zipf");
    assert_int_equal(parley_power_dist_from_name("dominant"),
                     PARLEY_POWER_DOMINANT);
    assert_int_equal(parley_power_dist_from_name("Zipf"), -1);
    assert_int_equal(parley_power_dist_from_name(NULL), -1);
}

/* Pearson correlation of two parties' values across the options of issue k. */
static double corr(const parley_scenario_t *sc, size_t a, size_t b, size_t k)
{
    const double *x = sc->parties[a].values[k].table;
    const double *y = sc->parties[b].values[k].table;
    size_t m = sc->issues[k].n_options;
    double mx = 0, my = 0;
    for (size_t j = 0; j < m; j++) {
        mx += x[j];
        my += y[j];
    }
    mx /= (double)m;
    my /= (double)m;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t j = 0; j < m; j++) {
        sxy += (x[j] - mx) * (y[j] - my);
        sxx += (x[j] - mx) * (x[j] - mx);
        syy += (y[j] - my) * (y[j] - my);
    }
    return sxy / sqrt(sxx * syy);
}

static double mean_corr(const parley_scenario_t *sc)
{
    double s = 0;
    size_t count = 0;
    for (size_t k = 0; k < sc->n_issues; k++)
        for (size_t a = 0; a < sc->n_parties; a++)
            for (size_t b = a + 1; b < sc->n_parties; b++) {
                s += corr(sc, a, b, k);
                count++;
            }
    return s / (double)count;
}

static void check_corr(size_t n, double conflict, double target,
                       uint64_t seed)
{
    parley_scenario_t *sc = gen(n, 200, 30, PARLEY_POWER_EQUAL, conflict,
                                seed);
    double r = mean_corr(sc);
    print_message("n=%zu conflict=%.2f: target %.4f measured %.4f\n", n,
                  conflict, target, r);
    assert_true(fabs(r - target) < 0.05);
    parley_scenario_free(sc);
}

static void test_conflict_correlation(void **state)
{
    (void)state;
    check_corr(4, 0.0, 1.0, 11);
    check_corr(4, 0.25, 0.5, 12);
    check_corr(4, 0.5, 0.0, 13);
    check_corr(4, 0.6, -0.2, 14);
    /* Floored at -1/(n-1). */
    check_corr(4, 1.0, -1.0 / 3, 15);
    check_corr(6, 1.0, -0.2, 16);
    check_corr(2, 1.0, -1.0, 17);

    /* The extremes are exact, not merely close. */
    parley_scenario_t *sc = gen(3, 4, 5, PARLEY_POWER_EQUAL, 0.0, 3);
    for (size_t k = 0; k < 4; k++)
        for (size_t j = 0; j < 5; j++)
            assert_true(sc->parties[0].values[k].table[j] ==
                        sc->parties[2].values[k].table[j]);
    parley_scenario_free(sc);
    sc = gen(2, 4, 5, PARLEY_POWER_EQUAL, 1.0, 3);
    for (size_t k = 0; k < 4; k++)
        for (size_t j = 0; j < 5; j++)
            assert_true(fabs(sc->parties[0].values[k].table[j] +
                             sc->parties[1].values[k].table[j] - 1) < 1e-12);
    parley_scenario_free(sc);
}

static void expect_bad(parley_generate_opts_t *o, parley_status_t want,
                       const char *path)
{
    parley_scenario_t *sc = (parley_scenario_t *)1;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_generate(o, &sc, d), want);
    assert_null(sc);
    assert_true(parley_diags_errors(d) >= 1);
    assert_string_equal(parley_diags_get(d, 0)->path, path);
    parley_diags_free(d);
}

static void test_bad_options(void **state)
{
    (void)state;
    parley_generate_opts_t o;
    parley_generate_opts_init(&o);
    o.n_parties = 0;
    expect_bad(&o, PARLEY_ERANGE, "parties");
    parley_generate_opts_init(&o);
    o.n_parties = PARLEY_MAX_PARTIES + 1;
    expect_bad(&o, PARLEY_ELIMIT, "parties");
    parley_generate_opts_init(&o);
    o.n_issues = PARLEY_MAX_ISSUES + 1;
    expect_bad(&o, PARLEY_ELIMIT, "issues");
    parley_generate_opts_init(&o);
    o.n_options = 0;
    expect_bad(&o, PARLEY_ERANGE, "options");
    parley_generate_opts_init(&o);
    o.conflict = NAN;
    expect_bad(&o, PARLEY_ERANGE, "conflict");
    parley_generate_opts_init(&o);
    o.conflict = 1.5;
    expect_bad(&o, PARLEY_ERANGE, "conflict");
    parley_generate_opts_init(&o);
    o.reservation = -0.1;
    expect_bad(&o, PARLEY_ERANGE, "reservation");
    parley_generate_opts_init(&o);
    o.power = (parley_power_dist_t)17;
    expect_bad(&o, PARLEY_EARG, "power");

    /* Every problem is reported, not only the first. */
    parley_generate_opts_init(&o);
    o.n_parties = 0;
    o.conflict = -1;
    parley_scenario_t *sc = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_not_equal(parley_generate(&o, &sc, d), PARLEY_OK);
    assert_int_equal(parley_diags_errors(d), 2);
    parley_diags_free(d);
    assert_int_equal(parley_generate(NULL, &sc, NULL), PARLEY_EARG);
}

/* A generated scenario, freed again; never a partial one on failure. */
static parley_status_t generate_once(void *ctx)
{
    const parley_generate_opts_t *o = ctx;
    parley_scenario_t *sc = NULL;
    parley_status_t st = parley_generate(o, &sc, NULL);
    if (st != PARLEY_OK)
        assert_null(sc);
    parley_scenario_free(sc);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    parley_generate_opts_t o;
    parley_generate_opts_init(&o);
    o.n_parties = 3;
    o.n_issues = 3;
    o.n_options = 3;
    failing_alloc_opts_t fo = {.may_absorb = 1};
    failing_alloc_result_t r = failing_alloc_sweep(generate_once, &o, &fo);
    assert_true(r.enomem > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_golden_streams),
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_reservation_and_edges),
        cmocka_unit_test(test_power_distributions),
        cmocka_unit_test(test_conflict_correlation),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test_teardown(test_alloc_failures, failing_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
