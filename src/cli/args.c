/*
 * args.c - scanning a subcommand's options and parsing numbers strictly.
 *
 * getopt_long is not in C11 or POSIX, and its messages cannot name the
 * subcommand, so options are scanned here: GNU-style long options anywhere
 * among the operands, "--" to stop.  Numbers are parsed strictly because a
 * mediator who types "--lambda 0,5" or "--conflict 1.5x" must be told, not
 * silently given 0 or 1.5.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"

void cli_parser_init(cli_parser_t *p, const char *cmd, int argc, char **argv,
                     const cli_opt_t *opts, size_t n_opts)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    p->next = 1;
    p->opts = opts;
    p->n_opts = n_opts;
}

static const cli_opt_t *find_long(const cli_parser_t *p, const char *name,
                                  size_t len)
{
    for (size_t i = 0; i < p->n_opts; i++)
        if (strlen(p->opts[i].name) == len &&
            strncmp(p->opts[i].name, name, len) == 0)
            return &p->opts[i];
    return NULL;
}

static const cli_opt_t *find_short(const cli_parser_t *p, char c)
{
    for (size_t i = 0; i < p->n_opts; i++)
        if (p->opts[i].short_name && p->opts[i].short_name == c)
            return &p->opts[i];
    return NULL;
}

int cli_next(cli_parser_t *p, const char **value)
{
    *value = NULL;
    if (p->next >= p->argc)
        return CLI_END;
    char *a = p->argv[p->next++];
    p->arg = a;
    if (p->only_operands || a[0] != '-' || a[1] == '\0') {
        *value = a;
        return CLI_OPERAND;
    }
    if (strcmp(a, "--") == 0) {
        p->only_operands = 1;
        return cli_next(p, value);
    }
    const cli_opt_t *o;
    const char *inline_value = NULL;
    if (a[1] == '-') {
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        o = find_long(p, name, len);
        if (!o) {
            cli_usage_error(p->cmd, "unknown option '%.*s'", (int)(len + 2),
                            a);
            return CLI_BAD;
        }
        if (eq) {
            if (!o->has_value) {
                cli_usage_error(p->cmd, "option '--%s' takes no value",
                                o->name);
                return CLI_BAD;
            }
            inline_value = eq + 1;
        }
    } else {
        o = find_short(p, a[1]);
        if (!o) {
            cli_usage_error(p->cmd, "unknown option '%s'", a);
            return CLI_BAD;
        }
        if (a[2] != '\0') {
            if (!o->has_value) {
                cli_usage_error(p->cmd, "unknown option '%s'", a);
                return CLI_BAD;
            }
            inline_value = a + 2;
        }
    }
    if (o->has_value) {
        if (inline_value) {
            *value = inline_value;
        } else if (p->next < p->argc) {
            *value = p->argv[p->next++];
        } else {
            cli_usage_error(p->cmd, "option '%s' needs a value", a);
            return CLI_BAD;
        }
    }
    return o->id;
}

/*
 * [+-]? digits [. digits] [(e|E) [+-]? digits], with at least one digit in
 * the mantissa.  Rejects what strtod would also take: leading spaces, hex,
 * "inf", "nan", trailing text.
 */
static int is_decimal(const char *s)
{
    const char *c = s;
    if (*c == '+' || *c == '-')
        c++;
    int digits = 0;
    while (isdigit((unsigned char)*c)) {
        c++;
        digits++;
    }
    if (*c == '.') {
        c++;
        while (isdigit((unsigned char)*c)) {
            c++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (*c == 'e' || *c == 'E') {
        c++;
        if (*c == '+' || *c == '-')
            c++;
        if (!isdigit((unsigned char)*c))
            return 0;
        while (isdigit((unsigned char)*c))
            c++;
    }
    return *c == '\0';
}

int cli_parse_double(const char *cmd, const char *what, const char *s,
                     double lo, double hi, double *out)
{
    if (!is_decimal(s))
        return cli_usage_error(cmd, "%s: expected a number, got '%s'", what,
                               s);
    errno = 0;
    double v = strtod(s, NULL);
    if (errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return cli_usage_error(cmd, "%s: expected a number in [%g, %g], got '%s'",
                               what, lo, hi, s);
    *out = v;
    return 0;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

int cli_parse_size(const char *cmd, const char *what, const char *s,
                   size_t lo, size_t hi, size_t *out)
{
    if (!all_digits(s))
        return cli_usage_error(cmd, "%s: expected a whole number, got '%s'",
                               what, s);
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE || v < lo || v > hi)
        return cli_usage_error(cmd, "%s: expected a whole number in [%zu, %zu], got '%s'",
                               what, lo, hi, s);
    *out = (size_t)v;
    return 0;
}

int cli_parse_u64(const char *cmd, const char *what, const char *s,
                  uint64_t *out)
{
    if (!all_digits(s))
        return cli_usage_error(cmd, "%s: expected a whole number, got '%s'",
                               what, s);
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE)
        return cli_usage_error(cmd, "%s: expected a whole number below 2^64, got '%s'",
                               what, s);
    *out = (uint64_t)v;
    return 0;
}
