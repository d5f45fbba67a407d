/*
 * events.c - the session's event log, one JSON object per event.
 *
 * docs/events.md is the schema.  Every event starts with the same four
 * keys in the same order (seq, round, kind, visibility), then "party" and
 * "cluster" where the event has them, then its own fields.  The log must be
 * byte-for-byte reproducible: keys in a fixed order, numbers as the
 * shortest decimal that reads back to the same double, ids and labels
 * instead of pointers, nothing from the clock or a hash table.
 *
 * Nothing is built when the session has no on_event callback: every emitter
 * asks parley__ev_begin() first and returns when it says no.  The buffer is
 * reused from event to event and only grows.
 */
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "process/process_internal.h"

void parley__jb_reset(parley__jb_t *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void parley__jb_free(parley__jb_t *b)
{
    parley__strbuf_free(b);
}

static void put(parley__jb_t *b, const char *str, size_t n)
{
    parley__strbuf_put(b, str, n);
}

void parley__jb_raw(parley__jb_t *b, const char *str)
{
    parley__strbuf_puts(b, str);
}

/* A missing string (NULL) is written as the empty one. */
void parley__jb_str(parley__jb_t *b, const char *str)
{
    parley__json_put_string(b, str ? str : "", "\n\t\r");
}

void parley__jb_key(parley__jb_t *b, const char *key)
{
    put(b, ",\"", 2);
    parley__jb_raw(b, key);
    put(b, "\":", 2);
}

void parley__jb_num(parley__jb_t *b, double x)
{
    if (parley__json_put_number(b, x) < 0)
        parley__jb_raw(b, "null"); /* JSON has no NaN or infinity */
}

void parley__jb_uint(parley__jb_t *b, uint64_t x)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)x);
    put(b, buf, (size_t)n);
}

void parley__jb_bool(parley__jb_t *b, int x)
{
    parley__jb_raw(b, x ? "true" : "false");
}

void parley__jb_text(parley__jb_t *b, const parley_scenario_t *pub,
                     const uint32_t *pkg)
{
    char label[64];
    put(b, "{", 1);
    for (size_t k = 0; k < pub->n_issues; k++) {
        if (k)
            put(b, ",", 1);
        parley__jb_str(b, pub->issues[k].id);
        put(b, ":", 1);
        parley_issue_option_label(&pub->issues[k], pkg[k], label,
                                  sizeof label);
        parley__jb_str(b, label);
    }
    put(b, "}", 1);
}

void parley__jb_rules(parley__jb_t *b, const parley_rules_t *r,
                      const parley_scenario_t *pub)
{
    (void)pub;
    parley__jb_raw(b, "{\"decision\":");
    parley__jb_str(b, parley_decision_name(r->decision));
    parley__jb_raw(b, ",\"veto\":{\"grounds\":[");
    int first = 1;
    for (unsigned g = 1; g <= PARLEY_VETO_RESERVATION; g <<= 1)
        if (r->veto_grounds & g) {
            if (!first)
                put(b, ",", 1);
            parley__jb_str(b, parley_veto_ground_name(g));
            first = 0;
        }
    parley__jb_raw(b, "],\"window\":");
    parley__jb_uint(b, r->veto_window);
    parley__jb_key(b, "budget");
    parley__jb_uint(b, r->veto_budget);
    parley__jb_raw(b, "},\"information\":{\"publish_counts\":");
    parley__jb_bool(b, r->publish_counts);
    parley__jb_key(b, "private_channels");
    parley__jb_bool(b, r->private_channels);
    parley__jb_raw(b, "},\"mediator\":{\"concept\":");
    parley__jb_str(b, parley_concept_name(r->concept));
    parley__jb_key(b, "lambda");
    parley__jb_num(b, r->lambda);
    if (r->has_floor) {
        parley__jb_key(b, "floor");
        parley__jb_num(b, r->floor);
    }
    parley__jb_key(b, "credit");
    parley__jb_num(b, r->credit);
    parley__jb_raw(b, "},\"agenda\":{\"policy\":");
    parley__jb_str(b, parley_agenda_policy_name(r->agenda));
    if (r->n_agenda_order) {
        parley__jb_raw(b, ",\"order\":[");
        for (size_t q = 0; q < r->n_agenda_order; q++) {
            if (q)
                put(b, ",", 1);
            parley__jb_str(b, r->agenda_order[q]);
        }
        put(b, "]", 1);
    }
    parley__jb_raw(b, "},\"working_groups\":{\"enabled\":");
    parley__jb_bool(b, r->working_groups);
    parley__jb_key(b, "salience");
    parley__jb_num(b, r->wg_salience);
    parley__jb_raw(b, "},\"pilots\":");
    parley__jb_bool(b, r->pilots);
    parley__jb_key(b, "guarantees");
    parley__jb_bool(b, r->guarantees);
    parley__jb_raw(b, ",\"concessions\":{\"max_step\":");
    parley__jb_num(b, r->max_step);
    parley__jb_key(b, "reciprocity");
    parley__jb_bool(b, r->reciprocity);
    parley__jb_raw(b, "},\"timetable\":{\"rounds_per_cluster\":");
    parley__jb_uint(b, r->rounds_per_cluster);
    parley__jb_key(b, "max_rounds");
    parley__jb_uint(b, r->max_rounds);
    parley__jb_raw(b, "}}");
}

static const char *const visibility_names[] = {"public", "party",
                                               "mediator"};

int parley__ev_begin(parley_session_t *s, parley_event_kind_t kind,
                     parley_visibility_t vis, long party_v, long unit)
{
    if (!s->opts.on_event)
        return 0;
    if (!(s->ev_kinds >> kind & 1)) {
        /* Left out, but numbered: a listener's seq stays the log's. */
        s->seq++;
        return 0;
    }
    parley__jb_t *b = &s->jb;
    parley__jb_reset(b);
    parley__jb_raw(b, "{\"seq\":");
    parley__jb_uint(b, s->seq);
    parley__jb_key(b, "round");
    parley__jb_uint(b, s->round);
    parley__jb_key(b, "kind");
    parley__jb_str(b, parley_event_name(kind));
    parley__jb_key(b, "visibility");
    parley__jb_str(b, visibility_names[vis]);
    if (party_v >= 0) {
        parley__jb_key(b, "party");
        parley__jb_str(
            b, s->plan->pub->parties[s->plan->vidx[party_v]].id);
    }
    if (unit >= 0) {
        parley__jb_key(b, "cluster");
        parley__jb_str(b, s->plan->units[unit].id);
    }
    return 1;
}

void parley__ev_end(parley_session_t *s, parley_event_kind_t kind,
                    parley_visibility_t vis, long party_v, long unit)
{
    parley__jb_t *b = &s->jb;
    parley__jb_raw(b, "}");
    if (b->oom) {
        /* A log with a hole would not be the session's log. */
        if (s->error == PARLEY_OK)
            s->error = PARLEY_ENOMEM;
        b->oom = 0;
        return;
    }
    parley_event_t ev;
    ev.kind = kind;
    ev.seq = s->seq++;
    ev.round = s->round;
    ev.visibility = vis;
    ev.party = party_v >= 0 ? (long)s->plan->vidx[party_v] : -1;
    ev.cluster = unit >= 0 ? s->plan->units[unit].cluster : -1;
    ev.json = b->s;
    s->opts.on_event(s->opts.event_ctx, &ev);
}
