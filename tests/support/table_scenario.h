/*
 * table_scenario.h - small hand-written scenarios for tests.
 *
 * Every issue is discrete with options "o0", "o1", ... (or given labels) and
 * every party values it through a table with weight 1, so that a test can
 * write the utility of each party for each option directly.
 */
#ifndef PARLEY_TESTS_TABLE_SCENARIO_H
#define PARLEY_TESTS_TABLE_SCENARIO_H

#include <stddef.h>

#include "parley/scenario.h"

typedef struct table_scenario_spec {
    const char *name;         /* scenario name; NULL = "table" */
    size_t n_parties;
    const char *const *party_ids;   /* NULL = "p0", "p1", ... */
    const char *const *party_names; /* NULL = no names */
    const double *power;            /* n_parties; NULL = all 1 */
    const double *reservation;      /* n_parties; NULL = all 0 */
    size_t n_issues;
    const char *const *issue_ids;   /* NULL = "i0", "i1", ... */
    const size_t *n_options;        /* per issue */
    /* Option labels of all issues, issue after issue; NULL = "o<j>". */
    const char *const *option_ids;
    /*
     * values[p][k][j], flattened: for each party, its table of every issue
     * one after the other (sum of n_options entries per party).
     */
    const double *values;
} table_scenario_spec_t;

/* A scenario that passes parley_scenario_check(), or NULL on ENOMEM. */
parley_scenario_t *table_scenario(const table_scenario_spec_t *spec);

/*
 * The worked example of docs/metrics.md: parties A, B, C with power 4, 2, 2
 * and reservations 0.25, 0, 0.125; one issue "plan" with options a..f:
 *            a       b      c      d      e      f
 *   A      0.75    0.5    0.375  0.375  0.25   0.6875
 *   B      0.25    0.75   1      0.5    0.5    0.625
 *   C      0.125   0.375  0.25   0.25   0.625  0.25
 */
parley_scenario_t *table_scenario_worked_example(void);

#endif
