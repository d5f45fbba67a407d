/*
 * store.c - opening the parley database and keeping its schema current.
 *
 * The database is one SQLite file in WAL mode (readers never block the
 * writer, a commit is one append to the WAL), with synchronous=FULL (the
 * WAL is synced at every commit, so a committed transaction survives a
 * crash of the process or of the machine) and foreign keys on.
 *
 * Schema, version 1 (PRAGMA user_version = 1):
 *
 *   ledger(seq INTEGER PRIMARY KEY >= 1, ts INTEGER, author TEXT, kind TEXT,
 *          payload TEXT, prev BLOB(32), hash BLOB(32) UNIQUE, sig BLOB(64))
 *       one row per entry, the fields of src/ledger/entry.c; triggers refuse
 *       UPDATE and DELETE, so the ledger is append-only through SQLite (an
 *       attacker with the file can still edit it: that is what verification
 *       is for).
 *   keys(actor TEXT PRIMARY KEY, public_key BLOB(32) UNIQUE,
 *        seq INTEGER UNIQUE REFERENCES ledger(seq))
 *       index of the key.register entries, for appending; the verifier
 *       ignores it and rebuilds the keys from the ledger.
 *   ledger_head(id = 1, seq INTEGER, hash BLOB(32))
 *       the head as of the last commit, updated in the same transaction as
 *       the entries: a tail cut from the ledger table alone shows up as a
 *       mismatch.
 *
 * Version 2 adds the monitoring of an agreement (docs/monitoring.md):
 * agreements, agreement_issues, participants, guarantees,
 * guarantee_transitions,
 * commitments, reports, disputes; version 3 adds consequences (what
 * noncompliance sets off, and when it was applied); each row refers to the ledger entry that
 * recorded it (column entry), written in the same transaction, so the
 * tables are an index and the ledger the truth.
 *
 * Version 4 adds live sessions (docs/live.md):
 *   live_sessions(id TEXT PRIMARY KEY, name, scenario TEXT: the public
 *       scenario JSON, rules TEXT: {"version":1,"rules":{...}} or NULL for
 *       the scenario's, seed, created_by, created_at (microseconds since the
 *       epoch), request_id, entry)
 *   credentials(token_hash BLOB(32) UNIQUE: BLAKE2b-256 of the token, never
 *       the token; actor, session (NULL for a mediator), role, revoked,
 *       issued_at, entry)
 *   live_inputs(session, seq: the session's input order from 1, actor,
 *       action, round, request_id, payload JSON, at_step: the steps
 *       committed when it came in, entry; UNIQUE(session, actor,
 *       request_id)): everything people put in, private profiles included;
 *       the ledger holds only their hash
 *   live_events(session, seq from 1, visibility, party, json): the
 *       committed event log lines, so that texts and answers are readable
 *       without replaying.
 *
 * Migrations: MIGRATIONS[v] takes a database from version v to v + 1.  They
 * run in one BEGIN IMMEDIATE transaction that re-reads the version first,
 * so two processes opening a fresh file at once migrate it once.  A file
 * whose version is higher than ours is refused before anything is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "parley/alloc.h"
#include "store/store_internal.h"

static const char *const MIGRATIONS[PARLEY_STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: the ledger, its keys and its head. */
    "CREATE TABLE ledger (\n"
    "  seq     INTEGER PRIMARY KEY CHECK (seq >= 1),\n"
    "  ts      INTEGER NOT NULL,\n"
    "  author  TEXT NOT NULL,\n"
    "  kind    TEXT NOT NULL,\n"
    "  payload TEXT NOT NULL,\n"
    "  prev    BLOB NOT NULL CHECK (length(prev) = 32),\n"
    "  hash    BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),\n"
    "  sig     BLOB NOT NULL CHECK (length(sig) = 64)\n"
    ");\n"
    "CREATE TABLE keys (\n"
    "  actor      TEXT PRIMARY KEY,\n"
    "  public_key BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),\n"
    "  seq        INTEGER NOT NULL UNIQUE REFERENCES ledger(seq)\n"
    ");\n"
    "CREATE TABLE ledger_head (\n"
    "  id   INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "  seq  INTEGER NOT NULL,\n"
    "  hash BLOB NOT NULL CHECK (length(hash) = 32)\n"
    ");\n"
    "INSERT INTO ledger_head VALUES (1, 0, zeroblob(32));\n"
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger\n"
    "  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;\n"
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger\n"
    "  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;\n",
    /* 1 -> 2: monitoring an agreement's implementation. */
    "CREATE TABLE agreements (\n"
    "  id               TEXT PRIMARY KEY,\n"
    "  scenario         TEXT NOT NULL,\n"
    "  text             TEXT NOT NULL,\n"
    "  agreed_on        TEXT NOT NULL,\n"
    "  periods_required INTEGER NOT NULL CHECK (periods_required >= 1),\n"
    "  entry            INTEGER NOT NULL REFERENCES ledger(seq)\n"
    ");\n"
    "CREATE TABLE agreement_issues (\n"
    "  agreement TEXT NOT NULL REFERENCES agreements(id),\n"
    "  issue     TEXT NOT NULL,\n"
    "  cluster   TEXT,\n"
    "  PRIMARY KEY (agreement, issue)\n"
    ");\n"
    "CREATE TABLE participants (\n"
    "  agreement TEXT NOT NULL REFERENCES agreements(id),\n"
    "  id        TEXT NOT NULL,\n"
    "  role      TEXT NOT NULL\n"
    "            CHECK (role IN ('party','guarantor','monitor','observer')),\n"
    "  PRIMARY KEY (agreement, id)\n"
    ");\n"
    "CREATE TABLE guarantees (\n"
    "  agreement   TEXT NOT NULL REFERENCES agreements(id),\n"
    "  id          TEXT NOT NULL,\n"
    "  guarantor   TEXT NOT NULL,\n"
    "  beneficiary TEXT NOT NULL,\n"
    "  criteria    TEXT,\n"
    "  state       TEXT NOT NULL CHECK (state IN ('offered','provisional',\n"
    "              'permanent','lapsed','invoked')),\n"
    "  streak      INTEGER NOT NULL DEFAULT 0 CHECK (streak >= 0),\n"
    "  entry       INTEGER NOT NULL REFERENCES ledger(seq),\n"
    "  PRIMARY KEY (agreement, id)\n"
    ");\n"
    "CREATE TABLE guarantee_transitions (\n"
    "  entry      INTEGER PRIMARY KEY REFERENCES ledger(seq),\n"
    "  agreement  TEXT NOT NULL,\n"
    "  guarantee  TEXT NOT NULL,\n"
    "  from_state TEXT NOT NULL,\n"
    "  to_state   TEXT NOT NULL,\n"
    "  evidence   TEXT NOT NULL,\n"
    "  FOREIGN KEY (agreement, guarantee) REFERENCES guarantees(agreement, id)\n"
    ");\n"
    "CREATE TABLE commitments (\n"
    "  agreement     TEXT NOT NULL REFERENCES agreements(id),\n"
    "  id            TEXT NOT NULL,\n"
    "  issue         TEXT NOT NULL,\n"
    "  owner         TEXT NOT NULL,\n"
    "  what          TEXT NOT NULL,\n"
    "  bench         TEXT NOT NULL CHECK (bench IN ('numeric','deliverable')),\n"
    "  cmp           TEXT CHECK (cmp IN ('<','<=','>','>=','=')),\n"
    "  target        REAL,\n"
    "  unit          TEXT,\n"
    "  start         TEXT NOT NULL,\n"
    "  due           TEXT NOT NULL CHECK (due > start),\n"
    "  period_months INTEGER NOT NULL CHECK (period_months BETWEEN 1 AND 120),\n"
    "  verifier      TEXT NOT NULL CHECK (verifier <> owner),\n"
    "  guarantee     TEXT,\n"
    "  entry         INTEGER NOT NULL REFERENCES ledger(seq),\n"
    "  PRIMARY KEY (agreement, id),\n"
    "  FOREIGN KEY (agreement, owner) REFERENCES participants(agreement, id),\n"
    "  FOREIGN KEY (agreement, guarantee) REFERENCES guarantees(agreement, id)\n"
    ");\n"
    "CREATE TABLE reports (\n"
    "  entry      INTEGER PRIMARY KEY REFERENCES ledger(seq),\n"
    "  agreement  TEXT NOT NULL,\n"
    "  commitment TEXT NOT NULL,\n"
    "  source     TEXT NOT NULL\n"
    "             CHECK (source IN ('self','monitor','verification')),\n"
    "  author     TEXT NOT NULL,\n"
    "  period     TEXT NOT NULL,\n"
    "  status     INTEGER NOT NULL CHECK (status BETWEEN 0 AND 5),\n"
    "  value      REAL,\n"
    "  note       TEXT,\n"
    "  UNIQUE (agreement, commitment, source, author, period),\n"
    "  FOREIGN KEY (agreement, commitment)\n"
    "    REFERENCES commitments(agreement, id)\n"
    ");\n"
    "CREATE TABLE disputes (\n"
    "  entry        INTEGER PRIMARY KEY REFERENCES ledger(seq),\n"
    "  agreement    TEXT NOT NULL,\n"
    "  commitment   TEXT NOT NULL,\n"
    "  period       TEXT NOT NULL,\n"
    "  self_report  INTEGER NOT NULL REFERENCES reports(entry),\n"
    "  verification INTEGER NOT NULL REFERENCES reports(entry),\n"
    "  UNIQUE (agreement, commitment, period),\n"
    "  FOREIGN KEY (agreement, commitment)\n"
    "    REFERENCES commitments(agreement, id)\n"
    ");\n",
    /* 2 -> 3: consequences of noncompliance written into the agreement. */
    "CREATE TABLE consequences (\n"
    "  agreement   TEXT NOT NULL REFERENCES agreements(id),\n"
    "  id          TEXT NOT NULL,\n"
    "  target_kind TEXT NOT NULL CHECK (target_kind IN ('commitment',\n"
    "                                   'guarantee')),\n"
    "  target      TEXT NOT NULL,\n"
    "  kind        TEXT NOT NULL CHECK (kind IN ('notice', 'suspension',\n"
    "                                            'review')),\n"
    "  trigger     TEXT NOT NULL CHECK (trigger IN ('breached', 'disputed',\n"
    "                                               'overdue')),\n"
    "  threshold   INTEGER NOT NULL CHECK (threshold >= 0),\n"
    "  suspends    TEXT,\n"
    "  entry       INTEGER NOT NULL REFERENCES ledger(seq),\n"
    "  applied     INTEGER REFERENCES ledger(seq),\n"
    "  applied_by  TEXT,\n"
    "  applied_as_of TEXT,\n"
    "  PRIMARY KEY (agreement, id),\n"
    "  FOREIGN KEY (agreement, suspends) REFERENCES guarantees(agreement, id)\n"
    ");\n"
    /* A core commitment's issue stays locked in a review. */
    "ALTER TABLE commitments ADD COLUMN core INTEGER NOT NULL DEFAULT 0\n"
    "  CHECK (core IN (0, 1));\n",
    /* 3 -> 4: live sessions, their credentials, inputs and events. */
    "CREATE TABLE live_sessions (\n"
    "  id         TEXT PRIMARY KEY,\n"
    "  name       TEXT NOT NULL,\n"
    "  scenario   TEXT NOT NULL,\n"
    "  rules      TEXT,\n"
    "  seed       INTEGER NOT NULL,\n"
    "  created_by TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  request_id TEXT NOT NULL,\n"
    "  entry      INTEGER NOT NULL REFERENCES ledger(seq),\n"
    "  UNIQUE (created_by, request_id)\n"
    ");\n"
    "CREATE TABLE credentials (\n"
    "  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),\n"
    "  actor      TEXT NOT NULL,\n"
    "  session    TEXT REFERENCES live_sessions(id),\n"
    "  role       TEXT NOT NULL CHECK (role IN ('mediator','party',\n"
    "             'guarantor','monitor','observer')),\n"
    "  revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),\n"
    "  issued_at  INTEGER NOT NULL,\n"
    "  entry      INTEGER NOT NULL REFERENCES ledger(seq),\n"
    "  CHECK ((session IS NULL) = (role = 'mediator'))\n"
    ");\n"
    "CREATE INDEX credentials_actor ON credentials(session, actor);\n"
    "CREATE TABLE live_inputs (\n"
    "  session    TEXT NOT NULL REFERENCES live_sessions(id),\n"
    "  seq        INTEGER NOT NULL CHECK (seq >= 1),\n"
    "  actor      TEXT NOT NULL,\n"
    "  action     TEXT NOT NULL,\n"
    "  round      INTEGER NOT NULL DEFAULT 0,\n"
    "  request_id TEXT NOT NULL,\n"
    "  payload    TEXT NOT NULL,\n"
    "  at_step    INTEGER NOT NULL,\n"
    "  entry      INTEGER NOT NULL REFERENCES ledger(seq),\n"
    "  PRIMARY KEY (session, seq),\n"
    "  UNIQUE (session, actor, request_id)\n"
    ");\n"
    "CREATE TABLE live_events (\n"
    "  session    TEXT NOT NULL REFERENCES live_sessions(id),\n"
    "  seq        INTEGER NOT NULL CHECK (seq >= 1),\n"
    "  visibility TEXT NOT NULL\n"
    "             CHECK (visibility IN ('public','party','mediator')),\n"
    "  party      TEXT,\n"
    "  json       TEXT NOT NULL,\n"
    "  PRIMARY KEY (session, seq)\n"
    ");\n",
};

int parley__store_exec(parley_store_t *store, const char *sql)
{
    return sqlite3_exec(store->db, sql, NULL, NULL, NULL);
}

parley_status_t parley__store_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return PARLEY_OK;
    case SQLITE_NOMEM:
        return PARLEY_ENOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return PARLEY_ESYNTAX;
    case SQLITE_CONSTRAINT:
        return PARLEY_EINVALID;
    default:
        return PARLEY_EIO;
    }
}

/* The data directory: $XDG_DATA_HOME/parley or ~/.local/share/parley. */
static parley_status_t data_dir(char *buf, size_t size, const char *leaf)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    int n;
    if (xdg && xdg[0] == '/') {
        n = snprintf(buf, size, "%s/parley/%s", xdg, leaf);
    } else {
        const char *home = getenv("HOME");
        if (!home || home[0] != '/')
            return PARLEY_EIO;
        n = snprintf(buf, size, "%s/.local/share/parley/%s", home, leaf);
    }
    if (n < 0 || (size_t)n >= size)
        return PARLEY_ELIMIT;
    return PARLEY_OK;
}

parley_status_t parley_store_default_path(char *buf, size_t size)
{
    return data_dir(buf, size, "parley.db");
}

/* Exported for keys.c through ledger_internal.h's declaration. */
parley_status_t parley__data_dir(char *buf, size_t size, const char *leaf);
parley_status_t parley__data_dir(char *buf, size_t size, const char *leaf)
{
    return data_dir(buf, size, leaf);
}

/* mkdir -p of path's directory part, new levels with mode 0700. */
static int make_parents(const char *path)
{
    char tmp[4096];
    size_t len = strlen(path);
    if (len >= sizeof tmp)
        return -1;
    memcpy(tmp, path, len + 1);
    char *slash = strrchr(tmp, '/');
    if (!slash || slash == tmp)
        return 0;
    *slash = '\0';
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int read_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *version = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static parley_status_t fail(parley_diags_t *diags, const char *path,
                            parley_status_t code, const char *what,
                            sqlite3 *db)
{
    parley_diags_add(diags, PARLEY_SEVERITY_ERROR, code, path, 0, 0, "",
                     "%s%s%s", what, db ? ": " : "",
                     db ? sqlite3_errmsg(db) : "");
    return code;
}

static parley_status_t migrate(parley_store_t *s, parley_diags_t *diags)
{
    int rc = parley__store_exec(s, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return fail(diags, s->path, parley__store_status(rc),
                    "cannot start the schema migration", s->db);
    int version = 0;
    rc = read_version(s->db, &version);
    parley_status_t st = PARLEY_OK;
    if (rc != SQLITE_OK) {
        st = fail(diags, s->path, parley__store_status(rc),
                  "cannot read the schema version", s->db);
    } else if (version > PARLEY_STORE_SCHEMA_VERSION) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EVERSION,
                         s->path, 0, 0, "",
                         "database schema version %d is newer than this "
                         "parley's (%d); upgrade parley to open it",
                         version, PARLEY_STORE_SCHEMA_VERSION);
        st = PARLEY_EVERSION;
    }
    for (int v = version; st == PARLEY_OK && v < PARLEY_STORE_SCHEMA_VERSION;
         v++) {
        rc = parley__store_exec(s, MIGRATIONS[v]);
        if (rc != SQLITE_OK) {
            char what[96];
            snprintf(what, sizeof what, "schema migration %d -> %d failed",
                     v, v + 1);
            st = fail(diags, s->path, parley__store_status(rc), what, s->db);
        }
    }
    if (st == PARLEY_OK && version < PARLEY_STORE_SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
                 PARLEY_STORE_SCHEMA_VERSION);
        rc = parley__store_exec(s, sql);
        if (rc != SQLITE_OK)
            st = fail(diags, s->path, parley__store_status(rc),
                      "cannot record the schema version", s->db);
    }
    if (st == PARLEY_OK) {
        rc = parley__store_exec(s, "COMMIT");
        if (rc != SQLITE_OK)
            st = fail(diags, s->path, parley__store_status(rc),
                      "cannot commit the schema migration", s->db);
    }
    if (st != PARLEY_OK)
        parley__store_exec(s, "ROLLBACK");
    return st;
}

parley_status_t parley_store_open(const char *path, parley_store_t **out,
                                  parley_diags_t *diags)
{
    *out = NULL;
    char def[4096];
    if (!path) {
        parley_status_t st = parley_store_default_path(def, sizeof def);
        if (st != PARLEY_OK)
            return fail(diags, "(default database)", st,
                        "no default database location: set XDG_DATA_HOME or "
                        "HOME, or give a path", NULL);
        if (make_parents(def) != 0)
            return fail(diags, def, PARLEY_EIO,
                        "cannot create the database directory", NULL);
        path = def;
    }
    parley_store_t *s = parley_calloc(1, sizeof *s);
    if (!s || !(s->path = parley_strdup(path))) {
        parley_free(s);
        return PARLEY_ENOMEM;
    }
    parley_status_t st = PARLEY_OK;
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        st = fail(diags, path, PARLEY_EIO, "cannot open the database", s->db);
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, PARLEY__STORE_BUSY_MS);
    /* Read before anything writes: a foreign or newer file stays as it is. */
    int version = 0;
    rc = read_version(s->db, &version);
    if (rc != SQLITE_OK) {
        st = parley__store_status(rc);
        fail(diags, path, st,
             st == PARLEY_ESYNTAX ? "not a parley database (or a damaged one)"
                                  : "cannot read the database",
             s->db);
        goto out;
    }
    if (version > PARLEY_STORE_SCHEMA_VERSION) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EVERSION, path,
                         0, 0, "",
                         "database schema version %d is newer than this "
                         "parley's (%d); upgrade parley to open it; the file "
                         "was left unchanged",
                         version, PARLEY_STORE_SCHEMA_VERSION);
        st = PARLEY_EVERSION;
        goto out;
    }
    rc = parley__store_exec(s, "PRAGMA journal_mode = WAL");
    if (rc == SQLITE_OK)
        rc = parley__store_exec(s, "PRAGMA synchronous = FULL");
    if (rc == SQLITE_OK)
        rc = parley__store_exec(s, "PRAGMA foreign_keys = ON");
    if (rc != SQLITE_OK) {
        st = fail(diags, path, parley__store_status(rc),
                  "cannot configure the database", s->db);
        goto out;
    }
    if (version < PARLEY_STORE_SCHEMA_VERSION)
        st = migrate(s, diags);
out:
    if (st != PARLEY_OK) {
        parley_store_close(s);
        return st;
    }
    *out = s;
    return PARLEY_OK;
}

void parley_store_close(parley_store_t *store)
{
    if (!store)
        return;
    sqlite3_close_v2(store->db);
    parley_free(store->path);
    parley_free(store);
}

const char *parley_store_path(const parley_store_t *store)
{
    return store->path;
}
