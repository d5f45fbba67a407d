/*
 * live.c - live sessions (live.h): opening the sessions of a store,
 * creating one, the writes people make to it and what they may read.
 *
 * Every write is checked in this order, and a refused one changes nothing:
 * the body (size, nesting, JSON, fields, with the JSON path of each fault),
 * the principal's right to the action, the request_id (a replay is
 * PARLEY_EDUPLICATE), the action against the session's present
 * (PARLEY_ESTATE).  Then one SQLite transaction holds the ledger entry
 * signed with the author's key, the input row, the events the write
 * commits and, for "agree", the start of monitoring; the present is
 * recomputed inside it (replay.c), and the transaction is rolled back, the
 * input forgotten and the present recomputed again if anything fails.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "live/live_internal.h"
#include "monitor/monitor_internal.h"
#include "parley/alloc.h"

/* ---- names ------------------------------------------------------------- */

const char *parley__live_action_name(parley__live_action_t a)
{
    switch (a) {
#define PARLEY__LIVE_ACTION_NAME(name, str)                                    \
    case PARLEY__LIVE_##name:                                                  \
        return str;
        PARLEY__LIVE_ACTION_MAP(PARLEY__LIVE_ACTION_NAME)
#undef PARLEY__LIVE_ACTION_NAME
    default:
        return "?";
    }
}

int parley__live_action_from_name(const char *name)
{
    for (int a = 0; name && a < PARLEY__LIVE_ACTION_COUNT; a++)
        if (strcmp(name, parley__live_action_name((parley__live_action_t)a)) ==
            0)
            return a;
    return -1;
}

int parley__live_action_gates(parley__live_action_t a)
{
    return a == PARLEY__LIVE_START || a == PARLEY__LIVE_OPEN_CLUSTER ||
           a == PARLEY__LIVE_PROPOSE || a == PARLEY__LIVE_PILOT ||
           a == PARLEY__LIVE_CLOSE_ROUND || a == PARLEY__LIVE_AGREE;
}

static int party_action(parley__live_action_t a)
{
    return a == PARLEY__LIVE_PROFILE || a == PARLEY__LIVE_CONCERN ||
           a == PARLEY__LIVE_ANSWER || a == PARLEY__LIVE_CONCEDE;
}

/* ---- requests ---------------------------------------------------------- */

typedef parley__live_req_t req_t;
#define bad parley__live_bad

parley_status_t parley__live_bad(const req_t *r, parley_status_t code,
                                 const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = 0, col = 0;
    if (r && r->body && path && path[0] == '$') {
        size_t off = 0;
        parley__json_locate(r->body, r->len, path, 0, &off);
        parley__text_linecol(r->body, r->len, off, &line, &col);
    }
    parley_diags_add(r ? r->diags : NULL, PARLEY_SEVERITY_ERROR, code,
                     "request", line, col, path ? path : "", "%s", msg);
    return code;
}

static const char *jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* The deepest nesting of arrays and objects in text, strings skipped. */
static size_t depth_of(const char *s, size_t len, size_t *at)
{
    size_t d = 0, max = 0;
    int in_str = 0, esc = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++d > max) {
                max = d;
                if (max > PARLEY_LIVE_MAX_DEPTH && at) {
                    *at = i;
                    return max;
                }
            }
        } else if ((c == '}' || c == ']') && d) {
            d--;
        }
    }
    return max;
}

/* Parses a body: size, depth, JSON syntax, an object at the top. */
parley_status_t parley__live_parse_body(const req_t *r, json_t **out)
{
    *out = NULL;
    if (!r->body)
        return bad(r, PARLEY_ESYNTAX, "$", "expected a JSON object, found no "
                                           "body");
    if (r->len > PARLEY_LIVE_MAX_BODY)
        return bad(r, PARLEY_ELIMIT, "",
                   "the body has %zu bytes, more than the limit of %u",
                   r->len, (unsigned)PARLEY_LIVE_MAX_BODY);
    size_t at = 0;
    if (depth_of(r->body, r->len, &at) > PARLEY_LIVE_MAX_DEPTH) {
        unsigned line, col;
        parley__text_linecol(r->body, r->len, at, &line, &col);
        parley_diags_add(r->diags, PARLEY_SEVERITY_ERROR, PARLEY_ELIMIT,
                         "request", line, col, "",
                         "arrays and objects nest deeper than the limit of %d",
                         PARLEY_LIVE_MAX_DEPTH);
        return PARLEY_ELIMIT;
    }
    if (memchr(r->body, '\0', r->len))
        return bad(r, PARLEY_ESYNTAX, "", "JSON text has no NUL byte");
    json_error_t err;
    json_t *v = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &err);
    if (!v) {
        if (parley__json_alloc_failed())
            return PARLEY_ENOMEM;
        parley_diags_add(r->diags, PARLEY_SEVERITY_ERROR, PARLEY_ESYNTAX,
                         "request", (unsigned)(err.line > 0 ? err.line : 0),
                         (unsigned)(err.column > 0 ? err.column : 0), "",
                         "JSON syntax error: %s", err.text);
        return PARLEY_ESYNTAX;
    }
    if (!json_is_object(v)) {
        parley_status_t st = bad(r, PARLEY_ETYPE, "$",
                                 "expected a JSON object, found %s", jtype(v));
        json_decref(v);
        return st;
    }
    *out = v;
    return PARLEY_OK;
}

/* Refuses members of obj (at path) outside `allowed`. */
static parley_status_t only_fields(const req_t *r, const json_t *obj,
                                   const char *path,
                                   const char *const *allowed)
{
    const char *key;
    json_t *val;
    parley_status_t st = PARLEY_OK;
    json_object_foreach((json_t *)obj, key, val)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            ok |= strcmp(key, allowed[i]) == 0;
        if (ok)
            continue;
        parley__path_t p;
        parley__path_init(&p);
        parley__strbuf_t full = {0};
        parley__strbuf_puts(&full, path);
        parley__path_key(&p, key);
        parley__strbuf_puts(&full, p.buf + 1);
        char expect[256] = "";
        for (size_t i = 0; allowed[i]; i++) {
            strncat(expect, i ? ", " : "", sizeof expect - strlen(expect) - 1);
            strncat(expect, allowed[i], sizeof expect - strlen(expect) - 1);
        }
        st = bad(r, PARLEY_EUNKNOWN, full.s ? full.s : path,
                 "unknown field '%s'; expected one of: %s", key, expect);
        parley__strbuf_free(&full);
    }
    return st;
}

static int id_ok(const char *s)
{
    return s && parley__name_valid(s, strlen(s));
}

/* The request_id of a body. */
parley_status_t parley__live_request_id(const req_t *r, const json_t *body,
                                        const char **out)
{
    json_t *v = json_object_get(body, "request_id");
    if (!v)
        return bad(r, PARLEY_EMISSING, "$.request_id",
                   "missing required field 'request_id' (1..64 characters "
                   "of A-Z a-z 0-9 . _ -, unique per actor and session)");
    if (!json_is_string(v))
        return bad(r, PARLEY_ETYPE, "$.request_id",
                   "expected a string, found %s", jtype(v));
    if (!id_ok(json_string_value(v)))
        return bad(r, PARLEY_EINVALID, "$.request_id",
                   "expected 1..64 characters of A-Z a-z 0-9 . _ -, found "
                   "'%.80s'",
                   json_string_value(v));
    *out = json_string_value(v);
    return PARLEY_OK;
}

/* An integer member >= min; required or not. */
static parley_status_t get_uint(const req_t *r, const json_t *obj,
                                const char *key, int required, unsigned min,
                                unsigned *out, int *present)
{
    char path[96];
    snprintf(path, sizeof path, "$.%s", key);
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return required ? bad(r, PARLEY_EMISSING, path,
                              "missing required field '%s' (an integer)", key)
                        : PARLEY_OK;
    if (!json_is_integer(v))
        return bad(r, PARLEY_ETYPE, path, "expected an integer, found %s",
                   jtype(v));
    json_int_t x = json_integer_value(v);
    if (x < (json_int_t)min || x > 1000000)
        return bad(r, PARLEY_ERANGE, path,
                   "expected an integer in %u..1000000, found %lld", min,
                   (long long)x);
    *out = (unsigned)x;
    return PARLEY_OK;
}

static parley_status_t get_str(const req_t *r, const json_t *obj,
                               const char *key, int required, size_t max,
                               const char **out)
{
    char path[96];
    snprintf(path, sizeof path, "$.%s", key);
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return required ? bad(r, PARLEY_EMISSING, path,
                              "missing required field '%s' (a string)", key)
                        : PARLEY_OK;
    if (!json_is_string(v))
        return bad(r, PARLEY_ETYPE, path, "expected a string, found %s",
                   jtype(v));
    size_t n = json_string_length(v);
    if (n > max)
        return bad(r, PARLEY_ELIMIT, path,
                   "expected at most %zu bytes, found %zu", max, n);
    if (strlen(json_string_value(v)) != n ||
        !parley__utf8_valid(json_string_value(v)))
        return bad(r, PARLEY_EINVALID, path,
                   "expected UTF-8 text without NUL characters");
    *out = json_string_value(v);
    return PARLEY_OK;
}

/* ---- the store --------------------------------------------------------- */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static parley_status_t db_fail(parley_live_t *live, parley_diags_t *diags,
                               int rc, const char *what)
{
    return parley__monitor_db_fail(live->store, diags, rc, what);
}

static parley_status_t begin(parley_live_t *live, parley_diags_t *diags)
{
    int rc = parley__store_exec(live->store, "BEGIN IMMEDIATE");
    return rc == SQLITE_OK ? PARLEY_OK
                           : db_fail(live, diags, rc,
                                     "cannot start the transaction");
}

static parley_status_t finish(parley_live_t *live, parley_status_t st,
                              parley_diags_t *diags)
{
    if (st == PARLEY_OK) {
        int rc = parley__store_exec(live->store, "COMMIT");
        if (rc != SQLITE_OK)
            st = db_fail(live, diags, rc, "cannot commit the transaction");
    }
    if (st != PARLEY_OK)
        parley__store_exec(live->store, "ROLLBACK");
    return st;
}

/* ---- sessions in memory ------------------------------------------------- */

static void input_clear(parley__live_input_t *in)
{
    json_decref(in->payload);
    in->payload = NULL;
}

static void session_free(parley__live_session_t *S)
{
    if (!S)
        return;
    parley__live_present_free(&S->now, S->pub ? S->pub->n_parties : 0);
    parley__live_state_forget(S);
    parley_free(S->state_cache);
    for (size_t n = 0; n < S->n_in; n++)
        input_clear(&S->in[n]);
    parley_free(S->in);
    parley_free(S->rid_head);
    parley_free(S->name);
    parley_free(S->scenario_json);
    parley_free(S->rules_json);
    parley_analysis_free(S->analysis);
    parley_model_free(S->model);
    parley_free(S->analysis_json);
    parley_session_plan_free(S->plan);
    parley_scenario_free(S->full);
    parley_rules_clear(&S->rules);
    parley_scenario_free(S->pub);
    parley_free(S);
}

/* Fills S's public scenario and rules from its JSON texts. */
static parley_status_t session_parse(parley__live_session_t *S,
                                     parley_diags_t *diags)
{
    parley_status_t st = parley__scenario_read_public(
        S->scenario_json, strlen(S->scenario_json), "scenario", &S->pub,
        diags);
    if (st != PARLEY_OK)
        return st;
    if (S->rules_json)
        return parley_rules_read_string(S->rules_json, strlen(S->rules_json),
                                        "rules", S->pub, &S->rules, diags);
    parley_rules_t of;
    parley_rules_of(S->pub, &of);
    return parley_rules_copy(&S->rules, &of);
}

/* FNV-1a over actor, a NUL, request_id. */
static size_t rid_hash(const char *actor, const char *rid)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *c = (const unsigned char *)actor;; c++) {
        h = (h ^ *c) * UINT64_C(1099511628211);
        if (!*c)
            break;
    }
    for (const unsigned char *c = (const unsigned char *)rid; *c; c++)
        h = (h ^ *c) * UINT64_C(1099511628211);
    return (size_t)h;
}

long parley__live_find_request(const parley__live_session_t *S,
                               const char *actor, const char *request_id)
{
    if (!S->n_rid_head)
        return -1;
    size_t b = rid_hash(actor, request_id) & (S->n_rid_head - 1);
    for (size_t k = S->rid_head[b]; k; k = S->in[k - 1].rid_next) {
        const parley__live_input_t *x = &S->in[k - 1];
        if (strcmp(x->request_id, request_id) == 0 &&
            strcmp(x->actor, actor) == 0)
            return (long)(k - 1);
    }
    return -1;
}

/* Links input n into the request index. */
static void rid_link(parley__live_session_t *S, size_t n)
{
    size_t b = rid_hash(S->in[n].actor, S->in[n].request_id) &
               (S->n_rid_head - 1);
    S->in[n].rid_next = S->rid_head[b];
    S->rid_head[b] = n + 1;
}

/* Appends an input (the index keeps at most one input per bucket on
 * average: it doubles, rebuilt, as inputs come). */
static parley_status_t push_input(parley__live_session_t *S,
                                  const parley__live_input_t *in)
{
    if (S->n_in == S->cap_in) {
        size_t cap = S->cap_in ? S->cap_in * 2 : 32;
        parley__live_input_t *n = parley_realloc(S->in, cap * sizeof *n);
        if (!n)
            return PARLEY_ENOMEM;
        S->in = n;
        S->cap_in = cap;
    }
    if (S->n_in + 1 > S->n_rid_head) {
        size_t nb = S->n_rid_head ? S->n_rid_head * 2 : 64;
        size_t *h = parley_calloc(nb, sizeof *h);
        if (!h)
            return PARLEY_ENOMEM;
        parley_free(S->rid_head);
        S->rid_head = h;
        S->n_rid_head = nb;
        for (size_t k = 0; k < S->n_in; k++)
            rid_link(S, k);
    }
    S->in[S->n_in] = *in;
    rid_link(S, S->n_in);
    S->n_in++;
    parley__live_state_forget(S);
    return PARLEY_OK;
}

/* Drops the last input (a write rolled back): it heads its chain. */
static void pop_input(parley__live_session_t *S)
{
    size_t n = --S->n_in;
    size_t b = rid_hash(S->in[n].actor, S->in[n].request_id) &
               (S->n_rid_head - 1);
    S->rid_head[b] = S->in[n].rid_next;
    parley__live_state_forget(S);
}

static long party_index(const parley_scenario_t *sc, const char *id)
{
    for (size_t i = 0; id && i < sc->n_parties; i++)
        if (strcmp(sc->parties[i].id, id) == 0)
            return (long)i;
    return -1;
}

static parley_status_t load_inputs(parley_live_t *live,
                                   parley__live_session_t *S,
                                   parley_diags_t *diags)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(live->store->db,
                                "SELECT seq, actor, action, round, "
                                "request_id, payload, at_step FROM "
                                "live_inputs WHERE session = ?1 ORDER BY seq",
                                -1, &q, NULL);
    parley_status_t st = PARLEY_OK;
    if (rc == SQLITE_OK)
        sqlite3_bind_text(q, 1, S->id, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK) {
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        rc = SQLITE_OK;
        parley__live_input_t in;
        memset(&in, 0, sizeof in);
        const char *actor = (const char *)sqlite3_column_text(q, 1);
        const char *action = (const char *)sqlite3_column_text(q, 2);
        const char *rid = (const char *)sqlite3_column_text(q, 4);
        const char *payload = (const char *)sqlite3_column_text(q, 5);
        int a = parley__live_action_from_name(action);
        if (!actor || !rid || !payload || a < 0 || !id_ok(actor) ||
            !id_ok(rid)) {
            st = PARLEY_ESYNTAX;
            break;
        }
        in.seq = (uint64_t)sqlite3_column_int64(q, 0);
        strcpy(in.actor, actor);
        strcpy(in.request_id, rid);
        in.action = (parley__live_action_t)a;
        in.round = (unsigned)sqlite3_column_int64(q, 3);
        in.at_step = (uint64_t)sqlite3_column_int64(q, 6);
        in.party = party_action(in.action) ? party_index(S->pub, actor) : -1;
        in.payload = json_loads(payload, 0, NULL);
        if (!in.payload) {
            st = parley__json_alloc_failed() ? PARLEY_ENOMEM : PARLEY_ESYNTAX;
            break;
        }
        if ((st = push_input(S, &in)) != PARLEY_OK) {
            input_clear(&in);
            break;
        }
    }
    if (st == PARLEY_OK && rc != SQLITE_DONE)
        st = parley__store_status(rc);
    sqlite3_finalize(q);
    if (st == PARLEY_OK) {
        rc = sqlite3_prepare_v2(live->store->db,
                                "SELECT count(*) FROM live_events WHERE "
                                "session = ?1",
                                -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(q, 1, S->id, -1, SQLITE_STATIC);
            if ((rc = sqlite3_step(q)) == SQLITE_ROW)
                S->n_ev_stored = (uint64_t)sqlite3_column_int64(q, 0);
        }
        if (rc != SQLITE_ROW)
            st = parley__store_status(rc);
        sqlite3_finalize(q);
        rc = sqlite3_prepare_v2(live->store->db,
                                "SELECT count(*) FROM agreements WHERE id = ?1",
                                -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(q, 1, S->id, -1, SQLITE_STATIC);
            if ((rc = sqlite3_step(q)) == SQLITE_ROW)
                S->monitored = sqlite3_column_int64(q, 0) > 0;
        }
        if (st == PARLEY_OK && rc != SQLITE_ROW)
            st = parley__store_status(rc);
        sqlite3_finalize(q);
    }
    if (st != PARLEY_OK)
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, st,
                         parley_store_path(live->store), 0, 0, "",
                         "cannot read the inputs of session '%s'", S->id);
    return st;
}

parley_status_t parley__live_session_get(parley_live_t *live, const char *id,
                                         parley__live_session_t **out,
                                         parley_diags_t *diags)
{
    *out = NULL;
    if (!id || !id_ok(id)) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ENOTFOUND, "", 0,
                         0, "", "no session '%.80s'", id ? id : "(none)");
        return PARLEY_ENOTFOUND;
    }
    for (parley__live_session_t *S = live->sessions; S; S = S->next)
        if (strcmp(S->id, id) == 0) {
            *out = S;
            return PARLEY_OK;
        }
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(live->store->db,
                                "SELECT name, scenario, rules, seed FROM "
                                "live_sessions WHERE id = ?1",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
    }
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(q);
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ENOTFOUND, "", 0,
                         0, "", "no session '%s'", id);
        return PARLEY_ENOTFOUND;
    }
    if (rc != SQLITE_ROW) {
        parley_status_t st = db_fail(live, diags, rc, "cannot read a session");
        sqlite3_finalize(q);
        return st;
    }
    parley__live_session_t *S = parley_calloc(1, sizeof *S);
    parley_status_t st = PARLEY_ENOMEM;
    if (S) {
        parley_rules_init(&S->rules);
        strcpy(S->id, id);
        const char *rules = (const char *)sqlite3_column_text(q, 2);
        S->name = parley_strdup((const char *)sqlite3_column_text(q, 0));
        S->scenario_json =
            parley_strdup((const char *)sqlite3_column_text(q, 1));
        S->rules_json = rules ? parley_strdup(rules) : NULL;
        S->seed = (uint64_t)sqlite3_column_int64(q, 3);
        if (S->name && S->scenario_json && (!rules || S->rules_json))
            st = PARLEY_OK;
    }
    sqlite3_finalize(q);
    if (st == PARLEY_OK)
        st = session_parse(S, diags);
    if (st == PARLEY_OK)
        st = load_inputs(live, S, diags);
    if (st == PARLEY_OK)
        st = parley__live_replay(S, diags, NULL);
    if (st == PARLEY_OK && S->now.n_ev < S->n_ev_stored) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID,
                         parley_store_path(live->store), 0, 0, "",
                         "session '%s' replays to %zu events, but the store "
                         "holds %llu: its inputs were changed",
                         id, S->now.n_ev, (unsigned long long)S->n_ev_stored);
        st = PARLEY_EINVALID;
    }
    if (st != PARLEY_OK) {
        session_free(S);
        return st;
    }
    S->next = live->sessions;
    live->sessions = S;
    *out = S;
    return PARLEY_OK;
}

/* ---- open / close ------------------------------------------------------ */

parley_status_t parley_live_open(parley_store_t *store, const char *key_dir,
                                 parley_live_t **out, parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!store)
        return PARLEY_EARG;
    parley__json_use_parley_alloc();
    parley_live_t *live = parley_calloc(1, sizeof *live);
    if (!live)
        return PARLEY_ENOMEM;
    live->store = store;
    char def[4096];
    parley_status_t st = PARLEY_OK;
    if (!key_dir) {
        st = parley_key_default_dir(def, sizeof def);
        if (st != PARLEY_OK)
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, st, "", 0, 0, "",
                             "no default key directory: set XDG_DATA_HOME or "
                             "HOME, or give one");
        key_dir = def;
    }
    if (st == PARLEY_OK && !(live->key_dir = parley_strdup(key_dir)))
        st = PARLEY_ENOMEM;
    if (st == PARLEY_OK)
        st = parley__live_creds_load(live, diags);
    if (st != PARLEY_OK) {
        parley_live_close(live);
        return st;
    }
    *out = live;
    return PARLEY_OK;
}

void parley_live_close(parley_live_t *live)
{
    if (!live)
        return;
    while (live->sessions) {
        parley__live_session_t *n = live->sessions->next;
        session_free(live->sessions);
        live->sessions = n;
    }
    parley__live_creds_free(live);
    parley__live_keys_free(live);
    parley_free(live->key_dir);
    parley_free(live);
}

/* ---- creating ---------------------------------------------------------- */

/* Hands diagnostics of an embedded document over, its paths re-rooted. */
static void rehome(const req_t *r, parley_diags_t *from, const char *old_root,
                   const char *new_root)
{
    size_t lo = strlen(old_root);
    for (size_t i = 0; i < parley_diags_count(from); i++) {
        const parley_diag_t *d = parley_diags_get(from, i);
        char path[600];
        if (strncmp(d->path, old_root, lo) == 0)
            snprintf(path, sizeof path, "%s%s", new_root, d->path + lo);
        else
            snprintf(path, sizeof path, "%s", new_root);
        if (d->severity == PARLEY_SEVERITY_ERROR)
            bad(r, d->code, path, "%s", d->message);
    }
}

static const char *const private_fields[] = {"utility", "reservation",
                                             "red_lines", NULL};

parley_status_t parley_live_create(parley_live_t *live,
                                   const parley_principal_t *by,
                                   const char *body, size_t len, char *id_out,
                                   parley_diags_t *diags)
{
    if (!live || !by || !id_out)
        return PARLEY_EARG;
    id_out[0] = '\0';
    parley__json_use_parley_alloc();
    req_t r = {body, len, diags};
    if (!by->mediator)
        return bad(&r, PARLEY_EDENIED, "", "only the mediator creates "
                                           "sessions");
    json_t *b = NULL;
    parley_status_t st = parley__live_parse_body(&r, &b);
    if (st != PARLEY_OK)
        return st;
    static const char *const fields[] = {"id", "name", "scenario", "rules",
                                         "seed", "request_id", NULL};
    const char *rid = NULL, *id = NULL, *name = NULL;
    st = only_fields(&r, b, "$", fields);
    if (st == PARLEY_OK)
        st = parley__live_request_id(&r, b, &rid);
    if (st == PARLEY_OK)
        st = get_str(&r, b, "id", 1, PARLEY_LEDGER_MAX_NAME, &id);
    if (st == PARLEY_OK && (!id_ok(id) || strchr(id, '.')))
        st = bad(&r, PARLEY_EINVALID, "$.id",
                 "expected a session id of 1..64 characters of A-Z a-z 0-9 _ "
                 "- (no '.'), found '%s'",
                 id);
    if (st == PARLEY_OK)
        st = get_str(&r, b, "name", 0, 200, &name);
    json_t *seedv = json_object_get(b, "seed");
    uint64_t seed = 1;
    if (st == PARLEY_OK && seedv) {
        if (!json_is_integer(seedv) || json_integer_value(seedv) < 0)
            st = bad(&r, json_is_integer(seedv) ? PARLEY_ERANGE : PARLEY_ETYPE,
                     "$.seed", "expected an integer >= 0, found %s",
                     jtype(seedv));
        else
            seed = (uint64_t)json_integer_value(seedv);
    }
    json_t *sc = json_object_get(b, "scenario");
    if (st == PARLEY_OK && !sc)
        st = bad(&r, PARLEY_EMISSING, "$.scenario",
                 "missing required field 'scenario' (a scenario v1 object "
                 "without the parties' private fields)");
    else if (st == PARLEY_OK && !json_is_object(sc))
        st = bad(&r, PARLEY_ETYPE, "$.scenario",
                 "expected a scenario object, found %s", jtype(sc));
    /* A party's profile comes only through its own private channel. */
    json_t *parties = json_object_get(sc, "parties");
    for (size_t i = 0; st == PARLEY_OK && i < json_array_size(parties); i++) {
        json_t *p = json_array_get(parties, i);
        for (size_t f = 0; json_is_object(p) && private_fields[f]; f++) {
            if (!json_object_get(p, private_fields[f]))
                continue;
            char path[96];
            snprintf(path, sizeof path, "$.scenario.parties[%zu].%s", i,
                     private_fields[f]);
            st = bad(&r, PARLEY_EINVALID, path,
                     "a party's %s is private: it reaches the mediator only "
                     "through the party's own channel (\"profile\"), not in "
                     "the session's scenario",
                     private_fields[f]);
        }
    }
    json_t *rules = json_object_get(b, "rules");
    if (st == PARLEY_OK && rules && !json_is_object(rules))
        st = bad(&r, PARLEY_ETYPE, "$.rules", "expected a rules object, found "
                                              "%s",
                 jtype(rules));
    parley__live_session_t *S = NULL;
    if (st == PARLEY_OK && !(S = parley_calloc(1, sizeof *S)))
        st = PARLEY_ENOMEM;
    if (S) {
        parley_rules_init(&S->rules);
        strcpy(S->id, id);
        S->seed = seed;
        S->scenario_json = json_dumps(sc, JSON_COMPACT);
        json_t *wrap = rules ? json_pack("{s:i, s:O}", "version", 1, "rules",
                                         rules)
                             : NULL;
        S->rules_json = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
        json_decref(wrap);
        if (!S->scenario_json || (rules && !S->rules_json))
            st = PARLEY_ENOMEM;
    }
    if (st == PARLEY_OK) {
        parley_diags_t *sub = parley_diags_new();
        if (!sub) {
            st = PARLEY_ENOMEM;
        } else {
            st = parley__scenario_read_public(S->scenario_json,
                                              strlen(S->scenario_json),
                                              "scenario", &S->pub, sub);
            if (st != PARLEY_OK && st != PARLEY_ENOMEM)
                rehome(&r, sub, "$", "$.scenario");
            parley_diags_clear(sub);
            if (st == PARLEY_OK && S->rules_json) {
                st = parley_rules_read_string(S->rules_json,
                                              strlen(S->rules_json), "rules",
                                              S->pub, &S->rules, sub);
                if (st != PARLEY_OK && st != PARLEY_ENOMEM)
                    rehome(&r, sub, "$", "$");
            } else if (st == PARLEY_OK) {
                parley_rules_t of;
                parley_rules_of(S->pub, &of);
                st = parley_rules_copy(&S->rules, &of);
            }
            parley_diags_free(sub);
        }
    }
    if (st == PARLEY_OK) {
        size_t voting = 0;
        for (size_t i = 0; i < S->pub->n_parties; i++)
            voting += S->pub->parties[i].role == PARLEY_ROLE_PARTY;
        if (!voting)
            st = bad(&r, PARLEY_EINVALID, "$.scenario.parties",
                     "a session needs at least one party with role "
                     "\"party\", found none");
    }
    if (st == PARLEY_OK) {
        const char *nm = name ? name : S->pub->name;
        if (!(S->name = parley_strdup(nm ? nm : id)))
            st = PARLEY_ENOMEM;
    }
    parley__live_session_t *dup = NULL;
    if (st == PARLEY_OK) {
        parley_diags_t *quiet = parley_diags_new();
        parley_status_t g = parley__live_session_get(live, id, &dup, quiet);
        parley_diags_free(quiet);
        if (g == PARLEY_OK)
            st = bad(&r, PARLEY_EDUPLICATE, "$.id",
                     "a session '%s' exists already", id);
        else if (g != PARLEY_ENOTFOUND)
            st = g;
    }
    const parley_key_t *key = NULL;
    if (st == PARLEY_OK)
        st = parley__live_key(live, NULL, by->actor, &key, diags);
    if (st == PARLEY_OK) {
        /* A replayed create: same mediator, same request_id. */
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(live->store->db,
                                    "SELECT id FROM live_sessions WHERE "
                                    "created_by = ?1 AND request_id = ?2",
                                    -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(q, 1, by->actor, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, rid, -1, SQLITE_STATIC);
            rc = sqlite3_step(q);
        }
        if (rc == SQLITE_ROW)
            st = bad(&r, PARLEY_EDUPLICATE, "$.request_id",
                     "request_id '%s' was used already (session '%s')", rid,
                     (const char *)sqlite3_column_text(q, 0));
        else if (rc != SQLITE_DONE)
            st = db_fail(live, diags, rc, "cannot read the sessions");
        sqlite3_finalize(q);
    }
    uint64_t entry = 0;
    if (st == PARLEY_OK && (st = begin(live, diags)) == PARLEY_OK) {
        char sh[65] = "", rh[65] = "";
        st = parley__live_hash_hex(sc, sh);
        if (st == PARLEY_OK && rules)
            st = parley__live_hash_hex(rules, rh);
        if (st == PARLEY_OK) {
            json_t *pl = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I}", "session",
                                   id, "name", S->name, "request_id", rid,
                                   "scenario_hash", sh, "rules_hash",
                                   rules ? rh : NULL, "seed",
                                   (json_int_t)seed);
            st = parley__monitor_append(live->store, key, "live.create", pl,
                                        &entry, diags);
        }
        if (st == PARLEY_OK) {
            sqlite3_stmt *q = NULL;
            int rc = sqlite3_prepare_v2(
                live->store->db,
                "INSERT INTO live_sessions (id, name, scenario, rules, seed, "
                "created_by, created_at, request_id, entry) VALUES (?1, ?2, "
                "?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                -1, &q, NULL);
            if (rc == SQLITE_OK) {
                sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
                sqlite3_bind_text(q, 2, S->name, -1, SQLITE_STATIC);
                sqlite3_bind_text(q, 3, S->scenario_json, -1, SQLITE_STATIC);
                if (S->rules_json)
                    sqlite3_bind_text(q, 4, S->rules_json, -1, SQLITE_STATIC);
                else
                    sqlite3_bind_null(q, 4);
                sqlite3_bind_int64(q, 5, (sqlite3_int64)seed);
                sqlite3_bind_text(q, 6, by->actor, -1, SQLITE_STATIC);
                sqlite3_bind_int64(q, 7, now_us());
                sqlite3_bind_text(q, 8, rid, -1, SQLITE_STATIC);
                sqlite3_bind_int64(q, 9, (sqlite3_int64)entry);
                rc = sqlite3_step(q);
            }
            sqlite3_finalize(q);
            if (rc != SQLITE_DONE)
                st = db_fail(live, diags, rc, "cannot record the session");
        }
        if (st == PARLEY_OK)
            st = parley__live_replay(S, diags, NULL);
        st = finish(live, st, diags);
    }
    json_decref(b);
    if (st != PARLEY_OK) {
        session_free(S);
        return st;
    }
    S->next = live->sessions;
    live->sessions = S;
    strcpy(id_out, S->id);
    return PARLEY_OK;
}

/* ---- access ------------------------------------------------------------- */

/* The session, if `by` may reach it at all. */
static parley_status_t reach(parley_live_t *live, const parley_principal_t *by,
                             const char *session, parley__live_session_t **S,
                             parley_diags_t *diags)
{
    *S = NULL;
    if (!by->mediator && (!session || strcmp(by->session, session) != 0)) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EDENIED, "", 0,
                         0, "", "'%s' holds no credential for session '%.80s'",
                         by->actor, session ? session : "(none)");
        return PARLEY_EDENIED;
    }
    return parley__live_session_get(live, session, S, diags);
}

/* The scenario index of a party principal, or -1. */
static long principal_party(const parley__live_session_t *S,
                            const parley_principal_t *by)
{
    if (by->mediator || by->role != PARLEY_ROLE_PARTY)
        return -1;
    long i = party_index(S->pub, by->actor);
    return i >= 0 && S->pub->parties[i].role == PARLEY_ROLE_PARTY ? i : -1;
}

static int started(const parley__live_session_t *S)
{
    for (size_t n = 0; n < S->n_in; n++)
        if (S->in[n].action == PARLEY__LIVE_START)
            return 1;
    return 0;
}

static const parley__live_await_t *awaited(const parley__live_session_t *S,
                                           parley__live_action_t a, long party)
{
    for (size_t i = 0; i < S->now.n_aw; i++)
        if (S->now.aw[i].action == a && S->now.aw[i].party == party)
            return &S->now.aw[i];
    return NULL;
}

/* What the present awaits, in words, for a refusal. */
static void awaits_text(const parley__live_session_t *S, char *buf,
                        size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    if (S->now.ended) {
        snprintf(buf, size, "nothing: the session has ended in %s",
                 S->now.agreement ? "agreement" : "impasse");
        return;
    }
    for (size_t i = 0; i < S->now.n_aw && used + 1 < size; i++) {
        const parley__live_await_t *w = &S->now.aw[i];
        int n = snprintf(buf + used, size - used, "%s%s from %s", i ? ", " : "",
                         parley__live_action_name(w->action),
                         w->party >= 0 ? S->pub->parties[w->party].id
                                       : "the mediator");
        if (n > 0)
            used += (size_t)n < size - used ? (size_t)n : size - used - 1;
        if (w->round && used + 1 < size) {
            n = snprintf(buf + used, size - used, " (round %u)", w->round);
            if (n > 0)
                used += (size_t)n < size - used ? (size_t)n : size - used - 1;
        }
    }
}

/* ---- checking a write's body ------------------------------------------- */

static long issue_index(const parley_scenario_t *sc, const char *id)
{
    for (size_t k = 0; id && k < sc->n_issues; k++)
        if (strcmp(sc->issues[k].id, id) == 0)
            return (long)k;
    return -1;
}

static parley_status_t check_profile(const req_t *r,
                                     const parley__live_session_t *S,
                                     long party, const json_t *b)
{
    static const char *const fields[] = {"profile", "request_id", NULL};
    static const char *const pfields[] = {"utility", "reservation",
                                          "red_lines", NULL};
    parley_status_t st = only_fields(r, b, "$", fields);
    if (st != PARLEY_OK)
        return st;
    json_t *p = json_object_get(b, "profile");
    if (!p)
        return bad(r, PARLEY_EMISSING, "$.profile",
                   "missing required field 'profile' ({\"utility\": {...}, "
                   "\"reservation\": x, \"red_lines\": [...]})");
    if (!json_is_object(p))
        return bad(r, PARLEY_ETYPE, "$.profile",
                   "expected a profile object, found %s", jtype(p));
    if ((st = only_fields(r, p, "$.profile", pfields)) != PARLEY_OK)
        return st;
    if (!json_object_get(p, "utility"))
        return bad(r, PARLEY_EMISSING, "$.profile.utility",
                   "missing required field 'utility' (a weight and a value "
                   "function per issue)");
    parley_diags_t *sub = parley_diags_new();
    if (!sub)
        return PARLEY_ENOMEM;
    parley_scenario_t *one = NULL;
    st = parley__live_merge(S, party, p, &one, sub);
    parley_scenario_free(one);
    if (st != PARLEY_OK && st != PARLEY_ENOMEM) {
        char root[64];
        snprintf(root, sizeof root, "$.parties[%ld]", party);
        rehome(r, sub, root, "$.profile");
    }
    parley_diags_free(sub);
    return st;
}

static const char *const answer_kinds[] = {"accept", "object", "veto",
                                           "walkout", NULL};

static parley_status_t check_answer(const req_t *r,
                                    const parley__live_session_t *S,
                                    const json_t *b, unsigned *round)
{
    static const char *const fields[] = {"round",      "kind",   "issues",
                                         "ground",     "text_round",
                                         "reason",     "request_id", NULL};
    parley_status_t st = only_fields(r, b, "$", fields);
    if (st == PARLEY_OK)
        st = get_uint(r, b, "round", 1, 1, round, NULL);
    const char *kind = NULL, *ground = NULL, *reason = NULL;
    if (st == PARLEY_OK)
        st = get_str(r, b, "kind", 1, 16, &kind);
    int k = -1;
    for (int i = 0; kind && answer_kinds[i]; i++)
        if (strcmp(kind, answer_kinds[i]) == 0)
            k = i;
    if (st == PARLEY_OK && k < 0)
        st = bad(r, PARLEY_EINVALID, "$.kind",
                 "expected accept, object, veto or walkout, found '%s'", kind);
    if (st == PARLEY_OK)
        st = get_str(r, b, "reason", 0, 159, &reason);
    if (st == PARLEY_OK)
        st = get_str(r, b, "ground", 0, 16, &ground);
    if (st == PARLEY_OK && ground && strcmp(ground, "red_line") != 0 &&
        strcmp(ground, "reservation") != 0)
        st = bad(r, PARLEY_EINVALID, "$.ground",
                 "expected red_line or reservation, found '%s'", ground);
    if (st == PARLEY_OK && k == PARLEY_ANSWER_VETO && !ground)
        st = bad(r, PARLEY_EMISSING, "$.ground",
                 "a veto names its ground: red_line or reservation");
    if (st == PARLEY_OK && ground && k != PARLEY_ANSWER_VETO)
        st = bad(r, PARLEY_EINVALID, "$.ground",
                 "only a veto has a ground; this answer is '%s'", kind);
    unsigned tr = 0;
    int has_tr = 0;
    if (st == PARLEY_OK)
        st = get_uint(r, b, "text_round", 0, 0, &tr, &has_tr);
    if (st == PARLEY_OK && has_tr && k != PARLEY_ANSWER_VETO)
        st = bad(r, PARLEY_EINVALID, "$.text_round",
                 "only a veto names the round of the text it vetoes");
    json_t *is = json_object_get(b, "issues");
    if (st == PARLEY_OK && is) {
        if (!json_is_array(is))
            st = bad(r, PARLEY_ETYPE, "$.issues",
                     "expected an array of issue ids, found %s", jtype(is));
        else if (k != PARLEY_ANSWER_OBJECT && k != PARLEY_ANSWER_VETO)
            st = bad(r, PARLEY_EINVALID, "$.issues",
                     "only an objection or a veto names issues");
        else if (json_array_size(is) > S->pub->n_issues)
            st = bad(r, PARLEY_ELIMIT, "$.issues",
                     "%zu issues named, the scenario has %zu",
                     json_array_size(is), S->pub->n_issues);
        for (size_t t = 0; st == PARLEY_OK && t < json_array_size(is); t++) {
            json_t *x = json_array_get(is, t);
            char path[64];
            snprintf(path, sizeof path, "$.issues[%zu]", t);
            if (!json_is_string(x))
                st = bad(r, PARLEY_ETYPE, path,
                         "expected an issue id, found %s", jtype(x));
            else if (issue_index(S->pub, json_string_value(x)) < 0)
                st = bad(r, PARLEY_EINVALID, path,
                         "no issue '%.80s' in this session",
                         json_string_value(x));
        }
    }
    return st;
}

/* The path $.text.<issue id>, with the id quoted as a path needs it. */
static void text_path(parley__path_t *p, const char *id)
{
    parley__path_init(p);
    parley__path_key(p, "text");
    parley__path_key(p, id);
}

/*
 * "propose", optionally with the mediator's own text: an object naming
 * every issue the awaited "propose" tables (the present's open issues,
 * the state's "open_issues") and nothing else, each with one of its
 * option labels.  When "propose" is not awaited the text is not looked
 * into: check_state refuses the action.  O(named issues x options).
 */
static parley_status_t check_propose(const req_t *r,
                                     const parley__live_session_t *S,
                                     const json_t *b)
{
    static const char *const fields[] = {"text", "request_id", NULL};
    parley_status_t st = only_fields(r, b, "$", fields);
    const json_t *t = json_object_get(b, "text");
    if (st != PARLEY_OK || !t)
        return st;
    if (!json_is_object(t))
        return bad(r, PARLEY_ETYPE, "$.text",
                   "expected an object {issue id: option label} for the "
                   "open issues, found %s",
                   jtype(t));
    if (!awaited(S, PARLEY__LIVE_PROPOSE, -1))
        return PARLEY_OK;
    parley__path_t p;
    const char *id;
    json_t *v;
    json_object_foreach((json_t *)t, id, v)
    {
        text_path(&p, id);
        long k = issue_index(S->pub, id);
        size_t q = 0;
        while (k >= 0 && q < S->now.n_open && S->now.open[q] != (size_t)k)
            q++;
        if (k < 0)
            return bad(r, PARLEY_EINVALID, p.buf,
                       "no issue '%.80s' in this session", id);
        if (q == S->now.n_open)
            return bad(r, PARLEY_EINVALID, p.buf,
                       "issue '%.80s' is not open: a text sets only the "
                       "open issues (the state's open_issues)",
                       id);
        if (!json_is_string(v))
            return bad(r, PARLEY_ETYPE, p.buf,
                       "expected an option label of '%.80s', found %s", id,
                       jtype(v));
        const parley_issue_t *is = &S->pub->issues[k];
        char label[64];
        size_t j = 0;
        while (j < is->n_options &&
               (parley_issue_option_label(is, j, label, sizeof label),
                strcmp(label, json_string_value(v)) != 0))
            j++;
        if (j == is->n_options) {
            char first[64], last[64];
            parley_issue_option_label(is, 0, first, sizeof first);
            parley_issue_option_label(is, is->n_options - 1, last,
                                      sizeof last);
            return bad(r, PARLEY_EINVALID, p.buf,
                       "expected one of the %zu options of '%.80s' (%s .. "
                       "%s), found '%.80s'",
                       is->n_options, id, first, last, json_string_value(v));
        }
    }
    for (size_t q = 0; q < S->now.n_open; q++) {
        const char *want = S->pub->issues[S->now.open[q]].id;
        if (!json_object_get(t, want)) {
            text_path(&p, want);
            return bad(r, PARLEY_EMISSING, p.buf,
                       "missing open issue '%.80s': a text names every open "
                       "issue",
                       want);
        }
    }
    return PARLEY_OK;
}

static parley_status_t check_concede(const req_t *r, const json_t *b,
                                     unsigned *round)
{
    static const char *const fields[] = {"round", "aspiration", "request_id",
                                         NULL};
    parley_status_t st = only_fields(r, b, "$", fields);
    if (st == PARLEY_OK)
        st = get_uint(r, b, "round", 1, 1, round, NULL);
    json_t *a = json_object_get(b, "aspiration");
    if (st == PARLEY_OK && !a)
        st = bad(r, PARLEY_EMISSING, "$.aspiration",
                 "missing required field 'aspiration' (the utility still "
                 "demanded)");
    else if (st == PARLEY_OK && !json_is_number(a))
        st = bad(r, PARLEY_ETYPE, "$.aspiration",
                 "expected a number, found %s", jtype(a));
    else if (st == PARLEY_OK && !isfinite(json_number_value(a)))
        st = bad(r, PARLEY_ERANGE, "$.aspiration", "expected a finite number");
    return st;
}

/* Whether the action fits the present; ESTATE with what it awaits if not. */
static parley_status_t check_state(const req_t *r,
                                   const parley__live_session_t *S,
                                   parley__live_action_t a, long party,
                                   unsigned round)
{
    char aw[400];
    awaits_text(S, aw, sizeof aw);
    if (a == PARLEY__LIVE_PROFILE) {
        if (started(S))
            return bad(r, PARLEY_ESTATE, "",
                       "the session has started: profiles are fixed");
        return PARLEY_OK;
    }
    if (S->now.ended)
        return bad(r, PARLEY_ESTATE, "", "the session awaits %s", aw);
    if (a == PARLEY__LIVE_CONCERN)
        return PARLEY_OK;
    if (parley__live_action_gates(a)) {
        if (awaited(S, a, -1))
            return PARLEY_OK;
        return bad(r, PARLEY_ESTATE, "", "not now: the session awaits %s",
                   aw[0] ? aw : "nothing");
    }
    const parley__live_await_t *w = awaited(S, a, party);
    if (w && w->round == round)
        return PARLEY_OK;
    if (w)
        return bad(r, PARLEY_ESTATE, "$.round",
                   "round %u is not the open one: your %s is awaited for "
                   "round %u",
                   round, parley__live_action_name(a), w->round);
    return bad(r, PARLEY_ESTATE, "$.round",
               "no %s of yours is awaited%s%s (round %u); the session awaits "
               "%s",
               parley__live_action_name(a), round == S->now.round ? " now" : "",
               round == S->now.round ? "" : " for that round", round,
               aw[0] ? aw : "nothing");
}

/* ---- writing ------------------------------------------------------------ */

static parley_status_t insert_input(parley_live_t *live,
                                    const parley__live_session_t *S,
                                    const parley__live_input_t *in,
                                    uint64_t entry, parley_diags_t *diags)
{
    char *payload = json_dumps(in->payload, JSON_COMPACT);
    if (!payload)
        return PARLEY_ENOMEM;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(live->store->db,
                                "INSERT INTO live_inputs (session, seq, "
                                "actor, action, round, request_id, payload, "
                                "at_step, entry) VALUES (?1, ?2, ?3, ?4, ?5, "
                                "?6, ?7, ?8, ?9)",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, S->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)in->seq);
        sqlite3_bind_text(q, 3, in->actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, parley__live_action_name(in->action), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, in->round);
        sqlite3_bind_text(q, 6, in->request_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, payload, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 8, (sqlite3_int64)in->at_step);
        sqlite3_bind_int64(q, 9, (sqlite3_int64)entry);
        rc = sqlite3_step(q);
    }
    sqlite3_finalize(q);
    parley_free(payload);
    return rc == SQLITE_DONE ? PARLEY_OK
                             : db_fail(live, diags, rc,
                                       "cannot record the input");
}

static const char *vis_name(parley_visibility_t v)
{
    return v == PARLEY_VISIBLE_PUBLIC  ? "public"
           : v == PARLEY_VISIBLE_PARTY ? "party"
                                       : "mediator";
}

/* Stores the committed events the store lacks. */
static parley_status_t insert_events(parley_live_t *live,
                                     const parley__live_session_t *S,
                                     parley_diags_t *diags)
{
    if (S->now.n_ev <= S->n_ev_stored)
        return PARLEY_OK;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(live->store->db,
                                "INSERT INTO live_events (session, seq, "
                                "visibility, party, json) VALUES (?1, ?2, "
                                "?3, ?4, ?5)",
                                -1, &q, NULL);
    for (size_t e = (size_t)S->n_ev_stored; rc == SQLITE_OK && e < S->now.n_ev;
         e++) {
        const parley__live_event_t *x = &S->now.ev[e];
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, S->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)x->seq);
        sqlite3_bind_text(q, 3, vis_name(x->vis), -1, SQLITE_STATIC);
        if (x->party >= 0)
            sqlite3_bind_text(q, 4, S->pub->parties[x->party].id, -1,
                              SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 4);
        sqlite3_bind_text(q, 5, x->json, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_OK ? PARLEY_OK
                           : db_fail(live, diags, rc,
                                     "cannot record the session's events");
}

/* The agreed text as {"issue": "option"}: the agreement event's. */
static char *agreed_text(const parley__live_session_t *S)
{
    for (size_t e = S->now.n_ev; e-- > 0;) {
        if (S->now.ev[e].kind != PARLEY_EVENT_AGREEMENT)
            continue;
        json_t *ev = json_loads(S->now.ev[e].json, 0, NULL);
        char *t = ev ? json_dumps(json_object_get(ev, "text"), JSON_COMPACT)
                     : NULL;
        json_decref(ev);
        return t;
    }
    return NULL;
}

static void today(char out[PARLEY_DATE_SIZE])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, PARLEY_DATE_SIZE, "%Y-%m-%d", &tm);
}

/* Monitoring starts with the agreement, in the same transaction. */
static parley_status_t start_monitoring(parley_live_t *live,
                                        parley__live_session_t *S,
                                        const parley_key_t *key,
                                        parley_diags_t *diags)
{
    if (!S->now.agreement)
        return PARLEY_OK;
    char *text = agreed_text(S);
    if (!text)
        return PARLEY_ENOMEM;
    char day[PARLEY_DATE_SIZE];
    today(day);
    parley_monitor_init_t in = {S->id, text, day, 3};
    parley_status_t st = parley__monitor_init_tx(
        live->store, key, S->full ? S->full : S->pub, &in, NULL, diags);
    parley_free(text);
    return st;
}

/*
 * The ruling on party's veto in `round`: the pending step's when its
 * round is still open, else the committed one; NULL when there is none.
 */
static json_t *ruling_of(const parley__live_session_t *S, long party,
                         unsigned round)
{
    if (S->now.rulings && S->now.rulings[party])
        return json_loads(S->now.rulings[party], 0, NULL);
    for (size_t e = S->now.n_ev; e-- > 0;) {
        const parley__live_event_t *x = &S->now.ev[e];
        if (x->kind != PARLEY_EVENT_VETO_RULING || x->party != party)
            continue;
        json_t *ev = json_loads(x->json, 0, NULL);
        if (ev && json_integer_value(json_object_get(ev, "round")) ==
                      (json_int_t)round)
            return ev;
        json_decref(ev);
        return NULL;
    }
    return NULL;
}

/* The awaited inputs a principal may know of: the mediator all of them,
 * a party its own and the mediator's (only_party its index). */
static json_t *awaiting_json(const parley__live_session_t *S, long only_party,
                             int names)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < S->now.n_aw; i++) {
        const parley__live_await_t *w = &S->now.aw[i];
        if (!names && w->party >= 0 && w->party != only_party)
            continue;
        json_t *o = json_pack(
            "{s:s, s:s}", "from",
            w->party >= 0 ? S->pub->parties[w->party].id : "mediator",
            "action", parley__live_action_name(w->action));
        if (o && w->round)
            json_object_set_new(o, "round", json_integer(w->round));
        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

parley__live_check_t parley__live_check;

/* The checking mode's comparison (live_internal.h). */
static void check_present(parley__live_session_t *S)
{
    parley__live_present_t p;
    parley__live_check.checked++;
    if (parley__live_replay_scratch(S, &p) != PARLEY_OK) {
        parley__live_check.differed++;
        return;
    }
    if (!parley__live_present_same(&S->now, &p, S->pub->n_parties))
        parley__live_check.differed++;
    /* The request index against a scan of the inputs. */
    for (size_t n = 0; n < S->n_in; n++) {
        long first = -1;
        for (size_t k = 0; first < 0 && k <= n; k++)
            if (strcmp(S->in[k].actor, S->in[n].actor) == 0 &&
                strcmp(S->in[k].request_id, S->in[n].request_id) == 0)
                first = (long)k;
        if (parley__live_find_request(S, S->in[n].actor,
                                      S->in[n].request_id) != first) {
            parley__live_check.differed++;
            break;
        }
    }
    parley__live_present_free(&p, S->pub->n_parties);
}

parley_status_t parley_live_write(parley_live_t *live,
                                  const parley_principal_t *by,
                                  const char *session, const char *action,
                                  const char *body, size_t len, char **reply,
                                  parley_diags_t *diags)
{
    if (reply)
        *reply = NULL;
    if (!live || !by || !action)
        return PARLEY_EARG;
    parley__json_use_parley_alloc();
    req_t r = {body, len, diags};
    parley__live_session_t *S = NULL;
    parley_status_t st = reach(live, by, session, &S, diags);
    if (st != PARLEY_OK)
        return st;
    int a = parley__live_action_from_name(action);
    if (a < 0)
        return bad(&r, PARLEY_EUNKNOWN, "",
                   "unknown action '%.40s'; expected profile, concern, start, "
                   "open_cluster, propose, pilot, close_round, agree, answer, "
                   "concede, commitment, report, consequence, enforce or "
                   "invite",
                   action);
    parley__live_action_t act = (parley__live_action_t)a;
    if (act == PARLEY__LIVE_INVITE)
        return parley__live_invite(live, by, S, &r, reply);
    if (act >= PARLEY__LIVE_COMMITMENT)
        return parley__live_monitor_write(live, by, S, act, &r, reply);
    json_t *b = NULL;
    if ((st = parley__live_parse_body(&r, &b)) != PARLEY_OK)
        return st;
    const char *rid = NULL;
    st = parley__live_request_id(&r, b, &rid);
    /* Who may do it. */
    long party = -1;
    if (st == PARLEY_OK && party_action(act)) {
        party = principal_party(S, by);
        if (party < 0)
            st = bad(&r, PARLEY_EDENIED, "",
                     "only a party of the session writes its own %s",
                     action);
    } else if (st == PARLEY_OK && !by->mediator) {
        st = bad(&r, PARLEY_EDENIED, "", "only the mediator may %s", action);
    }
    if (st == PARLEY_OK)
        st = parley__live_replayed(&r, S, by, rid);
    unsigned round = 0;
    if (st == PARLEY_OK) {
        static const char *const bare[] = {"request_id", NULL};
        static const char *const concern[] = {"text", "request_id", NULL};
        const char *text = NULL;
        switch (act) {
        case PARLEY__LIVE_PROFILE:
            st = check_profile(&r, S, party, b);
            break;
        case PARLEY__LIVE_CONCERN:
            st = only_fields(&r, b, "$", concern);
            if (st == PARLEY_OK)
                st = get_str(&r, b, "text", 1, 511, &text);
            if (st == PARLEY_OK && !text[0])
                st = bad(&r, PARLEY_EINVALID, "$.text",
                         "a concern says something: found an empty text");
            break;
        case PARLEY__LIVE_ANSWER:
            st = check_answer(&r, S, b, &round);
            break;
        case PARLEY__LIVE_CONCEDE:
            st = check_concede(&r, b, &round);
            break;
        case PARLEY__LIVE_PROPOSE:
            st = check_propose(&r, S, b);
            break;
        default:
            st = only_fields(&r, b, "$", bare);
        }
    }
    if (st == PARLEY_OK)
        st = check_state(&r, S, act, party, round);
    const parley_key_t *key = NULL;
    if (st == PARLEY_OK)
        st = parley__live_key(live, by->mediator ? NULL : S->id, by->actor,
                              &key, diags);
    parley__live_input_t in;
    memset(&in, 0, sizeof in);
    if (st == PARLEY_OK) {
        in.seq = S->n_in ? S->in[S->n_in - 1].seq + 1 : 1;
        strcpy(in.actor, by->actor);
        strcpy(in.request_id, rid);
        in.action = act;
        in.party = party;
        in.round = round;
        in.at_step = S->now.steps;
        in.payload = json_deep_copy(b);
        if (!in.payload || json_object_del(in.payload, "request_id"))
            st = PARLEY_ENOMEM;
    }
    json_decref(b);
    if (st != PARLEY_OK) {
        input_clear(&in);
        return st;
    }
    uint64_t entry = 0;
    int pushed = 0, replayed = 0;
    parley__live_present_t old;
    memset(&old, 0, sizeof old);
    if ((st = begin(live, diags)) == PARLEY_OK) {
        char hash[65];
        json_t *pl = NULL;
        if (party_action(act)) {
            /* Private: the ledger binds the author to its hash only. */
            st = parley__live_hash_hex(in.payload, hash);
            if (st == PARLEY_OK)
                pl = json_pack("{s:s, s:s, s:I, s:I, s:s}", "session", S->id,
                               "request_id", in.request_id, "input", (json_int_t)in.seq,
                               "step", (json_int_t)in.at_step, "hash", hash);
        } else {
            pl = json_pack("{s:s, s:s, s:I, s:I}", "session", S->id,
                           "request_id", in.request_id, "input", (json_int_t)in.seq,
                           "step", (json_int_t)in.at_step);
        }
        if (st == PARLEY_OK && pl && round)
            json_object_set_new(pl, "round", json_integer(round));
        /* The mediator's own text is public once tabled: in full. */
        json_t *own = act == PARLEY__LIVE_PROPOSE
                          ? json_object_get(in.payload, "text")
                          : NULL;
        if (st == PARLEY_OK && pl && own &&
            json_object_set(pl, "text", own))
            st = PARLEY_ENOMEM;
        char kind[40];
        snprintf(kind, sizeof kind, "live.%s", action);
        if (st == PARLEY_OK)
            st = parley__monitor_append(live->store, key, kind, pl, &entry,
                                        diags);
        else
            json_decref(pl);
        if (st == PARLEY_OK)
            st = insert_input(live, S, &in, entry, diags);
        if (st == PARLEY_OK && (st = push_input(S, &in)) == PARLEY_OK)
            pushed = 1;
        /* A concern cannot change the present unless its pending step
         * asks for concerns (docs/live.md, "Replay"): it is delivered at
         * an ask in a step at or after the present one, and the steps
         * before that are committed.  So it needs no replay. */
        if (st == PARLEY_OK &&
            (act != PARLEY__LIVE_CONCERN || S->now.asks_concern) &&
            (st = parley__live_replay(S, diags, &old)) == PARLEY_OK)
            replayed = 1;
        if (st == PARLEY_OK)
            st = insert_events(live, S, diags);
        if (st == PARLEY_OK && act == PARLEY__LIVE_AGREE)
            st = start_monitoring(live, S, key, diags);
        st = finish(live, st, diags);
    }
    if (st != PARLEY_OK) {
        if (pushed)
            pop_input(S);
        input_clear(&in);
        if (act == PARLEY__LIVE_START) {
            /* The plan was built from profiles that may still change. */
            parley_session_plan_free(S->plan);
            S->plan = NULL;
            parley_scenario_free(S->full);
            S->full = NULL;
        }
        if (replayed) {
            /* Back to the present as it was. */
            parley__live_present_free(&S->now, S->pub->n_parties);
            S->now = old;
            parley__live_state_forget(S);
        }
        return st;
    }
    parley__live_present_free(&old, S->pub->n_parties);
    S->n_ev_stored = S->now.n_ev;
    if (act == PARLEY__LIVE_AGREE)
        S->monitored = S->now.agreement;
    if (parley__live_check.on)
        check_present(S);
    if (!reply)
        return PARLEY_OK;
    json_t *o = json_pack("{s:b, s:I, s:I, s:s, s:i, s:I}", "ok", 1, "seq",
                          (json_int_t)entry, "input", (json_int_t)in.seq,
                          "phase", parley_phase_name(S->now.phase), "round",
                          (int)S->now.round, "steps", (json_int_t)S->now.steps);
    json_t *aw = awaiting_json(S, by->mediator ? -2 : party, by->mediator);
    if (o && aw)
        json_object_set_new(o, "awaiting", aw);
    else
        json_decref(aw);
    if (o && act == PARLEY__LIVE_ANSWER && party >= 0) {
        json_t *ru = ruling_of(S, party, in.round);
        if (ru)
            json_object_set_new(o, "ruling", ru);
    }
    if (o && S->now.ended)
        json_object_set_new(o, "outcome",
                            json_string(S->now.agreement ? "agreement"
                                                     : "impasse"));
    /* The write is committed: memory running out now costs the reply only
     * (NULL), never the write. */
    *reply = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (*reply && parley__json_alloc_failed()) {
        parley_free(*reply);
        *reply = NULL;
    }
    return PARLEY_OK;
}

parley_status_t parley__live_replayed(const req_t *r,
                                      const parley__live_session_t *S,
                                      const parley_principal_t *by,
                                      const char *request_id)
{
    long seen = parley__live_find_request(S, by->actor, request_id);
    if (seen >= 0)
        return bad(r, PARLEY_EDUPLICATE, "$.request_id",
                   "request_id '%s' was used already (input %llu): a "
                   "replayed request changes nothing",
                   request_id, (unsigned long long)S->in[seen].seq);
    return PARLEY_OK;
}

parley_status_t parley__live_record_tx(parley_live_t *live,
                                       parley__live_session_t *S,
                                       const parley_principal_t *by,
                                       parley__live_action_t act,
                                       const char *request_id,
                                       const json_t *body, uint64_t entry,
                                       parley_diags_t *diags)
{
    parley__live_input_t in;
    memset(&in, 0, sizeof in);
    in.seq = S->n_in ? S->in[S->n_in - 1].seq + 1 : 1;
    snprintf(in.actor, sizeof in.actor, "%s", by->actor);
    snprintf(in.request_id, sizeof in.request_id, "%s", request_id);
    in.action = act;
    in.party = -1;
    in.at_step = S->now.steps;
    in.payload = json_deep_copy(body);
    if (!in.payload || json_object_del(in.payload, "request_id")) {
        input_clear(&in);
        return PARLEY_ENOMEM;
    }
    /* In memory first, so that nothing can fail after the commit. */
    parley_status_t st = push_input(S, &in);
    if (st != PARLEY_OK) {
        input_clear(&in);
        return st;
    }
    st = insert_input(live, S, &in, entry, diags);
    if (st != PARLEY_OK)
        parley__live_unrecord(S);
    return st;
}

void parley__live_unrecord(parley__live_session_t *S)
{
    if (S->n_in) {
        pop_input(S); /* also out of the request index */
        input_clear(&S->in[S->n_in]);
    }
}
