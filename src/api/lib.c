/* SPDX-License-Identifier: MIT */
/*
 * Library-wide entry points (spec/api.md §5.1): version, status names, lagfx_free. The log
 * handler and level live in src/util/log.c. Loading the library starts no thread and touches
 * no Vulkan or file (§7 rule 2). Any thread.
 */
#include <libapplegfx-vulkan.h>

#include "util/alloc.h"

LAGFX_API uint32_t
lagfx_get_version(void)
{
    return LAGFX_VERSION;
}

LAGFX_API const char *
lagfx_get_version_string(void)
{
    return "1.0.0 (vulkan)";
}

LAGFX_API const char *
lagfx_status_string(lagfx_status_t status)
{
    switch (status) {
#define S(name) \
    case name:  \
        return #name;
        S(LAGFX_OK)
        S(LAGFX_NO_FRAME)
        S(LAGFX_ERROR_INVALID_ARGUMENT)
        S(LAGFX_ERROR_OUT_OF_MEMORY)
        S(LAGFX_ERROR_NOT_SUPPORTED)
        S(LAGFX_ERROR_BAD_STATE)
        S(LAGFX_ERROR_BUSY)
        S(LAGFX_ERROR_NO_DEVICE)
        S(LAGFX_ERROR_DEVICE_LOST)
        S(LAGFX_ERROR_SIZE_MISMATCH)
        S(LAGFX_ERROR_BAD_ACCESS)
        S(LAGFX_ERROR_GUEST_FAULT)
        S(LAGFX_ERROR_IO)
        S(LAGFX_ERROR_INTERNAL)
        S(LAGFX_ERROR_RESUME_INTERNAL_FAULT)
        S(LAGFX_ERROR_RESUME_STATE_VERSION)
        S(LAGFX_ERROR_RESUME_INVALID_CONTENT)
        S(LAGFX_ERROR_RESUME_GUEST_VERSION)
        S(LAGFX_ERROR_RESUME_INCOMPATIBLE_DEVICE)
        S(LAGFX_ERROR_RESUME_DISPLAY_PORT_COUNT)
#undef S
    default:
        return "unknown status";
    }
}

LAGFX_API void
lagfx_free(void *ptr)
{
    ut_free(ptr);
}
