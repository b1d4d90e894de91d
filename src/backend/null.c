/* SPDX-License-Identifier: MIT */
/*
 * The null backend: the cheapest correct implementation of every op. Creation hands out
 * distinct non-zero handles, everything else does nothing; work "finishes" at once, so flush
 * calls done before returning. Used by HEADLESS devices, decode tests and the decode
 * benchmark. Also holds be_init/be_ops_complete. Any thread, one caller at a time.
 */
#include <stddef.h>

#include "backend.h"
#include "util/alloc.h"

struct be_null {
    struct be base;
    be_handle_t next;
};

static lagfx_status_t
null_new_handle(struct be *be, be_handle_t *out)
{
    struct be_null *n = (struct be_null *)be;
    *out = ++n->next;
    return LAGFX_OK;
}

#define NULL_CREATE(fn, type)                                                \
    static lagfx_status_t fn(struct be *be, const type *d, be_handle_t *out) \
    {                                                                        \
        (void)d;                                                             \
        return null_new_handle(be, out);                                     \
    }
NULL_CREATE(null_buffer_create, struct be_buffer_desc)
NULL_CREATE(null_texture_create, struct be_texture_desc)
NULL_CREATE(null_texture_view_create, struct be_texture_view_desc)
NULL_CREATE(null_sampler_create, struct be_sampler_desc)
NULL_CREATE(null_depth_stencil_create, struct be_depth_stencil_desc)
NULL_CREATE(null_function_create, struct be_function_desc)
NULL_CREATE(null_render_pipeline_create, struct be_render_pipeline_desc)
NULL_CREATE(null_compute_pipeline_create, struct be_compute_pipeline_desc)
#undef NULL_CREATE

static void
null_handle(struct be *be, be_handle_t h)
{
}

static void
null_void(struct be *be)
{
}

static void
null_u32(struct be *be, uint32_t v)
{
}

static void
null_refresh(struct be *be, be_handle_t h, const struct be_backing *b)
{
}

static void
null_write_back(struct be *be,
                be_handle_t h,
                bool whole,
                uint32_t slice,
                uint32_t level,
                struct be_writeback *wb)
{
    be_writeback_release(wb); /* no host copy: nothing to write */
}

static bool
null_buffer_written(struct be *be, be_handle_t h, uint64_t *off, uint64_t *len)
{
    return false;
}

static void
null_pass(struct be *be, const struct be_render_pass *p)
{
}

static void
null_viewport(struct be *be, const struct be_viewport *vp)
{
}

static void
null_scissor(struct be *be, const struct be_rect *r)
{
}

static void
null_depth_bias(struct be *be, float a, float b, float c)
{
}

static void
null_u32_u32(struct be *be, uint32_t a, uint32_t b)
{
}

static void
null_blend_color(struct be *be, const float rgba[4])
{
}

static void
null_bind_buffers(struct be *be,
                  enum be_stage s,
                  uint32_t first,
                  uint32_t count,
                  const struct be_buffer_binding *b)
{
}

static void
null_bind_textures(struct be *be,
                   enum be_stage s,
                   uint32_t first,
                   uint32_t count,
                   const be_handle_t *t)
{
}

static void
null_bind_samplers(struct be *be,
                   enum be_stage s,
                   uint32_t first,
                   uint32_t count,
                   const struct be_sampler_binding *b)
{
}

static void
null_draw(struct be *be, const struct be_draw *d)
{
}

static void
null_draw_indexed(struct be *be, const struct be_draw_indexed *d)
{
}

static void
null_draw_indirect(struct be *be, const struct be_draw_indirect *d)
{
}

static void
null_dispatch(struct be *be, const struct be_dispatch *d)
{
}

static void
null_dispatch_indirect(struct be *be, const struct be_dispatch_indirect *d)
{
}

static void
null_barrier(struct be *be, const struct be_barrier *b)
{
}

static void
null_copy_buffer(struct be *be, be_handle_t s, uint64_t so, be_handle_t d, uint64_t dof, uint64_t n)
{
}

static void
null_copy_bt(struct be *be, const struct be_buffer_texture_copy *c)
{
}

static void
null_copy_texture(struct be *be, const struct be_texture_copy *c)
{
}

static void
null_fill_buffer(struct be *be, be_handle_t b, uint64_t off, uint64_t len, uint32_t pattern)
{
}

static void
null_fill_texture(struct be *be, const struct be_texture_fill *f)
{
}

static void
null_flush(struct be *be, be_done_fn done, void *arg)
{
    if (done)
        done(arg);
}

static void
null_destroy(struct be *be)
{
    ut_free(be);
}

static lagfx_status_t
null_iosurface_define(struct be *be, uint32_t id, const struct be_iosurface_desc *desc)
{
    (void)be, (void)id, (void)desc;
    return LAGFX_OK;
}

static void
null_iosurface_alias(struct be *be, uint32_t local, uint32_t remote)
{
    (void)be, (void)local, (void)remote;
}

static void
null_iosurface_delete(struct be *be, uint32_t id)
{
    (void)be, (void)id;
}

static void
null_present(struct be *be, const struct be_present *p)
{
    (void)be, (void)p;
}

/* The null backend renders nothing: there is never a frame (HEADLESS, spec/api.md §5.7). */
static bool
null_frame_acquire(struct be *be, uint32_t port, uint64_t after, struct be_frame *out)
{
    (void)be, (void)port, (void)after, (void)out;
    return false;
}

static void
null_frame_release(struct be *be, uint32_t port, const struct be_frame *frame)
{
    (void)be, (void)port, (void)frame;
}

static void
null_display_drop(struct be *be, uint32_t port)
{
    (void)be, (void)port;
}

static const struct be_ops null_ops = {
    .buffer_create = null_buffer_create,
    .texture_create = null_texture_create,
    .texture_view_create = null_texture_view_create,
    .sampler_create = null_sampler_create,
    .depth_stencil_create = null_depth_stencil_create,
    .function_create = null_function_create,
    .render_pipeline_create = null_render_pipeline_create,
    .compute_pipeline_create = null_compute_pipeline_create,
    .object_destroy = null_handle,
    .refresh = null_refresh,
    .write_back = null_write_back,
    .buffer_written = null_buffer_written,
    .encoder_reset = null_void,
    .begin_render_pass = null_pass,
    .end_render_pass = null_void,
    .set_render_pipeline = null_handle,
    .set_compute_pipeline = null_handle,
    .set_depth_stencil_state = null_handle,
    .set_viewport = null_viewport,
    .set_scissor = null_scissor,
    .set_cull_mode = null_u32,
    .set_front_face = null_u32,
    .set_fill_mode = null_u32,
    .set_depth_clip_mode = null_u32,
    .set_depth_bias = null_depth_bias,
    .set_stencil_ref = null_u32_u32,
    .set_blend_color = null_blend_color,
    .set_store_action = null_u32_u32,
    .bind_buffers = null_bind_buffers,
    .bind_textures = null_bind_textures,
    .bind_samplers = null_bind_samplers,
    .draw = null_draw,
    .draw_indexed = null_draw_indexed,
    .draw_indirect = null_draw_indirect,
    .dispatch = null_dispatch,
    .dispatch_indirect = null_dispatch_indirect,
    .barrier = null_barrier,
    .copy_buffer = null_copy_buffer,
    .copy_buffer_to_texture = null_copy_bt,
    .copy_texture_to_buffer = null_copy_bt,
    .copy_texture = null_copy_texture,
    .fill_buffer = null_fill_buffer,
    .fill_texture = null_fill_texture,
    .generate_mipmaps = null_handle,
    .iosurface_define = null_iosurface_define,
    .iosurface_alias = null_iosurface_alias,
    .iosurface_delete = null_iosurface_delete,
    .present = null_present,
    .frame_acquire = null_frame_acquire,
    .frame_release = null_frame_release,
    .display_drop = null_display_drop,
    .discard = null_void,
    .flush = null_flush,
    .destroy = null_destroy,
};

bool
be_ops_complete(const struct be_ops *ops)
{
    /* The ops struct is all function pointers; any NULL member is a bug. */
    const void *const *p = (const void *const *)ops;
    for (size_t i = 0; i < sizeof(*ops) / sizeof(void *); i++) {
        if (!p[i])
            return false;
    }
    return true;
}

lagfx_status_t
be_init(struct be *be, const struct be_ops *ops)
{
    if (!ops || !be_ops_complete(ops))
        return LAGFX_ERROR_INTERNAL;
    be->ops = ops;
    return LAGFX_OK;
}

lagfx_status_t
be_null_new(struct be **out)
{
    struct be_null *n = ut_calloc(1, sizeof(*n));
    if (!n)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    lagfx_status_t st = be_init(&n->base, &null_ops);
    if (st != LAGFX_OK) {
        ut_free(n);
        return st;
    }
    *out = &n->base;
    return LAGFX_OK;
}
