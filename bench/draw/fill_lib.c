/* SPDX-License-Identifier: MIT */
/*
 * fill.h's library arm: a guestsim device with one display, a "WindowServer" task with the
 * demo's fill functions, two render pipelines (premultiplied source-over, opaque), the
 * rectangles' position and colour buffers and the scanout surface (IOSurface 1) as target, as
 * tools/demo/guest.c sets them up. The draws are pre-encoded into ExecIndirect streams
 * (guestobj's limit is 64 KiB of stream, so a run is several command buffers); a run puts
 * them on channel 1, rings and waits for the last stamp. One thread plus the library's.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libapplegfx-vulkan.h>

#include "fill.h"
#include "guest.h"
#include "protocol/ops.h"

#define TASK_ID    2u
#define TASK_VA    0x100000000ull
#define CHANNEL    1u
#define WAIT_MS    20000u
#define SURFACE_0  1u
#define FMT_BGRA8  80u
#define PRIM_STRIP 4u
#define LOAD_LOAD  1u
#define LOAD_CLEAR 2u
#define BLEND_ONE  1u
#define BLEND_1MSA 5u
#define MAX_CB     64u

enum {
    REF_VS = 1,
    REF_FS,
    REF_PIPE_BLEND,
    REF_PIPE_OPAQUE,
    REF_SURFACE,
    REF_VP,
    REF_POS,
    REF_COL,
    REF_COUNT
};

struct fill_lib {
    struct guestsim *g;
    lagfx_display_t *display;
    struct guestsim_task task;
    struct guestobj o;
    bool o_ready;
    struct cmdenc enc[MAX_CB];
    uint32_t ncb;
    uint32_t w, h, n;
    uint8_t *frame;
    char gpu[256];
};

static void
no_glyph(void *user, const lagfx_cursor_image_t *image)
{
    (void)user, (void)image;
}

static bool
buffer(struct fill_lib *l, uint32_t ref, const void *data, size_t len)
{
    uint64_t va = 0;
    return guestobj_buffer(&l->o, ref, len, &va) && guestobj_write(&l->o, va, data, len);
}

static bool
function(struct fill_lib *l, uint32_t ref, uint32_t fn)
{
    const struct demo_shader *s = &demo_shaders[fn];
    uint64_t va = guestobj_alloc(&l->o, *s->len);
    if (!va || !guestobj_write(&l->o, va, s->mtlb, *s->len))
        return false;
    uint8_t d[16];
    cmdenc_desc_function(d, va);
    return guestobj_slot(&l->o, ref, GUESTOBJ_FUNCTION, d, sizeof(d)) != 0;
}

static bool
pipeline(struct fill_lib *l, uint32_t ref, bool blend)
{
    uint8_t d[0xB0];
    size_t n = sizeof(d);
    memset(d, 0, n);
    proto_put_RPS1_magic(d, n, PROTO_MAGIC_RPS1);
    proto_put_RPS1_size(d, n, (uint32_t)n);
    proto_put_RPS1_vertexFunction(d, n, REF_VS);
    proto_put_RPS1_fragmentFunction(d, n, REF_FS);
    proto_put_RPS1_rasterSampleCount(d, n, 1);
    proto_put_RPS1_inputPrimitiveTopology(d, n, 3);
    proto_put_RPS1_rasterizationEnabled(d, n, 1);
    proto_put_RPS1_colorCount(d, n, 1);
    uint8_t *c = d + OFF(RPS1, color0);
    proto_put_RPS1Color_pixelFormat(c, 16, FMT_BGRA8);
    proto_put_RPS1Color_writeMask(c, 16, 0xF);
    if (blend) {
        proto_put_RPS1Color_blendingEnabled(c, 16, 1);
        proto_put_RPS1Color_sourceRGBBlendFactor(c, 16, BLEND_ONE);
        proto_put_RPS1Color_destinationRGBBlendFactor(c, 16, BLEND_1MSA);
        proto_put_RPS1Color_sourceAlphaBlendFactor(c, 16, BLEND_ONE);
        proto_put_RPS1Color_destinationAlphaBlendFactor(c, 16, BLEND_1MSA);
    }
    return guestobj_slot(&l->o, ref, GUESTOBJ_PIPELINE, d, n) != 0;
}

bool
fill_lib_new(uint32_t w,
             uint32_t h,
             const struct fill_rect *rects,
             uint32_t n,
             struct fill_lib **out)
{
    struct fill_lib *l = calloc(1, sizeof(*l));
    if (!l)
        return false;
    *out = l;
    l->w = w;
    l->h = h;
    l->n = n;
    for (uint32_t i = 0; i < MAX_CB; i++)
        cmdenc_init(&l->enc[i]);
    l->frame = malloc((size_t)w * h * 4);
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.device_flags = 0;
    cfg.label = "bench";
    lagfx_display_mode_t mode = { (uint16_t)w, (uint16_t)h, 60000 };
    cfg.modes[0] = mode;
    if (!l->frame || guestsim_new(&cfg, &l->g) != LAGFX_OK)
        return false;
    guestsim_display_free(l->g, 0);
    lagfx_display_callbacks_t cb;
    lagfx_display_callbacks_init(&cb);
    cb.cursor_glyph = no_glyph;
    lagfx_display_descriptor_t pd;
    lagfx_display_descriptor_init(&pd);
    pd.callbacks = &cb;
    pd.modes = &mode;
    pd.mode_count = 1;
    if (lagfx_display_new(guestsim_device(l->g), &pd, 0, 1, &l->display) != LAGFX_OK ||
        guestsim_boot(l->g) != LAGFX_OK)
        return false;
    lagfx_device_info_t di = { .struct_size = sizeof(di) };
    lagfx_device_get_info(guestsim_device(l->g), &di);
    memcpy(l->gpu, di.gpu_name, sizeof(l->gpu));
    uint64_t area = (16u << 20) + (uint64_t)n * 64;
    guestsim_task_init(l->g, &l->task, TASK_ID);
    if (!guestobj_init(&l->o, l->g, &l->task, TASK_VA, REF_COUNT, area))
        return false;
    l->o_ready = true;
    uint8_t def[16];
    guestobj_define_payload(&l->o, def);
    if (!guestobj_submit(l->g, 0, 0x38, def, sizeof(def)) || !guestobj_set_heap(&l->o))
        return false;
    const uint32_t lookup[4] = { SURFACE_0, 0, 0, 0 };
    float *pos = calloc(n, 32), *col = calloc(n, 16);
    const float vp[4] = { (float)w, (float)h, 0, 0 };
    bool ok = pos && col;
    if (ok)
        fill_positions(rects, n, pos, col);
    ok = ok && function(l, REF_VS, DEMO_FN_FILL_VS) && function(l, REF_FS, DEMO_FN_FILL_FS) &&
         pipeline(l, REF_PIPE_BLEND, true) && pipeline(l, REF_PIPE_OPAQUE, false) &&
         guestobj_submit(l->g, 0, 0x28, lookup, sizeof(lookup)) &&
         guestobj_surface_texture(&l->o, REF_SURFACE, SURFACE_0, w, h) &&
         buffer(l, REF_VP, vp, sizeof(vp)) && buffer(l, REF_POS, pos, n * 32ull) &&
         buffer(l, REF_COL, col, n * 16ull);
    free(pos);
    free(col);
    return ok;
}

const char *
fill_lib_gpu(const struct fill_lib *l)
{
    return l->gpu;
}

static void
bind_list(struct cmdenc *e, uint32_t op, uint32_t n, const uint32_t *refs, const uint64_t *offs)
{
    size_t len = 8 + 12 * n;
    uint8_t *b = cmdenc_inner(e, op, len);
    if (!b)
        return;
    proto_put_H_first(b, len, 0);
    proto_put_H_count(b, len, n);
    for (uint32_t i = 0; i < n; i++) {
        proto_put_E12_ref(b + 8 + 12 * i, 12, refs[i]);
        proto_put_E12_offset(b + 8 + 12 * i, 12, offs[i]);
    }
}

bool
fill_lib_encode(struct fill_lib *l, uint32_t per_cb, uint32_t switch_every, bool offsets)
{
    l->ncb = (l->n + per_cb - 1) / per_cb;
    if (l->ncb > MAX_CB)
        return false;
    for (uint32_t c = 0; c < l->ncb; c++) {
        struct cmdenc *e = &l->enc[c];
        uint32_t first = c * per_cb, end = first + per_cb < l->n ? first + per_cb : l->n;
        cmdenc_reset(e);
        cmdenc_segment_begin(e, 2);
        static const double black[4] = { 0, 0, 0, 1 };
        cmdenc_render_pass(e, REF_SURFACE, c == 0 ? LOAD_CLEAR : LOAD_LOAD, black, 0, 0);
        uint8_t *v = cmdenc_inner(e, PROTO_OP_SetViewport, 48);
        if (v) {
            proto_put_SetViewport_width(v, 48, l->w);
            proto_put_SetViewport_height(v, 48, l->h);
            proto_put_SetViewport_zfar(v, 48, 1.0);
        }
        const uint32_t vb[2] = { REF_POS, REF_VP };
        const uint64_t vo[2] = { 0, 0 };
        bind_list(e, PROTO_OP_SetVertexBuffers, 2, vb, vo);
        const uint32_t fb[1] = { REF_COL };
        const uint64_t fo[1] = { offsets ? 16ull * first : 0 };
        bind_list(e, PROTO_OP_SetFragmentBuffers, 1, fb, fo);
        for (uint32_t i = first; i < end; i++) {
            if (i == first || (switch_every && i % switch_every == 0)) {
                uint32_t p = switch_every ? (i / switch_every) % 2 : 0;
                uint8_t *ps = cmdenc_inner(e, PROTO_OP_SetRenderPipelineState, 4);
                if (ps)
                    proto_put_SetRenderPipelineState_ref(ps, 4, REF_PIPE_BLEND + p);
            }
            if (offsets && i != first) {
                uint8_t *o = cmdenc_inner(e, PROTO_OP_SetFragmentBufferOffset, 12);
                if (o)
                    proto_put_SetFragmentBufferOffset_offset(o, 12, 16ull * i);
            }
            uint8_t *dr = cmdenc_inner(e, PROTO_OP_DrawPrimitives64, 20);
            if (!dr)
                return false;
            proto_put_DrawPrimitives64_prim(dr, 20, PRIM_STRIP);
            proto_put_DrawPrimitives64_vertexStart(dr, 20, 4ull * i);
            proto_put_DrawPrimitives64_vertexCount(dr, 20, 4);
        }
        cmdenc_segment_end(e);
    }
    return true;
}

/* Polls with sched_yield first (the completion is usually near), as tools/demo/guest.c does. */
static bool
wait_stamp(struct guestsim *g, uint32_t slot, uint32_t target)
{
    for (int i = 0; i < 20000; i++) {
        if ((uint32_t)(guestsim_stamp(g, slot) - target) < 0x80000000u)
            return true;
        sched_yield();
    }
    return guestobj_wait_stamp(g, slot, target, WAIT_MS);
}

bool
fill_lib_run(struct fill_lib *l, bool present)
{
    uint32_t st = 0;
    for (uint32_t c = 0; c < l->ncb; c++) {
        struct cmdenc_exec_desc desc = { REF_SURFACE, 0 };
        st = guestobj_exec_put(&l->o, CHANNEL, &l->enc[c], &desc, 1, 0, NULL);
        if (!st)
            return false;
        guestobj_doorbell(l->g, CHANNEL);
    }
    if (!wait_stamp(l->g, CHANNEL, st))
        return false;
    if (!present)
        return true;
    const uint32_t sub[2] = { 0, 0 }; /* DisplaySubmit {display 0, no fb}: IOSurface 1 */
    st = guestobj_put(l->g, 5, 0x02, sub, sizeof(sub));
    guestobj_doorbell(l->g, 5);
    if (!wait_stamp(l->g, 5, st))
        return false;
    lagfx_frame_dst_t dst = { .struct_size = sizeof(dst),
                              .pixels = l->frame,
                              .size = (size_t)l->w * l->h * 4,
                              .format = LAGFX_FORMAT_ARGB8888 };
    return lagfx_display_read_frame(l->display, &dst, NULL) == LAGFX_OK;
}

const uint8_t *
fill_lib_pixels(const struct fill_lib *l)
{
    return l->frame;
}

void
fill_lib_free(struct fill_lib *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < MAX_CB; i++)
        cmdenc_free(&l->enc[i]);
    lagfx_display_free(l->display);
    guestsim_free(l->g);
    free(l->frame);
    free(l);
}
