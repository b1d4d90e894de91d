/* SPDX-License-Identifier: MIT */
/*
 * The real MMIO init sequence of a macOS 15.7 guest (protocol.md §16) replayed against the
 * device: every read returns the traced value, the init burst's read pointers are 0x00, 0x1C,
 * 0x34, 0x44, 0x54, 0x64, 0x74 before each doorbell and 0x8C after, stamp cell 0 reads 7, the
 * GetDeviceInfo2 reply holds 41 pairs and the command's length field reads 41; afterwards the
 * register file holds the documented state (§19 items 4, 14, 39). Run in both memory models
 * (RAM regions; task callbacks), with and without an executor, then on to online.
 */
#include <string.h>

#include "check.h"
#include "guestsim.h"

static void
replay(bool task_model, bool executor)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.task_model = task_model;
    cfg.executor = executor;
    cfg.displays = 2;
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);

    CHECK_STATUS(guestsim_boot_mmio(g), LAGFX_OK);
    CHECK_STATUS(guestsim_boot_burst(g), LAGFX_OK); /* checks each 0x100C read itself */

    CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 0x8C);
    CHECK_EQ_U32(guestsim_stamp(g, 0), 7);
    /* The length field of command 7 (ring offset 0x74, GPA 0x23EB7078) now reads 41. */
    CHECK_EQ_U32(guestsim_read32(g, 0x23EB7078), 41);

    /* Register state after the replay (§3, §19 item 4). */
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1000), 1);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1004), 0x10000);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1008), 0x8C);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1010), 0x1000);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x101C), 0x22FF8);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1030), 0x23EB6);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1034), 6);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x102C), 0);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x122C), 9);
    static const uint32_t efi[] = { 0x1200, 0x1204, 0x1210, 0x1214, 0x1218, 0x121C, 0x1228 };
    for (size_t i = 0; i < sizeof(efi) / sizeof(efi[0]); i++)
        CHECK_EQ_U32(guestsim_mmio_read(g, efi[i]), 0);

    /* GetDeviceInfo2 reply (§8.5, §19 item 39). */
    uint64_t p = guestsim_devinfo_gpa(g);
    CHECK_EQ_U32(guestsim_read32(g, p + 0), 1);
    CHECK_EQ_U32(guestsim_read32(g, p + 4), 4);
    CHECK_EQ_U32(guestsim_read32(g, p + 8 * 9), 0x0A);
    CHECK_EQ_U32(guestsim_read32(g, p + 8 * 9 + 4), 0x20008);
    CHECK_EQ_U32(guestsim_read32(g, p + 8 * 36), 0x25);
    CHECK_EQ_U32(guestsim_read32(g, p + 8 * 36 + 4), 0x10005);
    CHECK_EQ_U32(guestsim_read32(g, p + 8 * 40), 0x29);
    CHECK_EQ_U32(guestsim_read32(g, p + 8 * 40 + 4), 0);
    for (uint32_t k = 0; k < 41; k++)
        CHECK_EQ_U32(guestsim_read32(g, p + 8 * k), k + 1);
    uint8_t zero[4096 - 328] = { 0 };
    CHECK_MEM(guestsim_ram(g) + p + 328, zero, sizeof(zero)); /* byte 328 on untouched */

    /* Every interrupt so far used vector 0; the stamp bit is slot 0 only. */
    CHECK_EQ_U64(guestsim_bad_vectors(g), 0);
    CHECK(guestsim_irq_count(g) >= 1);

    /* On to online on both displays. */
    CHECK_STATUS(guestsim_boot_channels(g), LAGFX_OK);
    CHECK_STATUS(guestsim_display_bringup(g, 0, true), LAGFX_OK);
    CHECK_STATUS(guestsim_display_bringup(g, 1, true), LAGFX_OK);
    lagfx_device_info_t info = { .struct_size = sizeof(info) };
    CHECK_STATUS(lagfx_device_get_info(guestsim_device(g), &info), LAGFX_OK);
    CHECK_EQ_U32(info.memory_model, task_model ? LAGFX_MEMORY_TASKS : LAGFX_MEMORY_RAM_REGIONS);
    CHECK_EQ_U64(info.guest_faults, 0);
    guestsim_free(g);
}

int
main(void)
{
    for (int m = 0; m < 4; m++)
        replay(m & 1, m & 2);
    return check_finish();
}
