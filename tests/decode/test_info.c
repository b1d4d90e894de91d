/* SPDX-License-Identifier: MIT */
/*
 * Info queries at the ExecIndirect level (protocol.md §11.5, §19 items 67-73): exact reply
 * bytes at resource[bufferId].VA + replyOffset, nothing beyond, nothing on a bad buffer id or
 * range (the command buffer continues), replies split across scattered pages, replies
 * written with the null backend too.
 */
#include <string.h>

#include "check.h"
#include "harness.h"
#include "protocol/ops.h"

static struct harness h;
static struct cmdenc_refs refs;

/* One query in entry 0, reply buffer = entry 1 of `len` bytes at H_REPLY_VA (0xEE-filled). */
static lagfx_status_t
query(struct cmdenc *e, uint32_t reply_len)
{
    uint8_t fill[8192];
    memset(fill, 0xEE, sizeof(fill));
    h_unmap(&h, H_REPLY_VA, 8192);
    h_write(&h, H_REPLY_VA, fill, reply_len);
    h_write(&h, H_STREAM_VA, e->buf, e->len);
    struct cmdenc_exec_res res[2] = { { H_STREAM_VA, (uint32_t)e->len },
                                      { H_REPLY_VA, reply_len } };
    uint8_t payload[64];
    size_t n = cmdenc_exec(payload, sizeof(payload), 1, NULL, 0, res, 2);
    h_clear(&h);
    return proto_cmdbuf_exec(&h.env, payload, n);
}

static uint8_t *
q16(struct cmdenc *e, uint32_t op, uint32_t ref, uint32_t id, uint64_t off)
{
    cmdenc_reset(e);
    cmdenc_segment_begin(e, 4);
    uint8_t *b = cmdenc_inner(e, op, 16);
    proto_put_ComputePipelineStateInfo_ref(b, 16, ref);
    proto_put_ComputePipelineStateInfo_bufferId(b, 16, id);
    proto_put_ComputePipelineStateInfo_replyOffset(b, 16, off);
    cmdenc_op(e, PROTO_OP_FillBuffer, &refs); /* the command buffer goes on */
    cmdenc_segment_end(e);
    return b;
}

int
main(void)
{
    h_init(&h);
    h_standard_objects(&h, &refs);
    struct cmdenc e;
    cmdenc_init(&e);
    uint8_t r[64];

    /* 67 */
    q16(&e, 0x1C2, 11, 1, 0x40);
    CHECK_STATUS(query(&e, 4096), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 0x40, r, 0x20);
    static const uint8_t want67[0x20] = { 0x00, 0x04, 0, 0, 0, 0, 0,    0,    0x20, 0,   0,
                                          0,    0,    0, 0, 0, 0, 0,    0,    0,    0,   0,
                                          0,    0,    0, 0, 0, 0, 0xEE, 0xEE, 0xEE, 0xEE };
    CHECK_MEM(r, want67, sizeof(want67));
    h_read(&h, H_REPLY_VA + 0x3C, r, 4);
    CHECK_EQ_U32(mem_le32(r), 0xEEEEEEEE);
    CHECK(strstr(h_transcript(&h), "fill_buffer") != NULL);

    /* 68 */
    q16(&e, 0x1C9, 11, 1, 0x40);
    CHECK_STATUS(query(&e, 4096), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 0x40, r, 16);
    static const uint8_t want68[16] = {
        0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xEE, 0xEE, 0xEE, 0xEE
    };
    CHECK_MEM(r, want68, sizeof(want68));

    /* 69 */
    cmdenc_reset(&e);
    cmdenc_segment_begin(&e, 4);
    uint8_t *b = cmdenc_inner(&e, 0x1CC, 0x14);
    proto_put_ObjectUniqueIdentifier_ref(b, 0x14, 0x13);
    proto_put_ObjectUniqueIdentifier_bufferId(b, 0x14, 1);
    proto_put_ObjectUniqueIdentifier_replyOffset(b, 0x14, 0x40);
    cmdenc_segment_end(&e);
    CHECK_STATUS(query(&e, 4096), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 0x40, r, 12);
    CHECK_EQ_U64(mem_le64(r), 0x13);
    CHECK_EQ_U32(mem_le32(r + 8), 0xEEEEEEEE);

    /* 70: range past the entry, and a buffer id ≥ rc: nothing written, the buffer goes on */
    uint64_t before = ut_guest_error_count(&h.errs, UT_GERR_INFO_REPLY);
    q16(&e, 0x1C2, 11, 1, 4096 - 27);
    CHECK_STATUS(query(&e, 4096), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 4096 - 27, r, 27);
    static uint8_t ee[64];
    memset(ee, 0xEE, sizeof(ee));
    CHECK_MEM(r, ee, 27);
    CHECK(strstr(h_transcript(&h), "fill_buffer") != NULL);
    q16(&e, 0x1C2, 11, 2, 0x40);
    CHECK_STATUS(query(&e, 4096), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 0x40, r, 28);
    CHECK_MEM(r, ee, 28);
    CHECK(strstr(h_transcript(&h), "fill_buffer") != NULL);
    CHECK_EQ_U64(ut_guest_error_count(&h.errs, UT_GERR_INFO_REPLY), before + 2);
    /* exactly at the end fits */
    q16(&e, 0x1C2, 11, 1, 4096 - 28);
    CHECK_STATUS(query(&e, 4096), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 4096 - 28, r, 4);
    CHECK_EQ_U32(mem_le32(r), 1024);

    /* 71: at 0xFF8 of a two-page resource (pages are separate allocations here) */
    q16(&e, 0x1C2, 11, 1, 0xFF8);
    CHECK_STATUS(query(&e, 8192), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 0xFF8, r, 32);
    CHECK_EQ_U32(mem_le32(r), 1024);
    CHECK_EQ_U32(mem_le32(r + 8), 32);
    CHECK_EQ_U32(mem_le32(r + 28), 0xEEEEEEEE);

    /* 73 */
    cmdenc_reset(&e);
    cmdenc_segment_begin(&e, 4);
    cmdenc_op(&e, 0x1C3, &refs); /* {2, 70, 4, 4, 1, 3, 1, 1} → linear 1792 */
    cmdenc_segment_end(&e);
    CHECK_STATUS(query(&e, 4096), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 0x40, r, 16);
    CHECK_EQ_U64(mem_le64(r), 4096);
    CHECK_EQ_U64(mem_le64(r + 8), 4096);

    /* 72: the null backend (HEADLESS) answers the same */
    struct be *rec = h.env.be, *null;
    REQUIRE(be_null_new(&null) == LAGFX_OK);
    proto_task_objects_free(&h.task, rec);
    h.env.be = null;
    q16(&e, 0x1C9, 11, 1, 0x40);
    CHECK_STATUS(query(&e, 4096), LAGFX_OK);
    h_read(&h, H_REPLY_VA + 0x40, r, 16);
    CHECK_MEM(r, want68, sizeof(want68));
    proto_task_objects_free(&h.task, null);
    be_destroy(null);
    h.env.be = rec;

    cmdenc_free(&e);
    h_finish(&h);
    return check_finish();
}
