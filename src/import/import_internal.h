/*
 * import_internal.h - helpers shared by the GENIUS and KTAB importers.
 *
 * Both importers collect every problem of an input before giving up, so they
 * share a small error sink that remembers the first error's status (what the
 * import returns) next to the diagnostics list, which may be NULL.  They also
 * share the rules that turn foreign names into parley ids, strict number
 * parsing (no NaN, no infinities, no hex floats: a data file that says "nan"
 * is broken, not clever) and whole-file reading through the parley allocator.
 */
#ifndef PARLEY_IMPORT_INTERNAL_H
#define PARLEY_IMPORT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "parley/error.h"
#include "parley/scenario.h"

/* Largest input either importer reads: far above any real GENIUS or KTAB
 * file, low enough that a stray multi-gigabyte file fails fast. */
#define PARLEY__IMPORT_MAX_BYTES ((size_t)16 << 20)

typedef struct parley__sink {
    parley_diags_t *diags; /* may be NULL */
    size_t errors;
    parley_status_t first; /* status of the first error, PARLEY_OK if none */
} parley__sink_t;

void parley__sink_init(parley__sink_t *s, parley_diags_t *diags);

/* Records an error (and its status, if it is the first). */
void parley__sink_error(parley__sink_t *s, parley_status_t code,
                        const char *file, unsigned line, unsigned column,
                        const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;
void parley__sink_warning(parley__sink_t *s, parley_status_t code,
                          const char *file, unsigned line, unsigned column,
                          const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/*
 * Strict decimal number: optional surrounding blanks, then what strtod reads
 * from [+-]digits[.digits][e[+-]digits] and nothing else.  Returns 0 for
 * anything else, including values that overflow to infinity.
 */
int parley__parse_number(const char *s, double *out);
/* Strict integer in [LONG_MIN, LONG_MAX] with optional surrounding blanks. */
int parley__parse_long(const char *s, long *out);

/*
 * A parley id made from a human name: ASCII letters and digits lowercased,
 * every other run of bytes one '_', no leading or trailing '_', at most
 * PARLEY_MAX_ID - 16 bytes (room for a suffix); "x" if nothing is left.
 * Writes into buf (size >= PARLEY_MAX_ID).
 */
void parley__slug(const char *name, char *buf, size_t size);

/*
 * Makes `base` unique among the ids already given: base itself, else base_2,
 * base_3...  The earlier ids are the `char *` members at byte `offset` of the
 * n structs of size `stride` at `items` (so issue and party arrays can be
 * passed as they are; NULL members are skipped).  Returns a parley_malloc'd
 * string or NULL on allocation failure.  The result depends only on base and
 * the earlier ids, so it is stable across runs.
 */
char *parley__unique_id(const char *base, const void *items, size_t n,
                        size_t stride, size_t offset);

/* "dir/name.ext" -> "name" into buf; "name.ext" for the _ext variant. */
void parley__base_name(const char *path, char *buf, size_t size,
                       int keep_extension);

/*
 * Reads the whole file into a parley_malloc'd, NUL-terminated buffer.
 * Reports a diagnostic (EIO, or ELIMIT past PARLEY__IMPORT_MAX_BYTES) into
 * the sink and returns its status; ENOMEM is returned without a diagnostic.
 */
parley_status_t parley__read_file(const char *path, char **text, size_t *len,
                                  parley__sink_t *sink);

/* Escapes a foreign string for a diagnostic: at most `max` bytes, control
 * bytes as '?', a trailing "..." when cut. */
const char *parley__shown(const char *s, char *buf, size_t size);

#endif
