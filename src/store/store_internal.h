/*
 * store_internal.h - what the other areas of libparley see of a store: the
 * SQLite handle and small helpers shared by the code that reads and writes
 * the database.
 */
#ifndef PARLEY_STORE_INTERNAL_H
#define PARLEY_STORE_INTERNAL_H

#include <sqlite3.h>

#include "parley/store.h"

struct parley_store {
    sqlite3 *db;
    char *path;
};

/* How long a writer waits for another process's transaction, in ms. */
#define PARLEY__STORE_BUSY_MS 30000

/* Runs one or more statements that return no rows; SQLite's result code. */
int parley__store_exec(parley_store_t *store, const char *sql);

/* Maps a SQLite result code to a parley status (CORRUPT/NOTADB: ESYNTAX). */
parley_status_t parley__store_status(int rc);

#endif
