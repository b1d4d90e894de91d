/* SPDX-License-Identifier: MIT */
/*
 * Channels 1-12 (protocol.md §7; §19 items 26, 28-36): descriptor write-back at +0x04 only,
 * headers straddling non-adjacent descending ring pages, u32 pointer wrap, a zero ring PFN, a
 * zero PFN-array entry inside the span, doorbell decoding, rebuilt channels, the first pipe
 * command and DefineChildChannel re-adopting the guest's read pointer.
 */
#include "check.h"
#include "common.h"
#include "guestsim.h"

static void
settle(void)
{
    struct timespec nap = { 0, 30 * 1000000 };
    nanosleep(&nap, NULL);
}

static void
desc(struct guestsim *g, uint32_t ch, uint8_t out[20])
{
    for (int i = 0; i < 5; i++) { /* word by word, atomically: the device writes +0x04 */
        uint32_t v = guestsim_read32(g, guestsim_descriptor_gpa(ch) + 4u * i);
        memcpy(out + 4 * i, &v, 4);
    }
}

int
main(void)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.displays = 2;
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    lagfx_device_t *dev = guestsim_device(g);
    REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);
    REQUIRE(guestsim_boot_burst(g) == LAGFX_OK);
    REQUIRE(guestsim_boot_channels(g) == LAGFX_OK);
    uint32_t ev36[2] = { 7, 1 };

    /* Item 28: after a drain, +0x04 = write_ptr; +0x00-0x03 and +0x08-0x13 untouched. */
    {
        guestsim_channel_put(g, 1, 0x36, ev36, 8);
        uint32_t s = guestsim_channel_put(g, 1, 0x36, ev36, 8);
        guestsim_channel_doorbell(g, 1);
        uint8_t before[20];
        desc(g, 1, before);
        CHECK(guestsim_wait_stamp(g, 1, s, 2000));
        settle();
        uint8_t after[20];
        desc(g, 1, after);
        CHECK_MEM(after, before, 4);
        CHECK_MEM(after + 8, before + 8, 12);
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(1) + 4), 40);
    }

    /* Item 26: slot 3's cell is at stamp page + 0x0C; ring data + 0x0C is untouched. */
    {
        uint32_t ring_word = guestsim_read32(g, 0x23EB7000 + 0x0C);
        uint32_t s = guestsim_channel_submit(g, 3, 0x36, ev36, 8);
        CHECK_EQ_U32(guestsim_read32(g, ((uint64_t)GUESTSIM_ROOT_BASE_PFN << 12) + 0x0C), s);
        CHECK_EQ_U32(guestsim_read32(g, 0x23EB7000 + 0x0C), ring_word);
    }

    /* Item 29: 16 descending pages; a 20-byte command whose header is at 0x0FFC. */
    {
        guestsim_channel_rebuild(g, 2);
        guestsim_channel_reverse_pages(g, 2);
        uint8_t pad[0xFFC - 12] = { 0 };
        guestsim_channel_put(g, 2, 0x36, pad, sizeof(pad)); /* 0x000-0xFFB */
        CHECK_EQ_U32(guestsim_channel_wptr(g, 2), 0xFFC);
        uint32_t obj[2] = { 1, 0x13 };
        uint32_t s = guestsim_channel_put(g, 2, 0x25, obj, 8); /* SetObjectAndPlacementList */
        guestsim_channel_doorbell(g, 2);
        CHECK(guestsim_wait_stamp(g, 2, s, 2000));
        settle();
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(2) + 4), 0x1010);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_RING_HEADER), 0);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_OUTER_PAYLOAD), 0);
    }

    /* Item 30: rp = 0xFFFFFFF0 and 32 bytes of commands: read_ptr becomes 0x10. */
    {
        guestsim_channel_rebuild(g, 4);
        guestsim_channel_set_pointers(g, 4, 0xFFFFFFF0u);
        guestsim_channel_put(g, 4, 0x36, ev36, 8);              /* 20 bytes */
        uint32_t s = guestsim_channel_put(g, 4, 0x34, NULL, 0); /* 12 bytes */
        guestsim_channel_doorbell(g, 4);
        CHECK(guestsim_wait_stamp(g, 4, s, 2000));
        settle();
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(4) + 4), 0x10);
    }

    /* Item 31: ring PFN 0: the doorbell changes nothing. */
    {
        uint64_t d = guestsim_descriptor_gpa(3);
        uint32_t pfn = guestsim_read32(g, d + 0x10);
        uint32_t cell = guestsim_stamp(g, 3);
        uint32_t rp = guestsim_read32(g, d + 4);
        guestsim_write32(g, d + 0x10, 0);
        guestsim_channel_put(g, 3, 0x36, ev36, 8);
        guestsim_channel_doorbell(g, 3);
        settle();
        CHECK_EQ_U32(guestsim_stamp(g, 3), cell);
        CHECK_EQ_U32(guestsim_read32(g, d + 4), rp);
        guestsim_write32(g, d + 0x10, pfn); /* restore: the pending command now runs */
        guestsim_channel_doorbell(g, 3);
        CHECK(guestsim_wait_stamp(g, 3, cell + 1, 2000));
    }

    /* Item 32: a zero PFN-array entry: the drain stops before the command touching it. */
    {
        guestsim_channel_rebuild(g, 1);
        uint8_t pad[0xFF0 - 12] = { 0 };
        uint32_t s0 = guestsim_channel_put(g, 1, 0x36, pad, sizeof(pad)); /* 0x000-0xFEF */
        guestsim_channel_put(g, 1, 0x36, ev36, 8);                        /* 0xFF0-0x1003 */
        guestsim_channel_put(g, 1, 0x36, ev36, 8);
        uint32_t arr = guestsim_channel_ring_pfn(g, 1);
        uint64_t entry1 = ((uint64_t)arr << 12) + 4;
        uint32_t saved = guestsim_read32(g, entry1);
        guestsim_write32(g, entry1, 0);
        guestsim_channel_doorbell(g, 1);
        CHECK(guestsim_wait_stamp(g, 1, s0, 2000));
        settle();
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(1) + 4), 0xFF0);
        CHECK_EQ_U32(guestsim_stamp(g, 1), s0);
        guestsim_write32(g, entry1, saved);
        guestsim_channel_doorbell(g, 1);
        CHECK(guestsim_wait_stamp(g, 1, s0 + 2, 2000));
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(1) + 4), 0x1018);
    }

    /* Item 33: W 0x1020 = 0x105 drains channel 5; W 0x1020 = 13 changes nothing. */
    {
        uint32_t ack[2] = { 0, 1 };
        uint32_t s = guestsim_channel_put(g, 5, 0x10, ack, 8);
        __atomic_store_n((uint32_t *)(guestsim_ram(g) + guestsim_descriptor_gpa(5)),
                         guestsim_channel_wptr(g, 5), __ATOMIC_RELEASE);
        guestsim_mmio_write(g, 0x1020, 0x105);
        CHECK(guestsim_wait_stamp(g, 5, s, 2000));
        uint64_t before = gerr_count(dev, UT_GERR_CHANNEL);
        CHECK_STATUS(guestsim_mmio_write(g, 0x1020, 13), LAGFX_OK);
        settle();
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_CHANNEL), before + 1);
    }

    /* Item 34: a rebuilt channel (new ring PFN, pointers 0) processes both new commands. */
    {
        guestsim_channel_rebuild(g, 2);
        guestsim_channel_put(g, 2, 0x36, ev36, 8);
        uint32_t s = guestsim_channel_put(g, 2, 0x36, ev36, 8);
        guestsim_channel_doorbell(g, 2);
        CHECK(guestsim_wait_stamp(g, 2, s, 2000));
        settle();
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(2) + 4), 40);
    }

    /* Item 35: a pipe's first command 0x01 (write_ptr 0x14): read_ptr 0x14, slot 6 stamp. */
    {
        CHECK_STATUS(guestsim_display_bringup(g, 1, false), LAGFX_OK);
        settle();
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(6)), 0x14);
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(6) + 4), 0x14);
        CHECK_EQ_U32(guestsim_stamp(g, 6), 1);
    }

    /* Item 36: 0x30 {3}, then channel 3 with read_ptr 0x40, write_ptr 0x50: starts at 0x40. */
    {
        guestsim_channel_rebuild(g, 3);
        uint32_t s = guestsim_channel_submit(g, 3, 0x36, ev36, 8); /* host caches the ring */
        guestsim_channel_set_pointers(g, 3, 0x40);
        uint32_t ch = 3;
        guestsim_root_submit(g, 0x30, &ch, 4);
        uint32_t four = 0;
        uint32_t s2 = guestsim_channel_put(g, 3, 0x34, &four, 4); /* 16 bytes: 0x40-0x4F */
        CHECK_EQ_U32(guestsim_channel_wptr(g, 3), 0x50);
        guestsim_channel_doorbell(g, 3);
        CHECK(guestsim_wait_stamp(g, 3, s2, 2000));
        CHECK_EQ_U32(s2, s + 1);
        settle();
        CHECK_EQ_U32(guestsim_read32(g, guestsim_descriptor_gpa(3) + 4), 0x50);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_RING_HEADER), 0);
    }
    CHECK_EQ_U64(guestsim_bad_vectors(g), 0);
    guestsim_free(g);
    return check_finish();
}
