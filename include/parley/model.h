/*
 * parley/model.h - the compiled, read-only model the solvers work on.
 *
 * Compiling a scenario keeps only what analysis needs: the voting parties
 * (role PARTY), in scenario order, and per issue the options that no party's
 * red line excludes.  Each option carries a vector of utility contributions
 * weight * value, one per voting party, so that a package's utility vector is
 * a sum of one vector per issue, added in issue order (this order is part of
 * the contract: every path through libparley sums in it, so equal packages
 * compare equal bit for bit).
 *
 * Packages are arrays of n_issues option indices into the *scenario's* option
 * lists (not the filtered ones).  A package's index counts packages with the
 * first issue most significant and options in listed order (DESIGN.md 2).
 *
 * Lifetime: a model borrows nothing from its scenario; the scenario may be
 * freed after compiling.  Destroying NULL is harmless.  A model is immutable
 * after creation and may be shared between threads.
 */
#ifndef PARLEY_MODEL_H
#define PARLEY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "parley/error.h"
#include "parley/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct parley_model parley_model_t;

/*
 * Compiles `sc`.  Fails with PARLEY_EINFEASIBLE when red lines leave some
 * issue with no option; diags then names the issue and every red line on it
 * (party, operator, value) so the clash can be shown to the mediator.
 * Fails with PARLEY_EINVALID when there are no voting parties.
 */
parley_status_t parley_model_new(const parley_scenario_t *sc,
                                 parley_model_t **out, parley_diags_t *diags);
void parley_model_free(parley_model_t *m);

size_t parley_model_n_parties(const parley_model_t *m);
size_t parley_model_n_issues(const parley_model_t *m);
/* Scenario index of voting party i. */
size_t parley_model_party_index(const parley_model_t *m, size_t i);
const char *parley_model_party_id(const parley_model_t *m, size_t i);
const char *parley_model_issue_id(const parley_model_t *m, size_t k);
double parley_model_power(const parley_model_t *m, size_t i);
/* power_i / total power. */
double parley_model_power_share(const parley_model_t *m, size_t i);
double parley_model_reservation(const parley_model_t *m, size_t i);

/* Options of issue k in the scenario, and those that red lines allow. */
size_t parley_model_n_options(const parley_model_t *m, size_t k);
size_t parley_model_n_allowed(const parley_model_t *m, size_t k);
/* The j-th allowed option of issue k, as a scenario option index. */
uint32_t parley_model_allowed(const parley_model_t *m, size_t k, size_t j);
int parley_model_is_allowed(const parley_model_t *m, size_t k, uint32_t opt);

/*
 * Contribution vector of option `opt` (scenario index) of issue k: n_parties
 * doubles, weight_ik * value_ik(opt).  Borrowed from the model.
 */
const double *parley_model_contrib(const parley_model_t *m, size_t k,
                                   uint32_t opt);

/* Product of the scenario's option counts, and of the allowed ones. */
double parley_model_package_count(const parley_model_t *m);
double parley_model_allowed_count(const parley_model_t *m);

/* u(pkg) into u[n_parties], summed in issue order. */
void parley_model_utility(const parley_model_t *m, const uint32_t *pkg,
                          double *u);
/* Red lines kept and every u_i >= r_i. */
int parley_model_is_feasible(const parley_model_t *m, const uint32_t *pkg);

/*
 * Package index (first issue most significant) as a double, exact below
 * 2^53; and whether package a has a lower index than b (exact, lexicographic).
 */
double parley_model_package_index(const parley_model_t *m,
                                  const uint32_t *pkg);
int parley_model_package_less(const parley_model_t *m, const uint32_t *a,
                              const uint32_t *b);

/*
 * Whether red line `rl` (on issue `is`) allows option j of that issue.
 * Discrete issues: IN/NOT_IN test the option list, EQ/NE test options[0].
 * Numeric issues: EQ/NE snap `value` to the nearest grid point and compare
 * option indices; LT..GE compare the option's grid position with value's
 * position (value - min) / resolution, with a tolerance of 1e-9 grid steps so
 * that "x <= 0.3" keeps the grid point 3 * 0.1 = 0.30000000000000004.
 * IN/NOT_IN on a numeric issue list option indices.  An operator that does
 * not fit the issue (LT on a discrete issue) compares the option index with
 * value.
 */
int parley_red_line_allows(const parley_issue_t *is,
                           const parley_red_line_t *rl, size_t j);

#ifdef __cplusplus
}
#endif
#endif
