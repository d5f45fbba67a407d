/*
 * read.c - what each principal may read of a live session (live.h).
 *
 * Visibility is decided per event from the engine's own marking: public
 * events go to everyone of the session, party events to the mediator and
 * that party, mediator events to the mediator only.  A party's view, its
 * profile and its concerns come from its own inputs; nothing another
 * party put in is ever copied into a party's reply.  Event lines are
 * copied byte for byte (they are the session's log), everything else is
 * built with jansson.
 */
#include <string.h>
#include <time.h>

#include "live/live_internal.h"
#include "monitor/monitor_internal.h"
#include "parley/alloc.h"

/* The scenario index of a party principal, or -1. */
static long own_party(const parley__live_session_t *S,
                      const parley_principal_t *by)
{
    if (by->mediator || by->role != PARLEY_ROLE_PARTY)
        return -1;
    for (size_t i = 0; i < S->pub->n_parties; i++)
        if (strcmp(S->pub->parties[i].id, by->actor) == 0 &&
            S->pub->parties[i].role == PARLEY_ROLE_PARTY)
            return (long)i;
    return -1;
}

static int may_see(const parley__live_event_t *e, const parley_principal_t *by,
                   long party)
{
    if (by->mediator || e->vis == PARLEY_VISIBLE_PUBLIC)
        return 1;
    return e->vis == PARLEY_VISIBLE_PARTY && party >= 0 && e->party == party;
}

static parley_status_t denied(parley_diags_t *diags, const char *what)
{
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EDENIED, "", 0, 0,
                     "", "%s", what);
    return PARLEY_EDENIED;
}

static char *dump(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* The current text (labels object) from the latest event carrying one. */
static json_t *current_text(const parley__live_session_t *S, unsigned *round,
                            int *pending)
{
    const char *line = S->now.pending_text;
    *pending = line != NULL;
    for (size_t e = S->now.n_ev; !line && e-- > 0;) {
        parley_event_kind_t k = S->now.ev[e].kind;
        if (k == PARLEY_EVENT_TEXT || k == PARLEY_EVENT_PILOT ||
            k == PARLEY_EVENT_REPAIR || k == PARLEY_EVENT_INTEGRATION ||
            k == PARLEY_EVENT_AGREEMENT || k == PARLEY_EVENT_DRAFT ||
            k == PARLEY_EVENT_CLUSTER_SETTLED)
            line = S->now.ev[e].json;
    }
    if (!line)
        return NULL;
    json_t *ev = json_loads(line, 0, NULL);
    json_t *t = json_incref(json_object_get(ev, "text"));
    *round = (unsigned)json_integer_value(json_object_get(ev, "round"));
    json_decref(ev);
    return t;
}

/* Labels back to option indices; 0 when a label is unknown. */
static int text_package(const parley_scenario_t *sc, const json_t *labels,
                        uint32_t *pkg)
{
    char buf[64];
    for (size_t k = 0; k < sc->n_issues; k++) {
        const char *want =
            json_string_value(json_object_get(labels, sc->issues[k].id));
        size_t j = 0;
        for (; want && j < sc->issues[k].n_options; j++) {
            parley_issue_option_label(&sc->issues[k], j, buf, sizeof buf);
            if (strcmp(buf, want) == 0)
                break;
        }
        if (!want || j == sc->issues[k].n_options)
            return 0;
        pkg[k] = (uint32_t)j;
    }
    return 1;
}

/* Adds the events of `kind` that by may see as raw lines to array a. */
static int add_events(json_t *a, const parley__live_session_t *S,
                      parley_event_kind_t kind)
{
    for (size_t e = 0; e < S->now.n_ev; e++) {
        if (S->now.ev[e].kind != kind)
            continue;
        json_t *x = json_loads(S->now.ev[e].json, 0, NULL);
        if (!x || json_array_append_new(a, x))
            return -1;
    }
    return 0;
}

/* Drops the timings: a state reads the same on every replay. */
static void drop_timings(json_t *v)
{
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_del(v, "seconds");
        json_object_foreach(v, key, x)
            drop_timings(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            drop_timings(x);
    }
}

static parley_status_t mediator_analysis(parley__live_session_t *S)
{
    if (S->analysis_json || !S->full)
        return PARLEY_OK;
    parley_status_t st = PARLEY_OK;
    if (!S->model)
        st = parley_model_new(S->full, &S->model, NULL);
    if (st == PARLEY_OK && !S->analysis)
        st = parley_analyze(S->model, NULL, &S->analysis, NULL);
    if (st == PARLEY_OK)
        st = parley_analysis_to_json(S->analysis, S->model, S->full, 1,
                                     &S->analysis_json);
    /* Nothing feasible: the state says so instead of failing. */
    return st == PARLEY_ENOMEM ? st : PARLEY_OK;
}

/*
 * While "propose" is awaited, what the mediator may table: {"open_issues":
 * [ids], "suggested": {id: label} (the engine's choice for them),
 * "options": {id: [labels]}} from the public scenario; else null.  NULL
 * when memory runs out.  O(open issues x options).
 */
static json_t *proposal(const parley__live_session_t *S)
{
    if (!S->now.n_open || S->now.n_text != S->pub->n_issues)
        return json_null();
    json_t *ids = json_array(), *sug = json_object(), *opts = json_object();
    int bad = !ids || !sug || !opts;
    char label[64];
    for (size_t q = 0; !bad && q < S->now.n_open; q++) {
        const parley_issue_t *is = &S->pub->issues[S->now.open[q]];
        json_t *list = json_array();
        bad |= !list || json_object_set_new(opts, is->id, list) ||
               json_array_append_new(ids, json_string(is->id));
        for (size_t j = 0; !bad && j < is->n_options; j++) {
            parley_issue_option_label(is, j, label, sizeof label);
            bad |= json_array_append_new(list, json_string(label));
        }
        parley_issue_option_label(is, S->now.suggested[S->now.open[q]],
                                  label, sizeof label);
        bad |= bad || json_object_set_new(sug, is->id, json_string(label));
    }
    if (bad) {
        json_decref(ids);
        json_decref(sug);
        json_decref(opts);
        return NULL;
    }
    return json_pack("{s:o, s:o, s:o}", "open_issues", ids, "suggested", sug,
                     "options", opts);
}

/*
 * What the committed log says of the agenda, for the state (docs/live.md):
 * "agenda" (null before the agenda is set) with each unit's issues and
 * status (pending, open, settled, parked; a settled unit's "settled_as",
 * agreed or adopted), "open_unit" and "open_issues" ("all" and every issue
 * of the text at integration; null and [] between units and at the end),
 * and "counts", the last published counts ({"round", "accept", "object",
 * "veto", "pilot"}) or null when the rules publish none.  Every event read
 * here is public.  Linear in the number of committed events.
 */
static int add_agenda(json_t *o, const parley__live_session_t *S)
{
    json_t *agenda = NULL, *counts = NULL, *open_issues = json_array();
    char open[PARLEY_LEDGER_MAX_NAME + 1] = "";
    int bad = !open_issues;
    for (size_t e = 0; !bad && e < S->now.n_ev; e++) {
        parley_event_kind_t k = S->now.ev[e].kind;
        if (k != PARLEY_EVENT_AGENDA && k != PARLEY_EVENT_CLUSTER_OPEN &&
            k != PARLEY_EVENT_CLUSTER_SETTLED &&
            k != PARLEY_EVENT_INTEGRATION && k != PARLEY_EVENT_COUNTS &&
            k != PARLEY_EVENT_AGREEMENT && k != PARLEY_EVENT_IMPASSE)
            continue;
        json_t *ev = json_loads(S->now.ev[e].json, 0, NULL);
        if (!ev) {
            bad = 1;
            break;
        }
        const char *unit = json_string_value(json_object_get(ev, "cluster"));
        json_t *units = json_object_get(agenda, "units");
        json_t *u = NULL;
        for (size_t i = 0; unit && i < json_array_size(units); i++) {
            json_t *x = json_array_get(units, i);
            if (strcmp(json_string_value(json_object_get(x, "cluster")),
                       unit) == 0)
                u = x;
        }
        if (k == PARLEY_EVENT_AGENDA) {
            json_decref(agenda);
            agenda = json_pack("{s:O, s:[]}", "policy",
                               json_object_get(ev, "policy"), "units");
            units = json_object_get(agenda, "units");
            size_t i;
            json_t *x;
            bad |= !agenda;
            json_array_foreach(json_object_get(ev, "order"), i, x)
            {
                json_t *c = bad ? NULL : json_deep_copy(x);
                bad |= !c ||
                       json_object_set_new(c, "status",
                                           json_string("pending")) ||
                       json_array_append_new(units, c);
            }
        } else if (k == PARLEY_EVENT_CLUSTER_OPEN) {
            snprintf(open, sizeof open, "%s", unit ? unit : "");
            bad |= json_array_clear(open_issues) ||
                   json_array_extend(open_issues,
                                     json_object_get(ev, "issues"));
            if (u)
                bad |= json_object_set_new(u, "status", json_string("open"));
        } else if (k == PARLEY_EVENT_CLUSTER_SETTLED) {
            const char *how = json_string_value(json_object_get(ev, "status"));
            int parked = how && strcmp(how, "parked") == 0;
            if (u)
                bad |= json_object_set_new(u, "status",
                                           json_string(parked ? "parked"
                                                              : "settled")) ||
                       (!parked && how &&
                        json_object_set_new(u, "settled_as",
                                            json_string(how)));
            if (unit && strcmp(open, unit) == 0) {
                open[0] = '\0';
                bad |= json_array_clear(open_issues);
            }
        } else if (k == PARLEY_EVENT_INTEGRATION) {
            strcpy(open, "all");
            bad |= json_array_clear(open_issues);
            const char *issue;
            json_t *v;
            json_object_foreach(json_object_get(ev, "text"), issue, v)
                bad |= json_array_append_new(open_issues, json_string(issue));
        } else if (k == PARLEY_EVENT_COUNTS) {
            json_decref(counts);
            counts = json_pack("{s:O, s:O, s:O, s:O, s:b}", "round",
                               json_object_get(ev, "round"), "accept",
                               json_object_get(ev, "accept"), "object",
                               json_object_get(ev, "object"), "veto",
                               json_object_get(ev, "veto"), "pilot",
                               json_is_true(json_object_get(ev, "pilot")));
            bad |= !counts;
        } else {
            open[0] = '\0';
            bad |= json_array_clear(open_issues);
        }
        json_decref(ev);
    }
    bad |= json_object_set_new(o, "agenda", agenda ? agenda : json_null());
    bad |= json_object_set_new(o, "open_unit",
                               open[0] ? json_string(open) : json_null());
    bad |= json_object_set_new(o, "open_issues", open_issues);
    bad |= json_object_set_new(o, "counts", counts ? counts : json_null());
    return bad;
}

/* Whose turn it is: "parties" while a party's input is awaited, else
 * "mediator" while its action is, else null (the session has ended). */
static const char *turn_of(const parley__live_session_t *S)
{
    int med = 0;
    for (size_t i = 0; i < S->now.n_aw; i++) {
        if (S->now.aw[i].party >= 0)
            return "parties";
        med = 1;
    }
    return med ? "mediator" : NULL;
}

static parley_status_t read_state(parley__live_session_t *S,
                                  const parley_principal_t *by, char **out)
{
    long party = own_party(S, by);
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:I, s:b}", "id", S->id,
                          "name", S->name, "phase",
                          parley_phase_name(S->now.phase), "round", (int)S->now.round,
                          "steps", (json_int_t)S->now.steps, "ended", S->now.ended);
    if (!o)
        return PARLEY_ENOMEM;
    int bad = 0;
    json_t *parts = json_array();
    for (size_t i = 0; parts && i < S->pub->n_parties; i++)
        bad |= json_array_append_new(
            parts, json_pack("{s:s, s:s, s:f}", "id", S->pub->parties[i].id,
                             "role", parley_role_name(S->pub->parties[i].role),
                             "power", S->pub->parties[i].power));
    bad |= json_object_set_new(o, "participants", parts);
    if (S->now.ended)
        bad |= json_object_set_new(o, "outcome",
                                   json_string(S->now.agreement ? "agreement"
                                                            : "impasse"));
    unsigned tr = 0;
    int pending = 0;
    json_t *text = current_text(S, &tr, &pending);
    /* Kept: the package is read from it below. */
    bad |= json_object_set(o, "text", text ? text : json_null());
    bad |= json_object_set_new(o, "text_round", json_integer(tr));
    bad |= json_object_set_new(o, "text_pending", json_boolean(pending));
    uint32_t *pkg = NULL;
    if (text && S->full) {
        pkg = parley_calloc(S->full->n_issues ? S->full->n_issues : 1,
                            sizeof *pkg);
        if (!pkg)
            bad = 1;
        else if (!text_package(S->full, text, pkg)) {
            parley_free(pkg);
            pkg = NULL;
        }
    }
    /* Who is awaited: everyone sees the mediator's next action and its own
     * questions; the mediator sees every party's. */
    json_t *aw = json_array();
    for (size_t i = 0; aw && i < S->now.n_aw; i++) {
        const parley__live_await_t *w = &S->now.aw[i];
        if (w->party >= 0 && !by->mediator && w->party != party)
            continue;
        json_t *x = json_pack(
            "{s:s, s:s}", "from",
            w->party >= 0 ? S->pub->parties[w->party].id : "mediator",
            "action", parley__live_action_name(w->action));
        if (x && w->round)
            json_object_set_new(x, "round", json_integer(w->round));
        bad |= !x || json_array_append_new(aw, x);
    }
    bad |= json_object_set_new(o, "awaiting", aw);
    size_t n_parties_awaited = 0;
    for (size_t i = 0; i < S->now.n_aw; i++)
        n_parties_awaited += S->now.aw[i].party >= 0;
    bad |= json_object_set_new(o, "parties_awaited",
                               json_integer((json_int_t)n_parties_awaited));
    const char *turn = turn_of(S);
    bad |= json_object_set_new(o, "turn",
                               turn ? json_string(turn) : json_null());
    bad |= add_agenda(o, S);
    if (party >= 0 && pkg)
        bad |= json_object_set_new(
            o, "utility",
            json_real(parley__live_utility(S->full, (size_t)party, pkg)));
    if (party >= 0 && S->now.last_view && S->now.last_view[party]) {
        json_t *v = json_loads(S->now.last_view[party], 0, NULL);
        bad |= !v || json_object_set_new(o, "aspiration",
                                         json_incref(json_object_get(
                                             v, "aspiration")));
        json_decref(v);
    }
    if (by->mediator) {
        json_t *ut = json_object();
        for (size_t i = 0; ut && pkg && i < S->full->n_parties; i++)
            if (S->full->parties[i].role == PARLEY_ROLE_PARTY)
                bad |= json_object_set_new(
                    ut, S->full->parties[i].id,
                    json_real(parley__live_utility(S->full, i, pkg)));
        bad |= json_object_set_new(o, "utilities", ut);
        json_t *vetoes = json_array(), *concerns = json_array(),
               *answers = json_array();
        bad |= !vetoes || !concerns || !answers;
        if (!bad) {
            bad |= add_events(vetoes, S, PARLEY_EVENT_VETO_RULING) != 0;
            bad |= add_events(concerns, S, PARLEY_EVENT_CONCERN) != 0;
        }
        for (size_t i = 0; !bad && S->now.rulings && i < S->pub->n_parties; i++)
            if (S->now.rulings[i]) {
                json_t *x = json_loads(S->now.rulings[i], 0, NULL);
                bad |= !x || json_array_append_new(vetoes, x);
            }
        /* The answers and concessions in for the open round: the pending
         * step's, which is round + 1 once its text is tabled. */
        unsigned open_round = S->now.pending_text ? S->now.round + 1 : S->now.round;
        for (size_t n = 0; !bad && n < S->n_in; n++) {
            const parley__live_input_t *in = &S->in[n];
            if ((in->action != PARLEY__LIVE_ANSWER &&
                 in->action != PARLEY__LIVE_CONCEDE) ||
                in->round != open_round)
                continue;
            json_t *x = json_pack("{s:s, s:s, s:i, s:O}", "party", in->actor,
                                  "action",
                                  parley__live_action_name(in->action),
                                  "round", (int)in->round, "body",
                                  in->payload);
            bad |= !x || json_array_append_new(answers, x);
        }
        bad |= json_object_set_new(o, "vetoes", vetoes);
        bad |= json_object_set_new(o, "concerns", concerns);
        bad |= json_object_set_new(o, "inputs_this_round", answers);
        json_t *in_profiles = json_array();
        for (size_t i = 0; in_profiles && i < S->pub->n_parties; i++) {
            int has = 0;
            for (size_t n = 0; n < S->n_in; n++)
                has |= S->in[n].action == PARLEY__LIVE_PROFILE &&
                       S->in[n].party == (long)i;
            if (has)
                bad |= json_array_append_new(
                    in_profiles, json_string(S->pub->parties[i].id));
        }
        bad |= json_object_set_new(o, "profiles_in", in_profiles);
        bad |= json_object_set_new(o, "proposal", proposal(S));
        if (!bad && mediator_analysis(S) != PARLEY_OK)
            bad = 1;
        if (!bad && S->analysis_json) {
            json_t *an = json_loads(S->analysis_json, 0, NULL);
            drop_timings(an);
            bad |= !an || json_object_set_new(o, "analysis", an);
        } else if (!bad) {
            bad |= json_object_set_new(o, "analysis", json_null());
        }
    }
    parley_free(pkg);
    json_decref(text);
    *out = bad ? NULL : dump(o);
    if (bad)
        json_decref(o);
    return *out ? PARLEY_OK : PARLEY_ENOMEM;
}

void parley__live_state_forget(parley__live_session_t *S)
{
    for (size_t i = 0; S->state_cache && i < S->pub->n_parties + 2; i++) {
        parley_free(S->state_cache[i]);
        S->state_cache[i] = NULL;
    }
}

/* Where the "state" reply for `by` is cached; NULL when the cache cannot
 * be had (no memory: the reply is then built every time). */
static char **state_slot(parley__live_session_t *S,
                         const parley_principal_t *by)
{
    size_t n = S->pub->n_parties;
    if (!S->state_cache)
        S->state_cache = parley_calloc(n + 2, sizeof *S->state_cache);
    if (!S->state_cache)
        return NULL;
    long party = own_party(S, by);
    return &S->state_cache[by->mediator ? n
                           : party >= 0 ? (size_t)party
                                        : n + 1];
}

static parley_status_t read_view(parley__live_session_t *S,
                                 const parley_principal_t *by, char **out,
                                 parley_diags_t *diags)
{
    long party = own_party(S, by);
    if (party < 0)
        return denied(diags, "only a party of the session has a view");
    const parley__live_await_t *w = NULL;
    for (size_t i = 0; i < S->now.n_aw && !w; i++)
        if (S->now.aw[i].party == party)
            w = &S->now.aw[i];
    json_t *o = json_object();
    if (!o)
        return PARLEY_ENOMEM;
    int bad = 0;
    json_t *asked = w ? json_pack("{s:s}", "action",
                                  parley__live_action_name(w->action))
                      : json_null();
    if (w && asked && w->round)
        json_object_set_new(asked, "round", json_integer(w->round));
    bad |= json_object_set_new(o, "party",
                               json_string(S->pub->parties[party].id));
    bad |= json_object_set_new(o, "asked", asked);
    const char *vj = w && w->view ? w->view
                     : S->now.last_view ? S->now.last_view[party]
                                    : NULL;
    json_t *view = vj ? json_loads(vj, 0, NULL) : json_null();
    bad |= !view || json_object_set_new(o, "view", view);
    const json_t *profile = NULL;
    json_t *concerns = json_array();
    for (size_t n = 0; n < S->n_in; n++) {
        const parley__live_input_t *in = &S->in[n];
        if (in->party != party)
            continue;
        if (in->action == PARLEY__LIVE_PROFILE)
            profile = json_object_get(in->payload, "profile");
        if (in->action == PARLEY__LIVE_CONCERN && concerns)
            bad |= json_array_append(concerns,
                                     json_object_get(in->payload, "text"));
    }
    bad |= json_object_set_new(o, "profile",
                               profile ? json_deep_copy(profile)
                                       : json_null());
    bad |= json_object_set_new(o, "concerns", concerns);
    /* The public scenario and rules the view refers to. */
    json_t *sc = json_loads(S->scenario_json, 0, NULL);
    bad |= !sc || json_object_set_new(o, "public_scenario", sc);
    if (S->rules_json) {
        json_t *ru = json_loads(S->rules_json, 0, NULL);
        bad |= !ru || json_object_set_new(o, "rules",
                                          json_incref(json_object_get(
                                              ru, "rules")));
        json_decref(ru);
    } else {
        bad |= json_object_set_new(o, "rules", json_null());
    }
    if (bad) {
        json_decref(o);
        return PARLEY_ENOMEM;
    }
    *out = dump(o);
    return *out ? PARLEY_OK : PARLEY_ENOMEM;
}

static parley_status_t read_events(const parley__live_session_t *S,
                                   const parley_principal_t *by,
                                   uint64_t after, char **out)
{
    long party = own_party(S, by);
    parley__strbuf_t b = {0};
    parley__strbuf_puts(&b, "{\"events\":[");
    uint64_t next = after;
    int first = 1;
    for (size_t e = 0; e < S->now.n_ev; e++) {
        const parley__live_event_t *x = &S->now.ev[e];
        if (x->seq <= after || !may_see(x, by, party))
            continue;
        if (!first)
            parley__strbuf_puts(&b, ",");
        parley__strbuf_puts(&b, x->json);
        first = 0;
        next = x->seq;
    }
    /* Events nobody may see still advance the cursor past them. */
    if (S->now.n_ev && S->now.ev[S->now.n_ev - 1].seq > next)
        next = S->now.ev[S->now.n_ev - 1].seq;
    char tail[64];
    snprintf(tail, sizeof tail, "],\"next\":%llu}", (unsigned long long)next);
    parley__strbuf_puts(&b, tail);
    if (b.oom) {
        parley__strbuf_free(&b);
        return PARLEY_ENOMEM;
    }
    *out = b.s;
    return PARLEY_OK;
}

/* The agreement's status as of a day (today, UTC, when as_of is NULL), as
 * `parley monitor status --json` writes it. */
static parley_status_t read_monitoring(parley_live_t *live,
                                       const parley__live_session_t *S,
                                       const char *as_of, char **out,
                                       parley_diags_t *diags)
{
    char day[PARLEY_DATE_SIZE];
    if (!as_of) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(day, sizeof day, "%Y-%m-%d", &tm);
        as_of = day;
    } else if (!parley_date_valid(as_of)) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, "", 0,
                         0, "as_of",
                         "expected a day as YYYY-MM-DD, found '%.40s'", as_of);
        return PARLEY_EINVALID;
    }
    if (!S->monitored) {
        *out = dump(json_pack("{s:s, s:b}", "agreement", S->id, "monitored",
                              0));
        return *out ? PARLEY_OK : PARLEY_ENOMEM;
    }
    parley_monitor_status_t *ms = NULL;
    parley_status_t st =
        parley_monitor_status(live->store, S->id, as_of, &ms, diags);
    if (st == PARLEY_OK)
        st = parley_monitor_status_json(ms, out);
    parley_monitor_status_free(ms);
    return st;
}

/* The reads of parley_live_read and parley_live_read_monitoring. */
static parley_status_t read_any(parley_live_t *live,
                                const parley_principal_t *by,
                                const char *session, const char *what,
                                uint64_t after, const char *as_of, char **out,
                                parley_diags_t *diags);

parley_status_t parley_live_read(parley_live_t *live,
                                 const parley_principal_t *by,
                                 const char *session, const char *what,
                                 uint64_t after, char **out,
                                 parley_diags_t *diags)
{
    return read_any(live, by, session, what, after, NULL, out, diags);
}

parley_status_t parley_live_read_monitoring(parley_live_t *live,
                                            const parley_principal_t *by,
                                            const char *session,
                                            const char *as_of, char **out,
                                            parley_diags_t *diags)
{
    return read_any(live, by, session, "monitoring", 0, as_of, out, diags);
}

static parley_status_t read_any(parley_live_t *live,
                                const parley_principal_t *by,
                                const char *session, const char *what,
                                uint64_t after, const char *as_of, char **out,
                                parley_diags_t *diags)
{
    if (out)
        *out = NULL;
    if (!live || !by || !what || !out)
        return PARLEY_EARG;
    parley__json_use_parley_alloc();
    if (!by->mediator && (!session || strcmp(by->session, session) != 0))
        return denied(diags, "this credential belongs to another session");
    parley__live_session_t *S = NULL;
    parley_status_t st = parley__live_session_get(live, session, &S, diags);
    if (st != PARLEY_OK)
        return st;
    char **cached = NULL;
    if (strcmp(what, "state") == 0) {
        cached = state_slot(S, by);
        if (cached && *cached) {
            if (parley__live_check.on) {
                /* The cached reply against one built afresh. */
                char *fresh = NULL;
                parley__live_check.checked++;
                if (read_state(S, by, &fresh) != PARLEY_OK ||
                    strcmp(fresh, *cached) != 0)
                    parley__live_check.differed++;
                parley_free(fresh);
            }
            *out = parley_strdup(*cached);
            return *out ? PARLEY_OK : PARLEY_ENOMEM;
        }
        st = read_state(S, by, out);
    } else if (strcmp(what, "view") == 0) {
        st = read_view(S, by, out, diags);
    } else if (strcmp(what, "events") == 0) {
        st = read_events(S, by, after, out);
    } else if (strcmp(what, "monitoring") == 0) {
        st = read_monitoring(live, S, as_of, out, diags);
    } else {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EUNKNOWN, "", 0,
                         0, "",
                         "unknown read '%.40s'; expected state, view, events "
                         "or monitoring",
                         what);
        return PARLEY_EUNKNOWN;
    }
    /* jansson may drop a member silently when memory runs out. */
    if (st == PARLEY_OK && parley__json_alloc_failed()) {
        parley_free(*out);
        *out = NULL;
        st = PARLEY_ENOMEM;
    }
    if (st == PARLEY_OK && cached)
        *cached = parley_strdup(*out); /* none: built again next time */
    return st;
}

parley_status_t parley_live_list(parley_live_t *live,
                                 const parley_principal_t *by, char **out,
                                 parley_diags_t *diags)
{
    if (out)
        *out = NULL;
    if (!live || !by || !out)
        return PARLEY_EARG;
    parley__json_use_parley_alloc();
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(live->store->db,
                                "SELECT id FROM live_sessions ORDER BY "
                                "created_at, id",
                                -1, &q, NULL);
    json_t *a = json_array();
    parley_status_t st = a ? PARLEY_OK : PARLEY_ENOMEM;
    while (st == PARLEY_OK && rc == SQLITE_OK) {
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        rc = SQLITE_OK;
        const char *id = (const char *)sqlite3_column_text(q, 0);
        if (!id || (!by->mediator && strcmp(id, by->session) != 0))
            continue;
        parley__live_session_t *S = NULL;
        st = parley__live_session_get(live, id, &S, diags);
        if (st != PARLEY_OK)
            break;
        json_t *x = json_pack("{s:s, s:s, s:s}", "id", S->id, "name", S->name,
                              "phase", parley_phase_name(S->now.phase));
        if (!x || json_array_append_new(a, x))
            st = PARLEY_ENOMEM;
    }
    if (st == PARLEY_OK && rc != SQLITE_DONE)
        st = parley__monitor_db_fail(live->store, diags, rc,
                                     "cannot read the sessions");
    sqlite3_finalize(q);
    if (st != PARLEY_OK) {
        json_decref(a);
        return st;
    }
    *out = dump(json_pack("{s:o}", "sessions", a));
    if (*out && parley__json_alloc_failed()) {
        parley_free(*out);
        *out = NULL;
    }
    return *out ? PARLEY_OK : PARLEY_ENOMEM;
}
