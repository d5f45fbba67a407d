/*
 * test_scenario.c - the v1 scenario format: reader, writer, checks, value
 * functions, the path locator, the number formatter, and clean failure
 * under allocation faults.
 *
 * Expected positions of diagnostics are written into the test inputs by
 * hand as a backquote placed where the error must point; the helper strips
 * the mark and counts lines and columns itself.  A few positions are also
 * spelled out as numbers.  Expected values of value functions are computed
 * by hand in the comments next to them.
 */
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
#include "parley/scenario.h"
#include "scenario/scenario_internal.h"
#include "support/failing_alloc.h"
#include "support/packages.h"

#define EXAMPLE(name) PARLEY_SOURCE_DIR "/examples/" name

/* ---- helpers ---------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

static parley_status_t read_text(const char *text, parley_scenario_t **out,
                                 parley_diags_t *d)
{
    return parley_scenario_read_string(text, strlen(text), "case.json", out, d);
}

/* Reads text that must be valid; returns the scenario. */
static parley_scenario_t *must_read(const char *text)
{
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st = read_text(text, &sc, d);
    if (st != PARLEY_OK)
        parley_diags_print(d, stderr);
    assert_int_equal(st, PARLEY_OK);
    assert_non_null(sc);
    assert_int_equal(parley_diags_errors(d), 0);
    parley_diags_free(d);
    return sc;
}

static const parley_diag_t *find_diag(const parley_diags_t *d,
                                      parley_status_t code, const char *path)
{
    for (size_t i = 0; i < parley_diags_count(d); i++) {
        const parley_diag_t *x = parley_diags_get(d, i);
        if (x->code == code && strcmp(x->path, path) == 0)
            return x;
    }
    return NULL;
}

static parley_diag_t last_diag; /* copy of the diagnostic expect_error found */

/*
 * `marked` is JSON with one backquote where the diagnostic must point.
 * Asserts that reading fails with no scenario, and that an error with this
 * code and path is reported at that line and column in "case.json".
 */
static void expect_error(const char *marked, parley_status_t code,
                         const char *path)
{
    size_t n = strlen(marked);
    char *text = malloc(n + 1);
    unsigned line = 1, col = 1, want_line = 0, want_col = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (marked[i] == '`') {
            want_line = line;
            want_col = col;
            continue;
        }
        text[k++] = marked[i];
        if (marked[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)marked[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    text[k] = '\0';
    assert_true(want_line > 0); /* the test itself needs a mark */

    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = (parley_scenario_t *)1;
    parley_status_t st = read_text(text, &sc, d);
    assert_int_not_equal(st, PARLEY_OK);
    assert_null(sc);
    assert_true(parley_diags_errors(d) > 0);
    const parley_diag_t *x = find_diag(d, code, path);
    if (!x || x->line != want_line || x->column != want_col) {
        fprintf(stderr, "wanted %s at %s %u:%u; got:\n",
                parley_status_name(code), path, want_line, want_col);
        parley_diags_print(d, stderr);
    }
    assert_non_null(x);
    assert_string_equal(x->file, "case.json");
    assert_int_equal(x->severity, PARLEY_SEVERITY_ERROR);
    assert_int_equal(x->line, want_line);
    assert_int_equal(x->column, want_col);
    last_diag = *x;
    parley_diags_free(d);
    free(text);
}

static void expect_message(const char *part)
{
    if (!strstr(last_diag.message, part))
        fprintf(stderr, "message '%s' lacks '%s'\n", last_diag.message, part);
    assert_non_null(strstr(last_diag.message, part));
}

/* A small valid scenario with room for one more issue and one more party. */
#define ISSUE_A "{\"id\":\"a\",\"kind\":\"discrete\",\"options\":[\"x\",\"y\"]}"
#define PARTY_P                                                                \
    "{\"id\":\"p\",\"power\":1,\"utility\":{\"a\":{\"weight\":1,"            \
    "\"table\":{\"x\":0,\"y\":1}}}}"

static void test_minimal_valid(void **state)
{
    (void)state;
    parley_scenario_t *sc = must_read(
        "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A "],"
        "\"parties\":[" PARTY_P "]}");
    assert_int_equal(sc->version, 1);
    assert_string_equal(sc->name, "t");
    assert_null(sc->description);
    assert_int_equal(sc->n_issues, 1);
    assert_int_equal(sc->issues[0].n_options, 2);
    assert_int_equal(sc->issues[0].cluster, -1);
    assert_int_equal(sc->n_parties, 1);
    const parley_party_t *p = &sc->parties[0];
    assert_int_equal(p->role, PARLEY_ROLE_PARTY); /* default */
    assert_true(p->power == 1);
    assert_true(p->reservation == 0); /* default */
    assert_true(p->discount == 1);    /* default */
    assert_int_equal(p->values[0].kind, PARLEY_VALUE_TABLE);
    parley_scenario_free(sc);
}

/* ---- value functions, by hand ----------------------------------------- */

static double value_of(const parley_scenario_t *sc, size_t party, size_t k,
                       size_t j)
{
    return parley_value_eval(&sc->parties[party].values[k], &sc->issues[k], j);
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-12)

static void test_value_functions(void **state)
{
    (void)state;
    parley_scenario_t *sc = must_read(
        "{\"version\":1,\"name\":\"v\",\"issues\":["
        "{\"id\":\"d\",\"kind\":\"discrete\",\"options\":[\"lo\",\"mid\",\"hi\"]},"
        "{\"id\":\"i\",\"kind\":\"integer\",\"min\":0,\"max\":10},"
        "{\"id\":\"r\",\"kind\":\"real\",\"min\":20,\"max\":60,\"resolution\":5},"
        "{\"id\":\"w\",\"kind\":\"integer\",\"min\":0,\"max\":100},"
        "{\"id\":\"u\",\"kind\":\"integer\",\"min\":20,\"max\":40}],"
        "\"parties\":[{\"id\":\"p\",\"power\":2,\"utility\":{"
        "\"d\":{\"weight\":0.2,\"table\":{\"lo\":0,\"mid\":0.6,\"hi\":1}},"
        "\"i\":{\"weight\":0.2,\"linear\":{\"offset\":0.2,\"slope\":0.1,\"origin\":0}},"
        "\"r\":{\"weight\":0.2,\"piecewise\":[[20,0],[40,0.8],[60,1]]},"
        "\"w\":{\"weight\":0.2,\"ideal\":{\"at\":50,\"scale\":30}},"
        "\"u\":{\"weight\":0.2,\"linear\":{\"offset\":0,\"slope\":0.05}}}},"
        "{\"id\":\"q\",\"power\":1,\"utility\":{"
        "\"i\":{\"weight\":0.5,\"linear\":{\"offset\":1,\"slope\":-0.3,\"origin\":2}},"
        "\"r\":{\"weight\":0.1,\"piecewise\":[[30,0.2],[50,0.8]]},"
        "\"w\":{\"weight\":0.2,\"ideal\":{\"at\":50,\"scale\":30,\"loss\":\"quadratic\"}},"
        "\"u\":{\"weight\":0.2,\"ideal\":{\"at\":30}}}}]}");

    /* table: the listed values, in option order */
    NEAR(value_of(sc, 0, 0, 0), 0);
    NEAR(value_of(sc, 0, 0, 1), 0.6);
    NEAR(value_of(sc, 0, 0, 2), 1);
    /* linear 0.2 + 0.1 x: x=3 -> 0.5, x=8 -> 1.0, x=10 -> 1.2 clamped to 1 */
    NEAR(value_of(sc, 0, 1, 3), 0.5);
    NEAR(value_of(sc, 0, 1, 8), 1.0);
    NEAR(value_of(sc, 0, 1, 10), 1.0);
    /* linear 1 - 0.3 (x - 2): x=0 -> 1.6 clamped to 1, x=4 -> 0.4,
     * x=6 -> -0.2 clamped to 0 */
    NEAR(value_of(sc, 1, 1, 0), 1.0);
    NEAR(value_of(sc, 1, 1, 4), 0.4);
    NEAR(value_of(sc, 1, 1, 6), 0.0);
    /* origin defaults to the issue's min (20): 0.05 (x - 20): option 10 is
     * x = 30 -> 0.5, option 20 is x = 40 -> 1 */
    assert_true(sc->parties[0].values[4].origin == 20);
    NEAR(value_of(sc, 0, 4, 10), 0.5);
    NEAR(value_of(sc, 0, 4, 20), 1.0);
    /* piecewise over 20,25,...,60: x=30 (option 2) is halfway 20..40 -> 0.4;
     * x=45 (option 5): 0.8 + 0.25 * 0.2 = 0.85; x=60 -> 1 */
    NEAR(value_of(sc, 0, 2, 0), 0);
    NEAR(value_of(sc, 0, 2, 2), 0.4);
    NEAR(value_of(sc, 0, 2, 5), 0.85);
    NEAR(value_of(sc, 0, 2, 8), 1);
    /* flat beyond the ends: x=20 -> 0.2, x=60 -> 0.8; x=35 -> 0.35 */
    NEAR(value_of(sc, 1, 2, 0), 0.2);
    NEAR(value_of(sc, 1, 2, 8), 0.8);
    NEAR(value_of(sc, 1, 2, 3), 0.35);
    /* ideal at 50 scale 30, linear loss: x=35 -> 0.5, x=65 -> 0.5,
     * x=20 -> 0, x=90 -> -0.33 clamped to 0, x=50 -> 1 */
    NEAR(value_of(sc, 0, 3, 35), 0.5);
    NEAR(value_of(sc, 0, 3, 65), 0.5);
    NEAR(value_of(sc, 0, 3, 20), 0);
    NEAR(value_of(sc, 0, 3, 90), 0);
    NEAR(value_of(sc, 0, 3, 50), 1);
    assert_int_equal(sc->parties[0].values[3].loss, PARLEY_LOSS_LINEAR);
    /* quadratic loss: x=35 -> 1 - 0.25 = 0.75; x=80 -> 1 - 1 = 0;
     * x=44 -> 1 - 0.04 = 0.96 */
    NEAR(value_of(sc, 1, 3, 35), 0.75);
    NEAR(value_of(sc, 1, 3, 80), 0);
    NEAR(value_of(sc, 1, 3, 44), 0.96);
    /* default scale = max - min = 20: at 30, x=20 (option 0) -> 0.5,
     * x=36 -> 0.7 */
    assert_true(sc->parties[1].values[4].scale == 20);
    NEAR(value_of(sc, 1, 4, 0), 0.5);
    NEAR(value_of(sc, 1, 4, 16), 0.7);
    /* an issue absent from a utility: weight 0, no value function */
    assert_true(sc->parties[1].weights[0] == 0);
    assert_int_equal(sc->parties[1].values[0].kind, PARLEY_VALUE_NONE);
    NEAR(value_of(sc, 1, 0, 2), 0);
    parley_scenario_free(sc);
}

static void test_single_point_piecewise(void **state)
{
    (void)state;
    parley_scenario_t *sc = must_read(
        "{\"version\":1,\"name\":\"v\",\"issues\":["
        "{\"id\":\"n\",\"kind\":\"real\",\"min\":0,\"max\":1,\"resolution\":0.25}],"
        "\"parties\":[{\"id\":\"p\",\"power\":1,\"utility\":{"
        "\"n\":{\"weight\":1,\"piecewise\":[[0.5,0.3]]}}}]}");
    assert_int_equal(sc->issues[0].n_options, 5);
    for (size_t j = 0; j < 5; j++)
        NEAR(value_of(sc, 0, 0, j), 0.3);
    parley_scenario_free(sc);
}

/* Numbers at the ends of the double range still give values in [0, 1]. */
static void test_extreme_values(void **state)
{
    (void)state;
    parley_scenario_t *sc = must_read(
        "{\"version\":1,\"name\":\"x\",\"issues\":["
        "{\"id\":\"r\",\"kind\":\"real\",\"min\":-5e307,\"max\":5e307,"
        "\"resolution\":5e306}],"
        "\"parties\":[{\"id\":\"p\",\"power\":1,\"utility\":{"
        "\"r\":{\"weight\":1,\"piecewise\":[[-1.5e308,0],[1.5e308,1]]}}},"
        "{\"id\":\"q\",\"power\":1,\"utility\":{"
        "\"r\":{\"weight\":1,\"linear\":{\"offset\":0.25,\"slope\":0,"
        "\"origin\":-1.7e308}}}},"
        "{\"id\":\"s\",\"power\":1,\"utility\":{"
        "\"r\":{\"weight\":1,\"linear\":{\"offset\":0.5,\"slope\":1e300,"
        "\"origin\":0}}}}]}");
    const parley_issue_t *is = &sc->issues[0];
    assert_int_equal(is->n_options, 21);
    for (size_t j = 0; j < is->n_options; j++) {
        double x = parley_issue_option_number(is, j);
        /* piecewise: the line from (-1.5e308, 0) to (1.5e308, 1) */
        double want = 0.5 + x / 3 / 1e308;
        assert_true(fabs(value_of(sc, 0, 0, j) - want) < 1e-12);
        NEAR(value_of(sc, 1, 0, j), 0.25);
        /* steep: 0 below the origin, 1 above, 0.5 at it */
        NEAR(value_of(sc, 2, 0, j), x < 0 ? 0 : x > 0 ? 1 : 0.5);
    }
    parley_scenario_free(sc);
}

static void test_grid(void **state)
{
    (void)state;
    /* 0..1 by 0.1 has 11 options although 1/0.1 is not exactly 10 */
    assert_int_equal(parley_issue_grid_size(0, 1, 0.1), 11);
    assert_int_equal(parley_issue_grid_size(20, 60, 0.5), 81);
    assert_int_equal(parley_issue_grid_size(0, 1, 0.3), 4);
    assert_int_equal(parley_issue_grid_size(5, 5, 1), 1);
    assert_int_equal(parley_issue_grid_size(5, 4, 1), 0);
    parley_scenario_t *sc = must_read(
        "{\"version\":1,\"name\":\"g\",\"issues\":["
        "{\"id\":\"r\",\"kind\":\"real\",\"min\":20,\"max\":60,\"resolution\":0.5}],"
        "\"parties\":[{\"id\":\"p\",\"power\":1,\"utility\":{"
        "\"r\":{\"weight\":1,\"linear\":{\"offset\":0,\"slope\":0.025}}}}]}");
    char label[32];
    parley_issue_option_label(&sc->issues[0], 3, label, sizeof label);
    assert_string_equal(label, "21.5");
    parley_issue_option_label(&sc->issues[0], 80, label, sizeof label);
    assert_string_equal(label, "60");
    parley_scenario_free(sc);
}

/* ---- syntax errors ---------------------------------------------------- */

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_error("{\"version\": 1,\n \"name\": \"x\",\n `}", PARLEY_ESYNTAX, "");
    expect_error("{\"a\": `NaN}", PARLEY_ESYNTAX, "");
    expect_message("NaN or Infinity");
    expect_error("{\"a\": `Infinity}", PARLEY_ESYNTAX, "");
    expect_message("NaN or Infinity");
    expect_error("{\"a\": [1, `-Infinity]}", PARLEY_ESYNTAX, "");
    expect_message("NaN or Infinity");
    expect_error("{\"a\":\n  `1e400}", PARLEY_ESYNTAX, "");
    expect_message("out of range");
    expect_error("{\"a\": `-1e999}", PARLEY_ESYNTAX, "");
    expect_message("out of range");
    expect_error("{\"version\": 1, `\"version\": 1}", PARLEY_ESYNTAX, "");
    expect_message("duplicate key");
    expect_error("`", PARLEY_ESYNTAX, "");
    expect_error("{\"name\": \"ab\xc3\xa9\", `x}", PARLEY_ESYNTAX, "");
    expect_error("{\"a\": 1} `x", PARLEY_ESYNTAX, "");
    /* positions spelled out: line 1, column 7 */
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc;
    assert_int_equal(read_text("{\"a\": NaN}", &sc, d), PARLEY_ESYNTAX);
    assert_int_equal(parley_diags_get(d, 0)->line, 1);
    assert_int_equal(parley_diags_get(d, 0)->column, 7);
    parley_diags_free(d);
}

static void test_structure_errors(void **state)
{
    (void)state;
    expect_error("`[1, 2]", PARLEY_ETYPE, "$");
    expect_error("`{\"name\":\"t\",\"issues\":[" ISSUE_A "],\"parties\":[" PARTY_P "]}",
                 PARLEY_EMISSING, "$.version");
    expect_error("{\"version\":`2,\"name\":\"t\"}", PARLEY_EVERSION, "$.version");
    expect_message("newer");
    expect_error("{\"version\":`\"1\",\"name\":\"t\",\"issues\":[" ISSUE_A
                 "],\"parties\":[" PARTY_P "]}",
                 PARLEY_ETYPE, "$.version");
    expect_error("{\"version\":`0.5,\"name\":\"t\",\"issues\":[" ISSUE_A
                 "],\"parties\":[" PARTY_P "]}",
                 PARLEY_EINVALID, "$.version");
    expect_error("{\"version\":1,`\"nmae\":\"t\",\"issues\":[" ISSUE_A
                 "],\"parties\":[" PARTY_P "]}",
                 PARLEY_EUNKNOWN, "$.nmae");
    expect_message("did you mean 'name'");
    expect_message("allowed fields: version, name, description, source, "
                   "issues, clusters, parties");
    expect_error("`{\"version\":1,\"issues\":[" ISSUE_A "],\"parties\":[" PARTY_P "]}",
                 PARLEY_EMISSING, "$.name");
    expect_error("{\"version\":1,\"name\":`7,\"issues\":[" ISSUE_A "],\"parties\":["
                 PARTY_P "]}",
                 PARLEY_ETYPE, "$.name");
    expect_message("expected a string, found number 7");
    expect_error("{\"version\":1,\"name\":\"t\",\"issues\":`[],\"parties\":["
                 "{\"id\":\"p\",\"power\":1,\"utility\":{}}]}",
                 PARLEY_EINVALID, "$.issues");
    expect_error("{\"version\":1,\"name\":\"t\",\"issues\":`{},\"parties\":[" PARTY_P "]}",
                 PARLEY_ETYPE, "$.issues");
    expect_error("`{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A "]}",
                 PARLEY_EMISSING, "$.parties");
}

static void test_issue_errors(void **state)
{
    (void)state;
#define WITH_ISSUES(x)                                                         \
    "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A "," x                 \
    "],\n\"parties\":[" PARTY_P "]}"
    expect_error(WITH_ISSUES("`3"), PARLEY_ETYPE, "$.issues[1]");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":`\"dsicrete\"}"),
                 PARLEY_EINVALID, "$.issues[1].kind");
    expect_message("expected one of discrete, integer, real");
    expect_error(WITH_ISSUES("`{\"id\":\"b\"}"), PARLEY_EMISSING,
                 "$.issues[1].kind");
    expect_error(WITH_ISSUES("`{\"kind\":\"integer\",\"min\":0,\"max\":3}"),
                 PARLEY_EMISSING, "$.issues[1].id");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"discrete\",\"options\":`[]}"),
                 PARLEY_EINVALID, "$.issues[1].options");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"discrete\",\"options\":"
                             "[\"u\",\"v\",`\"u\"]}"),
                 PARLEY_EDUPLICATE, "$.issues[1].options[2]");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"discrete\",\"options\":"
                             "[\"u\",`5]}"),
                 PARLEY_ETYPE, "$.issues[1].options[1]");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"discrete\",\"options\":"
                             "[`\"\"]}"),
                 PARLEY_EINVALID, "$.issues[1].options[0]");
    expect_error(WITH_ISSUES("{\"id\":`\"a\",\"kind\":\"integer\",\"min\":0,\"max\":3}"),
                 PARLEY_EDUPLICATE, "$.issues[1].id");
    expect_message("duplicate issue id 'a'");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"integer\",\"min\":0,"
                             "\"max\":`1e12}"),
                 PARLEY_ELIMIT, "$.issues[1].max");
    expect_message("1000000000001 options");
    expect_message("65536");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"integer\",\"min\":`2.5,"
                             "\"max\":3}"),
                 PARLEY_EINVALID, "$.issues[1].min");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"integer\",\"min\":5,"
                             "\"max\":`4}"),
                 PARLEY_ERANGE, "$.issues[1].max");
    expect_message("max must be >= min (5), got 4");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"real\",\"min\":0,"
                             "\"max\":1,\"resolution\":`0}"),
                 PARLEY_ERANGE, "$.issues[1].resolution");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"real\",\"min\":0,"
                             "\"max\":1,\"resolution\":`-0.5}"),
                 PARLEY_ERANGE, "$.issues[1].resolution");
    expect_error(WITH_ISSUES("`{\"id\":\"b\",\"kind\":\"real\",\"min\":0,\"max\":1}"),
                 PARLEY_EMISSING, "$.issues[1].resolution");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"real\",\"min\":0,"
                             "\"max\":`1,\"resolution\":1e-6}"),
                 PARLEY_ELIMIT, "$.issues[1].max");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"discrete\",\"options\":"
                             "[\"u\"],`\"unit\":\"m\"}"),
                 PARLEY_EUNKNOWN, "$.issues[1].unit");
    expect_message("allowed fields: id, name, kind, options");
    expect_error(WITH_ISSUES("{\"id\":\"b\",\"kind\":\"integer\",\"min\":0,"
                             "\"max\":3,`\"resolution\":1}"),
                 PARLEY_EUNKNOWN, "$.issues[1].resolution");
#undef WITH_ISSUES
}

static void test_cluster_errors(void **state)
{
    (void)state;
#define WITH_CLUSTERS(x)                                                       \
    "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A                      \
    ",{\"id\":\"b\",\"kind\":\"integer\",\"min\":0,\"max\":3}],"              \
    "\n\"clusters\":[" x "],\n\"parties\":[" PARTY_P "]}"
    expect_error(WITH_CLUSTERS("{\"id\":\"c\",\"issues\":[\"a\",`\"zz\"]}"),
                 PARLEY_EINVALID, "$.clusters[0].issues[1]");
    expect_message("unknown issue 'zz'; the issues are 'a', 'b'");
    expect_error(WITH_CLUSTERS("{\"id\":\"c\",\"issues\":[\"a\"]},"
                               "{\"id\":\"d\",\"issues\":[\"b\",`\"a\"]}"),
                 PARLEY_EDUPLICATE, "$.clusters[1].issues[1]");
    expect_message("already in cluster 'c'");
    expect_error(WITH_CLUSTERS("{\"id\":\"c\",\"issues\":[\"a\",`\"a\"]}"),
                 PARLEY_EDUPLICATE, "$.clusters[0].issues[1]");
    expect_error(WITH_CLUSTERS("{\"id\":\"c\",\"issues\":[\"a\"]},"
                               "{\"id\":`\"c\",\"issues\":[\"b\"]}"),
                 PARLEY_EDUPLICATE, "$.clusters[1].id");
    expect_error(WITH_CLUSTERS("{\"id\":\"c\",\"issues\":`[]}"),
                 PARLEY_EINVALID, "$.clusters[0].issues");
    expect_error(WITH_CLUSTERS("`{\"id\":\"c\"}"), PARLEY_EMISSING,
                 "$.clusters[0].issues");
    expect_error(WITH_CLUSTERS("{\"id\":\"c\",\"issues\":[\"a\"],`\"colour\":1}"),
                 PARLEY_EUNKNOWN, "$.clusters[0].colour");
#undef WITH_CLUSTERS
    /* clusters are kept, with the issues' back-references */
    parley_scenario_t *sc = must_read(
        "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A
        ",{\"id\":\"b\",\"kind\":\"integer\",\"min\":0,\"max\":3}],"
        "\"clusters\":[{\"id\":\"c\",\"name\":\"C\",\"issues\":[\"b\"]}],"
        "\"parties\":[" PARTY_P "]}");
    assert_int_equal(sc->n_clusters, 1);
    assert_int_equal(sc->clusters[0].n_issues, 1);
    assert_int_equal(sc->clusters[0].issues[0], 1);
    assert_int_equal(sc->issues[0].cluster, -1);
    assert_int_equal(sc->issues[1].cluster, 0);
    parley_scenario_free(sc);
}

#define SCEN(parties)                                                          \
    "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A                      \
    ",{\"id\":\"n\",\"kind\":\"integer\",\"min\":0,\"max\":10}],"             \
    "\n\"parties\":[" parties "]}"

static void test_party_errors(void **state)
{
    (void)state;
    expect_error(SCEN("{\"id\":\"p\",\"power\":`0,\"utility\":{}}"),
                 PARLEY_ERANGE, "$.parties[0].power");
    expect_message("must be > 0, got 0");
    expect_error(SCEN("{\"id\":\"p\",\"power\":`-2,\"utility\":{}}"),
                 PARLEY_ERANGE, "$.parties[0].power");
    expect_message("got -2");
    expect_error(SCEN("`{\"id\":\"p\",\"utility\":{}}"), PARLEY_EMISSING,
                 "$.parties[0].power");
    expect_error(SCEN("`{\"id\":\"p\",\"power\":1}"), PARLEY_EMISSING,
                 "$.parties[0].utility");
    expect_error(SCEN("{\"id\":\"p\",\"power\":`\"big\",\"utility\":{}}"),
                 PARLEY_ETYPE, "$.parties[0].power");
    expect_error(SCEN(PARTY_P ",{\"id\":`\"p\",\"role\":\"monitor\"}"),
                 PARLEY_EDUPLICATE, "$.parties[1].id");
    /* the mark: the parties array starts the third line */
    expect_error("{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A "],\n"
                 "\"parties\":`[{\"id\":\"p\",\"role\":\"observer\"}]}",
                 PARLEY_EINVALID, "$.parties");
    expect_message("no party has role \"party\"");
    expect_error(SCEN(PARTY_P ",{\"id\":\"q\",\"role\":`\"guarantr\"}"),
                 PARLEY_EINVALID, "$.parties[1].role");
    expect_error(SCEN("{\"id\":\"p\",\"power\":1,\"discount\":`0,\"utility\":{}}"),
                 PARLEY_ERANGE, "$.parties[0].discount");
    expect_error(SCEN("{\"id\":\"p\",\"power\":1,\"discount\":`1.5,\"utility\":{}}"),
                 PARLEY_ERANGE, "$.parties[0].discount");
    expect_error(SCEN("{\"id\":\"p\",\"power\":1,\"reservation\":`-0.1,\"utility\":{}}"),
                 PARLEY_ERANGE, "$.parties[0].reservation");
    expect_error(SCEN("{\"id\":\"p\",\"power\":1,\"utility\":{},`\"batna\":0}"),
                 PARLEY_EUNKNOWN, "$.parties[0].batna");
    expect_message("allowed fields: id, name, role, power, reservation, "
                   "discount, utility, red_lines");
    expect_error(SCEN(PARTY_P ",{\"id\":\"g\",\"role\":\"guarantor\",\"power\":`-1}"),
                 PARLEY_ERANGE, "$.parties[1].power");
    /* non-voting parties need neither power nor utility */
    parley_scenario_t *sc = must_read(SCEN(
        PARTY_P ",{\"id\":\"g\",\"role\":\"guarantor\"},{\"id\":\"m\","
                "\"role\":\"monitor\",\"name\":null},{\"id\":\"o\",\"role\":"
                "\"observer\",\"power\":3}"));
    assert_int_equal(sc->n_parties, 4);
    assert_int_equal(sc->parties[1].role, PARLEY_ROLE_GUARANTOR);
    assert_true(sc->parties[1].power == 0);
    assert_int_equal(sc->parties[2].role, PARLEY_ROLE_MONITOR);
    assert_null(sc->parties[2].name); /* null is absent */
    assert_int_equal(sc->parties[3].role, PARLEY_ROLE_OBSERVER);
    assert_true(sc->parties[3].power == 3);
    parley_scenario_free(sc);
}

static void test_utility_errors(void **state)
{
    (void)state;
#define U(x) SCEN("{\"id\":\"p\",\"power\":1,\"utility\":{" x "}}")
    expect_error(U("`\"zz\":{\"weight\":1,\"table\":{}}"), PARLEY_EINVALID,
                 "$.parties[0].utility.zz");
    expect_message("unknown issue 'zz'; the issues are 'a', 'n'");
    expect_error(U("\"a\":`{\"weight\":1}"), PARLEY_EMISSING,
                 "$.parties[0].utility.a");
    expect_message("exactly one value function");
    expect_error(U("\"n\":`{\"weight\":1,\"linear\":{\"offset\":0,\"slope\":1},"
                   "\"ideal\":{\"at\":3}}"),
                 PARLEY_EINVALID, "$.parties[0].utility.n");
    expect_message("both 'linear' and 'ideal'");
    expect_error(U("\"a\":`{\"table\":{\"x\":0,\"y\":1}}"), PARLEY_EMISSING,
                 "$.parties[0].utility.a.weight");
    expect_error(U("\"a\":{\"weight\":`-0.5,\"table\":{\"x\":0,\"y\":1}}"),
                 PARLEY_ERANGE, "$.parties[0].utility.a.weight");
    expect_error(U("\"a\":{\"weight\":1,\"table\":`{\"x\":0}}"),
                 PARLEY_EMISSING, "$.parties[0].utility.a.table");
    expect_message("no value for 1 option of issue 'a': 'y'");
    expect_error(U("\"a\":{\"weight\":1,\"table\":{\"x\":0,\"y\":1,`\"z\":1}}"),
                 PARLEY_EINVALID, "$.parties[0].utility.a.table.z");
    expect_message("unknown option 'z' of issue 'a'; the options are 'x', 'y'");
    expect_error(U("\"a\":{\"weight\":1,\"table\":{\"x\":0,\"y\":`1.5}}"),
                 PARLEY_ERANGE, "$.parties[0].utility.a.table.y");
    expect_message("[0, 1], got 1.5");
    expect_error(U("\"a\":{\"weight\":1,\"table\":{\"x\":`true,\"y\":1}}"),
                 PARLEY_ETYPE, "$.parties[0].utility.a.table.x");
    expect_error(U("\"n\":{\"weight\":1,\"table\":`{\"x\":0}}"),
                 PARLEY_EINVALID, "$.parties[0].utility.n.table");
    expect_message("a table is for discrete issues; issue 'n' is integer");
    expect_error(U("\"a\":{\"weight\":1,\"linear\":`{\"offset\":0,\"slope\":1}}"),
                 PARLEY_EINVALID, "$.parties[0].utility.a.linear");
    expect_message("issue 'a' is discrete");
    expect_error(U("\"a\":{\"weight\":1,\"ideal\":`{\"at\":1}}"),
                 PARLEY_EINVALID, "$.parties[0].utility.a.ideal");
    expect_error(U("\"n\":{\"weight\":1,\"linear\":`{\"offset\":0}}"),
                 PARLEY_EMISSING, "$.parties[0].utility.n.linear.slope");
    expect_error(U("\"n\":{\"weight\":1,\"linear\":{\"offset\":0,\"slope\":1,"
                   "`\"intercept\":2}}"),
                 PARLEY_EUNKNOWN, "$.parties[0].utility.n.linear.intercept");
    expect_error(U("\"n\":{\"weight\":1,\"piecewise\":[[0,0],`[5,0.5,1]]}"),
                 PARLEY_ETYPE, "$.parties[0].utility.n.piecewise[1]");
    expect_error(U("\"n\":{\"weight\":1,\"piecewise\":[[0,0],[5,0.5],[`5,1]]}"),
                 PARLEY_EINVALID, "$.parties[0].utility.n.piecewise[2][0]");
    expect_message("greater than the previous point's x (5), got 5");
    expect_error(U("\"n\":{\"weight\":1,\"piecewise\":[[0,0],[5,`-0.1]]}"),
                 PARLEY_ERANGE, "$.parties[0].utility.n.piecewise[1][1]");
    expect_error(U("\"n\":{\"weight\":1,\"piecewise\":`[]}"),
                 PARLEY_EINVALID, "$.parties[0].utility.n.piecewise");
    expect_error(U("\"n\":{\"weight\":1,\"ideal\":{\"at\":3,\"scale\":`0}}"),
                 PARLEY_ERANGE, "$.parties[0].utility.n.ideal.scale");
    expect_error(U("\"n\":{\"weight\":1,\"ideal\":{\"at\":3,\"loss\":`\"cubic\"}}"),
                 PARLEY_EINVALID, "$.parties[0].utility.n.ideal.loss");
    expect_message("expected one of linear, quadratic");
    expect_error(U("\"n\":{\"weight\":1,\"ideal\":`{\"scale\":2}}"),
                 PARLEY_EMISSING, "$.parties[0].utility.n.ideal.at");
    expect_error(U("\"a\":`[1]"), PARLEY_ETYPE, "$.parties[0].utility.a");
#undef U
    /* the default scale of a one-valued issue is 0: an error, said so */
    expect_error("{\"version\":1,\"name\":\"t\",\"issues\":[{\"id\":\"s\","
                 "\"kind\":\"integer\",\"min\":4,\"max\":4}],\"parties\":[{"
                 "\"id\":\"p\",\"power\":1,\"utility\":{\"s\":{\"weight\":1,"
                 "\"ideal\":`{\"at\":4}}}}]}",
                 PARLEY_ERANGE, "$.parties[0].utility.s.ideal.scale");
    expect_message("default scale");
}

static void test_red_line_errors(void **state)
{
    (void)state;
#define R(x) SCEN(PARTY_P ",{\"id\":\"q\",\"power\":1,\"utility\":{},"     \
                          "\"red_lines\":[" x "]}")
    expect_error(R("{\"issue\":\"a\",\"op\":`\"<\",\"value\":\"x\"}"),
                 PARLEY_EINVALID, "$.parties[1].red_lines[0].op");
    expect_message("does not apply to discrete issue 'a'; use one of ==, !=, "
                   "in, not in");
    expect_error(R("{\"issue\":\"n\",\"op\":`\"in\",\"value\":[3]}"),
                 PARLEY_EINVALID, "$.parties[1].red_lines[0].op");
    expect_message("use one of ==, !=, <, <=, >, >=");
    expect_error(R("{\"issue\":\"n\",\"op\":`\"=>\",\"value\":3}"),
                 PARLEY_EINVALID, "$.parties[1].red_lines[0].op");
    expect_error(R("{\"issue\":`\"zz\",\"op\":\"==\",\"value\":3}"),
                 PARLEY_EINVALID, "$.parties[1].red_lines[0].issue");
    expect_error(R("{\"issue\":\"a\",\"op\":\"==\",\"value\":`\"w\"}"),
                 PARLEY_EINVALID, "$.parties[1].red_lines[0].value");
    expect_message("unknown option 'w' of issue 'a'");
    expect_error(R("{\"issue\":\"a\",\"op\":\"not in\",\"value\":[\"x\",`\"w\"]}"),
                 PARLEY_EINVALID, "$.parties[1].red_lines[0].value[1]");
    expect_error(R("{\"issue\":\"a\",\"op\":\"in\",\"value\":[\"x\",`\"x\"]}"),
                 PARLEY_EDUPLICATE, "$.parties[1].red_lines[0].value[1]");
    expect_error(R("{\"issue\":\"a\",\"op\":\"in\",\"value\":`[]}"),
                 PARLEY_EINVALID, "$.parties[1].red_lines[0].value");
    expect_error(R("{\"issue\":\"a\",\"op\":\"in\",\"value\":`\"x\"}"),
                 PARLEY_ETYPE, "$.parties[1].red_lines[0].value");
    expect_error(R("{\"issue\":\"n\",\"op\":\">=\",\"value\":`\"4\"}"),
                 PARLEY_ETYPE, "$.parties[1].red_lines[0].value");
    expect_error(R("`{\"issue\":\"n\",\"op\":\">=\"}"), PARLEY_EMISSING,
                 "$.parties[1].red_lines[0].value");
    expect_error(R("{\"issue\":\"n\",\"op\":\">=\",\"value\":4,`\"why\":\"\"}"),
                 PARLEY_EUNKNOWN, "$.parties[1].red_lines[0].why");
#undef R
    parley_scenario_t *sc = must_read(SCEN(
        "{\"id\":\"p\",\"power\":1,\"utility\":{},\"red_lines\":["
        "{\"issue\":\"a\",\"op\":\"!=\",\"value\":\"x\",\"note\":\"why\"},"
        "{\"issue\":\"a\",\"op\":\"not in\",\"value\":[\"y\"]},"
        "{\"issue\":\"n\",\"op\":\"<\",\"value\":7.5}]}"));
    const parley_party_t *p = &sc->parties[0];
    assert_int_equal(p->n_red_lines, 3);
    assert_int_equal(p->red_lines[0].op, PARLEY_CMP_NE);
    assert_int_equal(p->red_lines[0].n_options, 1);
    assert_int_equal(p->red_lines[0].options[0], 0);
    assert_string_equal(p->red_lines[0].note, "why");
    assert_int_equal(p->red_lines[1].op, PARLEY_CMP_NOT_IN);
    assert_int_equal(p->red_lines[1].options[0], 1);
    assert_int_equal(p->red_lines[2].issue, 1);
    assert_int_equal(p->red_lines[2].op, PARLEY_CMP_LT);
    assert_true(p->red_lines[2].value == 7.5);
    parley_scenario_free(sc);
}

static void test_limits(void **state)
{
    (void)state;
    /* 257 issues */
    size_t cap = 300 * 64 + 1000;
    char *t = malloc(cap);
    size_t n = (size_t)snprintf(t, cap, "{\"version\":1,\"name\":\"t\",\"issues\":`[");
    for (int k = 0; k < PARLEY_MAX_ISSUES + 1; k++)
        n += (size_t)snprintf(t + n, cap - n,
                              "%s{\"id\":\"i%d\",\"kind\":\"integer\",\"min\":0,"
                              "\"max\":1}",
                              k ? "," : "", k);
    snprintf(t + n, cap - n, "],\"parties\":[" PARTY_P "]}");
    expect_error(t, PARLEY_ELIMIT, "$.issues");
    expect_message("257 issues, more than the limit of 256");
    /* 65 parties */
    n = (size_t)snprintf(t, cap, "{\"version\":1,\"name\":\"t\",\"issues\":["
                                 ISSUE_A "],\"parties\":`[");
    for (int i = 0; i < PARLEY_MAX_PARTIES + 1; i++)
        n += (size_t)snprintf(t + n, cap - n, "%s{\"id\":\"p%d\",\"power\":1,"
                                              "\"utility\":{}}",
                              i ? "," : "", i);
    snprintf(t + n, cap - n, "]}");
    expect_error(t, PARLEY_ELIMIT, "$.parties");
    /* an id of 129 bytes */
    char id[PARLEY_MAX_ID + 2];
    memset(id, 'x', PARLEY_MAX_ID + 1);
    id[PARLEY_MAX_ID + 1] = '\0';
    snprintf(t, cap, "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A "],"
                     "\"parties\":[" PARTY_P ",{\"id\":`\"%s\",\"role\":"
                     "\"observer\"}]}",
             id);
    expect_error(t, PARLEY_ELIMIT, "$.parties[1].id");
    /* an id of exactly 128 bytes is fine */
    id[PARLEY_MAX_ID] = '\0';
    snprintf(t, cap, "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A "],"
                     "\"parties\":[" PARTY_P ",{\"id\":\"%s\",\"role\":"
                     "\"observer\"}]}",
             id);
    parley_scenario_free(must_read(t));
    /* 1025 piecewise points */
    n = (size_t)snprintf(t, cap, "{\"version\":1,\"name\":\"t\",\"issues\":["
                                 "{\"id\":\"n\",\"kind\":\"integer\",\"min\":0,"
                                 "\"max\":9}],\"parties\":[{\"id\":\"p\","
                                 "\"power\":1,\"utility\":{\"n\":{\"weight\":1,"
                                 "\"piecewise\":`[");
    for (int i = 0; i < PARLEY_MAX_POINTS + 1; i++)
        n += (size_t)snprintf(t + n, cap - n, "%s[%d,0]", i ? "," : "", i);
    snprintf(t + n, cap - n, "]}}}]}");
    expect_error(t, PARLEY_ELIMIT, "$.parties[0].utility.n.piecewise");
    free(t);
}

static void test_warnings(void **state)
{
    (void)state;
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    /* weights 0.5 + 0.3 = 0.8: used as written, with a warning naming the
     * sum.  The real issue's grid is 0, 0.3, 0.6, 0.9, so the best utility
     * is 0.5 * 1 + 0.3 * 0.9 = 0.77, below the reservation of 0.9. */
    const char *text =
        "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A ","
        "{\"id\":\"r\",\"kind\":\"real\",\"min\":0,\"max\":1,\"resolution\":0.3}],"
        "\n\"parties\":[{\"id\":\"p\",\"power\":1,\"reservation\":0.9,\n"
        "\"utility\":{\"a\":{\"weight\":0.5,\"table\":{\"x\":0,\"y\":1}},"
        "\"r\":{\"weight\":0.3,\"linear\":{\"offset\":0,\"slope\":1}}}}]}";
    assert_int_equal(read_text(text, &sc, d), PARLEY_OK);
    assert_non_null(sc);
    assert_int_equal(parley_diags_errors(d), 0);
    assert_int_equal(parley_diags_warnings(d), 3);
    const parley_diag_t *w = find_diag(d, PARLEY_EINVALID, "$.parties[0].utility");
    assert_non_null(w);
    assert_int_equal(w->severity, PARLEY_SEVERITY_WARNING);
    assert_non_null(strstr(w->message, "weights sum to 0.8"));
    assert_int_equal(w->line, 3);
    assert_int_equal(w->column, 11);
    w = find_diag(d, PARLEY_EINVALID, "$.parties[0].reservation");
    assert_non_null(w);
    assert_non_null(strstr(w->message, "reservation 0.9"));
    assert_non_null(strstr(w->message, "(0.77)"));
    w = find_diag(d, PARLEY_EINVALID, "$.issues[1].max");
    assert_non_null(w);
    assert_non_null(strstr(w->message, "last option is 0.9"));
    /* weights are kept as written */
    assert_true(sc->parties[0].weights[0] == 0.5);
    assert_true(sc->parties[0].weights[1] == 0.3);
    parley_scenario_free(sc);
    /* within 1e-6 of 1: no warning */
    parley_diags_clear(d);
    assert_int_equal(
        read_text("{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A ","
                  "{\"id\":\"n\",\"kind\":\"integer\",\"min\":0,\"max\":1}],"
                  "\"parties\":[{\"id\":\"p\",\"power\":1,\"utility\":{"
                  "\"a\":{\"weight\":0.3333337,\"table\":{\"x\":0,\"y\":1}},"
                  "\"n\":{\"weight\":0.6666666,\"ideal\":{\"at\":1}}}}]}",
                  &sc, d),
        PARLEY_OK);
    assert_int_equal(parley_diags_count(d), 0);
    parley_scenario_free(sc);
    parley_diags_free(d);
}

static void test_collects_all_errors(void **state)
{
    (void)state;
    const char *text = "{\"version\":1,\n"
                       " \"name\":\"t\",\n"
                       " \"issues\":[{\"id\":\"a\",\"kind\":\"integer\",\"min\":5,\"max\":1},\n"
                       "           {\"id\":\"b\",\"kind\":\"discrete\",\"options\":[]}],\n"
                       " \"parties\":[{\"id\":\"p\",\"power\":-1,\"utility\":{}},\n"
                       "             {\"id\":\"p\",\"power\":1,\"colour\":2,\"utility\":{}}]}";
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = (parley_scenario_t *)1;
    parley_status_t st = read_text(text, &sc, d);
    assert_null(sc);
    assert_int_equal(parley_diags_errors(d), 5);
    assert_int_equal(parley_diags_count(d), 5);
    /* listed in text order, and the status is the first one's code */
    static const struct {
        parley_status_t code;
        const char *path;
        unsigned line, column;
    } want[] = {
        {PARLEY_ERANGE, "$.issues[0].max", 3, 53},
        {PARLEY_EINVALID, "$.issues[1].options", 4, 50},
        {PARLEY_ERANGE, "$.parties[0].power", 5, 31},
        {PARLEY_EDUPLICATE, "$.parties[1].id", 6, 20},
        {PARLEY_EUNKNOWN, "$.parties[1].colour", 6, 34},
    };
    for (size_t i = 0; i < 5; i++) {
        const parley_diag_t *x = parley_diags_get(d, i);
        assert_int_equal(x->code, want[i].code);
        assert_string_equal(x->path, want[i].path);
        assert_int_equal(x->line, want[i].line);
        assert_int_equal(x->column, want[i].column);
    }
    assert_int_equal(st, PARLEY_ERANGE);
    char line[1200];
    parley_diag_format(parley_diags_get(d, 2), line, sizeof line);
    assert_string_equal(line, "case.json:5:31: error: $.parties[0].power: a "
                              "voting party's power must be > 0, got -1");
    parley_diags_free(d);
}

static void test_input_edges(void **state)
{
    (void)state;
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = (parley_scenario_t *)1;
    assert_int_equal(parley_scenario_read_string(NULL, 0, NULL, &sc, d),
                     PARLEY_ESYNTAX);
    assert_null(sc);
    assert_string_equal(parley_diags_get(d, 0)->file, "<string>");
    assert_int_equal(parley_scenario_read_string(NULL, 3, "x", &sc, d),
                     PARLEY_EARG);
    assert_int_equal(parley_scenario_read_string("{}", 2, "x", NULL, d),
                     PARLEY_EARG);
    /* a byte order mark is skipped; NULL diagnostics are allowed */
    const char *bom = "\xEF\xBB\xBF{\"version\":1,\"name\":\"t\",\"issues\":["
                      ISSUE_A "],\"parties\":[" PARTY_P "]}";
    assert_int_equal(parley_scenario_read_string(bom, strlen(bom), "b", &sc,
                                                 NULL),
                     PARLEY_OK);
    parley_scenario_free(sc);
    /* text with a NUL inside is not JSON, even where jansson would let it
     * pass (after a number) */
    expect_error("{\"version\": 1`", PARLEY_ESYNTAX, ""); /* unterminated */
    {
        const char after_number[] = "{\"version\":1\0,\"name\":\"t\"}";
        parley_diags_t *d2 = parley_diags_new();
        assert_int_equal(parley_scenario_read_string(after_number,
                                                     sizeof after_number - 1,
                                                     "n", &sc, d2),
                         PARLEY_ESYNTAX);
        assert_null(sc);
        assert_int_equal(parley_diags_get(d2, 0)->column, 13);
        assert_non_null(strstr(parley_diags_get(d2, 0)->message, "NUL"));
        parley_diags_free(d2);
    }
    const char nul[] = "{\"version\":1}\0{}";
    assert_int_equal(parley_scenario_read_string(nul, sizeof nul - 1, "n", &sc,
                                                 NULL),
                     PARLEY_ESYNTAX);
    assert_null(sc);
    /* a file that is not there */
    parley_diags_clear(d);
    assert_int_equal(parley_scenario_read_file("/nonexistent/x.json", &sc, d),
                     PARLEY_EIO);
    assert_null(sc);
    assert_string_equal(parley_diags_get(d, 0)->file, "/nonexistent/x.json");
    /* a directory */
    assert_int_equal(parley_scenario_read_file(PARLEY_SOURCE_DIR, &sc, d),
                     PARLEY_EIO);
    parley_diags_free(d);
}

/* ---- checks on a scenario built in memory (as importers do) ----------- */

static parley_scenario_t *built(void)
{
    parley_scenario_t *sc = must_read(
        "{\"version\":1,\"name\":\"t\",\"issues\":[" ISSUE_A ","
        "{\"id\":\"n\",\"kind\":\"integer\",\"min\":0,\"max\":10}],"
        "\"clusters\":[{\"id\":\"c\",\"issues\":[\"n\"]}],"
        "\"parties\":[{\"id\":\"p\",\"power\":1,\"utility\":{"
        "\"a\":{\"weight\":0.5,\"table\":{\"x\":0,\"y\":1}},"
        "\"n\":{\"weight\":0.5,\"ideal\":{\"at\":3}}},"
        "\"red_lines\":[{\"issue\":\"a\",\"op\":\"==\",\"value\":\"y\"}]}]}");
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_scenario_check(sc, "mem", d), PARLEY_OK);
    assert_int_equal(parley_diags_count(d), 0);
    parley_diags_free(d);
    return sc;
}

static void expect_check_error(parley_scenario_t *sc, parley_status_t code,
                         const char *path)
{
    parley_diags_t *d = parley_diags_new();
    assert_int_not_equal(parley_scenario_check(sc, "mem.xml", d), PARLEY_OK);
    const parley_diag_t *x = find_diag(d, code, path);
    if (!x)
        parley_diags_print(d, stderr);
    assert_non_null(x);
    assert_string_equal(x->file, "mem.xml");
    assert_int_equal(x->line, 0);
    assert_int_equal(x->column, 0);
    parley_diags_free(d);
    /* and the writer refuses what does not check */
    char *s = (char *)1;
    assert_int_equal(parley_scenario_to_string(sc, &s), PARLEY_EINVALID);
    assert_null(s);
    parley_scenario_free(sc);
}

static void test_check_struct(void **state)
{
    (void)state;
    parley_scenario_t *sc = built();
    sc->parties[0].weights[1] = NAN;
    expect_check_error(sc, PARLEY_ERANGE, "$.parties[0].utility.n.weight");

    sc = built();
    sc->parties[0].values[1].ideal = INFINITY;
    expect_check_error(sc, PARLEY_EINVALID, "$.parties[0].utility.n.ideal.at");

    sc = built();
    sc->parties[0].red_lines[0].options[0] = 7;
    expect_check_error(sc, PARLEY_EINVALID, "$.parties[0].red_lines[0].value");

    sc = built();
    sc->parties[0].red_lines[0].issue = 9;
    expect_check_error(sc, PARLEY_EINVALID, "$.parties[0].red_lines[0].issue");

    sc = built();
    sc->issues[1].cluster = -1; /* the cluster says otherwise */
    expect_check_error(sc, PARLEY_EINVALID, "$.issues[1]");

    sc = built();
    sc->issues[1].n_options = 5; /* min 0, max 10 give 11 */
    expect_check_error(sc, PARLEY_EINVALID, "$.issues[1]");

    sc = built();
    sc->issues[1].resolution = 0.5;
    expect_check_error(sc, PARLEY_EINVALID, "$.issues[1].resolution");

    sc = built();
    parley_free(sc->issues[0].name);
    sc->issues[0].name = parley_strdup("bad \xC0\xAF utf-8");
    expect_check_error(sc, PARLEY_EINVALID, "$.issues[0].name");

    sc = built();
    parley_free(sc->name);
    sc->name = NULL;
    expect_check_error(sc, PARLEY_EMISSING, "$.name");

    sc = built();
    sc->parties[0].values[0].kind = PARLEY_VALUE_LINEAR;
    expect_check_error(sc, PARLEY_EINVALID, "$.parties[0].utility.a.linear");

    sc = built();
    sc->parties[0].values[0].kind = PARLEY_VALUE_NONE;
    expect_check_error(sc, PARLEY_EMISSING, "$.parties[0].utility.a");

    sc = built();
    sc->parties[0].values[1].loss = (parley_loss_t)7;
    expect_check_error(sc, PARLEY_EINVALID, "$.parties[0].utility.n.ideal.loss");

    sc = built();
    sc->version = 2;
    expect_check_error(sc, PARLEY_EVERSION, "$.version");

    sc = built();
    sc->parties[0].role = PARLEY_ROLE_MONITOR;
    expect_check_error(sc, PARLEY_EINVALID, "$.parties");

    assert_int_equal(parley_scenario_check(NULL, "x", NULL), PARLEY_EARG);
}

/* ---- the locator and paths -------------------------------------------- */

static void test_paths_and_locator(void **state)
{
    (void)state;
    parley__path_t p;
    parley__path_init(&p);
    size_t l0 = parley__path_key(&p, "parties");
    parley__path_index(&p, 2);
    size_t l2 = parley__path_key(&p, "dry season");
    parley__path_key(&p, "it's\\\n");
    assert_string_equal(p.buf, "$.parties[2]['dry season']['it\\'s\\\\\\u000a']");
    parley__path_pop(&p, l2);
    assert_string_equal(p.buf, "$.parties[2]");
    parley__path_pop(&p, l0);
    assert_string_equal(p.buf, "$");

    assert_true(parley__path_under("$.a[1].b", "$.a"));
    assert_true(parley__path_under("$.a", "$.a"));
    assert_false(parley__path_under("$.ab", "$.a"));
    assert_false(parley__path_under("$.a", "$.a[1]"));

    /* keys written with escapes, strings holding brackets and quotes */
    const char *text = "{\"s\": \"]}[{\\\"\", \"d\\u0061m\": [1, {\"k\": 2},\n"
                       "  [3, \"x\"]], \"dry season\": {\"it's\\\\\\n\": 5},"
                       " \"\\u00e9t\\u00e9\": 6}";
    size_t n = strlen(text), off;
    assert_int_equal(parley__json_locate(text, n, "$.dam[1].k", 0, &off), 1);
    assert_int_equal(text[off], '2');
    assert_int_equal(parley__json_locate(text, n, "$.dam[2][1]", 0, &off), 1);
    assert_int_equal(text[off], '"');
    unsigned line, col;
    parley__text_linecol(text, n, off, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 7);
    assert_int_equal(parley__json_locate(text, n,
                                         "$['dry season']['it\\'s\\\\\\u000a']",
                                         0, &off),
                     1);
    assert_int_equal(text[off], '5');
    assert_int_equal(parley__json_locate(text, n, "$['\xc3\xa9t\xc3\xa9']", 1,
                                         &off),
                     1);
    assert_int_equal(text[off], '"'); /* at the key */
    assert_int_equal(text[off + 1], '\\');
    /* a missing member: the deepest value found */
    assert_int_equal(parley__json_locate(text, n, "$.dam[1].zz", 0, &off), 0);
    assert_int_equal(text[off], '{');
    assert_int_equal(parley__json_locate(text, n, "$.dam[7]", 0, &off), 0);
    assert_int_equal(text[off], '[');
    assert_int_equal(parley__json_locate(text, n, "junk", 0, &off), 0);
    assert_int_equal(off, 0);
    /* never reads past the end of a truncated text */
    for (size_t cut = 0; cut < n; cut++)
        parley__json_locate(text, cut, "$['dry season']['it\\'s\\\\\\u000a']",
                            0, &off);

    /* stray bytes (a NUL after a number) neither stop nor trap the scan */
    const char stray[] = "{\"a\": [1\0, {\"c\": 2\0}], \"b\": 3}";
    assert_int_equal(parley__json_locate(stray, sizeof stray - 1, "$.b", 0,
                                         &off),
                     1);
    assert_int_equal(stray[off], '3');

    /* columns count characters, not bytes */
    parley__text_linecol("\xc3\xa9\xc3\xa9x\ny", 7, 4, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 3);
    parley__text_linecol("ab\ncd", 5, 4, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 2);
}

/* ---- numbers ---------------------------------------------------------- */

static double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* Significant digits of a decimal string, without sign, point, exponent,
 * leading or trailing zeros. */
static void sig_digits(const char *s, char *out)
{
    size_t n = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++)
        if (*s >= '0' && *s <= '9' && (n || *s != '0'))
            out[n++] = *s;
    while (n > 1 && out[n - 1] == '0')
        n--;
    out[n] = '\0';
}

static void test_shortest_numbers(void **state)
{
    (void)state;
    static const struct {
        double x;
        const char *s;
    } exact[] = {
        {0.1, "0.1"},        {100, "100"},           {-2.5, "-2.5"},
        {0, "0"},            {-0.0, "-0"},           {1e21, "1e+21"},
        {1e20, "100000000000000000000"},             {1e-7, "1e-7"},
        {1e-6, "0.000001"},  {0.30000000000000004, "0.30000000000000004"},
        {5e-324, "5e-324"},  {1.7976931348623157e308, "1.7976931348623157e+308"},
        {123456.789, "123456.789"},                  {-1.5e-300, "-1.5e-300"},
    };
    char buf[40];
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        assert_true(parley__format_double(exact[i].x, buf, sizeof buf) > 0);
        assert_string_equal(buf, exact[i].s);
    }
    assert_int_equal(parley__format_double(NAN, buf, sizeof buf), -1);
    assert_int_equal(parley__format_double(INFINITY, buf, sizeof buf), -1);
    assert_int_equal(parley__format_double(0.1, buf, 3), -1);

    /* Python's repr() is the shortest round-trip string; same digits. */
    static const struct {
        uint64_t bits;
        const char *repr;
    } golden[] = {
#include "scenario_golden_numbers.inc"
    };
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        double x = from_bits(golden[i].bits);
        char a[32], b[32];
        assert_true(parley__format_double(x, buf, sizeof buf) > 0);
        assert_true(strtod(buf, NULL) == x);
        sig_digits(buf, a);
        sig_digits(golden[i].repr, b);
        if (strcmp(a, b))
            fprintf(stderr, "%s vs python %s\n", buf, golden[i].repr);
        assert_string_equal(a, b);
    }

    /* Random bit patterns: every finite double reads back exactly, and no
     * shorter precision would have. */
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 10000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double x = from_bits(s);
        if (!isfinite(x))
            continue;
        assert_true(parley__format_double(x, buf, sizeof buf) > 0);
        assert_true(strtod(buf, NULL) == x);
        char d[32];
        sig_digits(buf, d);
        size_t nd = strlen(d);
        if (nd > 1) {
            char shorter[48];
            snprintf(shorter, sizeof shorter, "%.*e", (int)nd - 2, x);
            assert_true(strtod(shorter, NULL) != x);
        }
    }
}

/* ---- writing and round trips ------------------------------------------ */

/* read(write(sc)) == sc, and writing that again gives the same text. */
static void assert_round_trip(const parley_scenario_t *sc)
{
    char *text = NULL;
    assert_int_equal(parley_scenario_to_string(sc, &text), PARLEY_OK);
    assert_non_null(text);
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *back = NULL;
    parley_status_t st =
        parley_scenario_read_string(text, strlen(text), "written", &back, d);
    if (st != PARLEY_OK) {
        parley_diags_print(d, stderr);
        fprintf(stderr, "%s\n", text);
    }
    assert_int_equal(st, PARLEY_OK);
    assert_int_equal(parley_diags_errors(d), 0);
    assert_true(parley_scenario_equal(sc, back));
    assert_true(parley_scenario_equal(back, sc));
    char *again = NULL;
    assert_int_equal(parley_scenario_to_string(back, &again), PARLEY_OK);
    assert_string_equal(text, again);
    parley_free(again);
    parley_free(text);
    parley_scenario_free(back);
    parley_diags_free(d);
}

static void test_examples_round_trip(void **state)
{
    (void)state;
    static const char *const files[] = {EXAMPLE("river-basin.json"),
                                        EXAMPLE("two-party.json")};
    for (size_t f = 0; f < 2; f++) {
        parley_diags_t *d = parley_diags_new();
        parley_scenario_t *sc = NULL;
        parley_status_t st = parley_scenario_read_file(files[f], &sc, d);
        parley_diags_print(d, stderr);
        assert_int_equal(st, PARLEY_OK);
        assert_int_equal(parley_diags_count(d), 0); /* not even warnings */
        assert_round_trip(sc);
        parley_scenario_free(sc);
        parley_diags_free(d);
    }
}

static void test_river_basin_shape(void **state)
{
    (void)state;
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(
        parley_scenario_read_file(EXAMPLE("river-basin.json"), &sc, d),
        PARLEY_OK);
    /* 4 * 4 * 3 options of trust, 9 flows, 10 filling periods, 9 prices,
     * 4 settlement procedures */
    double count = parley_scenario_package_count(sc);
    assert_true(count == 4.0 * 4 * 3 * 9 * 10 * 9 * 4);
    assert_true(count >= 1e4 && count <= 1e6);
    size_t voting = 0, kinds[5] = {0}, issue_kinds[3] = {0};
    int guarantor = 0, monitor = 0;
    for (size_t k = 0; k < sc->n_issues; k++)
        issue_kinds[sc->issues[k].kind]++;
    for (size_t i = 0; i < sc->n_parties; i++) {
        const parley_party_t *p = &sc->parties[i];
        voting += p->role == PARLEY_ROLE_PARTY;
        guarantor |= p->role == PARLEY_ROLE_GUARANTOR;
        monitor |= p->role == PARLEY_ROLE_MONITOR;
        for (size_t k = 0; k < sc->n_issues; k++)
            kinds[p->values[k].kind]++;
    }
    assert_int_equal(voting, 5);
    assert_true(guarantor && monitor);
    for (int t = 0; t < 3; t++)
        assert_true(issue_kinds[t] > 0);
    for (int v = PARLEY_VALUE_TABLE; v <= PARLEY_VALUE_IDEAL; v++)
        assert_true(kinds[v] > 0);
    assert_true(sc->n_clusters >= 3);
    /* the upstream state has the best outside option, the delta the worst */
    assert_true(sc->parties[0].power > 3 * sc->parties[3].power);
    assert_true(sc->parties[0].reservation > sc->parties[3].reservation);
    assert_true(sc->parties[0].reservation > sc->parties[4].reservation);
    parley_scenario_free(sc);
    parley_diags_free(d);
}

/* Whether option j of issue k keeps red line rl (tests' own reading of
 * the red-line semantics of scenario.h). */
static int keeps(const parley_scenario_t *sc, const parley_red_line_t *rl,
                 size_t j)
{
    const parley_issue_t *is = &sc->issues[rl->issue];
    if (is->kind == PARLEY_ISSUE_DISCRETE) {
        int listed = 0;
        for (size_t m = 0; m < rl->n_options; m++)
            listed |= rl->options[m] == j;
        return rl->op == PARLEY_CMP_EQ || rl->op == PARLEY_CMP_IN ? listed
                                                                  : !listed;
    }
    double x = parley_issue_option_number(is, j);
    switch (rl->op) {
    case PARLEY_CMP_EQ: return x == rl->value;
    case PARLEY_CMP_NE: return x != rl->value;
    case PARLEY_CMP_LT: return x < rl->value;
    case PARLEY_CMP_LE: return x <= rl->value;
    case PARLEY_CMP_GT: return x > rl->value;
    case PARLEY_CMP_GE: return x >= rl->value;
    default: return 0;
    }
}

/*
 * Every package of an example, the slow obvious way: how many red lines
 * allow, how many are feasible (red lines kept and u_i >= r_i for every
 * voting party), and the largest utility sum among those.  The expected
 * figures were computed independently (a separate script evaluating the
 * JSON by the formulas of docs/scenario-format.md).
 */
static void enumerate_example(const char *file, double n_allowed,
                              double n_feasible, double max_sum)
{
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_scenario_read_file(file, &sc, d), PARLEY_OK);
    uint32_t pkg[PARLEY_MAX_ISSUES] = {0};
    double allowed = 0, feasible = 0, best = -1;
    do {
        int ok = 1;
        for (size_t i = 0; ok && i < sc->n_parties; i++)
            for (size_t r = 0; ok && r < sc->parties[i].n_red_lines; r++) {
                const parley_red_line_t *rl = &sc->parties[i].red_lines[r];
                if (sc->parties[i].role == PARLEY_ROLE_PARTY)
                    ok = keeps(sc, rl, pkg[rl->issue]);
            }
        if (ok) {
            allowed++;
            double sum = 0;
            for (size_t i = 0; ok && i < sc->n_parties; i++) {
                const parley_party_t *p = &sc->parties[i];
                if (p->role != PARLEY_ROLE_PARTY)
                    continue;
                double u = package_utility(sc, p, pkg);
                ok = u >= p->reservation;
                sum += u;
            }
            if (ok) {
                feasible++;
                if (sum > best)
                    best = sum;
            }
        }
    } while (package_next(sc, pkg));
    assert_true(allowed == n_allowed);
    assert_true(feasible == n_feasible);
    assert_true(fabs(best - max_sum) < 1e-9);
    parley_scenario_free(sc);
    parley_diags_free(d);
}

static void test_examples_feasible(void **state)
{
    (void)state;
    enumerate_example(EXAMPLE("river-basin.json"), 15876, 7266, 3.643583333333);
    enumerate_example(EXAMPLE("two-party.json"), 24, 18, 1.334444444444);
}

static void test_writer_format(void **state)
{
    (void)state;
    parley_scenario_t *sc = must_read(
        "{\"name\":\"q\\\"uote \\\\ tab\\t nl\\n \\u0001 \xc3\xa9\xe6\x97\xa5 "
        "\xf0\x9f\x98\x80\",\"version\":1,\"issues\":[{\"kind\":\"discrete\","
        "\"options\":[\"a b\",\"c\"],\"id\":\"i d\"}],\"parties\":[{\"utility\":"
        "{\"i d\":{\"table\":{\"c\":0.1,\"a b\":0.30000000000000004},"
        "\"weight\":1}},\"power\":2e0,\"id\":\"p\"}]}");
    char *text = NULL;
    assert_int_equal(parley_scenario_to_string(sc, &text), PARLEY_OK);
    const char *want =
        "{\n"
        "  \"version\": 1,\n"
        "  \"name\": \"q\\\"uote \\\\ tab\\t nl\\n \\u0001 \xc3\xa9\xe6\x97\xa5 "
        "\xf0\x9f\x98\x80\",\n"
        "  \"issues\": [\n"
        "    {\n"
        "      \"id\": \"i d\",\n"
        "      \"kind\": \"discrete\",\n"
        "      \"options\": [\"a b\", \"c\"]\n"
        "    }\n"
        "  ],\n"
        "  \"parties\": [\n"
        "    {\n"
        "      \"id\": \"p\",\n"
        "      \"role\": \"party\",\n"
        "      \"power\": 2,\n"
        "      \"reservation\": 0,\n"
        "      \"utility\": {\n"
        "        \"i d\": {\"weight\": 1, \"table\": {\"a b\": 0.30000000000000004, "
        "\"c\": 0.1}}\n"
        "      }\n"
        "    }\n"
        "  ]\n"
        "}\n";
    assert_string_equal(text, want);
    parley_free(text);
    /* FILE output is the same text */
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(parley_scenario_write(sc, f), PARLEY_OK);
    rewind(f);
    char got[2048];
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = '\0';
    fclose(f);
    assert_string_equal(got, want);
    assert_int_equal(parley_scenario_write(sc, NULL), PARLEY_EARG);
    assert_int_equal(parley_scenario_to_string(NULL, &text), PARLEY_EARG);
    parley_scenario_free(sc);
}

/* A long table is broken over lines instead of one 100+ column line. */
static void test_writer_wraps(void **state)
{
    (void)state;
    char t[4096];
    size_t n = (size_t)snprintf(t, sizeof t, "{\"version\":1,\"name\":\"w\","
                                             "\"issues\":[{\"id\":\"a\",\"kind\":"
                                             "\"discrete\",\"options\":[");
    for (int j = 0; j < 30; j++)
        n += (size_t)snprintf(t + n, sizeof t - n, "%s\"option_%d\"",
                              j ? "," : "", j);
    n += (size_t)snprintf(t + n, sizeof t - n, "]}],\"parties\":[{\"id\":\"p\","
                                               "\"power\":1,\"utility\":{\"a\":{"
                                               "\"weight\":1,\"table\":{");
    for (int j = 0; j < 30; j++)
        n += (size_t)snprintf(t + n, sizeof t - n, "%s\"option_%d\":%g",
                              j ? "," : "", j, j / 29.0);
    snprintf(t + n, sizeof t - n, "}}}}]}");
    parley_scenario_t *sc = must_read(t);
    char *text = NULL;
    assert_int_equal(parley_scenario_to_string(sc, &text), PARLEY_OK);
    size_t col = 0, widest = 0;
    for (const char *c = text; *c; c++) {
        col = *c == '\n' ? 0 : col + 1;
        if (col > widest)
            widest = col;
    }
    assert_true(widest <= 100);
    assert_non_null(strstr(text, "\n        \"option_0\",\n"));
    parley_free(text);
    assert_round_trip(sc);
    parley_scenario_free(sc);
}

/*
 * The JSON blocks of docs/scenario-format.md: the first must read, the
 * second must give exactly the diagnostics printed below it in the page.
 */
static void test_docs_examples(void **state)
{
    (void)state;
    char *doc = slurp(PARLEY_SOURCE_DIR "/docs/scenario-format.md", NULL);
    char *blocks[2] = {NULL, NULL};
    /* the first block of the page, and the one after "This file has" */
    char *from[2] = {doc, strstr(doc, "This file has five")};
    char *at = NULL;
    assert_non_null(from[1]);
    for (int b = 0; b < 2; b++) {
        char *start = strstr(from[b], "```json\n");
        assert_non_null(start);
        start += 8;
        char *end = strstr(start, "```");
        assert_non_null(end);
        blocks[b] = strndup(start, (size_t)(end - start));
        at = end + 3;
    }
    parley_scenario_free(must_read(blocks[0]));

    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_not_equal(parley_scenario_read_string(blocks[1],
                                                     strlen(blocks[1]),
                                                     "river.json", &sc, d),
                         PARLEY_OK);
    assert_int_equal(parley_diags_count(d), 5);
    for (size_t i = 0; i < parley_diags_count(d); i++) {
        char line[1300] = "    ";
        parley_diag_format(parley_diags_get(d, i), line + 4, sizeof line - 5);
        strcat(line, "\n");
        if (!strstr(at, line))
            fprintf(stderr, "not in the page: %s", line);
        assert_non_null(strstr(at, line));
    }
    parley_diags_free(d);
    free(blocks[0]);
    free(blocks[1]);
    free(doc);
}

/* ---- random scenarios ------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t next(rng_t *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static size_t below(rng_t *r, size_t n)
{
    return (size_t)(next(r) % n);
}

/* Uniform in [0, 1) with all 53 bits: numbers that need 17 digits. */
static double unit(rng_t *r)
{
    return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Any finite number over many magnitudes, sometimes a short one. */
static double wild(rng_t *r)
{
    switch (below(r, 4)) {
    case 0:
        return (double)below(r, 200) / 8 - 10;
    case 1:
        return unit(r);
    case 2:
        return -0.0;
    default:
        return (unit(r) - 0.5) * pow(10, (double)below(r, 600) - 300);
    }
}

static const char *const names[] = {
    "a",        "b c",          "it's",          "quote\"d",
    "back\\",   "tab\there",    "new\nline",     "\xc3\xbcn\xc3\xaf",
    "\xe6\x97\xa5\xe6\x9c\xac", ("\x01" "ctl"),    "emoji \xf0\x9f\x98\x80",
    "x.y[0]",   "$",            "'",             "/slash/",
    "d\\u0061m"};
#define N_NAMES (sizeof names / sizeof names[0])

static char *pick_name(rng_t *r)
{
    return parley_strdup(names[below(r, N_NAMES)]);
}

static char *maybe_name(rng_t *r)
{
    return below(r, 3) ? pick_name(r) : NULL;
}

/* n distinct ids from the name list plus a counter. */
static char *make_id(rng_t *r, size_t i)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s%zu", names[below(r, N_NAMES)], i);
    return parley_strdup(buf);
}

static void random_value_fn(rng_t *r, const parley_issue_t *is,
                            parley_value_fn_t *fn)
{
    if (is->kind == PARLEY_ISSUE_DISCRETE) {
        fn->kind = PARLEY_VALUE_TABLE;
        fn->n_table = is->n_options;
        fn->table = parley_calloc(is->n_options, sizeof *fn->table);
        for (size_t j = 0; j < is->n_options; j++)
            fn->table[j] = below(r, 4) ? unit(r) : (double)below(r, 2);
        return;
    }
    switch (below(r, 3)) {
    case 0:
        fn->kind = PARLEY_VALUE_LINEAR;
        fn->offset = wild(r);
        fn->slope = wild(r);
        fn->origin = below(r, 2) ? is->min : wild(r);
        break;
    case 1: {
        fn->kind = PARLEY_VALUE_PIECEWISE;
        fn->n_points = 1 + below(r, 5);
        fn->xs = parley_calloc(fn->n_points, sizeof *fn->xs);
        fn->ys = parley_calloc(fn->n_points, sizeof *fn->ys);
        double x = is->min - unit(r) * 10;
        for (size_t p = 0; p < fn->n_points; p++) {
            x += 0.001 + unit(r) * (is->max - is->min + 1) / 2;
            fn->xs[p] = x;
            fn->ys[p] = unit(r);
        }
        break;
    }
    default:
        fn->kind = PARLEY_VALUE_IDEAL;
        fn->ideal = is->min + unit(r) * (is->max - is->min);
        fn->scale = 0.5 + unit(r) * 100;
        fn->loss = below(r, 2) ? PARLEY_LOSS_QUADRATIC : PARLEY_LOSS_LINEAR;
        break;
    }
}

static parley_scenario_t *random_scenario(uint64_t seed)
{
    rng_t r = {seed * 0x9E3779B97F4A7C15ULL + 1};
    parley_scenario_t *sc = parley_scenario_new();
    sc->name = pick_name(&r);
    sc->description = maybe_name(&r);
    sc->source = maybe_name(&r);
    sc->n_issues = 1 + below(&r, 6);
    sc->issues = parley_calloc(sc->n_issues, sizeof *sc->issues);
    for (size_t k = 0; k < sc->n_issues; k++) {
        parley_issue_t *is = &sc->issues[k];
        is->id = make_id(&r, k);
        is->name = maybe_name(&r);
        is->cluster = -1;
        is->kind = (parley_issue_kind_t)below(&r, 3);
        if (is->kind == PARLEY_ISSUE_DISCRETE) {
            is->n_options = 1 + below(&r, 5);
            is->options = parley_calloc(is->n_options, sizeof *is->options);
            for (size_t j = 0; j < is->n_options; j++)
                is->options[j] = make_id(&r, j);
        } else if (is->kind == PARLEY_ISSUE_INTEGER) {
            is->unit = maybe_name(&r);
            is->min = (double)below(&r, 100) - 50;
            is->max = is->min + (double)below(&r, 30);
            is->resolution = 1;
        } else {
            static const double res[] = {0.1, 0.25, 1.0 / 3, 0.5, 2.5, 7};
            is->unit = maybe_name(&r);
            is->min = (unit(&r) - 0.5) * 200;
            is->resolution = below(&r, 4) ? res[below(&r, 6)] : 0.01 + unit(&r);
            is->max = is->min + is->resolution * (double)below(&r, 20) +
                      (below(&r, 3) ? 0 : unit(&r) * is->resolution);
        }
        if (is->kind != PARLEY_ISSUE_DISCRETE)
            is->n_options =
                parley_issue_grid_size(is->min, is->max, is->resolution);
    }
    /* clusters: a random partition of some issues */
    size_t n_cl = below(&r, sc->n_issues + 1);
    if (n_cl) {
        sc->clusters = parley_calloc(n_cl, sizeof *sc->clusters);
        for (size_t q = 0; q < n_cl; q++) {
            sc->clusters[q].id = make_id(&r, q);
            sc->clusters[q].name = maybe_name(&r);
            sc->clusters[q].description = maybe_name(&r);
            sc->clusters[q].issues =
                parley_calloc(sc->n_issues, sizeof(size_t));
        }
        for (size_t k = 0; k < sc->n_issues; k++) {
            size_t q = below(&r, n_cl + 1);
            if (q == n_cl)
                continue;
            parley_cluster_t *cl = &sc->clusters[q];
            cl->issues[cl->n_issues++] = k;
            sc->issues[k].cluster = (long)q;
        }
        /* drop empty clusters, renumbering the rest */
        size_t kept = 0;
        for (size_t q = 0; q < n_cl; q++) {
            parley_cluster_t *cl = &sc->clusters[q];
            if (cl->n_issues == 0) {
                parley_free(cl->id);
                parley_free(cl->name);
                parley_free(cl->description);
                parley_free(cl->issues);
                continue;
            }
            for (size_t m = 0; m < cl->n_issues; m++)
                sc->issues[cl->issues[m]].cluster = (long)kept;
            sc->clusters[kept++] = *cl;
        }
        sc->n_clusters = kept;
    }
    sc->n_parties = 1 + below(&r, 5);
    sc->parties = parley_calloc(sc->n_parties, sizeof *sc->parties);
    for (size_t i = 0; i < sc->n_parties; i++) {
        parley_party_t *p = &sc->parties[i];
        p->id = make_id(&r, i);
        p->name = maybe_name(&r);
        p->role = i == 0 ? PARLEY_ROLE_PARTY : (parley_role_t)below(&r, 4);
        int voting = p->role == PARLEY_ROLE_PARTY;
        p->power = voting ? 0.01 + unit(&r) * 10
                          : (below(&r, 2) ? 0 : unit(&r));
        p->reservation = below(&r, 4) ? unit(&r) * 0.3 : 0;
        p->discount = below(&r, 2) ? 1 : 1 - unit(&r) * 0.9;
        if (!voting && below(&r, 2))
            goto red_lines; /* no utility at all */
        p->weights = parley_calloc(sc->n_issues, sizeof *p->weights);
        p->values = parley_calloc(sc->n_issues, sizeof *p->values);
        for (size_t k = 0; k < sc->n_issues; k++) {
            if (below(&r, 4) == 0)
                continue; /* weight 0, no function */
            p->weights[k] = below(&r, 5) ? unit(&r) : 0;
            random_value_fn(&r, &sc->issues[k], &p->values[k]);
        }
red_lines:
        p->n_red_lines = below(&r, 3);
        p->red_lines = p->n_red_lines
                           ? parley_calloc(p->n_red_lines, sizeof *p->red_lines)
                           : NULL;
        for (size_t q = 0; q < p->n_red_lines; q++) {
            parley_red_line_t *rl = &p->red_lines[q];
            rl->issue = below(&r, sc->n_issues);
            rl->note = maybe_name(&r);
            const parley_issue_t *is = &sc->issues[rl->issue];
            if (is->kind != PARLEY_ISSUE_DISCRETE) {
                rl->op = (parley_cmp_t)below(&r, 6);
                rl->value = wild(&r);
                continue;
            }
            static const parley_cmp_t ops[] = {PARLEY_CMP_EQ, PARLEY_CMP_NE,
                                               PARLEY_CMP_IN, PARLEY_CMP_NOT_IN};
            rl->op = ops[below(&r, 4)];
            size_t want = rl->op == PARLEY_CMP_EQ || rl->op == PARLEY_CMP_NE
                              ? 1
                              : 1 + below(&r, is->n_options);
            rl->options = parley_calloc(want, sizeof *rl->options);
            /* distinct options, in a shuffled order */
            size_t start = below(&r, is->n_options);
            for (size_t m = 0; m < want; m++)
                rl->options[rl->n_options++] = (start + m) % is->n_options;
        }
    }
    return sc;
}

static void test_random_round_trip(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 250; seed++) {
        parley_scenario_t *sc = random_scenario(seed);
        parley_diags_t *d = parley_diags_new();
        parley_status_t st = parley_scenario_check(sc, "random", d);
        if (st != PARLEY_OK) {
            fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
            parley_diags_print(d, stderr);
        }
        assert_int_equal(st, PARLEY_OK);
        assert_round_trip(sc);
        /* equality is not vacuous: any change is seen */
        parley_scenario_t *other = random_scenario(seed);
        assert_true(parley_scenario_equal(sc, other));
        other->parties[0].power = nextafter(other->parties[0].power, 100);
        assert_false(parley_scenario_equal(sc, other));
        parley_scenario_free(other);
        parley_scenario_free(sc);
        parley_diags_free(d);
    }
}

/* ---- allocation failure ----------------------------------------------- */

typedef struct read_run {
    const char *text;
    size_t len;
} read_run_t;

/*
 * Reads a text and writes it back, freeing both again: a failed read gives
 * no scenario, a clean one no errors, and a failed write no text.
 */
static parley_status_t read_and_write(void *ctx)
{
    const read_run_t *r = ctx;
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = (parley_scenario_t *)1;
    parley_status_t st =
        parley_scenario_read_string(r->text, r->len, "alloc.json", &sc, d);
    if (st != PARLEY_OK)
        assert_null(sc); /* never a partial result */
    else
        assert_true(parley_diags_errors(d) == 0);
    if (st == PARLEY_OK) {
        char *out = (char *)1;
        st = parley_scenario_to_string(sc, &out);
        if (st != PARLEY_OK)
            assert_null(out);
        parley_free(out);
    }
    parley_scenario_free(sc);
    parley_diags_free(d);
    return st;
}

/*
 * Reads `text` failing the n-th allocation (and with keep_failing every one
 * after it), for n = 1, 2, ... until the read succeeds: each failed read
 * must end in ENOMEM or the status `expect` of the whole text, and leave
 * nothing allocated.  Returns the n at which a read first went through.
 */
static long fail_allocations(const char *text, size_t len,
                             parley_status_t expect, int keep_failing,
                             long dense, long stride)
{
    read_run_t run = {text, len};
    failing_alloc_opts_t o = {.keep_failing = keep_failing,
                              .expect = expect,
                              .may_absorb = 1,
                              .dense = dense,
                              .stride = stride};
    return failing_alloc_sweep(read_and_write, &run, &o).clean_at;
}

static long fail_each_allocation(const char *text, size_t len,
                                 parley_status_t expect, int keep_failing)
{
    return fail_allocations(text, len, expect, keep_failing, 0, 0);
}

static void test_allocation_failure(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp(EXAMPLE("two-party.json"), &len);
    long n1 = fail_each_allocation(text, len, PARLEY_OK, 0);
    long n2 = fail_each_allocation(text, len, PARLEY_OK, 1);
    assert_true(n1 > 50 && n2 > 50);
    free(text);
    /* Every feature of the format in a few lines, every allocation. */
    const char *all =
        "{\"version\":1,\"name\":\"all\",\"description\":\"d\",\"source\":\"s\","
        "\"issues\":[{\"id\":\"dam\",\"name\":\"Dam\",\"kind\":\"discrete\","
        "\"options\":[\"halt\",\"slow\",\"fast\"]},{\"id\":\"flow\",\"kind\":"
        "\"integer\",\"min\":0,\"max\":100,\"unit\":\"m3/s\"},{\"id\":\"price\","
        "\"kind\":\"real\",\"min\":20,\"max\":60,\"resolution\":0.5}],"
        "\"clusters\":[{\"id\":\"c\",\"name\":\"C\",\"description\":\"x\","
        "\"issues\":[\"dam\",\"flow\"]}],\"parties\":[{\"id\":\"u\",\"name\":"
        "\"U\",\"role\":\"party\",\"power\":5,\"reservation\":0.35,\"discount\":"
        "0.9,\"utility\":{\"dam\":{\"weight\":0.4,\"table\":{\"halt\":0,\"slow\":"
        "0.6,\"fast\":1}},\"flow\":{\"weight\":0.3,\"linear\":{\"offset\":1,"
        "\"slope\":-0.01}},\"price\":{\"weight\":0.3,\"piecewise\":[[20,0],[40,"
        "0.8],[60,1]]}},\"red_lines\":[{\"issue\":\"dam\",\"op\":\"!=\",\"value\":"
        "\"halt\",\"note\":\"why\"},{\"issue\":\"dam\",\"op\":\"in\",\"value\":"
        "[\"slow\",\"fast\"]},{\"issue\":\"flow\",\"op\":\">=\",\"value\":40}]},"
        "{\"id\":\"v\",\"power\":1,\"utility\":{\"price\":{\"weight\":1,"
        "\"ideal\":{\"at\":50,\"scale\":30,\"loss\":\"quadratic\"}}}},{\"id\":"
        "\"bank\",\"role\":\"guarantor\",\"utility\":{\"dam\":{\"weight\":1,"
        "\"table\":{\"halt\":0,\"slow\":1,\"fast\":1}}}},{\"id\":\"m\",\"role\":"
        "\"monitor\"}]}";
    fail_each_allocation(all, strlen(all), PARLEY_OK, 0);
    fail_each_allocation(all, strlen(all), PARLEY_OK, 1);
    /* The large example takes some 2800 allocations: every one of the
     * first 300, then every 23rd, keeps the test quick under valgrind. */
    text = slurp(EXAMPLE("river-basin.json"), &len);
    assert_true(fail_allocations(text, len, PARLEY_OK, 0, 300, 23) > 1000);
    free(text);
    /* error paths too: a file full of faults */
    const char *bad =
        "{\"version\":1,\"nmae\":1,\"issues\":[{\"id\":\"a\",\"kind\":\"discrete\","
        "\"options\":[\"x\",\"x\"]},{\"id\":\"n\",\"kind\":\"integer\",\"min\":3,"
        "\"max\":1}],\"clusters\":[{\"id\":\"c\",\"issues\":[\"a\",\"zz\"]}],"
        "\"parties\":[{\"id\":\"p\",\"power\":-1,\"utility\":{\"a\":{\"weight\":1,"
        "\"table\":{\"x\":2}},\"zz\":{}},\"red_lines\":[{\"issue\":\"a\",\"op\":"
        "\"<\",\"value\":1}]}]}";
    /* the first fault in the text: no name (reported at the top) */
    fail_each_allocation(bad, strlen(bad), PARLEY_EMISSING, 0);
    fail_each_allocation(bad, strlen(bad), PARLEY_EMISSING, 1);
    fail_each_allocation("{\"a\": NaN}", 10, PARLEY_ESYNTAX, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_valid),
        cmocka_unit_test(test_value_functions),
        cmocka_unit_test(test_single_point_piecewise),
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_extreme_values),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_issue_errors),
        cmocka_unit_test(test_cluster_errors),
        cmocka_unit_test(test_party_errors),
        cmocka_unit_test(test_utility_errors),
        cmocka_unit_test(test_red_line_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_collects_all_errors),
        cmocka_unit_test(test_input_edges),
        cmocka_unit_test(test_check_struct),
        cmocka_unit_test(test_paths_and_locator),
        cmocka_unit_test(test_shortest_numbers),
        cmocka_unit_test(test_examples_round_trip),
        cmocka_unit_test(test_river_basin_shape),
        cmocka_unit_test(test_examples_feasible),
        cmocka_unit_test(test_writer_format),
        cmocka_unit_test(test_writer_wraps),
        cmocka_unit_test(test_docs_examples),
        cmocka_unit_test(test_random_round_trip),
        cmocka_unit_test_teardown(test_allocation_failure,
                                  failing_alloc_teardown),
    };
    /* PARLEY_TEST_FILTER=test_grid runs one test (a glob pattern). */
    if (getenv("PARLEY_TEST_FILTER"))
        cmocka_set_test_filter(getenv("PARLEY_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
