/*
 * implementation.c - what becomes of an agreement after it is reached: T
 * periods of implementation in which parties may breach, and durability,
 * the share of agreements still standing at the end.
 *
 * The model.  Each period, each voting party i breaches, independently of
 * the others and of earlier periods, with probability
 *
 *     p_i = b * (1 - g_i) * (1 - m) * prod_{G in guarantees of i} (1 - c_G)
 *
 *   b    the base hazard: the per-period breach probability of a party that
 *        gains nothing over its reservation, is not watched and holds no
 *        guarantee (PARLEY_BREACH_BASE = 0.2; a study option).
 *   g_i  the party's normalized gain at the agreement, (u_i - r_i) /
 *        (I_i - r_i) in [0, 1] (DESIGN section 2): the share of what it
 *        could gain that the agreement gives it.  1 - g_i is what keeping
 *        the agreement leaves it short of its best: what it has to win by
 *        defecting.  The term is linear so that temptation is proportional
 *        to the shortfall; a party at its ideal has nothing to win and never
 *        breaches, one at its reservation is as tempted as the base hazard.
 *   m    monitoring intensity: the chance a breach is detected.  A detected
 *        breach meets the agreement's consequences (public notice,
 *        suspension of a guarantee's benefits, a review: DESIGN section 4),
 *        which take back what defecting won; a party expects to profit
 *        from a breach only when it goes unseen, with probability 1 - m,
 *        and breaches in proportion.  m = 1 (every breach seen at once) is
 *        the limit in which no breach pays.
 *   c_G  the credibility of each guarantee in effect for the party: it is
 *        the beneficiary, the session's rules have guarantees on and the
 *        agreement meets the guarantee's conditions.  A guarantee covers
 *        the risk the party bears in keeping its side (DESIGN section 3.10),
 *        the reason for a pre-emptive breach; that reason remains only if
 *        no guarantee holds up, with probability prod (1 - c_G) when
 *        guarantors are independent.
 *
 * The factors multiply because the drivers act independently: each scales
 * the hazard the others leave.  Every factor is in [0, 1] and falls
 * (weakly) as its driver rises, so p_i does too, in each driver alone
 * (tests/test_study.c checks it on a grid).
 *
 * Consequences: the first breach ends the agreement, whoever commits it and
 * whether or not it is detected at once (an unseen breach still leaves a
 * commitment unkept): the agreement has stood for the whole periods before
 * it.  Durability is the share of agreements that no party breaches in T
 * periods: P = S^T with S = prod_i (1 - p_i), the chance a period passes
 * without a breach.
 *
 * Draws.  The number of whole periods kept, K, is geometric:
 * P(K >= k) = S^k.  One uniform U in (0, 1] gives K = floor(ln U / ln S)
 * (the largest k with U <= S^k), capped at T: one draw per agreement
 * instead of one per party and period, with the same law (the test
 * compares it with per-party, per-period draws).  The generator is seeded
 * from the session's seed alone (parley_implementation_seed), so a row
 * depends neither on the number of threads nor on the order of work.
 */
#include <math.h>
#include <string.h>

#include "core/core_internal.h"
#include "parley/study.h"

static double clamp01(double x)
{
    if (!(x > 0)) /* NaN too */
        return 0;
    return x < 1 ? x : 1;
}

double parley_monitoring_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "none") == 0)
        return PARLEY_MONITORING_NONE;
    if (strcmp(name, "periodic") == 0)
        return PARLEY_MONITORING_PERIODIC;
    if (strcmp(name, "independent") == 0)
        return PARLEY_MONITORING_INDEPENDENT;
    return -1;
}

const char *parley_monitoring_name(double m)
{
    if (m == PARLEY_MONITORING_NONE)
        return "none";
    if (m == PARLEY_MONITORING_PERIODIC)
        return "periodic";
    if (m == PARLEY_MONITORING_INDEPENDENT)
        return "independent";
    return NULL;
}

double parley_breach_probability(double base, double norm_gain,
                                 double monitoring, double unguaranteed)
{
    return clamp01(base) * (1.0 - clamp01(norm_gain)) *
           (1.0 - clamp01(monitoring)) * clamp01(unguaranteed);
}

double parley_implementation_unguaranteed(const parley_scenario_t *sc,
                                          const parley_rules_t *rules,
                                          size_t party, const uint32_t *pkg)
{
    double q = 1.0;
    if (!sc || !rules || !pkg || !rules->guarantees)
        return q;
    for (size_t g = 0; g < sc->n_guarantees; g++) {
        const parley_guarantee_t *gu = &sc->guarantees[g];
        if (gu->beneficiary == party && parley_guarantee_applies(gu, sc, pkg))
            q *= 1.0 - clamp01(gu->credibility);
    }
    return q;
}

parley_status_t parley_implementation_breach(const parley_analysis_t *a,
                                             const parley_model_t *m,
                                             const parley_scenario_t *sc,
                                             const parley_rules_t *rules,
                                             const uint32_t *pkg,
                                             double monitoring, double base,
                                             double *p)
{
    if (!a || !m || !sc || !pkg || !p || !(monitoring >= 0) ||
        monitoring > 1 || !(base >= 0) || base > 1)
        return PARLEY_EARG;
    const double *ideal = parley_analysis_ideal(a);
    size_t n = parley_model_n_parties(m);
    if (!ideal || n > PARLEY_MAX_PARTIES)
        return PARLEY_EARG;
    parley_rules_t own;
    if (!rules) {
        parley_rules_of(sc, &own);
        rules = &own;
    }
    double u[PARLEY_MAX_PARTIES];
    parley_model_utility(m, pkg, u);
    for (size_t i = 0; i < n; i++) {
        double r = parley_model_reservation(m, i);
        double span = ideal[i] - r;
        double g = span > 0 ? (u[i] - r) / span : 0;
        double q = parley_implementation_unguaranteed(
            sc, rules, parley_model_party_index(m, i), pkg);
        p[i] = parley_breach_probability(base, g, monitoring, q);
    }
    return PARLEY_OK;
}

uint64_t parley_implementation_seed(uint64_t seed)
{
    /* A stream apart from the strategies' (parley_study_strategy_seed
     * mixes in multiples of another constant). */
    uint64_t sm = seed ^ 0x9d2c5680a3b1f417ULL;
    return parley__splitmix64(&sm);
}

unsigned parley_implementation_kept(const double *p, size_t n,
                                    unsigned periods, uint64_t seed)
{
    if (periods == 0)
        return 0;
    /* ln S summed as log1p terms: exact for the small p of a kept deal. */
    double log_s = 0;
    for (size_t i = 0; p && i < n; i++) {
        double q = clamp01(p[i]);
        if (q >= 1)
            return 0; /* a sure breach in the first period */
        log_s += log1p(-q);
    }
    if (log_s == 0)
        return periods; /* nobody ever breaches */
    parley__rng_t rng;
    parley__rng_seed(&rng, seed);
    double u = 1.0 - parley__rng_unit(&rng); /* (0, 1] */
    double k = log(u) / log_s;               /* >= 0 */
    return k >= (double)periods ? periods : (unsigned)k;
}
