/*
 * main.c - the parley command: finds the subcommand and hands it argv.
 *
 * `parley` alone mediates the bundled example so that a first run shows
 * what the tool does; `parley help CMD` and `parley CMD --help` print the
 * same text.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli_internal.h"

static const char global_help[] =
    "parley - a mediation engine for multilateral negotiations with unequal\n"
    "power: packages every party can accept, the Pareto frontier, what raw\n"
    "power alone would produce, and how to offset it by an open rule.\n"
    "\n"
    "Usage: parley [COMMAND [ARGS...]]\n"
    "\n"
    "With no command, parley mediates its bundled example (a river basin).\n"
    "\n"
    "Commands:\n"
    "  validate FILE...            check scenario files, report every problem\n"
    "  convert genius|ktab FILE... write GENIUS XML or KTAB CSV as a parley\n"
    "                              JSON scenario\n"
    "  analyze FILE [PROFILE...]   feasible set, frontier, solution concepts,\n"
    "                              fairness and power metrics\n"
    "  mediate FILE [PROFILE...]   a simulated mediation, round by round,\n"
    "                              compared with power_nash and with no\n"
    "                              mediator\n"
    "  study [FILE...] [factors]   many simulated sessions over scenarios,\n"
    "                              designs and seeds, summarised per design\n"
    "  generate --parties N ...    a random scenario (tests, benchmarks)\n"
    "  verify [--db PATH]          check the ledger offline, name the first\n"
    "                              bad entry (--export FILE: an export)\n"
    "  ledger export|register      the ledger as JSON lines; an actor's key\n"
    "  monitor init|commit|report|verify|status\n"
    "                              the implementation of an agreement:\n"
    "                              commitments, reports, guarantees\n"
    "  help COMMAND                help on one command\n"
    "\n"
    "Options:\n"
    "  -h, --help      this help\n"
    "  -V, --version   print the version\n"
    "\n"
    "Exit codes: 0 success; 1 invalid input or failed work; 2 impasse (no\n"
    "package is feasible, or a mediation ended without agreement); 64 usage\n"
    "error; 66 an input file cannot be read; 70 internal error; 73 an output\n"
    "file cannot be written.\n";

typedef struct command {
    const char *name;
    const char *alias; /* accepted spelling, or NULL */
    cli_cmd_fn run;
    const char *help;
} command_t;

static const command_t commands[] = {
    {"validate", NULL, cli_cmd_validate, cli_help_validate},
    {"convert", NULL, cli_cmd_convert, cli_help_convert},
    {"analyze", "analyse", cli_cmd_analyze, cli_help_analyze},
    {"generate", NULL, cli_cmd_generate, cli_help_generate},
    {"mediate", NULL, cli_cmd_mediate, cli_help_mediate},
    {"study", NULL, cli_cmd_study, cli_help_study},
    {"verify", NULL, cli_cmd_verify, cli_help_verify},
    {"ledger", NULL, cli_cmd_ledger, cli_help_ledger},
    {"monitor", NULL, cli_cmd_monitor, cli_help_monitor},
};

static const command_t *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0 ||
            (commands[i].alias && strcmp(name, commands[i].alias) == 0))
            return &commands[i];
    return NULL;
}

static int help(int argc, char **argv)
{
    if (argc < 2) {
        fputs(global_help, stdout);
        return CLI_EXIT_OK;
    }
    if (argc > 2)
        return cli_usage_error("help", "unexpected argument '%s'", argv[2]);
    if (strcmp(argv[1], "help") == 0) {
        fputs("Usage: parley help COMMAND\n\nPrints help on COMMAND.\n",
              stdout);
        return CLI_EXIT_OK;
    }
    const command_t *c = find_command(argv[1]);
    if (!c)
        return cli_usage_error("help", "unknown command '%s'", argv[1]);
    fputs(c->help, stdout);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_run_example();
    const char *a = argv[1];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        return help(1, argv + 1);
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
        printf("parley %s\n", PARLEY_VERSION_STRING);
        return CLI_EXIT_OK;
    }
    if (strcmp(a, "help") == 0)
        return help(argc - 1, argv + 1);
    if (a[0] == '-')
        return cli_usage_error(NULL, "unknown option '%s'", a);
    const command_t *c = find_command(a);
    if (!c)
        return cli_usage_error(NULL, "unknown command '%s'", a);
    /* `parley CMD --help` anywhere before "--" prints CMD's help. */
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(c->help, stdout);
            return CLI_EXIT_OK;
        }
    return c->run(argc - 1, argv + 1);
}
