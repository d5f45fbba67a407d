/*
 * test_frontier.c - the Pareto frontier of F.
 *
 * The reference (enumerate everything, all-pairs dominance) is checked on a
 * scenario small enough to solve by hand.
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

/*
 * Two parties, one discrete issue of 5 options with values
 *   p0: 1, .5, .5, 0, .25     p1: 0, .5, .5, 1, .25
 * all weights 1.  Options 1 and 2 reach the same vector; 4 is dominated.
 */
static parley_scenario_t *hand_scenario(double r0, double r1)
{
    static const double v0[] = {1, 0.5, 0.5, 0, 0.25};
    static const double v1[] = {0, 0.5, 0.5, 1, 0.25};
    const double *vals[2] = {v0, v1};
    parley_scenario_t *sc = parley_scenario_new();
    assert_non_null(sc);
    sc->n_issues = 1;
    sc->issues = parley_calloc(1, sizeof *sc->issues);
    sc->issues[0].id = parley_strdup("x");
    sc->issues[0].kind = PARLEY_ISSUE_DISCRETE;
    sc->issues[0].n_options = 5;
    sc->issues[0].cluster = -1;
    sc->issues[0].options = parley_calloc(5, sizeof(char *));
    for (size_t j = 0; j < 5; j++) {
        char o[4] = {(char)('a' + j), 0, 0, 0};
        sc->issues[0].options[j] = parley_strdup(o);
    }
    sc->n_parties = 2;
    sc->parties = parley_calloc(2, sizeof *sc->parties);
    for (size_t i = 0; i < 2; i++) {
        parley_party_t *p = &sc->parties[i];
        p->id = parley_strdup(i ? "q" : "p");
        p->role = PARLEY_ROLE_PARTY;
        p->power = 1;
        p->discount = 1;
        p->reservation = i ? r1 : r0;
        p->weights = parley_calloc(1, sizeof(double));
        p->weights[0] = 1;
        p->values = parley_calloc(1, sizeof(parley_value_fn_t));
        p->values[0].kind = PARLEY_VALUE_TABLE;
        p->values[0].n_table = 5;
        p->values[0].table = parley_calloc(5, sizeof(double));
        memcpy(p->values[0].table, vals[i], 5 * sizeof(double));
    }
    return sc;
}

static void check_vector(const parley__frontier_t *f, size_t v, double u0,
                         double u1, uint32_t opt, double mult)
{
    assert_true(f->u[v * 2] == u0);
    assert_true(f->u[v * 2 + 1] == u1);
    assert_int_equal(f->pkg[v], opt);
    assert_true(f->mult[v] == mult);
}

static void test_reference_by_hand(void **state)
{
    (void)state;
    parley_scenario_t *sc = hand_scenario(0, 0);
    parley_model_t *m = NULL;
    parley__frontier_t f;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_int_equal(parley__reference_frontier(m, &f), PARLEY_OK);
    /* every sum is 1: order by package index */
    assert_int_equal(f.size, 3);
    assert_true(f.exact);
    check_vector(&f, 0, 1, 0, 0, 1);
    check_vector(&f, 1, 0.5, 0.5, 1, 2);
    check_vector(&f, 2, 0, 1, 3, 1);
    assert_true(parley__reference_feasible_count(m) == 5);
    parley__frontier_clear(&f);
    parley_model_free(m);
    parley_scenario_free(sc);

    /* p needs 0.25: option d is out, e (.25, .25) is still dominated */
    sc = hand_scenario(0.25, 0);
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_int_equal(parley__reference_frontier(m, &f), PARLEY_OK);
    assert_int_equal(f.size, 2);
    check_vector(&f, 0, 1, 0, 0, 1);
    check_vector(&f, 1, 0.5, 0.5, 1, 2);
    assert_true(parley__reference_feasible_count(m) == 4);
    parley__frontier_clear(&f);
    parley_model_free(m);
    parley_scenario_free(sc);

    /* both need 0.5: only b and c */
    sc = hand_scenario(0.5, 0.5);
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_int_equal(parley__reference_frontier(m, &f), PARLEY_OK);
    assert_int_equal(f.size, 1);
    check_vector(&f, 0, 0.5, 0.5, 1, 2);
    assert_true(parley__reference_feasible_count(m) == 2);
    parley__frontier_clear(&f);
    parley_model_free(m);
    parley_scenario_free(sc);

    /* nothing reaches 0.75 for both */
    sc = hand_scenario(0.75, 0.75);
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_int_equal(parley__reference_frontier(m, &f), PARLEY_OK);
    assert_int_equal(f.size, 0);
    assert_true(parley__reference_feasible_count(m) == 0);
    parley__frontier_clear(&f);
    parley_model_free(m);
    parley_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
