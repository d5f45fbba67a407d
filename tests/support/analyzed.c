/*
 * analyzed.c - a scenario with its model and analysis (see the header).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/analyzed.h"

void analyzed_init(analyzed_t *x, parley_scenario_t *sc,
                   parley_status_t want)
{
    x->sc = sc;
    x->m = NULL;
    x->a = NULL;
    assert_non_null(sc);
    assert_int_equal(parley_model_new(sc, &x->m, NULL), PARLEY_OK);
    assert_int_equal(parley_analyze(x->m, NULL, &x->a, NULL), want);
}

void analyzed_clear(analyzed_t *x)
{
    parley_analysis_free(x->a);
    parley_model_free(x->m);
    parley_scenario_free(x->sc);
}
