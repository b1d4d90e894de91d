/* SPDX-License-Identifier: MIT */
/*
 * The task model's path (api.md §4.2): every guest access goes through read_memory/
 * write_memory with the exact gpa and length; a failing callback makes the access fail (reads
 * zero-filled); or_u32 is a read-modify-write; mark_dirty reports writes; no host view is
 * ever handed out; a radix walk and a cross-page read run through the callbacks too.
 */
#include <libapplegfx-vulkan.h>

#include "check.h"
#include "memory/reader.h"
#include "memory/xlate.h"

#define MEM_SIZE 0x10000u

static uint8_t mem[MEM_SIZE];
static uint64_t last_gpa, last_len;
static unsigned nread, nwrite, ndirty;
static bool fail_all;
static lagfx_phys_range_t dirty;

static bool
read_cb(void *user, uint64_t gpa, uint64_t length, void *dst)
{
    CHECK(user == (void *)mem);
    nread++;
    last_gpa = gpa;
    last_len = length;
    if (fail_all || length > MEM_SIZE || gpa > MEM_SIZE - length) {
        memset(dst, 0xEE, length); /* garbage the library must not pass on */
        return false;
    }
    memcpy(dst, mem + gpa, length);
    return true;
}

static bool
write_cb(void *user, uint64_t gpa, uint64_t length, const void *src)
{
    nwrite++;
    last_gpa = gpa;
    last_len = length;
    if (fail_all || length > MEM_SIZE || gpa > MEM_SIZE - length)
        return false;
    memcpy(mem + gpa, src, length);
    return true;
}

static void
dirty_cb(void *user, const lagfx_phys_range_t *ranges, uint32_t count)
{
    ndirty += count;
    dirty = ranges[0];
}

int
main(void)
{
    struct mem_guest_callbacks cb = {
        .user = mem, .read_memory = read_cb, .write_memory = write_cb, .mark_dirty = dirty_cb
    };
    struct mem_guest *g = NULL;
    REQUIRE(mem_guest_new(&cb, &g) == LAGFX_OK);
    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem[i] = (uint8_t)(i * 13 + 5);

    uint8_t buf[32];
    CHECK(mem_guest_read(g, 0x1234, buf, 20));
    CHECK_EQ_U64(last_gpa, 0x1234);
    CHECK_EQ_U64(last_len, 20);
    CHECK_MEM(buf, mem + 0x1234, 20);
    CHECK(mem_guest_contains(g, 0x7FFFFFFF0000, 0x100)); /* the callbacks decide */
    CHECK(!mem_guest_contains(g, UINT64_MAX, 2));        /* but never a wrap */
    mem_guest_lock_shared(g);
    CHECK(mem_guest_view_locked(g, 0x1000, 4, false) == NULL);
    mem_guest_unlock_shared(g);
    CHECK_EQ_U32(mem_guest_region_count(g), 0);

    /* Failing read: zero-filled, not the callback's garbage. */
    memset(buf, 0x11, sizeof(buf));
    CHECK(!mem_guest_read(g, MEM_SIZE - 4, buf, 8));
    for (int i = 0; i < 8; i++)
        CHECK_EQ_U32(buf[i], 0);
    nread = 0;
    CHECK(!mem_guest_read(g, UINT64_MAX - 2, buf, 8)); /* wrap: never reaches the VMM */
    CHECK_EQ_U32(nread, 0);

    /* Writes and dirty reports. */
    ndirty = 0;
    CHECK(mem_guest_write(g, 0x2000, "abcd", 4));
    CHECK_MEM(mem + 0x2000, "abcd", 4);
    CHECK_EQ_U32(ndirty, 1);
    CHECK_EQ_U64(dirty.gpa, 0x2000);
    CHECK_EQ_U64(dirty.length, 4);
    CHECK(!mem_guest_write(g, MEM_SIZE - 2, "abcd", 4));
    CHECK_EQ_U32(ndirty, 1);

    /* u32 helpers. */
    uint32_t v = 0, old = 0;
    CHECK(mem_guest_write_u32(g, 0x3000, 0xCAFEF00D));
    CHECK_EQ_U32(mem_le32(mem + 0x3000), 0xCAFEF00D);
    CHECK(mem_guest_read_u32(g, 0x3000, &v));
    CHECK_EQ_U32(v, 0xCAFEF00D);
    nread = nwrite = 0;
    CHECK(mem_guest_or_u32(g, 0x3000, 0x10000002, &old));
    CHECK_EQ_U32(old, 0xCAFEF00D);
    CHECK_EQ_U32(mem_le32(mem + 0x3000), 0xDAFEF00F);
    CHECK_EQ_U32(nread, 1);
    CHECK_EQ_U32(nwrite, 1);
    fail_all = true;
    v = 5;
    CHECK(!mem_guest_read_u32(g, 0x3000, &v));
    CHECK_EQ_U32(v, 0);
    CHECK(!mem_guest_write_u32(g, 0x3000, 1));
    old = 9;
    nwrite = 0;
    CHECK(!mem_guest_or_u32(g, 0x3000, 1, &old));
    CHECK_EQ_U32(old, 0);
    CHECK_EQ_U32(nwrite, 0); /* a failed read is not followed by a write */
    fail_all = false;

    /* A walk through the callbacks, and a cross-page read assembled from two callbacks. */
    mem_put_le32(mem + 0x1000, 0x2); /* root header at PFN 1: top 2, 2 levels */
    mem_put_le32(mem + 0x1004, 2);
    mem_put_le32(mem + 0x2000 + 0 * 4, 0x3);
    mem_put_le32(mem + 0x3000 + 0 * 4, 0x9);
    mem_put_le32(mem + 0x3000 + 1 * 4, 0x5);
    uint64_t gpa = 0, run = 0;
    CHECK_EQ_INT(mem_radix_walk(g, 1, 0x1F00, &gpa, &run), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x5F00);
    struct mem_space s = { .root_pfn = 1, .ranges = NULL };
    struct mem_xlate x;
    mem_xlate_begin(&x, g, &s);
    CHECK(mem_xlate_read(&x, 0xFF0, buf, 32));
    CHECK_MEM(buf, mem + 0x9FF0, 16);
    CHECK_MEM(buf + 16, mem + 0x5000, 16);
    CHECK(mem_xlate_view(&x, 0xFF0, 4) == NULL); /* no direct mapping in this model */
    ndirty = 0;
    CHECK(mem_xlate_write(&x, 0x1004, "wxyz", 4));
    CHECK_MEM(mem + 0x5004, "wxyz", 4);
    CHECK_EQ_U32(ndirty, 1);
    CHECK_EQ_U64(dirty.gpa, 0x5004);
    fail_all = true;
    CHECK(!mem_xlate_read(&x, 0x10, buf, 4)); /* cached translation, failing data read */
    CHECK_EQ_INT(x.last_error, MEM_XLATE_OUTSIDE_RAM);
    CHECK(!mem_xlate_write(&x, 0x10, buf, 4));
    CHECK_EQ_INT(x.last_error, MEM_XLATE_OUTSIDE_RAM);
    fail_all = false;
    mem_xlate_end(&x);

    mem_guest_free(g);
    return check_finish();
}
