/*
 * monitor_internal.h - dates and small helpers shared by the writing
 * (monitor.c), the guarantee lifecycle (guarantee.c) and the reading
 * (status.c) code of the monitoring area.
 */
#ifndef PARLEY_MONITOR_INTERNAL_H
#define PARLEY_MONITOR_INTERNAL_H

#include <stdarg.h>

#include <jansson.h>

#include "ledger/ledger_internal.h"
#include "parley/monitor.h"
#include "store/store_internal.h"

/* A calendar day. */
typedef struct parley__date {
    int y, m, d;
} parley__date_t;

/* Parses YYYY-MM-DD strictly (a real day, year 1000..9999); 1 ok, 0 not. */
int parley__date_parse(const char *s, parley__date_t *out);
void parley__date_format(parley__date_t d, char out[PARLEY_DATE_SIZE]);
/* d + months, the day clamped to the target month's length. */
parley__date_t parley__date_add_months(parley__date_t d, long months);

/*
 * The end of the reporting period k (k >= 1) of a commitment starting on
 * start with periods of `months`; the last period is the first whose end is
 * on or after due.  parley__period_count gives how many periods there are.
 */
void parley__period_end(const char *start, unsigned months, long k,
                        char out[PARLEY_DATE_SIZE]);
long parley__period_count(const char *start, const char *due, unsigned months);
/* k when period is the end of period k, else 0. */
long parley__period_index(const char *start, const char *due, unsigned months,
                          const char *period);

/* An error diagnostic with path `path` (a field name), returns code. */
parley_status_t parley__monitor_fail(parley_diags_t *diags,
                                     parley_status_t code, const char *path,
                                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* A SQLite failure as a diagnostic; returns the mapped status. */
parley_status_t parley__monitor_db_fail(parley_store_t *s,
                                        parley_diags_t *diags, int rc,
                                        const char *what);

/* v as compact JSON with sorted keys, parley_malloc'd; NULL on failure. */
char *parley__json_text(const json_t *v);

/* Appends one event (payload: a JSON object, stolen) in the open
 * transaction; *seq gets its entry. */
parley_status_t parley__monitor_append(parley_store_t *s,
                                       const parley_key_t *key,
                                       const char *kind, json_t *payload,
                                       uint64_t *seq, parley_diags_t *diags);

/*
 * Re-evaluates guarantee `guarantee` of `agreement` after the verification
 * `trigger` (its entry; status `status`): updates its streak and, when its
 * state changes, appends the transition signed by key, with evidence.
 * Runs inside the open write transaction.
 */
parley_status_t parley__guarantee_update(parley_store_t *s,
                                         const parley_key_t *key,
                                         const char *agreement,
                                         const char *guarantee,
                                         uint64_t trigger, parley_pam_t status,
                                         parley_diags_t *diags);

/* The agreed text checked against sc, as option indices into pkg
 * (sc->n_issues); *text_out is the parsed object (caller decrefs). */
parley_status_t parley__monitor_read_text(const parley_scenario_t *sc,
                                          const char *text, uint32_t *pkg,
                                          json_t **text_out,
                                          parley_diags_t *diags);

/* The status as of a day, read inside the caller's transaction. */
parley_status_t parley__monitor_read(parley_store_t *s, const char *agreement,
                                     const char *as_of,
                                     parley_monitor_status_t **out,
                                     parley_diags_t *diags);

/* Applies the met consequences; runs inside the open write transaction. */
parley_status_t parley__consequences_enforce(parley_store_t *s,
                                             const parley_key_t *key,
                                             const char *agreement,
                                             const char *as_of,
                                             size_t *n_applied,
                                             parley_diags_t *diags);

/* Days from 0000-03-01 style epoch: differences are day counts. */
long parley__date_days(parley__date_t d);

/* 1 when value meets target by cmp ("<", "<=", ">", ">=", "="). */
int parley__bench_met(const char *cmp, double value, double target);

/*
 * parley_monitor_init() inside the caller's open write transaction (BEGIN
 * IMMEDIATE already run): a live session records its agreement and starts
 * monitoring it in one commit.  On an error the caller must roll back.
 */
parley_status_t parley__monitor_init_tx(parley_store_t *store,
                                        const parley_key_t *author,
                                        const parley_scenario_t *sc,
                                        const parley_monitor_init_t *in,
                                        uint64_t *seq, parley_diags_t *diags);

/*
 * parley_monitor_commit, _report, _consequence and _enforce inside the
 * caller's open write transaction (BEGIN IMMEDIATE already run), with the
 * same checks: a live session records the write, its request_id and its
 * ledger entry in one commit.  On an error the caller must roll back.
 */
parley_status_t parley__monitor_commit_tx(parley_store_t *store,
                                          const parley_key_t *author,
                                          const parley_commitment_spec_t *c,
                                          uint64_t *seq, parley_diags_t *diags);
parley_status_t parley__monitor_report_tx(parley_store_t *store,
                                          const parley_key_t *author,
                                          const parley_report_spec_t *r,
                                          uint64_t *seq, parley_diags_t *diags);
parley_status_t parley__monitor_consequence_tx(
    parley_store_t *store, const parley_key_t *author,
    const parley_consequence_spec_t *c, uint64_t *seq, parley_diags_t *diags);
parley_status_t parley__monitor_enforce_tx(parley_store_t *store,
                                           const parley_key_t *author,
                                           const char *agreement,
                                           const char *as_of,
                                           size_t *n_applied,
                                           parley_diags_t *diags);

/*
 * parley_monitor_commit, _report, _consequence and _enforce inside the
 * caller's open write transaction (BEGIN IMMEDIATE already run), with the
 * same checks: a live session records the write, its request_id and its
 * ledger entry in one commit.  On an error the caller must roll back.
 */
parley_status_t parley__monitor_commit_tx(parley_store_t *store,
                                          const parley_key_t *author,
                                          const parley_commitment_spec_t *c,
                                          uint64_t *seq, parley_diags_t *diags);
parley_status_t parley__monitor_report_tx(parley_store_t *store,
                                          const parley_key_t *author,
                                          const parley_report_spec_t *r,
                                          uint64_t *seq, parley_diags_t *diags);
parley_status_t parley__monitor_consequence_tx(
    parley_store_t *store, const parley_key_t *author,
    const parley_consequence_spec_t *c, uint64_t *seq, parley_diags_t *diags);
parley_status_t parley__monitor_enforce_tx(parley_store_t *store,
                                           const parley_key_t *author,
                                           const char *agreement,
                                           const char *as_of,
                                           size_t *n_applied,
                                           parley_diags_t *diags);

#endif
