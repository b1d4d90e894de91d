/* SPDX-License-Identifier: MIT */
/*
 * Allocation through one place, so tests can make the Nth allocation fail (SQLite's
 * faultsim): every library allocation goes through ut_malloc/ut_calloc/ut_calloc_array/
 * ut_realloc_array. ut_calloc_array checks count * size for overflow. Any thread.
 */
#ifndef LAGFX_UTIL_ALLOC_H
#define LAGFX_UTIL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *ut_malloc(size_t size);
void *ut_calloc(size_t count, size_t size);
/* calloc with an overflow-checked product; NULL on overflow. */
void *ut_calloc_array(size_t count, size_t size);
/* realloc of count * size bytes; NULL (old block kept) on overflow or failure. */
void *ut_realloc_array(void *p, size_t count, size_t size);
char *ut_strdup(const char *s);
void ut_free(void *p);

/*
 * Fault injection (tests only): after `after` more successful allocations, the next `count`
 * allocations fail (count < 0: all of them). ut_fault_disable turns it off. Returns nothing;
 * ut_fault_triggered says how many allocations were failed since the last configure.
 */
void ut_fault_configure(int64_t after, int64_t count);
void ut_fault_disable(void);
uint64_t ut_fault_triggered(void);

#endif /* LAGFX_UTIL_ALLOC_H */
