/*
 * parley/monitor.h - implementation of an agreement: commitments with
 * measurable benchmarks, reports on them period by period, and the
 * guarantees that depend on them (DESIGN.md section 4, docs/monitoring.md).
 *
 * Everything lives in the store (store.h).  Every write is one SQLite
 * transaction that changes the monitoring tables AND appends the signed
 * ledger entries recording the change, so the tables and the ledger cannot
 * diverge: either both happen or neither.  A write is signed by its
 * author's key (ledger.h); the key must be registered in the ledger.
 *
 * Bad input (an unknown agreement or commitment, a malformed or
 * out-of-order date, a score outside the scale, an author who may not file
 * that report) is a diagnostic and an error status, and nothing is stored.
 *
 * Dates are calendar days written YYYY-MM-DD (proleptic Gregorian, no
 * time of day); periods are counted in whole months from a commitment's
 * start, so the end of period k is start + k months (the day clamped to the
 * month's length: 2027-01-31 + 1 month = 2027-02-28).
 */
#ifndef PARLEY_MONITOR_H
#define PARLEY_MONITOR_H

#include <stddef.h>

#include "parley/error.h"
#include "parley/ledger.h"
#include "parley/model.h"
#include "parley/scenario.h"
#include "parley/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "YYYY-MM-DD" and its NUL. */
#define PARLEY_DATE_SIZE 11

/*
 * Status of a commitment in a period: the Peace Accords Matrix scale 0..3,
 * then disputed and breached.  NONE: nothing reported.
 */
typedef enum parley_pam {
    PARLEY_PAM_NOT_BEGUN = 0,
    PARLEY_PAM_MINIMAL = 1,
    PARLEY_PAM_INTERMEDIATE = 2,
    PARLEY_PAM_FULL = 3,
    PARLEY_PAM_DISPUTED = 4,
    PARLEY_PAM_BREACHED = 5,
    PARLEY_PAM_NONE = 6
} parley_pam_t;

/* "not_begun", "minimal", "intermediate", "full", "disputed", "breached",
 * "none". */
const char *parley_pam_name(parley_pam_t pam);
/* Accepts a name above or a digit 0..3; -1 for anything else (incl. none). */
int parley_pam_from_name(const char *s);

typedef enum parley_report_source {
    PARLEY_REPORT_SELF,         /* by the commitment's owner */
    PARLEY_REPORT_MONITOR,      /* by an independent monitor */
    PARLEY_REPORT_VERIFICATION  /* by the commitment's verifier */
} parley_report_source_t;

/* "self", "monitor", "verification"; from_name gives -1 when unknown. */
const char *parley_report_source_name(parley_report_source_t s);
int parley_report_source_from_name(const char *s);

typedef enum parley_bench_kind {
    PARLEY_BENCH_NUMERIC,    /* a measured number, its unit and a comparator */
    PARLEY_BENCH_DELIVERABLE /* done or not */
} parley_bench_kind_t;

typedef enum parley_guarantee_state {
    PARLEY_GUARANTEE_OFFERED,
    PARLEY_GUARANTEE_PROVISIONAL, /* at agreement */
    PARLEY_GUARANTEE_PERMANENT,   /* criteria verified N periods in a row */
    PARLEY_GUARANTEE_LAPSED,      /* not made permanent by its deadline */
    PARLEY_GUARANTEE_INVOKED      /* a backing commitment verified breached */
} parley_guarantee_state_t;

const char *parley_guarantee_state_name(parley_guarantee_state_t s);

/* 1 when s is a valid date YYYY-MM-DD (year 1000..9999). */
int parley_date_valid(const char *s);

/* ---- writing ---------------------------------------------------------- */

typedef struct parley_monitor_init {
    const char *agreement;     /* id: 1..64 of [A-Za-z0-9._-] */
    const char *text;          /* the agreed text, JSON {"issue": "option"} */
    const char *date;          /* the day of agreement */
    unsigned periods_required; /* N, for guarantees to become permanent */
} parley_monitor_init_t;

/*
 * Starts monitoring an agreement on scenario sc: records the agreement
 * (its text checked against sc: every issue once, each option one of the
 * issue's labels), the scenario's participants and roles, its issues'
 * clusters, and each
 * guarantee of sc that applies to the agreed package, as provisional.
 * Entries: "agreement.init", then one "guarantee.provisional" per
 * guarantee, with the agreement entry as evidence.  PARLEY_EDUPLICATE when
 * the agreement id exists; PARLEY_EINVALID / PARLEY_ESYNTAX for bad input.
 */
parley_status_t parley_monitor_init(parley_store_t *store,
                                    const parley_key_t *author,
                                    const parley_scenario_t *sc,
                                    const parley_monitor_init_t *in,
                                    uint64_t *seq, parley_diags_t *diags);

typedef struct parley_commitment_spec {
    const char *agreement;
    const char *id;       /* 1..64 of [A-Za-z0-9._-], unique per agreement */
    const char *issue;    /* an issue of the agreement */
    const char *owner;    /* a participant with role party or guarantor */
    const char *what;     /* what must be done, free text, non-empty */
    parley_bench_kind_t bench;
    const char *cmp;      /* NUMERIC: "<", "<=", ">", ">=" or "=" */
    double target;        /* NUMERIC: the number to compare with, finite */
    const char *unit;     /* NUMERIC: non-empty */
    const char *start;    /* first day; NULL: the day of agreement */
    const char *due;      /* last day, after start */
    unsigned period_months; /* reporting period, 1..120 months */
    const char *verifier; /* the actor whose verifications count; not owner */
    const char *guarantee; /* the guarantee whose criteria it backs, or NULL */
    int core;             /* a core commitment: its issue stays locked in a
                             review (parley_monitor_review) */
} parley_commitment_spec_t;

/* Adds a commitment ("commitment.add").  start must not precede the day of
 * agreement; the guarantee, if named, must be provisional. */
parley_status_t parley_monitor_commit(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_commitment_spec_t *c,
                                      uint64_t *seq, parley_diags_t *diags);

typedef struct parley_report_spec {
    const char *agreement;
    const char *commitment;
    parley_report_source_t source;
    const char *period;  /* the end of a reporting period of the commitment */
    parley_pam_t status; /* 0..3, DISPUTED or BREACHED */
    int has_value;       /* NUMERIC benchmarks: the measured value */
    double value;
    const char *note;    /* may be NULL */
} parley_report_spec_t;

/*
 * Records a report ("report.self", "report.monitor" or
 * "report.verification").  The author must be the owner for a self-report,
 * the commitment's verifier for a verification, anyone but the owner for a
 * monitor's report.  Refused: an unknown agreement or commitment; a period
 * that is not the end of one of the commitment's reporting periods; a
 * period before one this author already reported for this commitment and
 * source (out of order), or the same one again (PARLEY_EDUPLICATE); a
 * status outside the scale; a value for a deliverable.
 *
 * In the same transaction: when a self-report and the verification of the
 * same period disagree, "commitment.disputed" is appended with both entries
 * as evidence; and a verification updates the guarantee its commitment
 * backs ("guarantee.permanent", "guarantee.invoked", "guarantee.lapsed",
 * with the verifications that decided it as evidence).  *seq (may be NULL)
 * receives the report's entry.
 */
parley_status_t parley_monitor_report(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_report_spec_t *r,
                                      uint64_t *seq, parley_diags_t *diags);

/* ---- reading ---------------------------------------------------------- */

/* One period of a commitment: what each source said, and what counts. */
typedef struct parley_period_status {
    char period[PARLEY_DATE_SIZE];
    parley_pam_t self, monitor, verification; /* NONE when not reported */
    int has_value;
    double value;           /* the verified (else monitored, else self) value */
    parley_pam_t effective; /* see parley_monitor_status */
} parley_period_status_t;

typedef struct parley_commitment_status {
    char *id, *issue, *owner, *verifier, *what;
    char *guarantee; /* the guarantee it backs, or NULL */
    char *cluster;   /* its issue's cluster in the scenario, or NULL */
    parley_bench_kind_t bench;
    char *cmp, *unit; /* NULL for deliverables */
    double target;
    char start[PARLEY_DATE_SIZE], due[PARLEY_DATE_SIZE];
    unsigned period_months;
    size_t n_periods; /* reported periods, oldest first */
    parley_period_status_t *periods;
    parley_pam_t current; /* effective status of the latest period, or NONE */
    int disputed;         /* the latest period is disputed */
    int breached;         /* any period was found breached */
    int overdue;          /* as_of is past due and current is not FULL */
    size_t missing_self;  /* periods ended by as_of without a self-report */
} parley_commitment_status_t;

typedef struct parley_guarantee_status {
    char *id, *guarantor, *beneficiary, *criteria; /* criteria may be NULL */
    parley_guarantee_state_t state;
    unsigned streak; /* consecutive verified periods so far */
    size_t n_backing; /* commitments that back it */
    int suspended;    /* a consequence suspended its benefit */
    /* Since when it is in its state: the latest period among the
     * verifications that decided it, or the day of agreement. */
    char since[PARLEY_DATE_SIZE];
} parley_guarantee_status_t;

typedef enum parley_consequence_kind {
    PARLEY_CONSEQUENCE_NOTICE,     /* public notice of the noncompliance */
    PARLEY_CONSEQUENCE_SUSPENSION, /* a guarantee's benefit is suspended */
    PARLEY_CONSEQUENCE_REVIEW      /* a review session is opened */
} parley_consequence_kind_t;

typedef enum parley_consequence_trigger {
    PARLEY_TRIGGER_BREACHED, /* any period found breached */
    PARLEY_TRIGGER_DISPUTED, /* the last K reported periods all disputed */
    PARLEY_TRIGGER_OVERDUE   /* as of a day at least D days past due, not full */
} parley_consequence_trigger_t;

/* "notice", "suspension", "review"; "breached", "disputed", "overdue";
 * from_name gives -1 when unknown. */
const char *parley_consequence_kind_name(parley_consequence_kind_t k);
int parley_consequence_kind_from_name(const char *s);
const char *parley_consequence_trigger_name(parley_consequence_trigger_t t);
int parley_consequence_trigger_from_name(const char *s);

typedef struct parley_consequence_status {
    char *id, *target, *suspends; /* suspends: NULL unless a suspension */
    int on_guarantee;             /* target is a guarantee, else a commitment */
    parley_consequence_kind_t kind;
    parley_consequence_trigger_t trigger;
    unsigned threshold; /* K periods (disputed) or D days (overdue) */
    uint64_t applied;   /* the consequence.applied entry, 0 when not yet */
    char *applied_by;   /* its signer, or NULL */
    char applied_as_of[PARLEY_DATE_SIZE]; /* "" when not yet */
} parley_consequence_status_t;

typedef struct parley_monitor_status {
    char *agreement, *scenario, *text;
    char agreed_on[PARLEY_DATE_SIZE], as_of[PARLEY_DATE_SIZE];
    unsigned periods_required;
    size_t n_commitments;
    parley_commitment_status_t *commitments; /* by owner, then id */
    size_t n_guarantees;
    parley_guarantee_status_t *guarantees; /* by id */
    size_t n_consequences;
    parley_consequence_status_t *consequences; /* by id */
} parley_monitor_status_t;

/*
 * The state of an agreement as of a day.  A period's effective status is
 * DISPUTED when its self-report and verification disagree, BREACHED when
 * a monitor or verifier found it breached, else the verification's, else
 * the monitor's, else the self-report's.  Only reports for periods ending
 * on or before as_of count.  *out is owned by the caller.
 */
parley_status_t parley_monitor_status(parley_store_t *store,
                                      const char *agreement, const char *as_of,
                                      parley_monitor_status_t **out,
                                      parley_diags_t *diags);
void parley_monitor_status_free(parley_monitor_status_t *s);

/*
 * s as one compact JSON object without a trailing newline, in *out (free
 * with parley_free): {"agreement", "scenario", "text", "agreed_on",
 * "as_of", "periods_required", "commitments": [{"id", "owner", "issue",
 * "cluster"?, "what", "verifier", "benchmark": {"kind", "cmp", "target",
 * "unit"} | {"kind": "deliverable"}, "start", "due", "period_months",
 * "guarantee"?, "periods": [{"period", "self", "monitor", "verification",
 * "status", "value"?}], "current", "overdue", "disputed", "breached",
 * "missing_self_reports"}], "guarantees": [...], "consequences": [...]}
 * (docs/monitoring.md).  What `parley monitor status --json` prints and a
 * live session's "monitoring" read returns.  PARLEY_ENOMEM, PARLEY_EARG.
 */
parley_status_t parley_monitor_status_json(const parley_monitor_status_t *s,
                                           char **out);

/* ---- consequences ----------------------------------------------------- */

typedef struct parley_consequence_spec {
    const char *agreement;
    const char *id;       /* 1..64 of [A-Za-z0-9._-], unique per agreement */
    int on_guarantee;     /* target names a guarantee, else a commitment */
    const char *target;   /* the commitment or guarantee it watches */
    parley_consequence_kind_t kind;
    parley_consequence_trigger_t trigger;
    unsigned threshold;   /* DISPUTED: K >= 1 periods; OVERDUE: D days;
                             BREACHED: 0 */
    const char *suspends; /* SUSPENSION: the guarantee whose benefit is
                             suspended; NULL means the target guarantee */
} parley_consequence_spec_t;

/*
 * Writes a consequence into the agreement ("consequence.add").  A trigger
 * on a guarantee is met when it is met by any commitment backing it.
 * Refused: an unknown agreement, target or suspended guarantee, a
 * duplicate id (PARLEY_EDUPLICATE), a threshold that does not fit the
 * trigger, a suspension without a guarantee.
 */
parley_status_t parley_monitor_consequence(parley_store_t *store,
                                           const parley_key_t *author,
                                           const parley_consequence_spec_t *c,
                                           uint64_t *seq,
                                           parley_diags_t *diags);

/*
 * Evaluates the agreement's consequences not yet applied against its
 * status as of as_of and applies those whose trigger is met, in one
 * transaction: each gets a "consequence.applied" entry signed by author
 * and its row is marked applied.  *n_applied (may be NULL) gets how many.
 * A monitor's report or a verification runs the same evaluation, as of its
 * period, inside its own transaction and signed by its author.
 */
parley_status_t parley_monitor_enforce(parley_store_t *store,
                                       const parley_key_t *author,
                                       const char *agreement,
                                       const char *as_of, size_t *n_applied,
                                       parley_diags_t *diags);

/* ---- review ----------------------------------------------------------- */

/*
 * The fewest-changes repair of a standing package `standing` (scenario
 * option indices, parley_model_n_issues entries) under model m: a package
 * acceptable to every voting party (parley_model_is_feasible: red lines
 * kept, every utility at least the reservation) that keeps every issue k
 * with locked[k] != 0 and changes as few other issues as possible.  Among
 * the acceptable packages with that fewest number of changes it takes the
 * one whose smallest margin over a reservation (u_i - r_i) is largest,
 * then the lowest package index.  *n_changed gets the number of changes.
 * PARLEY_EINFEASIBLE when no package keeps the locked issues and is
 * acceptable.  Exhaustive by rising number of changes s: at most
 * sum_s C(F, s) * prod (allowed options - 1) packages for F free issues;
 * meant for an agreement's few issues (PARLEY_ELIMIT past 10^7 packages).
 */
parley_status_t parley_monitor_repair(const parley_model_t *m,
                                      const uint32_t *standing,
                                      const unsigned char *locked,
                                      uint32_t *out, size_t *n_changed);

typedef struct parley_review_change {
    char *issue, *from, *to; /* option labels */
} parley_review_change_t;

typedef struct parley_review_result {
    size_t n_locked;
    char **locked;            /* issues of core commitments */
    size_t n_changes;
    parley_review_change_t *changes; /* in issue order */
    char *text;               /* the repaired text, JSON {"issue": "option"} */
} parley_review_result_t;

void parley_review_result_free(parley_review_result_t *r);

/*
 * A review after a change of party `party`'s leadership or priorities: sc
 * is the agreement's scenario with that party's new profile (`profile`,
 * its JSON party object, recorded as given).  Repairs the standing text
 * with parley_monitor_repair, the issues of core commitments locked, and
 * appends "agreement.review" (party, profile, locked issues, changes, the
 * repaired text) signed by author.  The standing text in the store is not
 * changed: the repaired text is what the review session is to agree on.
 * PARLEY_EINFEASIBLE (nothing recorded) when no repair exists.
 */
parley_status_t parley_monitor_review(parley_store_t *store,
                                      const parley_key_t *author,
                                      const parley_scenario_t *sc,
                                      const char *agreement, const char *party,
                                      const char *profile,
                                      parley_review_result_t **out,
                                      uint64_t *seq, parley_diags_t *diags);

#ifdef __cplusplus
}
#endif
#endif
