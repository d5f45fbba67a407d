/*
 * ledger_internal.h - the entry layout, canonical bytes and the streaming
 * verifier shared by the database and the export code paths.
 */
#ifndef PARLEY_LEDGER_INTERNAL_H
#define PARLEY_LEDGER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "parley/ledger.h"

struct parley_key {
    char actor[PARLEY_LEDGER_MAX_NAME + 1];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
};

/* One entry; payload is borrowed from whoever read or built it. */
typedef struct parley__entry {
    uint64_t seq;
    int64_t ts;
    size_t author_len, kind_len, payload_len;
    char author[PARLEY_LEDGER_MAX_NAME + 1];
    char kind[PARLEY_LEDGER_MAX_NAME + 1];
    const char *payload;
    unsigned char prev[PARLEY_LEDGER_HASH_BYTES];
    unsigned char sig[PARLEY_LEDGER_SIG_BYTES];
} parley__entry_t;

/* Fixed part of the canonical bytes; see entry.c for the layout. */
#define PARLEY__ENTRY_FIXED 59

/* 1 when s[0..len) is a valid actor id or kind. */
int parley__name_valid(const char *s, size_t len);

/* Size of the canonical bytes of e, and writing them (buf holds that many). */
size_t parley__entry_size(const parley__entry_t *e);
void parley__entry_bytes(const parley__entry_t *e, unsigned char *buf);
/* The entry hash: BLAKE2b-256(canonical bytes || signature). */
void parley__entry_hash(const unsigned char *bytes, size_t n,
                        const unsigned char sig[PARLEY_LEDGER_SIG_BYTES],
                        unsigned char out[PARLEY_LEDGER_HASH_BYTES]);

/*
 * Canonical form of a JSON object: jansson compact output with keys sorted,
 * duplicate keys refused.  *out is parley_malloc'd and NUL-terminated.
 * PARLEY_ESYNTAX (message in err) when text is not one JSON object.
 */
parley_status_t parley__canonical_json(const char *text, size_t len,
                                       char **out, size_t *out_len, char *err,
                                       size_t err_size);

/* The key.register payload of a key, canonical: {"actor":..,"public_key":hex}. */
int parley__key_payload(const parley_key_t *key, char *buf, size_t size);

/* The parley data directory entry leaf ("keys", "parley.db"). */
parley_status_t parley__data_dir(char *buf, size_t size, const char *leaf);

/*
 * As parley_ledger_append_batch, but inside the caller's open write
 * transaction (BEGIN IMMEDIATE already run): no BEGIN, no COMMIT, so the
 * entries and the caller's own rows commit or roll back together.  On an
 * error the caller must roll back.
 */
parley_status_t parley__ledger_append_tx(parley_store_t *store,
                                         const parley_ledger_event_t *events,
                                         size_t n, uint64_t *first_seq,
                                         parley_diags_t *diags);

/* ---- streaming verifier ---------------------------------------------- */

typedef struct parley__verifier parley__verifier_t;

parley__verifier_t *parley__verifier_new(const parley_ledger_verify_opts_t *opts);
void parley__verifier_free(parley__verifier_t *v);
/*
 * Feeds the next entry of the stream.  stated_hash is the hash the source
 * claims (an export's "hash" field), NULL when it claims none.  Returns 0
 * to go on, -1 on out of memory.  After a fault further entries only
 * refine its diagnosis (a gap that turns out to be a reordering).
 */
int parley__verifier_feed(parley__verifier_t *v, const parley__entry_t *e,
                          const unsigned char *stated_hash);
/* Records a fault found by the reader itself (a malformed line). */
void parley__verifier_reader_fault(parley__verifier_t *v,
                                   parley_ledger_fault_t fault,
                                   const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* 1 once a fault is recorded (readers may stop parsing closely then). */
int parley__verifier_failed(const parley__verifier_t *v);
/*
 * Ends the stream: checks the pending signatures, then the anchors (the
 * caller's, and store_head when not NULL: the database's own record).
 */
int parley__verifier_finish(parley__verifier_t *v,
                            const parley_ledger_head_t *store_head,
                            parley_ledger_report_t *report);

#endif
