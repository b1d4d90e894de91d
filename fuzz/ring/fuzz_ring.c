/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harnesses for the rings (protocol.md §5-§7): one device booted by the guest
 * simulator at the first input, then each input becomes ring bytes at the guest's write
 * pointer followed by one doorbell, and the device drains. Built twice: RING_ROOT (the root
 * ring; the whole input is ring bytes) and the channel form (input byte 0 picks channel 1-4 or
 * pipe 5, the rest are ring bytes). A drain that does not reach the write pointer within two
 * seconds, a non-zero fault register or an interrupt on a
 * vector other than 0 aborts; sanitizer reports are bugs too. The protocol core is compiled
 * into the harness with coverage. Single-threaded harness; the device runs its own threads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guestsim.h"

#define MAX_BATCH 0x3000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct guestsim *g;

static void
boot(void)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.label = "fuzzring";
    if (guestsim_new(&cfg, &g) != LAGFX_OK || guestsim_boot(g) != LAGFX_OK)
        abort();
}

static uint32_t
read_ptr(uint32_t ch)
{
    return ch == 0 ? guestsim_mmio_read(g, 0x100C)
                   : guestsim_read32(g, guestsim_descriptor_gpa(ch) + 4);
}

static uint32_t
write_ptr(uint32_t ch)
{
    return ch == 0 ? guestsim_root_wptr(g) : guestsim_channel_wptr(g, ch);
}

static void
drain(uint32_t ch)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (read_ptr(ch) != write_ptr(ch)) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t ms = (int64_t)(now.tv_sec - start.tv_sec) * 1000 +
                     ((int64_t)now.tv_nsec - (int64_t)start.tv_nsec) / 1000000;
        if (ms > 2000) {
            fprintf(stderr, "ch %u: drain stuck at rp 0x%x, wp 0x%x\n", ch, read_ptr(ch),
                    write_ptr(ch));
            abort();
        }
        struct timespec nap = { 0, 10000 };
        nanosleep(&nap, NULL);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g)
        boot();
#ifdef RING_ROOT
    uint32_t ch = 0;
#else
    if (size < 1)
        return 0;
    static const uint32_t chans[5] = { 1, 2, 3, 4, 5 };
    uint32_t ch = chans[data[0] % 5];
    data++, size--;
#endif
    uint32_t cap = ch == 5 ? 0xF00u : MAX_BATCH; /* keep the ring from filling (§5.4) */
    if (size > cap)
        size = cap;
    if (size == 0)
        return 0;
    if (ch == 0) {
        guestsim_root_put_raw(g, data, (uint32_t)size);
        guestsim_root_doorbell(g);
    } else {
        guestsim_channel_put_raw(g, ch, data, (uint32_t)size);
        guestsim_channel_doorbell(g, ch);
    }
    drain(ch);
    /* No check on the stamp cell's value: a hostile 0x3A may aim its reply at the stamp page,
     * which the host legitimately writes (test_hostile sanitises that field instead). */
    if (guestsim_mmio_read(g, 0x102C) != 0 || guestsim_bad_vectors(g) != 0)
        abort();
    return 0;
}
