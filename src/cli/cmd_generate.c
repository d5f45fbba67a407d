/*
 * cmd_generate.c - `parley generate`: a random scenario as v1 JSON.
 *
 * The size must be given explicitly (no silent defaults for what decides
 * how big the outcome space is); the character of the scenario (power,
 * conflict, reservation, seed) has defaults.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli_internal.h"

const char cli_help_generate[] =
    "Usage: parley generate --parties N --issues K --options M\n"
    "                       [--power equal|linear|zipf|dominant|random]\n"
    "                       [--conflict C] [--reservation R] [--seed S]\n"
    "                       [-o OUT.json]\n"
    "\n"
    "Writes a random scenario with N voting parties and K discrete issues of\n"
    "M options each (M^K packages).  The same arguments give the same file.\n"
    "\n"
    "  --parties N       1..64\n"
    "  --issues K        1..256\n"
    "  --options M       options per issue, 1..65536\n"
    "  --power D         equal (all 1, default), linear (N..1), zipf (1/rank),\n"
    "                    dominant (one party 10, others 1), random (lognormal)\n"
    "  --conflict C      0..1 (default 0.5): the parties' option values have\n"
    "                    pairwise correlation 1-2C, at least -1/(N-1);\n"
    "                    0 identical interests, 0.5 independent, 1 opposed\n"
    "  --reservation R   every party's utility of no agreement, 0..1 (default 0)\n"
    "  --seed S          0..2^64-1 (default 1)\n"
    "  -o, --output FILE write here instead of standard output\n"
    "\n"
    "Each party's weights are random and sum to 1 (up to rounding); its\n"
    "values per issue run from 0 (worst option) to 1 (best).\n";

enum {
    OPT_PARTIES = 1,
    OPT_ISSUES,
    OPT_OPTIONS,
    OPT_POWER,
    OPT_CONFLICT,
    OPT_RESERVATION,
    OPT_SEED,
    OPT_OUTPUT
};

static const cli_opt_t generate_opts[] = {
    {"parties", 0, 1, OPT_PARTIES},
    {"issues", 0, 1, OPT_ISSUES},
    {"options", 0, 1, OPT_OPTIONS},
    {"power", 0, 1, OPT_POWER},
    {"conflict", 0, 1, OPT_CONFLICT},
    {"reservation", 0, 1, OPT_RESERVATION},
    {"seed", 0, 1, OPT_SEED},
    {"output", 'o', 1, OPT_OUTPUT},
};

static int parse_args(int argc, char **argv, parley_generate_opts_t *o,
                      const char **out_path)
{
    cli_parser_t p;
    cli_parser_init(&p, "generate", argc, argv, generate_opts,
                    sizeof generate_opts / sizeof generate_opts[0]);
    int have_parties = 0, have_issues = 0, have_options = 0, id, rc = 0;
    const char *v;
    while (rc == 0 && (id = cli_next(&p, &v)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case CLI_OPERAND:
            return cli_usage_error("generate", "unexpected argument '%s'", v);
        case OPT_PARTIES:
            rc = cli_parse_size("generate", "--parties", v, 1,
                                PARLEY_MAX_PARTIES, &o->n_parties);
            have_parties = 1;
            break;
        case OPT_ISSUES:
            rc = cli_parse_size("generate", "--issues", v, 1,
                                PARLEY_MAX_ISSUES, &o->n_issues);
            have_issues = 1;
            break;
        case OPT_OPTIONS:
            rc = cli_parse_size("generate", "--options", v, 1,
                                PARLEY_MAX_OPTIONS, &o->n_options);
            have_options = 1;
            break;
        case OPT_POWER: {
            int d = parley_power_dist_from_name(v);
            if (d < 0)
                return cli_usage_error(
                    "generate",
                    "--power: expected equal, linear, zipf, dominant or "
                    "random, got '%s'",
                    v);
            o->power = (parley_power_dist_t)d;
            break;
        }
        case OPT_CONFLICT:
            rc = cli_parse_double("generate", "--conflict", v, 0, 1,
                                  &o->conflict);
            break;
        case OPT_RESERVATION:
            rc = cli_parse_double("generate", "--reservation", v, 0, 1,
                                  &o->reservation);
            break;
        case OPT_SEED:
            rc = cli_parse_u64("generate", "--seed", v, &o->seed);
            break;
        case OPT_OUTPUT:
            *out_path = v;
            break;
        }
    }
    if (rc)
        return rc;
    if (!have_parties)
        return cli_usage_error("generate", "missing --parties N");
    if (!have_issues)
        return cli_usage_error("generate", "missing --issues K");
    if (!have_options)
        return cli_usage_error("generate", "missing --options M");
    return 0;
}

int cli_cmd_generate(int argc, char **argv)
{
    parley_generate_opts_t o;
    parley_generate_opts_init(&o);
    const char *out_path = NULL;
    int rc = parse_args(argc, argv, &o, &out_path);
    if (rc)
        return rc;
    parley_diags_t *diags = parley_diags_new();
    if (!diags)
        return cli_error("generate", CLI_EXIT_INTERNAL, "out of memory");
    parley_scenario_t *sc = NULL;
    parley_status_t st = parley_generate(&o, &sc, diags);
    parley_diags_print(diags, stderr);
    if (st != PARLEY_OK) {
        rc = cli_error("generate", cli_exit_for(st), "%s",
                       parley_status_message(st));
    } else {
        FILE *f = cli_open_output("generate", out_path);
        if (!f) {
            rc = CLI_EXIT_CANTCREAT;
        } else {
            st = parley_scenario_write(sc, f);
            rc = cli_close_output("generate", out_path, f);
            if (st != PARLEY_OK && rc == CLI_EXIT_OK)
                rc = cli_error("generate", cli_exit_for(st), "writing: %s",
                               parley_status_message(st));
            if (rc != CLI_EXIT_OK && f != stdout)
                remove(out_path);
        }
    }
    parley_scenario_free(sc);
    parley_diags_free(diags);
    return rc;
}
