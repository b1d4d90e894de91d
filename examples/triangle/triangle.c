/* SPDX-License-Identifier: MIT */
/*
 * examples/triangle: the smallest whole trip through libapplegfx-vulkan. The VMM side (this
 * file's main) plugs a display with the public API and reads the frame the guest presents;
 * the guest side is the project's simulator (tests/guest), which boots the device over MMIO
 * and guest RAM and here sends one orange triangle: AIR functions, a pipeline, two buffers, a
 * render pass into IOSurface 1 (0x37 on channel 1), then DisplaySubmit (0x02). Writes
 * triangle.png (or the path given). One thread plus the library's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libapplegfx-vulkan.h>

#include "guest.h"
#include "png_write.h"
#include "protocol/ops.h"

#define W 320
#define H 200

enum { FN_VS = 1, FN_FS, PIPE, SURFACE, POS, VIEWPORT, COLOR }; /* object refs */

/* ---- guest side: objects (protocol.md §13.17) and one command buffer ---- */

static bool
guest_buffer(struct guestobj *o, uint32_t ref, const void *data, size_t len)
{
    uint64_t va = 0;
    return guestobj_buffer(o, ref, len, &va) && guestobj_write(o, va, data, len);
}

static bool
guest_function(struct guestobj *o, uint32_t ref, const struct demo_shader *s)
{
    uint64_t va = guestobj_alloc(o, *s->len);
    uint8_t d[16];
    cmdenc_desc_function(d, va);
    return va && guestobj_write(o, va, s->mtlb, *s->len) &&
           guestobj_slot(o, ref, GUESTOBJ_FUNCTION, d, sizeof(d));
}

static bool
guest_draw_triangle(struct guestsim *g)
{
    static struct guestsim_task task;
    static struct guestobj o;
    guestsim_task_init(g, &task, 2);
    if (!guestobj_init(&o, g, &task, 0x100000000ull, 16, 4u << 20))
        return false;
    uint8_t def[16];
    guestobj_define_payload(&o, def);
    const uint32_t lookup[4] = { 1, 0, 0, 0 }; /* LookupIOSurface 1, as the guest does */
    if (!guestobj_submit(g, 0, 0x38, def, 16) || !guestobj_set_heap(&o) ||
        !guestobj_submit(g, 0, 0x28, lookup, sizeof(lookup)))
        return false;

    /* ViewportToNDC + ColorFill: pixel positions in, one colour out. */
    uint8_t rps[0xB0] = { 0 };
    size_t n = sizeof(rps);
    proto_put_RPS1_magic(rps, n, PROTO_MAGIC_RPS1);
    proto_put_RPS1_size(rps, n, (uint32_t)n);
    proto_put_RPS1_vertexFunction(rps, n, FN_VS);
    proto_put_RPS1_fragmentFunction(rps, n, FN_FS);
    proto_put_RPS1_rasterSampleCount(rps, n, 1);
    proto_put_RPS1_inputPrimitiveTopology(rps, n, 3);
    proto_put_RPS1_rasterizationEnabled(rps, n, 1);
    proto_put_RPS1_colorCount(rps, n, 1);
    proto_put_RPS1Color_pixelFormat(rps + OFF(RPS1, color0), 16, 80); /* BGRA8Unorm */
    proto_put_RPS1Color_writeMask(rps + OFF(RPS1, color0), 16, 0xF);
    const float pos[6] = { W / 2, 20, W - 40, H - 20, 40, H - 20 };
    const float vp[2] = { W, H }, color[4] = { 1.0f, 0.55f, 0.1f, 1.0f };
    if (!guest_function(&o, FN_VS, &demo_shaders[DEMO_FN_FILL_VS]) ||
        !guest_function(&o, FN_FS, &demo_shaders[DEMO_FN_FILL_FS]) ||
        !guestobj_slot(&o, PIPE, GUESTOBJ_PIPELINE, rps, n) ||
        !guestobj_surface_texture(&o, SURFACE, 1, W, H) ||
        !guest_buffer(&o, POS, pos, sizeof(pos)) || !guest_buffer(&o, VIEWPORT, vp, sizeof(vp)) ||
        !guest_buffer(&o, COLOR, color, sizeof(color)))
        return false;

    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    static const double navy[4] = { 0.05, 0.08, 0.2, 1.0 };
    cmdenc_render_pass(&e, SURFACE, 2 /* Clear */, navy, 0, 0);
    proto_put_SetRenderPipelineState_ref(cmdenc_inner(&e, PROTO_OP_SetRenderPipelineState, 4), 4,
                                         PIPE);
    uint8_t *vb = cmdenc_inner(&e, PROTO_OP_SetVertexBuffers, 8 + 2 * 12);
    proto_put_H_count(vb, 32, 2); /* first 0: positions, then the viewport size */
    proto_put_E12_ref(vb + 8, 12, POS);
    proto_put_E12_ref(vb + 20, 12, VIEWPORT);
    uint8_t *fb = cmdenc_inner(&e, PROTO_OP_SetFragmentBuffers, 8 + 12);
    proto_put_H_count(fb, 20, 1);
    proto_put_E12_ref(fb + 8, 12, COLOR);
    uint8_t *d = cmdenc_inner(&e, PROTO_OP_DrawPrimitives64, 20);
    proto_put_DrawPrimitives64_prim(d, 20, 3); /* Triangle */
    proto_put_DrawPrimitives64_vertexCount(d, 20, 3);
    cmdenc_segment_end(&e);
    struct cmdenc_exec_desc desc = { SURFACE, 0 };
    bool ok = guestobj_exec_submit(&o, 1, &e, &desc, 1, 0, NULL) != 0;
    cmdenc_free(&e);
    const uint32_t submit[2] = { 0, 0 }; /* DisplaySubmit on pipe 5: show IOSurface 1 */
    return ok && guestobj_submit(g, 5, 0x02, submit, sizeof(submit)) != 0;
}

/* ---- VMM side ---- */

static void
on_new_frame(void *user)
{
    (void)user; /* a VMM would schedule a read here; we read after the guest's stamp */
}

int
main(int argc, char **argv)
{
    const char *out = argc > 1 ? argv[1] : "triangle.png";
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.device_flags = 0; /* render through Vulkan (lavapipe when no GPU) */
    struct guestsim *g;
    if (guestsim_new(&cfg, &g) != LAGFX_OK) {
        fprintf(stderr, "triangle: no device (is a Vulkan driver installed?)\n");
        return 1;
    }
    /* Plug display 0 with one mode and our callback, as a VMM does at realize time. */
    guestsim_display_free(g, 0);
    lagfx_display_callbacks_t cb;
    lagfx_display_callbacks_init(&cb);
    cb.new_frame = on_new_frame;
    lagfx_display_mode_t mode = { W, H, 60000 };
    lagfx_display_descriptor_t dd;
    lagfx_display_descriptor_init(&dd);
    dd.callbacks = &cb;
    dd.modes = &mode;
    dd.mode_count = 1;
    lagfx_display_t *display = NULL;
    int rc = 1;
    if (lagfx_display_new(guestsim_device(g), &dd, 0, 1, &display) != LAGFX_OK ||
        guestsim_boot(g) != LAGFX_OK || !guest_draw_triangle(g)) {
        fprintf(stderr, "triangle: the guest could not draw\n");
        goto done;
    }
    static uint32_t pixels[W * H];
    lagfx_frame_dst_t dst = { .struct_size = sizeof(dst),
                              .pixels = pixels,
                              .size = sizeof(pixels) };
    lagfx_status_t st = lagfx_display_read_frame(display, &dst, NULL);
    if (st != LAGFX_OK) {
        fprintf(stderr, "triangle: read_frame: %s\n", lagfx_status_string(st));
        goto done;
    }
    if (!png_write_bgrx(out, (const uint8_t *)pixels, W, H, W * 4)) {
        fprintf(stderr, "triangle: %s\n", png_write_error());
        goto done;
    }
    printf("triangle: wrote %s\n", out);
    rc = 0;
done:
    lagfx_display_free(display);
    guestsim_free(g);
    return rc;
}
