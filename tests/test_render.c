/*
 * test_render.c - the frontier picture is well-formed SVG (parsed back with
 * libxml2) that names every party and every solution found, in each of its
 * three layouts, with hostile text escaped and large frontiers thinned.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
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
#include "parley/render.h"
#include "support/analyzed.h"
#include "support/random_scenario.h"
#include "support/table_scenario.h"

typedef struct picture {
    xmlDocPtr doc;
    char *text; /* every text node, concatenated */
    char *svg;  /* the raw output */
    size_t circles;
} picture_t;

static size_t count_elements(xmlNodePtr node, const char *name)
{
    size_t n = 0;
    for (xmlNodePtr c = node; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE &&
            xmlStrcmp(c->name, (const xmlChar *)name) == 0)
            n++;
        n += count_elements(c->children, name);
    }
    return n;
}

/* Renders, parses and checks the envelope every picture must have. */
static void render(const parley_analysis_t *a, const parley_model_t *m,
                   const parley_scenario_t *sc, picture_t *pic)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(parley_render_frontier_svg(a, m, sc, f), PARLEY_OK);
    fclose(f);
    pic->svg = buf;
    pic->doc = xmlReadMemory(buf, (int)len, "frontier.svg", NULL,
                             XML_PARSE_NONET | XML_PARSE_NOERROR |
                                 XML_PARSE_NOWARNING);
    if (!pic->doc) {
        print_error("not well-formed XML:\n%s\n", buf);
        fail();
    }
    xmlNodePtr root = xmlDocGetRootElement(pic->doc);
    assert_non_null(root);
    assert_string_equal((const char *)root->name, "svg");
    assert_non_null(root->ns);
    assert_string_equal((const char *)root->ns->href,
                        "http://www.w3.org/2000/svg");
    xmlChar *version = xmlGetProp(root, (const xmlChar *)"version");
    assert_string_equal((const char *)version, "1.1");
    xmlFree(version);
    xmlChar *text = xmlNodeGetContent(root);
    pic->text = strdup((const char *)text);
    xmlFree(text);
    pic->circles = count_elements(root->children, "circle");
}

static void release(picture_t *pic)
{
    xmlFreeDoc(pic->doc);
    free(pic->text);
    free(pic->svg);
}

static void expect_solutions_named(const parley_analysis_t *a,
                                   const picture_t *pic)
{
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        assert_non_null(strstr(pic->text,
                               parley_concept_name((parley_concept_t)c)));
        (void)a;
    }
}

static void test_two_parties(void **state)
{
    (void)state;
    static const size_t n_options[] = {4};
    static const double values[] = {1, 0.75, 0.5, 0, 0, 0.5, 0.75, 1};
    static const char *const ids[] = {"north", "south"};
    static const char *const names[] = {"North & Co", "<South>"};
    table_scenario_spec_t spec = {.name = "river \"A\" & <B>",
                                  .n_parties = 2,
                                  .party_ids = ids,
                                  .party_names = names,
                                  .n_issues = 1,
                                  .n_options = n_options,
                                  .values = values};
    analyzed_t x;
    analyzed_init(&x, table_scenario(&spec), PARLEY_OK);
    picture_t pic;
    render(x.a, x.m, x.sc, &pic);
    /* names come through escaped and read back intact */
    assert_non_null(strstr(pic.text, "river \"A\" & <B>"));
    assert_non_null(strstr(pic.text, "utility of North & Co"));
    assert_non_null(strstr(pic.text, "utility of <South>"));
    assert_non_null(strstr(pic.text, "reservations"));
    expect_solutions_named(x.a, &pic);
    /* 4 frontier points, a legend mark per concept, rings on solutions */
    assert_true(pic.circles >= 4 + 1 + PARLEY_CONCEPT_COUNT * 2);
    assert_non_null(strstr(pic.svg, "<path fill=\"none\""));
    release(&pic);
    analyzed_clear(&x);
}

static void test_panels(void **state)
{
    (void)state;
    analyzed_t x;
    analyzed_init(&x, table_scenario_worked_example(), PARLEY_OK);
    picture_t pic;
    render(x.a, x.m, x.sc, &pic);
    for (size_t i = 0; i < x.sc->n_parties; i++)
        assert_non_null(strstr(pic.text, x.sc->parties[i].name));
    expect_solutions_named(x.a, &pic);
    /* three pairs of parties: three planes of 5 points each */
    xmlNodePtr root = xmlDocGetRootElement(pic.doc);
    assert_true(count_elements(root->children, "rect") >= 1 + 3);
    assert_true(pic.circles >= 3 * 5);
    release(&pic);
    analyzed_clear(&x);
}

static void test_parallel_coordinates(void **state)
{
    (void)state;
    random_scenario_params_t p;
    random_scenario_params_default(&p);
    p.min_parties = p.max_parties = 7;
    p.red_line_rate = 0;
    p.reservation_rate = 0;
    p.max_packages = 500;
    analyzed_t x;
    analyzed_init(&x, random_scenario(42, &p), PARLEY_OK);
    assert_int_equal(parley_model_n_parties(x.m), 7);
    picture_t pic;
    render(x.a, x.m, x.sc, &pic);
    for (size_t i = 0; i < parley_model_n_parties(x.m); i++)
        assert_non_null(strstr(pic.text, parley_model_party_id(x.m, i)));
    expect_solutions_named(x.a, &pic);
    xmlNodePtr root = xmlDocGetRootElement(pic.doc);
    /* a line per vector, the reservations and each solution */
    assert_true(count_elements(root->children, "polyline") >=
                parley_analysis_frontier_size(x.a) + 1 + 1);
    release(&pic);
    analyzed_clear(&x);
}

/*
 * 6400 packages, all efficient and all distinct: p0 gets a_j + b_k, p1 the
 * rest.  The picture must thin to a few thousand marks and say so.
 */
static void test_large_frontier_is_thinned(void **state)
{
    (void)state;
    enum { N = 80 };
    static size_t n_options[] = {N, N};
    static double values[2 * 2 * N];
    for (size_t j = 0; j < N; j++) {
        double x = (double)j / (N - 1), y = (double)j / ((N - 1) * N);
        values[j] = x;                 /* p0, issue 0 */
        values[N + j] = y;             /* p0, issue 1 */
        values[2 * N + j] = 1 - x;     /* p1, issue 0 */
        values[3 * N + j] = 1.0 / N - y; /* p1, issue 1 */
    }
    table_scenario_spec_t spec = {.n_parties = 2,
                                  .n_issues = 2,
                                  .n_options = n_options,
                                  .values = values};
    analyzed_t x;
    analyzed_init(&x, table_scenario(&spec), PARLEY_OK);
    size_t V = parley_analysis_frontier_size(x.a);
    assert_true(V > 3000);
    picture_t pic;
    render(x.a, x.m, x.sc, &pic);
    assert_true(pic.circles <= 3000 + 2 * PARLEY_CONCEPT_COUNT + 1);
    assert_true(pic.circles >= 3000);
    assert_non_null(strstr(pic.text, "Showing 3000 of"));
    release(&pic);
    analyzed_clear(&x);
}

static void test_nothing_feasible(void **state)
{
    (void)state;
    static const size_t n_options[] = {2};
    static const double values[] = {1, 0, 0, 1};
    static const double reservation[] = {0.75, 0.75};
    table_scenario_spec_t spec = {.n_parties = 2,
                                  .reservation = reservation,
                                  .n_issues = 1,
                                  .n_options = n_options,
                                  .values = values};
    analyzed_t x;
    analyzed_init(&x, table_scenario(&spec), PARLEY_EINFEASIBLE);
    picture_t pic;
    render(x.a, x.m, x.sc, &pic);
    assert_non_null(strstr(pic.text, "Nothing is feasible"));
    assert_non_null(strstr(pic.text, "none"));
    release(&pic);
    /* a broken stream is reported */
    FILE *ro = fopen(PARLEY_SOURCE_DIR "/CMakeLists.txt", "r");
    assert_non_null(ro);
    assert_int_equal(parley_render_frontier_svg(x.a, x.m, x.sc, ro),
                     PARLEY_EIO);
    fclose(ro);
    assert_int_equal(parley_render_frontier_svg(x.a, x.m, x.sc, NULL),
                     PARLEY_EARG);
    analyzed_clear(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_parties),
        cmocka_unit_test(test_panels),
        cmocka_unit_test(test_parallel_coordinates),
        cmocka_unit_test(test_large_frontier_is_thinned),
        cmocka_unit_test(test_nothing_feasible),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
