/* SPDX-License-Identifier: MIT */
/*
 * The guest boot of protocol.md §16 over QEMU: the subset of tests/guest/guestsim that a
 * guest needs to reach "online", with MMIO going through QEMU's real MMIO path (qtest
 * readl/writel on BAR0) and guest RAM being QEMU's own (the shared memory-backend-file).
 * Same fixed layout and payloads as guestsim, so transcripts compare; guestsim itself cannot
 * be reused as it creates and owns the device (see docs/qemu.md for the transport hook that
 * would let it).
 */
#ifndef LAGFX_TESTS_QGSIM_H
#define LAGFX_TESTS_QGSIM_H

#include <stdbool.h>
#include <stdint.h>

#include "qtest_client.h"

#define QGSIM_SHARED_PFN    0x22FF8u
#define QGSIM_ROOT_BASE_PFN 0x23EB6u
#define QGSIM_ROOT_SIZE     0x10000u
#define QGSIM_ROOT_START    0x1000u
#define QGSIM_KERNEL_TASK   1u
#define QGSIM_BAR0          0xE0000000ull /* PCI hole on q35 with 1 GiB */
#define QGSIM_MSI_GPA       0x00F00000ull /* MSI message lands in RAM: the test sees it */
#define QGSIM_MSI_DATA      0x4C47u       /* 16 bits; the message is a 32-bit write of it */

struct qgsim_channel {
    uint32_t wp, size, pfn_array;
    uint32_t pfns[16];
};

struct qgsim {
    struct qtest_proc *q;
    uint32_t devfn; /* bus 0 */
    uint8_t msi_cap;
    uint64_t alloc_next;
    uint32_t root_wp;
    uint32_t stamps[32];
    struct qgsim_channel channels[13];
    uint32_t kernel_root_pfn, kernel_top_pfn;
    uint64_t devinfo_gpa;
    uint64_t shared_state_gpa[8];
    uint64_t msis; /* MSI messages seen */
};

/* Finds 0x106B:0xEEEE on bus 0, checks class/BAR size/MSI, assigns BAR0, enables memory,
 * bus mastering and MSI (one vector, 64-bit, message into QGSIM_MSI_GPA). Also resets the
 * guest-side state (a fresh guest). false with a message on stderr. */
bool qgsim_pci_setup(struct qgsim *g, struct qtest_proc *q);

uint32_t qgsim_mmio_read(struct qgsim *g, uint32_t off);
void qgsim_mmio_write(struct qgsim *g, uint32_t off, uint32_t value);
uint32_t qgsim_read32(struct qgsim *g, uint64_t gpa); /* the test's own mapping */
void qgsim_write32(struct qgsim *g, uint64_t gpa, uint32_t v);
uint64_t qgsim_alloc_pages(struct qgsim *g, uint32_t count);

/* true (and counted) if an MSI message arrived since the last call */
bool qgsim_take_msi(struct qgsim *g);
/* guest ISR: R 0x1018, 0x1014, 0x102C */
void qgsim_isr(struct qgsim *g, uint32_t *stamp_bits, uint32_t *display_bits, uint32_t *fault);

uint64_t qgsim_stamp_gpa(uint32_t slot);
uint32_t qgsim_stamp(struct qgsim *g, uint32_t slot);
bool qgsim_wait_stamp(struct qgsim *g, uint32_t slot, uint32_t target, uint32_t timeout_ms);
uint32_t qgsim_next_stamp(struct qgsim *g, uint32_t slot);

uint64_t qgsim_root_data_gpa(void);
uint32_t qgsim_root_put(struct qgsim *g, uint16_t opcode, const void *payload, uint32_t len);
void qgsim_root_doorbell(struct qgsim *g);
uint64_t qgsim_descriptor_gpa(uint32_t ch);
uint32_t qgsim_channel_put(struct qgsim *g, uint32_t ch, uint16_t op, const void *p, uint32_t len);
void qgsim_channel_put_raw(struct qgsim *g, uint32_t ch, const void *bytes, uint32_t len);
void qgsim_channel_doorbell(struct qgsim *g, uint32_t ch);

/* protocol.md §16 */
bool qgsim_boot_mmio(struct qgsim *g);
bool qgsim_boot_burst(struct qgsim *g);
void qgsim_boot_channels(struct qgsim *g, uint32_t displays);
bool qgsim_display_bringup(struct qgsim *g, uint32_t port);

#endif /* LAGFX_TESTS_QGSIM_H */
