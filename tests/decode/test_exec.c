/* SPDX-License-Identifier: MIT */
/*
 * The decoder over the memory layer (protocol.md §10.1, §11.5, §13; items 64, 71): the task
 * content the harness builds is copied into region-model guest RAM with every page at a
 * scattered, descending GPA behind a range table, then the same ExecIndirects run through
 * proto_cmdbuf_exec_xlate. Transcripts must equal those over the fake memory byte for byte,
 * info replies land split across non-adjacent pages, and an unmapped stream page faults.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "harness.h"
#include "memory/guest.h"
#include "memory/xlate.h"
#include "protocol/exec.h"
#include "protocol/ops.h"

#define RAM_GPA  0x40000000ull
#define RAM_SIZE (64ull << 20)

static struct harness h;
static struct cmdenc_refs refs;
static uint8_t *ram;
static struct mem_guest *guest;
static struct mem_rangetable *rt;
static struct mem_space space;
static struct mem_xlate xl;

/* Copies every mapped fake page into RAM, top down, and maps VA page → that GPA. */
static void
materialize(void)
{
    uint64_t next = RAM_SIZE;
    for (uint64_t pg = 0; pg < FAKE_PAGES; pg++) {
        if (!h.mem.page[pg])
            continue;
        REQUIRE(next >= 4096);
        next -= 4096;
        memcpy(ram + next, h.mem.page[pg], 4096);
        lagfx_phys_range_t r = { RAM_GPA + next, 4096 };
        REQUIRE(mem_rangetable_map(rt, pg << 12, &r, 1, false) == LAGFX_OK);
    }
}

static lagfx_status_t
run(const uint8_t *payload, size_t len, const char **transcript)
{
    struct proto_exec_env env = {
        .task = &h.task, .xlate = &xl, .guest = guest, .be = h.be, .errs = &h.errs
    };
    h_clear(&h);
    mem_xlate_begin(&xl, guest, &space);
    lagfx_status_t st = proto_cmdbuf_exec_xlate(&env, payload, len);
    mem_xlate_end(&xl);
    *transcript = h_transcript(&h);
    return st;
}

int
main(void)
{
    h_init(&h);
    h_standard_objects(&h, &refs);
    ram = aligned_alloc(4096, RAM_SIZE);
    REQUIRE(ram);
    memset(ram, 0, RAM_SIZE);
    struct mem_guest_callbacks cb = { 0 };
    REQUIRE(mem_guest_new(&cb, &guest) == LAGFX_OK);
    lagfx_ram_region_t region = { .gpa = RAM_GPA, .length = RAM_SIZE, .host_ptr = ram, .fd = -1 };
    REQUIRE(mem_guest_set_regions(guest, &region, 1) == LAGFX_OK);
    REQUIRE(mem_rangetable_new(1ull << 32, &rt) == LAGFX_OK);
    space.ranges = rt;

    /* A stream whose 0x1A straddles a page (entry at page offset 0xF03, like item 111), with
     * a draw, a fill and a 0x1C2 reply at 0xFF8 of a two-page reply buffer (item 71). */
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    cmdenc_op(&e, 0x1A, &refs);
    cmdenc_op(&e, 0x74, &refs);
    cmdenc_op(&e, 0x7D, &refs);
    cmdenc_op(&e, 0x07, &refs);
    cmdenc_segment_end(&e);
    cmdenc_segment_begin(&e, 4);
    cmdenc_op(&e, PROTO_OP_FillBuffer, &refs);
    uint8_t *q = cmdenc_inner(&e, PROTO_OP_ComputePipelineStateInfo, 16);
    proto_put_ComputePipelineStateInfo_ref(q, 16, refs.compute_pipeline);
    proto_put_ComputePipelineStateInfo_bufferId(q, 16, 1);
    proto_put_ComputePipelineStateInfo_replyOffset(q, 16, 0xFF8);
    cmdenc_segment_end(&e);
    uint64_t sva = H_STREAM_VA + 0xF03;
    h_write(&h, sva, e.buf, e.len);
    h_map(&h, H_REPLY_VA, 8192);
    struct cmdenc_exec_res res[2] = { { sva, (uint32_t)e.len }, { H_REPLY_VA, 8192 } };
    struct cmdenc_exec_desc desc[1] = { { refs.texture, 0x1 } };
    uint8_t payload[128];
    size_t n = cmdenc_exec(payload, sizeof(payload), 1, desc, 1, res, 2);

    /* Reference: the fake memory. */
    h_clear(&h);
    CHECK_STATUS(proto_cmdbuf_exec(&h.env, payload, n), LAGFX_OK);
    char *want = strdup(h_transcript(&h));
    REQUIRE(want);
    CHECK(strstr(want, "draw_indexed") && strstr(want, "fill_buffer") &&
          strstr(want, "write_back"));

    /* The same through the memory layer, on fresh objects. */
    proto_task_objects_free(&h.task, h.be);
    be_destroy(h.be);
    REQUIRE(be_recording_new(NULL, &h.be) == LAGFX_OK);
    h.env.be = h.be;
    materialize();
    const char *got;
    CHECK_STATUS(run(payload, n, &got), LAGFX_OK);
    CHECK_STR(got, want);
    uint8_t r[32];
    mem_xlate_begin(&xl, guest, &space);
    CHECK(mem_xlate_read(&xl, H_REPLY_VA + 0xFF8, r, sizeof(r)));
    mem_xlate_end(&xl);
    CHECK_EQ_U32(mem_le32(r), 1024);
    CHECK_EQ_U32(mem_le32(r + 8), 32);
    CHECK_EQ_U32(mem_le32(r + 16), 0);

    /* Item 64: the stream's second page unmapped → task fault, nothing submitted. */
    REQUIRE(mem_rangetable_unmap(rt, H_STREAM_VA + 4096, 4096) == LAGFX_OK);
    CHECK_STATUS(run(payload, n, &got), LAGFX_ERROR_GUEST_FAULT);
    CHECK(strstr(got, "discard") != NULL);

    free(want);
    cmdenc_free(&e);
    proto_task_objects_free(&h.task, h.be);
    mem_rangetable_free(rt);
    mem_guest_free(guest);
    free(ram);
    h_finish(&h);
    return check_finish();
}
