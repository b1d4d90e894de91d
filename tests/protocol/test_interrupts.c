/* SPDX-License-Identifier: MIT */
/*
 * Interrupts and pending masks (protocol.md §4; §19 items 9-13): read-to-clear semantics, the
 * slot and display bits, vector 0 only, memory written before the interrupt, and exactly-once
 * reporting of bits set concurrently with reads.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"
#include "guestsim.h"
#include "protocol/dev_internal.h"
#include "util/alloc.h"

/* Item 12: inside raise_interrupt the stamp cell and read pointer already hold their values. */
static _Atomic uint32_t hook_ch1_target;
static _Atomic int hook_violations, hook_checks;

static void
irq_hook(struct guestsim *g, void *user)
{
    (void)user;
    uint32_t target = atomic_load(&hook_ch1_target);
    if (!target)
        return;
    atomic_fetch_add(&hook_checks, 1);
    uint32_t cell = guestsim_stamp(g, 1);
    uint32_t rp = guestsim_read32(g, guestsim_descriptor_gpa(1) + 4);
    uint32_t wp = guestsim_read32(g, guestsim_descriptor_gpa(1));
    if (cell != target || rp != wp)
        atomic_fetch_add(&hook_violations, 1);
}

/* Item 13 (unit): bits set by one thread, read-to-clear by another, each reported once. */
struct race {
    struct proto_dev *dev;
    _Atomic bool done;
};

static void *
setter(void *arg)
{
    struct race *r = arg;
    for (uint32_t i = 0; i < 100000; i++)
        proto_irq_set(r->dev, 1u << (i % 32), 0);
    atomic_store(&r->done, true);
    return NULL;
}

static void
concurrency_unit(void)
{
    struct mem_guest *guest;
    struct mem_guest_callbacks gcb = { 0 };
    REQUIRE(mem_guest_new(&gcb, &guest) == LAGFX_OK);
    struct proto_dev_config cfg = {
        .label = "race", .mmio_length = 0x4000, .port_count = 1, .guest = guest
    };
    struct proto_dev *dev;
    REQUIRE(proto_dev_new(&cfg, &dev) == LAGFX_OK);
    struct race r = { .dev = dev };
    pthread_t t;
    pthread_create(&t, NULL, setter, &r);
    uint64_t seen[32] = { 0 };
    for (;;) {
        bool last = atomic_load(&r.done);
        uint64_t v;
        proto_mmio_read(dev, 0x1018, 4, &v);
        for (int b = 0; b < 32; b++)
            seen[b] += (v >> b) & 1;
        if (last)
            break;
    }
    pthread_join(t, NULL);
    uint64_t v;
    proto_mmio_read(dev, 0x1018, 4, &v);
    CHECK_EQ_U64(v, 0); /* nothing left unreported */
    /* Each bit is reported at most once per set and at least once after its last set. */
    uint64_t total = 0;
    for (int b = 0; b < 32; b++) {
        CHECK(seen[b] >= 1);
        CHECK(seen[b] <= 100000 / 32 + 1);
        total += seen[b];
    }
    CHECK(total <= 100000);
    proto_dev_free(dev);
    mem_guest_free(guest);
}

int
main(void)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    REQUIRE(guestsim_boot_mmio(g) == LAGFX_OK);

    /* Item 9: one root command: STAMP_PENDING reads bit 0 once, then 0. */
    uint64_t irqs = guestsim_irq_count(g);
    guestsim_root_submit(g, 0x0E, NULL, 0); /* NOP, stamp 1 */
    CHECK(guestsim_wait_irq(g, irqs, 1000));
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1018), 0x00000001);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1018), 0);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1014), 0);

    REQUIRE(guestsim_boot_channels(g) == LAGFX_OK);
    guestsim_set_irq_hook(g, irq_hook, NULL);

    /* Item 10: channel 1 sets bit 1, the pipe sets bit 5; a 0x02 sets DISPLAY_PENDING bit 0. */
    uint32_t s1 = guestsim_channel_put(g, 1, 0x25, (uint32_t[]){ 1, 0x13 }, 8);
    atomic_store(&hook_ch1_target, s1);
    irqs = guestsim_irq_count(g);
    guestsim_channel_doorbell(g, 1);
    CHECK(guestsim_wait_stamp(g, 1, s1, 2000));
    CHECK(guestsim_wait_irq(g, irqs, 1000));
    atomic_store(&hook_ch1_target, 0);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1018), 1u << 1);
    CHECK(atomic_load(&hook_checks) >= 1);
    CHECK_EQ_INT(atomic_load(&hook_violations), 0);

    irqs = guestsim_irq_count(g);
    uint32_t s5 = guestsim_channel_submit(g, 5, 0x10, (uint32_t[]){ 0, 1 }, 8); /* DisplayAck */
    CHECK(guestsim_wait_irq(g, irqs, 1000));
    CHECK_EQ_U32(guestsim_stamp(g, 5), s5);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1018), 1u << 5);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1014), 0);

    irqs = guestsim_irq_count(g);
    guestsim_channel_submit(g, 5, 0x02, (uint32_t[]){ 0, 0 }, 8); /* DisplaySubmit */
    CHECK(guestsim_wait_irq(g, irqs, 1000));
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1014), 0x1); /* display index 0, not bit 5 */
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1018), 1u << 5);

    /* Item 11: every raise used vector 0. */
    CHECK_EQ_U64(guestsim_bad_vectors(g), 0);
    CHECK(guestsim_irq_count(g) > 0);

    /* Paused: interrupts are held, then raised on unpause with the accumulated bits. */
    lagfx_device_t *dev = guestsim_device(g);
    CHECK_STATUS(lagfx_device_pause(dev), LAGFX_OK);
    irqs = guestsim_irq_count(g);
    uint32_t s = guestsim_root_put(g, 0x0E, NULL, 0);
    guestsim_root_doorbell(g);
    CHECK(!guestsim_wait_irq(g, irqs, 100));
    CHECK(guestsim_stamp(g, 0) != s); /* workers stopped */
    CHECK_STATUS(lagfx_device_pause(dev), LAGFX_ERROR_BAD_STATE);
    CHECK_STATUS(lagfx_device_unpause(dev), LAGFX_OK);
    CHECK(guestsim_wait_stamp(g, 0, s, 2000));
    CHECK(guestsim_wait_irq(g, irqs, 1000));
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1018), 1u);
    CHECK_STATUS(lagfx_device_unpause(dev), LAGFX_ERROR_BAD_STATE);

    guestsim_free(g);
    concurrency_unit();
    return check_finish();
}
