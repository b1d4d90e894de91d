/* SPDX-License-Identifier: MIT */
/*
 * The decoder bound to the memory layer: task-VA io through a struct mem_xlate (radix walk or
 * range table, page by page; VA → GPA for write-back targets, which write with mem_guest_write
 * from the backend's completion thread), and proto_cmdbuf_exec_xlate, which runs one
 * ExecIndirect for the device core's struct proto_exec_env (exec.h). Runs on the protocol
 * worker of the channel, except xl_phys_write (completion thread).
 */
#include "protocol/cmdbuf.h"
#include "protocol/exec.h"
#include "protocol/trace.h"
#include "util/log.h"

static bool
xl_read(void *user, uint64_t va, void *dst, size_t len)
{
    return mem_xlate_read(user, va, dst, len);
}

static bool
xl_write(void *user, uint64_t va, const void *src, size_t len)
{
    return mem_xlate_write(user, va, src, len);
}

static bool
xl_translate(void *user, uint64_t va, uint64_t *gpa)
{
    uint64_t run;
    return mem_xlate_translate(user, va, gpa, &run) == MEM_XLATE_OK;
}

/* Completion thread: mem_guest_write takes the guest's shared lock and range-checks. */
static bool
xl_phys_write(void *phys, uint64_t gpa, const void *src, size_t len)
{
    return mem_guest_write(phys, gpa, src, len);
}

struct proto_guest_io
proto_guest_io_xlate(struct mem_xlate *x)
{
    return (struct proto_guest_io){
        .user = x,
        .read = xl_read,
        .write = xl_write,
        .translate = xl_translate,
        .phys_write = xl_phys_write,
        .phys = x->guest,
    };
}

static void
record_stream(void *user, uint32_t entry, uint64_t va, const uint8_t *bytes, size_t len)
{
    struct proto_exec_env *env = user;
    proto_trace_cmdstream(env->trace, env->channel, env->task->id, entry, va, bytes, len);
}

lagfx_status_t
proto_cmdbuf_exec_xlate(struct proto_exec_env *env, const uint8_t *payload, size_t len)
{
    struct proto_decode_env d = {
        .dev = env->dev,
        .task = env->task,
        .io = proto_guest_io_xlate(env->xlate),
        .be = env->be,
        .errs = env->errs,
        .display_width = env->display_width,
        .op_counts = env->op_counts,
        .stream_hook = env->trace ? record_stream : NULL,
        .stream_user = env,
        .surface_written = env->surface_written,
        .surface_needed = env->surface_needed,
        .surface_user = env->surface_user,
    };
    lagfx_status_t st = proto_cmdbuf_exec(&d, payload, len);
    env->inner_commands = d.inner_commands;
    if (st == LAGFX_ERROR_OUT_OF_MEMORY) {
        /* Host trouble, not the guest's: the work was discarded, the stamp completes and the
         * task stays usable (exec.h allows only OK or GUEST_FAULT). */
        UT_ERROR(env->dev, "cmdbuf", "task=%u: out of memory, ExecIndirect dropped", env->task->id);
        return LAGFX_OK;
    }
    return st;
}
