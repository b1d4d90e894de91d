/* SPDX-License-Identifier: MIT */
/*
 * A clear-only render pass with two colour attachments (the scanout surface, BGRA8, and an
 * RGBA8 texture), plus a filled rectangle, presented and compared with
 * tests/golden/vulkan/clear.png. Tolerance: largest channel difference 1 (0.25 × 255 is not
 * within 0.01 of an integer, protocol.md §12.3), no pixel beyond it. LAGFX_UPDATE_GOLDEN=1
 * rewrites the golden.
 */
#include <png.h>

#include "vkt.h"

#define W 64
#define H 48

static bool
png_load(const char *path, uint8_t *rgba, uint32_t w, uint32_t h)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        return false;
    img.format = PNG_FORMAT_RGBA;
    if (img.width != w || img.height != h) {
        png_image_free(&img);
        return false;
    }
    return png_image_finish_read(&img, NULL, rgba, 0, NULL) != 0;
}

static bool
png_save(const char *path, const uint8_t *rgba, uint32_t w, uint32_t h)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    img.width = w;
    img.height = h;
    img.format = PNG_FORMAT_RGBA;
    return png_image_write_to_file(&img, path, 0, rgba, 0, NULL) != 0;
}

int
main(void)
{
    struct be *be = vkt_open();
    const struct be_ops *o = be->ops;
    struct be_iosurface_desc sd = { .width = W, .height = H, .pixel_format = 80 };
    CHECK_STATUS(o->iosurface_define(be, 1, &sd), LAGFX_OK);
    struct be_texture_desc td = { .texture_type = 2,
                                  .pixel_format = 80,
                                  .width = W,
                                  .height = H,
                                  .depth = 1,
                                  .levels = 1,
                                  .layers = 1,
                                  .samples = 1,
                                  .usage = 0x5,
                                  .iosurface_id = 1 };
    be_handle_t scan = 0;
    CHECK_STATUS(o->texture_create(be, &td, &scan), LAGFX_OK);
    be_handle_t second = vkt_texture(be, 70, W, H, 1);

    o->encoder_reset(be);
    struct be_render_pass rp = { .width = W, .height = H };
    rp.color[0].texture = scan;
    rp.color[0].clear = rp.color[0].store = true;
    rp.clear_color[0][0] = 0.25;
    rp.clear_color[0][1] = 0.5;
    rp.clear_color[0][2] = 0.75;
    rp.clear_color[0][3] = 1.0;
    rp.color[1].texture = second;
    rp.color[1].clear = rp.color[1].store = true;
    rp.clear_color[1][0] = 1.0;
    rp.clear_color[1][3] = 1.0;
    o->begin_render_pass(be, &rp);
    o->end_render_pass(be);
    struct be_texture_fill f = { .texture = scan,
                                 .origin = { 8, 8, 0 },
                                 .size = { 16, 8, 1 },
                                 .color = { 1.0, 1.0, 1.0, 1.0 },
                                 .pixel_format = 80 };
    o->fill_texture(be, &f);
    be_handle_t out = vkt_buffer(be, NULL, W * H * 4);
    struct be_buffer_texture_copy c = { .buffer = out,
                                        .bytes_per_row = W * 4,
                                        .bytes_per_image = W * H * 4,
                                        .texture = second,
                                        .size = { W, H, 1 } };
    o->copy_texture_to_buffer(be, &c);
    struct be_present p = {
        .port = 0, .source = BE_PRESENT_SURFACE, .surface_id = 1, .width = W, .height = H
    };
    o->present(be, &p);
    vkt_flush_wait(be);

    const uint8_t *sec = vkt_buffer_bytes(out);
    static const uint8_t red[4] = { 255, 0, 0, 255 };
    for (uint32_t i = 0; i < W * H; i++)
        CHECK_MEM(sec + 4 * i, red, 4);

    struct be_frame fr;
    REQUIRE(o->frame_acquire(be, 0, 0, &fr));
    static uint8_t rgba[W * H * 4], gold[W * H * 4];
    for (uint32_t i = 0; i < W * H; i++) { /* BGRA → RGBA */
        rgba[4 * i + 0] = fr.pixels[4 * i + 2];
        rgba[4 * i + 1] = fr.pixels[4 * i + 1];
        rgba[4 * i + 2] = fr.pixels[4 * i + 0];
        rgba[4 * i + 3] = fr.pixels[4 * i + 3];
    }
    o->frame_release(be, 0, &fr);
    const char *dir = getenv("LAGFX_GOLDEN_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/clear.png", dir ? dir : "tests/golden/vulkan");
    const char *upd = getenv("LAGFX_UPDATE_GOLDEN");
    if (upd && strcmp(upd, "1") == 0) {
        CHECK(png_save(path, rgba, W, H));
        fprintf(stderr, "golden rewritten: %s\n", path);
    } else {
        REQUIRE(png_load(path, gold, W, H));
        uint32_t bad = 0;
        for (uint32_t i = 0; i < W * H * 4; i++) {
            int d = (int)rgba[i] - (int)gold[i];
            if (d > 1 || d < -1)
                bad++;
        }
        CHECK_EQ_U32(bad, 0);
    }
    o->object_destroy(be, scan);
    o->object_destroy(be, second);
    o->object_destroy(be, out);
    return vkt_finish(be);
}
