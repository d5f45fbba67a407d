/*
 * scenario_check.c - semantic validation and deep equality of scenarios.
 *
 * The checks here are the single statement of what a valid scenario is.
 * They run on the filled struct, wherever it came from: the JSON reader
 * (which reports through a callback that adds line and column), the GENIUS
 * and KTAB importers and the generator (which get file and JSON path only).
 * Each problem names the JSON path the field has in the v1 format, so a
 * message is the same whether the fault was typed by a person or produced by
 * a converter.  A scenario that passes is one the writer can write and the
 * reader read back to an equal scenario.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/scenario.h"
#include "process/process_internal.h"
#include "scenario/scenario_internal.h"

/* A voting party's weights that sum this far from 1 earn a warning. */
#define WEIGHT_SUM_TOLERANCE 1e-6

typedef struct chk {
    const parley__check_opts_t *o;
    const parley_scenario_t *sc;
    parley_status_t first;
    parley__path_t path;
    size_t saved[16]; /* path lengths to return to, see enter_key() */
    size_t depth;
    int oom;
} chk_t;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void emit(chk_t *c, parley_severity_t sev, parley_status_t code,
                 const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (sev == PARLEY_SEVERITY_ERROR && c->first == PARLEY_OK)
        c->first = code;
    c->o->report(c->o->ctx, sev, code, c->path.buf, msg);
}

#define ERR(c, code, ...) emit((c), PARLEY_SEVERITY_ERROR, (code), __VA_ARGS__)
#define WARN(c, code, ...)                                                     \
    emit((c), PARLEY_SEVERITY_WARNING, (code), __VA_ARGS__)

/*
 * The current path with one more segment for the span of one check.  The
 * lengths to return to are kept in the context, not in macro locals, so
 * that nested uses do not shadow each other.
 */
static void enter_key(chk_t *c, const char *key)
{
    size_t len = parley__path_key(&c->path, key);
    if (c->depth < sizeof c->saved / sizeof c->saved[0])
        c->saved[c->depth] = len;
    c->depth++;
}

static void enter_index(chk_t *c, size_t i)
{
    size_t len = parley__path_index(&c->path, i);
    if (c->depth < sizeof c->saved / sizeof c->saved[0])
        c->saved[c->depth] = len;
    c->depth++;
}

static void leave(chk_t *c)
{
    c->depth--;
    if (c->depth < sizeof c->saved / sizeof c->saved[0])
        parley__path_pop(&c->path, c->saved[c->depth]);
}

#define WITH_KEY(c, key, body)                                                 \
    do {                                                                       \
        enter_key((c), (key));                                                 \
        body;                                                                  \
        leave(c);                                                              \
    } while (0)
#define WITH_INDEX(c, i, body)                                                 \
    do {                                                                       \
        enter_index((c), (i));                                                 \
        body;                                                                  \
        leave(c);                                                              \
    } while (0)

static void oom(chk_t *c)
{
    if (!c->oom) {
        c->oom = 1;
        ERR(c, PARLEY_ENOMEM, "out of memory while checking");
    }
}

const char *parley__issue_kind_name(parley_issue_kind_t kind)
{
    switch (kind) {
    case PARLEY_ISSUE_DISCRETE:
        return "discrete";
    case PARLEY_ISSUE_INTEGER:
        return "integer";
    case PARLEY_ISSUE_REAL:
        return "real";
    }
    return "?";
}

int parley__cmp_fits(parley_issue_kind_t kind, parley_cmp_t op)
{
    if (kind == PARLEY_ISSUE_DISCRETE)
        return op == PARLEY_CMP_EQ || op == PARLEY_CMP_NE ||
               op == PARLEY_CMP_IN || op == PARLEY_CMP_NOT_IN;
    return op == PARLEY_CMP_EQ || op == PARLEY_CMP_NE || op == PARLEY_CMP_LT ||
           op == PARLEY_CMP_LE || op == PARLEY_CMP_GT || op == PARLEY_CMP_GE;
}

const char *parley__cmp_allowed(parley_issue_kind_t kind)
{
    return kind == PARLEY_ISSUE_DISCRETE ? "==, !=, in, not in"
                                         : "==, !=, <, <=, >, >=";
}

static int valid_cmp(parley_cmp_t op)
{
    return (unsigned)op <= (unsigned)PARLEY_CMP_NOT_IN;
}

/* Optional free text: only its encoding can be wrong. */
static void check_text(chk_t *c, const char *key, const char *s)
{
    if (s && !parley__utf8_valid(s))
        WITH_KEY(c, key, ERR(c, PARLEY_EINVALID, "text is not valid UTF-8"));
}

/* An id at the current path; `what` names the owner ("an issue"). */
static void check_id(chk_t *c, const char *id, const char *what)
{
    if (!id)
        ERR(c, PARLEY_EMISSING, "%s needs an id, found none", what);
    else if (!id[0])
        ERR(c, PARLEY_EINVALID, "an id must not be empty");
    else if (strlen(id) > PARLEY_MAX_ID)
        ERR(c, PARLEY_ELIMIT, "id is %zu bytes long, more than the limit of %d",
            strlen(id), PARLEY_MAX_ID);
    else if (!parley__utf8_valid(id))
        ERR(c, PARLEY_EINVALID, "id is not valid UTF-8");
}

/*
 * For each item, the index of the first earlier item with the same id, or
 * (size_t)-1.  NULL on allocation failure.  O(n log n).
 */
static size_t *first_of_ids(char *const *first, size_t n, size_t stride)
{
    size_t *dup = parley_calloc(n ? n : 1, sizeof *dup);
    parley__id_ref_t *refs = parley__id_sort(first, n, stride);
    if (!dup || !refs) {
        parley_free(dup);
        parley_free(refs);
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        dup[k] = (size_t)-1;
    for (size_t k = 1; k < n; k++) {
        const parley__id_ref_t *a = &refs[k - 1], *b = &refs[k];
        if (a->id && b->id && strcmp(a->id, b->id) == 0)
            dup[b->index] = dup[a->index] == (size_t)-1 ? a->index
                                                         : dup[a->index];
    }
    parley_free(refs);
    return dup;
}

/* ---- issues ----------------------------------------------------------- */

static void check_numeric_issue(chk_t *c, const parley_issue_t *is)
{
    int ok = 1;
    int integer = is->kind == PARLEY_ISSUE_INTEGER;
    if (!isfinite(is->min)) {
        WITH_KEY(c, "min", ERR(c, PARLEY_EINVALID,
                               "min must be a finite number, got %s",
                               parley__num(is->min).s));
        ok = 0;
    } else if (integer && is->min != floor(is->min)) {
        WITH_KEY(c, "min", ERR(c, PARLEY_EINVALID,
                               "an integer issue's min must be a whole "
                               "number, got %s",
                               parley__num(is->min).s));
        ok = 0;
    }
    if (!isfinite(is->max)) {
        WITH_KEY(c, "max", ERR(c, PARLEY_EINVALID,
                               "max must be a finite number, got %s",
                               parley__num(is->max).s));
        ok = 0;
    } else if (integer && is->max != floor(is->max)) {
        WITH_KEY(c, "max", ERR(c, PARLEY_EINVALID,
                               "an integer issue's max must be a whole "
                               "number, got %s",
                               parley__num(is->max).s));
        ok = 0;
    }
    if (ok && is->min > is->max) {
        WITH_KEY(c, "max",
                 ERR(c, PARLEY_ERANGE, "max must be >= min (%s), got %s",
                     parley__num(is->min).s, parley__num(is->max).s));
        ok = 0;
    }
    if (integer && is->resolution != 1) {
        WITH_KEY(c, "resolution",
                 ERR(c, PARLEY_EINVALID,
                     "an integer issue has resolution 1, found %s",
                     parley__num(is->resolution).s));
        ok = 0;
    } else if (!integer &&
               (!isfinite(is->resolution) || !(is->resolution > 0))) {
        WITH_KEY(c, "resolution",
                 ERR(c, PARLEY_ERANGE,
                     "resolution must be a finite number > 0, got %s",
                     parley__num(is->resolution).s));
        ok = 0;
    }
    if (is->options)
        WITH_KEY(c, "options", ERR(c, PARLEY_EINVALID,
                                   "a numeric issue has no option list"));
    if (!ok)
        return;
    double count = floor((is->max - is->min) / is->resolution + 1e-9) + 1;
    if (!(count <= PARLEY_MAX_OPTIONS)) {
        WITH_KEY(c, "max",
                 ERR(c, PARLEY_ELIMIT,
                     "issue '%s' would have %s options (%s to %s in steps of "
                     "%s), more than the limit of %d; narrow the range%s",
                     is->id ? is->id : "?",
                     isfinite(count) ? parley__num(count).s : "too many",
                     parley__num(is->min).s, parley__num(is->max).s,
                     parley__num(is->resolution).s, PARLEY_MAX_OPTIONS,
                     integer ? " or make it a real issue with a coarser "
                               "resolution"
                             : " or coarsen the resolution"));
        return;
    }
    if (is->n_options != (size_t)count) {
        ERR(c, PARLEY_EINVALID,
            "the issue has %zu options, but min, max and resolution give %zu",
            is->n_options, (size_t)count);
        return;
    }
    double last = parley_issue_option_number(is, is->n_options - 1);
    if (!integer && fabs(is->max - last) > 1e-9 * is->resolution)
        WITH_KEY(c, "max",
                 WARN(c, PARLEY_EINVALID,
                      "max %s is not on the grid of resolution %s from min "
                      "%s; the last option is %.15g",
                      parley__num(is->max).s, parley__num(is->resolution).s,
                      parley__num(is->min).s, last));
}

static void check_discrete_issue(chk_t *c, const parley_issue_t *is)
{
    if (is->unit)
        WITH_KEY(c, "unit",
                 ERR(c, PARLEY_EINVALID, "a discrete issue has no unit"));
    if (is->n_options == 0) {
        WITH_KEY(c, "options",
                 ERR(c, PARLEY_EINVALID,
                     "a discrete issue needs at least one option, found "
                     "none"));
        return;
    }
    if (is->n_options > PARLEY_MAX_OPTIONS) {
        WITH_KEY(c, "options",
                 ERR(c, PARLEY_ELIMIT,
                     "%zu options, more than the limit of %d", is->n_options,
                     PARLEY_MAX_OPTIONS));
        return;
    }
    if (!is->options) {
        WITH_KEY(c, "options",
                 ERR(c, PARLEY_EARG, "%zu options announced but no list",
                     is->n_options));
        return;
    }
    size_t *dup = first_of_ids(is->options, is->n_options, sizeof(char *));
    if (!dup) {
        oom(c);
        return;
    }
    WITH_KEY(c, "options", {
        for (size_t j = 0; j < is->n_options; j++)
            WITH_INDEX(c, j, {
                check_id(c, is->options[j], "an option");
                if (dup[j] != (size_t)-1)
                    ERR(c, PARLEY_EDUPLICATE,
                        "duplicate option id '%s' (also option %zu); the options "
                        "of an issue must differ",
                        is->options[j], dup[j]);
            });
    });
    parley_free(dup);
}

static void check_issues(chk_t *c)
{
    const parley_scenario_t *sc = c->sc;
    size_t *dup = first_of_ids(sc->n_issues ? &sc->issues[0].id : NULL,
                               sc->n_issues, sizeof(parley_issue_t));
    if (!dup) {
        oom(c);
        return;
    }
    WITH_KEY(c, "issues", {
        for (size_t k = 0; k < sc->n_issues && !c->oom; k++) {
            const parley_issue_t *is = &sc->issues[k];
            WITH_INDEX(c, k, {
                WITH_KEY(c, "id", {
                    check_id(c, is->id, "an issue");
                    if (dup[k] != (size_t)-1)
                        ERR(c, PARLEY_EDUPLICATE,
                            "duplicate issue id '%s' (also $.issues[%zu])",
                            is->id, dup[k]);
                });
                check_text(c, "name", is->name);
                check_text(c, "unit", is->unit);
                if (!(c->o->issue_skip && c->o->issue_skip[k])) {
                    switch (is->kind) {
                    case PARLEY_ISSUE_DISCRETE:
                        check_discrete_issue(c, is);
                        break;
                    case PARLEY_ISSUE_INTEGER:
                    case PARLEY_ISSUE_REAL:
                        check_numeric_issue(c, is);
                        break;
                    default:
                        WITH_KEY(c, "kind",
                                 ERR(c, PARLEY_EINVALID,
                                     "unknown issue kind %d; expected "
                                     "discrete, integer or real",
                                     (int)is->kind));
                    }
                }
            });
        }
    });
    parley_free(dup);
}

/* ---- clusters --------------------------------------------------------- */

static void check_clusters(chk_t *c)
{
    const parley_scenario_t *sc = c->sc;
    if (sc->n_clusters > PARLEY_MAX_ISSUES) {
        WITH_KEY(c, "clusters",
                 ERR(c, PARLEY_ELIMIT,
                     "%zu clusters, more than the limit of %d", sc->n_clusters,
                     PARLEY_MAX_ISSUES));
        return;
    }
    long *member = parley_calloc(sc->n_issues ? sc->n_issues : 1,
                                 sizeof *member);
    size_t *dup = first_of_ids(sc->n_clusters ? &sc->clusters[0].id : NULL,
                               sc->n_clusters, sizeof(parley_cluster_t));
    if (!member || !dup) {
        parley_free(member);
        parley_free(dup);
        oom(c);
        return;
    }
    for (size_t k = 0; k < sc->n_issues; k++)
        member[k] = -1;
    WITH_KEY(c, "clusters", {
        for (size_t q = 0; q < sc->n_clusters; q++) {
            const parley_cluster_t *cl = &sc->clusters[q];
            WITH_INDEX(c, q, {
                WITH_KEY(c, "id", {
                    check_id(c, cl->id, "a cluster");
                    if (dup[q] != (size_t)-1)
                        ERR(c, PARLEY_EDUPLICATE,
                            "duplicate cluster id '%s' (also $.clusters[%zu])",
                            cl->id, dup[q]);
                });
                check_text(c, "name", cl->name);
                check_text(c, "description", cl->description);
                WITH_KEY(c, "issues", {
                    if (cl->n_issues == 0)
                        ERR(c, PARLEY_EINVALID,
                            "a cluster needs at least one issue, found none");
                    else if (!cl->issues)
                        ERR(c, PARLEY_EARG, "%zu issues announced but no list",
                            cl->n_issues);
                    for (size_t m = 0; cl->issues && m < cl->n_issues; m++) {
                        size_t k = cl->issues[m];
                        WITH_INDEX(c, m, {
                            if (k >= sc->n_issues) {
                                ERR(c, PARLEY_EINVALID,
                                    "refers to issue number %zu; there are "
                                    "%zu issues",
                                    k, sc->n_issues);
                            } else if (member[k] == (long)q) {
                                ERR(c, PARLEY_EDUPLICATE,
                                    "issue '%s' is listed twice in this "
                                    "cluster",
                                    sc->issues[k].id ? sc->issues[k].id : "?");
                            } else if (member[k] >= 0) {
                                const char *other =
                                    sc->clusters[member[k]].id;
                                ERR(c, PARLEY_EDUPLICATE,
                                    "issue '%s' is already in cluster '%s'; "
                                    "an issue belongs to at most one cluster",
                                    sc->issues[k].id ? sc->issues[k].id : "?",
                                    other ? other : "?");
                            } else {
                                member[k] = (long)q;
                            }
                        });
                    }
                });
            });
        }
    });
    /* The issue's own back-reference must agree (importers set both). */
    WITH_KEY(c, "issues", {
        for (size_t k = 0; k < sc->n_issues; k++)
            if (sc->issues[k].cluster != member[k])
                WITH_INDEX(c, k,
                           ERR(c, PARLEY_EINVALID,
                               "the issue says it is in cluster %ld, but the "
                               "clusters put it in %ld (-1: none)",
                               sc->issues[k].cluster, member[k]));
    });
    parley_free(member);
    parley_free(dup);
}

/* ---- value functions -------------------------------------------------- */

static double vmax(double a, double b)
{
    return a > b ? a : b;
}

/*
 * The highest value fn takes on the issue's options, exactly, without
 * visiting every option: tables by scan; linear at the two ends (it is
 * monotone); piecewise at the ends and the grid points around each
 * breakpoint (between those it is linear on the grid); ideal around the
 * ideal point (it is unimodal).  O(options) for tables, O(points) else.
 */
static double value_fn_max(const parley_value_fn_t *fn,
                           const parley_issue_t *is)
{
    double best = 0;
    size_t n = is->n_options;
    if (n == 0)
        return 0;
    switch (fn->kind) {
    case PARLEY_VALUE_NONE:
        return 0;
    case PARLEY_VALUE_TABLE:
        for (size_t j = 0; j < fn->n_table; j++)
            best = vmax(best, fn->table[j]);
        return best;
    case PARLEY_VALUE_LINEAR:
        return vmax(parley_value_eval(fn, is, 0),
                    parley_value_eval(fn, is, n - 1));
    case PARLEY_VALUE_PIECEWISE:
    case PARLEY_VALUE_IDEAL: {
        best = vmax(parley_value_eval(fn, is, 0),
                    parley_value_eval(fn, is, n - 1));
        size_t np = fn->kind == PARLEY_VALUE_IDEAL ? 1 : fn->n_points;
        for (size_t p = 0; p < np; p++) {
            double x = fn->kind == PARLEY_VALUE_IDEAL ? fn->ideal : fn->xs[p];
            double t = floor((x - is->min) / is->resolution);
            if (!(t >= 0) || t >= (double)n)
                continue;
            size_t j = (size_t)t;
            best = vmax(best, parley_value_eval(fn, is, j));
            if (j + 1 < n)
                best = vmax(best, parley_value_eval(fn, is, j + 1));
        }
        return best;
    }
    }
    return 0;
}

static void need_numeric(chk_t *c, const parley_issue_t *is, const char *what,
                         int *ok)
{
    if (is->kind == PARLEY_ISSUE_DISCRETE) {
        ERR(c, PARLEY_EINVALID,
            "%s is for numeric issues; issue '%s' is discrete: use a table",
            what, is->id ? is->id : "?");
        *ok = 0;
    }
}

static int check_finite(chk_t *c, const char *key, double v)
{
    if (isfinite(v))
        return 1;
    WITH_KEY(c, key, ERR(c, PARLEY_EINVALID,
                         "must be a finite number, got %s",
                         parley__num(v).s));
    return 0;
}

static int check_unit_value(chk_t *c, double v)
{
    if (isfinite(v) && v >= 0 && v <= 1)
        return 1;
    ERR(c, PARLEY_ERANGE, "a value must be in [0, 1], got %s",
        parley__num(v).s);
    return 0;
}

/* Returns whether fn is well-formed (so that it may be evaluated). */
static int check_value_fn(chk_t *c, const parley_value_fn_t *fn,
                          const parley_issue_t *is, double weight)
{
    int ok = 1;
    switch (fn->kind) {
    case PARLEY_VALUE_NONE:
        if (weight != 0) {
            ERR(c, PARLEY_EMISSING,
                "weight %s but no value function; give one of table, linear, "
                "piecewise or ideal",
                parley__num(weight).s);
            ok = 0;
        }
        return ok;
    case PARLEY_VALUE_TABLE:
        WITH_KEY(c, "table", {
            if (is->kind != PARLEY_ISSUE_DISCRETE) {
                ERR(c, PARLEY_EINVALID,
                    "a table is for discrete issues; issue '%s' is %s: use "
                    "linear, piecewise or ideal",
                    is->id ? is->id : "?", parley__issue_kind_name(is->kind));
                ok = 0;
            } else if (fn->n_table != is->n_options || !fn->table) {
                ERR(c, PARLEY_EINVALID,
                    "the table has %zu values for the issue's %zu options",
                    fn->table ? fn->n_table : 0, is->n_options);
                ok = 0;
            } else {
                for (size_t j = 0; j < fn->n_table; j++)
                    WITH_KEY(c, is->options[j] ? is->options[j] : "?",
                             ok &= check_unit_value(c, fn->table[j]));
            }
        });
        return ok;
    case PARLEY_VALUE_LINEAR:
        WITH_KEY(c, "linear", {
            need_numeric(c, is, "linear", &ok);
            ok &= check_finite(c, "offset", fn->offset);
            ok &= check_finite(c, "slope", fn->slope);
            ok &= check_finite(c, "origin", fn->origin);
        });
        return ok;
    case PARLEY_VALUE_PIECEWISE:
        WITH_KEY(c, "piecewise", {
            need_numeric(c, is, "piecewise", &ok);
            if (fn->n_points == 0) {
                ERR(c, PARLEY_EINVALID,
                    "needs at least one point [x, y], found none");
                ok = 0;
            } else if (fn->n_points > PARLEY_MAX_POINTS) {
                ERR(c, PARLEY_ELIMIT,
                    "%zu points, more than the limit of %d", fn->n_points,
                    PARLEY_MAX_POINTS);
                ok = 0;
            } else if (!fn->xs || !fn->ys) {
                ERR(c, PARLEY_EARG, "%zu points announced but no list",
                    fn->n_points);
                ok = 0;
            } else {
                for (size_t p = 0; p < fn->n_points; p++)
                    WITH_INDEX(c, p, {
                        WITH_INDEX(c, 0, {
                            if (!isfinite(fn->xs[p])) {
                                ERR(c, PARLEY_EINVALID,
                                    "x must be a finite number, got %s",
                                    parley__num(fn->xs[p]).s);
                                ok = 0;
                            } else if (p > 0 && isfinite(fn->xs[p - 1]) &&
                                       !(fn->xs[p] > fn->xs[p - 1])) {
                                ERR(c, PARLEY_EINVALID,
                                    "x must be greater than the previous "
                                    "point's x (%s), got %s; points go by "
                                    "strictly increasing x",
                                    parley__num(fn->xs[p - 1]).s,
                                    parley__num(fn->xs[p]).s);
                                ok = 0;
                            }
                        });
                        WITH_INDEX(c, 1, ok &= check_unit_value(c, fn->ys[p]));
                    });
            }
        });
        return ok;
    case PARLEY_VALUE_IDEAL:
        WITH_KEY(c, "ideal", {
            need_numeric(c, is, "ideal", &ok);
            ok &= check_finite(c, "at", fn->ideal);
            if (!isfinite(fn->scale) || !(fn->scale > 0)) {
                WITH_KEY(c, "scale",
                         ERR(c, PARLEY_ERANGE,
                             "scale must be a finite number > 0, got %s",
                             parley__num(fn->scale).s));
                ok = 0;
            }
            if (fn->loss != PARLEY_LOSS_LINEAR &&
                fn->loss != PARLEY_LOSS_QUADRATIC) {
                WITH_KEY(c, "loss",
                         ERR(c, PARLEY_EINVALID,
                             "unknown loss %d; expected linear or quadratic",
                             (int)fn->loss));
                ok = 0;
            }
        });
        return ok;
    }
    ERR(c, PARLEY_EINVALID, "unknown value function kind %d", (int)fn->kind);
    return 0;
}

/* ---- red lines -------------------------------------------------------- */

static void check_red_line(chk_t *c, const parley_red_line_t *rl)
{
    const parley_scenario_t *sc = c->sc;
    if (rl->issue >= sc->n_issues) {
        WITH_KEY(c, "issue", ERR(c, PARLEY_EINVALID,
                                 "refers to issue number %zu; there are %zu "
                                 "issues",
                                 rl->issue, sc->n_issues));
        return;
    }
    check_text(c, "note", rl->note);
    if (c->o->issue_skip && c->o->issue_skip[rl->issue])
        return;
    const parley_issue_t *is = &sc->issues[rl->issue];
    const char *iid = is->id ? is->id : "?";
    if (!valid_cmp(rl->op)) {
        WITH_KEY(c, "op", ERR(c, PARLEY_EINVALID,
                              "unknown operator %d; expected one of %s",
                              (int)rl->op, parley__cmp_allowed(is->kind)));
        return;
    }
    if (!parley__cmp_fits(is->kind, rl->op)) {
        WITH_KEY(c, "op", ERR(c, PARLEY_EINVALID,
                              "operator '%s' does not apply to %s issue '%s'; "
                              "use one of %s",
                              parley_cmp_name(rl->op),
                              parley__issue_kind_name(is->kind), iid,
                              parley__cmp_allowed(is->kind)));
        return;
    }
    if (is->kind != PARLEY_ISSUE_DISCRETE) {
        WITH_KEY(c, "value", {
            if (!isfinite(rl->value))
                ERR(c, PARLEY_EINVALID, "must be a finite number, got %s",
                    parley__num(rl->value).s);
            if (rl->n_options)
                ERR(c, PARLEY_EINVALID,
                    "a red line on a numeric issue takes a number, not "
                    "options");
        });
        return;
    }
    int single = rl->op == PARLEY_CMP_EQ || rl->op == PARLEY_CMP_NE;
    WITH_KEY(c, "value", {
        if (single && rl->n_options != 1) {
            ERR(c, PARLEY_EINVALID,
                "operator '%s' takes exactly one option, found %zu",
                parley_cmp_name(rl->op), rl->n_options);
        } else if (rl->n_options == 0) {
            ERR(c, PARLEY_EINVALID,
                "operator '%s' needs at least one option, found none",
                parley_cmp_name(rl->op));
        } else if (!rl->options) {
            ERR(c, PARLEY_EARG, "%zu options announced but no list",
                rl->n_options);
        } else {
            unsigned char *seen =
                parley_calloc(is->n_options ? is->n_options : 1, 1);
            if (!seen) {
                oom(c);
            } else {
                for (size_t m = 0; m < rl->n_options; m++) {
                    size_t len = single ? c->path.len
                                        : parley__path_index(&c->path, m);
                    size_t o = rl->options[m];
                    if (o >= is->n_options)
                        ERR(c, PARLEY_EINVALID,
                            "refers to option number %zu; issue '%s' has %zu "
                            "options",
                            o, iid, is->n_options);
                    else if (seen[o])
                        ERR(c, PARLEY_EDUPLICATE,
                            "option '%s' is listed twice",
                            is->options && is->options[o] ? is->options[o]
                                                          : "?");
                    else
                        seen[o] = 1;
                    if (!single)
                        parley__path_pop(&c->path, len);
                }
                parley_free(seen);
            }
        }
    });
}

/* ---- parties ---------------------------------------------------------- */

static void check_party(chk_t *c, const parley_party_t *p)
{
    const parley_scenario_t *sc = c->sc;
    int voting = p->role == PARLEY_ROLE_PARTY;
    check_text(c, "name", p->name);
    if ((unsigned)p->role > (unsigned)PARLEY_ROLE_OBSERVER)
        WITH_KEY(c, "role", ERR(c, PARLEY_EINVALID,
                                "unknown role %d; expected party, guarantor, "
                                "monitor or observer",
                                (int)p->role));
    WITH_KEY(c, "power", {
        if (!isfinite(p->power))
            ERR(c, PARLEY_EINVALID, "power must be a finite number, got %s",
                parley__num(p->power).s);
        else if (voting && !(p->power > 0))
            ERR(c, PARLEY_ERANGE,
                "a voting party's power must be > 0, got %s",
                parley__num(p->power).s);
        else if (p->power < 0)
            ERR(c, PARLEY_ERANGE, "power must be >= 0, got %s",
                parley__num(p->power).s);
    });
    int reservation_ok = 0;
    WITH_KEY(c, "reservation", {
        if (!isfinite(p->reservation))
            ERR(c, PARLEY_EINVALID,
                "reservation must be a finite number, got %s",
                parley__num(p->reservation).s);
        else if (p->reservation < 0)
            ERR(c, PARLEY_ERANGE,
                "reservation must be >= 0 (utilities are never negative), "
                "got %s",
                parley__num(p->reservation).s);
        else
            reservation_ok = 1;
    });
    WITH_KEY(c, "discount", {
        if (!isfinite(p->discount) || !(p->discount > 0) || p->discount > 1)
            ERR(c, PARLEY_ERANGE, "discount must be in (0, 1], got %s",
                parley__num(p->discount).s);
    });

    if (!p->weights != !p->values) {
        WITH_KEY(c, "utility",
                 ERR(c, PARLEY_EARG,
                     "weights and value functions must both be present or "
                     "both absent"));
    } else if (!p->weights) {
        if (voting && !c->o->public_only)
            WITH_KEY(c, "utility",
                     ERR(c, PARLEY_EMISSING,
                         "a voting party needs a utility, found none"));
    } else {
        double sum = 0, best = 0;
        int best_known = 1, weights_ok = 1;
        WITH_KEY(c, "utility", {
            for (size_t k = 0; k < sc->n_issues; k++) {
                const parley_issue_t *is = &sc->issues[k];
                double w = p->weights[k];
                const parley_value_fn_t *fn = &p->values[k];
                if (w == 0 && fn->kind == PARLEY_VALUE_NONE)
                    continue;
                WITH_KEY(c, is->id ? is->id : "?", {
                    int ok = 1;
                    if (!isfinite(w) || w < 0) {
                        WITH_KEY(c, "weight",
                                 ERR(c, PARLEY_ERANGE,
                                     "weight must be a finite number >= 0, "
                                     "got %s",
                                     parley__num(w).s));
                        ok = weights_ok = 0;
                    }
                    if (c->o->issue_skip && c->o->issue_skip[k])
                        best_known = 0;
                    else if (!check_value_fn(c, fn, is, w))
                        best_known = 0;
                    else if (ok)
                        best += w * value_fn_max(fn, is);
                    if (ok)
                        sum += w;
                });
            }
            if (voting && weights_ok &&
                fabs(sum - 1) > WEIGHT_SUM_TOLERANCE)
                WARN(c, PARLEY_EINVALID,
                     "weights sum to %s, not 1; they are used as written, so "
                     "this party's utility is at most %s",
                     parley__num(sum).s, parley__num(sum).s);
        });
        if (voting && weights_ok && best_known && reservation_ok &&
            p->reservation > best)
            WITH_KEY(c, "reservation",
                     WARN(c, PARLEY_EINVALID,
                          "reservation %s is above the highest utility this "
                          "party can reach (%s): no package is acceptable to "
                          "it",
                          parley__num(p->reservation).s,
                          parley__num(best).s));
    }

    if (p->n_red_lines && !p->red_lines) {
        WITH_KEY(c, "red_lines", ERR(c, PARLEY_EARG,
                                     "%zu red lines announced but no list",
                                     p->n_red_lines));
        return;
    }
    WITH_KEY(c, "red_lines", {
        for (size_t r = 0; r < p->n_red_lines && !c->oom; r++)
            WITH_INDEX(c, r, check_red_line(c, &p->red_lines[r]));
    });
}

static void check_parties(chk_t *c)
{
    const parley_scenario_t *sc = c->sc;
    size_t voting = 0;
    if (sc->n_parties == 0) {
        WITH_KEY(c, "parties", ERR(c, PARLEY_EINVALID,
                                   "at least one party is required, found "
                                   "none"));
        return;
    }
    if (sc->n_parties > PARLEY_MAX_PARTIES)
        WITH_KEY(c, "parties", ERR(c, PARLEY_ELIMIT,
                                   "%zu parties, more than the limit of %d",
                                   sc->n_parties, PARLEY_MAX_PARTIES));
    size_t *dup = first_of_ids(&sc->parties[0].id, sc->n_parties,
                               sizeof(parley_party_t));
    if (!dup) {
        oom(c);
        return;
    }
    WITH_KEY(c, "parties", {
        for (size_t i = 0; i < sc->n_parties && !c->oom; i++) {
            const parley_party_t *p = &sc->parties[i];
            if (p->role == PARLEY_ROLE_PARTY)
                voting++;
            WITH_INDEX(c, i, {
                WITH_KEY(c, "id", {
                    check_id(c, p->id, "a party");
                    if (dup[i] != (size_t)-1)
                        ERR(c, PARLEY_EDUPLICATE,
                            "duplicate party id '%s' (also $.parties[%zu])",
                            p->id, dup[i]);
                });
                check_party(c, p);
            });
        }
        if (voting == 0)
            ERR(c, PARLEY_EINVALID,
                "no party has role \"party\"; at least one must negotiate and "
                "vote");
    });
    parley_free(dup);
}

/* ---- entry points ----------------------------------------------------- */

parley_status_t parley__scenario_check(const parley_scenario_t *sc,
                                       const parley__check_opts_t *opts)
{
    chk_t c;
    memset(&c, 0, sizeof c);
    c.o = opts;
    c.sc = sc;
    parley__path_init(&c.path);
    if (sc->version != PARLEY_FORMAT_VERSION)
        WITH_KEY(&c, "version",
                 ERR(&c, PARLEY_EVERSION,
                     "format version %d is not supported; this parley reads "
                     "and writes version %d",
                     sc->version, PARLEY_FORMAT_VERSION));
    WITH_KEY(&c, "name", {
        if (!sc->name)
            ERR(&c, PARLEY_EMISSING, "a scenario needs a name, found none");
        else if (!sc->name[0])
            ERR(&c, PARLEY_EINVALID, "name must not be empty");
    });
    check_text(&c, "name", sc->name);
    check_text(&c, "description", sc->description);
    check_text(&c, "source", sc->source);

    /* Arrays announced but absent would be dereferenced below. */
    if ((sc->n_issues && !sc->issues) || (sc->n_clusters && !sc->clusters) ||
        (sc->n_parties && !sc->parties)) {
        ERR(&c, PARLEY_EARG, "a list is announced but absent");
        return c.first;
    }
    if (sc->n_issues == 0)
        WITH_KEY(&c, "issues", ERR(&c, PARLEY_EINVALID,
                                   "at least one issue is required, found "
                                   "none"));
    else if (sc->n_issues > PARLEY_MAX_ISSUES)
        WITH_KEY(&c, "issues", ERR(&c, PARLEY_ELIMIT,
                                   "%zu issues, more than the limit of %d",
                                   sc->n_issues, PARLEY_MAX_ISSUES));
    check_issues(&c);
    if (!c.oom)
        check_clusters(&c);
    if (!c.oom)
        check_parties(&c);
    /* Rules and guarantees name clusters, issues and parties: checked last,
     * with the same report. */
    if (!c.oom && (sc->rules || sc->n_guarantees)) {
        parley_status_t rs = parley__rules_check(sc->rules, sc, 1,
                                                 opts->report, opts->ctx);
        if (c.first == PARLEY_OK)
            c.first = rs;
    }
    return c.oom ? PARLEY_ENOMEM : c.first;
}

void parley__diags_report(void *ctx, parley_severity_t sev,
                          parley_status_t code, const char *path,
                          const char *message)
{
    parley__diags_sink_t *pc = ctx;
    parley_diags_add(pc->diags, sev, code, pc->file, 0, 0, path, "%s",
                     message);
}

parley_status_t parley_scenario_check(const parley_scenario_t *sc,
                                      const char *file, parley_diags_t *diags)
{
    if (!sc)
        return PARLEY_EARG;
    parley__diags_sink_t pc = {file, diags};
    parley__check_opts_t opts = {parley__diags_report, &pc, NULL, 0};
    return parley__scenario_check(sc, &opts);
}

/* ---- equality --------------------------------------------------------- */

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static int issue_eq(const parley_issue_t *a, const parley_issue_t *b)
{
    if (!str_eq(a->id, b->id) || !str_eq(a->name, b->name) ||
        !str_eq(a->unit, b->unit) || a->kind != b->kind ||
        a->n_options != b->n_options || a->cluster != b->cluster)
        return 0;
    if (a->kind == PARLEY_ISSUE_DISCRETE) {
        if (!a->options || !b->options)
            return a->options == b->options;
        for (size_t j = 0; j < a->n_options; j++)
            if (!str_eq(a->options[j], b->options[j]))
                return 0;
        return 1;
    }
    return a->min == b->min && a->max == b->max &&
           a->resolution == b->resolution;
}

static int cluster_eq(const parley_cluster_t *a, const parley_cluster_t *b)
{
    if (!str_eq(a->id, b->id) || !str_eq(a->name, b->name) ||
        !str_eq(a->description, b->description) || a->n_issues != b->n_issues)
        return 0;
    for (size_t m = 0; m < a->n_issues; m++)
        if (a->issues[m] != b->issues[m])
            return 0;
    return 1;
}

/* Equal when n is 0; otherwise a NULL array equals only a NULL one. */
static int doubles_eq(const double *a, const double *b, size_t n)
{
    if (n == 0)
        return 1;
    if (!a || !b)
        return a == b;
    for (size_t t = 0; t < n; t++)
        if (a[t] != b[t])
            return 0;
    return 1;
}

int parley__value_fn_equal(const parley_value_fn_t *a,
                           const parley_value_fn_t *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case PARLEY_VALUE_NONE:
        return 1;
    case PARLEY_VALUE_TABLE:
        return a->n_table == b->n_table &&
               doubles_eq(a->table, b->table, a->n_table);
    case PARLEY_VALUE_LINEAR:
        return a->offset == b->offset && a->slope == b->slope &&
               a->origin == b->origin;
    case PARLEY_VALUE_PIECEWISE:
        return a->n_points == b->n_points &&
               doubles_eq(a->xs, b->xs, a->n_points) &&
               doubles_eq(a->ys, b->ys, a->n_points);
    case PARLEY_VALUE_IDEAL:
        return a->ideal == b->ideal && a->scale == b->scale &&
               a->loss == b->loss;
    }
    return 0;
}

static const parley_value_fn_t no_value = {PARLEY_VALUE_NONE, NULL, 0, 0, 0,
                                           0, NULL, NULL, 0, 0, 0,
                                           PARLEY_LOSS_LINEAR};

static int party_eq(const parley_party_t *a, const parley_party_t *b,
                    const parley_scenario_t *sc)
{
    if (!str_eq(a->id, b->id) || !str_eq(a->name, b->name) ||
        a->role != b->role || a->power != b->power ||
        a->reservation != b->reservation || a->discount != b->discount ||
        a->n_red_lines != b->n_red_lines)
        return 0;
    /* Absent arrays mean weight 0 and no value function everywhere. */
    for (size_t k = 0; k < sc->n_issues; k++) {
        double wa = a->weights ? a->weights[k] : 0;
        double wb = b->weights ? b->weights[k] : 0;
        const parley_value_fn_t *fa = a->values ? &a->values[k] : &no_value;
        const parley_value_fn_t *fb = b->values ? &b->values[k] : &no_value;
        if (wa != wb || !parley__value_fn_equal(fa, fb))
            return 0;
    }
    for (size_t r = 0; r < a->n_red_lines; r++) {
        const parley_red_line_t *x = &a->red_lines[r], *y = &b->red_lines[r];
        if (x->issue != y->issue || x->op != y->op || !str_eq(x->note, y->note))
            return 0;
        if (x->issue < sc->n_issues &&
            sc->issues[x->issue].kind != PARLEY_ISSUE_DISCRETE) {
            if (x->value != y->value)
                return 0;
        } else {
            if (x->n_options != y->n_options)
                return 0;
            for (size_t m = 0; m < x->n_options; m++)
                if (x->options[m] != y->options[m])
                    return 0;
        }
    }
    return 1;
}

int parley_scenario_equal(const parley_scenario_t *a,
                          const parley_scenario_t *b)
{
    if (!a || !b)
        return a == b;
    if (a->version != b->version || !str_eq(a->name, b->name) ||
        !str_eq(a->description, b->description) ||
        !str_eq(a->source, b->source) || a->n_issues != b->n_issues ||
        a->n_clusters != b->n_clusters || a->n_parties != b->n_parties)
        return 0;
    for (size_t k = 0; k < a->n_issues; k++)
        if (!issue_eq(&a->issues[k], &b->issues[k]))
            return 0;
    for (size_t q = 0; q < a->n_clusters; q++)
        if (!cluster_eq(&a->clusters[q], &b->clusters[q]))
            return 0;
    for (size_t i = 0; i < a->n_parties; i++)
        if (!party_eq(&a->parties[i], &b->parties[i], a))
            return 0;
    return parley__scenario_equal_process(a, b);
}
