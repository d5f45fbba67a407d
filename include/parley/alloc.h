/*
 * parley/alloc.h - allocator hooks.
 *
 * All memory libparley allocates goes through these hooks, so an embedding
 * program can account for it and tests can fail the Nth allocation to prove
 * that every error path frees what it took.  The hooks are process-global and
 * must be set before any other parley call; they are not thread-safe to swap.
 */
#ifndef PARLEY_ALLOC_H
#define PARLEY_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct parley_allocator {
    void *(*malloc)(void *ctx, size_t size);
    void *(*realloc)(void *ctx, void *ptr, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *ctx;
} parley_allocator_t;

/* NULL restores the C library allocator. */
void parley_set_allocator(const parley_allocator_t *allocator);

/* The allocator libparley uses; for code that hands back parley memory. */
void *parley_malloc(size_t size);
void *parley_calloc(size_t count, size_t size); /* overflow-checked */
void *parley_realloc(void *ptr, size_t size);
void parley_free(void *ptr);
char *parley_strdup(const char *s);

#ifdef __cplusplus
}
#endif
#endif
