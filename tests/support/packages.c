/*
 * packages.c - walking and scoring packages straight from a scenario (see
 * the header).
 */
#include "parley/model.h"
#include "support/packages.h"

double package_utility(const parley_scenario_t *sc, const parley_party_t *p,
                       const uint32_t *pkg)
{
    double u = 0;
    for (size_t k = 0; k < sc->n_issues; k++)
        u += p->weights[k] *
             parley_value_eval(&p->values[k], &sc->issues[k], pkg[k]);
    return u;
}

int package_breaks_red_line(const parley_scenario_t *sc,
                            const parley_party_t *p, const uint32_t *pkg)
{
    for (size_t r = 0; r < p->n_red_lines; r++) {
        const parley_red_line_t *rl = &p->red_lines[r];
        if (!parley_red_line_allows(&sc->issues[rl->issue], rl,
                                    pkg[rl->issue]))
            return 1;
    }
    return 0;
}

int package_next(const parley_scenario_t *sc, uint32_t *pkg)
{
    for (size_t k = sc->n_issues; k-- > 0;) {
        if (++pkg[k] < sc->issues[k].n_options)
            return 1;
        pkg[k] = 0;
    }
    return 0;
}
