/*
 * study_internal.h - what the study modules share.
 *
 *   stats.c     quantiles and confidence intervals
 *   metrics.c   metrics of an outcome, strategy seeds, names, the JSON
 *               string builder
 *   simulate.c  one simulated session with its comparisons
 *   study.c     the study runner: work items, threads, per-scenario state
 *   output.c    rows and summaries as CSV and JSON
 *   implementation.c  breaches after agreement, durability
 */
#ifndef PARLEY_STUDY_INTERNAL_H
#define PARLEY_STUDY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parley/study.h"
#include "scenario/scenario_internal.h"

/* ---- a growable string for JSON --------------------------------------- */

/* The shared JSON writer's buffer (scenario_internal.h). */
typedef parley__strbuf_t parley__sb_t;

void parley__sb_free(parley__sb_t *b);
void parley__sb_put(parley__sb_t *b, const char *s, size_t n);
void parley__sb_raw(parley__sb_t *b, const char *s);
/* A JSON string with escapes; NULL writes null. */
void parley__sb_str(parley__sb_t *b, const char *s);
/* "key": */
void parley__sb_key(parley__sb_t *b, const char *key);
/* Shortest decimal that reads back; null when not finite. */
void parley__sb_num(parley__sb_t *b, double x);
void parley__sb_uint(parley__sb_t *b, uint64_t x);
void parley__sb_bool(parley__sb_t *b, int x);
/* A text: {"issue id": "option label", ...} in scenario order. */
void parley__sb_text(parley__sb_t *b, const parley_scenario_t *sc,
                     const uint32_t *pkg);
/* The outcome metrics as members (no braces): "agreement":...,"offset":... */
void parley__sb_metrics(parley__sb_t *b, const parley_study_metrics_t *m,
                        int with_agreement);

/* ---- strategies ------------------------------------------------------- */

/*
 * Each scenario party's strategy under `mix` (truthful for whatever `mix`
 * does not set; non-voting parties too, ignored).  An assigned id that is
 * no voting party of sc is PARLEY_EARG, with its index in *bad.
 */
parley_status_t parley__mix_resolve(const parley_study_mix_t *mix,
                                    const parley_scenario_t *sc,
                                    parley_strategy_kind_t *kinds,
                                    size_t *bad);

/* Metrics of "nothing to measure against": every number NaN. */
void parley__metrics_unknown(parley_study_metrics_t *out, int agreement,
                             unsigned rounds);

#endif
