/*
 * parley/analysis.h - feasible set, Pareto frontier, solution concepts and
 * fairness/power metrics (DESIGN.md section 2).
 *
 * The frontier is computed without enumerating the outcome space: utilities
 * are additive over issues, so the efficient set of the first k+1 issues is
 * contained in (efficient set of the first k) + (options of issue k+1); a
 * partial package dominated on a prefix stays dominated whatever follows.
 * Merging issue by issue and filtering at each step streams the space and
 * never holds more than a few frontiers.  When a step's candidates outgrow
 * the memory or time budget, the filter switches to an epsilon-cover (every
 * dropped vector has a kept one at most eps below it on every party) and the
 * result says so, with the accumulated bound `delta`: every feasible package
 * has a reported vector that is at least u - delta on every party.
 *
 * All solution concepts maximise over F; each maximiser lies on the frontier
 * (see analysis/solutions.c for the argument per concept), so they are read
 * off the frontier vectors.  Ties: higher utility sum, then lowest package
 * index.  The disagreement point is the reservation vector r.
 */
#ifndef PARLEY_ANALYSIS_H
#define PARLEY_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "parley/error.h"
#include "parley/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum parley_concept {
    PARLEY_CONCEPT_UTILITARIAN,
    PARLEY_CONCEPT_NASH,
    PARLEY_CONCEPT_POWER_NASH,
    PARLEY_CONCEPT_KS,
    PARLEY_CONCEPT_EGALITARIAN,
    PARLEY_CONCEPT_MEDIATED,
    PARLEY_CONCEPT_COUNT
} parley_concept_t;

/* "utilitarian", "nash", "power_nash", "ks", "egalitarian", "mediated". */
const char *parley_concept_name(parley_concept_t c);
/* -1 when unknown. */
int parley_concept_from_name(const char *name);

/* Called from the analysing thread; fraction in [0,1]. */
typedef void (*parley_progress_fn)(void *ctx, double fraction,
                                   const char *stage);

typedef enum parley_frontier_method {
    PARLEY_FRONTIER_MERGE,    /* issue-wise merge with pruning (default) */
    PARLEY_FRONTIER_ENUMERATE /* stream every package through a skyline
                                 filter; the baseline the benches compare
                                 against, and a cross-check in tests */
} parley_frontier_method_t;

typedef struct parley_analysis_opts {
    parley_frontier_method_t method;
    double lambda;       /* mediated compensation, in [0,1]; default 0.5 */
    int has_floor;       /* mediated: ask every normalized gain >= floor */
    double floor;        /* in [0,1] */
    double time_budget;  /* seconds; 0 = unlimited */
    size_t memory_budget; /* bytes for frontier work; 0 = default 512 MiB */
    /*
     * Count the feasible set exactly up to this many allowed packages
     * (0 = default 2e9); above it the count is bounded, not exact.
     */
    double count_limit;
    unsigned threads; /* 0 = all cores */
    parley_progress_fn progress;
    void *progress_ctx;
} parley_analysis_opts_t;

/* Fills defaults. */
void parley_analysis_opts_init(parley_analysis_opts_t *opts);

/* Metrics of one package (DESIGN.md 2); arrays have n_parties entries. */
typedef struct parley_metrics {
    double *u;         /* utilities */
    double *gain;      /* u_i - r_i */
    double *norm_gain; /* (u_i - r_i) / (I_i - r_i); 0 when I_i == r_i */
    double welfare;    /* sum u_i */
    double total_gain; /* sum of gains */
    /* total_gain / max total gain over F (1 for the utilitarian package). */
    double efficiency;
    int efficient; /* on the Pareto frontier of F */
    /*
     * Distance to the frontier: the largest t such that some feasible package
     * gives every party at least u_i + t; 0 when efficient.
     */
    double frontier_gap;
    double min_gain;
    double min_norm_gain;
    double gini; /* Gini coefficient of normalized gains; 0 if all zero */
    /*
     * Power skew: sum_i pi_i * ng_i - (1/n) sum_i ng_i, the power-weighted
     * mean normalized gain minus the plain mean.  0 when gains are equal or
     * power is equal; > 0 when the strong gain more.  In [-1, 1].
     */
    double power_skew;
    /*
     * Offset: share of power_nash's skew this package removes,
     * 1 - skew / skew(power_nash).  1 = none left, 0 = as power_nash,
     * > 1 = reversed.  has_offset is 0 when power_nash has no skew.
     */
    int has_offset;
    double offset;
} parley_metrics_t;

typedef struct parley_solution {
    parley_concept_t concept;
    int found; /* 0: see `why` */
    const char *why; /* static text when not found, else NULL */
    uint32_t *package; /* n_issues scenario option indices */
    double objective;  /* the concept's objective at package */
    /*
     * 0 when exact; otherwise an upper bound on how much the true optimum's
     * objective can exceed `objective` (from the frontier's delta).
     */
    double bound;
    int exact;
    double effective_floor; /* mediated with floor: the floor applied */
    parley_metrics_t metrics;
} parley_solution_t;

typedef struct parley_analysis parley_analysis_t;

/*
 * Runs the whole analysis.  Returns PARLEY_EINFEASIBLE (with a result, and
 * diags naming the parties whose reservation cannot be met) when F is empty;
 * then the frontier is empty and no solution is found.  Any other non-OK
 * status leaves *out NULL.
 */
parley_status_t parley_analyze(const parley_model_t *m,
                               const parley_analysis_opts_t *opts,
                               parley_analysis_t **out, parley_diags_t *diags);
void parley_analysis_free(parley_analysis_t *a);

/* Feasible set: exact count, or bounds when count_exact is 0. */
int parley_analysis_count_exact(const parley_analysis_t *a);
double parley_analysis_feasible_count(const parley_analysis_t *a);
double parley_analysis_feasible_lower(const parley_analysis_t *a);
double parley_analysis_feasible_upper(const parley_analysis_t *a);

/* Frontier: distinct utility vectors, each with its lowest-index package. */
int parley_analysis_frontier_exact(const parley_analysis_t *a);
double parley_analysis_frontier_delta(const parley_analysis_t *a);
size_t parley_analysis_frontier_size(const parley_analysis_t *a);
/* Number of efficient packages (sum of multiplicities); exact below 2^53. */
double parley_analysis_frontier_packages(const parley_analysis_t *a);
const double *parley_analysis_frontier_u(const parley_analysis_t *a,
                                         size_t v);
const uint32_t *parley_analysis_frontier_package(const parley_analysis_t *a,
                                                 size_t v);
double parley_analysis_frontier_multiplicity(const parley_analysis_t *a,
                                             size_t v);

/* I_i = max over F of u_i. */
const double *parley_analysis_ideal(const parley_analysis_t *a);

const parley_solution_t *parley_analysis_solution(const parley_analysis_t *a,
                                                  parley_concept_t c);
const parley_analysis_opts_t *parley_analysis_options(
    const parley_analysis_t *a);
/* Wall time the analysis took, seconds. */
double parley_analysis_seconds(const parley_analysis_t *a);

/*
 * Metrics of an arbitrary package against this analysis (ideal point,
 * frontier, power_nash skew).  `out` arrays are allocated; free with
 * parley_metrics_clear().
 */
parley_status_t parley_analysis_metrics(const parley_analysis_t *a,
                                        const parley_model_t *m,
                                        const uint32_t *pkg,
                                        parley_metrics_t *out);
void parley_metrics_clear(parley_metrics_t *mt);

/*
 * The full result as JSON (a parley_malloc'd string): scenario summary,
 * feasible set, frontier (vectors with packages written option by option
 * when `with_frontier`), every solution with package and metrics.
 */
parley_status_t parley_analysis_to_json(const parley_analysis_t *a,
                                        const parley_model_t *m,
                                        const parley_scenario_t *sc,
                                        int with_frontier, char **out);

#ifdef __cplusplus
}
#endif
#endif
