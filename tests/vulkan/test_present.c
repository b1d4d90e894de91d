/* SPDX-License-Identifier: MIT */
/*
 * Presents and frames: SURFACE (an IOSurface filled through a texture that views it), PIXELS
 * (guest rows with a pitch) and REPEAT, each read back with frame_acquire with exact pixels and
 * sequences; an acquired slot is not reused until released; display_drop forgets the frame.
 */
#include "vkt.h"

int
main(void)
{
    struct be *be = vkt_open();
    const struct be_ops *o = be->ops;
    struct be_frame fr;

    CHECK(!o->frame_acquire(be, 0, 0, &fr)); /* nothing presented yet */

    struct be_iosurface_desc sd = {
        .width = 8, .height = 4, .pixel_format = 80, .bytes_per_row = 32
    };
    CHECK_STATUS(o->iosurface_define(be, 1, &sd), LAGFX_OK);
    struct be_texture_desc td = { .texture_type = 2,
                                  .pixel_format = 80,
                                  .width = 8,
                                  .height = 4,
                                  .depth = 1,
                                  .levels = 1,
                                  .layers = 1,
                                  .samples = 1,
                                  .usage = 0x5,
                                  .iosurface_id = 1 };
    be_handle_t t = 0;
    CHECK_STATUS(o->texture_create(be, &td, &t), LAGFX_OK);
    struct be_texture_fill f = {
        .texture = t, .size = { 8, 4, 1 }, .color = { 0.0, 0.0, 1.0, 1.0 }, .pixel_format = 80
    };
    o->fill_texture(be, &f);
    struct be_present p = {
        .port = 0, .source = BE_PRESENT_SURFACE, .surface_id = 1, .width = 8, .height = 4
    };
    o->present(be, &p);
    vkt_flush_wait(be);
    REQUIRE(o->frame_acquire(be, 0, 0, &fr));
    CHECK_EQ_U32(fr.width, 8);
    CHECK_EQ_U32(fr.height, 4);
    CHECK_EQ_U32(fr.stride, 32);
    CHECK_EQ_U64(fr.sequence, 1);
    for (uint32_t i = 0; i < 32; i++) {
        static const uint8_t blue[4] = { 255, 0, 0, 255 }; /* B, G, R, A */
        CHECK_MEM(fr.pixels + 4 * i, blue, 4);
    }
    CHECK(!o->frame_acquire(be, 0, 1, &fr) || fr.sequence > 1);
    struct be_frame held = fr;

    /* PIXELS: 8×4 rows at pitch 40 from "guest memory". */
    uint8_t guest[40 * 4];
    for (uint32_t i = 0; i < sizeof(guest); i++)
        guest[i] = (uint8_t)(i ^ 0x5A);
    struct vkt_backing m = vkt_backing(guest, sizeof(guest));
    struct be_present pp = {
        .port = 0, .source = BE_PRESENT_PIXELS, .width = 8, .height = 4, .pixels = &m.b, .pitch = 40
    };
    o->present(be, &pp);
    vkt_flush_wait(be);
    struct be_frame f2;
    REQUIRE(o->frame_acquire(be, 0, 1, &f2));
    CHECK_EQ_U64(f2.sequence, 2);
    CHECK(f2.slot != held.slot); /* the held frame's slot is not reused */
    for (uint32_t y = 0; y < 4; y++)
        CHECK_MEM(f2.pixels + y * 32, guest + y * 40, 32);
    /* The held frame still shows blue. */
    CHECK_EQ_U32(held.pixels[0], 255);
    CHECK_EQ_U32(held.pixels[2], 0);
    o->frame_release(be, 0, &held);

    /* REPEAT: the same pixels under a new sequence. */
    struct be_present pr = { .port = 0, .source = BE_PRESENT_REPEAT, .width = 8, .height = 4 };
    o->present(be, &pr);
    vkt_flush_wait(be);
    struct be_frame f3;
    REQUIRE(o->frame_acquire(be, 0, 2, &f3));
    CHECK_EQ_U64(f3.sequence, 3);
    CHECK_MEM(f3.pixels, guest, 32);
    o->frame_release(be, 0, &f3);
    o->frame_release(be, 0, &f2);

    /* Many presents with nothing held cycle through the slots. */
    for (int i = 0; i < 20; i++)
        o->present(be, &p);
    vkt_flush_wait(be);
    REQUIRE(o->frame_acquire(be, 0, 3, &fr));
    CHECK_EQ_U64(fr.sequence, 23);
    CHECK_EQ_U32(fr.pixels[0], 255);
    o->frame_release(be, 0, &fr);

    /* An unknown surface, and REPEAT on an empty port, produce nothing. */
    p.surface_id = 99;
    o->present(be, &p);
    pr.port = 3;
    o->present(be, &pr);
    vkt_flush_wait(be);
    CHECK(!o->frame_acquire(be, 0, 23, &fr));
    CHECK(!o->frame_acquire(be, 3, 0, &fr));

    o->display_drop(be, 0);
    CHECK(!o->frame_acquire(be, 0, 0, &fr));
    o->object_destroy(be, t);
    o->iosurface_delete(be, 1);
    return vkt_finish(be);
}
