/* SPDX-License-Identifier: MIT */
/*
 * Blits on lavapipe with exact bytes: buffer fills (aligned and unaligned), buffer copies,
 * buffer → texture → texture → buffer, full and partial texture fills, mipmap generation of a
 * uniform texture, and write-back of a texture and a buffer (bytes kept by the backend).
 */
#include "vkt.h"

int
main(void)
{
    struct be *be = vkt_open();
    const struct be_ops *o = be->ops;

    /* Fills: aligned (vkCmdFillBuffer) and unaligned (patterned staging copy). */
    be_handle_t a = vkt_buffer(be, NULL, 64);
    o->fill_buffer(be, a, 0, 64, 0x11111111);
    o->fill_buffer(be, a, 8, 16, 0xAABBCCDD);
    o->fill_buffer(be, a, 33, 5, 0x77777777);
    /* Copy a → b. */
    uint8_t init[64];
    for (int i = 0; i < 64; i++)
        init[i] = (uint8_t)(200 + i);
    be_handle_t bb = vkt_buffer(be, init, 64);
    o->copy_buffer(be, a, 8, bb, 40, 8);
    vkt_flush_wait(be);
    const uint8_t *pa = vkt_buffer_bytes(a), *pb = vkt_buffer_bytes(bb);
    uint8_t exp[64];
    memset(exp, 0x11, 64);
    for (int i = 8; i < 24; i++)
        exp[i] = (uint8_t)(0xAABBCCDDu >> (8 * ((i - 8) % 4)));
    memset(exp + 33, 0x77, 5);
    CHECK_MEM(pa, exp, 64);
    uint8_t expb[64];
    memcpy(expb, init, 64);
    memcpy(expb + 40, exp + 8, 8);
    CHECK_MEM(pb, expb, 64);

    /* Buffer → texture (4×4 RGBA8) → texture → buffer. */
    uint8_t px[4 * 4 * 4];
    for (int i = 0; i < 64; i++)
        px[i] = (uint8_t)(i * 3 + 1);
    be_handle_t src = vkt_buffer(be, px, sizeof(px));
    be_handle_t t1 = vkt_texture(be, 70, 4, 4, 1), t2 = vkt_texture(be, 70, 4, 4, 1);
    struct be_buffer_texture_copy up = { .buffer = src,
                                         .bytes_per_row = 16,
                                         .bytes_per_image = 64,
                                         .texture = t1,
                                         .size = { 4, 4, 1 } };
    o->copy_buffer_to_texture(be, &up);
    struct be_texture_copy tc = {
        .src = t1, .dst = t2, .size = { 4, 4, 1 }, .slice_count = 1, .level_count = 1
    };
    o->copy_texture(be, &tc);
    be_handle_t out = vkt_buffer(be, NULL, 64);
    struct be_buffer_texture_copy down = up;
    down.buffer = out;
    down.texture = t2;
    o->copy_texture_to_buffer(be, &down);
    vkt_flush_wait(be);
    CHECK_MEM(vkt_buffer_bytes(out), px, 64);

    /* Texture fills: whole level by clear, then a 2×2 rectangle by staging copy. */
    be_handle_t t3 = vkt_texture(be, 80, 4, 4, 1);
    struct be_texture_fill f = { .texture = t3,
                                 .size = { 4, 4, 1 },
                                 .color = { 1.0, 0.0, 0.0, 1.0 }, /* exact in UNORM8 */
                                 .pixel_format = 80 };
    o->fill_texture(be, &f);
    struct be_texture_fill f2 = { .texture = t3,
                                  .origin = { 1, 2, 0 },
                                  .size = { 2, 2, 1 },
                                  .color = { 0.0, 1.0, 0.2, 0.6 },
                                  .pixel_format = 80 };
    o->fill_texture(be, &f2);
    struct vkt_wb *w3 = vkt_wb_new(0, 256 * 4);
    o->write_back(be, t3, true, 0, 0, &w3->wb);
    vkt_flush_wait(be);
    /* Linear layout v1: pitch align_up(4 × 4, 256) = 256, 4 rows. */
    CHECK_EQ_U64(w3->written, 256 * 4);
    CHECK_EQ_INT(w3->releases, 1);
    const uint8_t *wb = w3->bytes;
    {
        for (uint32_t y = 0; y < 4; y++)
            for (uint32_t x = 0; x < 4; x++) {
                const uint8_t *p = wb + y * 256 + x * 4;
                bool in = x >= 1 && x < 3 && y >= 2;
                /* BGRA: red fill = 00 00 FF FF; the rectangle G=255 B=51 A=153. */
                uint8_t e[4] = { 0, 0, 255, 255 };
                if (in) {
                    e[0] = 51;
                    e[1] = 255;
                    e[2] = 0;
                    e[3] = 153;
                }
                CHECK_MEM(p, e, 4);
            }
    }

    /* Mipmaps: a uniform 8×8 level 0 gives the same colour at every level. */
    be_handle_t t4 = vkt_texture(be, 70, 8, 8, 4);
    struct be_texture_fill f3 = {
        .texture = t4, .size = { 8, 8, 1 }, .color = { 0.2, 0.4, 0.6, 0.8 }, .pixel_format = 70
    };
    o->fill_texture(be, &f3);
    o->generate_mipmaps(be, t4);
    /* Linear layout of 8×8 RGBA8 with 4 levels: 256 × (8 + 4 + 2) bytes before level 3. */
    struct vkt_wb *w4 = vkt_wb_new(0, 256 * 15);
    o->write_back(be, t4, false, 0, 3, &w4->wb); /* the 1×1 level */
    /* Buffer write-back: exactly the target's range of the host copy. */
    struct vkt_wb *wbb = vkt_wb_new(16, 32);
    o->write_back(be, bb, true, 0, 0, &wbb->wb);
    vkt_flush_wait(be);
    CHECK_EQ_U64(w4->written, 256);
    uint8_t e4[4] = { 51, 102, 153, 204 };
    CHECK_MEM(w4->bytes + 256 * 14, e4, 4);
    CHECK_EQ_U64(wbb->written, 32);
    CHECK_MEM(wbb->bytes, expb + 16, 32);
    CHECK_EQ_INT(w4->releases + wbb->releases, 2);
    vkt_wb_free(w3);
    vkt_wb_free(w4);
    vkt_wb_free(wbb);

    be_handle_t all[] = { a, bb, src, t1, t2, out, t3, t4 };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        o->object_destroy(be, all[i]);
    return vkt_finish(be);
}
