/*
 * cmd_convert.c - `parley convert genius|ktab ...`: other tools' files as a
 * parley v1 JSON scenario, on stdout or into a file.
 *
 * The output file is only created once the input has been read without
 * error, so a failed conversion never leaves a truncated scenario behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"

const char cli_help_convert[] =
    "Usage: parley convert genius DOMAIN.xml PROFILE.xml... [-o OUT.json]\n"
    "       parley convert ktab FILE.csv [-o OUT.json]\n"
    "\n"
    "Writes the input as a parley v1 JSON scenario (standard output unless\n"
    "-o is given).\n"
    "\n"
    "genius  a GENIUS domain file and one preference profile per party; each\n"
    "        profile becomes a voting party with power 1, its reservation\n"
    "        value and discount factor kept, evaluations normalised as GENIUS\n"
    "        does (the best option of an issue scores 1).\n"
    "ktab    a KTAB spatial-model CSV; capability becomes power, each\n"
    "        dimension an issue 0..100 valued by distance from the actor's\n"
    "        position, salience/100 its weight.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE   write here instead of standard output\n"
    "\n"
    "Problems in the input are printed compiler-style on stderr; exit status\n"
    "1 when the input is invalid, 64 on a usage error, 66 when an input file\n"
    "cannot be read, 73 when the output cannot be written.\n";

enum { OPT_OUTPUT = 1 };

static const cli_opt_t convert_opts[] = {
    {"output", 'o', 1, OPT_OUTPUT},
};

/* Checks the operands; 0 when they fit the format, else an exit code. */
static int check_operands(const char *const *operands, size_t n)
{
    if (n == 0)
        return cli_usage_error("convert", "missing the input format "
                                          "('genius' or 'ktab')");
    const char *format = operands[0];
    if (strcmp(format, "genius") == 0) {
        if (n < 2)
            return cli_usage_error("convert",
                                   "missing DOMAIN.xml and PROFILE.xml files");
        if (n < 3)
            return cli_usage_error("convert", "missing PROFILE.xml after the "
                                              "domain (one per party)");
    } else if (strcmp(format, "ktab") == 0) {
        if (n < 2)
            return cli_usage_error("convert", "missing FILE.csv");
        if (n > 2)
            return cli_usage_error("convert",
                                   "unexpected argument '%s': ktab takes one "
                                   "file",
                                   operands[2]);
    } else {
        return cli_usage_error("convert",
                               "unknown format '%s': expected 'genius' or "
                               "'ktab'",
                               format);
    }
    for (size_t i = 1; i < n; i++) {
        int rc = cli_check_readable("convert", operands[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* Reads, then writes; returns the exit code. */
static int convert(const char *const *operands, size_t n,
                   const char *out_path)
{
    parley_diags_t *diags = parley_diags_new();
    if (!diags)
        return cli_error("convert", CLI_EXIT_INTERNAL, "out of memory");
    parley_scenario_t *sc = NULL;
    parley_status_t st;
    if (strcmp(operands[0], "genius") == 0)
        st = parley_import_genius(operands[1], operands + 2, n - 2, &sc,
                                  diags);
    else
        st = parley_import_ktab(operands[1], &sc, diags);
    cli_print_diags(operands[1], diags);
    int rc = cli_exit_for(st);
    if (st != PARLEY_OK && parley_diags_count(diags) == 0)
        cli_error("convert", rc, "%s: %s", operands[1],
                  parley_status_message(st));
    if (st == PARLEY_OK) {
        FILE *f = cli_open_output("convert", out_path);
        if (!f) {
            rc = CLI_EXIT_CANTCREAT;
        } else {
            st = parley_scenario_write(sc, f);
            rc = cli_close_output("convert", out_path, f);
            if (st != PARLEY_OK && rc == CLI_EXIT_OK)
                rc = cli_error("convert", cli_exit_for(st), "writing: %s",
                               parley_status_message(st));
            if (rc != CLI_EXIT_OK && f != stdout)
                remove(out_path);
        }
    }
    parley_scenario_free(sc);
    parley_diags_free(diags);
    return rc;
}

int cli_cmd_convert(int argc, char **argv)
{
    cli_parser_t p;
    cli_parser_init(&p, "convert", argc, argv, convert_opts,
                    sizeof convert_opts / sizeof convert_opts[0]);
    const char *out_path = NULL, *v;
    const char **operands = malloc(sizeof *operands * (size_t)(argc + 1));
    if (!operands)
        return cli_error("convert", CLI_EXIT_INTERNAL, "out of memory");
    size_t n = 0;
    int id, rc = 0;
    while (rc == 0 && (id = cli_next(&p, &v)) != CLI_END) {
        if (id == CLI_BAD)
            rc = CLI_EXIT_USAGE;
        else if (id == OPT_OUTPUT)
            out_path = v;
        else
            operands[n++] = v;
    }
    if (rc == 0)
        rc = check_operands(operands, n);
    if (rc == 0)
        rc = convert(operands, n, out_path);
    free(operands);
    return rc;
}
