/*
 * ktab.c - KTAB spatial-model CSV (the KAPSARC toolkit's SMP input) into a
 * scenario.
 *
 * The format, as KTAB's example files write it:
 *
 *   row 1   scenario name, description, number of actors, number of dims
 *   row 2   headers: actor, description, capability, then per dimension a
 *           position header ("Competitive Position") and a salience header
 *   row 3.. per actor: id, description, capability, then per dimension the
 *           actor's position and salience, both on 0..100
 *
 * Fields are comma-separated and may be quoted ("a, b" with "" for a quote);
 * blanks around fields and trailing empty fields (the files end each row
 * with a comma) are ignored, as are rows with nothing but blanks and commas.
 * The scenario name may contain ';' (KTAB uses it inside the name field).
 *
 * Mapping: capability -> power (> 0); each dimension -> an integer issue
 * 0..100 whose id is made from the position header without its trailing
 * "Position" ("Competitive Position" -> "competitive"); each actor values it
 * by an ideal point at its position with linear loss over the whole range
 * (scale 100) and weights it by salience / 100.  Salience in KTAB is the
 * share of the actor's attention this dimension gets, the rest going to
 * matters outside the model, so an actor's weights sum to at most 1 and
 * usually below it; we keep that rather than rescale, since rescaling would
 * make a lukewarm actor as intense as a committed one.  Reservation is 0 and
 * discount 1: KTAB has neither.
 *
 * Every problem is reported with the file line and text column of the field
 * and a path "row R, column C (header)", R and C counting CSV rows and
 * fields from 1, and the import goes on to report the rest.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import_internal.h"
#include "parley/alloc.h"
#include "parley/import.h"

/* Fields a row may have: far more than 3 + 2 * PARLEY_MAX_ISSUES, so that
 * only a row of junk (say a megabyte of commas) is refused, before it costs
 * one allocation per field. */
#define KTAB_MAX_FIELDS 4096

/* Salience sums are checked with this slack, so that 33.3 + 33.3 + 33.4
 * passes whatever the rounding of the decimal digits. */
#define KTAB_SUM_SLACK 1e-9

typedef struct field {
    char *text; /* unquoted, blanks trimmed; parley_malloc'd */
    unsigned line, column;
} field_t;

typedef struct record {
    field_t *fields;
    size_t n, cap; /* n counts fields up to the last non-empty one */
    unsigned line; /* where the record starts */
} record_t;

typedef struct reader {
    const char *p, *end;
    unsigned line;
    const char *line_start;
} reader_t;

typedef struct ktab {
    parley__sink_t sink;
    int nomem;
    const char *file;
    size_t rows; /* CSV rows read so far, blank ones included */
} ktab_t;

static void record_clear(record_t *r)
{
    for (size_t i = 0; i < r->cap; i++) {
        parley_free(r->fields[i].text);
        r->fields[i].text = NULL;
    }
    r->n = 0;
}

static void record_free(record_t *r)
{
    record_clear(r);
    parley_free(r->fields);
    r->fields = NULL;
    r->cap = 0;
}

static unsigned column_of(const reader_t *rd, const char *at)
{
    return (unsigned)(at - rd->line_start) + 1;
}

/* Moves past the rest of the current row and its newline, if any. */
static void skip_row(reader_t *rd)
{
    while (rd->p < rd->end && *rd->p != '\n')
        rd->p++;
    if (rd->p < rd->end) {
        rd->p++;
        rd->line++;
        rd->line_start = rd->p;
    }
}

/*
 * Appends c to a field's text (*buf holding *n bytes in *cap), doubling
 * the buffer when only the room for the final NUL would be left.  On
 * allocation failure frees *buf, records the failure in kt and returns 0.
 */
static int field_put(ktab_t *kt, char **buf, size_t *n, size_t *cap, char c)
{
    if (*n + 1 >= *cap) {
        char *nb = parley_realloc(*buf, *cap * 2);
        if (!nb) {
            parley_free(*buf);
            kt->nomem = 1;
            return 0;
        }
        *buf = nb;
        *cap *= 2;
    }
    (*buf)[(*n)++] = c;
    return 1;
}

/*
 * Reads one field into a new string.  Returns 0 on allocation failure or a
 * syntax error (reported); *at_eol is set when the record ended after it.
 */
static int read_field(ktab_t *kt, reader_t *rd, field_t *f, int *at_eol)
{
    const char *p = rd->p;
    while (p < rd->end && (*p == ' ' || *p == '\t'))
        p++;
    f->line = rd->line;
    f->column = column_of(rd, p);
    size_t cap = 16, n = 0;
    char *buf = parley_malloc(cap);
    if (!buf) {
        kt->nomem = 1;
        return 0;
    }
    int quoted = p < rd->end && *p == '"';
    size_t trail = 0; /* unquoted: length without trailing blanks */
    if (quoted) {
        const char *open = p++;
        unsigned open_line = rd->line, open_col = column_of(rd, open);
        for (;;) {
            if (p >= rd->end) {
                parley_free(buf);
                parley__sink_error(&kt->sink, PARLEY_ESYNTAX, kt->file,
                                   open_line, open_col, "",
                                   "a quoted field is never closed");
                rd->p = p;
                return 0;
            }
            char c = *p++;
            if (c == '"') {
                if (p < rd->end && *p == '"')
                    p++;
                else
                    break;
            } else if (c == '\n') {
                rd->line++;
                rd->line_start = p;
            }
            if (!field_put(kt, &buf, &n, &cap, c))
                return 0;
        }
        while (p < rd->end && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p < rd->end && *p != ',' && *p != '\n') {
            parley_free(buf);
            parley__sink_error(&kt->sink, PARLEY_ESYNTAX, kt->file, rd->line,
                               column_of(rd, p), "",
                               "expected ',' or the end of the row after a "
                               "quoted field, found '%c'",
                               *p >= 0x20 && *p < 0x7f ? *p : '?');
            /* Skip to the end of the row so the rest can be read. */
            while (p < rd->end && *p != '\n')
                p++;
            rd->p = p;
            return 0;
        }
        trail = n;
    } else {
        while (p < rd->end && *p != ',' && *p != '\n') {
            char c = *p++;
            if (!field_put(kt, &buf, &n, &cap, c))
                return 0;
            if (c != ' ' && c != '\t' && c != '\r')
                trail = n;
        }
    }
    buf[trail] = '\0';
    f->text = buf;
    if (p < rd->end && *p == ',') {
        p++;
        *at_eol = 0;
    } else {
        if (p < rd->end) { /* '\n' */
            p++;
            rd->line++;
            rd->line_start = p;
        }
        *at_eol = 1;
    }
    rd->p = p;
    return 1;
}

/*
 * Reads the next record that has a non-empty field.  Returns 1 with a
 * record, 0 at the end of the input or after an error (kt->nomem or a
 * reported syntax error; the reader then stands at the next row).
 */
static int read_record(ktab_t *kt, reader_t *rd, record_t *r)
{
    while (rd->p < rd->end) {
        record_clear(r);
        r->line = rd->line;
        kt->rows++;
        size_t count = 0;
        int eol = 0;
        while (!eol) {
            if (count == KTAB_MAX_FIELDS) {
                parley__sink_error(&kt->sink, PARLEY_ELIMIT, kt->file,
                                   rd->line, column_of(rd, rd->p), "",
                                   "row %zu has more than %d columns",
                                   kt->rows, KTAB_MAX_FIELDS);
                skip_row(rd);
                record_clear(r);
                return 0;
            }
            if (count == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 16;
                field_t *nf = parley_realloc(r->fields, cap * sizeof *nf);
                if (!nf) {
                    kt->nomem = 1;
                    return 0;
                }
                memset(nf + r->cap, 0, (cap - r->cap) * sizeof *nf);
                r->fields = nf;
                r->cap = cap;
            }
            if (!read_field(kt, rd, &r->fields[count], &eol)) {
                if (kt->nomem)
                    return 0;
                /* A syntax error: the rest of this row is unusable. */
                skip_row(rd);
                record_clear(r);
                return 0;
            }
            count++;
            if (r->fields[count - 1].text[0])
                r->n = count;
        }
        if (r->n > 0)
            return 1;
    }
    return 0;
}

static void where(char *path, size_t size, size_t row, size_t col,
                  const char *header)
{
    char shown[80];
    if (header && *header)
        snprintf(path, size, "row %zu, column %zu (%s)", row, col,
                 parley__shown(header, shown, sizeof shown));
    else
        snprintf(path, size, "row %zu, column %zu", row, col);
}

/* Reports an error at field i of record r (row `row`). */
#define FIELD_ERROR(kt, code, r, row, i, header, ...)                          \
    do {                                                                       \
        char path_[200];                                                       \
        where(path_, sizeof path_, (row), (i) + 1, (header));                  \
        parley__sink_error(&(kt)->sink, (code), (kt)->file,                    \
                           (r)->fields[(i)].line, (r)->fields[(i)].column,     \
                           path_, __VA_ARGS__);                                \
    } while (0)

/* A number in [lo, hi] from field i; 0 after reporting an error. */
static int field_number(ktab_t *kt, const record_t *r, size_t row, size_t i,
                        const char *header, double lo, double hi, double *out)
{
    char shown[120];
    const char *t = r->fields[i].text;
    if (!parley__parse_number(t, out)) {
        FIELD_ERROR(kt, PARLEY_ETYPE, r, row, i, header,
                    "expected a number, found '%s'",
                    parley__shown(t, shown, sizeof shown));
        return 0;
    }
    if (*out < lo || *out > hi) {
        FIELD_ERROR(kt, PARLEY_ERANGE, r, row, i, header,
                    "%g is outside %g..%g", *out, lo, hi);
        return 0;
    }
    return 1;
}

/* A count in 1..max from field i of row 1; 0 after reporting an error. */
static int field_count(ktab_t *kt, const record_t *r, size_t i,
                       const char *what, long max, long *out)
{
    char shown[120];
    const char *t = r->fields[i].text;
    if (!parley__parse_long(t, out)) {
        FIELD_ERROR(kt, PARLEY_ETYPE, r, (size_t)1, i, what,
                    "expected the number of %s as a whole number, found '%s'",
                    what, parley__shown(t, shown, sizeof shown));
        return 0;
    }
    if (*out < 1) {
        FIELD_ERROR(kt, PARLEY_ERANGE, r, (size_t)1, i, what,
                    "expected at least one %s, found %ld", what, *out);
        return 0;
    }
    if (*out > max) {
        FIELD_ERROR(kt, PARLEY_ELIMIT, r, (size_t)1, i, what,
                    "%ld %s, more than the %ld allowed", *out, what, max);
        return 0;
    }
    return 1;
}

/* "Competitive Position" -> "Competitive" in place; unchanged if nothing
 * would be left. */
static void dimension_name(char *buf)
{
    size_t n = strlen(buf);
    static const char suffix[] = "position";
    size_t s = sizeof suffix - 1;
    if (n > s) {
        size_t i = n - s, k;
        for (k = 0; k < s; k++) {
            char c = buf[i + k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != suffix[k])
                break;
        }
        if (k == s) {
            while (i > 0 && (buf[i - 1] == ' ' || buf[i - 1] == '_' ||
                             buf[i - 1] == '-' || buf[i - 1] == '\t'))
                i--;
            if (i > 0)
                buf[i] = '\0';
        }
    }
}

/* Fills the issues from the header row; 0 on allocation failure. */
static int read_headers(ktab_t *kt, const record_t *r, size_t row,
                        parley_scenario_t *sc, size_t dims)
{
    size_t want = 3 + 2 * dims;
    if (r->n != want) {
        size_t i = r->n < want ? (r->n ? r->n - 1 : 0) : want;
        FIELD_ERROR(kt, PARLEY_EINVALID, r, row, i, "headers",
                    "expected %zu header columns (actor, description, "
                    "capability, then position and salience for each of %zu "
                    "dimensions), found %zu",
                    want, dims, r->n);
        return 1;
    }
    sc->issues = parley_calloc(dims, sizeof *sc->issues);
    if (!sc->issues)
        return 0;
    sc->n_issues = dims;
    for (size_t d = 0; d < dims; d++) {
        parley_issue_t *is = &sc->issues[d];
        is->kind = PARLEY_ISSUE_INTEGER;
        is->min = 0;
        is->max = 100;
        is->resolution = 1;
        is->n_options = parley_issue_grid_size(0, 100, 1);
        is->cluster = -1;
        size_t i = 3 + 2 * d;
        const char *h = r->fields[i].text;
        if (!h[0]) {
            FIELD_ERROR(kt, PARLEY_EMISSING, r, row, i, "",
                        "dimension %zu has no position header", d + 1);
            continue;
        }
        char slug[PARLEY_MAX_ID];
        is->name = parley_strdup(h);
        if (!is->name)
            return 0;
        dimension_name(is->name);
        parley__slug(is->name, slug, sizeof slug);
        is->id = parley__unique_id(slug, sc->issues, d, sizeof *sc->issues,
                                   offsetof(parley_issue_t, id));
        if (!is->name || !is->id)
            return 0;
    }
    return 1;
}

/* Reads one actor row into party p; 0 on allocation failure. */
static int read_actor(ktab_t *kt, const record_t *r, size_t row,
                      const record_t *headers, parley_scenario_t *sc,
                      size_t a)
{
    char shown[120];
    size_t dims = sc->n_issues, want = 3 + 2 * dims;
    parley_party_t *p = &sc->parties[a];
    p->role = PARLEY_ROLE_PARTY;
    p->discount = 1;
    p->weights = parley_calloc(dims, sizeof *p->weights);
    p->values = parley_calloc(dims, sizeof *p->values);
    if (!p->weights || !p->values)
        return 0;
    if (r->n != want) {
        size_t i = r->n < want ? r->n - 1 : want;
        FIELD_ERROR(kt, PARLEY_EINVALID, r, row, i, "",
                    "expected %zu columns (actor, description, capability, "
                    "then position and salience for each of %zu dimensions), "
                    "found %zu",
                    want, dims, r->n);
        return 1;
    }
#define HEADER(i) (headers && (i) < headers->n ? headers->fields[(i)].text : "")
    const char *id = r->fields[0].text;
    if (!id[0]) {
        FIELD_ERROR(kt, PARLEY_EMISSING, r, row, (size_t)0, HEADER(0),
                    "the actor has no id");
    } else if (strlen(id) >= PARLEY_MAX_ID) {
        FIELD_ERROR(kt, PARLEY_ELIMIT, r, row, (size_t)0, HEADER(0),
                    "the actor id is longer than %d bytes", PARLEY_MAX_ID - 1);
    } else {
        for (size_t b = 0; b < a; b++) {
            if (sc->parties[b].id && strcmp(sc->parties[b].id, id) == 0) {
                FIELD_ERROR(kt, PARLEY_EDUPLICATE, r, row, (size_t)0,
                            HEADER(0), "actor '%s' is listed twice",
                            parley__shown(id, shown, sizeof shown));
                id = NULL;
                break;
            }
        }
        if (id) {
            p->id = parley_strdup(id);
            if (!p->id)
                return 0;
        }
    }
    if (r->fields[1].text[0]) {
        p->name = parley_strdup(r->fields[1].text);
        if (!p->name)
            return 0;
    }
    double cap;
    if (!parley__parse_number(r->fields[2].text, &cap)) {
        FIELD_ERROR(kt, PARLEY_ETYPE, r, row, (size_t)2, HEADER(2),
                    "expected the capability as a number, found '%s'",
                    parley__shown(r->fields[2].text, shown, sizeof shown));
    } else if (!(cap > 0)) {
        FIELD_ERROR(kt, PARLEY_ERANGE, r, row, (size_t)2, HEADER(2),
                    "capability must be > 0 (it becomes the actor's power), "
                    "found %g",
                    cap);
    } else {
        p->power = cap;
    }
    double sum = 0;
    int sal_ok = 1;
    for (size_t d = 0; d < dims; d++) {
        size_t ip = 3 + 2 * d, isal = ip + 1;
        double pos, sal;
        if (field_number(kt, r, row, ip, HEADER(ip), 0, 100, &pos)) {
            parley_value_fn_t *fn = &p->values[d];
            fn->kind = PARLEY_VALUE_IDEAL;
            fn->ideal = pos;
            fn->scale = 100;
            fn->loss = PARLEY_LOSS_LINEAR;
        }
        if (field_number(kt, r, row, isal, HEADER(isal), 0, 100, &sal)) {
            p->weights[d] = sal / 100;
            sum += sal;
        } else {
            sal_ok = 0;
        }
    }
    if (sal_ok && sum > 100 + KTAB_SUM_SLACK) {
        size_t last = 3 + 2 * dims - 1;
        FIELD_ERROR(kt, PARLEY_ERANGE, r, row, last, HEADER(last),
                    "the saliences of actor '%s' sum to %g; KTAB needs at "
                    "most 100",
                    parley__shown(r->fields[0].text, shown, sizeof shown),
                    sum);
    }
#undef HEADER
    return 1;
}

static char *provenance(const char *name)
{
    char base[256];
    parley__base_name(name, base, sizeof base, 1);
    size_t cap = strlen(base) + 96;
    char *s = parley_malloc(cap);
    if (s)
        snprintf(s, cap, "KTAB CSV %s (capability as power, salience / 100 as "
                         "weight)",
                 base);
    return s;
}

/* Reads the whole input; returns 0 on allocation failure. */
static int read_ktab(ktab_t *kt, reader_t *rd, parley_scenario_t *sc)
{
    record_t r = {NULL, 0, 0, 0}, headers = {NULL, 0, 0, 0};
    int ok = 0;
    char shown[120];
    long actors = 0, dims = 0;

    /* Row 1. */
    if (!read_record(kt, rd, &r)) {
        if (!kt->nomem && !kt->sink.errors)
            parley__sink_error(&kt->sink, PARLEY_EMISSING, kt->file, 1, 1, "",
                               "empty input: expected a row with scenario "
                               "name, description, number of actors and "
                               "number of dimensions");
        ok = !kt->nomem;
        goto done;
    }
    size_t row1 = kt->rows;
    if (r.n != 4) {
        size_t i = r.n < 4 ? r.n - 1 : 4;
        FIELD_ERROR(kt, PARLEY_EINVALID, &r, row1, i, "",
                    "expected 4 columns (scenario name, description, number "
                    "of actors, number of dimensions), found %zu",
                    r.n);
        ok = 1;
        goto done;
    }
    sc->name = parley_strdup(r.fields[0].text[0] ? r.fields[0].text : "ktab");
    if (!sc->name)
        goto done;
    if (r.fields[1].text[0]) {
        sc->description = parley_strdup(r.fields[1].text);
        if (!sc->description)
            goto done;
    }
    int counts = field_count(kt, &r, 2, "actors", PARLEY_MAX_PARTIES, &actors);
    counts &= field_count(kt, &r, 3, "dimensions", PARLEY_MAX_ISSUES, &dims);
    if (!counts) {
        ok = 1;
        goto done;
    }

    /* Row 2. */
    if (!read_record(kt, rd, &headers)) {
        if (!kt->nomem && rd->p >= rd->end)
            parley__sink_error(&kt->sink, PARLEY_EMISSING, kt->file, rd->line,
                               0, "",
                               "the input ends before the header row");
        ok = !kt->nomem;
        goto done;
    }
    size_t header_row = kt->rows;
    if (!read_headers(kt, &headers, header_row, sc, (size_t)dims))
        goto done;
    if (sc->n_issues == 0) {
        ok = 1;
        goto done;
    }

    /* Actor rows. */
    sc->parties = parley_calloc((size_t)actors, sizeof *sc->parties);
    if (!sc->parties)
        goto done;
    size_t a = 0;
    for (;;) {
        size_t errors = kt->sink.errors;
        if (!read_record(kt, rd, &r)) {
            if (kt->nomem)
                goto done;
            if (kt->sink.errors != errors) {
                a++; /* a broken row still counts as an actor's row */
                continue;
            }
            break;
        }
        size_t row = kt->rows;
        if (a >= (size_t)actors) {
            FIELD_ERROR(kt, PARLEY_EINVALID, &r, row, (size_t)0, "",
                        "row 1 declares %ld actors, but there are more actor "
                        "rows, starting with '%s'",
                        actors,
                        parley__shown(r.fields[0].text, shown, sizeof shown));
            break;
        }
        sc->n_parties = a + 1;
        if (!read_actor(kt, &r, row, &headers, sc, a))
            goto done;
        a++;
    }
    if (a < (size_t)actors) {
        parley__sink_error(&kt->sink, PARLEY_EINVALID, kt->file, rd->line, 0,
                           "",
                           "row 1 declares %ld actors, but only %zu actor rows "
                           "follow the header row",
                           actors, a);
    }
    ok = 1;
done:
    record_free(&r);
    record_free(&headers);
    return ok;
}

/*
 * Offset of the first byte that is not part of well-formed UTF-8 (no
 * overlong forms, no surrogates, nothing past U+10FFFF), or len.  Names and
 * descriptions end up in JSON and on screens, which need UTF-8.
 */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            unsigned char b = s[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
                return i;
        }
        i += n + 1;
    }
    return len;
}

parley_status_t parley_import_ktab_string(const char *text, size_t len,
                                          const char *name,
                                          parley_scenario_t **out,
                                          parley_diags_t *diags)
{
    if (out)
        *out = NULL;
    if (!out || (!text && len))
        return PARLEY_EARG;
    ktab_t kt;
    memset(&kt, 0, sizeof kt);
    parley__sink_init(&kt.sink, diags);
    kt.file = name ? name : "ktab";
    if (len > PARLEY__IMPORT_MAX_BYTES) {
        parley__sink_error(&kt.sink, PARLEY_ELIMIT, kt.file, 0, 0, "",
                           "the input has %zu bytes, more than the %zu an "
                           "import reads",
                           len, PARLEY__IMPORT_MAX_BYTES);
        return PARLEY_ELIMIT;
    }
    const char *nul = text ? memchr(text, '\0', len) : NULL;
    if (nul) {
        unsigned line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        parley__sink_error(&kt.sink, PARLEY_ESYNTAX, kt.file, line, 0, "",
                           "a NUL byte at offset %zu: not a text file",
                           (size_t)(nul - text));
        return PARLEY_ESYNTAX;
    }
    size_t bad = text ? utf8_invalid_at((const unsigned char *)text, len)
                      : len;
    if (bad < len) {
        unsigned line = 1, column = 1;
        for (size_t i = 0; i < bad; i++) {
            if (text[i] == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        parley__sink_error(&kt.sink, PARLEY_ESYNTAX, kt.file, line, column,
                           "",
                           "byte 0x%02X is not valid UTF-8; save the file as "
                           "UTF-8",
                           (unsigned)(unsigned char)text[bad]);
        return PARLEY_ESYNTAX;
    }
    parley_scenario_t *sc = parley_scenario_new();
    if (!sc)
        return PARLEY_ENOMEM;
    static const char empty[] = "";
    const char *begin = text ? text : empty;
    reader_t rd = {begin, begin + len, 1, begin};
    /* A UTF-8 byte order mark is not part of the scenario name. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        rd.p += 3;
        rd.line_start += 3;
    }
    if (!read_ktab(&kt, &rd, sc)) {
        parley_scenario_free(sc);
        return PARLEY_ENOMEM;
    }
    if (kt.sink.errors) {
        parley_scenario_free(sc);
        return kt.sink.first;
    }
    sc->source = provenance(kt.file);
    if (!sc->source) {
        parley_scenario_free(sc);
        return PARLEY_ENOMEM;
    }
    parley_status_t st = parley_scenario_check(sc, kt.file, diags);
    if (st != PARLEY_OK) {
        parley_scenario_free(sc);
        return st;
    }
    *out = sc;
    return PARLEY_OK;
}

parley_status_t parley_import_ktab(const char *csv_path,
                                   parley_scenario_t **out,
                                   parley_diags_t *diags)
{
    if (out)
        *out = NULL;
    if (!csv_path || !out)
        return PARLEY_EARG;
    parley__sink_t sink;
    parley__sink_init(&sink, diags);
    char *text;
    size_t len;
    parley_status_t st = parley__read_file(csv_path, &text, &len, &sink);
    if (st != PARLEY_OK)
        return st;
    st = parley_import_ktab_string(text, len, csv_path, out, diags);
    parley_free(text);
    return st;
}
