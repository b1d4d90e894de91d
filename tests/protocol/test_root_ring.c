/* SPDX-License-Identifier: MIT */
/*
 * The root ring (protocol.md §5; §19 items 15-24): no drain before arming, invalid geometry,
 * a header straddling the end of a 4 KiB ring, absolute write pointers, invalid headers and
 * the plausible-target rule, a sentinel at wp, too-long commands, unknown opcodes logged once,
 * and more than one turn's worth of commands behind one doorbell.
 */
#include <stdlib.h>

#include "check.h"
#include "common.h"
#include "guestsim.h"

#define RING_DATA 0x23EB7000ull

static struct guestsim *
sim(uint32_t root_size)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.root_size = root_size;
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    return g;
}

static void
program_geometry(struct guestsim *g, uint32_t size, uint32_t start)
{
    guestsim_mmio_write(g, 0x101C, GUESTSIM_SHARED_PFN);
    guestsim_mmio_write(g, 0x1030, GUESTSIM_ROOT_BASE_PFN);
    guestsim_mmio_write(g, 0x1004, size);
    guestsim_mmio_write(g, 0x1010, start);
}

static void
settle(void)
{
    struct timespec nap = { 0, 30 * 1000000 };
    nanosleep(&nap, NULL);
}

int
main(void)
{
    lagfx_set_log_handler(count_warns, NULL);

    /* Item 15: doorbells before arming do nothing; after arming the same wp drains. */
    {
        struct guestsim *g = sim(0);
        program_geometry(g, 0x10000, 0x1000);
        uint32_t s = guestsim_root_put(g, 0x0E, NULL, 0);
        guestsim_root_doorbell(g);
        settle();
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 0);
        CHECK_EQ_U32(guestsim_stamp(g, 0), 0);
        guestsim_mmio_write(g, 0x1000, 1);
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 0);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, s, 2000));
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 12);
        guestsim_free(g);
    }

    /* Item 16: RING_START 0x40 (stamp cells would overlap) leaves the ring disarmed. */
    {
        struct guestsim *g = sim(0);
        program_geometry(g, 0x10000, 0x40);
        guestsim_mmio_write(g, 0x1000, 1);
        uint8_t h[12];
        hdr12(h, 0x0E, 12, 1);
        guestsim_write(g, ((uint64_t)GUESTSIM_ROOT_BASE_PFN << 12) + 0x40, h, 12);
        guestsim_mmio_write(g, 0x1008, 12);
        settle();
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 0);
        CHECK_EQ_U32(guestsim_stamp(g, 0), 0);
        CHECK(gerr_count(guestsim_device(g), UT_GERR_RING_GEOMETRY) == 1);
        guestsim_free(g);
    }

    /* Item 17: 4 KiB ring, rp = 0xFF8, a 16-byte NOP whose header straddles the end. */
    {
        struct guestsim *g = sim(0x1000);
        REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);
        uint8_t pad[2044 - 12] = { 0 };
        guestsim_root_submit(g, 0x0E, pad, sizeof(pad));
        guestsim_root_submit(g, 0x0E, pad, sizeof(pad));
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 0xFF8);
        uint32_t payload = 0xDEADBEEF;
        uint32_t s = guestsim_root_put(g, 0x0E, &payload, 4);
        CHECK_EQ_U32(guestsim_root_wptr(g), 0x008);
        /* The header really is split: 8 bytes at the end, 4 at the start. */
        CHECK_EQ_U32(guestsim_read32(g, RING_DATA + 0xFFC), 16);
        CHECK_EQ_U32(guestsim_read32(g, RING_DATA + 0x000), s);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, s, 2000));
        CHECK_EQ_U32(guestsim_stamp(g, 0), s);
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 0x008);
        guestsim_free(g);
    }

    /* Item 18: W 0x1008 = size + 0x1C (absolute) drains exactly like 0x1C. */
    {
        struct guestsim *g = sim(0);
        REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);
        uint8_t p[16] = { 0 };
        uint32_t s = guestsim_root_put(g, 0x0E, p, 16);
        CHECK_EQ_U32(guestsim_root_wptr(g), 0x1C);
        guestsim_mmio_write(g, 0x1008, 0x10000 + 0x1C);
        CHECK(guestsim_wait_stamp(g, 0, s, 2000));
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 0x1C);
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x1008), 0x1001C); /* the shadow keeps the value */
        guestsim_free(g);
    }

    /* Items 19-23. */
    {
        struct guestsim *g = sim(0);
        lagfx_device_t *dev = guestsim_device(g);
        REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);
        uint32_t s1 = guestsim_root_submit(g, 0x0E, NULL, 0);
        CHECK_EQ_U32(guestsim_stamp(g, 0), s1);

        /* 19a: length 0xFFFFFFFF with an implausible stamp: rp = wp, cell unchanged. */
        uint8_t h[24] = { 0 };
        hdr12(h, 0x0E, 0xFFFFFFFF, s1 + 0x20000);
        guestsim_root_put_raw(g, h, 24);
        guestsim_root_doorbell(g);
        settle();
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), guestsim_root_wptr(g));
        CHECK_EQ_U32(guestsim_stamp(g, 0), s1);
        /* 19b: the same with S = cur + 3: the cell takes S. */
        hdr12(h, 0x0E, 0xFFFFFFFF, s1 + 3);
        guestsim_root_put_raw(g, h, 24);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, s1 + 3, 2000));
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), guestsim_root_wptr(g));
        /* 19c: the next valid command at wp is processed. */
        hdr12(h, 0x0E, 12, s1 + 4);
        guestsim_root_put_raw(g, h, 12);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, s1 + 4, 2000));

        /* 20: a sentinel at wp is never read: no new header error. */
        uint64_t errs = gerr_count(dev, UT_GERR_RING_HEADER);
        uint32_t wp = guestsim_root_wptr(g);
        hdr12(h, 0x0E, 12, s1 + 5);
        guestsim_root_put_raw(g, h, 12);
        uint8_t sentinel[12];
        hdr12(sentinel, 0, 0xFFFFFFFF, 0);
        guestsim_write(g, RING_DATA + wp + 12, sentinel, 12);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, s1 + 5, 2000));
        settle();
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), wp + 12);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_RING_HEADER), errs);

        /* 21: length 8 at rp: the rest of the batch is discarded (rp = wp). */
        hdr12(h, 0x0E, 8, s1 + 6);
        guestsim_root_put_raw(g, h, 12);
        hdr12(h, 0x0E, 12, s1 + 7);
        guestsim_root_put_raw(g, h, 12);
        guestsim_root_doorbell(g);
        settle();
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), guestsim_root_wptr(g));
        CHECK_EQ_U32(guestsim_stamp(g, 0), s1 + 6); /* plausible target of the bad header */
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_RING_HEADER), errs + 1);

        /* 22: a 0x9000-byte command within the span is skipped by length, stamp completed. */
        uint8_t *big = calloc(1, 0x9000);
        hdr12(big, 0x0E, 0x9000, s1 + 8);
        guestsim_root_put_raw(g, big, 0x9000);
        free(big);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, s1 + 8, 2000));
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), guestsim_root_wptr(g));
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_RING_LENGTH), 1);

        /* 23: unknown opcode 0x7F: stamp completed, one WARN; a second: no more WARN. */
        warn_needle = "op=0x7f";
        hdr12(h, 0x7F, 12, s1 + 9);
        guestsim_root_put_raw(g, h, 12);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, s1 + 9, 2000));
        CHECK_EQ_INT(atomic_load(&warn_hits), 1);
        hdr12(h, 0x7F, 12, s1 + 10);
        guestsim_root_put_raw(g, h, 12);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, s1 + 10, 2000));
        CHECK_EQ_INT(atomic_load(&warn_hits), 1);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_UNKNOWN_OUTER), 2);
        warn_needle = NULL;
        guestsim_free(g);
    }

    /* Item 24: 150 commands behind one doorbell (more than a 128-command turn). */
    {
        struct guestsim *g = sim(0);
        REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);
        uint32_t last = 0;
        for (int i = 0; i < 150; i++)
            last = guestsim_root_put(g, 0x0E, NULL, 0);
        CHECK_EQ_U32(last, 150);
        guestsim_root_doorbell(g);
        CHECK(guestsim_wait_stamp(g, 0, last, 2000));
        CHECK_EQ_U32(guestsim_stamp(g, 0), 150);
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 150 * 12);
        guestsim_free(g);
    }
    lagfx_set_log_handler(NULL, NULL);
    return check_finish();
}
