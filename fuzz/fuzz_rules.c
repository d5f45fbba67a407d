/*
 * fuzz_rules.c - libFuzzer target for session rules and the engine.
 *
 * The bytes are read twice.  As a rules file against a fixed scenario:
 * whatever they are, the reader must return, explain every failure in a
 * diagnostic, free everything, and accept only rules that pass the checks.
 * As a scenario (which may carry rules and guarantees): when it reads and
 * is small, a whole session runs over it with simple parties, and must end
 * in agreement or impasse with an outcome that keeps the rules.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parley/rules.h"
#include "parley/scenario.h"
#include "parley/session.h"

static const char BASE[] =
    "{\"version\": 1, \"name\": \"fuzz\", \"issues\": ["
    "{\"id\": \"a\", \"kind\": \"discrete\", \"options\": [\"x\", \"y\"]},"
    "{\"id\": \"b\", \"kind\": \"integer\", \"min\": 0, \"max\": 3}],"
    "\"clusters\": [{\"id\": \"c\", \"issues\": [\"a\"]}],"
    "\"parties\": [{\"id\": \"p\", \"power\": 1, \"utility\": {"
    "\"a\": {\"weight\": 0.5, \"table\": {\"x\": 1, \"y\": 0}},"
    "\"b\": {\"weight\": 0.5, \"linear\": {\"offset\": 0, \"slope\": 0.25}}}},"
    "{\"id\": \"g\", \"role\": \"guarantor\"}]}";

static parley_scenario_t *base;

static double own(const parley_view_t *v)
{
    const parley_scenario_t *sc = v->public_scenario;
    double u = v->guarantee_bonus;
    for (size_t k = 0; k < sc->n_issues; k++)
        u += v->self->weights[k] *
             parley_value_eval(&v->self->values[k], &sc->issues[k],
                               v->text[k]);
    return u;
}

static parley_status_t answer(void *ctx, const parley_view_t *v,
                              parley_answer_t *out)
{
    (void)ctx;
    double u = own(v);
    if (u < v->self->reservation) {
        out->kind = PARLEY_ANSWER_VETO;
        out->ground = PARLEY_VETO_RESERVATION;
        out->text_round = v->text_round;
    } else {
        out->kind = u >= v->aspiration - 1e-9 ? PARLEY_ANSWER_ACCEPT
                                              : PARLEY_ANSWER_OBJECT;
    }
    return PARLEY_OK;
}

static parley_status_t concede(void *ctx, const parley_view_t *v, double *a)
{
    (void)ctx;
    *a = v->aspiration - 0.1;
    return PARLEY_OK;
}

static void session(const parley_scenario_t *sc)
{
    if (parley_scenario_package_count(sc) > 5000 || sc->n_parties > 8)
        return;
    parley_driver_t d = {NULL, NULL, answer, concede, NULL};
    const parley_driver_t *dp[8];
    for (size_t i = 0; i < 8; i++)
        dp[i] = &d;
    parley_session_t *s = NULL;
    if (parley_session_new(sc, NULL, dp, NULL, &s, NULL) != PARLEY_OK)
        return;
    parley_status_t st = parley_session_run(s);
    parley_outcome_t out;
    if (parley_session_outcome(s, &out) != PARLEY_OK)
        abort();
    if (st == PARLEY_OK && !out.agreement && !out.impasse_reason)
        abort();
    for (size_t k = 0; k < sc->n_issues; k++)
        if (out.package[k] >= sc->issues[k].n_options)
            abort();
    /* Unanimity by default: everyone accepted, so no one was left below
     * its reservation by its own reckoning. */
    parley_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!base &&
        parley_scenario_read_string(BASE, strlen(BASE), "base", &base,
                                    NULL) != PARLEY_OK)
        abort();
    parley_diags_t *diags = parley_diags_new();
    parley_rules_t r;
    parley_status_t st = parley_rules_read_string((const char *)data, size,
                                                  "fuzz.json", base, &r,
                                                  diags);
    if (st != PARLEY_OK && st != PARLEY_ENOMEM && diags &&
        parley_diags_errors(diags) == 0)
        abort();
    if (st == PARLEY_OK && parley_rules_check(&r, base, "x", NULL) != PARLEY_OK)
        abort();
    parley_rules_clear(&r);
    parley_diags_clear(diags);

    parley_scenario_t *sc = NULL;
    st = parley_scenario_read_string((const char *)data, size, "fuzz.json",
                                     &sc, diags);
    if ((st == PARLEY_OK) != (sc != NULL))
        abort();
    if (sc)
        session(sc);
    parley_scenario_free(sc);
    parley_diags_free(diags);
    return 0;
}
