/*
 * parley/error.h - status codes and diagnostics.
 *
 * Every fallible function returns a parley_status_t.  Status codes come from
 * one X-macro so that the enum, the name table and the message table can never
 * drift apart.  Problems found in user input (a scenario file, a GENIUS
 * profile, a CSV row) are reported as diagnostics: a value carrying severity,
 * code, file, line, column, JSON path and a message saying what was expected.
 * A diagnostics list collects every problem of an input so that a user can fix
 * them all in one pass instead of one per run.
 */
#ifndef PARLEY_ERROR_H
#define PARLEY_ERROR_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* XX(name, message) */
#define PARLEY_STATUS_MAP(XX)                                                  \
    XX(OK, "success")                                                          \
    XX(ENOMEM, "out of memory")                                                \
    XX(EIO, "input/output error")                                              \
    XX(ESYNTAX, "malformed input")                                             \
    XX(EINVALID, "invalid value")                                              \
    XX(EMISSING, "missing field")                                              \
    XX(EUNKNOWN, "unknown field")                                              \
    XX(ETYPE, "wrong type")                                                    \
    XX(EDUPLICATE, "duplicate id")                                             \
    XX(ERANGE, "value out of range")                                           \
    XX(ELIMIT, "size beyond stated limit")                                     \
    XX(EVERSION, "unsupported format version")                                 \
    XX(EINFEASIBLE, "nothing is feasible")                                     \
    XX(EBUDGET, "budget exhausted")                                            \
    XX(EARG, "invalid argument")                                               \
    XX(ENOTFOUND, "no such object")                                            \
    XX(EDENIED, "not permitted for this actor")                                \
    XX(ESTATE, "not allowed in the current state")

typedef enum parley_status {
#define PARLEY__STATUS_ENUM(name, msg) PARLEY_##name,
    PARLEY_STATUS_MAP(PARLEY__STATUS_ENUM)
#undef PARLEY__STATUS_ENUM
    PARLEY_STATUS_COUNT
} parley_status_t;

/* "PARLEY_ENOMEM" style name, and a human message; never NULL. */
const char *parley_status_name(parley_status_t status);
const char *parley_status_message(parley_status_t status);

typedef enum parley_severity {
    PARLEY_SEVERITY_ERROR,
    PARLEY_SEVERITY_WARNING
} parley_severity_t;

/*
 * One problem in one input.  line and column are 1-based; 0 means unknown
 * (for example a semantic error found after import from XML, where only the
 * file is known).  path is a JSON-path-like locator ("$.parties[2].power") or
 * an XML/CSV locator ("issue 'price'", "row 7"); empty when not applicable.
 */
typedef struct parley_diag {
    parley_severity_t severity;
    parley_status_t code;
    char file[256];
    unsigned line;
    unsigned column;
    char path[256];
    char message[512];
} parley_diag_t;

/* A growable list of diagnostics.  Destroying NULL is harmless. */
typedef struct parley_diags parley_diags_t;

parley_diags_t *parley_diags_new(void);
void parley_diags_free(parley_diags_t *diags);

/*
 * Appends a diagnostic.  printf-style message.  Never fails visibly: if memory
 * runs out the diagnostic is dropped but the error count still grows, so a
 * caller can never mistake a failed input for a good one.
 */
void parley_diags_add(parley_diags_t *diags, parley_severity_t severity,
                      parley_status_t code, const char *file, unsigned line,
                      unsigned column, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;

size_t parley_diags_count(const parley_diags_t *diags);
size_t parley_diags_errors(const parley_diags_t *diags);
size_t parley_diags_warnings(const parley_diags_t *diags);
/* Borrowed; lives until the list is freed or cleared. */
const parley_diag_t *parley_diags_get(const parley_diags_t *diags, size_t i);
void parley_diags_clear(parley_diags_t *diags);

/*
 * Formats one diagnostic the way compilers do:
 *   "file:line:column: error: $.parties[1].power: must be > 0, got -2"
 * Returns the length that would have been written (snprintf semantics).
 */
int parley_diag_format(const parley_diag_t *diag, char *buf, size_t size);
/* Prints every diagnostic, one per line. */
void parley_diags_print(const parley_diags_t *diags, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
