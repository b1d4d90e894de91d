/* SPDX-License-Identifier: MIT */
/*
 * Object refs → host objects (protocol.md §13): the slot table read through the task's VA
 * space, descriptors decoded from the provisional layouts v1 (C21, layout_v1.def) or the
 * real-guest fallbacks, identity comparison and backend object lifetime. Lookups are O(1):
 * a two-level table indexed by ref, 256 entries a page, pages allocated on first use. Owns
 * task->objects. Runs on the protocol worker that owns the task.
 */
#include "protocol/resource.h"

#include <stdatomic.h>
#include <string.h>

#include "protocol/formats.h"
#include "protocol/inner.h"
#include "util/alloc.h"
#include "util/checked.h"
#include "util/log.h"

#define OBJ_PAGE_SHIFT PROTO_OBJ_PAGE_SHIFT
#define OBJ_PAGE       PROTO_OBJ_PAGE
#define OBJ_PAGES      PROTO_OBJ_PAGES
_Static_assert(PROTO_OBJ_PAGES *PROTO_OBJ_PAGE == PROTO_MAX_SLOTS, "one page slot per ref");
#define SLOT_SIZE   12u
#define MTLB_MAGIC  0x424C544Du /* "MTLB" */
#define MTLB_HEADER 0x58u
#define FOURCC(a, b, c, d) \
    ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))
#define MAX_RESOLVE_DEPTH     3u /* view fallback → candidate slot → its functions; never deeper */
#define PIPELINE_FALLBACK_LEN 0x154u /* real descriptors seen: 0x3C-0x154 bytes (§13.12) */

#define placement proto_placement

lagfx_status_t
proto_objects_begin(struct proto_dec *d)
{
    struct proto_task *t = d->task;
    if (!t->objects) {
        t->objects = ut_calloc(1, sizeof(*t->objects));
        if (!t->objects)
            return LAGFX_ERROR_OUT_OF_MEMORY;
    }
    struct proto_objects *o = t->objects;
    o->epoch++;
    if (o->epoch == 0) /* 0 means "never validated" */
        o->epoch = 1;
    uint32_t slots = t->heap_size / SLOT_SIZE;
    o->slot_count = t->heap_vpn ? UT_MIN(slots, PROTO_MAX_SLOTS) : 0;
    o->slot_base = (uint64_t)t->heap_vpn << 12;
    d->objs = o;
    return LAGFX_OK;
}

/* Shared by a buffer's proto_obj and its write-back targets in flight: the last of them frees
 * it, so a target released after DeleteResource or task deletion touches live memory. */
struct proto_coh {
    _Atomic uint32_t refs;
    _Atomic uint32_t pending; /* write-backs handed to the backend and not yet released */
};

static void
coh_unref(struct proto_coh *c)
{
    if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
        ut_free(c);
}

static void
obj_release(struct be *be, struct proto_obj *obj)
{
    if (obj->handle)
        be->ops->object_destroy(be, obj->handle);
    ut_free(obj->ident);
    coh_unref(obj->coh);
    memset(obj, 0, sizeof(*obj));
}

void
proto_task_object_drop(struct proto_task *task, struct be *be, uint32_t ref)
{
    struct proto_objects *o = task ? task->objects : NULL;
    if (!o || ref >= PROTO_MAX_SLOTS || !o->pages[ref >> OBJ_PAGE_SHIFT])
        return;
    obj_release(be, &o->pages[ref >> OBJ_PAGE_SHIFT][ref & (OBJ_PAGE - 1)]);
}

void
proto_task_objects_free(struct proto_task *task, struct be *be)
{
    struct proto_objects *o = task ? task->objects : NULL;
    if (!o)
        return;
    for (uint32_t p = 0; p < OBJ_PAGES; p++) {
        if (!o->pages[p])
            continue;
        for (uint32_t i = 0; i < OBJ_PAGE; i++)
            obj_release(be, &o->pages[p][i]);
        ut_free(o->pages[p]);
    }
    ut_free(o);
    task->objects = NULL;
}

/* ---- placement entries and the backing (§13.5) ---- */

static void
placement_parse(const uint8_t *desc, struct placement *pl)
{
    memset(pl, 0, sizeof(*pl));
    struct mem_reader r;
    for (uint32_t i = 0; i < 4; i++) {
        mem_reader_init(&r, desc + 16 * i, 16);
        uint64_t size = GET(&r, Placement, size);
        if (size == 0)
            break;
        uint64_t total;
        if (ut_add_overflows_u64(pl->total, size, &total))
            break;
        pl->size[i] = size;
        pl->vpn[i] = GET(&r, Placement, vpn);
        pl->total = total;
        pl->count = i + 1;
    }
}

/* Zeroes the page numbers so that identity ignores them (§13.2). */
static void
placement_strip(uint8_t *desc)
{
    for (uint32_t i = 0; i < 4; i++)
        memset(desc + 16 * i + OFF(Placement, vpn), 0, 8);
}

struct backing_ctx {
    struct be_backing b;
    struct proto_dec *d;
    struct placement pl;
};

static bool
backing_read(const struct be_backing *bk, uint64_t off, void *dst, size_t len)
{
    const struct backing_ctx *c = (const struct backing_ctx *)bk;
    uint8_t *out = dst;
    bool ok = true;
    memset(dst, 0, len);
    if (!ut_range_ok(off, len, c->pl.total))
        return false;
    uint64_t base = 0;
    for (uint32_t i = 0; i < c->pl.count && len; i++) {
        uint64_t end = base + c->pl.size[i];
        if (off < end) {
            uint64_t in = off - base;
            size_t n = (size_t)UT_MIN((uint64_t)len, c->pl.size[i] - in);
            uint64_t va = ((uint64_t)c->pl.vpn[i] << 12) + in;
            /* A page that does not translate reads as zeros (DR3). */
            ok &= proto_read_va(c->d, va, out, n);
            out += n;
            off += n;
            len -= n;
        }
        base = end;
    }
    return ok;
}

static void
backing_init(struct backing_ctx *c, struct proto_dec *d, const struct placement *pl)
{
    c->b.read = backing_read;
    c->b.user = c;
    c->b.length = pl->total;
    c->d = d;
    c->pl = *pl;
}

/* ---- helpers ---- */

static void
fallback_once(struct proto_dec *d, uint8_t type)
{
    struct proto_objects *o = d->objs;
    if (type < 32 && !(o->fallback_logged & (1u << type))) {
        o->fallback_logged |= 1u << type;
        UT_INFO(d->env->dev, "object",
                "task=%u type=0x%02x: descriptor without a v1 magic, using the real-guest fallback",
                d->task->id, type);
    }
}

static void
layout_bad(struct proto_dec *d, const char *what, uint64_t value)
{
    ut_guest_error_once(d->errs, UT_GERR_OBJECT_LAYOUT, UT_NS_INNER, d->op & 0x1FF,
                        "task=%u op=0x%x: %s (%llu), object unusable", d->task->id, d->op, what,
                        (unsigned long long)value);
}

/* A slot's type byte, or 0 (for the fallbacks' "names a slot of type X" tests). */
static uint8_t slot_type_of(struct proto_dec *d, uint32_t ref);

/* ---- decoders per type; each fills obj (kind, usable, handle, u) ---- */

static void
make_buffer(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc)
{
    struct placement pl;
    placement_parse(desc, &pl);
    obj->kind = PROTO_OBJ_BUFFER;
    if (pl.total == 0 || pl.total > PROTO_MAX_BUFFER_LEN) {
        layout_bad(d, "buffer length", pl.total);
        return;
    }
    struct backing_ctx bk;
    backing_init(&bk, d, &pl);
    obj->coh = ut_calloc(1, sizeof(*obj->coh));
    if (!obj->coh)
        return;
    atomic_init(&obj->coh->refs, 1);
    struct be_buffer_desc bd = { .length = pl.total, .backing = &bk.b };
    if (d->ops->buffer_create(d->be, &bd, &obj->handle) != LAGFX_OK)
        return;
    obj->u.buf.length = pl.total;
    obj->refresh_epoch = d->objs->epoch; /* created from the guest's bytes just now */
    obj->usable = true;
}

static bool
swizzle_ok(const uint8_t s[4])
{
    return s[0] <= PROTO_MTL_SWIZZLE_MAX && s[1] <= PROTO_MTL_SWIZZLE_MAX &&
           s[2] <= PROTO_MTL_SWIZZLE_MAX && s[3] <= PROTO_MTL_SWIZZLE_MAX;
}

static void
make_texture(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc, uint8_t type)
{
    struct placement pl;
    placement_parse(desc, &pl);
    struct mem_reader r;
    mem_reader_init(&r, desc, 0x80);
    struct be_texture_desc td = { 0 };
    obj->kind = PROTO_OBJ_TEXTURE;
    if (GET(&r, TEX1, magic) == PROTO_MAGIC_TEX1) {
        td.texture_type = GET(&r, TEX1, textureType);
        td.pixel_format = GET(&r, TEX1, pixelFormat);
        td.width = GET(&r, TEX1, width);
        td.height = GET(&r, TEX1, height);
        td.depth = GET(&r, TEX1, depth);
        td.levels = GET(&r, TEX1, mipmapLevelCount);
        td.layers = GET(&r, TEX1, arrayLength);
        td.samples = GET(&r, TEX1, sampleCount);
        td.usage = GET(&r, TEX1, usage);
        td.storage = GET(&r, TEX1, storageMode);
        td.bytes_per_row = GET(&r, TEX1, bytesPerRow);
        td.iosurface_id = GET(&r, TEX1, iosurfaceId);
        td.swizzle[0] = GET(&r, TEX1, swizzleR);
        td.swizzle[1] = GET(&r, TEX1, swizzleG);
        td.swizzle[2] = GET(&r, TEX1, swizzleB);
        td.swizzle[3] = GET(&r, TEX1, swizzleA);
    } else {
        /* §13.7 fallback: BGRA8Unorm, 2D, one level, display 0 width. */
        fallback_once(d, type);
        uint32_t w = d->env->display_width ? d->env->display_width : 1024;
        uint64_t pitch = ((uint64_t)w * 4 + 255) / 256 * 256;
        uint64_t h = pl.total / pitch;
        td.texture_type = 2;
        td.pixel_format = 80;
        td.width = UT_MIN(w, PROTO_MAX_TEXTURE_DIM);
        td.height = (uint32_t)UT_MIN(UT_MAX(h, 1), PROTO_MAX_TEXTURE_DIM);
        td.depth = td.levels = td.layers = td.samples = 1;
        td.usage = 0x5;
    }
    const struct proto_pixel_format *f = proto_pixel_format(td.pixel_format);
    bool type_ok = td.texture_type == 0 || td.texture_type == 2 || td.texture_type == 3 ||
                   td.texture_type == 4;
    uint32_t max_levels = 1;
    for (uint32_t m = UT_MAX(td.width, td.height); m > 1; m >>= 1)
        max_levels++;
    if (td.iosurface_id == 0) {
        if (!f || !f->required || !type_ok) {
            layout_bad(d, "texture format or type",
                       ((uint64_t)td.texture_type << 32) | td.pixel_format);
            return;
        }
        if (td.width == 0 || td.width > PROTO_MAX_TEXTURE_DIM || td.height == 0 ||
            td.height > PROTO_MAX_TEXTURE_DIM || (td.texture_type == 0 && td.height != 1) ||
            td.depth != 1 || td.levels == 0 || td.levels > max_levels || td.layers == 0 ||
            td.layers > PROTO_MAX_TEXTURE_LAYERS || (td.texture_type != 3 && td.layers != 1) ||
            !(td.samples == 1 || td.samples == 2 || td.samples == 4) ||
            (td.samples > 1 && (td.texture_type != 4 || td.levels != 1)) ||
            (td.texture_type == 4 && td.samples == 1) || td.storage > PROTO_MTL_STORAGE_MAX ||
            !swizzle_ok(td.swizzle)) {
            layout_bad(d, "texture dimensions", ((uint64_t)td.width << 32) | td.height);
            return;
        }
        uint64_t linear = 0;
        if (!proto_texture_linear_size(td.pixel_format, td.width, td.height, td.levels, td.layers,
                                       td.bytes_per_row, &linear)) {
            layout_bad(d, "texture pitch", td.bytes_per_row);
            return;
        }
        td.has_guest_image =
            td.samples == 1 && td.storage <= 1 && !f->depth && !f->stencil && pl.total >= linear;
        td.linear_size = td.has_guest_image ? linear : 0;
    } else if (!swizzle_ok(td.swizzle)) {
        layout_bad(d, "texture swizzle", 0);
        return;
    }
    struct backing_ctx bk;
    backing_init(&bk, d, &pl);
    td.backing = td.has_guest_image ? &bk.b : NULL;
    if (td.iosurface_id && d->env->surface_needed)
        d->env->surface_needed(d->env->surface_user, td.iosurface_id);
    if (d->ops->texture_create(d->be, &td, &obj->handle) != LAGFX_OK)
        return;
    obj->u.tex.format = td.pixel_format;
    obj->u.tex.iosurface = td.iosurface_id;
    obj->u.tex.type = td.texture_type;
    obj->u.tex.width = td.width;
    obj->u.tex.height = td.height;
    obj->u.tex.levels = td.levels;
    obj->u.tex.layers = td.layers;
    obj->u.tex.samples = td.samples;
    obj->u.tex.linear = td.linear_size;
    obj->usable = true;
}

static void
make_view(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc)
{
    struct mem_reader r;
    mem_reader_init(&r, desc, 0x40);
    obj->kind = PROTO_OBJ_TEXTURE;
    obj->view = true;
    struct proto_obj *parent = NULL;
    uint32_t parent_ref = 0;
    struct be_texture_view_desc vd = { 0 };
    bool v1 = GET(&r, VIW1, magic) == PROTO_MAGIC_VIW1;
    if (v1) {
        parent_ref = GET(&r, VIW1, parent);
        parent = proto_obj_resolve(d, parent_ref);
    } else {
        /* §13.8 fallback: the first of the first 16 words that names a texture slot. */
        fallback_once(d, 0x05);
        for (uint32_t i = 0; i < 16 && !parent; i++) {
            uint32_t w = mem_le32(desc + 4 * i);
            uint8_t t = slot_type_of(d, w);
            if (t == 0x02 || t == 0x03 || t == 0x0C) {
                parent = proto_obj_resolve(d, w);
                parent_ref = w;
            }
        }
    }
    if (!parent || parent->kind != PROTO_OBJ_TEXTURE || parent->view || !parent->usable) {
        layout_bad(d, "view parent", v1 ? GET(&r, VIW1, parent) : 0);
        return;
    }
    const uint32_t levels = parent->u.tex.levels, layers = parent->u.tex.layers;
    vd.parent = parent->handle;
    vd.pixel_format = parent->u.tex.format;
    vd.texture_type = parent->u.tex.type;
    vd.level_count = levels;
    vd.slice_count = layers;
    if (v1) {
        uint32_t fmt = GET(&r, VIW1, pixelFormat), type = GET(&r, VIW1, textureType);
        if (fmt)
            vd.pixel_format = fmt;
        if (type != 0xFFFFFFFFu)
            vd.texture_type = type;
        vd.base_level = GET(&r, VIW1, baseLevel);
        vd.base_slice = GET(&r, VIW1, baseSlice);
        uint32_t lc = GET(&r, VIW1, levelCount), sc = GET(&r, VIW1, sliceCount);
        if (vd.base_level >= levels || vd.base_slice >= layers) {
            layout_bad(d, "view range", ((uint64_t)vd.base_level << 32) | vd.base_slice);
            return;
        }
        vd.level_count = lc ? lc : levels - vd.base_level;
        vd.slice_count = sc ? sc : layers - vd.base_slice;
        vd.swizzle[0] = GET(&r, VIW1, swizzleR);
        vd.swizzle[1] = GET(&r, VIW1, swizzleG);
        vd.swizzle[2] = GET(&r, VIW1, swizzleB);
        vd.swizzle[3] = GET(&r, VIW1, swizzleA);
    }
    const struct proto_pixel_format *f = proto_pixel_format(vd.pixel_format);
    if (!f || !f->required || vd.texture_type > PROTO_MTL_TEXTURE_TYPE_MAX ||
        vd.level_count > levels - vd.base_level || vd.slice_count > layers - vd.base_slice ||
        !swizzle_ok(vd.swizzle)) {
        layout_bad(d, "view fields", vd.pixel_format);
        return;
    }
    obj->dep[0] = parent->handle;
    obj->view_parent = parent_ref;
    if (d->ops->texture_view_create(d->be, &vd, &obj->handle) != LAGFX_OK)
        return;
    obj->u.tex = parent->u.tex;
    obj->u.tex.format = vd.pixel_format;
    obj->u.tex.type = vd.texture_type;
    obj->u.tex.levels = vd.level_count;
    obj->u.tex.layers = vd.slice_count;
    /* A view's level 0 is the parent's base level. */
    obj->u.tex.width = UT_MAX(1u, parent->u.tex.width >> vd.base_level);
    obj->u.tex.height = UT_MAX(1u, parent->u.tex.height >> vd.base_level);
    obj->usable = true;
}

static void
make_sampler(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc)
{
    struct mem_reader r;
    mem_reader_init(&r, desc, 32);
    obj->kind = PROTO_OBJ_SAMPLER;
    struct be_sampler_desc sd = { .min_filter = 1,
                                  .mag_filter = 1,
                                  .normalized = true,
                                  .max_anisotropy = 1,
                                  .lod_min = 0.0f,
                                  .lod_max = 1000.0f };
    if (GET(&r, SMP1, magic) == PROTO_MAGIC_SMP1) {
        sd.min_filter = GET(&r, SMP1, minFilter);
        sd.mag_filter = GET(&r, SMP1, magFilter);
        sd.mip_filter = GET(&r, SMP1, mipFilter);
        uint8_t norm = GET(&r, SMP1, normalizedCoordinates);
        sd.normalized = norm != 0;
        sd.address[0] = GET(&r, SMP1, sAddressMode);
        sd.address[1] = GET(&r, SMP1, tAddressMode);
        sd.address[2] = GET(&r, SMP1, rAddressMode);
        sd.border_color = GET(&r, SMP1, borderColor);
        sd.compare = GET(&r, SMP1, compareFunction);
        uint8_t avg = GET(&r, SMP1, lodAverage);
        sd.lod_average = avg != 0;
        sd.max_anisotropy = GET(&r, SMP1, maxAnisotropy);
        sd.lod_min = GET(&r, SMP1, lodMinClamp);
        sd.lod_max = GET(&r, SMP1, lodMaxClamp);
        if (sd.min_filter > PROTO_MTL_MINMAG_MAX || sd.mag_filter > PROTO_MTL_MINMAG_MAX ||
            sd.mip_filter > PROTO_MTL_MIP_MAX || norm > 1 || avg > 1 ||
            sd.address[0] > PROTO_MTL_ADDRESS_MAX || sd.address[1] > PROTO_MTL_ADDRESS_MAX ||
            sd.address[2] > PROTO_MTL_ADDRESS_MAX || sd.border_color > PROTO_MTL_BORDER_MAX ||
            sd.compare > PROTO_MTL_COMPARE_MAX || sd.max_anisotropy < 1 || sd.max_anisotropy > 16 ||
            !(sd.lod_min <= sd.lod_max)) {
            layout_bad(d, "sampler fields", 0);
            return;
        }
    } else {
        fallback_once(d, 0x08);
    }
    if (d->ops->sampler_create(d->be, &sd, &obj->handle) == LAGFX_OK)
        obj->usable = true;
}

static bool
stencil_face(const uint8_t *p, bool enabled, struct be_stencil_face *f)
{
    struct mem_reader r;
    mem_reader_init(&r, p, 8);
    f->enabled = enabled;
    f->compare = GET(&r, Stencil, compare);
    f->fail_op = GET(&r, Stencil, failOp);
    f->depth_fail_op = GET(&r, Stencil, depthFailOp);
    f->pass_op = GET(&r, Stencil, passOp);
    f->read_mask = GET(&r, Stencil, readMask);
    f->write_mask = GET(&r, Stencil, writeMask);
    return f->compare <= PROTO_MTL_COMPARE_MAX && f->fail_op <= PROTO_MTL_STENCIL_OP_MAX &&
           f->depth_fail_op <= PROTO_MTL_STENCIL_OP_MAX && f->pass_op <= PROTO_MTL_STENCIL_OP_MAX;
}

static void
make_depth_stencil(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc)
{
    struct mem_reader r;
    mem_reader_init(&r, desc, 32);
    obj->kind = PROTO_OBJ_DEPTH_STENCIL;
    struct be_depth_stencil_desc dd = { .depth_compare = 7 };
    if (GET(&r, DSS1, magic) == PROTO_MAGIC_DSS1) {
        dd.depth_compare = GET(&r, DSS1, depthCompareFunction);
        uint8_t w = GET(&r, DSS1, depthWriteEnabled), fe = GET(&r, DSS1, frontEnabled),
                be_ = GET(&r, DSS1, backEnabled);
        dd.depth_write = w != 0;
        bool ok = stencil_face(desc + OFF(DSS1, front), fe != 0, &dd.front) &&
                  stencil_face(desc + OFF(DSS1, back), be_ != 0, &dd.back);
        if (!ok || dd.depth_compare > PROTO_MTL_COMPARE_MAX || w > 1 || fe > 1 || be_ > 1) {
            layout_bad(d, "depth-stencil fields", dd.depth_compare);
            return;
        }
    } else {
        fallback_once(d, 0x09);
    }
    if (d->ops->depth_stencil_create(d->be, &dd, &obj->handle) == LAGFX_OK)
        obj->usable = true;
}

/* TYPE tag of the one function of an MTLB container (air.md §2.1-§2.2), or -1. */
static int
mtlb_function_type(const uint8_t *c, uint64_t len)
{
    struct mem_reader r;
    mem_reader_init(&r, c, len);
    uint64_t list = proto_rd_u64(&r, 0x18);
    if (!ut_range_ok(list, 8, len) || proto_rd_u32(&r, list) != 1)
        return -1;
    uint64_t group = proto_rd_u32(&r, list + 4);
    if (group < 4 || !ut_range_ok(list + 4, group, len))
        return -1;
    uint64_t pos = list + 8, end = list + 4 + group;
    int type = -1;
    while (pos + 4 <= end) { /* each step advances ≥ 6 bytes or stops: bounded by group */
        uint32_t tag = proto_rd_u32(&r, pos);
        if (tag == FOURCC('E', 'N', 'D', 'T'))
            return type;
        if (pos + 6 > end)
            return -1;
        uint64_t plen = proto_rd_u16(&r, pos + 4);
        if (pos + 6 + plen > end)
            return -1;
        if (tag == FOURCC('T', 'Y', 'P', 'E') && plen >= 1)
            type = proto_rd_u8(&r, pos + 6);
        pos += 6 + plen;
    }
    return -1; /* no ENDT */
}

static void
make_function(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc)
{
    obj->kind = PROTO_OBJ_FUNCTION;
    struct mem_reader r;
    mem_reader_init(&r, desc, 16);
    uint64_t va = GET(&r, Function, mtlb);
    uint8_t hdr[MTLB_HEADER];
    if (!proto_read_va(d, va, hdr, sizeof(hdr))) {
        layout_bad(d, "function container unmapped", va);
        return;
    }
    struct mem_reader h;
    mem_reader_init(&h, hdr, sizeof(hdr));
    uint64_t total = proto_rd_u64(&h, 0x10);
    if (proto_rd_u32(&h, 0) != MTLB_MAGIC || total < MTLB_HEADER + 4 ||
        total > PROTO_MAX_MTLB_LEN) {
        layout_bad(d, "function container", total);
        return;
    }
    uint8_t *c = ut_malloc((size_t)total);
    if (!c)
        return;
    if (!proto_read_va(d, va, c, (size_t)total)) {
        layout_bad(d, "function container unmapped", va);
        ut_free(c);
        return;
    }
    int type = mtlb_function_type(c, total);
    if (type < 0 || type > 2) {
        layout_bad(d, "function count or TYPE", (uint64_t)(int64_t)type);
        ut_free(c);
        return;
    }
    struct be_function_desc fd = { .stage = (uint32_t)type, .mtlb = c, .len = (size_t)total };
    if (d->ops->function_create(d->be, &fd, &obj->handle) == LAGFX_OK) {
        obj->u.fn.stage = (uint32_t)type;
        obj->usable = true;
    }
    ut_free(c);
}

static struct proto_obj *
function_of(struct proto_dec *d, uint32_t ref, uint32_t stage)
{
    struct proto_obj *f = proto_obj_resolve(d, ref);
    if (!f || f->kind != PROTO_OBJ_FUNCTION || !f->usable || f->u.fn.stage != stage)
        return NULL;
    return f;
}

static bool
color_target_ok(const struct be_color_target *c)
{
    if (c->pixel_format && !proto_pixel_format(c->pixel_format))
        return false;
    return c->write_mask <= 0xF && c->rgb_op <= PROTO_MTL_BLEND_OP_MAX &&
           c->alpha_op <= PROTO_MTL_BLEND_OP_MAX && c->src_rgb <= PROTO_MTL_BLEND_FACTOR_MAX &&
           c->dst_rgb <= PROTO_MTL_BLEND_FACTOR_MAX && c->src_alpha <= PROTO_MTL_BLEND_FACTOR_MAX &&
           c->dst_alpha <= PROTO_MTL_BLEND_FACTOR_MAX;
}

static void
finish_render_pipeline(struct proto_dec *d,
                       struct proto_obj *obj,
                       struct be_render_pipeline_desc *pd,
                       struct proto_obj *vf,
                       struct proto_obj *ff)
{
    pd->vertex_function = vf->handle;
    pd->fragment_function = ff ? ff->handle : BE_NULL_HANDLE;
    obj->dep[0] = pd->vertex_function;
    obj->dep[1] = pd->fragment_function;
    if (d->ops->render_pipeline_create(d->be, pd, &obj->handle) != LAGFX_OK)
        return;
    for (uint32_t k = 0; k < BE_MAX_COLOR_ATTACHMENTS; k++)
        obj->u.rp.color_format[k] = k < pd->color_count ? pd->color[k].pixel_format : 0;
    obj->u.rp.depth_format = pd->depth_format;
    obj->u.rp.stencil_format = pd->stencil_format;
    obj->u.rp.samples = pd->sample_count;
    obj->usable = true;
}

static void
make_rps1(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc, uint32_t size)
{
    struct mem_reader r;
    mem_reader_init(&r, desc, size);
    obj->kind = PROTO_OBJ_RENDER_PIPELINE;
    struct be_render_pipeline_desc *pd = ut_calloc(1, sizeof(*pd));
    if (!pd)
        return;
    pd->depth_format = GET(&r, RPS1, depthFormat);
    pd->stencil_format = GET(&r, RPS1, stencilFormat);
    pd->sample_count = GET(&r, RPS1, rasterSampleCount);
    pd->topology_class = GET(&r, RPS1, inputPrimitiveTopology);
    uint8_t a2c = GET(&r, RPS1, alphaToCoverage), a2o = GET(&r, RPS1, alphaToOne),
            ras = GET(&r, RPS1, rasterizationEnabled);
    pd->alpha_to_coverage = a2c != 0;
    pd->alpha_to_one = a2o != 0;
    pd->rasterization = ras != 0;
    pd->color_count = GET(&r, RPS1, colorCount);
    pd->attribute_count = GET(&r, RPS1, attributeCount);
    pd->layout_count = GET(&r, RPS1, layoutCount);
    bool ok = pd->color_count <= BE_MAX_COLOR_ATTACHMENTS &&
              pd->attribute_count <= BE_MAX_VERTEX_ATTRIBUTES &&
              pd->layout_count <= BE_MAX_VERTEX_ATTRIBUTES &&
              size >= 0xB0 + 12 * (pd->attribute_count + pd->layout_count) &&
              (pd->sample_count == 1 || pd->sample_count == 2 || pd->sample_count == 4) &&
              pd->topology_class <= PROTO_MTL_TOPOLOGY_MAX && a2c <= 1 && a2o <= 1 && ras <= 1;
    const struct proto_pixel_format *df = proto_pixel_format(pd->depth_format);
    const struct proto_pixel_format *sf = proto_pixel_format(pd->stencil_format);
    ok = ok && (!pd->depth_format || (df && df->depth)) &&
         (!pd->stencil_format || (sf && sf->stencil));
    for (uint32_t k = 0; ok && k < pd->color_count; k++) {
        struct mem_reader c = r;
        c.p += OFF(RPS1, color0) + 16 * k;
        c.size = 16;
        struct be_color_target *t = &pd->color[k];
        t->pixel_format = GET(&c, RPS1Color, pixelFormat);
        uint8_t blend = GET(&c, RPS1Color, blendingEnabled);
        t->blending = blend != 0;
        t->write_mask = GET(&c, RPS1Color, writeMask);
        t->rgb_op = GET(&c, RPS1Color, rgbBlendOperation);
        t->alpha_op = GET(&c, RPS1Color, alphaBlendOperation);
        t->src_rgb = GET(&c, RPS1Color, sourceRGBBlendFactor);
        t->dst_rgb = GET(&c, RPS1Color, destinationRGBBlendFactor);
        t->src_alpha = GET(&c, RPS1Color, sourceAlphaBlendFactor);
        t->dst_alpha = GET(&c, RPS1Color, destinationAlphaBlendFactor);
        ok = blend <= 1 && color_target_ok(t);
    }
    for (uint32_t a = 0; ok && a < pd->attribute_count; a++) {
        struct mem_reader c = r;
        c.p += OFF(RPS1, attribute0) + 12 * a;
        c.size = 12;
        struct be_vertex_attribute *v = &pd->attributes[a];
        v->index = GET(&c, RPS1Attr, index);
        v->buffer = GET(&c, RPS1Attr, buffer);
        v->format = GET(&c, RPS1Attr, format);
        v->offset = GET(&c, RPS1Attr, offset);
        ok = v->index < 31 && v->buffer < 31 && proto_vertex_format_size(v->format);
    }
    for (uint32_t j = 0; ok && j < pd->layout_count; j++) {
        struct mem_reader c = r;
        c.p += OFF(RPS1, attribute0) + 12 * (pd->attribute_count + j);
        c.size = 12;
        struct be_vertex_layout *l = &pd->layouts[j];
        l->buffer = GET(&c, RPS1Layout, buffer);
        l->step_function = GET(&c, RPS1Layout, stepFunction);
        l->stride = GET(&c, RPS1Layout, stride);
        l->step_rate = GET(&c, RPS1Layout, stepRate);
        ok = l->buffer < 31 && l->step_function <= PROTO_MTL_STEP_MAX;
    }
    struct proto_obj *vf = ok ? function_of(d, GET(&r, RPS1, vertexFunction), 0) : NULL;
    uint32_t fref = GET(&r, RPS1, fragmentFunction);
    struct proto_obj *ff = ok && fref ? function_of(d, fref, 1) : NULL;
    if (!ok || !vf || (fref && !ff))
        layout_bad(d, "render pipeline fields or functions", pd->color_count);
    else
        finish_render_pipeline(d, obj, pd, vf, ff);
    ut_free(pd);
}

/* §13.12 real-guest fallback: token-scan for the functions and vertex stride. */
static void
make_render_fallback(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc, size_t len)
{
    obj->kind = PROTO_OBJ_RENDER_PIPELINE;
    fallback_once(d, 0x07);
    uint32_t fn[2] = { 0, 0 };
    uint32_t found = 0, stride = 0;
    bool have_stride = false;
    for (size_t i = 0; i + 1 < len; i++) {
        if (desc[i] != 0x04)
            continue;
        if (found < 2 && slot_type_of(d, desc[i + 1]) == 0x06)
            fn[found++] = desc[i + 1];
        if (!have_stride && i + 5 < len && desc[i + 5] == 0x02) {
            stride = mem_le32(desc + i + 1);
            have_stride = true;
        }
    }
    struct proto_obj *vf = found >= 1 ? function_of(d, fn[0], 0) : NULL;
    struct proto_obj *ff = found >= 2 ? function_of(d, fn[1], 1) : NULL;
    if (!vf) {
        layout_bad(d, "fallback pipeline without a vertex function", found);
        return;
    }
    struct be_render_pipeline_desc *pd = ut_calloc(1, sizeof(*pd));
    if (!pd)
        return;
    pd->sample_count = 1;
    pd->rasterization = true;
    pd->color_count = 1;
    pd->color[0] = (struct be_color_target){ .pixel_format = 80,
                                             .blending = true,
                                             .write_mask = 0xF,
                                             .src_rgb = 1,
                                             .dst_rgb = 5,
                                             .src_alpha = 1,
                                             .dst_alpha = 5 };
    if (have_stride) {
        pd->layout_count = 1;
        pd->layouts[0] = (struct be_vertex_layout){
            .buffer = 0, .step_function = 1, .stride = stride, .step_rate = 1
        };
    }
    finish_render_pipeline(d, obj, pd, vf, ff);
    ut_free(pd);
}

static void
make_cps1(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc)
{
    struct mem_reader r;
    mem_reader_init(&r, desc, 32);
    obj->kind = PROTO_OBJ_COMPUTE_PIPELINE;
    struct proto_obj *f = function_of(d, GET(&r, CPS1, function), 2);
    uint32_t max = GET(&r, CPS1, maxTotalThreadsPerThreadgroup);
    uint8_t mult = GET(&r, CPS1, threadGroupSizeIsMultipleOfThreadExecutionWidth);
    if (!f || max > PROTO_MAX_GROUP_THREADS || mult > 1) {
        layout_bad(d, "compute pipeline", max);
        return;
    }
    struct be_compute_pipeline_desc cd = { .function = f->handle,
                                           .max_threads = max ? max : PROTO_MAX_GROUP_THREADS,
                                           .group_size_multiple_of_width = mult != 0 };
    obj->dep[0] = f->handle;
    if (d->ops->compute_pipeline_create(d->be, &cd, &obj->handle) == LAGFX_OK) {
        obj->u.cp.max_threads = cd.max_threads;
        obj->usable = true;
    }
}

/* ---- identity and resolution ---- */

/* Descriptor bytes for a slot type: what is read and compared (§13.2 caching). For
 * pipelines the length comes from the descriptor itself. */
static size_t
desc_len(uint8_t type)
{
    switch (type) {
    case 0x01:
    case 0x04:
        return 64;
    case 0x02:
    case 0x03:
    case 0x0C:
        return 0x80;
    case 0x05:
        return 0x40;
    case 0x06:
        return 8; /* +8 is reserved and ignored (§13.11) */
    default:
        return 32;
    }
}

/* Reads a descriptor of up to `want` bytes, accepting a shorter read that ends at a page
 * boundary for the fallback formats; returns the bytes read (0 = nothing translated). */
static size_t
read_desc(struct proto_dec *d, uint64_t va, uint8_t *buf, size_t want, size_t need)
{
    if (proto_read_va(d, va, buf, want))
        return want;
    size_t to_page = 4096 - (size_t)(va & 4095);
    if (to_page >= need && to_page < want && proto_read_va(d, va, buf, to_page)) {
        memset(buf + to_page, 0, want - to_page);
        return want;
    }
    return 0;
}

static struct proto_obj *
obj_slot(struct proto_dec *d, uint32_t ref)
{
    struct proto_objects *o = d->objs;
    struct proto_obj **page = &o->pages[ref >> OBJ_PAGE_SHIFT];
    if (!*page) {
        *page = ut_calloc_array(OBJ_PAGE, sizeof(struct proto_obj));
        if (!*page)
            return NULL;
    }
    return &(*page)[ref & (OBJ_PAGE - 1)];
}

static uint8_t
slot_type_of(struct proto_dec *d, uint32_t ref)
{
    struct proto_obj *obj = proto_obj_resolve(d, ref);
    return obj ? obj->slot_type : 0;
}

static bool
deps_current(struct proto_dec *d, struct proto_obj *obj, const uint8_t *desc, size_t len)
{
    /* A view or pipeline built from objects since recreated must be rebuilt too. */
    struct mem_reader r;
    mem_reader_init(&r, desc, len);
    if (obj->view) {
        struct proto_obj *p = NULL;
        if (GET(&r, VIW1, magic) == PROTO_MAGIC_VIW1)
            p = proto_obj_resolve(d, GET(&r, VIW1, parent));
        return !obj->usable || !p || p->handle == obj->dep[0];
    }
    if (obj->kind == PROTO_OBJ_RENDER_PIPELINE && GET(&r, RPS1, magic) == PROTO_MAGIC_RPS1) {
        struct proto_obj *v = proto_obj_resolve(d, GET(&r, RPS1, vertexFunction));
        uint32_t fref = GET(&r, RPS1, fragmentFunction);
        struct proto_obj *f = fref ? proto_obj_resolve(d, fref) : NULL;
        return (v ? v->handle : 0) == obj->dep[0] && (f ? f->handle : 0) == obj->dep[1];
    }
    if (obj->kind == PROTO_OBJ_COMPUTE_PIPELINE) {
        struct proto_obj *f = proto_obj_resolve(d, GET(&r, CPS1, function));
        return (f ? f->handle : 0) == obj->dep[0];
    }
    return true;
}

/* §13.6: the GPU reads guest memory as it is when the ExecIndirect is decoded, so a buffer's
 * host copy is refreshed on its first use in one (creation already read it). Not while a
 * write-back of it is in flight: then the guest's bytes are older than the host copy (the
 * guest cannot have written the buffer meaningfully before that stamp). */
static void
buffer_first_use(struct proto_dec *d, struct proto_obj *obj)
{
    if (d->nused == d->cap_used) {
        uint32_t cap = d->cap_used ? d->cap_used * 2 : 16;
        struct proto_obj **n = ut_realloc_array(d->used, cap, sizeof(*n));
        if (!n)
            return; /* not written back: logged by the allocator, counted as host trouble */
        d->used = n;
        d->cap_used = cap;
    }
    d->used[d->nused++] = obj;
    if (obj->refresh_epoch != d->objs->epoch && atomic_load(&obj->coh->pending) == 0)
        proto_obj_refresh(d, obj);
}

struct proto_obj *
proto_obj_resolve(struct proto_dec *d, uint32_t ref)
{
    struct proto_objects *o = d->objs;
    if (ref == 0 || ref >= o->slot_count)
        return NULL;
    struct proto_obj *obj = obj_slot(d, ref);
    if (!obj)
        return NULL;
    if (obj->epoch == o->epoch) /* the fast path: resolved earlier in this outer command */
        return obj->slot_type ? obj : NULL;
    if (d->resolve_depth >= MAX_RESOLVE_DEPTH)
        return NULL;
    obj->epoch = o->epoch;
    uint8_t slot[SLOT_SIZE];
    if (!proto_read_va(d, o->slot_base + (uint64_t)ref * SLOT_SIZE, slot, sizeof(slot))) {
        obj->slot_type = 0; /* unresolved this command; the host object stays */
        return NULL;
    }
    struct mem_reader sr;
    mem_reader_init(&sr, slot, sizeof(slot));
    uint8_t type = GET(&sr, Slot, type);
    uint64_t va = GET(&sr, Slot, descriptor);
    if (type == 0)
        return NULL;

    uint8_t raw[0x80], small[0x80];
    uint8_t *desc = small;
    size_t len = desc_len(type);
    bool rps1 = false;
    if (!read_desc(d, va, raw, len < 32 ? 32 : len, len < 8 ? len : 8)) {
        obj->slot_type = 0;
        return NULL;
    }
    memcpy(small, raw, sizeof(small));
    uint32_t magic = mem_le32(raw);
    bool placed = type == 0x01 || type == 0x04 || type == 0x02 || type == 0x03 || type == 0x0C;
    if (magic == PROTO_MAGIC_SMP1 || magic == PROTO_MAGIC_DSS1) {
        len = 32; /* §13.4: the magic decides whatever the type byte */
        placed = false;
    } else if (type == 0x07) {
        size_t plen = PIPELINE_FALLBACK_LEN;
        if (magic == PROTO_MAGIC_RPS1) {
            uint32_t sz = mem_le32(raw + 4);
            plen = sz >= 0xB0 && sz <= PROTO_MAX_PIPELINE_DESC ? sz : 0;
            rps1 = true;
        } else if (magic == PROTO_MAGIC_CPS1) {
            plen = 32;
        }
        if (plen > sizeof(small)) {
            desc = ut_malloc(plen);
            if (!desc) {
                obj->slot_type = 0;
                return NULL;
            }
            if (!read_desc(d, va, desc, plen, rps1 ? plen : 0x3C)) {
                ut_free(desc);
                obj->slot_type = 0;
                return NULL;
            }
        }
        len = plen;
    }
    struct proto_placement pl = { 0 };
    if (placed) {
        placement_parse(raw, &pl);
        placement_strip(small); /* identity ignores page numbers (§13.2) */
    }

    /* Same slot type, descriptor VA and identity bytes (and dependencies): keep it. */
    d->resolve_depth++;
    bool same = obj->slot_type == type && obj->desc_va == va && obj->ident_len == len &&
                obj->ident && memcmp(obj->ident, desc, len) == 0 && deps_current(d, obj, desc, len);
    if (!same) {
        const uint8_t *cdesc = placed ? raw : desc;
        obj_release(d->be, obj);
        obj->epoch = o->epoch;
        obj->slot_type = type;
        obj->desc_va = va;
        obj->ident = ut_malloc(len ? len : 1);
        if (obj->ident) {
            memcpy(obj->ident, desc, len);
            obj->ident_len = (uint32_t)len;
        }
        if (magic == PROTO_MAGIC_SMP1)
            make_sampler(d, obj, cdesc);
        else if (magic == PROTO_MAGIC_DSS1)
            make_depth_stencil(d, obj, cdesc);
        else {
            switch (type) {
            case 0x01:
            case 0x04:
                make_buffer(d, obj, cdesc);
                break;
            case 0x02:
            case 0x03:
            case 0x0C:
                make_texture(d, obj, cdesc, type);
                break;
            case 0x05:
                make_view(d, obj, cdesc);
                break;
            case 0x06:
                make_function(d, obj, cdesc);
                break;
            case 0x07:
                if (rps1 && len)
                    make_rps1(d, obj, cdesc, (uint32_t)len);
                else if (magic == PROTO_MAGIC_CPS1)
                    make_cps1(d, obj, cdesc);
                else if (rps1)
                    layout_bad(d, "RPS1 size", mem_le32(cdesc + 4));
                else
                    make_render_fallback(d, obj, cdesc, len);
                break;
            case 0x08:
                make_sampler(d, obj, cdesc);
                break;
            case 0x09:
                make_depth_stencil(d, obj, cdesc);
                break;
            default:
                obj->kind = PROTO_OBJ_OTHER; /* fences, heaps, ...: residency and ordering */
                obj->usable = true;
                break;
            }
        }
    }
    obj->place = pl; /* pages may move while the identity stays (§13.5) */
    d->resolve_depth--;
    if (d->coherent && obj->kind == PROTO_OBJ_BUFFER && obj->usable)
        buffer_first_use(d, obj);
    if (desc != small)
        ut_free(desc);
    return obj;
}

struct proto_obj *
proto_obj_reject(struct proto_dec *d, uint32_t ref, const struct proto_obj *obj)
{
    ut_guest_error_once(d->errs, UT_GERR_REF, UT_NS_INNER, d->op & 0x1FF,
                        "task=%u op=0x%x ref=0x%x: %s", d->task->id, d->op, ref,
                        !obj           ? "unresolved"
                        : !obj->usable ? "object unusable"
                                       : "wrong type");
    return NULL;
}

void
proto_obj_refresh(struct proto_dec *d, struct proto_obj *obj)
{
    if (!obj->usable || !obj->handle)
        return;
    if (obj->kind == PROTO_OBJ_BUFFER) {
        if (obj->refresh_epoch == d->objs->epoch)
            return; /* already read from guest memory in this outer command */
        obj->refresh_epoch = d->objs->epoch;
    }
    struct backing_ctx bk;
    backing_init(&bk, d, &obj->place);
    d->ops->refresh(d->be, obj->handle, &bk.b);
}

/* ---- write-back targets (be_writeback) ---- */

/* A run of object bytes contiguous in guest-physical memory. */
struct wb_run {
    uint64_t off, gpa, len;
};

struct wb_target {
    struct be_writeback wb;
    bool (*phys_write)(void *phys, uint64_t gpa, const void *src, size_t len);
    void *phys;
    struct proto_coh *coh; /* buffers: a reference; pending counted */
    bool holes;            /* some page did not translate */
    uint32_t nruns, cap;
    struct wb_run *runs;
};

/* Completion thread: only the runs resolved at record time and mem_guest_write are touched. */
static bool
wb_write(struct be_writeback *wb, uint64_t off, const void *src, size_t len)
{
    struct wb_target *t = (struct wb_target *)wb;
    if (off < wb->offset || !ut_range_ok(off - wb->offset, len, wb->length))
        return false;
    /* First run ending after off (runs are sorted by offset). */
    uint32_t lo = 0, hi = t->nruns;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->runs[mid].off + t->runs[mid].len <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    const uint8_t *p = src;
    uint64_t pos = off, end = off + len;
    bool ok = true;
    for (uint32_t i = lo; i < t->nruns && pos < end; i++) {
        const struct wb_run *r = &t->runs[i];
        if (r->off >= end)
            break;
        if (r->off > pos) {
            ok = false; /* an untranslated page: skipped (§13.5) */
            pos = r->off;
        }
        uint64_t n = UT_MIN(end, r->off + r->len) - pos;
        ok &= t->phys_write(t->phys, r->gpa + (pos - r->off), p + (pos - off), (size_t)n);
        pos += n;
    }
    return ok && pos == end;
}

static void
wb_release(struct be_writeback *wb)
{
    struct wb_target *t = (struct wb_target *)wb;
    if (t->coh) {
        atomic_fetch_sub_explicit(&t->coh->pending, 1, memory_order_release);
        coh_unref(t->coh);
    }
    ut_free(t->runs);
    ut_free(t);
}

static bool
wb_add(struct wb_target *t, uint64_t off, uint64_t gpa, uint64_t len)
{
    if (t->nruns) {
        struct wb_run *last = &t->runs[t->nruns - 1];
        if (last->off + last->len == off && last->gpa + last->len == gpa) {
            last->len += len;
            return true;
        }
    }
    if (t->nruns == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 8;
        struct wb_run *n = ut_realloc_array(t->runs, cap, sizeof(*n));
        if (!n)
            return false;
        t->runs = n;
        t->cap = cap;
    }
    t->runs[t->nruns++] = (struct wb_run){ off, gpa, len };
    return true;
}

/* Resolves object bytes [off, off + len) of placement pl to guest-physical runs, page by page
 * through this outer command's translation. NULL when out of memory. */
static struct be_writeback *
wb_new(struct proto_dec *d, const struct placement *pl, uint64_t off, uint64_t len)
{
    const struct proto_guest_io *io = &d->env->io;
    struct wb_target *t = ut_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    *t = (struct wb_target){ .wb = { wb_write, wb_release, off, len },
                             .phys_write = io->phys_write,
                             .phys = io->phys };
    bool can = io->translate && io->phys_write;
    uint64_t base = 0, end = off + len;
    for (uint32_t i = 0; i < pl->count && off < end; i++) {
        uint64_t stop = base + pl->size[i];
        while (off < stop && off < end) {
            uint64_t va = ((uint64_t)pl->vpn[i] << 12) + (off - base);
            uint64_t n = UT_MIN(4096 - (va & 4095), UT_MIN(stop, end) - off);
            uint64_t gpa;
            if (can && io->translate(io->user, va, &gpa)) {
                if (!wb_add(t, off, gpa, n)) {
                    wb_release(&t->wb);
                    return NULL;
                }
            } else {
                t->holes = true; /* never written back (§13.5, DR3) */
            }
            off += n;
        }
        base = stop;
    }
    if (t->holes && can)
        ut_guest_error_once(d->errs, UT_GERR_REF, UT_NS_INNER, d->op & 0x1FF,
                            "task=%u op=0x%x: write-back target has untranslated pages, skipped",
                            d->task->id, d->op);
    return &t->wb;
}

void
proto_obj_write_back(struct proto_dec *d,
                     struct proto_obj *obj,
                     bool whole,
                     uint32_t slice,
                     uint32_t level)
{
    if (!obj || !obj->usable || obj->kind != PROTO_OBJ_TEXTURE || !obj->handle ||
        obj->u.tex.iosurface || !obj->u.tex.linear)
        return; /* no guest image: nothing to write (§13.7) */
    const struct proto_obj *owner = obj;
    if (obj->view) {
        owner = proto_obj_get(d, obj->view_parent);
        if (!owner || owner->handle != obj->dep[0])
            return;
    }
    struct be_writeback *wb = wb_new(d, &owner->place, 0, obj->u.tex.linear);
    if (!wb) {
        UT_ERROR(d->env->dev, "object", "task=%u: out of memory, write-back dropped", d->task->id);
        return;
    }
    d->ops->write_back(d->be, obj->handle, whole, slice, level, wb);
}

void
proto_buffers_write_back(struct proto_dec *d)
{
    for (uint32_t i = 0; i < d->nused; i++) {
        struct proto_obj *obj = d->used[i];
        uint64_t off = 0, len = 0;
        if (!obj->usable || !obj->handle || !d->ops->buffer_written(d->be, obj->handle, &off, &len))
            continue;
        uint64_t length = obj->u.buf.length;
        if (off >= length || len == 0)
            continue;
        len = UT_MIN(len, length - off);
        struct be_writeback *wb = wb_new(d, &obj->place, off, len);
        if (!wb) {
            UT_ERROR(d->env->dev, "object", "task=%u: out of memory, write-back dropped",
                     d->task->id);
            continue;
        }
        struct wb_target *t = (struct wb_target *)wb;
        t->coh = obj->coh;
        atomic_fetch_add_explicit(&obj->coh->refs, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&obj->coh->pending, 1, memory_order_relaxed);
        d->ops->write_back(d->be, obj->handle, true, 0, 0, wb);
    }
}
