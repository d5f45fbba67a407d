/*
 * progress.c - a progress bar for long analyses, on stderr.
 *
 * Drawn only when stderr is a terminal (never into a pipe or a log file)
 * and only once the work has taken more than a second, so quick runs stay
 * silent.  Redraws are limited to ten a second and to visible changes; the
 * bar is erased when the work ends so the report starts on a clean line.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_internal.h"

#define BAR_WIDTH 30
#define DELAY_SECONDS 1.0

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress_t *p)
{
    memset(p, 0, sizeof *p);
    p->enabled = isatty(STDERR_FILENO);
    p->start = now_seconds();
    p->last_permille = -1;
}

void cli_progress_update(void *ctx, double fraction, const char *stage)
{
    cli_progress_t *p = ctx;
    if (!p || !p->enabled)
        return;
    double t = now_seconds();
    if (t - p->start < DELAY_SECONDS)
        return;
    if (!(fraction >= 0))
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int permille = (int)(fraction * 1000);
    if (p->drawn && (permille == p->last_permille || t - p->last_draw < 0.1))
        return;
    int filled = (int)(fraction * BAR_WIDTH + 0.5);
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r\033[K[%s] %3d%%  %.40s  %.0fs", bar, permille / 10,
            stage ? stage : "", t - p->start);
    fflush(stderr);
    p->drawn = 1;
    p->last_permille = permille;
    p->last_draw = t;
}

void cli_progress_done(cli_progress_t *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}
