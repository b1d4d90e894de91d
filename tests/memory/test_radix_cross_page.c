/* SPDX-License-Identifier: MIT */
/*
 * Single-page and cross-page access through a 3-level table whose data pages are scattered,
 * non-adjacent and in descending GPA order (protocol.md §1.2, §9.4 step 5): reads and writes
 * assemble page by page, views stop at the page end, and a hole in the middle of a range fails
 * the whole read with a zero-filled buffer and the VA of the first missing page.
 */
#include <stdlib.h>

#include <libapplegfx-vulkan.h>

#include "memory/xlate.h"
#include "memtest.h"

#define ROOT  0x10u
#define TOP   0x11u
#define MID   0x12u
#define LEAF  0x13u
#define PAGES 8u

/* VA page i → GPA page data_pfn(i): descending, two apart. */
static uint32_t
data_pfn(uint32_t i)
{
    return 0x200u - 2 * i;
}

static uint64_t
va_gpa(uint64_t va)
{
    return ((uint64_t)data_pfn((uint32_t)(va >> 12)) << 12) | (va & 0xFFF);
}

int
main(void)
{
    struct ram r;
    ram_init(&r, 0, 0x400000);
    struct mem_guest *g = guest_over(&r, 1);
    ram_header(&r, ROOT, TOP, 3);
    ram_entry(&r, TOP, 0, MID);
    ram_entry(&r, MID, 0, LEAF);
    for (uint32_t i = 0; i < PAGES; i++) {
        ram_entry(&r, LEAF, i, data_pfn(i));
        ram_fill_pattern(&r, (uint64_t)data_pfn(i) << 12, 0x1000);
    }
    /* VA page PAGES + 1 mapped again after a hole at page PAGES. */
    ram_entry(&r, LEAF, PAGES + 1, data_pfn(PAGES + 1));

    struct mem_space space = { .root_pfn = ROOT, .ranges = NULL };
    struct mem_xlate x;
    uint8_t *buf = malloc(PAGES * 0x1000), *want = malloc(PAGES * 0x1000);
    REQUIRE(buf && want);
    mem_xlate_begin(&x, g, &space);

    /* Single page, whole and partial. */
    CHECK(mem_xlate_read(&x, 0x3000, buf, 0x1000));
    CHECK_MEM(buf, ram_at(&r, va_gpa(0x3000)), 0x1000);
    CHECK(mem_xlate_read(&x, 0x3123, buf, 0x10));
    CHECK_MEM(buf, ram_at(&r, va_gpa(0x3123)), 0x10);

    /* Mid-page start across all pages but the last few bytes. */
    uint64_t va = 0x0A37, len = PAGES * 0x1000 - 0x0A37 - 5;
    for (uint64_t i = 0; i < len; i++)
        want[i] = *ram_at(&r, va_gpa(va + i));
    CHECK(mem_xlate_read(&x, va, buf, len));
    CHECK_MEM(buf, want, len);

    /* One byte each side of a boundary. */
    CHECK(mem_xlate_read(&x, 0x1FFF, buf, 2));
    CHECK_EQ_U32(buf[0], pattern_byte(va_gpa(0x1FFF)));
    CHECK_EQ_U32(buf[1], pattern_byte(va_gpa(0x2000)));

    /* Views: inside one page only, and the host address of that GPA. */
    CHECK(mem_xlate_view(&x, 0x2FF0, 0x10) == ram_at(&r, va_gpa(0x2FF0)));
    CHECK(mem_xlate_view(&x, 0x2FF0, 0x11) == NULL);
    CHECK(mem_xlate_view(&x, 0x5000, 0x1000) == ram_at(&r, va_gpa(0x5000)));

    /* Writes land on the scattered pages, and only there. */
    uint8_t src[0x20];
    for (int i = 0; i < 0x20; i++)
        src[i] = (uint8_t)(0xC0 + i);
    uint8_t before = *ram_at(&r, va_gpa(0x4FEF));
    CHECK(mem_xlate_write(&x, 0x4FF0, src, 0x20));
    CHECK_MEM(ram_at(&r, va_gpa(0x4FF0)), src, 0x10);
    CHECK_MEM(ram_at(&r, va_gpa(0x5000)), src + 0x10, 0x10);
    CHECK_EQ_U32(*ram_at(&r, va_gpa(0x4FEF)), before);
    CHECK_EQ_U32(*ram_at(&r, va_gpa(0x5010)), pattern_byte(va_gpa(0x5010)));
    /* The GPA page right after page 4's data is a gap page (zero): not written. */
    CHECK_EQ_U32(*ram_at(&r, ((uint64_t)data_pfn(4) << 12) + 0x1000), 0);

    /* A hole in the middle: zero-filled, error at the hole's first byte. */
    memset(buf, 0x55, 0x3000);
    uint64_t hole_va = (uint64_t)PAGES << 12;
    CHECK(!mem_xlate_read(&x, hole_va - 0x800, buf, 0x2000));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_UNMAPPED);
    CHECK_EQ_U64(x.last_error_va, hole_va);
    for (int i = 0; i < 0x2000; i++) {
        if (buf[i] != 0) {
            CHECK_EQ_U32(buf[i], 0);
            break;
        }
    }
    CHECK_EQ_U32(buf[0x2000], 0x55); /* nothing past len */
    /* A write over the hole stops there. */
    CHECK(!mem_xlate_write(&x, hole_va - 0x10, src, 0x20));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_UNMAPPED);
    CHECK_EQ_U64(x.last_error_va, hole_va);
    /* A read that wraps the address space. */
    CHECK(!mem_xlate_read(&x, UINT64_MAX - 3, buf, 8));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_OVERFLOW);
    /* Zero bytes always succeed. */
    CHECK(mem_xlate_read(&x, hole_va, buf, 0));
    mem_xlate_end(&x);

    free(buf);
    free(want);
    mem_guest_free(g);
    ram_fini(&r);
    return check_finish();
}
