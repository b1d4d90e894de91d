/* SPDX-License-Identifier: MIT */
/*
 * Range-table tasks (protocol.md §9.6, §17.2, §19 item 51): MapMemory2 ranges placed back to
 * back from their VA offset, UnmapMemory splitting what it cuts, a map over mapped VA replacing
 * it, the 1024-range cap, and refusals (unaligned, overflowing, outside the space) that change
 * nothing. Reads through a context cross from one range into the next; read-only ranges refuse
 * writes.
 */
#include <libapplegfx-vulkan.h>

#include "memory/xlate.h"
#include "memtest.h"

static uint64_t
look(struct mem_rangetable *rt, uint64_t va)
{
    uint64_t gpa = 0, run = 0;
    enum mem_xlate_error err = mem_rangetable_lookup(rt, va, &gpa, &run, NULL);
    if (err != MEM_XLATE_OK)
        return 0xE0000000ull + err;
    CHECK_EQ_U64(run, 0x1000 - (va & 0xFFF));
    return gpa;
}

int
main(void)
{
    struct mem_rangetable *rt = NULL;
    CHECK_STATUS(mem_rangetable_new(0, &rt), LAGFX_ERROR_INVALID_ARGUMENT);

    /* §19 item 51: 0x00 {7, 0, 0x100000, 0}; 0x02 {7, 0, 0, 2, {0x50000, 0x1000},
     * {0x80000, 0x2000}}; VA 0x1800 → 0x80800; 0x03 {7, 0x1000, 0x2000}: VA 0x1800 fails. */
    REQUIRE(mem_rangetable_new(0x100000, &rt) == LAGFX_OK);
    lagfx_phys_range_t two[2] = { { 0x50000, 0x1000 }, { 0x80000, 0x2000 } };
    CHECK_STATUS(mem_rangetable_map(rt, 0, two, 2, false), LAGFX_OK);
    CHECK_EQ_U64(look(rt, 0x1800), 0x80800);
    CHECK_EQ_U64(look(rt, 0x0), 0x50000);
    CHECK_EQ_U64(look(rt, 0xFFF), 0x50FFF);
    CHECK_EQ_U64(look(rt, 0x2FFF), 0x81FFF);
    CHECK_EQ_U64(look(rt, 0x3000), 0xE0000000ull + MEM_XLATE_UNMAPPED);
    CHECK_STATUS(mem_rangetable_unmap(rt, 0x1000, 0x2000), LAGFX_OK);
    CHECK_EQ_U64(look(rt, 0x1800), 0xE0000000ull + MEM_XLATE_UNMAPPED);
    CHECK_EQ_U64(look(rt, 0x0800), 0x50800);
    CHECK_EQ_U32(mem_rangetable_count(rt), 1);

    /* Unmap in the middle splits one range in two. */
    lagfx_phys_range_t big = { 0x200000, 0x8000 };
    CHECK_STATUS(mem_rangetable_map(rt, 0x10000, &big, 1, false), LAGFX_OK);
    CHECK_STATUS(mem_rangetable_unmap(rt, 0x12000, 0x3000), LAGFX_OK);
    CHECK_EQ_U32(mem_rangetable_count(rt), 3);
    CHECK_EQ_U64(look(rt, 0x11004), 0x201004);
    CHECK_EQ_U64(look(rt, 0x12004), 0xE0000000ull + MEM_XLATE_UNMAPPED);
    CHECK_EQ_U64(look(rt, 0x14FFF), 0xE0000000ull + MEM_XLATE_UNMAPPED);
    CHECK_EQ_U64(look(rt, 0x15000), 0x205000);
    CHECK_EQ_U64(look(rt, 0x17FFF), 0x207FFF);
    /* An unmap across the split pieces' edges trims both. */
    CHECK_STATUS(mem_rangetable_unmap(rt, 0x11000, 0x5000), LAGFX_OK);
    CHECK_EQ_U64(look(rt, 0x10FFF), 0x200FFF);
    CHECK_EQ_U64(look(rt, 0x11000), 0xE0000000ull + MEM_XLATE_UNMAPPED);
    CHECK_EQ_U64(look(rt, 0x16000), 0x206000);
    CHECK_EQ_U32(mem_rangetable_count(rt), 3);

    /* A map over mapped VA replaces it (and only it). */
    lagfx_phys_range_t over = { 0x300000, 0x2000 };
    CHECK_STATUS(mem_rangetable_map(rt, 0x10000, &over, 1, false), LAGFX_OK);
    CHECK_EQ_U64(look(rt, 0x10000), 0x300000);
    CHECK_EQ_U64(look(rt, 0x11FFF), 0x301FFF);
    CHECK_EQ_U64(look(rt, 0x16000), 0x206000);
    CHECK_STATUS(mem_rangetable_map(rt, 0x0F000, &over, 1, false), LAGFX_OK);
    CHECK_EQ_U64(look(rt, 0x0F000), 0x300000);
    CHECK_EQ_U64(look(rt, 0x10000), 0x301000);
    CHECK_EQ_U64(look(rt, 0x11000), 0x301000); /* the tail of the earlier 0x10000 mapping */

    /* Refusals change nothing. */
    uint32_t before = mem_rangetable_count(rt);
    lagfx_phys_range_t bad[] = {
        { 0x1001, 0x1000 },                /* unaligned gpa */
        { 0x1000, 0x1001 },                /* unaligned length */
        { 0x1000, 0 },                     /* empty */
        { 0xFFFFFFFFFFFFF000ull, 0x2000 }, /* gpa + length overflows */
        { 0x1000, 0x100000 },              /* beyond the space from VA 0x1000 */
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_STATUS(mem_rangetable_map(rt, 0x1000, &bad[i], 1, false),
                     LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(mem_rangetable_map(rt, 0x800, two, 2, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(mem_rangetable_map(rt, 0xFF000, two, 2, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(mem_rangetable_map(rt, 0, NULL, 1, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(mem_rangetable_unmap(rt, 0x800, 0x1000), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(mem_rangetable_unmap(rt, 0x1000, 0x800), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(mem_rangetable_unmap(rt, 0xFF000, 0x2000), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(mem_rangetable_unmap(rt, 0xFFFFFFFFFFFFF000ull, 0x2000),
                 LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_EQ_U32(mem_rangetable_count(rt), before);
    CHECK_EQ_U64(look(rt, 0x0F000), 0x300000);
    CHECK_EQ_U64(look(rt, 0x100000), 0xE0000000ull + MEM_XLATE_OUTSIDE_SPACE);
    CHECK_STATUS(mem_rangetable_map(rt, 0, two, 0, false), LAGFX_OK); /* nothing to do */
    CHECK_STATUS(mem_rangetable_unmap(rt, 0, 0), LAGFX_OK);
    mem_rangetable_free(rt);

    /* Cap: 1024 ranges per call pass, 1025 are refused (§17.2). */
    static lagfx_phys_range_t many[1025];
    for (unsigned i = 0; i < 1025; i++)
        many[i] = (lagfx_phys_range_t){ 0x1000000 + 0x2000ull * i, 0x1000 };
    REQUIRE(mem_rangetable_new(1ull << 40, &rt) == LAGFX_OK);
    CHECK_STATUS(mem_rangetable_map(rt, 0, many, 1025, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_EQ_U32(mem_rangetable_count(rt), 0);
    CHECK_STATUS(mem_rangetable_map(rt, 0, many, 1024, false), LAGFX_OK);
    CHECK_EQ_U32(mem_rangetable_count(rt), 1024);
    CHECK_EQ_U64(look(rt, 0x3FF123), 0x1000000 + 0x2000ull * 1023 + 0x123);

    /* Reads through a context cross ranges; read-only ranges refuse writes. */
    struct ram r;
    ram_init(&r, 0, 0x10000);
    struct mem_guest *g = guest_over(&r, 1);
    ram_fill_pattern(&r, 0, 0x10000);
    lagfx_phys_range_t rw[2] = { { 0x5000, 0x1000 }, { 0x2000, 0x1000 } };
    lagfx_phys_range_t ro = { 0x8000, 0x1000 };
    REQUIRE(mem_rangetable_map(rt, 0x10000000, rw, 2, false) == LAGFX_OK);
    REQUIRE(mem_rangetable_map(rt, 0x10002000, &ro, 1, true) == LAGFX_OK);
    struct mem_space s = { .root_pfn = 0, .ranges = rt };
    struct mem_xlate x;
    uint8_t buf[0x20], want[0x20];
    memcpy(want, ram_at(&r, 0x5FF0), 0x10);
    memcpy(want + 0x10, ram_at(&r, 0x2000), 0x10);
    mem_xlate_begin(&x, g, &s);
    CHECK(mem_xlate_read(&x, 0x10000FF0, buf, 0x20));
    CHECK_MEM(buf, want, 0x20);
    memset(buf, 0x5A, sizeof(buf));
    CHECK(mem_xlate_write(&x, 0x10001FF0, buf, 0x10));
    CHECK_EQ_U32(*ram_at(&r, 0x2FF0), 0x5A);
    CHECK(!mem_xlate_write(&x, 0x10002000, buf, 0x10));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_READ_ONLY);
    CHECK_EQ_U32(*ram_at(&r, 0x8000), pattern_byte(0x8000));
    CHECK(mem_xlate_read(&x, 0x10002000, buf, 0x10));
    CHECK_EQ_U32(buf[0], pattern_byte(0x8000));
    mem_xlate_end(&x);

    mem_guest_free(g);
    ram_fini(&r);
    mem_rangetable_free(rt);
    return check_finish();
}
