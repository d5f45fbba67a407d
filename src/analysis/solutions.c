/*
 * solutions.c - the solution concepts of DESIGN.md section 2, read off the
 * Pareto frontier.
 *
 * Why reading the frontier is enough.  Every concept maximises a key that is
 * weakly increasing in every utility over a domain that is closed upwards
 * (if u is in it and u' >= u, so is u'), and breaks ties by the higher
 * utility sum, then the lower package index.  Let o* be the package chosen
 * that way over all of F, and suppose some o' in F dominated it (u' >= u*
 * everywhere, > somewhere).  Then o' is in the domain, its key is at least
 * o*'s, and its utility sum is strictly larger, so o' would have won: a
 * contradiction.  So o*'s vector is on the frontier, and among the packages
 * reaching that vector o* is the lowest-index one, which is the frontier's
 * representative.  Per concept:
 *   - utilitarian: sum_i u_i is strictly increasing; the argument holds even
 *     without the tie-break.
 *   - nash, power_nash, mediated: sum_i c_i log(u_i - r_i) with every c_i > 0
 *     is strictly increasing on the domain "every u_i > r_i", which is
 *     closed upwards.  A floor "g_i / (I_i - r_i) >= phi for all i" is closed
 *     upwards too.
 *   - ks: min_i (u_i - r_i) / (I_i - r_i) is only weakly increasing (raising a
 *     party that is not the minimum leaves it unchanged), so a dominated
 *     package can tie with the efficient one dominating it; the tie-break by
 *     the higher sum is what rules the dominated one out.  I itself is read
 *     off the frontier: a maximiser of u_i over F is efficient or dominated by
 *     an efficient package with at least the same u_i.
 *   - egalitarian: min_i (u_i - r_i), weakly increasing; same as ks.
 * The same holds in floating point, which is why keys are compared as exact
 * doubles and sums exactly: subtraction, division and multiplication by a
 * positive constant, log, min and a sum in fixed order are all monotone under
 * rounding, and a dominating vector has a strictly larger exact sum.
 *
 * Parties with nothing to gain (I_i == r_i: every package of F leaves them
 * exactly at their reservation) have no normalized gain: ks leaves them out
 * of the min, and so does the floor.  If no party can gain, the ks key is 0.
 * The Nash family needs every u_i > r_i, so it is not found then.
 *
 * Inexact frontiers (an epsilon-grid dropped vectors, delta > 0): every
 * package of F has a reported vector v with v >= u - delta, so u <= v + delta
 * and, by monotonicity, the true optimum is at most max over reported v of the
 * objective at v + delta.  That maximum minus the reported objective is the
 * `bound`.  It reduces to n * delta for utilitarian and delta for
 * egalitarian; for the logs it is about sum_i log((g_i + delta) / g_i); for
 * ks the true ideal point can exceed the reported one by delta, which only
 * lowers true normalized gains, so the reported I gives an upper bound.  With
 * a floor the bound relaxes the floor (a larger set can only raise the max).
 *
 * Complexity: O(V * n) per concept for V frontier vectors of n parties, plus
 * one more such pass for the ideal point of a floor and one for the bound.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"
#include "analysis/solve_internal.h"

/* Coefficient of party i in the Nash family; exact at lambda 0 and 1. */
static double nash_coef(double power, double lambda)
{
    if (lambda == 1.0)
        return 1.0;
    if (lambda == 0.0)
        return power;
    return pow(power, 1.0 - lambda);
}

parley_status_t parley__eval_init(parley__eval_t *ev, const parley_model_t *m,
                                  const double *ideal, parley_concept_t c,
                                  double lambda)
{
    size_t n = parley_model_n_parties(m);
    memset(ev, 0, sizeof *ev);
    if (n > PARLEY_MAX_PARTIES)
        return PARLEY_ELIMIT;
    if ((unsigned)c >= PARLEY_CONCEPT_COUNT)
        return PARLEY_EARG;
    ev->concept = c;
    ev->n = n;
    double l = c == PARLEY_CONCEPT_NASH         ? 1.0
               : c == PARLEY_CONCEPT_POWER_NASH ? 0.0
                                                : lambda;
    ev->coef_sum = 0;
    for (size_t i = 0; i < n; i++) {
        ev->r[i] = parley_model_reservation(m, i);
        ev->span[i] = ideal ? ideal[i] - ev->r[i] : 0;
        ev->coef[i] = nash_coef(parley_model_power(m, i), l);
        ev->coef_sum += ev->coef[i];
    }
    return PARLEY_OK;
}

double parley__eval_min_norm_gain(const parley__eval_t *ev, const double *u)
{
    int any = 0;
    double lo = 0;
    for (size_t i = 0; i < ev->n; i++) {
        if (!(ev->span[i] > 0))
            continue;
        double ng = (u[i] - ev->r[i]) / ev->span[i];
        if (!any || ng < lo)
            lo = ng;
        any = 1;
    }
    return lo;
}

static int meets_floor(const parley__eval_t *ev, const double *u)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->span[i] > 0 && !((u[i] - ev->r[i]) / ev->span[i] >= ev->floor))
            return 0;
    return 1;
}

int parley__eval_key(const parley__eval_t *ev, const double *u, double *key)
{
    double k = 0;
    switch (ev->concept) {
    case PARLEY_CONCEPT_UTILITARIAN:
        for (size_t i = 0; i < ev->n; i++)
            k += u[i];
        break;
    case PARLEY_CONCEPT_NASH:
    case PARLEY_CONCEPT_POWER_NASH:
    case PARLEY_CONCEPT_MEDIATED:
        /* A sum of logs, never the log of a product: with 64 parties the
         * product of gains underflows long before its log does. */
        for (size_t i = 0; i < ev->n; i++) {
            double g = u[i] - ev->r[i];
            if (!(g > 0))
                return 0;
            k += ev->coef[i] * log(g);
        }
        if (ev->has_floor && !meets_floor(ev, u))
            return 0;
        break;
    case PARLEY_CONCEPT_KS:
        k = parley__eval_min_norm_gain(ev, u);
        break;
    case PARLEY_CONCEPT_EGALITARIAN:
        for (size_t i = 0; i < ev->n; i++) {
            double g = u[i] - ev->r[i];
            if (i == 0 || g < k)
                k = g;
        }
        break;
    default:
        return 0;
    }
    *key = k;
    return 1;
}

double parley__eval_objective(const parley__eval_t *ev, double key)
{
    if ((ev->concept == PARLEY_CONCEPT_POWER_NASH ||
         ev->concept == PARLEY_CONCEPT_MEDIATED) &&
        ev->coef_sum > 0)
        return key / ev->coef_sum;
    return key;
}

/* Knuth's error-free sum: s + err == a + b exactly (round to nearest). */
static void two_sum(double a, double b, double *s, double *err)
{
    double x = a + b;
    double bv = x - a;
    double av = x - bv;
    *s = x;
    *err = (a - av) + (b - bv);
}

/*
 * Adds x to the expansion e[0..*len) (non-overlapping components, increasing
 * magnitude), dropping zero components so that the length stays at most one
 * more per added value.
 */
static void grow_expansion(double *e, size_t *len, double x)
{
    double q = x;
    size_t out = 0;
    for (size_t j = 0; j < *len; j++) {
        double s, err;
        two_sum(q, e[j], &s, &err);
        if (err != 0)
            e[out++] = err;
        q = s;
    }
    if (q != 0)
        e[out++] = q;
    *len = out;
}

int parley__sum_cmp(const double *a, const double *b, size_t n)
{
    double sa = 0, sb = 0, abs_sum = 0;
    for (size_t i = 0; i < n; i++) {
        sa += a[i];
        sb += b[i];
        abs_sum += fabs(a[i]) + fabs(b[i]);
    }
    /* Recursive summation of n terms errs by at most (n-1) u sum |x|; the
     * filter below allows twice that, for both sums together. */
    double tol = (double)(n + 1) * DBL_EPSILON * abs_sum;
    double d = sa - sb;
    if (fabs(d) > tol || n > PARLEY_MAX_PARTIES)
        return (d > 0) - (d < 0);
    double e[2 * PARLEY_MAX_PARTIES + 1];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        grow_expansion(e, &len, a[i]);
        grow_expansion(e, &len, -b[i]);
    }
    /* The most significant non-zero component carries the sign. */
    if (len == 0)
        return 0;
    return (e[len - 1] > 0) - (e[len - 1] < 0);
}

int parley__eval_better(const parley__eval_t *ev, const parley_model_t *m,
                        double key_a, const double *u_a, const uint32_t *pkg_a,
                        double key_b, const double *u_b,
                        const uint32_t *pkg_b)
{
    if (ev->concept != PARLEY_CONCEPT_UTILITARIAN) {
        if (key_a > key_b)
            return 1;
        if (key_a < key_b)
            return 0;
    }
    int s = parley__sum_cmp(u_a, u_b, ev->n);
    if (s != 0)
        return s > 0;
    return parley_model_package_less(m, pkg_a, pkg_b);
}

double parley__objective(const parley_model_t *m, const double *ideal,
                         parley_concept_t c, double lambda, const double *u)
{
    parley__eval_t ev;
    if (parley__eval_init(&ev, m, ideal, c, lambda) != PARLEY_OK)
        return NAN;
    double key;
    if (!parley__eval_key(&ev, u, &key))
        return -HUGE_VAL;
    return parley__eval_objective(&ev, key);
}

/*
 * Index of the best frontier vector under ev, or (size_t)-1 when no vector
 * is in the domain.
 */
static size_t best_vector(const parley__eval_t *ev, const parley_model_t *m,
                          const parley__frontier_t *f, double *best_key)
{
    size_t best = (size_t)-1;
    double bk = 0;
    for (size_t v = 0; v < f->size; v++) {
        const double *u = f->u + v * f->n_parties;
        double key;
        if (!parley__eval_key(ev, u, &key))
            continue;
        if (best == (size_t)-1 ||
            parley__eval_better(ev, m, key, u, f->pkg + v * f->n_issues, bk,
                                f->u + best * f->n_parties,
                                f->pkg + best * f->n_issues)) {
            best = v;
            bk = key;
        }
    }
    *best_key = bk;
    return best;
}

/*
 * Upper bound on the objective over F when the frontier is inexact: the max
 * over reported v of the objective at v + delta (floor relaxed).  Sets
 * *any = 0 when no shifted vector is in the domain.
 */
static double shifted_max(const parley__eval_t *ev, const parley__frontier_t *f,
                          int *any)
{
    parley__eval_t relaxed = *ev;
    relaxed.has_floor = 0;
    double shifted[PARLEY_MAX_PARTIES];
    double hi = -HUGE_VAL;
    *any = 0;
    for (size_t v = 0; v < f->size; v++) {
        const double *u = f->u + v * f->n_parties;
        for (size_t i = 0; i < ev->n; i++)
            shifted[i] = u[i] + f->delta;
        double key;
        if (!parley__eval_key(&relaxed, shifted, &key))
            continue;
        double obj = parley__eval_objective(&relaxed, key);
        if (!*any || obj > hi)
            hi = obj;
        *any = 1;
    }
    return hi;
}

parley_status_t parley__solve(const parley_model_t *m,
                              const parley__frontier_t *f, const double *ideal,
                              parley_concept_t c,
                              const parley_analysis_opts_t *opts,
                              parley_solution_t *sol)
{
    sol->concept = c;
    sol->found = 0;
    sol->why = NULL;
    sol->package = NULL;
    sol->objective = 0;
    sol->bound = 0;
    sol->exact = f->exact;
    sol->effective_floor = 0;
    if (f->size == 0) {
        sol->why = "the feasible set is empty";
        return PARLEY_OK;
    }

    parley__eval_t ev;
    parley_status_t st = parley__eval_init(&ev, m, ideal, c, opts->lambda);
    if (st != PARLEY_OK)
        return st;

    if (c == PARLEY_CONCEPT_MEDIATED && opts->has_floor) {
        /* The floor asks for what is possible: no more than the best
         * achievable minimum normalized gain, which is ks's optimum. */
        parley__eval_t ks;
        st = parley__eval_init(&ks, m, ideal, PARLEY_CONCEPT_KS, 0);
        if (st != PARLEY_OK)
            return st;
        double ks_best;
        (void)best_vector(&ks, m, f, &ks_best);
        ev.has_floor = 1;
        ev.floor = opts->floor < ks_best ? opts->floor : ks_best;
        sol->effective_floor = ev.floor;
    }

    double key;
    size_t best = best_vector(&ev, m, f, &key);
    int shifted_any = 0;
    double shifted_hi = f->exact ? 0 : shifted_max(&ev, f, &shifted_any);

    if (best == (size_t)-1) {
        if (!f->exact && shifted_any) {
            sol->why = "no package on the approximate frontier gives every "
                       "party more than its reservation, though one within "
                       "the frontier's delta might";
            sol->bound = HUGE_VAL;
        } else {
            sol->why = "no feasible package gives every party more than its "
                       "reservation";
        }
        return PARLEY_OK;
    }

    sol->package = parley_malloc(f->n_issues * sizeof *sol->package);
    if (!sol->package)
        return PARLEY_ENOMEM;
    if (f->n_issues)
        memcpy(sol->package, f->pkg + best * f->n_issues,
               f->n_issues * sizeof *sol->package);
    sol->found = 1;
    sol->objective = parley__eval_objective(&ev, key);
    if (!f->exact)
        sol->bound = shifted_hi > sol->objective ? shifted_hi - sol->objective
                                                 : 0;
    return PARLEY_OK;
}
