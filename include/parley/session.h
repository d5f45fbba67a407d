/*
 * parley/session.h - the mediation process engine (DESIGN.md 3).
 *
 * A session is a state machine in the library, driven by one driver per
 * voting party.  The same engine serves a simulated session (drivers are
 * strategies, see strategy.h) and a live one (drivers are people behind the
 * service): nothing about the process lives outside it.
 *
 * Information policy by construction.  A driver is handed a parley_view_t
 * during a callback and, in `disclose`, the profile it fills; nothing else.
 * Every pointer in a view leads to public data or to the party's own:
 *   - public_scenario: a deep copy made for the session in which every
 *     party's weights, value functions and red lines are absent (NULL, 0)
 *     and every reservation is 0; issues, clusters, ids, names, roles,
 *     power, rules and guarantees remain (they are public);
 *   - rules, text, concessions: public;
 *   - self: a deep copy of this party's own true profile, allocated on its
 *     own, apart from any other party's copy;
 *   - aspiration, guarantee_bonus: this party's own numbers.
 * The disclosed profiles, the mediator's model and the other parties' true
 * profiles live in session memory that no view field, and nothing reachable
 * from one, points into; a driver holds no session handle, and no function
 * returns private data to it.  Reaching another party's data would take
 * pointer arithmetic outside the objects handed over, which C leaves
 * undefined.  The counts of answers are anonymous aggregates and appear
 * only when the rules publish them.
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
 *   CLUSTER -> ROUND         (a pilot round first, when pilots are on)
 *   CLUSTER -> DRAFTING      (working groups on, salient subset drafts)
 *   CLUSTER -> ROUND         (plenary rounds)
 *   ROUND -> DRAFTING        (after the pilot, when a working group drafts)
 *   DRAFTING -> DRAFTING     (the group's next round)
 *   DRAFTING -> ROUND        (the draft goes to the plenary for ratification)
 *   ROUND -> ROUND           (objections: concessions, a new text)
 *   ROUND -> CLUSTER         (cluster settled or parked; next one)
 *   CLUSTER -> INTEGRATION   (after the last cluster: the whole text)
 *   INTEGRATION -> INTEGRATION (objections: concessions, a repair)
 *   CLUSTER -> DECISION, INTEGRATION -> DECISION (everyone accepted)
 *   DECISION -> AGREEMENT
 *   ROUND, DRAFTING, INTEGRATION -> AGREEMENT (no_objection: the last
 *                             text stands at the deadline)
 *   any -> IMPASSE           (deadline, walk-out, driver failure, red lines
 *                             that leave an issue no option)
 *
 * docs/rules.md says what the mediator does in each; docs/events.md is the
 * event log's schema.
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
    unsigned round;                     /* global round, from 1 (0 while
                                           disclosing) */
    unsigned deadline;                  /* rules->max_rounds */
    /* Open cluster (scenario index); -1 for the whole text and for agenda
     * units that are not scenario clusters (an issue no cluster names, or
     * all issues at once): open_issues says which issues are open. */
    long cluster;
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
    /* The issues the text asks about (scenario indices, ascending): the
     * open unit's, or every issue when the whole text is put (integration).
     * Issues outside it are settled or held provisionally. */
    size_t n_open;
    const size_t *open_issues;
    /* 1 in a working group's drafting round (only its members answer). */
    int drafting;
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
    long cluster;        /* scenario cluster index of the open agenda unit,
                            or -1 (see parley_view_t.cluster) */
    const char *json;
} parley_event_t;

typedef void (*parley_event_fn)(void *ctx, const parley_event_t *ev);

typedef struct parley_session parley_session_t;

/*
 * The mediator's say over a binding text, just before it is tabled: `text`
 * (n_issues of the scenario) holds the text the engine would table (its
 * choice in a plenary or drafting round, the draft it puts for
 * ratification, the standing text in integration), and the hook may change
 * the options of the open issues (open_issues[0 .. n_open), ascending
 * scenario indices) to table a text of the mediator's own.  Issues outside
 * them must keep their values.  Pilots (non-binding straw polls) do not
 * call it.  Returning an error, an option out of range, or a change outside
 * the open issues ends the session as a driver failure.
 *
 * The engine treats a text it did not choose like its own: the parties
 * answer it, vetoes are ruled on it, concessions are asked of those it
 * leaves short, and it is adopted or agreed by the usual rules; the
 * mediator's model learns from the answers to it as to any text.
 */
typedef parley_status_t (*parley_table_fn)(void *ctx, unsigned round,
                                           size_t n_open,
                                           const size_t *open_issues,
                                           uint32_t *text);

typedef struct parley_session_opts {
    uint64_t seed;          /* for the engine's own tie-free choices */
    parley_event_fn on_event; /* NULL: no log is built (fast path) */
    void *event_ctx;
    parley_table_fn table;  /* NULL: the engine's text is tabled as is */
    void *table_ctx;
} parley_session_opts_t;

/*
 * Creates a session over `sc` with `rules` (NULL: sc's rules or defaults).
 * drivers[i] answers for scenario party i; entries for non-voting parties
 * are ignored and may be NULL.  Errors: rules that do not check
 * (PARLEY_EINVALID and friends, with diagnostics), a missing driver for a
 * voting party (PARLEY_EARG), an agenda unit with more packages than the
 * mediator scans per round (PARLEY_ELIMIT, see PARLEY_SESSION_MAX_CANDIDATES).
 */
parley_status_t parley_session_new(const parley_scenario_t *sc,
                                   const parley_rules_t *rules,
                                   const parley_driver_t *const *drivers,
                                   const parley_session_opts_t *opts,
                                   parley_session_t **out,
                                   parley_diags_t *diags);
void parley_session_free(parley_session_t *s);

/*
 * A plan: everything sessions over one scenario and one set of rules share,
 * computed once (the public scenario, the agenda units with their candidate
 * texts, the mediator's model for truthful disclosures, its agenda and
 * provisional text).  Many sessions (a study) can run from one plan, from
 * several threads at once: a plan is immutable after creation.  A session
 * whose parties all disclose the truth uses the plan's model as is; one
 * with a misreported profile builds its own.  The plan must outlive its
 * sessions; it copies what it needs from `sc`.
 */
typedef struct parley_session_plan parley_session_plan_t;

/* Largest number of candidate texts of one agenda unit (the product of its
 * issues' options) the mediator scans per round; above it, split the unit
 * into clusters. */
#define PARLEY_SESSION_MAX_CANDIDATES (1u << 20)

parley_status_t parley_session_plan_new(const parley_scenario_t *sc,
                                        const parley_rules_t *rules,
                                        parley_session_plan_t **out,
                                        parley_diags_t *diags);
void parley_session_plan_free(parley_session_plan_t *plan);
/* The rules the plan runs by (borrowed). */
const parley_rules_t *parley_session_plan_rules(
    const parley_session_plan_t *plan);

parley_status_t parley_session_new_planned(
    const parley_session_plan_t *plan, const parley_driver_t *const *drivers,
    const parley_session_opts_t *opts, parley_session_t **out,
    parley_diags_t *diags);
/*
 * Starts `s` afresh with other drivers and options, keeping its memory: a
 * study reuses one session per thread and allocates nothing per session
 * when every party discloses the truth.  Errors as parley_session_new.
 */
parley_status_t parley_session_reset(parley_session_t *s,
                                     const parley_driver_t *const *drivers,
                                     const parley_session_opts_t *opts);

/*
 * Advances one transition (a phase change, or one round).  Returns
 * PARLEY_OK, also for the transition that ends the session and for calls
 * after it ended (they do nothing).  A driver's error or running out of
 * memory ends the session in IMPASSE ("driver failure ...") and is
 * returned.
 */
parley_status_t parley_session_step(parley_session_t *s);
/* Steps until AGREEMENT or IMPASSE; the first error of a step. */
parley_status_t parley_session_run(parley_session_t *s);

/* Every event kind, as a parley_session_filter_events() mask. */
#define PARLEY_EVENT_KINDS_ALL ((UINT64_C(1) << PARLEY_EVENT_COUNT) - 1)

/*
 * From now on, builds and passes to on_event only the events whose kind has
 * its bit (1 << kind) set in `kinds` (0: every kind, as at creation and
 * after a reset).  Events left out still take their seq number, so what a
 * listener receives after widening the filter is byte for byte what it
 * would have received listening to everything from the start.  A replay
 * that already holds a session's log up to some step runs that far with
 * only the kinds it must watch, skipping the cost of writing the rest.
 */
void parley_session_filter_events(parley_session_t *s, uint64_t kinds);

parley_phase_t parley_session_phase(const parley_session_t *s);
unsigned parley_session_rounds(const parley_session_t *s);

/* The outcome once ended. */
typedef struct parley_outcome {
    int agreement;               /* 1 agreement, 0 impasse */
    /* Why the talks ended without agreement: a short text owned by the
     * session ("deadline reached: ...", "walk-out by ...", "driver failure
     * ..."), NULL on agreement. */
    const char *impasse_reason;
    const uint32_t *package;     /* agreement, or best text reached */
    unsigned rounds;
    unsigned vetoes_valid, vetoes_refused, concessions;
} parley_outcome_t;

/* PARLEY_EARG until the session has ended.  Pointers are borrowed from the
 * session and valid until it is reset or freed. */
parley_status_t parley_session_outcome(const parley_session_t *s,
                                       parley_outcome_t *out);

#ifdef __cplusplus
}
#endif
#endif
