/*
 * cmd_analyze.c - `parley analyze`: the feasible set, the Pareto frontier,
 * every solution concept and its fairness and power metrics.
 *
 * Reads any input the library reads (JSON, KTAB CSV, GENIUS XML), compiles
 * the model, runs parley_analyze() with a progress bar on a terminal, and
 * prints the text report, the JSON result or an SVG picture.  An empty
 * feasible set is an impasse: the report says what clashes, exit status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"

const char cli_help_analyze[] =
    "Usage: parley analyze FILE [PROFILE.xml...] [options]\n"
    "\n"
    "Analyses a negotiation: which packages every party can accept (the\n"
    "feasible set), which of them leave nothing on the table (the Pareto\n"
    "frontier), and the package each solution concept picks (utilitarian,\n"
    "nash, power_nash, ks, egalitarian, mediated) with its fairness and power\n"
    "metrics.  The disagreement point is each party's reservation.\n"
    "\n"
    "FILE is a parley JSON scenario, a KTAB CSV (.csv), or a GENIUS domain\n"
    "XML followed by its profile XMLs (recognised by content).\n"
    "\n"
    "Options:\n"
    "  --lambda X        compensation of the mediated solution, 0..1 (default\n"
    "                    0.5): weights power^(1-X); 0 = power_nash, 1 = nash\n"
    "  --floor X         mediated: ask every party's normalized gain >= X\n"
    "                    (0..1) where that is possible\n"
    "  --budget time=SEC,memory=MB\n"
    "                    limits for the frontier; past them the frontier is\n"
    "                    approximated and the report states the bound\n"
    "  --method merge|enumerate\n"
    "                    merge (default): issue by issue with pruning;\n"
    "                    enumerate: every package through a skyline filter\n"
    "  --threads N       worker threads (0 = all cores, the default)\n"
    "  --frontier        list the frontier (text) or include it (--json)\n"
    "  --json            the result as JSON on standard output\n"
    "  --svg FILE        also draw the frontier and solutions as SVG\n"
    "\n"
    "Exit status: 0 done; 1 invalid input; 2 impasse (nothing feasible, the\n"
    "clash is named); 64 usage error; 66 unreadable input; 73 unwritable\n"
    "output.\n";

enum {
    OPT_LAMBDA = 1,
    OPT_FLOOR,
    OPT_BUDGET,
    OPT_METHOD,
    OPT_THREADS,
    OPT_FRONTIER,
    OPT_JSON,
    OPT_SVG
};

static const cli_opt_t analyze_opts[] = {
    {"lambda", 0, 1, OPT_LAMBDA},   {"floor", 0, 1, OPT_FLOOR},
    {"budget", 0, 1, OPT_BUDGET},   {"method", 0, 1, OPT_METHOD},
    {"threads", 0, 1, OPT_THREADS}, {"frontier", 0, 0, OPT_FRONTIER},
    {"json", 0, 0, OPT_JSON},       {"svg", 0, 1, OPT_SVG},
};

typedef struct analyze_args {
    parley_analysis_opts_t opts;
    int json, frontier;
    const char *svg;
} analyze_args_t;

/* "time=SEC,memory=MB" in any order, either part optional. */
static int parse_budget(const char *s, parley_analysis_opts_t *o)
{
    char buf[256];
    if (strlen(s) >= sizeof buf || !*s)
        return cli_usage_error("analyze",
                               "--budget: expected time=SEC,memory=MB, got "
                               "'%s'",
                               s);
    strcpy(buf, s);
    for (char *part = buf, *next; part; part = next) {
        next = strchr(part, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(part, '=');
        if (!eq)
            return cli_usage_error("analyze",
                                   "--budget: expected KEY=VALUE (time=SEC or "
                                   "memory=MB), got '%s'",
                                   part);
        *eq = '\0';
        const char *val = eq + 1;
        int rc;
        if (strcmp(part, "time") == 0) {
            rc = cli_parse_double("analyze", "--budget time", val, 1e-3,
                                  1e9, &o->time_budget);
        } else if (strcmp(part, "memory") == 0) {
            size_t mb;
            rc = cli_parse_size("analyze", "--budget memory", val, 1,
                                (size_t)1 << 24, &mb);
            if (!rc)
                o->memory_budget = mb * 1024 * 1024;
        } else {
            return cli_usage_error("analyze",
                                   "--budget: unknown limit '%s' (expected "
                                   "time or memory)",
                                   part);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* Fills args and the list of input files; returns 0 or an exit code. */
static int parse_args(int argc, char **argv, analyze_args_t *args,
                      const char **files, size_t *n_files)
{
    cli_parser_t p;
    cli_parser_init(&p, "analyze", argc, argv, analyze_opts,
                    sizeof analyze_opts / sizeof analyze_opts[0]);
    const char *v;
    int id, rc = 0;
    size_t threads;
    *n_files = 0;
    while (rc == 0 && (id = cli_next(&p, &v)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case CLI_OPERAND:
            files[(*n_files)++] = v;
            break;
        case OPT_LAMBDA:
            rc = cli_parse_double("analyze", "--lambda", v, 0, 1,
                                  &args->opts.lambda);
            break;
        case OPT_FLOOR:
            rc = cli_parse_double("analyze", "--floor", v, 0, 1,
                                  &args->opts.floor);
            args->opts.has_floor = 1;
            break;
        case OPT_BUDGET:
            rc = parse_budget(v, &args->opts);
            break;
        case OPT_METHOD:
            if (strcmp(v, "merge") == 0)
                args->opts.method = PARLEY_FRONTIER_MERGE;
            else if (strcmp(v, "enumerate") == 0)
                args->opts.method = PARLEY_FRONTIER_ENUMERATE;
            else
                return cli_usage_error("analyze",
                                       "--method: expected merge or "
                                       "enumerate, got '%s'",
                                       v);
            break;
        case OPT_THREADS:
            rc = cli_parse_size("analyze", "--threads", v, 0, 1024, &threads);
            args->opts.threads = (unsigned)threads;
            break;
        case OPT_FRONTIER:
            args->frontier = 1;
            break;
        case OPT_JSON:
            args->json = 1;
            break;
        case OPT_SVG:
            args->svg = v;
            break;
        }
    }
    if (rc == 0 && *n_files == 0)
        rc = cli_usage_error("analyze", "missing the scenario FILE");
    return rc;
}

static int write_svg(const parley_analysis_t *a, const parley_model_t *m,
                     const parley_scenario_t *sc, const char *path)
{
    FILE *f = cli_open_output("analyze", path);
    if (!f)
        return CLI_EXIT_CANTCREAT;
    parley_status_t st = parley_render_frontier_svg(a, m, sc, f);
    int rc = cli_close_output("analyze", path, f);
    if (st != PARLEY_OK) {
        if (f != stdout)
            remove(path);
        return cli_error("analyze", cli_exit_for(st), "drawing '%s': %s",
                         path, parley_status_message(st));
    }
    return rc;
}

static int print_json(const parley_analysis_t *a, const parley_model_t *m,
                      const parley_scenario_t *sc, int with_frontier)
{
    char *text = NULL;
    parley_status_t st = parley_analysis_to_json(a, m, sc, with_frontier,
                                                 &text);
    if (st != PARLEY_OK)
        return cli_error("analyze", cli_exit_for(st), "JSON output: %s",
                         parley_status_message(st));
    fputs(text, stdout);
    if (text[0] && text[strlen(text) - 1] != '\n')
        fputc('\n', stdout);
    parley_free(text);
    return CLI_EXIT_OK;
}

/*
 * Everything after reading: compile, analyse, report.  Diagnostics of the
 * compile and analysis steps describe an impasse and go into its report.
 */
static int analyze_scenario(const parley_scenario_t *sc, const char *name,
                            analyze_args_t *args)
{
    parley_diags_t *diags = parley_diags_new();
    if (!diags)
        return cli_error("analyze", CLI_EXIT_INTERNAL, "out of memory");
    parley_model_t *m = NULL;
    parley_analysis_t *a = NULL;
    int rc;
    parley_status_t st = parley_model_new(sc, &m, diags);
    if (st == PARLEY_OK) {
        cli_progress_t bar;
        cli_progress_init(&bar);
        args->opts.progress = cli_progress_update;
        args->opts.progress_ctx = &bar;
        st = parley_analyze(m, &args->opts, &a, diags);
        cli_progress_done(&bar);
    }
    if (st == PARLEY_EINFEASIBLE) {
        /* An impasse is a result: report it like one, on stdout. */
        if (args->json && a) {
            /* The JSON has no place for the reason: say it on stderr. */
            print_json(a, m, sc, args->frontier);
            cli_report_impasse(stderr, sc, diags);
        }
        else if (args->json)
            cli_report_impasse_json(stdout, sc, diags);
        else
            cli_report_impasse(stdout, sc, diags);
        rc = CLI_EXIT_INFEASIBLE;
    } else if (st != PARLEY_OK) {
        cli_print_diags(name, diags);
        rc = cli_error("analyze", cli_exit_for(st), "%s: %s", name,
                       parley_status_message(st));
    } else {
        cli_print_diags(name, diags);
        if (args->json) {
            rc = print_json(a, m, sc, args->frontier);
        } else {
            cli_report_opts_t ro = {args->frontier, name};
            cli_report_text(stdout, a, m, sc, &ro);
            rc = CLI_EXIT_OK;
        }
    }
    if (rc != CLI_EXIT_INTERNAL && args->svg && a) {
        int svg_rc = write_svg(a, m, sc, args->svg);
        if (svg_rc && rc == CLI_EXIT_OK)
            rc = svg_rc;
    }
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
        rc = cli_error("analyze", CLI_EXIT_CANTCREAT,
                       "error writing standard output");
    parley_analysis_free(a);
    parley_model_free(m);
    parley_diags_free(diags);
    return rc;
}

int cli_cmd_analyze(int argc, char **argv)
{
    analyze_args_t args;
    memset(&args, 0, sizeof args);
    parley_analysis_opts_init(&args.opts);
    const char **files = malloc(sizeof *files * (size_t)(argc + 1));
    if (!files)
        return cli_error("analyze", CLI_EXIT_INTERNAL, "out of memory");
    size_t n_files = 0;
    int rc = parse_args(argc, argv, &args, files, &n_files);
    if (rc) {
        free(files);
        return rc;
    }
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    if (!diags) {
        free(files);
        return cli_error("analyze", CLI_EXIT_INTERNAL, "out of memory");
    }
    parley_status_t st = cli_load("analyze", files, n_files, &sc, diags, &rc);
    cli_print_diags(files[0], diags);
    if (st == PARLEY_OK && sc) {
        rc = analyze_scenario(sc, files[0], &args);
    } else if (rc == CLI_EXIT_OK) {
        rc = CLI_EXIT_INVALID;
    }
    if (st != PARLEY_OK && st != PARLEY_EARG && st != PARLEY_EIO &&
        parley_diags_count(diags) == 0)
        cli_error("analyze", rc, "%s: %s", files[0],
                  parley_status_message(st));
    parley_scenario_free(sc);
    parley_diags_free(diags);
    free(files);
    return rc;
}
