/* SPDX-License-Identifier: MIT */
/*
 * protocol.md §9.7 test vectors V1-V15, exactly: the memory image is built in a memfd-backed
 * 4 MiB region at GPA 0, each VA is translated both by the uncached walk and through a
 * mem_xlate context, and V15 is read page by page. Single-threaded.
 */
#include <libapplegfx-vulkan.h>

#include "memory/xlate.h"
#include "memtest.h"

struct vector {
    const char *name;
    uint32_t root_pfn;
    uint64_t va;
    enum mem_xlate_error err;
    uint64_t gpa, run;
};

static const struct vector vectors[] = {
    { "V1", 0x100, 0x100, MEM_XLATE_OK, 0x12100, 0xF00 },
    { "V2", 0x100, 0xFFF, MEM_XLATE_OK, 0x12FFF, 0x1 },
    { "V3", 0x100, 0x1000, MEM_XLATE_OK, 0x13000, 0x1000 },
    { "V4", 0x100, 0x2000, MEM_XLATE_UNMAPPED, 0, 0 },
    { "V5", 0x100, 0x412345, MEM_XLATE_OK, 0x412345, 0xCBB },
    { "V6", 0x100, 0x7FFFFF, MEM_XLATE_OK, 0x7FFFFF, 0x1 },
    { "V7", 0x100, 0x800000, MEM_XLATE_BAD_TABLE, 0, 0 },
    { "V8", 0x100, 0x40000000, MEM_XLATE_UNMAPPED, 0, 0 },
    { "V9", 0x100, 0x100001234, MEM_XLATE_OK, 0x100001234, 0xDCC },
    { "V10", 0x100, 0x40000000000, MEM_XLATE_OUTSIDE_SPACE, 0, 0 },
    { "V11", 0x200, 0x5ABC, MEM_XLATE_OK, 0x777ABC, 0x544 },
    { "V12", 0x200, 0x400000, MEM_XLATE_OUTSIDE_SPACE, 0, 0 },
    { "V13", 0x300, 0x0, MEM_XLATE_BAD_TABLE, 0, 0 },
    { "V14", 0x310, 0x0, MEM_XLATE_BAD_TABLE, 0, 0 },
};

static void
build_image(struct ram *r)
{
    /* Task A */
    ram_header(r, 0x100, 0x101, 3);
    ram_put64(r, (0x100ull << 12) + 0x14, 0x0000000400000000ull);
    ram_entry(r, 0x101, 0, 0x00000102);
    ram_entry(r, 0x101, 1, 0x80100000);
    ram_entry(r, 0x102, 0, 0x00000103);
    ram_entry(r, 0x102, 1, 0x80000400);
    ram_entry(r, 0x102, 2, 0x80000401);
    ram_entry(r, 0x103, 0, 0x00000012);
    ram_entry(r, 0x103, 1, 0x80000013);
    /* Task B */
    ram_header(r, 0x200, 0x201, 1);
    ram_entry(r, 0x201, 5, 0x00000777);
    /* Tasks C and D */
    ram_header(r, 0x300, 0x301, 0);
    ram_header(r, 0x310, 0x301, 5);
    /* Data pages of V1-V3 and V15 */
    ram_fill_pattern(r, 0x12000, 0x2000);
}

int
main(void)
{
    struct ram r;
    ram_init(&r, 0, 0x400000); /* 4 MiB at GPA 0: V5, V6 and V9 lie outside it */
    build_image(&r);
    struct mem_guest *g = guest_over(&r, 1);

    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const struct vector *v = &vectors[i];
        uint64_t gpa = 0xdead, run = 0xbeef;
        enum mem_xlate_error err = mem_radix_walk(g, v->root_pfn, v->va, &gpa, &run);
        if (err != v->err)
            fprintf(stderr, "%s: walk gave %s\n", v->name, mem_xlate_error_name(err));
        CHECK_EQ_INT(err, v->err);
        if (v->err == MEM_XLATE_OK) {
            CHECK_EQ_U64(gpa, v->gpa);
            CHECK_EQ_U64(run, v->run);
        }

        /* The same through a context: twice, the second from the cache. */
        struct mem_space space = { .root_pfn = v->root_pfn, .ranges = NULL };
        struct mem_xlate x;
        mem_xlate_begin(&x, g, &space);
        for (int pass = 0; pass < 2; pass++) {
            gpa = 0xdead;
            run = 0xbeef;
            err = mem_xlate_translate(&x, v->va, &gpa, &run);
            if (err != v->err)
                fprintf(stderr, "%s: translate gave %s\n", v->name, mem_xlate_error_name(err));
            CHECK_EQ_INT(err, v->err);
            if (v->err == MEM_XLATE_OK) {
                CHECK_EQ_U64(gpa, v->gpa);
                CHECK_EQ_U64(run, v->run);
            } else {
                CHECK_EQ_INT(x.last_error, v->err);
                CHECK_EQ_U64(x.last_error_va, v->va);
            }
        }
        mem_xlate_end(&x);
    }

    /* V15: 0x20 bytes at VA 0xFF0 = 0x10 bytes at GPA 0x12FF0, then 0x10 at 0x13000. */
    struct mem_space a = { .root_pfn = 0x100, .ranges = NULL };
    struct mem_xlate x;
    uint8_t got[0x20], want[0x20];
    memcpy(want, ram_at(&r, 0x12FF0), 0x10);
    memcpy(want + 0x10, ram_at(&r, 0x13000), 0x10);
    CHECK(want[0x10] == pattern_byte(0x13000));
    mem_xlate_begin(&x, g, &a);
    CHECK(mem_xlate_read(&x, 0xFF0, got, sizeof(got)));
    CHECK_MEM(got, want, sizeof(got));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_OK);
    /* V9 is a valid translation, but its GPA is checked when the data is accessed. */
    memset(got, 0xAA, sizeof(got));
    CHECK(!mem_xlate_read(&x, 0x100001234, got, 4));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_OUTSIDE_RAM);
    CHECK_EQ_U64(x.last_error_va, 0x100001234);
    CHECK_EQ_U32(got[0] | got[1] | got[2] | got[3], 0);
    mem_xlate_end(&x);

    mem_guest_free(g);
    ram_fini(&r);
    return check_finish();
}
