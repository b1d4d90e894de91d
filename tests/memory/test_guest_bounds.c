/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM bounds in the region model (api.md §5.4; protocol.md §17.1): reads and writes that
 * straddle a region's end, overflow gpa + len or touch a gap fail (reads zero-filled, writes
 * write nothing); ranges spanning two adjacent regions work; read-only regions refuse writes
 * and views for writing; u32 helpers and views stay inside; mark_dirty reports exactly the
 * bytes written.
 */
#include <libapplegfx-vulkan.h>

#include "memtest.h"

static lagfx_phys_range_t dirty[16];
static unsigned ndirty;

static void
mark_dirty(void *user, const lagfx_phys_range_t *ranges, uint32_t count)
{
    for (uint32_t i = 0; i < count && ndirty < 16; i++)
        dirty[ndirty++] = ranges[i];
}

int
main(void)
{
    /* A: [0x10000, 0x14000) and B: [0x14000, 0x16000) adjacent; C: [0x20000, 0x21000) read-only
     * after a gap. */
    struct ram a, b, c;
    ram_init(&a, 0x10000, 0x4000);
    ram_init(&b, 0x14000, 0x2000);
    ram_init(&c, 0x20000, 0x1000);
    ram_fill_pattern(&a, 0x10000, 0x4000);
    ram_fill_pattern(&b, 0x14000, 0x2000);
    ram_fill_pattern(&c, 0x20000, 0x1000);
    struct mem_guest_callbacks cb = { .mark_dirty = mark_dirty };
    struct mem_guest *g = NULL;
    REQUIRE(mem_guest_new(&cb, &g) == LAGFX_OK);
    CHECK(mem_guest_is_region_model(g));
    lagfx_ram_region_t regs[3] = { ram_region(&c, LAGFX_RAM_READ_ONLY), ram_region(&b, 0),
                                   ram_region(&a, 0) };
    REQUIRE(mem_guest_set_regions(g, regs, 3) == LAGFX_OK);
    CHECK_EQ_U32(mem_guest_region_count(g), 3);

    uint8_t buf[0x40], want[0x40];
    /* Across the A|B boundary. */
    memcpy(want, ram_at(&a, 0x13FF0), 0x10);
    memcpy(want + 0x10, ram_at(&b, 0x14000), 0x10);
    CHECK(mem_guest_read(g, 0x13FF0, buf, 0x20));
    CHECK_MEM(buf, want, 0x20);
    CHECK(mem_guest_contains(g, 0x10000, 0x6000));
    /* Straddling B's end into the gap: fails, zero-filled. */
    memset(buf, 0xAA, sizeof(buf));
    CHECK(!mem_guest_read(g, 0x15FF0, buf, 0x11));
    for (int i = 0; i < 0x11; i++)
        CHECK_EQ_U32(buf[i], 0);
    CHECK_EQ_U32(buf[0x11], 0xAA);
    CHECK(mem_guest_read(g, 0x15FF0, buf, 0x10));
    CHECK(!mem_guest_contains(g, 0x15FF0, 0x11));
    CHECK(!mem_guest_contains(g, 0xFFFF, 1));
    CHECK(!mem_guest_read(g, 0xFFFF, buf, 2)); /* straddles A's start */
    CHECK(!mem_guest_read(g, 0x21000, buf, 1));
    /* gpa + len overflowing, and huge lengths. */
    CHECK(!mem_guest_read(g, 0xFFFFFFFFFFFFFFF0ull, buf, 0x20));
    CHECK(!mem_guest_contains(g, 0x10000, UINT64_MAX));
    CHECK(!mem_guest_contains(g, UINT64_MAX, 2));
    CHECK(mem_guest_contains(g, 0x10000, 0)); /* empty range */

    /* Writes: across A|B, marked dirty exactly once. */
    memset(buf, 0x3C, sizeof(buf));
    ndirty = 0;
    CHECK(mem_guest_write(g, 0x13FF8, buf, 0x10));
    CHECK_EQ_U32(*ram_at(&a, 0x13FFF), 0x3C);
    CHECK_EQ_U32(*ram_at(&b, 0x14007), 0x3C);
    CHECK_EQ_U32(*ram_at(&b, 0x14008), pattern_byte(0x14008));
    CHECK_EQ_U32(ndirty, 1);
    CHECK_EQ_U64(dirty[0].gpa, 0x13FF8);
    CHECK_EQ_U64(dirty[0].length, 0x10);
    /* Straddling into the gap: nothing written, nothing marked. */
    ndirty = 0;
    CHECK(!mem_guest_write(g, 0x15FF8, buf, 0x10));
    CHECK_EQ_U32(*ram_at(&b, 0x15FF8), pattern_byte(0x15FF8));
    CHECK(!mem_guest_write(g, 0xFFFFFFFFFFFFFFF8ull, buf, 0x10));
    /* Read-only region. */
    CHECK(!mem_guest_write(g, 0x20000, buf, 4));
    CHECK_EQ_U32(*ram_at(&c, 0x20000), pattern_byte(0x20000));
    CHECK(!mem_guest_write_u32(g, 0x20004, 1));
    CHECK(!mem_guest_or_u32(g, 0x20008, 1, NULL));
    CHECK_EQ_U32(*ram_at(&c, 0x20004), pattern_byte(0x20004));
    CHECK_EQ_U32(ndirty, 0);
    CHECK(mem_guest_read(g, 0x20000, buf, 4));
    CHECK_EQ_U32(buf[0], pattern_byte(0x20000));

    /* Views. */
    mem_guest_lock_shared(g);
    CHECK(mem_guest_view_locked(g, 0x13000, 0x1000, true) == ram_at(&a, 0x13000));
    CHECK(mem_guest_view_locked(g, 0x13000, 0x1001, false) == NULL); /* spans two regions */
    CHECK(mem_guest_view_locked(g, 0x20000, 0x1000, false) == c.host);
    CHECK(mem_guest_view_locked(g, 0x20000, 0x1000, true) == NULL);
    CHECK(mem_guest_view_locked(g, 0x1F000, 1, false) == NULL);
    CHECK(mem_guest_view_locked(g, 0x15FFF, UINT64_MAX, false) == NULL);
    /* mem_guest_read inside the bracket (the shared lock is recursive). */
    CHECK(mem_guest_read(g, 0x10000, buf, 1));
    lagfx_ram_region_t out;
    CHECK(mem_guest_region_at_locked(g, 0, &out));
    CHECK_EQ_U64(out.gpa, 0x10000);
    CHECK(mem_guest_region_at_locked(g, 2, &out));
    CHECK_EQ_U64(out.gpa, 0x20000);
    CHECK_EQ_U32(out.flags, LAGFX_RAM_READ_ONLY);
    CHECK(!mem_guest_region_at_locked(g, 3, &out));
    mem_guest_unlock_shared(g);

    /* u32 helpers: aligned (atomic), unaligned across A|B, outside. */
    uint32_t v = 0, old = 0;
    ndirty = 0;
    CHECK(mem_guest_write_u32(g, 0x11000, 0x11223344));
    CHECK_EQ_U32(ndirty, 1);
    CHECK_EQ_U64(dirty[0].gpa, 0x11000);
    CHECK_EQ_U64(dirty[0].length, 4);
    CHECK(mem_guest_read_u32(g, 0x11000, &v));
    CHECK_EQ_U32(v, 0x11223344);
    CHECK_EQ_U32(*ram_at(&a, 0x11000), 0x44); /* little-endian */
    CHECK(mem_guest_or_u32(g, 0x11000, 0x80000001u, &old));
    CHECK_EQ_U32(old, 0x11223344);
    CHECK(mem_guest_read_u32(g, 0x11000, &v));
    CHECK_EQ_U32(v, 0x91223345);
    CHECK(mem_guest_write_u32(g, 0x13FFE, 0xA1B2C3D4));
    CHECK_EQ_U32(*ram_at(&a, 0x13FFF), 0xC3);
    CHECK_EQ_U32(*ram_at(&b, 0x14000), 0xB2);
    CHECK(mem_guest_read_u32(g, 0x13FFE, &v));
    CHECK_EQ_U32(v, 0xA1B2C3D4);
    CHECK(mem_guest_or_u32(g, 0x13FFE, 0x0000000B, &old));
    CHECK_EQ_U32(old, 0xA1B2C3D4);
    CHECK(mem_guest_read_u32(g, 0x13FFE, &v));
    CHECK_EQ_U32(v, 0xA1B2C3DF);
    v = 0x1234;
    CHECK(!mem_guest_read_u32(g, 0x15FFE, &v));
    CHECK_EQ_U32(v, 0);
    CHECK(!mem_guest_read_u32(g, 0xFFFFFFFFFFFFFFFEull, &v));
    CHECK(!mem_guest_write_u32(g, 0x16000, 1));
    old = 7;
    CHECK(!mem_guest_or_u32(g, 0x16000, 1, &old));
    CHECK_EQ_U32(old, 0);

    /* An empty list makes every access fail. */
    CHECK_STATUS(mem_guest_set_regions(g, NULL, 0), LAGFX_OK);
    CHECK(!mem_guest_read(g, 0x10000, buf, 1));
    CHECK(!mem_guest_contains(g, 0x10000, 1));

    mem_guest_free(g);
    ram_fini(&a);
    ram_fini(&b);
    ram_fini(&c);
    return check_finish();
}
