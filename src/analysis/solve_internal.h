/*
 * solve_internal.h - how a solution concept scores a utility vector.
 *
 * The fast path (solutions.c, over the frontier) and the exhaustive reference
 * (reference_solve.c, over every package of F) must pick the same package.
 * They do so by scoring vectors with the very same code: an evaluator built
 * once per concept, a key per vector (compared as exact doubles), and one
 * tie-break comparator.  Nothing here allocates, so scoring cannot fail.
 *
 * Keys.  With g_i = u_i - r_i and span_i = I_i - r_i:
 *   utilitarian   sum_i u_i                (compared exactly, see below)
 *   nash          sum_i log g_i            (coefficients 1)
 *   power_nash    sum_i power_i log g_i    (coefficients power_i)
 *   mediated      sum_i c_i log g_i,  c_i = power_i^(1-lambda)
 *   ks            min over i with span_i > 0 of g_i / span_i (0 if none)
 *   egalitarian   min_i g_i
 * The Nash family keys use unnormalised coefficients so that nash,
 * power_nash and mediated(1), mediated(0) share bit-identical keys (c = 1 and
 * c = power_i are set exactly, never through pow()).  The reported objective
 * divides the key by sum_i c_i for power_nash and mediated (weights w_i =
 * c_i / sum c, as DESIGN.md writes them); nash reports the key itself.
 */
#ifndef PARLEY_SOLVE_INTERNAL_H
#define PARLEY_SOLVE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "parley/analysis.h"
#include "parley/model.h"
#include "parley/scenario.h"

typedef struct parley__eval {
    parley_concept_t concept;
    size_t n;
    double r[PARLEY_MAX_PARTIES];
    /* I_i - r_i; <= 0 marks a party with nothing to gain in F. */
    double span[PARLEY_MAX_PARTIES];
    double coef[PARLEY_MAX_PARTIES]; /* Nash family */
    double coef_sum;
    int has_floor;      /* mediated: normalized gains must reach `floor` */
    double floor;       /* the effective floor */
} parley__eval_t;

/*
 * Sets up scoring of concept c (lambda used by MEDIATED only; no floor).
 * `ideal` may be NULL for concepts that do not use it (all but KS and the
 * floor).  Fails with PARLEY_ELIMIT beyond PARLEY_MAX_PARTIES parties.
 */
parley_status_t parley__eval_init(parley__eval_t *ev, const parley_model_t *m,
                                  const double *ideal, parley_concept_t c,
                                  double lambda);

/*
 * Key of vector u; returns 0 (key untouched) when u is outside the concept's
 * domain: some g_i <= 0 for the Nash family, or below the floor.
 */
int parley__eval_key(const parley__eval_t *ev, const double *u, double *key);

/* The reported objective for a key. */
double parley__eval_objective(const parley__eval_t *ev, double key);

/* min over parties with span_i > 0 of g_i / span_i; 0 when there are none. */
double parley__eval_min_norm_gain(const parley__eval_t *ev, const double *u);

/*
 * Sign of sum(a) - sum(b) over n entries, computed exactly (a floating-point
 * filter, then an exact expansion when the filter cannot decide).
 */
int parley__sum_cmp(const double *a, const double *b, size_t n);

/*
 * Whether candidate a beats incumbent b: higher key (utilitarian: skipped,
 * its key is the sum), then higher exact utility sum, then lower package
 * index.  Each (key, u, pkg) triple must be in the concept's domain.
 */
int parley__eval_better(const parley__eval_t *ev, const parley_model_t *m,
                        double key_a, const double *u_a, const uint32_t *pkg_a,
                        double key_b, const double *u_b,
                        const uint32_t *pkg_b);

#endif
