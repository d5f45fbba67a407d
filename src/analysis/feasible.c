/*
 * feasible.c - counts the feasible set F without listing it.
 *
 * Depth-first over the allowed options, issue by issue, carrying partial
 * utility sums formed in issue order (as parley_model_utility forms them).
 * At each node the model's exact reservation thresholds (model_internal.h)
 * decide whole subtrees:
 *   - some party below reach[k]: nothing below can be feasible, skip it;
 *   - every party at or above safe[k]: everything below is feasible, count
 *     the product of the remaining option counts at once.
 * Only undecided nodes are expanded; at the last issue the options are
 * checked one by one ("leaves").  With reservations at or below every
 * package's utility the root is already decided, so even 10^24 packages
 * count in no time; the cost is the number of undecided leaves, at most the
 * allowed count.
 *
 * Work limit.  opts->count_limit (default 2e9) caps the leaves checked one
 * by one, and opts->time_budget caps the wall time (parley_analyze hands
 * the count a quarter of the analysis' budget: the frontier, which the
 * solutions need, deserves the larger share, and bounds on a count are a
 * fine answer).  When
 * either stops the walk, lower = feasible packages counted so far, upper =
 * allowed packages not yet shown infeasible; exact = 0.
 *
 * Threads: the tree is cut at the shallowest depth with at least 64
 * prefixes per thread; threads take prefixes from a shared counter.  The
 * counts are sums of integers (exact below 2^53), so an exact result does
 * not depend on the number of threads.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parley/alloc.h"
#include "analysis/analysis_internal.h"
#include "model/model_internal.h"

#define DEFAULT_COUNT_LIMIT 2e9
#define MAX_THREADS 16
/* Leaves between looks at the clock and the shared limit, at most. */
#define CHECK_EVERY 65536

typedef struct shared {
    const parley_model_t *m;
    size_t split;       /* tasks are the prefixes of this many issues */
    double n_tasks;
    double *below;      /* below[k] = product of n_allowed[k..K-1] */
    double leaf_limit;  /* leaves checked one by one, all threads */
    double deadline;    /* absolute seconds, 0 = none */
    pthread_mutex_t lock;
    double batch;       /* tasks taken at once */
    uint64_t check_every; /* leaves between reports */
    double next_task;   /* under lock */
    double leaves;      /* under lock: leaves reported so far */
    int stop;           /* under lock (read racily as a hint) */
} shared_t;

typedef struct worker {
    shared_t *sh;
    double feasible, infeasible; /* packages decided */
    uint64_t leaves_pending;     /* not yet reported to shared */
    int stopped;
    double *ps;                  /* (K + 1) * P partial sums */
} worker_t;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reports leaves; returns 1 when the walk must stop. */
static int report(worker_t *w)
{
    shared_t *sh = w->sh;
    int stop;
    pthread_mutex_lock(&sh->lock);
    sh->leaves += (double)w->leaves_pending;
    w->leaves_pending = 0;
    if (sh->leaves > sh->leaf_limit ||
        (sh->deadline > 0 && now_seconds() > sh->deadline))
        sh->stop = 1;
    stop = sh->stop;
    pthread_mutex_unlock(&sh->lock);
    return stop;
}

/*
 * Node at stage k with partial sums w->ps[k*P..]: decides it or expands it.
 * Returns 1 when the walk stopped inside (the node is then partly counted).
 */
static int visit(worker_t *w, size_t k)
{
    const parley_model_t *m = w->sh->m;
    size_t P = m->n_parties, K = m->n_issues;
    const double *p = &w->ps[k * P];
    const double *reach = &m->reach[k * P], *safe = &m->safe[k * P];
    int all_safe = 1;
    for (size_t i = 0; i < P; i++) {
        if (!(p[i] >= reach[i])) {
            w->infeasible += w->sh->below[k];
            return 0;
        }
        all_safe &= p[i] >= safe[i];
    }
    if (all_safe) {
        w->feasible += w->sh->below[k];
        return 0;
    }
    /* k < K here: at stage K reach == safe == r decides every node. */
    size_t na = m->n_allowed[k];
    const double *ac = m->acontrib[k];
    if (k + 1 == K) {
        const double *r = m->reservation;
        uint64_t ok = 0;
        for (size_t a = 0; a < na; a++) {
            const double *c = &ac[a * P];
            int f = 1;
            for (size_t i = 0; i < P; i++)
                f &= p[i] + c[i] >= r[i];
            ok += (uint64_t)f;
        }
        w->feasible += (double)ok;
        w->infeasible += (double)(na - ok);
        w->leaves_pending += na;
        if (w->leaves_pending >= w->sh->check_every && report(w))
            return 1;
        return 0;
    }
    double *q = &w->ps[(k + 1) * P];
    for (size_t a = 0; a < na; a++) {
        const double *c = &ac[a * P];
        for (size_t i = 0; i < P; i++)
            q[i] = p[i] + c[i];
        if (visit(w, k + 1))
            return 1;
    }
    return 0;
}

/* Task t: the t-th prefix of `split` issues (first issue most significant). */
static int run_task(worker_t *w, double t)
{
    const parley_model_t *m = w->sh->m;
    size_t P = m->n_parties, split = w->sh->split;
    size_t pos[PARLEY_MAX_ISSUES];
    for (size_t k = split; k-- > 0;) {
        double na = (double)m->n_allowed[k];
        double q = floor(t / na);
        pos[k] = (size_t)(t - q * na);
        t = q;
    }
    for (size_t i = 0; i < P; i++)
        w->ps[i] = 0.0;
    /* Decide as early as possible: a prefix may already be out or safe. */
    for (size_t k = 0; k < split; k++) {
        const double *p = &w->ps[k * P];
        int out = 0, all_safe = 1;
        for (size_t i = 0; i < P; i++) {
            out |= !(p[i] >= m->reach[k * P + i]);
            all_safe &= p[i] >= m->safe[k * P + i];
        }
        if (out || all_safe) {
            /* Counted once, by the prefix's first task; the others skip. */
            int first = 1;
            for (size_t l = k; l < split; l++)
                first &= pos[l] == 0;
            if (first) {
                if (out)
                    w->infeasible += w->sh->below[k];
                else
                    w->feasible += w->sh->below[k];
            }
            return 0;
        }
        const double *c = &m->acontrib[k][pos[k] * P];
        for (size_t i = 0; i < P; i++)
            w->ps[(k + 1) * P + i] = p[i] + c[i];
    }
    return visit(w, split);
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    shared_t *sh = w->sh;
    for (;;) {
        double t;
        pthread_mutex_lock(&sh->lock);
        int stop = sh->stop;
        t = sh->next_task;
        if (!stop && t < sh->n_tasks)
            sh->next_task += sh->batch;
        pthread_mutex_unlock(&sh->lock);
        if (stop || t >= sh->n_tasks)
            break;
        double end = t + sh->batch < sh->n_tasks ? t + sh->batch : sh->n_tasks;
        for (; t < end && !w->stopped; t += 1)
            w->stopped = run_task(w, t);
        if (w->stopped)
            break;
    }
    report(w);
    return NULL;
}

parley_status_t parley__feasible_count(const parley_model_t *m,
                                       const parley_analysis_opts_t *opts,
                                       parley__feasible_count_t *out)
{
    size_t P = m->n_parties, K = m->n_issues;
    shared_t sh;
    worker_t w[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    unsigned nth = opts ? opts->threads : 0;
    if (nth == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        nth = c > 0 ? (unsigned)c : 1;
    }
    if (nth > MAX_THREADS)
        nth = MAX_THREADS;
    memset(out, 0, sizeof *out);
    memset(&sh, 0, sizeof sh);
    memset(w, 0, sizeof w);
    sh.m = m;
    sh.leaf_limit = opts && opts->count_limit > 0 ? opts->count_limit
                                                  : DEFAULT_COUNT_LIMIT;
    sh.deadline = opts && opts->time_budget > 0
                      ? now_seconds() + opts->time_budget
                      : 0;
    sh.below = parley_calloc(K + 1, sizeof *sh.below);
    if (!sh.below)
        return PARLEY_ENOMEM;
    sh.below[K] = 1;
    for (size_t k = K; k-- > 0;)
        sh.below[k] = sh.below[k + 1] * (double)m->n_allowed[k];
    /* Cut where there are enough prefixes to share, never at the leaves. */
    sh.n_tasks = 1;
    while (sh.split + 1 < K && sh.n_tasks < 64.0 * nth) {
        sh.n_tasks *= (double)m->n_allowed[sh.split];
        sh.split++;
    }
    if (nth > 1 && m->allowed_count < 1e5)
        nth = 1;
    sh.batch = ceil(sh.n_tasks / (1024.0 * nth));
    sh.check_every = CHECK_EVERY;
    if (sh.leaf_limit / 16 < CHECK_EVERY)
        sh.check_every = sh.leaf_limit >= 16 ? (uint64_t)(sh.leaf_limit / 16)
                                              : 1;
    pthread_mutex_init(&sh.lock, NULL);
    parley_status_t st = PARLEY_OK;
    for (unsigned t = 0; t < nth; t++) {
        w[t].sh = &sh;
        w[t].ps = parley_calloc((K + 1) * P, sizeof(double));
        if (!w[t].ps)
            st = PARLEY_ENOMEM;
    }
    if (st == PARLEY_OK) {
        for (unsigned t = 1; t < nth; t++)
            started[t] = pthread_create(&th[t], NULL, worker_main, &w[t]) == 0;
        worker_main(&w[0]);
        for (unsigned t = 1; t < nth; t++)
            if (started[t])
                pthread_join(th[t], NULL);
        /* Complete when every task ran to its end (a limit reached by
         * the last report does not make a finished walk inexact). */
        double feas = 0, infeas = 0;
        int complete = sh.next_task >= sh.n_tasks;
        for (unsigned t = 0; t < nth; t++) {
            feas += w[t].feasible;
            infeas += w[t].infeasible;
            complete &= !w[t].stopped;
        }
        if (complete) {
            out->exact = 1;
            out->count = out->lower = out->upper = feas;
        } else {
            out->exact = 0;
            out->lower = feas;
            out->upper = m->allowed_count - infeas;
            if (out->upper < out->lower)
                out->upper = out->lower;
            out->count = out->lower;
        }
    }
    for (unsigned t = 0; t < nth; t++)
        parley_free(w[t].ps);
    pthread_mutex_destroy(&sh.lock);
    parley_free(sh.below);
    return st;
}
