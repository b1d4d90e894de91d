/* SPDX-License-Identifier: MIT */
/*
 * bench-draw (performance.md §4.7): the draw path. 20,000 small draws (32 x 32-pixel quads, two
 * ≈ 512-pixel triangles each, the demo's translated fill shaders; per draw a fragment buffer
 * offset update and a draw, a pipeline switch every 100 draws) pre-encoded in guest memory,
 * sent by the guest simulator through the whole library (doorbell to last stamp), against raw
 * Vulkan issuing the same draws (same SPIR-V, pipelines, target; one command buffer, submitted
 * and waited) in the same process, rounds interleaved. Prints draw.small.lavapipe[.lp1] (or
 * draw.small.gpu on another device) in draw/s.
 * usage: bench-draw [machine-label] [--rounds N] [--only lib|raw] [--raw-passes] [--fixed-offset]
 * (--raw-passes: raw also ends and restarts its render pass every 1,000 draws, as the
 * library's 20 command buffers do; --fixed-offset: no per-draw offset change in either arm;
 * experiments, the figure is then not the spec's)
 * (--only runs one arm, for profiling: perf record -g bench-draw --only lib; no JSON then)
 * Single main thread plus the library's threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fill.h"

#define W      1280u
#define H      800u
#define DRAWS  20000u
#define PER_CB 1000u /* guestobj's 64 KiB stream limit: a run is 20 ExecIndirects */
#define SWITCH 100u
#define QUAD   32.0f

int
main(int argc, char **argv)
{
    uint32_t rounds = 15;
    const char *label = NULL, *only = NULL;
    bool passes = false, fixed = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--fixed-offset"))
            fixed = true;
        else if (!strcmp(argv[i], "--raw-passes"))
            passes = true;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (argv[i][0] != '-' && !label)
            label = argv[i];
        else {
            fprintf(
                stderr,
                "usage: bench-draw [machine-label] [--rounds N] [--only lib|raw] [--raw-passes] [--fixed-offset]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > BENCH_MAX_REPS)
        rounds = 15;
    if (!fill_have_device()) {
        fprintf(stderr, "bench-draw: no Vulkan device: skipped\n");
        return 0;
    }
    char *envargv[2] = { argv[0], (char *)(label ? label : "local") };
    struct bench_env env;
    bench_env_init(&env, 2, envargv);

    static struct fill_rect rects[DRAWS];
    uint32_t seed = 12345;
    for (uint32_t i = 0; i < DRAWS; i++) {
        seed = seed * 1103515245u + 12345u;
        float x = (float)((seed >> 8) % (W - (uint32_t)QUAD));
        seed = seed * 1103515245u + 12345u;
        float y = (float)((seed >> 8) % (H - (uint32_t)QUAD));
        float a = 0.5f;
        rects[i] = (struct fill_rect){ x,
                                       y,
                                       QUAD,
                                       QUAD,
                                       { a * (float)(i % 7) / 6.0f, a * (float)(i % 5) / 4.0f,
                                         a * (float)(i % 3) / 2.0f, a } };
    }
    struct fill_lib *l = NULL;
    struct fill_raw *r = NULL;
    int rc = 1;
    if (!fill_lib_new(W, H, rects, DRAWS, &l) || !fill_lib_encode(l, PER_CB, SWITCH, !fixed)) {
        fprintf(stderr, "bench-draw: the library device or guest did not come up\n");
        goto out;
    }
    if (!fill_raw_new(W, H, fill_lib_gpu(l), rects, DRAWS, &r)) {
        fprintf(stderr, "bench-draw: the raw Vulkan baseline did not come up\n");
        goto out;
    }
    fprintf(stderr, "bench-draw: %u draws per run on %s (%s), %u rounds\n", DRAWS, fill_lib_gpu(l),
            fill_raw_driver(r), rounds);
    /* Warm-up (llvmpipe's lazy JIT, first-touch faults: §7.4), and a check that both arms draw
     * the same picture. */
    for (int i = 0; i < 2; i++)
        if (!fill_lib_run(l, i == 1) ||
            !fill_raw_run(r, SWITCH, passes ? PER_CB : 0, !fixed, i == 1)) {
            fprintf(stderr, "bench-draw: warm-up run failed\n");
            goto out;
        }
    const uint8_t *a = fill_lib_pixels(l), *b = fill_raw_pixels(r);
    int worst = 0;
    for (size_t i = 0; i < (size_t)W * H * 4; i++)
        if (i % 4 != 3 && abs((int)a[i] - (int)b[i]) > worst)
            worst = abs((int)a[i] - (int)b[i]);
    fprintf(stderr, "bench-draw: library vs raw frame: largest difference %d\n", worst);

    bool gpu = !strstr(fill_lib_gpu(l), "llvmpipe");
    char name[64];
    snprintf(name, sizeof(name), "draw.small%s.%s%s",
             passes  ? "_passes20"
             : fixed ? "_fixedoff"
                     : "",
             gpu ? "gpu" : "lavapipe", fill_lp_suffix());
    struct bench_figure f = { .name = name,
                              .unit = "draw/s",
                              .baseline_name = "vulkan.raw.same_draws",
                              .better = "higher",
                              .goal_ratio = gpu ? -1 : 0.5,
                              .goal_value = gpu ? 1e6 : -1,
                              .n = rounds };
    bool lib = !only || !strcmp(only, "lib"), raw = !only || !strcmp(only, "raw");
    for (uint32_t i = 0; i < rounds; i++) {
        uint64_t t0 = bench_now_ns();
        if (lib && !fill_lib_run(l, false))
            goto out;
        uint64_t t1 = bench_now_ns();
        if (raw && !fill_raw_run(r, SWITCH, passes ? PER_CB : 0, !fixed, false))
            goto out;
        uint64_t t2 = bench_now_ns();
        f.value[i] = DRAWS / ((t1 - t0) / 1e9);
        f.baseline[i] = DRAWS / ((t2 - t1) / 1e9);
        fprintf(stderr, "bench-draw: round %u: library %.0f, raw %.0f draw/s\n", i, f.value[i],
                f.baseline[i]);
    }
    if (!only)
        fill_print(&env, &f, fill_lib_gpu(l), fill_raw_driver(r), W, H);
    rc = 0;
out:
    fill_raw_free(r);
    fill_lib_free(l);
    return rc;
}
