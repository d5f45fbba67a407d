/*
 * alloc.c - the allocator hooks every libparley allocation goes through.
 *
 * Kept tiny on purpose: tests swap in a failing allocator to drive each error
 * path, so the wrappers must add nothing but the overflow check in calloc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parley/alloc.h"

static void *std_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void *std_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return realloc(ptr, size);
}

static void std_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static parley_allocator_t current = {std_malloc, std_realloc, std_free, NULL};

void parley_set_allocator(const parley_allocator_t *allocator)
{
    if (allocator)
        current = *allocator;
    else
        current = (parley_allocator_t){std_malloc, std_realloc, std_free, NULL};
}

void *parley_malloc(size_t size)
{
    return current.malloc(current.ctx, size ? size : 1);
}

void *parley_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t total = count * size;
    void *p = current.malloc(current.ctx, total ? total : 1);
    if (p)
        memset(p, 0, total);
    return p;
}

void *parley_realloc(void *ptr, size_t size)
{
    return current.realloc(current.ctx, ptr, size ? size : 1);
}

void parley_free(void *ptr)
{
    if (ptr)
        current.free(current.ctx, ptr);
}

char *parley_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = parley_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
