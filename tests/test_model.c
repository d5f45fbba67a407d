/*
 * test_model.c - compiling scenarios into models.
 *
 * Scenarios are built by hand in C so that every expected number below can be
 * checked with pencil and paper: red lines of every operator on discrete,
 * integer and real issues, contributions weight * value, power shares,
 * package indices, clash diagnostics, and allocation failures at every step.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/model.h"
#include "parley/scenario.h"
#include "support/failing_alloc.h"
#include "support/random_scenario.h"

/* ---- building scenarios by hand ---------------------------------------- */

static parley_scenario_t *new_scenario(size_t n_issues, size_t n_parties)
{
    parley_scenario_t *sc = parley_scenario_new();
    assert_non_null(sc);
    sc->name = parley_strdup("hand");
    sc->n_issues = n_issues;
    sc->issues = parley_calloc(n_issues ? n_issues : 1, sizeof *sc->issues);
    sc->n_parties = n_parties;
    sc->parties = parley_calloc(n_parties, sizeof *sc->parties);
    assert_non_null(sc->issues);
    assert_non_null(sc->parties);
    for (size_t i = 0; i < n_parties; i++) {
        parley_party_t *p = &sc->parties[i];
        char id[32];
        snprintf(id, sizeof id, "p%zu", i);
        p->id = parley_strdup(id);
        p->role = PARLEY_ROLE_PARTY;
        p->power = 1;
        p->discount = 1;
        p->weights = parley_calloc(n_issues ? n_issues : 1, sizeof(double));
        p->values = parley_calloc(n_issues ? n_issues : 1,
                                  sizeof(parley_value_fn_t));
        p->red_lines = parley_calloc(8, sizeof(parley_red_line_t));
    }
    return sc;
}

static void set_discrete(parley_scenario_t *sc, size_t k, const char *id,
                         size_t n)
{
    parley_issue_t *is = &sc->issues[k];
    is->id = parley_strdup(id);
    is->kind = PARLEY_ISSUE_DISCRETE;
    is->n_options = n;
    is->cluster = -1;
    is->options = parley_calloc(n, sizeof(char *));
    for (size_t j = 0; j < n; j++) {
        char o[32];
        snprintf(o, sizeof o, "%c", (char)('a' + j));
        is->options[j] = parley_strdup(o);
    }
}

static void set_numeric(parley_scenario_t *sc, size_t k, const char *id,
                        parley_issue_kind_t kind, double min, double max,
                        double res)
{
    parley_issue_t *is = &sc->issues[k];
    is->id = parley_strdup(id);
    is->kind = kind;
    is->min = min;
    is->max = max;
    is->resolution = res;
    is->cluster = -1;
    is->n_options = parley_issue_grid_size(min, max, res);
}

static void set_table(parley_scenario_t *sc, size_t i, size_t k, double w,
                      const double *vals)
{
    parley_party_t *p = &sc->parties[i];
    size_t n = sc->issues[k].n_options;
    p->weights[k] = w;
    p->values[k].kind = PARLEY_VALUE_TABLE;
    p->values[k].n_table = n;
    p->values[k].table = parley_calloc(n, sizeof(double));
    memcpy(p->values[k].table, vals, n * sizeof(double));
}

static parley_red_line_t *add_red_line(parley_scenario_t *sc, size_t i,
                                       size_t k, parley_cmp_t op,
                                       double value)
{
    parley_party_t *p = &sc->parties[i];
    parley_red_line_t *rl = &p->red_lines[p->n_red_lines++];
    rl->issue = k;
    rl->op = op;
    rl->value = value;
    return rl;
}

static void set_rl_options(parley_red_line_t *rl, size_t n, const size_t *o)
{
    rl->n_options = n;
    rl->options = parley_calloc(n, sizeof(size_t));
    memcpy(rl->options, o, n * sizeof(size_t));
}

/* Allowed options of issue k as a bit mask (scenario indices). */
static unsigned allowed_mask(const parley_model_t *m, size_t k)
{
    unsigned mask = 0;
    for (size_t j = 0; j < parley_model_n_allowed(m, k); j++)
        mask |= 1u << parley_model_allowed(m, k, j);
    for (uint32_t o = 0; o < parley_model_n_options(m, k); o++)
        assert_int_equal(parley_model_is_allowed(m, k, o),
                         (mask >> o) & 1u);
    return mask;
}

/* ---- red lines --------------------------------------------------------- */

/* One red line alone on a one-issue scenario; returns the allowed mask. */
static unsigned mask_of(parley_issue_kind_t kind, double min, double max,
                        double res, parley_cmp_t op, double value, size_t n,
                        const size_t *opts)
{
    parley_scenario_t *sc = new_scenario(1, 1);
    if (kind == PARLEY_ISSUE_DISCRETE)
        set_discrete(sc, 0, "x", (size_t)max);
    else
        set_numeric(sc, 0, "x", kind, min, max, res);
    parley_red_line_t *rl = add_red_line(sc, 0, 0, op, value);
    if (n)
        set_rl_options(rl, n, opts);
    parley_model_t *m = NULL;
    parley_diags_t *d = parley_diags_new();
    parley_status_t st = parley_model_new(sc, &m, d);
    unsigned mask = 0;
    if (st == PARLEY_OK)
        mask = allowed_mask(m, 0);
    else
        assert_int_equal(st, PARLEY_EINFEASIBLE);
    parley_model_free(m);
    parley_diags_free(d);
    parley_scenario_free(sc);
    return mask;
}

static void test_red_lines_discrete(void **state)
{
    (void)state;
    const size_t one[] = {2}, two[] = {0, 3}, dup[] = {1, 1};
    /* 4 options a..d */
    assert_int_equal(mask_of(PARLEY_ISSUE_DISCRETE, 0, 4, 0, PARLEY_CMP_EQ, 0,
                             1, one),
                     0x4);
    assert_int_equal(mask_of(PARLEY_ISSUE_DISCRETE, 0, 4, 0, PARLEY_CMP_NE, 0,
                             1, one),
                     0xB);
    assert_int_equal(mask_of(PARLEY_ISSUE_DISCRETE, 0, 4, 0, PARLEY_CMP_IN, 0,
                             2, two),
                     0x9);
    assert_int_equal(mask_of(PARLEY_ISSUE_DISCRETE, 0, 4, 0,
                             PARLEY_CMP_NOT_IN, 0, 2, two),
                     0x6);
    assert_int_equal(mask_of(PARLEY_ISSUE_DISCRETE, 0, 4, 0,
                             PARLEY_CMP_NOT_IN, 0, 2, dup),
                     0xD);
}

static void test_red_lines_integer(void **state)
{
    (void)state;
    /* options stand for 10..15 (bits 0..5) */
    const parley_issue_kind_t I = PARLEY_ISSUE_INTEGER;
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_EQ, 12, 0, NULL), 0x04);
    /* 12.4 snaps to 12, 12.6 to 13 */
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_EQ, 12.4, 0, NULL),
                     0x04);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_EQ, 12.6, 0, NULL),
                     0x08);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_NE, 12.4, 0, NULL),
                     0x3B);
    /* off the grid: EQ allows nothing (a clash), NE everything */
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_EQ, 20, 0, NULL), 0);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_NE, 20, 0, NULL), 0x3F);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_LT, 12, 0, NULL), 0x03);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_LE, 12, 0, NULL), 0x07);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_GT, 12, 0, NULL), 0x38);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_GE, 12, 0, NULL), 0x3C);
    /* between grid points */
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_LT, 12.5, 0, NULL),
                     0x07);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_GE, 12.5, 0, NULL),
                     0x38);
    /* IN / NOT_IN list option indices on numeric issues too */
    const size_t two[] = {1, 4};
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_IN, 0, 2, two), 0x12);
    assert_int_equal(mask_of(I, 10, 15, 1, PARLEY_CMP_NOT_IN, 0, 2, two),
                     0x2D);
}

static void test_red_lines_real(void **state)
{
    (void)state;
    /* 0, 0.1, ..., 0.5 : option 3 is 3 * 0.1 = 0.30000000000000004 */
    const parley_issue_kind_t R = PARLEY_ISSUE_REAL;
    assert_true(0 + 3 * 0.1 > 0.3);
    assert_int_equal(mask_of(R, 0, 0.5, 0.1, PARLEY_CMP_LE, 0.3, 0, NULL),
                     0x0F);
    assert_int_equal(mask_of(R, 0, 0.5, 0.1, PARLEY_CMP_LT, 0.3, 0, NULL),
                     0x07);
    assert_int_equal(mask_of(R, 0, 0.5, 0.1, PARLEY_CMP_GE, 0.3, 0, NULL),
                     0x38);
    assert_int_equal(mask_of(R, 0, 0.5, 0.1, PARLEY_CMP_GT, 0.3, 0, NULL),
                     0x30);
    assert_int_equal(mask_of(R, 0, 0.5, 0.1, PARLEY_CMP_EQ, 0.3, 0, NULL),
                     0x08);
    /* 0.33 snaps to 0.3 */
    assert_int_equal(mask_of(R, 0, 0.5, 0.1, PARLEY_CMP_EQ, 0.33, 0, NULL),
                     0x08);
    assert_int_equal(mask_of(R, 0, 0.5, 0.1, PARLEY_CMP_NE, 0.27, 0, NULL),
                     0x37);
    /* 2.5 .. 4 step 0.5 with a red line at 3.2 */
    assert_int_equal(mask_of(R, 2.5, 4, 0.5, PARLEY_CMP_LT, 3.2, 0, NULL),
                     0x03);
    assert_int_equal(mask_of(R, 2.5, 4, 0.5, PARLEY_CMP_EQ, 3.2, 0, NULL),
                     0x02);
}

/* Several parties' red lines intersect; a non-voting party's do not count. */
static void test_red_lines_intersect(void **state)
{
    (void)state;
    parley_scenario_t *sc = new_scenario(2, 3);
    set_discrete(sc, 0, "d", 5);
    set_numeric(sc, 1, "n", PARLEY_ISSUE_INTEGER, 0, 9, 1);
    const size_t in0[] = {0, 1, 2, 3}, out1[] = {1};
    set_rl_options(add_red_line(sc, 0, 0, PARLEY_CMP_IN, 0), 4, in0);
    set_rl_options(add_red_line(sc, 2, 0, PARLEY_CMP_NOT_IN, 0), 1, out1);
    add_red_line(sc, 0, 1, PARLEY_CMP_GE, 3);
    add_red_line(sc, 2, 1, PARLEY_CMP_LE, 7);
    /* p1 is an observer with a red line that would empty issue n */
    sc->parties[1].role = PARLEY_ROLE_OBSERVER;
    add_red_line(sc, 1, 1, PARLEY_CMP_GT, 100);
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_int_equal(parley_model_n_parties(m), 2);
    assert_int_equal(parley_model_party_index(m, 0), 0);
    assert_int_equal(parley_model_party_index(m, 1), 2);
    assert_string_equal(parley_model_party_id(m, 1), "p2");
    assert_int_equal(allowed_mask(m, 0), 0x0D);
    assert_int_equal(allowed_mask(m, 1), 0xF8);
    assert_int_equal(parley_model_n_allowed(m, 0), 3);
    assert_int_equal(parley_model_n_allowed(m, 1), 5);
    /* allowed lists are in scenario order */
    assert_int_equal(parley_model_allowed(m, 0, 0), 0);
    assert_int_equal(parley_model_allowed(m, 0, 1), 2);
    assert_int_equal(parley_model_allowed(m, 0, 2), 3);
    assert_true(parley_model_package_count(m) == 50.0);
    assert_true(parley_model_allowed_count(m) == 15.0);
    assert_false(parley_model_is_allowed(m, 0, 5)); /* out of range */
    parley_model_free(m);
    parley_scenario_free(sc);
}

/* ---- contributions, shares, utilities ---------------------------------- */

static parley_scenario_t *small_scenario(void)
{
    /* issue a: discrete 3; issue b: integer 0..4 */
    parley_scenario_t *sc = new_scenario(2, 3);
    set_discrete(sc, 0, "a", 3);
    set_numeric(sc, 1, "b", PARLEY_ISSUE_INTEGER, 0, 4, 1);
    const double t0[] = {1, 0.5, 0}, t2[] = {0.25, 1, 0.75};
    set_table(sc, 0, 0, 0.6, t0);
    set_table(sc, 2, 0, 0.3, t2);
    /* p0: linear 0.2 + 0.2 x on b, weight 0.4 */
    sc->parties[0].weights[1] = 0.4;
    sc->parties[0].values[1].kind = PARLEY_VALUE_LINEAR;
    sc->parties[0].values[1].offset = 0.2;
    sc->parties[0].values[1].slope = 0.2;
    sc->parties[0].values[1].origin = 0;
    /* p2: ideal point 1, scale 2, linear loss, weight 0.7 */
    sc->parties[2].weights[1] = 0.7;
    sc->parties[2].values[1].kind = PARLEY_VALUE_IDEAL;
    sc->parties[2].values[1].ideal = 1;
    sc->parties[2].values[1].scale = 2;
    sc->parties[2].values[1].loss = PARLEY_LOSS_LINEAR;
    sc->parties[1].role = PARLEY_ROLE_MONITOR;
    sc->parties[0].power = 3;
    sc->parties[2].power = 1;
    sc->parties[0].reservation = 0.5;
    sc->parties[2].reservation = 0.25;
    return sc;
}

static void test_contributions(void **state)
{
    (void)state;
    parley_scenario_t *sc = small_scenario();
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    parley_scenario_free(sc); /* the model borrows nothing */
    assert_int_equal(parley_model_n_parties(m), 2);
    assert_int_equal(parley_model_n_issues(m), 2);
    assert_string_equal(parley_model_issue_id(m, 1), "b");
    assert_true(parley_model_power(m, 0) == 3);
    assert_true(parley_model_power_share(m, 0) == 0.75);
    assert_true(parley_model_power_share(m, 1) == 0.25);
    assert_true(parley_model_reservation(m, 0) == 0.5);
    assert_true(parley_model_reservation(m, 1) == 0.25);
    assert_int_equal(parley_model_n_options(m, 1), 5);
    const double *c = parley_model_contrib(m, 0, 1);
    assert_true(c[0] == 0.6 * 0.5);
    assert_true(c[1] == 0.3 * 1.0);
    /* b = 3: p0 0.4 * (0.2 + 0.6), p2 0.7 * (1 - 2/2) = 0 */
    c = parley_model_contrib(m, 1, 3);
    assert_true(c[0] == 0.4 * (0.2 + 0.2 * 3.0));
    assert_true(c[1] == 0.0);
    /* b = 4: linear clamps at 1; ideal clamps at 0 */
    c = parley_model_contrib(m, 1, 4);
    assert_true(c[0] == 0.4 * 1.0);
    assert_true(c[1] == 0.0);
    c = parley_model_contrib(m, 1, 2);
    assert_true(c[1] == 0.7 * 0.5);

    /* u(a=b, b=2) summed in issue order from 0 */
    uint32_t pkg[2] = {1, 2};
    double u[2];
    parley_model_utility(m, pkg, u);
    assert_true(u[0] == (0.0 + 0.6 * 0.5) + 0.4 * (0.2 + 0.2 * 2.0));
    assert_true(u[1] == (0.0 + 0.3 * 1.0) + 0.7 * 0.5);
    assert_true(parley_model_is_feasible(m, pkg)); /* 0.54 >= .5, .65 >= .25 */
    pkg[0] = 2; /* p0 gets 0 + 0.24 < 0.5 */
    assert_false(parley_model_is_feasible(m, pkg));
    pkg[0] = 0;
    pkg[1] = 4; /* p0: 0.6 + 0.4 = 1; p2: 0.075 + 0 < 0.25 */
    assert_false(parley_model_is_feasible(m, pkg));
    parley_model_free(m);
}

static void test_package_index(void **state)
{
    (void)state;
    parley_scenario_t *sc = small_scenario();
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    uint32_t a[2] = {0, 0}, b[2] = {0, 4}, c[2] = {1, 0}, d[2] = {2, 4};
    assert_true(parley_model_package_index(m, a) == 0);
    assert_true(parley_model_package_index(m, b) == 4);
    assert_true(parley_model_package_index(m, c) == 5);
    assert_true(parley_model_package_index(m, d) == 14);
    assert_true(parley_model_package_less(m, a, b));
    assert_true(parley_model_package_less(m, b, c));
    assert_false(parley_model_package_less(m, c, b));
    assert_false(parley_model_package_less(m, c, c));
    parley_model_free(m);
    parley_scenario_free(sc);
}

/* package_less agrees with package_index on random scenarios. */
static void test_package_order_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        parley_scenario_t *sc = random_scenario(seed, NULL);
        assert_non_null(sc);
        parley_model_t *m = NULL;
        parley_status_t st = parley_model_new(sc, &m, NULL);
        if (st != PARLEY_OK) {
            assert_int_equal(st, PARLEY_EINFEASIBLE);
            parley_scenario_free(sc);
            continue;
        }
        uint64_t rs = seed;
        size_t K = parley_model_n_issues(m);
        for (int t = 0; t < 50; t++) {
            uint32_t a[8], b[8];
            for (size_t k = 0; k < K; k++) {
                a[k] = (uint32_t)random_range(&rs, 0,
                                              parley_model_n_options(m, k) - 1);
                b[k] = random_unit(&rs) < 0.5
                           ? a[k]
                           : (uint32_t)random_range(
                                 &rs, 0, parley_model_n_options(m, k) - 1);
            }
            double ia = parley_model_package_index(m, a);
            double ib = parley_model_package_index(m, b);
            assert_int_equal(parley_model_package_less(m, a, b), ia < ib);
            /* the utility is the sum of the contributions in issue order */
            double u[PARLEY_MAX_PARTIES], s[PARLEY_MAX_PARTIES] = {0};
            parley_model_utility(m, a, u);
            for (size_t k = 0; k < K; k++) {
                const double *c = parley_model_contrib(m, k, a[k]);
                for (size_t i = 0; i < parley_model_n_parties(m); i++)
                    s[i] += c[i];
            }
            assert_memory_equal(u, s,
                                parley_model_n_parties(m) * sizeof(double));
        }
        /* contributions equal weight * value for every party and option */
        for (size_t k = 0; k < K; k++)
            for (uint32_t o = 0; o < parley_model_n_options(m, k); o++) {
                const double *c = parley_model_contrib(m, k, o);
                for (size_t i = 0; i < parley_model_n_parties(m); i++) {
                    const parley_party_t *p =
                        &sc->parties[parley_model_party_index(m, i)];
                    assert_true(c[i] ==
                                p->weights[k] * parley_value_eval(
                                                    &p->values[k],
                                                    &sc->issues[k], o));
                }
            }
        parley_model_free(m);
        parley_scenario_free(sc);
    }
}

/* ---- failures ------------------------------------------------------------ */

static int diags_mention(const parley_diags_t *d, const char *a,
                         const char *b)
{
    for (size_t t = 0; t < parley_diags_count(d); t++) {
        const parley_diag_t *g = parley_diags_get(d, t);
        if (strstr(g->message, a) && (!b || strstr(g->message, b)))
            return 1;
    }
    return 0;
}

static void test_clash(void **state)
{
    (void)state;
    parley_scenario_t *sc = new_scenario(3, 3);
    set_numeric(sc, 0, "flow", PARLEY_ISSUE_REAL, 0, 100, 10);
    set_discrete(sc, 1, "dam", 3);
    set_discrete(sc, 2, "fine", 2);
    add_red_line(sc, 0, 0, PARLEY_CMP_GE, 40)->note =
        parley_strdup("farms need water");
    add_red_line(sc, 1, 0, PARLEY_CMP_LT, 30);
    add_red_line(sc, 2, 0, PARLEY_CMP_NE, 50);
    const size_t a[] = {0}, bc[] = {1, 2};
    set_rl_options(add_red_line(sc, 0, 1, PARLEY_CMP_EQ, 0), 1, a);
    set_rl_options(add_red_line(sc, 2, 1, PARLEY_CMP_IN, 0), 2, bc);
    parley_model_t *m = (parley_model_t *)1;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_model_new(sc, &m, d), PARLEY_EINFEASIBLE);
    assert_null(m);
    /* Both clashing issues are named, with every red line on them. */
    assert_true(diags_mention(d, "'flow'", "no option"));
    assert_true(diags_mention(d, "'dam'", "no option"));
    assert_false(diags_mention(d, "'fine'", NULL));
    assert_true(diags_mention(d, "party 'p0'", "flow >= 40"));
    assert_true(diags_mention(d, "farms need water", NULL));
    assert_true(diags_mention(d, "party 'p1'", "flow < 30"));
    assert_true(diags_mention(d, "party 'p2'", "flow != 50"));
    assert_true(diags_mention(d, "party 'p0'", "dam == a"));
    assert_true(diags_mention(d, "party 'p2'", "dam in { b, c }"));
    /* 2 issue diagnostics + 5 red lines */
    assert_int_equal(parley_diags_errors(d), 7);
    for (size_t t = 0; t < parley_diags_count(d); t++)
        assert_int_equal(parley_diags_get(d, t)->code, PARLEY_EINFEASIBLE);
    assert_string_equal(parley_diags_get(d, 0)->path, "$.issues[0]");
    parley_diags_free(d);
    parley_scenario_free(sc);
}

static void test_invalid(void **state)
{
    (void)state;
    parley_scenario_t *sc = new_scenario(1, 2);
    set_discrete(sc, 0, "x", 2);
    sc->parties[0].role = PARLEY_ROLE_OBSERVER;
    sc->parties[1].role = PARLEY_ROLE_GUARANTOR;
    parley_model_t *m = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_model_new(sc, &m, d), PARLEY_EINVALID);
    assert_null(m);
    assert_int_equal(parley_diags_errors(d), 1);
    parley_diags_clear(d);
    sc->parties[1].role = PARLEY_ROLE_PARTY;
    sc->parties[1].power = 0;
    assert_int_equal(parley_model_new(sc, &m, d), PARLEY_EINVALID);
    sc->parties[1].power = 2;
    add_red_line(sc, 1, 5, PARLEY_CMP_EQ, 0); /* no issue 5 */
    assert_int_equal(parley_model_new(sc, &m, d), PARLEY_EINVALID);
    sc->parties[1].n_red_lines = 0;
    /* a value that is not a number */
    const double bad[] = {0.5, NAN};
    set_table(sc, 1, 0, 1, bad);
    assert_int_equal(parley_model_new(sc, &m, d), PARLEY_EINVALID);
    assert_null(m);
    sc->parties[1].values[0].table[1] = 1;
    assert_int_equal(parley_model_new(sc, &m, d), PARLEY_OK);
    assert_int_equal(parley_model_n_parties(m), 1);
    assert_true(parley_model_power_share(m, 0) == 1.0);
    parley_model_free(m);
    parley_model_free(NULL);
    assert_int_equal(parley_model_new(NULL, &m, d), PARLEY_EARG);
    assert_int_equal(parley_model_new(sc, NULL, d), PARLEY_EARG);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

/* No issues: one package, the empty one, with utility 0. */
static void test_no_issues(void **state)
{
    (void)state;
    parley_scenario_t *sc = new_scenario(0, 2);
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_true(parley_model_package_count(m) == 1);
    assert_true(parley_model_allowed_count(m) == 1);
    double u[2] = {7, 7};
    parley_model_utility(m, NULL, u);
    assert_true(u[0] == 0 && u[1] == 0);
    assert_true(parley_model_is_feasible(m, NULL));
    assert_true(parley_model_package_index(m, NULL) == 0);
    parley_model_free(m);
    parley_scenario_free(sc);
}

/* ---- allocation failures --------------------------------------------- */

/* A model compiled and freed again; never a partial one on failure. */
static parley_status_t compile_once(void *ctx)
{
    const parley_scenario_t *sc = ctx;
    parley_model_t *m = NULL;
    parley_status_t st = parley_model_new(sc, &m, NULL);
    if (st != PARLEY_OK)
        assert_null(m);
    parley_model_free(m);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    parley_scenario_t *sc = small_scenario();
    failing_alloc_opts_t o = {.keep_failing = 1, .may_absorb = 1,
                              .limit = 400};
    failing_alloc_sweep(compile_once, sc, &o);
    parley_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_red_lines_discrete),
        cmocka_unit_test(test_red_lines_integer),
        cmocka_unit_test(test_red_lines_real),
        cmocka_unit_test(test_red_lines_intersect),
        cmocka_unit_test(test_contributions),
        cmocka_unit_test(test_package_index),
        cmocka_unit_test(test_package_order_random),
        cmocka_unit_test(test_clash),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_no_issues),
        cmocka_unit_test_teardown(test_alloc_failures, failing_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
