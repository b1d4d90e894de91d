/* SPDX-License-Identifier: MIT */
/*
 * The device core's private state, shared by dev.c (lifecycle, MMIO, threads), ring.c
 * (draining), stamp.c (completion), outer.c (outer opcodes) and display.c (pipes). Fields are
 * grouped by who may touch them (STYLE §9).
 */
#ifndef LAGFX_PROTOCOL_DEV_INTERNAL_H
#define LAGFX_PROTOCOL_DEV_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "memory/guest.h"
#include "memory/reader.h"
#include "protocol/dev.h"
#include "protocol/limits.h"
#include "protocol/task.h"
#include "util/guest_errors.h"

/* Worker wake bits: channels 0-12, then housekeeping. */
#define PROTO_WAKE_DISPLAYS (1u << 13) /* check the online handshake */
#define PROTO_WAKE_RAISE    (1u << 14) /* raise what accumulated while held */
#define PROTO_WAKE_CHANNELS 0x1FFFu

/* In-order stamp completion per slot (protocol.md §6.5): commands enter in ring order, their
 * work may finish out of order, stamps are written in order. */
#define PROTO_CQ_DEPTH 256u
struct proto_cq {
    uint32_t stamp[PROTO_CQ_DEPTH];
    bool done[PROTO_CQ_DEPTH];
    bool plausible_only[PROTO_CQ_DEPTH];
    uint32_t head, tail; /* tail - head = entries in flight */
};

struct proto_channel {
    /* Owned by the worker. */
    uint32_t rp;       /* absolute byte count consumed (channels 1-12) */
    uint32_t ring_pfn; /* PFN-array page last seen; 0 = never */
    bool refresh;      /* adopt the descriptor's read_ptr at the next drain (0x30) */
    bool defined;      /* a 0x30 named it */
    bool warned_bad_id;
};

#define PROTO_SUBRING_BYTES 44u
struct proto_display {
    /* Under disp_lock: written by VMM threads, read by the worker. */
    bool plugged;
    uint32_t mode_count;
    lagfx_display_mode_t modes[LAGFX_MAX_DISPLAY_MODES];
    /* Owned by the worker. */
    bool setup_seen;    /* 0x01 processed since reset */
    bool page_written;  /* shared state written for the latest 0x01 */
    bool online_posted; /* online event posted for the latest 0x01 */
    bool fallback_warned;
    uint32_t shared_pfn;
    uint64_t page_ns; /* when the page was written: the 1 s fallback counts from here */
    uint32_t subring_count;
    uint8_t subrings[PROTO_MAX_SUBRINGS][PROTO_SUBRING_BYTES];
    uint32_t cur_width, cur_height; /* current mode (§15.1); 0 = none yet */
    uint64_t frames_skipped;
    /* Swap mapping (0x12, §15.6). */
    bool swap_valid;
    uint64_t swap_addr;
    uint32_t swap_pitch, swap_format;
    /* Cursor (§15.8): worker-owned, published through the atomics below. */
    bool cursor_seen;
    bool glyph_hot_valid;
    uint16_t glyph_hot_x, glyph_hot_y;
    bool prev_from_a; /* display 0: the previous frame came from IOSurface 1 (§15.5 a) */
    bool has_frame;   /* a frame was presented since the last 0x01 */
    /* Readable from any thread. */
    atomic_bool online;
    atomic_bool cursor_visible;
    _Atomic uint32_t cursor_pos; /* x | y << 16; 0xFFFFFFFF = off this display */
    _Atomic uint64_t guest_presents;
    _Atomic uint32_t cur_mode; /* width | height << 16 of the current mode; 0 = none */
};

struct proto_dev {
    /* Set at creation, read-only after: any thread. */
    struct proto_dev_config cfg;
    struct ut_guest_errors errs;

    /* Register file (protocol.md §3): atomics, any thread. */
    _Atomic uint32_t shadow[16]; /* 0x1000-0x103C by (off - 0x1000) / 4 */
    _Atomic uint32_t efi[12];    /* 0x1200-0x122C by (off - 0x1200) / 4 */
    _Atomic uint32_t stamp_pending;
    _Atomic uint32_t display_pending;
    atomic_bool raise_needed; /* a pending bit was set since the last raise */

    /* Root ring geometry and pointers: ring_lock (MMIO and worker, short). */
    pthread_mutex_t ring_lock;
    bool root_armed;
    uint32_t root_arm_gen; /* bumped at every arm/disarm: a drain in flight gives up */
    uint64_t root_stamp_gpa, root_data_gpa;
    uint32_t root_size;
    uint32_t root_wp;             /* last doorbell value, reduced modulo size at drain time */
    _Atomic uint32_t root_rp_pub; /* what 0x100C reads */

    /* Worker wake-up: wake_lock. */
    pthread_mutex_t wake_lock;
    pthread_cond_t wake_cond;  /* the worker waits here */
    pthread_cond_t timer_cond; /* the timer waits here (only stopping signals it) */
    pthread_cond_t idle_cond;
    uint32_t wake_bits;
    bool worker_busy;
    bool stopping; /* threads exit */
    bool hold;     /* PAUSED / SUSPEND*: no draining, interrupts held */
    bool stopped;  /* STOPPED: drop work */

    /* Exec lock: held by the worker for a turn, by control calls to exclude it. */
    pthread_mutex_t exec_lock;

    /* Owned by the worker (under exec_lock). */
    uint32_t root_rp; /* ring offset of the next command */
    uint32_t root_gen_seen;
    uint32_t kernel_task; /* first 0x38 after arming (§9.1); UINT32_MAX = none */
    bool stamps_warned;
    struct proto_channel channels[PROTO_CHANNELS];
    struct proto_task **tasks; /* by id, PROTO_MAX_TASK_ID + 1 entries, allocated lazily */
    uint32_t live_tasks;
    uint8_t *batch;          /* private copy of one outer command, PROTO_MAX_OUTER_LEN bytes */
    struct mem_xlate *xlate; /* translation context, one outer command at a time */
    uint64_t inner_commands;

    /* Completion queues: cq_lock (worker and backend completion threads). */
    pthread_mutex_t cq_lock;
    pthread_cond_t cq_cond;
    struct proto_cq cq[PROTO_CHANNELS];

    /* Displays: disp_lock guards the VMM-written part. */
    pthread_mutex_t disp_lock;
    struct proto_display displays[LAGFX_MAX_DISPLAY_PORTS];
    _Atomic uint32_t awaiting_online; /* bitmask of ports whose handshake runs */

    _Atomic uint64_t guest_faults;

    bool scanout_drawn; /* IOSurface 1 named as a destination since its (re)creation (§15.5) */
    /* IOSurfaces (§14): owned by the worker; ids are device-global. */
    struct proto_iosurface *iosurfaces; /* PROTO_MAX_IOSURFACES slots, hashed by id */
    uint32_t iosurface_live;

    pthread_t worker, timer;
    bool threads_started;
};

/* ---- stamp.c ---- */
/* The completion rule of §6.3 on one slot: never backwards, never 0, never ahead of a target
 * the guest sent; always sets the pending bit. Worker or completion thread. */
void proto_stamp_write(struct proto_dev *dev, uint32_t slot, uint32_t target, bool plausible_only);
/* Pure rule, for unit tests: the value the cell takes. */
uint32_t proto_stamp_next(uint32_t cur, uint32_t target);
/* Enqueues a command's stamp on its channel; returns the token for proto_cq_done. Blocks (on
 * the worker) while PROTO_CQ_DEPTH commands are in flight on that channel. */
uint32_t proto_cq_push(struct proto_dev *dev, uint32_t ch, uint32_t stamp, bool plausible_only);
/* Marks a command's work finished and writes every stamp now complete in order. */
void proto_cq_done(struct proto_dev *dev, uint32_t ch, uint32_t token);
/* Submits what the backend recorded and completes cmd's stamp (in channel order) when that
 * work has finished; with frame_port < PROTO_CHANNELS... a display index (0-7), the sink's
 * frame_ready runs first, once the frame is the port's newest. Sets cmd->async. Worker. */
struct proto_outer;
void proto_complete_after_flush(struct proto_dev *dev, struct proto_outer *cmd, int frame_port);
/* Drops everything queued (reset, stop). */
void proto_cq_clear(struct proto_dev *dev);
/* Sets pending bits and asks for an interrupt. */
void proto_irq_set(struct proto_dev *dev, uint32_t stamp_bits, uint32_t display_bits);
/* Raises if a bit was set since the last raise and interrupts are not held. Worker. */
void proto_irq_flush(struct proto_dev *dev);

/* ---- ring.c ---- */
/* One drain turn of channel ch (§5.5, §7.6); true when commands remain. Worker. */
bool proto_drain_root(struct proto_dev *dev);
bool proto_drain_channel(struct proto_dev *dev, uint32_t ch);

/* ---- outer.c ---- */
struct proto_outer {
    uint32_t channel;
    uint32_t opcode;
    uint32_t length; /* including the header */
    uint32_t stamp;
    uint32_t ring_off; /* root: ring offset of the header (0x3A writes its length field) */
    bool async;        /* the handler completes the stamp itself (through the CQ token) */
    uint32_t token;    /* CQ token of this command */
};
/* Dispatches one outer command in its channel's namespace. payload is a private copy. */
void proto_outer_dispatch(struct proto_dev *dev,
                          struct proto_outer *cmd,
                          const uint8_t *payload,
                          uint32_t len);
struct proto_task *proto_task_lookup(struct proto_dev *dev, uint32_t id);
void proto_tasks_drop_all(struct proto_dev *dev);

/* ---- iosurface.c ---- */
struct proto_iosurface {
    uint32_t id;
    uint32_t width, height, format, pitch;
    uint64_t size;
    uint32_t alias_of; /* 0: its own image; else the id whose image it shows (0x29) */
    bool live;
};
/* Surface id → record; NULL when absent. Worker. */
struct proto_iosurface *proto_iosurface_get(struct proto_dev *dev, uint32_t id);
/* Makes sure IOSurface 1 exists at display 0's current-mode size (§14). Worker. */
struct proto_iosurface *proto_iosurface_scanout(struct proto_dev *dev);
/* Display 0's current mode changed: IOSurface 1 is recreated, zero-filled (§14). Worker. */
void proto_iosurface_resize_scanout(struct proto_dev *dev);
void proto_iosurfaces_drop_all(struct proto_dev *dev);
/* Decoder hook: a destination texture views IOSurface id (§15.5 source a). Worker. */
void proto_surface_written(void *dev, uint32_t id);
/* Decoder hook: a TEX1 names IOSurface id; surface 1 is created on first reference (§14). */
void proto_surface_needed(void *dev, uint32_t id);
uint32_t proto_iosurface_count(struct proto_dev *dev);

/* ---- display.c ---- */
void proto_display_setup(struct proto_dev *dev, uint32_t port, uint32_t shared_pfn);
/* Runs the online handshake for every port that waits (§15.3). Worker. */
void proto_display_check(struct proto_dev *dev);
void proto_display_reset(struct proto_dev *dev);
/* Display opcodes of the root and pipe namespaces (§15.6-§15.9). port = payload display id
 * (root) or channel - 5 (pipes). Worker. */
void proto_display_swap_mapping(struct proto_dev *dev, uint32_t channel, struct mem_reader *r);
void proto_display_cursor_show_move(struct proto_dev *dev, uint32_t channel, struct mem_reader *r);
void proto_display_cursor_glyph(struct proto_dev *dev, uint32_t channel, struct mem_reader *r);
/* Both return the display index whose frame the command produces (its stamp then waits for
 * the backend), or -1 when none. */
int proto_display_transaction3(struct proto_dev *dev, uint32_t channel, struct mem_reader *r);
int proto_display_present(struct proto_dev *dev,
                          uint32_t channel,
                          uint32_t opcode,
                          struct mem_reader *r);

static inline void
proto_dev_wake(struct proto_dev *dev, uint32_t bits)
{
    pthread_mutex_lock(&dev->wake_lock);
    dev->wake_bits |= bits;
    pthread_cond_signal(&dev->wake_cond);
    pthread_mutex_unlock(&dev->wake_lock);
}

#endif /* LAGFX_PROTOCOL_DEV_INTERNAL_H */
