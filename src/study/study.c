/*
 * study.c - many simulated sessions over scenarios x designs x seeds, on a
 * pool of threads.
 *
 * The work is cut into items, in a fixed order: for each scenario, first
 * its baselines (per strategy group: designs whose strategies coincide share
 * one baseline per seed, since the baseline ignores every other design
 * factor), then its sessions per design, each item a run of consecutive
 * seeds.  Threads take items in that order.  What a scenario needs (model,
 * analysis, one session plan per design, one baseline plan whose sorted
 * offer tables all its baselines read) is prepared by the first thread that
 * takes one of its items, while the others that need it wait, and is freed
 * when its last item is done and no thread still holds a session over one
 * of its plans; so only a few scenarios are alive at a time however many a
 * study has.  Each thread keeps one session and resets it from
 * session to session of the same plan.
 *
 * Every result goes to its own slot (row index = scenario, design, seed), so
 * outputs do not depend on the number of threads or on timing.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parley/alloc.h"
#include "study/study_internal.h"
#include "study/study_result.h"

/* Seeds per work item: small enough to balance the threads, large enough
 * that taking an item costs nothing next to running it. */
#define ITEM_SEEDS_MAX 64

enum { SC_IDLE, SC_PREPARING, SC_READY, SC_FAILED, SC_FREED };

typedef struct cell {
    parley_rules_t rules;          /* shallow: agenda_order borrowed */
    parley_strategy_kind_t *kinds; /* [n_parties] */
    size_t group;                  /* baseline group within the scenario */
    parley_session_plan_t *plan;
} cell_t;

typedef struct scen {
    const parley_scenario_t *sc;
    int state;
    size_t pending; /* items not yet done */
    size_t holds;   /* threads keeping a session over one of its plans */
    parley_model_t *model;
    parley_analysis_t *analysis;
    /* Offer tables shared by all its baselines (spec->baseline only). */
    parley_baseline_plan_t *bplan;
    cell_t *cells;        /* [D] */
    size_t n_groups;
    size_t *group_design; /* [n_groups] first design of each group */
    size_t group_base;    /* its first group in the baseline table */
} scen_t;

typedef struct item {
    int baseline;
    size_t scen, idx; /* idx: group (baseline) or design */
    size_t first, count;
} item_t;

typedef struct runner {
    const parley_study_spec_t *spec;
    parley_study_t *res;
    scen_t *scens;
    item_t *items;
    size_t n_items, next;
    parley_study_metrics_t *base; /* [total groups * N] */
    pthread_mutex_t lock;
    pthread_cond_t ready;
    int stop;
    parley_status_t error;
    parley_diags_t *diags;
    double units_done, units_total;
} runner_t;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void parley_study_spec_init(parley_study_spec_t *spec)
{
    if (!spec)
        return;
    memset(spec, 0, sizeof *spec);
    spec->first_seed = 1;
    spec->n_seeds = 1;
    spec->baseline = 1;
    spec->breach_base = PARLEY_BREACH_BASE;
}

/* ---- per scenario ------------------------------------------------------ */

static void scen_release(scen_t *s, size_t D)
{
    if (s->cells)
        for (size_t d = 0; d < D; d++) {
            parley_session_plan_free(s->cells[d].plan);
            s->cells[d].plan = NULL;
        }
    parley_analysis_free(s->analysis);
    s->analysis = NULL;
    parley_baseline_plan_free(s->bplan);
    s->bplan = NULL;
    parley_model_free(s->model);
    s->model = NULL;
}

static void scen_clear(scen_t *s, size_t D)
{
    scen_release(s, D);
    if (s->cells)
        for (size_t d = 0; d < D; d++)
            parley_free(s->cells[d].kinds);
    parley_free(s->cells);
    parley_free(s->group_design);
    s->cells = NULL;
    s->group_design = NULL;
}

/* Caller holds the lock. */
static void fail(runner_t *r, parley_status_t st)
{
    if (r->error == PARLEY_OK)
        r->error = st;
    r->stop = 1;
    pthread_cond_broadcast(&r->ready);
}

/*
 * Builds what sessions over scenario si need.  Runs without the lock:
 * nobody else touches a scenario while it is being prepared.  Problems are
 * described in `why`.
 */
static parley_status_t prepare(runner_t *r, size_t si, char *why,
                               size_t size)
{
    const parley_study_spec_t *sp = r->spec;
    scen_t *s = &r->scens[si];
    parley_status_t st = parley_model_new(s->sc, &s->model, NULL);
    if (st != PARLEY_OK) {
        snprintf(why, size, "the model cannot be compiled (%s)",
                 parley_status_message(st));
        return st;
    }
    parley_analysis_opts_t ao;
    parley_analysis_opts_init(&ao);
    ao.threads = 1; /* the study's threads are the parallelism */
    st = parley_analyze(s->model, &ao, &s->analysis, NULL);
    if (st == PARLEY_OK &&
        parley_analysis_frontier_size(s->analysis) == 0)
        st = PARLEY_EINFEASIBLE;
    if (st != PARLEY_OK) {
        snprintf(why, size,
                 st == PARLEY_EINFEASIBLE
                     ? "nothing is feasible: no outcome to measure "
                       "sessions against"
                     : "the analysis failed (%s)",
                 parley_status_message(st));
        return st;
    }
    for (size_t d = 0; d < sp->n_designs; d++) {
        st = parley_session_plan_new(s->sc, &s->cells[d].rules,
                                     &s->cells[d].plan, NULL);
        if (st != PARLEY_OK) {
            snprintf(why, size, "design '%s': no session plan (%s)",
                     sp->designs[d].name, parley_status_message(st));
            return st;
        }
    }
    if (sp->baseline && s->n_groups > 0) {
        /* Tables for the pools its strategy groups seat, built once. */
        size_t P = s->sc->n_parties;
        parley_strategy_kind_t *kinds =
            parley_malloc(s->n_groups * P * sizeof *kinds);
        if (!kinds)
            return PARLEY_ENOMEM;
        for (size_t g = 0; g < s->n_groups; g++)
            memcpy(&kinds[g * P], s->cells[s->group_design[g]].kinds,
                   P * sizeof *kinds);
        st = parley_baseline_plan_new(s->sc, kinds, s->n_groups, &s->bplan);
        parley_free(kinds);
        if (st != PARLEY_OK) {
            snprintf(why, size, "no baseline plan (%s)",
                     parley_status_message(st));
            return st;
        }
    }
    /* What the outputs say about the scenario. */
    parley__study_scenario_t *info = &r->res->scenarios[si];
    info->parties = parley_model_n_parties(s->model);
    info->issues = s->sc->n_issues;
    info->packages = parley_scenario_package_count(s->sc);
    const parley_solution_t *pn =
        parley_analysis_solution(s->analysis, PARLEY_CONCEPT_POWER_NASH);
    info->has_pn = pn && pn->found;
    info->pn_skew = info->has_pn ? pn->metrics.power_skew : NAN;
    return PARLEY_OK;
}

/* Makes scenario si ready, or returns nonzero (the run stops). */
static int acquire(runner_t *r, size_t si)
{
    scen_t *s = &r->scens[si];
    pthread_mutex_lock(&r->lock);
    while (s->state == SC_PREPARING && !r->stop)
        pthread_cond_wait(&r->ready, &r->lock);
    if (r->stop || s->state == SC_FAILED) {
        pthread_mutex_unlock(&r->lock);
        return 1;
    }
    if (s->state == SC_READY) {
        pthread_mutex_unlock(&r->lock);
        return 0;
    }
    s->state = SC_PREPARING;
    pthread_mutex_unlock(&r->lock);

    char why[512] = "";
    parley_status_t st = prepare(r, si, why, sizeof why);

    pthread_mutex_lock(&r->lock);
    if (st == PARLEY_OK) {
        s->state = SC_READY;
    } else {
        s->state = SC_FAILED;
        parley_diags_add(r->diags, PARLEY_SEVERITY_ERROR, st, "", 0, 0, "",
                         "scenario '%s': %s",
                         r->res->scenarios[si].name, why);
        fail(r, st);
    }
    pthread_cond_broadcast(&r->ready);
    pthread_mutex_unlock(&r->lock);
    return st != PARLEY_OK;
}

/* Caller holds the lock: frees a scenario nobody needs any more. */
static void maybe_free(runner_t *r, size_t si)
{
    scen_t *s = &r->scens[si];
    if (s->pending == 0 && s->holds == 0 && s->state == SC_READY) {
        scen_release(s, r->spec->n_designs);
        s->state = SC_FREED;
    }
}

/* ---- one thread -------------------------------------------------------- */

typedef struct worker {
    runner_t *r;
    size_t N;                   /* scenario parties, max over scenarios */
    /* Strategies of the held scenario and design, reset from session to
     * session (only a new cell makes new ones). */
    parley_strategy_t **st;     /* [N] */
    parley_driver_t *drv;       /* [N] their drivers, see run_sessions */
    const parley_driver_t **dp; /* [N] */
    parley_session_t *session;
    long held;                  /* scenario of the session's plan, or -1 */
    size_t held_design;
} worker_t;

static void free_strategies(worker_t *w)
{
    for (size_t i = 0; i < w->N; i++) {
        parley_strategy_free(w->st[i]);
        w->st[i] = NULL;
        w->dp[i] = NULL;
    }
}

static void drop_session(worker_t *w)
{
    if (!w->session && w->held < 0)
        return;
    parley_session_free(w->session);
    w->session = NULL;
    free_strategies(w);
    if (w->held >= 0) {
        runner_t *r = w->r;
        pthread_mutex_lock(&r->lock);
        r->scens[w->held].holds--;
        maybe_free(r, (size_t)w->held);
        pthread_mutex_unlock(&r->lock);
        w->held = -1;
    }
}

static parley_status_t run_baselines(worker_t *w, const item_t *it,
                                     char *why, size_t size)
{
    runner_t *r = w->r;
    const parley_study_spec_t *sp = r->spec;
    scen_t *s = &r->scens[it->scen];
    const cell_t *c = &s->cells[s->group_design[it->idx]];
    size_t N = sp->n_seeds;
    for (size_t k = it->first; k < it->first + it->count; k++) {
        uint64_t seed = sp->first_seed + k;
        parley_baseline_result_t b;
        parley_status_t st =
            parley_baseline_sao_planned(s->bplan, &c->rules, c->kinds, seed,
                                        &b);
        if (st != PARLEY_OK) {
            snprintf(why, size, "baseline with seed %llu failed (%s)",
                     (unsigned long long)seed, parley_status_message(st));
            return st;
        }
        parley_study_metrics_t *m = &r->base[(s->group_base + it->idx) * N + k];
        st = parley_study_metrics(s->analysis, s->model, b.agreement,
                                  b.rounds, b.package, m);
        if (st != PARLEY_OK)
            return st;
    }
    return PARLEY_OK;
}

/*
 * Follows a mediated agreement through the study's periods into `row`
 * (implementation.c has the model).  Allocates nothing.
 */
static parley_status_t implement(const scen_t *s, const cell_t *c,
                                 const parley_study_design_t *de,
                                 const parley_study_spec_t *sp, uint64_t seed,
                                 const uint32_t *pkg, parley_study_row_t *row)
{
    double p[PARLEY_MAX_PARTIES];
    double monitoring =
        (de->set & PARLEY_STUDY_SET_MONITORING) ? de->monitoring : 0;
    parley_status_t st =
        parley_implementation_breach(s->analysis, s->model, s->sc, &c->rules,
                                     pkg, monitoring, sp->breach_base, p);
    if (st != PARLEY_OK)
        return st;
    row->periods_kept = parley_implementation_kept(
        p, parley_model_n_parties(s->model), sp->periods,
        parley_implementation_seed(seed));
    row->standing = row->periods_kept == sp->periods;
    return PARLEY_OK;
}

static parley_status_t run_sessions(worker_t *w, const item_t *it, char *why,
                                    size_t size)
{
    runner_t *r = w->r;
    const parley_study_spec_t *sp = r->spec;
    scen_t *s = &r->scens[it->scen];
    const cell_t *c = &s->cells[it->idx];
    const parley_scenario_t *sc = s->sc;
    size_t D = sp->n_designs, N = sp->n_seeds;
    if (w->held != (long)it->scen || w->held_design != it->idx) {
        drop_session(w);
        pthread_mutex_lock(&r->lock);
        s->holds++;
        pthread_mutex_unlock(&r->lock);
        w->held = (long)it->scen;
        w->held_design = it->idx;
    }
    for (size_t k = it->first; k < it->first + it->count; k++) {
        uint64_t seed = sp->first_seed + k;
        parley_status_t st = PARLEY_OK;
        for (size_t i = 0; i < sc->n_parties && st == PARLEY_OK; i++) {
            if (sc->parties[i].role != PARLEY_ROLE_PARTY)
                continue;
            if (w->st[i]) {
                parley_strategy_reset(w->st[i],
                                      parley_study_strategy_seed(seed, i));
                continue;
            }
            st = parley_strategy_new(c->kinds[i], sc, i,
                                     parley_study_strategy_seed(seed, i),
                                     &w->st[i]);
            if (st == PARLEY_OK) {
                /* Every kind but the misreporter discloses the truth
                 * (strategies.md), which a driver without a disclose
                 * callback says too, and then the session need not copy
                 * the profile for the driver to fill: no allocation per
                 * session.  (tests/test_study.c checks that rows equal
                 * sessions run with the strategies' own drivers.) */
                w->drv[i] = *parley_strategy_driver(w->st[i]);
                if (c->kinds[i] != PARLEY_STRATEGY_MISREPORTER)
                    w->drv[i].disclose = NULL;
                w->dp[i] = &w->drv[i];
            } else
                snprintf(why, size,
                         "design '%s': party '%s' cannot be driven by "
                         "strategy '%s' (%s)",
                         sp->designs[it->idx].name, sc->parties[i].id,
                         parley_strategy_name(c->kinds[i]),
                         parley_status_message(st));
        }
        parley_session_opts_t so = {seed, NULL, NULL, NULL, NULL};
        if (st == PARLEY_OK) {
            if (w->session)
                st = parley_session_reset(w->session, w->dp, &so);
            else
                st = parley_session_new_planned(c->plan, w->dp, &so,
                                                &w->session, NULL);
            if (st != PARLEY_OK)
                snprintf(why, size, "design '%s': the session cannot start "
                                    "(%s)",
                         sp->designs[it->idx].name,
                         parley_status_message(st));
        }
        if (st == PARLEY_OK) {
            st = parley_session_run(w->session);
            if (st != PARLEY_OK) {
                parley_outcome_t oc;
                const char *reason = "";
                if (parley_session_outcome(w->session, &oc) == PARLEY_OK &&
                    oc.impasse_reason)
                    reason = oc.impasse_reason;
                snprintf(why, size,
                         "design '%s', seed %llu: the session failed: %s",
                         sp->designs[it->idx].name, (unsigned long long)seed,
                         reason);
            }
        }
        if (st == PARLEY_OK) {
            parley_outcome_t oc;
            parley_session_outcome(w->session, &oc);
            parley_study_row_t *row =
                &r->res->rows[(it->scen * D + it->idx) * N + k];
            row->scenario = it->scen;
            row->design = it->idx;
            row->seed = seed;
            row->vetoes_valid = oc.vetoes_valid;
            row->vetoes_refused = oc.vetoes_refused;
            row->concessions = oc.concessions;
            st = parley_study_metrics(s->analysis, s->model, oc.agreement,
                                      oc.rounds, oc.package, &row->mediated);
            row->standing = -1;
            row->periods_kept = 0;
            if (st == PARLEY_OK && sp->periods > 0 && oc.agreement)
                st = implement(s, c, &sp->designs[it->idx], sp, seed,
                               oc.package, row);
        }
        if (st != PARLEY_OK)
            return st;
    }
    return PARLEY_OK;
}

static void *work(void *arg)
{
    worker_t *w = arg;
    runner_t *r = w->r;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        if (r->stop || r->next >= r->n_items) {
            pthread_mutex_unlock(&r->lock);
            break;
        }
        const item_t *it = &r->items[r->next++];
        pthread_mutex_unlock(&r->lock);
        if (!it->baseline &&
            (w->held != (long)it->scen || w->held_design != it->idx))
            drop_session(w);
        if (acquire(r, it->scen))
            break;
        char why[512] = "";
        parley_status_t st = it->baseline
                                 ? run_baselines(w, it, why, sizeof why)
                                 : run_sessions(w, it, why, sizeof why);
        pthread_mutex_lock(&r->lock);
        if (st != PARLEY_OK) {
            parley_diags_add(r->diags, PARLEY_SEVERITY_ERROR, st, "", 0, 0,
                             "", "scenario '%s': %s",
                             r->res->scenarios[it->scen].name,
                             why[0] ? why : parley_status_message(st));
            fail(r, st);
        }
        r->scens[it->scen].pending--;
        maybe_free(r, it->scen);
        r->units_done += (double)it->count;
        if (r->spec->progress && !r->stop)
            r->spec->progress(r->spec->progress_ctx,
                              r->units_done / r->units_total,
                              "sessions");
        pthread_mutex_unlock(&r->lock);
        if (st != PARLEY_OK)
            break;
    }
    drop_session(w);
    return NULL;
}

/* ---- setting up -------------------------------------------------------- */

/* The design's rules over the scenario's (or the spec's) rules. */
static void design_rules(const parley_study_spec_t *sp, size_t si,
                         const parley_study_design_t *d, parley_rules_t *out)
{
    if (sp->rules && sp->rules[si])
        *out = *sp->rules[si];
    else
        parley_rules_of(sp->scenarios[si], out);
    if (d->set & PARLEY_STUDY_SET_CHANNELS)
        out->private_channels = d->private_channels;
    if (d->set & PARLEY_STUDY_SET_GUARANTEES)
        out->guarantees = d->guarantees;
    if (d->set & PARLEY_STUDY_SET_WORKING_GROUPS)
        out->working_groups = d->working_groups;
    if (d->set & PARLEY_STUDY_SET_PILOTS)
        out->pilots = d->pilots;
    if (d->set & PARLEY_STUDY_SET_LAMBDA)
        out->lambda = d->lambda;
    if (d->set & PARLEY_STUDY_SET_VETO_BUDGET)
        out->veto_budget = d->veto_budget;
    if (d->set & PARLEY_STUDY_SET_VETO_WINDOW)
        out->veto_window = d->veto_window;
    if (d->set & PARLEY_STUDY_SET_AGENDA) {
        out->agenda = d->agenda;
        if (d->agenda != PARLEY_AGENDA_GIVEN) {
            /* An order only goes with the given policy. */
            out->n_agenda_order = 0;
            out->agenda_order = NULL;
        }
    }
}

/* Cells, strategy groups and checks of scenario si; caller reports. */
static parley_status_t setup_scenario(runner_t *r, size_t si)
{
    const parley_study_spec_t *sp = r->spec;
    scen_t *s = &r->scens[si];
    const parley_scenario_t *sc = sp->scenarios[si];
    const char *name = r->res->scenarios[si].name;
    size_t D = sp->n_designs;
    s->sc = sc;
    s->cells = parley_calloc(D, sizeof *s->cells);
    s->group_design = parley_calloc(D, sizeof *s->group_design);
    if (!s->cells || !s->group_design)
        return PARLEY_ENOMEM;
    parley_status_t bad = PARLEY_OK;
    for (size_t d = 0; d < D; d++) {
        const parley_study_design_t *de = &sp->designs[d];
        cell_t *c = &s->cells[d];
        c->kinds = parley_calloc(sc->n_parties ? sc->n_parties : 1,
                                 sizeof *c->kinds);
        if (!c->kinds)
            return PARLEY_ENOMEM;
        size_t which = 0;
        if (parley__mix_resolve(&de->strategies, sc, c->kinds, &which) !=
            PARLEY_OK) {
            if (which == (size_t)-1 ||
                (unsigned)de->strategies.kinds[which] >= PARLEY_STRATEGY_COUNT)
                parley_diags_add(r->diags, PARLEY_SEVERITY_ERROR, PARLEY_EARG,
                                 "", 0, 0, "",
                                 "design '%s': unknown strategy kind",
                                 de->name);
            else
                parley_diags_add(r->diags, PARLEY_SEVERITY_ERROR, PARLEY_EARG,
                                 "", 0, 0, "",
                                 "design '%s': scenario '%s' has no voting "
                                 "party '%s'",
                                 de->name, name,
                                 de->strategies.party_ids[which]);
            bad = PARLEY_EARG;
            continue;
        }
        design_rules(sp, si, de, &c->rules);
        parley_diags_t *dg = parley_diags_new();
        if (!dg)
            return PARLEY_ENOMEM;
        parley_status_t st = parley_rules_check(&c->rules, sc, "", dg);
        for (size_t q = 0; q < parley_diags_count(dg); q++) {
            const parley_diag_t *g = parley_diags_get(dg, q);
            if (g->severity != PARLEY_SEVERITY_ERROR)
                continue;
            parley_diags_add(r->diags, PARLEY_SEVERITY_ERROR, g->code, "", 0,
                             0, g->path,
                             "design '%s', scenario '%s': the rules do not "
                             "hold: %s",
                             de->name, name, g->message);
        }
        parley_diags_free(dg);
        if (st != PARLEY_OK) {
            bad = st;
            continue;
        }
        /* A new baseline group unless an earlier design seats the same
         * strategies (the baseline ignores every other factor). */
        c->group = s->n_groups;
        for (size_t g = 0; g < s->n_groups; g++)
            if (memcmp(s->cells[s->group_design[g]].kinds, c->kinds,
                       sc->n_parties * sizeof *c->kinds) == 0) {
                c->group = g;
                break;
            }
        if (c->group == s->n_groups)
            s->group_design[s->n_groups++] = d;
    }
    return bad;
}

static parley_status_t check_spec(const parley_study_spec_t *sp,
                                  parley_diags_t *diags)
{
#define BAD(...)                                                               \
    do {                                                                       \
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EARG, "", 0, 0,  \
                         "", __VA_ARGS__);                                     \
        return PARLEY_EARG;                                                    \
    } while (0)
    if (sp->n_scenarios == 0 || !sp->scenarios)
        BAD("a study needs at least one scenario");
    if (sp->n_designs == 0 || !sp->designs)
        BAD("a study needs at least one design");
    if (sp->n_seeds == 0)
        BAD("a study needs at least one seed");
    if (sp->first_seed + (sp->n_seeds - 1) < sp->first_seed)
        BAD("seeds %llu and the %zu after it run past 2^64 - 1",
            (unsigned long long)sp->first_seed, sp->n_seeds - 1);
    double rows = (double)sp->n_scenarios * (double)sp->n_designs *
                  (double)sp->n_seeds;
    if (rows > 1e9)
        BAD("%.0f sessions are more than a study holds (10^9)", rows);
    if (sp->periods > PARLEY_STUDY_PERIODS_MAX)
        BAD("%u implementation periods are more than a study follows (%u)",
            sp->periods, PARLEY_STUDY_PERIODS_MAX);
    if (!(sp->breach_base >= 0 && sp->breach_base <= 1))
        BAD("the base breach probability must be in [0, 1], got %g",
            sp->breach_base);
    for (size_t i = 0; i < sp->n_scenarios; i++) {
        const parley_scenario_t *sc = sp->scenarios[i];
        if (!sc)
            BAD("scenario %zu is missing", i + 1);
        if (sc->n_parties > PARLEY_MAX_PARTIES || sc->n_issues == 0)
            BAD("scenario %zu: a session needs 1 to %d issues and at most %d "
                "parties",
                i + 1, PARLEY_MAX_ISSUES, PARLEY_MAX_PARTIES);
    }
    for (size_t d = 0; d < sp->n_designs; d++) {
        const parley_study_design_t *de = &sp->designs[d];
        if (!de->name || !de->name[0])
            BAD("design %zu has no name", d + 1);
        for (size_t e = 0; e < d; e++)
            if (strcmp(sp->designs[e].name, de->name) == 0)
                BAD("two designs are named '%s'", de->name);
        if ((de->set & PARLEY_STUDY_SET_MONITORING) &&
            !(de->monitoring >= 0 && de->monitoring <= 1))
            BAD("design '%s': monitoring intensity must be in [0, 1], got %g",
                de->name, de->monitoring);
        if (de->strategies.n_assign &&
            (!de->strategies.party_ids || !de->strategies.kinds))
            BAD("design '%s': strategy assignments without parties or kinds",
                de->name);
    }
#undef BAD
    return PARLEY_OK;
}

static void summarise(parley_study_t *res, const parley_study_spec_t *sp,
                      double *scratch);

parley_status_t parley_study_run(const parley_study_spec_t *spec,
                                 parley_study_t **out, parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!spec)
        return PARLEY_EARG;
    parley_status_t st = check_spec(spec, diags);
    if (st != PARLEY_OK)
        return st;
    double t0 = now_seconds();
    size_t S = spec->n_scenarios, D = spec->n_designs, N = spec->n_seeds;

    runner_t r;
    memset(&r, 0, sizeof r);
    r.spec = spec;
    r.diags = diags;
    r.res = parley__study_new(spec);
    r.scens = parley_calloc(S, sizeof *r.scens);
    if (!r.res || !r.scens) {
        parley_study_free(r.res);
        parley_free(r.scens);
        return PARLEY_ENOMEM;
    }
    size_t groups = 0, max_parties = 1;
    for (size_t si = 0; si < S; si++) {
        parley_status_t s1 = setup_scenario(&r, si);
        if (s1 != PARLEY_OK && st == PARLEY_OK)
            st = s1;
        r.scens[si].group_base = groups;
        groups += r.scens[si].n_groups;
        if (spec->scenarios[si]->n_parties > max_parties)
            max_parties = spec->scenarios[si]->n_parties;
    }

    /* Items: per scenario its baselines, then its sessions. */
    size_t per = N < ITEM_SEEDS_MAX ? N : ITEM_SEEDS_MAX;
    size_t chunks = (N + per - 1) / per;
    if (st == PARLEY_OK) {
        size_t n_items = 0;
        for (size_t si = 0; si < S; si++)
            n_items += ((spec->baseline ? r.scens[si].n_groups : 0) + D) *
                       chunks;
        r.items = parley_calloc(n_items, sizeof *r.items);
        r.base = spec->baseline
                     ? parley_calloc(groups * N > 0 ? groups * N : 1,
                                     sizeof *r.base)
                     : NULL;
        if (!r.items || (spec->baseline && !r.base))
            st = PARLEY_ENOMEM;
        for (size_t si = 0; st == PARLEY_OK && si < S; si++) {
            size_t g_n = spec->baseline ? r.scens[si].n_groups : 0;
            for (size_t u = 0; u < g_n + D; u++)
                for (size_t c = 0; c < chunks; c++) {
                    item_t *it = &r.items[r.n_items++];
                    it->baseline = u < g_n;
                    it->scen = si;
                    it->idx = u < g_n ? u : u - g_n;
                    it->first = c * per;
                    it->count = c + 1 < chunks ? per : N - c * per;
                    r.scens[si].pending++;
                    r.units_total += (double)it->count;
                }
        }
    }

    unsigned threads = spec->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    if (threads > 256)
        threads = 256;
    if (r.n_items && threads > r.n_items)
        threads = (unsigned)r.n_items;

    worker_t *ws = NULL;
    pthread_t *tids = NULL;
    int have_lock = 0;
    if (st == PARLEY_OK) {
        ws = parley_calloc(threads, sizeof *ws);
        tids = parley_calloc(threads, sizeof *tids);
        if (!ws || !tids)
            st = PARLEY_ENOMEM;
    }
    for (unsigned t = 0; st == PARLEY_OK && t < threads; t++) {
        ws[t].r = &r;
        ws[t].N = max_parties;
        ws[t].held = -1;
        ws[t].st = parley_calloc(max_parties, sizeof *ws[t].st);
        ws[t].dp = parley_calloc(max_parties, sizeof *ws[t].dp);
        ws[t].drv = parley_calloc(max_parties, sizeof *ws[t].drv);
        if (!ws[t].st || !ws[t].dp || !ws[t].drv)
            st = PARLEY_ENOMEM;
    }
    if (st == PARLEY_OK) {
        if (pthread_mutex_init(&r.lock, NULL) != 0)
            st = PARLEY_ENOMEM;
        else if (pthread_cond_init(&r.ready, NULL) != 0) {
            pthread_mutex_destroy(&r.lock);
            st = PARLEY_ENOMEM;
        } else {
            have_lock = 1;
        }
    }
    if (st == PARLEY_OK) {
        /* The calling thread is worker 0. */
        unsigned started = 1;
        for (unsigned t = 1; t < threads; t++) {
            if (pthread_create(&tids[t], NULL, work, &ws[t]) != 0)
                break;
            started++;
        }
        work(&ws[0]);
        for (unsigned t = 1; t < started; t++)
            pthread_join(tids[t], NULL);
        st = r.error;
    }
    if (have_lock) {
        pthread_cond_destroy(&r.ready);
        pthread_mutex_destroy(&r.lock);
    }
    for (unsigned t = 0; ws && t < threads; t++) {
        parley_free(ws[t].st);
        parley_free(ws[t].dp);
        parley_free(ws[t].drv);
    }
    parley_free(ws);
    parley_free(tids);

    if (st == PARLEY_OK) {
        for (size_t si = 0; si < S; si++)
            for (size_t d = 0; d < D; d++)
                for (size_t k = 0; k < N; k++) {
                    parley_study_row_t *row =
                        &r.res->rows[(si * D + d) * N + k];
                    if (spec->baseline)
                        row->baseline =
                            r.base[(r.scens[si].group_base +
                                    r.scens[si].cells[d].group) *
                                       N +
                                   k];
                    else
                        parley__metrics_unknown(&row->baseline, -1, 0);
                }
        double *scratch = parley_calloc(S * N, sizeof *scratch);
        if (!scratch)
            st = PARLEY_ENOMEM;
        else
            summarise(r.res, spec, scratch);
        parley_free(scratch);
    }
    for (size_t si = 0; si < S; si++)
        scen_clear(&r.scens[si], D);
    parley_free(r.scens);
    parley_free(r.items);
    parley_free(r.base);
    if (st != PARLEY_OK) {
        parley_study_free(r.res);
        return st;
    }
    r.res->seconds = now_seconds() - t0;
    *out = r.res;
    return PARLEY_OK;
}

/* ---- summaries --------------------------------------------------------- */

/* Intervals of one side (mediated or baseline) of design d. */
static void summarise_side(const parley_study_t *res, size_t d, int baseline,
                           double *x, parley_interval_t *out)
{
    const double level = 0.95;
    size_t S = res->n_scenarios, D = res->n_designs, N = res->n_seeds;
    for (int stat = 0; stat < PARLEY_STUDY_STAT_COUNT; stat++) {
        size_t n = 0, yes = 0, all = 0;
        for (size_t si = 0; si < S; si++)
            for (size_t k = 0; k < N; k++) {
                const parley_study_row_t *row =
                    &res->rows[(si * D + d) * N + k];
                const parley_study_metrics_t *m =
                    baseline ? &row->baseline : &row->mediated;
                if (m->agreement < 0)
                    continue;
                all++;
                switch (stat) {
                case PARLEY_STUDY_AGREEMENT:
                    yes += m->agreement != 0;
                    break;
                case PARLEY_STUDY_ROUNDS:
                    x[n++] = (double)m->rounds;
                    break;
                case PARLEY_STUDY_EFFICIENCY:
                    x[n++] = m->efficiency;
                    break;
                case PARLEY_STUDY_MIN_NORM_GAIN:
                    x[n++] = m->min_norm_gain;
                    break;
                case PARLEY_STUDY_POWER_SKEW:
                    if (m->agreement)
                        x[n++] = m->power_skew;
                    break;
                case PARLEY_STUDY_OFFSET:
                    if (m->has_offset)
                        x[n++] = m->offset;
                    break;
                }
            }
        if (stat == PARLEY_STUDY_AGREEMENT)
            parley_interval_wilson(yes, all, level, &out[stat]);
        else
            parley_interval_mean(x, n, level, &out[stat]);
    }
}

/* Durability of design d's mediated agreements. */
static void summarise_durability(const parley_study_t *res, size_t d,
                                 double *x, parley_study_summary_t *out)
{
    size_t S = res->n_scenarios, D = res->n_designs, N = res->n_seeds;
    size_t n = 0, standing = 0;
    for (size_t si = 0; si < S; si++)
        for (size_t k = 0; k < N; k++) {
            const parley_study_row_t *row = &res->rows[(si * D + d) * N + k];
            if (row->standing < 0)
                continue;
            standing += row->standing != 0;
            x[n++] = (double)row->periods_kept;
        }
    parley_interval_wilson(standing, n, 0.95, &out->durability);
    parley_interval_mean(x, n, 0.95, &out->periods_kept);
}

static void summarise(parley_study_t *res, const parley_study_spec_t *sp,
                      double *scratch)
{
    for (size_t d = 0; d < res->n_designs; d++) {
        parley_study_summary_t *s = &res->summaries[d];
        if (sp->periods > 0)
            summarise_durability(res, d, scratch, s);
        else {
            parley_interval_mean(NULL, 0, 0.95, &s->durability);
            parley_interval_mean(NULL, 0, 0.95, &s->periods_kept);
        }
        s->sessions = res->n_scenarios * res->n_seeds;
        summarise_side(res, d, 0, scratch, s->mediated);
        if (sp->baseline)
            summarise_side(res, d, 1, scratch, s->baseline);
        else
            for (int k = 0; k < PARLEY_STUDY_STAT_COUNT; k++)
                parley_interval_mean(NULL, 0, 0.95, &s->baseline[k]);
    }
}
