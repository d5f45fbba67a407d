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
#include <sqlite3.h>

#include "parley/ledger.h"
#include "parley/live.h"
#include "parley/monitor.h"
#include "parley/parley.h"
#include "parley/store.h"
#include "parley/study.h"
#include "scenario/scenario_internal.h"
#include "support/failing_alloc.h"

#define RIVER PARLEY_SOURCE_DIR "/examples/river-basin.json"

/* ---- fixture ------------------------------------------------------------ */

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
    parley_session_opts_t o = {seed, on_line, log};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_river_basin_same_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_random_same_log, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
