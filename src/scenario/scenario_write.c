/*
 * scenario_write.c - the v1 JSON scenario writer.
 *
 * Output is meant to be read by people and diffed: keys always in the order
 * of docs/scenario-format.md, two-space indentation, numbers as the shortest
 * decimal that reads back to the same double, strings escaped only where
 * JSON requires it (UTF-8 passes through).  Small leaf structures (an option
 * list, a utility entry, a red line) stay on one line when they fit in 100
 * columns; the scenario, its lists and each issue, cluster and party are
 * always broken out, so that a change to one of them is a change to a few
 * lines.
 *
 * The writer builds a jansson tree in that key order (jansson keeps
 * insertion order) and prints it itself, since jansson's own printer cannot
 * give shortest round-trip numbers.  Defaults are written out where they are
 * part of a function's meaning (a linear function's origin, an ideal point's
 * scale and loss) and left out where they are the absence of something (a
 * discount of 1, an optional name).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "parley/alloc.h"
#include "parley/rules.h"
#include "parley/scenario.h"
#include "scenario/scenario_internal.h"

#define WIDTH 100

/* ---- building the tree ------------------------------------------------ */

typedef struct wb {
    int oom;
} wb_t;

/*
 * Both take ownership of v (jansson releases it on failure) and mark the
 * build failed when anything is NULL or cannot be added.
 */
static void set(wb_t *w, json_t *obj, const char *key, json_t *v)
{
    if (json_object_set_new(obj, key, v) != 0)
        w->oom = 1;
}

static void push(wb_t *w, json_t *arr, json_t *v)
{
    if (json_array_append_new(arr, v) != 0)
        w->oom = 1;
}

static json_t *num(double x)
{
    return json_real(x);
}

static void set_str(wb_t *w, json_t *obj, const char *key, const char *s)
{
    if (s)
        set(w, obj, key, json_string(s));
}

static json_t *issue_json(wb_t *w, const parley_issue_t *is)
{
    json_t *o = json_object();
    set_str(w, o, "id", is->id);
    set_str(w, o, "name", is->name);
    set_str(w, o, "kind", parley__issue_kind_name(is->kind));
    if (is->kind == PARLEY_ISSUE_DISCRETE) {
        json_t *opts = json_array();
        for (size_t j = 0; j < is->n_options; j++)
            push(w, opts, json_string(is->options[j]));
        set(w, o, "options", opts);
    } else {
        set(w, o, "min", num(is->min));
        set(w, o, "max", num(is->max));
        if (is->kind == PARLEY_ISSUE_REAL)
            set(w, o, "resolution", num(is->resolution));
        set_str(w, o, "unit", is->unit);
    }
    return o;
}

static json_t *cluster_json(wb_t *w, const parley_scenario_t *sc,
                            const parley_cluster_t *cl)
{
    json_t *o = json_object();
    set_str(w, o, "id", cl->id);
    set_str(w, o, "name", cl->name);
    set_str(w, o, "description", cl->description);
    json_t *list = json_array();
    for (size_t m = 0; m < cl->n_issues; m++)
        push(w, list, json_string(sc->issues[cl->issues[m]].id));
    set(w, o, "issues", list);
    return o;
}

static json_t *entry_json(wb_t *w, const parley_issue_t *is, double weight,
                          const parley_value_fn_t *fn)
{
    json_t *o = json_object();
    json_t *f;
    set(w, o, "weight", num(weight));
    switch (fn->kind) {
    case PARLEY_VALUE_NONE:
        break;
    case PARLEY_VALUE_TABLE:
        f = json_object();
        for (size_t j = 0; j < fn->n_table; j++)
            set(w, f, is->options[j], num(fn->table[j]));
        set(w, o, "table", f);
        break;
    case PARLEY_VALUE_LINEAR:
        f = json_object();
        set(w, f, "offset", num(fn->offset));
        set(w, f, "slope", num(fn->slope));
        set(w, f, "origin", num(fn->origin));
        set(w, o, "linear", f);
        break;
    case PARLEY_VALUE_PIECEWISE:
        f = json_array();
        for (size_t p = 0; p < fn->n_points; p++) {
            json_t *pt = json_array();
            push(w, pt, num(fn->xs[p]));
            push(w, pt, num(fn->ys[p]));
            push(w, f, pt);
        }
        set(w, o, "piecewise", f);
        break;
    case PARLEY_VALUE_IDEAL:
        f = json_object();
        set(w, f, "at", num(fn->ideal));
        set(w, f, "scale", num(fn->scale));
        set_str(w, f, "loss",
                fn->loss == PARLEY_LOSS_QUADRATIC ? "quadratic" : "linear");
        set(w, o, "ideal", f);
        break;
    }
    return o;
}

static json_t *red_line_json(wb_t *w, const parley_scenario_t *sc,
                             const parley_red_line_t *rl)
{
    const parley_issue_t *is = &sc->issues[rl->issue];
    json_t *o = json_object();
    set_str(w, o, "issue", is->id);
    set_str(w, o, "op", parley_cmp_name(rl->op));
    if (is->kind != PARLEY_ISSUE_DISCRETE) {
        set(w, o, "value", num(rl->value));
    } else if (rl->op == PARLEY_CMP_EQ || rl->op == PARLEY_CMP_NE) {
        set_str(w, o, "value", is->options[rl->options[0]]);
    } else {
        json_t *list = json_array();
        for (size_t m = 0; m < rl->n_options; m++)
            push(w, list, json_string(is->options[rl->options[m]]));
        set(w, o, "value", list);
    }
    set_str(w, o, "note", rl->note);
    return o;
}

static json_t *party_json(wb_t *w, const parley_scenario_t *sc,
                          const parley_party_t *p)
{
    int voting = p->role == PARLEY_ROLE_PARTY;
    json_t *o = json_object();
    set_str(w, o, "id", p->id);
    set_str(w, o, "name", p->name);
    set_str(w, o, "role", parley_role_name(p->role));
    if (voting || p->power != 0)
        set(w, o, "power", num(p->power));
    if (voting || p->reservation != 0)
        set(w, o, "reservation", num(p->reservation));
    if (p->discount != 1)
        set(w, o, "discount", num(p->discount));
    json_t *u = json_object();
    for (size_t k = 0; p->weights && k < sc->n_issues; k++) {
        if (p->weights[k] == 0 && p->values[k].kind == PARLEY_VALUE_NONE)
            continue;
        set(w, u, sc->issues[k].id,
            entry_json(w, &sc->issues[k], p->weights[k], &p->values[k]));
    }
    if (voting || json_object_size(u) > 0)
        set(w, o, "utility", u);
    else
        json_decref(u);
    if (p->n_red_lines) {
        json_t *list = json_array();
        for (size_t r = 0; r < p->n_red_lines; r++)
            push(w, list, red_line_json(w, sc, &p->red_lines[r]));
        set(w, o, "red_lines", list);
    }
    return o;
}

/* Every field of the rules, so that a file says what it means. */
static json_t *rules_json(wb_t *w, const parley_rules_t *r)
{
    json_t *o = json_object();
    set_str(w, o, "decision", parley_decision_name(r->decision));
    json_t *veto = json_object();
    json_t *grounds = json_array();
    for (unsigned g = PARLEY_VETO_RED_LINE; g <= PARLEY_VETO_RESERVATION;
         g <<= 1)
        if (r->veto_grounds & g)
            push(w, grounds, json_string(parley_veto_ground_name(g)));
    set(w, veto, "grounds", grounds);
    set(w, veto, "window", num(r->veto_window));
    set(w, veto, "budget", num(r->veto_budget));
    set(w, o, "veto", veto);
    json_t *info = json_object();
    set(w, info, "publish_counts", json_boolean(r->publish_counts));
    set(w, info, "private_channels", json_boolean(r->private_channels));
    set(w, o, "information", info);
    json_t *med = json_object();
    set_str(w, med, "concept", parley_concept_name(r->concept));
    set(w, med, "lambda", num(r->lambda));
    if (r->has_floor)
        set(w, med, "floor", num(r->floor));
    set(w, med, "credit", num(r->credit));
    set(w, o, "mediator", med);
    json_t *agenda = json_object();
    set_str(w, agenda, "policy", parley_agenda_policy_name(r->agenda));
    if (r->n_agenda_order) {
        json_t *order = json_array();
        for (size_t q = 0; q < r->n_agenda_order; q++)
            push(w, order, json_string(r->agenda_order[q]));
        set(w, agenda, "order", order);
    }
    set(w, o, "agenda", agenda);
    json_t *wg = json_object();
    set(w, wg, "enabled", json_boolean(r->working_groups));
    set(w, wg, "salience", num(r->wg_salience));
    set(w, o, "working_groups", wg);
    set(w, o, "pilots", json_boolean(r->pilots));
    set(w, o, "guarantees", json_boolean(r->guarantees));
    json_t *conc = json_object();
    set(w, conc, "max_step", num(r->max_step));
    set(w, conc, "reciprocity", json_boolean(r->reciprocity));
    set(w, o, "concessions", conc);
    json_t *tt = json_object();
    set(w, tt, "rounds_per_cluster", num(r->rounds_per_cluster));
    set(w, tt, "max_rounds", num(r->max_rounds));
    set(w, o, "timetable", tt);
    return o;
}

static json_t *guarantee_json(wb_t *w, const parley_scenario_t *sc,
                              const parley_guarantee_t *g)
{
    json_t *o = json_object();
    set_str(w, o, "id", g->id);
    set_str(w, o, "guarantor", sc->parties[g->guarantor].id);
    set_str(w, o, "beneficiary", sc->parties[g->beneficiary].id);
    set_str(w, o, "kind", parley_guarantee_kind_name(g->kind));
    set(w, o, "credibility", num(g->credibility));
    set(w, o, "value", num(g->value));
    json_t *conds = json_array();
    for (size_t c = 0; c < g->n_conditions; c++)
        push(w, conds, red_line_json(w, sc, &g->conditions[c]));
    set(w, o, "conditions", conds);
    set_str(w, o, "criteria", g->criteria);
    return o;
}

static json_t *scenario_json(wb_t *w, const parley_scenario_t *sc)
{
    json_t *o = json_object();
    set(w, o, "version", num(PARLEY_FORMAT_VERSION));
    set_str(w, o, "name", sc->name);
    set_str(w, o, "description", sc->description);
    set_str(w, o, "source", sc->source);
    json_t *issues = json_array();
    for (size_t k = 0; k < sc->n_issues; k++)
        push(w, issues, issue_json(w, &sc->issues[k]));
    set(w, o, "issues", issues);
    if (sc->n_clusters) {
        json_t *clusters = json_array();
        for (size_t q = 0; q < sc->n_clusters; q++)
            push(w, clusters, cluster_json(w, sc, &sc->clusters[q]));
        set(w, o, "clusters", clusters);
    }
    json_t *parties = json_array();
    for (size_t i = 0; i < sc->n_parties; i++)
        push(w, parties, party_json(w, sc, &sc->parties[i]));
    set(w, o, "parties", parties);
    if (sc->rules)
        set(w, o, "rules", rules_json(w, sc->rules));
    if (sc->n_guarantees) {
        json_t *list = json_array();
        for (size_t t = 0; t < sc->n_guarantees; t++)
            push(w, list, guarantee_json(w, sc, &sc->guarantees[t]));
        set(w, o, "guarantees", list);
    }
    return o;
}

/* ---- printing --------------------------------------------------------- */

typedef struct buf {
    parley__strbuf_t t;
    size_t line_start; /* for the current column */
} buf_t;

static void put(buf_t *b, const char *s, size_t n)
{
    parley__strbuf_put(&b->t, s, n);
}

static void puts_(buf_t *b, const char *s)
{
    parley__strbuf_puts(&b->t, s);
}

static void newline(buf_t *b, int indent)
{
    put(b, "\n", 1);
    b->line_start = b->t.len;
    for (int i = 0; i < indent; i++)
        put(b, "  ", 2);
}

static void put_string(buf_t *b, const char *s)
{
    parley__json_put_string(&b->t, s, "\b\f\n\r\t");
}

static void put_number(buf_t *b, double x)
{
    if (parley__json_put_number(&b->t, x) < 0)
        b->t.oom = 1; /* unreachable: the check rejects non-finite numbers */
}

static int is_container(const json_t *v)
{
    return json_is_object(v) || json_is_array(v);
}

/* A container holding no containers. */
static int is_flat(const json_t *v)
{
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (is_container(json_array_get(v, i)))
                return 0;
        return 1;
    }
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        if (is_container(x))
            return 0;
    }
    return 1;
}

static void print_value(buf_t *b, const json_t *v, int depth, int inline_);

static void print_inline(buf_t *b, const json_t *v)
{
    print_value(b, v, 0, 1);
}

/* Length of v printed on one line, or (size_t)-1 when that is more than
 * `limit` (the rendering stops there) or memory ran out. */
static size_t inline_length(const json_t *v, size_t limit)
{
    buf_t t = {{NULL, 0, 0, limit, 0}, 0};
    print_inline(&t, v);
    size_t n = t.t.oom ? (size_t)-1 : t.t.len;
    parley__strbuf_free(&t.t);
    return n;
}

/*
 * Prints v.  Containers at depth <= 2 (the scenario, its lists, each
 * issue, cluster and party), and those at depth 3 holding containers (a
 * party's utility and red lines), are broken out one item per line; others
 * stay on one line when they fit in WIDTH columns.
 */
static void print_value(buf_t *b, const json_t *v, int depth, int inline_)
{
    if (json_is_string(v)) {
        put_string(b, json_string_value(v));
        return;
    }
    if (json_is_number(v)) {
        put_number(b, json_number_value(v));
        return;
    }
    if (!is_container(v)) {
        puts_(b, json_is_true(v) ? "true" : json_is_false(v) ? "false" : "null");
        return;
    }
    int is_obj = json_is_object(v);
    size_t n = is_obj ? json_object_size(v) : json_array_size(v);
    if (n == 0) {
        puts_(b, is_obj ? "{}" : "[]");
        return;
    }
    int one_line = inline_;
    if (!one_line && depth >= 3 && (depth >= 4 || is_flat(v))) {
        size_t col = b->t.len - b->line_start;
        size_t len = inline_length(v, WIDTH);
        one_line = len != (size_t)-1 && col + len <= WIDTH;
    }
    puts_(b, is_obj ? "{" : "[");
    size_t i = 0;
    if (is_obj) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            if (i++)
                puts_(b, one_line ? ", " : ",");
            if (!one_line)
                newline(b, depth + 1);
            put_string(b, k);
            puts_(b, ": ");
            print_value(b, x, depth + 1, one_line);
        }
    } else {
        for (i = 0; i < n; i++) {
            if (i)
                puts_(b, one_line ? ", " : ",");
            if (!one_line)
                newline(b, depth + 1);
            print_value(b, json_array_get(v, i), depth + 1, one_line);
        }
    }
    if (!one_line)
        newline(b, depth);
    puts_(b, is_obj ? "}" : "]");
}

/* ---- entry points ----------------------------------------------------- */

static void ignore_report(void *ctx, parley_severity_t sev,
                          parley_status_t code, const char *path,
                          const char *message)
{
    (void)ctx;
    (void)sev;
    (void)code;
    (void)path;
    (void)message;
}

parley_status_t parley_scenario_to_string(const parley_scenario_t *sc,
                                          char **out)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!sc)
        return PARLEY_EARG;
    /* Only a valid scenario is written, so that what is written reads back
     * (NaN, a dangling index or a duplicate id would not). */
    parley__check_opts_t opts = {ignore_report, NULL, NULL, 0};
    parley_status_t st = parley__scenario_check(sc, &opts);
    if (st == PARLEY_ENOMEM)
        return st;
    if (st != PARLEY_OK)
        return PARLEY_EINVALID;

    parley__json_use_parley_alloc();
    wb_t w = {0};
    json_t *root = scenario_json(&w, sc);
    if (!root || w.oom) {
        json_decref(root);
        return PARLEY_ENOMEM;
    }
    buf_t b = {{NULL, 0, 0, 0, 0}, 0};
    print_value(&b, root, 0, 0);
    put(&b, "\n", 1);
    json_decref(root);
    if (b.t.oom) {
        parley__strbuf_free(&b.t);
        return PARLEY_ENOMEM;
    }
    *out = b.t.s;
    return PARLEY_OK;
}

parley_status_t parley_scenario_write(const parley_scenario_t *sc, FILE *out)
{
    if (!out)
        return PARLEY_EARG;
    char *s = NULL;
    parley_status_t st = parley_scenario_to_string(sc, &s);
    if (st != PARLEY_OK)
        return st;
    size_t n = strlen(s);
    int ok = fwrite(s, 1, n, out) == n && fflush(out) == 0;
    parley_free(s);
    return ok ? PARLEY_OK : PARLEY_EIO;
}
