/*
 * status_json.c - an agreement's status as one JSON object: the output of
 * `parley monitor status --json` and the reply of a live session's
 * "monitoring" read, written here once so that the two stay the same byte
 * for byte.  docs/monitoring.md describes the fields.
 */
#include "monitor/monitor_internal.h"
#include "parley/alloc.h"
#include "scenario/scenario_internal.h"

/* A PAM status by name, or null for a period nobody reported. */
static json_t *pam_json(parley_pam_t p)
{
    return p == PARLEY_PAM_NONE ? json_null() : json_string(parley_pam_name(p));
}

static json_t *commitment_json(const parley_commitment_status_t *c)
{
    json_t *periods = json_array();
    for (size_t k = 0; periods && k < c->n_periods; k++) {
        const parley_period_status_t *p = &c->periods[k];
        json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o}", "period",
                              p->period, "self", pam_json(p->self), "monitor",
                              pam_json(p->monitor), "verification",
                              pam_json(p->verification), "status",
                              pam_json(p->effective));
        if (o && p->has_value)
            json_object_set_new(o, "value", json_real(p->value));
        json_array_append_new(periods, o);
    }
    json_t *bench =
        c->bench == PARLEY_BENCH_NUMERIC
            ? json_pack("{s:s, s:s, s:f, s:s}", "kind", "numeric", "cmp",
                        c->cmp ? c->cmp : "", "target", c->target, "unit",
                        c->unit ? c->unit : "")
            : json_pack("{s:s}", "kind", "deliverable");
    return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:o, s:s, s:s, s:i, "
                     "s:s?, s:o, s:o, s:b, s:b, s:b, s:I}",
                     "id", c->id, "owner", c->owner, "issue", c->issue,
                     "cluster", c->cluster, "what", c->what, "verifier",
                     c->verifier, "benchmark", bench, "start", c->start,
                     "due", c->due, "period_months", (int)c->period_months,
                     "guarantee", c->guarantee, "periods", periods, "current",
                     pam_json(c->current), "overdue", c->overdue, "disputed",
                     c->disputed, "breached", c->breached,
                     "missing_self_reports", (json_int_t)c->missing_self);
}

static json_t *consequence_json(const parley_consequence_status_t *c)
{
    json_t *o = json_pack(
        "{s:s, s:{s:s, s:s}, s:s, s:{s:s, s:i}, s:s?, s:b}", "id", c->id,
        "on", "kind", c->on_guarantee ? "guarantee" : "commitment", "id",
        c->target, "kind", parley_consequence_kind_name(c->kind), "trigger",
        "kind", parley_consequence_trigger_name(c->trigger), "threshold",
        (int)c->threshold, "suspends", c->suspends, "applied",
        c->applied != 0);
    if (o && c->applied)
        json_object_update_new(o, json_pack("{s:I, s:s?, s:s}", "entry",
                                            (json_int_t)c->applied, "by",
                                            c->applied_by, "as_of",
                                            c->applied_as_of));
    return o;
}

parley_status_t parley_monitor_status_json(const parley_monitor_status_t *s,
                                           char **out)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!s)
        return PARLEY_EARG;
    parley__json_use_parley_alloc();
    json_t *cs = json_array(), *gs = json_array(), *ks = json_array();
    for (size_t i = 0; cs && i < s->n_commitments; i++)
        json_array_append_new(cs, commitment_json(&s->commitments[i]));
    for (size_t i = 0; gs && i < s->n_guarantees; i++) {
        const parley_guarantee_status_t *g = &s->guarantees[i];
        json_array_append_new(
            gs, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:i, s:I, s:b}", "id",
                          g->id, "guarantor", g->guarantor, "beneficiary",
                          g->beneficiary, "criteria", g->criteria, "state",
                          parley_guarantee_state_name(g->state), "streak",
                          (int)g->streak, "backing", (json_int_t)g->n_backing,
                          "suspended", g->suspended));
    }
    for (size_t i = 0; ks && i < s->n_consequences; i++)
        json_array_append_new(ks, consequence_json(&s->consequences[i]));
    json_t *text = s->text ? json_loads(s->text, 0, NULL) : NULL;
    json_t *o = cs && gs && ks
                    ? json_pack("{s:s, s:s, s:o, s:s, s:s, s:i, s:O, s:O, "
                                "s:O}",
                                "agreement", s->agreement, "scenario",
                                s->scenario, "text", text ? text : json_null(),
                                "agreed_on", s->agreed_on, "as_of", s->as_of,
                                "periods_required", (int)s->periods_required,
                                "commitments", cs, "guarantees", gs,
                                "consequences", ks)
                    : NULL;
    if (!o)
        json_decref(text);
    json_decref(cs);
    json_decref(gs);
    json_decref(ks);
    *out = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    /* jansson drops a member silently when memory runs out. */
    if (*out && parley__json_alloc_failed()) {
        parley_free(*out);
        *out = NULL;
    }
    return *out ? PARLEY_OK : PARLEY_ENOMEM;
}
