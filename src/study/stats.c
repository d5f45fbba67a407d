/*
 * stats.c - the few statistics a study reports: normal and Student t
 * quantiles, the Wilson interval for a rate and the t interval for a mean.
 *
 * Quantiles are computed, not looked up:
 *   - the normal quantile starts from the rational approximation of
 *     Abramowitz and Stegun 26.2.23 (error below 4.5e-4) and is polished
 *     by Newton steps on Phi(z) = erfc(-z / sqrt 2) / 2, which gives full
 *     double precision in two or three steps;
 *   - the t quantile for integer degrees of freedom up to T_EXACT_MAX solves
 *     F(t) = p by Newton steps (with a bisection guard) on the exact
 *     distribution function, the finite trigonometric series of
 *     Abramowitz and Stegun 26.7.3 / 26.7.4; it starts from the
 *     Cornish-Fisher expansion (26.7.5), which alone is used beyond
 *     T_EXACT_MAX, where its error is far below 1e-12.
 * tests/test_study.c checks both against a table computed independently.
 */
#include <math.h>
#include <stddef.h>

#include "study/study_internal.h"

#define PI 3.14159265358979323846
/* Degrees of freedom up to which the exact series is summed (its cost is
 * df / 2 terms). */
#define T_EXACT_MAX 100000.0

static double phi_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

static double phi_pdf(double z)
{
    return exp(-0.5 * z * z) / sqrt(2.0 * PI);
}

double parley_normal_quantile(double p)
{
    if (!(p > 0 && p < 1))
        return NAN;
    if (p == 0.5)
        return 0;
    /* The upper tail q = min(p, 1-p), then the sign. */
    double q = p < 0.5 ? p : 1.0 - p;
    double t = sqrt(-2.0 * log(q));
    double z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                       (1.0 + 1.432788 * t + 0.189269 * t * t +
                        0.001308 * t * t * t);
    if (p < 0.5)
        z = -z;
    /* Newton on Phi(z) - p.  Far in the tails phi underflows: the start is
     * then as good as double precision allows and is kept. */
    for (int i = 0; i < 4; i++) {
        double d = phi_pdf(z);
        if (!(d > 1e-300))
            break;
        double step = (phi_cdf(z) - p) / d;
        z -= step;
        if (fabs(step) <= 1e-15 * (1.0 + fabs(z)))
            break;
    }
    return z;
}

double parley_t_cdf(double t, unsigned df)
{
    if (df == 0 || isnan(t))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1.0 : 0.0;
    double nu = (double)df;
    double th = atan(fabs(t) / sqrt(nu));
    double c = cos(th), s = sin(th), c2 = c * c;
    /* A = P(|T| <= |t|). */
    double A;
    if (df % 2 == 1) {
        double sum = 0;
        if (df > 1) {
            /* c + (2/3) c^3 + (2*4)/(3*5) c^5 + ... up to c^(df-2) */
            double term = c;
            sum = term;
            for (unsigned k = 3; k + 2 <= df; k += 2) {
                term *= c2 * (double)(k - 1) / (double)k;
                sum += term;
            }
        }
        A = 2.0 / PI * (th + s * sum);
    } else {
        /* 1 + (1/2) c^2 + (1*3)/(2*4) c^4 + ... up to c^(df-2) */
        double term = 1.0, sum = 1.0;
        for (unsigned k = 2; k + 2 <= df; k += 2) {
            term *= c2 * (double)(k - 1) / (double)k;
            sum += term;
        }
        A = s * sum;
    }
    if (A > 1)
        A = 1;
    return t >= 0 ? 0.5 + 0.5 * A : 0.5 - 0.5 * A;
}

/* Density of Student's t with nu degrees of freedom. */
static double t_pdf(double t, double nu)
{
    double lc = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * PI);
    return exp(lc - (nu + 1) / 2 * log1p(t * t / nu));
}

double parley_t_quantile_cf(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    double z = parley_normal_quantile(p);
    double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
    double g1 = (z3 + z) / 4;
    double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
    double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
    double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) /
                92160;
    double v = df;
    return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

double parley_t_quantile(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df >= 1) || df != floor(df))
        return NAN;
    if (p == 0.5)
        return 0;
    if (df > T_EXACT_MAX)
        return parley_t_quantile_cf(p, df);
    /* Solve in the upper half and mirror. */
    double q = p > 0.5 ? p : 1.0 - p;
    unsigned nu = (unsigned)df;
    double t;
    if (nu == 1) {
        t = tan(PI * (q - 0.5));
    } else if (nu == 2) {
        t = (2 * q - 1) / sqrt(2 * q * (1 - q));
    } else {
        /* Bracket [lo, hi] with F(lo) < q <= F(hi); Newton inside it. */
        double lo = 0, hi = 1;
        while (parley_t_cdf(hi, nu) < q && hi < 1e300)
            hi *= 2;
        t = parley_t_quantile_cf(q, df);
        if (!(t > lo && t < hi))
            t = 0.5 * (lo + hi);
        for (int i = 0; i < 100; i++) {
            double f = parley_t_cdf(t, nu) - q;
            if (f < 0)
                lo = t;
            else
                hi = t;
            double next = t - f / t_pdf(t, df);
            if (!(next > lo && next < hi))
                next = 0.5 * (lo + hi);
            if (fabs(next - t) <= 1e-14 * t) {
                t = next;
                break;
            }
            t = next;
        }
    }
    return p > 0.5 ? t : -t;
}

void parley_interval_wilson(size_t successes, size_t n, double level,
                            parley_interval_t *out)
{
    out->n = n;
    out->mean = out->lo = out->hi = NAN;
    if (n == 0 || successes > n || !(level > 0 && level < 1))
        return;
    double nn = (double)n, ph = (double)successes / nn;
    double z = parley_normal_quantile(0.5 + level / 2);
    double z2 = z * z;
    double denom = 1 + z2 / nn;
    double centre = (ph + z2 / (2 * nn)) / denom;
    double half =
        z / denom * sqrt(ph * (1 - ph) / nn + z2 / (4 * nn * nn));
    out->mean = ph;
    out->lo = centre - half;
    out->hi = centre + half;
    /* At the ends the bound is exactly 0 or 1 (centre and half-width are
     * equal there); rounding must not say otherwise or leave [0, 1]. */
    if (successes == 0 || out->lo < 0)
        out->lo = 0;
    if (successes == n || out->hi > 1)
        out->hi = 1;
}

void parley_interval_mean(const double *x, size_t n, double level,
                          parley_interval_t *out)
{
    out->n = n;
    out->mean = out->lo = out->hi = NAN;
    if (n == 0)
        return;
    /* Two passes: the mean, then squared deviations from it (no
     * cancellation as in sum x^2 - n mean^2). */
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double mean = sum / (double)n;
    out->mean = mean;
    if (n < 2 || !(level > 0 && level < 1))
        return;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double sd = sqrt(ss / (double)(n - 1));
    double t = parley_t_quantile(0.5 + level / 2, (double)(n - 1));
    double half = t * sd / sqrt((double)n);
    out->lo = mean - half;
    out->hi = mean + half;
}
