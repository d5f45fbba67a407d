/*
 * output.c - what every subcommand needs around the library: one-line
 * errors with a hint, exit codes, reading the input files whatever their
 * format, and output files that report their write errors.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_internal.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "parley%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "\nTry 'parley help %s' for usage.\n", cmd);
    else
        fprintf(stderr, "\nTry 'parley --help' for usage.\n");
    return CLI_EXIT_USAGE;
}

int cli_error(const char *cmd, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "parley%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int cli_exit_for(parley_status_t st)
{
    switch (st) {
    case PARLEY_OK:
        return CLI_EXIT_OK;
    case PARLEY_EINFEASIBLE:
        return CLI_EXIT_INFEASIBLE;
    case PARLEY_ENOMEM:
        return CLI_EXIT_INTERNAL;
    default:
        return CLI_EXIT_INVALID;
    }
}

int cli_check_readable(const char *cmd, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cli_error(cmd, CLI_EXIT_NOINPUT,
                         "cannot read '%s': it is a directory\nTry 'parley "
                         "help %s' for usage.",
                         path, cmd);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_error(cmd, CLI_EXIT_NOINPUT,
                         "cannot read '%s': %s\nTry 'parley help %s' for usage.",
                         path, strerror(errno), cmd);
    fclose(f);
    return 0;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (m > n)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char)s[n - m + i]) !=
            tolower((unsigned char)suffix[i]))
            return 0;
    return 1;
}

cli_input_kind_t cli_input_kind(const char *path)
{
    if (ends_with_ci(path, ".csv"))
        return CLI_INPUT_KTAB;
    if (parley_import_is_genius(path))
        return CLI_INPUT_GENIUS;
    return CLI_INPUT_JSON;
}

const char *cli_input_kind_name(cli_input_kind_t k)
{
    switch (k) {
    case CLI_INPUT_JSON:
        return "JSON scenario";
    case CLI_INPUT_KTAB:
        return "KTAB CSV";
    case CLI_INPUT_GENIUS:
        return "GENIUS XML";
    }
    return "?";
}

parley_status_t cli_load(const char *cmd, const char *const *files, size_t n,
                         parley_scenario_t **out, parley_diags_t *diags,
                         int *exit_code)
{
    *out = NULL;
    if (n == 0) {
        *exit_code = cli_usage_error(cmd, "missing the input FILE");
        return PARLEY_EARG;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = cli_check_readable(cmd, files[i]);
        if (rc) {
            *exit_code = rc;
            return PARLEY_EIO;
        }
    }
    cli_input_kind_t kind = cli_input_kind(files[0]);
    if (kind == CLI_INPUT_GENIUS && n < 2) {
        *exit_code = cli_usage_error(
            cmd, "'%s' is a GENIUS domain: give its profile files after it",
            files[0]);
        return PARLEY_EARG;
    }
    if (kind != CLI_INPUT_GENIUS && n > 1) {
        *exit_code = cli_usage_error(
            cmd,
            "unexpected argument '%s': only a GENIUS domain takes more files "
            "(its profiles), and '%s' is read as a %s",
            files[1], files[0], cli_input_kind_name(kind));
        return PARLEY_EARG;
    }
    parley_status_t st;
    switch (kind) {
    case CLI_INPUT_GENIUS:
        st = parley_import_genius(files[0], files + 1, n - 1, out, diags);
        break;
    case CLI_INPUT_KTAB:
        st = parley_import_ktab(files[0], out, diags);
        break;
    default:
        st = parley_scenario_read_file(files[0], out, diags);
        break;
    }
    *exit_code = cli_exit_for(st);
    return st;
}

FILE *cli_open_output(const char *cmd, const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "wb");
    if (!f)
        cli_error(cmd, CLI_EXIT_CANTCREAT, "cannot create '%s': %s", path,
                  strerror(errno));
    return f;
}

int cli_close_output(const char *cmd, const char *path, FILE *f)
{
    int bad = ferror(f);
    if (f == stdout) {
        bad |= fflush(f) != 0;
    } else {
        bad |= fclose(f) != 0;
    }
    if (bad)
        return cli_error(cmd, CLI_EXIT_CANTCREAT, "error writing '%s'",
                         path && strcmp(path, "-") ? path : "standard output");
    return CLI_EXIT_OK;
}

void cli_format_count(double x, char *buf, size_t size)
{
    if (!(x >= 0) || x >= 9007199254740992.0 || x != floor(x)) {
        snprintf(buf, size, "%.4g", x);
        return;
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", x);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

void cli_print_diags(const char *file, const parley_diags_t *diags)
{
    enum { SHOWN_WARNINGS = 3 };
    size_t warnings = 0;
    char line[1200];
    for (size_t i = 0; i < parley_diags_count(diags); i++) {
        const parley_diag_t *d = parley_diags_get(diags, i);
        if (d->severity == PARLEY_SEVERITY_WARNING &&
            ++warnings > SHOWN_WARNINGS)
            continue;
        parley_diag_format(d, line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    if (warnings > SHOWN_WARNINGS)
        fprintf(stderr,
                "%s: %zu more warnings; 'parley validate' lists them all\n",
                file ? file : "-", warnings - SHOWN_WARNINGS);
}
