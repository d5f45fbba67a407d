/*
 * frontier.c - the Pareto frontier of the feasible set.
 *
 * This file owns the parley__frontier_t container.  Its layout (parallel
 * flat arrays) is described in analysis_internal.h.
 */
#include <stdint.h>
#include <string.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"

void parley__frontier_init(parley__frontier_t *f, size_t n_parties,
                           size_t n_issues)
{
    memset(f, 0, sizeof *f);
    f->n_parties = n_parties;
    f->n_issues = n_issues;
    f->exact = 1;
}

void parley__frontier_clear(parley__frontier_t *f)
{
    if (!f)
        return;
    parley_free(f->u);
    parley_free(f->pkg);
    parley_free(f->mult);
    parley__frontier_init(f, f->n_parties, f->n_issues);
}

/* Grows to at least `cap` vectors (amortised doubling); contents kept. */
parley_status_t parley__frontier_reserve(parley__frontier_t *f, size_t cap)
{
    if (cap <= f->capacity)
        return PARLEY_OK;
    if (cap > SIZE_MAX / 4)
        return PARLEY_ENOMEM;
    size_t want = f->capacity ? f->capacity : 16;
    while (want < cap)
        want *= 2;
    size_t P = f->n_parties ? f->n_parties : 1;
    size_t K = f->n_issues ? f->n_issues : 1;
    if (want > SIZE_MAX / (P * sizeof(double)) ||
        want > SIZE_MAX / (K * sizeof(uint32_t)))
        return PARLEY_ENOMEM;
    double *u = parley_realloc(f->u, want * P * sizeof *u);
    if (!u)
        return PARLEY_ENOMEM;
    f->u = u;
    uint32_t *pkg = parley_realloc(f->pkg, want * K * sizeof *pkg);
    if (!pkg)
        return PARLEY_ENOMEM;
    f->pkg = pkg;
    double *mult = parley_realloc(f->mult, want * sizeof *mult);
    if (!mult)
        return PARLEY_ENOMEM;
    f->mult = mult;
    f->capacity = want;
    return PARLEY_OK;
}
