/* SPDX-License-Identifier: MIT */
/*
 * The display online handshake (protocol.md §15.2-§15.3; §19 items 88-90): the shared-state
 * page written on 0x01 exactly as the table says, the online event within 100 ms of the guest's
 * enable write for one and two displays, only once per 0x01, the 1 s fallback when the guest
 * never enables, and a port plugged only after its 0x01.
 */
#include <string.h>
#include <time.h>

#include "check.h"
#include "guestsim.h"

static uint64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t
events(struct guestsim *g, uint32_t port)
{
    return __atomic_load_n(
        (uint32_t *)(guestsim_ram(g) + guestsim_shared_state_gpa(g, port) + 0x100),
        __ATOMIC_ACQUIRE);
}

/* Waits for bit 0x4 at +0x100; returns ms waited or UINT64_MAX. */
static uint64_t
wait_online(struct guestsim *g, uint32_t port, uint32_t limit_ms)
{
    uint64_t t0 = now_ms();
    while (now_ms() - t0 <= limit_ms) {
        if (events(g, port) & 0x4)
            return now_ms() - t0;
        struct timespec nap = { 0, 200000 };
        nanosleep(&nap, NULL);
    }
    return UINT64_MAX;
}

static void
check_page(struct guestsim *g, uint32_t port, uint32_t w, uint32_t h, const char *name)
{
    const uint8_t *p = guestsim_ram(g) + guestsim_shared_state_gpa(g, port);
    uint32_t u32;
    uint16_t u16;
    memcpy(&u32, p + 0x000, 4);
    CHECK_EQ_U32(u32, 1);
    CHECK(memcmp(p + 0x004, name, strlen(name) + 1) == 0);
    memcpy(&u16, p + 0x012, 2);
    CHECK_EQ_U32(u16, port);
    memcpy(&u16, p + 0x014, 2);
    CHECK_EQ_U32(u16, w);
    memcpy(&u16, p + 0x016, 2);
    CHECK_EQ_U32(u16, h);
    memcpy(&u16, p + 0x018, 2);
    CHECK_EQ_U32(u16, 64);
    memcpy(&u16, p + 0x01A, 2);
    CHECK_EQ_U32(u16, 64);
    memcpy(&u32, p + 0x01C, 4);
    CHECK_EQ_U32(u32, 0);
    memcpy(&u32, p + 0x020, 4);
    CHECK_EQ_U32(u32, w * h * 4);
    memcpy(&u32, p + 0x200, 4);
    CHECK_EQ_U32(u32, 0);
    memcpy(&u16, p + 0x208, 2);
    CHECK_EQ_U32(u16, 1);
    memcpy(&u32, p + 0x210, 4);
    CHECK_EQ_U32(u32, w);
    memcpy(&u32, p + 0x214, 4);
    CHECK_EQ_U32(u32, h);
    CHECK(memcmp(p + 0x218, "BGRA", 4) == 0);
    memcpy(&u32, p + 0x21C, 4);
    CHECK_EQ_U32(u32, 0);
    /* Nothing else on the page is written: 0x024-0x0FF, 0x108-0x1FF, 0x220 onward. */
    uint8_t zero[4096] = { 0 };
    CHECK_MEM(p + 0x024, zero, 0x100 - 0x024);
    CHECK_MEM(p + 0x108, zero, 0x200 - 0x108);
    CHECK_MEM(p + 0x220, zero, 4096 - 0x220);
}

static struct guestsim *
booted(uint32_t displays, const lagfx_display_mode_t *modes)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.displays = displays;
    for (uint32_t i = 0; i < displays; i++)
        cfg.modes[i] = modes[i];
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);
    REQUIRE(guestsim_boot_burst(g) == LAGFX_OK);
    REQUIRE(guestsim_boot_channels(g) == LAGFX_OK);
    return g;
}

int
main(void)
{
    static const lagfx_display_mode_t modes[2] = { { 1920, 1080, 60000 }, { 1280, 800, 60000 } };

    /* Items 88, 89 with one and with two displays. */
    for (uint32_t n = 1; n <= 2; n++) {
        struct guestsim *g = booted(n, modes);
        for (uint32_t port = 0; port < n; port++) {
            CHECK_STATUS(guestsim_display_bringup(g, port, false), LAGFX_OK);
            check_page(g, port, modes[port].width, modes[port].height,
                       port == 0 ? "1920x1080" : "1280x800");
            /* The host never writes the event words before the guest enables. */
            CHECK_EQ_U32(events(g, port), 0);
            uint32_t enable = guestsim_read32(g, guestsim_shared_state_gpa(g, port) + 0x104);
            CHECK_EQ_U32(enable, 0);
            guestsim_mmio_read(g, 0x1014); /* clear earlier bits */
            uint64_t irqs = guestsim_irq_count(g);
            guestsim_write32(g, guestsim_shared_state_gpa(g, port) + 0x104, 0xC);
            uint64_t ms = wait_online(g, port, 500);
            CHECK(ms <= 100);
            CHECK(guestsim_wait_irq(g, irqs, 100));
            CHECK_EQ_U32(guestsim_mmio_read(g, 0x1014), 1u << port);
            lagfx_display_info_t info = { .struct_size = sizeof(info) };
            CHECK_STATUS(lagfx_display_get_info(guestsim_display(g, port), &info), LAGFX_OK);
            CHECK_EQ_U32(info.flags & LAGFX_DISPLAY_INFO_ONLINE, LAGFX_DISPLAY_INFO_ONLINE);
            CHECK_EQ_U32(info.width, modes[port].width);
        }
        /* No second online event: the guest claims the bit, nothing sets it again. */
        for (uint32_t port = 0; port < n; port++)
            guestsim_write32(g, guestsim_shared_state_gpa(g, port) + 0x100, 0);
        struct timespec nap = { 0, 120 * 1000000 };
        nanosleep(&nap, NULL);
        for (uint32_t port = 0; port < n; port++)
            CHECK_EQ_U32(events(g, port), 0);
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x1014), 0);
        guestsim_free(g);
    }

    /* Item 90: a guest that never enables gets the event 1000 ms (± 50) after 0x01. */
    {
        struct guestsim *g = booted(1, modes);
        uint64_t t0 = now_ms();
        CHECK_STATUS(guestsim_display_bringup(g, 0, false), LAGFX_OK);
        CHECK_EQ_U32(events(g, 0), 0);
        uint64_t ms = wait_online(g, 0, 1500);
        uint64_t since = now_ms() - t0;
        CHECK(ms != UINT64_MAX);
        CHECK(since >= 950 && since <= 1050 + 20); /* 20 ms: the bring-up's own round trip */
        guestsim_free(g);
    }

    /* A port with no mode list: 0x01 waits; plugging it writes the page, then online. */
    {
        struct guestsim_config cfg;
        guestsim_config_init(&cfg);
        cfg.displays = 1;
        struct guestsim *g;
        REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
        guestsim_display_free(g, 0); /* replace the simulator's display by an unplugged one */
        lagfx_display_t *d;
        lagfx_display_descriptor_t pd;
        lagfx_display_descriptor_init(&pd);
        REQUIRE(lagfx_display_new(guestsim_device(g), &pd, 0, 7, &d) == LAGFX_OK);
        REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);
        REQUIRE(guestsim_boot_burst(g) == LAGFX_OK);
        REQUIRE(guestsim_boot_channels(g) == LAGFX_OK);
        CHECK_STATUS(guestsim_display_bringup(g, 0, false), LAGFX_OK);
        uint64_t page = guestsim_shared_state_gpa(g, 0);
        CHECK_EQ_U32(guestsim_read32(g, page), 0); /* not written: unplugged */
        guestsim_write32(g, page + 0x104, 0xC);
        struct timespec nap = { 0, 60 * 1000000 };
        nanosleep(&nap, NULL);
        CHECK_EQ_U32(events(g, 0), 0); /* no online event for an unplugged port */
        lagfx_display_mode_t m = { 1024, 768, 60000 };
        CHECK_STATUS(lagfx_display_set_mode_list(d, &m, 1), LAGFX_OK);
        CHECK(wait_online(g, 0, 500) <= 100);
        check_page(g, 0, 1024, 768, "1024x768");
        lagfx_display_free(d);
        guestsim_free(g);
    }
    return check_finish();
}
