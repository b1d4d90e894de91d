/* SPDX-License-Identifier: MIT */
/*
 * The boundary between the device core (rings, stamps, tasks: dev.c, ring.c) and the
 * command-buffer decoder (cmdbuf.c and the inner opcode tables). The core reads the task id of
 * an ExecIndirect (0x20 root, 0x37 channels 1-4), handles "payload <= 11 bytes", "task never
 * defined" and "task already faulted" (protocol.md §10.1), begins a translation context on the
 * task, and calls proto_exec_indirect; afterwards it asks the backend to flush and completes
 * the stamp in channel order when the backend says the work is done (§6.4, §10.9).
 * Runs on the protocol worker of the channel.
 */
#ifndef LAGFX_PROTOCOL_EXEC_H
#define LAGFX_PROTOCOL_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

#include "memory/xlate.h"
#include "protocol/task.h"
#include "util/guest_errors.h"

struct be;
struct proto_trace;

struct proto_exec_env {
    lagfx_device_t *dev;          /* for log lines */
    uint32_t channel;             /* 0 for 0x20, 1-4 for 0x37 */
    struct proto_task *task;      /* defined, not faulted */
    struct mem_xlate *xlate;      /* begun on task->space for this outer command */
    struct mem_guest *guest;      /* guest RAM (GPA access) */
    struct be *be;                /* backend receiving the decoded operations */
    struct ut_guest_errors *errs; /* per-device guest error accounting */
    uint32_t display_width;       /* display 0's current width (TEX1 fallback); 0 = none */
    uint64_t *op_counts;          /* optional per-inner-opcode counters, or NULL */
    struct proto_trace *trace;    /* wire recording, or NULL */
    /* Optional: a destination texture views IOSurface id (protocol.md §15.5 a). */
    void (*surface_written)(void *user, uint32_t id);
    void (*surface_needed)(void *user, uint32_t id); /* a TEX1 names IOSurface id */
    void *surface_user;
    uint64_t inner_commands; /* out: inner commands decoded (stats) */
};

/*
 * Decodes one ExecIndirect payload (the whole payload, task id at +0) per protocol.md
 * §10.1-§10.9 and §11: validates counts, walks the resource entries page by page, decodes
 * segments and inner commands, writes info replies at decode time, records GPU work into
 * env->be. Returns LAGFX_OK, or LAGFX_ERROR_GUEST_FAULT when a Fact-level structure was
 * violated: then nothing recorded for this ExecIndirect may reach the GPU, and the caller
 * marks the task faulted. Never fails otherwise (DR1-DR5).
 */
lagfx_status_t proto_exec_indirect(struct proto_exec_env *env, const uint8_t *payload, size_t len);

#endif /* LAGFX_PROTOCOL_EXEC_H */
