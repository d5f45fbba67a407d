/*
 * scenario.c - lifetime of a scenario and evaluation of its value functions.
 *
 * Value functions are evaluated here and only here, so that the JSON reader,
 * the importers, the model compiler and the tests all agree on every number.
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/scenario.h"
#include "process/process_internal.h"
#include "scenario/scenario_internal.h"

parley_scenario_t *parley_scenario_new(void)
{
    parley_scenario_t *sc = parley_calloc(1, sizeof *sc);
    if (sc)
        sc->version = PARLEY_FORMAT_VERSION;
    return sc;
}

static void value_fn_clear(parley_value_fn_t *fn)
{
    parley_free(fn->table);
    parley_free(fn->xs);
    parley_free(fn->ys);
    memset(fn, 0, sizeof *fn);
}

void parley__party_clear(parley_party_t *p, size_t n_issues)
{
    if (!p)
        return;
    parley_free(p->id);
    parley_free(p->name);
    parley_free(p->weights);
    if (p->values) {
        for (size_t k = 0; k < n_issues; k++)
            value_fn_clear(&p->values[k]);
        parley_free(p->values);
    }
    for (size_t r = 0; r < p->n_red_lines && p->red_lines; r++) {
        parley_free(p->red_lines[r].options);
        parley_free(p->red_lines[r].note);
    }
    parley_free(p->red_lines);
    memset(p, 0, sizeof *p);
}

void parley_scenario_free(parley_scenario_t *sc)
{
    if (!sc)
        return;
    for (size_t k = 0; k < sc->n_issues; k++) {
        parley_issue_t *is = &sc->issues[k];
        parley_free(is->id);
        parley_free(is->name);
        parley_free(is->unit);
        if (is->options) {
            for (size_t j = 0; j < is->n_options; j++)
                parley_free(is->options[j]);
            parley_free(is->options);
        }
    }
    parley_free(sc->issues);
    for (size_t c = 0; c < sc->n_clusters; c++) {
        parley_free(sc->clusters[c].id);
        parley_free(sc->clusters[c].name);
        parley_free(sc->clusters[c].description);
        parley_free(sc->clusters[c].issues);
    }
    parley_free(sc->clusters);
    for (size_t i = 0; i < sc->n_parties; i++)
        parley__party_clear(&sc->parties[i], sc->n_issues);
    parley_free(sc->parties);
    parley_free(sc->name);
    parley_free(sc->description);
    parley_free(sc->source);
    parley__scenario_free_process(sc);
    parley_free(sc);
}

size_t parley_issue_grid_size(double min, double max, double resolution)
{
    if (!(resolution > 0) || !(max >= min) || !isfinite(min) ||
        !isfinite(max))
        return 0;
    double steps = floor((max - min) / resolution + 1e-9);
    /* Saturate instead of overflowing; the checker rejects anything past
     * PARLEY_MAX_OPTIONS anyway. */
    if (steps >= (double)PARLEY_MAX_OPTIONS * 16)
        return (size_t)PARLEY_MAX_OPTIONS * 16;
    return (size_t)steps + 1;
}

double parley_issue_option_number(const parley_issue_t *is, size_t j)
{
    if (is->kind == PARLEY_ISSUE_DISCRETE)
        return (double)j;
    return is->min + (double)j * is->resolution;
}

int parley_issue_option_label(const parley_issue_t *is, size_t j, char *buf,
                              size_t size)
{
    if (is->kind == PARLEY_ISSUE_DISCRETE)
        return snprintf(buf, size, "%s",
                        j < is->n_options && is->options ? is->options[j]
                                                         : "?");
    /* The same shortest form the writer uses, so labels match files. */
    return snprintf(buf, size, "%s",
                    parley__num(parley_issue_option_number(is, j)).s);
}

static double clamp01(double v)
{
    if (v < 0)
        return 0;
    if (v > 1)
        return 1;
    return v;
}

double parley_value_eval(const parley_value_fn_t *fn, const parley_issue_t *is,
                         size_t j)
{
    double x;
    switch (fn->kind) {
    case PARLEY_VALUE_NONE:
        return 0;
    case PARLEY_VALUE_TABLE:
        return j < fn->n_table ? fn->table[j] : 0;
    case PARLEY_VALUE_LINEAR:
        /* A flat function is its offset even where x - origin overflows
         * (0 * inf would be NaN); a steep one overflows to +-inf, which
         * the clamp handles. */
        if (fn->slope == 0)
            return clamp01(fn->offset);
        x = parley_issue_option_number(is, j);
        return clamp01(fn->offset + fn->slope * (x - fn->origin));
    case PARLEY_VALUE_PIECEWISE:
        if (fn->n_points == 0)
            return 0;
        x = parley_issue_option_number(is, j);
        if (x <= fn->xs[0])
            return fn->ys[0];
        for (size_t p = 1; p < fn->n_points; p++) {
            if (x <= fn->xs[p]) {
                double x0 = fn->xs[p - 1], x1 = fn->xs[p];
                double span = x1 - x0;
                /* Breakpoints far apart overflow the span; halves do not,
                 * and give the same ratio. */
                double t = isfinite(span) ? (x - x0) / span
                                          : (x / 2 - x0 / 2) / (x1 / 2 - x0 / 2);
                return clamp01(fn->ys[p - 1] + t * (fn->ys[p] - fn->ys[p - 1]));
            }
        }
        return fn->ys[fn->n_points - 1];
    case PARLEY_VALUE_IDEAL: {
        x = parley_issue_option_number(is, j);
        double d = fabs(x - fn->ideal) / fn->scale;
        double loss = fn->loss == PARLEY_LOSS_QUADRATIC ? d * d : d;
        return clamp01(1 - loss);
    }
    }
    return 0;
}

double parley_scenario_package_count(const parley_scenario_t *sc)
{
    double n = 1;
    for (size_t k = 0; k < sc->n_issues; k++)
        n *= (double)sc->issues[k].n_options;
    return n;
}

const char *parley_role_name(parley_role_t role)
{
    switch (role) {
    case PARLEY_ROLE_PARTY:
        return "party";
    case PARLEY_ROLE_GUARANTOR:
        return "guarantor";
    case PARLEY_ROLE_MONITOR:
        return "monitor";
    case PARLEY_ROLE_OBSERVER:
        return "observer";
    }
    return "?";
}

const char *parley_cmp_name(parley_cmp_t op)
{
    switch (op) {
    case PARLEY_CMP_EQ:
        return "==";
    case PARLEY_CMP_NE:
        return "!=";
    case PARLEY_CMP_LT:
        return "<";
    case PARLEY_CMP_LE:
        return "<=";
    case PARLEY_CMP_GT:
        return ">";
    case PARLEY_CMP_GE:
        return ">=";
    case PARLEY_CMP_IN:
        return "in";
    case PARLEY_CMP_NOT_IN:
        return "not in";
    }
    return "?";
}
