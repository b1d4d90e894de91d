/* SPDX-License-Identifier: MIT */
/*
 * Segment and ExecIndirect structure (protocol.md §10, §19 items 56-63, 65, 66, 74): stream
 * detection at +0/+8, segment order, type-5 nesting and its depth cap, inner length faults,
 * dispatch by range (incl. 0x86/0x87), unknown opcodes, entry and payload caps, empty
 * commits, reply buffers excluded from command parsing.
 */
#include <string.h>

#include "check.h"
#include "harness.h"
#include "protocol/limits.h"
#include "protocol/ops.h"
#include "util/alloc.h"

static struct harness h;
static struct cmdenc_refs refs;

static void
fill(struct cmdenc *e)
{
    cmdenc_op(e, PROTO_OP_FillBuffer, &refs);
}

static bool
has(const char *needle)
{
    return strstr(h_transcript(&h), needle) != NULL;
}

static void
item56_stream_at_8(void)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_raw(&e, "METADATA", 8);
    cmdenc_segment_begin(&e, 4);
    fill(&e);
    cmdenc_segment_end(&e);
    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    CHECK(has("fill_buffer h1 offset=0 length=64"));
    /* Broken at +8 too: the entry is data, nothing runs. */
    e.buf[8 + 7] = 1;
    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    CHECK(!has("fill_buffer"));
    cmdenc_free(&e);
}

static void
item57_render_then_blit(void)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    cmdenc_op(&e, 0x1A, &refs);
    cmdenc_op(&e, 0x74, &refs);
    cmdenc_op(&e, 0x01, &refs);
    cmdenc_segment_end(&e);
    cmdenc_segment_begin(&e, 4);
    fill(&e);
    cmdenc_segment_end(&e);
    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    const char *t = h_transcript(&h);
    const char *d = strstr(t, "draw prim=3"), *end = strstr(t, "end_render_pass"),
               *f = strstr(t, "fill_buffer");
    CHECK(d && end && f && d < end && end < f);
    cmdenc_free(&e);
}

static lagfx_status_t
nested(uint32_t type5_levels)
{
    struct cmdenc e;
    cmdenc_init(&e);
    for (uint32_t i = 0; i < type5_levels; i++)
        cmdenc_segment_begin(&e, 5);
    cmdenc_segment_begin(&e, 4);
    fill(&e);
    cmdenc_segment_end(&e);
    for (uint32_t i = 0; i < type5_levels; i++)
        cmdenc_segment_end(&e);
    h_clear(&h);
    lagfx_status_t st = h_decode(&h, &e);
    cmdenc_free(&e);
    return st;
}

static void
item58_nesting(void)
{
    CHECK_STATUS(nested(1), LAGFX_OK);
    CHECK(has("fill_buffer"));
    CHECK_STATUS(nested(3), LAGFX_OK); /* depth 4 */
    CHECK(has("fill_buffer"));
    CHECK_STATUS(nested(4), LAGFX_ERROR_GUEST_FAULT); /* depth 5 */
    CHECK(has("discard"));
    /* A recursion bomb (as deep as the encoder nests) faults the same way. */
    CHECK_STATUS(nested(7), LAGFX_ERROR_GUEST_FAULT);
}

static void
item59_inner_length_4(void)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    fill(&e);
    uint8_t bad[8];
    mem_put_le32(bad, PROTO_OP_FillBuffer);
    mem_put_le32(bad + 4, 4);
    cmdenc_raw(&e, bad, sizeof(bad));
    cmdenc_segment_end(&e);
    h_clear(&h);
    uint64_t faults = ut_guest_error_count(&h.errs, UT_GERR_TASK_FAULT);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_ERROR_GUEST_FAULT);
    CHECK_EQ_U64(ut_guest_error_count(&h.errs, UT_GERR_TASK_FAULT), faults + 1);
    CHECK(has("fill_buffer") && has("discard")); /* recorded, then dropped */
    cmdenc_free(&e);
}

static void
item60_61_classes(void)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 0);
    cmdenc_op(&e, 0x1A, &refs);
    cmdenc_op(&e, 0x74, &refs);
    cmdenc_op(&e, 0x86, &refs);
    cmdenc_op(&e, 0x07, &refs);
    cmdenc_segment_end(&e);
    cmdenc_segment_begin(&e, 0);
    cmdenc_op(&e, 0x86, &refs);
    cmdenc_segment_end(&e);
    cmdenc_segment_begin(&e, 2);
    cmdenc_op(&e, 0x87, &refs);
    cmdenc_segment_end(&e);
    h_clear(&h);
    h.env.shared_as_render = h.env.shared_as_compute = 0;
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    CHECK(has("draw_indexed prim=3"));        /* render opcodes in a type-0 segment run as render */
    CHECK_EQ_U64(h.env.shared_as_render, 2);  /* after 0x74; first in a type-2 segment */
    CHECK_EQ_U64(h.env.shared_as_compute, 1); /* first in a type-0 segment */
    cmdenc_free(&e);
}

static void
item62_unknown(void)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    uint8_t *b = cmdenc_inner(&e, 0x150, 12);
    REQUIRE(b);
    cmdenc_inner(&e, 0xDB, 0); /* only inside compute-pass descriptors: unknown here */
    fill(&e);
    cmdenc_segment_end(&e);
    uint64_t unknown = ut_guest_error_count(&h.errs, UT_GERR_INNER_UNKNOWN);
    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    CHECK(has("fill_buffer"));
    CHECK_EQ_U64(ut_guest_error_count(&h.errs, UT_GERR_INNER_UNKNOWN), unknown + 2);
    cmdenc_free(&e);
}

static lagfx_status_t
exec_one_entry(uint32_t len)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    fill(&e);
    cmdenc_segment_end(&e);
    h_map(&h, H_STREAM_VA, len);
    h_write(&h, H_STREAM_VA, e.buf, e.len);
    struct cmdenc_exec_res res[1] = { { H_STREAM_VA, len } };
    uint8_t payload[64];
    size_t n = cmdenc_exec(payload, sizeof(payload), 1, NULL, 0, res, 1);
    h_clear(&h);
    lagfx_status_t st = proto_cmdbuf_exec(&h.env, payload, n);
    h_unmap(&h, H_STREAM_VA, len);
    cmdenc_free(&e);
    return st;
}

static void
item63_entry_caps(void)
{
    CHECK_STATUS(exec_one_entry(4u << 20), LAGFX_OK);
    CHECK(has("fill_buffer"));
    CHECK_STATUS(exec_one_entry((4u << 20) + 1), LAGFX_ERROR_GUEST_FAULT);
    CHECK(!has("fill_buffer"));
    CHECK_STATUS(exec_one_entry(5u << 20), LAGFX_ERROR_GUEST_FAULT);
}

static void
stream_bytes_cap(void)
{
    /* Five 4 MiB command streams: the fifth passes 16 MiB and faults the task. */
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    fill(&e);
    cmdenc_segment_end(&e);
    struct cmdenc_exec_res res[5];
    for (uint32_t i = 0; i < 5; i++) {
        res[i].va = 0x1000000ull + (uint64_t)i * (4u << 20);
        res[i].len = 4u << 20;
        h_map(&h, res[i].va, res[i].len);
        h_write(&h, res[i].va, e.buf, e.len);
    }
    uint8_t payload[128];
    size_t n = cmdenc_exec(payload, sizeof(payload), 1, NULL, 0, res, 4);
    h_clear(&h);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, payload, n), LAGFX_OK);
    n = cmdenc_exec(payload, sizeof(payload), 1, NULL, 0, res, 5);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, payload, n), LAGFX_ERROR_GUEST_FAULT);
    for (uint32_t i = 0; i < 5; i++)
        h_unmap(&h, res[i].va, res[i].len);
    cmdenc_free(&e);
}

static void
inner_count_cap(void)
{
    /* 262 144 empty 0x94 SetDepthCleared commands pass; one more faults. */
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    for (uint32_t i = 0; i < PROTO_MAX_INNER_CMDS; i++)
        cmdenc_inner(&e, PROTO_OP_SetDepthCleared, 0);
    cmdenc_segment_end(&e);
    h_clear(&h);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
    e.depth = 0;
    cmdenc_reset(&e);
    cmdenc_segment_begin(&e, 2);
    for (uint32_t i = 0; i <= PROTO_MAX_INNER_CMDS; i++)
        cmdenc_inner(&e, PROTO_OP_SetDepthCleared, 0);
    cmdenc_segment_end(&e);
    CHECK_STATUS(h_decode(&h, &e), LAGFX_ERROR_GUEST_FAULT);
    cmdenc_free(&e);
}

static void
item65_66_payload(void)
{
    uint8_t p[12] = { 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 };
    ut_fault_configure(0, -1); /* any allocation would fail: none may happen */
    h_clear(&h);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, p, sizeof(p)), LAGFX_ERROR_GUEST_FAULT);
    CHECK_EQ_U64(ut_fault_triggered(), 0);
    ut_fault_disable();
    /* rc above 256 */
    uint8_t q[12] = { 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0 };
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, q, sizeof(q)), LAGFX_ERROR_GUEST_FAULT);
    /* payload shorter than its tables */
    uint8_t r[12 + 16] = { 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0 };
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, r, sizeof(r)), LAGFX_ERROR_GUEST_FAULT);
    /* {task, 0}: empty commit; 9-11 bytes: logged, complete */
    h_clear(&h);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, p, 8), LAGFX_OK);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, p, 10), LAGFX_OK);
    CHECK_STR(h_transcript(&h), "");
}

static void
item74_reply_entry_not_parsed(void)
{
    /* Entry 0 asks 0x1C9 into entry 1; entry 1 holds a valid stream: it must not run. */
    struct cmdenc e0, e1;
    cmdenc_init(&e0);
    cmdenc_init(&e1);
    cmdenc_segment_begin(&e0, 4);
    cmdenc_op(&e0, PROTO_OP_RenderPipelineStateInfo, &refs); /* reply_id 1 */
    cmdenc_segment_end(&e0);
    cmdenc_segment_begin(&e1, 4);
    fill(&e1);
    cmdenc_segment_end(&e1);
    uint64_t va1 = H_REPLY_VA;
    h_write(&h, H_STREAM_VA, e0.buf, e0.len);
    h_map(&h, va1, 4096);
    h_write(&h, va1, e1.buf, e1.len);
    struct cmdenc_exec_res res[2] = { { H_STREAM_VA, (uint32_t)e0.len }, { va1, 4096 } };
    uint8_t payload[64];
    size_t n = cmdenc_exec(payload, sizeof(payload), 1, NULL, 0, res, 2);
    h_clear(&h);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, payload, n), LAGFX_OK);
    CHECK(!has("fill_buffer"));
    uint8_t r[4];
    h_read(&h, va1 + 0x40, r, 4);
    CHECK_EQ_U32(mem_le32(r), 1024);
    /* Without the query, entry 1 is a command stream. */
    cmdenc_reset(&e0);
    cmdenc_segment_begin(&e0, 4);
    cmdenc_segment_end(&e0);
    h_write(&h, H_STREAM_VA, e0.buf, e0.len);
    h_write(&h, va1, e1.buf, e1.len);
    res[0].len = (uint32_t)e0.len;
    n = cmdenc_exec(payload, sizeof(payload), 1, NULL, 0, res, 2);
    h_clear(&h);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, payload, n), LAGFX_OK);
    CHECK(has("fill_buffer"));
    cmdenc_free(&e0);
    cmdenc_free(&e1);
}

static void
item64_unmapped_stream(void)
{
    /* The stream's second page is unmapped: task fault, nothing submitted. */
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    for (int i = 0; i < 200; i++)
        fill(&e);
    cmdenc_segment_end(&e);
    REQUIRE(e.len > 4096);
    h_write(&h, H_STREAM_VA, e.buf, e.len);
    h_unmap(&h, H_STREAM_VA + 4096, 4096);
    struct cmdenc_exec_res res[1] = { { H_STREAM_VA, (uint32_t)e.len } };
    uint8_t payload[64];
    size_t n = cmdenc_exec(payload, sizeof(payload), 1, NULL, 0, res, 1);
    h_clear(&h);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, payload, n), LAGFX_ERROR_GUEST_FAULT);
    CHECK(!has("fill_buffer"));
    cmdenc_free(&e);
}

static void
descriptor_flags(void)
{
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    cmdenc_segment_end(&e);
    struct cmdenc_exec_desc desc[3] = { { 4, 0x100 }, { 4, 0x1 }, { 99, 0x100 } };
    h_clear(&h);
    CHECK_STATUS(h_exec(&h, &e, desc, 3), LAGFX_OK);
    const char *t = h_transcript(&h);
    const char *r = strstr(t, "refresh h"), *w = strstr(t, "write_back h");
    CHECK(r && w && r < w);
    cmdenc_free(&e);
}

int
main(void)
{
    h_init(&h);
    h_standard_objects(&h, &refs);
    item56_stream_at_8();
    item57_render_then_blit();
    item58_nesting();
    item59_inner_length_4();
    item60_61_classes();
    item62_unknown();
    item63_entry_caps();
    item64_unmapped_stream();
    stream_bytes_cap();
    inner_count_cap();
    item65_66_payload();
    item74_reply_entry_not_parsed();
    descriptor_flags();
    h_finish(&h);
    return check_finish();
}
