/*
 * report.c - an analysis written out for a mediator to read.
 *
 * Plain text, fixed-width columns, every number with its meaning next to
 * it: who the parties are and what they hold (power share, reservation,
 * best possible utility), how big the feasible set and the frontier are and
 * whether those figures are exact, then one block per solution concept with
 * its package spelled out issue by issue and the metrics of DESIGN.md 2.
 * The figures come from the library as they are; nothing is computed here
 * but layout.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli_internal.h"

#define NAME_MAX_WIDTH 24  /* party names in tables */
#define ISSUE_MAX_WIDTH 48 /* issue names before an option */

/* Characters on screen: UTF-8 continuation bytes take no column. */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

/*
 * Writes s in exactly `width` columns: padded with spaces (on the right when
 * left-aligned), or cut on a character boundary and ended with "..." when
 * too long, so names in any script keep the columns aligned.
 */
static void put_cell(FILE *out, const char *s, int width, int left)
{
    int w = text_width(s);
    if (w <= width) {
        if (!left)
            fprintf(out, "%*s", width - w, "");
        fputs(s, out);
        if (left)
            fprintf(out, "%*s", width - w, "");
        return;
    }
    int keep = width > 3 ? width - 3 : width, cols = 0;
    const char *e = s;
    while (*e) {
        if (((unsigned char)*e & 0xC0) != 0x80) {
            if (cols == keep)
                break;
            cols++;
        }
        e++;
    }
    fwrite(s, 1, (size_t)(e - s), out);
    if (width > 3)
        fputs("...", out);
}

static const char *party_label(const parley_scenario_t *sc,
                               const parley_model_t *m, size_t i)
{
    const parley_party_t *p = &sc->parties[parley_model_party_index(m, i)];
    return p->name && p->name[0] ? p->name : p->id;
}

static const char *issue_label(const parley_issue_t *is)
{
    return is->name && is->name[0] ? is->name : is->id;
}

/* Option j of issue `is` with its unit: "40 m3/s", "halt". */
static void option_text(const parley_issue_t *is, uint32_t j, char *buf,
                        size_t size)
{
    int n = parley_issue_option_label(is, j, buf, size);
    if (n >= 0 && (size_t)n < size && is->unit && is->unit[0] &&
        is->kind != PARLEY_ISSUE_DISCRETE)
        snprintf(buf + n, size - (size_t)n, " %s", is->unit);
}

static int name_width(const parley_scenario_t *sc, const parley_model_t *m)
{
    int w = 5; /* "party" */
    for (size_t i = 0; i < parley_model_n_parties(m); i++) {
        int l = text_width(party_label(sc, m, i));
        if (l > w)
            w = l;
    }
    return w > NAME_MAX_WIDTH ? NAME_MAX_WIDTH : w;
}

static void print_summary(FILE *out, const parley_analysis_t *a,
                          const parley_model_t *m,
                          const parley_scenario_t *sc,
                          const cli_report_opts_t *ro)
{
    char buf[64], buf2[64];
    size_t n = parley_model_n_parties(m);
    fprintf(out, "Scenario: %s", sc->name ? sc->name : "(unnamed)");
    if (ro && ro->input_name)
        fprintf(out, "  [%s]", ro->input_name);
    fputc('\n', out);
    cli_format_count(parley_model_package_count(m), buf, sizeof buf);
    cli_format_count(parley_model_allowed_count(m), buf2, sizeof buf2);
    fprintf(out, "  %zu issue%s, %zu voting part%s, %s packages", sc->n_issues,
            sc->n_issues == 1 ? "" : "s", n, n == 1 ? "y" : "ies", buf);
    if (parley_model_allowed_count(m) != parley_model_package_count(m))
        fprintf(out, " (%s within every red line)", buf2);
    fputc('\n', out);
    fprintf(out, "  Disagreement point: each party's reservation (its utility "
                 "without agreement)\n\n");

    int w = name_width(sc, m);
    const double *ideal = parley_analysis_ideal(a);
    fprintf(out, "  %-*s %10s %7s %12s %8s\n", w, "party", "power", "share",
            "reservation", "best u");
    for (size_t i = 0; i < n; i++) {
        fputs("  ", out);
        put_cell(out, party_label(sc, m, i), w, 1);
        fprintf(out, " %10.4g %6.1f%% %12.4f ", parley_model_power(m, i),
                100 * parley_model_power_share(m, i),
                parley_model_reservation(m, i));
        if (ideal && isfinite(ideal[i]))
            fprintf(out, "%8.4f\n", ideal[i]);
        else
            fprintf(out, "%8s\n", "-");
    }
    fputc('\n', out);

    if (parley_analysis_count_exact(a)) {
        cli_format_count(parley_analysis_feasible_count(a), buf, sizeof buf);
        fprintf(out, "Feasible set:    %s package%s (exact count)\n", buf,
                parley_analysis_feasible_count(a) == 1 ? "" : "s");
    } else {
        cli_format_count(parley_analysis_feasible_lower(a), buf, sizeof buf);
        cli_format_count(parley_analysis_feasible_upper(a), buf2,
                         sizeof buf2);
        fprintf(out,
                "Feasible set:    between %s and %s packages (bounded: too "
                "many to count exactly)\n",
                buf, buf2);
    }
    cli_format_count((double)parley_analysis_frontier_size(a), buf,
                     sizeof buf);
    cli_format_count(parley_analysis_frontier_packages(a), buf2,
                     sizeof buf2);
    fprintf(out, "Pareto frontier: %s distinct utility vector%s, %s efficient "
                 "package%s",
            buf, parley_analysis_frontier_size(a) == 1 ? "" : "s", buf2,
            parley_analysis_frontier_packages(a) == 1 ? "" : "s");
    if (parley_analysis_frontier_exact(a))
        fprintf(out, " (exact)\n");
    else
        fprintf(out,
                "\n                 (approximate: every feasible package is "
                "within %.3g of a listed vector for every party)\n",
                parley_analysis_frontier_delta(a));
    const parley_analysis_opts_t *o = parley_analysis_options(a);
    fprintf(out, "Analysis time:   %.3f s (%s)\n",
            parley_analysis_seconds(a),
            o && o->method == PARLEY_FRONTIER_ENUMERATE
                ? "full enumeration"
                : "issue-wise merge");
}

static void print_package_inline(FILE *out, const parley_scenario_t *sc,
                                 const uint32_t *pkg)
{
    char buf[160];
    for (size_t k = 0; k < sc->n_issues; k++) {
        option_text(&sc->issues[k], pkg[k], buf, sizeof buf);
        fprintf(out, "%s%s", k ? ", " : "", buf);
    }
}

static void print_frontier(FILE *out, const parley_analysis_t *a,
                           const parley_model_t *m,
                           const parley_scenario_t *sc)
{
    size_t n = parley_model_n_parties(m), size = parley_analysis_frontier_size(a);
    fprintf(out, "\nFrontier: %zu vector%s, by descending utility sum; each "
                 "with how many packages reach it and the first of them\n",
            size, size == 1 ? "" : "s");
    fprintf(out, "  %6s", "#");
    for (size_t i = 0; i < n; i++)
    {
        fputc(' ', out);
        put_cell(out, party_label(sc, m, i), 10, 0);
    }
    fprintf(out, " %10s  %s\n", "packages", "first package");
    for (size_t v = 0; v < size; v++) {
        const double *u = parley_analysis_frontier_u(a, v);
        fprintf(out, "  %6zu", v + 1);
        for (size_t i = 0; i < n; i++)
            fprintf(out, " %10.4f", u[i]);
        char buf[64];
        cli_format_count(parley_analysis_frontier_multiplicity(a, v), buf,
                         sizeof buf);
        fprintf(out, " %10s  ", buf);
        print_package_inline(out, sc, parley_analysis_frontier_package(a, v));
        fputc('\n', out);
    }
}

static const char *concept_meaning(parley_concept_t c)
{
    switch (c) {
    case PARLEY_CONCEPT_UTILITARIAN:
        return "the largest sum of utilities";
    case PARLEY_CONCEPT_NASH:
        return "Nash bargaining: the largest product of gains over the "
               "reservations";
    case PARLEY_CONCEPT_POWER_NASH:
        return "asymmetric Nash weighted by power: what raw power yields";
    case PARLEY_CONCEPT_KS:
        return "Kalai-Smorodinsky: the largest equal share of each party's "
               "best possible gain";
    case PARLEY_CONCEPT_EGALITARIAN:
        return "the largest smallest gain";
    case PARLEY_CONCEPT_MEDIATED:
        return "power_nash with power offset by the compensation rule";
    default:
        return "";
    }
}

static void print_solution(FILE *out, const parley_analysis_t *a,
                           const parley_model_t *m,
                           const parley_scenario_t *sc,
                           const parley_solution_t *s)
{
    const parley_analysis_opts_t *o = parley_analysis_options(a);
    fprintf(out, "\n== %s: %s\n", parley_concept_name(s->concept),
            concept_meaning(s->concept));
    if (s->concept == PARLEY_CONCEPT_MEDIATED && o) {
        fprintf(out, "   weights proportional to power^(1-lambda), lambda = "
                     "%g (0 = power_nash, 1 = nash)",
                o->lambda);
        if (o->has_floor)
            fprintf(out, "; normalized-gain floor asked %g, applied %g",
                    o->floor, s->effective_floor);
        fputc('\n', out);
    }
    if (!s->found) {
        fprintf(out, "   no package: %s\n", s->why ? s->why : "not found");
        return;
    }
    int iw = 5;
    for (size_t k = 0; k < sc->n_issues; k++) {
        int l = text_width(issue_label(&sc->issues[k]));
        if (l > iw)
            iw = l;
    }
    if (iw > ISSUE_MAX_WIDTH)
        iw = ISSUE_MAX_WIDTH;
    char buf[160];
    for (size_t k = 0; k < sc->n_issues; k++) {
        const char *label = issue_label(&sc->issues[k]);
        int l = text_width(label);
        fputs("   ", out);
        put_cell(out, label, l < iw ? l : iw, 1);
        option_text(&sc->issues[k], s->package[k], buf, sizeof buf);
        fprintf(out, ":%*s %s\n", l < iw ? iw - l : 0, "", buf);
    }
    fprintf(out, "   objective %.6g", s->objective);
    if (s->exact)
        fprintf(out, " (exact optimum)\n");
    else
        fprintf(out, " (the optimum is at most %.3g higher)\n", s->bound);

    const parley_metrics_t *mt = &s->metrics;
    int w = name_width(sc, m);
    fprintf(out, "     %-*s %9s %9s %10s\n", w, "party", "u", "gain",
            "norm.gain");
    for (size_t i = 0; i < parley_model_n_parties(m); i++) {
        fputs("     ", out);
        put_cell(out, party_label(sc, m, i), w, 1);
        fprintf(out, " %9.4f %9.4f %10.4f\n", mt->u ? mt->u[i] : NAN,
                mt->gain ? mt->gain[i] : NAN,
                mt->norm_gain ? mt->norm_gain[i] : NAN);
    }
    fprintf(out, "   efficiency %.4f", mt->efficiency);
    if (mt->efficient)
        fprintf(out, " (on the frontier)");
    else
        fprintf(out, " (not efficient: every party could gain %.4g more)",
                mt->frontier_gap);
    fprintf(out, "; min gain %.4f; min norm.gain %.4f\n", mt->min_gain,
            mt->min_norm_gain);
    fprintf(out, "   Gini %.4f; power skew %+.4f; offset vs power_nash ",
            mt->gini, mt->power_skew);
    if (mt->has_offset)
        fprintf(out, "%.4f\n", mt->offset);
    else
        fprintf(out, "n/a (power_nash shows no skew)\n");
}

void cli_report_text(FILE *out, const parley_analysis_t *a,
                     const parley_model_t *m, const parley_scenario_t *sc,
                     const cli_report_opts_t *ro)
{
    print_summary(out, a, m, sc, ro);
    if (ro && ro->with_frontier)
        print_frontier(out, a, m, sc);
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        const parley_solution_t *s =
            parley_analysis_solution(a, (parley_concept_t)c);
        if (s)
            print_solution(out, a, m, sc, s);
    }
    fprintf(out, "\nMetrics: gain = u - reservation; norm.gain = gain / "
                 "(best u - reservation);\n"
                 "power skew = power-weighted mean norm.gain - plain mean "
                 "(> 0: the strong gain more);\n"
                 "offset = share of power_nash's skew removed (1 = all, "
                 "0 = none).\n");
}

void cli_report_impasse(FILE *out, const parley_scenario_t *sc,
                        const parley_diags_t *diags)
{
    fprintf(out, "Impasse: no package is acceptable to every party%s%s%s.\n",
            sc && sc->name ? " in '" : "", sc && sc->name ? sc->name : "",
            sc && sc->name ? "'" : "");
    size_t shown = 0;
    for (size_t i = 0; i < parley_diags_count(diags); i++) {
        const parley_diag_t *d = parley_diags_get(diags, i);
        if (d->severity != PARLEY_SEVERITY_ERROR)
            continue;
        if (!shown++)
            fprintf(out, "What clashes:\n");
        fprintf(out, "  - %s%s%s\n", d->path, d->path[0] ? ": " : "",
                d->message);
    }
    if (!shown)
        fprintf(out, "No single clash was named: the parties' reservations "
                     "cannot all be met at once.\n");
}

void cli_report_impasse_json(FILE *out, const parley_scenario_t *sc,
                             const parley_diags_t *diags)
{
    json_t *clashes = json_array();
    for (size_t i = 0; clashes && i < parley_diags_count(diags); i++) {
        const parley_diag_t *d = parley_diags_get(diags, i);
        if (d->severity != PARLEY_SEVERITY_ERROR)
            continue;
        json_array_append_new(clashes, json_pack("{s:s, s:s}", "path", d->path,
                                                 "message", d->message));
    }
    json_t *root = json_pack("{s:s?, s:b, s:{s:o}}", "scenario",
                             sc ? sc->name : NULL, "feasible", 0, "impasse",
                             "clashes", clashes ? clashes : json_array());
    if (root && json_dumpf(root, out, JSON_INDENT(2)) == 0)
        fputc('\n', out);
    else
        fprintf(out, "{\"feasible\": false}\n");
    json_decref(root);
}
