/*
 * analysis_internal.h - the layout shared by the analysis modules.
 *
 *   frontier.c   builds the Pareto frontier of F by issue-wise merging
 *   feasible.c   counts F (exactly, or bounded) by pruned enumeration
 *   solutions.c  reads every solution concept off the frontier
 *   metrics.c    metrics of a package
 *   reference.c  slow, obvious versions of all of the above, for tests
 *   analysis.c   parley_analyze(): runs them in order, owns the result
 *   analysis_json.c  the result as JSON
 */
#ifndef PARLEY_ANALYSIS_INTERNAL_H
#define PARLEY_ANALYSIS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "parley/analysis.h"
#include "parley/model.h"

/*
 * A set of distinct utility vectors, each with the lowest-index package that
 * reaches it and how many packages reach it.  Stored as parallel flat arrays
 * for cache-friendly dominance tests:
 *   u[v * n_parties + i]    utility of party i
 *   pkg[v * n_issues + k]   option of issue k (scenario index)
 *   mult[v]                 multiplicity (number of packages)
 */
typedef struct parley__frontier {
    size_t n_parties;
    size_t n_issues;
    size_t size, capacity;
    double *u;
    uint32_t *pkg;
    double *mult;
    int exact;    /* 0 once an epsilon-cover filter dropped a vector */
    double delta; /* bound: every package of F is within delta of a vector */
} parley__frontier_t;

void parley__frontier_init(parley__frontier_t *f, size_t n_parties,
                           size_t n_issues);
void parley__frontier_clear(parley__frontier_t *f);
parley_status_t parley__frontier_reserve(parley__frontier_t *f, size_t cap);

/*
 * The Pareto frontier of F for model m.  Vectors are sorted by descending
 * utility sum, then ascending package index.  Respects opts' time and
 * memory budgets (see analysis.h); reports progress.
 */
parley_status_t parley__frontier_compute(const parley_model_t *m,
                                         const parley_analysis_opts_t *opts,
                                         parley__frontier_t *out);

/* Feasible-set count; exact=1 when lower == upper == count. */
typedef struct parley__feasible_count {
    int exact;
    double count, lower, upper;
} parley__feasible_count_t;

parley_status_t parley__feasible_count(const parley_model_t *m,
                                       const parley_analysis_opts_t *opts,
                                       parley__feasible_count_t *out);

/*
 * Solution concepts over the frontier.  `ideal` is I (n_parties).  Fills
 * sol->package (allocated), objective, found/why, bound, exact,
 * effective_floor; metrics are filled by the caller.
 */
parley_status_t parley__solve(const parley_model_t *m,
                              const parley__frontier_t *f, const double *ideal,
                              parley_concept_t c,
                              const parley_analysis_opts_t *opts,
                              parley_solution_t *sol);

/* Objective value of concept c at utility vector u (-HUGE_VAL if outside). */
double parley__objective(const parley_model_t *m, const double *ideal,
                         parley_concept_t c, double lambda, const double *u);

/*
 * Metrics of utility vector u given the frontier, ideal point, max total
 * gain over F and power_nash's skew (has_pn_skew = 0 when unknown).
 */
parley_status_t parley__metrics(const parley_model_t *m,
                                const parley__frontier_t *f,
                                const double *ideal, double max_total_gain,
                                int has_pn_skew, double pn_skew,
                                const double *u, parley_metrics_t *out);

struct parley_analysis {
    parley_analysis_opts_t opts;
    size_t n_parties, n_issues;
    parley__feasible_count_t feasible;
    parley__frontier_t frontier;
    double *ideal;
    double max_total_gain;
    parley_solution_t solutions[PARLEY_CONCEPT_COUNT];
    double seconds;
};

/*
 * Reference implementations: enumerate every package, all-pairs dominance.
 * O(N^2) in the number of packages; for tests on small scenarios only.
 */
parley_status_t parley__reference_frontier(const parley_model_t *m,
                                           parley__frontier_t *out);
double parley__reference_feasible_count(const parley_model_t *m);
/* Exhaustive argmax of concept c over F with DESIGN.md tie-breaking. */
parley_status_t parley__reference_solve(const parley_model_t *m,
                                        parley_concept_t c,
                                        const parley_analysis_opts_t *opts,
                                        uint32_t *pkg_out, int *found);

#endif
