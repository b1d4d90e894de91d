/* SPDX-License-Identifier: MIT */
/*
 * Per-device guest error accounting (spec/api.md §8 rule 4, protocol.md §1.3 DR3): one counter
 * and one rate limiter per kind of guest misbehaviour (rows of guest_errors.def), and the
 * warn-once bitmap per (namespace, opcode). Any thread.
 */
#ifndef LAGFX_UTIL_GUEST_ERRORS_H
#define LAGFX_UTIL_GUEST_ERRORS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

#include "util/log.h"

enum ut_gerr {
#define GERR(kind, domain, meaning) UT_GERR_##kind,
#include "util/guest_errors.def"
#undef GERR
    UT_GERR_COUNT
};

/* Opcode namespaces for warn-once (protocol.md §8.1, §10.7). */
enum ut_ns { UT_NS_ROOT, UT_NS_CHANNEL, UT_NS_PIPE, UT_NS_INNER, UT_NS_COUNT };

#define UT_NS_OPCODES 0x200 /* opcodes 0..0x1FF per namespace are tracked; others share one bit */

struct ut_guest_errors {
    lagfx_device_t *dev;
    struct ut_ratelimit limit[UT_GERR_COUNT];
    _Atomic uint64_t count[UT_GERR_COUNT];
    _Atomic uint64_t warned[UT_NS_COUNT][UT_NS_OPCODES / 64];
};

void ut_guest_errors_init(struct ut_guest_errors *e, lagfx_device_t *dev);
/* Forgets warn-once bits (lagfx_device_reset: "per device lifetime until reset"). */
void ut_guest_errors_reset_once(struct ut_guest_errors *e);

const char *ut_gerr_name(enum ut_gerr kind);
const char *ut_gerr_domain(enum ut_gerr kind);

/* Counts one error of `kind` and logs it at WARN through the kind's limiter. The message
 * names the objects in key=value form; the kind name is appended in brackets. */
void ut_guest_error(struct ut_guest_errors *e, enum ut_gerr kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* DR3: the first mismatch per (namespace, opcode) logs at WARN, later ones at DEBUG through
 * the kind's limiter; always counted. */
void ut_guest_error_once(struct ut_guest_errors *e,
                         enum ut_gerr kind,
                         enum ut_ns ns,
                         uint32_t opcode,
                         const char *fmt,
                         ...) __attribute__((format(printf, 5, 6)));

static inline uint64_t
ut_guest_error_count(struct ut_guest_errors *e, enum ut_gerr kind)
{
    return atomic_load_explicit(&e->count[kind], memory_order_relaxed);
}

#endif /* LAGFX_UTIL_GUEST_ERRORS_H */
