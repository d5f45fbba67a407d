/*
 * svg_session.c - a mediation's path over the Pareto frontier, as a
 * standalone SVG 1.1 picture.
 *
 * Each text the mediator put is a point in utility space (the parties'
 * true utilities, which the mediator never saw).  Two parties: one plane.
 * More: one panel per pair of parties, at most fifteen (the six most
 * powerful parties when there are more).  In every panel: the frontier's
 * vectors (thinned to a few hundred per panel), the reservation point, the
 * texts numbered in the order they were put and joined by a line (straw
 * polls hollow), the agreement (or the best text of an impasse), the
 * power_nash package and the baseline's outcome.  Consecutive texts that
 * land on the same point share one mark labelled with their range
 * ("3-6"), so a mediator holding a text for several rounds reads as one
 * stop.  Colours are the Okabe-Ito palette, each named in the legend.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/render.h"
#include "render/render_internal.h"

#define MAX_PARTIES_SHOWN 6
#define FRONTIER_MARKS 2400 /* over all panels */

#define FRONTIER_COLOR "#56B4E9"
#define PATH_COLOR "#555555"
#define TEXT_COLOR "#0072B2"
#define FINAL_COLOR "#000000"
#define PN_COLOR "#D55E00"
#define BASE_COLOR "#009E73"
#define RES_COLOR "#444444"
#define FONT PARLEY__SVG_FONT

typedef parley__svg_box_t box_t;

typedef struct pic {
    FILE *out;
    const parley_analysis_t *a;
    const parley_model_t *m;
    const parley_scenario_t *sc;
    const parley_session_path_t *path;
    size_t n;          /* voting parties */
    double *tu;        /* [n_texts * n] utilities of the texts */
    double *r, *lo, *hi;
    double fin[PARLEY_MAX_PARTIES], pn[PARLEY_MAX_PARTIES],
        base[PARLEY_MAX_PARTIES];
    int has_fin, has_pn, has_base;
} pic_t;

static void esc(FILE *out, const char *s)
{
    parley__svg_text(out, s, 0);
}

static const char *party_label(const pic_t *p, size_t i)
{
    return parley__svg_party_label(p->sc, p->m, i);
}

static double X(const box_t *b, double v)
{
    return parley__svg_x(b, v);
}

static double Y(const box_t *b, double v)
{
    return parley__svg_y(b, v);
}

static void axes(pic_t *p, const box_t *b, size_t i, size_t j, int font)
{
    FILE *o = p->out;
    fprintf(o,
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
            "fill=\"#ffffff\" stroke=\"#888888\"/>\n",
            b->x, b->y, b->w, b->h);
    for (int axis = 0; axis < 2; axis++) {
        double lo = axis ? b->ylo : b->xlo, hi = axis ? b->yhi : b->xhi;
        double st = parley__svg_tick_step(hi - lo, 4);
        int dec = st >= 1 ? 0 : (int)ceil(-log10(st) - 1e-9);
        for (double t = ceil(lo / st) * st; t <= hi + st * 1e-9; t += st) {
            double v = fabs(t) < st * 1e-9 ? 0 : t;
            if (axis == 0) {
                double x = X(b, v);
                fprintf(o,
                        "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" "
                        "y2=\"%.2f\" stroke=\"#e6e6e6\"/>\n"
                        "<text x=\"%.2f\" y=\"%.2f\" " FONT
                        " font-size=\"%d\" text-anchor=\"middle\" "
                        "fill=\"#333333\">%.*f</text>\n",
                        x, b->y, x, b->y + b->h, x, b->y + b->h + font + 2,
                        font - 1, dec, v);
            } else {
                double y = Y(b, v);
                fprintf(o,
                        "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" "
                        "y2=\"%.2f\" stroke=\"#e6e6e6\"/>\n"
                        "<text x=\"%.2f\" y=\"%.2f\" " FONT
                        " font-size=\"%d\" text-anchor=\"end\" "
                        "fill=\"#333333\">%.*f</text>\n",
                        b->x, y, b->x + b->w, y, b->x - 4, y + font / 3.0,
                        font - 1, dec, v);
            }
        }
    }
    fprintf(o,
            "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"%d\" "
            "text-anchor=\"middle\">utility of ",
            b->x + b->w / 2, b->y + b->h + 2 * font + 6, font);
    esc(o, party_label(p, i));
    fputs("</text>\n", o);
    double tx = b->x - 3.0 * font, ty = b->y + b->h / 2;
    fprintf(o,
            "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"%d\" "
            "text-anchor=\"middle\" transform=\"rotate(-90 %.2f %.2f)\">"
            "utility of ",
            tx, ty, font, tx, ty);
    esc(o, party_label(p, j));
    fputs("</text>\n", o);
}

/* The marks of one panel: parties i (x) and j (y). */
static void panel(pic_t *p, const box_t *b, size_t i, size_t j,
                  size_t frontier_cap, int font)
{
    FILE *o = p->out;
    size_t n = p->n;
    axes(p, b, i, j, font);
    size_t fs = parley_analysis_frontier_size(p->a);
    size_t show = fs < frontier_cap ? fs : frontier_cap;
    fputs("<g fill=\"" FRONTIER_COLOR "\" fill-opacity=\"0.7\">\n", o);
    for (size_t k = 0; k < show; k++) {
        size_t v = show == fs ? k
                              : (size_t)((double)k * (double)(fs - 1) /
                                             (double)(show - 1) +
                                         0.5);
        const double *u = parley_analysis_frontier_u(p->a, v);
        fprintf(o, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.2\"/>\n",
                X(b, u[i]), Y(b, u[j]));
    }
    fputs("</g>\n", o);
    double rx = X(b, p->r[i]), ry = Y(b, p->r[j]);
    fprintf(o,
            "<path d=\"M%.2f %.2fl8 8m0 -8l-8 8\" stroke=\"" RES_COLOR "\" "
            "stroke-width=\"2\"/>\n",
            rx - 4, ry - 4);

    size_t T = p->path->n_texts;
    if (T > 0) {
        fputs("<polyline fill=\"none\" stroke=\"" PATH_COLOR "\" "
              "stroke-width=\"1.2\" stroke-opacity=\"0.8\" points=\"",
              o);
        for (size_t t = 0; t < T; t++)
            fprintf(o, "%s%.2f,%.2f", t ? " " : "",
                    X(b, p->tu[t * n + i]), Y(b, p->tu[t * n + j]));
        fputs("\"/>\n", o);
    }
    /* Runs of consecutive texts on the same point: one mark, one label. */
    for (size_t t = 0; t < T;) {
        size_t e = t;
        while (e + 1 < T && p->tu[(e + 1) * n + i] == p->tu[t * n + i] &&
               p->tu[(e + 1) * n + j] == p->tu[t * n + j])
            e++;
        double x = X(b, p->tu[t * n + i]), y = Y(b, p->tu[t * n + j]);
        int hollow = p->path->pilot && p->path->pilot[t] && e == t;
        fprintf(o,
                "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" fill=\"%s\" "
                "stroke=\"" TEXT_COLOR "\" stroke-width=\"1.5\"/>\n",
                x, y, hollow ? "#ffffff" : TEXT_COLOR);
        fprintf(o,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"%d\" "
                "fill=\"" TEXT_COLOR "\">",
                x + 5, y - 4, font - 2);
        if (e == t)
            fprintf(o, "%zu", t + 1);
        else
            fprintf(o, "%zu-%zu", t + 1, e + 1);
        fputs("</text>\n", o);
        t = e + 1;
    }
    if (p->has_pn)
        fprintf(o,
                "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"7\" fill=\"none\" "
                "stroke=\"" PN_COLOR "\" stroke-width=\"2.2\"/>\n",
                X(b, p->pn[i]), Y(b, p->pn[j]));
    if (p->has_base)
        fprintf(o,
                "<rect x=\"%.2f\" y=\"%.2f\" width=\"11\" height=\"11\" "
                "fill=\"none\" stroke=\"" BASE_COLOR "\" stroke-width=\"2.2\"%s/>\n",
                X(b, p->base[i]) - 5.5, Y(b, p->base[j]) - 5.5,
                p->path->baseline_agreement ? ""
                                            : " stroke-dasharray=\"3 2\"");
    if (p->has_fin) {
        double x = X(b, p->fin[i]), y = Y(b, p->fin[j]);
        fprintf(o,
                "<path d=\"M%.2f %.2fl6 -6l6 6l-6 6z\" fill=\"%s\" "
                "stroke=\"" FINAL_COLOR "\" stroke-width=\"1.8\"/>\n",
                x - 6, y, p->path->agreement ? FINAL_COLOR : "none");
    }
}

static void legend(pic_t *p, double x, double y, int cols)
{
    FILE *o = p->out;
    const double sx = 190, sy = 20;
    const char *labels[6] = {"efficient package", "reservations",
                             "text put (hollow: straw poll)",
                             p->path->agreement ? "agreement"
                                                : "best text (impasse)",
                             "power_nash (raw power)",
                             p->path->baseline_agreement
                                 ? "baseline (no mediator)"
                                 : "baseline's last offer (no agreement)"};
    for (int k = 0; k < 6; k++) {
        double cx = x + sx * (k % cols), cy = y + sy * (k / cols);
        switch (k) {
        case 0:
            fprintf(o, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"" FRONTIER_COLOR "\"/>\n",
                    cx, cy);
            break;
        case 1:
            fprintf(o,
                    "<path d=\"M%.2f %.2fl8 8m0 -8l-8 8\" stroke=\"" RES_COLOR
                    "\" stroke-width=\"2\"/>\n",
                    cx - 4, cy - 4);
            break;
        case 2:
            fprintf(o,
                    "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" fill=\"" TEXT_COLOR
                    "\"/>\n",
                    cx, cy);
            break;
        case 3:
            fprintf(o,
                    "<path d=\"M%.2f %.2fl6 -6l6 6l-6 6z\" fill=\"%s\" "
                    "stroke=\"" FINAL_COLOR "\"/>\n",
                    cx - 6, cy, p->path->agreement ? FINAL_COLOR : "none");
            break;
        case 4:
            if (!p->has_pn)
                continue;
            fprintf(o,
                    "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"6\" fill=\"none\" "
                    "stroke=\"" PN_COLOR "\" stroke-width=\"2\"/>\n",
                    cx, cy);
            break;
        default:
            if (!p->has_base)
                continue;
            fprintf(o,
                    "<rect x=\"%.2f\" y=\"%.2f\" width=\"10\" height=\"10\" "
                    "fill=\"none\" stroke=\"" BASE_COLOR
                    "\" stroke-width=\"2\"/>\n",
                    cx - 5, cy - 5);
        }
        fprintf(o,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\">%s"
                "</text>\n",
                cx + 12, cy + 4, labels[k]);
    }
}

/* Axis ranges cover the frontier, the reservations and every mark. */
static void ranges(pic_t *p)
{
    size_t n = p->n, fs = parley_analysis_frontier_size(p->a);
    for (size_t i = 0; i < n; i++) {
        double lo = p->r[i], hi = p->r[i];
#define COVER(v)                                                               \
    do {                                                                       \
        double v_ = (v);                                                       \
        if (v_ < lo)                                                           \
            lo = v_;                                                           \
        if (v_ > hi)                                                           \
            hi = v_;                                                           \
    } while (0)
        for (size_t v = 0; v < fs; v++)
            COVER(parley_analysis_frontier_u(p->a, v)[i]);
        for (size_t t = 0; t < p->path->n_texts; t++)
            COVER(p->tu[t * n + i]);
        if (p->has_fin)
            COVER(p->fin[i]);
        if (p->has_pn)
            COVER(p->pn[i]);
        if (p->has_base)
            COVER(p->base[i]);
#undef COVER
        if (hi - lo < 1e-9) {
            lo -= 0.5;
            hi += 0.5;
        }
        double pad = (hi - lo) * 0.07;
        p->lo[i] = lo - pad;
        p->hi[i] = hi + pad;
    }
}

/* The parties shown: all up to six, else the six most powerful, kept in
 * model order. */
static size_t shown_parties(const pic_t *p, size_t *idx)
{
    size_t n = p->n;
    if (n <= MAX_PARTIES_SHOWN) {
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        return n;
    }
    unsigned char pick[PARLEY_MAX_PARTIES] = {0};
    for (size_t q = 0; q < MAX_PARTIES_SHOWN; q++) {
        long best = -1;
        for (size_t i = 0; i < n; i++)
            if (!pick[i] && (best < 0 || parley_model_power(p->m, i) >
                                             parley_model_power(p->m, (size_t)best)))
                best = (long)i;
        pick[best] = 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pick[i])
            idx[k++] = i;
    return k;
}

static void caption(pic_t *p, double x, double y, size_t shown)
{
    FILE *o = p->out;
    const parley_session_path_t *pa = p->path;
    unsigned last = pa->n_texts && pa->rounds ? pa->rounds[pa->n_texts - 1]
                                              : 0;
    fprintf(o,
            "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\" "
            "fill=\"#333333\">%zu text%s put, numbered in order",
            x, y, pa->n_texts, pa->n_texts == 1 ? "" : "s");
    if (last)
        fprintf(o, " (the last in round %u)", last);
    fprintf(o, "; %s.  Utilities by the parties' true profiles.</text>\n",
            pa->agreement ? "agreement reached" : "impasse");
    if (shown < p->n)
        fprintf(o,
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"12\" "
                "fill=\"#333333\">Pairs of the %zu most powerful of %zu "
                "parties.</text>\n",
                x, y + 16, shown, p->n);
}

parley_status_t parley_render_session_svg(const parley_analysis_t *a,
                                          const parley_model_t *m,
                                          const parley_scenario_t *sc,
                                          const parley_session_path_t *path,
                                          FILE *out)
{
    if (!a || !m || !sc || !path || !out)
        return PARLEY_EARG;
    size_t n = parley_model_n_parties(m);
    if (n < 1 || n > PARLEY_MAX_PARTIES ||
        parley_model_n_issues(m) != sc->n_issues ||
        (path->n_texts && !path->texts))
        return PARLEY_EARG;
    size_t K = sc->n_issues;
    for (size_t t = 0; t < path->n_texts; t++)
        for (size_t k = 0; k < K; k++)
            if (path->texts[t * K + k] >= sc->issues[k].n_options)
                return PARLEY_EARG;
    pic_t p;
    memset(&p, 0, sizeof p);
    p.out = out;
    p.a = a;
    p.m = m;
    p.sc = sc;
    p.path = path;
    p.n = n;
    p.tu = parley_calloc(path->n_texts ? path->n_texts * n : 1,
                         sizeof *p.tu);
    p.r = parley_calloc(n, sizeof *p.r);
    p.lo = parley_calloc(n, sizeof *p.lo);
    p.hi = parley_calloc(n, sizeof *p.hi);
    if (!p.tu || !p.r || !p.lo || !p.hi) {
        parley_free(p.tu);
        parley_free(p.r);
        parley_free(p.lo);
        parley_free(p.hi);
        return PARLEY_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        p.r[i] = parley_model_reservation(m, i);
    for (size_t t = 0; t < path->n_texts; t++)
        parley_model_utility(m, path->texts + t * K, p.tu + t * n);
    if (path->final_package) {
        parley_model_utility(m, path->final_package, p.fin);
        p.has_fin = 1;
    }
    if (path->baseline_package) {
        parley_model_utility(m, path->baseline_package, p.base);
        p.has_base = 1;
    }
    const parley_solution_t *pn =
        parley_analysis_solution(a, PARLEY_CONCEPT_POWER_NASH);
    if (pn && pn->found) {
        parley_model_utility(m, pn->package, p.pn);
        p.has_pn = 1;
    }
    ranges(&p);

    size_t idx[PARLEY_MAX_PARTIES];
    size_t s = shown_parties(&p, idx);
    size_t pairs = s >= 2 ? s * (s - 1) / 2 : 1;
    double W, H;
    int big = s <= 2;
    size_t cols = big ? 1 : pairs <= 3 ? pairs : pairs <= 6 ? 3 : 4;
    size_t rows = (pairs + cols - 1) / cols;
    const double pw = big ? 520 : 210, ph = big ? 460 : 190;
    const double gx = 90, gy = 80, left = 85, top = 95;
    W = left + (double)cols * (pw + gx);
    if (W < 800)
        W = 800;
    H = top + (double)rows * (ph + gy) + 70;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
            "<title>Mediation path: ",
            W, H, W, H);
    esc(out, sc->name);
    fputs("</title>\n<desc>The texts a mediator put, in order, over the "
          "Pareto frontier, with the agreement, power_nash and the "
          "unmediated baseline, from parley.</desc>\n",
          out);
    fprintf(out,
            "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" "
            "fill=\"#fafafa\"/>\n",
            W, H);
    fprintf(out,
            "<text x=\"20\" y=\"28\" " FONT " font-size=\"17\" "
            "font-weight=\"bold\">Mediation path: ");
    esc(out, sc->name);
    fputs("</text>\n", out);
    caption(&p, 20, 50, s);

    size_t k = 0;
    if (s == 1) {
        /* One party: its utility against itself shows the path's values. */
        box_t b = {left, top, pw, ph, p.lo[0], p.hi[0], p.lo[0], p.hi[0]};
        panel(&p, &b, 0, 0, FRONTIER_MARKS, 13);
    }
    for (size_t x = 0; x < s; x++)
        for (size_t y = x + 1; y < s; y++, k++) {
            size_t i = idx[x], j = idx[y];
            box_t b = {left + (double)(k % cols) * (pw + gx),
                       top + (double)(k / cols) * (ph + gy),
                       pw,
                       ph,
                       p.lo[i],
                       p.hi[i],
                       p.lo[j],
                       p.hi[j]};
            panel(&p, &b, i, j, FRONTIER_MARKS / pairs, big ? 13 : 11);
        }
    legend(&p, left, H - 50, 3);
    fputs("</svg>\n", out);
    parley_free(p.tu);
    parley_free(p.r);
    parley_free(p.lo);
    parley_free(p.hi);
    if (fflush(out) != 0 || ferror(out))
        return PARLEY_EIO;
    return PARLEY_OK;
}
