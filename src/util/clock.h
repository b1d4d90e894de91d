/* SPDX-License-Identifier: MIT */
/* Monotonic time helpers. Any thread. */
#ifndef LAGFX_UTIL_CLOCK_H
#define LAGFX_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
ut_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Absolute CLOCK_MONOTONIC deadline `ns` from now, for pthread_cond_timedwait. */
static inline struct timespec
ut_deadline_ns(uint64_t ns)
{
    uint64_t t = ut_now_ns() + ns;
    struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull),
                           .tv_nsec = (long)(t % 1000000000ull) };
    return ts;
}

#endif /* LAGFX_UTIL_CLOCK_H */
