/* SPDX-License-Identifier: MIT */
/*
 * A translated AIR kernel (tests/air/fixtures/scale_cs.ll: dst[i] = src[i] × k + 1) through
 * function_create, compute_pipeline_create, bind_buffers and dispatch (threadgroups, then a
 * non-uniform threads grid), results read back exactly.
 */
#include "vkt.h"

int
main(int argc, char **argv)
{
    REQUIRE(argc == 2);
    struct be *be = vkt_open();
    const struct be_ops *o = be->ops;
    size_t len;
    uint8_t *code = check_slurp(argv[1], &len);
    struct be_function_desc fd = { .stage = 2, .mtlb = code, .len = len };
    be_handle_t fn = 0, pipe = 0;
    CHECK_STATUS(o->function_create(be, &fd, &fn), LAGFX_OK);
    free(code);
    struct be_compute_pipeline_desc cd = { .function = fn, .max_threads = 256 };
    CHECK_STATUS(o->compute_pipeline_create(be, &cd, &pipe), LAGFX_OK);
    o->object_destroy(be, fn); /* the pipeline keeps it */

    enum { N = 256 };
    float src[N], k = 3.0f;
    for (int i = 0; i < N; i++)
        src[i] = (float)i * 0.5f;
    be_handle_t bs = vkt_buffer(be, src, sizeof(src)), bd = vkt_buffer(be, NULL, sizeof(src));
    be_handle_t bk = vkt_buffer(be, &k, sizeof(k));
    o->encoder_reset(be);
    o->set_compute_pipeline(be, pipe);
    struct be_buffer_binding bb[3] = { { bs, 0, 0 }, { bd, 0, 0 }, { bk, 0, 0 } };
    o->bind_buffers(be, BE_STAGE_COMPUTE, 0, 3, bb);
    struct be_dispatch d = { .threads = false,
                             .count = { N / 64, 1, 1 },
                             .group_size = { 64, 1, 1 } };
    o->dispatch(be, &d);
    vkt_flush_wait(be);
    const float *r = (const float *)vkt_buffer_bytes(bd);
    for (int i = 0; i < N; i++)
        if (r[i] != src[i] * 3.0f + 1.0f) {
            fprintf(stderr, "dst[%d] = %g\n", i, r[i]);
            CHECK(false);
            break;
        }

    /* 100 threads in groups of 64: exactly 100 elements change. */
    o->fill_buffer(be, bd, 0, sizeof(src), 0);
    k = 2.0f;
    struct vkt_backing kb = vkt_backing(&k, 4);
    o->refresh(be, bk, &kb.b);
    struct be_dispatch t = { .threads = true, .count = { 100, 1, 1 }, .group_size = { 64, 1, 1 } };
    o->dispatch(be, &t);
    vkt_flush_wait(be);
    for (int i = 0; i < N; i++) {
        float e = i < 100 ? src[i] * 2.0f + 1.0f : 0.0f;
        if (r[i] != e) {
            fprintf(stderr, "dst[%d] = %g, expected %g\n", i, r[i], e);
            CHECK(false);
            break;
        }
    }
    o->object_destroy(be, pipe);
    o->object_destroy(be, bs);
    o->object_destroy(be, bd);
    o->object_destroy(be, bk);
    return vkt_finish(be);
}
