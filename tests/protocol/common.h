/* SPDX-License-Identifier: MIT */
/* Helpers shared by the device-core tests: raw ring headers and WARN-line counting. */
#ifndef LAGFX_TESTS_PROTOCOL_COMMON_H
#define LAGFX_TESTS_PROTOCOL_COMMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <libapplegfx-vulkan.h>

#include "api/api.h"
#include "protocol/dev_internal.h"

static inline void
hdr12(uint8_t *h, uint16_t op, uint32_t len, uint32_t stamp)
{
    memset(h, 0, 12);
    memcpy(h, &op, 2);
    memcpy(h + 4, &len, 4);
    memcpy(h + 8, &stamp, 4);
}

/* Counts WARN lines whose text contains `needle` (set before the lines are produced). */
static const char *warn_needle;
static _Atomic int warn_hits;

__attribute__((unused)) static void
count_warns(void *user,
            lagfx_log_level_t level,
            lagfx_device_t *dev,
            const char *domain,
            const char *message)
{
    (void)user, (void)dev, (void)domain;
    if (level == LAGFX_LOG_WARN && warn_needle && strstr(message, warn_needle))
        atomic_fetch_add(&warn_hits, 1);
}

static inline struct proto_dev *
core_of(lagfx_device_t *dev)
{
    return dev->proto;
}

static inline uint64_t
gerr_count(lagfx_device_t *dev, enum ut_gerr kind)
{
    return ut_guest_error_count(proto_dev_errors(dev->proto), kind);
}

#endif
