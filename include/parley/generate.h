/*
 * parley/generate.h - random scenarios for tests, benchmarks and studies.
 *
 * Deterministic: the same options and seed give the same scenario on every
 * platform (a self-contained xoshiro256** generator, not rand()).
 */
#ifndef PARLEY_GENERATE_H
#define PARLEY_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "parley/error.h"
#include "parley/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum parley_power_dist {
    PARLEY_POWER_EQUAL,    /* every party power 1 */
    PARLEY_POWER_LINEAR,   /* n, n-1, ..., 1 */
    PARLEY_POWER_ZIPF,     /* 1, 1/2, 1/3, ... scaled so the strongest is 1 */
    PARLEY_POWER_DOMINANT, /* one party 10, the rest 1 */
    PARLEY_POWER_RANDOM    /* lognormal(0, 1) */
} parley_power_dist_t;

typedef struct parley_generate_opts {
    size_t n_parties;  /* >= 1 */
    size_t n_issues;   /* >= 1 */
    size_t n_options;  /* per issue, >= 1 */
    parley_power_dist_t power;
    /*
     * Conflict in [0,1]: the target pairwise correlation between two
     * parties' option values is 1 - 2 * conflict, floored at -1/(n-1), the
     * least correlation n parties can share.  0 = identical interests,
     * 0.5 = independent, 1 = as opposed as n parties can be.
     */
    double conflict;
    double reservation; /* every party's reservation, default 0 */
    uint64_t seed;
} parley_generate_opts_t;

void parley_generate_opts_init(parley_generate_opts_t *opts);
const char *parley_power_dist_name(parley_power_dist_t d);
int parley_power_dist_from_name(const char *name); /* -1 when unknown */

parley_status_t parley_generate(const parley_generate_opts_t *opts,
                                parley_scenario_t **out,
                                parley_diags_t *diags);

#ifdef __cplusplus
}
#endif
#endif
