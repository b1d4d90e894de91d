/* SPDX-License-Identifier: MIT */
/*
 * libapplegfx-vulkan public API 1.0 (spec/api.md): the Linux host side of Apple's
 * ParavirtualizedGraphics (PVG) device, rendering with Vulkan. The VMM owns the PCI device
 * 0x106B:0xEEEE, guest RAM and MSI delivery; it forwards BAR0 accesses here and receives
 * interrupts, display events and frames back. Thread tags {thread; blocks; triggers} follow
 * spec/api.md §1; the threading contract is §7, the error model §8.
 */
#ifndef LIBAPPLEGFX_VULKAN_H
#define LIBAPPLEGFX_VULKAN_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LAGFX_API __attribute__((visibility("default")))
#else
#define LAGFX_API
#endif

/* ---- Status codes (spec/api.md §8) ---- */

typedef enum lagfx_status {
    LAGFX_OK = 0,
    LAGFX_NO_FRAME = 1, /* success: nothing new */
    LAGFX_ERROR_INVALID_ARGUMENT = -1,
    LAGFX_ERROR_OUT_OF_MEMORY = -2,
    LAGFX_ERROR_NOT_SUPPORTED = -3,
    LAGFX_ERROR_BAD_STATE = -4,
    LAGFX_ERROR_BUSY = -5,      /* port taken, export limit */
    LAGFX_ERROR_NO_DEVICE = -6, /* no Vulkan loader or usable GPU */
    LAGFX_ERROR_DEVICE_LOST = -7,
    LAGFX_ERROR_SIZE_MISMATCH = -8,
    LAGFX_ERROR_BAD_ACCESS = -9, /* malformed guest MMIO access */
    LAGFX_ERROR_GUEST_FAULT = -10,
    LAGFX_ERROR_IO = -11,
    LAGFX_ERROR_INTERNAL = -12,
    LAGFX_ERROR_RESUME_INTERNAL_FAULT = -100, /* = PGResumeErrorCode 0 ... */
    LAGFX_ERROR_RESUME_STATE_VERSION = -101,
    LAGFX_ERROR_RESUME_INVALID_CONTENT = -102,
    LAGFX_ERROR_RESUME_GUEST_VERSION = -103,
    LAGFX_ERROR_RESUME_INCOMPATIBLE_DEVICE = -104,
    LAGFX_ERROR_RESUME_DISPLAY_PORT_COUNT = -105, /* ... 5 */
    LAGFX_STATUS_MAX_ENUM = 0x7FFFFFFF
} lagfx_status_t;

/* ---- Constants (spec/api.md §3) ---- */

#define LAGFX_VERSION_MAJOR 1
#define LAGFX_VERSION_MINOR 0
#define LAGFX_VERSION_PATCH 0
#define LAGFX_MAKE_VERSION(ma, mi, pa) \
    (((uint32_t)(ma) << 16) | ((uint32_t)(mi) << 8) | (uint32_t)(pa))
#define LAGFX_VERSION \
    LAGFX_MAKE_VERSION(LAGFX_VERSION_MAJOR, LAGFX_VERSION_MINOR, LAGFX_VERSION_PATCH)

#define LAGFX_PCI_VENDOR_ID       0x106Bu
#define LAGFX_PCI_DEVICE_ID       0xEEEEu
#define LAGFX_PCI_BAR_MMIO        0
#define LAGFX_PCI_MSI_VECTORS     1       /* only vector 0 is raised */
#define LAGFX_DEFAULT_MMIO_LENGTH 0x4000u /* MSI area below 0x1000, then registers */
#define LAGFX_MAX_DISPLAY_PORTS   8
#define LAGFX_MAX_DISPLAY_MODES   128
#define LAGFX_MAX_RAM_REGIONS     1024
#define LAGFX_MAX_EXPORTED_FRAMES 2 /* per display */
#define LAGFX_CURSOR_OFF_DISPLAY  0xFFFFu

#define LAGFX_FOURCC(a, b, c, d) \
    ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))
#define LAGFX_FORMAT_XRGB8888 LAGFX_FOURCC('X', 'R', '2', '4') /* bytes B,G,R,X: QEMU surface */
#define LAGFX_FORMAT_ARGB8888 LAGFX_FOURCC('A', 'R', '2', '4') /* bytes B,G,R,A: Metal BGRA8 */

#define LAGFX_HAS_RAM_REGIONS    1 /* PG_SUPPORT_* pattern */
#define LAGFX_HAS_SUSPEND_RESUME 1
#define LAGFX_HAS_DMABUF_EXPORT  1
#define LAGFX_HAS_MULTI_DISPLAY  1

#define LAGFX_DEVICE_HEADLESS             (1u << 0) /* no Vulkan: decode and complete, never render */
#define LAGFX_RAM_READ_ONLY               (1u << 0)
#define LAGFX_RAM_HAS_FD                  (1u << 1) /* fd, fd_offset valid */
#define LAGFX_DISPLAY_DMABUF              (1u << 0) /* exportable display images */
#define LAGFX_READ_LATEST                 (1u << 0) /* newest frame even if already returned */
#define LAGFX_READ_SCALE                  (1u << 1) /* scale linearly to width x height */
#define LAGFX_READ_WITH_CURSOR            (1u << 2)
#define LAGFX_DISPLAY_INFO_PLUGGED        (1u << 0)
#define LAGFX_DISPLAY_INFO_ONLINE         (1u << 1) /* guest driver enabled it */
#define LAGFX_DISPLAY_INFO_CURSOR_VISIBLE (1u << 2)

typedef enum lagfx_log_level {
    LAGFX_LOG_OFF = 0,
    LAGFX_LOG_ERROR = 1,
    LAGFX_LOG_WARN = 2,
    LAGFX_LOG_INFO = 3,
    LAGFX_LOG_DEBUG = 4,
    LAGFX_LOG_TRACE = 5,
    LAGFX_LOG_LEVEL_MAX_ENUM = 0x7FFFFFFF
} lagfx_log_level_t;

typedef enum lagfx_feature {
    LAGFX_FEATURE_RAM_REGIONS = 1,
    LAGFX_FEATURE_TASK_CALLBACKS = 2,
    LAGFX_FEATURE_SUSPEND_RESUME = 3,
    LAGFX_FEATURE_DMABUF_EXPORT = 4,
    LAGFX_FEATURE_MULTI_DISPLAY = 5,
    LAGFX_FEATURE_HOST_MEMORY_IMPORT = 6,
    LAGFX_FEATURE_WIRE_RECORDING = 7,
    LAGFX_FEATURE_VULKAN = 8,
    LAGFX_FEATURE_MAX_ENUM = 0x7FFFFFFF
} lagfx_feature_t;

typedef enum lagfx_device_state {
    LAGFX_DEVICE_RUNNING = 0,
    LAGFX_DEVICE_PAUSED = 1,
    LAGFX_DEVICE_SUSPENDING = 2,
    LAGFX_DEVICE_SUSPENDED = 3,
    LAGFX_DEVICE_RESUMING = 4,
    LAGFX_DEVICE_STOPPED = 5,
    LAGFX_DEVICE_LOST = 6,
    LAGFX_DEVICE_STATE_MAX_ENUM = 0x7FFFFFFF
} lagfx_device_state_t;

typedef enum lagfx_memory_model {
    LAGFX_MEMORY_RAM_REGIONS = 0,
    LAGFX_MEMORY_TASKS = 1,
    LAGFX_MEMORY_MODEL_MAX_ENUM = 0x7FFFFFFF
} lagfx_memory_model_t;

/* ---- Handles and element structs (spec/api.md §4.1) ---- */

typedef struct lagfx_device lagfx_device_t;
typedef struct lagfx_display lagfx_display_t;
typedef struct lagfx_task lagfx_task_t;             /* library-owned task window (§5.8) */
typedef struct lagfx_shell_task lagfx_shell_task_t; /* defined by the VMM, never dereferenced */
typedef void (*lagfx_work_fn)(void *arg);

typedef struct lagfx_coord {
    uint16_t x, y;
} lagfx_coord_t;

typedef struct lagfx_phys_range {
    uint64_t gpa;
    uint64_t length;
} lagfx_phys_range_t;

typedef struct lagfx_display_mode {
    uint16_t width, height;   /* 1..16384, within the GPU's image limit */
    uint32_t refresh_millihz; /* 60 Hz = 60000; 1000..1000000 */
} lagfx_display_mode_t;

typedef struct lagfx_ram_region {
    uint64_t gpa, length; /* 4 KiB aligned, length > 0 */
    void *host_ptr;       /* VMM mapping, 4 KiB aligned, read/write */
    uint64_t fd_offset;   /* offset of gpa in fd */
    int32_t fd;           /* memfd/file behind host_ptr; borrowed */
    uint32_t flags;       /* LAGFX_RAM_* */
} lagfx_ram_region_t;

/* ---- Device descriptor and shell callbacks (spec/api.md §4.2) ---- */

typedef struct lagfx_shell_callbacks {
    uint32_t struct_size;
    uint32_t flags; /* 0 */
    void *user;     /* first argument of every callback */
    /* task model: Apple's blocks and order */
    lagfx_shell_task_t *(*create_task)(void *user, uint64_t vm_size, void **base_out);
    void (*destroy_task)(void *user, lagfx_shell_task_t *task);
    /* ranges back to back at base + virtual_offset, ALIASING guest RAM (never copy) */
    bool (*map_memory)(void *user,
                       lagfx_shell_task_t *task,
                       uint32_t range_count,
                       uint64_t virtual_offset,
                       bool read_only,
                       const lagfx_phys_range_t *ranges);
    /* replace the range with fresh zero pages */
    bool (*unmap_memory)(void *user,
                         lagfx_shell_task_t *task,
                         uint64_t virtual_offset,
                         uint64_t length);
    bool (*read_memory)(void *user, uint64_t gpa, uint64_t length, void *dst);
    /* required; vector is always 0; must not block; may merge undelivered raises */
    void (*raise_interrupt)(void *user, uint32_t vector);
    /* executor (§7 rule 6); NULL: event callbacks run on a library event thread */
    void (*schedule)(void *user, lagfx_work_fn fn, void *arg);
    /* task model (required there): stamp cells, read pointers, replies, shared-state pages */
    bool (*write_memory)(void *user, uint64_t gpa, uint64_t length, const void *src);
    /* optional: pages the library wrote (migration dirty logging) */
    void (*mark_dirty)(void *user, const lagfx_phys_range_t *ranges, uint32_t count);
    /* optional event: guest fault or device loss, <= 1/s */
    void (*fault)(void *user, lagfx_status_t reason);
} lagfx_shell_callbacks_t;

typedef struct lagfx_device_descriptor {
    uint32_t struct_size;
    uint32_t flags;                           /* LAGFX_DEVICE_*; 0 */
    const lagfx_shell_callbacks_t *callbacks; /* required; copied */
    uint64_t mmio_length;                     /* LAGFX_DEFAULT_MMIO_LENGTH; larger power of 2 ok */
    uint32_t display_port_count;              /* 1; up to LAGFX_MAX_DISPLAY_PORTS */
    uint32_t ram_region_count;                /* 0 */
    const lagfx_ram_region_t *ram_regions;    /* NULL; copied */
    const char *vk_device;                    /* NULL = LAGFX_VK_DEVICE, then automatic */
    const char *cache_dir;                    /* NULL = LAGFX_CACHE_DIR or default; "" = none */
    const char *wire_record_path;             /* NULL = LAGFX_TRACE; "" = never */
    const char *label;                        /* log name (QEMU device id); NULL = "lagfx<N>" */
} lagfx_device_descriptor_t;

/* ---- Displays (spec/api.md §4.3) ---- */

typedef struct lagfx_cursor_image {
    uint32_t struct_size;
    uint32_t width, height; /* 1..256 */
    uint32_t stride;        /* bytes per row >= width * 4 */
    uint32_t format;        /* LAGFX_FORMAT_ARGB8888, straight alpha */
    uint16_t hot_x, hot_y;  /* from top-left */
    const void *pixels;     /* valid during the callback only */
} lagfx_cursor_image_t;

typedef struct lagfx_display_callbacks {
    uint32_t struct_size;
    uint32_t flags; /* 0 */
    void *user;
    void (*mode_changed)(void *user, uint32_t width, uint32_t height, uint32_t format);
    void (*new_frame)(void *user);
    void (*cursor_glyph)(void *user, const lagfx_cursor_image_t *image);
    void (*cursor_show)(void *user, bool visible);
    void (*cursor_move)(void *user, uint16_t x, uint16_t y);
} lagfx_display_callbacks_t;

typedef struct lagfx_display_descriptor {
    uint32_t struct_size;
    uint32_t flags;                             /* LAGFX_DISPLAY_*; 0 */
    const char *name;                           /* UTF-8, cut to 13 bytes; "Linux Virtual" */
    uint32_t width_mm, height_mm;               /* 400, 300 */
    const lagfx_display_callbacks_t *callbacks; /* NULL = no events; copied */
    const lagfx_display_mode_t *modes;          /* NULL; initial mode list, copied */
    uint32_t mode_count;                        /* 0 = unplugged until set_mode_list */
    uint32_t reserved0;
} lagfx_display_descriptor_t;

/* ---- Frames, info, log (spec/api.md §4.4) ---- */

typedef struct lagfx_frame_dst {
    uint32_t struct_size;
    uint32_t flags;         /* LAGFX_READ_* */
    void *pixels;           /* required */
    size_t size;            /* writable bytes */
    uint32_t stride;        /* 0 = width * 4 */
    uint32_t width, height; /* 0 = frame size */
    uint32_t format;        /* 0 = XRGB8888 */
} lagfx_frame_dst_t;

typedef struct lagfx_frame_info {
    uint32_t struct_size;
    uint32_t width, height, format; /* the frame's own */
    uint64_t sequence;              /* host present count of this frame */
    uint64_t guest_present_count;
    uint64_t timestamp_ns; /* CLOCK_MONOTONIC at completion */
    /* box changed since the last returned frame; whole frame if unknown */
    uint32_t damage_x, damage_y, damage_width, damage_height;
} lagfx_frame_info_t;

typedef struct lagfx_dmabuf_frame {
    uint32_t struct_size;
    uint32_t width, height, format; /* DRM fourcc */
    uint64_t modifier;              /* 0 = linear */
    uint32_t plane_count;           /* 1 in API 1.0 */
    int32_t fds[4];                 /* library-owned until release; stable per image */
    uint32_t offsets[4], strides[4];
    int32_t acquire_fence_fd; /* sync_file or -1; the caller closes it */
    uint64_t frame_id, sequence;
} lagfx_dmabuf_frame_t;

typedef struct lagfx_device_info {
    uint32_t struct_size;
    uint32_t state; /* lagfx_device_state_t */
    uint64_t mmio_length;
    uint32_t display_port_count;
    uint32_t memory_model; /* lagfx_memory_model_t */
    uint64_t guest_faults;
    uint32_t gpu_vendor_id, gpu_device_id; /* selected GPU; zero when headless */
    uint8_t gpu_uuid[16];
    char gpu_name[256];
} lagfx_device_info_t;

typedef struct lagfx_display_info {
    uint32_t struct_size;
    uint32_t port, serial, flags;                    /* LAGFX_DISPLAY_INFO_* */
    uint32_t width, height, refresh_millihz, format; /* 0 until the guest sets a mode */
    uint64_t guest_present_count, host_present_count, frames_dropped;
} lagfx_display_info_t;

/* dev NULL if library-wide; domain e.g. "ring"; message valid during the call */
typedef void (*lagfx_log_fn)(void *user,
                             lagfx_log_level_t level,
                             lagfx_device_t *dev,
                             const char *domain,
                             const char *message);

/* ---- Library-wide (spec/api.md §5.1) ---- */

/* {A; no; none} */
LAGFX_API uint32_t lagfx_get_version(void);
/* {A; no; none} static string, e.g. "1.0.0 (vulkan)" */
LAGFX_API const char *lagfx_get_version_string(void);
/* {A; no; none} static name, "unknown status" otherwise */
LAGFX_API const char *lagfx_status_string(lagfx_status_t status);
/* {E, not in the log handler; bounded; none} process-wide; NULL = stderr */
LAGFX_API void lagfx_set_log_handler(lagfx_log_fn fn, void *user);
/* {A; no; none} process-wide, overrides LAGFX_LOG */
LAGFX_API void lagfx_set_log_level(lagfx_log_level_t level);
/* {A; no; none} dev NULL = built in, else usable on this device */
LAGFX_API bool lagfx_device_has_feature(lagfx_device_t *dev, lagfx_feature_t feature);
/* {A; no; none} frees suspend state */
LAGFX_API void lagfx_free(void *ptr);

/* ---- Device (spec/api.md §5.2) ---- */

/* {A; no; none} */
LAGFX_API void lagfx_device_descriptor_init(lagfx_device_descriptor_t *desc);
/* {A; no; none} */
LAGFX_API void lagfx_shell_callbacks_init(lagfx_shell_callbacks_t *callbacks);
/* {E; slow; none} */
LAGFX_API lagfx_status_t lagfx_device_new(const lagfx_device_descriptor_t *desc,
                                          lagfx_device_t **dev_out);
/* {F; bounded; now: destroy_task} */
LAGFX_API void lagfx_device_free(lagfx_device_t *dev);
/* {E; bounded; now: destroy_task; later: cursor_show} */
LAGFX_API lagfx_status_t lagfx_device_reset(lagfx_device_t *dev);
/* {E; pause bounded; later: raise_interrupt, events} */
LAGFX_API lagfx_status_t lagfx_device_pause(lagfx_device_t *dev);
/* {E; no; later: raise_interrupt, events} */
LAGFX_API lagfx_status_t lagfx_device_unpause(lagfx_device_t *dev);
/* {E; bounded; none} */
LAGFX_API lagfx_status_t lagfx_device_stop(lagfx_device_t *dev);
/* {A; no; none} */
LAGFX_API lagfx_status_t lagfx_device_get_info(lagfx_device_t *dev, lagfx_device_info_t *info_out);

/* ---- MMIO (spec/api.md §5.3) ---- */

/* {A, concurrent vCPUs, VMM locks held; no; now: log only; later: memory callbacks,
 * raise_interrupt, mark_dirty, schedule} */
LAGFX_API lagfx_status_t lagfx_mmio_read(lagfx_device_t *dev,
                                         uint64_t offset,
                                         uint32_t size,
                                         uint64_t *value_out);
LAGFX_API lagfx_status_t lagfx_mmio_write(lagfx_device_t *dev,
                                          uint64_t offset,
                                          uint32_t size,
                                          uint64_t value);

/* ---- Guest memory, region model (spec/api.md §5.4) ---- */

/* {E; bounded; none} */
LAGFX_API lagfx_status_t lagfx_device_set_ram_regions(lagfx_device_t *dev,
                                                      const lagfx_ram_region_t *regions,
                                                      uint32_t count);

/* ---- Suspend and resume (spec/api.md §5.5) ---- */

LAGFX_API lagfx_status_t lagfx_device_will_suspend(lagfx_device_t *dev);
LAGFX_API lagfx_status_t lagfx_device_finish_suspend(lagfx_device_t *dev,
                                                     void **state_out,
                                                     size_t *size_out);
LAGFX_API lagfx_status_t lagfx_device_cancel_suspend(lagfx_device_t *dev);
LAGFX_API lagfx_status_t lagfx_device_will_resume(lagfx_device_t *dev,
                                                  const void *state,
                                                  size_t size);
LAGFX_API lagfx_status_t lagfx_device_did_resume(lagfx_device_t *dev);

/* ---- Displays (spec/api.md §5.6) ---- */

/* {A; no; none} */
LAGFX_API void lagfx_display_descriptor_init(lagfx_display_descriptor_t *desc);
/* {A; no; none} */
LAGFX_API void lagfx_display_callbacks_init(lagfx_display_callbacks_t *callbacks);
/* {E; slow; later: raise_interrupt, mode_changed} */
LAGFX_API lagfx_status_t lagfx_display_new(lagfx_device_t *dev,
                                           const lagfx_display_descriptor_t *desc,
                                           uint32_t port,
                                           uint32_t serial,
                                           lagfx_display_t **display_out);
/* {F; bounded; later: raise_interrupt} */
LAGFX_API void lagfx_display_free(lagfx_display_t *display);
/* {E; no; later: raise_interrupt, mode_changed} */
LAGFX_API lagfx_status_t lagfx_display_set_mode_list(lagfx_display_t *display,
                                                     const lagfx_display_mode_t *modes,
                                                     uint32_t count);
/* {A; no; none} */
LAGFX_API lagfx_status_t lagfx_display_get_cursor_position(lagfx_display_t *display,
                                                           lagfx_coord_t *pos_out);
/* {A; no; none} */
LAGFX_API lagfx_status_t lagfx_display_get_info(lagfx_display_t *display,
                                                lagfx_display_info_t *info_out);

/* ---- Frames (spec/api.md §5.7) ---- */

/* {A, also inside new_frame with VMM locks held; bounded; none} */
LAGFX_API lagfx_status_t lagfx_display_read_frame(lagfx_display_t *display,
                                                  const lagfx_frame_dst_t *dst,
                                                  lagfx_frame_info_t *info_out);
/* {A; no; none} */
LAGFX_API lagfx_status_t lagfx_display_export_frame(lagfx_display_t *display,
                                                    lagfx_dmabuf_frame_t *frame_out);
/* {A; no; none} */
LAGFX_API lagfx_status_t lagfx_display_release_frame(lagfx_display_t *display,
                                                     uint64_t frame_id,
                                                     int release_fence_fd);

/* ---- Task window helpers (spec/api.md §5.8) ---- */

/* {A, one task's calls not overlapping; syscalls; none} for all six */
LAGFX_API lagfx_status_t lagfx_task_new(uint64_t vm_size, lagfx_task_t **task_out);
LAGFX_API void lagfx_task_free(lagfx_task_t *task);
LAGFX_API void *lagfx_task_get_base(lagfx_task_t *task);
LAGFX_API lagfx_status_t lagfx_task_map(lagfx_task_t *task,
                                        uint64_t offset,
                                        void *host_ptr,
                                        uint64_t length,
                                        bool read_only);
LAGFX_API lagfx_status_t lagfx_task_map_fd(lagfx_task_t *task,
                                           uint64_t offset,
                                           int fd,
                                           uint64_t fd_offset,
                                           uint64_t length,
                                           bool read_only);
LAGFX_API lagfx_status_t lagfx_task_unmap(lagfx_task_t *task, uint64_t offset, uint64_t length);

#ifdef __cplusplus
}
#endif

#endif /* LIBAPPLEGFX_VULKAN_H */
