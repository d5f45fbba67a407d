/*
 * test_golden.c - the analysis of every GENIUS reference domain against
 * golden numbers.
 *
 * Each case in tests/golden/<case>.json names a domain of tests/data/genius,
 * the profiles taken, powers and reservations the test sets (when it does),
 * and the expected results: packages, feasible count, frontier vectors and
 * efficient packages, the ideal point, and for every solution concept the
 * package (by index and option by option), its utilities and objective.
 * tests/golden/make_golden.py computed them from the XML and the definitions
 * alone (brute force over every package, exact arithmetic where rounding
 * could decide; see tests/golden/README.md), sharing no code with libparley.
 *
 * Every case is imported with parley_import_genius and analysed with both
 * frontier methods, once per mediated run (lambda, floor) of the case.
 * Enumerating is skipped where it costs more than a couple of seconds in a
 * Debug build (EnergyGridHp2's 5.8 million packages).  With
 * PARLEY_TEST_QUICK set (valgrind in CI), cases above QUICK_MAX_PACKAGES
 * packages are skipped and enumeration runs once per case.
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/analysis.h"
#include "parley/import.h"
#include "parley/model.h"
#include "parley/scenario.h"

#define GOLDEN_DIR PARLEY_SOURCE_DIR "/tests/golden"
#define GENIUS_DIR PARLEY_SOURCE_DIR "/tests/data/genius"
#define QUICK_MAX_PACKAGES 400000.0
#define MAX_PROFILES 32
#define UTIL_TOL 1e-12
#define OBJ_TOL 1e-12 /* relative: objectives go through log and pow */

typedef struct golden_case {
    const char *name; /* tests/golden/<name>.json */
    /* Also analyse with PARLEY_FRONTIER_ENUMERATE; 0 where that takes more
     * than 2 s in a Debug build. */
    int enumerate;
    /* Non-NULL: parley disagrees with the definitions here; the case is
     * skipped with this message until the bug is fixed. */
    const char *known_bug;
} golden_case_t;

static const golden_case_t cases[] = {
    {"BankRobbery-3", 1, NULL},
    {"BankRobbery-4", 1, NULL},
    {"BankRobbery-9", 1, NULL},
    {"EnergyGridHp2", 0, NULL},
    {"EnglandZimbabwe", 1, NULL},
    {"Holiday-3", 1, NULL},
    {"Holiday-4", 1, NULL},
    {"Holiday-9", 1, NULL},
    {"ItexvsCypress", 1, NULL},
    {"Laptop", 1, NULL},
    {"Laptop-edge", 1, NULL},
    {"Laptop-impasse", 1, NULL},
    {"ParsCat", 1, NULL},
    {"ParsCat-power", 1, NULL},
    {"PartyDomain-3", 1, NULL},
    {"PartyDomain-4", 1, NULL},
    {"PartyDomain-9", 1, NULL},
    {"PartyDomain-17", 1, NULL},
    {"Politics", 1, NULL},
    {"SmartEnergyGrid", 1, NULL},
    {"SmartEnergyGrid-power", 1, NULL},
    {"Tram-3", 1, NULL},
    {"Tram-4", 1, NULL},
    {"Tram-9", 1, NULL},
    {"Travel", 1, NULL},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static int quick_mode(void)
{
    const char *q = getenv("PARLEY_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

/* ---- reading the golden file ------------------------------------------- */

static json_t *member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        fail_msg("golden file: no field '%s'", key);
    return v;
}

static double number(const json_t *obj, const char *key)
{
    json_t *v = member(obj, key);
    if (!json_is_number(v))
        fail_msg("golden file: '%s' is not a number", key);
    return json_number_value(v);
}

static json_t *load_golden(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", GOLDEN_DIR, name);
    json_error_t err;
    json_t *g = json_load_file(path, 0, &err);
    if (!g)
        fail_msg("%s:%d: %s", path, err.line, err.text);
    assert_string_equal(json_string_value(member(g, "case")), name);
    return g;
}

/* ---- the scenario -------------------------------------------------------- */

static parley_scenario_t *import_case(const json_t *g)
{
    const json_t *profiles = member(g, "profiles");
    size_t n = json_array_size(profiles);
    assert_true(n > 0 && n <= MAX_PROFILES);
    char domain[512], paths[MAX_PROFILES][512];
    const char *ptrs[MAX_PROFILES];
    snprintf(domain, sizeof domain, "%s/%s", GENIUS_DIR,
             json_string_value(member(g, "domain")));
    for (size_t i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", GENIUS_DIR,
                 json_string_value(json_array_get(profiles, i)));
        ptrs[i] = paths[i];
    }
    parley_diags_t *diags = parley_diags_new();
    assert_non_null(diags);
    parley_scenario_t *sc = NULL;
    parley_status_t st = parley_import_genius(domain, ptrs, n, &sc, diags);
    if (st != PARLEY_OK)
        parley_diags_print(diags, stderr);
    assert_int_equal(st, PARLEY_OK);
    assert_int_equal(parley_diags_errors(diags), 0);
    parley_diags_free(diags);
    assert_int_equal(sc->n_parties, n);

    /* Powers and reservations: set by the test, or as imported (power 1,
     * the XML's reservation), which the golden file restates. */
    const json_t *set_power = member(g, "set_power");
    const json_t *set_res = member(g, "set_reservation");
    const json_t *power = member(g, "power");
    const json_t *res = member(g, "reservation");
    for (size_t i = 0; i < n; i++) {
        parley_party_t *p = &sc->parties[i];
        if (json_is_array(set_power))
            p->power = json_number_value(json_array_get(set_power, i));
        if (json_is_array(set_res))
            p->reservation = json_number_value(json_array_get(set_res, i));
        assert_true(p->power == json_number_value(json_array_get(power, i)));
        assert_true(p->reservation ==
                    json_number_value(json_array_get(res, i)));
    }
    return sc;
}

/* ---- checking one analysis ---------------------------------------------- */

typedef struct run_ctx {
    const char *name;   /* case */
    const char *method; /* "merge" or "enumerate" */
    double lambda;
    int has_floor;
    double floor;
    char floor_text[32]; /* ", floor X" or "" */
} run_ctx_t;

#define WHERE_FMT "%s, %s, lambda %g%s: "
#define WHERE(r) (r)->name, (r)->method, (r)->lambda, (r)->floor_text

static void check_close(const run_ctx_t *r, const char *what, double got,
                        double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg(WHERE_FMT "%s is %.17g, expected %.17g", WHERE(r), what, got,
                 want);
}

static void check_solution(const run_ctx_t *r, const parley_model_t *m,
                           const parley_solution_t *s, const json_t *want,
                           const char *concept)
{
    int found = json_is_true(member(want, "found"));
    if (s->found != found)
        fail_msg(WHERE_FMT "%s found is %d, expected %d (%s)", WHERE(r),
                 concept, s->found, found, s->why ? s->why : "");
    if (!found) {
        assert_non_null(s->why);
        return;
    }
    if (!s->exact || s->bound != 0)
        fail_msg(WHERE_FMT "%s is not exact (bound %g)", WHERE(r), concept,
                 s->bound);
    size_t n_issues = parley_model_n_issues(m);
    const json_t *pkg = member(want, "package");
    assert_int_equal(json_array_size(pkg), n_issues);
    double index = number(want, "index");
    double got_index = parley_model_package_index(m, s->package);
    for (size_t k = 0; k < n_issues; k++) {
        json_int_t opt = json_integer_value(json_array_get(pkg, k));
        if (s->package[k] != (uint32_t)opt || got_index != index)
            fail_msg(WHERE_FMT "%s package index %.0f, expected %.0f "
                               "(issue %zu: option %u, expected %lld)",
                     WHERE(r), concept, got_index, index, k,
                     (unsigned)s->package[k], (long long)opt);
    }
    const json_t *u = member(want, "utility");
    size_t n = parley_model_n_parties(m);
    assert_int_equal(json_array_size(u), n);
    char what[96];
    for (size_t i = 0; i < n; i++) {
        snprintf(what, sizeof what, "%s utility of party %zu", concept, i);
        check_close(r, what, s->metrics.u[i],
                    json_number_value(json_array_get(u, i)), UTIL_TOL);
    }
    double obj = number(want, "objective");
    snprintf(what, sizeof what, "%s objective", concept);
    check_close(r, what, s->objective, obj, OBJ_TOL * fmax(1, fabs(obj)));
    if (!s->metrics.efficient)
        fail_msg(WHERE_FMT "%s package is not marked efficient", WHERE(r),
                 concept);
}

static void check_analysis(const run_ctx_t *r, const json_t *g,
                           const json_t *med, const parley_model_t *m,
                           parley_status_t st, const parley_analysis_t *a)
{
    double feasible = number(g, "feasible");
    assert_int_equal(st, feasible > 0 ? PARLEY_OK : PARLEY_EINFEASIBLE);
    assert_non_null(a);
    if (!parley_analysis_count_exact(a))
        fail_msg(WHERE_FMT "feasible count not exact", WHERE(r));
    check_close(r, "feasible count", parley_analysis_feasible_count(a),
                feasible, 0);
    if (!parley_analysis_frontier_exact(a) ||
        parley_analysis_frontier_delta(a) != 0)
        fail_msg(WHERE_FMT "frontier not exact (delta %g)", WHERE(r),
                 parley_analysis_frontier_delta(a));
    size_t vectors = parley_analysis_frontier_size(a);
    check_close(r, "frontier vectors", (double)vectors,
                number(g, "frontier_vectors"), 0);
    double packages = number(g, "efficient_packages");
    check_close(r, "efficient packages", parley_analysis_frontier_packages(a),
                packages, 0);
    /* The vectors themselves and their lowest-index packages, by sums. */
    size_t n = parley_model_n_parties(m);
    double mult = 0, index_sum = 0, usum[MAX_PROFILES] = {0};
    for (size_t v = 0; v < vectors; v++) {
        mult += parley_analysis_frontier_multiplicity(a, v);
        index_sum += parley_model_package_index(
            m, parley_analysis_frontier_package(a, v));
        const double *u = parley_analysis_frontier_u(a, v);
        for (size_t i = 0; i < n; i++)
            usum[i] += u[i];
    }
    check_close(r, "sum of multiplicities", mult, packages, 0);
    check_close(r, "sum of frontier package indices", index_sum,
                number(g, "frontier_index_sum"), 0);
    const json_t *want_usum = member(g, "frontier_utility_sum");
    assert_int_equal(json_array_size(want_usum), n);
    for (size_t i = 0; i < n; i++) {
        double w = json_number_value(json_array_get(want_usum, i));
        char what[64];
        snprintf(what, sizeof what, "frontier utility sum of party %zu", i);
        check_close(r, what, usum[i], w, 1e-9 * fmax(1, fabs(w)));
    }

    const json_t *ideal = member(g, "ideal");
    if (json_is_array(ideal)) {
        const double *got = parley_analysis_ideal(a);
        char what[64];
        for (size_t i = 0; i < n; i++) {
            snprintf(what, sizeof what, "ideal of party %zu", i);
            check_close(r, what, got[i],
                        json_number_value(json_array_get(ideal, i)), UTIL_TOL);
        }
    }

    const json_t *sols = member(g, "solutions");
    assert_int_equal(json_array_size(sols), PARLEY_CONCEPT_MEDIATED);
    for (int c = 0; c < PARLEY_CONCEPT_MEDIATED; c++) {
        const json_t *want = json_array_get(sols, (size_t)c);
        const char *concept = parley_concept_name((parley_concept_t)c);
        assert_string_equal(json_string_value(member(want, "concept")),
                            concept);
        check_solution(r, m, parley_analysis_solution(a, (parley_concept_t)c),
                       want, concept);
    }
    const parley_solution_t *ms =
        parley_analysis_solution(a, PARLEY_CONCEPT_MEDIATED);
    check_solution(r, m, ms, med, "mediated");
    if (ms->found && r->has_floor)
        check_close(r, "effective floor", ms->effective_floor,
                    number(med, "effective_floor"), UTIL_TOL);
}

static void run_case(void **state)
{
    const golden_case_t *gc = *state;
    if (gc->known_bug) {
        print_message("[ SKIPPED  ] %s: %s\n", gc->name, gc->known_bug);
        skip();
    }
    json_t *g = load_golden(gc->name);
    double packages = number(g, "packages");
    int quick = quick_mode();
    if (quick && packages > QUICK_MAX_PACKAGES) {
        print_message("[ SKIPPED  ] %s: %.0f packages, PARLEY_TEST_QUICK "
                      "is set\n",
                      gc->name, packages);
        json_decref(g);
        skip();
    }
    parley_scenario_t *sc = import_case(g);
    parley_model_t *m = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_true(parley_model_package_count(m) == packages);

    const json_t *runs = member(g, "mediated");
    assert_true(json_array_size(runs) > 0);
    for (size_t j = 0; j < json_array_size(runs); j++) {
        const json_t *med = json_array_get(runs, j);
        const json_t *floor = member(med, "floor");
        for (int e = 0; e < 2; e++) {
            /* Under PARLEY_TEST_QUICK one enumeration per case: the frontier
             * does not depend on lambda or the floor. */
            if (e == 1 && (!gc->enumerate || (quick && j > 0)))
                continue;
            run_ctx_t r = {gc->name, e ? "enumerate" : "merge",
                           number(med, "lambda"), json_is_number(floor),
                           json_is_number(floor) ? json_number_value(floor)
                                                 : 0,
                           ""};
            if (r.has_floor)
                snprintf(r.floor_text, sizeof r.floor_text, ", floor %g",
                         r.floor);
            parley_analysis_opts_t o;
            parley_analysis_opts_init(&o);
            o.method = e ? PARLEY_FRONTIER_ENUMERATE : PARLEY_FRONTIER_MERGE;
            o.lambda = r.lambda;
            o.has_floor = r.has_floor;
            o.floor = r.floor;
            parley_diags_t *diags = parley_diags_new();
            assert_non_null(diags);
            parley_analysis_t *a = NULL;
            parley_status_t st = parley_analyze(m, &o, &a, diags);
            check_analysis(&r, g, med, m, st, a);
            parley_analysis_free(a);
            parley_diags_free(diags);
        }
    }
    parley_model_free(m);
    parley_scenario_free(sc);
    json_decref(g);
}

/* Every golden file has a case here, so none is silently left out. */
static void test_every_file_listed(void **state)
{
    (void)state;
    DIR *dir = opendir(GOLDEN_DIR);
    assert_non_null(dir);
    size_t files = 0;
    const struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        size_t c = 0;
        while (c < N_CASES && (strlen(cases[c].name) != len - 5 ||
                               strncmp(cases[c].name, de->d_name, len - 5)))
            c++;
        if (c == N_CASES)
            fail_msg("tests/golden/%s has no case in test_golden.c",
                     de->d_name);
        files++;
    }
    closedir(dir);
    assert_int_equal(files, N_CASES);
}

int main(void)
{
    static struct CMUnitTest tests[N_CASES + 1];
    tests[0].name = "every golden file listed";
    tests[0].test_func = test_every_file_listed;
    for (size_t c = 0; c < N_CASES; c++) {
        tests[c + 1].name = cases[c].name;
        tests[c + 1].test_func = run_case;
        tests[c + 1].initial_state = (void *)&cases[c];
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
