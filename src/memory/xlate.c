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

/* Host address of the page at gpa_page (4 KiB aligned) in directly mapped RAM, or NULL.
 * Regions are 4 KiB aligned, so a page is wholly inside one region or outside all of them. */
static __attribute__((noinline, cold)) const uint8_t *
ram_page_slow(struct mem_xlate *x, uint64_t gpa_page)
{
    uint64_t base, len;
    uint8_t *host;
    bool ro;
    if (!mem_guest_region_find_locked(x->guest, gpa_page, &base, &len, &host, &ro))
        return NULL;
    x->ram_gpa = base;
    x->ram_len = len;
    x->ram_host = host;
    return host + (gpa_page - base);
}

static inline const uint8_t *
ram_page(struct mem_xlate *x, uint64_t gpa_page)
{
    uint64_t off = gpa_page - x->ram_gpa; /* wraps to a huge value below the block */
    if (__builtin_expect(off < x->ram_len, 1))
        return x->ram_host + off;
    return ram_page_slow(x, gpa_page);
}

/* Entry idx (< 1024) of the page at pfn, loaded once. Caller holds the shared lock. */
static inline bool
load_entry(struct mem_xlate *x, uint64_t pfn, uint64_t idx, uint32_t *out)
{
    const uint8_t *page = ram_page(x, pfn << PAGE_SHIFT);
    if (page) {
        /* Relaxed: the guest stores entries with plain writes and announces nothing
         * (§9.3); ordering against the command that uses them comes from the ring's
         * acquire load. */
        *out = __atomic_load_n((const uint32_t *)(page + idx * 4), __ATOMIC_RELAXED);
        return true;
    }
    if (mem_guest_is_region_model(x->guest))
        return false;
    uint8_t b[4];
    if (!mem_guest_read_locked(x->guest, (pfn << PAGE_SHIFT) + idx * 4, b, 4))
        return false;
    *out = mem_le32(b);
    return true;
}

/* Root header page (§9.2): top PFN at +0, levels at +4. */
static enum mem_xlate_error
read_header(struct mem_xlate *x, uint32_t root_pfn, uint32_t *top, uint32_t *levels)
{
    if (root_pfn == 0)
        return MEM_XLATE_NO_SPACE;
    if (!load_entry(x, root_pfn, 0, top) || !load_entry(x, root_pfn, 1, levels))
        return MEM_XLATE_OUTSIDE_RAM;
    return MEM_XLATE_OK;
}

/* Last-level entry of page in the node at host view `node` (region model) or PFN
 * node_pfn (task model), and the GPA it gives. */
static inline enum mem_xlate_error
last_level(struct mem_xlate *x,
           const uint8_t *node,
           uint64_t node_pfn,
           uint64_t page,
           uint64_t va,
           uint64_t *gpa_out)
{
    uint32_t entry;
    if (node)
        entry = __atomic_load_n((const uint32_t *)(node + (page & RADIX_MASK) * 4),
                                __ATOMIC_RELAXED); /* relaxed: see load_entry */
    else if (!load_entry(x, node_pfn, page & RADIX_MASK, &entry))
        return MEM_XLATE_OUTSIDE_RAM;
    if (entry == 0)
        return MEM_XLATE_UNMAPPED;
    /* Bit 31 is ignored at the last level (V3). */
    *gpa_out = ((uint64_t)(entry & ENTRY_PFN) << PAGE_SHIFT) + (va & PAGE_OFF);
    return MEM_XLATE_OK;
}

/* §9.4 steps 1-4, given the header. At most `levels` ≤ 4 entry loads; with the node cache
 * warm, one. Inlined into the miss path: call overhead is a fair share of a miss. */
static inline __attribute__((always_inline)) enum mem_xlate_error
walk(struct mem_xlate *x, uint32_t top, uint32_t levels, uint64_t va, uint64_t *gpa_out)
{
    if (levels < 1 || levels > 4 || top == 0)
        return MEM_XLATE_BAD_TABLE;
    if (va >> (PAGE_SHIFT + RADIX_BITS * levels))
        return MEM_XLATE_OUTSIDE_SPACE;
    uint64_t page = va >> PAGE_SHIFT;
    struct mem_xlate_node *nc = &x->nodes[(page >> RADIX_BITS) & (MEM_XLATE_NODE_ENTRIES - 1)];
    if (__builtin_expect(nc->tag == (page >> RADIX_BITS) + 1, 1))
        return last_level(x, nc->node, 0, page, va, gpa_out);
    uint64_t node = top;
    uint32_t entry;
    for (uint32_t k = 1; k < levels; k++) {
        unsigned shift = RADIX_BITS * (levels - k);
        if (!load_entry(x, node, (page >> shift) & RADIX_MASK, &entry))
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
    const uint8_t *host = ram_page(x, node << PAGE_SHIFT);
    if (host && levels > 1) {
        nc->tag = (page >> RADIX_BITS) + 1;
        nc->node = host;
    }
    return last_level(x, host, node, page, va, gpa_out);
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
    /* A bare context (6 KiB of stack): the walk uses only guest and the RAM hint. */
    struct mem_xlate x;
    x.guest = g;
    x.ram_gpa = 0;
    x.ram_len = 0;
    x.ram_host = NULL;
    memset(x.nodes, 0, sizeof(x.nodes));
    mem_guest_lock_shared(g);
    enum mem_xlate_error err = read_header(&x, root_pfn, &top, &levels);
    if (err == MEM_XLATE_OK)
        err = walk(&x, top, levels, va, &gpa);
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
    if (x->magic != MEM_XLATE_MAGIC || x->gen >= MEM_XLATE_GEN_MASK) {
        memset(x->cache, 0, sizeof(x->cache));
        x->magic = MEM_XLATE_MAGIC;
        x->gen = 0;
    }
    x->gen++; /* every cached tag carries an older generation now */
    memset(x->nodes, 0, sizeof(x->nodes));
    x->header_valid = false;
}

void
mem_xlate_begin(struct mem_xlate *x, struct mem_guest *g, const struct mem_space *space)
{
    x->guest = g;
    x->space = space;
    x->last_error = MEM_XLATE_OK;
    x->last_error_va = 0;
    x->ram_len = 0; /* the regions may have changed since the last command */
    mem_guest_lock_shared(g);
    mem_xlate_invalidate(x); /* §9.5: nothing survives from an earlier outer command */
}

void
mem_xlate_end(struct mem_xlate *x)
{
    /* The cached host views die with the lock; the next begin empties the cache, so the
     * 6 KiB reset is paid once per command, not twice. */
    x->header_valid = false;
    mem_guest_unlock_shared(x->guest);
}

static __attribute__((cold)) enum mem_xlate_error
fail(struct mem_xlate *x, enum mem_xlate_error err, uint64_t va)
{
    x->last_error = err;
    x->last_error_va = va;
    return err;
}

const struct mem_xlate_entry *
mem_xlate_lookup_slow(struct mem_xlate *x, uint64_t va)
{
    uint64_t tag = (va & ~0xFFFull) | x->gen;
    struct mem_xlate_entry *e = &x->cache[(va >> PAGE_SHIFT) & (MEM_XLATE_CACHE_ENTRIES - 1)];
    if (e->tag == tag)
        return e;

    const struct mem_space *s = x->space;
    enum mem_xlate_error err;
    uint64_t gpa, run;
    if (s && s->root_pfn) {
        if (!x->header_valid) {
            err = read_header(x, s->root_pfn, &x->top_pfn, &x->levels);
            if (err != MEM_XLATE_OK) {
                fail(x, err, va);
                return NULL;
            }
            x->header_valid = true;
        }
        err = walk(x, x->top_pfn, x->levels, va, &gpa);
    } else if (s && s->ranges) {
        err = mem_rangetable_lookup(s->ranges, va, &gpa, &run, NULL);
    } else {
        err = MEM_XLATE_NO_SPACE;
    }
    if (err != MEM_XLATE_OK) {
        fail(x, err, va);
        return NULL;
    }
    e->tag = tag;
    e->gpa_page = gpa & ~PAGE_OFF;
    /* NULL outside RAM and in the task model: the copy then goes through mem_guest. */
    e->host_page = (uint8_t *)ram_page(x, e->gpa_page);
    return e;
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
        const struct mem_xlate_entry *e = mem_xlate_lookup(x, va);
        if (!e)
            goto err;
        uint64_t off = va & PAGE_OFF;
        size_t n = (size_t)UT_MIN((uint64_t)left, PAGE_SIZE_4K - off);
        const uint8_t *src = e->host_page;
        if (src && n < left) {
            /* Scattered pages restart the hardware prefetcher at every page: translate the
             * next page now and start fetching its first lines while this one is copied. */
            const struct mem_xlate_entry *next = mem_xlate_lookup(x, va + n);
            if (next && next->host_page) {
                __builtin_prefetch(next->host_page);
                __builtin_prefetch(next->host_page + 64);
                __builtin_prefetch(next->host_page + 128);
                __builtin_prefetch(next->host_page + 192);
            }
        }
        if (src) {
            memcpy(d, src + off, n);
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
        const struct mem_xlate_entry *e = mem_xlate_lookup(x, va);
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
