/*
 * render_internal.h - what the SVG pictures (analysis, session, study)
 * share: text escaping, party labels, mapping data to picture coordinates
 * and the choice of axis ticks.
 */
#ifndef PARLEY_RENDER_INTERNAL_H
#define PARLEY_RENDER_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "parley/model.h"
#include "parley/scenario.h"

#define PARLEY__SVG_FONT \
    "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""

/*
 * Writes s as XML character data or attribute text: '&', '<', '>' and '"'
 * become entities, and so does '\'' when escape_apos is set.  Control
 * bytes other than tab are dropped (XML 1.0 cannot hold them); every other
 * byte, UTF-8 included, is copied.  NULL writes nothing.
 */
void parley__svg_text(FILE *out, const char *s, int escape_apos);

/*
 * The label of voting party i of model m (an index in the model's order):
 * the scenario party's name, or its id when the name is missing or empty.
 */
const char *parley__svg_party_label(const parley_scenario_t *sc,
                                    const parley_model_t *m, size_t i);

/* A plot area in picture coordinates and the data ranges it shows. */
typedef struct parley__svg_box {
    double x, y, w, h;         /* plot area, y downwards as in SVG */
    double xlo, xhi, ylo, yhi; /* data ranges */
} parley__svg_box_t;

/*
 * The picture coordinates of data value v on b's horizontal (x) or
 * vertical (y, upwards) axis.  A value outside the range maps outside the
 * area; the range must not be empty (xlo < xhi, ylo < yhi).
 */
double parley__svg_x(const parley__svg_box_t *b, double v);
double parley__svg_y(const parley__svg_box_t *b, double v);

/*
 * A tick step of 1, 2 or 5 times a power of ten, near span / parts.
 * span must be positive and finite (the callers widen empty ranges first).
 */
double parley__svg_tick_step(double span, double parts);

#endif
