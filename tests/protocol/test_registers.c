/* SPDX-License-Identifier: MIT */
/*
 * The BAR0 register file (protocol.md §2-§3; §19 items 1-8): reset values at creation and after
 * lagfx_device_reset, the constant capability, shadowing, the MSI area and reserved ranges,
 * read-only registers, and BAD_ACCESS (value 0) for every malformed access.
 */
#include "check.h"
#include "guestsim.h"

static void
check_reset_values(struct guestsim *g)
{
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1000), 1); /* C01 */
    static const uint32_t zero[] = { 0x1004, 0x1008, 0x100C, 0x1010, 0x1014, 0x1018, 0x101C, 0x1020,
                                     0x1024, 0x1028, 0x102C, 0x1030, 0x1034, 0x1038, 0x103C };
    for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
        CHECK_EQ_U32(guestsim_mmio_read(g, zero[i]), 0);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x122C), 9);
}

int
main(void)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    lagfx_device_t *dev = guestsim_device(g);

    /* Item 1: reset values at creation. */
    check_reset_values(g);

    /* Item 2: the capability is constant, also after a write. */
    CHECK_STATUS(guestsim_mmio_write(g, 0x122C, 0), LAGFX_OK);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x122C), 9);

    /* Item 3: binary version is a plain shadow. */
    CHECK_STATUS(guestsim_mmio_write(g, 0x1034, 6), LAGFX_OK);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1034), 6);
    /* Shadowed registers read back what was written; reserved 0x1038 too. */
    guestsim_mmio_write(g, 0x1024, 0xAABBCCDD);
    guestsim_mmio_write(g, 0x1038, 0x12345678);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1024), 0xAABBCCDD);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1038), 0x12345678);

    /* Item 4: the EFI bank stores writes but reads 0. */
    static const uint32_t efi[] = { 0x1200, 0x1210, 0x1214, 0x1218, 0x121C, 0x1228 };
    for (size_t i = 0; i < sizeof(efi) / sizeof(efi[0]); i++) {
        CHECK_STATUS(guestsim_mmio_write(g, efi[i], 0xFFFFFFFF), LAGFX_OK);
        CHECK_EQ_U32(guestsim_mmio_read(g, efi[i]), 0);
    }
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1204), 0);

    /* Item 5: the MSI area reads 0 and a write there changes no register. */
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x0000), 0);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x0800), 0);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x0FFC), 0);
    CHECK_STATUS(guestsim_mmio_write(g, 0x0800, 0xFFFFFFFF), LAGFX_OK);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x0800), 0);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1000), 1);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1034), 6);

    /* Item 6: malformed accesses are BAD_ACCESS with value 0. */
    uint64_t v = 0x55;
    CHECK_STATUS(lagfx_mmio_read(dev, 0x1000, 2, &v), LAGFX_ERROR_BAD_ACCESS);
    CHECK_EQ_U64(v, 0);
    v = 0x55;
    CHECK_STATUS(lagfx_mmio_read(dev, 0x1002, 4, &v), LAGFX_ERROR_BAD_ACCESS);
    CHECK_EQ_U64(v, 0);
    v = 0x55;
    CHECK_STATUS(lagfx_mmio_read(dev, 0x1000, 8, &v), LAGFX_ERROR_BAD_ACCESS);
    CHECK_EQ_U64(v, 0);
    CHECK_STATUS(lagfx_mmio_read(dev, 0x4000, 4, &v), LAGFX_ERROR_BAD_ACCESS); /* past BAR0 */
    CHECK_STATUS(lagfx_mmio_read(dev, UINT64_MAX - 3, 4, &v), LAGFX_ERROR_BAD_ACCESS);
    CHECK_STATUS(lagfx_mmio_write(dev, 0x1034, 1, 7), LAGFX_ERROR_BAD_ACCESS);
    CHECK_STATUS(lagfx_mmio_write(dev, 0x1035, 4, 7), LAGFX_ERROR_BAD_ACCESS);
    CHECK_STATUS(lagfx_mmio_write(dev, 0x4000, 4, 7), LAGFX_ERROR_BAD_ACCESS);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1034), 6); /* none of them wrote */
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x3FFC), 0); /* the last valid offset */

    /* Item 7: the fault register reads 0; read-only registers ignore writes. */
    CHECK_STATUS(guestsim_mmio_write(g, 0x102C, 0xFFFFFFFF), LAGFX_OK);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x102C), 0);
    CHECK_STATUS(guestsim_mmio_write(g, 0x100C, 0x40), LAGFX_OK);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x100C), 0);
    CHECK_STATUS(guestsim_mmio_write(g, 0x1018, 0xFFFFFFFF), LAGFX_OK);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1018), 0);

    /* Item 8: the reserved range 0x1040-0x11FF reads 0 and keeps no state. */
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1100), 0);
    CHECK_STATUS(guestsim_mmio_write(g, 0x1100, 5), LAGFX_OK);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1100), 0);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1230), 0);

    /* Item 1 again: lagfx_device_reset restores the reset values. */
    guestsim_mmio_write(g, 0x1004, 0x10000);
    guestsim_mmio_write(g, 0x101C, 0x22FF8);
    CHECK_STATUS(lagfx_device_reset(dev), LAGFX_OK);
    check_reset_values(g);

    /* A stopped device answers BAD_STATE; reset brings it back. */
    CHECK_STATUS(lagfx_device_stop(dev), LAGFX_OK);
    CHECK_STATUS(lagfx_mmio_read(dev, 0x1000, 4, &v), LAGFX_ERROR_BAD_STATE);
    CHECK_STATUS(lagfx_mmio_write(dev, 0x1034, 4, 1), LAGFX_ERROR_BAD_STATE);
    CHECK_STATUS(lagfx_device_reset(dev), LAGFX_OK);
    CHECK_EQ_U32(guestsim_mmio_read(g, 0x1000), 1);

    /* A larger power-of-two BAR is honoured. */
    guestsim_free(g);
    return check_finish();
}
