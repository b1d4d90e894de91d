/* SPDX-License-Identifier: MIT */
/*
 * Stamps and interrupts (protocol.md §4, §6). Stamp cells live in the first page of the root
 * allocation, slot n at +4n (never in front of the ring data). A command's stamp is written
 * only when its work is done, in command order per channel, through a small completion queue.
 * Pending bits are set with release order after the memory they announce; the interrupt is
 * raised after the bits. Worker thread; proto_cq_done also from backend completion threads.
 */
#include <string.h>

#include "backend.h"
#include "protocol/dev_internal.h"
#include "protocol/trace.h"
#include "util/alloc.h"
#include "util/log.h"

uint32_t
proto_stamp_next(uint32_t cur, uint32_t target)
{
    uint32_t ahead = target - cur; /* wrapping u32 order */
    if (target != 0 && ahead != 0 && ahead < 0x80000000u)
        return target;
    return cur;
}

void
proto_irq_set(struct proto_dev *dev, uint32_t stamp_bits, uint32_t display_bits)
{
    if (stamp_bits)
        atomic_fetch_or_explicit(&dev->stamp_pending, stamp_bits, memory_order_release);
    if (display_bits)
        atomic_fetch_or_explicit(&dev->display_pending, display_bits, memory_order_release);
    atomic_store_explicit(&dev->raise_needed, true, memory_order_release);
}

void
proto_irq_flush(struct proto_dev *dev)
{
    pthread_mutex_lock(&dev->wake_lock);
    bool held = dev->hold || dev->stopped;
    pthread_mutex_unlock(&dev->wake_lock);
    if (held)
        return;
    if (!atomic_exchange_explicit(&dev->raise_needed, false, memory_order_acq_rel))
        return;
    UT_TRACE(dev->cfg.log_dev, "irq",
             "dev=%s raise vector=0 stamp_pending=0x%x display_pending=0x%x", dev->cfg.label,
             atomic_load(&dev->stamp_pending), atomic_load(&dev->display_pending));
    if (dev->cfg.trace)
        proto_trace_irq(dev->cfg.trace, atomic_load(&dev->stamp_pending),
                        atomic_load(&dev->display_pending));
    if (dev->cfg.sink.raise_interrupt)
        dev->cfg.sink.raise_interrupt(dev->cfg.sink.user);
}

void
proto_stamp_write(struct proto_dev *dev, uint32_t slot, uint32_t target, bool plausible_only)
{
    pthread_mutex_lock(&dev->ring_lock);
    bool armed = dev->root_stamp_gpa != 0;
    uint64_t gpa = dev->root_stamp_gpa + 4ull * slot;
    pthread_mutex_unlock(&dev->ring_lock);

    if (!armed) {
        if (!dev->stamps_warned) {
            dev->stamps_warned = true;
            ut_guest_error(&dev->errs, UT_GERR_STAMP,
                           "dev=%s slot=%u stamp=%u: root ring never armed, stamp not written",
                           dev->cfg.label, slot, target);
        }
    } else {
        uint32_t cur;
        if (!mem_guest_read_u32(dev->cfg.guest, gpa, &cur)) {
            ut_guest_error(&dev->errs, UT_GERR_STAMP,
                           "dev=%s slot=%u gpa=0x%llx: stamp cell outside guest RAM",
                           dev->cfg.label, slot, (unsigned long long)gpa);
        } else {
            uint32_t next = cur;
            if (plausible_only) {
                /* §6.3 plausible target: only close ahead of the cell. */
                uint32_t ahead = target - cur;
                if (ahead != 0 && ahead <= 0x10000u)
                    next = target;
            } else {
                next = proto_stamp_next(cur, target);
            }
            if (next != cur && next != 0) {
                mem_guest_write_u32(dev->cfg.guest, gpa, next);
                UT_TRACE(dev->cfg.log_dev, "stamp", "dev=%s slot=%u %u -> %u", dev->cfg.label, slot,
                         cur, next);
            }
        }
    }
    /* The bit is set even when the cell did not change, so a waiting guest re-checks. */
    proto_irq_set(dev, 1u << slot, 0);
}

uint32_t
proto_cq_push(struct proto_dev *dev, uint32_t ch, uint32_t stamp, bool plausible_only)
{
    struct proto_cq *q = &dev->cq[ch];
    pthread_mutex_lock(&dev->cq_lock);
    /* Back-pressure: bounded by GPU progress (the completion thread signals cq_cond). */
    while (q->tail - q->head >= PROTO_CQ_DEPTH)
        pthread_cond_wait(&dev->cq_cond, &dev->cq_lock);
    uint32_t token = q->tail++;
    q->stamp[token % PROTO_CQ_DEPTH] = stamp;
    q->done[token % PROTO_CQ_DEPTH] = false;
    q->plausible_only[token % PROTO_CQ_DEPTH] = plausible_only;
    pthread_mutex_unlock(&dev->cq_lock);
    return token;
}

void
proto_cq_done(struct proto_dev *dev, uint32_t ch, uint32_t token)
{
    struct proto_cq *q = &dev->cq[ch];
    pthread_mutex_lock(&dev->cq_lock);
    if (token - q->head < q->tail - q->head)
        q->done[token % PROTO_CQ_DEPTH] = true;
    /* Write every stamp at the head that is complete, in order. The cell writes happen
     * under cq_lock so two completers cannot reorder them. */
    bool popped = false;
    while (q->head != q->tail && q->done[q->head % PROTO_CQ_DEPTH]) {
        uint32_t i = q->head % PROTO_CQ_DEPTH;
        proto_stamp_write(dev, ch, q->stamp[i], q->plausible_only[i]);
        q->head++;
        popped = true;
    }
    if (popped)
        pthread_cond_broadcast(&dev->cq_cond);
    pthread_mutex_unlock(&dev->cq_lock);
}

void
proto_cq_clear(struct proto_dev *dev)
{
    pthread_mutex_lock(&dev->cq_lock);
    for (uint32_t i = 0; i < PROTO_CHANNELS; i++)
        dev->cq[i].head = dev->cq[i].tail;
    pthread_cond_broadcast(&dev->cq_cond);
    pthread_mutex_unlock(&dev->cq_lock);
}

struct after_flush {
    struct proto_dev *dev;
    uint32_t channel, token;
    int frame_port;
};

static void
after_flush_done(void *arg)
{
    struct after_flush *a = arg;
    struct proto_dev *dev = a->dev;
    /* The frame is the newest before the stamp is visible (spec/api.md §5.7). */
    if (a->frame_port >= 0 && dev->cfg.sink.frame_ready)
        dev->cfg.sink.frame_ready(dev->cfg.sink.user, (uint32_t)a->frame_port);
    proto_cq_done(dev, a->channel, a->token);
    ut_free(a);
}

void
proto_complete_after_flush(struct proto_dev *dev, struct proto_outer *cmd, int frame_port)
{
    struct after_flush *a = ut_malloc(sizeof(*a));
    if (!a) {
        /* Out of memory: submit anyway and complete in order right away; the backend still
         * runs the work before anything recorded later. */
        UT_ERROR(dev->cfg.log_dev, "stamp", "dev=%s: out of memory for a completion",
                 dev->cfg.label);
        dev->cfg.be->ops->flush(dev->cfg.be, NULL, NULL);
        return;
    }
    *a = (struct after_flush){ dev, cmd->channel, cmd->token, frame_port };
    cmd->async = true;
    dev->cfg.be->ops->flush(dev->cfg.be, after_flush_done, a);
}
