/* SPDX-License-Identifier: MIT */
/*
 * Stamps (protocol.md §6; §19 items 25, 27) and tasks (§9.1, §9.6; items 37, 38, 51): the
 * completion rule's vectors, reset never writing a cell, DefineHostTask redefinition with the
 * §9.7 tables, a heap set before its task, and range-table tasks.
 */
#include "check.h"
#include "common.h"
#include "guestsim.h"
#include "memory/xlate.h"

static void
w32(struct guestsim *g, uint64_t gpa, uint32_t v)
{
    guestsim_write32(g, gpa, v);
}

/* The memory image of protocol.md §9.7 (tasks A and B). */
static void
radix_image(struct guestsim *g)
{
    w32(g, 0x100000, 0x101);
    w32(g, 0x100004, 3);
    w32(g, 0x101000, 0x102);
    w32(g, 0x101004, 0x80100000);
    w32(g, 0x102000, 0x103);
    w32(g, 0x102004, 0x80000400);
    w32(g, 0x102008, 0x80000401);
    w32(g, 0x103000, 0x12);
    w32(g, 0x103004, 0x80000013);
    w32(g, 0x200000, 0x201);
    w32(g, 0x200004, 1);
    w32(g, 0x201000 + 4 * 5, 0x777);
}

static struct proto_task *
task(struct guestsim *g, uint32_t id)
{
    proto_dev_wait_idle(core_of(guestsim_device(g)));
    return proto_task_lookup(core_of(guestsim_device(g)), id);
}

int
main(void)
{
    /* Item 25: the completion rule, one vector each. */
    static const uint32_t v[][3] = {
        { 0, 1, 1 },
        { 5, 6, 6 },
        { 5, 9, 9 },
        { 9, 7, 9 },
        { 9, 9, 9 },
        { 0, 0, 0 },
        { 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF },
        { 0xFFFFFFFF, 1, 1 },
        { 1, 0x80000001, 1 }, /* exactly half the space ahead counts as behind */
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        CHECK_EQ_U32(proto_stamp_next(v[i][0], v[i][1]), v[i][2]);

    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    lagfx_device_t *dev = guestsim_device(g);
    REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);
    radix_image(g);

    /* Stamps through the ring: a repeated and an older target leave the cell alone, a
     * target of 0 is never written, the pending bit is set every time. */
    uint8_t h[12];
    while (guestsim_next_stamp(g, 0) < 9) /* later submits continue above 9 */
        ;
    hdr12(h, 0x0E, 12, 9);
    guestsim_root_put_raw(g, h, 12);
    guestsim_root_doorbell(g);
    CHECK(guestsim_wait_stamp(g, 0, 9, 2000));
    guestsim_mmio_read(g, 0x1018);
    hdr12(h, 0x0E, 12, 7);
    guestsim_root_put_raw(g, h, 12);
    hdr12(h, 0x0E, 12, 0);
    guestsim_root_put_raw(g, h, 12);
    guestsim_root_doorbell(g);
    proto_dev_wait_idle(core_of(dev));
    CHECK_EQ_U32(guestsim_stamp(g, 0), 9);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1018), 1);

    /* Item 37: 0x38 {2, hint, 0x100}: task 1 translates V1; again with 0x200: V11. */
    uint8_t p[16];
    uint64_t hint = 0x0000000400000000ull;
    uint32_t slot = 2, root = 0x100;
    memcpy(p, &slot, 4);
    memcpy(p + 4, &hint, 8);
    memcpy(p + 12, &root, 4);
    guestsim_root_submit(g, 0x38, p, 16);
    struct proto_task *t = task(g, 1);
    REQUIRE(t != NULL);
    CHECK_EQ_U32(t->space.root_pfn, 0x100);
    struct mem_guest *guest = dev->guest;
    uint64_t gpa = 0, run = 0;
    CHECK_EQ_INT(mem_radix_walk(guest, t->space.root_pfn, 0x100, &gpa, &run), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x12100);
    CHECK_EQ_U64(run, 0xF00);
    root = 0x200;
    memcpy(p + 12, &root, 4);
    guestsim_root_submit(g, 0x38, p, 16);
    t = task(g, 1);
    CHECK_EQ_INT(mem_radix_walk(guest, t->space.root_pfn, 0x5ABC, &gpa, &run), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x777ABC);

    /* Item 38: 0x33 for task 4 before its 0x38 still gives task 4 its slot table. */
    uint32_t heap[3] = { 4, 0x12345, 8192 };
    guestsim_root_submit(g, 0x33, heap, 12);
    slot = 4 << 1;
    root = 0x100;
    memcpy(p, &slot, 4);
    memcpy(p + 12, &root, 4);
    guestsim_root_submit(g, 0x38, p, 16);
    t = task(g, 4);
    REQUIRE(t != NULL);
    CHECK(t->defined);
    CHECK_EQ_U32(t->heap_vpn, 0x12345);
    CHECK_EQ_U32(t->heap_size, 8192);

    /* Item 51: range-table task. */
    uint8_t d2[24] = { 0 };
    uint32_t id = 7;
    uint64_t size = 0x100000;
    memcpy(d2, &id, 4);
    memcpy(d2 + 12, &size, 8);
    guestsim_root_submit(g, 0x00, d2, 24);
    uint8_t m2[20 + 32] = { 0 };
    uint32_t count = 2;
    uint64_t r[4] = { 0x50000, 0x1000, 0x80000, 0x2000 };
    memcpy(m2, &id, 4);
    memcpy(m2 + 16, &count, 4);
    memcpy(m2 + 20, r, 32);
    guestsim_root_submit(g, 0x02, m2, sizeof(m2));
    t = task(g, 7);
    REQUIRE(t != NULL && t->space.ranges != NULL);
    struct mem_xlate *x = calloc(1, sizeof(*x));
    mem_xlate_begin(x, guest, &t->space);
    CHECK_EQ_INT(mem_xlate_translate(x, 0x1800, &gpa, &run), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x80800);
    mem_xlate_end(x);
    uint8_t u[20] = { 0 };
    uint64_t va = 0x1000, len = 0x2000;
    memcpy(u, &id, 4);
    memcpy(u + 4, &va, 8);
    memcpy(u + 12, &len, 8);
    guestsim_root_submit(g, 0x03, u, 20);
    t = task(g, 7);
    mem_xlate_begin(x, guest, &t->space);
    CHECK(mem_xlate_translate(x, 0x1800, &gpa, &run) != MEM_XLATE_OK);
    CHECK_EQ_INT(mem_xlate_translate(x, 0x0800, &gpa, &run), MEM_XLATE_OK);
    CHECK_EQ_U64(gpa, 0x50800);
    mem_xlate_end(x);
    free(x);

    /* DeleteTask drops the task. */
    guestsim_root_submit(g, 0x01, &id, 4);
    CHECK(task(g, 7) == NULL);

    /* A task id beyond 0xFFFF is refused, the stamp still completes. */
    slot = 0x10000u << 1;
    memcpy(p, &slot, 4);
    uint32_t s = guestsim_root_submit(g, 0x38, p, 16);
    CHECK_EQ_U32(guestsim_stamp(g, 0), s);
    CHECK_EQ_U64(gerr_count(dev, UT_GERR_TASK), 1);

    /* Item 27: reset writes no stamp cell. */
    uint32_t cells[32];
    for (uint32_t i = 0; i < 32; i++) {
        guestsim_write32(g, guestsim_stamp_gpa(i), 0x1000 + i);
        cells[i] = 0x1000 + i;
    }
    CHECK_STATUS(lagfx_device_reset(dev), LAGFX_OK);
    for (uint32_t i = 0; i < 32; i++)
        CHECK_EQ_U32(guestsim_stamp(g, i), cells[i]);
    CHECK(task(g, 1) == NULL); /* tasks dropped */
    guestsim_free(g);
    return check_finish();
}
