/* SPDX-License-Identifier: MIT */
/*
 * Placeholder for proto_exec_indirect until the command-buffer decoder (cmdbuf.c) lands:
 * validates the outer payload's counts and caps of protocol.md §10.1 and records no GPU work.
 * Removed when cmdbuf.c joins the build. Worker thread.
 */
#include "memory/reader.h"
#include "protocol/exec.h"
#include "protocol/limits.h"

lagfx_status_t
proto_exec_indirect(struct proto_exec_env *env, const uint8_t *payload, size_t len)
{
    struct mem_reader r;
    mem_reader_init(&r, payload, len);
    (void)mem_read_u32(&r);
    uint32_t dc = mem_read_u32(&r);
    uint32_t rc = mem_read_u32(&r);
    if (dc > PROTO_MAX_EXEC_DESCRIPTORS || rc > PROTO_MAX_EXEC_RESOURCES ||
        len < 12 + 24ull * dc + 16ull * rc)
        return LAGFX_ERROR_GUEST_FAULT;
    env->inner_commands = 0;
    return LAGFX_OK;
}
