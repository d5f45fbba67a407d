/*
 * test_study.c - simulated sessions and studies.
 *
 * Statistics against values worked independently (quantile tables computed
 * by numerical integration of the t density, Wilson and t intervals by
 * hand); the allocation-free outcome metrics against
 * parley_analysis_metrics() bit for bit; studies: the number and order of
 * rows for a grid, identical CSV and JSON whatever the number of threads,
 * every row equal to a standalone simulation with the same design and seed
 * (so plans and reset sessions change nothing), baselines shared exactly
 * where they may be, summaries recomputed from the rows, errors with their
 * diagnostics, and allocation failures at every step.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/generate.h"
#include "parley/render.h"
#include "parley/study.h"

#define RIVER PARLEY_SOURCE_DIR "/examples/river-basin.json"
#define PI 3.14159265358979323846

/* Field by field, NaN equal to NaN (the metrics of an impasse). */
static int same_double(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void assert_metrics_equal(const parley_study_metrics_t *a,
                                 const parley_study_metrics_t *b)
{
    assert_int_equal(a->agreement, b->agreement);
    assert_int_equal(a->rounds, b->rounds);
    assert_true(same_double(a->efficiency, b->efficiency));
    assert_true(same_double(a->min_norm_gain, b->min_norm_gain));
    assert_true(same_double(a->gini, b->gini));
    assert_true(same_double(a->power_skew, b->power_skew));
    assert_int_equal(a->has_offset, b->has_offset);
    if (a->has_offset)
        assert_true(a->offset == b->offset);
}

static int metrics_differ(const parley_study_metrics_t *a,
                          const parley_study_metrics_t *b)
{
    return a->agreement != b->agreement || a->rounds != b->rounds ||
           !same_double(a->efficiency, b->efficiency) ||
           !same_double(a->power_skew, b->power_skew);
}

static parley_scenario_t *river(void)
{
    parley_scenario_t *sc = NULL;
    parley_diags_t *d = parley_diags_new();
    assert_int_equal(parley_scenario_read_file(RIVER, &sc, d), PARLEY_OK);
    parley_diags_free(d);
    return sc;
}

static parley_scenario_t *generated(size_t parties, size_t issues,
                                    size_t options, double conflict,
                                    parley_power_dist_t power, uint64_t seed)
{
    parley_generate_opts_t o;
    parley_generate_opts_init(&o);
    o.n_parties = parties;
    o.n_issues = issues;
    o.n_options = options;
    o.conflict = conflict;
    o.power = power;
    o.seed = seed;
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_generate(&o, &sc, NULL), PARLEY_OK);
    return sc;
}

/* ---- statistics --------------------------------------------------------- */

/* Quantiles of Student's t, from numerical integration of its density (a
 * Simpson rule in atan(t), bisection on the result), 9 decimals. */
static const struct {
    double p, df, t;
} t_table[] = {
    {0.975, 1, 12.706204736},  {0.975, 2, 4.302652730},
    {0.975, 3, 3.182446305},   {0.975, 4, 2.776445105},
    {0.975, 5, 2.570581836},   {0.975, 10, 2.228138852},
    {0.975, 30, 2.042272456},  {0.975, 1000, 1.962339081},
    {0.95, 1, 6.313751515},    {0.95, 2, 2.919985580},
    {0.95, 3, 2.353363435},    {0.95, 4, 2.131846786},
    {0.95, 5, 2.015048373},    {0.95, 10, 1.812461123},
    {0.95, 30, 1.697260887},   {0.95, 1000, 1.646378817},
    {0.995, 1, 63.656741163},  {0.995, 2, 9.924843201},
    {0.995, 3, 5.840909310},   {0.995, 4, 4.604094871},
    {0.995, 5, 4.032142984},   {0.995, 10, 3.169272673},
    {0.995, 30, 2.749995654},  {0.995, 1000, 2.580754698},
};

static void test_quantiles(void **state)
{
    (void)state;
    /* Normal quantiles (well-known values to 15 digits). */
    assert_true(fabs(parley_normal_quantile(0.975) - 1.959963984540054) <
                1e-14);
    assert_true(fabs(parley_normal_quantile(0.95) - 1.6448536269514722) <
                1e-14);
    assert_true(fabs(parley_normal_quantile(0.001) + 3.090232306167813) <
                1e-13);
    assert_true(fabs(parley_normal_quantile(1e-10) + 6.361340902404056) <
                1e-11);
    assert_true(parley_normal_quantile(0.5) == 0);
    assert_true(isnan(parley_normal_quantile(0)));
    assert_true(isnan(parley_normal_quantile(1)));
    assert_true(isnan(parley_normal_quantile(NAN)));
    for (double p = 0.01; p < 0.5; p += 0.01)
        assert_true(fabs(parley_normal_quantile(p) +
                         parley_normal_quantile(1 - p)) < 1e-12);

    for (size_t i = 0; i < sizeof t_table / sizeof *t_table; i++) {
        double p = t_table[i].p, df = t_table[i].df, want = t_table[i].t;
        double got = parley_t_quantile(p, df);
        if (fabs(got - want) > 2e-9 * want)
            fail_msg("t(%g, %g) = %.12g, table %.9f", p, df, got, want);
        /* Symmetric, and the inverse of the distribution function. */
        assert_true(fabs(parley_t_quantile(1 - p, df) + got) < 1e-9 * got);
        assert_true(fabs(parley_t_cdf(got, (unsigned)df) - p) < 1e-12);
        /* Cornish-Fisher alone: close from 5 degrees of freedom on. */
        double cf = parley_t_quantile_cf(p, df);
        if (df >= 5 && fabs(cf - want) > (p > 0.99 ? 2e-2 : 2e-3))
            fail_msg("Cornish-Fisher t(%g, %g) = %.9f, table %.9f", p, df,
                     cf, want);
        if (df >= 30 && fabs(cf - want) > 1e-5)
            fail_msg("Cornish-Fisher t(%g, %g) = %.9f, table %.9f", p, df,
                     cf, want);
    }
    /* Closed forms of the distribution function for 1 and 2 degrees. */
    for (double t = -5; t <= 5; t += 0.25) {
        assert_true(fabs(parley_t_cdf(t, 1) - (0.5 + atan(t) / PI)) <
                    1e-15);
        assert_true(fabs(parley_t_cdf(t, 2) -
                         (0.5 + t / (2 * sqrt(2 + t * t)))) < 1e-15);
    }
    /* Large df tends to the normal; beyond the exact range the expansion
     * takes over seamlessly. */
    assert_true(fabs(parley_t_quantile(0.975, 1e6) - 1.959963984540054) <
                3e-6);
    assert_true(fabs(parley_t_quantile(0.975, 100000) -
                     parley_t_quantile(0.975, 100001)) < 1e-9);
    assert_true(isnan(parley_t_quantile(0.975, 0)));
    assert_true(isnan(parley_t_quantile(0.975, 2.5)));
    assert_true(isnan(parley_t_quantile(1.5, 3)));
    assert_true(parley_t_quantile(0.5, 7) == 0);
}

static void test_intervals(void **state)
{
    (void)state;
    parley_interval_t iv;
    /* 8 of 10: centre (0.8 + z^2/20) / (1 + z^2/10), half
     * z / (1 + z^2/10) * sqrt(0.016 + z^2/400), z = 1.959964. */
    parley_interval_wilson(8, 10, 0.95, &iv);
    assert_int_equal(iv.n, 10);
    assert_true(iv.mean == 0.8);
    assert_true(fabs(iv.lo - 0.4901624) < 1e-6);
    assert_true(fabs(iv.hi - 0.9433178) < 1e-6);
    parley_interval_wilson(0, 10, 0.95, &iv);
    assert_true(iv.mean == 0 && iv.lo == 0);
    assert_true(fabs(iv.hi - 0.2775328) < 1e-6);
    parley_interval_wilson(10, 10, 0.95, &iv);
    assert_true(iv.hi == 1 && fabs(iv.lo - 0.7224672) < 1e-6);
    parley_interval_wilson(0, 0, 0.95, &iv);
    assert_true(iv.n == 0 && isnan(iv.mean) && isnan(iv.lo));
    parley_interval_wilson(11, 10, 0.95, &iv);
    assert_true(isnan(iv.mean));

    /* 1..5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445105. */
    const double x[] = {1, 2, 3, 4, 5};
    parley_interval_mean(x, 5, 0.95, &iv);
    double half = 2.776445105 * sqrt(2.5) / sqrt(5.0);
    assert_true(iv.mean == 3);
    assert_true(fabs(iv.lo - (3 - half)) < 1e-8);
    assert_true(fabs(iv.hi - (3 + half)) < 1e-8);
    parley_interval_mean(x, 1, 0.95, &iv);
    assert_true(iv.mean == 1 && isnan(iv.lo) && isnan(iv.hi));
    parley_interval_mean(x, 0, 0.95, &iv);
    assert_true(isnan(iv.mean));
    const double same[] = {0.25, 0.25, 0.25};
    parley_interval_mean(same, 3, 0.95, &iv);
    assert_true(iv.lo == 0.25 && iv.hi == 0.25);
}

/* ---- metrics ------------------------------------------------------------ */

static void check_metrics_against_analysis(const parley_scenario_t *sc,
                                           uint64_t seed)
{
    parley_model_t *m = NULL;
    parley_analysis_t *a = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    parley_analysis_opts_t ao;
    parley_analysis_opts_init(&ao);
    assert_int_equal(parley_analyze(m, &ao, &a, NULL), PARLEY_OK);
    uint32_t pkg[PARLEY_MAX_ISSUES];
    uint64_t s = seed;
    for (int trial = 0; trial < 300; trial++) {
        for (size_t k = 0; k < sc->n_issues; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            pkg[k] = (uint32_t)((s >> 33) % sc->issues[k].n_options);
        }
        /* Some trials on the frontier, where offsets and skews matter. */
        if (trial % 3 == 0) {
            size_t v = (size_t)(s >> 40) % parley_analysis_frontier_size(a);
            memcpy(pkg, parley_analysis_frontier_package(a, v),
                   sc->n_issues * sizeof *pkg);
        }
        parley_metrics_t ref;
        parley_study_metrics_t got;
        assert_int_equal(parley_analysis_metrics(a, m, pkg, &ref), PARLEY_OK);
        assert_int_equal(parley_study_metrics(a, m, 1, 7, pkg, &got),
                         PARLEY_OK);
        assert_int_equal(got.agreement, 1);
        assert_int_equal(got.rounds, 7);
        assert_true(got.efficiency == ref.efficiency);
        assert_true(got.min_norm_gain == ref.min_norm_gain);
        assert_true(got.gini == ref.gini);
        assert_true(got.power_skew == ref.power_skew);
        assert_int_equal(got.has_offset, ref.has_offset);
        if (ref.has_offset)
            assert_true(got.offset == ref.offset);
        parley_metrics_clear(&ref);
    }
    /* An impasse: everyone at its reservation. */
    parley_study_metrics_t imp;
    assert_int_equal(parley_study_metrics(a, m, 0, 60, NULL, &imp), PARLEY_OK);
    assert_true(imp.efficiency == 0 && imp.min_norm_gain == 0);
    assert_true(isnan(imp.gini) && isnan(imp.power_skew));
    assert_int_equal(imp.has_offset, 0);
    assert_int_equal(imp.rounds, 60);
    /* Misuse. */
    assert_int_equal(parley_study_metrics(NULL, m, 0, 0, NULL, &imp),
                     PARLEY_EARG);
    assert_int_equal(parley_study_metrics(a, m, 1, 0, NULL, &imp),
                     PARLEY_EARG);
    parley_analysis_free(a);
    parley_model_free(m);
}

static void test_metrics(void **state)
{
    (void)state;
    parley_scenario_t *sc = river();
    check_metrics_against_analysis(sc, 11);
    parley_scenario_free(sc);
    for (uint64_t seed = 1; seed <= 4; seed++) {
        sc = generated(2 + seed, 3, 4, 0.3 * (double)seed / 2,
                       PARLEY_POWER_ZIPF, seed);
        check_metrics_against_analysis(sc, seed);
        parley_scenario_free(sc);
    }
}

/* ---- one simulation ----------------------------------------------------- */

static void test_simulation(void **state)
{
    (void)state;
    parley_scenario_t *sc = river();
    parley_simulation_opts_t o;
    parley_simulation_opts_init(&o);
    o.seed = 5;
    parley_simulation_t *sim = NULL;
    assert_int_equal(parley_simulate(sc, &o, &sim, NULL), PARLEY_OK);
    const parley_outcome_t *oc = parley_simulation_outcome(sim);
    const parley_sim_result_t *med =
        parley_simulation_result(sim, PARLEY_SIM_MEDIATED);
    const parley_sim_result_t *pn =
        parley_simulation_result(sim, PARLEY_SIM_POWER_NASH);
    const parley_sim_result_t *bl =
        parley_simulation_result(sim, PARLEY_SIM_BASELINE);
    assert_int_equal(med->agreement, oc->agreement);
    assert_int_equal(med->rounds, oc->rounds);
    assert_true(pn->present && bl->present);
    /* power_nash measured against itself: no offset left, skew positive. */
    assert_true(pn->metrics.has_offset && pn->metrics.offset == 0);
    assert_true(pn->metrics.power_skew > 0);
    /* The baseline is parley_baseline_sao with the same seed and rules. */
    parley_baseline_result_t b;
    parley_strategy_kind_t kinds[8] = {0};
    assert_int_equal(parley_baseline_sao(sc, parley_simulation_rules(sim),
                                         kinds, 5, &b),
                     PARLEY_OK);
    assert_int_equal(b.agreement, bl->agreement);
    assert_int_equal(b.rounds, bl->rounds);
    assert_memory_equal(b.package, bl->package, sc->n_issues * sizeof(uint32_t));
    /* Texts: every round put one, in increasing rounds, the last one the
     * agreement. */
    size_t n = parley_simulation_n_texts(sim);
    assert_true(n >= 1);
    unsigned prev = 0;
    for (size_t t = 0; t < n; t++) {
        unsigned r;
        int pilot;
        assert_non_null(parley_simulation_text(sim, t, &r, &pilot));
        assert_true(r > prev);
        prev = r;
    }
    assert_null(parley_simulation_text(sim, n, NULL, NULL));
    if (med->agreement)
        assert_memory_equal(parley_simulation_text(sim, n - 1, NULL, NULL),
                            med->package, sc->n_issues * sizeof(uint32_t));
    /* Each party's gain is its utility less its reservation. */
    const parley_model_t *m = parley_simulation_model(sim);
    for (size_t i = 0; i < parley_model_n_parties(m); i++)
        assert_true(med->gain[i] ==
                    med->u[i] - parley_model_reservation(m, i));
    /* Picture of the path: well formed enough to hold every text number. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    parley_session_path_t path;
    memset(&path, 0, sizeof path);
    uint32_t *texts = calloc(n * sc->n_issues, sizeof *texts);
    for (size_t t = 0; t < n; t++)
        memcpy(texts + t * sc->n_issues,
               parley_simulation_text(sim, t, NULL, NULL),
               sc->n_issues * sizeof *texts);
    path.n_texts = n;
    path.texts = texts;
    path.agreement = med->agreement;
    path.final_package = med->package;
    path.baseline_package = bl->package;
    path.baseline_agreement = bl->agreement;
    assert_int_equal(parley_render_session_svg(parley_simulation_analysis(sim),
                                               m, sc, &path, f),
                     PARLEY_OK);
    fclose(f);
    assert_non_null(strstr(buf, "</svg>"));
    assert_non_null(strstr(buf, ">1"));
    free(buf);
    /* A text with an option out of range is refused. */
    texts[0] = 99;
    f = open_memstream(&buf, &len);
    assert_int_equal(parley_render_session_svg(parley_simulation_analysis(sim),
                                               m, sc, &path, f),
                     PARLEY_EARG);
    fclose(f);
    free(buf);
    free(texts);
    parley_simulation_free(sim);

    /* A bad kind is refused before anything runs. */
    parley_strategy_kind_t bad[8] = {0, 0, PARLEY_STRATEGY_COUNT};
    o.kinds = bad;
    assert_int_equal(parley_simulate(sc, &o, &sim, NULL), PARLEY_EARG);
    assert_null(sim);
    parley_scenario_free(sc);
}

/* ---- strategies reused ------------------------------------------------- */

static void hash_event(void *ctx, const parley_event_t *ev)
{
    uint64_t *h = ctx;
    for (const char *c = ev->json; *c; c++)
        *h = (*h ^ (unsigned char)*c) * 0x100000001b3ULL;
    *h = (*h ^ '\n') * 0x100000001b3ULL;
}

/* The log of a session over sc with the given strategies. */
static uint64_t session_log(const parley_scenario_t *sc,
                            parley_strategy_t *const *st, uint64_t seed)
{
    const parley_driver_t *dp[PARLEY_MAX_PARTIES] = {0};
    for (size_t i = 0; i < sc->n_parties; i++)
        if (st[i])
            dp[i] = parley_strategy_driver(st[i]);
    uint64_t h = 0xcbf29ce484222325ULL;
    parley_session_opts_t o = {seed, hash_event, &h};
    parley_session_t *s = NULL;
    assert_int_equal(parley_session_new(sc, NULL, dp, &o, &s, NULL),
                     PARLEY_OK);
    parley_session_run(s);
    parley_session_free(s);
    return h;
}

/*
 * A strategy reset to a seed is the strategy made with that seed: the same
 * parameters after jitter, and the same session to the byte, even after it
 * played (vetoes cast, concessions seen, rounds below target counted).
 */
static void test_strategy_reset(void **state)
{
    (void)state;
    parley_scenario_t *sc = river();
    for (int k = 0; k < PARLEY_STRATEGY_COUNT; k++) {
        parley_strategy_t *fresh[8] = {0}, *reused[8] = {0};
        for (size_t i = 0; i < sc->n_parties; i++) {
            if (sc->parties[i].role != PARLEY_ROLE_PARTY)
                continue;
            parley_strategy_kind_t kind = (parley_strategy_kind_t)k;
            assert_int_equal(parley_strategy_new(kind, sc, i,
                                                 parley_study_strategy_seed(9, i),
                                                 &fresh[i]),
                             PARLEY_OK);
            assert_int_equal(parley_strategy_new(kind, sc, i, 1234 + i,
                                                 &reused[i]),
                             PARLEY_OK);
        }
        session_log(sc, reused, 77); /* leaves state behind */
        for (size_t i = 0; i < sc->n_parties; i++) {
            if (!reused[i])
                continue;
            parley_strategy_reset(reused[i], parley_study_strategy_seed(9, i));
            parley_strategy_params_t a, b;
            parley_strategy_params_get(fresh[i], &a);
            parley_strategy_params_get(reused[i], &b);
            assert_memory_equal(&a, &b, sizeof a);
        }
        assert_true(session_log(sc, fresh, 9) == session_log(sc, reused, 9));
        for (size_t i = 0; i < sc->n_parties; i++) {
            parley_strategy_free(fresh[i]);
            parley_strategy_free(reused[i]);
        }
    }
    parley_strategy_reset(NULL, 1);
    parley_scenario_free(sc);
}

/* ---- studies ------------------------------------------------------------ */

/* The 2 x 2 grid channels x guarantees, plus a strategy level when mixed. */
static void grid(parley_study_design_t *d, int with_mix,
                 const char *const *ids, const parley_strategy_kind_t *kinds)
{
    static const char *const names[] = {"ch+g+", "ch+g-", "ch-g+", "ch-g-",
                                        "mix"};
    for (int i = 0; i < 4 + with_mix; i++) {
        memset(&d[i], 0, sizeof d[i]);
        d[i].name = names[i];
        if (i < 4) {
            d[i].set = PARLEY_STUDY_SET_CHANNELS | PARLEY_STUDY_SET_GUARANTEES;
            d[i].private_channels = i < 2;
            d[i].guarantees = i % 2 == 0;
        } else {
            d[i].strategies.n_assign = 1;
            d[i].strategies.party_ids = ids;
            d[i].strategies.kinds = kinds;
        }
    }
}

static char *csv_of(const parley_study_t *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(parley_study_write_csv(st, f), PARLEY_OK);
    fclose(f);
    return buf;
}

static char *json_of(const parley_study_t *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(parley_study_write_json(st, f), PARLEY_OK);
    fclose(f);
    return buf;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_study_grid_and_threads(void **state)
{
    (void)state;
    parley_scenario_t *sc[2] = {
        river(), generated(3, 3, 4, 0.6, PARLEY_POWER_LINEAR, 3)};
    const char *ids[] = {"carrowmere"};
    const parley_strategy_kind_t kinds[] = {PARLEY_STRATEGY_CONCEDER};
    parley_study_design_t d[5];
    grid(d, 0, ids, kinds);
    parley_study_spec_t spec;
    parley_study_spec_init(&spec);
    spec.n_scenarios = 2;
    spec.scenarios = (const parley_scenario_t *const *)sc;
    spec.n_designs = 4;
    spec.designs = d;
    spec.first_seed = 40;
    spec.n_seeds = 9;

    char *csv1 = NULL, *json1 = NULL;
    const unsigned threads[] = {1, 2, 3, 8};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        spec.threads = threads[t];
        parley_study_t *st = NULL;
        parley_diags_t *dg = parley_diags_new();
        parley_status_t rc = parley_study_run(&spec, &st, dg);
        if (rc != PARLEY_OK)
            parley_diags_print(dg, stderr);
        assert_int_equal(rc, PARLEY_OK);
        parley_diags_free(dg);
        /* 2 scenarios x 4 designs x 9 seeds, in that order. */
        assert_int_equal(parley_study_n_rows(st), 72);
        for (size_t i = 0; i < 72; i++) {
            const parley_study_row_t *r = parley_study_row(st, i);
            assert_int_equal(r->scenario, i / 36);
            assert_int_equal(r->design, i / 9 % 4);
            assert_int_equal(r->seed, 40 + i % 9);
            assert_true(r->mediated.agreement == 0 ||
                        r->mediated.agreement == 1);
            assert_true(r->baseline.agreement == 0 ||
                        r->baseline.agreement == 1);
        }
        assert_null(parley_study_row(st, 72));
        char *csv = csv_of(st), *json = json_of(st);
        assert_int_equal(count_lines(csv), 73);
        if (!csv1) {
            csv1 = csv;
            json1 = json;
        } else {
            /* The same bytes whatever the threads. */
            assert_string_equal(csv, csv1);
            assert_string_equal(json, json1);
            free(csv);
            free(json);
        }
        parley_study_free(st);
    }
    assert_non_null(strstr(csv1, "\n\"Saro river basin: water, power and "
                                 "trust\",ch+g+,40,"));
    free(csv1);
    free(json1);
    parley_scenario_free(sc[0]);
    parley_scenario_free(sc[1]);
}

/* Every row is the standalone simulation of its design and seed. */
static void test_study_rows_are_simulations(void **state)
{
    (void)state;
    parley_scenario_t *sc = river();
    const char *ids[] = {"carrowmere", "lowen"};
    const parley_strategy_kind_t kinds[] = {PARLEY_STRATEGY_MISREPORTER,
                                            PARLEY_STRATEGY_BOULWARE};
    parley_study_design_t d[5];
    grid(d, 1, ids, kinds);
    d[4].strategies.n_assign = 2;
    d[4].set = PARLEY_STUDY_SET_VETO_BUDGET | PARLEY_STUDY_SET_LAMBDA;
    d[4].veto_budget = 1;
    d[4].lambda = 0.2;
    parley_study_spec_t spec;
    parley_study_spec_init(&spec);
    spec.n_scenarios = 1;
    spec.scenarios = (const parley_scenario_t *const *)&sc;
    spec.n_designs = 5;
    spec.designs = d;
    spec.first_seed = 3;
    spec.n_seeds = 4;
    spec.threads = 2;
    parley_study_t *st = NULL;
    assert_int_equal(parley_study_run(&spec, &st, NULL), PARLEY_OK);
    for (size_t i = 0; i < parley_study_n_rows(st); i++) {
        const parley_study_row_t *r = parley_study_row(st, i);
        const parley_study_design_t *de = &d[r->design];
        parley_rules_t rules;
        parley_rules_of(sc, &rules);
        if (de->set & PARLEY_STUDY_SET_CHANNELS)
            rules.private_channels = de->private_channels;
        if (de->set & PARLEY_STUDY_SET_GUARANTEES)
            rules.guarantees = de->guarantees;
        if (de->set & PARLEY_STUDY_SET_VETO_BUDGET)
            rules.veto_budget = de->veto_budget;
        if (de->set & PARLEY_STUDY_SET_LAMBDA)
            rules.lambda = de->lambda;
        parley_strategy_kind_t k[8] = {0};
        if (r->design == 4) {
            k[1] = PARLEY_STRATEGY_MISREPORTER; /* carrowmere */
            k[3] = PARLEY_STRATEGY_BOULWARE;    /* lowen */
        }
        parley_simulation_opts_t o;
        parley_simulation_opts_init(&o);
        o.rules = &rules;
        o.kinds = k;
        o.seed = r->seed;
        parley_simulation_t *sim = NULL;
        assert_int_equal(parley_simulate(sc, &o, &sim, NULL), PARLEY_OK);
        const parley_sim_result_t *m =
            parley_simulation_result(sim, PARLEY_SIM_MEDIATED);
        const parley_sim_result_t *b =
            parley_simulation_result(sim, PARLEY_SIM_BASELINE);
        assert_metrics_equal(&m->metrics, &r->mediated);
        assert_metrics_equal(&b->metrics, &r->baseline);
        assert_int_equal(parley_simulation_outcome(sim)->concessions,
                         r->concessions);
        parley_simulation_free(sim);
    }
    /* The baseline ignores channels and guarantees: one per seed for the
     * four grid designs; the design with other strategies has its own. */
    for (size_t k = 0; k < 4; k++)
        for (size_t e = 1; e < 4; e++)
            assert_metrics_equal(&parley_study_row(st, k)->baseline,
                                 &parley_study_row(st, e * 4 + k)->baseline);
    int differs = 0;
    for (size_t k = 0; k < 4; k++)
        differs |= metrics_differ(&parley_study_row(st, k)->baseline,
                                  &parley_study_row(st, 16 + k)->baseline);
    assert_true(differs);

    /* Summaries recomputed from the rows. */
    for (size_t de = 0; de < 5; de++) {
        const parley_study_summary_t *su = parley_study_summary(st, de);
        assert_int_equal(su->sessions, 4);
        size_t yes = 0, n_ag = 0;
        double eff[4], skew[4];
        for (size_t k = 0; k < 4; k++) {
            const parley_study_row_t *r = parley_study_row(st, de * 4 + k);
            yes += r->mediated.agreement;
            eff[k] = r->mediated.efficiency;
            if (r->mediated.agreement)
                skew[n_ag++] = r->mediated.power_skew;
        }
        parley_interval_t iv;
        parley_interval_wilson(yes, 4, 0.95, &iv);
        assert_int_equal(iv.n, su->mediated[PARLEY_STUDY_AGREEMENT].n);
        assert_true(same_double(iv.mean, su->mediated[PARLEY_STUDY_AGREEMENT].mean));
        assert_true(same_double(iv.lo, su->mediated[PARLEY_STUDY_AGREEMENT].lo));
        assert_true(same_double(iv.hi, su->mediated[PARLEY_STUDY_AGREEMENT].hi));
        parley_interval_mean(eff, 4, 0.95, &iv);
        assert_true(same_double(iv.mean, su->mediated[PARLEY_STUDY_EFFICIENCY].mean));
        assert_true(same_double(iv.lo, su->mediated[PARLEY_STUDY_EFFICIENCY].lo));
        assert_true(same_double(iv.hi, su->mediated[PARLEY_STUDY_EFFICIENCY].hi));
        parley_interval_mean(skew, n_ag, 0.95, &iv);
        assert_int_equal(iv.n, su->mediated[PARLEY_STUDY_POWER_SKEW].n);
        if (n_ag)
            assert_true(iv.mean == su->mediated[PARLEY_STUDY_POWER_SKEW].mean);
        assert_int_equal(su->baseline[PARLEY_STUDY_ROUNDS].n, 4);
    }
    assert_string_equal(parley_study_design_name(st, 4), "mix");
    assert_int_equal(parley_study_n_designs(st), 5);
    assert_int_equal(parley_study_n_scenarios(st), 1);

    /* The picture of the designs. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(parley_render_study_svg(st, f), PARLEY_OK);
    fclose(f);
    assert_non_null(strstr(buf, "offset vs power_nash"));
    assert_non_null(strstr(buf, ">ch-g+</text>"));
    free(buf);
    parley_study_free(st);
    parley_scenario_free(sc);
}

static void test_study_without_baseline(void **state)
{
    (void)state;
    parley_scenario_t *sc = generated(4, 3, 3, 0.5, PARLEY_POWER_DOMINANT, 9);
    parley_study_design_t d;
    memset(&d, 0, sizeof d);
    d.name = "base";
    parley_study_spec_t spec;
    parley_study_spec_init(&spec);
    spec.n_scenarios = 1;
    spec.scenarios = (const parley_scenario_t *const *)&sc;
    spec.n_designs = 1;
    spec.designs = &d;
    spec.n_seeds = 5;
    spec.baseline = 0;
    spec.threads = 1;
    parley_study_t *st = NULL;
    assert_int_equal(parley_study_run(&spec, &st, NULL), PARLEY_OK);
    assert_int_equal(parley_study_row(st, 0)->baseline.agreement, -1);
    assert_int_equal(
        parley_study_summary(st, 0)->baseline[PARLEY_STUDY_AGREEMENT].n, 0);
    char *csv = csv_of(st);
    /* Baseline columns empty. */
    assert_non_null(strstr(csv, ",,,,,,,\n"));
    free(csv);
    char *json = json_of(st);
    assert_non_null(strstr(json, "\"baseline\":null"));
    free(json);
    parley_study_free(st);
    parley_scenario_free(sc);
}

static int diag_contains(const parley_diags_t *dg, const char *needle)
{
    for (size_t i = 0; i < parley_diags_count(dg); i++)
        if (strstr(parley_diags_get(dg, i)->message, needle))
            return 1;
    return 0;
}

static void test_study_errors(void **state)
{
    (void)state;
    parley_scenario_t *sc = river();
    parley_study_design_t d[2];
    memset(d, 0, sizeof d);
    d[0].name = "a";
    d[1].name = "a";
    parley_study_spec_t spec;
    parley_study_spec_init(&spec);
    spec.n_scenarios = 1;
    spec.scenarios = (const parley_scenario_t *const *)&sc;
    spec.n_designs = 2;
    spec.designs = d;
    spec.n_seeds = 2;
    parley_study_t *st = NULL;
    parley_diags_t *dg = parley_diags_new();

    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EARG);
    assert_null(st);
    assert_true(diag_contains(dg, "two designs are named 'a'"));

    parley_diags_clear(dg);
    d[1].name = "b";
    const char *ids[] = {"atlantis"};
    const parley_strategy_kind_t kinds[] = {PARLEY_STRATEGY_BOULWARE};
    d[1].strategies.n_assign = 1;
    d[1].strategies.party_ids = ids;
    d[1].strategies.kinds = kinds;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EARG);
    assert_true(diag_contains(dg, "has no voting party 'atlantis'"));

    parley_diags_clear(dg);
    d[1].strategies.n_assign = 0;
    d[1].set = PARLEY_STUDY_SET_VETO_WINDOW;
    d[1].veto_window = 0;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EINVALID);
    assert_true(diag_contains(dg, "design 'b'"));
    assert_null(st);

    parley_diags_clear(dg);
    d[1].set = 0;
    spec.n_seeds = 0;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EARG);
    spec.n_seeds = 2;
    spec.first_seed = UINT64_MAX;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EARG);
    spec.first_seed = 1;
    spec.n_designs = 0;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EARG);
    assert_int_equal(parley_study_run(NULL, &st, dg), PARLEY_EARG);
    assert_int_equal(parley_study_run(&spec, NULL, dg), PARLEY_EARG);

    /* Nothing feasible: nothing to measure against. */
    parley_diags_clear(dg);
    spec.n_designs = 1;
    sc->parties[0].reservation = 2;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EINFEASIBLE);
    assert_true(diag_contains(dg, "nothing is feasible"));
    parley_diags_free(dg);
    parley_scenario_free(sc);
}

/* ---- allocation failures ----------------------------------------------- */

typedef struct fail_alloc {
    size_t calls, fail_at;
    long live;
} fail_alloc_t;

static void *fa_malloc(void *ctx, size_t n)
{
    fail_alloc_t *fa = ctx;
    if (++fa->calls == fa->fail_at)
        return NULL;
    void *p = malloc(n);
    if (p)
        fa->live++;
    return p;
}

static void *fa_realloc(void *ctx, void *p, size_t n)
{
    fail_alloc_t *fa = ctx;
    if (++fa->calls == fa->fail_at)
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        fa->live++;
    return q;
}

static void fa_free(void *ctx, void *p)
{
    fail_alloc_t *fa = ctx;
    if (p)
        fa->live--;
    free(p);
}

/* Allocations of a one-thread study of the river basin over n seeds. */
static size_t study_allocations(size_t n_seeds, int baseline)
{
    parley_scenario_t *sc = river();
    parley_study_design_t d;
    memset(&d, 0, sizeof d);
    d.name = "base";
    parley_study_spec_t spec;
    parley_study_spec_init(&spec);
    spec.n_scenarios = 1;
    spec.scenarios = (const parley_scenario_t *const *)&sc;
    spec.n_designs = 1;
    spec.designs = &d;
    spec.n_seeds = n_seeds;
    spec.baseline = baseline;
    spec.threads = 1;
    fail_alloc_t fa = {0, 0, 0};
    parley_allocator_t a = {fa_malloc, fa_realloc, fa_free, &fa};
    parley_set_allocator(&a);
    parley_study_t *st = NULL;
    parley_status_t rc = parley_study_run(&spec, &st, NULL);
    parley_set_allocator(NULL);
    assert_int_equal(rc, PARLEY_OK);
    parley_study_free(st);
    parley_scenario_free(sc);
    return fa.calls;
}

/*
 * Sessions of truthful parties allocate nothing: the study's allocations
 * do not grow with the number of seeds (one session and one strategy per
 * party, reset from seed to seed; rows allocated at once).
 */
static void test_no_allocation_per_session(void **state)
{
    (void)state;
    size_t few = study_allocations(3, 0), many = study_allocations(300, 0);
    if (few != many)
        fail_msg("%zu allocations for 3 sessions, %zu for 300", few, many);
    /* The baseline is a function call that builds its own parties. */
    assert_true(study_allocations(3, 1) > few);
}

/* A study on one thread (the hooks are not thread-safe) and a simulation
 * fail cleanly at every allocation and leak nothing. */
static void test_alloc_failures(void **state)
{
    (void)state;
    parley_scenario_t *sc = generated(3, 2, 3, 0.5, PARLEY_POWER_LINEAR, 2);
    parley_study_design_t d[2];
    memset(d, 0, sizeof d);
    d[0].name = "on";
    d[0].set = PARLEY_STUDY_SET_CHANNELS;
    d[0].private_channels = 1;
    d[1].name = "off";
    d[1].set = PARLEY_STUDY_SET_CHANNELS;
    const char *ids[] = {"p2"};
    const parley_strategy_kind_t kinds[] = {PARLEY_STRATEGY_MISREPORTER};
    d[1].strategies.n_assign = 1;
    d[1].strategies.party_ids = ids;
    d[1].strategies.kinds = kinds;
    parley_study_spec_t spec;
    parley_study_spec_init(&spec);
    spec.n_scenarios = 1;
    spec.scenarios = (const parley_scenario_t *const *)&sc;
    spec.n_designs = 2;
    spec.designs = d;
    spec.n_seeds = 2;
    spec.threads = 1;
    for (int which = 0; which < 2; which++) {
        for (size_t n = 1;; n++) {
            fail_alloc_t fa = {0, n, 0};
            parley_allocator_t a = {fa_malloc, fa_realloc, fa_free, &fa};
            parley_set_allocator(&a);
            parley_status_t st;
            if (which == 0) {
                parley_study_t *res = NULL;
                st = parley_study_run(&spec, &res, NULL);
                if (st == PARLEY_OK) {
                    char *csv = csv_of(res);
                    free(csv);
                }
                parley_study_free(res);
            } else {
                parley_simulation_opts_t o;
                parley_simulation_opts_init(&o);
                parley_simulation_t *sim = NULL;
                st = parley_simulate(sc, &o, &sim, NULL);
                char *js = NULL;
                if (st == PARLEY_OK)
                    st = parley_simulation_summary_json(sim, sc, &js);
                parley_free(js);
                parley_simulation_free(sim);
            }
            int failed_inside = fa.calls >= n;
            parley_set_allocator(NULL);
            if (fa.live != 0)
                fail_msg("%s, allocation %zu failed: %ld blocks leaked",
                         which ? "simulation" : "study", n, fa.live);
            if (!failed_inside) {
                assert_int_equal(st, PARLEY_OK);
                break;
            }
            assert_int_not_equal(st, PARLEY_OK);
            assert_true(n < 200000);
        }
    }
    parley_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_intervals),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_simulation),
        cmocka_unit_test(test_strategy_reset),
        cmocka_unit_test(test_study_grid_and_threads),
        cmocka_unit_test(test_study_rows_are_simulations),
        cmocka_unit_test(test_study_without_baseline),
        cmocka_unit_test(test_study_errors),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_no_allocation_per_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
