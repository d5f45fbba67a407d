/*
 * rules.c - session rules and guarantees: defaults, copies, names, checks.
 *
 * The checks are the single statement of which rules make sense for a
 * scenario.  They report through a callback with the JSON path the field has
 * in the file format (docs/rules.md), so that the scenario reader can add
 * line and column, and parley_rules_check() can report to a diagnostics
 * list.  Agenda units are defined here too, since the agenda check, the
 * deadline check and the engine must agree on them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/model.h"
#include "parley/rules.h"
#include "process/process_internal.h"

/* ---- defaults, copies, equality --------------------------------------- */

void parley_rules_init(parley_rules_t *r)
{
    memset(r, 0, sizeof *r);
    r->decision = PARLEY_DECIDE_UNANIMITY;
    r->veto_grounds = PARLEY_VETO_RED_LINE | PARLEY_VETO_RESERVATION;
    r->veto_window = 1;
    r->veto_budget = 2;
    r->publish_counts = 1;
    r->private_channels = 1;
    r->guarantees = 1;
    r->working_groups = 1;
    r->wg_salience = 0.15;
    r->pilots = 1;
    r->concept = PARLEY_CONCEPT_MEDIATED;
    r->lambda = 0.5;
    r->has_floor = 0;
    r->floor = 0;
    r->credit = 0.05;
    r->agenda = PARLEY_AGENDA_EASY_FIRST;
    r->n_agenda_order = 0;
    r->agenda_order = NULL;
    r->max_step = 0.1;
    r->reciprocity = 1;
    r->rounds_per_cluster = 8;
    r->max_rounds = 60;
}

void parley_rules_clear(parley_rules_t *r)
{
    if (!r)
        return;
    for (size_t q = 0; q < r->n_agenda_order && r->agenda_order; q++)
        parley_free(r->agenda_order[q]);
    parley_free(r->agenda_order);
    r->agenda_order = NULL;
    r->n_agenda_order = 0;
}

parley_status_t parley_rules_copy(parley_rules_t *dst,
                                  const parley_rules_t *src)
{
    if (!dst || !src)
        return PARLEY_EARG;
    *dst = *src;
    dst->agenda_order = NULL;
    dst->n_agenda_order = 0;
    if (src->n_agenda_order == 0)
        return PARLEY_OK;
    dst->agenda_order =
        parley_calloc(src->n_agenda_order, sizeof *dst->agenda_order);
    if (!dst->agenda_order)
        return PARLEY_ENOMEM;
    dst->n_agenda_order = src->n_agenda_order;
    for (size_t q = 0; q < src->n_agenda_order; q++) {
        if (!src->agenda_order[q])
            continue;
        dst->agenda_order[q] = parley_strdup(src->agenda_order[q]);
        if (!dst->agenda_order[q]) {
            parley_rules_clear(dst);
            return PARLEY_ENOMEM;
        }
    }
    return PARLEY_OK;
}

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int parley_rules_equal(const parley_rules_t *a, const parley_rules_t *b)
{
    if (!a || !b)
        return a == b;
    if (a->decision != b->decision || a->veto_grounds != b->veto_grounds ||
        a->veto_window != b->veto_window || a->veto_budget != b->veto_budget ||
        a->publish_counts != b->publish_counts ||
        a->private_channels != b->private_channels ||
        a->guarantees != b->guarantees ||
        a->working_groups != b->working_groups ||
        a->wg_salience != b->wg_salience || a->pilots != b->pilots ||
        a->concept != b->concept || a->lambda != b->lambda ||
        a->has_floor != b->has_floor ||
        (a->has_floor && a->floor != b->floor) || a->credit != b->credit ||
        a->agenda != b->agenda || a->n_agenda_order != b->n_agenda_order ||
        a->max_step != b->max_step || a->reciprocity != b->reciprocity ||
        a->rounds_per_cluster != b->rounds_per_cluster ||
        a->max_rounds != b->max_rounds)
        return 0;
    for (size_t q = 0; q < a->n_agenda_order; q++)
        if (!str_eq(a->agenda_order[q], b->agenda_order[q]))
            return 0;
    return 1;
}

void parley_rules_of(const parley_scenario_t *sc, parley_rules_t *out)
{
    if (sc && sc->rules)
        *out = *sc->rules;
    else
        parley_rules_init(out);
}

/* ---- names ------------------------------------------------------------ */

static int name_index(const char *const *names, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static const char *const decision_names[] = {"unanimity", "no_objection",
                                             NULL};
static const char *const agenda_names[] = {"easy_first", "given",
                                           "hard_first", "all_at_once", NULL};
static const char *const guarantee_kind_names[] = {"security", "economic",
                                                   "monitoring", NULL};

const char *parley_decision_name(parley_decision_rule_t d)
{
    return (unsigned)d < 2 ? decision_names[d] : "?";
}

int parley_decision_from_name(const char *name)
{
    return name_index(decision_names, name);
}

const char *parley_agenda_policy_name(parley_agenda_policy_t a)
{
    return (unsigned)a < 4 ? agenda_names[a] : "?";
}

int parley_agenda_policy_from_name(const char *name)
{
    return name_index(agenda_names, name);
}

const char *parley_veto_ground_name(unsigned ground)
{
    switch (ground) {
    case PARLEY_VETO_RED_LINE:
        return "red_line";
    case PARLEY_VETO_RESERVATION:
        return "reservation";
    }
    return "?";
}

const char *parley_guarantee_kind_name(parley_guarantee_kind_t k)
{
    return (unsigned)k < 3 ? guarantee_kind_names[k] : "?";
}

int parley_guarantee_kind_from_name(const char *name)
{
    return name_index(guarantee_kind_names, name);
}

/* ---- agenda units ----------------------------------------------------- */

size_t parley_rules_agenda_units(const parley_rules_t *rules,
                                 const parley_scenario_t *sc)
{
    if (!sc || sc->n_issues == 0)
        return 0;
    if (rules && rules->agenda == PARLEY_AGENDA_ALL_AT_ONCE)
        return 1;
    size_t n = sc->n_clusters;
    for (size_t k = 0; k < sc->n_issues; k++)
        if (sc->issues[k].cluster < 0 ||
            (size_t)sc->issues[k].cluster >= sc->n_clusters)
            n++;
    return n;
}

unsigned parley_rules_min_rounds(const parley_rules_t *rules,
                                 const parley_scenario_t *sc)
{
    parley_rules_t def;
    if (!rules) {
        parley_rules_init(&def);
        rules = &def;
    }
    size_t units = parley_rules_agenda_units(rules, sc);
    double need = (double)units * (1.0 + (rules->pilots ? 1.0 : 0.0)) +
                  (units > 1 ? 1.0 : 0.0);
    return need > 4e9 ? 4000000000u : (unsigned)need;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

parley_status_t parley__units_build(const parley_rules_t *rules,
                                    const parley_scenario_t *sc,
                                    parley__unit_t *units, size_t n)
{
    memset(units, 0, n * sizeof *units);
    if (n == 0)
        return PARLEY_OK;
    if (rules->agenda == PARLEY_AGENDA_ALL_AT_ONCE) {
        units[0].cluster = -1;
        units[0].id = "all";
        units[0].issues = parley_calloc(sc->n_issues, sizeof(size_t));
        if (!units[0].issues)
            return PARLEY_ENOMEM;
        units[0].n_issues = sc->n_issues;
        for (size_t k = 0; k < sc->n_issues; k++)
            units[0].issues[k] = k;
    } else {
        size_t u = 0;
        for (size_t q = 0; q < sc->n_clusters && u < n; q++, u++) {
            const parley_cluster_t *cl = &sc->clusters[q];
            units[u].cluster = (long)q;
            units[u].id = cl->id;
            units[u].issues =
                parley_calloc(cl->n_issues ? cl->n_issues : 1, sizeof(size_t));
            if (!units[u].issues) {
                parley__units_clear(units, n);
                return PARLEY_ENOMEM;
            }
            units[u].n_issues = cl->n_issues;
            memcpy(units[u].issues, cl->issues,
                   cl->n_issues * sizeof(size_t));
            qsort(units[u].issues, cl->n_issues, sizeof(size_t), cmp_size);
        }
        for (size_t k = 0; k < sc->n_issues && u < n; k++) {
            long c = sc->issues[k].cluster;
            if (c >= 0 && (size_t)c < sc->n_clusters)
                continue;
            units[u].cluster = -1;
            units[u].id = sc->issues[k].id;
            units[u].issues = parley_malloc(sizeof(size_t));
            if (!units[u].issues) {
                parley__units_clear(units, n);
                return PARLEY_ENOMEM;
            }
            units[u].issues[0] = k;
            units[u].n_issues = 1;
            u++;
        }
    }
    for (size_t u = 0; u < n; u++) {
        double c = 1;
        for (size_t m = 0; m < units[u].n_issues; m++)
            c *= (double)sc->issues[units[u].issues[m]].n_options;
        units[u].n_candidates = c;
    }
    return PARLEY_OK;
}

void parley__units_clear(parley__unit_t *units, size_t n)
{
    for (size_t u = 0; units && u < n; u++) {
        parley_free(units[u].issues);
        units[u].issues = NULL;
        units[u].n_issues = 0;
    }
}

/* ---- guarantees ------------------------------------------------------- */

static void red_line_clear(parley_red_line_t *rl)
{
    parley_free(rl->options);
    parley_free(rl->note);
}

void parley_guarantees_free(parley_guarantee_t *g, size_t n)
{
    if (!g)
        return;
    for (size_t t = 0; t < n; t++) {
        parley_free(g[t].id);
        parley_free(g[t].criteria);
        for (size_t c = 0; c < g[t].n_conditions && g[t].conditions; c++)
            red_line_clear(&g[t].conditions[c]);
        parley_free(g[t].conditions);
    }
    parley_free(g);
}

static parley_status_t red_line_copy(parley_red_line_t *dst,
                                     const parley_red_line_t *src)
{
    *dst = *src;
    dst->options = NULL;
    dst->note = NULL;
    if (src->n_options) {
        dst->options = parley_calloc(src->n_options, sizeof *dst->options);
        if (!dst->options)
            return PARLEY_ENOMEM;
        memcpy(dst->options, src->options,
               src->n_options * sizeof *dst->options);
    }
    if (src->note && !(dst->note = parley_strdup(src->note)))
        return PARLEY_ENOMEM;
    return PARLEY_OK;
}

parley_status_t parley_guarantees_copy(const parley_guarantee_t *g, size_t n,
                                       parley_guarantee_t **out)
{
    *out = NULL;
    if (n == 0)
        return PARLEY_OK;
    parley_guarantee_t *c = parley_calloc(n, sizeof *c);
    if (!c)
        return PARLEY_ENOMEM;
    for (size_t t = 0; t < n; t++) {
        c[t] = g[t];
        c[t].id = NULL;
        c[t].criteria = NULL;
        c[t].conditions = NULL;
        c[t].n_conditions = 0;
        int bad = (g[t].id && !(c[t].id = parley_strdup(g[t].id))) ||
                  (g[t].criteria &&
                   !(c[t].criteria = parley_strdup(g[t].criteria)));
        if (!bad && g[t].n_conditions) {
            c[t].conditions =
                parley_calloc(g[t].n_conditions, sizeof *c[t].conditions);
            bad = !c[t].conditions;
            for (size_t q = 0; !bad && q < g[t].n_conditions; q++) {
                c[t].n_conditions = q + 1;
                bad = red_line_copy(&c[t].conditions[q],
                                    &g[t].conditions[q]) != PARLEY_OK;
            }
        }
        if (bad) {
            parley_guarantees_free(c, t + 1);
            return PARLEY_ENOMEM;
        }
    }
    *out = c;
    return PARLEY_OK;
}

int parley_guarantee_applies(const parley_guarantee_t *g,
                             const parley_scenario_t *sc, const uint32_t *pkg)
{
    for (size_t c = 0; c < g->n_conditions; c++) {
        const parley_red_line_t *rl = &g->conditions[c];
        if (rl->issue >= sc->n_issues ||
            !parley_red_line_allows(&sc->issues[rl->issue], rl,
                                    pkg[rl->issue]))
            return 0;
    }
    return 1;
}

static int red_line_eq(const parley_red_line_t *x, const parley_red_line_t *y)
{
    if (x->issue != y->issue || x->op != y->op || x->value != y->value ||
        x->n_options != y->n_options || !str_eq(x->note, y->note))
        return 0;
    for (size_t m = 0; m < x->n_options; m++)
        if (x->options[m] != y->options[m])
            return 0;
    return 1;
}

static int guarantee_eq(const parley_guarantee_t *a,
                        const parley_guarantee_t *b)
{
    if (!str_eq(a->id, b->id) || a->guarantor != b->guarantor ||
        a->beneficiary != b->beneficiary || a->kind != b->kind ||
        a->credibility != b->credibility || a->value != b->value ||
        a->n_conditions != b->n_conditions ||
        !str_eq(a->criteria, b->criteria))
        return 0;
    for (size_t c = 0; c < a->n_conditions; c++)
        if (!red_line_eq(&a->conditions[c], &b->conditions[c]))
            return 0;
    return 1;
}

void parley__scenario_free_process(parley_scenario_t *sc)
{
    if (sc->rules) {
        parley_rules_clear(sc->rules);
        parley_free(sc->rules);
        sc->rules = NULL;
    }
    parley_guarantees_free(sc->guarantees, sc->n_guarantees);
    sc->guarantees = NULL;
    sc->n_guarantees = 0;
}

int parley__scenario_equal_process(const parley_scenario_t *a,
                                   const parley_scenario_t *b)
{
    if (!parley_rules_equal(a->rules, b->rules))
        return 0;
    if (a->n_guarantees != b->n_guarantees)
        return 0;
    for (size_t t = 0; t < a->n_guarantees; t++)
        if (!guarantee_eq(&a->guarantees[t], &b->guarantees[t]))
            return 0;
    return 1;
}

/* ---- checks ----------------------------------------------------------- */

typedef struct rchk {
    parley__report_fn report;
    void *ctx;
    const parley_scenario_t *sc;
    parley__path_t path;
    parley_status_t first;
} rchk_t;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void fail(rchk_t *c, parley_status_t code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->first == PARLEY_OK)
        c->first = code;
    c->report(c->ctx, PARLEY_SEVERITY_ERROR, code, c->path.buf, msg);
}

/* Reports at $.rules.<group>.<key> (group may be NULL). */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void fail_at(rchk_t *c, const char *group, const char *key,
                    parley_status_t code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t l0 = parley__path_key(&c->path, "rules");
    if (group)
        parley__path_key(&c->path, group);
    if (key)
        parley__path_key(&c->path, key);
    if (c->first == PARLEY_OK)
        c->first = code;
    c->report(c->ctx, PARLEY_SEVERITY_ERROR, code, c->path.buf, msg);
    parley__path_pop(&c->path, l0);
}

static int unit01(double x)
{
    return isfinite(x) && x >= 0 && x <= 1;
}

/* Index of the agenda unit called `id`, or -1. */
static long unit_of_id(const parley_scenario_t *sc, const char *id)
{
    if (!id)
        return -1;
    for (size_t q = 0; q < sc->n_clusters; q++)
        if (sc->clusters[q].id && strcmp(sc->clusters[q].id, id) == 0)
            return (long)q;
    long u = (long)sc->n_clusters;
    for (size_t k = 0; k < sc->n_issues; k++) {
        long cl = sc->issues[k].cluster;
        if (cl >= 0 && (size_t)cl < sc->n_clusters)
            continue;
        if (sc->issues[k].id && strcmp(sc->issues[k].id, id) == 0)
            return u;
        u++;
    }
    return -1;
}

static void check_agenda(rchk_t *c, const parley_rules_t *r)
{
    const parley_scenario_t *sc = c->sc;
    if ((unsigned)r->agenda > PARLEY_AGENDA_ALL_AT_ONCE) {
        fail_at(c, "agenda", "policy", PARLEY_EINVALID,
                "unknown agenda policy %d; expected one of easy_first, "
                "given, hard_first, all_at_once",
                (int)r->agenda);
        return;
    }
    if (r->agenda != PARLEY_AGENDA_GIVEN) {
        if (r->n_agenda_order)
            fail_at(c, "agenda", "order", PARLEY_EINVALID,
                    "an agenda order is given but the policy is %s; the "
                    "order is used only with policy \"given\"",
                    parley_agenda_policy_name(r->agenda));
        return;
    }
    size_t units = parley_rules_agenda_units(r, sc);
    if (r->n_agenda_order == 0 || !r->agenda_order) {
        fail_at(c, "agenda", "order", PARLEY_EMISSING,
                "policy \"given\" needs an order listing all %zu agenda "
                "units (clusters, and issues no cluster names), found none",
                units);
        return;
    }
    unsigned char seen[PARLEY_MAX_ISSUES * 2];
    memset(seen, 0, sizeof seen);
    size_t l0 = parley__path_key(&c->path, "rules");
    parley__path_key(&c->path, "agenda");
    parley__path_key(&c->path, "order");
    for (size_t q = 0; q < r->n_agenda_order; q++) {
        size_t l1 = parley__path_index(&c->path, q);
        const char *id = r->agenda_order[q];
        long u = unit_of_id(sc, id);
        if (u < 0 || (size_t)u >= sizeof seen)
            fail(c, PARLEY_EINVALID,
                 "unknown agenda unit '%.100s'; name a cluster, or an issue "
                 "that no cluster names",
                 id ? id : "(null)");
        else if (seen[u]++)
            fail(c, PARLEY_EDUPLICATE,
                 "agenda unit '%.100s' is listed twice; each unit comes once",
                 id);
        parley__path_pop(&c->path, l1);
    }
    char missing[256];
    size_t used = 0, n_missing = 0;
    missing[0] = '\0';
    for (size_t u = 0; u < units && u < sizeof seen; u++) {
        if (seen[u])
            continue;
        const char *id = NULL;
        if (u < sc->n_clusters) {
            id = sc->clusters[u].id;
        } else {
            size_t v = sc->n_clusters;
            for (size_t k = 0; k < sc->n_issues; k++) {
                long cl = sc->issues[k].cluster;
                if (cl >= 0 && (size_t)cl < sc->n_clusters)
                    continue;
                if (v++ == u) {
                    id = sc->issues[k].id;
                    break;
                }
            }
        }
        n_missing++;
        if (used < 200)
            used += (size_t)snprintf(missing + used, sizeof missing - used,
                                     "%s'%.60s'", used ? ", " : "",
                                     id ? id : "?");
    }
    if (n_missing)
        fail(c, PARLEY_EMISSING,
             "the agenda order misses %zu unit%s: %s; a given order lists "
             "every cluster and every issue no cluster names",
             n_missing, n_missing == 1 ? "" : "s", missing);
    parley__path_pop(&c->path, l0);
}

static void check_rules(rchk_t *c, const parley_rules_t *r)
{
    const parley_scenario_t *sc = c->sc;
    if ((unsigned)r->decision > PARLEY_DECIDE_NO_OBJECTION)
        fail_at(c, NULL, "decision", PARLEY_EINVALID,
                "unknown decision rule %d; expected unanimity or "
                "no_objection",
                (int)r->decision);
    unsigned known = PARLEY_VETO_RED_LINE | PARLEY_VETO_RESERVATION;
    if (r->veto_grounds & ~known)
        fail_at(c, "veto", "grounds", PARLEY_EINVALID,
                "unknown veto ground bits 0x%x; the grounds are red_line "
                "and reservation",
                r->veto_grounds & ~known);
    if ((r->veto_grounds & known) && r->veto_budget > 0 &&
        r->veto_window == 0)
        fail_at(c, "veto", "window", PARLEY_EINVALID,
                "vetoes are allowed (grounds given, budget %u) but the "
                "review window is 0 rounds, so every veto would be late; "
                "give a window >= 1, or a budget of 0",
                r->veto_budget);
    if ((unsigned)r->concept >= PARLEY_CONCEPT_COUNT)
        fail_at(c, "mediator", "concept", PARLEY_EINVALID,
                "unknown solution concept %d; expected one of utilitarian, "
                "nash, power_nash, ks, egalitarian, mediated",
                (int)r->concept);
    if (!unit01(r->lambda))
        fail_at(c, "mediator", "lambda", PARLEY_ERANGE,
                "lambda must be in [0, 1] (0 = power_nash, 1 = nash), got "
                "%g",
                r->lambda);
    if (r->has_floor) {
        if (!unit01(r->floor))
            fail_at(c, "mediator", "floor", PARLEY_ERANGE,
                    "floor must be in [0, 1] (a normalized gain), got %g",
                    r->floor);
        else if (r->concept != PARLEY_CONCEPT_MEDIATED &&
                 (unsigned)r->concept < PARLEY_CONCEPT_COUNT)
            fail_at(c, "mediator", "floor", PARLEY_EINVALID,
                    "a floor applies to the mediated concept only, but the "
                    "concept is %s",
                    parley_concept_name(r->concept));
    }
    if (!unit01(r->credit))
        fail_at(c, "mediator", "credit", PARLEY_ERANGE,
                "credit must be in [0, 1] (weight added per constructive "
                "act), got %g",
                r->credit);
    if (!unit01(r->wg_salience))
        fail_at(c, "working_groups", "salience", PARLEY_ERANGE,
                "salience must be in [0, 1] (a party's total weight on the "
                "cluster's issues), got %g",
                r->wg_salience);
    if (!(isfinite(r->max_step) && r->max_step > 0 && r->max_step <= 1))
        fail_at(c, "concessions", "max_step", PARLEY_ERANGE,
                "max_step must be in (0, 1]: a concession of 0 never moves "
                "and utilities lie in [0, 1]; got %g",
                r->max_step);
    check_agenda(c, r);
    unsigned per_cluster_min =
        1u + (r->pilots ? 1u : 0u) + (r->working_groups ? 1u : 0u);
    if (r->rounds_per_cluster == 0)
        fail_at(c, "timetable", "rounds_per_cluster", PARLEY_ERANGE,
                "rounds_per_cluster must be at least 1, got 0");
    else if (r->rounds_per_cluster < per_cluster_min)
        fail_at(c, "timetable", "rounds_per_cluster", PARLEY_EINVALID,
                "rounds_per_cluster %u cannot hold a cluster's %s%s plenary "
                "round; it needs at least %u",
                r->rounds_per_cluster, r->pilots ? "pilot, " : "",
                r->working_groups ? "drafting round and" : "",
                per_cluster_min);
    unsigned need = parley_rules_min_rounds(r, sc);
    if (r->max_rounds == 0)
        fail_at(c, "timetable", "max_rounds", PARLEY_ERANGE,
                "max_rounds (the deadline) must be at least 1, got 0");
    else if (r->max_rounds > PARLEY_MAX_ROUNDS)
        fail_at(c, "timetable", "max_rounds", PARLEY_ELIMIT,
                "max_rounds %u is beyond the limit of %u rounds",
                r->max_rounds, PARLEY_MAX_ROUNDS);
    else if ((unsigned)r->agenda <= PARLEY_AGENDA_ALL_AT_ONCE &&
             r->max_rounds < need) {
        size_t units = parley_rules_agenda_units(r, sc);
        fail_at(c, "timetable", "max_rounds", PARLEY_EINVALID,
                "the deadline of %u rounds cannot fit the agenda: %zu "
                "unit%s need at least %u rounds (%s%s)",
                r->max_rounds, units, units == 1 ? "" : "s", need,
                r->pilots ? "a pilot and a binding round each"
                          : "a binding round each",
                units > 1 ? ", and one to integrate" : "");
    }
}

static void check_condition(rchk_t *c, const parley_red_line_t *rl)
{
    const parley_scenario_t *sc = c->sc;
    if (rl->issue >= sc->n_issues) {
        size_t l = parley__path_key(&c->path, "issue");
        fail(c, PARLEY_EINVALID,
             "condition on unknown issue #%zu; the scenario has %zu issues",
             rl->issue, sc->n_issues);
        parley__path_pop(&c->path, l);
        return;
    }
    const parley_issue_t *is = &sc->issues[rl->issue];
    if ((unsigned)rl->op > PARLEY_CMP_NOT_IN ||
        !parley__cmp_fits(is->kind, rl->op)) {
        size_t l = parley__path_key(&c->path, "op");
        fail(c, PARLEY_EINVALID,
             "operator does not apply to %s issue '%s'; use one of %s",
             parley__issue_kind_name(is->kind), is->id,
             parley__cmp_allowed(is->kind));
        parley__path_pop(&c->path, l);
        return;
    }
    size_t l = parley__path_key(&c->path, "value");
    if (is->kind != PARLEY_ISSUE_DISCRETE) {
        if (!isfinite(rl->value))
            fail(c, PARLEY_EINVALID, "the value must be a finite number");
    } else if (rl->n_options == 0 || !rl->options) {
        fail(c, PARLEY_EINVALID,
             "a condition on discrete issue '%s' names at least one option",
             is->id);
    } else {
        for (size_t m = 0; m < rl->n_options; m++) {
            if (rl->options[m] >= is->n_options) {
                fail(c, PARLEY_EINVALID,
                     "option #%zu of issue '%s' does not exist (%zu options)",
                     rl->options[m], is->id, is->n_options);
                break;
            }
            size_t q = 0;
            while (q < m && rl->options[q] != rl->options[m])
                q++;
            if (q < m) {
                fail(c, PARLEY_EDUPLICATE,
                     "option '%s' of issue '%s' is listed twice",
                     is->options ? is->options[rl->options[m]] : "?", is->id);
                break;
            }
        }
    }
    parley__path_pop(&c->path, l);
}

static void check_guarantees(rchk_t *c)
{
    const parley_scenario_t *sc = c->sc;
    if (sc->n_guarantees == 0)
        return;
    size_t l0 = parley__path_key(&c->path, "guarantees");
    if (!sc->guarantees) {
        fail(c, PARLEY_EARG, "a list is announced but absent");
        parley__path_pop(&c->path, l0);
        return;
    }
    if (sc->n_guarantees > PARLEY_MAX_GUARANTEES)
        fail(c, PARLEY_ELIMIT, "%zu guarantees, more than the limit of %d",
             sc->n_guarantees, PARLEY_MAX_GUARANTEES);
    for (size_t t = 0; t < sc->n_guarantees; t++) {
        const parley_guarantee_t *g = &sc->guarantees[t];
        size_t l1 = parley__path_index(&c->path, t);
        size_t l2 = parley__path_key(&c->path, "id");
        if (!g->id || !g->id[0])
            fail(c, PARLEY_EMISSING, "a guarantee needs a non-empty id");
        else
            for (size_t u = 0; u < t; u++)
                if (str_eq(sc->guarantees[u].id, g->id)) {
                    fail(c, PARLEY_EDUPLICATE,
                         "duplicate guarantee id '%s' (also "
                         "$.guarantees[%zu])",
                         g->id, u);
                    break;
                }
        parley__path_pop(&c->path, l2);
        l2 = parley__path_key(&c->path, "guarantor");
        if (g->guarantor >= sc->n_parties)
            fail(c, PARLEY_EINVALID,
                 "the guarantor is an unknown party (#%zu of %zu)",
                 g->guarantor, sc->n_parties);
        else if (sc->parties[g->guarantor].role != PARLEY_ROLE_GUARANTOR)
            fail(c, PARLEY_EINVALID,
                 "the guarantor '%s' has role %s; a guarantee is offered by "
                 "a party with role guarantor",
                 sc->parties[g->guarantor].id,
                 parley_role_name(sc->parties[g->guarantor].role));
        parley__path_pop(&c->path, l2);
        l2 = parley__path_key(&c->path, "beneficiary");
        if (g->beneficiary >= sc->n_parties)
            fail(c, PARLEY_EINVALID,
                 "the beneficiary is an unknown party (#%zu of %zu)",
                 g->beneficiary, sc->n_parties);
        else if (sc->parties[g->beneficiary].role != PARLEY_ROLE_PARTY)
            fail(c, PARLEY_EINVALID,
                 "the beneficiary '%s' has role %s; a guarantee benefits a "
                 "negotiating party (role party)",
                 sc->parties[g->beneficiary].id,
                 parley_role_name(sc->parties[g->beneficiary].role));
        parley__path_pop(&c->path, l2);
        if ((unsigned)g->kind > PARLEY_GUARANTEE_MONITORING) {
            l2 = parley__path_key(&c->path, "kind");
            fail(c, PARLEY_EINVALID,
                 "unknown guarantee kind %d; expected security, economic or "
                 "monitoring",
                 (int)g->kind);
            parley__path_pop(&c->path, l2);
        }
        if (!unit01(g->credibility)) {
            l2 = parley__path_key(&c->path, "credibility");
            fail(c, PARLEY_ERANGE, "credibility must be in [0, 1], got %g",
                 g->credibility);
            parley__path_pop(&c->path, l2);
        }
        if (!unit01(g->value)) {
            l2 = parley__path_key(&c->path, "value");
            fail(c, PARLEY_ERANGE,
                 "value must be in [0, 1] (utility to the beneficiary), got "
                 "%g",
                 g->value);
            parley__path_pop(&c->path, l2);
        }
        if (g->criteria && !parley__utf8_valid(g->criteria)) {
            l2 = parley__path_key(&c->path, "criteria");
            fail(c, PARLEY_EINVALID, "text is not valid UTF-8");
            parley__path_pop(&c->path, l2);
        }
        if (g->n_conditions && !g->conditions) {
            fail(c, PARLEY_EARG, "conditions are announced but absent");
        } else {
            l2 = parley__path_key(&c->path, "conditions");
            for (size_t q = 0; q < g->n_conditions; q++) {
                size_t l3 = parley__path_index(&c->path, q);
                check_condition(c, &g->conditions[q]);
                parley__path_pop(&c->path, l3);
            }
            parley__path_pop(&c->path, l2);
        }
        parley__path_pop(&c->path, l1);
    }
    parley__path_pop(&c->path, l0);
}

parley_status_t parley__rules_check(const parley_rules_t *rules,
                                    const parley_scenario_t *sc,
                                    int guarantees, parley__report_fn report,
                                    void *ctx)
{
    rchk_t c;
    memset(&c, 0, sizeof c);
    c.report = report;
    c.ctx = ctx;
    c.sc = sc;
    parley__path_init(&c.path);
    if (rules)
        check_rules(&c, rules);
    if (guarantees)
        check_guarantees(&c);
    return c.first;
}

parley_status_t parley_rules_check(const parley_rules_t *rules,
                                   const parley_scenario_t *sc,
                                   const char *file, parley_diags_t *diags)
{
    if (!rules || !sc)
        return PARLEY_EARG;
    parley__diags_sink_t pc = {file ? file : "", diags};
    return parley__rules_check(rules, sc, 1, parley__diags_report, &pc);
}
