/*
 * output.c - a finished study: its accessors, and its rows and summaries
 * written as CSV and JSON (docs/study.md gives both formats).
 *
 * Both outputs are reproducible byte for byte: rows in the order scenario,
 * design, seed; numbers as the shortest decimal that reads back; nothing
 * from the clock (the run's wall time is only in parley_study_seconds()).
 */
#include <math.h>
#include <string.h>

#include "parley/alloc.h"
#include "scenario/scenario_internal.h"
#include "study/study_internal.h"
#include "study/study_result.h"

/* ---- the result object ------------------------------------------------ */

void parley_study_free(parley_study_t *st)
{
    if (!st)
        return;
    for (size_t s = 0; st->scenarios && s < st->n_scenarios; s++)
        parley_free(st->scenarios[s].name);
    for (size_t d = 0; st->designs && d < st->n_designs; d++) {
        parley__study_design_t *de = &st->designs[d];
        parley_free(de->name);
        for (size_t q = 0; de->party_ids && q < de->factors.strategies.n_assign;
             q++)
            parley_free(de->party_ids[q]);
        parley_free(de->party_ids);
        parley_free(de->kinds);
    }
    parley_free(st->scenarios);
    parley_free(st->designs);
    parley_free(st->rows);
    parley_free(st->summaries);
    parley_free(st);
}

parley_study_t *parley__study_new(const parley_study_spec_t *sp)
{
    parley_study_t *st = parley_calloc(1, sizeof *st);
    if (!st)
        return NULL;
    size_t S = sp->n_scenarios, D = sp->n_designs, N = sp->n_seeds;
    st->n_scenarios = S;
    st->n_designs = D;
    st->n_seeds = N;
    st->first_seed = sp->first_seed;
    st->baseline = sp->baseline != 0;
    st->periods = sp->periods;
    st->breach_base = sp->breach_base;
    st->scenarios = parley_calloc(S, sizeof *st->scenarios);
    st->designs = parley_calloc(D, sizeof *st->designs);
    st->rows = parley_calloc(S * D * N, sizeof *st->rows);
    st->summaries = parley_calloc(D, sizeof *st->summaries);
    if (!st->scenarios || !st->designs || !st->rows || !st->summaries)
        goto oom;
    for (size_t s = 0; s < S; s++) {
        const char *name = sp->names && sp->names[s] ? sp->names[s]
                           : sp->scenarios[s]->name ? sp->scenarios[s]->name
                                                    : "";
        st->scenarios[s].name = parley_strdup(name);
        st->scenarios[s].pn_skew = NAN;
        if (!st->scenarios[s].name)
            goto oom;
    }
    for (size_t d = 0; d < D; d++) {
        parley__study_design_t *de = &st->designs[d];
        const parley_study_design_t *src = &sp->designs[d];
        de->factors = *src;
        de->factors.strategies.n_assign = 0;
        de->name = parley_strdup(src->name);
        if (!de->name)
            goto oom;
        de->factors.name = de->name;
        size_t n = src->strategies.n_assign;
        if (n) {
            de->party_ids = parley_calloc(n, sizeof *de->party_ids);
            de->kinds = parley_calloc(n, sizeof *de->kinds);
            if (!de->party_ids || !de->kinds)
                goto oom;
            for (size_t q = 0; q < n; q++) {
                de->party_ids[q] = parley_strdup(src->strategies.party_ids[q]);
                de->kinds[q] = src->strategies.kinds[q];
                de->factors.strategies.n_assign = q + 1;
                if (!de->party_ids[q])
                    goto oom;
            }
        }
        de->factors.strategies.party_ids = (const char *const *)de->party_ids;
        de->factors.strategies.kinds = de->kinds;
    }
    return st;
oom:
    parley_study_free(st);
    return NULL;
}

size_t parley_study_n_rows(const parley_study_t *st)
{
    return st ? st->n_scenarios * st->n_designs * st->n_seeds : 0;
}

const parley_study_row_t *parley_study_row(const parley_study_t *st,
                                           size_t i)
{
    return st && i < parley_study_n_rows(st) ? &st->rows[i] : NULL;
}

size_t parley_study_n_designs(const parley_study_t *st)
{
    return st ? st->n_designs : 0;
}

const char *parley_study_design_name(const parley_study_t *st, size_t d)
{
    return st && d < st->n_designs ? st->designs[d].name : NULL;
}

size_t parley_study_n_scenarios(const parley_study_t *st)
{
    return st ? st->n_scenarios : 0;
}

const char *parley_study_scenario_name(const parley_study_t *st, size_t s)
{
    return st && s < st->n_scenarios ? st->scenarios[s].name : NULL;
}

const parley_study_summary_t *parley_study_summary(const parley_study_t *st,
                                                   size_t design)
{
    return st && design < st->n_designs ? &st->summaries[design] : NULL;
}

unsigned parley_study_periods(const parley_study_t *st)
{
    return st ? st->periods : 0;
}

double parley_study_seconds(const parley_study_t *st)
{
    return st ? st->seconds : 0;
}

/* ---- CSV --------------------------------------------------------------- */

static void csv_text(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* ",number", or "," alone for a number that is not there. */
static void csv_num(FILE *out, double x)
{
    char buf[40];
    fputc(',', out);
    if (parley__format_double(x, buf, sizeof buf) >= 0)
        fputs(buf, out);
}

static void csv_metrics(FILE *out, const parley_study_metrics_t *m)
{
    if (m->agreement < 0) {
        fputs(",,,,,,,", out);
        return;
    }
    fprintf(out, ",%d,%u", m->agreement != 0, m->rounds);
    csv_num(out, m->efficiency);
    csv_num(out, m->min_norm_gain);
    csv_num(out, m->gini);
    csv_num(out, m->power_skew);
    csv_num(out, m->has_offset ? m->offset : NAN);
}

parley_status_t parley_study_write_csv(const parley_study_t *st, FILE *out)
{
    if (!st || !out)
        return PARLEY_EARG;
    fputs("scenario,design,seed,agreement,rounds,efficiency,min_norm_gain,"
          "gini,power_skew,offset,vetoes_valid,vetoes_refused,concessions,"
          "baseline_agreement,baseline_rounds,baseline_efficiency,"
          "baseline_min_norm_gain,baseline_gini,baseline_power_skew,"
          "baseline_offset",
          out);
    /* Durability columns only when the study followed implementation, so
     * that a study without it writes what it always did. */
    fputs(st->periods ? ",standing,periods_kept\n" : "\n", out);
    size_t n = parley_study_n_rows(st);
    for (size_t i = 0; i < n; i++) {
        const parley_study_row_t *r = &st->rows[i];
        csv_text(out, st->scenarios[r->scenario].name);
        fputc(',', out);
        csv_text(out, st->designs[r->design].name);
        fprintf(out, ",%llu", (unsigned long long)r->seed);
        csv_metrics(out, &r->mediated);
        fprintf(out, ",%u,%u,%u", r->vetoes_valid, r->vetoes_refused,
                r->concessions);
        csv_metrics(out, &r->baseline);
        if (st->periods) {
            if (r->standing >= 0)
                fprintf(out, ",%d,%u", r->standing, r->periods_kept);
            else
                fputs(",,", out);
        }
        fputc('\n', out);
    }
    return fflush(out) == 0 && !ferror(out) ? PARLEY_OK : PARLEY_EIO;
}

/* ---- JSON -------------------------------------------------------------- */

static void json_interval(parley__sb_t *b, const parley_interval_t *iv)
{
    parley__sb_raw(b, "{");
    parley__sb_key(b, "n");
    parley__sb_uint(b, iv->n);
    parley__sb_key(b, "mean");
    parley__sb_num(b, iv->mean);
    parley__sb_key(b, "lo");
    parley__sb_num(b, iv->lo);
    parley__sb_key(b, "hi");
    parley__sb_num(b, iv->hi);
    parley__sb_raw(b, "}");
}

static void json_side(parley__sb_t *b, const parley_interval_t *iv)
{
    parley__sb_raw(b, "{");
    for (int k = 0; k < PARLEY_STUDY_STAT_COUNT; k++) {
        parley__sb_key(b, parley_study_stat_name((parley_study_stat_t)k));
        json_interval(b, &iv[k]);
    }
    parley__sb_raw(b, "}");
}

static void json_factors(parley__sb_t *b, const parley_study_design_t *f)
{
    parley__sb_raw(b, "{");
    if (f->set & PARLEY_STUDY_SET_CHANNELS) {
        parley__sb_key(b, "private_channels");
        parley__sb_bool(b, f->private_channels);
    }
    if (f->set & PARLEY_STUDY_SET_GUARANTEES) {
        parley__sb_key(b, "guarantees");
        parley__sb_bool(b, f->guarantees);
    }
    if (f->set & PARLEY_STUDY_SET_AGENDA) {
        parley__sb_key(b, "agenda");
        parley__sb_str(b, parley_agenda_policy_name(f->agenda));
    }
    if (f->set & PARLEY_STUDY_SET_WORKING_GROUPS) {
        parley__sb_key(b, "working_groups");
        parley__sb_bool(b, f->working_groups);
    }
    if (f->set & PARLEY_STUDY_SET_PILOTS) {
        parley__sb_key(b, "pilots");
        parley__sb_bool(b, f->pilots);
    }
    if (f->set & PARLEY_STUDY_SET_LAMBDA) {
        parley__sb_key(b, "lambda");
        parley__sb_num(b, f->lambda);
    }
    if (f->set & PARLEY_STUDY_SET_VETO_BUDGET) {
        parley__sb_key(b, "veto_budget");
        parley__sb_uint(b, f->veto_budget);
    }
    if (f->set & PARLEY_STUDY_SET_VETO_WINDOW) {
        parley__sb_key(b, "veto_window");
        parley__sb_uint(b, f->veto_window);
    }
    if (f->set & PARLEY_STUDY_SET_MONITORING) {
        parley__sb_key(b, "monitoring");
        parley__sb_num(b, f->monitoring);
    }
    parley__sb_key(b, "strategies");
    parley__sb_raw(b, "{");
    parley__sb_key(b, "all");
    parley__sb_str(b, parley_strategy_name(f->strategies.all));
    for (size_t q = 0; q < f->strategies.n_assign; q++) {
        parley__sb_key(b, f->strategies.party_ids[q]);
        parley__sb_str(b, parley_strategy_name(f->strategies.kinds[q]));
    }
    parley__sb_raw(b, "}}");
}

static void json_row_side(parley__sb_t *b, const parley_study_metrics_t *m)
{
    if (m->agreement < 0) {
        parley__sb_raw(b, "null");
        return;
    }
    parley__sb_raw(b, "{");
    parley__sb_metrics(b, m, 1);
    parley__sb_raw(b, "}");
}

/* Writes and empties the buffer; 0 on success. */
static int flush_sb(parley__sb_t *b, FILE *out)
{
    if (b->oom)
        return -1;
    if (b->len && fwrite(b->s, 1, b->len, out) != b->len)
        return -1;
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
    return 0;
}

parley_status_t parley_study_write_json(const parley_study_t *st, FILE *out)
{
    if (!st || !out)
        return PARLEY_EARG;
    parley__sb_t b;
    memset(&b, 0, sizeof b);
    int bad = 0;
    parley__sb_raw(&b, "{\n");
    parley__sb_key(&b, "version");
    parley__sb_raw(&b, "1");
    parley__sb_raw(&b, ",\n");
    parley__sb_key(&b, "seeds");
    parley__sb_raw(&b, "{");
    parley__sb_key(&b, "first");
    parley__sb_uint(&b, st->first_seed);
    parley__sb_key(&b, "count");
    parley__sb_uint(&b, st->n_seeds);
    parley__sb_raw(&b, "},\n");
    parley__sb_key(&b, "baseline");
    parley__sb_bool(&b, st->baseline);
    if (st->periods) {
        parley__sb_raw(&b, ",\n");
        parley__sb_key(&b, "implementation");
        parley__sb_raw(&b, "{");
        parley__sb_key(&b, "periods");
        parley__sb_uint(&b, st->periods);
        parley__sb_key(&b, "breach_base");
        parley__sb_num(&b, st->breach_base);
        parley__sb_raw(&b, "}");
    }
    parley__sb_raw(&b, ",\n\"scenarios\":[");
    for (size_t s = 0; s < st->n_scenarios; s++) {
        const parley__study_scenario_t *sc = &st->scenarios[s];
        parley__sb_raw(&b, s ? ",\n  {" : "\n  {");
        parley__sb_key(&b, "name");
        parley__sb_str(&b, sc->name);
        parley__sb_key(&b, "parties");
        parley__sb_uint(&b, sc->parties);
        parley__sb_key(&b, "issues");
        parley__sb_uint(&b, sc->issues);
        parley__sb_key(&b, "packages");
        parley__sb_num(&b, sc->packages);
        parley__sb_key(&b, "power_nash_skew");
        parley__sb_num(&b, sc->has_pn ? sc->pn_skew : NAN);
        parley__sb_raw(&b, "}");
    }
    parley__sb_raw(&b, "],\n\"designs\":[");
    for (size_t d = 0; d < st->n_designs; d++) {
        const parley__study_design_t *de = &st->designs[d];
        const parley_study_summary_t *su = &st->summaries[d];
        parley__sb_raw(&b, d ? ",\n  {" : "\n  {");
        parley__sb_key(&b, "name");
        parley__sb_str(&b, de->name);
        parley__sb_key(&b, "factors");
        json_factors(&b, &de->factors);
        parley__sb_key(&b, "sessions");
        parley__sb_uint(&b, su->sessions);
        parley__sb_key(&b, "mediated");
        json_side(&b, su->mediated);
        parley__sb_key(&b, "baseline");
        if (st->baseline)
            json_side(&b, su->baseline);
        else
            parley__sb_raw(&b, "null");
        if (st->periods) {
            parley__sb_key(&b, "durability");
            json_interval(&b, &su->durability);
            parley__sb_key(&b, "periods_kept");
            json_interval(&b, &su->periods_kept);
        }
        parley__sb_raw(&b, "}");
    }
    parley__sb_raw(&b, "],\n\"sessions\":[");
    bad |= flush_sb(&b, out);
    size_t n = parley_study_n_rows(st);
    for (size_t i = 0; i < n && !bad; i++) {
        const parley_study_row_t *r = &st->rows[i];
        parley__sb_raw(&b, i ? ",\n  {" : "\n  {");
        parley__sb_key(&b, "scenario");
        parley__sb_str(&b, st->scenarios[r->scenario].name);
        parley__sb_key(&b, "design");
        parley__sb_str(&b, st->designs[r->design].name);
        parley__sb_key(&b, "seed");
        parley__sb_uint(&b, r->seed);
        parley__sb_key(&b, "mediated");
        json_row_side(&b, &r->mediated);
        parley__sb_key(&b, "vetoes_valid");
        parley__sb_uint(&b, r->vetoes_valid);
        parley__sb_key(&b, "vetoes_refused");
        parley__sb_uint(&b, r->vetoes_refused);
        parley__sb_key(&b, "concessions");
        parley__sb_uint(&b, r->concessions);
        parley__sb_key(&b, "baseline");
        json_row_side(&b, &r->baseline);
        if (st->periods) {
            parley__sb_key(&b, "standing");
            if (r->standing >= 0)
                parley__sb_bool(&b, r->standing);
            else
                parley__sb_raw(&b, "null");
            parley__sb_key(&b, "periods_kept");
            if (r->standing >= 0)
                parley__sb_uint(&b, r->periods_kept);
            else
                parley__sb_raw(&b, "null");
        }
        parley__sb_raw(&b, "}");
        bad |= flush_sb(&b, out);
    }
    parley__sb_raw(&b, "\n]}\n");
    bad |= flush_sb(&b, out);
    int oom = b.oom;
    parley__sb_free(&b);
    if (oom)
        return PARLEY_ENOMEM;
    if (bad || fflush(out) != 0 || ferror(out))
        return PARLEY_EIO;
    return PARLEY_OK;
}
