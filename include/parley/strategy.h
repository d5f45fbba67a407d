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

/*
 * A baseline plan: what every baseline over one scenario shares, built once
 * and then read by any number of baselines on any number of threads.  For
 * each voting party and each offer pool its strategies use (the packages
 * its declared red lines allow: the misreporter declares more than the
 * others), the table of those packages sorted by (own utility ascending,
 * package index ascending), utilities summed exactly as the search sums
 * them.  An offer is then a binary search: the first entry at or above the
 * aspiration is the one the search would find (least utility at or above
 * it, lowest package index among equals), in O(log n) instead of up to
 * PARLEY_SAO_SEARCH_BUDGET nodes, and always exact (the budget never runs
 * out on a table).
 *
 * A table holds at most PARLEY_SAO_TABLE_MAX packages (a pool with more is
 * left to the search), 12 bytes each: at most 48 MiB per table, and a
 * party has one table per distinct pool (one, or two when the misreporter
 * is seated).  Building a table of n packages takes O(n log n) time.
 *
 * parley_baseline_plan_new() builds the tables the strategy mixes
 * kinds[m * n_parties .. m * n_parties + n_parties - 1], m < n_mixes, need
 * (entries of non-voting parties ignored); kinds NULL builds them for every
 * kind.  The plan borrows `sc`, which must outlive it and stay unchanged.
 * Errors: PARLEY_EARG (NULL sc or out, n_mixes 0 with kinds, bad kind, no
 * voting party), PARLEY_ELIMIT, PARLEY_EINVALID (a party without a
 * profile), PARLEY_ENOMEM.  Freeing NULL is harmless.
 */
#define PARLEY_SAO_TABLE_MAX (1u << 22)

typedef struct parley_baseline_plan parley_baseline_plan_t;

parley_status_t parley_baseline_plan_new(const parley_scenario_t *sc,
                                         const parley_strategy_kind_t *kinds,
                                         size_t n_mixes,
                                         parley_baseline_plan_t **out);
void parley_baseline_plan_free(parley_baseline_plan_t *plan);
/* Bytes the plan's tables take (0 for NULL). */
size_t parley_baseline_plan_bytes(const parley_baseline_plan_t *plan);

/*
 * parley_baseline_sao() over plan's scenario, with the plan's tables for the
 * proposers it has one for and the search for the others.  The result is
 * the same as parley_baseline_sao()'s whenever the search finishes within
 * its budget (always, when every pool has a table).  The plan is only
 * read: threads may share it.  Errors as parley_baseline_sao() (NULL plan:
 * PARLEY_EARG).
 */
parley_status_t parley_baseline_sao_planned(const parley_baseline_plan_t *plan,
                                            const parley_rules_t *rules,
                                            const parley_strategy_kind_t *kinds,
                                            uint64_t seed,
                                            parley_baseline_result_t *out);

#ifdef __cplusplus
}
#endif
#endif
