/* SPDX-License-Identifier: MIT */
/*
 * Render inner opcodes (protocol.md §11.2): draws with their validation (§11.1 DR2, pass and
 * pipeline compatibility §13.12), encoder state, bindings with the per-stage buffer shadow
 * that Set*BufferOffset needs, and the table switch generated from ops_render.def. Shared
 * binding helpers are used by inner_compute.c too. Protocol worker.
 */
#include <math.h>
#include <string.h>

#include "protocol/formats.h"
#include "protocol/inner.h"
#include "protocol/inner_bind.h"
#include "util/checked.h"

/* ---- bindings (also used by compute) ---- */

#define BUF_KINDS PROTO_KIND_BIT(PROTO_OBJ_BUFFER)
#define TEX_KINDS PROTO_KIND_BIT(PROTO_OBJ_TEXTURE)
#define SMP_KINDS PROTO_KIND_BIT(PROTO_OBJ_SAMPLER)

static bool
bind_range_ok(struct proto_dec *d, uint32_t first, uint32_t n, uint32_t limit)
{
    if (first > limit || n > limit - first) {
        proto_dr(d, UT_GERR_INNER_VALUE, "binding index beyond its band", (uint64_t)first + n);
        return false;
    }
    return true;
}

/* Binds entries [first, first + n); entries whose ref is of the wrong type are ignored
 * (DR3), so bindings go out in runs of accepted entries. elem: 12 (E12) or 20 (E20). */
void
proto_bind_buffers(struct proto_dec *d,
                   enum be_stage stage,
                   const struct mem_reader *b,
                   uint32_t n,
                   uint32_t elem)
{
    uint32_t first = GET(b, H, first);
    if (!bind_range_ok(d, first, n, PROTO_MAX_BUFFER_INDEX))
        return;
    uint32_t run = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct mem_reader e = *b;
        e.p += 8 + (size_t)elem * i;
        e.size = elem;
        uint32_t ref = elem == 20 ? GET(&e, E20, ref) : GET(&e, E12, ref);
        uint64_t off = elem == 20 ? GET(&e, E20, offset) : GET(&e, E12, offset);
        uint64_t stride = elem == 20 ? GET(&e, E20, stride) : 0;
        struct be_buffer_binding bb = { BE_NULL_HANDLE, off, stride };
        bool ok = true;
        if (ref) {
            struct proto_obj *o = proto_obj_expect(d, ref, BUF_KINDS);
            if (!o)
                ok = false;
            else if (off > o->u.buf.length) {
                proto_dr(d, UT_GERR_INNER_VALUE, "buffer offset beyond the buffer", off);
                ok = false;
            } else
                bb.buffer = o->handle;
        }
        uint32_t idx = first + i;
        if (ok) {
            d->buffers[stage][idx] = bb;
            if (bb.buffer)
                d->buffer_bound[stage] |= 1u << idx;
            else
                d->buffer_bound[stage] &= ~(1u << idx);
            run++;
        }
        if (!ok || i + 1 == n) {
            uint32_t start = idx + (ok ? 1 : 0) - run;
            if (run)
                d->ops->bind_buffers(d->be, stage, start, run, &d->buffers[stage][start]);
            run = 0;
        }
    }
}

/* Set*BufferOffset(WithStride): only the offset (and stride) of a bound buffer (§11.2). */
void
proto_bind_buffer_offset(struct proto_dec *d,
                         enum be_stage stage,
                         uint32_t index,
                         uint64_t offset,
                         bool has_stride,
                         uint64_t stride)
{
    if (index >= PROTO_MAX_BUFFER_INDEX) {
        proto_dr(d, UT_GERR_INNER_VALUE, "buffer index beyond its band", index);
        return;
    }
    if (!(d->buffer_bound[stage] & (1u << index))) {
        proto_dr(d, UT_GERR_INNER_STATE, "offset for an unbound buffer index", index);
        return;
    }
    struct be_buffer_binding *bb = &d->buffers[stage][index];
    bb->offset = offset;
    if (has_stride)
        bb->stride = stride;
    d->ops->bind_buffers(d->be, stage, index, 1, bb);
}

void
proto_bind_textures(struct proto_dec *d,
                    enum be_stage stage,
                    const struct mem_reader *b,
                    uint32_t n)
{
    uint32_t first = GET(b, H, first);
    if (!bind_range_ok(d, first, n, PROTO_MAX_TEXTURE_INDEX))
        return;
    be_handle_t h[PROTO_MAX_TEXTURE_INDEX];
    uint32_t run = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct mem_reader e = *b;
        e.p += 8 + 4 * (size_t)i;
        e.size = 4;
        uint32_t ref = GET(&e, E4, ref);
        struct proto_obj *o = ref ? proto_obj_expect(d, ref, TEX_KINDS) : NULL;
        bool ok = !ref || o;
        if (o && stage == BE_STAGE_COMPUTE) /* a dispatch may write it (§15.5 a) */
            proto_note_written(d, o);
        if (ok)
            h[run++] = o ? o->handle : BE_NULL_HANDLE;
        if (!ok || i + 1 == n) {
            if (run)
                d->ops->bind_textures(d->be, stage, first + i + (ok ? 1 : 0) - run, run, h);
            run = 0;
        }
    }
}

/* elem 4 (E4) or 12 (E12L: LOD clamps override the object's, §13.9). */
void
proto_bind_samplers(struct proto_dec *d,
                    enum be_stage stage,
                    const struct mem_reader *b,
                    uint32_t n,
                    uint32_t elem)
{
    uint32_t first = GET(b, H, first);
    if (!bind_range_ok(d, first, n, PROTO_MAX_SAMPLER_INDEX))
        return;
    struct be_sampler_binding s[PROTO_MAX_SAMPLER_INDEX];
    uint32_t run = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct mem_reader e = *b;
        e.p += 8 + (size_t)elem * i;
        e.size = elem;
        uint32_t ref = elem == 12 ? GET(&e, E12L, ref) : GET(&e, E4, ref);
        struct proto_obj *o = ref ? proto_obj_expect(d, ref, SMP_KINDS) : NULL;
        bool ok = !ref || o;
        if (ok) {
            s[run] =
                (struct be_sampler_binding){ o ? o->handle : BE_NULL_HANDLE, elem == 12, 0, 0 };
            if (elem == 12) {
                s[run].lod_min = GET(&e, E12L, lodMinClamp);
                s[run].lod_max = GET(&e, E12L, lodMaxClamp);
            }
            run++;
        }
        if (!ok || i + 1 == n) {
            if (run)
                d->ops->bind_samplers(d->be, stage, first + i + (ok ? 1 : 0) - run, run, s);
            run = 0;
        }
    }
}

void
proto_bind_sampler_one(struct proto_dec *d, enum be_stage stage, uint32_t ref, uint32_t index)
{
    if (index >= PROTO_MAX_SAMPLER_INDEX) {
        proto_dr(d, UT_GERR_INNER_VALUE, "sampler index beyond its band", index);
        return;
    }
    struct proto_obj *o = ref ? proto_obj_expect(d, ref, SMP_KINDS) : NULL;
    if (ref && !o)
        return;
    struct be_sampler_binding s = { o ? o->handle : BE_NULL_HANDLE, false, 0, 0 };
    d->ops->bind_samplers(d->be, stage, index, 1, &s);
}

/* ---- draws ---- */

/* §13.12 pass compatibility: colour formats (sRGB twins match), samples, depth/stencil. */
static bool
pipeline_fits_pass(struct proto_dec *d, const struct proto_obj *p)
{
    for (uint32_t k = 0; k < BE_MAX_COLOR_ATTACHMENTS; k++) {
        if (!proto_pixel_format_compatible(p->u.rp.color_format[k], d->pass.color_format[k])) {
            proto_dr(d, UT_GERR_INNER_STATE, "pipeline colour format does not match the pass", k);
            return false;
        }
    }
    if (p->u.rp.samples != d->pass.samples || p->u.rp.depth_format != d->pass.depth_format ||
        p->u.rp.stencil_format != d->pass.stencil_format) {
        proto_dr(d, UT_GERR_INNER_STATE, "pipeline samples or depth/stencil do not match the pass",
                 p->u.rp.samples);
        return false;
    }
    return true;
}

/* Pass, pipeline and pass compatibility (§10.8, §13.12); DR3 when not ready. */
static bool
draw_ready(struct proto_dec *d, uint32_t prim)
{
    if (!d->pass.active) {
        proto_dr(d, UT_GERR_INNER_STATE, "draw outside a render pass", 0);
        return false;
    }
    struct proto_obj *p = d->render_pipeline;
    if (!p) {
        proto_dr(d, UT_GERR_INNER_STATE, "draw without a render pipeline", 0);
        return false;
    }
    if (d->pipeline_fits_pass < 0) /* once per pipeline and pass, not per draw */
        d->pipeline_fits_pass = pipeline_fits_pass(d, p);
    if (!d->pipeline_fits_pass)
        return false;
    if (prim > PROTO_MTL_PRIMITIVE_MAX) {
        proto_dr(d, UT_GERR_INNER_VALUE, "primitive type", prim);
        return false;
    }
    return true;
}

static void
draw(struct proto_dec *d,
     uint32_t prim,
     uint64_t start,
     uint64_t count,
     uint64_t instances,
     uint64_t base_instance)
{
    if (!draw_ready(d, prim))
        return;
    if (count > PROTO_MAX_DRAW_COUNT || instances > PROTO_MAX_INSTANCE_COUNT ||
        start > UINT32_MAX - count || base_instance > UINT32_MAX - instances) {
        proto_dr(d, UT_GERR_INNER_VALUE, "draw count, start or instance", count);
        return;
    }
    if (count == 0 || instances == 0)
        return; /* draws nothing */
    struct be_draw dr = { prim, (uint32_t)start, (uint32_t)count, (uint32_t)instances,
                          (uint32_t)base_instance };
    d->ops->draw(d->be, &dr);
}

static void
draw_indexed(struct proto_dec *d,
             uint32_t prim,
             uint32_t type,
             uint32_t ref,
             uint64_t count,
             uint64_t offset,
             uint64_t instances,
             int64_t base_vertex,
             uint64_t base_instance)
{
    if (!draw_ready(d, prim))
        return;
    if (type > PROTO_MTL_INDEX_TYPE_MAX || count > PROTO_MAX_DRAW_COUNT ||
        instances > PROTO_MAX_INSTANCE_COUNT || base_instance > UINT32_MAX - instances ||
        base_vertex < INT32_MIN || base_vertex > INT32_MAX) {
        proto_dr(d, UT_GERR_INNER_VALUE, "index type, count or instance", count);
        return;
    }
    struct proto_obj *ib = proto_obj_expect(d, ref, BUF_KINDS);
    if (!ib)
        return;
    uint64_t isize = type ? 4 : 2;
    if (offset % isize || !ut_range_ok(offset, count * isize, ib->u.buf.length)) {
        proto_dr(d, UT_GERR_INNER_VALUE, "index range outside the index buffer", offset);
        return;
    }
    if (count == 0 || instances == 0)
        return;
    struct be_draw_indexed dr = { prim,
                                  type,
                                  ib->handle,
                                  offset,
                                  (uint32_t)count,
                                  (uint32_t)instances,
                                  (int32_t)base_vertex,
                                  (uint32_t)base_instance };
    d->ops->draw_indexed(d->be, &dr);
}

static void
r_DrawPrimitives64(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    draw(d, GET(b, DrawPrimitives64, prim), GET(b, DrawPrimitives64, vertexStart),
         GET(b, DrawPrimitives64, vertexCount), 1, 0);
}

static void
r_DrawPrimitives16(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    draw(d, GET(b, DrawPrimitives16, prim), GET(b, DrawPrimitives16, vertexStart),
         GET(b, DrawPrimitives16, vertexCount), 1, 0);
}

static void
r_DrawInstancedPrimitives64(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    draw(d, GET(b, DrawInstancedPrimitives64, prim), GET(b, DrawInstancedPrimitives64, start),
         GET(b, DrawInstancedPrimitives64, count), GET(b, DrawInstancedPrimitives64, instanceCount),
         0);
}

static void
r_DrawInstancedPrimitives16(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    draw(d, GET(b, DrawInstancedPrimitives16, prim), GET(b, DrawInstancedPrimitives16, start),
         GET(b, DrawInstancedPrimitives16, count), GET(b, DrawInstancedPrimitives16, instanceCount),
         0);
}

static void
r_DrawInstancedBasePrimitives64(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    draw(d, GET(b, DrawInstancedBasePrimitives64, prim),
         GET(b, DrawInstancedBasePrimitives64, start), GET(b, DrawInstancedBasePrimitives64, count),
         GET(b, DrawInstancedBasePrimitives64, instanceCount),
         GET(b, DrawInstancedBasePrimitives64, baseInstance));
}

static void
r_DrawInstancedBasePrimitives16(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    draw(d, GET(b, DrawInstancedBasePrimitives16, prim),
         GET(b, DrawInstancedBasePrimitives16, start), GET(b, DrawInstancedBasePrimitives16, count),
         GET(b, DrawInstancedBasePrimitives16, instanceCount),
         GET(b, DrawInstancedBasePrimitives16, baseInstance));
}

#define DRAW_IDX64(op, inst, bv, bi)                                                     \
    draw_indexed(d, GET(b, op, prim), GET(b, op, indexType), GET(b, op, indexBufferRef), \
                 GET(b, op, indexCount), GET(b, op, indexBufferOffset), (inst), (bv), (bi))

static void
r_DrawIndexedPrimitives64(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    DRAW_IDX64(DrawIndexedPrimitives64, 1, 0, 0);
}

static void
r_DrawIndexedPrimitives16(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    DRAW_IDX64(DrawIndexedPrimitives16, 1, 0, 0);
}

static void
r_DrawIndexedInstancedPrimitives64(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    DRAW_IDX64(DrawIndexedInstancedPrimitives64,
               GET(b, DrawIndexedInstancedPrimitives64, instanceCount), 0, 0);
}

static void
r_DrawIndexedInstancedPrimitives16(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    DRAW_IDX64(DrawIndexedInstancedPrimitives16,
               GET(b, DrawIndexedInstancedPrimitives16, instanceCount), 0, 0);
}

static void
r_DrawIndexedInstancedBasePrimitives64(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    DRAW_IDX64(DrawIndexedInstancedBasePrimitives64,
               GET(b, DrawIndexedInstancedBasePrimitives64, instanceCount),
               GET(b, DrawIndexedInstancedBasePrimitives64, baseVertex),
               GET(b, DrawIndexedInstancedBasePrimitives64, baseInstance));
}

static void
r_DrawIndexedInstancedBasePrimitives16(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    DRAW_IDX64(DrawIndexedInstancedBasePrimitives16,
               GET(b, DrawIndexedInstancedBasePrimitives16, instanceCount),
               GET(b, DrawIndexedInstancedBasePrimitives16, baseVertex),
               GET(b, DrawIndexedInstancedBasePrimitives16, baseInstance));
}

static void
r_DrawIndexedInstancedBasePrimitives64_2(struct proto_dec *d,
                                         const struct mem_reader *b,
                                         uint32_t n)
{
    DRAW_IDX64(DrawIndexedInstancedBasePrimitives64_2,
               GET(b, DrawIndexedInstancedBasePrimitives64_2, instanceCount),
               GET(b, DrawIndexedInstancedBasePrimitives64_2, baseVertex),
               GET(b, DrawIndexedInstancedBasePrimitives64_2, baseInstance));
}

static void
r_DrawIndexedInstancedBasePrimitives16_2(struct proto_dec *d,
                                         const struct mem_reader *b,
                                         uint32_t n)
{
    DRAW_IDX64(DrawIndexedInstancedBasePrimitives16_2,
               GET(b, DrawIndexedInstancedBasePrimitives16_2, instanceCount),
               GET(b, DrawIndexedInstancedBasePrimitives16_2, baseVertex),
               GET(b, DrawIndexedInstancedBasePrimitives16_2, baseInstance));
}

/* Indirect arguments: 16 (non-indexed) or 20 (indexed) bytes, 4-aligned, inside the buffer. */
static struct proto_obj *
indirect_buffer(struct proto_dec *d, uint32_t ref, uint64_t off, uint64_t size)
{
    struct proto_obj *o = proto_obj_expect(d, ref, BUF_KINDS);
    if (o && (off % 4 || !ut_range_ok(off, size, o->u.buf.length))) {
        proto_dr(d, UT_GERR_INNER_VALUE, "indirect arguments outside the buffer", off);
        return NULL;
    }
    return o;
}

static void
r_DrawPrimitivesIndirect(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t prim = GET(b, DrawPrimitivesIndirect, prim);
    if (!draw_ready(d, prim))
        return;
    uint64_t off = GET(b, DrawPrimitivesIndirect, indirectOffset);
    struct proto_obj *ib =
        indirect_buffer(d, GET(b, DrawPrimitivesIndirect, indirectBufferRef), off, 16);
    if (!ib)
        return;
    struct be_draw_indirect di = { .primitive = prim,
                                   .indirect_buffer = ib->handle,
                                   .indirect_offset = off };
    d->ops->draw_indirect(d->be, &di);
}

static void
r_DrawIndexedPrimitivesIndirect(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t prim = GET(b, DrawIndexedPrimitivesIndirect, prim);
    uint32_t type = GET(b, DrawIndexedPrimitivesIndirect, indexType);
    if (!draw_ready(d, prim))
        return;
    if (type > PROTO_MTL_INDEX_TYPE_MAX) {
        proto_dr(d, UT_GERR_INNER_VALUE, "index type", type);
        return;
    }
    uint64_t ioff = GET(b, DrawIndexedPrimitivesIndirect, indexOffset);
    uint64_t off = GET(b, DrawIndexedPrimitivesIndirect, indirectOffset);
    struct proto_obj *xb =
        proto_obj_expect(d, GET(b, DrawIndexedPrimitivesIndirect, indexBufferRef), BUF_KINDS);
    struct proto_obj *ib =
        xb ? indirect_buffer(d, GET(b, DrawIndexedPrimitivesIndirect, indirectBufferRef), off, 20)
           : NULL;
    if (!ib)
        return;
    if (ioff % (type ? 4 : 2) || ioff > xb->u.buf.length) {
        proto_dr(d, UT_GERR_INNER_VALUE, "index offset", ioff);
        return;
    }
    struct be_draw_indirect di = { prim, true, type, xb->handle, ioff, ib->handle, off };
    d->ops->draw_indirect(d->be, &di);
}

/* ---- render pass and state ---- */

static void
r_RenderDescribeRenderPass(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_renderpass_begin(d, b);
}

static bool
enum_ok(struct proto_dec *d, uint32_t v, uint32_t max)
{
    if (v <= max)
        return true;
    proto_dr(d, UT_GERR_INNER_VALUE, "enum value out of range", v);
    return false;
}

static void
r_SetBlendColor(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    float c[4] = { GET(b, SetBlendColor, red), GET(b, SetBlendColor, green),
                   GET(b, SetBlendColor, blue), GET(b, SetBlendColor, alpha) };
    d->ops->set_blend_color(d->be, c);
}

static void
store_action(struct proto_dec *d, uint32_t attachment, uint32_t action)
{
    if (!enum_ok(d, action, PROTO_MTL_STORE_MAX))
        return;
    if (!d->pass.active) {
        proto_dr(d, UT_GERR_INNER_STATE, "store action outside a render pass", action);
        return;
    }
    d->ops->set_store_action(d->be, attachment, action);
}

static void
r_SetColorStoreAction(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t index = GET(b, SetColorStoreAction, index);
    if (enum_ok(d, index, BE_MAX_COLOR_ATTACHMENTS - 1))
        store_action(d, index, GET(b, SetColorStoreAction, action));
}

static void
r_SetDepthStoreAction(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    store_action(d, 8, GET(b, SetDepthStoreAction, action));
}

static void
r_SetStencilStoreAction(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    store_action(d, 9, GET(b, SetStencilStoreAction, action));
}

static void
r_SetDepthStencilState(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t ref = GET(b, SetDepthStencilState, ref);
    struct proto_obj *o =
        ref ? proto_obj_expect(d, ref, PROTO_KIND_BIT(PROTO_OBJ_DEPTH_STENCIL)) : NULL;
    if (ref && !o)
        return;
    d->ops->set_depth_stencil_state(d->be, o ? o->handle : BE_NULL_HANDLE);
}

static void
r_SetCullMode(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t v = GET(b, SetCullMode, mode);
    if (enum_ok(d, v, PROTO_MTL_CULL_MAX))
        d->ops->set_cull_mode(d->be, v);
}

static void
r_SetDepthBias(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    d->ops->set_depth_bias(d->be, GET(b, SetDepthBias, bias), GET(b, SetDepthBias, slopeScale),
                           GET(b, SetDepthBias, clamp));
}

static void
r_SetDepthClipMode(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t v = GET(b, SetDepthClipMode, mode);
    if (enum_ok(d, v, PROTO_MTL_DEPTH_CLIP_MAX))
        d->ops->set_depth_clip_mode(d->be, v);
}

static void
r_SetFrontFacingWinding(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t v = GET(b, SetFrontFacingWinding, winding);
    if (enum_ok(d, v, PROTO_MTL_WINDING_MAX))
        d->ops->set_front_face(d->be, v);
}

static void
r_SetTriangleFillMode(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t v = GET(b, SetTriangleFillMode, mode);
    if (enum_ok(d, v, PROTO_MTL_FILL_MAX))
        d->ops->set_fill_mode(d->be, v);
}

static void
r_SetTriangleFillModeFrontBack(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t v = GET(b, SetTriangleFillModeFrontBack, front);
    if (enum_ok(d, v, PROTO_MTL_FILL_MAX))
        d->ops->set_fill_mode(d->be, v);
}

static void
r_SetRenderPipelineState(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t ref = GET(b, SetRenderPipelineState, ref);
    struct proto_obj *o = proto_obj_expect(d, ref, PROTO_KIND_BIT(PROTO_OBJ_RENDER_PIPELINE));
    d->render_pipeline = o; /* an unusable pipeline leaves none: its draws are skipped */
    d->pipeline_fits_pass = -1;
    if (o)
        d->ops->set_render_pipeline(d->be, o->handle);
}

static void
scissor(struct proto_dec *d, const struct mem_reader *r)
{
    if (!d->pass.active) {
        proto_dr(d, UT_GERR_INNER_STATE, "scissor outside a render pass", 0);
        return;
    }
    uint64_t x = GET(r, SetScissorRect, x), y = GET(r, SetScissorRect, y);
    uint64_t w = GET(r, SetScissorRect, width), h = GET(r, SetScissorRect, height);
    uint32_t W = d->pass.width, H = d->pass.height;
    struct be_rect rc;
    rc.x = (uint32_t)UT_MIN(x, (uint64_t)W);
    rc.y = (uint32_t)UT_MIN(y, (uint64_t)H);
    rc.width = (uint32_t)UT_MIN(w, (uint64_t)(W - rc.x));
    rc.height = (uint32_t)UT_MIN(h, (uint64_t)(H - rc.y));
    d->ops->set_scissor(d->be, &rc);
}

static void
r_SetScissorRect(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    scissor(d, b);
}

static void
r_SetScissorRects(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    if (n == 0) {
        proto_dr(d, UT_GERR_INNER_VALUE, "no scissor rect", 0);
        return;
    }
    struct mem_reader r = *b;
    r.p += 8;
    r.size = 32;
    scissor(d, &r);
}

static double
clampd(double v, double lo, double hi)
{
    return isnan(v) ? lo : v < lo ? lo : v > hi ? hi : v;
}

static void
viewport(struct proto_dec *d, const struct mem_reader *r)
{
    if (!d->pass.active) {
        proto_dr(d, UT_GERR_INNER_STATE, "viewport outside a render pass", 0);
        return;
    }
    double W = d->pass.width, H = d->pass.height;
    struct be_viewport vp;
    vp.x = clampd(GET(r, SetViewport, originX), 0, W);
    vp.y = clampd(GET(r, SetViewport, originY), 0, H);
    vp.width = clampd(GET(r, SetViewport, width), 0, W - vp.x);
    vp.height = clampd(GET(r, SetViewport, height), 0, H - vp.y);
    vp.znear = clampd(GET(r, SetViewport, znear), 0, 1);
    vp.zfar = clampd(GET(r, SetViewport, zfar), 0, 1);
    d->ops->set_viewport(d->be, &vp);
}

static void
r_SetViewport(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    viewport(d, b);
}

static void
r_SetViewports(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    if (n == 0) {
        proto_dr(d, UT_GERR_INNER_VALUE, "no viewport", 0);
        return;
    }
    struct mem_reader r = *b;
    r.p += 8;
    r.size = 48;
    viewport(d, &r);
}

static void
r_SetStencilRef(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    d->ops->set_stencil_ref(d->be, GET(b, SetStencilRef, front) & 0xFF,
                            GET(b, SetStencilRef, back) & 0xFF);
}

static void
r_SetLineWidth(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    if (GET(b, SetLineWidth, value) != 1.0f)
        proto_dr(d, UT_GERR_INNER_UNSUPPORTED, "line width other than 1 ignored", 0);
}

static void
r_SetPrimitiveRestartIndexEnabled(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    /* Metal restarts strips at the all-ones index always; Vulkan pipelines do it by state
     * the backend sets. Only a disabled restart differs: not supported in v1. */
    if (GET(b, SetPrimitiveRestartIndexEnabled, enabled) == 0)
        proto_dr(d, UT_GERR_INNER_UNSUPPORTED, "primitive restart disabled ignored", 0);
}

static void
resolve_texture(struct proto_dec *d, uint32_t ref)
{
    if (!d->pass.active) {
        proto_dr(d, UT_GERR_INNER_STATE, "resolve texture outside a render pass", ref);
        return;
    }
    if (ref && proto_obj_expect(d, ref, TEX_KINDS))
        proto_dr(d, UT_GERR_INNER_UNSUPPORTED, "resolve texture set inside the pass ignored", ref);
}

static void
r_SetColorResolveTexture(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    resolve_texture(d, GET(b, SetColorResolveTexture, ref));
}

static void
r_SetDepthResolveTexture(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    resolve_texture(d, GET(b, SetDepthResolveTexture, ref));
}

static void
r_SetStencilResolveTexture(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    resolve_texture(d, GET(b, SetStencilResolveTexture, ref));
}

static void
r_SetVisibilityResultMode(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    if (GET(b, SetVisibilityResultMode, mode) != 0)
        op_unsupported(d, b, n);
}

static void
r_SetVertexAmplificationCount(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    if (n > 1)
        op_unsupported(d, b, n);
}

/* ---- bindings ---- */

static void
r_SetFragmentBuffers(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffers(d, BE_STAGE_FRAGMENT, b, n, 12);
}

static void
r_SetVertexBuffers(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffers(d, BE_STAGE_VERTEX, b, n, 12);
}

static void
r_SetVertexBuffersWithStride(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffers(d, BE_STAGE_VERTEX, b, n, 20);
}

static void
r_SetFragmentBufferOffset(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffer_offset(d, BE_STAGE_FRAGMENT, GET(b, SetFragmentBufferOffset, index),
                             GET(b, SetFragmentBufferOffset, offset), false, 0);
}

static void
r_SetVertexBufferOffset(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffer_offset(d, BE_STAGE_VERTEX, GET(b, SetVertexBufferOffset, index),
                             GET(b, SetVertexBufferOffset, offset), false, 0);
}

static void
r_SetVertexBufferOffsetWithStride(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_buffer_offset(d, BE_STAGE_VERTEX, GET(b, SetVertexBufferOffsetWithStride, index),
                             GET(b, SetVertexBufferOffsetWithStride, offset), true,
                             GET(b, SetVertexBufferOffsetWithStride, stride));
}

static void
r_SetFragmentTextures(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_textures(d, BE_STAGE_FRAGMENT, b, n);
}

static void
r_SetVertexTextures(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_textures(d, BE_STAGE_VERTEX, b, n);
}

static void
r_SetFragmentSamplerStates(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_samplers(d, BE_STAGE_FRAGMENT, b, n, 4);
}

static void
r_SetFragmentSamplerStatesLODClamp(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_samplers(d, BE_STAGE_FRAGMENT, b, n, 12);
}

static void
r_SetVertexSamplerStates(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_samplers(d, BE_STAGE_VERTEX, b, n, 4);
}

static void
r_SetVertexSamplerStatesLODClamp(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_samplers(d, BE_STAGE_VERTEX, b, n, 12);
}

static void
r_SetVertexSamplerState(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_sampler_one(d, BE_STAGE_VERTEX, GET(b, SetVertexSamplerState, ref),
                           GET(b, SetVertexSamplerState, index));
}

static void
r_SetFragmentSamplerState(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_bind_sampler_one(d, BE_STAGE_FRAGMENT, GET(b, SetFragmentSamplerState, ref),
                           GET(b, SetFragmentSamplerState, index));
}

bool
proto_render_dispatch(struct proto_dec *d, uint32_t op, const struct mem_reader *b)
{
    switch (op) { /* a duplicated opcode is a compile error here */
#define OP PROTO_DISPATCH_CASE
#include "protocol/ops_render.def"
#undef OP
    default:
        return false;
    }
}
