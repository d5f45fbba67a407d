/*
 * parley/render.h - pictures of an analysis, as standalone SVG.
 *
 * Two parties: the utility plane with the frontier, the reservation point
 * and each solution.  More: pairwise panels (one small plane per pair of
 * parties) up to 5 parties, parallel coordinates beyond; always labelled with
 * the parties' names.
 *
 * A session's path: the texts a mediator put, in order, over the same
 * planes (pairwise panels for three parties or more), with the agreement,
 * power_nash and the unmediated baseline marked.  A study: the designs side
 * by side, one panel per summary metric, means with 95% intervals.
 */
#ifndef PARLEY_RENDER_H
#define PARLEY_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include "parley/analysis.h"
#include "parley/error.h"
#include "parley/model.h"
#include "parley/scenario.h"
#include "parley/study.h"

#ifdef __cplusplus
extern "C" {
#endif

parley_status_t parley_render_frontier_svg(const parley_analysis_t *a,
                                           const parley_model_t *m,
                                           const parley_scenario_t *sc,
                                           FILE *out);

/* The texts of a session in the order they were put (see
 * parley_simulation_text()), and the outcomes to mark. */
typedef struct parley_session_path {
    size_t n_texts;
    const uint32_t *texts;   /* n_texts * n_issues scenario option indices */
    const unsigned *rounds;  /* [n_texts] round each was put; may be NULL */
    const int *pilot;        /* [n_texts] 1 for a straw poll; may be NULL */
    int agreement;           /* final_package was agreed */
    const uint32_t *final_package;    /* or the best text reached; or NULL */
    int baseline_agreement;
    const uint32_t *baseline_package; /* or NULL: no baseline marked */
} parley_session_path_t;

/*
 * Two parties: the utility plane with the frontier, the texts numbered in
 * order and joined by a line, the agreement, power_nash, the baseline and
 * the reservation point.  More: one such panel per pair of parties (the six
 * most powerful when there are more than six).  `a` is the analysis of the
 * model `m` compiled from `sc`.  PARLEY_EARG for inconsistent arguments,
 * PARLEY_EIO when writing fails.
 */
parley_status_t parley_render_session_svg(const parley_analysis_t *a,
                                          const parley_model_t *m,
                                          const parley_scenario_t *sc,
                                          const parley_session_path_t *path,
                                          FILE *out);

/*
 * A study's designs side by side: one panel per summary metric (agreement
 * rate, rounds, efficiency, min normalized gain, power skew, offset), each
 * design's mean with its 95% interval as a bar, the baseline's beside it
 * when the study ran one.
 */
parley_status_t parley_render_study_svg(const parley_study_t *st, FILE *out);

struct parley_monitor_status; /* parley/monitor.h */

/*
 * The implementation of a monitored agreement (parley_monitor_status) as a
 * timeline: commitments as rows, period ends as columns, each cell in the
 * colour of the status that counts (PAM 0..3), disputed and breached cells
 * marked D and B; each guarantee's state from the period since which it
 * holds (a suspended benefit outlined); the consequences listed.
 * PARLEY_EIO when writing fails.
 */
parley_status_t
parley_render_timeline_svg(const struct parley_monitor_status *s, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
