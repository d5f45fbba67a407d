/*
 * table_scenario.c - small hand-written scenarios for tests (see header).
 */
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "support/table_scenario.h"

static char *numbered(const char *prefix, size_t i)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s%zu", prefix, i);
    return parley_strdup(buf);
}

parley_scenario_t *table_scenario(const table_scenario_spec_t *spec)
{
    parley_scenario_t *sc = parley_scenario_new();
    if (!sc)
        return NULL;
    size_t P = spec->n_parties, K = spec->n_issues;
    sc->name = parley_strdup(spec->name ? spec->name : "table");
    sc->issues = parley_calloc(K ? K : 1, sizeof *sc->issues);
    sc->parties = parley_calloc(P ? P : 1, sizeof *sc->parties);
    if (!sc->name || !sc->issues || !sc->parties)
        goto fail;
    size_t total = 0, label = 0;
    for (size_t k = 0; k < K; k++) {
        parley_issue_t *is = &sc->issues[k];
        sc->n_issues++;
        is->id = spec->issue_ids ? parley_strdup(spec->issue_ids[k])
                                 : numbered("i", k);
        is->kind = PARLEY_ISSUE_DISCRETE;
        is->cluster = -1;
        is->options = parley_calloc(spec->n_options[k], sizeof(char *));
        if (!is->id || !is->options)
            goto fail;
        is->n_options = spec->n_options[k];
        for (size_t j = 0; j < is->n_options; j++) {
            is->options[j] = spec->option_ids
                                 ? parley_strdup(spec->option_ids[label++])
                                 : numbered("o", j);
            if (!is->options[j])
                goto fail;
        }
        total += is->n_options;
    }
    for (size_t i = 0; i < P; i++) {
        parley_party_t *p = &sc->parties[i];
        sc->n_parties++;
        p->id = spec->party_ids ? parley_strdup(spec->party_ids[i])
                                : numbered("p", i);
        p->name = spec->party_names ? parley_strdup(spec->party_names[i])
                                    : NULL;
        p->role = PARLEY_ROLE_PARTY;
        p->power = spec->power ? spec->power[i] : 1;
        p->reservation = spec->reservation ? spec->reservation[i] : 0;
        p->discount = 1;
        p->weights = parley_calloc(K ? K : 1, sizeof *p->weights);
        p->values = parley_calloc(K ? K : 1, sizeof *p->values);
        if (!p->id || !p->weights || !p->values)
            goto fail;
        const double *row = spec->values + i * total;
        for (size_t k = 0; k < K; k++) {
            size_t n = sc->issues[k].n_options;
            p->weights[k] = 1;
            p->values[k].kind = PARLEY_VALUE_TABLE;
            p->values[k].n_table = n;
            p->values[k].table = parley_calloc(n, sizeof(double));
            if (!p->values[k].table)
                goto fail;
            memcpy(p->values[k].table, row, n * sizeof(double));
            row += n;
        }
    }
    return sc;
fail:
    parley_scenario_free(sc);
    return NULL;
}

parley_scenario_t *table_scenario_worked_example(void)
{
    static const char *const ids[] = {"A", "B", "C"};
    static const char *const names[] = {"Upstream state", "Downstream state",
                                        "Delta towns"};
    static const double power[] = {4, 2, 2};
    static const double reservation[] = {0.25, 0, 0.125};
    static const char *const issue[] = {"plan"};
    static const size_t n_options[] = {6};
    static const char *const labels[] = {"a", "b", "c", "d", "e", "f"};
    static const double values[] = {
        0.75,  0.5,   0.375, 0.375, 0.25,  0.6875, /* A */
        0.25,  0.75,  1,     0.5,   0.5,   0.625,  /* B */
        0.125, 0.375, 0.25,  0.25,  0.625, 0.25,   /* C */
    };
    table_scenario_spec_t spec = {
        .name = "worked example",
        .n_parties = 3,
        .party_ids = ids,
        .party_names = names,
        .power = power,
        .reservation = reservation,
        .n_issues = 1,
        .issue_ids = issue,
        .n_options = n_options,
        .option_ids = labels,
        .values = values,
    };
    return table_scenario(&spec);
}
