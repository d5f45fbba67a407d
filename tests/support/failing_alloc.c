/*
 * failing_alloc.c - the failing, counting allocator and its sweep (see the
 * header).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "support/failing_alloc.h"

static struct {
    long fail_at; /* 0 = refuse nothing */
    int keep_failing;
    int held;
    long calls, refused, live;
} fa;

static int refuse(void)
{
    if (fa.held)
        return 0;
    fa.calls++;
    if (fa.fail_at > 0 && (fa.calls == fa.fail_at ||
                           (fa.keep_failing && fa.calls > fa.fail_at))) {
        fa.refused++;
        return 1;
    }
    return 0;
}

/* Size 0 becomes 1 so that the C library's answer to it (NULL, or realloc
 * freeing the block) cannot pass for a refusal. */
static void *fa_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (refuse())
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        fa.live++;
    return p;
}

static void *fa_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (refuse())
        return NULL;
    void *p = realloc(ptr, size ? size : 1);
    if (p && !ptr)
        fa.live++;
    return p;
}

static void fa_free(void *ctx, void *ptr)
{
    (void)ctx;
    if (ptr)
        fa.live--;
    free(ptr);
}

void failing_alloc_install(long fail_at, int keep_failing)
{
    static const parley_allocator_t hooks = {fa_malloc, fa_realloc, fa_free,
                                             NULL};
    fa.fail_at = fail_at;
    fa.keep_failing = keep_failing;
    fa.held = 0;
    fa.calls = fa.refused = fa.live = 0;
    parley_set_allocator(&hooks);
}

void failing_alloc_remove(void)
{
    parley_set_allocator(NULL);
}

void failing_alloc_hold(int on)
{
    fa.held = on;
}

long failing_alloc_calls(void)
{
    return fa.calls;
}

long failing_alloc_refused(void)
{
    return fa.refused;
}

long failing_alloc_live(void)
{
    return fa.live;
}

int failing_alloc_teardown(void **state)
{
    (void)state;
    failing_alloc_remove();
    return 0;
}

failing_alloc_result_t failing_alloc_sweep(failing_alloc_fn fn, void *ctx,
                                           const failing_alloc_opts_t *opts)
{
    failing_alloc_opts_t o = {0};
    if (opts)
        o = *opts;
    const char *name = o.name ? o.name : "";
    const char *sep = o.name ? ": " : "";
    const char *on = o.keep_failing ? " on" : "";
    failing_alloc_result_t r = {0};
    for (long n = 1;; n += o.stride > 0 && n >= o.dense ? o.stride : 1) {
        if (o.limit > 0 && n > o.limit)
            fail_msg("%s%sstill refusing at allocation %ld, beyond the limit "
                     "%ld", name, sep, n, o.limit);
        failing_alloc_install(n, o.keep_failing);
        parley_status_t st = fn(ctx);
        long calls = fa.calls, refused = fa.refused, live = fa.live;
        failing_alloc_remove();
        r.runs++;
        if (live != 0)
            fail_msg("%s%sallocation %ld%s refused: %ld blocks left "
                     "allocated", name, sep, n, on, live);
        if (refused == 0) {
            if (st != o.expect)
                fail_msg("%s%snothing refused: status %s, expected %s", name,
                         sep, parley_status_name(st),
                         parley_status_name(o.expect));
            r.clean_at = n;
            r.allocations = calls;
            return r;
        }
        if (st == PARLEY_ENOMEM)
            r.enomem++;
        else if (o.may_absorb && st == o.expect)
            r.absorbed++;
        else
            fail_msg("%s%sallocation %ld%s refused: status %s, expected "
                     "ENOMEM%s%s", name, sep, n, on, parley_status_name(st),
                     o.may_absorb ? " or " : "",
                     o.may_absorb ? parley_status_name(o.expect) : "");
    }
}
