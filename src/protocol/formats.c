/* SPDX-License-Identifier: MIT */
/*
 * Metal format tables (protocol.md §13.15, §13.16; values Fact) and the v1 linear texture
 * layout (§13.7, C21). Pure functions over constant tables; any thread.
 */
#include "protocol/formats.h"

#include <stddef.h>

#include "protocol/limits.h"

static const struct proto_pixel_format formats[] = {
    { 80, "BGRA8Unorm", 4, true, false, false, 81 },
    { 81, "BGRA8Unorm_sRGB", 4, true, false, false, 80 },
    { 70, "RGBA8Unorm", 4, true, false, false, 71 },
    { 71, "RGBA8Unorm_sRGB", 4, true, false, false, 70 },
    { 115, "RGBA16Float", 8, true, false, false, 0 },
    { 90, "RGB10A2Unorm", 4, true, false, false, 0 },
    { 94, "BGR10A2Unorm", 4, true, false, false, 0 },
    { 10, "R8Unorm", 1, true, false, false, 0 },
    { 30, "RG8Unorm", 2, true, false, false, 0 },
    { 25, "R16Float", 2, true, false, false, 0 },
    { 55, "R32Float", 4, true, false, false, 0 },
    { 125, "RGBA32Float", 16, true, false, false, 0 },
    { 250, "Depth16Unorm", 2, true, true, false, 0 },
    { 252, "Depth32Float", 4, true, true, false, 0 },
    { 253, "Stencil8", 1, true, false, true, 0 },
    { 255, "Depth24Unorm_Stencil8", 4, true, true, true, 0 },
    { 260, "Depth32Float_Stencil8", 8, true, true, true, 0 },
    { 1, "A8Unorm", 1, false, false, false, 0 },
    { 20, "R16Unorm", 2, false, false, false, 0 },
    { 65, "RG16Float", 4, false, false, false, 0 },
    { 105, "RG32Float", 8, false, false, false, 0 },
    { 110, "RGBA16Unorm", 8, false, false, false, 0 },
    { 92, "RG11B10Float", 4, false, false, false, 0 },
    { 552, "BGRA10_XR", 8, false, false, false, 553 },
    { 553, "BGRA10_XR_sRGB", 8, false, false, false, 552 },
    { 554, "BGR10_XR", 4, false, false, false, 555 },
    { 555, "BGR10_XR_sRGB", 4, false, false, false, 554 },
};

const struct proto_pixel_format *
proto_pixel_format(uint32_t value)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (formats[i].value == value)
            return &formats[i];
    }
    return NULL;
}

bool
proto_pixel_format_compatible(uint32_t a, uint32_t b)
{
    if (a == b)
        return true;
    const struct proto_pixel_format *f = proto_pixel_format(a);
    return f && f->srgb_twin && f->srgb_twin == b;
}

uint32_t
proto_vertex_format_size(uint32_t v)
{
    /* §13.16: component counts and sizes by value. */
    static const uint8_t sizes[56] = {
        [1] = 2,  [2] = 3,   [3] = 4,   [4] = 2,  [5] = 3,  [6] = 4,   [7] = 2,   [8] = 3,
        [9] = 4,  [10] = 2,  [11] = 3,  [12] = 4, [13] = 4, [14] = 6,  [15] = 8,  [16] = 4,
        [17] = 6, [18] = 8,  [19] = 4,  [20] = 6, [21] = 8, [22] = 4,  [23] = 6,  [24] = 8,
        [25] = 4, [26] = 6,  [27] = 8,  [28] = 4, [29] = 8, [30] = 12, [31] = 16, [32] = 4,
        [33] = 8, [34] = 12, [35] = 16, [36] = 4, [37] = 8, [38] = 12, [39] = 16, [40] = 4,
        [41] = 4, [42] = 4,  [45] = 1,  [46] = 1, [47] = 1, [48] = 1,  [49] = 2,  [50] = 2,
        [51] = 2, [52] = 2,  [53] = 2,  [54] = 4, [55] = 4,
    };
    return v < sizeof(sizes) ? sizes[v] : 0;
}

static uint64_t
align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

bool
proto_texture_linear_size(uint32_t pixel_format,
                          uint32_t width,
                          uint32_t height,
                          uint32_t levels,
                          uint32_t layers,
                          uint32_t bytes_per_row,
                          uint64_t *out)
{
    const struct proto_pixel_format *f = proto_pixel_format(pixel_format);
    if (!f || width == 0 || height == 0 || width > PROTO_MAX_TEXTURE_DIM ||
        height > PROTO_MAX_TEXTURE_DIM || levels == 0 || levels > PROTO_MAX_TEXTURE_LEVELS ||
        layers == 0 || layers > PROTO_MAX_TEXTURE_LAYERS)
        return false;
    uint64_t bpp = f->bytes;
    if (bytes_per_row && (bytes_per_row < width * bpp || bytes_per_row % 4))
        return false;
    /* Each term is ≤ 2^14·16 × 2^14 × 2^11 < 2^47; 15 levels cannot overflow a u64. */
    uint64_t total = 0;
    for (uint32_t l = 0; l < levels; l++) {
        uint64_t w = width >> l ? width >> l : 1;
        uint64_t h = height >> l ? height >> l : 1;
        uint64_t pitch = (l == 0 && bytes_per_row) ? bytes_per_row : align_up(w * bpp, 256);
        total += pitch * h * layers;
    }
    *out = total;
    return true;
}
