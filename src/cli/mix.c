/*
 * mix.c - which strategy drives which party, as written on the command
 * line: "KIND" (every party), "*=KIND" (every party not named), and
 * "PARTY=KIND", several separated by commas.  Unknown kinds are usage
 * errors at once; unknown parties once the scenario is read, naming the
 * parties it has, since a typo in a party id must not silently leave that
 * party truthful.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"

void cli_strategy_names(char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int k = 0; k < PARLEY_STRATEGY_COUNT && o < size; k++) {
        int n = snprintf(buf + o, size - o, "%s%s", k ? ", " : "",
                         parley_strategy_name((parley_strategy_kind_t)k));
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

void cli_mix_free(cli_mix_t *mix)
{
    for (size_t i = 0; i < mix->n; i++)
        free(mix->ids[i]);
    free(mix->ids);
    free(mix->kinds);
    free(mix->text);
    memset(mix, 0, sizeof *mix);
}

static int kind_of(const char *cmd, const char *name,
                   parley_strategy_kind_t *out)
{
    int k = parley_strategy_from_name(name);
    if (k < 0) {
        char names[200];
        cli_strategy_names(names, sizeof names);
        return cli_usage_error(cmd,
                               "--strategy: unknown strategy '%s' (expected "
                               "one of: %s)",
                               name, names);
    }
    *out = (parley_strategy_kind_t)k;
    return 0;
}

static int append_text(cli_mix_t *mix, const char *spec)
{
    size_t old = mix->text ? strlen(mix->text) : 0;
    char *t = realloc(mix->text, old + strlen(spec) + 2);
    if (!t)
        return -1;
    if (old)
        t[old++] = ',';
    strcpy(t + old, spec);
    mix->text = t;
    return 0;
}

int cli_mix_parse(const char *cmd, const char *spec, cli_mix_t *mix)
{
    size_t len = strlen(spec);
    char *buf = malloc(len + 1);
    if (!buf || append_text(mix, spec) != 0) {
        free(buf);
        return cli_error(cmd, CLI_EXIT_INTERNAL, "out of memory");
    }
    memcpy(buf, spec, len + 1);
    int rc = 0;
    char *next;
    for (char *item = buf; item && rc == 0; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        parley_strategy_kind_t k = PARLEY_STRATEGY_TRUTHFUL;
        if (!eq) {
            if (!*item) {
                rc = cli_usage_error(cmd,
                                     "--strategy: expected KIND or "
                                     "PARTY=KIND, got '%s'",
                                     spec);
                break;
            }
            rc = kind_of(cmd, item, &k);
            if (rc == 0)
                mix->all = k;
            continue;
        }
        *eq = '\0';
        if (!*item || !eq[1]) {
            rc = cli_usage_error(cmd,
                                 "--strategy: expected PARTY=KIND, got "
                                 "'%s=%s'",
                                 item, eq + 1);
            break;
        }
        rc = kind_of(cmd, eq + 1, &k);
        if (rc)
            break;
        if (strcmp(item, "*") == 0) {
            mix->all = k;
            continue;
        }
        /* A party named again takes the later kind. */
        size_t i = 0;
        while (i < mix->n && strcmp(mix->ids[i], item) != 0)
            i++;
        if (i == mix->n) {
            if (mix->n == mix->cap) {
                size_t cap = mix->cap ? mix->cap * 2 : 8;
                char **ids = realloc(mix->ids, cap * sizeof *ids);
                if (ids)
                    mix->ids = ids;
                parley_strategy_kind_t *ks =
                    realloc(mix->kinds, cap * sizeof *ks);
                if (ks)
                    mix->kinds = ks;
                if (!ids || !ks) {
                    rc = cli_error(cmd, CLI_EXIT_INTERNAL, "out of memory");
                    break;
                }
                mix->cap = cap;
            }
            mix->ids[i] = strdup(item);
            if (!mix->ids[i]) {
                rc = cli_error(cmd, CLI_EXIT_INTERNAL, "out of memory");
                break;
            }
            mix->n++;
        }
        mix->kinds[i] = k;
    }
    free(buf);
    return rc;
}

int cli_mix_check(const char *cmd, const cli_mix_t *mix,
                  const parley_scenario_t *sc, const char *sc_name)
{
    for (size_t q = 0; q < mix->n; q++) {
        int found = 0;
        for (size_t i = 0; i < sc->n_parties && !found; i++)
            found = sc->parties[i].role == PARLEY_ROLE_PARTY &&
                    strcmp(sc->parties[i].id, mix->ids[q]) == 0;
        if (found)
            continue;
        char list[600];
        size_t o = 0;
        list[0] = '\0';
        for (size_t i = 0; i < sc->n_parties && o < sizeof list; i++) {
            if (sc->parties[i].role != PARLEY_ROLE_PARTY)
                continue;
            int n = snprintf(list + o, sizeof list - o, "%s%s",
                             o ? ", " : "", sc->parties[i].id);
            if (n < 0)
                break;
            o += (size_t)n;
        }
        return cli_usage_error(cmd,
                               "--strategy: '%s' is not a voting party of "
                               "%s (they are: %s)",
                               mix->ids[q], sc_name, list);
    }
    return 0;
}

void cli_mix_kinds(const cli_mix_t *mix, const parley_scenario_t *sc,
                   parley_strategy_kind_t *kinds)
{
    for (size_t i = 0; i < sc->n_parties; i++) {
        kinds[i] = mix->all;
        for (size_t q = 0; q < mix->n; q++)
            if (strcmp(sc->parties[i].id, mix->ids[q]) == 0)
                kinds[i] = mix->kinds[q];
    }
}

void cli_mix_study(const cli_mix_t *mix, parley_study_mix_t *out)
{
    out->all = mix->all;
    out->n_assign = mix->n;
    out->party_ids = (const char *const *)mix->ids;
    out->kinds = mix->kinds;
}
