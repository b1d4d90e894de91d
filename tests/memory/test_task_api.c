/* SPDX-License-Identifier: MIT */
/*
 * lagfx_task_* misuse (api.md §5.8, §8): NULL handles and out-parameters, vm_size 0, unaligned
 * or empty ranges, ranges outside or wrapping the window, bad fds and fd offsets all return
 * INVALID_ARGUMENT without touching the window; lagfx_task_free(NULL) is a no-op.
 */
#include <libapplegfx-vulkan.h>

#include "memtest.h"

#define PG 0x1000u

int
main(void)
{
    struct ram src;
    ram_init(&src, 0, 4 * PG);
    lagfx_task_t *task = NULL;

    CHECK_STATUS(lagfx_task_new(PG, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_new(0, &task), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK(task == NULL);
    CHECK_STATUS(lagfx_task_new(UINT64_MAX, &task), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK(task == NULL);
    CHECK_STATUS(lagfx_task_new(1ull << 62, &task), LAGFX_ERROR_OUT_OF_MEMORY);
    CHECK(task == NULL);
    CHECK(lagfx_task_get_base(NULL) == NULL);
    lagfx_task_free(NULL);
    CHECK_STATUS(lagfx_task_map(NULL, 0, src.host, PG, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_map_fd(NULL, 0, src.fd, 0, PG, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_unmap(NULL, 0, PG), LAGFX_ERROR_INVALID_ARGUMENT);

    REQUIRE(lagfx_task_new(4 * PG, &task) == LAGFX_OK);
    volatile uint8_t *w = lagfx_task_get_base(task);
    REQUIRE(lagfx_task_map(task, 0, src.host, PG, false) == LAGFX_OK);
    src.host[0] = 0x61;

    struct {
        uint64_t off, len;
    } bad[] = {
        { 0x800, PG },                      /* offset unaligned */
        { 0, 0x800 },                       /* length unaligned */
        { 0, 0 },                           /* empty */
        { 3 * PG, 2 * PG },                 /* past the end */
        { 4 * PG, PG },                     /* starts at the end */
        { UINT64_MAX & ~0xFFFull, 2 * PG }, /* wraps */
        { PG, UINT64_MAX & ~0xFFFull },     /* wraps */
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_STATUS(lagfx_task_map(task, bad[i].off, src.host, bad[i].len, false),
                     LAGFX_ERROR_INVALID_ARGUMENT);
        CHECK_STATUS(lagfx_task_map_fd(task, bad[i].off, src.fd, 0, bad[i].len, false),
                     LAGFX_ERROR_INVALID_ARGUMENT);
        CHECK_STATUS(lagfx_task_unmap(task, bad[i].off, bad[i].len), LAGFX_ERROR_INVALID_ARGUMENT);
    }
    CHECK_STATUS(lagfx_task_map(task, 0, NULL, PG, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_map(task, 0, src.host + 8, PG, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_map_fd(task, 0, -1, 0, PG, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_map_fd(task, 0, src.fd, 0x10, PG, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_map_fd(task, 0, src.fd, UINT64_MAX & ~0xFFFull, PG, false),
                 LAGFX_ERROR_INVALID_ARGUMENT);
    /* A closed fd: refused by the kernel, window unchanged. */
    CHECK_STATUS(lagfx_task_map_fd(task, 0, 999, 0, PG, false), LAGFX_ERROR_INVALID_ARGUMENT);
    /* Nothing above changed the window: page 0 still aliases the source. */
    CHECK_EQ_U32(w[0], 0x61);
    src.host[1] = 0x62;
    CHECK_EQ_U32(w[1], 0x62);

    lagfx_task_free(task);
    ram_fini(&src);
    return check_finish();
}
