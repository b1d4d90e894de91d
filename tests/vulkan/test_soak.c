/* SPDX-License-Identifier: MIT */
/*
 * 1,000 frames (clear pass on the scanout surface, present, flush, wait) with a stable number of
 * live Vulkan objects after warm-up: batches, descriptor pools and frame slots are recycled.
 */
#include "vkt.h"

int
main(void)
{
    struct be *be = vkt_open();
    const struct be_ops *o = be->ops;
    struct be_iosurface_desc sd = { .width = 64, .height = 64, .pixel_format = 80 };
    CHECK_STATUS(o->iosurface_define(be, 1, &sd), LAGFX_OK);
    struct be_texture_desc td = { .texture_type = 2,
                                  .pixel_format = 80,
                                  .width = 64,
                                  .height = 64,
                                  .depth = 1,
                                  .levels = 1,
                                  .layers = 1,
                                  .samples = 1,
                                  .usage = 0x5,
                                  .iosurface_id = 1 };
    be_handle_t t = 0;
    CHECK_STATUS(o->texture_create(be, &td, &t), LAGFX_OK);
    int64_t warm = 0;
    uint64_t seq = 0;
    for (int i = 0; i < 1000; i++) {
        o->encoder_reset(be);
        struct be_render_pass rp = { .width = 64, .height = 64 };
        rp.color[0].texture = t;
        rp.color[0].clear = rp.color[0].store = true;
        rp.clear_color[0][0] = (i % 2) ? 1.0 : 0.0;
        rp.clear_color[0][3] = 1.0;
        o->begin_render_pass(be, &rp);
        o->end_render_pass(be);
        struct be_present p = {
            .port = 0, .source = BE_PRESENT_SURFACE, .surface_id = 1, .width = 64, .height = 64
        };
        o->present(be, &p);
        vkt_flush_wait(be);
        struct be_frame fr;
        if (o->frame_acquire(be, 0, seq, &fr)) {
            CHECK_EQ_U32(fr.pixels[2], (i % 2) ? 255 : 0);
            seq = fr.sequence;
            o->frame_release(be, 0, &fr);
        } else {
            CHECK(false);
        }
        if (i == 10)
            warm = vkb_live_objects(be);
        if (i > 10 && vkb_live_objects(be) != warm) {
            CHECK_EQ_INT(vkb_live_objects(be), warm);
            break;
        }
    }
    CHECK_EQ_U64(seq, 1000);
    o->object_destroy(be, t);
    return vkt_finish(be);
}
