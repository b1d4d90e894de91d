/* SPDX-License-Identifier: MIT */
/*
 * Display pipes' shared state and the online handshake (protocol.md §15.1-§15.3). On 0x01 the
 * host writes the shared-state page of a plugged port (two writes: 0x000-0x023 and
 * 0x200-0x21F, never the event words), then posts the online event once the guest's enable
 * mask at +0x104 has bit 0x4 — checked right after 0x01, at every doorbell of the pipe and
 * every 20 ms from the timer — or after 1 s regardless. Nothing else may delay it (a deferred
 * online event deadlocks WindowServer). Worker thread, under the exec lock; plug/unplug from
 * VMM threads under disp_lock.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "memory/reader.h"
#include "protocol/dev_internal.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

enum {
    SHARED_CONNECTION = 0x000,
    SHARED_MODE_NAME = 0x004,
    SHARED_PORT = 0x012,
    SHARED_WIDTH = 0x014,
    SHARED_HEIGHT = 0x016,
    SHARED_CURSOR_W = 0x018,
    SHARED_CURSOR_H = 0x01A,
    SHARED_RESPONSE = 0x01C,
    SHARED_FB_LENGTH = 0x020,
    SHARED_HEAD_END = 0x024,
    SHARED_EVENTS = 0x100, /* host ORs 0x4 (online) */
    SHARED_ENABLE = 0x104, /* guest writes 0xC */
    SHARED_FB_PFN = 0x200,
    SHARED_FORMAT_COUNT = 0x208,
    SHARED_FORMAT = 0x210,
    SHARED_TAIL_END = 0x220,
};

#define SHARED_EVENT_ONLINE 0x4u
#define CURSOR_ADVERTISED   64u

/* Preferred mode of a port (disp_lock held), or false when unplugged. */
static bool
preferred_mode_locked(struct proto_display *d, lagfx_display_mode_t *out)
{
    if (!d->plugged || d->mode_count == 0)
        return false;
    *out = d->modes[0];
    return true;
}

static bool
write_page(struct proto_dev *dev, uint32_t port, struct proto_display *d)
{
    lagfx_display_mode_t m;
    pthread_mutex_lock(&dev->disp_lock);
    bool plugged = preferred_mode_locked(d, &m);
    pthread_mutex_unlock(&dev->disp_lock);
    if (!plugged)
        return false; /* written when the VMM plugs the port */

    uint8_t head[SHARED_HEAD_END] = { 0 };
    mem_put_le32(head + SHARED_CONNECTION, 1);
    char name[16];
    snprintf(name, sizeof(name), "%ux%u", m.width, m.height);
    memcpy(head + SHARED_MODE_NAME, name, strnlen(name, 9)); /* cut to 9 chars, NUL follows */
    mem_put_le16(head + SHARED_PORT, (uint16_t)port);
    mem_put_le16(head + SHARED_WIDTH, m.width);
    mem_put_le16(head + SHARED_HEIGHT, m.height);
    mem_put_le16(head + SHARED_CURSOR_W, CURSOR_ADVERTISED);
    mem_put_le16(head + SHARED_CURSOR_H, CURSOR_ADVERTISED);
    mem_put_le32(head + SHARED_RESPONSE, 0);
    mem_put_le32(head + SHARED_FB_LENGTH, (uint32_t)m.width * m.height * 4u);

    uint8_t tail[SHARED_TAIL_END - SHARED_FB_PFN] = { 0 };
    mem_put_le32(tail + (SHARED_FB_PFN - SHARED_FB_PFN), 0);
    mem_put_le16(tail + (SHARED_FORMAT_COUNT - SHARED_FB_PFN), 1);
    uint8_t *fmt = tail + (SHARED_FORMAT - SHARED_FB_PFN);
    mem_put_le32(fmt + 0, m.width);
    mem_put_le32(fmt + 4, m.height);
    memcpy(fmt + 8, "BGRA", 4);
    mem_put_le32(fmt + 12, 0);

    uint64_t base = (uint64_t)d->shared_pfn << 12;
    if (d->shared_pfn == 0 || !mem_guest_write(dev->cfg.guest, base, head, sizeof(head)) ||
        !mem_guest_write(dev->cfg.guest, base + SHARED_FB_PFN, tail, sizeof(tail))) {
        ut_guest_error(&dev->errs, UT_GERR_DISPLAY,
                       "dev=%s display=%u shared_pfn=0x%x: shared-state page outside guest RAM",
                       dev->cfg.label, port, d->shared_pfn);
        return false;
    }
    if (d->cur_width == 0) {
        d->cur_width = m.width;
        d->cur_height = m.height;
        atomic_store(&d->cur_mode, (uint32_t)m.width | ((uint32_t)m.height << 16));
        if (port == 0)
            proto_iosurface_resize_scanout(dev); /* a 0x01 can bring back the preferred size */
    }
    return true;
}

void
proto_display_setup(struct proto_dev *dev, uint32_t port, uint32_t shared_pfn)
{
    struct proto_display *d = &dev->displays[port];
    d->setup_seen = true;
    d->shared_pfn = shared_pfn;
    d->page_written = false;
    d->online_posted = false; /* a later 0x01 re-arms the event (§15.3 step 5) */
    d->fallback_warned = false;
    d->cur_width = d->cur_height = 0; /* the current mode restarts at the preferred one */
    atomic_store(&d->cur_mode, 0);
    atomic_store(&d->online, false);
    if (port >= dev->cfg.port_count) {
        ut_guest_error(&dev->errs, UT_GERR_DISPLAY, "dev=%s display=%u: no such port (%u ports)",
                       dev->cfg.label, port, dev->cfg.port_count);
        return;
    }
    atomic_fetch_or(&dev->awaiting_online, 1u << port);
    proto_display_check(dev);
}

static void
post_online(struct proto_dev *dev, uint32_t port, struct proto_display *d)
{
    uint64_t events = ((uint64_t)d->shared_pfn << 12) + SHARED_EVENTS;
    uint32_t old;
    if (!mem_guest_or_u32(dev->cfg.guest, events, SHARED_EVENT_ONLINE, &old)) {
        ut_guest_error(&dev->errs, UT_GERR_DISPLAY,
                       "dev=%s display=%u: event word not writable, online not posted",
                       dev->cfg.label, port);
        return;
    }
    d->online_posted = true;
    atomic_store(&d->online, true);
    atomic_fetch_and(&dev->awaiting_online, ~(1u << port));
    proto_irq_set(dev, 0, 1u << port);
    UT_INFO(dev->cfg.log_dev, "display", "dev=%s display=%u online", dev->cfg.label, port);
    if (dev->cfg.sink.display_changed)
        dev->cfg.sink.display_changed(dev->cfg.sink.user, port);
}

void
proto_display_check(struct proto_dev *dev)
{
    uint32_t waiting = atomic_load(&dev->awaiting_online);
    uint64_t now = ut_now_ns();
    for (uint32_t port = 0; waiting; port++, waiting >>= 1) {
        if (!(waiting & 1))
            continue;
        struct proto_display *d = &dev->displays[port];
        if (!d->setup_seen || d->online_posted)
            continue;
        if (!d->page_written) {
            if (!write_page(dev, port, d))
                continue;
            d->page_written = true;
            d->page_ns = now;
        }
        uint32_t enable = 0;
        uint64_t gpa = ((uint64_t)d->shared_pfn << 12) + SHARED_ENABLE;
        bool readable = mem_guest_read_u32(dev->cfg.guest, gpa, &enable);
        if (readable && (enable & SHARED_EVENT_ONLINE)) {
            post_online(dev, port, d);
        } else if (now - d->page_ns >= PROTO_ONLINE_FALLBACK_MS * 1000000ull) {
            if (!d->fallback_warned) {
                d->fallback_warned = true;
                UT_WARN(dev->cfg.log_dev, "display",
                        "dev=%s display=%u: guest did not enable within %u ms, posting online",
                        dev->cfg.label, port, PROTO_ONLINE_FALLBACK_MS);
            }
            post_online(dev, port, d);
        }
    }
}

void
proto_display_reset(struct proto_dev *dev)
{
    for (uint32_t i = 0; i < LAGFX_MAX_DISPLAY_PORTS; i++) {
        struct proto_display *d = &dev->displays[i];
        d->setup_seen = d->page_written = d->online_posted = d->fallback_warned = false;
        d->shared_pfn = 0;
        d->subring_count = 0;
        d->cur_width = d->cur_height = 0;
        d->swap_valid = d->cursor_seen = d->glyph_hot_valid = false;
        d->prev_from_a = d->has_frame = false;
        atomic_store(&d->online, false);
        atomic_store(&d->cursor_visible, false);
        atomic_store(&d->cursor_pos, 0xFFFFFFFFu);
        atomic_store(&d->cur_mode, 0);
    }
    atomic_store(&dev->awaiting_online, 0);
}

void
proto_display_plug(struct proto_dev *dev,
                   uint32_t port,
                   const lagfx_display_mode_t *modes,
                   uint32_t count)
{
    struct proto_display *d = &dev->displays[port];
    pthread_mutex_lock(&dev->disp_lock);
    bool was_plugged = d->plugged;
    memcpy(d->modes, modes, sizeof(*modes) * count);
    d->mode_count = count;
    d->plugged = true;
    pthread_mutex_unlock(&dev->disp_lock);
    /* The first plug answers a pending 0x01 (§15.2); a later list waits for the next 0x01. */
    if (!was_plugged)
        proto_dev_wake(dev, PROTO_WAKE_DISPLAYS);
}

void
proto_display_unplug(struct proto_dev *dev, uint32_t port)
{
    struct proto_display *d = &dev->displays[port];
    pthread_mutex_lock(&dev->disp_lock);
    d->plugged = false;
    d->mode_count = 0;
    pthread_mutex_unlock(&dev->disp_lock);
}

void
proto_display_get_state(struct proto_dev *dev, uint32_t port, struct proto_display_state *st)
{
    struct proto_display *d = &dev->displays[port];
    memset(st, 0, sizeof(*st));
    pthread_mutex_lock(&dev->disp_lock);
    st->plugged = d->plugged;
    if (d->plugged && d->mode_count) {
        st->width = d->modes[0].width;
        st->height = d->modes[0].height;
        st->refresh_millihz = d->modes[0].refresh_millihz;
    }
    pthread_mutex_unlock(&dev->disp_lock);
    st->online = atomic_load(&d->online);
    st->setup_done = st->online;
    uint32_t mode = atomic_load(&d->cur_mode);
    if (mode && st->online) {
        st->width = mode & 0xFFFF;
        st->height = mode >> 16;
    }
    st->cursor_visible = atomic_load(&d->cursor_visible);
    uint32_t pos = atomic_load(&d->cursor_pos);
    st->cursor_x = (uint16_t)pos;
    st->cursor_y = (uint16_t)(pos >> 16);
    st->guest_presents = atomic_load(&d->guest_presents);
}

/* ---- Display opcodes (§15.6-§15.9) ---- */

/* The display a command names: the pipe's own (the channel wins, logged once) or, on the root
 * ring, the payload's display id. UINT32_MAX when out of range. */
static uint32_t
command_port(struct proto_dev *dev, uint32_t channel, uint32_t opcode, uint32_t id)
{
    uint32_t port = id;
    if (channel >= PROTO_FIRST_PIPE) {
        port = channel - PROTO_FIRST_PIPE;
        if (id != port)
            ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, UT_NS_PIPE, opcode,
                                "dev=%s ch=%u op=0x%x display=%u: the channel wins (%u)",
                                dev->cfg.label, channel, opcode, id, port);
    }
    if (port >= dev->cfg.port_count) {
        ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, channel ? UT_NS_PIPE : UT_NS_ROOT, opcode,
                            "dev=%s ch=%u op=0x%x display=%u: no such port", dev->cfg.label,
                            channel, opcode, port);
        return UINT32_MAX;
    }
    return port;
}

/* A display address (§15.7, C23): a kernel-task VA first, page by page; failing that, a GPA
 * range inside guest RAM. Reads len bytes into dst (NULL: only checks). */
static bool
display_read(struct proto_dev *dev, uint64_t addr, void *dst, size_t len)
{
    struct proto_task *k = proto_task_lookup(dev, dev->kernel_task);
    if (k && k->defined) {
        struct mem_xlate *x = dev->xlate;
        mem_xlate_begin(x, dev->cfg.guest, &k->space);
        bool ok = true;
        if (dst) {
            ok = mem_xlate_read(x, addr, dst, len);
        } else {
            for (uint64_t off = 0; ok && off < len;) {
                uint64_t gpa = 0, run = 0;
                ok = mem_xlate_translate(x, addr + off, &gpa, &run) == MEM_XLATE_OK &&
                     mem_guest_contains(dev->cfg.guest, gpa, run < len - off ? run : len - off);
                off += run;
            }
        }
        mem_xlate_end(x);
        if (ok)
            return true;
    }
    if (!mem_guest_contains(dev->cfg.guest, addr, len))
        return false;
    return dst ? mem_guest_read(dev->cfg.guest, addr, dst, len) : true;
}

static void
set_current_mode(struct proto_dev *dev, uint32_t port, uint32_t w, uint32_t h)
{
    struct proto_display *d = &dev->displays[port];
    bool changed = d->cur_width != w || d->cur_height != h;
    d->cur_width = w;
    d->cur_height = h;
    atomic_store(&d->cur_mode, w | (h << 16));
    if (changed && port == 0)
        proto_iosurface_resize_scanout(dev); /* IOSurface 1 follows display 0 (§14) */
}

void
proto_display_swap_mapping(struct proto_dev *dev, uint32_t channel, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    uint64_t addr = mem_read_u64(r);
    uint32_t pitch = mem_read_u32(r);
    uint32_t w = mem_read_u32(r), h = mem_read_u32(r);
    uint32_t format = mem_read_u32(r);
    (void)mem_read_u32(r); /* flags, ignored */
    uint32_t port = command_port(dev, channel, 0x12, id);
    if (port == UINT32_MAX)
        return;
    if (format == 0x41524742u) /* the fourcc 'BGRA' counts as 80 */
        format = 80;
    bool ok = w >= 1 && w <= PROTO_MAX_DISPLAY_DIM && h >= 1 && h <= PROTO_MAX_DISPLAY_DIM &&
              (format == 80 || format == 81) && pitch >= 4ull * w &&
              display_read(dev, addr, NULL, (uint64_t)pitch * h);
    if (!ok) {
        ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, channel ? UT_NS_PIPE : UT_NS_ROOT, 0x12,
                            "dev=%s ch=%u SwapMapping display=%u %ux%u pitch=%u format=%u "
                            "addr=0x%llx: rejected",
                            dev->cfg.label, channel, port, w, h, pitch, format,
                            (unsigned long long)addr);
        return;
    }
    struct proto_display *d = &dev->displays[port];
    d->swap_valid = true;
    d->swap_addr = addr;
    d->swap_pitch = pitch;
    d->swap_format = format;
    set_current_mode(dev, port, w, h);
}

void
proto_display_cursor_show_move(struct proto_dev *dev, uint32_t channel, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    int16_t x = (int16_t)mem_read_u16(r);
    int16_t y = (int16_t)mem_read_u16(r);
    bool visible = mem_read_u32(r) != 0;
    uint16_t hot_x = mem_read_u16(r), hot_y = mem_read_u16(r);
    uint32_t port = command_port(dev, channel, 0x13, id);
    if (port == UINT32_MAX)
        return;
    struct proto_display *d = &dev->displays[port];
    if (d->glyph_hot_valid && (hot_x != d->glyph_hot_x || hot_y != d->glyph_hot_y))
        ut_guest_error_once(&dev->errs, UT_GERR_CURSOR, channel ? UT_NS_PIPE : UT_NS_ROOT, 0x13,
                            "dev=%s display=%u CursorShowMove hotspot (%u,%u) differs from the "
                            "glyph's (%u,%u); the glyph's is used (C24)",
                            dev->cfg.label, port, hot_x, hot_y, d->glyph_hot_x, d->glyph_hot_y);
    if (!d->cursor_seen || atomic_load(&d->cursor_visible) != visible) {
        atomic_store(&d->cursor_visible, visible);
        if (dev->cfg.sink.cursor_show)
            dev->cfg.sink.cursor_show(dev->cfg.sink.user, port, visible);
    }
    d->cursor_seen = true;
    uint32_t w = d->cur_width, h = d->cur_height;
    if (!w) {
        pthread_mutex_lock(&dev->disp_lock);
        w = d->plugged && d->mode_count ? d->modes[0].width : 1920;
        h = d->plugged && d->mode_count ? d->modes[0].height : 1080;
        pthread_mutex_unlock(&dev->disp_lock);
    }
    uint16_t px = LAGFX_CURSOR_OFF_DISPLAY, py = LAGFX_CURSOR_OFF_DISPLAY;
    if (x >= 0 && y >= 0 && (uint32_t)x < w && (uint32_t)y < h) {
        px = (uint16_t)x;
        py = (uint16_t)y;
    }
    atomic_store(&d->cursor_pos, (uint32_t)px | ((uint32_t)py << 16));
    if (dev->cfg.sink.cursor_move)
        dev->cfg.sink.cursor_move(dev->cfg.sink.user, port, px, py);
}

struct glyph_layout {
    uint64_t addr;
    uint32_t w, h, pitch, hot_x, hot_y;
};

static bool
glyph_plausible(const struct glyph_layout *g)
{
    return g->w >= 1 && g->w <= PROTO_MAX_CURSOR_DIM && g->h >= 1 && g->h <= PROTO_MAX_CURSOR_DIM &&
           g->pitch >= 4 * g->w && g->pitch <= PROTO_MAX_CURSOR_PITCH && g->hot_x < g->w &&
           g->hot_y < g->h;
}

void
proto_display_cursor_glyph(struct proto_dev *dev, uint32_t channel, struct mem_reader *r)
{
    /* Both readings of the 32-byte body (C25): layout A first, B as the fallback. */
    struct mem_reader b = *r;
    uint32_t id = mem_read_u32(r);
    struct glyph_layout a = { 0 }, bl = { 0 };
    a.addr = mem_read_u64(r);
    a.w = mem_read_u32(r);
    a.h = mem_read_u32(r);
    a.pitch = mem_read_u32(r);
    a.hot_x = mem_read_u32(r);
    a.hot_y = mem_read_u32(r);
    (void)mem_read_u32(&b);
    bl.w = mem_read_u32(&b);
    bl.h = mem_read_u32(&b);
    bl.pitch = mem_read_u32(&b);
    bl.hot_x = mem_read_u32(&b);
    bl.hot_y = mem_read_u32(&b);
    bl.addr = mem_read_u64(&b);
    uint32_t port = command_port(dev, channel, 0x14, id);
    if (port == UINT32_MAX)
        return;
    enum ut_ns ns = channel ? UT_NS_PIPE : UT_NS_ROOT;
    const struct glyph_layout *g = NULL;
    if (glyph_plausible(&a)) {
        g = &a;
    } else if (glyph_plausible(&bl)) {
        g = &bl;
        ut_guest_error_once(&dev->errs, UT_GERR_CURSOR, ns, 0x114,
                            "dev=%s display=%u CursorGlyph: layout A implausible, read as "
                            "layout B (C25)",
                            dev->cfg.label, port);
    } else {
        ut_guest_error_once(&dev->errs, UT_GERR_CURSOR, ns, 0x14,
                            "dev=%s display=%u CursorGlyph: neither layout plausible "
                            "(A %ux%u pitch %u hot %u,%u)",
                            dev->cfg.label, port, a.w, a.h, a.pitch, a.hot_x, a.hot_y);
        return;
    }
    size_t len = (size_t)g->pitch * g->h; /* ≤ 4096 × 256 */
    uint8_t *pixels = ut_malloc(len);
    if (!pixels) {
        UT_ERROR(dev->cfg.log_dev, "display", "dev=%s: out of memory for a cursor glyph",
                 dev->cfg.label);
        return;
    }
    if (!display_read(dev, g->addr, pixels, len)) {
        ut_guest_error_once(&dev->errs, UT_GERR_CURSOR, ns, 0x214,
                            "dev=%s display=%u CursorGlyph addr=0x%llx: pixels not readable",
                            dev->cfg.label, port, (unsigned long long)g->addr);
        ut_free(pixels);
        return;
    }
    struct proto_display *d = &dev->displays[port];
    d->glyph_hot_valid = true;
    d->glyph_hot_x = (uint16_t)g->hot_x;
    d->glyph_hot_y = (uint16_t)g->hot_y;
    lagfx_cursor_image_t img = {
        .struct_size = sizeof(img),
        .width = g->w,
        .height = g->h,
        .stride = g->pitch,
        .format = LAGFX_FORMAT_ARGB8888,
        .hot_x = (uint16_t)g->hot_x,
        .hot_y = (uint16_t)g->hot_y,
        .pixels = pixels,
    };
    if (dev->cfg.sink.cursor_glyph)
        dev->cfg.sink.cursor_glyph(dev->cfg.sink.user, port, &img);
    ut_free(pixels);
}

#define LAYER_HEAD   16u
#define LAYER_BYTES  44u
#define LEGACY_HEAD  12u
#define LEGACY_BYTES 32u

int
proto_display_transaction3(struct proto_dev *dev, uint32_t channel, struct mem_reader *r)
{
    /* C29: layer form iff payload = 16 + 44·(u32 at +8); legacy iff 12 + 32·(u32 at +8). */
    enum ut_ns ns = channel ? UT_NS_PIPE : UT_NS_ROOT;
    if (r->size < 12) {
        ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, ns, 0x16,
                            "dev=%s ch=%u DisplayTransaction3: %zu bytes", dev->cfg.label, channel,
                            r->size);
        return -1;
    }
    uint32_t count = mem_le32(r->p + 8);
    if (count <= PROTO_MAX_LAYERS && r->size == LAYER_HEAD + (uint64_t)LAYER_BYTES * count) {
        (void)mem_read_u32(r); /* transaction id */
        uint32_t id = mem_read_u32(r);
        uint32_t port = command_port(dev, channel, 0x16, id);
        if (port == UINT32_MAX)
            return -1;
        /* Layers are composed into a frame by the backend (Vulkan issue); here the present
         * is counted and announced like 0x02 (§4). */
        atomic_fetch_add(&dev->displays[port].guest_presents, 1);
        proto_irq_set(dev, 0, 1u << port);
        UT_TRACE(dev->cfg.log_dev, "display", "dev=%s display=%u DisplayTransaction3 layers=%u",
                 dev->cfg.label, port, count);
        /* Composing the layers needs a backend compose op: not yet (docs/STATUS.md). A host
         * limitation, not the guest's fault: logged once, not counted. */
        static atomic_bool warned;
        if (ut_once(&warned))
            UT_WARN(dev->cfg.log_dev, "display",
                    "dev=%s display=%u DisplayTransaction3 layer composition not implemented: "
                    "no frame",
                    dev->cfg.label, port);
        return -1;
    } else if ((uint64_t)r->size == LEGACY_HEAD + (uint64_t)LEGACY_BYTES * count) {
        UT_DEBUG(dev->cfg.log_dev, "display",
                 "dev=%s ch=%u DisplayTransaction3 legacy form, "
                 "%u entries: logged",
                 dev->cfg.label, channel, count);
    } else {
        ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, ns, 0x16,
                            "dev=%s ch=%u DisplayTransaction3: %zu bytes with count %u fit "
                            "neither form",
                            dev->cfg.label, channel, r->size, count);
    }
    return -1;
}

/* Frame pixels from guest memory for BE_PRESENT_PIXELS: a GPA range (0x02's framebuffer) or a
 * display address (the swap buffer, kernel-task VA first, §15.7). */
struct pixel_source {
    struct be_backing b;
    struct proto_dev *dev;
    uint64_t addr;
    bool gpa_only;
};

static bool
pixel_read(const struct be_backing *b, uint64_t off, void *dst, size_t len)
{
    const struct pixel_source *ps = (const struct pixel_source *)b;
    if (off > b->length || len > b->length - off) {
        memset(dst, 0, len);
        return false;
    }
    if (ps->gpa_only)
        return mem_guest_read(ps->dev->cfg.guest, ps->addr + off, dst, len);
    if (!display_read(ps->dev, ps->addr + off, dst, len)) {
        memset(dst, 0, len);
        return false;
    }
    return true;
}

/* The current mode of port (§15.1): the last 0x12, else the preferred mode, else 1080p. */
static void
current_mode(struct proto_dev *dev, uint32_t port, uint32_t *w, uint32_t *h)
{
    struct proto_display *d = &dev->displays[port];
    if (d->cur_width) {
        *w = d->cur_width;
        *h = d->cur_height;
        return;
    }
    pthread_mutex_lock(&dev->disp_lock);
    bool have = d->plugged && d->mode_count;
    *w = have ? d->modes[0].width : 1920;
    *h = have ? d->modes[0].height : 1080;
    pthread_mutex_unlock(&dev->disp_lock);
}

int
proto_display_present(struct proto_dev *dev,
                      uint32_t channel,
                      uint32_t opcode,
                      struct mem_reader *r)
{
    uint32_t port = channel - PROTO_FIRST_PIPE;
    uint32_t id = mem_read_u32(r);
    if (id != port)
        ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, UT_NS_PIPE, opcode,
                            "dev=%s ch=%u op=0x%x display=%u: the channel wins (%u)",
                            dev->cfg.label, channel, opcode, id, port);
    struct proto_display *d = &dev->displays[port];
    atomic_fetch_add(&d->guest_presents, 1);
    proto_irq_set(dev, 0, 1u << port); /* §4: with the stamp */

    struct be_present p = { .port = port };
    struct pixel_source ps = { .b = { .read = pixel_read }, .dev = dev };
    uint32_t w, h;
    current_mode(dev, port, &w, &h);
    if (opcode == 0x02) {
        uint32_t fb_pfn = mem_read_u32(r);
        /* §15.5: (a) IOSurface 1 for display 0 once drawn (and ever after it was shown),
         * (b) the guest framebuffer at fb PFN, (c) the swap buffer, (d) the previous frame. */
        if (port == 0 && (dev->scanout_drawn || d->prev_from_a)) {
            struct proto_iosurface *s1 = proto_iosurface_scanout(dev);
            p.source = BE_PRESENT_SURFACE;
            p.surface_id = 1;
            if (s1) {
                w = s1->width;
                h = s1->height;
            }
            d->prev_from_a = true;
        } else if (fb_pfn && mem_guest_contains(dev->cfg.guest, (uint64_t)fb_pfn << 12,
                                                (uint64_t)w * 4 * h)) {
            p.source = BE_PRESENT_PIXELS;
            ps.addr = (uint64_t)fb_pfn << 12;
            ps.gpa_only = true;
            p.pitch = w * 4;
        } else if (d->swap_valid) {
            p.source = BE_PRESENT_PIXELS;
            ps.addr = d->swap_addr;
            p.pitch = d->swap_pitch;
        } else {
            p.source = BE_PRESENT_REPEAT;
        }
        if (port == 0 && p.surface_id != 1 && fb_pfn == 0 && !d->swap_valid)
            proto_iosurface_scanout(dev); /* a 0x02 references surface 1 (§14) */
    } else {
        uint32_t surface;
        if (opcode == 0x06) {
            surface = mem_read_u32(r); /* +4 surface, +8 plane */
        } else {
            (void)mem_read_u32(r); /* 0x07: +4 plane, +8 surface */
            surface = mem_read_u32(r);
        }
        struct proto_iosurface *s =
            surface == 1 ? proto_iosurface_scanout(dev) : proto_iosurface_get(dev, surface);
        if (!s) {
            ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, UT_NS_PIPE, opcode,
                                "dev=%s ch=%u op=0x%x surface %u unknown: no frame", dev->cfg.label,
                                channel, opcode, surface);
            return -1;
        }
        p.source = BE_PRESENT_SURFACE;
        p.surface_id = surface;
        w = s->width;
        h = s->height;
        if (port == 0)
            d->prev_from_a = surface == 1 || s->alias_of == 1;
    }
    p.width = w;
    p.height = h;
    if (p.source == BE_PRESENT_PIXELS) {
        ps.b.length = (uint64_t)p.pitch * h;
        p.pixels = &ps.b;
    }
    d->has_frame = true;
    dev->cfg.be->ops->present(dev->cfg.be, &p);
    UT_TRACE(dev->cfg.log_dev, "display",
             "dev=%s ch=%u op=0x%x present display=%u source=%u surface=%u %ux%u", dev->cfg.label,
             channel, opcode, port, p.source, p.surface_id, w, h);
    return (int)port;
}
