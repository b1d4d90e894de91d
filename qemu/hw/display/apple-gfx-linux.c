/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apple-gfx-pci for Linux hosts: Apple's ParavirtualizedGraphics (PVG) PCI device, whose
 * guest side is macOS's own PVG driver. The device model is thin: BAR0 accesses go to
 * libapplegfx-vulkan, which decodes the guest's rings and renders with Vulkan; QEMU
 * provides guest RAM (as RAM regions from a MemoryListener), MSI delivery, an executor
 * (main-loop bottom halves) and one graphic console per display port.
 *
 * Contract: libapplegfx-vulkan spec/api.md §11 ("How QEMU uses it") and §7 (threads).
 * Threads: MMIO runs on vCPU threads (BQL held) and only calls lagfx_mmio_*; the library
 * calls raise_interrupt, schedule and mark_dirty on its own threads, so those only schedule
 * bottom halves; every other callback (display events, fault) runs inside an executor item
 * on the main loop with the BQL held.
 *
 * Copyright (c) 2025 libapplegfx-vulkan contributors
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/thread.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "hw/resettable.h"
#include "migration/blocker.h"
#include "exec/memory.h"
#include "exec/address-spaces.h"
#include "sysemu/runstate.h"
#include "ui/console.h"
#include "qom/object.h"

#include <libapplegfx-vulkan.h>

#define TYPE_APPLE_GFX_PCI "apple-gfx-pci"
OBJECT_DECLARE_TYPE(AppleGfxState, AppleGfxClass, APPLE_GFX_PCI)

struct AppleGfxClass {
    PCIDeviceClass parent_class;
    ResettablePhases parent_phases;
};

#define APPLE_GFX_MAX_READS_IN_FLIGHT 2 /* api.md §11 "New frame" */
#define APPLE_GFX_DIRTY_QUEUE 64        /* ranges queued before "mark everything" */
#define APPLE_GFX_PAGE 4096u

typedef struct AppleGfxDisplay {
    AppleGfxState *s;
    uint32_t port;
    lagfx_display_t *display;
    QemuConsole *con;
    bool pending;       /* a new_frame not yet read */
    unsigned in_flight; /* reads running (synchronous today, so 0 or 1) */
    uint32_t width, height;
    int cursor_x, cursor_y;
    bool cursor_visible;
} AppleGfxDisplay;

struct AppleGfxState {
    PCIDevice parent_obj;

    /* properties */
    char *display_modes_str;
    uint32_t display_count;
    char *vk_device;
    char *label;
    uint32_t serial_base;
    bool headless;

    uint64_t mmio_length;
    MemoryRegion mmio;
    lagfx_device_t *dev;
    lagfx_shell_callbacks_t callbacks;
    lagfx_display_callbacks_t display_callbacks;
    lagfx_display_mode_t *modes;
    uint32_t mode_count;
    AppleGfxDisplay displays[LAGFX_MAX_DISPLAY_PORTS];

    QEMUBH *irq_bh;
    QEMUBH *dirty_bh;
    QemuMutex dirty_lock; /* guards dirty[], dirty_count, dirty_all */
    lagfx_phys_range_t dirty[APPLE_GFX_DIRTY_QUEUE];
    uint32_t dirty_count;
    bool dirty_all;

    MemoryListener listener;
    bool listener_registered;
    GArray *building; /* lagfx_ram_region_t, filled between begin and commit */
    GArray *applied;  /* the list the device has */

    VMChangeStateEntry *vmse;
    bool paused;
    Error *migration_blocker;
};

/* ---- Library callbacks that run on library threads: only schedule bottom halves ---- */

static void apple_gfx_raise_interrupt(void *user, uint32_t vector)
{
    AppleGfxState *s = user;

    (void)vector; /* always 0 (protocol.md §4) */
    qemu_bh_schedule(s->irq_bh); /* thread-safe; merges undelivered raises */
}

static void apple_gfx_irq_bh(void *opaque)
{
    AppleGfxState *s = opaque;
    PCIDevice *pci = PCI_DEVICE(s);

    if (msi_enabled(pci)) {
        msi_notify(pci, 0);
    }
}

static void apple_gfx_schedule(void *user, lagfx_work_fn fn, void *arg)
{
    (void)user;
    /* runs fn(arg) once on the main loop with the BQL, even after the device is gone */
    aio_bh_schedule_oneshot(qemu_get_aio_context(), fn, arg);
}

static void apple_gfx_mark_dirty(void *user, const lagfx_phys_range_t *ranges, uint32_t count)
{
    AppleGfxState *s = user;

    qemu_mutex_lock(&s->dirty_lock);
    for (uint32_t i = 0; i < count && !s->dirty_all; i++) {
        if (s->dirty_count == APPLE_GFX_DIRTY_QUEUE) {
            s->dirty_all = true;
        } else {
            s->dirty[s->dirty_count++] = ranges[i];
        }
    }
    qemu_mutex_unlock(&s->dirty_lock);
    qemu_bh_schedule(s->dirty_bh);
}

static void apple_gfx_set_dirty(uint64_t gpa, uint64_t length)
{
    RCU_READ_LOCK_GUARD();
    while (length > 0) {
        hwaddr xlat, len = length;
        MemoryRegion *mr = address_space_translate(&address_space_memory, gpa, &xlat, &len,
                                                   true, MEMTXATTRS_UNSPECIFIED);

        if (len == 0) {
            break;
        }
        if (memory_region_is_ram(mr)) {
            memory_region_set_dirty(mr, xlat, len);
        }
        gpa += len;
        length -= len;
    }
}

static void apple_gfx_dirty_bh(void *opaque)
{
    AppleGfxState *s = opaque;
    lagfx_phys_range_t ranges[APPLE_GFX_DIRTY_QUEUE];
    uint32_t count;
    bool all;

    qemu_mutex_lock(&s->dirty_lock);
    count = s->dirty_count;
    all = s->dirty_all;
    memcpy(ranges, s->dirty, count * sizeof(ranges[0]));
    s->dirty_count = 0;
    s->dirty_all = false;
    qemu_mutex_unlock(&s->dirty_lock);

    if (all) {
        /* too many to track: every region the device can write */
        for (guint i = 0; s->applied && i < s->applied->len; i++) {
            lagfx_ram_region_t *r = &g_array_index(s->applied, lagfx_ram_region_t, i);

            if (!(r->flags & LAGFX_RAM_READ_ONLY)) {
                apple_gfx_set_dirty(r->gpa, r->length);
            }
        }
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        apple_gfx_set_dirty(ranges[i].gpa, ranges[i].length);
    }
}

/* event callback: runs in an executor item (main loop, BQL held) */
static void apple_gfx_fault(void *user, lagfx_status_t reason)
{
    AppleGfxState *s = user;

    /* the library rate-limits this to once a second */
    warn_report("%s: %s", s->label ? s->label : TYPE_APPLE_GFX_PCI,
                reason == LAGFX_ERROR_DEVICE_LOST ? "GPU device lost (a reset recovers it)"
                                                  : lagfx_status_string(reason));
}

/* ---- BAR0 ---- */

static uint64_t apple_gfx_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    AppleGfxState *s = opaque;
    uint64_t value = 0;

    if (lagfx_mmio_read(s->dev, addr, size, &value) < 0) {
        return 0; /* BAD_ACCESS, BAD_STATE: the library logged it; the guest reads 0 */
    }
    return value;
}

static void apple_gfx_mmio_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    AppleGfxState *s = opaque;

    lagfx_mmio_write(s->dev, addr, size, value); /* errors are logged by the library */
}

static const MemoryRegionOps apple_gfx_mmio_ops = {
    .read = apple_gfx_mmio_read,
    .write = apple_gfx_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/* ---- Guest RAM as RAM regions (api.md §5.4, §11 realize step 4) ---- */

static void apple_gfx_listener_begin(MemoryListener *listener)
{
    AppleGfxState *s = container_of(listener, AppleGfxState, listener);

    g_array_set_size(s->building, 0);
}

static void apple_gfx_listener_section(MemoryListener *listener, MemoryRegionSection *section)
{
    AppleGfxState *s = container_of(listener, AppleGfxState, listener);
    MemoryRegion *mr = section->mr;
    uint64_t gpa, end, offset;
    lagfx_ram_region_t r = { 0 };
    uint8_t *host;

    if (!memory_region_is_ram(mr) || memory_region_is_ram_device(mr)) {
        return; /* MMIO, device BARs mapped as RAM: never guest memory for the GPU */
    }
    /* the library wants whole pages; sub-page pieces (rare, in low ROM) are left out */
    gpa = ROUND_UP(section->offset_within_address_space, APPLE_GFX_PAGE);
    end = QEMU_ALIGN_DOWN(section->offset_within_address_space + int128_get64(section->size),
                          APPLE_GFX_PAGE);
    if (end <= gpa) {
        return;
    }
    offset = section->offset_within_region + (gpa - section->offset_within_address_space);
    host = (uint8_t *)memory_region_get_ram_ptr(mr) + offset;
    if ((uintptr_t)host % APPLE_GFX_PAGE) {
        return;
    }
    r.gpa = gpa;
    r.length = end - gpa;
    r.host_ptr = host;
    r.fd = -1;
    if (memory_region_get_fd(mr) >= 0) {
        /* QEMU 7.2 maps a RAMBlock's file from offset 0 */
        r.fd = memory_region_get_fd(mr);
        r.fd_offset = offset;
        r.flags |= LAGFX_RAM_HAS_FD;
    }
    if (section->readonly || memory_region_is_rom(mr)) {
        r.flags |= LAGFX_RAM_READ_ONLY;
    }
    if (s->building->len > 0) {
        /* merge with the previous piece where both are one mapping (flat views are sorted) */
        lagfx_ram_region_t *p =
            &g_array_index(s->building, lagfx_ram_region_t, s->building->len - 1);

        if (p->gpa + p->length == r.gpa && (uint8_t *)p->host_ptr + p->length == host &&
            p->flags == r.flags && p->fd == r.fd &&
            (p->fd < 0 || p->fd_offset + p->length == r.fd_offset)) {
            p->length += r.length;
            return;
        }
    }
    g_array_append_val(s->building, r);
}

static void apple_gfx_listener_commit(MemoryListener *listener)
{
    AppleGfxState *s = container_of(listener, AppleGfxState, listener);
    lagfx_status_t st;
    GArray *tmp;

    if (s->building->len == s->applied->len &&
        !memcmp(s->building->data, s->applied->data,
                s->building->len * sizeof(lagfx_ram_region_t))) {
        return;
    }
    if (s->building->len > LAGFX_MAX_RAM_REGIONS) {
        warn_report("%s: %u guest RAM sections, the device takes %u; the rest is not visible",
                    s->label, s->building->len, LAGFX_MAX_RAM_REGIONS);
        g_array_set_size(s->building, LAGFX_MAX_RAM_REGIONS);
    }
    st = lagfx_device_set_ram_regions(s->dev, (const lagfx_ram_region_t *)s->building->data,
                                      s->building->len);
    if (st < 0) {
        warn_report("%s: guest RAM map refused: %s", s->label, lagfx_status_string(st));
        return;
    }
    tmp = s->applied;
    s->applied = s->building;
    s->building = tmp;
}

/* ---- Displays ---- */

static void apple_gfx_read_frame(AppleGfxDisplay *d)
{
    DisplaySurface *surface = qemu_console_surface(d->con);
    lagfx_frame_dst_t dst = { .struct_size = sizeof(dst) };
    lagfx_frame_info_t info = { .struct_size = sizeof(info) };
    lagfx_status_t st;

    if (!surface || d->width == 0 || surface_width(surface) != (int)d->width ||
        surface_height(surface) != (int)d->height) {
        return; /* no mode yet: frames wait for mode_changed */
    }
    d->pending = false;
    d->in_flight++;
    dst.pixels = surface_data(surface);
    dst.stride = surface_stride(surface);
    dst.width = d->width;
    dst.height = d->height;
    dst.size = (size_t)dst.stride * d->height;
    dst.format = LAGFX_FORMAT_XRGB8888;
    st = lagfx_display_read_frame(d->display, &dst, &info);
    d->in_flight--;
    if (st == LAGFX_OK) {
        uint32_t x = MIN(info.damage_x, d->width), y = MIN(info.damage_y, d->height);
        uint32_t w = MIN(info.damage_width, d->width - x);
        uint32_t h = MIN(info.damage_height, d->height - y);

        if (w && h) {
            dpy_gfx_update(d->con, x, y, w, h);
        }
    } else if (st != LAGFX_NO_FRAME && st != LAGFX_ERROR_SIZE_MISMATCH) {
        /* SIZE_MISMATCH: a frame of the old size before mode_changed; dropped (api.md §11) */
        warn_report_once("%s: read_frame: %s", d->s->label, lagfx_status_string(st));
    }
}

static void apple_gfx_new_frame(void *user)
{
    AppleGfxDisplay *d = user;

    d->pending = true;
    if (d->in_flight < APPLE_GFX_MAX_READS_IN_FLIGHT) {
        apple_gfx_read_frame(d);
    }
}

static void apple_gfx_mode_changed(void *user, uint32_t width, uint32_t height, uint32_t format)
{
    AppleGfxDisplay *d = user;

    (void)format; /* frames are read as XRGB8888, the console's own format */
    if (width == 0 || height == 0) {
        return;
    }
    d->width = width;
    d->height = height;
    dpy_gfx_replace_surface(d->con, qemu_create_displaysurface(width, height));
    if (d->pending) {
        apple_gfx_read_frame(d);
    }
}

static void apple_gfx_cursor_glyph(void *user, const lagfx_cursor_image_t *image)
{
    AppleGfxDisplay *d = user;
    QEMUCursor *c;

    if (!image->pixels || image->width == 0 || image->height == 0 || image->width > 256 ||
        image->height > 256 || image->stride < image->width * 4) {
        return;
    }
    c = cursor_alloc(image->width, image->height);
    c->hot_x = image->hot_x;
    c->hot_y = image->hot_y;
    /* ARGB8888, straight alpha, bytes B,G,R,A: QEMU's cursor layout on a little-endian host */
    for (uint32_t y = 0; y < image->height; y++) {
        memcpy(c->data + y * image->width,
               (const uint8_t *)image->pixels + (size_t)y * image->stride, image->width * 4);
    }
    dpy_cursor_define(d->con, c);
    cursor_put(c);
}

static void apple_gfx_cursor_show(void *user, bool visible)
{
    AppleGfxDisplay *d = user;

    d->cursor_visible = visible;
    dpy_mouse_set(d->con, d->cursor_x, d->cursor_y, visible && d->cursor_x >= 0);
}

static void apple_gfx_cursor_move(void *user, uint16_t x, uint16_t y)
{
    AppleGfxDisplay *d = user;

    if (x == LAGFX_CURSOR_OFF_DISPLAY || y == LAGFX_CURSOR_OFF_DISPLAY) {
        d->cursor_x = d->cursor_y = -1;
        dpy_mouse_set(d->con, 0, 0, 0);
        return;
    }
    d->cursor_x = x;
    d->cursor_y = y;
    dpy_mouse_set(d->con, x, y, d->cursor_visible);
}

static void apple_gfx_gfx_update(void *opaque)
{
    AppleGfxDisplay *d = opaque;

    /* the UI's refresh tick: pick up a frame whose read was deferred */
    if (d->pending && d->in_flight < APPLE_GFX_MAX_READS_IN_FLIGHT) {
        apple_gfx_read_frame(d);
    }
}

static const GraphicHwOps apple_gfx_hw_ops = {
    .gfx_update = apple_gfx_gfx_update,
};

/* "WxH@R" entries separated by ';' or ','; R in Hz, decimals allowed (59.94) */
static bool apple_gfx_parse_modes(AppleGfxState *s, Error **errp)
{
    const char *str = s->display_modes_str ? s->display_modes_str : "1920x1080@60";
    g_auto(GStrv) items = g_strsplit_set(str, ";,", -1);
    GArray *modes = g_array_new(false, true, sizeof(lagfx_display_mode_t));

    for (guint i = 0; items[i]; i++) {
        const char *p = items[i];
        unsigned long w, h;
        double hz = 60.0;
        char *end;
        lagfx_display_mode_t m;

        if (!*p) {
            continue;
        }
        if (qemu_strtoul(p, &p, 10, &w) || (*p != 'x' && *p != 'X') ||
            qemu_strtoul(p + 1, &p, 10, &h)) {
            goto bad;
        }
        if (*p == '@') {
            hz = g_ascii_strtod(p + 1, &end);
            if (end == p + 1 || *end) {
                goto bad;
            }
        } else if (*p) {
            goto bad;
        }
        if (w < 1 || w > 16384 || h < 1 || h > 16384 || hz < 1.0 || hz > 1000.0) {
            error_setg(errp, "display-modes: '%s' is out of range (1..16384 x 1..16384 @ 1..1000 Hz)",
                       items[i]);
            g_array_free(modes, true);
            return false;
        }
        m.width = w;
        m.height = h;
        m.refresh_millihz = (uint32_t)(hz * 1000.0 + 0.5);
        g_array_append_val(modes, m);
        continue;
bad:
        error_setg(errp, "display-modes: cannot parse '%s' (expected WIDTHxHEIGHT@HZ, "
                   "entries separated by ';')", items[i]);
        g_array_free(modes, true);
        return false;
    }
    if (modes->len == 0 || modes->len > LAGFX_MAX_DISPLAY_MODES) {
        error_setg(errp, "display-modes: between 1 and %u modes needed, got %u",
                   LAGFX_MAX_DISPLAY_MODES, modes->len);
        g_array_free(modes, true);
        return false;
    }
    s->mode_count = modes->len;
    s->modes = (lagfx_display_mode_t *)g_array_free(modes, false);
    return true;
}

/* ---- VM state, reset ---- */

static void apple_gfx_vm_state(void *opaque, bool running, RunState state)
{
    AppleGfxState *s = opaque;

    (void)state;
    if (running && s->paused) {
        lagfx_device_unpause(s->dev); /* held interrupts and events follow */
        s->paused = false;
    } else if (!running && !s->paused) {
        lagfx_device_pause(s->dev);
        s->paused = true;
    }
}

static void apple_gfx_reset_hold(Object *obj)
{
    AppleGfxState *s = APPLE_GFX_PCI(obj);
    AppleGfxClass *k = APPLE_GFX_PCI_GET_CLASS(obj);

    if (k->parent_phases.hold) {
        k->parent_phases.hold(obj);
    }
    if (s->dev) {
        lagfx_status_t st = lagfx_device_reset(s->dev); /* → RUNNING */

        if (st < 0) {
            warn_report("%s: reset: %s", s->label, lagfx_status_string(st));
        }
        /* reset makes the device RUNNING; a stopped VM keeps it paused */
        s->paused = false;
        if (!runstate_is_running()) {
            lagfx_device_pause(s->dev);
            s->paused = true;
        }
    }
    for (uint32_t i = 0; i < s->display_count; i++) {
        s->displays[i].pending = false;
    }
}

/* ---- Realize, unrealize ---- */

static void apple_gfx_free_all(AppleGfxState *s)
{
    if (s->vmse) {
        qemu_del_vm_change_state_handler(s->vmse);
        s->vmse = NULL;
    }
    if (s->listener_registered) {
        memory_listener_unregister(&s->listener);
        s->listener_registered = false;
    }
    for (uint32_t i = 0; i < LAGFX_MAX_DISPLAY_PORTS; i++) {
        AppleGfxDisplay *d = &s->displays[i];

        lagfx_display_free(d->display); /* quiescent: no callback of it runs after this */
        d->display = NULL;
        if (d->con) {
            graphic_console_close(d->con);
            d->con = NULL;
        }
    }
    lagfx_device_free(s->dev); /* quiescent; queued executor items only free memory */
    s->dev = NULL;
    if (s->irq_bh) {
        qemu_bh_delete(s->irq_bh);
        s->irq_bh = NULL;
    }
    if (s->dirty_bh) {
        qemu_bh_delete(s->dirty_bh);
        s->dirty_bh = NULL;
        qemu_mutex_destroy(&s->dirty_lock);
    }
    if (s->building) {
        g_array_free(s->building, true);
        s->building = NULL;
    }
    if (s->applied) {
        g_array_free(s->applied, true);
        s->applied = NULL;
    }
    if (s->migration_blocker) {
        migrate_del_blocker(s->migration_blocker);
        error_free(s->migration_blocker);
        s->migration_blocker = NULL;
    }
    g_free(s->modes);
    s->modes = NULL;
}

static void apple_gfx_realize(PCIDevice *pci, Error **errp)
{
    AppleGfxState *s = APPLE_GFX_PCI(pci);
    DeviceState *ds = DEVICE(pci);
    lagfx_device_descriptor_t desc;
    lagfx_status_t st;
    uint8_t *conf = pci->config;
    int ret;

    if (lagfx_get_version() >> 16 != LAGFX_VERSION_MAJOR) {
        error_setg(errp, "libapplegfx-vulkan %s has API %u, this QEMU was built for %u",
                   lagfx_get_version_string(), lagfx_get_version() >> 16,
                   LAGFX_VERSION_MAJOR);
        return;
    }
    if (s->display_count < 1 || s->display_count > LAGFX_MAX_DISPLAY_PORTS) {
        error_setg(errp, "displays must be 1..%u", LAGFX_MAX_DISPLAY_PORTS);
        return;
    }
    if (!apple_gfx_parse_modes(s, errp)) {
        return;
    }
    if (!s->label) {
        s->label = g_strdup(ds->id ? ds->id : TYPE_APPLE_GFX_PCI);
    }

    /* PCI identity (protocol.md §2): VGA class, MSI only, one vector */
    pci_set_word(conf + PCI_SUBSYSTEM_VENDOR_ID, LAGFX_PCI_VENDOR_ID);
    pci_set_word(conf + PCI_SUBSYSTEM_ID, LAGFX_PCI_DEVICE_ID);
    memory_region_init_io(&s->mmio, OBJECT(s), &apple_gfx_mmio_ops, s, "apple-gfx-mmio",
                          s->mmio_length);
    pci_register_bar(pci, LAGFX_PCI_BAR_MMIO, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    ret = msi_init(pci, 0, LAGFX_PCI_MSI_VECTORS, true, false, errp);
    if (ret) {
        return;
    }

    s->irq_bh = qemu_bh_new_guarded(apple_gfx_irq_bh, s, &ds->mem_reentrancy_guard);
    qemu_mutex_init(&s->dirty_lock);
    s->dirty_bh = qemu_bh_new_guarded(apple_gfx_dirty_bh, s, &ds->mem_reentrancy_guard);
    s->building = g_array_new(false, true, sizeof(lagfx_ram_region_t));
    s->applied = g_array_new(false, true, sizeof(lagfx_ram_region_t));

    lagfx_shell_callbacks_init(&s->callbacks);
    s->callbacks.user = s;
    s->callbacks.raise_interrupt = apple_gfx_raise_interrupt;
    s->callbacks.schedule = apple_gfx_schedule;
    s->callbacks.mark_dirty = apple_gfx_mark_dirty;
    s->callbacks.fault = apple_gfx_fault;
    lagfx_device_descriptor_init(&desc);
    desc.callbacks = &s->callbacks; /* region model: no task callbacks */
    desc.flags = s->headless ? LAGFX_DEVICE_HEADLESS : 0;
    desc.mmio_length = s->mmio_length;
    desc.display_port_count = s->display_count;
    desc.vk_device = s->vk_device;
    desc.label = s->label;
    st = lagfx_device_new(&desc, &s->dev);
    if (st < 0) {
        error_setg(errp, "libapplegfx-vulkan: cannot create the device: %s%s",
                   lagfx_status_string(st),
                   st == LAGFX_ERROR_NO_DEVICE ? " (no usable Vulkan GPU; see vk-device, "
                                                 "or headless=on to run without rendering)"
                                               : "");
        s->dev = NULL;
        goto fail;
    }

    /* guest RAM: registering replays the current map into begin/region_add/commit */
    s->listener = (MemoryListener){
        .name = "apple-gfx",
        .begin = apple_gfx_listener_begin,
        .region_add = apple_gfx_listener_section,
        .region_nop = apple_gfx_listener_section,
        .commit = apple_gfx_listener_commit,
        .priority = 10,
    };
    memory_listener_register(&s->listener, &address_space_memory);
    s->listener_registered = true;

    if (!lagfx_device_has_feature(s->dev, LAGFX_FEATURE_SUSPEND_RESUME)) {
        error_setg(&s->migration_blocker,
                   "apple-gfx-pci: libapplegfx-vulkan cannot save device state yet");
        if (migrate_add_blocker(s->migration_blocker, errp) < 0) {
            error_free(s->migration_blocker);
            s->migration_blocker = NULL;
            goto fail;
        }
    }

    lagfx_display_callbacks_init(&s->display_callbacks);
    s->display_callbacks.mode_changed = apple_gfx_mode_changed;
    s->display_callbacks.new_frame = apple_gfx_new_frame;
    s->display_callbacks.cursor_glyph = apple_gfx_cursor_glyph;
    s->display_callbacks.cursor_show = apple_gfx_cursor_show;
    s->display_callbacks.cursor_move = apple_gfx_cursor_move;
    for (uint32_t i = 0; i < s->display_count; i++) {
        AppleGfxDisplay *d = &s->displays[i];
        lagfx_display_callbacks_t cb = s->display_callbacks;
        lagfx_display_descriptor_t dd;

        d->s = s;
        d->port = i;
        d->cursor_x = d->cursor_y = -1;
        d->con = graphic_console_init(ds, i, &apple_gfx_hw_ops, d);
        cb.user = d; /* copied by display_new */
        lagfx_display_descriptor_init(&dd);
        dd.name = "QEMU display";
        dd.width_mm = 400;
        dd.height_mm = 300;
        dd.callbacks = &cb;
        dd.modes = s->modes;
        dd.mode_count = s->mode_count;
        st = lagfx_display_new(s->dev, &dd, i, s->serial_base + i, &d->display);
        if (st < 0) {
            error_setg(errp, "libapplegfx-vulkan: display %u: %s", i, lagfx_status_string(st));
            d->display = NULL;
            goto fail;
        }
    }

    s->vmse = qemu_add_vm_change_state_handler(apple_gfx_vm_state, s);
    if (!runstate_is_running()) {
        /* realized before the VM starts (the usual case): the first cont unpauses */
        lagfx_device_pause(s->dev);
        s->paused = true;
    }
    return;

fail:
    apple_gfx_free_all(s);
    msi_uninit(pci);
}

static void apple_gfx_exit(PCIDevice *pci)
{
    AppleGfxState *s = APPLE_GFX_PCI(pci);

    apple_gfx_free_all(s);
    msi_uninit(pci);
}

static void apple_gfx_instance_init(Object *obj)
{
    AppleGfxState *s = APPLE_GFX_PCI(obj);
    lagfx_device_descriptor_t desc;

    /* BAR0's size, before any device exists (api.md §11 instance_init) */
    lagfx_device_descriptor_init(&desc);
    s->mmio_length = desc.mmio_length;
}

static Property apple_gfx_properties[] = {
    DEFINE_PROP_STRING("display-modes", AppleGfxState, display_modes_str),
    DEFINE_PROP_UINT32("displays", AppleGfxState, display_count, 1),
    DEFINE_PROP_STRING("vk-device", AppleGfxState, vk_device),
    DEFINE_PROP_STRING("label", AppleGfxState, label),
    DEFINE_PROP_UINT32("serial-num", AppleGfxState, serial_base, 1),
    DEFINE_PROP_BOOL("headless", AppleGfxState, headless, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void apple_gfx_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    AppleGfxClass *k = APPLE_GFX_PCI_CLASS(klass);

    (void)data;
    pc->realize = apple_gfx_realize;
    pc->exit = apple_gfx_exit;
    pc->vendor_id = LAGFX_PCI_VENDOR_ID;
    pc->device_id = LAGFX_PCI_DEVICE_ID;
    pc->class_id = PCI_CLASS_DISPLAY_VGA;
    pc->revision = 1;
    dc->desc = "Apple ParavirtualizedGraphics GPU (libapplegfx-vulkan)";
    dc->hotpluggable = false;
    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
    device_class_set_props(dc, apple_gfx_properties);
    resettable_class_set_parent_phases(rc, NULL, apple_gfx_reset_hold, NULL,
                                       &k->parent_phases);
}

static const TypeInfo apple_gfx_info = {
    .name = TYPE_APPLE_GFX_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(AppleGfxState),
    .instance_init = apple_gfx_instance_init,
    .class_size = sizeof(AppleGfxClass),
    .class_init = apple_gfx_class_init,
    .interfaces = (InterfaceInfo[]){
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        {},
    },
};

static void apple_gfx_register_types(void)
{
    type_register_static(&apple_gfx_info);
}

type_init(apple_gfx_register_types)
