/* SPDX-License-Identifier: MIT */
/*
 * Allocation wrappers with process-wide fault injection for tests (STYLE §4, §11). The
 * injection state is atomic; with injection off the cost is one relaxed load. Any thread.
 */
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static atomic_bool fault_on;
static _Atomic int64_t fault_after;
static _Atomic int64_t fault_count;
static _Atomic uint64_t fault_hits;

static bool
should_fail(void)
{
    if (!atomic_load_explicit(&fault_on, memory_order_relaxed))
        return false;
    if (atomic_fetch_sub(&fault_after, 1) > 0)
        return false;
    int64_t c = atomic_load(&fault_count);
    if (c == 0)
        return false;
    if (c > 0)
        atomic_fetch_sub(&fault_count, 1);
    atomic_fetch_add(&fault_hits, 1);
    return true;
}

void
ut_fault_configure(int64_t after, int64_t count)
{
    atomic_store(&fault_after, after);
    atomic_store(&fault_count, count);
    atomic_store(&fault_hits, 0);
    atomic_store(&fault_on, true);
}

void
ut_fault_disable(void)
{
    atomic_store(&fault_on, false);
}

uint64_t
ut_fault_triggered(void)
{
    return atomic_load(&fault_hits);
}

void *
ut_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *
ut_calloc(size_t count, size_t size)
{
    return ut_calloc_array(count, size);
}

void *
ut_calloc_array(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return NULL;
    if (should_fail())
        return NULL;
    return calloc(1, total ? total : 1);
}

void *
ut_realloc_array(void *p, size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return NULL;
    if (should_fail())
        return NULL;
    return realloc(p, total ? total : 1);
}

char *
ut_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = ut_malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

void
ut_free(void *p)
{
    free(p);
}
