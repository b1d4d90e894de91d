/* SPDX-License-Identifier: MIT */
#include "qgsim.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PAGE              4096u
#define ALLOC_BASE        0x01000000ull /* as guestsim: below the fixed layout */
#define ALLOC_LIMIT       0x22000000ull
#define CHANNEL_RING_SIZE 0x10000u
#define PIPE_RING_SIZE    0x1000u

/* ---- PCI ---- */

bool
qgsim_pci_setup(struct qgsim *g, struct qtest_proc *q)
{
    memset(g, 0, sizeof(*g));
    g->q = q;
    g->alloc_next = ALLOC_BASE;
    bool found = false;
    for (uint32_t dev = 0; dev < 32 && !found; dev++) {
        uint32_t id = qtest_pci_read32(q, dev << 3, 0x00);
        if (id == 0xEEEE106Bu) {
            g->devfn = dev << 3;
            found = true;
        }
    }
    if (!found) {
        fprintf(stderr, "qgsim: no 106b:eeee on PCI bus 0\n");
        return false;
    }
    uint32_t class_rev = qtest_pci_read32(q, g->devfn, 0x08);
    if ((class_rev >> 8) != 0x030000u) {
        fprintf(stderr, "qgsim: class 0x%06x, expected VGA 0x030000\n", class_rev >> 8);
        return false;
    }
    uint32_t subsys = qtest_pci_read32(q, g->devfn, 0x2C);
    if (subsys != 0xEEEE106Bu) {
        fprintf(stderr, "qgsim: subsystem 0x%08x, expected 0xeeee106b\n", subsys);
        return false;
    }
    /* BAR0 size probe: 32-bit memory BAR of mmio_length (0x4000) */
    qtest_pci_write32(q, g->devfn, 0x10, 0xFFFFFFFFu);
    uint32_t mask = qtest_pci_read32(q, g->devfn, 0x10) & ~0xFu;
    if ((~mask + 1) != 0x4000u) {
        fprintf(stderr, "qgsim: BAR0 size 0x%x, expected 0x4000\n", ~mask + 1);
        return false;
    }
    qtest_pci_write32(q, g->devfn, 0x10, (uint32_t)QGSIM_BAR0);
    /* MSI capability: one vector, 64-bit */
    uint8_t cap = (uint8_t)qtest_pci_read32(q, g->devfn, 0x34);
    for (int i = 0; cap && i < 48; i++) {
        uint32_t hdr = qtest_pci_read32(q, g->devfn, cap);
        if ((hdr & 0xFF) == 0x05) {
            g->msi_cap = cap;
            break;
        }
        cap = (uint8_t)(hdr >> 8);
    }
    if (!g->msi_cap) {
        fprintf(stderr, "qgsim: no MSI capability\n");
        return false;
    }
    uint16_t ctrl = qtest_pci_read16(q, g->devfn, g->msi_cap + 2);
    if (!(ctrl & 0x80) || (ctrl & 0x0E) != 0) {
        fprintf(stderr, "qgsim: MSI control 0x%04x: expected 64-bit, one vector\n", ctrl);
        return false;
    }
    qtest_pci_write32(q, g->devfn, g->msi_cap + 4, (uint32_t)QGSIM_MSI_GPA);
    qtest_pci_write32(q, g->devfn, g->msi_cap + 8, 0);
    qtest_pci_write16(q, g->devfn, g->msi_cap + 12, (uint16_t)QGSIM_MSI_DATA);
    qtest_pci_write16(q, g->devfn, g->msi_cap + 2, (uint16_t)(ctrl | 1));
    /* memory decoding + bus mastering (MSI writes are bus-master writes) */
    uint16_t cmd = qtest_pci_read16(q, g->devfn, 0x04);
    qtest_pci_write16(q, g->devfn, 0x04, (uint16_t)(cmd | 0x6));
    qgsim_write32(g, QGSIM_MSI_GPA, 0);
    return !q->failed;
}

/* ---- RAM, MMIO, interrupts ---- */

uint32_t
qgsim_read32(struct qgsim *g, uint64_t gpa)
{
    return __atomic_load_n((uint32_t *)(g->q->ram + gpa), __ATOMIC_ACQUIRE);
}

void
qgsim_write32(struct qgsim *g, uint64_t gpa, uint32_t v)
{
    __atomic_store_n((uint32_t *)(g->q->ram + gpa), v, __ATOMIC_RELEASE);
}

uint64_t
qgsim_alloc_pages(struct qgsim *g, uint32_t count)
{
    uint64_t gpa = g->alloc_next, len = (uint64_t)count * PAGE;
    if (gpa + len > ALLOC_LIMIT) {
        fprintf(stderr, "qgsim: out of guest RAM\n");
        g->q->failed = true;
        return ALLOC_BASE;
    }
    g->alloc_next += len;
    memset(g->q->ram + gpa, 0, len);
    return gpa;
}

uint32_t
qgsim_mmio_read(struct qgsim *g, uint32_t off)
{
    return qtest_readl(g->q, QGSIM_BAR0 + off);
}

void
qgsim_mmio_write(struct qgsim *g, uint32_t off, uint32_t value)
{
    qtest_writel(g->q, QGSIM_BAR0 + off, value);
}

bool
qgsim_take_msi(struct qgsim *g)
{
    uint32_t v = qgsim_read32(g, QGSIM_MSI_GPA);
    if (v == 0)
        return false;
    if (v != QGSIM_MSI_DATA) {
        fprintf(stderr, "qgsim: MSI data 0x%x, expected 0x%x\n", v, QGSIM_MSI_DATA);
        g->q->failed = true;
    }
    qgsim_write32(g, QGSIM_MSI_GPA, 0);
    g->msis++;
    return true;
}

void
qgsim_isr(struct qgsim *g, uint32_t *stamp_bits, uint32_t *display_bits, uint32_t *fault)
{
    uint32_t s = qgsim_mmio_read(g, 0x1018);
    uint32_t d = qgsim_mmio_read(g, 0x1014);
    uint32_t f = qgsim_mmio_read(g, 0x102C);
    if (stamp_bits)
        *stamp_bits |= s;
    if (display_bits)
        *display_bits |= d;
    if (fault)
        *fault |= f;
}

/* ---- Stamps ---- */

uint64_t
qgsim_stamp_gpa(uint32_t slot)
{
    return ((uint64_t)QGSIM_ROOT_BASE_PFN << 12) + 4ull * slot;
}

uint32_t
qgsim_stamp(struct qgsim *g, uint32_t slot)
{
    return qgsim_read32(g, qgsim_stamp_gpa(slot));
}

uint32_t
qgsim_next_stamp(struct qgsim *g, uint32_t slot)
{
    if (++g->stamps[slot] == 0)
        g->stamps[slot] = 1;
    return g->stamps[slot];
}

bool
qgsim_wait_stamp(struct qgsim *g, uint32_t slot, uint32_t target, uint32_t timeout_ms)
{
    uint64_t deadline = qtest_now_ms() + timeout_ms;
    for (;;) {
        if ((uint32_t)(qgsim_stamp(g, slot) - target) < 0x80000000u)
            return true;
        if (qtest_now_ms() > deadline)
            return false;
        qgsim_take_msi(g);
        usleep(200);
    }
}

/* ---- Root ring ---- */

uint64_t
qgsim_root_data_gpa(void)
{
    return ((uint64_t)QGSIM_ROOT_BASE_PFN << 12) + QGSIM_ROOT_START;
}

static void
root_put_raw(struct qgsim *g, const void *bytes, uint32_t len)
{
    const uint8_t *p = bytes;
    for (uint32_t i = 0; i < len; i++) {
        g->q->ram[qgsim_root_data_gpa() + g->root_wp] = p[i];
        g->root_wp = (g->root_wp + 1) % QGSIM_ROOT_SIZE;
    }
}

uint32_t
qgsim_root_put(struct qgsim *g, uint16_t opcode, const void *payload, uint32_t len)
{
    uint32_t stamp = qgsim_next_stamp(g, 0), total = len + 12;
    uint8_t hdr[12];
    memcpy(hdr, &opcode, 2);
    memset(hdr + 2, 0, 2);
    memcpy(hdr + 4, &total, 4);
    memcpy(hdr + 8, &stamp, 4);
    root_put_raw(g, hdr, 12);
    root_put_raw(g, payload, len);
    return stamp;
}

void
qgsim_root_doorbell(struct qgsim *g)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
    qgsim_mmio_write(g, 0x1008, g->root_wp);
}

/* ---- Channels ---- */

uint64_t
qgsim_descriptor_gpa(uint32_t ch)
{
    return ((uint64_t)QGSIM_SHARED_PFN << 12) + 0x400 + 20ull * (ch - 1);
}

static void
channel_setup(struct qgsim *g, uint32_t ch)
{
    struct qgsim_channel *c = &g->channels[ch];
    c->size = ch < 5 ? CHANNEL_RING_SIZE : PIPE_RING_SIZE;
    c->wp = 0;
    uint64_t arr = qgsim_alloc_pages(g, 1);
    c->pfn_array = (uint32_t)(arr >> 12);
    for (uint32_t i = 0; i < c->size / PAGE; i++) {
        uint64_t page = qgsim_alloc_pages(g, 2) + PAGE; /* scattered, as guestsim does */
        c->pfns[i] = (uint32_t)(page >> 12);
        qgsim_write32(g, arr + 4ull * i, c->pfns[i]);
    }
    uint64_t d = qgsim_descriptor_gpa(ch);
    qgsim_write32(g, d + 0x00, 0);
    qgsim_write32(g, d + 0x04, 0);
    qgsim_write32(g, d + 0x08, 0);
    qgsim_write32(g, d + 0x0C, ch);
    qgsim_write32(g, d + 0x10, c->pfn_array);
}

void
qgsim_channel_put_raw(struct qgsim *g, uint32_t ch, const void *bytes, uint32_t len)
{
    struct qgsim_channel *c = &g->channels[ch];
    const uint8_t *p = bytes;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t pos = c->wp % c->size;
        g->q->ram[((uint64_t)c->pfns[pos >> 12] << 12) + (pos & 0xFFF)] = p[i];
        c->wp++;
    }
}

uint32_t
qgsim_channel_put(struct qgsim *g, uint32_t ch, uint16_t op, const void *p, uint32_t len)
{
    uint32_t stamp = qgsim_next_stamp(g, ch), total = len + 12;
    uint8_t hdr[12];
    memcpy(hdr, &op, 2);
    memset(hdr + 2, 0, 2);
    memcpy(hdr + 4, &total, 4);
    memcpy(hdr + 8, &stamp, 4);
    qgsim_channel_put_raw(g, ch, hdr, 12);
    qgsim_channel_put_raw(g, ch, p, len);
    return stamp;
}

void
qgsim_channel_doorbell(struct qgsim *g, uint32_t ch)
{
    qgsim_write32(g, qgsim_descriptor_gpa(ch), g->channels[ch].wp);
    qgsim_mmio_write(g, 0x1020, ch);
}

/* ---- Boot (protocol.md §16) ---- */

struct mmio_step {
    bool write;
    uint32_t off, value;
};

static const struct mmio_step boot_mmio[] = {
    { true, 0x1200, 1 },
    { false, 0x1204, 0 },
    { true, 0x1210, 0x0007E00F },
    { true, 0x1214, 0x008CA000 },
    { true, 0x1218, 0x20 },
    { true, 0x121C, 0x04380780 },
    { true, 0x1200, 0 },
    { false, 0x122C, 9 },
    { true, 0x1034, 6 },
    { false, 0x1034, 6 },
    { true, 0x101C, QGSIM_SHARED_PFN },
    { true, 0x1030, QGSIM_ROOT_BASE_PFN },
    { true, 0x1004, QGSIM_ROOT_SIZE },
    { true, 0x1010, QGSIM_ROOT_START },
    { true, 0x1000, 1 },
};

bool
qgsim_boot_mmio(struct qgsim *g)
{
    for (size_t i = 0; i < sizeof(boot_mmio) / sizeof(boot_mmio[0]); i++) {
        const struct mmio_step *s = &boot_mmio[i];
        if (s->write) {
            qgsim_mmio_write(g, s->off, s->value);
        } else {
            uint32_t v = qgsim_mmio_read(g, s->off);
            if (v != s->value) {
                fprintf(stderr, "qgsim: boot step %zu: R 0x%04x = 0x%x, expected 0x%x\n", i + 1,
                        s->off, v, s->value);
                return false;
            }
        }
    }
    uint32_t rp = qgsim_mmio_read(g, 0x100C);
    if (rp != 0) {
        fprintf(stderr, "qgsim: 0x100C = 0x%x after arming, expected 0\n", rp);
        return false;
    }
    return !g->q->failed;
}

static bool
burst_step(struct qgsim *g, uint16_t op, const void *payload, uint32_t len)
{
    uint32_t rp = qgsim_mmio_read(g, 0x100C);
    if (rp != g->root_wp) {
        fprintf(stderr, "qgsim: burst 0x%02x: 0x100C = 0x%x, expected 0x%x\n", op, rp, g->root_wp);
        return false;
    }
    uint32_t stamp = qgsim_root_put(g, op, payload, len);
    qgsim_root_doorbell(g);
    if (!qgsim_wait_stamp(g, 0, stamp, 5000)) {
        fprintf(stderr, "qgsim: burst 0x%02x: stamp %u never completed (cell %u)\n", op, stamp,
                qgsim_stamp(g, 0));
        return false;
    }
    return true;
}

bool
qgsim_boot_burst(struct qgsim *g)
{
    /* kernel task: 3-level radix table with one page of slot table at VA 0x10000000 */
    uint64_t root = qgsim_alloc_pages(g, 1), top = qgsim_alloc_pages(g, 1);
    uint64_t hint = 0x0000000400000000ull, heap_va = 0x10000000ull, vpn = heap_va >> 12;
    g->kernel_root_pfn = (uint32_t)(root >> 12);
    g->kernel_top_pfn = (uint32_t)(top >> 12);
    qgsim_write32(g, root + 0x00, g->kernel_top_pfn);
    qgsim_write32(g, root + 0x04, 3);
    memcpy(g->q->ram + root + 0x14, &hint, 8);
    uint64_t l2 = qgsim_alloc_pages(g, 1), l3 = qgsim_alloc_pages(g, 1);
    uint64_t heap = qgsim_alloc_pages(g, 2) + PAGE;
    qgsim_write32(g, top + 4 * ((vpn >> 20) & 0x3FF), (uint32_t)(l2 >> 12));
    qgsim_write32(g, l2 + 4 * ((vpn >> 10) & 0x3FF), (uint32_t)(l3 >> 12));
    qgsim_write32(g, l3 + 4 * (vpn & 0x3FF), (uint32_t)(heap >> 12));
    g->devinfo_gpa = qgsim_alloc_pages(g, 1);

    uint8_t p[16];
    uint32_t v = QGSIM_KERNEL_TASK << 1;
    memcpy(p, &v, 4);
    memcpy(p + 4, &hint, 8);
    memcpy(p + 12, &g->kernel_root_pfn, 4);
    if (!burst_step(g, 0x38, p, 16))
        return false;
    uint32_t heap_cmd[3] = { QGSIM_KERNEL_TASK, (uint32_t)vpn, PAGE };
    if (!burst_step(g, 0x33, heap_cmd, 12))
        return false;
    for (uint32_t ch = 1; ch <= 4; ch++)
        if (!burst_step(g, 0x30, &ch, 4))
            return false;
    uint32_t info[3] = { 0x2A, 0x200, (uint32_t)(g->devinfo_gpa >> 12) };
    if (!burst_step(g, 0x3A, info, 12))
        return false;
    uint32_t n = qgsim_read32(g, qgsim_root_data_gpa() + 0x74 + 4);
    if (n != 41) {
        fprintf(stderr, "qgsim: GetDeviceInfo2 answered %u pairs, expected 41\n", n);
        return false;
    }
    return !g->q->failed;
}

void
qgsim_boot_channels(struct qgsim *g, uint32_t displays)
{
    for (uint32_t ch = 1; ch <= 4; ch++)
        channel_setup(g, ch);
    for (uint32_t i = 0; i < displays; i++)
        channel_setup(g, 5 + i);
}

bool
qgsim_display_bringup(struct qgsim *g, uint32_t port)
{
    uint32_t ch = 5 + port;
    uint64_t page = qgsim_alloc_pages(g, 1);
    g->shared_state_gpa[port] = page;
    uint32_t p[2] = { port, (uint32_t)(page >> 12) };
    uint32_t stamp = qgsim_channel_put(g, ch, 0x01, p, 8);
    qgsim_channel_doorbell(g, ch);
    if (!qgsim_wait_stamp(g, ch, stamp, 5000)) {
        fprintf(stderr, "qgsim: SetupSharedState on pipe %u: stamp %u never completed\n", ch,
                stamp);
        return false;
    }
    qgsim_write32(g, page + 0x104, 0xC); /* the guest enables the display */
    uint32_t display_bits = 0;
    uint64_t deadline = qtest_now_ms() + 5000;
    while (!(display_bits & (1u << port)) && qtest_now_ms() < deadline && !g->q->failed) {
        if (qgsim_take_msi(g))
            qgsim_isr(g, NULL, &display_bits, NULL);
        else
            usleep(500);
    }
    uint32_t events = qgsim_read32(g, page + 0x100);
    if (!(display_bits & (1u << port)) || !(events & 0x4)) {
        fprintf(stderr, "qgsim: display %u never came online (events 0x%x, display bits 0x%x)\n",
                port, events, display_bits);
        return false;
    }
    return true;
}
