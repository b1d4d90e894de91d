/* SPDX-License-Identifier: MIT */
/*
 * The frame hand-off of spec/api.md §5.7 and protocol.md §15.5, over a CPU frame backend (the
 * null backend with present and frame ops that keep the newest frame in memory; the Vulkan
 * backend has its own tests): a CPU-drawn framebuffer presented with 0x02 comes back exactly
 * (§19 item 91), readable at the stamp (item 105), mode_changed before the first frame of a
 * size, NO_FRAME until something newer, READ_LATEST, SIZE_MISMATCH, READ_SCALE, XRGB vs ARGB,
 * cursor compositing, the swap buffer (source c) and surface presents (0x06).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "backend.h"
#include "check.h"
#include "guestsim.h"

/* ---- CPU frame backend ---- */
static struct be_ops cpu_ops;
static pthread_mutex_t cpu_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *cpu_pixels; /* newest frame of port 0 */
static uint32_t cpu_w, cpu_h;
static uint64_t cpu_seq;
static uint32_t surface_color[16]; /* what a SURFACE present of id shows (test-drawn) */

static void
cpu_present(struct be *be, const struct be_present *p)
{
    (void)be;
    if (p->port != 0)
        return;
    uint8_t *px = malloc((size_t)p->width * p->height * 4);
    REQUIRE(px);
    if (p->source == BE_PRESENT_PIXELS) {
        for (uint32_t y = 0; y < p->height; y++)
            p->pixels->read(p->pixels, (uint64_t)y * p->pitch, px + (size_t)y * p->width * 4,
                            (size_t)p->width * 4);
    } else if (p->source == BE_PRESENT_SURFACE) {
        uint32_t c = p->surface_id < 16 ? surface_color[p->surface_id] : 0;
        for (size_t i = 0; i < (size_t)p->width * p->height; i++)
            memcpy(px + 4 * i, &c, 4);
    } else {
        pthread_mutex_lock(&cpu_lock);
        bool have = cpu_pixels != NULL;
        if (have)
            memcpy(px, cpu_pixels, (size_t)cpu_w * cpu_h * 4);
        pthread_mutex_unlock(&cpu_lock);
        if (!have) {
            free(px);
            return;
        }
    }
    pthread_mutex_lock(&cpu_lock);
    free(cpu_pixels);
    cpu_pixels = px;
    cpu_w = p->width;
    cpu_h = p->height;
    cpu_seq++;
    pthread_mutex_unlock(&cpu_lock);
}

static bool
cpu_acquire(struct be *be, uint32_t port, uint64_t after, struct be_frame *out)
{
    (void)be;
    pthread_mutex_lock(&cpu_lock); /* held until release: the frame cannot change */
    if (port != 0 || !cpu_pixels || cpu_seq <= after) {
        pthread_mutex_unlock(&cpu_lock);
        return false;
    }
    *out = (struct be_frame){ .width = cpu_w,
                              .height = cpu_h,
                              .stride = cpu_w * 4,
                              .sequence = cpu_seq,
                              .pixels = cpu_pixels };
    return true;
}

static void
cpu_release(struct be *be, uint32_t port, const struct be_frame *f)
{
    (void)be, (void)port, (void)f;
    pthread_mutex_unlock(&cpu_lock);
}

static lagfx_status_t
cpu_backend_new(struct be **out)
{
    lagfx_status_t st = be_null_new(out);
    if (st != LAGFX_OK)
        return st;
    cpu_ops = *(*out)->ops;
    cpu_ops.present = cpu_present;
    cpu_ops.frame_acquire = cpu_acquire;
    cpu_ops.frame_release = cpu_release;
    (*out)->ops = &cpu_ops;
    return LAGFX_OK;
}

/* ---- events ---- */
static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static char ev_log[4096];
static int new_frames;

static void
on_mode(void *u, uint32_t w, uint32_t h, uint32_t format)
{
    (void)u;
    pthread_mutex_lock(&ev_lock);
    char line[64];
    snprintf(line, sizeof(line), "mode %ux%u %s;", w, h,
             format == LAGFX_FORMAT_ARGB8888 ? "ARGB" : "?");
    strncat(ev_log, line, sizeof(ev_log) - strlen(ev_log) - 1);
    pthread_mutex_unlock(&ev_lock);
}

static void
on_frame(void *u)
{
    (void)u;
    pthread_mutex_lock(&ev_lock);
    strncat(ev_log, "frame;", sizeof(ev_log) - strlen(ev_log) - 1);
    new_frames++;
    pthread_mutex_unlock(&ev_lock);
}

static bool
wait_frames(int n)
{
    for (int i = 0; i < 400; i++) {
        pthread_mutex_lock(&ev_lock);
        int have = new_frames;
        pthread_mutex_unlock(&ev_lock);
        if (have >= n)
            return true;
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    return false;
}

static uint32_t
px_at(const uint8_t *p, uint32_t stride, uint32_t x, uint32_t y)
{
    uint32_t v;
    memcpy(&v, p + (size_t)y * stride + 4 * x, 4);
    return v;
}

int
main(void)
{
    api_test_backend_new = cpu_backend_new;
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.device_flags = 0; /* a rendering device: frames exist */
    cfg.modes[0] = (lagfx_display_mode_t){ 64, 32, 60000 };
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    lagfx_device_t *dev = guestsim_device(g);
    guestsim_display_free(g, 0);
    lagfx_display_callbacks_t dcb;
    lagfx_display_callbacks_init(&dcb);
    dcb.mode_changed = on_mode;
    dcb.new_frame = on_frame;
    lagfx_display_descriptor_t pd;
    lagfx_display_descriptor_init(&pd);
    pd.callbacks = &dcb; /* no cursor_glyph: the cursor is composited into every frame */
    pd.modes = cfg.modes;
    pd.mode_count = 1;
    lagfx_display_t *d;
    REQUIRE(lagfx_display_new(dev, &pd, 0, 1, &d) == LAGFX_OK);
    REQUIRE(guestsim_boot(g) == LAGFX_OK);

    uint32_t out[64 * 32];
    lagfx_frame_dst_t dst = { .struct_size = sizeof(dst), .pixels = out, .size = sizeof(out) };
    lagfx_frame_info_t info = { .struct_size = sizeof(info) };
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, &info), LAGFX_NO_FRAME);

    /* Item 91: a CPU-drawn BGRA framebuffer at F, 0x02 {0, F}: exactly those pixels. */
    uint64_t fb = guestsim_alloc_pages(g, 64 * 32 * 4 / 4096);
    for (uint32_t y = 0; y < 32; y++)
        for (uint32_t x = 0; x < 64; x++)
            guestsim_write32(g, fb + 4 * (y * 64 + x), 0xFF000000u | (x << 16) | (y << 8) | 0x5A);
    uint32_t sub[2] = { 0, (uint32_t)(fb >> 12) };
    guestsim_channel_submit(g, 5, 0x02, sub, 8);
    /* Item 105: right after the stamp, one read returns it (no wait for new_frame). */
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, &info), LAGFX_OK);
    CHECK_MEM(out, guestsim_ram(g) + fb, sizeof(out));
    CHECK_EQ_U32(info.width, 64);
    CHECK_EQ_U32(info.height, 32);
    CHECK_EQ_U32(info.format, LAGFX_FORMAT_ARGB8888);
    CHECK_EQ_U64(info.sequence, 1);
    CHECK_EQ_U64(info.guest_present_count, 1);
    CHECK(wait_frames(1));
    pthread_mutex_lock(&ev_lock);
    CHECK_STR(ev_log, "mode 64x32 ARGB;frame;"); /* mode_changed precedes the frame */
    pthread_mutex_unlock(&ev_lock);
    /* Nothing newer: NO_FRAME, dst untouched; READ_LATEST returns it again. */
    memset(out, 0xEE, sizeof(out));
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, &info), LAGFX_NO_FRAME);
    CHECK_EQ_U32(out[0], 0xEEEEEEEE);
    dst.flags = LAGFX_READ_LATEST;
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_OK);
    CHECK_EQ_U32(px_at((uint8_t *)out, 256, 3, 2), 0xFF03025A);
    dst.flags = 0;

    /* XRGB sets X to 0xFF; ARGB keeps the frame's alpha. */
    guestsim_write32(g, fb, 0x10203040);
    guestsim_channel_submit(g, 5, 0x02, sub, 8);
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_OK);
    CHECK_EQ_U32(out[0], 0xFF203040);
    dst.flags = LAGFX_READ_LATEST;
    dst.format = LAGFX_FORMAT_ARGB8888;
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_OK);
    CHECK_EQ_U32(out[0], 0x10203040);
    dst.format = 0;
    dst.flags = 0;

    /* SIZE_MISMATCH without READ_SCALE (frame stays unread); READ_SCALE halves it. */
    guestsim_write32(g, fb, 0xFF000000u | 0x5A);
    guestsim_channel_submit(g, 5, 0x02, sub, 8);
    uint32_t small[32 * 16];
    lagfx_frame_dst_t sd = {
        .struct_size = sizeof(sd), .pixels = small, .size = sizeof(small), .width = 32, .height = 16
    };
    CHECK_STATUS(lagfx_display_read_frame(d, &sd, &info), LAGFX_ERROR_SIZE_MISMATCH);
    CHECK_EQ_U32(info.width, 64);
    sd.flags = LAGFX_READ_SCALE;
    CHECK_STATUS(lagfx_display_read_frame(d, &sd, &info), LAGFX_OK);
    /* Pixel (5, 3) of the half-size frame averages source (10-11, 6-7): x 10.5, y 6.5. */
    uint32_t v = small[3 * 32 + 5];
    CHECK_EQ_U32(v & 0xFF, 0x5A);
    CHECK(((v >> 16) & 0xFF) >= 10 && ((v >> 16) & 0xFF) <= 11);
    CHECK(((v >> 8) & 0xFF) >= 6 && ((v >> 8) & 0xFF) <= 7);
    CHECK_EQ_U32(v >> 24, 0xFF);
    CHECK_EQ_U32(info.damage_width, 32);

    /* The cursor: a 2 x 2 opaque red glyph, hotspot (1, 1), at (20, 10). */
    struct guestsim_task *k = guestsim_kernel_task(g);
    REQUIRE(guestsim_task_map_new(g, k, 0x50000000ull, 4096));
    uint32_t glyph[4] = { 0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u, 0x00000000u };
    REQUIRE(guestsim_task_write(g, k, 0x50000000ull, glyph, sizeof(glyph)));
    uint8_t gl[32] = { 0 };
    uint64_t gva = 0x50000000ull;
    uint32_t two = 2, eight = 8, one = 1;
    memcpy(gl + 4, &gva, 8);
    memcpy(gl + 12, &two, 4);
    memcpy(gl + 16, &two, 4);
    memcpy(gl + 20, &eight, 4);
    memcpy(gl + 24, &one, 4);
    memcpy(gl + 28, &one, 4);
    guestsim_channel_submit(g, 5, 0x14, gl, 32);
    uint8_t mv[16] = { 0 };
    int16_t cx = 20, cy = 10;
    memcpy(mv + 4, &cx, 2);
    memcpy(mv + 6, &cy, 2);
    mv[8] = 1;
    guestsim_channel_submit(g, 5, 0x13, mv, 16);
    guestsim_channel_submit(g, 5, 0x02, sub, 8);
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_OK);
    CHECK_EQ_U32(px_at((uint8_t *)out, 256, 19, 9), 0xFFFF0000u);  /* glyph (0, 0) */
    CHECK_EQ_U32(px_at((uint8_t *)out, 256, 20, 10), 0xFF140A5Au); /* glyph (1, 1): alpha 0 */
    CHECK_EQ_U32(px_at((uint8_t *)out, 256, 21, 10), 0xFF150A5Au); /* outside the glyph */

    /* 0x06 {0, 1, 0}: surface 1 (test colour) at display 0's current mode. */
    surface_color[1] = 0xFF00FF00u;
    uint32_t p6[3] = { 0, 1, 0 };
    guestsim_channel_submit(g, 5, 0x06, p6, 12);
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, &info), LAGFX_OK);
    CHECK_EQ_U32(out[0], 0xFF00FF00u);
    CHECK_EQ_U32(out[64 * 32 - 1], 0xFF00FF00u);
    /* Display 0 showed surface 1: a following 0x02 {0, F} stays on it (source a). */
    guestsim_channel_submit(g, 5, 0x02, sub, 8);
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, &info), LAGFX_OK);
    CHECK_EQ_U32(out[5], 0xFF00FF00u);

    /* Source (c) and a mode change: a fresh session with only a 0x12 swap buffer. */
    lagfx_display_info_t di = { .struct_size = sizeof(di) };
    CHECK_STATUS(lagfx_display_get_info(d, &di), LAGFX_OK);
    CHECK(di.host_present_count >= 6);
    CHECK_EQ_U64(di.guest_present_count, 6);
    lagfx_display_free(d);
    guestsim_free(g);
    free(cpu_pixels);
    cpu_pixels = NULL;
    cpu_seq = 0;
    memset(ev_log, 0, sizeof(ev_log));
    new_frames = 0;

    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    dev = guestsim_device(g);
    guestsim_display_free(g, 0);
    REQUIRE(lagfx_display_new(dev, &pd, 0, 1, &d) == LAGFX_OK);
    REQUIRE(guestsim_boot(g) == LAGFX_OK);
    k = guestsim_kernel_task(g);
    const uint64_t swap_va = 0x60000000ull;
    REQUIRE(guestsim_task_map_new(g, k, swap_va, 128 * 4 * 48));
    for (uint32_t i = 0; i < 128 * 48; i++) {
        uint32_t c = 0xFF000000u | i;
        REQUIRE(guestsim_task_write(g, k, swap_va + 4 * i, &c, 4));
    }
    uint8_t sm[32] = { 0 };
    uint32_t pitch = 512, sw = 128, sh = 48, fmt = 80;
    memcpy(sm + 4, &swap_va, 8);
    memcpy(sm + 12, &pitch, 4);
    memcpy(sm + 16, &sw, 4);
    memcpy(sm + 20, &sh, 4);
    memcpy(sm + 24, &fmt, 4);
    guestsim_channel_submit(g, 5, 0x12, sm, 32);
    uint32_t none[2] = { 0, 0 };
    guestsim_channel_submit(g, 5, 0x02, none, 8);
    uint32_t big[128 * 48];
    lagfx_frame_dst_t bd = { .struct_size = sizeof(bd), .pixels = big, .size = sizeof(big) };
    CHECK_STATUS(lagfx_display_read_frame(d, &bd, &info), LAGFX_OK);
    CHECK_EQ_U32(info.width, 128);
    CHECK_EQ_U32(info.height, 48);
    CHECK_EQ_U32(big[0], 0xFF000000u);
    CHECK_EQ_U32(big[128 * 48 - 1], 0xFF000000u | (128 * 48 - 1));
    CHECK(wait_frames(1));
    pthread_mutex_lock(&ev_lock);
    CHECK_STR(ev_log, "mode 128x48 ARGB;frame;");
    pthread_mutex_unlock(&ev_lock);

    lagfx_display_free(d);
    guestsim_free(g);
    free(cpu_pixels);
    return check_finish();
}
