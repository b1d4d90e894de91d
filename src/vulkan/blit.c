/* SPDX-License-Identifier: MIT */
/*
 * Blit encoder ops (protocol.md §11.4): buffer and texture copies, buffer and texture fills,
 * mipmap generation. Each op starts with a full barrier after previous work (vkb_op_begin) and
 * takes batch references on what it touches. Ranges were checked by protocol; what Vulkan
 * cannot express (unaligned texel offsets in buffer copies) is skipped with a warning.
 * Worker thread.
 */
#include <math.h>
#include <string.h>

#include "util/alloc.h"
#include "util/checked.h"
#include "util/log.h"
#include "vulkan/vkb_internal.h"

#define LOGDEV(b) ((b)->cfg.log_dev)

static void
copy_buffer(struct be *be,
            be_handle_t src,
            uint64_t so,
            be_handle_t dst,
            uint64_t dof,
            uint64_t size)
{
    struct vkb *b = vkb_from(be);
    struct vkb_buffer *s = vkb_cast(src, VKB_KIND_BUFFER), *d = vkb_cast(dst, VKB_KIND_BUFFER);
    if (!s || !d || !size || !ut_range_ok(so, size, s->length) ||
        !ut_range_ok(dof, size, d->length))
        return;
    VkCommandBuffer cb = vkb_op_begin(b);
    if (!cb)
        return;
    vkb_retain(b, s);
    vkb_retain(b, d);
    vkb_buffer_mark_written(b, d, dof, size);
    VkBufferCopy c = { so, dof, size };
    vkCmdCopyBuffer(cb, s->buf, d->buf, 1, &c);
}

static VkImageAspectFlags
copy_aspect(const struct vkb_image *img, uint32_t options)
{
    if (img->aspect == (VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT))
        return (options & 0x2) ? VK_IMAGE_ASPECT_STENCIL_BIT : VK_IMAGE_ASPECT_DEPTH_BIT;
    return img->aspect;
}

static void
buffer_texture(struct be *be, const struct be_buffer_texture_copy *c, bool to_texture)
{
    struct vkb *b = vkb_from(be);
    struct vkb_buffer *buf = vkb_cast(c->buffer, VKB_KIND_BUFFER);
    struct vkb_texture *t = vkb_cast(c->texture, VKB_KIND_TEXTURE);
    if (!buf || !t)
        return;
    struct vkb_image *img = t->image;
    const struct vkb_format *f = vkb_format_lookup(img->mtl_format);
    uint32_t texel = f ? f->bpp : 4;
    if (img->aspect != VK_IMAGE_ASPECT_COLOR_BIT)
        texel = copy_aspect(img, c->options) == VK_IMAGE_ASPECT_STENCIL_BIT ? 1
                : img->format == VK_FORMAT_D16_UNORM                        ? 2
                                                                            : 4;
    uint32_t level = t->base_level + c->level, slice = t->base_layer + c->slice;
    if (level >= img->levels || slice >= img->layers || !c->size[0] || !c->size[1])
        return;
    if (c->buffer_offset % texel || c->buffer_offset % 4 || (c->bytes_per_row % texel)) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN,
                "buffer-texture copy: offset %llu or pitch %llu not "
                "texel aligned; skipped",
                (unsigned long long)c->buffer_offset, (unsigned long long)c->bytes_per_row);
        return;
    }
    uint32_t layers = 1, depth = 1;
    if (img->type == 3 && c->size[2] > 1) /* 2D array: z counts slices from `slice` */
        layers = UT_MIN(c->size[2], img->layers - slice);
    uint64_t rows = c->bytes_per_row ? c->bytes_per_image / c->bytes_per_row : 0;
    VkBufferImageCopy r = {
        .bufferOffset = c->buffer_offset,
        .bufferRowLength = (uint32_t)(c->bytes_per_row / texel),
        .bufferImageHeight = (uint32_t)(rows >= c->size[1] ? rows : 0),
        .imageSubresource = { copy_aspect(img, c->options), level, slice, layers },
        .imageOffset = { (int32_t)c->origin[0], (int32_t)c->origin[1], 0 },
        .imageExtent = { c->size[0], c->size[1], depth },
    };
    uint32_t lw = UT_MAX(1u, img->width >> level), lh = UT_MAX(1u, img->height >> level);
    if (!ut_range_ok(c->origin[0], c->size[0], lw) || !ut_range_ok(c->origin[1], c->size[1], lh))
        return;
    VkCommandBuffer cb = vkb_op_begin(b);
    if (!cb)
        return;
    vkb_retain(b, buf);
    vkb_retain(b, t);
    if (to_texture) {
        vkCmdCopyBufferToImage(cb, buf->buf, img->img, VK_IMAGE_LAYOUT_GENERAL, 1, &r);
    } else {
        /* Rows of bufferRowLength (or the width) texels, images of bufferImageHeight rows. */
        uint64_t pitch = (uint64_t)(r.bufferRowLength ? r.bufferRowLength : c->size[0]) * texel;
        uint64_t height = r.bufferImageHeight ? r.bufferImageHeight : c->size[1];
        uint64_t span =
            pitch * height * (layers - 1) + pitch * (c->size[1] - 1) + (uint64_t)c->size[0] * texel;
        vkb_buffer_mark_written(b, buf, c->buffer_offset, span);
        vkCmdCopyImageToBuffer(cb, img->img, VK_IMAGE_LAYOUT_GENERAL, buf->buf, 1, &r);
    }
}

static void
copy_buffer_to_texture(struct be *be, const struct be_buffer_texture_copy *c)
{
    buffer_texture(be, c, true);
}

static void
copy_texture_to_buffer(struct be *be, const struct be_buffer_texture_copy *c)
{
    buffer_texture(be, c, false);
}

static void
copy_texture(struct be *be, const struct be_texture_copy *c)
{
    struct vkb *b = vkb_from(be);
    struct vkb_texture *s = vkb_cast(c->src, VKB_KIND_TEXTURE);
    struct vkb_texture *d = vkb_cast(c->dst, VKB_KIND_TEXTURE);
    if (!s || !d)
        return;
    struct vkb_image *si = s->image, *di = d->image;
    uint32_t nl = UT_MAX(1u, c->level_count), ns = UT_MAX(1u, c->slice_count);
    uint32_t sl = s->base_level + c->src_level, dl = d->base_level + c->dst_level;
    uint32_t ss = s->base_layer + c->src_slice, ds = d->base_layer + c->dst_slice;
    if (sl + nl > si->levels || dl + nl > di->levels || ss + ns > si->layers ||
        ds + ns > di->layers || si->samples != di->samples)
        return;
    VkImageCopy *r = ut_calloc_array(nl, sizeof(*r));
    if (!r)
        return;
    uint32_t n = 0;
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t sw = UT_MAX(1u, si->width >> (sl + i)), sh = UT_MAX(1u, si->height >> (sl + i));
        uint32_t dw = UT_MAX(1u, di->width >> (dl + i)), dh = UT_MAX(1u, di->height >> (dl + i));
        uint32_t w = c->whole_levels ? UT_MIN(sw, dw) : c->size[0];
        uint32_t h = c->whole_levels ? UT_MIN(sh, dh) : c->size[1];
        uint32_t sx = c->whole_levels ? 0 : c->src_origin[0],
                 sy = c->whole_levels ? 0 : c->src_origin[1];
        uint32_t dx = c->whole_levels ? 0 : c->dst_origin[0],
                 dy = c->whole_levels ? 0 : c->dst_origin[1];
        if (!w || !h || !ut_range_ok(sx, w, sw) || !ut_range_ok(sy, h, sh) ||
            !ut_range_ok(dx, w, dw) || !ut_range_ok(dy, h, dh))
            continue;
        r[n++] = (VkImageCopy){
            .srcSubresource = { si->aspect, sl + i, ss, ns },
            .srcOffset = { (int32_t)sx, (int32_t)sy, 0 },
            .dstSubresource = { di->aspect, dl + i, ds, ns },
            .dstOffset = { (int32_t)dx, (int32_t)dy, 0 },
            .extent = { w, h, 1 },
        };
    }
    VkCommandBuffer cb = n ? vkb_op_begin(b) : VK_NULL_HANDLE;
    if (cb) {
        vkb_retain(b, s);
        vkb_retain(b, d);
        vkCmdCopyImage(cb, si->img, VK_IMAGE_LAYOUT_GENERAL, di->img, VK_IMAGE_LAYOUT_GENERAL, n,
                       r);
    }
    ut_free(r);
}

static void
fill_buffer(struct be *be, be_handle_t h, uint64_t off, uint64_t len, uint32_t pattern)
{
    struct vkb *b = vkb_from(be);
    struct vkb_buffer *buf = vkb_cast(h, VKB_KIND_BUFFER);
    if (!buf || !len || !ut_range_ok(off, len, buf->length))
        return;
    VkCommandBuffer cb = vkb_op_begin(b);
    if (!cb)
        return;
    vkb_retain(b, buf);
    vkb_buffer_mark_written(b, buf, off, len);
    if (off % 4 == 0 && len % 4 == 0) {
        vkCmdFillBuffer(cb, buf->buf, off, len, pattern);
        return;
    }
    /* vkCmdFillBuffer needs 4-byte alignment; a copy from a patterned staging buffer does not.
     * Byte i of the fill is byte (i mod 4) of the pattern, as vkCmdFillBuffer does. */
    struct vkb_staging *s;
    if (vkb_staging_new(b, len, &s) != LAGFX_OK)
        return;
    for (uint64_t i = 0; i < len; i++)
        s->map[i] = (uint8_t)(pattern >> (8 * (i % 4)));
    vkb_retain(b, s);
    VkBufferCopy c = { 0, off, len };
    vkCmdCopyBuffer(cb, s->buf, buf->buf, 1, &c);
    vkb_obj_unref(b, &s->o);
}

static uint8_t
unorm8(double v)
{
    v = isnan(v) ? 0.0 : v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
    return (uint8_t)floor(v * 255.0 + 0.5);
}

static double
srgb_encode(double v)
{
    v = isnan(v) ? 0.0 : v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
    return v <= 0.0031308 ? v * 12.92 : 1.055 * pow(v, 1.0 / 2.4) - 0.055;
}

static uint16_t
half_bits(float f)
{
    /* Round-to-nearest-even float → binary16 (no FP16 C type in C11). */
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000, e = (x >> 23) & 0xFF, m = x & 0x7FFFFF;
    if (e == 0xFF)
        return (uint16_t)(sign | 0x7C00 | (m ? 0x200 : 0));
    int32_t ne = (int32_t)e - 127 + 15;
    if (ne >= 31)
        return (uint16_t)(sign | 0x7C00);
    if (ne <= 0) {
        if (ne < -10)
            return (uint16_t)sign;
        m |= 0x800000;
        uint32_t shift = (uint32_t)(14 - ne);
        uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1)))
            r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = ((uint32_t)ne << 10) | (m >> 13), rem = m & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (r & 1)))
        r++;
    return (uint16_t)(sign | r);
}

/* Packs a colour for a colour format; false when the format has no packing here. */
static bool
pack_color(uint32_t mtl, const double c[4], uint8_t out[16], uint32_t *bpp)
{
    switch (mtl) {
    case 70:
    case 71:
    case 80:
    case 81: {
        double r = c[0], g = c[1], bl = c[2];
        if (mtl == 71 || mtl == 81) {
            r = srgb_encode(r);
            g = srgb_encode(g);
            bl = srgb_encode(bl);
        }
        bool bgra = mtl >= 80;
        out[0] = unorm8(bgra ? bl : r);
        out[1] = unorm8(g);
        out[2] = unorm8(bgra ? r : bl);
        out[3] = unorm8(c[3]);
        *bpp = 4;
        return true;
    }
    case 10:
        out[0] = unorm8(c[0]);
        *bpp = 1;
        return true;
    case 30:
        out[0] = unorm8(c[0]);
        out[1] = unorm8(c[1]);
        *bpp = 2;
        return true;
    case 25:
    case 115: {
        uint32_t n = mtl == 25 ? 1 : 4;
        for (uint32_t i = 0; i < n; i++) {
            uint16_t h = half_bits((float)c[i]);
            memcpy(out + 2 * i, &h, 2);
        }
        *bpp = 2 * n;
        return true;
    }
    case 55:
    case 125: {
        uint32_t n = mtl == 55 ? 1 : 4;
        for (uint32_t i = 0; i < n; i++) {
            float f = (float)c[i];
            memcpy(out + 4 * i, &f, 4);
        }
        *bpp = 4 * n;
        return true;
    }
    case 90:
    case 94: {
        double ch[4];
        for (int i = 0; i < 4; i++)
            ch[i] = isnan(c[i]) ? 0.0 : c[i] < 0.0 ? 0.0 : c[i] > 1.0 ? 1.0 : c[i];
        uint32_t r = (uint32_t)floor(ch[0] * 1023 + 0.5), g = (uint32_t)floor(ch[1] * 1023 + 0.5);
        uint32_t bl = (uint32_t)floor(ch[2] * 1023 + 0.5), a = (uint32_t)floor(ch[3] * 3 + 0.5);
        uint32_t v =
            mtl == 90 ? (r | g << 10 | bl << 20 | a << 30) : (bl | g << 10 | r << 20 | a << 30);
        memcpy(out, &v, 4);
        *bpp = 4;
        return true;
    }
    default:
        return false;
    }
}

static void
fill_texture(struct be *be, const struct be_texture_fill *f)
{
    struct vkb *b = vkb_from(be);
    struct vkb_texture *t = vkb_cast(f->texture, VKB_KIND_TEXTURE);
    if (!t)
        return;
    struct vkb_image *img = t->image;
    uint32_t level = t->base_level + f->level, slice = t->base_layer + f->slice;
    if (level >= img->levels || slice >= img->layers)
        return;
    uint32_t lw = UT_MAX(1u, img->width >> level), lh = UT_MAX(1u, img->height >> level);
    if (!f->size[0] || !f->size[1] || !ut_range_ok(f->origin[0], f->size[0], lw) ||
        !ut_range_ok(f->origin[1], f->size[1], lh))
        return;
    bool full = f->origin[0] == 0 && f->origin[1] == 0 && f->size[0] == lw && f->size[1] == lh;
    VkImageSubresourceRange range = { img->aspect, level, 1, slice, 1 };
    if (img->aspect != VK_IMAGE_ASPECT_COLOR_BIT) {
        if (!full)
            return;
        VkCommandBuffer cb = vkb_op_begin(b);
        if (!cb)
            return;
        vkb_retain(b, t);
        VkClearDepthStencilValue v = { (float)f->color[0], (uint32_t)f->color[1] & 0xFF };
        vkCmdClearDepthStencilImage(cb, img->img, VK_IMAGE_LAYOUT_GENERAL, &v, 1, &range);
        return;
    }
    uint8_t px[16];
    uint32_t bpp = 0;
    bool packed = pack_color(img->mtl_format, f->color, px, &bpp) && bpp == img->bpp;
    if (full || !packed) {
        if (!full) {
            UT_WARN(LOGDEV(b), VKB_DOMAIN, "partial fill of format %u not supported",
                    img->mtl_format);
            return;
        }
        VkCommandBuffer cb = vkb_op_begin(b);
        if (!cb)
            return;
        vkb_retain(b, t);
        VkClearColorValue v;
        for (int i = 0; i < 4; i++)
            v.float32[i] = (float)f->color[i];
        vkCmdClearColorImage(cb, img->img, VK_IMAGE_LAYOUT_GENERAL, &v, 1, &range);
        return;
    }
    uint64_t size = (uint64_t)f->size[0] * f->size[1] * bpp;
    struct vkb_staging *s;
    VkCommandBuffer cb = vkb_op_begin(b);
    if (!cb || vkb_staging_new(b, size, &s) != LAGFX_OK)
        return;
    for (uint64_t i = 0; i < size; i += bpp)
        memcpy(s->map + i, px, bpp);
    vkb_retain(b, s);
    vkb_retain(b, t);
    VkBufferImageCopy r = {
        .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, level, slice, 1 },
        .imageOffset = { (int32_t)f->origin[0], (int32_t)f->origin[1], 0 },
        .imageExtent = { f->size[0], f->size[1], 1 },
    };
    vkCmdCopyBufferToImage(cb, s->buf, img->img, VK_IMAGE_LAYOUT_GENERAL, 1, &r);
    vkb_obj_unref(b, &s->o);
}

static void
generate_mipmaps(struct be *be, be_handle_t h)
{
    struct vkb *b = vkb_from(be);
    struct vkb_texture *t = vkb_cast(h, VKB_KIND_TEXTURE);
    if (!t || t->level_count < 2)
        return;
    struct vkb_image *img = t->image;
    VkFormatProperties fp;
    vkGetPhysicalDeviceFormatProperties(b->phys, img->format, &fp);
    VkFormatFeatureFlags need = VK_FORMAT_FEATURE_BLIT_SRC_BIT | VK_FORMAT_FEATURE_BLIT_DST_BIT |
                                VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT;
    if ((fp.optimalTilingFeatures & need) != need || img->samples != 1) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "mipmaps of format %u not supported", img->mtl_format);
        return;
    }
    VkCommandBuffer cb = vkb_op_begin(b);
    if (!cb)
        return;
    vkb_retain(b, t);
    for (uint32_t i = 1; i < t->level_count; i++) {
        uint32_t src = t->base_level + i - 1, dst = src + 1;
        VkImageBlit r = {
            .srcSubresource = { img->aspect, src, t->base_layer, t->layer_count },
            .srcOffsets = { { 0, 0, 0 },
                            { (int32_t)UT_MAX(1u, img->width >> src),
                              (int32_t)UT_MAX(1u, img->height >> src), 1 } },
            .dstSubresource = { img->aspect, dst, t->base_layer, t->layer_count },
            .dstOffsets = { { 0, 0, 0 },
                            { (int32_t)UT_MAX(1u, img->width >> dst),
                              (int32_t)UT_MAX(1u, img->height >> dst), 1 } },
        };
        vkCmdBlitImage(cb, img->img, VK_IMAGE_LAYOUT_GENERAL, img->img, VK_IMAGE_LAYOUT_GENERAL, 1,
                       &r, VK_FILTER_LINEAR);
        vkb_full_barrier(cb);
    }
}

void
vkb_blit_ops(struct be_ops *ops)
{
    ops->copy_buffer = copy_buffer;
    ops->copy_buffer_to_texture = copy_buffer_to_texture;
    ops->copy_texture_to_buffer = copy_texture_to_buffer;
    ops->copy_texture = copy_texture;
    ops->fill_buffer = fill_buffer;
    ops->fill_texture = fill_texture;
    ops->generate_mipmaps = generate_mipmaps;
}
