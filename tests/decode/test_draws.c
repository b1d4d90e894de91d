/* SPDX-License-Identifier: MIT */
/*
 * Draws and bindings (protocol.md §11.1-§11.2, §13.12-§13.13, §19 items 79-81, 86, 87): the
 * transcript of one command stream, compared with tests/golden/decode/draws.txt, covering
 * indexed and non-indexed draws, an index range past its buffer, buffer offsets moved by
 * 0x7E, a ref of unknown type bound as a texture, a ref beyond the slot table, draws outside a
 * pass or without a pipeline, and pass compatibility (sRGB twins match, RGBA does not).
 */
#include <string.h>

#include "check.h"
#include "harness.h"
#include "protocol/ops.h"

static struct harness h;
static struct cmdenc_refs refs;

static void
draw_indexed16(struct cmdenc *e, uint32_t ref, uint16_t count, uint16_t offset)
{
    uint8_t *b = cmdenc_inner(e, PROTO_OP_DrawIndexedPrimitives16, 12);
    proto_put_DrawIndexedPrimitives16_prim(b, 12, 3);
    proto_put_DrawIndexedPrimitives16_indexType(b, 12, 0);
    proto_put_DrawIndexedPrimitives16_indexBufferRef(b, 12, ref);
    proto_put_DrawIndexedPrimitives16_indexCount(b, 12, count);
    proto_put_DrawIndexedPrimitives16_indexBufferOffset(b, 12, offset);
}

static void
draw16(struct cmdenc *e, uint16_t start, uint16_t count)
{
    uint8_t *b = cmdenc_inner(e, PROTO_OP_DrawPrimitives16, 8);
    proto_put_DrawPrimitives16_prim(b, 8, 3);
    proto_put_DrawPrimitives16_vertexStart(b, 8, start);
    proto_put_DrawPrimitives16_vertexCount(b, 8, count);
}

static void
pipeline(struct cmdenc *e, uint32_t ref)
{
    uint8_t *b = cmdenc_inner(e, PROTO_OP_SetRenderPipelineState, 4);
    proto_put_SetRenderPipelineState_ref(b, 4, ref);
}

int
main(void)
{
    h_init(&h);
    h_standard_objects(&h, &refs);
    h_render_pipeline(&h, 20, 8, 9, 70); /* RGBA8Unorm: incompatible with a BGRA pass */
    h_render_pipeline(&h, 21, 8, 9, 81); /* BGRA8Unorm_sRGB: the twin, compatible */
    uint8_t unknown[32] = { 0 };
    h_slot_raw(&h, 22, 0x0F, unknown, sizeof(unknown));

    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    draw16(&e, 0, 3); /* outside a pass: skipped */
    static const double clear[4] = { 1, 0, 0, 1 };
    cmdenc_render_pass(&e, refs.texture, 2, clear, 0, 0);
    draw16(&e, 0, 3); /* no pipeline: skipped */
    pipeline(&e, refs.render_pipeline);
    draw_indexed16(&e, refs.index_buffer, 6, 0);         /* 79 */
    draw16(&e, 0, 3);                                    /* 79 */
    draw_indexed16(&e, refs.index_buffer, 6, 1024 - 10); /* 80: past the end, skipped */
    draw_indexed16(&e, refs.index_buffer, 6, 1);         /* misaligned, skipped */
    draw_indexed16(&e, refs.index_buffer, 2, 1024 - 4);  /* exactly at the end: runs */
    /* 81 */
    uint8_t *b = cmdenc_inner(&e, PROTO_OP_SetVertexBuffers, 8 + 12);
    proto_put_H_first(b, 20, 2);
    proto_put_H_count(b, 20, 1);
    proto_put_E12_ref(b + 8, 12, refs.buffer);
    proto_put_E12_offset(b + 8, 12, 0x10);
    b = cmdenc_inner(&e, PROTO_OP_SetVertexBufferOffset, 12);
    proto_put_SetVertexBufferOffset_index(b, 12, 2);
    proto_put_SetVertexBufferOffset_offset(b, 12, 0x20);
    b = cmdenc_inner(&e, PROTO_OP_SetVertexBufferOffset, 12); /* index 3 unbound: DR3 */
    proto_put_SetVertexBufferOffset_index(b, 12, 3);
    /* 86: a type-0x0F ref bound as a texture is ignored; its neighbour binds */
    b = cmdenc_inner(&e, PROTO_OP_SetFragmentTextures, 8 + 8);
    proto_put_H_first(b, 16, 0);
    proto_put_H_count(b, 16, 2);
    proto_put_E4_ref(b + 8, 4, 22);
    proto_put_E4_ref(b + 12, 4, refs.texture2);
    /* binding band: first 30 + 2 buffers > 31: skipped */
    b = cmdenc_inner(&e, PROTO_OP_SetFragmentBuffers, 8 + 24);
    proto_put_H_first(b, 32, 30);
    proto_put_H_count(b, 32, 2);
    /* 87: ref ≥ slot count */
    draw_indexed16(&e, H_SLOT_COUNT + 5, 6, 0);
    draw16(&e, 3, 3);
    /* pass compatibility (§13.12) */
    pipeline(&e, 20);
    draw16(&e, 0, 3); /* skipped: an RGBA8 pipeline in a BGRA8 pass */
    pipeline(&e, 21);
    draw16(&e, 0, 4);
    cmdenc_segment_end(&e);
    REQUIRE(!e.oom);

    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    CHECK(h_golden("draws.txt", h_transcript(&h)));
    cmdenc_free(&e);
    h_finish(&h);
    return check_finish();
}
