/*
 * fuzz_live.c - libFuzzer target for the bodies of live writes.
 *
 * The first byte picks an action (profile, concern, answer, concede, a
 * mediator action, create); the rest is the body.  Whatever the bytes, the
 * write must return, free what it took, and change the store only when it
 * says PARLEY_OK: a refused body leaves the ledger where it was.  One
 * store (in a temporary directory) serves every input, with a session of
 * two parties whose profiles are in and whose first text is tabled, so
 * that answers and concessions reach the state checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parley/alloc.h"
#include "parley/ledger.h"
#include "parley/live.h"
#include "parley/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static parley_store_t *store;
static parley_live_t *live;
static parley_principal_t med, party;

static const char SCENARIO[] =
    "{\"version\":1,\"name\":\"f\",\"issues\":[{\"id\":\"a\",\"kind\":\"discrete\",\"options\":"
    "[\"x\",\"y\"]},{\"id\":\"b\",\"kind\":\"discrete\",\"options\":[\"x\",\"y\"]}],"
    "\"parties\":[{\"id\":\"p\",\"power\":1},{\"id\":\"q\",\"power\":2}]}";
static const char PROFILE[] =
    "{\"profile\":{\"utility\":{\"a\":{\"weight\":0.5,\"table\":{\"x\":1,"
    "\"y\":0}},\"b\":{\"weight\":0.5,\"table\":{\"x\":0,\"y\":1}}}},"
    "\"request_id\":\"%s\"}";

static void write_or_die(const parley_principal_t *by, const char *action,
                         const char *body)
{
    parley_diags_t *d = parley_diags_new();
    if (parley_live_write(live, by, "s", action, body, strlen(body), NULL,
                          d) != PARLEY_OK) {
        parley_diags_print(d, stderr);
        abort();
    }
    parley_diags_free(d);
}

static void init(void)
{
    char dir[] = "/tmp/parley-fuzz-live-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char db[128], keys[128];
    snprintf(db, sizeof db, "%s/f.db", dir);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    if (mkdir(keys, 0700) != 0 || parley_store_open(db, &store, NULL) ||
        parley_live_open(store, keys, &live, NULL))
        abort();
    char tok[PARLEY_LIVE_TOKEN_SIZE];
    if (parley_live_issue(live, NULL, NULL, "m", PARLEY_ROLE_OBSERVER, tok,
                          NULL) ||
        parley_live_authenticate(live, tok, &med))
        abort();
    char body[1024], id[65];
    snprintf(body, sizeof body,
             "{\"id\":\"s\",\"scenario\":%s,\"request_id\":\"c\"}", SCENARIO);
    parley_diags_t *d = parley_diags_new();
    if (parley_live_create(live, &med, body, strlen(body), id, d)) {
        parley_diags_print(d, stderr);
        abort();
    }
    parley_diags_free(d);
    parley_principal_t q;
    if (parley_live_issue(live, &med, "s", "p", PARLEY_ROLE_PARTY, tok,
                          NULL) ||
        parley_live_authenticate(live, tok, &party) ||
        parley_live_issue(live, &med, "s", "q", PARLEY_ROLE_PARTY, tok,
                          NULL) ||
        parley_live_authenticate(live, tok, &q))
        abort();
    snprintf(body, sizeof body, PROFILE, "p1");
    write_or_die(&party, "profile", body);
    snprintf(body, sizeof body, PROFILE, "q1");
    write_or_die(&q, "profile", body);
    /* The mediator moves on until a party is asked. */
    for (int n = 0; n < 10; n++) {
        char *state = NULL;
        if (parley_live_read(live, &med, "s", "state", 0, &state, NULL))
            abort();
        const char *a = strstr(state, "\"awaiting\":[{\"from\":\"mediator\","
                                      "\"action\":\"");
        char action[32] = "";
        if (a)
            sscanf(a + strlen("\"awaiting\":[{\"from\":\"mediator\","
                              "\"action\":\""),
                   "%31[a-z_]", action);
        parley_free(state);
        if (!action[0])
            break;
        snprintf(body, sizeof body, "{\"request_id\":\"m%d\"}", n);
        write_or_die(&med, action, body);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const actions[] = {"profile", "concern", "answer",
                                          "concede", "propose", "create"};
    if (!live)
        init();
    if (size == 0)
        return 0;
    const char *action = actions[data[0] % 6];
    parley_ledger_head_t before, after;
    if (parley_ledger_head(store, &before))
        abort();
    parley_status_t st;
    if (strcmp(action, "create") == 0) {
        char id[65];
        st = parley_live_create(live, &med, (const char *)data + 1, size - 1,
                                id, NULL);
    } else {
        const parley_principal_t *by =
            strcmp(action, "propose") == 0 ? &med : &party;
        char *reply = NULL;
        st = parley_live_write(live, by, "s", action, (const char *)data + 1,
                               size - 1, &reply, NULL);
        parley_free(reply);
    }
    if (parley_ledger_head(store, &after))
        abort();
    if (st != PARLEY_OK && after.seq != before.seq)
        abort();
    if (st == PARLEY_OK && after.seq == before.seq)
        abort();
    return 0;
}
