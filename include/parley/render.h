/*
 * parley/render.h - pictures of an analysis, as standalone SVG.
 *
 * Two parties: the utility plane with the frontier, the reservation point
 * and each solution.  More: pairwise panels (one small plane per pair of
 * parties) up to 5 parties, parallel coordinates beyond; always labelled with
 * the parties' names.
 */
#ifndef PARLEY_RENDER_H
#define PARLEY_RENDER_H

#include <stdio.h>

#include "parley/analysis.h"
#include "parley/error.h"
#include "parley/model.h"
#include "parley/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

parley_status_t parley_render_frontier_svg(const parley_analysis_t *a,
                                           const parley_model_t *m,
                                           const parley_scenario_t *sc,
                                           FILE *out);

#ifdef __cplusplus
}
#endif
#endif
