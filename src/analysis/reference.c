/*
 * reference.c - slow, obvious versions of the analysis, for tests.
 *
 * Every function here enumerates all allowed packages in index order and
 * applies the definitions of DESIGN.md 2 literally, with no pruning and no
 * cleverness, so that the fast solvers can be checked against them.  They are
 * quadratic in the number of packages: small scenarios only.
 */
#include <stdlib.h>
#include <string.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"
#include "model/model_internal.h"

/* Packages beyond this are refused: the all-pairs test would not finish. */
#define REFERENCE_MAX_PACKAGES 4000000.0

/*
 * Advances `pos` (allowed-option positions) to the next package in index
 * order, last issue fastest; writes the scenario options into pkg.  Returns
 * 0 after the last package.
 */
static int next_package(const parley_model_t *m, size_t *pos, uint32_t *pkg)
{
    for (size_t k = m->n_issues; k-- > 0;) {
        if (++pos[k] < m->n_allowed[k]) {
            pkg[k] = m->allowed[k][pos[k]];
            return 1;
        }
        pos[k] = 0;
        pkg[k] = m->allowed[k][0];
    }
    return 0;
}

static void first_package(const parley_model_t *m, size_t *pos, uint32_t *pkg)
{
    for (size_t k = 0; k < m->n_issues; k++) {
        pos[k] = 0;
        pkg[k] = m->allowed[k][0];
    }
}

static int feasible_u(const parley_model_t *m, const double *u)
{
    for (size_t i = 0; i < m->n_parties; i++)
        if (!(u[i] >= m->reservation[i]))
            return 0;
    return 1;
}

/* a dominates b: >= everywhere, > somewhere. */
static int dominates(const double *a, const double *b, size_t P)
{
    int strict = 0;
    for (size_t i = 0; i < P; i++) {
        if (a[i] < b[i])
            return 0;
        if (a[i] > b[i])
            strict = 1;
    }
    return strict;
}

static int equal_u(const double *a, const double *b, size_t P)
{
    for (size_t i = 0; i < P; i++)
        if (!(a[i] == b[i]))
            return 0;
    return 1;
}

static double sum_u(const double *u, size_t P)
{
    double s = 0.0;
    for (size_t i = 0; i < P; i++)
        s += u[i];
    return s;
}

/* Sorting context: qsort has none, and tests run single-threaded. */
static const parley__frontier_t *sort_frontier;

static int by_sum_then_index(const void *pa, const void *pb)
{
    const parley__frontier_t *f = sort_frontier;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    double sa = sum_u(&f->u[a * f->n_parties], f->n_parties);
    double sb = sum_u(&f->u[b * f->n_parties], f->n_parties);
    if (sa != sb)
        return sa > sb ? -1 : 1;
    const uint32_t *ka = &f->pkg[a * f->n_issues];
    const uint32_t *kb = &f->pkg[b * f->n_issues];
    for (size_t k = 0; k < f->n_issues; k++)
        if (ka[k] != kb[k])
            return ka[k] < kb[k] ? -1 : 1;
    return 0;
}

parley_status_t parley__reference_frontier(const parley_model_t *m,
                                           parley__frontier_t *out)
{
    size_t P = m->n_parties, K = m->n_issues;
    parley_status_t st = PARLEY_ENOMEM;
    parley__frontier_init(out, P, K);
    if (m->allowed_count > REFERENCE_MAX_PACKAGES)
        return PARLEY_ELIMIT;
    size_t N = (size_t)m->allowed_count;
    double *u = parley_calloc(N * P + 1, sizeof *u);
    uint32_t *pk = parley_calloc(N * K + 1, sizeof *pk);
    unsigned char *keep = parley_calloc(N + 1, 1);
    size_t *pos = parley_calloc(K + 1, sizeof *pos);
    size_t *order = NULL;
    parley__frontier_t tmp;
    parley__frontier_init(&tmp, P, K);
    if (!u || !pk || !keep || !pos)
        goto done;

    /* Every allowed package, in index order. */
    first_package(m, pos, pk);
    for (size_t t = 0; t < N; t++) {
        if (t > 0) {
            memcpy(&pk[t * K], &pk[(t - 1) * K], K * sizeof *pk);
            next_package(m, pos, &pk[t * K]);
        }
        parley_model_utility(m, &pk[t * K], &u[t * P]);
    }

    /* Feasible and undominated by any feasible package. */
    for (size_t a = 0; a < N; a++)
        keep[a] = (unsigned char)feasible_u(m, &u[a * P]);
    for (size_t a = 0; a < N; a++) {
        if (!keep[a])
            continue;
        for (size_t b = 0; b < N; b++) {
            if (b != a && feasible_u(m, &u[b * P]) &&
                dominates(&u[b * P], &u[a * P], P)) {
                keep[a] = 2;
                break;
            }
        }
    }

    /* Group equal vectors; the first seen has the lowest index. */
    for (size_t a = 0; a < N; a++) {
        if (keep[a] != 1)
            continue;
        size_t g;
        for (g = 0; g < tmp.size; g++)
            if (equal_u(&tmp.u[g * P], &u[a * P], P))
                break;
        if (g < tmp.size) {
            tmp.mult[g] += 1;
            continue;
        }
        if (parley__frontier_reserve(&tmp, tmp.size + 1) != PARLEY_OK)
            goto done;
        memcpy(&tmp.u[g * P], &u[a * P], P * sizeof *u);
        memcpy(&tmp.pkg[g * K], &pk[a * K], K * sizeof *pk);
        tmp.mult[g] = 1;
        tmp.size++;
    }

    order = parley_calloc(tmp.size + 1, sizeof *order);
    if (!order || parley__frontier_reserve(out, tmp.size) != PARLEY_OK)
        goto done;
    for (size_t g = 0; g < tmp.size; g++)
        order[g] = g;
    sort_frontier = &tmp;
    qsort(order, tmp.size, sizeof *order, by_sum_then_index);
    for (size_t g = 0; g < tmp.size; g++) {
        memcpy(&out->u[g * P], &tmp.u[order[g] * P], P * sizeof *u);
        memcpy(&out->pkg[g * K], &tmp.pkg[order[g] * K], K * sizeof *pk);
        out->mult[g] = tmp.mult[order[g]];
    }
    out->size = tmp.size;
    out->exact = 1;
    out->delta = 0;
    st = PARLEY_OK;
done:
    if (st != PARLEY_OK)
        parley__frontier_clear(out);
    parley__frontier_clear(&tmp);
    parley_free(order);
    parley_free(u);
    parley_free(pk);
    parley_free(keep);
    parley_free(pos);
    return st;
}

double parley__reference_feasible_count(const parley_model_t *m)
{
    size_t K = m->n_issues;
    size_t *pos = parley_calloc(K + 1, sizeof *pos);
    uint32_t *pkg = parley_calloc(K + 1, sizeof *pkg);
    double count = 0;
    if (!pos || !pkg) {
        parley_free(pos);
        parley_free(pkg);
        return -1;
    }
    first_package(m, pos, pkg);
    do {
        count += parley_model_is_feasible(m, pkg);
    } while (next_package(m, pos, pkg));
    parley_free(pos);
    parley_free(pkg);
    return count;
}
