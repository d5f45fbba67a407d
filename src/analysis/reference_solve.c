/*
 * reference_solve.c - the slow, obvious argmax of a solution concept, for
 * tests: visit every package of F (an odometer over the allowed options, no
 * frontier, no pruning), score it with the same evaluator as the fast path
 * and keep the best under DESIGN.md's tie-breaking.
 *
 * Three passes over all packages: the ideal point I (max over F of u_i), the
 * best ks key when a floor needs it, then the argmax.  O(N * (n + K)) for N
 * allowed packages; for small scenarios only.
 */
#include <math.h>
#include <string.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"
#include "analysis/solve_internal.h"

typedef struct ref_walk {
    const parley_model_t *m;
    size_t K;
    size_t *pos;   /* position in each issue's allowed list */
    uint32_t *pkg; /* current package */
    int done;
} ref_walk_t;

static parley_status_t walk_start(ref_walk_t *w, const parley_model_t *m)
{
    memset(w, 0, sizeof *w);
    w->m = m;
    w->K = parley_model_n_issues(m);
    w->pos = parley_calloc(w->K ? w->K : 1, sizeof *w->pos);
    w->pkg = parley_calloc(w->K ? w->K : 1, sizeof *w->pkg);
    if (!w->pos || !w->pkg) {
        parley_free(w->pos);
        parley_free(w->pkg);
        return PARLEY_ENOMEM;
    }
    for (size_t k = 0; k < w->K; k++) {
        if (parley_model_n_allowed(m, k) == 0)
            w->done = 1;
        else
            w->pkg[k] = parley_model_allowed(m, k, 0);
    }
    return PARLEY_OK;
}

/* Next package in index order (last issue fastest). */
static void walk_next(ref_walk_t *w)
{
    for (size_t k = w->K; k-- > 0;) {
        if (++w->pos[k] < parley_model_n_allowed(w->m, k)) {
            w->pkg[k] = parley_model_allowed(w->m, k, w->pos[k]);
            return;
        }
        w->pos[k] = 0;
        w->pkg[k] = parley_model_allowed(w->m, k, 0);
    }
    w->done = 1;
}

static void walk_end(ref_walk_t *w)
{
    parley_free(w->pos);
    parley_free(w->pkg);
}

/* Best key of `ev` over F (keys only, no tie-break needed for a value). */
static parley_status_t best_key(const parley_model_t *m,
                                const parley__eval_t *ev, double *out,
                                int *any)
{
    ref_walk_t w;
    parley_status_t st = walk_start(&w, m);
    if (st != PARLEY_OK)
        return st;
    double u[PARLEY_MAX_PARTIES];
    *any = 0;
    for (; !w.done; walk_next(&w)) {
        if (!parley_model_is_feasible(m, w.pkg))
            continue;
        parley_model_utility(m, w.pkg, u);
        double key;
        if (parley__eval_key(ev, u, &key) && (!*any || key > *out)) {
            *out = key;
            *any = 1;
        }
    }
    walk_end(&w);
    return PARLEY_OK;
}

parley_status_t parley__reference_solve(const parley_model_t *m,
                                        parley_concept_t c,
                                        const parley_analysis_opts_t *opts,
                                        uint32_t *pkg_out, int *found)
{
    size_t n = parley_model_n_parties(m), K = parley_model_n_issues(m);
    *found = 0;
    if (n > PARLEY_MAX_PARTIES)
        return PARLEY_ELIMIT;
    parley_analysis_opts_t defaults;
    if (!opts) {
        parley_analysis_opts_init(&defaults);
        opts = &defaults;
    }

    /* Pass 1: the ideal point. */
    double ideal[PARLEY_MAX_PARTIES];
    for (size_t i = 0; i < n; i++)
        ideal[i] = NAN;
    {
        ref_walk_t w;
        parley_status_t st = walk_start(&w, m);
        if (st != PARLEY_OK)
            return st;
        double u[PARLEY_MAX_PARTIES];
        int any = 0;
        for (; !w.done; walk_next(&w)) {
            if (!parley_model_is_feasible(m, w.pkg))
                continue;
            parley_model_utility(m, w.pkg, u);
            for (size_t i = 0; i < n; i++)
                if (!any || u[i] > ideal[i])
                    ideal[i] = u[i];
            any = 1;
        }
        walk_end(&w);
        if (!any)
            return PARLEY_OK; /* F is empty */
    }

    parley__eval_t ev;
    parley_status_t st = parley__eval_init(&ev, m, ideal, c, opts->lambda);
    if (st != PARLEY_OK)
        return st;

    /* Pass 2: the floor that is possible, the best ks key over F. */
    if (c == PARLEY_CONCEPT_MEDIATED && opts->has_floor) {
        parley__eval_t ks;
        st = parley__eval_init(&ks, m, ideal, PARLEY_CONCEPT_KS, 0);
        if (st != PARLEY_OK)
            return st;
        double ks_best = 0;
        int any;
        st = best_key(m, &ks, &ks_best, &any);
        if (st != PARLEY_OK)
            return st;
        ev.has_floor = 1;
        ev.floor = opts->floor < ks_best ? opts->floor : ks_best;
    }

    /* Pass 3: the argmax with tie-breaking. */
    ref_walk_t w;
    st = walk_start(&w, m);
    if (st != PARLEY_OK)
        return st;
    double u[PARLEY_MAX_PARTIES], best_u[PARLEY_MAX_PARTIES];
    double bk = 0;
    for (; !w.done; walk_next(&w)) {
        if (!parley_model_is_feasible(m, w.pkg))
            continue;
        parley_model_utility(m, w.pkg, u);
        double key;
        if (!parley__eval_key(&ev, u, &key))
            continue;
        if (!*found || parley__eval_better(&ev, m, key, u, w.pkg, bk, best_u,
                                           pkg_out)) {
            bk = key;
            memcpy(best_u, u, n * sizeof *u);
            if (K)
                memcpy(pkg_out, w.pkg, K * sizeof *pkg_out);
            *found = 1;
        }
    }
    walk_end(&w);
    return PARLEY_OK;
}
