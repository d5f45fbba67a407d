/*
 * core_internal.h - small building blocks that several areas of the library
 * share and that are not part of the public API.
 *
 * The random number generator lives here because both the scenario
 * generator and the simulated strategies need sequences that replay bit for
 * bit from a seed on every platform.
 */
#ifndef PARLEY_CORE_INTERNAL_H
#define PARLEY_CORE_INTERNAL_H

#include <stdint.h>

/* ---- random numbers --------------------------------------------------- */

/* xoshiro256**, seeded through splitmix64 so any seed (0 too) is fine. */
typedef struct parley__rng {
    uint64_t s[4];
} parley__rng_t;

/*
 * One splitmix64 step: advances *state by the golden-ratio increment and
 * returns the mixed value.  Any state is valid, 0 included.
 */
uint64_t parley__splitmix64(uint64_t *state);
/*
 * Fills the four state words with four consecutive splitmix64 outputs
 * started from seed.  splitmix64 never yields four zero words in a row, so
 * the state is never the all-zero one xoshiro cannot leave.
 */
void parley__rng_seed(parley__rng_t *r, uint64_t seed);
/* The next 64-bit xoshiro256** output; advances the state. */
uint64_t parley__rng_next(parley__rng_t *r);
/* Uniform in [0, 1): the top 53 bits of the next output, times 2^-53. */
double parley__rng_unit(parley__rng_t *r);

#endif
