/* SPDX-License-Identifier: MIT */
/*
 * The one log facility (LAGFX_LOG): level from LAGFX_LOG at first use, overridden by
 * lagfx_set_log_level; output to the VMM's handler or stderr. Guest-triggered messages go
 * through a struct ut_ratelimit (10 in a burst, then 1/s, then "N suppressed", spec/api.md §8
 * rule 4). Any thread; the handler runs synchronously on the logging thread.
 */
#ifndef LAGFX_UTIL_LOG_H
#define LAGFX_UTIL_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

/* Current level for a domain; cheap (one relaxed load after first use). Any thread. */
lagfx_log_level_t ut_log_level(const char *domain);

static inline bool
ut_log_enabled(lagfx_log_level_t level, const char *domain)
{
    return level <= ut_log_level(domain);
}

/* Formats and delivers one message. dev may be NULL. Any thread. */
void ut_log(lagfx_log_level_t level, lagfx_device_t *dev, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Test hook: re-reads LAGFX_LOG and forgets lagfx_set_log_level. Any thread. */
void ut_log_reset_for_tests(void);

#define LAGFX_LOG(level, dev, domain, ...)                 \
    do {                                                   \
        if (ut_log_enabled((level), (domain)))             \
            ut_log((level), (dev), (domain), __VA_ARGS__); \
    } while (0)

#define UT_ERROR(dev, domain, ...) LAGFX_LOG(LAGFX_LOG_ERROR, dev, domain, __VA_ARGS__)
#define UT_WARN(dev, domain, ...)  LAGFX_LOG(LAGFX_LOG_WARN, dev, domain, __VA_ARGS__)
#define UT_INFO(dev, domain, ...)  LAGFX_LOG(LAGFX_LOG_INFO, dev, domain, __VA_ARGS__)
#define UT_DEBUG(dev, domain, ...) LAGFX_LOG(LAGFX_LOG_DEBUG, dev, domain, __VA_ARGS__)
#define UT_TRACE(dev, domain, ...) LAGFX_LOG(LAGFX_LOG_TRACE, dev, domain, __VA_ARGS__)

/*
 * Rate limiter for guest-triggered messages: the first UT_RATELIMIT_BURST messages pass, then
 * at most one per second; the first message allowed after a suppression carries the count of
 * those suppressed. A zeroed struct is ready to use. Any thread (a spin flag guards it; the
 * critical section is a few loads and stores).
 */
struct ut_ratelimit {
    atomic_flag lock;
    uint32_t burst_used;
    uint32_t suppressed;
    uint64_t last_ns;
    uint64_t total_suppressed;
};

#define UT_RATELIMIT_BURST 10

/*
 * Returns true when the caller may log now. *suppressed_out receives the number of messages
 * dropped since the last allowed one (the caller says "N suppressed" when non-zero).
 */
bool ut_ratelimit_allow(struct ut_ratelimit *rl, uint32_t *suppressed_out);

/* WARN through a limiter; appends " (N suppressed)" when messages were dropped. */
void ut_log_limited(struct ut_ratelimit *rl,
                    lagfx_log_level_t level,
                    lagfx_device_t *dev,
                    const char *domain,
                    const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* A flag that lets one caller through, ever (warn-once). */
static inline bool
ut_once(atomic_bool *flag)
{
    return !atomic_exchange_explicit(flag, true, memory_order_relaxed);
}

#endif /* LAGFX_UTIL_LOG_H */
