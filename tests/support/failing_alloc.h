/*
 * failing_alloc.h - an allocator for tests that fails on request and counts
 * what is left allocated, and a sweep that drives it over every allocation.
 *
 * Installed through parley_set_allocator(), it numbers the allocations
 * libparley makes (malloc and realloc alike, from 1), refuses the Nth one
 * (and, in keep-failing mode, every one after it, the way a process that
 * ran out of memory stays out of it), and counts live blocks so that a test
 * can prove an error path freed everything it took.  Blocks come from the C
 * library, so memory allocated before the allocator was installed may be
 * freed while it is, and the other way round; only the live count is then
 * off, which is what a leak check should see.
 *
 * The state is process-global, like the hooks themselves; one sweep at a
 * time.
 */
#ifndef PARLEY_TESTS_FAILING_ALLOC_H
#define PARLEY_TESTS_FAILING_ALLOC_H

#include "parley/error.h"

/* ---- the allocator ------------------------------------------------------ */

/*
 * Installs the allocator with fresh counts.  `fail_at` is the 1-based
 * number of the allocation to refuse (0 = refuse none); with `keep_failing`
 * every later one is refused too.
 */
void failing_alloc_install(long fail_at, int keep_failing);
/* Restores the C library allocator; harmless when nothing is installed. */
void failing_alloc_remove(void);

/*
 * While held, allocations are served, counted as live, and neither numbered
 * nor refused: for setup or checking code inside a run whose allocations
 * are not the ones under test.
 */
void failing_alloc_hold(int on);

long failing_alloc_calls(void);   /* numbered allocations so far */
long failing_alloc_refused(void); /* allocations refused so far */
long failing_alloc_live(void);    /* blocks allocated and not yet freed */

/* A cmocka teardown that removes the allocator, should a test stop inside
 * a run with it installed. */
int failing_alloc_teardown(void **state);

/* ---- the sweep ---------------------------------------------------------- */

/*
 * One run of the code under test: it must free everything it allocated
 * before it returns, and return the status of the operation.  It may make
 * its own assertions (for instance that no partial result came out).
 */
typedef parley_status_t (*failing_alloc_fn)(void *ctx);

typedef struct failing_alloc_opts {
    const char *name;     /* names the sweep in failure messages; NULL = "" */
    int keep_failing;     /* refuse the Nth allocation and every later one */
    parley_status_t expect; /* status of a run that nothing refused; 0 = OK */
    /*
     * A run in which an allocation was refused may also end in `expect`
     * instead of ENOMEM: the code could do without that allocation (a
     * diagnostic not stored, an optional field not written).
     */
    int may_absorb;
    /* Every N up to `dense` is tried, then every `stride`th (0 = every N). */
    long dense, stride;
    /* The run that nothing refuses must come by N = limit; 0 = no limit. */
    long limit;
} failing_alloc_opts_t;

typedef struct failing_alloc_result {
    long clean_at;    /* N of the first run in which nothing was refused */
    long allocations; /* allocations that run made */
    long runs;        /* runs made, that one included */
    long enomem;      /* runs that ended in ENOMEM */
    long absorbed;    /* runs with a refusal that ended in `expect` */
} failing_alloc_result_t;

/*
 * Runs fn(ctx) with the allocator installed failing allocation N, for
 * N = 1, 2, ... (see dense and stride) until a run goes through without a
 * refusal.  After each run the allocator is removed and the test fails
 * unless no block is left allocated, and the status is ENOMEM (or `expect`,
 * with may_absorb) when an allocation was refused, `expect` when none was.
 * opts NULL = every N, exact Nth, expect OK, strict, no limit.
 */
failing_alloc_result_t failing_alloc_sweep(failing_alloc_fn fn, void *ctx,
                                           const failing_alloc_opts_t *opts);

#endif
