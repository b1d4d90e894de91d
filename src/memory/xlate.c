/* SPDX-License-Identifier: MIT */
/*
 * Task-virtual → guest-physical translation (protocol.md §9): the radix walk of §9.4, one
 * 4 KiB page at a time, range-table spaces (rangetable.c), and the per-outer-command context
 * with its 256-entry direct-mapped cache of VPN → GPA page (+ host view in the region model).
 * A walk reads at most one root header (once per context) and L ≤ 4 entries per page, whatever
 * the guest wrote: cycles and malformed tables cost the same bounded work as good ones. Each
 * entry is loaded once into a local (the guest rewrites tables under us). A context belongs
 * to one worker thread and holds the guest's shared lock from begin to end, so the cached host
 * views cannot outlive their regions.
 */
#include "memory/xlate.h"

#include <string.h>

#include "memory/reader.h"
#include "util/checked.h"

#define PAGE_SHIFT   12
#define PAGE_SIZE_4K 0x1000ull
#define PAGE_OFF     0xFFFull
#define ENTRY_LEAF   0x80000000u
#define ENTRY_PFN    0x7FFFFFFFu
#define RADIX_BITS   10
#define RADIX_MASK   0x3FFull

_Static_assert((MEM_XLATE_CACHE_ENTRIES & (MEM_XLATE_CACHE_ENTRIES - 1)) == 0,
               "direct-mapped cache index is a mask");

const char *
mem_xlate_error_name(enum mem_xlate_error err)
{
    switch (err) {
    case MEM_XLATE_OK:
        return "ok";
    case MEM_XLATE_UNMAPPED:
        return "unmapped";
    case MEM_XLATE_OUTSIDE_SPACE:
        return "outside-space";
    case MEM_XLATE_BAD_TABLE:
        return "bad-table";
    case MEM_XLATE_OUTSIDE_RAM:
        return "outside-ram";
    case MEM_XLATE_OVERFLOW:
        return "overflow";
    case MEM_XLATE_NO_SPACE:
        return "no-space";
    case MEM_XLATE_READ_ONLY:
        return "read-only";
    }
    return "unknown";
}

/* One u32 of guest RAM, loaded once. Caller holds the shared lock. */
static bool
load_u32_locked(struct mem_guest *g, uint64_t gpa, uint32_t *out)
{
    const uint32_t *p = mem_guest_view_locked(g, gpa, 4, false);
    if (p) {
        /* Relaxed: the guest stores entries with plain writes and announces nothing
         * (§9.3); ordering against the command that uses them comes from the ring's
         * acquire load. */
        *out = __atomic_load_n(p, __ATOMIC_RELAXED);
        return true;
    }
    if (mem_guest_is_region_model(g))
        return false;
    uint8_t b[4];
    if (!mem_guest_read_locked(g, gpa, b, 4))
        return false;
    *out = mem_le32(b);
    return true;
}

/* Root header page (§9.2): top PFN at +0, levels at +4. */
static enum mem_xlate_error
read_header_locked(struct mem_guest *g, uint32_t root_pfn, uint32_t *top, uint32_t *levels)
{
    if (root_pfn == 0)
        return MEM_XLATE_NO_SPACE;
    uint64_t gpa = (uint64_t)root_pfn << PAGE_SHIFT;
    if (!load_u32_locked(g, gpa, top) || !load_u32_locked(g, gpa + 4, levels))
        return MEM_XLATE_OUTSIDE_RAM;
    return MEM_XLATE_OK;
}

/* §9.4 steps 1-4, given the header. At most `levels` ≤ 4 entry loads. */
static enum mem_xlate_error
walk_locked(struct mem_guest *g, uint32_t top, uint32_t levels, uint64_t va, uint64_t *gpa_out)
{
    if (levels < 1 || levels > 4 || top == 0)
        return MEM_XLATE_BAD_TABLE;
    if (va >> (PAGE_SHIFT + RADIX_BITS * levels))
        return MEM_XLATE_OUTSIDE_SPACE;
    uint64_t page = va >> PAGE_SHIFT;
    uint64_t node = top;
    uint32_t entry;
    for (uint32_t k = 1; k < levels; k++) {
        unsigned shift = RADIX_BITS * (levels - k);
        uint64_t idx = (page >> shift) & RADIX_MASK;
        if (!load_u32_locked(g, (node << PAGE_SHIFT) + idx * 4, &entry))
            return MEM_XLATE_OUTSIDE_RAM;
        if (entry == 0)
            return MEM_XLATE_UNMAPPED;
        if (entry & ENTRY_LEAF) {
            /* Early leaf: 2^(shift + 12) bytes, aligned to its size (C11). */
            uint64_t size = 1ull << (shift + PAGE_SHIFT);
            uint64_t base = (uint64_t)(entry & ENTRY_PFN) << PAGE_SHIFT;
            if (base & (size - 1))
                return MEM_XLATE_BAD_TABLE;
            *gpa_out = base + (va & (size - 1));
            return MEM_XLATE_OK;
        }
        node = entry & ENTRY_PFN;
    }
    if (!load_u32_locked(g, (node << PAGE_SHIFT) + (page & RADIX_MASK) * 4, &entry))
        return MEM_XLATE_OUTSIDE_RAM;
    if (entry == 0)
        return MEM_XLATE_UNMAPPED;
    /* Bit 31 is ignored at the last level (V3). */
    *gpa_out = ((uint64_t)(entry & ENTRY_PFN) << PAGE_SHIFT) + (va & PAGE_OFF);
    return MEM_XLATE_OK;
}

enum mem_xlate_error
mem_radix_walk(struct mem_guest *g,
               uint32_t root_pfn,
               uint64_t va,
               uint64_t *gpa_out,
               uint64_t *run_out)
{
    uint32_t top, levels;
    uint64_t gpa;
    mem_guest_lock_shared(g);
    enum mem_xlate_error err = read_header_locked(g, root_pfn, &top, &levels);
    if (err == MEM_XLATE_OK)
        err = walk_locked(g, top, levels, va, &gpa);
    mem_guest_unlock_shared(g);
    if (err != MEM_XLATE_OK)
        return err;
    *gpa_out = gpa;
    *run_out = PAGE_SIZE_4K - (va & PAGE_OFF); /* §9.4 step 5, early leaves too */
    return MEM_XLATE_OK;
}

void
mem_xlate_invalidate(struct mem_xlate *x)
{
    memset(x->cache, 0, sizeof(x->cache));
    x->header_valid = false;
}

void
mem_xlate_begin(struct mem_xlate *x, struct mem_guest *g, const struct mem_space *space)
{
    x->guest = g;
    x->space = space;
    x->last_error = MEM_XLATE_OK;
    x->last_error_va = 0;
    mem_guest_lock_shared(g);
    mem_xlate_invalidate(x); /* §9.5: nothing survives from an earlier outer command */
}

void
mem_xlate_end(struct mem_xlate *x)
{
    mem_xlate_invalidate(x); /* the host views die with the lock */
    mem_guest_unlock_shared(x->guest);
}

static enum mem_xlate_error
fail(struct mem_xlate *x, enum mem_xlate_error err, uint64_t va)
{
    x->last_error = err;
    x->last_error_va = va;
    return err;
}

/* The cache slot for va's page, filled on a miss; NULL (and last_error) on failure. */
static const struct mem_xlate_entry *
lookup(struct mem_xlate *x, uint64_t va)
{
    uint64_t vpn = va >> PAGE_SHIFT;
    struct mem_xlate_entry *e = &x->cache[vpn & (MEM_XLATE_CACHE_ENTRIES - 1)];
    if (e->vpn_tag == vpn + 1)
        return e;

    const struct mem_space *s = x->space;
    enum mem_xlate_error err;
    uint64_t gpa, run;
    if (s && s->root_pfn) {
        if (!x->header_valid) {
            err = read_header_locked(x->guest, s->root_pfn, &x->top_pfn, &x->levels);
            if (err != MEM_XLATE_OK) {
                fail(x, err, va);
                return NULL;
            }
            x->header_valid = true;
        }
        err = walk_locked(x->guest, x->top_pfn, x->levels, va, &gpa);
    } else if (s && s->ranges) {
        err = mem_rangetable_lookup(s->ranges, va, &gpa, &run, NULL);
    } else {
        err = MEM_XLATE_NO_SPACE;
    }
    if (err != MEM_XLATE_OK) {
        fail(x, err, va);
        return NULL;
    }
    e->vpn_tag = vpn + 1;
    e->gpa_page = gpa & ~PAGE_OFF;
    /* NULL outside RAM and in the task model: the copy then goes through mem_guest. A page
     * never straddles regions (regions are 4 KiB aligned). */
    e->host_page = mem_guest_view_locked(x->guest, e->gpa_page, PAGE_SIZE_4K, false);
    return e;
}

enum mem_xlate_error
mem_xlate_translate(struct mem_xlate *x, uint64_t va, uint64_t *gpa_out, uint64_t *run_out)
{
    const struct mem_xlate_entry *e = lookup(x, va);
    if (!e)
        return x->last_error;
    *gpa_out = e->gpa_page + (va & PAGE_OFF);
    *run_out = PAGE_SIZE_4K - (va & PAGE_OFF);
    return MEM_XLATE_OK;
}

bool
mem_xlate_read(struct mem_xlate *x, uint64_t va, void *dst, size_t len)
{
    uint64_t end;
    uint8_t *d = dst;
    size_t left = len;
    if (len == 0)
        return true;
    if (ut_add_overflows_u64(va, len, &end)) {
        fail(x, MEM_XLATE_OVERFLOW, va);
        goto err;
    }
    while (left > 0) {
        const struct mem_xlate_entry *e = lookup(x, va);
        if (!e)
            goto err;
        uint64_t off = va & PAGE_OFF;
        size_t n = (size_t)UT_MIN((uint64_t)left, PAGE_SIZE_4K - off);
        if (e->host_page) {
            memcpy(d, e->host_page + off, n);
        } else if (!mem_guest_read_locked(x->guest, e->gpa_page + off, d, n)) {
            fail(x, MEM_XLATE_OUTSIDE_RAM, va);
            goto err;
        }
        d += n;
        va += n;
        left -= n;
    }
    return true;
err:
    memset(dst, 0, len);
    return false;
}

bool
mem_xlate_write(struct mem_xlate *x, uint64_t va, const void *src, size_t len)
{
    uint64_t end;
    const uint8_t *s = src;
    if (len == 0)
        return true;
    if (ut_add_overflows_u64(va, len, &end)) {
        fail(x, MEM_XLATE_OVERFLOW, va);
        return false;
    }
    const struct mem_space *space = x->space;
    bool ranges = space && !space->root_pfn && space->ranges;
    while (len > 0) {
        const struct mem_xlate_entry *e = lookup(x, va);
        if (!e)
            return false;
        uint64_t off = va & PAGE_OFF;
        size_t n = (size_t)UT_MIN((uint64_t)len, PAGE_SIZE_4K - off);
        if (ranges) {
            /* MapMemory2's read-only flag (C08) lives in the range, not the cache. */
            uint64_t gpa, run;
            bool ro = false;
            mem_rangetable_lookup(space->ranges, va, &gpa, &run, &ro);
            if (ro) {
                fail(x, MEM_XLATE_READ_ONLY, va);
                return false;
            }
        }
        /* Checks RAM and read-only regions and reports the page dirty. */
        if (!mem_guest_write_locked(x->guest, e->gpa_page + off, s, n)) {
            /* Tell a read-only region from a hole (task model: the callback failed). */
            bool in_ram = mem_guest_is_region_model(x->guest) &&
                          mem_guest_contains_locked(x->guest, e->gpa_page + off, n);
            fail(x, in_ram ? MEM_XLATE_READ_ONLY : MEM_XLATE_OUTSIDE_RAM, va);
            return false;
        }
        s += n;
        va += n;
        len -= n;
    }
    return true;
}

const void *
mem_xlate_view(struct mem_xlate *x, uint64_t va, size_t len)
{
    const struct mem_xlate_entry *e = lookup(x, va);
    if (!e)
        return NULL;
    uint64_t off = va & PAGE_OFF;
    if (!e->host_page || len > PAGE_SIZE_4K - off)
        return NULL;
    return e->host_page + off;
}
