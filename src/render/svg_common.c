/*
 * svg_common.c - the pieces every SVG picture of the library writes the
 * same way, so that labels, escaping and axes agree between pictures.
 */
#include <math.h>

#include "render/render_internal.h"

void parley__svg_text(FILE *out, const char *s, int escape_apos)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            if (escape_apos)
                fputs("&apos;", out);
            else
                fputc(c, out);
            break;
        default:
            if (c >= 0x20 || c == '\t')
                fputc(c, out);
        }
    }
}

const char *parley__svg_party_label(const parley_scenario_t *sc,
                                    const parley_model_t *m, size_t i)
{
    const parley_party_t *p = &sc->parties[parley_model_party_index(m, i)];
    return p->name && p->name[0] ? p->name : p->id;
}

double parley__svg_x(const parley__svg_box_t *b, double v)
{
    return b->x + (v - b->xlo) / (b->xhi - b->xlo) * b->w;
}

double parley__svg_y(const parley__svg_box_t *b, double v)
{
    return b->y + b->h - (v - b->ylo) / (b->yhi - b->ylo) * b->h;
}

double parley__svg_tick_step(double span, double parts)
{
    double raw = span / parts;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}
