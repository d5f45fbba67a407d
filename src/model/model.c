/*
 * model.c - compiles a scenario into the read-only model the solvers use.
 *
 * Compiling keeps the voting parties in scenario order, filters each issue's
 * options through every voting party's red lines, and evaluates every value
 * function once into contribution vectors (weight * value per party), so
 * that the solvers never touch value functions again.  Red lines of
 * non-voting parties are ignored: they do not vote, so they cannot veto.
 *
 * Utility sums are formed in issue order starting from 0.0; every solver
 * repeats exactly this order so that equal packages compare equal bit for
 * bit.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/model.h"
#include "model/model_internal.h"

/* Grid position of `value` on issue `is`: option index units. */
static double grid_position(const parley_issue_t *is, double value)
{
    if (is->kind == PARLEY_ISSUE_DISCRETE || !(is->resolution > 0))
        return value;
    return (value - is->min) / is->resolution;
}

static int in_list(const parley_red_line_t *rl, size_t j)
{
    for (size_t t = 0; t < rl->n_options; t++)
        if (rl->options[t] == j)
            return 1;
    return 0;
}

/*
 * Option index a numeric EQ/NE red line names: value snapped to the nearest
 * grid point.  -1 when it falls off the grid (then EQ allows nothing).
 */
static long long snapped_index(const parley_issue_t *is, double value)
{
    double t = grid_position(is, value);
    if (!isfinite(t) || t < -0.5 || t >= (double)is->n_options - 0.5)
        return -1;
    return llround(t);
}

int parley_red_line_allows(const parley_issue_t *is,
                           const parley_red_line_t *rl, size_t j)
{
    const double tol = 1e-9;
    double t, x;
    long long target;
    switch (rl->op) {
    case PARLEY_CMP_IN:
        return in_list(rl, j);
    case PARLEY_CMP_NOT_IN:
        return !in_list(rl, j);
    case PARLEY_CMP_EQ:
    case PARLEY_CMP_NE:
        if (is->kind == PARLEY_ISSUE_DISCRETE && rl->n_options > 0)
            target = (long long)rl->options[0];
        else
            target = snapped_index(is, rl->value);
        return (target == (long long)j) == (rl->op == PARLEY_CMP_EQ);
    case PARLEY_CMP_LT:
    case PARLEY_CMP_LE:
    case PARLEY_CMP_GT:
    case PARLEY_CMP_GE:
        t = grid_position(is, rl->value);
        x = (double)j;
        if (isnan(t))
            return 0;
        switch (rl->op) {
        case PARLEY_CMP_LT:
            return x < t - tol;
        case PARLEY_CMP_LE:
            return x <= t + tol;
        case PARLEY_CMP_GT:
            return x > t + tol;
        default:
            return x >= t - tol;
        }
    }
    return 0;
}

void parley_model_free(parley_model_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_parties && m->party_id; i++)
        parley_free(m->party_id[i]);
    for (size_t k = 0; k < m->n_issues; k++) {
        if (m->issue_id)
            parley_free(m->issue_id[k]);
        if (m->allowed)
            parley_free(m->allowed[k]);
        if (m->is_allowed)
            parley_free(m->is_allowed[k]);
        if (m->contrib)
            parley_free(m->contrib[k]);
        if (m->acontrib)
            parley_free(m->acontrib[k]);
    }
    parley_free(m->party_index);
    parley_free(m->party_id);
    parley_free(m->issue_id);
    parley_free(m->power);
    parley_free(m->share);
    parley_free(m->reservation);
    parley_free(m->n_options);
    parley_free(m->n_allowed);
    parley_free(m->allowed);
    parley_free(m->is_allowed);
    parley_free(m->contrib);
    parley_free(m->acontrib);
    parley_free(m->amax);
    parley_free(m->amin);
    parley_free(m->rest_max);
    parley_free(m->rest_min);
    parley_free(m->reach);
    parley_free(m->safe);
    parley_free(m);
}

/* "in {a, b}" / ">= 40" / "== yes": a red line as the mediator reads it. */
static void describe_red_line(const parley_issue_t *is,
                              const parley_red_line_t *rl, char *buf,
                              size_t size)
{
    size_t len = 0;
    char label[PARLEY_MAX_ID + 32];
    int n;
    n = snprintf(buf, size, "%s", parley_cmp_name(rl->op));
    len = n > 0 ? (size_t)n : 0;
    if (rl->op == PARLEY_CMP_IN || rl->op == PARLEY_CMP_NOT_IN ||
        ((rl->op == PARLEY_CMP_EQ || rl->op == PARLEY_CMP_NE) &&
         is->kind == PARLEY_ISSUE_DISCRETE && rl->n_options > 0)) {
        int list = rl->op == PARLEY_CMP_IN || rl->op == PARLEY_CMP_NOT_IN;
        size_t count = list ? rl->n_options : 1;
        if (list && len < size)
            len += (size_t)snprintf(buf + len, size - len, " {");
        for (size_t t = 0; t < count && len < size; t++) {
            size_t j = rl->options[t];
            if (j < is->n_options)
                parley_issue_option_label(is, j, label, sizeof label);
            else
                snprintf(label, sizeof label, "#%zu", j);
            len += (size_t)snprintf(buf + len, size - len, "%s%s",
                                    list && t ? ", " : " ", label);
        }
        if (list && len < size)
            snprintf(buf + len, size - len, " }");
    } else if (len < size) {
        snprintf(buf + len, size - len, " %.17g", rl->value);
    }
}

/*
 * Reports issue k as infeasible: one diagnostic for the issue and one for
 * every voting party's red line on it, saying how many options it allows on
 * its own, so that the clash can be shown to the mediator.
 */
static void report_clash(const parley_scenario_t *sc, size_t k,
                         parley_diags_t *diags)
{
    const parley_issue_t *is = &sc->issues[k];
    char path[96], text[400];
    snprintf(path, sizeof path, "$.issues[%zu]", k);
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINFEASIBLE, NULL, 0,
                     0, path,
                     "issue '%s': no option satisfies every party's red "
                     "lines",
                     is->id ? is->id : "?");
    for (size_t p = 0; p < sc->n_parties; p++) {
        const parley_party_t *pa = &sc->parties[p];
        if (pa->role != PARLEY_ROLE_PARTY)
            continue;
        for (size_t r = 0; r < pa->n_red_lines; r++) {
            const parley_red_line_t *rl = &pa->red_lines[r];
            if (rl->issue != k)
                continue;
            size_t ok = 0;
            for (size_t j = 0; j < is->n_options; j++)
                ok += (size_t)parley_red_line_allows(is, rl, j);
            describe_red_line(is, rl, text, sizeof text);
            snprintf(path, sizeof path, "$.parties[%zu].red_lines[%zu]", p,
                     r);
            parley_diags_add(
                diags, PARLEY_SEVERITY_ERROR, PARLEY_EINFEASIBLE, NULL, 0, 0,
                path,
                "issue '%s': party '%s' red line %s %s allows %zu of %zu "
                "options%s%s",
                is->id ? is->id : "?", pa->id ? pa->id : "?",
                is->id ? is->id : "?", text, ok, is->n_options,
                rl->note ? "; stated reason: " : "", rl->note ? rl->note : "");
        }
    }
}

static parley_status_t invalid(parley_diags_t *diags, const char *path,
                               const char *msg)
{
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, NULL, 0, 0,
                     path, "%s", msg);
    return PARLEY_EINVALID;
}

/* Shape checks the compiler relies on; the full check is the checker's. */
static parley_status_t check_shape(const parley_scenario_t *sc,
                                   parley_diags_t *diags, size_t *n_voting)
{
    char path[96];
    size_t n = 0;
    if (sc->n_issues > PARLEY_MAX_ISSUES || sc->n_parties > PARLEY_MAX_PARTIES) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ELIMIT, NULL, 0,
                         0, "$",
                         "expected at most %d issues and %d parties, found "
                         "%zu and %zu",
                         PARLEY_MAX_ISSUES, PARLEY_MAX_PARTIES, sc->n_issues,
                         sc->n_parties);
        return PARLEY_ELIMIT;
    }
    for (size_t k = 0; k < sc->n_issues; k++) {
        const parley_issue_t *is = &sc->issues[k];
        if (is->n_options == 0 || is->n_options > PARLEY_MAX_OPTIONS) {
            snprintf(path, sizeof path, "$.issues[%zu]", k);
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID,
                             NULL, 0, 0, path,
                             "expected 1 to %d options, found %zu",
                             PARLEY_MAX_OPTIONS, is->n_options);
            return PARLEY_EINVALID;
        }
    }
    for (size_t p = 0; p < sc->n_parties; p++) {
        const parley_party_t *pa = &sc->parties[p];
        if (pa->role != PARLEY_ROLE_PARTY)
            continue;
        n++;
        snprintf(path, sizeof path, "$.parties[%zu]", p);
        if (!(pa->power > 0) || !isfinite(pa->power))
            return invalid(diags, path,
                           "a voting party needs a finite power > 0");
        if (!isfinite(pa->reservation))
            return invalid(diags, path, "reservation must be finite");
        if (sc->n_issues > 0 && (!pa->weights || !pa->values))
            return invalid(diags, path,
                           "a voting party needs a weight and a value "
                           "function per issue");
        for (size_t r = 0; r < pa->n_red_lines; r++) {
            const parley_red_line_t *rl = &pa->red_lines[r];
            snprintf(path, sizeof path, "$.parties[%zu].red_lines[%zu]", p, r);
            if (rl->issue >= sc->n_issues)
                return invalid(diags, path,
                               "red line names an issue that does not exist");
            if (rl->n_options > 0 && !rl->options)
                return invalid(diags, path, "red line option list missing");
        }
    }
    if (n == 0)
        return invalid(diags, "$.parties",
                       "expected at least one party with role 'party', "
                       "found none");
    *n_voting = n;
    return PARLEY_OK;
}

/* Doubles in their total order as unsigned integers (no NaN here). */
static uint64_t order_key(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return (b >> 63) ? ~b : b | ((uint64_t)1 << 63);
}

static double from_order_key(uint64_t k)
{
    uint64_t b = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/*
 * The smallest double v with fl(v + a) >= next, where `next` is the
 * threshold of the following stage: "v + a, then the rest, reaches r" is
 * the same as "fl(v + a) reaches next", and fl(v + a) is monotone in v, so
 * bisection over the doubles in their integer order finds it exactly
 * (64 probes).  -inf / +inf pass through (always / never reachable).
 */
static double threshold_step(double next, double a)
{
    if (next == -HUGE_VAL || -DBL_MAX + a >= next)
        return -HUGE_VAL;
    if (next == HUGE_VAL || !(DBL_MAX + a >= next))
        return HUGE_VAL;
    uint64_t lo = order_key(-DBL_MAX), hi = order_key(DBL_MAX);
    while (hi - lo > 1) { /* lo fails, hi passes */
        uint64_t mid = lo + (hi - lo) / 2;
        if (from_order_key(mid) + a >= next)
            hi = mid;
        else
            lo = mid;
    }
    return from_order_key(hi);
}

/* calloc of at least one element, so that empty arrays are not NULL. */
static void *calloc1(size_t count, size_t size)
{
    return parley_calloc(count > 0 ? count : 1, size);
}

#define ALLOC_ARRAY(ptr, count)                                                \
    do {                                                                       \
        (ptr) = calloc1((count), sizeof *(ptr));                               \
        if (!(ptr))                                                            \
            goto nomem;                                                        \
    } while (0)

parley_status_t parley_model_new(const parley_scenario_t *sc,
                                 parley_model_t **out, parley_diags_t *diags)
{
    size_t P = 0, K;
    parley_status_t st;
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!sc)
        return PARLEY_EARG;
    st = check_shape(sc, diags, &P);
    if (st != PARLEY_OK)
        return st;
    K = sc->n_issues;

    parley_model_t *m = parley_calloc(1, sizeof *m);
    if (!m)
        return PARLEY_ENOMEM;
    m->n_parties = P;
    m->n_issues = K;
    ALLOC_ARRAY(m->party_index, P);
    ALLOC_ARRAY(m->party_id, P);
    ALLOC_ARRAY(m->power, P);
    ALLOC_ARRAY(m->share, P);
    ALLOC_ARRAY(m->reservation, P);
    ALLOC_ARRAY(m->issue_id, K);
    ALLOC_ARRAY(m->n_options, K);
    ALLOC_ARRAY(m->n_allowed, K);
    ALLOC_ARRAY(m->allowed, K);
    ALLOC_ARRAY(m->is_allowed, K);
    ALLOC_ARRAY(m->contrib, K);
    ALLOC_ARRAY(m->acontrib, K);
    ALLOC_ARRAY(m->amax, K * P);
    ALLOC_ARRAY(m->amin, K * P);
    ALLOC_ARRAY(m->rest_max, (K + 1) * P);
    ALLOC_ARRAY(m->rest_min, (K + 1) * P);
    ALLOC_ARRAY(m->reach, (K + 1) * P);
    ALLOC_ARRAY(m->safe, (K + 1) * P);

    double total_power = 0;
    for (size_t p = 0, i = 0; p < sc->n_parties; p++) {
        const parley_party_t *pa = &sc->parties[p];
        if (pa->role != PARLEY_ROLE_PARTY)
            continue;
        m->party_index[i] = p;
        m->party_id[i] = parley_strdup(pa->id ? pa->id : "");
        if (!m->party_id[i])
            goto nomem;
        m->power[i] = pa->power;
        m->reservation[i] = pa->reservation;
        total_power += pa->power;
        i++;
    }
    for (size_t i = 0; i < P; i++)
        m->share[i] = m->power[i] / total_power;

    int infeasible = 0;
    m->package_count = 1;
    m->allowed_count = 1;
    for (size_t k = 0; k < K; k++) {
        const parley_issue_t *is = &sc->issues[k];
        size_t n = is->n_options;
        m->n_options[k] = n;
        m->issue_id[k] = parley_strdup(is->id ? is->id : "");
        if (!m->issue_id[k])
            goto nomem;
        ALLOC_ARRAY(m->is_allowed[k], n);
        ALLOC_ARRAY(m->contrib[k], n * P);
        for (size_t j = 0; j < n; j++)
            m->is_allowed[k][j] = 1;
        for (size_t i = 0; i < P; i++) {
            const parley_party_t *pa = &sc->parties[m->party_index[i]];
            for (size_t r = 0; r < pa->n_red_lines; r++) {
                const parley_red_line_t *rl = &pa->red_lines[r];
                if (rl->issue != k)
                    continue;
                for (size_t j = 0; j < n; j++)
                    if (!parley_red_line_allows(is, rl, j))
                        m->is_allowed[k][j] = 0;
            }
            double w = pa->weights[k];
            for (size_t j = 0; j < n; j++) {
                double c = w * parley_value_eval(&pa->values[k], is, j);
                /* The solvers order vectors: NaN and infinities have no
                 * place there (the checker rejects them first). */
                if (!isfinite(c)) {
                    char path[96];
                    snprintf(path, sizeof path, "$.parties[%zu]",
                             m->party_index[i]);
                    parley_diags_add(diags, PARLEY_SEVERITY_ERROR,
                                     PARLEY_EINVALID, NULL, 0, 0, path,
                                     "issue '%s' option %zu: weight times "
                                     "value must be a finite number, got "
                                     "%g",
                                     is->id ? is->id : "?", j, c);
                    parley_model_free(m);
                    return PARLEY_EINVALID;
                }
                m->contrib[k][j * P + i] = c;
            }
        }
        size_t na = 0;
        for (size_t j = 0; j < n; j++)
            na += m->is_allowed[k][j];
        m->n_allowed[k] = na;
        m->package_count *= (double)n;
        m->allowed_count *= (double)na;
        if (na == 0) {
            report_clash(sc, k, diags);
            infeasible = 1;
            continue;
        }
        ALLOC_ARRAY(m->allowed[k], na);
        ALLOC_ARRAY(m->acontrib[k], na * P);
        for (size_t j = 0, a = 0; j < n; j++) {
            if (!m->is_allowed[k][j])
                continue;
            m->allowed[k][a] = (uint32_t)j;
            memcpy(&m->acontrib[k][a * P], &m->contrib[k][j * P],
                   P * sizeof(double));
            a++;
        }
        for (size_t i = 0; i < P; i++) {
            double hi = m->acontrib[k][i], lo = hi;
            for (size_t a = 1; a < na; a++) {
                double v = m->acontrib[k][a * P + i];
                hi = v > hi ? v : hi;
                lo = v < lo ? v : lo;
            }
            m->amax[k * P + i] = hi;
            m->amin[k * P + i] = lo;
        }
    }
    if (infeasible) {
        parley_model_free(m);
        return PARLEY_EINFEASIBLE;
    }
    for (size_t k = K; k-- > 0;)
        for (size_t i = 0; i < P; i++) {
            m->rest_max[k * P + i] =
                m->rest_max[(k + 1) * P + i] + m->amax[k * P + i];
            m->rest_min[k * P + i] =
                m->rest_min[(k + 1) * P + i] + m->amin[k * P + i];
        }
    for (size_t i = 0; i < P; i++) {
        m->reach[K * P + i] = m->reservation[i];
        m->safe[K * P + i] = m->reservation[i];
        for (size_t k = K; k-- > 0;) {
            m->reach[k * P + i] = threshold_step(m->reach[(k + 1) * P + i],
                                                 m->amax[k * P + i]);
            m->safe[k * P + i] = threshold_step(m->safe[(k + 1) * P + i],
                                                m->amin[k * P + i]);
        }
    }
    *out = m;
    return PARLEY_OK;
nomem:
    parley_model_free(m);
    return PARLEY_ENOMEM;
}

size_t parley_model_n_parties(const parley_model_t *m)
{
    return m->n_parties;
}

size_t parley_model_n_issues(const parley_model_t *m)
{
    return m->n_issues;
}

size_t parley_model_party_index(const parley_model_t *m, size_t i)
{
    return m->party_index[i];
}

const char *parley_model_party_id(const parley_model_t *m, size_t i)
{
    return m->party_id[i];
}

const char *parley_model_issue_id(const parley_model_t *m, size_t k)
{
    return m->issue_id[k];
}

double parley_model_power(const parley_model_t *m, size_t i)
{
    return m->power[i];
}

double parley_model_power_share(const parley_model_t *m, size_t i)
{
    return m->share[i];
}

double parley_model_reservation(const parley_model_t *m, size_t i)
{
    return m->reservation[i];
}

size_t parley_model_n_options(const parley_model_t *m, size_t k)
{
    return m->n_options[k];
}

size_t parley_model_n_allowed(const parley_model_t *m, size_t k)
{
    return m->n_allowed[k];
}

uint32_t parley_model_allowed(const parley_model_t *m, size_t k, size_t j)
{
    return m->allowed[k][j];
}

int parley_model_is_allowed(const parley_model_t *m, size_t k, uint32_t opt)
{
    return opt < m->n_options[k] && m->is_allowed[k][opt];
}

const double *parley_model_contrib(const parley_model_t *m, size_t k,
                                   uint32_t opt)
{
    return &m->contrib[k][(size_t)opt * m->n_parties];
}

double parley_model_package_count(const parley_model_t *m)
{
    return m->package_count;
}

double parley_model_allowed_count(const parley_model_t *m)
{
    return m->allowed_count;
}

void parley_model_utility(const parley_model_t *m, const uint32_t *pkg,
                          double *u)
{
    size_t P = m->n_parties;
    for (size_t i = 0; i < P; i++)
        u[i] = 0.0;
    for (size_t k = 0; k < m->n_issues; k++) {
        const double *c = &m->contrib[k][(size_t)pkg[k] * P];
        for (size_t i = 0; i < P; i++)
            u[i] += c[i];
    }
}

int parley_model_is_feasible(const parley_model_t *m, const uint32_t *pkg)
{
    size_t P = m->n_parties;
    double u[PARLEY_MAX_PARTIES];
    for (size_t k = 0; k < m->n_issues; k++)
        if (!parley_model_is_allowed(m, k, pkg[k]))
            return 0;
    parley_model_utility(m, pkg, u);
    for (size_t i = 0; i < P; i++)
        if (!(u[i] >= m->reservation[i]))
            return 0;
    return 1;
}

double parley_model_package_index(const parley_model_t *m, const uint32_t *pkg)
{
    double idx = 0;
    for (size_t k = 0; k < m->n_issues; k++)
        idx = idx * (double)m->n_options[k] + (double)pkg[k];
    return idx;
}

int parley_model_package_less(const parley_model_t *m, const uint32_t *a,
                              const uint32_t *b)
{
    for (size_t k = 0; k < m->n_issues; k++)
        if (a[k] != b[k])
            return a[k] < b[k];
    return 0;
}
