/*
 * simulate.c - a simulated session recorded as a live one (`parley mediate
 * --db`): simulated people drive a live session through the same API a
 * service exposes, so that the store holds the session, its texts and its
 * answers the way monitoring and the web pages read them.
 *
 * Each party runs its strategy (strategy.h, seeded as `parley mediate`
 * seeds it) on the view it reads back as JSON and writes what the strategy
 * says; it sends the concerns its strategy has before each point at which
 * the engine asks for them (the disclosure, and opening each agenda unit);
 * the mediator authorises whatever the session awaits.  Since the engine
 * is deterministic, the live session's log is the simulated one, byte for
 * byte (tests/test_live.c checks it).
 */
#include <string.h>

#include "live/live_internal.h"
#include "parley/alloc.h"
#include "parley/strategy.h"
#include "parley/study.h"

typedef struct sim {
    parley_live_t *live;
    const parley_principal_t *med;
    const char *sid;
    parley_diags_t *diags;
    const parley_scenario_t *sc;
    parley_scenario_t *pub;
    parley_rules_t rules;
    parley_principal_t who[PARLEY_MAX_PARTIES];
    parley_strategy_t *st[PARLEY_MAX_PARTIES];
    unsigned serial;
} sim_t;

static parley_status_t post(sim_t *s, const parley_principal_t *by,
                            const char *action, json_t *body)
{
    char rid[32];
    snprintf(rid, sizeof rid, "sim-%u", s->serial++);
    if (!body || json_object_set_new(body, "request_id", json_string(rid))) {
        json_decref(body);
        return PARLEY_ENOMEM;
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        return PARLEY_ENOMEM;
    parley_status_t st = parley_live_write(s->live, by, s->sid, action, text,
                                           strlen(text), NULL, s->diags);
    parley_free(text);
    return st;
}

static json_t *get(sim_t *s, const parley_principal_t *by, const char *what,
                   parley_status_t *st)
{
    char *out = NULL;
    *st = parley_live_read(s->live, by, s->sid, what, 0, &out, s->diags);
    if (*st != PARLEY_OK)
        return NULL;
    json_t *j = json_loads(out, 0, NULL);
    parley_free(out);
    if (!j)
        *st = PARLEY_ENOMEM;
    return j;
}

/* A view's JSON back into the engine's struct; arrays in the caller's. */
static void view_from(const json_t *j, sim_t *s, size_t party,
                      parley_view_t *v, uint32_t *text, unsigned *conc,
                      size_t *open)
{
    memset(v, 0, sizeof *v);
    v->party = party;
    v->self = &s->sc->parties[party];
    v->public_scenario = s->pub;
    v->rules = &s->rules;
    v->round = (unsigned)json_integer_value(json_object_get(j, "round"));
    v->deadline = (unsigned)json_integer_value(json_object_get(j, "deadline"));
    v->cluster = (long)json_integer_value(json_object_get(j, "cluster"));
    const json_t *t = json_object_get(j, "text");
    for (size_t k = 0; json_is_array(t) && k < json_array_size(t) &&
                       k < PARLEY_MAX_ISSUES;
         k++)
        text[k] = (uint32_t)json_integer_value(json_array_get(t, k));
    v->text = json_is_array(t) ? text : NULL;
    v->text_round =
        (unsigned)json_integer_value(json_object_get(j, "text_round"));
    v->pilot = json_is_true(json_object_get(j, "pilot"));
    v->n_accept = (int)json_integer_value(json_object_get(j, "n_accept"));
    v->n_object = (int)json_integer_value(json_object_get(j, "n_object"));
    v->n_veto = (int)json_integer_value(json_object_get(j, "n_veto"));
    v->aspiration = json_number_value(json_object_get(j, "aspiration"));
    const json_t *c = json_object_get(j, "concessions");
    for (size_t i = 0; i < json_array_size(c) && i < PARLEY_MAX_PARTIES; i++)
        conc[i] = (unsigned)json_integer_value(json_array_get(c, i));
    v->concessions = conc;
    v->guarantee_bonus =
        json_number_value(json_object_get(j, "guarantee_bonus"));
    const json_t *o = json_object_get(j, "open_issues");
    for (size_t q = 0; q < json_array_size(o) && q < PARLEY_MAX_ISSUES; q++)
        open[q] = (size_t)json_integer_value(json_array_get(o, q));
    v->n_open = json_array_size(o);
    v->open_issues = open;
    v->drafting = json_is_true(json_object_get(j, "drafting"));
}

static const char *const PRIVATE[] = {"utility", "reservation", "red_lines",
                                      NULL};

/* Party i's private fields out of a scenario's JSON, as a profile. */
static json_t *profile_of(const parley_scenario_t *sc, size_t i)
{
    char *text = NULL;
    if (parley_scenario_to_string(sc, &text) != PARLEY_OK)
        return NULL;
    json_t *root = json_loads(text, 0, NULL);
    parley_free(text);
    json_t *p = json_array_get(json_object_get(root, "parties"), i);
    json_t *prof = json_object();
    for (size_t k = 0; prof && PRIVATE[k]; k++) {
        json_t *v = json_object_get(p, PRIVATE[k]);
        if (v && json_object_set(prof, PRIVATE[k], v)) {
            json_decref(prof);
            prof = NULL;
        }
    }
    json_decref(root);
    return prof;
}

/* What party i tells the mediator: its strategy's disclosure. */
static parley_status_t declared(sim_t *s, size_t i, const char *sc_text,
                                json_t **out)
{
    *out = NULL;
    parley_scenario_t *copy = NULL;
    parley_status_t st = parley_scenario_read_string(
        sc_text, strlen(sc_text), "scenario", &copy, NULL);
    if (st != PARLEY_OK)
        return st;
    const parley_driver_t *d = parley_strategy_driver(s->st[i]);
    if (d->disclose) {
        parley_view_t vw;
        memset(&vw, 0, sizeof vw);
        vw.party = i;
        vw.self = &s->sc->parties[i];
        vw.public_scenario = s->pub;
        vw.rules = &s->rules;
        st = d->disclose(d->ctx, &vw, &copy->parties[i]);
    }
    if (st == PARLEY_OK && !(*out = profile_of(copy, i)))
        st = PARLEY_ENOMEM;
    parley_scenario_free(copy);
    return st;
}

static parley_status_t concerns(sim_t *s)
{
    for (size_t i = 0; i < s->sc->n_parties; i++) {
        if (!s->st[i])
            continue;
        const parley_driver_t *d = parley_strategy_driver(s->st[i]);
        if (!d->concern)
            continue;
        parley_view_t vw;
        memset(&vw, 0, sizeof vw);
        vw.party = i;
        vw.self = &s->sc->parties[i];
        vw.public_scenario = s->pub;
        vw.rules = &s->rules;
        char text[512] = "";
        parley_status_t st = d->concern(d->ctx, &vw, text, sizeof text);
        if (st != PARLEY_OK)
            return st;
        if (text[0] &&
            (st = post(s, &s->who[i], "concern",
                       json_pack("{s:s}", "text", text))) != PARLEY_OK)
            return st;
    }
    return PARLEY_OK;
}

/* Party i answers or concedes if asked; *moved says whether it did. */
static parley_status_t turn(sim_t *s, size_t i, int *moved)
{
    parley_status_t st;
    json_t *v = get(s, &s->who[i], "view", &st);
    if (!v)
        return st;
    json_t *asked = json_object_get(v, "asked");
    if (!json_is_object(asked)) {
        json_decref(v);
        return PARLEY_OK;
    }
    *moved = 1;
    char what[16];
    snprintf(what, sizeof what, "%s",
             json_string_value(json_object_get(asked, "action")));
    int round = (int)json_integer_value(json_object_get(asked, "round"));
    uint32_t text[PARLEY_MAX_ISSUES];
    unsigned conc[PARLEY_MAX_PARTIES];
    size_t open[PARLEY_MAX_ISSUES];
    parley_view_t vw;
    view_from(json_object_get(v, "view"), s, i, &vw, text, conc, open);
    const parley_driver_t *d = parley_strategy_driver(s->st[i]);
    json_t *body = NULL;
    if (strcmp(what, "answer") == 0) {
        static const char *const kinds[] = {"accept", "object", "veto",
                                            "walkout"};
        parley_answer_t a;
        memset(&a, 0, sizeof a);
        st = d->answer(d->ctx, &vw, &a);
        if (st == PARLEY_OK && (unsigned)a.kind > PARLEY_ANSWER_WALKOUT)
            st = PARLEY_EINVALID;
        if (st == PARLEY_OK)
            body = json_pack("{s:i, s:s}", "round", round, "kind",
                             kinds[a.kind]);
        if (body && (a.kind == PARLEY_ANSWER_OBJECT ||
                     a.kind == PARLEY_ANSWER_VETO)) {
            json_t *is = json_array();
            for (size_t t = 0; is && t < a.n_issues; t++)
                json_array_append_new(
                    is, json_string(s->sc->issues[a.issues[t]].id));
            json_object_set_new(body, "issues", is);
        }
        if (body && a.kind == PARLEY_ANSWER_VETO) {
            json_object_set_new(body, "ground",
                                json_string(parley_veto_ground_name(a.ground)));
            json_object_set_new(body, "text_round",
                                json_integer(a.text_round));
        }
        a.reason[sizeof a.reason - 1] = '\0';
        if (body && a.reason[0])
            json_object_set_new(body, "reason", json_string(a.reason));
    } else {
        double asp = vw.aspiration;
        if (d->concede)
            st = d->concede(d->ctx, &vw, &asp);
        if (st == PARLEY_OK)
            body = json_pack("{s:i, s:f}", "round", round, "aspiration", asp);
    }
    json_decref(v);
    if (st != PARLEY_OK)
        return st;
    return post(s, &s->who[i], what, body);
}

/* The number of agenda units, from the agenda event (0 before it). */
static size_t agenda_units(sim_t *s)
{
    parley_status_t st;
    json_t *ev = get(s, s->med, "events", &st);
    size_t n = 0, k;
    json_t *e;
    json_array_foreach(json_object_get(ev, "events"), k, e)
    {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        if (kind && strcmp(kind, "agenda") == 0)
            n = json_array_size(json_object_get(e, "order"));
    }
    json_decref(ev);
    return n;
}

static parley_status_t drive(sim_t *s)
{
    parley_status_t st = concerns(s);
    size_t units = 0, opened = 0;
    while (st == PARLEY_OK) {
        int moved = 0;
        for (size_t i = 0; st == PARLEY_OK && i < s->sc->n_parties; i++)
            if (s->st[i])
                st = turn(s, i, &moved);
        if (st != PARLEY_OK || moved)
            continue;
        json_t *state = get(s, s->med, "state", &st);
        if (!state)
            break;
        if (json_is_true(json_object_get(state, "ended"))) {
            json_decref(state);
            break;
        }
        json_t *aw = json_array_get(json_object_get(state, "awaiting"), 0);
        const char *from = json_string_value(json_object_get(aw, "from"));
        char action[32] = "";
        if (from && strcmp(from, "mediator") == 0)
            snprintf(action, sizeof action, "%s",
                     json_string_value(json_object_get(aw, "action")));
        json_decref(state);
        if (!action[0]) {
            /* Nothing a strategy or the mediator can give: cannot be. */
            parley_diags_add(s->diags, PARLEY_SEVERITY_ERROR, PARLEY_ESTATE,
                             "", 0, 0, "",
                             "the recorded session awaits an input no "
                             "simulated participant gives");
            return PARLEY_ESTATE;
        }
        if (strcmp(action, "open_cluster") == 0) {
            if (!units)
                units = agenda_units(s);
            if (opened++ < units && (st = concerns(s)) != PARLEY_OK)
                break;
        }
        st = post(s, s->med, action, json_object());
    }
    return st;
}

parley_status_t parley__live_simulate(parley_live_t *live,
                                      const parley_principal_t *mediator,
                                      const char *session,
                                      const parley_scenario_t *sc,
                                      const char *rules_json,
                                      const parley_strategy_kind_t *kinds,
                                      uint64_t seed, parley_diags_t *diags)
{
    if (!live || !mediator || !session || !sc || !kinds)
        return PARLEY_EARG;
    parley__json_use_parley_alloc();
    sim_t s;
    memset(&s, 0, sizeof s);
    s.live = live;
    s.med = mediator;
    s.sid = session;
    s.diags = diags;
    s.sc = sc;
    parley_rules_init(&s.rules);
    char *sc_text = NULL;
    json_t *root = NULL, *body = NULL, *rules = NULL;
    char *create = NULL, *pub_text = NULL;
    parley_status_t st = parley_scenario_to_string(sc, &sc_text);
    if (st == PARLEY_OK && !(root = json_loads(sc_text, 0, NULL)))
        st = PARLEY_ENOMEM;
    /* The public part: what the session is created from. */
    json_t *parts = json_object_get(root, "parties");
    for (size_t i = 0; st == PARLEY_OK && i < json_array_size(parts); i++)
        for (size_t k = 0; PRIVATE[k]; k++)
            json_object_del(json_array_get(parts, i), PRIVATE[k]);
    if (st == PARLEY_OK && rules_json) {
        json_t *r = json_loads(rules_json, 0, NULL);
        rules = json_incref(json_object_get(r, "rules"));
        json_decref(r);
        if (!rules)
            st = PARLEY_EINVALID;
    }
    if (st == PARLEY_OK) {
        char rid[PARLEY_LEDGER_MAX_NAME + 8];
        snprintf(rid, sizeof rid, "create-%.56s", session);
        body = json_pack("{s:s, s:O, s:I, s:s}", "id", session, "scenario",
                         root, "seed", (json_int_t)seed, "request_id", rid);
        if (body && rules)
            json_object_set(body, "rules", rules);
        create = body ? json_dumps(body, JSON_COMPACT) : NULL;
        pub_text = json_dumps(root, JSON_COMPACT);
        if (!create || !pub_text)
            st = PARLEY_ENOMEM;
    }
    char id[PARLEY_LEDGER_MAX_NAME + 1];
    if (st == PARLEY_OK)
        st = parley_live_create(live, mediator, create, strlen(create), id,
                                diags);
    if (st == PARLEY_OK)
        st = parley__scenario_read_public(pub_text, strlen(pub_text),
                                          "scenario", &s.pub, diags);
    if (st == PARLEY_OK && rules_json)
        st = parley_rules_read_string(rules_json, strlen(rules_json), "rules",
                                      s.pub, &s.rules, diags);
    else if (st == PARLEY_OK) {
        parley_rules_t of;
        parley_rules_of(s.pub, &of);
        st = parley_rules_copy(&s.rules, &of);
    }
    for (size_t i = 0; st == PARLEY_OK && i < sc->n_parties; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        char tok[PARLEY_LIVE_TOKEN_SIZE];
        st = parley_live_issue(live, mediator, session, sc->parties[i].id,
                               PARLEY_ROLE_PARTY, tok, diags);
        if (st == PARLEY_OK)
            st = parley_live_authenticate(live, tok, &s.who[i]);
        if (st == PARLEY_OK)
            st = parley_strategy_new(kinds[i], sc, i,
                                     parley_study_strategy_seed(seed, i),
                                     &s.st[i]);
        json_t *prof = NULL;
        if (st == PARLEY_OK)
            st = declared(&s, i, sc_text, &prof);
        if (st == PARLEY_OK)
            st = post(&s, &s.who[i], "profile",
                      json_pack("{s:o}", "profile", prof));
    }
    if (st == PARLEY_OK)
        st = drive(&s);
    for (size_t i = 0; i < sc->n_parties; i++)
        parley_strategy_free(s.st[i]);
    parley_rules_clear(&s.rules);
    parley_scenario_free(s.pub);
    json_decref(rules);
    json_decref(body);
    json_decref(root);
    parley_free(create);
    parley_free(pub_text);
    parley_free(sc_text);
    return st;
}
