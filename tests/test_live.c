/*
 * test_live.c - live sessions (live.h) through their API only.
 *
 * The central test drives a live session of a scenario with simulated
 * people: each party runs the strategy `parley mediate` gives it, on the
 * view it reads back as JSON, and writes what the strategy says; the
 * mediator authorises whatever the session awaits.  The event log the
 * mediator then reads must be byte for byte the log of
 * parley_session_run() over the same scenario, rules and seed with the
 * same strategies as drivers.  Then: who may read and write what, replays
 * and stale rounds, the ledger (no private profile in clear, verifies),
 * restarting, and refused allocations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "parley/ledger.h"
#include "parley/live.h"
#include "parley/monitor.h"
#include "parley/parley.h"
#include "parley/store.h"
#include "parley/study.h"
#include "live/live_internal.h"
#include "scenario/scenario_internal.h"
#include "support/failing_alloc.h"

#define RIVER PARLEY_SOURCE_DIR "/examples/river-basin.json"

/* ---- fixture ------------------------------------------------------------ */

/* Close and reopen the store and the live handle every this many mediator
 * actions (0: never), checking that the present reads the same after. */
static unsigned g_restart_every;

/* With this set, live_run has one party write a concern of its own before
 * every move: concerns the engine's run does not have, so the log is no
 * longer parley_session_run()'s, but every present must still be what a
 * replay from scratch computes. */
static int g_extra_concerns;

typedef struct fx {
    char dir[256], keys[300], db[300];
    parley_store_t *store;
    parley_live_t *live;
    parley_principal_t med;
    parley_diags_t *diags;
} fx_t;

static void fx_open_live(fx_t *f)
{
    assert_int_equal(parley_store_open(f->db, &f->store, f->diags), PARLEY_OK);
    assert_int_equal(parley_live_open(f->store, f->keys, &f->live, f->diags),
                     PARLEY_OK);
}

static void fx_close_live(fx_t *f)
{
    parley_live_close(f->live);
    parley_store_close(f->store);
    f->live = NULL;
    f->store = NULL;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/parley-live-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->keys, sizeof f->keys, "%s/keys", f->dir);
    snprintf(f->db, sizeof f->db, "%s/parley.db", f->dir);
    if (mkdir(f->keys, 0700) != 0)
        return -1;
    f->diags = parley_diags_new();
    g_restart_every = 0;
    fx_open_live(f);
    char tok[PARLEY_LIVE_TOKEN_SIZE];
    assert_int_equal(parley_live_issue(f->live, NULL, NULL, "med", 0, tok,
                                       f->diags),
                     PARLEY_OK);
    assert_int_equal(parley_live_authenticate(f->live, tok, &f->med),
                     PARLEY_OK);
    assert_true(f->med.mediator);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    fx_close_live(f);
    parley_diags_free(f->diags);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* ---- scenarios ----------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
    b[n] = '\0';
    fclose(fp);
    return b;
}

static const char *const PRIVATE[] = {"utility", "reservation", "red_lines",
                                      NULL};

/* The scenario without private fields; profiles[i] gets party i's (or
 * NULL when it has none). */
static json_t *split(const char *text, json_t **profiles)
{
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    json_t *parties = json_object_get(root, "parties");
    for (size_t i = 0; i < json_array_size(parties); i++) {
        json_t *p = json_array_get(parties, i);
        json_t *prof = json_object();
        for (size_t k = 0; PRIVATE[k]; k++) {
            json_t *v = json_object_get(p, PRIVATE[k]);
            if (v) {
                json_object_set(prof, PRIVATE[k], v);
                json_object_del(p, PRIVATE[k]);
            }
        }
        if (json_object_size(prof) == 0 || !json_object_get(prof, "utility")) {
            json_decref(prof);
            prof = NULL;
        }
        profiles[i] = prof;
    }
    return root;
}

static char *body_of(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    assert_non_null(s);
    return s;
}

static parley_status_t write_json(fx_t *f, const parley_principal_t *by,
                                  const char *sid, const char *action,
                                  json_t *body, char **reply)
{
    char *b = body_of(body);
    parley_diags_clear(f->diags);
    parley_status_t st = parley_live_write(f->live, by, sid, action, b,
                                           strlen(b), reply, f->diags);
    if (getenv("LIVE_DEBUG") && st != PARLEY_OK)
        parley_diags_print(f->diags, stderr);
    free(b);
    return st;
}

static json_t *read_json(fx_t *f, const parley_principal_t *by,
                         const char *sid, const char *what)
{
    char *out = NULL;
    parley_diags_clear(f->diags);
    parley_status_t st =
        parley_live_read(f->live, by, sid, what, 0, &out, f->diags);
    if (st != PARLEY_OK)
        parley_diags_print(f->diags, stderr);
    assert_int_equal(st, PARLEY_OK);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    parley_free(out);
    return j;
}

static void principal(fx_t *f, const char *sid, const char *actor,
                      parley_role_t role, parley_principal_t *out)
{
    char tok[PARLEY_LIVE_TOKEN_SIZE];
    parley_diags_clear(f->diags);
    parley_status_t st =
        parley_live_issue(f->live, &f->med, sid, actor, role, tok, f->diags);
    if (st != PARLEY_OK)
        parley_diags_print(f->diags, stderr);
    assert_int_equal(st, PARLEY_OK);
    assert_int_equal(strlen(tok), 47);
    assert_memory_equal(tok, "plt_", 4);
    assert_int_equal(parley_live_authenticate(f->live, tok, out), PARLEY_OK);
}

static void create(fx_t *f, const char *sid, json_t *pub, uint64_t seed)
{
    char rid[80];
    snprintf(rid, sizeof rid, "create-%s", sid);
    json_t *b = json_pack("{s:s, s:O, s:I, s:s}", "id", sid, "scenario", pub,
                          "seed", (json_int_t)seed, "request_id", rid);
    char *text = body_of(b);
    char id[65];
    parley_diags_clear(f->diags);
    parley_status_t st = parley_live_create(f->live, &f->med, text,
                                            strlen(text), id, f->diags);
    if (st != PARLEY_OK)
        parley_diags_print(f->diags, stderr);
    assert_int_equal(st, PARLEY_OK);
    assert_string_equal(id, sid);
    free(text);
}

/* ---- the simulated run ----------------------------------------------------- */


static char *read_text(fx_t *f, const parley_principal_t *by, const char *sid,
                       const char *what)
{
    char *out = NULL;
    parley_diags_clear(f->diags);
    parley_status_t st =
        parley_live_read(f->live, by, sid, what, 0, &out, f->diags);
    if (st != PARLEY_OK)
        parley_diags_print(f->diags, stderr);
    assert_int_equal(st, PARLEY_OK);
    return out;
}

static void restart_and_compare(fx_t *f, const char *sid,
                                const parley_principal_t *party)
{
    char *state = read_text(f, &f->med, sid, "state");
    char *events = read_text(f, &f->med, sid, "events");
    char *view = read_text(f, party, sid, "view");
    fx_close_live(f);
    fx_open_live(f);
    char *state2 = read_text(f, &f->med, sid, "state");
    char *events2 = read_text(f, &f->med, sid, "events");
    char *view2 = read_text(f, party, sid, "view");
    if (strcmp(state, state2) != 0) {
        size_t k = 0;
        while (state[k] == state2[k])
            k++;
        fprintf(stderr, "state differs at %zu:\n%.200s\n%.200s\n", k,
                state + (k > 60 ? k - 60 : 0),
                state2 + (k > 60 ? k - 60 : 0));
    }
    assert_string_equal(state, state2);
    assert_string_equal(events, events2);
    assert_string_equal(view, view2);
    parley_free(state);
    parley_free(state2);
    parley_free(events);
    parley_free(events2);
    parley_free(view);
    parley_free(view2);
}

typedef struct lines {
    char **v;
    size_t n;
} lines_t;

static void on_line(void *ctx, const parley_event_t *e)
{
    lines_t *l = ctx;
    l->v = realloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = strdup(e->json);
}

static void lines_free(lines_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* The engine's own log with strategy drivers, as `parley mediate` runs. */
static void direct_run(const parley_scenario_t *sc,
                       const parley_strategy_kind_t *kinds, uint64_t seed,
                       lines_t *log)
{
    parley_strategy_t *st[PARLEY_MAX_PARTIES] = {0};
    const parley_driver_t *dp[PARLEY_MAX_PARTIES] = {0};
    for (size_t i = 0; i < sc->n_parties; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        assert_int_equal(parley_strategy_new(kinds[i], sc, i,
                                             parley_study_strategy_seed(seed,
                                                                        i),
                                             &st[i]),
                         PARLEY_OK);
        dp[i] = parley_strategy_driver(st[i]);
    }
    parley_session_opts_t o = {seed, on_line, log, NULL, NULL};
    parley_session_t *s = NULL;
    assert_int_equal(parley_session_new(sc, NULL, dp, &o, &s, NULL),
                     PARLEY_OK);
    assert_int_equal(parley_session_run(s), PARLEY_OK);
    parley_session_free(s);
    for (size_t i = 0; i < sc->n_parties; i++)
        parley_strategy_free(st[i]);
}

/* A view read back from JSON into the engine's struct. */
typedef struct pview {
    parley_view_t v;
    uint32_t text[PARLEY_MAX_ISSUES];
    unsigned conc[PARLEY_MAX_PARTIES];
    size_t open[PARLEY_MAX_ISSUES];
} pview_t;

static void parse_view(const json_t *j, const parley_scenario_t *pub,
                       const parley_rules_t *rules,
                       const parley_party_t *self, pview_t *out)
{
    memset(out, 0, sizeof *out);
    parley_view_t *v = &out->v;
    v->party = (size_t)json_integer_value(json_object_get(j, "party_index"));
    v->self = self;
    v->public_scenario = pub;
    v->rules = rules;
    v->round = (unsigned)json_integer_value(json_object_get(j, "round"));
    v->deadline = (unsigned)json_integer_value(json_object_get(j, "deadline"));
    v->cluster = (long)json_integer_value(json_object_get(j, "cluster"));
    json_t *t = json_object_get(j, "text");
    if (json_is_array(t)) {
        for (size_t k = 0; k < json_array_size(t); k++)
            out->text[k] = (uint32_t)json_integer_value(json_array_get(t, k));
        v->text = out->text;
    }
    v->text_round =
        (unsigned)json_integer_value(json_object_get(j, "text_round"));
    v->pilot = json_is_true(json_object_get(j, "pilot"));
    v->n_accept = (int)json_integer_value(json_object_get(j, "n_accept"));
    v->n_object = (int)json_integer_value(json_object_get(j, "n_object"));
    v->n_veto = (int)json_integer_value(json_object_get(j, "n_veto"));
    v->aspiration = json_number_value(json_object_get(j, "aspiration"));
    json_t *c = json_object_get(j, "concessions");
    for (size_t i = 0; i < json_array_size(c); i++)
        out->conc[i] = (unsigned)json_integer_value(json_array_get(c, i));
    v->concessions = out->conc;
    v->guarantee_bonus =
        json_number_value(json_object_get(j, "guarantee_bonus"));
    json_t *op = json_object_get(j, "open_issues");
    for (size_t q = 0; q < json_array_size(op); q++)
        out->open[q] = (size_t)json_integer_value(json_array_get(op, q));
    v->n_open = json_array_size(op);
    v->open_issues = out->open;
    v->drafting = json_is_true(json_object_get(j, "drafting"));
}

/* What a misreporter tells the mediator, as a profile object. */
static json_t *declared_profile(const char *sc_text, size_t i,
                                parley_strategy_t *st,
                                const parley_scenario_t *pub)
{
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_scenario_read_string(sc_text, strlen(sc_text),
                                                 "sc", &sc, NULL),
                     PARLEY_OK);
    parley_view_t vw;
    memset(&vw, 0, sizeof vw);
    vw.party = i;
    vw.public_scenario = pub;
    const parley_driver_t *d = parley_strategy_driver(st);
    assert_int_equal(d->disclose(d->ctx, &vw, &sc->parties[i]), PARLEY_OK);
    char *text = NULL;
    assert_int_equal(parley_scenario_to_string(sc, &text), PARLEY_OK);
    parley_scenario_free(sc);
    json_t *profiles[PARLEY_MAX_PARTIES] = {0};
    json_t *pubj = split(text, profiles);
    size_t np = json_array_size(json_object_get(pubj, "parties"));
    json_t *mine = profiles[i];
    for (size_t k = 0; k < np; k++)
        if (k != i)
            json_decref(profiles[k]);
    json_decref(pubj);
    parley_free(text);
    return mine;
}

typedef struct run {
    parley_principal_t who[PARLEY_MAX_PARTIES];
    parley_strategy_t *st[PARLEY_MAX_PARTIES];
} run_t;

/* Parties submit the concerns their strategy has, before an ask. */
static void send_concerns(fx_t *f, const char *sid, run_t *r,
                          const parley_scenario_t *full,
                          const parley_scenario_t *pub,
                          const parley_rules_t *rules, unsigned *n_concern)
{
    for (size_t i = 0; i < full->n_parties; i++) {
        if (!r->st[i])
            continue;
        parley_view_t vw;
        memset(&vw, 0, sizeof vw);
        vw.party = i;
        vw.public_scenario = pub;
        vw.rules = rules;
        char text[512] = "";
        const parley_driver_t *d = parley_strategy_driver(r->st[i]);
        assert_int_equal(d->concern(d->ctx, &vw, text, sizeof text),
                         PARLEY_OK);
        if (!text[0])
            continue;
        char rid[32];
        snprintf(rid, sizeof rid, "concern-%u", (*n_concern)++);
        assert_int_equal(write_json(f, &r->who[i], sid, "concern",
                                    json_pack("{s:s, s:s}", "text", text,
                                              "request_id", rid),
                                    NULL),
                         PARLEY_OK);
    }
}

/* One party's turn: answers or concedes when asked; 1 when it did. */
static int party_turn(fx_t *f, const char *sid, run_t *r, size_t i,
                      const parley_scenario_t *full,
                      const parley_scenario_t *pub,
                      const parley_rules_t *rules)
{
    json_t *v = read_json(f, &r->who[i], sid, "view");
    json_t *asked = json_object_get(v, "asked");
    if (!json_is_object(asked)) {
        json_decref(v);
        return 0;
    }
    char what[32];
    snprintf(what, sizeof what, "%s",
             json_string_value(json_object_get(asked, "action")));
    unsigned round = (unsigned)json_integer_value(json_object_get(asked,
                                                                  "round"));
    pview_t pv;
    parse_view(json_object_get(v, "view"), pub, rules, &full->parties[i], &pv);
    assert_int_equal(pv.v.round, round);
    assert_int_equal(pv.v.party, i);
    const parley_driver_t *d = parley_strategy_driver(r->st[i]);
    char rid[32];
    json_t *body;
    if (strcmp(what, "answer") == 0) {
        parley_answer_t a;
        memset(&a, 0, sizeof a);
        assert_int_equal(d->answer(d->ctx, &pv.v, &a), PARLEY_OK);
        static const char *const kinds[] = {"accept", "object", "veto",
                                            "walkout"};
        snprintf(rid, sizeof rid, "answer-%u", round);
        body = json_pack("{s:i, s:s, s:s}", "round", (int)round, "kind",
                         kinds[a.kind], "request_id", rid);
        if (a.kind == PARLEY_ANSWER_OBJECT || a.kind == PARLEY_ANSWER_VETO) {
            json_t *is = json_array();
            for (size_t t = 0; t < a.n_issues; t++)
                json_array_append_new(
                    is, json_string(full->issues[a.issues[t]].id));
            json_object_set_new(body, "issues", is);
        }
        if (a.kind == PARLEY_ANSWER_VETO) {
            json_object_set_new(body, "ground",
                                json_string(parley_veto_ground_name(a.ground)));
            json_object_set_new(body, "text_round",
                                json_integer(a.text_round));
        }
        if (a.reason[0])
            json_object_set_new(body, "reason", json_string(a.reason));
    } else {
        assert_string_equal(what, "concede");
        double asp = pv.v.aspiration;
        assert_int_equal(d->concede(d->ctx, &pv.v, &asp), PARLEY_OK);
        snprintf(rid, sizeof rid, "concede-%u", round);
        body = json_pack("{s:i, s:f, s:s}", "round", (int)round, "aspiration",
                         asp, "request_id", rid);
    }
    json_decref(v);
    char *reply = NULL;
    parley_status_t st = write_json(f, &r->who[i], sid, what, body, &reply);
    if (st != PARLEY_OK)
        parley_diags_print(f->diags, stderr);
    assert_int_equal(st, PARLEY_OK);
    parley_free(reply);
    return 1;
}

/*
 * A whole live session of sc_text with strategies `kinds` and `seed`,
 * through the API; returns the mediator's events reply.
 */
static char *live_run(fx_t *f, const char *sid, const char *sc_text,
                      const parley_strategy_kind_t *kinds, uint64_t seed)
{
    json_t *profiles[PARLEY_MAX_PARTIES] = {0};
    json_t *pubj = split(sc_text, profiles);
    create(f, sid, pubj, seed);
    char *pubtext = json_dumps(pubj, JSON_COMPACT);
    parley_scenario_t *pub = NULL, *full = NULL;
    assert_int_equal(parley__scenario_read_public(pubtext, strlen(pubtext),
                                                  "pub", &pub, NULL),
                     PARLEY_OK);
    free(pubtext);
    assert_int_equal(parley_scenario_read_string(sc_text, strlen(sc_text),
                                                 "sc", &full, NULL),
                     PARLEY_OK);
    parley_rules_t rules;
    parley_rules_of(pub, &rules);
    run_t r;
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < full->n_parties; i++) {
        if (full->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        principal(f, sid, full->parties[i].id, PARLEY_ROLE_PARTY, &r.who[i]);
        assert_int_equal(parley_strategy_new(kinds[i], full, i,
                                             parley_study_strategy_seed(seed,
                                                                        i),
                                             &r.st[i]),
                         PARLEY_OK);
        json_t *prof = kinds[i] == PARLEY_STRATEGY_MISREPORTER
                           ? declared_profile(sc_text, i, r.st[i], pub)
                           : json_incref(profiles[i]);
        assert_int_equal(write_json(f, &r.who[i], sid, "profile",
                                    json_pack("{s:o, s:s}", "profile", prof,
                                              "request_id", "profile"),
                                    NULL),
                         PARLEY_OK);
    }
    unsigned n_concern = 0, n_action = 0;
    size_t units = 0, opened = 0;
    send_concerns(f, sid, &r, full, pub, &rules, &n_concern);
    for (int guard = 0;; guard++) {
        assert_true(guard < 100000);
        int moved = 0;
        for (size_t i = (size_t)guard % full->n_parties;
             g_extra_concerns && i < full->n_parties; i++) {
            if (!r.st[i])
                continue;
            json_t *st = read_json(f, &f->med, sid, "state");
            int over = json_is_true(json_object_get(st, "ended"));
            json_decref(st);
            if (over)
                break;
            char rid[32], said[64];
            snprintf(rid, sizeof rid, "extra-%d", guard);
            snprintf(said, sizeof said, "extra concern %d", guard);
            assert_int_equal(write_json(f, &r.who[i], sid, "concern",
                                        json_pack("{s:s, s:s}", "text", said,
                                                  "request_id", rid),
                                        NULL),
                             PARLEY_OK);
            break;
        }
        for (size_t i = 0; i < full->n_parties; i++)
            if (r.st[i])
                moved |= party_turn(f, sid, &r, i, full, pub, &rules);
        if (moved)
            continue;
        json_t *s = read_json(f, &f->med, sid, "state");
        if (json_is_true(json_object_get(s, "ended"))) {
            json_decref(s);
            break;
        }
        json_t *aw = json_array_get(json_object_get(s, "awaiting"), 0);
        assert_non_null(aw);
        assert_string_equal(json_string_value(json_object_get(aw, "from")),
                            "mediator");
        char action[32];
        snprintf(action, sizeof action, "%s",
                 json_string_value(json_object_get(aw, "action")));
        json_decref(s);
        if (strcmp(action, "open_cluster") == 0) {
            /* The engine asks for concerns as it opens an agenda unit. */
            if (!units) {
                json_t *ev = read_json(f, &f->med, sid, "events");
                json_t *e;
                size_t k;
                json_array_foreach(json_object_get(ev, "events"), k, e)
                {
                    if (strcmp(json_string_value(json_object_get(e, "kind")),
                               "agenda") == 0)
                        units = json_array_size(json_object_get(e, "order"));
                }
                json_decref(ev);
            }
            if (opened++ < units)
                send_concerns(f, sid, &r, full, pub, &rules, &n_concern);
        }
        char rid[32];
        snprintf(rid, sizeof rid, "m-%u", n_action++);
        if (g_restart_every && n_action % g_restart_every == 0) {
            size_t p0 = 0;
            while (!r.st[p0])
                p0++;
            restart_and_compare(f, sid, &r.who[p0]);
        }
        char *reply = NULL;
        parley_status_t st = write_json(
            f, &f->med, sid, action, json_pack("{s:s}", "request_id", rid),
            &reply);
        if (st != PARLEY_OK)
            parley_diags_print(f->diags, stderr);
        assert_int_equal(st, PARLEY_OK);
        parley_free(reply);
    }
    char *out = NULL;
    assert_int_equal(parley_live_read(f->live, &f->med, sid, "events", 0, &out,
                                      f->diags),
                     PARLEY_OK);
    for (size_t i = 0; i < full->n_parties; i++) {
        parley_strategy_free(r.st[i]);
        json_decref(profiles[i]);
    }
    json_decref(pubj);
    parley_scenario_free(pub);
    parley_scenario_free(full);
    return out;
}

/* The events reply the mediator should read for a log. */
static char *expected_reply(const lines_t *log)
{
    size_t n = 64;
    for (size_t i = 0; i < log->n; i++)
        n += strlen(log->v[i]) + 1;
    char *s = malloc(n);
    strcpy(s, "{\"events\":[");
    for (size_t i = 0; i < log->n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, log->v[i]);
    }
    sprintf(s + strlen(s), "],\"next\":%zu}", log->n);
    return s;
}

static void check_same(fx_t *f, const char *sid, const char *sc_text,
                       const parley_strategy_kind_t *kinds, uint64_t seed)
{
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_scenario_read_string(sc_text, strlen(sc_text),
                                                 "sc", &sc, NULL),
                     PARLEY_OK);
    lines_t log = {0};
    direct_run(sc, kinds, seed, &log);
    parley_scenario_free(sc);
    if (getenv("LIVE_DEBUG")) {
        size_t na = 0, nc = 0, nv = 0, nk = 0;
        for (size_t i = 0; i < log.n; i++) {
            na += strstr(log.v[i], "\"kind\":\"answer\"") != NULL;
            nc += strstr(log.v[i], "\"kind\":\"concession\"") != NULL;
            nv += strstr(log.v[i], "\"kind\":\"veto_ruling\"") != NULL;
            nk += strstr(log.v[i], "\"kind\":\"concern\"") != NULL;
        }
        fprintf(stderr, "%s: %zu events, %zu answers, %zu concessions, %zu "
                        "rulings, %zu concerns; last: %.160s\n",
                sid, log.n, na, nc, nv, nk, log.v[log.n - 1]);
    }
    char *got = live_run(f, sid, sc_text, kinds, seed);
    char *want = expected_reply(&log);
    if (strcmp(got, want) != 0) {
        size_t k = 0;
        while (got[k] && got[k] == want[k])
            k++;
        fprintf(stderr, "first difference at byte %zu:\n got: %.300s\nwant: "
                        "%.300s\n",
                k, got + (k > 100 ? k - 100 : 0),
                want + (k > 100 ? k - 100 : 0));
    }
    assert_string_equal(got, want);
    /* The committed lines are in the store too, in order. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT seq, json FROM live_events "
                                        "WHERE session = ?1 ORDER BY seq",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, sid, -1, SQLITE_STATIC);
    size_t n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        assert_true(n < log.n);
        assert_int_equal(sqlite3_column_int64(q, 0), (sqlite3_int64)n + 1);
        assert_string_equal((const char *)sqlite3_column_text(q, 1),
                            log.v[n]);
        n++;
    }
    assert_int_equal(n, log.n);
    sqlite3_finalize(q);
    sqlite3_close(db);
    parley_free(got);
    free(want);
    lines_free(&log);
}

static void kinds_all(parley_strategy_kind_t *k, parley_strategy_kind_t kind)
{
    for (size_t i = 0; i < PARLEY_MAX_PARTIES; i++)
        k[i] = kind;
}

/* THE test: river-basin, several seeds and strategy mixes. */
static void test_river_basin_same_log(void **state)
{
    fx_t *f = *state;
    char *text = slurp(RIVER);
    parley_strategy_kind_t k[PARLEY_MAX_PARTIES];
    kinds_all(k, PARLEY_STRATEGY_TRUTHFUL);
    check_same(f, "rb-truthful-1", text, k, 1);
    check_same(f, "rb-truthful-7", text, k, 7);
    /* A mix with every kind that answers from its view. */
    k[0] = PARLEY_STRATEGY_BOULWARE;
    k[1] = PARLEY_STRATEGY_CONCEDER;
    k[2] = PARLEY_STRATEGY_TIT_FOR_TAT;
    k[3] = PARLEY_STRATEGY_HARDLINER;
    k[4] = PARLEY_STRATEGY_MISREPORTER;
    check_same(f, "rb-mix-3", text, k, 3);
    check_same(f, "rb-mix-11", text, k, 11);
    kinds_all(k, PARLEY_STRATEGY_HARDLINER);
    check_same(f, "rb-hard-5", text, k, 5);
    free(text);
}

/* The same on generated scenarios. */
static void test_random_same_log(void **state)
{
    fx_t *f = *state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        parley_generate_opts_t o;
        parley_generate_opts_init(&o);
        o.n_parties = 3 + seed % 2;
        o.n_issues = 3 + seed % 3;
        o.n_options = 3;
        o.conflict = 0.3 + 0.1 * (double)seed;
        o.power = seed % 2 ? PARLEY_POWER_LINEAR : PARLEY_POWER_RANDOM;
        o.seed = seed;
        parley_scenario_t *sc = NULL;
        assert_int_equal(parley_generate(&o, &sc, NULL), PARLEY_OK);
        char *text = NULL;
        assert_int_equal(parley_scenario_to_string(sc, &text), PARLEY_OK);
        parley_scenario_free(sc);
        parley_strategy_kind_t k[PARLEY_MAX_PARTIES];
        for (size_t i = 0; i < PARLEY_MAX_PARTIES; i++)
            k[i] = (parley_strategy_kind_t)((i + seed) %
                                            PARLEY_STRATEGY_COUNT);
        char sid[32];
        snprintf(sid, sizeof sid, "gen-%llu", (unsigned long long)seed);
        check_same(f, sid, text, k, seed * 13);
        parley_free(text);
    }
}

/* A session restarted every few actions replays to the same log. */
static void test_restart(void **state)
{
    fx_t *f = *state;
    char *text = slurp(RIVER);
    parley_strategy_kind_t k[PARLEY_MAX_PARTIES];
    kinds_all(k, PARLEY_STRATEGY_TIT_FOR_TAT);
    g_restart_every = 5;
    check_same(f, "restarted", text, k, 4);
    g_restart_every = 0;
    free(text);
}

/* The present after every write (replayed incrementally from the one
 * before, or kept as it was after a concern) is the present a replay from
 * scratch computes, through whole sessions. */
static void test_incremental_replay(void **state)
{
    fx_t *f = *state;
    char *text = slurp(RIVER);
    parley_strategy_kind_t k[PARLEY_MAX_PARTIES];
    parley__live_check.on = 1;
    parley__live_check.checked = parley__live_check.differed = 0;
    k[0] = PARLEY_STRATEGY_BOULWARE;
    k[1] = PARLEY_STRATEGY_CONCEDER;
    k[2] = PARLEY_STRATEGY_TIT_FOR_TAT;
    k[3] = PARLEY_STRATEGY_HARDLINER;
    k[4] = PARLEY_STRATEGY_MISREPORTER;
    check_same(f, "inc-mix-3", text, k, 3);
    kinds_all(k, PARLEY_STRATEGY_HARDLINER);
    check_same(f, "inc-hard-5", text, k, 5);
    unsigned long plain = parley__live_check.checked;
    assert_true(plain > 100);
    assert_int_equal(parley__live_check.differed, 0);
    /* Concerns at every turn: before answers, between them, with a text
     * tabled and not, at every kind of step. */
    g_extra_concerns = 1;
    kinds_all(k, PARLEY_STRATEGY_TRUTHFUL);
    parley_free(live_run(f, "inc-extra-1", text, k, 1));
    k[0] = PARLEY_STRATEGY_CONCEDER;
    k[2] = PARLEY_STRATEGY_HARDLINER;
    parley_free(live_run(f, "inc-extra-9", text, k, 9));
    g_extra_concerns = 0;
    parley__live_check.on = 0;
    assert_true(parley__live_check.checked > plain + 100);
    assert_int_equal(parley__live_check.differed, 0);
    free(text);
}

/* ---- a session to poke at ------------------------------------------------ */

typedef struct poke {
    json_t *profiles[PARLEY_MAX_PARTIES];
    json_t *pub;
    parley_principal_t who[PARLEY_MAX_PARTIES];
    parley_principal_t observer, guarantor, monitor;
    size_t n_parties;
} poke_t;

static void poke_open(fx_t *f, const char *sid, poke_t *p, int profiles)
{
    memset(p, 0, sizeof *p);
    char *text = slurp(RIVER);
    p->pub = split(text, p->profiles);
    free(text);
    create(f, sid, p->pub, 9);
    json_t *parts = json_object_get(p->pub, "parties");
    p->n_parties = json_array_size(parts);
    for (size_t i = 0; i < p->n_parties; i++) {
        json_t *e = json_array_get(parts, i);
        const char *id = json_string_value(json_object_get(e, "id"));
        const char *role = json_string_value(json_object_get(e, "role"));
        if (strcmp(role, "party") == 0) {
            principal(f, sid, id, PARLEY_ROLE_PARTY, &p->who[i]);
            if (profiles)
                assert_int_equal(
                    write_json(f, &p->who[i], sid, "profile",
                               json_pack("{s:O, s:s}", "profile",
                                         p->profiles[i], "request_id", "pr"),
                               NULL),
                    PARLEY_OK);
        } else if (strcmp(role, "guarantor") == 0) {
            principal(f, sid, id, PARLEY_ROLE_GUARANTOR, &p->guarantor);
        } else {
            principal(f, sid, id, PARLEY_ROLE_MONITOR, &p->monitor);
        }
    }
    principal(f, sid, "press", PARLEY_ROLE_OBSERVER, &p->observer);
}

static void poke_close(poke_t *p)
{
    for (size_t i = 0; i < p->n_parties; i++)
        json_decref(p->profiles[i]);
    json_decref(p->pub);
}

/* The mediator does what is awaited of it until a party is asked. */
static void mediate_until_asked(fx_t *f, const char *sid)
{
    for (int n = 0; n < 100; n++) {
        json_t *s = read_json(f, &f->med, sid, "state");
        json_t *aw = json_array_get(json_object_get(s, "awaiting"), 0);
        assert_non_null(aw);
        char from[64], action[32];
        snprintf(from, sizeof from, "%s",
                 json_string_value(json_object_get(aw, "from")));
        snprintf(action, sizeof action, "%s",
                 json_string_value(json_object_get(aw, "action")));
        json_decref(s);
        if (strcmp(from, "mediator") != 0)
            return;
        static unsigned serial;
        char rid[32];
        snprintf(rid, sizeof rid, "u-%u", serial++);
        assert_int_equal(write_json(f, &f->med, sid, action,
                                    json_pack("{s:s}", "request_id", rid),
                                    NULL),
                         PARLEY_OK);
    }
    fail_msg("the session never asked a party");
}

static long count_rows(fx_t *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static long store_size(fx_t *f)
{
    return count_rows(f, "SELECT (SELECT count(*) FROM ledger) * 1000000 + "
                         "(SELECT count(*) FROM live_inputs) * 1000 + "
                         "(SELECT count(*) FROM live_events)");
}

static int has_diag(fx_t *f, parley_status_t code, const char *path)
{
    for (size_t i = 0; i < parley_diags_count(f->diags); i++) {
        const parley_diag_t *d = parley_diags_get(f->diags, i);
        if (d->code == code && (!path || strcmp(d->path, path) == 0))
            return 1;
    }
    return 0;
}

/* Writes with a bare body; the status. */
static parley_status_t act(fx_t *f, const parley_principal_t *by,
                           const char *sid, const char *action,
                           const char *rid)
{
    return write_json(f, by, sid, action,
                      json_pack("{s:s}", "request_id", rid), NULL);
}

static json_t *answer_body(unsigned round, const char *kind, const char *rid)
{
    return json_pack("{s:i, s:s, s:s}", "round", (int)round, "kind", kind,
                     "request_id", rid);
}

/* The round a party is asked to answer in, or 0. */
static unsigned asked_round(fx_t *f, const parley_principal_t *by,
                            const char *sid)
{
    json_t *v = read_json(f, by, sid, "view");
    json_t *a = json_object_get(v, "asked");
    unsigned r = json_is_object(a) ? (unsigned)json_integer_value(
                                         json_object_get(a, "round"))
                                   : 0;
    json_decref(v);
    return r;
}

/*
 * Everyone accepts (and keeps its aspiration when asked to concede) until
 * `b` is asked to answer a binding text; its round.
 */
static unsigned advance_to_binding(fx_t *f, const char *sid, poke_t *p,
                                   const parley_principal_t *b)
{
    for (int n = 0; n < 60; n++) {
        mediate_until_asked(f, sid);
        json_t *v = read_json(f, b, sid, "view");
        json_t *asked = json_object_get(v, "asked");
        int binding =
            json_is_object(asked) &&
            strcmp(json_string_value(json_object_get(asked, "action")),
                   "answer") == 0 &&
            !json_is_true(json_object_get(json_object_get(v, "view"),
                                          "pilot"));
        unsigned r = (unsigned)json_integer_value(json_object_get(asked,
                                                                  "round"));
        json_decref(v);
        if (binding)
            return r;
        for (size_t i = 0; i < p->n_parties; i++) {
            if (!p->who[i].actor[0])
                continue;
            v = read_json(f, &p->who[i], sid, "view");
            asked = json_object_get(v, "asked");
            static unsigned serial;
            char rid[32];
            snprintf(rid, sizeof rid, "adv-%u", serial++);
            if (json_is_object(asked)) {
                const char *what =
                    json_string_value(json_object_get(asked, "action"));
                unsigned ar = (unsigned)json_integer_value(
                    json_object_get(asked, "round"));
                json_t *body =
                    strcmp(what, "answer") == 0
                        ? answer_body(ar, "accept", rid)
                        : json_pack("{s:i, s:O, s:s}", "round", (int)ar,
                                    "aspiration",
                                    json_object_get(json_object_get(v, "view"),
                                                    "aspiration"),
                                    "request_id", rid);
                char action[16];
                snprintf(action, sizeof action, "%s", what);
                assert_int_equal(write_json(f, &p->who[i], sid, action, body,
                                            NULL),
                                 PARLEY_OK);
            }
            json_decref(v);
        }
    }
    fail_msg("no binding round came");
    return 0;
}

/* ---- the mediator's own text -------------------------------------------- */

/* Every party asked accepts (or keeps its aspiration); 1 if any was. */
static int parties_go_along(fx_t *f, const char *sid, poke_t *p)
{
    int any = 0;
    for (size_t i = 0; i < p->n_parties; i++) {
        if (!p->who[i].actor[0])
            continue;
        json_t *v = read_json(f, &p->who[i], sid, "view");
        json_t *asked = json_object_get(v, "asked");
        static unsigned serial;
        char rid[32];
        snprintf(rid, sizeof rid, "along-%u", serial++);
        if (json_is_object(asked)) {
            const char *what =
                json_string_value(json_object_get(asked, "action"));
            unsigned ar =
                (unsigned)json_integer_value(json_object_get(asked, "round"));
            json_t *body =
                strcmp(what, "answer") == 0
                    ? answer_body(ar, "accept", rid)
                    : json_pack("{s:i, s:O, s:s}", "round", (int)ar,
                                "aspiration",
                                json_object_get(json_object_get(v, "view"),
                                                "aspiration"),
                                "request_id", rid);
            char action[16];
            snprintf(action, sizeof action, "%s", what);
            assert_int_equal(write_json(f, &p->who[i], sid, action, body,
                                        NULL),
                             PARLEY_OK);
            any = 1;
        }
        json_decref(v);
    }
    return any;
}

/* Goes along with everything until the mediator is asked to propose; the
 * state then. */
static json_t *until_propose(fx_t *f, const char *sid, poke_t *p)
{
    for (int n = 0; n < 200; n++) {
        json_t *s = read_json(f, &f->med, sid, "state");
        json_t *aw = json_array_get(json_object_get(s, "awaiting"), 0);
        assert_non_null(aw);
        char from[64], action[32];
        snprintf(from, sizeof from, "%s",
                 json_string_value(json_object_get(aw, "from")));
        snprintf(action, sizeof action, "%s",
                 json_string_value(json_object_get(aw, "action")));
        if (strcmp(from, "mediator") == 0 && strcmp(action, "propose") == 0)
            return s;
        json_decref(s);
        if (strcmp(from, "mediator") == 0) {
            static unsigned serial;
            char rid[32];
            snprintf(rid, sizeof rid, "tp-%u", serial++);
            assert_int_equal(act(f, &f->med, sid, action, rid), PARLEY_OK);
        } else {
            assert_true(parties_go_along(f, sid, p));
        }
    }
    fail_msg("the mediator was never asked to propose");
    return NULL;
}

/*
 * An option label of issue `id` of the public scenario: a named option
 * other than `not` for a discrete issue, else the label `cur` (the
 * current text) gives it.
 */
static const char *other_label(const json_t *pub, const char *id,
                               const char *not, const json_t *cur)
{
    size_t i;
    json_t *is;
    json_array_foreach(json_object_get(pub, "issues"), i, is)
    {
        if (strcmp(json_string_value(json_object_get(is, "id")), id) != 0)
            continue;
        json_t *opts = json_object_get(is, "options");
        for (size_t j = json_array_size(opts); j-- > 0;) {
            const char *l = json_string_value(json_array_get(opts, j));
            if (!not || strcmp(l, not) != 0)
                return l;
        }
        const char *l = json_string_value(json_object_get(cur, id));
        assert_non_null(l);
        return l;
    }
    fail_msg("no issue '%s'", id);
    return NULL;
}

/* A propose with a text; the status, and the store is unchanged on error. */
static parley_status_t propose_text(fx_t *f, const char *sid, json_t *text,
                                    const char *rid)
{
    long before = store_size(f);
    parley_status_t st = write_json(
        f, &f->med, sid, "propose",
        json_pack("{s:o, s:s}", "text", text, "request_id", rid), NULL);
    if (st != PARLEY_OK)
        assert_int_equal(store_size(f), before);
    return st;
}

static void test_mediator_text(void **state)
{
    fx_t *f = *state;
    poke_t p;
    parley__live_check.on = 1;
    unsigned long checked = parley__live_check.checked;
    poke_open(f, "own", &p, 1);
    json_t *st = until_propose(f, "own", &p);
    json_t *open = json_object_get(st, "open_issues");
    json_t *cur = json_object_get(st, "text");
    assert_true(json_array_size(open) > 1);
    /* What the mediator may table: the open issues, their options, the
     * engine's choice among them. */
    json_t *prop = json_object_get(st, "proposal");
    assert_true(json_equal(json_object_get(prop, "open_issues"), open));
    assert_int_equal(json_object_size(json_object_get(prop, "suggested")),
                     json_array_size(open));
    assert_int_equal(json_object_size(json_object_get(prop, "options")),
                     json_array_size(open));
    const char *o0 = json_string_value(json_array_get(open, 0));
    const char *o1 = json_string_value(json_array_get(open, 1));

    /* The text the mediator means to table: another option everywhere. */
    json_t *mine = json_object();
    size_t q, changed = 0;
    json_t *x;
    json_array_foreach(open, q, x)
    {
        const char *id = json_string_value(x);
        json_object_set_new(
            mine, id,
            json_string(other_label(
                p.pub, id, json_string_value(json_object_get(cur, id)),
                cur)));
        changed += strcmp(json_string_value(json_object_get(mine, id)),
                          json_string_value(json_object_get(cur, id))) != 0;
    }
    assert_true(changed > 0);
    /* An issue that is not open. */
    const char *closed = NULL;
    json_t *ix;
    json_array_foreach(json_object_get(p.pub, "issues"), q, ix)
    {
        const char *id = json_string_value(json_object_get(ix, "id"));
        int is_open = 0;
        size_t t;
        json_array_foreach(open, t, x)
            is_open |= strcmp(json_string_value(x), id) == 0;
        if (!is_open && !closed)
            closed = id;
    }
    assert_non_null(closed);

    /* Refused, with the path, nothing stored. */
    char path[160];
    assert_int_equal(propose_text(f, "own", json_string("x"), "bad-1"),
                     PARLEY_ETYPE);
    assert_true(has_diag(f, PARLEY_ETYPE, "$.text"));
    json_t *t = json_deep_copy(mine);
    json_object_set_new(t, "nope", json_string("none"));
    assert_int_equal(propose_text(f, "own", t, "bad-2"), PARLEY_EINVALID);
    assert_true(has_diag(f, PARLEY_EINVALID, "$.text.nope"));
    t = json_deep_copy(mine);
    json_object_set_new(t, closed, json_string(other_label(p.pub, closed,
                                                           NULL, cur)));
    assert_int_equal(propose_text(f, "own", t, "bad-3"), PARLEY_EINVALID);
    snprintf(path, sizeof path, "$.text.%s", closed);
    assert_true(has_diag(f, PARLEY_EINVALID, path));
    t = json_deep_copy(mine);
    json_object_set_new(t, o0, json_string("no_such_option"));
    assert_int_equal(propose_text(f, "own", t, "bad-4"), PARLEY_EINVALID);
    snprintf(path, sizeof path, "$.text.%s", o0);
    assert_true(has_diag(f, PARLEY_EINVALID, path));
    t = json_deep_copy(mine);
    json_object_set_new(t, o0, json_integer(1));
    assert_int_equal(propose_text(f, "own", t, "bad-5"), PARLEY_ETYPE);
    assert_true(has_diag(f, PARLEY_ETYPE, path));
    t = json_deep_copy(mine);
    json_object_del(t, o1);
    assert_int_equal(propose_text(f, "own", t, "bad-6"), PARLEY_EMISSING);
    snprintf(path, sizeof path, "$.text.%s", o1);
    assert_true(has_diag(f, PARLEY_EMISSING, path));
    /* Nothing changed: propose is still awaited. */
    json_t *st2 = read_json(f, &f->med, "own", "state");
    assert_true(json_equal(st, st2));
    json_decref(st2);

    /* Tabled as written: in the state, in what the parties are shown. */
    long ledger0 = count_rows(f, "SELECT count(*) FROM ledger WHERE kind = "
                                 "'live.propose' AND payload LIKE "
                                 "'%\"text\":%'");
    assert_int_equal(ledger0, 0);
    assert_int_equal(propose_text(f, "own", json_deep_copy(mine), "mine"),
                     PARLEY_OK);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM ledger WHERE kind = "
                                   "'live.propose' AND payload LIKE "
                                   "'%\"text\":%'"),
                     1);
    json_t *after = read_json(f, &f->med, "own", "state");
    assert_true(json_is_null(json_object_get(after, "proposal")));
    json_t *tabled = json_object_get(after, "text");
    unsigned text_round =
        (unsigned)json_integer_value(json_object_get(after, "text_round"));
    json_array_foreach(open, q, x)
    {
        const char *id = json_string_value(x);
        assert_string_equal(json_string_value(json_object_get(tabled, id)),
                            json_string_value(json_object_get(mine, id)));
    }
    size_t asked = 0;
    for (size_t i = 0; i < p.n_parties; i++) {
        if (!p.who[i].actor[0])
            continue;
        json_t *v = read_json(f, &p.who[i], "own", "view");
        json_t *a = json_object_get(v, "asked");
        if (json_is_object(a)) {
            asked++;
            assert_int_equal(json_integer_value(json_object_get(a, "round")),
                             text_round);
            json_t *labels =
                json_object_get(json_object_get(v, "view"), "labels");
            assert_true(json_equal(labels, tabled));
        }
        json_decref(v);
    }
    assert_true(asked > 0);
    restart_and_compare(f, "own", &p.who[0]);

    /* They answer it; the session goes on, its log holds the text. */
    assert_true(parties_go_along(f, "own", &p));
    assert_int_equal(act(f, &f->med, "own", "close_round", "close-mine"),
                     PARLEY_OK);
    json_t *ev = read_json(f, &f->med, "own", "events");
    int found = 0;
    size_t answers = 0;
    json_array_foreach(json_object_get(ev, "events"), q, x)
    {
        const char *kind = json_string_value(json_object_get(x, "kind"));
        unsigned r = (unsigned)json_integer_value(json_object_get(x, "round"));
        if (strcmp(kind, "text") == 0 && r == text_round) {
            found = 1;
            assert_true(json_equal(json_object_get(x, "text"), tabled));
        }
        if (strcmp(kind, "answer") == 0 && r == text_round)
            answers++;
    }
    assert_true(found);
    assert_int_equal(answers, asked);
    json_decref(ev);
    json_t *later = read_json(f, &f->med, "own", "state");
    assert_true(json_integer_value(json_object_get(later, "round")) >=
                    text_round ||
                json_object_get(later, "outcome"));
    json_decref(later);
    restart_and_compare(f, "own", &p.who[0]);

    /* A propose without a text tables the engine's choice, the one the
     * state suggested. */
    json_t *st3 = until_propose(f, "own", &p);
    assert_int_equal(act(f, &f->med, "own", "propose", "plain"), PARLEY_OK);
    json_t *st4 = read_json(f, &f->med, "own", "state");
    assert_true(json_is_null(json_object_get(st4, "proposal")));
    const char *id;
    json_t *lab;
    json_object_foreach(json_object_get(json_object_get(st3, "proposal"),
                                        "suggested"),
                        id, lab)
    {
        assert_true(json_equal(json_object_get(json_object_get(st4, "text"),
                                               id),
                               lab));
        /* The suggestion is one of the options listed. */
        json_t *opts = json_object_get(
            json_object_get(json_object_get(st3, "proposal"), "options"), id);
        int listed = 0;
        json_array_foreach(opts, q, x) listed |= json_equal(x, lab);
        assert_true(listed);
    }
    json_decref(st3);
    json_decref(st4);
    restart_and_compare(f, "own", &p.who[0]);

    parley__live_check.on = 0;
    assert_true(parley__live_check.checked > checked);
    assert_int_equal(parley__live_check.differed, 0);
    json_decref(after);
    json_decref(mine);
    json_decref(st);
    poke_close(&p);
}

/* Replays, stale rounds, actions out of turn, and roles. */
static void test_refusals(void **state)
{
    fx_t *f = *state;
    poke_t p;
    poke_open(f, "poke", &p, 0);
    parley_principal_t *a = &p.who[0], *b = &p.who[1];
    /* Not before every profile is in. */
    assert_int_equal(act(f, &f->med, "poke", "start", "s0"), PARLEY_ESTATE);
    for (size_t i = 0; i < p.n_parties; i++)
        if (p.who[i].actor[0])
            assert_int_equal(
                write_json(f, &p.who[i], "poke", "profile",
                           json_pack("{s:O, s:s}", "profile", p.profiles[i],
                                     "request_id", "pr"),
                           NULL),
                PARLEY_OK);
    /* A party's profile that does not check names its path. */
    json_t *badp = json_deep_copy(p.profiles[0]);
    json_object_set_new(json_object_get(json_object_get(badp, "utility"),
                                        "data_sharing"),
                        "weight", json_real(-1));
    assert_int_not_equal(write_json(f, a, "poke", "profile",
                                    json_pack("{s:o, s:s}", "profile", badp,
                                              "request_id", "bad"),
                                    NULL),
                         PARLEY_OK);
    assert_true(has_diag(f, PARLEY_ERANGE,
                         "$.profile.utility.data_sharing.weight"));
    assert_int_equal(write_json(f, a, "poke", "answer",
                                answer_body(1, "accept", "early"), NULL),
                     PARLEY_ESTATE);
    mediate_until_asked(f, "poke");
    /* Profiles are fixed once started. */
    assert_int_equal(write_json(f, a, "poke", "profile",
                                json_pack("{s:O, s:s}", "profile",
                                          p.profiles[0], "request_id", "late"),
                                NULL),
                     PARLEY_ESTATE);
    unsigned r = asked_round(f, a, "poke");
    assert_true(r >= 1);
    /* The mediator may not move while answers are awaited. */
    assert_int_equal(act(f, &f->med, "poke", "propose", "x1"), PARLEY_ESTATE);
    assert_int_equal(act(f, &f->med, "poke", "close_round", "x2"),
                     PARLEY_ESTATE);
    assert_int_equal(act(f, &f->med, "poke", "open_cluster", "x3"),
                     PARLEY_ESTATE);
    /* A stale or future round. */
    assert_int_equal(write_json(f, b, "poke", "answer",
                                answer_body(r + 1, "accept", "fut"), NULL),
                     PARLEY_ESTATE);
    assert_true(has_diag(f, PARLEY_ESTATE, "$.round"));
    if (r > 1)
        assert_int_equal(write_json(f, b, "poke", "answer",
                                    answer_body(r - 1, "accept", "old"), NULL),
                         PARLEY_ESTATE);
    /* An answer, then its replay: refused, the store unchanged. */
    long before = store_size(f);
    assert_int_equal(write_json(f, a, "poke", "answer",
                                answer_body(r, "accept", "ans-1"), NULL),
                     PARLEY_OK);
    long after = store_size(f);
    assert_true(after > before);
    assert_int_equal(write_json(f, a, "poke", "answer",
                                answer_body(r, "accept", "ans-1"), NULL),
                     PARLEY_EDUPLICATE);
    assert_int_equal(store_size(f), after);
    /* A second answer in the same round. */
    assert_int_equal(write_json(f, a, "poke", "answer",
                                answer_body(r, "object", "ans-2"), NULL),
                     PARLEY_ESTATE);
    assert_int_equal(store_size(f), after);
    /* Bodies: syntax, depth, size, fields, types. */
    const char *broken = "{\"round\": 1, \"kind\": ";
    assert_int_equal(parley_live_write(f->live, b, "poke", "answer", broken,
                                       strlen(broken), NULL, f->diags),
                     PARLEY_ESYNTAX);
    char deep[200];
    memset(deep, '[', 40);
    strcpy(deep + 40, "1");
    memset(deep + 41, ']', 40);
    deep[81] = '\0';
    char wrapped[256];
    snprintf(wrapped, sizeof wrapped, "{\"x\":%s}", deep);
    assert_int_equal(parley_live_write(f->live, b, "poke", "answer", wrapped,
                                       strlen(wrapped), NULL, f->diags),
                     PARLEY_ELIMIT);
    size_t big = PARLEY_LIVE_MAX_BODY + 10;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = '\0';
    assert_int_equal(parley_live_write(f->live, b, "poke", "answer", huge, big,
                                       NULL, f->diags),
                     PARLEY_ELIMIT);
    free(huge);
    parley_diags_clear(f->diags);
    assert_int_equal(write_json(f, b, "poke", "answer",
                                json_pack("{s:i, s:s, s:s, s:i}", "round",
                                          (int)r, "kind", "accept",
                                          "request_id", "u1", "bogus", 1),
                                NULL),
                     PARLEY_EUNKNOWN);
    assert_true(has_diag(f, PARLEY_EUNKNOWN, "$.bogus"));
    assert_int_equal(write_json(f, b, "poke", "answer",
                                json_pack("{s:s, s:s, s:s}", "round", "one",
                                          "kind", "accept", "request_id",
                                          "u2"),
                                NULL),
                     PARLEY_ETYPE);
    assert_true(has_diag(f, PARLEY_ETYPE, "$.round"));
    assert_int_equal(write_json(f, b, "poke", "answer",
                                json_pack("{s:i, s:s}", "round", (int)r,
                                          "kind", "accept"),
                                NULL),
                     PARLEY_EMISSING);
    assert_true(has_diag(f, PARLEY_EMISSING, "$.request_id"));
    assert_int_equal(write_json(f, b, "poke", "answer",
                                json_pack("{s:i, s:s, s:[s], s:s}", "round",
                                          (int)r, "kind", "object", "issues",
                                          "no_such_issue", "request_id", "u3"),
                                NULL),
                     PARLEY_EINVALID);
    assert_true(has_diag(f, PARLEY_EINVALID, "$.issues[0]"));
    /* A veto: its ruling comes back with the reply. */
    r = advance_to_binding(f, "poke", &p, b);
    char *reply = NULL;
    assert_int_equal(write_json(f, b, "poke", "answer",
                                json_pack("{s:i, s:s, s:s, s:i, s:[s], s:s}",
                                          "round", (int)r, "kind", "veto",
                                          "ground", "reservation",
                                          "text_round", (int)r, "issues",
                                          "min_flow", "request_id", "veto"),
                                &reply),
                     PARLEY_OK);
    json_t *rj = json_loads(reply, 0, NULL);
    parley_free(reply);
    json_t *ruling = json_object_get(rj, "ruling");
    assert_non_null(ruling);
    assert_string_equal(json_string_value(json_object_get(ruling, "kind")),
                        "veto_ruling");
    assert_true(json_is_boolean(json_object_get(ruling, "upheld")));
    json_decref(rj);

    /* Roles: every action by someone who may not. */
    static const char *const mediator_actions[] = {
        "start", "open_cluster", "propose", "pilot", "close_round", "agree",
        "commitment", NULL};
    static const char *const party_actions[] = {"profile", "concern",
                                                "answer", "concede", NULL};
    const parley_principal_t *others[] = {a, &p.observer, &p.guarantor,
                                          &p.monitor};
    before = store_size(f);
    for (size_t w = 0; w < 4; w++)
        for (size_t i = 0; mediator_actions[i]; i++)
            assert_int_equal(act(f, others[w], "poke", mediator_actions[i],
                                 "deny"),
                             PARLEY_EDENIED);
    const parley_principal_t *nonparties[] = {&f->med, &p.observer,
                                              &p.guarantor, &p.monitor};
    for (size_t w = 0; w < 4; w++)
        for (size_t i = 0; party_actions[i]; i++)
            assert_int_equal(act(f, nonparties[w], "poke", party_actions[i],
                                 "deny"),
                             PARLEY_EDENIED);
    static const char *const mon[] = {"report", "consequence", "enforce",
                                      NULL};
    for (size_t i = 0; mon[i]; i++)
        assert_int_equal(act(f, &p.observer, "poke", mon[i], "deny"),
                         PARLEY_EDENIED);
    assert_int_equal(act(f, a, "poke", "consequence", "deny"), PARLEY_EDENIED);
    assert_int_equal(act(f, a, "poke", "enforce", "deny"), PARLEY_EDENIED);
    /* Monitoring before any agreement. */
    assert_int_equal(act(f, &f->med, "poke", "enforce", "early"),
                     PARLEY_ESTATE);
    char id[65];
    /* A scenario with a party's private fields is refused at their path. */
    char *full = slurp(RIVER);
    json_t *fullj = json_loads(full, 0, NULL);
    free(full);
    char *cf = body_of(json_pack("{s:s, s:o, s:s}", "id", "leaky", "scenario",
                                 fullj, "request_id", "c3"));
    parley_diags_clear(f->diags);
    assert_int_equal(parley_live_create(f->live, &f->med, cf, strlen(cf), id,
                                        f->diags),
                     PARLEY_EINVALID);
    assert_true(has_diag(f, PARLEY_EINVALID,
                         "$.scenario.parties[0].utility"));
    assert_true(has_diag(f, PARLEY_EINVALID,
                         "$.scenario.parties[0].reservation"));
    assert_true(parley_diags_get(f->diags, 0)->line > 0);
    free(cf);
    char *cb = body_of(json_pack("{s:s, s:O, s:s}", "id", "other", "scenario",
                                 p.pub, "request_id", "c2"));
    assert_int_equal(parley_live_create(f->live, a, cb, strlen(cb), id,
                                        f->diags),
                     PARLEY_EDENIED);
    free(cb);
    char tok[PARLEY_LIVE_TOKEN_SIZE];
    assert_int_equal(parley_live_issue(f->live, a, "poke", "x",
                                       PARLEY_ROLE_OBSERVER, tok, f->diags),
                     PARLEY_EDENIED);
    assert_int_equal(parley_live_issue(f->live, &f->med, "poke", "highvale",
                                       PARLEY_ROLE_MONITOR, tok, f->diags),
                     PARLEY_EINVALID);
    assert_int_equal(store_size(f), before);
    poke_close(&p);
}

/* Who sees what, tokens, and private data kept out of the ledger. */
static void test_visibility_and_ledger(void **state)
{
    fx_t *f = *state;
    char *text = slurp(RIVER);
    parley_strategy_kind_t k[PARLEY_MAX_PARTIES];
    kinds_all(k, PARLEY_STRATEGY_TRUTHFUL);
    k[3] = PARLEY_STRATEGY_HARDLINER; /* concerns: mediator-only events */
    check_same(f, "vis", text, k, 2);
    json_t *profiles[PARLEY_MAX_PARTIES] = {0};
    json_t *pubj = split(text, profiles);
    free(text);
    parley_principal_t hv, cm, obs, gua;
    principal(f, "vis", "highvale", PARLEY_ROLE_PARTY, &hv);
    principal(f, "vis", "carrowmere", PARLEY_ROLE_PARTY, &cm);
    principal(f, "vis", "press", PARLEY_ROLE_OBSERVER, &obs);
    principal(f, "vis", "basin_bank", PARLEY_ROLE_GUARANTOR, &gua);

    json_t *all = read_json(f, &f->med, "vis", "events");
    json_t *mine = read_json(f, &hv, "vis", "events");
    json_t *pub = read_json(f, &obs, "vis", "events");
    size_t n_all = json_array_size(json_object_get(all, "events"));
    size_t n_pub = 0, n_mine = 0, n_med = 0;
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(all, "events"), i, e)
    {
        const char *vis = json_string_value(json_object_get(e, "visibility"));
        const char *party = json_string_value(json_object_get(e, "party"));
        n_pub += strcmp(vis, "public") == 0;
        n_med += strcmp(vis, "mediator") == 0;
        n_mine += strcmp(vis, "party") == 0 && party &&
                  strcmp(party, "highvale") == 0;
    }
    assert_true(n_med > 0 && n_mine > 0 && n_pub > 0);
    assert_int_equal(json_array_size(json_object_get(pub, "events")), n_pub);
    assert_int_equal(json_array_size(json_object_get(mine, "events")),
                     n_pub + n_mine);
    json_array_foreach(json_object_get(mine, "events"), i, e)
    {
        const char *vis = json_string_value(json_object_get(e, "visibility"));
        assert_string_not_equal(vis, "mediator");
        if (strcmp(vis, "party") == 0)
            assert_string_equal(
                json_string_value(json_object_get(e, "party")), "highvale");
    }
    json_array_foreach(json_object_get(pub, "events"), i, e)
        assert_string_equal(json_string_value(json_object_get(e, "visibility")),
                            "public");
    assert_true(n_all > n_pub + n_mine);
    /* The cursor: nothing after the last. */
    json_t *none = NULL;
    char *out = NULL;
    assert_int_equal(parley_live_read(f->live, &hv, "vis", "events",
                                      (uint64_t)n_all, &out, f->diags),
                     PARLEY_OK);
    none = json_loads(out, 0, NULL);
    parley_free(out);
    assert_int_equal(json_array_size(json_object_get(none, "events")), 0);
    json_decref(none);
    json_decref(all);
    json_decref(mine);
    json_decref(pub);

    /* States: the mediator's analysis and everyone's utilities, a party's
     * own only. */
    json_t *ms = read_json(f, &f->med, "vis", "state");
    assert_true(json_is_object(json_object_get(ms, "analysis")));
    assert_int_equal(json_object_size(json_object_get(ms, "utilities")), 5);
    assert_string_equal(json_string_value(json_object_get(ms, "phase")),
                        "agreement");
    json_decref(ms);
    json_t *ps = read_json(f, &hv, "vis", "state");
    static const char *const private_keys[] = {
        "analysis", "utilities", "concerns", "vetoes", "inputs_this_round",
        "profiles_in", NULL};
    for (size_t q = 0; private_keys[q]; q++)
        assert_null(json_object_get(ps, private_keys[q]));
    assert_true(json_is_number(json_object_get(ps, "utility")));
    json_decref(ps);
    json_t *os = read_json(f, &obs, "vis", "state");
    for (size_t q = 0; private_keys[q]; q++)
        assert_null(json_object_get(os, private_keys[q]));
    assert_null(json_object_get(os, "utility"));
    json_decref(os);
    /* Views: one's own profile only; non-parties have none. */
    json_t *v = read_json(f, &hv, "vis", "view");
    assert_true(json_equal(json_object_get(v, "profile"), profiles[0]));
    json_decref(v);
    v = read_json(f, &cm, "vis", "view");
    assert_true(json_equal(json_object_get(v, "profile"), profiles[1]));
    json_decref(v);
    assert_int_equal(parley_live_read(f->live, &obs, "vis", "view", 0, &out,
                                      f->diags),
                     PARLEY_EDENIED);
    assert_int_equal(parley_live_read(f->live, &gua, "vis", "view", 0, &out,
                                      f->diags),
                     PARLEY_EDENIED);
    /* Another session is out of reach. */
    create(f, "vis2", pubj, 1);
    assert_int_equal(parley_live_read(f->live, &hv, "vis2", "state", 0, &out,
                                      f->diags),
                     PARLEY_EDENIED);
    assert_int_equal(write_json(f, &hv, "vis2", "profile",
                                json_pack("{s:O, s:s}", "profile",
                                          profiles[0], "request_id", "p"),
                                NULL),
                     PARLEY_EDENIED);
    assert_int_equal(parley_live_read(f->live, &f->med, "nope", "state", 0,
                                      &out, f->diags),
                     PARLEY_ENOTFOUND);
    /* Lists. */
    json_t *l = NULL;
    assert_int_equal(parley_live_list(f->live, &f->med, &out, f->diags),
                     PARLEY_OK);
    l = json_loads(out, 0, NULL);
    parley_free(out);
    assert_int_equal(json_array_size(json_object_get(l, "sessions")), 2);
    json_decref(l);
    assert_int_equal(parley_live_list(f->live, &hv, &out, f->diags),
                     PARLEY_OK);
    l = json_loads(out, 0, NULL);
    parley_free(out);
    assert_int_equal(json_array_size(json_object_get(l, "sessions")), 1);
    json_decref(l);

    /* Tokens: unknown, malformed, revoked by a re-issue. */
    parley_principal_t who;
    char tok[PARLEY_LIVE_TOKEN_SIZE], tok2[PARLEY_LIVE_TOKEN_SIZE];
    assert_int_equal(parley_live_issue(f->live, &f->med, "vis", "lowen",
                                       PARLEY_ROLE_PARTY, tok, f->diags),
                     PARLEY_OK);
    assert_int_equal(parley_live_authenticate(f->live, tok, &who), PARLEY_OK);
    assert_string_equal(who.actor, "lowen");
    assert_string_equal(who.session, "vis");
    assert_int_equal(who.role, PARLEY_ROLE_PARTY);
    assert_false(who.mediator);
    assert_int_equal(parley_live_issue(f->live, &f->med, "vis", "lowen",
                                       PARLEY_ROLE_PARTY, tok2, f->diags),
                     PARLEY_OK);
    assert_int_equal(parley_live_authenticate(f->live, tok, &who),
                     PARLEY_EDENIED);
    assert_int_equal(parley_live_authenticate(f->live, tok2, &who), PARLEY_OK);
    char forged[PARLEY_LIVE_TOKEN_SIZE];
    strcpy(forged, tok2);
    forged[10] = forged[10] == 'A' ? 'B' : 'A';
    assert_int_equal(parley_live_authenticate(f->live, forged, &who),
                     PARLEY_EDENIED);
    assert_int_equal(parley_live_authenticate(f->live, "plt_short", &who),
                     PARLEY_EDENIED);
    assert_int_equal(parley_live_authenticate(f->live, "", &who),
                     PARLEY_EDENIED);
    /* The store keeps hashes only; reopened, the new token still works and
     * the revoked one does not. */
    /* Issued three times in this session: two revoked. */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM credentials WHERE "
                                   "actor = 'lowen' AND session = 'vis' AND "
                                   "revoked = 1"),
                     2);
    fx_close_live(f);
    fx_open_live(f);
    assert_int_equal(parley_live_authenticate(f->live, tok2, &who), PARLEY_OK);
    assert_int_equal(parley_live_authenticate(f->live, tok, &who),
                     PARLEY_EDENIED);

    /* The ledger: each profile entry holds the hash of what was sent, no
     * profile in clear, and the whole verifies. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT author, kind, payload FROM "
                                        "ledger",
                                        -1, &q, NULL),
                     SQLITE_OK);
    size_t n_profile = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *author = (const char *)sqlite3_column_text(q, 0);
        const char *kind = (const char *)sqlite3_column_text(q, 1);
        const char *payload = (const char *)sqlite3_column_text(q, 2);
        assert_null(strstr(payload, "utility"));
        assert_null(strstr(payload, "weight"));
        assert_null(strstr(payload, "plt_"));
        if (strcmp(kind, "live.profile") != 0)
            continue;
        json_t *pl = json_loads(payload, 0, NULL);
        if (strcmp(json_string_value(json_object_get(pl, "session")), "vis")) {
            json_decref(pl);
            continue;
        }
        json_t *parts = json_object_get(pubj, "parties");
        for (size_t x = 0; x < json_array_size(parts); x++) {
            if (strcmp(json_string_value(json_object_get(
                           json_array_get(parts, x), "id")),
                       author) != 0)
                continue;
            json_t *sent = json_pack("{s:O}", "profile", profiles[x]);
            char *canon = json_dumps(sent, JSON_COMPACT | JSON_SORT_KEYS);
            unsigned char h[32];
            crypto_generichash(h, 32, (const unsigned char *)canon,
                               strlen(canon), NULL, 0);
            char hex[65];
            sodium_bin2hex(hex, sizeof hex, h, 32);
            assert_string_equal(
                json_string_value(json_object_get(pl, "hash")), hex);
            free(canon);
            json_decref(sent);
            n_profile++;
        }
        json_decref(pl);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    assert_int_equal(n_profile, 5);
    parley_ledger_report_t rep;
    assert_int_equal(parley_ledger_verify(f->store, NULL, &rep), PARLEY_OK);
    assert_int_equal(rep.fault, PARLEY_LEDGER_FAULT_NONE);
    assert_true(rep.entries > 100);
    for (size_t x = 0; x < PARLEY_MAX_PARTIES; x++)
        json_decref(profiles[x]);
    json_decref(pubj);
}

/* The agreement starts monitoring; monitoring writes check roles. */
static void test_monitoring(void **state)
{
    fx_t *f = *state;
    char *text = slurp(RIVER);
    parley_strategy_kind_t k[PARLEY_MAX_PARTIES];
    kinds_all(k, PARLEY_STRATEGY_TRUTHFUL);
    check_same(f, "mon", text, k, 1);
    free(text);
    parley_principal_t hv, cm, mon, obs;
    principal(f, "mon", "highvale", PARLEY_ROLE_PARTY, &hv);
    principal(f, "mon", "carrowmere", PARLEY_ROLE_PARTY, &cm);
    principal(f, "mon", "saro_council", PARLEY_ROLE_MONITOR, &mon);
    principal(f, "mon", "press", PARLEY_ROLE_OBSERVER, &obs);
    json_t *m = read_json(f, &obs, "mon", "monitoring");
    /* The status itself (as the CLI writes it), not {"monitored": false}. */
    assert_null(json_object_get(m, "monitored"));
    assert_non_null(json_object_get(m, "agreed_on"));
    assert_string_equal(json_string_value(json_object_get(m, "agreement")),
                        "mon");
    json_decref(m);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}",
                          "id", "flow", "issue", "min_flow", "owner",
                          "highvale", "what", "release the agreed flow",
                          "bench", "deliverable", "due", "2030-12-31",
                          "period_months", 12, "verifier", "saro_council",
                          "request_id", "c1");
    assert_int_equal(write_json(f, &hv, "mon", "commitment", json_incref(c),
                                NULL),
                     PARLEY_EDENIED);
    assert_int_equal(write_json(f, &f->med, "mon", "commitment", c, NULL),
                     PARLEY_OK);
    m = read_json(f, &f->med, "mon", "monitoring");
    assert_int_equal(json_array_size(json_object_get(m, "commitments")), 1);
    json_decref(m);
    /* The owner's self-report; a party that is not the owner is refused
     * by the monitoring rules; an observer by the live ones. */
    json_t *sr = json_pack("{s:s, s:s, s:s, s:s, s:s}", "commitment", "flow",
                           "source", "self", "period", "2027-11-27", "status",
                           "minimal", "request_id", "r1");
    assert_int_equal(write_json(f, &obs, "mon", "report", json_incref(sr),
                                NULL),
                     PARLEY_EDENIED);
    parley_status_t st = write_json(f, &cm, "mon", "report", json_incref(sr),
                                    NULL);
    assert_int_not_equal(st, PARLEY_OK);
    json_decref(sr);
    assert_int_equal(write_json(f, &mon, "mon", "enforce",
                                json_pack("{s:s, s:s}", "as_of", "2028-01-01",
                                          "request_id", "e1"),
                                NULL),
                     PARLEY_EDENIED);
    assert_int_equal(write_json(f, &f->med, "mon", "enforce",
                                json_pack("{s:s, s:s}", "as_of", "2028-01-01",
                                          "request_id", "e1"),
                                NULL),
                     PARLEY_OK);
    assert_int_equal(write_json(f, &f->med, "mon", "enforce",
                                json_pack("{s:s, s:s}", "as_of", "2028-01-01",
                                          "request_id", "e1"),
                                NULL),
                     PARLEY_EDUPLICATE);
    /* The read as of a day is parley_monitor_status_json's text; bad days
     * are refused at "as_of". */
    const char *days[] = {"2027-01-01", "2028-01-01", "2031-06-30"};
    for (size_t i = 0; i < 3; i++) {
        char *got = NULL, *want = NULL;
        parley_monitor_status_t *ms = NULL;
        assert_int_equal(parley_live_read_monitoring(f->live, &obs, "mon",
                                                     days[i], &got, f->diags),
                         PARLEY_OK);
        assert_int_equal(parley_monitor_status(f->store, "mon", days[i], &ms,
                                               f->diags),
                         PARLEY_OK);
        assert_int_equal(parley_monitor_status_json(ms, &want), PARLEY_OK);
        assert_string_equal(got, want);
        json_t *j = json_loads(got, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(j, "as_of")),
                            days[i]);
        json_t *com = json_array_get(json_object_get(j, "commitments"), 0);
        assert_string_equal(json_string_value(json_object_get(
                                 json_object_get(com, "benchmark"), "kind")),
                            "deliverable");
        assert_int_equal(json_integer_value(json_object_get(com,
                                                            "period_months")),
                         12);
        json_decref(j);
        parley_monitor_status_free(ms);
        parley_free(got);
        parley_free(want);
    }
    const char *bad_days[] = {"2027-02-29", "2027-13-01", "27-01-01", "",
                              "2027-01-01x"};
    for (size_t i = 0; i < 5; i++) {
        char *got = NULL;
        parley_diags_clear(f->diags);
        assert_int_equal(parley_live_read_monitoring(f->live, &obs, "mon",
                                                     bad_days[i], &got,
                                                     f->diags),
                         PARLEY_EINVALID);
        assert_null(got);
        assert_true(has_diag(f, PARLEY_EINVALID, "as_of"));
    }
    parley_ledger_report_t rep;
    assert_int_equal(parley_ledger_verify(f->store, NULL, &rep), PARLEY_OK);
    assert_int_equal(rep.fault, PARLEY_LEDGER_FAULT_NONE);
}

/* ---- the agenda in the state ------------------------------------------------- */

/* The agenda fields of the state computed the slow way: every public event
 * read back, folded from the start. */
static json_t *agenda_from_log(fx_t *f, const parley_principal_t *by,
                               const char *sid)
{
    json_t *log = read_json(f, by, sid, "events");
    json_t *units = NULL, *open = json_null(), *issues = json_array(),
           *counts = json_null();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(log, "events"), i, e)
    {
        const char *k = json_string_value(json_object_get(e, "kind"));
        json_t *unit = json_object_get(e, "cluster");
        if (strcmp(k, "agenda") == 0) {
            json_decref(units);
            units = json_array();
            size_t j;
            json_t *u;
            json_array_foreach(json_object_get(e, "order"), j, u)
                json_array_append_new(
                    units, json_pack("{s:O, s:O, s:s}", "cluster",
                                     json_object_get(u, "cluster"), "issues",
                                     json_object_get(u, "issues"), "status",
                                     "pending"));
        }
        json_t *mine = NULL;
        size_t j;
        json_t *u;
        json_array_foreach(units, j, u) if (unit &&
                                            json_equal(json_object_get(
                                                           u, "cluster"),
                                                       unit)) mine = u;
        if (strcmp(k, "cluster_open") == 0) {
            json_decref(open);
            open = json_incref(unit);
            json_decref(issues);
            issues = json_deep_copy(json_object_get(e, "issues"));
            json_object_set_new(mine, "status", json_string("open"));
        } else if (strcmp(k, "cluster_settled") == 0) {
            const char *how =
                json_string_value(json_object_get(e, "status"));
            json_object_set_new(mine, "status",
                                json_string(strcmp(how, "parked") == 0
                                                ? "parked"
                                                : "settled"));
            if (json_equal(open, unit)) {
                json_decref(open);
                open = json_null();
                json_array_clear(issues);
            }
        } else if (strcmp(k, "integration") == 0) {
            json_decref(open);
            open = json_string("all");
            json_array_clear(issues);
            const char *key;
            json_t *v;
            json_object_foreach(json_object_get(e, "text"), key, v)
                json_array_append_new(issues, json_string(key));
        } else if (strcmp(k, "counts") == 0) {
            json_decref(counts);
            counts = json_pack("{s:O, s:O, s:O, s:O}", "round",
                               json_object_get(e, "round"), "accept",
                               json_object_get(e, "accept"), "object",
                               json_object_get(e, "object"), "veto",
                               json_object_get(e, "veto"));
        } else if (strcmp(k, "agreement") == 0 ||
                   strcmp(k, "impasse") == 0) {
            json_decref(open);
            open = json_null();
            json_array_clear(issues);
        }
    }
    json_decref(log);
    return json_pack("{s:o, s:o, s:o, s:o}", "units",
                     units ? units : json_null(), "open_unit", open,
                     "open_issues", issues, "counts", counts);
}

/* The same fields as the state has them (statuses without settled_as,
 * counts without pilot, units without their measures). */
static json_t *agenda_of_state(const json_t *st)
{
    json_t *ag = json_object_get(st, "agenda");
    json_t *units = json_is_object(ag) ? json_array() : json_null();
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(ag, "units"), i, u)
        json_array_append_new(
            units, json_pack("{s:O, s:O, s:O}", "cluster",
                             json_object_get(u, "cluster"), "issues",
                             json_object_get(u, "issues"), "status",
                             json_object_get(u, "status")));
    json_t *c = json_object_get(st, "counts");
    json_t *counts =
        json_is_object(c)
            ? json_pack("{s:O, s:O, s:O, s:O}", "round",
                        json_object_get(c, "round"), "accept",
                        json_object_get(c, "accept"), "object",
                        json_object_get(c, "object"), "veto",
                        json_object_get(c, "veto"))
            : json_null();
    return json_pack("{s:o, s:O, s:O, s:o}", "units", units, "open_unit",
                     json_object_get(st, "open_unit"), "open_issues",
                     json_object_get(st, "open_issues"), "counts", counts);
}

static void test_state_agenda(void **state)
{
    fx_t *f = *state;
    poke_t p;
    poke_open(f, "ag", &p, 0);
    json_t *st = read_json(f, &p.observer, "ag", "state");
    assert_true(json_is_null(json_object_get(st, "agenda")));
    assert_true(json_is_null(json_object_get(st, "open_unit")));
    assert_true(json_is_null(json_object_get(st, "counts")));
    assert_string_equal(json_string_value(json_object_get(st, "turn")),
                        "parties");
    json_decref(st);
    for (size_t i = 0; i < p.n_parties; i++)
        if (p.who[i].actor[0])
            assert_int_equal(
                write_json(f, &p.who[i], "ag", "profile",
                           json_pack("{s:O, s:s}", "profile", p.profiles[i],
                                     "request_id", "pr"),
                           NULL),
                PARLEY_OK);
    st = read_json(f, &p.observer, "ag", "state");
    assert_string_equal(json_string_value(json_object_get(st, "turn")),
                        "mediator");
    json_decref(st);
    int saw_open = 0, saw_integration = 0, saw_counts = 0;
    unsigned serial = 0;
    for (int n = 0; n < 2000; n++) {
        st = read_json(f, &f->med, "ag", "state");
        json_t *obs = read_json(f, &p.observer, "ag", "state");
        json_t *want = agenda_from_log(f, &p.observer, "ag");
        json_t *got = agenda_of_state(st), *got_obs = agenda_of_state(obs);
        if (!json_equal(want, got)) {
            char *a = json_dumps(want, 0), *b = json_dumps(got, 0);
            fail_msg("agenda from the log %s, in the state %s", a, b);
        }
        assert_true(json_equal(got, got_obs));
        json_t *units = json_object_get(json_object_get(st, "agenda"),
                                        "units");
        size_t n_open = 0, i;
        json_t *u;
        json_array_foreach(units, i, u)
        {
            const char *s = json_string_value(json_object_get(u, "status"));
            n_open += strcmp(s, "open") == 0;
            assert_true(json_is_array(json_object_get(u, "issues")));
            if (strcmp(s, "settled") == 0)
                assert_non_null(json_object_get(u, "settled_as"));
        }
        const char *open = json_string_value(json_object_get(st, "open_unit"));
        assert_int_equal(n_open, open && strcmp(open, "all") ? 1 : 0);
        saw_open |= open && strcmp(open, "all") != 0;
        saw_integration |= open && strcmp(open, "all") == 0;
        saw_counts |= json_is_object(json_object_get(st, "counts"));
        json_decref(want);
        json_decref(got);
        json_decref(got_obs);
        json_decref(obs);
        const char *turn = json_string_value(json_object_get(st, "turn"));
        int ended = json_is_true(json_object_get(st, "ended"));
        assert_int_equal(turn == NULL, ended);
        if (ended) {
            json_array_foreach(units, i, u)
            {
                const char *s =
                    json_string_value(json_object_get(u, "status"));
                assert_true(strcmp(s, "settled") == 0 ||
                            strcmp(s, "parked") == 0);
            }
            assert_null(open);
            json_decref(st);
            break;
        }
        char rid[32];
        snprintf(rid, sizeof rid, "ag-%u", serial++);
        if (strcmp(turn, "mediator") == 0) {
            json_t *aw = json_array_get(json_object_get(st, "awaiting"), 0);
            assert_string_equal(json_string_value(json_object_get(aw, "from")),
                                "mediator");
            char action[32];
            snprintf(action, sizeof action, "%s",
                     json_string_value(json_object_get(aw, "action")));
            assert_int_equal(act(f, &f->med, "ag", action, rid), PARLEY_OK);
        } else {
            assert_string_equal(turn, "parties");
            int asked_one = 0;
            for (size_t k = 0; k < p.n_parties && !asked_one; k++) {
                if (!p.who[k].actor[0])
                    continue;
                json_t *v = read_json(f, &p.who[k], "ag", "view");
                json_t *asked = json_object_get(v, "asked");
                if (json_is_object(asked)) {
                    const char *what =
                        json_string_value(json_object_get(asked, "action"));
                    unsigned ar = (unsigned)json_integer_value(
                        json_object_get(asked, "round"));
                    json_t *body =
                        strcmp(what, "answer") == 0
                            ? answer_body(ar, "accept", rid)
                            : json_pack("{s:i, s:O, s:s}", "round", (int)ar,
                                        "aspiration",
                                        json_object_get(
                                            json_object_get(v, "view"),
                                            "aspiration"),
                                        "request_id", rid);
                    char action[16];
                    snprintf(action, sizeof action, "%s", what);
                    assert_int_equal(write_json(f, &p.who[k], "ag", action,
                                                body, NULL),
                                     PARLEY_OK);
                    asked_one = 1;
                }
                json_decref(v);
            }
            assert_true(asked_one);
        }
        json_decref(st);
    }
    assert_true(saw_open);
    assert_true(saw_integration);
    /* river-basin keeps the default rules, which publish counts. */
    assert_true(saw_counts);
    poke_close(&p);
}

/* ---- invitations ----------------------------------------------------------- */

static json_t *invite_body(const char *actor, const char *role,
                           const char *rid)
{
    return json_pack("{s:s, s:s, s:s}", "actor", actor, "role", role,
                     "request_id", rid);
}

/* The token of an invitation's reply (copied into tok). */
static void reply_token(char *reply, char tok[PARLEY_LIVE_TOKEN_SIZE])
{
    json_t *j = json_loads(reply, 0, NULL);
    assert_non_null(j);
    const char *t = json_string_value(json_object_get(j, "token"));
    assert_non_null(t);
    assert_int_equal(strlen(t), 47);
    assert_true(json_integer_value(json_object_get(j, "seq")) > 0);
    strcpy(tok, t);
    json_decref(j);
    parley_free(reply);
}

static void test_invitations(void **state)
{
    fx_t *f = *state;
    json_t *profiles[PARLEY_MAX_PARTIES] = {0};
    char *text = slurp(RIVER);
    json_t *pub = split(text, profiles);
    free(text);
    create(f, "inv", pub, 9);
    char *reply = NULL, t1[PARLEY_LIVE_TOKEN_SIZE], t2[PARLEY_LIVE_TOKEN_SIZE];
    assert_int_equal(write_json(f, &f->med, "inv", "invite",
                                invite_body("highvale", "party", "i1"),
                                &reply),
                     PARLEY_OK);
    reply_token(reply, t1);
    parley_principal_t hv;
    assert_int_equal(parley_live_authenticate(f->live, t1, &hv), PARLEY_OK);
    assert_string_equal(hv.actor, "highvale");
    assert_string_equal(hv.session, "inv");
    assert_int_equal(hv.role, PARLEY_ROLE_PARTY);

    /* A replay changes nothing and the first token stays valid, also
     * after a restart (the request_id is a stored input). */
    long rows = store_size(f);
    for (int restart = 0; restart < 2; restart++) {
        reply = NULL;
        assert_int_equal(write_json(f, &f->med, "inv", "invite",
                                    invite_body("highvale", "party", "i1"),
                                    &reply),
                         PARLEY_EDUPLICATE);
        assert_null(reply);
        assert_true(has_diag(f, PARLEY_EDUPLICATE, "$.request_id"));
        assert_int_equal(store_size(f), rows);
        assert_int_equal(parley_live_authenticate(f->live, t1, &hv),
                         PARLEY_OK);
        fx_close_live(f);
        fx_open_live(f);
    }
    assert_int_equal(parley_live_authenticate(f->live, t1, &hv), PARLEY_OK);

    /* Refusals, each leaving the store as it was. */
    struct {
        const parley_principal_t *by;
        json_t *body;
        parley_status_t st;
        const char *path;
    } bad[] = {
        {&hv, invite_body("press", "observer", "i9"), PARLEY_EDENIED, ""},
        {&f->med, invite_body("highvale", "judge", "i9"), PARLEY_EINVALID,
         "$.role"},
        {&f->med, invite_body("highvale", "monitor", "i9"), PARLEY_EINVALID,
         "$.role"},
        {&f->med, invite_body("nobody", "party", "i9"), PARLEY_EINVALID,
         "$.actor"},
        {&f->med, invite_body("med", "observer", "i9"), PARLEY_EDUPLICATE,
         "$.actor"},
        {&f->med, json_pack("{s:s, s:s}", "role", "party", "request_id", "i9"),
         PARLEY_EMISSING, "$.actor"},
        {&f->med, json_pack("{s:s, s:s, s:s, s:i}", "actor", "press", "role",
                            "observer", "request_id", "i9", "x", 1),
         PARLEY_EUNKNOWN, NULL},
        {&f->med, json_pack("{s:s, s:s}", "actor", "press", "role",
                            "observer"),
         PARLEY_EMISSING, "$.request_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reply = NULL;
        assert_int_equal(write_json(f, bad[i].by, "inv", "invite",
                                    bad[i].body, &reply),
                         bad[i].st);
        assert_null(reply);
        assert_true(has_diag(f, bad[i].st, bad[i].path));
        assert_int_equal(store_size(f), rows);
    }

    /* A new request_id issues a new token and revokes the first. */
    assert_int_equal(write_json(f, &f->med, "inv", "invite",
                                invite_body("highvale", "party", "i2"),
                                &reply),
                     PARLEY_OK);
    reply_token(reply, t2);
    assert_string_not_equal(t1, t2);
    assert_int_equal(parley_live_authenticate(f->live, t1, &hv),
                     PARLEY_EDENIED);
    assert_int_equal(parley_live_authenticate(f->live, t2, &hv), PARLEY_OK);
    assert_true(store_size(f) > rows);

    /* Every allocation failing in turn: nothing changes until it goes
     * through (the key of highvale exists, so nothing is registered). */
    rows = store_size(f);
    parley_status_t st = PARLEY_ENOMEM;
    long n = 1;
    for (; st != PARLEY_OK && n < 100000; n++) {
        char *b = body_of(invite_body("highvale", "party", "i3"));
        failing_alloc_install(n, 1);
        reply = NULL;
        st = parley_live_write(f->live, &f->med, "inv", "invite", b,
                               strlen(b), &reply, NULL);
        int refused = failing_alloc_refused() > 0;
        failing_alloc_remove();
        free(b);
        if (st == PARLEY_OK)
            break;
        assert_true(refused);
        assert_null(reply);
        assert_int_equal(store_size(f), rows);
        assert_int_equal(parley_live_authenticate(f->live, t2, &hv),
                         PARLEY_OK);
    }
    assert_int_equal(st, PARLEY_OK);
    assert_true(n > 5);
    if (reply) {
        reply_token(reply, t1);
        assert_int_equal(parley_live_authenticate(f->live, t1, &hv),
                         PARLEY_OK);
    }
    assert_int_equal(parley_live_authenticate(f->live, t2, &hv),
                     PARLEY_EDENIED);

    /* The invitations are inputs the replay steps over: the session is
     * where it was, and the ledger holds no token. */
    json_t *s = read_json(f, &f->med, "inv", "state");
    assert_string_equal(json_string_value(json_object_get(s, "phase")),
                        "setup");
    json_decref(s);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM live_inputs WHERE "
                                   "action = 'invite' AND session = 'inv'"),
                     3);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM ledger WHERE "
                                   "payload LIKE '%plt_%'"),
                     0);
    parley_ledger_report_t rep;
    assert_int_equal(parley_ledger_verify(f->store, NULL, &rep), PARLEY_OK);
    assert_int_equal(rep.fault, PARLEY_LEDGER_FAULT_NONE);
    for (size_t i = 0; i < PARLEY_MAX_PARTIES; i++)
        json_decref(profiles[i]);
    json_decref(pub);
}

/* ---- credentials issued by another process -------------------------------- */

static void issue_mediator(parley_live_t *live, const char *actor,
                           char tok[PARLEY_LIVE_TOKEN_SIZE])
{
    assert_int_equal(parley_live_issue(live, NULL, NULL, actor, 0, tok, NULL),
                     PARLEY_OK);
}

static void test_credentials_from_store(void **state)
{
    fx_t *f = *state;
    /* A second handle on the same store stands for `parleyd --mediator`
     * run while the service runs. */
    parley_store_t *store2 = NULL;
    parley_live_t *live2 = NULL;
    assert_int_equal(parley_store_open(f->db, &store2, f->diags), PARLEY_OK);
    assert_int_equal(parley_live_open(store2, f->keys, &live2, f->diags),
                     PARLEY_OK);
    char a[PARLEY_LIVE_TOKEN_SIZE], b[PARLEY_LIVE_TOKEN_SIZE],
        c[PARLEY_LIVE_TOKEN_SIZE], d[PARLEY_LIVE_TOKEN_SIZE];
    parley_principal_t p;
    issue_mediator(live2, "chair", a);
    assert_int_equal(parley_live_authenticate(f->live, a, &p), PARLEY_OK);
    assert_true(p.mediator);
    assert_string_equal(p.actor, "chair");
    assert_string_equal(p.session, "");
    /* Cached: the same answer once the store no longer has the row. */
    assert_int_equal(parley_live_authenticate(f->live, a, &p), PARLEY_OK);

    /* Re-issued there: the new token is seen and the old one refused from
     * then on; a token revoked in the store before it was ever used here
     * stays refused. */
    issue_mediator(live2, "chair", b);
    assert_int_equal(parley_live_authenticate(f->live, b, &p), PARLEY_OK);
    assert_string_equal(p.actor, "chair");
    assert_int_equal(parley_live_authenticate(f->live, a, &p), PARLEY_EDENIED);
    issue_mediator(live2, "chair", c);
    issue_mediator(live2, "chair", d);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(parley_live_authenticate(f->live, c, &p),
                         PARLEY_EDENIED);
        assert_string_equal(p.actor, "");
    }
    assert_int_equal(parley_live_authenticate(f->live, d, &p), PARLEY_OK);
    assert_int_equal(parley_live_authenticate(f->live, b, &p), PARLEY_EDENIED);

    /* Unknown and malformed tokens: refused, and the mediator of the
     * fixture is still known. */
    const char *refused[] = {
        "plt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "plt_", "",
        "xyz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(parley_live_authenticate(f->live, refused[i], &p),
                         PARLEY_EDENIED);
    char own[PARLEY_LIVE_TOKEN_SIZE];
    issue_mediator(f->live, "med", own);
    assert_int_equal(parley_live_authenticate(live2, own, &p), PARLEY_OK);
    assert_string_equal(p.actor, "med");

    /* A session credential issued there is seen here too. */
    json_t *profiles[PARLEY_MAX_PARTIES] = {0};
    char *text = slurp(RIVER);
    json_t *pub = split(text, profiles);
    free(text);
    create(f, "cred", pub, 3);
    parley_principal_t chair;
    assert_int_equal(parley_live_authenticate(live2, d, &chair), PARLEY_OK);
    char obs[PARLEY_LIVE_TOKEN_SIZE];
    assert_int_equal(parley_live_issue(live2, &chair, "cred", "press",
                                       PARLEY_ROLE_OBSERVER, obs, NULL),
                     PARLEY_OK);
    assert_int_equal(parley_live_authenticate(f->live, obs, &p), PARLEY_OK);
    assert_string_equal(p.session, "cred");
    assert_int_equal(p.role, PARLEY_ROLE_OBSERVER);
    json_t *st = read_json(f, &p, "cred", "state");
    json_decref(st);
    for (size_t i = 0; i < PARLEY_MAX_PARTIES; i++)
        json_decref(profiles[i]);
    json_decref(pub);
    parley_live_close(live2);
    parley_store_close(store2);
}

/* ---- monitoring writes are one transaction ----------------------------------- */

/* Every table's row count and the ledger's head, read through a connection
 * of its own (so only what was committed counts), as one text. */
static char *store_snapshot(fx_t *f)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE "
                                        "type = 'table' ORDER BY name",
                                        -1, &q, NULL),
                     SQLITE_OK);
    size_t cap = 8192, used = 0;
    char *out = calloc(1, cap);
    while (sqlite3_step(q) == SQLITE_ROW) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"",
                 (const char *)sqlite3_column_text(q, 0));
        sqlite3_stmt *c = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &c, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(c), SQLITE_ROW);
        used += (size_t)snprintf(out + used, cap - used, "%s=%lld ",
                                 (const char *)sqlite3_column_text(q, 0),
                                 (long long)sqlite3_column_int64(c, 0));
        sqlite3_finalize(c);
        assert_true(used < cap - 200);
    }
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT hex(hash) FROM ledger ORDER "
                                        "BY seq DESC LIMIT 1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    if (sqlite3_step(q) == SQLITE_ROW)
        snprintf(out + used, cap - used, "head=%s",
                 (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return out;
}

static void exec_sql(fx_t *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_monitoring_atomic(void **state)
{
    fx_t *f = *state;
    char *text = slurp(RIVER);
    parley_strategy_kind_t k[PARLEY_MAX_PARTIES];
    kinds_all(k, PARLEY_STRATEGY_TRUTHFUL);
    check_same(f, "atom", text, k, 1);
    free(text);
    parley_principal_t hv, mon;
    principal(f, "atom", "highvale", PARLEY_ROLE_PARTY, &hv);
    principal(f, "atom", "saro_council", PARLEY_ROLE_MONITOR, &mon);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s, "
                          "s:s, s:i, s:s, s:s}",
                          "id", "flow", "issue", "min_flow", "owner",
                          "highvale", "what", "release the agreed flow",
                          "bench", "numeric", "cmp", ">=", "target", 40.0,
                          "unit", "m3/s", "start", "2027-01-01", "due",
                          "2030-12-31", "period_months", 3, "verifier",
                          "saro_council", "request_id", "c1");
    json_t *rep = json_pack("{s:s, s:s, s:s, s:s, s:f, s:s}", "commitment",
                            "flow", "source", "monitor", "period",
                            "2027-04-01", "status", "intermediate", "value",
                            31.5, "request_id", "m1");
    json_t *enf = json_pack("{s:s, s:s}", "as_of", "2028-01-01", "request_id",
                            "e1");

    /* The input row cannot be written: the monitoring write, its ledger
     * entry and the input all go (they were one transaction), and the
     * same request goes through once the fault is gone. */
    const char *block = "CREATE TRIGGER no_input BEFORE INSERT ON live_inputs "
                        "BEGIN SELECT RAISE(ABORT, 'refused'); END";
    struct {
        const parley_principal_t *by;
        const char *action;
        json_t *body;
    } w[] = {{&f->med, "commitment", c}, {&mon, "report", rep},
             {&f->med, "enforce", enf}};
    for (size_t i = 0; i < 3; i++) {
        char *before = store_snapshot(f);
        exec_sql(f, block);
        char *with_trigger = store_snapshot(f);
        assert_int_not_equal(write_json(f, w[i].by, "atom", w[i].action,
                                        json_incref(w[i].body), NULL),
                             PARLEY_OK);
        char *after = store_snapshot(f);
        assert_string_equal(after, with_trigger);
        exec_sql(f, "DROP TRIGGER no_input");
        free(after);
        after = store_snapshot(f);
        assert_string_equal(after, before);
        assert_int_equal(write_json(f, w[i].by, "atom", w[i].action,
                                    json_incref(w[i].body), NULL),
                         PARLEY_OK);
        free(after);
        after = store_snapshot(f);
        assert_string_not_equal(after, before);
        /* A replay now is refused and changes nothing. */
        assert_int_equal(write_json(f, w[i].by, "atom", w[i].action,
                                    json_incref(w[i].body), NULL),
                         PARLEY_EDUPLICATE);
        char *again = store_snapshot(f);
        assert_string_equal(again, after);
        free(again);
        free(after);
        free(with_trigger);
        free(before);
    }
    json_decref(c);
    json_decref(rep);
    json_decref(enf);
    /* The commitment is there once, with one report. */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM live_inputs WHERE "
                                   "session = 'atom' AND action IN "
                                   "('commitment', 'report', 'enforce')"),
                     3);

    /* Refused by the monitoring rules (an unknown commitment), and every
     * allocation failing in turn: nothing changes until it goes through. */
    char *before = store_snapshot(f);
    assert_int_equal(write_json(f, &hv, "atom", "report",
                                json_pack("{s:s, s:s, s:s, s:s, s:s}",
                                          "commitment", "nothing", "source",
                                          "self", "period", "2027-04-01",
                                          "status", "full", "request_id",
                                          "s1"),
                                NULL),
                     PARLEY_EINVALID);
    char *now = store_snapshot(f);
    assert_string_equal(now, before);
    free(now);
    parley_status_t st = PARLEY_ENOMEM;
    long n = 1;
    for (; st != PARLEY_OK && n < 100000; n++) {
        char *b = body_of(json_pack("{s:s, s:s, s:s, s:s, s:f, s:s}",
                                    "commitment", "flow", "source", "self",
                                    "period", "2027-04-01", "status",
                                    "minimal", "value", 20.0, "request_id",
                                    "s1"));
        failing_alloc_install(n, 1);
        st = parley_live_write(f->live, &hv, "atom", "report", b, strlen(b),
                               NULL, NULL);
        int refused = failing_alloc_refused() > 0;
        failing_alloc_remove();
        free(b);
        if (st == PARLEY_OK)
            break;
        assert_true(refused);
        now = store_snapshot(f);
        assert_string_equal(now, before);
        free(now);
    }
    assert_int_equal(st, PARLEY_OK);
    assert_true(n > 5);
    free(before);
    parley_ledger_report_t lr;
    assert_int_equal(parley_ledger_verify(f->store, NULL, &lr), PARLEY_OK);
    assert_int_equal(lr.fault, PARLEY_LEDGER_FAULT_NONE);
}

/* ---- allocation failures ------------------------------------------------- */

typedef struct readctx {
    fx_t *f;
    const parley_principal_t *by;
    const char *what;
    int uncached; /* drop the cached states after each read */
} readctx_t;

/* The session's cached "state" replies dropped (they outlive a read). */
static void forget_states(fx_t *f, const char *sid)
{
    parley__live_session_t *S = NULL;
    assert_int_equal(parley__live_session_get(f->live, sid, &S, NULL),
                     PARLEY_OK);
    parley__live_state_forget(S);
}

static parley_status_t read_once(void *ctx)
{
    readctx_t *c = ctx;
    char *out = NULL;
    parley_status_t st = parley_live_read(c->f->live, c->by, "oom", c->what, 0,
                                          &out, NULL);
    parley_free(out);
    if (c->uncached)
        forget_states(c->f, "oom");
    return st;
}

static void test_allocation_failures(void **state)
{
    fx_t *f = *state;
    poke_t p;
    poke_open(f, "oom", &p, 1);
    mediate_until_asked(f, "oom");
    unsigned r = asked_round(f, &p.who[0], "oom");
    char *before = read_text(f, &f->med, "oom", "state");
    long rows = store_size(f);
    /* A write refused at every allocation leaves store and present as
     * they were; then it goes through. */
    parley_status_t st = PARLEY_ENOMEM;
    long n = 1;
    for (; st != PARLEY_OK && n < 100000; n++) {
        char *b = body_of(answer_body(r, "accept", "a-oom"));
        failing_alloc_install(n, 1);
        st = parley_live_write(f->live, &p.who[0], "oom", "answer", b,
                               strlen(b), NULL, NULL);
        int refused = failing_alloc_refused() > 0;
        failing_alloc_remove();
        free(b);
        if (st == PARLEY_OK) {
            assert_false(refused);
            break;
        }
        assert_true(refused);
        assert_int_equal(st, PARLEY_ENOMEM);
        assert_int_equal(store_size(f), rows);
        char *now = read_text(f, &f->med, "oom", "state");
        assert_string_equal(now, before);
        parley_free(now);
    }
    assert_int_equal(st, PARLEY_OK);
    assert_true(n > 10);
    assert_true(store_size(f) > rows);
    parley_free(before);
    /* Reads free what they took on every path. */
    readctx_t c = {f, &p.who[0], "view", 0};
    failing_alloc_opts_t o = {0};
    o.name = "view";
    failing_alloc_sweep(read_once, &c, &o);
    c.what = "events";
    o.name = "events";
    failing_alloc_sweep(read_once, &c, &o);
    /* The state built afresh each run, then served from the cache. */
    c.by = &f->med;
    c.what = "state";
    c.uncached = 1;
    o.name = "state";
    o.dense = 200;
    o.stride = 37;
    forget_states(f, "oom");
    failing_alloc_sweep(read_once, &c, &o);
    parley_free(read_text(f, &f->med, "oom", "state"));
    c.uncached = 0;
    o.name = "state (cached)";
    failing_alloc_sweep(read_once, &c, &o);
    poke_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mediator_text, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_visibility_and_ledger, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_monitoring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invitations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_agenda, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitoring_atomic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_credentials_from_store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_failures, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_incremental_replay, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_river_basin_same_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_random_same_log, setup,
                                        teardown),
    };
    /* PARLEY_TEST_FILTER=test_restart runs one test (a glob pattern). */
    if (getenv("PARLEY_TEST_FILTER"))
        cmocka_set_test_filter(getenv("PARLEY_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
