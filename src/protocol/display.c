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

#include "memory/reader.h"
#include "protocol/dev_internal.h"
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
    mem_put_le32(tail + SHARED_FB_PFN - SHARED_FB_PFN, 0);
    mem_put_le16(tail + SHARED_FORMAT_COUNT - SHARED_FB_PFN, 1);
    uint8_t *fmt = tail + SHARED_FORMAT - SHARED_FB_PFN;
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
        atomic_store(&d->online, false);
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
}
