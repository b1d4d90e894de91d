/* SPDX-License-Identifier: MIT */
/*
 * Harness of the vulkan suite: opens the Vulkan backend on lavapipe with validation (a test on
 * any other device skips: goldens are lavapipe's), drives be_ops directly as protocol does,
 * flushes and waits for done, offers memory-backed be_backing, and at the end requires zero
 * validation messages (leak reports at device destruction included). Single test thread plus
 * the backend's completion thread.
 */
#ifndef LAGFX_TESTS_VULKAN_VKT_H
#define LAGFX_TESTS_VULKAN_VKT_H

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "check.h"
#include "vulkan/vkb.h"
#include "vulkan/vkb_internal.h"

struct vkt_backing {
    struct be_backing b;
    const uint8_t *bytes;
    uint64_t len;
};

static bool
vkt_read(const struct be_backing *b, uint64_t off, void *dst, size_t len)
{
    const struct vkt_backing *m = (const struct vkt_backing *)b;
    if (off > m->len || len > m->len - off) {
        memset(dst, 0, len);
        return false;
    }
    memcpy(dst, m->bytes + off, len);
    return true;
}

static inline struct vkt_backing
vkt_backing(const void *bytes, uint64_t len)
{
    struct vkt_backing m = { { vkt_read, NULL, len }, bytes, len };
    return m;
}

/* A write-back target over test memory: object bytes [offset, offset + length) land in
 * bytes[off - offset]; release counts instead of freeing (the test frees with vkt_wb_free). */
struct vkt_wb {
    struct be_writeback wb;
    uint8_t *bytes;
    uint64_t written; /* bytes written */
    int releases;
};

static bool
vkt_wb_write(struct be_writeback *wb, uint64_t off, const void *src, size_t len)
{
    struct vkt_wb *m = (struct vkt_wb *)wb;
    if (off < wb->offset || off - wb->offset > wb->length || len > wb->length - (off - wb->offset))
        return false;
    memcpy(m->bytes + (off - wb->offset), src, len);
    m->written += len;
    return true;
}

static void
vkt_wb_release(struct be_writeback *wb)
{
    ((struct vkt_wb *)wb)->releases++;
}

static inline struct vkt_wb *
vkt_wb_new(uint64_t offset, uint64_t length)
{
    struct vkt_wb *m = calloc(1, sizeof(*m));
    REQUIRE(m);
    m->bytes = calloc(1, length ? length : 1);
    REQUIRE(m->bytes);
    m->wb = (struct be_writeback){ vkt_wb_write, vkt_wb_release, offset, length };
    return m;
}

static inline void
vkt_wb_free(struct vkt_wb *m)
{
    if (m)
        free(m->bytes);
    free(m);
}

/* Opens the backend; exits 77 unless it runs on llvmpipe. */
static inline void
vkt_pin_libraries(void)
{
    /* Keep lavapipe and the validation layer mapped until exit (RTLD_NODELETE) so that
     * LeakSanitizer can name them: their own leaks are suppressed by library (lsan.supp);
     * once the loader unloads them, a leak shows as "<unknown module>" and no suppression
     * applies. Handles are deliberately kept. */
    dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE);
    dlopen("libVkLayer_khronos_validation.so", RTLD_NOW | RTLD_NODELETE);
}

static inline struct be *
vkt_open(void)
{
    vkt_pin_libraries();
    struct vkb_config cfg = { .label = "vkt", .validation = true };
    struct vkb_info info;
    struct be *be = NULL;
    lagfx_status_t st = vkb_backend_new(&cfg, &be, &info);
    if (st == LAGFX_ERROR_NO_DEVICE) {
        printf("SKIP: no Vulkan device\n");
        exit(77);
    }
    REQUIRE(st == LAGFX_OK);
    if (!strstr(info.name, "llvmpipe")) {
        printf("SKIP: device is %s, not llvmpipe (goldens are lavapipe's)\n", info.name);
        be_destroy(be);
        exit(77);
    }
    return be;
}

struct vkt_wait {
    pthread_mutex_t m;
    pthread_cond_t c;
    int done;
};

static void
vkt_done(void *arg)
{
    struct vkt_wait *w = arg;
    pthread_mutex_lock(&w->m);
    w->done++;
    pthread_cond_signal(&w->c);
    pthread_mutex_unlock(&w->m);
}

/* Flushes and waits for the done callback. */
static inline void
vkt_flush_wait(struct be *be)
{
    struct vkt_wait w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
    be->ops->flush(be, vkt_done, &w);
    pthread_mutex_lock(&w.m);
    while (!w.done)
        pthread_cond_wait(&w.c, &w.m);
    pthread_mutex_unlock(&w.m);
    pthread_mutex_destroy(&w.m);
    pthread_cond_destroy(&w.c);
}

static inline be_handle_t
vkt_buffer(struct be *be, const void *init, uint64_t len)
{
    struct vkt_backing m = vkt_backing(init, init ? len : 0);
    struct be_buffer_desc d = { .length = len, .backing = init ? &m.b : NULL };
    be_handle_t h = 0;
    CHECK_STATUS(be->ops->buffer_create(be, &d, &h), LAGFX_OK);
    return h;
}

static inline be_handle_t
vkt_texture(struct be *be, uint32_t format, uint32_t w, uint32_t h, uint32_t levels)
{
    struct be_texture_desc d = { .texture_type = 2,
                                 .pixel_format = format,
                                 .width = w,
                                 .height = h,
                                 .depth = 1,
                                 .levels = levels,
                                 .layers = 1,
                                 .samples = 1,
                                 .usage = 0x7,
                                 .storage = 2 };
    be_handle_t t = 0;
    CHECK_STATUS(be->ops->texture_create(be, &d, &t), LAGFX_OK);
    return t;
}

/* The host copy of a buffer (host-visible memory), valid after a flush completed. */
static inline const uint8_t *
vkt_buffer_bytes(be_handle_t h)
{
    struct vkb_buffer *b = vkb_cast(h, VKB_KIND_BUFFER);
    return b ? b->map : NULL;
}

/* Destroys the backend and fails on any validation message. */
static inline int
vkt_finish(struct be *be)
{
    be_destroy(be);
    uint64_t n = vkb_validation_messages_total();
    if (n) {
        fprintf(stderr, "%llu validation message(s)\n", (unsigned long long)n);
        check_failures++;
    }
    return check_failures ? 1 : 0;
}

#endif /* LAGFX_TESTS_VULKAN_VKT_H */
