/*
 * scenario_read.c - the v1 JSON scenario reader.
 *
 * Reading happens in three steps.  jansson parses the text (rejecting
 * duplicate keys, NaN, Infinity and numbers beyond a double).  The reader
 * then walks the tree and fills a parley_scenario_t, reporting what only the
 * JSON can show: wrong types, missing and unknown fields, names that refer to
 * nothing (an issue id, an option id, an operator).  Finally the shared
 * semantic checks of scenario_check.c run on the filled struct.  Every
 * diagnostic names a JSON path, and the locator turns that path into line
 * and column in the text.
 *
 * The reader keeps going after an error so that one run shows every fault.
 * Where a piece of input is unusable it stores a neutral value (0 for a
 * mistyped number, nothing for a dropped red line) and remembers the path,
 * so that the semantic checks do not report the same fault again: a check
 * is silenced when its path contains the path of a reader error, or lies
 * inside one whose subtree the reader gave up on.  Warnings are only shown
 * for inputs without errors, since a partly read input makes them unreliable.
 * Any error, including running out of memory, frees everything and returns
 * no scenario.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parley/alloc.h"
#include "parley/rules.h"
#include "parley/scenario.h"
#include "process/process_internal.h"
#include "scenario/scenario_internal.h"

/* Diagnostics beyond this many are counted, not located (locating is a
 * linear scan, so unbounded reporting would be quadratic in the input). */
#define MAX_SHOWN 500

typedef struct err_path {
    char *path;
    int covers; /* the reader gave up on everything below this path */
} err_path_t;

typedef struct rd {
    const char *text;
    size_t len;
    const char *file;
    parley_diags_t *diags; /* where findings go: gathered, or out */
    parley_diags_t *out;      /* the caller's list */
    parley_diags_t *gathered; /* findings until rd_finish, or NULL */
    size_t kept0, seen0;      /* out's counts when the read began */
    /* The first error in text order (line, column), whose code the read
     * returns; OK if none. */
    parley_status_t first;
    unsigned first_line, first_column;
    size_t errors, shown, hidden;
    int oom, stop;
    err_path_t *err_paths;
    size_t n_err_paths, cap_err_paths;
    parley__path_t path;
    parley_scenario_t *sc;
    unsigned char *issue_skip;
    int issues_ok; /* issue ids can be looked up */
    parley__id_ref_t *issue_index;
    parley__id_ref_t **option_index; /* per discrete issue, or NULL */
    int public_only; /* parties may lack their private fields */
} rd_t;

/* ---- reporting -------------------------------------------------------- */

static void remember(rd_t *r, const char *path, int covers)
{
    if (r->n_err_paths == r->cap_err_paths) {
        size_t cap = r->cap_err_paths ? r->cap_err_paths * 2 : 16;
        err_path_t *n = parley_realloc(r->err_paths, cap * sizeof *n);
        if (!n) {
            r->oom = 1;
            return;
        }
        r->err_paths = n;
        r->cap_err_paths = cap;
    }
    char *copy = parley_strdup(path);
    if (!copy) {
        r->oom = 1;
        return;
    }
    r->err_paths[r->n_err_paths].path = copy;
    r->err_paths[r->n_err_paths].covers = covers;
    r->n_err_paths++;
}

static void add_diag(rd_t *r, parley_severity_t sev, parley_status_t code,
                     const char *path, int at_key, const char *msg)
{
    if (r->shown >= MAX_SHOWN) {
        r->hidden++;
        if (sev == PARLEY_SEVERITY_ERROR && r->first == PARLEY_OK)
            r->first = code; /* all shown ones were warnings */
        return;
    }
    size_t off = 0;
    unsigned line = 0, col = 0;
    if (r->text) {
        parley__json_locate(r->text, r->len, path, at_key, &off);
        parley__text_linecol(r->text, r->len, off, &line, &col);
    }
    r->shown++;
    if (sev == PARLEY_SEVERITY_ERROR &&
        (r->first == PARLEY_OK || line < r->first_line ||
         (line == r->first_line && col < r->first_column))) {
        r->first = code;
        r->first_line = line;
        r->first_column = col;
    }
    parley_diags_add(r->diags, sev, code, r->file, line, col, path, "%s", msg);
}

static void vreport(rd_t *r, parley_status_t code, int at_key, int covers,
                    const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    r->errors++;
    add_diag(r, PARLEY_SEVERITY_ERROR, code, r->path.buf, at_key, msg);
    remember(r, r->path.buf, covers);
}

/* An error at the current path; the reader stops using what is below it. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void err(rd_t *r, parley_status_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, code, 0, 1, fmt, ap);
    va_end(ap);
}

/* An error about a key (an unknown field): points at the key itself. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void err_key(rd_t *r, parley_status_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, code, 1, 1, fmt, ap);
    va_end(ap);
}

/* An error at the current path that leaves what is below it in use. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void err_open(rd_t *r, parley_status_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, code, 0, 0, fmt, ap);
    va_end(ap);
}

static void out_of_memory(rd_t *r)
{
    r->oom = 1;
}

/* The callback the shared checks report through. */
static void check_report(void *ctx, parley_severity_t sev,
                         parley_status_t code, const char *path,
                         const char *message)
{
    rd_t *r = ctx;
    if (code == PARLEY_ENOMEM) {
        r->oom = 1;
        return;
    }
    if (sev == PARLEY_SEVERITY_WARNING && r->errors > 0)
        return;
    for (size_t e = 0; e < r->n_err_paths; e++) {
        const err_path_t *q = &r->err_paths[e];
        if (parley__path_under(q->path, path) ||
            (q->covers && parley__path_under(path, q->path)))
            return;
    }
    if (sev == PARLEY_SEVERITY_ERROR)
        r->errors++;
    add_diag(r, sev, code, path, 0, message);
}

#define PUSH_KEY(r, key) parley__path_key(&(r)->path, (key))
#define PUSH_INDEX(r, i) parley__path_index(&(r)->path, (i))
#define POP(r, len) parley__path_pop(&(r)->path, (len))

/* ---- describing what was found ---------------------------------------- */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* "string \"abc\"", "number 5", "an array", "null", for messages. */
static const char *found(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = strlen(s);
        if (n > 60)
            snprintf(buf, size, "string \"%.57s...\"", s);
        else
            snprintf(buf, size, "string \"%s\"", s);
    } else if (json_is_number(v)) {
        snprintf(buf, size, "number %s", parley__num(json_number_value(v)).s);
    } else {
        snprintf(buf, size, "%s", type_name(v));
    }
    return buf;
}

#define FOUND(v) found((v), found_buf, sizeof found_buf)

/* ---- fields ----------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[64];
    if (lb >= 64 || la >= 64)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Reports every key of obj that is not in allowed[] (NULL-terminated). */
static void check_fields(rd_t *r, const json_t *obj,
                         const char *const *allowed, const char *what)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (ok)
            continue;
        /* A near miss (two edits or fewer) is probably a typo. */
        const char *near = NULL;
        size_t near_d = 3;
        for (const char *const *a = allowed; *a; a++) {
            size_t d = edit_distance(key, *a);
            if (d < near_d && d < strlen(*a)) {
                near_d = d;
                near = *a;
            }
        }
        char list[256];
        size_t n = 0;
        list[0] = '\0';
        for (const char *const *a = allowed; *a && n < sizeof list; a++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
                                  a == allowed ? "" : ", ", *a);
        size_t len = PUSH_KEY(r, key);
        if (near)
            err_key(r, PARLEY_EUNKNOWN,
                    "unknown field '%.100s' in %s (did you mean '%s'?); "
                    "allowed fields: %s",
                    key, what, near, list);
        else
            err_key(r, PARLEY_EUNKNOWN,
                    "unknown field '%.100s' in %s; allowed fields: %s", key,
                    what, list);
        POP(r, len);
    }
}

/*
 * The value of a field, or NULL when it is absent (or null and optional).
 * A missing required field is reported with `expect` saying what belongs
 * there.
 */
static json_t *field(rd_t *r, const json_t *obj, const char *key, int required,
                     const char *expect)
{
    json_t *v = json_object_get(obj, key);
    if (v && json_is_null(v) && !required)
        return NULL;
    if (!v && required) {
        size_t len = PUSH_KEY(r, key);
        err(r, PARLEY_EMISSING, "missing required field '%s' (%s)", key,
            expect);
        POP(r, len);
    }
    return v;
}

/* Sets *out to a copy of a string field; 1 when set. */
static int get_string(rd_t *r, const json_t *obj, const char *key,
                      int required, char **out)
{
    char found_buf[96];
    json_t *v = field(r, obj, key, required, "a string");
    if (!v)
        return 0;
    if (!json_is_string(v)) {
        size_t len = PUSH_KEY(r, key);
        err(r, PARLEY_ETYPE, "expected a string, found %s", FOUND(v));
        POP(r, len);
        return 0;
    }
    *out = parley_strdup(json_string_value(v));
    if (!*out) {
        out_of_memory(r);
        return 0;
    }
    return 1;
}

/* Sets *out to a number field; 1 when set. */
static int get_number(rd_t *r, const json_t *obj, const char *key,
                      int required, double *out)
{
    char found_buf[96];
    json_t *v = field(r, obj, key, required, "a number");
    if (!v)
        return 0;
    if (!json_is_number(v)) {
        size_t len = PUSH_KEY(r, key);
        err(r, PARLEY_ETYPE, "expected a number, found %s", FOUND(v));
        POP(r, len);
        return 0;
    }
    *out = json_number_value(v);
    return 1;
}

/* Matches a string field against names[]; the index, or -1 (reported). */
static int get_enum(rd_t *r, const json_t *obj, const char *key, int required,
                    const char *const *names, const char *expect)
{
    char found_buf[96];
    json_t *v = field(r, obj, key, required, expect);
    if (!v)
        return -1;
    size_t len = PUSH_KEY(r, key);
    int result = -1;
    if (!json_is_string(v)) {
        err(r, PARLEY_ETYPE, "expected %s, found %s", expect, FOUND(v));
    } else {
        for (int i = 0; names[i]; i++)
            if (strcmp(names[i], json_string_value(v)) == 0)
                result = i;
        if (result < 0)
            err(r, PARLEY_EINVALID, "unknown %s '%.100s'; expected %s", key,
                json_string_value(v), expect);
    }
    POP(r, len);
    return result;
}

/* "a, b, c" of up to about 200 bytes of ids, for "did not match" hints. */
static const char *list_ids(char *const *first, size_t n, size_t stride,
                            char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        const char *id =
            *(char *const *)(const void *)((const char *)first + k * stride);
        if (!id)
            continue;
        if (used + strlen(id) + 8 > size || used > 200) {
            snprintf(buf + used, size - used, ", ...");
            break;
        }
        used += (size_t)snprintf(buf + used, size - used, "%s'%s'",
                                 used ? ", " : "", id);
    }
    return buf;
}

/* The issue with this id, or -1 after reporting at the current path. */
static long find_issue(rd_t *r, const char *id, int at_key)
{
    const parley_scenario_t *sc = r->sc;
    long k = parley__id_find(r->issue_index, sc->n_issues, id);
    if (k < 0) {
        char list[256];
        list_ids(&sc->issues[0].id, sc->n_issues, sizeof(parley_issue_t),
                 list, sizeof list);
        if (at_key)
            err_key(r, PARLEY_EINVALID,
                    "unknown issue '%.100s'; the issues are %s", id, list);
        else
            err(r, PARLEY_EINVALID,
                "unknown issue '%.100s'; the issues are %s", id, list);
    }
    return k;
}

/* The option of discrete issue k with this id, or -1 after reporting. */
static long find_option(rd_t *r, size_t k, const char *id, int at_key)
{
    const parley_issue_t *is = &r->sc->issues[k];
    long j = parley__id_find(r->option_index[k], is->n_options, id);
    if (j < 0) {
        char list[256];
        list_ids(is->options, is->n_options, sizeof(char *), list,
                 sizeof list);
        if (at_key)
            err_key(r, PARLEY_EINVALID,
                    "unknown option '%.100s' of issue '%s'; the options are "
                    "%s",
                    id, is->id, list);
        else
            err(r, PARLEY_EINVALID,
                "unknown option '%.100s' of issue '%s'; the options are %s",
                id, is->id, list);
    }
    return j;
}

/* ---- issues ----------------------------------------------------------- */

static const char *const kind_names[] = {"discrete", "integer", "real", NULL};

static const char *const issue_fields[3][8] = {
    {"id", "name", "kind", "options", NULL},
    {"id", "name", "kind", "min", "max", "unit", NULL},
    {"id", "name", "kind", "min", "max", "resolution", "unit", NULL}};
static const char *const issue_fields_any[] = {
    "id", "name", "kind", "options", "min", "max", "resolution", "unit", NULL};

/* Returns 1 when the issue's shape (kind, options, range) is usable. */
static int parse_issue(rd_t *r, parley_issue_t *is, const json_t *v)
{
    char found_buf[96];
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected an issue object {\"id\": ..., \"kind\": ...}, found %s",
            FOUND(v));
        return 0;
    }
    get_string(r, v, "id", 1, &is->id);
    get_string(r, v, "name", 0, &is->name);
    int kind = get_enum(r, v, "kind", 1, kind_names,
                        "one of discrete, integer, real");
    if (kind < 0) {
        check_fields(r, v, issue_fields_any, "an issue");
        return 0;
    }
    is->kind = (parley_issue_kind_t)kind;
    char what[32];
    snprintf(what, sizeof what, "a %s issue", kind_names[kind]);
    check_fields(r, v, issue_fields[kind], what);

    if (is->kind == PARLEY_ISSUE_DISCRETE) {
        json_t *opts = field(r, v, "options", 1, "an array of option ids");
        if (!opts)
            return 0;
        size_t len = PUSH_KEY(r, "options");
        int ok = 1;
        if (!json_is_array(opts)) {
            err(r, PARLEY_ETYPE, "expected an array of option ids, found %s",
                FOUND(opts));
            ok = 0;
        } else if (json_array_size(opts) > PARLEY_MAX_OPTIONS) {
            err(r, PARLEY_ELIMIT, "%zu options, more than the limit of %d",
                json_array_size(opts), PARLEY_MAX_OPTIONS);
            ok = 0;
        } else if (json_array_size(opts) > 0) {
            size_t n = json_array_size(opts);
            is->options = parley_calloc(n, sizeof *is->options);
            if (!is->options) {
                out_of_memory(r);
                ok = 0;
            } else {
                is->n_options = n;
            }
            for (size_t j = 0; ok && j < n; j++) {
                json_t *o = json_array_get(opts, j);
                size_t l2 = PUSH_INDEX(r, j);
                if (!json_is_string(o)) {
                    err(r, PARLEY_ETYPE,
                        "expected an option id (a string), found %s",
                        FOUND(o));
                    ok = 0;
                } else if (!(is->options[j] =
                                 parley_strdup(json_string_value(o)))) {
                    out_of_memory(r);
                    ok = 0;
                }
                POP(r, l2);
            }
        }
        POP(r, len);
        return ok && !r->oom;
    }

    int ok = get_number(r, v, "min", 1, &is->min);
    ok &= get_number(r, v, "max", 1, &is->max);
    get_string(r, v, "unit", 0, &is->unit);
    if (is->kind == PARLEY_ISSUE_INTEGER)
        is->resolution = 1;
    else
        ok &= get_number(r, v, "resolution", 1, &is->resolution);
    if (ok)
        is->n_options =
            parley_issue_grid_size(is->min, is->max, is->resolution);
    return ok;
}

static void parse_issues(rd_t *r, const json_t *v)
{
    char found_buf[96];
    parley_scenario_t *sc = r->sc;
    if (!v)
        return;
    size_t len = PUSH_KEY(r, "issues");
    if (!json_is_array(v)) {
        err(r, PARLEY_ETYPE, "expected an array of issues, found %s",
            FOUND(v));
    } else if (json_array_size(v) > PARLEY_MAX_ISSUES) {
        err(r, PARLEY_ELIMIT, "%zu issues, more than the limit of %d",
            json_array_size(v), PARLEY_MAX_ISSUES);
    } else {
        size_t n = json_array_size(v);
        sc->issues = parley_calloc(n ? n : 1, sizeof *sc->issues);
        r->issue_skip = parley_calloc(n ? n : 1, 1);
        r->option_index = parley_calloc(n ? n : 1, sizeof *r->option_index);
        if (!sc->issues || !r->issue_skip || !r->option_index) {
            out_of_memory(r);
        } else {
            sc->n_issues = n;
            for (size_t k = 0; k < n; k++)
                sc->issues[k].cluster = -1;
            for (size_t k = 0; k < n && !r->oom; k++) {
                size_t l2 = PUSH_INDEX(r, k);
                if (!parse_issue(r, &sc->issues[k], json_array_get(v, k)))
                    r->issue_skip[k] = 1;
                POP(r, l2);
            }
        }
        if (!r->oom) {
            r->issue_index = parley__id_sort(
                n ? &sc->issues[0].id : NULL, sc->n_issues,
                sizeof(parley_issue_t));
            if (!r->issue_index)
                out_of_memory(r);
        }
        for (size_t k = 0; k < sc->n_issues && !r->oom; k++) {
            parley_issue_t *is = &sc->issues[k];
            if (r->issue_skip[k] || is->kind != PARLEY_ISSUE_DISCRETE)
                continue;
            r->option_index[k] =
                parley__id_sort(is->options, is->n_options, sizeof(char *));
            if (!r->option_index[k])
                out_of_memory(r);
        }
        r->issues_ok = !r->oom;
    }
    POP(r, len);
}

/* ---- clusters --------------------------------------------------------- */

static const char *const cluster_fields[] = {"id", "name", "description",
                                             "issues", NULL};

static void parse_cluster(rd_t *r, parley_cluster_t *cl, size_t q,
                          const json_t *v)
{
    char found_buf[96];
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected a cluster object {\"id\": ..., \"issues\": [...]}, "
            "found %s",
            FOUND(v));
        return;
    }
    check_fields(r, v, cluster_fields, "a cluster");
    get_string(r, v, "id", 1, &cl->id);
    get_string(r, v, "name", 0, &cl->name);
    get_string(r, v, "description", 0, &cl->description);
    json_t *list = field(r, v, "issues", 1, "an array of issue ids");
    if (!list)
        return;
    size_t len = PUSH_KEY(r, "issues");
    if (!json_is_array(list)) {
        err(r, PARLEY_ETYPE, "expected an array of issue ids, found %s",
            FOUND(list));
    } else if (json_array_size(list) > PARLEY_MAX_ISSUES) {
        err(r, PARLEY_ELIMIT, "%zu issues, more than the limit of %d",
            json_array_size(list), PARLEY_MAX_ISSUES);
    } else if (json_array_size(list) > 0) {
        size_t n = json_array_size(list);
        cl->issues = parley_calloc(n, sizeof *cl->issues);
        if (!cl->issues)
            out_of_memory(r);
        for (size_t m = 0; cl->issues && m < n; m++) {
            json_t *e = json_array_get(list, m);
            size_t l2 = PUSH_INDEX(r, m);
            if (!json_is_string(e)) {
                err(r, PARLEY_ETYPE, "expected an issue id (a string), found %s",
                    FOUND(e));
            } else if (r->issues_ok) {
                long k = find_issue(r, json_string_value(e), 0);
                if (k >= 0) {
                    cl->issues[cl->n_issues++] = (size_t)k;
                    if (r->sc->issues[k].cluster < 0)
                        r->sc->issues[k].cluster = (long)q;
                }
            }
            POP(r, l2);
        }
    }
    POP(r, len);
}

static void parse_clusters(rd_t *r, const json_t *v)
{
    char found_buf[96];
    parley_scenario_t *sc = r->sc;
    if (!v)
        return;
    size_t len = PUSH_KEY(r, "clusters");
    if (!json_is_array(v)) {
        err(r, PARLEY_ETYPE, "expected an array of clusters, found %s",
            FOUND(v));
    } else if (json_array_size(v) > PARLEY_MAX_ISSUES) {
        err(r, PARLEY_ELIMIT,
            "%zu clusters, more than the limit of %d (one per issue)",
            json_array_size(v), PARLEY_MAX_ISSUES);
    } else if (json_array_size(v) > 0) {
        size_t n = json_array_size(v);
        sc->clusters = parley_calloc(n, sizeof *sc->clusters);
        if (!sc->clusters) {
            out_of_memory(r);
        } else {
            sc->n_clusters = n;
            for (size_t q = 0; q < n && !r->oom; q++) {
                size_t l2 = PUSH_INDEX(r, q);
                parse_cluster(r, &sc->clusters[q], q, json_array_get(v, q));
                POP(r, l2);
            }
        }
    }
    POP(r, len);
}

/* ---- value functions -------------------------------------------------- */

static const char *const entry_fields[] = {"weight", "table", "linear",
                                           "piecewise", "ideal", NULL};
static const char *const linear_fields[] = {"offset", "slope", "origin",
                                            NULL};
static const char *const ideal_fields[] = {"at", "scale", "loss", NULL};
static const char *const loss_names[] = {"linear", "quadratic", NULL};

static void parse_table(rd_t *r, parley_value_fn_t *fn, size_t k,
                        const json_t *v)
{
    char found_buf[96];
    const parley_issue_t *is = &r->sc->issues[k];
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected an object of option values {\"option\": value, ...}, "
            "found %s",
            FOUND(v));
        return;
    }
    if (is->kind != PARLEY_ISSUE_DISCRETE) {
        err(r, PARLEY_EINVALID,
            "a table is for discrete issues; issue '%s' is %s: use linear, "
            "piecewise or ideal",
            is->id, parley__issue_kind_name(is->kind));
        return;
    }
    unsigned char *seen = parley_calloc(is->n_options ? is->n_options : 1, 1);
    fn->table = parley_calloc(is->n_options ? is->n_options : 1,
                              sizeof *fn->table);
    if (!seen || !fn->table) {
        parley_free(seen);
        out_of_memory(r);
        return;
    }
    fn->kind = PARLEY_VALUE_TABLE;
    fn->n_table = is->n_options;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val)
    {
        size_t len = PUSH_KEY(r, key);
        long j = find_option(r, k, key, 1);
        if (j >= 0) {
            if (!json_is_number(val))
                err(r, PARLEY_ETYPE, "expected a number in [0, 1], found %s",
                    FOUND(val));
            else
                fn->table[j] = json_number_value(val);
            seen[j] = 1;
        }
        POP(r, len);
    }
    char missing[256];
    size_t used = 0, n_missing = 0;
    missing[0] = '\0';
    for (size_t j = 0; j < is->n_options; j++) {
        if (seen[j])
            continue;
        n_missing++;
        if (used < 200)
            used += (size_t)snprintf(missing + used, sizeof missing - used,
                                     "%s'%.60s'", used ? ", " : "",
                                     is->options[j]);
        else if (used < sizeof missing - 6)
            used += (size_t)snprintf(missing + used, sizeof missing - used,
                                     ", ...");
    }
    if (n_missing)
        err_open(r, PARLEY_EMISSING,
                 "the table gives no value for %zu option%s of issue '%s': "
                 "%s; every option needs one",
                 n_missing, n_missing == 1 ? "" : "s", is->id, missing);
    parley_free(seen);
}

static void parse_linear(rd_t *r, parley_value_fn_t *fn,
                         const parley_issue_t *is, const json_t *v)
{
    char found_buf[96];
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected {\"offset\": a, \"slope\": b, \"origin\": x0}, found %s",
            FOUND(v));
        return;
    }
    check_fields(r, v, linear_fields, "a linear value function");
    fn->kind = PARLEY_VALUE_LINEAR;
    get_number(r, v, "offset", 1, &fn->offset);
    get_number(r, v, "slope", 1, &fn->slope);
    fn->origin = is->kind == PARLEY_ISSUE_DISCRETE ? 0 : is->min;
    get_number(r, v, "origin", 0, &fn->origin);
}

static void parse_piecewise(rd_t *r, parley_value_fn_t *fn, const json_t *v)
{
    char found_buf[96];
    if (!json_is_array(v)) {
        err(r, PARLEY_ETYPE,
            "expected an array of points [[x, y], ...], found %s", FOUND(v));
        return;
    }
    size_t n = json_array_size(v);
    if (n > PARLEY_MAX_POINTS) {
        err(r, PARLEY_ELIMIT, "%zu points, more than the limit of %d", n,
            PARLEY_MAX_POINTS);
        return;
    }
    fn->xs = parley_calloc(n ? n : 1, sizeof *fn->xs);
    fn->ys = parley_calloc(n ? n : 1, sizeof *fn->ys);
    if (!fn->xs || !fn->ys) {
        out_of_memory(r);
        return;
    }
    int ok = 1;
    for (size_t p = 0; p < n; p++) {
        json_t *pt = json_array_get(v, p);
        size_t len = PUSH_INDEX(r, p);
        if (!json_is_array(pt) || json_array_size(pt) != 2 ||
            !json_is_number(json_array_get(pt, 0)) ||
            !json_is_number(json_array_get(pt, 1))) {
            if (json_is_array(pt))
                err(r, PARLEY_ETYPE,
                    "expected a point [x, y] of two numbers, found an array "
                    "of %zu item%s",
                    json_array_size(pt), json_array_size(pt) == 1 ? "" : "s");
            else
                err(r, PARLEY_ETYPE,
                    "expected a point [x, y] of two numbers, found %s",
                    FOUND(pt));
            ok = 0;
        } else {
            fn->xs[p] = json_number_value(json_array_get(pt, 0));
            fn->ys[p] = json_number_value(json_array_get(pt, 1));
        }
        POP(r, len);
    }
    /* A function with a hole would give false order errors; it stays
     * unset and the hole is what is reported. */
    if (ok) {
        fn->kind = PARLEY_VALUE_PIECEWISE;
        fn->n_points = n;
    }
}

static void parse_ideal(rd_t *r, parley_value_fn_t *fn,
                        const parley_issue_t *is, const json_t *v)
{
    char found_buf[96];
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected {\"at\": x, \"scale\": s, \"loss\": \"linear\"}, found "
            "%s",
            FOUND(v));
        return;
    }
    check_fields(r, v, ideal_fields, "an ideal-point value function");
    fn->kind = PARLEY_VALUE_IDEAL;
    get_number(r, v, "at", 1, &fn->ideal);
    int numeric = is->kind != PARLEY_ISSUE_DISCRETE;
    fn->scale = numeric ? is->max - is->min : 1;
    if (!get_number(r, v, "scale", 0, &fn->scale) && numeric &&
        !(fn->scale > 0) && !json_object_get(v, "scale")) {
        size_t len = PUSH_KEY(r, "scale");
        err(r, PARLEY_ERANGE,
            "the default scale (max - min) is 0 because issue '%s' has a "
            "single value; give a scale > 0",
            is->id);
        POP(r, len);
    }
    int loss = get_enum(r, v, "loss", 0, loss_names,
                        "one of linear, quadratic");
    fn->loss = loss == 1 ? PARLEY_LOSS_QUADRATIC : PARLEY_LOSS_LINEAR;
}

static void parse_entry(rd_t *r, parley_party_t *p, size_t k, const json_t *v)
{
    char found_buf[96];
    const parley_issue_t *is = &r->sc->issues[k];
    parley_value_fn_t *fn = &p->values[k];
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected {\"weight\": w, <one value function>}, found %s",
            FOUND(v));
        return;
    }
    check_fields(r, v, entry_fields, "a utility entry");
    get_number(r, v, "weight", 1, &p->weights[k]);
    const char *kinds[4] = {"table", "linear", "piecewise", "ideal"};
    const char *given[4];
    size_t n_given = 0;
    for (int i = 0; i < 4; i++)
        if (json_object_get(v, kinds[i]))
            given[n_given++] = kinds[i];
    if (n_given == 0) {
        err(r, PARLEY_EMISSING,
            "needs exactly one value function (table, linear, piecewise or "
            "ideal), found none");
        return;
    }
    if (n_given > 1) {
        err(r, PARLEY_EINVALID,
            "has both '%s' and '%s'; give exactly one value function",
            given[0], given[1]);
        return;
    }
    if (r->issue_skip[k])
        return; /* the issue's own error says enough */
    size_t len = PUSH_KEY(r, given[0]);
    json_t *fv = json_object_get(v, given[0]);
    switch (given[0][0]) {
    case 't':
        parse_table(r, fn, k, fv);
        break;
    case 'l':
        parse_linear(r, fn, is, fv);
        break;
    case 'p':
        parse_piecewise(r, fn, fv);
        break;
    default:
        parse_ideal(r, fn, is, fv);
        break;
    }
    POP(r, len);
}

/* ---- red lines -------------------------------------------------------- */

static const char *const red_line_fields[] = {"issue", "op", "value", "note",
                                              NULL};
/* In parley_cmp_t order. */
static const char *const op_names[] = {"==", "!=", "<",  "<=", ">",
                                       ">=", "in", "not in", NULL};

/* Fills rl from v; 1 when it is complete and may be kept. */
static int parse_red_line(rd_t *r, parley_red_line_t *rl, const json_t *v)
{
    char found_buf[96];
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected a red line {\"issue\": ..., \"op\": ..., \"value\": "
            "...}, found %s",
            FOUND(v));
        return 0;
    }
    size_t errors = r->errors;
    check_fields(r, v, red_line_fields, "a red line");
    char *issue_id = NULL;
    long k = -1;
    if (get_string(r, v, "issue", 1, &issue_id) && r->issues_ok) {
        size_t len = PUSH_KEY(r, "issue");
        k = find_issue(r, issue_id, 0);
        POP(r, len);
    }
    parley_free(issue_id);
    int op = get_enum(r, v, "op", 1, op_names,
                      "one of ==, !=, <, <=, >, >=, in, not in");
    json_t *val = field(r, v, "value", 1, "an option id, a list of them, or "
                                          "a number");
    get_string(r, v, "note", 0, &rl->note);
    if (k < 0 || op < 0 || !val || r->errors != errors || r->oom ||
        r->issue_skip[k])
        return 0;
    const parley_issue_t *is = &r->sc->issues[k];
    rl->issue = (size_t)k;
    rl->op = (parley_cmp_t)op;
    if (!parley__cmp_fits(is->kind, rl->op)) {
        size_t len = PUSH_KEY(r, "op");
        err(r, PARLEY_EINVALID,
            "operator '%s' does not apply to %s issue '%s'; use one of %s",
            op_names[op], parley__issue_kind_name(is->kind), is->id,
            parley__cmp_allowed(is->kind));
        POP(r, len);
        return 0;
    }
    size_t len = PUSH_KEY(r, "value");
    if (is->kind != PARLEY_ISSUE_DISCRETE) {
        if (!json_is_number(val))
            err(r, PARLEY_ETYPE, "expected a number, found %s", FOUND(val));
        else
            rl->value = json_number_value(val);
    } else if (rl->op == PARLEY_CMP_EQ || rl->op == PARLEY_CMP_NE) {
        if (!json_is_string(val)) {
            err(r, PARLEY_ETYPE, "expected an option id (a string), found %s",
                FOUND(val));
        } else {
            long j = find_option(r, (size_t)k, json_string_value(val), 0);
            if (j >= 0) {
                rl->options = parley_malloc(sizeof *rl->options);
                if (!rl->options) {
                    out_of_memory(r);
                } else {
                    rl->options[0] = (size_t)j;
                    rl->n_options = 1;
                }
            }
        }
    } else if (!json_is_array(val)) {
        err(r, PARLEY_ETYPE, "expected an array of option ids, found %s",
            FOUND(val));
    } else {
        size_t n = json_array_size(val);
        rl->options = parley_calloc(n ? n : 1, sizeof *rl->options);
        if (!rl->options)
            out_of_memory(r);
        for (size_t m = 0; rl->options && m < n; m++) {
            json_t *o = json_array_get(val, m);
            size_t l2 = PUSH_INDEX(r, m);
            if (!json_is_string(o)) {
                err(r, PARLEY_ETYPE,
                    "expected an option id (a string), found %s", FOUND(o));
            } else {
                long j = find_option(r, (size_t)k, json_string_value(o), 0);
                if (j >= 0)
                    rl->options[rl->n_options++] = (size_t)j;
            }
            POP(r, l2);
        }
    }
    POP(r, len);
    return r->errors == errors && !r->oom;
}

/* ---- parties ---------------------------------------------------------- */

static const char *const party_fields[] = {
    "id",       "name",    "role",    "power", "reservation",
    "discount", "utility", "red_lines", NULL};
static const char *const role_names[] = {"party", "guarantor", "monitor",
                                         "observer", NULL};

static void parse_utility(rd_t *r, parley_party_t *p, const json_t *u)
{
    char found_buf[96];
    size_t len = PUSH_KEY(r, "utility");
    if (!json_is_object(u)) {
        err(r, PARLEY_ETYPE,
            "expected an object of issue entries {\"issue id\": {\"weight\": "
            "..., ...}}, found %s",
            FOUND(u));
    } else if (r->issues_ok) {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)u, key, val)
        {
            size_t l2 = PUSH_KEY(r, key);
            long k = find_issue(r, key, 1);
            if (k >= 0)
                parse_entry(r, p, (size_t)k, val);
            POP(r, l2);
            if (r->oom)
                break;
        }
    }
    POP(r, len);
}

static void parse_red_lines(rd_t *r, parley_party_t *p, const json_t *v)
{
    char found_buf[96];
    size_t len = PUSH_KEY(r, "red_lines");
    if (!json_is_array(v)) {
        err(r, PARLEY_ETYPE, "expected an array of red lines, found %s",
            FOUND(v));
    } else if (json_array_size(v) > 0) {
        size_t n = json_array_size(v);
        p->red_lines = parley_calloc(n, sizeof *p->red_lines);
        if (!p->red_lines)
            out_of_memory(r);
        for (size_t i = 0; p->red_lines && i < n && !r->oom; i++) {
            parley_red_line_t *rl = &p->red_lines[p->n_red_lines];
            size_t l2 = PUSH_INDEX(r, i);
            if (parse_red_line(r, rl, json_array_get(v, i))) {
                p->n_red_lines++;
            } else {
                parley_free(rl->options);
                parley_free(rl->note);
                memset(rl, 0, sizeof *rl);
            }
            POP(r, l2);
        }
    }
    POP(r, len);
}

static void parse_party(rd_t *r, parley_party_t *p, const json_t *v)
{
    char found_buf[96];
    p->discount = 1;
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected a party object {\"id\": ..., \"power\": ..., "
            "\"utility\": {...}}, found %s",
            FOUND(v));
        return;
    }
    check_fields(r, v, party_fields, "a party");
    get_string(r, v, "id", 1, &p->id);
    get_string(r, v, "name", 0, &p->name);
    p->role = PARLEY_ROLE_PARTY;
    if (json_object_get(v, "role") && !json_is_null(json_object_get(v, "role"))) {
        int role = get_enum(r, v, "role", 0, role_names,
                            "one of party, guarantor, monitor, observer");
        /* An unknown role is not assumed to vote: the voting party's
         * requirements would add faults that are not there. */
        p->role = role < 0 ? PARLEY_ROLE_OBSERVER : (parley_role_t)role;
    }
    int voting = p->role == PARLEY_ROLE_PARTY;
    get_number(r, v, "power", voting,
               &p->power);
    get_number(r, v, "reservation", 0, &p->reservation);
    get_number(r, v, "discount", 0, &p->discount);

    size_t n = r->sc->n_issues;
    p->weights = parley_calloc(n ? n : 1, sizeof *p->weights);
    p->values = parley_calloc(n ? n : 1, sizeof *p->values);
    if (!p->weights || !p->values) {
        out_of_memory(r);
        return;
    }
    json_t *u = field(r, v, "utility", voting && !r->public_only,
                      "an object giving a weight and a value function per "
                      "issue");
    if (u) {
        parse_utility(r, p, u);
    } else if (r->public_only) {
        /* No profile given: absent, as a session's public scenario has it. */
        parley_free(p->weights);
        parley_free(p->values);
        p->weights = NULL;
        p->values = NULL;
    }
    json_t *rls = field(r, v, "red_lines", 0, "");
    if (rls && !r->oom)
        parse_red_lines(r, p, rls);
}

static void parse_parties(rd_t *r, const json_t *v)
{
    char found_buf[96];
    parley_scenario_t *sc = r->sc;
    if (!v)
        return;
    size_t len = PUSH_KEY(r, "parties");
    if (!json_is_array(v)) {
        err(r, PARLEY_ETYPE, "expected an array of parties, found %s",
            FOUND(v));
    } else if (json_array_size(v) > PARLEY_MAX_PARTIES) {
        err(r, PARLEY_ELIMIT, "%zu parties, more than the limit of %d",
            json_array_size(v), PARLEY_MAX_PARTIES);
    } else if (json_array_size(v) > 0) {
        size_t n = json_array_size(v);
        sc->parties = parley_calloc(n, sizeof *sc->parties);
        if (!sc->parties) {
            out_of_memory(r);
        } else {
            sc->n_parties = n;
            for (size_t i = 0; i < n; i++)
                sc->parties[i].discount = 1;
            for (size_t i = 0; i < n && !r->oom; i++) {
                size_t l2 = PUSH_INDEX(r, i);
                parse_party(r, &sc->parties[i], json_array_get(v, i));
                POP(r, l2);
            }
        }
    }
    POP(r, len);
}

/* ---- rules ----------------------------------------------------------- */

/* Sets *out from a boolean field; 1 when set. */
static int get_bool(rd_t *r, const json_t *obj, const char *key, int *out)
{
    char found_buf[96];
    json_t *v = field(r, obj, key, 0, "true or false");
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        size_t len = PUSH_KEY(r, key);
        err(r, PARLEY_ETYPE, "expected true or false, found %s", FOUND(v));
        POP(r, len);
        return 0;
    }
    *out = json_is_true(v);
    return 1;
}

/* Sets *out from a whole number field in 0..4294967295; 1 when set. */
static int get_count(rd_t *r, const json_t *obj, const char *key,
                     unsigned *out)
{
    char found_buf[96];
    json_t *v = field(r, obj, key, 0, "a whole number >= 0");
    if (!v)
        return 0;
    size_t len = PUSH_KEY(r, key);
    int ok = 0;
    if (!json_is_number(v)) {
        err(r, PARLEY_ETYPE, "expected a whole number >= 0, found %s",
            FOUND(v));
    } else {
        double d = json_number_value(v);
        if (d != floor(d) || d < 0 || d > 4294967295.0)
            err(r, PARLEY_ERANGE,
                "expected a whole number from 0 to 4294967295, found %s",
                parley__num(d).s);
        else {
            *out = (unsigned)d;
            ok = 1;
        }
    }
    POP(r, len);
    return ok;
}

/* The object at obj[key] for a group of rules, or NULL (reported when it
 * is not an object). */
static const json_t *group(rd_t *r, const json_t *obj, const char *key,
                           const char *const *fields, const char *what)
{
    char found_buf[96];
    json_t *v = field(r, obj, key, 0, "");
    if (!v)
        return NULL;
    size_t len = PUSH_KEY(r, key);
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE, "expected %s object {...}, found %s", what,
            FOUND(v));
        v = NULL;
    } else {
        check_fields(r, v, fields, what);
    }
    POP(r, len);
    return v;
}

static const char *const rules_fields[] = {
    "decision",       "veto",   "information", "mediator",
    "agenda",         "working_groups", "pilots", "guarantees",
    "concessions",    "timetable", NULL};
static const char *const veto_fields[] = {"grounds", "window", "budget",
                                          NULL};
static const char *const info_fields[] = {"publish_counts",
                                          "private_channels", NULL};
static const char *const mediator_fields[] = {"concept", "lambda", "floor",
                                              "credit", NULL};
static const char *const agenda_fields[] = {"policy", "order", NULL};
static const char *const wg_fields[] = {"enabled", "salience", NULL};
static const char *const conc_fields[] = {"max_step", "reciprocity", NULL};
static const char *const timetable_fields[] = {"rounds_per_cluster",
                                               "max_rounds", NULL};
static const char *const decision_names_r[] = {"unanimity", "no_objection",
                                               NULL};
static const char *const agenda_names_r[] = {"easy_first", "given",
                                             "hard_first", "all_at_once",
                                             NULL};
static const char *const concept_names_r[] = {
    "utilitarian", "nash", "power_nash", "ks", "egalitarian", "mediated",
    NULL};

static void parse_veto_grounds(rd_t *r, parley_rules_t *ru, const json_t *v)
{
    char found_buf[96];
    size_t len = PUSH_KEY(r, "grounds");
    if (!json_is_array(v)) {
        err(r, PARLEY_ETYPE,
            "expected an array of grounds [\"red_line\", \"reservation\"], "
            "found %s",
            FOUND(v));
    } else {
        ru->veto_grounds = 0;
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *g = json_array_get(v, i);
            size_t l2 = PUSH_INDEX(r, i);
            if (!json_is_string(g))
                err(r, PARLEY_ETYPE,
                    "expected a ground (red_line or reservation), found %s",
                    FOUND(g));
            else if (strcmp(json_string_value(g), "red_line") == 0)
                ru->veto_grounds |= PARLEY_VETO_RED_LINE;
            else if (strcmp(json_string_value(g), "reservation") == 0)
                ru->veto_grounds |= PARLEY_VETO_RESERVATION;
            else
                err(r, PARLEY_EINVALID,
                    "unknown veto ground '%.100s'; expected red_line or "
                    "reservation",
                    json_string_value(g));
            POP(r, l2);
        }
    }
    POP(r, len);
}

static void parse_agenda_order(rd_t *r, parley_rules_t *ru, const json_t *v)
{
    char found_buf[96];
    size_t len = PUSH_KEY(r, "order");
    if (!json_is_array(v)) {
        err(r, PARLEY_ETYPE,
            "expected an array of cluster ids (and ids of issues no cluster "
            "names), found %s",
            FOUND(v));
    } else if (json_array_size(v) > 2 * PARLEY_MAX_ISSUES) {
        err(r, PARLEY_ELIMIT, "%zu agenda units, more than there can be",
            json_array_size(v));
    } else if (json_array_size(v) > 0) {
        size_t n = json_array_size(v);
        ru->agenda_order = parley_calloc(n, sizeof *ru->agenda_order);
        if (!ru->agenda_order) {
            out_of_memory(r);
        } else {
            ru->n_agenda_order = n;
            for (size_t i = 0; i < n && !r->oom; i++) {
                json_t *e = json_array_get(v, i);
                size_t l2 = PUSH_INDEX(r, i);
                if (!json_is_string(e))
                    err(r, PARLEY_ETYPE, "expected an id (a string), found %s",
                        FOUND(e));
                else if (!(ru->agenda_order[i] =
                               parley_strdup(json_string_value(e))))
                    out_of_memory(r);
                POP(r, l2);
            }
        }
    }
    POP(r, len);
}

/* Fills ru (initialised to the defaults) from the rules object v; the
 * current path is that of v. */
static void parse_rules_object(rd_t *r, parley_rules_t *ru, const json_t *v)
{
    char found_buf[96];
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE, "expected a rules object {...}, found %s",
            FOUND(v));
        return;
    }
    check_fields(r, v, rules_fields, "the rules");
    int e = get_enum(r, v, "decision", 0, decision_names_r,
                     "one of unanimity, no_objection");
    if (e >= 0)
        ru->decision = (parley_decision_rule_t)e;
    const json_t *g = group(r, v, "veto", veto_fields, "a veto policy");
    if (g) {
        size_t len = PUSH_KEY(r, "veto");
        json_t *gr = field(r, g, "grounds", 0, "");
        if (gr)
            parse_veto_grounds(r, ru, gr);
        get_count(r, g, "window", &ru->veto_window);
        get_count(r, g, "budget", &ru->veto_budget);
        POP(r, len);
    }
    g = group(r, v, "information", info_fields, "an information policy");
    if (g) {
        size_t len = PUSH_KEY(r, "information");
        get_bool(r, g, "publish_counts", &ru->publish_counts);
        get_bool(r, g, "private_channels", &ru->private_channels);
        POP(r, len);
    }
    g = group(r, v, "mediator", mediator_fields, "a mediator");
    if (g) {
        size_t len = PUSH_KEY(r, "mediator");
        e = get_enum(r, g, "concept", 0, concept_names_r,
                     "one of utilitarian, nash, power_nash, ks, egalitarian, "
                     "mediated");
        if (e >= 0)
            ru->concept = (parley_concept_t)e;
        get_number(r, g, "lambda", 0, &ru->lambda);
        if (get_number(r, g, "floor", 0, &ru->floor))
            ru->has_floor = 1;
        get_number(r, g, "credit", 0, &ru->credit);
        POP(r, len);
    }
    g = group(r, v, "agenda", agenda_fields, "an agenda");
    if (g) {
        size_t len = PUSH_KEY(r, "agenda");
        e = get_enum(r, g, "policy", 0, agenda_names_r,
                     "one of easy_first, given, hard_first, all_at_once");
        if (e >= 0)
            ru->agenda = (parley_agenda_policy_t)e;
        json_t *order = field(r, g, "order", 0, "");
        if (order)
            parse_agenda_order(r, ru, order);
        POP(r, len);
    }
    g = group(r, v, "working_groups", wg_fields, "a working-group policy");
    if (g) {
        size_t len = PUSH_KEY(r, "working_groups");
        get_bool(r, g, "enabled", &ru->working_groups);
        get_number(r, g, "salience", 0, &ru->wg_salience);
        POP(r, len);
    }
    get_bool(r, v, "pilots", &ru->pilots);
    get_bool(r, v, "guarantees", &ru->guarantees);
    g = group(r, v, "concessions", conc_fields, "a concession policy");
    if (g) {
        size_t len = PUSH_KEY(r, "concessions");
        get_number(r, g, "max_step", 0, &ru->max_step);
        get_bool(r, g, "reciprocity", &ru->reciprocity);
        POP(r, len);
    }
    g = group(r, v, "timetable", timetable_fields, "a timetable");
    if (g) {
        size_t len = PUSH_KEY(r, "timetable");
        get_count(r, g, "rounds_per_cluster", &ru->rounds_per_cluster);
        get_count(r, g, "max_rounds", &ru->max_rounds);
        POP(r, len);
    }
}

static void parse_rules(rd_t *r, const json_t *v)
{
    if (!v)
        return;
    parley_rules_t *ru = parley_calloc(1, sizeof *ru);
    if (!ru) {
        out_of_memory(r);
        return;
    }
    parley_rules_init(ru);
    r->sc->rules = ru;
    size_t len = PUSH_KEY(r, "rules");
    parse_rules_object(r, ru, v);
    POP(r, len);
}

/* ---- guarantees ------------------------------------------------------- */

static const char *const guarantee_fields[] = {
    "id",    "guarantor", "beneficiary", "kind", "credibility",
    "value", "conditions", "criteria",   NULL};
static const char *const guarantee_kinds_r[] = {"security", "economic",
                                                "monitoring", NULL};

/* The party with this id, or (size_t)-1 after reporting at the key. */
static size_t find_party(rd_t *r, const json_t *obj, const char *key)
{
    char *id = NULL;
    size_t found_at = (size_t)-1;
    if (!get_string(r, obj, key, 1, &id))
        return found_at;
    const parley_scenario_t *sc = r->sc;
    for (size_t i = 0; i < sc->n_parties; i++)
        if (sc->parties[i].id && strcmp(sc->parties[i].id, id) == 0) {
            found_at = i;
            break;
        }
    if (found_at == (size_t)-1) {
        char list[256];
        list_ids(sc->n_parties ? &sc->parties[0].id : NULL, sc->n_parties,
                 sizeof(parley_party_t), list, sizeof list);
        size_t len = PUSH_KEY(r, key);
        err(r, PARLEY_EINVALID, "unknown party '%.100s'; the parties are %s",
            id, list);
        POP(r, len);
    }
    parley_free(id);
    return found_at;
}

static void parse_guarantee(rd_t *r, parley_guarantee_t *g, const json_t *v)
{
    char found_buf[96];
    g->guarantor = g->beneficiary = (size_t)-1;
    if (!json_is_object(v)) {
        err(r, PARLEY_ETYPE,
            "expected a guarantee {\"id\": ..., \"guarantor\": ..., "
            "\"beneficiary\": ...}, found %s",
            FOUND(v));
        return;
    }
    check_fields(r, v, guarantee_fields, "a guarantee");
    get_string(r, v, "id", 1, &g->id);
    g->guarantor = find_party(r, v, "guarantor");
    g->beneficiary = find_party(r, v, "beneficiary");
    int e = get_enum(r, v, "kind", 1, guarantee_kinds_r,
                     "one of security, economic, monitoring");
    if (e >= 0)
        g->kind = (parley_guarantee_kind_t)e;
    get_number(r, v, "credibility", 1, &g->credibility);
    get_number(r, v, "value", 1, &g->value);
    get_string(r, v, "criteria", 0, &g->criteria);
    json_t *conds = field(r, v, "conditions", 0, "");
    if (!conds)
        return;
    size_t len = PUSH_KEY(r, "conditions");
    if (!json_is_array(conds)) {
        err(r, PARLEY_ETYPE,
            "expected an array of conditions (red-line style), found %s",
            FOUND(conds));
    } else if (json_array_size(conds) > 0) {
        size_t n = json_array_size(conds);
        g->conditions = parley_calloc(n, sizeof *g->conditions);
        if (!g->conditions)
            out_of_memory(r);
        for (size_t i = 0; g->conditions && i < n && !r->oom; i++) {
            parley_red_line_t *rl = &g->conditions[g->n_conditions];
            size_t l2 = PUSH_INDEX(r, i);
            if (parse_red_line(r, rl, json_array_get(conds, i))) {
                g->n_conditions++;
            } else {
                parley_free(rl->options);
                parley_free(rl->note);
                memset(rl, 0, sizeof *rl);
            }
            POP(r, l2);
        }
    }
    POP(r, len);
}

static void parse_guarantees(rd_t *r, const json_t *v)
{
    char found_buf[96];
    parley_scenario_t *sc = r->sc;
    if (!v)
        return;
    size_t len = PUSH_KEY(r, "guarantees");
    if (!json_is_array(v)) {
        err(r, PARLEY_ETYPE, "expected an array of guarantees, found %s",
            FOUND(v));
    } else if (json_array_size(v) > PARLEY_MAX_GUARANTEES) {
        err(r, PARLEY_ELIMIT, "%zu guarantees, more than the limit of %d",
            json_array_size(v), PARLEY_MAX_GUARANTEES);
    } else if (json_array_size(v) > 0) {
        size_t n = json_array_size(v);
        sc->guarantees = parley_calloc(n, sizeof *sc->guarantees);
        if (!sc->guarantees) {
            out_of_memory(r);
        } else {
            sc->n_guarantees = n;
            for (size_t t = 0; t < n && !r->oom; t++) {
                size_t l2 = PUSH_INDEX(r, t);
                parse_guarantee(r, &sc->guarantees[t], json_array_get(v, t));
                POP(r, l2);
            }
        }
    }
    POP(r, len);
}

/* ---- the document ----------------------------------------------------- */

static const char *const root_fields[] = {
    "version", "name",    "description", "source",     "issues",
    "clusters", "parties", "rules",      "guarantees", NULL};

static void parse_root(rd_t *r, const json_t *root)
{
    char found_buf[96];
    parley_scenario_t *sc = r->sc;
    if (!json_is_object(root)) {
        err(r, PARLEY_ETYPE, "the top level must be an object {...}, found %s",
            FOUND(root));
        return;
    }
    json_t *ver = field(r, root, "version", 1,
                        "this format is version 1: \"version\": 1");
    if (ver) {
        size_t len = PUSH_KEY(r, "version");
        if (!json_is_number(ver)) {
            err(r, PARLEY_ETYPE, "expected the number 1, found %s",
                FOUND(ver));
        } else {
            double d = json_number_value(ver);
            if (d > PARLEY_FORMAT_VERSION && d == floor(d)) {
                err(r, PARLEY_EVERSION,
                    "this file is format version %s, newer than this parley "
                    "reads (version %d); use a newer parley",
                    parley__num(d).s, PARLEY_FORMAT_VERSION);
                r->stop = 1; /* a newer format may mean anything below */
            } else if (d != PARLEY_FORMAT_VERSION) {
                err(r, PARLEY_EINVALID, "version must be %d, found %s",
                    PARLEY_FORMAT_VERSION, parley__num(d).s);
            }
        }
        POP(r, len);
        if (r->stop)
            return;
    }
    check_fields(r, root, root_fields, "a scenario");
    get_string(r, root, "name", 1, &sc->name);
    get_string(r, root, "description", 0, &sc->description);
    get_string(r, root, "source", 0, &sc->source);
    parse_issues(r, field(r, root, "issues", 1, "a non-empty array of issues"));
    if (!r->oom)
        parse_clusters(r, field(r, root, "clusters", 0, ""));
    if (!r->oom)
        parse_parties(r, field(r, root, "parties", 1,
                               "an array of parties, at least one with role "
                               "\"party\""));
    if (!r->oom)
        parse_rules(r, field(r, root, "rules", 0, ""));
    if (!r->oom && r->issues_ok)
        parse_guarantees(r, field(r, root, "guarantees", 0, ""));
}

/* ---- syntax errors ---------------------------------------------------- */

static int starts_with_ci(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    if (n < w)
        return 0;
    for (size_t i = 0; i < w; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/*
 * jansson reports the position just after the offending token and quotes
 * the token in its message ("invalid token near 'NaN'"); the diagnostic
 * points at the token's start instead, and rephrases the cases people meet
 * most: NaN, Infinity, overflow, duplicate keys.
 */
static void syntax_error(rd_t *r, const json_error_t *e)
{
    size_t pos = e->position > 0 ? (size_t)e->position : 0;
    if (pos > r->len)
        pos = r->len;
    size_t start = pos;
    const char *near = strstr(e->text, "near '");
    size_t tl = strlen(e->text);
    if (near && tl > 0 && e->text[tl - 1] == '\'') {
        const char *tok = near + 6;
        size_t n = (size_t)(e->text + tl - 1 - tok);
        if (n > 0 && n <= pos && memcmp(r->text + pos - n, tok, n) == 0)
            start = pos - n;
    }
    const char *at = r->text + start;
    size_t rest = r->len - start;
    const char *num = at;
    size_t num_rest = rest;
    if (num_rest > 0 && (*num == '-' || *num == '+')) {
        num++;
        num_rest--;
    }
    char msg[512];
    enum json_error_code code = json_error_code(e);
    if (code == json_error_invalid_syntax &&
        (starts_with_ci(num, num_rest, "nan") ||
         starts_with_ci(num, num_rest, "inf")))
        snprintf(msg, sizeof msg,
                 "JSON has no NaN or Infinity; write a finite number");
    else if (code == json_error_numeric_overflow)
        snprintf(msg, sizeof msg,
                 "number out of range: beyond the largest double "
                 "(about 1.8e308); write a finite number (%s)",
                 e->text);
    else if (code == json_error_duplicate_key)
        snprintf(msg, sizeof msg,
                 "duplicate key (%s); each key may appear once in an object",
                 e->text);
    else
        snprintf(msg, sizeof msg, "JSON syntax error: %s", e->text);
    unsigned line, col;
    parley__text_linecol(r->text, r->len, start, &line, &col);
    r->errors++;
    r->first = PARLEY_ESYNTAX;
    parley_diags_add(r->diags, PARLEY_SEVERITY_ERROR, PARLEY_ESYNTAX, r->file,
                     line, col, "", "%s", msg);
}

/* ---- entry points ----------------------------------------------------- */

typedef struct diag_pos {
    unsigned line, column;
    size_t index;
} diag_pos_t;

static int cmp_diag_pos(const void *a, const void *b)
{
    const diag_pos_t *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Moves the diagnostics gathered in `from` to `to` in the order of their
 * place in the text, as compilers list them (reading finds faults in two
 * passes, so gathering order is not text order).  Falls back to gathering
 * order when memory is short.
 */
static void flush_sorted(parley_diags_t *from, parley_diags_t *to)
{
    size_t n = parley_diags_count(from);
    diag_pos_t *order = parley_calloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; order && i < n; i++) {
        const parley_diag_t *d = parley_diags_get(from, i);
        order[i].line = d->line;
        order[i].column = d->column;
        order[i].index = i;
    }
    if (order && n > 1)
        qsort(order, n, sizeof *order, cmp_diag_pos);
    for (size_t i = 0; i < n; i++) {
        const parley_diag_t *d =
            parley_diags_get(from, order ? order[i].index : i);
        parley_diags_add(to, d->severity, d->code, d->file, d->line, d->column,
                         d->path, "%s", d->message);
    }
    parley_free(order);
}

static void rd_release(rd_t *r)
{
    for (size_t e = 0; e < r->n_err_paths; e++)
        parley_free(r->err_paths[e].path);
    parley_free(r->err_paths);
    if (r->option_index && r->sc)
        for (size_t k = 0; k < r->sc->n_issues; k++)
            parley_free(r->option_index[k]);
    parley_free(r->option_index);
    parley_free(r->issue_index);
    parley_free(r->issue_skip);
}

/*
 * Starts a read of text (len bytes) named name ("<string>" when NULL).  A
 * leading UTF-8 byte order mark is skipped (RFC 8259, 8.1).  Findings are
 * gathered apart and handed to diags in text order by rd_finish (see
 * flush_sorted); when that list cannot be made they go straight to diags.
 */
static void rd_open(rd_t *r, const char *text, size_t len, const char *name,
                    parley_diags_t *diags)
{
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    memset(r, 0, sizeof *r);
    r->text = text;
    r->len = len;
    r->file = name ? name : "<string>";
    r->out = diags;
    /* A diagnostic lost for want of memory must not pass unnoticed: the
     * lists count what they could not keep, and rd_finish checks the
     * difference. */
    r->kept0 = parley_diags_count(diags);
    r->seen0 = parley_diags_errors(diags) + parley_diags_warnings(diags);
    r->gathered = diags ? parley_diags_new() : NULL;
    r->diags = r->gathered ? r->gathered : diags;
    parley__path_init(&r->path);
    parley__json_use_parley_alloc();
}

/*
 * Abandons a read before anything was parsed: drops the gathered list, so
 * that what follows is reported to the caller's list directly.
 */
static void rd_abandon(rd_t *r)
{
    parley_diags_free(r->gathered);
    r->gathered = NULL;
    r->diags = r->out;
}

/*
 * Parses r's text as JSON (duplicate keys rejected, integers as reals).
 * NULL when it is not JSON: the read is abandoned, the syntax error (or
 * the lack of memory) reported, and *st says which.
 */
static json_t *rd_load(rd_t *r, parley_status_t *st)
{
    json_error_t jerr;
    memset(&jerr, 0, sizeof jerr); /* not all of it is set on failure */
    json_t *root = json_loadb(r->text, r->len,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
                              &jerr);
    if (root)
        return root;
    rd_abandon(r);
    if (json_error_code(&jerr) == json_error_out_of_memory ||
        parley__json_alloc_failed()) {
        parley_diags_add(r->out, PARLEY_SEVERITY_ERROR, PARLEY_ENOMEM,
                         r->file, 0, 0, "", "out of memory while reading");
        *st = PARLEY_ENOMEM;
    } else {
        syntax_error(r, &jerr);
        *st = PARLEY_ESYNTAX;
    }
    return NULL;
}

/*
 * Ends the reporting of a read: hands the gathered findings over in text
 * order, says how many were not shown, and sets r->oom when any finding
 * was lost for want of memory.
 */
static void rd_finish(rd_t *r)
{
    if (r->gathered) {
        flush_sorted(r->gathered, r->out);
        if (parley_diags_count(r->gathered) !=
            parley_diags_errors(r->gathered) +
                parley_diags_warnings(r->gathered))
            r->oom = 1;
        rd_abandon(r);
    }
    if (r->hidden)
        parley_diags_add(r->out,
                         r->errors ? PARLEY_SEVERITY_ERROR
                                   : PARLEY_SEVERITY_WARNING,
                         r->first, r->file, 0, 0, "",
                         "%zu more diagnostics not shown", r->hidden);
    if (parley_diags_count(r->out) - r->kept0 !=
        parley_diags_errors(r->out) + parley_diags_warnings(r->out) -
            r->seen0)
        r->oom = 1;
}

/*
 * The whole file at path, in a new buffer the caller frees (*buf, *len).
 * When it cannot be opened or read, or memory runs out, the fault is
 * reported to diags under the path's name and PARLEY_EIO or PARLEY_ENOMEM
 * returned, with nothing to free.  An empty file gives *len 0.
 */
static parley_status_t read_whole_file(const char *path, char **buf,
                                       size_t *len, parley_diags_t *diags)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_EIO, path, 0, 0,
                         "", "cannot open: %s", strerror(errno));
        return PARLEY_EIO;
    }
    char *b = NULL;
    size_t n = 0, cap = 0;
    parley_status_t failed = PARLEY_OK;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = parley_realloc(b, ncap);
            if (!nb) {
                failed = PARLEY_ENOMEM;
                break;
            }
            b = nb;
            cap = ncap;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                failed = PARLEY_EIO;
            break;
        }
    }
    int saved = errno;
    fclose(f);
    if (failed != PARLEY_OK) {
        parley_free(b);
        if (failed == PARLEY_ENOMEM)
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, failed, path, 0, 0,
                             "", "out of memory while reading");
        else
            parley_diags_add(diags, PARLEY_SEVERITY_ERROR, failed, path, 0, 0,
                             "", "cannot read: %s", strerror(saved));
        return failed;
    }
    *buf = b;
    *len = n;
    return PARLEY_OK;
}

static parley_status_t read_string(const char *text, size_t len,
                                   const char *name, int public_only,
                                   parley_scenario_t **out,
                                   parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!text && len)
        return PARLEY_EARG;
    if (!text)
        text = "";
    rd_t r;
    rd_open(&r, text, len, name, diags);
    r.public_only = public_only;

    /* jansson lets a NUL byte through after a number; JSON has none. */
    const char *nul = memchr(r.text, '\0', r.len);
    if (nul) {
        unsigned line, col;
        parley__text_linecol(r.text, r.len, (size_t)(nul - r.text), &line,
                             &col);
        rd_abandon(&r);
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ESYNTAX, r.file,
                         line, col, "",
                         "JSON syntax error: a NUL byte; JSON text has none "
                         "(is this a text file?)");
        return PARLEY_ESYNTAX;
    }

    parley_status_t st;
    json_t *root = rd_load(&r, &st);
    if (!root)
        return st;

    r.sc = parley_scenario_new();
    if (!r.sc)
        r.oom = 1;
    else
        parse_root(&r, root);
    json_decref(root);

    if (!r.oom && !r.stop) {
        parley__check_opts_t opts = {check_report, &r, r.issue_skip,
                                     public_only};
        if (parley__scenario_check(r.sc, &opts) == PARLEY_ENOMEM)
            r.oom = 1;
    }
    rd_finish(&r);
    rd_release(&r);

    if (r.oom) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ENOMEM, r.file,
                         0, 0, "", "out of memory while reading");
        parley_scenario_free(r.sc);
        return PARLEY_ENOMEM;
    }
    if (r.errors) {
        parley_scenario_free(r.sc);
        return r.first;
    }
    *out = r.sc;
    return PARLEY_OK;
}

parley_status_t parley_scenario_read_string(const char *text, size_t len,
                                            const char *name,
                                            parley_scenario_t **out,
                                            parley_diags_t *diags)
{
    return read_string(text, len, name, 0, out, diags);
}

parley_status_t parley__scenario_read_public(const char *text, size_t len,
                                             const char *name,
                                             parley_scenario_t **out,
                                             parley_diags_t *diags)
{
    return read_string(text, len, name, 1, out, diags);
}

parley_status_t parley_scenario_read_file(const char *path,
                                          parley_scenario_t **out,
                                          parley_diags_t *diags)
{
    if (!out)
        return PARLEY_EARG;
    *out = NULL;
    if (!path)
        return PARLEY_EARG;
    char *buf;
    size_t len;
    parley_status_t rs = read_whole_file(path, &buf, &len, diags);
    if (rs != PARLEY_OK)
        return rs;
    parley_status_t st = parley_scenario_read_string(buf, len, path, out,
                                                     diags);
    parley_free(buf);
    return st;
}

/* ---- a separate rules file -------------------------------------------- */

static const char *const rules_root_fields[] = {"version", "rules", NULL};

parley_status_t parley_rules_read_string(const char *text, size_t len,
                                         const char *name,
                                         const parley_scenario_t *sc,
                                         parley_rules_t *rules,
                                         parley_diags_t *diags)
{
    char found_buf[96];
    if (!rules)
        return PARLEY_EARG;
    parley_rules_init(rules);
    if (!sc || (!text && len))
        return PARLEY_EARG;
    if (!text)
        text = "";
    rd_t r;
    rd_open(&r, text, len, name, diags);
    parley_status_t st;
    json_t *root = rd_load(&r, &st);
    if (!root)
        return st;
    /* The scenario is only read: ids for messages, clusters for the
     * agenda. */
    r.sc = (parley_scenario_t *)sc;
    if (!json_is_object(root)) {
        err(&r, PARLEY_ETYPE,
            "a rules file is an object {\"version\": 1, \"rules\": {...}}, "
            "found %s",
            FOUND(root));
    } else {
        json_t *ver = field(&r, root, "version", 1,
                            "this format is version 1: \"version\": 1");
        if (ver) {
            size_t l = PUSH_KEY(&r, "version");
            if (!json_is_number(ver) ||
                json_number_value(ver) != PARLEY_FORMAT_VERSION)
                err(&r, json_is_number(ver) ? PARLEY_EVERSION : PARLEY_ETYPE,
                    "expected version %d, found %s", PARLEY_FORMAT_VERSION,
                    FOUND(ver));
            POP(&r, l);
        }
        check_fields(&r, root, rules_root_fields, "a rules file");
        json_t *v = field(&r, root, "rules", 1, "the rules object {...}");
        if (v) {
            size_t l = PUSH_KEY(&r, "rules");
            parse_rules_object(&r, rules, v);
            POP(&r, l);
        }
    }
    json_decref(root);
    if (!r.oom &&
        parley__rules_check(rules, sc, 0, check_report, &r) == PARLEY_ENOMEM)
        r.oom = 1;
    rd_finish(&r);
    r.sc = NULL; /* rd_release must not touch the borrowed scenario */
    rd_release(&r);
    if (r.oom) {
        parley_diags_add(diags, PARLEY_SEVERITY_ERROR, PARLEY_ENOMEM, r.file,
                         0, 0, "", "out of memory while reading");
        parley_rules_clear(rules);
        parley_rules_init(rules);
        return PARLEY_ENOMEM;
    }
    if (r.errors) {
        parley_rules_clear(rules);
        parley_rules_init(rules);
        return r.first;
    }
    return PARLEY_OK;
}

parley_status_t parley_rules_read_file(const char *path,
                                       const parley_scenario_t *sc,
                                       parley_rules_t *rules,
                                       parley_diags_t *diags)
{
    if (!rules)
        return PARLEY_EARG;
    parley_rules_init(rules);
    if (!path || !sc)
        return PARLEY_EARG;
    char *buf;
    size_t len;
    parley_status_t rs = read_whole_file(path, &buf, &len, diags);
    if (rs != PARLEY_OK)
        return rs;
    parley_status_t st =
        parley_rules_read_string(buf, len, path, sc, rules, diags);
    parley_free(buf);
    return st;
}
