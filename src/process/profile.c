/*
 * profile.c - party profiles as the process handles them.
 *
 * A session hands each driver a deep copy of its own profile (never a
 * pointer into the scenario, whose parties sit side by side), lets it fill
 * a disclosure, and must then tell whether the disclosure is the truth (the
 * shared plan's model serves it) and whether it is usable at all (a driver
 * is outside code: its disclosure is checked like user input).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "process/process_internal.h"

static void *dup_array(const void *src, size_t n, size_t size, int *bad)
{
    if (!src || n == 0)
        return NULL;
    void *d = parley_calloc(n, size);
    if (!d) {
        *bad = 1;
        return NULL;
    }
    memcpy(d, src, n * size);
    return d;
}

parley_status_t parley__party_copy(parley_party_t *dst,
                                   const parley_party_t *src, size_t n_issues)
{
    memset(dst, 0, sizeof *dst);
    int bad = 0;
    dst->role = src->role;
    dst->power = src->power;
    dst->reservation = src->reservation;
    dst->discount = src->discount;
    if (src->id && !(dst->id = parley_strdup(src->id)))
        bad = 1;
    if (src->name && !(dst->name = parley_strdup(src->name)))
        bad = 1;
    if (!bad && src->weights)
        dst->weights = dup_array(src->weights, n_issues, sizeof(double), &bad);
    if (!bad && src->values) {
        dst->values = parley_calloc(n_issues ? n_issues : 1,
                                    sizeof *dst->values);
        if (!dst->values)
            bad = 1;
        for (size_t k = 0; !bad && k < n_issues; k++) {
            const parley_value_fn_t *f = &src->values[k];
            parley_value_fn_t *g = &dst->values[k];
            *g = *f;
            g->table = dup_array(f->table, f->n_table, sizeof(double), &bad);
            g->xs = dup_array(f->xs, f->n_points, sizeof(double), &bad);
            g->ys = dup_array(f->ys, f->n_points, sizeof(double), &bad);
        }
    }
    if (!bad && src->n_red_lines && src->red_lines) {
        dst->red_lines =
            parley_calloc(src->n_red_lines, sizeof *dst->red_lines);
        if (!dst->red_lines)
            bad = 1;
        for (size_t r = 0; !bad && r < src->n_red_lines; r++) {
            const parley_red_line_t *a = &src->red_lines[r];
            parley_red_line_t *b = &dst->red_lines[r];
            *b = *a;
            b->options = NULL;
            b->note = NULL;
            dst->n_red_lines = r + 1;
            b->options =
                dup_array(a->options, a->n_options, sizeof(size_t), &bad);
            if (!b->options)
                b->n_options = bad ? 0 : a->n_options;
            if (a->note && !(b->note = parley_strdup(a->note)))
                bad = 1;
        }
    }
    if (bad) {
        parley__party_clear(dst, n_issues);
        return PARLEY_ENOMEM;
    }
    return PARLEY_OK;
}

int parley__profile_equal(const parley_party_t *a, const parley_party_t *b,
                          const parley_scenario_t *sc)
{
    size_t K = sc->n_issues;
    if (a->reservation != b->reservation || a->n_red_lines != b->n_red_lines)
        return 0;
    for (size_t k = 0; k < K; k++) {
        double wa = a->weights ? a->weights[k] : 0;
        double wb = b->weights ? b->weights[k] : 0;
        if (wa != wb)
            return 0;
        if ((a->values == NULL) != (b->values == NULL))
            return 0;
        if (a->values && !parley__value_fn_equal(&a->values[k], &b->values[k]))
            return 0;
    }
    for (size_t r = 0; r < a->n_red_lines; r++) {
        const parley_red_line_t *x = &a->red_lines[r], *y = &b->red_lines[r];
        if (x->issue != y->issue || x->op != y->op || x->value != y->value ||
            x->n_options != y->n_options)
            return 0;
        for (size_t m = 0; m < x->n_options; m++)
            if (x->options[m] != y->options[m])
                return 0;
    }
    return 1;
}

int parley__profile_usable(const parley_party_t *p,
                           const parley_scenario_t *sc, char *why,
                           size_t size)
{
    size_t K = sc->n_issues;
    if (!isfinite(p->reservation)) {
        snprintf(why, size, "the reservation is not a finite number");
        return 0;
    }
    if (!p->weights || !p->values) {
        snprintf(why, size, "no weights or value functions");
        return 0;
    }
    for (size_t k = 0; k < K; k++) {
        const parley_issue_t *is = &sc->issues[k];
        const parley_value_fn_t *f = &p->values[k];
        if (!isfinite(p->weights[k]) || p->weights[k] < 0) {
            snprintf(why, size, "the weight of issue '%s' is not a finite "
                                "number >= 0",
                     is->id);
            return 0;
        }
        int ok = 1;
        switch (f->kind) {
        case PARLEY_VALUE_NONE:
            break;
        case PARLEY_VALUE_TABLE:
            ok = f->table && f->n_table == is->n_options;
            for (size_t j = 0; ok && j < f->n_table; j++)
                ok = isfinite(f->table[j]);
            break;
        case PARLEY_VALUE_LINEAR:
            ok = isfinite(f->offset) && isfinite(f->slope) &&
                 isfinite(f->origin);
            break;
        case PARLEY_VALUE_PIECEWISE:
            ok = f->n_points > 0 && f->xs && f->ys;
            for (size_t t = 0; ok && t < f->n_points; t++)
                ok = isfinite(f->xs[t]) && isfinite(f->ys[t]) &&
                     (t == 0 || f->xs[t] > f->xs[t - 1]);
            break;
        case PARLEY_VALUE_IDEAL:
            ok = isfinite(f->ideal) && isfinite(f->scale) && f->scale > 0 &&
                 (unsigned)f->loss <= PARLEY_LOSS_QUADRATIC;
            break;
        default:
            ok = 0;
        }
        if (!ok) {
            snprintf(why, size, "the value function of issue '%s' is not "
                                "well formed",
                     is->id);
            return 0;
        }
    }
    if (p->n_red_lines && !p->red_lines) {
        snprintf(why, size, "red lines announced but absent");
        return 0;
    }
    for (size_t r = 0; r < p->n_red_lines; r++) {
        const parley_red_line_t *rl = &p->red_lines[r];
        int ok = rl->issue < K && (unsigned)rl->op <= PARLEY_CMP_NOT_IN;
        if (ok && sc->issues[rl->issue].kind == PARLEY_ISSUE_DISCRETE) {
            ok = parley__cmp_fits(PARLEY_ISSUE_DISCRETE, rl->op) &&
                 rl->n_options > 0 && rl->options;
            for (size_t m = 0; ok && m < rl->n_options; m++)
                ok = rl->options[m] < sc->issues[rl->issue].n_options;
        } else if (ok) {
            ok = parley__cmp_fits(sc->issues[rl->issue].kind, rl->op) &&
                 isfinite(rl->value);
        }
        if (!ok) {
            snprintf(why, size, "red line #%zu is not well formed", r);
            return 0;
        }
    }
    return 1;
}
