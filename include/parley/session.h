/*
 * parley/session.h - the mediation process engine (DESIGN.md 3).
 *
 * A session is a state machine in the library, driven by one driver per
 * voting party.  The same engine serves a simulated session (drivers are
 * strategies, see strategy.h) and a live one (drivers are people behind the
 * service): nothing about the process lives outside it.
 *
 * Information policy by construction.  A driver is handed a parley_view_t
 * and nothing else.  A view holds the public scenario (issues, clusters,
 * party ids, names, roles and power; every party's weights, value functions,
 * reservation and red lines are absent), the rules, the current text and
 * public history, and the party's OWN profile.  The engine keeps the other
 * parties' private data in memory no view points into, so no driver can
 * reach it.
 *
 * Lifetime: a session copies what it needs from the scenario; drivers are
 * borrowed and must outlive the session.  Destroying NULL is harmless.
 */
#ifndef PARLEY_SESSION_H
#define PARLEY_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parley/analysis.h"
#include "parley/error.h"
#include "parley/rules.h"
#include "parley/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The session's phases and the allowed transitions:
 *
 *   SETUP -> DISCLOSURE -> AGENDA -> CLUSTER        (open next cluster)
 *   CLUSTER -> DRAFTING      (working groups on, salient subset drafts)
 *   CLUSTER -> ROUND         (plenary rounds)
 *   DRAFTING -> ROUND        (the draft goes to the plenary for ratification)
 *   ROUND -> ROUND           (objections: concessions, a new text)
 *   ROUND -> CLUSTER         (cluster settled; next one)
 *   ROUND -> INTEGRATION     (last cluster settled)
 *   INTEGRATION -> DECISION  (the whole package, repaired if needed)
 *   DECISION -> AGREEMENT | IMPASSE
 *   any -> IMPASSE           (deadline, walk-out, nothing acceptable)
 */
typedef enum parley_phase {
    PARLEY_PHASE_SETUP,
    PARLEY_PHASE_DISCLOSURE,
    PARLEY_PHASE_AGENDA,
    PARLEY_PHASE_CLUSTER,
    PARLEY_PHASE_DRAFTING,
    PARLEY_PHASE_ROUND,
    PARLEY_PHASE_INTEGRATION,
    PARLEY_PHASE_DECISION,
    PARLEY_PHASE_AGREEMENT,
    PARLEY_PHASE_IMPASSE
} parley_phase_t;

const char *parley_phase_name(parley_phase_t p);

typedef enum parley_answer_kind {
    PARLEY_ANSWER_ACCEPT,
    PARLEY_ANSWER_OBJECT, /* names the issues it wants changed */
    PARLEY_ANSWER_VETO,   /* with a ground; checked against the rules */
    PARLEY_ANSWER_WALKOUT /* leaves the talks: impasse */
} parley_answer_kind_t;

typedef struct parley_answer {
    parley_answer_kind_t kind;
    size_t n_issues;  /* OBJECT: issues to change (scenario indices) */
    size_t issues[PARLEY_MAX_ISSUES];
    unsigned ground;  /* VETO: one PARLEY_VETO_* bit */
    /* VETO: the round of the text vetoed (a late veto names an old one). */
    unsigned text_round;
    char reason[160]; /* free text, shown in the log */
} parley_answer_t;

/*
 * What a party's driver may see.  All pointers borrowed for the duration of
 * the call.  `self` is the party's own true profile (its private data);
 * `public_scenario` has every party's private fields emptied (weights and
 * values NULL, no red lines, reservation 0).
 */
typedef struct parley_view {
    size_t party;                       /* scenario index of this party */
    const parley_party_t *self;         /* own private profile */
    const parley_scenario_t *public_scenario;
    const parley_rules_t *rules;
    unsigned round;                     /* global round, from 1 */
    unsigned deadline;                  /* rules->max_rounds */
    long cluster;                       /* open cluster, -1 = whole text */
    const uint32_t *text;               /* current text (n_issues), or NULL */
    unsigned text_round;                /* round it was tabled */
    int pilot;                          /* 1: a non-binding straw poll */
    /* Anonymous counts of the last round's answers, if the rules publish
     * them (else all -1). */
    int n_accept, n_object, n_veto;
    /* Own aspiration as the mediator has recorded it, and how many times
     * each party conceded so far (public: concessions are announced). */
    double aspiration;
    const unsigned *concessions;        /* [n_parties of scenario] */
    /* Extra utility this party counts on the text from guarantees that
     * apply to it (0 when none or guarantees are off). */
    double guarantee_bonus;
} parley_view_t;

/*
 * A driver answers for one party.  Every callback returns PARLEY_OK or an
 * error that aborts the session (recorded as impasse "driver failure").
 */
typedef struct parley_driver {
    void *ctx;
    /*
     * Private channel: fill `declared` (pre-filled with a deep copy of the
     * true profile, with parley_malloc'd arrays) with what the party tells
     * the mediator.  It may leave it (truthful), drop red lines (partial),
     * or change numbers (misreport).  NULL callback = truthful.
     */
    parley_status_t (*disclose)(void *ctx, const parley_view_t *view,
                                parley_party_t *declared);
    /* Answer the current text (or pilot). */
    parley_status_t (*answer)(void *ctx, const parley_view_t *view,
                              parley_answer_t *out);
    /*
     * Asked to concede: return the new aspiration (utility the party still
     * demands), at most view->aspiration.  The engine clamps the step to
     * rules->max_step and records it.  NULL callback = no concession.
     */
    parley_status_t (*concede)(void *ctx, const parley_view_t *view,
                               double *new_aspiration);
    /* Optional private concerns sent to the mediator after disclosure. */
    parley_status_t (*concern)(void *ctx, const parley_view_t *view,
                               char *text, size_t size);
} parley_driver_t;

/* Who may see an event. */
typedef enum parley_visibility {
    PARLEY_VISIBLE_PUBLIC,   /* every participant */
    PARLEY_VISIBLE_PARTY,    /* the mediator and the event's party */
    PARLEY_VISIBLE_MEDIATOR  /* the mediator only */
} parley_visibility_t;

/* XX(enum suffix, name in the log) */
#define PARLEY_EVENT_MAP(XX)                                                   \
    XX(SESSION_OPEN, "session_open")                                           \
    XX(DISCLOSURE, "disclosure")                                               \
    XX(CONCERN, "concern")                                                     \
    XX(GUARANTEE_OFFER, "guarantee_offer")                                     \
    XX(AGENDA, "agenda")                                                       \
    XX(CLUSTER_OPEN, "cluster_open")                                           \
    XX(WORKING_GROUP, "working_group")                                         \
    XX(PILOT, "pilot")                                                         \
    XX(TEXT, "text")                                                           \
    XX(ANSWER, "answer")                                                       \
    XX(VETO_RULING, "veto_ruling")                                             \
    XX(COUNTS, "counts")                                                       \
    XX(CONCESSION, "concession")                                               \
    XX(CREDIT, "credit")                                                       \
    XX(DRAFT, "draft")                                                         \
    XX(CLUSTER_SETTLED, "cluster_settled")                                     \
    XX(INTEGRATION, "integration")                                             \
    XX(REPAIR, "repair")                                                       \
    XX(GUARANTEE_PROVISIONAL, "guarantee_provisional")                         \
    XX(WALKOUT, "walkout")                                                     \
    XX(AGREEMENT, "agreement")                                                 \
    XX(IMPASSE, "impasse")

typedef enum parley_event_kind {
#define PARLEY__EVENT_ENUM(name, str) PARLEY_EVENT_##name,
    PARLEY_EVENT_MAP(PARLEY__EVENT_ENUM)
#undef PARLEY__EVENT_ENUM
    PARLEY_EVENT_COUNT
} parley_event_kind_t;

const char *parley_event_name(parley_event_kind_t k);

/*
 * One event.  Fields not used by a kind are -1 / NULL / 0.  `json` is the
 * event's complete line in the log (one JSON object, no newline), the
 * documented schema of docs/events.md; borrowed for the callback.
 */
typedef struct parley_event {
    parley_event_kind_t kind;
    uint64_t seq;        /* 0, 1, 2, ... within the session */
    unsigned round;
    parley_visibility_t visibility;
    long party;          /* scenario party index, or -1 */
    long cluster;        /* cluster index, or -1 */
    const char *json;
} parley_event_t;

typedef void (*parley_event_fn)(void *ctx, const parley_event_t *ev);

typedef struct parley_session parley_session_t;

typedef struct parley_session_opts {
    uint64_t seed;          /* for the engine's own tie-free choices */
    parley_event_fn on_event; /* NULL: no log is built (fast path) */
    void *event_ctx;
} parley_session_opts_t;

/*
 * Creates a session over `sc` with `rules` (NULL: sc's rules or defaults).
 * drivers[i] answers for scenario party i; entries for non-voting parties
 * are ignored and may be NULL.  Errors: rules that do not check, a missing
 * driver for a voting party.
 */
parley_status_t parley_session_new(const parley_scenario_t *sc,
                                   const parley_rules_t *rules,
                                   const parley_driver_t *const *drivers,
                                   const parley_session_opts_t *opts,
                                   parley_session_t **out,
                                   parley_diags_t *diags);
void parley_session_free(parley_session_t *s);

/* Advances one transition; returns PARLEY_OK until the session ends. */
parley_status_t parley_session_step(parley_session_t *s);
/* Steps until AGREEMENT or IMPASSE. */
parley_status_t parley_session_run(parley_session_t *s);

parley_phase_t parley_session_phase(const parley_session_t *s);
unsigned parley_session_rounds(const parley_session_t *s);

/* The outcome once ended. */
typedef struct parley_outcome {
    int agreement;               /* 1 agreement, 0 impasse */
    const char *impasse_reason;  /* static text, NULL on agreement */
    const uint32_t *package;     /* agreement, or best text reached */
    unsigned rounds;
    unsigned vetoes_valid, vetoes_refused, concessions;
} parley_outcome_t;

parley_status_t parley_session_outcome(const parley_session_t *s,
                                       parley_outcome_t *out);

#ifdef __cplusplus
}
#endif
#endif
