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
#include "backend.h"
#include "protocol/dev.h"
#include "protocol/trace.h"
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

static void
trace_plug(lagfx_device_t *dev, uint32_t port, const lagfx_display_mode_t *modes, uint32_t count)
{
    if (!dev->trace)
        return;
    uint8_t buf[4 + 8 * LAGFX_MAX_DISPLAY_MODES];
    memcpy(buf, &count, 4);
    for (uint32_t i = 0; i < count; i++) {
        memcpy(buf + 4 + 8 * i, &modes[i].width, 2);
        memcpy(buf + 6 + 8 * i, &modes[i].height, 2);
        memcpy(buf + 8 + 8 * i, &modes[i].refresh_millihz, 4);
    }
    proto_trace_api(dev->trace, TRACE_API_DISPLAY_PLUG, port, buf, 4 + 8ull * count);
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
    pthread_mutex_init(&d->frame_lock, NULL);

    pthread_mutex_lock(&dev->lock);
    if (dev->displays[port]) {
        pthread_mutex_unlock(&dev->lock);
        pthread_mutex_destroy(&d->frame_lock);
        ut_free(d);
        return LAGFX_ERROR_BUSY;
    }
    dev->displays[port] = d;
    pthread_mutex_unlock(&dev->lock);
    if (desc->mode_count) {
        trace_plug(dev, port, desc->modes, desc->mode_count);
        proto_display_plug(dev->proto, port, desc->modes, desc->mode_count);
    }
    *display_out = d;
    return LAGFX_OK;
}

static void
display_destroy(lagfx_display_t *d)
{
    d->magic = 0;
    ut_free(d->glyph);
    pthread_mutex_destroy(&d->frame_lock);
    ut_free(d);
}

void
api_display_keep_glyph(lagfx_device_t *dev, uint32_t port, const lagfx_cursor_image_t *img)
{
    size_t len = (size_t)img->stride * img->height;
    uint8_t *copy = ut_malloc(len);
    if (!copy)
        return;
    memcpy(copy, img->pixels, len);
    pthread_mutex_lock(&dev->lock);
    lagfx_display_t *d = port < LAGFX_MAX_DISPLAY_PORTS ? dev->displays[port] : NULL;
    if (d && !d->dead) {
        pthread_mutex_lock(&d->frame_lock);
        ut_free(d->glyph);
        d->glyph = copy;
        copy = NULL;
        d->glyph_w = img->width;
        d->glyph_h = img->height;
        d->glyph_stride = img->stride;
        d->glyph_hot_x = img->hot_x;
        d->glyph_hot_y = img->hot_y;
        pthread_mutex_unlock(&d->frame_lock);
    }
    pthread_mutex_unlock(&dev->lock);
    ut_free(copy);
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
    proto_trace_api(dev->trace, TRACE_API_DISPLAY_UNPLUG, d->port, NULL, 0);
    proto_display_unplug(dev->proto, d->port);
    dev->be->ops->display_drop(dev->be, d->port); /* reclaims its frames */
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
    display_destroy(d);
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
        display_destroy(z);
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
            display_destroy(d);
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
    trace_plug(d->dev, d->port, modes, count);
    proto_display_plug(d->dev->proto, d->port, modes, count);
    return LAGFX_OK;
}

LAGFX_API lagfx_status_t
lagfx_display_get_cursor_position(lagfx_display_t *d, lagfx_coord_t *pos_out)
{
    if (!display_ok(d) || !pos_out)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    struct proto_display_state st;
    proto_display_get_state(d->dev->proto, d->port, &st);
    pos_out->x = st.cursor_x; /* the hotspot, or LAGFX_CURSOR_OFF_DISPLAY twice */
    pos_out->y = st.cursor_y;
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
    if (st.cursor_visible)
        info.flags |= LAGFX_DISPLAY_INFO_CURSOR_VISIBLE;
    info.guest_present_count = st.guest_presents;
    pthread_mutex_lock(&d->frame_lock);
    info.host_present_count = d->last_notified;
    info.frames_dropped = d->frames_dropped;
    pthread_mutex_unlock(&d->frame_lock);
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

/* One output pixel from a BGRA frame, bilinear at (fx, fy) in 16.16 source coordinates. */
static uint32_t
sample_bilinear(const struct be_frame *f, uint64_t fx, uint64_t fy)
{
    uint32_t x0 = (uint32_t)(fx >> 16), y0 = (uint32_t)(fy >> 16);
    uint32_t x1 = x0 + 1 < f->width ? x0 + 1 : x0, y1 = y0 + 1 < f->height ? y0 + 1 : y0;
    uint32_t ax = (uint32_t)(fx & 0xFFFF) >> 8, ay = (uint32_t)(fy & 0xFFFF) >> 8; /* 0-255 */
    const uint8_t *r0 = f->pixels + (size_t)y0 * f->stride,
                  *r1 = f->pixels + (size_t)y1 * f->stride;
    uint32_t out = 0;
    for (int c = 0; c < 4; c++) {
        uint32_t p00 = r0[4 * x0 + c], p01 = r0[4 * x1 + c];
        uint32_t p10 = r1[4 * x0 + c], p11 = r1[4 * x1 + c];
        uint32_t top = p00 * (256 - ax) + p01 * ax, bot = p10 * (256 - ax) + p11 * ax;
        uint32_t v = (top * (256 - ay) + bot * ay + (1u << 15)) >> 16;
        out |= (v > 255 ? 255 : v) << (8 * c);
    }
    return out;
}

/* Straight-alpha source-over of the cursor glyph, hotspot at (cx, cy) in frame pixels, into the
 * w x h destination that shows the frame scaled by (w / fw, h / fh). frame_lock held. */
static void
composite_cursor(const lagfx_display_t *d,
                 uint8_t *dst,
                 uint32_t stride,
                 uint32_t w,
                 uint32_t h,
                 uint32_t fw,
                 uint32_t fh,
                 uint16_t cx,
                 uint16_t cy)
{
    int64_t ox = ((int64_t)cx - d->glyph_hot_x) * w / fw,
            oy = ((int64_t)cy - d->glyph_hot_y) * h / fh;
    uint32_t gw = (uint32_t)((uint64_t)d->glyph_w * w / fw),
             gh = (uint32_t)((uint64_t)d->glyph_h * h / fh);
    for (uint32_t j = 0; j < gh; j++) {
        int64_t y = oy + j;
        if (y < 0 || y >= h)
            continue;
        uint32_t sy = (uint32_t)((uint64_t)j * fh / h);
        for (uint32_t i = 0; i < gw; i++) {
            int64_t x = ox + i;
            if (x < 0 || x >= w)
                continue;
            uint32_t sx = (uint32_t)((uint64_t)i * fw / w);
            const uint8_t *g = d->glyph + (size_t)sy * d->glyph_stride + 4 * (size_t)sx;
            uint8_t *p = dst + (size_t)y * stride + 4 * (size_t)x;
            uint32_t a = g[3];
            for (int c = 0; c < 3; c++)
                p[c] = (uint8_t)((g[c] * a + p[c] * (255 - a) + 127) / 255);
            p[3] = (uint8_t)(a + p[3] * (255 - a) / 255);
        }
    }
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
        if (stride < (uint64_t)dst->width * 4 || dst->height == 0 || dst->width == 0 ||
            dst->size < stride * (dst->height - 1) + (uint64_t)dst->width * 4)
            return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    lagfx_device_t *dev = d->dev;
    struct proto_display_state st;
    proto_display_get_state(dev->proto, d->port, &st);
    if (!st.plugged)
        return LAGFX_ERROR_BAD_STATE;

    pthread_mutex_lock(&d->frame_lock);
    uint64_t after = d->last_returned;
    if (dst->flags & LAGFX_READ_LATEST) /* even if returned: anything since the mode was set */
        after = d->mode_sequence ? d->mode_sequence - 1 : 0;
    pthread_mutex_unlock(&d->frame_lock);
    struct be_frame f;
    if (!dev->be->ops->frame_acquire(dev->be, d->port, after, &f))
        return LAGFX_NO_FRAME;

    lagfx_status_t status = LAGFX_OK;
    uint32_t w = dst->width ? dst->width : f.width, h = dst->height ? dst->height : f.height;
    uint64_t stride = dst->stride ? dst->stride : (uint64_t)w * 4;
    bool scale = w != f.width || h != f.height;
    if (scale && !(dst->flags & LAGFX_READ_SCALE)) {
        status = LAGFX_ERROR_SIZE_MISMATCH; /* the frame stays unread */
    } else if (stride < (uint64_t)w * 4 || dst->size < stride * (h - 1) + (uint64_t)w * 4) {
        status = LAGFX_ERROR_INVALID_ARGUMENT; /* a 0 width/height took the frame's size */
    }
    if (status == LAGFX_OK) {
        uint32_t alpha = dst->format == LAGFX_FORMAT_ARGB8888 ? 0 : 0xFF000000u;
        uint8_t *out = dst->pixels;
        if (!scale) {
            for (uint32_t y = 0; y < h; y++) {
                const uint8_t *srow = f.pixels + (size_t)y * f.stride;
                uint8_t *drow = out + (size_t)y * stride;
                if (!alpha) {
                    memcpy(drow, srow, (size_t)w * 4);
                    continue;
                }
                for (uint32_t x = 0; x < w; x++) { /* one pass: copy and set X to 0xFF */
                    uint32_t v;
                    memcpy(&v, srow + 4 * (size_t)x, 4);
                    v |= alpha;
                    memcpy(drow + 4 * (size_t)x, &v, 4);
                }
            }
        } else {
            uint64_t sx = ((uint64_t)f.width << 16) / w, sy = ((uint64_t)f.height << 16) / h;
            for (uint32_t y = 0; y < h; y++) {
                uint8_t *drow = out + (size_t)y * stride;
                uint64_t fy = y * sy + sy / 2;
                fy = fy > (1u << 15) ? fy - (1u << 15) : 0;
                for (uint32_t x = 0; x < w; x++) {
                    uint64_t fx = x * sx + sx / 2;
                    fx = fx > (1u << 15) ? fx - (1u << 15) : 0;
                    uint32_t v = sample_bilinear(&f, fx, fy) | alpha;
                    memcpy(drow + 4 * (size_t)x, &v, 4);
                }
            }
        }
        pthread_mutex_lock(&d->frame_lock);
        bool cursor = (dst->flags & LAGFX_READ_WITH_CURSOR) || !d->cb.cursor_glyph;
        if (cursor && st.cursor_visible && d->glyph && st.cursor_x != LAGFX_CURSOR_OFF_DISPLAY)
            composite_cursor(d, out, (uint32_t)stride, w, h, f.width, f.height, st.cursor_x,
                             st.cursor_y);
        if (f.sequence > d->last_returned + 1 && d->last_returned)
            d->frames_dropped += f.sequence - d->last_returned - 1;
        if (f.sequence > d->last_returned)
            d->last_returned = f.sequence;
        pthread_mutex_unlock(&d->frame_lock);
    }
    if (info_out && (status == LAGFX_OK || status == LAGFX_ERROR_SIZE_MISMATCH)) {
        lagfx_frame_info_t info;
        memset(&info, 0, sizeof(info));
        info.struct_size = info_out->struct_size;
        info.width = f.width;
        info.height = f.height;
        info.format = LAGFX_FORMAT_ARGB8888;
        info.sequence = f.sequence;
        info.guest_present_count = st.guest_presents;
        info.timestamp_ns = f.timestamp_ns;
        info.damage_width = w; /* no damage tracking yet: the whole frame */
        info.damage_height = h;
        memcpy(info_out, &info, sizeof(info));
    }
    dev->be->ops->frame_release(dev->be, d->port, &f);
    return status;
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
