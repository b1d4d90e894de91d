/* SPDX-License-Identifier: MIT */
/*
 * Compute inner opcodes (protocol.md §11.3): dispatches with the limits of §11.3/§17.2 (each
 * dimension ≥ 1, ≤ 1024 threads a group, ≤ 65535 groups a dimension), compute pipeline and
 * bindings, and the table switch generated from ops_compute.def. Protocol worker.
 */
#include "protocol/inner.h"
#include "protocol/inner_bind.h"
#include "util/checked.h"

static bool
compute_ready(struct proto_dec *d)
{
    if (!d->compute_pipeline) {
        proto_dr(d, UT_GERR_INNER_STATE, "dispatch without a compute pipeline", 0);
        return false;
    }
    return true;
}

/* Threads per group: each ≥ 1, product ≤ min(1024, the pipeline's maximum). */
static bool
group_ok(struct proto_dec *d, const uint64_t g[3], uint32_t out[3])
{
    uint64_t max =
        d->compute_pipeline ? d->compute_pipeline->u.cp.max_threads : PROTO_MAX_GROUP_THREADS;
    if (g[0] == 0 || g[1] == 0 || g[2] == 0 || g[0] > max || g[1] > max || g[2] > max ||
        g[0] * g[1] * g[2] > max) {
        proto_dr(d, UT_GERR_INNER_VALUE, "threads per threadgroup", g[0] * g[1] * g[2]);
        return false;
    }
    for (int i = 0; i < 3; i++)
        out[i] = (uint32_t)g[i];
    return true;
}

static void
dispatch(struct proto_dec *d, bool threads, const uint64_t count[3], const uint64_t group[3])
{
    if (!compute_ready(d))
        return;
    struct be_dispatch dp = { .threads = threads };
    if (!group_ok(d, group, dp.group_size))
        return;
    for (int i = 0; i < 3; i++) {
        if (count[i] == 0)
            return; /* dispatches nothing */
        uint64_t groups = threads ? (count[i] + group[i] - 1) / group[i] : count[i];
        if (count[i] > UINT32_MAX || groups > PROTO_MAX_GROUPS_PER_DIM) {
            proto_dr(d, UT_GERR_INNER_VALUE, "threadgroups per dimension", groups);
            return;
        }
        dp.count[i] = (uint32_t)count[i];
    }
    d->ops->dispatch(d->be, &dp);
}

static void
c_DispatchThreadgroups(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint64_t c[3] = { GET(b, DispatchThreadgroups, threadgroups_x),
                      GET(b, DispatchThreadgroups, threadgroups_y),
                      GET(b, DispatchThreadgroups, threadgroups_z) };
    uint64_t g[3] = { GET(b, DispatchThreadgroups, threadsPerThreadgroup_x),
                      GET(b, DispatchThreadgroups, threadsPerThreadgroup_y),
                      GET(b, DispatchThreadgroups, threadsPerThreadgroup_z) };
    dispatch(d, false, c, g);
}

static void
c_DispatchThreads(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint64_t c[3] = { GET(b, DispatchThreads, threads_x), GET(b, DispatchThreads, threads_y),
                      GET(b, DispatchThreads, threads_z) };
    uint64_t g[3] = { GET(b, DispatchThreads, threadsPerThreadgroup_x),
                      GET(b, DispatchThreads, threadsPerThreadgroup_y),
                      GET(b, DispatchThreads, threadsPerThreadgroup_z) };
    dispatch(d, true, c, g);
}

static void
dispatch_indirect(struct proto_dec *d, bool threads, uint32_t ref, uint64_t off, const uint64_t *g)
{
    if (!compute_ready(d))
        return;
    struct be_dispatch_indirect di = { .threads = threads, .offset = off };
    if (g && !group_ok(d, g, di.group_size))
        return;
    struct proto_obj *o = proto_obj_expect(d, ref, PROTO_KIND_BIT(PROTO_OBJ_BUFFER));
    if (!o)
        return;
    if (off % 4 || !ut_range_ok(off, 12, o->u.buf.length)) {
        proto_dr(d, UT_GERR_INNER_VALUE, "indirect arguments outside the buffer", off);
        return;
    }
    di.buffer = o->handle;
    d->ops->dispatch_indirect(d->be, &di);
}

static void
c_DispatchThreadgroupsIndirect(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint64_t g[3] = { GET(b, DispatchThreadgroupsIndirect, threadsPerThreadgroup_x),
                      GET(b, DispatchThreadgroupsIndirect, threadsPerThreadgroup_y),
                      GET(b, DispatchThreadgroupsIndirect, threadsPerThreadgroup_z) };
    dispatch_indirect(d, false, GET(b, DispatchThreadgroupsIndirect, indirectBufferRef),
                      GET(b, DispatchThreadgroupsIndirect, offset), g);
}

static void
c_DispatchThreadsIndirect(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    dispatch_indirect(d, true, GET(b, DispatchThreadsIndirect, indirectBufferRef),
                      GET(b, DispatchThreadsIndirect, offset), NULL);
}

static void
c_SetPipelineState(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    struct proto_obj *o = proto_obj_expect(d, GET(b, SetPipelineState, ref),
                                           PROTO_KIND_BIT(PROTO_OBJ_COMPUTE_PIPELINE));
    d->compute_pipeline = o;
    if (o)
        d->ops->set_compute_pipeline(d->be, o->handle);
}

static void
c_SetThreadgroupMemoryLength(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    /* Threadgroup memory is sized by the translated kernel (air.md); a larger request than
     * the device has is the only case that matters, and it is refused there. */
    if (GET(b, SetThreadgroupMemoryLength, index) >= PROTO_MAX_BUFFER_INDEX)
        proto_dr(d, UT_GERR_INNER_VALUE, "threadgroup memory index",
                 GET(b, SetThreadgroupMemoryLength, index));
}

static void
c_SetBuffers(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffers(d, BE_STAGE_COMPUTE, b, n, 12);
}

static void
c_SetBuffersWithStride(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffers(d, BE_STAGE_COMPUTE, b, n, 20);
}

static void
c_SetBufferOffset(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffer_offset(d, BE_STAGE_COMPUTE, GET(b, SetBufferOffset, index),
                             GET(b, SetBufferOffset, offset), false, 0);
}

static void
c_SetBufferOffsetWithStride(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffer_offset(d, BE_STAGE_COMPUTE, GET(b, SetBufferOffsetWithStride, index),
                             GET(b, SetBufferOffsetWithStride, offset), true,
                             GET(b, SetBufferOffsetWithStride, stride));
}

static void
c_SetSamplers(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_samplers(d, BE_STAGE_COMPUTE, b, n, 4);
}

static void
c_SetSamplersLODClamp(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_samplers(d, BE_STAGE_COMPUTE, b, n, 12);
}

static void
c_SetTextures(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_textures(d, BE_STAGE_COMPUTE, b, n);
}

bool
proto_compute_dispatch(struct proto_dec *d, uint32_t op, const struct mem_reader *b)
{
    switch (op) {
#define OP PROTO_DISPATCH_CASE
#include "protocol/ops_compute.def"
#undef OP
    default:
        return false;
    }
}
