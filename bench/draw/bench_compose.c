/* SPDX-License-Identifier: MIT */
/*
 * bench-compose (performance.md §4.8, scene flat5): five full-screen premultiplied
 * source-over flat-colour layers (the demo's fill shaders) at 1920x1080 (or --res WxH), a frame
 * = the guest's render pass (one ExecIndirect), its present (0x02) and the VMM's read
 * (lagfx_display_read_frame), waited; against raw Vulkan drawing the same five layers in one
 * render pass, copying the target out and reading it, one submit per frame (§7.1). Rounds of F
 * frames, interleaved. Prints compose.flat5.<WxH>[.lp1] in fps.
 * usage: bench-compose [machine-label] [--res WxH] [--rounds N]
 * Single main thread plus the library's threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fill.h"

#define LAYERS 5u
#define F      20u

int
main(int argc, char **argv)
{
    uint32_t rounds = 11, w = 1920, h = 1080;
    const char *label = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--res") && i + 1 < argc) {
            if (sscanf(argv[++i], "%ux%u", &w, &h) != 2 || w < 64 || h < 64 || w > 8192 ||
                h > 8192) {
                fprintf(stderr, "bench-compose: bad resolution %s\n", argv[i]);
                return 2;
            }
        } else if (argv[i][0] != '-' && !label)
            label = argv[i];
        else {
            fprintf(stderr, "usage: bench-compose [machine-label] [--res WxH] [--rounds N]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > BENCH_MAX_REPS)
        rounds = 11;
    if (!fill_have_device()) {
        fprintf(stderr, "bench-compose: no Vulkan device: skipped\n");
        return 0;
    }
    char *envargv[2] = { argv[0], (char *)(label ? label : "local") };
    struct bench_env env;
    bench_env_init(&env, 2, envargv);

    struct fill_rect rects[LAYERS];
    for (uint32_t i = 0; i < LAYERS; i++) {
        float a = 0.3f + 0.1f * (float)i;
        rects[i] = (struct fill_rect){ 0,
                                       0,
                                       (float)w,
                                       (float)h,
                                       { a * 0.2f * (float)i, a * (1.0f - 0.2f * (float)i),
                                         a * 0.5f, a } };
    }
    struct fill_lib *l = NULL;
    struct fill_raw *r = NULL;
    int rc = 1;
    if (!fill_lib_new(w, h, rects, LAYERS, &l) || !fill_lib_encode(l, LAYERS, 0, true)) {
        fprintf(stderr, "bench-compose: the library device or guest did not come up\n");
        goto out;
    }
    if (!fill_raw_new(w, h, fill_lib_gpu(l), rects, LAYERS, &r)) {
        fprintf(stderr, "bench-compose: the raw Vulkan baseline did not come up\n");
        goto out;
    }
    fprintf(stderr, "bench-compose: %ux%u, %u blended layers on %s (%s), %u rounds of %u\n", w, h,
            LAYERS, fill_lib_gpu(l), fill_raw_driver(r), rounds, F);
    for (int i = 0; i < 3; i++)
        if (!fill_lib_run(l, true) || !fill_raw_run(r, 0, 0, true, true)) {
            fprintf(stderr, "bench-compose: warm-up frame failed\n");
            goto out;
        }
    const uint8_t *a = fill_lib_pixels(l), *b = fill_raw_pixels(r);
    int worst = 0;
    for (size_t i = 0; i < (size_t)w * h * 4; i++)
        if (i % 4 != 3 && abs((int)a[i] - (int)b[i]) > worst)
            worst = abs((int)a[i] - (int)b[i]);
    fprintf(stderr, "bench-compose: library vs raw frame: largest difference %d\n", worst);

    char name[64];
    snprintf(name, sizeof(name), "compose.flat5.%ux%u%s", w, h, fill_lp_suffix());
    bool hd = w == 1920 && h == 1080;
    struct bench_figure f = { .name = name,
                              .unit = "fps",
                              .baseline_name = "vulkan.raw.same_layers",
                              .better = "higher",
                              .goal_ratio = 0.8,
                              .goal_value = hd ? 60 : -1,
                              .n = rounds };
    for (uint32_t i = 0; i < rounds; i++) {
        uint64_t t0 = bench_now_ns();
        for (uint32_t k = 0; k < F; k++)
            if (!fill_lib_run(l, true))
                goto out;
        uint64_t t1 = bench_now_ns();
        for (uint32_t k = 0; k < F; k++)
            if (!fill_raw_run(r, 0, 0, true, true))
                goto out;
        uint64_t t2 = bench_now_ns();
        f.value[i] = F / ((t1 - t0) / 1e9);
        f.baseline[i] = F / ((t2 - t1) / 1e9);
        fprintf(stderr, "bench-compose: round %u: library %.1f, raw %.1f fps\n", i, f.value[i],
                f.baseline[i]);
    }
    fill_print(&env, &f, fill_lib_gpu(l), fill_raw_driver(r), w, h);
    rc = 0;
out:
    fill_raw_free(r);
    fill_lib_free(l);
    return rc;
}
