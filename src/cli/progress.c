/*
 * progress.c - a progress bar for long analyses, on stderr.
 *
 * Drawn only when stderr is a terminal (never into a pipe or a log file)
 * and only once the work has taken more than a second, so quick runs stay
 * silent.  The library reports progress in steps that can be far apart (one
 * per issue merged, the last often the longest), so a ticker thread redraws
 * the bar five times a second with the elapsed time: the user sees the work
 * is alive even between reports.  The bar is erased when the work ends so
 * the report starts on a clean line.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_internal.h"

#define BAR_WIDTH 30
#define DELAY_SECONDS 1.0
#define TICK_NS 200000000L

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Draws the current state; the caller holds the lock. */
static void draw(cli_progress_t *p)
{
    double t = now_seconds() - p->start;
    if (t < DELAY_SECONDS)
        return;
    double f = p->fraction;
    int filled = (int)(f * BAR_WIDTH + 0.5);
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r\033[K[%s] %3d%%  %s  %.0fs", bar, (int)(f * 100),
            p->stage, t);
    fflush(stderr);
    p->drawn = 1;
    p->last_permille = (int)(f * 1000);
}

static void *ticker(void *arg)
{
    cli_progress_t *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int rc = pthread_cond_timedwait(&p->wake, &p->lock, &until);
        if (p->stop)
            break;
        if (rc == ETIMEDOUT || rc == 0)
            draw(p);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void cli_progress_init(cli_progress_t *p)
{
    memset(p, 0, sizeof *p);
    p->last_permille = -1;
    p->enabled = isatty(STDERR_FILENO);
    p->start = now_seconds();
    if (!p->enabled)
        return;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        p->enabled = 0;
        return;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        p->enabled = 0;
        return;
    }
    /* Without a ticker the bar still follows the library's reports. */
    p->has_ticker = pthread_create(&p->thread, NULL, ticker, p) == 0;
}

void cli_progress_update(void *ctx, double fraction, const char *stage)
{
    cli_progress_t *p = ctx;
    if (!p || !p->enabled)
        return;
    if (!(fraction >= 0))
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    pthread_mutex_lock(&p->lock);
    /* Redraw on a visible change only: reports may come very often. */
    int changed = (int)(fraction * 1000) != p->last_permille ||
                  strncmp(p->stage, stage ? stage : "", sizeof p->stage - 1);
    p->fraction = fraction;
    snprintf(p->stage, sizeof p->stage, "%s", stage ? stage : "");
    if (changed)
        draw(p);
    pthread_mutex_unlock(&p->lock);
}

void cli_progress_done(cli_progress_t *p)
{
    if (!p->enabled)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    if (p->has_ticker)
        pthread_join(p->thread, NULL);
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    p->enabled = 0;
}
