/*
 * credentials.c - who a request comes from: tokens, their hashes and the
 * actors' signing keys.
 *
 * A token is "plt_" and 32 random bytes in base64url without padding.  The
 * store keeps only the BLAKE2b-256 hash of the whole token; the handle
 * keeps the same hashes in an open-addressing table, so authenticating is
 * one hash and one probe sequence whatever the token looks like, and one
 * store lookup by that hash when the table lacks it (a credential issued
 * by another process since the table was loaded).  Issuing
 * a token for an actor that has one revokes the old one, in the same
 * transaction as the issue and its ledger entry.
 *
 * Keys: an actor signs its writes with an Ed25519 key in the key
 * directory, named by its id: a delegation is the same actor in every
 * session it takes part in, and the monitoring of an agreement knows its
 * participants by their scenario ids.  A mediator's id is therefore never
 * a session actor's, and the other way round.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "live/live_internal.h"
#include "monitor/monitor_internal.h"
#include "parley/alloc.h"

#define TOKEN_PREFIX "plt_"
#define TOKEN_RANDOM 32
#define TOKEN_LEN 47 /* "plt_" + 43 base64url characters */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *role_text(const parley_principal_t *p)
{
    return p->mediator ? "mediator" : parley_role_name(p->role);
}

/* ---- the table -------------------------------------------------------- */

static size_t slot_of(const unsigned char *hash, size_t cap)
{
    uint64_t h;
    memcpy(&h, hash, sizeof h);
    return (size_t)h & (cap - 1);
}

/* Makes room for `extra` more entries at under half load. */
static parley_status_t table_reserve(parley_live_t *live, size_t extra)
{
    if ((live->n_creds + extra) * 2 <= live->cap_creds)
        return PARLEY_OK;
    size_t cap = live->cap_creds ? live->cap_creds : 64;
    while ((live->n_creds + extra) * 2 > cap)
        cap *= 2;
    parley__live_cred_t *t = parley_calloc(cap, sizeof *t);
    if (!t)
        return PARLEY_ENOMEM;
    for (size_t i = 0; i < live->cap_creds; i++) {
        const parley__live_cred_t *c = &live->creds[i];
        if (!c->used)
            continue;
        size_t j = slot_of(c->hash, cap);
        while (t[j].used)
            j = (j + 1) & (cap - 1);
        t[j] = *c;
    }
    if (live->creds)
        sodium_memzero(live->creds, live->cap_creds * sizeof *live->creds);
    parley_free(live->creds);
    live->creds = t;
    live->cap_creds = cap;
    return PARLEY_OK;
}

/* Adds an entry; room must have been reserved. */
static void table_add(parley_live_t *live, const unsigned char *hash,
                      const parley_principal_t *who, int revoked)
{
    size_t j = slot_of(hash, live->cap_creds);
    while (live->creds[j].used)
        j = (j + 1) & (live->cap_creds - 1);
    parley__live_cred_t *c = &live->creds[j];
    memcpy(c->hash, hash, 32);
    c->who = *who;
    c->used = 1;
    c->revoked = revoked;
    live->n_creds++;
}

/* Marks every live credential of (session, actor) revoked. */
static void table_revoke(parley_live_t *live, const char *session,
                         const char *actor)
{
    for (size_t i = 0; i < live->cap_creds; i++) {
        parley__live_cred_t *c = &live->creds[i];
        if (c->used && strcmp(c->who.session, session) == 0 &&
            strcmp(c->who.actor, actor) == 0)
            c->revoked = 1;
    }
}

void parley__live_creds_free(parley_live_t *live)
{
    if (live->creds)
        sodium_memzero(live->creds, live->cap_creds * sizeof *live->creds);
    parley_free(live->creds);
    live->creds = NULL;
    live->n_creds = live->cap_creds = 0;
}

static int role_from_text(const char *s, parley_principal_t *p)
{
    static const parley_role_t roles[] = {
        PARLEY_ROLE_PARTY, PARLEY_ROLE_GUARANTOR, PARLEY_ROLE_MONITOR,
        PARLEY_ROLE_OBSERVER};
    p->mediator = strcmp(s, "mediator") == 0;
    if (p->mediator) {
        p->role = PARLEY_ROLE_OBSERVER;
        return 1;
    }
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(s, parley_role_name(roles[i])) == 0) {
            p->role = roles[i];
            return 1;
        }
    return 0;
}

/* PRAGMA data_version: moves when another connection commits; -1 on error. */
static int64_t data_version(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

parley_status_t parley__live_creds_load(parley_live_t *live,
                                        parley_diags_t *diags)
{
    sqlite3 *db = live->store->db;
    sqlite3_stmt *q = NULL;
    live->data_version = data_version(db);
    int rc = sqlite3_prepare_v2(db,
                                "SELECT token_hash, actor, session, role, "
                                "revoked FROM credentials",
                                -1, &q, NULL);
    parley_status_t st = PARLEY_OK;
    while (rc == SQLITE_OK) {
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        rc = SQLITE_OK;
        parley_principal_t p;
        memset(&p, 0, sizeof p);
        const void *h = sqlite3_column_blob(q, 0);
        const char *actor = (const char *)sqlite3_column_text(q, 1);
        const char *sess = (const char *)sqlite3_column_text(q, 2);
        const char *role = (const char *)sqlite3_column_text(q, 3);
        if (!h || sqlite3_column_bytes(q, 0) != 32 || !actor || !role ||
            strlen(actor) > PARLEY_LEDGER_MAX_NAME ||
            (sess && strlen(sess) > PARLEY_LEDGER_MAX_NAME) ||
            !role_from_text(role, &p)) {
            st = PARLEY_ESYNTAX;
            break;
        }
        strcpy(p.actor, actor);
        if (sess)
            strcpy(p.session, sess);
        st = table_reserve(live, 1);
        if (st != PARLEY_OK)
            break;
        table_add(live, h, &p, sqlite3_column_int(q, 4) != 0);
    }
    if (st == PARLEY_OK && rc != SQLITE_DONE)
        st = parley__store_status(rc);
    sqlite3_finalize(q);
    if (st != PARLEY_OK)
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, st,
                         parley_store_path(live->store), 0, 0, "",
                         "cannot read the credentials: %s",
                         st == PARLEY_ESYNTAX ? "a malformed row"
                                              : sqlite3_errmsg(db));
    return st;
}

/* ---- keys ------------------------------------------------------------- */

void parley__live_keys_free(parley_live_t *live)
{
    for (size_t i = 0; i < live->n_keys; i++)
        parley_key_free(live->keys[i].key);
    parley_free(live->keys);
    live->keys = NULL;
    live->n_keys = live->cap_keys = 0;
}

parley_status_t parley__live_key(parley_live_t *live, const char *session,
                                 const char *actor, const parley_key_t **out,
                                 parley_diags_t *diags)
{
    (void)session;
    const char *name = actor;
    if (!parley__name_valid(name, strlen(name))) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, "", 0,
                         0, "$.actor",
                         "the actor id '%.80s' is not 1..64 characters of A-Z "
                         "a-z 0-9 . _ -",
                         actor);
        return PARLEY_EINVALID;
    }
    for (size_t i = 0; i < live->n_keys; i++)
        if (strcmp(live->keys[i].name, name) == 0) {
            *out = live->keys[i].key;
            return PARLEY_OK;
        }
    if (live->n_keys == live->cap_keys) {
        size_t cap = live->cap_keys ? live->cap_keys * 2 : 16;
        parley__live_key_t *k = parley_realloc(live->keys, cap * sizeof *k);
        if (!k)
            return PARLEY_ENOMEM;
        live->keys = k;
        live->cap_keys = cap;
    }
    parley_key_t *key = NULL;
    parley_status_t st = parley_key_generate(live->key_dir, name, &key, NULL);
    if (st == PARLEY_EDUPLICATE)
        st = parley_key_load(live->key_dir, name, &key, diags);
    else if (st != PARLEY_OK)
        st = parley_key_generate(live->key_dir, name, &key, diags);
    if (st != PARLEY_OK)
        return st;
    /* Registering an already registered key is a no-op. */
    st = parley_ledger_register(live->store, key, NULL, diags);
    if (st != PARLEY_OK) {
        parley_key_free(key);
        return st;
    }
    parley__live_key_t *slot = &live->keys[live->n_keys++];
    strcpy(slot->name, name);
    slot->key = key;
    *out = key;
    return PARLEY_OK;
}

/* ---- issuing ---------------------------------------------------------- */

static parley_status_t fail(parley_diags_t *diags, parley_status_t code,
                            const char *path, const char *fmt, const char *a)
{
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, code, "", 0, 0, path, fmt,
                     a ? a : "");
    return code;
}

/* Whether actor/role fits the session's scenario (live.h). */
static parley_status_t fits_session(const parley_scenario_t *pub,
                                    const char *actor, parley_role_t role,
                                    parley_diags_t *diags)
{
    for (size_t i = 0; i < pub->n_parties; i++) {
        if (strcmp(pub->parties[i].id, actor) != 0)
            continue;
        if (pub->parties[i].role != role) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, "",
                             0, 0, "$.role",
                             "'%s' takes part in this session as %s, not %s",
                             actor, parley_role_name(pub->parties[i].role),
                             parley_role_name(role));
            return PARLEY_EINVALID;
        }
        return PARLEY_OK;
    }
    if (role == PARLEY_ROLE_OBSERVER)
        return PARLEY_OK;
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, "", 0, 0,
                     "$.actor",
                     "'%s' is not a participant of this session's scenario; "
                     "only an observer may be a new id",
                     actor);
    return PARLEY_EINVALID;
}

/* An invitation's request: its id and body, recorded as the session's
 * input in the transaction of the issue; NULL for parley_live_issue. */
typedef struct invite_req {
    const char *request_id;
    const json_t *body;
} invite_req_t;

static parley_status_t issue(parley_live_t *live, const parley_principal_t *by,
                             const char *session, const char *actor,
                             parley_role_t role, char *token,
                             const invite_req_t *ir, uint64_t *seq_out,
                             parley_diags_t *diags);

parley_status_t parley_live_issue(parley_live_t *live,
                                  const parley_principal_t *by,
                                  const char *session, const char *actor,
                                  parley_role_t role, char *token,
                                  parley_diags_t *diags)
{
    return issue(live, by, session, actor, role, token, NULL, NULL, diags);
}

static parley_status_t issue(parley_live_t *live, const parley_principal_t *by,
                             const char *session, const char *actor,
                             parley_role_t role, char *token,
                             const invite_req_t *ir, uint64_t *seq_out,
                             parley_diags_t *diags)
{
    if (!live || !actor || !token)
        return PARLEY_EARG;
    token[0] = '\0';
    parley__json_use_parley_alloc();
    if (session) {
        if (!by || !by->mediator)
            return fail(diags, PARLEY_EDENIED, "",
                        "only the mediator invites to a session%s", NULL);
    } else if (by && !by->mediator) {
        return fail(diags, PARLEY_EDENIED, "",
                    "only a mediator makes another mediator%s", NULL);
    }
    if (!parley__name_valid(actor, strlen(actor)))
        return fail(diags, PARLEY_EINVALID, "$.actor",
                    "expected an actor id of 1..64 characters of A-Z a-z 0-9 "
                    ". _ -, found '%s'",
                    actor);
    /* One key per id: a mediator is never also a session actor. */
    sqlite3_stmt *q0 = NULL;
    int rc0 = sqlite3_prepare_v2(live->store->db,
                                 session ? "SELECT 1 FROM credentials WHERE "
                                           "actor = ?1 AND session IS NULL"
                                         : "SELECT 1 FROM credentials WHERE "
                                           "actor = ?1 AND session IS NOT "
                                           "NULL",
                                 -1, &q0, NULL);
    if (rc0 == SQLITE_OK) {
        sqlite3_bind_text(q0, 1, actor, -1, SQLITE_STATIC);
        rc0 = sqlite3_step(q0);
    }
    sqlite3_finalize(q0);
    if (rc0 == SQLITE_ROW)
        return fail(diags, PARLEY_EDUPLICATE, "$.actor",
                    session ? "'%s' is a mediator's id; a session actor needs "
                              "another"
                            : "'%s' is a session actor's id; a mediator needs "
                              "another",
                    actor);
    if (rc0 != SQLITE_DONE)
        return parley__monitor_db_fail(live->store, diags, rc0,
                                       "cannot read the credentials");
    parley_principal_t who;
    memset(&who, 0, sizeof who);
    parley__live_session_t *S = NULL;
    strcpy(who.actor, actor);
    who.mediator = session == NULL;
    who.role = session ? role : PARLEY_ROLE_OBSERVER;
    parley_status_t st;
    if (session) {
        if ((unsigned)role > PARLEY_ROLE_OBSERVER)
            return fail(diags, PARLEY_EINVALID, "$.role",
                        "expected party, guarantor, monitor or observer%s",
                        NULL);
        st = parley__live_session_get(live, session, &S, diags);
        if (st != PARLEY_OK)
            return st;
        st = fits_session(S->pub, actor, role, diags);
        if (st != PARLEY_OK)
            return st;
        strcpy(who.session, S->id);
    }
    const parley_key_t *own = NULL, *signer = NULL;
    st = parley__live_key(live, who.session, actor, &own, diags);
    if (st == PARLEY_OK)
        st = by ? parley__live_key(live, NULL, by->actor, &signer, diags)
                : PARLEY_OK;
    if (st != PARLEY_OK)
        return st;
    if (!signer)
        signer = own;

    unsigned char raw[TOKEN_RANDOM], hash[32];
    char tok[PARLEY_LIVE_TOKEN_SIZE];
    randombytes_buf(raw, sizeof raw);
    memcpy(tok, TOKEN_PREFIX, 4);
    sodium_bin2base64(tok + 4, sizeof tok - 4, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    crypto_generichash(hash, sizeof hash, (const unsigned char *)tok,
                       strlen(tok), NULL, 0);

    /* Room in the table first: after the commit nothing may fail. */
    st = table_reserve(live, 1);
    if (st != PARLEY_OK)
        return st;

    sqlite3 *db = live->store->db;
    int rc = parley__store_exec(live->store, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return parley__monitor_db_fail(live->store, diags, rc,
                                       "cannot start the transaction");
    sqlite3_stmt *q = NULL;
    rc = sqlite3_prepare_v2(db,
                            "UPDATE credentials SET revoked = 1 WHERE actor = "
                            "?1 AND session IS ?2 AND revoked = 0",
                            -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, actor, -1, SQLITE_STATIC);
        if (session)
            sqlite3_bind_text(q, 2, who.session, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 2);
        rc = sqlite3_step(q);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(q);
    q = NULL;
    uint64_t seq = 0;
    if (rc != SQLITE_OK) {
        st = parley__monitor_db_fail(live->store, diags, rc,
                                     "cannot revoke the old credential");
    } else {
        json_t *pl = json_pack("{s:s, s:s, s:s?, s:s?}", "actor", actor,
                               "role", role_text(&who), "session",
                               session ? who.session : NULL, "request_id",
                               ir ? ir->request_id : NULL);
        st = parley__monitor_append(live->store, signer, "credential.issue",
                                    pl, &seq, diags);
    }
    if (st == PARLEY_OK) {
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO credentials (token_hash, actor, "
                                "session, role, revoked, issued_at, entry) "
                                "VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
                                -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, actor, -1, SQLITE_STATIC);
            if (session)
                sqlite3_bind_text(q, 3, who.session, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(q, 3);
            sqlite3_bind_text(q, 4, role_text(&who), -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 5, now_us());
            sqlite3_bind_int64(q, 6, (sqlite3_int64)seq);
            rc = sqlite3_step(q);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_OK)
            st = parley__monitor_db_fail(live->store, diags, rc,
                                         "cannot record the credential");
    }
    int recorded = 0;
    if (st == PARLEY_OK && ir && S) {
        st = parley__live_record_tx(live, S, by, PARLEY__LIVE_INVITE,
                                    ir->request_id, ir->body, seq, diags);
        recorded = st == PARLEY_OK;
    }
    if (st == PARLEY_OK) {
        rc = parley__store_exec(live->store, "COMMIT");
        if (rc != SQLITE_OK)
            st = parley__monitor_db_fail(live->store, diags, rc,
                                         "cannot commit the credential");
    }
    if (st != PARLEY_OK) {
        parley__store_exec(live->store, "ROLLBACK");
        if (recorded)
            parley__live_unrecord(S);
        sodium_memzero(tok, sizeof tok);
        return st;
    }
    table_revoke(live, who.session, actor);
    table_add(live, hash, &who, 0);
    memcpy(token, tok, TOKEN_LEN + 1);
    sodium_memzero(tok, sizeof tok);
    if (seq_out)
        *seq_out = seq;
    return PARLEY_OK;
}

/* ---- invitations ------------------------------------------------------ */

static const char *const invite_roles[] = {"party", "guarantor", "monitor",
                                           "observer"};

/*
 * Checks {"actor", "role", "request_id"} in the order of every write (live.c):
 * the body, the principal's right, the request_id, then the actor against
 * the session (in issue()).  The reply carries the token: it is cleared
 * from every buffer this function used, and the caller should clear its
 * copy once sent.
 */
parley_status_t parley__live_invite(parley_live_t *live,
                                    const parley_principal_t *by,
                                    parley__live_session_t *S,
                                    const parley__live_req_t *r,
                                    char **reply)
{
    json_t *b = NULL;
    parley_status_t st = parley__live_parse_body(r, &b);
    if (st != PARLEY_OK)
        return st;
    const char *key;
    json_t *v;
    json_object_foreach(b, key, v)
    {
        if (strcmp(key, "actor") && strcmp(key, "role") &&
            strcmp(key, "request_id")) {
            st = parley__live_bad(r, PARLEY_EUNKNOWN, "$", "unknown field "
                                  "'%.64s'; expected actor, role, request_id",
                                  key);
            break;
        }
    }
    const char *rid = NULL, *actor = NULL, *role_name = NULL;
    if (st == PARLEY_OK)
        st = parley__live_request_id(r, b, &rid);
    static const char *const names[] = {"actor", "role"};
    const char **vals[] = {&actor, &role_name};
    for (size_t i = 0; st == PARLEY_OK && i < 2; i++) {
        char path[16];
        snprintf(path, sizeof path, "$.%s", names[i]);
        v = json_object_get(b, names[i]);
        if (!v)
            st = parley__live_bad(r, PARLEY_EMISSING, path,
                                  "missing required field '%s'", names[i]);
        else if (!json_is_string(v))
            st = parley__live_bad(r, PARLEY_ETYPE, path, "expected a string");
        else
            *vals[i] = json_string_value(v);
    }
    parley_role_t role = PARLEY_ROLE_OBSERVER;
    if (st == PARLEY_OK) {
        size_t i = 0;
        while (i < 4 && strcmp(role_name, invite_roles[i]) != 0)
            i++;
        if (i == 4)
            st = parley__live_bad(r, PARLEY_EINVALID, "$.role",
                                  "expected party, guarantor, monitor or "
                                  "observer, found '%.32s'",
                                  role_name);
        else
            role = i == 0   ? PARLEY_ROLE_PARTY
                   : i == 1 ? PARLEY_ROLE_GUARANTOR
                   : i == 2 ? PARLEY_ROLE_MONITOR
                            : PARLEY_ROLE_OBSERVER;
    }
    if (st == PARLEY_OK && !by->mediator)
        st = parley__live_bad(r, PARLEY_EDENIED, "",
                              "only the mediator invites to a session");
    if (st == PARLEY_OK)
        st = parley__live_replayed(r, S, by, rid);
    char token[PARLEY_LIVE_TOKEN_SIZE] = "";
    uint64_t seq = 0;
    if (st == PARLEY_OK) {
        invite_req_t ir = {rid, b};
        st = issue(live, by, S->id, actor, role, token, &ir, &seq, r->diags);
    }
    if (st == PARLEY_OK && reply) {
        json_t *o = json_pack("{s:b, s:I, s:s, s:s, s:s}", "ok", 1, "seq",
                              (json_int_t)seq, "actor", actor, "role",
                              role_name, "token", token);
        *reply = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (o) {
            /* jansson keeps its own copy of the token: clear it too. */
            json_t *t = json_object_get(o, "token");
            char *in = (char *)json_string_value(t);
            if (in)
                sodium_memzero(in, strlen(in));
        }
        json_decref(o);
        /* Committed: memory running out now costs the reply (NULL) only,
         * as for every write; a new invitation revokes the lost token. */
    }
    sodium_memzero(token, sizeof token);
    json_decref(b);
    return st;
}

/* ---- authenticating --------------------------------------------------- */

static int b64url(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * The credential with this hash in the store: one issued since the table
 * was loaded, by another process on the same store (`parleyd --mediator`
 * while the service runs).  Cached in the table, revoked or not, so the
 * store is asked once per credential; a valid one also revokes in the
 * table the older credentials of its actor, as its issue did in the store.
 * NULL when the store has none (not cached: unknown hashes cost memory
 * only to whoever sends them), on a store error or when memory runs out.
 */
static const parley__live_cred_t *store_lookup(parley_live_t *live,
                                               const unsigned char *hash)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(live->store->db,
                                "SELECT actor, session, role, revoked FROM "
                                "credentials WHERE token_hash = ?1",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
        rc = sqlite3_step(q);
    }
    parley_principal_t p;
    memset(&p, 0, sizeof p);
    int revoked = 1, ok = 0;
    if (rc == SQLITE_ROW) {
        const char *actor = (const char *)sqlite3_column_text(q, 0);
        const char *sess = (const char *)sqlite3_column_text(q, 1);
        const char *role = (const char *)sqlite3_column_text(q, 2);
        ok = actor && role && strlen(actor) <= PARLEY_LEDGER_MAX_NAME &&
             (!sess || strlen(sess) <= PARLEY_LEDGER_MAX_NAME) &&
             role_from_text(role, &p);
        if (ok) {
            strcpy(p.actor, actor);
            if (sess)
                strcpy(p.session, sess);
            revoked = sqlite3_column_int(q, 3) != 0;
        }
    }
    sqlite3_finalize(q);
    if (!ok || table_reserve(live, 1) != PARLEY_OK)
        return NULL;
    if (!revoked)
        table_revoke(live, p.session, p.actor);
    table_add(live, hash, &p, revoked);
    size_t j = slot_of(hash, live->cap_creds);
    while (sodium_memcmp(live->creds[j].hash, hash, 32) != 0)
        j = (j + 1) & (live->cap_creds - 1);
    return &live->creds[j];
}

parley_status_t parley_live_authenticate(parley_live_t *live,
                                         const char *token,
                                         parley_principal_t *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!live || !token || !out)
        return PARLEY_EDENIED;
    /* Another process committed (perhaps revoking a credential this table
     * still holds as valid): the table is loaded again.  Should that fail,
     * the table stays empty and every token is looked up in the store. */
    int64_t v = data_version(live->store->db);
    if (v != live->data_version) {
        parley__live_creds_free(live);
        if (parley__live_creds_load(live, NULL) != PARLEY_OK) {
            parley__live_creds_free(live);
            live->data_version = v;
        }
    }
    /* The shape is checked without an early exit, the hash is taken and
     * looked up whatever it found (in the table, then in the store when
     * the table lacks it), so the time does not tell how much was right. */
    size_t len = strnlen(token, PARLEY_LIVE_TOKEN_SIZE);
    int bad = len != TOKEN_LEN;
    bad |= sodium_memcmp(token, TOKEN_PREFIX, 4) != 0;
    for (size_t i = 4; i < TOKEN_LEN; i++)
        bad |= !b64url((unsigned char)(i < len ? token[i] : 0));
    unsigned char hash[32];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)token, len,
                       NULL, 0);
    const parley__live_cred_t *found = NULL;
    if (live->cap_creds) {
        size_t j = slot_of(hash, live->cap_creds);
        while (live->creds[j].used && !found) {
            if (sodium_memcmp(live->creds[j].hash, hash, 32) == 0)
                found = &live->creds[j];
            j = (j + 1) & (live->cap_creds - 1);
        }
    }
    if (!found)
        found = store_lookup(live, hash);
    if (bad || !found || found->revoked)
        return PARLEY_EDENIED;
    *out = found->who;
    return PARLEY_OK;
}
