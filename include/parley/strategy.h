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
 * A strategy's parameters (docs/strategies.md gives each one's reason).
 * Shares are of the party's own utility scale: I is its own best utility
 * (the best package its own red lines allow, whatever the others want), r its
 * true reservation.  A kind ignores the fields it does not use.
 */
typedef struct parley_strategy_params {
    /* truthful, misreporter: share of (aspiration - r) conceded per ask;
     * hardliner: share of (aspiration - target). */
    double step;
    /* boulware, conceder: e in a(t) = r + (I - r) (1 - (t/T)^(1/e)). */
    double exponent;
    /* tit-for-tat: the one step it makes before anyone else has conceded,
     * as a share of (I - r). */
    double opening;
    /* tit-for-tat: the step, as a share of (I - r), it credits each party
     * that conceded since its last ask (views carry counts, not sizes). */
    double match;
    /* misreporter: declared reservation r + inflate * (I - r). */
    double inflate;
    /* misreporter: share of the issues (most weighted first, rounded up)
     * on which it declares a red line excluding its worst option. */
    double fake_share;
    /* hardliner: target = r + (I - r) * (k_min + (k_max - k_min) * s), s its
     * share of the voting parties' power. */
    double k_min, k_max;
    /* hardliner: rounds a text it must decide on may stay below its target
     * before it walks out (it walks out at the deadline in any case). */
    unsigned patience;
    /* Relative spread drawn from the seed: step, exponent, opening, match
     * and inflate are each multiplied by 1 + jitter * U, U uniform in
     * [-1, 1).  0 <= jitter < 1; 0 makes the seed irrelevant. */
    double jitter;
} parley_strategy_params_t;

/* The documented defaults of a kind. */
void parley_strategy_params_default(parley_strategy_kind_t kind,
                                    parley_strategy_params_t *params);

/*
 * A simulated driver for scenario party `party` of `sc` (role PARTY).  The
 * strategy keeps a private copy of that party's own profile only (compiled
 * to per-option utility contributions); later calls see nothing but their
 * views.  Errors: PARLEY_EARG for a bad kind, party index, non-voting
 * party, NULL argument or parameter out of range; PARLEY_EINVALID when the
 * party has no profile (weights or values NULL); PARLEY_ENOMEM.
 */
parley_status_t parley_strategy_new(parley_strategy_kind_t kind,
                                    const parley_scenario_t *sc, size_t party,
                                    uint64_t seed, parley_strategy_t **out);
/* The same with explicit parameters (NULL = the kind's defaults). */
parley_status_t parley_strategy_new_with(parley_strategy_kind_t kind,
                                         const parley_scenario_t *sc,
                                         size_t party,
                                         const parley_strategy_params_t *params,
                                         uint64_t seed,
                                         parley_strategy_t **out);
void parley_strategy_free(parley_strategy_t *st);
/*
 * Starts the strategy afresh as parley_strategy_new_with() would have made
 * it with `seed` (same kind, scenario, party and parameters), keeping its
 * compiled profile: nothing is allocated, so a study reuses one strategy
 * per party from session to session.  NULL is harmless.
 */
void parley_strategy_reset(parley_strategy_t *st, uint64_t seed);
/* Borrowed; lives as long as the strategy. */
const parley_driver_t *parley_strategy_driver(const parley_strategy_t *st);
parley_strategy_kind_t parley_strategy_kind(const parley_strategy_t *st);
/* The parameters in effect, after the seed's jitter. */
void parley_strategy_params_get(const parley_strategy_t *st,
                                parley_strategy_params_t *out);

/*
 * Baseline: unmediated stacked alternating offers among the same parties
 * and strategies: parties take turns proposing a package from their own
 * profile at their current aspiration; the others accept or not; the first
 * package all accept is the outcome; the deadline is rules->max_rounds.
 *
 * A round is one turn of every voting party, in scenario order rotated by a
 * start drawn from `seed`; after a round without agreement every party is
 * asked to concede once.  There is no mediator: no disclosure, no vetoes
 * (an objection or veto is a rejection), no guarantees, no step limit.  A
 * proposer offers, among the packages its own (declared) red lines allow
 * with its own utility >= its aspiration, one closest to the aspiration,
 * lowest package index on ties, found by a pruned depth-first search (exact
 * unless PARLEY_SAO_SEARCH_BUDGET nodes run out; then the closest found so
 * far, still at or above the aspiration).  kinds[i] is party i's strategy
 * (ignored for non-voting parties); party i's seed is derived from `seed`
 * and i.  Errors: PARLEY_EARG (NULL argument, bad kind, no voting party),
 * PARLEY_EINVALID, PARLEY_ENOMEM; a driver error is passed on.
 */
#define PARLEY_SAO_SEARCH_BUDGET 1000000u

typedef struct parley_baseline_result {
    int agreement;
    /* The agreement, or the last offer made (zeros when no round ran). */
    uint32_t package[PARLEY_MAX_ISSUES];
    unsigned rounds;  /* rounds started */
    int walkout;      /* 1 when a party walked out */
    long walkout_party; /* scenario index of that party, else -1 */
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
