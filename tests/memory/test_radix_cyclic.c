/* SPDX-License-Identifier: MIT */
/*
 * Cyclic tables terminate with the result §9.4 defines, after at most L entry reads per page
 * (protocol.md §9.4, §17): guest memory is served by task-model callbacks that count every
 * read, so the bound is checked exactly. A self-pointing entry makes the node its own child:
 * the walk follows it L - 1 times and then treats the node page as data (a valid translation
 * to the node itself); a cycle of two nodes ends at a zero entry (UNMAPPED) or at a
 * misaligned early leaf (BAD_TABLE).
 */
#include <libapplegfx-vulkan.h>

#include "check.h"
#include "memory/reader.h"
#include "memory/xlate.h"

#define MEM_SIZE 0x20000u

static uint8_t mem[MEM_SIZE];
static unsigned reads;

static bool
read_cb(void *user, uint64_t gpa, uint64_t length, void *dst)
{
    reads++;
    if (length > MEM_SIZE || gpa > MEM_SIZE - length)
        return false;
    memcpy(dst, mem + gpa, length);
    return true;
}

static bool
write_cb(void *user, uint64_t gpa, uint64_t length, const void *src)
{
    if (length > MEM_SIZE || gpa > MEM_SIZE - length)
        return false;
    memcpy(mem + gpa, src, length);
    return true;
}

static void
entry(uint32_t pfn, uint32_t idx, uint32_t value)
{
    mem_put_le32(mem + ((uint64_t)pfn << 12) + idx * 4, value);
}

static void
header(uint32_t root, uint32_t top, uint32_t levels)
{
    mem_put_le32(mem + ((uint64_t)root << 12), top);
    mem_put_le32(mem + ((uint64_t)root << 12) + 4, levels);
}

/* One fresh context, one translation; *nreads = callback reads it cost. */
static enum mem_xlate_error
xl(struct mem_guest *g, uint32_t root, uint64_t va, uint64_t *gpa, unsigned *nreads)
{
    struct mem_space s = { .root_pfn = root, .ranges = NULL };
    struct mem_xlate x;
    uint64_t run;
    mem_xlate_begin(&x, g, &s);
    reads = 0;
    enum mem_xlate_error err = mem_xlate_translate(&x, va, gpa, &run);
    *nreads = reads;
    mem_xlate_end(&x);
    return err;
}

int
main(void)
{
    struct mem_guest_callbacks cb = { .read_memory = read_cb, .write_memory = write_cb };
    struct mem_guest *g = NULL;
    REQUIRE(mem_guest_new(&cb, &g) == LAGFX_OK);
    uint64_t gpa = 0;
    unsigned n = 0;

    /* Node 2 entry 0 points at node 2 itself. Header = 2 reads (top, levels). */
    header(1, 2, 3);
    entry(2, 0, 2);
    CHECK_EQ_INT(xl(g, 1, 0x345, &gpa, &n), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x2345); /* the node page itself, read as data */
    CHECK_EQ_U32(n, 2 + 3);
    CHECK_EQ_INT(xl(g, 1, 0x1000, &gpa, &n), MEM_XLATE_UNMAPPED); /* last-level index 1 = 0 */
    CHECK_EQ_U32(n, 2 + 3);

    /* 4 levels, nodes 4 and 5 pointing at each other; node 5 entry 1 a misaligned leaf. */
    header(3, 4, 4);
    entry(4, 0, 5);
    entry(5, 0, 4);
    entry(5, 1, 0x80000000u | 4); /* early leaf at GPA 0x4000: misaligned at any level */
    entry(4, 1, 0);
    /* VA indices (0, 0, 1, x): 4 → 5 → 4 → entry 1 of 4 = 0 */
    CHECK_EQ_INT(xl(g, 3, 1ull << 22, &gpa, &n), MEM_XLATE_UNMAPPED);
    CHECK_EQ_U32(n, 2 + 3);
    /* VA indices (0, 1, x, x): 4 → 5 → entry 1 of 5 = early leaf at level 2 (4 GiB), misaligned */
    CHECK_EQ_INT(xl(g, 3, 1ull << 32, &gpa, &n), MEM_XLATE_BAD_TABLE);
    CHECK_EQ_U32(n, 2 + 2);
    /* VA indices (0, 0, 0, 0): 4 → 5 → 4 → 5 (last level: entry 0 of 5 = 4, data page 4) */
    CHECK_EQ_INT(xl(g, 3, 0x10, &gpa, &n), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x4010);
    CHECK_EQ_U32(n, 2 + 4);

    /* Every page of a long read costs at most L reads, plus the header once, plus the data. */
    header(6, 7, 4);
    for (uint32_t i = 0; i < 1024; i++)
        entry(7, i, 7); /* every entry of node 7 points back at node 7 */
    struct mem_space s = { .root_pfn = 6, .ranges = NULL };
    struct mem_xlate x;
    static uint8_t buf[16 * 0x1000];
    mem_xlate_begin(&x, g, &s);
    reads = 0;
    CHECK(mem_xlate_read(&x, 0x800, buf, sizeof(buf) - 0x800));
    mem_xlate_end(&x);
    /* 16 pages: 2 header reads + 16 × (4 entry reads + 1 data read) */
    CHECK_EQ_U32(reads, 2 + 16 * 5);
    CHECK_EQ_U32(buf[0], mem[0x7800]); /* all pages are node 7 */

    mem_guest_free(g);
    return check_finish();
}
