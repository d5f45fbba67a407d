/*
 * parley/strategy.h - simulated parties, and the baselines a mediated
 * session is compared with.
 *
 * A strategy is a parley_driver_t that answers from the party's own view
 * only (it cannot see more: see session.h).  Randomness comes from a seed,
 * so a simulated session is reproducible byte for byte.
 */
#ifndef PARLEY_STRATEGY_H
#define PARLEY_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "parley/error.h"
#include "parley/rules.h"
#include "parley/scenario.h"
#include "parley/session.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum parley_strategy_kind {
    PARLEY_STRATEGY_TRUTHFUL,    /* discloses the truth, concedes steadily */
    PARLEY_STRATEGY_BOULWARE,    /* time-dependent, concedes late */
    PARLEY_STRATEGY_CONCEDER,    /* time-dependent, concedes early */
    PARLEY_STRATEGY_TIT_FOR_TAT, /* matches the others' concessions */
    PARLEY_STRATEGY_HARDLINER,   /* threatens walk-out below a target that
                                    grows with its power, and carries it out */
    PARLEY_STRATEGY_MISREPORTER, /* inflates its reservation, declares red
                                    lines it does not hold */
    PARLEY_STRATEGY_COUNT
} parley_strategy_kind_t;

const char *parley_strategy_name(parley_strategy_kind_t k);
int parley_strategy_from_name(const char *name); /* -1 when unknown */

typedef struct parley_strategy parley_strategy_t;

/*
 * A simulated driver for scenario party `party` of `sc` (role PARTY).  The
 * strategy keeps a private copy of that party's own profile only.
 */
parley_status_t parley_strategy_new(parley_strategy_kind_t kind,
                                    const parley_scenario_t *sc, size_t party,
                                    uint64_t seed, parley_strategy_t **out);
void parley_strategy_free(parley_strategy_t *st);
/* Borrowed; lives as long as the strategy. */
const parley_driver_t *parley_strategy_driver(const parley_strategy_t *st);

/*
 * Baseline: unmediated stacked alternating offers among the same parties
 * and strategies: parties take turns proposing a package from their own
 * profile at their current aspiration; the others accept or not; the first
 * package all accept is the outcome; the deadline is rules->max_rounds.
 */
typedef struct parley_baseline_result {
    int agreement;
    uint32_t package[PARLEY_MAX_ISSUES];
    unsigned rounds;
} parley_baseline_result_t;

parley_status_t parley_baseline_sao(const parley_scenario_t *sc,
                                    const parley_rules_t *rules,
                                    const parley_strategy_kind_t *kinds,
                                    uint64_t seed,
                                    parley_baseline_result_t *out);

#ifdef __cplusplus
}
#endif
#endif
