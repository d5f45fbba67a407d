/*
 * test_analysis.c - parley_analyze() end to end: options, accessors, the
 * empty-F diagnostics, the JSON output (parsed back with jansson) and every
 * allocation failure path.
 */
#include <jansson.h>
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
#include "support/failing_alloc.h"
#include "support/table_scenario.h"

static void test_opts_defaults(void **state)
{
    (void)state;
    parley_analysis_opts_t o;
    memset(&o, 0xff, sizeof o);
    parley_analysis_opts_init(&o);
    assert_int_equal(o.method, PARLEY_FRONTIER_MERGE);
    assert_true(o.lambda == 0.5);
    assert_false(o.has_floor);
    assert_true(o.time_budget == 0);
    assert_int_equal(o.memory_budget, (size_t)512 * 1024 * 1024);
    assert_true(o.count_limit == 2e9);
    assert_int_equal(o.threads, 0);
    assert_null(o.progress);
}

static void test_concept_names(void **state)
{
    (void)state;
    static const char *const names[] = {"utilitarian", "nash", "power_nash",
                                        "ks", "egalitarian", "mediated"};
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        assert_string_equal(parley_concept_name((parley_concept_t)c),
                            names[c]);
        assert_int_equal(parley_concept_from_name(names[c]), c);
    }
    assert_int_equal(parley_concept_from_name("Nash"), -1);
    assert_int_equal(parley_concept_from_name(""), -1);
    assert_int_equal(parley_concept_from_name(NULL), -1);
    assert_string_equal(parley_concept_name(PARLEY_CONCEPT_COUNT), "?");
}

static parley_model_t *example_model(parley_scenario_t **sc)
{
    *sc = table_scenario_worked_example();
    assert_non_null(*sc);
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(*sc, &m, NULL), PARLEY_OK);
    return m;
}

static void test_bad_options(void **state)
{
    (void)state;
    parley_scenario_t *sc;
    parley_model_t *m = example_model(&sc);
    parley_analysis_t *a = (parley_analysis_t *)1;
    parley_diags_t *d = parley_diags_new();
    parley_analysis_opts_t o;

    parley_analysis_opts_init(&o);
    o.lambda = 1.5;
    assert_int_equal(parley_analyze(m, &o, &a, d), PARLEY_EARG);
    assert_null(a);
    assert_int_equal(parley_diags_errors(d), 1);
    assert_non_null(strstr(parley_diags_get(d, 0)->message, "lambda"));

    parley_analysis_opts_init(&o);
    o.has_floor = 1;
    o.floor = NAN;
    assert_int_equal(parley_analyze(m, &o, &a, d), PARLEY_EARG);
    assert_int_equal(parley_diags_errors(d), 2);

    /* a floor out of range is ignored while has_floor is 0 */
    parley_analysis_opts_init(&o);
    o.floor = 7;
    assert_int_equal(parley_analyze(m, &o, &a, d), PARLEY_OK);
    parley_analysis_free(a);

    assert_int_equal(parley_analyze(NULL, NULL, &a, d), PARLEY_EARG);
    assert_int_equal(parley_analyze(m, NULL, NULL, d), PARLEY_EARG);
    parley_analysis_free(NULL);
    parley_diags_free(d);
    parley_model_free(m);
    parley_scenario_free(sc);
}

static void progress(void *ctx, double fraction, const char *stage)
{
    int *calls = ctx;
    assert_true(fraction >= 0 && fraction <= 1);
    assert_non_null(stage);
    (*calls)++;
}

static void test_accessors(void **state)
{
    (void)state;
    parley_scenario_t *sc;
    parley_model_t *m = example_model(&sc);
    parley_analysis_t *a = NULL;
    parley_analysis_opts_t o;
    parley_analysis_opts_init(&o);
    int calls = 0;
    o.progress = progress;
    o.progress_ctx = &calls;
    o.lambda = 0.25;
    o.memory_budget = 0; /* default */
    assert_int_equal(parley_analyze(m, &o, &a, NULL), PARLEY_OK);
    assert_true(calls > 0);
    assert_true(parley_analysis_options(a)->lambda == 0.25);
    assert_int_equal(parley_analysis_options(a)->memory_budget,
                     (size_t)512 * 1024 * 1024);
    assert_true(parley_analysis_count_exact(a));
    assert_true(parley_analysis_feasible_count(a) == 6);
    assert_true(parley_analysis_feasible_lower(a) == 6);
    assert_true(parley_analysis_feasible_upper(a) == 6);
    assert_true(parley_analysis_frontier_exact(a));
    assert_true(parley_analysis_frontier_delta(a) == 0);
    assert_int_equal(parley_analysis_frontier_size(a), 5);
    assert_true(parley_analysis_frontier_packages(a) == 5);
    for (size_t v = 0; v < 5; v++) {
        const double *u = parley_analysis_frontier_u(a, v);
        const uint32_t *pkg = parley_analysis_frontier_package(a, v);
        assert_non_null(u);
        assert_non_null(pkg);
        assert_int_not_equal(pkg[0], 3); /* d is dominated */
        assert_true(parley_analysis_frontier_multiplicity(a, v) == 1);
        double w[3];
        parley_model_utility(m, pkg, w);
        assert_memory_equal(u, w, sizeof w);
    }
    assert_null(parley_analysis_frontier_u(a, 5));
    assert_null(parley_analysis_frontier_package(a, 5));
    assert_true(parley_analysis_frontier_multiplicity(a, 5) == 0);
    assert_null(parley_analysis_solution(a, PARLEY_CONCEPT_COUNT));
    assert_true(parley_analysis_seconds(a) >= 0);
    /* lambda .25 leans towards power: mediated takes f like power_nash */
    const parley_solution_t *med =
        parley_analysis_solution(a, PARLEY_CONCEPT_MEDIATED);
    assert_true(med->found);
    assert_int_equal(med->package[0], 5);
    assert_true(med->metrics.offset == 0);
    parley_analysis_free(a);

    /* a floor of .5 on normalized gains rules f (.875, .625, .25) out */
    o.lambda = 0;
    o.has_floor = 1;
    o.floor = 0.5;
    assert_int_equal(parley_analyze(m, &o, &a, NULL), PARLEY_OK);
    med = parley_analysis_solution(a, PARLEY_CONCEPT_MEDIATED);
    assert_int_equal(med->package[0], 1);
    assert_true(med->effective_floor == 0.5);
    assert_true(med->metrics.min_norm_gain >= 0.5);
    parley_analysis_free(a);

    /* .9 is more than any package can give everyone: ks's .5 applies */
    o.floor = 0.9;
    assert_int_equal(parley_analyze(m, &o, &a, NULL), PARLEY_OK);
    med = parley_analysis_solution(a, PARLEY_CONCEPT_MEDIATED);
    assert_true(med->found);
    assert_int_equal(med->package[0], 1);
    assert_true(med->effective_floor == 0.5);
    parley_analysis_free(a);
    parley_model_free(m);
    parley_scenario_free(sc);
}

/* Two parties on one issue of three options (1,0), (.5,.5), (0,1). */
static parley_model_t *split_model(parley_scenario_t **sc, double r0,
                                   double r1)
{
    static const size_t n_options[] = {3};
    static const double values[] = {1, 0.5, 0, 0, 0.5, 1};
    static const char *const ids[] = {"north", "south"};
    double reservation[2] = {r0, r1};
    table_scenario_spec_t spec = {.n_parties = 2,
                                  .party_ids = ids,
                                  .reservation = reservation,
                                  .n_issues = 1,
                                  .n_options = n_options,
                                  .values = values};
    *sc = table_scenario(&spec);
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(*sc, &m, NULL), PARLEY_OK);
    return m;
}

static void test_infeasible_alone(void **state)
{
    (void)state;
    parley_scenario_t *sc;
    parley_model_t *m = split_model(&sc, 0.25, 1.5);
    parley_analysis_t *a = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_analyze(m, NULL, &a, d), PARLEY_EINFEASIBLE);
    assert_non_null(a);
    assert_int_equal(parley_diags_errors(d), 1);
    const parley_diag_t *diag = parley_diags_get(d, 0);
    assert_int_equal(diag->code, PARLEY_EINFEASIBLE);
    assert_string_equal(diag->path, "$.parties[1].reservation");
    assert_non_null(strstr(diag->message, "'south'"));
    assert_non_null(strstr(diag->message, "even alone"));
    assert_null(strstr(diag->message, "north"));

    assert_int_equal(parley_analysis_frontier_size(a), 0);
    assert_true(parley_analysis_feasible_count(a) == 0);
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        const parley_solution_t *s =
            parley_analysis_solution(a, (parley_concept_t)c);
        assert_false(s->found);
        assert_non_null(s->why);
        assert_null(s->package);
    }
    parley_metrics_t mt;
    uint32_t pkg = 1;
    assert_int_equal(parley_analysis_metrics(a, m, &pkg, &mt),
                     PARLEY_EINFEASIBLE);
    char *json = NULL;
    assert_int_equal(parley_analysis_to_json(a, m, sc, 1, &json), PARLEY_OK);
    json_error_t err;
    json_t *root = json_loads(json, 0, &err);
    assert_non_null(root);
    json_t *p0 = json_array_get(json_object_get(root, "parties"), 0);
    assert_true(json_is_null(json_object_get(p0, "ideal")));
    json_t *sol = json_array_get(json_object_get(root, "solutions"), 0);
    assert_true(json_is_false(json_object_get(sol, "found")));
    assert_true(json_is_string(json_object_get(sol, "why")));
    json_decref(root);
    parley_free(json);
    parley_analysis_free(a);
    parley_diags_free(d);
    parley_model_free(m);
    parley_scenario_free(sc);
}

static void test_infeasible_jointly(void **state)
{
    (void)state;
    parley_scenario_t *sc;
    parley_model_t *m = split_model(&sc, 0.75, 0.75);
    parley_analysis_t *a = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_analyze(m, NULL, &a, d), PARLEY_EINFEASIBLE);
    assert_int_equal(parley_diags_errors(d), 1);
    assert_non_null(strstr(parley_diags_get(d, 0)->message, "clash"));
    parley_analysis_free(a);
    parley_diags_free(d);
    parley_model_free(m);
    parley_scenario_free(sc);
}

static json_t *get_path(json_t *root, const char *a, const char *b)
{
    json_t *x = json_object_get(root, a);
    return b ? json_object_get(x, b) : x;
}

static void test_json(void **state)
{
    (void)state;
    parley_scenario_t *sc;
    parley_model_t *m = example_model(&sc);
    parley_analysis_t *a = NULL;
    assert_int_equal(parley_analyze(m, NULL, &a, NULL), PARLEY_OK);
    char *json = NULL;
    assert_int_equal(parley_analysis_to_json(a, m, sc, 0, &json), PARLEY_OK);
    json_error_t err;
    json_t *root = json_loads(json, 0, &err);
    assert_non_null(root);
    assert_string_equal(json_string_value(get_path(root, "format", NULL)),
                        "parley-analysis");
    assert_string_equal(
        json_string_value(get_path(root, "scenario", "name")),
        "worked example");
    assert_string_equal(
        json_string_value(get_path(root, "disagreement_point", NULL)),
        "reservation");

    json_t *parties = json_object_get(root, "parties");
    assert_int_equal(json_array_size(parties), 3);
    json_t *pa = json_array_get(parties, 0);
    assert_string_equal(json_string_value(json_object_get(pa, "id")), "A");
    assert_string_equal(json_string_value(json_object_get(pa, "name")),
                        "Upstream state");
    assert_true(json_real_value(json_object_get(pa, "power")) == 4);
    assert_true(json_real_value(json_object_get(pa, "power_share")) == 0.5);
    assert_true(json_real_value(json_object_get(pa, "reservation")) == 0.25);
    assert_true(json_real_value(json_object_get(pa, "ideal")) == 0.75);

    assert_int_equal(json_integer_value(get_path(root, "packages", "total")),
                     6);
    assert_int_equal(
        json_integer_value(get_path(root, "packages", "allowed")), 6);
    assert_true(json_is_true(get_path(root, "feasible", "exact")));
    assert_int_equal(json_integer_value(get_path(root, "feasible", "count")),
                     6);
    assert_int_equal(json_integer_value(get_path(root, "frontier", "vectors")),
                     5);
    assert_int_equal(
        json_integer_value(get_path(root, "frontier", "packages")), 5);
    assert_null(get_path(root, "frontier", "points"));

    json_t *sols = json_object_get(root, "solutions");
    assert_int_equal(json_array_size(sols), PARLEY_CONCEPT_COUNT);
    for (size_t c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        json_t *s = json_array_get(sols, c);
        assert_string_equal(
            json_string_value(json_object_get(s, "concept")),
            parley_concept_name((parley_concept_t)c));
        assert_true(json_is_true(json_object_get(s, "found")));
        assert_true(json_is_true(json_object_get(s, "exact")));
    }
    json_t *pn = json_array_get(sols, PARLEY_CONCEPT_POWER_NASH);
    assert_string_equal(
        json_string_value(get_path(pn, "package", "plan")), "f");
    json_t *mt = json_object_get(pn, "metrics");
    assert_true(json_real_value(get_path(mt, "utility", "A")) == 0.6875);
    assert_true(json_real_value(get_path(mt, "normalized_gain", "C")) ==
                0.25);
    assert_true(json_is_true(json_object_get(mt, "efficient")));
    assert_true(json_real_value(json_object_get(mt, "offset")) == 0);
    assert_true(fabs(json_real_value(json_object_get(mt, "efficiency")) -
                     0.95) < 1e-12);
    json_t *med = json_array_get(sols, PARLEY_CONCEPT_MEDIATED);
    assert_true(json_real_value(json_object_get(med, "lambda")) == 0.5);
    assert_null(json_object_get(med, "floor"));
    json_decref(root);
    parley_free(json);

    /* with the frontier: every vector, with its package */
    assert_int_equal(parley_analysis_to_json(a, m, sc, 1, &json), PARLEY_OK);
    root = json_loads(json, 0, &err);
    assert_non_null(root);
    json_t *pts = get_path(root, "frontier", "points");
    assert_int_equal(json_array_size(pts), 5);
    for (size_t v = 0; v < 5; v++) {
        json_t *pt = json_array_get(pts, v);
        const char *opt =
            json_string_value(get_path(pt, "package", "plan"));
        assert_non_null(opt);
        uint32_t j = (uint32_t)(opt[0] - 'a');
        double u[3];
        parley_model_utility(m, &j, u);
        assert_true(json_real_value(get_path(pt, "utility", "B")) == u[1]);
        assert_int_equal(json_integer_value(json_object_get(pt,
                                                            "multiplicity")),
                         1);
    }
    json_decref(root);
    parley_free(json);

    /* a scenario that is not the model's is refused */
    parley_scenario_t *other = table_scenario_worked_example();
    other->n_issues = 0;
    assert_int_equal(parley_analysis_to_json(a, m, other, 0, &json),
                     PARLEY_EARG);
    other->n_issues = 1;
    parley_scenario_free(other);
    parley_analysis_free(a);
    parley_model_free(m);
    parley_scenario_free(sc);
}

/* Numeric options are written with their unit. */
static void test_json_numeric_labels(void **state)
{
    (void)state;
    parley_scenario_t *sc = table_scenario_worked_example();
    parley_issue_t *is = &sc->issues[0];
    /* turn "plan" into flow 10..35 step 5 MW, same six options */
    for (size_t j = 0; j < is->n_options; j++)
        parley_free(is->options[j]);
    parley_free(is->options);
    is->options = NULL;
    is->kind = PARLEY_ISSUE_REAL;
    is->min = 10;
    is->max = 35;
    is->resolution = 5;
    is->unit = parley_strdup("MW");
    analyzed_t x;
    analyzed_init(&x, sc, PARLEY_OK);
    char *json = NULL;
    assert_int_equal(parley_analysis_to_json(x.a, x.m, sc, 0, &json),
                     PARLEY_OK);
    json_error_t err;
    json_t *root = json_loads(json, 0, &err);
    assert_non_null(root);
    json_t *pn = json_array_get(json_object_get(root, "solutions"),
                                PARLEY_CONCEPT_POWER_NASH);
    assert_string_equal(
        json_string_value(get_path(pn, "package", "plan")), "35 MW");
    json_t *issue = json_array_get(json_object_get(root, "issues"), 0);
    assert_string_equal(json_string_value(json_object_get(issue, "unit")),
                        "MW");
    assert_string_equal(json_string_value(json_object_get(issue, "kind")),
                        "real");
    json_decref(root);
    parley_free(json);
    analyzed_clear(&x);
}

typedef struct analysis_run {
    const parley_model_t *m;
    const parley_scenario_t *sc;
} analysis_run_t;

/* Analysis, its JSON and a package's metrics, all freed again. */
static parley_status_t analyze_all(void *ctx)
{
    const analysis_run_t *r = ctx;
    parley_analysis_t *a = NULL;
    char *json = NULL;
    parley_status_t st = parley_analyze(r->m, NULL, &a, NULL);
    if (st == PARLEY_OK)
        st = parley_analysis_to_json(a, r->m, r->sc, 1, &json);
    if (st == PARLEY_OK) {
        parley_metrics_t mt;
        uint32_t pkg = 3;
        st = parley_analysis_metrics(a, r->m, &pkg, &mt);
        if (st == PARLEY_OK)
            parley_metrics_clear(&mt);
    }
    parley_free(json);
    parley_analysis_free(a);
    return st;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    parley_scenario_t *sc;
    parley_model_t *m = example_model(&sc);
    analysis_run_t run = {m, sc};
    failing_alloc_opts_t o = {.may_absorb = 1, .limit = 9999};
    failing_alloc_result_t r = failing_alloc_sweep(analyze_all, &run, &o);
    print_message("succeeded at allocation %ld\n", r.clean_at);
    assert_true(r.clean_at >= 10); /* the failures did hit real allocations */
    parley_model_free(m);
    parley_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts_defaults),
        cmocka_unit_test(test_concept_names),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_infeasible_alone),
        cmocka_unit_test(test_infeasible_jointly),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_numeric_labels),
        cmocka_unit_test_teardown(test_allocation_failures,
                                  failing_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
