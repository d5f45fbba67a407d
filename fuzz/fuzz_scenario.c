/*
 * fuzz_scenario.c - libFuzzer target for the v1 JSON scenario reader.
 *
 * Any bytes: reading must not crash, leak or read out of bounds; a failed
 * read gives no scenario and at least one error; a successful one must
 * write, read back to an equal scenario, and write again to the same text.
 * Seeds: fuzz/corpus/scenario/; dictionary: fuzz/scenario.dict.
 *   ./build-fuzz/fuzz_scenario -dict=fuzz/scenario.dict NEW_DIR fuzz/corpus/scenario
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/scenario.h"

#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                           \
        }                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = (parley_scenario_t *)1;
    parley_status_t st = parley_scenario_read_string((const char *)data, size,
                                                     "fuzz.json", &sc, d);
    char line[1200];
    for (size_t i = 0; i < parley_diags_count(d); i++) {
        const parley_diag_t *x = parley_diags_get(d, i);
        parley_diag_format(x, line, sizeof line);
        REQUIRE(x->line == 0 || x->line <= size + 1);
    }
    if (st != PARLEY_OK) {
        REQUIRE(sc == NULL);
        REQUIRE(parley_diags_errors(d) > 0);
        parley_diags_free(d);
        return 0;
    }
    REQUIRE(sc != NULL);
    REQUIRE(parley_diags_errors(d) == 0);
    REQUIRE(parley_scenario_check(sc, "fuzz.json", NULL) == PARLEY_OK);

    /* Every value a valid scenario defines is a number in [0, 1]. */
    double work = 0;
    for (size_t k = 0; k < sc->n_issues; k++)
        work += (double)sc->issues[k].n_options * (double)sc->n_parties;
    for (size_t i = 0; work <= 1e6 && i < sc->n_parties; i++) {
        const parley_party_t *p = &sc->parties[i];
        for (size_t k = 0; p->values && k < sc->n_issues; k++)
            for (size_t j = 0; j < sc->issues[k].n_options; j++) {
                double v = parley_value_eval(&p->values[k], &sc->issues[k], j);
                REQUIRE(v >= 0 && v <= 1);
            }
    }

    char *text = NULL;
    REQUIRE(parley_scenario_to_string(sc, &text) == PARLEY_OK);
    parley_scenario_t *back = NULL;
    parley_diags_clear(d);
    st = parley_scenario_read_string(text, strlen(text), "written.json", &back,
                                     d);
    if (st != PARLEY_OK) {
        parley_diags_print(d, stderr);
        fprintf(stderr, "%s\n", text);
    }
    REQUIRE(st == PARLEY_OK);
    REQUIRE(parley_scenario_equal(sc, back));
    char *again = NULL;
    REQUIRE(parley_scenario_to_string(back, &again) == PARLEY_OK);
    REQUIRE(strcmp(text, again) == 0);

    parley_free(again);
    parley_free(text);
    parley_scenario_free(back);
    parley_scenario_free(sc);
    parley_diags_free(d);
    return 0;
}
