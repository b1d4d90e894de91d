/* SPDX-License-Identifier: MIT */
/*
 * Info queries (protocol.md §11.5): answered at decode time, before the stamp, whatever the
 * backend, by writing exactly the reply size into resource[bufferId].VA + replyOffset of the
 * same ExecIndirect, page by page (replies may straddle a page). A buffer id beyond the table,
 * a range beyond the entry or a translation failure writes nothing (DR3, no fault). Naming an
 * entry as a reply buffer excludes it from command parsing (§10.3). Reply values are the host
 * choices of C19. Protocol worker.
 */
#include <string.h>

#include "protocol/formats.h"
#include "protocol/inner.h"
#include "util/checked.h"

static void
reply(struct proto_dec *d, uint32_t buffer_id, uint64_t off, const uint8_t *bytes, size_t size)
{
    if (buffer_id >= d->rc) {
        proto_dr(d, UT_GERR_INFO_REPLY, "reply buffer id beyond the resource table", buffer_id);
        return;
    }
    struct proto_res *r = &d->res[buffer_id];
    r->reply = true;
    if (size > PROTO_MAX_INFO_REPLY || !ut_range_ok(off, size, r->len)) {
        proto_dr(d, UT_GERR_INFO_REPLY, "reply outside its buffer", off);
        return;
    }
    if (!proto_write_va(d, r->va + off, bytes, size))
        proto_dr(d, UT_GERR_INFO_REPLY, "reply buffer does not translate", r->va + off);
}

#define REPLY_AT(b, op, buf, size) \
    reply(d, GET(b, op, bufferId), GET(b, op, replyOffset), (buf), (size))

static void
i_ComputePipelineStateInfo(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint8_t r[PROTO_REPLY_ComputePipelineStateInfo] = { 0 };
    proto_put_ComputePipelineStateInfoReply_maxTotalThreadsPerThreadgroup(r, sizeof(r), 1024);
    proto_put_ComputePipelineStateInfoReply_threadExecutionWidth(r, sizeof(r), 32); /* never 0 */
    proto_put_ComputePipelineStateInfoReply_staticThreadgroupMemoryLength(r, sizeof(r), 0);
    proto_put_ComputePipelineStateInfoReply_supportsIndirectCommandBuffers(r, sizeof(r), 0);
    REPLY_AT(b, ComputePipelineStateInfo, r, sizeof(r));
}

static void
i_RenderPipelineStateInfo(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint8_t r[PROTO_REPLY_RenderPipelineStateInfo] = { 0 };
    proto_put_RenderPipelineStateInfoReply_maxTotalThreadsPerThreadgroup(r, sizeof(r), 1024);
    REPLY_AT(b, RenderPipelineStateInfo, r, sizeof(r));
}

static void
i_HeapTextureDescriptorSizeAndAlign(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint64_t size = 0;
    uint32_t type = GET(b, HeapTextureDescriptorSizeAndAlign, textureType);
    uint32_t depth = GET(b, HeapTextureDescriptorSizeAndAlign, depth);
    uint32_t samples = GET(b, HeapTextureDescriptorSizeAndAlign, sampleCount);
    bool ok =
        type <= PROTO_MTL_TEXTURE_TYPE_MAX && depth >= 1 && depth <= PROTO_MAX_TEXTURE_DIM &&
        samples >= 1 && samples <= PROTO_MAX_TEXTURE_SAMPLES &&
        proto_texture_linear_size(GET(b, HeapTextureDescriptorSizeAndAlign, pixelFormat),
                                  GET(b, HeapTextureDescriptorSizeAndAlign, width),
                                  GET(b, HeapTextureDescriptorSizeAndAlign, height),
                                  GET(b, HeapTextureDescriptorSizeAndAlign, mipmapLevelCount),
                                  GET(b, HeapTextureDescriptorSizeAndAlign, arrayLength), 0, &size);
    /* Rounded up to 4096; an invalid record gets one page (C19). */
    uint64_t reply_size = ok && size ? (size + 4095) / 4096 * 4096 : 4096;
    uint8_t r[PROTO_REPLY_HeapTextureDescriptorSizeAndAlign] = { 0 };
    proto_put_HeapTextureDescriptorSizeAndAlignReply_size(r, sizeof(r), reply_size);
    proto_put_HeapTextureDescriptorSizeAndAlignReply_align(r, sizeof(r), 4096);
    REPLY_AT(b, HeapTextureDescriptorSizeAndAlign, r, sizeof(r));
}

static void
i_RasterizationRateMapInfo(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint32_t layers = GET(b, RasterizationRateMapInfo, layerCount);
    if (layers > 16) {
        proto_dr(d, UT_GERR_INFO_REPLY, "layer count above 16", layers);
        return;
    }
    uint8_t r[PROTO_REPLY_RasterizationRateMapInfo + 4 * 16] = { 0 };
    REPLY_AT(b, RasterizationRateMapInfo, r, PROTO_REPLY_RasterizationRateMapInfo + 4 * layers);
}

static void
i_MapPhysicalToScreenCoordinates(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint8_t r[PROTO_REPLY_MapPhysicalToScreenCoordinates];
    memcpy(r, b->p + OFF(MapPhysicalToScreenCoordinates, x), sizeof(r)); /* identity map */
    REPLY_AT(b, MapPhysicalToScreenCoordinates, r, sizeof(r));
}

static void
i_MapScreenToPhysicalCoordinates(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint8_t r[PROTO_REPLY_MapScreenToPhysicalCoordinates];
    memcpy(r, b->p + OFF(MapScreenToPhysicalCoordinates, x), sizeof(r));
    REPLY_AT(b, MapScreenToPhysicalCoordinates, r, sizeof(r));
}

static void
i_MapPhysicalToScreenCoordinatesMultiple(struct proto_dec *d,
                                         const struct mem_reader *b,
                                         uint32_t n)
{
    if (n > 512) {
        proto_dr(d, UT_GERR_INFO_REPLY, "more than 512 points", n);
        return;
    }
    /* The N points follow the 0x20-byte head; the size rule checked they are present. */
    REPLY_AT(b, MapPhysicalToScreenCoordinatesMultiple, b->p + 0x20,
             PROTO_REPLY_MapPhysicalToScreenCoordinatesMultiple * (size_t)n);
}

static void
i_ImageblockMemoryLength(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    static const uint8_t zero[4];
    _Static_assert(OFF(RenderPipelineImageblockMemoryLength, bufferId) ==
                           OFF(ComputePipelineImageblockMemoryLength, bufferId) &&
                       OFF(RenderPipelineImageblockMemoryLength, replyOffset) ==
                           OFF(ComputePipelineImageblockMemoryLength, replyOffset),
                   "0x1CA and 0x1CB share one layout");
    REPLY_AT(b, RenderPipelineImageblockMemoryLength, zero, sizeof(zero));
}

static void
i_ObjectUniqueIdentifier(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    uint8_t r[PROTO_REPLY_ObjectUniqueIdentifier];
    proto_put_ObjectUniqueIdentifierReply_id(r, sizeof(r), GET(b, ObjectUniqueIdentifier, ref));
    REPLY_AT(b, ObjectUniqueIdentifier, r, sizeof(r));
}

static void
i_HostResourceInfo(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    static const uint8_t zero[16];
    size_t size = d->op == PROTO_OP_BufferHostResourceInfo ? PROTO_REPLY_BufferHostResourceInfo
                  : d->op == PROTO_OP_HeapHostResourceInfo ? PROTO_REPLY_HeapHostResourceInfo
                  : d->op == PROTO_OP_TextureHostResourceInfo
                      ? PROTO_REPLY_TextureHostResourceInfo
                      : PROTO_REPLY_SamplerStateHostResourceInfo;
    _Static_assert(OFF(BufferHostResourceInfo, bufferId) ==
                       OFF(SamplerStateHostResourceInfo, bufferId),
                   "0x1CD-0x1D0 share the common 16 bytes");
    REPLY_AT(b, BufferHostResourceInfo, zero, size);
}

bool
proto_info_dispatch(struct proto_dec *d, uint32_t op, const struct mem_reader *b)
{
    switch (op) {
#define OP PROTO_DISPATCH_CASE
#include "protocol/ops_info.def"
#undef OP
    default:
        return false;
    }
}
