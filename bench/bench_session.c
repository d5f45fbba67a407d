/*
 * bench_session.c - how long a simulated mediation takes.
 *
 *   bench_session [--sessions N] [--threads T] [--fresh] [--misreport]
 *                 [--strategies] SCENARIO
 *   bench_session [...] --genius DOMAIN.xml PROFILE.xml ...
 *
 * Runs N complete sessions (default 10000) over one scenario with simple
 * simulated parties: each accepts a text worth at least its aspiration to
 * it, objects otherwise naming the open issues where the text is not its
 * best, and concedes a step drawn once per session from the seed (0.02 to
 * 0.1).  Sessions share one plan; each thread reuses one session
 * (parley_session_reset), as a study would; --fresh creates plan and
 * session anew for every session instead.  --misreport: every party
 * declares a reservation 0.05 above its own, so that every session builds
 * its own model of the parties.  --strategies: the simulated strategies
 * of strategy.h instead, party i of session k playing kind (k + i) mod 6,
 * seeded per session and party, created and freed with every session (as
 * a study does).  No event log is built.  Prints
 * the mean time per session, the agreement rate and the mean rounds.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parley/import.h"
#include "parley/session.h"
#include "parley/strategy.h"

typedef struct sim {
    double step;
} sim_t;

static double own_utility(const parley_view_t *v, const uint32_t *t)
{
    const parley_scenario_t *sc = v->public_scenario;
    double u = 0;
    for (size_t k = 0; k < sc->n_issues; k++)
        u += v->self->weights[k] *
             parley_value_eval(&v->self->values[k], &sc->issues[k], t[k]);
    return u;
}

static parley_status_t sim_answer(void *ctx, const parley_view_t *v,
                                  parley_answer_t *out)
{
    (void)ctx;
    double u = own_utility(v, v->text) + v->guarantee_bonus;
    if (u >= v->aspiration - 1e-9) {
        out->kind = PARLEY_ANSWER_ACCEPT;
        return PARLEY_OK;
    }
    out->kind = PARLEY_ANSWER_OBJECT;
    const parley_scenario_t *sc = v->public_scenario;
    for (size_t q = 0; q < v->n_open; q++) {
        size_t k = v->open_issues[q];
        const parley_value_fn_t *f = &v->self->values[k];
        double cur = parley_value_eval(f, &sc->issues[k], v->text[k]);
        for (size_t j = 0; j < sc->issues[k].n_options; j++)
            if (parley_value_eval(f, &sc->issues[k], j) > cur) {
                out->issues[out->n_issues++] = k;
                break;
            }
    }
    return PARLEY_OK;
}

static parley_status_t sim_disclose(void *ctx, const parley_view_t *v,
                                    parley_party_t *declared)
{
    (void)ctx;
    (void)v;
    declared->reservation += 0.05;
    return PARLEY_OK;
}

static parley_status_t sim_concede(void *ctx, const parley_view_t *v,
                                   double *asp)
{
    *asp = v->aspiration - ((sim_t *)ctx)->step;
    return PARLEY_OK;
}

typedef struct job {
    const parley_scenario_t *sc;
    const parley_session_plan_t *plan;
    long first, count;
    int fresh, misreport, strategies;
    long agreements, rounds;
    parley_status_t st;
} job_t;

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void *work(void *arg)
{
    job_t *j = arg;
    size_t n = j->sc->n_parties;
    sim_t *sims = calloc(n, sizeof *sims);
    parley_driver_t *drv = calloc(n, sizeof *drv);
    const parley_driver_t **dp = calloc(n, sizeof *dp);
    parley_session_t *s = NULL;
    for (size_t i = 0; i < n; i++) {
        drv[i].ctx = &sims[i];
        drv[i].answer = sim_answer;
        drv[i].concede = sim_concede;
        if (j->misreport)
            drv[i].disclose = sim_disclose;
        dp[i] = &drv[i];
    }
    parley_strategy_t **st = calloc(n, sizeof *st);
    for (long k = j->first; k < j->first + j->count; k++) {
        parley_session_opts_t o = {(uint64_t)k, NULL, NULL, NULL, NULL};
        for (size_t i = 0; j->strategies && i < n; i++) {
            if (j->sc->parties[i].role != PARLEY_ROLE_PARTY)
                continue;
            parley_strategy_kind_t kind =
                (parley_strategy_kind_t)(((size_t)k + i) %
                                         PARLEY_STRATEGY_COUNT);
            if (parley_strategy_new(kind, j->sc, i, mix((uint64_t)k * 64 + i),
                                    &st[i]) != PARLEY_OK) {
                j->st = PARLEY_ENOMEM;
                break;
            }
            dp[i] = parley_strategy_driver(st[i]);
        }
        for (size_t i = 0; i < n; i++)
            sims[i].step =
                0.02 + 0.08 * (double)(mix((uint64_t)k * 64 + i) >> 11) /
                           9007199254740992.0;
        parley_status_t rc = j->st;
        if (rc != PARLEY_OK) {
        } else if (j->fresh) {
            parley_session_free(s);
            s = NULL;
            rc = parley_session_new(j->sc, NULL, dp, &o, &s, NULL);
        } else if (!s) {
            rc = parley_session_new_planned(j->plan, dp, &o, &s, NULL);
        } else {
            rc = parley_session_reset(s, dp, &o);
        }
        if (rc == PARLEY_OK)
            rc = parley_session_run(s);
        for (size_t i = 0; i < n; i++) {
            parley_strategy_free(st[i]);
            st[i] = NULL;
        }
        if (rc != PARLEY_OK) {
            j->st = rc;
            break;
        }
        parley_outcome_t out;
        parley_session_outcome(s, &out);
        j->agreements += out.agreement;
        j->rounds += out.rounds;
    }
    free(st);
    parley_session_free(s);
    free(sims);
    free(drv);
    free(dp);
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long sessions = 10000;
    int threads = 1, fresh = 0, misreport = 0, strategies = 0, a = 1;
    for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
        if (strcmp(argv[a], "--sessions") == 0 && a + 1 < argc)
            sessions = atol(argv[++a]);
        else if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc)
            threads = atoi(argv[++a]);
        else if (strcmp(argv[a], "--fresh") == 0)
            fresh = 1;
        else if (strcmp(argv[a], "--misreport") == 0)
            misreport = 1;
        else if (strcmp(argv[a], "--strategies") == 0)
            strategies = 1;
        else if (strcmp(argv[a], "--genius") == 0)
            break;
        else {
            fprintf(stderr, "unknown option %s\n", argv[a]);
            return 2;
        }
    }
    if (a >= argc || threads < 1 || threads > 64 || sessions < 1) {
        fprintf(stderr, "usage: bench_session [--sessions N] [--threads T] "
                        "[--fresh] [--misreport] [--strategies] SCENARIO | "
                        "--genius DOMAIN "
                        "PROFILE...\n");
        return 2;
    }
    parley_diags_t *d = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st;
    if (strcmp(argv[a], "--genius") == 0) {
        if (argc - a < 3) {
            fprintf(stderr, "--genius needs a domain and profiles\n");
            return 2;
        }
        st = parley_import_genius(argv[a + 1],
                                  (const char *const *)&argv[a + 2],
                                  (size_t)(argc - a - 2), &sc, d);
    } else {
        st = parley_scenario_read_file(argv[a], &sc, d);
    }
    if (st != PARLEY_OK) {
        parley_diags_print(d, stderr);
        return 1;
    }
    double t0 = now();
    parley_session_plan_t *plan = NULL;
    st = parley_session_plan_new(sc, NULL, &plan, d);
    if (st != PARLEY_OK) {
        parley_diags_print(d, stderr);
        return 1;
    }
    double t_plan = now() - t0;
    job_t jobs[64];
    pthread_t tid[64];
    long per = sessions / threads;
    t0 = now();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (job_t){sc, plan, t * per,
                          t == threads - 1 ? sessions - t * per : per,
                          fresh, misreport, strategies, 0, 0, PARLEY_OK};
        pthread_create(&tid[t], NULL, work, &jobs[t]);
    }
    long agreements = 0, rounds = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        if (jobs[t].st != PARLEY_OK) {
            fprintf(stderr, "session failed: %s\n",
                    parley_status_name(jobs[t].st));
            return 1;
        }
        agreements += jobs[t].agreements;
        rounds += jobs[t].rounds;
    }
    double t_run = now() - t0;
    printf("scenario: %s (%zu parties, %.0f packages)\n", sc->name,
           sc->n_parties, parley_scenario_package_count(sc));
    printf("plan: %.3f ms\n", t_plan * 1e3);
    printf("%ld sessions on %d thread%s%s%s%s: %.3f s, %.2f us per session "
           "(wall / sessions)\n",
           sessions, threads, threads == 1 ? "" : "s",
           fresh ? " (fresh plan and session each)" : "",
           misreport ? " (misreported reservations)" : "",
           strategies ? " (strategies, all six kinds)" : "", t_run,
           t_run / (double)sessions * 1e6);
    printf("agreements: %.1f%%, mean rounds %.1f\n",
           100.0 * (double)agreements / (double)sessions,
           (double)rounds / (double)sessions);
    parley_session_plan_free(plan);
    parley_scenario_free(sc);
    parley_diags_free(d);
    return 0;
}
