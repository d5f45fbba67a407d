/*
 * analysis.c - parley_analyze(): the whole analysis of a compiled model, in
 * order, and the result's accessors.
 *
 * Order: feasible-set count, Pareto frontier, ideal point, utilitarian (whose
 * total gain is the max total gain over F), power_nash (whose power skew every
 * offset is measured against), the other concepts, then the metrics of each
 * solution.  An empty F is not an error of the call: the result is returned
 * with PARLEY_EINFEASIBLE and a diagnostic saying why nothing is feasible.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"
#include "analysis/solve_internal.h"

#define PARLEY__DEFAULT_MEMORY ((size_t)512 * 1024 * 1024)
#define PARLEY__DEFAULT_COUNT_LIMIT 2e9

static const char *const concept_names[PARLEY_CONCEPT_COUNT] = {
    "utilitarian", "nash", "power_nash", "ks", "egalitarian", "mediated"};

const char *parley_concept_name(parley_concept_t c)
{
    if ((unsigned)c >= PARLEY_CONCEPT_COUNT)
        return "?";
    return concept_names[c];
}

int parley_concept_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++)
        if (strcmp(name, concept_names[c]) == 0)
            return c;
    return -1;
}

void parley_analysis_opts_init(parley_analysis_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->method = PARLEY_FRONTIER_MERGE;
    opts->lambda = 0.5;
    opts->has_floor = 0;
    opts->floor = 0;
    opts->time_budget = 0;
    opts->memory_budget = PARLEY__DEFAULT_MEMORY;
    opts->count_limit = PARLEY__DEFAULT_COUNT_LIMIT;
    opts->threads = 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void parley_analysis_free(parley_analysis_t *a)
{
    if (!a)
        return;
    parley__frontier_clear(&a->frontier);
    parley_free(a->ideal);
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        parley_free(a->solutions[c].package);
        parley_metrics_clear(&a->solutions[c].metrics);
    }
    parley_free(a);
}

/* Options with every "0 = default" resolved; EARG with a diagnostic when a
 * value is out of its range. */
static parley_status_t resolve_opts(const parley_analysis_opts_t *in,
                                    parley_analysis_opts_t *out,
                                    parley_diags_t *diags)
{
    if (in)
        *out = *in;
    else
        parley_analysis_opts_init(out);
    parley_status_t st = PARLEY_OK;
    if (!(out->lambda >= 0 && out->lambda <= 1)) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ERANGE, "", 0, 0,
                         "lambda", "lambda must be in [0, 1], got %g",
                         out->lambda);
        st = PARLEY_EARG;
    }
    if (out->has_floor && !(out->floor >= 0 && out->floor <= 1)) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ERANGE, "", 0, 0,
                         "floor", "floor must be in [0, 1], got %g",
                         out->floor);
        st = PARLEY_EARG;
    }
    if (!(out->time_budget >= 0)) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ERANGE, "", 0, 0,
                         "time_budget",
                         "time budget must be >= 0 seconds, got %g",
                         out->time_budget);
        st = PARLEY_EARG;
    }
    if (!(out->count_limit >= 0)) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ERANGE, "", 0, 0,
                         "count_limit", "count limit must be >= 0, got %g",
                         out->count_limit);
        st = PARLEY_EARG;
    }
    if (out->method != PARLEY_FRONTIER_MERGE &&
        out->method != PARLEY_FRONTIER_ENUMERATE) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, "", 0,
                         0, "method", "unknown frontier method %d",
                         (int)out->method);
        st = PARLEY_EARG;
    }
    if (out->memory_budget == 0)
        out->memory_budget = PARLEY__DEFAULT_MEMORY;
    if (out->count_limit == 0)
        out->count_limit = PARLEY__DEFAULT_COUNT_LIMIT;
    return st;
}

/*
 * Says why F is empty.  A party's best utility within the red lines is
 * separable (the best allowed option of each issue, summed in issue order),
 * so parties that cannot reach their reservation even alone are named
 * exactly; if there are none, the reservations clash jointly.
 */
static void explain_infeasible(const parley_model_t *m, parley_diags_t *diags)
{
    size_t n = parley_model_n_parties(m), K = parley_model_n_issues(m);
    size_t alone = 0;
    for (size_t i = 0; i < n; i++) {
        double best = 0;
        for (size_t k = 0; k < K; k++) {
            double hi = -HUGE_VAL;
            for (size_t j = 0; j < parley_model_n_allowed(m, k); j++) {
                double c = parley_model_contrib(
                    m, k, parley_model_allowed(m, k, j))[i];
                if (c > hi)
                    hi = c;
            }
            best += hi;
        }
        double r = parley_model_reservation(m, i);
        if (best < r) {
            char path[64];
            snprintf(path, sizeof path, "$.parties[%zu].reservation",
                     parley_model_party_index(m, i));
            parley_diags_add(
                diags, PARLEY_SEVERITY_ERROR, PARLEY_EINFEASIBLE, "", 0, 0,
                path,
                "party '%s' cannot reach its reservation %g even alone: the "
                "best package within the red lines gives it %g",
                parley_model_party_id(m, i), r, best);
            alone++;
        }
    }
    if (alone == 0)
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINFEASIBLE, "",
                         0, 0, "$.parties",
                         "every party can reach its reservation on its own, "
                         "but no package within the red lines meets all %zu "
                         "reservations together: the reservations clash",
                         n);
}

static parley_status_t solution_metrics(parley_analysis_t *a,
                                        const parley_model_t *m,
                                        parley_solution_t *sol, int has_pn,
                                        double pn_skew)
{
    if (!sol->found)
        return PARLEY_OK;
    double u[PARLEY_MAX_PARTIES];
    parley_model_utility(m, sol->package, u);
    parley_metrics_clear(&sol->metrics);
    return parley__metrics(m, &a->frontier, a->ideal, a->max_total_gain,
                           has_pn, pn_skew, u, &sol->metrics);
}

static void report(const parley_analysis_opts_t *o, double frac,
                   const char *stage)
{
    if (o->progress)
        o->progress(o->progress_ctx, frac, stage);
}

parley_status_t parley_analyze(const parley_model_t *m,
                               const parley_analysis_opts_t *opts,
                               parley_analysis_t **out, parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!m)
        return PARLEY_EARG;
    double t0 = now_seconds();
    size_t n = parley_model_n_parties(m), K = parley_model_n_issues(m);
    if (n > PARLEY_MAX_PARTIES)
        return PARLEY_ELIMIT;

    parley_analysis_t *a = parley_calloc(1, sizeof *a);
    if (!a)
        return PARLEY_ENOMEM;
    a->n_parties = n;
    a->n_issues = K;
    parley__frontier_init(&a->frontier, n, K);
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++)
        a->solutions[c].concept = (parley_concept_t)c;
    parley_status_t st = resolve_opts(opts, &a->opts, diags);
    if (st != PARLEY_OK)
        goto fail;
    a->ideal = parley_malloc(n * sizeof *a->ideal);
    if (!a->ideal) {
        st = PARLEY_ENOMEM;
        goto fail;
    }

    /* One time budget covers the whole analysis: the count may use a
     * quarter of it (it degrades to bounds gracefully), the frontier what
     * is left, but never less than a twentieth so it can still state a
     * bounded answer. */
    parley_analysis_opts_t stage_opts = a->opts;
    double budget = a->opts.time_budget;
    if (budget > 0)
        stage_opts.time_budget = 0.25 * budget;
    report(&a->opts, 0, "counting feasible packages");
    st = parley__feasible_count(m, &stage_opts, &a->feasible);
    if (st != PARLEY_OK)
        goto fail;
    if (budget > 0) {
        double left = budget - (now_seconds() - t0);
        stage_opts.time_budget = left > 0.05 * budget ? left : 0.05 * budget;
    }
    report(&a->opts, 0, "frontier");
    st = parley__frontier_compute(m, &stage_opts, &a->frontier);
    if (st != PARLEY_OK)
        goto fail;

    const parley__frontier_t *f = &a->frontier;
    for (size_t i = 0; i < n; i++) {
        a->ideal[i] = NAN;
        for (size_t v = 0; v < f->size; v++) {
            double x = f->u[v * n + i];
            if (v == 0 || x > a->ideal[i])
                a->ideal[i] = x;
        }
    }

    report(&a->opts, 1, "solutions");
    static const parley_concept_t order[PARLEY_CONCEPT_COUNT] = {
        PARLEY_CONCEPT_UTILITARIAN, PARLEY_CONCEPT_POWER_NASH,
        PARLEY_CONCEPT_NASH,        PARLEY_CONCEPT_KS,
        PARLEY_CONCEPT_EGALITARIAN, PARLEY_CONCEPT_MEDIATED};
    for (int j = 0; j < PARLEY_CONCEPT_COUNT; j++) {
        st = parley__solve(m, f, a->ideal, order[j], &a->opts,
                           &a->solutions[order[j]]);
        if (st != PARLEY_OK)
            goto fail;
    }

    /* Utilitarian maximises sum u = sum g + sum r, so its total gain is the
     * max total gain over F; taking that very double makes its efficiency
     * exactly 1. */
    const parley_solution_t *ut = &a->solutions[PARLEY_CONCEPT_UTILITARIAN];
    a->max_total_gain = 0;
    if (ut->found) {
        double u[PARLEY_MAX_PARTIES];
        parley_model_utility(m, ut->package, u);
        for (size_t i = 0; i < n; i++)
            a->max_total_gain += u[i] - parley_model_reservation(m, i);
    }

    parley_solution_t *pn = &a->solutions[PARLEY_CONCEPT_POWER_NASH];
    st = solution_metrics(a, m, pn, 0, 0);
    if (st != PARLEY_OK)
        goto fail;
    int has_pn = pn->found;
    double pn_skew = has_pn ? pn->metrics.power_skew : 0;
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        st = solution_metrics(a, m, &a->solutions[c], has_pn, pn_skew);
        if (st != PARLEY_OK)
            goto fail;
    }

    a->seconds = now_seconds() - t0;
    report(&a->opts, 1, "done");
    *out = a;
    if (f->size == 0) {
        explain_infeasible(m, diags);
        return PARLEY_EINFEASIBLE;
    }
    return PARLEY_OK;

fail:
    parley_analysis_free(a);
    return st;
}

int parley_analysis_count_exact(const parley_analysis_t *a)
{
    return a->feasible.exact;
}

double parley_analysis_feasible_count(const parley_analysis_t *a)
{
    return a->feasible.count;
}

double parley_analysis_feasible_lower(const parley_analysis_t *a)
{
    return a->feasible.lower;
}

double parley_analysis_feasible_upper(const parley_analysis_t *a)
{
    return a->feasible.upper;
}

int parley_analysis_frontier_exact(const parley_analysis_t *a)
{
    return a->frontier.exact;
}

double parley_analysis_frontier_delta(const parley_analysis_t *a)
{
    return a->frontier.delta;
}

size_t parley_analysis_frontier_size(const parley_analysis_t *a)
{
    return a->frontier.size;
}

double parley_analysis_frontier_packages(const parley_analysis_t *a)
{
    double total = 0;
    for (size_t v = 0; v < a->frontier.size; v++)
        total += a->frontier.mult[v];
    return total;
}

const double *parley_analysis_frontier_u(const parley_analysis_t *a, size_t v)
{
    if (v >= a->frontier.size)
        return NULL;
    return a->frontier.u + v * a->frontier.n_parties;
}

const uint32_t *parley_analysis_frontier_package(const parley_analysis_t *a,
                                                 size_t v)
{
    if (v >= a->frontier.size)
        return NULL;
    return a->frontier.pkg + v * a->frontier.n_issues;
}

double parley_analysis_frontier_multiplicity(const parley_analysis_t *a,
                                             size_t v)
{
    if (v >= a->frontier.size)
        return 0;
    return a->frontier.mult[v];
}

const double *parley_analysis_ideal(const parley_analysis_t *a)
{
    return a->ideal;
}

const parley_solution_t *parley_analysis_solution(const parley_analysis_t *a,
                                                  parley_concept_t c)
{
    if ((unsigned)c >= PARLEY_CONCEPT_COUNT)
        return NULL;
    return &a->solutions[c];
}

const parley_analysis_opts_t *parley_analysis_options(
    const parley_analysis_t *a)
{
    return &a->opts;
}

double parley_analysis_seconds(const parley_analysis_t *a)
{
    return a->seconds;
}

/*
 * Metrics of any package, feasible or not.  An infeasible package is never
 * efficient; its gap and gains are still measured.  Fails with
 * PARLEY_EINFEASIBLE when F is empty (there is no ideal point to normalise
 * by) and PARLEY_EARG when pkg does not fit the model.
 */
parley_status_t parley_analysis_metrics(const parley_analysis_t *a,
                                        const parley_model_t *m,
                                        const uint32_t *pkg,
                                        parley_metrics_t *out)
{
    if (!a || !m || !pkg || !out)
        return PARLEY_EARG;
    memset(out, 0, sizeof *out);
    if (parley_model_n_parties(m) != a->n_parties ||
        parley_model_n_issues(m) != a->n_issues)
        return PARLEY_EARG;
    for (size_t k = 0; k < a->n_issues; k++)
        if (pkg[k] >= parley_model_n_options(m, k))
            return PARLEY_EARG;
    if (a->frontier.size == 0)
        return PARLEY_EINFEASIBLE;
    double u[PARLEY_MAX_PARTIES];
    parley_model_utility(m, pkg, u);
    const parley_solution_t *pn = &a->solutions[PARLEY_CONCEPT_POWER_NASH];
    parley_status_t st = parley__metrics(
        m, &a->frontier, a->ideal, a->max_total_gain, pn->found,
        pn->found ? pn->metrics.power_skew : 0, u, out);
    if (st != PARLEY_OK)
        return st;
    if (!parley_model_is_feasible(m, pkg))
        out->efficient = 0;
    return PARLEY_OK;
}
