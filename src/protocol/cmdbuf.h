/* SPDX-License-Identifier: MIT */
/*
 * The command-buffer decoder (protocol.md §10, §11): ExecIndirect payloads, resource entries
 * copied out of task memory once, segments, inner commands, encoder state, info replies.
 * Guest memory is reached only through struct proto_guest_io (task VA, page by page), so the
 * decoder runs on private copies and tests can drive it over plain byte buffers; exec.c binds
 * the io to the memory layer's mem_xlate. Private to src/protocol (inner_*.c, resource.c,
 * renderpass.c). Runs on the protocol worker that owns the task.
 */
#ifndef LAGFX_PROTOCOL_CMDBUF_H
#define LAGFX_PROTOCOL_CMDBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

#include "backend.h"
#include "memory/reader.h"
#include "protocol/task.h"
#include "util/guest_errors.h"

/* Task-VA access for one outer command. read zero-fills dst and returns false when any byte
 * does not translate; write writes nothing or part and returns false.
 * Write-backs (be_writeback) need the two optional members: translate resolves the page of va
 * to the guest-physical address of va (the same outer command, worker), and phys_write writes
 * guest-physical bytes later, from the backend's completion thread (thread-safe and
 * range-checked, valid until the device is freed). Without them write-backs write nothing. */
struct proto_guest_io {
    void *user;
    bool (*read)(void *user, uint64_t va, void *dst, size_t len);
    bool (*write)(void *user, uint64_t va, const void *src, size_t len);
    bool (*translate)(void *user, uint64_t va, uint64_t *gpa);
    bool (*phys_write)(void *phys, uint64_t gpa, const void *src, size_t len);
    void *phys;
};

struct proto_decode_env {
    lagfx_device_t *dev;          /* for log lines; may be NULL */
    struct proto_task *task;      /* defined, not faulted; task->objects created on demand */
    struct proto_guest_io io;     /* the task's VA space */
    struct be *be;                /* receives the decoded operations */
    struct ut_guest_errors *errs; /* per-device accounting */
    uint32_t display_width;       /* display 0 width, for the TEX1 fallback (§13.7); 0 = 1024 */
    uint64_t *op_counts;          /* optional: PROTO_INNER_OPCODE_LIMIT counters */
    /* Optional: sees every command-stream entry's private copy before it is decoded (wire
     * recording). */
    void (*stream_hook)(void *user, uint32_t entry, uint64_t va, const uint8_t *bytes, size_t len);
    void *stream_user;
    /* Optional: a texture that views IOSurface `id` is named as a destination (colour or
     * resolve attachment, blit destination, compute-bound texture): protocol.md §15.5 (a). */
    void (*surface_written)(void *user, uint32_t id);
    /* Optional: a TEX1 names IOSurface id; called before its texture is created, so the
     * scanout surface exists (§14: created on first reference). Same user. */
    void (*surface_needed)(void *user, uint32_t id);
    void *surface_user;
    uint64_t inner_commands;    /* out: inner commands decoded */
    uint64_t shared_as_render;  /* out: 0x86/0x87 classed render (§10.7) */
    uint64_t shared_as_compute; /* out: 0x86/0x87 classed compute */
};

/*
 * Decodes one ExecIndirect payload (task id at +0) per §10.1-§10.9. LAGFX_OK, or
 * LAGFX_ERROR_GUEST_FAULT when a Fact-level structure or a cap was violated: the backend was
 * told to discard this ExecIndirect's work, and the caller marks the task faulted. Also
 * LAGFX_ERROR_OUT_OF_MEMORY (nothing submitted, the task is not at fault).
 */
lagfx_status_t proto_cmdbuf_exec(struct proto_decode_env *env, const uint8_t *payload, size_t len);

/*
 * Decodes one command-stream entry held in a private copy (§10.3-§10.8), as entry 0 of an
 * ExecIndirect whose resource table is `res_va`/`res_len` (rc entries; may be NULL/0). The
 * first segment must pass the strict check, else the entry is data (returns OK, nothing done).
 * For tests, fuzzing and the benchmark; the same code path as proto_cmdbuf_exec.
 */
lagfx_status_t proto_cmdbuf_decode_stream(struct proto_decode_env *env,
                                          const uint8_t *bytes,
                                          size_t len,
                                          const uint64_t *res_va,
                                          const uint32_t *res_len,
                                          uint32_t rc);

struct mem_xlate;
struct proto_exec_env;
/* Task-VA io over a translation context begun for this outer command (cmdbuf_xlate.c). */
struct proto_guest_io proto_guest_io_xlate(struct mem_xlate *x);
/* proto_cmdbuf_exec over env->xlate for the device core (exec.h contract: OK or
 * GUEST_FAULT; out of memory drops the work and returns OK). */
lagfx_status_t
proto_cmdbuf_exec_xlate(struct proto_exec_env *env, const uint8_t *payload, size_t len);

/* Frees task->objects (backend objects destroyed through be) and sets it to NULL. Called by
 * the core on task deletion or redefinition. */
void proto_task_objects_free(struct proto_task *task, struct be *be);
/* DeleteResource (0x08): drops the host object of (task, ref); its next use starts again from
 * the guest's descriptor and image (§19 item 53). Unknown refs: nothing. */
void proto_task_object_drop(struct proto_task *task, struct be *be, uint32_t ref);
/* SynchronizeResources with ids (§8.2 0x22/0x42): each listed texture's host contents are
 * written back to guest memory when the backend's work completes (buffers are coherent:
 * every ExecIndirect writes back what its GPU work wrote); unresolved refs are skipped (DR3).
 * Never faults the task. */
lagfx_status_t
proto_cmdbuf_synchronize(struct proto_decode_env *env, const uint32_t *refs, uint32_t count);

#endif /* LAGFX_PROTOCOL_CMDBUF_H */
