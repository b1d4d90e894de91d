/* SPDX-License-Identifier: MIT */
/*
 * Encoder state and work: render passes as dynamic rendering (split and resumed with load
 * actions on an in-pass barrier), fixed-function state applied as dynamic state, bindings kept
 * per stage and written into per-batch descriptor sets through the AIR reflection (set 0 vertex
 * or kernel, set 1 fragment; air.md §5.4.4), draws of every kind and dispatches. Worker thread.
 */
#include <string.h>

#include "util/checked.h"
#include "util/log.h"
#include "vulkan/vkb_internal.h"

#define LOGDEV(b) ((b)->cfg.log_dev)

void
vkb_state_reset(struct vkb *b)
{
    vkb_end_pass_if_open(b);
    struct vkb_state *s = &b->st;
    memset(s, 0, sizeof(*s));
    s->viewport.zfar = 1.0;
    s->dyn_dirty = true;
    for (int i = 0; i < BE_STAGE_COUNT; i++)
        s->sets_dirty[i] = true;
    s->vb_dirty = true;
}

static void
encoder_reset(struct be *be)
{
    vkb_state_reset(vkb_from(be));
}

/* ---- passes ---- */

static void
attachment_info(struct vkb *b,
                const struct be_attachment *a,
                struct vkb_texture *t,
                bool load,
                VkRenderingAttachmentInfo *out,
                const VkClearValue *clear)
{
    memset(out, 0, sizeof(*out));
    out->sType = VK_STRUCTURE_TYPE_RENDERING_ATTACHMENT_INFO;
    if (!t)
        return;
    out->imageView = vkb_texture_att_view(b, t, a->level, a->slice);
    out->imageLayout = VK_IMAGE_LAYOUT_GENERAL;
    out->loadOp = a->clear && !load ? VK_ATTACHMENT_LOAD_OP_CLEAR : VK_ATTACHMENT_LOAD_OP_LOAD;
    out->storeOp = VK_ATTACHMENT_STORE_OP_STORE;
    if (clear)
        out->clearValue = *clear;
    struct vkb_texture *r = vkb_cast(a->resolve, VKB_KIND_TEXTURE);
    if (r && a->resolve_store && t->image->samples > 1 && r->image->samples == 1 &&
        t->image->aspect == VK_IMAGE_ASPECT_COLOR_BIT) {
        out->resolveImageView = vkb_texture_att_view(b, r, a->resolve_level, a->resolve_slice);
        out->resolveImageLayout = VK_IMAGE_LAYOUT_GENERAL;
        out->resolveMode =
            out->resolveImageView ? VK_RESOLVE_MODE_AVERAGE_BIT : VK_RESOLVE_MODE_NONE;
        vkb_retain(b, r);
    }
}

/* Begins rendering for b->st.pass; load = resume after a split (everything loads). */
static void
pass_begin(struct vkb *b, bool load)
{
    struct vkb_state *s = &b->st;
    const struct be_render_pass *p = &s->pass;
    VkCommandBuffer cb = vkb_work_cb(b);
    if (!cb)
        return;
    VkRenderingAttachmentInfo color[BE_MAX_COLOR_ATTACHMENTS], depth, stencil;
    uint32_t ncolor = BE_MAX_COLOR_ATTACHMENTS;
    for (uint32_t i = 0; i < BE_MAX_COLOR_ATTACHMENTS; i++) {
        VkClearValue cv;
        for (int k = 0; k < 4; k++)
            cv.color.float32[k] = (float)p->clear_color[i][k];
        attachment_info(b, &p->color[i], s->pass_tex[i], load, &color[i], &cv);
    }
    VkClearValue dv = { .depthStencil = { (float)p->clear_depth, p->clear_stencil } };
    struct vkb_texture *dt = s->pass_tex[8], *st = s->pass_tex[9];
    /* Vulkan takes depth and stencil from one view: a combined texture serves both. */
    if (dt && (dt->image->aspect & VK_IMAGE_ASPECT_STENCIL_BIT) && !st)
        st = dt;
    if (st && (st->image->aspect & VK_IMAGE_ASPECT_DEPTH_BIT) && !dt)
        dt = st;
    if (dt && st && dt != st && dt->image != st->image) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "separate depth and stencil textures: stencil dropped");
        st = NULL;
    }
    const struct be_attachment *da = s->pass_tex[8] ? &p->depth : &p->stencil;
    const struct be_attachment *sa = s->pass_tex[9] ? &p->stencil : &p->depth;
    attachment_info(b, da, dt, load, &depth, &dv);
    attachment_info(b, sa, st, load, &stencil, &dv);
    if (dt && !(dt->image->aspect & VK_IMAGE_ASPECT_DEPTH_BIT))
        depth.imageView = VK_NULL_HANDLE;
    VkRenderingInfo ri = {
        .sType = VK_STRUCTURE_TYPE_RENDERING_INFO,
        .renderArea = { { 0, 0 }, { p->width, p->height } },
        .layerCount = 1,
        .colorAttachmentCount = ncolor,
        .pColorAttachments = color,
        .pDepthAttachment = dt && depth.imageView ? &depth : NULL,
        .pStencilAttachment = st && stencil.imageView ? &stencil : NULL,
    };
    b->fn.begin_rendering(cb, &ri);
    s->in_pass = true;
    s->bound_pipeline = VK_NULL_HANDLE;
    s->dyn_dirty = true;
    s->vb_dirty = true;
    s->sets_dirty[BE_STAGE_VERTEX] = s->sets_dirty[BE_STAGE_FRAGMENT] = true;
}

void
vkb_end_pass_if_open(struct vkb *b)
{
    if (!b->st.in_pass)
        return;
    struct vkb_batch *bt = b->cur;
    if (bt && bt->work_open)
        b->fn.end_rendering(bt->work);
    b->st.in_pass = false;
}

static void
begin_render_pass(struct be *be, const struct be_render_pass *p)
{
    struct vkb *b = vkb_from(be);
    struct vkb_state *s = &b->st;
    if (!vkb_op_begin(b))
        return;
    s->pass = *p;
    for (uint32_t i = 0; i < BE_MAX_COLOR_ATTACHMENTS; i++)
        s->pass_tex[i] = vkb_cast(p->color[i].texture, VKB_KIND_TEXTURE);
    s->pass_tex[8] = vkb_cast(p->depth.texture, VKB_KIND_TEXTURE);
    s->pass_tex[9] = vkb_cast(p->stencil.texture, VKB_KIND_TEXTURE);
    for (uint32_t i = 0; i < BE_MAX_COLOR_ATTACHMENTS + 2; i++) {
        struct vkb_texture *t = s->pass_tex[i];
        if (!t)
            continue;
        const struct be_attachment *a = i < 8 ? &p->color[i] : i == 8 ? &p->depth : &p->stencil;
        /* Attachments must cover the render area at their level (protocol.md §12.3). */
        uint32_t l = t->base_level + a->level;
        if (l >= t->image->levels || UT_MAX(1u, t->image->width >> l) < p->width ||
            UT_MAX(1u, t->image->height >> l) < p->height ||
            t->base_layer + a->slice >= t->image->layers ||
            (i < 8 && t->image->aspect != VK_IMAGE_ASPECT_COLOR_BIT) ||
            (i >= 8 && t->image->aspect == VK_IMAGE_ASPECT_COLOR_BIT)) {
            UT_WARN(LOGDEV(b), VKB_DOMAIN, "attachment %u does not fit the pass; dropped", i);
            s->pass_tex[i] = NULL;
            continue;
        }
        vkb_retain(b, t);
    }
    pass_begin(b, false);
}

static void
end_render_pass(struct be *be)
{
    vkb_end_pass_if_open(vkb_from(be));
}

static void
set_store_action(struct be *be, uint32_t attachment, uint32_t action)
{
    /* Every attachment is stored (DontCare and Unknown are stored per §12.3); resolves were
     * decided at pass start. */
}

static void
barrier(struct be *be, const struct be_barrier *bar)
{
    struct vkb *b = vkb_from(be);
    if (b->st.in_pass) {
        /* Split: end, make the pass's writes visible, resume with loads (§11.1 Y). */
        vkb_end_pass_if_open(b);
        VkCommandBuffer cb = vkb_work_cb(b);
        if (!cb)
            return;
        vkb_full_barrier(cb);
        pass_begin(b, true);
        return;
    }
    VkCommandBuffer cb = vkb_work_cb(b);
    if (cb)
        vkb_full_barrier(cb);
}

/* ---- state ---- */

static void
set_render_pipeline(struct be *be, be_handle_t h)
{
    struct vkb *b = vkb_from(be);
    b->st.rpipe = vkb_cast(h, VKB_KIND_RPIPE);
    b->st.sets_dirty[BE_STAGE_VERTEX] = b->st.sets_dirty[BE_STAGE_FRAGMENT] = true;
    b->st.vb_dirty = true;
}

static void
set_compute_pipeline(struct be *be, be_handle_t h)
{
    struct vkb *b = vkb_from(be);
    b->st.cpipe = vkb_cast(h, VKB_KIND_CPIPE);
    b->st.sets_dirty[BE_STAGE_COMPUTE] = true;
}

static void
set_depth_stencil_state(struct be *be, be_handle_t h)
{
    struct vkb *b = vkb_from(be);
    b->st.dss = vkb_cast(h, VKB_KIND_DSS);
    b->st.dyn_dirty = true;
}

static void
set_viewport(struct be *be, const struct be_viewport *vp)
{
    struct vkb *b = vkb_from(be);
    b->st.viewport = *vp;
    b->st.dyn_dirty = true;
}

static void
set_scissor(struct be *be, const struct be_rect *r)
{
    struct vkb *b = vkb_from(be);
    b->st.scissor = *r;
    b->st.dyn_dirty = true;
}

#define SET_U32(name, field)                    \
    static void name(struct be *be, uint32_t v) \
    {                                           \
        struct vkb *b = vkb_from(be);           \
        b->st.field = v;                        \
        b->st.dyn_dirty = true;                 \
    }
SET_U32(set_cull_mode, cull)
SET_U32(set_front_face, winding)
SET_U32(set_fill_mode, fill)
SET_U32(set_depth_clip_mode, clip)
#undef SET_U32

static void
set_depth_bias(struct be *be, float bias, float slope, float clamp)
{
    struct vkb *b = vkb_from(be);
    b->st.bias[0] = bias;
    b->st.bias[1] = slope;
    b->st.bias[2] = clamp;
    b->st.dyn_dirty = true;
}

static void
set_stencil_ref(struct be *be, uint32_t front, uint32_t back)
{
    struct vkb *b = vkb_from(be);
    b->st.stencil_ref[0] = front;
    b->st.stencil_ref[1] = back;
    b->st.dyn_dirty = true;
}

static void
set_blend_color(struct be *be, const float rgba[4])
{
    struct vkb *b = vkb_from(be);
    memcpy(b->st.blend, rgba, sizeof(b->st.blend));
    b->st.dyn_dirty = true;
}

static void
bind_buffers(struct be *be,
             enum be_stage stage,
             uint32_t first,
             uint32_t count,
             const struct be_buffer_binding *bb)
{
    struct vkb *b = vkb_from(be);
    if (stage >= BE_STAGE_COUNT || !ut_range_ok(first, count, VKB_MAX_BUFFERS))
        return;
    memcpy(&b->st.buffers[stage][first], bb, count * sizeof(*bb));
    b->st.sets_dirty[stage] = true;
    if (stage == BE_STAGE_VERTEX)
        b->st.vb_dirty = true;
}

static void
bind_textures(struct be *be,
              enum be_stage stage,
              uint32_t first,
              uint32_t count,
              const be_handle_t *t)
{
    struct vkb *b = vkb_from(be);
    if (stage >= BE_STAGE_COUNT || !ut_range_ok(first, count, VKB_MAX_TEXTURES))
        return;
    memcpy(&b->st.textures[stage][first], t, count * sizeof(*t));
    b->st.sets_dirty[stage] = true;
}

static void
bind_samplers(struct be *be,
              enum be_stage stage,
              uint32_t first,
              uint32_t count,
              const struct be_sampler_binding *sb)
{
    struct vkb *b = vkb_from(be);
    if (stage >= BE_STAGE_COUNT || !ut_range_ok(first, count, VKB_MAX_SAMPLERS))
        return;
    memcpy(&b->st.samplers[stage][first], sb, count * sizeof(*sb));
    b->st.sets_dirty[stage] = true;
}

/* ---- descriptor sets ---- */

/* Writes and binds the descriptor set of one stage; false when a binding cannot be served
 * (the work is then skipped). */
static bool
bind_set(struct vkb *b,
         VkCommandBuffer cb,
         VkPipelineBindPoint bp,
         VkPipelineLayout layout,
         uint32_t set_index,
         enum be_stage stage,
         const struct vkb_stage_layout *l)
{
    if (!l->nbindings)
        return true;
    VkDescriptorSet set = vkb_alloc_set(b, l);
    if (!set)
        return false;
    VkWriteDescriptorSet w[64];
    VkDescriptorBufferInfo bi[64];
    VkDescriptorImageInfo ii[64];
    uint32_t n = 0;
    uint64_t align = b->props.limits.minStorageBufferOffsetAlignment;
    for (uint32_t i = 0; i < l->nbindings && n < 64; i++) {
        const struct air_binding *ab = &l->bindings[i];
        uint32_t slot = ab->metal_slot;
        w[n] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                       .dstSet = set,
                                       .dstBinding = ab->binding,
                                       .descriptorCount = 1 };
        switch (ab->type) {
        case AIR_BINDING_STORAGE_BUFFER: {
            struct vkb_buffer *buf =
                slot < VKB_MAX_BUFFERS
                    ? vkb_cast(b->st.buffers[stage][slot].buffer, VKB_KIND_BUFFER)
                    : NULL;
            uint64_t off = slot < VKB_MAX_BUFFERS ? b->st.buffers[stage][slot].offset : 0;
            if (!buf || off >= buf->length) {
                buf = b->dummy_buffer;
                off = 0;
            }
            if (off % align) {
                /* air.md §5.4.2 wants the remainder in a push constant; the translator has
                 * none yet, so the binding starts early. */
                UT_WARN(LOGDEV(b), VKB_DOMAIN,
                        "buffer offset %llu not %llu-aligned; aligned "
                        "down",
                        (unsigned long long)off, (unsigned long long)align);
                off -= off % align;
            }
            vkb_retain(b, buf);
            uint64_t range =
                UT_MIN(buf->length - off, (uint64_t)b->props.limits.maxStorageBufferRange);
            if (ab->access & AIR_ACCESS_WRITE) /* stores or atomics: written back (§10.2) */
                vkb_buffer_mark_written(b, buf, off, range);
            bi[n] = (VkDescriptorBufferInfo){ buf->buf, off, range };
            w[n].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
            w[n].pBufferInfo = &bi[n];
            break;
        }
        case AIR_BINDING_SAMPLED_IMAGE:
        case AIR_BINDING_STORAGE_IMAGE: {
            bool storage = ab->type == AIR_BINDING_STORAGE_IMAGE;
            struct vkb_texture *t = slot < VKB_MAX_TEXTURES
                                        ? vkb_cast(b->st.textures[stage][slot], VKB_KIND_TEXTURE)
                                        : NULL;
            VkImageView v = t ? (storage ? t->storage_view : t->sample_view) : VK_NULL_HANDLE;
            if (t)
                vkb_retain(b, t);
            if (!v && !storage && ab->tex_kind == AIR_TEX_2D)
                v = b->dummy_view_2d;
            else if (!v && !storage && ab->tex_kind == AIR_TEX_2D_ARRAY)
                v = b->dummy_view_2d_array;
            else if (!v && storage && ab->tex_kind == AIR_TEX_2D)
                v = b->dummy_view_2d;
            if (!v) {
                UT_WARN(LOGDEV(b), VKB_DOMAIN,
                        "texture slot %u unbound or unusable; work "
                        "skipped",
                        slot);
                return false;
            }
            ii[n] = (VkDescriptorImageInfo){ VK_NULL_HANDLE, v, VK_IMAGE_LAYOUT_GENERAL };
            w[n].descriptorType =
                storage ? VK_DESCRIPTOR_TYPE_STORAGE_IMAGE : VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE;
            w[n].pImageInfo = &ii[n];
            break;
        }
        case AIR_BINDING_SAMPLER: {
            struct vkb_sampler *s =
                slot < VKB_MAX_SAMPLERS
                    ? vkb_cast(b->st.samplers[stage][slot].sampler, VKB_KIND_SAMPLER)
                    : NULL;
            if (s)
                vkb_retain(b, s);
            ii[n] = (VkDescriptorImageInfo){ s ? s->sampler : b->dummy_sampler, VK_NULL_HANDLE,
                                             VK_IMAGE_LAYOUT_UNDEFINED };
            w[n].descriptorType = VK_DESCRIPTOR_TYPE_SAMPLER;
            w[n].pImageInfo = &ii[n];
            break;
        }
        default:
            continue;
        }
        n++;
    }
    vkUpdateDescriptorSets(b->dev, n, w, 0, NULL);
    vkCmdBindDescriptorSets(cb, bp, layout, set_index, 1, &set, 0, NULL);
    return true;
}

/* ---- draws ---- */

static void
emit_dynamic(struct vkb *b, VkCommandBuffer cb)
{
    struct vkb_state *s = &b->st;
    VkViewport vp = {
        (float)s->viewport.x,      (float)s->viewport.y,     (float)s->viewport.width,
        (float)s->viewport.height, (float)s->viewport.znear, (float)s->viewport.zfar
    };
    if (vp.width <= 0.0f || vp.height == 0.0f) {
        vp.width = (float)s->pass.width;
        vp.height = (float)s->pass.height;
    }
    vp.minDepth = vp.minDepth < 0.0f ? 0.0f : vp.minDepth > 1.0f ? 1.0f : vp.minDepth;
    vp.maxDepth = vp.maxDepth < 0.0f ? 0.0f : vp.maxDepth > 1.0f ? 1.0f : vp.maxDepth;
    vkCmdSetViewport(cb, 0, 1, &vp);
    uint32_t sx = UT_MIN(s->scissor.x, s->pass.width), sy = UT_MIN(s->scissor.y, s->pass.height);
    VkRect2D sc = { { (int32_t)sx, (int32_t)sy },
                    { UT_MIN(s->scissor.width, s->pass.width - sx),
                      UT_MIN(s->scissor.height, s->pass.height - sy) } };
    vkCmdSetScissor(cb, 0, 1, &sc);
    static const VkCullModeFlags cull[] = { VK_CULL_MODE_NONE, VK_CULL_MODE_FRONT_BIT,
                                            VK_CULL_MODE_BACK_BIT };
    b->fn.set_cull_mode(cb, cull[s->cull < 3 ? s->cull : 0]);
    /* Metal and Vulkan both judge winding in y-down framebuffer space (the vertex epilogue
     * flips y, air.md §5.4.8), so the values map straight. */
    b->fn.set_front_face(cb,
                         s->winding ? VK_FRONT_FACE_COUNTER_CLOCKWISE : VK_FRONT_FACE_CLOCKWISE);
    vkCmdSetDepthBias(cb, s->bias[0], s->bias[2], s->bias[1]);
    if (b->fn.set_depth_bias_enable)
        b->fn.set_depth_bias_enable(cb, s->bias[0] != 0.0f || s->bias[1] != 0.0f);
    vkCmdSetBlendConstants(cb, s->blend);
    const struct vkb_dss *d = s->dss;
    bool dt = d && (d->d.depth_compare != 7 || d->d.depth_write);
    b->fn.set_depth_test_enable(cb, dt);
    b->fn.set_depth_write_enable(cb, d && d->d.depth_write);
    b->fn.set_depth_compare_op(cb, d ? vkb_compare_op(d->d.depth_compare) : VK_COMPARE_OP_ALWAYS);
    b->fn.set_depth_bounds_test_enable(cb, VK_FALSE);
    bool sten = d && (d->d.front.enabled || d->d.back.enabled);
    b->fn.set_stencil_test_enable(cb, sten);
    const struct be_stencil_face none = { 0 };
    const struct be_stencil_face *f = d && d->d.front.enabled ? &d->d.front : &none;
    const struct be_stencil_face *k = d && d->d.back.enabled ? &d->d.back : &none;
    for (int i = 0; i < 2; i++) {
        const struct be_stencil_face *x = i ? k : f;
        VkStencilFaceFlags face = i ? VK_STENCIL_FACE_BACK_BIT : VK_STENCIL_FACE_FRONT_BIT;
        b->fn.set_stencil_op(cb, face, vkb_stencil_op(x->fail_op), vkb_stencil_op(x->pass_op),
                             vkb_stencil_op(x->depth_fail_op),
                             x == &none ? VK_COMPARE_OP_ALWAYS : vkb_compare_op(x->compare));
        vkCmdSetStencilCompareMask(cb, face, x->read_mask);
        vkCmdSetStencilWriteMask(cb, face, x->write_mask);
        vkCmdSetStencilReference(cb, face, s->stencil_ref[i] & 0xFF);
    }
    s->dyn_dirty = false;
    s->topology_set = 0; /* re-emitted with the rest */
}

static const VkPrimitiveTopology topologies[] = {
    VK_PRIMITIVE_TOPOLOGY_POINT_LIST,     VK_PRIMITIVE_TOPOLOGY_LINE_LIST,
    VK_PRIMITIVE_TOPOLOGY_LINE_STRIP,     VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST,
    VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP,
};

/* Everything a draw needs bound; returns the command buffer or NULL (draw skipped). */
static VkCommandBuffer
draw_prepare(struct vkb *b, uint32_t primitive)
{
    struct vkb_state *s = &b->st;
    struct vkb_rpipe *p = s->rpipe;
    if (!s->in_pass || !p || primitive > 4)
        return VK_NULL_HANDLE;
    uint32_t cls = primitive == 0 ? 0 : primitive <= 2 ? 1 : 2;
    VkPipeline pl = vkb_rpipe_variant(b, p, cls, s->fill == 1, s->clip == 1);
    VkCommandBuffer cb = vkb_work_cb(b);
    if (!pl || !cb)
        return VK_NULL_HANDLE;
    vkb_retain(b, p);
    if (pl != s->bound_pipeline) {
        vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_GRAPHICS, pl);
        s->bound_pipeline = pl;
        s->dyn_dirty = true;
    }
    if (s->dyn_dirty)
        emit_dynamic(b, cb);
    if (s->topology_set != primitive + 1) { /* one call per change, not per draw */
        b->fn.set_primitive_topology(cb, topologies[primitive]);
        s->topology_set = primitive + 1;
    }
    for (uint32_t st = 0; st < 2; st++) {
        if (!s->sets_dirty[st])
            continue;
        if (!bind_set(b, cb, VK_PIPELINE_BIND_POINT_GRAPHICS, p->layout, st, (enum be_stage)st,
                      &p->stage[st]))
            return VK_NULL_HANDLE;
        s->sets_dirty[st] = false;
    }
    if (s->vb_dirty) {
        for (uint32_t i = 0; i < p->desc.layout_count; i++) {
            uint32_t slot = p->desc.layouts[i].buffer;
            const struct be_buffer_binding *bb =
                slot < VKB_MAX_BUFFERS ? &s->buffers[BE_STAGE_VERTEX][slot] : NULL;
            struct vkb_buffer *buf = bb ? vkb_cast(bb->buffer, VKB_KIND_BUFFER) : NULL;
            VkDeviceSize off = buf && bb->offset < buf->length ? bb->offset : 0;
            if (!buf)
                buf = b->dummy_buffer;
            vkb_retain(b, buf);
            vkCmdBindVertexBuffers(cb, i, 1, &buf->buf, &off);
        }
        s->vb_dirty = false;
    }
    return cb;
}

static void
draw(struct be *be, const struct be_draw *d)
{
    struct vkb *b = vkb_from(be);
    VkCommandBuffer cb = draw_prepare(b, d->primitive);
    if (cb && d->vertex_count && d->instance_count)
        vkCmdDraw(cb, d->vertex_count, d->instance_count, d->vertex_start, d->base_instance);
}

static bool
bind_index(struct vkb *b, VkCommandBuffer cb, be_handle_t h, uint64_t off, uint32_t type)
{
    struct vkb_buffer *ib = vkb_cast(h, VKB_KIND_BUFFER);
    if (!ib || off >= ib->length)
        return false;
    vkb_retain(b, ib);
    vkCmdBindIndexBuffer(cb, ib->buf, off, type ? VK_INDEX_TYPE_UINT32 : VK_INDEX_TYPE_UINT16);
    return true;
}

static void
draw_indexed(struct be *be, const struct be_draw_indexed *d)
{
    struct vkb *b = vkb_from(be);
    VkCommandBuffer cb = draw_prepare(b, d->primitive);
    if (!cb || !d->index_count || !d->instance_count ||
        !bind_index(b, cb, d->index_buffer, d->index_offset, d->index_type))
        return;
    vkCmdDrawIndexed(cb, d->index_count, d->instance_count, 0, d->base_vertex, d->base_instance);
}

static void
draw_indirect(struct be *be, const struct be_draw_indirect *d)
{
    struct vkb *b = vkb_from(be);
    struct vkb_buffer *ind = vkb_cast(d->indirect_buffer, VKB_KIND_BUFFER);
    /* MTLDraw(Indexed)PrimitivesIndirectArguments have VkDraw(Indexed)IndirectCommand's
     * layout: 16 or 20 bytes of u32s. */
    uint64_t need = d->indexed ? 20 : 16;
    if (!ind || d->indirect_offset % 4 || !ut_range_ok(d->indirect_offset, need, ind->length))
        return;
    VkCommandBuffer cb = draw_prepare(b, d->primitive);
    if (!cb)
        return;
    vkb_retain(b, ind);
    if (d->indexed) {
        if (bind_index(b, cb, d->index_buffer, d->index_offset, d->index_type))
            vkCmdDrawIndexedIndirect(cb, ind->buf, d->indirect_offset, 1, 20);
    } else {
        vkCmdDrawIndirect(cb, ind->buf, d->indirect_offset, 1, 16);
    }
}

/* ---- dispatch ---- */

static VkCommandBuffer
dispatch_prepare(struct vkb *b, const uint32_t size[3])
{
    struct vkb_cpipe *p = b->st.cpipe;
    if (!p)
        return VK_NULL_HANDLE;
    VkPipeline pl = vkb_cpipe_variant(b, p, size);
    if (!pl)
        return VK_NULL_HANDLE;
    VkCommandBuffer cb = vkb_op_begin(b);
    if (!cb)
        return VK_NULL_HANDLE;
    vkb_retain(b, p);
    vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pl);
    if (!bind_set(b, cb, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, BE_STAGE_COMPUTE, &p->stage))
        return VK_NULL_HANDLE;
    return cb;
}

static void
dispatch(struct be *be, const struct be_dispatch *d)
{
    struct vkb *b = vkb_from(be);
    uint32_t size[3], groups[3];
    for (int i = 0; i < 3; i++) {
        size[i] = UT_MAX(1u, d->group_size[i]);
        if (d->threads) {
            /* Non-uniform grid: use the largest group size ≤ the requested one that divides
             * the grid, so no thread runs outside it (edges by vkCmdDispatchBase with their
             * own pipelines are the later, exact form: air.md §5.4.8). */
            uint32_t n = d->count[i];
            if (!n)
                return;
            while (n % size[i])
                size[i]--;
            groups[i] = n / size[i];
        } else {
            groups[i] = d->count[i];
        }
        if (!groups[i])
            return;
    }
    VkCommandBuffer cb = dispatch_prepare(b, size);
    if (cb)
        vkCmdDispatch(cb, groups[0], groups[1], groups[2]);
}

static void
dispatch_indirect(struct be *be, const struct be_dispatch_indirect *d)
{
    struct vkb *b = vkb_from(be);
    struct vkb_buffer *buf = vkb_cast(d->buffer, VKB_KIND_BUFFER);
    if (!buf || d->offset % 4 || !ut_range_ok(d->offset, 12, buf->length))
        return;
    if (d->threads) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "indirect dispatch of threads not supported; skipped");
        return;
    }
    uint32_t size[3];
    for (int i = 0; i < 3; i++)
        size[i] = d->group_size[i] ? d->group_size[i] : 1;
    VkCommandBuffer cb = dispatch_prepare(b, size);
    if (!cb)
        return;
    vkb_retain(b, buf);
    vkCmdDispatchIndirect(cb, buf->buf, d->offset);
}

void
vkb_render_ops(struct be_ops *ops)
{
    ops->encoder_reset = encoder_reset;
    ops->begin_render_pass = begin_render_pass;
    ops->end_render_pass = end_render_pass;
    ops->set_render_pipeline = set_render_pipeline;
    ops->set_compute_pipeline = set_compute_pipeline;
    ops->set_depth_stencil_state = set_depth_stencil_state;
    ops->set_viewport = set_viewport;
    ops->set_scissor = set_scissor;
    ops->set_cull_mode = set_cull_mode;
    ops->set_front_face = set_front_face;
    ops->set_fill_mode = set_fill_mode;
    ops->set_depth_clip_mode = set_depth_clip_mode;
    ops->set_depth_bias = set_depth_bias;
    ops->set_stencil_ref = set_stencil_ref;
    ops->set_blend_color = set_blend_color;
    ops->set_store_action = set_store_action;
    ops->bind_buffers = bind_buffers;
    ops->bind_textures = bind_textures;
    ops->bind_samplers = bind_samplers;
    ops->draw = draw;
    ops->draw_indexed = draw_indexed;
    ops->draw_indirect = draw_indirect;
    ops->dispatch = dispatch;
    ops->dispatch_indirect = dispatch_indirect;
    ops->barrier = barrier;
}
