/* SPDX-License-Identifier: MIT */
/*
 * Wire recording (LAGFX_TRACE, docs/trace-format.md): a boot and an ExecIndirect with a command
 * stream are recorded; the file holds the header, every MMIO access in
 * order, the seven init-burst commands at their ring offsets, the guest memory the library
 * read (the GetDeviceInfo2 reply among its writes), the command stream with its inner
 * commands, interrupts, the display plug and the end record. A truncated copy is refused with
 * the offset of the damage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cmdenc.h"
#include "guestsim.h"
#include "memory/reader.h"
#include "protocol/trace_reader.h"

/* Runs `lagfx-trace ARGS` and returns its exit status; *out gets its stdout (≤ 1 MiB). */
static int
run_tool(const char *tool, const char *args, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", tool, args);
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
    char path[] = "/tmp/lagfx-trace-test-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    setenv("LAGFX_TRACE", path, 1);

    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.label = "tracetest";
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    CHECK(lagfx_device_has_feature(guestsim_device(g), LAGFX_FEATURE_WIRE_RECORDING));
    REQUIRE(guestsim_boot(g) == LAGFX_OK);

    /* An ExecIndirect on channel 1 whose entry 0 holds a render segment of three commands. */
    struct guestsim_task *k = guestsim_kernel_task(g);
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 2);
    struct cmdenc_refs refs = { 0 };
    cmdenc_op(&e, 0x01, &refs); /* DrawPrimitives16: outside a pass, skipped (DR3) */
    cmdenc_op(&e, 0x7E, &refs);
    cmdenc_op(&e, 0x01, &refs);
    cmdenc_segment_end(&e);
    const uint64_t va = 0x30000000ull;
    REQUIRE(guestsim_task_map_new(g, k, va, 4096));
    REQUIRE(guestsim_task_write(g, k, va, e.buf, e.len));
    uint8_t exec[12 + 16] = { 0 };
    uint32_t task = GUESTSIM_KERNEL_TASK, rc = 1, len = (uint32_t)e.len;
    memcpy(exec, &task, 4);
    memcpy(exec + 8, &rc, 4);
    memcpy(exec + 12, &va, 8);
    memcpy(exec + 20, &len, 4);
    guestsim_channel_submit(g, 1, 0x37, exec, sizeof(exec));
    cmdenc_free(&e);
    guestsim_free(g);
    unsetenv("LAGFX_TRACE");

    struct trace_reader r;
    REQUIRE(trace_reader_open(&r, path) == LAGFX_OK);
    CHECK_EQ_U32(r.version, 1);
    CHECK_STR(r.label, "tracetest");
    CHECK_EQ_U64(r.mmio_length, 0x4000);
    CHECK_EQ_U32(r.port_count, 1);
    CHECK_EQ_U32(r.flags, TRACE_F_HEADLESS);

    static const uint16_t burst_ops[7] = { 0x38, 0x33, 0x30, 0x30, 0x30, 0x30, 0x3A };
    static const uint32_t burst_off[7] = { 0x00, 0x1C, 0x34, 0x44, 0x54, 0x64, 0x74 };
    int outer = 0, mmio_w = 0, mmio_r = 0, turns = 0, turn_ends = 0, irqs = 0, plugs = 0;
    int streams = 0, devinfo_writes = 0, inner_ok = 0;
    bool first_write_ok = false;
    uint64_t devinfo = 0;
    struct trace_record rec;
    int st;
    while ((st = trace_reader_next(&r, &rec)) > 0) {
        const uint8_t *p = rec.payload;
        switch (rec.type) {
        case TRACE_MMIO_WRITE:
            if (mmio_w == 0) /* §16 step 1: W 0x1200 = 1 */
                first_write_ok = mem_le64(p) == 0x1200 && mem_le64(p + 16) == 1;
            mmio_w++;
            break;
        case TRACE_MMIO_READ:
            mmio_r++;
            break;
        case TRACE_TURN_BEGIN:
            turns++;
            break;
        case TRACE_TURN_END:
            turn_ends++;
            break;
        case TRACE_OUTER:
            if (outer < 7) {
                CHECK_EQ_U32(mem_le32(p), 0);
                CHECK_EQ_U32(mem_le32(p + 4), burst_off[outer]);
                CHECK_EQ_U32(mem_le16(p + 8), burst_ops[outer]);
                CHECK_EQ_U32(mem_le32(p + 16), outer + 1); /* stamps 1-7 */
                if (outer == 6)
                    devinfo = (uint64_t)mem_le32(p + 20 + 8) << 12; /* reply PFN */
            }
            outer++;
            break;
        case TRACE_MEM_WRITE:
            if (devinfo && mem_le64(p) == devinfo && rec.len == 8 + 41 * 8)
                devinfo_writes++;
            break;
        case TRACE_IRQ:
            CHECK_EQ_U32(mem_le32(p), 0);
            irqs++;
            break;
        case TRACE_API:
            if (mem_le32(p) == TRACE_API_DISPLAY_PLUG) {
                CHECK_EQ_U32(mem_le32(p + 8), 1);
                CHECK_EQ_U32(mem_le16(p + 12), 1920);
                plugs++;
            }
            break;
        case TRACE_CMDSTREAM:
            streams++;
            CHECK_EQ_U32(mem_le32(p), 1);
            CHECK_EQ_U32(mem_le32(p + 4), GUESTSIM_KERNEL_TASK);
            CHECK_EQ_U64(mem_le64(p + 16), va);
            /* segment {size, type 2}, then DrawPrimitives16, SetVertexBufferOffset, Draw16 */
            if (rec.len >= 24 + 8 + 8 && p[24 + 4] == 2 && mem_le32(p + 32) == 0x01)
                inner_ok++;
            break;
        default:
            break;
        }
    }
    CHECK_EQ_INT(st, 0); /* ended with TRACE_END */
    trace_reader_close(&r);
    CHECK(first_write_ok);
    CHECK_EQ_INT(mmio_w, 12 + 7 + 2); /* §16 steps, burst doorbells, pipe and channel 1 */
    CHECK(mmio_r >= 3 + 7);
    CHECK_EQ_INT(outer, 7 + 1 + 1); /* burst, pipe 0x01, the ExecIndirect */
    CHECK(turns > 0 && turns == turn_ends);
    CHECK(irqs > 0);
    CHECK_EQ_INT(plugs, 1);
    CHECK_EQ_INT(devinfo_writes, 1);
    CHECK_EQ_INT(streams, 1);
    CHECK_EQ_INT(inner_ok, 1);

    /* A truncated copy: the reader names the damaged record. */
    char cut[] = "/tmp/lagfx-trace-cut-XXXXXX";
    int cfd = mkstemp(cut);
    REQUIRE(cfd >= 0);
    FILE *in = fopen(path, "rb");
    REQUIRE(in != NULL);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, 64 + 16 + 10, in); /* header, one head, part of its payload */
    fclose(in);
    REQUIRE(write(cfd, buf, n) == (ssize_t)n);
    close(cfd);
    REQUIRE(trace_reader_open(&r, cut) == LAGFX_OK);
    CHECK_EQ_INT(trace_reader_next(&r, &rec), -1);
    CHECK(strstr(r.error, "truncated record") != NULL);
    trace_reader_close(&r);
    /* Not a recording at all. */
    CHECK(trace_reader_open(&r, "/proc/self/status") == LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(r.error, "magic") != NULL);

    /* lagfx-trace names outer and inner commands from the tables, and refuses damage. */
    if (argc > 1) {
        static char out[1 << 20];
        char args[256];
        snprintf(args, sizeof(args), "dump %s", path);
        CHECK_EQ_INT(run_tool(argv[1], args, out, sizeof(out)), 0);
        CHECK(strstr(out, "ch=0 off=0x0 op=0x38 DefineHostTask len=28 stamp=1") != NULL);
        CHECK(strstr(out, "ch=0 off=0x74 op=0x3a GetDeviceInfo2 len=24 stamp=7") != NULL);
        CHECK(strstr(out, "ch=1 off=0x0 op=0x37 ExecIndirect") != NULL);
        CHECK(strstr(out, "0x07e SetVertexBufferOffset") != NULL);
        CHECK(strstr(out, "off=0x122c CAPABILITY") != NULL);
        snprintf(args, sizeof(args), "stats %s", cut);
        CHECK_EQ_INT(run_tool(argv[1], args, out, sizeof(out)), 1);
    }

    if (getenv("LAGFX_KEEP_TRACE"))
        printf("trace kept at %s\n", path);
    else
        unlink(path);
    unlink(cut);
    return check_finish();
}
