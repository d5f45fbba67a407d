/*
 * guarantee.c - the guarantee lifecycle: provisional at agreement, then
 * permanent once the commitments backing its performance criteria have
 * been verified in full for N consecutive reporting periods, invoked when
 * one of them is verified breached, lapsed when its last period has been
 * verified without N consecutive good periods.
 *
 * The periods of a guarantee are the union of the reporting-period ends of
 * the commitments that back it.  A period is met when every backing
 * commitment whose reporting calendar has that period was verified FULL
 * for it (and, when the verifier gave a measured value for a numeric
 * benchmark, the value meets the benchmark).  A period with no verification
 * is not met: silence does not count as compliance.
 *
 * The state is recomputed from all verifications on every new one, so it
 * does not depend on the order the verifications arrived in.  Cost:
 * O(P * V) for P periods and V verifications of the backing commitments,
 * both small (a monthly calendar over ten years is 120 periods).
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_internal.h"
#include "parley/alloc.h"

typedef struct backing {
    char id[PARLEY_LEDGER_MAX_NAME + 1];
    char start[PARLEY_DATE_SIZE], due[PARLEY_DATE_SIZE];
    char cmp[4];
    int numeric;
    double target;
    unsigned months;
} backing_t;

typedef struct verification {
    size_t commitment; /* index into the backing commitments */
    char period[PARLEY_DATE_SIZE];
    int status;
    int has_value;
    double value;
    uint64_t entry;
} verification_t;

typedef struct period {
    char date[PARLEY_DATE_SIZE];
} period_t;

static int period_cmp(const void *a, const void *b)
{
    return strcmp(((const period_t *)a)->date, ((const period_t *)b)->date);
}

static int entry_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct lifecycle {
    backing_t *b;
    size_t nb;
    verification_t *v;
    size_t nv;
    period_t *p;
    size_t np;
} lifecycle_t;

static void lifecycle_free(lifecycle_t *l)
{
    parley_free(l->b);
    parley_free(l->v);
    parley_free(l->p);
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    size_t nc = *cap ? *cap * 2 : 8;
    void *q = parley_realloc(p, nc * size);
    if (q)
        *cap = nc;
    return q;
}

static parley_status_t load(parley_store_t *s, const char *agreement,
                            const char *guarantee, lifecycle_t *l,
                            parley_diags_t *diags)
{
    sqlite3_stmt *q = NULL;
    size_t cap = 0;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT id, start, due, period_months, bench, cmp, target FROM "
        "commitments WHERE agreement = ? AND guarantee = ? ORDER BY id",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, guarantee, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            backing_t *nb = grow(l->b, &cap, l->nb, sizeof *nb);
            if (!nb) {
                sqlite3_finalize(q);
                return PARLEY_ENOMEM;
            }
            l->b = nb;
            backing_t *c = &l->b[l->nb++];
            memset(c, 0, sizeof *c);
            snprintf(c->id, sizeof c->id, "%s", sqlite3_column_text(q, 0));
            snprintf(c->start, sizeof c->start, "%s",
                     sqlite3_column_text(q, 1));
            snprintf(c->due, sizeof c->due, "%s", sqlite3_column_text(q, 2));
            c->months = (unsigned)sqlite3_column_int(q, 3);
            c->numeric =
                strcmp((const char *)sqlite3_column_text(q, 4), "numeric") == 0;
            if (c->numeric) {
                snprintf(c->cmp, sizeof c->cmp, "%s",
                         sqlite3_column_text(q, 5));
                c->target = sqlite3_column_double(q, 6);
            }
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot read the backing commitments");
    cap = 0;
    q = NULL;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT commitment, period, status, value, entry "
                            "FROM reports WHERE agreement = ? AND source = "
                            "'verification' AND commitment IN (SELECT id FROM "
                            "commitments WHERE agreement = ? AND guarantee = "
                            "?) ORDER BY entry",
                            -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, guarantee, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *cid = (const char *)sqlite3_column_text(q, 0);
            size_t ci = 0;
            while (ci < l->nb && strcmp(l->b[ci].id, cid) != 0)
                ci++;
            if (ci == l->nb)
                continue;
            verification_t *nv = grow(l->v, &cap, l->nv, sizeof *nv);
            if (!nv) {
                sqlite3_finalize(q);
                return PARLEY_ENOMEM;
            }
            l->v = nv;
            verification_t *v = &l->v[l->nv++];
            v->commitment = ci;
            snprintf(v->period, sizeof v->period, "%s",
                     sqlite3_column_text(q, 1));
            v->status = sqlite3_column_int(q, 2);
            v->has_value = sqlite3_column_type(q, 3) != SQLITE_NULL;
            v->value = sqlite3_column_double(q, 3);
            v->entry = (uint64_t)sqlite3_column_int64(q, 4);
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot read the verifications");
    /* The union of the backing commitments' period ends, sorted, unique. */
    cap = 0;
    for (size_t i = 0; i < l->nb; i++) {
        long n = parley__period_count(l->b[i].start, l->b[i].due,
                                      l->b[i].months);
        for (long k = 1; k <= n; k++) {
            period_t *np = grow(l->p, &cap, l->np, sizeof *np);
            if (!np)
                return PARLEY_ENOMEM;
            l->p = np;
            parley__period_end(l->b[i].start, l->b[i].months, k,
                               l->p[l->np++].date);
        }
    }
    if (l->np)
        qsort(l->p, l->np, sizeof *l->p, period_cmp);
    size_t u = 0;
    for (size_t i = 0; i < l->np; i++)
        if (u == 0 || strcmp(l->p[u - 1].date, l->p[i].date) != 0)
            l->p[u++] = l->p[i];
    l->np = u;
    return PARLEY_OK;
}

/* 1 met, 0 not, -1 not yet fully verified (some verification missing). */
static int period_met(const lifecycle_t *l, const char *date)
{
    int met = 1;
    for (size_t c = 0; c < l->nb; c++) {
        const backing_t *b = &l->b[c];
        if (parley__period_index(b->start, b->due, b->months, date) == 0)
            continue;
        const verification_t *found = NULL;
        for (size_t i = 0; i < l->nv && !found; i++)
            if (l->v[i].commitment == c && strcmp(l->v[i].period, date) == 0)
                found = &l->v[i];
        if (!found)
            return -1;
        if (found->status != PARLEY_PAM_FULL ||
            (b->numeric && found->has_value &&
             !parley__bench_met(b->cmp, found->value, b->target)))
            met = 0;
    }
    return met;
}

static parley_status_t transition(parley_store_t *s, const parley_key_t *key,
                                  const char *agreement, const char *guarantee,
                                  const char *to, unsigned streak,
                                  unsigned required, uint64_t *evidence,
                                  size_t n_evidence, parley_diags_t *diags)
{
    qsort(evidence, n_evidence, sizeof *evidence, entry_cmp);
    json_t *ev = json_array();
    for (size_t i = 0; ev && i < n_evidence; i++)
        if (json_array_append_new(ev, json_integer((json_int_t)evidence[i])) !=
            0) {
            json_decref(ev);
            ev = NULL;
        }
    char *ev_text = ev ? parley__json_text(ev) : NULL;
    json_t *p = ev ? json_pack("{s:s, s:s, s:s, s:s, s:O, s:I, s:I}",
                               "agreement", agreement, "guarantee", guarantee,
                               "from", "provisional", "to", to, "evidence", ev,
                               "streak", (json_int_t)streak,
                               "periods_required", (json_int_t)required)
                   : NULL;
    json_decref(ev);
    char kind[40];
    snprintf(kind, sizeof kind, "guarantee.%s", to);
    uint64_t seq = 0;
    parley_status_t st =
        ev_text ? parley__monitor_append(s, key, kind, p, &seq, diags)
                : (json_decref(p), PARLEY_ENOMEM);
    sqlite3_stmt *q = NULL;
    if (st == PARLEY_OK &&
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO guarantee_transitions(entry, "
                           "agreement, guarantee, from_state, to_state, "
                           "evidence) VALUES (?,?,?,'provisional',?,?)",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)seq);
        sqlite3_bind_text(q, 2, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, guarantee, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, to, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, ev_text, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                         "cannot record the transition");
    } else if (st == PARLEY_OK) {
        st = parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                     "cannot record the transition");
    }
    sqlite3_finalize(q);
    q = NULL;
    if (st == PARLEY_OK &&
        sqlite3_prepare_v2(s->db,
                           "UPDATE guarantees SET state = ?, entry = ? WHERE "
                           "agreement = ? AND id = ?",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, to, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)seq);
        sqlite3_bind_text(q, 3, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, guarantee, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                         "cannot update the guarantee");
    }
    sqlite3_finalize(q);
    parley_free(ev_text);
    return st;
}

parley_status_t parley__guarantee_update(parley_store_t *s,
                                         const parley_key_t *key,
                                         const char *agreement,
                                         const char *guarantee,
                                         uint64_t trigger, parley_pam_t status,
                                         parley_diags_t *diags)
{
    char state[32] = "";
    unsigned required = 1;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT g.state, a.periods_required FROM guarantees g JOIN agreements "
        "a ON a.id = g.agreement WHERE g.agreement = ? AND g.id = ?",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, agreement, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, guarantee, -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            snprintf(state, sizeof state, "%s", sqlite3_column_text(q, 0));
            required = (unsigned)sqlite3_column_int(q, 1);
            rc = SQLITE_DONE;
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot read the guarantee");
    /* Only a provisional guarantee moves; the others are final. */
    if (strcmp(state, "provisional") != 0)
        return PARLEY_OK;
    if (status == PARLEY_PAM_BREACHED) {
        uint64_t ev = trigger;
        return transition(s, key, agreement, guarantee, "invoked", 0, required,
                          &ev, 1, diags);
    }
    lifecycle_t l;
    memset(&l, 0, sizeof l);
    parley_status_t st = load(s, agreement, guarantee, &l, diags);
    unsigned streak = 0;
    size_t last = 0, evaluated = 0; /* periods [0, evaluated) are decided */
    if (st == PARLEY_OK) {
        for (size_t i = 0; i < l.np; i++) {
            int met = period_met(&l, l.p[i].date);
            if (met < 0)
                break;
            streak = met ? streak + 1 : 0;
            last = i;
            evaluated = i + 1;
        }
    }
    const char *to = NULL;
    if (st == PARLEY_OK && evaluated > 0 && streak >= required)
        to = "permanent";
    else if (st == PARLEY_OK && evaluated == l.np && l.np > 0)
        to = "lapsed";
    if (st == PARLEY_OK) {
        rc = sqlite3_prepare_v2(s->db,
                                "UPDATE guarantees SET streak = ? WHERE "
                                "agreement = ? AND id = ?",
                                -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int(q, 1, (int)streak);
            sqlite3_bind_text(q, 2, agreement, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, guarantee, -1, SQLITE_STATIC);
            rc = sqlite3_step(q);
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            st = parley__monitor_db_fail(s, diags, rc,
                                         "cannot update the guarantee");
    }
    if (st == PARLEY_OK && to) {
        /* Evidence: the verifications of the deciding periods (the last N
         * good ones, or the final one for a lapse). */
        size_t first = strcmp(to, "permanent") == 0 ? last + 1 - required
                                                     : last;
        uint64_t *ev = parley_calloc(l.nv ? l.nv : 1, sizeof *ev);
        size_t n_ev = 0;
        if (!ev) {
            st = PARLEY_ENOMEM;
        } else {
            for (size_t i = 0; i < l.nv; i++)
                for (size_t p = first; p <= last; p++)
                    if (strcmp(l.v[i].period, l.p[p].date) == 0) {
                        ev[n_ev++] = l.v[i].entry;
                        break;
                    }
            st = transition(s, key, agreement, guarantee, to, streak, required,
                            ev, n_ev, diags);
        }
        parley_free(ev);
    }
    lifecycle_free(&l);
    return st;
}
