/* SPDX-License-Identifier: MIT */
/*
 * Malformed tables fail with the right error and never touch memory outside guest RAM
 * (protocol.md §9.4, §17): levels 0 and 5, top PFN 0, root header outside RAM, a node outside
 * RAM, a data GPA outside RAM (translation succeeds, the access fails), a misaligned early leaf
 * at the top level, root PFN 0 and no space at all, and a 1-level table whose only node is the
 * last page of RAM.
 */
#include <libapplegfx-vulkan.h>

#include "memory/xlate.h"
#include "memtest.h"

static enum mem_xlate_error
xl(struct mem_guest *g, const struct mem_space *s, uint64_t va, uint64_t *gpa)
{
    struct mem_xlate x;
    uint64_t run = 0;
    mem_xlate_begin(&x, g, s);
    enum mem_xlate_error err = mem_xlate_translate(&x, va, gpa, &run);
    CHECK_EQ_INT(x.last_error, err);
    mem_xlate_end(&x);
    return err;
}

static enum mem_xlate_error
xr(struct mem_guest *g, uint32_t root, uint64_t va, uint64_t *gpa)
{
    struct mem_space s = { .root_pfn = root, .ranges = NULL };
    uint64_t gpa2 = 0, run = 0;
    enum mem_xlate_error e1 = xl(g, &s, va, gpa);
    enum mem_xlate_error e2 = mem_radix_walk(g, root, va, &gpa2, &run);
    CHECK_EQ_INT(e2, e1);
    if (e1 == MEM_XLATE_OK)
        CHECK_EQ_U64(gpa2, *gpa);
    return e1;
}

int
main(void)
{
    struct ram r;
    ram_init(&r, 0x100000, 0x40000); /* RAM is PFN 0x100..0x13F only */
    struct mem_guest *g = guest_over(&r, 1);
    uint64_t gpa = 0;

    ram_header(&r, 0x100, 0x101, 0); /* levels 0 */
    ram_header(&r, 0x102, 0x101, 5); /* levels 5 */
    ram_header(&r, 0x103, 0, 3);     /* top PFN 0 */
    ram_header(&r, 0x104, 0x900, 2); /* top node outside RAM */
    ram_header(&r, 0x105, 0x106, 2); /* mid node outside RAM */
    ram_entry(&r, 0x106, 0, 0x901);
    ram_header(&r, 0x107, 0x108, 2); /* data outside RAM */
    ram_entry(&r, 0x108, 0, 0x109);
    ram_entry(&r, 0x109, 0, 0x12345);
    ram_entry(&r, 0x109, 1, 0x110);
    ram_header(&r, 0x10A, 0x10B, 3); /* top-level early leaf (4 GiB), misaligned */
    ram_entry(&r, 0x10B, 0, 0x80000000u | 0x100);
    ram_entry(&r, 0x10B, 1, 0x80000000u); /* aligned at GPA 0: valid */
    ram_header(&r, 0x10C, 0x13F, 1);      /* node = last page of RAM */
    ram_entry(&r, 0x13F, 1023, 0x120);
    ram_header(&r, 0x10D, 0xFFFFFFFFu, 1); /* top PFN with bit 31: beyond any RAM */

    CHECK_EQ_INT(xr(g, 0x100, 0, &gpa), MEM_XLATE_BAD_TABLE);
    CHECK_EQ_INT(xr(g, 0x102, 0, &gpa), MEM_XLATE_BAD_TABLE);
    CHECK_EQ_INT(xr(g, 0x103, 0, &gpa), MEM_XLATE_BAD_TABLE);
    CHECK_EQ_INT(xr(g, 0x104, 0, &gpa), MEM_XLATE_OUTSIDE_RAM);
    CHECK_EQ_INT(xr(g, 0x105, 0, &gpa), MEM_XLATE_OUTSIDE_RAM);
    CHECK_EQ_INT(xr(g, 0x800, 0, &gpa), MEM_XLATE_OUTSIDE_RAM); /* root header outside RAM */
    CHECK_EQ_INT(xr(g, 0xFFFFFFFFu, 0, &gpa), MEM_XLATE_OUTSIDE_RAM);
    CHECK_EQ_INT(xr(g, 0x10D, 0, &gpa), MEM_XLATE_OUTSIDE_RAM);
    CHECK_EQ_INT(xr(g, 0, 0, &gpa), MEM_XLATE_NO_SPACE);
    CHECK_EQ_INT(xr(g, 0x10A, 0x10, &gpa), MEM_XLATE_BAD_TABLE);
    CHECK_EQ_INT(xr(g, 0x10A, (1ull << 32) + 0x10, &gpa), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x10);
    CHECK_EQ_INT(xr(g, 0x10C, 0x3FF010, &gpa), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x120010);

    /* Data GPA outside RAM: the translation holds, the access fails (§9.4 step 5). */
    CHECK_EQ_INT(xr(g, 0x107, 0x10, &gpa), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x12345010);
    struct mem_space s = { .root_pfn = 0x107, .ranges = NULL };
    struct mem_xlate x;
    uint8_t buf[16];
    memset(buf, 0x77, sizeof(buf));
    mem_xlate_begin(&x, g, &s);
    CHECK(!mem_xlate_read(&x, 0x10, buf, sizeof(buf)));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_OUTSIDE_RAM);
    CHECK_EQ_U64(x.last_error_va, 0x10);
    CHECK_EQ_U64(buf[0] | buf[15], 0);
    CHECK(!mem_xlate_write(&x, 0x10, buf, sizeof(buf)));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_OUTSIDE_RAM);
    CHECK(mem_xlate_view(&x, 0x10, 4) == NULL);
    /* Page 1 maps inside RAM: a read straddling pages 0-1 still fails at page 0. */
    CHECK(!mem_xlate_read(&x, 0xFF8, buf, 16));
    CHECK_EQ_U64(x.last_error_va, 0xFF8);
    CHECK(mem_xlate_read(&x, 0x1000, buf, 16));
    mem_xlate_end(&x);

    /* No space at all. */
    CHECK_EQ_INT(xl(g, NULL, 0, &gpa), MEM_XLATE_NO_SPACE);
    struct mem_space none = { 0, NULL };
    CHECK_EQ_INT(xl(g, &none, 0, &gpa), MEM_XLATE_NO_SPACE);

    mem_guest_free(g);
    ram_fini(&r);
    return check_finish();
}
