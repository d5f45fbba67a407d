/*
 * ledger.c - appending to the ledger in the store, and reading it back for
 * verification and export.
 *
 * An append is one BEGIN IMMEDIATE transaction: it takes SQLite's write lock
 * first, then reads the head, so two processes appending at once are
 * serialised and each links to the other's last entry; the chain cannot
 * fork.  The store's head record (table ledger_head) must agree with the
 * last row before anything is added: a store whose ledger was cut or edited
 * is not extended until it is repaired.  COMMIT returns after the WAL is
 * synced (synchronous=FULL), so an acknowledged entry is durable.
 */
#include <string.h>
#include <time.h>

#include "ledger/ledger_internal.h"
#include "parley/alloc.h"
#include "store/store_internal.h"

typedef struct pending {
    parley__entry_t e;
    char *payload; /* canonical, owned */
    const parley_key_t *key;
    int is_register;
} pending_t;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static parley_status_t db_fail(parley_store_t *s, parley_diags_t *diags,
                               int rc, const char *what)
{
    parley_status_t st = parley__store_status(rc);
    if (st == PARLEY_OK)
        st = PARLEY_EIO;
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, st, s->path, 0, 0, "",
                     "%s: %s", what, sqlite3_errmsg(s->db));
    return st;
}

/* Reads the last row and the head record; they must agree. */
static parley_status_t read_head(parley_store_t *s, parley_ledger_head_t *h,
                                 parley_ledger_head_t *recorded,
                                 parley_diags_t *diags)
{
    sqlite3_stmt *st = NULL;
    memset(h, 0, sizeof *h);
    memset(recorded, 0, sizeof *recorded);
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1", -1,
        &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        h->seq = (uint64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == PARLEY_LEDGER_HASH_BYTES)
            memcpy(h->hash, sqlite3_column_blob(st, 1),
                   PARLEY_LEDGER_HASH_BYTES);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE)
        return db_fail(s, diags, rc, "cannot read the ledger head");
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT seq, hash FROM ledger_head WHERE id = 1",
                            -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        recorded->seq = (uint64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == PARLEY_LEDGER_HASH_BYTES)
            memcpy(recorded->hash, sqlite3_column_blob(st, 1),
                   PARLEY_LEDGER_HASH_BYTES);
        rc = SQLITE_DONE;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_CORRUPT;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, diags, rc, "cannot read the recorded ledger head");
    return PARLEY_OK;
}

/* The registered public key of actor into pk; 1 found, 0 not, -1 error. */
static int lookup_key(parley_store_t *s, const char *actor, unsigned char *pk)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT public_key FROM keys WHERE actor = ?", -1, &st, NULL);
    int found = -1;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW &&
            sqlite3_column_bytes(st, 0) == PARLEY_LEDGER_PUBLIC_KEY_BYTES) {
            memcpy(pk, sqlite3_column_blob(st, 0),
                   PARLEY_LEDGER_PUBLIC_KEY_BYTES);
            found = 1;
        } else if (rc == SQLITE_DONE) {
            found = 0;
        }
    }
    sqlite3_finalize(st);
    return found;
}

static parley_status_t insert_all(parley_store_t *s, pending_t *p, size_t n,
                                  uint64_t *first_seq, parley_diags_t *diags)
{
    parley_ledger_head_t head, recorded;
    parley_status_t st = read_head(s, &head, &recorded, diags);
    if (st != PARLEY_OK)
        return st;
    if (head.seq != recorded.seq ||
        memcmp(head.hash, recorded.hash, PARLEY_LEDGER_HASH_BYTES) != 0) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID,
                         s->path, 0, 0, "",
                         "the ledger ends at entry %llu but the store recorded "
                         "its head at entry %llu: the ledger was cut or edited; "
                         "nothing appended (run a verification)",
                         (unsigned long long)head.seq,
                         (unsigned long long)recorded.seq);
        return PARLEY_EINVALID;
    }
    sqlite3_stmt *ins = NULL, *key_ins = NULL;
    int rc = sqlite3_prepare_v2(
        s->db,
        "INSERT INTO ledger(seq, ts, author, kind, payload, prev, hash, sig) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        -1, &ins, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            s->db, "INSERT INTO keys(actor, public_key, seq) VALUES (?, ?, ?)",
            -1, &key_ins, NULL);
    if (rc != SQLITE_OK) {
        st = db_fail(s, diags, rc, "cannot prepare the append");
        goto out;
    }
    unsigned char *buf = NULL;
    size_t cap = 0;
    int64_t ts = now_us();
    for (size_t i = 0; i < n && st == PARLEY_OK; i++) {
        parley__entry_t *e = &p[i].e;
        const parley_key_t *key = p[i].key;
        unsigned char pk[PARLEY_LEDGER_PUBLIC_KEY_BYTES];
        int known = lookup_key(s, key->actor, pk);
        if (known < 0) {
            st = db_fail(s, diags, sqlite3_errcode(s->db),
                         "cannot read the registered keys");
            break;
        }
        if (p[i].is_register && known) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EDUPLICATE,
                             s->path, 0, 0, "",
                             "actor '%s' already has a registered key",
                             key->actor);
            st = PARLEY_EDUPLICATE;
            break;
        }
        if (!p[i].is_register &&
            (!known || memcmp(pk, key->pk, sizeof pk) != 0)) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID,
                             s->path, 0, 0, "",
                             known ? "the key given for '%s' is not the key "
                                     "registered for that actor: an actor "
                                     "cannot sign as another"
                                   : "actor '%s' has no registered key; "
                                     "register it first",
                             key->actor);
            st = PARLEY_EINVALID;
            break;
        }
        e->seq = head.seq + 1;
        e->ts = ts;
        memcpy(e->prev, head.hash, PARLEY_LEDGER_HASH_BYTES);
        size_t size = parley__entry_size(e);
        if (size > cap) {
            unsigned char *nb = parley_realloc(buf, size);
            if (!nb) {
                st = PARLEY_ENOMEM;
                break;
            }
            buf = nb;
            cap = size;
        }
        parley__entry_bytes(e, buf);
        crypto_sign_detached(e->sig, NULL, buf, size, key->sk);
        unsigned char hash[PARLEY_LEDGER_HASH_BYTES];
        parley__entry_hash(buf, size, e->sig, hash);

        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)e->seq);
        sqlite3_bind_int64(ins, 2, e->ts);
        sqlite3_bind_text(ins, 3, e->author, (int)e->author_len, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, e->kind, (int)e->kind_len, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, e->payload, (int)e->payload_len,
                          SQLITE_STATIC);
        sqlite3_bind_blob(ins, 6, e->prev, PARLEY_LEDGER_HASH_BYTES,
                          SQLITE_STATIC);
        sqlite3_bind_blob(ins, 7, hash, PARLEY_LEDGER_HASH_BYTES,
                          SQLITE_STATIC);
        sqlite3_bind_blob(ins, 8, e->sig, PARLEY_LEDGER_SIG_BYTES,
                          SQLITE_STATIC);
        rc = sqlite3_step(ins);
        if (rc != SQLITE_DONE) {
            st = db_fail(s, diags, rc, "cannot append to the ledger");
            break;
        }
        if (p[i].is_register) {
            sqlite3_reset(key_ins);
            sqlite3_bind_text(key_ins, 1, key->actor, -1, SQLITE_STATIC);
            sqlite3_bind_blob(key_ins, 2, key->pk, sizeof key->pk,
                              SQLITE_STATIC);
            sqlite3_bind_int64(key_ins, 3, (sqlite3_int64)e->seq);
            rc = sqlite3_step(key_ins);
            if (rc != SQLITE_DONE) {
                st = db_fail(s, diags, rc, "cannot record the key");
                break;
            }
        }
        if (i == 0 && first_seq)
            *first_seq = e->seq;
        head.seq = e->seq;
        memcpy(head.hash, hash, PARLEY_LEDGER_HASH_BYTES);
    }
    parley_free(buf);
    if (st == PARLEY_OK) {
        sqlite3_finalize(ins);
        ins = NULL;
        rc = sqlite3_prepare_v2(
            s->db, "UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", -1,
            &ins, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(ins, 1, (sqlite3_int64)head.seq);
            sqlite3_bind_blob(ins, 2, head.hash, PARLEY_LEDGER_HASH_BYTES,
                              SQLITE_STATIC);
            rc = sqlite3_step(ins);
        }
        if (rc != SQLITE_DONE)
            st = db_fail(s, diags, rc, "cannot record the ledger head");
    }
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(key_ins);
    return st;
}

static parley_status_t append(parley_store_t *s, pending_t *p, size_t n,
                              uint64_t *first_seq, parley_diags_t *diags)
{
    int rc = parley__store_exec(s, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return db_fail(s, diags, rc, "cannot start the append");
    parley_status_t st = insert_all(s, p, n, first_seq, diags);
    if (st == PARLEY_OK) {
        rc = parley__store_exec(s, "COMMIT");
        if (rc != SQLITE_OK)
            st = db_fail(s, diags, rc, "cannot commit the append");
    }
    if (st != PARLEY_OK)
        parley__store_exec(s, "ROLLBACK");
    return st;
}

static void fill_names(parley__entry_t *e, const char *actor, const char *kind)
{
    e->author_len = strlen(actor);
    memcpy(e->author, actor, e->author_len + 1);
    e->kind_len = strlen(kind);
    memcpy(e->kind, kind, e->kind_len + 1);
}

/*
 * Checks and canonicalises the events, then either runs them in a
 * transaction of their own (in_tx 0) or inside the caller's open write
 * transaction (in_tx 1: no BEGIN, no COMMIT; on error the caller rolls
 * back).
 */
static parley_status_t append_events(parley_store_t *store,
                                     const parley_ledger_event_t *events,
                                     size_t n, uint64_t *first_seq,
                                     parley_diags_t *diags, int in_tx)
{
    if (sodium_init() < 0)
        return PARLEY_EIO;
    if (n == 0)
        return PARLEY_OK;
    pending_t *p = parley_calloc(n, sizeof *p);
    if (!p)
        return PARLEY_ENOMEM;
    parley_status_t st = PARLEY_OK;
    for (size_t i = 0; i < n && st == PARLEY_OK; i++) {
        const parley_ledger_event_t *ev = &events[i];
        char path[32];
        snprintf(path, sizeof path, "events[%zu]", i);
        if (!ev->key || !ev->kind || !ev->payload) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EARG, "", 0,
                             0, path, "key, kind and payload are required");
            st = PARLEY_EARG;
            break;
        }
        size_t klen = strlen(ev->kind);
        if (!parley__name_valid(ev->kind, klen) ||
            strcmp(ev->kind, PARLEY_LEDGER_KIND_KEY) == 0) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EINVALID, "",
                             0, 0, path,
                             "kind must be 1..64 characters of A-Z a-z 0-9 . _ "
                             "- and not '%s', got '%s'",
                             PARLEY_LEDGER_KIND_KEY, ev->kind);
            st = PARLEY_EINVALID;
            break;
        }
        char err[256];
        size_t len = 0;
        st = parley__canonical_json(ev->payload, strlen(ev->payload),
                                    &p[i].payload, &len, err, sizeof err);
        if (st == PARLEY_OK && len > PARLEY_LEDGER_MAX_PAYLOAD) {
            snprintf(err, sizeof err, "payload of %zu bytes exceeds %u", len,
                     PARLEY_LEDGER_MAX_PAYLOAD);
            st = PARLEY_ELIMIT;
        }
        if (st != PARLEY_OK) {
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, st, "", 0, 0, path,
                             "%s", err);
            break;
        }
        p[i].key = ev->key;
        fill_names(&p[i].e, ev->key->actor, ev->kind);
        p[i].e.payload = p[i].payload;
        p[i].e.payload_len = len;
    }
    if (st == PARLEY_OK)
        st = in_tx ? insert_all(store, p, n, first_seq, diags)
                   : append(store, p, n, first_seq, diags);
    for (size_t i = 0; i < n; i++)
        parley_free(p[i].payload);
    parley_free(p);
    return st;
}

parley_status_t parley_ledger_append_batch(parley_store_t *store,
                                           const parley_ledger_event_t *events,
                                           size_t n, uint64_t *first_seq,
                                           parley_diags_t *diags)
{
    return append_events(store, events, n, first_seq, diags, 0);
}

parley_status_t parley__ledger_append_tx(parley_store_t *store,
                                         const parley_ledger_event_t *events,
                                         size_t n, uint64_t *first_seq,
                                         parley_diags_t *diags)
{
    return append_events(store, events, n, first_seq, diags, 1);
}

parley_status_t parley_ledger_append(parley_store_t *store,
                                     const parley_key_t *key, const char *kind,
                                     const char *payload, uint64_t *seq,
                                     parley_diags_t *diags)
{
    parley_ledger_event_t ev = {key, kind, payload};
    return parley_ledger_append_batch(store, &ev, 1, seq, diags);
}

parley_status_t parley_ledger_register(parley_store_t *store,
                                       const parley_key_t *key, uint64_t *seq,
                                       parley_diags_t *diags)
{
    if (sodium_init() < 0)
        return PARLEY_EIO;
    /* Idempotent for the same key: look before taking the write lock. */
    unsigned char pk[PARLEY_LEDGER_PUBLIC_KEY_BYTES];
    if (lookup_key(store, key->actor, pk) == 1 &&
        memcmp(pk, key->pk, sizeof pk) == 0) {
        if (seq) {
            sqlite3_stmt *st = NULL;
            *seq = 0;
            if (sqlite3_prepare_v2(store->db,
                                   "SELECT seq FROM keys WHERE actor = ?", -1,
                                   &st, NULL) == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key->actor, -1, SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW)
                    *seq = (uint64_t)sqlite3_column_int64(st, 0);
            }
            sqlite3_finalize(st);
        }
        return PARLEY_OK;
    }
    char payload[256];
    int len = parley__key_payload(key, payload, sizeof payload);
    pending_t p;
    memset(&p, 0, sizeof p);
    p.key = key;
    p.is_register = 1;
    fill_names(&p.e, key->actor, PARLEY_LEDGER_KIND_KEY);
    p.e.payload = payload;
    p.e.payload_len = (size_t)len;
    return append(store, &p, 1, seq, diags);
}

parley_status_t parley_ledger_head(parley_store_t *store,
                                   parley_ledger_head_t *head)
{
    parley_ledger_head_t recorded;
    int rc = parley__store_exec(store, "BEGIN");
    if (rc != SQLITE_OK)
        return parley__store_status(rc);
    parley_status_t st = read_head(store, head, &recorded, NULL);
    parley__store_exec(store, "COMMIT");
    return st;
}

/* ---- reading the ledger back ---------------------------------------- */

/*
 * Calls fn for every row with seq > after in seq order inside one read
 * transaction, with the row as an entry (payload borrowed until the next row) and its stored
 * hash.  A row whose columns cannot form an entry (wrong types, sizes,
 * names) is passed with *malformed set and a description.  Stops when fn
 * returns non-zero.  Also returns the recorded head when recorded != NULL.
 */
typedef int (*row_fn)(void *ctx, const parley__entry_t *e,
                      const unsigned char *hash, const char *malformed);

parley_status_t parley__ledger_scan(parley_store_t *s, uint64_t after,
                                    row_fn fn, void *ctx,
                                    parley_ledger_head_t *recorded,
                                    char *err, size_t err_size);
parley_status_t parley__ledger_scan(parley_store_t *s, uint64_t after,
                                    row_fn fn, void *ctx,
                                    parley_ledger_head_t *recorded,
                                    char *err, size_t err_size)
{
    int rc = parley__store_exec(s, "BEGIN");
    if (rc != SQLITE_OK) {
        snprintf(err, err_size, "%s", sqlite3_errmsg(s->db));
        return parley__store_status(rc);
    }
    parley_status_t st = PARLEY_OK;
    if (recorded) {
        parley_ledger_head_t last;
        st = read_head(s, &last, recorded, NULL);
        if (st != PARLEY_OK)
            snprintf(err, err_size, "%s", sqlite3_errmsg(s->db));
    }
    sqlite3_stmt *q = NULL;
    if (st == PARLEY_OK) {
        rc = sqlite3_prepare_v2(s->db,
                                "SELECT seq, ts, author, kind, payload, prev, "
                                "hash, sig FROM ledger WHERE seq > ?1 "
                                "ORDER BY seq",
                                -1, &q, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(q, 1, (sqlite3_int64)(after > INT64_MAX
                                                              ? INT64_MAX
                                                              : after));
        while (rc == SQLITE_OK || rc == SQLITE_ROW) {
            if ((rc = sqlite3_step(q)) != SQLITE_ROW)
                break;
            parley__entry_t e;
            memset(&e, 0, sizeof e);
            const char *bad = NULL;
            int64_t seq = sqlite3_column_int64(q, 0);
            e.seq = seq > 0 ? (uint64_t)seq : 0;
            e.ts = sqlite3_column_int64(q, 1);
            const unsigned char *a = sqlite3_column_text(q, 2);
            size_t alen = (size_t)sqlite3_column_bytes(q, 2);
            const unsigned char *k = sqlite3_column_text(q, 3);
            size_t klen = (size_t)sqlite3_column_bytes(q, 3);
            e.payload = (const char *)sqlite3_column_text(q, 4);
            e.payload_len = (size_t)sqlite3_column_bytes(q, 4);
            const void *prev = sqlite3_column_blob(q, 5);
            int prev_len = sqlite3_column_bytes(q, 5);
            const void *hash = sqlite3_column_blob(q, 6);
            int hash_len = sqlite3_column_bytes(q, 6);
            const void *sig = sqlite3_column_blob(q, 7);
            int sig_len = sqlite3_column_bytes(q, 7);
            if (seq < 1)
                bad = "seq is not a positive integer";
            else if (!a || !parley__name_valid((const char *)a, alen))
                bad = "author is not a valid actor id";
            else if (!k || !parley__name_valid((const char *)k, klen))
                bad = "kind is not a valid name";
            else if (!e.payload || e.payload_len > PARLEY_LEDGER_MAX_PAYLOAD)
                bad = "payload is missing or too large";
            else if (prev_len != PARLEY_LEDGER_HASH_BYTES ||
                     hash_len != PARLEY_LEDGER_HASH_BYTES ||
                     sig_len != PARLEY_LEDGER_SIG_BYTES)
                bad = "prev, hash or signature has the wrong size";
            if (!bad) {
                memcpy(e.author, a, alen);
                e.author_len = alen;
                memcpy(e.kind, k, klen);
                e.kind_len = klen;
                memcpy(e.prev, prev, PARLEY_LEDGER_HASH_BYTES);
                memcpy(e.sig, sig, PARLEY_LEDGER_SIG_BYTES);
            }
            if (fn(ctx, &e, bad ? NULL : hash, bad)) {
                rc = SQLITE_DONE;
                break;
            }
        }
        if (rc != SQLITE_DONE) {
            snprintf(err, err_size, "%s", sqlite3_errmsg(s->db));
            st = parley__store_status(rc);
            if (st == PARLEY_OK)
                st = PARLEY_EIO;
        }
    }
    sqlite3_finalize(q);
    parley__store_exec(s, "COMMIT");
    return st;
}
