/* SPDX-License-Identifier: MIT */
/*
 * Decode test harness (harness.h): fake task memory, object builders, golden files.
 * Single-threaded test code.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "memory/reader.h"
#include "protocol/limits.h"

static bool
fm_access(struct fakemem *m, uint64_t va, uint8_t *p, size_t len, bool write)
{
    bool ok = true;
    while (len) {
        uint64_t pg = va >> 12;
        size_t in = (size_t)(va & 4095), n = 4096 - in < len ? 4096 - in : len;
        if (pg >= FAKE_PAGES || !m->page[pg]) {
            if (!write)
                memset(p, 0, n);
            ok = false;
        } else if (write) {
            memcpy(m->page[pg] + in, p, n);
        } else {
            memcpy(p, m->page[pg] + in, n);
        }
        va += n;
        p += n;
        len -= n;
    }
    return ok;
}

static bool
io_read(void *user, uint64_t va, void *dst, size_t len)
{
    struct fakemem *m = user;
    m->reads++;
    bool ok = fm_access(m, va, dst, len, false);
    if (!ok)
        memset(dst, 0, len);
    return ok;
}

static bool
io_write(void *user, uint64_t va, const void *src, size_t len)
{
    struct fakemem *m = user;
    m->writes++;
    /* All or nothing: check every page first. */
    for (uint64_t a = va & ~4095ull; a < va + len; a += 4096) {
        if ((a >> 12) >= FAKE_PAGES || !m->page[a >> 12])
            return false;
    }
    return fm_access(m, va, (uint8_t *)src, len, true);
}

/* Write-back targets: task VA = "guest-physical" address of this fake memory. */
static bool
io_translate(void *user, uint64_t va, uint64_t *gpa)
{
    struct fakemem *m = user;
    if ((va >> 12) >= FAKE_PAGES || !m->page[va >> 12])
        return false;
    *gpa = va;
    return true;
}

static bool
io_phys_write(void *phys, uint64_t gpa, const void *src, size_t len)
{
    return io_write(phys, gpa, src, len);
}

void
h_map(struct harness *h, uint64_t va, uint64_t len)
{
    for (uint64_t a = va & ~4095ull; a < va + len; a += 4096) {
        if ((a >> 12) < FAKE_PAGES && !h->mem.page[a >> 12])
            h->mem.page[a >> 12] = calloc(1, 4096);
    }
}

void
h_unmap(struct harness *h, uint64_t va, uint64_t len)
{
    for (uint64_t a = va & ~4095ull; a < va + len; a += 4096) {
        if ((a >> 12) < FAKE_PAGES) {
            free(h->mem.page[a >> 12]);
            h->mem.page[a >> 12] = NULL;
        }
    }
}

bool
h_write(struct harness *h, uint64_t va, const void *p, size_t len)
{
    h_map(h, va, len);
    return fm_access(&h->mem, va, (uint8_t *)p, len, true);
}

bool
h_read(struct harness *h, uint64_t va, void *p, size_t len)
{
    return fm_access(&h->mem, va, p, len, false);
}

void
h_init(struct harness *h)
{
    memset(h, 0, sizeof(*h));
    ut_guest_errors_init(&h->errs, NULL);
    REQUIRE(be_recording_new(NULL, &h->be) == LAGFX_OK);
    h->task.id = 1;
    h->task.defined = true;
    h->task.heap_vpn = H_SLOTS_VA >> 12;
    h->task.heap_size = H_SLOT_COUNT * 12;
    h_map(h, H_SLOTS_VA, H_SLOT_COUNT * 12);
    h->env.task = &h->task;
    h->env.io = (struct proto_guest_io){ .user = &h->mem,
                                         .read = io_read,
                                         .write = io_write,
                                         .translate = io_translate,
                                         .phys_write = io_phys_write,
                                         .phys = &h->mem };
    h->env.be = h->be;
    h->env.errs = &h->errs;
    h->env.display_width = 1280;
    h->next_data = H_DATA_VA;
}

void
h_finish(struct harness *h)
{
    proto_task_objects_free(&h->task, h->be);
    be_destroy(h->be);
    for (int i = 0; i < FAKE_PAGES; i++)
        free(h->mem.page[i]);
}

void
h_slot_raw(struct harness *h, uint32_t ref, uint8_t type, const void *desc, size_t len)
{
    uint8_t slot[12];
    uint64_t dva = H_DESC_VA + 0x1000ull * ref;
    cmdenc_slot(slot, type, dva);
    h_write(h, H_SLOTS_VA + 12ull * ref, slot, sizeof(slot));
    h_write(h, dva, desc, len);
}

static uint64_t
alloc_data(struct harness *h, uint64_t size)
{
    uint64_t va = h->next_data;
    h->next_data += (size + 4095) & ~4095ull;
    h_map(h, va, size);
    return va;
}

void
h_buffer(struct harness *h, uint32_t ref, uint64_t size)
{
    uint8_t d[64];
    cmdenc_desc_buffer(d, size, (uint32_t)(alloc_data(h, size) >> 12));
    h_slot_raw(h, ref, 0x01, d, sizeof(d));
}

void
h_texture(struct harness *h,
          uint32_t ref,
          uint32_t format,
          uint32_t w,
          uint32_t hgt,
          uint32_t levels)
{
    uint64_t size = 0;
    for (uint32_t l = 0; l < levels; l++) {
        uint64_t lw = w >> l ? w >> l : 1, lh = hgt >> l ? hgt >> l : 1;
        size += ((lw * 4 + 255) / 256 * 256) * lh;
    }
    struct cmdenc_texture t = { .type = 2,
                                .format = format,
                                .width = w,
                                .height = hgt,
                                .levels = levels,
                                .layers = 1,
                                .samples = 1,
                                .usage = 0x5,
                                .place_size = size };
    t.place_vpn = (uint32_t)(alloc_data(h, size) >> 12);
    uint8_t d[0x80];
    cmdenc_desc_texture(d, &t);
    h_slot_raw(h, ref, 0x02, d, sizeof(d));
}

void
h_sampler(struct harness *h, uint32_t ref)
{
    uint8_t d[32];
    cmdenc_desc_sampler(d, 1, 0);
    h_slot_raw(h, ref, 0x08, d, sizeof(d));
}

void
h_depth_stencil(struct harness *h, uint32_t ref)
{
    uint8_t d[32];
    cmdenc_desc_depth_stencil(d, 1, true);
    h_slot_raw(h, ref, 0x09, d, sizeof(d));
}

void
h_function(struct harness *h, uint32_t ref, uint8_t stage)
{
    uint8_t c[512];
    size_t n = cmdenc_mtlb(c, sizeof(c), stage);
    REQUIRE(n);
    uint64_t va = alloc_data(h, n);
    h_write(h, va, c, n);
    uint8_t d[16];
    cmdenc_desc_function(d, va);
    h_slot_raw(h, ref, 0x06, d, sizeof(d));
}

void
h_render_pipeline(struct harness *h, uint32_t ref, uint32_t vfn, uint32_t ffn, uint32_t format)
{
    uint8_t d[512];
    size_t n = cmdenc_desc_rps1(d, sizeof(d), vfn, ffn, format);
    REQUIRE(n);
    h_slot_raw(h, ref, 0x07, d, n);
}

void
h_compute_pipeline(struct harness *h, uint32_t ref, uint32_t fn)
{
    uint8_t d[32];
    cmdenc_desc_cps1(d, fn);
    h_slot_raw(h, ref, 0x07, d, sizeof(d));
}

void
h_standard_objects(struct harness *h, struct cmdenc_refs *r)
{
    h_buffer(h, 1, 4096);
    h_buffer(h, 2, 4096);
    h_buffer(h, 3, 1024);
    h_texture(h, 4, 80, 64, 32, 1);
    h_texture(h, 5, 80, 64, 32, 1);
    h_sampler(h, 6);
    h_depth_stencil(h, 7);
    h_function(h, 8, 0);
    h_function(h, 9, 1);
    h_function(h, 10, 2);
    h_render_pipeline(h, 11, 8, 9, 80);
    h_compute_pipeline(h, 12, 10);
    uint8_t fence[32] = { 0 };
    h_slot_raw(h, 13, 0x0F, fence, sizeof(fence));
    *r = (struct cmdenc_refs){ .buffer = 1,
                               .buffer2 = 2,
                               .index_buffer = 3,
                               .texture = 4,
                               .texture2 = 5,
                               .sampler = 6,
                               .depth_stencil = 7,
                               .render_pipeline = 11,
                               .compute_pipeline = 12,
                               .other = 13,
                               .reply_id = 1 };
}

lagfx_status_t
h_decode(struct harness *h, const struct cmdenc *e)
{
    h_map(h, H_REPLY_VA, 4096);
    uint64_t va[2] = { H_STREAM_VA, H_REPLY_VA };
    uint32_t len[2] = { (uint32_t)e->len, 4096 };
    return proto_cmdbuf_decode_stream(&h->env, e->buf, e->len, va, len, 2);
}

lagfx_status_t
h_exec(struct harness *h, const struct cmdenc *e, const struct cmdenc_exec_desc *desc, uint32_t dc)
{
    h_map(h, H_REPLY_VA, 4096);
    h_write(h, H_STREAM_VA, e->buf, e->len);
    struct cmdenc_exec_res res[2] = { { H_STREAM_VA, (uint32_t)e->len }, { H_REPLY_VA, 4096 } };
    uint8_t payload[1024];
    size_t n = cmdenc_exec(payload, sizeof(payload), h->task.id, desc, dc, res, 2);
    REQUIRE(n);
    return proto_cmdbuf_exec(&h->env, payload, n);
}

const char *
h_transcript(struct harness *h)
{
    return be_recording_text(h->be);
}

void
h_clear(struct harness *h)
{
    be_recording_clear(h->be);
}

bool
h_golden(const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", LAGFX_GOLDEN_DIR, name);
    const char *upd = getenv("LAGFX_UPDATE_GOLDEN");
    if (upd && strcmp(upd, "1") == 0) {
        FILE *f = fopen(path, "w");
        if (!f)
            return false;
        fputs(text, f);
        fclose(f);
        fprintf(stderr, "golden %s rewritten\n", name);
        return true;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "golden %s missing (run with LAGFX_UPDATE_GOLDEN=1)\n", path);
        return false;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *want = calloc(1, (size_t)n + 1);
    size_t got = fread(want, 1, (size_t)n, f);
    fclose(f);
    want[got] = 0;
    bool same = strcmp(want, text) == 0;
    if (!same) {
        const char *a = want, *b = text;
        int line = 1;
        while (*a && *a == *b) {
            if (*a == '\n')
                line++;
            a++;
            b++;
        }
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        fprintf(stderr, "golden %s differs at line %d:\n  expected: %.*s\n  actual:   %.*s\n", name,
                line, ea ? (int)(ea - a) : (int)strlen(a), a, eb ? (int)(eb - b) : (int)strlen(b),
                b);
    }
    free(want);
    return same;
}
