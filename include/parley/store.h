/*
 * parley/store.h - the parley database: one SQLite file holding the ledger,
 * the registered keys and (later) the sessions and their implementation.
 *
 * A store is opened from a path, or from the default location
 * ($XDG_DATA_HOME/parley/parley.db, else ~/.local/share/parley/parley.db).
 * Opening applies the schema migrations the file lacks, in one transaction;
 * a file written by a newer parley (a higher schema version) is refused and
 * left untouched, and so is a file that is not a SQLite database.  The
 * schema is documented in docs/ledger.md and at the top of src/store/store.c.
 *
 * A store handle belongs to one thread at a time.  Several processes may
 * open the same file: writes are serialised by SQLite (WAL mode, BEGIN
 * IMMEDIATE), and each waits up to the busy timeout for the others.
 */
#ifndef PARLEY_STORE_H
#define PARLEY_STORE_H

#include <stddef.h>

#include "parley/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version this build writes and understands (PRAGMA user_version). */
#define PARLEY_STORE_SCHEMA_VERSION 4

typedef struct parley_store parley_store_t;

/*
 * Writes the default database path into buf.  PARLEY_EIO when neither
 * XDG_DATA_HOME nor HOME is set (to an absolute path), PARLEY_ELIMIT when buf
 * is too small.  Creates nothing.
 */
parley_status_t parley_store_default_path(char *buf, size_t size);

/*
 * Opens (creating if needed) the database at path; NULL means the default
 * path, whose missing directories are then created with mode 0700.  On
 * success *out owns the handle.  On failure *out is NULL, a diagnostic naming
 * the file says what is wrong, and the file is unchanged:
 *   PARLEY_EVERSION  the file's schema is newer than this build's,
 *   PARLEY_ESYNTAX   the file is not a (sound) SQLite database,
 *   PARLEY_EIO       it cannot be opened or written.
 * diags may be NULL.
 */
parley_status_t parley_store_open(const char *path, parley_store_t **out,
                                  parley_diags_t *diags);

/* Closes the handle; closing NULL is harmless. */
void parley_store_close(parley_store_t *store);

/* The path the store was opened from; lives as long as the handle. */
const char *parley_store_path(const parley_store_t *store);

#ifdef __cplusplus
}
#endif
#endif
