/* SPDX-License-Identifier: MIT */
/*
 * Device core lifecycle, the BAR0 register file and the worker/timer threads (protocol.md
 * §2-§5.1, §7.1, §15.3; spec/api.md §5.3, §6, §7). MMIO never drains: a doorbell records the
 * write pointer and wakes the worker (one cond signal). The worker drains the channels whose
 * bits are set, root first, at most 128 commands per channel per turn, then raises one
 * interrupt for what the turn completed. The timer only wakes the worker while a display's
 * online handshake is pending. Threads: see dev.h.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "protocol/dev_internal.h"
#include "protocol/trace.h"
#include "util/alloc.h"
#include "util/checked.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"

#define SHADOW(off) ((off - 0x1000u) / 4u)
#define EFI(off)    ((off - 0x1200u) / 4u)

static void
reset_registers(struct proto_dev *dev)
{
    for (uint32_t i = 0; i < UT_ARRAY_SIZE(dev->shadow); i++)
        atomic_store(&dev->shadow[i], 0);
    for (uint32_t i = 0; i < UT_ARRAY_SIZE(dev->efi); i++)
        atomic_store(&dev->efi[i], 0);
    atomic_store(&dev->shadow[SHADOW(PROTO_REG_RING_CTRL)], 1); /* C01 */
    atomic_store(&dev->stamp_pending, 0);
    atomic_store(&dev->display_pending, 0);
    atomic_store(&dev->raise_needed, false);
    pthread_mutex_lock(&dev->ring_lock);
    dev->root_armed = false;
    dev->root_arm_gen++;
    dev->root_stamp_gpa = dev->root_data_gpa = 0;
    dev->root_size = PROTO_ROOT_RING_DEFAULT;
    dev->root_wp = 0;
    atomic_store(&dev->root_rp_pub, 0);
    pthread_mutex_unlock(&dev->ring_lock);
}

/* Worker-owned protocol state back to power-on (exec lock held). */
static void
reset_protocol_state(struct proto_dev *dev)
{
    proto_cq_clear(dev);
    proto_tasks_drop_all(dev);
    proto_iosurfaces_drop_all(dev);
    memset(dev->channels, 0, sizeof(dev->channels));
    proto_display_reset(dev);
    dev->root_rp = 0;
    dev->stamps_warned = false;
    dev->kernel_task = UINT32_MAX;
    ut_guest_errors_reset_once(&dev->errs);
}

/* One worker turn over the channels in bits (exec lock taken here); returns the channels
 * with commands left (fairness requeue). */
static uint32_t
run_turn(struct proto_dev *dev, uint32_t bits)
{
    uint32_t again = 0;
    pthread_mutex_lock(&dev->exec_lock);
    proto_trace_turn(dev->cfg.trace, true, bits);
    if (bits & 1u) {
        if (proto_drain_root(dev))
            again |= 1u;
    }
    for (uint32_t ch = 1; ch < PROTO_CHANNELS; ch++) {
        if (!(bits & (1u << ch)))
            continue;
        if (proto_drain_channel(dev, ch))
            again |= 1u << ch;
        if (ch >= PROTO_FIRST_PIPE)
            bits |= PROTO_WAKE_DISPLAYS; /* every pipe doorbell checks (§15.3) */
    }
    if (bits & PROTO_WAKE_DISPLAYS)
        proto_display_check(dev);
    proto_trace_turn(dev->cfg.trace, false, 0);
    pthread_mutex_unlock(&dev->exec_lock);
    proto_irq_flush(dev);
    return again;
}

void
proto_dev_step(struct proto_dev *dev, uint32_t bits)
{
    pthread_mutex_lock(&dev->wake_lock);
    dev->wake_bits = 0; /* doorbells recorded by MMIO: the caller decides what runs */
    bool run = !dev->stopped && !dev->hold;
    pthread_mutex_unlock(&dev->wake_lock);
    while (run && bits)
        bits = run_turn(dev, bits);
}

static void *
worker_main(void *arg)
{
    struct proto_dev *dev = arg;
    pthread_mutex_lock(&dev->wake_lock);
    for (;;) {
        while (!dev->stopping && (dev->wake_bits == 0 || dev->hold)) {
            dev->worker_busy = false;
            pthread_cond_broadcast(&dev->idle_cond);
            pthread_cond_wait(&dev->wake_cond, &dev->wake_lock);
        }
        if (dev->stopping)
            break;
        uint32_t bits = dev->wake_bits;
        dev->wake_bits = 0;
        dev->worker_busy = true;
        bool dropped = dev->stopped;
        pthread_mutex_unlock(&dev->wake_lock);

        uint32_t again = dropped ? 0 : run_turn(dev, bits);

        pthread_mutex_lock(&dev->wake_lock);
        dev->wake_bits |= again; /* fairness requeue, nothing dropped */
    }
    dev->worker_busy = false;
    pthread_cond_broadcast(&dev->idle_cond);
    pthread_mutex_unlock(&dev->wake_lock);
    return NULL;
}

static void *
timer_main(void *arg)
{
    struct proto_dev *dev = arg;
    pthread_mutex_lock(&dev->wake_lock);
    while (!dev->stopping) {
        struct timespec deadline = ut_deadline_ns(PROTO_ONLINE_POLL_MS * 1000000ull);
        pthread_cond_timedwait(&dev->timer_cond, &dev->wake_lock, &deadline);
        if (dev->stopping)
            break;
        if (atomic_load(&dev->awaiting_online) && !dev->hold && !dev->stopped) {
            dev->wake_bits |= PROTO_WAKE_DISPLAYS;
            pthread_cond_signal(&dev->wake_cond);
        }
    }
    pthread_mutex_unlock(&dev->wake_lock);
    return NULL;
}

/* Tells the worker and timer to exit (they are joined by the caller). */
static void
stop_threads(struct proto_dev *dev)
{
    pthread_mutex_lock(&dev->wake_lock);
    dev->stopping = true;
    pthread_cond_broadcast(&dev->wake_cond);
    pthread_cond_broadcast(&dev->timer_cond);
    pthread_mutex_unlock(&dev->wake_lock);
}

static void
destroy_sync(struct proto_dev *dev)
{
    pthread_cond_destroy(&dev->wake_cond);
    pthread_cond_destroy(&dev->timer_cond);
    pthread_cond_destroy(&dev->idle_cond);
    pthread_cond_destroy(&dev->cq_cond);
    pthread_mutex_destroy(&dev->ring_lock);
    pthread_mutex_destroy(&dev->wake_lock);
    pthread_mutex_destroy(&dev->exec_lock);
    pthread_mutex_destroy(&dev->cq_lock);
    pthread_mutex_destroy(&dev->disp_lock);
}

lagfx_status_t
proto_dev_new(const struct proto_dev_config *cfg, struct proto_dev **out)
{
    struct proto_dev *dev = ut_calloc(1, sizeof(*dev));
    if (!dev)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    dev->cfg = *cfg;
    ut_guest_errors_init(&dev->errs, cfg->log_dev);
    dev->batch = ut_malloc(PROTO_MAX_OUTER_LEN);
    if (!dev->batch)
        goto err_free_dev;
    dev->xlate = ut_calloc(1, sizeof(*dev->xlate));
    if (!dev->xlate)
        goto err_free_batch;
    pthread_mutex_init(&dev->ring_lock, NULL);
    pthread_mutex_init(&dev->wake_lock, NULL);
    pthread_mutex_init(&dev->exec_lock, NULL);
    pthread_mutex_init(&dev->cq_lock, NULL);
    pthread_mutex_init(&dev->disp_lock, NULL);
    ut_cond_init_monotonic(&dev->wake_cond);
    ut_cond_init_monotonic(&dev->timer_cond);
    ut_cond_init_monotonic(&dev->idle_cond);
    ut_cond_init_monotonic(&dev->cq_cond);
    reset_registers(dev);
    reset_protocol_state(dev);

    if (cfg->manual_turns) { /* replay: turns run only through proto_dev_step */
        *out = dev;
        return LAGFX_OK;
    }
    lagfx_status_t st = ut_thread_start(&dev->worker, cfg->label, "work", worker_main, dev);
    if (st != LAGFX_OK)
        goto err_free_sync;
    st = ut_thread_start(&dev->timer, cfg->label, "timer", timer_main, dev);
    if (st != LAGFX_OK)
        goto err_stop_worker;
    dev->threads_started = true;
    *out = dev;
    return LAGFX_OK;

err_stop_worker:
    stop_threads(dev);
    pthread_join(dev->worker, NULL);
err_free_sync:
    destroy_sync(dev);
    ut_free(dev->xlate);
err_free_batch:
    ut_free(dev->batch);
err_free_dev:
    ut_free(dev);
    return LAGFX_ERROR_OUT_OF_MEMORY;
}

void
proto_dev_free(struct proto_dev *dev)
{
    if (!dev)
        return;
    stop_threads(dev);
    if (dev->threads_started) {
        pthread_join(dev->worker, NULL);
        pthread_join(dev->timer, NULL);
    }
    proto_tasks_drop_all(dev);
    proto_iosurfaces_drop_all(dev);
    ut_free(dev->tasks);
    destroy_sync(dev);
    ut_free(dev->xlate);
    ut_free(dev->batch);
    ut_free(dev);
}

void
proto_dev_reset(struct proto_dev *dev)
{
    pthread_mutex_lock(&dev->exec_lock); /* the worker finishes its command first */
    pthread_mutex_lock(&dev->wake_lock);
    dev->wake_bits = 0;
    dev->stopped = false;
    dev->hold = false;
    pthread_mutex_unlock(&dev->wake_lock);
    reset_registers(dev);
    reset_protocol_state(dev);
    pthread_mutex_unlock(&dev->exec_lock);
}

void
proto_dev_set_backend(struct proto_dev *dev, struct be *be)
{
    pthread_mutex_lock(&dev->exec_lock);
    dev->cfg.be = be;
    pthread_mutex_unlock(&dev->exec_lock);
}

void
proto_dev_hold(struct proto_dev *dev, bool hold)
{
    pthread_mutex_lock(&dev->exec_lock); /* "stops after the current command" */
    pthread_mutex_lock(&dev->wake_lock);
    dev->hold = hold;
    if (!hold)
        dev->wake_bits |= PROTO_WAKE_RAISE; /* raise what accumulated, drain what waits */
    pthread_cond_broadcast(&dev->wake_cond);
    pthread_mutex_unlock(&dev->wake_lock);
    pthread_mutex_unlock(&dev->exec_lock);
}

void
proto_dev_stop(struct proto_dev *dev)
{
    pthread_mutex_lock(&dev->exec_lock);
    pthread_mutex_lock(&dev->wake_lock);
    dev->stopped = true;
    dev->wake_bits = 0;
    pthread_mutex_unlock(&dev->wake_lock);
    proto_cq_clear(dev);
    pthread_mutex_unlock(&dev->exec_lock);
}

void
proto_dev_wait_idle(struct proto_dev *dev)
{
    if (dev->cfg.manual_turns)
        return; /* nothing runs behind the caller's back */
    pthread_mutex_lock(&dev->wake_lock);
    while (dev->worker_busy || (dev->wake_bits && !dev->hold && !dev->stopped && !dev->stopping))
        pthread_cond_wait(&dev->idle_cond, &dev->wake_lock);
    pthread_mutex_unlock(&dev->wake_lock);
}

void
proto_dev_wait_completions(struct proto_dev *dev)
{
    pthread_mutex_lock(&dev->cq_lock);
    for (uint32_t ch = 0; ch < PROTO_CHANNELS; ch++) {
        while (dev->cq[ch].head != dev->cq[ch].tail)
            pthread_cond_wait(&dev->cq_cond, &dev->cq_lock);
    }
    pthread_mutex_unlock(&dev->cq_lock);
}

uint64_t
proto_dev_guest_faults(struct proto_dev *dev)
{
    return atomic_load(&dev->guest_faults);
}

struct ut_guest_errors *
proto_dev_errors(struct proto_dev *dev)
{
    return &dev->errs;
}

/* ---- MMIO ---- */

const char *
proto_reg_name(uint64_t off)
{
    switch (off) {
    case PROTO_REG_RING_CTRL:
        return "RING_CTRL";
    case PROTO_REG_RING_SIZE:
        return "RING_SIZE";
    case PROTO_REG_RING_WPTR:
        return "RING_WPTR";
    case PROTO_REG_RING_RPTR:
        return "RING_RPTR";
    case PROTO_REG_RING_START:
        return "RING_START";
    case PROTO_REG_DISPLAY_PENDING:
        return "DISPLAY_PENDING";
    case PROTO_REG_STAMP_PENDING:
        return "STAMP_PENDING";
    case PROTO_REG_SHARED_PFN:
        return "SHARED_PFN";
    case PROTO_REG_CHANNEL_DOORBELL:
        return "CHANNEL_DOORBELL";
    case PROTO_REG_TRAMPOLINE_A:
        return "TRAMPOLINE_A";
    case PROTO_REG_TRAMPOLINE_B:
        return "TRAMPOLINE_B";
    case PROTO_REG_FAULT_STATUS:
        return "FAULT_STATUS";
    case PROTO_REG_RING_BASE_PFN:
        return "RING_BASE_PFN";
    case PROTO_REG_BINARY_VERSION:
        return "BINARY_VERSION";
    case PROTO_REG_EFI_STATE:
        return "EFI_STATE";
    case PROTO_REG_EFI_PROBE:
        return "EFI_PROBE";
    case PROTO_REG_EFI_QUEUE_CAPS:
        return "EFI_QUEUE_CAPS";
    case PROTO_REG_EFI_CAPS:
        return "EFI_CAPS";
    case PROTO_REG_EFI_FB_MODE:
        return "EFI_FB_MODE";
    case PROTO_REG_EFI_MODE_SELECT:
        return "EFI_MODE_SELECT";
    case PROTO_REG_EFI_CAPS2:
        return "EFI_CAPS2";
    case PROTO_REG_CAPABILITY:
        return "CAPABILITY";
    default:
        return NULL;
    }
}

static bool
access_ok(struct proto_dev *dev, uint64_t off, uint32_t size, bool write)
{
    if (size == 4 && (off & 3) == 0 && off < dev->cfg.mmio_length)
        return true;
    ut_guest_error(&dev->errs, UT_GERR_BAD_MMIO,
                   "dev=%s mmio %s off=0x%llx size=%u: malformed access", dev->cfg.label,
                   write ? "write" : "read", (unsigned long long)off, size);
    return false;
}

static lagfx_status_t
mmio_read(struct proto_dev *dev, uint64_t off, uint32_t size, uint64_t *value)
{
    *value = 0;
    if (!access_ok(dev, off, size, false))
        return LAGFX_ERROR_BAD_ACCESS;
    uint32_t v = 0;
    if (off >= 0x1000 && off <= 0x103C) {
        switch (off) {
        case PROTO_REG_RING_RPTR:
            v = atomic_load_explicit(&dev->root_rp_pub, memory_order_acquire);
            break;
        case PROTO_REG_DISPLAY_PENDING:
            v = atomic_exchange_explicit(&dev->display_pending, 0, memory_order_acq_rel);
            break;
        case PROTO_REG_STAMP_PENDING:
            v = atomic_exchange_explicit(&dev->stamp_pending, 0, memory_order_acq_rel);
            break;
        case PROTO_REG_FAULT_STATUS:
            v = 0; /* no fault-record layout is known (§3, api.md §8 rule 3) */
            break;
        default:
            v = atomic_load_explicit(&dev->shadow[SHADOW(off)], memory_order_relaxed);
            break;
        }
    } else if (off == PROTO_REG_CAPABILITY) {
        v = PROTO_CAPABILITY_VALUE;
    }
    /* The EFI bank reads 0 (its writes are stored for diagnostics); everything else too. */
    UT_TRACE(dev->cfg.log_dev, "mmio", "dev=%s read off=0x%llx value=0x%x", dev->cfg.label,
             (unsigned long long)off, v);
    *value = v;
    return LAGFX_OK;
}

static void
arm_root(struct proto_dev *dev)
{
    uint32_t base = atomic_load(&dev->shadow[SHADOW(PROTO_REG_RING_BASE_PFN)]);
    uint32_t size = atomic_load(&dev->shadow[SHADOW(PROTO_REG_RING_SIZE)]);
    uint32_t start = atomic_load(&dev->shadow[SHADOW(PROTO_REG_RING_START)]);
    if (size == 0)
        size = PROTO_ROOT_RING_DEFAULT;
    uint64_t stamp_gpa = (uint64_t)base << 12;
    bool ok = base != 0 && size % 0x1000 == 0 && size >= PROTO_ROOT_RING_MIN &&
              size <= PROTO_ROOT_RING_MAX && start % 4 == 0 && start >= PROTO_ROOT_START_MIN &&
              mem_guest_contains(dev->cfg.guest, stamp_gpa + start, size);
    pthread_mutex_lock(&dev->ring_lock);
    dev->root_arm_gen++;
    dev->root_armed = ok;
    dev->root_wp = 0;
    atomic_store_explicit(&dev->root_rp_pub, 0, memory_order_release);
    if (ok) {
        dev->root_stamp_gpa = stamp_gpa;
        dev->root_data_gpa = stamp_gpa + start;
        dev->root_size = size;
    }
    pthread_mutex_unlock(&dev->ring_lock);
    if (!ok)
        ut_guest_error(&dev->errs, UT_GERR_RING_GEOMETRY,
                       "dev=%s root ring base_pfn=0x%x size=0x%x start=0x%x: invalid, disarmed",
                       dev->cfg.label, base, size, start);
}

static lagfx_status_t
mmio_write(struct proto_dev *dev, uint64_t off, uint32_t size, uint64_t value)
{
    if (!access_ok(dev, off, size, true))
        return LAGFX_ERROR_BAD_ACCESS;
    uint32_t v = (uint32_t)value;
    UT_TRACE(dev->cfg.log_dev, "mmio", "dev=%s write off=0x%llx value=0x%x", dev->cfg.label,
             (unsigned long long)off, v);
    if (off >= 0x1000 && off <= 0x103C) {
        switch (off) {
        case PROTO_REG_RING_RPTR:
        case PROTO_REG_DISPLAY_PENDING:
        case PROTO_REG_STAMP_PENDING:
        case PROTO_REG_FAULT_STATUS:
            ut_guest_error_once(&dev->errs, UT_GERR_MMIO_REG, UT_NS_ROOT,
                                0x100 + (uint32_t)(off & 0xFF),
                                "dev=%s mmio write off=0x%llx value=0x%x: read-only register",
                                dev->cfg.label, (unsigned long long)off, v);
            return LAGFX_OK;
        case PROTO_REG_RESERVED_38:
        case PROTO_REG_RESERVED_3C:
            ut_guest_error_once(&dev->errs, UT_GERR_MMIO_REG, UT_NS_ROOT,
                                0x100 + (uint32_t)(off & 0xFF),
                                "dev=%s mmio write off=0x%llx value=0x%x: reserved register",
                                dev->cfg.label, (unsigned long long)off, v);
            break;
        default:
            break;
        }
        atomic_store_explicit(&dev->shadow[SHADOW(off)], v, memory_order_release);
        switch (off) {
        case PROTO_REG_RING_CTRL:
            if (v != 0) {
                arm_root(dev);
            } else {
                pthread_mutex_lock(&dev->ring_lock);
                dev->root_armed = false;
                dev->root_arm_gen++;
                pthread_mutex_unlock(&dev->ring_lock);
            }
            break;
        case PROTO_REG_RING_WPTR:
            pthread_mutex_lock(&dev->ring_lock);
            dev->root_wp = v; /* reduced modulo the size when drained (C02) */
            pthread_mutex_unlock(&dev->ring_lock);
            proto_dev_wake(dev, 1u);
            break;
        case PROTO_REG_CHANNEL_DOORBELL: {
            uint32_t ch = v & 0xFF;
            if (v >> 8)
                UT_DEBUG(dev->cfg.log_dev, "mmio", "dev=%s doorbell 0x%x: high bits ignored",
                         dev->cfg.label, v);
            if (ch < PROTO_CHANNELS)
                proto_dev_wake(dev, 1u << ch);
            else
                ut_guest_error_once(&dev->errs, UT_GERR_CHANNEL, UT_NS_CHANNEL, ch,
                                    "dev=%s doorbell for channel %u ignored", dev->cfg.label, ch);
            break;
        }
        case PROTO_REG_TRAMPOLINE_A:
        case PROTO_REG_TRAMPOLINE_B:
            UT_DEBUG(dev->cfg.log_dev, "mmio", "dev=%s trampoline off=0x%llx value=0x%x",
                     dev->cfg.label, (unsigned long long)off, v);
            break;
        default:
            break;
        }
        return LAGFX_OK;
    }
    if (off >= 0x1200 && off <= 0x122C) {
        switch (off) {
        case PROTO_REG_EFI_STATE:
        case PROTO_REG_EFI_QUEUE_CAPS:
        case PROTO_REG_EFI_CAPS:
        case PROTO_REG_EFI_FB_MODE:
        case PROTO_REG_EFI_MODE_SELECT:
        case PROTO_REG_EFI_CAPS2:
            atomic_store(&dev->efi[EFI(off)], v); /* diagnostics and saved state only */
            return LAGFX_OK;
        case PROTO_REG_CAPABILITY:
        case PROTO_REG_EFI_PROBE:
            return LAGFX_OK; /* read-only */
        default:
            break;
        }
    }
    if (off >= 0x1000) /* reserved ranges: ignored, logged once (§2) */
        ut_guest_error_once(&dev->errs, UT_GERR_MMIO_REG, UT_NS_ROOT, 0x1FE,
                            "dev=%s mmio write off=0x%llx value=0x%x: reserved range ignored",
                            dev->cfg.label, (unsigned long long)off, v);
    return LAGFX_OK;
}

lagfx_status_t
proto_mmio_read(struct proto_dev *dev, uint64_t off, uint32_t size, uint64_t *value)
{
    lagfx_status_t st = mmio_read(dev, off, size, value);
    if (dev->cfg.trace)
        proto_trace_mmio(dev->cfg.trace, false, off, size, *value, st);
    return st;
}

lagfx_status_t
proto_mmio_write(struct proto_dev *dev, uint64_t off, uint32_t size, uint64_t value)
{
    /* Recorded before it acts, so a doorbell precedes the turn it causes in the file. */
    if (dev->cfg.trace)
        proto_trace_mmio(dev->cfg.trace, true, off, size, value, LAGFX_OK);
    return mmio_write(dev, off, size, value);
}
