/* SPDX-License-Identifier: MIT */
/*
 * Checked arithmetic for guest-controlled numbers (STYLE §6; the kernel's overflow.h idea).
 * ut_range_ok is the subtraction form `len <= limit && off <= limit - len`. Any thread.
 */
#ifndef LAGFX_UTIL_CHECKED_H
#define LAGFX_UTIL_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

/* True when [off, off + len) lies inside [0, limit). */
static inline bool
ut_range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
    return len <= limit && off <= limit - len;
}

/* True when [a, a + alen) lies inside [b, b + blen), with no overflow anywhere. */
static inline bool
ut_range_inside(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a >= b && ut_range_ok(a - b, alen, blen);
}

static inline bool
ut_add_overflows_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_add_overflow(a, b, out);
}

static inline bool
ut_mul_overflows_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

static inline uint32_t
UT_MIN_U32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

#define UT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UT_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define UT_MAX(a, b)     ((a) > (b) ? (a) : (b))

#endif /* LAGFX_UTIL_CHECKED_H */
