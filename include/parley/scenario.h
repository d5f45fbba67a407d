/*
 * parley/scenario.h - the negotiation scenario: issues, clusters, parties.
 *
 * A parley_scenario_t is plain data, the mutable "builder" form of the model:
 * readers (JSON, GENIUS, KTAB) and generators fill it, writers serialise it.
 * Solvers never look at it directly; they take a parley_model_t compiled from
 * it (see model.h), which is read-only and laid out for speed.
 *
 * Ownership: every pointer inside a scenario is owned by it and freed by
 * parley_scenario_free(), which must be used with parley_malloc'd memory
 * (see alloc.h).  Meanings of every field follow DESIGN.md section 1.
 */
#ifndef PARLEY_SCENARIO_H
#define PARLEY_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#include "parley/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The scenario format version this library reads and writes. */
#define PARLEY_FORMAT_VERSION 1

/* Stated limits; inputs beyond them get PARLEY_ELIMIT, never truncation. */
#define PARLEY_MAX_ISSUES 256
#define PARLEY_MAX_PARTIES 64
#define PARLEY_MAX_OPTIONS 65536 /* per issue, after a real issue's grid */
#define PARLEY_MAX_POINTS 1024   /* piecewise-linear breakpoints */
#define PARLEY_MAX_ID 128        /* bytes in an id */

typedef enum parley_issue_kind {
    PARLEY_ISSUE_DISCRETE, /* named options, in listed order */
    PARLEY_ISSUE_INTEGER,  /* min..max step 1 */
    PARLEY_ISSUE_REAL      /* min..max on a grid of `resolution` */
} parley_issue_kind_t;

typedef struct parley_issue {
    char *id;   /* unique among issues; [A-Za-z0-9_.:-] not required */
    char *name; /* human name; may be NULL (then id is shown) */
    char *unit; /* for numeric issues; may be NULL */
    parley_issue_kind_t kind;
    /* DISCRETE: option ids, n_options of them.  NULL for numeric issues. */
    char **options;
    /*
     * Number of options.  For numeric issues it is derived:
     * floor((max - min) / resolution + 1e-9) + 1, and option j stands for the
     * number min + j * resolution.
     */
    size_t n_options;
    double min, max, resolution; /* numeric issues; integer: resolution 1 */
    long cluster;                /* index into clusters, or -1 */
} parley_issue_t;

typedef struct parley_cluster {
    char *id;
    char *name;        /* may be NULL */
    char *description; /* may be NULL */
    size_t n_issues;
    size_t *issues; /* indices into the scenario's issues */
} parley_cluster_t;

typedef enum parley_value_kind {
    PARLEY_VALUE_NONE,      /* the party does not care (weight 0) */
    PARLEY_VALUE_TABLE,     /* discrete: a value per option */
    PARLEY_VALUE_LINEAR,    /* clamp(offset + slope * (x - origin), 0, 1) */
    PARLEY_VALUE_PIECEWISE, /* linear interpolation, flat beyond the ends */
    PARLEY_VALUE_IDEAL      /* max(0, 1 - loss(|x - ideal| / scale)) */
} parley_value_kind_t;

typedef enum parley_loss {
    PARLEY_LOSS_LINEAR,   /* loss(d) = d */
    PARLEY_LOSS_QUADRATIC /* loss(d) = d * d */
} parley_loss_t;

/* A value function maps an issue's option to [0,1]. */
typedef struct parley_value_fn {
    parley_value_kind_t kind;
    double *table; /* TABLE: n_table == issue's n_options values */
    size_t n_table;
    double offset, slope, origin; /* LINEAR */
    double *xs, *ys;              /* PIECEWISE: xs strictly increasing */
    size_t n_points;
    double ideal, scale; /* IDEAL: scale > 0 */
    parley_loss_t loss;
} parley_value_fn_t;

typedef enum parley_role {
    PARLEY_ROLE_PARTY,     /* negotiates and votes */
    PARLEY_ROLE_GUARANTOR, /* offers guarantees, does not vote */
    PARLEY_ROLE_MONITOR,   /* reports on implementation, does not vote */
    PARLEY_ROLE_OBSERVER   /* sees public data only */
} parley_role_t;

typedef enum parley_cmp {
    PARLEY_CMP_EQ,
    PARLEY_CMP_NE,
    PARLEY_CMP_LT,
    PARLEY_CMP_LE,
    PARLEY_CMP_GT,
    PARLEY_CMP_GE,
    PARLEY_CMP_IN,
    PARLEY_CMP_NOT_IN
} parley_cmp_t;

/*
 * A red line: a hard constraint on one issue that the party will not give up.
 * Discrete issues take EQ, NE, IN, NOT_IN over option indices (EQ/NE use
 * options[0]); numeric issues take EQ..GE against `value` (EQ/NE compare the
 * grid point exactly after snapping value to the grid).
 */
typedef struct parley_red_line {
    size_t issue;
    parley_cmp_t op;
    double value;
    size_t n_options;
    size_t *options;
    char *note; /* the party's stated reason; may be NULL */
} parley_red_line_t;

typedef struct parley_party {
    char *id;
    char *name; /* may be NULL */
    parley_role_t role;
    double power;       /* > 0 for voting parties */
    double reservation; /* utility of no agreement (BATNA) */
    double discount;    /* GENIUS discount factor in (0,1], 1 = none */
    /* Per issue of the scenario: weight >= 0 and value function. */
    double *weights;
    parley_value_fn_t *values;
    size_t n_red_lines;
    parley_red_line_t *red_lines;
} parley_party_t;

/* Session rules and guarantees: see rules.h. */
struct parley_rules;
struct parley_guarantee;

typedef struct parley_scenario {
    int version; /* PARLEY_FORMAT_VERSION */
    char *name;
    char *description; /* may be NULL */
    char *source;      /* provenance note, e.g. the files it came from */
    size_t n_issues;
    parley_issue_t *issues;
    size_t n_clusters;
    parley_cluster_t *clusters;
    size_t n_parties;
    parley_party_t *parties;
    /* The session rules ("rules"), NULL meaning the defaults, and the
     * guarantees offered ("guarantees").  Owned like everything else. */
    struct parley_rules *rules;
    size_t n_guarantees;
    struct parley_guarantee *guarantees;
} parley_scenario_t;

/* Destroying NULL is harmless. */
void parley_scenario_free(parley_scenario_t *sc);

/* A new empty scenario (version set), or NULL on allocation failure. */
parley_scenario_t *parley_scenario_new(void);

/*
 * Reads a v1 JSON scenario.  On success *out is a scenario that passed
 * parley_scenario_check(); warnings may still be in diags.  On failure *out
 * is NULL and diags holds every error found, each with file, line, column and
 * JSON path.  `name` is what diagnostics call the input (a file name).
 */
parley_status_t parley_scenario_read_file(const char *path,
                                          parley_scenario_t **out,
                                          parley_diags_t *diags);
parley_status_t parley_scenario_read_string(const char *text, size_t len,
                                            const char *name,
                                            parley_scenario_t **out,
                                            parley_diags_t *diags);

/*
 * Writes the scenario as v1 JSON (pretty, stable key order).  Reading the
 * result gives a scenario equal to `sc` by parley_scenario_equal().  A
 * scenario with errors under parley_scenario_check() is refused with
 * PARLEY_EINVALID (nothing written), since it could not be read back.
 * The format is described in docs/scenario-format.md.
 */
parley_status_t parley_scenario_write(const parley_scenario_t *sc, FILE *out);
/* The same into a NUL-terminated parley_malloc'd string. */
parley_status_t parley_scenario_to_string(const parley_scenario_t *sc,
                                          char **out);

/*
 * Semantic validation of a filled scenario: ids unique, option lists
 * non-empty, power > 0 for voting parties, numbers finite, value functions
 * well-formed, red lines well-formed, sizes within limits, rules and
 * guarantees as parley_rules_check() (rules.h) has them.  Reports each
 * problem with `file` and a JSON path (line/column 0).  Weights that do not
 * sum to 1 are used as written (GENIUS semantics) and get a warning.
 * Returns PARLEY_OK when no error was found.
 */
parley_status_t parley_scenario_check(const parley_scenario_t *sc,
                                      const char *file, parley_diags_t *diags);

/* Deep equality of two scenarios (exact doubles). */
int parley_scenario_equal(const parley_scenario_t *a,
                          const parley_scenario_t *b);

/* Value of option j of issue `is` under fn, in [0,1]. */
double parley_value_eval(const parley_value_fn_t *fn, const parley_issue_t *is,
                         size_t j);

/* The number option j of a numeric issue stands for. */
double parley_issue_option_number(const parley_issue_t *is, size_t j);

/*
 * Writes option j's label: the option id for discrete issues, the shortest
 * exact decimal for numeric ones (unit not included).  snprintf semantics.
 */
int parley_issue_option_label(const parley_issue_t *is, size_t j, char *buf,
                              size_t size);

/* Option count of a numeric issue from min, max, resolution (see above). */
size_t parley_issue_grid_size(double min, double max, double resolution);

/* Product of the issues' option counts, as a double (may exceed 2^64). */
double parley_scenario_package_count(const parley_scenario_t *sc);

const char *parley_role_name(parley_role_t role);
const char *parley_cmp_name(parley_cmp_t op); /* "==", ">=", "in", ... */

#ifdef __cplusplus
}
#endif
#endif
