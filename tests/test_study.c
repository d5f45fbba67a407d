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
 * diagnostics, and allocation failures at every step.  Implementation:
 * the breach formula against hand-worked values and monotone in each
 * driver, the one-draw path and a slow per-party, per-period path both
 * against the law of the formula, and a study with periods the same
 * whatever the threads, each row the implementation of its session.
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
    parley_session_opts_t o = {seed, hash_event, &h, NULL, NULL};
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

/* ---- implementation and durability -------------------------------------- */

/*
 * Two voting parties and a guarantor between them (so scenario and model
 * indices differ), one issue, reservations 0: every package is feasible
 * and each party's ideal is 1.  At "mid" A's normalized gain is 0.3 and
 * B's 0.8.  A holds two guarantees that apply at mid (credibility 0.8 and
 * 0.5), B one that applies only at hi (0.6).
 */
static const char small_json[] =
    "{\"version\": 1, \"name\": \"small\","
    " \"issues\": [{\"id\": \"x\", \"kind\": \"discrete\","
    "   \"options\": [\"lo\", \"mid\", \"hi\"]}],"
    " \"parties\": ["
    "  {\"id\": \"a\", \"role\": \"party\", \"power\": 2,"
    "   \"utility\": {\"x\": {\"weight\": 1, \"table\":"
    "     {\"lo\": 0, \"mid\": 0.3, \"hi\": 1}}}},"
    "  {\"id\": \"g\", \"role\": \"guarantor\"},"
    "  {\"id\": \"b\", \"role\": \"party\", \"power\": 1,"
    "   \"utility\": {\"x\": {\"weight\": 1, \"table\":"
    "     {\"lo\": 1, \"mid\": 0.8, \"hi\": 0}}}}],"
    " \"guarantees\": ["
    "  {\"id\": \"g1\", \"guarantor\": \"g\", \"beneficiary\": \"a\","
    "   \"kind\": \"economic\", \"credibility\": 0.8, \"value\": 0.1,"
    "   \"conditions\": [{\"issue\": \"x\", \"op\": \"in\","
    "     \"value\": [\"mid\", \"hi\"]}]},"
    "  {\"id\": \"g2\", \"guarantor\": \"g\", \"beneficiary\": \"a\","
    "   \"kind\": \"security\", \"credibility\": 0.5, \"value\": 0.1,"
    "   \"conditions\": [{\"issue\": \"x\", \"op\": \"==\","
    "     \"value\": \"mid\"}]},"
    "  {\"id\": \"g3\", \"guarantor\": \"g\", \"beneficiary\": \"b\","
    "   \"kind\": \"monitoring\", \"credibility\": 0.6, \"value\": 0.1,"
    "   \"conditions\": [{\"issue\": \"x\", \"op\": \"==\","
    "     \"value\": \"hi\"}]}"
    " ]}";

static parley_scenario_t *small(void)
{
    parley_scenario_t *sc = NULL;
    parley_diags_t *d = parley_diags_new();
    parley_status_t st = parley_scenario_read_string(
        small_json, sizeof small_json - 1, "small", &sc, d);
    if (st != PARLEY_OK)
        parley_diags_print(d, stderr);
    assert_int_equal(st, PARLEY_OK);
    parley_diags_free(d);
    return sc;
}

/* The formula against values worked by hand. */
static void test_breach_formula(void **state)
{
    (void)state;
    const double eps = 1e-15;
    /* 0.2 x (1 - 0.4) x (1 - 0.5) x (1 - 0.8) */
    assert_float_equal(parley_breach_probability(0.2, 0.4, 0.5, 0.2), 0.012,
                       eps);
    assert_float_equal(parley_breach_probability(0.2, 0, 0, 1), 0.2, eps);
    assert_float_equal(parley_breach_probability(0.3, 0.75, 0.9, 0.5),
                       0.3 * 0.25 * 0.1 * 0.5, eps);
    assert_true(parley_breach_probability(0.2, 1, 0, 1) == 0);
    assert_true(parley_breach_probability(0.2, 0.5, 1, 1) == 0);
    assert_true(parley_breach_probability(0.2, 0.5, 0.5, 0) == 0);
    /* Clamped drivers: a gain below the reservation tempts as 0 does, one
     * beyond the ideal as 1; NaN counts as 0. */
    assert_float_equal(parley_breach_probability(0.2, -0.3, 0, 1), 0.2, eps);
    assert_true(parley_breach_probability(0.2, 1.5, 0, 1) == 0);
    assert_float_equal(parley_breach_probability(0.2, NAN, NAN, 1), 0.2, eps);
    assert_float_equal(parley_breach_probability(7, 0, 0, 1), 1, eps);

    assert_float_equal(parley_monitoring_from_name("none"), 0, 0);
    assert_float_equal(parley_monitoring_from_name("periodic"), 0.5, 0);
    assert_float_equal(parley_monitoring_from_name("independent"), 0.9, 0);
    assert_true(parley_monitoring_from_name("sometimes") < 0);
    assert_string_equal(parley_monitoring_name(0.9), "independent");
    assert_null(parley_monitoring_name(0.3));

    /* On a scenario: guarantees, their conditions, the party mapping. */
    parley_scenario_t *sc = small();
    parley_model_t *m = NULL;
    parley_analysis_t *a = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_int_equal(parley_analyze(m, NULL, &a, NULL), PARLEY_OK);
    parley_rules_t rules;
    parley_rules_of(sc, &rules);
    assert_true(rules.guarantees);
    const uint32_t lo[] = {0}, mid[] = {1}, hi[] = {2};
    assert_float_equal(parley_implementation_unguaranteed(sc, &rules, 0, mid),
                       0.2 * 0.5, eps);
    assert_float_equal(parley_implementation_unguaranteed(sc, &rules, 0, hi),
                       0.2, eps);
    assert_float_equal(parley_implementation_unguaranteed(sc, &rules, 0, lo),
                       1, 0);
    assert_float_equal(parley_implementation_unguaranteed(sc, &rules, 2, hi),
                       0.4, eps);
    assert_float_equal(parley_implementation_unguaranteed(sc, &rules, 2, mid),
                       1, 0);
    double p[2];
    assert_int_equal(parley_implementation_breach(a, m, sc, &rules, mid, 0.5,
                                                  0.2, p),
                     PARLEY_OK);
    assert_float_equal(p[0], 0.2 * 0.7 * 0.5 * 0.1, eps); /* 0.007 */
    assert_float_equal(p[1], 0.2 * 0.2 * 0.5, eps);       /* 0.02 */
    assert_int_equal(parley_implementation_breach(a, m, sc, NULL, hi, 0.5,
                                                  0.2, p),
                     PARLEY_OK);
    assert_true(p[0] == 0);                           /* at its ideal */
    assert_float_equal(p[1], 0.2 * 1 * 0.5 * 0.4, eps); /* g3 applies */
    rules.guarantees = 0;
    assert_int_equal(parley_implementation_breach(a, m, sc, &rules, mid, 0,
                                                  0.2, p),
                     PARLEY_OK);
    assert_float_equal(p[0], 0.2 * 0.7, eps);
    assert_float_equal(p[1], 0.2 * 0.2, eps);
    assert_int_equal(parley_implementation_breach(a, m, sc, &rules, mid, 1.5,
                                                  0.2, p),
                     PARLEY_EARG);
    assert_int_equal(parley_implementation_breach(a, m, sc, &rules, mid, 0.5,
                                                  -0.1, p),
                     PARLEY_EARG);
    assert_int_equal(parley_implementation_breach(a, m, sc, &rules, NULL,
                                                  0.5, 0.2, p),
                     PARLEY_EARG);
    parley_analysis_free(a);
    parley_model_free(m);
    parley_scenario_free(sc);
}

/* The probability falls with each driver, the others held (on a grid, and
 * for a guarantee's credibility through the scenario). */
static void test_breach_monotone(void **state)
{
    (void)state;
    const double base[] = {0.05, 0.2, 1};
    for (size_t b = 0; b < 3; b++)
        for (int i = 0; i <= 10; i++)
            for (int j = 0; j <= 10; j++)
                for (int k = 0; k < 10; k++) {
                    double x = i / 10.0, y = j / 10.0, c = k / 10.0,
                           c2 = (k + 1) / 10.0;
                    double p = parley_breach_probability(base[b], x, y, 1 - c);
                    assert_true(p >= 0 && p <= base[b]);
                    /* more credibility */
                    double q = parley_breach_probability(base[b], x, y, 1 - c2);
                    assert_true(q <= p);
                    if (x < 1 && y < 1)
                        assert_true(q < p);
                    /* more gain, more monitoring */
                    double g1 = k / 10.0, g2 = (k + 1) / 10.0;
                    double B = base[b];
                    double pg1 = parley_breach_probability(B, g1, x, 1 - y),
                           pg2 = parley_breach_probability(B, g2, x, 1 - y);
                    assert_true(pg2 <= pg1);
                    if (x < 1 && y < 1)
                        assert_true(pg2 < pg1);
                    double pm1 = parley_breach_probability(B, x, g1, 1 - y),
                           pm2 = parley_breach_probability(B, x, g2, 1 - y);
                    assert_true(pm2 <= pm1);
                    if (x < 1 && y < 1)
                        assert_true(pm2 < pm1);
                }
    /* A guarantee's credibility raised in the scenario lowers only its
     * beneficiary's probability. */
    parley_scenario_t *sc = small();
    parley_model_t *m = NULL;
    parley_analysis_t *a = NULL;
    assert_int_equal(parley_model_new(sc, &m, NULL), PARLEY_OK);
    assert_int_equal(parley_analyze(m, NULL, &a, NULL), PARLEY_OK);
    const uint32_t mid[] = {1};
    double prev[2] = {1, 1};
    for (int k = 0; k <= 10; k++) {
        sc->guarantees[0].credibility = k / 10.0;
        double p[2];
        assert_int_equal(parley_implementation_breach(a, m, sc, NULL, mid, 0.3,
                                                      0.2, p),
                         PARLEY_OK);
        if (k > 0) {
            assert_true(p[0] < prev[0]);
            assert_true(p[1] == prev[1]);
        }
        prev[0] = p[0];
        prev[1] = p[1];
    }
    parley_analysis_free(a);
    parley_model_free(m);
    parley_scenario_free(sc);
}

/* A generator of the test's own (splitmix64), for the slow path. */
static double test_unit(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* The slow obvious implementation: each period, each party draws. */
static unsigned kept_slow(const double *p, size_t n, unsigned periods,
                          uint64_t *s, size_t *first_breaches)
{
    for (unsigned t = 0; t < periods; t++) {
        int breach = 0;
        for (size_t i = 0; i < n; i++)
            if (test_unit(s) < p[i]) {
                breach = 1;
                if (t == 0)
                    first_breaches[i]++;
            }
        if (breach)
            return t;
    }
    return periods;
}

/* Within 5 standard errors of a binomial proportion. */
static void assert_share(size_t hits, size_t n, double prob)
{
    double f = (double)hits / (double)n;
    double tol = 5 * sqrt(prob * (1 - prob) / (double)n) + 1e-12;
    if (fabs(f - prob) > tol)
        fail_msg("share %.6f, expected %.6f within %.6f", f, prob, tol);
}

/* The one-draw geometric path and the per-party, per-period draws both
 * follow the law of the formula: P(kept = k) = S^k (1 - S), P(standing) =
 * S^T; each party breaches in a period with its own probability. */
static void test_kept_law(void **state)
{
    (void)state;
    const double p[] = {0.05, 0.1, 0.02};
    const unsigned T = 8;
    const size_t n = 100000;
    double S = (1 - p[0]) * (1 - p[1]) * (1 - p[2]);
    size_t fast[9] = {0}, slow[9] = {0}, first[3] = {0};
    uint64_t s = 12345;
    for (size_t r = 0; r < n; r++) {
        unsigned k = parley_implementation_kept(p, 3, T, r + 1);
        assert_true(k <= T);
        fast[k]++;
        unsigned k2 = kept_slow(p, 3, T, &s, first);
        slow[k2]++;
    }
    for (unsigned k = 0; k <= T; k++) {
        double prob = k < T ? pow(S, k) * (1 - S) : pow(S, T);
        assert_share(fast[k], n, prob);
        assert_share(slow[k], n, prob);
    }
    for (size_t i = 0; i < 3; i++)
        assert_share(first[i], n, p[i]);

    /* Edges: no periods; nobody breaches; a sure breach; same seed, same
     * result; out-of-range probabilities clamped. */
    assert_int_equal(parley_implementation_kept(p, 3, 0, 7), 0);
    const double none[] = {0, 0}, sure[] = {0.1, 1}, wild[] = {-1, 0};
    assert_int_equal(parley_implementation_kept(none, 2, 12, 7), 12);
    assert_int_equal(parley_implementation_kept(wild, 2, 12, 7), 12);
    assert_int_equal(parley_implementation_kept(sure, 2, 12, 7), 0);
    assert_int_equal(parley_implementation_kept(NULL, 0, 5, 7), 5);
    for (uint64_t seed = 0; seed < 50; seed++)
        assert_int_equal(parley_implementation_kept(p, 3, T, seed),
                         parley_implementation_kept(p, 3, T, seed));
    assert_true(parley_implementation_seed(1) != parley_implementation_seed(2));
    assert_true(parley_implementation_seed(1) !=
                parley_study_strategy_seed(1, 0));
}

/* A study with periods: the same bytes whatever the threads, each row the
 * implementation of its session's agreement, summaries from the rows, the
 * same draws for designs that differ only in monitoring. */
static void test_study_durability(void **state)
{
    (void)state;
    parley_scenario_t *sc = river();
    parley_study_design_t d[4];
    memset(d, 0, sizeof d);
    const char *names[] = {"g+ none", "g+ indep", "g- none", "g- indep"};
    for (int i = 0; i < 4; i++) {
        d[i].name = names[i];
        d[i].set = PARLEY_STUDY_SET_GUARANTEES;
        d[i].guarantees = i < 2;
        if (i % 2) {
            d[i].set |= PARLEY_STUDY_SET_MONITORING;
            d[i].monitoring = PARLEY_MONITORING_INDEPENDENT;
        }
    }
    const char *ids[] = {"lowen"};
    const parley_strategy_kind_t kinds[] = {PARLEY_STRATEGY_BOULWARE};
    d[2].strategies.n_assign = d[3].strategies.n_assign = 1;
    d[2].strategies.party_ids = d[3].strategies.party_ids = ids;
    d[2].strategies.kinds = d[3].strategies.kinds = kinds;
    parley_study_spec_t spec;
    parley_study_spec_init(&spec);
    assert_int_equal(spec.periods, 0);
    assert_float_equal(spec.breach_base, PARLEY_BREACH_BASE, 0);
    spec.n_scenarios = 1;
    spec.scenarios = (const parley_scenario_t *const *)&sc;
    spec.n_designs = 4;
    spec.designs = d;
    spec.first_seed = 5;
    spec.n_seeds = 40;
    spec.periods = 6;
    spec.breach_base = 0.3;
    spec.baseline = 0;
    char *csv1 = NULL, *json1 = NULL;
    const unsigned threads[] = {1, 2, 5};
    parley_study_t *st = NULL;
    for (size_t t = 0; t < 3; t++) {
        parley_study_free(st);
        st = NULL;
        spec.threads = threads[t];
        assert_int_equal(parley_study_run(&spec, &st, NULL), PARLEY_OK);
        char *csv = csv_of(st), *json = json_of(st);
        if (!csv1) {
            csv1 = csv;
            json1 = json;
        } else {
            assert_string_equal(csv, csv1);
            assert_string_equal(json, json1);
            free(csv);
            free(json);
        }
    }
    assert_int_equal(parley_study_periods(st), 6);
    assert_non_null(strstr(csv1, ",baseline_offset,standing,periods_kept\n"));
    assert_non_null(strstr(json1, "\"implementation\":{\"periods\":6,"
                                  "\"breach_base\":0.3}"));
    assert_non_null(strstr(json1, "\"monitoring\":0.9"));
    assert_non_null(strstr(json1, "\"durability\":{\"n\":"));

    size_t agreements[4] = {0}, standing[4] = {0}, broken = 0;
    double kept_sum[4] = {0};
    for (size_t i = 0; i < parley_study_n_rows(st); i++) {
        const parley_study_row_t *r = parley_study_row(st, i);
        if (!r->mediated.agreement) {
            assert_int_equal(r->standing, -1);
            assert_int_equal(r->periods_kept, 0);
            continue;
        }
        assert_true(r->standing == 0 || r->standing == 1);
        assert_int_equal(r->standing, r->periods_kept == 6);
        agreements[r->design]++;
        standing[r->design] += (size_t)r->standing;
        kept_sum[r->design] += r->periods_kept;
        broken += r->standing == 0;
        /* The row is the implementation of the standalone session's
         * agreement under the design's rules and monitoring. */
        parley_rules_t rules;
        parley_rules_of(sc, &rules);
        rules.guarantees = d[r->design].guarantees;
        parley_strategy_kind_t k[8] = {0};
        if (r->design >= 2)
            k[3] = PARLEY_STRATEGY_BOULWARE; /* lowen */
        parley_simulation_opts_t o;
        parley_simulation_opts_init(&o);
        o.rules = &rules;
        o.kinds = k;
        o.seed = r->seed;
        o.baseline = 0;
        parley_simulation_t *sim = NULL;
        assert_int_equal(parley_simulate(sc, &o, &sim, NULL), PARLEY_OK);
        const parley_sim_result_t *res =
            parley_simulation_result(sim, PARLEY_SIM_MEDIATED);
        assert_int_equal(res->agreement, 1);
        double p[PARLEY_MAX_PARTIES];
        double mon = r->design % 2 ? 0.9 : 0;
        assert_int_equal(parley_implementation_breach(
                             parley_simulation_analysis(sim),
                             parley_simulation_model(sim), sc, &rules,
                             res->package, mon, 0.3, p),
                         PARLEY_OK);
        size_t np = parley_model_n_parties(parley_simulation_model(sim));
        for (size_t q = 0; q < np; q++)
            assert_true(p[q] > 0 && p[q] < 0.3);
        assert_int_equal(r->periods_kept,
                         parley_implementation_kept(
                             p, np, 6, parley_implementation_seed(r->seed)));
        parley_simulation_free(sim);
        /* Common random numbers: the same session under more monitoring
         * is kept at least as long. */
        if (r->design % 2 == 0) {
            const parley_study_row_t *r2 = parley_study_row(st, i + 40);
            assert_int_equal(r2->seed, r->seed);
            assert_int_equal(r2->mediated.agreement, 1);
            assert_true(r2->periods_kept >= r->periods_kept);
        }
    }
    assert_true(broken > 0); /* the check above is not vacuous */
    for (size_t de = 0; de < 4; de++) {
        const parley_study_summary_t *su = parley_study_summary(st, de);
        assert_int_equal(su->durability.n, agreements[de]);
        assert_float_equal(su->durability.mean,
                           (double)standing[de] / (double)agreements[de],
                           1e-15);
        parley_interval_t w;
        parley_interval_wilson(standing[de], agreements[de], 0.95, &w);
        assert_float_equal(su->durability.lo, w.lo, 0);
        assert_float_equal(su->durability.hi, w.hi, 0);
        assert_int_equal(su->periods_kept.n, agreements[de]);
        assert_float_equal(su->periods_kept.mean,
                           kept_sum[de] / (double)agreements[de], 1e-12);
    }
    /* More monitoring, more durable (same sessions, same draws). */
    assert_true(parley_study_summary(st, 1)->durability.mean >
                parley_study_summary(st, 0)->durability.mean);
    free(csv1);
    free(json1);
    parley_study_free(st);

    /* Without periods: no durability anywhere. */
    spec.periods = 0;
    spec.n_seeds = 3;
    assert_int_equal(parley_study_run(&spec, &st, NULL), PARLEY_OK);
    for (size_t i = 0; i < parley_study_n_rows(st); i++)
        assert_int_equal(parley_study_row(st, i)->standing, -1);
    assert_int_equal(parley_study_summary(st, 0)->durability.n, 0);
    char *csv = csv_of(st), *json = json_of(st);
    assert_null(strstr(csv, "standing"));
    assert_null(strstr(json, "durability"));
    assert_null(strstr(json, "implementation"));
    free(csv);
    free(json);
    parley_study_free(st);

    /* Out of range. */
    parley_diags_t *dg = parley_diags_new();
    spec.periods = PARLEY_STUDY_PERIODS_MAX + 1;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EARG);
    assert_true(diag_contains(dg, "implementation periods"));
    spec.periods = 4;
    spec.breach_base = 1.5;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EARG);
    assert_true(diag_contains(dg, "base breach probability"));
    spec.breach_base = 0.2;
    d[1].monitoring = -0.5;
    assert_int_equal(parley_study_run(&spec, &st, dg), PARLEY_EARG);
    assert_true(diag_contains(dg, "design 'g+ indep': monitoring intensity"));
    assert_null(st);
    parley_diags_free(dg);
    parley_scenario_free(sc);
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
static size_t study_allocations(size_t n_seeds, int baseline,
                                unsigned periods)
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
    spec.periods = periods;
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
    size_t few = study_allocations(3, 0, 0);
    size_t many = study_allocations(300, 0, 0);
    if (few != many)
        fail_msg("%zu allocations for 3 sessions, %zu for 300", few, many);
    /* Implementation allocates nothing either. */
    assert_int_equal(study_allocations(3, 0, 8), few);
    assert_int_equal(study_allocations(300, 0, 8), few);
    /* The baseline is a function call that builds its own parties. */
    assert_true(study_allocations(3, 1, 0) > few);
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
        cmocka_unit_test(test_breach_formula),
        cmocka_unit_test(test_breach_monotone),
        cmocka_unit_test(test_kept_law),
        cmocka_unit_test(test_study_durability),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_no_allocation_per_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
