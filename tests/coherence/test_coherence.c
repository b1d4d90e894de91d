/* SPDX-License-Identifier: MIT */
/*
 * Guest-memory coherence through the real device (protocol.md §6.4, §10.2, §13.6, §13.7): a
 * guest simulator boots a device whose backend is the Vulkan one on lavapipe (with the
 * validation layer: any message fails), builds command buffers with cmdenc and checks guest
 * RAM the moment each ExecIndirect's stamp is visible. Covers §19 item 75 (a cleared pass
 * written back with flag 0x1), a compute kernel's output buffer, a buffer the guest rewrites
 * between two ExecIndirects read fresh by the second, blit results (CopyFromBufferToBuffer,
 * FillBuffer) in guest memory at the stamp with the bytes around them untouched, and the
 * same with HEADLESS (stamps complete, nothing written). argv[1]: scale_cs packed as a
 * one-function MTLB (optional: without it the compute case is skipped).
 * Single test thread plus the library's threads.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "backend.h"
#include "check.h"
#include "cmdenc.h"
#include "guestsim.h"
#include "protocol/ops.h"
#include "vulkan/vkb.h"
#include "vulkan/vkb_internal.h"

enum {
    REF_TEX = 1,
    REF_A = 2, /* source buffer */
    REF_C = 3, /* destination buffer */
    REF_K = 4, /* kernel constant */
    REF_FN = 5,
    REF_CPS = 6,
    N = 256, /* floats of the compute case */
};

#define HEAP_VA   0x10000000ull /* guestsim's SetResourceHeap (task 1) */
#define DESC_VA   0x20000000ull
#define IMAGE_VA  0x21000000ull
#define A_VA      0x22000000ull
#define C_VA      0x23000000ull
#define K_VA      0x24000000ull
#define MTLB_VA   0x25000000ull
#define STREAM_VA 0x30000000ull
#define BUF_LEN   8192u /* two pages each, scattered in GPA */
#define IMAGE_LEN (256u * 64u)

static bool saw_llvmpipe;

static lagfx_status_t
lavapipe_backend(struct be **out)
{
    dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE); /* named in LSan reports */
    dlopen("libVkLayer_khronos_validation.so", RTLD_NOW | RTLD_NODELETE);
    struct vkb_config cfg = { .label = "coh", .validation = true };
    struct vkb_info info;
    lagfx_status_t st = vkb_backend_new(&cfg, out, &info);
    if (st == LAGFX_OK && !strstr(info.name, "llvmpipe")) {
        be_destroy(*out);
        *out = NULL;
        return LAGFX_ERROR_NO_DEVICE;
    }
    saw_llvmpipe = st == LAGFX_OK;
    return st;
}

struct ctx {
    struct guestsim *g;
    struct guestsim_task *k;
    bool headless;
};

static void
put(struct ctx *c, uint64_t va, const void *p, size_t len)
{
    REQUIRE(guestsim_task_write(c->g, c->k, va, p, len));
}

static void
get(struct ctx *c, uint64_t va, void *p, size_t len)
{
    REQUIRE(guestsim_task_read(c->g, c->k, va, p, len));
}

static void
slot(struct ctx *c, uint32_t ref, uint8_t type, const void *desc, size_t len)
{
    uint64_t dva = DESC_VA + 0x100ull * ref;
    put(c, dva, desc, len);
    uint8_t s[12];
    cmdenc_slot(s, type, dva);
    put(c, HEAP_VA + 12ull * ref, s, sizeof(s));
}

/* Runs one ExecIndirect on the root ring; true once its stamp is visible. */
static bool
exec(struct ctx *c, const struct cmdenc *e, const struct cmdenc_exec_desc *desc, uint32_t dc)
{
    REQUIRE(!e->oom && e->len <= 16384);
    put(c, STREAM_VA, e->buf, e->len);
    struct cmdenc_exec_res res = { STREAM_VA, (uint32_t)e->len };
    uint8_t payload[256];
    size_t n = cmdenc_exec(payload, sizeof(payload), GUESTSIM_KERNEL_TASK, desc, dc, &res, 1);
    REQUIRE(n);
    uint32_t stamp = guestsim_root_put(c->g, 0x20, payload, (uint32_t)n);
    guestsim_root_doorbell(c->g);
    return guestsim_wait_stamp(c->g, 0, stamp, 10000);
}

static void
setup(struct ctx *c, bool headless)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.device_flags = headless ? LAGFX_DEVICE_HEADLESS : 0;
    cfg.label = headless ? "coh-hl" : "coh";
    api_test_backend_new = headless ? NULL : lavapipe_backend;
    c->headless = headless;
    lagfx_status_t st = guestsim_new(&cfg, &c->g);
    api_test_backend_new = NULL;
    if (st == LAGFX_ERROR_NO_DEVICE) {
        printf("SKIP: no llvmpipe device\n");
        exit(77);
    }
    REQUIRE(st == LAGFX_OK);
    REQUIRE(guestsim_boot(c->g) == LAGFX_OK);
    c->k = guestsim_kernel_task(c->g);
    REQUIRE(guestsim_task_map_new(c->g, c->k, DESC_VA, 4096));
    REQUIRE(guestsim_task_map_new(c->g, c->k, IMAGE_VA, IMAGE_LEN));
    REQUIRE(guestsim_task_map_new(c->g, c->k, A_VA, BUF_LEN));
    REQUIRE(guestsim_task_map_new(c->g, c->k, C_VA, BUF_LEN));
    REQUIRE(guestsim_task_map_new(c->g, c->k, K_VA, 4096));
    REQUIRE(guestsim_task_map_new(c->g, c->k, STREAM_VA, 16384));

    struct cmdenc_texture t = { .type = 2,
                                .format = 80, /* BGRA8Unorm */
                                .width = 64,
                                .height = 64,
                                .levels = 1,
                                .layers = 1,
                                .samples = 1,
                                .usage = 0x5,
                                .storage = 0,
                                .place_size = IMAGE_LEN,
                                .place_vpn = (uint32_t)(IMAGE_VA >> 12) };
    uint8_t td[0x80];
    cmdenc_desc_texture(td, &t);
    slot(c, REF_TEX, 0x02, td, sizeof(td));
    uint8_t bd[64];
    cmdenc_desc_buffer(bd, BUF_LEN, (uint32_t)(A_VA >> 12));
    slot(c, REF_A, 0x01, bd, sizeof(bd));
    cmdenc_desc_buffer(bd, BUF_LEN, (uint32_t)(C_VA >> 12));
    slot(c, REF_C, 0x01, bd, sizeof(bd));
    cmdenc_desc_buffer(bd, 4096, (uint32_t)(K_VA >> 12));
    slot(c, REF_K, 0x01, bd, sizeof(bd));
}

/* §19 item 75: the cleared pass reaches the guest image (pitch 256) with flag 0x1. */
static void
case_pass_write_back(struct ctx *c)
{
    uint8_t *img = malloc(IMAGE_LEN);
    REQUIRE(img);
    memset(img, 0x11, IMAGE_LEN);
    put(c, IMAGE_VA, img, IMAGE_LEN);
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 0);
    const double red[4] = { 1, 0, 0, 1 };
    cmdenc_render_pass(&e, REF_TEX, 2, red, 64, 64);
    cmdenc_segment_end(&e);
    struct cmdenc_exec_desc d = { REF_TEX, 0x1 };
    CHECK(exec(c, &e, &d, 1));
    get(c, IMAGE_VA, img, IMAGE_LEN);
    const uint8_t want[4] = { 0x00, 0x00, 0xFF, 0xFF }, old[4] = { 0x11, 0x11, 0x11, 0x11 };
    uint32_t bad = 0;
    for (uint32_t i = 0; i < 64 * 64; i++)
        bad += memcmp(img + 4 * i, c->headless ? old : want, 4) != 0;
    CHECK_EQ_U32(bad, 0);
    /* Without flag 0x1 nothing is written back. */
    memset(img, 0x22, IMAGE_LEN);
    put(c, IMAGE_VA, img, IMAGE_LEN);
    CHECK(exec(c, &e, NULL, 0));
    get(c, IMAGE_VA, img, IMAGE_LEN);
    CHECK_EQ_U32(img[0] + img[IMAGE_LEN - 1], 0x44);
    cmdenc_free(&e);
    free(img);
}

static void
copy_and_fill(struct cmdenc *e, bool fill)
{
    cmdenc_reset(e);
    cmdenc_segment_begin(e, 4);
    uint8_t *b = cmdenc_inner(e, PROTO_OP_CopyFromBufferToBuffer, 32);
    REQUIRE(b);
    proto_put_CopyFromBufferToBuffer_srcRef(b, 32, REF_A);
    proto_put_CopyFromBufferToBuffer_dstRef(b, 32, REF_C);
    proto_put_CopyFromBufferToBuffer_srcOffset(b, 32, 4000);
    proto_put_CopyFromBufferToBuffer_dstOffset(b, 32, 4000); /* straddles the page boundary */
    proto_put_CopyFromBufferToBuffer_size(b, 32, 256);
    if (fill) {
        b = cmdenc_inner(e, PROTO_OP_FillBuffer, 24);
        REQUIRE(b);
        proto_put_FillBuffer_bufferRef(b, 24, REF_C);
        proto_put_FillBuffer_value(b, 24, 0x5A);
        proto_put_FillBuffer_location(b, 24, 6000);
        proto_put_FillBuffer_length(b, 24, 100);
    }
    cmdenc_segment_end(e);
}

/* Blits: results in guest memory at the stamp; a guest rewrite between two ExecIndirects is
 * what the second one reads; bytes the GPU did not write keep the guest's values. */
static void
case_blits(struct ctx *c)
{
    uint8_t a[BUF_LEN], cbuf[BUF_LEN], want[BUF_LEN];
    for (uint32_t i = 0; i < BUF_LEN; i++)
        a[i] = (uint8_t)(i * 7 + 1);
    memset(cbuf, 0xC3, sizeof(cbuf));
    put(c, A_VA, a, sizeof(a));
    put(c, C_VA, cbuf, sizeof(cbuf));
    struct cmdenc e;
    cmdenc_init(&e);
    copy_and_fill(&e, true);
    CHECK(exec(c, &e, NULL, 0));
    get(c, C_VA, cbuf, sizeof(cbuf));
    memset(want, 0xC3, sizeof(want));
    if (!c->headless) {
        memcpy(want + 4000, a + 4000, 256);
        memset(want + 6000, 0x5A, 100);
    }
    CHECK_MEM(cbuf, want, sizeof(want));

    /* The guest rewrites A and a byte of C the GPU never writes; the second copy reads the
     * new A, and C's other bytes stay the guest's. */
    for (uint32_t i = 0; i < BUF_LEN; i++)
        a[i] = (uint8_t)(255 - i);
    put(c, A_VA, a, sizeof(a));
    const uint8_t mark = 0x99;
    put(c, C_VA + 100, &mark, 1);
    want[100] = mark;
    copy_and_fill(&e, false);
    CHECK(exec(c, &e, NULL, 0));
    get(c, C_VA, cbuf, sizeof(cbuf));
    if (!c->headless)
        memcpy(want + 4000, a + 4000, 256);
    CHECK_MEM(cbuf, want, sizeof(want));
    cmdenc_free(&e);
}

/* A kernel (dst[i] = src[i] × k + 1) writes C; the guest reads the result at the stamp. */
static void
case_compute(struct ctx *c, const char *mtlb_path)
{
    FILE *f = fopen(mtlb_path, "rb");
    REQUIRE(f);
    uint8_t *lib = malloc(1 << 20);
    REQUIRE(lib);
    size_t len = fread(lib, 1, 1 << 20, f);
    fclose(f);
    REQUIRE(len > 0 && len < (1 << 20));
    REQUIRE(guestsim_task_map_new(c->g, c->k, MTLB_VA, (len + 4095) & ~(size_t)4095));
    put(c, MTLB_VA, lib, len);
    free(lib);
    uint8_t fd[16], cd[32];
    cmdenc_desc_function(fd, MTLB_VA);
    slot(c, REF_FN, 0x06, fd, sizeof(fd));
    cmdenc_desc_cps1(cd, REF_FN);
    slot(c, REF_CPS, 0x07, cd, sizeof(cd));

    float src[N], dst[N], k = 3.0f;
    for (int i = 0; i < N; i++) {
        src[i] = (float)i * 0.5f;
        dst[i] = -1.0f;
    }
    put(c, A_VA, src, sizeof(src));
    put(c, C_VA, dst, sizeof(dst));
    put(c, K_VA, &k, sizeof(k));
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 0);
    uint8_t *b = cmdenc_inner(&e, PROTO_OP_SetPipelineState, 4);
    REQUIRE(b);
    proto_put_SetPipelineState_ref(b, 4, REF_CPS);
    b = cmdenc_inner(&e, PROTO_OP_SetBuffers, 8 + 3 * 12);
    REQUIRE(b);
    proto_put_H_first(b, 44, 0);
    proto_put_H_count(b, 44, 3);
    const uint32_t refs[3] = { REF_A, REF_C, REF_K };
    for (int i = 0; i < 3; i++)
        proto_put_E12_ref(b + 8 + 12 * i, 12, refs[i]);
    b = cmdenc_inner(&e, PROTO_OP_DispatchThreadgroups, 48);
    REQUIRE(b);
    proto_put_DispatchThreadgroups_threadgroups_x(b, 48, N / 64);
    proto_put_DispatchThreadgroups_threadgroups_y(b, 48, 1);
    proto_put_DispatchThreadgroups_threadgroups_z(b, 48, 1);
    proto_put_DispatchThreadgroups_threadsPerThreadgroup_x(b, 48, 64);
    proto_put_DispatchThreadgroups_threadsPerThreadgroup_y(b, 48, 1);
    proto_put_DispatchThreadgroups_threadsPerThreadgroup_z(b, 48, 1);
    cmdenc_segment_end(&e);
    CHECK(exec(c, &e, NULL, 0));
    get(c, C_VA, dst, sizeof(dst));
    int bad = 0;
    for (int i = 0; i < N; i++) {
        float w = c->headless ? -1.0f : src[i] * 3.0f + 1.0f;
        if (dst[i] != w && bad++ < 4)
            fprintf(stderr, "dst[%d] = %g, expected %g\n", i, dst[i], w);
    }
    CHECK_EQ_INT(bad, 0);
    /* The guest's new constant is what the next dispatch reads (first-use refresh). */
    float k2 = 7.0f, kr;
    put(c, K_VA, &k2, 4);
    CHECK(exec(c, &e, NULL, 0));
    get(c, K_VA, &kr, 4);
    CHECK(kr == 7.0f);
    get(c, C_VA, dst, sizeof(dst));
    CHECK(c->headless ? dst[1] == -1.0f : dst[1] == 0.5f * 7.0f + 1.0f);
    cmdenc_free(&e);
}

static void
run(bool headless, const char *mtlb)
{
    struct ctx c;
    setup(&c, headless);
    case_pass_write_back(&c);
    case_blits(&c);
    if (mtlb)
        case_compute(&c, mtlb);
    guestsim_free(c.g);
}

int
main(int argc, char **argv)
{
    const char *mtlb = argc > 1 ? argv[1] : NULL;
    run(false, mtlb);
    CHECK(saw_llvmpipe);
    run(true, mtlb);
    uint64_t msgs = vkb_validation_messages_total();
    if (msgs) {
        fprintf(stderr, "%llu validation message(s)\n", (unsigned long long)msgs);
        check_failures++;
    }
    return check_failures ? 1 : 0;
}
