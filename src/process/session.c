/*
 * session.c - the mediation process as a state machine (session.h).
 *
 * One call of parley_session_step() is one transition: opening the
 * session, the private channels, the agenda, opening a unit (a cluster),
 * one round (pilot, drafting, plenary or integration), the decision.  All
 * memory a session needs is allocated when it is created (or when a
 * disclosure differs from the truth and the mediator needs its own model):
 * rounds allocate nothing, and nothing is formatted when no one listens to
 * the events.
 *
 * What the mediator does in a round is in docs/rules.md; in short:
 *   - it tables a text for the open unit (mediator.c chooses it);
 *   - the parties that answer (the working group while drafting, everyone
 *     otherwise) accept, object naming issues, veto on a ground, or walk
 *     out; vetoes are ruled on at once (VETO_RULING);
 *   - all accept: the draft goes to the plenary, or the unit is settled;
 *   - otherwise an objection from a party the text already satisfies (as
 *     far as the mediator knows) excludes texts that keep the options it
 *     objected to; parties the text leaves short of their aspiration are
 *     asked to concede, at most max_step, and with reciprocity a party that
 *     conceded is not asked again before the others that were short have
 *     conceded too.
 * After the last unit the whole text is put to everyone (integration) and
 * repaired with the fewest changes when it no longer holds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/model.h"
#include "process/process_internal.h"

#define PAT_ANY UINT32_MAX

static uint64_t bit(size_t v)
{
    return (uint64_t)1 << v;
}

static uint64_t all_mask(size_t P)
{
    return P >= 64 ? ~(uint64_t)0 : bit(P) - 1;
}

/* ---- names ------------------------------------------------------------ */

const char *parley_phase_name(parley_phase_t p)
{
    static const char *const names[] = {
        "setup",       "disclosure", "agenda",   "cluster",   "drafting",
        "round",       "integration", "decision", "agreement", "impasse"};
    return (unsigned)p <= PARLEY_PHASE_IMPASSE ? names[p] : "?";
}

const char *parley_event_name(parley_event_kind_t k)
{
    switch (k) {
#define PARLEY__EVENT_NAME(name, str)                                          \
    case PARLEY_EVENT_##name:                                                  \
        return str;
        PARLEY_EVENT_MAP(PARLEY__EVENT_NAME)
#undef PARLEY__EVENT_NAME
    default:
        return "?";
    }
}

static const char *answer_name(parley_answer_kind_t k)
{
    switch (k) {
    case PARLEY_ANSWER_ACCEPT:
        return "accept";
    case PARLEY_ANSWER_OBJECT:
        return "object";
    case PARLEY_ANSWER_VETO:
        return "veto";
    case PARLEY_ANSWER_WALKOUT:
        return "walkout";
    }
    return "?";
}

static const char *stage_name(parley__stage_t st)
{
    static const char *const names[] = {"pilot", "drafting", "plenary",
                                        "integration"};
    return names[st];
}

/* ---- the plan --------------------------------------------------------- */

static void plan_release(parley__plan_t *pl)
{
    if (!pl)
        return;
    parley__mmodel_free(pl->truthful);
    for (size_t v = 0; pl->truth && v < pl->P; v++) {
        if (pl->truth[v] && pl->pub)
            parley__party_clear(pl->truth[v], pl->pub->n_issues);
        parley_free(pl->truth[v]);
    }
    parley_free(pl->truth);
    parley__units_clear(pl->units, pl->U);
    parley_free(pl->units);
    parley_free(pl->vidx);
    parley_free(pl->vof);
    parley_free(pl->share);
    parley_free(pl->cweight);
    parley_free(pl->gval);
    parley_free(pl->gben);
    parley_rules_clear(&pl->rules);
    parley_scenario_free(pl->pub);
    parley_free(pl);
}

void parley_session_plan_free(parley_session_plan_t *plan)
{
    plan_release(plan);
}

const parley_rules_t *parley_session_plan_rules(
    const parley_session_plan_t *plan)
{
    return plan ? &plan->rules : NULL;
}

/* The scenario with every private field left out (session.h). */
static parley_status_t public_copy(const parley_scenario_t *sc,
                                   const parley_rules_t *rules,
                                   parley_scenario_t **out)
{
    parley_scenario_t *p = parley_scenario_new();
    *out = NULL;
    if (!p)
        return PARLEY_ENOMEM;
    int bad = 0;
#define DUP(dst, src)                                                          \
    do {                                                                       \
        if ((src) && !((dst) = parley_strdup(src)))                            \
            bad = 1;                                                           \
    } while (0)
    DUP(p->name, sc->name);
    DUP(p->description, sc->description);
    DUP(p->source, sc->source);
    p->issues = parley_calloc(sc->n_issues ? sc->n_issues : 1,
                              sizeof *p->issues);
    p->clusters = sc->n_clusters
                      ? parley_calloc(sc->n_clusters, sizeof *p->clusters)
                      : NULL;
    p->parties = parley_calloc(sc->n_parties ? sc->n_parties : 1,
                               sizeof *p->parties);
    if (!p->issues || (sc->n_clusters && !p->clusters) || !p->parties) {
        parley_scenario_free(p);
        return PARLEY_ENOMEM;
    }
    p->n_issues = sc->n_issues;
    for (size_t k = 0; k < sc->n_issues && !bad; k++) {
        const parley_issue_t *a = &sc->issues[k];
        parley_issue_t *b = &p->issues[k];
        *b = *a;
        b->id = b->name = b->unit = NULL;
        b->options = NULL;
        DUP(b->id, a->id);
        DUP(b->name, a->name);
        DUP(b->unit, a->unit);
        if (a->options) {
            b->options = parley_calloc(a->n_options, sizeof *b->options);
            if (!b->options) {
                b->n_options = 0;
                bad = 1;
            }
            for (size_t j = 0; b->options && j < a->n_options; j++)
                DUP(b->options[j], a->options[j]);
        }
    }
    p->n_clusters = sc->n_clusters;
    for (size_t q = 0; q < sc->n_clusters && !bad; q++) {
        const parley_cluster_t *a = &sc->clusters[q];
        parley_cluster_t *b = &p->clusters[q];
        DUP(b->id, a->id);
        DUP(b->name, a->name);
        DUP(b->description, a->description);
        if (a->n_issues) {
            b->issues = parley_calloc(a->n_issues, sizeof *b->issues);
            if (!b->issues)
                bad = 1;
            else {
                memcpy(b->issues, a->issues, a->n_issues * sizeof *b->issues);
                b->n_issues = a->n_issues;
            }
        }
    }
    p->n_parties = sc->n_parties;
    for (size_t i = 0; i < sc->n_parties && !bad; i++) {
        const parley_party_t *a = &sc->parties[i];
        parley_party_t *b = &p->parties[i];
        DUP(b->id, a->id);
        DUP(b->name, a->name);
        b->role = a->role;
        b->power = a->power;
        b->discount = a->discount;
        /* weights, values, red lines: absent; reservation: 0 */
    }
#undef DUP
    if (!bad && sc->n_guarantees) {
        bad = parley_guarantees_copy(sc->guarantees, sc->n_guarantees,
                                     &p->guarantees) != PARLEY_OK;
        if (!bad)
            p->n_guarantees = sc->n_guarantees;
    }
    if (!bad) {
        p->rules = parley_calloc(1, sizeof *p->rules);
        bad = !p->rules || parley_rules_copy(p->rules, rules) != PARLEY_OK;
        if (bad && p->rules) {
            parley_free(p->rules);
            p->rules = NULL;
        }
    }
    if (bad) {
        parley_scenario_free(p);
        return PARLEY_ENOMEM;
    }
    *out = p;
    return PARLEY_OK;
}

parley_status_t parley_session_plan_new(const parley_scenario_t *sc,
                                        const parley_rules_t *rules,
                                        parley_session_plan_t **out,
                                        parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!sc)
        return PARLEY_EARG;
    parley_rules_t def;
    parley_rules_init(&def);
    if (!rules)
        rules = sc->rules ? sc->rules : &def;
    parley_status_t st = parley_scenario_check(sc, "scenario", diags);
    if (st != PARLEY_OK)
        return st;
    st = parley_rules_check(rules, sc, "rules", diags);
    if (st != PARLEY_OK)
        return st;

    size_t P = 0;
    for (size_t i = 0; i < sc->n_parties; i++)
        if (sc->parties[i].role == PARLEY_ROLE_PARTY)
            P++;
    if (P == 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID,
                         "scenario", 0, 0, "$.parties",
                         "a session needs at least one party with role "
                         "\"party\", found none");
        return PARLEY_EINVALID;
    }
    size_t U = parley_rules_agenda_units(rules, sc);
    parley__plan_t *pl = parley_calloc(1, sizeof *pl);
    if (!pl)
        return PARLEY_ENOMEM;
    pl->P = P;
    pl->K = sc->n_issues;
    pl->U = U;
    pl->G = sc->n_guarantees;
    pl->n_parties = sc->n_parties;
    st = parley_rules_copy(&pl->rules, rules);
    if (st != PARLEY_OK) {
        parley_free(pl);
        return st;
    }
    pl->vidx = parley_calloc(P, sizeof *pl->vidx);
    pl->vof = parley_calloc(sc->n_parties, sizeof *pl->vof);
    pl->truth = parley_calloc(P, sizeof *pl->truth);
    pl->units = parley_calloc(U ? U : 1, sizeof *pl->units);
    pl->share = parley_calloc(P, sizeof *pl->share);
    pl->cweight = parley_calloc(P, sizeof *pl->cweight);
    pl->gval = parley_calloc(pl->G ? pl->G : 1, sizeof *pl->gval);
    pl->gben = parley_calloc(pl->G ? pl->G : 1, sizeof *pl->gben);
    if (!pl->vidx || !pl->vof || !pl->truth || !pl->units || !pl->share ||
        !pl->cweight || !pl->gval || !pl->gben)
        goto oom;
    if ((st = public_copy(sc, rules, &pl->pub)) != PARLEY_OK)
        goto fail;
    double total = 0;
    for (size_t i = 0, v = 0; i < sc->n_parties; i++) {
        pl->vof[i] = -1;
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        pl->vof[i] = (long)v;
        pl->vidx[v] = i;
        total += sc->parties[i].power;
        /* Each profile on its own allocation (session.h). */
        pl->truth[v] = parley_calloc(1, sizeof *pl->truth[v]);
        if (!pl->truth[v] ||
            parley__party_copy(pl->truth[v], &sc->parties[i], sc->n_issues))
            goto oom;
        char why[200];
        if (!parley__profile_usable(pl->truth[v], sc, why, sizeof why)) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID,
                             "scenario", 0, 0, "$.parties",
                             "party '%s' cannot take part in a session: %s",
                             sc->parties[i].id, why);
            st = PARLEY_EINVALID;
            goto fail;
        }
        v++;
    }
    double wsum = 0;
    for (size_t v = 0; v < P; v++) {
        double pw = sc->parties[pl->vidx[v]].power;
        pl->share[v] = pw / total;
        switch (rules->concept) {
        case PARLEY_CONCEPT_POWER_NASH:
            pl->cweight[v] = pl->share[v];
            break;
        case PARLEY_CONCEPT_MEDIATED:
            pl->cweight[v] = pow(pl->share[v], 1.0 - rules->lambda);
            break;
        default:
            pl->cweight[v] = 1;
        }
        wsum += pl->cweight[v];
    }
    if (rules->concept == PARLEY_CONCEPT_MEDIATED)
        for (size_t v = 0; v < P; v++)
            pl->cweight[v] /= wsum;
    for (size_t t = 0; t < pl->G; t++) {
        const parley_guarantee_t *g = &sc->guarantees[t];
        pl->gben[t] = (size_t)pl->vof[g->beneficiary];
        pl->gval[t] = rules->guarantees ? g->credibility * g->value : 0;
    }
    if ((st = parley__units_build(rules, pl->pub, pl->units, U)) != PARLEY_OK)
        goto fail;
    for (size_t u = 0; u < U; u++) {
        if (pl->units[u].n_issues > pl->max_unit_issues)
            pl->max_unit_issues = pl->units[u].n_issues;
        if (pl->units[u].n_candidates <= PARLEY_SESSION_MAX_CANDIDATES)
            continue;
        char path[64];
        if (pl->units[u].cluster >= 0)
            snprintf(path, sizeof path, "$.clusters[%ld]",
                     pl->units[u].cluster);
        else
            snprintf(path, sizeof path, "$.rules.agenda.policy");
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ELIMIT,
                         "scenario", 0, 0, path,
                         "agenda unit '%s' has %.0f candidate texts, more "
                         "than the %u the mediator scans per round; split "
                         "it into smaller clusters",
                         pl->units[u].id, pl->units[u].n_candidates,
                         (unsigned)PARLEY_SESSION_MAX_CANDIDATES);
        st = PARLEY_ELIMIT;
        goto fail;
    }
    if ((st = parley__mmodel_new(pl, (const parley_party_t *const *)pl->truth,
                                 &pl->truthful)) != PARLEY_OK)
        goto fail;
    *out = pl;
    return PARLEY_OK;
oom:
    st = PARLEY_ENOMEM;
fail:
    plan_release(pl);
    return st;
}

/* ---- sessions: creation ----------------------------------------------- */

static void session_release(parley_session_t *s)
{
    if (!s)
        return;
    parley__mmodel_free(s->own_decl);
    parley__mmodel_free(s->learned);
    if (s->disclosed) {
        for (size_t v = 0; v < s->P; v++)
            parley__party_clear(&s->disclosed[v], s->K);
        parley_free(s->disclosed);
    }
    parley_free(s->drv);
    parley_free(s->settled);
    parley_free(s->in_unit);
    parley_free(s->all_issues);
    parley_free(s->text);
    parley_free(s->hist);
    parley_free(s->hist_unit_ok);
    parley_free(s->best_text);
    parley_free(s->asp);
    parley_free(s->conc);
    parley_free(s->acts);
    parley_free(s->vetoes);
    parley_free(s->owed);
    parley_free(s->pat);
    parley_free(s->n_pat);
    parley_free(s->pat_next);
    parley_free(s->ans);
    parley_free(s->veto_ok);
    parley_free(s->base);
    parley_free(s->ucur);
    parley_free(s->wt);
    parley_free(s->tmp);
    parley_free(s->dbase);
    parley_free(s->pkg);
    parley_free(s->pkg2);
    parley_free(s->best_pkg);
    parley_free(s->rep_asp);
    parley_free(s->rep_text);
    parley_free(s->rep_sfx);
    parley_free(s->rep_part);
    parley_free(s->rep_maxbonus);
    parley__jb_free(&s->jb);
    plan_release(s->own_plan);
    parley_free(s);
}

void parley_session_free(parley_session_t *s)
{
    session_release(s);
}

static parley_status_t set_drivers(parley_session_t *s,
                                   const parley_driver_t *const *drivers,
                                   parley_diags_t *diags)
{
    const parley__plan_t *pl = s->plan;
    if (!drivers)
        return PARLEY_EARG;
    for (size_t v = 0; v < s->P; v++) {
        const parley_driver_t *d = drivers[pl->vidx[v]];
        if (!d || !d->answer) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EARG, "",
                             0, 0, "",
                             "party '%s' votes but has no driver (or one "
                             "without an answer callback)",
                             pl->pub->parties[pl->vidx[v]].id);
            return PARLEY_EARG;
        }
        s->drv[v] = d;
    }
    return PARLEY_OK;
}

/* Everything a fresh session starts from; allocates nothing. */
static void session_restart(parley_session_t *s,
                            const parley_session_opts_t *opts)
{
    const parley__plan_t *pl = s->plan;
    size_t P = s->P, K = s->K;
    memset(&s->opts, 0, sizeof s->opts);
    if (opts)
        s->opts = *opts;
    parley__mmodel_free(s->own_decl);
    s->own_decl = NULL;
    if (s->learned)
        parley__mmodel_relearn(s->learned, pl);
    s->decl = pl->truthful;
    s->draft = s->learned ? s->learned : s->decl;
    s->phase = PARLEY_PHASE_SETUP;
    s->round = 0;
    s->error = PARLEY_OK;
    s->upos = s->unit = 0;
    s->stage = PARLEY__STAGE_PLENARY;
    s->stage_rounds = s->drafting_max = s->drafting_rounds = 0;
    s->draft_pending = 0;
    memset(s->settled, 0, s->U);
    s->members = 0;
    memset(s->in_unit, 0, K);
    s->open_issues = NULL;
    s->n_open = 0;
    memcpy(s->text, pl->truthful->provisional, K * sizeof *s->text);
    s->text_round = 0;
    memset(s->hist_unit_ok, 0, pl->rules.max_rounds + 1);
    s->adopt_round = 0;
    s->last_binding = 0;
    s->has_best = 0;
    s->best_score = HUGE_VAL;
    for (size_t v = 0; v < P; v++) {
        s->asp[v] = 0;
        s->acts[v] = 0;
        s->vetoes[v] = 0;
        s->owed[v] = 0;
        s->n_pat[v] = 0;
        s->veto_ok[v] = 0;
        memset(&s->ans[v], 0, sizeof s->ans[v]);
    }
    memset(s->conc, 0, pl->n_parties * sizeof *s->conc);
    s->floor_mask = s->rl_mask = s->credited_unit = 0;
    s->pattern_version = s->learn_version = 0;
    s->rep_failed = 0;
    s->n_acc = s->n_obj = s->n_veto = -1;
    s->agreement = 0;
    s->reason[0] = '\0';
    s->n_valid = s->n_refused = s->n_conc = 0;
    s->seq = 0;
    s->ev_kinds = PARLEY_EVENT_KINDS_ALL;
    s->jb.oom = 0;
}

parley_status_t parley_session_new_planned(
    const parley_session_plan_t *plan, const parley_driver_t *const *drivers,
    const parley_session_opts_t *opts, parley_session_t **out,
    parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!plan || !drivers)
        return PARLEY_EARG;
    parley_session_t *s = parley_calloc(1, sizeof *s);
    if (!s)
        return PARLEY_ENOMEM;
    const parley__plan_t *pl = plan;
    size_t P = pl->P, K = pl->K, U = pl->U;
    size_t R = (size_t)pl->rules.max_rounds + 1;
    s->plan = pl;
    s->P = P;
    s->K = K;
    s->U = U;
    /* Objections a party has standing at once: one per round, at most
     * PARLEY__MAX_PATTERNS (the oldest give way). */
    s->max_pat = pl->rules.max_rounds + 1 < PARLEY__MAX_PATTERNS
                     ? pl->rules.max_rounds + 1
                     : PARLEY__MAX_PATTERNS;
    s->drv = parley_calloc(P, sizeof *s->drv);
    s->disclosed = parley_calloc(P, sizeof *s->disclosed);
    s->settled = parley_calloc(U ? U : 1, 1);
    s->in_unit = parley_calloc(K, 1);
    s->all_issues = parley_calloc(K, sizeof *s->all_issues);
    s->text = parley_calloc(K, sizeof *s->text);
    s->hist = parley_calloc(R * K, sizeof *s->hist);
    s->hist_unit_ok = parley_calloc(R, 1);
    s->best_text = parley_calloc(K, sizeof *s->best_text);
    s->asp = parley_calloc(P, sizeof *s->asp);
    s->conc = parley_calloc(pl->n_parties, sizeof *s->conc);
    s->acts = parley_calloc(P, sizeof *s->acts);
    s->vetoes = parley_calloc(P, sizeof *s->vetoes);
    s->owed = parley_calloc(P, sizeof *s->owed);
    s->pat = parley_calloc(P * s->max_pat * K, sizeof *s->pat);
    s->n_pat = parley_calloc(P, sizeof *s->n_pat);
    s->pat_next = parley_calloc(P, sizeof *s->pat_next);
    s->ans = parley_calloc(P, sizeof *s->ans);
    s->veto_ok = parley_calloc(P, 1);
    s->base = parley_calloc(P, sizeof(double));
    s->ucur = parley_calloc(P, sizeof(double));
    s->wt = parley_calloc(P, sizeof(double));
    s->tmp = parley_calloc(P, sizeof(double));
    s->dbase = parley_calloc(P, sizeof(double));
    s->pkg = parley_calloc(K, sizeof(uint32_t));
    s->pkg2 = parley_calloc(K, sizeof(uint32_t));
    s->best_pkg = parley_calloc(K, sizeof(uint32_t));
    s->rep_asp = parley_calloc(P, sizeof(double));
    s->rep_text = parley_calloc(K, sizeof(uint32_t));
    s->rep_sfx = parley_calloc(3 * (K + 1) * P, sizeof(double));
    s->rep_part = parley_calloc((K + 1) * P, sizeof(double));
    s->rep_maxbonus = parley_calloc(P, sizeof(double));
    if (!s->drv || !s->disclosed || !s->settled || !s->in_unit ||
        !s->all_issues || !s->text || !s->hist || !s->hist_unit_ok ||
        !s->best_text || !s->asp || !s->conc || !s->acts || !s->vetoes ||
        !s->owed || !s->pat || !s->n_pat || !s->pat_next || !s->ans ||
        !s->veto_ok ||
        !s->base || !s->ucur || !s->wt || !s->tmp || !s->dbase || !s->pkg ||
        !s->pkg2 || !s->best_pkg || !s->rep_asp ||
        !s->rep_text || !s->rep_sfx || !s->rep_part || !s->rep_maxbonus) {
        session_release(s);
        return PARLEY_ENOMEM;
    }
    for (size_t k = 0; k < K; k++)
        s->all_issues[k] = k;
    if (!pl->rules.private_channels &&
        parley__mmodel_new(pl, NULL, &s->learned) != PARLEY_OK) {
        session_release(s);
        return PARLEY_ENOMEM;
    }
    parley_status_t st = set_drivers(s, drivers, diags);
    if (st != PARLEY_OK) {
        session_release(s);
        return st;
    }
    session_restart(s, opts);
    *out = s;
    return PARLEY_OK;
}

parley_status_t parley_session_new(const parley_scenario_t *sc,
                                   const parley_rules_t *rules,
                                   const parley_driver_t *const *drivers,
                                   const parley_session_opts_t *opts,
                                   parley_session_t **out,
                                   parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    parley_session_plan_t *plan = NULL;
    parley_status_t st = parley_session_plan_new(sc, rules, &plan, diags);
    if (st != PARLEY_OK)
        return st;
    st = parley_session_new_planned(plan, drivers, opts, out, diags);
    if (st != PARLEY_OK) {
        plan_release(plan);
        return st;
    }
    (*out)->own_plan = plan;
    return PARLEY_OK;
}

parley_status_t parley_session_reset(parley_session_t *s,
                                     const parley_driver_t *const *drivers,
                                     const parley_session_opts_t *opts)
{
    if (!s || !drivers)
        return PARLEY_EARG;
    parley_status_t st = set_drivers(s, drivers, NULL);
    if (st != PARLEY_OK)
        return st;
    session_restart(s, opts);
    return PARLEY_OK;
}

/* ---- accessors -------------------------------------------------------- */

void parley_session_filter_events(parley_session_t *s, uint64_t kinds)
{
    if (s)
        s->ev_kinds = kinds ? kinds : PARLEY_EVENT_KINDS_ALL;
}

parley_phase_t parley_session_phase(const parley_session_t *s)
{
    return s ? s->phase : PARLEY_PHASE_IMPASSE;
}

unsigned parley_session_rounds(const parley_session_t *s)
{
    return s ? s->round : 0;
}

static int ended(const parley_session_t *s)
{
    return s->phase == PARLEY_PHASE_AGREEMENT ||
           s->phase == PARLEY_PHASE_IMPASSE;
}

parley_status_t parley_session_outcome(const parley_session_t *s,
                                       parley_outcome_t *out)
{
    if (!s || !out || !ended(s))
        return PARLEY_EARG;
    memset(out, 0, sizeof *out);
    out->agreement = s->agreement;
    out->impasse_reason = s->agreement ? NULL : s->reason;
    out->package = s->agreement || !s->has_best ? s->text : s->best_text;
    out->rounds = s->round;
    out->vetoes_valid = s->n_valid;
    out->vetoes_refused = s->n_refused;
    out->concessions = s->n_conc;
    return PARLEY_OK;
}

/* ---- views ------------------------------------------------------------ */

static void make_view(const parley_session_t *s, size_t v, parley_view_t *vw)
{
    const parley__plan_t *pl = s->plan;
    memset(vw, 0, sizeof *vw);
    vw->party = pl->vidx[v];
    vw->self = pl->truth[v];
    vw->public_scenario = pl->pub;
    vw->rules = pl->pub->rules; /* the public copy, an object of its own */
    vw->round = s->round;
    vw->deadline = pl->rules.max_rounds;
    vw->cluster = s->stage == PARLEY__STAGE_INTEGRATION || s->n_open == 0
                      ? -1
                      : pl->units[s->unit].cluster;
    vw->text = s->text_round ? s->text : NULL;
    vw->text_round = s->text_round;
    vw->pilot = s->stage == PARLEY__STAGE_PILOT && s->text_round == s->round;
    if (pl->rules.publish_counts) {
        vw->n_accept = s->n_acc;
        vw->n_object = s->n_obj;
        vw->n_veto = s->n_veto;
    } else {
        vw->n_accept = vw->n_object = vw->n_veto = -1;
    }
    vw->aspiration = s->asp[v];
    vw->concessions = s->conc;
    vw->guarantee_bonus =
        vw->text && pl->rules.guarantees ? parley__bonus(s, s->text, v) : 0;
    vw->n_open = s->n_open;
    vw->open_issues = s->open_issues;
    vw->drafting = s->stage == PARLEY__STAGE_DRAFTING;
}

/* ---- ending ----------------------------------------------------------- */

static void emit_text(parley_session_t *s, const char *key,
                      const uint32_t *pkg)
{
    parley__jb_key(&s->jb, key);
    parley__jb_text(&s->jb, s->plan->pub, pkg);
}

static void end_impasse(parley_session_t *s, const char *fmt, const char *a)
{
    if (ended(s))
        return;
    snprintf(s->reason, sizeof s->reason, fmt, a ? a : "");
    s->agreement = 0;
    s->phase = PARLEY_PHASE_IMPASSE;
    if (parley__ev_begin(s, PARLEY_EVENT_IMPASSE, PARLEY_VISIBLE_PUBLIC, -1,
                         -1)) {
        parley__jb_key(&s->jb, "reason");
        parley__jb_str(&s->jb, s->reason);
        if (s->has_best)
            emit_text(s, "best_text", s->best_text);
        else
            parley__jb_raw(&s->jb, ",\"best_text\":null");
        parley__jb_key(&s->jb, "rounds");
        parley__jb_uint(&s->jb, s->round);
        parley__ev_end(s, PARLEY_EVENT_IMPASSE, PARLEY_VISIBLE_PUBLIC, -1,
                       -1);
    }
}

static const char *party_id(const parley_session_t *s, size_t v)
{
    return s->plan->pub->parties[s->plan->vidx[v]].id;
}

static void driver_failed(parley_session_t *s, size_t v, parley_status_t st,
                          const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, "driver failure: party '%s' %s (%s)",
             party_id(s, v), what, parley_status_name(st));
    if (s->error == PARLEY_OK)
        s->error = st;
    end_impasse(s, "%s", msg);
}

static void agree(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    if (pl->rules.guarantees)
        for (size_t t = 0; t < pl->G; t++) {
            const parley_guarantee_t *g = &pl->pub->guarantees[t];
            if (!parley_guarantee_applies(g, pl->pub, s->text))
                continue;
            if (parley__ev_begin(s, PARLEY_EVENT_GUARANTEE_PROVISIONAL,
                                 PARLEY_VISIBLE_PUBLIC, -1, -1)) {
                parley__jb_key(&s->jb, "guarantee");
                parley__jb_str(&s->jb, g->id);
                parley__jb_key(&s->jb, "guarantor");
                parley__jb_str(&s->jb, pl->pub->parties[g->guarantor].id);
                parley__jb_key(&s->jb, "beneficiary");
                parley__jb_str(&s->jb, pl->pub->parties[g->beneficiary].id);
                parley__jb_key(&s->jb, "criteria");
                if (g->criteria)
                    parley__jb_str(&s->jb, g->criteria);
                else
                    parley__jb_raw(&s->jb, "null");
                parley__ev_end(s, PARLEY_EVENT_GUARANTEE_PROVISIONAL,
                               PARLEY_VISIBLE_PUBLIC, -1, -1);
            }
        }
    s->agreement = 1;
    s->phase = PARLEY_PHASE_AGREEMENT;
    if (parley__ev_begin(s, PARLEY_EVENT_AGREEMENT, PARLEY_VISIBLE_PUBLIC, -1,
                         -1)) {
        emit_text(s, "text", s->text);
        parley__jb_key(&s->jb, "rounds");
        parley__jb_uint(&s->jb, s->round);
        parley__ev_end(s, PARLEY_EVENT_AGREEMENT, PARLEY_VISIBLE_PUBLIC, -1,
                       -1);
    }
}

/*
 * Whether the text of binding round `rd` could stand without unanimity
 * (decision rule no_objection): no upheld veto, and no party that did not
 * accept is left, by what it declared, below its reservation or across one
 * of its red lines (an objection that a veto could have made good is not
 * overruled by silence).
 */
static int adoptable(parley_session_t *s, const uint32_t *pkg)
{
    const parley__mmodel_t *d = s->decl;
    parley__utility(s, d, pkg, s->tmp);
    for (size_t v = 0; v < s->P; v++) {
        if (s->veto_ok[v])
            return 0;
        if (s->ans[v].kind == PARLEY_ANSWER_ACCEPT)
            continue;
        if (s->tmp[v] < d->res[v] - PARLEY__EPS)
            return 0;
        for (size_t k = 0; k < s->K; k++)
            if (d->forbid[k][pkg[k]] & bit(v))
                return 0;
    }
    return 1;
}

static void deadline(parley_session_t *s)
{
    const parley_rules_t *r = &s->plan->rules;
    if (r->decision == PARLEY_DECIDE_NO_OBJECTION && s->adopt_round &&
        s->adopt_round == s->last_binding) {
        memcpy(s->text, s->hist + (size_t)s->adopt_round * s->K,
               s->K * sizeof *s->text);
        agree(s);
        return;
    }
    char msg[160];
    if (r->decision == PARLEY_DECIDE_NO_OBJECTION)
        snprintf(msg, sizeof msg,
                 "deadline reached after %u rounds: the last text met a "
                 "standing objection (a valid veto, or a party left below "
                 "its declared reservation or red line)",
                 s->round);
    else
        snprintf(msg, sizeof msg,
                 "deadline reached after %u rounds without unanimity",
                 s->round);
    end_impasse(s, "%s", msg);
}

/* ---- events of the opening -------------------------------------------- */

static void ev_session_open(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    if (!parley__ev_begin(s, PARLEY_EVENT_SESSION_OPEN, PARLEY_VISIBLE_PUBLIC,
                          -1, -1))
        return;
    parley__jb_t *b = &s->jb;
    parley__jb_key(b, "scenario");
    parley__jb_str(b, pl->pub->name);
    parley__jb_key(b, "seed");
    parley__jb_uint(b, s->opts.seed);
    parley__jb_raw(b, ",\"parties\":[");
    for (size_t v = 0; v < s->P; v++) {
        if (v)
            parley__jb_raw(b, ",");
        parley__jb_str(b, party_id(s, v));
    }
    parley__jb_raw(b, "],\"issues\":[");
    for (size_t k = 0; k < s->K; k++) {
        if (k)
            parley__jb_raw(b, ",");
        parley__jb_str(b, pl->pub->issues[k].id);
    }
    parley__jb_raw(b, "]");
    parley__jb_key(b, "rules");
    parley__jb_rules(b, &pl->rules, pl->pub);
    parley__ev_end(s, PARLEY_EVENT_SESSION_OPEN, PARLEY_VISIBLE_PUBLIC, -1,
                   -1);
}

static void jb_red_line(parley__jb_t *b, const parley_scenario_t *pub,
                        const parley_red_line_t *rl)
{
    const parley_issue_t *is = &pub->issues[rl->issue];
    char label[64];
    parley__jb_raw(b, "{\"issue\":");
    parley__jb_str(b, is->id);
    parley__jb_key(b, "op");
    parley__jb_str(b, parley_cmp_name(rl->op));
    parley__jb_key(b, "value");
    if (is->kind != PARLEY_ISSUE_DISCRETE) {
        parley__jb_num(b, rl->value);
    } else if (rl->op == PARLEY_CMP_EQ || rl->op == PARLEY_CMP_NE) {
        parley_issue_option_label(is, rl->options[0], label, sizeof label);
        parley__jb_str(b, label);
    } else {
        parley__jb_raw(b, "[");
        for (size_t m = 0; m < rl->n_options; m++) {
            if (m)
                parley__jb_raw(b, ",");
            parley_issue_option_label(is, rl->options[m], label,
                                      sizeof label);
            parley__jb_str(b, label);
        }
        parley__jb_raw(b, "]");
    }
    parley__jb_raw(b, "}");
}

static void ev_disclosure(parley_session_t *s, size_t v,
                          const parley_party_t *p, int truthful_copy)
{
    const parley_scenario_t *pub = s->plan->pub;
    (void)truthful_copy;
    if (!parley__ev_begin(s, PARLEY_EVENT_DISCLOSURE, PARLEY_VISIBLE_PARTY,
                          (long)v, -1))
        return;
    parley__jb_t *b = &s->jb;
    char label[64];
    parley__jb_key(b, "reservation");
    parley__jb_num(b, p->reservation);
    parley__jb_raw(b, ",\"utility\":{");
    for (size_t k = 0; k < s->K; k++) {
        const parley_issue_t *is = &pub->issues[k];
        if (k)
            parley__jb_raw(b, ",");
        parley__jb_str(b, is->id);
        parley__jb_raw(b, ":{\"weight\":");
        parley__jb_num(b, p->weights[k]);
        parley__jb_raw(b, ",\"values\":{");
        for (size_t j = 0; j < is->n_options; j++) {
            if (j)
                parley__jb_raw(b, ",");
            parley_issue_option_label(is, j, label, sizeof label);
            parley__jb_str(b, label);
            parley__jb_raw(b, ":");
            parley__jb_num(b, parley_value_eval(&p->values[k], is, j));
        }
        parley__jb_raw(b, "}}");
    }
    parley__jb_raw(b, "},\"red_lines\":[");
    for (size_t q = 0; q < p->n_red_lines; q++) {
        if (q)
            parley__jb_raw(b, ",");
        jb_red_line(b, pub, &p->red_lines[q]);
    }
    parley__jb_raw(b, "]");
    parley__ev_end(s, PARLEY_EVENT_DISCLOSURE, PARLEY_VISIBLE_PARTY, (long)v,
                   -1);
}

static void ask_concerns(parley_session_t *s, long unit)
{
    for (size_t v = 0; v < s->P && !ended(s); v++) {
        const parley_driver_t *d = s->drv[v];
        if (!d->concern)
            continue;
        char text[512];
        text[0] = '\0';
        parley_view_t vw;
        make_view(s, v, &vw);
        parley_status_t st = d->concern(d->ctx, &vw, text, sizeof text);
        if (st != PARLEY_OK) {
            driver_failed(s, v, st, "failed to send a concern");
            return;
        }
        text[sizeof text - 1] = '\0';
        if (!text[0])
            continue;
        if (parley__ev_begin(s, PARLEY_EVENT_CONCERN,
                             PARLEY_VISIBLE_MEDIATOR, (long)v, unit)) {
            parley__jb_key(&s->jb, "text");
            parley__jb_str(&s->jb, text);
            parley__ev_end(s, PARLEY_EVENT_CONCERN, PARLEY_VISIBLE_MEDIATOR,
                           (long)v, unit);
        }
    }
}

static void ev_guarantee_offers(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    if (!pl->rules.guarantees)
        return;
    for (size_t t = 0; t < pl->G; t++) {
        const parley_guarantee_t *g = &pl->pub->guarantees[t];
        /* Each offer its own seq, also when the filter leaves it out. */
        if (!parley__ev_begin(s, PARLEY_EVENT_GUARANTEE_OFFER,
                              PARLEY_VISIBLE_PUBLIC, -1, -1))
            continue;
        parley__jb_t *b = &s->jb;
        parley__jb_key(b, "guarantee");
        parley__jb_str(b, g->id);
        parley__jb_key(b, "guarantor");
        parley__jb_str(b, pl->pub->parties[g->guarantor].id);
        parley__jb_key(b, "beneficiary");
        parley__jb_str(b, pl->pub->parties[g->beneficiary].id);
        parley__jb_key(b, "guarantee_kind");
        parley__jb_str(b, parley_guarantee_kind_name(g->kind));
        parley__jb_key(b, "credibility");
        parley__jb_num(b, g->credibility);
        parley__jb_key(b, "value");
        parley__jb_num(b, g->value);
        parley__jb_raw(b, ",\"conditions\":[");
        for (size_t q = 0; q < g->n_conditions; q++) {
            if (q)
                parley__jb_raw(b, ",");
            jb_red_line(b, pl->pub, &g->conditions[q]);
        }
        parley__jb_raw(b, "]");
        parley__jb_key(b, "criteria");
        if (g->criteria)
            parley__jb_str(b, g->criteria);
        else
            parley__jb_raw(b, "null");
        parley__ev_end(s, PARLEY_EVENT_GUARANTEE_OFFER, PARLEY_VISIBLE_PUBLIC,
                       -1, -1);
    }
}

/* ---- disclosure ------------------------------------------------------- */

static void do_disclosure(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    size_t P = s->P, K = s->K;
    int truthful = 1;
    uint64_t copied = 0;
    for (size_t v = 0; v < P; v++) {
        const parley_driver_t *d = s->drv[v];
        const parley_party_t *said = pl->truth[v];
        if (d->disclose) {
            parley_view_t vw;
            make_view(s, v, &vw);
            /* Filled on the stack, then kept: the driver is handed no
             * pointer next to another party's disclosure. */
            parley_party_t mine;
            parley_status_t st = parley__party_copy(&mine, pl->truth[v], K);
            if (st != PARLEY_OK) {
                if (s->error == PARLEY_OK)
                    s->error = st;
                end_impasse(s, "%s", "out of memory");
                goto done;
            }
            st = d->disclose(d->ctx, &vw, &mine);
            s->disclosed[v] = mine;
            copied |= bit(v);
            if (st != PARLEY_OK) {
                driver_failed(s, v, st, "failed to disclose");
                goto done;
            }
            char why[200];
            if (!parley__profile_usable(&s->disclosed[v], pl->pub, why,
                                        sizeof why)) {
                char what[260];
                snprintf(what, sizeof what, "disclosed an unusable profile: %s",
                         why);
                driver_failed(s, v, PARLEY_EINVALID, what);
                goto done;
            }
            said = &s->disclosed[v];
            if (!parley__profile_equal(said, pl->truth[v], pl->pub))
                truthful = 0;
        }
        ev_disclosure(s, v, said, 0);
    }
    if (!truthful) {
        const parley_party_t *profiles[PARLEY_MAX_PARTIES];
        for (size_t v = 0; v < P; v++)
            profiles[v] = (copied & bit(v)) ? &s->disclosed[v] : pl->truth[v];
        parley_status_t st = parley__mmodel_new(pl, profiles, &s->own_decl);
        if (st != PARLEY_OK) {
            if (s->error == PARLEY_OK)
                s->error = st;
            end_impasse(s, "%s", "out of memory");
            goto done;
        }
        s->decl = s->own_decl;
    }
    s->draft = s->learned ? s->learned : s->decl;
    for (size_t v = 0; v < P; v++) {
        s->asp[v] = s->decl->best[v];
        if (s->asp[v] < s->decl->res[v])
            s->asp[v] = s->decl->res[v];
    }
    ask_concerns(s, -1);
    if (ended(s))
        goto done;
    ev_guarantee_offers(s);
    if (s->decl->empty_issue >= 0) {
        end_impasse(s,
                    "the declared red lines leave issue '%s' no option: no "
                    "text can keep them all",
                    pl->pub->issues[s->decl->empty_issue].id);
        goto done;
    }
    memcpy(s->text, s->draft->provisional, K * sizeof *s->text);
    s->phase = PARLEY_PHASE_AGENDA;
done:
    for (size_t v = 0; v < P; v++)
        if (copied & bit(v))
            parley__party_clear(&s->disclosed[v], K);
}

static void do_agenda(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    const parley__mmodel_t *m = s->draft;
    if (parley__ev_begin(s, PARLEY_EVENT_AGENDA, PARLEY_VISIBLE_PUBLIC, -1,
                         -1)) {
        parley__jb_t *b = &s->jb;
        parley__jb_key(b, "policy");
        parley__jb_str(b, parley_agenda_policy_name(pl->rules.agenda));
        parley__jb_raw(b, ",\"order\":[");
        for (size_t q = 0; q < s->U; q++) {
            const parley__unit_t *un = &pl->units[m->order[q]];
            if (q)
                parley__jb_raw(b, ",");
            parley__jb_raw(b, "{\"cluster\":");
            parley__jb_str(b, un->id);
            parley__jb_raw(b, ",\"issues\":[");
            for (size_t t = 0; t < un->n_issues; t++) {
                if (t)
                    parley__jb_raw(b, ",");
                parley__jb_str(b, pl->pub->issues[un->issues[t]].id);
            }
            parley__jb_raw(b, "]");
            parley__jb_key(b, "conflict");
            parley__jb_num(b, m->conflict[m->order[q]]);
            parley__jb_key(b, "joint_gain");
            parley__jb_num(b, m->gain[m->order[q]]);
            parley__jb_raw(b, "}");
        }
        parley__jb_raw(b, "]");
        parley__ev_end(s, PARLEY_EVENT_AGENDA, PARLEY_VISIBLE_PUBLIC, -1, -1);
    }
    s->upos = 0;
    s->phase = PARLEY_PHASE_CLUSTER;
}

/* ---- units ------------------------------------------------------------ */

static void clear_patterns(parley_session_t *s)
{
    s->pattern_version++;
    for (size_t v = 0; v < s->P; v++)
        s->n_pat[v] = 0;
}

static void start_integration(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    if (s->U == 1 && s->settled[0] == PARLEY__AGREED) {
        /* The one unit was the whole text, and everyone accepted it. */
        s->phase = PARLEY_PHASE_DECISION;
        return;
    }
    s->stage = PARLEY__STAGE_INTEGRATION;
    s->phase = PARLEY_PHASE_INTEGRATION;
    clear_patterns(s);
    s->credited_unit = 0;
    memset(s->in_unit, 1, s->K);
    s->open_issues = s->all_issues;
    s->n_open = s->K;
    if (parley__ev_begin(s, PARLEY_EVENT_INTEGRATION, PARLEY_VISIBLE_PUBLIC,
                         -1, -1)) {
        parley__jb_t *b = &s->jb;
        emit_text(s, "text", s->text);
        parley__jb_raw(b, ",\"clusters\":[");
        for (size_t q = 0; q < s->U; q++) {
            size_t u = s->draft->order[q];
            if (q)
                parley__jb_raw(b, ",");
            parley__jb_raw(b, "{\"cluster\":");
            parley__jb_str(b, pl->units[u].id);
            parley__jb_key(b, "status");
            parley__jb_str(b, s->settled[u] == PARLEY__AGREED ? "agreed"
                                                              : "parked");
            parley__jb_raw(b, "}");
        }
        parley__jb_raw(b, "]");
        parley__ev_end(s, PARLEY_EVENT_INTEGRATION, PARLEY_VISIBLE_PUBLIC, -1,
                       -1);
    }
}

static void open_unit(parley_session_t *s)
{
    const parley__plan_t *pl = s->plan;
    const parley_rules_t *r = &pl->rules;
    size_t P = s->P, K = s->K;
    if (s->upos >= s->U) {
        start_integration(s);
        return;
    }
    size_t u = s->draft->order[s->upos];
    const parley__unit_t *un = &pl->units[u];
    s->unit = u;
    memset(s->in_unit, 0, K);
    for (size_t q = 0; q < un->n_issues; q++)
        s->in_unit[un->issues[q]] = 1;
    s->open_issues = un->issues;
    s->n_open = un->n_issues;
    clear_patterns(s);
    s->credited_unit = 0;
    s->stage_rounds = 0;
    s->drafting_rounds = 0;
    s->draft_pending = 0;
    if (parley__ev_begin(s, PARLEY_EVENT_CLUSTER_OPEN, PARLEY_VISIBLE_PUBLIC,
                         -1, (long)u)) {
        parley__jb_t *b = &s->jb;
        parley__jb_raw(b, ",\"issues\":[");
        for (size_t q = 0; q < un->n_issues; q++) {
            if (q)
                parley__jb_raw(b, ",");
            parley__jb_str(b, pl->pub->issues[un->issues[q]].id);
        }
        parley__jb_raw(b, "]");
        parley__jb_key(b, "position");
        parley__jb_uint(b, s->upos + 1);
        parley__jb_key(b, "of");
        parley__jb_uint(b, s->U);
        parley__ev_end(s, PARLEY_EVENT_CLUSTER_OPEN, PARLEY_VISIBLE_PUBLIC,
                       -1, (long)u);
    }
    ask_concerns(s, (long)u);
    if (ended(s))
        return;
    uint64_t all = all_mask(P);
    int drafts = 0;
    s->members = all;
    if (r->working_groups) {
        s->drafting_max = (r->rounds_per_cluster - (r->pilots ? 1u : 0u)) / 2;
        if (!s->draft->learned) {
            /* Salience: the share of its total declared weight a party
             * puts on the unit's issues. */
            uint64_t mem = 0;
            for (size_t v = 0; v < P; v++) {
                double on = 0, tot = 0;
                for (size_t k = 0; k < K; k++) {
                    double w = s->decl->w[v * K + k];
                    tot += w;
                    if (s->in_unit[k])
                        on += w;
                }
                if (tot > 0 && on / tot >= r->wg_salience - PARLEY__EPS)
                    mem |= bit(v);
            }
            s->members = mem;
        }
        drafts = s->members != 0 && s->members != all && s->drafting_max > 0;
        if (parley__ev_begin(s, PARLEY_EVENT_WORKING_GROUP,
                             PARLEY_VISIBLE_PUBLIC, -1, (long)u)) {
            parley__jb_t *b = &s->jb;
            parley__jb_raw(b, ",\"members\":[");
            int first = 1;
            for (size_t v = 0; v < P; v++)
                if (s->members & bit(v)) {
                    if (!first)
                        parley__jb_raw(b, ",");
                    parley__jb_str(b, party_id(s, v));
                    first = 0;
                }
            parley__jb_raw(b, "]");
            parley__jb_key(b, "salience");
            parley__jb_num(b, r->wg_salience);
            parley__jb_key(b, "drafts");
            parley__jb_bool(b, drafts);
            parley__ev_end(s, PARLEY_EVENT_WORKING_GROUP,
                           PARLEY_VISIBLE_PUBLIC, -1, (long)u);
        }
        if (!drafts)
            s->members = all;
    }
    if (r->pilots)
        s->stage = PARLEY__STAGE_PILOT;
    else
        s->stage = drafts ? PARLEY__STAGE_DRAFTING : PARLEY__STAGE_PLENARY;
    s->drafts = drafts;
    s->phase = s->stage == PARLEY__STAGE_DRAFTING ? PARLEY_PHASE_DRAFTING
                                                  : PARLEY_PHASE_ROUND;
}

static void close_unit(parley_session_t *s, int status, const char *how)
{
    s->settled[s->unit] = (unsigned char)status;
    if (parley__ev_begin(s, PARLEY_EVENT_CLUSTER_SETTLED,
                         PARLEY_VISIBLE_PUBLIC, -1, (long)s->unit)) {
        parley__jb_key(&s->jb, "status");
        parley__jb_str(&s->jb, how);
        emit_text(s, "text", s->text);
        parley__jb_key(&s->jb, "rounds");
        parley__jb_uint(&s->jb, s->stage_rounds);
        parley__ev_end(s, PARLEY_EVENT_CLUSTER_SETTLED, PARLEY_VISIBLE_PUBLIC,
                       -1, (long)s->unit);
    }
    s->upos++;
    s->phase = PARLEY_PHASE_CLUSTER;
}

/* ---- answers ---------------------------------------------------------- */

static int answer_valid(const parley_session_t *s, const parley_answer_t *a)
{
    if ((unsigned)a->kind > PARLEY_ANSWER_WALKOUT || a->n_issues > s->K)
        return 0;
    for (size_t t = 0; t < a->n_issues; t++)
        if (a->issues[t] >= s->K)
            return 0;
    return 1;
}

static void ev_answer(parley_session_t *s, size_t v, const parley_answer_t *a,
                      int pilot)
{
    long unit = s->stage == PARLEY__STAGE_INTEGRATION ? -1 : (long)s->unit;
    if (!parley__ev_begin(s, PARLEY_EVENT_ANSWER, PARLEY_VISIBLE_PARTY,
                          (long)v, unit))
        return;
    parley__jb_t *b = &s->jb;
    parley__jb_key(b, "answer");
    parley__jb_str(b, answer_name(a->kind));
    if (a->kind == PARLEY_ANSWER_OBJECT || a->kind == PARLEY_ANSWER_VETO) {
        parley__jb_raw(b, ",\"issues\":[");
        for (size_t t = 0; t < a->n_issues; t++) {
            if (t)
                parley__jb_raw(b, ",");
            parley__jb_str(b, s->plan->pub->issues[a->issues[t]].id);
        }
        parley__jb_raw(b, "]");
    }
    if (a->kind == PARLEY_ANSWER_VETO) {
        parley__jb_key(b, "ground");
        parley__jb_str(b, parley_veto_ground_name(a->ground));
        parley__jb_key(b, "text_round");
        parley__jb_uint(b, a->text_round);
    }
    if (a->reason[0]) {
        parley__jb_key(b, "reason");
        parley__jb_str(b, a->reason);
    }
    parley__jb_key(b, "pilot");
    parley__jb_bool(b, pilot);
    parley__ev_end(s, PARLEY_EVENT_ANSWER, PARLEY_VISIBLE_PARTY, (long)v,
                   unit);
}

/* Collects the answers of `who`; ends the session on a walk-out or a
 * driver failure.  Returns 0 when it ended. */
static int collect(parley_session_t *s, uint64_t who, int pilot)
{
    for (size_t v = 0; v < s->P; v++) {
        s->veto_ok[v] = 0;
        parley_answer_t *a = &s->ans[v];
        memset(a, 0, sizeof *a);
        a->kind = PARLEY_ANSWER_ACCEPT; /* those not asked stand aside */
        if (!(who & bit(v)))
            continue;
        parley_view_t vw;
        make_view(s, v, &vw);
        parley_status_t st = s->drv[v]->answer(s->drv[v]->ctx, &vw, a);
        if (st != PARLEY_OK) {
            driver_failed(s, v, st, "failed to answer");
            return 0;
        }
        a->reason[sizeof a->reason - 1] = '\0';
        if (!answer_valid(s, a)) {
            driver_failed(s, v, PARLEY_EINVALID, "gave an invalid answer");
            return 0;
        }
        ev_answer(s, v, a, pilot);
        if (a->kind == PARLEY_ANSWER_WALKOUT) {
            if (parley__ev_begin(s, PARLEY_EVENT_WALKOUT,
                                 PARLEY_VISIBLE_PUBLIC, (long)v, -1)) {
                parley__jb_key(&s->jb, "reason");
                parley__jb_str(&s->jb, a->reason);
                parley__ev_end(s, PARLEY_EVENT_WALKOUT,
                               PARLEY_VISIBLE_PUBLIC, (long)v, -1);
            }
            char msg[200];
            snprintf(msg, sizeof msg, "walk-out by party '%s'",
                     party_id(s, v));
            end_impasse(s, "%s", msg);
            return 0;
        }
    }
    return 1;
}

static void ev_credit(parley_session_t *s, size_t v, const char *act,
                      int change)
{
    if (!parley__ev_begin(s, PARLEY_EVENT_CREDIT, PARLEY_VISIBLE_PARTY,
                          (long)v, -1))
        return;
    parley__jb_key(&s->jb, "act");
    parley__jb_str(&s->jb, act);
    parley__jb_key(&s->jb, "change");
    parley__jb_raw(&s->jb, change > 0 ? "1" : "-1");
    parley__jb_key(&s->jb, "acts");
    parley__jb_uint(&s->jb, s->acts[v]);
    parley__jb_key(&s->jb, "weight_factor");
    parley__jb_num(&s->jb, 1.0 + s->plan->rules.credit * s->acts[v]);
    parley__ev_end(s, PARLEY_EVENT_CREDIT, PARLEY_VISIBLE_PARTY, (long)v, -1);
}

/*
 * Rules on party v's veto: the ground must be one the rules allow, the
 * vetoed text a binding text, the veto inside its review window and within
 * the party's budget, and the ground must hold against what the party
 * declared.  Returns 1 when upheld; `why` says why not.
 */
static int rule_veto(parley_session_t *s, size_t v, const parley_answer_t *a,
                     char *why, size_t size)
{
    const parley_rules_t *r = &s->plan->rules;
    unsigned g = a->ground;
    unsigned known = PARLEY_VETO_RED_LINE | PARLEY_VETO_RESERVATION;
    if (g == 0 || (g & (g - 1)) || !(g & known)) {
        snprintf(why, size, "a veto names one ground: red_line or "
                            "reservation");
        return 0;
    }
    if (!(g & r->veto_grounds)) {
        snprintf(why, size, "the rules do not allow vetoes on ground %s",
                 parley_veto_ground_name(g));
        return 0;
    }
    unsigned tr = a->text_round;
    if (tr == 0 || tr > s->round || !s->hist_unit_ok[tr]) {
        snprintf(why, size,
                 "no binding text was tabled in round %u (a straw poll "
                 "cannot be vetoed)",
                 tr);
        return 0;
    }
    if (s->round >= tr + r->veto_window) {
        snprintf(why, size,
                 "late: the text of round %u could be vetoed until round %u "
                 "(window %u), this is round %u",
                 tr, tr + r->veto_window - 1, r->veto_window, s->round);
        return 0;
    }
    if (s->vetoes[v] >= r->veto_budget) {
        snprintf(why, size, "over budget: %u of %u vetoes used", s->vetoes[v],
                 r->veto_budget);
        return 0;
    }
    const uint32_t *pkg = s->hist + (size_t)tr * s->K;
    const parley__mmodel_t *d = s->decl;
    if (g == PARLEY_VETO_RED_LINE) {
        for (size_t k = 0; k < s->K; k++)
            if (d->forbid[k][pkg[k]] & bit(v)) {
                snprintf(why, size,
                         "upheld: the text of round %u crosses a declared "
                         "red line on issue '%s'",
                         tr, s->plan->pub->issues[k].id);
                return 1;
            }
        snprintf(why, size,
                 "the text of round %u crosses none of the red lines the "
                 "party declared",
                 tr);
        return 0;
    }
    parley__utility(s, d, pkg, s->tmp);
    if (s->tmp[v] < d->res[v] - PARLEY__EPS) {
        snprintf(why, size,
                 "upheld: the text of round %u gives %s by the declared "
                 "profile, below the declared reservation %s",
                 tr, parley__num(s->tmp[v]).s, parley__num(d->res[v]).s);
        return 1;
    }
    snprintf(why, size,
             "the text of round %u gives %s by the declared profile, not "
             "below the declared reservation %s",
             tr, parley__num(s->tmp[v]).s, parley__num(d->res[v]).s);
    return 0;
}

/* Adds an objection pattern for v: the issues named (within the open ones;
 * all open issues when none is named) at the options of `pkg`. */
static void add_pattern(parley_session_t *s, size_t v,
                        const parley_answer_t *a, const uint32_t *pkg)
{
    size_t K = s->K;
    /* A ring: when full, the oldest objection gives way. */
    unsigned slot = s->n_pat[v] < s->max_pat ? s->n_pat[v] : s->pat_next[v];
    s->pat_next[v] = (slot + 1) % s->max_pat;
    uint32_t *p = s->pat + ((size_t)v * s->max_pat + slot) * K;
    size_t named = 0;
    for (size_t k = 0; k < K; k++)
        p[k] = PAT_ANY;
    for (size_t t = 0; a && t < a->n_issues; t++) {
        size_t k = a->issues[t];
        if (s->in_unit[k]) {
            p[k] = pkg[k];
            named++;
        }
    }
    if (!named)
        for (size_t q = 0; q < s->n_open; q++)
            p[s->open_issues[q]] = pkg[s->open_issues[q]];
    if (s->n_pat[v] < s->max_pat)
        s->n_pat[v]++;
    s->pattern_version++;
}

static void ev_counts(parley_session_t *s, int pilot)
{
    if (!s->plan->rules.publish_counts)
        return;
    long unit = s->stage == PARLEY__STAGE_INTEGRATION ? -1 : (long)s->unit;
    if (!parley__ev_begin(s, PARLEY_EVENT_COUNTS, PARLEY_VISIBLE_PUBLIC, -1,
                          unit))
        return;
    parley__jb_key(&s->jb, "accept");
    parley__jb_uint(&s->jb, (uint64_t)s->n_acc);
    parley__jb_key(&s->jb, "object");
    parley__jb_uint(&s->jb, (uint64_t)s->n_obj);
    parley__jb_key(&s->jb, "veto");
    parley__jb_uint(&s->jb, (uint64_t)s->n_veto);
    parley__jb_key(&s->jb, "pilot");
    parley__jb_bool(&s->jb, pilot);
    parley__ev_end(s, PARLEY_EVENT_COUNTS, PARLEY_VISIBLE_PUBLIC, -1, unit);
}

static void count_answers(parley_session_t *s, uint64_t who)
{
    s->n_acc = s->n_obj = s->n_veto = 0;
    for (size_t v = 0; v < s->P; v++) {
        if (!(who & bit(v)))
            continue;
        switch (s->ans[v].kind) {
        case PARLEY_ANSWER_ACCEPT:
            s->n_acc++;
            break;
        case PARLEY_ANSWER_VETO:
            s->n_veto++;
            break;
        default:
            s->n_obj++;
        }
    }
}

/* Parties in `who` the text leaves short of their aspiration, by the
 * mediator's model; without private channels, those that did not accept. */
static uint64_t short_parties(parley_session_t *s, uint64_t who)
{
    uint64_t sh = 0;
    if (s->draft->learned) {
        for (size_t v = 0; v < s->P; v++)
            if ((who & bit(v)) && s->ans[v].kind != PARLEY_ANSWER_ACCEPT)
                sh |= bit(v);
        return sh;
    }
    parley__utility(s, s->decl, s->text, s->tmp);
    for (size_t v = 0; v < s->P; v++)
        if ((who & bit(v)) && s->tmp[v] < s->asp[v] - PARLEY__EPS)
            sh |= bit(v);
    return sh;
}

static void update_best(parley_session_t *s)
{
    double score = 0;
    if (s->draft->learned) {
        for (size_t v = 0; v < s->P; v++)
            score += s->ans[v].kind != PARLEY_ANSWER_ACCEPT;
    } else {
        parley__utility(s, s->decl, s->text, s->tmp);
        for (size_t v = 0; v < s->P; v++)
            if (s->asp[v] > s->tmp[v])
                score += s->asp[v] - s->tmp[v];
    }
    if (!s->has_best || score <= s->best_score) {
        s->has_best = 1;
        s->best_score = score;
        memcpy(s->best_text, s->text, s->K * sizeof *s->text);
    }
}

/*
 * Asks the short parties to concede.  With reciprocity a party that
 * conceded waits until every other party that was short then has conceded
 * too, or can concede no further (it stands at its declared reservation).
 */
static void ask_concessions(parley_session_t *s, uint64_t short_set)
{
    const parley_rules_t *r = &s->plan->rules;
    uint64_t conceded = 0, at_floor = 0;
    for (size_t v = 0; v < s->P; v++) {
        double floor_v = s->decl->res[v];
        if (s->asp[v] <= floor_v + PARLEY__EPS)
            at_floor |= bit(v);
    }
    for (size_t v = 0; v < s->P && !ended(s); v++) {
        if (!(short_set & bit(v)) || (at_floor & bit(v)))
            continue;
        if (r->reciprocity && s->owed[v])
            continue;
        const parley_driver_t *d = s->drv[v];
        double from = s->asp[v], want = from;
        if (d->concede) {
            parley_view_t vw;
            make_view(s, v, &vw);
            parley_status_t st = d->concede(d->ctx, &vw, &want);
            if (st != PARLEY_OK) {
                driver_failed(s, v, st, "failed to concede");
                return;
            }
            if (isnan(want)) {
                driver_failed(s, v, PARLEY_EINVALID,
                              "answered a concession with NaN");
                return;
            }
        }
        double to = want > from ? from : want;
        int clamped = 0;
        if (to < from - r->max_step) {
            to = from - r->max_step;
            clamped = 1;
        }
        if (to < s->decl->res[v]) {
            to = s->decl->res[v];
            clamped = 1;
        }
        if (to > from)
            to = from;
        int moved = to < from - PARLEY__EPS;
        if (parley__ev_begin(s, PARLEY_EVENT_CONCESSION, PARLEY_VISIBLE_PARTY,
                             (long)v, -1)) {
            parley__jb_t *b = &s->jb;
            parley__jb_key(b, "from");
            parley__jb_num(b, from);
            parley__jb_key(b, "to");
            parley__jb_num(b, moved ? to : from);
            parley__jb_key(b, "requested");
            parley__jb_num(b, isfinite(want) ? want : from);
            parley__jb_key(b, "clamped");
            parley__jb_bool(b, clamped && moved);
            parley__jb_key(b, "concessions");
            parley__jb_uint(b, s->conc[s->plan->vidx[v]] + (moved ? 1 : 0));
            parley__ev_end(s, PARLEY_EVENT_CONCESSION, PARLEY_VISIBLE_PARTY,
                           (long)v, -1);
        }
        if (!moved)
            continue;
        s->asp[v] = to;
        s->conc[s->plan->vidx[v]]++;
        s->n_conc++;
        conceded |= bit(v);
        s->acts[v]++;
        ev_credit(s, v, "conceded", 1);
        if (s->asp[v] <= s->decl->res[v] + PARLEY__EPS)
            at_floor |= bit(v);
    }
    if (!conceded)
        return;
    for (size_t v = 0; v < s->P; v++)
        s->owed[v] &= ~(conceded | at_floor);
    for (size_t v = 0; v < s->P; v++)
        if (conceded & bit(v)) {
            s->owed[v] = short_set & ~conceded & ~at_floor & ~bit(v);
            s->n_pat[v] = 0; /* its demand changed: its objections too */
            s->pattern_version++;
        }
}

/*
 * After the answers of a binding round: rulings, counts, credit, learning,
 * objection patterns.  Returns 1 when every party in `who` accepted.
 */
static int process_answers(parley_session_t *s, uint64_t who)
{
    const uint32_t *pkg = s->text;
    int all = 1;
    for (size_t v = 0; v < s->P; v++) {
        if (!(who & bit(v)))
            continue;
        parley_answer_t *a = &s->ans[v];
        if (a->kind != PARLEY_ANSWER_ACCEPT)
            all = 0;
        if (a->kind != PARLEY_ANSWER_VETO)
            continue;
        char why[256];
        int ok = rule_veto(s, v, a, why, sizeof why);
        if (ok) {
            s->veto_ok[v] = 1;
            s->vetoes[v]++;
            s->n_valid++;
            if (a->ground == PARLEY_VETO_RESERVATION)
                s->floor_mask |= bit(v);
            else
                s->rl_mask |= bit(v);
            add_pattern(s, v, NULL, s->hist + (size_t)a->text_round * s->K);
        } else {
            s->n_refused++;
        }
        long unit =
            s->stage == PARLEY__STAGE_INTEGRATION ? -1 : (long)s->unit;
        if (parley__ev_begin(s, PARLEY_EVENT_VETO_RULING,
                             PARLEY_VISIBLE_PARTY, (long)v, unit)) {
            parley__jb_t *b = &s->jb;
            parley__jb_key(b, "upheld");
            parley__jb_bool(b, ok);
            parley__jb_key(b, "ground");
            parley__jb_str(b, parley_veto_ground_name(a->ground));
            parley__jb_key(b, "text_round");
            parley__jb_uint(b, a->text_round);
            parley__jb_key(b, "reason");
            parley__jb_str(b, why);
            parley__jb_key(b, "budget_left");
            unsigned budget = s->plan->rules.veto_budget;
            parley__jb_uint(b, s->vetoes[v] < budget ? budget - s->vetoes[v]
                                                     : 0);
            parley__ev_end(s, PARLEY_EVENT_VETO_RULING, PARLEY_VISIBLE_PARTY,
                           (long)v, unit);
        }
        if (!ok && s->acts[v] > 0) {
            /* Constructive conduct is vetoing only when it is valid. */
            s->acts[v]--;
            ev_credit(s, v, "refused_veto", -1);
        }
    }
    count_answers(s, who);
    ev_counts(s, 0);
    for (size_t v = 0; v < s->P; v++) {
        if (!(who & bit(v)))
            continue;
        if (s->ans[v].kind == PARLEY_ANSWER_ACCEPT &&
            !(s->credited_unit & bit(v))) {
            s->credited_unit |= bit(v);
            s->acts[v]++;
            ev_credit(s, v, "accepted", 1);
        }
        parley__learn(s, v, &s->ans[v], pkg);
    }
    if (all)
        return 1;
    uint64_t sh = short_parties(s, who);
    for (size_t v = 0; v < s->P; v++) {
        if (!(who & bit(v)) || s->veto_ok[v])
            continue;
        const parley_answer_t *a = &s->ans[v];
        if (a->kind == PARLEY_ANSWER_ACCEPT)
            continue;
        /* A party the text satisfies as far as the mediator knows still
         * objects: the options it named must change. */
        if (!(sh & bit(v)) || s->draft->learned)
            add_pattern(s, v, a, pkg);
    }
    s->short_set = sh;
    return 0;
}

static void table_text(parley_session_t *s, int binding)
{
    memcpy(s->hist + (size_t)s->round * s->K, s->text,
           s->K * sizeof *s->text);
    s->hist_unit_ok[s->round] = (unsigned char)binding;
    s->text_round = s->round;
    long unit = s->stage == PARLEY__STAGE_INTEGRATION ? -1 : (long)s->unit;
    parley_event_kind_t kind = s->stage == PARLEY__STAGE_PILOT
                                   ? PARLEY_EVENT_PILOT
                                   : PARLEY_EVENT_TEXT;
    if (parley__ev_begin(s, kind, PARLEY_VISIBLE_PUBLIC, -1, unit)) {
        parley__jb_key(&s->jb, "stage");
        parley__jb_str(&s->jb, stage_name(s->stage));
        emit_text(s, "text", s->text);
        parley__ev_end(s, kind, PARLEY_VISIBLE_PUBLIC, -1, unit);
    }
}

/*
 * Lets the opts' table hook change the binding text about to be tabled.
 * Checks what it returns: options in range on the open issues, the rest
 * untouched; anything else is the driver failure of the hook's ctx.
 * Returns 1 when the text may be tabled.  O(K).
 */
static int mediator_text(parley_session_t *s)
{
    if (!s->opts.table)
        return 1;
    memcpy(s->pkg2, s->text, s->K * sizeof *s->text);
    parley_status_t st = s->opts.table(s->opts.table_ctx, s->round, s->n_open,
                                       s->open_issues, s->pkg2);
    if (st == PARLEY_OK) {
        size_t q = 0;
        for (size_t k = 0; k < s->K && st == PARLEY_OK; k++) {
            int open = q < s->n_open && s->open_issues[q] == k;
            if (open)
                q++;
            if (open ? s->pkg2[k] >= s->plan->pub->issues[k].n_options
                     : s->pkg2[k] != s->text[k])
                st = PARLEY_EINVALID;
        }
    }
    if (st != PARLEY_OK) {
        if (s->error == PARLEY_OK)
            s->error = st;
        return 0;
    }
    memcpy(s->text, s->pkg2, s->K * sizeof *s->text);
    return 1;
}

static void unit_round(parley_session_t *s)
{
    const parley_rules_t *r = &s->plan->rules;
    uint64_t all = all_mask(s->P);
    if (s->round >= r->max_rounds) {
        deadline(s);
        return;
    }
    s->round++;
    s->stage_rounds++;
    if (s->stage == PARLEY__STAGE_PILOT) {
        parley__choose(s, all);
        table_text(s, 0);
        if (!collect(s, all, 1))
            return;
        count_answers(s, all);
        ev_counts(s, 1);
        uint64_t sh = short_parties(s, all);
        for (size_t v = 0; v < s->P; v++) {
            const parley_answer_t *a = &s->ans[v];
            parley__learn(s, v, a, s->text);
            if (a->kind != PARLEY_ANSWER_ACCEPT &&
                (!(sh & bit(v)) || s->draft->learned))
                add_pattern(s, v, a, s->text);
        }
        if (s->draft->learned)
            parley__mmodel_refresh(s->learned, s->plan, s->unit);
        s->stage = s->drafts ? PARLEY__STAGE_DRAFTING : PARLEY__STAGE_PLENARY;
        s->phase = s->drafts ? PARLEY_PHASE_DRAFTING : PARLEY_PHASE_ROUND;
        return;
    }
    uint64_t who = s->stage == PARLEY__STAGE_DRAFTING ? s->members : all;
    if (s->draft_pending)
        s->draft_pending = 0; /* ratification: the draft as it stands */
    else
        parley__choose(s, who);
    if (!mediator_text(s))
        return;
    table_text(s, 1);
    if (!collect(s, who, 0))
        return;
    int accepted = process_answers(s, who);
    s->last_binding = s->round;
    s->adopt_round =
        s->stage == PARLEY__STAGE_PLENARY && adoptable(s, s->text) ? s->round
                                                                   : 0;
    update_best(s);
    if (s->draft->learned)
        parley__mmodel_refresh(s->learned, s->plan, s->unit);
    if (accepted) {
        if (s->stage == PARLEY__STAGE_DRAFTING) {
            if (parley__ev_begin(s, PARLEY_EVENT_DRAFT, PARLEY_VISIBLE_PUBLIC,
                                 -1, (long)s->unit)) {
                parley__jb_key(&s->jb, "agreed");
                parley__jb_bool(&s->jb, 1);
                emit_text(s, "text", s->text);
                parley__ev_end(s, PARLEY_EVENT_DRAFT, PARLEY_VISIBLE_PUBLIC,
                               -1, (long)s->unit);
            }
            s->stage = PARLEY__STAGE_PLENARY;
            s->phase = PARLEY_PHASE_ROUND;
            s->draft_pending = 1;
            return;
        }
        close_unit(s, PARLEY__AGREED, "agreed");
        return;
    }
    ask_concessions(s, s->short_set);
    if (ended(s))
        return;
    if (s->stage == PARLEY__STAGE_DRAFTING) {
        if (++s->drafting_rounds >= s->drafting_max) {
            /* The group's best draft goes to the plenary all the same. */
            if (parley__ev_begin(s, PARLEY_EVENT_DRAFT, PARLEY_VISIBLE_PUBLIC,
                                 -1, (long)s->unit)) {
                parley__jb_key(&s->jb, "agreed");
                parley__jb_bool(&s->jb, 0);
                emit_text(s, "text", s->text);
                parley__ev_end(s, PARLEY_EVENT_DRAFT, PARLEY_VISIBLE_PUBLIC,
                               -1, (long)s->unit);
            }
            s->stage = PARLEY__STAGE_PLENARY;
            s->phase = PARLEY_PHASE_ROUND;
            s->draft_pending = 1;
        }
        return;
    }
    if (s->stage_rounds >= r->rounds_per_cluster) {
        if (r->decision == PARLEY_DECIDE_NO_OBJECTION && s->adopt_round)
            close_unit(s, PARLEY__AGREED, "adopted");
        else
            close_unit(s, PARLEY__PARKED, "parked");
    }
}

static void integration_round(parley_session_t *s)
{
    const parley_rules_t *r = &s->plan->rules;
    uint64_t all = all_mask(s->P);
    if (s->round >= r->max_rounds) {
        deadline(s);
        return;
    }
    s->round++;
    if (!mediator_text(s))
        return;
    table_text(s, 1);
    if (!collect(s, all, 0))
        return;
    int accepted = process_answers(s, all);
    s->last_binding = s->round;
    s->adopt_round = adoptable(s, s->text) ? s->round : 0;
    update_best(s);
    if (accepted) {
        s->phase = PARLEY_PHASE_DECISION;
        return;
    }
    ask_concessions(s, s->short_set);
    if (ended(s))
        return;
    int n = parley__repair(s);
    if (n <= 0)
        return;
    if (parley__ev_begin(s, PARLEY_EVENT_REPAIR, PARLEY_VISIBLE_PUBLIC, -1,
                         -1)) {
        parley__jb_t *b = &s->jb;
        parley__jb_raw(b, ",\"changed\":[");
        int first = 1;
        for (size_t k = 0; k < s->K; k++)
            if (s->pkg2[k] != s->text[k]) {
                if (!first)
                    parley__jb_raw(b, ",");
                parley__jb_str(b, s->plan->pub->issues[k].id);
                first = 0;
            }
        parley__jb_raw(b, "]");
        emit_text(s, "text", s->pkg2);
        parley__ev_end(s, PARLEY_EVENT_REPAIR, PARLEY_VISIBLE_PUBLIC, -1, -1);
    }
    memcpy(s->text, s->pkg2, s->K * sizeof *s->text);
}

/* ---- stepping --------------------------------------------------------- */

parley_status_t parley_session_step(parley_session_t *s)
{
    if (!s)
        return PARLEY_EARG;
    if (ended(s))
        return PARLEY_OK;
    switch (s->phase) {
    case PARLEY_PHASE_SETUP:
        ev_session_open(s);
        s->phase = PARLEY_PHASE_DISCLOSURE;
        break;
    case PARLEY_PHASE_DISCLOSURE:
        do_disclosure(s);
        break;
    case PARLEY_PHASE_AGENDA:
        do_agenda(s);
        break;
    case PARLEY_PHASE_CLUSTER:
        open_unit(s);
        break;
    case PARLEY_PHASE_DRAFTING:
    case PARLEY_PHASE_ROUND:
        unit_round(s);
        break;
    case PARLEY_PHASE_INTEGRATION:
        integration_round(s);
        break;
    case PARLEY_PHASE_DECISION:
        agree(s);
        break;
    default:
        break;
    }
    if (s->error != PARLEY_OK) {
        end_impasse(s, "%s", s->error == PARLEY_ENOMEM
                                 ? "out of memory"
                                 : "driver failure");
        return s->error;
    }
    return PARLEY_OK;
}

parley_status_t parley_session_run(parley_session_t *s)
{
    if (!s)
        return PARLEY_EARG;
    while (!ended(s)) {
        parley_status_t st = parley_session_step(s);
        if (st != PARLEY_OK)
            return st;
    }
    return PARLEY_OK;
}
