/* SPDX-License-Identifier: MIT */
/*
 * Buffers, images, textures, texture views, samplers and depth-stencil states. Buffers live in
 * host-visible coherent memory filled from the guest at creation (importing guest pages with
 * VK_EXT_external_memory_host is a later optimisation, docs/vulkan-notes.md). Images stay in
 * VK_IMAGE_LAYOUT_GENERAL for their whole life, so every use is ordered by memory barriers only.
 * Initial contents and refreshes go through staging buffers recorded in the batch's command
 * buffers. Also the dummies bound to empty slots and write-back staging. Worker thread, except
 * destruction (any thread dropping the last reference).
 */
#include <string.h>

#include "util/alloc.h"
#include "util/checked.h"
#include "util/log.h"
#include "vulkan/vkb_internal.h"

#define LOGDEV(b) ((b)->cfg.log_dev)

/* ---- buffers ---- */

lagfx_status_t
vkb_buffer_create(struct be *be, const struct be_buffer_desc *d, be_handle_t *out)
{
    struct vkb *b = vkb_from(be);
    struct vkb_buffer *buf = ut_calloc(1, sizeof(*buf));
    if (!buf)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    vkb_obj_init(&buf->o, VKB_KIND_BUFFER);
    lagfx_status_t st =
        vkb_buffer_alloc(b, d->length,
                         VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT |
                             VK_BUFFER_USAGE_VERTEX_BUFFER_BIT | VK_BUFFER_USAGE_INDEX_BUFFER_BIT |
                             VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT |
                             VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                         false, &buf->buf, &buf->mem, &buf->map);
    if (st != LAGFX_OK) {
        ut_free(buf);
        return st;
    }
    buf->length = d->length;
    if (d->backing && d->length)
        d->backing->read(d->backing, 0, buf->map, d->length); /* untranslated pages read 0 */
    else
        memset(buf->map, 0, d->length);
    *out = vkb_obj_publish(b, &buf->o);
    return LAGFX_OK;
}

void
vkb_destroy_buffer(struct vkb *b, struct vkb_buffer *buf)
{
    vkb_buffer_free(b, buf->buf, buf->mem);
    ut_free(buf);
}

void
vkb_buffer_mark_written(struct vkb *b, struct vkb_buffer *buf, uint64_t off, uint64_t len)
{
    if (!buf || buf == b->dummy_buffer || off >= buf->length || !len)
        return;
    uint64_t end = off + UT_MIN(len, buf->length - off);
    if (buf->dirty_gen != b->dirty_gen) {
        buf->dirty_gen = b->dirty_gen;
        buf->dirty_lo = off;
        buf->dirty_hi = end;
        return;
    }
    buf->dirty_lo = UT_MIN(buf->dirty_lo, off);
    buf->dirty_hi = UT_MAX(buf->dirty_hi, end);
}

bool
vkb_buffer_written(struct be *be, be_handle_t h, uint64_t *off, uint64_t *len)
{
    struct vkb *b = vkb_from(be);
    struct vkb_buffer *buf = vkb_cast(h, VKB_KIND_BUFFER);
    if (!buf || buf->dirty_gen != b->dirty_gen || buf->dirty_hi <= buf->dirty_lo)
        return false;
    *off = buf->dirty_lo;
    *len = buf->dirty_hi - buf->dirty_lo;
    return true;
}

/* ---- images ---- */

static void
image_barrier_init(VkCommandBuffer cb, const struct vkb_image *img)
{
    VkImageMemoryBarrier ib = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
        .srcAccessMask = 0,
        .dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_MEMORY_READ_BIT,
        .oldLayout = VK_IMAGE_LAYOUT_UNDEFINED,
        .newLayout = VK_IMAGE_LAYOUT_GENERAL,
        .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
        .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
        .image = img->img,
        .subresourceRange = { img->aspect, 0, VK_REMAINING_MIP_LEVELS, 0,
                              VK_REMAINING_ARRAY_LAYERS },
    };
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                         0, NULL, 0, NULL, 1, &ib);
}

lagfx_status_t
vkb_image_new(struct vkb *b,
              uint32_t type,
              uint32_t mtl_format,
              uint32_t width,
              uint32_t height,
              uint32_t levels,
              uint32_t layers,
              uint32_t samples,
              bool mutable_format,
              struct vkb_image **out)
{
    const struct vkb_format *f = vkb_format_lookup(mtl_format);
    if (!f)
        return LAGFX_ERROR_NOT_SUPPORTED;
    bool ds = f->depth || f->stencil;
    VkFormatFeatureFlags need = VK_FORMAT_FEATURE_TRANSFER_SRC_BIT |
                                VK_FORMAT_FEATURE_TRANSFER_DST_BIT |
                                (ds ? VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT : 0);
    VkFormat vf = vkb_format_pick(b, mtl_format, need);
    if (vf == VK_FORMAT_UNDEFINED) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "pixel format %u has no usable host format", mtl_format);
        return LAGFX_ERROR_NOT_SUPPORTED;
    }
    VkFormatProperties fp;
    vkGetPhysicalDeviceFormatProperties(b->phys, vf, &fp);
    VkFormatFeatureFlags feat = fp.optimalTilingFeatures;
    VkImageUsageFlags usage = VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
    if (feat & VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT)
        usage |= VK_IMAGE_USAGE_SAMPLED_BIT;
    if (feat & VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BIT)
        usage |= VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT;
    if (feat & VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT)
        usage |= VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT;
    if ((feat & VK_FORMAT_FEATURE_STORAGE_IMAGE_BIT) && samples == 1)
        usage |= VK_IMAGE_USAGE_STORAGE_BIT;
    VkImageCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
        /* Mutable: sRGB twins of IOSurfaces and PixelFormatView views (§13.7, §13.8). */
        .flags = (mutable_format && !ds) ? VK_IMAGE_CREATE_MUTABLE_FORMAT_BIT : 0,
        .imageType = type == 0 ? VK_IMAGE_TYPE_1D : VK_IMAGE_TYPE_2D,
        .format = vf,
        .extent = { width, height, 1 },
        .mipLevels = levels,
        .arrayLayers = layers,
        .samples = (VkSampleCountFlagBits)samples,
        .tiling = VK_IMAGE_TILING_OPTIMAL,
        .usage = usage,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
        .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
    };
    VkImageFormatProperties ip;
    if (vkGetPhysicalDeviceImageFormatProperties(b->phys, vf, ci.imageType, ci.tiling, usage,
                                                 ci.flags, &ip) != VK_SUCCESS ||
        !(ip.sampleCounts & ci.samples) || ip.maxArrayLayers < layers || ip.maxMipLevels < levels ||
        ip.maxExtent.width < width || ip.maxExtent.height < height) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN,
                "image %ux%u format %u levels %u layers %u samples %u "
                "not supported",
                width, height, mtl_format, levels, layers, samples);
        return LAGFX_ERROR_NOT_SUPPORTED;
    }
    struct vkb_image *img = ut_calloc(1, sizeof(*img));
    if (!img)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    vkb_obj_init(&img->o, VKB_KIND_IMAGE);
    img->format = vf;
    img->aspect = vkb_aspect(vf);
    img->mtl_format = mtl_format;
    img->type = type;
    img->width = width;
    img->height = height;
    img->levels = levels;
    img->layers = layers;
    img->samples = samples;
    img->bpp = ds ? 0 : f->bpp;
    lagfx_status_t st = vkb_check(b, vkCreateImage(b->dev, &ci, NULL, &img->img), "vkCreateImage");
    if (st != LAGFX_OK)
        goto err_free;
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(b->dev, img->img, &req);
    int32_t mt = vkb_memory_type(b, req.memoryTypeBits, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (mt < 0) {
        st = LAGFX_ERROR_NOT_SUPPORTED;
        goto err_image;
    }
    VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                .allocationSize = req.size,
                                .memoryTypeIndex = (uint32_t)mt };
    st = vkb_check(b, vkAllocateMemory(b->dev, &ai, NULL, &img->mem), "vkAllocateMemory");
    if (st != LAGFX_OK)
        goto err_image;
    st = vkb_check(b, vkBindImageMemory(b->dev, img->img, img->mem, 0), "vkBindImageMemory");
    if (st != LAGFX_OK)
        goto err_mem;
    VkCommandBuffer cb = vkb_upload_cb(b);
    if (!cb) {
        st = LAGFX_ERROR_OUT_OF_MEMORY;
        goto err_mem;
    }
    atomic_fetch_add(&b->live_objects, 2);
    vkb_retain(b, img);
    /* Zero-filled until the guest image (if any) is copied in after this. */
    image_barrier_init(cb, img);
    VkImageSubresourceRange all = { img->aspect, 0, VK_REMAINING_MIP_LEVELS, 0,
                                    VK_REMAINING_ARRAY_LAYERS };
    if (ds) {
        VkClearDepthStencilValue z = { 0.0f, 0 };
        vkCmdClearDepthStencilImage(cb, img->img, VK_IMAGE_LAYOUT_GENERAL, &z, 1, &all);
    } else {
        VkClearColorValue z = { { 0 } };
        vkCmdClearColorImage(cb, img->img, VK_IMAGE_LAYOUT_GENERAL, &z, 1, &all);
    }
    vkb_full_barrier(cb);
    *out = img;
    return LAGFX_OK;

err_mem:
    vkFreeMemory(b->dev, img->mem, NULL);
err_image:
    vkDestroyImage(b->dev, img->img, NULL);
err_free:
    ut_free(img);
    return st;
}

void
vkb_destroy_image(struct vkb *b, struct vkb_image *img)
{
    vkDestroyImage(b->dev, img->img, NULL);
    vkFreeMemory(b->dev, img->mem, NULL);
    atomic_fetch_sub(&b->live_objects, 2);
    ut_free(img);
}

/* Linear layout v1 (protocol.md §13.7): pitch of a level. Level 0 uses the guest's pitch. */
static uint64_t
level_pitch(const struct vkb_image *img, uint32_t bytes_per_row, uint32_t level)
{
    if (level == 0 && bytes_per_row)
        return bytes_per_row;
    uint64_t w = UT_MAX(1u, img->width >> level);
    return (w * img->bpp + 255) / 256 * 256;
}

uint32_t
vkb_linear_pitch(const struct vkb_image *img, uint32_t level)
{
    return (uint32_t)level_pitch(img, 0, level);
}

/* Appends one region per (level, slice) of the linear layout; returns the bytes spanned.
 * When a pitch is not a whole number of texels, the copy uses tight rows instead and the
 * caller repacks (*tight = true). */
static uint64_t
linear_regions(const struct vkb_image *img,
               uint32_t bpr,
               uint32_t base_level,
               uint32_t nlevels,
               uint32_t base_layer,
               uint32_t nlayers,
               VkBufferImageCopy *regions,
               bool *tight)
{
    uint64_t off = 0;
    uint32_t n = 0;
    *tight = false;
    for (uint32_t l = 0; l < base_level + nlevels; l++) {
        uint64_t pitch = level_pitch(img, bpr, l);
        uint32_t h = UT_MAX(1u, img->height >> l);
        uint32_t w = UT_MAX(1u, img->width >> l);
        if (pitch % img->bpp)
            *tight = true;
        for (uint32_t s = 0; s < img->layers; s++) {
            if (l >= base_level && s >= base_layer && s < base_layer + nlayers) {
                regions[n++] = (VkBufferImageCopy){
                    .bufferOffset = off,
                    .bufferRowLength = (uint32_t)(pitch / img->bpp),
                    .bufferImageHeight = h,
                    .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, l, s, 1 },
                    .imageExtent = { w, h, 1 },
                };
            }
            off += pitch * h;
        }
    }
    return off;
}

/* Copies the guest image into img through a staging buffer recorded on cb. */
static lagfx_status_t
upload_guest_image(struct vkb *b,
                   VkCommandBuffer cb,
                   struct vkb_image *img,
                   uint32_t bpr,
                   const struct be_backing *bk)
{
    uint32_t nreg = img->levels * img->layers;
    VkBufferImageCopy *reg = ut_calloc_array(nreg, sizeof(*reg));
    if (!reg)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    bool tight;
    uint64_t size = linear_regions(img, bpr, 0, img->levels, 0, img->layers, reg, &tight);
    lagfx_status_t st = LAGFX_OK;
    if (tight) {
        /* A level-0 pitch that is no multiple of the texel size (e.g. 8-byte texels, pitch
         * 12 mod 16): not expressible as bufferRowLength. Rare; not handled yet. */
        UT_WARN(LOGDEV(b), VKB_DOMAIN,
                "guest pitch %u not a multiple of %u bytes; image left "
                "zero",
                bpr, img->bpp);
        goto out;
    }
    struct vkb_staging *s;
    st = vkb_staging_new(b, size, &s);
    if (st != LAGFX_OK)
        goto out;
    bk->read(bk, 0, s->map, size);
    vkb_retain(b, s);
    vkCmdCopyBufferToImage(cb, s->buf, img->img, VK_IMAGE_LAYOUT_GENERAL, nreg, reg);
    vkb_full_barrier(cb);
    vkb_obj_unref(b, &s->o); /* the batch holds it now */
out:
    ut_free(reg);
    return st;
}

/* ---- textures ---- */

static VkImageViewType
view_type(uint32_t type)
{
    switch (type) {
    case 0:
        return VK_IMAGE_VIEW_TYPE_1D;
    case 1:
        return VK_IMAGE_VIEW_TYPE_1D_ARRAY;
    case 3:
        return VK_IMAGE_VIEW_TYPE_2D_ARRAY;
    default:
        return VK_IMAGE_VIEW_TYPE_2D;
    }
}

static lagfx_status_t
make_view(struct vkb *b,
          VkImage img,
          VkImageViewType vt,
          VkFormat f,
          VkImageAspectFlags aspect,
          const VkComponentMapping *cm,
          uint32_t base_level,
          uint32_t nlevels,
          uint32_t base_layer,
          uint32_t nlayers,
          VkImageView *out)
{
    VkImageViewCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
        .image = img,
        .viewType = vt,
        .format = f,
        .subresourceRange = { aspect, base_level, nlevels, base_layer, nlayers },
    };
    if (cm)
        ci.components = *cm;
    lagfx_status_t st =
        vkb_check(b, vkCreateImageView(b->dev, &ci, NULL, out), "vkCreateImageView");
    if (st == LAGFX_OK)
        atomic_fetch_add(&b->live_objects, 1);
    return st;
}

static void
drop_view(struct vkb *b, VkImageView v)
{
    if (v) {
        vkDestroyImageView(b->dev, v, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
}

lagfx_status_t
vkb_texture_wrap(struct vkb *b,
                 struct vkb_image *img,
                 uint32_t type,
                 uint32_t mtl_format,
                 uint32_t base_level,
                 uint32_t level_count,
                 uint32_t base_layer,
                 uint32_t layer_count,
                 const uint8_t sw[4],
                 struct vkb_texture **out)
{
    VkFormat vf = img->format;
    if (mtl_format != img->mtl_format) {
        const struct vkb_format *f = vkb_format_lookup(mtl_format);
        const struct vkb_format *pf = vkb_format_lookup(img->mtl_format);
        if (!f || !pf || f->bpp != pf->bpp || f->depth || f->stencil || pf->depth || pf->stencil)
            return LAGFX_ERROR_NOT_SUPPORTED;
        vf = f->vk;
    }
    struct vkb_texture *t = ut_calloc(1, sizeof(*t));
    if (!t)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    vkb_obj_init(&t->o, VKB_KIND_TEXTURE);
    t->mtl_format = mtl_format;
    t->type = type;
    t->format = vf;
    t->base_level = base_level;
    t->level_count = level_count;
    t->base_layer = base_layer;
    t->layer_count = layer_count;
    VkImageAspectFlags aspect = img->aspect;
    if (aspect & VK_IMAGE_ASPECT_DEPTH_BIT)
        aspect = VK_IMAGE_ASPECT_DEPTH_BIT; /* sampling reads depth */
    bool identity = !sw || (sw[0] == 0 && sw[1] == 0 && sw[2] == 0 && sw[3] == 0);
    VkComponentMapping cm = { 0 };
    if (!identity) {
        cm.r = vkb_swizzle(sw[0], VK_COMPONENT_SWIZZLE_IDENTITY);
        cm.g = vkb_swizzle(sw[1], VK_COMPONENT_SWIZZLE_IDENTITY);
        cm.b = vkb_swizzle(sw[2], VK_COMPONENT_SWIZZLE_IDENTITY);
        cm.a = vkb_swizzle(sw[3], VK_COMPONENT_SWIZZLE_IDENTITY);
    }
    VkImageViewType vt = view_type(type);
    if (vt == VK_IMAGE_VIEW_TYPE_2D && layer_count > 1)
        vt = VK_IMAGE_VIEW_TYPE_2D_ARRAY;
    lagfx_status_t st = make_view(b, img->img, vt, vf, aspect, &cm, base_level, level_count,
                                  base_layer, layer_count, &t->sample_view);
    if (st != LAGFX_OK) {
        ut_free(t);
        return st;
    }
    VkFormatProperties fp;
    vkGetPhysicalDeviceFormatProperties(b->phys, vf, &fp);
    if (img->samples == 1 && (fp.optimalTilingFeatures & VK_FORMAT_FEATURE_STORAGE_IMAGE_BIT) &&
        vf == img->format) {
        st = make_view(b, img->img, vt, vf, aspect, NULL, base_level, level_count, base_layer,
                       layer_count, &t->storage_view);
        if (st != LAGFX_OK) {
            drop_view(b, t->sample_view);
            ut_free(t);
            return st;
        }
    }
    vkb_obj_ref(&img->o);
    t->image = img;
    *out = t;
    return LAGFX_OK;
}

void
vkb_destroy_texture(struct vkb *b, struct vkb_texture *t)
{
    drop_view(b, t->sample_view);
    drop_view(b, t->storage_view);
    for (uint32_t i = 0; i < t->natt; i++)
        drop_view(b, t->att[i].view);
    vkb_obj_unref(b, &t->image->o);
    ut_free(t);
}

VkImageView
vkb_texture_att_view(struct vkb *b, struct vkb_texture *t, uint32_t level, uint32_t layer)
{
    for (uint32_t i = 0; i < t->natt; i++)
        if (t->att[i].level == level && t->att[i].layer == layer)
            return t->att[i].view;
    if (t->natt == UT_ARRAY_SIZE(t->att)) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "texture rendered at more than %zu subresources",
                UT_ARRAY_SIZE(t->att));
        return VK_NULL_HANDLE;
    }
    uint32_t l = t->base_level + level, s = t->base_layer + layer;
    if (l >= t->image->levels || s >= t->image->layers)
        return VK_NULL_HANDLE;
    VkImageView v;
    if (make_view(b, t->image->img, VK_IMAGE_VIEW_TYPE_2D, t->format, t->image->aspect, NULL, l, 1,
                  s, 1, &v) != LAGFX_OK)
        return VK_NULL_HANDLE;
    t->att[t->natt++] = (struct vkb_att_view){ level, layer, v };
    return v;
}

lagfx_status_t
vkb_texture_create(struct be *be, const struct be_texture_desc *d, be_handle_t *out)
{
    struct vkb *b = vkb_from(be);
    struct vkb_image *img;
    lagfx_status_t st;
    if (d->iosurface_id) {
        /* §13.7: the surface's image; its size, one level, one slice. */
        img = vkb_surface_image(b, d->iosurface_id);
        if (!img)
            return LAGFX_ERROR_NOT_SUPPORTED;
        struct vkb_texture *t;
        st = vkb_texture_wrap(b, img, 2, d->pixel_format, 0, 1, 0, 1, d->swizzle, &t);
        if (st == LAGFX_OK)
            *out = vkb_obj_publish(b, &t->o);
        return st;
    }
    if (d->texture_type != 0 && d->texture_type != 2 && d->texture_type != 3 &&
        d->texture_type != 4)
        return LAGFX_ERROR_NOT_SUPPORTED;
    st = vkb_image_new(b, d->texture_type, d->pixel_format, d->width, d->height, d->levels,
                       d->layers, d->samples, true, &img);
    if (st != LAGFX_OK)
        return st;
    img->guest_bpr = d->bytes_per_row;
    if (d->has_guest_image && d->backing) {
        st = upload_guest_image(b, vkb_upload_cb(b), img, d->bytes_per_row, d->backing);
        if (st != LAGFX_OK)
            goto err;
    }
    struct vkb_texture *t;
    st = vkb_texture_wrap(b, img, d->texture_type, d->pixel_format, 0, d->levels, 0, d->layers,
                          d->swizzle, &t);
    if (st != LAGFX_OK)
        goto err;
    vkb_obj_unref(b, &img->o); /* the texture holds it */
    *out = vkb_obj_publish(b, &t->o);
    return LAGFX_OK;
err:
    vkb_obj_unref(b, &img->o);
    return st;
}

lagfx_status_t
vkb_texture_view_create(struct be *be, const struct be_texture_view_desc *d, be_handle_t *out)
{
    struct vkb *b = vkb_from(be);
    struct vkb_texture *p = vkb_cast(d->parent, VKB_KIND_TEXTURE);
    if (!p || d->level_count == 0 || d->slice_count == 0 ||
        !ut_range_ok(d->base_level, d->level_count, p->level_count) ||
        !ut_range_ok(d->base_slice, d->slice_count, p->layer_count))
        return LAGFX_ERROR_NOT_SUPPORTED;
    struct vkb_texture *t;
    lagfx_status_t st = vkb_texture_wrap(
        b, p->image, d->texture_type, d->pixel_format, p->base_level + d->base_level,
        d->level_count, p->base_layer + d->base_slice, d->slice_count, d->swizzle, &t);
    if (st == LAGFX_OK)
        *out = vkb_obj_publish(b, &t->o);
    return st;
}

/* ---- samplers and depth-stencil states ---- */

lagfx_status_t
vkb_sampler_create(struct be *be, const struct be_sampler_desc *d, be_handle_t *out)
{
    struct vkb *b = vkb_from(be);
    struct vkb_sampler *s = ut_calloc(1, sizeof(*s));
    if (!s)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    vkb_obj_init(&s->o, VKB_KIND_SAMPLER);
    s->desc = *d;
    static const VkBorderColor border[] = { VK_BORDER_COLOR_FLOAT_TRANSPARENT_BLACK,
                                            VK_BORDER_COLOR_FLOAT_OPAQUE_BLACK,
                                            VK_BORDER_COLOR_FLOAT_OPAQUE_WHITE };
    bool zero = d->address[0] == 4 || d->address[1] == 4 || d->address[2] == 4;
    float max_lod = d->lod_max;
    if (d->mip_filter == 0) /* NotMipmapped: the base level only */
        max_lod = UT_MIN(max_lod, 0.25f);
    VkSamplerCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO,
        .magFilter = d->mag_filter ? VK_FILTER_LINEAR : VK_FILTER_NEAREST,
        .minFilter = d->min_filter ? VK_FILTER_LINEAR : VK_FILTER_NEAREST,
        .mipmapMode =
            d->mip_filter == 2 ? VK_SAMPLER_MIPMAP_MODE_LINEAR : VK_SAMPLER_MIPMAP_MODE_NEAREST,
        .addressModeU = vkb_address_mode(d->address[0]),
        .addressModeV = vkb_address_mode(d->address[1]),
        .addressModeW = vkb_address_mode(d->address[2]),
        .anisotropyEnable = d->max_anisotropy > 1,
        .maxAnisotropy = UT_MIN((float)d->max_anisotropy, b->props.limits.maxSamplerAnisotropy),
        .compareEnable = d->compare != 0 && d->compare != 7 ? VK_TRUE : VK_FALSE,
        .compareOp = vkb_compare_op(d->compare),
        .minLod = UT_MIN(d->lod_min, max_lod),
        .maxLod = max_lod,
        .borderColor = zero ? VK_BORDER_COLOR_FLOAT_TRANSPARENT_BLACK
                            : border[d->border_color < 3 ? d->border_color : 0],
    };
    VkPhysicalDeviceFeatures f;
    vkGetPhysicalDeviceFeatures(b->phys, &f);
    if (!f.samplerAnisotropy)
        ci.anisotropyEnable = VK_FALSE;
    if (!ci.anisotropyEnable)
        ci.maxAnisotropy = 1.0f;
    for (int i = 0; i < 3; i++) {
        VkSamplerAddressMode *m = i == 0   ? &ci.addressModeU
                                  : i == 1 ? &ci.addressModeV
                                           : &ci.addressModeW;
        if (*m == VK_SAMPLER_ADDRESS_MODE_MIRROR_CLAMP_TO_EDGE)
            *m = VK_SAMPLER_ADDRESS_MODE_MIRRORED_REPEAT; /* feature not enabled: closest */
    }
    lagfx_status_t st =
        vkb_check(b, vkCreateSampler(b->dev, &ci, NULL, &s->sampler), "vkCreateSampler");
    if (st != LAGFX_OK) {
        ut_free(s);
        return st;
    }
    atomic_fetch_add(&b->live_objects, 1);
    *out = vkb_obj_publish(b, &s->o);
    return LAGFX_OK;
}

lagfx_status_t
vkb_depth_stencil_create(struct be *be, const struct be_depth_stencil_desc *d, be_handle_t *out)
{
    struct vkb *b = vkb_from(be);
    struct vkb_dss *s = ut_calloc(1, sizeof(*s));
    if (!s)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    vkb_obj_init(&s->o, VKB_KIND_DSS);
    s->d = *d;
    *out = vkb_obj_publish(b, &s->o);
    return LAGFX_OK;
}

/* ---- refresh and write-back ---- */

/*
 * Buffers refresh in the batch's upload command buffer, which runs before its work: the GPU
 * work of the outer command being decoded reads the guest's bytes as they were at decode time
 * (protocol.md §13.6) wherever in the stream the buffer is first used, and a render pass open
 * on the work command buffer is left alone. The barriers order it after earlier batches' work.
 */
void
vkb_refresh(struct be *be, be_handle_t h, const struct be_backing *bk)
{
    struct vkb *b = vkb_from(be);
    struct vkb_obj *o = (struct vkb_obj *)(uintptr_t)h;
    if (!o || !bk)
        return;
    if (o->kind == VKB_KIND_BUFFER) {
        struct vkb_buffer *buf = (struct vkb_buffer *)o;
        uint64_t len = UT_MIN(buf->length, bk->length);
        VkCommandBuffer cb = vkb_upload_cb(b);
        struct vkb_staging *s;
        if (!cb || !len || vkb_staging_new(b, len, &s) != LAGFX_OK)
            return;
        bk->read(bk, 0, s->map, len);
        vkb_retain(b, s);
        vkb_retain(b, buf);
        vkb_full_barrier(cb);
        VkBufferCopy c = { 0, 0, len };
        vkCmdCopyBuffer(cb, s->buf, buf->buf, 1, &c);
        vkb_full_barrier(cb);
        vkb_obj_unref(b, &s->o);
    } else if (o->kind == VKB_KIND_TEXTURE) {
        struct vkb_texture *t = (struct vkb_texture *)o;
        if (t->image->bpp == 0 || t->image->samples != 1)
            return;
        vkb_end_pass_if_open(b);
        VkCommandBuffer cb = vkb_work_cb(b);
        if (!cb)
            return;
        vkb_retain(b, t);
        vkb_full_barrier(cb);
        upload_guest_image(b, cb, t->image, t->image->guest_bpr, bk);
    }
}

/* Stages a buffer range, or a texture's linear image (part), at this point of the work; the
 * completion thread writes the staging into wb (vkb_post_complete). */
void
vkb_write_back(struct be *be,
               be_handle_t h,
               bool whole,
               uint32_t slice,
               uint32_t level,
               struct be_writeback *wb)
{
    struct vkb *b = vkb_from(be);
    struct vkb_obj *o = (struct vkb_obj *)(uintptr_t)h;
    struct vkb_post p = { .kind = VKB_POST_WRITE_BACK, .wb = wb };
    VkBufferImageCopy *reg = NULL;
    if (!o || !wb)
        goto drop;
    if (o->kind == VKB_KIND_BUFFER) {
        struct vkb_buffer *buf = (struct vkb_buffer *)o;
        if (wb->offset >= buf->length || !wb->length)
            goto drop;
        uint64_t len = UT_MIN(wb->length, buf->length - wb->offset);
        VkCommandBuffer cb = vkb_op_begin(b); /* GPU writes before the copy */
        if (!cb || vkb_staging_new(b, len, &p.staging) != LAGFX_OK)
            goto drop;
        vkb_retain(b, buf);
        VkBufferCopy c = { wb->offset, 0, len };
        vkCmdCopyBuffer(cb, buf->buf, p.staging->buf, 1, &c);
        vkb_full_barrier(cb);
        p.off = wb->offset;
        p.len = (size_t)len;
    } else if (o->kind == VKB_KIND_TEXTURE) {
        struct vkb_texture *t = (struct vkb_texture *)o;
        struct vkb_image *img = t->image;
        if (img->bpp == 0 || img->samples != 1)
            goto drop; /* no guest image (§13.7) */
        uint32_t bl = whole ? t->base_level : t->base_level + level;
        uint32_t nl = whole ? t->level_count : 1;
        uint32_t bs = whole ? t->base_layer : t->base_layer + slice;
        uint32_t ns = whole ? t->layer_count : 1;
        if (bl + nl > img->levels || bs + ns > img->layers)
            goto drop;
        reg = ut_calloc_array(nl * ns, sizeof(*reg));
        if (!reg)
            goto drop;
        bool tight;
        uint64_t size = linear_regions(img, img->guest_bpr, bl, nl, bs, ns, reg, &tight);
        if (tight)
            goto drop; /* not expressible as bufferRowLength (see upload_guest_image) */
        /* Stage only the span from the first region to the end of the last one. */
        uint64_t first = reg[0].bufferOffset;
        for (uint32_t i = 0; i < nl * ns; i++)
            reg[i].bufferOffset -= first;
        size -= first;
        const VkBufferImageCopy *last = &reg[nl * ns - 1];
        size = UT_MIN(size, last->bufferOffset + (uint64_t)last->bufferRowLength * img->bpp *
                                                     last->bufferImageHeight);
        /* Only the part the target covers. */
        if (first < wb->offset || first >= wb->offset + wb->length)
            goto drop;
        size = UT_MIN(size, wb->offset + wb->length - first);
        if (nl * ns > 1) {
            p.pieces = ut_calloc_array(nl * ns, sizeof(*p.pieces));
            if (!p.pieces)
                goto drop;
            p.npieces = nl * ns;
            for (uint32_t i = 0; i < nl * ns; i++) {
                p.pieces[i][0] = reg[i].bufferOffset;
                p.pieces[i][1] =
                    UT_MIN((uint64_t)reg[i].bufferRowLength * img->bpp * reg[i].bufferImageHeight,
                           size - UT_MIN(size, reg[i].bufferOffset));
            }
        }
        VkCommandBuffer cb = vkb_op_begin(b);
        if (!cb || vkb_staging_new(b, size, &p.staging) != LAGFX_OK)
            goto drop;
        vkb_retain(b, t);
        vkCmdCopyImageToBuffer(cb, img->img, VK_IMAGE_LAYOUT_GENERAL, p.staging->buf, nl * ns, reg);
        vkb_full_barrier(cb);
        ut_free(reg);
        reg = NULL;
        p.off = first;
        p.len = (size_t)size;
    } else {
        goto drop;
    }
    if (vkb_post_add(b, &p) == LAGFX_OK)
        return;
drop:
    ut_free(reg);
    ut_free(p.pieces);
    if (p.staging)
        vkb_obj_unref(b, &p.staging->o);
    be_writeback_release(wb);
}

/* ---- dummies ---- */

lagfx_status_t
vkb_dummies_init(struct vkb *b)
{
    struct be_buffer_desc bd = { .length = 256 };
    be_handle_t h;
    lagfx_status_t st = vkb_buffer_create(&b->base, &bd, &h);
    if (st != LAGFX_OK)
        return st;
    b->dummy_buffer = (struct vkb_buffer *)(uintptr_t)h;
    b->dummy_buffer->o.creator_dropped = true; /* ours: dummies_finish drops it */
    st = vkb_image_new(b, 3, 70, 1, 1, 1, 1, 1, false, &b->dummy_image);
    if (st != LAGFX_OK)
        return st;
    st = make_view(b, b->dummy_image->img, VK_IMAGE_VIEW_TYPE_2D, b->dummy_image->format,
                   VK_IMAGE_ASPECT_COLOR_BIT, NULL, 0, 1, 0, 1, &b->dummy_view_2d);
    if (st != LAGFX_OK)
        return st;
    st = make_view(b, b->dummy_image->img, VK_IMAGE_VIEW_TYPE_2D_ARRAY, b->dummy_image->format,
                   VK_IMAGE_ASPECT_COLOR_BIT, NULL, 0, 1, 0, 1, &b->dummy_view_2d_array);
    if (st != LAGFX_OK)
        return st;
    VkSamplerCreateInfo si = { .sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO,
                               .maxAnisotropy = 1.0f,
                               .borderColor = VK_BORDER_COLOR_FLOAT_TRANSPARENT_BLACK };
    st = vkb_check(b, vkCreateSampler(b->dev, &si, NULL, &b->dummy_sampler), "vkCreateSampler");
    if (st == LAGFX_OK)
        atomic_fetch_add(&b->live_objects, 1);
    return st;
}

void
vkb_dummies_finish(struct vkb *b)
{
    drop_view(b, b->dummy_view_2d);
    drop_view(b, b->dummy_view_2d_array);
    if (b->dummy_sampler) {
        vkDestroySampler(b->dev, b->dummy_sampler, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
    if (b->dummy_image)
        vkb_obj_unref(b, &b->dummy_image->o);
    if (b->dummy_buffer)
        vkb_obj_unref(b, &b->dummy_buffer->o);
    b->dummy_image = NULL;
    b->dummy_buffer = NULL;
}
