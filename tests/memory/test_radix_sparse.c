/* SPDX-License-Identifier: MIT */
/*
 * Sparse tables (protocol.md §9.3, §9.4): a 3-level table with mappings only at the far ends
 * of the 42-bit space and in the middle, every other entry zero. Mapped VAs translate exactly;
 * VAs whose top, middle or last-level entry is zero fail UNMAPPED, and the failing VA is
 * recorded. Also 4 levels (52-bit space) and early leaves at the 2nd level of a 4-level table.
 */
#include <libapplegfx-vulkan.h>

#include "memory/xlate.h"
#include "memtest.h"

static enum mem_xlate_error
xl(struct mem_guest *g, uint32_t root, uint64_t va, uint64_t *gpa)
{
    struct mem_space s = { .root_pfn = root, .ranges = NULL };
    struct mem_xlate x;
    uint64_t run = 0;
    mem_xlate_begin(&x, g, &s);
    enum mem_xlate_error err = mem_xlate_translate(&x, va, gpa, &run);
    if (err == MEM_XLATE_OK)
        CHECK_EQ_U64(run, 0x1000 - (va & 0xFFF));
    else
        CHECK_EQ_U64(x.last_error_va, va);
    mem_xlate_end(&x);
    return err;
}

int
main(void)
{
    struct ram r;
    ram_init(&r, 0, 0x100000);
    struct mem_guest *g = guest_over(&r, 1);
    uint64_t gpa = 0;

    /* 3 levels: top 0x21, mids 0x22 (index 0) and 0x23 (index 1023), leaves 0x24, 0x25. */
    ram_header(&r, 0x20, 0x21, 3);
    ram_entry(&r, 0x21, 0, 0x22);
    ram_entry(&r, 0x21, 1023, 0x23);
    ram_entry(&r, 0x22, 512, 0x24);
    ram_entry(&r, 0x23, 1023, 0x25);
    ram_entry(&r, 0x24, 7, 0x77);
    ram_entry(&r, 0x25, 1023, 0x99);

    uint64_t va_mid = ((512ull << 10) | 7) << 12;                       /* 0x80007000 */
    uint64_t va_last = (((1023ull << 20) | (1023 << 10) | 1023) << 12); /* top of 42 bits */
    CHECK_EQ_INT(xl(g, 0x20, va_mid + 0x123, &gpa), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x77123);
    CHECK_EQ_INT(xl(g, 0x20, va_last + 0xFFF, &gpa), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x99FFF);
    CHECK_EQ_U64(va_last + 0xFFF, 0x3FFFFFFFFFF);
    CHECK_EQ_INT(xl(g, 0x20, 0x0, &gpa), MEM_XLATE_UNMAPPED);             /* mid 0x22 entry 0 */
    CHECK_EQ_INT(xl(g, 0x20, va_mid + 0x1000, &gpa), MEM_XLATE_UNMAPPED); /* last level */
    CHECK_EQ_INT(xl(g, 0x20, 1ull << 32, &gpa), MEM_XLATE_UNMAPPED);      /* top entry 1 */
    CHECK_EQ_INT(xl(g, 0x20, va_last - 0x1000, &gpa), MEM_XLATE_UNMAPPED);
    CHECK_EQ_INT(xl(g, 0x20, va_last + 0x1000, &gpa), MEM_XLATE_OUTSIDE_SPACE);

    /* 4 levels: 52-bit space. Level 2 of 4 indexes with shift 20, so an early leaf there
     * covers 2^32 bytes: here at GPA 0x5_0000_0000. */
    ram_header(&r, 0x30, 0x31, 4);
    ram_entry(&r, 0x31, 3, 0x32);
    ram_entry(&r, 0x32, 2, 0x80000000u | (0x500000000ull >> 12));
    uint64_t va4 = (3ull << 42) | (2ull << 32) | 0x12345678;
    CHECK_EQ_INT(xl(g, 0x30, va4, &gpa), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x512345678);
    CHECK_EQ_INT(xl(g, 0x30, (1ull << 52) - 1, &gpa), MEM_XLATE_UNMAPPED);
    CHECK_EQ_INT(xl(g, 0x30, 1ull << 52, &gpa), MEM_XLATE_OUTSIDE_SPACE);
    /* ...and the same leaf misaligned by one page: C11. */
    ram_entry(&r, 0x32, 2, 0x80000000u | ((0x500000000ull >> 12) + 1));
    CHECK_EQ_INT(xl(g, 0x30, va4, &gpa), MEM_XLATE_BAD_TABLE);

    mem_guest_free(g);
    ram_fini(&r);
    return check_finish();
}
