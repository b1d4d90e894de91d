/* SPDX-License-Identifier: MIT */
/*
 * The submission model: the worker records into the current batch (an upload command buffer
 * for object creation, which discard keeps, and a work command buffer, which discard drops);
 * flush submits both with one fence and queues the batch; the completion thread
 * ("lagfx-<label>-gpu") waits for fences in submission order (over 5 s: device lost), runs the
 * batch's posts (frames, write-backs), drops its object references and calls done. Batches are
 * recycled through a free list. Worker: recording, flush, discard; gpu thread: completion.
 */
#include <string.h>

#include "util/alloc.h"
#include "util/log.h"
#include "util/thread.h"
#include "vulkan/vkb_internal.h"

#define LOGDEV(b) ((b)->cfg.log_dev)

static void
batch_free(struct vkb *b, struct vkb_batch *bt)
{
    for (uint32_t i = 0; i < bt->ndpools; i++) {
        vkDestroyDescriptorPool(b->dev, bt->dpools[i], NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
    if (bt->fence) {
        vkDestroyFence(b->dev, bt->fence, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
    if (bt->pool) {
        vkDestroyCommandPool(b->dev, bt->pool, NULL); /* frees both command buffers */
        atomic_fetch_sub(&b->live_objects, 3);
    }
    ut_free(bt->dpools);
    ut_free(bt->retained);
    ut_free(bt->posts);
    ut_free(bt);
}

static lagfx_status_t
batch_new(struct vkb *b, struct vkb_batch **out)
{
    struct vkb_batch *bt = ut_calloc(1, sizeof(*bt));
    if (!bt)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    VkCommandPoolCreateInfo pi = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                   .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                   .queueFamilyIndex = b->queue_family };
    lagfx_status_t st =
        vkb_check(b, vkCreateCommandPool(b->dev, &pi, NULL, &bt->pool), "vkCreateCommandPool");
    if (st != LAGFX_OK)
        goto err;
    VkCommandBuffer cbs[2];
    VkCommandBufferAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                       .commandPool = bt->pool,
                                       .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                       .commandBufferCount = 2 };
    st = vkb_check(b, vkAllocateCommandBuffers(b->dev, &ai, cbs), "vkAllocateCommandBuffers");
    if (st != LAGFX_OK) {
        vkDestroyCommandPool(b->dev, bt->pool, NULL);
        bt->pool = VK_NULL_HANDLE;
        goto err;
    }
    atomic_fetch_add(&b->live_objects, 3);
    bt->upload = cbs[0];
    bt->work = cbs[1];
    VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
    st = vkb_check(b, vkCreateFence(b->dev, &fi, NULL, &bt->fence), "vkCreateFence");
    if (st != LAGFX_OK)
        goto err;
    atomic_fetch_add(&b->live_objects, 1);
    *out = bt;
    return LAGFX_OK;

err:
    batch_free(b, bt);
    return st;
}

struct vkb_batch *
vkb_batch_cur(struct vkb *b)
{
    if (b->cur)
        return b->cur;
    pthread_mutex_lock(&b->qlock);
    struct vkb_batch *bt = b->free_batches;
    if (bt)
        b->free_batches = bt->next;
    pthread_mutex_unlock(&b->qlock);
    if (!bt && batch_new(b, &bt) != LAGFX_OK)
        return NULL;
    bt->next = NULL;
    bt->serial = b->next_serial++;
    b->cur = bt;
    return bt;
}

static VkCommandBuffer
open_cb(struct vkb *b, VkCommandBuffer cb, bool *open)
{
    if (*open)
        return cb;
    VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
    if (vkb_check(b, vkBeginCommandBuffer(cb, &bi), "vkBeginCommandBuffer") != LAGFX_OK)
        return VK_NULL_HANDLE;
    *open = true;
    return cb;
}

VkCommandBuffer
vkb_work_cb(struct vkb *b)
{
    struct vkb_batch *bt = vkb_batch_cur(b);
    return bt ? open_cb(b, bt->work, &bt->work_open) : VK_NULL_HANDLE;
}

VkCommandBuffer
vkb_upload_cb(struct vkb *b)
{
    struct vkb_batch *bt = vkb_batch_cur(b);
    return bt ? open_cb(b, bt->upload, &bt->upload_open) : VK_NULL_HANDLE;
}

void
vkb_retain(struct vkb *b, void *p)
{
    struct vkb_obj *o = p;
    struct vkb_batch *bt = vkb_batch_cur(b);
    if (!o || !bt || o->used_serial == bt->serial)
        return;
    if (bt->nretained == bt->cap_retained) {
        uint32_t cap = bt->cap_retained ? bt->cap_retained * 2 : 64;
        struct vkb_obj **n = ut_realloc_array(bt->retained, cap, sizeof(*n));
        if (!n) {
            /* Without a reference the object could be destroyed while the GPU uses it: wait
             * for the GPU instead (rare; only under memory exhaustion). */
            UT_ERROR(LOGDEV(b), VKB_DOMAIN, "out of memory retaining an object; stalling");
            vkb_wait_idle(b);
            return;
        }
        bt->retained = n;
        bt->cap_retained = cap;
    }
    vkb_obj_ref(o);
    o->used_serial = bt->serial;
    bt->retained[bt->nretained++] = o;
}

lagfx_status_t
vkb_post_add(struct vkb *b, const struct vkb_post *p)
{
    struct vkb_batch *bt = vkb_batch_cur(b);
    if (!bt)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    if (bt->nposts == bt->cap_posts) {
        uint32_t cap = bt->cap_posts ? bt->cap_posts * 2 : 8;
        struct vkb_post *n = ut_realloc_array(bt->posts, cap, sizeof(*n));
        if (!n)
            return LAGFX_ERROR_OUT_OF_MEMORY;
        bt->posts = n;
        bt->cap_posts = cap;
    }
    bt->posts[bt->nposts++] = *p;
    return LAGFX_OK;
}

static lagfx_status_t
dpool_new(struct vkb *b, VkDescriptorPool *out)
{
    VkDescriptorPoolSize sizes[] = {
        { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 2048 },
        { VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE, 1024 },
        { VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, 256 },
        { VK_DESCRIPTOR_TYPE_SAMPLER, 512 },
    };
    VkDescriptorPoolCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                      .maxSets = 512,
                                      .poolSizeCount = 4,
                                      .pPoolSizes = sizes };
    lagfx_status_t st =
        vkb_check(b, vkCreateDescriptorPool(b->dev, &ci, NULL, out), "vkCreateDescriptorPool");
    if (st == LAGFX_OK)
        atomic_fetch_add(&b->live_objects, 1);
    return st;
}

VkDescriptorSet
vkb_alloc_set(struct vkb *b, const struct vkb_stage_layout *l)
{
    struct vkb_batch *bt = vkb_batch_cur(b);
    if (!bt)
        return VK_NULL_HANDLE;
    for (;;) {
        if (bt->cur_dpool < bt->ndpools) {
            VkDescriptorSetAllocateInfo ai = {
                .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                .descriptorPool = bt->dpools[bt->cur_dpool],
                .descriptorSetCount = 1,
                .pSetLayouts = &l->set_layout,
            };
            VkDescriptorSet set;
            VkResult r = vkAllocateDescriptorSets(b->dev, &ai, &set);
            if (r == VK_SUCCESS)
                return set;
            if (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL) {
                vkb_check(b, r, "vkAllocateDescriptorSets");
                return VK_NULL_HANDLE;
            }
            bt->cur_dpool++;
            continue;
        }
        if (bt->ndpools == bt->cap_dpools) {
            uint32_t cap = bt->cap_dpools ? bt->cap_dpools * 2 : 2;
            VkDescriptorPool *n = ut_realloc_array(bt->dpools, cap, sizeof(*n));
            if (!n)
                return VK_NULL_HANDLE;
            bt->dpools = n;
            bt->cap_dpools = cap;
        }
        if (dpool_new(b, &bt->dpools[bt->ndpools]) != LAGFX_OK)
            return VK_NULL_HANDLE;
        bt->ndpools++;
    }
}

void
vkb_full_barrier(VkCommandBuffer cb)
{
    /* Metal orders encoders on one queue with hazard tracking; one queue-wide memory barrier
     * between host encoders is the simple equivalent (all images stay in GENERAL layout). */
    VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                           .srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT,
                           .dstAccessMask =
                               VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT };
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                         0, 1, &mb, 0, NULL, 0, NULL);
}

VkCommandBuffer
vkb_op_begin(struct vkb *b)
{
    vkb_end_pass_if_open(b);
    VkCommandBuffer cb = vkb_work_cb(b);
    if (cb)
        vkb_full_barrier(cb);
    return cb;
}

/* Drops the posts of a batch that will not run (discard, device lost, failed submit). */
static void
posts_drop(struct vkb *b, struct vkb_batch *bt)
{
    for (uint32_t i = 0; i < bt->nposts; i++) {
        struct vkb_post *p = &bt->posts[i];
        if (p->kind == VKB_POST_FRAME) {
            struct vkb_port *port = &b->ports[p->port];
            pthread_mutex_lock(&port->lock);
            port->slot[p->slot].state = VKB_SLOT_FREE;
            pthread_mutex_unlock(&port->lock);
        } else if (p->kind == VKB_POST_WRITE_BACK) {
            vkb_post_release(b, p);
        }
    }
    bt->nposts = 0;
}

static void
batch_recycle(struct vkb *b, struct vkb_batch *bt)
{
    for (uint32_t i = 0; i < bt->nretained; i++)
        vkb_obj_unref(b, bt->retained[i]);
    bt->nretained = 0;
    for (uint32_t i = 0; i < bt->ndpools; i++)
        vkResetDescriptorPool(b->dev, bt->dpools[i], 0);
    bt->cur_dpool = 0;
    if (bt->submitted)
        vkResetFences(b->dev, 1, &bt->fence);
    vkResetCommandPool(b->dev, bt->pool, 0);
    bt->upload_open = bt->work_open = false;
    bt->submitted = false;
    bt->done = NULL;
    bt->done_arg = NULL;
}

static void *
gpu_main(void *arg)
{
    struct vkb *b = arg;
    pthread_mutex_lock(&b->qlock);
    for (;;) {
        while (!b->pending_head && !b->quit)
            pthread_cond_wait(&b->qcond, &b->qlock);
        struct vkb_batch *bt = b->pending_head;
        if (!bt)
            break; /* quit with nothing pending */
        b->pending_head = bt->next;
        if (!b->pending_head)
            b->pending_tail = NULL;
        pthread_mutex_unlock(&b->qlock);

        bool ok = !atomic_load(&b->lost);
        if (bt->submitted) {
            VkResult r = vkWaitForFences(b->dev, 1, &bt->fence, VK_TRUE, VKB_GPU_TIMEOUT_NS);
            if (r != VK_SUCCESS) {
                UT_ERROR(LOGDEV(b), VKB_DOMAIN, "dev=%s batch %llu: fence wait VkResult %d",
                         b->label, (unsigned long long)bt->serial, (int)r);
                vkb_set_lost(b);
                ok = false;
            }
        }
        if (ok) {
            for (uint32_t i = 0; i < bt->nposts; i++)
                vkb_post_complete(b, &bt->posts[i]);
            bt->nposts = 0;
        } else {
            posts_drop(b, bt);
        }
        be_done_fn done = bt->done;
        void *done_arg = bt->done_arg;
        batch_recycle(b, bt);
        /* Back on the free list before done, so the caller's next batch reuses it. */
        pthread_mutex_lock(&b->qlock);
        bt->next = b->free_batches;
        b->free_batches = bt;
        pthread_mutex_unlock(&b->qlock);
        if (done)
            done(done_arg);

        pthread_mutex_lock(&b->qlock);
        b->in_flight--;
        pthread_cond_broadcast(&b->idle_cond);
    }
    pthread_mutex_unlock(&b->qlock);
    return NULL;
}

lagfx_status_t
vkb_queue_start(struct vkb *b)
{
    lagfx_status_t st = ut_thread_start(&b->gpu_thread, b->label, "gpu", gpu_main, b);
    if (st == LAGFX_OK)
        b->gpu_thread_started = true;
    return st;
}

void
vkb_wait_idle(struct vkb *b)
{
    pthread_mutex_lock(&b->qlock);
    while (b->in_flight)
        pthread_cond_wait(&b->idle_cond, &b->qlock);
    pthread_mutex_unlock(&b->qlock);
}

void
vkb_discard(struct be *be)
{
    struct vkb *b = vkb_from(be);
    struct vkb_batch *bt = b->cur;
    vkb_state_reset(b);
    b->dirty_gen++; /* the dropped work writes nothing */
    if (!bt)
        return;
    if (bt->work_open) {
        vkEndCommandBuffer(bt->work);
        vkResetCommandBuffer(bt->work, 0);
        bt->work_open = false;
    }
    posts_drop(b, bt);
}

void
vkb_flush(struct be *be, be_done_fn done, void *arg)
{
    struct vkb *b = vkb_from(be);
    vkb_end_pass_if_open(b);
    b->dirty_gen++; /* buffer_written covers the work since this flush */
    struct vkb_batch *bt = vkb_batch_cur(b);
    if (!bt) {
        /* Out of memory for even an empty batch: finish in order by waiting. */
        vkb_wait_idle(b);
        if (done)
            done(arg);
        return;
    }
    b->cur = NULL;
    bt->done = done;
    bt->done_arg = arg;
    VkCommandBuffer cbs[2];
    uint32_t n = 0;
    bool ok = true;
    if (bt->upload_open) {
        ok &= vkb_check(b, vkEndCommandBuffer(bt->upload), "vkEndCommandBuffer") == LAGFX_OK;
        cbs[n++] = bt->upload;
    }
    if (bt->work_open) {
        /* A fence wait alone does not make device writes visible to the host (Vulkan spec,
         * "Fences"): frame slots and write-backs are read by the CPU after it. */
        VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                               .srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT,
                               .dstAccessMask = VK_ACCESS_HOST_READ_BIT };
        vkCmdPipelineBarrier(bt->work, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                             VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
        ok &= vkb_check(b, vkEndCommandBuffer(bt->work), "vkEndCommandBuffer") == LAGFX_OK;
        cbs[n++] = bt->work;
    }
    if (atomic_load(&b->lost))
        ok = false;
    if (ok && (n || bt->nposts)) {
        VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                            .commandBufferCount = n,
                            .pCommandBuffers = cbs };
        pthread_mutex_lock(&b->submit_lock);
        VkResult r = vkQueueSubmit(b->queue, 1, &si, bt->fence);
        pthread_mutex_unlock(&b->submit_lock);
        bt->submitted = vkb_check(b, r, "vkQueueSubmit") == LAGFX_OK;
        ok = bt->submitted;
    }
    if (!ok)
        posts_drop(b, bt);
    pthread_mutex_lock(&b->qlock);
    b->in_flight++;
    if (b->pending_tail)
        b->pending_tail->next = bt;
    else
        b->pending_head = bt;
    b->pending_tail = bt;
    bt->next = NULL;
    pthread_cond_signal(&b->qcond);
    pthread_mutex_unlock(&b->qlock);
}

void
vkb_queue_stop(struct vkb *b)
{
    if (b->cur) {
        vkb_discard(&b->base);
        vkb_flush(&b->base, NULL, NULL); /* completes uploads and drops references in order */
    }
    if (b->gpu_thread_started) {
        vkb_wait_idle(b);
        pthread_mutex_lock(&b->qlock);
        b->quit = true;
        pthread_cond_broadcast(&b->qcond);
        pthread_mutex_unlock(&b->qlock);
        pthread_join(b->gpu_thread, NULL);
        b->gpu_thread_started = false;
    } else {
        /* Creation failed before the thread started: complete what was queued here. */
        b->quit = true;
        gpu_main(b);
    }
    vkDeviceWaitIdle(b->dev);
    while (b->free_batches) {
        struct vkb_batch *bt = b->free_batches;
        b->free_batches = bt->next;
        batch_free(b, bt);
    }
}
