/* SPDX-License-Identifier: MIT */
/*
 * decode.null.bootmix (spec/performance.md §4.1): ns per inner command for whole ExecIndirect
 * payloads (outer validation, the entry copied out of task memory, segments, inner commands,
 * ref lookups, typed ops) into the null backend, on pre-encoded ~16 KiB command buffers with
 * the opcode mix of protocol.md §11.7, ≥ 400 000 commands. Baseline: memcpy of the same
 * command-buffer bytes, buffer by buffer, into a reused 32 KiB buffer. Library and baseline
 * alternate each round; medians of n = 15 after a warm-up; one JSON line on stdout (§2)
 * through bench/common. Usage: bench_decode [machine-label]. Single-threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common.h"
#include "harness.h"
#include "protocol/ops.h"

#define ROUNDS     15
#define MIN_CMDS   400000u
#define BUF_TARGET (16u * 1024u)

/* §11.7 observed frequencies (Fact). */
static const struct {
    uint32_t op, weight;
} mix[] = {
    { 0x7E, 27475 }, { 0x74, 26664 }, { 0x7D, 23347 }, { 0x07, 22439 }, { 0x6E, 15744 },
    { 0x72, 14890 }, { 0x75, 12853 }, { 0x82, 9577 },  { 0x70, 8317 },  { 0x1A, 8168 },
    { 0x17, 7416 },  { 0x03, 4256 },  { 0x06, 310 },   { 0x6F, 305 },   { 0x01, 86 },
};

static uint32_t rng = 0x9E3779B9u;

static uint32_t
next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint32_t
pick(uint32_t total)
{
    uint32_t r = next() % total;
    for (size_t i = 0; i < sizeof(mix) / sizeof(*mix); i++) {
        if (r < mix[i].weight)
            return mix[i].op;
        r -= mix[i].weight;
    }
    return mix[0].op;
}

int
main(int argc, char **argv)
{
    struct bench_env benv;
    bench_env_init(&benv, argc, argv);
    static struct harness h;
    struct cmdenc_refs refs;
    h_init(&h);
    be_destroy(h.be);
    REQUIRE(be_null_new(&h.be) == LAGFX_OK);
    h.env.be = h.be;
    h_standard_objects(&h, &refs);

    uint32_t total = 0;
    for (size_t i = 0; i < sizeof(mix) / sizeof(*mix); i++)
        total += mix[i].weight;

    /* Pre-encode the command buffers into task memory, each a payload of its own. */
    size_t cap = 4096, nbuf = 0;
    struct {
        uint64_t va;
        uint32_t len, cmds;
        uint8_t payload[12 + 16];
    } *bufs = malloc(cap * sizeof(*bufs));
    REQUIRE(bufs);
    uint64_t va = 0x1000000, cmds = 0, bytes = 0;
    struct cmdenc e;
    cmdenc_init(&e);
    while (cmds < MIN_CMDS) {
        cmdenc_reset(&e);
        cmdenc_segment_begin(&e, 0);
        uint32_t n = 4;
        cmdenc_op(&e, 0x1A, &refs);
        cmdenc_op(&e, 0x74, &refs);
        cmdenc_op(&e, 0x7D, &refs);
        cmdenc_op(&e, 0x6E, &refs);
        while (e.len < BUF_TARGET - 640) {
            cmdenc_op(&e, pick(total), &refs);
            n++;
        }
        cmdenc_segment_end(&e);
        REQUIRE(!e.oom && nbuf < cap && va + e.len < 0x4000000);
        h_write(&h, va, e.buf, e.len);
        bufs[nbuf].va = va;
        bufs[nbuf].len = (uint32_t)e.len;
        bufs[nbuf].cmds = n;
        struct cmdenc_exec_res res = { va, (uint32_t)e.len };
        REQUIRE(cmdenc_exec(bufs[nbuf].payload, sizeof(bufs[nbuf].payload), 1, NULL, 0, &res, 1));
        va += (e.len + 4095) & ~4095ull;
        cmds += n;
        bytes += e.len;
        nbuf++;
    }
    cmdenc_free(&e);

    static uint8_t scratch[32 * 1024];
    static struct bench_figure fig = {
        .name = "decode.null.bootmix",
        .unit = "ns",
        .baseline_name = "memcpy.same_bytes",
        .better = "lower",
        .goal_ratio = 10,
        .goal_value = 50,
        .n = ROUNDS,
    };
    uint64_t decoded = 0;
    for (int r = -1; r < ROUNDS; r++) { /* round -1 warms up */
        uint64_t t0 = bench_now_ns();
        for (size_t i = 0; i < nbuf; i++) {
            lagfx_status_t st = proto_cmdbuf_exec(&h.env, bufs[i].payload, sizeof(bufs[i].payload));
            if (st != LAGFX_OK) {
                fprintf(stderr, "decode failed: %d\n", st);
                return 1;
            }
            h.be->ops->flush(h.be, NULL, NULL);
        }
        uint64_t t1 = bench_now_ns();
        for (size_t i = 0; i < nbuf; i++)
            h_read(&h, bufs[i].va, scratch, bufs[i].len); /* the same bytes, same memory */
        uint64_t t2 = bench_now_ns();
        bench_consume(scratch[0]);
        if (r < 0) {
            decoded = h.env.inner_commands;
            continue;
        }
        fig.value[r] = (double)(t1 - t0) / (double)cmds;
        fig.baseline[r] = (double)(t2 - t1) / (double)cmds;
    }
    if (decoded != cmds) {
        fprintf(stderr, "decoded %llu of %llu commands\n", (unsigned long long)decoded,
                (unsigned long long)cmds);
        return 1;
    }
    double vmed = bench_median(fig.value, ROUNDS);
    fprintf(stderr, "%zu buffers, %llu commands, %.1f B/command, %.2f M cmd/s\n", nbuf,
            (unsigned long long)cmds, (double)bytes / (double)cmds, 1000.0 / vmed);
    fflush(stderr);
    bench_print(&benv, &fig);
    free(bufs);
    h_finish(&h);
    return 0;
}
