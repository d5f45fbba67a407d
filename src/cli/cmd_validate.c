/*
 * cmd_validate.c - `parley validate FILE...`: check scenario files.
 *
 * Every problem of every file is printed compiler-style on stderr, so a
 * user can fix them all in one pass; a good file gets one "ok" line with
 * its size on stdout.  GENIUS XML is not validated here: a domain is only
 * meaningful with its profiles, which `convert genius` and `analyze` take.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli_internal.h"

const char cli_help_validate[] =
    "Usage: parley validate FILE...\n"
    "\n"
    "Checks each FILE and prints every problem found, compiler-style:\n"
    "  FILE:LINE:COLUMN: error: $.json.path: what was expected, what was found\n"
    "A file without errors gets 'FILE: ok (N issues, M parties, P packages)'.\n"
    "Warnings are printed but do not fail the file.\n"
    "\n"
    "Formats, by extension: .csv is read as KTAB CSV, anything else as a\n"
    "parley JSON scenario.  GENIUS XML needs its domain and profiles together:\n"
    "check it with 'parley convert genius DOMAIN.xml PROFILE.xml...'.\n"
    "\n"
    "Exit status: 0 when every file is valid, 1 when any has an error,\n"
    "64 on a usage error, 66 when a file cannot be read.\n";

/* Validates one file; returns its exit code. */
static int validate_one(const char *path)
{
    int rc = cli_check_readable("validate", path);
    if (rc)
        return rc;
    cli_input_kind_t kind = cli_input_kind(path);
    if (kind == CLI_INPUT_GENIUS) {
        fprintf(stderr,
                "%s: error: GENIUS XML is checked with its domain and "
                "profiles together: parley convert genius DOMAIN.xml "
                "PROFILE.xml...\n",
                path);
        return CLI_EXIT_INVALID;
    }
    parley_diags_t *diags = parley_diags_new();
    if (!diags)
        return cli_error("validate", CLI_EXIT_INTERNAL, "out of memory");
    parley_scenario_t *sc = NULL;
    const char *files[1] = {path};
    parley_status_t st = cli_load("validate", files, 1, &sc, diags, &rc);
    parley_diags_print(diags, stderr);
    if (st == PARLEY_OK && parley_diags_errors(diags) == 0 && sc) {
        char packages[64];
        cli_format_count(parley_scenario_package_count(sc), packages,
                         sizeof packages);
        size_t w = parley_diags_warnings(diags);
        printf("%s: ok (%zu issue%s, %zu part%s, %s package%s", path,
               sc->n_issues, sc->n_issues == 1 ? "" : "s", sc->n_parties,
               sc->n_parties == 1 ? "y" : "ies", packages,
               parley_scenario_package_count(sc) == 1 ? "" : "s");
        if (w)
            printf(", %zu warning%s", w, w == 1 ? "" : "s");
        printf(")\n");
        rc = CLI_EXIT_OK;
    } else if (rc == CLI_EXIT_OK) {
        /* Errors counted but the status said OK: still a failure. */
        rc = CLI_EXIT_INVALID;
    }
    if (rc == CLI_EXIT_INVALID && parley_diags_count(diags) == 0)
        fprintf(stderr, "%s: error: %s\n", path, parley_status_message(st));
    parley_scenario_free(sc);
    parley_diags_free(diags);
    return rc;
}

int cli_cmd_validate(int argc, char **argv)
{
    cli_parser_t p;
    cli_parser_init(&p, "validate", argc, argv, NULL, 0);
    const char *v;
    int id, n_files = 0, worst = CLI_EXIT_OK;
    /* Usage errors come first, before any file is read. */
    while ((id = cli_next(&p, &v)) != CLI_END) {
        if (id == CLI_BAD)
            return CLI_EXIT_USAGE;
        n_files++;
    }
    if (n_files == 0)
        return cli_usage_error("validate", "missing FILE to validate");
    cli_parser_init(&p, "validate", argc, argv, NULL, 0);
    while ((id = cli_next(&p, &v)) == CLI_OPERAND) {
        int rc = validate_one(v);
        /* Unreadable beats invalid: it is the more basic failure. */
        if (rc > worst)
            worst = rc;
    }
    fflush(stdout);
    return worst;
}
