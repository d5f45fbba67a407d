/*
 * consequence.c - consequences of noncompliance written into an agreement
 * (public notice, suspension of a guarantee's benefit, a review session),
 * and their application when their trigger is met.
 *
 * A consequence watches one commitment, or one guarantee (then any
 * commitment backing it).  Its trigger is read from the agreement's status
 * as of a day (status.c), inside the write transaction that applies it, so
 * the status that decided it and the "consequence.applied" entry recording
 * it are one snapshot.  A consequence applies once: its row keeps the entry
 * that applied it.
 */
#include <stdio.h>
#include <string.h>

#include "monitor/monitor_internal.h"
#include "parley/alloc.h"
#include "scenario/scenario_internal.h"

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

/* 1 when `sql` with the two text parameters returns a row; -1 on error. */
static int exists2(parley_store_t *s, const char *sql, const char *a,
                   const char *b)
{
    sqlite3_stmt *q = NULL;
    int found = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, a, -1, SQLITE_STATIC);
        if (b)
            sqlite3_bind_text(q, 2, b, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(q);
    return found;
}

static parley_status_t check_spec(const parley_consequence_spec_t *c,
                                  parley_diags_t *diags)
{
    const char *names[] = {c->agreement, c->id, c->target};
    const char *fields[] = {"agreement", "id", "target"};
    for (int i = 0; i < 3; i++)
        if (!names[i] || !parley__name_valid(names[i], strlen(names[i])))
            return parley__monitor_fail(
                diags, PARLEY_EINVALID, fields[i],
                "expected an id of 1..64 characters of A-Z a-z 0-9 . _ -, "
                "found '%s'",
                names[i] ? names[i] : "(none)");
    if ((unsigned)c->kind > PARLEY_CONSEQUENCE_REVIEW)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "kind",
                                    "expected notice, suspension or review");
    if ((unsigned)c->trigger > PARLEY_TRIGGER_OVERDUE)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "trigger",
                                    "expected breached, disputed or overdue");
    if (c->trigger == PARLEY_TRIGGER_BREACHED && c->threshold != 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "trigger",
                                    "'breached' takes no count, found %u",
                                    c->threshold);
    if (c->trigger == PARLEY_TRIGGER_DISPUTED &&
        (c->threshold < 1 || c->threshold > 1000))
        return parley__monitor_fail(diags, PARLEY_EINVALID, "trigger",
                                    "'disputed' needs a number of periods "
                                    "1..1000, found %u",
                                    c->threshold);
    if (c->trigger == PARLEY_TRIGGER_OVERDUE && c->threshold > 36500)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "trigger",
                                    "'overdue' needs a number of days "
                                    "0..36500, found %u",
                                    c->threshold);
    const char *sus = c->suspends;
    if (c->kind == PARLEY_CONSEQUENCE_SUSPENSION && !sus && c->on_guarantee)
        sus = c->target;
    if (c->kind == PARLEY_CONSEQUENCE_SUSPENSION && !sus)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "suspends",
                                    "a suspension on a commitment names the "
                                    "guarantee whose benefit it suspends");
    if (c->kind != PARLEY_CONSEQUENCE_SUSPENSION && sus)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "suspends",
                                    "only a suspension names a guarantee to "
                                    "suspend, this is a %s",
                                    parley_consequence_kind_name(c->kind));
    return PARLEY_OK;
}

static parley_status_t add_tx(parley_store_t *s, const parley_key_t *key,
                              const parley_consequence_spec_t *c,
                              const char *sus, uint64_t *seq_out,
                              parley_diags_t *diags)
{
    int f = exists2(s, "SELECT 1 FROM agreements WHERE id = ?", c->agreement,
                    NULL);
    if (f < 0)
        return parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                       "cannot read the agreements");
    if (!f)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "agreement",
                                    "unknown agreement '%s'", c->agreement);
    f = exists2(s,
                c->on_guarantee
                    ? "SELECT 1 FROM guarantees WHERE agreement = ? AND id = ?"
                    : "SELECT 1 FROM commitments WHERE agreement = ? AND id "
                      "= ?",
                c->agreement, c->target);
    if (f == 1 && sus)
        f = exists2(s,
                    "SELECT 1 FROM guarantees WHERE agreement = ? AND id = ?",
                    c->agreement, sus) == 1
                ? 1
                : 2;
    if (f < 0)
        return parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                       "cannot read the agreement");
    if (f == 0)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "target",
                                    "agreement '%s' has no %s '%s'",
                                    c->agreement,
                                    c->on_guarantee ? "guarantee"
                                                    : "commitment",
                                    c->target);
    if (f == 2)
        return parley__monitor_fail(diags, PARLEY_EINVALID, "suspends",
                                    "agreement '%s' has no guarantee '%s' "
                                    "to suspend",
                                    c->agreement, sus);
    f = exists2(s, "SELECT 1 FROM consequences WHERE agreement = ? AND id = ?",
                c->agreement, c->id);
    if (f < 0)
        return parley__monitor_db_fail(s, diags, sqlite3_errcode(s->db),
                                       "cannot read the consequences");
    if (f)
        return parley__monitor_fail(diags, PARLEY_EDUPLICATE, "id",
                                    "agreement '%s' already has a "
                                    "consequence '%s'",
                                    c->agreement, c->id);
    const char *tk = c->on_guarantee ? "guarantee" : "commitment";
    json_t *p = json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:s, s:{s:s, s:I}, s:s*}", "agreement",
        c->agreement, "consequence", c->id, "on", "kind", tk, "id", c->target,
        "kind", parley_consequence_kind_name(c->kind), "trigger", "kind",
        parley_consequence_trigger_name(c->trigger), "threshold",
        (json_int_t)c->threshold, "suspends", sus);
    uint64_t seq = 0;
    parley_status_t st =
        parley__monitor_append(s, key, "consequence.add", p, &seq, diags);
    sqlite3_stmt *q = NULL;
    if (st != PARLEY_OK)
        return st;
    int rc = sqlite3_prepare_v2(
        s->db,
        "INSERT INTO consequences(agreement, id, target_kind, target, kind, "
        "trigger, threshold, suspends, entry) VALUES (?,?,?,?,?,?,?,?,?)",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        bind_text(q, 1, c->agreement);
        bind_text(q, 2, c->id);
        bind_text(q, 3, tk);
        bind_text(q, 4, c->target);
        bind_text(q, 5, parley_consequence_kind_name(c->kind));
        bind_text(q, 6, parley_consequence_trigger_name(c->trigger));
        sqlite3_bind_int64(q, 7, c->threshold);
        bind_text(q, 8, sus);
        sqlite3_bind_int64(q, 9, (sqlite3_int64)seq);
        rc = sqlite3_step(q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot record the consequence");
    if (seq_out)
        *seq_out = seq;
    return PARLEY_OK;
}

static parley_status_t finish(parley_store_t *s, parley_status_t st,
                              parley_diags_t *diags)
{
    if (st == PARLEY_OK) {
        int rc = parley__store_exec(s, "COMMIT");
        if (rc != SQLITE_OK)
            st = parley__monitor_db_fail(s, diags, rc,
                                         "cannot commit the transaction");
    }
    if (st != PARLEY_OK)
        parley__store_exec(s, "ROLLBACK");
    return st;
}

parley_status_t parley__monitor_consequence_tx(
    parley_store_t *store, const parley_key_t *author,
    const parley_consequence_spec_t *c, uint64_t *seq, parley_diags_t *diags)
{
    parley__json_use_parley_alloc();
    if (!store || !author || !c)
        return parley__monitor_fail(diags, PARLEY_EARG, "",
                                    "store, author and consequence are "
                                    "required");
    parley_status_t st = check_spec(c, diags);
    if (st != PARLEY_OK)
        return st;
    const char *sus = c->suspends;
    if (c->kind == PARLEY_CONSEQUENCE_SUSPENSION && !sus)
        sus = c->target;
    return add_tx(store, author, c, sus, seq, diags);
}

parley_status_t parley_monitor_consequence(parley_store_t *store,
                                           const parley_key_t *author,
                                           const parley_consequence_spec_t *c,
                                           uint64_t *seq,
                                           parley_diags_t *diags)
{
    parley__json_use_parley_alloc();
    if (!store || !author || !c)
        return parley__monitor_fail(diags, PARLEY_EARG, "",
                                    "store, author and consequence are "
                                    "required");
    parley_status_t st = check_spec(c, diags);
    if (st != PARLEY_OK)
        return st;
    int rc = parley__store_exec(store, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return parley__monitor_db_fail(store, diags, rc,
                                       "cannot start the transaction");
    return finish(store,
                  parley__monitor_consequence_tx(store, author, c, seq, diags),
                  diags);
}

/* ---- triggers --------------------------------------------------------- */

/* 1 when commitment cs meets the trigger as of as_of. */
static int commitment_meets(const parley_commitment_status_t *cs,
                            const parley_consequence_status_t *k,
                            const char *as_of)
{
    switch (k->trigger) {
    case PARLEY_TRIGGER_BREACHED:
        return cs->breached;
    case PARLEY_TRIGGER_DISPUTED: {
        if (cs->n_periods < k->threshold)
            return 0;
        for (size_t i = cs->n_periods - k->threshold; i < cs->n_periods; i++)
            if (cs->periods[i].effective != PARLEY_PAM_DISPUTED)
                return 0;
        return 1;
    }
    case PARLEY_TRIGGER_OVERDUE: {
        parley__date_t due, day;
        if (!parley__date_parse(cs->due, &due) ||
            !parley__date_parse(as_of, &day))
            return 0;
        return cs->current != PARLEY_PAM_FULL &&
               parley__date_days(day) - parley__date_days(due) >=
                   (long)k->threshold &&
               parley__date_days(day) > parley__date_days(due);
    }
    }
    return 0;
}

/* The commitments that set it off (ids into *met, n returned). */
static size_t triggered(const parley_monitor_status_t *st,
                        const parley_consequence_status_t *k,
                        const char **met)
{
    size_t n = 0;
    for (size_t i = 0; i < st->n_commitments; i++) {
        const parley_commitment_status_t *cs = &st->commitments[i];
        int watched = k->on_guarantee
                          ? cs->guarantee && strcmp(cs->guarantee, k->target) == 0
                          : strcmp(cs->id, k->target) == 0;
        if (watched && commitment_meets(cs, k, st->as_of))
            met[n++] = cs->id;
    }
    return n;
}

static parley_status_t apply_one(parley_store_t *s, const parley_key_t *key,
                                 const parley_monitor_status_t *st,
                                 const parley_consequence_status_t *k,
                                 const char **met, size_t n_met,
                                 parley_diags_t *diags)
{
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < n_met; i++)
        if (json_array_append_new(ids, json_string(met[i])) != 0) {
            json_decref(ids);
            ids = NULL;
        }
    json_t *p =
        ids ? json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:{s:s, s:I}, s:s*, "
                        "s:s, s:O}",
                        "agreement", st->agreement, "consequence", k->id, "on",
                        "kind", k->on_guarantee ? "guarantee" : "commitment",
                        "id", k->target, "kind",
                        parley_consequence_kind_name(k->kind), "trigger",
                        "kind", parley_consequence_trigger_name(k->trigger),
                        "threshold", (json_int_t)k->threshold, "suspends",
                        k->suspends, "as_of", st->as_of, "commitments", ids)
            : NULL;
    json_decref(ids);
    uint64_t seq = 0;
    parley_status_t rs =
        parley__monitor_append(s, key, "consequence.applied", p, &seq, diags);
    if (rs != PARLEY_OK)
        return rs;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        s->db,
        "UPDATE consequences SET applied = ?, applied_by = ?, applied_as_of "
        "= ? WHERE agreement = ? AND id = ? AND applied IS NULL",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)seq);
        bind_text(q, 2, parley_key_actor(key));
        bind_text(q, 3, st->as_of);
        bind_text(q, 4, st->agreement);
        bind_text(q, 5, k->id);
        rc = sqlite3_step(q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return parley__monitor_db_fail(s, diags, rc,
                                       "cannot record the consequence");
    return PARLEY_OK;
}

parley_status_t parley__consequences_enforce(parley_store_t *s,
                                             const parley_key_t *key,
                                             const char *agreement,
                                             const char *as_of,
                                             size_t *n_applied,
                                             parley_diags_t *diags)
{
    parley_monitor_status_t *st = NULL;
    size_t applied = 0;
    parley_status_t rs = parley__monitor_read(s, agreement, as_of, &st, diags);
    if (rs != PARLEY_OK)
        return rs;
    const char **met =
        st->n_commitments
            ? parley_calloc(st->n_commitments, sizeof *met)
            : NULL;
    if (st->n_commitments && !met)
        rs = PARLEY_ENOMEM;
    for (size_t i = 0; rs == PARLEY_OK && i < st->n_consequences; i++) {
        const parley_consequence_status_t *k = &st->consequences[i];
        if (k->applied)
            continue;
        size_t n = triggered(st, k, met);
        if (n == 0)
            continue;
        rs = apply_one(s, key, st, k, met, n, diags);
        applied += rs == PARLEY_OK;
    }
    parley_free(met);
    parley_monitor_status_free(st);
    if (rs == PARLEY_OK && n_applied)
        *n_applied = applied;
    return rs;
}

/* The arguments of an enforcement, checked before anything is read. */
static parley_status_t enforce_args(parley_store_t *store,
                                    const parley_key_t *author,
                                    const char *agreement, const char *as_of,
                                    parley_diags_t *diags)
{
    parley__json_use_parley_alloc();
    if (!store || !author || !agreement)
        return parley__monitor_fail(diags, PARLEY_EARG, "",
                                    "store, author and agreement are "
                                    "required");
    if (!parley_date_valid(as_of))
        return parley__monitor_fail(diags, PARLEY_EINVALID, "as_of",
                                    "expected a day as YYYY-MM-DD, found '%s'",
                                    as_of ? as_of : "(none)");
    return PARLEY_OK;
}

/* The enforcement itself, inside the caller's transaction. */
static parley_status_t enforce_in_tx(parley_store_t *store,
                                     const parley_key_t *author,
                                     const char *agreement, const char *as_of,
                                     size_t *n_applied, parley_diags_t *diags)
{
    int f = exists2(store, "SELECT 1 FROM agreements WHERE id = ?", agreement,
                    NULL);
    return f < 0 ? parley__monitor_db_fail(store, diags,
                                           sqlite3_errcode(store->db),
                                           "cannot read the agreements")
           : f == 0
               ? parley__monitor_fail(diags, PARLEY_EINVALID, "agreement",
                                      "unknown agreement '%s'", agreement)
               : parley__consequences_enforce(store, author, agreement, as_of,
                                              n_applied, diags);
}

parley_status_t parley__monitor_enforce_tx(parley_store_t *store,
                                           const parley_key_t *author,
                                           const char *agreement,
                                           const char *as_of,
                                           size_t *n_applied,
                                           parley_diags_t *diags)
{
    parley_status_t st = enforce_args(store, author, agreement, as_of, diags);
    return st != PARLEY_OK ? st
                           : enforce_in_tx(store, author, agreement, as_of,
                                           n_applied, diags);
}

parley_status_t parley_monitor_enforce(parley_store_t *store,
                                       const parley_key_t *author,
                                       const char *agreement,
                                       const char *as_of, size_t *n_applied,
                                       parley_diags_t *diags)
{
    parley_status_t st = enforce_args(store, author, agreement, as_of, diags);
    if (st != PARLEY_OK)
        return st;
    int rc = parley__store_exec(store, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return parley__monitor_db_fail(store, diags, rc,
                                       "cannot start the transaction");
    return finish(store,
                  enforce_in_tx(store, author, agreement, as_of, n_applied,
                                diags),
                  diags);
}
