/*
 * cmd_mediate.c - `parley mediate`: one simulated mediation, told round by
 * round, and its outcome compared with power_nash and with the same parties
 * negotiating without a mediator.
 *
 * Every voting party is driven by a strategy (truthful unless --strategy
 * says otherwise).  The library runs the analysis, the session and the
 * baseline (parley_simulate); this file parses the arguments, keeps the
 * session's event log and writes it out: as an account (account.c), as the
 * log itself with a closing summary line (--json), or as a picture of the
 * mediator's path over the frontier (--svg).  Agreement exits 0, impasse 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/cli_internal.h"
#include "live/live_internal.h"
#include "parley/live.h"
#include "parley/render.h"
#include "parley/store.h"

const char cli_help_mediate[] =
    "Usage: parley mediate FILE [PROFILE.xml...] [options]\n"
    "\n"
    "Runs a simulated mediation: the mediator drafts texts cluster by\n"
    "cluster, each voting party answers through a strategy, vetoes are ruled\n"
    "on, parties concede, and the session ends in agreement or impasse.  The\n"
    "account shows the agenda, every round's text (all issues first, then\n"
    "what changed) and answers, vetoes and concessions, the outcome, and\n"
    "the outcome beside power_nash (what raw power alone yields) and the\n"
    "same parties without a mediator (stacked alternating offers).\n"
    "\n"
    "FILE is a parley JSON scenario, a KTAB CSV (.csv), or a GENIUS domain\n"
    "XML followed by its profile XMLs.\n"
    "\n"
    "Options:\n"
    "  --rules FILE          session rules ({\"version\": 1, \"rules\": {...}})\n"
    "                        replacing the scenario's\n"
    "  --seed N              seed of the simulated parties (default 1); the\n"
    "                        same seed gives the same session byte for byte\n"
    "  --strategy SPEC       who plays how: KIND for every party, or\n"
    "                        PARTY=KIND (repeatable, or comma-separated;\n"
    "                        *=KIND for the parties not named).  Kinds:\n"
    "                        truthful (default), boulware, conceder,\n"
    "                        tit-for-tat, hardliner, misreporter\n"
    "  --json                the event log, one JSON object per line, then\n"
    "                        one summary line (docs/events.md)\n"
    "  --svg FILE            the mediator's texts over the Pareto frontier\n"
    "  --db PATH             also record the session in the parley database\n"
    "                        PATH as a live session (docs/live.md), driven\n"
    "                        through the live API by the same strategies and\n"
    "                        checked to give the same log\n"
    "  --session ID          the live session's id (default mediate-SEED-TIME)\n"
    "  --keys DIR            the actors' signing keys (default: the parley\n"
    "                        data directory's keys)\n"
    "\n"
    "Exit status: 0 agreement; 2 impasse; 1 invalid input or a failed\n"
    "session; 64 usage error (also an unknown strategy or party); 66\n"
    "unreadable input; 73 unwritable output.\n";

enum {
    OPT_RULES = 1,
    OPT_SEED,
    OPT_STRATEGY,
    OPT_JSON,
    OPT_SVG,
    OPT_DB,
    OPT_SESSION,
    OPT_KEYS
};

static const cli_opt_t mediate_opts[] = {
    {"rules", 0, 1, OPT_RULES},       {"seed", 0, 1, OPT_SEED},
    {"strategy", 0, 1, OPT_STRATEGY}, {"json", 0, 0, OPT_JSON},
    {"svg", 0, 1, OPT_SVG},           {"db", 0, 1, OPT_DB},
    {"session", 0, 1, OPT_SESSION},   {"keys", 0, 1, OPT_KEYS},
};

typedef struct mediate_args {
    const char *rules, *svg, *db, *session, *keys;
    uint64_t seed;
    int json;
    cli_mix_t mix;
} mediate_args_t;

static int parse_args(int argc, char **argv, mediate_args_t *args,
                      const char **files, size_t *n_files)
{
    cli_parser_t p;
    cli_parser_init(&p, "mediate", argc, argv, mediate_opts,
                    sizeof mediate_opts / sizeof mediate_opts[0]);
    const char *v;
    int id, rc = 0;
    *n_files = 0;
    while (rc == 0 && (id = cli_next(&p, &v)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return CLI_EXIT_USAGE;
        case CLI_OPERAND:
            files[(*n_files)++] = v;
            break;
        case OPT_RULES:
            args->rules = v;
            break;
        case OPT_SEED:
            rc = cli_parse_u64("mediate", "--seed", v, &args->seed);
            break;
        case OPT_STRATEGY:
            rc = cli_mix_parse("mediate", v, &args->mix);
            break;
        case OPT_JSON:
            args->json = 1;
            break;
        case OPT_SVG:
            args->svg = v;
            break;
        case OPT_DB:
            args->db = v;
            break;
        case OPT_SESSION:
            args->session = v;
            break;
        case OPT_KEYS:
            args->keys = v;
            break;
        }
    }
    if (rc == 0 && *n_files == 0 && files)
        rc = cli_usage_error("mediate", "missing the scenario FILE");
    if (rc == 0 && (args->session || args->keys) && !args->db)
        rc = cli_usage_error("mediate", "--session and --keys go with --db");
    if (rc == 0 && args->json && args->svg && strcmp(args->svg, "-") == 0)
        rc = cli_usage_error("mediate", "--svg - would mix the picture into "
                                        "the JSON lines of --json");
    return rc;
}

/* The picture: texts in order, the agreement, power_nash, the baseline. */
static int write_svg(const parley_simulation_t *sim,
                     const parley_scenario_t *sc, const char *path)
{
    const parley_analysis_t *a = parley_simulation_analysis(sim);
    if (!a)
        return cli_error("mediate", CLI_EXIT_INVALID,
                         "no picture: nothing is feasible, so there is no "
                         "frontier to draw the texts over");
    size_t n = parley_simulation_n_texts(sim), K = sc->n_issues;
    uint32_t *texts = malloc((n ? n : 1) * K * sizeof *texts);
    unsigned *rounds = malloc((n ? n : 1) * sizeof *rounds);
    int *pilot = malloc((n ? n : 1) * sizeof *pilot);
    if (!texts || !rounds || !pilot) {
        free(texts);
        free(rounds);
        free(pilot);
        return cli_error("mediate", CLI_EXIT_INTERNAL, "out of memory");
    }
    for (size_t t = 0; t < n; t++)
        memcpy(texts + t * K,
               parley_simulation_text(sim, t, &rounds[t], &pilot[t]),
               K * sizeof *texts);
    const parley_sim_result_t *med =
        parley_simulation_result(sim, PARLEY_SIM_MEDIATED);
    const parley_sim_result_t *base =
        parley_simulation_result(sim, PARLEY_SIM_BASELINE);
    parley_session_path_t path_info;
    memset(&path_info, 0, sizeof path_info);
    path_info.n_texts = n;
    path_info.texts = texts;
    path_info.rounds = rounds;
    path_info.pilot = pilot;
    path_info.agreement = med->agreement;
    path_info.final_package = med->package;
    path_info.baseline_package = base->present ? base->package : NULL;
    path_info.baseline_agreement = base->present && base->agreement;
    int rc;
    FILE *f = cli_open_output("mediate", path);
    if (!f) {
        rc = CLI_EXIT_CANTCREAT;
    } else {
        parley_status_t st = parley_render_session_svg(
            a, parley_simulation_model(sim), sc, &path_info, f);
        rc = cli_close_output("mediate", path, f);
        if (st != PARLEY_OK) {
            if (f != stdout)
                remove(path);
            rc = cli_error("mediate", cli_exit_for(st), "drawing '%s': %s",
                           path, parley_status_message(st));
        }
    }
    free(texts);
    free(rounds);
    free(pilot);
    return rc;
}

/* The whole of a small text file, or NULL. */
static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(b, cap ? cap * 2 : 4096);
            if (!nb) {
                free(b);
                fclose(f);
                return NULL;
            }
            b = nb;
            cap = cap ? cap * 2 : 4096;
        }
        size_t got = fread(b + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    b[n] = '\0';
    return b;
}

/*
 * --db: the same session once more, as a live session in the store driven
 * through the live API, and its log checked against the simulated one.
 */
static int record_live(const parley_scenario_t *sc, const mediate_args_t *args,
                       const parley_strategy_kind_t *kinds,
                       const cli_log_t *log)
{
    parley_diags_t *diags = parley_diags_new();
    parley_store_t *store = NULL;
    parley_live_t *live = NULL;
    char *rules_text = NULL, *events = NULL;
    int rc = 0;
    char sid[PARLEY_LEDGER_MAX_NAME + 1];
    if (args->session)
        snprintf(sid, sizeof sid, "%s", args->session);
    else
        snprintf(sid, sizeof sid, "mediate-%llu-%lld",
                 (unsigned long long)args->seed, (long long)time(NULL));
    if (!diags)
        return cli_error("mediate", CLI_EXIT_INTERNAL, "out of memory");
    parley_status_t st = parley_store_open(args->db, &store, diags);
    if (st == PARLEY_OK)
        st = parley_live_open(store, args->keys, &live, diags);
    if (st == PARLEY_OK && args->rules &&
        !(rules_text = read_text_file(args->rules)))
        st = PARLEY_EIO;
    parley_principal_t med;
    char tok[PARLEY_LIVE_TOKEN_SIZE];
    if (st == PARLEY_OK)
        st = parley_live_issue(live, NULL, NULL, "parley-mediate", 0, tok,
                               diags);
    if (st == PARLEY_OK)
        st = parley_live_authenticate(live, tok, &med);
    if (st == PARLEY_OK)
        st = parley__live_simulate(live, &med, sid, sc, rules_text, kinds,
                                   args->seed, diags);
    if (st == PARLEY_OK)
        st = parley_live_read(live, &med, sid, "events", 0, &events, diags);
    if (st != PARLEY_OK) {
        cli_print_diags(args->db, diags);
        rc = cli_error("mediate", cli_exit_for(st), "recording in '%s': %s",
                       args->db, parley_status_message(st));
    } else {
        /* The live log must be the simulated one, byte for byte. */
        size_t at = strlen("{\"events\":[");
        int same = strncmp(events, "{\"events\":[", at) == 0;
        for (size_t i = 0; same && i < log->n; i++) {
            size_t n = strlen(log->lines[i]);
            same = strncmp(events + at, log->lines[i], n) == 0;
            at += n;
            if (same && i + 1 < log->n)
                same = events[at++] == ',';
        }
        if (!same || strncmp(events + at, "],", 2) != 0)
            rc = cli_error("mediate", CLI_EXIT_INTERNAL,
                           "the live session '%s' did not replay to the "
                           "simulated log",
                           sid);
        else
            fprintf(stderr, "parley mediate: recorded as live session '%s' "
                            "in %s\n",
                    sid, args->db);
    }
    sodium_memzero(tok, sizeof tok);
    parley_free(events);
    free(rules_text);
    parley_live_close(live);
    parley_store_close(store);
    parley_diags_free(diags);
    return rc;
}

/* Everything after reading the scenario. */
static int mediate_scenario(const parley_scenario_t *sc, const char *name,
                            mediate_args_t *args)
{
    int rc = cli_mix_check("mediate", &args->mix, sc, name);
    if (rc)
        return rc;
    parley_diags_t *diags = parley_diags_new();
    parley_strategy_kind_t *kinds =
        malloc((sc->n_parties ? sc->n_parties : 1) * sizeof *kinds);
    if (!diags || !kinds) {
        parley_diags_free(diags);
        free(kinds);
        return cli_error("mediate", CLI_EXIT_INTERNAL, "out of memory");
    }
    cli_mix_kinds(&args->mix, sc, kinds);
    parley_rules_t rules;
    int have_rules = 0;
    parley_status_t st = PARLEY_OK;
    if (args->rules) {
        rc = cli_check_readable("mediate", args->rules);
        if (rc == 0) {
            st = parley_rules_read_file(args->rules, sc, &rules, diags);
            have_rules = 1;
            if (st != PARLEY_OK) {
                cli_print_diags(args->rules, diags);
                rc = cli_exit_for(st);
            }
        }
    }
    cli_log_t log;
    memset(&log, 0, sizeof log);
    parley_simulation_t *sim = NULL;
    if (rc == 0) {
        parley_simulation_opts_t o;
        parley_simulation_opts_init(&o);
        o.rules = have_rules ? &rules : NULL;
        o.kinds = kinds;
        o.seed = args->seed;
        o.on_event = cli_log_event;
        o.event_ctx = &log;
        parley_analysis_opts_t ao;
        parley_analysis_opts_init(&ao);
        cli_progress_t bar;
        cli_progress_init(&bar);
        ao.progress = cli_progress_update;
        ao.progress_ctx = &bar;
        o.analysis = &ao;
        st = parley_simulate(sc, &o, &sim, diags);
        cli_progress_done(&bar);
        if (st == PARLEY_OK && log.oom)
            st = PARLEY_ENOMEM;
        if (st != PARLEY_OK) {
            cli_print_diags(name, diags);
            rc = cli_error("mediate", cli_exit_for(st), "%s: %s", name,
                           parley_status_message(st));
        }
    }
    if (rc == 0) {
        /* An empty feasible set is reported, not fatal: the session ran. */
        if (!parley_simulation_analysis(sim))
            cli_print_diags(name, diags);
        if (args->json) {
            for (size_t i = 0; i < log.n; i++) {
                fputs(log.lines[i], stdout);
                fputc('\n', stdout);
            }
            char *sj = NULL;
            st = parley_simulation_summary_json(sim, sc, &sj);
            if (st == PARLEY_OK) {
                fputs(sj, stdout);
                fputc('\n', stdout);
                parley_free(sj);
            } else {
                rc = cli_error("mediate", cli_exit_for(st), "summary: %s",
                               parley_status_message(st));
            }
        } else {
            cli_account_text(stdout, &log, sc, sim, name);
        }
        if (rc == 0 && args->svg)
            rc = write_svg(sim, sc, args->svg);
        if (rc == 0 && args->db)
            rc = record_live(sc, args, kinds, &log);
        if (rc == 0 && !parley_simulation_outcome(sim)->agreement) {
            if (args->json)
                fprintf(stderr, "parley mediate: impasse: %s\n",
                        parley_simulation_outcome(sim)->impasse_reason);
            rc = CLI_EXIT_INFEASIBLE;
        }
    }
    if (fflush(stdout) != 0 && (rc == 0 || rc == CLI_EXIT_INFEASIBLE))
        rc = cli_error("mediate", CLI_EXIT_CANTCREAT,
                       "error writing standard output");
    parley_simulation_free(sim);
    cli_log_free(&log);
    if (have_rules)
        parley_rules_clear(&rules);
    parley_diags_free(diags);
    free(kinds);
    return rc;
}

int cli_cmd_mediate(int argc, char **argv)
{
    mediate_args_t args;
    memset(&args, 0, sizeof args);
    args.seed = 1;
    const char **files = malloc(sizeof *files * (size_t)(argc + 1));
    if (!files)
        return cli_error("mediate", CLI_EXIT_INTERNAL, "out of memory");
    size_t n_files = 0;
    int rc = parse_args(argc, argv, &args, files, &n_files);
    if (rc) {
        cli_mix_free(&args.mix);
        free(files);
        return rc;
    }
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    if (!diags) {
        cli_mix_free(&args.mix);
        free(files);
        return cli_error("mediate", CLI_EXIT_INTERNAL, "out of memory");
    }
    parley_status_t st = cli_load("mediate", files, n_files, &sc, diags, &rc);
    cli_print_diags(files[0], diags);
    if (st == PARLEY_OK && sc)
        rc = mediate_scenario(sc, files[0], &args);
    else if (rc == CLI_EXIT_OK)
        rc = CLI_EXIT_INVALID;
    if (st != PARLEY_OK && st != PARLEY_EARG && st != PARLEY_EIO &&
        parley_diags_count(diags) == 0)
        cli_error("mediate", rc, "%s: %s", files[0],
                  parley_status_message(st));
    parley_scenario_free(sc);
    parley_diags_free(diags);
    cli_mix_free(&args.mix);
    free(files);
    return rc;
}

int cli_run_example(void)
{
    if (parley_cli_example_len == 0)
        return cli_error(NULL, CLI_EXIT_USAGE,
                         "this build has no bundled example\nTry 'parley "
                         "--help' for usage.");
    mediate_args_t args;
    memset(&args, 0, sizeof args);
    args.seed = 1;
    const char *name = "river-basin.json (bundled example)";
    parley_diags_t *diags = parley_diags_new();
    if (!diags)
        return cli_error(NULL, CLI_EXIT_INTERNAL, "out of memory");
    parley_scenario_t *sc = NULL;
    parley_status_t st = parley_scenario_read_string(
        (const char *)parley_cli_example, parley_cli_example_len, name, &sc,
        diags);
    cli_print_diags(name, diags);
    int rc;
    if (st == PARLEY_OK) {
        printf("parley %s: mediating the bundled example with truthful "
               "parties.  'parley --help'\nlists the commands.\n\n",
               PARLEY_VERSION_STRING);
        rc = mediate_scenario(sc, name, &args);
    } else {
        rc = cli_error(NULL, cli_exit_for(st), "bundled example: %s",
                       parley_status_message(st));
    }
    parley_scenario_free(sc);
    parley_diags_free(diags);
    return rc;
}
