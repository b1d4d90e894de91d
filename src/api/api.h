/* SPDX-License-Identifier: MIT */
/*
 * Private structs of the public objects (struct lagfx_device, struct lagfx_display) and the
 * event queue that delivers display callbacks and `fault` through the VMM's executor or the
 * library's event thread (spec/api.md §7 rules 6, 7, 9). Only src/api includes this.
 */
#ifndef LAGFX_API_API_H
#define LAGFX_API_API_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

struct be;
struct mem_guest;
struct proto_dev;
struct proto_trace;
struct api_events;

#define API_DEVICE_MAGIC  0x4C414744u /* "LAGD": debug check against use after free */
#define API_DISPLAY_MAGIC 0x4C414750u /* "LAGP" */

struct lagfx_display {
    uint32_t magic;
    /* Set at creation, read-only after. */
    lagfx_device_t *dev;
    uint32_t port, serial, flags;
    char name[14];
    uint32_t width_mm, height_mm;
    lagfx_display_callbacks_t cb; /* zeroed when the descriptor had none */
    /* Under dev->lock. */
    bool dead; /* freed inside a callback: memory goes after it */
    struct lagfx_display *zombie_next;

    /* Frames: under frame_lock (read_frame from any thread, frame_ready from the worker). */
    pthread_mutex_t frame_lock;
    uint64_t last_returned;  /* sequence of the last frame read_frame/export returned */
    uint64_t mode_sequence;  /* first sequence of the current mode (READ_LATEST) */
    uint64_t last_notified;  /* newest sequence a new_frame was queued for */
    uint64_t frames_dropped; /* frames that were never returned */
    uint32_t mode_w, mode_h; /* last mode reported by mode_changed; 0 = none yet */
    /* Cursor glyph for compositing (READ_WITH_CURSOR, or no cursor_glyph callback). */
    uint8_t *glyph;
    uint32_t glyph_w, glyph_h, glyph_stride;
    uint16_t glyph_hot_x, glyph_hot_y;
};

struct lagfx_device {
    uint32_t magic;
    /* Set at creation, read-only after: any thread. */
    lagfx_shell_callbacks_t cb;
    lagfx_memory_model_t model;
    uint32_t flags;
    uint64_t mmio_length;
    uint32_t port_count;
    char label[32];
    struct mem_guest *guest;
    struct be *be;
    struct proto_dev *proto;
    struct proto_trace *trace;           /* wire recording, or NULL */
    bool vulkan;                         /* the backend is the Vulkan backend */
    lagfx_device_descriptor_t desc_copy; /* flags, vk_device, cache_dir: for a recreation */
    char vk_device[256], cache_dir[4096];
    uint32_t gpu_vendor_id, gpu_device_id;
    uint8_t gpu_uuid[16];
    char gpu_name[256];
    bool dmabuf_export, host_memory_import;
    struct api_events *events;

    /* Under lock: state, displays. */
    pthread_mutex_t lock;
    lagfx_device_state_t state;
    lagfx_device_state_t state_before_suspend;
    bool fresh; /* no MMIO access or reset yet (will_resume) */
    lagfx_display_t *displays[LAGFX_MAX_DISPLAY_PORTS];
    lagfx_display_t *zombies; /* freed inside callbacks, reaped after them */

    _Atomic uint64_t last_fault_event_ns;
};

/* ---- events.c ---- */
enum api_event_kind {
    API_EV_FAULT,
    API_EV_MODE_CHANGED,
    API_EV_NEW_FRAME,
    API_EV_CURSOR_SHOW,
    API_EV_CURSOR_MOVE,
    API_EV_CURSOR_GLYPH,
};

struct api_event {
    enum api_event_kind kind;
    uint32_t port;
    lagfx_status_t status;      /* FAULT */
    uint32_t a, b, c;           /* MODE_CHANGED: w, h, format; CURSOR_MOVE: x, y; CURSOR_SHOW: a */
    lagfx_cursor_image_t glyph; /* CURSOR_GLYPH: pixels owned by the event (ut_malloc) */
};

lagfx_status_t api_events_new(lagfx_device_t *dev, struct api_events **out);
/* Queues an event (library threads only: it may call the VMM's schedule). NEW_FRAME and
 * CURSOR_MOVE keep at most one undelivered per display (a newer one replaces it); a
 * CURSOR_GLYPH's pixels pass to the queue, which frees them. */
void api_events_push(struct api_events *ev, const struct api_event *e);
/* True when the calling thread is delivering one of this queue's callbacks. */
bool api_events_in_callback(struct api_events *ev);
/* Stops delivery for good and waits for a callback running on another thread; the queue is
 * freed when the last outstanding executor item has run. Returns false when called from
 * inside a callback: then free_fn(free_arg) runs right after that callback returns. */
bool api_events_shutdown(struct api_events *ev, void (*free_fn)(void *), void *free_arg);
/* Waits until no callback runs on another thread (display_free). */
void api_events_barrier(struct api_events *ev);

/* Test hook: the backend every new device gets (NULL = the null backend until Vulkan). */
extern lagfx_status_t (*api_test_backend_new)(struct be **out);
/* Replay (lagfx-replay): devices created while set run no worker; the caller steps turns. */
extern bool api_replay_manual_turns;

/* ---- display.c ---- */
/* Frees displays that were freed inside a callback (event delivery, after each callback). */
void api_display_reap(lagfx_device_t *dev);
/* Keeps a copy of the port's cursor glyph for compositing into frames. Worker thread. */
void api_display_keep_glyph(lagfx_device_t *dev, uint32_t port, const lagfx_cursor_image_t *img);
/* Frees every display of the device (device_free). */
void api_display_free_all(lagfx_device_t *dev);

/* ---- device.c ---- */
/* Logs a VMM mistake at WARN once per call site. */
#define API_MISUSE(dev, ...)                    \
    do {                                        \
        static atomic_bool once_;               \
        if (ut_once(&once_))                    \
            UT_WARN((dev), "api", __VA_ARGS__); \
    } while (0)

#endif /* LAGFX_API_API_H */
