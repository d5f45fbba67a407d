/*
 * sim_party.c - a simulated delegation for the service tests: one party of
 * a scenario, played by the strategy `parley mediate` gives it (strategy.h,
 * with the same per-party seed as parley_simulate), answering over stdin
 * and stdout what a live session asks of it.
 *
 *   sim_party SCENARIO PARTY_ID SEED [KIND]
 *
 * Each input line is {"ask": "answer"|"concede", "view": VIEW} with VIEW
 * the party's view as the service gives it (GET .../view); each output
 * line is the body to send for it, without request_id:
 *   answer:  {"round", "kind", "issues"?, "ground"?, "text_round"?, "reason"?}
 *   concede: {"round", "aspiration"}
 * The process lives as long as the session, so a strategy that remembers
 * earlier rounds remembers them here too.  The strategy holds its own
 * profile only; the scenario it is built from is read from the file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parley/parley.h"
#include "scenario/scenario_internal.h"

static int fail(const char *what)
{
    fprintf(stderr, "sim_party: %s\n", what);
    return 1;
}

/* One line of stdin, in parley memory; NULL at the end. */
static char *read_line(void)
{
    size_t n = 0, cap = 0;
    char *buf = NULL;
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n') {
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 4096;
            char *b = parley_realloc(buf, cap);
            if (!b) {
                parley_free(buf);
                return NULL;
            }
            buf = b;
        }
        buf[n++] = (char)ch;
    }
    if (!buf)
        return NULL;
    buf[n] = '\0';
    return buf;
}

/* A number that may have been written as a string ("inf", "-inf"). */
static double number(const json_t *v)
{
    if (json_is_string(v))
        return strtod(json_string_value(v), NULL);
    return json_number_value(v);
}

/* The view's arrays live in the caller's buffers. */
typedef struct view_buf {
    uint32_t text[PARLEY_MAX_ISSUES];
    size_t open[PARLEY_MAX_ISSUES];
    unsigned *concessions;
} view_buf_t;

static int view_from_json(const json_t *j, const parley_scenario_t *sc,
                          const parley_rules_t *rules, size_t party,
                          parley_view_t *vw, view_buf_t *b)
{
    memset(vw, 0, sizeof *vw);
    vw->party = party;
    vw->self = &sc->parties[party];
    vw->public_scenario = sc;
    vw->rules = rules;
    vw->round = (unsigned)json_integer_value(json_object_get(j, "round"));
    vw->deadline =
        (unsigned)json_integer_value(json_object_get(j, "deadline"));
    vw->cluster = (long)json_integer_value(json_object_get(j, "cluster"));
    json_t *text = json_object_get(j, "text");
    if (json_is_array(text)) {
        if (json_array_size(text) != sc->n_issues)
            return 0;
        for (size_t k = 0; k < sc->n_issues; k++)
            b->text[k] =
                (uint32_t)json_integer_value(json_array_get(text, k));
        vw->text = b->text;
    }
    vw->text_round =
        (unsigned)json_integer_value(json_object_get(j, "text_round"));
    vw->pilot = json_is_true(json_object_get(j, "pilot"));
    vw->n_accept = (int)json_integer_value(json_object_get(j, "n_accept"));
    vw->n_object = (int)json_integer_value(json_object_get(j, "n_object"));
    vw->n_veto = (int)json_integer_value(json_object_get(j, "n_veto"));
    vw->aspiration = number(json_object_get(j, "aspiration"));
    vw->guarantee_bonus = number(json_object_get(j, "guarantee_bonus"));
    json_t *conc = json_object_get(j, "concessions");
    if (json_array_size(conc) != sc->n_parties)
        return 0;
    for (size_t i = 0; i < sc->n_parties; i++)
        b->concessions[i] =
            (unsigned)json_integer_value(json_array_get(conc, i));
    vw->concessions = b->concessions;
    json_t *open = json_object_get(j, "open_issues");
    vw->n_open = json_array_size(open);
    if (vw->n_open > PARLEY_MAX_ISSUES)
        return 0;
    for (size_t q = 0; q < vw->n_open; q++)
        b->open[q] = (size_t)json_integer_value(json_array_get(open, q));
    vw->open_issues = b->open;
    vw->drafting = json_is_true(json_object_get(j, "drafting"));
    return 1;
}

static const char *kind_name(parley_answer_kind_t k)
{
    switch (k) {
    case PARLEY_ANSWER_ACCEPT:
        return "accept";
    case PARLEY_ANSWER_OBJECT:
        return "object";
    case PARLEY_ANSWER_VETO:
        return "veto";
    default:
        return "walkout";
    }
}

static json_t *answer_json(const parley_answer_t *a,
                           const parley_scenario_t *sc, unsigned round)
{
    json_t *o = json_pack("{s:I, s:s}", "round", (json_int_t)round, "kind",
                          kind_name(a->kind));
    if (a->kind == PARLEY_ANSWER_OBJECT) {
        json_t *issues = json_array();
        for (size_t q = 0; q < a->n_issues; q++)
            json_array_append_new(issues,
                                  json_string(sc->issues[a->issues[q]].id));
        json_object_set_new(o, "issues", issues);
    }
    if (a->kind == PARLEY_ANSWER_VETO) {
        json_object_set_new(o, "ground",
                            json_string(parley_veto_ground_name(a->ground)));
        json_object_set_new(o, "text_round", json_integer(a->text_round));
    }
    if (a->reason[0])
        json_object_set_new(o, "reason", json_string(a->reason));
    return o;
}

/* Answers one request line; 0 on a malformed one. */
static int serve_line(const char *line, const parley_scenario_t *sc,
                      const parley_rules_t *rules, size_t party,
                      const parley_driver_t *drv, view_buf_t *b)
{
    json_t *in = json_loads(line, 0, NULL);
    const char *ask = json_string_value(json_object_get(in, "ask"));
    parley_view_t vw;
    json_t *out = NULL;
    if (ask && view_from_json(json_object_get(in, "view"), sc, rules, party,
                              &vw, b)) {
        if (strcmp(ask, "answer") == 0) {
            parley_answer_t a;
            memset(&a, 0, sizeof a);
            if (drv->answer(drv->ctx, &vw, &a) == PARLEY_OK)
                out = answer_json(&a, sc, vw.round);
        } else if (strcmp(ask, "concede") == 0) {
            double next = vw.aspiration;
            if (!drv->concede ||
                drv->concede(drv->ctx, &vw, &next) == PARLEY_OK)
                out = json_pack("{s:I, s:f}", "round", (json_int_t)vw.round,
                                "aspiration", next);
        }
    }
    char *text = out ? json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17))
                     : NULL;
    if (text) {
        printf("%s\n", text);
        fflush(stdout);
    }
    parley_free(text);
    json_decref(out);
    json_decref(in);
    return text != NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return fail("usage: sim_party SCENARIO PARTY_ID SEED [KIND]");
    parley__json_use_parley_alloc();
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    if (parley_scenario_read_file(argv[1], &sc, d) != PARLEY_OK) {
        parley_diags_print(d, stderr);
        parley_diags_free(d);
        return fail("cannot read the scenario");
    }
    parley_diags_free(d);
    size_t party = 0;
    while (party < sc->n_parties && strcmp(sc->parties[party].id, argv[2]))
        party++;
    parley_strategy_kind_t kind =
        argc > 4 && parley_strategy_from_name(argv[4]) >= 0
            ? (parley_strategy_kind_t)parley_strategy_from_name(argv[4])
            : PARLEY_STRATEGY_TRUTHFUL;
    parley_strategy_t *st = NULL;
    view_buf_t b;
    b.concessions = parley_calloc(sc->n_parties + 1, sizeof *b.concessions);
    int rc = 0;
    if (party == sc->n_parties)
        rc = fail("no such party");
    else if (argc > 4 && parley_strategy_from_name(argv[4]) < 0)
        rc = fail("unknown strategy");
    else if (!b.concessions ||
             parley_strategy_new(kind, sc, party,
                                 parley_study_strategy_seed(
                                     strtoull(argv[3], NULL, 10), party),
                                 &st) != PARLEY_OK)
        rc = fail("cannot make the strategy");
    parley_rules_t defaults;
    parley_rules_init(&defaults);
    const parley_rules_t *rules = sc->rules ? sc->rules : &defaults;
    char *line;
    while (rc == 0 && (line = read_line()) != NULL) {
        if (!serve_line(line, sc, rules, party, parley_strategy_driver(st),
                        &b))
            rc = fail("cannot answer this request");
        parley_free(line);
    }
    parley_strategy_free(st);
    parley_free(b.concessions);
    parley_scenario_free(sc);
    return rc;
}
