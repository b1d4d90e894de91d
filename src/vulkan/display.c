/* SPDX-License-Identifier: MIT */
/*
 * IOSurfaces (a refcounted VkImage per id; aliases share it) and display frames: each port has
 * 2 + LAGFX_MAX_EXPORTED_FRAMES (growing to VKB_MAX_FRAME_SLOTS) host-visible, host-cached
 * linear BGRA8 buffers; a present records one GPU copy into a free slot (or, for guest pixels,
 * one CPU copy) and the batch's completion publishes it as the port's newest frame before the
 * flush's done runs (performance.md §4.9: the VMM's read is then one memcpy). Surfaces: worker.
 * Slots: port lock, any thread (frame_acquire/release from VMM threads, publishing from gpu).
 */
#include <string.h>

#include "util/alloc.h"
#include "util/checked.h"
#include "util/clock.h"
#include "util/log.h"
#include "vulkan/vkb_internal.h"

#define LOGDEV(b) ((b)->cfg.log_dev)

/* ---- IOSurfaces ---- */

static struct vkb_surface *
surface_find(struct vkb *b, uint32_t id)
{
    for (uint32_t i = 0; i < b->nsurfaces; i++)
        if (b->surfaces[i].id == id)
            return &b->surfaces[i];
    return NULL;
}

struct vkb_image *
vkb_surface_image(struct vkb *b, uint32_t id)
{
    struct vkb_surface *s = surface_find(b, id);
    return s ? s->image : NULL;
}

static lagfx_status_t
surface_set(struct vkb *b, uint32_t id, struct vkb_image *img)
{
    struct vkb_surface *s = surface_find(b, id);
    if (!s) {
        if (b->nsurfaces == b->cap_surfaces) {
            uint32_t cap = b->cap_surfaces ? b->cap_surfaces * 2 : 8;
            struct vkb_surface *n = ut_realloc_array(b->surfaces, cap, sizeof(*n));
            if (!n)
                return LAGFX_ERROR_OUT_OF_MEMORY;
            b->surfaces = n;
            b->cap_surfaces = cap;
        }
        s = &b->surfaces[b->nsurfaces++];
        s->id = id;
        s->image = NULL;
    }
    vkb_obj_ref(&img->o);
    if (s->image)
        vkb_obj_unref(b, &s->image->o);
    s->image = img;
    return LAGFX_OK;
}

static lagfx_status_t
iosurface_define(struct be *be, uint32_t id, const struct be_iosurface_desc *d)
{
    struct vkb *b = vkb_from(be);
    const struct vkb_format *f = vkb_format_lookup(d->pixel_format);
    if (!id || !f || f->depth || f->stencil || !d->width || !d->height)
        return LAGFX_ERROR_NOT_SUPPORTED;
    struct vkb_image *img;
    lagfx_status_t st =
        vkb_image_new(b, 2, d->pixel_format, d->width, d->height, 1, 1, 1, true, &img);
    if (st != LAGFX_OK)
        return st;
    st = surface_set(b, id, img);
    vkb_obj_unref(b, &img->o); /* the table holds it (or nobody, on failure) */
    return st;
}

static void
iosurface_alias(struct be *be, uint32_t local, uint32_t remote)
{
    struct vkb *b = vkb_from(be);
    struct vkb_image *img = vkb_surface_image(b, remote);
    if (img && local)
        surface_set(b, local, img);
}

static void
iosurface_delete(struct be *be, uint32_t id)
{
    struct vkb *b = vkb_from(be);
    struct vkb_surface *s = surface_find(b, id);
    if (!s)
        return;
    vkb_obj_unref(b, &s->image->o);
    *s = b->surfaces[--b->nsurfaces];
}

void
vkb_surfaces_finish(struct vkb *b)
{
    for (uint32_t i = 0; i < b->nsurfaces; i++)
        vkb_obj_unref(b, &b->surfaces[i].image->o);
    b->nsurfaces = 0;
}

/* ---- frame slots ---- */

lagfx_status_t
vkb_ports_init(struct vkb *b)
{
    for (uint32_t p = 0; p < VKB_MAX_PORTS; p++) {
        pthread_mutex_init(&b->ports[p].lock, NULL);
        b->ports[p].nslots = 2 + LAGFX_MAX_EXPORTED_FRAMES;
        b->ports[p].newest = -1;
        b->ports[p].batch_slot = -1;
    }
    return LAGFX_OK;
}

static void
slot_free(struct vkb *b, struct vkb_frame_slot *s)
{
    vkb_buffer_free(b, s->buf, s->mem);
    s->buf = VK_NULL_HANDLE;
    s->mem = VK_NULL_HANDLE;
    s->map = NULL;
    s->width = s->height = 0;
}

void
vkb_ports_finish(struct vkb *b)
{
    for (uint32_t p = 0; p < VKB_MAX_PORTS; p++) {
        struct vkb_port *port = &b->ports[p];
        if (!port->nslots)
            continue; /* never initialised */
        for (uint32_t i = 0; i < VKB_MAX_FRAME_SLOTS; i++)
            slot_free(b, &port->slot[i]);
        pthread_mutex_destroy(&port->lock);
        port->nslots = 0;
    }
}

/* Picks a slot for a new frame of w × h: not pending, not acquired, not the newest; grows the
 * set when all are taken. Returns -1 when none can be had (frame dropped). */
static int32_t
slot_take(struct vkb *b, struct vkb_port *port, uint32_t w, uint32_t h)
{
    struct vkb_batch *bt = vkb_batch_cur(b);
    if (!bt)
        return -1;
    pthread_mutex_lock(&port->lock);
    int32_t idx = -1;
    for (uint32_t i = 0; i < VKB_MAX_FRAME_SLOTS && idx < 0; i++) {
        if (i >= port->nslots)
            port->nslots = i + 1; /* all earlier slots are busy: grow */
        struct vkb_frame_slot *s = &port->slot[i];
        if (s->state != VKB_SLOT_PENDING && s->acquired == 0 && (int32_t)i != port->newest)
            idx = (int32_t)i;
    }
    if (idx >= 0) {
        port->slot[idx].state = VKB_SLOT_PENDING;
        port->slot[idx].sequence = 0;
    } else if (port->batch_serial == bt->serial && port->batch_slot >= 0 &&
               port->slot[port->batch_slot].width == w &&
               port->slot[port->batch_slot].height == h) {
        /* Every slot is busy: this batch's previous frame of the port is overwritten (GPU
         * order makes the later copy win); both presents still count. */
        idx = port->batch_slot;
        port->dropped++;
        pthread_mutex_unlock(&port->lock);
        return idx;
    } else {
        port->dropped++;
    }
    pthread_mutex_unlock(&port->lock);
    if (idx < 0)
        return -1;
    port->batch_slot = idx;
    port->batch_serial = bt->serial;
    /* Pending slots are ours alone: (re)allocate outside the lock. */
    struct vkb_frame_slot *s = &port->slot[idx];
    if (s->buf && (s->width != w || s->height != h))
        slot_free(b, s);
    if (!s->buf) {
        if (vkb_buffer_alloc(b, (uint64_t)w * h * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, true,
                             &s->buf, &s->mem, &s->map) != LAGFX_OK) {
            pthread_mutex_lock(&port->lock);
            s->state = VKB_SLOT_FREE;
            port->dropped++;
            pthread_mutex_unlock(&port->lock);
            return -1;
        }
        s->width = w;
        s->height = h;
    }
    return idx;
}

static void
slot_cancel(struct vkb_port *port, int32_t idx)
{
    pthread_mutex_lock(&port->lock);
    port->slot[idx].state = VKB_SLOT_FREE;
    pthread_mutex_unlock(&port->lock);
}

static void
present(struct be *be, const struct be_present *p)
{
    struct vkb *b = vkb_from(be);
    if (p->port >= VKB_MAX_PORTS || !p->width || !p->height)
        return;
    struct vkb_port *port = &b->ports[p->port];
    struct vkb_post post = { .kind = VKB_POST_REPEAT, .port = p->port };
    if (p->source == BE_PRESENT_REPEAT) {
        vkb_post_add(b, &post);
        return;
    }
    struct vkb_image *img = NULL;
    if (p->source == BE_PRESENT_SURFACE) {
        img = vkb_surface_image(b, p->surface_id);
        if (!img)
            return; /* no frame (§15.5) */
        if (img->format != VK_FORMAT_B8G8R8A8_UNORM && img->format != VK_FORMAT_B8G8R8A8_SRGB) {
            UT_WARN(LOGDEV(b), VKB_DOMAIN,
                    "present of surface %u format %u: only BGRA8 "
                    "surfaces are presented",
                    p->surface_id, img->mtl_format);
            return;
        }
    } else if (p->source != BE_PRESENT_PIXELS || !p->pixels) {
        return;
    }
    int32_t idx = slot_take(b, port, p->width, p->height);
    if (idx < 0)
        return;
    struct vkb_frame_slot *s = &port->slot[idx];
    uint64_t row = (uint64_t)p->width * 4;
    if (p->source == BE_PRESENT_PIXELS) {
        /* Guest memory is read now, at decode time: the host copy is the frame. */
        for (uint32_t y = 0; y < p->height; y++)
            p->pixels->read(p->pixels, (uint64_t)y * p->pitch, s->map + y * row, row);
    } else {
        VkCommandBuffer cb = vkb_op_begin(b);
        if (!cb) {
            slot_cancel(port, idx);
            return;
        }
        vkb_retain(b, img);
        uint32_t w = UT_MIN(p->width, img->width), h = UT_MIN(p->height, img->height);
        if (w != p->width || h != p->height)
            vkCmdFillBuffer(cb, s->buf, 0, VK_WHOLE_SIZE, 0);
        vkb_full_barrier(cb);
        VkBufferImageCopy r = {
            .bufferRowLength = p->width,
            .bufferImageHeight = p->height,
            .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
            .imageExtent = { w, h, 1 },
        };
        vkCmdCopyImageToBuffer(cb, img->img, VK_IMAGE_LAYOUT_GENERAL, s->buf, 1, &r);
    }
    post.kind = VKB_POST_FRAME;
    post.slot = (uint32_t)idx;
    if (vkb_post_add(b, &post) != LAGFX_OK)
        slot_cancel(port, idx);
}

void
vkb_post_release(struct vkb *b, struct vkb_post *p)
{
    be_writeback_release(p->wb);
    p->wb = NULL;
    ut_free(p->pieces);
    p->pieces = NULL;
    if (p->staging)
        vkb_obj_unref(b, &p->staging->o);
    p->staging = NULL;
}

void
vkb_post_complete(struct vkb *b, struct vkb_post *p)
{
    if (p->kind == VKB_POST_WRITE_BACK) {
        /* Guest memory, before the flush's done (protocol.md §6.4). */
        const uint8_t *src = p->staging->map;
        bool ok = true;
        if (!p->pieces)
            ok = p->wb->write(p->wb, p->off, src, p->len);
        for (uint32_t i = 0; i < p->npieces; i++)
            ok &= p->wb->write(p->wb, p->off + p->pieces[i][0], src + p->pieces[i][0],
                               (size_t)p->pieces[i][1]);
        if (!ok)
            UT_DEBUG(LOGDEV(b), VKB_DOMAIN, "write-back of %zu bytes partly skipped", p->len);
        vkb_post_release(b, p);
        return;
    }
    struct vkb_port *port = &b->ports[p->port];
    pthread_mutex_lock(&port->lock);
    if (p->kind == VKB_POST_FRAME) {
        struct vkb_frame_slot *s = &port->slot[p->slot];
        s->state = VKB_SLOT_READY;
        s->sequence = ++port->sequence;
        s->timestamp_ns = ut_now_ns();
        port->newest = (int32_t)p->slot;
    } else if (p->kind == VKB_POST_REPEAT && port->newest >= 0) {
        struct vkb_frame_slot *s = &port->slot[port->newest];
        s->sequence = ++port->sequence;
        s->timestamp_ns = ut_now_ns();
    }
    pthread_mutex_unlock(&port->lock);
}

static bool
frame_acquire(struct be *be, uint32_t portno, uint64_t after, struct be_frame *out)
{
    struct vkb *b = vkb_from(be);
    if (portno >= VKB_MAX_PORTS)
        return false;
    struct vkb_port *port = &b->ports[portno];
    bool ok = false;
    pthread_mutex_lock(&port->lock);
    if (port->newest >= 0) {
        struct vkb_frame_slot *s = &port->slot[port->newest];
        if (s->sequence > after) {
            s->acquired++;
            out->width = s->width;
            out->height = s->height;
            out->stride = s->width * 4;
            out->sequence = s->sequence;
            out->timestamp_ns = s->timestamp_ns;
            out->pixels = s->map;
            out->slot = (uint64_t)port->newest;
            ok = true;
        }
    }
    pthread_mutex_unlock(&port->lock);
    return ok;
}

static void
frame_release(struct be *be, uint32_t portno, const struct be_frame *f)
{
    struct vkb *b = vkb_from(be);
    if (portno >= VKB_MAX_PORTS || !f || f->slot >= VKB_MAX_FRAME_SLOTS)
        return;
    struct vkb_port *port = &b->ports[portno];
    pthread_mutex_lock(&port->lock);
    if (port->slot[f->slot].acquired)
        port->slot[f->slot].acquired--;
    pthread_mutex_unlock(&port->lock);
}

static void
display_drop(struct be *be, uint32_t portno)
{
    struct vkb *b = vkb_from(be);
    if (portno >= VKB_MAX_PORTS)
        return;
    struct vkb_port *port = &b->ports[portno];
    pthread_mutex_lock(&port->lock);
    port->newest = -1;
    /* Buffers of idle slots go now; acquired or pending ones are reused (or freed at
     * teardown) once they are idle again. */
    for (uint32_t i = 0; i < VKB_MAX_FRAME_SLOTS; i++) {
        struct vkb_frame_slot *s = &port->slot[i];
        if (s->state != VKB_SLOT_PENDING && s->acquired == 0) {
            slot_free(b, s);
            s->state = VKB_SLOT_FREE;
        }
    }
    pthread_mutex_unlock(&port->lock);
}

void
vkb_display_ops(struct be_ops *ops)
{
    ops->iosurface_define = iosurface_define;
    ops->iosurface_alias = iosurface_alias;
    ops->iosurface_delete = iosurface_delete;
    ops->present = present;
    ops->frame_acquire = frame_acquire;
    ops->frame_release = frame_release;
    ops->display_drop = display_drop;
}
