/* SPDX-License-Identifier: MIT */
/*
 * Backend lifecycle: a selector matching nothing is NO_DEVICE (no abort); objects destroyed
 * while their work is in flight live until it completes; discard drops recorded work but not
 * object uploads; destroy with work queued and objects alive waits and leaks nothing (the
 * validation layer reports leaked objects at vkDestroyDevice, which fails the test).
 */
#include "vkt.h"

static int calls;
static void
count_done(void *arg)
{
    (*(int *)arg)++;
    calls++;
}

int
main(void)
{
    vkt_pin_libraries();
    struct vkb_config bad = { .label = "vkt", .device_selector = "no-such-gpu-xyz" };
    struct be *none = NULL;
    CHECK_STATUS(vkb_backend_new(&bad, &none, NULL), LAGFX_ERROR_NO_DEVICE);
    CHECK(none == NULL);

    struct be *be = vkt_open();
    const struct be_ops *o = be->ops;

    /* Destroy while in flight. */
    uint8_t init[256];
    memset(init, 7, sizeof(init));
    be_handle_t a = vkt_buffer(be, init, 256), b = vkt_buffer(be, NULL, 256);
    o->copy_buffer(be, a, 0, b, 0, 256);
    int order[3] = { 0 };
    o->flush(be, count_done, &order[0]);
    o->object_destroy(be, a);
    o->flush(be, count_done, &order[1]); /* empty flush: done after the first */
    vkt_flush_wait(be);
    CHECK_EQ_INT(order[0], 1);
    CHECK_EQ_INT(order[1], 1);
    CHECK_EQ_U32(vkt_buffer_bytes(b)[255], 7);

    /* Discard: the fill is dropped, the texture created in the same batch is usable. */
    o->fill_buffer(be, b, 0, 256, 0);
    be_handle_t t = vkt_texture(be, 70, 4, 4, 1);
    o->discard(be);
    struct vkt_wb *w = vkt_wb_new(0, 1024);
    memset(w->bytes, 0xEE, 1024);
    o->write_back(be, t, true, 0, 0, &w->wb);
    vkt_flush_wait(be);
    CHECK_EQ_U32(vkt_buffer_bytes(b)[0], 7);
    CHECK_EQ_U64(w->written, 1024);
    CHECK_EQ_U32(w->bytes[0], 0); /* zero-filled host image */
    CHECK_EQ_INT(w->releases, 1);
    vkt_wb_free(w);

    /* A write-back discarded with its work is released without a write; the discarded fill
     * leaves no written range behind. */
    o->fill_buffer(be, b, 0, 16, 0);
    uint64_t woff = 0, wlen = 0;
    CHECK(o->buffer_written(be, b, &woff, &wlen));
    CHECK_EQ_U64(wlen, 16);
    w = vkt_wb_new(0, 16);
    o->write_back(be, b, true, 0, 0, &w->wb);
    o->discard(be);
    CHECK(!o->buffer_written(be, b, &woff, &wlen));
    vkt_flush_wait(be);
    CHECK_EQ_U64(w->written, 0);
    CHECK_EQ_INT(w->releases, 1);
    vkt_wb_free(w);

    /* Creation refusals are statuses. */
    struct be_texture_desc xr = { .texture_type = 2,
                                  .pixel_format = 552,
                                  .width = 4,
                                  .height = 4,
                                  .depth = 1,
                                  .levels = 1,
                                  .layers = 1,
                                  .samples = 1 };
    be_handle_t h = 0;
    CHECK_STATUS(o->texture_create(be, &xr, &h), LAGFX_ERROR_NOT_SUPPORTED);
    uint8_t junk[64] = { 1, 2, 3 };
    struct be_function_desc fd = { .stage = 0, .mtlb = junk, .len = sizeof(junk) };
    CHECK(o->function_create(be, &fd, &h) != LAGFX_OK);

    o->object_destroy(be, b);
    o->object_destroy(be, t);
    vkt_flush_wait(be);

    /* Destroy with work recorded but not flushed and objects alive: the pending write-back
     * is released exactly once. */
    be_handle_t c = vkt_buffer(be, NULL, 64);
    o->fill_buffer(be, c, 0, 64, 1);
    w = vkt_wb_new(0, 64);
    o->write_back(be, c, true, 0, 0, &w->wb);
    be_destroy(be);
    CHECK_EQ_INT(w->releases, 1);
    vkt_wb_free(w);
    return vkt_finish(NULL);
}
