/* SPDX-License-Identifier: MIT */
/*
 * bench-air (spec/performance.md §4.5): air_translate_in_process end to end per fixture
 * shader (container, LLVM parse and verify, import, inlining, emit; no SPIR-V validation)
 * against a bare LLVMParseBitcodeInContext2 of the same module in a fresh context, interleaved
 * per round; then the isolation cost (a cold lagfx-air-worker start + first translation, and
 * a warm translation through it, against the same translation in process); then a memory cache hit
 * (hashing included) against the same parse, and a disk cache hit (read, checksum, deserialise)
 * against a plain read of the file. One JSON line per figure on stdout. Usage: bench-air
 * [machine-label]; fixtures from BENCH_AIR_DIR (the build's tests/air, built by `ninja`).
 * Single-threaded.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "air/air.h"
#include "air/cache.h"
#include "air/import_llvm.h"
#include "air/isolate.h"
#include "air/metallib.h"
#include "common.h"

#define ROUNDS 15
#define WARMUP 3

static unsigned char *
slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

/* The bitcode stream inside the file (what the parse baseline reads). */
static bool
stream_of(const unsigned char *b, size_t n, const uint8_t **bc, size_t *bcn)
{
    struct air_mtlb *lib;
    struct air_diag d;
    if (air_mtlb_parse(b, n, &lib, &d) != AIR_OK)
        return false;
    bool ok = lib->function_count == 1 && lib->functions[0].status == AIR_OK;
    if (ok) {
        *bc = lib->functions[0].bitcode;
        *bcn = lib->functions[0].bitcode_size;
    }
    air_mtlb_free(lib);
    return ok;
}

static double
time_translate_with(enum air_status (*fn)(const void *,
                                          size_t,
                                          const struct air_options *,
                                          struct air_result **,
                                          struct air_diag *),
                    const unsigned char *b,
                    size_t n)
{
    uint64_t t0 = bench_now_ns();
    struct air_result *r = NULL;
    struct air_diag d;
    if (fn(b, n, NULL, &r, &d) != AIR_OK) {
        fprintf(stderr, "translate failed: %s\n", d.msg);
        exit(1);
    }
    double ms = (double)(bench_now_ns() - t0) / 1e6;
    air_result_unref(r);
    return ms;
}

/* The translator itself, in process (the air.translate.* figures). */
static double
time_translate(const unsigned char *b, size_t n)
{
    return time_translate_with(air_translate_in_process, b, n);
}

/* Isolation (src/air/isolate.c): a cold worker start plus the first translation, and a warm
 * translation through the running worker, each against the same module in process. */
static void
bench_isolation(const struct bench_env *env, const unsigned char *b, size_t n)
{
    static struct bench_figure f;
    memset(&f, 0, sizeof(f));
    f.name = "air.isolate.cold_first.login_composite_fs";
    f.unit = "ms";
    f.baseline_name = "air.translate.in_process";
    f.better = "lower";
    f.goal_ratio = -1;
    f.goal_value = 50;
    f.n = ROUNDS;
    for (size_t k = 0; k < ROUNDS + WARMUP; k++) {
        air_isolate_shutdown();
        double v = time_translate_with(air_translate, b, n);
        double base = time_translate(b, n);
        if (k >= WARMUP) {
            f.value[k - WARMUP] = v;
            f.baseline[k - WARMUP] = base;
        }
    }
    bench_print(env, &f);

    memset(&f, 0, sizeof(f));
    f.name = "air.isolate.warm.login_composite_fs";
    f.unit = "ms";
    f.baseline_name = "air.translate.in_process";
    f.better = "lower";
    f.goal_ratio = 2;
    f.goal_value = 2;
    f.n = ROUNDS;
    for (size_t k = 0; k < ROUNDS + WARMUP; k++) {
        double v = time_translate_with(air_translate, b, n);
        double base = time_translate(b, n);
        if (k >= WARMUP) {
            f.value[k - WARMUP] = v;
            f.baseline[k - WARMUP] = base;
        }
    }
    bench_print(env, &f);
    air_isolate_shutdown();
}

static double
time_parse(const uint8_t *bc, size_t n)
{
    uint64_t t0 = bench_now_ns();
    bench_consume(air_import_llvm_parse_only(bc, n));
    return (double)(bench_now_ns() - t0) / 1e6;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    struct bench_env env;
    bench_env_init(&env, argc, argv);
    const char *dir = getenv("BENCH_AIR_DIR") ? getenv("BENCH_AIR_DIR") : BENCH_AIR_DIR;
    DIR *dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "bench-air: no fixture directory %s\n", dir);
        return 1;
    }
    char *names[128];
    size_t nn = 0;
    for (struct dirent *de; (de = readdir(dp)) && nn < 128;) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".air") == 0 && !strstr(de->d_name, ".opaque") &&
            !strstr(de->d_name, "_bad_"))
            names[nn++] = strdup(de->d_name);
    }
    closedir(dp);
    qsort(names, nn, sizeof(names[0]), cmp_str);

    double corpus_max = 0, corpus_max_base = 0;
    static struct bench_figure f;
    for (size_t i = 0; i < nn; i++) {
        char path[1024], fname[160];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        size_t n, bcn;
        const uint8_t *bc;
        unsigned char *b = slurp(path, &n);
        if (!b || !stream_of(b, n, &bc, &bcn)) {
            fprintf(stderr, "bench-air: cannot read %s\n", path);
            return 1;
        }
        for (int w = 0; w < WARMUP; w++) {
            time_translate(b, n);
            time_parse(bc, bcn);
        }
        memset(&f, 0, sizeof(f));
        snprintf(fname, sizeof(fname), "air.translate.%.*s", (int)(strlen(names[i]) - 4), names[i]);
        f.name = fname;
        f.unit = "ms";
        f.baseline_name = "llvm.parse_bitcode";
        f.better = "lower";
        f.goal_ratio = 4;
        f.goal_value = 2;
        f.n = ROUNDS;
        for (size_t r = 0; r < ROUNDS; r++) {
            f.value[r] = time_translate(b, n);
            f.baseline[r] = time_parse(bc, bcn);
        }
        bench_print(&env, &f);
        double med = bench_median(f.value, f.n);
        if (med > corpus_max) {
            corpus_max = med;
            corpus_max_base = bench_median(f.baseline, f.n);
        }
        fprintf(stderr, "%s: %zu bytes of bitcode\n", names[i], bcn);
        free(b);
    }
    memset(&f, 0, sizeof(f));
    f.name = "air.translate.corpus_max";
    f.unit = "ms";
    f.baseline_name = "llvm.parse_bitcode";
    f.better = "lower";
    f.goal_ratio = -1;
    f.goal_value = 10;
    f.n = 1;
    f.value[0] = corpus_max;
    f.baseline[0] = corpus_max_base;
    bench_print(&env, &f);

    /* Isolation and cache hits on the composite fragment shader (a login-class module). */
    char path[1024];
    snprintf(path, sizeof(path), "%s/login_composite_fs.air", dir);
    size_t n, bcn;
    const uint8_t *bc;
    unsigned char *b = slurp(path, &n);
    if (!b || !stream_of(b, n, &bc, &bcn))
        return 1;
    bench_isolation(&env, b, n);
    char cdir[] = "/tmp/lagfx-bench-air-XXXXXX";
    if (!mkdtemp(cdir))
        return 1;
    struct air_cache *c;
    struct air_result *r;
    struct air_diag d;
    if (air_cache_new(0, cdir, &c) != AIR_OK || air_cache_translate(c, b, n, NULL, &r, &d))
        return 1;
    air_result_unref(r);
    memset(&f, 0, sizeof(f));
    f.name = "air.cache.mem_hit";
    f.unit = "us";
    f.baseline_name = "llvm.parse_bitcode";
    f.better = "lower";
    f.goal_ratio = 0.05;
    f.goal_value = 50;
    f.n = ROUNDS;
    for (size_t k = 0; k < ROUNDS + WARMUP; k++) {
        uint64_t t0 = bench_now_ns();
        air_cache_translate(c, b, n, NULL, &r, &d);
        double v = (double)(bench_now_ns() - t0) / 1e3;
        air_result_unref(r);
        double base = time_parse(bc, bcn) * 1e3;
        if (k >= WARMUP) {
            f.value[k - WARMUP] = v;
            f.baseline[k - WARMUP] = base;
        }
    }
    bench_print(&env, &f);
    air_cache_free(c);

    struct air_cache_key key;
    air_cache_key(b, n, NULL, &key);
    char file[4096];
    memset(&f, 0, sizeof(f));
    f.name = "air.cache.disk_hit";
    f.unit = "us";
    f.baseline_name = "read.same_file";
    f.better = "lower";
    f.goal_ratio = -1;
    f.goal_value = 200;
    f.n = ROUNDS;
    for (size_t k = 0; k < ROUNDS + WARMUP; k++) {
        if (air_cache_new(0, cdir, &c) != AIR_OK)
            return 1;
        air_cache_file_path(c, &key, file, sizeof(file));
        uint64_t t0 = bench_now_ns();
        air_cache_translate(c, b, n, NULL, &r, &d);
        double v = (double)(bench_now_ns() - t0) / 1e3;
        struct air_cache_stats st;
        air_cache_get_stats(c, &st);
        if (st.disk_hits != 1) {
            fprintf(stderr, "bench-air: expected a disk hit\n");
            return 1;
        }
        air_result_unref(r);
        air_cache_free(c);
        static unsigned char rbuf[1 << 20];
        t0 = bench_now_ns();
        int fd = open(file, O_RDONLY);
        ssize_t got = fd >= 0 ? read(fd, rbuf, sizeof(rbuf)) : -1;
        if (fd >= 0)
            close(fd);
        bench_consume((uint64_t)got);
        double base = (double)(bench_now_ns() - t0) / 1e3;
        if (k >= WARMUP) {
            f.value[k - WARMUP] = v;
            f.baseline[k - WARMUP] = base;
        }
    }
    bench_print(&env, &f);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cdir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-air: could not remove %s\n", cdir);
    free(b);
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    return 0;
}
