/* SPDX-License-Identifier: MIT */
/*
 * Hostile command buffers (protocol.md §1.3 DR1-DR5, §17.1): truncated inner headers, zero
 * and over-long lengths, huge element counts, short bodies, bad enums in 0x1A, unusable and
 * self-referencing object descriptors, then 20 000 deterministic mutations of real streams.
 * Every case has a documented result (task fault or skip); none may crash or read outside
 * the buffers (ASan/UBSan builds).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "harness.h"
#include "protocol/ops.h"

static struct harness h;
static struct cmdenc_refs refs;

static lagfx_status_t
decode_raw(const uint8_t *p, size_t len)
{
    struct cmdenc e = { .buf = (uint8_t *)p, .len = len };
    h_clear(&h);
    return h_decode(&h, &e);
}

static void
structure(void)
{
    struct cmdenc e;
    cmdenc_init(&e);
    /* trailing 4 bytes after the last inner command: header overrun → fault */
    cmdenc_segment_begin(&e, 4);
    cmdenc_op(&e, PROTO_OP_FillBuffer, &refs);
    cmdenc_raw(&e, "\0\0\0\0", 4);
    cmdenc_segment_end(&e);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_ERROR_GUEST_FAULT);
    /* inner length 0 and 0xFFFFFFFF → fault */
    static const uint32_t lens[] = { 0, 7, 0xFFFFFFFFu, 0x100 };
    for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
        cmdenc_reset(&e);
        cmdenc_segment_begin(&e, 4);
        cmdenc_op(&e, PROTO_OP_FillBuffer, &refs);
        uint8_t hdr[8];
        mem_put_le32(hdr, PROTO_OP_FillBuffer);
        mem_put_le32(hdr + 4, lens[i]);
        cmdenc_raw(&e, hdr, 8);
        cmdenc_segment_end(&e);
        CHECK_STATUS(h_decode(&h, &e), LAGFX_ERROR_GUEST_FAULT);
    }
    /* a later segment longer than what is left → fault; size 0 ends the entry */
    cmdenc_reset(&e);
    cmdenc_segment_begin(&e, 4);
    cmdenc_segment_end(&e);
    uint8_t seg[8] = { 0x00, 0x10, 0, 0, 4, 0, 0, 0 };
    cmdenc_raw(&e, seg, 8);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_ERROR_GUEST_FAULT);
    memset(seg, 0, 4);
    e.len -= 8;
    cmdenc_raw(&e, seg, 8);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    /* a first segment of size 10 (not a multiple of 4) or type 3: the entry is data */
    uint8_t odd[16] = { 10, 0, 0, 0, 4, 0, 0, 0 };
    CHECK_STATUS(decode_raw(odd, sizeof(odd)), LAGFX_OK);
    uint8_t t3[8] = { 8, 0, 0, 0, 3, 0, 0, 0 };
    CHECK_STATUS(decode_raw(t3, sizeof(t3)), LAGFX_OK);
    CHECK_STR(h_transcript(&h), "");
    cmdenc_free(&e);
}

static void
bodies(void)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    uint64_t short_before = ut_guest_error_count(&h.errs, UT_GERR_INNER_SHORT);
    cmdenc_inner(&e, PROTO_OP_FillBuffer, 4); /* DR1: short body */
    uint8_t *b = cmdenc_inner(&e, PROTO_OP_SetVertexBuffers, 8 + 12);
    proto_put_H_count(b, 20, 0xFFFFFFFFu); /* count beyond the body */
    b = cmdenc_inner(&e, PROTO_OP_UseResources, 8);
    proto_put_UseResources_N(b, 8, 0x40000000u); /* list count beyond the body */
    cmdenc_inner(&e, PROTO_OP_RenderDescribeRenderPass, 580);
    cmdenc_segment_end(&e);
    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    CHECK_EQ_U64(ut_guest_error_count(&h.errs, UT_GERR_INNER_SHORT), short_before + 4);
    CHECK_STR(h_transcript(&h), "encoder_reset\n");
    /* 0x1A with load action 9: the pass is a no-op (DR2), its draws are skipped */
    cmdenc_reset(&e);
    cmdenc_segment_begin(&e, 2);
    static const double clear[4] = { 0, 0, 0, 1 };
    cmdenc_render_pass(&e, refs.texture, 9, clear, 0, 0);
    cmdenc_op(&e, 0x74, &refs);
    cmdenc_op(&e, 0x01, &refs);
    cmdenc_segment_end(&e);
    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    CHECK(!strstr(h_transcript(&h), "begin_render_pass") && !strstr(h_transcript(&h), "draw"));
    cmdenc_free(&e);
}

static void
objects(void)
{
    /* 30: texture 100000 wide (unusable); 31: RPS1 with size 0xFFFF; 32: a view whose parent
     * is itself; 33: a slot whose descriptor does not translate; 34: fallback view naming 30 */
    struct cmdenc_texture t = { .type = 2,
                                .format = 80,
                                .width = 100000,
                                .height = 4,
                                .levels = 1,
                                .layers = 1,
                                .samples = 1 };
    uint8_t d[0x80];
    cmdenc_desc_texture(d, &t);
    h_slot_raw(&h, 30, 0x02, d, sizeof(d));
    uint8_t p[256];
    size_t n = cmdenc_desc_rps1(p, sizeof(p), 8, 9, 80);
    mem_put_le32(p + 4, 0xFFFF);
    h_slot_raw(&h, 31, 0x07, p, n);
    uint8_t v[0x28];
    cmdenc_desc_view(v, 32, 0, 0);
    h_slot_raw(&h, 32, 0x05, v, sizeof(v));
    uint8_t slot[12];
    cmdenc_slot(slot, 0x01, 0x3F000000ull);
    h_write(&h, H_SLOTS_VA + 12 * 33, slot, sizeof(slot));
    uint8_t fv[0x40] = { 0 };
    mem_put_le32(fv + 8, 30);
    h_slot_raw(&h, 34, 0x05, fv, sizeof(fv));
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    uint8_t *b = cmdenc_inner(&e, PROTO_OP_SetFragmentTextures, 8 + 16);
    proto_put_H_count(b, 24, 4);
    proto_put_E4_ref(b + 8, 4, 30);
    proto_put_E4_ref(b + 12, 4, 32);
    proto_put_E4_ref(b + 16, 4, 33);
    proto_put_E4_ref(b + 20, 4, 34);
    b = cmdenc_inner(&e, PROTO_OP_SetRenderPipelineState, 4);
    proto_put_SetRenderPipelineState_ref(b, 4, 31);
    cmdenc_segment_end(&e);
    uint64_t layout = ut_guest_error_count(&h.errs, UT_GERR_OBJECT_LAYOUT);
    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    CHECK_STR(h_transcript(&h), "encoder_reset\n");
    CHECK(ut_guest_error_count(&h.errs, UT_GERR_OBJECT_LAYOUT) >= layout + 3);
    cmdenc_free(&e);
}

static uint32_t rng = 0x12345678;

static uint32_t
next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void
mutations(void)
{
    /* A stream holding every row of every table, then random damage. */
    struct cmdenc e;
    cmdenc_init(&e);
    static const uint8_t types[] = { 2, 0, 4, 4 };
    static const uint32_t ranges[][2] = {
        { 0x00, 0xA6 }, { 0xC8, 0xE6 }, { 0x12C, 0x143 }, { 0x1C2, 0x1D0 }
    };
    for (int t = 0; t < 4; t++) {
        cmdenc_segment_begin(&e, types[t]);
        for (uint32_t op = ranges[t][0]; op <= ranges[t][1]; op++)
            cmdenc_op(&e, op, &refs);
        cmdenc_segment_end(&e);
    }
    REQUIRE(!e.oom && e.len > 1000);
    uint8_t *m = malloc(e.len);
    REQUIRE(m);
    struct be *rec = h.env.be, *null;
    REQUIRE(be_null_new(&null) == LAGFX_OK);
    proto_task_objects_free(&h.task, rec);
    h.env.be = null;
    int faults = 0;
    for (int i = 0; i < 20000; i++) {
        memcpy(m, e.buf, e.len);
        size_t len = e.len;
        int flips = 1 + (int)(next() % 8);
        for (int k = 0; k < flips; k++) {
            size_t at = next() % len;
            uint32_t kind = next() % 16;
            if (kind < 7)
                m[at] = (uint8_t)next();
            else if (kind < 13)
                m[at] ^= (uint8_t)(1u << (next() % 8));
            else if (kind < 15 && at + 4 <= len) /* a length or count word */
                mem_put_le32(m + at, next() % 3 ? next() % 64 : next());
            else if (kind == 15)
                len = at + 1;
        }
        struct cmdenc me = { .buf = m, .len = len };
        lagfx_status_t st = h_decode(&h, &me);
        CHECK(st == LAGFX_OK || st == LAGFX_ERROR_GUEST_FAULT);
        faults += st != LAGFX_OK;
    }
    /* The mutations must reach the decoder, not only the data check: some fault, most not. */
    CHECK(faults > 1000 && faults < 19000);
    proto_task_objects_free(&h.task, null);
    be_destroy(null);
    h.env.be = rec;
    free(m);
    cmdenc_free(&e);
}

int
main(void)
{
    h_init(&h);
    h_standard_objects(&h, &refs);
    structure();
    bodies();
    objects();
    mutations();
    h_finish(&h);
    return check_finish();
}
