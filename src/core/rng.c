/*
 * rng.c - the library's one random number generator.
 *
 * Generated scenarios and simulated sessions must replay byte for byte from
 * a seed on every platform, so nothing here touches rand() or any global
 * state: each user owns a xoshiro256** state seeded through splitmix64
 * (which turns any 64-bit seed, including 0, into a state that is not all
 * zeros).
 */
#include <stdint.h>

#include "core/core_internal.h"

uint64_t parley__splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void parley__rng_seed(parley__rng_t *r, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = parley__splitmix64(&sm);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t parley__rng_next(parley__rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double parley__rng_unit(parley__rng_t *r)
{
    return (double)(parley__rng_next(r) >> 11) * 0x1.0p-53;
}
