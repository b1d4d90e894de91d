/* SPDX-License-Identifier: MIT */
/*
 * Guest objects (guestobj.h): slot table, descriptors of the provisional layouts v1 and
 * ExecIndirect submission in a simulated task, following protocol.md §13.17. Descriptor bytes
 * come from cmdenc (which takes every offset from the decoder's wire tables); this file only
 * decides where things live in the task's address space. Single-threaded test code.
 */
#include "guestobj.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define PAGE 4096u

static uint64_t
page_up(uint64_t v)
{
    return (v + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

bool
guestobj_init(struct guestobj *o,
              struct guestsim *g,
              struct guestsim_task *task,
              uint64_t va_base,
              uint32_t slot_count,
              uint64_t area_len)
{
    memset(o, 0, sizeof(*o));
    uint64_t slots_len = page_up(12ull * slot_count);
    uint64_t exec_len = GUESTOBJ_EXEC_AREAS *
                        (uint64_t)(GUESTOBJ_STREAM_MAX + GUESTOBJ_REPLY_MAX * GUESTOBJ_REPLY_SIZE);
    if ((va_base & (PAGE - 1)) || slot_count == 0 || area_len < exec_len + PAGE)
        return false;
    o->g = g;
    o->task = task;
    o->slots_va = va_base;
    o->slot_count = slot_count;
    if (!guestsim_task_map_new(g, task, va_base, slots_len))
        return false;
    o->next_va = va_base + slots_len;
    o->limit_va = o->next_va + page_up(area_len);
    for (uint32_t i = 0; i < GUESTOBJ_EXEC_AREAS; i++) {
        struct guestobj_area *a = &o->area[i];
        a->stream_va = guestobj_alloc(o, GUESTOBJ_STREAM_MAX);
        for (uint32_t r = 0; r < GUESTOBJ_REPLY_MAX; r++)
            a->reply_va[r] = guestobj_alloc(o, GUESTOBJ_REPLY_SIZE);
        if (!a->stream_va || !a->reply_va[GUESTOBJ_REPLY_MAX - 1])
            return false;
    }
    return true;
}

void
guestobj_heap_payload(const struct guestobj *o, uint32_t out[3])
{
    out[0] = o->task->id;
    out[1] = (uint32_t)(o->slots_va >> 12);
    out[2] = o->slot_count * 12u;
}

uint32_t
guestobj_set_heap(struct guestobj *o)
{
    uint32_t p[3];
    guestobj_heap_payload(o, p);
    return guestobj_submit(o->g, 0, 0x33, p, sizeof(p));
}

void
guestobj_define_payload(const struct guestobj *o, uint8_t out[16])
{
    uint32_t slot_index = o->task->id << 1;
    uint64_t hint = 0x0000000400000000ull;
    memcpy(out, &slot_index, 4);
    memcpy(out + 4, &hint, 8);
    memcpy(out + 12, &o->task->root_pfn, 4);
}

/* ---- Task memory ---- */

uint64_t
guestobj_alloc(struct guestobj *o, uint64_t len)
{
    uint64_t n = page_up(len ? len : 1);
    if (n > o->limit_va - o->next_va)
        return 0;
    uint64_t va = o->next_va;
    if (!guestsim_task_map_new(o->g, o->task, va, n))
        return 0;
    o->next_va += n;
    return va;
}

bool
guestobj_write(struct guestobj *o, uint64_t va, const void *src, size_t len)
{
    return guestsim_task_write(o->g, o->task, va, src, len);
}

bool
guestobj_read(struct guestobj *o, uint64_t va, void *dst, size_t len)
{
    return guestsim_task_read(o->g, o->task, va, dst, len);
}

bool
guestobj_va_to_gpa(struct guestobj *o, uint64_t va, uint64_t *gpa)
{
    /* The simulator's tables have 3 levels and no early leaves (guestsim_task_map_page). */
    if (va >> 42)
        return false;
    uint64_t vpn = va >> 12;
    uint32_t node = o->task->top_pfn;
    const uint32_t shifts[3] = { 20, 10, 0 };
    for (int k = 0; k < 3; k++) {
        uint32_t e =
            guestsim_read32(o->g, ((uint64_t)node << 12) + 4ull * ((vpn >> shifts[k]) & 0x3FF));
        if (e == 0)
            return false;
        node = e & 0x7FFFFFFFu;
    }
    *gpa = ((uint64_t)node << 12) | (va & 0xFFF);
    return true;
}

/* ---- Objects ---- */

uint64_t
guestobj_slot(struct guestobj *o, uint32_t ref, uint8_t type, const void *desc, size_t len)
{
    if (ref >= o->slot_count)
        return 0;
    uint64_t dva = guestobj_alloc(o, len);
    if (!dva || !guestobj_write(o, dva, desc, len))
        return 0;
    uint8_t slot[12];
    cmdenc_slot(slot, type, dva);
    if (!guestobj_write(o, o->slots_va + 12ull * ref, slot, sizeof(slot)))
        return 0;
    return dva;
}

void
guestobj_slot_clear(struct guestobj *o, uint32_t ref)
{
    uint8_t zero[12] = { 0 };
    if (ref < o->slot_count)
        guestobj_write(o, o->slots_va + 12ull * ref, zero, sizeof(zero));
}

uint64_t
guestobj_buffer(struct guestobj *o, uint32_t ref, uint64_t size, uint64_t *data_va)
{
    uint64_t va = guestobj_alloc(o, size);
    if (!va)
        return 0;
    if (data_va)
        *data_va = va;
    uint8_t d[64];
    cmdenc_desc_buffer(d, size, (uint32_t)(va >> 12));
    return guestobj_slot(o, ref, GUESTOBJ_BUFFER, d, sizeof(d));
}

/* Bytes per pixel of the colour formats of §13.15 (0: no guest image in v1). */
static uint32_t
format_bpp(uint32_t format)
{
    switch (format) {
    case 1:
    case 10:
        return 1;
    case 20:
    case 25:
    case 30:
        return 2;
    case 55:
    case 65:
    case 70:
    case 71:
    case 80:
    case 81:
    case 90:
    case 92:
    case 94:
        return 4;
    case 105:
    case 110:
    case 115:
        return 8;
    case 125:
        return 16;
    default:
        return 0;
    }
}

uint64_t
guestobj_texture_desc(struct guestobj *o, uint32_t ref, struct cmdenc_texture *t)
{
    if (t->place_size && !t->place_vpn) {
        uint64_t va = guestobj_alloc(o, t->place_size);
        if (!va)
            return 0;
        t->place_vpn = (uint32_t)(va >> 12);
    }
    uint8_t d[0x80];
    cmdenc_desc_texture(d, t);
    return guestobj_slot(o, ref, GUESTOBJ_TEXTURE, d, sizeof(d));
}

uint64_t
guestobj_texture(struct guestobj *o,
                 uint32_t ref,
                 uint32_t format,
                 uint32_t width,
                 uint32_t height,
                 uint32_t levels,
                 uint64_t *image_va)
{
    uint32_t bpp = format_bpp(format);
    uint64_t size = 0;
    for (uint32_t l = 0; l < levels; l++) {
        uint64_t lw = width >> l ? width >> l : 1, lh = height >> l ? height >> l : 1;
        size += ((lw * bpp + 255) / 256 * 256) * lh;
    }
    struct cmdenc_texture t = { .type = 2,
                                .format = format,
                                .width = width,
                                .height = height,
                                .levels = levels,
                                .layers = 1,
                                .samples = 1,
                                .usage = 0x5,
                                .storage = 0,
                                .place_size = size ? size : PAGE };
    uint64_t dva = guestobj_texture_desc(o, ref, &t);
    if (dva && image_va)
        *image_va = (uint64_t)t.place_vpn << 12;
    return dva;
}

uint64_t
guestobj_surface_texture(struct guestobj *o,
                         uint32_t ref,
                         uint32_t surface,
                         uint32_t width,
                         uint32_t height)
{
    struct cmdenc_texture t = { .type = 2,
                                .format = 80,
                                .width = width,
                                .height = height,
                                .levels = 1,
                                .layers = 1,
                                .samples = 1,
                                .usage = 0x5,
                                .storage = 0,
                                .iosurface = surface };
    return guestobj_texture_desc(o, ref, &t);
}

uint64_t
guestobj_view(struct guestobj *o,
              uint32_t ref,
              uint32_t parent,
              uint32_t format,
              uint32_t base_level)
{
    uint8_t d[0x28];
    cmdenc_desc_view(d, parent, format, base_level);
    return guestobj_slot(o, ref, GUESTOBJ_VIEW, d, sizeof(d));
}

uint64_t
guestobj_sampler(struct guestobj *o, uint32_t ref, uint8_t filter, uint8_t address)
{
    uint8_t d[32];
    cmdenc_desc_sampler(d, filter, address);
    return guestobj_slot(o, ref, GUESTOBJ_SAMPLER, d, sizeof(d));
}

uint64_t
guestobj_depth_stencil(struct guestobj *o, uint32_t ref, uint8_t compare, bool write)
{
    uint8_t d[32];
    cmdenc_desc_depth_stencil(d, compare, write);
    return guestobj_slot(o, ref, GUESTOBJ_DEPTH_STENCIL, d, sizeof(d));
}

uint64_t
guestobj_function(struct guestobj *o, uint32_t ref, uint8_t stage)
{
    uint8_t c[512];
    size_t n = cmdenc_mtlb(c, sizeof(c), stage);
    uint64_t va = n ? guestobj_alloc(o, n) : 0;
    if (!va || !guestobj_write(o, va, c, n))
        return 0;
    uint8_t d[16];
    cmdenc_desc_function(d, va);
    return guestobj_slot(o, ref, GUESTOBJ_FUNCTION, d, sizeof(d));
}

uint64_t
guestobj_render_pipeline(struct guestobj *o,
                         uint32_t ref,
                         uint32_t vertex_fn,
                         uint32_t fragment_fn,
                         uint32_t format)
{
    uint8_t d[512];
    size_t n = cmdenc_desc_rps1(d, sizeof(d), vertex_fn, fragment_fn, format);
    return n ? guestobj_slot(o, ref, GUESTOBJ_PIPELINE, d, n) : 0;
}

uint64_t
guestobj_compute_pipeline(struct guestobj *o, uint32_t ref, uint32_t fn)
{
    uint8_t d[32];
    cmdenc_desc_cps1(d, fn);
    return guestobj_slot(o, ref, GUESTOBJ_PIPELINE, d, sizeof(d));
}

uint64_t
guestobj_other(struct guestobj *o, uint32_t ref, uint8_t type)
{
    uint8_t d[32] = { 0 };
    return guestobj_slot(o, ref, type, d, sizeof(d));
}

bool
guestobj_standard(struct guestobj *o, uint32_t first, struct cmdenc_refs *refs)
{
    uint32_t r = first;
    bool ok = true;
    ok &= guestobj_buffer(o, r + 0, 4096, NULL) != 0;
    ok &= guestobj_buffer(o, r + 1, 4096, NULL) != 0;
    ok &= guestobj_buffer(o, r + 2, 1024, NULL) != 0;
    ok &= guestobj_texture(o, r + 3, 80, 64, 32, 1, NULL) != 0;
    ok &= guestobj_texture(o, r + 4, 80, 64, 32, 1, NULL) != 0;
    ok &= guestobj_view(o, r + 5, r + 3, 0, 0) != 0;
    ok &= guestobj_sampler(o, r + 6, 1, 0) != 0;
    ok &= guestobj_depth_stencil(o, r + 7, 1, true) != 0;
    ok &= guestobj_function(o, r + 8, 0) != 0;
    ok &= guestobj_function(o, r + 9, 1) != 0;
    ok &= guestobj_function(o, r + 10, 2) != 0;
    ok &= guestobj_render_pipeline(o, r + 11, r + 8, r + 9, 80) != 0;
    ok &= guestobj_compute_pipeline(o, r + 12, r + 10) != 0;
    ok &= guestobj_other(o, r + 13, GUESTOBJ_FENCE) != 0;
    /* r + 14: a spare texture slot tests may redefine (kept valid meanwhile). */
    ok &= guestobj_texture(o, r + 14, 70, 16, 16, 3, NULL) != 0;
    *refs = (struct cmdenc_refs){ .buffer = r + 0,
                                  .buffer2 = r + 1,
                                  .index_buffer = r + 2,
                                  .texture = r + 3,
                                  .texture2 = r + 4,
                                  .sampler = r + 6,
                                  .depth_stencil = r + 7,
                                  .render_pipeline = r + 11,
                                  .compute_pipeline = r + 12,
                                  .other = r + 13,
                                  .reply_id = 1 };
    return ok;
}

/* ---- Submission ---- */

bool
guestobj_wait_stamp(struct guestsim *g, uint32_t slot, uint32_t target, uint32_t timeout_ms)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if ((uint32_t)(guestsim_stamp(g, slot) - target) < 0x80000000u)
            return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t ms = (int64_t)(now.tv_sec - start.tv_sec) * 1000 +
                     ((int64_t)now.tv_nsec - (int64_t)start.tv_nsec) / 1000000;
        if (ms > (int64_t)timeout_ms)
            return false;
        guestsim_run_executor(g);
        struct timespec nap = { 0, 50000 };
        nanosleep(&nap, NULL);
    }
}

void
guestobj_doorbell(struct guestsim *g, uint32_t ch)
{
    if (ch == 0)
        guestsim_root_doorbell(g);
    else
        guestsim_channel_doorbell(g, ch);
}

uint32_t
guestobj_put(struct guestsim *g, uint32_t ch, uint16_t op, const void *p, uint32_t len)
{
    return ch == 0 ? guestsim_root_put(g, op, p, len) : guestsim_channel_put(g, ch, op, p, len);
}

uint32_t
guestobj_exec_put(struct guestobj *o,
                  uint32_t ch,
                  const struct cmdenc *e,
                  const struct cmdenc_exec_desc *desc,
                  uint32_t dc,
                  uint32_t replies,
                  struct guestobj_exec *out)
{
    if (e->oom || e->len > GUESTOBJ_STREAM_MAX || replies > GUESTOBJ_REPLY_MAX || dc > 64 || ch > 4)
        return 0;
    struct guestobj_area *a = &o->area[o->next_area];
    o->next_area = (o->next_area + 1) % GUESTOBJ_EXEC_AREAS;
    /* The host may still be reading this area for an earlier ExecIndirect. */
    if (a->stamp && !guestobj_wait_stamp(o->g, a->channel, a->stamp, 5000))
        return 0;
    static const uint8_t zero[GUESTOBJ_REPLY_SIZE];
    struct cmdenc_exec_res res[1 + GUESTOBJ_REPLY_MAX];
    res[0] = (struct cmdenc_exec_res){ a->stream_va, (uint32_t)e->len };
    if (!guestobj_write(o, a->stream_va, e->buf, e->len))
        return 0;
    for (uint32_t r = 0; r < replies; r++) {
        guestobj_write(o, a->reply_va[r], zero, sizeof(zero));
        res[1 + r] = (struct cmdenc_exec_res){ a->reply_va[r], GUESTOBJ_REPLY_SIZE };
    }
    uint8_t payload[12 + 24 * 64 + 16 * (1 + GUESTOBJ_REPLY_MAX)];
    size_t n = cmdenc_exec(payload, sizeof(payload), o->task->id, desc, dc, res, 1 + replies);
    if (!n)
        return 0;
    uint32_t stamp = guestobj_put(o->g, ch, ch == 0 ? 0x20 : 0x37, payload, (uint32_t)n);
    a->channel = ch;
    a->stamp = stamp;
    if (out) {
        memset(out, 0, sizeof(*out));
        out->channel = ch;
        out->stamp = stamp;
        out->stream_va = a->stream_va;
        out->stream_len = (uint32_t)e->len;
        out->reply_count = replies;
        memcpy(out->reply_va, a->reply_va, sizeof(uint64_t) * replies);
    }
    return stamp;
}

uint32_t
guestobj_exec_submit(struct guestobj *o,
                     uint32_t ch,
                     const struct cmdenc *e,
                     const struct cmdenc_exec_desc *desc,
                     uint32_t dc,
                     uint32_t replies,
                     struct guestobj_exec *out)
{
    uint32_t stamp = guestobj_exec_put(o, ch, e, desc, dc, replies, out);
    if (!stamp)
        return 0;
    guestobj_doorbell(o->g, ch);
    return guestobj_wait_stamp(o->g, ch, stamp, 5000) ? stamp : 0;
}

uint32_t
guestobj_submit(struct guestsim *g, uint32_t ch, uint16_t op, const void *p, uint32_t len)
{
    uint32_t stamp = guestobj_put(g, ch, op, p, len);
    guestobj_doorbell(g, ch);
    return guestobj_wait_stamp(g, ch, stamp, 5000) ? stamp : 0;
}
