/*
 * parley/rules.h - the rules of a mediation session, and guarantees.
 *
 * Rules are fixed at the start of a session and known to every party
 * (DESIGN.md 3): they are public by construction.  They sit in the scenario
 * (a "rules" object) or in a separate rules file with the same fields; a
 * rules file overrides the scenario's.  Guarantees are offers made by
 * guarantors (role GUARANTOR) to beneficiaries, listed in the scenario.
 */
#ifndef PARLEY_RULES_H
#define PARLEY_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parley/analysis.h"
#include "parley/error.h"
#include "parley/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum parley_decision_rule {
    PARLEY_DECIDE_UNANIMITY,    /* every voting party accepts */
    PARLEY_DECIDE_NO_OBJECTION  /* at the deadline, no valid veto stands */
} parley_decision_rule_t;

typedef enum parley_agenda_policy {
    PARLEY_AGENDA_EASY_FIRST, /* low conflict, high joint gain first */
    PARLEY_AGENDA_GIVEN,      /* the order listed in rules.agenda */
    PARLEY_AGENDA_HARD_FIRST, /* the reverse of easy-first */
    PARLEY_AGENDA_ALL_AT_ONCE /* one cluster holding every issue */
} parley_agenda_policy_t;

/* Grounds on which a veto is valid (bit mask). */
enum {
    PARLEY_VETO_RED_LINE = 1u << 0,    /* text breaks a declared red line */
    PARLEY_VETO_RESERVATION = 1u << 1  /* text leaves the party below its
                                          declared reservation */
};

/*
 * The rules.  Defaults (parley_rules_init) in brackets.  docs/rules.md gives
 * the JSON form and the exact effect of every field.
 */
typedef struct parley_rules {
    parley_decision_rule_t decision; /* [UNANIMITY] */
    /* Vetoes */
    unsigned veto_grounds;  /* PARLEY_VETO_* mask; default both */
    unsigned veto_window;   /* rounds after a text is tabled; default 1 */
    unsigned veto_budget;   /* vetoes per party per session; default 2 */
    /* Information policy: texts are always public; another party's private
     * data never is; anonymous counts of answers are optional. */
    int publish_counts;     /* anonymous accept/object/veto counts [1] */
    /* Process design factors, each on by default and each can be switched
     * off (for studies of what it is worth). */
    int private_channels;   /* the mediator drafts from disclosed profiles;
                               off: from the public scenario and the answers
                               only (disclosures are then sealed, opened
                               only to rule on vetoes) [1] */
    int guarantees;         /* guarantees take effect [1] */
    int working_groups;     /* clusters drafted by the salient parties [1] */
    double wg_salience;     /* min total weight on a cluster's issues to sit
                               in its working group [0.15] */
    int pilots;             /* a straw poll before each cluster's first
                               binding text [1] */
    /* Mediator's objective */
    parley_concept_t concept; /* [MEDIATED] */
    double lambda;            /* [0.5] */
    int has_floor;            /* [0]; only with MEDIATED */
    double floor;
    double credit;          /* weight bonus per constructive act [0.05] */
    /* Agenda */
    parley_agenda_policy_t agenda; /* [EASY_FIRST] */
    size_t n_agenda_order;
    /* For PARLEY_AGENDA_GIVEN: every agenda unit once, each by its id: a
     * cluster id, or the id of an issue that no cluster names. */
    char **agenda_order;
    /* Concessions */
    double max_step;        /* largest aspiration drop per round [0.1] */
    int reciprocity;        /* a concession is matched before the next
                               ask [1] */
    /* Timetable: a cluster gets at most rounds_per_cluster rounds (pilot,
     * drafting and plenary together); max_rounds is the deadline for the
     * whole session, integration included. */
    unsigned rounds_per_cluster; /* [8] */
    unsigned max_rounds;         /* [60] */
} parley_rules_t;

void parley_rules_init(parley_rules_t *rules);
void parley_rules_clear(parley_rules_t *rules); /* frees agenda_order */
/* Deep copy into an uninitialised `dst`; on failure dst holds nothing. */
parley_status_t parley_rules_copy(parley_rules_t *dst,
                                  const parley_rules_t *src);
/* Deep equality (exact doubles, agenda order compared by id). */
int parley_rules_equal(const parley_rules_t *a, const parley_rules_t *b);

/* Names used in files and logs: "unanimity", "no_objection"; "easy_first",
 * "given", "hard_first", "all_at_once"; "red_line", "reservation".  The
 * from_name functions return -1 for an unknown name. */
const char *parley_decision_name(parley_decision_rule_t d);
int parley_decision_from_name(const char *name);
const char *parley_agenda_policy_name(parley_agenda_policy_t a);
int parley_agenda_policy_from_name(const char *name);
const char *parley_veto_ground_name(unsigned ground); /* one bit */

/*
 * The fewest rounds a session over `sc` needs under `rules`: one binding
 * round per agenda unit, one more per unit for its pilot when pilots are
 * on, and one integration round when the agenda has more than one unit.
 * A deadline below it cannot fit the agenda.
 */
unsigned parley_rules_min_rounds(const parley_rules_t *rules,
                                 const parley_scenario_t *sc);
/* Agenda units: scenario clusters, then every issue no cluster names;
 * one unit for PARLEY_AGENDA_ALL_AT_ONCE. */
size_t parley_rules_agenda_units(const parley_rules_t *rules,
                                 const parley_scenario_t *sc);

/* The longest deadline a session takes (a stated limit). */
#define PARLEY_MAX_ROUNDS 10000u

/* Guarantees per scenario, at most this many (a stated limit). */
#define PARLEY_MAX_GUARANTEES 64

typedef enum parley_guarantee_kind {
    PARLEY_GUARANTEE_SECURITY,
    PARLEY_GUARANTEE_ECONOMIC,
    PARLEY_GUARANTEE_MONITORING
} parley_guarantee_kind_t;

/*
 * A guarantee: while the text meets `conditions` (red-line style
 * constraints on issues), the beneficiary counts `credibility * value` of
 * extra utility when it weighs the text: the assurance lowers the risk it
 * bears in accepting.  Performance criteria are what monitoring must verify
 * for the guarantee to become permanent after agreement.
 */
typedef struct parley_guarantee {
    char *id;
    size_t guarantor;   /* scenario party index, role GUARANTOR */
    size_t beneficiary; /* scenario party index, role PARTY */
    parley_guarantee_kind_t kind;
    double credibility; /* in [0,1] */
    double value;       /* utility, in [0,1] */
    size_t n_conditions;
    parley_red_line_t *conditions;
    char *criteria;     /* performance criteria, text */
} parley_guarantee_t;

/*
 * Rules and guarantees live in the scenario (parley_scenario_t.rules, NULL
 * meaning the defaults above, and .guarantees), read from its "rules" and
 * "guarantees" members by the scenario reader.  A separate rules file has
 * the top level {"version": 1, "rules": {...}} and replaces the scenario's
 * rules as a whole.  Every error names file, line, column and JSON path.
 */
parley_status_t parley_rules_read_file(const char *path,
                                       const parley_scenario_t *sc,
                                       parley_rules_t *rules,
                                       parley_diags_t *diags);
/* The same from memory; `name` is what diagnostics call the input.  On
 * failure `rules` holds the defaults. */
parley_status_t parley_rules_read_string(const char *text, size_t len,
                                         const char *name,
                                         const parley_scenario_t *sc,
                                         parley_rules_t *rules,
                                         parley_diags_t *diags);
/*
 * Checks `rules` against `sc`, and sc's guarantees.  Contradictory or
 * impossible rules are errors: an unknown decision rule, agenda policy or
 * concept; a GIVEN agenda naming an unknown or repeated unit or missing
 * one, or an order given for another policy; veto grounds outside the
 * known ones; vetoes allowed (a ground and a budget) with a window of 0;
 * lambda, floor, credit or wg_salience outside [0,1]; a floor with a
 * concept other than mediated; max_step not in (0,1]; rounds_per_cluster
 * 0, or too few for the pilot and drafting it must hold; a deadline too
 * short for the agenda (max_rounds < parley_rules_min_rounds()), or beyond
 * PARLEY_MAX_ROUNDS.
 * Guarantees: an empty or repeated id, unknown parties (indices out of
 * range), a guarantor without role guarantor, a beneficiary that does not
 * vote, credibility or value outside [0,1], a condition on an unknown
 * issue or option or with an operator that does not fit the issue, more
 * than PARLEY_MAX_GUARANTEES.  Each problem is reported with `file` and the
 * JSON path of the field ("$.rules.veto.window", "$.guarantees[0].value").
 */
parley_status_t parley_rules_check(const parley_rules_t *rules,
                                   const parley_scenario_t *sc,
                                   const char *file, parley_diags_t *diags);
/*
 * The scenario's rules, or the defaults when it has none.  A shallow copy:
 * `out` borrows agenda_order from sc and must not be cleared.
 */
void parley_rules_of(const parley_scenario_t *sc, parley_rules_t *out);
void parley_guarantees_free(parley_guarantee_t *g, size_t n);
/* Deep copy of n guarantees (NULL when n is 0); PARLEY_ENOMEM leaves *out
 * NULL. */
parley_status_t parley_guarantees_copy(const parley_guarantee_t *g, size_t n,
                                       parley_guarantee_t **out);
const char *parley_guarantee_kind_name(parley_guarantee_kind_t k);
int parley_guarantee_kind_from_name(const char *name);
/* Whether package `pkg` (scenario option indices) meets every condition. */
int parley_guarantee_applies(const parley_guarantee_t *g,
                             const parley_scenario_t *sc,
                             const uint32_t *pkg);

#ifdef __cplusplus
}
#endif
#endif
