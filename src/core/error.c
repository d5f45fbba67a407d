/*
 * error.c - status names and messages, and the diagnostics list.
 *
 * A diagnostics list must never lose the fact that an error happened, even
 * when it cannot store the message (out of memory): the error counter is
 * kept apart from the storage for that reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/error.h"

static const char *const status_names[] = {
#define PARLEY__STATUS_NAME(name, msg) "PARLEY_" #name,
    PARLEY_STATUS_MAP(PARLEY__STATUS_NAME)
#undef PARLEY__STATUS_NAME
};

static const char *const status_messages[] = {
#define PARLEY__STATUS_MSG(name, msg) msg,
    PARLEY_STATUS_MAP(PARLEY__STATUS_MSG)
#undef PARLEY__STATUS_MSG
};

const char *parley_status_name(parley_status_t status)
{
    if ((unsigned)status >= PARLEY_STATUS_COUNT)
        return "PARLEY_UNKNOWN_STATUS";
    return status_names[status];
}

const char *parley_status_message(parley_status_t status)
{
    if ((unsigned)status >= PARLEY_STATUS_COUNT)
        return "unknown status";
    return status_messages[status];
}

struct parley_diags {
    parley_diag_t *items;
    size_t count, capacity;
    size_t errors, warnings; /* counted even when an item could not be kept */
};

parley_diags_t *parley_diags_new(void)
{
    return parley_calloc(1, sizeof(parley_diags_t));
}

void parley_diags_free(parley_diags_t *diags)
{
    if (!diags)
        return;
    parley_free(diags->items);
    parley_free(diags);
}

static void copy_field(char *dst, size_t size, const char *src)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void parley_diags_add(parley_diags_t *diags, parley_severity_t severity,
                      parley_status_t code, const char *file, unsigned line,
                      unsigned column, const char *path, const char *fmt, ...)
{
    if (!diags)
        return;
    if (severity == PARLEY_SEVERITY_ERROR)
        diags->errors++;
    else
        diags->warnings++;
    if (diags->count == diags->capacity) {
        size_t cap = diags->capacity ? diags->capacity * 2 : 8;
        parley_diag_t *items =
            parley_realloc(diags->items, cap * sizeof(parley_diag_t));
        if (!items)
            return;
        diags->items = items;
        diags->capacity = cap;
    }
    parley_diag_t *d = &diags->items[diags->count++];
    d->severity = severity;
    d->code = code;
    d->line = line;
    d->column = column;
    copy_field(d->file, sizeof d->file, file);
    copy_field(d->path, sizeof d->path, path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

size_t parley_diags_count(const parley_diags_t *diags)
{
    return diags ? diags->count : 0;
}

size_t parley_diags_errors(const parley_diags_t *diags)
{
    return diags ? diags->errors : 0;
}

size_t parley_diags_warnings(const parley_diags_t *diags)
{
    return diags ? diags->warnings : 0;
}

const parley_diag_t *parley_diags_get(const parley_diags_t *diags, size_t i)
{
    if (!diags || i >= diags->count)
        return NULL;
    return &diags->items[i];
}

void parley_diags_clear(parley_diags_t *diags)
{
    if (!diags)
        return;
    diags->count = 0;
    diags->errors = 0;
    diags->warnings = 0;
}

int parley_diag_format(const parley_diag_t *d, char *buf, size_t size)
{
    char where[320];
    if (d->line)
        snprintf(where, sizeof where, "%s:%u:%u", d->file[0] ? d->file : "-",
                 d->line, d->column);
    else
        snprintf(where, sizeof where, "%s", d->file[0] ? d->file : "-");
    return snprintf(buf, size, "%s: %s: %s%s%s", where,
                    d->severity == PARLEY_SEVERITY_ERROR ? "error" : "warning",
                    d->path, d->path[0] ? ": " : "", d->message);
}

void parley_diags_print(const parley_diags_t *diags, FILE *out)
{
    char line[1200];
    for (size_t i = 0; i < parley_diags_count(diags); i++) {
        parley_diag_format(&diags->items[i], line, sizeof line);
        fprintf(out, "%s\n", line);
    }
}
