/*
 * account.c - a simulated mediation told for a person: the session's event
 * log read back line by line (the same lines `--json` prints), then its
 * outcome set beside what raw power alone yields (power_nash) and what the
 * same parties reach without a mediator (the baseline).
 *
 * Nothing here decides anything: every sentence is one event, or a few
 * events of one round grouped (the answers, the concessions).  Texts are
 * written out option by option the first time and as the issues that
 * changed afterwards, so that the reader sees the mediator move.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli_internal.h"

/* ---- the log ------------------------------------------------------------ */

void cli_log_event(void *ctx, const parley_event_t *ev)
{
    cli_log_t *log = ctx;
    if (log->oom)
        return;
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 256;
        char **l = realloc(log->lines, cap * sizeof *l);
        if (!l) {
            log->oom = 1;
            return;
        }
        log->lines = l;
        log->cap = cap;
    }
    log->lines[log->n] = strdup(ev->json);
    if (!log->lines[log->n])
        log->oom = 1;
    else
        log->n++;
}

void cli_log_free(cli_log_t *log)
{
    for (size_t i = 0; i < log->n; i++)
        free(log->lines[i]);
    free(log->lines);
    memset(log, 0, sizeof *log);
}

/* ---- naming ------------------------------------------------------------- */

typedef struct acct {
    FILE *out;
    const parley_scenario_t *sc;
    json_t *prev;    /* the last text shown, or NULL */
    /* What the current round has gathered and not yet printed. */
    json_t *answers;
    json_t *concessions;
    size_t disclosures;
} acct_t;

static const char *party_name(const parley_scenario_t *sc, const char *id)
{
    for (size_t i = 0; id && i < sc->n_parties; i++)
        if (strcmp(sc->parties[i].id, id) == 0)
            return sc->parties[i].name && sc->parties[i].name[0]
                       ? sc->parties[i].name
                       : sc->parties[i].id;
    return id ? id : "?";
}

static const parley_issue_t *issue_of(const parley_scenario_t *sc,
                                      const char *id)
{
    for (size_t k = 0; id && k < sc->n_issues; k++)
        if (strcmp(sc->issues[k].id, id) == 0)
            return &sc->issues[k];
    return NULL;
}

static const char *issue_name(const parley_issue_t *is, const char *id)
{
    if (!is)
        return id;
    return is->name && is->name[0] ? is->name : is->id;
}

static const char *cluster_name(const parley_scenario_t *sc, const char *id)
{
    for (size_t c = 0; id && c < sc->n_clusters; c++)
        if (strcmp(sc->clusters[c].id, id) == 0)
            return sc->clusters[c].name && sc->clusters[c].name[0]
                       ? sc->clusters[c].name
                       : sc->clusters[c].id;
    if (id && strcmp(id, "all") == 0)
        return "every issue at once";
    const parley_issue_t *is = issue_of(sc, id);
    return is ? issue_name(is, id) : (id ? id : "?");
}

/* "450 m3/s": the label with the issue's unit. */
static void put_option(FILE *out, const parley_issue_t *is, const char *label)
{
    fputs(label, out);
    if (is && is->kind != PARLEY_ISSUE_DISCRETE && is->unit && is->unit[0])
        fprintf(out, " %s", is->unit);
}

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num_of(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/* "a, b, c" from an array of ids, each through `name`. */
static void put_list(FILE *out, const json_t *arr, const parley_scenario_t *sc,
                     int parties)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *id = json_string_value(v);
        fprintf(out, "%s%s", i ? ", " : "",
                parties ? party_name(sc, id) : (id ? id : "?"));
    }
}

/* ---- texts -------------------------------------------------------------- */

static void put_full_text(acct_t *a, const json_t *text, const char *indent)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)text, key, v)
    {
        const parley_issue_t *is = issue_of(a->sc, key);
        fprintf(a->out, "%s%s: ", indent, issue_name(is, key));
        put_option(a->out, is, json_string_value(v) ? json_string_value(v)
                                                    : "?");
        fputc('\n', a->out);
    }
}

/* The text against the previous one shown: every issue the first time,
 * then only what changed. */
static void put_text(acct_t *a, json_t *text)
{
    if (!json_is_object(text))
        return;
    if (!a->prev) {
        put_full_text(a, text, "      ");
    } else {
        int changed = 0;
        const char *key;
        json_t *v;
        json_object_foreach(text, key, v)
        {
            const char *now = json_string_value(v);
            const char *was =
                json_string_value(json_object_get(a->prev, key));
            if (now && was && strcmp(now, was) == 0)
                continue;
            const parley_issue_t *is = issue_of(a->sc, key);
            fprintf(a->out, "      %s: ", issue_name(is, key));
            put_option(a->out, is, was ? was : "?");
            fputs(" -> ", a->out);
            put_option(a->out, is, now ? now : "?");
            fputc('\n', a->out);
            changed = 1;
        }
        if (!changed)
            fputs("      (the same text)\n", a->out);
    }
    json_decref(a->prev);
    a->prev = json_incref(text);
}

/* ---- grouped lines ------------------------------------------------------ */

#define WRAP_COLUMNS 96

/*
 * Writes a long line broken at spaces so that no line passes WRAP_COLUMNS
 * (a word longer than that stays whole), continuation lines indented by
 * `indent` spaces; then a newline.
 */
static void put_wrapped(FILE *out, const char *text, int indent)
{
    int col = 0;
    const char *p = text;
    while (*p == ' ') {
        fputc(' ', out);
        col++;
        p++;
    }
    const char *start = p;
    while (*p) {
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        int len = (int)(e - p);
        if (col > indent && col + 1 + len > WRAP_COLUMNS) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (p != start) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, (size_t)len, out);
        col += len;
        p = *e ? e + 1 : e;
    }
    fputc('\n', out);
}

/* A line built in memory, to be wrapped. */
typedef struct line {
    char *buf;
    size_t len;
    FILE *f;
} line_t;

static FILE *line_open(line_t *l, FILE *fallback)
{
    l->buf = NULL;
    l->len = 0;
    l->f = open_memstream(&l->buf, &l->len);
    return l->f ? l->f : fallback;
}

static void line_close(line_t *l, FILE *out, int indent)
{
    if (!l->f) {
        fputc('\n', out);
        return;
    }
    fclose(l->f);
    put_wrapped(out, l->buf, indent);
    free(l->buf);
}

static void flush_disclosures(acct_t *a)
{
    if (!a->disclosures)
        return;
    fprintf(a->out,
            "Private channels: %zu part%s disclosed %s profile (weights, "
            "values, red lines, reservation)\nto the mediator in "
            "confidence.\n",
            a->disclosures, a->disclosures == 1 ? "y" : "ies",
            a->disclosures == 1 ? "its" : "their");
    a->disclosures = 0;
}

static void flush_answers(acct_t *a)
{
    if (!json_array_size(a->answers))
        return;
    static const char *const order[] = {"accept", "object", "veto",
                                        "walkout"};
    int pilot = json_is_true(
        json_object_get(json_array_get(a->answers, 0), "pilot"));
    line_t ln;
    FILE *out = line_open(&ln, a->out);
    fprintf(out, "    %s:", pilot ? "Answers (not binding)" : "Answers");
    int first_group = 1;
    for (size_t g = 0; g < sizeof order / sizeof *order; g++) {
        int first = 1;
        size_t i;
        json_t *ev;
        json_array_foreach(a->answers, i, ev)
        {
            if (strcmp(str_of(ev, "answer"), order[g]) != 0)
                continue;
            if (first)
                fprintf(out, "%s %s ", first_group ? "" : ";", order[g]);
            else
                fputs(", ", out);
            first = first_group = 0;
            fputs(party_name(a->sc, str_of(ev, "party")), out);
            json_t *issues = json_object_get(ev, "issues");
            if (strcmp(order[g], "veto") == 0) {
                fprintf(out, " (%s, text of round %.0f)",
                        str_of(ev, "ground"), num_of(ev, "text_round"));
            } else if (json_array_size(issues)) {
                fputs(" (", out);
                put_list(out, issues, a->sc, 0);
                fputc(')', out);
            }
        }
    }
    line_close(&ln, a->out, 6);
    json_array_clear(a->answers);
}

static void flush_concessions(acct_t *a)
{
    if (!json_array_size(a->concessions))
        return;
    line_t ln;
    FILE *out = line_open(&ln, a->out);
    fputs("    Concessions asked:", out);
    size_t i;
    json_t *ev;
    json_array_foreach(a->concessions, i, ev)
    {
        double from = num_of(ev, "from"), to = num_of(ev, "to");
        fprintf(out, "%s %s ", i ? "," : "",
                party_name(a->sc, str_of(ev, "party")));
        /* A step too small to show at three decimals is no step. */
        if (from - to >= 0.0005)
            fprintf(out, "%.3f -> %.3f%s", from, to,
                    json_is_true(json_object_get(ev, "clamped"))
                        ? " (bounded)"
                        : "");
        else
            fprintf(out, "holds at %.3f", from);
    }
    line_close(&ln, a->out, 6);
    json_array_clear(a->concessions);
}

static void flush_all(acct_t *a)
{
    flush_disclosures(a);
    flush_answers(a);
    flush_concessions(a);
}

/* ---- one event ---------------------------------------------------------- */

static void put_red_lines(FILE *out, const json_t *arr)
{
    size_t i;
    json_t *rl;
    json_array_foreach(arr, i, rl)
    {
        fprintf(out, "%s%s %s ", i ? " and " : "", str_of(rl, "issue"),
                str_of(rl, "op"));
        json_t *v = json_object_get(rl, "value");
        if (json_is_string(v)) {
            fputs(json_string_value(v), out);
        } else if (json_is_number(v)) {
            fprintf(out, "%g", json_number_value(v));
        } else if (json_is_array(v)) {
            fputc('{', out);
            size_t j;
            json_t *x;
            json_array_foreach(v, j, x)
            {
                fprintf(out, "%s%s", j ? ", " : "",
                        json_is_string(x) ? json_string_value(x) : "?");
            }
            fputc('}', out);
        }
    }
}

static void event(acct_t *a, json_t *ev)
{
    FILE *out = a->out;
    const char *kind = str_of(ev, "kind");
    unsigned round = (unsigned)num_of(ev, "round");
    if (strcmp(kind, "disclosure") == 0) {
        a->disclosures++;
        return;
    }
    if (strcmp(kind, "answer") == 0) {
        flush_disclosures(a);
        flush_concessions(a);
        json_array_append(a->answers, ev);
        return;
    }
    if (strcmp(kind, "concession") == 0) {
        flush_answers(a);
        json_array_append(a->concessions, ev);
        return;
    }
    if (strcmp(kind, "counts") == 0 || strcmp(kind, "credit") == 0 ||
        strcmp(kind, "session_open") == 0)
        return; /* in the answers already, or in the header */
    if (strcmp(kind, "veto_ruling") == 0) {
        flush_answers(a);
        int upheld = json_is_true(json_object_get(ev, "upheld"));
        line_t ln;
        FILE *w = line_open(&ln, out);
        fprintf(w, "    Veto by %s on ground %s against the text of round "
                   "%.0f: ",
                party_name(a->sc, str_of(ev, "party")), str_of(ev, "ground"),
                num_of(ev, "text_round"));
        /* The engine's reason of an upheld veto says "upheld: ..." */
        const char *why = str_of(ev, "reason");
        if (upheld && strncmp(why, "upheld", 6) == 0)
            fputs(why, w);
        else if (*why)
            fprintf(w, "%s (%s)", upheld ? "upheld" : "refused", why);
        else
            fputs(upheld ? "upheld" : "refused", w);
        fprintf(w, "; %.0f more may be upheld", num_of(ev, "budget_left"));
        line_close(&ln, out, 6);
        return;
    }
    flush_all(a);
    /* Sentences that may run long are wrapped; each is one line of text
     * (no newline) written to `w`. */
    line_t ln;
    FILE *w = NULL;
    int indent = 2;
    if (strcmp(kind, "concern") == 0 || strcmp(kind, "guarantee_offer") == 0 ||
        strcmp(kind, "walkout") == 0 || strcmp(kind, "integration") == 0 ||
        strcmp(kind, "guarantee_provisional") == 0) {
        w = line_open(&ln, out);
        /* Top-level sentences continue under their first word, the
         * indented ones deeper. */
        indent = strcmp(kind, "walkout") == 0 ||
                         strcmp(kind, "guarantee_provisional") == 0
                     ? 4
                     : 2;
    }
    if (strcmp(kind, "concern") == 0) {
        fprintf(w, "Concern from %s, for the mediator only: %s",
                party_name(a->sc, str_of(ev, "party")), str_of(ev, "text"));
    } else if (strcmp(kind, "guarantee_offer") == 0) {
        fprintf(w, "Guarantee offered: %s, %s guarantee by %s to %s, "
                     "worth %.3g x %.3g = %.3g to it",
                str_of(ev, "guarantee"), str_of(ev, "guarantee_kind"),
                party_name(a->sc, str_of(ev, "guarantor")),
                party_name(a->sc, str_of(ev, "beneficiary")),
                num_of(ev, "credibility"), num_of(ev, "value"),
                num_of(ev, "credibility") * num_of(ev, "value"));
        json_t *cond = json_object_get(ev, "conditions");
        if (json_array_size(cond)) {
            fputs(" while ", w);
            put_red_lines(w, cond);
        }
    } else if (strcmp(kind, "agenda") == 0) {
        fprintf(out, "\nAgenda (%s):\n", str_of(ev, "policy"));
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(ev, "order"), i, u)
        {
            fprintf(out, "  %zu. %-18s conflict %.3f, joint gain %.3f  (",
                    i + 1, str_of(u, "cluster"), num_of(u, "conflict"),
                    num_of(u, "joint_gain"));
            put_list(out, json_object_get(u, "issues"), a->sc, 0);
            fputs(")\n", out);
        }
    } else if (strcmp(kind, "cluster_open") == 0) {
        const char *id = str_of(ev, "cluster");
        fprintf(out, "\n[%s] %s, unit %.0f of %.0f: ", id,
                cluster_name(a->sc, id), num_of(ev, "position"),
                num_of(ev, "of"));
        put_list(out, json_object_get(ev, "issues"), a->sc, 0);
        fputc('\n', out);
    } else if (strcmp(kind, "working_group") == 0) {
        json_t *m = json_object_get(ev, "members");
        if (json_is_true(json_object_get(ev, "drafts"))) {
            fputs("  Working group drafts it: ", out);
            put_list(out, m, a->sc, 1);
            fprintf(out, " (salience >= %g)\n", num_of(ev, "salience"));
        } else {
            fprintf(out, "  No working group drafts it (%s reaches salience "
                         "%g); the plenary does.\n",
                    json_array_size(m) ? "everyone" : "nobody",
                    num_of(ev, "salience"));
        }
    } else if (strcmp(kind, "pilot") == 0 || strcmp(kind, "text") == 0) {
        const char *stage = str_of(ev, "stage");
        fprintf(out, "  Round %u, %s:\n", round,
                strcmp(stage, "pilot") == 0 ? "straw poll (not binding)"
                                            : stage);
        put_text(a, json_object_get(ev, "text"));
    } else if (strcmp(kind, "draft") == 0) {
        fprintf(out, "  The working group's draft goes to the plenary (%s).\n",
                json_is_true(json_object_get(ev, "agreed"))
                    ? "the group agreed on it"
                    : "the group's rounds ran out");
    } else if (strcmp(kind, "cluster_settled") == 0) {
        fprintf(out, "  Settled: %s after %.0f round%s.\n",
                str_of(ev, "status"), num_of(ev, "rounds"),
                num_of(ev, "rounds") == 1 ? "" : "s");
    } else if (strcmp(kind, "integration") == 0) {
        fputs("\n", out);
        fputs("Integration: the whole text goes to every party (", w);
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(ev, "clusters"), i, u)
        {
            fprintf(w, "%s%s %s", i ? ", " : "", str_of(u, "cluster"),
                    str_of(u, "status"));
        }
        fputs(").", w);
    } else if (strcmp(kind, "repair") == 0) {
        fputs("  Repair: the mediator changes ", out);
        put_list(out, json_object_get(ev, "changed"), a->sc, 0);
        fputs(" so that every party's demand is met; the repaired text goes "
              "to everyone next round.\n",
              out);
    } else if (strcmp(kind, "walkout") == 0) {
        fprintf(w, "  Walk-out by %s: %s",
                party_name(a->sc, str_of(ev, "party")), str_of(ev, "reason"));
    } else if (strcmp(kind, "agreement") == 0) {
        fprintf(out, "\nAgreement in round %.0f:\n", num_of(ev, "rounds"));
        put_full_text(a, json_object_get(ev, "text"), "  ");
    } else if (strcmp(kind, "guarantee_provisional") == 0) {
        fprintf(w, "  Guarantee %s (%s to %s) is now provisional",
                str_of(ev, "guarantee"),
                party_name(a->sc, str_of(ev, "guarantor")),
                party_name(a->sc, str_of(ev, "beneficiary")));
        const char *c = str_of(ev, "criteria");
        if (*c)
            fprintf(w, "; permanent once verified: %s", c);
    } else if (strcmp(kind, "impasse") == 0) {
        fprintf(out, "\nImpasse after %.0f round%s: %s\n", num_of(ev, "rounds"),
                num_of(ev, "rounds") == 1 ? "" : "s", str_of(ev, "reason"));
        json_t *best = json_object_get(ev, "best_text");
        if (json_is_object(best)) {
            fputs("  Best text reached (not agreed):\n", out);
            put_full_text(a, best, "    ");
        }
    }
    if (w)
        line_close(&ln, out, indent);
}

/* ---- the comparison ----------------------------------------------------- */

static void put_rules(FILE *out, const parley_rules_t *r)
{
    fprintf(out, "Rules: %s; vetoes ", parley_decision_name(r->decision));
    if (!r->veto_grounds || !r->veto_budget) {
        fputs("not allowed", out);
    } else {
        int first = 1;
        fputs("on ", out);
        for (unsigned g = 1; g <= PARLEY_VETO_RESERVATION; g <<= 1)
            if (r->veto_grounds & g) {
                fprintf(out, "%s%s", first ? "" : ", ",
                        parley_veto_ground_name(g));
                first = 0;
            }
        fprintf(out, " (window %u, budget %u)", r->veto_window,
                r->veto_budget);
    }
    fprintf(out, ";\n       private channels %s, guarantees %s, working "
                 "groups %s, pilots %s;\n",
            r->private_channels ? "on" : "off", r->guarantees ? "on" : "off",
            r->working_groups ? "on" : "off", r->pilots ? "on" : "off");
    fprintf(out, "       the mediator drafts by %s", parley_concept_name(r->concept));
    if (r->concept == PARLEY_CONCEPT_MEDIATED)
        fprintf(out, " (lambda %g)", r->lambda);
    fprintf(out, ";\n       agenda %s; deadline %u rounds, %u per unit\n",
            parley_agenda_policy_name(r->agenda), r->max_rounds,
            r->rounds_per_cluster);
}

static void put_num(FILE *out, double x, const char *fmt)
{
    if (isnan(x))
        fprintf(out, "%21s", "-");
    else
        fprintf(out, fmt, x);
}

static void put_comparison(FILE *out, const parley_scenario_t *sc,
                           const parley_simulation_t *sim)
{
    const parley_model_t *m = parley_simulation_model(sim);
    const parley_sim_result_t *r[PARLEY_SIM_COUNT];
    for (int w = 0; w < PARLEY_SIM_COUNT; w++)
        r[w] = parley_simulation_result(sim, (parley_sim_which_t)w);
    fputs("\nOutcome compared: the mediated session, what raw power alone "
          "yields (power_nash),\nand the same parties without a mediator "
          "(baseline: stacked alternating offers).\n",
          out);
    if (!parley_simulation_analysis(sim) || !m) {
        fputs("  Nothing is feasible in this scenario: there is no outcome "
              "to compare with.\n",
              out);
        return;
    }
    fprintf(out, "\n  %-22s %21s %21s %21s\n", "", "mediated", "power_nash",
            "baseline");
    fprintf(out, "  %-22s", "");
    for (int w = 0; w < PARLEY_SIM_COUNT; w++)
        fprintf(out, " %6s %6s %7s", "u", "gain", "norm.");
    fputc('\n', out);
    for (size_t i = 0; i < parley_model_n_parties(m); i++) {
        const parley_party_t *p = &sc->parties[parley_model_party_index(m, i)];
        const char *name = p->name && p->name[0] ? p->name : p->id;
        fprintf(out, "  %-22.22s", name);
        for (int w = 0; w < PARLEY_SIM_COUNT; w++) {
            if (!r[w]->present || !r[w]->u)
                fprintf(out, " %21s", "-");
            else
                fprintf(out, " %6.3f %6.3f %7.3f", r[w]->u[i], r[w]->gain[i],
                        r[w]->norm_gain[i]);
        }
        fputc('\n', out);
    }
    fprintf(out, "  %-22s", "agreement");
    for (int w = 0; w < PARLEY_SIM_COUNT; w++) {
        char buf[40];
        if (!r[w]->present)
            snprintf(buf, sizeof buf, "not run");
        else if (w == PARLEY_SIM_POWER_NASH)
            snprintf(buf, sizeof buf, "(reference)");
        else if (r[w]->agreement)
            snprintf(buf, sizeof buf, "yes, %u round%s", r[w]->rounds,
                     r[w]->rounds == 1 ? "" : "s");
        else
            snprintf(buf, sizeof buf, "no (impasse)");
        fprintf(out, " %21s", buf);
    }
    fputc('\n', out);
    static const char *const labels[] = {"efficiency", "min norm. gain",
                                         "Gini", "power skew",
                                         "offset vs power_nash"};
    for (int row = 0; row < 5; row++) {
        fprintf(out, "  %-22s", labels[row]);
        for (int w = 0; w < PARLEY_SIM_COUNT; w++) {
            const parley_study_metrics_t *mt = &r[w]->metrics;
            fputc(' ', out);
            if (!r[w]->present) {
                fprintf(out, "%20s", "-");
                continue;
            }
            switch (row) {
            case 0:
                put_num(out, mt->efficiency, "%20.3f");
                break;
            case 1:
                put_num(out, mt->min_norm_gain, "%20.3f");
                break;
            case 2:
                put_num(out, mt->gini, "%20.3f");
                break;
            case 3:
                put_num(out, mt->power_skew, "%+20.3f");
                break;
            default:
                put_num(out, mt->has_offset ? mt->offset : NAN, "%20.3f");
            }
        }
        fputc('\n', out);
    }
    fputs("\n  u: utility by the party's true profile (guarantee bonuses "
          "aside); gain = u - reservation;\n"
          "  norm. = gain / the most the party can gain in the feasible set; "
          "an impasse leaves\n"
          "  every party at its reservation.  Power skew > 0: the strong "
          "gain more (of what they\n"
          "  could); offset = share of power_nash's skew removed (1 = all, "
          "0 = none).\n",
          out);
}

void cli_account_text(FILE *out, const cli_log_t *log,
                      const parley_scenario_t *sc,
                      const parley_simulation_t *sim, const char *input_name)
{
    acct_t a;
    memset(&a, 0, sizeof a);
    a.out = out;
    a.sc = sc;
    a.answers = json_array();
    a.concessions = json_array();
    fprintf(out, "Mediation: %s", sc->name ? sc->name : "(unnamed)");
    if (input_name)
        fprintf(out, "  [%s]", input_name);
    fputc('\n', out);
    const char *seed_line = NULL;
    for (size_t i = 0; i < log->n && !seed_line; i++)
        if (strstr(log->lines[i], "\"kind\":\"session_open\""))
            seed_line = log->lines[i];
    json_t *open = seed_line ? json_loads(seed_line, 0, NULL) : NULL;
    line_t ln;
    FILE *w = line_open(&ln, out);
    if (open)
        fprintf(w, "Seed %.0f.  ", num_of(open, "seed"));
    json_decref(open);
    fputs("Strategies: ", w);
    json_t *summary = NULL;
    char *sj = NULL;
    if (parley_simulation_summary_json(sim, sc, &sj) == PARLEY_OK) {
        summary = json_loads(sj, 0, NULL);
        parley_free(sj);
    }
    json_t *strategies = json_object_get(summary, "strategies");
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach(strategies, key, v)
    {
        fprintf(w, "%s%s %s", first ? "" : ", ", party_name(sc, key),
                json_string_value(v));
        first = 0;
    }
    json_decref(summary);
    fputs(".", w);
    line_close(&ln, out, 2);
    put_rules(out, parley_simulation_rules(sim));
    fputc('\n', out);
    for (size_t i = 0; i < log->n; i++) {
        json_t *ev = json_loads(log->lines[i], 0, NULL);
        if (!ev)
            continue;
        event(&a, ev);
        json_decref(ev);
    }
    flush_all(&a);
    put_comparison(out, sc, sim);
    json_decref(a.prev);
    json_decref(a.answers);
    json_decref(a.concessions);
}
