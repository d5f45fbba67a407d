/*
 * test_rules.c - session rules and guarantees: defaults, the JSON forms
 * (in a scenario and in a separate rules file) with positioned errors,
 * writing and reading back, and every check of contradictory or impossible
 * rules and of guarantees.
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
#include <jansson.h>

#include "parley/alloc.h"
#include "parley/rules.h"
#include "parley/scenario.h"
#include "support/failing_alloc.h"

/* Two clusters (trust: data, panel; water: flow) and one issue no cluster
 * names (price); parties a, b vote, bank guarantees, watch monitors. */
static const char *const BASE =
    "{\n"
    "  \"version\": 1,\n"
    "  \"name\": \"rules test\",\n"
    "  \"issues\": [\n"
    "    {\"id\": \"data\", \"kind\": \"discrete\", \"options\": [\"none\", "
    "\"yearly\", \"live\"]},\n"
    "    {\"id\": \"panel\", \"kind\": \"discrete\", \"options\": [\"no\", "
    "\"yes\"]},\n"
    "    {\"id\": \"flow\", \"kind\": \"integer\", \"min\": 0, \"max\": 4},\n"
    "    {\"id\": \"price\", \"kind\": \"discrete\", \"options\": [\"low\", "
    "\"high\"]}\n"
    "  ],\n"
    "  \"clusters\": [\n"
    "    {\"id\": \"trust\", \"issues\": [\"data\", \"panel\"]},\n"
    "    {\"id\": \"water\", \"issues\": [\"flow\"]}\n"
    "  ],\n"
    "  \"parties\": [\n"
    "    {\"id\": \"a\", \"power\": 3, \"utility\": {\n"
    "      \"data\": {\"weight\": 0.25, \"table\": {\"none\": 1, \"yearly\": "
    "0.5, \"live\": 0}},\n"
    "      \"panel\": {\"weight\": 0.25, \"table\": {\"no\": 1, \"yes\": 0}},\n"
    "      \"flow\": {\"weight\": 0.25, \"linear\": {\"offset\": 1, "
    "\"slope\": -0.25}},\n"
    "      \"price\": {\"weight\": 0.25, \"table\": {\"low\": 0, \"high\": "
    "1}}}},\n"
    "    {\"id\": \"b\", \"power\": 1, \"utility\": {\n"
    "      \"data\": {\"weight\": 0.25, \"table\": {\"none\": 0, \"yearly\": "
    "0.5, \"live\": 1}},\n"
    "      \"panel\": {\"weight\": 0.25, \"table\": {\"no\": 0, \"yes\": 1}},\n"
    "      \"flow\": {\"weight\": 0.25, \"linear\": {\"offset\": 0, "
    "\"slope\": 0.25}},\n"
    "      \"price\": {\"weight\": 0.25, \"table\": {\"low\": 1, \"high\": "
    "0}}}},\n"
    "    {\"id\": \"bank\", \"role\": \"guarantor\"},\n"
    "    {\"id\": \"watch\", \"role\": \"monitor\"}\n"
    "  ]%s\n"
    "}\n";

/* BASE with `extra` (",\n  \"rules\": ..." etc.) after the parties. */
static char *with(const char *extra)
{
    size_t n = strlen(BASE) + strlen(extra) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, BASE, extra);
    return s;
}

static parley_scenario_t *read_ok(const char *extra)
{
    char *text = with(extra);
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st =
        parley_scenario_read_string(text, strlen(text), "t.json", &sc, d);
    if (st != PARLEY_OK)
        parley_diags_print(d, stderr);
    assert_int_equal(st, PARLEY_OK);
    assert_non_null(sc);
    parley_diags_free(d);
    free(text);
    return sc;
}

/* Reads BASE + extra, expects failure, and returns the diagnostics. */
static parley_diags_t *read_bad(const char *extra, parley_status_t *st)
{
    char *text = with(extra);
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    *st = parley_scenario_read_string(text, strlen(text), "t.json", &sc, d);
    assert_null(sc);
    assert_int_not_equal(*st, PARLEY_OK);
    free(text);
    return d;
}

/* The diagnostic with this path, or fail. */
static const parley_diag_t *diag_at(const parley_diags_t *d, const char *path)
{
    for (size_t i = 0; i < parley_diags_count(d); i++)
        if (strcmp(parley_diags_get(d, i)->path, path) == 0)
            return parley_diags_get(d, i);
    for (size_t i = 0; i < parley_diags_count(d); i++) {
        char buf[1024];
        parley_diag_format(parley_diags_get(d, i), buf, sizeof buf);
        fprintf(stderr, "  have: %s\n", buf);
    }
    fail_msg("no diagnostic at %s", path);
    return NULL;
}

/* ---- defaults --------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    parley_rules_t r;
    parley_rules_init(&r);
    assert_int_equal(r.decision, PARLEY_DECIDE_UNANIMITY);
    assert_int_equal(r.veto_grounds,
                     PARLEY_VETO_RED_LINE | PARLEY_VETO_RESERVATION);
    assert_int_equal(r.veto_window, 1);
    assert_int_equal(r.veto_budget, 2);
    assert_true(r.publish_counts);
    assert_true(r.private_channels);
    assert_true(r.guarantees);
    assert_true(r.working_groups);
    assert_true(r.wg_salience == 0.15);
    assert_true(r.pilots);
    assert_int_equal(r.concept, PARLEY_CONCEPT_MEDIATED);
    assert_true(r.lambda == 0.5);
    assert_false(r.has_floor);
    assert_true(r.credit == 0.05);
    assert_int_equal(r.agenda, PARLEY_AGENDA_EASY_FIRST);
    assert_int_equal(r.n_agenda_order, 0);
    assert_null(r.agenda_order);
    assert_true(r.max_step == 0.1);
    assert_true(r.reciprocity);
    assert_int_equal(r.rounds_per_cluster, 8);
    assert_int_equal(r.max_rounds, 60);

    parley_scenario_t *sc = read_ok("");
    assert_null(sc->rules);
    assert_int_equal(sc->n_guarantees, 0);
    parley_rules_t of;
    parley_rules_of(sc, &of);
    assert_true(parley_rules_equal(&of, &r));
    /* trust, water, and the lone issue price */
    assert_int_equal(parley_rules_agenda_units(&r, sc), 3);
    /* 3 units x (pilot + binding) + integration */
    assert_int_equal(parley_rules_min_rounds(&r, sc), 7);
    r.pilots = 0;
    assert_int_equal(parley_rules_min_rounds(&r, sc), 4);
    r.agenda = PARLEY_AGENDA_ALL_AT_ONCE;
    assert_int_equal(parley_rules_agenda_units(&r, sc), 1);
    assert_int_equal(parley_rules_min_rounds(&r, sc), 1);
    parley_diags_t *d = parley_diags_new();
    parley_rules_init(&r);
    assert_int_equal(parley_rules_check(&r, sc, "x", d), PARLEY_OK);
    assert_int_equal(parley_diags_count(d), 0);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(parley_decision_name(PARLEY_DECIDE_NO_OBJECTION),
                        "no_objection");
    assert_int_equal(parley_decision_from_name("unanimity"),
                     PARLEY_DECIDE_UNANIMITY);
    assert_int_equal(parley_decision_from_name("majority"), -1);
    assert_string_equal(parley_agenda_policy_name(PARLEY_AGENDA_HARD_FIRST),
                        "hard_first");
    assert_int_equal(parley_agenda_policy_from_name("all_at_once"),
                     PARLEY_AGENDA_ALL_AT_ONCE);
    assert_int_equal(parley_agenda_policy_from_name(NULL), -1);
    assert_string_equal(parley_veto_ground_name(PARLEY_VETO_RESERVATION),
                        "reservation");
    assert_string_equal(parley_veto_ground_name(3), "?");
    assert_string_equal(parley_guarantee_kind_name(PARLEY_GUARANTEE_ECONOMIC),
                        "economic");
    assert_int_equal(parley_guarantee_kind_from_name("monitoring"),
                     PARLEY_GUARANTEE_MONITORING);
}

/* ---- reading and writing ---------------------------------------------- */

static const char *const FULL =
    ",\n  \"rules\": {\n"
    "    \"decision\": \"no_objection\",\n"
    "    \"veto\": {\"grounds\": [\"reservation\"], \"window\": 2, "
    "\"budget\": 1},\n"
    "    \"information\": {\"publish_counts\": false, \"private_channels\": "
    "false},\n"
    "    \"mediator\": {\"concept\": \"mediated\", \"lambda\": 0.75, "
    "\"floor\": 0.2, \"credit\": 0},\n"
    "    \"agenda\": {\"policy\": \"given\", \"order\": [\"water\", "
    "\"price\", \"trust\"]},\n"
    "    \"working_groups\": {\"enabled\": false, \"salience\": 0.3},\n"
    "    \"pilots\": false,\n"
    "    \"guarantees\": false,\n"
    "    \"concessions\": {\"max_step\": 0.05, \"reciprocity\": false},\n"
    "    \"timetable\": {\"rounds_per_cluster\": 5, \"max_rounds\": 20}\n"
    "  },\n"
    "  \"guarantees\": [\n"
    "    {\"id\": \"g1\", \"guarantor\": \"bank\", \"beneficiary\": \"b\", "
    "\"kind\": \"economic\", \"credibility\": 0.8, \"value\": 0.25,\n"
    "     \"conditions\": [{\"issue\": \"flow\", \"op\": \">=\", \"value\": "
    "2}, {\"issue\": \"data\", \"op\": \"in\", \"value\": [\"yearly\", "
    "\"live\"]}],\n"
    "     \"criteria\": \"flow measured monthly\"}\n"
    "  ]";

static void test_read_full(void **state)
{
    (void)state;
    parley_scenario_t *sc = read_ok(FULL);
    const parley_rules_t *r = sc->rules;
    assert_non_null(r);
    assert_int_equal(r->decision, PARLEY_DECIDE_NO_OBJECTION);
    assert_int_equal(r->veto_grounds, PARLEY_VETO_RESERVATION);
    assert_int_equal(r->veto_window, 2);
    assert_int_equal(r->veto_budget, 1);
    assert_false(r->publish_counts);
    assert_false(r->private_channels);
    assert_int_equal(r->concept, PARLEY_CONCEPT_MEDIATED);
    assert_true(r->lambda == 0.75);
    assert_true(r->has_floor);
    assert_true(r->floor == 0.2);
    assert_true(r->credit == 0);
    assert_int_equal(r->agenda, PARLEY_AGENDA_GIVEN);
    assert_int_equal(r->n_agenda_order, 3);
    assert_string_equal(r->agenda_order[0], "water");
    assert_string_equal(r->agenda_order[1], "price");
    assert_string_equal(r->agenda_order[2], "trust");
    assert_false(r->working_groups);
    assert_true(r->wg_salience == 0.3);
    assert_false(r->pilots);
    assert_false(r->guarantees);
    assert_true(r->max_step == 0.05);
    assert_false(r->reciprocity);
    assert_int_equal(r->rounds_per_cluster, 5);
    assert_int_equal(r->max_rounds, 20);

    assert_int_equal(sc->n_guarantees, 1);
    const parley_guarantee_t *g = &sc->guarantees[0];
    assert_string_equal(g->id, "g1");
    assert_int_equal(g->guarantor, 2);
    assert_int_equal(g->beneficiary, 1);
    assert_int_equal(g->kind, PARLEY_GUARANTEE_ECONOMIC);
    assert_true(g->credibility == 0.8);
    assert_true(g->value == 0.25);
    assert_string_equal(g->criteria, "flow measured monthly");
    assert_int_equal(g->n_conditions, 2);
    assert_int_equal(g->conditions[0].issue, 2);
    assert_int_equal(g->conditions[0].op, PARLEY_CMP_GE);
    assert_true(g->conditions[0].value == 2);
    assert_int_equal(g->conditions[1].issue, 0);
    assert_int_equal(g->conditions[1].op, PARLEY_CMP_IN);
    assert_int_equal(g->conditions[1].n_options, 2);
    assert_int_equal(g->conditions[1].options[0], 1);
    assert_int_equal(g->conditions[1].options[1], 2);

    /* Conditions as the session reads them. */
    uint32_t pkg[4] = {1, 0, 2, 0};
    assert_true(parley_guarantee_applies(g, sc, pkg));
    pkg[2] = 1;
    assert_false(parley_guarantee_applies(g, sc, pkg));
    pkg[2] = 4;
    pkg[0] = 0;
    assert_false(parley_guarantee_applies(g, sc, pkg));
    parley_scenario_free(sc);
}

static void test_write_read_back(void **state)
{
    (void)state;
    parley_scenario_t *sc = read_ok(FULL);
    char *text = NULL;
    assert_int_equal(parley_scenario_to_string(sc, &text), PARLEY_OK);
    assert_non_null(strstr(text, "\"rules\""));
    assert_non_null(strstr(text, "\"guarantees\""));
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *back = NULL;
    assert_int_equal(
        parley_scenario_read_string(text, strlen(text), "w.json", &back, d),
        PARLEY_OK);
    assert_true(parley_scenario_equal(sc, back));

    /* Equality sees every difference in rules and guarantees. */
    back->rules->veto_window = 3;
    assert_false(parley_scenario_equal(sc, back));
    back->rules->veto_window = 2;
    assert_true(parley_scenario_equal(sc, back));
    back->guarantees[0].value = 0.5;
    assert_false(parley_scenario_equal(sc, back));
    back->guarantees[0].value = 0.25;
    back->guarantees[0].conditions[1].options[1] = 0;
    assert_false(parley_scenario_equal(sc, back));
    back->guarantees[0].conditions[1].options[1] = 2;
    assert_true(parley_scenario_equal(sc, back));
    parley_rules_clear(back->rules);
    parley_free(back->rules);
    back->rules = NULL;
    assert_false(parley_scenario_equal(sc, back));

    /* Default rules written out in full read back equal too. */
    parley_scenario_free(back);
    parley_free(text);
    parley_scenario_t *plain = read_ok("");
    plain->rules = parley_calloc(1, sizeof *plain->rules);
    parley_rules_init(plain->rules);
    assert_int_equal(parley_scenario_to_string(plain, &text), PARLEY_OK);
    assert_int_equal(
        parley_scenario_read_string(text, strlen(text), "w.json", &back, d),
        PARLEY_OK);
    assert_true(parley_scenario_equal(plain, back));
    parley_free(text);
    parley_scenario_free(back);
    parley_scenario_free(plain);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

/* Line and column (1-based, bytes = characters here) of the first
 * occurrence of `needle`, found independently of the reader. */
static void pos_of(const char *text, const char *from, const char *needle,
                   unsigned *line, unsigned *col)
{
    const char *at = strstr(from, needle);
    assert_non_null(at);
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static void expect_at(const char *extra, const char *path,
                      parley_status_t code, const char *needle,
                      const char *msg_part)
{
    parley_status_t st;
    parley_diags_t *d = read_bad(extra, &st);
    const parley_diag_t *dg = diag_at(d, path);
    assert_int_equal(dg->code, code);
    assert_string_equal(dg->file, "t.json");
    char *text = with(extra);
    unsigned line, col;
    /* Searched inside `extra` only: BASE may hold the same token. */
    pos_of(text, text + strlen(text) - strlen(extra) - 3, needle, &line,
           &col);
    if (dg->line != line || dg->column != col)
        fail_msg("%s: at %u:%u, expected %u:%u", path, dg->line, dg->column,
                 line, col);
    assert_int_equal(dg->line, line);
    assert_int_equal(dg->column, col);
    if (msg_part && !strstr(dg->message, msg_part))
        fail_msg("message '%s' lacks '%s'", dg->message, msg_part);
    free(text);
    parley_diags_free(d);
}

static void test_read_errors(void **state)
{
    (void)state;
    expect_at(",\n  \"rules\": {\"veto\": {\"window\": \"two\"}}",
              "$.rules.veto.window", PARLEY_ETYPE, "\"two\"",
              "expected a whole number");
    expect_at(",\n  \"rules\": {\"veto\": {\"window\": 1.5}}",
              "$.rules.veto.window", PARLEY_ERANGE, "1.5", "whole number");
    expect_at(",\n  \"rules\": {\"vetoo\": {}}", "$.rules.vetoo",
              PARLEY_EUNKNOWN, "\"vetoo\"", "did you mean 'veto'");
    expect_at(",\n  \"rules\": {\"decision\": \"majority\"}",
              "$.rules.decision", PARLEY_EINVALID, "\"majority\"",
              "unanimity");
    expect_at(",\n  \"rules\": {\"veto\": {\"grounds\": [\"mood\"]}}",
              "$.rules.veto.grounds[0]", PARLEY_EINVALID, "\"mood\"",
              "unknown veto ground");
    expect_at(",\n  \"rules\": {\"pilots\": \"maybe\"}", "$.rules.pilots",
              PARLEY_ETYPE, "\"maybe\"", "true or false");
    expect_at(",\n  \"rules\": {\"mediator\": {\"concept\": \"nashy\"}}",
              "$.rules.mediator.concept", PARLEY_EINVALID, "\"nashy\"",
              "power_nash");
    expect_at(",\n  \"rules\": []", "$.rules", PARLEY_ETYPE, "[]",
              "rules object");
    /* Contradictions found by the shared checks, still located. */
    expect_at(",\n  \"rules\": {\"timetable\": {\"max_rounds\": 3}}",
              "$.rules.timetable.max_rounds", PARLEY_EINVALID, "3}}",
              "cannot fit the agenda");
    expect_at(",\n  \"rules\": {\"agenda\": {\"policy\": \"given\", "
              "\"order\": [\"trust\", \"wind\", \"water\", \"price\"]}}",
              "$.rules.agenda.order[1]", PARLEY_EINVALID, "\"wind\"",
              "unknown agenda unit");
    expect_at(",\n  \"rules\": {\"mediator\": {\"lambda\": 2}}",
              "$.rules.mediator.lambda", PARLEY_ERANGE, "2}}", "[0, 1]");
    /* Guarantees. */
    expect_at(",\n  \"guarantees\": [{\"id\": \"g\", \"guarantor\": "
              "\"bnak\", \"beneficiary\": \"b\", \"kind\": \"security\", "
              "\"credibility\": 1, \"value\": 0.1}]",
              "$.guarantees[0].guarantor", PARLEY_EINVALID, "\"bnak\"",
              "unknown party 'bnak'");
    expect_at(",\n  \"guarantees\": [{\"id\": \"g\", \"guarantor\": "
              "\"bank\", \"beneficiary\": \"watch\", \"kind\": "
              "\"security\", \"credibility\": 1, \"value\": 0.1}]",
              "$.guarantees[0].beneficiary", PARLEY_EINVALID, "\"watch\"",
              "role monitor");
    expect_at(",\n  \"guarantees\": [{\"id\": \"g\", \"guarantor\": "
              "\"bank\", \"beneficiary\": \"a\", \"kind\": \"security\", "
              "\"credibility\": 1, \"value\": 0.1, \"conditions\": "
              "[{\"issue\": \"flows\", \"op\": \">=\", \"value\": 1}]}]",
              "$.guarantees[0].conditions[0].issue", PARLEY_EINVALID,
              "\"flows\"", "unknown issue 'flows'");
    expect_at(",\n  \"guarantees\": [{\"id\": \"g\", \"guarantor\": "
              "\"bank\", \"beneficiary\": \"a\", \"kind\": \"trust\", "
              "\"credibility\": 1, \"value\": 0.1}]",
              "$.guarantees[0].kind", PARLEY_EINVALID, "\"trust\"",
              "monitoring");
    expect_at(",\n  \"guarantees\": [{\"id\": \"g\", \"guarantor\": "
              "\"bank\", \"beneficiary\": \"a\", \"kind\": \"security\", "
              "\"credibility\": 1.5, \"value\": 0.1}]",
              "$.guarantees[0].credibility", PARLEY_ERANGE, "1.5",
              "[0, 1]");
    expect_at(",\n  \"guarantees\": {}", "$.guarantees", PARLEY_ETYPE,
              "{}\n", "array of guarantees");
}

/* ---- the rules file --------------------------------------------------- */

static void test_rules_file(void **state)
{
    (void)state;
    parley_scenario_t *sc = read_ok("");
    parley_diags_t *d = parley_diags_new();
    parley_rules_t r;
    const char *good = "{\"version\": 1, \"rules\": {\"agenda\": "
                       "{\"policy\": \"hard_first\"}, \"timetable\": "
                       "{\"max_rounds\": 30}}}";
    assert_int_equal(parley_rules_read_string(good, strlen(good), "r.json",
                                              sc, &r, d),
                     PARLEY_OK);
    assert_int_equal(r.agenda, PARLEY_AGENDA_HARD_FIRST);
    assert_int_equal(r.max_rounds, 30);
    assert_int_equal(r.rounds_per_cluster, 8); /* the rest: defaults */
    parley_rules_clear(&r);

    const char *bad = "{\"version\": 1,\n \"rules\": {\"veto\": "
                      "{\"window\": 0}}}";
    assert_int_equal(
        parley_rules_read_string(bad, strlen(bad), "r.json", sc, &r, d),
        PARLEY_EINVALID);
    const parley_diag_t *dg = diag_at(d, "$.rules.veto.window");
    assert_string_equal(dg->file, "r.json");
    assert_int_equal(dg->line, 2);
    assert_int_equal(dg->column, 31);
    assert_non_null(strstr(dg->message, "review window is 0"));
    /* On failure the rules are the defaults. */
    assert_int_equal(r.veto_window, 1);
    parley_diags_clear(d);

    const char *noroot = "{\"rules\": {}, \"extra\": 1}";
    assert_int_not_equal(parley_rules_read_string(noroot, strlen(noroot),
                                                  "r.json", sc, &r, d),
                         PARLEY_OK);
    assert_int_equal(diag_at(d, "$.version")->code, PARLEY_EMISSING);
    assert_int_equal(diag_at(d, "$.extra")->code, PARLEY_EUNKNOWN);
    parley_diags_clear(d);

    const char *syntax = "{\"version\": 1, \"rules\": {";
    assert_int_equal(parley_rules_read_string(syntax, strlen(syntax),
                                              "r.json", sc, &r, d),
                     PARLEY_ESYNTAX);
    parley_diags_clear(d);

    /* From a file. */
    char path[] = "/tmp/parley_rules_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(good, f);
    fclose(f);
    assert_int_equal(parley_rules_read_file(path, sc, &r, d), PARLEY_OK);
    assert_int_equal(r.max_rounds, 30);
    parley_rules_clear(&r);
    remove(path);
    assert_int_equal(parley_rules_read_file(path, sc, &r, d), PARLEY_EIO);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

/* A NUL byte after a number (jansson reads "8\0" as 8) once made the
 * locator of error positions stand still: found by fuzz/fuzz_rules.c. */
static void test_nul_byte(void **state)
{
    (void)state;
    parley_scenario_t *sc = read_ok("");
    parley_diags_t *d = parley_diags_new();
    parley_rules_t r;
    static const char t[] = "{\"version\": 1, \"rules\": {\"veto\": "
                            "{\"window\": 8\0, \"budget\": 1}, \"pilots\": 3}}";
    assert_int_equal(
        parley_rules_read_string(t, sizeof t - 1, "r.json", sc, &r, d),
        PARLEY_ETYPE);
    const parley_diag_t *dg = diag_at(d, "$.rules.pilots");
    assert_int_equal(dg->line, 1);
    assert_int_equal(dg->column, 73);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

/* ---- every contradiction ---------------------------------------------- */

/* Checks r against the BASE scenario; expects exactly one error, at path,
 * with code. */
static void expect_rule_error(const parley_rules_t *r, const char *path,
                         parley_status_t code, const char *msg_part)
{
    parley_scenario_t *sc = read_ok("");
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_rules_check(r, sc, "rules.json", d), code);
    if (parley_diags_errors(d) != 1)
        diag_at(d, "(exactly one error expected)");
    const parley_diag_t *dg = diag_at(d, path);
    assert_int_equal(dg->code, code);
    assert_string_equal(dg->file, "rules.json");
    if (msg_part && !strstr(dg->message, msg_part))
        fail_msg("message '%s' lacks '%s'", dg->message, msg_part);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

static void test_contradictions(void **state)
{
    (void)state;
    parley_rules_t r;
    char *order[4];

    parley_rules_init(&r);
    r.decision = (parley_decision_rule_t)7;
    expect_rule_error(&r, "$.rules.decision", PARLEY_EINVALID, "decision rule");

    parley_rules_init(&r);
    r.veto_grounds = 4;
    expect_rule_error(&r, "$.rules.veto.grounds", PARLEY_EINVALID,
                 "unknown veto ground");

    parley_rules_init(&r);
    r.veto_window = 0;
    expect_rule_error(&r, "$.rules.veto.window", PARLEY_EINVALID,
                 "every veto would be late");
    /* No window is fine when no veto is possible. */
    r.veto_budget = 0;
    parley_scenario_t *sc = read_ok("");
    assert_int_equal(parley_rules_check(&r, sc, "x", NULL), PARLEY_OK);
    r.veto_budget = 2;
    r.veto_grounds = 0;
    assert_int_equal(parley_rules_check(&r, sc, "x", NULL), PARLEY_OK);

    parley_rules_init(&r);
    r.concept = PARLEY_CONCEPT_COUNT;
    expect_rule_error(&r, "$.rules.mediator.concept", PARLEY_EINVALID,
                 "solution concept");

    parley_rules_init(&r);
    r.lambda = -0.1;
    expect_rule_error(&r, "$.rules.mediator.lambda", PARLEY_ERANGE, "[0, 1]");
    r.lambda = NAN;
    expect_rule_error(&r, "$.rules.mediator.lambda", PARLEY_ERANGE, "[0, 1]");

    parley_rules_init(&r);
    r.has_floor = 1;
    r.floor = 1.5;
    expect_rule_error(&r, "$.rules.mediator.floor", PARLEY_ERANGE, "[0, 1]");
    r.floor = 0.3;
    r.concept = PARLEY_CONCEPT_NASH;
    expect_rule_error(&r, "$.rules.mediator.floor", PARLEY_EINVALID,
                 "mediated concept only");

    parley_rules_init(&r);
    r.credit = -0.01;
    expect_rule_error(&r, "$.rules.mediator.credit", PARLEY_ERANGE, "[0, 1]");

    parley_rules_init(&r);
    r.wg_salience = 1.01;
    expect_rule_error(&r, "$.rules.working_groups.salience", PARLEY_ERANGE,
                 "[0, 1]");

    parley_rules_init(&r);
    r.max_step = 0;
    expect_rule_error(&r, "$.rules.concessions.max_step", PARLEY_ERANGE,
                 "(0, 1]");
    r.max_step = 1.5;
    expect_rule_error(&r, "$.rules.concessions.max_step", PARLEY_ERANGE,
                 "(0, 1]");

    parley_rules_init(&r);
    r.rounds_per_cluster = 0;
    expect_rule_error(&r, "$.rules.timetable.rounds_per_cluster", PARLEY_ERANGE,
                 "at least 1");
    r.rounds_per_cluster = 2; /* pilot + drafting + plenary need 3 */
    expect_rule_error(&r, "$.rules.timetable.rounds_per_cluster",
                 PARLEY_EINVALID, "at least 3");
    r.working_groups = 0;
    assert_int_equal(parley_rules_check(&r, sc, "x", NULL), PARLEY_OK);

    parley_rules_init(&r);
    r.max_rounds = 0;
    expect_rule_error(&r, "$.rules.timetable.max_rounds", PARLEY_ERANGE,
                 "at least 1");
    r.max_rounds = 6; /* 3 units: 3 pilots, 3 texts, 1 integration = 7 */
    expect_rule_error(&r, "$.rules.timetable.max_rounds", PARLEY_EINVALID,
                 "need at least 7 rounds");
    r.max_rounds = 7;
    assert_int_equal(parley_rules_check(&r, sc, "x", NULL), PARLEY_OK);
    r.max_rounds = PARLEY_MAX_ROUNDS + 1;
    expect_rule_error(&r, "$.rules.timetable.max_rounds", PARLEY_ELIMIT,
                      "beyond the limit of 10000");
    r.max_rounds = PARLEY_MAX_ROUNDS;
    assert_int_equal(parley_rules_check(&r, sc, "x", NULL), PARLEY_OK);

    parley_rules_init(&r);
    r.agenda = (parley_agenda_policy_t)9;
    expect_rule_error(&r, "$.rules.agenda.policy", PARLEY_EINVALID,
                 "agenda policy");

    parley_rules_init(&r);
    r.agenda = PARLEY_AGENDA_GIVEN;
    expect_rule_error(&r, "$.rules.agenda.order", PARLEY_EMISSING,
                 "order listing all 3");

    order[0] = "trust";
    order[1] = "water";
    order[2] = "price";
    order[3] = "trust";
    r.agenda_order = order;
    r.n_agenda_order = 3;
    assert_int_equal(parley_rules_check(&r, sc, "x", NULL), PARLEY_OK);
    r.n_agenda_order = 4;
    expect_rule_error(&r, "$.rules.agenda.order[3]", PARLEY_EDUPLICATE,
                 "listed twice");
    order[3] = "flow"; /* an issue inside a cluster is not a unit */
    expect_rule_error(&r, "$.rules.agenda.order[3]", PARLEY_EINVALID,
                 "unknown agenda unit 'flow'");
    r.n_agenda_order = 2;
    expect_rule_error(&r, "$.rules.agenda.order", PARLEY_EMISSING,
                 "misses 1 unit: 'price'");
    r.agenda = PARLEY_AGENDA_EASY_FIRST;
    expect_rule_error(&r, "$.rules.agenda.order", PARLEY_EINVALID,
                 "only with policy \"given\"");
    r.agenda_order = NULL;
    r.n_agenda_order = 0;
    parley_scenario_free(sc);
}

/* A guarantee on the BASE scenario, valid until a test breaks it. */
static void add_guarantee(parley_scenario_t *sc)
{
    sc->guarantees = parley_calloc(2, sizeof *sc->guarantees);
    sc->n_guarantees = 1;
    parley_guarantee_t *g = &sc->guarantees[0];
    g->id = parley_strdup("g1");
    g->guarantor = 2;
    g->beneficiary = 1;
    g->kind = PARLEY_GUARANTEE_SECURITY;
    g->credibility = 0.5;
    g->value = 0.2;
    g->conditions = parley_calloc(1, sizeof *g->conditions);
    g->n_conditions = 1;
    g->conditions[0].issue = 2;
    g->conditions[0].op = PARLEY_CMP_GE;
    g->conditions[0].value = 2;
}

static void expect_guarantee(void (*breakit)(parley_scenario_t *),
                             const char *path, parley_status_t code,
                             const char *msg_part)
{
    parley_scenario_t *sc = read_ok("");
    add_guarantee(sc);
    parley_rules_t r;
    parley_rules_init(&r);
    assert_int_equal(parley_rules_check(&r, sc, "x", NULL), PARLEY_OK);
    assert_int_equal(parley_scenario_check(sc, "x", NULL), PARLEY_OK);
    breakit(sc);
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_rules_check(&r, sc, "x", d), code);
    const parley_diag_t *dg = diag_at(d, path);
    assert_int_equal(dg->code, code);
    if (msg_part && !strstr(dg->message, msg_part))
        fail_msg("message '%s' lacks '%s'", dg->message, msg_part);
    /* The scenario check reports the same. */
    parley_diags_clear(d);
    assert_int_equal(parley_scenario_check(sc, "x", d), code);
    diag_at(d, path);
    parley_diags_free(d);
    parley_scenario_free(sc);
}

static void b_unknown_guarantor(parley_scenario_t *sc)
{
    sc->guarantees[0].guarantor = 9;
}
static void b_guarantor_role(parley_scenario_t *sc)
{
    sc->guarantees[0].guarantor = 3;
}
static void b_unknown_beneficiary(parley_scenario_t *sc)
{
    sc->guarantees[0].beneficiary = 4;
}
static void b_beneficiary_role(parley_scenario_t *sc)
{
    sc->guarantees[0].beneficiary = 2;
}
static void b_credibility(parley_scenario_t *sc)
{
    sc->guarantees[0].credibility = -0.5;
}
static void b_value(parley_scenario_t *sc)
{
    sc->guarantees[0].value = 2;
}
static void b_kind(parley_scenario_t *sc)
{
    sc->guarantees[0].kind = (parley_guarantee_kind_t)5;
}
static void b_no_id(parley_scenario_t *sc)
{
    parley_free(sc->guarantees[0].id);
    sc->guarantees[0].id = NULL;
}
static void b_duplicate(parley_scenario_t *sc)
{
    parley_guarantee_t *g = &sc->guarantees[1];
    sc->n_guarantees = 2;
    g->id = parley_strdup("g1");
    g->guarantor = 2;
    g->beneficiary = 0;
    g->credibility = 1;
    g->value = 0.1;
}
static void b_condition_issue(parley_scenario_t *sc)
{
    sc->guarantees[0].conditions[0].issue = 17;
}
static void b_condition_op(parley_scenario_t *sc)
{
    sc->guarantees[0].conditions[0].issue = 1; /* discrete "panel" */
}
static void b_condition_option(parley_scenario_t *sc)
{
    parley_red_line_t *c = &sc->guarantees[0].conditions[0];
    c->issue = 1;
    c->op = PARLEY_CMP_EQ;
    c->options = parley_calloc(1, sizeof *c->options);
    c->options[0] = 2; /* panel has options 0 and 1 */
    c->n_options = 1;
}

static void b_condition_twice(parley_scenario_t *sc)
{
    parley_red_line_t *c = &sc->guarantees[0].conditions[0];
    c->issue = 0;
    c->op = PARLEY_CMP_IN;
    c->options = parley_calloc(2, sizeof *c->options);
    c->options[0] = 1;
    c->options[1] = 1;
    c->n_options = 2;
}

static void test_guarantee_checks(void **state)
{
    (void)state;
    expect_guarantee(b_unknown_guarantor, "$.guarantees[0].guarantor",
                     PARLEY_EINVALID, "unknown party");
    expect_guarantee(b_guarantor_role, "$.guarantees[0].guarantor",
                     PARLEY_EINVALID, "role monitor");
    expect_guarantee(b_unknown_beneficiary, "$.guarantees[0].beneficiary",
                     PARLEY_EINVALID, "unknown party");
    expect_guarantee(b_beneficiary_role, "$.guarantees[0].beneficiary",
                     PARLEY_EINVALID, "role guarantor");
    expect_guarantee(b_credibility, "$.guarantees[0].credibility",
                     PARLEY_ERANGE, "[0, 1]");
    expect_guarantee(b_value, "$.guarantees[0].value", PARLEY_ERANGE,
                     "[0, 1]");
    expect_guarantee(b_kind, "$.guarantees[0].kind", PARLEY_EINVALID,
                     "guarantee kind");
    expect_guarantee(b_no_id, "$.guarantees[0].id", PARLEY_EMISSING,
                     "non-empty id");
    expect_guarantee(b_duplicate, "$.guarantees[1].id", PARLEY_EDUPLICATE,
                     "also $.guarantees[0]");
    expect_guarantee(b_condition_issue,
                     "$.guarantees[0].conditions[0].issue", PARLEY_EINVALID,
                     "unknown issue");
    expect_guarantee(b_condition_op, "$.guarantees[0].conditions[0].op",
                     PARLEY_EINVALID, "does not apply");
    expect_guarantee(b_condition_twice,
                     "$.guarantees[0].conditions[0].value", PARLEY_EDUPLICATE,
                     "'yearly' of issue 'data' is listed twice");
    expect_guarantee(b_condition_option,
                     "$.guarantees[0].conditions[0].value", PARLEY_EINVALID,
                     "does not exist");
}

static void test_copy(void **state)
{
    (void)state;
    parley_scenario_t *sc = read_ok(FULL);
    parley_rules_t c;
    assert_int_equal(parley_rules_copy(&c, sc->rules), PARLEY_OK);
    assert_true(parley_rules_equal(&c, sc->rules));
    assert_ptr_not_equal(c.agenda_order, sc->rules->agenda_order);
    c.agenda_order[0][0] = 'W';
    assert_false(parley_rules_equal(&c, sc->rules));
    parley_rules_clear(&c);
    parley_guarantee_t *g = NULL;
    assert_int_equal(parley_guarantees_copy(sc->guarantees, 1, &g),
                     PARLEY_OK);
    assert_string_equal(g[0].criteria, "flow measured monthly");
    assert_ptr_not_equal(g[0].conditions, sc->guarantees[0].conditions);
    assert_int_equal(g[0].conditions[1].options[1], 2);
    parley_guarantees_free(g, 1);
    assert_int_equal(parley_guarantees_copy(NULL, 0, &g), PARLEY_OK);
    assert_null(g);
    parley_rules_clear(NULL);
    parley_guarantees_free(NULL, 3);
    parley_scenario_free(sc);
}

/* ---- allocation failures ---------------------------------------------- */

typedef struct write_run {
    const parley_scenario_t *sc;
    const char *want; /* the text written with nothing refused */
} write_run_t;

/* Writes the scenario and copies its rules and guarantees. */
static parley_status_t write_and_copy(void *ctx)
{
    write_run_t *w = ctx;
    char *out = NULL;
    parley_status_t st = parley_scenario_to_string(w->sc, &out);
    if (st == PARLEY_OK && strcmp(out, w->want) != 0) {
        /* Laid out otherwise (a line it could not measure): the same
         * data, read back outside the count. */
        failing_alloc_hold(1);
        parley_scenario_t *back = NULL;
        assert_int_equal(
            parley_scenario_read_string(out, strlen(out), "w", &back, NULL),
            PARLEY_OK);
        assert_true(parley_scenario_equal(w->sc, back));
        parley_scenario_free(back);
        failing_alloc_hold(0);
    }
    parley_free(out);
    if (st != PARLEY_OK)
        return st;
    parley_rules_t c;
    st = parley_rules_copy(&c, w->sc->rules);
    if (st == PARLEY_OK) {
        assert_true(parley_rules_equal(&c, w->sc->rules));
        parley_rules_clear(&c);
    } else {
        assert_null(c.agenda_order);
        return st;
    }
    parley_guarantee_t *g = NULL;
    st = parley_guarantees_copy(w->sc->guarantees, w->sc->n_guarantees, &g);
    if (st != PARLEY_OK)
        assert_null(g);
    parley_guarantees_free(g, w->sc->n_guarantees);
    return st;
}

/*
 * Writing a scenario with rules and guarantees, and copying rules and
 * guarantees, fail cleanly at every allocation, once or from then on:
 * ENOMEM, or the exact result (an allocation whose failure changes nothing
 * but the layout, like a line not measured), and nothing left allocated.
 */
static void test_alloc_failures(void **state)
{
    (void)state;
    parley_scenario_t *sc = read_ok(FULL);
    char *want = NULL;
    assert_int_equal(parley_scenario_to_string(sc, &want), PARLEY_OK);
    write_run_t w = {sc, want};
    for (int keep = 0; keep < 2; keep++) {
        failing_alloc_opts_t o = {.name = "write rules",
                                  .keep_failing = keep,
                                  .may_absorb = 1};
        failing_alloc_result_t r = failing_alloc_sweep(write_and_copy, &w, &o);
        assert_true(r.allocations > 50);
        assert_true(r.enomem > 50);
    }
    parley_free(want);
    parley_scenario_free(sc);
}

/*
 * Reading rules and guarantees, in a scenario and in a rules file, fails
 * cleanly at every allocation: ENOMEM, or (when only a diagnostics list's
 * own storage failed, which the reader works around) the exact result; and
 * nothing left allocated.
 */
static void test_read_alloc_failures(void **state)
{
    (void)state;
    char *text = with(FULL);
    parley_scenario_t *want = read_ok(FULL);
    parley_scenario_t *base = read_ok("");
    const char *rules_file = "{\"version\": 1, \"rules\": {\"agenda\": "
                             "{\"policy\": \"given\", \"order\": [\"water\", "
                             "\"price\", \"trust\"]}}}";
    parley_rules_t want_rules;
    assert_int_equal(parley_rules_read_string(rules_file, strlen(rules_file),
                                              "r", base, &want_rules, NULL),
                     PARLEY_OK);
    /*
     * jansson 2.14 itself writes past a buffer when an allocation fails
     * while it reads a string of 16 bytes or more (valgrind shows it inside
     * json_loadb), and keys like "rounds_per_cluster" are that long.  The
     * allocations the JSON parser makes are left out here (the scenario
     * tests fail them on texts without such strings): they come after the
     * two diagnostics lists the reader creates, and are counted apart.
     */
    long skip[2][2];
    const char *texts[2] = {text, rules_file};
    for (int which = 0; which < 2; which++) {
        failing_alloc_install(0, 0);
        parley_diags_t *d1 = parley_diags_new();
        parley_diags_t *d2 = parley_diags_new();
        long lists = failing_alloc_calls();
        json_t *root = json_loadb(texts[which], strlen(texts[which]), 0, NULL);
        long parse = failing_alloc_calls() - lists;
        json_decref(root);
        parley_diags_free(d1);
        parley_diags_free(d2);
        failing_alloc_remove();
        assert_non_null(root);
        skip[which][0] = lists;
        skip[which][1] = lists + parse;
    }
    for (int which = 0; which < 2; which++) {
        for (int keep = 0; keep < 2; keep++) {
            for (long n = 1;; n++) {
                if (n > skip[which][0] && n <= skip[which][1])
                    continue;
                failing_alloc_install(n, keep);
                parley_diags_t *d = parley_diags_new();
                parley_scenario_t *sc = NULL;
                parley_rules_t r;
                parley_status_t st;
                if (which == 0) {
                    st = parley_scenario_read_string(text, strlen(text), "t",
                                                     &sc, d);
                    if (st == PARLEY_OK)
                        assert_true(parley_scenario_equal(sc, want));
                } else {
                    st = parley_rules_read_string(
                        rules_file, strlen(rules_file), "r", base, &r, d);
                    if (st == PARLEY_OK)
                        assert_true(parley_rules_equal(&r, &want_rules));
                    parley_rules_clear(&r);
                }
                parley_scenario_free(sc);
                parley_diags_free(d);
                int refused = failing_alloc_refused() > 0;
                long live = failing_alloc_live();
                failing_alloc_remove();
                if (live != 0)
                    fail_msg("allocation %ld failed: %ld blocks leaked", n,
                             live);
                if (!refused) {
                    assert_int_equal(st, PARLEY_OK);
                    break;
                }
                if (st != PARLEY_ENOMEM && st != PARLEY_OK)
                    fail_msg("allocation %ld failed: status %s", n,
                             parley_status_name(st));
                assert_true(n < 100000);
            }
        }
    }
    parley_rules_clear(&want_rules);
    parley_scenario_free(base);
    parley_scenario_free(want);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_read_full),
        cmocka_unit_test(test_write_read_back),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_rules_file),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_contradictions),
        cmocka_unit_test(test_guarantee_checks),
        cmocka_unit_test(test_copy),
        cmocka_unit_test_teardown(test_alloc_failures,
                                  failing_alloc_teardown),
        cmocka_unit_test_teardown(test_read_alloc_failures,
                                  failing_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
