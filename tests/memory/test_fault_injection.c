/* SPDX-License-Identifier: MIT */
/*
 * Fault injection on every constructor of the memory layer (STYLE §11, SQLite's faultsim):
 * the Nth allocation fails for N = 0, 1, … until the call succeeds; each failing call returns
 * OUT_OF_MEMORY, leaves its object as it was and leaks nothing (LeakSanitizer in the ASan
 * build). Covers mem_guest_new, mem_guest_set_regions, mem_rangetable_new/map/unmap,
 * mem_window_new and lagfx_task_new.
 */
#include <libapplegfx-vulkan.h>

#include "memory/window.h"
#include "memory/xlate.h"
#include "memtest.h"
#include "util/alloc.h"

/* Runs `call` with the Nth allocation failing until it succeeds; returns the failures seen. */
#define FAULT_LOOP(failures, call, on_fail)               \
    do {                                                  \
        for (int64_t n_ = 0;; n_++) {                     \
            REQUIRE(n_ < 100);                            \
            ut_fault_configure(n_, 1);                    \
            lagfx_status_t st_ = (call);                  \
            bool hit_ = ut_fault_triggered() > 0;         \
            ut_fault_disable();                           \
            if (st_ == LAGFX_OK) {                        \
                CHECK(!hit_);                             \
                break;                                    \
            }                                             \
            CHECK_STATUS(st_, LAGFX_ERROR_OUT_OF_MEMORY); \
            CHECK(hit_);                                  \
            (failures)++;                                 \
            on_fail;                                      \
        }                                                 \
    } while (0)

int
main(void)
{
    int failures;
    struct ram a;
    ram_init(&a, 0x100000, 0x4000);
    uint8_t byte;

    /* mem_guest_new */
    struct mem_guest *g = NULL;
    failures = 0;
    FAULT_LOOP(failures, mem_guest_new(NULL, &g), CHECK(g == NULL));
    CHECK(failures >= 1);
    REQUIRE(g);

    /* mem_guest_set_regions: a failed replace keeps the old list and its fd. */
    lagfx_ram_region_t r0 = ram_region(&a, LAGFX_RAM_HAS_FD);
    REQUIRE(mem_guest_set_regions(g, &r0, 1) == LAGFX_OK);
    lagfx_ram_region_t r1 = ram_region(&a, LAGFX_RAM_HAS_FD);
    r1.gpa = 0x200000;
    failures = 0;
    FAULT_LOOP(failures, mem_guest_set_regions(g, &r1, 1),
               CHECK(mem_guest_read(g, 0x100000, &byte, 1)));
    CHECK(failures >= 1);
    CHECK(mem_guest_read(g, 0x200000, &byte, 1));
    CHECK(!mem_guest_read(g, 0x100000, &byte, 1));
    mem_guest_free(g);

    /* mem_rangetable_new */
    struct mem_rangetable *rt = NULL;
    failures = 0;
    FAULT_LOOP(failures, mem_rangetable_new(1ull << 32, &rt), CHECK(rt == NULL));
    CHECK(failures >= 1);
    REQUIRE(rt);

    /* mem_rangetable_map: the table grows at the first map and again later. */
    lagfx_phys_range_t one = { 0x100000, 0x1000 };
    int total = 0;
    for (uint32_t i = 0; i < 40; i++) {
        failures = 0;
        FAULT_LOOP(failures, mem_rangetable_map(rt, 0x2000ull * i, &one, 1, false),
                   CHECK_EQ_U32(mem_rangetable_count(rt), i));
        CHECK(failures <= 1);
        total += failures;
    }
    CHECK(total >= 2);
    CHECK_EQ_U32(mem_rangetable_count(rt), 40);
    /* mem_rangetable_unmap: each hole punched into one big range splits it and needs a slot. */
    lagfx_phys_range_t big = { 0x200000, 0x80000 };
    REQUIRE(mem_rangetable_map(rt, 0x100000, &big, 1, false) == LAGFX_OK);
    total = 0;
    for (uint32_t i = 0; i < 40; i++) {
        failures = 0;
        FAULT_LOOP(failures, mem_rangetable_unmap(rt, 0x101000 + 0x2000ull * i, 0x1000),
                   CHECK_EQ_U32(mem_rangetable_count(rt), 41 + i));
        total += failures;
    }
    CHECK(total >= 1);
    CHECK_EQ_U32(mem_rangetable_count(rt), 81);
    uint64_t gpa = 0, run = 0;
    CHECK_EQ_INT(mem_rangetable_lookup(rt, 0x102000, &gpa, &run, NULL), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x202000);
    CHECK_EQ_INT(mem_rangetable_lookup(rt, 0x103000, &gpa, &run, NULL), MEM_XLATE_UNMAPPED);
    mem_rangetable_free(rt);

    /* mem_window_new */
    struct mem_window *w = NULL;
    failures = 0;
    FAULT_LOOP(failures, mem_window_new(0x10000, &w), CHECK(w == NULL));
    CHECK(failures >= 1);
    REQUIRE(w);
    CHECK_EQ_U64(mem_window_size(w), 0x10000);
    mem_window_free(w);
    mem_window_free(NULL);

    /* lagfx_task_new */
    lagfx_task_t *task = NULL;
    failures = 0;
    FAULT_LOOP(failures, lagfx_task_new(0x10000, &task), CHECK(task == NULL));
    CHECK(failures >= 1);
    REQUIRE(task);
    lagfx_task_free(task);

    ram_fini(&a);
    return check_finish();
}
