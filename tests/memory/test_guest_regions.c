/* SPDX-License-Identifier: MIT */
/*
 * mem_guest_set_regions validation (api.md §5.4, guest.h): misaligned gpa, length or host_ptr,
 * empty or overflowing regions, unknown flags, bad fds, overlaps in any order, NULL lists and
 * more than LAGFX_MAX_RAM_REGIONS all return INVALID_ARGUMENT and change nothing; BAD_STATE
 * in the task model. Kept fds are the library's own dups, closed when the list is replaced
 * and when the guest is freed.
 */
#include <fcntl.h>
#include <stdlib.h>

#include <libapplegfx-vulkan.h>

#include "memtest.h"

static bool
fd_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static bool
read_cb(void *user, uint64_t gpa, uint64_t length, void *dst)
{
    return false;
}

int
main(void)
{
    struct ram a, b;
    ram_init(&a, 0x100000, 0x4000);
    ram_init(&b, 0x200000, 0x4000);
    struct mem_guest *g = NULL;
    REQUIRE(mem_guest_new(NULL, &g) == LAGFX_OK);
    lagfx_ram_region_t good[2] = { ram_region(&a, LAGFX_RAM_HAS_FD), ram_region(&b, 0) };
    REQUIRE(mem_guest_set_regions(g, good, 2) == LAGFX_OK);
    uint8_t byte = 0;

    /* Each bad variant of region 1, on top of a good region 0. */
    struct {
        const char *what;
        lagfx_ram_region_t r;
    } bad[16];
    int n = 0;
    lagfx_ram_region_t base = ram_region(&b, 0);
#define BAD(what_, field, value)  \
    do {                          \
        bad[n].what = what_;      \
        bad[n].r = base;          \
        bad[n].r.field = (value); \
        n++;                      \
    } while (0)
    BAD("gpa misaligned", gpa, 0x200800);
    BAD("length misaligned", length, 0x3800);
    BAD("length zero", length, 0);
    BAD("host_ptr misaligned", host_ptr, b.host + 0x10);
    BAD("host_ptr NULL", host_ptr, NULL);
    BAD("gpa + length overflows", gpa, 0xFFFFFFFFFFFFF000ull);
    BAD("unknown flag", flags, 0x4);
    BAD("overlaps region 0 (from below)", gpa, 0x0FF000);
    BAD("overlaps region 0 (inside)", gpa, 0x101000);
    BAD("fd negative", flags, LAGFX_RAM_HAS_FD);
    bad[n - 1].r.fd = -1;
    BAD("fd_offset misaligned", flags, LAGFX_RAM_HAS_FD);
    bad[n - 1].r.fd_offset = 0x10;
    BAD("fd not open", flags, LAGFX_RAM_HAS_FD);
    bad[n - 1].r.fd = 999;
#undef BAD
    lagfx_ram_region_t list[2];
    for (int i = 0; i < n; i++) {
        list[0] = ram_region(&a, 0);
        list[1] = bad[i].r;
        lagfx_status_t st = mem_guest_set_regions(g, list, 2);
        if (st != LAGFX_ERROR_INVALID_ARGUMENT)
            fprintf(stderr, "case \"%s\"\n", bad[i].what);
        CHECK_STATUS(st, LAGFX_ERROR_INVALID_ARGUMENT);
        /* Overlap regardless of order. */
        list[0] = bad[i].r;
        list[1] = ram_region(&a, 0);
        CHECK_STATUS(mem_guest_set_regions(g, list, 2), LAGFX_ERROR_INVALID_ARGUMENT);
    }
    /* Exactly the same region twice. */
    list[0] = list[1] = ram_region(&a, 0);
    CHECK_STATUS(mem_guest_set_regions(g, list, 2), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(mem_guest_set_regions(g, NULL, 1), LAGFX_ERROR_INVALID_ARGUMENT);

    /* Too many: 1025 one-page regions; 1024 are fine. */
    lagfx_ram_region_t *many = calloc(LAGFX_MAX_RAM_REGIONS + 1, sizeof(*many));
    REQUIRE(many);
    for (uint32_t i = 0; i <= LAGFX_MAX_RAM_REGIONS; i++)
        many[i] = (lagfx_ram_region_t){
            .gpa = 0x10000000ull + 0x2000ull * i, .length = 0x1000, .host_ptr = a.host, .fd = -1
        };
    CHECK_STATUS(mem_guest_set_regions(g, many, LAGFX_MAX_RAM_REGIONS + 1),
                 LAGFX_ERROR_INVALID_ARGUMENT);

    /* Nothing changed: two regions, region 0's dup'ed fd still ours. */
    CHECK_EQ_U32(mem_guest_region_count(g), 2);
    CHECK(mem_guest_read(g, 0x100000, &byte, 1));
    CHECK(mem_guest_read(g, 0x200000, &byte, 1));
    lagfx_ram_region_t out;
    mem_guest_lock_shared(g);
    CHECK(mem_guest_region_at_locked(g, 0, &out));
    mem_guest_unlock_shared(g);
    int dup_fd = out.fd;
    CHECK(dup_fd >= 0 && dup_fd != a.fd);
    CHECK(fd_open(dup_fd));
    CHECK(fcntl(dup_fd, F_GETFD) & FD_CLOEXEC);
    mem_guest_lock_shared(g);
    CHECK(mem_guest_region_at_locked(g, 1, &out));
    mem_guest_unlock_shared(g);
    CHECK_EQ_INT(out.fd, -1); /* no LAGFX_RAM_HAS_FD: nothing kept */

    /* 1024 regions are accepted; the earlier dup is closed on replace. */
    CHECK_STATUS(mem_guest_set_regions(g, many, LAGFX_MAX_RAM_REGIONS), LAGFX_OK);
    CHECK_EQ_U32(mem_guest_region_count(g), LAGFX_MAX_RAM_REGIONS);
    CHECK(!fd_open(dup_fd));
    CHECK(mem_guest_read(g, 0x10000000ull + 0x2000ull * 1023, &byte, 1));
    CHECK(!mem_guest_read(g, 0x10000000ull + 0x2000ull * 1023 + 0x1000, &byte, 1));
    CHECK(!mem_guest_read(g, 0x100000, &byte, 1));
    free(many);

    /* The borrowed fd may be closed by the VMM after the call: our dup lives on. */
    int tmp = dup(b.fd);
    REQUIRE(tmp >= 0);
    lagfx_ram_region_t withfd = ram_region(&b, LAGFX_RAM_HAS_FD);
    withfd.fd = tmp;
    CHECK_STATUS(mem_guest_set_regions(g, &withfd, 1), LAGFX_OK);
    close(tmp);
    mem_guest_lock_shared(g);
    CHECK(mem_guest_region_at_locked(g, 0, &out));
    mem_guest_unlock_shared(g);
    CHECK(fd_open(out.fd));
    mem_guest_free(g); /* closes it */
    CHECK(!fd_open(out.fd));

    /* Task model: BAD_STATE, and it is not the region model. */
    struct mem_guest_callbacks cb = { .read_memory = read_cb };
    REQUIRE(mem_guest_new(&cb, &g) == LAGFX_OK);
    CHECK(!mem_guest_is_region_model(g));
    CHECK_STATUS(mem_guest_set_regions(g, good, 2), LAGFX_ERROR_BAD_STATE);
    mem_guest_free(g);
    mem_guest_free(NULL);

    ram_fini(&a);
    ram_fini(&b);
    return check_finish();
}
