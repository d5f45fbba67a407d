/*
 * svg_study.c - a study's designs side by side, as a standalone SVG 1.1
 * picture.
 *
 * One panel per summary metric (agreement rate, rounds, efficiency, min
 * normalized gain, power skew, offset against power_nash), the designs
 * along the horizontal axis in the study's order.  Each design shows its
 * mean as a dot and its 95% interval as a bar (Wilson for the rate, t for
 * means), and, when the study ran the baseline, the baseline's beside it
 * as a square, so the effect of a design and the effect of mediation read
 * off the same panel.  A metric a design has no value for (no agreement,
 * hence no skew) leaves its place empty and says so.  A study that
 * followed implementation has a seventh panel, durability: the share of
 * mediated agreements still standing after its periods (no baseline
 * square: the baseline's agreements are not implemented).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parley/render.h"
#include "render/render_internal.h"

#define FONT PARLEY__SVG_FONT
#define MED_COLOR "#000000"
#define BASE_COLOR "#009E73"

static void esc(FILE *out, const char *s)
{
    parley__svg_text(out, s, 0);
}

static const char *const titles[PARLEY_STUDY_STAT_COUNT] = {
    "agreement rate", "rounds", "efficiency", "min normalized gain",
    "power skew (agreements)", "offset vs power_nash (agreements)"};

/* Panel PARLEY_STUDY_STAT_COUNT is durability. */
#define DURABILITY PARLEY_STUDY_STAT_COUNT

/* The interval design d shows in panel `stat` (side 1: the baseline), or
 * NULL when that side has none there. */
static const parley_interval_t *value_of(const parley_study_t *st, int stat,
                                         size_t d, int side)
{
    const parley_study_summary_t *s = parley_study_summary(st, d);
    if (stat == DURABILITY)
        return side ? NULL : &s->durability;
    return side ? &s->baseline[stat] : &s->mediated[stat];
}

/* Range of the panel: every mean and bound, and 0 (bars are read from
 * it; for skew and offset it is where the sign changes); [0, 1] for the
 * rate. */
static void range_of(const parley_study_t *st, int stat, int with_base,
                     double *lo, double *hi)
{
    int any = 0;
    double a = 0, b = 0;
    for (size_t d = 0; d < parley_study_n_designs(st); d++) {
        for (int side = 0; side < 1 + with_base; side++) {
            const parley_interval_t *iv = value_of(st, stat, d, side);
            if (!iv)
                continue;
            double v[3] = {iv->mean, iv->lo, iv->hi};
            for (int q = 0; q < 3; q++) {
                if (!isfinite(v[q]))
                    continue;
                if (!any || v[q] < a)
                    a = v[q];
                if (!any || v[q] > b)
                    b = v[q];
                any = 1;
            }
        }
    }
    if (stat == PARLEY_STUDY_AGREEMENT || stat == DURABILITY) {
        a = 0;
        b = 1;
    } else if (!any) {
        a = 0;
        b = 1;
    } else {
        /* Bars measured from 0, which every panel shows. */
        if (a > 0)
            a = 0;
        if (b < 0)
            b = 0;
    }
    if (b - a < 1e-9) {
        a -= 0.5;
        b += 0.5;
    }
    double pad = (b - a) * 0.06;
    *lo = a - (stat == PARLEY_STUDY_AGREEMENT || stat == DURABILITY ? 0
                                                                    : pad);
    *hi = b + pad;
}

static void mark(FILE *o, double x, const parley_interval_t *iv, double y0,
                 double h, double lo, double hi, int base)
{
#define YY(v) (y0 + h - ((v) - lo) / (hi - lo) * h)
    const char *col = base ? BASE_COLOR : MED_COLOR;
    if (isfinite(iv->lo) && isfinite(iv->hi))
        fprintf(o,
                "<path d=\"M%.2f %.2fV%.2fM%.2f %.2fh8M%.2f %.2fh8\" "
                "stroke=\"%s\" stroke-width=\"1.6\" fill=\"none\"/>\n",
                x, YY(iv->lo), YY(iv->hi), x - 4, YY(iv->lo), x - 4,
                YY(iv->hi), col);
    if (!isfinite(iv->mean))
        return;
    if (base)
        fprintf(o,
                "<rect x=\"%.2f\" y=\"%.2f\" width=\"7\" height=\"7\" "
                "fill=\"%s\"/>\n",
                x - 3.5, YY(iv->mean) - 3.5, col);
    else
        fprintf(o,
                "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"%s\"/>\n", x,
                YY(iv->mean), col);
#undef YY
}

parley_status_t parley_render_study_svg(const parley_study_t *st, FILE *out)
{
    if (!st || !out || parley_study_n_designs(st) == 0)
        return PARLEY_EARG;
    size_t D = parley_study_n_designs(st);
    int with_base =
        parley_study_summary(st, 0)->baseline[PARLEY_STUDY_AGREEMENT].n > 0;
    /* Design names run down and left at 40 degrees under each panel:
     * room for the longest (about 5.6 px a character at this size). */
    size_t longest = 0;
    for (size_t d = 0; d < D; d++) {
        size_t l = strlen(parley_study_design_name(st, d));
        if (l > longest)
            longest = l;
    }
    double run = 5.6 * (double)longest;
    const double slot = 46, top = 92, gx = 80;
    double left = 0.77 * run - 15;
    if (left < 70)
        left = 70;
    double gy = 0.65 * run + 50;
    if (gy < 90)
        gy = 90;
    double pw = slot * (double)D + 30;
    if (pw < 240)
        pw = 240;
    const double ph = 190;
    const size_t cols = D > 6 ? 2 : 3;
    unsigned periods = parley_study_periods(st);
    const int panels = PARLEY_STUDY_STAT_COUNT + (periods > 0);
    const size_t rows = ((size_t)panels + cols - 1) / cols;
    double W = left + (double)cols * (pw + gx);
    double H = top + (double)rows * (ph + gy) + 30;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
            "<title>Study: designs compared</title>\n"
            "<desc>Per design, the mean of each summary metric with its 95%% "
            "interval, from parley.</desc>\n"
            "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" "
            "fill=\"#fafafa\"/>\n",
            W, H, W, H, W, H);
    const parley_study_summary_t *s0 = parley_study_summary(st, 0);
    fprintf(out,
            "<text x=\"20\" y=\"28\" " FONT " font-size=\"17\" "
            "font-weight=\"bold\">Study: %zu design%s, %zu session%s each"
            "</text>\n",
            D, D == 1 ? "" : "s", s0->sessions, s0->sessions == 1 ? "" : "s");
    fprintf(out,
            "<text x=\"20\" y=\"50\" " FONT " font-size=\"12\" "
            "fill=\"#333333\">Dots: mediated sessions; bars: 95%% "
            "intervals (Wilson for the rate, t for means)%s.</text>\n",
            with_base ? "; squares: the same parties without a mediator"
                      : "");
    fprintf(out,
            "<text x=\"20\" y=\"66\" " FONT " font-size=\"12\" "
            "fill=\"#333333\">Efficiency and min normalized gain count an "
            "impasse as 0; skew and offset are over agreements.</text>\n");
    for (int stat = 0; stat < panels; stat++) {
        char title[96];
        if (stat == DURABILITY)
            snprintf(title, sizeof title,
                     "durability after %u period%s (agreements)", periods,
                     periods == 1 ? "" : "s");
        else
            snprintf(title, sizeof title, "%s", titles[stat]);
        double x0 = left + (double)((size_t)stat % cols) * (pw + gx);
        double y0 = top + (double)((size_t)stat / cols) * (ph + gy);
        double lo, hi;
        range_of(st, stat, with_base, &lo, &hi);
        fprintf(out,
                "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                "fill=\"#ffffff\" stroke=\"#888888\"/>\n"
                "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"13\" "
                "font-weight=\"bold\">%s</text>\n",
                x0, y0, pw, ph, x0, y0 - 8, title);
        double stp = parley__svg_tick_step(hi - lo, 4);
        int dec = stp >= 1 ? 0 : (int)ceil(-log10(stp) - 1e-9);
        for (double t = ceil(lo / stp) * stp; t <= hi + stp * 1e-9;
             t += stp) {
            double v = fabs(t) < stp * 1e-9 ? 0 : t;
            double y = y0 + ph - (v - lo) / (hi - lo) * ph;
            fprintf(out,
                    "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                    "stroke=\"%s\"/>\n"
                    "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"10\" "
                    "text-anchor=\"end\" fill=\"#333333\">%.*f</text>\n",
                    x0, y, x0 + pw, y, v == 0 ? "#bbbbbb" : "#ececec",
                    x0 - 4, y + 3.5, dec, v);
        }
        for (size_t d = 0; d < D; d++) {
            double x = x0 + 15 + slot * ((double)d + 0.5);
            const parley_interval_t *m = value_of(st, stat, d, 0);
            int beside = with_base && stat != DURABILITY;
            if (!isfinite(m->mean))
                fprintf(out,
                        "<text x=\"%.2f\" y=\"%.2f\" " FONT
                        " font-size=\"10\" text-anchor=\"middle\" "
                        "fill=\"#777777\">n/a</text>\n",
                        x, y0 + ph / 2);
            mark(out, beside ? x - 7 : x, m, y0, ph, lo, hi, 0);
            if (beside)
                mark(out, x + 7, value_of(st, stat, d, 1), y0, ph, lo, hi,
                     1);
            double ly = y0 + ph + 12;
            fprintf(out,
                    "<text x=\"%.2f\" y=\"%.2f\" " FONT " font-size=\"10\" "
                    "text-anchor=\"end\" transform=\"rotate(-40 %.2f %.2f)\">",
                    x + 3, ly, x + 3, ly);
            esc(out, parley_study_design_name(st, d));
            fputs("</text>\n", out);
        }
    }
    fputs("</svg>\n", out);
    if (fflush(out) != 0 || ferror(out))
        return PARLEY_EIO;
    return PARLEY_OK;
}
