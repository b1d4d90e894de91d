/* SPDX-License-Identifier: MIT */
/*
 * Metal pixel and vertex formats and enum ranges (protocol.md §13.14-§13.16): bytes per pixel,
 * depth/stencil kind, sRGB twins, the v1 linear guest-image layout of textures (§13.7), and
 * range checks for the Metal enums the decoder validates (DR2). Pure tables; any thread.
 */
#ifndef LAGFX_PROTOCOL_FORMATS_H
#define LAGFX_PROTOCOL_FORMATS_H

#include <stdbool.h>
#include <stdint.h>

struct proto_pixel_format {
    uint32_t value;
    const char *name;
    uint8_t bytes; /* per pixel */
    bool required; /* v1 R; O rows are known but unsupported (DR3) */
    bool depth, stencil;
    uint32_t srgb_twin; /* 0 = none */
};

/* NULL when the value is not a row of §13.15. */
const struct proto_pixel_format *proto_pixel_format(uint32_t value);
/* Equal, or sRGB twins of each other (§13.7, §13.12 pass compatibility). */
bool proto_pixel_format_compatible(uint32_t a, uint32_t b);
/* Bytes of one MTLVertexFormat value, 0 when invalid (0, 43, 44, > 55). */
uint32_t proto_vertex_format_size(uint32_t value);

/* Linear layout v1 of §13.7. Returns false when the record is not valid (format not in §13.15,
 * a dimension 0 or beyond the caps, pitch below width·bpp or not a multiple of 4). */
bool proto_texture_linear_size(uint32_t pixel_format,
                               uint32_t width,
                               uint32_t height,
                               uint32_t levels,
                               uint32_t layers,
                               uint32_t bytes_per_row,
                               uint64_t *out);

/* Largest valid value of each Metal enum the decoder range-checks (§13.14). */
#define PROTO_MTL_PRIMITIVE_MAX    4u
#define PROTO_MTL_INDEX_TYPE_MAX   1u
#define PROTO_MTL_LOAD_MAX         2u
#define PROTO_MTL_STORE_MAX        5u
#define PROTO_MTL_CULL_MAX         2u
#define PROTO_MTL_WINDING_MAX      1u
#define PROTO_MTL_FILL_MAX         1u
#define PROTO_MTL_DEPTH_CLIP_MAX   1u
#define PROTO_MTL_COMPARE_MAX      7u
#define PROTO_MTL_STENCIL_OP_MAX   7u
#define PROTO_MTL_BLEND_FACTOR_MAX 18u
#define PROTO_MTL_BLEND_OP_MAX     4u
#define PROTO_MTL_MINMAG_MAX       1u
#define PROTO_MTL_MIP_MAX          2u
#define PROTO_MTL_ADDRESS_MAX      5u
#define PROTO_MTL_BORDER_MAX       2u
#define PROTO_MTL_TEXTURE_TYPE_MAX 9u
#define PROTO_MTL_STORAGE_MAX      3u
#define PROTO_MTL_SWIZZLE_MAX      5u
#define PROTO_MTL_STEP_MAX         4u
#define PROTO_MTL_TOPOLOGY_MAX     3u

#endif /* LAGFX_PROTOCOL_FORMATS_H */
