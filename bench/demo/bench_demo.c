/* SPDX-License-Identifier: MIT */
/*
 * bench-demo (performance.md §4.12): lagfx-demo's scene through the library against a raw
 * Vulkan program drawing the same layers (raw.c), in one process, rounds interleaved (library,
 * raw, library, ...). A round is F frames of the animated scene (cursor path, caret blink) with
 * damage tracking; the full-redraw variant (every frame the whole scene) is reported apart.
 * Library frame = the guest's frame (render of what changed, present, stamp) + read_frame;
 * raw frame = render + copy + wait + memcpy. Prints demo.fps.<WxH>, demo.frametime.<WxH> (p50),
 * demo.frametime_p99.<WxH>, demo.fps_full.<WxH> as JSON lines; with --plot FILE also writes
 * 1,000 consecutive frame times of each arm at 1080p (else the first resolution), for
 * docs/PERFORMANCE.md.
 * usage: bench-demo [machine-label] [--res WxH,...] [--rounds N] [--plot FILE]
 * Single main thread plus the library's threads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libapplegfx-vulkan.h>

#include "common.h"
#include "guest.h"
#include "raw.h"

#define HZ 60

struct lib {
    struct guestsim *g;
    lagfx_display_t *display;
    struct demo_guest dg;
    bool guest_ready;
    uint32_t *frame;
    uint32_t w, h;
    uint64_t n;
    char gpu[256];
};

/* A VMM with a hardware cursor: the library does not draw it into frames. */
static void
no_glyph(void *user, const lagfx_cursor_image_t *image)
{
    (void)user, (void)image;
}

static bool
lib_open(struct lib *l, uint32_t w, uint32_t h)
{
    memset(l, 0, sizeof(*l));
    l->w = w;
    l->h = h;
    l->frame = malloc((size_t)w * h * 4);
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.device_flags = 0;
    cfg.label = "bench";
    lagfx_display_mode_t mode = { (uint16_t)w, (uint16_t)h, HZ * 1000 };
    cfg.modes[0] = mode;
    if (!l->frame || guestsim_new(&cfg, &l->g) != LAGFX_OK)
        return false;
    guestsim_display_free(l->g, 0);
    lagfx_display_callbacks_t cb;
    lagfx_display_callbacks_init(&cb);
    cb.cursor_glyph = no_glyph;
    lagfx_display_descriptor_t pd;
    lagfx_display_descriptor_init(&pd);
    pd.callbacks = &cb;
    pd.modes = &mode;
    pd.mode_count = 1;
    char err[256];
    if (lagfx_display_new(guestsim_device(l->g), &pd, 0, 1, &l->display) != LAGFX_OK ||
        guestsim_boot(l->g) != LAGFX_OK || !demo_guest_init(&l->dg, l->g, 1, &mode, err, 256))
        return false;
    l->guest_ready = true;
    lagfx_device_info_t di = { .struct_size = sizeof(di) };
    lagfx_device_get_info(guestsim_device(l->g), &di);
    memcpy(l->gpu, di.gpu_name, sizeof(l->gpu));
    return true;
}

static bool
lib_frame(struct lib *l, bool full, uint32_t *draws)
{
    struct demo_frame_result fr;
    if (!demo_guest_frame(&l->dg, 0, l->n++, full, &fr))
        return false;
    *draws = fr.draws;
    lagfx_frame_dst_t dst = { .struct_size = sizeof(dst),
                              .pixels = l->frame,
                              .size = (size_t)l->w * l->h * 4,
                              .format = LAGFX_FORMAT_ARGB8888 };
    return lagfx_display_read_frame(l->display, &dst, NULL) == LAGFX_OK;
}

static void
lib_close(struct lib *l)
{
    if (l->guest_ready)
        demo_guest_finish(&l->dg);
    lagfx_display_free(l->display);
    guestsim_free(l->g);
    free(l->frame);
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_d);
    size_t i = (size_t)ceil(p / 100.0 * n);
    return v[i ? i - 1 : 0];
}

/* One round of one arm: F frames; returns fps, fills per-frame ms. */
static double
round_lib(struct lib *l, bool full, uint32_t frames, double *ms, uint64_t *draws)
{
    uint64_t t0 = bench_now_ns();
    for (uint32_t i = 0; i < frames; i++) {
        uint64_t a = bench_now_ns();
        uint32_t d = 0;
        if (!lib_frame(l, full, &d)) {
            fprintf(stderr, "bench-demo: library frame failed\n");
            exit(1);
        }
        ms[i] = (bench_now_ns() - a) / 1e6;
        *draws += d;
    }
    return frames / ((bench_now_ns() - t0) / 1e9);
}

static double
round_raw(struct raw *r, bool full, uint32_t frames, double *ms, uint64_t *draws)
{
    uint64_t t0 = bench_now_ns();
    for (uint32_t i = 0; i < frames; i++) {
        uint64_t a = bench_now_ns();
        uint32_t d = 0;
        if (!raw_frame(r, full, &d)) {
            fprintf(stderr, "bench-demo: raw frame failed\n");
            exit(1);
        }
        ms[i] = (bench_now_ns() - a) / 1e6;
        *draws += d;
    }
    return frames / ((bench_now_ns() - t0) / 1e9);
}

/* Largest channel difference between the arms' last frames: the baseline must draw what the
 * library draws, or the ratio means nothing. */
static int
compare(const struct lib *l, const struct raw *r)
{
    const uint8_t *a = (const uint8_t *)l->frame, *b = raw_pixels(r);
    int worst = 0;
    size_t bad = 0;
    for (size_t i = 0; i < (size_t)l->w * l->h * 4; i++) {
        if (i % 4 == 3)
            continue;
        int d = abs((int)a[i] - (int)b[i]);
        worst = d > worst ? d : worst;
        bad += d > 2;
    }
    fprintf(stderr,
            "bench-demo: %ux%u library vs raw frame: largest difference %d, %zu values > 2\n", l->w,
            l->h, worst, bad);
    return worst;
}

static void
figure(const struct bench_env *env,
       const char *name,
       const char *unit,
       const char *base,
       const char *better,
       double goal_ratio,
       double goal_value,
       const double *v,
       const double *b,
       size_t n)
{
    struct bench_figure f = { .name = name,
                              .unit = unit,
                              .baseline_name = base,
                              .better = better,
                              .goal_ratio = goal_ratio,
                              .goal_value = goal_value,
                              .n = n };
    memcpy(f.value, v, n * sizeof(double));
    memcpy(f.baseline, b, n * sizeof(double));
    bench_print(env, &f);
}

static int
run_res(const struct bench_env *env, uint32_t w, uint32_t h, uint32_t rounds, FILE *plot)
{
    struct lib l;
    struct raw *r = NULL;
    if (!lib_open(&l, w, h)) {
        fprintf(stderr, "bench-demo: the library device or guest did not come up\n");
        lib_close(&l);
        return 1;
    }
    if (!raw_new(w, h, HZ, l.gpu, &r)) {
        fprintf(stderr, "bench-demo: the raw Vulkan baseline did not come up\n");
        raw_free(r);
        lib_close(&l);
        return 1;
    }
    fprintf(stderr, "bench-demo: %ux%u on %s\n", w, h, l.gpu);
    enum { F = 120, FF = 20 };
    static double lms[F], rms[F];
    static double lall[BENCH_MAX_REPS * F], rall[BENCH_MAX_REPS * F];
    double lfps[BENCH_MAX_REPS], rfps[BENCH_MAX_REPS], lp50[BENCH_MAX_REPS], rp50[BENCH_MAX_REPS];
    double lp99[BENCH_MAX_REPS], rp99[BENCH_MAX_REPS];
    uint64_t ld = 0, rd = 0;
    /* Warm-up: the first frame of each pipeline pays llvmpipe's JIT (performance.md §7.4). */
    round_lib(&l, false, F, lms, &ld);
    round_raw(r, false, F, rms, &rd);
    compare(&l, r);
    size_t nl = 0;
    for (uint32_t i = 0; i < rounds; i++) {
        lfps[i] = round_lib(&l, false, F, lms, &ld);
        rfps[i] = round_raw(r, false, F, rms, &rd);
        memcpy(lall + nl, lms, sizeof(lms));
        memcpy(rall + nl, rms, sizeof(rms));
        nl += F;
        lp50[i] = pct(lms, F, 50);
        rp50[i] = pct(rms, F, 50);
        lp99[i] = pct(lms, F, 99);
        rp99[i] = pct(rms, F, 99);
    }
    compare(&l, r);
    char name[96];
    bool hd = w == 1920 && h == 1080;
    snprintf(name, sizeof(name), "demo.fps.%ux%u", w, h);
    figure(env, name, "fps", "vulkan.raw.same_frames", "higher", 0.7, hd ? 60 : -1, lfps, rfps,
           rounds);
    snprintf(name, sizeof(name), "demo.frametime.%ux%u", w, h);
    figure(env, name, "ms", "vulkan.raw.same_frames", "lower", -1, -1, lp50, rp50, rounds);
    snprintf(name, sizeof(name), "demo.frametime_p99.%ux%u", w, h);
    figure(env, name, "ms", "vulkan.raw.same_frames", "lower", -1, hd ? 25 : -1, lp99, rp99,
           rounds);
    fprintf(stderr,
            "bench-demo: %ux%u damage: all frames p50 %.3f / %.3f ms, p99 %.3f / %.3f ms "
            "(library / raw)\n",
            w, h, pct(lall, nl, 50), pct(rall, nl, 50), pct(lall, nl, 99), pct(rall, nl, 99));

    /* Full redraws: every frame the whole scene; fewer, longer rounds (n >= 5, §1). */
    uint32_t fr = rounds < 7 ? rounds : 7;
    double lf[BENCH_MAX_REPS], rf[BENCH_MAX_REPS];
    round_lib(&l, true, 2, lms, &ld);
    round_raw(r, true, 2, rms, &rd);
    for (uint32_t i = 0; i < fr; i++) {
        lf[i] = round_lib(&l, true, FF, lms, &ld);
        rf[i] = round_raw(r, true, FF, rms, &rd);
    }
    compare(&l, r);
    snprintf(name, sizeof(name), "demo.fps_full.%ux%u", w, h);
    figure(env, name, "fps", "vulkan.raw.same_frames", "higher", 0.7, -1, lf, rf, fr);

    if (plot) {
        /* Frame by frame, alternating arms, so a change of the machine's load hits both. */
        static double pl[1000], pr[1000];
        for (int i = 0; i < 1000; i++) {
            round_lib(&l, false, 1, &pl[i], &ld);
            round_raw(r, false, 1, &pr[i], &rd);
        }
        fprintf(plot, "# frame library_ms raw_ms (%ux%u, damage tracking, %s)\n", w, h, l.gpu);
        for (int i = 0; i < 1000; i++)
            fprintf(plot, "%d %.4f %.4f\n", i, pl[i], pr[i]);
        double a[1000], b[1000];
        memcpy(a, pl, sizeof(a));
        memcpy(b, pr, sizeof(b));
        fprintf(plot, "# p50 %.4f %.4f\n# p99 %.4f %.4f\n", pct(a, 1000, 50), pct(b, 1000, 50),
                pct(a, 1000, 99), pct(b, 1000, 99));
    }
    raw_free(r);
    lib_close(&l);
    return 0;
}

int
main(int argc, char **argv)
{
    const char *res = "1280x800,1920x1080", *plot_path = NULL, *label = NULL;
    uint32_t rounds = 15;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--res") && i + 1 < argc)
            res = argv[++i];
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--plot") && i + 1 < argc)
            plot_path = argv[++i];
        else if (argv[i][0] != '-' && !label)
            label = argv[i];
        else {
            fprintf(stderr, "usage: bench-demo [machine-label] [--res WxH,...] [--rounds N] "
                            "[--plot FILE]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > BENCH_MAX_REPS)
        rounds = 15;
    char *envargv[2] = { argv[0], (char *)(label ? label : "local") };
    struct bench_env env;
    bench_env_init(&env, 2, envargv);
    FILE *plot = plot_path ? fopen(plot_path, "w") : NULL;
    if (plot_path && !plot) {
        perror(plot_path);
        return 1;
    }
    int rc = 0;
    char list[256];
    snprintf(list, sizeof(list), "%s", res);
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
        unsigned w, h;
        if (sscanf(tok, "%ux%u", &w, &h) != 2 || w < 320 || h < 200) {
            fprintf(stderr, "bench-demo: bad resolution %s\n", tok);
            rc = 2;
            break;
        }
        /* The plot is of 1080p (performance.md §6), else of the first resolution. */
        bool here = plot && (!strstr(res, "1920x1080") || (w == 1920 && h == 1080));
        rc = run_res(&env, w, h, rounds, here ? plot : NULL);
        if (here) {
            fclose(plot);
            plot = NULL;
        }
    }
    if (plot)
        fclose(plot);
    return rc;
}
