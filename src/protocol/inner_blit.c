/* SPDX-License-Identifier: MIT */
/*
 * Blit inner opcodes (protocol.md §11.4, provisional blit layout v1 C18): copies and fills
 * range-checked against both objects (buffer lengths, texture level sizes; DR2 otherwise),
 * mipmaps, write-backs (0x13A/0x13B), and the table switch generated from ops_blit.def.
 * Blits inside a render pass are skipped (DR3): Metal encodes them in their own encoder.
 * Protocol worker.
 */
#include "protocol/formats.h"
#include "protocol/inner.h"
#include "util/checked.h"

#define BUF PROTO_KIND_BIT(PROTO_OBJ_BUFFER)
#define TEX PROTO_KIND_BIT(PROTO_OBJ_TEXTURE)

static bool
blit_ready(struct proto_dec *d)
{
    if (d->pass.active) {
        proto_dr(d, UT_GERR_INNER_STATE, "blit inside a render pass", 0);
        return false;
    }
    return true;
}

static bool
range_bad(struct proto_dec *d, const char *what, uint64_t v)
{
    proto_dr(d, UT_GERR_INNER_VALUE, what, v);
    return false;
}

/* Region [origin, origin + size) inside level `level` of slice `slice` of texture t. */
static bool
texture_region_ok(struct proto_dec *d,
                  const struct proto_obj *t,
                  uint32_t slice,
                  uint32_t level,
                  const uint32_t origin[3],
                  const uint32_t size[3])
{
    if (level >= t->u.tex.levels || slice >= t->u.tex.layers)
        return range_bad(d, "texture level or slice", ((uint64_t)level << 32) | slice);
    uint64_t w = UT_MAX(1u, t->u.tex.width >> level), h = UT_MAX(1u, t->u.tex.height >> level);
    if (!ut_range_ok(origin[0], size[0], w) || !ut_range_ok(origin[1], size[1], h) ||
        !ut_range_ok(origin[2], size[2], 1))
        return range_bad(d, "texture region", ((uint64_t)size[0] << 32) | size[1]);
    return true;
}

/* Buffer bytes a buffer↔texture copy touches: off + (d−1)·image + (h−1)·row + w·bpp. */
static bool
buffer_image_ok(struct proto_dec *d,
                const struct proto_obj *buf,
                const struct proto_obj *tex,
                uint64_t off,
                uint64_t row,
                uint64_t image,
                const uint32_t size[3])
{
    const struct proto_pixel_format *f = proto_pixel_format(tex->u.tex.format);
    uint64_t bpp = f ? f->bytes : 4, line = (uint64_t)size[0] * bpp;
    if (size[0] == 0 || size[1] == 0 || size[2] == 0)
        return true; /* copies nothing; the backend is still told (cheap no-op) */
    if (row < line || (size[2] > 1 && image < row * size[1]))
        return range_bad(d, "bytes per row or image", row);
    uint64_t need, t;
    if (ut_mul_overflows_u64(image, size[2] - 1, &need) ||
        ut_mul_overflows_u64(row, size[1] - 1, &t) || ut_add_overflows_u64(need, t, &need) ||
        ut_add_overflows_u64(need, line, &need) || !ut_range_ok(off, need, buf->u.buf.length))
        return range_bad(d, "buffer range of an image copy", off);
    return true;
}

static void
buffer_texture(struct proto_dec *d,
               bool to_texture,
               uint32_t bref,
               uint32_t tref,
               struct be_buffer_texture_copy *c)
{
    if (!blit_ready(d))
        return;
    struct proto_obj *b = proto_obj_expect(d, bref, BUF);
    struct proto_obj *t = b ? proto_obj_expect(d, tref, TEX) : NULL;
    if (!t || !texture_region_ok(d, t, c->slice, c->level, c->origin, c->size) ||
        !buffer_image_ok(d, b, t, c->buffer_offset, c->bytes_per_row, c->bytes_per_image, c->size))
        return;
    c->buffer = b->handle;
    c->texture = t->handle;
    if (to_texture)
        proto_note_written(d, t);
    if (to_texture)
        d->ops->copy_buffer_to_texture(d->be, c);
    else
        d->ops->copy_texture_to_buffer(d->be, c);
}

static void
b_CopyFromBufferToTexture(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    struct be_buffer_texture_copy c = {
        .buffer_offset = GET(b, CopyFromBufferToTexture, srcOffset),
        .bytes_per_row = GET(b, CopyFromBufferToTexture, srcBytesPerRow),
        .bytes_per_image = GET(b, CopyFromBufferToTexture, srcBytesPerImage),
        .slice = GET(b, CopyFromBufferToTexture, dstSlice),
        .level = GET(b, CopyFromBufferToTexture, dstLevel),
        .origin = { GET(b, CopyFromBufferToTexture, dstOrigin_x),
                    GET(b, CopyFromBufferToTexture, dstOrigin_y),
                    GET(b, CopyFromBufferToTexture, dstOrigin_z) },
        .size = { GET(b, CopyFromBufferToTexture, size_w), GET(b, CopyFromBufferToTexture, size_h),
                  GET(b, CopyFromBufferToTexture, size_d) },
        .options = GET(b, CopyFromBufferToTexture, options),
    };
    buffer_texture(d, true, GET(b, CopyFromBufferToTexture, srcBufferRef),
                   GET(b, CopyFromBufferToTexture, dstTextureRef), &c);
}

static void
b_FillTextureWithBytes(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    struct be_buffer_texture_copy c = {
        .buffer_offset = GET(b, FillTextureWithBytes, srcOffset),
        .bytes_per_row = GET(b, FillTextureWithBytes, bytesPerRow),
        .bytes_per_image = GET(b, FillTextureWithBytes, bytesPerImage),
        .slice = GET(b, FillTextureWithBytes, slice),
        .level = GET(b, FillTextureWithBytes, level),
        .origin = { GET(b, FillTextureWithBytes, origin_x), GET(b, FillTextureWithBytes, origin_y),
                    GET(b, FillTextureWithBytes, origin_z) },
        .size = { GET(b, FillTextureWithBytes, size_w), GET(b, FillTextureWithBytes, size_h),
                  GET(b, FillTextureWithBytes, size_d) },
    };
    buffer_texture(d, true, GET(b, FillTextureWithBytes, sourceBufferRef),
                   GET(b, FillTextureWithBytes, textureRef), &c);
}

static void
b_CopyFromTextureToBuffer(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    struct be_buffer_texture_copy c = {
        .buffer_offset = GET(b, CopyFromTextureToBuffer, dstOffset),
        .bytes_per_row = GET(b, CopyFromTextureToBuffer, dstBytesPerRow),
        .bytes_per_image = GET(b, CopyFromTextureToBuffer, dstBytesPerImage),
        .slice = GET(b, CopyFromTextureToBuffer, srcSlice),
        .level = GET(b, CopyFromTextureToBuffer, srcLevel),
        .origin = { GET(b, CopyFromTextureToBuffer, srcOrigin_x),
                    GET(b, CopyFromTextureToBuffer, srcOrigin_y),
                    GET(b, CopyFromTextureToBuffer, srcOrigin_z) },
        .size = { GET(b, CopyFromTextureToBuffer, size_w), GET(b, CopyFromTextureToBuffer, size_h),
                  GET(b, CopyFromTextureToBuffer, size_d) },
        .options = GET(b, CopyFromTextureToBuffer, options),
    };
    buffer_texture(d, false, GET(b, CopyFromTextureToBuffer, dstBufferRef),
                   GET(b, CopyFromTextureToBuffer, srcTextureRef), &c);
}

static void
b_CopyFromBufferToBuffer(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    if (!blit_ready(d))
        return;
    struct proto_obj *s = proto_obj_expect(d, GET(b, CopyFromBufferToBuffer, srcRef), BUF);
    struct proto_obj *t =
        s ? proto_obj_expect(d, GET(b, CopyFromBufferToBuffer, dstRef), BUF) : NULL;
    uint64_t so = GET(b, CopyFromBufferToBuffer, srcOffset);
    uint64_t dof = GET(b, CopyFromBufferToBuffer, dstOffset);
    uint64_t size = GET(b, CopyFromBufferToBuffer, size);
    if (!t)
        return;
    if (!ut_range_ok(so, size, s->u.buf.length) || !ut_range_ok(dof, size, t->u.buf.length)) {
        range_bad(d, "buffer copy range", size);
        return;
    }
    d->ops->copy_buffer(d->be, s->handle, so, t->handle, dof, size);
}

static void
texture_copy(struct proto_dec *d, uint32_t sref, uint32_t dref, struct be_texture_copy *c)
{
    if (!blit_ready(d))
        return;
    struct proto_obj *s = proto_obj_expect(d, sref, TEX);
    struct proto_obj *t = s ? proto_obj_expect(d, dref, TEX) : NULL;
    if (!t)
        return;
    if (c->whole_levels) {
        if (!ut_range_ok(c->src_slice, c->slice_count, s->u.tex.layers) ||
            !ut_range_ok(c->src_level, c->level_count, s->u.tex.levels) ||
            !ut_range_ok(c->dst_slice, c->slice_count, t->u.tex.layers) ||
            !ut_range_ok(c->dst_level, c->level_count, t->u.tex.levels) ||
            (s->u.tex.width >> c->src_level) != (t->u.tex.width >> c->dst_level) ||
            (s->u.tex.height >> c->src_level) != (t->u.tex.height >> c->dst_level)) {
            range_bad(d, "slice or level ranges",
                      ((uint64_t)c->slice_count << 32) | c->level_count);
            return;
        }
    } else if (!texture_region_ok(d, s, c->src_slice, c->src_level, c->src_origin, c->size) ||
               !texture_region_ok(d, t, c->dst_slice, c->dst_level, c->dst_origin, c->size)) {
        return;
    }
    if (!proto_pixel_format_compatible(s->u.tex.format, t->u.tex.format) ||
        s->u.tex.samples != t->u.tex.samples) {
        range_bad(d, "texture copy between different formats", t->u.tex.format);
        return;
    }
    c->src = s->handle;
    c->dst = t->handle;
    proto_note_written(d, t);
    d->ops->copy_texture(d->be, c);
}

#define TEX_COPY(op)                                                                     \
    struct be_texture_copy c = {                                                         \
        .src_slice = GET(b, op, srcSlice),                                               \
        .src_level = GET(b, op, srcLevel),                                               \
        .src_origin = { GET(b, op, srcOrigin_x), GET(b, op, srcOrigin_y),                \
                        GET(b, op, srcOrigin_z) },                                       \
        .dst_slice = GET(b, op, dstSlice),                                               \
        .dst_level = GET(b, op, dstLevel),                                               \
        .dst_origin = { GET(b, op, dstOrigin_x), GET(b, op, dstOrigin_y),                \
                        GET(b, op, dstOrigin_z) },                                       \
        .size = { GET(b, op, srcSize_w), GET(b, op, srcSize_h), GET(b, op, srcSize_d) }, \
        .slice_count = 1,                                                                \
        .level_count = 1,                                                                \
    }

static void
b_CopyFromTextureToTexture(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    TEX_COPY(CopyFromTextureToTexture);
    texture_copy(d, GET(b, CopyFromTextureToTexture, srcRef),
                 GET(b, CopyFromTextureToTexture, dstRef), &c);
}

static void
b_CopyFromTextureToTextureWithOptions(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    TEX_COPY(CopyFromTextureToTextureWithOptions);
    c.options = GET(b, CopyFromTextureToTextureWithOptions, options);
    texture_copy(d, GET(b, CopyFromTextureToTextureWithOptions, srcRef),
                 GET(b, CopyFromTextureToTextureWithOptions, dstRef), &c);
}

static void
b_CopyFromTextureToTextureWithNumSliceLevel(struct proto_dec *d,
                                            const struct mem_reader *b,
                                            uint32_t n)
{
    struct be_texture_copy c = {
        .src_slice = GET(b, CopyFromTextureToTextureWithNumSliceLevel, srcSlice),
        .src_level = GET(b, CopyFromTextureToTextureWithNumSliceLevel, srcLevel),
        .dst_slice = GET(b, CopyFromTextureToTextureWithNumSliceLevel, dstSlice),
        .dst_level = GET(b, CopyFromTextureToTextureWithNumSliceLevel, dstLevel),
        .slice_count = GET(b, CopyFromTextureToTextureWithNumSliceLevel, sliceCount),
        .level_count = GET(b, CopyFromTextureToTextureWithNumSliceLevel, levelCount),
        .whole_levels = true,
    };
    if (c.slice_count == 0 || c.level_count == 0)
        return; /* copies nothing */
    texture_copy(d, GET(b, CopyFromTextureToTextureWithNumSliceLevel, srcRef),
                 GET(b, CopyFromTextureToTextureWithNumSliceLevel, dstRef), &c);
}

static void
fill(struct proto_dec *d, uint32_t ref, uint64_t off, uint64_t len, uint32_t pattern)
{
    if (!blit_ready(d))
        return;
    struct proto_obj *o = proto_obj_expect(d, ref, BUF);
    if (!o)
        return;
    if (!ut_range_ok(off, len, o->u.buf.length)) {
        range_bad(d, "fill range", len);
        return;
    }
    d->ops->fill_buffer(d->be, o->handle, off, len, pattern);
}

static void
b_FillBuffer(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t byte = GET(b, FillBuffer, value) & 0xFF;
    fill(d, GET(b, FillBuffer, bufferRef), GET(b, FillBuffer, location), GET(b, FillBuffer, length),
         byte * 0x01010101u);
}

static void
b_FillBufferWithPattern(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    fill(d, GET(b, FillBufferWithPattern, bufferRef), GET(b, FillBufferWithPattern, location),
         GET(b, FillBufferWithPattern, length), GET(b, FillBufferWithPattern, pattern));
}

static void
b_FillTextureWithColor(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    if (!blit_ready(d))
        return;
    struct proto_obj *t = proto_obj_expect(d, GET(b, FillTextureWithColor, textureRef), TEX);
    if (!t)
        return;
    struct be_texture_fill f = {
        .texture = t->handle,
        .level = GET(b, FillTextureWithColor, level),
        .slice = GET(b, FillTextureWithColor, slice),
        .origin = { GET(b, FillTextureWithColor, origin_x), GET(b, FillTextureWithColor, origin_y),
                    GET(b, FillTextureWithColor, origin_z) },
        .size = { GET(b, FillTextureWithColor, size_w), GET(b, FillTextureWithColor, size_h),
                  GET(b, FillTextureWithColor, size_d) },
        .color = { GET(b, FillTextureWithColor, red), GET(b, FillTextureWithColor, green),
                   GET(b, FillTextureWithColor, blue), GET(b, FillTextureWithColor, alpha) },
        .pixel_format = GET(b, FillTextureWithColor, format),
    };
    if (!proto_pixel_format(f.pixel_format)) {
        range_bad(d, "fill pixel format", f.pixel_format);
        return;
    }
    if (!texture_region_ok(d, t, f.slice, f.level, f.origin, f.size))
        return;
    proto_note_written(d, t);
    d->ops->fill_texture(d->be, &f);
}

static void
b_GenerateMipmaps(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    if (!blit_ready(d))
        return;
    struct proto_obj *t = proto_obj_expect(d, GET(b, GenerateMipmaps, textureRef), TEX);
    if (t) {
        proto_note_written(d, t);
        d->ops->generate_mipmaps(d->be, t->handle);
    }
}

static void
b_SynchronizeResource(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    struct proto_obj *o = proto_obj_expect(d, GET(b, SynchronizeResource, ref), BUF | TEX);
    /* Buffers are coherent in guest memory before the stamp anyway (§10.2). */
    if (o && o->kind == PROTO_OBJ_TEXTURE)
        proto_obj_write_back(d, o, true, 0, 0);
}

static void
b_SynchronizeTextureImage(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    struct proto_obj *t = proto_obj_expect(d, GET(b, SynchronizeTextureImage, textureRef), TEX);
    uint32_t slice = GET(b, SynchronizeTextureImage, slice),
             level = GET(b, SynchronizeTextureImage, level);
    if (!t)
        return;
    if (slice >= t->u.tex.layers || level >= t->u.tex.levels) {
        range_bad(d, "slice or level", ((uint64_t)level << 32) | slice);
        return;
    }
    proto_obj_write_back(d, t, false, slice, level);
}

bool
proto_blit_dispatch(struct proto_dec *d, uint32_t op, const struct mem_reader *b)
{
    switch (op) {
#define OP PROTO_DISPATCH_CASE
#include "protocol/ops_blit.def"
#undef OP
    default:
        return false;
    }
}
