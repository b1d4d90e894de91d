/* SPDX-License-Identifier: MIT */
/*
 * Guest-side command-buffer encoder (cmdenc.h). Every field offset is taken from the wire
 * tables through protocol/ops.h; the realistic values are chosen here by field name (and by
 * opcode where a name is ambiguous), so one loop over the FIELD rows encodes any row.
 * Single-threaded test code.
 */
#include "cmdenc.h"

#include <stdlib.h>
#include <string.h>

#include "protocol/ops.h"

/* FIELD rows of pseudo-ops (shared records, replies) never match an opcode. */
enum {
    PROTO_OP_H = 0x10000,
    PROTO_OP_E4,
    PROTO_OP_E12,
    PROTO_OP_E12L,
    PROTO_OP_E20,
    PROTO_OP_RPAtt,
    PROTO_OP_RPColor,
    PROTO_OP_RP,
    PROTO_OP_ComputePipelineStateInfoReply,
    PROTO_OP_HeapTextureDescriptorSizeAndAlignReply,
    PROTO_OP_RenderPipelineStateInfoReply,
    PROTO_OP_ObjectUniqueIdentifierReply,
};

void
cmdenc_init(struct cmdenc *e)
{
    memset(e, 0, sizeof(*e));
}

void
cmdenc_free(struct cmdenc *e)
{
    free(e->buf);
    memset(e, 0, sizeof(*e));
}

void
cmdenc_reset(struct cmdenc *e)
{
    e->len = 0;
    e->depth = 0;
    e->oom = false;
}

static uint8_t *
grow(struct cmdenc *e, size_t n)
{
    if (e->oom)
        return NULL;
    if (e->len + n > e->cap) {
        size_t cap = e->cap ? e->cap : 4096;
        while (cap < e->len + n)
            cap *= 2;
        uint8_t *b = realloc(e->buf, cap);
        if (!b) {
            e->oom = true;
            return NULL;
        }
        e->buf = b;
        e->cap = cap;
    }
    uint8_t *p = e->buf + e->len;
    memset(p, 0, n);
    e->len += n;
    return p;
}

void
cmdenc_raw(struct cmdenc *e, const void *p, size_t n)
{
    uint8_t *d = grow(e, n);
    if (d)
        memcpy(d, p, n);
}

void
cmdenc_segment_begin(struct cmdenc *e, uint8_t type)
{
    if (e->depth >= CMDENC_MAX_DEPTH)
        return;
    e->open[e->depth++] = e->len;
    uint8_t *h = grow(e, type == 5 ? 16 : 8);
    if (h)
        h[4] = type; /* options of a type-5 segment: 0 */
}

void
cmdenc_segment_end(struct cmdenc *e)
{
    if (e->depth <= 0 || e->oom)
        return;
    size_t start = e->open[--e->depth];
    mem_put_le32(e->buf + start, (uint32_t)(e->len - start));
}

uint8_t *
cmdenc_inner(struct cmdenc *e, uint32_t opcode, size_t body_len)
{
    uint8_t *h = grow(e, 8 + body_len);
    if (!h)
        return NULL;
    mem_put_le32(h, opcode);
    mem_put_le32(h + 4, (uint32_t)(8 + body_len));
    return h + 8;
}

/* ---- realistic values ---- */

static bool
is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static bool
has(const char *a, const char *b)
{
    return strstr(a, b) != NULL;
}

static bool
texture_op(uint32_t op)
{
    return op == 0x12F || op == 0x130 || op == 0x13E || (op >= 0x134 && op <= 0x137) ||
           op == 0x142 || op == 0x143 || op == 0x13A || (op >= 0x96 && op <= 0x98);
}

static uint64_t
pick_ref(uint32_t op, const char *n, const struct cmdenc_refs *r)
{
    if (is(n, "fenceRef") || is(n, "icbRef"))
        return r->other;
    if (is(n, "indexBufferRef"))
        return r->index_buffer;
    if (is(n, "textureRef") || is(n, "srcTextureRef") || is(n, "dstTextureRef"))
        return r->texture;
    if (is(n, "srcRef"))
        return texture_op(op) ? r->texture : r->buffer;
    if (is(n, "dstRef"))
        return texture_op(op) ? r->texture2 : r->buffer2;
    if (has(n, "BufferRef") || is(n, "resource"))
        return r->buffer;
    /* plain "ref" */
    switch (op) {
    case 0x68:
        return r->depth_stencil;
    case 0x74:
        return r->render_pipeline;
    case 0xD0:
        return r->compute_pipeline;
    case 0x8D:
    case 0x8E:
        return r->sampler;
    default:
        if (op >= 0x1C2)
            return r->render_pipeline;
        return texture_op(op) ? r->texture : r->buffer;
    }
}

static uint64_t
pick_u(uint32_t op, const char *n, const struct cmdenc_refs *r)
{
    if (has(n, "Ref") || is(n, "ref") || is(n, "resource"))
        return pick_ref(op, n, r);
    if (is(n, "bufferId"))
        return r->reply_id;
    if (is(n, "replyOffset"))
        return 0x40;
    if (is(n, "prim"))
        return 3;
    if (is(n, "indexType") || has(n, "Offset") || has(n, "offset") || has(n, "Start") ||
        is(n, "start") || has(n, "origin") || has(n, "Origin") || has(n, "Slice") ||
        is(n, "slice") || has(n, "Level") || is(n, "level") || is(n, "location") ||
        is(n, "options") || is(n, "baseVertex") || is(n, "layer") || is(n, "depthPlane"))
        return 0;
    if (has(n, "instanceCount"))
        return 2;
    if (is(n, "baseInstance"))
        return 1;
    if (is(n, "vertexCount") || is(n, "count") || is(n, "indexCount") || is(n, "patchCount"))
        return 6;
    if (has(n, "threadgroups_"))
        return n[13] == 'x' ? 4 : n[13] == 'y' ? 2 : 1;
    if (has(n, "threads_"))
        return n[8] == 'x' ? 64 : n[8] == 'y' ? 16 : 1;
    if (has(n, "threadsPerThreadgroup_"))
        return n[22] == 'z' ? 1 : 8;
    if (has(n, "size_") || has(n, "Size_")) {
        char c = n[strlen(n) - 1];
        return c == 'w' ? 4 : c == 'h' ? 4 : 1;
    }
    if (is(n, "bytesPerRow") || has(n, "BytesPerRow"))
        return 256;
    if (is(n, "bytesPerImage") || has(n, "BytesPerImage"))
        return 1024;
    if (is(n, "length") || is(n, "size"))
        return 64;
    if (is(n, "value") && op == 0x132)
        return 0xAB;
    if (is(n, "pattern"))
        return 0x11223344;
    if (is(n, "sliceCount") || is(n, "levelCount") || is(n, "controlPoints"))
        return op == 0x13E ? 1 : 3;
    if (is(n, "format") || is(n, "pixelFormat"))
        return 80;
    if (is(n, "front"))
        return op == 0x92 ? 1 : 0x11;
    if (is(n, "back"))
        return op == 0x92 ? 0 : 0x22;
    if (is(n, "index"))
        return op == 0x66 || op == 0x96 ? 0 : 1;
    if (is(n, "mode") || is(n, "winding") || is(n, "action") || is(n, "enabled"))
        return 1;
    if (is(n, "scope"))
        return 0x3;
    if (is(n, "x") && op == 0x75)
        return 1;
    if (is(n, "y") && op == 0x75)
        return 2;
    if (is(n, "width"))
        return op == 0x75 ? 30 : op == 0x1C3 ? 4 : 64;
    if (is(n, "height"))
        return op == 0x75 ? 20 : op == 0x1C3 ? 4 : 32;
    if (op == 0x1C3) { /* the record of item 73: {2, 70, 4, 4, 1, 3, 1, 1} */
        if (is(n, "textureType"))
            return 2;
        if (is(n, "pixelFormat"))
            return 70;
        if (is(n, "mipmapLevelCount"))
            return 3;
        return 1; /* depth, arrayLength, sampleCount */
    }
    if (is(n, "layerCount"))
        return 2;
    if (is(n, "N"))
        return 0; /* set by the element writer */
    if (is(n, "objectType"))
        return 7;
    return 0x5; /* stages, usage, masks and other bit sets */
}

static double
pick_f(uint32_t op, const char *n)
{
    if (is(n, "red") || is(n, "x"))
        return op >= 0x1C2 ? 1.5 : 0.25;
    if (is(n, "green") || is(n, "y"))
        return op >= 0x1C2 ? 2.5 : 0.5;
    if (is(n, "blue"))
        return 0.75;
    if (is(n, "alpha") || is(n, "zfar") || is(n, "value"))
        return 1.0;
    if (is(n, "originX") || is(n, "originY") || is(n, "znear"))
        return 0.0;
    if (is(n, "width"))
        return 64.0;
    if (is(n, "height"))
        return 32.0;
    if (is(n, "bias"))
        return 0.5;
    if (is(n, "slopeScale"))
        return 2.0;
    if (is(n, "clamp"))
        return 0.125;
    return 0.5;
}

#define PICK_u8(o, n)  ((proto_u8)pick_u((o), (n), refs))
#define PICK_u16(o, n) ((proto_u16)pick_u((o), (n), refs))
#define PICK_u32(o, n) ((proto_u32)pick_u((o), (n), refs))
#define PICK_u64(o, n) ((proto_u64)pick_u((o), (n), refs))
#define PICK_s16(o, n) ((proto_s16)pick_u((o), (n), refs))
#define PICK_s64(o, n) ((proto_s64)pick_u((o), (n), refs))
#define PICK_f32(o, n) ((proto_f32)pick_f((o), (n)))
#define PICK_f64(o, n) ((proto_f64)pick_f((o), (n)))

static void
fill_fields(uint32_t opcode, uint8_t *body, size_t len, const struct cmdenc_refs *refs)
{
#define FIELD(op, name, type, off)         \
    if (opcode == (uint32_t)PROTO_OP_##op) \
        proto_put_##op##_##name(body, len, PICK_##type(opcode, #name));
#include "protocol/ops_blit.def"
#include "protocol/ops_compute.def"
#include "protocol/ops_info.def"
#include "protocol/ops_render.def"
#undef FIELD
}

static bool
rule_of(uint32_t opcode, struct proto_size_rule *out)
{
    switch (opcode) {
#define OP(name, code, size, refs, fn) \
    case (code):                       \
        *out = size;                   \
        return true;
#define OP_SHARED(name, code, size, refs, fn)
#include "protocol/ops_blit.def"
#include "protocol/ops_compute.def"
#include "protocol/ops_info.def"
#include "protocol/ops_render.def"
#undef OP_SHARED
#undef OP
    default:
        return false;
    }
}

static uint32_t
elements_of(uint32_t opcode)
{
    return opcode == 0x1C8 || opcode == 0x76 || opcode == 0x83 ? 1 : 2;
}

size_t
cmdenc_op_body_size(uint32_t opcode)
{
    struct proto_size_rule r;
    if (!rule_of(opcode, &r))
        return 0;
    return r.head + (r.elem ? (size_t)r.elem * elements_of(opcode) : 0);
}

static void
fill_elements(uint32_t op,
              uint8_t *body,
              size_t len,
              const struct proto_size_rule *r,
              const struct cmdenc_refs *refs)
{
    uint32_t n = elements_of(op);
    proto_wr_u32(body, len, r->count_off, n);
    uint8_t *el = body + r->head;
    for (uint32_t i = 0; i < n; i++, el += r->elem) {
        size_t es = r->elem;
        if (r->count_off == 4) { /* binding list: H = {first 0, count n} */
            bool tex = op == 0x72 || op == 0x81 || op == 0xA1 || op == 0xCE;
            bool smp = op == 0x70 || op == 0x71 || op == 0x7F || op == 0x80 || op == 0x9F ||
                       op == 0xA0 || op == 0xCC || op == 0xCD;
            uint32_t ref = tex   ? (i ? refs->texture2 : refs->texture)
                           : smp ? refs->sampler
                                 : (i ? refs->buffer2 : refs->buffer);
            proto_put_E4_ref(el, es, ref);
            if (smp && es == 12) {
                proto_put_E12L_lodMinClamp(el, es, 0.0f);
                proto_put_E12L_lodMaxClamp(el, es, 4.0f);
            } else if (es >= 12) {
                proto_put_E12_offset(el, es, 0x10 * (i + 1));
            }
            if (es == 20)
                proto_put_E20_stride(el, es, 16);
        } else if (op == 0x76) {
            proto_put_SetScissorRect_x(el, es, 1);
            proto_put_SetScissorRect_y(el, es, 2);
            proto_put_SetScissorRect_width(el, es, 30);
            proto_put_SetScissorRect_height(el, es, 20);
        } else if (op == 0x83) {
            proto_put_SetViewport_width(el, es, 64.0);
            proto_put_SetViewport_height(el, es, 32.0);
            proto_put_SetViewport_zfar(el, es, 1.0);
        } else if (op == 0x1C8) {
            proto_wr_f32(el, es, 0, 3.5f);
            proto_wr_f32(el, es, 4, 4.5f);
        } else {
            proto_wr_u32(el, es, 0, refs->other);
        }
    }
}

void
cmdenc_render_pass(struct cmdenc *e,
                   uint32_t texture,
                   uint16_t load,
                   const double clear[4],
                   uint64_t width,
                   uint64_t height)
{
    uint8_t *b = cmdenc_inner(e, PROTO_OP_RenderDescribeRenderPass, 584);
    if (!b)
        return;
    uint8_t *c0 = b + OFF(RP, color0);
    size_t n = OFF(RP, colorStride);
    proto_put_RPAtt_texture(c0, n, texture);
    proto_put_RPAtt_loadAction(c0, n, load);
    proto_put_RPAtt_storeAction(c0, n, 1);
    proto_put_RPColor_clearRed(c0, n, clear[0]);
    proto_put_RPColor_clearGreen(c0, n, clear[1]);
    proto_put_RPColor_clearBlue(c0, n, clear[2]);
    proto_put_RPColor_clearAlpha(c0, n, clear[3]);
    proto_put_RP_clearDepth(b, 584, 1.0);
    proto_put_RP_renderTargetArrayLength(b, 584, 0);
    proto_put_RP_renderTargetWidth(b, 584, width);
    proto_put_RP_renderTargetHeight(b, 584, height);
}

bool
cmdenc_op(struct cmdenc *e, uint32_t opcode, const struct cmdenc_refs *refs)
{
    struct proto_size_rule r;
    if (!rule_of(opcode, &r))
        return false;
    if (opcode == PROTO_OP_RenderDescribeRenderPass) {
        static const double clear[4] = { 0.25, 0.5, 0.75, 1.0 };
        cmdenc_render_pass(e, refs->texture, 2, clear, 0, 0);
        return true;
    }
    size_t len = cmdenc_op_body_size(opcode);
    uint8_t *body = cmdenc_inner(e, opcode, len);
    if (!body)
        return false;
    fill_fields(opcode, body, len, refs);
    if (r.elem)
        fill_elements(opcode, body, len, &r, refs);
    return true;
}

/* ---- descriptors ---- */

void
cmdenc_slot(uint8_t out[12], uint8_t type, uint64_t desc_va)
{
    memset(out, 0, 12);
    proto_put_Slot_type(out, 12, type);
    proto_put_Slot_descriptor(out, 12, desc_va);
}

void
cmdenc_desc_buffer(uint8_t out[64], uint64_t size, uint32_t vpn)
{
    memset(out, 0, 64);
    proto_put_Placement_size(out, 16, size);
    proto_put_Placement_vpn(out, 16, vpn);
}

void
cmdenc_desc_texture(uint8_t out[0x80], const struct cmdenc_texture *t)
{
    memset(out, 0, 0x80);
    if (t->place_size) {
        proto_put_Placement_size(out, 16, t->place_size);
        proto_put_Placement_vpn(out, 16, t->place_vpn);
    }
    proto_put_TEX1_magic(out, 0x80, PROTO_MAGIC_TEX1);
    proto_put_TEX1_textureType(out, 0x80, t->type);
    proto_put_TEX1_pixelFormat(out, 0x80, t->format);
    proto_put_TEX1_width(out, 0x80, t->width);
    proto_put_TEX1_height(out, 0x80, t->height);
    proto_put_TEX1_depth(out, 0x80, 1);
    proto_put_TEX1_mipmapLevelCount(out, 0x80, t->levels);
    proto_put_TEX1_arrayLength(out, 0x80, t->layers);
    proto_put_TEX1_sampleCount(out, 0x80, t->samples);
    proto_put_TEX1_usage(out, 0x80, t->usage);
    proto_put_TEX1_storageMode(out, 0x80, t->storage);
    proto_put_TEX1_bytesPerRow(out, 0x80, t->bytes_per_row);
    proto_put_TEX1_iosurfaceId(out, 0x80, t->iosurface);
}

void
cmdenc_desc_view(uint8_t out[0x28], uint32_t parent, uint32_t format, uint32_t base_level)
{
    memset(out, 0, 0x28);
    proto_put_VIW1_magic(out, 0x28, PROTO_MAGIC_VIW1);
    proto_put_VIW1_parent(out, 0x28, parent);
    proto_put_VIW1_pixelFormat(out, 0x28, format);
    proto_put_VIW1_textureType(out, 0x28, 0xFFFFFFFFu);
    proto_put_VIW1_baseLevel(out, 0x28, base_level);
}

void
cmdenc_desc_sampler(uint8_t out[32], uint8_t filter, uint8_t address)
{
    memset(out, 0, 32);
    proto_put_SMP1_magic(out, 32, PROTO_MAGIC_SMP1);
    proto_put_SMP1_minFilter(out, 32, filter);
    proto_put_SMP1_magFilter(out, 32, filter);
    proto_put_SMP1_normalizedCoordinates(out, 32, 1);
    proto_put_SMP1_sAddressMode(out, 32, address);
    proto_put_SMP1_tAddressMode(out, 32, address);
    proto_put_SMP1_rAddressMode(out, 32, address);
    proto_put_SMP1_maxAnisotropy(out, 32, 1);
    proto_put_SMP1_lodMinClamp(out, 32, 0.0f);
    proto_put_SMP1_lodMaxClamp(out, 32, 1000.0f);
}

void
cmdenc_desc_depth_stencil(uint8_t out[32], uint8_t compare, bool write)
{
    memset(out, 0, 32);
    proto_put_DSS1_magic(out, 32, PROTO_MAGIC_DSS1);
    proto_put_DSS1_depthCompareFunction(out, 32, compare);
    proto_put_DSS1_depthWriteEnabled(out, 32, write ? 1 : 0);
    for (int f = 0; f < 2; f++) {
        uint8_t *face = out + (f ? OFF(DSS1, back) : OFF(DSS1, front));
        proto_put_Stencil_compare(face, 8, 7);
        proto_put_Stencil_readMask(face, 8, 0xFF);
        proto_put_Stencil_writeMask(face, 8, 0xFF);
    }
}

void
cmdenc_desc_function(uint8_t out[16], uint64_t mtlb_va)
{
    memset(out, 0, 16);
    proto_put_Function_mtlb(out, 16, mtlb_va);
}

size_t
cmdenc_mtlb(uint8_t *out, size_t cap, uint8_t stage)
{
    /* Header 0x58, count, tag group {size, NAME "f", TYPE, ENDT}, header-extension ENDT,
     * two empty metadata groups {4, ENDT}, 16 bytes of "bitcode". */
    static const uint8_t group[] = {
        0,   0,   0,   0,   'N', 'A', 'M', 'E', 2,   0,   'f', 0,
        'T', 'Y', 'P', 'E', 1,   0,   0,   'E', 'N', 'D', 'T',
    };
    size_t g = sizeof(group), total = 0x5C + g + 4 + 16 + 16;
    if (cap < total)
        return 0;
    memset(out, 0, total);
    memcpy(out, "MTLB", 4);
    mem_put_le16(out + 4, 0x8001);
    mem_put_le16(out + 6, 2);
    mem_put_le16(out + 8, 8);
    mem_put_le64(out + 0x10, total);
    mem_put_le64(out + 0x18, 0x58);
    mem_put_le64(out + 0x20, g);
    mem_put_le64(out + 0x28, 0x60 + g);
    mem_put_le64(out + 0x30, 8);
    mem_put_le64(out + 0x38, 0x68 + g);
    mem_put_le64(out + 0x40, 8);
    mem_put_le64(out + 0x48, 0x70 + g);
    mem_put_le64(out + 0x50, 16);
    mem_put_le32(out + 0x58, 1);
    memcpy(out + 0x5C, group, g);
    mem_put_le32(out + 0x5C, (uint32_t)g);
    out[0x5C + 18] = stage; /* TYPE payload */
    memcpy(out + 0x5C + g, "ENDT", 4);
    mem_put_le32(out + 0x60 + g, 4);
    memcpy(out + 0x64 + g, "ENDT", 4);
    mem_put_le32(out + 0x68 + g, 4);
    memcpy(out + 0x6C + g, "ENDT", 4);
    memcpy(out + 0x70 + g, "BC\xC0\xDE", 4);
    return total;
}

size_t
cmdenc_desc_rps1(uint8_t *out, size_t cap, uint32_t vfn, uint32_t ffn, uint32_t format)
{
    size_t size = 0xB0 + 12 + 12;
    if (cap < size)
        return 0;
    memset(out, 0, size);
    proto_put_RPS1_magic(out, size, PROTO_MAGIC_RPS1);
    proto_put_RPS1_size(out, size, (uint32_t)size);
    proto_put_RPS1_vertexFunction(out, size, vfn);
    proto_put_RPS1_fragmentFunction(out, size, ffn);
    proto_put_RPS1_rasterSampleCount(out, size, 1);
    proto_put_RPS1_inputPrimitiveTopology(out, size, 3);
    proto_put_RPS1_rasterizationEnabled(out, size, 1);
    proto_put_RPS1_colorCount(out, size, 1);
    proto_put_RPS1_attributeCount(out, size, 1);
    proto_put_RPS1_layoutCount(out, size, 1);
    uint8_t *c = out + OFF(RPS1, color0);
    proto_put_RPS1Color_pixelFormat(c, 16, format);
    proto_put_RPS1Color_blendingEnabled(c, 16, 1);
    proto_put_RPS1Color_writeMask(c, 16, 0xF);
    proto_put_RPS1Color_sourceRGBBlendFactor(c, 16, 1);
    proto_put_RPS1Color_destinationRGBBlendFactor(c, 16, 5);
    proto_put_RPS1Color_sourceAlphaBlendFactor(c, 16, 1);
    proto_put_RPS1Color_destinationAlphaBlendFactor(c, 16, 5);
    uint8_t *a = out + OFF(RPS1, attribute0);
    proto_put_RPS1Attr_format(a, 12, 31); /* Float4 */
    uint8_t *l = a + 12;
    proto_put_RPS1Layout_stepFunction(l, 12, 1);
    proto_put_RPS1Layout_stride(l, 12, 16);
    proto_put_RPS1Layout_stepRate(l, 12, 1);
    return size;
}

void
cmdenc_desc_cps1(uint8_t out[32], uint32_t fn)
{
    memset(out, 0, 32);
    proto_put_CPS1_magic(out, 32, PROTO_MAGIC_CPS1);
    proto_put_CPS1_size(out, 32, 32);
    proto_put_CPS1_function(out, 32, fn);
}

size_t
cmdenc_exec(uint8_t *out,
            size_t cap,
            uint32_t task,
            const struct cmdenc_exec_desc *desc,
            uint32_t dc,
            const struct cmdenc_exec_res *res,
            uint32_t rc)
{
    size_t len = 12 + 24 * (size_t)dc + 16 * (size_t)rc;
    if (cap < len)
        return 0;
    memset(out, 0, len);
    mem_put_le32(out, task);
    mem_put_le32(out + 4, dc);
    mem_put_le32(out + 8, rc);
    for (uint32_t i = 0; i < dc; i++) {
        mem_put_le32(out + 12 + 24 * i, desc[i].ref);
        mem_put_le32(out + 16 + 24 * i, desc[i].flags);
    }
    uint8_t *r = out + 12 + 24 * (size_t)dc;
    for (uint32_t i = 0; i < rc; i++) {
        mem_put_le64(r + 16 * i, res[i].va);
        mem_put_le32(r + 16 * i + 8, res[i].len);
    }
    return len;
}
