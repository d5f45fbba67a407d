/*
 * test_ledger.c - the signed, hash-chained ledger: keys and their file
 * permissions, appending (canonical payloads, all-or-nothing batches, no
 * signing as another actor), verification of the store and of exports with
 * every kind of tampering located at the first bad entry, crashes of a
 * writer killed at random points, two writers at once, and corrupt input.
 *
 * Tampering is done the way an attacker with the file would: through
 * SQLite directly (dropping the append-only triggers) or by editing the
 * export's text.  PARLEY_TEST_QUICK=1 trims the crash loop for valgrind.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "ledger/ledger_internal.h"
#include "parley/alloc.h"
#include "parley/ledger.h"
#include "parley/store.h"

typedef struct fixture {
    char dir[256], keys[300], db[300], exp[300];
    parley_store_t *store;
    parley_key_t *alice, *bob;
} fixture_t;

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
                chmod(p, 0700);
                rm_tree(p);
            } else {
                unlink(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

static int quick(void)
{
    const char *q = getenv("PARLEY_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/parley-ledger-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    snprintf(f->dir, sizeof f->dir, "%s", tmpl);
    snprintf(f->keys, sizeof f->keys, "%s/keys", f->dir);
    snprintf(f->db, sizeof f->db, "%s/l.db", f->dir);
    snprintf(f->exp, sizeof f->exp, "%s/l.jsonl", f->dir);
    assert_int_equal(parley_store_open(f->db, &f->store, NULL), PARLEY_OK);
    assert_int_equal(parley_key_generate(f->keys, "alice", &f->alice, NULL),
                     PARLEY_OK);
    assert_int_equal(parley_key_generate(f->keys, "bob", &f->bob, NULL),
                     PARLEY_OK);
    uint64_t seq = 0;
    assert_int_equal(parley_ledger_register(f->store, f->alice, &seq, NULL),
                     PARLEY_OK);
    assert_int_equal(seq, 1);
    assert_int_equal(parley_ledger_register(f->store, f->bob, &seq, NULL),
                     PARLEY_OK);
    assert_int_equal(seq, 2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    parley_store_close(f->store);
    parley_key_free(f->alice);
    parley_key_free(f->bob);
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* Appends entries 3..n+2, alternating authors. */
static void fill(fixture_t *f, int n)
{
    for (int i = 0; i < n; i++) {
        char payload[96];
        snprintf(payload, sizeof payload, "{\"n\": %d, \"note\": \"event %d\"}",
                 i, i);
        uint64_t seq = 0;
        assert_int_equal(parley_ledger_append(f->store,
                                              i % 2 ? f->bob : f->alice,
                                              "test.event", payload, &seq,
                                              NULL),
                         PARLEY_OK);
        assert_int_equal(seq, (uint64_t)i + 3);
    }
}

static void verify(fixture_t *f, const parley_ledger_head_t *anchor,
                   parley_ledger_report_t *r)
{
    parley_ledger_verify_opts_t o = {anchor, 2};
    parley_status_t st = parley_ledger_verify(f->store, &o, r);
    if (st != PARLEY_OK)
        fail_msg("verify: %s: %s", parley_status_name(st), r->message);
}

static void verify_export(fixture_t *f, const parley_ledger_head_t *anchor,
                          parley_ledger_report_t *r)
{
    parley_ledger_verify_opts_t o = {anchor, 2};
    assert_int_equal(parley_ledger_verify_export(f->exp, &o, r), PARLEY_OK);
}

static void expect(const parley_ledger_report_t *r, parley_ledger_fault_t fault,
                   uint64_t position)
{
    if (r->fault != fault || r->position != position)
        fail_msg("expected %s at %llu, got %s at %llu: %s",
                 parley_ledger_fault_name(fault), (unsigned long long)position,
                 parley_ledger_fault_name(r->fault),
                 (unsigned long long)r->position, r->message);
}

/* Runs SQL on the store's file as an attacker would (triggers dropped). */
static void tamper(fixture_t *f, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db,
                          "DROP TRIGGER IF EXISTS ledger_no_update;"
                          "DROP TRIGGER IF EXISTS ledger_no_delete;",
                          NULL, NULL, &err);
    assert_int_equal(rc, SQLITE_OK);
    rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("tamper: %s", err);
    sqlite3_close(db);
}

/* Reads entry seq back from the store file. */
static void load_entry(fixture_t *f, uint64_t seq, parley__entry_t *e,
                       char *payload, size_t cap)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT seq, ts, author, kind, "
                                        "payload, prev, sig FROM ledger "
                                        "WHERE seq = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    memset(e, 0, sizeof *e);
    e->seq = (uint64_t)sqlite3_column_int64(st, 0);
    e->ts = sqlite3_column_int64(st, 1);
    snprintf(e->author, sizeof e->author, "%s", sqlite3_column_text(st, 2));
    e->author_len = strlen(e->author);
    snprintf(e->kind, sizeof e->kind, "%s", sqlite3_column_text(st, 3));
    e->kind_len = strlen(e->kind);
    snprintf(payload, cap, "%s", sqlite3_column_text(st, 4));
    e->payload = payload;
    e->payload_len = strlen(payload);
    memcpy(e->prev, sqlite3_column_blob(st, 5), 32);
    memcpy(e->sig, sqlite3_column_blob(st, 6), 64);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Signs e with sk (if given) and writes it back as row seq, hash included. */
static void store_entry(fixture_t *f, uint64_t row_seq, parley__entry_t *e,
                        const unsigned char *sk, int insert)
{
    unsigned char buf[4096], hash[32];
    size_t n = parley__entry_size(e);
    assert_true(n <= sizeof buf);
    parley__entry_bytes(e, buf);
    if (sk)
        crypto_sign_detached(e->sig, NULL, buf, n, sk);
    parley__entry_hash(buf, n, e->sig, hash);
    tamper(f, "SELECT 1");
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           insert ? "INSERT INTO ledger(payload, sig, hash, "
                                    "prev, ts, author, kind, seq) VALUES "
                                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                                  : "UPDATE ledger SET payload = ?1, sig = ?2, "
                                    "hash = ?3, prev = ?4, ts = ?5, author = "
                                    "?6, kind = ?7 WHERE seq = ?8",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, e->payload, (int)e->payload_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, e->sig, 64, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, e->prev, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, e->ts);
    sqlite3_bind_text(st, 6, e->author, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, e->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)row_seq);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void export_to_file(fixture_t *f)
{
    FILE *out = fopen(f->exp, "wb");
    assert_non_null(out);
    assert_int_equal(parley_ledger_export(f->store, out, NULL), PARLEY_OK);
    fclose(out);
}

/* The export's lines, to edit; returns the count. */
static int read_lines(fixture_t *f, char lines[][1024], int max)
{
    FILE *in = fopen(f->exp, "rb");
    int n = 0;
    while (n < max && fgets(lines[n], 1024, in))
        n++;
    fclose(in);
    return n;
}

static void write_lines(fixture_t *f, char lines[][1024], int n)
{
    FILE *out = fopen(f->exp, "wb");
    for (int i = 0; i < n; i++)
        fputs(lines[i], out);
    fclose(out);
}

/* ---- appending and verifying ------------------------------------------ */

static void test_append_and_verify(void **state)
{
    fixture_t *f = *state;
    fill(f, 20);
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    assert_int_equal(r.entries, 22);
    parley_ledger_head_t h;
    assert_int_equal(parley_ledger_head(f->store, &h), PARLEY_OK);
    assert_int_equal(h.seq, 22);
    assert_memory_equal(h.hash, r.head.hash, 32);
    verify(f, &h, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);

    /* Verification with one thread and with many gives the same verdict. */
    parley_ledger_verify_opts_t one = {NULL, 1};
    assert_int_equal(parley_ledger_verify(f->store, &one, &r), PARLEY_OK);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);

    /* The genesis entry links to zeros; each next one to its predecessor. */
    parley__entry_t e1, e2;
    char p1[512], p2[512];
    load_entry(f, 1, &e1, p1, sizeof p1);
    load_entry(f, 2, &e2, p2, sizeof p2);
    unsigned char zero[32] = {0}, buf[1024], hash[32];
    assert_memory_equal(e1.prev, zero, 32);
    parley__entry_bytes(&e1, buf);
    parley__entry_hash(buf, parley__entry_size(&e1), e1.sig, hash);
    assert_memory_equal(e2.prev, hash, 32);
    assert_int_equal(crypto_sign_verify_detached(e1.sig, buf,
                                                 parley__entry_size(&e1),
                                                 parley_key_public(f->alice)),
                     0);
}

static void test_canonical_bytes(void **state)
{
    (void)state;
    /* The layout of entry.c, checked byte by byte on a small entry. */
    parley__entry_t e;
    memset(&e, 0, sizeof e);
    e.seq = 0x0102030405060708ull;
    e.ts = -2;
    strcpy(e.author, "al");
    e.author_len = 2;
    strcpy(e.kind, "k");
    e.kind_len = 1;
    e.payload = "{}";
    e.payload_len = 2;
    memset(e.prev, 0xab, 32);
    unsigned char b[128];
    assert_int_equal(parley__entry_size(&e), 59 + 2 + 1 + 2);
    parley__entry_bytes(&e, b);
    const unsigned char head[] = {'P', 'L', 'D', 'G', 1, 1, 2, 3, 4, 5, 6, 7,
                                  8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xfe, 2, 'a', 'l', 1, 'k', 0, 0, 0, 2, '{',
                                  '}'};
    assert_memory_equal(b, head, sizeof head);
    for (int i = 0; i < 32; i++)
        assert_int_equal(b[sizeof head + i], 0xab);
}

static void test_canonical_payload(void **state)
{
    fixture_t *f = *state;
    uint64_t seq;
    assert_int_equal(parley_ledger_append(f->store, f->alice, "x",
                                          " { \"b\" : [1, 2.5],\n\"a\": "
                                          "\"\\u00e9\" } ",
                                          &seq, NULL),
                     PARLEY_OK);
    parley__entry_t e;
    char p[512];
    load_entry(f, seq, &e, p, sizeof p);
    assert_string_equal(p, "{\"a\":\"\xc3\xa9\",\"b\":[1,2.5]}");

    /* A non-canonical payload forged into the store is caught. */
    e.payload = "{\"b\":[1,2.5],\"a\":\"\xc3\xa9\"}";
    e.payload_len = strlen(e.payload);
    store_entry(f, seq, &e, f->alice->sk, 0);
    tamper(f, "UPDATE ledger_head SET hash = (SELECT hash FROM ledger "
              "ORDER BY seq DESC LIMIT 1)");
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_MALFORMED, seq);
    assert_non_null(strstr(r.message, "canonical"));
}

static void test_bad_appends_change_nothing(void **state)
{
    fixture_t *f = *state;
    fill(f, 3);
    parley_ledger_head_t h0, h1;
    assert_int_equal(parley_ledger_head(f->store, &h0), PARLEY_OK);
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_ledger_append(f->store, f->alice, "x", "[1]", NULL,
                                          d),
                     PARLEY_ESYNTAX);
    assert_int_equal(parley_ledger_append(f->store, f->alice, "x", "{", NULL,
                                          d),
                     PARLEY_ESYNTAX);
    assert_int_equal(parley_ledger_append(f->store, f->alice, "x",
                                          "{\"a\":1,\"a\":2}", NULL, d),
                     PARLEY_ESYNTAX);
    assert_int_equal(parley_ledger_append(f->store, f->alice, "bad kind",
                                          "{}", NULL, d),
                     PARLEY_EINVALID);
    assert_int_equal(parley_ledger_append(f->store, f->alice, "key.register",
                                          "{}", NULL, d),
                     PARLEY_EINVALID);
    /* A batch is all or nothing: its third event is bad. */
    parley_ledger_event_t batch[3] = {{f->alice, "ok", "{}"},
                                      {f->bob, "ok", "{}"},
                                      {f->bob, "ok", "nope"}};
    assert_int_equal(parley_ledger_append_batch(f->store, batch, 3, NULL, d),
                     PARLEY_ESYNTAX);
    assert_string_equal(parley_diags_get(d, parley_diags_count(d) - 1)->path,
                        "events[2]");
    assert_int_equal(parley_ledger_head(f->store, &h1), PARLEY_OK);
    assert_int_equal(h0.seq, h1.seq);
    assert_memory_equal(h0.hash, h1.hash, 32);
    uint64_t first = 0;
    assert_int_equal(parley_ledger_append_batch(f->store, batch, 2, &first, d),
                     PARLEY_OK);
    assert_int_equal(first, h0.seq + 1);
    parley_diags_free(d);
}

/* ---- keys ---------------------------------------------------------------- */

static void test_key_files(void **state)
{
    fixture_t *f = *state;
    parley_diags_t *d = parley_diags_new();
    parley_key_t *k = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/alice.key", f->keys);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(f->keys, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);

    /* Loading gives back the same key pair. */
    assert_int_equal(parley_key_load(f->keys, "alice", &k, d), PARLEY_OK);
    assert_memory_equal(parley_key_public(k), parley_key_public(f->alice), 32);
    assert_string_equal(parley_key_actor(k), "alice");
    parley_key_free(k);

    /* Never overwritten. */
    assert_int_equal(parley_key_generate(f->keys, "alice", &k, d),
                     PARLEY_EDUPLICATE);
    assert_null(k);
    /* Group- or world-readable key files and directories are refused. */
    chmod(path, 0640);
    assert_int_equal(parley_key_load(f->keys, "alice", &k, d), PARLEY_EINVALID);
    assert_null(k);
    assert_non_null(strstr(parley_diags_get(d, parley_diags_count(d) - 1)->message,
                           "0640"));
    chmod(path, 0604);
    assert_int_equal(parley_key_load(f->keys, "alice", &k, d), PARLEY_EINVALID);
    chmod(path, 0600);
    chmod(f->keys, 0755);
    assert_int_equal(parley_key_load(f->keys, "alice", &k, d), PARLEY_EINVALID);
    assert_int_equal(parley_key_generate(f->keys, "carol", &k, d),
                     PARLEY_EINVALID);
    chmod(f->keys, 0700);
    /* Bad actor ids never become file names. */
    assert_int_equal(parley_key_generate(f->keys, "../evil", &k, d),
                     PARLEY_EINVALID);
    assert_int_equal(parley_key_generate(f->keys, "..", &k, d),
                     PARLEY_EINVALID);
    /* A key file for another actor, or a malformed one, is refused. */
    char other[512];
    snprintf(other, sizeof other, "%s/mallory.key", f->keys);
    assert_int_equal(rename(path, other), 0);
    assert_int_equal(parley_key_load(f->keys, "mallory", &k, d),
                     PARLEY_ESYNTAX);
    assert_int_equal(rename(other, path), 0);
    FILE *bad = fopen(other, "w");
    fputs("parley-key 1\nactor mallory\nseed 12\n", bad);
    fclose(bad);
    chmod(other, 0600);
    assert_int_equal(parley_key_load(f->keys, "mallory", &k, d),
                     PARLEY_ESYNTAX);
    assert_int_equal(parley_key_load(f->keys, "nobody", &k, d), PARLEY_EIO);
    parley_diags_free(d);
}

static void test_cannot_sign_as_another(void **state)
{
    fixture_t *f = *state;
    fill(f, 2);
    parley_ledger_head_t h0, h1;
    assert_int_equal(parley_ledger_head(f->store, &h0), PARLEY_OK);
    /* Mallory makes a key pair named "alice" in her own directory. */
    char mdir[400];
    snprintf(mdir, sizeof mdir, "%s/mallory-keys", f->dir);
    parley_key_t *fake = NULL, *carol = NULL;
    assert_int_equal(parley_key_generate(mdir, "alice", &fake, NULL),
                     PARLEY_OK);
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_ledger_append(f->store, fake, "x", "{}", NULL, d),
                     PARLEY_EINVALID);
    assert_non_null(strstr(parley_diags_get(d, 0)->message,
                           "cannot sign as another"));
    /* Nor register a second key for alice. */
    assert_int_equal(parley_ledger_register(f->store, fake, NULL, d),
                     PARLEY_EDUPLICATE);
    /* An unregistered actor cannot append either. */
    assert_int_equal(parley_key_generate(f->keys, "carol", &carol, NULL),
                     PARLEY_OK);
    assert_int_equal(parley_ledger_append(f->store, carol, "x", "{}", NULL, d),
                     PARLEY_EINVALID);
    assert_int_equal(parley_ledger_head(f->store, &h1), PARLEY_OK);
    assert_int_equal(h0.seq, h1.seq);
    /* Registering the same key again is a no-op. */
    uint64_t seq = 0;
    assert_int_equal(parley_ledger_register(f->store, f->bob, &seq, d),
                     PARLEY_OK);
    assert_int_equal(seq, 2);

    /* Forged into the file: an entry claiming alice, signed by the fake. */
    parley__entry_t e;
    char p[512];
    load_entry(f, 3, &e, p, sizeof p);
    store_entry(f, 3, &e, fake->sk, 0);
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_BAD_SIGNATURE, 3);
    assert_int_equal(r.entries, 2);
    assert_int_equal(r.head.seq, 2);

    /* A second key.register for alice, forged in, is a conflict. */
    char payload[256];
    parley__key_payload(fake, payload, sizeof payload);
    load_entry(f, 3, &e, p, sizeof p);
    strcpy(e.kind, "key.register");
    e.kind_len = strlen(e.kind);
    e.payload = payload;
    e.payload_len = strlen(payload);
    store_entry(f, 3, &e, fake->sk, 0);
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_KEY_CONFLICT, 3);
    parley_key_free(fake);
    parley_key_free(carol);
    parley_diags_free(d);
}

/* ---- tampering with the store ------------------------------------------ */

static void test_tamper_edit(void **state)
{
    fixture_t *f = *state;
    fill(f, 10);
    parley_ledger_report_t r;
    /* Bytes edited, stored hash left: the hash no longer matches. */
    tamper(f, "UPDATE ledger SET payload = '{\"n\":99,\"note\":\"event 4\"}' "
              "WHERE seq = 7");
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_BAD_HASH, 7);
    assert_int_equal(r.seq, 7);
    assert_int_equal(r.entries, 6);
    /* Edited with the hash recomputed: the signature fails. */
    parley__entry_t e;
    char p[512];
    load_entry(f, 7, &e, p, sizeof p);
    store_entry(f, 7, &e, NULL, 0);
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_BAD_SIGNATURE, 7);
    /* Timestamp or author edited: also caught, at the same entry. */
    tamper(f, "UPDATE ledger SET payload = '{\"n\":4,\"note\":\"event 4\"}' "
              "WHERE seq = 7");
    load_entry(f, 7, &e, p, sizeof p);
    store_entry(f, 7, &e, NULL, 0);
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    e.ts += 1;
    store_entry(f, 7, &e, NULL, 0);
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_BAD_SIGNATURE, 7);
}

static void test_tamper_delete(void **state)
{
    fixture_t *f = *state;
    fill(f, 10);
    parley_ledger_report_t r;
    tamper(f, "DELETE FROM ledger WHERE seq = 5");
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_SEQ_GAP, 5);
    assert_int_equal(r.seq, 6);
    assert_non_null(strstr(r.message, "5..5 are missing"));
    /* Deleted and the later ones renumbered: the link breaks. */
    tamper(f, "UPDATE ledger SET seq = seq - 1 WHERE seq > 5");
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_BAD_HASH, 5);
}

static void test_tamper_delete_renumber_rehash(void **state)
{
    fixture_t *f = *state;
    fill(f, 10);
    /* A thorough attacker removes entry 5 and renumbers and re-hashes the
     * rest, keeping the signatures: the link of the new entry 5 points to
     * old entry 5, which is gone, and the signatures fail. */
    tamper(f, "DELETE FROM ledger WHERE seq = 5");
    for (uint64_t s = 6; s <= 12; s++) {
        parley__entry_t e;
        char p[512];
        load_entry(f, s, &e, p, sizeof p);
        e.seq = s - 1;
        tamper(f, "SELECT 1");
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM ledger WHERE seq = %llu",
                 (unsigned long long)s);
        tamper(f, sql);
        store_entry(f, s - 1, &e, NULL, 1);
    }
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_BAD_LINK, 5);
    assert_int_equal(r.entries, 4);
}

static void test_tamper_reorder(void **state)
{
    fixture_t *f = *state;
    fill(f, 10);
    tamper(f, "UPDATE ledger SET seq = 1000 WHERE seq = 6;"
              "UPDATE ledger SET seq = 6 WHERE seq = 7;"
              "UPDATE ledger SET seq = 7 WHERE seq = 1000;");
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    /* The seq is part of what is hashed, so the moved row no longer
     * matches its own hash, at the first moved position. */
    expect(&r, PARLEY_LEDGER_FAULT_BAD_HASH, 6);
}

static void test_tamper_resign(void **state)
{
    fixture_t *f = *state;
    fill(f, 10);
    /* Alice's entry 5 is edited and re-signed with bob's key; every later
     * link and hash recomputed so that only the signature can tell. */
    parley__entry_t e;
    char p[512];
    load_entry(f, 5, &e, p, sizeof p);
    assert_string_equal(e.author, "alice");
    char edited[512];
    snprintf(edited, sizeof edited, "{\"n\":2,\"note\":\"changed\"}");
    e.payload = edited;
    e.payload_len = strlen(edited);
    store_entry(f, 5, &e, f->bob->sk, 0);
    unsigned char prev[32], buf[4096];
    parley__entry_bytes(&e, buf);
    parley__entry_hash(buf, parley__entry_size(&e), e.sig, prev);
    for (uint64_t s = 6; s <= 12; s++) {
        parley__entry_t n;
        char q[512];
        load_entry(f, s, &n, q, sizeof q);
        memcpy(n.prev, prev, 32);
        /* The attacker cannot sign as the real author: keeps the old sig. */
        store_entry(f, s, &n, NULL, 0);
        parley__entry_bytes(&n, buf);
        parley__entry_hash(buf, parley__entry_size(&n), n.sig, prev);
    }
    tamper(f, "UPDATE ledger_head SET hash = (SELECT hash FROM ledger "
              "WHERE seq = 12)");
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_WRONG_KEY, 5);
    assert_non_null(strstr(r.message, "'bob'"));
}

static void test_tamper_truncate(void **state)
{
    fixture_t *f = *state;
    fill(f, 10);
    parley_ledger_head_t anchor;
    assert_int_equal(parley_ledger_head(f->store, &anchor), PARLEY_OK);
    parley_ledger_report_t r;
    /* The tail cut from the ledger table: the store's head record tells. */
    tamper(f, "DELETE FROM ledger WHERE seq > 9");
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_TRUNCATED, 10);
    /* Nothing is appended to a cut ledger. */
    assert_int_equal(parley_ledger_append(f->store, f->alice, "x", "{}", NULL,
                                          NULL),
                     PARLEY_EINVALID);
    /* The head record forged too: only an anchor kept elsewhere tells. */
    tamper(f, "UPDATE ledger_head SET seq = 9, hash = (SELECT hash FROM "
              "ledger WHERE seq = 9)");
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    verify(f, &anchor, &r);
    expect(&r, PARLEY_LEDGER_FAULT_TRUNCATED, 10);
    assert_int_equal(r.seq, 10);
    /* Cut and regrown: the anchored entry exists but differs. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(parley_ledger_append(f->store, f->alice, "x",
                                              "{\"other\":true}", NULL, NULL),
                         PARLEY_OK);
    verify(f, &anchor, &r);
    expect(&r, PARLEY_LEDGER_FAULT_HEAD_MISMATCH, 12);
}

static void test_tamper_replay(void **state)
{
    fixture_t *f = *state;
    fill(f, 10);
    /* Entry 4 copied to the end as entry 13, its hash recomputed so that
     * the row looks whole; the head record updated too. */
    parley__entry_t e;
    char p[512];
    load_entry(f, 4, &e, p, sizeof p);
    e.seq = 13;
    store_entry(f, 13, &e, NULL, 1);
    tamper(f, "UPDATE ledger_head SET seq = 13, hash = (SELECT hash FROM "
              "ledger WHERE seq = 13)");
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_DUPLICATE, 13);
    assert_non_null(strstr(r.message, "entry 4"));
    assert_int_equal(r.entries, 12);
}

static void test_unknown_author(void **state)
{
    fixture_t *f = *state;
    fill(f, 4);
    parley__entry_t e;
    char p[512];
    load_entry(f, 5, &e, p, sizeof p);
    strcpy(e.author, "zed");
    e.author_len = 3;
    store_entry(f, 5, &e, NULL, 0);
    /* Its hash recomputed, so the first fault is the unknown author. */
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_UNKNOWN_AUTHOR, 5);
}

/* ---- exports ------------------------------------------------------------- */

static void test_export_roundtrip(void **state)
{
    fixture_t *f = *state;
    fill(f, 12);
    export_to_file(f);
    parley_ledger_report_t r, rs;
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    assert_int_equal(r.entries, 14);
    verify(f, NULL, &rs);
    assert_memory_equal(r.head.hash, rs.head.hash, 32);
    /* The store is not needed: closing it changes nothing. */
    parley_store_close(f->store);
    f->store = NULL;
    verify_export(f, &rs.head, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    char lines[32][1024];
    int n = read_lines(f, lines, 32);
    assert_int_equal(n, 14);
    assert_non_null(strstr(lines[0], "\"seq\":1,"));
    assert_non_null(strstr(lines[0], "\"kind\":\"key.register\""));
    assert_int_equal(parley_store_open(f->db, &f->store, NULL), PARLEY_OK);
}

/*
 * Pages of the export, read by seq range, are the whole export's lines cut
 * at every page size and starting point; the last seq names the next page.
 */
static void test_export_range(void **state)
{
    fixture_t *f = *state;
    fill(f, 12);
    export_to_file(f);
    char all[32][1024];
    int n = read_lines(f, all, 32);
    assert_int_equal(n, 14);
    for (uint64_t limit = 0; limit <= 15; limit++) {
        for (uint64_t after = 0; after <= 15; after++) {
            char *buf = NULL;
            size_t len = 0;
            FILE *out = open_memstream(&buf, &len);
            assert_non_null(out);
            uint64_t last = 999;
            assert_int_equal(parley_ledger_export_range(f->store, out, after,
                                                        limit, &last, NULL),
                             PARLEY_OK);
            fclose(out);
            /* The lines the whole export has for this page, by hand. */
            size_t want_len = 0;
            uint64_t want_last = after;
            char want[32 * 1024];
            for (int i = 0; i < n; i++) {
                uint64_t seq = (uint64_t)i + 1;
                if (seq <= after || (limit && seq > after + limit))
                    continue;
                size_t l = strlen(all[i]); /* with its newline */
                memcpy(want + want_len, all[i], l);
                want_len += l;
                want_last = seq;
            }
            assert_int_equal(len, want_len);
            assert_memory_equal(buf, want, want_len);
            assert_int_equal(last, want_last);
            free(buf);
        }
    }
}

static void test_export_tampering(void **state)
{
    fixture_t *f = *state;
    fill(f, 12);
    export_to_file(f);
    char orig[32][1024], lines[32][1024];
    int n = read_lines(f, orig, 32);
    parley_ledger_report_t r;
    parley_ledger_head_t anchor;
    assert_int_equal(parley_ledger_head(f->store, &anchor), PARLEY_OK);

    /* Reordered: lines 6 and 7 swapped. */
    memcpy(lines, orig, sizeof orig);
    memcpy(lines[5], orig[6], 1024);
    memcpy(lines[6], orig[5], 1024);
    write_lines(f, lines, n);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_REORDERED, 6);

    /* Deleted: line 9 gone. */
    memcpy(lines, orig, sizeof orig);
    memmove(lines[8], lines[9], (size_t)(n - 9) * 1024);
    write_lines(f, lines, n - 1);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_SEQ_GAP, 9);

    /* Replayed: line 3 appended again at the end. */
    memcpy(lines, orig, sizeof orig);
    memcpy(lines[n], orig[2], 1024);
    write_lines(f, lines, n + 1);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_DUPLICATE, (uint64_t)n + 1);

    /* One payload byte edited. */
    memcpy(lines, orig, sizeof orig);
    char *note = strstr(lines[4], "event");
    assert_non_null(note);
    note[0] = 'E';
    write_lines(f, lines, n);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_BAD_HASH, 5);

    /* Cut in the middle of the last line. */
    memcpy(lines, orig, sizeof orig);
    lines[n - 1][40] = '\0';
    write_lines(f, lines, n);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_TRUNCATED, (uint64_t)n);

    /* Cut at a line boundary: only the anchor tells. */
    write_lines(f, orig, n - 2);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    verify_export(f, &anchor, &r);
    expect(&r, PARLEY_LEDGER_FAULT_TRUNCATED, (uint64_t)n - 1);

    /* Garbage and near-misses on line 4. */
    const char *bad[] = {
        "not json\n",
        "{}\n",
        "[1,2]\n",
        "{\"seq\":4}\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memcpy(lines, orig, sizeof orig);
        snprintf(lines[3], 1024, "%s", bad[i]);
        write_lines(f, lines, n);
        verify_export(f, NULL, &r);
        expect(&r, PARLEY_LEDGER_FAULT_MALFORMED, 4);
    }
    /* An extra key, a short signature, a bad hex digit. */
    memcpy(lines, orig, sizeof orig);
    char *brace = strrchr(lines[3], '}');
    strcpy(brace, ",\"x\":1}\n");
    write_lines(f, lines, n);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_MALFORMED, 4);
    memcpy(lines, orig, sizeof orig);
    char *sig = strstr(lines[3], "\"sig\":\"");
    memmove(sig + 7, sig + 11, strlen(sig + 11) + 1);
    write_lines(f, lines, n);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_MALFORMED, 4);
    memcpy(lines, orig, sizeof orig);
    char *prev = strstr(lines[3], "\"prev\":\"");
    prev[8] = 'g';
    write_lines(f, lines, n);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_MALFORMED, 4);

    /* Missing file. */
    parley_ledger_verify_opts_t o = {NULL, 1};
    assert_int_equal(parley_ledger_verify_export("/nonexistent/x.jsonl", &o,
                                                 &r),
                     PARLEY_EIO);
    /* An empty export is an empty ledger. */
    write_lines(f, orig, 0);
    verify_export(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    assert_int_equal(r.entries, 0);
}

static void test_many_batches(void **state)
{
    fixture_t *f = *state;
    /* More entries than one verification batch, with a fault far in. */
    enum { N = 9000 };
    parley_ledger_event_t *ev = malloc(N * sizeof *ev);
    char (*pl)[48] = malloc(N * sizeof *pl);
    for (int i = 0; i < N; i++) {
        snprintf(pl[i], sizeof pl[i], "{\"i\":%d}", i);
        ev[i] = (parley_ledger_event_t){i % 3 ? f->alice : f->bob, "bulk",
                                        pl[i]};
    }
    assert_int_equal(parley_ledger_append_batch(f->store, ev, N, NULL, NULL),
                     PARLEY_OK);
    free(ev);
    free(pl);
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    assert_int_equal(r.entries, N + 2);
    parley__entry_t e;
    char p[512];
    load_entry(f, 8500, &e, p, sizeof p);
    e.ts ^= 1;
    store_entry(f, 8500, &e, NULL, 0);
    verify(f, NULL, &r);
    /* 8501 no longer links either, but 8500 comes first, though its
     * signature is checked in a later batch than 8501's link. */
    expect(&r, PARLEY_LEDGER_FAULT_BAD_SIGNATURE, 8500);
    assert_int_equal(r.entries, 8499);
}

/* ---- crashes, concurrency, corrupt files ------------------------------ */

static void test_crash_recovery(void **state)
{
    fixture_t *f = *state;
    parley_store_close(f->store);
    f->store = NULL;
    int rounds = quick() ? 20 : 200;
    srand((unsigned)time(NULL));
    uint64_t total_acked = 0;
    for (int round = 0; round < rounds; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            parley_store_t *s = NULL;
            parley_key_t *k = NULL;
            if (parley_store_open(f->db, &s, NULL) != PARLEY_OK ||
                parley_key_load(f->keys, round % 2 ? "bob" : "alice", &k,
                                NULL) != PARLEY_OK)
                _exit(2);
            for (uint64_t i = 0;; i++) {
                char payload[64];
                snprintf(payload, sizeof payload, "{\"round\":%d,\"i\":%llu}",
                         round, (unsigned long long)i);
                uint64_t seq = 0;
                if (parley_ledger_append(s, k, "crash.test", payload, &seq,
                                         NULL) != PARLEY_OK)
                    _exit(3);
                if (write(fds[1], &seq, sizeof seq) != sizeof seq)
                    _exit(4);
            }
        }
        close(fds[1]);
        /* Kill at a random point: in even rounds counted from the start
         * (sometimes during open), in odd ones from the first acknowledged
         * entry, so that every run, however slow (valgrind), kills writers
         * in the middle of appending. */
        uint64_t seq, max_acked = 0;
        if (round % 2 && read(fds[0], &seq, sizeof seq) == sizeof seq) {
            max_acked = seq;
            total_acked++;
        }
        struct timespec pause = {0, (long)(rand() % 25000) * 1000};
        nanosleep(&pause, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status))
            fail_msg("writer exited by itself, status %d", WEXITSTATUS(status));
        while (read(fds[0], &seq, sizeof seq) == sizeof seq) {
            if (seq > max_acked)
                max_acked = seq;
            total_acked++;
        }
        close(fds[0]);
        parley_store_t *s = NULL;
        assert_int_equal(parley_store_open(f->db, &s, NULL), PARLEY_OK);
        parley_ledger_report_t r;
        parley_ledger_verify_opts_t o = {NULL, 2};
        assert_int_equal(parley_ledger_verify(s, &o, &r), PARLEY_OK);
        if (r.fault != PARLEY_LEDGER_FAULT_NONE)
            fail_msg("round %d: %s", round, r.message);
        /* The ledger is contiguous, so the head covers every acked seq. */
        if (r.head.seq < max_acked)
            fail_msg("round %d: acknowledged entry %llu lost (head %llu)",
                     round, (unsigned long long)max_acked,
                     (unsigned long long)r.head.seq);
        parley_store_close(s);
    }
    assert_true(total_acked > 0);
    assert_int_equal(parley_store_open(f->db, &f->store, NULL), PARLEY_OK);
}

static void test_two_writers(void **state)
{
    fixture_t *f = *state;
    parley_store_close(f->store);
    f->store = NULL;
    enum { EACH = 150 };
    pid_t pids[2];
    for (int w = 0; w < 2; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            parley_store_t *s = NULL;
            parley_key_t *k = NULL;
            if (parley_store_open(f->db, &s, NULL) != PARLEY_OK ||
                parley_key_load(f->keys, w ? "bob" : "alice", &k, NULL) !=
                    PARLEY_OK)
                _exit(2);
            for (int i = 0; i < EACH; i++) {
                char payload[64];
                snprintf(payload, sizeof payload, "{\"w\":%d,\"i\":%d}", w, i);
                if (parley_ledger_append(s, k, "race", payload, NULL, NULL) !=
                    PARLEY_OK)
                    _exit(3);
                /* A short pause, as real writers have between events, lets
                 * the other writer in: SQLite's busy wait is not fair. */
                struct timespec pause = {0, 300000};
                nanosleep(&pause, NULL);
            }
            parley_key_free(k);
            parley_store_close(s);
            _exit(0);
        }
    }
    for (int w = 0; w < 2; w++) {
        int status = 0;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(parley_store_open(f->db, &f->store, NULL), PARLEY_OK);
    parley_ledger_report_t r;
    verify(f, NULL, &r);
    expect(&r, PARLEY_LEDGER_FAULT_NONE, 0);
    assert_int_equal(r.entries, 2 + 2 * EACH);
    /* Both writers' entries are all there, and they did interleave. */
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT author FROM ledger WHERE kind "
                                        "= 'race' ORDER BY seq",
                                        -1, &st, NULL),
                     SQLITE_OK);
    int counts[2] = {0, 0}, switches = 0, last = -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int w = strcmp((const char *)sqlite3_column_text(st, 0), "bob") == 0;
        counts[w]++;
        if (last >= 0 && w != last)
            switches++;
        last = w;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_int_equal(counts[0], EACH);
    assert_int_equal(counts[1], EACH);
    print_message("two writers: %d switches between writers\n", switches);
}

static void test_corrupt_database(void **state)
{
    fixture_t *f = *state;
    fill(f, 1500);
    parley_store_close(f->store);
    f->store = NULL;
    FILE *in = fopen(f->db, "rb");
    fseek(in, 0, SEEK_END);
    long size = ftell(in);
    assert_true(size > 65536);
    fclose(in);
    /* Cut the file in half: opening or verifying must say so clearly. */
    assert_int_equal(truncate(f->db, size / 2), 0);
    FILE *g = fopen(f->db, "rb");
    char *before = malloc((size_t)size / 2);
    assert_int_equal(fread(before, 1, (size_t)size / 2, g), (size_t)size / 2);
    fclose(g);
    parley_store_t *s = NULL;
    parley_diags_t *d = parley_diags_new();
    parley_status_t st = parley_store_open(f->db, &s, d);
    if (st == PARLEY_OK) {
        parley_ledger_report_t r;
        parley_ledger_verify_opts_t o = {NULL, 2};
        st = parley_ledger_verify(s, &o, &r);
        assert_int_not_equal(st, PARLEY_OK);
        assert_non_null(strstr(r.message, "malformed"));
        assert_int_not_equal(parley_ledger_append(s, f->alice, "x", "{}",
                                                  NULL, d),
                             PARLEY_OK);
        parley_store_close(s);
    }
    g = fopen(f->db, "rb");
    char *after = malloc((size_t)size);
    size_t got = fread(after, 1, (size_t)size, g);
    fclose(g);
    assert_int_equal(got, (size_t)size / 2);
    assert_memory_equal(before, after, got);
    free(before);
    free(after);
    parley_diags_free(d);
    /* A fresh store for the teardown. */
    unlink(f->db);
    assert_int_equal(parley_store_open(f->db, &f->store, NULL), PARLEY_OK);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_append_and_verify),
        cmocka_unit_test(test_canonical_bytes),
        T(test_canonical_payload),
        T(test_bad_appends_change_nothing),
        T(test_key_files),
        T(test_cannot_sign_as_another),
        T(test_tamper_edit),
        T(test_tamper_delete),
        T(test_tamper_delete_renumber_rehash),
        T(test_tamper_reorder),
        T(test_tamper_resign),
        T(test_tamper_truncate),
        T(test_tamper_replay),
        T(test_unknown_author),
        T(test_export_roundtrip),
        T(test_export_range),
        T(test_export_tampering),
        T(test_many_batches),
        T(test_crash_recovery),
        T(test_two_writers),
        T(test_corrupt_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
