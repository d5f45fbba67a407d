/*
 * parley/ledger.h - the append-only, signed, hash-chained ledger of every
 * event of a negotiation and of its implementation, and the actors' keys.
 *
 * Each entry names its author (an actor id), a kind ("key.register",
 * "session.open", ...) and a payload (a JSON object, stored in canonical
 * form); it carries the BLAKE2b-256 hash of the previous entry and the
 * author's Ed25519 signature over its canonical bytes (see
 * src/ledger/entry.c for the bytes and docs/ledger.md for the why).  The
 * actors' public keys are themselves ledger entries, so verifying needs
 * nothing but the ledger: the database, or its JSON-lines export.
 *
 * Keys live in files (one per actor, mode 0600, in a 0700 directory); files
 * or directories that others can read are refused.
 */
#ifndef PARLEY_LEDGER_H
#define PARLEY_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parley/error.h"
#include "parley/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_LEDGER_HASH_BYTES 32
#define PARLEY_LEDGER_SIG_BYTES 64
#define PARLEY_LEDGER_PUBLIC_KEY_BYTES 32
/* Actor ids and kinds: 1..64 bytes of [A-Za-z0-9._-] (actor ids name files). */
#define PARLEY_LEDGER_MAX_NAME 64
/* Largest canonical payload accepted, in bytes. */
#define PARLEY_LEDGER_MAX_PAYLOAD (1u << 20)
/* The kind of the entry that records an actor's public key. */
#define PARLEY_LEDGER_KIND_KEY "key.register"

/* ---- keys ------------------------------------------------------------- */

typedef struct parley_key parley_key_t;

/*
 * Default key directory: $XDG_DATA_HOME/parley/keys, else
 * ~/.local/share/parley/keys.  Same errors as parley_store_default_path.
 */
parley_status_t parley_key_default_dir(char *buf, size_t size);

/*
 * Generates a key pair for actor and writes it to dir/<actor>.key, created
 * with mode 0600 (never overwriting: PARLEY_EDUPLICATE if it exists).  dir
 * is created with mode 0700 if missing; an existing dir that group or others
 * can access is refused (PARLEY_EINVALID).  On success *out (if not NULL)
 * owns the loaded key.
 */
parley_status_t parley_key_generate(const char *dir, const char *actor,
                                    parley_key_t **out, parley_diags_t *diags);

/*
 * Loads dir/<actor>.key.  Refused (PARLEY_EINVALID) when the file or dir is
 * accessible to group or others, is not a regular file / directory, or
 * belongs to another user; PARLEY_ESYNTAX when the file is malformed or
 * names another actor; PARLEY_EIO when it cannot be read.
 */
parley_status_t parley_key_load(const char *dir, const char *actor,
                                parley_key_t **out, parley_diags_t *diags);

/* Wipes the secret and frees; freeing NULL is harmless. */
void parley_key_free(parley_key_t *key);

const char *parley_key_actor(const parley_key_t *key);
const unsigned char *parley_key_public(const parley_key_t *key);

/* ---- appending -------------------------------------------------------- */

/* The hash and position of the last entry: what a verifier anchors to. */
typedef struct parley_ledger_head {
    uint64_t seq; /* 0 for an empty ledger; entries are numbered from 1 */
    unsigned char hash[PARLEY_LEDGER_HASH_BYTES]; /* zero for an empty ledger */
} parley_ledger_head_t;

/* One event to append: the key of its author, its kind and its payload. */
typedef struct parley_ledger_event {
    const parley_key_t *key;
    const char *kind;
    const char *payload; /* a JSON object; stored in canonical form */
} parley_ledger_event_t;

/*
 * Records key's actor and public key in the ledger (an entry of kind
 * "key.register" signed by the key itself).  Registering the same key again
 * is a no-op that reports its first entry in *seq; another key for an
 * already registered actor is refused (PARLEY_EDUPLICATE).  seq may be NULL.
 */
parley_status_t parley_ledger_register(parley_store_t *store,
                                       const parley_key_t *key, uint64_t *seq,
                                       parley_diags_t *diags);

/*
 * Appends n events in one transaction and returns only after it is
 * committed and synced (synchronous=FULL): when PARLEY_OK comes back every
 * one of them survives a crash.  All or nothing: on any error nothing is
 * appended.  Each author must be registered with exactly this key
 * (PARLEY_EINVALID otherwise: an actor cannot sign as another); kinds must
 * be valid names other than "key.register"; payloads JSON objects
 * (PARLEY_ESYNTAX otherwise) of at most PARLEY_LEDGER_MAX_PAYLOAD bytes.
 * *first_seq (may be NULL) receives the seq of the first appended entry.
 * Concurrent appenders from several processes serialise; the chain never
 * forks because the head is read inside the write transaction.
 */
parley_status_t parley_ledger_append_batch(parley_store_t *store,
                                           const parley_ledger_event_t *events,
                                           size_t n, uint64_t *first_seq,
                                           parley_diags_t *diags);

/* One event; as parley_ledger_append_batch with n = 1. */
parley_status_t parley_ledger_append(parley_store_t *store,
                                     const parley_key_t *key, const char *kind,
                                     const char *payload, uint64_t *seq,
                                     parley_diags_t *diags);

/* The current head (read in its own transaction). */
parley_status_t parley_ledger_head(parley_store_t *store,
                                   parley_ledger_head_t *head);

/* ---- verifying -------------------------------------------------------- */

/* XX(name, description) of what can be wrong with an entry. */
#define PARLEY_LEDGER_FAULT_MAP(XX)                                            \
    XX(NONE, "no fault")                                                       \
    XX(MALFORMED, "malformed entry")                                           \
    XX(BAD_HASH, "stated hash does not match the entry")                       \
    XX(BAD_LINK, "bad hash link to the previous entry")                        \
    XX(BAD_SIGNATURE, "bad signature")                                         \
    XX(WRONG_KEY, "signed with another actor's key")                           \
    XX(UNKNOWN_AUTHOR, "author has no registered key")                         \
    XX(KEY_CONFLICT, "actor registered twice")                                 \
    XX(SEQ_GAP, "sequence gap")                                                \
    XX(REORDERED, "entries out of order")                                      \
    XX(DUPLICATE, "duplicate or replayed entry")                               \
    XX(TRUNCATED, "ledger truncated")                                          \
    XX(HEAD_MISMATCH, "head does not match the anchor")

typedef enum parley_ledger_fault {
#define PARLEY__FAULT_ENUM(name, msg) PARLEY_LEDGER_FAULT_##name,
    PARLEY_LEDGER_FAULT_MAP(PARLEY__FAULT_ENUM)
#undef PARLEY__FAULT_ENUM
    PARLEY_LEDGER_FAULT_COUNT
} parley_ledger_fault_t;

const char *parley_ledger_fault_name(parley_ledger_fault_t fault);

/*
 * What a verification found.  When fault is not NONE, position is the
 * 1-based place of the FIRST bad entry in the stream (row order of the
 * database, line number of an export), seq the seq that entry states (0 if
 * unreadable), and message says what is wrong in words.  entries counts the
 * entries that verified before it; head is the last good entry.
 */
typedef struct parley_ledger_report {
    parley_ledger_fault_t fault;
    uint64_t position;
    uint64_t seq;
    uint64_t entries;
    parley_ledger_head_t head;
    char message[512];
} parley_ledger_report_t;

/*
 * Verification options.  anchor: a head recorded elsewhere earlier (by
 * another party, in a published report); the ledger must reach anchor->seq
 * with exactly anchor->hash, else TRUNCATED or HEAD_MISMATCH.  Without an
 * anchor a cut-off tail cannot be told from a shorter ledger (see
 * docs/ledger.md).  threads: signature checkers, 0 = one per online CPU.
 */
typedef struct parley_ledger_verify_opts {
    const parley_ledger_head_t *anchor;
    unsigned threads;
} parley_ledger_verify_opts_t;

/*
 * Verifies the store's whole ledger offline: sequence, hash links,
 * signatures against the keys registered in the ledger itself, and the
 * store's own record of its head (catches a cut-off tail unless that record
 * was forged too).  Returns PARLEY_OK when it could read the ledger (the
 * verdict is in report->fault), PARLEY_EIO when the database cannot be
 * read.  opts may be NULL.
 */
parley_status_t parley_ledger_verify(parley_store_t *store,
                                     const parley_ledger_verify_opts_t *opts,
                                     parley_ledger_report_t *report);

/* ---- export ----------------------------------------------------------- */

/*
 * Writes the whole ledger as JSON lines, one entry per line in seq order:
 *   {"seq":1,"ts":1700000000000000,"author":"alice","kind":"key.register",
 *    "payload":"{...}","prev":"<64 hex>","hash":"<64 hex>","sig":"<base64>"}
 * payload is the canonical JSON text as a string (its exact bytes), ts the
 * microseconds since the Unix epoch.  The export is read in one transaction,
 * so it is a consistent snapshot.
 */
parley_status_t parley_ledger_export(parley_store_t *store, FILE *out,
                                     parley_diags_t *diags);

/*
 * A page of the export: the lines of the entries with seq > after, at most
 * `limit` of them (0: all), read through the seq index, so a page costs
 * what it holds, not what precedes it.  *last (may be NULL) gets the seq of
 * the last line written, or `after` when there is none: the `after` of the
 * next page.
 */
parley_status_t parley_ledger_export_range(parley_store_t *store, FILE *out,
                                           uint64_t after, uint64_t limit,
                                           uint64_t *last,
                                           parley_diags_t *diags);

/*
 * Verifies an export on its own, with no database: every line must be
 * well-formed (each field present, typed and sized right, nothing else, the
 * last line ended by a newline: otherwise MALFORMED or TRUNCATED), each
 * stated hash must match its entry, and the chain must verify as for
 * parley_ledger_verify.  Returns PARLEY_EIO if the file cannot be read,
 * else PARLEY_OK with the verdict in report.
 */
parley_status_t parley_ledger_verify_export(const char *path,
                                            const parley_ledger_verify_opts_t *opts,
                                            parley_ledger_report_t *report);
/* The same over an open stream (read to its end). */
parley_status_t parley_ledger_verify_export_stream(FILE *in,
                                                   const parley_ledger_verify_opts_t *opts,
                                                   parley_ledger_report_t *report);

#ifdef __cplusplus
}
#endif
#endif
