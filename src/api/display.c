/* SPDX-License-Identifier: MIT */
/*
 * lagfx_display_* (spec/api.md §5.6, §5.7): ports, mode lists, info, cursor position and the
 * frame hand-off entry points. Frames are produced by the Vulkan backend (a later issue):
 * until then read_frame answers NO_FRAME after validating its arguments, and export is not
 * supported (docs/STATUS.md). VMM threads per each function's tag.
 */
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "protocol/dev.h"
#include "util/alloc.h"
#include "util/log.h"

LAGFX_API void
lagfx_display_descriptor_init(lagfx_display_descriptor_t *desc)
{
    if (!desc)
        return;
    memset(desc, 0, sizeof(*desc));
    desc->struct_size = sizeof(*desc);
    desc->name = "Linux Virtual";
    desc->width_mm = 400;
    desc->height_mm = 300;
}

LAGFX_API void
lagfx_display_callbacks_init(lagfx_display_callbacks_t *callbacks)
{
    if (!callbacks)
        return;
    memset(callbacks, 0, sizeof(*callbacks));
    callbacks->struct_size = sizeof(*callbacks);
}

static bool
display_ok(lagfx_display_t *d)
{
    return d && d->magic == API_DISPLAY_MAGIC && !d->dead;
}

static bool
modes_ok(const lagfx_display_mode_t *modes, uint32_t count)
{
    if (count > LAGFX_MAX_DISPLAY_MODES || (count && !modes))
        return false;
    for (uint32_t i = 0; i < count; i++) {
        const lagfx_display_mode_t *m = &modes[i];
        if (m->width < 1 || m->width > 16384 || m->height < 1 || m->height > 16384 ||
            m->refresh_millihz < 1000 || m->refresh_millihz > 1000000)
            return false;
    }
    return true;
}

LAGFX_API lagfx_status_t
lagfx_display_new(lagfx_device_t *dev,
                  const lagfx_display_descriptor_t *desc,
                  uint32_t port,
                  uint32_t serial,
                  lagfx_display_t **display_out)
{
    if (!dev || dev->magic != API_DEVICE_MAGIC || !desc || !display_out ||
        desc->struct_size < sizeof(*desc)) {
        API_MISUSE(NULL, "lagfx_display_new: bad arguments");
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    if (desc->flags & ~LAGFX_DISPLAY_DMABUF)
        return LAGFX_ERROR_NOT_SUPPORTED;
    if (desc->flags & LAGFX_DISPLAY_DMABUF)
        return LAGFX_ERROR_NOT_SUPPORTED; /* LAGFX_FEATURE_DMABUF_EXPORT not yet */
    if (port >= dev->port_count || !modes_ok(desc->modes, desc->mode_count)) {
        API_MISUSE(dev, "dev=%s lagfx_display_new port=%u: bad port or mode list", dev->label,
                   port);
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    if (desc->callbacks) {
        if (desc->callbacks->struct_size < sizeof(*desc->callbacks))
            return LAGFX_ERROR_INVALID_ARGUMENT;
        if (desc->callbacks->flags)
            return LAGFX_ERROR_NOT_SUPPORTED;
    }
    lagfx_display_t *d = ut_calloc(1, sizeof(*d));
    if (!d)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    d->magic = API_DISPLAY_MAGIC;
    d->dev = dev;
    d->port = port;
    d->serial = serial;
    d->flags = desc->flags;
    const char *name = desc->name ? desc->name : "Linux Virtual";
    memcpy(d->name, name, strnlen(name, 13)); /* cut to 13 bytes (api.md §4.3) */
    d->width_mm = desc->width_mm ? desc->width_mm : 400;
    d->height_mm = desc->height_mm ? desc->height_mm : 300;
    if (desc->callbacks)
        memcpy(&d->cb, desc->callbacks, sizeof(d->cb));

    pthread_mutex_lock(&dev->lock);
    if (dev->displays[port]) {
        pthread_mutex_unlock(&dev->lock);
        ut_free(d);
        return LAGFX_ERROR_BUSY;
    }
    dev->displays[port] = d;
    pthread_mutex_unlock(&dev->lock);
    if (desc->mode_count)
        proto_display_plug(dev->proto, port, desc->modes, desc->mode_count);
    *display_out = d;
    return LAGFX_OK;
}

/* Unlinks d from its port (dev->lock held). */
static void
unlink_locked(lagfx_display_t *d)
{
    if (d->dev->displays[d->port] == d)
        d->dev->displays[d->port] = NULL;
}

LAGFX_API void
lagfx_display_free(lagfx_display_t *d)
{
    if (!d)
        return;
    if (!display_ok(d)) {
        API_MISUSE(NULL, "lagfx_display_free: not a live display");
        return;
    }
    lagfx_device_t *dev = d->dev;
    proto_display_unplug(dev->proto, d->port);
    pthread_mutex_lock(&dev->lock);
    unlink_locked(d);
    d->dead = true;
    if (api_events_in_callback(dev->events)) {
        /* Inside a callback of this device: the memory goes once that callback returns. */
        d->zombie_next = dev->zombies;
        dev->zombies = d;
        pthread_mutex_unlock(&dev->lock);
        return;
    }
    pthread_mutex_unlock(&dev->lock);
    api_events_barrier(dev->events); /* no callback of it runs after we return */
    d->magic = 0;
    ut_free(d);
}

void
api_display_reap(lagfx_device_t *dev)
{
    pthread_mutex_lock(&dev->lock);
    lagfx_display_t *z = dev->zombies;
    dev->zombies = NULL;
    pthread_mutex_unlock(&dev->lock);
    while (z) {
        lagfx_display_t *next = z->zombie_next;
        z->magic = 0;
        ut_free(z);
        z = next;
    }
}

void
api_display_free_all(lagfx_device_t *dev)
{
    api_display_reap(dev);
    for (uint32_t i = 0; i < LAGFX_MAX_DISPLAY_PORTS; i++) {
        lagfx_display_t *d = dev->displays[i];
        if (d) {
            d->magic = 0;
            ut_free(d);
            dev->displays[i] = NULL;
        }
    }
}

LAGFX_API lagfx_status_t
lagfx_display_set_mode_list(lagfx_display_t *d, const lagfx_display_mode_t *modes, uint32_t count)
{
    if (!display_ok(d) || count == 0 || !modes_ok(modes, count)) {
        API_MISUSE(NULL, "lagfx_display_set_mode_list: bad arguments");
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    proto_display_plug(d->dev->proto, d->port, modes, count);
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_display_get_cursor_position(lagfx_display_t *d, lagfx_coord_t *pos_out)
{
    if (!display_ok(d) || !pos_out)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    /* No cursor command has been acted on yet (cursor support: docs/STATUS.md). */
    pos_out->x = LAGFX_CURSOR_OFF_DISPLAY;
    pos_out->y = LAGFX_CURSOR_OFF_DISPLAY;
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_display_get_info(lagfx_display_t *d, lagfx_display_info_t *info_out)
{
    if (!display_ok(d) || !info_out || info_out->struct_size < sizeof(*info_out))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    struct proto_display_state st;
    proto_display_get_state(d->dev->proto, d->port, &st);
    lagfx_display_info_t info;
    memset(&info, 0, sizeof(info));
    info.struct_size = info_out->struct_size;
    info.port = d->port;
    info.serial = d->serial;
    if (st.plugged)
        info.flags |= LAGFX_DISPLAY_INFO_PLUGGED;
    if (st.online) {
        /* The guest driver enabled the display at the preferred mode (protocol.md §15.1). */
        info.flags |= LAGFX_DISPLAY_INFO_ONLINE;
        info.width = st.width;
        info.height = st.height;
        info.refresh_millihz = st.refresh_millihz;
        info.format = LAGFX_FORMAT_ARGB8888;
    }
    memcpy(info_out, &info, sizeof(info));
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_display_read_frame(lagfx_display_t *d,
                         const lagfx_frame_dst_t *dst,
                         lagfx_frame_info_t *info_out)
{
    if (!display_ok(d) || !dst || dst->struct_size < sizeof(*dst) || !dst->pixels)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (dst->flags & ~(LAGFX_READ_LATEST | LAGFX_READ_SCALE | LAGFX_READ_WITH_CURSOR))
        return LAGFX_ERROR_NOT_SUPPORTED;
    if (dst->format && dst->format != LAGFX_FORMAT_XRGB8888 && dst->format != LAGFX_FORMAT_ARGB8888)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (info_out && info_out->struct_size < sizeof(*info_out))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (dst->width || dst->height) {
        uint64_t stride = dst->stride ? dst->stride : (uint64_t)dst->width * 4;
        if (stride < (uint64_t)dst->width * 4 || dst->height == 0 ||
            dst->size < stride * (dst->height - 1) + (uint64_t)dst->width * 4)
            return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    struct proto_display_state st;
    proto_display_get_state(d->dev->proto, d->port, &st);
    if (!st.plugged)
        return LAGFX_ERROR_BAD_STATE;
    /* No frame exists until the Vulkan backend renders one (HEADLESS never renders). */
    return LAGFX_NO_FRAME;
}

LAGFX_API lagfx_status_t
lagfx_display_export_frame(lagfx_display_t *d, lagfx_dmabuf_frame_t *frame_out)
{
    if (!display_ok(d) || !frame_out || frame_out->struct_size < sizeof(*frame_out))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    return LAGFX_ERROR_NOT_SUPPORTED; /* needs the DMABUF display flag (§5.7) */
}

LAGFX_API lagfx_status_t
lagfx_display_release_frame(lagfx_display_t *d, uint64_t frame_id, int release_fence_fd)
{
    if (release_fence_fd >= 0)
        close(release_fence_fd); /* the fence passes to the library even on error */
    if (!display_ok(d))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    (void)frame_id;
    return LAGFX_ERROR_INVALID_ARGUMENT; /* no frame was ever exported */
}
