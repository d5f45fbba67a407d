/*
 * strategy_internal.h - what the simulated strategies and the unmediated
 * baseline share.
 *
 * A strategy compiles its own party's profile once, at creation, into per
 * option utility contributions (weight * value, the same products the model
 * uses, summed in issue order, so a strategy's utility of a package is the
 * model's bit for bit) and into "allowed" tables for its true and its
 * declared red lines.  Everything else it learns from its views.  The
 * baseline drives strategies through the same driver callbacks a session
 * uses, plus the two helpers below that a proposer needs.
 */
#ifndef PARLEY_STRATEGY_INTERNAL_H
#define PARLEY_STRATEGY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/core_internal.h"
#include "parley/strategy.h"

/* ---- the strategy ----------------------------------------------------- */

struct parley_strategy {
    parley_strategy_kind_t kind;
    parley_strategy_params_t params; /* after jitter */
    parley_strategy_params_t base;   /* before jitter (for a reset) */
    size_t party;                    /* scenario index */
    size_t n_parties;                /* of the scenario */
    size_t n_issues;
    size_t *n_options;      /* [n_issues] */
    double **contrib;       /* [k][j] weight_k * value_k(j), true profile */
    uint8_t **allowed;      /* [k][j] 1 when its true red lines allow j */
    uint8_t **declared_ok;  /* [k][j] 1 when its declared red lines allow j */
    /*
     * Per issue, the options a proposer picks from: the declared ones, or,
     * when its own red lines leave an issue empty (a party at odds with
     * itself), every option.  pool_max/pool_min are the extreme
     * contributions over the pool; rest_max/rest_min their suffix sums
     * over issues k..K-1 (K + 1 entries, the last 0), for pruning.
     */
    uint8_t **pool;
    double *pool_max, *pool_min, *rest_max, *rest_min;
    double best;            /* I: sum of pool_max over the true pool */
    double reservation;     /* true r */
    double declared_reservation;
    /*
     * Fake red lines (misreporter), each excluding one option: NOT_IN
     * {option} on a discrete issue, != its number on a numeric one (the
     * operators each kind of issue takes).
     */
    size_t n_fake;
    size_t *fake_issue;
    uint32_t *fake_option;
    double *fake_value;   /* the option's number (numeric issues) */
    uint8_t *fake_numeric;

    /* What it remembers between calls. */
    unsigned vetoes;        /* vetoes it has cast */
    unsigned *seen;         /* tit-for-tat: concession counts at last ask */
    int opened;             /* tit-for-tat: opening step made or not needed */
    unsigned below_rounds;  /* hardliner: consecutive rounds below target */
    unsigned last_below_round;

    parley_driver_t driver;
};

/* Own utility of a full package (no range check: callers validate). */
double parley__strategy_utility(const parley_strategy_t *st,
                                const uint32_t *pkg);
/*
 * The aspiration the strategy answers against in `view`: a(t) for the
 * time-dependent kinds, else the aspiration the view records; never below
 * its floor (the reservation, or the hardliner's target) nor above
 * max(I, floor).  A non-finite recorded aspiration counts as I.
 */
double parley__strategy_aspiration(const parley_strategy_t *st,
                                   const parley_view_t *view);
/* The hardliner's walk-out target in `view`; the reservation for others. */
double parley__strategy_target(const parley_strategy_t *st,
                               const parley_view_t *view);
/* a(t) of the time-dependent curve with the strategy's exponent. */
double parley__strategy_timed(const parley_strategy_t *st, unsigned t,
                              unsigned deadline);

/* Whether pkg keeps every red line the strategy declares (true ones too). */
int parley__strategy_keeps_red_lines(const parley_strategy_t *st,
                                     const uint32_t *pkg);

/*
 * The proposer's offer at aspiration `asp`: among packages drawn from the
 * pool with own utility >= asp, one with the least utility, lowest package
 * index among equals.  Pruned depth-first search, first issue outermost,
 * options in listed order, at most `budget` nodes.  Returns 1 with pkg set
 * when the search finished (exact), 0 when the budget ran out (pkg holds the
 * closest found so far: the reach bound leads straight down to a first
 * qualifying package in about K nodes; if rounding inside the slack made it
 * miss, the pool's best package), -1 when no package reaches asp (pkg then
 * holds the pool's best package).
 * Time: O(budget); memory O(K).
 */
int parley__strategy_propose(const parley_strategy_t *st, double asp,
                             uint64_t budget, uint32_t *pkg);

/* ---- offer tables ----------------------------------------------------- */

/*
 * A proposer's pool as a sorted table (see parley_baseline_plan_t): every
 * package of the pool, by (utility ascending, package index ascending).
 * A package is stored as its rank in the pool's own mixed radix (first
 * issue most significant, pool options in listed order), which orders
 * packages as their package index does.
 */
typedef struct parley__offer_table {
    size_t n;           /* packages */
    double *u;          /* [n] own utility, ascending */
    uint32_t *rank;     /* [n] rank in the pool */
    size_t n_issues;
    uint32_t *radix;    /* [K] pool size of each issue */
    uint32_t *start;    /* [K] first of issue k's pool options in opt */
    uint32_t *opt;      /* pool options, issue by issue, ascending */
} parley__offer_table_t;

/*
 * The table of st's pool.  *out is NULL (status OK) when the pool has more
 * than `max` packages or a utility is not finite: the search then stays in
 * charge.  Time O(n log n + n K) for n packages; memory 12 n bytes kept,
 * 16 n more while sorting.
 */
parley_status_t parley__offer_table_new(const parley_strategy_t *st,
                                        size_t max,
                                        parley__offer_table_t **out);
void parley__offer_table_free(parley__offer_table_t *t);
/* Whether t was built from a pool equal to st's. */
int parley__offer_table_fits(const parley__offer_table_t *t,
                             const parley_strategy_t *st);
/*
 * What parley__strategy_propose(st, asp, unlimited budget, pkg) returns,
 * from the table t of st's pool: 1 with pkg the first entry at or above asp,
 * else -1 with pkg the pool's best package.  A NaN asp reaches nothing.
 * Time O(log n + K).
 */
int parley__offer_table_propose(const parley__offer_table_t *t,
                                const parley_strategy_t *st, double asp,
                                uint32_t *pkg);

#endif
