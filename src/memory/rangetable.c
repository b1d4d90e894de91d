/* SPDX-License-Identifier: MIT */
/*
 * Range-table task spaces (protocol.md §9.6): DefineTask2 gives a VA length, MapMemory2
 * appends {gpa, length} ranges back to back from a VA offset, UnmapMemory removes a VA span
 * and splits the ranges it cuts. Kept as an array sorted by VA with no overlaps, so a lookup
 * is a binary search. Each change is validated and its memory reserved before anything moves,
 * so a refused call leaves the table as it was. Owned by the protocol worker of the task; no
 * lock (mem_xlate contexts of that worker read it).
 */
#include <string.h>

#include "memory/xlate.h"
#include "util/alloc.h"
#include "util/checked.h"

#define PAGE_MASK_4K 0xFFFull

/* MapMemory2 ranges per call (protocol.md §17.2). */
#define RT_MAX_RANGES_PER_MAP 1024u
/* Ranges per table: each MapMemory2 adds at most 1024 and each UnmapMemory one, and a guest
 * could otherwise grow a table by a range per command without end. 64 Ki ranges (1.5 MiB)
 * cover any real client; beyond it a map is refused (INVALID_ARGUMENT). */
#define RT_MAX_RANGES 65536u

struct rt_range {
    uint64_t va, len, gpa; /* va + len <= va_size; gpa + len does not overflow */
    bool read_only;
};

struct mem_rangetable {
    uint64_t va_size;
    struct rt_range *r; /* sorted by va, non-overlapping */
    uint32_t count, cap;
};

lagfx_status_t
mem_rangetable_new(uint64_t va_size, struct mem_rangetable **out)
{
    if (va_size == 0)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    struct mem_rangetable *rt = ut_calloc(1, sizeof(*rt));
    if (!rt)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    rt->va_size = va_size;
    *out = rt;
    return LAGFX_OK;
}

void
mem_rangetable_free(struct mem_rangetable *rt)
{
    if (!rt)
        return;
    ut_free(rt->r);
    ut_free(rt);
}

uint32_t
mem_rangetable_count(const struct mem_rangetable *rt)
{
    return rt->count;
}

static bool
reserve(struct mem_rangetable *rt, uint32_t extra)
{
    uint64_t need = (uint64_t)rt->count + extra;
    if (need <= rt->cap)
        return true;
    uint64_t cap = rt->cap ? rt->cap : 16;
    while (cap < need)
        cap *= 2;
    struct rt_range *r = ut_realloc_array(rt->r, (size_t)cap, sizeof(*r));
    if (!r)
        return false;
    rt->r = r;
    rt->cap = (uint32_t)cap;
    return true;
}

/* Index of the first range ending after va (count if none). */
static uint32_t
first_after(const struct mem_rangetable *rt, uint64_t va)
{
    uint32_t lo = 0, hi = rt->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (rt->r[mid].va + rt->r[mid].len <= va)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Removes [va, end); needs one free slot for a split. Returns the index where [va, end) now
 * starts (the insertion point). */
static uint32_t
cut(struct mem_rangetable *rt, uint64_t va, uint64_t end)
{
    uint32_t i = first_after(rt, va);
    if (i < rt->count && rt->r[i].va < va && rt->r[i].va + rt->r[i].len > end) {
        /* One range covers the hole on both sides: split it in two. */
        struct rt_range tail = rt->r[i];
        uint64_t skip = end - tail.va;
        tail.va = end;
        tail.gpa += skip;
        tail.len -= skip;
        rt->r[i].len = va - rt->r[i].va;
        memmove(&rt->r[i + 2], &rt->r[i + 1], (rt->count - i - 1) * sizeof(*rt->r));
        rt->r[i + 1] = tail;
        rt->count++;
        return i + 1;
    }
    if (i < rt->count && rt->r[i].va < va) {
        rt->r[i].len = va - rt->r[i].va; /* keep its head */
        i++;
    }
    uint32_t j = i; /* ranges [i, j) lie wholly inside the hole */
    while (j < rt->count && rt->r[j].va + rt->r[j].len <= end)
        j++;
    if (j < rt->count && rt->r[j].va < end) {
        uint64_t skip = end - rt->r[j].va; /* keep its tail */
        rt->r[j].va = end;
        rt->r[j].gpa += skip;
        rt->r[j].len -= skip;
    }
    memmove(&rt->r[i], &rt->r[j], (rt->count - j) * sizeof(*rt->r));
    rt->count -= j - i;
    return i;
}

lagfx_status_t
mem_rangetable_map(struct mem_rangetable *rt,
                   uint64_t va,
                   const lagfx_phys_range_t *ranges,
                   uint32_t count,
                   bool read_only)
{
    if (count == 0)
        return LAGFX_OK;
    if (!ranges || count > RT_MAX_RANGES_PER_MAP || (va & PAGE_MASK_4K))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    uint64_t total = 0, end;
    for (uint32_t i = 0; i < count; i++) {
        const lagfx_phys_range_t *p = &ranges[i];
        if (((p->gpa | p->length) & PAGE_MASK_4K) || p->length == 0 ||
            ut_add_overflows_u64(p->gpa, p->length, &end) ||
            ut_add_overflows_u64(total, p->length, &total))
            return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    if (!ut_range_ok(va, total, rt->va_size))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    /* count new ranges, plus one for a split of an old range by the new span. */
    if ((uint64_t)rt->count + count + 1 > RT_MAX_RANGES)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (!reserve(rt, count + 1))
        return LAGFX_ERROR_OUT_OF_MEMORY;

    uint32_t at = cut(rt, va, va + total); /* the new ranges replace what was there */
    memmove(&rt->r[at + count], &rt->r[at], (rt->count - at) * sizeof(*rt->r));
    uint64_t cur = va;
    for (uint32_t i = 0; i < count; i++) {
        rt->r[at + i] = (struct rt_range){
            .va = cur, .len = ranges[i].length, .gpa = ranges[i].gpa, .read_only = read_only
        };
        cur += ranges[i].length;
    }
    rt->count += count;
    return LAGFX_OK;
}

lagfx_status_t
mem_rangetable_unmap(struct mem_rangetable *rt, uint64_t va, uint64_t len)
{
    if (((va | len) & PAGE_MASK_4K) || !ut_range_ok(va, len, rt->va_size))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (len == 0)
        return LAGFX_OK;
    if (!reserve(rt, 1))
        return LAGFX_ERROR_OUT_OF_MEMORY;
    cut(rt, va, va + len);
    return LAGFX_OK;
}

enum mem_xlate_error
mem_rangetable_lookup(const struct mem_rangetable *rt,
                      uint64_t va,
                      uint64_t *gpa_out,
                      uint64_t *run_out,
                      bool *read_only_out)
{
    if (va >= rt->va_size)
        return MEM_XLATE_OUTSIDE_SPACE;
    uint32_t i = first_after(rt, va);
    if (i >= rt->count || rt->r[i].va > va)
        return MEM_XLATE_UNMAPPED;
    const struct rt_range *r = &rt->r[i];
    *gpa_out = r->gpa + (va - r->va);
    /* Ranges are page-aligned: the run ends at the page end, as for radix tasks (§9.4). */
    *run_out = 0x1000 - (va & PAGE_MASK_4K);
    if (read_only_out)
        *read_only_out = r->read_only;
    return MEM_XLATE_OK;
}
