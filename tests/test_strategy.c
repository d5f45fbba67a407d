/*
 * test_strategy.c - the simulated parties and the unmediated baseline.
 *
 * Strategies are driven by hand-built views, the way a session would drive
 * them, so that each rule of docs/strategies.md is checked on numbers worked
 * out by hand: who accepts what, which issues an objection names, the size
 * of each concession, when a veto is cast and when the hardliner leaves,
 * what the misreporter tells the mediator.  Random scenarios check the
 * invariants (a veto is always valid by the rules, an accepting party is
 * never below its reservation), the proposer's search against plain
 * enumeration, the offer tables against the search (bit for bit, on random
 * scenarios and on the bundled example), planned baselines against
 * searched ones, and the baseline's outcomes; GENIUS data runs the baseline
 * on a real domain.  Allocation failures are driven at every step.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/import.h"
#include "parley/model.h"
#include "parley/rules.h"
#include "parley/session.h"
#include "parley/strategy.h"
#include "strategy/strategy_internal.h"
#include "support/failing_alloc.h"
#include "support/packages.h"
#include "support/random_scenario.h"
#include "support/table_scenario.h"

/* ---- helpers ----------------------------------------------------------- */

/* The documented rule defaults, written out so the tests pin them. */
static void test_rules(parley_rules_t *r)
{
    memset(r, 0, sizeof *r);
    r->decision = PARLEY_DECIDE_UNANIMITY;
    r->veto_grounds = PARLEY_VETO_RED_LINE | PARLEY_VETO_RESERVATION;
    r->veto_window = 1;
    r->veto_budget = 2;
    r->lambda = 0.5;
    r->credit = 0.05;
    r->wg_salience = 0.15;
    r->max_step = 0.1;
    r->rounds_per_cluster = 8;
    r->max_rounds = 60;
}

/*
 * A public copy of `sc`: the same struct with a party array that keeps ids,
 * roles and power and drops every private field.  Free with public_free.
 */
static parley_scenario_t public_copy(const parley_scenario_t *sc)
{
    parley_scenario_t pub = *sc;
    pub.parties = calloc(sc->n_parties ? sc->n_parties : 1,
                         sizeof *pub.parties);
    assert_non_null(pub.parties);
    for (size_t i = 0; i < sc->n_parties; i++) {
        pub.parties[i] = sc->parties[i];
        pub.parties[i].weights = NULL;
        pub.parties[i].values = NULL;
        pub.parties[i].red_lines = NULL;
        pub.parties[i].n_red_lines = 0;
        pub.parties[i].reservation = 0;
    }
    return pub;
}

static void public_free(parley_scenario_t *pub)
{
    free(pub->parties);
}

typedef struct fixture {
    parley_scenario_t *sc;
    parley_scenario_t pub;
    parley_rules_t rules;
    unsigned conc[PARLEY_MAX_PARTIES];
    uint32_t text[PARLEY_MAX_ISSUES];
} fixture_t;

static parley_view_t make_view(fixture_t *f, size_t party, unsigned round,
                               double aspiration)
{
    parley_view_t v;
    memset(&v, 0, sizeof v);
    v.party = party;
    v.self = &f->sc->parties[party];
    v.public_scenario = &f->pub;
    v.rules = &f->rules;
    v.round = round;
    v.deadline = f->rules.max_rounds;
    v.cluster = -1;
    v.text = f->text;
    v.text_round = round;
    v.n_accept = v.n_object = v.n_veto = -1;
    v.aspiration = aspiration;
    v.concessions = f->conc;
    return v;
}

static parley_strategy_t *make(parley_strategy_kind_t kind,
                               const parley_scenario_t *sc, size_t party,
                               uint64_t seed, int exact)
{
    parley_strategy_params_t p;
    parley_strategy_params_default(kind, &p);
    if (exact)
        p.jitter = 0;
    parley_strategy_t *st = NULL;
    assert_int_equal(parley_strategy_new_with(kind, sc, party, &p, seed, &st),
                     PARLEY_OK);
    assert_non_null(st);
    return st;
}

static parley_answer_t answer(parley_strategy_t *st, const parley_view_t *v)
{
    parley_answer_t a;
    const parley_driver_t *d = parley_strategy_driver(st);
    assert_int_equal(d->answer(d->ctx, v, &a), PARLEY_OK);
    return a;
}

static double concede(parley_strategy_t *st, const parley_view_t *v)
{
    double x = NAN;
    const parley_driver_t *d = parley_strategy_driver(st);
    assert_int_equal(d->concede(d->ctx, v, &x), PARLEY_OK);
    return x;
}

static void set_text(fixture_t *f, uint32_t a, uint32_t b, uint32_t c)
{
    f->text[0] = a;
    f->text[1] = b;
    f->text[2] = c;
}

static int names_issue(const parley_answer_t *a, size_t k)
{
    for (size_t i = 0; i < a->n_issues; i++)
        if (a->issues[i] == k)
            return 1;
    return 0;
}

/*
 * Three parties, three issues of three options each; p0 and p1 pull apart,
 * p2 likes the middle.  Weighted contributions of p0 (weights 0.5, 0.3, 0.2):
 *   i0: 0.5  0.25 0      i1: 0  0.15 0.3      i2: 0.2  0  0.05
 * so I0 = 1.0.  p0 has reservation 0.2 and a red line "i1 not in {o0}".
 * Clusters: c0 = {i0, i1}, c1 = {i2}.
 */
static parley_scenario_t *hand_scenario(void)
{
    static const size_t nopt[] = {3, 3, 3};
    static const double values[] = {
        /* p0 */ 1, 0.5, 0, 0, 0.5, 1, 1, 0, 0.25,
        /* p1 */ 0, 0.5, 1, 1, 0.5, 0, 0, 1, 0.5,
        /* p2 */ 0.5, 1, 0.5, 0.5, 1, 0.5, 0.5, 1, 0.5};
    static const double reservation[] = {0.2, 0.1, 0.3};
    table_scenario_spec_t spec = {0};
    spec.n_parties = 3;
    spec.reservation = reservation;
    spec.n_issues = 3;
    spec.n_options = nopt;
    spec.values = values;
    parley_scenario_t *sc = table_scenario(&spec);
    assert_non_null(sc);
    static const double w[3][3] = {
        {0.5, 0.3, 0.2}, {0.2, 0.3, 0.5}, {0.4, 0.4, 0.2}};
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < 3; k++)
            sc->parties[i].weights[k] = w[i][k];
    parley_party_t *p0 = &sc->parties[0];
    p0->red_lines = parley_calloc(1, sizeof *p0->red_lines);
    assert_non_null(p0->red_lines);
    p0->n_red_lines = 1;
    p0->red_lines[0].issue = 1;
    p0->red_lines[0].op = PARLEY_CMP_NOT_IN;
    p0->red_lines[0].n_options = 1;
    p0->red_lines[0].options = parley_calloc(1, sizeof(size_t));
    assert_non_null(p0->red_lines[0].options);
    p0->red_lines[0].options[0] = 0;

    sc->n_clusters = 2;
    sc->clusters = parley_calloc(2, sizeof *sc->clusters);
    assert_non_null(sc->clusters);
    sc->clusters[0].id = parley_strdup("c0");
    sc->clusters[0].n_issues = 2;
    sc->clusters[0].issues = parley_calloc(2, sizeof(size_t));
    sc->clusters[1].id = parley_strdup("c1");
    sc->clusters[1].n_issues = 1;
    sc->clusters[1].issues = parley_calloc(1, sizeof(size_t));
    assert_non_null(sc->clusters[0].issues);
    assert_non_null(sc->clusters[1].issues);
    sc->clusters[0].issues[0] = 0;
    sc->clusters[0].issues[1] = 1;
    sc->clusters[1].issues[0] = 2;
    for (size_t k = 0; k < 3; k++)
        sc->issues[k].cluster = k < 2 ? 0 : 1;
    return sc;
}

static void fixture_init(fixture_t *f, parley_scenario_t *sc)
{
    memset(f, 0, sizeof *f);
    f->sc = sc;
    f->pub = public_copy(sc);
    test_rules(&f->rules);
}

static void fixture_free(fixture_t *f)
{
    public_free(&f->pub);
    parley_scenario_free(f->sc);
}

/* A deep copy of a party, the way a session pre-fills `declared`. */
static void party_copy(const parley_party_t *src, size_t K, parley_party_t *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->id = parley_strdup(src->id);
    dst->role = src->role;
    dst->power = src->power;
    dst->reservation = src->reservation;
    dst->discount = src->discount;
    dst->weights = parley_calloc(K ? K : 1, sizeof(double));
    dst->values = parley_calloc(K ? K : 1, sizeof(parley_value_fn_t));
    assert_non_null(dst->weights);
    assert_non_null(dst->values);
    for (size_t k = 0; k < K; k++) {
        dst->weights[k] = src->weights[k];
        dst->values[k] = src->values[k];
        dst->values[k].table = NULL;
        dst->values[k].xs = dst->values[k].ys = NULL;
        if (src->values[k].n_table) {
            dst->values[k].table =
                parley_calloc(src->values[k].n_table, sizeof(double));
            assert_non_null(dst->values[k].table);
            memcpy(dst->values[k].table, src->values[k].table,
                   src->values[k].n_table * sizeof(double));
        }
        if (src->values[k].n_points) {
            size_t np = src->values[k].n_points;
            dst->values[k].xs = parley_calloc(np, sizeof(double));
            dst->values[k].ys = parley_calloc(np, sizeof(double));
            assert_non_null(dst->values[k].xs);
            assert_non_null(dst->values[k].ys);
            memcpy(dst->values[k].xs, src->values[k].xs, np * sizeof(double));
            memcpy(dst->values[k].ys, src->values[k].ys, np * sizeof(double));
        }
    }
    if (src->n_red_lines) {
        dst->red_lines = parley_calloc(src->n_red_lines, sizeof *dst->red_lines);
        assert_non_null(dst->red_lines);
        dst->n_red_lines = src->n_red_lines;
        for (size_t r = 0; r < src->n_red_lines; r++) {
            dst->red_lines[r] = src->red_lines[r];
            dst->red_lines[r].note = NULL;
            dst->red_lines[r].options = NULL;
            if (src->red_lines[r].n_options) {
                size_t n = src->red_lines[r].n_options;
                dst->red_lines[r].options = parley_calloc(n, sizeof(size_t));
                assert_non_null(dst->red_lines[r].options);
                memcpy(dst->red_lines[r].options, src->red_lines[r].options,
                       n * sizeof(size_t));
            }
        }
    }
}

static void party_free(parley_party_t *p, size_t K)
{
    parley_free(p->id);
    parley_free(p->weights);
    if (p->values)
        for (size_t k = 0; k < K; k++) {
            parley_free(p->values[k].table);
            parley_free(p->values[k].xs);
            parley_free(p->values[k].ys);
        }
    parley_free(p->values);
    for (size_t r = 0; r < p->n_red_lines; r++) {
        parley_free(p->red_lines[r].options);
        parley_free(p->red_lines[r].note);
    }
    parley_free(p->red_lines);
}

/* ---- names, parameters, arguments -------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++)
        assert_int_equal(parley_strategy_from_name(
                             parley_strategy_name((parley_strategy_kind_t)k)),
                         k);
    assert_string_equal(parley_strategy_name(PARLEY_STRATEGY_TIT_FOR_TAT),
                        "tit-for-tat");
    assert_string_equal(parley_strategy_name(PARLEY_STRATEGY_COUNT),
                        "unknown");
    assert_int_equal(parley_strategy_from_name("bully"), -1);
    assert_int_equal(parley_strategy_from_name(NULL), -1);
}

static void test_params(void **state)
{
    (void)state;
    parley_scenario_t *sc = hand_scenario();
    parley_strategy_params_t def, got, got2;
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        parley_strategy_kind_t kind = (parley_strategy_kind_t)k;
        parley_strategy_params_default(kind, &def);
        /* Without jitter the parameters are the defaults, whatever the seed. */
        parley_strategy_t *a = make(kind, sc, 0, 1, 1);
        parley_strategy_t *b = make(kind, sc, 0, 99, 1);
        parley_strategy_params_get(a, &got);
        parley_strategy_params_get(b, &got2);
        def.jitter = 0;
        assert_memory_equal(&got, &def, sizeof def);
        assert_memory_equal(&got2, &def, sizeof def);
        parley_strategy_params_default(kind, &def);
        assert_int_equal(parley_strategy_kind(a), kind);
        parley_strategy_free(a);
        parley_strategy_free(b);
        /* With it: within the stated spread, equal for equal seeds. */
        a = make(kind, sc, 0, 7, 0);
        b = make(kind, sc, 0, 7, 0);
        parley_strategy_t *c = make(kind, sc, 0, 8, 0);
        parley_strategy_params_get(a, &got);
        parley_strategy_params_get(b, &got2);
        assert_memory_equal(&got, &got2, sizeof got);
        double j = def.jitter;
        assert_true(got.step >= def.step * (1 - j) &&
                    got.step <= def.step * (1 + j));
        assert_true(got.exponent >= def.exponent * (1 - j) &&
                    got.exponent <= def.exponent * (1 + j));
        assert_true(got.inflate >= def.inflate * (1 - j) &&
                    got.inflate <= def.inflate * (1 + j));
        assert_true(got.k_min == def.k_min && got.k_max == def.k_max &&
                    got.patience == def.patience);
        parley_strategy_params_get(c, &got2);
        assert_true(got.step != got2.step);
        parley_strategy_free(a);
        parley_strategy_free(b);
        parley_strategy_free(c);
    }
    parley_strategy_params_default(PARLEY_STRATEGY_BOULWARE, &def);
    assert_true(def.exponent < 1);
    parley_strategy_params_default(PARLEY_STRATEGY_CONCEDER, &def);
    assert_true(def.exponent > 1);
    parley_scenario_free(sc);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    parley_scenario_t *sc = hand_scenario();
    parley_strategy_t *st = (parley_strategy_t *)1;
    assert_int_equal(parley_strategy_new(PARLEY_STRATEGY_TRUTHFUL, sc, 0, 1,
                                         NULL),
                     PARLEY_EARG);
    assert_int_equal(parley_strategy_new(PARLEY_STRATEGY_TRUTHFUL, NULL, 0, 1,
                                         &st),
                     PARLEY_EARG);
    assert_null(st);
    assert_int_equal(parley_strategy_new(PARLEY_STRATEGY_COUNT, sc, 0, 1, &st),
                     PARLEY_EARG);
    assert_int_equal(parley_strategy_new(PARLEY_STRATEGY_TRUTHFUL, sc, 3, 1,
                                         &st),
                     PARLEY_EARG);
    parley_strategy_params_t p;
    parley_strategy_params_default(PARLEY_STRATEGY_TRUTHFUL, &p);
    p.step = 0;
    assert_int_equal(parley_strategy_new_with(PARLEY_STRATEGY_TRUTHFUL, sc, 0,
                                              &p, 1, &st),
                     PARLEY_EARG);
    parley_strategy_params_default(PARLEY_STRATEGY_TRUTHFUL, &p);
    p.jitter = 1;
    assert_int_equal(parley_strategy_new_with(PARLEY_STRATEGY_TRUTHFUL, sc, 0,
                                              &p, 1, &st),
                     PARLEY_EARG);
    parley_strategy_params_default(PARLEY_STRATEGY_HARDLINER, &p);
    p.k_min = 0.8;
    p.k_max = 0.5;
    assert_int_equal(parley_strategy_new_with(PARLEY_STRATEGY_HARDLINER, sc, 0,
                                              &p, 1, &st),
                     PARLEY_EARG);
    /* A guarantor does not vote, so it has no strategy. */
    sc->parties[2].role = PARLEY_ROLE_GUARANTOR;
    assert_int_equal(parley_strategy_new(PARLEY_STRATEGY_TRUTHFUL, sc, 2, 1,
                                         &st),
                     PARLEY_EARG);
    sc->parties[2].role = PARLEY_ROLE_PARTY;
    /* A stripped profile cannot drive a party. */
    parley_scenario_t pub = public_copy(sc);
    assert_int_equal(parley_strategy_new(PARLEY_STRATEGY_TRUTHFUL, &pub, 0, 1,
                                         &st),
                     PARLEY_EINVALID);
    public_free(&pub);
    assert_null(parley_strategy_driver(NULL));
    parley_strategy_free(NULL);

    /* Driver callbacks refuse what they cannot answer. */
    fixture_t f;
    fixture_init(&f, sc);
    st = make(PARLEY_STRATEGY_TRUTHFUL, sc, 0, 1, 1);
    const parley_driver_t *d = parley_strategy_driver(st);
    parley_view_t v = make_view(&f, 0, 1, 0.5);
    parley_answer_t a;
    v.text = NULL;
    assert_int_equal(d->answer(d->ctx, &v, &a), PARLEY_EARG);
    v = make_view(&f, 0, 1, 0.5);
    f.text[1] = 3; /* beyond the issue's options */
    assert_int_equal(d->answer(d->ctx, &v, &a), PARLEY_EARG);
    assert_int_equal(d->answer(d->ctx, &v, NULL), PARLEY_EARG);
    assert_int_equal(d->concede(d->ctx, &v, NULL), PARLEY_EARG);
    assert_int_equal(d->concern(d->ctx, &v, NULL, 4), PARLEY_EARG);
    assert_int_equal(d->concern(d->ctx, &v, NULL, 0), PARLEY_OK);
    assert_int_equal(d->disclose(d->ctx, &v, NULL), PARLEY_EARG);
    parley_strategy_free(st);
    fixture_free(&f);
}

/* ---- the profile a strategy compiles ----------------------------------- */

/*
 * On random scenarios: the strategy's utility equals the model's bit for
 * bit, and I equals the best utility over packages its own red lines allow,
 * by enumeration.
 */
static void test_profile_random(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.max_packages = 400;
    rp.red_line_rate = 0.3;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        parley_scenario_t *sc = random_scenario(seed, &rp);
        assert_non_null(sc);
        for (size_t i = 0; i < sc->n_parties; i++) {
            if (sc->parties[i].role != PARLEY_ROLE_PARTY)
                continue;
            const parley_party_t *pa = &sc->parties[i];
            parley_strategy_t *st = make(PARLEY_STRATEGY_TRUTHFUL, sc, i,
                                         seed, 0);
            uint32_t pkg[PARLEY_MAX_ISSUES] = {0};
            double best = -INFINITY;
            int any = 0;
            do {
                double u = parley__strategy_utility(st, pkg);
                assert_true(u == package_utility(sc, pa, pkg));
                if (!package_breaks_red_line(sc, pa, pkg)) {
                    any = 1;
                    if (u > best)
                        best = u;
                }
            } while (package_next(sc, pkg));
            /* A party whose own red lines clash has no such package. */
            if (any)
                assert_true(fabs(st->best - best) < 1e-12);
            parley_strategy_free(st);
        }
        parley_scenario_free(sc);
    }
}

/* ---- truthful ---------------------------------------------------------- */

static void test_truthful_answers(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, hand_scenario());
    parley_strategy_t *st = make(PARLEY_STRATEGY_TRUTHFUL, f.sc, 0, 1, 1);
    assert_true(fabs(st->best - 1.0) < 1e-15);

    /* Its best package: accepted at any aspiration. */
    set_text(&f, 0, 2, 0);
    parley_view_t v = make_view(&f, 0, 1, 1.0);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_ACCEPT);

    /* (1,1,1): u = 0.25 + 0.15 + 0 = 0.4. */
    set_text(&f, 1, 1, 1);
    v = make_view(&f, 0, 1, 0.39);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_ACCEPT);
    v = make_view(&f, 0, 1, 0.7);
    parley_answer_t a = answer(st, &v);
    /* Gap 0.3; gains i0 0.25, i2 0.2, i1 0.15: i0 and i2 close it. */
    assert_int_equal(a.kind, PARLEY_ANSWER_OBJECT);
    assert_int_equal(a.n_issues, 2);
    assert_int_equal(a.issues[0], 0);
    assert_int_equal(a.issues[1], 2);
    /* Gap 0.2: i0 alone. */
    v = make_view(&f, 0, 1, 0.6);
    a = answer(st, &v);
    assert_int_equal(a.n_issues, 1);
    assert_int_equal(a.issues[0], 0);
    /* Open cluster c0 = {i0, i1}, gap 0.3: i0 then i1. */
    v = make_view(&f, 0, 1, 0.7);
    v.cluster = 0;
    a = answer(st, &v);
    assert_int_equal(a.n_issues, 2);
    assert_int_equal(a.issues[0], 0);
    assert_int_equal(a.issues[1], 1);
    /* Open cluster c1 = {i2}: its gain 0.2 does not close 0.3, named alone. */
    v.cluster = 1;
    a = answer(st, &v);
    assert_int_equal(a.n_issues, 1);
    assert_int_equal(a.issues[0], 2);
    /* Open issues, when the view lists them, rule over the cluster. */
    static const size_t open12[] = {1, 2};
    v.cluster = 0;
    v.open_issues = open12;
    v.n_open = 2;
    a = answer(st, &v);
    assert_int_equal(a.n_issues, 2);
    assert_int_equal(a.issues[0], 2);
    assert_int_equal(a.issues[1], 1);
    v.open_issues = NULL;
    v.n_open = 0;
    /* Nothing to gain in the open cluster: the whole text is looked at. */
    set_text(&f, 1, 1, 0);
    v = make_view(&f, 0, 1, 0.9);
    v.cluster = 1;
    a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_OBJECT);
    assert_int_equal(a.n_issues, 2);
    assert_true(names_issue(&a, 0) && names_issue(&a, 1));

    /* A guarantee bonus counts: 0.4 + 0.15 >= 0.5. */
    set_text(&f, 1, 1, 1);
    v = make_view(&f, 0, 1, 0.5);
    v.guarantee_bonus = 0.15;
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_ACCEPT);

    /* The aspiration is never taken below the reservation (0.2): a text
     * at 0.15 is refused even when the view records 0. */
    set_text(&f, 2, 1, 1);
    v = make_view(&f, 0, 1, 0.0);
    v.pilot = 1;
    a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_OBJECT);
    /* A non-finite recorded aspiration counts as I. */
    set_text(&f, 0, 1, 0);
    v = make_view(&f, 0, 1, NAN);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_OBJECT);
    assert_true(parley__strategy_aspiration(st, &v) == st->best);

    /* Truthful sends no concern. */
    char buf[200] = "x";
    const parley_driver_t *d = parley_strategy_driver(st);
    assert_int_equal(d->concern(d->ctx, &v, buf, sizeof buf), PARLEY_OK);
    assert_string_equal(buf, "");
    parley_strategy_free(st);
    fixture_free(&f);
}

static void test_truthful_vetoes(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, hand_scenario());
    parley_strategy_t *st = make(PARLEY_STRATEGY_TRUTHFUL, f.sc, 0, 1, 1);

    /* Breaks its red line on i1 (option 0), though u = 0.5 + 0 + 0.2. */
    set_text(&f, 0, 0, 0);
    parley_view_t v = make_view(&f, 0, 4, 0.3);
    v.pilot = 1; /* a straw poll is never vetoed */
    parley_answer_t a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_OBJECT);
    assert_true(names_issue(&a, 1));
    v.pilot = 0;
    v.text_round = 3; /* window 1: too late */
    a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_OBJECT);
    assert_int_equal(a.issues[0], 1);
    v.text_round = 4;
    a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_VETO);
    assert_int_equal(a.ground, PARLEY_VETO_RED_LINE);
    assert_int_equal(a.text_round, 4);
    assert_non_null(strstr(a.reason, "i1"));

    /* Below its reservation: (2,1,1) gives 0.15 < 0.2. */
    set_text(&f, 2, 1, 1);
    f.rules.veto_grounds = PARLEY_VETO_RED_LINE;
    v = make_view(&f, 0, 5, 0.3);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_OBJECT);
    f.rules.veto_grounds = PARLEY_VETO_RED_LINE | PARLEY_VETO_RESERVATION;
    a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_VETO);
    assert_int_equal(a.ground, PARLEY_VETO_RESERVATION);
    /* A bonus that lifts it to its reservation removes the ground. */
    v.guarantee_bonus = 0.1;
    f.rules.veto_budget = 5;
    a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_OBJECT);
    f.rules.veto_budget = 2;
    /* Budget of 2 spent: a third ground only earns an objection. */
    v.guarantee_bonus = 0;
    a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_OBJECT);
    /* Below aspiration but above reservation is never a veto ground. */
    parley_strategy_free(st);
    st = make(PARLEY_STRATEGY_TRUTHFUL, f.sc, 0, 1, 1);
    set_text(&f, 1, 1, 1);
    v = make_view(&f, 0, 1, 0.9);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_OBJECT);
    /* No rules in the view: no veto at all. */
    set_text(&f, 0, 0, 0);
    v.rules = NULL;
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_OBJECT);
    parley_strategy_free(st);
    fixture_free(&f);
}

static void test_truthful_concedes(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, hand_scenario());
    parley_strategy_t *st = make(PARLEY_STRATEGY_TRUTHFUL, f.sc, 0, 1, 1);
    /* 0.15 of the gap to r = 0.2 per ask. */
    parley_view_t v = make_view(&f, 0, 1, 0.8);
    assert_true(fabs(concede(st, &v) - 0.71) < 1e-12);
    double a = 1.0;
    for (int t = 1; t <= 200; t++) {
        v = make_view(&f, 0, (unsigned)t, a);
        double b = concede(st, &v);
        assert_true(b <= a && b >= 0.2);
        assert_true(fabs((a - b) - 0.15 * (a - 0.2)) < 1e-12);
        a = b;
    }
    assert_true(a - 0.2 < 1e-9);
    /* Never above the recorded aspiration, even one below its floor. */
    v = make_view(&f, 0, 1, 0.1);
    assert_true(concede(st, &v) <= 0.1);
    parley_strategy_free(st);
    fixture_free(&f);
}

/*
 * Every strategy on random scenarios and random views: each veto is valid
 * by the rules (ground allowed, inside the window, within the budget, not on
 * a pilot, and true of the declared profile), each acceptance leaves the
 * party at or above its true reservation with its true red lines kept, and
 * each concession stays between the floor and the recorded aspiration.
 */
static void test_vetoes_always_valid(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.max_packages = 2000;
    rp.red_line_rate = 0.3;
    rp.reservation_rate = 0.6;
    size_t vetoes = 0, accepts = 0, objects = 0;
    for (uint64_t seed = 1; seed <= 80; seed++) {
        parley_scenario_t *sc = random_scenario(seed, &rp);
        assert_non_null(sc);
        fixture_t f;
        fixture_init(&f, sc);
        size_t K = sc->n_issues;
        uint64_t rs = seed * 7919;
        for (size_t i = 0; i < sc->n_parties; i++) {
            if (sc->parties[i].role != PARLEY_ROLE_PARTY)
                continue;
            for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
                parley_strategy_kind_t kind = (parley_strategy_kind_t)k;
                parley_strategy_t *st = make(kind, sc, i, seed, 0);
                const parley_driver_t *d = parley_strategy_driver(st);
                parley_party_t declared;
                party_copy(&sc->parties[i], K, &declared);
                parley_view_t v0 = make_view(&f, i, 1, 1.0);
                assert_int_equal(d->disclose(d->ctx, &v0, &declared),
                                 PARLEY_OK);
                test_rules(&f.rules);
                f.rules.veto_grounds = (unsigned)random_range(&rs, 0, 3);
                f.rules.veto_window = (unsigned)random_range(&rs, 1, 3);
                f.rules.veto_budget = (unsigned)random_range(&rs, 0, 3);
                f.rules.max_rounds = (unsigned)random_range(&rs, 1, 12);
                unsigned cast = 0;
                double asp = 2.0;
                for (unsigned t = 1; t <= 14; t++) {
                    for (size_t q = 0; q < K; q++)
                        f.text[q] = (uint32_t)random_range(
                            &rs, 0, sc->issues[q].n_options - 1);
                    parley_view_t v = make_view(&f, i, t, asp);
                    v.text_round = t - (unsigned)random_range(&rs, 0, t > 2 ? 2 : t - 1);
                    v.pilot = random_unit(&rs) < 0.2;
                    v.guarantee_bonus = random_unit(&rs) < 0.2 ? 0.1 : 0;
                    v.cluster = sc->n_clusters ? 0 : -1;
                    parley_answer_t a = answer(st, &v);
                    double u = package_utility(sc, &sc->parties[i], f.text);
                    switch (a.kind) {
                    case PARLEY_ANSWER_VETO:
                        vetoes++;
                        assert_false(v.pilot);
                        assert_true(f.rules.veto_grounds & a.ground);
                        assert_true(t >= v.text_round &&
                                    t - v.text_round < f.rules.veto_window);
                        assert_true(cast < f.rules.veto_budget);
                        assert_int_equal(a.text_round, v.text_round);
                        cast++;
                        if (a.ground == PARLEY_VETO_RED_LINE)
                            assert_true(package_breaks_red_line(sc, &declared, f.text));
                        else
                            assert_true(a.ground == PARLEY_VETO_RESERVATION &&
                                        u + v.guarantee_bonus <
                                            declared.reservation - 1e-9);
                        break;
                    case PARLEY_ANSWER_ACCEPT:
                        accepts++;
                        assert_false(package_breaks_red_line(sc, &sc->parties[i],
                                                     f.text));
                        assert_false(package_breaks_red_line(sc, &declared, f.text));
                        assert_true(u + v.guarantee_bonus >=
                                    sc->parties[i].reservation);
                        break;
                    case PARLEY_ANSWER_OBJECT:
                        objects++;
                        /* Naming nothing means no change could help: the
                         * text is already its best (its demand is out of
                         * reach of any package). */
                        if (a.n_issues == 0)
                            assert_true(u >= st->best - 1e-12);
                        for (size_t q = 0; q < a.n_issues; q++)
                            assert_true(a.issues[q] < K);
                        break;
                    case PARLEY_ANSWER_WALKOUT:
                        assert_int_equal(kind, PARLEY_STRATEGY_HARDLINER);
                        assert_false(v.pilot);
                        break;
                    }
                    double next = concede(st, &v);
                    double floor = parley__strategy_target(st, &v);
                    assert_true(next <= asp);
                    assert_true(next >= floor || next == asp);
                    asp = next;
                }
                party_free(&declared, K);
                parley_strategy_free(st);
            }
        }
        fixture_free(&f);
    }
    print_message("answers: %zu vetoes, %zu accepts, %zu objections\n",
                  vetoes, accepts, objects);
    /* The loop exercised every kind of answer. */
    assert_true(vetoes > 50 && accepts > 50 && objects > 50);
}

/* ---- time-dependent ---------------------------------------------------- */

static void test_boulware_conceder(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, hand_scenario());
    f.rules.max_rounds = 10;
    parley_strategy_t *bw = make(PARLEY_STRATEGY_BOULWARE, f.sc, 0, 1, 1);
    parley_strategy_t *cd = make(PARLEY_STRATEGY_CONCEDER, f.sc, 0, 1, 1);
    /* a(t) = 0.2 + 0.8 (1 - (t/10)^(1/e)) with I = 1, r = 0.2. */
    assert_true(fabs(parley__strategy_timed(bw, 5, 10) - 0.975) < 1e-12);
    assert_true(fabs(parley__strategy_timed(cd, 5, 10) - 0.434314575050762) <
                1e-12);
    assert_true(fabs(parley__strategy_timed(bw, 0, 10) - 1.0) < 1e-15);
    assert_true(fabs(parley__strategy_timed(cd, 0, 10) - 1.0) < 1e-15);
    assert_true(parley__strategy_timed(bw, 10, 10) == 0.2);
    assert_true(parley__strategy_timed(cd, 12, 10) == 0.2);
    for (unsigned t = 1; t < 10; t++) {
        double b = parley__strategy_timed(bw, t, 10);
        double c = parley__strategy_timed(cd, t, 10);
        assert_true(b > c);
        assert_true(b <= parley__strategy_timed(bw, t - 1, 10));
        assert_true(c <= parley__strategy_timed(cd, t - 1, 10));
    }
    /* The recorded aspiration does not matter: they answer against a(t).
     * (1,1,1) is worth 0.4: at round 6 the conceder wants
     * 0.2 + 0.8 (1 - 0.6^0.5) = 0.3803, the boulware 0.9378. */
    set_text(&f, 1, 1, 1);
    parley_view_t v = make_view(&f, 0, 6, 1.0);
    assert_int_equal(answer(cd, &v).kind, PARLEY_ANSWER_ACCEPT);
    assert_int_equal(answer(bw, &v).kind, PARLEY_ANSWER_OBJECT);
    v = make_view(&f, 0, 6, 0.2);
    assert_int_equal(answer(bw, &v).kind, PARLEY_ANSWER_OBJECT);
    /* Early concessions: the boulware gives up far less than the conceder. */
    v = make_view(&f, 0, 1, 1.0);
    double b1 = concede(bw, &v), c1 = concede(cd, &v);
    assert_true(fabs(b1 - parley__strategy_timed(bw, 2, 10)) < 1e-15);
    assert_true(fabs(c1 - parley__strategy_timed(cd, 2, 10)) < 1e-15);
    assert_true(1.0 - b1 < 0.01);
    assert_true(1.0 - c1 > 0.3);
    /* At the deadline both are down to the reservation. */
    v = make_view(&f, 0, 10, 1.0);
    assert_true(concede(bw, &v) == 0.2);
    assert_true(parley__strategy_aspiration(bw, &v) == 0.2);
    parley_strategy_free(bw);
    parley_strategy_free(cd);
    fixture_free(&f);
}

/* ---- tit-for-tat ------------------------------------------------------- */

static void test_tit_for_tat(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, hand_scenario());
    parley_strategy_t *st = make(PARLEY_STRATEGY_TIT_FOR_TAT, f.sc, 0, 1, 1);
    /* Nobody has conceded: one opening step of 0.05 * (1 - 0.2). */
    parley_view_t v = make_view(&f, 0, 1, 1.0);
    assert_true(fabs(concede(st, &v) - 0.96) < 1e-12);
    /* Still nobody: it waits. */
    v = make_view(&f, 0, 2, 0.96);
    assert_true(concede(st, &v) == 0.96);
    /* Its own count does not count. */
    f.conc[0] = 1;
    assert_true(concede(st, &v) == 0.96);
    /* One of the two others conceded: half of 0.1 * 0.8. */
    f.conc[1] = 1;
    v = make_view(&f, 0, 3, 0.96);
    assert_true(fabs(concede(st, &v) - 0.92) < 1e-12);
    /* Both did: the full 0.08. */
    f.conc[1] = 2;
    f.conc[2] = 1;
    v = make_view(&f, 0, 4, 0.92);
    assert_true(fabs(concede(st, &v) - 0.84) < 1e-12);
    /* Asked again with no news: nothing. */
    assert_true(concede(st, &v) == 0.92);
    parley_strategy_free(st);

    /* Others moved before its first ask: it matches, no opening step. */
    memset(f.conc, 0, sizeof f.conc);
    st = make(PARLEY_STRATEGY_TIT_FOR_TAT, f.sc, 0, 1, 1);
    f.conc[1] = 1;
    v = make_view(&f, 0, 1, 1.0);
    assert_true(fabs(concede(st, &v) - 0.96) < 1e-12);
    v = make_view(&f, 0, 2, 0.96);
    assert_true(concede(st, &v) == 0.96);
    /* A non-voting party's concessions do not count. */
    f.sc->parties[2].role = PARLEY_ROLE_OBSERVER;
    f.pub.parties[2].role = PARLEY_ROLE_OBSERVER;
    f.conc[2] = 5;
    assert_true(concede(st, &v) == 0.96);
    f.conc[1] = 2;
    /* Now the only other voter conceded: the full step. */
    assert_true(fabs(concede(st, &v) - 0.88) < 1e-12);
    /* Floor: the reservation. */
    v = make_view(&f, 0, 9, 0.21);
    f.conc[1] = 3;
    assert_true(concede(st, &v) == 0.2);
    /* Without counts in the view it only ever opens. */
    parley_strategy_free(st);
    st = make(PARLEY_STRATEGY_TIT_FOR_TAT, f.sc, 0, 1, 1);
    v = make_view(&f, 0, 1, 1.0);
    v.concessions = NULL;
    assert_true(fabs(concede(st, &v) - 0.96) < 1e-12);
    v.aspiration = 0.96;
    assert_true(concede(st, &v) == 0.96);
    parley_strategy_free(st);
    fixture_free(&f);
}

/* ---- hardliner --------------------------------------------------------- */

static void test_hardliner_target(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, hand_scenario());
    parley_strategy_t *st = make(PARLEY_STRATEGY_HARDLINER, f.sc, 0, 1, 1);
    static const double power[] = {0.5, 1, 2, 4, 10, 100};
    double prev = -1;
    for (size_t n = 0; n < sizeof power / sizeof *power; n++) {
        f.pub.parties[0].power = power[n];
        parley_view_t v = make_view(&f, 0, 1, 1.0);
        double s = power[n] / (power[n] + 2);
        double want = 0.2 + 0.8 * (0.3 + 0.6 * s);
        double got = parley__strategy_target(st, &v);
        assert_true(fabs(got - want) < 1e-12);
        assert_true(got > prev);
        prev = got;
        /* It never answers below its target, whatever the view records. */
        v.aspiration = 0.1;
        assert_true(parley__strategy_aspiration(st, &v) == got);
        /* The threat names the target. */
        char buf[256];
        const parley_driver_t *d = parley_strategy_driver(st);
        assert_int_equal(d->concern(d->ctx, &v, buf, sizeof buf), PARLEY_OK);
        char num[32];
        snprintf(num, sizeof num, "%.4f", got);
        assert_non_null(strstr(buf, "walk out"));
        assert_non_null(strstr(buf, num));
        /* A short buffer is cut, not overrun. */
        char tiny[8];
        assert_int_equal(d->concern(d->ctx, &v, tiny, sizeof tiny), PARLEY_OK);
        assert_int_equal(strlen(tiny), 7);
    }
    /* Non-voting parties' power does not count in its share. */
    f.pub.parties[0].power = 1;
    f.pub.parties[2].role = PARLEY_ROLE_GUARANTOR;
    parley_view_t v = make_view(&f, 0, 1, 1.0);
    assert_true(fabs(parley__strategy_target(st, &v) - (0.2 + 0.8 * 0.6)) <
                1e-12);
    f.pub.parties[2].role = PARLEY_ROLE_PARTY;
    /* Concedes little: 0.05 of the gap to its target (0.6 at equal power). */
    v = make_view(&f, 0, 1, 1.0);
    assert_true(fabs(concede(st, &v) - 0.98) < 1e-12);
    v.aspiration = 0.6;
    assert_true(concede(st, &v) == 0.6);
    parley_strategy_free(st);
    fixture_free(&f);
}

static void test_hardliner_walks_out(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, hand_scenario());
    parley_strategy_t *st = make(PARLEY_STRATEGY_HARDLINER, f.sc, 0, 1, 1);
    /* Target 0.6; (1,1,1) is worth 0.4; (0,1,1) 0.65; (0,2,0) 1.0. */
    set_text(&f, 1, 1, 1);
    for (unsigned t = 1; t <= 3; t++) {
        parley_view_t v = make_view(&f, 0, t, 0.9);
        assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_OBJECT);
        /* Asked twice in one round counts once. */
        assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_OBJECT);
        /* A pilot neither counts nor triggers. */
        v.pilot = 1;
        assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_OBJECT);
    }
    parley_view_t v = make_view(&f, 0, 4, 0.9);
    parley_answer_t a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_WALKOUT);
    parley_strategy_free(st);

    /* A text at its target resets the count. */
    st = make(PARLEY_STRATEGY_HARDLINER, f.sc, 0, 1, 1);
    for (unsigned t = 1; t <= 8; t++) {
        if (t % 3 == 0)
            set_text(&f, 0, 1, 1);
        else
            set_text(&f, 1, 1, 1);
        v = make_view(&f, 0, t, 0.9);
        assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_OBJECT);
    }
    /* Its best text is accepted. */
    set_text(&f, 0, 2, 0);
    v = make_view(&f, 0, 9, 0.9);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_ACCEPT);
    parley_strategy_free(st);

    /* At the deadline it leaves at once. */
    st = make(PARLEY_STRATEGY_HARDLINER, f.sc, 0, 1, 1);
    set_text(&f, 1, 1, 1);
    v = make_view(&f, 0, 60, 0.9);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_WALKOUT);
    parley_strategy_free(st);

    /* Patience 0: the first text below target. */
    parley_strategy_params_t p;
    parley_strategy_params_default(PARLEY_STRATEGY_HARDLINER, &p);
    p.patience = 0;
    assert_int_equal(parley_strategy_new_with(PARLEY_STRATEGY_HARDLINER, f.sc,
                                              0, &p, 3, &st),
                     PARLEY_OK);
    v = make_view(&f, 0, 1, 0.9);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_WALKOUT);
    parley_strategy_free(st);

    /* A stronger hardliner has a higher target: (0,1,1) at 0.65 meets the
     * equal-power target 0.6 but not the one at power 10 (0.84). */
    set_text(&f, 0, 1, 1);
    p.patience = 0;
    assert_int_equal(parley_strategy_new_with(PARLEY_STRATEGY_HARDLINER, f.sc,
                                              0, &p, 3, &st),
                     PARLEY_OK);
    v = make_view(&f, 0, 1, 0.6);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_ACCEPT);
    f.pub.parties[0].power = 10;
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_WALKOUT);
    parley_strategy_free(st);
    fixture_free(&f);
}

/* ---- misreporter ------------------------------------------------------- */

static void test_misreporter_disclosure(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f, hand_scenario());
    parley_view_t v = make_view(&f, 0, 1, 1.0);

    /* Everyone else tells the truth. */
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        if (k == PARLEY_STRATEGY_MISREPORTER)
            continue;
        parley_strategy_t *st = make((parley_strategy_kind_t)k, f.sc, 0, 1, 0);
        const parley_driver_t *d = parley_strategy_driver(st);
        parley_party_t dec;
        party_copy(&f.sc->parties[0], 3, &dec);
        assert_int_equal(d->disclose(d->ctx, &v, &dec), PARLEY_OK);
        assert_true(dec.reservation == 0.2);
        assert_int_equal(dec.n_red_lines, 1);
        party_free(&dec, 3);
        parley_strategy_free(st);
    }

    /* Reservation 0.2 + 0.3 * (1 - 0.2) = 0.44; one fake red line
     * (ceil(0.25 * 3)) on i0, its heaviest issue, against option 2. */
    parley_strategy_t *st = make(PARLEY_STRATEGY_MISREPORTER, f.sc, 0, 1, 1);
    const parley_driver_t *d = parley_strategy_driver(st);
    parley_party_t dec;
    party_copy(&f.sc->parties[0], 3, &dec);
    assert_int_equal(d->disclose(d->ctx, &v, &dec), PARLEY_OK);
    assert_true(fabs(dec.reservation - 0.44) < 1e-12);
    assert_int_equal(dec.n_red_lines, 2);
    assert_int_equal(dec.red_lines[0].issue, 1); /* its true one, kept */
    assert_int_equal(dec.red_lines[1].issue, 0);
    assert_int_equal(dec.red_lines[1].op, PARLEY_CMP_NOT_IN);
    assert_int_equal(dec.red_lines[1].n_options, 1);
    assert_int_equal(dec.red_lines[1].options[0], 2);
    assert_true(dec.weights[0] == 0.5 && dec.weights[1] == 0.3);
    party_free(&dec, 3);

    /* (2,2,0): u = 0 + 0.3 + 0.2 = 0.5.  The truthful party accepts at
     * aspiration 0.45; the misreporter vetoes on its fake red line, a veto
     * the rules must accept, since it breaks a declared red line. */
    set_text(&f, 2, 2, 0);
    parley_strategy_t *tr = make(PARLEY_STRATEGY_TRUTHFUL, f.sc, 0, 1, 1);
    v = make_view(&f, 0, 1, 0.45);
    assert_int_equal(answer(tr, &v).kind, PARLEY_ANSWER_ACCEPT);
    parley_answer_t a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_VETO);
    assert_int_equal(a.ground, PARLEY_VETO_RED_LINE);
    /* Otherwise it answers on its true profile: (0,1,1) = 0.65 is accepted
     * at 0.45 although a reservation veto ground existed below 0.44. */
    set_text(&f, 0, 1, 1);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_ACCEPT);
    /* (1,1,1) = 0.4: above its true reservation, below the declared 0.44,
     * and below its aspiration: a valid veto on the inflated reservation. */
    set_text(&f, 1, 1, 1);
    a = answer(st, &v);
    assert_int_equal(a.kind, PARLEY_ANSWER_VETO);
    assert_int_equal(a.ground, PARLEY_VETO_RESERVATION);
    /* It concedes toward its true reservation, like the truthful party. */
    v = make_view(&f, 0, 1, 0.8);
    assert_true(fabs(concede(st, &v) - 0.71) < 1e-12);
    v = make_view(&f, 0, 1, 0.3);
    assert_true(fabs(parley__strategy_aspiration(st, &v) - 0.3) < 1e-15);
    parley_strategy_free(tr);
    parley_strategy_free(st);

    /* fake_share 1: every issue, heaviest first, worst allowed option:
     * i0 -> 2; i1 (option 0 truly out) -> 1; i2 -> 1. */
    parley_strategy_params_t p;
    parley_strategy_params_default(PARLEY_STRATEGY_MISREPORTER, &p);
    p.fake_share = 1;
    p.jitter = 0;
    assert_int_equal(parley_strategy_new_with(PARLEY_STRATEGY_MISREPORTER,
                                              f.sc, 0, &p, 1, &st),
                     PARLEY_OK);
    d = parley_strategy_driver(st);
    party_copy(&f.sc->parties[0], 3, &dec);
    assert_int_equal(d->disclose(d->ctx, &v, &dec), PARLEY_OK);
    assert_int_equal(dec.n_red_lines, 4);
    static const size_t want_issue[] = {0, 1, 2}, want_opt[] = {2, 1, 1};
    for (size_t r = 0; r < 3; r++) {
        assert_int_equal(dec.red_lines[1 + r].issue, want_issue[r]);
        assert_int_equal(dec.red_lines[1 + r].options[0], want_opt[r]);
    }
    /* Its declared best is still its true best: no issue is emptied. */
    set_text(&f, 0, 2, 0);
    v = make_view(&f, 0, 1, 1.0);
    assert_int_equal(answer(st, &v).kind, PARLEY_ANSWER_ACCEPT);
    party_free(&dec, 3);
    parley_strategy_free(st);
    fixture_free(&f);
}

/*
 * On numeric issues the fake red line is "!= number of the worst option",
 * the operator such issues take; the declared profile passes the checks a
 * scenario (and so a session) applies, and excludes exactly that option.
 */
static void test_misreporter_numeric(void **state)
{
    (void)state;
    parley_scenario_t *sc = hand_scenario();
    /* Turn i1 into an integer issue 10..12 and i2 into a real one
     * 0..0.5 step 0.25, valued linearly. */
    parley_issue_t *i1 = &sc->issues[1], *i2 = &sc->issues[2];
    for (size_t j = 0; j < 3; j++) {
        parley_free(i1->options[j]);
        parley_free(i2->options[j]);
    }
    parley_free(i1->options);
    parley_free(i2->options);
    i1->options = i2->options = NULL;
    i1->kind = PARLEY_ISSUE_INTEGER;
    i1->min = 10;
    i1->max = 12;
    i1->resolution = 1;
    i2->kind = PARLEY_ISSUE_REAL;
    i2->min = 0;
    i2->max = 0.5;
    i2->resolution = 0.25;
    for (size_t i = 0; i < 3; i++) {
        parley_party_t *pa = &sc->parties[i];
        for (size_t k = 1; k < 3; k++) {
            parley_value_fn_t *fn = &pa->values[k];
            parley_free(fn->table);
            memset(fn, 0, sizeof *fn);
            fn->kind = PARLEY_VALUE_LINEAR;
            fn->origin = sc->issues[k].min;
            fn->offset = i == 0 ? 0 : 1;
            fn->slope = (i == 0 ? 1 : -1) /
                        (sc->issues[k].max - sc->issues[k].min);
        }
    }
    /* p0's true red line: i1 >= 11. */
    parley_red_line_t *rl = &sc->parties[0].red_lines[0];
    parley_free(rl->options);
    rl->options = NULL;
    rl->n_options = 0;
    rl->op = PARLEY_CMP_GE;
    rl->value = 11;
    assert_int_equal(parley_scenario_check(sc, "numeric", NULL), PARLEY_OK);

    parley_strategy_params_t p;
    parley_strategy_params_default(PARLEY_STRATEGY_MISREPORTER, &p);
    p.fake_share = 1;
    parley_strategy_t *st = NULL;
    assert_int_equal(parley_strategy_new_with(PARLEY_STRATEGY_MISREPORTER, sc,
                                              0, &p, 4, &st),
                     PARLEY_OK);
    const parley_driver_t *d = parley_strategy_driver(st);
    parley_party_t dec;
    party_copy(&sc->parties[0], 3, &dec);
    assert_int_equal(d->disclose(d->ctx, NULL, &dec), PARLEY_OK);
    assert_int_equal(dec.n_red_lines, 4);
    /* i0 (weight 0.5): option 2; i1 (0.3): 11, its worst allowed (10 is
     * truly out); i2 (0.2): 0, its worst. */
    assert_int_equal(dec.red_lines[1].issue, 0);
    assert_int_equal(dec.red_lines[1].op, PARLEY_CMP_NOT_IN);
    assert_int_equal(dec.red_lines[2].issue, 1);
    assert_int_equal(dec.red_lines[2].op, PARLEY_CMP_NE);
    assert_true(dec.red_lines[2].value == 11);
    assert_int_equal(dec.red_lines[3].issue, 2);
    assert_int_equal(dec.red_lines[3].op, PARLEY_CMP_NE);
    assert_true(dec.red_lines[3].value == 0);
    for (size_t r = 2; r < 4; r++) {
        const parley_issue_t *is = &sc->issues[dec.red_lines[r].issue];
        size_t out = r == 2 ? 1 : 0;
        for (size_t j = 0; j < is->n_options; j++)
            assert_int_equal(parley_red_line_allows(is, &dec.red_lines[r], j),
                             j != out);
    }
    /* The scenario with the declared profile in place still checks. */
    parley_party_t truth = sc->parties[0];
    sc->parties[0] = dec;
    assert_int_equal(parley_scenario_check(sc, "declared", NULL), PARLEY_OK);
    sc->parties[0] = truth;
    party_free(&dec, 3);
    parley_strategy_free(st);
    parley_scenario_free(sc);
}

/* ---- determinism ------------------------------------------------------- */

/* A scripted run; everything the strategy says goes into a transcript. */
static void script(parley_strategy_kind_t kind, const parley_scenario_t *sc,
                   uint64_t seed, double *log, size_t n)
{
    fixture_t f;
    memset(&f, 0, sizeof f);
    f.sc = (parley_scenario_t *)sc;
    f.pub = public_copy(sc);
    test_rules(&f.rules);
    f.rules.max_rounds = (unsigned)(n / 2);
    parley_strategy_t *st = make(kind, sc, 0, seed, 0);
    uint64_t rs = 5;
    double asp = 10;
    for (size_t t = 0; t + 1 < n; t += 2) {
        for (size_t k = 0; k < sc->n_issues; k++)
            f.text[k] = (uint32_t)random_range(&rs, 0,
                                               sc->issues[k].n_options - 1);
        f.conc[1] += (unsigned)(t % 3 == 0);
        parley_view_t v = make_view(&f, 0, (unsigned)(t / 2 + 1), asp);
        parley_answer_t a = answer(st, &v);
        log[t] = (double)a.kind * 1000 + (double)a.n_issues;
        asp = concede(st, &v);
        log[t + 1] = asp;
    }
    parley_strategy_free(st);
    public_free(&f.pub);
}

static void test_determinism(void **state)
{
    (void)state;
    parley_scenario_t *sc = hand_scenario();
    enum { N = 40 };
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        double a[N], b[N], c[N];
        script((parley_strategy_kind_t)k, sc, 42, a, N);
        script((parley_strategy_kind_t)k, sc, 42, b, N);
        script((parley_strategy_kind_t)k, sc, 43, c, N);
        assert_memory_equal(a, b, sizeof a);
        /* The seed matters (through the jittered parameters). */
        assert_true(memcmp(a, c, sizeof a) != 0);
    }
    parley_scenario_free(sc);
}

/* ---- the proposer's search --------------------------------------------- */

/*
 * Checks parley__strategy_propose against enumeration of every package in
 * index order: the pool (declared red lines, with the documented fallbacks)
 * is rebuilt here from the disclosed profile.
 */
static void check_propose(parley_strategy_t *st, const parley_scenario_t *sc,
                          const parley_party_t *declared,
                          const parley_party_t *truth, double asp)
{
    size_t K = sc->n_issues;
    uint8_t pool[PARLEY_MAX_ISSUES][64];
    for (size_t k = 0; k < K; k++) {
        size_t n = sc->issues[k].n_options;
        assert_true(n <= 64);
        int any_decl = 0, any_true = 0;
        uint8_t dec[64], tru[64];
        for (size_t j = 0; j < n; j++) {
            dec[j] = tru[j] = 1;
            for (size_t r = 0; r < declared->n_red_lines; r++)
                if (declared->red_lines[r].issue == k &&
                    !parley_red_line_allows(&sc->issues[k],
                                            &declared->red_lines[r], j))
                    dec[j] = 0;
            for (size_t r = 0; r < truth->n_red_lines; r++)
                if (truth->red_lines[r].issue == k &&
                    !parley_red_line_allows(&sc->issues[k],
                                            &truth->red_lines[r], j))
                    tru[j] = 0;
            any_decl |= dec[j];
            any_true |= tru[j];
        }
        for (size_t j = 0; j < n; j++)
            pool[k][j] = any_decl ? dec[j] : any_true ? tru[j] : 1;
    }
    uint32_t pkg[PARLEY_MAX_ISSUES] = {0}, want[PARLEY_MAX_ISSUES] = {0};
    int found = 0;
    double best_u = 0;
    do {
        int ok = 1;
        for (size_t k = 0; k < K; k++)
            ok &= pool[k][pkg[k]];
        if (ok) {
            double u = package_utility(sc, truth, pkg);
            if (u >= asp && (!found || u < best_u)) {
                found = 1;
                best_u = u;
                memcpy(want, pkg, sizeof want);
            }
        }
    } while (package_next(sc, pkg));
    uint32_t got[PARLEY_MAX_ISSUES] = {0};
    int rc = parley__strategy_propose(st, asp, UINT64_MAX, got);
    if (found) {
        assert_int_equal(rc, 1);
        assert_memory_equal(got, want, K * sizeof *got);
        /* A tiny budget still gives a package at or above asp. */
        memset(got, 0, sizeof got);
        rc = parley__strategy_propose(st, asp, 3, got);
        if (rc == 0 || rc == 1)
            for (size_t k = 0; k < K; k++)
                assert_true(pool[k][got[k]]);
        if (rc == 1)
            assert_memory_equal(got, want, K * sizeof *got);
    } else {
        assert_int_equal(rc, -1);
    }
}

static void test_propose_matches_enumeration(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.max_packages = 3000;
    rp.max_options = 6;
    rp.max_issues = 7;
    rp.red_line_rate = 0.25;
    size_t checks = 0;
    for (uint64_t seed = 1; seed <= 120; seed++) {
        parley_scenario_t *sc = random_scenario(seed, &rp);
        assert_non_null(sc);
        uint64_t rs = seed;
        for (size_t i = 0; i < sc->n_parties; i++) {
            if (sc->parties[i].role != PARLEY_ROLE_PARTY)
                continue;
            parley_strategy_kind_t kind = seed % 2
                                              ? PARLEY_STRATEGY_MISREPORTER
                                              : PARLEY_STRATEGY_TRUTHFUL;
            parley_strategy_t *st = make(kind, sc, i, seed, 0);
            parley_party_t dec;
            party_copy(&sc->parties[i], sc->n_issues, &dec);
            const parley_driver_t *d = parley_strategy_driver(st);
            assert_int_equal(d->disclose(d->ctx, NULL, &dec), PARLEY_OK);
            double I = st->best;
            double asps[] = {I, I + 0.01, I - 1e-3, 0, -1,
                             I * random_unit(&rs), I * random_unit(&rs),
                             I * random_unit(&rs)};
            for (size_t t = 0; t < sizeof asps / sizeof *asps; t++) {
                check_propose(st, sc, &dec, &sc->parties[i], asps[t]);
                checks++;
            }
            party_free(&dec, sc->n_issues);
            parley_strategy_free(st);
        }
        parley_scenario_free(sc);
    }
    assert_true(checks > 500);
}

/* ---- offer tables ------------------------------------------------------ */

/*
 * The table's offer at `asp` against the search's with no budget: the same
 * return and, bit for bit, the same package.  Returns 1 when the first
 * entry at or above asp has company at its utility (a tie the package index
 * decides).
 */
static int check_table_offer(const parley__offer_table_t *t,
                             parley_strategy_t *st, double asp)
{
    size_t K = st->n_issues;
    uint32_t want[PARLEY_MAX_ISSUES], got[PARLEY_MAX_ISSUES];
    memset(want, 0xa5, sizeof want);
    memset(got, 0x5a, sizeof got);
    int rw = parley__strategy_propose(st, asp, UINT64_MAX, want);
    int rg = parley__offer_table_propose(t, st, asp, got);
    assert_int_equal(rg, rw);
    assert_memory_equal(got, want, K * sizeof *got);
    if (rw != 1)
        return 0;
    double u = parley__strategy_utility(st, got);
    size_t n_eq = 0;
    for (size_t r = 0; r < t->n && n_eq < 2; r++)
        n_eq += t->u[r] == u;
    return n_eq > 1;
}

/* Decodes entry r of t into pkg. */
static void table_package(const parley__offer_table_t *t, size_t r,
                          uint32_t *pkg)
{
    uint32_t rank = t->rank[r];
    for (size_t k = t->n_issues; k-- > 0;) {
        pkg[k] = t->opt[t->start[k] + rank % t->radix[k]];
        rank /= t->radix[k];
    }
}

/*
 * The table's shape against the strategy's pool: one entry per pool
 * package, each utility the strategy's own sum bit for bit, sorted by
 * (utility, package index), ranks all distinct.  `stride` samples entries.
 */
static void check_table_shape(const parley__offer_table_t *t,
                              const parley_strategy_t *st, size_t stride)
{
    size_t K = st->n_issues, n = 1;
    for (size_t k = 0; k < K; k++) {
        size_t m = 0;
        for (size_t j = 0; j < st->n_options[k]; j++)
            m += st->pool[k][j] != 0;
        assert_int_equal(t->radix[k], m);
        n *= m;
    }
    assert_int_equal(t->n, n);
    assert_true(parley__offer_table_fits(t, st));
    uint8_t *seen = calloc(n, 1);
    assert_non_null(seen);
    for (size_t r = 0; r < n; r++) {
        assert_true(t->rank[r] < n);
        assert_false(seen[t->rank[r]]);
        seen[t->rank[r]] = 1;
        if (r > 0)
            assert_true(t->u[r - 1] < t->u[r] ||
                        (t->u[r - 1] == t->u[r] &&
                         t->rank[r - 1] < t->rank[r]));
    }
    free(seen);
    uint32_t pkg[PARLEY_MAX_ISSUES];
    for (size_t r = 0; r < n; r += stride) {
        table_package(t, r, pkg);
        for (size_t k = 0; k < K; k++)
            assert_true(st->pool[k][pkg[k]]);
        double u = parley__strategy_utility(st, pkg);
        assert_memory_equal(&u, &t->u[r], sizeof u);
    }
}

/*
 * The offer table against the search on random scenarios, truthful and
 * misreporting pools, at every entry's utility exactly, just below and just
 * above it, between entries, beyond both ends and at non-finite values.
 * Every other scenario gets a weightless issue, so utilities tie and the
 * package index must decide.
 */
static void test_offer_table_matches_search(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.max_packages = 2000;
    rp.max_options = 6;
    rp.max_issues = 7;
    rp.red_line_rate = 0.25;
    size_t checks = 0, ties = 0, none = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        parley_scenario_t *sc = random_scenario(seed, &rp);
        assert_non_null(sc);
        for (size_t i = 0; i < sc->n_parties; i++) {
            if (sc->parties[i].role != PARLEY_ROLE_PARTY)
                continue;
            if (seed % 2 == 0 && sc->n_issues > 1)
                sc->parties[i].weights[seed % sc->n_issues] = 0;
            for (int m = 0; m < 2; m++) {
                parley_strategy_kind_t kind =
                    m ? PARLEY_STRATEGY_MISREPORTER : PARLEY_STRATEGY_TRUTHFUL;
                parley_strategy_t *st = make(kind, sc, i, seed, 0);
                parley__offer_table_t *t = NULL;
                assert_int_equal(
                    parley__offer_table_new(st, PARLEY_SAO_TABLE_MAX, &t),
                    PARLEY_OK);
                assert_non_null(t);
                check_table_shape(t, st, 1);
                double asps[] = {-INFINITY, INFINITY, NAN,
                                 t->u[0] - 1, t->u[t->n - 1] + 1e-12,
                                 st->best};
                for (size_t q = 0; q < sizeof asps / sizeof *asps; q++) {
                    ties += check_table_offer(t, st, asps[q]);
                    checks++;
                }
                for (size_t r = 0; r < t->n; r++) {
                    double u = t->u[r];
                    ties += check_table_offer(t, st, u);
                    check_table_offer(t, st, nextafter(u, -INFINITY));
                    check_table_offer(t, st, nextafter(u, INFINITY));
                    if (r + 1 < t->n)
                        check_table_offer(t, st, u + (t->u[r + 1] - u) / 2);
                    checks += 4;
                }
                uint32_t pkg[PARLEY_MAX_ISSUES];
                none += parley__offer_table_propose(t, st, INFINITY, pkg) < 0;
                /* A smaller cap leaves the pool to the search. */
                parley__offer_table_t *small = NULL;
                assert_int_equal(parley__offer_table_new(st, t->n - 1, &small),
                                 PARLEY_OK);
                assert_null(small);
                parley__offer_table_free(t);
                parley_strategy_free(st);
            }
        }
        parley_scenario_free(sc);
    }
    print_message("offer tables: %zu offers checked, %zu decided by a tie\n",
                  checks, ties);
    assert_true(checks > 10000);
    assert_true(ties > 100);
    assert_true(none > 0);
}

static parley_scenario_t *river_basin(void)
{
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_scenario_read_file(PARLEY_SOURCE_DIR
                                               "/examples/river-basin.json",
                                               &sc, d),
                     PARLEY_OK);
    parley_diags_free(d);
    return sc;
}

/*
 * The bundled example (155,520 packages): each voting party's tables, as
 * the truthful and as the misreporting proposer, against the search at
 * aspirations drawn over the whole utility range, at entries' utilities
 * and at their neighbours.
 */
static void test_offer_table_river_basin(void **state)
{
    (void)state;
    parley_scenario_t *sc = river_basin();
    assert_int_equal(parley_scenario_package_count(sc), 155520);
    uint64_t rs = 77;
    size_t checks = 0, ties = 0;
    for (size_t i = 0; i < sc->n_parties; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        for (int m = 0; m < 2; m++) {
            parley_strategy_kind_t kind =
                m ? PARLEY_STRATEGY_MISREPORTER : PARLEY_STRATEGY_TRUTHFUL;
            parley_strategy_t *st = make(kind, sc, i, 5, 0);
            parley__offer_table_t *t = NULL;
            assert_int_equal(
                parley__offer_table_new(st, PARLEY_SAO_TABLE_MAX, &t),
                PARLEY_OK);
            assert_non_null(t);
            assert_true(t->n > 1000 && t->n <= 155520);
            check_table_shape(t, st, 97);
            double lo = t->u[0], hi = t->u[t->n - 1];
            for (int q = 0; q < 150; q++) {
                double a = lo - 0.02 + (hi - lo + 0.04) * random_unit(&rs);
                size_t r = random_range(&rs, 0, t->n - 1);
                ties += check_table_offer(t, st, a);
                ties += check_table_offer(t, st, t->u[r]);
                check_table_offer(t, st, nextafter(t->u[r], -INFINITY));
                check_table_offer(t, st, nextafter(t->u[r], INFINITY));
                checks += 4;
            }
            check_table_offer(t, st, st->best);
            check_table_offer(t, st, hi);
            check_table_offer(t, st, nextafter(hi, INFINITY));
            parley__offer_table_free(t);
            parley_strategy_free(st);
        }
    }
    print_message("river basin tables: %zu offers checked, %zu ties\n", checks,
                  ties);
    assert_true(checks >= 5 * 2 * 600);
    parley_scenario_free(sc);
}

/* ---- the baseline ------------------------------------------------------ */

static void test_sao_easy(void **state)
{
    (void)state;
    /* Three parties who want the same: agreement on their best at once. */
    static const size_t nopt[] = {3, 4};
    static const double values[] = {0.2, 1, 0.5, 0, 0.3, 0.3, 1,
                                    0.2, 1, 0.5, 0, 0.3, 0.3, 1,
                                    0.2, 1, 0.5, 0, 0.3, 0.3, 1};
    table_scenario_spec_t spec = {0};
    spec.n_parties = 3;
    spec.n_issues = 2;
    spec.n_options = nopt;
    spec.values = values;
    parley_scenario_t *sc = table_scenario(&spec);
    assert_non_null(sc);
    parley_rules_t rules;
    test_rules(&rules);
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        parley_strategy_kind_t kinds[3] = {(parley_strategy_kind_t)k,
                                           (parley_strategy_kind_t)k,
                                           (parley_strategy_kind_t)k};
        for (uint64_t seed = 0; seed < 4; seed++) {
            parley_baseline_result_t r;
            assert_int_equal(parley_baseline_sao(sc, &rules, kinds, seed, &r),
                             PARLEY_OK);
            assert_true(r.agreement);
            assert_int_equal(r.rounds, 1);
            assert_int_equal(r.package[0], 1);
            assert_int_equal(r.package[1], 3);
            assert_false(r.walkout);
            assert_int_equal(r.walkout_party, -1);
        }
    }
    /* A mixed table agrees too, and the result is each one's best here. */
    parley_strategy_kind_t mix[3] = {PARLEY_STRATEGY_BOULWARE,
                                     PARLEY_STRATEGY_HARDLINER,
                                     PARLEY_STRATEGY_MISREPORTER};
    parley_baseline_result_t r;
    assert_int_equal(parley_baseline_sao(sc, &rules, mix, 9, &r), PARLEY_OK);
    assert_true(r.agreement);
    parley_scenario_free(sc);
}

static void test_sao_impossible(void **state)
{
    (void)state;
    /* Opposed on one issue, each needing 0.6 of a pie worth 1. */
    static const size_t nopt[] = {5};
    static const double values[] = {1, 0.75, 0.5, 0.25, 0,
                                    0, 0.25, 0.5, 0.75, 1};
    static const double res[] = {0.6, 0.6};
    table_scenario_spec_t spec = {0};
    spec.n_parties = 2;
    spec.n_issues = 1;
    spec.n_options = nopt;
    spec.values = values;
    spec.reservation = res;
    parley_scenario_t *sc = table_scenario(&spec);
    assert_non_null(sc);
    parley_rules_t rules;
    test_rules(&rules);
    rules.max_rounds = 25;
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        parley_strategy_kind_t kinds[2] = {(parley_strategy_kind_t)k,
                                           PARLEY_STRATEGY_CONCEDER};
        parley_baseline_result_t r;
        assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 3, &r),
                         PARLEY_OK);
        assert_false(r.agreement);
        if (k == PARLEY_STRATEGY_HARDLINER) {
            assert_true(r.walkout);
            assert_int_equal(r.walkout_party, 0);
        } else {
            assert_false(r.walkout);
            assert_int_equal(r.rounds, 25);
        }
    }
    /* With reservations 0.4 the same parties meet in the middle. */
    sc->parties[0].reservation = 0.4;
    sc->parties[1].reservation = 0.4;
    parley_strategy_kind_t kinds[2] = {PARLEY_STRATEGY_TRUTHFUL,
                                       PARLEY_STRATEGY_CONCEDER};
    parley_baseline_result_t r;
    assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 3, &r), PARLEY_OK);
    assert_true(r.agreement);
    assert_true(r.package[0] >= 1 && r.package[0] <= 3);
    /* No rounds, no talks. */
    rules.max_rounds = 0;
    assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 3, &r), PARLEY_OK);
    assert_false(r.agreement);
    assert_int_equal(r.rounds, 0);
    parley_scenario_free(sc);
}

static void test_sao_hardliner_walkout(void **state)
{
    (void)state;
    /* A truthful party needs 6 rounds (0.85^6 < 0.4) to offer the
     * hardliner its target 0.6; the hardliner leaves in round 4. */
    static const size_t nopt[] = {11};
    double values[22];
    for (int j = 0; j <= 10; j++) {
        values[j] = 1 - j / 10.0;
        values[11 + j] = j / 10.0;
    }
    table_scenario_spec_t spec = {0};
    spec.n_parties = 2;
    spec.n_issues = 1;
    spec.n_options = nopt;
    spec.values = values;
    parley_scenario_t *sc = table_scenario(&spec);
    assert_non_null(sc);
    parley_rules_t rules;
    test_rules(&rules);
    parley_strategy_kind_t kinds[2] = {PARLEY_STRATEGY_HARDLINER,
                                       PARLEY_STRATEGY_TRUTHFUL};
    parley_baseline_result_t r;
    assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 1, &r), PARLEY_OK);
    assert_false(r.agreement);
    assert_true(r.walkout);
    assert_int_equal(r.walkout_party, 0);
    assert_int_equal(r.rounds, 4);
    /* A conceder with an 8-round deadline offers it its target in round
     * 3, before its patience runs out, and the deal lands at or above it. */
    kinds[1] = PARLEY_STRATEGY_CONCEDER;
    rules.max_rounds = 8;
    assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 1, &r), PARLEY_OK);
    assert_true(r.agreement);
    assert_true(values[r.package[0]] >= 0.6);
    parley_scenario_free(sc);
}

static void test_sao_arguments(void **state)
{
    (void)state;
    parley_scenario_t *sc = hand_scenario();
    parley_rules_t rules;
    test_rules(&rules);
    parley_strategy_kind_t kinds[3] = {PARLEY_STRATEGY_TRUTHFUL,
                                       PARLEY_STRATEGY_TRUTHFUL,
                                       PARLEY_STRATEGY_COUNT};
    parley_baseline_result_t r;
    assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 1, NULL),
                     PARLEY_EARG);
    assert_int_equal(parley_baseline_sao(NULL, &rules, kinds, 1, &r),
                     PARLEY_EARG);
    assert_int_equal(parley_baseline_sao(sc, NULL, kinds, 1, &r), PARLEY_EARG);
    assert_int_equal(parley_baseline_sao(sc, &rules, NULL, 1, &r),
                     PARLEY_EARG);
    assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 1, &r),
                     PARLEY_EARG);
    /* A non-voting party's kind is ignored. */
    sc->parties[2].role = PARLEY_ROLE_MONITOR;
    assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 1, &r), PARLEY_OK);
    for (size_t i = 0; i < 3; i++)
        sc->parties[i].role = PARLEY_ROLE_OBSERVER;
    assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 1, &r),
                     PARLEY_EARG);
    parley_scenario_free(sc);
}

/*
 * Random scenarios and random mixes of strategies: whenever the parties
 * agree, each voting party is at or above its true reservation and keeps its
 * true red lines; the same seed gives the same result.
 */
static void test_sao_random(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.max_packages = 5000;
    rp.red_line_rate = 0.1;
    parley_rules_t rules;
    test_rules(&rules);
    rules.max_rounds = 30;
    size_t agreements = 0, runs = 0;
    for (uint64_t seed = 1; seed <= 80; seed++) {
        parley_scenario_t *sc = random_scenario(seed, &rp);
        assert_non_null(sc);
        parley_strategy_kind_t kinds[PARLEY_MAX_PARTIES];
        uint64_t rs = seed;
        for (size_t i = 0; i < sc->n_parties; i++)
            kinds[i] = (parley_strategy_kind_t)random_range(
                &rs, 0, PARLEY_STRATEGY_COUNT - 1);
        parley_baseline_result_t r, r2;
        assert_int_equal(parley_baseline_sao(sc, &rules, kinds, seed, &r),
                         PARLEY_OK);
        assert_int_equal(parley_baseline_sao(sc, &rules, kinds, seed, &r2),
                         PARLEY_OK);
        assert_memory_equal(&r, &r2, sizeof r);
        runs++;
        assert_true(r.rounds >= 1 && r.rounds <= rules.max_rounds);
        agreements += r.agreement != 0;
        for (size_t i = 0; i < sc->n_parties && r.agreement; i++) {
            const parley_party_t *pa = &sc->parties[i];
            if (pa->role != PARLEY_ROLE_PARTY)
                continue;
            assert_true(package_utility(sc, pa, r.package) >= pa->reservation);
            assert_false(package_breaks_red_line(sc, pa, r.package));
        }
        parley_scenario_free(sc);
    }
    print_message("sao random: %zu agreements in %zu runs\n", agreements,
                  runs);
    assert_true(agreements > 10 && agreements < runs);
}

/* GENIUS PartyDomain, four profiles, with reservations set to 0.45. */
static parley_scenario_t *party_domain(void)
{
    static const char *dir = PARLEY_SOURCE_DIR "/tests/data/genius/PartyDomain/";
    char dom[512], prof[4][512];
    const char *profs[4];
    snprintf(dom, sizeof dom, "%sparty_domain.xml", dir);
    for (int i = 0; i < 4; i++) {
        snprintf(prof[i], sizeof prof[i], "%sparty%d_utility.xml", dir, i + 1);
        profs[i] = prof[i];
    }
    parley_scenario_t *sc = NULL;
    parley_diags_t *dg = parley_diags_new();
    assert_int_equal(parley_import_genius(dom, profs, 4, &sc, dg), PARLEY_OK);
    parley_diags_free(dg);
    for (size_t i = 0; i < sc->n_parties; i++)
        sc->parties[i].reservation = 0.45;
    return sc;
}

static void test_sao_genius(void **state)
{
    (void)state;
    parley_scenario_t *sc = party_domain();
    parley_rules_t rules;
    test_rules(&rules);
    size_t agreements = 0;
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        parley_strategy_kind_t kinds[4];
        for (size_t i = 0; i < 4; i++)
            kinds[i] = (parley_strategy_kind_t)k;
        parley_baseline_result_t r;
        assert_int_equal(parley_baseline_sao(sc, &rules, kinds, 11, &r),
                         PARLEY_OK);
        print_message("sao %-12s agreement %d rounds %u walkout %d\n",
                      parley_strategy_name((parley_strategy_kind_t)k),
                      r.agreement, r.rounds, r.walkout);
        if (!r.agreement)
            continue;
        agreements++;
        for (size_t i = 0; i < 4; i++)
            assert_true(package_utility(sc, &sc->parties[i], r.package) >= 0.45);
    }
    /* Truthful parties with room to move do agree here. */
    assert_true(agreements >= 1);
    parley_scenario_free(sc);
}

/*
 * Planned baselines against unplanned ones (the search): the same result
 * byte for byte, on random scenarios with random mixes, with a plan for
 * every kind and with one for the mix alone; a plan built for other kinds
 * leaves the proposers it has no table for to the search.
 */
static void test_sao_planned_random(void **state)
{
    (void)state;
    random_scenario_params_t rp;
    random_scenario_params_default(&rp);
    rp.max_packages = 5000;
    rp.red_line_rate = 0.1;
    parley_rules_t rules;
    test_rules(&rules);
    rules.max_rounds = 30;
    size_t runs = 0, agreements = 0;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        parley_scenario_t *sc = random_scenario(seed, &rp);
        assert_non_null(sc);
        parley_strategy_kind_t kinds[PARLEY_MAX_PARTIES], other[PARLEY_MAX_PARTIES];
        uint64_t rs = seed * 31;
        for (size_t i = 0; i < sc->n_parties; i++) {
            kinds[i] = (parley_strategy_kind_t)random_range(
                &rs, 0, PARLEY_STRATEGY_COUNT - 1);
            other[i] = PARLEY_STRATEGY_TRUTHFUL;
        }
        parley_baseline_plan_t *all = NULL, *mix = NULL, *wrong = NULL;
        assert_int_equal(parley_baseline_plan_new(sc, NULL, 0, &all), PARLEY_OK);
        assert_int_equal(parley_baseline_plan_new(sc, kinds, 1, &mix),
                         PARLEY_OK);
        assert_int_equal(parley_baseline_plan_new(sc, other, 1, &wrong),
                         PARLEY_OK);
        assert_true(parley_baseline_plan_bytes(all) >=
                    parley_baseline_plan_bytes(mix));
        assert_true(parley_baseline_plan_bytes(wrong) > 0);
        for (uint64_t s = 1; s <= 5; s++) {
            parley_baseline_result_t want, got;
            assert_int_equal(parley_baseline_sao(sc, &rules, kinds, s, &want),
                             PARLEY_OK);
            parley_baseline_plan_t *plans[] = {all, mix, wrong};
            for (size_t q = 0; q < 3; q++) {
                memset(&got, 0x77, sizeof got);
                assert_int_equal(parley_baseline_sao_planned(plans[q], &rules,
                                                             kinds, s, &got),
                                 PARLEY_OK);
                assert_memory_equal(&got, &want, sizeof got);
            }
            runs++;
            agreements += want.agreement != 0;
        }
        parley_baseline_plan_free(all);
        parley_baseline_plan_free(mix);
        parley_baseline_plan_free(wrong);
        parley_scenario_free(sc);
    }
    print_message("planned sao: %zu runs equal, %zu agreements\n", runs,
                  agreements);
    assert_true(agreements > 10 && agreements < runs);
}

/* The bundled example: planned and searched baselines agree for every
 * kind seated everywhere and for a mixed table, over several seeds; the
 * plan's size is its tables'. */
static void test_sao_planned_river_basin(void **state)
{
    (void)state;
    parley_scenario_t *sc = river_basin();
    size_t P = sc->n_parties;
    parley_rules_t rules;
    parley_rules_of(sc, &rules);
    parley_strategy_kind_t *mixes =
        calloc((PARLEY_STRATEGY_COUNT + 1) * P, sizeof *mixes);
    assert_non_null(mixes);
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++)
        for (size_t i = 0; i < P; i++)
            mixes[(size_t)k * P + i] = (parley_strategy_kind_t)k;
    for (size_t i = 0; i < P; i++)
        mixes[PARLEY_STRATEGY_COUNT * P + i] =
            (parley_strategy_kind_t)(i % PARLEY_STRATEGY_COUNT);
    parley_baseline_plan_t *plan = NULL;
    assert_int_equal(
        parley_baseline_plan_new(sc, mixes, PARLEY_STRATEGY_COUNT + 1, &plan),
        PARLEY_OK);
    /* Two pools per voting party (the misreporter's and the others'), at
     * most 155,520 packages of 12 bytes each. */
    size_t bytes = parley_baseline_plan_bytes(plan);
    assert_true(bytes > 155520 * 12 && bytes < 10 * 155520 * 12 + 4096);
    size_t agreements = 0;
    for (int m = 0; m <= PARLEY_STRATEGY_COUNT; m++)
        for (uint64_t s = 1; s <= 3; s++) {
            parley_baseline_result_t want, got;
            const parley_strategy_kind_t *k = &mixes[(size_t)m * P];
            assert_int_equal(parley_baseline_sao(sc, &rules, k, s, &want),
                             PARLEY_OK);
            assert_int_equal(
                parley_baseline_sao_planned(plan, &rules, k, s, &got),
                PARLEY_OK);
            assert_memory_equal(&got, &want, sizeof got);
            agreements += want.agreement != 0;
        }
    assert_true(agreements > 0);
    parley_baseline_plan_free(plan);
    free(mixes);
    parley_scenario_free(sc);
}

static void test_sao_plan_arguments(void **state)
{
    (void)state;
    parley_scenario_t *sc = hand_scenario();
    parley_rules_t rules;
    test_rules(&rules);
    parley_strategy_kind_t kinds[3] = {PARLEY_STRATEGY_TRUTHFUL,
                                       PARLEY_STRATEGY_BOULWARE,
                                       PARLEY_STRATEGY_MISREPORTER};
    parley_baseline_plan_t *plan = (parley_baseline_plan_t *)1;
    assert_int_equal(parley_baseline_plan_new(NULL, NULL, 0, &plan),
                     PARLEY_EARG);
    assert_null(plan);
    assert_int_equal(parley_baseline_plan_new(sc, NULL, 0, NULL), PARLEY_EARG);
    assert_int_equal(parley_baseline_plan_new(sc, kinds, 0, &plan),
                     PARLEY_EARG);
    kinds[1] = PARLEY_STRATEGY_COUNT;
    assert_int_equal(parley_baseline_plan_new(sc, kinds, 1, &plan),
                     PARLEY_EARG);
    assert_null(plan);
    kinds[1] = PARLEY_STRATEGY_BOULWARE;
    parley_baseline_result_t r;
    r.rounds = 9;
    assert_int_equal(parley_baseline_sao_planned(NULL, &rules, kinds, 1, &r),
                     PARLEY_EARG);
    assert_int_equal(r.rounds, 0);
    assert_int_equal(r.walkout_party, -1);
    assert_int_equal(parley_baseline_plan_new(sc, kinds, 1, &plan), PARLEY_OK);
    assert_int_equal(parley_baseline_sao_planned(plan, NULL, kinds, 1, &r),
                     PARLEY_EARG);
    assert_int_equal(parley_baseline_sao_planned(plan, &rules, NULL, 1, &r),
                     PARLEY_EARG);
    assert_int_equal(parley_baseline_sao_planned(plan, &rules, kinds, 1, NULL),
                     PARLEY_EARG);
    assert_int_equal(parley_baseline_sao_planned(plan, &rules, kinds, 1, &r),
                     PARLEY_OK);
    parley_baseline_plan_free(plan);
    parley_baseline_plan_free(NULL);
    assert_int_equal(parley_baseline_plan_bytes(NULL), 0);
    /* Nobody to plan for. */
    for (size_t i = 0; i < sc->n_parties; i++)
        sc->parties[i].role = PARLEY_ROLE_OBSERVER;
    assert_int_equal(parley_baseline_plan_new(sc, NULL, 0, &plan), PARLEY_EARG);
    assert_null(plan);
    parley_scenario_free(sc);
}

/* ---- full sessions ----------------------------------------------------- */

typedef struct session_result {
    int agreement;
    char reason[256];
    uint32_t package[PARLEY_MAX_ISSUES];
    unsigned rounds, vetoes_valid, vetoes_refused, concessions;
    size_t events;
    uint64_t log_hash; /* FNV-1a over every event line */
} session_result_t;

static void count_event(void *ctx, const parley_event_t *ev)
{
    session_result_t *r = ctx;
    r->events++;
    for (const char *c = ev->json; *c; c++) {
        r->log_hash ^= (unsigned char)*c;
        r->log_hash *= 0x100000001b3ULL;
    }
    r->log_hash ^= '\n';
    r->log_hash *= 0x100000001b3ULL;
}

/*
 * A mediated session with a strategy for every voting party.  Whatever the
 * outcome: the session ends cleanly, no veto a strategy cast is refused, an
 * agreement leaves every voting party (all of whom accepted it under
 * unanimity) at or above its true reservation with its true red lines
 * kept, and an impasse states its reason.
 */
static void run_session(const parley_scenario_t *sc,
                        const parley_rules_t *rules,
                        const parley_strategy_kind_t *kinds, uint64_t seed,
                        session_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->log_hash = 0xcbf29ce484222325ULL;
    parley_strategy_t *st[PARLEY_MAX_PARTIES] = {0};
    const parley_driver_t *drv[PARLEY_MAX_PARTIES] = {0};
    for (size_t i = 0; i < sc->n_parties; i++) {
        if (sc->parties[i].role != PARLEY_ROLE_PARTY)
            continue;
        st[i] = make(kinds[i], sc, i, seed * 31 + i, 0);
        drv[i] = parley_strategy_driver(st[i]);
    }
    parley_session_opts_t opts = {seed, count_event, r, NULL, NULL};
    parley_session_t *s = NULL;
    parley_diags_t *dg = parley_diags_new();
    parley_status_t rc = parley_session_new(sc, rules, drv, &opts, &s, dg);
    if (rc != PARLEY_OK)
        parley_diags_print(dg, stderr);
    assert_int_equal(rc, PARLEY_OK);
    parley_status_t run = parley_session_run(s);
    parley_outcome_t o;
    assert_int_equal(parley_session_outcome(s, &o), PARLEY_OK);
    if (run != PARLEY_OK)
        fail_msg("session failed (%s): %s", parley_status_name(run),
                 o.impasse_reason ? o.impasse_reason : "");
    assert_true(parley_session_phase(s) == PARLEY_PHASE_AGREEMENT ||
                parley_session_phase(s) == PARLEY_PHASE_IMPASSE);
    r->agreement = o.agreement;
    if (o.impasse_reason)
        snprintf(r->reason, sizeof r->reason, "%s", o.impasse_reason);
    if (o.package)
        memcpy(r->package, o.package, sc->n_issues * sizeof *r->package);
    r->rounds = o.rounds;
    r->vetoes_valid = o.vetoes_valid;
    r->vetoes_refused = o.vetoes_refused;
    r->concessions = o.concessions;
    assert_int_equal(o.vetoes_refused, 0);
    if (o.agreement) {
        assert_non_null(o.package);
        for (size_t i = 0; i < sc->n_parties; i++) {
            const parley_party_t *pa = &sc->parties[i];
            if (pa->role != PARLEY_ROLE_PARTY)
                continue;
            assert_true(package_utility(sc, pa, o.package) >= pa->reservation);
            assert_false(package_breaks_red_line(sc, pa, o.package));
        }
    } else {
        assert_non_null(o.impasse_reason);
        assert_true(strlen(o.impasse_reason) > 0);
    }
    parley_session_free(s);
    parley_diags_free(dg);
    for (size_t i = 0; i < sc->n_parties; i++)
        parley_strategy_free(st[i]);
}

static void test_sessions_genius(void **state)
{
    (void)state;
    parley_scenario_t *sc = party_domain();
    parley_rules_t rules;
    parley_rules_init(&rules);
    size_t agreements = 0;
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        parley_strategy_kind_t kinds[4];
        for (size_t i = 0; i < 4; i++)
            kinds[i] = (parley_strategy_kind_t)k;
        session_result_t r, r2;
        run_session(sc, &rules, kinds, 5, &r);
        run_session(sc, &rules, kinds, 5, &r2);
        /* Reproducible to the byte of the log. */
        assert_int_equal(r.log_hash, r2.log_hash);
        assert_int_equal(r.events, r2.events);
        print_message("session %-12s agreement %d rounds %u concessions %u "
                      "vetoes %u %s\n",
                      parley_strategy_name((parley_strategy_kind_t)k),
                      r.agreement, r.rounds, r.concessions, r.vetoes_valid,
                      r.reason);
        agreements += r.agreement != 0;
    }
    /* One of each kind at the same table. */
    static const parley_strategy_kind_t mixes[][4] = {
        {PARLEY_STRATEGY_TRUTHFUL, PARLEY_STRATEGY_BOULWARE,
         PARLEY_STRATEGY_CONCEDER, PARLEY_STRATEGY_TIT_FOR_TAT},
        {PARLEY_STRATEGY_HARDLINER, PARLEY_STRATEGY_MISREPORTER,
         PARLEY_STRATEGY_TRUTHFUL, PARLEY_STRATEGY_CONCEDER},
        {PARLEY_STRATEGY_MISREPORTER, PARLEY_STRATEGY_TIT_FOR_TAT,
         PARLEY_STRATEGY_BOULWARE, PARLEY_STRATEGY_TRUTHFUL}};
    for (size_t m = 0; m < sizeof mixes / sizeof *mixes; m++) {
        session_result_t r;
        run_session(sc, &rules, mixes[m], 9, &r);
        print_message("session mix %zu agreement %d rounds %u %s\n", m,
                      r.agreement, r.rounds, r.reason);
    }
    /* Truthful parties with room to move reach agreement. */
    assert_true(agreements >= 1);
    parley_scenario_free(sc);
}

/*
 * A random scenario a session accepts: discrete issues with value tables,
 * weights summing to 1, powers 1..4, reservations up to half of each
 * party's best, a red line now and then (IN or NOT_IN, never emptying an
 * issue by itself), issues grouped into up to two clusters.
 */
static parley_scenario_t *session_scenario(uint64_t seed)
{
    uint64_t rs = seed * 0x9E3779B97F4A7C15ULL + 17;
    size_t P = random_range(&rs, 2, 5), K = random_range(&rs, 1, 5);
    size_t nopt[PARLEY_MAX_ISSUES], total = 0;
    for (size_t k = 0; k < K; k++) {
        nopt[k] = random_range(&rs, 2, 5);
        total += nopt[k];
    }
    double *values = calloc(P * total, sizeof *values);
    double power[8], res[8];
    assert_non_null(values);
    for (size_t i = 0; i < P * total; i++)
        values[i] = (double)random_range(&rs, 0, 8) / 8.0;
    for (size_t i = 0; i < P; i++)
        power[i] = (double)random_range(&rs, 1, 4);
    table_scenario_spec_t spec = {0};
    spec.n_parties = P;
    spec.n_issues = K;
    spec.n_options = nopt;
    spec.values = values;
    spec.power = power;
    memset(res, 0, sizeof res);
    spec.reservation = res;
    parley_scenario_t *sc = table_scenario(&spec);
    free(values);
    assert_non_null(sc);
    for (size_t i = 0; i < P; i++) {
        parley_party_t *pa = &sc->parties[i];
        double wsum = 0, best = 0;
        for (size_t k = 0; k < K; k++)
            wsum += pa->weights[k] = 1 + (double)random_range(&rs, 0, 3);
        for (size_t k = 0; k < K; k++) {
            pa->weights[k] /= wsum;
            double m = 0;
            for (size_t j = 0; j < nopt[k]; j++)
                if (pa->values[k].table[j] > m)
                    m = pa->values[k].table[j];
            best += pa->weights[k] * m;
        }
        pa->reservation = best * (double)random_range(&rs, 0, 4) / 8.0;
        if (random_unit(&rs) < 0.3) {
            size_t k = random_range(&rs, 0, K - 1);
            pa->red_lines = parley_calloc(1, sizeof *pa->red_lines);
            assert_non_null(pa->red_lines);
            parley_red_line_t *rl = &pa->red_lines[0];
            pa->n_red_lines = 1;
            rl->issue = k;
            rl->op = random_unit(&rs) < 0.5 ? PARLEY_CMP_IN : PARLEY_CMP_NOT_IN;
            rl->n_options = 1;
            rl->options = parley_calloc(1, sizeof(size_t));
            assert_non_null(rl->options);
            rl->options[0] = random_range(&rs, 0, nopt[k] - 1);
        }
    }
    if (K >= 2 && random_unit(&rs) < 0.6) {
        size_t cut = random_range(&rs, 1, K - 1);
        sc->n_clusters = 2;
        sc->clusters = parley_calloc(2, sizeof *sc->clusters);
        assert_non_null(sc->clusters);
        for (size_t c = 0; c < 2; c++) {
            size_t lo = c ? cut : 0, hi = c ? K : cut;
            char id[8];
            snprintf(id, sizeof id, "c%zu", c);
            sc->clusters[c].id = parley_strdup(id);
            sc->clusters[c].n_issues = hi - lo;
            sc->clusters[c].issues = parley_calloc(hi - lo, sizeof(size_t));
            assert_non_null(sc->clusters[c].issues);
            for (size_t k = lo; k < hi; k++) {
                sc->clusters[c].issues[k - lo] = k;
                sc->issues[k].cluster = (long)c;
            }
        }
    }
    parley_diags_t *dg = parley_diags_new();
    if (parley_scenario_check(sc, "session_scenario", dg) != PARLEY_OK)
        parley_diags_print(dg, stderr);
    assert_int_equal(parley_diags_errors(dg), 0);
    parley_diags_free(dg);
    return sc;
}

/*
 * Random scenarios, random mixes and rule variations: the invariants of
 * run_session hold everywhere.
 */
static void test_sessions_random(void **state)
{
    (void)state;
    size_t agreements = 0, runs = 0, vetoes = 0;
    for (uint64_t seed = 1; seed <= 120; seed++) {
        parley_scenario_t *sc = session_scenario(seed);
        parley_rules_t rules;
        parley_rules_init(&rules);
        uint64_t rs = seed * 104729;
        rules.veto_window = (unsigned)random_range(&rs, 1, 3);
        rules.veto_budget = (unsigned)random_range(&rs, 0, 3);
        rules.pilots = (int)random_range(&rs, 0, 1);
        rules.working_groups = (int)random_range(&rs, 0, 1);
        rules.private_channels = random_unit(&rs) < 0.8;
        rules.publish_counts = (int)random_range(&rs, 0, 1);
        rules.reciprocity = (int)random_range(&rs, 0, 1);
        rules.max_rounds = (unsigned)random_range(&rs, 20, 60);
        if (rules.max_rounds < parley_rules_min_rounds(&rules, sc))
            rules.max_rounds = parley_rules_min_rounds(&rules, sc);
        parley_strategy_kind_t kinds[PARLEY_MAX_PARTIES];
        for (size_t i = 0; i < sc->n_parties; i++)
            kinds[i] = (parley_strategy_kind_t)random_range(
                &rs, 0, PARLEY_STRATEGY_COUNT - 1);
        session_result_t r;
        run_session(sc, &rules, kinds, seed, &r);
        runs++;
        agreements += r.agreement != 0;
        vetoes += r.vetoes_valid;
        parley_scenario_free(sc);
    }
    print_message("sessions random: %zu agreements in %zu runs, %zu vetoes "
                  "upheld\n",
                  agreements, runs, vetoes);
    assert_true(agreements > 20 && agreements < runs);
}

/* ---- allocation failures ----------------------------------------------- */

typedef struct alloc_run {
    const parley_scenario_t *sc;
    const parley_rules_t *rules;
    parley_strategy_kind_t kind;
    const parley_driver_t *driver;
} alloc_run_t;

/* A strategy made and freed again; never a partial one on failure. */
static parley_status_t new_strategy(void *ctx)
{
    const alloc_run_t *r = ctx;
    parley_strategy_t *st = NULL;
    parley_status_t rc = parley_strategy_new(r->kind, r->sc, 0, 1, &st);
    if (rc != PARLEY_OK)
        assert_null(st);
    parley_strategy_free(st);
    return rc;
}

static parley_status_t baseline(void *ctx)
{
    const alloc_run_t *r = ctx;
    parley_strategy_kind_t kinds[3] = {r->kind, PARLEY_STRATEGY_TRUTHFUL,
                                       PARLEY_STRATEGY_CONCEDER};
    parley_baseline_result_t res;
    return parley_baseline_sao(r->sc, r->rules, kinds, 1, &res);
}

static parley_status_t planned_baseline(void *ctx)
{
    const alloc_run_t *r = ctx;
    parley_strategy_kind_t kinds[3] = {r->kind, PARLEY_STRATEGY_MISREPORTER,
                                       PARLEY_STRATEGY_CONCEDER};
    parley_baseline_plan_t *plan = NULL;
    parley_status_t rc = parley_baseline_plan_new(r->sc, kinds, 1, &plan);
    if (rc != PARLEY_OK) {
        assert_null(plan);
        return rc;
    }
    parley_baseline_result_t res;
    rc = parley_baseline_sao_planned(plan, r->rules, kinds, 1, &res);
    parley_baseline_plan_free(plan);
    return rc;
}

/* A disclosure cut short leaves `declared` whole for its owner. */
static parley_status_t disclose(void *ctx)
{
    const alloc_run_t *r = ctx;
    parley_party_t dec;
    failing_alloc_hold(1);
    party_copy(&r->sc->parties[0], 3, &dec);
    failing_alloc_hold(0);
    parley_status_t rc = r->driver->disclose(r->driver->ctx, NULL, &dec);
    if (rc == PARLEY_OK)
        assert_int_equal(dec.n_red_lines, 4);
    else
        assert_true(dec.n_red_lines >= 1 && dec.n_red_lines < 4);
    party_free(&dec, 3);
    return rc;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    parley_scenario_t *sc = hand_scenario();
    parley_rules_t rules;
    test_rules(&rules);
    alloc_run_t run = {sc, &rules, PARLEY_STRATEGY_TRUTHFUL, NULL};
    failing_alloc_opts_t o = {.keep_failing = 1, .may_absorb = 1};
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        run.kind = (parley_strategy_kind_t)k;
        o.name = parley_strategy_name(run.kind);
        o.limit = 200;
        failing_alloc_sweep(new_strategy, &run, &o);
        o.limit = 400;
        failing_alloc_sweep(baseline, &run, &o);
        o.limit = 800;
        failing_alloc_sweep(planned_baseline, &run, &o);
    }

    parley_strategy_params_t p;
    parley_strategy_params_default(PARLEY_STRATEGY_MISREPORTER, &p);
    p.fake_share = 1;
    parley_strategy_t *st = NULL;
    assert_int_equal(parley_strategy_new_with(PARLEY_STRATEGY_MISREPORTER, sc,
                                              0, &p, 1, &st),
                     PARLEY_OK);
    run.driver = parley_strategy_driver(st);
    o.name = "disclose";
    o.limit = 50;
    failing_alloc_sweep(disclose, &run, &o);
    parley_strategy_free(st);
    parley_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_profile_random),
        cmocka_unit_test(test_truthful_answers),
        cmocka_unit_test(test_truthful_vetoes),
        cmocka_unit_test(test_truthful_concedes),
        cmocka_unit_test(test_vetoes_always_valid),
        cmocka_unit_test(test_boulware_conceder),
        cmocka_unit_test(test_tit_for_tat),
        cmocka_unit_test(test_hardliner_target),
        cmocka_unit_test(test_hardliner_walks_out),
        cmocka_unit_test(test_misreporter_disclosure),
        cmocka_unit_test(test_misreporter_numeric),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_propose_matches_enumeration),
        cmocka_unit_test(test_offer_table_matches_search),
        cmocka_unit_test(test_offer_table_river_basin),
        cmocka_unit_test(test_sao_easy),
        cmocka_unit_test(test_sao_impossible),
        cmocka_unit_test(test_sao_hardliner_walkout),
        cmocka_unit_test(test_sao_arguments),
        cmocka_unit_test(test_sao_random),
        cmocka_unit_test(test_sao_genius),
        cmocka_unit_test(test_sao_planned_random),
        cmocka_unit_test(test_sao_planned_river_basin),
        cmocka_unit_test(test_sao_plan_arguments),
        cmocka_unit_test(test_sessions_genius),
        cmocka_unit_test(test_sessions_random),
        cmocka_unit_test_teardown(test_alloc_failures, failing_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
