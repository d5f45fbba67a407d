/*
 * cmd_study.c - `parley study`: many simulated sessions over scenarios,
 * designs and seeds, summarised per design with 95% intervals.
 *
 * The CLI only gathers the inputs (scenario files, GENIUS sets, generated
 * scenarios), builds the grid of designs from the factors given (each
 * factor with several values multiplies the designs), calls
 * parley_study_run() with the progress bar, and prints what comes back:
 * a table per metric, and on request the rows as CSV, everything as JSON,
 * the designs side by side as SVG.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_internal.h"
#include "parley/render.h"

const char cli_help_study[] =
    "Usage: parley study [FILE...] [--genius DOMAIN,PROFILE,...]\n"
    "                    [--generate parties=N,issues=K,options=M,...]\n"
    "                    [factors] [--seeds N] [--seed S] [--threads N]\n"
    "                    [--rules FILE] [--no-baseline]\n"
    "                    [--periods T] [--monitoring M,...] [--breach-base B]\n"
    "                    [--csv FILE] [--json FILE] [--svg FILE]\n"
    "\n"
    "Runs simulated sessions over every scenario x design x seed, in\n"
    "parallel, and summarises each design: agreement rate, rounds,\n"
    "efficiency, min normalized gain, power skew and offset against\n"
    "power_nash, each as a mean with its 95% interval (Wilson for the rate,\n"
    "t for means), beside the same parties without a mediator (stacked\n"
    "alternating offers).  The same inputs give the same output whatever\n"
    "the number of threads.\n"
    "\n"
    "With --periods T (or --monitoring) each mediated agreement is then\n"
    "implemented over T periods, in which each party breaches with a\n"
    "probability that falls with its normalized gain, the monitoring\n"
    "intensity and the credibility of its guarantees; the first breach ends\n"
    "the agreement.  Durability, the share of agreements still standing\n"
    "after T periods (Wilson interval, over agreements reached), and the\n"
    "mean periods kept are added to every output (docs/study.md).\n"
    "\n"
    "Scenarios (without any: the bundled example):\n"
    "  FILE                  parley JSON or KTAB CSV\n"
    "  --genius D,P1,P2,...  a GENIUS domain and its profiles (repeatable)\n"
    "  --generate SPEC       parties=N,issues=K,options=M (required),\n"
    "                        conflict=C, power=equal|linear|zipf|dominant|\n"
    "                        random, reservation=R, seed=S, count=N: N\n"
    "                        scenarios with seeds S, S+1, ... (repeatable)\n"
    "\n"
    "Design factors (a comma-separated list makes one design per value;\n"
    "several factors make the grid of all combinations):\n"
    "  --channels on,off        private channels to the mediator\n"
    "  --guarantees on,off      guarantees take effect\n"
    "  --agenda P,...           easy_first, hard_first, all_at_once, given\n"
    "  --working-groups on,off  clusters drafted by the salient parties\n"
    "  --pilots on,off          straw polls before binding texts\n"
    "  --lambda X,...           mediator's compensation, 0..1\n"
    "  --veto-budget N,...      upheld vetoes per party\n"
    "  --veto-window N,...      rounds a text may be vetoed in\n"
    "  --monitoring M,...       monitoring of implementation: none (0),\n"
    "                           periodic (0.5), independent (0.9) or a\n"
    "                           number in [0, 1], the chance a breach is\n"
    "                           detected (default none)\n"
    "  --strategy MIX           one strategy level, repeat for more: KIND\n"
    "                           (every party) or PARTY=KIND,...,*=KIND\n"
    "  A factor not given keeps each scenario's own rule.\n"
    "\n"
    "Options:\n"
    "  --seeds N        seeds per scenario and design (default 100)\n"
    "  --seed S         first seed (default 1)\n"
    "  --threads N      worker threads (0 = all cores, the default)\n"
    "  --rules FILE     rules replacing each scenario's, before the factors\n"
    "  --no-baseline    skip the unmediated baseline\n"
    "  --periods T      implementation periods after each agreement, 0 to\n"
    "                   10000 (default 0: none; 8 when --monitoring is given)\n"
    "  --breach-base B  per-period breach probability of a party that gains\n"
    "                   nothing, unmonitored and unguaranteed (default 0.2)\n"
    "  --csv FILE       one row per session (\"-\": standard output)\n"
    "  --json FILE      designs, summaries and sessions as JSON\n"
    "  --svg FILE       the designs side by side, one panel per metric\n"
    "  When --csv or --json writes to standard output, the summary goes to\n"
    "  standard error.\n"
    "\n"
    "Exit status: 0 done; 1 invalid input or a failed session; 64 usage\n"
    "error; 66 unreadable input; 73 unwritable output.\n";

enum {
    OPT_GENIUS = 1,
    OPT_GENERATE,
    OPT_CHANNELS,
    OPT_GUARANTEES,
    OPT_AGENDA,
    OPT_WG,
    OPT_PILOTS,
    OPT_LAMBDA,
    OPT_VBUDGET,
    OPT_VWINDOW,
    OPT_STRATEGY,
    OPT_SEEDS,
    OPT_SEED,
    OPT_THREADS,
    OPT_RULES,
    OPT_NO_BASELINE,
    OPT_CSV,
    OPT_JSON,
    OPT_SVG,
    OPT_PERIODS,
    OPT_MONITORING,
    OPT_BREACH_BASE
};

static const cli_opt_t study_opts[] = {
    {"genius", 0, 1, OPT_GENIUS},
    {"generate", 0, 1, OPT_GENERATE},
    {"channels", 0, 1, OPT_CHANNELS},
    {"guarantees", 0, 1, OPT_GUARANTEES},
    {"agenda", 0, 1, OPT_AGENDA},
    {"working-groups", 0, 1, OPT_WG},
    {"pilots", 0, 1, OPT_PILOTS},
    {"lambda", 0, 1, OPT_LAMBDA},
    {"veto-budget", 0, 1, OPT_VBUDGET},
    {"veto-window", 0, 1, OPT_VWINDOW},
    {"strategy", 0, 1, OPT_STRATEGY},
    {"seeds", 0, 1, OPT_SEEDS},
    {"seed", 0, 1, OPT_SEED},
    {"threads", 0, 1, OPT_THREADS},
    {"rules", 0, 1, OPT_RULES},
    {"no-baseline", 0, 0, OPT_NO_BASELINE},
    {"csv", 0, 1, OPT_CSV},
    {"json", 0, 1, OPT_JSON},
    {"svg", 0, 1, OPT_SVG},
    {"periods", 0, 1, OPT_PERIODS},
    {"monitoring", 0, 1, OPT_MONITORING},
    {"breach-base", 0, 1, OPT_BREACH_BASE},
};

/* ---- factors ----------------------------------------------------------- */

/* The factors in grid order: the first varies slowest. */
enum {
    F_CHANNELS,
    F_GUARANTEES,
    F_MONITORING,
    F_AGENDA,
    F_WG,
    F_PILOTS,
    F_LAMBDA,
    F_VBUDGET,
    F_VWINDOW,
    F_STRATEGY,
    F_COUNT
};

static const char *const factor_name[F_COUNT] = {
    "channels", "guarantees",  "monitoring",  "agenda",  "working_groups",
    "pilots",   "lambda",      "veto_budget", "veto_window", "strategy"};

#define MAX_LEVELS 32

typedef struct factor {
    size_t n;
    double v[MAX_LEVELS];  /* numbers, 0/1 for on/off, policy codes */
    char *text[MAX_LEVELS]; /* as written, for design names */
} factor_t;

typedef struct study_args {
    const char **files;
    size_t n_files;
    const char **genius;
    size_t n_genius;
    const char **generate;
    size_t n_generate;
    factor_t f[F_COUNT];
    cli_mix_t mixes[MAX_LEVELS];
    size_t n_seeds;
    uint64_t seed;
    size_t threads;
    const char *rules, *csv, *json, *svg;
    int no_baseline;
    int have_periods, have_base;
    size_t periods;
    double breach_base;
} study_args_t;

static void free_args(study_args_t *a)
{
    for (int f = 0; f < F_COUNT; f++)
        for (size_t i = 0; i < a->f[f].n; i++)
            free(a->f[f].text[i]);
    for (size_t i = 0; i < a->f[F_STRATEGY].n; i++)
        cli_mix_free(&a->mixes[i]);
    free(a->files);
    free(a->genius);
    free(a->generate);
}

/* Splits "a,b,c" into the factor's levels through `parse`. */
typedef int (*level_fn)(const char *opt, const char *s, double *out);

static int level_onoff(const char *opt, const char *s, double *out)
{
    if (strcmp(s, "on") == 0 || strcmp(s, "true") == 0)
        *out = 1;
    else if (strcmp(s, "off") == 0 || strcmp(s, "false") == 0)
        *out = 0;
    else
        return cli_usage_error("study", "%s: expected on or off, got '%s'",
                               opt, s);
    return 0;
}

static int level_agenda(const char *opt, const char *s, double *out)
{
    int p = parley_agenda_policy_from_name(s);
    if (p < 0)
        return cli_usage_error("study",
                               "%s: expected easy_first, hard_first, "
                               "all_at_once or given, got '%s'",
                               opt, s);
    *out = p;
    return 0;
}

static int level_lambda(const char *opt, const char *s, double *out)
{
    return cli_parse_double("study", opt, s, 0, 1, out);
}

static int level_monitoring(const char *opt, const char *s, double *out)
{
    double m = parley_monitoring_from_name(s);
    if (m >= 0) {
        *out = m;
        return 0;
    }
    char *end;
    m = strtod(s, &end);
    if (!*s || *end || !(m >= 0 && m <= 1))
        return cli_usage_error("study",
                               "%s: expected none, periodic, independent or "
                               "a number from 0 to 1, got '%s'",
                               opt, s);
    *out = m;
    return 0;
}

static int level_count(const char *opt, const char *s, double *out)
{
    size_t n;
    int rc = cli_parse_size("study", opt, s, 0, 1000000, &n);
    *out = (double)n;
    return rc;
}

static int add_levels(factor_t *f, const char *opt, const char *list,
                      level_fn parse)
{
    if (f->n)
        return cli_usage_error("study",
                               "%s given twice: list its values once, "
                               "separated by commas",
                               opt);
    char *buf = strdup(list);
    if (!buf)
        return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
    int rc = 0;
    char *next;
    for (char *item = buf; item && rc == 0; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (f->n == MAX_LEVELS) {
            rc = cli_usage_error("study", "%s: at most %d values", opt,
                                 MAX_LEVELS);
            break;
        }
        for (size_t i = 0; i < f->n; i++)
            if (strcmp(f->text[i], item) == 0)
                rc = cli_usage_error("study", "%s: '%s' listed twice", opt,
                                     item);
        if (rc)
            break;
        rc = parse(opt, item, &f->v[f->n]);
        if (rc == 0) {
            f->text[f->n] = strdup(item);
            if (!f->text[f->n])
                rc = cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
            else
                f->n++;
        }
    }
    free(buf);
    return rc;
}

static int parse_args(int argc, char **argv, study_args_t *a)
{
    cli_parser_t p;
    cli_parser_init(&p, "study", argc, argv, study_opts,
                    sizeof study_opts / sizeof study_opts[0]);
    size_t cap = (size_t)argc + 1;
    a->files = malloc(cap * sizeof *a->files);
    a->genius = malloc(cap * sizeof *a->genius);
    a->generate = malloc(cap * sizeof *a->generate);
    if (!a->files || !a->genius || !a->generate)
        return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
    const char *v;
    int id, rc = 0;
    while (rc == 0 && (id = cli_next(&p, &v)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case CLI_OPERAND:
            a->files[a->n_files++] = v;
            break;
        case OPT_GENIUS:
            a->genius[a->n_genius++] = v;
            break;
        case OPT_GENERATE:
            a->generate[a->n_generate++] = v;
            break;
        case OPT_CHANNELS:
            rc = add_levels(&a->f[F_CHANNELS], "--channels", v, level_onoff);
            break;
        case OPT_GUARANTEES:
            rc = add_levels(&a->f[F_GUARANTEES], "--guarantees", v,
                            level_onoff);
            break;
        case OPT_MONITORING:
            rc = add_levels(&a->f[F_MONITORING], "--monitoring", v,
                            level_monitoring);
            break;
        case OPT_PERIODS:
            rc = cli_parse_size("study", "--periods", v, 0,
                                PARLEY_STUDY_PERIODS_MAX, &a->periods);
            a->have_periods = 1;
            break;
        case OPT_BREACH_BASE:
            rc = cli_parse_double("study", "--breach-base", v, 0, 1,
                                  &a->breach_base);
            a->have_base = 1;
            break;
        case OPT_AGENDA:
            rc = add_levels(&a->f[F_AGENDA], "--agenda", v, level_agenda);
            break;
        case OPT_WG:
            rc = add_levels(&a->f[F_WG], "--working-groups", v, level_onoff);
            break;
        case OPT_PILOTS:
            rc = add_levels(&a->f[F_PILOTS], "--pilots", v, level_onoff);
            break;
        case OPT_LAMBDA:
            rc = add_levels(&a->f[F_LAMBDA], "--lambda", v, level_lambda);
            break;
        case OPT_VBUDGET:
            rc = add_levels(&a->f[F_VBUDGET], "--veto-budget", v,
                            level_count);
            break;
        case OPT_VWINDOW:
            rc = add_levels(&a->f[F_VWINDOW], "--veto-window", v,
                            level_count);
            break;
        case OPT_STRATEGY: {
            factor_t *f = &a->f[F_STRATEGY];
            if (f->n == MAX_LEVELS) {
                rc = cli_usage_error("study", "--strategy: at most %d levels",
                                     MAX_LEVELS);
                break;
            }
            cli_mix_t *mix = &a->mixes[f->n];
            memset(mix, 0, sizeof *mix);
            rc = cli_mix_parse("study", v, mix);
            f->text[f->n] = mix->text ? strdup(mix->text) : NULL;
            f->n++; /* counted even on error, so that it is freed */
            if (rc == 0 && !f->text[f->n - 1])
                rc = cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
            break;
        }
        case OPT_SEEDS:
            rc = cli_parse_size("study", "--seeds", v, 1, 1000000000,
                                &a->n_seeds);
            break;
        case OPT_SEED:
            rc = cli_parse_u64("study", "--seed", v, &a->seed);
            break;
        case OPT_THREADS:
            rc = cli_parse_size("study", "--threads", v, 0, 256, &a->threads);
            break;
        case OPT_RULES:
            a->rules = v;
            break;
        case OPT_NO_BASELINE:
            a->no_baseline = 1;
            break;
        case OPT_CSV:
            a->csv = v;
            break;
        case OPT_JSON:
            a->json = v;
            break;
        case OPT_SVG:
            a->svg = v;
            break;
        }
    }
    return rc;
}

/* ---- scenarios --------------------------------------------------------- */

typedef struct scen_list {
    size_t n, cap;
    parley_scenario_t **sc;
    char **names;
} scen_list_t;

static void scen_list_free(scen_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        parley_scenario_free(l->sc[i]);
        free(l->names[i]);
    }
    free(l->sc);
    free(l->names);
}

/* Takes ownership of sc (freed on failure). */
static int scen_add(scen_list_t *l, parley_scenario_t *sc, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        parley_scenario_t **s = realloc(l->sc, cap * sizeof *s);
        if (s)
            l->sc = s;
        char **nm = realloc(l->names, cap * sizeof *nm);
        if (nm)
            l->names = nm;
        if (!s || !nm) {
            parley_scenario_free(sc);
            return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
        }
        l->cap = cap;
    }
    l->names[l->n] = strdup(name);
    if (!l->names[l->n]) {
        parley_scenario_free(sc);
        return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
    }
    l->sc[l->n++] = sc;
    return 0;
}

static int load_files(const char *const *files, size_t n, const char *name,
                      scen_list_t *l)
{
    parley_diags_t *diags = parley_diags_new();
    if (!diags)
        return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
    parley_scenario_t *sc = NULL;
    int rc = 0;
    parley_status_t st = cli_load("study", files, n, &sc, diags, &rc);
    cli_print_diags(files[0], diags);
    if (st == PARLEY_OK && sc)
        rc = scen_add(l, sc, name);
    else if (rc == 0)
        rc = CLI_EXIT_INVALID;
    if (st != PARLEY_OK && st != PARLEY_EARG && st != PARLEY_EIO &&
        parley_diags_count(diags) == 0)
        cli_error("study", rc, "%s: %s", files[0], parley_status_message(st));
    parley_diags_free(diags);
    return rc;
}

static int load_genius(const char *spec, scen_list_t *l)
{
    char *buf = strdup(spec);
    const char *parts[PARLEY_MAX_PARTIES + 1];
    size_t n = 0;
    if (!buf)
        return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
    int rc = 0;
    char *next;
    for (char *item = buf; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (!*item || n == PARLEY_MAX_PARTIES + 1) {
            rc = cli_usage_error("study",
                                 "--genius: expected DOMAIN,PROFILE,... (at "
                                 "most %d profiles), got '%s'",
                                 PARLEY_MAX_PARTIES, spec);
            break;
        }
        parts[n++] = item;
    }
    if (rc == 0 && n < 2)
        rc = cli_usage_error("study",
                             "--genius: a domain needs its profiles after "
                             "it (DOMAIN,PROFILE,...), got '%s'",
                             spec);
    if (rc == 0) {
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = cli_check_readable("study", parts[i]);
        if (rc == 0 && cli_input_kind(parts[0]) != CLI_INPUT_GENIUS)
            rc = cli_usage_error("study", "--genius: '%s' is not GENIUS XML",
                                 parts[0]);
        if (rc == 0)
            rc = load_files(parts, n, parts[0], l);
    }
    free(buf);
    return rc;
}

static int load_generated(const char *spec, scen_list_t *l)
{
    parley_generate_opts_t o;
    parley_generate_opts_init(&o);
    size_t count = 1;
    int have_p = 0, have_i = 0, have_o = 0, rc = 0;
    char *buf = strdup(spec);
    if (!buf)
        return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
    char *next;
    for (char *item = buf; item && rc == 0; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        if (!eq) {
            rc = cli_usage_error("study",
                                 "--generate: expected KEY=VALUE, got '%s'",
                                 item);
            break;
        }
        *eq = '\0';
        const char *val = eq + 1;
        if (strcmp(item, "parties") == 0) {
            rc = cli_parse_size("study", "--generate parties", val, 1,
                                PARLEY_MAX_PARTIES, &o.n_parties);
            have_p = 1;
        } else if (strcmp(item, "issues") == 0) {
            rc = cli_parse_size("study", "--generate issues", val, 1,
                                PARLEY_MAX_ISSUES, &o.n_issues);
            have_i = 1;
        } else if (strcmp(item, "options") == 0) {
            rc = cli_parse_size("study", "--generate options", val, 1,
                                PARLEY_MAX_OPTIONS, &o.n_options);
            have_o = 1;
        } else if (strcmp(item, "conflict") == 0) {
            rc = cli_parse_double("study", "--generate conflict", val, 0, 1,
                                  &o.conflict);
        } else if (strcmp(item, "reservation") == 0) {
            rc = cli_parse_double("study", "--generate reservation", val, 0,
                                  1, &o.reservation);
        } else if (strcmp(item, "power") == 0) {
            int pd = parley_power_dist_from_name(val);
            if (pd < 0)
                rc = cli_usage_error("study",
                                     "--generate power: expected equal, "
                                     "linear, zipf, dominant or random, got "
                                     "'%s'",
                                     val);
            else
                o.power = (parley_power_dist_t)pd;
        } else if (strcmp(item, "seed") == 0) {
            rc = cli_parse_u64("study", "--generate seed", val, &o.seed);
        } else if (strcmp(item, "count") == 0) {
            rc = cli_parse_size("study", "--generate count", val, 1, 100000,
                                &count);
        } else {
            rc = cli_usage_error("study",
                                 "--generate: unknown key '%s' (expected "
                                 "parties, issues, options, conflict, power, "
                                 "reservation, seed or count)",
                                 item);
        }
    }
    free(buf);
    if (rc == 0 && !(have_p && have_i && have_o))
        rc = cli_usage_error("study",
                             "--generate needs parties=N, issues=K and "
                             "options=M, got '%s'",
                             spec);
    uint64_t first = o.seed;
    for (size_t c = 0; rc == 0 && c < count; c++) {
        o.seed = first + c;
        parley_diags_t *diags = parley_diags_new();
        parley_scenario_t *sc = NULL;
        parley_status_t st =
            diags ? parley_generate(&o, &sc, diags) : PARLEY_ENOMEM;
        if (st != PARLEY_OK) {
            cli_print_diags("--generate", diags);
            rc = cli_error("study", cli_exit_for(st), "--generate %s: %s",
                           spec, parley_status_message(st));
        } else {
            char name[160];
            snprintf(name, sizeof name, "gen-p%zu-i%zu-o%zu-c%g-%s-s%llu",
                     o.n_parties, o.n_issues, o.n_options, o.conflict,
                     parley_power_dist_name(o.power),
                     (unsigned long long)o.seed);
            rc = scen_add(l, sc, name);
        }
        parley_diags_free(diags);
    }
    return rc;
}

static int load_example(scen_list_t *l)
{
    if (parley_cli_example_len == 0)
        return cli_usage_error("study", "no scenario given, and this build "
                                        "has no bundled example");
    const char *name = "river-basin.json (bundled example)";
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st =
        diags ? parley_scenario_read_string((const char *)parley_cli_example,
                                            parley_cli_example_len, name, &sc,
                                            diags)
              : PARLEY_ENOMEM;
    cli_print_diags(name, diags);
    parley_diags_free(diags);
    if (st != PARLEY_OK)
        return cli_error("study", cli_exit_for(st), "bundled example: %s",
                         parley_status_message(st));
    return scen_add(l, sc, "river-basin");
}

/* ---- designs ----------------------------------------------------------- */

typedef struct designs {
    size_t n;
    parley_study_design_t *d;
    char **names;
} designs_t;

static void designs_free(designs_t *ds)
{
    for (size_t i = 0; i < ds->n; i++)
        free(ds->names[i]);
    free(ds->names);
    free(ds->d);
}

/* The grid: every combination of the factors' levels. */
static int build_designs(study_args_t *a, designs_t *ds)
{
    size_t total = 1;
    for (int f = 0; f < F_COUNT; f++)
        if (a->f[f].n) {
            total *= a->f[f].n;
            if (total > 100000)
                return cli_usage_error("study",
                                       "the factors make more than 100,000 "
                                       "designs");
        }
    ds->d = calloc(total, sizeof *ds->d);
    ds->names = calloc(total, sizeof *ds->names);
    if (!ds->d || !ds->names)
        return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
    size_t level[F_COUNT] = {0};
    for (size_t i = 0; i < total; i++) {
        /* Decompose i: the last factor varies fastest. */
        size_t rest = i;
        for (int f = F_COUNT - 1; f >= 0; f--) {
            size_t n = a->f[f].n ? a->f[f].n : 1;
            level[f] = rest % n;
            rest /= n;
        }
        parley_study_design_t *d = &ds->d[i];
        char name[1024];
        size_t o = 0;
        name[0] = '\0';
        for (int f = 0; f < F_COUNT; f++) {
            const factor_t *fa = &a->f[f];
            if (!fa->n)
                continue;
            double v = fa->v[level[f]];
            switch (f) {
            case F_CHANNELS:
                d->set |= PARLEY_STUDY_SET_CHANNELS;
                d->private_channels = v != 0;
                break;
            case F_GUARANTEES:
                d->set |= PARLEY_STUDY_SET_GUARANTEES;
                d->guarantees = v != 0;
                break;
            case F_MONITORING:
                d->set |= PARLEY_STUDY_SET_MONITORING;
                d->monitoring = v;
                break;
            case F_AGENDA:
                d->set |= PARLEY_STUDY_SET_AGENDA;
                d->agenda = (parley_agenda_policy_t)v;
                break;
            case F_WG:
                d->set |= PARLEY_STUDY_SET_WORKING_GROUPS;
                d->working_groups = v != 0;
                break;
            case F_PILOTS:
                d->set |= PARLEY_STUDY_SET_PILOTS;
                d->pilots = v != 0;
                break;
            case F_LAMBDA:
                d->set |= PARLEY_STUDY_SET_LAMBDA;
                d->lambda = v;
                break;
            case F_VBUDGET:
                d->set |= PARLEY_STUDY_SET_VETO_BUDGET;
                d->veto_budget = (unsigned)v;
                break;
            case F_VWINDOW:
                d->set |= PARLEY_STUDY_SET_VETO_WINDOW;
                d->veto_window = (unsigned)v;
                break;
            case F_STRATEGY:
                cli_mix_study(&a->mixes[level[f]], &d->strategies);
                break;
            }
            /* Only factors that vary name the design. */
            if (fa->n > 1 && o < sizeof name) {
                int w = snprintf(name + o, sizeof name - o, "%s%s=%s",
                                 o ? " " : "", factor_name[f],
                                 fa->text[level[f]]);
                if (w > 0)
                    o += (size_t)w;
            }
        }
        ds->names[i] = strdup(o ? name : "base");
        if (!ds->names[i])
            return cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
        d->name = ds->names[i];
        ds->n++;
    }
    return 0;
}

/* ---- output ------------------------------------------------------------ */

/* One cell, padded to 30 columns unless it ends the line. */
static void put_interval(FILE *out, const parley_interval_t *iv, int stat,
                         int last)
{
    int width = last ? 0 : 30;
    char buf[64];
    const char *fmt = stat == PARLEY_STUDY_ROUNDS       ? "%.2f"
                      : stat == PARLEY_STUDY_POWER_SKEW ? "%+.4f"
                                                        : "%.4f";
    if (iv->n == 0 || isnan(iv->mean)) {
        fprintf(out, " %-*s", width, "-");
        return;
    }
    int n = snprintf(buf, sizeof buf, fmt, iv->mean);
    if (!isnan(iv->lo)) {
        n += snprintf(buf + n, sizeof buf - (size_t)n, " [");
        n += snprintf(buf + n, sizeof buf - (size_t)n, fmt, iv->lo);
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", ");
        n += snprintf(buf + n, sizeof buf - (size_t)n, fmt, iv->hi);
        snprintf(buf + n, sizeof buf - (size_t)n, "]");
    }
    fprintf(out, " %-*s", width, buf);
}

static void print_summary(FILE *out, const parley_study_t *st,
                          const study_args_t *a, unsigned threads)
{
    static const char *const heads[PARLEY_STUDY_STAT_COUNT] = {
        "Agreement rate (Wilson 95% interval)",
        "Rounds (mean, t 95% interval)",
        "Efficiency: total gain / the most F allows (impasse = 0)",
        "Min normalized gain (impasse = 0)",
        "Power skew of agreements (> 0: the strong gain more)",
        "Offset vs power_nash of agreements (1: its skew removed)"};
    size_t S = parley_study_n_scenarios(st), D = parley_study_n_designs(st);
    size_t rows = parley_study_n_rows(st);
    char b1[32], b2[32];
    cli_format_count((double)rows, b1, sizeof b1);
    fprintf(out, "Study: %zu scenario%s x %zu design%s x %zu seed%s = %s "
                 "sessions",
            S, S == 1 ? "" : "s", D, D == 1 ? "" : "s", a->n_seeds,
            a->n_seeds == 1 ? "" : "s", b1);
    fprintf(out, ", %.2f s on %u thread%s\n", parley_study_seconds(st),
            threads, threads == 1 ? "" : "s");
    for (size_t s = 0; s < S && s < 5; s++)
        fprintf(out, "  scenario: %s\n", parley_study_scenario_name(st, s));
    if (S > 5) {
        cli_format_count((double)(S - 5), b2, sizeof b2);
        fprintf(out, "  ... and %s more\n", b2);
    }
    int base = !a->no_baseline;
    int w = 6;
    for (size_t d = 0; d < D; d++) {
        int l = (int)strlen(parley_study_design_name(st, d));
        if (l > w)
            w = l;
    }
    if (w > 48)
        w = 48;
    for (int k = 0; k < PARLEY_STUDY_STAT_COUNT; k++) {
        int tail = k >= PARLEY_STUDY_POWER_SKEW;
        fprintf(out, "\n%s\n  %-*s %-*s", heads[k], w, "design",
                base || tail ? 30 : 0, "mediated");
        if (base)
            fprintf(out, " %-*s", tail ? 30 : 0, "baseline (no mediator)");
        if (tail)
            fputs(" agreements", out);
        fputc('\n', out);
        for (size_t d = 0; d < D; d++) {
            const parley_study_summary_t *su = parley_study_summary(st, d);
            fprintf(out, "  %-*.*s", w, w, parley_study_design_name(st, d));
            put_interval(out, &su->mediated[k], k, !base && !tail);
            if (base)
                put_interval(out, &su->baseline[k], k, !tail);
            if (tail)
                fprintf(out, " %zu", su->mediated[k].n);
            fputc('\n', out);
        }
    }
    unsigned T = parley_study_periods(st);
    if (T == 0)
        return;
    /* Durability is of mediated agreements: the baseline's are not
     * implemented, so these tables have one column and the count. */
    for (int k = 0; k < 2; k++) {
        if (k == 0)
            fprintf(out,
                    "\nDurability: agreements standing after %u period%s "
                    "(Wilson 95%% interval, over agreements reached)\n",
                    T, T == 1 ? "" : "s");
        else
            fprintf(out,
                    "\nPeriods kept before the first breach, of %u (mean "
                    "over agreements, t 95%% interval)\n",
                    T);
        fprintf(out, "  %-*s %-30s agreements\n", w, "design", "mediated");
        for (size_t d = 0; d < D; d++) {
            const parley_study_summary_t *su = parley_study_summary(st, d);
            const parley_interval_t *iv =
                k == 0 ? &su->durability : &su->periods_kept;
            fprintf(out, "  %-*.*s", w, w, parley_study_design_name(st, d));
            put_interval(out, iv, k == 0 ? PARLEY_STUDY_AGREEMENT
                                         : PARLEY_STUDY_ROUNDS,
                         0);
            fprintf(out, " %zu\n", iv->n);
        }
    }
}

static int write_file(const char *path, const parley_study_t *st, int what)
{
    FILE *f = cli_open_output("study", path);
    if (!f)
        return CLI_EXIT_CANTCREAT;
    parley_status_t s = what == 0   ? parley_study_write_csv(st, f)
                        : what == 1 ? parley_study_write_json(st, f)
                                    : parley_render_study_svg(st, f);
    int rc = cli_close_output("study", path, f);
    if (s != PARLEY_OK && rc == 0)
        rc = cli_error("study", cli_exit_for(s), "writing '%s': %s", path,
                       parley_status_message(s));
    return rc;
}

int cli_cmd_study(int argc, char **argv)
{
    study_args_t a;
    memset(&a, 0, sizeof a);
    a.n_seeds = 100;
    a.seed = 1;
    a.breach_base = PARLEY_BREACH_BASE;
    scen_list_t scens;
    memset(&scens, 0, sizeof scens);
    designs_t ds;
    memset(&ds, 0, sizeof ds);
    parley_rules_t *rules = NULL;
    const parley_rules_t **rules_ptr = NULL;
    parley_study_t *st = NULL;
    parley_diags_t *diags = NULL;
    int rc = parse_args(argc, argv, &a);
    if (rc == 0 && (a.csv && strcmp(a.csv, "-") == 0) +
                           (a.json && strcmp(a.json, "-") == 0) +
                           (a.svg && strcmp(a.svg, "-") == 0) >
                       1)
        rc = cli_usage_error("study", "only one of --csv, --json and --svg "
                                      "can write to standard output");
    /* Monitoring acts on implementation: asking for it asks for periods. */
    if (rc == 0 && !a.have_periods && a.f[F_MONITORING].n)
        a.periods = PARLEY_STUDY_PERIODS_DEFAULT;
    if (rc == 0 && a.periods == 0 && a.f[F_MONITORING].n)
        rc = cli_usage_error("study", "--monitoring needs implementation "
                                      "periods: --periods 0 follows none");
    if (rc == 0 && a.periods == 0 && a.have_base)
        rc = cli_usage_error("study", "--breach-base needs implementation "
                                      "periods (--periods T, T > 0)");
    for (size_t i = 0; rc == 0 && i < a.n_files; i++)
        rc = load_files(&a.files[i], 1, a.files[i], &scens);
    for (size_t i = 0; rc == 0 && i < a.n_genius; i++)
        rc = load_genius(a.genius[i], &scens);
    for (size_t i = 0; rc == 0 && i < a.n_generate; i++)
        rc = load_generated(a.generate[i], &scens);
    if (rc == 0 && scens.n == 0)
        rc = load_example(&scens);
    /* Every named party must exist in every scenario. */
    for (size_t m = 0; rc == 0 && m < a.f[F_STRATEGY].n; m++)
        for (size_t s = 0; rc == 0 && s < scens.n; s++)
            rc = cli_mix_check("study", &a.mixes[m], scens.sc[s],
                               scens.names[s]);
    if (rc == 0)
        rc = build_designs(&a, &ds);
    if (rc == 0)
        diags = parley_diags_new();
    if (rc == 0 && !diags)
        rc = cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
    if (rc == 0 && a.rules) {
        rc = cli_check_readable("study", a.rules);
        rules = rc ? NULL : calloc(scens.n, sizeof *rules);
        rules_ptr = rc ? NULL : calloc(scens.n, sizeof *rules_ptr);
        if (rc == 0 && (!rules || !rules_ptr))
            rc = cli_error("study", CLI_EXIT_INTERNAL, "out of memory");
        for (size_t s = 0; rc == 0 && s < scens.n; s++) {
            parley_status_t r = parley_rules_read_file(a.rules, scens.sc[s],
                                                       &rules[s], diags);
            rules_ptr[s] = &rules[s];
            if (r != PARLEY_OK) {
                cli_print_diags(a.rules, diags);
                rc = cli_error("study", cli_exit_for(r),
                               "%s: the rules do not fit scenario %s",
                               a.rules, scens.names[s]);
            }
        }
    }
    unsigned threads = (unsigned)a.threads;
    if (rc == 0) {
        parley_study_spec_t spec;
        parley_study_spec_init(&spec);
        spec.n_scenarios = scens.n;
        spec.scenarios = (const parley_scenario_t *const *)scens.sc;
        spec.names = (const char *const *)scens.names;
        spec.rules = rules_ptr;
        spec.n_designs = ds.n;
        spec.designs = ds.d;
        spec.first_seed = a.seed;
        spec.n_seeds = a.n_seeds;
        spec.baseline = !a.no_baseline;
        spec.periods = (unsigned)a.periods;
        spec.breach_base = a.breach_base;
        spec.threads = threads;
        cli_progress_t bar;
        cli_progress_init(&bar);
        spec.progress = cli_progress_update;
        spec.progress_ctx = &bar;
        parley_status_t s = parley_study_run(&spec, &st, diags);
        cli_progress_done(&bar);
        if (s != PARLEY_OK) {
            cli_print_diags("study", diags);
            rc = cli_error("study", cli_exit_for(s), "the study failed: %s",
                           parley_status_message(s));
        }
        if (threads == 0) {
            long n = sysconf(_SC_NPROCESSORS_ONLN);
            threads = n > 0 ? (unsigned)n : 1;
        }
    }
    if (rc == 0) {
        int to_stdout = (a.csv && strcmp(a.csv, "-") == 0) ||
                        (a.json && strcmp(a.json, "-") == 0) ||
                        (a.svg && strcmp(a.svg, "-") == 0);
        print_summary(to_stdout ? stderr : stdout, st, &a, threads);
        if (a.csv)
            rc = write_file(a.csv, st, 0);
        if (rc == 0 && a.json)
            rc = write_file(a.json, st, 1);
        if (rc == 0 && a.svg)
            rc = write_file(a.svg, st, 2);
    }
    if (fflush(stdout) != 0 && rc == 0)
        rc = cli_error("study", CLI_EXIT_CANTCREAT,
                       "error writing standard output");
    parley_study_free(st);
    parley_diags_free(diags);
    if (rules)
        for (size_t s = 0; s < scens.n; s++)
            if (rules_ptr[s])
                parley_rules_clear(&rules[s]);
    free(rules);
    free(rules_ptr);
    designs_free(&ds);
    scen_list_free(&scens);
    free_args(&a);
    return rc;
}
