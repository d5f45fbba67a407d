/*
 * cli_internal.h - what the parley command's files share.
 *
 *   main.c          dispatch, global --help/--version, `parley help CMD`
 *   args.c          option scanning and strict number parsing
 *   output.c        usage errors, exit codes, input loading, output files
 *   progress.c      the progress bar on a terminal's stderr
 *   cmd_*.c         one subcommand each
 *   report.c        the analysis written out for a mediator
 *   account.c       a simulated session written out from its event log
 *   mix.c           strategy assignments given on the command line
 *
 * The CLI holds no analysis logic: it parses arguments, calls libparley and
 * formats what comes back.
 */
#ifndef PARLEY_CLI_INTERNAL_H
#define PARLEY_CLI_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parley/parley.h"
#include "parley/ledger.h"
#include "parley/store.h"
#include "parley/study.h"

/*
 * Exit codes (sysexits.h values where one fits):
 *   0 success; 1 invalid input (diagnostics printed) or a failure while
 *   working; 2 analysis found nothing feasible (an impasse); 64 usage error;
 *   66 an input file cannot be read; 70 internal error (out of memory);
 *   73 an output file cannot be created or written.
 */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INVALID = 1,
    CLI_EXIT_INFEASIBLE = 2,
    CLI_EXIT_USAGE = 64,
    CLI_EXIT_NOINPUT = 66,
    CLI_EXIT_INTERNAL = 70,
    CLI_EXIT_CANTCREAT = 73
};

/* ---- subcommands ---- */

typedef int (*cli_cmd_fn)(int argc, char **argv);

int cli_cmd_validate(int argc, char **argv);
int cli_cmd_convert(int argc, char **argv);
int cli_cmd_analyze(int argc, char **argv);
int cli_cmd_generate(int argc, char **argv);
int cli_cmd_mediate(int argc, char **argv);
int cli_cmd_study(int argc, char **argv);
int cli_cmd_verify(int argc, char **argv);
int cli_cmd_ledger(int argc, char **argv);
int cli_cmd_monitor(int argc, char **argv);

extern const char cli_help_validate[];
extern const char cli_help_convert[];
extern const char cli_help_analyze[];
extern const char cli_help_generate[];
extern const char cli_help_mediate[];
extern const char cli_help_study[];
extern const char cli_help_verify[];
extern const char cli_help_ledger[];
extern const char cli_help_monitor[];

/* `parley` with no arguments: the bundled example, mediated. */
int cli_run_example(void);
/* The bundled example's JSON text (empty when the build has none). */
extern const unsigned char parley_cli_example[];
extern const size_t parley_cli_example_len;

/* ---- option scanning (args.c) ---- */

typedef struct cli_opt {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when none */
    int has_value;
    int id; /* returned by cli_next(); > 0 */
} cli_opt_t;

typedef struct cli_parser {
    const char *cmd; /* "analyze", for messages */
    int argc;
    char **argv;
    int next;          /* index of the next argv element */
    int only_operands; /* after "--" */
    const cli_opt_t *opts;
    size_t n_opts;
    const char *arg;   /* the option as written, for messages */
} cli_parser_t;

enum { CLI_END = 0, CLI_OPERAND = -1, CLI_BAD = -2 };

/* argv[0] is the subcommand's name. */
void cli_parser_init(cli_parser_t *p, const char *cmd, int argc, char **argv,
                     const cli_opt_t *opts, size_t n_opts);
/*
 * Next option id, CLI_OPERAND (with *value the operand), CLI_END, or
 * CLI_BAD after printing a usage error (the caller returns CLI_EXIT_USAGE).
 * Options take their value as "--name VALUE", "--name=VALUE" or "-x VALUE";
 * "--" ends options; "-" alone is an operand.
 */
int cli_next(cli_parser_t *p, const char **value);

/*
 * Strict numbers: the whole string must be a decimal number (no spaces, no
 * hex, no inf/nan, no trailing text) inside [lo, hi].  On error they print
 * a usage error naming `what` and return CLI_EXIT_USAGE; 0 on success.
 */
int cli_parse_double(const char *cmd, const char *what, const char *s,
                     double lo, double hi, double *out);
int cli_parse_size(const char *cmd, const char *what, const char *s,
                   size_t lo, size_t hi, size_t *out);
int cli_parse_u64(const char *cmd, const char *what, const char *s,
                  uint64_t *out);

/* ---- output.c ---- */

/* "parley CMD: message" + a hint line; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* "parley CMD: message" on stderr, no hint; returns `code`. */
int cli_error(const char *cmd, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Maps a library status to an exit code. */
int cli_exit_for(parley_status_t st);

/* 0 when `path` can be opened for reading; else prints and returns 66. */
int cli_check_readable(const char *cmd, const char *path);

typedef enum cli_input_kind {
    CLI_INPUT_JSON,
    CLI_INPUT_KTAB,  /* by the .csv extension */
    CLI_INPUT_GENIUS /* by sniffing the XML root */
} cli_input_kind_t;

cli_input_kind_t cli_input_kind(const char *path);
const char *cli_input_kind_name(cli_input_kind_t k);

/*
 * Reads a scenario from files[0] (JSON or KTAB CSV), or from a GENIUS
 * domain files[0] with its profiles files[1..n-1].  Checks readability and
 * argument counts first (usage errors print and return 64/66 through
 * *exit_code).  Diagnostics go to `diags`.
 */
parley_status_t cli_load(const char *cmd, const char *const *files, size_t n,
                         parley_scenario_t **out, parley_diags_t *diags,
                         int *exit_code);

/* Opens `path` for writing ("-" or NULL = stdout); prints on failure. */
FILE *cli_open_output(const char *cmd, const char *path);
/* Closes (unless stdout), reports a write error; returns an exit code. */
int cli_close_output(const char *cmd, const char *path, FILE *f);

/*
 * Diagnostics on stderr for commands whose job is not validation: every
 * error, but only the first few warnings and a count of the rest, so that a
 * known property of an input (KTAB weights summing below 1) does not bury
 * the result.  `parley validate` prints them all.
 */
void cli_print_diags(const char *file, const parley_diags_t *diags);

/* Counts as text: exact integers up to 2^53, else %.4g; "1,234,567". */
void cli_format_count(double x, char *buf, size_t size);

/* ---- cmd_ledger.c, cmd_verify.c: the store and the keys ---- */

/*
 * Opens the store at path (NULL: the default location).  With must_exist a
 * missing file is an error (66) rather than a new empty database.  Prints
 * what is wrong; returns an exit code (0 on success, *out then owned).
 */
int cli_open_store(const char *cmd, const char *path, int must_exist,
                   parley_store_t **out);
/* The key directory: `given`, else the default; 0 or an exit code. */
int cli_key_dir(const char *cmd, const char *given, char *buf, size_t size);
/* Loads dir/actor.key (generating it first when create and it is missing). */
int cli_load_key(const char *cmd, const char *dir, const char *actor,
                 int create, parley_key_t **out);
/* n bytes as 2n lowercase hex digits and a NUL. */
void cli_hex(const unsigned char *bytes, size_t n, char *out);

/* ---- progress.c ---- */

typedef struct cli_progress {
    int enabled; /* stderr is a terminal */
    int drawn;   /* something is on the line now */
    double start;
    /* Shared with the ticker thread, under `lock`. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int has_ticker, stop;
    double fraction;
    int last_permille;
    char stage[48];
} cli_progress_t;

/* Starts the clock (and the ticker on a terminal). */
void cli_progress_init(cli_progress_t *p);
/* A parley_progress_fn; ctx is the cli_progress_t. */
void cli_progress_update(void *ctx, double fraction, const char *stage);
/* Stops the ticker and erases the bar if one was drawn. */
void cli_progress_done(cli_progress_t *p);

/* ---- report.c ---- */

typedef struct cli_report_opts {
    int with_frontier;
    const char *input_name;
} cli_report_opts_t;

void cli_report_text(FILE *out, const parley_analysis_t *a,
                     const parley_model_t *m, const parley_scenario_t *sc,
                     const cli_report_opts_t *ro);
/* The impasse: what clashes, from the diagnostics. */
void cli_report_impasse(FILE *out, const parley_scenario_t *sc,
                        const parley_diags_t *diags);
/* The same as a small JSON object, for --json. */
void cli_report_impasse_json(FILE *out, const parley_scenario_t *sc,
                             const parley_diags_t *diags);

/* ---- account.c ---- */

/* The event lines of a session, kept in order for the account. */
typedef struct cli_log {
    size_t n, cap;
    char **lines;
    int oom;
} cli_log_t;

/* A parley_event_fn appending ev->json to the cli_log_t in ctx. */
void cli_log_event(void *ctx, const parley_event_t *ev);
void cli_log_free(cli_log_t *log);

/*
 * The session told round by round from its log, then the outcome set
 * beside power_nash and the unmediated baseline.  `input_name` labels the
 * scenario.
 */
void cli_account_text(FILE *out, const cli_log_t *log,
                      const parley_scenario_t *sc,
                      const parley_simulation_t *sim, const char *input_name);

/* ---- mix.c ---- */

/*
 * Strategies for the voting parties: `all` for every party not named, then
 * assignments by party id.  Written "KIND", "*=KIND" or "PARTY=KIND",
 * several separated by commas ("highvale=hardliner,*=conceder").
 */
typedef struct cli_mix {
    parley_strategy_kind_t all;
    size_t n, cap;
    char **ids;
    parley_strategy_kind_t *kinds;
    char *text; /* as written, for labels */
} cli_mix_t;

/* Adds what `spec` says to mix; a usage error (64) for an unknown kind or
 * a malformed item, 70 out of memory. */
int cli_mix_parse(const char *cmd, const char *spec, cli_mix_t *mix);
void cli_mix_free(cli_mix_t *mix);
/* 0 when every id names a voting party of sc; else a usage error naming
 * the id and the voting parties (64). */
int cli_mix_check(const char *cmd, const cli_mix_t *mix,
                  const parley_scenario_t *sc, const char *sc_name);
/* The kinds per scenario party ([sc->n_parties]), after cli_mix_check. */
void cli_mix_kinds(const cli_mix_t *mix, const parley_scenario_t *sc,
                   parley_strategy_kind_t *kinds);
/* The library's view of the mix (borrows from it). */
void cli_mix_study(const cli_mix_t *mix, parley_study_mix_t *out);
/* "truthful, boulware, ..." for messages. */
void cli_strategy_names(char *buf, size_t size);

#endif
