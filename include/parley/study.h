/*
 * parley/study.h - simulated sessions measured against the analysis.
 *
 * Two levels, sharing one definition of every number (docs/study.md):
 *
 *   - a simulation: one mediated session over a scenario, every voting
 *     party driven by a strategy (strategy.h), compared with what raw power
 *     alone yields (power_nash, from parley_analyze on the true scenario)
 *     and with the unmediated baseline (parley_baseline_sao with the same
 *     strategies and seed).  This is what `parley mediate` shows.
 *   - a study: many such sessions over scenarios x designs x seeds, run on
 *     a pool of threads, one row per session and a summary per design with
 *     95% confidence intervals.  This is what `parley study` runs.
 *
 * Seeds.  A session with seed s drives scenario party i with a strategy
 * seeded parley_study_strategy_seed(s, i), and its baseline is
 * parley_baseline_sao(..., s, ...): `parley mediate --seed s` replays the
 * study's row for seed s exactly.
 *
 * Outcome metrics (parley_study_metrics_t) are those of analysis.h's
 * parley_metrics_t, on the true profiles and the issues alone (guarantee
 * bonuses are not utilities of the scenario and are left out).  An impasse
 * leaves every party at its reservation: efficiency and min normalized gain
 * are 0; Gini, power skew and offset describe how an agreement shares its
 * gains and are absent (NaN, has_offset 0).
 */
#ifndef PARLEY_STUDY_H
#define PARLEY_STUDY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parley/analysis.h"
#include "parley/error.h"
#include "parley/model.h"
#include "parley/rules.h"
#include "parley/scenario.h"
#include "parley/session.h"
#include "parley/strategy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- statistics --------------------------------------------------------- */

/* Quantile of the standard normal; NaN outside (0, 1). */
double parley_normal_quantile(double p);
/* P(T <= t) for Student's t with df degrees of freedom (exact series). */
double parley_t_cdf(double t, unsigned df);
/* Quantile of Student's t, df a whole number >= 1; NaN otherwise.
 * Accurate to about 1e-12 relative. */
double parley_t_quantile(double p, double df);
/* The Cornish-Fisher expansion alone (four terms); good to 1e-3 from
 * df = 5 at p = 0.975, exact enough for df in the hundreds. */
double parley_t_quantile_cf(double p, double df);

/* A mean (or rate) with a confidence interval. */
typedef struct parley_interval {
    size_t n;      /* observations */
    double mean;   /* NaN when n = 0 */
    double lo, hi; /* NaN when there is no interval (n = 0; n = 1 for
                      means) */
} parley_interval_t;

/* Wilson score interval of successes / n at `level` (0.95). */
void parley_interval_wilson(size_t successes, size_t n, double level,
                            parley_interval_t *out);
/* Mean of x[0..n-1] with the t interval mean +- t(df=n-1) sd / sqrt(n). */
void parley_interval_mean(const double *x, size_t n, double level,
                          parley_interval_t *out);

/* ---- outcome metrics ---------------------------------------------------- */

typedef struct parley_study_metrics {
    int agreement;
    unsigned rounds;
    double efficiency;    /* total gain / max over F; impasse 0 */
    double min_norm_gain; /* impasse 0 */
    double gini;          /* of normalized gains; impasse NaN */
    double power_skew;    /* impasse NaN */
    int has_offset;       /* agreement, and power_nash has a skew */
    double offset;        /* 1 - skew / skew(power_nash) */
} parley_study_metrics_t;

/*
 * Metrics of an outcome against analysis `a` of model `m` (the numbers of
 * parley_analysis_metrics(), computed without allocating).  `pkg` is read
 * only for an agreement.  PARLEY_EARG when `a` has no frontier (nothing
 * feasible: nothing to measure against) or an argument is NULL.
 */
parley_status_t parley_study_metrics(const parley_analysis_t *a,
                                     const parley_model_t *m, int agreement,
                                     unsigned rounds, const uint32_t *pkg,
                                     parley_study_metrics_t *out);

/* The seed of scenario party i's strategy in a session of seed `seed`. */
uint64_t parley_study_strategy_seed(uint64_t seed, size_t party);

/* ---- implementation: breaches and durability ---------------------------- */

/*
 * After agreement a study can follow each agreement through T periods of
 * implementation (docs/study.md, "Implementation and durability"; the model
 * is described in full at the top of src/study/implementation.c).  In each
 * period each voting party breaches with probability
 *
 *     p_i = base * (1 - g_i) * (1 - m) * prod over guarantees G of i (1 - c_G)
 *
 * g_i its normalized gain at the agreement (clamped to [0, 1]), m the
 * monitoring intensity (the chance a breach is detected, in [0, 1]), c_G
 * the credibility of each guarantee in effect for it (it is the
 * beneficiary, the rules have guarantees on and the agreement meets the
 * guarantee's conditions).  The first breach ends the agreement.
 */

/* Per-period breach probability of a party that gains nothing over its
 * reservation, under no monitoring and without guarantees. */
#define PARLEY_BREACH_BASE 0.2
/* Named monitoring intensities: no monitor; periodic self-reports checked
 * by a monitor; independent verification on the ground. */
#define PARLEY_MONITORING_NONE 0.0
#define PARLEY_MONITORING_PERIODIC 0.5
#define PARLEY_MONITORING_INDEPENDENT 0.9
/* The periods a study runs when asked for durability without a number. */
#define PARLEY_STUDY_PERIODS_DEFAULT 8u
/* The most implementation periods a study follows (a stated limit). */
#define PARLEY_STUDY_PERIODS_MAX 10000u

/* The intensity of a level's name ("none", "periodic", "independent"), or
 * a negative number for another name. */
double parley_monitoring_from_name(const char *name);
/* The name of a level's intensity, or NULL when m is none of them. */
const char *parley_monitoring_name(double m);

/*
 * The formula above for one party.  Arguments outside [0, 1] (NaN too)
 * are clamped into it (NaN as 0), so the result is always in [0, base].
 * `unguaranteed` is prod (1 - c_G), already taken (1: no guarantee).
 */
double parley_breach_probability(double base, double norm_gain,
                                 double monitoring, double unguaranteed);

/*
 * prod (1 - c_G) over the guarantees of sc in effect for scenario party
 * `party` at package `pkg` (scenario option indices) under `rules`: 1 when
 * rules->guarantees is 0 or none applies.  O(guarantees x conditions).
 */
double parley_implementation_unguaranteed(const parley_scenario_t *sc,
                                          const parley_rules_t *rules,
                                          size_t party, const uint32_t *pkg);

/*
 * Each voting party's per-period breach probability (model order, into
 * p[parley_model_n_parties(m)]) for agreement `pkg` of scenario `sc`
 * (compiled as `m`, analysed as `a`, which gives the ideals), under
 * `rules` (NULL: the scenario's) and monitoring intensity `monitoring`.
 * A party with nothing to gain over F (ideal = reservation) counts a
 * normalized gain of 0, as the metrics do.  PARLEY_EARG for a NULL
 * argument, a monitoring or base outside [0, 1], or an analysis without
 * ideals.  O(parties x issues + guarantees x conditions).
 */
parley_status_t parley_implementation_breach(const parley_analysis_t *a,
                                             const parley_model_t *m,
                                             const parley_scenario_t *sc,
                                             const parley_rules_t *rules,
                                             const uint32_t *pkg,
                                             double monitoring, double base,
                                             double *p);

/* The seed of the implementation draws of a session of seed `seed`. */
uint64_t parley_implementation_seed(uint64_t seed);

/*
 * The whole periods an agreement is kept, out of `periods`, when party i
 * breaches each period with probability p[i] independently: the number of
 * periods before the first in which any party breaches, `periods` when
 * none does (the agreement still stands).  One uniform draw from
 * xoshiro256** seeded with `seed`, inverted through the geometric law of
 * the first breach: P(kept >= k) = S^k with S = prod (1 - p[i]).
 * O(n); p values outside [0, 1] are clamped.
 */
unsigned parley_implementation_kept(const double *p, size_t n,
                                    unsigned periods, uint64_t seed);

/* ---- one simulated session ---------------------------------------------- */

typedef struct parley_simulation_opts {
    const parley_rules_t *rules; /* NULL: the scenario's rules */
    /* [sc->n_parties]: each voting party's strategy; NULL: all truthful */
    const parley_strategy_kind_t *kinds;
    uint64_t seed;
    int baseline;                /* also run the baseline [1] */
    parley_event_fn on_event;    /* the session's event log, or NULL */
    void *event_ctx;
    /* For the analysis (threads, budgets, progress); NULL: defaults. */
    const parley_analysis_opts_t *analysis;
} parley_simulation_opts_t;

void parley_simulation_opts_init(parley_simulation_opts_t *o);

typedef enum parley_sim_which {
    PARLEY_SIM_MEDIATED,
    PARLEY_SIM_POWER_NASH,
    PARLEY_SIM_BASELINE,
    PARLEY_SIM_COUNT
} parley_sim_which_t;

/* "mediated", "power_nash", "baseline". */
const char *parley_sim_which_name(parley_sim_which_t w);

/* One outcome and what each voting party (model order) gets from it. */
typedef struct parley_sim_result {
    int present;     /* power_nash found; baseline run */
    int agreement;   /* power_nash: 1 */
    unsigned rounds;
    /* The agreement; for an impasse the best text reached (mediated) or
     * the last offer (baseline), for reference only. */
    const uint32_t *package;
    /* [voting parties]: at the package on agreement; at the reservation
     * (gain 0) otherwise.  NULL when nothing is feasible. */
    const double *u, *gain, *norm_gain;
    parley_study_metrics_t metrics; /* all NaN when nothing is feasible */
} parley_sim_result_t;

typedef struct parley_simulation parley_simulation_t;

/*
 * Runs the analysis of `sc`, one mediated session and (opts->baseline) the
 * baseline.  An empty feasible set is not an error: the session still runs
 * and parley_simulation_analysis() is NULL (diags say what clashes).
 * Errors: PARLEY_EARG (a strategy kind out of range, a voting party a
 * strategy cannot drive), rules that do not check (with diagnostics), a
 * driver's failure, PARLEY_ENOMEM.
 */
parley_status_t parley_simulate(const parley_scenario_t *sc,
                                const parley_simulation_opts_t *opts,
                                parley_simulation_t **out,
                                parley_diags_t *diags);
void parley_simulation_free(parley_simulation_t *sim);

const parley_model_t *parley_simulation_model(const parley_simulation_t *sim);
const parley_analysis_t *parley_simulation_analysis(
    const parley_simulation_t *sim);
const parley_sim_result_t *parley_simulation_result(
    const parley_simulation_t *sim, parley_sim_which_t which);
/* The mediated session's outcome (reason, vetoes, concessions). */
const parley_outcome_t *parley_simulation_outcome(
    const parley_simulation_t *sim);
/* The baseline's result (walk-out), or NULL when it was not run. */
const parley_baseline_result_t *parley_simulation_baseline(
    const parley_simulation_t *sim);
/* The rules the session ran by. */
const parley_rules_t *parley_simulation_rules(const parley_simulation_t *sim);

/*
 * The texts the mediator put, in order: text t is texts + t * n_issues,
 * tabled in round rounds[t]; pilot[t] is 1 for a straw poll.
 */
size_t parley_simulation_n_texts(const parley_simulation_t *sim);
const uint32_t *parley_simulation_text(const parley_simulation_t *sim,
                                       size_t t, unsigned *round,
                                       int *pilot);

/*
 * The comparison as one JSON object on one line (no newline), the
 * "summary" line of `parley mediate --json` (docs/events.md): a
 * parley_malloc'd string.
 */
parley_status_t parley_simulation_summary_json(const parley_simulation_t *sim,
                                               const parley_scenario_t *sc,
                                               char **out);

/* ---- studies ------------------------------------------------------------ */

/* Which rules a design sets (each over the scenario's own rules). */
enum {
    PARLEY_STUDY_SET_CHANNELS = 1u << 0,
    PARLEY_STUDY_SET_GUARANTEES = 1u << 1,
    PARLEY_STUDY_SET_AGENDA = 1u << 2,
    PARLEY_STUDY_SET_WORKING_GROUPS = 1u << 3,
    PARLEY_STUDY_SET_LAMBDA = 1u << 4,
    PARLEY_STUDY_SET_VETO_BUDGET = 1u << 5,
    PARLEY_STUDY_SET_VETO_WINDOW = 1u << 6,
    PARLEY_STUDY_SET_PILOTS = 1u << 7,
    PARLEY_STUDY_SET_MONITORING = 1u << 8
};

/* Strategies: `all` for every voting party, then the assignments by party
 * id (ids are checked against each scenario: an unknown one is an error). */
typedef struct parley_study_mix {
    parley_strategy_kind_t all;
    size_t n_assign;
    const char *const *party_ids;
    const parley_strategy_kind_t *kinds;
} parley_study_mix_t;

typedef struct parley_study_design {
    const char *name; /* unique label of the design */
    unsigned set;     /* PARLEY_STUDY_SET_* */
    int private_channels, guarantees, working_groups, pilots;
    parley_agenda_policy_t agenda;
    double lambda;
    unsigned veto_budget, veto_window;
    parley_study_mix_t strategies;
    /* Monitoring intensity of implementation in [0, 1] (not a rule of the
     * session: it acts only after agreement, and only in a study with
     * periods).  Unset: none (0). */
    double monitoring;
} parley_study_design_t;

typedef struct parley_study_spec {
    size_t n_scenarios;
    const parley_scenario_t *const *scenarios; /* borrowed for the run */
    const char *const *names; /* labels; NULL (or an entry NULL): the
                                 scenario's name */
    /* Per scenario rules replacing its own (NULL, or an entry NULL: the
     * scenario's); designs apply over them. */
    const parley_rules_t *const *rules;
    size_t n_designs;
    const parley_study_design_t *designs;
    uint64_t first_seed;
    size_t n_seeds;
    int baseline;     /* run the baseline too */
    /* Implementation periods after each mediated agreement (durability);
     * 0, the default: none, and no durability in any output. */
    unsigned periods;
    double breach_base; /* PARLEY_BREACH_BASE by default, in [0, 1] */
    unsigned threads; /* 0: all cores */
    /* Called from the worker threads, one at a time, with the share of
     * sessions done. */
    parley_progress_fn progress;
    void *progress_ctx;
} parley_study_spec_t;

void parley_study_spec_init(parley_study_spec_t *spec);

/* One session of a study. */
typedef struct parley_study_row {
    size_t scenario, design;
    uint64_t seed;
    parley_study_metrics_t mediated;
    parley_study_metrics_t baseline; /* agreement -1 when not run */
    unsigned vetoes_valid, vetoes_refused, concessions;
    /* Implementation of the mediated agreement: 1 still standing after
     * the study's periods, 0 breached; -1 without an agreement or without
     * periods.  periods_kept: whole periods before the first breach (the
     * study's periods when standing; 0 when standing is -1). */
    int standing;
    unsigned periods_kept;
} parley_study_row_t;

/* The summary metrics, in the order tables show them. */
typedef enum parley_study_stat {
    PARLEY_STUDY_AGREEMENT,     /* rate, Wilson interval */
    PARLEY_STUDY_ROUNDS,
    PARLEY_STUDY_EFFICIENCY,
    PARLEY_STUDY_MIN_NORM_GAIN,
    PARLEY_STUDY_POWER_SKEW,    /* over agreements */
    PARLEY_STUDY_OFFSET,        /* over agreements with an offset */
    PARLEY_STUDY_STAT_COUNT
} parley_study_stat_t;

/* "agreement", "rounds", "efficiency", "min_norm_gain", "power_skew",
 * "offset". */
const char *parley_study_stat_name(parley_study_stat_t s);

typedef struct parley_study_summary {
    size_t sessions;
    parley_interval_t mediated[PARLEY_STUDY_STAT_COUNT];
    parley_interval_t baseline[PARLEY_STUDY_STAT_COUNT]; /* n 0: not run */
    /* Mediated agreements only (n: agreements reached), n 0 without
     * periods: the share still standing after the periods (Wilson), and
     * the mean whole periods kept (t). */
    parley_interval_t durability, periods_kept;
} parley_study_summary_t;

typedef struct parley_study parley_study_t;

/*
 * Runs spec->n_scenarios x n_designs x n_seeds sessions.  Per scenario,
 * once: the model and its analysis; per scenario and design, once: the
 * rules, the strategies and the session plan; per scenario, strategy mix
 * and seed, once: the baseline (it does not depend on the other factors).
 * All of it is shared read-only by the threads, each of which reuses one
 * session (parley_session_reset).  Rows are stored in the order scenario,
 * design, seed whatever the threads, so every output is the same for the
 * same spec.  Errors (the run stops and *out is NULL): an argument out of
 * range (no scenario, design or seed; duplicate design names), a design's
 * rules that do not check or an unknown party in its strategies, a scenario
 * with nothing feasible (nothing to measure against), a session's failure,
 * PARLEY_ENOMEM; each with a diagnostic naming scenario and design.
 */
parley_status_t parley_study_run(const parley_study_spec_t *spec,
                                 parley_study_t **out, parley_diags_t *diags);
void parley_study_free(parley_study_t *st);

size_t parley_study_n_rows(const parley_study_t *st);
const parley_study_row_t *parley_study_row(const parley_study_t *st,
                                           size_t i);
size_t parley_study_n_designs(const parley_study_t *st);
const char *parley_study_design_name(const parley_study_t *st, size_t d);
size_t parley_study_n_scenarios(const parley_study_t *st);
const char *parley_study_scenario_name(const parley_study_t *st, size_t s);
/* The design's summary over every scenario and seed (95% intervals). */
const parley_study_summary_t *parley_study_summary(const parley_study_t *st,
                                                   size_t design);
/* The implementation periods the study followed (0: none). */
unsigned parley_study_periods(const parley_study_t *st);
/* Wall time of the run, seconds. */
double parley_study_seconds(const parley_study_t *st);

/* One row per session, with a header line (docs/study.md). */
parley_status_t parley_study_write_csv(const parley_study_t *st, FILE *out);
/* The designs, scenarios, summaries and every row as one JSON document. */
parley_status_t parley_study_write_json(const parley_study_t *st, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
