/* SPDX-License-Identifier: MIT */
/*
 * Vulkan backend benchmarks (spec/performance.md §4.9): readback.read_frame.1920x1080, the
 * VMM's frame read (frame_acquire + one memcpy into a page-aligned buffer + frame_release) of
 * a frame the GPU just copied into a host-visible slot, against memcpy of the same bytes
 * between pre-faulted buffers. One JSON line on stdout (bench/common.h) with vk_device,
 * vk_driver and resolution filled in. Single-threaded plus the backend's gpu thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common.h"
#include "backend.h"
#include "vulkan/vkb.h"

#define W      1920
#define H      1080
#define ROUNDS 31

struct waiter {
    pthread_mutex_t m;
    pthread_cond_t c;
    int done;
};

static void
on_done(void *arg)
{
    struct waiter *w = arg;
    pthread_mutex_lock(&w->m);
    w->done = 1;
    pthread_cond_signal(&w->c);
    pthread_mutex_unlock(&w->m);
}

static void
flush_wait(struct be *be)
{
    struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
    be->ops->flush(be, on_done, &w);
    pthread_mutex_lock(&w.m);
    while (!w.done)
        pthread_cond_wait(&w.c, &w.m);
    pthread_mutex_unlock(&w.m);
}

/* bench_print leaves the Vulkan fields of env null: print through a temporary file and fill
 * them in. */
static void
print_with_device(const struct bench_env *env,
                  const struct bench_figure *f,
                  const struct vkb_info *info)
{
    fflush(stdout);
    FILE *tmp = tmpfile();
    int saved = dup(1);
    if (!tmp || saved < 0) {
        bench_print(env, f);
        return;
    }
    dup2(fileno(tmp), 1);
    bench_print(env, f);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    char line[8192];
    rewind(tmp);
    size_t n = fread(line, 1, sizeof(line) - 1, tmp);
    fclose(tmp);
    line[n] = 0;
    char repl[1024];
    snprintf(repl, sizeof(repl), "\"vk_device\":\"%s\",\"vk_driver\":\"%s\"", info->name,
             info->driver);
    const char *keys[2] = { "\"vk_device\":null,\"vk_driver\":null", "\"resolution\":null" };
    char res[64];
    snprintf(res, sizeof(res), "\"resolution\":\"%dx%d\"", W, H);
    const char *vals[2] = { repl, res };
    for (int k = 0; k < 2; k++) {
        char *p = strstr(line, keys[k]);
        if (!p)
            continue;
        char out[8192];
        snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - line), line, vals[k], p + strlen(keys[k]));
        snprintf(line, sizeof(line), "%s", out);
    }
    fputs(line, stdout);
}

int
main(int argc, char **argv)
{
    struct bench_env env;
    bench_env_init(&env, argc, argv);
    struct vkb_config cfg = { .label = "bench" };
    struct vkb_info info;
    struct be *be = NULL;
    if (vkb_backend_new(&cfg, &be, &info) != LAGFX_OK) {
        fprintf(stderr, "no Vulkan device\n");
        return 77;
    }
    const struct be_ops *o = be->ops;
    struct be_iosurface_desc sd = { .width = W, .height = H, .pixel_format = 80 };
    be_handle_t t = 0;
    struct be_texture_desc td = { .texture_type = 2,
                                  .pixel_format = 80,
                                  .width = W,
                                  .height = H,
                                  .depth = 1,
                                  .levels = 1,
                                  .layers = 1,
                                  .samples = 1,
                                  .usage = 0x5,
                                  .iosurface_id = 1 };
    if (o->iosurface_define(be, 1, &sd) != LAGFX_OK || o->texture_create(be, &td, &t) != LAGFX_OK) {
        fprintf(stderr, "setup failed\n");
        be_destroy(be);
        return 1;
    }
    size_t bytes = (size_t)W * H * 4;
    uint8_t *dst = NULL, *src = NULL;
    if (posix_memalign((void **)&dst, 4096, bytes) || posix_memalign((void **)&src, 4096, bytes))
        return 1;
    memset(dst, 1, bytes); /* pre-fault */
    memset(src, 2, bytes);

    struct bench_figure f = { .name = "readback.read_frame.1920x1080",
                              .unit = "ms",
                              .baseline_name = "memcpy.same_bytes",
                              .better = "lower",
                              .goal_ratio = 1.5,
                              .goal_value = -1 };
    uint64_t seq = 0;
    for (int r = -3; r < ROUNDS; r++) {
        /* A new frame: clear the surface to a per-round colour, present, complete. */
        struct be_texture_fill fill = { .texture = t,
                                        .size = { W, H, 1 },
                                        .color = { (r & 1) ? 1.0 : 0.0, 0.5, 0.25, 1.0 },
                                        .pixel_format = 80 };
        o->fill_texture(be, &fill);
        struct be_present p = {
            .port = 0, .source = BE_PRESENT_SURFACE, .surface_id = 1, .width = W, .height = H
        };
        o->present(be, &p);
        flush_wait(be);
        uint64_t t0 = bench_now_ns();
        struct be_frame fr;
        if (!o->frame_acquire(be, 0, seq, &fr)) {
            fprintf(stderr, "no frame\n");
            return 1;
        }
        memcpy(dst, fr.pixels, (size_t)fr.stride * fr.height);
        seq = fr.sequence;
        o->frame_release(be, 0, &fr);
        uint64_t t1 = bench_now_ns();
        memset(src, r & 0xFF, 4096); /* touch the source as a writer would */
        uint64_t t2 = bench_now_ns();
        memcpy(dst, src, bytes);
        uint64_t t3 = bench_now_ns();
        bench_consume(dst[bytes - 1]);
        if (r >= 0 && f.n < BENCH_MAX_REPS) {
            f.value[f.n] = (double)(t1 - t0) / 1e6;
            f.baseline[f.n] = (double)(t3 - t2) / 1e6;
            f.n++;
        }
    }
    print_with_device(&env, &f, &info);
    o->object_destroy(be, t);
    be_destroy(be);
    free(dst);
    free(src);
    return 0;
}
