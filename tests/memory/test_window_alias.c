/* SPDX-License-Identifier: MIT */
/*
 * Task windows alias guest RAM, never copy (api.md §5.8): after lagfx_task_map (mremap of a
 * MAP_SHARED memfd mapping) and lagfx_task_map_fd, a store through the window is seen through
 * the source mapping and the other way round; read_only gives a read-only mapping; unmap puts
 * zero pages back and leaves the source alone; a private or too short source is refused with
 * NOT_SUPPORTED and the window unchanged.
 */
#include <stdio.h>

#include <libapplegfx-vulkan.h>

#include "memtest.h"

#define PG 0x1000u

/* Permissions of the mapping holding p ("rw-s", ...), from /proc/self/maps. */
static void
perms_of(const void *p, char out[5])
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    strcpy(out, "????");
    REQUIRE(f);
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && (uintptr_t)p >= lo &&
            (uintptr_t)p < hi) {
            memcpy(out, perms, 5);
            break;
        }
    }
    fclose(f);
}

int
main(void)
{
    struct ram src; /* 8 pages of memfd, MAP_SHARED */
    ram_init(&src, 0, 8 * PG);
    ram_fill_pattern(&src, 0, 8 * PG);
    lagfx_task_t *task = NULL;
    REQUIRE(lagfx_task_new(16 * PG + 1, &task) == LAGFX_OK); /* rounded up to 17 pages */
    volatile uint8_t *w = lagfx_task_get_base(task);
    REQUIRE(w);
    char perms[5];
    perms_of((const void *)w, perms);
    CHECK_STR(perms, "---p"); /* a bare reservation */

    /* task_map: window pages 2-3 = source pages 1-2. */
    CHECK_STATUS(lagfx_task_map(task, 2 * PG, src.host + PG, 2 * PG, false), LAGFX_OK);
    CHECK_EQ_U32(w[2 * PG + 5], pattern_byte(PG + 5));
    CHECK_EQ_U32(w[4 * PG - 1], pattern_byte(3 * PG - 1));
    w[2 * PG + 7] = 0xA5; /* window → source */
    CHECK_EQ_U32(src.host[PG + 7], 0xA5);
    src.host[2 * PG + 9] = 0x5A; /* source → window */
    CHECK_EQ_U32(w[3 * PG + 9], 0x5A);
    perms_of((const void *)(w + 2 * PG), perms);
    CHECK_STR(perms, "rw-s");

    /* task_map_fd: window pages 6-8 = fd pages 4-6. */
    CHECK_STATUS(lagfx_task_map_fd(task, 6 * PG, src.fd, 4 * PG, 3 * PG, false), LAGFX_OK);
    CHECK_EQ_U32(w[6 * PG], pattern_byte(4 * PG));
    w[8 * PG + 1] = 0x77;
    CHECK_EQ_U32(src.host[6 * PG + 1], 0x77);
    src.host[5 * PG + 2] = 0x88;
    CHECK_EQ_U32(w[7 * PG + 2], 0x88);

    /* Read-only aliases, both ways of mapping. */
    CHECK_STATUS(lagfx_task_map(task, 10 * PG, src.host, PG, true), LAGFX_OK);
    perms_of((const void *)(w + 10 * PG), perms);
    CHECK_STR(perms, "r--s");
    CHECK_STATUS(lagfx_task_map_fd(task, 11 * PG, src.fd, 0, PG, true), LAGFX_OK);
    perms_of((const void *)(w + 11 * PG), perms);
    CHECK_STR(perms, "r--s");
    src.host[3] = 0x99;
    CHECK_EQ_U32(w[10 * PG + 3], 0x99);
    CHECK_EQ_U32(w[11 * PG + 3], 0x99);

    /* Unmap: zeros in the window, the source keeps its bytes. */
    CHECK_STATUS(lagfx_task_unmap(task, 2 * PG, PG), LAGFX_OK);
    CHECK_EQ_U32(w[2 * PG + 7], 0);
    CHECK_EQ_U32(src.host[PG + 7], 0xA5);
    w[2 * PG + 7] = 1; /* private now: not seen by the source */
    CHECK_EQ_U32(src.host[PG + 7], 0xA5);
    CHECK_EQ_U32(w[3 * PG + 9], 0x5A); /* the other page of that alias stays */
    perms_of((const void *)(w + 2 * PG), perms);
    CHECK_STR(perms, "rw-p");

    /* A private source is refused and the window keeps its alias. */
    uint8_t *priv = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(priv != MAP_FAILED);
    priv[0] = 0x42;
    CHECK_STATUS(lagfx_task_map(task, 6 * PG, priv, PG, false), LAGFX_ERROR_NOT_SUPPORTED);
    CHECK_EQ_U32(w[7 * PG + 2], 0x88);
    src.host[4 * PG + 3] = 0x31;
    CHECK_EQ_U32(w[6 * PG + 3], 0x31); /* still the same pages as the source */
    /* ...also a private mapping of the memfd itself. */
    uint8_t *privfile = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, src.fd, 0);
    REQUIRE(privfile != MAP_FAILED);
    CHECK_STATUS(lagfx_task_map(task, 6 * PG, privfile, PG, false), LAGFX_ERROR_NOT_SUPPORTED);
    /* ...and a reserved hole stays a reservation. */
    CHECK_STATUS(lagfx_task_map(task, 13 * PG, priv, PG, false), LAGFX_ERROR_NOT_SUPPORTED);
    perms_of((const void *)(w + 13 * PG), perms);
    CHECK_STR(perms, "---p");
    /* A source shorter than the length asked for. */
    CHECK_STATUS(lagfx_task_map(task, 12 * PG, src.host + 7 * PG, 2 * PG, false),
                 LAGFX_ERROR_NOT_SUPPORTED);
    perms_of((const void *)(w + 12 * PG), perms);
    CHECK_STR(perms, "---p");
    CHECK_EQ_U32(w[6 * PG + 3], 0x31);

    munmap(privfile, PG);
    munmap(priv, 2 * PG);
    lagfx_task_free(task);
    ram_fini(&src);
    return check_finish();
}
