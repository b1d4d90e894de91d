/* SPDX-License-Identifier: MIT */
/* Guest error counters, limiters and warn-once bits (guest_errors.h). Any thread. */
#include "util/guest_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const gerr_names[] = {
#define GERR(kind, domain, meaning) #kind,
#include "util/guest_errors.def"
#undef GERR
};

static const char *const gerr_domains[] = {
#define GERR(kind, domain, meaning) domain,
#include "util/guest_errors.def"
#undef GERR
};

void
ut_guest_errors_init(struct ut_guest_errors *e, lagfx_device_t *dev)
{
    memset(e, 0, sizeof(*e));
    e->dev = dev;
}

void
ut_guest_errors_reset_once(struct ut_guest_errors *e)
{
    for (int ns = 0; ns < UT_NS_COUNT; ns++) {
        for (int i = 0; i < UT_NS_OPCODES / 64; i++)
            atomic_store(&e->warned[ns][i], 0);
    }
}

const char *
ut_gerr_name(enum ut_gerr kind)
{
    return (unsigned)kind < UT_GERR_COUNT ? gerr_names[kind] : "?";
}

const char *
ut_gerr_domain(enum ut_gerr kind)
{
    return (unsigned)kind < UT_GERR_COUNT ? gerr_domains[kind] : "lagfx";
}

__attribute__((format(printf, 5, 0))) static void
emit(struct ut_guest_errors *e,
     enum ut_gerr kind,
     lagfx_log_level_t level,
     bool limited,
     const char *fmt,
     va_list ap)
{
    const char *domain = gerr_domains[kind];
    if (!ut_log_enabled(level, domain))
        return;
    uint32_t suppressed = 0;
    if (limited && !ut_ratelimit_allow(&e->limit[kind], &suppressed))
        return;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (suppressed)
        ut_log(level, e->dev, domain, "%s [%s] (%u suppressed)", msg, gerr_names[kind], suppressed);
    else
        ut_log(level, e->dev, domain, "%s [%s]", msg, gerr_names[kind]);
}

void
ut_guest_error(struct ut_guest_errors *e, enum ut_gerr kind, const char *fmt, ...)
{
    atomic_fetch_add_explicit(&e->count[kind], 1, memory_order_relaxed);
    va_list ap;
    va_start(ap, fmt);
    emit(e, kind, LAGFX_LOG_WARN, true, fmt, ap);
    va_end(ap);
}

void
ut_guest_error_once(struct ut_guest_errors *e,
                    enum ut_gerr kind,
                    enum ut_ns ns,
                    uint32_t opcode,
                    const char *fmt,
                    ...)
{
    atomic_fetch_add_explicit(&e->count[kind], 1, memory_order_relaxed);
    uint32_t bit = opcode < UT_NS_OPCODES ? opcode : UT_NS_OPCODES - 1;
    uint64_t mask = 1ull << (bit % 64);
    uint64_t old = atomic_fetch_or(&e->warned[ns][bit / 64], mask);
    va_list ap;
    va_start(ap, fmt);
    /* The first per opcode is a WARN, still through the kind's limiter: a guest cycling
     * through 1000 unknown opcodes must not print 1000 lines (§19 item 99). */
    if (!(old & mask))
        emit(e, kind, LAGFX_LOG_WARN, true, fmt, ap);
    else
        emit(e, kind, LAGFX_LOG_DEBUG, true, fmt, ap);
    va_end(ap);
}
