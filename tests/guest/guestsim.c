/* SPDX-License-Identifier: MIT */
/*
 * Guest simulator (guestsim.h): guest RAM as a sparse memfd mapped shared, radix tables
 * written the way the kext writes them, the root ring and PFN-array channel rings, the boot
 * sequence of protocol.md §16 with its exact MMIO accesses and ring offsets. Callbacks from
 * the library (interrupts, memory, executor items) run on library threads and touch only
 * atomics, the RAM mapping and a mutex-protected executor queue.
 */
#include "guestsim.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE              4096u
#define ALLOC_BASE        0x01000000ull /* below the fixed layout at 0x22FF8000 */
#define ALLOC_LIMIT       0x22000000ull
#define ALLOC_HIGH_BASE   0x24000000ull /* above it, when the low arena is used up */
#define CHANNEL_RING_SIZE 0x10000u
#define PIPE_RING_SIZE    0x1000u
#define EXECUTOR_CAP      64u

struct guestsim_channel {
    uint32_t wp; /* absolute write pointer (guest-owned descriptor +0) */
    uint32_t size;
    uint32_t pfn_array; /* PFN of the PFN array page */
    uint32_t pfns[16];
};

struct exec_item {
    lagfx_work_fn fn;
    void *arg;
};

struct guestsim {
    struct guestsim_config cfg;
    int memfd;
    uint8_t *ram;
    uint64_t ram_size;
    uint64_t alloc_next;
    bool alloc_high;
    lagfx_device_t *dev;
    lagfx_display_t *displays[LAGFX_MAX_DISPLAY_PORTS];

    _Atomic uint64_t irqs;
    _Atomic uint64_t bad_vectors;
    pthread_mutex_t irq_lock;
    pthread_cond_t irq_cond;
    void (*irq_hook)(struct guestsim *g, void *user);
    _Atomic(void (*)(void *, lagfx_status_t)) fault_fn;
    void *irq_hook_user;

    pthread_mutex_t exec_lock;
    struct exec_item exec[EXECUTOR_CAP];
    uint32_t exec_count;

    uint32_t root_wp;
    uint32_t root_size;
    uint32_t stamps[32]; /* last stamp handed out per slot */
    struct guestsim_channel channels[13];
    struct guestsim_task kernel;
    uint64_t devinfo_gpa;
    uint64_t shared_state_gpa[LAGFX_MAX_DISPLAY_PORTS];
};

__attribute__((format(printf, 2, 3))) static void
narrate(struct guestsim *g, const char *fmt, ...)
{
    if (!g->cfg.log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g->cfg.log, fmt, ap);
    va_end(ap);
    fputc('\n', g->cfg.log);
    fflush(g->cfg.log);
}

void
guestsim_config_init(struct guestsim_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->displays = 1;
    for (uint32_t i = 0; i < LAGFX_MAX_DISPLAY_PORTS; i++)
        cfg->modes[i] = (lagfx_display_mode_t){ 1920, 1080, 60000 };
    cfg->ram_size = GUESTSIM_RAM_DEFAULT;
    cfg->device_flags = LAGFX_DEVICE_HEADLESS;
}

/* ---- callbacks (library threads) ---- */

static void
cb_raise(void *user, uint32_t vector)
{
    struct guestsim *g = user;
    if (vector != 0)
        atomic_fetch_add(&g->bad_vectors, 1);
    if (g->irq_hook)
        g->irq_hook(g, g->irq_hook_user);
    pthread_mutex_lock(&g->irq_lock);
    atomic_fetch_add(&g->irqs, 1);
    pthread_cond_broadcast(&g->irq_cond);
    pthread_mutex_unlock(&g->irq_lock);
}

static void
cb_fault(void *user, lagfx_status_t reason)
{
    struct guestsim *g = user;
    void (*fn)(void *, lagfx_status_t) = atomic_load(&g->fault_fn);
    if (fn)
        fn(g, reason);
}

void
guestsim_test_set_fault(struct guestsim *g, void (*fn)(void *user, lagfx_status_t reason))
{
    atomic_store(&g->fault_fn, fn);
}

void
guestsim_test_forget_device(struct guestsim *g)
{
    g->dev = NULL;
    memset(g->displays, 0, sizeof(g->displays));
}

static void
cb_schedule(void *user, lagfx_work_fn fn, void *arg)
{
    struct guestsim *g = user;
    pthread_mutex_lock(&g->exec_lock);
    if (g->exec_count < EXECUTOR_CAP)
        g->exec[g->exec_count++] = (struct exec_item){ fn, arg };
    pthread_mutex_unlock(&g->exec_lock);
}

static bool
ram_range(struct guestsim *g, uint64_t gpa, uint64_t len)
{
    return len <= g->ram_size && gpa <= g->ram_size - len;
}

static bool
cb_read(void *user, uint64_t gpa, uint64_t len, void *dst)
{
    struct guestsim *g = user;
    if (!ram_range(g, gpa, len))
        return false;
    memcpy(dst, g->ram + gpa, len);
    return true;
}

static bool
cb_write(void *user, uint64_t gpa, uint64_t len, const void *src)
{
    struct guestsim *g = user;
    if (!ram_range(g, gpa, len))
        return false;
    memcpy(g->ram + gpa, src, len);
    return true;
}

static lagfx_shell_task_t *
cb_create_task(void *user, uint64_t vm_size, void **base_out)
{
    (void)user;
    lagfx_task_t *t;
    if (lagfx_task_new(vm_size, &t) != LAGFX_OK)
        return NULL;
    *base_out = lagfx_task_get_base(t);
    return (lagfx_shell_task_t *)t;
}

static void
cb_destroy_task(void *user, lagfx_shell_task_t *task)
{
    (void)user;
    lagfx_task_free((lagfx_task_t *)task);
}

static bool
cb_map(void *user,
       lagfx_shell_task_t *task,
       uint32_t count,
       uint64_t voff,
       bool ro,
       const lagfx_phys_range_t *ranges)
{
    struct guestsim *g = user;
    for (uint32_t i = 0; i < count; i++) {
        if (!ram_range(g, ranges[i].gpa, ranges[i].length))
            return false;
        if (lagfx_task_map_fd((lagfx_task_t *)task, voff, g->memfd, ranges[i].gpa, ranges[i].length,
                              ro) != LAGFX_OK)
            return false;
        voff += ranges[i].length;
    }
    return true;
}

static bool
cb_unmap(void *user, lagfx_shell_task_t *task, uint64_t voff, uint64_t len)
{
    (void)user;
    return lagfx_task_unmap((lagfx_task_t *)task, voff, len) == LAGFX_OK;
}

/* ---- lifecycle ---- */

lagfx_status_t
guestsim_new(const struct guestsim_config *cfg, struct guestsim **out)
{
    struct guestsim *g = calloc(1, sizeof(*g));
    if (!g)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    g->cfg = *cfg;
    g->ram_size = cfg->ram_size ? cfg->ram_size : GUESTSIM_RAM_DEFAULT;
    g->alloc_next = ALLOC_BASE;
    g->root_size = cfg->root_size ? cfg->root_size : GUESTSIM_ROOT_SIZE;
    pthread_mutex_init(&g->irq_lock, NULL);
    pthread_cond_init(&g->irq_cond, NULL);
    pthread_mutex_init(&g->exec_lock, NULL);
    lagfx_status_t st = LAGFX_ERROR_IO;
    g->memfd = memfd_create("guestsim-ram", MFD_CLOEXEC);
    if (g->memfd < 0 || ftruncate(g->memfd, (off_t)g->ram_size) != 0)
        goto fail;
    g->ram = mmap(NULL, g->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
    if (g->ram == MAP_FAILED) {
        g->ram = NULL;
        goto fail;
    }

    lagfx_shell_callbacks_t cb;
    lagfx_shell_callbacks_init(&cb);
    cb.user = g;
    cb.raise_interrupt = cb_raise;
    cb.fault = cb_fault;
    if (cfg->executor)
        cb.schedule = cb_schedule;
    lagfx_ram_region_t region = { .gpa = 0,
                                  .length = g->ram_size,
                                  .host_ptr = g->ram,
                                  .fd = g->memfd,
                                  .fd_offset = 0,
                                  .flags = LAGFX_RAM_HAS_FD };
    lagfx_device_descriptor_t dd;
    lagfx_device_descriptor_init(&dd);
    dd.callbacks = &cb;
    dd.flags = cfg->device_flags;
    dd.display_port_count = cfg->displays ? cfg->displays : 1;
    dd.label = cfg->label;
    if (cfg->task_model) {
        cb.create_task = cb_create_task;
        cb.destroy_task = cb_destroy_task;
        cb.map_memory = cb_map;
        cb.unmap_memory = cb_unmap;
        cb.read_memory = cb_read;
        cb.write_memory = cb_write;
    } else {
        dd.ram_regions = &region;
        dd.ram_region_count = 1;
    }
    st = lagfx_device_new(&dd, &g->dev);
    if (st != LAGFX_OK)
        goto fail;
    narrate(g, "guest: device created (%s model, %u display port(s), %llu MiB guest RAM)",
            cfg->task_model ? "task" : "RAM-region", dd.display_port_count,
            (unsigned long long)(g->ram_size >> 20));
    for (uint32_t i = 0; i < cfg->displays; i++) {
        lagfx_display_descriptor_t pd;
        lagfx_display_descriptor_init(&pd);
        pd.modes = &cfg->modes[i];
        pd.mode_count = 1;
        st = lagfx_display_new(g->dev, &pd, i, 0x1000 + i, &g->displays[i]);
        if (st != LAGFX_OK)
            goto fail;
        narrate(g, "host: display %u plugged, preferred mode %ux%u@%u.%03u", i, cfg->modes[i].width,
                cfg->modes[i].height, cfg->modes[i].refresh_millihz / 1000,
                cfg->modes[i].refresh_millihz % 1000);
    }
    *out = g;
    return LAGFX_OK;

fail:
    guestsim_free(g);
    return st;
}

void
guestsim_free(struct guestsim *g)
{
    if (!g)
        return;
    for (uint32_t i = 0; i < LAGFX_MAX_DISPLAY_PORTS; i++)
        lagfx_display_free(g->displays[i]);
    lagfx_device_free(g->dev);
    /* Executor items still queued run after the device is gone: they only free memory. */
    guestsim_run_executor(g);
    if (g->ram)
        munmap(g->ram, g->ram_size);
    if (g->memfd >= 0)
        close(g->memfd);
    pthread_mutex_destroy(&g->irq_lock);
    pthread_cond_destroy(&g->irq_cond);
    pthread_mutex_destroy(&g->exec_lock);
    free(g);
}

lagfx_device_t *
guestsim_device(struct guestsim *g)
{
    return g->dev;
}

lagfx_display_t *
guestsim_display(struct guestsim *g, uint32_t port)
{
    return port < LAGFX_MAX_DISPLAY_PORTS ? g->displays[port] : NULL;
}

void
guestsim_display_free(struct guestsim *g, uint32_t port)
{
    if (port < LAGFX_MAX_DISPLAY_PORTS) {
        lagfx_display_free(g->displays[port]);
        g->displays[port] = NULL;
    }
}

uint32_t
guestsim_run_executor(struct guestsim *g)
{
    uint32_t ran = 0;
    for (;;) {
        pthread_mutex_lock(&g->exec_lock);
        if (g->exec_count == 0) {
            pthread_mutex_unlock(&g->exec_lock);
            return ran;
        }
        struct exec_item it = g->exec[0];
        memmove(g->exec, g->exec + 1, sizeof(g->exec[0]) * --g->exec_count);
        pthread_mutex_unlock(&g->exec_lock);
        it.fn(it.arg);
        ran++;
    }
}

/* ---- RAM ---- */

uint8_t *
guestsim_ram(struct guestsim *g)
{
    return g->ram;
}

uint64_t
guestsim_ram_size(struct guestsim *g)
{
    return g->ram_size;
}

uint64_t
guestsim_alloc_pages(struct guestsim *g, uint32_t count)
{
    uint64_t len = (uint64_t)count * PAGE;
    if (!g->alloc_high && g->alloc_next + len > ALLOC_LIMIT) {
        g->alloc_high = true;
        g->alloc_next = ALLOC_HIGH_BASE;
    }
    if (g->alloc_next + len > g->ram_size) {
        fprintf(stderr, "guestsim: out of guest RAM\n");
        abort(); /* test harness only: a test that needs more RAM is wrong */
    }
    uint64_t gpa = g->alloc_next;
    g->alloc_next += len;
    memset(g->ram + gpa, 0, len);
    return gpa;
}

/* Guest words the device also touches (stamp cells, read pointers, event words) are read and
 * written atomically, as the kext does; unaligned words fall back to byte copies. */
uint32_t
guestsim_read32(struct guestsim *g, uint64_t gpa)
{
    uint32_t v;
    if ((gpa & 3) == 0)
        return __atomic_load_n((uint32_t *)(g->ram + gpa), __ATOMIC_ACQUIRE);
    memcpy(&v, g->ram + gpa, 4);
    return v;
}

void
guestsim_write32(struct guestsim *g, uint64_t gpa, uint32_t value)
{
    if ((gpa & 3) == 0) {
        __atomic_store_n((uint32_t *)(g->ram + gpa), value, __ATOMIC_RELEASE);
        return;
    }
    memcpy(g->ram + gpa, &value, 4);
}

void
guestsim_write(struct guestsim *g, uint64_t gpa, const void *src, size_t len)
{
    memcpy(g->ram + gpa, src, len);
}

/* ---- MMIO and interrupts ---- */

uint32_t
guestsim_mmio_read(struct guestsim *g, uint32_t off)
{
    uint64_t v = 0;
    lagfx_mmio_read(g->dev, off, 4, &v);
    return (uint32_t)v;
}

lagfx_status_t
guestsim_mmio_write(struct guestsim *g, uint32_t off, uint32_t value)
{
    return lagfx_mmio_write(g->dev, off, 4, value);
}

uint64_t
guestsim_irq_count(struct guestsim *g)
{
    return atomic_load(&g->irqs);
}

uint64_t
guestsim_bad_vectors(struct guestsim *g)
{
    return atomic_load(&g->bad_vectors);
}

/* LAGFX_TEST_TIME_SCALE (an integer, default 1) stretches every simulator wait: sanitizer
 * builds on a loaded machine run 5-15x slower (scripts/test sets it for ThreadSanitizer). */
static uint32_t
scaled_ms(uint32_t ms)
{
    static _Atomic int scale;
    int s = atomic_load(&scale);
    if (s == 0) {
        const char *e = getenv("LAGFX_TEST_TIME_SCALE");
        s = e ? atoi(e) : 1;
        if (s < 1 || s > 100)
            s = 1;
        atomic_store(&scale, s);
    }
    uint64_t v = (uint64_t)ms * (uint64_t)s;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static struct timespec
deadline_ms(uint32_t ms)
{
    ms = scaled_ms(ms);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)ms * 1000000ull;
    ts.tv_sec += (time_t)(ns / 1000000000ull);
    ts.tv_nsec = (long)(ns % 1000000000ull);
    return ts;
}

bool
guestsim_wait_irq(struct guestsim *g, uint64_t seen, uint32_t timeout_ms)
{
    struct timespec dl = deadline_ms(timeout_ms);
    pthread_mutex_lock(&g->irq_lock);
    while (atomic_load(&g->irqs) <= seen) {
        if (pthread_cond_timedwait(&g->irq_cond, &g->irq_lock, &dl) == ETIMEDOUT)
            break;
    }
    bool ok = atomic_load(&g->irqs) > seen;
    pthread_mutex_unlock(&g->irq_lock);
    return ok;
}

void
guestsim_isr(struct guestsim *g, uint32_t *stamp_bits, uint32_t *display_bits, uint32_t *fault)
{
    uint32_t s = guestsim_mmio_read(g, 0x1018);
    uint32_t d = guestsim_mmio_read(g, 0x1014);
    uint32_t f = guestsim_mmio_read(g, 0x102C);
    if (stamp_bits)
        *stamp_bits |= s;
    if (display_bits)
        *display_bits |= d;
    if (fault)
        *fault |= f;
}

void
guestsim_set_irq_hook(struct guestsim *g, void (*hook)(struct guestsim *g, void *user), void *user)
{
    g->irq_hook_user = user;
    g->irq_hook = hook;
}

/* ---- Radix tables ---- */

void
guestsim_task_init(struct guestsim *g, struct guestsim_task *t, uint32_t id)
{
    t->id = id;
    uint64_t root = guestsim_alloc_pages(g, 1);
    uint64_t top = guestsim_alloc_pages(g, 1);
    t->root_pfn = (uint32_t)(root >> 12);
    t->top_pfn = (uint32_t)(top >> 12);
    guestsim_write32(g, root + 0x00, t->top_pfn);
    guestsim_write32(g, root + 0x04, 3);
    uint64_t hint = 0x0000000400000000ull;
    guestsim_write(g, root + 0x14, &hint, 8);
}

/* Returns the GPA of node entry index, allocating the child node when absent. */
static uint64_t
node_child(struct guestsim *g, uint32_t node_pfn, uint32_t index)
{
    uint64_t entry_gpa = ((uint64_t)node_pfn << 12) + 4ull * index;
    uint32_t e = guestsim_read32(g, entry_gpa);
    if (e == 0) {
        uint64_t child = guestsim_alloc_pages(g, 1);
        e = (uint32_t)(child >> 12);
        guestsim_write32(g, entry_gpa, e);
    }
    return (uint64_t)(e & 0x7FFFFFFFu) << 12;
}

void
guestsim_task_map_page(struct guestsim *g, struct guestsim_task *t, uint64_t va, uint64_t gpa)
{
    uint64_t vpn = va >> 12;
    uint64_t l2 = node_child(g, t->top_pfn, (uint32_t)((vpn >> 20) & 0x3FF));
    uint64_t l3 = node_child(g, (uint32_t)(l2 >> 12), (uint32_t)((vpn >> 10) & 0x3FF));
    guestsim_write32(g, l3 + 4ull * (vpn & 0x3FF), (uint32_t)(gpa >> 12));
}

bool
guestsim_task_map_new(struct guestsim *g, struct guestsim_task *t, uint64_t va, uint64_t len)
{
    if ((va & 0xFFF) || va + len > (1ull << 42))
        return false;
    uint64_t pages = (len + PAGE - 1) / PAGE;
    for (uint64_t i = 0; i < pages; i++) {
        /* Scatter: a guard page between data pages, so no two VA neighbours are adjacent. */
        uint64_t gpa = guestsim_alloc_pages(g, 2);
        guestsim_task_map_page(g, t, va + i * PAGE, gpa + PAGE);
    }
    return true;
}

/* Guest-side translation of its own tables (3 levels, no early leaves). */
static bool
task_va_to_gpa(struct guestsim *g, const struct guestsim_task *t, uint64_t va, uint64_t *gpa)
{
    uint64_t vpn = va >> 12;
    uint32_t node = t->top_pfn;
    for (int shift = 20; shift >= 0; shift -= 10) {
        uint32_t e = guestsim_read32(g, ((uint64_t)node << 12) + 4ull * ((vpn >> shift) & 0x3FF));
        if (e == 0)
            return false;
        node = e & 0x7FFFFFFFu;
    }
    *gpa = ((uint64_t)node << 12) | (va & 0xFFF);
    return true;
}

bool
guestsim_task_write(struct guestsim *g,
                    const struct guestsim_task *t,
                    uint64_t va,
                    const void *src,
                    size_t len)
{
    const uint8_t *p = src;
    while (len) {
        uint64_t gpa;
        if (!task_va_to_gpa(g, t, va, &gpa))
            return false;
        size_t n = PAGE - (va & 0xFFF);
        if (n > len)
            n = len;
        memcpy(g->ram + gpa, p, n);
        p += n, va += n, len -= n;
    }
    return true;
}

bool
guestsim_task_read(struct guestsim *g,
                   const struct guestsim_task *t,
                   uint64_t va,
                   void *dst,
                   size_t len)
{
    uint8_t *p = dst;
    while (len) {
        uint64_t gpa;
        if (!task_va_to_gpa(g, t, va, &gpa))
            return false;
        size_t n = PAGE - (va & 0xFFF);
        if (n > len)
            n = len;
        memcpy(p, g->ram + gpa, n);
        p += n, va += n, len -= n;
    }
    return true;
}

/* ---- Stamps ---- */

uint64_t
guestsim_stamp_gpa(uint32_t slot)
{
    return ((uint64_t)GUESTSIM_ROOT_BASE_PFN << 12) + 4ull * slot;
}

uint32_t
guestsim_stamp(struct guestsim *g, uint32_t slot)
{
    return __atomic_load_n((uint32_t *)(g->ram + guestsim_stamp_gpa(slot)), __ATOMIC_ACQUIRE);
}

uint32_t
guestsim_next_stamp(struct guestsim *g, uint32_t slot)
{
    if (++g->stamps[slot] == 0)
        g->stamps[slot] = 1; /* 0 is never a target */
    return g->stamps[slot];
}

bool
guestsim_wait_stamp(struct guestsim *g, uint32_t slot, uint32_t target, uint32_t timeout_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        uint32_t cur = guestsim_stamp(g, slot);
        if ((uint32_t)(cur - target) < 0x80000000u) /* cur >= target, wrapping */
            return true;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        /* Signed: tv_nsec of now may be below start's across a second boundary. */
        int64_t ms = (int64_t)(now.tv_sec - start.tv_sec) * 1000 +
                     ((int64_t)now.tv_nsec - (int64_t)start.tv_nsec) / 1000000;
        if (ms > (int64_t)scaled_ms(timeout_ms))
            return false;
        guestsim_run_executor(g);
        struct timespec nap = { 0, 50000 };
        nanosleep(&nap, NULL);
    }
}

/* ---- Root ring ---- */

static uint64_t
root_data_gpa(void)
{
    return ((uint64_t)GUESTSIM_ROOT_BASE_PFN << 12) + GUESTSIM_ROOT_START;
}

void
guestsim_root_put_raw(struct guestsim *g, const void *bytes, uint32_t len)
{
    const uint8_t *p = bytes;
    for (uint32_t i = 0; i < len; i++) {
        g->ram[root_data_gpa() + g->root_wp] = p[i];
        g->root_wp = (g->root_wp + 1) % g->root_size;
    }
}

uint32_t
guestsim_root_put(struct guestsim *g, uint16_t opcode, const void *payload, uint32_t len)
{
    /* Keep at least 12 bytes free: a full modular ring looks empty (§5.4). */
    for (int spin = 0; spin < 200000; spin++) {
        uint32_t rp = guestsim_mmio_read(g, 0x100C);
        uint32_t used = (g->root_wp - rp + g->root_size) % g->root_size;
        if (g->root_size - used > len + 12 + 12)
            break;
        struct timespec nap = { 0, 20000 };
        nanosleep(&nap, NULL);
    }
    uint32_t stamp = guestsim_next_stamp(g, 0);
    uint8_t hdr[12];
    uint32_t total = len + 12;
    memcpy(hdr, &opcode, 2);
    memset(hdr + 2, 0, 2);
    memcpy(hdr + 4, &total, 4);
    memcpy(hdr + 8, &stamp, 4);
    guestsim_root_put_raw(g, hdr, 12);
    guestsim_root_put_raw(g, payload, len);
    return stamp;
}

void
guestsim_root_doorbell(struct guestsim *g)
{
    guestsim_mmio_write(g, 0x1008, g->root_wp);
}

uint32_t
guestsim_root_wptr(struct guestsim *g)
{
    return g->root_wp;
}

void
guestsim_root_set_wptr(struct guestsim *g, uint32_t wptr)
{
    g->root_wp = wptr % g->root_size;
}

uint32_t
guestsim_root_submit(struct guestsim *g, uint16_t opcode, const void *payload, uint32_t len)
{
    uint32_t stamp = guestsim_root_put(g, opcode, payload, len);
    guestsim_root_doorbell(g);
    if (!guestsim_wait_stamp(g, 0, stamp, 5000))
        fprintf(stderr, "guestsim: root stamp %u not reached (cell %u)\n", stamp,
                guestsim_stamp(g, 0));
    return stamp;
}

/* ---- Channels ---- */

uint64_t
guestsim_descriptor_gpa(uint32_t ch)
{
    return ((uint64_t)GUESTSIM_SHARED_PFN << 12) + 0x400 + 20ull * (ch - 1);
}

uint32_t
guestsim_channel_ring_pfn(struct guestsim *g, uint32_t ch)
{
    return g->channels[ch].pfn_array;
}

static void
channel_setup(struct guestsim *g, uint32_t ch)
{
    struct guestsim_channel *c = &g->channels[ch];
    c->size = ch < 5 ? CHANNEL_RING_SIZE : PIPE_RING_SIZE;
    c->wp = 0;
    uint64_t arr = guestsim_alloc_pages(g, 1);
    c->pfn_array = (uint32_t)(arr >> 12);
    /* Ring pages are allocated one by one with guard pages: never physically contiguous. */
    for (uint32_t i = 0; i < c->size / PAGE; i++) {
        uint64_t page = guestsim_alloc_pages(g, 2) + PAGE;
        c->pfns[i] = (uint32_t)(page >> 12);
        guestsim_write32(g, arr + 4ull * i, c->pfns[i]);
    }
    uint64_t d = guestsim_descriptor_gpa(ch);
    guestsim_write32(g, d + 0x00, 0);
    guestsim_write32(g, d + 0x04, 0);
    guestsim_write32(g, d + 0x08, 0);
    guestsim_write32(g, d + 0x0C, ch);
    guestsim_write32(g, d + 0x10, c->pfn_array);
}

static void
channel_put_bytes(struct guestsim *g, struct guestsim_channel *c, const void *src, uint32_t len)
{
    const uint8_t *p = src;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t pos = c->wp % c->size;
        g->ram[((uint64_t)c->pfns[pos >> 12] << 12) + (pos & 0xFFF)] = p[i];
        c->wp++;
    }
}

void
guestsim_channel_set_pointers(struct guestsim *g, uint32_t ch, uint32_t value)
{
    uint64_t d = guestsim_descriptor_gpa(ch);
    g->channels[ch].wp = value;
    guestsim_write32(g, d + 0, value);
    guestsim_write32(g, d + 4, value);
}

void
guestsim_channel_rebuild(struct guestsim *g, uint32_t ch)
{
    channel_setup(g, ch);
}

void
guestsim_channel_reverse_pages(struct guestsim *g, uint32_t ch)
{
    struct guestsim_channel *c = &g->channels[ch];
    uint32_t n = c->size / PAGE;
    for (uint32_t i = 0; i < n / 2; i++) {
        uint32_t t = c->pfns[i];
        c->pfns[i] = c->pfns[n - 1 - i];
        c->pfns[n - 1 - i] = t;
    }
    for (uint32_t i = 0; i < n; i++)
        guestsim_write32(g, ((uint64_t)c->pfn_array << 12) + 4ull * i, c->pfns[i]);
}

void
guestsim_channel_put_raw(struct guestsim *g, uint32_t ch, const void *bytes, uint32_t len)
{
    channel_put_bytes(g, &g->channels[ch], bytes, len);
}

uint32_t
guestsim_channel_wptr(struct guestsim *g, uint32_t ch)
{
    return g->channels[ch].wp;
}

uint32_t
guestsim_channel_put(struct guestsim *g,
                     uint32_t ch,
                     uint16_t opcode,
                     const void *payload,
                     uint32_t len)
{
    struct guestsim_channel *c = &g->channels[ch];
    uint64_t d = guestsim_descriptor_gpa(ch);
    for (int spin = 0; spin < 200000; spin++) {
        uint32_t rp = guestsim_read32(g, d + 4);
        if (c->size - (c->wp - rp) > len + 12)
            break;
        struct timespec nap = { 0, 20000 };
        nanosleep(&nap, NULL);
    }
    uint32_t stamp = guestsim_next_stamp(g, ch);
    uint8_t hdr[12];
    uint32_t total = len + 12;
    memcpy(hdr, &opcode, 2);
    memset(hdr + 2, 0, 2);
    memcpy(hdr + 4, &total, 4);
    memcpy(hdr + 8, &stamp, 4);
    channel_put_bytes(g, c, hdr, 12);
    channel_put_bytes(g, c, payload, len);
    return stamp;
}

void
guestsim_channel_doorbell(struct guestsim *g, uint32_t ch)
{
    /* The guest publishes its write pointer, then rings (release order via the MMIO call). */
    __atomic_store_n((uint32_t *)(g->ram + guestsim_descriptor_gpa(ch)), g->channels[ch].wp,
                     __ATOMIC_RELEASE);
    guestsim_mmio_write(g, 0x1020, ch);
}

uint32_t
guestsim_channel_submit(struct guestsim *g,
                        uint32_t ch,
                        uint16_t opcode,
                        const void *payload,
                        uint32_t len)
{
    uint32_t stamp = guestsim_channel_put(g, ch, opcode, payload, len);
    guestsim_channel_doorbell(g, ch);
    if (!guestsim_wait_stamp(g, ch, stamp, 5000))
        fprintf(stderr, "guestsim: channel %u stamp %u not reached (cell %u)\n", ch, stamp,
                guestsim_stamp(g, ch));
    return stamp;
}

/* ---- Boot ---- */

struct mmio_step {
    bool write;
    uint32_t off, value;
    const char *what;
};

static const struct mmio_step boot_mmio[] = {
    { true, 0x1200, 1, "EFI mode programming starts" },
    { false, 0x1204, 0, "EFI probe" },
    { true, 0x1210, 0x0007E00F, "EFI queue caps" },
    { true, 0x1214, 0x008CA000, "EFI caps" },
    { true, 0x1218, 0x20, "EFI framebuffer mode: 32 bpp" },
    { true, 0x121C, 0x04380780, "EFI mode 1920x1080" },
    { true, 0x1200, 0, "EFI done" },
    { false, 0x122C, 9, "kext start: capability (9 = modern path)" },
    { true, 0x1034, 6, "binary version" },
    { false, 0x1034, 6, "binary version read back" },
    { true, 0x101C, GUESTSIM_SHARED_PFN, "shared control page PFN" },
    { true, 0x1030, GUESTSIM_ROOT_BASE_PFN, "root ring base PFN (stamp page)" },
    { true, 0x1004, GUESTSIM_ROOT_SIZE, "root ring size" },
    { true, 0x1010, GUESTSIM_ROOT_START, "root ring start" },
    { true, 0x1000, 1, "arm the root ring" },
};

lagfx_status_t
guestsim_boot_mmio(struct guestsim *g)
{
    for (size_t i = 0; i < sizeof(boot_mmio) / sizeof(boot_mmio[0]); i++) {
        const struct mmio_step *s = &boot_mmio[i];
        if (s->write) {
            uint32_t value = s->off == 0x1004 ? g->root_size : s->value;
            lagfx_status_t st = guestsim_mmio_write(g, s->off, value);
            narrate(g, "guest: W 0x%04x = 0x%08x  %s", s->off, value, s->what);
            if (st != LAGFX_OK)
                return st;
        } else {
            uint32_t v = guestsim_mmio_read(g, s->off);
            narrate(g, "guest: R 0x%04x = 0x%08x  %s", s->off, v, s->what);
            if (v != s->value) {
                narrate(g, "guest: expected 0x%08x", s->value);
                return LAGFX_ERROR_INTERNAL;
            }
        }
    }
    uint32_t rp = guestsim_mmio_read(g, 0x100C);
    narrate(g, "guest: R 0x100c = 0x%08x  root read pointer after arming", rp);
    return rp == 0 ? LAGFX_OK : LAGFX_ERROR_INTERNAL;
}

/* One init-burst command: read 0x100C (must be this command's offset), put, ring, wait. */
static lagfx_status_t
burst_step(struct guestsim *g, uint16_t op, const void *payload, uint32_t len, const char *what)
{
    uint32_t rp = guestsim_mmio_read(g, 0x100C);
    if (rp != g->root_wp) {
        narrate(g, "guest: R 0x100c = 0x%x, expected 0x%x", rp, g->root_wp);
        return LAGFX_ERROR_INTERNAL;
    }
    uint32_t off = g->root_wp;
    uint32_t stamp = guestsim_root_put(g, op, payload, len);
    guestsim_root_doorbell(g);
    if (!guestsim_wait_stamp(g, 0, stamp, 5000)) {
        narrate(g, "guest: stamp %u never completed", stamp);
        return LAGFX_ERROR_INTERNAL;
    }
    narrate(g,
            "guest: ring 0x%02x: 0x%02x %-18s (%2u bytes) doorbell 0x%04x -> stamp %u, "
            "R 0x100c = 0x%02x",
            off, op, what, len + 12, g->root_wp, stamp, guestsim_mmio_read(g, 0x100C));
    return LAGFX_OK;
}

lagfx_status_t
guestsim_boot_burst(struct guestsim *g)
{
    guestsim_task_init(g, &g->kernel, GUESTSIM_KERNEL_TASK);
    /* The kernel task's slot table: one page at VA 0x10000000. */
    const uint64_t heap_va = 0x10000000ull;
    guestsim_task_map_new(g, &g->kernel, heap_va, PAGE);
    g->devinfo_gpa = guestsim_alloc_pages(g, 1);

    uint8_t p[16];
    uint32_t v;
    uint64_t hint = 0x0000000400000000ull;
    v = GUESTSIM_KERNEL_TASK << 1;
    memcpy(p, &v, 4);
    memcpy(p + 4, &hint, 8);
    memcpy(p + 12, &g->kernel.root_pfn, 4);
    lagfx_status_t st = burst_step(g, 0x38, p, 16, "DefineHostTask");
    if (st != LAGFX_OK)
        return st;
    uint32_t heap[3] = { GUESTSIM_KERNEL_TASK, (uint32_t)(heap_va >> 12), PAGE };
    if ((st = burst_step(g, 0x33, heap, 12, "SetResourceHeap")) != LAGFX_OK)
        return st;
    for (uint32_t ch = 1; ch <= 4; ch++) {
        if ((st = burst_step(g, 0x30, &ch, 4, "DefineChildChannel")) != LAGFX_OK)
            return st;
    }
    uint32_t info[3] = { 0x2A, 0x200, (uint32_t)(g->devinfo_gpa >> 12) };
    if ((st = burst_step(g, 0x3A, info, 12, "GetDeviceInfo2")) != LAGFX_OK)
        return st;
    uint32_t n = guestsim_read32(g, root_data_gpa() + 0x74 + 4);
    narrate(g, "host: GetDeviceInfo2 answered %u pairs (length field rewritten), stamp cell 0 = %u",
            n, guestsim_stamp(g, 0));
    return n == 41 ? LAGFX_OK : LAGFX_ERROR_INTERNAL;
}

lagfx_status_t
guestsim_boot_channels(struct guestsim *g)
{
    for (uint32_t ch = 1; ch <= 4; ch++)
        channel_setup(g, ch);
    for (uint32_t i = 0; i < g->cfg.displays; i++)
        channel_setup(g, 5 + i);
    narrate(g,
            "guest: descriptors for channels 1-4 (64 KiB rings, scattered pages) and %u "
            "display pipe(s) at shared + 0x400",
            g->cfg.displays);
    return LAGFX_OK;
}

uint64_t
guestsim_shared_state_gpa(struct guestsim *g, uint32_t port)
{
    return g->shared_state_gpa[port];
}

lagfx_status_t
guestsim_display_bringup(struct guestsim *g, uint32_t port, bool enable)
{
    uint32_t ch = 5 + port;
    if (!g->shared_state_gpa[port])
        g->shared_state_gpa[port] = guestsim_alloc_pages(g, 1);
    uint64_t page = g->shared_state_gpa[port];
    memset(g->ram + page, 0, PAGE); /* the guest zeroes it first */
    uint32_t p[2] = { port, (uint32_t)(page >> 12) };
    uint64_t irqs = guestsim_irq_count(g);
    uint32_t stamp = guestsim_channel_put(g, ch, 0x01, p, 8);
    guestsim_channel_doorbell(g, ch);
    if (!guestsim_wait_stamp(g, ch, stamp, 5000))
        return LAGFX_ERROR_INTERNAL;
    char name[10] = { 0 };
    memcpy(name, g->ram + page + 4, 9);
    narrate(g,
            "guest: pipe %u: SetupSharedState {display %u} -> host wrote mode \"%s\" "
            "%ux%u, read_ptr 0x%x",
            ch, port, name, guestsim_read32(g, page + 0x14) & 0xFFFF,
            guestsim_read32(g, page + 0x14) >> 16,
            guestsim_read32(g, guestsim_descriptor_gpa(ch) + 4));
    if (!enable)
        return LAGFX_OK;
    __atomic_store_n((uint32_t *)(g->ram + page + 0x104), 0xC, __ATOMIC_RELEASE);
    narrate(g, "guest: display %u enable mask 0xC written at shared state +0x104", port);
    /* Wait for the online event: bit 0x4 at +0x100 and an interrupt with the display bit. */
    uint32_t display_bits = 0;
    for (int i = 0; i < 100 && !(display_bits & (1u << port)); i++) {
        if (!guestsim_wait_irq(g, irqs, 50))
            continue;
        irqs = guestsim_irq_count(g);
        guestsim_isr(g, NULL, &display_bits, NULL);
    }
    uint32_t events = __atomic_load_n((uint32_t *)(g->ram + page + 0x100), __ATOMIC_ACQUIRE);
    if (!(display_bits & (1u << port)) || !(events & 0x4)) {
        narrate(g, "guest: display %u never came online (events 0x%x)", port, events);
        return LAGFX_ERROR_INTERNAL;
    }
    narrate(g, "host: display %u online (event bits 0x%x, DISPLAY_PENDING bit %u)", port, events,
            port);
    return LAGFX_OK;
}

lagfx_status_t
guestsim_boot(struct guestsim *g)
{
    lagfx_status_t st = guestsim_boot_mmio(g);
    if (st == LAGFX_OK)
        st = guestsim_boot_burst(g);
    if (st == LAGFX_OK)
        st = guestsim_boot_channels(g);
    for (uint32_t i = 0; st == LAGFX_OK && i < g->cfg.displays; i++)
        st = guestsim_display_bringup(g, i, true);
    return st;
}

uint64_t
guestsim_devinfo_gpa(struct guestsim *g)
{
    return g->devinfo_gpa;
}

struct guestsim_task *
guestsim_kernel_task(struct guestsim *g)
{
    return &g->kernel;
}
