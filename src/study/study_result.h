/*
 * study_result.h - the layout of a finished study (parley_study_t), shared
 * by the runner that fills it and the writers that print it.  It holds
 * copies of every name it prints, so it outlives the spec's scenarios.
 */
#ifndef PARLEY_STUDY_RESULT_H
#define PARLEY_STUDY_RESULT_H

#include "parley/study.h"

typedef struct parley__study_scenario {
    char *name;
    size_t parties, issues; /* voting parties */
    double packages;
    int has_pn;
    double pn_skew;         /* power_nash's power skew */
} parley__study_scenario_t;

typedef struct parley__study_design {
    char *name;
    parley_study_design_t factors; /* name and party ids point into copies */
    char **party_ids;
    parley_strategy_kind_t *kinds;
} parley__study_design_t;

struct parley_study {
    size_t n_scenarios, n_designs, n_seeds;
    uint64_t first_seed;
    int baseline;
    unsigned periods; /* implementation periods, 0: none */
    double breach_base;
    parley__study_scenario_t *scenarios; /* [n_scenarios] */
    parley__study_design_t *designs;     /* [n_designs] */
    parley_study_row_t *rows; /* [S * D * N], scenario, design, seed */
    parley_study_summary_t *summaries;   /* [n_designs] */
    double seconds;
};

/* An empty result shaped for `spec` (names copied), or NULL. */
parley_study_t *parley__study_new(const parley_study_spec_t *spec);

#endif
