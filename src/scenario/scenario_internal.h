/*
 * scenario_internal.h - what the scenario reader, writer and checker share.
 *
 * The semantic checks live in one place (scenario_check.c) and report through
 * a callback, so that the same checks serve a scenario filled by an importer
 * (positions unknown: line and column 0) and one read from JSON (the reader's
 * callback looks the JSON path up in the text and adds line and column).
 * JSON paths are built and parsed here too, so that the path a check names is
 * exactly the path the locator can find.
 */
#ifndef PARLEY_SCENARIO_INTERNAL_H
#define PARLEY_SCENARIO_INTERNAL_H

#include <stddef.h>

#include "parley/error.h"
#include "parley/scenario.h"

/* ---- JSON paths ------------------------------------------------------- */

/*
 * A JSON path being built: "$", then ".key" for keys that look like C
 * identifiers, "['key']" for any other key (\\, \' and control characters
 * escaped as \uXXXX), "[N]" for array indices.  A segment that would not
 * fit is not added and counted in `overflow` (pushes and pops must nest);
 * the path then names the deepest segment that fit, which the locator can
 * still find, a useful position.
 */
#define PARLEY__PATH_MAX 1024

typedef struct parley__path {
    char buf[PARLEY__PATH_MAX];
    size_t len;
    int overflow;
} parley__path_t;

void parley__path_init(parley__path_t *p);
/* Both return the length before the push, for parley__path_pop(). */
size_t parley__path_key(parley__path_t *p, const char *key);
size_t parley__path_index(parley__path_t *p, size_t index);
void parley__path_pop(parley__path_t *p, size_t len);

/*
 * True when `path` is `base` or lies inside it ("$.a[1]" is under "$.a",
 * "$.ab" is not).
 */
int parley__path_under(const char *path, const char *base);

/* ---- locating a path in JSON text ------------------------------------- */

/*
 * Finds where the value at `path` starts in `text` (which must be JSON that
 * jansson accepted; anything else is handled without crashing but may give
 * a poor position).  When the whole path is found, returns 1 and sets
 * *offset to the value's first byte, or, with `at_key` and a path ending in
 * a key, to the opening quote of that key.  Otherwise returns 0 and sets
 * *offset to the start of the deepest value the path leads to (the object a
 * missing field belongs in, for instance).  Never allocates.
 * Time: linear in the bytes before the found value.
 */
int parley__json_locate(const char *text, size_t len, const char *path,
                        int at_key, size_t *offset);

/*
 * 1-based line and column of byte `offset`.  Columns count characters
 * (UTF-8 sequences), not bytes, the way jansson and editors do; a tab is one
 * column.
 */
void parley__text_linecol(const char *text, size_t len, size_t offset,
                          unsigned *line, unsigned *column);

/* ---- numbers and strings ---------------------------------------------- */

/*
 * The shortest decimal that reads back (strtod) to exactly `x`: "0.1", "40",
 * "1e-7", "1.5e+300" style, always valid JSON.  Fixed notation for decimal
 * exponents -6..20, scientific otherwise.  Returns the length, or -1 when x
 * is not finite (JSON has no NaN or Infinity) or buf is too small; 32 bytes
 * are always enough.
 */
int parley__format_double(double x, char *buf, size_t size);

/* A formatted number usable inside one printf call: parley__num(x).s */
typedef struct parley__num {
    char s[40];
} parley__num_t;
parley__num_t parley__num(double x);

/* ---- parties ---------------------------------------------------------- */

/*
 * Frees what party p owns (id, name, weights, the n_issues value functions,
 * red lines) and zeroes it.  p NULL, and NULL arrays in p, are fine.  The
 * party struct itself is not freed (parties sit side by side in arrays).
 */
void parley__party_clear(parley_party_t *p, size_t n_issues);

/*
 * Whether two value functions are the same function: same kind and the
 * same numbers in the fields that kind gives a meaning (other fields are
 * ignored).  Numbers compare with ==, so -0 equals 0 and NaN equals nothing.
 * An array of length n > 0 that is NULL equals only a NULL one.
 */
int parley__value_fn_equal(const parley_value_fn_t *a,
                           const parley_value_fn_t *b);

/* ---- writing JSON text ------------------------------------------------ */

/*
 * A growable NUL-terminated text.  Zero-initialise it; it grows on demand.
 * An append that cannot get memory, or that would pass `limit` (when not 0),
 * sets `oom` and every later append does nothing, so a writer can append
 * freely and check `oom` once at the end.  The caller frees `s`.
 */
typedef struct parley__strbuf {
    char *s;
    size_t len, cap;
    size_t limit; /* 0: no limit */
    int oom;      /* an append failed: the text is incomplete */
} parley__strbuf_t;

/* Appends n bytes of s (n may be 0). */
void parley__strbuf_put(parley__strbuf_t *b, const char *s, size_t n);
/* Appends the NUL-terminated s. */
void parley__strbuf_puts(parley__strbuf_t *b, const char *s);
/* Frees the text and zeroes the buffer; freeing a zeroed buffer is fine. */
void parley__strbuf_free(parley__strbuf_t *b);

/*
 * Appends s as a quoted JSON string.  A quote and a backslash are escaped;
 * a control character (below 0x20) is written in its two-character form
 * ("\\n") when it appears in `short_ctl` (a set such as "\n\t", may be
 * empty) and as "\\u00xx" (lower-case hex) otherwise.  Every other byte,
 * UTF-8 included, is copied as it is.  s must not be NULL: the callers
 * differ in what a missing string means.
 */
void parley__json_put_string(parley__strbuf_t *b, const char *s,
                             const char *short_ctl);
/*
 * Appends x as parley__format_double writes it.  Returns 0, or -1 without
 * writing anything when x is not finite: the caller decides between "null"
 * and an error.
 */
int parley__json_put_number(parley__strbuf_t *b, double x);

/* Strict UTF-8: no overlongs, no surrogates, nothing past U+10FFFF. */
int parley__utf8_valid(const char *s);

/* ---- id lookup -------------------------------------------------------- */

/* An id with the position it came from; sorted by id for binary search. */
typedef struct parley__id_ref {
    const char *id;
    size_t index;
} parley__id_ref_t;

/*
 * A parley_malloc'd array of n ids with their indices, sorted by id (NULL
 * ids first, equal ids by index).  The ids are read at `first` and every
 * `stride` bytes after it, so that both a char *[] (stride sizeof(char *))
 * and the id field of an array of structs (&items[0].id, sizeof items[0])
 * can be indexed.  NULL on allocation failure.
 */
parley__id_ref_t *parley__id_sort(char *const *first, size_t n,
                                  size_t stride);
/* The lowest index with this id, or -1. */
long parley__id_find(const parley__id_ref_t *refs, size_t n, const char *id);

/* ---- checks ----------------------------------------------------------- */

typedef void (*parley__report_fn)(void *ctx, parley_severity_t severity,
                                  parley_status_t code, const char *path,
                                  const char *message);

/*
 * A report callback that adds each finding to a diagnostics list, naming
 * `file` (passed on as it is, NULL too) with no line or column: for checks
 * of a scenario or rules built in memory.  ctx is a parley__diags_sink_t.
 */
typedef struct parley__diags_sink {
    const char *file;
    parley_diags_t *diags;
} parley__diags_sink_t;
void parley__diags_report(void *ctx, parley_severity_t severity,
                          parley_status_t code, const char *path,
                          const char *message);

typedef struct parley__check_opts {
    parley__report_fn report; /* required */
    void *ctx;
    /*
     * Optional, n_issues flags: issues whose shape is unknown because the
     * input already failed there.  Their own shape checks, and the checks of
     * value functions and red lines that depend on them, are skipped so that
     * one fault is reported once.
     */
    const unsigned char *issue_skip;
    /* 1: a party without weights and value functions is a party whose
     * profile is private (a live session's public scenario), not an error. */
    int public_only;
} parley__check_opts_t;

/*
 * Every semantic check of parley_scenario_check().  Returns PARLEY_OK, the
 * code of the first error reported, or PARLEY_ENOMEM (then the check was cut
 * short and has reported that).
 */
parley_status_t parley__scenario_check(const parley_scenario_t *sc,
                                       const parley__check_opts_t *opts);

/* Whether a red-line operator applies to an issue of this kind. */
int parley__cmp_fits(parley_issue_kind_t kind, parley_cmp_t op);
const char *parley__issue_kind_name(parley_issue_kind_t kind);
/* Comma-separated operators allowed for this kind, for messages. */
const char *parley__cmp_allowed(parley_issue_kind_t kind);

/*
 * The public read mode: reads a v1 JSON scenario as
 * parley_scenario_read_string() does, except that a voting party may come
 * without its private fields (utility, reservation, red_lines).  Such a
 * party is read with weights and values NULL, no red lines and reservation
 * 0, the way session.h's public scenario has it; a party that gives a
 * utility is read and checked in full.  This is how a live session's
 * scenario is read before the parties' profiles have come in, and how one
 * party's profile is checked on its own (docs/live.md).
 */
parley_status_t parley__scenario_read_public(const char *text, size_t len,
                                             const char *name,
                                             parley_scenario_t **out,
                                             parley_diags_t *diags);

/* ---- jansson ---------------------------------------------------------- */

/*
 * Routes jansson's memory through parley's allocator (alloc.h), once per
 * process, so that the allocator hooks see and can fail every allocation
 * made while reading or writing JSON.  Also clears this thread's record of
 * a failed jansson allocation, which parley__json_alloc_failed() reads:
 * jansson itself reports an allocation failure while parsing as a syntax
 * error or not at all.
 */
void parley__json_use_parley_alloc(void);
int parley__json_alloc_failed(void);

#endif
