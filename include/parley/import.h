/*
 * parley/import.h - reading other tools' formats into a scenario.
 *
 * GENIUS (the ANAC competitions' XML: one domain file and one profile per
 * party) and KTAB (the KAPSARC toolkit's spatial-model CSV).  Both produce a
 * parley_scenario_t that has passed parley_scenario_check(), or nothing.
 */
#ifndef PARLEY_IMPORT_H
#define PARLEY_IMPORT_H

#include <stddef.h>

#include "parley/error.h"
#include "parley/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * GENIUS semantics, reproduced exactly:
 * - discrete evaluations are divided by the largest evaluation;
 * - integer issues with a linear evaluator (offset a, slope b) over
 *   [lowerbound, upperbound] give clamp(a + b * (v - lowerbound), 0, 1),
 *   stored as a LINEAR value function with origin = lowerbound;
 * - weights are used as written; issues are matched by name;
 * - <reservation value=r/> (absent = 0) and <discount_factor value=d/>
 *   (absent = 1) are kept.
 * Each profile becomes a voting party with power 1 whose id is the profile
 * file's base name without extension.
 */
parley_status_t parley_import_genius(const char *domain_path,
                                     const char *const *profile_paths,
                                     size_t n_profiles,
                                     parley_scenario_t **out,
                                     parley_diags_t *diags);

/* True when the file at `path` looks like GENIUS XML (sniffs the root). */
int parley_import_is_genius(const char *path);

/*
 * KTAB CSV: row 1 scenario name, description, #actors, #dims; row 2 headers;
 * then per actor: id, description, capability, then (position, salience)
 * per dimension, on 0..100.  Capability becomes power; each dimension an
 * integer issue 0..100 valued by an ideal point at the actor's position with
 * linear loss over the full range (scale 100); each weight is the salience
 * divided by 100, as KTAB reads it: the share of the actor's attention, the
 * rest going to matters outside the model (so weights may sum below 1).
 * Reservation is 0: KTAB has no outside options.
 */
parley_status_t parley_import_ktab(const char *csv_path,
                                   parley_scenario_t **out,
                                   parley_diags_t *diags);
parley_status_t parley_import_ktab_string(const char *text, size_t len,
                                          const char *name,
                                          parley_scenario_t **out,
                                          parley_diags_t *diags);
/* The same for GENIUS from memory (for fuzzing): domain + profiles. */
parley_status_t parley_import_genius_strings(const char *domain, size_t dlen,
                                             const char *const *profiles,
                                             const size_t *plens,
                                             size_t n_profiles,
                                             parley_scenario_t **out,
                                             parley_diags_t *diags);

#ifdef __cplusplus
}
#endif
#endif
