/* SPDX-License-Identifier: MIT */
/*
 * The device's ordered event queue (spec/api.md §7 rules 6, 7, 9). Events are queued by library
 * threads and delivered one at a time, in order, either by executor items the VMM runs (at
 * most one outstanding; an item may run after the device is gone and then only drops its
 * reference) or by a library event thread "lagfx-<label>-event" when the VMM gave no
 * schedule. Callbacks never run inside a lagfx_* call and no lock is held while they run.
 */
#include <string.h>

#include "api/api.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/thread.h"

#define EVENT_QUEUE_CAP 1024u /* events beyond are dropped (a VMM not running its executor) */

struct api_events {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* event thread waits; shutdown waits for delivery to end */
    int refs;            /* the device, the event thread, an outstanding executor item */
    lagfx_device_t *dev;
    struct api_event q[EVENT_QUEUE_CAP];
    uint32_t head, tail;
    uint64_t dropped;
    bool item_outstanding;
    bool dead;
    bool delivering;
    pthread_t deliverer;
    void (*deferred_free)(void *);
    void *deferred_arg;
    bool has_thread;
    pthread_t thread;
};

static void
events_destroy(struct api_events *ev)
{
    pthread_cond_destroy(&ev->cond);
    pthread_mutex_destroy(&ev->lock);
    ut_free(ev);
}

static void
deliver_one(lagfx_device_t *dev, const struct api_event *e)
{
    if (e->kind == API_EV_FAULT) {
        if (dev->cb.fault)
            dev->cb.fault(dev->cb.user, e->status);
        return;
    }
    pthread_mutex_lock(&dev->lock);
    lagfx_display_t *d = e->port < LAGFX_MAX_DISPLAY_PORTS ? dev->displays[e->port] : NULL;
    lagfx_display_callbacks_t cb;
    bool live = d && !d->dead;
    if (live)
        cb = d->cb;
    pthread_mutex_unlock(&dev->lock);
    if (!live)
        return;
    switch (e->kind) {
    case API_EV_MODE_CHANGED:
        if (cb.mode_changed)
            cb.mode_changed(cb.user, e->a, e->b, e->c);
        break;
    case API_EV_NEW_FRAME:
        if (cb.new_frame)
            cb.new_frame(cb.user);
        break;
    case API_EV_CURSOR_SHOW:
        if (cb.cursor_show)
            cb.cursor_show(cb.user, e->a != 0);
        break;
    case API_EV_CURSOR_MOVE:
        if (cb.cursor_move)
            cb.cursor_move(cb.user, (uint16_t)e->a, (uint16_t)e->b);
        break;
    default:
        break;
    }
}

/* Delivers everything queued; ev->lock held on entry and exit. */
static void
drain_locked(struct api_events *ev)
{
    ev->delivering = true;
    ev->deliverer = pthread_self();
    while (!ev->dead && ev->head != ev->tail) {
        struct api_event e = ev->q[ev->head % EVENT_QUEUE_CAP];
        ev->head++;
        pthread_mutex_unlock(&ev->lock);
        deliver_one(ev->dev, &e);
        api_display_reap(ev->dev);
        pthread_mutex_lock(&ev->lock);
        if (ev->deferred_free)
            break; /* the device was freed inside that callback */
    }
    ev->delivering = false;
    pthread_cond_broadcast(&ev->cond);
}

/* Drops the caller's reference and runs a device free deferred by a callback (which takes
 * the device's reference with it). Lock held on entry, released on return. */
static void
finish_locked(struct api_events *ev)
{
    void (*fn)(void *) = ev->deferred_free;
    void *arg = ev->deferred_arg;
    ev->deferred_free = NULL;
    ev->refs--;
    if (fn)
        ev->refs--;
    bool free_it = ev->refs == 0;
    pthread_mutex_unlock(&ev->lock);
    if (fn)
        fn(arg);
    if (free_it)
        events_destroy(ev);
}

static void
executor_item(void *arg)
{
    struct api_events *ev = arg;
    pthread_mutex_lock(&ev->lock);
    drain_locked(ev);
    ev->item_outstanding = false;
    finish_locked(ev);
}

static void *
event_thread_main(void *arg)
{
    struct api_events *ev = arg;
    pthread_mutex_lock(&ev->lock);
    while (!ev->dead) {
        if (ev->head == ev->tail) {
            pthread_cond_wait(&ev->cond, &ev->lock);
            continue;
        }
        drain_locked(ev);
        if (ev->deferred_free) {
            /* device_free inside a callback: the free joins this thread, so detach. */
            pthread_detach(pthread_self());
            ev->has_thread = false;
            finish_locked(ev);
            return NULL;
        }
    }
    pthread_mutex_unlock(&ev->lock);
    return NULL;
}

lagfx_status_t
api_events_new(lagfx_device_t *dev, struct api_events **out)
{
    struct api_events *ev = ut_calloc(1, sizeof(*ev));
    if (!ev)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    pthread_mutex_init(&ev->lock, NULL);
    pthread_cond_init(&ev->cond, NULL);
    ev->dev = dev;
    ev->refs = 1;
    if (!dev->cb.schedule) {
        ev->refs++;
        lagfx_status_t st =
            ut_thread_start(&ev->thread, dev->label, "event", event_thread_main, ev);
        if (st != LAGFX_OK) {
            events_destroy(ev);
            return st;
        }
        ev->has_thread = true;
    }
    *out = ev;
    return LAGFX_OK;
}

void
api_events_push(struct api_events *ev, const struct api_event *e)
{
    pthread_mutex_lock(&ev->lock);
    if (ev->dead) {
        pthread_mutex_unlock(&ev->lock);
        return;
    }
    if (ev->tail - ev->head >= EVENT_QUEUE_CAP) {
        ev->dropped++;
        pthread_mutex_unlock(&ev->lock);
        return;
    }
    ev->q[ev->tail % EVENT_QUEUE_CAP] = *e;
    ev->tail++;
    bool schedule = false;
    if (ev->dev->cb.schedule) {
        if (!ev->item_outstanding) {
            ev->item_outstanding = true;
            ev->refs++;
            schedule = true;
        }
    } else {
        pthread_cond_broadcast(&ev->cond);
    }
    pthread_mutex_unlock(&ev->lock);
    /* No lock across the callout (§7 rule 8). */
    if (schedule)
        ev->dev->cb.schedule(ev->dev->cb.user, executor_item, ev);
}

bool
api_events_in_callback(struct api_events *ev)
{
    pthread_mutex_lock(&ev->lock);
    bool in = ev->delivering && pthread_equal(ev->deliverer, pthread_self());
    pthread_mutex_unlock(&ev->lock);
    return in;
}

void
api_events_barrier(struct api_events *ev)
{
    pthread_mutex_lock(&ev->lock);
    while (ev->delivering && !pthread_equal(ev->deliverer, pthread_self()))
        pthread_cond_wait(&ev->cond, &ev->lock);
    pthread_mutex_unlock(&ev->lock);
}

bool
api_events_shutdown(struct api_events *ev, void (*free_fn)(void *), void *free_arg)
{
    pthread_mutex_lock(&ev->lock);
    if (ev->delivering && pthread_equal(ev->deliverer, pthread_self())) {
        ev->dead = true;
        ev->deferred_free = free_fn;
        ev->deferred_arg = free_arg;
        pthread_mutex_unlock(&ev->lock);
        return false;
    }
    ev->dead = true;
    pthread_cond_broadcast(&ev->cond);
    while (ev->delivering)
        pthread_cond_wait(&ev->cond, &ev->lock);
    bool join = ev->has_thread;
    pthread_mutex_unlock(&ev->lock);
    if (join)
        pthread_join(ev->thread, NULL);
    pthread_mutex_lock(&ev->lock);
    if (join)
        ev->refs--;                 /* the thread's reference */
    bool free_it = --ev->refs == 0; /* the device's */
    pthread_mutex_unlock(&ev->lock);
    if (free_it)
        events_destroy(ev);
    return true;
}
