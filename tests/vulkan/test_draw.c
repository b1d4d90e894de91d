/* SPDX-License-Identifier: MIT */
/*
 * A translated vertex + fragment pair (tests/air/fixtures quad_vs.ll, copy_fs.ll): a
 * full-target triangle strip sampling a 2×2 texture with a nearest sampler into a 32×32 RGBA8
 * target. Exact pixels: each quadrant shows one texel, with Metal's y-up NDC (the bottom-left
 * vertex has uv (0, 0)).
 */
#include "vkt.h"

static be_handle_t
function(struct be *be, const char *path, uint32_t stage)
{
    size_t len;
    uint8_t *code = check_slurp(path, &len);
    struct be_function_desc fd = { .stage = stage, .mtlb = code, .len = len };
    be_handle_t fn = 0;
    CHECK_STATUS(be->ops->function_create(be, &fd, &fn), LAGFX_OK);
    free(code);
    return fn;
}

int
main(int argc, char **argv)
{
    REQUIRE(argc == 3);
    struct be *be = vkt_open();
    const struct be_ops *o = be->ops;
    be_handle_t vs = function(be, argv[1], 0), fs = function(be, argv[2], 1);
    REQUIRE(vs && fs);
    struct be_render_pipeline_desc pd = { .vertex_function = vs,
                                          .fragment_function = fs,
                                          .sample_count = 1,
                                          .topology_class = 3,
                                          .rasterization = true,
                                          .color_count = 1 };
    pd.color[0].pixel_format = 70;
    pd.color[0].write_mask = 0xF;
    be_handle_t pipe = 0;
    CHECK_STATUS(o->render_pipeline_create(be, &pd, &pipe), LAGFX_OK);
    REQUIRE(pipe);

    /* 2×2 texture, guest image pitch 256: (0,0) red, (1,0) green, (0,1) blue, (1,1) white. */
    static uint8_t img[512];
    static const uint8_t texel[4][4] = {
        { 255, 0, 0, 255 }, { 0, 255, 0, 255 }, { 0, 0, 255, 255 }, { 255, 255, 255, 255 }
    };
    memcpy(img, texel[0], 4);
    memcpy(img + 4, texel[1], 4);
    memcpy(img + 256, texel[2], 4);
    memcpy(img + 260, texel[3], 4);
    struct vkt_backing m = vkt_backing(img, sizeof(img));
    struct be_texture_desc td = { .texture_type = 2,
                                  .pixel_format = 70,
                                  .width = 2,
                                  .height = 2,
                                  .depth = 1,
                                  .levels = 1,
                                  .layers = 1,
                                  .samples = 1,
                                  .usage = 0x1,
                                  .has_guest_image = true,
                                  .linear_size = 512,
                                  .backing = &m.b };
    be_handle_t tex = 0;
    CHECK_STATUS(o->texture_create(be, &td, &tex), LAGFX_OK);
    struct be_sampler_desc sd = { .normalized = true, .max_anisotropy = 1, .lod_max = 1000.0f };
    be_handle_t smp = 0;
    CHECK_STATUS(o->sampler_create(be, &sd, &smp), LAGFX_OK);
    be_handle_t rt = vkt_texture(be, 70, 32, 32, 1);

    float corners[8] = { -1, -1, 1, -1, -1, 1, 1, 1 };
    float xf[4] = { 1, 1, 0, 0 };
    be_handle_t cb = vkt_buffer(be, corners, sizeof(corners)), xb = vkt_buffer(be, xf, 16);

    o->encoder_reset(be);
    struct be_render_pass rp = { .width = 32, .height = 32 };
    rp.color[0].texture = rt;
    rp.color[0].clear = rp.color[0].store = true;
    o->begin_render_pass(be, &rp);
    struct be_viewport vp = { 0, 0, 32, 32, 0, 1 };
    struct be_rect sc = { 0, 0, 32, 32 };
    o->set_viewport(be, &vp);
    o->set_scissor(be, &sc);
    o->set_render_pipeline(be, pipe);
    struct be_buffer_binding bb[2] = { { cb, 0, 0 }, { xb, 0, 0 } };
    o->bind_buffers(be, BE_STAGE_VERTEX, 0, 2, bb);
    o->bind_textures(be, BE_STAGE_FRAGMENT, 0, 1, &tex);
    struct be_sampler_binding sb = { .sampler = smp };
    o->bind_samplers(be, BE_STAGE_FRAGMENT, 0, 1, &sb);
    struct be_draw d = { .primitive = 4, .vertex_count = 4, .instance_count = 1 };
    o->draw(be, &d);
    o->end_render_pass(be);
    be_handle_t out = vkt_buffer(be, NULL, 32 * 32 * 4);
    struct be_buffer_texture_copy c = { .buffer = out,
                                        .bytes_per_row = 128,
                                        .bytes_per_image = 4096,
                                        .texture = rt,
                                        .size = { 32, 32, 1 } };
    o->copy_texture_to_buffer(be, &c);
    vkt_flush_wait(be);
    const uint8_t *px = vkt_buffer_bytes(out);
    uint32_t bad = 0;
    for (uint32_t y = 0; y < 32; y++)
        for (uint32_t x = 0; x < 32; x++) {
            /* Top of the framebuffer is NDC y = +1: v = 1, texel row 1. */
            uint32_t tx = x < 16 ? 0 : 1, ty = y < 16 ? 1 : 0;
            if (memcmp(px + (y * 32 + x) * 4, texel[ty * 2 + tx], 4))
                bad++;
        }
    if (bad)
        fprintf(stderr, "pixel (0,0) = %u %u %u %u\n", px[0], px[1], px[2], px[3]);
    CHECK_EQ_U32(bad, 0);

    be_handle_t all[] = { vs, fs, pipe, tex, smp, rt, cb, xb, out };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        o->object_destroy(be, all[i]);
    return vkt_finish(be);
}
