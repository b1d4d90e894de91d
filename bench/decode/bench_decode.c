/* SPDX-License-Identifier: MIT */
/*
 * decode.null.bootmix (spec/performance.md §4.1): ns per inner command for whole ExecIndirect
 * payloads (outer validation, the entry copied out of task memory, segments, inner commands,
 * ref lookups, typed ops) into the null backend, on pre-encoded ~16 KiB command buffers with
 * the opcode mix of protocol.md §11.7, ≥ 400 000 commands. Baseline: memcpy of the same
 * command-buffer bytes, buffer by buffer, into a reused 32 KiB buffer. Library and baseline
 * alternate each round; medians of n = 15 after a warm-up; one JSON line on stdout (§2).
 * Single-threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
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

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

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

static void
json_str(const char *key, const char *v, bool comma)
{
    printf("\"%s\":", key);
    if (!v) {
        printf("null");
    } else {
        putchar('"');
        for (const char *p = v; *p; p++)
            if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
                putchar(*p);
        putchar('"');
    }
    if (comma)
        putchar(',');
}

static void
cpu_model(char *out, size_t n)
{
    snprintf(out, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) {
                c += 2;
                c[strcspn(c, "\n")] = 0;
                snprintf(out, n, "%s", c);
            }
            break;
        }
    }
    fclose(f);
}

static void
os_name(char *out, size_t n)
{
    snprintf(out, n, "unknown");
    FILE *f = fopen("/etc/os-release", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "PRETTY_NAME=", 12)) {
            char *v = line + 12;
            v[strcspn(v, "\n")] = 0;
            if (*v == '"')
                v++;
            v[strcspn(v, "\"")] = 0;
            snprintf(out, n, "%s", v);
            break;
        }
    }
    fclose(f);
}

int
main(void)
{
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
    double lib[ROUNDS], base[ROUNDS], ratio[ROUNDS];
    uint64_t decoded = 0;
    for (int r = -1; r < ROUNDS; r++) { /* round -1 warms up */
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < nbuf; i++) {
            lagfx_status_t st = proto_cmdbuf_exec(&h.env, bufs[i].payload, sizeof(bufs[i].payload));
            if (st != LAGFX_OK) {
                fprintf(stderr, "decode failed: %d\n", st);
                return 1;
            }
            h.be->ops->flush(h.be, NULL, NULL);
        }
        uint64_t t1 = now_ns();
        for (size_t i = 0; i < nbuf; i++)
            h_read(&h, bufs[i].va, scratch, bufs[i].len); /* the same bytes, same memory */
        uint64_t t2 = now_ns();
        if (r < 0) {
            decoded = h.env.inner_commands;
            continue;
        }
        lib[r] = (double)(t1 - t0) / (double)cmds;
        base[r] = (double)(t2 - t1) / (double)cmds;
        ratio[r] = lib[r] / base[r];
    }
    if (decoded != cmds) {
        fprintf(stderr, "decoded %llu of %llu commands\n", (unsigned long long)decoded,
                (unsigned long long)cmds);
        return 1;
    }
    double lmin = lib[0], lmax = lib[0];
    for (int r = 1; r < ROUNDS; r++) {
        lmin = lib[r] < lmin ? lib[r] : lmin;
        lmax = lib[r] > lmax ? lib[r] : lmax;
    }
    double rmin = ratio[0], rmax = ratio[0];
    for (int r = 1; r < ROUNDS; r++) {
        rmin = ratio[r] < rmin ? ratio[r] : rmin;
        rmax = ratio[r] > rmax ? ratio[r] : rmax;
    }
    double vmed = median(lib, ROUNDS), bmed = median(base, ROUNDS), rmed = median(ratio, ROUNDS);
    fprintf(stderr, "%zu buffers, %llu commands, %.1f B/command, %.2f M cmd/s\n", nbuf,
            (unsigned long long)cmds, (double)bytes / (double)cmds, 1000.0 / vmed);

    char cpu[256], os[256];
    cpu_model(cpu, sizeof(cpu));
    os_name(os, sizeof(os));
    struct utsname un;
    uname(&un);
    const char *machine = getenv("LAGFX_BENCH_MACHINE");
    const char *commit = getenv("LAGFX_COMMIT");
    const char *lp = getenv("LP_NUM_THREADS");
    const char *tun = getenv("GLIBC_TUNABLES");
    FILE *hv = fopen("/sys/hypervisor/type", "r");
    char virt[64] = "unknown";
    if (hv) {
        if (fgets(virt, sizeof(virt), hv))
            virt[strcspn(virt, "\n")] = 0;
        fclose(hv);
    }
    printf("{\"name\":\"decode.null.bootmix\",\"value\":%.4g,\"unit\":\"ns\",\"baseline\":%.4g,",
           vmed, bmed);
    printf("\"baseline_name\":\"memcpy.same_bytes\",\"ratio\":%.4g,\"better\":\"lower\",", rmed);
    printf("\"goal\":{\"ratio\":10,\"value\":50},\"n\":%d,\"min\":%.4g,\"max\":%.4g,", ROUNDS, lmin,
           lmax);
    printf("\"ratio_min\":%.4g,\"ratio_max\":%.4g,\"warmup\":1,\"env\":{", rmin, rmax);
    json_str("machine", machine ? machine : "unknown", true);
    json_str("cpu", cpu, true);
    printf("\"cores\":%ld,", sysconf(_SC_NPROCESSORS_ONLN));
    json_str("virt", virt, true);
    json_str("kernel", un.release, true);
    json_str("os", os, true);
    json_str("commit", commit ? commit : "unknown", true);
    json_str("buildtype", LAGFX_BUILDTYPE, true);
    json_str("cc", __VERSION__, true);
    json_str("vk_device", NULL, true);
    json_str("vk_driver", NULL, true);
    json_str("lp_num_threads", lp ? lp : "unset", true);
    json_str("resolution", NULL, true);
    json_str("glibc_tunables", tun ? tun : "unset", true);
    printf("\"calib\":{}}}\n");
    free(bufs);
    h_finish(&h);
    return 0;
}
