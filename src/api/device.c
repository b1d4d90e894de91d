/* SPDX-License-Identifier: MIT */
/*
 * lagfx_device_* and lagfx_mmio_* (spec/api.md §5.2-§5.5, §6): descriptor validation, memory
 * model selection, device assembly (guest memory, backend, protocol core, event queue), the
 * state machine of §6 and the fault event (≤ 1/s). VMM threads per each function's tag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "backend.h"
#include "memory/guest.h"
#include "protocol/dev.h"
#include "protocol/trace.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "vulkan/vkb.h"

static _Atomic uint32_t device_counter;

lagfx_status_t (*api_test_backend_new)(struct be **out);
bool api_replay_manual_turns;

LAGFX_API void
lagfx_shell_callbacks_init(lagfx_shell_callbacks_t *callbacks)
{
    if (!callbacks)
        return;
    memset(callbacks, 0, sizeof(*callbacks));
    callbacks->struct_size = sizeof(*callbacks);
}

LAGFX_API void
lagfx_device_descriptor_init(lagfx_device_descriptor_t *desc)
{
    if (!desc)
        return;
    memset(desc, 0, sizeof(*desc));
    desc->struct_size = sizeof(*desc);
    desc->mmio_length = LAGFX_DEFAULT_MMIO_LENGTH;
    desc->display_port_count = 1;
}

static bool
device_ok(lagfx_device_t *dev)
{
    return dev && dev->magic == API_DEVICE_MAGIC;
}

/* ---- sink: what the protocol core tells us (worker thread) ---- */

static void
sink_raise(void *user)
{
    lagfx_device_t *dev = user;
    dev->cb.raise_interrupt(dev->cb.user, 0); /* vector 0 only (protocol.md §4) */
}

static void
sink_guest_fault(void *user)
{
    lagfx_device_t *dev = user;
    uint64_t now = ut_now_ns();
    uint64_t last = atomic_load(&dev->last_fault_event_ns);
    if (last && now - last < 1000000000ull)
        return; /* fault events at most once a second (api.md §4.2) */
    if (!atomic_compare_exchange_strong(&dev->last_fault_event_ns, &last, now))
        return;
    if (!dev->cb.fault)
        return;
    struct api_event e = { .kind = API_EV_FAULT, .status = LAGFX_ERROR_GUEST_FAULT };
    api_events_push(dev->events, &e);
}

static void
sink_display_changed(void *user, uint32_t port)
{
    (void)user;
    (void)port; /* display state is read through the core when the VMM asks */
}

static void
sink_cursor_show(void *user, uint32_t port, bool visible)
{
    lagfx_device_t *dev = user;
    struct api_event e = { .kind = API_EV_CURSOR_SHOW, .port = port, .a = visible };
    api_events_push(dev->events, &e);
}

static void
sink_cursor_move(void *user, uint32_t port, uint16_t x, uint16_t y)
{
    lagfx_device_t *dev = user;
    struct api_event e = { .kind = API_EV_CURSOR_MOVE, .port = port, .a = x, .b = y };
    api_events_push(dev->events, &e);
}

/* The worker finished a present: queue mode_changed when the frame's size differs from the
 * last reported mode, then new_frame (at most one undelivered). Worker thread. */
static void
sink_frame_ready(void *user, uint32_t port)
{
    lagfx_device_t *dev = user;
    pthread_mutex_lock(&dev->lock);
    lagfx_display_t *d = port < LAGFX_MAX_DISPLAY_PORTS ? dev->displays[port] : NULL;
    if (d && d->dead)
        d = NULL;
    pthread_mutex_unlock(&dev->lock);
    if (!d)
        return;
    struct be_frame f;
    if (!dev->be->ops->frame_acquire(dev->be, port, 0, &f))
        return; /* no frame came of it (unknown surface, nothing to repeat) */
    dev->be->ops->frame_release(dev->be, port, &f);
    pthread_mutex_lock(&d->frame_lock);
    bool fresh = f.sequence > d->last_notified;
    bool mode = f.width != d->mode_w || f.height != d->mode_h;
    if (fresh)
        d->last_notified = f.sequence;
    if (mode) {
        d->mode_w = f.width;
        d->mode_h = f.height;
        d->mode_sequence = f.sequence;
    }
    pthread_mutex_unlock(&d->frame_lock);
    if (mode) {
        /* mode_changed precedes the first frame of a new size (api.md §4.3). */
        struct api_event e = { .kind = API_EV_MODE_CHANGED,
                               .port = port,
                               .a = f.width,
                               .b = f.height,
                               .c = LAGFX_FORMAT_ARGB8888 };
        api_events_push(dev->events, &e);
    }
    if (fresh) {
        struct api_event e = { .kind = API_EV_NEW_FRAME, .port = port };
        api_events_push(dev->events, &e);
    }
}

static void
sink_cursor_glyph(void *user, uint32_t port, const lagfx_cursor_image_t *image)
{
    lagfx_device_t *dev = user;
    api_display_keep_glyph(dev, port, image);
    size_t len = (size_t)image->stride * image->height;
    void *copy = ut_malloc(len); /* valid until its callback returns */
    if (!copy) {
        UT_ERROR(dev, "display", "dev=%s: out of memory for a cursor glyph event", dev->label);
        return;
    }
    memcpy(copy, image->pixels, len);
    struct api_event e = { .kind = API_EV_CURSOR_GLYPH, .port = port, .glyph = *image };
    e.glyph.pixels = copy;
    api_events_push(dev->events, &e);
}

/* ---- validation ---- */

static lagfx_status_t
check_callbacks(const lagfx_shell_callbacks_t *cb,
                uint32_t ram_region_count,
                lagfx_memory_model_t *model)
{
    if (cb->struct_size < sizeof(*cb))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (cb->flags)
        return LAGFX_ERROR_NOT_SUPPORTED;
    if (!cb->raise_interrupt)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (!cb->create_task) {
        /* Region model: no other task callback, no read/write callbacks (api.md §4.2). */
        if (cb->destroy_task || cb->map_memory || cb->unmap_memory || cb->read_memory ||
            cb->write_memory)
            return LAGFX_ERROR_INVALID_ARGUMENT;
        *model = LAGFX_MEMORY_RAM_REGIONS;
        return LAGFX_OK;
    }
    if (!cb->destroy_task || !cb->map_memory || !cb->unmap_memory || !cb->read_memory ||
        !cb->write_memory || ram_region_count != 0)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    *model = LAGFX_MEMORY_TASKS;
    return LAGFX_OK;
}

static lagfx_status_t
check_descriptor(const lagfx_device_descriptor_t *d, lagfx_memory_model_t *model)
{
    if (d->struct_size < sizeof(*d))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (d->flags & ~LAGFX_DEVICE_HEADLESS)
        return LAGFX_ERROR_NOT_SUPPORTED;
    if (!d->callbacks)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    uint64_t len = d->mmio_length ? d->mmio_length : LAGFX_DEFAULT_MMIO_LENGTH;
    if (len < LAGFX_DEFAULT_MMIO_LENGTH || (len & (len - 1)) != 0)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (d->display_port_count > LAGFX_MAX_DISPLAY_PORTS)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (d->ram_region_count > LAGFX_MAX_RAM_REGIONS || (d->ram_region_count && !d->ram_regions))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    return check_callbacks(d->callbacks, d->ram_region_count, model);
}

/* ---- lifecycle ---- */

/* The Vulkan backend lost its device (any backend thread): the device goes LOST (§6), the VMM
 * hears fault(DEVICE_LOST) once; lagfx_device_reset recovers. */
static void
backend_lost(void *user)
{
    lagfx_device_t *dev = user;
    pthread_mutex_lock(&dev->lock);
    bool first = dev->state != LAGFX_DEVICE_LOST;
    if (dev->state != LAGFX_DEVICE_STOPPED)
        dev->state = LAGFX_DEVICE_LOST;
    pthread_mutex_unlock(&dev->lock);
    UT_ERROR(dev, "api", "dev=%s: GPU device lost; stamps still complete, nothing renders",
             dev->label);
    if (first && dev->cb.fault) {
        struct api_event e = { .kind = API_EV_FAULT, .status = LAGFX_ERROR_DEVICE_LOST };
        api_events_push(dev->events, &e);
    }
}

/* HEADLESS: the null backend. Otherwise the Vulkan backend on the chosen GPU (NO_DEVICE when
 * none is usable, api.md §5.2). Tests may substitute another (api_test_backend_new). */
static lagfx_status_t
create_backend(lagfx_device_t *dev, const lagfx_device_descriptor_t *desc)
{
    if (api_test_backend_new)
        return api_test_backend_new(&dev->be);
    if (desc->flags & LAGFX_DEVICE_HEADLESS)
        return be_null_new(&dev->be);
#ifdef LAGFX_HAVE_VULKAN
    const char *validation = secure_getenv("LAGFX_VALIDATION");
    const char *cache = desc->cache_dir ? desc->cache_dir : secure_getenv("LAGFX_CACHE_DIR");
    struct vkb_config vc = {
        .log_dev = dev,
        .label = dev->label,
        .device_selector = desc->vk_device ? desc->vk_device : secure_getenv("LAGFX_VK_DEVICE"),
        .validation = validation && strcmp(validation, "1") == 0,
        .cache_dir = cache,
        .lost = backend_lost,
        .user = dev,
    };
    struct vkb_info info;
    memset(&info, 0, sizeof(info));
    lagfx_status_t st = vkb_backend_new(&vc, &dev->be, &info);
    if (st != LAGFX_OK)
        return st;
    dev->vulkan = true;
    dev->gpu_vendor_id = info.vendor_id;
    dev->gpu_device_id = info.device_id;
    memcpy(dev->gpu_uuid, info.uuid, sizeof(dev->gpu_uuid));
    memcpy(dev->gpu_name, info.name, sizeof(dev->gpu_name));
    dev->gpu_name[sizeof(dev->gpu_name) - 1] = 0;
    dev->dmabuf_export = info.dmabuf_export;
    dev->host_memory_import = info.host_memory_import;
    UT_INFO(dev, "api", "dev=%s GPU: %s (%s)", dev->label, info.name, info.driver);
    return LAGFX_OK;
#else
    UT_ERROR(dev, "api", "dev=%s: built without Vulkan; only HEADLESS devices work", dev->label);
    return LAGFX_ERROR_NO_DEVICE;
#endif
}

/* Records a RAM region list (positions, not contents: the replay supplies its own RAM). */
static void
trace_regions(lagfx_device_t *dev, const lagfx_ram_region_t *r, uint32_t count)
{
    size_t len = 4 + 20ull * count;
    uint8_t *p = ut_malloc(len);
    if (!p)
        return;
    memcpy(p, &count, 4);
    for (uint32_t i = 0; i < count; i++) {
        memcpy(p + 4 + 20 * i, &r[i].gpa, 8);
        memcpy(p + 12 + 20 * i, &r[i].length, 8);
        memcpy(p + 20 + 20 * i, &r[i].flags, 4);
    }
    proto_trace_api(dev->trace, TRACE_API_RAM_REGIONS, 0, p, len);
    ut_free(p);
}

/* Everything of device_free after the event queue is shut down. */
static void
device_destroy_rest(void *arg)
{
    lagfx_device_t *dev = arg;
    proto_dev_free(dev->proto);
    proto_trace_close(dev->trace);
    be_destroy(dev->be);
    api_display_free_all(dev);
    mem_guest_free(dev->guest);
    pthread_mutex_destroy(&dev->lock);
    dev->magic = 0;
    ut_free(dev);
}

LAGFX_API lagfx_status_t
lagfx_device_new(const lagfx_device_descriptor_t *desc, lagfx_device_t **dev_out)
{
    if (!desc || !dev_out) {
        API_MISUSE(NULL, "lagfx_device_new: NULL %s", desc ? "dev_out" : "desc");
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    lagfx_memory_model_t model;
    lagfx_status_t st = check_descriptor(desc, &model);
    if (st != LAGFX_OK) {
        API_MISUSE(NULL, "lagfx_device_new: bad descriptor: %s", lagfx_status_string(st));
        return st;
    }
    lagfx_device_t *dev = ut_calloc(1, sizeof(*dev));
    if (!dev)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    dev->magic = API_DEVICE_MAGIC;
    memcpy(&dev->cb, desc->callbacks, sizeof(dev->cb));
    dev->model = model;
    dev->flags = desc->flags;
    dev->mmio_length = desc->mmio_length ? desc->mmio_length : LAGFX_DEFAULT_MMIO_LENGTH;
    dev->port_count = desc->display_port_count ? desc->display_port_count : 1;
    if (desc->label && desc->label[0])
        snprintf(dev->label, sizeof(dev->label), "%s", desc->label);
    else
        snprintf(dev->label, sizeof(dev->label), "lagfx%u", atomic_fetch_add(&device_counter, 1));
    dev->state = LAGFX_DEVICE_RUNNING;
    dev->fresh = true;
    pthread_mutex_init(&dev->lock, NULL);
    /* What a recreated backend needs later (lagfx_device_reset after device loss). */
    dev->desc_copy.flags = desc->flags;
    if (desc->vk_device)
        snprintf(dev->vk_device, sizeof(dev->vk_device), "%s", desc->vk_device);
    if (desc->cache_dir)
        snprintf(dev->cache_dir, sizeof(dev->cache_dir), "%s", desc->cache_dir);
    dev->desc_copy.vk_device = desc->vk_device ? dev->vk_device : NULL;
    dev->desc_copy.cache_dir = desc->cache_dir ? dev->cache_dir : NULL;

    struct mem_guest_callbacks gcb = { .user = dev->cb.user, .mark_dirty = dev->cb.mark_dirty };
    if (model == LAGFX_MEMORY_TASKS) {
        gcb.read_memory = dev->cb.read_memory;
        gcb.write_memory = dev->cb.write_memory;
    }
    st = mem_guest_new(&gcb, &dev->guest);
    if (st != LAGFX_OK)
        goto err_free_dev;
    if (desc->ram_region_count) {
        st = mem_guest_set_regions(dev->guest, desc->ram_regions, desc->ram_region_count);
        if (st != LAGFX_OK) {
            API_MISUSE(NULL, "lagfx_device_new: bad RAM regions: %s", lagfx_status_string(st));
            goto err_free_guest;
        }
    }
    /* Wire recording: the descriptor wins over LAGFX_TRACE; "" means never (api.md §4.2). */
    const char *trace_path = desc->wire_record_path;
    if (!trace_path)
        trace_path = secure_getenv("LAGFX_TRACE");
    if (trace_path && trace_path[0]) {
        uint32_t tflags = (model == LAGFX_MEMORY_TASKS ? TRACE_F_TASK_MODEL : 0) |
                          (desc->flags & LAGFX_DEVICE_HEADLESS ? TRACE_F_HEADLESS : 0);
        st = proto_trace_open(trace_path, dev->label, dev->mmio_length, dev->port_count, tflags,
                              dev, &dev->trace);
        if (st != LAGFX_OK)
            goto err_free_guest;
        mem_guest_set_tap(dev->guest, proto_trace_mem, dev->trace);
        if (desc->ram_region_count)
            trace_regions(dev, desc->ram_regions, desc->ram_region_count);
    }
    st = create_backend(dev, &dev->desc_copy);
    if (st != LAGFX_OK)
        goto err_free_guest;
    st = api_events_new(dev, &dev->events);
    if (st != LAGFX_OK)
        goto err_free_be;
    struct proto_dev_config cfg = {
        .log_dev = dev,
        .label = dev->label,
        .mmio_length = dev->mmio_length,
        .port_count = dev->port_count,
        .headless = (desc->flags & LAGFX_DEVICE_HEADLESS) != 0,
        .guest = dev->guest,
        .be = dev->be,
        .trace = dev->trace,
        .manual_turns = api_replay_manual_turns,
        .sink = { .user = dev,
                  .raise_interrupt = sink_raise,
                  .guest_fault = sink_guest_fault,
                  .display_changed = sink_display_changed,
                  .cursor_glyph = sink_cursor_glyph,
                  .cursor_show = sink_cursor_show,
                  .cursor_move = sink_cursor_move,
                  .frame_ready = sink_frame_ready },
    };
    st = proto_dev_new(&cfg, &dev->proto);
    if (st != LAGFX_OK)
        goto err_free_events;
    UT_INFO(dev, "api", "dev=%s created: %s model, %u port(s), mmio 0x%llx", dev->label,
            model == LAGFX_MEMORY_TASKS ? "task" : "region", dev->port_count,
            (unsigned long long)dev->mmio_length);
    *dev_out = dev;
    return LAGFX_OK;

err_free_events:
    api_events_shutdown(dev->events, NULL, NULL);
err_free_be:
    be_destroy(dev->be);
err_free_guest:
    proto_trace_close(dev->trace);
    mem_guest_free(dev->guest);
err_free_dev:
    pthread_mutex_destroy(&dev->lock);
    ut_free(dev);
    return st;
}

LAGFX_API void
lagfx_device_free(lagfx_device_t *dev)
{
    if (!dev)
        return;
    if (!device_ok(dev)) {
        API_MISUSE(NULL, "lagfx_device_free: not a live device");
        return;
    }
    /* Threads first: no interrupt or event is produced after this point. */
    proto_dev_stop(dev->proto);
    if (!api_events_shutdown(dev->events, device_destroy_rest, dev))
        return; /* inside one of our callbacks: completes after it returns (§7 rule 9) */
    device_destroy_rest(dev);
}

LAGFX_API lagfx_status_t
lagfx_device_reset(lagfx_device_t *dev)
{
    if (!device_ok(dev)) {
        API_MISUSE(NULL, "lagfx_device_reset: NULL or freed device");
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    proto_trace_api(dev->trace, TRACE_API_RESET, 0, NULL, 0);
    proto_dev_reset(dev->proto);
    pthread_mutex_lock(&dev->lock);
    bool lost = dev->state == LAGFX_DEVICE_LOST;
    pthread_mutex_unlock(&dev->lock);
    if (lost && dev->vulkan) {
        /* A lost Vulkan device is recreated (api.md §5.2); the old one goes after the swap. */
        struct be *old = dev->be;
        lagfx_status_t st = create_backend(dev, &dev->desc_copy);
        if (st != LAGFX_OK) {
            dev->be = old;
            UT_ERROR(dev, "api", "dev=%s: the lost GPU device could not be recreated: %s",
                     dev->label, lagfx_status_string(st));
            return st;
        }
        proto_dev_set_backend(dev->proto, dev->be);
        be_destroy(old);
    }
    /* Frames of the old session go; the next frame announces its mode again. */
    pthread_mutex_lock(&dev->lock);
    for (uint32_t i = 0; i < LAGFX_MAX_DISPLAY_PORTS; i++) {
        lagfx_display_t *d = dev->displays[i];
        if (!d)
            continue;
        dev->be->ops->display_drop(dev->be, i);
        pthread_mutex_lock(&d->frame_lock);
        d->mode_w = d->mode_h = 0;
        pthread_mutex_unlock(&d->frame_lock);
    }
    pthread_mutex_unlock(&dev->lock);
    pthread_mutex_lock(&dev->lock);
    dev->state = LAGFX_DEVICE_RUNNING;
    dev->fresh = false;
    pthread_mutex_unlock(&dev->lock);
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_device_pause(lagfx_device_t *dev)
{
    if (!device_ok(dev))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    pthread_mutex_lock(&dev->lock);
    if (dev->state != LAGFX_DEVICE_RUNNING) {
        pthread_mutex_unlock(&dev->lock);
        API_MISUSE(dev, "dev=%s lagfx_device_pause: not RUNNING", dev->label);
        return LAGFX_ERROR_BAD_STATE;
    }
    dev->state = LAGFX_DEVICE_PAUSED;
    pthread_mutex_unlock(&dev->lock);
    proto_trace_api(dev->trace, TRACE_API_PAUSE, 0, NULL, 0);
    proto_dev_hold(dev->proto, true);
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_device_unpause(lagfx_device_t *dev)
{
    if (!device_ok(dev))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    pthread_mutex_lock(&dev->lock);
    if (dev->state != LAGFX_DEVICE_PAUSED) {
        pthread_mutex_unlock(&dev->lock);
        API_MISUSE(dev, "dev=%s lagfx_device_unpause: not PAUSED", dev->label);
        return LAGFX_ERROR_BAD_STATE;
    }
    dev->state = LAGFX_DEVICE_RUNNING;
    pthread_mutex_unlock(&dev->lock);
    proto_trace_api(dev->trace, TRACE_API_UNPAUSE, 0, NULL, 0);
    proto_dev_hold(dev->proto, false);
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_device_stop(lagfx_device_t *dev)
{
    if (!device_ok(dev))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    proto_trace_api(dev->trace, TRACE_API_STOP, 0, NULL, 0);
    proto_dev_stop(dev->proto);
    pthread_mutex_lock(&dev->lock);
    dev->state = LAGFX_DEVICE_STOPPED;
    pthread_mutex_unlock(&dev->lock);
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_device_get_info(lagfx_device_t *dev, lagfx_device_info_t *info_out)
{
    if (!device_ok(dev) || !info_out || info_out->struct_size < sizeof(*info_out)) {
        API_MISUSE(NULL, "lagfx_device_get_info: bad arguments");
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    lagfx_device_info_t info;
    memset(&info, 0, sizeof(info));
    info.struct_size = info_out->struct_size;
    pthread_mutex_lock(&dev->lock);
    info.state = dev->state;
    pthread_mutex_unlock(&dev->lock);
    info.mmio_length = dev->mmio_length;
    info.display_port_count = dev->port_count;
    info.memory_model = dev->model;
    info.guest_faults = proto_dev_guest_faults(dev->proto);
    info.gpu_vendor_id = dev->gpu_vendor_id; /* zero when headless */
    info.gpu_device_id = dev->gpu_device_id;
    memcpy(info.gpu_uuid, dev->gpu_uuid, sizeof(info.gpu_uuid));
    memcpy(info.gpu_name, dev->gpu_name, sizeof(info.gpu_name));
    memcpy(info_out, &info, sizeof(info));
    return LAGFX_OK;
}

LAGFX_API bool
lagfx_device_has_feature(lagfx_device_t *dev, lagfx_feature_t feature)
{
    if (dev && !device_ok(dev))
        return false;
    switch (feature) {
    case LAGFX_FEATURE_RAM_REGIONS:
        return !dev || dev->model == LAGFX_MEMORY_RAM_REGIONS;
    case LAGFX_FEATURE_TASK_CALLBACKS:
        return !dev || dev->model == LAGFX_MEMORY_TASKS;
    case LAGFX_FEATURE_MULTI_DISPLAY:
        return true;
    case LAGFX_FEATURE_WIRE_RECORDING:
        return !dev || dev->trace != NULL;
    case LAGFX_FEATURE_VULKAN:
#ifdef LAGFX_HAVE_VULKAN
        return !dev || dev->vulkan;
#else
        return false;
#endif
    case LAGFX_FEATURE_SUSPEND_RESUME:
    case LAGFX_FEATURE_DMABUF_EXPORT:      /* export_frame is not implemented yet */
    case LAGFX_FEATURE_HOST_MEMORY_IMPORT: /* guest memory is copied, not imported, yet */
    default:
        return false; /* docs/STATUS.md: these arrive with later issues */
    }
}

/* ---- MMIO ---- */

static lagfx_status_t
mmio_state_ok(lagfx_device_t *dev)
{
    pthread_mutex_lock(&dev->lock);
    lagfx_device_state_t s = dev->state;
    dev->fresh = false;
    pthread_mutex_unlock(&dev->lock);
    if (s == LAGFX_DEVICE_RESUMING || s == LAGFX_DEVICE_STOPPED)
        return LAGFX_ERROR_BAD_STATE;
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_mmio_read(lagfx_device_t *dev, uint64_t offset, uint32_t size, uint64_t *value_out)
{
    if (!device_ok(dev) || !value_out) {
        API_MISUSE(NULL, "lagfx_mmio_read: NULL argument");
        if (value_out)
            *value_out = 0;
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    lagfx_status_t st = mmio_state_ok(dev);
    if (st != LAGFX_OK) {
        *value_out = 0;
        return st;
    }
    return proto_mmio_read(dev->proto, offset, size, value_out);
}

LAGFX_API lagfx_status_t
lagfx_mmio_write(lagfx_device_t *dev, uint64_t offset, uint32_t size, uint64_t value)
{
    if (!device_ok(dev)) {
        API_MISUSE(NULL, "lagfx_mmio_write: NULL device");
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    lagfx_status_t st = mmio_state_ok(dev);
    if (st != LAGFX_OK)
        return st;
    return proto_mmio_write(dev->proto, offset, size, value);
}

/* ---- Guest memory ---- */

LAGFX_API lagfx_status_t
lagfx_device_set_ram_regions(lagfx_device_t *dev, const lagfx_ram_region_t *regions, uint32_t count)
{
    if (!device_ok(dev) || (count && !regions) || count > LAGFX_MAX_RAM_REGIONS) {
        API_MISUSE(NULL, "lagfx_device_set_ram_regions: bad arguments");
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    if (dev->model != LAGFX_MEMORY_RAM_REGIONS) {
        API_MISUSE(dev, "dev=%s lagfx_device_set_ram_regions: task model", dev->label);
        return LAGFX_ERROR_BAD_STATE;
    }
    lagfx_status_t st = mem_guest_set_regions(dev->guest, regions, count);
    if (st == LAGFX_OK && dev->trace)
        trace_regions(dev, regions, count);
    if (st != LAGFX_OK)
        API_MISUSE(dev, "dev=%s lagfx_device_set_ram_regions: %s", dev->label,
                   lagfx_status_string(st));
    return st;
}

/* ---- Suspend and resume: NOT_SUPPORTED until LAGFX_FEATURE_SUSPEND_RESUME (§5.5) ---- */

LAGFX_API lagfx_status_t
lagfx_device_will_suspend(lagfx_device_t *dev)
{
    return device_ok(dev) ? LAGFX_ERROR_NOT_SUPPORTED : LAGFX_ERROR_INVALID_ARGUMENT;
}

LAGFX_API lagfx_status_t
lagfx_device_finish_suspend(lagfx_device_t *dev, void **state_out, size_t *size_out)
{
    if (!device_ok(dev) || !state_out || !size_out)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    return LAGFX_ERROR_NOT_SUPPORTED;
}

LAGFX_API lagfx_status_t
lagfx_device_cancel_suspend(lagfx_device_t *dev)
{
    return device_ok(dev) ? LAGFX_ERROR_NOT_SUPPORTED : LAGFX_ERROR_INVALID_ARGUMENT;
}

LAGFX_API lagfx_status_t
lagfx_device_will_resume(lagfx_device_t *dev, const void *state, size_t size)
{
    if (!device_ok(dev) || !state || !size)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    return LAGFX_ERROR_NOT_SUPPORTED;
}

LAGFX_API lagfx_status_t
lagfx_device_did_resume(lagfx_device_t *dev)
{
    return device_ok(dev) ? LAGFX_ERROR_NOT_SUPPORTED : LAGFX_ERROR_INVALID_ARGUMENT;
}
