/*
 * fuzz_genius.c - libFuzzer target for the GENIUS XML importer.
 *
 * Each input is tried twice: as a preference profile against a small fixed
 * domain (one discrete and one integer issue), and as a domain read with a
 * fixed profile.  Whatever the bytes, the importer must return, report
 * failures as diagnostics (never on stderr), free everything, and hand back
 * only scenarios whose numbers keep the GENIUS contract, which this target
 * checks and aborts on.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parley/import.h"

static const char fixed_domain[] =
    "<negotiation_template><utility_space><objective name=\"root\">\n"
    "<issue index=\"1\" type=\"discrete\" name=\"Colour\">\n"
    "<item index=\"1\" value=\"red\"/><item index=\"2\" value=\"green\"/>\n"
    "<item index=\"3\" value=\"blue\"/></issue>\n"
    "<issue index=\"2\" type=\"integer\" name=\"Price\" lowerbound=\"10\" "
    "upperbound=\"14\"/>\n"
    "</objective></utility_space></negotiation_template>\n";

static const char fixed_profile[] =
    "<utility_space><objective name=\"root\">\n"
    "<issue index=\"1\" type=\"discrete\" name=\"Colour\">\n"
    "<item value=\"red\" evaluation=\"1\"/>"
    "<item value=\"green\" evaluation=\"3\"/>"
    "<item value=\"blue\" evaluation=\"2\"/></issue>\n"
    "<issue index=\"2\" type=\"integer\" name=\"Price\" lowerbound=\"10\">\n"
    "<evaluator ftype=\"linear\" offset=\"1\" slope=\"-0.25\"/></issue>\n"
    "<weight index=\"1\" value=\"0.6\"/><weight index=\"2\" value=\"0.4\"/>\n"
    "</objective><reservation value=\"0.2\"/></utility_space>\n";

/* The contract of an imported scenario that the fuzzer can check cheaply. */
static void check(const parley_scenario_t *sc)
{
    if (!sc->name || !sc->source || sc->n_issues == 0 ||
        sc->n_issues > PARLEY_MAX_ISSUES || sc->n_parties == 0)
        abort();
    for (size_t k = 0; k < sc->n_issues; k++) {
        const parley_issue_t *is = &sc->issues[k];
        if (!is->id || !is->name || is->n_options == 0 ||
            is->n_options > PARLEY_MAX_OPTIONS)
            abort();
        for (size_t q = 0; q < k; q++)
            if (strcmp(is->id, sc->issues[q].id) == 0)
                abort();
    }
    for (size_t i = 0; i < sc->n_parties; i++) {
        const parley_party_t *p = &sc->parties[i];
        if (!p->id || p->power != 1 || !(p->reservation >= 0) ||
            !(p->reservation <= 1) || !(p->discount > 0) ||
            !(p->discount <= 1))
            abort();
        for (size_t k = 0; k < sc->n_issues; k++) {
            if (!(p->weights[k] >= 0) || !isfinite(p->weights[k]))
                abort();
            for (size_t j = 0; j < sc->issues[k].n_options; j++) {
                double v = parley_value_eval(&p->values[k], &sc->issues[k], j);
                if (!(v >= 0 && v <= 1))
                    abort();
            }
        }
    }
}

static void run(const char *domain, size_t dlen, const char *profile,
                size_t plen)
{
    const char *profiles[1] = {profile};
    size_t lens[1] = {plen};
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st = parley_import_genius_strings(domain, dlen, profiles,
                                                      lens, 1, &sc, diags);
    if ((st == PARLEY_OK) != (sc != NULL))
        abort();
    if (st != PARLEY_OK && st != PARLEY_ENOMEM && diags &&
        parley_diags_errors(diags) == 0)
        abort(); /* a failure must say why */
    if (sc)
        check(sc);
    parley_scenario_free(sc);
    parley_diags_free(diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    run(fixed_domain, sizeof fixed_domain - 1, text, size);
    run(text, size, fixed_profile, sizeof fixed_profile - 1);
    return 0;
}
