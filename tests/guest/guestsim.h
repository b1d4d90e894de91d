/* SPDX-License-Identifier: MIT */
/*
 * The guest simulator: plays the macOS kext's side of the PVG device over the real wire
 * format (protocol.md §16). It owns a sparse memfd of guest RAM, registers it with the device
 * (RAM regions, or the task model's callbacks), builds radix page tables, writes registers
 * through lagfx_mmio_write, receives interrupts and performs the guest boot sequence up to
 * "online". Every test and the demo drive the library through it.
 *
 * Threads: a guestsim is used from one thread; its callbacks (raise_interrupt, memory, events)
 * run on library threads and only touch atomics and the RAM mapping.
 */
#ifndef LAGFX_TESTS_GUESTSIM_H
#define LAGFX_TESTS_GUESTSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libapplegfx-vulkan.h>

/* Fixed guest-physical layout of the boot (protocol.md §16, from a real trace). */
#define GUESTSIM_SHARED_PFN    0x22FF8u /* shared control page */
#define GUESTSIM_ROOT_BASE_PFN 0x23EB6u /* stamp page; ring data follows */
#define GUESTSIM_ROOT_SIZE     0x10000u
#define GUESTSIM_ROOT_START    0x1000u
#define GUESTSIM_RAM_DEFAULT   (1ull << 30) /* sparse: only touched pages cost memory */
#define GUESTSIM_KERNEL_TASK   1u

struct guestsim;

struct guestsim_config {
    uint32_t displays; /* ports 0..displays-1 get a display (0..8); default 1 */
    lagfx_display_mode_t modes[LAGFX_MAX_DISPLAY_PORTS]; /* preferred mode per port */
    uint64_t ram_size;                                   /* default GUESTSIM_RAM_DEFAULT */
    bool task_model;                                     /* task callbacks instead of RAM regions */
    bool executor;         /* give the device a schedule callback (drained by guestsim) */
    uint32_t device_flags; /* LAGFX_DEVICE_* (default HEADLESS) */
    FILE *log;             /* step-by-step narration; NULL = quiet */
    const char *label;
    uint32_t root_size; /* RING_SIZE written at boot; default GUESTSIM_ROOT_SIZE */
};

void guestsim_config_init(struct guestsim_config *cfg);
lagfx_status_t guestsim_new(const struct guestsim_config *cfg, struct guestsim **out);
/* Frees displays and the device (quiescent), then guest RAM. NULL is fine. */
void guestsim_free(struct guestsim *g);

lagfx_device_t *guestsim_device(struct guestsim *g);
lagfx_display_t *guestsim_display(struct guestsim *g, uint32_t port);
/* Frees the simulator's display of a port (hot-unplug); the port may get a new display. */
void guestsim_display_free(struct guestsim *g, uint32_t port);

/* ---- Guest RAM ---- */
uint8_t *guestsim_ram(struct guestsim *g);
uint64_t guestsim_ram_size(struct guestsim *g);
/* Zeroed pages from the simulator's allocator (never overlapping the fixed layout). */
uint64_t guestsim_alloc_pages(struct guestsim *g, uint32_t count);
uint32_t guestsim_read32(struct guestsim *g, uint64_t gpa);
void guestsim_write32(struct guestsim *g, uint64_t gpa, uint32_t value);
void guestsim_write(struct guestsim *g, uint64_t gpa, const void *src, size_t len);

/* ---- MMIO and interrupts ---- */
uint32_t guestsim_mmio_read(struct guestsim *g, uint32_t off);
lagfx_status_t guestsim_mmio_write(struct guestsim *g, uint32_t off, uint32_t value);
uint64_t guestsim_irq_count(struct guestsim *g);
/* Interrupts raised on a vector other than 0 (must stay 0, protocol.md §4). */
uint64_t guestsim_bad_vectors(struct guestsim *g);
/* Waits until more than `seen` interrupts were raised; false on timeout. */
bool guestsim_wait_irq(struct guestsim *g, uint64_t seen, uint32_t timeout_ms);
/* The guest ISR: reads 0x1018, then 0x1014, then 0x102C (protocol.md §4); accumulates. */
void
guestsim_isr(struct guestsim *g, uint32_t *stamp_bits, uint32_t *display_bits, uint32_t *fault);
/* Hook run inside raise_interrupt (library thread), for ordering tests. */
void
guestsim_set_irq_hook(struct guestsim *g, void (*hook)(struct guestsim *g, void *user), void *user);
/* Runs queued executor items (config.executor); returns how many ran. */
uint32_t guestsim_run_executor(struct guestsim *g);

/* ---- Radix page tables (protocol.md §9.2-§9.4), 3 levels ---- */
struct guestsim_task {
    uint32_t id;
    uint32_t root_pfn; /* root header page */
    uint32_t top_pfn;  /* top-level node */
};
void guestsim_task_init(struct guestsim *g, struct guestsim_task *t, uint32_t id);
/* Maps [va, va + len) to freshly allocated, scattered pages; returns false on bad input. */
bool guestsim_task_map_new(struct guestsim *g, struct guestsim_task *t, uint64_t va, uint64_t len);
/* Maps one page VA → GPA (last-level entry; interior nodes allocated as needed). */
void guestsim_task_map_page(struct guestsim *g, struct guestsim_task *t, uint64_t va, uint64_t gpa);
/* Writes through the guest's own tables (page by page). */
bool guestsim_task_write(struct guestsim *g,
                         const struct guestsim_task *t,
                         uint64_t va,
                         const void *src,
                         size_t len);
bool guestsim_task_read(struct guestsim *g,
                        const struct guestsim_task *t,
                        uint64_t va,
                        void *dst,
                        size_t len);

/* ---- Rings ---- */
/* Writes one root command (12-byte header + payload) at the guest's write pointer, wrapping
 * as needed, without ringing. Returns the stamp it carries. */
uint32_t guestsim_root_put(struct guestsim *g, uint16_t opcode, const void *payload, uint32_t len);
/* Writes raw bytes at the root write pointer (for hostile headers) and advances it. */
void guestsim_root_put_raw(struct guestsim *g, const void *bytes, uint32_t len);
/* Rings the root doorbell with the current write pointer. */
void guestsim_root_doorbell(struct guestsim *g);
uint32_t guestsim_root_wptr(struct guestsim *g);
/* Sets the guest's notion of the root pointers (tests that start mid-ring). */
void guestsim_root_set_wptr(struct guestsim *g, uint32_t wptr);
/* put + doorbell + wait for the stamp on slot 0. */
uint32_t
guestsim_root_submit(struct guestsim *g, uint16_t opcode, const void *payload, uint32_t len);
uint32_t guestsim_next_stamp(struct guestsim *g, uint32_t slot);

/* Channel c (1..12): the ring and its descriptor in the shared control page. */
uint32_t guestsim_channel_put(struct guestsim *g,
                              uint32_t ch,
                              uint16_t opcode,
                              const void *payload,
                              uint32_t len);
void guestsim_channel_doorbell(struct guestsim *g, uint32_t ch);
uint32_t guestsim_channel_submit(struct guestsim *g,
                                 uint32_t ch,
                                 uint16_t opcode,
                                 const void *payload,
                                 uint32_t len);
uint64_t guestsim_descriptor_gpa(uint32_t ch);
/* Test helpers: set both descriptor pointers (and the guest's write pointer) to value; give
 * the channel a fresh ring (new pages, new PFN array, pointers 0); reverse its page order;
 * write raw bytes at the write pointer without a header. */
void guestsim_channel_set_pointers(struct guestsim *g, uint32_t ch, uint32_t value);
void guestsim_channel_rebuild(struct guestsim *g, uint32_t ch);
void guestsim_channel_reverse_pages(struct guestsim *g, uint32_t ch);
void guestsim_channel_put_raw(struct guestsim *g, uint32_t ch, const void *bytes, uint32_t len);
uint32_t guestsim_channel_wptr(struct guestsim *g, uint32_t ch);
uint32_t guestsim_channel_ring_pfn(struct guestsim *g, uint32_t ch);

/* ---- Stamps ---- */
uint64_t guestsim_stamp_gpa(uint32_t slot);
uint32_t guestsim_stamp(struct guestsim *g, uint32_t slot);
/* Waits until the cell of slot reaches target (wrapping order); false on timeout. */
bool guestsim_wait_stamp(struct guestsim *g, uint32_t slot, uint32_t target, uint32_t timeout_ms);

/* ---- Boot (protocol.md §16) ---- */
/* Steps 1-15: EFI programming, kext start, root ring armed. */
lagfx_status_t guestsim_boot_mmio(struct guestsim *g);
/* The seven-command init burst (stamps 1-7 on slot 0, 0x100C checked before each). */
lagfx_status_t guestsim_boot_burst(struct guestsim *g);
/* Channel descriptors for 1-4 and every display pipe; DefineChildChannel already sent. */
lagfx_status_t guestsim_boot_channels(struct guestsim *g);
/* 0x01 on pipe 5 + port, enable (0xC at +0x104), wait for online (event bit and IRQ). */
lagfx_status_t guestsim_display_bringup(struct guestsim *g, uint32_t port, bool enable);
uint64_t guestsim_shared_state_gpa(struct guestsim *g, uint32_t port);
/* The whole sequence up to every display online. */
lagfx_status_t guestsim_boot(struct guestsim *g);

/* Test hooks: route the device's `fault` event to fn (set before the first fault), and
 * forget a device a test freed itself (its displays went with it). */
void guestsim_test_set_fault(struct guestsim *g, void (*fn)(void *user, lagfx_status_t reason));
void guestsim_test_forget_device(struct guestsim *g);

/* Reply page of the boot's GetDeviceInfo2. */
uint64_t guestsim_devinfo_gpa(struct guestsim *g);
struct guestsim_task *guestsim_kernel_task(struct guestsim *g);

#endif /* LAGFX_TESTS_GUESTSIM_H */
