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

typedef struct parley_rules {
    parley_decision_rule_t decision;
    /* Vetoes */
    unsigned veto_grounds;  /* PARLEY_VETO_* mask; default both */
    unsigned veto_window;   /* rounds after a text is tabled; default 1 */
    unsigned veto_budget;   /* vetoes per party per session; default 2 */
    /* Information policy: texts are always public; counts optional. */
    int publish_counts;     /* anonymous accept/object/veto counts */
    /* Process design factors (each can be switched off for studies) */
    int private_channels;   /* parties disclose profiles to the mediator */
    int guarantees;         /* guarantees take effect */
    int working_groups;     /* clusters drafted by the salient parties */
    double wg_salience;     /* min total weight on a cluster's issues to sit
                               in its working group; default 0.15 */
    int pilots;             /* straw poll before each cluster's first text */
    /* Mediator's objective */
    parley_concept_t concept; /* default MEDIATED */
    double lambda;            /* default 0.5 */
    int has_floor;
    double floor;
    double credit;          /* weight bonus per constructive act; 0.05 */
    /* Agenda */
    parley_agenda_policy_t agenda;
    size_t n_agenda_order;
    char **agenda_order;    /* cluster ids, for PARLEY_AGENDA_GIVEN */
    /* Concessions */
    double max_step;        /* largest aspiration drop per round; 0.1 */
    int reciprocity;        /* a concession is matched before the next ask */
    /* Timetable */
    unsigned rounds_per_cluster; /* default 8 */
    unsigned max_rounds;         /* the deadline, all clusters; default 60 */
} parley_rules_t;

void parley_rules_init(parley_rules_t *rules);
void parley_rules_clear(parley_rules_t *rules); /* frees agenda_order */

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
/*
 * Contradictory or impossible rules are errors: a GIVEN agenda naming an
 * unknown or repeated cluster or missing one, vetoes allowed with a window
 * of 0, a deadline too short for the agenda (max_rounds < clusters), lambda
 * or floor outside [0,1], max_step <= 0; guarantees naming unknown parties,
 * a guarantor without role guarantor, a beneficiary that does not vote,
 * credibility or value outside [0,1].
 */
parley_status_t parley_rules_check(const parley_rules_t *rules,
                                   const parley_scenario_t *sc,
                                   const char *file, parley_diags_t *diags);
/* The scenario's rules, or the defaults when it has none. */
void parley_rules_of(const parley_scenario_t *sc, parley_rules_t *out);
void parley_guarantees_free(parley_guarantee_t *g, size_t n);

#ifdef __cplusplus
}
#endif
#endif
