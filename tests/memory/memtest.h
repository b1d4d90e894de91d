/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the memory tests: memfd-backed guest RAM blocks registered as regions, and
 * little-endian pokes into them by GPA. Single-threaded test programs.
 */
#ifndef LAGFX_TESTS_MEMORY_MEMTEST_H
#define LAGFX_TESTS_MEMORY_MEMTEST_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "memory/guest.h"

struct ram {
    int fd;
    uint8_t *host;
    uint64_t gpa, size;
};

static inline void
ram_init(struct ram *r, uint64_t gpa, uint64_t size)
{
    r->fd = memfd_create("lagfx-test-ram", MFD_CLOEXEC);
    REQUIRE(r->fd >= 0);
    REQUIRE(ftruncate(r->fd, (off_t)size) == 0);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    REQUIRE(p != MAP_FAILED);
    r->host = p;
    r->gpa = gpa;
    r->size = size;
}

static inline void
ram_fini(struct ram *r)
{
    munmap(r->host, r->size);
    close(r->fd);
}

static inline lagfx_ram_region_t
ram_region(const struct ram *r, uint32_t flags)
{
    lagfx_ram_region_t reg = { .gpa = r->gpa,
                               .length = r->size,
                               .host_ptr = r->host,
                               .fd_offset = 0,
                               .fd = r->fd,
                               .flags = flags };
    return reg;
}

/* Region-model guest over `count` blocks. */
static inline struct mem_guest *
guest_over(struct ram *rams, uint32_t count)
{
    struct mem_guest *g = NULL;
    lagfx_ram_region_t regs[8];
    REQUIRE(count <= 8);
    REQUIRE(mem_guest_new(NULL, &g) == LAGFX_OK);
    for (uint32_t i = 0; i < count; i++)
        regs[i] = ram_region(&rams[i], LAGFX_RAM_HAS_FD);
    REQUIRE(mem_guest_set_regions(g, regs, count) == LAGFX_OK);
    return g;
}

/* Host address of gpa in r (the test keeps its pokes inside r). */
static inline uint8_t *
ram_at(struct ram *r, uint64_t gpa)
{
    REQUIRE(gpa >= r->gpa && gpa - r->gpa < r->size);
    return r->host + (gpa - r->gpa);
}

static inline void
ram_put32(struct ram *r, uint64_t gpa, uint32_t v)
{
    uint8_t *p = ram_at(r, gpa);
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void
ram_put64(struct ram *r, uint64_t gpa, uint64_t v)
{
    ram_put32(r, gpa, (uint32_t)v);
    ram_put32(r, gpa + 4, (uint32_t)(v >> 32));
}

/* Entry idx of node page pfn. */
static inline void
ram_entry(struct ram *r, uint32_t pfn, uint32_t idx, uint32_t entry)
{
    ram_put32(r, ((uint64_t)pfn << 12) + idx * 4ull, entry);
}

/* Root header page (protocol.md §9.2). */
static inline void
ram_header(struct ram *r, uint32_t root_pfn, uint32_t top_pfn, uint32_t levels)
{
    uint64_t gpa = (uint64_t)root_pfn << 12;
    ram_put32(r, gpa, top_pfn);
    ram_put32(r, gpa + 4, levels);
}

/* A recognisable byte for gpa: pages differ, offsets differ. */
static inline uint8_t
pattern_byte(uint64_t gpa)
{
    return (uint8_t)((gpa >> 12) * 31 + (gpa & 0xFFF) * 7 + 1);
}

static inline void
ram_fill_pattern(struct ram *r, uint64_t gpa, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++)
        *ram_at(r, gpa + i) = pattern_byte(gpa + i);
}

#endif /* LAGFX_TESTS_MEMORY_MEMTEST_H */
