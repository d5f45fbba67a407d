/*
 * generate.c - random scenarios with controlled size, power and conflict.
 *
 * Tests, benchmarks and studies need scenarios of any size whose character is
 * known in advance: how unequal the parties' power is, and how much their
 * interests collide.  A generated scenario has n voting parties, K discrete
 * issues of M options each, one value table per party and issue, random
 * weights and a common reservation.
 *
 * Conflict.  For each option of each issue every party gets a raw score
 * x_i; the scores of two parties have correlation rho = 1 - 2 * conflict,
 * floored at -1/(n-1) (the least correlation n exchangeable variables can
 * share, since the variance of their sum cannot be negative).
 *   rho >= 0:  x_i = sqrt(rho) * c + sqrt(1 - rho) * z_i   (a common factor c
 *              shared by all plus an idiosyncratic one per party);
 *   rho < 0:   x_i = sqrt(a * n / (n-1)) * (z_i - mean_j z_j)
 *                    + sqrt(1 - a) * e_i,   a = -rho * (n - 1):
 *              removing the mean across parties makes what one gains the
 *              others lose (correlation -1/(n-1)); the independent e_i dilute
 *              that to rho.
 * All base variates are independent with mean 0 and variance 1, so the
 * correlation is exactly rho whatever their distribution.  Per party and
 * issue the scores are then mapped affinely onto [0,1] (best option 1,
 * worst 0), which leaves the correlation across an issue's options
 * unchanged.  An issue with a single option, or whose options score alike
 * for a party, gives that party value 1 everywhere.
 *
 * Weights are independent uniforms on (0,1] divided by their sum: they sum
 * to 1 up to rounding (within a few ulps; exactly 1 is not guaranteed in
 * floating point), and every issue matters to every party.
 *
 * Determinism.  The generator is xoshiro256** seeded through splitmix64,
 * with one stream per purpose (power, weights, values) so that, for example,
 * adding issues leaves the parties' powers unchanged.  Only correctly rounded
 * IEEE operations are used (+ - * / sqrt, floor, ldexp; C11 forbids
 * contracting them into FMAs unless FP_CONTRACT is on, and ISO mode leaves it
 * off): the base variate is an Irwin-Hall sum of 12 uniforms minus 6 (mean 0,
 * variance 1, an approximate standard normal with tails cut at +-6), and the
 * lognormal power uses a local exp() built from the same operations.  So the
 * same options and seed give bit-identical scenarios on every platform.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/core_internal.h"
#include "parley/alloc.h"
#include "parley/generate.h"

/* ---- random numbers ---------------------------------------------------- */

/*
 * One stream per (seed, purpose): the purpose is mixed into the seed before
 * the shared splitmix64 seeding, so streams of one seed are unrelated.
 */
static void rng_seed(parley__rng_t *r, uint64_t seed, uint64_t purpose)
{
    parley__rng_seed(r, seed ^ (purpose * UINT64_C(0xD1B54A32D192ED03)));
}

/* Uniform on (0,1]: the top 53 bits, shifted so 0 cannot occur. */
static double rng_uniform(parley__rng_t *r)
{
    return (double)((parley__rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Mean 0, variance 1 (12 uniforms of variance 1/12 each). */
static double rng_std(parley__rng_t *r)
{
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += rng_uniform(r);
    return s - 6.0;
}

/*
 * exp(x) from + - * / floor ldexp only, for |x| <= 700.  x = k ln2 + t with
 * |t| <= ln2/2, then a Taylor polynomial in t (terms below 2^-60 relative
 * dropped), then scaling by 2^k, which is exact.
 */
static double portable_exp(double x)
{
    const double ln2_hi = 6.93147180369123816490e-01; /* exact in 32 bits */
    const double ln2_lo = 1.90821492927058770002e-10;
    const double inv_ln2 = 1.44269504088896338700e+00;
    double k = floor(x * inv_ln2 + 0.5);
    double t = (x - k * ln2_hi) - k * ln2_lo;
    double term = 1, sum = 1;
    for (int j = 1; j <= 18; j++) {
        term = term * t / j;
        sum += term;
    }
    return ldexp(sum, (int)k);
}

/* ---- options ----------------------------------------------------------- */

void parley_generate_opts_init(parley_generate_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->n_parties = 3;
    opts->n_issues = 4;
    opts->n_options = 5;
    opts->power = PARLEY_POWER_EQUAL;
    opts->conflict = 0.5;
    opts->reservation = 0;
    opts->seed = 1;
}

static const char *const power_names[] = {"equal", "linear", "zipf",
                                          "dominant", "random"};

const char *parley_power_dist_name(parley_power_dist_t d)
{
    if ((unsigned)d >= sizeof power_names / sizeof power_names[0])
        return "?";
    return power_names[d];
}

int parley_power_dist_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof power_names / sizeof power_names[0]; i++)
        if (strcmp(name, power_names[i]) == 0)
            return (int)i;
    return -1;
}

/* Every problem with the options, reported together. */
static parley_status_t check_opts(const parley_generate_opts_t *o,
                                  parley_diags_t *diags)
{
    parley_status_t st = PARLEY_OK;
#define BAD(code, path, ...)                                                   \
    do {                                                                       \
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, code, "generate", 0, 0, \
                         path, __VA_ARGS__);                                   \
        if (st == PARLEY_OK)                                                   \
            st = code;                                                         \
    } while (0)
    if (o->n_parties < 1)
        BAD(PARLEY_ERANGE, "parties", "expected at least 1 party, got 0");
    else if (o->n_parties > PARLEY_MAX_PARTIES)
        BAD(PARLEY_ELIMIT, "parties", "at most %d parties, got %zu",
            PARLEY_MAX_PARTIES, o->n_parties);
    if (o->n_issues < 1)
        BAD(PARLEY_ERANGE, "issues", "expected at least 1 issue, got 0");
    else if (o->n_issues > PARLEY_MAX_ISSUES)
        BAD(PARLEY_ELIMIT, "issues", "at most %d issues, got %zu",
            PARLEY_MAX_ISSUES, o->n_issues);
    if (o->n_options < 1)
        BAD(PARLEY_ERANGE, "options", "expected at least 1 option, got 0");
    else if (o->n_options > PARLEY_MAX_OPTIONS)
        BAD(PARLEY_ELIMIT, "options", "at most %d options per issue, got %zu",
            PARLEY_MAX_OPTIONS, o->n_options);
    if ((unsigned)o->power > PARLEY_POWER_RANDOM)
        BAD(PARLEY_EARG, "power", "unknown power distribution %d",
            (int)o->power);
    if (!(o->conflict >= 0 && o->conflict <= 1))
        BAD(PARLEY_ERANGE, "conflict", "expected a number in [0,1], got %g",
            o->conflict);
    if (!(o->reservation >= 0 && o->reservation <= 1))
        BAD(PARLEY_ERANGE, "reservation",
            "expected a number in [0,1] (utilities lie in [0,1]), got %g",
            o->reservation);
#undef BAD
    return st;
}

/* ---- building the scenario --------------------------------------------- */

static char *fmt_dup(const char *fmt, size_t a)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, a);
    return parley_strdup(buf);
}

static parley_status_t fill_issues(parley_scenario_t *sc,
                                   const parley_generate_opts_t *o)
{
    sc->issues = parley_calloc(o->n_issues, sizeof *sc->issues);
    if (!sc->issues)
        return PARLEY_ENOMEM;
    sc->n_issues = o->n_issues;
    for (size_t k = 0; k < o->n_issues; k++) {
        parley_issue_t *is = &sc->issues[k];
        is->kind = PARLEY_ISSUE_DISCRETE;
        is->cluster = -1;
        is->id = fmt_dup("i%zu", k + 1);
        is->name = fmt_dup("Issue %zu", k + 1);
        is->options = parley_calloc(o->n_options, sizeof *is->options);
        if (!is->id || !is->name || !is->options)
            return PARLEY_ENOMEM;
        is->n_options = o->n_options;
        for (size_t j = 0; j < o->n_options; j++) {
            is->options[j] = fmt_dup("o%zu", j + 1);
            if (!is->options[j])
                return PARLEY_ENOMEM;
        }
    }
    return PARLEY_OK;
}

static void fill_power(parley_scenario_t *sc, const parley_generate_opts_t *o)
{
    parley__rng_t r;
    rng_seed(&r, o->seed, 1);
    size_t n = o->n_parties;
    for (size_t i = 0; i < n; i++) {
        double p = 1;
        switch (o->power) {
        case PARLEY_POWER_EQUAL:
            p = 1;
            break;
        case PARLEY_POWER_LINEAR:
            p = (double)(n - i);
            break;
        case PARLEY_POWER_ZIPF:
            p = 1.0 / (double)(i + 1);
            break;
        case PARLEY_POWER_DOMINANT:
            p = i == 0 ? 10 : 1;
            break;
        case PARLEY_POWER_RANDOM:
            p = portable_exp(rng_std(&r));
            break;
        }
        sc->parties[i].power = p;
    }
}

static parley_status_t fill_parties(parley_scenario_t *sc,
                                    const parley_generate_opts_t *o)
{
    size_t n = o->n_parties, K = o->n_issues, M = o->n_options;
    sc->parties = parley_calloc(n, sizeof *sc->parties);
    if (!sc->parties)
        return PARLEY_ENOMEM;
    sc->n_parties = n;
    parley__rng_t wr;
    rng_seed(&wr, o->seed, 2);
    for (size_t i = 0; i < n; i++) {
        parley_party_t *p = &sc->parties[i];
        p->id = fmt_dup("p%zu", i + 1);
        p->name = fmt_dup("Party %zu", i + 1);
        p->weights = parley_calloc(K, sizeof *p->weights);
        p->values = parley_calloc(K, sizeof *p->values);
        if (!p->id || !p->name || !p->weights || !p->values)
            return PARLEY_ENOMEM;
        p->role = PARLEY_ROLE_PARTY;
        p->reservation = o->reservation;
        p->discount = 1;
        double sum = 0;
        for (size_t k = 0; k < K; k++) {
            p->weights[k] = rng_uniform(&wr);
            sum += p->weights[k];
        }
        for (size_t k = 0; k < K; k++) {
            p->weights[k] /= sum;
            parley_value_fn_t *fn = &p->values[k];
            fn->kind = PARLEY_VALUE_TABLE;
            fn->table = parley_calloc(M, sizeof *fn->table);
            if (!fn->table)
                return PARLEY_ENOMEM;
            fn->n_table = M;
        }
    }
    fill_power(sc, o);
    return PARLEY_OK;
}

/* The target correlation the header documents. */
static double target_rho(const parley_generate_opts_t *o)
{
    double rho = 1 - 2 * o->conflict;
    if (o->n_parties >= 2) {
        double least = -1.0 / (double)(o->n_parties - 1);
        if (rho < least)
            rho = least;
    }
    return rho;
}

/*
 * Raw scores of every party for every option, then the affine map onto
 * [0,1] per party and issue.  `x` and `z` are n-sized scratch arrays.
 */
static void fill_values(parley_scenario_t *sc, const parley_generate_opts_t *o,
                        double *x, double *z)
{
    size_t n = o->n_parties, K = o->n_issues, M = o->n_options;
    double rho = target_rho(o);
    parley__rng_t r;
    rng_seed(&r, o->seed, 3);
    double a = 0, mix_own = 0, mix_shared = 0;
    if (n >= 2 && rho < 0) {
        a = -rho * (double)(n - 1);
        if (a > 1)
            a = 1;
        mix_shared = sqrt(a * (double)n / (double)(n - 1));
        mix_own = sqrt(1 - a);
    } else if (n >= 2) {
        mix_shared = sqrt(rho);
        mix_own = sqrt(1 - rho);
    }
    for (size_t k = 0; k < K; k++) {
        for (size_t j = 0; j < M; j++) {
            if (n < 2) {
                x[0] = rng_std(&r);
            } else if (rho >= 0) {
                double c = rng_std(&r);
                for (size_t i = 0; i < n; i++)
                    x[i] = mix_shared * c + mix_own * rng_std(&r);
            } else {
                double mean = 0;
                for (size_t i = 0; i < n; i++) {
                    z[i] = rng_std(&r);
                    mean += z[i];
                }
                mean /= (double)n;
                for (size_t i = 0; i < n; i++)
                    x[i] = mix_shared * (z[i] - mean) + mix_own * rng_std(&r);
            }
            for (size_t i = 0; i < n; i++)
                sc->parties[i].values[k].table[j] = x[i];
        }
        for (size_t i = 0; i < n; i++) {
            double *t = sc->parties[i].values[k].table;
            double lo = t[0], hi = t[0];
            for (size_t j = 1; j < M; j++) {
                if (t[j] < lo)
                    lo = t[j];
                if (t[j] > hi)
                    hi = t[j];
            }
            for (size_t j = 0; j < M; j++)
                t[j] = hi > lo ? (t[j] - lo) / (hi - lo) : 1.0;
        }
    }
}

parley_status_t parley_generate(const parley_generate_opts_t *opts,
                                parley_scenario_t **out,
                                parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!opts)
        return PARLEY_EARG;
    parley_status_t st = check_opts(opts, diags);
    if (st != PARLEY_OK)
        return st;

    parley_scenario_t *sc = parley_scenario_new();
    if (!sc)
        return PARLEY_ENOMEM;
    double *scratch = parley_calloc(2 * opts->n_parties, sizeof *scratch);
    char buf[256];
    snprintf(buf, sizeof buf,
             "generated: %zu parties, %zu issues x %zu options, power %s, "
             "conflict %g, seed %llu",
             opts->n_parties, opts->n_issues, opts->n_options,
             parley_power_dist_name(opts->power), opts->conflict,
             (unsigned long long)opts->seed);
    sc->name = parley_strdup(buf);
    snprintf(buf, sizeof buf,
             "parley generate --parties %zu --issues %zu --options %zu "
             "--power %s --conflict %.17g --reservation %.17g --seed %llu",
             opts->n_parties, opts->n_issues, opts->n_options,
             parley_power_dist_name(opts->power), opts->conflict,
             opts->reservation, (unsigned long long)opts->seed);
    sc->source = parley_strdup(buf);
    snprintf(buf, sizeof buf,
             "Random scenario; target pairwise correlation of the parties' "
             "option values %.6g.",
             target_rho(opts));
    sc->description = parley_strdup(buf);
    if (!scratch || !sc->name || !sc->source || !sc->description)
        st = PARLEY_ENOMEM;
    if (st == PARLEY_OK)
        st = fill_issues(sc, opts);
    if (st == PARLEY_OK)
        st = fill_parties(sc, opts);
    if (st == PARLEY_OK)
        fill_values(sc, opts, scratch, scratch + opts->n_parties);
    parley_free(scratch);
    if (st != PARLEY_OK) {
        parley_scenario_free(sc);
        return st;
    }
    *out = sc;
    return PARLEY_OK;
}
