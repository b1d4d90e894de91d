/* SPDX-License-Identifier: MIT */
/*
 * The recording backend: one text line per operation with every field, in a stable format
 * (`op key=value ...`, integers in decimal, handles as h<N>, floats with %.9g, doubles with
 * %.17g), written to a FILE or kept in memory. Decode tests compare these transcripts with
 * golden files (tests/golden/decode). Handles count up from 1 and are never reused. Work
 * finishes at once, like the null backend. One caller at a time, any thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "util/alloc.h"

struct be_rec {
    struct be base;
    FILE *f;
    char *text; /* memory mode */
    size_t len, cap;
    bool oom;
    be_handle_t next;
    /* Buffer coherence model: ranges blits and dispatches wrote since the last flush or
     * discard (every compute-bound buffer counts as written: no shaders here). */
    struct rec_dirty {
        be_handle_t buffer;
        uint64_t lo, hi;
    } dirty[64];
    uint32_t ndirty;
    struct be_buffer_binding compute[32];
};

static void
mark_written(struct be *be, be_handle_t h, uint64_t off, uint64_t len)
{
    struct be_rec *r = (struct be_rec *)be;
    if (!h || !len)
        return;
    for (uint32_t i = 0; i < r->ndirty; i++) {
        struct rec_dirty *d = &r->dirty[i];
        if (d->buffer == h) {
            d->lo = off < d->lo ? off : d->lo;
            d->hi = off + len > d->hi ? off + len : d->hi;
            return;
        }
    }
    if (r->ndirty < sizeof(r->dirty) / sizeof(r->dirty[0]))
        r->dirty[r->ndirty++] = (struct rec_dirty){ h, off, off + len };
}

__attribute__((format(printf, 2, 3))) static void
emit(struct be *be, const char *fmt, ...)
{
    struct be_rec *r = (struct be_rec *)be;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) - 2 ? (size_t)n : sizeof(line) - 2;
    line[len++] = '\n';
    line[len] = 0;
    if (r->f) {
        fputs(line, r->f);
        return;
    }
    if (r->oom)
        return;
    if (r->len + len + 1 > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        while (cap < r->len + len + 1)
            cap *= 2;
        char *t = ut_realloc_array(r->text, cap, 1);
        if (!t) {
            r->oom = true;
            return;
        }
        r->text = t;
        r->cap = cap;
    }
    memcpy(r->text + r->len, line, len + 1);
    r->len += len;
}

static const char *
stage_name(enum be_stage s)
{
    switch (s) {
    case BE_STAGE_VERTEX:
        return "vertex";
    case BE_STAGE_FRAGMENT:
        return "fragment";
    case BE_STAGE_COMPUTE:
        return "compute";
    default:
        return "?";
    }
}

static lagfx_status_t
new_handle(struct be *be, be_handle_t *out)
{
    *out = ++((struct be_rec *)be)->next;
    return LAGFX_OK;
}

static lagfx_status_t
rec_buffer_create(struct be *be, const struct be_buffer_desc *d, be_handle_t *out)
{
    new_handle(be, out);
    emit(be, "buffer_create h%llu length=%llu", (unsigned long long)*out,
         (unsigned long long)d->length);
    return LAGFX_OK;
}

static lagfx_status_t
rec_texture_create(struct be *be, const struct be_texture_desc *d, be_handle_t *out)
{
    new_handle(be, out);
    emit(be,
         "texture_create h%llu type=%u format=%u size=%ux%ux%u levels=%u layers=%u samples=%u "
         "usage=0x%x storage=%u pitch=%u iosurface=%u swizzle=%u,%u,%u,%u guest_image=%d "
         "linear_size=%llu",
         (unsigned long long)*out, d->texture_type, d->pixel_format, d->width, d->height, d->depth,
         d->levels, d->layers, d->samples, d->usage, d->storage, d->bytes_per_row, d->iosurface_id,
         d->swizzle[0], d->swizzle[1], d->swizzle[2], d->swizzle[3], d->has_guest_image,
         (unsigned long long)d->linear_size);
    return LAGFX_OK;
}

static lagfx_status_t
rec_texture_view_create(struct be *be, const struct be_texture_view_desc *d, be_handle_t *out)
{
    new_handle(be, out);
    emit(be,
         "texture_view_create h%llu parent=h%llu format=%u type=%u levels=%u+%u slices=%u+%u "
         "swizzle=%u,%u,%u,%u",
         (unsigned long long)*out, (unsigned long long)d->parent, d->pixel_format, d->texture_type,
         d->base_level, d->level_count, d->base_slice, d->slice_count, d->swizzle[0], d->swizzle[1],
         d->swizzle[2], d->swizzle[3]);
    return LAGFX_OK;
}

static lagfx_status_t
rec_sampler_create(struct be *be, const struct be_sampler_desc *d, be_handle_t *out)
{
    new_handle(be, out);
    emit(be,
         "sampler_create h%llu min=%u mag=%u mip=%u normalized=%d address=%u,%u,%u border=%u "
         "compare=%u lod_average=%d anisotropy=%u lod=%.9g,%.9g",
         (unsigned long long)*out, d->min_filter, d->mag_filter, d->mip_filter, d->normalized,
         d->address[0], d->address[1], d->address[2], d->border_color, d->compare, d->lod_average,
         d->max_anisotropy, d->lod_min, d->lod_max);
    return LAGFX_OK;
}

static lagfx_status_t
rec_depth_stencil_create(struct be *be, const struct be_depth_stencil_desc *d, be_handle_t *out)
{
    new_handle(be, out);
    const struct be_stencil_face *f = &d->front, *b = &d->back;
    emit(be,
         "depth_stencil_create h%llu depth_compare=%u depth_write=%d "
         "front=%d,%u,%u,%u,%u,0x%x,0x%x back=%d,%u,%u,%u,%u,0x%x,0x%x",
         (unsigned long long)*out, d->depth_compare, d->depth_write, f->enabled, f->compare,
         f->fail_op, f->depth_fail_op, f->pass_op, f->read_mask, f->write_mask, b->enabled,
         b->compare, b->fail_op, b->depth_fail_op, b->pass_op, b->read_mask, b->write_mask);
    return LAGFX_OK;
}

static lagfx_status_t
rec_function_create(struct be *be, const struct be_function_desc *d, be_handle_t *out)
{
    new_handle(be, out);
    /* FNV-1a of the container: identifies the bytes without printing them. */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < d->len; i++)
        h = (h ^ d->mtlb[i]) * 16777619u;
    emit(be, "function_create h%llu stage=%u length=%zu fnv=0x%08x", (unsigned long long)*out,
         d->stage, d->len, h);
    return LAGFX_OK;
}

static lagfx_status_t
rec_render_pipeline_create(struct be *be, const struct be_render_pipeline_desc *d, be_handle_t *out)
{
    new_handle(be, out);
    emit(be,
         "render_pipeline_create h%llu vertex=h%llu fragment=h%llu depth=%u stencil=%u samples=%u "
         "topology=%u a2c=%d a2one=%d raster=%d colors=%u attributes=%u layouts=%u",
         (unsigned long long)*out, (unsigned long long)d->vertex_function,
         (unsigned long long)d->fragment_function, d->depth_format, d->stencil_format,
         d->sample_count, d->topology_class, d->alpha_to_coverage, d->alpha_to_one,
         d->rasterization, d->color_count, d->attribute_count, d->layout_count);
    for (uint32_t k = 0; k < d->color_count && k < BE_MAX_COLOR_ATTACHMENTS; k++) {
        const struct be_color_target *c = &d->color[k];
        emit(be, "  color %u format=%u blend=%d mask=0x%x op=%u,%u factors=%u,%u,%u,%u", k,
             c->pixel_format, c->blending, c->write_mask, c->rgb_op, c->alpha_op, c->src_rgb,
             c->dst_rgb, c->src_alpha, c->dst_alpha);
    }
    for (uint32_t a = 0; a < d->attribute_count && a < BE_MAX_VERTEX_ATTRIBUTES; a++)
        emit(be, "  attribute %u buffer=%u format=%u offset=%u", d->attributes[a].index,
             d->attributes[a].buffer, d->attributes[a].format, d->attributes[a].offset);
    for (uint32_t j = 0; j < d->layout_count && j < BE_MAX_VERTEX_ATTRIBUTES; j++)
        emit(be, "  layout buffer=%u step=%u stride=%u rate=%u", d->layouts[j].buffer,
             d->layouts[j].step_function, d->layouts[j].stride, d->layouts[j].step_rate);
    return LAGFX_OK;
}

static lagfx_status_t
rec_compute_pipeline_create(struct be *be,
                            const struct be_compute_pipeline_desc *d,
                            be_handle_t *out)
{
    new_handle(be, out);
    emit(be, "compute_pipeline_create h%llu function=h%llu max_threads=%u multiple=%d",
         (unsigned long long)*out, (unsigned long long)d->function, d->max_threads,
         d->group_size_multiple_of_width);
    return LAGFX_OK;
}

static void
rec_object_destroy(struct be *be, be_handle_t h)
{
    emit(be, "object_destroy h%llu", (unsigned long long)h);
}

static void
rec_refresh(struct be *be, be_handle_t h, const struct be_backing *b)
{
    emit(be, "refresh h%llu", (unsigned long long)h);
}

static void
rec_write_back(struct be *be,
               be_handle_t h,
               bool whole,
               uint32_t slice,
               uint32_t level,
               struct be_writeback *wb)
{
    if (whole)
        emit(be, "write_back h%llu range=%llu+%llu", (unsigned long long)h,
             (unsigned long long)wb->offset, (unsigned long long)wb->length);
    else
        emit(be, "write_back h%llu slice=%u level=%u range=%llu+%llu", (unsigned long long)h, slice,
             level, (unsigned long long)wb->offset, (unsigned long long)wb->length);
    be_writeback_release(wb);
}

static bool
rec_buffer_written(struct be *be, be_handle_t h, uint64_t *off, uint64_t *len)
{
    struct be_rec *r = (struct be_rec *)be;
    for (uint32_t i = 0; i < r->ndirty; i++) {
        if (r->dirty[i].buffer == h) {
            *off = r->dirty[i].lo;
            *len = r->dirty[i].hi - r->dirty[i].lo;
            return true;
        }
    }
    return false;
}

static void
rec_encoder_reset(struct be *be)
{
    memset(((struct be_rec *)be)->compute, 0, sizeof(((struct be_rec *)be)->compute));
    emit(be, "encoder_reset");
}

static void
print_attachment(struct be *be, const char *what, const struct be_attachment *a)
{
    emit(be,
         "  %s texture=h%llu level=%u slice=%u plane=%u resolve=h%llu level=%u slice=%u plane=%u "
         "clear=%d store=%d resolve_store=%d",
         what, (unsigned long long)a->texture, a->level, a->slice, a->depth_plane,
         (unsigned long long)a->resolve, a->resolve_level, a->resolve_slice, a->resolve_depth_plane,
         a->clear, a->store, a->resolve_store);
}

static void
rec_begin_render_pass(struct be *be, const struct be_render_pass *p)
{
    emit(be, "begin_render_pass area=%ux%u clear_depth=%.17g clear_stencil=%u", p->width, p->height,
         p->clear_depth, p->clear_stencil);
    for (int i = 0; i < BE_MAX_COLOR_ATTACHMENTS; i++) {
        if (!p->color[i].texture)
            continue;
        char what[32];
        snprintf(what, sizeof(what), "color%d", i);
        print_attachment(be, what, &p->color[i]);
        emit(be, "  color%d clear=%.17g,%.17g,%.17g,%.17g", i, p->clear_color[i][0],
             p->clear_color[i][1], p->clear_color[i][2], p->clear_color[i][3]);
    }
    if (p->depth.texture)
        print_attachment(be, "depth", &p->depth);
    if (p->stencil.texture)
        print_attachment(be, "stencil", &p->stencil);
}

static void
rec_end_render_pass(struct be *be)
{
    emit(be, "end_render_pass");
}

static void
rec_set_render_pipeline(struct be *be, be_handle_t h)
{
    emit(be, "set_render_pipeline h%llu", (unsigned long long)h);
}

static void
rec_set_compute_pipeline(struct be *be, be_handle_t h)
{
    emit(be, "set_compute_pipeline h%llu", (unsigned long long)h);
}

static void
rec_set_depth_stencil_state(struct be *be, be_handle_t h)
{
    emit(be, "set_depth_stencil_state h%llu", (unsigned long long)h);
}

static void
rec_set_viewport(struct be *be, const struct be_viewport *v)
{
    emit(be, "set_viewport x=%.17g y=%.17g w=%.17g h=%.17g znear=%.17g zfar=%.17g", v->x, v->y,
         v->width, v->height, v->znear, v->zfar);
}

static void
rec_set_scissor(struct be *be, const struct be_rect *r)
{
    emit(be, "set_scissor x=%u y=%u w=%u h=%u", r->x, r->y, r->width, r->height);
}

static void
rec_set_cull_mode(struct be *be, uint32_t v)
{
    emit(be, "set_cull_mode %u", v);
}

static void
rec_set_front_face(struct be *be, uint32_t v)
{
    emit(be, "set_front_face %u", v);
}

static void
rec_set_fill_mode(struct be *be, uint32_t v)
{
    emit(be, "set_fill_mode %u", v);
}

static void
rec_set_depth_clip_mode(struct be *be, uint32_t v)
{
    emit(be, "set_depth_clip_mode %u", v);
}

static void
rec_set_depth_bias(struct be *be, float bias, float slope, float clamp)
{
    emit(be, "set_depth_bias bias=%.9g slope=%.9g clamp=%.9g", bias, slope, clamp);
}

static void
rec_set_stencil_ref(struct be *be, uint32_t front, uint32_t back)
{
    emit(be, "set_stencil_ref front=%u back=%u", front, back);
}

static void
rec_set_blend_color(struct be *be, const float c[4])
{
    emit(be, "set_blend_color %.9g,%.9g,%.9g,%.9g", c[0], c[1], c[2], c[3]);
}

static void
rec_set_store_action(struct be *be, uint32_t attachment, uint32_t action)
{
    emit(be, "set_store_action attachment=%u action=%u", attachment, action);
}

static void
rec_bind_buffers(struct be *be,
                 enum be_stage s,
                 uint32_t first,
                 uint32_t count,
                 const struct be_buffer_binding *b)
{
    struct be_rec *r = (struct be_rec *)be;
    for (uint32_t i = 0; s == BE_STAGE_COMPUTE && i < count && first + i < 32; i++)
        r->compute[first + i] = b[i];
    for (uint32_t i = 0; i < count; i++)
        emit(be, "bind_buffer %s index=%u buffer=h%llu offset=%llu stride=%llu", stage_name(s),
             first + i, (unsigned long long)b[i].buffer, (unsigned long long)b[i].offset,
             (unsigned long long)b[i].stride);
}

static void
rec_bind_textures(struct be *be,
                  enum be_stage s,
                  uint32_t first,
                  uint32_t count,
                  const be_handle_t *t)
{
    for (uint32_t i = 0; i < count; i++)
        emit(be, "bind_texture %s index=%u texture=h%llu", stage_name(s), first + i,
             (unsigned long long)t[i]);
}

static void
rec_bind_samplers(struct be *be,
                  enum be_stage s,
                  uint32_t first,
                  uint32_t count,
                  const struct be_sampler_binding *b)
{
    for (uint32_t i = 0; i < count; i++) {
        if (b[i].lod_clamp)
            emit(be, "bind_sampler %s index=%u sampler=h%llu lod=%.9g,%.9g", stage_name(s),
                 first + i, (unsigned long long)b[i].sampler, b[i].lod_min, b[i].lod_max);
        else
            emit(be, "bind_sampler %s index=%u sampler=h%llu", stage_name(s), first + i,
                 (unsigned long long)b[i].sampler);
    }
}

static void
rec_draw(struct be *be, const struct be_draw *d)
{
    emit(be, "draw prim=%u start=%u count=%u instances=%u base_instance=%u", d->primitive,
         d->vertex_start, d->vertex_count, d->instance_count, d->base_instance);
}

static void
rec_draw_indexed(struct be *be, const struct be_draw_indexed *d)
{
    emit(be,
         "draw_indexed prim=%u type=%u buffer=h%llu offset=%llu count=%u instances=%u "
         "base_vertex=%d base_instance=%u",
         d->primitive, d->index_type, (unsigned long long)d->index_buffer,
         (unsigned long long)d->index_offset, d->index_count, d->instance_count, d->base_vertex,
         d->base_instance);
}

static void
rec_draw_indirect(struct be *be, const struct be_draw_indirect *d)
{
    if (d->indexed)
        emit(be, "draw_indirect prim=%u indexed=1 type=%u index=h%llu+%llu indirect=h%llu+%llu",
             d->primitive, d->index_type, (unsigned long long)d->index_buffer,
             (unsigned long long)d->index_offset, (unsigned long long)d->indirect_buffer,
             (unsigned long long)d->indirect_offset);
    else
        emit(be, "draw_indirect prim=%u indexed=0 indirect=h%llu+%llu", d->primitive,
             (unsigned long long)d->indirect_buffer, (unsigned long long)d->indirect_offset);
}

/* A dispatch may write every buffer bound to the compute stage, from its offset on. */
static void
mark_compute(struct be *be)
{
    struct be_rec *r = (struct be_rec *)be;
    for (uint32_t i = 0; i < 32; i++)
        if (r->compute[i].buffer)
            mark_written(be, r->compute[i].buffer, r->compute[i].offset, UINT64_MAX / 2);
}

static void
rec_dispatch(struct be *be, const struct be_dispatch *d)
{
    mark_compute(be);
    emit(be, "dispatch %s=%u,%u,%u group=%u,%u,%u", d->threads ? "threads" : "groups", d->count[0],
         d->count[1], d->count[2], d->group_size[0], d->group_size[1], d->group_size[2]);
}

static void
rec_dispatch_indirect(struct be *be, const struct be_dispatch_indirect *d)
{
    mark_compute(be);
    emit(be, "dispatch_indirect threads=%d buffer=h%llu offset=%llu group=%u,%u,%u", d->threads,
         (unsigned long long)d->buffer, (unsigned long long)d->offset, d->group_size[0],
         d->group_size[1], d->group_size[2]);
}

static void
rec_barrier(struct be *be, const struct be_barrier *b)
{
    emit(be, "barrier scope=0x%x in_pass=%d", b->scope, b->in_pass);
}

static void
rec_copy_buffer(struct be *be, be_handle_t s, uint64_t so, be_handle_t d, uint64_t dof, uint64_t n)
{
    mark_written(be, d, dof, n);
    emit(be, "copy_buffer src=h%llu+%llu dst=h%llu+%llu size=%llu", (unsigned long long)s,
         (unsigned long long)so, (unsigned long long)d, (unsigned long long)dof,
         (unsigned long long)n);
}

static void
print_bt(struct be *be, const char *op, const struct be_buffer_texture_copy *c)
{
    emit(be,
         "%s buffer=h%llu offset=%llu row=%llu image=%llu texture=h%llu slice=%u level=%u "
         "origin=%u,%u,%u size=%u,%u,%u options=%u",
         op, (unsigned long long)c->buffer, (unsigned long long)c->buffer_offset,
         (unsigned long long)c->bytes_per_row, (unsigned long long)c->bytes_per_image,
         (unsigned long long)c->texture, c->slice, c->level, c->origin[0], c->origin[1],
         c->origin[2], c->size[0], c->size[1], c->size[2], c->options);
}

static void
rec_copy_buffer_to_texture(struct be *be, const struct be_buffer_texture_copy *c)
{
    print_bt(be, "copy_buffer_to_texture", c);
}

static void
rec_copy_texture_to_buffer(struct be *be, const struct be_buffer_texture_copy *c)
{
    /* The rows span at most bytes_per_image × depth (or rows × bytes_per_row) bytes. */
    uint64_t rows = (uint64_t)(c->size[1] ? c->size[1] : 1) * c->bytes_per_row;
    uint64_t span = c->bytes_per_image ? c->bytes_per_image * (c->size[2] ? c->size[2] : 1) : rows;
    mark_written(be, c->buffer, c->buffer_offset, span ? span : 1);
    print_bt(be, "copy_texture_to_buffer", c);
}

static void
rec_copy_texture(struct be *be, const struct be_texture_copy *c)
{
    emit(be,
         "copy_texture src=h%llu slice=%u level=%u origin=%u,%u,%u dst=h%llu slice=%u level=%u "
         "origin=%u,%u,%u size=%u,%u,%u slices=%u levels=%u whole=%d options=%u",
         (unsigned long long)c->src, c->src_slice, c->src_level, c->src_origin[0], c->src_origin[1],
         c->src_origin[2], (unsigned long long)c->dst, c->dst_slice, c->dst_level, c->dst_origin[0],
         c->dst_origin[1], c->dst_origin[2], c->size[0], c->size[1], c->size[2], c->slice_count,
         c->level_count, c->whole_levels, c->options);
}

static void
rec_fill_buffer(struct be *be, be_handle_t b, uint64_t off, uint64_t len, uint32_t pattern)
{
    mark_written(be, b, off, len);
    emit(be, "fill_buffer h%llu offset=%llu length=%llu pattern=0x%08x", (unsigned long long)b,
         (unsigned long long)off, (unsigned long long)len, pattern);
}

static void
rec_fill_texture(struct be *be, const struct be_texture_fill *f)
{
    emit(be,
         "fill_texture h%llu level=%u slice=%u origin=%u,%u,%u size=%u,%u,%u "
         "color=%.17g,%.17g,%.17g,%.17g format=%u",
         (unsigned long long)f->texture, f->level, f->slice, f->origin[0], f->origin[1],
         f->origin[2], f->size[0], f->size[1], f->size[2], f->color[0], f->color[1], f->color[2],
         f->color[3], f->pixel_format);
}

static void
rec_generate_mipmaps(struct be *be, be_handle_t h)
{
    emit(be, "generate_mipmaps h%llu", (unsigned long long)h);
}

static void
rec_discard(struct be *be)
{
    ((struct be_rec *)be)->ndirty = 0;
    emit(be, "discard");
}

static void
rec_flush(struct be *be, be_done_fn done, void *arg)
{
    ((struct be_rec *)be)->ndirty = 0;
    emit(be, "flush");
    if (done)
        done(arg);
}

static void
rec_destroy(struct be *be)
{
    struct be_rec *r = (struct be_rec *)be;
    ut_free(r->text);
    ut_free(r);
}

static lagfx_status_t
rec_iosurface_define(struct be *be, uint32_t id, const struct be_iosurface_desc *d)
{
    emit(be, "iosurface_define id=%u %ux%u format=%u bpr=%u", id, d->width, d->height,
         d->pixel_format, d->bytes_per_row);
    return LAGFX_OK;
}

static void
rec_iosurface_alias(struct be *be, uint32_t local, uint32_t remote)
{
    emit(be, "iosurface_alias local=%u remote=%u", local, remote);
}

static void
rec_iosurface_delete(struct be *be, uint32_t id)
{
    emit(be, "iosurface_delete id=%u", id);
}

static void
rec_present(struct be *be, const struct be_present *p)
{
    static const char *const src[] = { "surface", "pixels", "repeat" };
    emit(be, "present port=%u source=%s surface=%u %ux%u pitch=%u", p->port,
         p->source < 3 ? src[p->source] : "?", p->surface_id, p->width, p->height, p->pitch);
}

static bool
rec_frame_acquire(struct be *be, uint32_t port, uint64_t after, struct be_frame *out)
{
    (void)be, (void)port, (void)after, (void)out;
    return false;
}

static void
rec_frame_release(struct be *be, uint32_t port, const struct be_frame *frame)
{
    (void)be, (void)port, (void)frame;
}

static void
rec_display_drop(struct be *be, uint32_t port)
{
    emit(be, "display_drop port=%u", port);
}

static const struct be_ops rec_ops = {
    .buffer_create = rec_buffer_create,
    .texture_create = rec_texture_create,
    .texture_view_create = rec_texture_view_create,
    .sampler_create = rec_sampler_create,
    .depth_stencil_create = rec_depth_stencil_create,
    .function_create = rec_function_create,
    .render_pipeline_create = rec_render_pipeline_create,
    .compute_pipeline_create = rec_compute_pipeline_create,
    .object_destroy = rec_object_destroy,
    .refresh = rec_refresh,
    .write_back = rec_write_back,
    .buffer_written = rec_buffer_written,
    .encoder_reset = rec_encoder_reset,
    .begin_render_pass = rec_begin_render_pass,
    .end_render_pass = rec_end_render_pass,
    .set_render_pipeline = rec_set_render_pipeline,
    .set_compute_pipeline = rec_set_compute_pipeline,
    .set_depth_stencil_state = rec_set_depth_stencil_state,
    .set_viewport = rec_set_viewport,
    .set_scissor = rec_set_scissor,
    .set_cull_mode = rec_set_cull_mode,
    .set_front_face = rec_set_front_face,
    .set_fill_mode = rec_set_fill_mode,
    .set_depth_clip_mode = rec_set_depth_clip_mode,
    .set_depth_bias = rec_set_depth_bias,
    .set_stencil_ref = rec_set_stencil_ref,
    .set_blend_color = rec_set_blend_color,
    .set_store_action = rec_set_store_action,
    .bind_buffers = rec_bind_buffers,
    .bind_textures = rec_bind_textures,
    .bind_samplers = rec_bind_samplers,
    .draw = rec_draw,
    .draw_indexed = rec_draw_indexed,
    .draw_indirect = rec_draw_indirect,
    .dispatch = rec_dispatch,
    .dispatch_indirect = rec_dispatch_indirect,
    .barrier = rec_barrier,
    .copy_buffer = rec_copy_buffer,
    .copy_buffer_to_texture = rec_copy_buffer_to_texture,
    .copy_texture_to_buffer = rec_copy_texture_to_buffer,
    .copy_texture = rec_copy_texture,
    .fill_buffer = rec_fill_buffer,
    .fill_texture = rec_fill_texture,
    .generate_mipmaps = rec_generate_mipmaps,
    .iosurface_define = rec_iosurface_define,
    .iosurface_alias = rec_iosurface_alias,
    .iosurface_delete = rec_iosurface_delete,
    .present = rec_present,
    .frame_acquire = rec_frame_acquire,
    .frame_release = rec_frame_release,
    .display_drop = rec_display_drop,
    .discard = rec_discard,
    .flush = rec_flush,
    .destroy = rec_destroy,
};

lagfx_status_t
be_recording_new(FILE *f, struct be **out)
{
    struct be_rec *r = ut_calloc(1, sizeof(*r));
    if (!r)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    lagfx_status_t st = be_init(&r->base, &rec_ops);
    if (st != LAGFX_OK) {
        ut_free(r);
        return st;
    }
    r->f = f;
    *out = &r->base;
    return LAGFX_OK;
}

const char *
be_recording_text(struct be *be)
{
    struct be_rec *r = (struct be_rec *)be;
    return r->text && !r->oom ? r->text : "";
}

void
be_recording_clear(struct be *be)
{
    struct be_rec *r = (struct be_rec *)be;
    r->len = 0;
    r->oom = false;
    if (r->text)
        r->text[0] = 0;
}
