/*
 * fuzz_request.c - libFuzzer target for request bodies as parleyd hands
 * them to the library: the JSON body validation of parley_live_write (and
 * parley_live_create), over a real store in a temporary directory.
 *
 * The first byte picks the action and the author (a party or the
 * mediator); the rest is the body.  Whatever the bytes, the call must
 * return a status from the table, a refused body must come with at least
 * one diagnostic, and a refused request must leave the ledger's head where
 * it was.  Seeds: fuzz/corpus/request.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/live.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char session_body[] =
    "{\"id\": \"s\", \"request_id\": \"create\", \"scenario\": {\"version\": "
    "1, \"name\": \"Harbour lease\", \"issues\": [{\"id\": \"term\", "
    "\"kind\": \"integer\", \"min\": 5, \"max\": 15}, {\"id\": \"upkeep\", "
    "\"kind\": \"discrete\", \"options\": [\"operator\", \"shared\", "
    "\"city\"]}], \"parties\": [{\"id\": \"city\", \"role\": \"party\", "
    "\"power\": 2}, {\"id\": \"operator\", \"role\": \"party\", \"power\": "
    "1}]}}";

static const char *const actions[] = {
    "profile",     "concern", "start",  "open_cluster", "propose",
    "pilot",       "close_round", "agree", "answer",    "concede",
    "commitment",  "report",  "consequence", "enforce"};
#define N_ACTIONS (sizeof actions / sizeof actions[0])

static parley_store_t *store;
static parley_live_t *live;
static parley_principal_t mediator, party;

static void setup(void)
{
    char dir[] = "/tmp/parley-fuzz-request-XXXXXX";
    char path[128], keys[128], token[PARLEY_LIVE_TOKEN_SIZE], id[65];
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/parley.db", dir);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    if (parley_store_open(path, &store, NULL) != PARLEY_OK ||
        parley_live_open(store, keys, &live, NULL) != PARLEY_OK ||
        parley_live_issue(live, NULL, NULL, "chair", PARLEY_ROLE_OBSERVER,
                          token, NULL) != PARLEY_OK ||
        parley_live_authenticate(live, token, &mediator) != PARLEY_OK ||
        parley_live_create(live, &mediator, session_body,
                           sizeof session_body - 1, id, NULL) != PARLEY_OK ||
        parley_live_issue(live, &mediator, "s", "city", PARLEY_ROLE_PARTY,
                          token, NULL) != PARLEY_OK ||
        parley_live_authenticate(live, token, &party) != PARLEY_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!live)
        setup();
    if (size == 0)
        return 0;
    const parley_principal_t *by = data[0] & 0x80 ? &mediator : &party;
    size_t a = (size_t)(data[0] & 0x7f) % (N_ACTIONS + 1);
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    parley_ledger_head_t before, after;
    if (parley_ledger_head(store, &before) != PARLEY_OK)
        abort();
    parley_diags_t *d = parley_diags_new();
    char *reply = NULL, id[65];
    parley_status_t st =
        a == N_ACTIONS
            ? parley_live_create(live, by, body, len, id, d)
            : parley_live_write(live, by, "s", actions[a], body, len, &reply,
                                d);
    if ((unsigned)st >= PARLEY_STATUS_COUNT)
        abort();
    if (st != PARLEY_OK && st != PARLEY_ENOMEM) {
        /* A body refused says where and why; who may act, and when, is
         * decided before the body is read. */
        if (parley_diags_count(d) == 0 && st != PARLEY_EDENIED &&
            st != PARLEY_ENOTFOUND && st != PARLEY_ESTATE)
            abort();
        if (parley_ledger_head(store, &after) != PARLEY_OK ||
            after.seq != before.seq ||
            memcmp(after.hash, before.hash, sizeof after.hash) != 0)
            abort(); /* a refused request changed the store */
    }
    parley_free(reply);
    parley_diags_free(d);
    return 0;
}
