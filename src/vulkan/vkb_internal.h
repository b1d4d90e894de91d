/* SPDX-License-Identifier: MIT */
/*
 * The Vulkan backend's private types, shared by its files and its tests: the backend struct,
 * refcounted objects behind be_handle_t, batches (one submission each), encoder state and
 * display frame slots. Nothing here is visible outside src/vulkan and tests/vulkan.
 * Threads: fields are grouped by who may touch them; "worker" is the protocol worker that
 * calls be_ops, "gpu" the completion thread, "any" takes the named lock.
 */
#ifndef LAGFX_VULKAN_VKB_INTERNAL_H
#define LAGFX_VULKAN_VKB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <vulkan/vulkan.h>

#include "air/air.h"
#include "backend.h"
#include "vulkan/vkb.h"

#define VKB_DOMAIN "vulkan"

/* A GPU wait longer than this makes the device lost (spec/api.md §7 rule 8). */
#define VKB_GPU_TIMEOUT_NS 5000000000ull
/* Frame slots per port: 2 + LAGFX_MAX_EXPORTED_FRAMES at start, grown up to this. */
#define VKB_MAX_FRAME_SLOTS 8
#define VKB_MAX_PORTS       8
#define VKB_MAX_BUFFERS     31
#define VKB_MAX_TEXTURES    128
#define VKB_MAX_SAMPLERS    16

struct vkb;

/* ---- objects ---- */

enum vkb_kind {
    VKB_KIND_BUFFER = 1,
    VKB_KIND_IMAGE, /* internal: the VkImage a texture or IOSurface shows */
    VKB_KIND_TEXTURE,
    VKB_KIND_SAMPLER,
    VKB_KIND_DSS,
    VKB_KIND_FUNCTION,
    VKB_KIND_RPIPE,
    VKB_KIND_CPIPE,
    VKB_KIND_STAGING, /* internal: a transfer buffer owned by one batch */
};

/*
 * Every handle is a pointer to one of these. refs: the creator's reference plus one per batch
 * that recorded work using it; the last unref (worker or gpu thread) destroys it.
 * used_serial: the batch serial that last took a reference (worker only).
 */
struct vkb_obj {
    uint32_t kind;
    _Atomic uint32_t refs;
    uint64_t used_serial;
    /* The live list (obj_lock): what destroy frees when protocol did not. */
    struct vkb_obj *prev, *next;
    bool listed, creator_dropped;
};

struct vkb_buffer {
    struct vkb_obj o;
    VkBuffer buf;
    VkDeviceMemory mem;
    uint8_t *map; /* host-visible, coherent */
    uint64_t length;
    /* Bytes [dirty_lo, dirty_hi) the work recorded while b->dirty_gen was dirty_gen may
     * write (be_ops.buffer_written). Worker only. */
    uint64_t dirty_gen, dirty_lo, dirty_hi;
};

struct vkb_image {
    struct vkb_obj o;
    VkImage img;
    VkDeviceMemory mem;
    VkFormat format;
    VkImageAspectFlags aspect;
    uint32_t mtl_format;
    uint32_t type; /* MTLTextureType */
    uint32_t width, height, levels, layers, samples;
    uint32_t bpp;       /* bytes per texel (0 for depth/stencil) */
    uint32_t guest_bpr; /* guest pitch of level 0 (protocol.md §13.7); 0 = default */
};

/* One cached single-subresource view for rendering (level, layer). */
struct vkb_att_view {
    uint32_t level, layer;
    VkImageView view;
};

struct vkb_texture {
    struct vkb_obj o;
    struct vkb_image *image; /* one reference */
    uint32_t mtl_format, type;
    VkFormat format;
    uint32_t base_level, level_count, base_layer, layer_count;
    VkImageView sample_view;  /* swizzled; depth aspect only for depth formats */
    VkImageView storage_view; /* identity swizzle, or VK_NULL_HANDLE */
    uint32_t natt;
    struct vkb_att_view att[8]; /* worker only */
};

struct vkb_sampler {
    struct vkb_obj o;
    VkSampler sampler;
    struct be_sampler_desc desc;
    VkSampler clamped; /* lazily, for a binding's lod clamp override; worker only */
    float clamp_min, clamp_max;
};

struct vkb_dss {
    struct vkb_obj o;
    struct be_depth_stencil_desc d;
};

struct vkb_function {
    struct vkb_obj o;
    struct air_result *air;
};

struct vkb_stage_layout {
    VkDescriptorSetLayout set_layout;
    uint32_t nbindings;
    const struct air_binding *bindings; /* the air result's */
    uint32_t pool_counts[4]; /* storage buffers, sampled images, storage images, samplers */
};

struct vkb_rpipe {
    struct vkb_obj o;
    struct vkb_function *vs, *fs; /* references */
    struct be_render_pipeline_desc desc;
    VkShaderModule vs_module, fs_module;
    struct vkb_stage_layout stage[2];
    VkPipelineLayout layout;
    VkFormat color_formats[BE_MAX_COLOR_ATTACHMENTS];
    VkFormat depth_format, stencil_format;
    /* Variants by primitive class (point, line, triangle), fill lines, depth clamp. */
    VkPipeline variant[3][2][2];
};

struct vkb_cvariant {
    uint32_t size[3];
    VkPipeline pipeline;
};

struct vkb_cpipe {
    struct vkb_obj o;
    struct vkb_function *fn; /* reference */
    uint32_t max_threads;
    VkShaderModule module;
    struct vkb_stage_layout stage;
    VkPipelineLayout layout;
    uint32_t nvariants;
    struct vkb_cvariant variants[16];
};

struct vkb_staging {
    struct vkb_obj o;
    VkBuffer buf;
    VkDeviceMemory mem;
    uint8_t *map;
    uint64_t size;
};

/* ---- batches ---- */

enum vkb_post_kind {
    VKB_POST_FRAME,      /* publish a frame slot */
    VKB_POST_REPEAT,     /* publish the port's newest frame again */
    VKB_POST_WRITE_BACK, /* write staged bytes into guest memory (be_writeback) */
};

struct vkb_post {
    uint32_t kind;
    uint32_t port, slot;
    struct vkb_staging *staging; /* WRITE_BACK: a reference; NULL when nothing was staged */
    struct be_writeback *wb;     /* WRITE_BACK: owned; released once, run or dropped */
    uint64_t off;                /* WRITE_BACK: object offset of the staging's first byte */
    size_t len;
    /* WRITE_BACK of a texture part with gaps (some slices of several levels): the staged
     * pieces {offset in the staging, length}, owned; NULL = one piece [0, len). */
    uint64_t (*pieces)[2];
    uint32_t npieces;
};

/* One submission: an upload command buffer (object creation, never discarded) and a work
 * command buffer (discarded by be_ops.discard). Worker records; gpu completes. */
struct vkb_batch {
    uint64_t serial;
    VkCommandPool pool;
    VkCommandBuffer upload, work;
    bool upload_open, work_open;
    VkFence fence;
    VkDescriptorPool *dpools;
    uint32_t ndpools, cur_dpool, cap_dpools;
    struct vkb_obj **retained;
    uint32_t nretained, cap_retained;
    struct vkb_post *posts;
    uint32_t nposts, cap_posts;
    be_done_fn done;
    void *done_arg;
    bool submitted;
    struct vkb_batch *next;
};

/* ---- displays ---- */

enum vkb_slot_state { VKB_SLOT_FREE, VKB_SLOT_PENDING, VKB_SLOT_READY };

struct vkb_frame_slot {
    uint32_t state;
    uint32_t acquired; /* frame_acquire count not yet released */
    VkBuffer buf;
    VkDeviceMemory mem;
    uint8_t *map;
    uint32_t width, height;
    uint64_t sequence, timestamp_ns;
};

struct vkb_port {
    /* Worker only: the slot the current batch last presented into. */
    int32_t batch_slot;
    uint64_t batch_serial;
    pthread_mutex_t lock; /* any thread */
    uint32_t nslots;
    struct vkb_frame_slot slot[VKB_MAX_FRAME_SLOTS];
    int32_t newest; /* slot index or -1 */
    uint64_t sequence;
    uint64_t dropped;
};

struct vkb_surface {
    uint32_t id;
    struct vkb_image *image; /* a reference; aliases share it */
};

/* ---- encoder state (worker only) ---- */

struct vkb_state {
    bool in_pass;
    struct be_render_pass pass;
    struct vkb_texture *pass_tex[BE_MAX_COLOR_ATTACHMENTS + 2];
    struct vkb_rpipe *rpipe;
    struct vkb_cpipe *cpipe;
    VkPipeline bound_pipeline;
    struct vkb_dss *dss;
    struct be_viewport viewport;
    struct be_rect scissor;
    uint32_t cull, winding, fill, clip;
    float bias[3];
    uint32_t stencil_ref[2];
    float blend[4];
    bool dyn_dirty, sets_dirty[BE_STAGE_COUNT], vb_dirty;
    uint32_t topology_set; /* primitive + 1 emitted since the dynamic state was; 0: none */
    struct be_buffer_binding buffers[BE_STAGE_COUNT][VKB_MAX_BUFFERS];
    be_handle_t textures[BE_STAGE_COUNT][VKB_MAX_TEXTURES];
    struct be_sampler_binding samplers[BE_STAGE_COUNT][VKB_MAX_SAMPLERS];
};

/* ---- the backend ---- */

struct vkb_fns {
    PFN_vkCmdBeginRendering begin_rendering;
    PFN_vkCmdEndRendering end_rendering;
    PFN_vkCmdSetCullMode set_cull_mode;
    PFN_vkCmdSetFrontFace set_front_face;
    PFN_vkCmdSetPrimitiveTopology set_primitive_topology;
    PFN_vkCmdSetDepthTestEnable set_depth_test_enable;
    PFN_vkCmdSetDepthWriteEnable set_depth_write_enable;
    PFN_vkCmdSetDepthCompareOp set_depth_compare_op;
    PFN_vkCmdSetStencilTestEnable set_stencil_test_enable;
    PFN_vkCmdSetStencilOp set_stencil_op;
    PFN_vkCmdSetDepthBiasEnable set_depth_bias_enable;
    PFN_vkCmdSetDepthBoundsTestEnable set_depth_bounds_test_enable;
    PFN_vkCreateDebugUtilsMessengerEXT create_messenger;
    PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger;
};

struct vkb {
    struct be base;
    /* Set at creation, read-only after: any thread. */
    struct vkb_config cfg;
    char label[32];
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkDevice dev;
    VkQueue queue;
    uint32_t queue_family;
    VkPhysicalDeviceProperties props;
    VkPhysicalDeviceMemoryProperties mem_props;
    struct vkb_fns fn;
    bool fill_mode_non_solid, depth_clamp, dual_src;
    bool int8, storage8, storage16, demote; /* enabled 1.2/1.3 features shaders may need */
    VkPipelineCache pcache;
    /* Dummies for unbound slots (created at start). */
    struct vkb_buffer *dummy_buffer;
    struct vkb_image *dummy_image;
    VkImageView dummy_view_2d, dummy_view_2d_array;
    VkSampler dummy_sampler;

    /* Counters: any thread. */
    _Atomic uint64_t validation_messages;
    _Atomic int64_t live_objects; /* Vulkan objects we created and not yet destroyed */
    _Atomic bool lost;
    atomic_bool lost_reported;

    /* Objects protocol holds handles to (obj_lock). */
    pthread_mutex_t obj_lock;
    struct vkb_obj *objects;

    /* Worker only. */
    struct vkb_batch *cur;
    uint64_t next_serial;
    uint64_t dirty_gen; /* bumped by flush and discard: buffer dirty ranges older are void */
    struct vkb_state st;
    struct vkb_surface *surfaces;
    uint32_t nsurfaces, cap_surfaces;

    /* Queue lock: pending batches (FIFO), free batches; the gpu thread waits on cond. */
    pthread_mutex_t qlock;
    pthread_cond_t qcond, idle_cond;
    struct vkb_batch *pending_head, *pending_tail;
    struct vkb_batch *free_batches;
    uint32_t in_flight; /* pending or being completed */
    bool quit;
    pthread_t gpu_thread;
    bool gpu_thread_started;

    /* Submission: the worker submits, destroy waits; queue_lock guards vkQueueSubmit. */
    pthread_mutex_t submit_lock;

    struct vkb_port ports[VKB_MAX_PORTS];
};

static inline struct vkb *
vkb_from(struct be *be)
{
    return (struct vkb *)be;
}

/* Returns the object of that kind behind a handle, or NULL. */
static inline void *
vkb_cast(be_handle_t h, uint32_t kind)
{
    struct vkb_obj *o = (struct vkb_obj *)(uintptr_t)h;
    return o && o->kind == kind ? o : NULL;
}

/* device.c */
lagfx_status_t vkb_check(struct vkb *b, VkResult r, const char *what);
void vkb_set_lost(struct vkb *b);
int32_t vkb_memory_type(struct vkb *b,
                        uint32_t bits,
                        VkMemoryPropertyFlags want,
                        VkMemoryPropertyFlags prefer);
lagfx_status_t vkb_buffer_alloc(struct vkb *b,
                                uint64_t size,
                                VkBufferUsageFlags usage,
                                bool cached,
                                VkBuffer *buf,
                                VkDeviceMemory *mem,
                                uint8_t **map);
void vkb_buffer_free(struct vkb *b, VkBuffer buf, VkDeviceMemory mem);

/* submit.c: the current batch (created on demand) and its command buffers. */
struct vkb_batch *vkb_batch_cur(struct vkb *b);
VkCommandBuffer vkb_work_cb(struct vkb *b);
VkCommandBuffer vkb_upload_cb(struct vkb *b);
void vkb_retain(struct vkb *b, void *obj);
lagfx_status_t vkb_post_add(struct vkb *b, const struct vkb_post *p);
VkDescriptorSet vkb_alloc_set(struct vkb *b, const struct vkb_stage_layout *l);
void vkb_full_barrier(VkCommandBuffer cb);
/* Ends an open render pass, then returns the work command buffer after a full barrier
 * (NULL on failure): the start of every blit, dispatch prologue and copy. */
VkCommandBuffer vkb_op_begin(struct vkb *b);
lagfx_status_t vkb_queue_start(struct vkb *b);
void vkb_queue_stop(struct vkb *b);
void vkb_flush(struct be *be, be_done_fn done, void *arg);
void vkb_discard(struct be *be);
void vkb_wait_idle(struct vkb *b);

/* objects.c */
void vkb_obj_init(struct vkb_obj *o, uint32_t kind);
void vkb_obj_ref(struct vkb_obj *o);
/* Returns the handle of a newly created object after listing it for teardown. */
be_handle_t vkb_obj_publish(struct vkb *b, struct vkb_obj *o);
/* Drops the creator references protocol never dropped (teardown, after the GPU is idle). */
void vkb_objects_release_all(struct vkb *b);
void vkb_obj_unref(struct vkb *b, struct vkb_obj *o);
void vkb_object_destroy(struct be *be, be_handle_t h);
lagfx_status_t vkb_staging_new(struct vkb *b, uint64_t size, struct vkb_staging **out);

/* formats.c */
struct vkb_format {
    uint32_t mtl;
    VkFormat vk, vk_alt; /* alt: fallback for depth/stencil */
    uint8_t bpp;
    bool depth, stencil;
};
const struct vkb_format *vkb_format_lookup(uint32_t mtl);
VkFormat vkb_format_pick(struct vkb *b, uint32_t mtl, VkFormatFeatureFlags need);
VkFormat vkb_vertex_format(uint32_t mtl);
VkCompareOp vkb_compare_op(uint32_t mtl);
VkStencilOp vkb_stencil_op(uint32_t mtl);
VkBlendFactor vkb_blend_factor(uint32_t mtl);
VkBlendOp vkb_blend_op(uint32_t mtl);
VkComponentSwizzle vkb_swizzle(uint8_t mtl, VkComponentSwizzle identity);
VkSamplerAddressMode vkb_address_mode(uint32_t mtl);
VkImageAspectFlags vkb_aspect(VkFormat f);

/* resource.c */
lagfx_status_t vkb_buffer_create(struct be *be, const struct be_buffer_desc *d, be_handle_t *out);
lagfx_status_t vkb_texture_create(struct be *be, const struct be_texture_desc *d, be_handle_t *out);
lagfx_status_t
vkb_texture_view_create(struct be *be, const struct be_texture_view_desc *d, be_handle_t *out);
lagfx_status_t vkb_sampler_create(struct be *be, const struct be_sampler_desc *d, be_handle_t *out);
lagfx_status_t
vkb_depth_stencil_create(struct be *be, const struct be_depth_stencil_desc *d, be_handle_t *out);
void vkb_refresh(struct be *be, be_handle_t h, const struct be_backing *backing);
void vkb_write_back(struct be *be,
                    be_handle_t h,
                    bool whole,
                    uint32_t slice,
                    uint32_t level,
                    struct be_writeback *wb);
bool vkb_buffer_written(struct be *be, be_handle_t h, uint64_t *off, uint64_t *len);
/* Notes that recorded work writes buffer bytes [off, off + len) (blits, writable bindings). */
void vkb_buffer_mark_written(struct vkb *b, struct vkb_buffer *buf, uint64_t off, uint64_t len);
lagfx_status_t vkb_image_new(struct vkb *b,
                             uint32_t type,
                             uint32_t mtl_format,
                             uint32_t width,
                             uint32_t height,
                             uint32_t levels,
                             uint32_t layers,
                             uint32_t samples,
                             bool mutable_format,
                             struct vkb_image **out);
lagfx_status_t vkb_texture_wrap(struct vkb *b,
                                struct vkb_image *img,
                                uint32_t type,
                                uint32_t mtl_format,
                                uint32_t base_level,
                                uint32_t level_count,
                                uint32_t base_layer,
                                uint32_t layer_count,
                                const uint8_t sw[4],
                                struct vkb_texture **out);
VkImageView
vkb_texture_att_view(struct vkb *b, struct vkb_texture *t, uint32_t level, uint32_t layer);
void vkb_destroy_texture(struct vkb *b, struct vkb_texture *t);
void vkb_destroy_image(struct vkb *b, struct vkb_image *img);
void vkb_destroy_buffer(struct vkb *b, struct vkb_buffer *buf);
uint32_t vkb_linear_pitch(const struct vkb_image *img, uint32_t level);
lagfx_status_t vkb_dummies_init(struct vkb *b);
void vkb_dummies_finish(struct vkb *b);

/* pipeline.c */
lagfx_status_t
vkb_function_create(struct be *be, const struct be_function_desc *d, be_handle_t *out);
lagfx_status_t vkb_render_pipeline_create(struct be *be,
                                          const struct be_render_pipeline_desc *d,
                                          be_handle_t *out);
lagfx_status_t vkb_compute_pipeline_create(struct be *be,
                                           const struct be_compute_pipeline_desc *d,
                                           be_handle_t *out);
void vkb_destroy_function(struct vkb *b, struct vkb_function *f);
void vkb_destroy_rpipe(struct vkb *b, struct vkb_rpipe *p);
void vkb_destroy_cpipe(struct vkb *b, struct vkb_cpipe *p);
VkPipeline
vkb_rpipe_variant(struct vkb *b, struct vkb_rpipe *p, uint32_t prim_class, bool lines, bool clamp);
VkPipeline vkb_cpipe_variant(struct vkb *b, struct vkb_cpipe *p, const uint32_t size[3]);

/* render.c: encoder state, passes, draws, dispatches. */
void vkb_render_ops(struct be_ops *ops);
void vkb_state_reset(struct vkb *b);
void vkb_end_pass_if_open(struct vkb *b);

/* blit.c */
void vkb_blit_ops(struct be_ops *ops);

/* display.c */
void vkb_display_ops(struct be_ops *ops);
lagfx_status_t vkb_ports_init(struct vkb *b);
void vkb_ports_finish(struct vkb *b);
void vkb_surfaces_finish(struct vkb *b);
struct vkb_image *vkb_surface_image(struct vkb *b, uint32_t id);
void vkb_post_complete(struct vkb *b, struct vkb_post *p);
/* Drops a write-back post without running it (releases its target and staging). */
void vkb_post_release(struct vkb *b, struct vkb_post *p);

/* Test hooks (tests/vulkan): counters. */
uint64_t vkb_validation_messages(struct be *be);
uint64_t vkb_validation_messages_total(void); /* all backends, ever (leak reports included) */
int64_t vkb_live_objects(struct be *be);
const char *vkb_device_name(struct be *be);

#endif /* LAGFX_VULKAN_VKB_INTERNAL_H */
