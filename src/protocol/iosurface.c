/* SPDX-License-Identifier: MIT */
/*
 * IOSurfaces (protocol.md §14): device-global ids created, looked up, aliased and deleted by
 * ring commands 0x26-0x2A. Only the bookkeeping lives here; the surfaces' host images belong to
 * the backend (Vulkan issue). Scanout surface id 1 exists implicitly at display 0's current-mode
 * size and is recreated, zero-filled, whenever that size changes. At most 4096 live ids; a
 * linear table, since the guest touches a handful of surfaces per frame. Worker thread.
 */
#include <string.h>

#include "backend.h"
#include "memory/reader.h"
#include "protocol/dev_internal.h"
#include "util/alloc.h"
#include "util/log.h"

#define FORMAT_BGRA8_FOURCC 0x41524742u /* 'B','G','R','A' in memory, counts as 80 (§14) */
#define FORMAT_BGRA8UNORM   80u

static struct proto_iosurface *
table(struct proto_dev *dev)
{
    if (!dev->iosurfaces)
        dev->iosurfaces = ut_calloc_array(PROTO_MAX_IOSURFACES, sizeof(*dev->iosurfaces));
    return dev->iosurfaces;
}

struct proto_iosurface *
proto_iosurface_get(struct proto_dev *dev, uint32_t id)
{
    if (!dev->iosurfaces || id == 0)
        return NULL;
    for (uint32_t i = 0, seen = 0; i < PROTO_MAX_IOSURFACES && seen < dev->iosurface_live; i++) {
        struct proto_iosurface *s = &dev->iosurfaces[i];
        if (!s->live)
            continue;
        seen++;
        if (s->id == id)
            return s;
    }
    return NULL;
}

uint32_t
proto_iosurface_count(struct proto_dev *dev)
{
    return dev->iosurface_live;
}

/* A free record for id, or NULL at the cap (or out of memory). */
static struct proto_iosurface *
alloc_record(struct proto_dev *dev, uint32_t id)
{
    struct proto_iosurface *t = table(dev);
    if (!t || dev->iosurface_live >= PROTO_MAX_IOSURFACES)
        return NULL;
    for (uint32_t i = 0; i < PROTO_MAX_IOSURFACES; i++) {
        if (!t[i].live) {
            memset(&t[i], 0, sizeof(t[i]));
            t[i].id = id;
            t[i].live = true;
            dev->iosurface_live++;
            return &t[i];
        }
    }
    return NULL;
}

static void
drop_record(struct proto_dev *dev, struct proto_iosurface *s)
{
    dev->cfg.be->ops->iosurface_delete(dev->cfg.be, s->id);
    s->live = false;
    dev->iosurface_live--;
}

/* (Re)creates the backend's zero-filled image of s. */
static void
define_image(struct proto_dev *dev, struct proto_iosurface *s)
{
    struct be_iosurface_desc d = { s->width, s->height, s->format, s->pitch };
    if (dev->cfg.be->ops->iosurface_define(dev->cfg.be, s->id, &d) != LAGFX_OK)
        UT_ERROR(dev->cfg.log_dev, "display", "dev=%s IOSurface %u %ux%u: no host image",
                 dev->cfg.label, s->id, s->width, s->height);
    if (s->id == 1)
        dev->scanout_drawn = false; /* §15.5: counted since the last (re)creation */
}

void
proto_surface_needed(void *vdev, uint32_t id)
{
    if (id == 1)
        proto_iosurface_scanout(vdev);
}

void
proto_surface_written(void *vdev, uint32_t id)
{
    struct proto_dev *dev = vdev;
    if (id == 1) {
        dev->scanout_drawn = true;
        return;
    }
    struct proto_iosurface *s = proto_iosurface_get(dev, id);
    if (s && s->alias_of == 1)
        dev->scanout_drawn = true;
}

/* Display 0's current-mode size (§15.1): the last 0x12, else the preferred mode, else 1080p. */
static void
display0_size(struct proto_dev *dev, uint32_t *w, uint32_t *h)
{
    struct proto_display *d = &dev->displays[0];
    if (d->cur_width) {
        *w = d->cur_width;
        *h = d->cur_height;
        return;
    }
    pthread_mutex_lock(&dev->disp_lock);
    bool have = d->plugged && d->mode_count;
    *w = have ? d->modes[0].width : 1920;
    *h = have ? d->modes[0].height : 1080;
    pthread_mutex_unlock(&dev->disp_lock);
}

static void
set_scanout_geometry(struct proto_dev *dev, struct proto_iosurface *s)
{
    display0_size(dev, &s->width, &s->height);
    s->format = FORMAT_BGRA8UNORM;
    s->pitch = s->width * 4;
    s->size = (uint64_t)s->pitch * s->height;
    s->alias_of = 0;
}

struct proto_iosurface *
proto_iosurface_scanout(struct proto_dev *dev)
{
    struct proto_iosurface *s = proto_iosurface_get(dev, 1);
    if (s)
        return s;
    s = alloc_record(dev, 1);
    if (!s)
        return NULL;
    set_scanout_geometry(dev, s);
    define_image(dev, s);
    UT_DEBUG(dev->cfg.log_dev, "display", "dev=%s IOSurface 1 created %ux%u", dev->cfg.label,
             s->width, s->height);
    return s;
}

void
proto_iosurface_resize_scanout(struct proto_dev *dev)
{
    struct proto_iosurface *s = proto_iosurface_get(dev, 1);
    if (!s)
        return;
    uint32_t w = s->width, h = s->height;
    set_scanout_geometry(dev, s);
    if (s->width != w || s->height != h)
        define_image(dev, s); /* recreated zero-filled at the new size */
}

void
proto_iosurfaces_drop_all(struct proto_dev *dev)
{
    for (uint32_t i = 0; dev->iosurfaces && i < PROTO_MAX_IOSURFACES; i++) {
        if (dev->iosurfaces[i].live)
            drop_record(dev, &dev->iosurfaces[i]);
    }
    ut_free(dev->iosurfaces);
    dev->iosurfaces = NULL;
    dev->iosurface_live = 0;
}

static bool
format_ok(uint32_t *format)
{
    if (*format == FORMAT_BGRA8_FOURCC)
        *format = FORMAT_BGRA8UNORM;
    /* Colour formats of §13.15: 8-bit RGBA/BGRA (70-81), 10-bit (90, 94), half (115). */
    switch (*format) {
    case 70:
    case 71:
    case 80:
    case 81:
    case 90:
    case 94:
    case 115:
        return true;
    default:
        return false;
    }
}

static uint32_t
format_bpp(uint32_t format)
{
    return format == 115 ? 8 : 4;
}

void
proto_op_iosurface(struct proto_dev *dev, uint32_t channel, uint32_t opcode, struct mem_reader *r);

void
proto_op_iosurface(struct proto_dev *dev, uint32_t channel, uint32_t opcode, struct mem_reader *r)
{
    enum ut_ns ns = channel ? UT_NS_CHANNEL : UT_NS_ROOT;
    switch (opcode) {
    case 0x26: { /* DeleteIOSurfaceBacking2 */
        uint32_t id = mem_read_u32(r);
        struct proto_iosurface *s = proto_iosurface_get(dev, id);
        if (s)
            drop_record(dev, s); /* an alias keeps showing the image until it goes too */
        return;
    }
    case 0x27: { /* CreateIOSurfaceBacking2; < 28 bytes is the capability probe */
        if (r->size < 28)
            return;
        uint32_t id = mem_read_u32(r);
        uint32_t w = mem_read_u32(r), h = mem_read_u32(r);
        uint32_t format = mem_read_u32(r);
        uint32_t pitch = mem_read_u32(r);
        uint64_t size = mem_read_u64(r);
        if (id == 0 || w < 1 || w > PROTO_MAX_DISPLAY_DIM || h < 1 || h > PROTO_MAX_DISPLAY_DIM ||
            !format_ok(&format) || pitch < (uint64_t)w * format_bpp(format) ||
            size < (uint64_t)pitch * h) {
            ut_guest_error_once(&dev->errs, UT_GERR_OUTER_VALUE, ns, opcode,
                                "dev=%s ch=%u CreateIOSurfaceBacking2 id=%u %ux%u format=%u "
                                "pitch=%u size=%llu: out of range",
                                dev->cfg.label, channel, id, w, h, format, pitch,
                                (unsigned long long)size);
            return;
        }
        struct proto_iosurface *s = proto_iosurface_get(dev, id);
        if (!s)
            s = alloc_record(dev, id);
        if (!s) {
            ut_guest_error(&dev->errs, UT_GERR_OUTER_VALUE,
                           "dev=%s CreateIOSurfaceBacking2 id=%u: %u surfaces live, ignored",
                           dev->cfg.label, id, dev->iosurface_live);
            return;
        }
        s->width = w;
        s->height = h;
        s->format = format;
        s->pitch = pitch;
        s->size = size;
        s->alias_of = 0;
        define_image(dev, s);
        return;
    }
    case 0x28: { /* LookupIOSurface: make sure it exists; id 1 is created on demand */
        uint32_t id = mem_read_u32(r);
        if (id == 1)
            proto_iosurface_scanout(dev);
        else if (!proto_iosurface_get(dev, id))
            UT_DEBUG(dev->cfg.log_dev, "display", "dev=%s LookupIOSurface id=%u: unknown",
                     dev->cfg.label, id);
        return;
    }
    case 0x29: {               /* ImportIOSurfaceMachPort: local id aliases remote id */
        (void)mem_read_u32(r); /* local task */
        (void)mem_read_u32(r); /* remote task */
        uint32_t remote = mem_read_u32(r);
        uint32_t local = mem_read_u32(r);
        struct proto_iosurface *src =
            remote == 1 ? proto_iosurface_scanout(dev) : proto_iosurface_get(dev, remote);
        if (!src || local == 0 || local == remote) {
            ut_guest_error_once(&dev->errs, UT_GERR_OUTER_VALUE, ns, opcode,
                                "dev=%s ImportIOSurfaceMachPort %u -> %u: no such surface",
                                dev->cfg.label, remote, local);
            return;
        }
        struct proto_iosurface *s = proto_iosurface_get(dev, local);
        if (!s)
            s = alloc_record(dev, local);
        if (!s)
            return;
        uint32_t target = src->alias_of ? src->alias_of : src->id;
        *s = *src;
        s->id = local;
        s->live = true;
        s->alias_of = target;
        dev->cfg.be->ops->iosurface_alias(dev->cfg.be, local, target);
        return;
    }
    default:
        return;
    }
}
