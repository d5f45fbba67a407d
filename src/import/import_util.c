/*
 * import_util.c - the error sink, strict numbers, ids and file reading that
 * the GENIUS and KTAB importers share (see import_internal.h).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import_internal.h"
#include "parley/alloc.h"

void parley__sink_init(parley__sink_t *s, parley_diags_t *diags)
{
    s->diags = diags;
    s->errors = 0;
    s->first = PARLEY_OK;
}

static void sink_add(parley__sink_t *s, parley_severity_t sev,
                     parley_status_t code, const char *file, unsigned line,
                     unsigned column, const char *path, const char *fmt,
                     va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    parley_diags_add(s->diags, sev, code, file, line, column, path, "%s", msg);
}

void parley__sink_error(parley__sink_t *s, parley_status_t code,
                        const char *file, unsigned line, unsigned column,
                        const char *path, const char *fmt, ...)
{
    if (s->errors++ == 0)
        s->first = code;
    va_list ap;
    va_start(ap, fmt);
    sink_add(s, PARLEY_SEVERITY_ERROR, code, file, line, column, path, fmt, ap);
    va_end(ap);
}

void parley__sink_warning(parley__sink_t *s, parley_status_t code,
                          const char *file, unsigned line, unsigned column,
                          const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sink_add(s, PARLEY_SEVERITY_WARNING, code, file, line, column, path, fmt,
             ap);
    va_end(ap);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Checks the shape [+-]digits[.digits][e[+-]digits] between b and e, with at
 * least one digit in the mantissa. */
static int decimal_shape(const char *b, const char *e, int allow_fraction)
{
    const char *p = b;
    int digits = 0;
    if (p < e && (*p == '+' || *p == '-'))
        p++;
    while (p < e && isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (allow_fraction && p < e && *p == '.') {
        p++;
        while (p < e && isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (allow_fraction && p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        int exp_digits = 0;
        while (p < e && isdigit((unsigned char)*p)) {
            p++;
            exp_digits++;
        }
        if (!exp_digits)
            return 0;
    }
    return p == e;
}

static void trim_span(const char *s, const char **b, const char **e)
{
    const char *p = s;
    while (*p && is_blank(*p))
        p++;
    const char *q = p + strlen(p);
    while (q > p && is_blank(q[-1]))
        q--;
    *b = p;
    *e = q;
}

int parley__parse_number(const char *s, double *out)
{
    if (!s)
        return 0;
    const char *b, *e;
    trim_span(s, &b, &e);
    if (!decimal_shape(b, e, 1))
        return 0;
    char *end;
    double v = strtod(b, &end);
    if (end != e || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int parley__parse_long(const char *s, long *out)
{
    if (!s)
        return 0;
    const char *b, *e;
    trim_span(s, &b, &e);
    if (!decimal_shape(b, e, 0))
        return 0;
    char *end;
    errno = 0;
    long v = strtol(b, &end, 10);
    if (end != e || errno == ERANGE)
        return 0;
    *out = v;
    return 1;
}

void parley__slug(const char *name, char *buf, size_t size)
{
    size_t cap = size < PARLEY_MAX_ID - 16 ? size - 1 : PARLEY_MAX_ID - 16;
    size_t n = 0;
    int gap = 0;
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
        if (isalnum(*p) && *p < 0x80) {
            if (gap && n > 0 && n + 1 < cap)
                buf[n++] = '_';
            gap = 0;
            if (n < cap)
                buf[n++] = (char)tolower(*p);
        } else {
            gap = 1;
        }
    }
    if (n == 0)
        buf[n++] = 'x';
    buf[n] = '\0';
}

static const char *id_at(const void *items, size_t i, size_t stride,
                         size_t offset)
{
    const char *base = (const char *)items + i * stride + offset;
    const char *id;
    memcpy(&id, base, sizeof id);
    return id;
}

char *parley__unique_id(const char *base, const void *items, size_t n,
                        size_t stride, size_t offset)
{
    char cand[PARLEY_MAX_ID + 32];
    snprintf(cand, sizeof cand, "%s", base);
    /* At most n earlier ids, so one of the first n + 1 candidates is free;
     * the loop therefore ends after at most n + 1 rounds of n comparisons. */
    for (size_t suffix = 2;; suffix++) {
        int taken = 0;
        for (size_t i = 0; i < n && !taken; i++) {
            const char *id = id_at(items, i, stride, offset);
            taken = id && strcmp(id, cand) == 0;
        }
        if (!taken)
            return parley_strdup(cand);
        snprintf(cand, sizeof cand, "%s_%zu", base, suffix);
    }
}

void parley__base_name(const char *path, char *buf, size_t size,
                       int keep_extension)
{
    const char *b = path ? path : "";
    const char *slash = strrchr(b, '/');
    if (slash)
        b = slash + 1;
    size_t n = strlen(b);
    if (!keep_extension) {
        const char *dot = strrchr(b, '.');
        if (dot && dot != b)
            n = (size_t)(dot - b);
    }
    if (n >= size)
        n = size - 1;
    memcpy(buf, b, n);
    buf[n] = '\0';
}

parley_status_t parley__read_file(const char *path, char **text, size_t *len,
                                  parley__sink_t *sink)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        parley__sink_error(sink, PARLEY_EIO, path, 0, 0, "",
                           "cannot open the file: %s", strerror(errno));
        return PARLEY_EIO;
    }
    size_t cap = 4096, n = 0;
    char *buf = parley_malloc(cap);
    if (!buf) {
        fclose(f);
        return PARLEY_ENOMEM;
    }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > PARLEY__IMPORT_MAX_BYTES) {
                parley_free(buf);
                fclose(f);
                parley__sink_error(sink, PARLEY_ELIMIT, path, 0, 0, "",
                                   "the file is larger than the %zu bytes an "
                                   "import reads",
                                   PARLEY__IMPORT_MAX_BYTES);
                return PARLEY_ELIMIT;
            }
            char *nb = parley_realloc(buf, cap * 2);
            if (!nb) {
                parley_free(buf);
                fclose(f);
                return PARLEY_ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        parley_free(buf);
        parley__sink_error(sink, PARLEY_EIO, path, 0, 0, "",
                           "cannot read the file");
        return PARLEY_EIO;
    }
    if (n > PARLEY__IMPORT_MAX_BYTES) {
        parley_free(buf);
        parley__sink_error(sink, PARLEY_ELIMIT, path, 0, 0, "",
                           "the file is larger than the %zu bytes an import "
                           "reads",
                           PARLEY__IMPORT_MAX_BYTES);
        return PARLEY_ELIMIT;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return PARLEY_OK;
}

const char *parley__shown(const char *s, char *buf, size_t size)
{
    size_t max = size - 4, n = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    for (; *p && n < max; p++)
        buf[n++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
    if (*p) {
        /* Do not leave half a UTF-8 sequence before the ellipsis. */
        while (n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0x80)
            n--;
        if (n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0xC0)
            n--;
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}
