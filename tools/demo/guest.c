/* SPDX-License-Identifier: MIT */
/*
 * The demo's guest compositor (guest.h): objects of protocol.md §13.17 in one simulated task,
 * and per frame one render pass over the damaged rectangle, submitted with 0x37 on channel 1,
 * then a present on the display's pipe. Encodes through the wire tables' accessors
 * (protocol/ops.h); nothing here knows a host type. One thread (the demo's main thread).
 */
#include "guest.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ops.h"

#define TASK_ID   2u /* WindowServer's task; 1 is the kernel's */
#define TASK_VA   0x100000000ull
#define CHANNEL   1u /* render work: channel 1 (0x37) */
#define WAIT_MS   10000u
#define GLYPH_VA  0x50000000ull /* cursor glyph in the kernel task (§15.7) */
#define SURFACE_0 1u            /* IOSurface 1: display 0's scanout */

/* Refs shared by all displays, then DISPLAY_REFS per display. */
enum {
    REF_FN = 1,                        /* + enum demo_fn */
    REF_PIPE = REF_FN + DEMO_FN_COUNT, /* + enum demo_kind */
    REF_SAMPLER = REF_PIPE + DEMO_KIND_COUNT,
    REF_DISPLAY0 = 16,
    DISPLAY_REFS = 16,
};
/* Per display, from demo_display.ref_base. */
enum {
    R_SURFACE,
    R_WALLPAPER,
    R_AVATAR,
    R_VIEWPORT,  /* float2 viewport size (fill VS, constant) */
    R_FILL_POS,  /* 4 float2 pixel positions per layer */
    R_FILL_COL,  /* one float4 premultiplied colour per layer */
    R_COMP_VERT, /* 4 {float2 NDC position, float2 uv} per layer */
    R_XFORM,     /* {scale, offset, tint}: identity */
    R_PARAMS,    /* composite FS {opacity, mode} */
    R_TAPS,      /* blur taps */
    R_TAP_COUNT,
};

/* Pixel formats and enums (protocol.md §13.14-§13.15). */
#define FMT_BGRA8   80u
#define PRIM_STRIP  4u
#define LOAD_LOAD   1u
#define LOAD_CLEAR  2u
#define STORE_STORE 1u
#define BLEND_ONE   1u
#define BLEND_1MSA  5u /* OneMinusSourceAlpha */

static void
put_f32(uint8_t *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    mem_put_le32(p, u);
}

static bool
buffer(struct demo_guest *dg, uint32_t ref, const void *data, size_t len)
{
    uint64_t va = 0;
    if (!guestobj_buffer(&dg->o, ref, len, &va))
        return false;
    return guestobj_write(&dg->o, va, data, len);
}

static bool
pipeline(struct demo_guest *dg, uint32_t kind, uint32_t vs, uint32_t fs, bool blend)
{
    uint8_t d[0xB0];
    size_t n = sizeof(d);
    memset(d, 0, n);
    proto_put_RPS1_magic(d, n, PROTO_MAGIC_RPS1);
    proto_put_RPS1_size(d, n, (uint32_t)n);
    proto_put_RPS1_vertexFunction(d, n, REF_FN + vs);
    proto_put_RPS1_fragmentFunction(d, n, REF_FN + fs);
    proto_put_RPS1_rasterSampleCount(d, n, 1);
    proto_put_RPS1_inputPrimitiveTopology(d, n, 3);
    proto_put_RPS1_rasterizationEnabled(d, n, 1);
    proto_put_RPS1_colorCount(d, n, 1);
    uint8_t *c = d + OFF(RPS1, color0);
    proto_put_RPS1Color_pixelFormat(c, 16, FMT_BGRA8);
    proto_put_RPS1Color_writeMask(c, 16, 0xF);
    if (blend) { /* premultiplied source-over, as CoreAnimation composites */
        proto_put_RPS1Color_blendingEnabled(c, 16, 1);
        proto_put_RPS1Color_sourceRGBBlendFactor(c, 16, BLEND_ONE);
        proto_put_RPS1Color_destinationRGBBlendFactor(c, 16, BLEND_1MSA);
        proto_put_RPS1Color_sourceAlphaBlendFactor(c, 16, BLEND_ONE);
        proto_put_RPS1Color_destinationAlphaBlendFactor(c, 16, BLEND_1MSA);
    }
    return guestobj_slot(&dg->o, REF_PIPE + kind, GUESTOBJ_PIPELINE, d, n) != 0;
}

static bool
function(struct demo_guest *dg, uint32_t fn)
{
    const struct demo_shader *s = &demo_shaders[fn];
    uint64_t va = guestobj_alloc(&dg->o, *s->len);
    if (!va || !guestobj_write(&dg->o, va, s->mtlb, *s->len))
        return false;
    uint8_t d[16];
    cmdenc_desc_function(d, va);
    return guestobj_slot(&dg->o, REF_FN + fn, GUESTOBJ_FUNCTION, d, sizeof(d)) != 0;
}

static bool
texture_image(struct demo_guest *dg,
              uint32_t ref,
              uint32_t w,
              uint32_t h,
              void (*draw)(uint8_t *, uint32_t, uint32_t, uint32_t))
{
    uint64_t va = 0;
    if (!guestobj_texture(&dg->o, ref, FMT_BGRA8, w, h, 1, &va))
        return false;
    uint32_t pitch = (w * 4 + 255) & ~255u; /* linear layout v1 (§13.7) */
    uint8_t *img = malloc((size_t)pitch * h);
    if (!img)
        return false;
    draw(img, w, h, pitch);
    bool ok = guestobj_write(&dg->o, va, img, (size_t)pitch * h);
    free(img);
    return ok;
}

static void
draw_avatar(uint8_t *p, uint32_t w, uint32_t h, uint32_t pitch)
{
    (void)w, (void)h;
    demo_avatar(p, pitch);
}

/* The layer buffers of one display: every layer gets a slot in each, used or not. */
static bool
layer_buffers(struct demo_guest *dg, struct demo_display *d)
{
    const struct demo_scene *s = &d->scene;
    uint32_t n = s->count, base = d->ref_base;
    float *pos = calloc(n, 8 * sizeof(float)), *col = calloc(n, 4 * sizeof(float));
    float *cv = calloc(n, 16 * sizeof(float));
    bool ok = pos && col && cv;
    if (ok)
        demo_scene_buffers(s, pos, col, cv);
    float vp[4] = { (float)s->width, (float)s->height, 0, 0 };
    float xf[8] = { 1, 1, 0, 0, 1, 1, 1, 1 };
    uint8_t params[16] = { 0 };
    put_f32(params, 1.0f); /* opacity 1, mode 0 (opaque path) */
    uint32_t count[4] = { DEMO_BLUR_TAPS, 0, 0, 0 };
    ok = ok && buffer(dg, base + R_VIEWPORT, vp, sizeof(vp)) &&
         buffer(dg, base + R_FILL_POS, pos, n * 8 * sizeof(float)) &&
         buffer(dg, base + R_FILL_COL, col, n * 4 * sizeof(float)) &&
         buffer(dg, base + R_COMP_VERT, cv, n * 16 * sizeof(float)) &&
         buffer(dg, base + R_XFORM, xf, sizeof(xf)) &&
         buffer(dg, base + R_PARAMS, params, sizeof(params)) &&
         buffer(dg, base + R_TAPS, s->taps, sizeof(s->taps)) &&
         buffer(dg, base + R_TAP_COUNT, count, sizeof(count));
    free(pos);
    free(col);
    free(cv);
    return ok;
}

/* Display i > 0 scans out a surface the guest creates with 0x27 (§13.17 step 10). */
static bool
create_surface(struct demo_guest *dg, struct demo_display *d)
{
    uint8_t p[28] = { 0 };
    mem_put_le32(p, d->surface);
    mem_put_le32(p + 4, d->scene.width);
    mem_put_le32(p + 8, d->scene.height);
    mem_put_le32(p + 12, FMT_BGRA8);
    mem_put_le32(p + 16, d->scene.width * 4);
    mem_put_le64(p + 20, (uint64_t)d->scene.width * 4 * d->scene.height);
    return guestobj_submit(dg->g, 0, 0x27, p, sizeof(p)) != 0;
}

/* The arrow glyph (0x14, layout A) in kernel memory, shown at the display's centre. */
static bool
cursor_glyph(struct demo_guest *dg, struct demo_display *d, bool map)
{
    struct guestsim_task *k = guestsim_kernel_task(dg->g);
    const uint32_t pitch = DEMO_CURSOR_PX * 4;
    if (map) {
        static uint8_t px[DEMO_CURSOR_PX * DEMO_CURSOR_PX * 4];
        demo_cursor(px, pitch);
        if (!guestsim_task_map_new(dg->g, k, GLYPH_VA, 4096) ||
            !guestsim_task_write(dg->g, k, GLYPH_VA, px, sizeof(px)))
            return false;
    }
    uint8_t p[32] = { 0 };
    mem_put_le32(p, d->port);
    mem_put_le64(p + 4, GLYPH_VA);
    mem_put_le32(p + 12, DEMO_CURSOR_PX);
    mem_put_le32(p + 16, DEMO_CURSOR_PX);
    mem_put_le32(p + 20, pitch);
    mem_put_le32(p + 24, 1);
    mem_put_le32(p + 28, 1);
    return guestobj_submit(dg->g, 5 + d->port, 0x14, p, sizeof(p)) != 0;
}

bool
demo_guest_init(struct demo_guest *dg,
                struct guestsim *g,
                uint32_t displays,
                const lagfx_display_mode_t *modes,
                char *err,
                size_t errlen)
{
    memset(dg, 0, sizeof(*dg));
    dg->g = g;
    dg->displays = displays;
    cmdenc_init(&dg->enc);
    uint64_t area = 4u << 20;
    for (uint32_t i = 0; i < displays; i++) {
        uint64_t pitch = ((uint64_t)modes[i].width * 4 + 255) & ~255ull;
        area += pitch * modes[i].height + (2u << 20);
    }
    guestsim_task_init(g, &dg->task, TASK_ID);
    if (!guestobj_init(&dg->o, g, &dg->task, TASK_VA, REF_DISPLAY0 + DISPLAY_REFS * displays,
                       area)) {
        snprintf(err, errlen, "guest task memory: cannot map %llu MiB",
                 (unsigned long long)(area >> 20));
        return false;
    }
    uint8_t def[16];
    guestobj_define_payload(&dg->o, def);
    if (!guestobj_submit(g, 0, 0x38, def, sizeof(def)) || !guestobj_set_heap(&dg->o)) {
        snprintf(err, errlen, "the device did not complete DefineHostTask/SetResourceHeap");
        return false;
    }
    bool ok = true;
    for (uint32_t f = 0; f < DEMO_FN_COUNT; f++)
        ok = ok && function(dg, f);
    ok = ok && pipeline(dg, DEMO_KIND_WALLPAPER, DEMO_FN_COMPOSITE_VS, DEMO_FN_COMPOSITE_FS, false);
    ok = ok && pipeline(dg, DEMO_KIND_BLUR, DEMO_FN_COMPOSITE_VS, DEMO_FN_BLUR_FS, false);
    ok = ok && pipeline(dg, DEMO_KIND_AVATAR, DEMO_FN_COMPOSITE_VS, DEMO_FN_COMPOSITE_FS, true);
    ok = ok && pipeline(dg, DEMO_KIND_FILL, DEMO_FN_FILL_VS, DEMO_FN_FILL_FS, true);
    uint8_t smp[32];
    cmdenc_desc_sampler(smp, 1 /* linear */, 0 /* clamp to edge */);
    ok = ok && guestobj_slot(&dg->o, REF_SAMPLER, GUESTOBJ_SAMPLER, smp, sizeof(smp));
    for (uint32_t i = 0; ok && i < displays; i++) {
        struct demo_display *d = &dg->d[i];
        d->port = i;
        d->hz = (modes[i].refresh_millihz + 500) / 1000;
        d->ref_base = REF_DISPLAY0 + DISPLAY_REFS * i;
        d->surface = i == 0 ? SURFACE_0 : 100 + i;
        demo_scene_init(&d->scene, modes[i].width, modes[i].height);
        /* The guest looks IOSurface 1 up before drawing into it (protocol.md §14, Fact); the
         * host creates it then (a TEX1 naming it does not, yet: see docs/demo.md). */
        const uint32_t lookup[4] = { SURFACE_0, 0, 0, 0 };
        if (i == 0 && !guestobj_submit(g, 0, 0x28, lookup, sizeof(lookup))) {
            snprintf(err, errlen, "LookupIOSurface did not complete");
            return false;
        }
        if (i > 0 && !create_surface(dg, d)) {
            snprintf(err, errlen, "display %u: CreateIOSurfaceBacking2 did not complete", i);
            return false;
        }
        ok = guestobj_surface_texture(&dg->o, d->ref_base + R_SURFACE, d->surface, modes[i].width,
                                      modes[i].height) &&
             texture_image(dg, d->ref_base + R_WALLPAPER, modes[i].width, modes[i].height,
                           demo_wallpaper) &&
             texture_image(dg, d->ref_base + R_AVATAR, DEMO_AVATAR_PX, DEMO_AVATAR_PX,
                           draw_avatar) &&
             layer_buffers(dg, d) && cursor_glyph(dg, d, i == 0);
    }
    if (!ok)
        snprintf(err, errlen, "creating the scene's guest objects failed");
    return ok;
}

/* Waits for a stamp as a guest's interrupt handler would see it: the completion usually
 * arrives within a few hundred microseconds, so poll with sched_yield first (the library's
 * threads get the CPU) and only then fall back to guestobj_wait_stamp's 50 us naps, whose
 * timer slack would otherwise be most of a damage-limited frame. */
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

/* ---- encoding ---- */

static void
bind_list(struct cmdenc *e,
          uint32_t op,
          uint32_t first,
          uint32_t n,
          const uint32_t *refs,
          const uint64_t *offs)
{
    size_t elem = offs ? 12 : 4, len = 8 + elem * n;
    uint8_t *b = cmdenc_inner(e, op, len);
    if (!b)
        return;
    proto_put_H_first(b, len, first);
    proto_put_H_count(b, len, n);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *x = b + 8 + elem * i;
        if (offs) {
            proto_put_E12_ref(x, 12, refs[i]);
            proto_put_E12_offset(x, 12, offs[i]);
        } else {
            proto_put_E4_ref(x, 4, refs[i]);
        }
    }
}

static void
bind_kind(struct cmdenc *e, const struct demo_display *d, uint32_t kind, uint32_t layer)
{
    uint32_t b = d->ref_base;
    uint8_t *p = cmdenc_inner(e, PROTO_OP_SetRenderPipelineState, 4);
    if (p)
        proto_put_SetRenderPipelineState_ref(p, 4, REF_PIPE + kind);
    if (kind == DEMO_KIND_FILL) {
        const uint32_t vb[2] = { b + R_FILL_POS, b + R_VIEWPORT };
        const uint64_t vo[2] = { 0, 0 };
        bind_list(e, PROTO_OP_SetVertexBuffers, 0, 2, vb, vo);
        const uint32_t fb[1] = { b + R_FILL_COL };
        const uint64_t fo[1] = { 16ull * layer };
        bind_list(e, PROTO_OP_SetFragmentBuffers, 0, 1, fb, fo);
        return;
    }
    const uint32_t vb[2] = { b + R_COMP_VERT, b + R_XFORM };
    const uint64_t vo[2] = { 0, 0 };
    bind_list(e, PROTO_OP_SetVertexBuffers, 0, 2, vb, vo);
    const uint32_t tex[1] = { b + (kind == DEMO_KIND_AVATAR ? R_AVATAR : R_WALLPAPER) };
    bind_list(e, PROTO_OP_SetFragmentTextures, 0, 1, tex, NULL);
    const uint32_t smp[1] = { REF_SAMPLER };
    bind_list(e, PROTO_OP_SetFragmentSamplerStates, 0, 1, smp, NULL);
    if (kind == DEMO_KIND_BLUR) {
        const uint32_t fb[2] = { b + R_TAPS, b + R_TAP_COUNT };
        const uint64_t fo[2] = { 0, 0 };
        bind_list(e, PROTO_OP_SetFragmentBuffers, 0, 2, fb, fo);
    } else {
        const uint32_t fb[1] = { b + R_PARAMS };
        const uint64_t fo[1] = { 0 };
        bind_list(e, PROTO_OP_SetFragmentBuffers, 0, 1, fb, fo);
    }
}

/* One render pass on the display's surface: the layers meeting `damage`, scissored to it. */
static uint32_t
encode(struct cmdenc *e,
       const struct demo_display *d,
       struct demo_rect damage,
       bool clear,
       bool caret)
{
    const struct demo_scene *s = &d->scene;
    cmdenc_reset(e);
    cmdenc_segment_begin(e, 2);
    static const double black[4] = { 0, 0, 0, 1 };
    cmdenc_render_pass(e, d->ref_base + R_SURFACE, clear ? LOAD_CLEAR : LOAD_LOAD, black, 0, 0);
    uint8_t *v = cmdenc_inner(e, PROTO_OP_SetViewport, 48);
    if (v) {
        proto_put_SetViewport_width(v, 48, s->width);
        proto_put_SetViewport_height(v, 48, s->height);
        proto_put_SetViewport_zfar(v, 48, 1.0);
    }
    uint8_t *sc = cmdenc_inner(e, PROTO_OP_SetScissorRect, 32);
    if (sc) {
        proto_put_SetScissorRect_x(sc, 32, (uint64_t)damage.x);
        proto_put_SetScissorRect_y(sc, 32, (uint64_t)damage.y);
        proto_put_SetScissorRect_width(sc, 32, (uint64_t)damage.w);
        proto_put_SetScissorRect_height(sc, 32, (uint64_t)damage.h);
    }
    uint32_t draws = 0, bound = DEMO_KIND_COUNT;
    for (uint32_t i = 0; i < s->count; i++) {
        const struct demo_layer *l = &s->layer[i];
        struct demo_rect hit;
        if ((l->caret && !caret) || !demo_rect_clip(l->r, damage, &hit))
            continue;
        if (l->kind != bound) {
            bind_kind(e, d, l->kind, i);
            bound = l->kind;
        } else if (l->kind == DEMO_KIND_FILL) {
            uint8_t *o = cmdenc_inner(e, PROTO_OP_SetFragmentBufferOffset, 12);
            if (o)
                proto_put_SetFragmentBufferOffset_offset(o, 12, 16ull * i);
        }
        uint8_t *dr = cmdenc_inner(e, PROTO_OP_DrawPrimitives64, 20);
        if (dr) {
            proto_put_DrawPrimitives64_prim(dr, 20, PRIM_STRIP);
            proto_put_DrawPrimitives64_vertexStart(dr, 20, 4ull * i);
            proto_put_DrawPrimitives64_vertexCount(dr, 20, 4);
        }
        draws++;
    }
    cmdenc_segment_end(e);
    return draws;
}

bool
demo_guest_frame(struct demo_guest *dg,
                 uint32_t i,
                 uint64_t n,
                 bool full,
                 struct demo_frame_result *res)
{
    struct demo_display *d = &dg->d[i];
    const struct demo_scene *s = &d->scene;
    memset(res, 0, sizeof(*res));
    struct demo_rect damage;
    bool clear, caret;
    if (demo_damage_next(s, &d->damage, n, d->hz, full, &damage, &clear, &caret)) {
        res->full = clear;
        res->draws = encode(&dg->enc, d, damage, clear, caret);
        struct cmdenc_exec_desc desc = { d->ref_base + R_SURFACE, 0 };
        uint32_t st = guestobj_exec_put(&dg->o, CHANNEL, &dg->enc, &desc, 1, 0, NULL);
        if (!st)
            return false;
        guestobj_doorbell(dg->g, CHANNEL);
        /* §13.17 step 10: the present follows the render's visible stamp. */
        if (!wait_stamp(dg->g, CHANNEL, st))
            return false;
        res->rendered = true;
    }
    int32_t cx, cy;
    demo_cursor_pos(s, n, d->hz, &cx, &cy);
    uint8_t mv[16] = { 0 };
    mem_put_le32(mv, d->port);
    mem_put_le16(mv + 4, (uint16_t)(int16_t)cx);
    mem_put_le16(mv + 6, (uint16_t)(int16_t)cy);
    mem_put_le32(mv + 8, 1);
    mem_put_le16(mv + 12, 1);
    mem_put_le16(mv + 14, 1);
    uint32_t ch = 5 + d->port;
    guestobj_put(dg->g, ch, 0x13, mv, sizeof(mv));
    uint32_t st;
    if (d->port == 0) {
        const uint32_t sub[2] = { 0, 0 }; /* DisplaySubmit {display 0, no fb}: IOSurface 1 */
        st = guestobj_put(dg->g, ch, 0x02, sub, sizeof(sub));
    } else {
        const uint32_t pr[3] = { d->port, d->surface, 0 };
        st = guestobj_put(dg->g, ch, 0x06, pr, sizeof(pr));
    }
    guestobj_doorbell(dg->g, ch);
    return wait_stamp(dg->g, ch, st);
}

void
demo_guest_finish(struct demo_guest *dg)
{
    cmdenc_free(&dg->enc);
}
