/*
 * analyzed.h - a scenario with its model and analysis, for tests that look
 * at what parley_analyze() made of a scenario they built.
 */
#ifndef PARLEY_TESTS_ANALYZED_H
#define PARLEY_TESTS_ANALYZED_H

#include "parley/analysis.h"
#include "parley/model.h"
#include "parley/scenario.h"

typedef struct analyzed {
    parley_scenario_t *sc;
    parley_model_t *m;
    parley_analysis_t *a;
} analyzed_t;

/*
 * Takes sc (the test fails if it is NULL), compiles it (which must succeed)
 * and analyzes the model with the default options, which must end in
 * `want` (an analysis comes out on PARLEY_EINFEASIBLE too).
 */
void analyzed_init(analyzed_t *x, parley_scenario_t *sc,
                   parley_status_t want);

/* Frees the analysis, the model and the scenario. */
void analyzed_clear(analyzed_t *x);

#endif
