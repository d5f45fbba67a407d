/*
 * random_scenario.h - random small scenarios for tests.
 *
 * Builds a parley_scenario_t directly in C (no reader involved) from a seed,
 * so that a failing case can be reproduced from the seed alone.  Scenarios
 * are deliberately awkward: value tables drawn from a few round numbers and
 * repeated options so that equal utility vectors occur, weights of zero,
 * red lines of every operator (sometimes clashing), reservations from
 * negative to unreachable, non-voting parties whose red lines must not count.
 */
#ifndef PARLEY_TESTS_RANDOM_SCENARIO_H
#define PARLEY_TESTS_RANDOM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "parley/model.h"
#include "parley/scenario.h"

typedef struct random_scenario_params {
    size_t min_parties, max_parties; /* voting parties; default 2..6 */
    size_t min_issues, max_issues;   /* default 1..6 */
    size_t min_options, max_options; /* per issue; default 1..5 */
    double red_line_rate;  /* chance of a red line per party and issue */
    double reservation_rate; /* chance a party has a non-zero reservation */
    double non_voting_rate;  /* chance of one extra non-voting party */
    double real_rate;        /* chance a numeric issue is real, not integer */
    /*
     * Chance a party's numbers on an issue are round (eighths, so sums tie
     * exactly) rather than uniform; default 0.7.
     */
    double tie_rate;
    /* When > 0: the last issue is an integer issue with this many options. */
    size_t last_options;
    /*
     * Largest allowed product of option counts; issues are trimmed until the
     * scenario fits (0 = no cap).  Keeps the O(N^2) references quick.
     */
    double max_packages;
} random_scenario_params_t;

/* The defaults above: rates 0.15, 0.4, 0.2, 0.2, 0.7; max_packages 0. */
void random_scenario_params_default(random_scenario_params_t *p);

/* A deterministic 64-bit generator (splitmix64); state may be any value. */
uint64_t random_next(uint64_t *state);
/* Uniform in [0, 1) and in lo..hi inclusive. */
double random_unit(uint64_t *state);
size_t random_range(uint64_t *state, size_t lo, size_t hi);

/*
 * A new scenario from `seed` (params NULL = defaults), or NULL when memory
 * runs out.  Free with parley_scenario_free().
 */
parley_scenario_t *random_scenario(uint64_t seed,
                                   const random_scenario_params_t *params);

/*
 * random_scenario(seed, params) compiled into *m: 1 on success, 0 when its
 * red lines leave an issue empty (PARLEY_EINFEASIBLE, *m untouched); any
 * other outcome fails the running cmocka test.
 */
int random_model(uint64_t seed, const random_scenario_params_t *params,
                 parley_model_t **m);

#endif
