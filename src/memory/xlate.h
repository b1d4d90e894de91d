/* SPDX-License-Identifier: MIT */
/*
 * Task-virtual → guest-physical translation (protocol.md §9): the 3-level radix walk (10 bits
 * a level, 4 KiB pages, leaf flag in bit 31, early leaves aligned to their size, 31-bit page
 * numbers) and range-table tasks (§9.6). A struct mem_xlate is a per-outer-command context
 * with a small direct-mapped translation cache: the guest rewrites entries silently, so the
 * cache never lives longer than one outer command (§9.5). Multi-page accesses are assembled
 * page by page; contiguity is promised only within a 4 KiB page.
 *
 * Threads: a mem_xlate belongs to one worker; range tables are changed and read by the
 * protocol worker that owns the task.
 */
#ifndef LAGFX_MEMORY_XLATE_H
#define LAGFX_MEMORY_XLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

#include "memory/guest.h"

enum mem_xlate_error {
    MEM_XLATE_OK = 0,
    MEM_XLATE_UNMAPPED,      /* a zero entry, or no range covers the VA */
    MEM_XLATE_OUTSIDE_SPACE, /* VA beyond the table's 12 + 10·L bits */
    MEM_XLATE_BAD_TABLE,     /* levels outside 1..4, top PFN 0, misaligned early leaf */
    MEM_XLATE_OUTSIDE_RAM,   /* a node, header or data page not in guest RAM */
    MEM_XLATE_OVERFLOW,      /* va + len wraps */
    MEM_XLATE_NO_SPACE,      /* the task has no table at all */
    MEM_XLATE_READ_ONLY,     /* a write to a read-only range or RAM region */
};

const char *mem_xlate_error_name(enum mem_xlate_error err);

/* Range-table task (DefineTask2/MapMemory2/UnmapMemory, protocol.md §9.6). */
struct mem_rangetable;
lagfx_status_t mem_rangetable_new(uint64_t va_size, struct mem_rangetable **out);
void mem_rangetable_free(struct mem_rangetable *rt);
/* Appends count {gpa, length} ranges back to back from va. INVALID_ARGUMENT on unaligned,
 * overflowing or out-of-space ranges (nothing added). Caps: protocol.md §17.2. */
lagfx_status_t mem_rangetable_map(struct mem_rangetable *rt,
                                  uint64_t va,
                                  const lagfx_phys_range_t *ranges,
                                  uint32_t count,
                                  bool read_only);
/* Removes [va, va + len); parts of ranges outside it stay. INVALID_ARGUMENT when unaligned or
 * outside the space, OUT_OF_MEMORY (nothing removed). */
lagfx_status_t mem_rangetable_unmap(struct mem_rangetable *rt, uint64_t va, uint64_t len);
/* VA → GPA and the run to the end of the page; read_only_out may be NULL. UNMAPPED,
 * OUTSIDE_SPACE. */
enum mem_xlate_error mem_rangetable_lookup(const struct mem_rangetable *rt,
                                           uint64_t va,
                                           uint64_t *gpa_out,
                                           uint64_t *run_out,
                                           bool *read_only_out);
/* Number of ranges held (tests). */
uint32_t mem_rangetable_count(const struct mem_rangetable *rt);

/* What a task's VA space is. Exactly one of root_pfn (radix) or ranges is set. */
struct mem_space {
    uint32_t root_pfn; /* radix root header page (protocol.md §9.2); 0 = none */
    struct mem_rangetable *ranges;
};

/* Direct-mapped: a hit is one tag compare. 1024 entries keep random hot pages from colliding
 * often; with generation tags the size costs nothing per outer command. */
#define MEM_XLATE_CACHE_ENTRIES 1024
#define MEM_XLATE_NODE_ENTRIES  16

/* Last-level node cache (a paging-structure cache): VA >> 22 → host view of the last-level
 * node of that 4 MiB span, so that a miss in the page cache costs one entry load. Region
 * model only; lives exactly as long as the page cache. */
struct mem_xlate_node {
    uint64_t tag; /* (vpn >> 10) + 1; 0 = empty */
    const uint8_t *node;
};

/* Generations: invalidation bumps the generation instead of clearing the cache, so a new
 * outer command costs O(1); every 4095 generations the cache is cleared for real. */
#define MEM_XLATE_GEN_MASK 0xFFFull
#define MEM_XLATE_MAGIC    0x6C61676678617465ull /* "lagfxate": the context was set up */

struct mem_xlate_entry {
    uint64_t tag; /* (va & ~0xFFF) | generation; generation 0 never matches */
    uint64_t gpa_page;
    uint8_t *host_page; /* region-model host view of that page, or NULL */
};

struct mem_xlate {
    uint64_t magic; /* MEM_XLATE_MAGIC once begin cleared the cache */
    uint64_t gen;   /* 1..4095 */
    struct mem_guest *guest;
    const struct mem_space *space;
    bool header_valid; /* root header read this command */
    uint32_t top_pfn, levels;
    enum mem_xlate_error last_error;
    uint64_t last_error_va;
    /* Region-model RAM block the walk used last (ram_len 0: none), so that node and data
     * pages resolve without a region search; valid under the shared lock, like host_page. */
    uint64_t ram_gpa, ram_len;
    uint8_t *ram_host;
    struct mem_xlate_node nodes[MEM_XLATE_NODE_ENTRIES];
    struct mem_xlate_entry cache[MEM_XLATE_CACHE_ENTRIES];
};

/* Starts one outer command's translation context: takes the guest's shared lock (host views
 * stay valid until mem_xlate_end) and empties the cache. */
void mem_xlate_begin(struct mem_xlate *x, struct mem_guest *g, const struct mem_space *space);
void mem_xlate_end(struct mem_xlate *x);
/* Drops cached translations and the cached root header (table redefinition, unmap). */
void mem_xlate_invalidate(struct mem_xlate *x);

/* The cache entry of va's page after a walk on a miss; NULL with last_error/last_error_va
 * set on failure. Out of line: the inline mem_xlate_lookup handles hits. */
const struct mem_xlate_entry *mem_xlate_lookup_slow(struct mem_xlate *x, uint64_t va);

static inline const struct mem_xlate_entry *
mem_xlate_lookup(struct mem_xlate *x, uint64_t va)
{
    const struct mem_xlate_entry *e = &x->cache[(va >> 12) & (MEM_XLATE_CACHE_ENTRIES - 1)];
    if (__builtin_expect(e->tag == ((va & ~0xFFFull) | x->gen), 1))
        return e;
    return mem_xlate_lookup_slow(x, va);
}

/* VA → GPA with the run of bytes contiguous from there (≤ to the end of the 4 KiB page).
 * Inline: a cache hit costs a tag compare. */
static inline enum mem_xlate_error
mem_xlate_translate(struct mem_xlate *x, uint64_t va, uint64_t *gpa_out, uint64_t *run_out)
{
    const struct mem_xlate_entry *e = mem_xlate_lookup(x, va);
    if (!e)
        return x->last_error;
    *gpa_out = e->gpa_page + (va & 0xFFF);
    *run_out = 0x1000 - (va & 0xFFF);
    return MEM_XLATE_OK;
}

/* Page-by-page copy out of / into task memory. On failure dst is zero-filled (read) and
 * last_error/last_error_va say why and where. */
bool mem_xlate_read(struct mem_xlate *x, uint64_t va, void *dst, size_t len);
bool mem_xlate_write(struct mem_xlate *x, uint64_t va, const void *src, size_t len);

/* Host view of [va, va + len) when it lies in one page of directly mapped RAM; else NULL
 * (a failed translation also sets last_error). Inline, like mem_xlate_translate. */
static inline const void *
mem_xlate_view(struct mem_xlate *x, uint64_t va, size_t len)
{
    const struct mem_xlate_entry *e = mem_xlate_lookup(x, va);
    uint64_t off = va & 0xFFF;
    if (!e || !e->host_page || len > 0x1000 - off)
        return NULL;
    return e->host_page + off;
}

/* One uncached walk, for tests and tools: the same rules as mem_xlate_translate. */
enum mem_xlate_error mem_radix_walk(struct mem_guest *g,
                                    uint32_t root_pfn,
                                    uint64_t va,
                                    uint64_t *gpa_out,
                                    uint64_t *run_out);

#endif /* LAGFX_MEMORY_XLATE_H */
