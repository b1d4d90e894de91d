/* SPDX-License-Identifier: MIT */
/*
 * Presents through the whole stack on lavapipe (protocol.md §13.17 step 10, §15.5; §19 items
 * 101-105): the simulated guest clears IOSurface textures with render passes and fills, sends
 * 0x02/0x06 on the display pipes, and lagfx_display_read_frame returns exactly the expected
 * pixels, with mode_changed before the first frame of a size and the scanout surface recreated
 * zero-filled on a mode change. Skips only when no Vulkan device exists (CI treats a skip in
 * this suite as a failure).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmdenc.h"
#include "guestobj.h"
#include "guestsim.h"
#include "protocol/ops.h"

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static char ev_log[2048];

static void
on_mode(void *u, uint32_t w, uint32_t h, uint32_t format)
{
    char line[64];
    snprintf(line, sizeof(line), "d%u mode %ux%u%s;", (unsigned)(uintptr_t)u, w, h,
             format == LAGFX_FORMAT_ARGB8888 ? "" : "?");
    pthread_mutex_lock(&ev_lock);
    strncat(ev_log, line, sizeof(ev_log) - strlen(ev_log) - 1);
    pthread_mutex_unlock(&ev_lock);
}

/* Events are asynchronous: waits up to 2 s for `needle` in the event log. */
static bool
ev_wait(const char *needle)
{
    for (int i = 0; i < 400; i++) {
        pthread_mutex_lock(&ev_lock);
        bool done = strstr(ev_log, needle) != NULL;
        pthread_mutex_unlock(&ev_lock);
        if (done)
            return true;
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    return false;
}

struct rig {
    struct guestsim *g;
    struct guestobj o;
    lagfx_display_t *d[2];
};

/* A rendering device with displays of the given mode lists, booted, objects ready. */
static int
rig_up(struct rig *r,
       uint32_t displays,
       const lagfx_display_mode_t *modes0,
       uint32_t n0,
       const lagfx_display_mode_t *mode1)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.device_flags = 0;
    cfg.displays = displays;
    lagfx_status_t st = guestsim_new(&cfg, &r->g);
    if (st == LAGFX_ERROR_NO_DEVICE) {
        printf("no Vulkan device: skipped\n");
        return 77;
    }
    REQUIRE(st == LAGFX_OK);
    lagfx_device_info_t info = { .struct_size = sizeof(info) };
    lagfx_device_get_info(guestsim_device(r->g), &info);
    if (!strstr(info.gpu_name, "llvmpipe")) {
        printf("not lavapipe (%s): skipped\n", info.gpu_name);
        return 77;
    }
    for (uint32_t i = 0; i < displays; i++) {
        guestsim_display_free(r->g, i);
        lagfx_display_callbacks_t cb;
        lagfx_display_callbacks_init(&cb);
        cb.user = (void *)(uintptr_t)i;
        cb.mode_changed = on_mode;
        lagfx_display_descriptor_t pd;
        lagfx_display_descriptor_init(&pd);
        pd.callbacks = &cb;
        pd.modes = i == 0 ? modes0 : mode1;
        pd.mode_count = i == 0 ? n0 : 1;
        REQUIRE(lagfx_display_new(guestsim_device(r->g), &pd, i, 1 + i, &r->d[i]) == LAGFX_OK);
    }
    REQUIRE(guestsim_boot(r->g) == LAGFX_OK);
    REQUIRE(guestobj_init(&r->o, r->g, guestsim_kernel_task(r->g), 0x40000000ull, 64, 8u << 20));
    REQUIRE(guestobj_set_heap(&r->o) != 0);
    memset(ev_log, 0, sizeof(ev_log));
    return 0;
}

static void
rig_down(struct rig *r)
{
    for (int i = 0; i < 2; i++) {
        lagfx_display_free(r->d[i]);
        r->d[i] = NULL;
    }
    guestsim_free(r->g);
}

/* One ExecIndirect on channel 1: a render segment with a pass clearing texture ref to c. */
static void
clear_surface(struct rig *r, uint32_t ref, const double c[4], uint32_t w, uint32_t h)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    cmdenc_render_pass(&e, ref, 2, c, w, h);
    cmdenc_segment_end(&e);
    REQUIRE(guestobj_exec_submit(&r->o, 1, &e, NULL, 0, 0, NULL) != 0);
    cmdenc_free(&e);
}

/* Reads the newest frame (XRGB) into a fresh buffer; NULL when none. */
static uint32_t *
read_frame(lagfx_display_t *d, uint32_t *w, uint32_t *h)
{
    uint32_t probe;
    lagfx_frame_info_t info = { .struct_size = sizeof(info) };
    lagfx_frame_dst_t dst = { .struct_size = sizeof(dst),
                              .pixels = &probe,
                              .size = 4,
                              .width = 1,
                              .height = 1,
                              .flags = LAGFX_READ_LATEST };
    lagfx_status_t st = lagfx_display_read_frame(d, &dst, &info);
    if (st != LAGFX_ERROR_SIZE_MISMATCH)
        return NULL;
    uint32_t *px = malloc((size_t)info.width * info.height * 4);
    REQUIRE(px);
    dst = (lagfx_frame_dst_t){ .struct_size = sizeof(dst),
                               .pixels = px,
                               .size = (size_t)info.width * info.height * 4,
                               .flags = LAGFX_READ_LATEST };
    REQUIRE(lagfx_display_read_frame(d, &dst, &info) == LAGFX_OK);
    *w = info.width;
    *h = info.height;
    return px;
}

static size_t
count_not(const uint32_t *px, uint32_t w, uint32_t h, uint32_t v)
{
    size_t n = 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        n += px[i] != v;
    return n;
}

/* BGRA bytes b0 b1 b2 b3 as the u32 a little-endian read gives. */
#define BYTES(b0, b1, b2, b3) \
    ((uint32_t)(b0) | (uint32_t)(b1) << 8 | (uint32_t)(b2) << 16 | (uint32_t)(b3) << 24)

int
main(void)
{
    /* Keep lavapipe and the validation layer mapped until exit so LeakSanitizer can name
     * their own small leaks (tests/vulkan/lsan.supp) instead of an unknown module. */
    dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE);
    dlopen("libVkLayer_khronos_validation.so", RTLD_NOW | RTLD_NODELETE);
    static const lagfx_display_mode_t m1280 = { 1280, 800, 60000 };
    static const lagfx_display_mode_t m1024 = { 1024, 768, 60000 };
    struct rig r = { 0 };
    int rc = rig_up(&r, 2, &m1280, 1, &m1024);
    if (rc)
        return rc;
    uint32_t w, h, *px;

    /* Item 101: clear surface 1 to blue, 0x02 {0, 0}: FF 00 00 FF everywhere; 0x06 the same. */
    REQUIRE(guestobj_surface_texture(&r.o, 10, 1, 1280, 800));
    clear_surface(&r, 10, (const double[4]){ 0, 0, 1, 1 }, 1280, 800);
    uint32_t sub[2] = { 0, 0 };
    guestsim_channel_submit(r.g, 5, 0x02, sub, 8);
    /* Item 105: readable at the stamp, no wait for new_frame. */
    px = read_frame(r.d[0], &w, &h);
    REQUIRE(px);
    CHECK_EQ_U32(w, 1280);
    CHECK_EQ_U32(h, 800);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0xFF, 0, 0, 0xFF)), 0);
    uint32_t six[3] = { 0, 1, 0 };
    guestsim_channel_submit(r.g, 5, 0x06, six, 12);
    uint32_t *px2 = read_frame(r.d[0], &w, &h);
    REQUIRE(px2);
    CHECK_MEM(px2, px, (size_t)1280 * 800 * 4);
    free(px);
    free(px2);

    /* Item 102: display 1 presents its own surface 7 (created with 0x27), cleared green. */
    uint32_t create[7] = { 7, 1024, 768, 80, 4096, 3145728, 0 };
    guestsim_root_submit(r.g, 0x27, create, 28);
    REQUIRE(guestobj_surface_texture(&r.o, 11, 7, 1024, 768));
    clear_surface(&r, 11, (const double[4]){ 0, 1, 0, 1 }, 1024, 768);
    uint32_t six1[3] = { 1, 7, 0 };
    guestsim_channel_submit(r.g, 6, 0x06, six1, 12);
    px = read_frame(r.d[1], &w, &h);
    REQUIRE(px);
    CHECK_EQ_U32(w, 1024);
    CHECK_EQ_U32(h, 768);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0, 0xFF, 0, 0xFF)), 0);
    free(px);
    px = read_frame(r.d[0], &w, &h); /* display 0's newest frame is unchanged */
    REQUIRE(px);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0xFF, 0, 0, 0xFF)), 0);
    free(px);
    CHECK(ev_wait("d0 mode 1280x800;"));
    CHECK(ev_wait("d1 mode 1024x768;"));
    rig_down(&r);

    /* §14: a texture naming IOSurface 1 creates the scanout surface on demand; a guest need
     * not look it up (0x28) first. */
    rc = rig_up(&r, 1, &m1280, 1, NULL);
    REQUIRE(rc == 0);
    REQUIRE(guestobj_surface_texture(&r.o, 10, 1, 1280, 800));
    clear_surface(&r, 10, (const double[4]){ 0, 1, 0, 1 }, 1280, 800);
    guestsim_channel_submit(r.g, 5, 0x02, sub, 8);
    px = read_frame(r.d[0], &w, &h);
    REQUIRE(px);
    CHECK_EQ_U32(w, 1280);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0, 0xFF, 0, 0xFF)), 0);
    free(px);
    rig_down(&r);

    /* Item 103: current mode and the scanout surface's recreation. */
    static const lagfx_display_mode_t two[2] = { { 1280, 800, 60000 }, { 1920, 1080, 60000 } };
    rc = rig_up(&r, 1, two, 2, NULL);
    REQUIRE(rc == 0);
    uint32_t one[4] = { 1, 0, 0, 0 };
    guestsim_root_submit(r.g, 0x28, one, 16);
    REQUIRE(guestobj_surface_texture(&r.o, 10, 1, 1280, 800));
    clear_surface(&r, 10, (const double[4]){ 1, 0, 0, 1 }, 1280, 800);
    guestsim_channel_submit(r.g, 5, 0x02, sub, 8);
    px = read_frame(r.d[0], &w, &h);
    REQUIRE(px);
    CHECK_EQ_U32(w, 1280);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0, 0, 0xFF, 0xFF)), 0);
    free(px);
    const uint64_t buf_va = 0x20000000ull;
    REQUIRE(guestsim_task_map_new(r.g, guestsim_kernel_task(r.g), buf_va, 7680ull * 1080));
    uint8_t sm[32] = { 0 };
    uint32_t pitch = 5120, sw = 1280, sh = 800, fmt = 80;
    memcpy(sm + 4, &buf_va, 8);
    memcpy(sm + 12, &pitch, 4);
    memcpy(sm + 16, &sw, 4);
    memcpy(sm + 20, &sh, 4);
    memcpy(sm + 24, &fmt, 4);
    guestsim_channel_submit(r.g, 5, 0x12, sm, 32); /* same size: no mode change */
    guestsim_channel_submit(r.g, 5, 0x02, sub, 8);
    px = read_frame(r.d[0], &w, &h);
    REQUIRE(px);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0, 0, 0xFF, 0xFF)), 0); /* still the render */
    free(px);
    pitch = 7680, sw = 1920, sh = 1080;
    memcpy(sm + 12, &pitch, 4);
    memcpy(sm + 16, &sw, 4);
    memcpy(sm + 20, &sh, 4);
    guestsim_channel_submit(r.g, 5, 0x12, sm, 32);
    guestsim_channel_submit(r.g, 5, 0x06, six, 12);
    px = read_frame(r.d[0], &w, &h);
    REQUIRE(px);
    CHECK_EQ_U32(w, 1920);
    CHECK_EQ_U32(h, 1080);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0, 0, 0, 0xFF)), 0); /* recreated, zero-filled */
    free(px);
    ev_wait("1920x1080");
    pthread_mutex_lock(&ev_lock);
    CHECK_STR(ev_log, "d0 mode 1280x800;d0 mode 1920x1080;");
    pthread_mutex_unlock(&ev_lock);
    rig_down(&r);

    /* Item 104: source (a) wins over the swap buffer once surface 1 was drawn, even when the
     * pass's only draw was skipped; and a fill alone counts as drawing. */
    rc = rig_up(&r, 1, &m1280, 1, NULL);
    REQUIRE(rc == 0);
    REQUIRE(guestsim_task_map_new(r.g, guestsim_kernel_task(r.g), buf_va, 5120ull * 800));
    for (uint32_t i = 0; i < 1280 * 800; i++) {
        uint32_t v = BYTES(0xFF, 0, 0xFF, 0xFF);
        REQUIRE(guestsim_task_write(r.g, guestsim_kernel_task(r.g), buf_va + 4ull * i, &v, 4));
    }
    pitch = 5120, sw = 1280, sh = 800;
    memcpy(sm + 12, &pitch, 4);
    memcpy(sm + 16, &sw, 4);
    memcpy(sm + 20, &sh, 4);
    guestsim_channel_submit(r.g, 5, 0x12, sm, 32);
    guestsim_channel_submit(r.g, 5, 0x02, sub, 8);
    px = read_frame(r.d[0], &w, &h); /* nothing drawn yet: the swap buffer (source c) */
    REQUIRE(px);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0xFF, 0, 0xFF, 0xFF)), 0);
    free(px);
    REQUIRE(guestobj_surface_texture(&r.o, 10, 1, 1280, 800));
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    cmdenc_render_pass(&e, 10, 2, (const double[4]){ 0, 0, 1, 1 }, 1280, 800);
    uint8_t *d = cmdenc_inner(&e, PROTO_OP_DrawPrimitives16, 8); /* no pipeline: skipped */
    proto_put_DrawPrimitives16_prim(d, 8, 3);
    proto_put_DrawPrimitives16_vertexCount(d, 8, 3);
    cmdenc_segment_end(&e);
    REQUIRE(guestobj_exec_submit(&r.o, 1, &e, NULL, 0, 0, NULL) != 0);
    cmdenc_free(&e);
    for (int i = 0; i < 3; i++) {
        guestsim_channel_submit(r.g, 5, 0x02, sub, 8);
        px = read_frame(r.d[0], &w, &h);
        REQUIRE(px);
        CHECK_EQ_U64(count_not(px, w, h, BYTES(0xFF, 0, 0, 0xFF)), 0);
        free(px);
    }
    rig_down(&r);

    rc = rig_up(&r, 1, &m1280, 1, NULL);
    REQUIRE(rc == 0);
    REQUIRE(guestsim_task_map_new(r.g, guestsim_kernel_task(r.g), buf_va, 5120ull * 800));
    guestsim_channel_submit(r.g, 5, 0x12, sm, 32);
    REQUIRE(guestobj_surface_texture(&r.o, 10, 1, 1280, 800));
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    uint8_t *f = cmdenc_inner(&e, PROTO_OP_FillTextureWithColor, 92);
    proto_put_FillTextureWithColor_textureRef(f, 92, 10);
    proto_put_FillTextureWithColor_size_w(f, 92, 1280);
    proto_put_FillTextureWithColor_size_h(f, 92, 800);
    proto_put_FillTextureWithColor_size_d(f, 92, 1);
    proto_put_FillTextureWithColor_green(f, 92, 1.0);
    proto_put_FillTextureWithColor_alpha(f, 92, 1.0);
    proto_put_FillTextureWithColor_format(f, 92, 80);
    cmdenc_segment_end(&e);
    REQUIRE(guestobj_exec_submit(&r.o, 1, &e, NULL, 0, 0, NULL) != 0);
    cmdenc_free(&e);
    guestsim_channel_submit(r.g, 5, 0x02, sub, 8);
    px = read_frame(r.d[0], &w, &h);
    REQUIRE(px);
    CHECK_EQ_U64(count_not(px, w, h, BYTES(0, 0xFF, 0, 0xFF)), 0);
    free(px);
    CHECK_EQ_U64(guestsim_bad_vectors(r.g), 0);
    rig_down(&r);
    return check_finish();
}
