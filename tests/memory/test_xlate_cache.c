/* SPDX-License-Identifier: MIT */
/*
 * The translation cache lives for one outer command (protocol.md §9.5): an entry the guest
 * changes between two contexts is honoured by the second; inside one context the cached
 * value stays until mem_xlate_invalidate, which also drops the cached root header. VPNs
 * sharing a cache slot never alias, and a range-table space is invalidated the same way.
 */
#include <libapplegfx-vulkan.h>

#include "memory/xlate.h"
#include "memtest.h"

static uint64_t
tr(struct mem_xlate *x, uint64_t va)
{
    uint64_t gpa = 0, run = 0;
    enum mem_xlate_error err = mem_xlate_translate(x, va, &gpa, &run);
    return err == MEM_XLATE_OK ? gpa : 0xE0000000ull + err;
}

int
main(void)
{
    struct ram r;
    ram_init(&r, 0, 0x200000);
    struct mem_guest *g = guest_over(&r, 1);
    ram_header(&r, 0x10, 0x11, 2);
    ram_entry(&r, 0x11, 0, 0x12);
    ram_entry(&r, 0x12, 3, 0x40);
    ram_entry(&r, 0x12, 3 + MEM_XLATE_CACHE_ENTRIES / 2, 0x41); /* another slot */
    _Static_assert(MEM_XLATE_CACHE_ENTRIES == 1024, "the test places VPN 3 + entries at node 0x16");
    ram_entry(&r, 0x11, 1, 0x16); /* VPNs 1024-2047 */
    ram_entry(&r, 0x16, 3, 0x42); /* VPN 1027 = 3 + entries: VPN 3's slot, evicts it */
    ram_fill_pattern(&r, 0x40000, 0x3000);

    struct mem_space s = { .root_pfn = 0x10, .ranges = NULL };
    struct mem_xlate x;
    uint8_t b = 0;

    /* Across contexts: the change is honoured (§19 item 55). */
    mem_xlate_begin(&x, g, &s);
    CHECK_EQ_U64(tr(&x, 0x3010), 0x40010);
    mem_xlate_end(&x);
    ram_entry(&r, 0x12, 3, 0x42);
    mem_xlate_begin(&x, g, &s);
    CHECK_EQ_U64(tr(&x, 0x3010), 0x42010);
    CHECK(mem_xlate_read(&x, 0x3010, &b, 1));
    CHECK_EQ_U32(b, pattern_byte(0x42010));

    /* Inside one context: cached until invalidated. */
    ram_entry(&r, 0x12, 3, 0x40);
    CHECK_EQ_U64(tr(&x, 0x3010), 0x42010);
    CHECK(mem_xlate_read(&x, 0x3010, &b, 1));
    CHECK_EQ_U32(b, pattern_byte(0x42010));
    mem_xlate_invalidate(&x);
    CHECK_EQ_U64(tr(&x, 0x3010), 0x40010);
    CHECK(mem_xlate_read(&x, 0x3010, &b, 1));
    CHECK_EQ_U32(b, pattern_byte(0x40010));

    /* A zeroed entry: cached translation survives until invalidate, then fails. */
    ram_entry(&r, 0x12, 3, 0);
    CHECK_EQ_U64(tr(&x, 0x3000), 0x40000);
    mem_xlate_invalidate(&x);
    CHECK_EQ_U64(tr(&x, 0x3000), 0xE0000000ull + MEM_XLATE_UNMAPPED);
    ram_entry(&r, 0x12, 3, 0x40);

    /* Slot sharing: VPN 3 and VPN 3 + entries alternate in one slot without aliasing. */
    uint64_t far = (3ull + MEM_XLATE_CACHE_ENTRIES / 2) << 12;
    uint64_t farther = (3ull + MEM_XLATE_CACHE_ENTRIES) << 12;
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_U64(tr(&x, 0x3008), 0x40008);
        CHECK_EQ_U64(tr(&x, far + 8), 0x41008);
        CHECK_EQ_U64(tr(&x, farther + 8), 0x42008);
    }

    /* The root header is cached per context too: a new top node is seen after invalidate. */
    ram_header(&r, 0x10, 0x13, 2);
    ram_entry(&r, 0x13, 0, 0x14);
    ram_entry(&r, 0x14, 3, 0x44);
    CHECK_EQ_U64(tr(&x, 0x3000), 0x40000);                            /* cached */
    CHECK_EQ_U64(tr(&x, 0x5000), 0xE0000000ull + MEM_XLATE_UNMAPPED); /* old header, walks 0x11 */
    mem_xlate_invalidate(&x);
    CHECK_EQ_U64(tr(&x, 0x3000), 0x44000);
    mem_xlate_end(&x);

    /* The last-level node cache follows the same rule: a changed interior entry is seen by
     * a fresh context and after invalidate, not by a page-cache miss inside the context. */
    ram_header(&r, 0x10, 0x11, 2);
    ram_entry(&r, 0x12, 4, 0x50);
    ram_entry(&r, 0x15, 4, 0x51);
    mem_xlate_begin(&x, g, &s);
    CHECK_EQ_U64(tr(&x, 0x3000), 0x40000); /* caches node 0x12 for VPNs 0..1023 */
    ram_entry(&r, 0x11, 0, 0x15);          /* the guest swaps the last-level node */
    CHECK_EQ_U64(tr(&x, 0x4000), 0x50000); /* page miss, node hit: still node 0x12 */
    mem_xlate_invalidate(&x);
    CHECK_EQ_U64(tr(&x, 0x4000), 0x51000);
    CHECK_EQ_U64(tr(&x, 0x3000), 0xE0000000ull + MEM_XLATE_UNMAPPED);
    mem_xlate_end(&x);
    ram_entry(&r, 0x11, 0, 0x12);
    mem_xlate_begin(&x, g, &s);
    CHECK_EQ_U64(tr(&x, 0x4000), 0x50000);
    mem_xlate_end(&x);
    ram_entry(&r, 0x11, 0, 0x15);
    mem_xlate_begin(&x, g, &s);
    CHECK_EQ_U64(tr(&x, 0x4000), 0x51000); /* nothing survives the command */
    mem_xlate_end(&x);

    /* Range-table space: unmap inside a context is seen after invalidate. */
    struct mem_rangetable *rt = NULL;
    REQUIRE(mem_rangetable_new(0x100000, &rt) == LAGFX_OK);
    lagfx_phys_range_t one = { 0x40000, 0x1000 };
    REQUIRE(mem_rangetable_map(rt, 0x2000, &one, 1, false) == LAGFX_OK);
    struct mem_space rs = { .root_pfn = 0, .ranges = rt };
    mem_xlate_begin(&x, g, &rs);
    CHECK_EQ_U64(tr(&x, 0x2004), 0x40004);
    REQUIRE(mem_rangetable_unmap(rt, 0x2000, 0x1000) == LAGFX_OK);
    CHECK_EQ_U64(tr(&x, 0x2004), 0x40004);
    mem_xlate_invalidate(&x);
    CHECK_EQ_U64(tr(&x, 0x2004), 0xE0000000ull + MEM_XLATE_UNMAPPED);
    mem_xlate_end(&x);
    mem_rangetable_free(rt);

    mem_guest_free(g);
    ram_fini(&r);
    return check_finish();
}
