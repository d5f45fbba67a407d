/*
 * fuzz_ktab.c - libFuzzer target for the KTAB CSV importer.
 *
 * Whatever the bytes, the importer must return, explain every failure in a
 * diagnostic, free everything, and hand back only scenarios that keep the
 * KTAB mapping: integer issues 0..100, power > 0, ideal points on 0..100,
 * weights salience / 100 summing to at most 1.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parley/import.h"

static void check(const parley_scenario_t *sc)
{
    if (!sc->name || !sc->source || sc->n_issues == 0 || sc->n_parties == 0 ||
        sc->n_parties > PARLEY_MAX_PARTIES || sc->n_issues > PARLEY_MAX_ISSUES)
        abort();
    for (size_t k = 0; k < sc->n_issues; k++) {
        const parley_issue_t *is = &sc->issues[k];
        if (!is->id || is->kind != PARLEY_ISSUE_INTEGER || is->min != 0 ||
            is->max != 100 || is->n_options != 101)
            abort();
        for (size_t q = 0; q < k; q++)
            if (strcmp(is->id, sc->issues[q].id) == 0)
                abort();
    }
    for (size_t i = 0; i < sc->n_parties; i++) {
        const parley_party_t *p = &sc->parties[i];
        if (!p->id || !(p->power > 0) || !isfinite(p->power))
            abort();
        for (size_t q = 0; q < i; q++)
            if (strcmp(p->id, sc->parties[q].id) == 0)
                abort();
        double sum = 0;
        for (size_t k = 0; k < sc->n_issues; k++) {
            const parley_value_fn_t *fn = &p->values[k];
            if (fn->kind != PARLEY_VALUE_IDEAL || !(fn->ideal >= 0) ||
                !(fn->ideal <= 100) || fn->scale != 100 ||
                !(p->weights[k] >= 0))
                abort();
            sum += p->weights[k];
        }
        if (!(sum <= 1 + 1e-9))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st = parley_import_ktab_string((const char *)data, size,
                                                   "fuzz.csv", &sc, diags);
    if ((st == PARLEY_OK) != (sc != NULL))
        abort();
    if (st != PARLEY_OK && st != PARLEY_ENOMEM && diags &&
        parley_diags_errors(diags) == 0)
        abort();
    if (sc)
        check(sc);
    parley_scenario_free(sc);
    parley_diags_free(diags);
    return 0;
}
