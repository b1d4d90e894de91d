/* SPDX-License-Identifier: MIT */
/*
 * Reference counting of backend objects: protocol's handle holds one reference, each batch
 * that recorded work with the object another (taken by vkb_retain), so object_destroy during
 * in-flight work defers the Vulkan destruction to the completion thread. Also the staging
 * buffers batches own. Worker and gpu threads; the count is atomic, the rest is owned by
 * whoever drops the last reference.
 */
#include "util/alloc.h"
#include "util/log.h"
#include "vulkan/vkb_internal.h"

void
vkb_obj_init(struct vkb_obj *o, uint32_t kind)
{
    o->kind = kind;
    atomic_init(&o->refs, 1);
    o->used_serial = 0;
}

void
vkb_obj_ref(struct vkb_obj *o)
{
    atomic_fetch_add_explicit(&o->refs, 1, memory_order_relaxed);
}

be_handle_t
vkb_obj_publish(struct vkb *b, struct vkb_obj *o)
{
    pthread_mutex_lock(&b->obj_lock);
    o->prev = NULL;
    o->next = b->objects;
    if (b->objects)
        b->objects->prev = o;
    b->objects = o;
    o->listed = true;
    pthread_mutex_unlock(&b->obj_lock);
    return (be_handle_t)(uintptr_t)o;
}

static void
unlist(struct vkb *b, struct vkb_obj *o)
{
    pthread_mutex_lock(&b->obj_lock);
    if (o->listed) {
        if (o->prev)
            o->prev->next = o->next;
        else
            b->objects = o->next;
        if (o->next)
            o->next->prev = o->prev;
        o->listed = false;
    }
    pthread_mutex_unlock(&b->obj_lock);
}

void
vkb_objects_release_all(struct vkb *b)
{
    for (;;) {
        pthread_mutex_lock(&b->obj_lock);
        struct vkb_obj *o = b->objects;
        while (o && o->creator_dropped)
            o = o->next;
        if (o)
            o->creator_dropped = true;
        pthread_mutex_unlock(&b->obj_lock);
        if (!o)
            return;
        vkb_obj_unref(b, o);
    }
}

static void
staging_destroy(struct vkb *b, struct vkb_staging *s)
{
    vkb_buffer_free(b, s->buf, s->mem);
    ut_free(s);
}

void
vkb_obj_unref(struct vkb *b, struct vkb_obj *o)
{
    if (!o)
        return;
    /* acq_rel: the destroying thread sees every write made under the other references. */
    if (atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (o->listed)
        unlist(b, o);
    switch (o->kind) {
    case VKB_KIND_BUFFER:
        vkb_destroy_buffer(b, (struct vkb_buffer *)o);
        break;
    case VKB_KIND_IMAGE:
        vkb_destroy_image(b, (struct vkb_image *)o);
        break;
    case VKB_KIND_TEXTURE:
        vkb_destroy_texture(b, (struct vkb_texture *)o);
        break;
    case VKB_KIND_SAMPLER: {
        struct vkb_sampler *s = (struct vkb_sampler *)o;
        vkDestroySampler(b->dev, s->sampler, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
        if (s->clamped) {
            vkDestroySampler(b->dev, s->clamped, NULL);
            atomic_fetch_sub(&b->live_objects, 1);
        }
        ut_free(s);
        break;
    }
    case VKB_KIND_DSS:
        ut_free(o);
        break;
    case VKB_KIND_FUNCTION:
        vkb_destroy_function(b, (struct vkb_function *)o);
        break;
    case VKB_KIND_RPIPE:
        vkb_destroy_rpipe(b, (struct vkb_rpipe *)o);
        break;
    case VKB_KIND_CPIPE:
        vkb_destroy_cpipe(b, (struct vkb_cpipe *)o);
        break;
    case VKB_KIND_STAGING:
        staging_destroy(b, (struct vkb_staging *)o);
        break;
    default:
        break;
    }
}

void
vkb_object_destroy(struct be *be, be_handle_t h)
{
    struct vkb_obj *o = (struct vkb_obj *)(uintptr_t)h;
    if (!o || o->kind < VKB_KIND_BUFFER || o->kind > VKB_KIND_CPIPE || o->kind == VKB_KIND_IMAGE)
        return;
    struct vkb *b = vkb_from(be);
    if (o->kind == VKB_KIND_RPIPE && b->st.rpipe == (struct vkb_rpipe *)o) {
        b->st.rpipe = NULL;
        b->st.bound_pipeline = VK_NULL_HANDLE;
    }
    if (o->kind == VKB_KIND_CPIPE && b->st.cpipe == (struct vkb_cpipe *)o)
        b->st.cpipe = NULL;
    if (o->kind == VKB_KIND_DSS && b->st.dss == (struct vkb_dss *)o)
        b->st.dss = NULL;
    /* Bindings hold handles without references: forget this one so a later draw cannot
     * reach a destroyed object. */
    for (int s = 0; s < BE_STAGE_COUNT; s++) {
        for (int i = 0; i < VKB_MAX_BUFFERS; i++)
            if (b->st.buffers[s][i].buffer == h)
                b->st.buffers[s][i].buffer = BE_NULL_HANDLE;
        for (int i = 0; i < VKB_MAX_TEXTURES; i++)
            if (b->st.textures[s][i] == h)
                b->st.textures[s][i] = BE_NULL_HANDLE;
        for (int i = 0; i < VKB_MAX_SAMPLERS; i++)
            if (b->st.samplers[s][i].sampler == h)
                b->st.samplers[s][i].sampler = BE_NULL_HANDLE;
    }
    pthread_mutex_lock(&b->obj_lock);
    bool dropped = o->creator_dropped;
    o->creator_dropped = true;
    pthread_mutex_unlock(&b->obj_lock);
    if (!dropped)
        vkb_obj_unref(b, o);
}

lagfx_status_t
vkb_staging_new(struct vkb *b, uint64_t size, struct vkb_staging **out)
{
    struct vkb_staging *s = ut_calloc(1, sizeof(*s));
    if (!s)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    vkb_obj_init(&s->o, VKB_KIND_STAGING);
    lagfx_status_t st = vkb_buffer_alloc(
        b, size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, true, &s->buf,
        &s->mem, &s->map);
    if (st != LAGFX_OK) {
        ut_free(s);
        return st;
    }
    s->size = size;
    *out = s;
    return LAGFX_OK;
}
