/*
 * status.c - the state of a monitored agreement as of a day, read from the
 * monitoring tables in one read transaction (a consistent snapshot).
 *
 * Per commitment: what each source reported for each period, the status
 * that counts per period (parley_monitor_status in monitor.h says which),
 * whether it is overdue or disputed, and how many self-reports are
 * missing; per guarantee: its state and streak.
 */
#include <string.h>

#include "monitor/monitor_internal.h"
#include "parley/alloc.h"

static char *dup_col(sqlite3_stmt *q, int i, int *oom)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    if (!t)
        return NULL;
    char *d = parley_strdup((const char *)t);
    if (!d)
        *oom = 1;
    return d;
}

static void copy_date(char out[PARLEY_DATE_SIZE], sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    snprintf(out, PARLEY_DATE_SIZE, "%s", t ? (const char *)t : "");
}

void parley_monitor_status_free(parley_monitor_status_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_commitments; i++) {
        parley_commitment_status_t *c = &s->commitments[i];
        parley_free(c->id);
        parley_free(c->issue);
        parley_free(c->owner);
        parley_free(c->verifier);
        parley_free(c->what);
        parley_free(c->guarantee);
        parley_free(c->cluster);
        parley_free(c->cmp);
        parley_free(c->unit);
        parley_free(c->periods);
    }
    for (size_t i = 0; i < s->n_guarantees; i++) {
        parley_guarantee_status_t *g = &s->guarantees[i];
        parley_free(g->id);
        parley_free(g->guarantor);
        parley_free(g->beneficiary);
        parley_free(g->criteria);
    }
    for (size_t i = 0; i < s->n_consequences; i++) {
        parley_consequence_status_t *c = &s->consequences[i];
        parley_free(c->id);
        parley_free(c->target);
        parley_free(c->suspends);
        parley_free(c->applied_by);
    }
    parley_free(s->consequences);
    parley_free(s->commitments);
    parley_free(s->guarantees);
    parley_free(s->agreement);
    parley_free(s->scenario);
    parley_free(s->text);
    parley_free(s);
}

/* What counts for a period, from what each source said. */
static parley_pam_t effective(const parley_period_status_t *p)
{
    if (p->self != PARLEY_PAM_NONE && p->verification != PARLEY_PAM_NONE &&
        p->self != p->verification)
        return PARLEY_PAM_DISPUTED;
    if (p->self == PARLEY_PAM_DISPUTED || p->monitor == PARLEY_PAM_DISPUTED ||
        p->verification == PARLEY_PAM_DISPUTED)
        return PARLEY_PAM_DISPUTED;
    if (p->monitor == PARLEY_PAM_BREACHED ||
        p->verification == PARLEY_PAM_BREACHED)
        return PARLEY_PAM_BREACHED;
    if (p->verification != PARLEY_PAM_NONE)
        return p->verification;
    if (p->monitor != PARLEY_PAM_NONE)
        return p->monitor;
    return p->self;
}

/* Fills c->periods from the reports up to as_of. */
static parley_status_t load_periods(parley_store_t *s, const char *agreement,
                                    const char *as_of,
                                    parley_commitment_status_t *c)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT period, source, status, value FROM reports WHERE agreement "
        "= ? AND commitment = ? AND period <= ? ORDER BY period, entry",
        -1, &q, NULL);
    size_t cap = 0;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, c->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, as_of, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *period = (const char *)sqlite3_column_text(q, 0);
            parley_period_status_t *p =
                c->n_periods ? &c->periods[c->n_periods - 1] : NULL;
            if (!p || strcmp(p->period, period) != 0) {
                if (c->n_periods == cap) {
                    size_t nc = cap ? 2 * cap : 8;
                    parley_period_status_t *np =
                        parley_realloc(c->periods, nc * sizeof *np);
                    if (!np) {
                        sqlite3_finalize(q);
                        return PARLEY_ENOMEM;
                    }
                    c->periods = np;
                    cap = nc;
                }
                p = &c->periods[c->n_periods++];
                memset(p, 0, sizeof *p);
                snprintf(p->period, sizeof p->period, "%s", period);
                p->self = p->monitor = p->verification = PARLEY_PAM_NONE;
            }
            int src = parley_report_source_from_name(
                (const char *)sqlite3_column_text(q, 1));
            parley_pam_t st = (parley_pam_t)sqlite3_column_int(q, 2);
            int has_value = sqlite3_column_type(q, 3) != SQLITE_NULL;
            /* Several monitors: the last one filed for the period counts. */
            if (src == PARLEY_REPORT_SELF)
                p->self = st;
            else if (src == PARLEY_REPORT_MONITOR)
                p->monitor = st;
            else
                p->verification = st;
            /* The value of the most trusted source wins: verification,
             * then monitor, then self; rows arrive in entry order. */
            if (has_value &&
                (!p->has_value || src == PARLEY_REPORT_VERIFICATION ||
                 (src == PARLEY_REPORT_MONITOR &&
                  p->verification == PARLEY_PAM_NONE))) {
                p->has_value = 1;
                p->value = sqlite3_column_double(q, 3);
            }
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return parley__store_status(rc) == PARLEY_OK ? PARLEY_EIO
                                                      : parley__store_status(rc);
    for (size_t i = 0; i < c->n_periods; i++)
        c->periods[i].effective = effective(&c->periods[i]);
    return PARLEY_OK;
}

static void summarise(parley_commitment_status_t *c, const char *as_of)
{
    c->current = PARLEY_PAM_NONE;
    if (c->n_periods) {
        const parley_period_status_t *p = &c->periods[c->n_periods - 1];
        c->current = p->effective;
        c->disputed = p->effective == PARLEY_PAM_DISPUTED;
    }
    for (size_t i = 0; i < c->n_periods; i++)
        if (c->periods[i].monitor == PARLEY_PAM_BREACHED ||
            c->periods[i].verification == PARLEY_PAM_BREACHED)
            c->breached = 1;
    c->overdue = strcmp(as_of, c->due) > 0 && c->current != PARLEY_PAM_FULL;
    long n = parley__period_count(c->start, c->due, c->period_months);
    char end[PARLEY_DATE_SIZE];
    for (long k = 1; k <= n; k++) {
        parley__period_end(c->start, c->period_months, k, end);
        if (strcmp(end, as_of) > 0)
            break;
        int filed = 0;
        for (size_t i = 0; i < c->n_periods && !filed; i++)
            filed = strcmp(c->periods[i].period, end) == 0 &&
                    c->periods[i].self != PARLEY_PAM_NONE;
        if (!filed)
            c->missing_self++;
    }
}

/* The consequences written into the agreement, and which were applied;
 * a guarantee is suspended once a suspension of it was applied. */
static parley_status_t read_consequences(parley_store_t *s,
                                         const char *agreement,
                                         parley_monitor_status_t *o,
                                         parley_diags_t *diags)
{
    sqlite3_stmt *q = NULL;
    size_t cap = 0;
    int oom = 0;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT id, target_kind, target, kind, trigger, threshold, suspends, "
        "applied, applied_by, applied_as_of FROM consequences WHERE "
        "agreement = ? ORDER BY id",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (o->n_consequences == cap) {
                size_t nc = cap ? 2 * cap : 4;
                parley_consequence_status_t *n =
                    parley_realloc(o->consequences, nc * sizeof *n);
                if (!n) {
                    oom = 1;
                    break;
                }
                o->consequences = n;
                cap = nc;
            }
            parley_consequence_status_t *c =
                &o->consequences[o->n_consequences++];
            memset(c, 0, sizeof *c);
            c->id = dup_col(q, 0, &oom);
            const unsigned char *tk = sqlite3_column_text(q, 1);
            c->on_guarantee = tk && strcmp((const char *)tk, "guarantee") == 0;
            c->target = dup_col(q, 2, &oom);
            int k = parley_consequence_kind_from_name(
                (const char *)sqlite3_column_text(q, 3));
            int t = parley_consequence_trigger_from_name(
                (const char *)sqlite3_column_text(q, 4));
            c->kind = k < 0 ? PARLEY_CONSEQUENCE_NOTICE
                            : (parley_consequence_kind_t)k;
            c->trigger = t < 0 ? PARLEY_TRIGGER_BREACHED
                               : (parley_consequence_trigger_t)t;
            c->threshold = (unsigned)sqlite3_column_int64(q, 5);
            c->suspends = dup_col(q, 6, &oom);
            c->applied = (uint64_t)sqlite3_column_int64(q, 7);
            c->applied_by = dup_col(q, 8, &oom);
            copy_date(c->applied_as_of, q, 9);
            if (c->applied && c->suspends)
                for (size_t g = 0; g < o->n_guarantees; g++)
                    if (strcmp(o->guarantees[g].id, c->suspends) == 0)
                        o->guarantees[g].suspended = 1;
        }
    }
    sqlite3_finalize(q);
    if (oom)
        return PARLEY_ENOMEM;
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot read the consequences");
    return PARLEY_OK;
}

static parley_status_t read_all(parley_store_t *s, const char *agreement,
                                const char *as_of, parley_monitor_status_t *o,
                                parley_diags_t *diags)
{
    sqlite3_stmt *q = NULL;
    int oom = 0;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT scenario, text, agreed_on, "
                                "periods_required FROM agreements WHERE id = ?",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            o->scenario = dup_col(q, 0, &oom);
            o->text = dup_col(q, 1, &oom);
            copy_date(o->agreed_on, q, 2);
            o->periods_required = (unsigned)sqlite3_column_int(q, 3);
        }
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "agreement",
                                    "unknown agreement '%s'", agreement);
    if (rc != SQLITE_ROW)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot read the agreement");
    if (oom)
        return PARLEY_ENOMEM;

    size_t cap = 0;
    rc = sqlite3_prepare_v2(
        s->db,
        "SELECT id, issue, owner, verifier, what, guarantee, bench, cmp, "
        "target, unit, start, due, period_months, (SELECT cluster FROM "
        "agreement_issues i WHERE i.agreement = c.agreement AND i.issue = "
        "c.issue) FROM commitments c WHERE agreement = ? ORDER BY owner, id",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (o->n_commitments == cap) {
                size_t nc = cap ? 2 * cap : 8;
                parley_commitment_status_t *n =
                    parley_realloc(o->commitments, nc * sizeof *n);
                if (!n) {
                    oom = 1;
                    break;
                }
                o->commitments = n;
                cap = nc;
            }
            parley_commitment_status_t *c =
                &o->commitments[o->n_commitments++];
            memset(c, 0, sizeof *c);
            c->id = dup_col(q, 0, &oom);
            c->issue = dup_col(q, 1, &oom);
            c->owner = dup_col(q, 2, &oom);
            c->verifier = dup_col(q, 3, &oom);
            c->what = dup_col(q, 4, &oom);
            c->guarantee = dup_col(q, 5, &oom);
            const unsigned char *b = sqlite3_column_text(q, 6);
            c->bench = b && strcmp((const char *)b, "numeric") == 0
                           ? PARLEY_BENCH_NUMERIC
                           : PARLEY_BENCH_DELIVERABLE;
            c->cmp = dup_col(q, 7, &oom);
            c->target = sqlite3_column_double(q, 8);
            c->unit = dup_col(q, 9, &oom);
            copy_date(c->start, q, 10);
            copy_date(c->due, q, 11);
            c->period_months = (unsigned)sqlite3_column_int(q, 12);
            c->cluster = dup_col(q, 13, &oom);
        }
    }
    sqlite3_finalize(q);
    if (oom)
        return PARLEY_ENOMEM;
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot read the commitments");
    for (size_t i = 0; i < o->n_commitments; i++) {
        parley_status_t st =
            load_periods(s, agreement, as_of, &o->commitments[i]);
        if (st != PARLEY_OK)
            return st == PARLEY_ENOMEM
                       ? st
                       : parley__monitor_db_fail(s, diags,
                                                 sqlite3_errcode(s->db),
                                                 "cannot read the reports");
        summarise(&o->commitments[i], as_of);
    }

    cap = 0;
    rc = sqlite3_prepare_v2(
        s->db,
        "SELECT g.id, g.guarantor, g.beneficiary, g.criteria, g.state, "
        "g.streak, (SELECT count(*) FROM commitments c WHERE c.agreement = "
        "g.agreement AND c.guarantee = g.id), coalesce((SELECT max(r.period) "
        "FROM guarantee_transitions t, json_each(t.evidence) e JOIN reports r "
        "ON r.entry = e.value WHERE t.entry = g.entry), (SELECT agreed_on "
        "FROM agreements a WHERE a.id = g.agreement)) FROM guarantees g "
        "WHERE g.agreement = ? ORDER BY g.id",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (o->n_guarantees == cap) {
                size_t nc = cap ? 2 * cap : 4;
                parley_guarantee_status_t *n =
                    parley_realloc(o->guarantees, nc * sizeof *n);
                if (!n) {
                    oom = 1;
                    break;
                }
                o->guarantees = n;
                cap = nc;
            }
            parley_guarantee_status_t *g = &o->guarantees[o->n_guarantees++];
            memset(g, 0, sizeof *g);
            g->id = dup_col(q, 0, &oom);
            g->guarantor = dup_col(q, 1, &oom);
            g->beneficiary = dup_col(q, 2, &oom);
            g->criteria = dup_col(q, 3, &oom);
            const char *state = (const char *)sqlite3_column_text(q, 4);
            g->state = PARLEY_GUARANTEE_OFFERED;
            for (int k = PARLEY_GUARANTEE_OFFERED; k <= PARLEY_GUARANTEE_INVOKED;
                 k++)
                if (state && strcmp(state, parley_guarantee_state_name(
                                               (parley_guarantee_state_t)k)) ==
                                 0)
                    g->state = (parley_guarantee_state_t)k;
            g->streak = (unsigned)sqlite3_column_int(q, 5);
            g->n_backing = (size_t)sqlite3_column_int64(q, 6);
            copy_date(g->since, q, 7);
        }
    }
    sqlite3_finalize(q);
    if (oom)
        return PARLEY_ENOMEM;
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot read the guarantees");
    return read_consequences(s, agreement, o, diags);
}

/* own_tx: wrap the reads in a read transaction of our own; 0 inside a
 * transaction the caller holds. */
static parley_status_t read_status(parley_store_t *store,
                                   const char *agreement, const char *as_of,
                                   parley_monitor_status_t **out,
                                   parley_diags_t *diags, int own_tx)
{
    *out = NULL;
    if (!store || !agreement)
        return parley__monitor_fail(diags, PARLEY_EARG, "",
                                    "store and agreement are required");
    if (!parley_date_valid(as_of))
        return parley__monitor_fail(diags, PARLEY_EINVALID, "as_of",
                                    "expected a day as YYYY-MM-DD, found '%s'",
                                    as_of ? as_of : "(none)");
    parley_monitor_status_t *o = parley_calloc(1, sizeof *o);
    if (!o || !(o->agreement = parley_strdup(agreement))) {
        parley_free(o);
        return PARLEY_ENOMEM;
    }
    snprintf(o->as_of, sizeof o->as_of, "%s", as_of);
    if (!own_tx) {
        parley_status_t st = read_all(store, agreement, as_of, o, diags);
        if (st != PARLEY_OK) {
            parley_monitor_status_free(o);
            return st;
        }
        *out = o;
        return PARLEY_OK;
    }
    int rc = parley__store_exec(store, "BEGIN");
    parley_status_t st =
        rc == SQLITE_OK
            ? read_all(store, agreement, as_of, o, diags)
            : parley__monitor_db_fail(store, diags, rc,
                                      "cannot start reading");
    if (rc == SQLITE_OK)
        parley__store_exec(store, "COMMIT");
    if (st != PARLEY_OK) {
        parley_monitor_status_free(o);
        return st;
    }
    *out = o;
    return PARLEY_OK;
}

parley_status_t parley_monitor_status(parley_store_t *store,
                                      const char *agreement, const char *as_of,
                                      parley_monitor_status_t **out,
                                      parley_diags_t *diags)
{
    return read_status(store, agreement, as_of, out, diags, 1);
}

parley_status_t parley__monitor_read(parley_store_t *s, const char *agreement,
                                     const char *as_of,
                                     parley_monitor_status_t **out,
                                     parley_diags_t *diags)
{
    return read_status(s, agreement, as_of, out, diags, 0);
}
