/*
 * svg_timeline.c - the implementation of a monitored agreement as a
 * standalone SVG timeline: one row per commitment (grouped by owner), one
 * column per reporting period end found in any commitment's record, each
 * cell coloured by the status that counts for that period on the Peace
 * Accords Matrix scale, disputed and breached periods marked; then one row
 * per guarantee with its state placed at the period since which it holds;
 * then the consequences, applied or not.
 *
 * Every text from the record is XML-escaped, so ids and owners cannot break
 * the document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/alloc.h"
#include "parley/monitor.h"
#include "parley/render.h"
#include "render/render_internal.h"

#define ROW_H 22
#define COL_W 74
#define LEFT 220
#define TOP 70

/* Record texts are escaped like every other picture's (render_internal.h). */
static void esc(FILE *out, const char *s)
{
    parley__svg_text(out, s, 1);
}

static const char *pam_fill(parley_pam_t p)
{
    switch (p) {
    case PARLEY_PAM_NOT_BEGUN:
        return "#d73027";
    case PARLEY_PAM_MINIMAL:
        return "#fc8d59";
    case PARLEY_PAM_INTERMEDIATE:
        return "#fee08b";
    case PARLEY_PAM_FULL:
        return "#1a9850";
    case PARLEY_PAM_DISPUTED:
        return "#9e9ac8";
    case PARLEY_PAM_BREACHED:
        return "#252525";
    case PARLEY_PAM_NONE:
        break;
    }
    return "#ffffff";
}

static const char *state_fill(parley_guarantee_state_t g)
{
    switch (g) {
    case PARLEY_GUARANTEE_PERMANENT:
        return "#1a9850";
    case PARLEY_GUARANTEE_INVOKED:
        return "#252525";
    case PARLEY_GUARANTEE_LAPSED:
        return "#d73027";
    case PARLEY_GUARANTEE_OFFERED:
    case PARLEY_GUARANTEE_PROVISIONAL:
        break;
    }
    return "#c6dbef";
}

static int cmp_date(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The column of day d: the first period end on or after it, else the
 * last; -1 when there are no columns. */
static long column_of(char (*cols)[PARLEY_DATE_SIZE], size_t n, const char *d)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i], d) >= 0)
            return (long)i;
    return n ? (long)n - 1 : -1;
}

parley_status_t parley_render_timeline_svg(const parley_monitor_status_t *s,
                                           FILE *out)
{
    if (!s || !out)
        return PARLEY_EARG;
    size_t cap = 0;
    for (size_t i = 0; i < s->n_commitments; i++)
        cap += s->commitments[i].n_periods;
    char(*cols)[PARLEY_DATE_SIZE] =
        parley_calloc(cap + 1, sizeof *cols);
    if (!cols)
        return PARLEY_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < s->n_commitments; i++)
        for (size_t k = 0; k < s->commitments[i].n_periods; k++)
            memcpy(cols[n++], s->commitments[i].periods[k].period,
                   PARLEY_DATE_SIZE);
    qsort(cols, n, sizeof *cols, cmp_date);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(cols[u - 1], cols[i]) != 0)
            memmove(cols[u++], cols[i], PARLEY_DATE_SIZE);
    n = u;

    size_t rows = s->n_commitments + s->n_guarantees;
    int width = LEFT + (int)(n ? n : 1) * COL_W + 20;
    int grid_h = (int)rows * ROW_H + (s->n_guarantees ? ROW_H : 0);
    int height = TOP + grid_h + 40 + (int)(s->n_consequences + 2) * 16 + 40;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
            "font-size=\"11\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
            width, height, width, height);
    fputs("<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">"
          "Implementation of ",
          out);
    esc(out, s->agreement);
    fputs("</text>\n<text x=\"10\" y=\"40\">agreed on ", out);
    esc(out, s->agreed_on);
    fputs(", as of ", out);
    esc(out, s->as_of);
    fputs("; colour: status that counts (PAM 0..3), D disputed, B breached"
          "</text>\n",
          out);
    for (size_t j = 0; j < n; j++) {
        int x = LEFT + (int)j * COL_W + COL_W / 2;
        fprintf(out,
                "<text class=\"period\" x=\"%d\" y=\"%d\" "
                "text-anchor=\"middle\">",
                x, TOP - 8);
        esc(out, cols[j]);
        fputs("</text>\n", out);
    }
    if (n == 0)
        fprintf(out,
                "<text x=\"%d\" y=\"%d\">no period reported yet</text>\n",
                LEFT, TOP - 8);

    int y = TOP;
    for (size_t i = 0; i < s->n_commitments; i++, y += ROW_H) {
        const parley_commitment_status_t *c = &s->commitments[i];
        fprintf(out, "<g class=\"commitment\" id=\"c-%zu\">\n", i);
        fprintf(out, "<text x=\"10\" y=\"%d\">", y + ROW_H - 7);
        esc(out, c->owner);
        fputs(" / ", out);
        esc(out, c->id);
        if (c->overdue)
            fputs(" (overdue)", out);
        fputs("</text>\n", out);
        size_t k = 0;
        for (size_t j = 0; j < n; j++) {
            int x = LEFT + (int)j * COL_W;
            const parley_period_status_t *p = NULL;
            if (k < c->n_periods && strcmp(c->periods[k].period, cols[j]) == 0)
                p = &c->periods[k++];
            parley_pam_t e = p ? p->effective : PARLEY_PAM_NONE;
            fprintf(out,
                    "<rect class=\"cell\" x=\"%d\" y=\"%d\" width=\"%d\" "
                    "height=\"%d\" fill=\"%s\" stroke=\"#bbbbbb\">"
                    "<title>",
                    x + 1, y + 1, COL_W - 2, ROW_H - 2, pam_fill(e));
            esc(out, c->id);
            fputs(" ", out);
            esc(out, cols[j]);
            fprintf(out, ": %s</title></rect>\n",
                    p ? parley_pam_name(e) : "not reported");
            if (e == PARLEY_PAM_DISPUTED || e == PARLEY_PAM_BREACHED)
                fprintf(out,
                        "<text class=\"mark\" x=\"%d\" y=\"%d\" "
                        "text-anchor=\"middle\" font-weight=\"bold\" "
                        "fill=\"%s\">%s</text>\n",
                        x + COL_W / 2, y + ROW_H - 7,
                        e == PARLEY_PAM_BREACHED ? "#ffffff" : "#000000",
                        e == PARLEY_PAM_BREACHED ? "B" : "D");
        }
        fputs("</g>\n", out);
    }
    if (s->n_guarantees) {
        fprintf(out,
                "<text x=\"10\" y=\"%d\" font-weight=\"bold\">"
                "Guarantees</text>\n",
                y + ROW_H - 7);
        y += ROW_H;
    }
    for (size_t i = 0; i < s->n_guarantees; i++, y += ROW_H) {
        const parley_guarantee_status_t *g = &s->guarantees[i];
        long col = column_of(cols, n, g->since);
        fprintf(out, "<g class=\"guarantee\">\n<text x=\"10\" y=\"%d\">",
                y + ROW_H - 7);
        esc(out, g->id);
        fputs("</text>\n", out);
        /* Provisional up to the change, the state reached from there. */
        int x0 = LEFT, xc = LEFT + (int)(col < 0 ? 0 : col) * COL_W;
        int x1 = LEFT + (int)(n ? n : 1) * COL_W;
        int changed = g->state != PARLEY_GUARANTEE_PROVISIONAL && col >= 0;
        if (changed && xc > x0)
            fprintf(out,
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                    "fill=\"%s\"/>\n",
                    x0 + 1, y + 6, xc - x0 - 1, ROW_H - 12,
                    state_fill(PARLEY_GUARANTEE_PROVISIONAL));
        fprintf(out,
                "<rect class=\"state\" x=\"%d\" y=\"%d\" width=\"%d\" "
                "height=\"%d\" fill=\"%s\"%s><title>",
                (changed ? xc : x0) + 1, y + 4, x1 - (changed ? xc : x0) - 2,
                ROW_H - 8, state_fill(g->state),
                g->suspended ? " stroke=\"#d73027\" stroke-width=\"2\" "
                               "stroke-dasharray=\"4 2\""
                             : "");
        esc(out, g->id);
        fprintf(out, ": %s since ", parley_guarantee_state_name(g->state));
        esc(out, g->since);
        fprintf(out, "%s</title></rect>\n",
                g->suspended ? ", benefit suspended" : "");
        fprintf(out,
                "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s%s</text>\n</g>\n",
                (changed ? xc : x0) + 4, y + ROW_H - 7,
                g->state == PARLEY_GUARANTEE_INVOKED ? "#ffffff" : "#000000",
                parley_guarantee_state_name(g->state),
                g->suspended ? " (suspended)" : "");
    }
    y += 24;
    fprintf(out, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">"
                 "Consequences</text>\n",
            y);
    if (s->n_consequences == 0)
        fprintf(out, "<text x=\"10\" y=\"%d\">none</text>\n", y + 16);
    for (size_t i = 0; i < s->n_consequences; i++) {
        const parley_consequence_status_t *c = &s->consequences[i];
        fprintf(out, "<text class=\"consequence\" x=\"10\" y=\"%d\">",
                y + 16 * (int)(i + 1));
        esc(out, c->id);
        fprintf(out, ": %s on %s ", parley_consequence_kind_name(c->kind),
                c->on_guarantee ? "guarantee" : "commitment");
        esc(out, c->target);
        fprintf(out, " when %s", parley_consequence_trigger_name(c->trigger));
        if (c->applied) {
            fputs(" - applied as of ", out);
            esc(out, c->applied_as_of);
            fputs(" by ", out);
            esc(out, c->applied_by);
        } else {
            fputs(" - not applied", out);
        }
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
    parley_free(cols);
    return ferror(out) ? PARLEY_EIO : PARLEY_OK;
}
