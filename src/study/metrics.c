/*
 * metrics.c - the numbers every simulated outcome is measured by, and the
 * small pieces the simulation and the study share: strategy seeds, the
 * strategies of a mix, names, and a JSON string builder.
 *
 * parley_study_metrics() gives the same numbers as parley_analysis_metrics()
 * (analysis/metrics.c, docs/metrics.md) for the fields a study reports,
 * with the same expressions in the same order so that they agree to the
 * bit (tests/test_study.c checks it over random packages), but without
 * allocating: a study calls it twice per session from many threads.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "scenario/scenario_internal.h"
#include "strategy/strategy_internal.h"
#include "study/study_internal.h"

/* Below this, power_nash is taken to have no skew (as analysis/metrics.c). */
#define SKEW_EPS 1e-12

uint64_t parley_study_strategy_seed(uint64_t seed, size_t party)
{
    /* The derivation parley_baseline_sao uses for its parties, so that a
     * mediated session and its baseline seat the same agents, with the same
     * jittered parameters. */
    uint64_t sm = seed ^ (0x632be59bd9b4e019ULL * (uint64_t)(party + 1));
    return parley__splitmix64(&sm);
}

void parley__metrics_unknown(parley_study_metrics_t *out, int agreement,
                             unsigned rounds)
{
    memset(out, 0, sizeof *out);
    out->agreement = agreement;
    out->rounds = rounds;
    out->efficiency = out->min_norm_gain = out->gini = out->power_skew =
        out->offset = NAN;
}

parley_status_t parley_study_metrics(const parley_analysis_t *a,
                                     const parley_model_t *m, int agreement,
                                     unsigned rounds, const uint32_t *pkg,
                                     parley_study_metrics_t *out)
{
    if (!out)
        return PARLEY_EARG;
    parley__metrics_unknown(out, agreement, rounds);
    if (!a || !m || (agreement && !pkg))
        return PARLEY_EARG;
    const parley_solution_t *util =
        parley_analysis_solution(a, PARLEY_CONCEPT_UTILITARIAN);
    const double *ideal = parley_analysis_ideal(a);
    size_t n = parley_model_n_parties(m);
    if (!util || !util->found || !ideal || n == 0 || n > PARLEY_MAX_PARTIES ||
        parley_analysis_frontier_size(a) == 0)
        return PARLEY_EARG;
    if (!agreement) {
        /* Everyone keeps its reservation: nothing gained, nothing shared. */
        out->efficiency = 0;
        out->min_norm_gain = 0;
        return PARLEY_OK;
    }
    double u[PARLEY_MAX_PARTIES], ng[PARLEY_MAX_PARTIES];
    parley_model_utility(m, pkg, u);
    double total_gain = 0, lo = 0, sum_ng = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        double r = parley_model_reservation(m, i);
        double span = ideal[i] - r;
        double g = u[i] - r;
        ng[i] = span > 0 ? g / span : 0;
        total_gain += g;
        sum_ng += ng[i];
        if (span > 0) {
            double x = (u[i] - r) / span;
            if (!any || x < lo)
                lo = x;
            any = 1;
        }
    }
    double max_gain = util->metrics.total_gain;
    if (max_gain > 0)
        out->efficiency = total_gain / max_gain;
    else
        out->efficiency = total_gain >= 0 ? 1 : 0;
    out->min_norm_gain = lo;
    if (sum_ng > 0) {
        double diff = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                diff += fabs(ng[i] - ng[j]);
        out->gini = diff / (2.0 * (double)n * sum_ng);
    } else {
        out->gini = 0;
    }
    double weighted = 0, plain = 0;
    for (size_t i = 0; i < n; i++) {
        weighted += parley_model_power_share(m, i) * ng[i];
        plain += ng[i];
    }
    out->power_skew = weighted - plain / (double)n;
    const parley_solution_t *pn =
        parley_analysis_solution(a, PARLEY_CONCEPT_POWER_NASH);
    if (pn && pn->found && fabs(pn->metrics.power_skew) > SKEW_EPS) {
        out->has_offset = 1;
        out->offset = 1.0 - out->power_skew / pn->metrics.power_skew;
    } else {
        out->offset = NAN;
    }
    return PARLEY_OK;
}

parley_status_t parley__mix_resolve(const parley_study_mix_t *mix,
                                    const parley_scenario_t *sc,
                                    parley_strategy_kind_t *kinds,
                                    size_t *bad)
{
    for (size_t i = 0; i < sc->n_parties; i++)
        kinds[i] = mix ? mix->all : PARLEY_STRATEGY_TRUTHFUL;
    if (!mix)
        return PARLEY_OK;
    if ((unsigned)mix->all >= PARLEY_STRATEGY_COUNT) {
        *bad = (size_t)-1;
        return PARLEY_EARG;
    }
    for (size_t q = 0; q < mix->n_assign; q++) {
        size_t i = 0;
        while (i < sc->n_parties &&
               !(sc->parties[i].role == PARLEY_ROLE_PARTY &&
                 sc->parties[i].id &&
                 strcmp(sc->parties[i].id, mix->party_ids[q]) == 0))
            i++;
        if (i == sc->n_parties ||
            (unsigned)mix->kinds[q] >= PARLEY_STRATEGY_COUNT) {
            *bad = q;
            return PARLEY_EARG;
        }
        kinds[i] = mix->kinds[q];
    }
    return PARLEY_OK;
}

static const char *const stat_names[PARLEY_STUDY_STAT_COUNT] = {
    "agreement", "rounds", "efficiency", "min_norm_gain", "power_skew",
    "offset"};

const char *parley_study_stat_name(parley_study_stat_t s)
{
    return (unsigned)s < PARLEY_STUDY_STAT_COUNT ? stat_names[s] : "unknown";
}

static const char *const which_names[PARLEY_SIM_COUNT] = {
    "mediated", "power_nash", "baseline"};

const char *parley_sim_which_name(parley_sim_which_t w)
{
    return (unsigned)w < PARLEY_SIM_COUNT ? which_names[w] : "unknown";
}

/* ---- JSON ------------------------------------------------------------- */

void parley__sb_free(parley__sb_t *b)
{
    parley__strbuf_free(b);
}

void parley__sb_put(parley__sb_t *b, const char *s, size_t n)
{
    parley__strbuf_put(b, s, n);
}

void parley__sb_raw(parley__sb_t *b, const char *s)
{
    parley__strbuf_puts(b, s);
}

void parley__sb_str(parley__sb_t *b, const char *s)
{
    if (!s)
        parley__sb_raw(b, "null");
    else
        parley__json_put_string(b, s, "\n\t");
}

void parley__sb_key(parley__sb_t *b, const char *key)
{
    /* A comma unless this is the container's first member (or the caller
     * wrote one), looking past layout whitespace. */
    size_t i = b->len;
    while (i > 0 && (b->s[i - 1] == '\n' || b->s[i - 1] == ' '))
        i--;
    if (i > 0 && b->s[i - 1] != '{' && b->s[i - 1] != '[' &&
        b->s[i - 1] != ',')
        parley__sb_put(b, ",", 1);
    parley__sb_str(b, key);
    parley__sb_put(b, ":", 1);
}

void parley__sb_num(parley__sb_t *b, double x)
{
    if (parley__json_put_number(b, x) < 0)
        parley__sb_raw(b, "null");
}

void parley__sb_uint(parley__sb_t *b, uint64_t x)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)x);
    parley__sb_raw(b, buf);
}

void parley__sb_bool(parley__sb_t *b, int x)
{
    parley__sb_raw(b, x ? "true" : "false");
}

void parley__sb_text(parley__sb_t *b, const parley_scenario_t *sc,
                     const uint32_t *pkg)
{
    if (!pkg) {
        parley__sb_raw(b, "null");
        return;
    }
    char label[64];
    parley__sb_put(b, "{", 1);
    for (size_t k = 0; k < sc->n_issues; k++) {
        parley__sb_key(b, sc->issues[k].id);
        parley_issue_option_label(&sc->issues[k], pkg[k], label,
                                  sizeof label);
        parley__sb_str(b, label);
    }
    parley__sb_put(b, "}", 1);
}

void parley__sb_metrics(parley__sb_t *b, const parley_study_metrics_t *m,
                        int with_agreement)
{
    if (with_agreement) {
        parley__sb_key(b, "agreement");
        parley__sb_bool(b, m->agreement);
        parley__sb_key(b, "rounds");
        parley__sb_uint(b, m->rounds);
    }
    parley__sb_key(b, "efficiency");
    parley__sb_num(b, m->efficiency);
    parley__sb_key(b, "min_norm_gain");
    parley__sb_num(b, m->min_norm_gain);
    parley__sb_key(b, "gini");
    parley__sb_num(b, m->gini);
    parley__sb_key(b, "power_skew");
    parley__sb_num(b, m->power_skew);
    parley__sb_key(b, "offset");
    if (m->has_offset)
        parley__sb_num(b, m->offset);
    else
        parley__sb_raw(b, "null");
}
