/*
 * test_frontier.c - the Pareto frontier of F.
 *
 * The reference (enumerate everything, all-pairs dominance) is checked on a
 * scenario small enough to solve by hand.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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


/* ---- random scenarios against the reference ------------------------------ */

static void opts_with(parley_analysis_opts_t *o, parley_frontier_method_t me,
                      unsigned threads)
{
    memset(o, 0, sizeof *o);
    o->method = me;
    o->threads = threads;
}

/* Same vectors bit for bit, multiplicities, packages, order. */
static void assert_same_frontier(const parley__frontier_t *a,
                                 const parley__frontier_t *b, uint64_t seed)
{
    if (a->size != b->size)
        fail_msg("seed %llu: %zu vectors, reference %zu",
                 (unsigned long long)seed, a->size, b->size);
    size_t P = a->n_parties, K = a->n_issues;
    for (size_t v = 0; v < a->size; v++) {
        if (memcmp(&a->u[v * P], &b->u[v * P], P * sizeof(double)) != 0)
            fail_msg("seed %llu: vector %zu differs", (unsigned long long)seed,
                     v);
        if (K && memcmp(&a->pkg[v * K], &b->pkg[v * K],
                        K * sizeof(uint32_t)) != 0)
            fail_msg("seed %llu: package %zu differs",
                     (unsigned long long)seed, v);
        if (a->mult[v] != b->mult[v])
            fail_msg("seed %llu: multiplicity %zu: %g vs %g",
                     (unsigned long long)seed, v, a->mult[v], b->mult[v]);
    }
}

static int dominates(const double *a, const double *b, size_t P)
{
    int strict = 0;
    for (size_t i = 0; i < P; i++) {
        if (a[i] < b[i])
            return 0;
        strict |= a[i] > b[i];
    }
    return strict;
}

/* Calls fn on every allowed package of m, in index order. */
typedef void (*pkg_fn)(const parley_model_t *m, const uint32_t *pkg,
                       void *ctx);

static void for_each_package(const parley_model_t *m, pkg_fn fn, void *ctx)
{
    size_t K = parley_model_n_issues(m);
    size_t pos[PARLEY_MAX_ISSUES] = {0};
    uint32_t pkg[PARLEY_MAX_ISSUES];
    for (size_t k = 0; k < K; k++)
        pkg[k] = parley_model_allowed(m, k, 0);
    for (;;) {
        fn(m, pkg, ctx);
        size_t k = K;
        while (k > 0 && pos[k - 1] + 1 == parley_model_n_allowed(m, k - 1)) {
            pos[k - 1] = 0;
            pkg[k - 1] = parley_model_allowed(m, k - 1, 0);
            k--;
        }
        if (k == 0)
            return;
        pos[k - 1]++;
        pkg[k - 1] = parley_model_allowed(m, k - 1, pos[k - 1]);
    }
}

typedef struct cover_ctx {
    const parley__frontier_t *f;
    double delta;
    size_t feasible, uncovered;
    int exact;
} cover_ctx_t;

/*
 * Every feasible package is dominated by or equal to a reported vector
 * (exact), or has one within delta on every party (approximate); no
 * feasible package dominates a reported vector.
 */
static void cover_one(const parley_model_t *m, const uint32_t *pkg, void *arg)
{
    cover_ctx_t *c = arg;
    size_t P = parley_model_n_parties(m);
    double u[PARLEY_MAX_PARTIES];
    if (!parley_model_is_feasible(m, pkg))
        return;
    c->feasible++;
    parley_model_utility(m, pkg, u);
    int covered = 0;
    for (size_t v = 0; v < c->f->size; v++) {
        const double *q = &c->f->u[v * P];
        if (dominates(u, q, P) && c->exact)
            fail_msg("a feasible package dominates reported vector %zu", v);
        int ok = 1;
        for (size_t i = 0; i < P; i++)
            ok &= q[i] >= u[i] - c->delta;
        covered |= ok;
    }
    if (!covered)
        c->uncovered++;
}

/* Reported packages reach their vectors and are feasible. */
static void check_reported(const parley_model_t *m,
                           const parley__frontier_t *f)
{
    size_t P = f->n_parties, K = f->n_issues;
    double u[PARLEY_MAX_PARTIES];
    for (size_t v = 0; v < f->size; v++) {
        const uint32_t *pkg = &f->pkg[v * K];
        assert_true(parley_model_is_feasible(m, pkg));
        parley_model_utility(m, pkg, u);
        assert_memory_equal(u, &f->u[v * P], P * sizeof(double));
        assert_true(f->mult[v] >= 1);
        for (size_t w = 0; w < f->size; w++)
            assert_false(dominates(&f->u[w * P], &f->u[v * P], P));
    }
}

static void test_random_against_reference(void **state)
{
    (void)state;
    size_t compared = 0, with_ties = 0, nonempty = 0, infeasible_res = 0;
    for (uint64_t seed = 1; compared < 600; seed++) {
        parley_model_t *m = NULL;
        if (!random_model(seed, NULL, &m))
            continue;
        parley__frontier_t ref, got;
        assert_int_equal(parley__reference_frontier(m, &ref), PARLEY_OK);
        for (int method = 0; method < 2; method++) {
            for (unsigned th = 1; th <= 2; th++) {
                parley_analysis_opts_t o;
                opts_with(&o, method ? PARLEY_FRONTIER_ENUMERATE
                                     : PARLEY_FRONTIER_MERGE,
                          th);
                assert_int_equal(parley__frontier_compute(m, &o, &got),
                                 PARLEY_OK);
                assert_true(got.exact);
                assert_true(got.delta == 0);
                assert_same_frontier(&got, &ref, seed);
                parley__frontier_clear(&got);
            }
        }
        check_reported(m, &ref);
        cover_ctx_t c = {&ref, 0, 0, 0, 1};
        for_each_package(m, cover_one, &c);
        assert_int_equal(c.uncovered, 0);
        for (size_t v = 0; v < ref.size; v++)
            with_ties += ref.mult[v] > 1;
        nonempty += ref.size > 0;
        infeasible_res += c.feasible == 0;
        parley__frontier_clear(&ref);
        parley_model_free(m);
        compared++;
    }
    /* The generator must exercise ties and empty feasible sets. */
    assert_true(with_ties > 50);
    assert_true(nonempty > 300);
    assert_true(infeasible_res > 10);
}

/* Rounding: mathematically equal sums that differ in the last bit. */
static void test_rounding_ties(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_parties = 2;
    rp.max_parties = 3;
    rp.min_issues = 4;
    rp.max_issues = 6;
    rp.min_options = 3;
    rp.max_options = 4;
    rp.max_packages = 3000;
    size_t compared = 0;
    for (uint64_t seed = 5000; compared < 60; seed++) {
        parley_scenario_t *sc = random_scenario(seed, &rp);
        /* weights and values like 0.1, 0.3 whose sums round differently */
        static const double vals[] = {0.1, 0.2, 0.3, 0.7, 0.6};
        for (size_t i = 0; i < sc->n_parties; i++) {
            parley_party_t *p = &sc->parties[i];
            for (size_t k = 0; k < sc->n_issues; k++) {
                parley_value_fn_t *fn = &p->values[k];
                parley_free(fn->table);
                parley_free(fn->xs);
                parley_free(fn->ys);
                memset(fn, 0, sizeof *fn);
                fn->kind = PARLEY_VALUE_TABLE;
                fn->n_table = sc->issues[k].n_options;
                fn->table = parley_calloc(fn->n_table, sizeof(double));
                for (size_t j = 0; j < fn->n_table; j++)
                    fn->table[j] = vals[(i + j * 3 + k) % 5];
                p->weights[k] = (k % 2) ? 0.3 : 0.1;
            }
            p->reservation = 0;
            p->n_red_lines = p->n_red_lines; /* kept */
        }
        parley_model_t *m = NULL;
        parley_status_t st = parley_model_new(sc, &m, NULL);
        parley_scenario_free(sc);
        if (st != PARLEY_OK)
            continue;
        parley__frontier_t ref, got;
        assert_int_equal(parley__reference_frontier(m, &ref), PARLEY_OK);
        parley_analysis_opts_t o;
        opts_with(&o, PARLEY_FRONTIER_MERGE, 1);
        assert_int_equal(parley__frontier_compute(m, &o, &got), PARLEY_OK);
        assert_same_frontier(&got, &ref, seed);
        parley__frontier_clear(&got);
        parley__frontier_clear(&ref);
        parley_model_free(m);
        compared++;
    }
}

/* Tiny memory or time budgets: inexact, but within delta of everything. */
static void check_approximate(size_t memory, double seconds,
                              const random_scenario_params_t *rp,
                              size_t count, size_t min_inexact)
{
    size_t compared = 0, inexact = 0;
    for (uint64_t seed = 1; compared < count; seed++) {
        parley_model_t *m = NULL;
        if (!random_model(seed, rp, &m))
            continue;
        parley__frontier_t got;
        parley_analysis_opts_t o;
        opts_with(&o, PARLEY_FRONTIER_MERGE, 1 + (unsigned)(seed % 2));
        o.memory_budget = memory;
        o.time_budget = seconds;
        assert_int_equal(parley__frontier_compute(m, &o, &got), PARLEY_OK);
        check_reported(m, &got);
        cover_ctx_t c = {&got, got.delta, 0, 0, got.exact};
        for_each_package(m, cover_one, &c);
        if (c.uncovered)
            fail_msg("seed %llu: %zu feasible packages farther than delta %g",
                     (unsigned long long)seed, c.uncovered, got.delta);
        if (got.exact) {
            parley__frontier_t ref;
            assert_true(got.delta == 0);
            assert_int_equal(parley__reference_frontier(m, &ref), PARLEY_OK);
            assert_same_frontier(&got, &ref, seed);
            parley__frontier_clear(&ref);
        } else {
            inexact++;
            assert_true(got.delta > 0);
            /* a feasible set is never reported empty */
            assert_true(c.feasible == 0 || got.size > 0);
        }
        parley__frontier_clear(&got);
        parley_model_free(m);
        compared++;
    }
    assert_true(inexact >= min_inexact);
}

static void test_memory_budget(void **state)
{
    (void)state;
    check_approximate(600, 0, NULL, 300, 50);
}

static void test_time_budget(void **state)
{
    (void)state;
    /*
     * A nanosecond: every step thins to the smallest set a time budget
     * allows (a few hundred vectors), so the scenarios must be larger.
     */
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_parties = 4;
    rp.max_parties = 6;
    rp.min_issues = 5;
    rp.max_issues = 6;
    rp.min_options = 4;
    rp.max_options = 5;
    rp.red_line_rate = 0.03;
    check_approximate(0, 1e-9, &rp, 40, 10);
}

/* One party, and no issues at all: the degenerate shapes. */
static void test_degenerate(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_parties = rp.max_parties = 1;
    size_t compared = 0;
    for (uint64_t seed = 1; compared < 150; seed++) {
        parley_model_t *m = NULL;
        if (!random_model(seed, &rp, &m))
            continue;
        assert_int_equal(parley_model_n_parties(m), 1);
        parley__frontier_t ref, got;
        assert_int_equal(parley__reference_frontier(m, &ref), PARLEY_OK);
        for (int method = 0; method < 2; method++) {
            parley_analysis_opts_t o;
            opts_with(&o, method ? PARLEY_FRONTIER_ENUMERATE
                                 : PARLEY_FRONTIER_MERGE,
                      1);
            assert_int_equal(parley__frontier_compute(m, &o, &got),
                             PARLEY_OK);
            assert_same_frontier(&got, &ref, seed);
            parley__frontier_clear(&got);
        }
        assert_true(ref.size <= 1);
        parley__frontier_clear(&ref);
        parley_model_free(m);
        compared++;
    }

    /* no issues: the empty package, feasible iff every r_i <= 0 */
    for (int r = 0; r < 2; r++) {
        parley_scenario_t *sc = hand_scenario(0, r ? 0.5 : -1);
        parley_free(sc->issues[0].id);
        for (size_t j = 0; j < 5; j++)
            parley_free(sc->issues[0].options[j]);
        parley_free(sc->issues[0].options);
        for (size_t i = 0; i < sc->n_parties; i++) {
            parley_free(sc->parties[i].values[0].table);
            sc->parties[i].values[0].table = NULL;
        }
        sc->n_issues = 0;
        parley_model_t *m = NULL;
        assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
        for (int method = 0; method < 2; method++) {
            parley_analysis_opts_t o;
            parley__frontier_t f;
            opts_with(&o, method ? PARLEY_FRONTIER_ENUMERATE
                                 : PARLEY_FRONTIER_MERGE,
                      1);
            assert_int_equal(parley__frontier_compute(m, &o, &f), PARLEY_OK);
            assert_int_equal(f.size, r ? 0 : 1);
            if (!r) {
                assert_true(f.u[0] == 0 && f.u[1] == 0 && f.mult[0] == 1);
            }
            parley__frontier_clear(&f);
        }
        parley_model_free(m);
        parley_scenario_free(sc);
    }
}

/*
 * A step so large that the time budget runs out inside it (an issue of
 * 1500 options after thinned ones): the step is redone on a thinned set.
 * The guarantee is checked against the exact frontier: every exact vector
 * has a reported one at most delta below it on every party, which covers
 * every feasible package, since each lies below an exact vector.
 */
static void test_time_budget_inside_step(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_parties = rp.max_parties = 4;
    rp.min_issues = rp.max_issues = 4;
    rp.min_options = rp.max_options = 5;
    rp.last_options = 1500;
    rp.tie_rate = 0;
    rp.red_line_rate = 0;
    rp.non_voting_rate = 0;
    size_t compared = 0;
    for (uint64_t seed = 1; compared < 2; seed++) {
        parley_model_t *m = NULL;
        if (!random_model(seed, &rp, &m))
            continue;
        parley__frontier_t exact, got;
        parley_analysis_opts_t o;
        opts_with(&o, PARLEY_FRONTIER_MERGE, 2);
        assert_int_equal(parley__frontier_compute(m, &o, &exact), PARLEY_OK);
        o.time_budget = 1e-9;
        assert_int_equal(parley__frontier_compute(m, &o, &got), PARLEY_OK);
        check_reported(m, &got);
        size_t P = exact.n_parties;
        if (exact.size > 1000) {
            assert_false(got.exact);
            assert_true(got.delta > 0);
        }
        for (size_t v = 0; v < exact.size; v++) {
            int covered = 0;
            for (size_t w = 0; w < got.size && !covered; w++) {
                int ok = 1;
                for (size_t i = 0; i < P; i++)
                    ok &= got.u[w * P + i] >= exact.u[v * P + i] - got.delta;
                covered = ok;
            }
            if (!covered)
                fail_msg("seed %llu: exact vector %zu farther than delta %g",
                         (unsigned long long)seed, v, got.delta);
        }
        parley__frontier_clear(&exact);
        parley__frontier_clear(&got);
        parley_model_free(m);
        compared++;
    }
}

/*
 * Medium scenarios, large enough for the threaded paths (candidate forming,
 * two-way sort, k-d queries in parallel): MERGE with one and two threads and
 * ENUMERATE agree exactly.
 */
static void test_threads_medium(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_parties = rp.max_parties = 6;
    rp.min_issues = rp.max_issues = 7;
    rp.min_options = rp.max_options = 6;
    rp.tie_rate = 0;
    rp.red_line_rate = 0.02;
    rp.reservation_rate = 0.2;
    rp.non_voting_rate = 0;
    size_t compared = 0, largest = 0;
    for (uint64_t seed = 1; compared < 2; seed++) {
        parley_model_t *m = NULL;
        if (!random_model(seed, &rp, &m))
            continue;
        parley__frontier_t one, two, en;
        parley_analysis_opts_t o;
        opts_with(&o, PARLEY_FRONTIER_MERGE, 1);
        assert_int_equal(parley__frontier_compute(m, &o, &one), PARLEY_OK);
        opts_with(&o, PARLEY_FRONTIER_MERGE, 2);
        assert_int_equal(parley__frontier_compute(m, &o, &two), PARLEY_OK);
        opts_with(&o, PARLEY_FRONTIER_ENUMERATE, 2);
        assert_int_equal(parley__frontier_compute(m, &o, &en), PARLEY_OK);
        assert_true(one.exact && two.exact && en.exact);
        assert_same_frontier(&two, &one, seed);
        assert_same_frontier(&en, &one, seed);
        largest = one.size > largest ? one.size : largest;
        parley__frontier_clear(&one);
        parley__frontier_clear(&two);
        parley__frontier_clear(&en);
        parley_model_free(m);
        compared++;
    }
    /* the k-d queries go parallel from 4096 kept vectors */
    assert_true(largest > 5000);
}

/* ---- allocation failures --------------------------------------------- */

static long fail_after = -1; /* allocations left before failing; -1 never */
static long live = 0;
static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;

static int may_allocate(void)
{
    int ok = 1;
    pthread_mutex_lock(&alloc_lock);
    if (fail_after == 0)
        ok = 0;
    else if (fail_after > 0)
        fail_after--;
    pthread_mutex_unlock(&alloc_lock);
    return ok;
}

static void count_live(long d)
{
    pthread_mutex_lock(&alloc_lock);
    live += d;
    pthread_mutex_unlock(&alloc_lock);
}

static void *counting_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (!may_allocate())
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        count_live(1);
    return p;
}

static void *counting_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (!may_allocate())
        return NULL;
    void *p = realloc(ptr, size ? size : 1);
    if (p && !ptr)
        count_live(1);
    return p;
}

static void counting_free(void *ctx, void *ptr)
{
    (void)ctx;
    if (ptr)
        count_live(-1);
    free(ptr);
}

/*
 * Every allocation of the frontier (both methods, and with a budget that
 * thins) and of the count fails in turn: each run fails cleanly with
 * PARLEY_ENOMEM and frees everything, until one succeeds.
 */
static void test_alloc_failures(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.min_parties = 4;
    rp.max_parties = 4;
    rp.min_issues = rp.max_issues = 4;
    rp.min_options = rp.max_options = 4;
    rp.tie_rate = 0.5;
    rp.red_line_rate = 0;
    parley_model_t *m = NULL;
    assert_true(random_model(11, &rp, &m));
    parley__frontier_t ref;
    assert_int_equal(parley__reference_frontier(m, &ref), PARLEY_OK);
    const parley_allocator_t a = {counting_malloc, counting_realloc,
                                  counting_free, NULL};
    for (int variant = 0; variant < 4; variant++) {
        int succeeded = 0;
        for (long n = 0; n < 5000 && !succeeded; n++) {
            parley_analysis_opts_t o;
            opts_with(&o,
                      variant == 1 ? PARLEY_FRONTIER_ENUMERATE
                                   : PARLEY_FRONTIER_MERGE,
                      1);
            if (variant == 2)
                o.memory_budget = 600;
            parley__frontier_t f;
            parley__feasible_count_t c;
            parley_status_t st;
            parley_set_allocator(&a);
            live = 0;
            fail_after = n;
            if (variant == 3)
                st = parley__feasible_count(m, &o, &c);
            else
                st = parley__frontier_compute(m, &o, &f);
            fail_after = -1;
            if (st == PARLEY_OK) {
                succeeded = 1;
                if (variant != 3)
                    parley__frontier_clear(&f);
            } else {
                assert_int_equal(st, PARLEY_ENOMEM);
            }
            assert_int_equal(live, 0);
            parley_set_allocator(NULL);
            if (st == PARLEY_OK && variant < 2) {
                assert_int_equal(parley__frontier_compute(m, &o, &f),
                                 PARLEY_OK);
                assert_same_frontier(&f, &ref, 11);
                parley__frontier_clear(&f);
            }
        }
        assert_true(succeeded);
    }
    parley__frontier_clear(&ref);
    parley_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_by_hand),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_rounding_ties),
        cmocka_unit_test(test_memory_budget),
        cmocka_unit_test(test_time_budget),
        cmocka_unit_test(test_time_budget_inside_step),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_threads_medium),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
