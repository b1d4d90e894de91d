/* SPDX-License-Identifier: MIT */
/*
 * Replay round trip (docs/trace-format.md): a session recorded with LAGFX_TRACE — boot to
 * online on two displays, channel traffic, an ExecIndirect with an info query, cursor and
 * IOSurface commands — is re-run by lagfx-replay without a guest; every turn's final writes
 * to guest memory (stamps, read pointers, replies, shared-state pages) are reproduced
 * (--verify) and the turn count matches the recording. A truncated recording exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cmdenc.h"
#include "guestsim.h"
#include "protocol/ops.h"
#include "protocol/trace_reader.h"

static int
run(const char *cmd, char *out, size_t cap)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = 0;
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
main(int argc, char **argv)
{
    REQUIRE(argc == 2); /* the lagfx-replay binary */
    char path[] = "/tmp/lagfx-replay-test-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    setenv("LAGFX_TRACE", path, 1);
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.displays = 2;
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    REQUIRE(guestsim_boot(g) == LAGFX_OK);
    unsetenv("LAGFX_TRACE");

    /* An ExecIndirect whose stream answers an info query into entry 1. */
    struct guestsim_task *k = guestsim_kernel_task(g);
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    uint8_t *q = cmdenc_inner(&e, PROTO_OP_ComputePipelineStateInfo, 16);
    proto_put_ComputePipelineStateInfo_ref(q, 16, 0);
    proto_put_ComputePipelineStateInfo_bufferId(q, 16, 1);
    proto_put_ComputePipelineStateInfo_replyOffset(q, 16, 0x40);
    cmdenc_segment_end(&e);
    const uint64_t sva = 0x30000000ull, rva = 0x30010000ull;
    REQUIRE(guestsim_task_map_new(g, k, sva, 4096));
    REQUIRE(guestsim_task_map_new(g, k, rva, 4096));
    REQUIRE(guestsim_task_write(g, k, sva, e.buf, e.len));
    struct cmdenc_exec_res res[2] = { { sva, (uint32_t)e.len }, { rva, 4096 } };
    uint8_t payload[128];
    size_t n = cmdenc_exec(payload, sizeof(payload), GUESTSIM_KERNEL_TASK, NULL, 0, res, 2);
    REQUIRE(n);
    for (int i = 0; i < 20; i++) {
        guestsim_channel_submit(g, 1 + i % 4, 0x37, payload, (uint32_t)n);
        guestsim_root_submit(g, 0x0E, NULL, 0);
        uint32_t one = 1;
        guestsim_root_submit(g, 0x28, &one, 4);
        uint8_t mv[16] = { 0 };
        int16_t x = (int16_t)(10 * i);
        memcpy(mv + 4, &x, 2);
        mv[8] = 1;
        guestsim_channel_submit(g, 5 + i % 2, 0x13, mv, 16);
    }
    uint32_t reply;
    REQUIRE(guestsim_task_read(g, k, rva + 0x40, &reply, 4));
    CHECK_EQ_U32(reply, 1024); /* the query was answered */
    cmdenc_free(&e);
    guestsim_free(g);

    /* Turns in the recording. */
    struct trace_reader tr;
    REQUIRE(trace_reader_open(&tr, path) == LAGFX_OK);
    struct trace_record rec;
    uint64_t turns = 0;
    while (trace_reader_next(&tr, &rec) > 0)
        turns += rec.type == TRACE_TURN_BEGIN;
    trace_reader_close(&tr);
    CHECK(turns > 40);

    char cmd[1024], out[4096];
    snprintf(cmd, sizeof(cmd), "%s %s --verify --stats --headless", argv[1], path);
    CHECK_EQ_INT(run(cmd, out, sizeof(out)), 0);
    char want[64];
    snprintf(want, sizeof(want), "turns %llu\n", (unsigned long long)turns);
    CHECK(strstr(out, want) != NULL);
    CHECK(strstr(out, "write_mismatches 0\n") != NULL);
    CHECK(strstr(out, "outer ") != NULL);

    /* A truncated recording: exit 1 with the reason. */
    char cut[] = "/tmp/lagfx-replay-cut-XXXXXX";
    int cfd = mkstemp(cut);
    REQUIRE(cfd >= 0);
    FILE *in = fopen(path, "rb");
    REQUIRE(in);
    static uint8_t buf[8192];
    size_t got = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    REQUIRE(got > 1000);
    REQUIRE(write(cfd, buf, got - 3) == (ssize_t)(got - 3));
    close(cfd);
    snprintf(cmd, sizeof(cmd), "%s %s --headless 2>&1", argv[1], cut);
    CHECK_EQ_INT(run(cmd, out, sizeof(out)), 1);
    CHECK(strstr(out, "truncated") != NULL);
    unlink(cut);
    unlink(path);
    return check_finish();
}
