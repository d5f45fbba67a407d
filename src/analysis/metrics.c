/*
 * metrics.c - the metrics of one package (DESIGN.md section 2), defined once
 * here and documented with formulas and a worked example in docs/metrics.md.
 *
 * With g_i = u_i - r_i, span_i = I_i - r_i and pi_i = power_i / total power:
 *   norm_gain_i   g_i / span_i, 0 when span_i <= 0 (nothing to gain in F)
 *   welfare       sum_i u_i;   total_gain  sum_i g_i
 *   efficiency    total_gain / max total gain over F
 *   efficient     no frontier vector dominates u, and every u_i >= r_i
 *   frontier_gap  max(0, max over frontier v of min_i (v_i - u_i))
 *   min_gain      min_i g_i
 *   min_norm_gain min over parties with span_i > 0 of norm_gain_i (as ks)
 *   gini          sum_i sum_j |ng_i - ng_j| / (2 n sum_i ng_i), 0 if sum <= 0
 *   power_skew    sum_i pi_i ng_i - (1/n) sum_i ng_i
 *   offset        1 - skew / skew(power_nash), when |skew(power_nash)| > 1e-12
 * Normalized gains feeding gini and power_skew are the norm_gain entries, so
 * a party with nothing to gain counts with 0 there, as the field says.
 *
 * Complexity: O(V * n) for the frontier tests (V vectors, n parties), plus
 * O(n^2) for the Gini sum.
 */
#include <math.h>
#include <string.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"
#include "analysis/solve_internal.h"

/* Below this, power_nash is taken to have no skew to offset. */
#define PARLEY__SKEW_EPS 1e-12

void parley_metrics_clear(parley_metrics_t *mt)
{
    if (!mt)
        return;
    parley_free(mt->u);
    parley_free(mt->gain);
    parley_free(mt->norm_gain);
    memset(mt, 0, sizeof *mt);
}

/* Whether v dominates u: >= everywhere, > somewhere. */
static int dominates(const double *v, const double *u, size_t n)
{
    int strict = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < u[i])
            return 0;
        if (v[i] > u[i])
            strict = 1;
    }
    return strict;
}

static double gini(const double *x, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    if (!(sum > 0))
        return 0;
    double diff = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            diff += fabs(x[i] - x[j]);
    return diff / (2.0 * (double)n * sum);
}

parley_status_t parley__metrics(const parley_model_t *m,
                                const parley__frontier_t *f,
                                const double *ideal, double max_total_gain,
                                int has_pn_skew, double pn_skew,
                                const double *u, parley_metrics_t *out)
{
    size_t n = parley_model_n_parties(m);
    memset(out, 0, sizeof *out);
    parley__eval_t ev;
    parley_status_t st =
        parley__eval_init(&ev, m, ideal, PARLEY_CONCEPT_KS, 0);
    if (st != PARLEY_OK)
        return st;
    out->u = parley_malloc(n * sizeof *out->u);
    out->gain = parley_malloc(n * sizeof *out->gain);
    out->norm_gain = parley_malloc(n * sizeof *out->norm_gain);
    if (!out->u || !out->gain || !out->norm_gain) {
        parley_metrics_clear(out);
        return PARLEY_ENOMEM;
    }

    int above = 1;
    for (size_t i = 0; i < n; i++) {
        double g = u[i] - ev.r[i];
        out->u[i] = u[i];
        out->gain[i] = g;
        /* The same expression as the ks key, so that ks's objective and its
         * package's min_norm_gain are the same double. */
        out->norm_gain[i] = ev.span[i] > 0 ? g / ev.span[i] : 0;
        out->welfare += u[i];
        out->total_gain += g;
        if (i == 0 || g < out->min_gain)
            out->min_gain = g;
        if (g < 0)
            above = 0;
    }
    out->min_norm_gain = parley__eval_min_norm_gain(&ev, u);

    if (max_total_gain > 0)
        out->efficiency = out->total_gain / max_total_gain;
    else
        out->efficiency = out->total_gain >= 0 ? 1 : 0;

    int dominated = 0;
    double gap = 0;
    for (size_t v = 0; v < f->size; v++) {
        const double *fv = f->u + v * f->n_parties;
        if (!dominated && dominates(fv, u, n))
            dominated = 1;
        double t = HUGE_VAL;
        for (size_t i = 0; i < n; i++)
            if (fv[i] - u[i] < t)
                t = fv[i] - u[i];
        if (t > gap)
            gap = t;
    }
    out->efficient = above && !dominated && f->size > 0;
    out->frontier_gap = gap;

    out->gini = n ? gini(out->norm_gain, n) : 0;
    double weighted = 0, plain = 0;
    for (size_t i = 0; i < n; i++) {
        weighted += parley_model_power_share(m, i) * out->norm_gain[i];
        plain += out->norm_gain[i];
    }
    out->power_skew = n ? weighted - plain / (double)n : 0;
    if (has_pn_skew && fabs(pn_skew) > PARLEY__SKEW_EPS) {
        out->has_offset = 1;
        out->offset = 1.0 - out->power_skew / pn_skew;
    }
    return PARLEY_OK;
}
