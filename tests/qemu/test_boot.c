/* SPDX-License-Identifier: MIT */
/*
 * qemu-boot: the apple-gfx-pci device inside a real QEMU (qtest accelerator). Finds the
 * device in PCI config space, assigns BAR0, enables MSI, runs the guest boot of protocol.md
 * §16 through QEMU's MMIO path into QEMU's own RAM, then: stamps and MSI messages arrive
 * through QEMU's memory, a malformed root batch and a malformed channel batch leave QEMU
 * running and the device serving, system_reset brings the device back to power-on state and
 * a second boot works, and QEMU exits 0 on quit with nothing left behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "qgsim.h"

#ifndef LAGFX_SOURCE_ROOT
#define LAGFX_SOURCE_ROOT "."
#endif

static void
boot(struct qgsim *g, struct qtest_proc *q, const char *when)
{
    fprintf(stderr, "qemu-boot: %s: PCI set-up\n", when);
    CHECK(qgsim_pci_setup(g, q));
    fprintf(stderr, "qemu-boot: %s: boot MMIO (EFI bank, capability 9, ring arming)\n", when);
    CHECK(qgsim_boot_mmio(g));
    fprintf(stderr, "qemu-boot: %s: init burst (0x38, 0x33, 4 x 0x30, 0x3A)\n", when);
    CHECK(qgsim_boot_burst(g));
    CHECK_EQ_U32(qgsim_stamp(g, 0), 7);
    /* the same cell read through QEMU's memory API, not the test's mapping */
    CHECK_EQ_U32(qtest_readl(q, qgsim_stamp_gpa(0)), 7);
    CHECK_EQ_U32(qgsim_mmio_read(g, 0x100C), 0x8C);
    qgsim_boot_channels(g, 1);
    fprintf(stderr, "qemu-boot: %s: display 0 bring-up\n", when);
    CHECK(qgsim_display_bringup(g, 0));
    /* the host filled the shared-state page with the preferred mode of display-modes */
    uint64_t page = g->shared_state_gpa[0];
    CHECK_EQ_U32(qgsim_read32(g, page + 0x000), 1);
    CHECK(memcmp(q->ram + page + 4, "1280x800", 9) == 0);
    CHECK_EQ_U32(qgsim_read32(g, page + 0x014), (800u << 16) | 1280u);
    CHECK(qgsim_read32(g, page + 0x100) & 0x4);
    CHECK(g->msis > 0);
    fprintf(stderr, "qemu-boot: %s: online after %llu MSI messages\n", when,
            (unsigned long long)g->msis);
}

static void
malformed(struct qgsim *g, struct qtest_proc *q)
{
    /* Root ring: a header whose length runs past the write pointer (protocol.md §5.6):
     * the rest of the batch is discarded, rp = wp, slot 0 completes with the plausible
     * target. Written through qtest's "write" (QEMU's memory API), not the mapping. */
    uint32_t cur = qgsim_stamp(g, 0);
    uint32_t stamp = qgsim_next_stamp(g, 0);
    uint8_t bad[32];
    memset(bad, 0xA5, sizeof(bad));
    uint16_t op = 0x99;
    uint32_t len = 0x7FFFFFF0u;
    memcpy(bad, &op, 2);
    memset(bad + 2, 0, 2);
    memcpy(bad + 4, &len, 4);
    memcpy(bad + 8, &stamp, 4);
    uint32_t at = g->root_wp;
    qtest_write(q, qgsim_root_data_gpa() + at, bad, sizeof(bad));
    g->root_wp = (g->root_wp + sizeof(bad)) % QGSIM_ROOT_SIZE;
    qgsim_root_doorbell(g);
    CHECK(qgsim_wait_stamp(g, 0, stamp, 5000));
    CHECK_EQ_U32(qgsim_stamp(g, 0), cur + 1);
    CHECK_EQ_U32(qgsim_mmio_read(g, 0x100C), g->root_wp);
    CHECK(qtest_alive(q));

    /* Channel 1: a header with length 4 (< 12), then garbage */
    uint32_t ch_stamp = qgsim_next_stamp(g, 1);
    uint8_t cbad[24];
    memset(cbad, 0x5A, sizeof(cbad));
    uint32_t clen = 4;
    memcpy(cbad, &op, 2);
    memset(cbad + 2, 0, 2);
    memcpy(cbad + 4, &clen, 4);
    memcpy(cbad + 8, &ch_stamp, 4);
    qgsim_channel_put_raw(g, 1, cbad, sizeof(cbad));
    qgsim_channel_doorbell(g, 1);
    CHECK(qgsim_wait_stamp(g, 1, ch_stamp, 5000));
    uint64_t deadline = qtest_now_ms() + 2000;
    while (qgsim_read32(g, qgsim_descriptor_gpa(1) + 4) != g->channels[1].wp &&
           qtest_now_ms() < deadline)
        usleep(1000);
    CHECK_EQ_U32(qgsim_read32(g, qgsim_descriptor_gpa(1) + 4), g->channels[1].wp);
    CHECK(qtest_alive(q));

    /* still serving: a well-formed root command and a channel command complete */
    uint32_t ch = 1;
    uint32_t s2 = qgsim_root_put(g, 0x30, &ch, 4);
    qgsim_root_doorbell(g);
    CHECK(qgsim_wait_stamp(g, 0, s2, 5000));
    CHECK_EQ_U32(qgsim_stamp(g, 0), s2);
    CHECK_EQ_U32(qgsim_mmio_read(g, 0x122C), 9);
    fprintf(stderr, "qemu-boot: malformed root and channel batches skipped, device serving\n");
}

static void
reset(struct qgsim *g, struct qtest_proc *q)
{
    char reply[512];
    CHECK(qtest_qmp(q, "{\"execute\": \"system_reset\"}", reply, sizeof(reply)));
    /* the reset runs in QEMU's main loop after the reply: wait for the PCI command register */
    uint64_t deadline = qtest_now_ms() + 5000;
    while ((qtest_pci_read16(q, g->devfn, 0x04) & 0x6) && qtest_now_ms() < deadline)
        usleep(1000);
    CHECK_EQ_U32(qtest_pci_read16(q, g->devfn, 0x04) & 0x6, 0);
    /* A rebooting guest starts from fresh memory: zero what the first boot used. */
    memset(q->ram + ((uint64_t)QGSIM_ROOT_BASE_PFN << 12), 0, 0x1000 + QGSIM_ROOT_SIZE);
    memset(q->ram + ((uint64_t)QGSIM_SHARED_PFN << 12), 0, 0x1000);
    memset(q->ram + 0x01000000, 0, (size_t)(g->alloc_next - 0x01000000));
    qgsim_pci_setup(g, q);
    /* power-on register values (protocol.md §3) */
    CHECK_EQ_U32(qgsim_mmio_read(g, 0x1000), 1);
    CHECK_EQ_U32(qgsim_mmio_read(g, 0x1034), 0);
    CHECK_EQ_U32(qgsim_mmio_read(g, 0x101C), 0);
    CHECK_EQ_U32(qgsim_mmio_read(g, 0x100C), 0);
    fprintf(stderr, "qemu-boot: system_reset: device back at power-on state\n");
}

int
main(void)
{
    char why[512];
    const char *qemu = qtest_find_qemu(LAGFX_SOURCE_ROOT, why, sizeof(why));
    if (!qemu) {
        fprintf(stderr, "SKIP: %s\n", why);
        return getenv("LAGFX_QEMU_REQUIRED") ? 1 : 77;
    }
    struct qtest_proc q;
    if (!qtest_start(&q, qemu, "apple-gfx-pci,display-modes=1280x800@60,id=gfx0")) {
        fprintf(stderr, "FAIL: QEMU did not start\n");
        return 1;
    }
    pid_t pid = q.pid;
    char ram_path[256];
    snprintf(ram_path, sizeof(ram_path), "%s", q.ram_path);
    CHECK(q.vnc_port >= 5900);

    struct qgsim g;
    boot(&g, &q, "first boot");
    if (!check_failures)
        malformed(&g, &q);
    if (!check_failures)
        reset(&g, &q);
    if (!check_failures)
        boot(&g, &q, "after system_reset");
    CHECK(!q.failed);
    CHECK(qtest_alive(&q));

    int code = qtest_quit(&q);
    CHECK_EQ_INT(code, 0);
    /* nothing left behind: the process is reaped and gone, the RAM file removed */
    CHECK(kill(pid, 0) == -1 && errno == ESRCH);
    struct stat st;
    CHECK(stat(ram_path, &st) == -1);
    if (check_failures) {
        fprintf(stderr, "qemu-boot: %d check(s) failed\n", check_failures);
        return 1;
    }
    fprintf(stderr, "qemu-boot: all checks passed (QEMU exit status 0)\n");
    return 0;
}
