/*
 * simulate.c - one simulated mediation with its comparisons: the session,
 * power_nash from the analysis of the true scenario, and the unmediated
 * baseline with the same strategies and seed.
 *
 * The mediator's texts are recorded on their way to the parties: every
 * driver is wrapped, and the first answer of each round records the text
 * that round put (the view carries it).  That takes nothing from the event
 * log and works the same with or without one.
 */
#include <math.h>
#include <string.h>

#include "parley/alloc.h"
#include "study/study_internal.h"

/* What the wrapped drivers record, shared by all of them. */
typedef struct recorder {
    size_t K, n, cap;
    uint32_t *texts;
    unsigned *rounds;
    int *pilot;
    unsigned last_round;
    int oom;
} recorder_t;

typedef struct wrap {
    const parley_driver_t *inner;
    recorder_t *rec;
} wrap_t;

struct parley_simulation {
    size_t P;             /* voting parties */
    parley_model_t *model;
    parley_analysis_t *analysis; /* NULL when nothing is feasible */
    parley_rules_t rules;
    int has_rules;
    parley_outcome_t outcome;
    uint32_t *mediated_pkg;      /* copy of the outcome's package */
    char *reason;
    parley_baseline_result_t base;
    int base_run;
    parley_sim_result_t res[PARLEY_SIM_COUNT];
    double *vals;                /* [PARLEY_SIM_COUNT * 3 * P] */
    recorder_t rec;
    parley_strategy_kind_t kinds[PARLEY_MAX_PARTIES];
    uint64_t seed;
};

void parley_simulation_opts_init(parley_simulation_opts_t *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->baseline = 1;
}

static void record(recorder_t *r, const parley_view_t *v)
{
    if (!v->text || r->oom || (r->n && v->round == r->last_round))
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        uint32_t *t = parley_realloc(r->texts, cap * r->K * sizeof *t);
        if (t)
            r->texts = t;
        unsigned *ro = parley_realloc(r->rounds, cap * sizeof *ro);
        if (ro)
            r->rounds = ro;
        int *pi = parley_realloc(r->pilot, cap * sizeof *pi);
        if (pi)
            r->pilot = pi;
        if (!t || !ro || !pi) {
            r->oom = 1;
            return;
        }
        r->cap = cap;
    }
    memcpy(r->texts + r->n * r->K, v->text, r->K * sizeof *r->texts);
    r->rounds[r->n] = v->round;
    r->pilot[r->n] = v->pilot;
    r->last_round = v->round;
    r->n++;
}

static parley_status_t w_answer(void *ctx, const parley_view_t *v,
                                parley_answer_t *out)
{
    wrap_t *w = ctx;
    record(w->rec, v);
    return w->inner->answer(w->inner->ctx, v, out);
}

static parley_status_t w_disclose(void *ctx, const parley_view_t *v,
                                  parley_party_t *declared)
{
    wrap_t *w = ctx;
    return w->inner->disclose(w->inner->ctx, v, declared);
}

static parley_status_t w_concede(void *ctx, const parley_view_t *v,
                                 double *asp)
{
    wrap_t *w = ctx;
    return w->inner->concede(w->inner->ctx, v, asp);
}

static parley_status_t w_concern(void *ctx, const parley_view_t *v,
                                 char *text, size_t size)
{
    wrap_t *w = ctx;
    return w->inner->concern(w->inner->ctx, v, text, size);
}

void parley_simulation_free(parley_simulation_t *sim)
{
    if (!sim)
        return;
    parley_model_free(sim->model);
    parley_analysis_free(sim->analysis);
    if (sim->has_rules)
        parley_rules_clear(&sim->rules);
    parley_free(sim->mediated_pkg);
    parley_free(sim->reason);
    parley_free(sim->vals);
    parley_free(sim->rec.texts);
    parley_free(sim->rec.rounds);
    parley_free(sim->rec.pilot);
    parley_free(sim);
}

/*
 * Fills result w: what each party gets (model order) and the metrics.
 * `pkg` is the outcome's package (an agreement's, or for reference only).
 */
static parley_status_t fill_result(parley_simulation_t *sim,
                                   parley_sim_which_t w, int agreement,
                                   unsigned rounds, const uint32_t *pkg)
{
    parley_sim_result_t *r = &sim->res[w];
    r->present = 1;
    r->agreement = agreement;
    r->rounds = rounds;
    r->package = pkg;
    if (!sim->analysis) {
        parley__metrics_unknown(&r->metrics, agreement, rounds);
        return PARLEY_OK;
    }
    size_t P = sim->P;
    double *u = sim->vals + (size_t)w * 3 * P;
    const double *ideal = parley_analysis_ideal(sim->analysis);
    if (agreement)
        parley_model_utility(sim->model, pkg, u);
    for (size_t i = 0; i < P; i++) {
        double res = parley_model_reservation(sim->model, i);
        if (!agreement)
            u[i] = res;
        double span = ideal[i] - res;
        u[P + i] = u[i] - res;
        u[2 * P + i] = span > 0 ? u[P + i] / span : 0;
    }
    r->u = u;
    r->gain = u + P;
    r->norm_gain = u + 2 * P;
    return parley_study_metrics(sim->analysis, sim->model, agreement, rounds,
                                pkg, &r->metrics);
}

/* The session itself, with wrapped drivers and strategies per party. */
static parley_status_t run_session(parley_simulation_t *sim,
                                   const parley_scenario_t *sc,
                                   const parley_simulation_opts_t *o,
                                   parley_diags_t *diags)
{
    size_t N = sc->n_parties;
    parley_strategy_t **st = parley_calloc(N, sizeof *st);
    wrap_t *wraps = parley_calloc(N, sizeof *wraps);
    parley_driver_t *drv = parley_calloc(N, sizeof *drv);
    const parley_driver_t **dp = parley_calloc(N, sizeof *dp);
    parley_session_t *s = NULL;
    parley_status_t rc = PARLEY_ENOMEM;
    if (!st || !wraps || !drv || !dp)
        goto done;
    for (size_t i = 0; i < N; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        rc = parley_strategy_new(sim->kinds[i], sc, i,
                                 parley_study_strategy_seed(o->seed, i),
                                 &st[i]);
        if (rc != PARLEY_OK) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, rc, "", 0, 0, "",
                             "party '%s' cannot be driven by strategy '%s' "
                             "(%s)",
                             sc->parties[i].id,
                             parley_strategy_name(sim->kinds[i]),
                             parley_status_message(rc));
            goto done;
        }
        const parley_driver_t *in = parley_strategy_driver(st[i]);
        wraps[i].inner = in;
        wraps[i].rec = &sim->rec;
        drv[i].ctx = &wraps[i];
        drv[i].answer = w_answer;
        drv[i].disclose = in->disclose ? w_disclose : NULL;
        drv[i].concede = in->concede ? w_concede : NULL;
        drv[i].concern = in->concern ? w_concern : NULL;
        dp[i] = &drv[i];
    }
    parley_session_opts_t so = {o->seed, o->on_event, o->event_ctx, NULL, NULL};
    rc = parley_session_new(sc, &sim->rules, dp, &so, &s, diags);
    if (rc != PARLEY_OK)
        goto done;
    rc = parley_session_run(s);
    if (rc != PARLEY_OK) {
        parley_outcome_t oc;
        if (parley_session_outcome(s, &oc) == PARLEY_OK && oc.impasse_reason)
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, rc, "", 0, 0, "",
                             "the session failed: %s", oc.impasse_reason);
        goto done;
    }
    if (sim->rec.oom) {
        rc = PARLEY_ENOMEM;
        goto done;
    }
    parley_session_outcome(s, &sim->outcome);
    sim->mediated_pkg = parley_malloc(sc->n_issues * sizeof(uint32_t));
    sim->reason = sim->outcome.impasse_reason
                      ? parley_strdup(sim->outcome.impasse_reason)
                      : NULL;
    if (!sim->mediated_pkg ||
        (sim->outcome.impasse_reason && !sim->reason)) {
        rc = PARLEY_ENOMEM;
        goto done;
    }
    memcpy(sim->mediated_pkg, sim->outcome.package,
           sc->n_issues * sizeof(uint32_t));
    sim->outcome.package = sim->mediated_pkg;
    sim->outcome.impasse_reason = sim->reason;
    rc = PARLEY_OK;
done:
    parley_session_free(s);
    if (st)
        for (size_t i = 0; i < N; i++)
            parley_strategy_free(st[i]);
    parley_free(st);
    parley_free(wraps);
    parley_free(drv);
    parley_free(dp);
    return rc;
}

parley_status_t parley_simulate(const parley_scenario_t *sc,
                                const parley_simulation_opts_t *opts,
                                parley_simulation_t **out,
                                parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!sc || !opts || sc->n_parties > PARLEY_MAX_PARTIES ||
        sc->n_issues == 0)
        return PARLEY_EARG;
    for (size_t i = 0; opts->kinds && i < sc->n_parties; i++)
        if ((unsigned)opts->kinds[i] >= PARLEY_STRATEGY_COUNT)
            return PARLEY_EARG;
    parley_simulation_t *sim = parley_calloc(1, sizeof *sim);
    if (!sim)
        return PARLEY_ENOMEM;
    sim->seed = opts->seed;
    for (size_t i = 0; i < sc->n_parties; i++)
        sim->kinds[i] =
            opts->kinds ? opts->kinds[i] : PARLEY_STRATEGY_TRUTHFUL;
    sim->rec.K = sc->n_issues;
    parley_status_t rc;
    if (opts->rules) {
        rc = parley_rules_copy(&sim->rules, opts->rules);
    } else {
        parley_rules_t shallow;
        parley_rules_of(sc, &shallow);
        rc = parley_rules_copy(&sim->rules, &shallow);
    }
    if (rc != PARLEY_OK) {
        parley_free(sim);
        return rc;
    }
    sim->has_rules = 1;

    rc = parley_model_new(sc, &sim->model, diags);
    if (rc == PARLEY_EINFEASIBLE) {
        /* Red lines leave an issue empty: the session will say so too. */
        rc = PARLEY_OK;
    } else if (rc == PARLEY_OK) {
        sim->P = parley_model_n_parties(sim->model);
        parley_analysis_opts_t ao;
        if (opts->analysis)
            ao = *opts->analysis;
        else
            parley_analysis_opts_init(&ao);
        ao.lambda = sim->rules.lambda;
        rc = parley_analyze(sim->model, &ao, &sim->analysis, diags);
        if (rc == PARLEY_EINFEASIBLE) {
            parley_analysis_free(sim->analysis);
            sim->analysis = NULL;
            rc = PARLEY_OK;
        }
    }
    if (rc == PARLEY_OK && sim->P) {
        sim->vals = parley_calloc(PARLEY_SIM_COUNT * 3 * sim->P,
                                  sizeof *sim->vals);
        if (!sim->vals)
            rc = PARLEY_ENOMEM;
    }
    if (rc == PARLEY_OK)
        rc = run_session(sim, sc, opts, diags);
    if (rc == PARLEY_OK && opts->baseline) {
        rc = parley_baseline_sao(sc, &sim->rules, sim->kinds, opts->seed,
                                 &sim->base);
        sim->base_run = rc == PARLEY_OK;
    }
    if (rc == PARLEY_OK)
        rc = fill_result(sim, PARLEY_SIM_MEDIATED, sim->outcome.agreement,
                         sim->outcome.rounds, sim->outcome.package);
    if (rc == PARLEY_OK && sim->analysis) {
        const parley_solution_t *pn =
            parley_analysis_solution(sim->analysis, PARLEY_CONCEPT_POWER_NASH);
        if (pn && pn->found)
            rc = fill_result(sim, PARLEY_SIM_POWER_NASH, 1, 0, pn->package);
    }
    if (rc == PARLEY_OK && sim->base_run)
        rc = fill_result(sim, PARLEY_SIM_BASELINE, sim->base.agreement,
                         sim->base.rounds,
                         sim->base.rounds ? sim->base.package : NULL);
    if (rc != PARLEY_OK) {
        parley_simulation_free(sim);
        return rc;
    }
    *out = sim;
    return PARLEY_OK;
}

const parley_model_t *parley_simulation_model(const parley_simulation_t *sim)
{
    return sim ? sim->model : NULL;
}

const parley_analysis_t *parley_simulation_analysis(
    const parley_simulation_t *sim)
{
    return sim ? sim->analysis : NULL;
}

const parley_sim_result_t *parley_simulation_result(
    const parley_simulation_t *sim, parley_sim_which_t which)
{
    if (!sim || (unsigned)which >= PARLEY_SIM_COUNT)
        return NULL;
    return &sim->res[which];
}

const parley_outcome_t *parley_simulation_outcome(
    const parley_simulation_t *sim)
{
    return sim ? &sim->outcome : NULL;
}

const parley_baseline_result_t *parley_simulation_baseline(
    const parley_simulation_t *sim)
{
    return sim && sim->base_run ? &sim->base : NULL;
}

const parley_rules_t *parley_simulation_rules(const parley_simulation_t *sim)
{
    return sim ? &sim->rules : NULL;
}

size_t parley_simulation_n_texts(const parley_simulation_t *sim)
{
    return sim ? sim->rec.n : 0;
}

const uint32_t *parley_simulation_text(const parley_simulation_t *sim,
                                       size_t t, unsigned *round, int *pilot)
{
    if (!sim || t >= sim->rec.n)
        return NULL;
    if (round)
        *round = sim->rec.rounds[t];
    if (pilot)
        *pilot = sim->rec.pilot[t];
    return sim->rec.texts + t * sim->rec.K;
}

/* ---- the summary line -------------------------------------------------- */

static void party_block(parley__sb_t *b, const parley_simulation_t *sim,
                        const parley_scenario_t *sc,
                        const parley_sim_result_t *r)
{
    parley__sb_key(b, "parties");
    if (!r->u) {
        parley__sb_raw(b, "null");
        return;
    }
    parley__sb_raw(b, "{");
    for (size_t i = 0; i < sim->P; i++) {
        size_t si = parley_model_party_index(sim->model, i);
        parley__sb_key(b, sc->parties[si].id);
        parley__sb_raw(b, "{");
        parley__sb_key(b, "u");
        parley__sb_num(b, r->u[i]);
        parley__sb_key(b, "gain");
        parley__sb_num(b, r->gain[i]);
        parley__sb_key(b, "norm_gain");
        parley__sb_num(b, r->norm_gain[i]);
        parley__sb_raw(b, "}");
    }
    parley__sb_raw(b, "}");
}

parley_status_t parley_simulation_summary_json(const parley_simulation_t *sim,
                                               const parley_scenario_t *sc,
                                               char **out)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!sim || !sc || sc->n_issues != sim->rec.K)
        return PARLEY_EARG;
    parley__sb_t b;
    memset(&b, 0, sizeof b);
    parley__sb_raw(&b, "{");
    parley__sb_key(&b, "kind");
    parley__sb_str(&b, "summary");
    parley__sb_key(&b, "scenario");
    parley__sb_str(&b, sc->name);
    parley__sb_key(&b, "seed");
    parley__sb_uint(&b, sim->seed);
    parley__sb_key(&b, "strategies");
    parley__sb_raw(&b, "{");
    for (size_t i = 0; i < sc->n_parties; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        parley__sb_key(&b, sc->parties[i].id);
        parley__sb_str(&b, parley_strategy_name(sim->kinds[i]));
    }
    parley__sb_raw(&b, "}");
    parley__sb_key(&b, "feasible");
    parley__sb_bool(&b, sim->analysis != NULL);

    const parley_sim_result_t *m = &sim->res[PARLEY_SIM_MEDIATED];
    parley__sb_key(&b, "mediated");
    parley__sb_raw(&b, "{");
    parley__sb_key(&b, "agreement");
    parley__sb_bool(&b, m->agreement);
    parley__sb_key(&b, "rounds");
    parley__sb_uint(&b, m->rounds);
    parley__sb_key(&b, "package");
    parley__sb_text(&b, sc, m->agreement ? m->package : NULL);
    parley__sb_key(&b, "reason");
    parley__sb_str(&b, sim->outcome.impasse_reason);
    parley__sb_key(&b, "best_text");
    parley__sb_text(&b, sc, m->agreement ? NULL : m->package);
    parley__sb_key(&b, "vetoes_valid");
    parley__sb_uint(&b, sim->outcome.vetoes_valid);
    parley__sb_key(&b, "vetoes_refused");
    parley__sb_uint(&b, sim->outcome.vetoes_refused);
    parley__sb_key(&b, "concessions");
    parley__sb_uint(&b, sim->outcome.concessions);
    party_block(&b, sim, sc, m);
    parley__sb_metrics(&b, &m->metrics, 0);
    parley__sb_raw(&b, "}");

    const parley_sim_result_t *pn = &sim->res[PARLEY_SIM_POWER_NASH];
    parley__sb_key(&b, "power_nash");
    if (pn->present) {
        parley__sb_raw(&b, "{");
        parley__sb_key(&b, "package");
        parley__sb_text(&b, sc, pn->package);
        party_block(&b, sim, sc, pn);
        parley__sb_metrics(&b, &pn->metrics, 0);
        parley__sb_raw(&b, "}");
    } else {
        parley__sb_raw(&b, "null");
    }

    const parley_sim_result_t *bl = &sim->res[PARLEY_SIM_BASELINE];
    parley__sb_key(&b, "baseline");
    if (bl->present) {
        parley__sb_raw(&b, "{");
        parley__sb_key(&b, "agreement");
        parley__sb_bool(&b, bl->agreement);
        parley__sb_key(&b, "rounds");
        parley__sb_uint(&b, bl->rounds);
        parley__sb_key(&b, "package");
        parley__sb_text(&b, sc, bl->agreement ? bl->package : NULL);
        parley__sb_key(&b, "last_offer");
        parley__sb_text(&b, sc, bl->agreement ? NULL : bl->package);
        parley__sb_key(&b, "walkout");
        parley__sb_str(&b, sim->base.walkout && sim->base.walkout_party >= 0
                               ? sc->parties[sim->base.walkout_party].id
                               : NULL);
        party_block(&b, sim, sc, bl);
        parley__sb_metrics(&b, &bl->metrics, 0);
        parley__sb_raw(&b, "}");
    } else {
        parley__sb_raw(&b, "null");
    }
    parley__sb_raw(&b, "}");
    if (b.oom) {
        parley__sb_free(&b);
        return PARLEY_ENOMEM;
    }
    *out = b.s;
    return PARLEY_OK;
}
