/*
 * model_internal.h - the compiled model's layout, for the solvers.
 *
 * The public accessors in model.h are enough for most callers; the frontier,
 * feasible-set and reference code read these arrays directly in their inner
 * loops.  Everything here is read-only once parley_model_new() returns.
 *
 * Contributions are stored twice:
 *   contrib   per issue, every scenario option, n_parties doubles each;
 *   acontrib  per issue, only the allowed options (in scenario order), packed,
 *             n_parties doubles each, so that a loop over "the j-th allowed
 *             option" walks memory contiguously.
 * Per issue the best and worst allowed contribution per party (amax, amin)
 * and their suffix sums over the issues k..K-1 (rest_max, rest_min, with
 * K+1 rows, the last one zero) serve the pruning bounds.
 *
 * Exact reservation thresholds, per stage j (issues 0..j-1 summed, j..K-1 to
 * come) and party i, in (K + 1) * P tables:
 *   reach[j,i]  the smallest double v such that v plus the best allowed
 *               option of every remaining issue, added in issue order,
 *               reaches r_i: a prefix below it can never become feasible;
 *   safe[j,i]   the same with the worst options: a prefix at or above it
 *               meets r_i whatever follows.
 * -inf means always, +inf never.  Floating-point addition is monotone, so
 * these are exact statements about the rounded sums, with no tolerance.
 */
#ifndef PARLEY_MODEL_INTERNAL_H
#define PARLEY_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "parley/model.h"

struct parley_model {
    size_t n_parties, n_issues;
    size_t *party_index; /* [n_parties] scenario index */
    char **party_id;     /* [n_parties] */
    char **issue_id;     /* [n_issues] */
    double *power, *share, *reservation; /* [n_parties] */

    size_t *n_options;   /* [n_issues] scenario option counts */
    size_t *n_allowed;   /* [n_issues] */
    uint32_t **allowed;  /* [n_issues][n_allowed[k]] scenario indices */
    uint8_t **is_allowed; /* [n_issues][n_options[k]] 0/1 */
    double **contrib;    /* [n_issues][n_options[k] * n_parties] */
    double **acontrib;   /* [n_issues][n_allowed[k] * n_parties] */
    double *amax, *amin; /* [n_issues * n_parties] over allowed options */
    double *rest_max, *rest_min; /* [(n_issues + 1) * n_parties] suffix sums */
    double *reach, *safe;        /* [(n_issues + 1) * n_parties] thresholds */

    double package_count, allowed_count;
};

#endif
