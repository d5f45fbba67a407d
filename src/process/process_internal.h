/*
 * process_internal.h - what the process modules share.
 *
 *   rules.c     rules and guarantees: defaults, copies, checks, names
 *   profile.c   deep copies, comparison and validation of party profiles
 *   mediator.c  the mediator's model of the parties (declared or learned),
 *               agenda units and their candidate texts, the agenda, the
 *               provisional text, text selection and repair
 *   session.c   the state machine, views, drivers, vetoes, concessions
 *   events.c    the event log, one JSON object per event
 *
 * The scenario area calls the hooks at the end of this file so that rules
 * and guarantees are freed, compared and checked with the scenario.
 */
#ifndef PARLEY_PROCESS_INTERNAL_H
#define PARLEY_PROCESS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "parley/rules.h"
#include "parley/scenario.h"
#include "parley/session.h"
#include "scenario/scenario_internal.h"

/* ---- hooks for the scenario area -------------------------------------- */

/* Frees sc->rules and sc->guarantees (sc itself stays). */
void parley__scenario_free_process(parley_scenario_t *sc);
/* Equality of the rules (NULL equals NULL only) and guarantees. */
int parley__scenario_equal_process(const parley_scenario_t *a,
                                   const parley_scenario_t *b);
/*
 * Checks `rules` (at JSON path "$.rules") against sc, reporting through
 * `report`; and, when `guarantees` is set, sc's guarantees at
 * "$.guarantees".  Returns the code of the first error, or PARLEY_OK.
 */
parley_status_t parley__rules_check(const parley_rules_t *rules,
                                    const parley_scenario_t *sc,
                                    int guarantees, parley__report_fn report,
                                    void *ctx);

/* ---- profiles --------------------------------------------------------- */

/* Deep copy of a party (id, name, weights, values, red lines) for a
 * scenario of n_issues issues.  PARLEY_ENOMEM leaves dst empty. */
parley_status_t parley__party_copy(parley_party_t *dst,
                                   const parley_party_t *src, size_t n_issues);
/* parley__party_clear is in scenario_internal.h. */
/* Same reservation, weights, value functions and red lines. */
int parley__profile_equal(const parley_party_t *a, const parley_party_t *b,
                          const parley_scenario_t *sc);
/*
 * Whether a disclosed profile can be used: weights finite and >= 0, value
 * functions well formed for their issues, red lines on known issues with
 * fitting operators and options, a finite reservation.  On failure `why`
 * says what is wrong.
 */
int parley__profile_usable(const parley_party_t *p,
                           const parley_scenario_t *sc, char *why,
                           size_t size);

/* ---- agenda units ----------------------------------------------------- */

/*
 * An agenda unit: a scenario cluster, an issue that no cluster names, or
 * (all at once) every issue.  Issues ascending, so that enumerating the
 * unit's options with the last issue fastest visits packages in index
 * order.
 */
typedef struct parley__unit {
    long cluster;     /* scenario cluster index, or -1 */
    const char *id;   /* cluster id, issue id, or "all"; borrowed */
    size_t n_issues;
    size_t *issues;
    double n_candidates; /* product of the issues' option counts */
} parley__unit_t;

/* Fills units (n from parley_rules_agenda_units) borrowing ids from sc. */
parley_status_t parley__units_build(const parley_rules_t *rules,
                                    const parley_scenario_t *sc,
                                    parley__unit_t *units, size_t n);
void parley__units_clear(parley__unit_t *units, size_t n);

/* ---- the mediator's model --------------------------------------------- */

/*
 * Candidate texts of one agenda unit: every combination of the options the
 * model allows on the unit's issues, in package-index order (first issue
 * most significant), with the utility the unit's issues give each voting
 * party and the guarantees whose conditions on the unit's issues hold.
 */
typedef struct parley__cands {
    size_t n;
    uint32_t *opt;   /* n * unit.n_issues */
    double *u;       /* n * P */
    uint64_t *gmask; /* n; bit t: guarantee t's conditions on the unit hold */
} parley__cands_t;

/*
 * The mediator's model of the voting parties (voting index v = 0..P-1, in
 * scenario order).  Declared: built from what the parties disclosed.
 * Learned (no private channels): equal weights, every value 0.5 to start,
 * moved by the answers (see mediator.c); no red lines, reservations 0.
 */
typedef struct parley__mmodel {
    size_t P, K, U;
    int learned;
    double *w;          /* [P * K] weight of issue k for party v */
    double **val;       /* learned only: [K][n_opt * P] values */
    double **contrib;   /* [K][n_opt * P] weight * value */
    uint64_t **forbid;  /* [K][n_opt] parties whose red line excludes it */
    double *res, *best; /* [P] reservation; best utility red lines allow */
    long empty_issue;   /* >= 0: red lines leave this issue no option */
    parley__cands_t *cands; /* [U] */
    size_t *order;      /* [U] the agenda: unit indices in order */
    double *conflict, *gain; /* [U] measured on this model */
    uint32_t *provisional;   /* [K] */
} parley__mmodel_t;

typedef struct parley_session_plan parley__plan_t;

struct parley_session_plan {
    parley_scenario_t *pub; /* public copy: no private fields */
    parley_rules_t rules;
    size_t P, K, U, G, n_parties;
    size_t *vidx;           /* [P] scenario index of voting party v */
    long *vof;              /* [n_parties] voting index, or -1 */
    parley_party_t **truth; /* [P] each allocated on its own */
    parley__unit_t *units;  /* [U] */
    double *share;          /* [P] power share */
    double *cweight;        /* [P] the concept's own weights, credit aside */
    double *gval;           /* [G] credibility * value (0: guarantees off) */
    size_t *gben;           /* [G] voting index of the beneficiary */
    parley__mmodel_t *truthful; /* the model when every party is truthful */
    size_t max_unit_issues;
};

parley_status_t parley__mmodel_new(const parley__plan_t *plan,
                                   const parley_party_t *const *profiles,
                                   parley__mmodel_t **out);
void parley__mmodel_free(parley__mmodel_t *m);
/* Learned model back to its start (no allocation). */
void parley__mmodel_relearn(parley__mmodel_t *m, const parley__plan_t *plan);
/* Recomputes the candidates' utilities of unit u after learning. */
void parley__mmodel_refresh(parley__mmodel_t *m, const parley__plan_t *plan,
                            size_t u);

/* ---- the session ------------------------------------------------------ */

typedef enum parley__stage {
    PARLEY__STAGE_PILOT,
    PARLEY__STAGE_DRAFTING,
    PARLEY__STAGE_PLENARY,
    PARLEY__STAGE_INTEGRATION
} parley__stage_t;

enum { PARLEY__OPEN = 0, PARLEY__AGREED = 1, PARLEY__PARKED = 2 };

/* The event log's JSON text (the shared writer's buffer). */
typedef parley__strbuf_t parley__jb_t;

struct parley_session {
    const parley__plan_t *plan;
    parley__plan_t *own_plan;
    size_t P, K, U;
    const parley_driver_t **drv; /* [P] */
    parley_session_opts_t opts;
    uint64_t ev_kinds; /* bit per parley_event_kind_t built for on_event */
    parley_phase_t phase;
    unsigned round;
    parley_status_t error;

    /* Models: decl rules on vetoes and sets salience; draft writes texts
     * (decl itself, or the learned model without private channels). */
    parley__mmodel_t *decl, *own_decl, *draft, *learned;
    parley_party_t *disclosed; /* [P] scratch for disclosures */

    /* The agenda */
    size_t upos, unit;
    parley__stage_t stage;
    unsigned stage_rounds, drafting_max, drafting_rounds;
    int drafts;         /* the open unit has a drafting working group */
    int draft_pending;  /* the plenary's first text is the group's draft */
    unsigned char *settled; /* [U] */
    uint64_t members;   /* working group of the open unit */
    unsigned char *in_unit; /* [K] issue belongs to the open unit */
    const size_t *open_issues;
    size_t n_open;
    size_t *all_issues; /* [K] 0..K-1 */

    /* Texts */
    uint32_t *text;     /* [K] */
    unsigned text_round;
    uint32_t *hist;     /* [(max_rounds + 1) * K] text tabled in round r */
    unsigned char *hist_unit_ok; /* [max_rounds + 1] a binding text */
    unsigned last_binding; /* round of the last binding answers */
    unsigned adopt_round;  /* = last_binding when its text could stand
                              without unanimity (no_objection), else 0 */
    uint32_t *best_text;
    double best_score;
    int has_best;

    /* Parties */
    double *asp;        /* [P] aspirations, declared scale */
    unsigned *conc;     /* [n_parties] concessions, scenario index */
    unsigned *acts;     /* [P] constructive acts */
    unsigned *vetoes;   /* [P] valid vetoes used */
    uint64_t *owed;     /* [P] reciprocity: who must concede first */
    uint64_t floor_mask, rl_mask, credited_unit;
    uint32_t *pat;      /* [P * max_pat * K] objection patterns */
    unsigned *n_pat;    /* [P] */
    unsigned *pat_next; /* [P] ring position once n_pat == max_pat */
    unsigned max_pat;
    parley_answer_t *ans; /* [P] last answers */
    unsigned char *veto_ok; /* [P] last answer was an upheld veto */
    uint64_t short_set;   /* short of their aspiration in the last round */
    int n_acc, n_obj, n_veto; /* counts of the last round, -1 before */

    /* Scratch, sized once */
    double *base, *ucur, *wt, *tmp, *dbase; /* [P] */
    uint32_t *pkg, *pkg2, *best_pkg; /* [K] */

    /* Repair: its scratch, and what it depended on when it last failed
     * (the same state is not searched twice). */
    double *rep_sfx;      /* [3 * (K + 1) * P] suffix bounds */
    double *rep_part;     /* [(K + 1) * P] */
    double *rep_maxbonus; /* [P] */
    int rep_failed;
    uint64_t pattern_version, learn_version, rep_patterns, rep_learned;
    uint64_t rep_masks[2];
    double *rep_asp;      /* [P] */
    uint32_t *rep_text;   /* [K] */

    /* Outcome */
    int agreement;
    char reason[256];
    unsigned n_valid, n_refused, n_conc;

    /* Log */
    parley__jb_t jb;
    uint64_t seq;
};

/* Objection patterns kept per party (a ring). */
#define PARLEY__MAX_PATTERNS 64u

/* mediator.c: texts */
#define PARLEY__EPS 1e-12
/* Fills s->wt with the concept's weights times the credit factors. */
void parley__weights(parley_session_t *s);
/* Utility of the full package pkg under model m, guarantee bonus
 * included, into u[P]. */
void parley__utility(const parley_session_t *s, const parley__mmodel_t *m,
                     const uint32_t *pkg, double *u);
/* The guarantee bonus of voting party v at pkg. */
double parley__bonus(const parley_session_t *s, const uint32_t *pkg,
                     size_t v);
/*
 * The text for the open unit: among candidates no objection pattern,
 * upheld veto or red line excludes, the best by the concept among those
 * meeting the aspirations of the parties in `constrained`, else the one
 * with the smallest largest shortfall.  Writes the unit's options into
 * s->text.  Returns 1 when the text meets every constrained aspiration.
 */
int parley__choose(parley_session_t *s, uint64_t constrained);
/*
 * Repair of the whole text: the fewest issues changed so that every
 * party's aspiration is met and nothing excluded; best by the concept among
 * those.  Returns the number of changed issues (0: the text already fits),
 * or -1 when no repair fits within the search budget.  The repaired text
 * goes to s->pkg2.
 */
int parley__repair(parley_session_t *s);
/* Concept objective of u[P] (weights s->wt, model m); -HUGE_VAL outside. */
double parley__med_objective(const parley_session_t *s,
                             const parley__mmodel_t *m, const double *u);
/* Whether pkg matches an objection pattern of any party, or breaks a red
 * line the model or an upheld veto enforces, or a reservation floor. */
int parley__excluded(const parley_session_t *s, const uint32_t *pkg);
/* Without private channels: moves the learned values of party v after its
 * answer `a` to `text` (see mediator.c). */
void parley__learn(parley_session_t *s, size_t v, const parley_answer_t *a,
                   const uint32_t *text);
/* Nodes one repair search may visit. */
#define PARLEY__REPAIR_BUDGET 200000.0

/* events.c */
void parley__jb_reset(parley__jb_t *b);
void parley__jb_free(parley__jb_t *b);
int parley__ev_begin(parley_session_t *s, parley_event_kind_t kind,
                     parley_visibility_t vis, long party_v, long unit);
void parley__ev_end(parley_session_t *s, parley_event_kind_t kind,
                    parley_visibility_t vis, long party_v, long unit);
void parley__jb_raw(parley__jb_t *b, const char *str);
void parley__jb_key(parley__jb_t *b, const char *key);
void parley__jb_str(parley__jb_t *b, const char *str);
void parley__jb_num(parley__jb_t *b, double x);
void parley__jb_uint(parley__jb_t *b, uint64_t x);
void parley__jb_bool(parley__jb_t *b, int x);
void parley__jb_text(parley__jb_t *b, const parley_scenario_t *pub,
                     const uint32_t *pkg);
/* The rules as a JSON object (docs/rules.md). */
void parley__jb_rules(parley__jb_t *b, const parley_rules_t *r,
                      const parley_scenario_t *pub);

#endif
