/*
 * svg.c - the Pareto frontier of an analysis as a standalone SVG 1.1 picture.
 *
 * Two parties: the utility plane, one party per axis, with the frontier's
 * points joined by the staircase that bounds what F can reach, the
 * reservation point (the disagreement point) and every solution concept
 * marked and labelled.  Three to five parties: one such plane per pair of
 * parties (projections, so no staircase).  More: parallel coordinates, one
 * vertical axis per party, a faint line per frontier vector and a bold one
 * per solution.
 *
 * Solutions that land on the same utility vector share one mark (concentric
 * rings, one per concept) and one label naming them all.  Large frontiers are
 * thinned deterministically to a few thousand marks and the caption says how
 * many of how many are shown; solutions and the reservation point are always
 * drawn.  Colours are the Okabe-Ito palette, readable with colour blindness,
 * and every colour is paired with a name in the legend.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/render.h"
#include "analysis/analysis_internal.h"
#include "render/render_internal.h"

/* Marks drawn at most: in the plane, over all panels, and lines in the
 * parallel coordinates. */
#define SVG_MAX_POINTS 3000
#define SVG_MAX_LINES 600

static const char *const concept_color[PARLEY_CONCEPT_COUNT] = {
    "#0072B2", /* utilitarian: blue */
    "#009E73", /* nash: bluish green */
    "#D55E00", /* power_nash: vermillion */
    "#CC79A7", /* ks: reddish purple */
    "#E69F00", /* egalitarian: orange */
    "#000000", /* mediated: black, the one the mediator proposes */
};
#define FRONTIER_COLOR "#56B4E9"
#define RESERVATION_COLOR "#444444"
#define FONT PARLEY__SVG_FONT

typedef parley__svg_box_t panel_t;

typedef struct render {
    FILE *out;
    const parley_analysis_t *a;
    const parley_model_t *m;
    const parley_scenario_t *sc;
    size_t n;
    double *lo, *hi;  /* per-party axis range */
    double *r;        /* reservations */
    double *sol_u;    /* found solutions' vectors, n per concept */
    int group[PARLEY_CONCEPT_COUNT]; /* first concept with the same vector */
    int found[PARLEY_CONCEPT_COUNT];
} render_t;

static const char *party_label(const render_t *rd, size_t i)
{
    return parley__svg_party_label(rd->sc, rd->m, i);
}

/* Writes s as XML text, the apostrophe escaped too. */
static void xml_text(FILE *out, const char *s)
{
    parley__svg_text(out, s, 1);
}

static double px(const panel_t *p, double x)
{
    return parley__svg_x(p, x);
}

static double py(const panel_t *p, double y)
{
    return parley__svg_y(p, y);
}

static void fmt_tick(char *buf, size_t size, double v, double step)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, size, "%.*f", decimals, v);
}

/* Frame, grid, ticks and axis titles of one plane. */
static void draw_axes(render_t *rd, const panel_t *p, const char *xtitle,
                      const char *ytitle, int font)
{
    FILE *o = rd->out;
    fprintf(o,
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
            "fill=\"#ffffff\" stroke=\"#888888\"/>\n",
            p->x, p->y, p->w, p->h);
    char buf[64];
    double sx = parley__svg_tick_step(p->xhi - p->xlo, 5);
    for (double t = ceil(p->xlo / sx) * sx; t <= p->xhi + sx * 1e-9;
         t += sx) {
        double x = px(p, t);
        fprintf(o,
                "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                "stroke=\"#e4e4e4\"/>\n",
                x, p->y, x, p->y + p->h);
        fmt_tick(buf, sizeof buf, t, sx);
        fprintf(o,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"%d\" "
                "text-anchor=\"middle\" fill=\"#333333\">%s</text>\n",
                x, p->y + p->h + font + 3, font - 1, buf);
    }
    double sy = parley__svg_tick_step(p->yhi - p->ylo, 5);
    for (double t = ceil(p->ylo / sy) * sy; t <= p->yhi + sy * 1e-9;
         t += sy) {
        double y = py(p, t);
        fprintf(o,
                "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                "stroke=\"#e4e4e4\"/>\n",
                p->x, y, p->x + p->w, y);
        fmt_tick(buf, sizeof buf, t, sy);
        fprintf(o,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"%d\" "
                "text-anchor=\"end\" fill=\"#333333\">%s</text>\n",
                p->x - 4, y + font / 3.0, font - 1, buf);
    }
    fprintf(o,
            "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"%d\" "
            "text-anchor=\"middle\" fill=\"#000000\">",
            p->x + p->w / 2, p->y + p->h + 2 * font + 8, font);
    xml_text(o, xtitle);
    fputs("</text>\n", o);
    double tx = p->x - 3.2 * font, ty = p->y + p->h / 2;
    fprintf(o,
            "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"%d\" "
            "text-anchor=\"middle\" fill=\"#000000\" "
            "transform=\"rotate(-90 %.2f %.2f)\">",
            tx, ty, font, tx, ty);
    xml_text(o, ytitle);
    fputs("</text>\n", o);
}

/* "utility of <name>" */
static void axis_title(const render_t *rd, size_t i, char *buf, size_t size)
{
    snprintf(buf, size, "utility of %s", party_label(rd, i));
}

/* Indices of the frontier vectors to draw, at most `cap`, evenly spread. */
static size_t thin(size_t total, size_t cap, size_t k)
{
    if (total <= cap)
        return k;
    /* k-th of cap marks: spread over [0, total - 1], ends included */
    return (size_t)((double)k * (double)(total - 1) / (double)(cap - 1) + 0.5);
}

static size_t shown(size_t total, size_t cap)
{
    return total < cap ? total : cap;
}

/* Marks the reservation point: a cross. */
static void draw_reservation(render_t *rd, const panel_t *p, size_t i,
                             size_t j, int label)
{
    double x = px(p, rd->r[i]), y = py(p, rd->r[j]);
    fprintf(rd->out,
            "<path d=\"M%.2f %.2fl10 10m0 -10l-10 10\" "
            "stroke=\"" RESERVATION_COLOR "\" stroke-width=\"2\"/>\n",
            x - 5, y - 5);
    if (label)
        fprintf(rd->out,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\" "
                "fill=\"" RESERVATION_COLOR "\">reservations</text>\n",
                x + 8, y + 14);
}

/* The names of the concepts in c's group, each in its colour. */
static void group_names(render_t *rd, int c)
{
    int first = 1;
    for (int d = c; d < PARLEY_CONCEPT_COUNT; d++) {
        if (!rd->found[d] || rd->group[d] != c)
            continue;
        fprintf(rd->out, "<tspan fill=\"%s\">%s%s</tspan>", concept_color[d],
                first ? "" : ", ", parley_concept_name((parley_concept_t)d));
        first = 0;
    }
}

static int group_size(const render_t *rd, int c)
{
    int k = 0;
    for (int d = c; d < PARLEY_CONCEPT_COUNT; d++)
        k += rd->found[d] && rd->group[d] == c;
    return k;
}

/* 1-based number of c's group among the groups of found solutions. */
static int group_number(const render_t *rd, int c)
{
    int k = 0;
    for (int d = 0; d <= c; d++)
        k += rd->found[d] && rd->group[d] == d;
    return k;
}

/*
 * One ring per concept on the same vector.  Labelled with the concepts'
 * names in the plane; in the small panels, where names would not fit, with
 * the group's number, which the key under the panels spells out.
 */
static void draw_solutions(render_t *rd, const panel_t *p, size_t i, size_t j,
                           int font, int numbered)
{
    double step = numbered ? 2 : 2.5;
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        if (!rd->found[c] || rd->group[c] != c)
            continue;
        const double *u = rd->sol_u + (size_t)c * rd->n;
        double x = px(p, u[i]), y = py(p, u[j]);
        int ring = 0;
        for (int d = c; d < PARLEY_CONCEPT_COUNT; d++) {
            if (!rd->found[d] || rd->group[d] != c)
                continue;
            fprintf(rd->out,
                    "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.1f\" "
                    "fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                    x, y, 4.5 + step * ring, concept_color[d]);
            ring++;
        }
        /* Labels go right of the mark, or left of it in the right part. */
        int left = x > p->x + p->w * 0.6;
        double off = 5 + step * ring;
        fprintf(rd->out,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"%d\" "
                "text-anchor=\"%s\"%s>",
                left ? x - off : x + off, y - off + font / 2.0, font,
                left ? "end" : "start",
                numbered ? " font-weight=\"bold\"" : "");
        if (numbered)
            fprintf(rd->out, "%d", group_number(rd, c));
        else
            group_names(rd, c);
        fputs("</text>\n", rd->out);
    }
}

/* The key to numbered marks: names and utilities of each group. */
static double draw_solution_key(render_t *rd, double x, double y)
{
    FILE *o = rd->out;
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        if (!rd->found[c] || rd->group[c] != c)
            continue;
        fprintf(o,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\" "
                "xml:space=\"preserve\">"
                "<tspan font-weight=\"bold\">%d</tspan>  ",
                x, y, group_number(rd, c));
        group_names(rd, c);
        fputs("<tspan fill=\"#333333\"> \xE2\x80\x94 ", o);
        for (size_t i = 0; i < rd->n; i++) {
            if (i)
                fputs(", ", o);
            xml_text(o, party_label(rd, i));
            fprintf(o, " %.3g", rd->sol_u[(size_t)c * rd->n + i]);
        }
        fputs("</tspan></text>\n", o);
        y += 17;
    }
    return y;
}

/* The frontier's points of parties (i, j) in panel p, thinned to cap. */
static void draw_points(render_t *rd, const panel_t *p, size_t i, size_t j,
                        size_t cap, double radius)
{
    const parley__frontier_t *f = &rd->a->frontier;
    size_t k_max = shown(f->size, cap);
    fprintf(rd->out, "<g fill=\"" FRONTIER_COLOR "\" fill-opacity=\"0.8\">\n");
    for (size_t k = 0; k < k_max; k++) {
        const double *u = f->u + thin(f->size, cap, k) * rd->n;
        fprintf(rd->out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.1f\"/>\n",
                px(p, u[i]), py(p, u[j]), radius);
    }
    fputs("</g>\n", rd->out);
}

static const double *sort_u; /* qsort has no context argument */

static int by_first_party(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    double xa = sort_u[a * 2], xb = sort_u[b * 2];
    if (xa != xb)
        return xa < xb ? -1 : 1;
    return a < b ? -1 : a > b;
}

/*
 * The staircase bounding what F reaches in a plane of two parties: with the
 * vectors by increasing x (so decreasing y), everything below and left of it
 * is dominated.  Drawn through every vector, not only the thinned ones, as
 * one path (its size is linear in the frontier, cheap next to the marks).
 */
static parley_status_t draw_staircase(render_t *rd, const panel_t *p)
{
    const parley__frontier_t *f = &rd->a->frontier;
    if (f->size < 2)
        return PARLEY_OK;
    size_t *order = parley_malloc(f->size * sizeof *order);
    if (!order)
        return PARLEY_ENOMEM;
    for (size_t v = 0; v < f->size; v++)
        order[v] = v;
    sort_u = f->u;
    qsort(order, f->size, sizeof *order, by_first_party);
    size_t cap = SVG_MAX_POINTS * 4;
    size_t k_max = shown(f->size, cap);
    fputs("<path fill=\"none\" stroke=\"" FRONTIER_COLOR "\" "
          "stroke-width=\"1.5\" d=\"",
          rd->out);
    for (size_t k = 0; k < k_max; k++) {
        const double *u = f->u + order[thin(f->size, cap, k)] * 2;
        if (k == 0)
            fprintf(rd->out, "M%.2f %.2f", px(p, u[0]), py(p, u[1]));
        else
            fprintf(rd->out, "V%.2fH%.2f", py(p, u[1]), px(p, u[0]));
    }
    fputs("\"/>\n", rd->out);
    parley_free(order);
    return PARLEY_OK;
}

/* Legend items in a grid: `cols` per row (1 = a column); swatches are
 * marks, or line segments for parallel coordinates. */
static void draw_legend(render_t *rd, double x, double y, int cols, int lines)
{
    FILE *o = rd->out;
    const double step_x = 150, step_y = 20;
    for (int item = 0; item < 2 + PARLEY_CONCEPT_COUNT; item++) {
        double cx = x + step_x * (item % cols), cy = y + step_y * (item / cols);
        if (lines) {
            const char *color = item == 0   ? FRONTIER_COLOR
                                : item == 1 ? RESERVATION_COLOR
                                            : concept_color[item - 2];
            fprintf(o,
                    "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                    "stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
                    cx - 8, cy, cx + 6, cy, color, item == 0 ? "1.5" : "2.5",
                    item == 1 ? " stroke-dasharray=\"4 3\"" : "");
            if (item < 2) {
                fprintf(o,
                        "<text x=\"%.2f\" y=\"%.2f\" " FONT
                        " font-size=\"12\">%s</text>\n",
                        cx + 10, cy + 4, item == 0 ? "efficient" : "reservations");
                continue;
            }
        } else if (item == 0) {
            fprintf(o,
                    "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" "
                    "fill=\"" FRONTIER_COLOR "\"/>\n"
                    "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\">"
                    "efficient</text>\n",
                    cx, cy, cx + 10, cy + 4);
            continue;
        } else if (item == 1) {
            fprintf(o,
                    "<path d=\"M%.2f %.2fl8 8m0 -8l-8 8\" "
                    "stroke=\"" RESERVATION_COLOR "\" stroke-width=\"2\"/>\n"
                    "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\">"
                    "reservations</text>\n",
                    cx - 4, cy - 4, cx + 10, cy + 4);
            continue;
        }
        int c = item - 2;
        if (!lines)
            fprintf(o,
                    "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"5\" fill=\"none\" "
                    "stroke=\"%s\" stroke-width=\"2.5\"/>\n",
                    cx, cy, concept_color[c]);
        fprintf(o, "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\">",
                cx + 10, cy + 4);
        fputs(parley_concept_name((parley_concept_t)c), o);
        if (c == PARLEY_CONCEPT_MEDIATED)
            fprintf(o, " (&#955; %g)", rd->a->opts.lambda);
        if (!rd->found[c])
            fputs(" \xE2\x80\x94 none", o);
        fputs("</text>\n", o);
    }
}

/* Caption lines under the title: sizes, exactness, thinning. */
static void draw_caption(render_t *rd, double x, double y, size_t cap)
{
    const parley_analysis_t *a = rd->a;
    const parley__frontier_t *f = &a->frontier;
    FILE *o = rd->out;
    fprintf(o,
            "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\" "
            "fill=\"#333333\">",
            x, y);
    if (f->size == 0) {
        fputs("Nothing is feasible: no package meets every red line and "
              "reservation.",
              o);
    } else {
        fprintf(o, "%zu efficient utility vector%s (%.0f package%s)",
                f->size, f->size == 1 ? "" : "s",
                parley_analysis_frontier_packages(a),
                parley_analysis_frontier_packages(a) == 1 ? "" : "s");
        if (a->feasible.exact)
            fprintf(o, " of %.0f feasible", a->feasible.count);
        else
            fprintf(o, " of %.0f to %.0f feasible", a->feasible.lower,
                    a->feasible.upper);
        if (!f->exact)
            fprintf(o, "; approximate frontier, within %.3g", f->delta);
        fputs(".", o);
    }
    fputs("</text>\n", o);
    if (f->size > cap)
        fprintf(o,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\" "
                "fill=\"#333333\">Showing %zu of %zu vectors, evenly spread "
                "in frontier order; every solution is shown.</text>\n",
                x, y + 16, cap, f->size);
}

static void draw_title(render_t *rd, double x, double y)
{
    fprintf(rd->out,
            "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"17\" "
            "font-weight=\"bold\">",
            x, y);
    fputs("Pareto frontier", rd->out);
    if (rd->sc->name && rd->sc->name[0]) {
        fputs(": ", rd->out);
        xml_text(rd->out, rd->sc->name);
    }
    fputs("</text>\n", rd->out);
}

static void svg_open(render_t *rd, double w, double h)
{
    fprintf(rd->out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
            "<title>",
            w, h, w, h);
    fputs("Pareto frontier", rd->out);
    if (rd->sc->name) {
        fputs(": ", rd->out);
        xml_text(rd->out, rd->sc->name);
    }
    fputs("</title>\n<desc>Utilities of the efficient packages, the "
          "reservation point and the solution concepts, from parley.</desc>\n",
          rd->out);
    fprintf(rd->out,
            "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" "
            "fill=\"#fafafa\"/>\n",
            w, h);
}

static parley_status_t render_plane(render_t *rd)
{
    const double W = 760, H = 600;
    panel_t p = {90, 80, 470, 430, rd->lo[0], rd->hi[0], rd->lo[1],
                 rd->hi[1]};
    svg_open(rd, W, H);
    draw_title(rd, 20, 28);
    draw_caption(rd, 20, 48, SVG_MAX_POINTS);
    char xt[PARLEY_MAX_ID + 512], yt[PARLEY_MAX_ID + 512];
    axis_title(rd, 0, xt, sizeof xt);
    axis_title(rd, 1, yt, sizeof yt);
    draw_axes(rd, &p, xt, yt, 13);
    parley_status_t st = draw_staircase(rd, &p);
    if (st != PARLEY_OK)
        return st;
    draw_points(rd, &p, 0, 1, SVG_MAX_POINTS, 3.5);
    draw_reservation(rd, &p, 0, 1, 1);
    draw_solutions(rd, &p, 0, 1, 12, 0);
    draw_legend(rd, p.x + p.w + 24, p.y + 10, 1, 0);
    fputs("</svg>\n", rd->out);
    return PARLEY_OK;
}

static parley_status_t render_panels(render_t *rd)
{
    size_t n = rd->n, pairs = n * (n - 1) / 2;
    size_t cols = pairs <= 3 ? pairs : pairs <= 6 ? 3 : 4;
    size_t rows = (pairs + cols - 1) / cols;
    const double pw = 200, ph = 180, gx = 95, gy = 80, left = 80, top = 90;
    int groups = 0;
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++)
        groups += rd->found[c] && rd->group[c] == c;
    double W = left + (double)cols * (pw + gx);
    double H = top + (double)rows * (ph + gy) + 80 + 17 * groups;
    if (W < 760)
        W = 760;
    size_t cap = SVG_MAX_POINTS / pairs;
    svg_open(rd, W, H);
    draw_title(rd, 20, 28);
    draw_caption(rd, 20, 48, cap);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++, k++) {
            panel_t p = {left + (double)(k % cols) * (pw + gx),
                         top + (double)(k / cols) * (ph + gy),
                         pw,
                         ph,
                         rd->lo[i],
                         rd->hi[i],
                         rd->lo[j],
                         rd->hi[j]};
            char xt[PARLEY_MAX_ID + 512], yt[PARLEY_MAX_ID + 512];
            axis_title(rd, i, xt, sizeof xt);
            axis_title(rd, j, yt, sizeof yt);
            draw_axes(rd, &p, xt, yt, 11);
            draw_points(rd, &p, i, j, cap, 2.5);
            draw_reservation(rd, &p, i, j, 0);
            draw_solutions(rd, &p, i, j, 11, 1);
        }
    }
    double y = draw_solution_key(rd, left, H - 70 - 17 * groups);
    draw_legend(rd, left, y + 14, 4, 0);
    fputs("</svg>\n", rd->out);
    return PARLEY_OK;
}

/* One polyline through the parallel axes. */
static void polyline(render_t *rd, const panel_t *axes, const double *u,
                     const char *attrs)
{
    fputs("<polyline fill=\"none\" ", rd->out);
    fputs(attrs, rd->out);
    fputs(" points=\"", rd->out);
    for (size_t i = 0; i < rd->n; i++) {
        const panel_t *p = &axes[i];
        fprintf(rd->out, "%s%.2f,%.2f", i ? " " : "", p->x, py(p, u[i]));
    }
    fputs("\"/>\n", rd->out);
}

/*
 * Labels the solution lines where they end, on the last axis, pushed apart
 * vertically so that lines ending close together keep readable labels.
 */
static void label_line_ends(render_t *rd, const panel_t *last)
{
    double y[PARLEY_CONCEPT_COUNT];
    int who[PARLEY_CONCEPT_COUNT], k = 0;
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        if (!rd->found[c] || rd->group[c] != c)
            continue;
        double v = py(last, rd->sol_u[(size_t)c * rd->n + rd->n - 1]);
        int at = k++;
        /* insertion sort by y */
        while (at > 0 && y[at - 1] > v) {
            y[at] = y[at - 1];
            who[at] = who[at - 1];
            at--;
        }
        y[at] = v;
        who[at] = c;
    }
    const double gap = 14;
    for (int i = 1; i < k; i++)
        if (y[i] < y[i - 1] + gap)
            y[i] = y[i - 1] + gap;
    for (int i = 0; i < k; i++) {
        fprintf(rd->out,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"11\">",
                last->x + 12, y[i] + 4);
        group_names(rd, who[i]);
        fputs("</text>\n", rd->out);
    }
}

static parley_status_t render_parallel(render_t *rd)
{
    size_t n = rd->n;
    const double gap = 110, left = 90, top = 100, h = 380;
    double W = left * 2 + gap * (double)(n - 1) + 260;
    if (W < 760)
        W = 760;
    double H = top + h + 150;
    panel_t *axes = parley_calloc(n, sizeof *axes);
    if (!axes)
        return PARLEY_ENOMEM;
    for (size_t i = 0; i < n; i++)
        axes[i] = (panel_t){left + gap * (double)i, top, 0, h, 0, 1,
                            rd->lo[i], rd->hi[i]};
    svg_open(rd, W, H);
    draw_title(rd, 20, 28);
    draw_caption(rd, 20, 48, SVG_MAX_LINES);
    FILE *o = rd->out;
    const parley__frontier_t *f = &rd->a->frontier;
    size_t k_max = shown(f->size, SVG_MAX_LINES);
    for (size_t k = 0; k < k_max; k++)
        polyline(rd, axes, f->u + thin(f->size, SVG_MAX_LINES, k) * n,
                 "stroke=\"" FRONTIER_COLOR "\" stroke-opacity=\"0.35\"");
    polyline(rd, axes, rd->r,
             "stroke=\"" RESERVATION_COLOR "\" stroke-width=\"2\" "
             "stroke-dasharray=\"6 4\"");
    /* Concepts on the same vector: nested bands, widest first. */
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        if (!rd->found[c] || rd->group[c] != c)
            continue;
        int k = 0, size = group_size(rd, c);
        for (int d = c; d < PARLEY_CONCEPT_COUNT; d++) {
            if (!rd->found[d] || rd->group[d] != c)
                continue;
            char attrs[128];
            snprintf(attrs, sizeof attrs,
                     "stroke=\"%s\" stroke-width=\"%.1f\" "
                     "stroke-linejoin=\"round\"",
                     concept_color[d], 2.5 + 2.5 * (size - 1 - k));
            polyline(rd, axes, rd->sol_u + (size_t)d * n, attrs);
            k++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const panel_t *p = &axes[i];
        fprintf(o,
                "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                "stroke=\"#555555\" stroke-width=\"1.2\"/>\n",
                p->x, p->y, p->x, p->y + p->h);
        char buf[64];
        double sy = parley__svg_tick_step(p->yhi - p->ylo, 5);
        for (double t = ceil(p->ylo / sy) * sy; t <= p->yhi + sy * 1e-9;
             t += sy) {
            fmt_tick(buf, sizeof buf, t, sy);
            /* A halo in the background colour keeps the numbers
             * readable over the lines. */
            for (int halo = 1; halo >= 0; halo--)
                fprintf(o,
                        "<text x=\"%.2f\" y=\"%.2f\" " FONT
                        " font-size=\"10\" text-anchor=\"end\" %s>%s</text>\n",
                        p->x - 5, py(p, t) + 3.5,
                        halo ? "fill=\"#fafafa\" stroke=\"#fafafa\" "
                               "stroke-width=\"3\""
                             : "fill=\"#333333\"",
                        buf);
            fprintf(o,
                    "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                    "stroke=\"#555555\"/>\n",
                    p->x - 3, py(p, t), p->x, py(p, t));
        }
        /* Names alternate above and below so long ones do not collide. */
        double ty = i % 2 ? p->y + p->h + 22 : p->y - 12;
        fprintf(o,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\" "
                "text-anchor=\"middle\">",
                p->x, ty);
        xml_text(o, party_label(rd, i));
        fputs("</text>\n", o);
    }
    label_line_ends(rd, &axes[n - 1]);
    fprintf(o,
            "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\" "
            "fill=\"#333333\">One vertical axis per party: its utility. "
            "Each line is a package.</text>\n",
            left, top + h + 48);
    draw_legend(rd, left, top + h + 78, 4, 1);
    fputs("</svg>\n", o);
    parley_free(axes);
    return PARLEY_OK;
}

/* Axis ranges: from the lowest of reservation and frontier to the ideal,
 * padded so that marks do not sit on the frame. */
static void set_ranges(render_t *rd)
{
    const parley__frontier_t *f = &rd->a->frontier;
    for (size_t i = 0; i < rd->n; i++) {
        double lo = rd->r[i], hi = rd->r[i];
        for (size_t v = 0; v < f->size; v++) {
            double x = f->u[v * rd->n + i];
            if (x < lo)
                lo = x;
            if (x > hi)
                hi = x;
        }
        if (f->size == 0) {
            lo = lo < 0 ? lo : 0;
            hi = hi > 1 ? hi : 1;
        }
        if (hi - lo < 1e-9) {
            double pad = fabs(hi) > 1e-9 ? fabs(hi) * 0.1 : 0.5;
            lo -= pad;
            hi += pad;
        }
        double pad = (hi - lo) * 0.06;
        rd->lo[i] = lo - pad;
        rd->hi[i] = hi + pad;
    }
}

/*
 * Groups solutions by utility vector: group[c] is the first concept whose
 * vector equals c's.  Equal vectors, not equal packages, share a mark,
 * because the picture shows utilities.
 */
static void set_groups(render_t *rd)
{
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        rd->group[c] = c;
        if (!rd->found[c])
            continue;
        for (int d = 0; d < c; d++) {
            if (rd->found[d] &&
                memcmp(rd->sol_u + (size_t)c * rd->n,
                       rd->sol_u + (size_t)d * rd->n,
                       rd->n * sizeof(double)) == 0) {
                rd->group[c] = d;
                break;
            }
        }
    }
}

parley_status_t parley_render_frontier_svg(const parley_analysis_t *a,
                                           const parley_model_t *m,
                                           const parley_scenario_t *sc,
                                           FILE *out)
{
    if (!a || !m || !sc || !out)
        return PARLEY_EARG;
    size_t n = parley_model_n_parties(m);
    if (n != a->n_parties || parley_model_n_issues(m) != a->n_issues ||
        sc->n_issues != a->n_issues || n < 1)
        return PARLEY_EARG;
    for (size_t i = 0; i < n; i++)
        if (parley_model_party_index(m, i) >= sc->n_parties)
            return PARLEY_EARG;

    render_t rd;
    memset(&rd, 0, sizeof rd);
    rd.out = out;
    rd.a = a;
    rd.m = m;
    rd.sc = sc;
    rd.n = n;
    rd.lo = parley_calloc(n, sizeof *rd.lo);
    rd.hi = parley_calloc(n, sizeof *rd.hi);
    rd.r = parley_calloc(n, sizeof *rd.r);
    rd.sol_u = parley_calloc(n * PARLEY_CONCEPT_COUNT, sizeof *rd.sol_u);
    parley_status_t st = PARLEY_ENOMEM;
    if (!rd.lo || !rd.hi || !rd.r || !rd.sol_u)
        goto done;
    for (size_t i = 0; i < n; i++)
        rd.r[i] = parley_model_reservation(m, i);
    for (int c = 0; c < PARLEY_CONCEPT_COUNT; c++) {
        const parley_solution_t *s = &a->solutions[c];
        rd.found[c] = s->found;
        if (s->found)
            parley_model_utility(m, s->package, rd.sol_u + (size_t)c * n);
    }
    set_groups(&rd);
    set_ranges(&rd);

    if (n == 1) {
        /* One party: a plane against itself says nothing; show its axis. */
        st = render_parallel(&rd);
    } else if (n == 2) {
        st = render_plane(&rd);
    } else if (n <= 5) {
        st = render_panels(&rd);
    } else {
        st = render_parallel(&rd);
    }
    if (st == PARLEY_OK && (fflush(out) != 0 || ferror(out)))
        st = PARLEY_EIO;
done:
    parley_free(rd.lo);
    parley_free(rd.hi);
    parley_free(rd.r);
    parley_free(rd.sol_u);
    return st;
}
