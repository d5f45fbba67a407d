/*
 * analysis_json.c - an analysis as JSON, for machines (parley analyze
 * --json, the service).  The layout is documented field by field in
 * docs/analysis-output.md; keep the two in step.
 *
 * Numbers are written with 15 significant digits (enough for any utility and
 * short enough to read); counts are integers when they fit in 64 bits.
 * Non-finite numbers (an ideal point of an empty F, an unbounded gap) are
 * written as null, which JSON can carry and NaN cannot.  Per-party values are
 * objects keyed by party id, packages objects keyed by issue id, both in
 * scenario order.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"
#include "scenario/scenario_internal.h"

typedef struct jctx {
    const parley_analysis_t *a;
    const parley_model_t *m;
    const parley_scenario_t *sc;
    int ok; /* 0 once any allocation failed */
} jctx_t;

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

/* A count: an integer while it is one and fits, else a real. */
static json_t *jcount(double x)
{
    if (isfinite(x) && x >= 0 && x < 9.2e18 && x == floor(x))
        return json_integer((json_int_t)x);
    return jnum(x);
}

/* jansson takes UTF-8 only; bytes that are not are shown as '?'. */
static json_t *jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *copy = parley_malloc(n + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    j = json_string(copy);
    parley_free(copy);
    return j;
}

/* Both steal val, also on failure, so nothing leaks when memory runs out
 * half-way through the tree. */
static void set(jctx_t *c, json_t *obj, const char *key, json_t *val)
{
    if (!obj || !val) {
        json_decref(val);
        c->ok = 0;
        return;
    }
    if (json_object_set_new(obj, key, val) != 0)
        c->ok = 0;
}

static void push(jctx_t *c, json_t *arr, json_t *val)
{
    if (!arr || !val) {
        json_decref(val);
        c->ok = 0;
        return;
    }
    if (json_array_append_new(arr, val) != 0)
        c->ok = 0;
}

static const char *party_name(const jctx_t *c, size_t i)
{
    const parley_party_t *p =
        &c->sc->parties[parley_model_party_index(c->m, i)];
    return p->name ? p->name : p->id;
}

/* {party id: x} over the voting parties. */
static json_t *per_party(jctx_t *c, const double *x)
{
    json_t *o = json_object();
    for (size_t i = 0; i < c->a->n_parties; i++)
        set(c, o, parley_model_party_id(c->m, i), jnum(x[i]));
    return o;
}

/* {issue id: option label}; numeric labels carry the issue's unit. */
static json_t *package_json(jctx_t *c, const uint32_t *pkg)
{
    json_t *o = json_object();
    for (size_t k = 0; k < c->sc->n_issues; k++) {
        const parley_issue_t *is = &c->sc->issues[k];
        char label[512];
        int len = parley_issue_option_label(is, pkg[k], label, sizeof label);
        if (len >= 0 && is->kind != PARLEY_ISSUE_DISCRETE && is->unit &&
            is->unit[0] && (size_t)len < sizeof label)
            snprintf(label + len, sizeof label - (size_t)len, " %s",
                     is->unit);
        set(c, o, is->id, jstr(label));
    }
    return o;
}

static json_t *metrics_json(jctx_t *c, const parley_metrics_t *mt)
{
    json_t *o = json_object();
    set(c, o, "utility", per_party(c, mt->u));
    set(c, o, "gain", per_party(c, mt->gain));
    set(c, o, "normalized_gain", per_party(c, mt->norm_gain));
    set(c, o, "welfare", jnum(mt->welfare));
    set(c, o, "total_gain", jnum(mt->total_gain));
    set(c, o, "efficiency", jnum(mt->efficiency));
    set(c, o, "efficient", json_boolean(mt->efficient));
    set(c, o, "frontier_gap", jnum(mt->frontier_gap));
    set(c, o, "min_gain", jnum(mt->min_gain));
    set(c, o, "min_normalized_gain", jnum(mt->min_norm_gain));
    set(c, o, "gini", jnum(mt->gini));
    set(c, o, "power_skew", jnum(mt->power_skew));
    set(c, o, "offset", mt->has_offset ? jnum(mt->offset) : json_null());
    return o;
}

static json_t *solution_json(jctx_t *c, const parley_solution_t *s)
{
    const parley_analysis_opts_t *opts = &c->a->opts;
    json_t *o = json_object();
    set(c, o, "concept", json_string(parley_concept_name(s->concept)));
    if (s->concept == PARLEY_CONCEPT_MEDIATED) {
        set(c, o, "lambda", jnum(opts->lambda));
        if (opts->has_floor) {
            set(c, o, "floor", jnum(opts->floor));
            if (s->found)
                set(c, o, "effective_floor", jnum(s->effective_floor));
        }
    }
    set(c, o, "found", json_boolean(s->found));
    set(c, o, "exact", json_boolean(s->exact));
    if (!s->found) {
        set(c, o, "why", jstr(s->why ? s->why : "not found"));
        return o;
    }
    set(c, o, "objective", jnum(s->objective));
    set(c, o, "bound", jnum(s->bound));
    set(c, o, "package", package_json(c, s->package));
    set(c, o, "metrics", metrics_json(c, &s->metrics));
    return o;
}

static json_t *frontier_json(jctx_t *c, int with_points)
{
    const parley_analysis_t *a = c->a;
    json_t *o = json_object();
    set(c, o, "vectors", jcount((double)a->frontier.size));
    set(c, o, "packages", jcount(parley_analysis_frontier_packages(a)));
    set(c, o, "exact", json_boolean(a->frontier.exact));
    set(c, o, "delta", jnum(a->frontier.delta));
    if (!with_points)
        return o;
    json_t *pts = json_array();
    for (size_t v = 0; v < a->frontier.size && c->ok; v++) {
        json_t *p = json_object();
        set(c, p, "utility", per_party(c, parley_analysis_frontier_u(a, v)));
        set(c, p, "multiplicity",
            jcount(parley_analysis_frontier_multiplicity(a, v)));
        set(c, p, "package",
            package_json(c, parley_analysis_frontier_package(a, v)));
        push(c, pts, p);
    }
    set(c, o, "points", pts);
    return o;
}

static json_t *parties_json(jctx_t *c)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < c->a->n_parties; i++) {
        json_t *p = json_object();
        set(c, p, "id", jstr(parley_model_party_id(c->m, i)));
        set(c, p, "name", jstr(party_name(c, i)));
        set(c, p, "power", jnum(parley_model_power(c->m, i)));
        set(c, p, "power_share", jnum(parley_model_power_share(c->m, i)));
        set(c, p, "reservation", jnum(parley_model_reservation(c->m, i)));
        set(c, p, "ideal", jnum(c->a->ideal[i]));
        push(c, arr, p);
    }
    return arr;
}

static json_t *issues_json(jctx_t *c)
{
    static const char *const kinds[] = {"discrete", "integer", "real"};
    json_t *arr = json_array();
    for (size_t k = 0; k < c->sc->n_issues; k++) {
        const parley_issue_t *is = &c->sc->issues[k];
        json_t *p = json_object();
        set(c, p, "id", jstr(is->id));
        set(c, p, "name", jstr(is->name ? is->name : is->id));
        set(c, p, "kind", json_string(kinds[is->kind]));
        if (is->kind != PARLEY_ISSUE_DISCRETE && is->unit)
            set(c, p, "unit", jstr(is->unit));
        set(c, p, "options", jcount((double)parley_model_n_options(c->m, k)));
        set(c, p, "allowed", jcount((double)parley_model_n_allowed(c->m, k)));
        push(c, arr, p);
    }
    return arr;
}

static json_t *options_json(jctx_t *c)
{
    const parley_analysis_opts_t *opts = &c->a->opts;
    json_t *o = json_object();
    set(c, o, "method",
        json_string(opts->method == PARLEY_FRONTIER_ENUMERATE ? "enumerate"
                                                              : "merge"));
    set(c, o, "lambda", jnum(opts->lambda));
    set(c, o, "floor", opts->has_floor ? jnum(opts->floor) : json_null());
    set(c, o, "time_budget", jnum(opts->time_budget));
    set(c, o, "memory_budget", jcount((double)opts->memory_budget));
    set(c, o, "count_limit", jcount(opts->count_limit));
    return o;
}

static json_t *feasible_json(jctx_t *c)
{
    const parley__feasible_count_t *fc = &c->a->feasible;
    json_t *o = json_object();
    set(c, o, "exact", json_boolean(fc->exact));
    if (fc->exact) {
        set(c, o, "count", jcount(fc->count));
    } else {
        set(c, o, "lower", jcount(fc->lower));
        set(c, o, "upper", jcount(fc->upper));
    }
    return o;
}

parley_status_t parley_analysis_to_json(const parley_analysis_t *a,
                                        const parley_model_t *m,
                                        const parley_scenario_t *sc,
                                        int with_frontier, char **out)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!a || !m || !sc || sc->n_issues != a->n_issues ||
        parley_model_n_issues(m) != a->n_issues ||
        parley_model_n_parties(m) != a->n_parties)
        return PARLEY_EARG;
    for (size_t i = 0; i < a->n_parties; i++)
        if (parley_model_party_index(m, i) >= sc->n_parties)
            return PARLEY_EARG;

    /* jansson allocates through libparley's hooks, so the returned text is
     * parley_free'd and allocation failures are seen like any other. */
    parley__json_use_parley_alloc();
    jctx_t c = {a, m, sc, 1};
    json_t *root = json_object();
    set(&c, root, "format", json_string("parley-analysis"));
    set(&c, root, "version", json_integer(1));
    json_t *scen = json_object();
    set(&c, scen, "name", jstr(sc->name ? sc->name : ""));
    if (sc->description)
        set(&c, scen, "description", jstr(sc->description));
    if (sc->source)
        set(&c, scen, "source", jstr(sc->source));
    set(&c, root, "scenario", scen);
    set(&c, root, "disagreement_point", json_string("reservation"));
    set(&c, root, "options", options_json(&c));
    set(&c, root, "parties", parties_json(&c));
    set(&c, root, "issues", issues_json(&c));
    json_t *pk = json_object();
    set(&c, pk, "total", jcount(parley_model_package_count(m)));
    set(&c, pk, "allowed", jcount(parley_model_allowed_count(m)));
    set(&c, root, "packages", pk);
    set(&c, root, "feasible", feasible_json(&c));
    set(&c, root, "frontier", frontier_json(&c, with_frontier));
    json_t *sols = json_array();
    for (int k = 0; k < PARLEY_CONCEPT_COUNT; k++)
        push(&c, sols, solution_json(&c, &a->solutions[k]));
    set(&c, root, "solutions", sols);
    set(&c, root, "seconds", jnum(a->seconds));

    parley_status_t st = PARLEY_OK;
    if (!c.ok) {
        st = PARLEY_ENOMEM;
        goto done;
    }
    size_t flags = JSON_INDENT(2) | JSON_REAL_PRECISION(15);
    size_t need = json_dumpb(root, NULL, 0, flags);
    if (need == 0) {
        st = PARLEY_ENOMEM;
        goto done;
    }
    char *buf = parley_malloc(need + 1);
    if (!buf) {
        st = PARLEY_ENOMEM;
        goto done;
    }
    if (json_dumpb(root, buf, need, flags) != need) {
        parley_free(buf);
        st = PARLEY_ENOMEM;
        goto done;
    }
    buf[need] = '\0';
    *out = buf;
done:
    json_decref(root);
    return st;
}
