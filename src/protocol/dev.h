/* SPDX-License-Identifier: MIT */
/*
 * The device core (protocol.md §2-§8, §15-§17): the BAR0 register file, the interrupt
 * pending masks, the root ring and channels 1-12, stamps, tasks and the display pipes'
 * shared state and online handshake. It knows nothing of the public API's structs: the api
 * layer (src/api) assembles it with guest memory, a backend and an event sink.
 *
 * Threads: proto_mmio_* on any vCPU thread (atomics and short locks only, never a callback
 * but the log); draining runs on the device's worker thread ("lagfx-<label>-work"); a timer
 * thread ("lagfx-<label>-timer") wakes the worker for the online handshake. Control calls
 * (reset, pause, stop, display plug) come from VMM threads and exclude the worker with the
 * exec lock, which is never held across a VMM callback other than memory callbacks and
 * raise_interrupt.
 */
#ifndef LAGFX_PROTOCOL_DEV_H
#define LAGFX_PROTOCOL_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

#include "memory/guest.h"
#include "util/guest_errors.h"

struct be;
struct proto_dev;
struct proto_trace;

/* BAR0 offsets (protocol.md §3). */
enum {
    PROTO_REG_RING_CTRL = 0x1000,
    PROTO_REG_RING_SIZE = 0x1004,
    PROTO_REG_RING_WPTR = 0x1008,
    PROTO_REG_RING_RPTR = 0x100C,
    PROTO_REG_RING_START = 0x1010,
    PROTO_REG_DISPLAY_PENDING = 0x1014,
    PROTO_REG_STAMP_PENDING = 0x1018,
    PROTO_REG_SHARED_PFN = 0x101C,
    PROTO_REG_CHANNEL_DOORBELL = 0x1020,
    PROTO_REG_TRAMPOLINE_A = 0x1024,
    PROTO_REG_TRAMPOLINE_B = 0x1028,
    PROTO_REG_FAULT_STATUS = 0x102C,
    PROTO_REG_RING_BASE_PFN = 0x1030,
    PROTO_REG_BINARY_VERSION = 0x1034,
    PROTO_REG_RESERVED_38 = 0x1038,
    PROTO_REG_RESERVED_3C = 0x103C,
    PROTO_REG_EFI_STATE = 0x1200,
    PROTO_REG_EFI_PROBE = 0x1204,
    PROTO_REG_EFI_QUEUE_CAPS = 0x1210,
    PROTO_REG_EFI_CAPS = 0x1214,
    PROTO_REG_EFI_FB_MODE = 0x1218,
    PROTO_REG_EFI_MODE_SELECT = 0x121C,
    PROTO_REG_EFI_CAPS2 = 0x1228,
    PROTO_REG_CAPABILITY = 0x122C,
};

#define PROTO_CAPABILITY_VALUE 9u /* >= 9 selects the kext's modern path (§3) */

/* What the core tells the api layer. Called on the worker thread with no core lock held
 * except the exec lock; implementations only queue events. */
struct proto_sink {
    void *user;
    void (*raise_interrupt)(void *user);
    /* A guest fault was counted (task faults); the api rate-limits the VMM event. */
    void (*guest_fault)(void *user);
    /* Display state changed (online posted): the api refreshes its view. */
    void (*display_changed)(void *user, uint32_t port);
    /* Cursor (protocol.md §15.8): pixels are valid during the call only. */
    void (*cursor_glyph)(void *user, uint32_t port, const lagfx_cursor_image_t *image);
    void (*cursor_show)(void *user, uint32_t port, bool visible);
    void (*cursor_move)(void *user, uint32_t port, uint16_t x, uint16_t y);
    /* A present's work finished: the backend may have a new newest frame for port. */
    void (*frame_ready)(void *user, uint32_t port);
};

struct proto_dev_config {
    lagfx_device_t *log_dev; /* for log lines; may be NULL in unit tests */
    const char *label;
    uint64_t mmio_length;
    uint32_t port_count;
    bool headless;
    struct mem_guest *guest;   /* borrowed */
    struct be *be;             /* borrowed */
    struct proto_trace *trace; /* wire recording, or NULL; borrowed, outlives the core */
    bool manual_turns;         /* replay: no worker or timer thread; turns via proto_dev_step */
    struct proto_sink sink;
};

lagfx_status_t proto_dev_new(const struct proto_dev_config *cfg, struct proto_dev **out);
/* Stops the threads (waiting for the current command), frees everything. */
void proto_dev_free(struct proto_dev *dev);

/* MMIO (spec/api.md §5.3, protocol.md §2-§3). BAD_ACCESS for a malformed access (value 0). */
lagfx_status_t proto_mmio_read(struct proto_dev *dev, uint64_t off, uint32_t size, uint64_t *value);
lagfx_status_t proto_mmio_write(struct proto_dev *dev, uint64_t off, uint32_t size, uint64_t value);

/* Power-on state (protocol.md §3 reset values; no stamp cell is written). Waits for the
 * worker to finish its command. */
void proto_dev_reset(struct proto_dev *dev);
/* Swaps the backend (a lost device recreated by lagfx_device_reset); waits for the worker's
 * command. The caller destroys the old backend afterwards. */
void proto_dev_set_backend(struct proto_dev *dev, struct be *be);
/* Holding: the worker stops between commands and interrupts are held (PAUSED, SUSPEND*);
 * releasing raises what accumulated. */
void proto_dev_hold(struct proto_dev *dev, bool hold);
/* Stopped: guest work is dropped, no interrupt is ever raised again until reset. */
void proto_dev_stop(struct proto_dev *dev);

/* Display ports (api.md §5.6): plug with a mode list (the preferred mode first); the shared
 * state of a pending 0x01 is written and the online handshake runs. */
void proto_display_plug(struct proto_dev *dev,
                        uint32_t port,
                        const lagfx_display_mode_t *modes,
                        uint32_t count);
void proto_display_unplug(struct proto_dev *dev, uint32_t port);

struct proto_display_state {
    bool plugged;
    bool online;
    bool setup_done; /* 0x01 processed */
    uint32_t width, height, refresh_millihz;
    bool cursor_visible;
    uint16_t cursor_x, cursor_y; /* hotspot; LAGFX_CURSOR_OFF_DISPLAY when off this display */
    uint64_t guest_presents;     /* 0x02, 0x06, 0x07, layer-form 0x16 decoded */
};
void proto_display_get_state(struct proto_dev *dev, uint32_t port, struct proto_display_state *st);

uint64_t proto_dev_guest_faults(struct proto_dev *dev);
struct ut_guest_errors *proto_dev_errors(struct proto_dev *dev);

/* Name of an outer opcode in a channel's namespace (ops_*.def), "unknown" otherwise. */
const char *proto_outer_name(uint32_t channel, uint32_t opcode);
/* Name of a BAR0 register, NULL for none. */
const char *proto_reg_name(uint64_t off);

/* Manual-turn devices (replay): runs one worker turn over the channels in bits (the wake
 * bits a TURN_BEGIN record holds), and its fairness requeues, on the calling thread. */
void proto_dev_step(struct proto_dev *dev, uint32_t bits);
/* Waits until every queued stamp completed (the backend finished the work). */
void proto_dev_wait_completions(struct proto_dev *dev);

/* Waits until the worker has nothing pending and is idle (tests and tools). */
void proto_dev_wait_idle(struct proto_dev *dev);

#endif /* LAGFX_PROTOCOL_DEV_H */
