/*
 * live_internal.h - what the files of the live area share: the handle, a
 * session as kept in memory (its public scenario, the ordered inputs and
 * the present computed from them), and the replay that computes it.
 *
 * docs/live.md explains the model: the inputs are the truth, the present
 * is a function of them, recomputed after every write.
 */
#ifndef PARLEY_LIVE_INTERNAL_H
#define PARLEY_LIVE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parley/analysis.h"
#include "parley/live.h"
#include "parley/model.h"
#include "parley/rules.h"
#include "parley/session.h"
#include "parley/strategy.h"
#include "scenario/scenario_internal.h"

/* XX(enum suffix, name in requests and the store) */
#define PARLEY__LIVE_ACTION_MAP(XX)                                            \
    XX(PROFILE, "profile")                                                     \
    XX(CONCERN, "concern")                                                     \
    XX(START, "start")                                                         \
    XX(OPEN_CLUSTER, "open_cluster")                                           \
    XX(PROPOSE, "propose")                                                     \
    XX(PILOT, "pilot")                                                         \
    XX(CLOSE_ROUND, "close_round")                                             \
    XX(AGREE, "agree")                                                         \
    XX(ANSWER, "answer")                                                       \
    XX(CONCEDE, "concede")                                                     \
    XX(COMMITMENT, "commitment")                                               \
    XX(REPORT, "report")                                                       \
    XX(CONSEQUENCE, "consequence")                                             \
    XX(ENFORCE, "enforce")                                                     \
    XX(INVITE, "invite")

typedef enum parley__live_action {
#define PARLEY__LIVE_ACTION_ENUM(name, str) PARLEY__LIVE_##name,
    PARLEY__LIVE_ACTION_MAP(PARLEY__LIVE_ACTION_ENUM)
#undef PARLEY__LIVE_ACTION_ENUM
    PARLEY__LIVE_ACTION_COUNT
} parley__live_action_t;

const char *parley__live_action_name(parley__live_action_t a);
/* -1 when unknown. */
int parley__live_action_from_name(const char *name);
/* 1 for the mediator's actions that gate the session's steps. */
int parley__live_action_gates(parley__live_action_t a);

/* One input, as stored in live_inputs. */
typedef struct parley__live_input {
    uint64_t seq; /* the session's input order, from 1 */
    char actor[PARLEY_LEDGER_MAX_NAME + 1];
    char request_id[PARLEY_LEDGER_MAX_NAME + 1];
    parley__live_action_t action;
    long party;       /* scenario index of a party's input, else -1 */
    unsigned round;   /* answers and concessions */
    uint64_t at_step; /* steps committed when it came in */
    json_t *payload;  /* the body without request_id */
    size_t rid_next;  /* the request index's chain: input n + 1, 0 none */
} parley__live_input_t;

/* Something the present awaits. */
typedef struct parley__live_await {
    parley__live_action_t action;
    long party;     /* scenario index, -1 for the mediator */
    unsigned round; /* answers and concessions */
    char *view;     /* answers and concessions: the view given, JSON */
} parley__live_await_t;

/* One committed event of the log. */
typedef struct parley__live_event {
    uint64_t seq; /* engine seq + 1 */
    parley_event_kind_t kind;
    parley_visibility_t vis;
    long party;
    char *json;
} parley__live_event_t;

/* What the replay finds: a session's present. */
typedef struct parley__live_present {
    parley_phase_t phase;
    unsigned round;
    uint64_t steps; /* committed steps */
    parley__live_await_t *aw;
    size_t n_aw;
    parley__live_event_t *ev; /* committed events */
    size_t n_ev, cap_ev;
    char *pending_text; /* the TEXT/PILOT line of the pending step */
    char **rulings;     /* per scenario party: the pending step's veto
                           ruling line, or NULL */
    char **last_view;   /* per scenario party: the last view given */
    char **step_view;   /* per scenario party: the last view given up to
                           the last committed step (what an incremental
                           replay starts its last_view from) */
    int asks_concern;   /* the pending step ran and asked for concerns */
    /* While "propose" is awaited: the issues a text of the mediator's own
     * sets (scenario indices, ascending), as the engine gave them. */
    size_t *open;
    size_t n_open;
    uint32_t *suggested; /* the engine's text then (n_text options) */
    size_t n_text;
    int ended, agreement;
} parley__live_present_t;

typedef struct parley__live_session {
    char id[PARLEY_LEDGER_MAX_NAME + 1];
    char *name;
    char *scenario_json;  /* the public scenario as created */
    char *rules_json;     /* {"version":1,"rules":{...}} or NULL */
    uint64_t seed;
    parley_scenario_t *pub;
    parley_rules_t rules; /* in effect: rules_json's or the scenario's */

    parley__live_input_t *in;
    size_t n_in, cap_in;
    /* (actor, request_id) -> input: chains through in[].rid_next from
     * rid_head[hash & (n_rid_head - 1)] (input n + 1, 0 none), so that a
     * write finds a replayed request_id without scanning every input. */
    size_t *rid_head;
    size_t n_rid_head;

    /* Built once every profile is in and "start" recorded. */
    parley_scenario_t *full;
    parley_session_plan_t *plan;
    parley_model_t *model;       /* lazily, for the mediator's analysis */
    parley_analysis_t *analysis;
    char *analysis_json;

    parley__live_present_t now; /* the present */
    /* "state" replies as last built, by reader: [i] party i, [n_parties]
     * the mediator, [n_parties + 1] everyone else (they see the same);
     * NULL until read, and forgotten whenever an input or the present
     * changes (parley__live_state_forget), so reads cost a copy. */
    char **state_cache;
    uint64_t n_ev_stored;       /* of its events, those in live_events */
    int monitored;            /* "agree" recorded: monitoring started */

    struct parley__live_session *next;
} parley__live_session_t;

typedef struct parley__live_cred {
    unsigned char hash[32];
    parley_principal_t who;
    int used, revoked;
} parley__live_cred_t;

typedef struct parley__live_key {
    char name[PARLEY_LEDGER_MAX_NAME + 1];
    parley_key_t *key;
} parley__live_key_t;

struct parley_live {
    parley_store_t *store;
    char *key_dir;
    parley__live_cred_t *creds; /* open addressing, cap a power of 2 */
    size_t n_creds, cap_creds;
    /* PRAGMA data_version when the table was loaded: it moves when another
     * connection commits (a credential issued or revoked by another
     * process), and the table is then loaded again. */
    int64_t data_version;
    parley__live_key_t *keys;
    size_t n_keys, cap_keys;
    parley__live_session_t *sessions;
};

/* ---- read.c ----------------------------------------------------------- */

/* Drops the session's cached "state" replies; harmless when there are none. */
void parley__live_state_forget(parley__live_session_t *S);

/* ---- credentials.c ---------------------------------------------------- */

/* Loads every credential of the store into the table. */
parley_status_t parley__live_creds_load(parley_live_t *live,
                                        parley_diags_t *diags);
void parley__live_creds_free(parley_live_t *live);
/*
 * The key `actor` signs with (named by its id; session is not used: a
 * delegation is one actor in every session).  Loaded from key_dir,
 * generated and registered in the ledger when missing.  Borrowed from the
 * handle.
 */
parley_status_t parley__live_key(parley_live_t *live, const char *session,
                                 const char *actor, const parley_key_t **out,
                                 parley_diags_t *diags);
void parley__live_keys_free(parley_live_t *live);

/* ---- replay.c --------------------------------------------------------- */

/*
 * Recomputes the present of S from its inputs (docs/live.md, "Replay").
 * Builds S->full and S->plan when "start" is among the inputs and they are
 * missing.  On success the previous present is moved into *old (the caller
 * drops it with parley__live_present_free or puts it back), or freed when
 * old is NULL; on failure S->now is unchanged.  PARLEY_ENOMEM, or the
 * plan's error with diagnostics.
 */
parley_status_t parley__live_replay(parley__live_session_t *S,
                                    parley_diags_t *diags,
                                    parley__live_present_t *old);
/*
 * The present of S computed from the start the obvious way (every driver
 * call scans every input), for checking: S->now and the rest of S are
 * left as they are (S->plan must exist when "start" is in).
 * On success *out is a present the caller frees.
 */
parley_status_t parley__live_replay_scratch(parley__live_session_t *S,
                                            parley__live_present_t *out);
/* 1 when two presents hold the same, field by field and byte by byte. */
int parley__live_present_same(const parley__live_present_t *a,
                              const parley__live_present_t *b,
                              size_t n_parties);
/*
 * Checking mode, for tests: when `on` is set, every successful write ends
 * by comparing the present it leaves with parley__live_replay_scratch()'s;
 * `checked` counts the comparisons, `differed` those that failed.
 * Process-wide and not thread-safe: set it only in single-threaded tests.
 */
typedef struct parley__live_check {
    int on;
    unsigned long checked, differed;
} parley__live_check_t;
extern parley__live_check_t parley__live_check;
/* Frees a present; n_parties sizes its per-party arrays. */
void parley__live_present_free(parley__live_present_t *p, size_t n_parties);
/*
 * The full scenario: the public one with each party's latest profile
 * ("utility", "reservation", "red_lines") merged into its entry; with
 * only_party >= 0, that party's profile alone from `profile` and the
 * scenario read in the public mode (checking one profile on its own).
 */
parley_status_t parley__live_merge(const parley__live_session_t *S,
                                   long only_party, const json_t *profile,
                                   parley_scenario_t **out,
                                   parley_diags_t *diags);
/* The party's utility of package pkg under scenario sc's profile. */
double parley__live_utility(const parley_scenario_t *sc, size_t party,
                            const uint32_t *pkg);
/* A view as JSON (every field; doubles round-trip), parley_malloc'd. */
char *parley__live_view_json(const parley_view_t *vw);

/* ---- monitor_actions.c --------------------------------------------------- */

/* A request under check: its text (for positions) and the diagnostics. */
typedef struct parley__live_req {
    const char *body;
    size_t len;
    parley_diags_t *diags;
} parley__live_req_t;

/* "commitment", "report", "consequence", "enforce" on the session's
 * agreement (live.h). */
parley_status_t parley__live_monitor_write(parley_live_t *live,
                                           const parley_principal_t *by,
                                           parley__live_session_t *S,
                                           parley__live_action_t act,
                                           const parley__live_req_t *r,
                                           char **reply);

/* ---- live.c: shared with the other files -------------------------------- */

/* The input of S written by `actor` with `request_id`, or -1. */
long parley__live_find_request(const parley__live_session_t *S,
                               const char *actor, const char *request_id);
parley_status_t parley__live_session_get(parley_live_t *live, const char *id,
                                         parley__live_session_t **out,
                                         parley_diags_t *diags);
/* A diagnostic at `path` of the request (line and column found in it). */
parley_status_t parley__live_bad(const parley__live_req_t *r,
                                 parley_status_t code, const char *path,
                                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Parses a body: size, depth, syntax, an object at the top. */
parley_status_t parley__live_parse_body(const parley__live_req_t *r,
                                        json_t **out);
/* The request_id member, checked. */
parley_status_t parley__live_request_id(const parley__live_req_t *r,
                                        const json_t *body, const char **out);
/*
 * Records the input of a write that is not a step of the replay (a
 * monitoring write, an invitation) with its request_id, in the caller's
 * open transaction, and appends it to S's inputs in memory.  On failure
 * nothing is appended; should the caller's transaction then fail, it takes
 * the input back with parley__live_unrecord.
 */
parley_status_t parley__live_record_tx(parley_live_t *live,
                                       parley__live_session_t *S,
                                       const parley_principal_t *by,
                                       parley__live_action_t act,
                                       const char *request_id,
                                       const json_t *body, uint64_t entry,
                                       parley_diags_t *diags);
void parley__live_unrecord(parley__live_session_t *S);
/* PARLEY_EDUPLICATE (with a diagnostic) when by has used request_id in S. */
parley_status_t parley__live_replayed(const parley__live_req_t *r,
                                      const parley__live_session_t *S,
                                      const parley_principal_t *by,
                                      const char *request_id);

/* ---- credentials.c: invitations ----------------------------------------- */

/* "invite" (live.h): a credential for an actor of S, with a request_id. */
parley_status_t parley__live_invite(parley_live_t *live,
                                    const parley_principal_t *by,
                                    parley__live_session_t *S,
                                    const parley__live_req_t *r,
                                    char **reply);

/* ---- simulate.c --------------------------------------------------------- */

/*
 * Records a simulated session as live session `session` (`parley mediate
 * --db`): created by `mediator` from sc's public part (and rules_json,
 * {"version":1,"rules":{...}}, or NULL for sc's rules) with `seed`; each
 * voting party i gets a credential and is played by strategy kinds[i]
 * seeded parley_study_strategy_seed(seed, i), on the views it reads back;
 * the mediator authorises what is awaited, until the session ends.
 */
parley_status_t parley__live_simulate(parley_live_t *live,
                                      const parley_principal_t *mediator,
                                      const char *session,
                                      const parley_scenario_t *sc,
                                      const char *rules_json,
                                      const parley_strategy_kind_t *kinds,
                                      uint64_t seed, parley_diags_t *diags);

/* BLAKE2b-256 hex (65 bytes) of the canonical form of a JSON value. */
parley_status_t parley__live_hash_hex(const json_t *v, char hex[65]);

#endif
