/* SPDX-License-Identifier: MIT */
/*
 * Display and IOSurface opcodes (protocol.md §14, §15.6-§15.9; §19 items 48-50, 94-97): cursor
 * glyphs in layout A and the layout-B fallback read from the kernel task, show/move with the
 * off-display rule, swap mapping and the current mode, 0x16 forms, the sub-ring cap, and
 * IOSurface creation, lookup and aliasing.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "common.h"
#include "guestsim.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t glyph_px[32 * 32 * 4];
static lagfx_cursor_image_t glyph;
static int glyphs, shows, moves;
static bool shown;
static uint16_t mx, my;

static void
on_glyph(void *u, const lagfx_cursor_image_t *img)
{
    (void)u;
    pthread_mutex_lock(&lock);
    glyph = *img;
    if ((size_t)img->stride * img->height <= sizeof(glyph_px))
        memcpy(glyph_px, img->pixels, (size_t)img->stride * img->height);
    glyph.pixels = NULL;
    glyphs++;
    pthread_mutex_unlock(&lock);
}

static void
on_show(void *u, bool visible)
{
    (void)u;
    pthread_mutex_lock(&lock);
    shown = visible;
    shows++;
    pthread_mutex_unlock(&lock);
}

static void
on_move(void *u, uint16_t x, uint16_t y)
{
    (void)u;
    pthread_mutex_lock(&lock);
    mx = x, my = y;
    moves++;
    pthread_mutex_unlock(&lock);
}

static int
read_count(int *c)
{
    pthread_mutex_lock(&lock);
    int v = *c;
    pthread_mutex_unlock(&lock);
    return v;
}

static bool
wait_count(int *c, int target)
{
    for (int i = 0; i < 400; i++) {
        if (read_count(c) >= target)
            return true;
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    return false;
}

static void
put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void
put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

int
main(void)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.modes[0] = (lagfx_display_mode_t){ 1280, 800, 60000 };
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    lagfx_device_t *dev = guestsim_device(g);
    /* Replace the simulator's display with one that has cursor callbacks. */
    guestsim_display_free(g, 0);
    lagfx_display_callbacks_t dcb;
    lagfx_display_callbacks_init(&dcb);
    dcb.cursor_glyph = on_glyph;
    dcb.cursor_show = on_show;
    dcb.cursor_move = on_move;
    lagfx_display_descriptor_t pd;
    lagfx_display_descriptor_init(&pd);
    pd.callbacks = &dcb;
    pd.modes = cfg.modes;
    pd.mode_count = 1;
    lagfx_display_t *d;
    REQUIRE(lagfx_display_new(dev, &pd, 0, 9, &d) == LAGFX_OK);
    REQUIRE(guestsim_boot(g) == LAGFX_OK);
    struct guestsim_task *k = guestsim_kernel_task(g);

    /* Item 94: a 32 x 32 glyph, hotspot (3, 5), at a kernel-task VA, layout A. */
    const uint64_t glyph_va = 0x20000000ull;
    REQUIRE(guestsim_task_map_new(g, k, glyph_va, 32 * 128));
    uint8_t px[32 * 128];
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (uint8_t)(i * 7 + 3);
    REQUIRE(guestsim_task_write(g, k, glyph_va, px, sizeof(px)));
    uint8_t a[32] = { 0 };
    put32(a + 0, 0);
    put64(a + 4, glyph_va);
    put32(a + 12, 32);
    put32(a + 16, 32);
    put32(a + 20, 128);
    put32(a + 24, 3);
    put32(a + 28, 5);
    guestsim_channel_submit(g, 5, 0x14, a, 32);
    CHECK(wait_count(&glyphs, 1));
    pthread_mutex_lock(&lock);
    CHECK_EQ_U32(glyph.width, 32);
    CHECK_EQ_U32(glyph.height, 32);
    CHECK_EQ_U32(glyph.stride, 128);
    CHECK_EQ_U32(glyph.hot_x, 3);
    CHECK_EQ_U32(glyph.hot_y, 5);
    CHECK_EQ_U32(glyph.format, LAGFX_FORMAT_ARGB8888);
    CHECK_MEM(glyph_px, px, sizeof(px));
    pthread_mutex_unlock(&lock);

    /* The same glyph in layout B is decoded by the fallback (hotspot 4, 6 this time). */
    uint8_t b[32] = { 0 };
    put32(b + 4, 32);
    put32(b + 8, 32);
    put32(b + 12, 128);
    put32(b + 16, 4);
    put32(b + 20, 6);
    put64(b + 24, glyph_va);
    guestsim_root_submit(g, 0x14, b, 32); /* cursor commands work on the root ring too */
    CHECK(wait_count(&glyphs, 2));
    pthread_mutex_lock(&lock);
    CHECK_EQ_U32(glyph.hot_x, 4);
    CHECK_EQ_U32(glyph.hot_y, 6);
    CHECK_MEM(glyph_px, px, sizeof(px));
    pthread_mutex_unlock(&lock);
    /* Neither layout plausible: ignored. */
    uint8_t bad[32] = { 0 };
    put32(bad + 12, 300);
    guestsim_channel_submit(g, 5, 0x14, bad, 32);

    /* Item 95: {0, 100, 200, 1}: show(true), move(100, 200); {0, -5, 10, 1}: off display. */
    uint8_t m[16] = { 0 };
    int16_t x = 100, y = 200;
    memcpy(m + 4, &x, 2);
    memcpy(m + 6, &y, 2);
    put32(m + 8, 1);
    m[12] = 4, m[14] = 6;
    guestsim_channel_submit(g, 5, 0x13, m, 16);
    CHECK(wait_count(&moves, 1));
    CHECK(wait_count(&shows, 1));
    pthread_mutex_lock(&lock);
    CHECK(shown);
    CHECK_EQ_U32(mx, 100);
    CHECK_EQ_U32(my, 200);
    pthread_mutex_unlock(&lock);
    lagfx_coord_t pos;
    CHECK_STATUS(lagfx_display_get_cursor_position(d, &pos), LAGFX_OK);
    CHECK_EQ_U32(pos.x, 100);
    CHECK_EQ_U32(pos.y, 200);
    lagfx_display_info_t info = { .struct_size = sizeof(info) };
    lagfx_display_get_info(d, &info);
    CHECK(info.flags & LAGFX_DISPLAY_INFO_CURSOR_VISIBLE);
    x = -5, y = 10;
    memcpy(m + 4, &x, 2);
    memcpy(m + 6, &y, 2);
    int moves_before = read_count(&moves);
    guestsim_channel_submit(g, 5, 0x13, m, 16);
    CHECK(wait_count(&moves, moves_before + 1));
    pthread_mutex_lock(&lock);
    CHECK_EQ_U32(mx, 0xFFFF);
    CHECK_EQ_U32(my, 0xFFFF);
    pthread_mutex_unlock(&lock);
    CHECK_EQ_INT(read_count(&shows), 1); /* visibility did not change */
    /* x = 1280 is outside a 1280 x 800 mode. */
    x = 1280, y = 0;
    memcpy(m + 4, &x, 2);
    memcpy(m + 6, &y, 2);
    put32(m + 8, 0);
    guestsim_channel_submit(g, 5, 0x13, m, 16);
    CHECK(wait_count(&shows, 2));
    proto_dev_wait_idle(core_of(dev));
    CHECK_STATUS(lagfx_display_get_cursor_position(d, &pos), LAGFX_OK);
    CHECK_EQ_U32(pos.x, LAGFX_CURSOR_OFF_DISPLAY);
    pthread_mutex_lock(&lock);
    CHECK(!shown);
    pthread_mutex_unlock(&lock);

    /* Swap mapping: a valid 1024 x 768 buffer in the kernel task makes it the current mode
     * and resizes IOSurface 1; a bad one (pitch < 4·width) changes nothing. */
    uint32_t one = 1;
    guestsim_root_submit(g, 0x28, &one, 4); /* Item 49: surface 1 at the current mode */
    proto_dev_wait_idle(core_of(dev));
    struct proto_iosurface *s1 = proto_iosurface_get(core_of(dev), 1);
    REQUIRE(s1 != NULL);
    CHECK_EQ_U32(s1->width, 1280);
    CHECK_EQ_U32(s1->height, 800);
    CHECK_EQ_U32(s1->format, 80);
    CHECK_EQ_U32(s1->pitch, 1280 * 4);
    const uint64_t fb_va = 0x40000000ull;
    REQUIRE(guestsim_task_map_new(g, k, fb_va, 4096ull * 768));
    uint8_t sm[32] = { 0 };
    put64(sm + 4, fb_va);
    put32(sm + 12, 4096);
    put32(sm + 16, 1024);
    put32(sm + 20, 768);
    put32(sm + 24, 80);
    guestsim_channel_submit(g, 5, 0x12, sm, 32);
    proto_dev_wait_idle(core_of(dev));
    CHECK_EQ_U32(s1->width, 1024);
    CHECK_EQ_U32(s1->height, 768);
    put32(sm + 12, 100); /* pitch < 4 * width */
    put32(sm + 16, 640);
    guestsim_channel_submit(g, 5, 0x12, sm, 32);
    proto_dev_wait_idle(core_of(dev));
    CHECK_EQ_U32(s1->width, 1024);
    lagfx_display_get_info(d, &info);
    CHECK_EQ_U32(info.width, 1024);
    CHECK_EQ_U32(info.height, 768);

    /* Item 48: 0x27 with 4 bytes is a probe; with {5, 64, 32, 80, 256, 8192} surface 5. */
    uint32_t five = 5;
    guestsim_root_submit(g, 0x27, &five, 4);
    proto_dev_wait_idle(core_of(dev));
    CHECK(proto_iosurface_get(core_of(dev), 5) == NULL);
    uint8_t cs[28] = { 0 };
    put32(cs + 0, 5);
    put32(cs + 4, 64);
    put32(cs + 8, 32);
    put32(cs + 12, 80);
    put32(cs + 16, 256);
    put64(cs + 20, 8192);
    guestsim_root_submit(g, 0x27, cs, 28);
    proto_dev_wait_idle(core_of(dev));
    struct proto_iosurface *s5 = proto_iosurface_get(core_of(dev), 5);
    REQUIRE(s5 != NULL);
    CHECK_EQ_U32(s5->width, 64);
    CHECK_EQ_U32(s5->height, 32);
    /* Item 50: 0x29 {1, 2, 5, 9}: surface 9 shows surface 5's image. */
    uint32_t imp[4] = { 1, 2, 5, 9 };
    guestsim_root_submit(g, 0x29, imp, 16);
    proto_dev_wait_idle(core_of(dev));
    struct proto_iosurface *s9 = proto_iosurface_get(core_of(dev), 9);
    REQUIRE(s9 != NULL);
    CHECK_EQ_U32(s9->alias_of, 5);
    CHECK_EQ_U32(s9->width, 64);
    /* A bad create (size < pitch * height) is ignored; delete drops an id. */
    put32(cs + 0, 6);
    put64(cs + 20, 100);
    guestsim_root_submit(g, 0x27, cs, 28);
    guestsim_root_submit(g, 0x26, &five, 4);
    proto_dev_wait_idle(core_of(dev));
    CHECK(proto_iosurface_get(core_of(dev), 6) == NULL);
    CHECK(proto_iosurface_get(core_of(dev), 5) == NULL);
    CHECK_EQ_U32(proto_iosurface_count(core_of(dev)), 2); /* 1 and 9 */

    /* Item 96: 0x16 with a 236-byte payload: count 5 is the layer form (a present), 7 legacy. */
    uint8_t t[236] = { 0 };
    put32(t + 8, 5);
    uint64_t presents = info.guest_present_count;
    uint64_t display_errors = gerr_count(dev, UT_GERR_DISPLAY);
    guestsim_channel_submit(g, 5, 0x16, t, sizeof(t));
    put32(t + 8, 7);
    guestsim_channel_submit(g, 5, 0x16, t, sizeof(t));
    proto_dev_wait_idle(core_of(dev));
    lagfx_display_get_info(d, &info);
    CHECK_EQ_U64(info.guest_present_count, presents + 1);
    CHECK_EQ_U64(gerr_count(dev, UT_GERR_DISPLAY), display_errors); /* both forms decoded */
    /* A present on the pipe counts too. */
    uint32_t sub[2] = { 0, 0 };
    guestsim_channel_submit(g, 5, 0x02, sub, 8);
    proto_dev_wait_idle(core_of(dev));
    lagfx_display_get_info(d, &info);
    CHECK_EQ_U64(info.guest_present_count, presents + 2);

    /* Item 97: sub-ring records beyond the fifth are ignored and the pipe keeps draining. */
    uint8_t sr[44] = { 0 };
    uint32_t last = 0;
    for (int i = 0; i < 7; i++)
        last = guestsim_channel_submit(g, 5, 0x04, sr, 44);
    CHECK_EQ_U32(guestsim_stamp(g, 5), last);
    proto_dev_wait_idle(core_of(dev));
    CHECK_EQ_U32(core_of(dev)->displays[0].subring_count, 5);

    CHECK_EQ_U64(guestsim_bad_vectors(g), 0);
    lagfx_display_free(d);
    guestsim_free(g);
    return check_finish();
}
