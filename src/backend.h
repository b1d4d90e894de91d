/* SPDX-License-Identifier: MIT */
/*
 * The backend ops interface (STYLE §8): protocol calls it with decoded, validated host values
 * (never wire bytes, guest addresses or Vulkan types); the null, recording and Vulkan backends
 * implement it. Every member is mandatory; be_init() rejects a NULL one. Only creation can
 * fail. A stamp completes only after `flush`'s done callback ran. Enum-typed fields carry the
 * public Metal values of protocol.md §13.14-§13.16, already range-checked by protocol (a
 * backend may index its tables with them); handles are those the backend returned.
 * Threads: called by protocol workers (one at a time per backend); done may run on any thread.
 */
#ifndef LAGFX_BACKEND_H
#define LAGFX_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libapplegfx-vulkan.h>

struct be;

typedef void (*be_done_fn)(void *arg);

/* A backend object; 0 = none. Chosen by the backend, opaque to protocol. */
typedef uint64_t be_handle_t;
#define BE_NULL_HANDLE ((be_handle_t)0)

enum be_stage { BE_STAGE_VERTEX = 0, BE_STAGE_FRAGMENT = 1, BE_STAGE_COMPUTE = 2, BE_STAGE_COUNT };

/*
 * The bytes behind a buffer or texture, as protocol reaches them (placement entries through
 * the task's translation, protocol.md §13.5). Valid only during the call that passes it.
 * read: object bytes [off, off + len); pages that do not translate read as zeros (false then).
 */
struct be_backing {
    bool (*read)(const struct be_backing *b, uint64_t off, void *dst, size_t len);
    void *user;
    uint64_t length; /* bytes the placement covers */
};

/*
 * Where a write-back lands (protocol.md §10.2, §13.7): object bytes [offset, offset + length)
 * mapped onto guest memory, resolved by protocol when it asks for the write-back (so the
 * backend never sees task tables or guest addresses). Created by protocol on the heap and
 * handed over with write_back: from then the backend owns it, calls write from any thread
 * (its completion thread) after the GPU work and before the flush's done, then release
 * exactly once; also when the work is discarded, the device is lost or the backend destroyed
 * (release without any write).
 * write: object bytes [off, off + len), which must lie inside [offset, offset + length);
 * pages that did not translate are skipped and never written (false then, DR3).
 */
struct be_writeback {
    bool (*write)(struct be_writeback *wb, uint64_t off, const void *src, size_t len);
    void (*release)(struct be_writeback *wb);
    uint64_t offset; /* first object byte it covers */
    uint64_t length; /* bytes it covers */
};

struct be_buffer_desc {
    uint64_t length; /* ≤ 1 GiB */
    const struct be_backing *backing;
};

struct be_texture_desc {
    uint32_t texture_type; /* MTLTextureType: 0, 2, 3 or 4 in v1 */
    uint32_t pixel_format; /* MTLPixelFormat, a row of protocol.md §13.15 */
    uint32_t width, height, depth;
    uint32_t levels, layers, samples;
    uint32_t usage;                   /* MTLTextureUsage bits */
    uint32_t storage;                 /* MTLStorageMode */
    uint32_t bytes_per_row;           /* guest pitch of level 0 (0 = default) */
    uint32_t iosurface_id;            /* 0 = own image; else a view of that surface (§13.7) */
    uint8_t swizzle[4];               /* MTLTextureSwizzle r, g, b, a; all 0 = identity */
    bool has_guest_image;             /* the linear layout of §13.7 fits in the placement */
    uint64_t linear_size;             /* bytes of the guest image (0 without one) */
    const struct be_backing *backing; /* NULL without a guest image */
};

struct be_texture_view_desc {
    be_handle_t parent;
    uint32_t pixel_format;            /* resolved (parent's when the descriptor said 0) */
    uint32_t texture_type;            /* resolved */
    uint32_t base_level, level_count; /* resolved: count ≥ 1 */
    uint32_t base_slice, slice_count;
    uint8_t swizzle[4];
};

struct be_sampler_desc {
    uint8_t min_filter, mag_filter, mip_filter; /* MTLSamplerMinMagFilter / MipFilter */
    bool normalized;
    uint8_t address[3];   /* s, t, r: MTLSamplerAddressMode */
    uint8_t border_color; /* MTLSamplerBorderColor */
    uint8_t compare;      /* MTLCompareFunction */
    bool lod_average;
    uint16_t max_anisotropy; /* 1-16 */
    float lod_min, lod_max;
};

struct be_stencil_face {
    bool enabled;
    uint8_t compare;                         /* MTLCompareFunction */
    uint8_t fail_op, depth_fail_op, pass_op; /* MTLStencilOperation */
    uint8_t read_mask, write_mask;
};

struct be_depth_stencil_desc {
    uint8_t depth_compare; /* Always = test off */
    bool depth_write;
    struct be_stencil_face front, back;
};

struct be_function_desc {
    uint32_t stage;      /* MTLB TYPE: 0 vertex, 1 fragment, 2 kernel */
    const uint8_t *mtlb; /* a private copy of the whole container; valid during the call */
    size_t len;
};

#define BE_MAX_COLOR_ATTACHMENTS 8
#define BE_MAX_VERTEX_ATTRIBUTES 31

struct be_color_target {
    uint32_t pixel_format; /* 0 = unused */
    bool blending;
    uint8_t write_mask;       /* MTLColorWriteMask */
    uint8_t rgb_op, alpha_op; /* MTLBlendOperation */
    uint8_t src_rgb, dst_rgb; /* MTLBlendFactor */
    uint8_t src_alpha, dst_alpha;
};

struct be_vertex_attribute {
    uint16_t index, buffer;
    uint32_t format; /* MTLVertexFormat */
    uint32_t offset;
};

struct be_vertex_layout {
    uint16_t buffer;
    uint16_t step_function; /* MTLVertexStepFunction */
    uint32_t stride, step_rate;
};

struct be_render_pipeline_desc {
    be_handle_t vertex_function, fragment_function; /* fragment may be BE_NULL_HANDLE */
    uint32_t depth_format, stencil_format;          /* 0 = none */
    uint32_t sample_count;
    uint32_t topology_class; /* MTLPrimitiveTopologyClass */
    bool alpha_to_coverage, alpha_to_one, rasterization;
    uint32_t color_count;
    struct be_color_target color[BE_MAX_COLOR_ATTACHMENTS];
    uint32_t attribute_count, layout_count;
    struct be_vertex_attribute attributes[BE_MAX_VERTEX_ATTRIBUTES];
    struct be_vertex_layout layouts[BE_MAX_VERTEX_ATTRIBUTES];
};

struct be_compute_pipeline_desc {
    be_handle_t function;
    uint32_t max_threads; /* per threadgroup, 1-1024 */
    bool group_size_multiple_of_width;
};

/* One attachment of a render pass (protocol.md §12.3 already applied). */
struct be_attachment {
    be_handle_t texture; /* BE_NULL_HANDLE = inactive */
    be_handle_t resolve; /* BE_NULL_HANDLE = none */
    uint32_t level, slice, depth_plane;
    uint32_t resolve_level, resolve_slice, resolve_depth_plane;
    bool clear;         /* else load (DontCare is treated as Load) */
    bool store;         /* contents kept */
    bool resolve_store; /* resolved into `resolve` */
};

struct be_render_pass {
    struct be_attachment color[BE_MAX_COLOR_ATTACHMENTS];
    double clear_color[BE_MAX_COLOR_ATTACHMENTS][4];
    struct be_attachment depth, stencil;
    double clear_depth;     /* clamped to [0, 1] */
    uint8_t clear_stencil;  /* low 8 bits */
    uint32_t width, height; /* render area, ≥ 1 each */
};

struct be_viewport {
    double x, y, width, height, znear, zfar;
};

struct be_rect {
    uint32_t x, y, width, height; /* clamped to the render area */
};

struct be_buffer_binding {
    be_handle_t buffer; /* BE_NULL_HANDLE unbinds */
    uint64_t offset;
    uint64_t stride; /* 0 = from the pipeline */
};

struct be_sampler_binding {
    be_handle_t sampler; /* BE_NULL_HANDLE unbinds */
    bool lod_clamp;      /* override the object's clamps */
    float lod_min, lod_max;
};

struct be_draw {
    uint32_t primitive; /* MTLPrimitiveType */
    uint32_t vertex_start, vertex_count;
    uint32_t instance_count; /* ≥ 1 */
    uint32_t base_instance;
};

struct be_draw_indexed {
    uint32_t primitive;
    uint32_t index_type; /* MTLIndexType */
    be_handle_t index_buffer;
    uint64_t index_offset; /* aligned, range inside the buffer checked */
    uint32_t index_count;
    uint32_t instance_count;
    int32_t base_vertex;
    uint32_t base_instance;
};

struct be_draw_indirect {
    uint32_t primitive;
    bool indexed;
    uint32_t index_type;
    be_handle_t index_buffer; /* indexed only */
    uint64_t index_offset;
    be_handle_t indirect_buffer;
    uint64_t indirect_offset;
};

struct be_dispatch {
    bool threads; /* DispatchThreads (non-uniform): count[] is threads, else threadgroups */
    uint32_t count[3];
    uint32_t group_size[3];
};

struct be_dispatch_indirect {
    bool threads;
    be_handle_t buffer;
    uint64_t offset;
    uint32_t group_size[3]; /* all 0 = from the pipeline */
};

struct be_buffer_texture_copy {
    be_handle_t buffer;
    uint64_t buffer_offset, bytes_per_row, bytes_per_image;
    be_handle_t texture;
    uint32_t slice, level;
    uint32_t origin[3], size[3];
    uint32_t options;
};

struct be_texture_copy {
    be_handle_t src, dst;
    uint32_t src_slice, src_level, src_origin[3];
    uint32_t dst_slice, dst_level, dst_origin[3];
    uint32_t size[3];
    uint32_t slice_count, level_count; /* 1 except CopyFromTextureToTextureWithNumSliceLevel */
    bool whole_levels;                 /* size[] = each level's full size (0x13E) */
    uint32_t options;
};

struct be_texture_fill {
    be_handle_t texture;
    uint32_t level, slice, origin[3], size[3];
    double color[4];
    uint32_t pixel_format; /* the format the colour is given for */
};

/* What a barrier orders: MTLBarrierScope bits (0x7 for fences and TextureBarrier). */
struct be_barrier {
    uint32_t scope;
    bool in_pass; /* inside a render pass: the backend splits the pass only if needed */
};

/* IOSurfaces (protocol.md §14): device-global ids whose host image textures with a matching
 * iosurface_id share (§13.7). Surface 1 is display 0's scanout. */
struct be_iosurface_desc {
    uint32_t width, height; /* 1-16384 */
    uint32_t pixel_format;  /* MTLPixelFormat (colour formats of §13.15) */
    uint32_t bytes_per_row;
};

/* Where a presented frame comes from (protocol.md §15.5, C28). */
enum be_present_source {
    BE_PRESENT_SURFACE = 0, /* an IOSurface's host image (sources a, 0x06, 0x07, 0x16 layers) */
    BE_PRESENT_PIXELS = 1,  /* BGRA8 rows read from guest memory (sources b and c) */
    BE_PRESENT_REPEAT = 2,  /* the previous frame again (source d) */
};

struct be_present {
    uint32_t port;          /* display index 0-7 */
    uint32_t source;        /* enum be_present_source */
    uint32_t surface_id;    /* SURFACE */
    uint32_t width, height; /* the frame's size: the display's current mode (§15.1) */
    /* PIXELS: width × height BGRA8 pixels, row r at byte r × pitch; valid during the call. */
    const struct be_backing *pixels;
    uint32_t pitch;
};

/* A finished frame of a display, top-down BGRA8 (bytes B, G, R, A), for lagfx_display_read_frame.
 * Valid from frame_acquire until frame_release; the backend does not reuse it meanwhile. */
struct be_frame {
    uint32_t width, height, stride;
    uint64_t sequence;     /* host present count of this frame (1, 2, ...) per display */
    uint64_t timestamp_ns; /* CLOCK_MONOTONIC when it finished */
    const uint8_t *pixels;
    uint64_t slot; /* the backend's own cookie */
};

struct be_ops {
    /* Resources. Creation may fail (OUT_OF_MEMORY, NOT_SUPPORTED); protocol then treats the
     * object as unusable (DR3). destroy takes any handle its create returned. */
    lagfx_status_t (*buffer_create)(struct be *be,
                                    const struct be_buffer_desc *desc,
                                    be_handle_t *out);
    lagfx_status_t (*texture_create)(struct be *be,
                                     const struct be_texture_desc *desc,
                                     be_handle_t *out);
    lagfx_status_t (*texture_view_create)(struct be *be,
                                          const struct be_texture_view_desc *desc,
                                          be_handle_t *out);
    lagfx_status_t (*sampler_create)(struct be *be,
                                     const struct be_sampler_desc *desc,
                                     be_handle_t *out);
    lagfx_status_t (*depth_stencil_create)(struct be *be,
                                           const struct be_depth_stencil_desc *desc,
                                           be_handle_t *out);
    lagfx_status_t (*function_create)(struct be *be,
                                      const struct be_function_desc *desc,
                                      be_handle_t *out);
    lagfx_status_t (*render_pipeline_create)(struct be *be,
                                             const struct be_render_pipeline_desc *desc,
                                             be_handle_t *out);
    lagfx_status_t (*compute_pipeline_create)(struct be *be,
                                              const struct be_compute_pipeline_desc *desc,
                                              be_handle_t *out);
    void (*object_destroy)(struct be *be, be_handle_t object);
    /* Descriptor flag 0x100: refresh the host copy from guest memory before the work. */
    void (*refresh)(struct be *be, be_handle_t object, const struct be_backing *backing);
    /* Writes the object's contents into wb after the GPU work recorded so far, before the
     * flush's done. Textures: the linear image of protocol.md §13.7 (descriptor flag 0x1,
     * SynchronizeResources, blit 0x13A; 0x13B: slice/level with whole = false), the parts of
     * it that wb covers. Buffers: exactly wb's range (§10.2 coherence). Takes wb (above). */
    void (*write_back)(struct be *be,
                       be_handle_t object,
                       bool whole,
                       uint32_t slice,
                       uint32_t level,
                       struct be_writeback *wb);
    /* Buffer coherence (§10.2): the bytes [*off, *off + *len) of a buffer that the GPU work
     * recorded since the last flush or discard may write (blit destinations, shader-writable
     * bindings of draws and dispatches); false when none. Protocol asks for the buffers an
     * ExecIndirect used and writes those ranges back. */
    bool (*buffer_written)(struct be *be, be_handle_t buffer, uint64_t *off, uint64_t *len);

    /* Encoders. A segment begins with encoder_reset: all state back to protocol.md §10.8. */
    void (*encoder_reset)(struct be *be);
    void (*begin_render_pass)(struct be *be, const struct be_render_pass *pass);
    void (*end_render_pass)(struct be *be);

    /* State. */
    void (*set_render_pipeline)(struct be *be, be_handle_t pipeline);
    void (*set_compute_pipeline)(struct be *be, be_handle_t pipeline);
    void (*set_depth_stencil_state)(struct be *be, be_handle_t state); /* NULL: tests off */
    void (*set_viewport)(struct be *be, const struct be_viewport *vp);
    void (*set_scissor)(struct be *be, const struct be_rect *rect);
    void (*set_cull_mode)(struct be *be, uint32_t mode);       /* MTLCullMode */
    void (*set_front_face)(struct be *be, uint32_t winding);   /* MTLWinding */
    void (*set_fill_mode)(struct be *be, uint32_t mode);       /* MTLTriangleFillMode */
    void (*set_depth_clip_mode)(struct be *be, uint32_t mode); /* MTLDepthClipMode */
    void (*set_depth_bias)(struct be *be, float bias, float slope_scale, float clamp);
    void (*set_stencil_ref)(struct be *be, uint32_t front, uint32_t back);
    void (*set_blend_color)(struct be *be, const float rgba[4]);
    /* A store action set inside the pass (0x66, 0x69, 0x78); index: colour 0-7, 8 depth,
     * 9 stencil. */
    void (*set_store_action)(struct be *be, uint32_t attachment, uint32_t action);

    /* Bindings: count consecutive indices from first (checked against the bands). */
    void (*bind_buffers)(struct be *be,
                         enum be_stage stage,
                         uint32_t first,
                         uint32_t count,
                         const struct be_buffer_binding *bindings);
    void (*bind_textures)(struct be *be,
                          enum be_stage stage,
                          uint32_t first,
                          uint32_t count,
                          const be_handle_t *textures);
    void (*bind_samplers)(struct be *be,
                          enum be_stage stage,
                          uint32_t first,
                          uint32_t count,
                          const struct be_sampler_binding *samplers);

    /* Work. Draws only inside a pass with a pipeline; dispatches only with a pipeline. */
    void (*draw)(struct be *be, const struct be_draw *draw);
    void (*draw_indexed)(struct be *be, const struct be_draw_indexed *draw);
    void (*draw_indirect)(struct be *be, const struct be_draw_indirect *draw);
    void (*dispatch)(struct be *be, const struct be_dispatch *dispatch);
    void (*dispatch_indirect)(struct be *be, const struct be_dispatch_indirect *dispatch);
    void (*barrier)(struct be *be, const struct be_barrier *barrier);

    /* Blits (outside render passes; ranges checked against both objects). */
    void (*copy_buffer)(struct be *be,
                        be_handle_t src,
                        uint64_t src_offset,
                        be_handle_t dst,
                        uint64_t dst_offset,
                        uint64_t size);
    void (*copy_buffer_to_texture)(struct be *be, const struct be_buffer_texture_copy *copy);
    void (*copy_texture_to_buffer)(struct be *be, const struct be_buffer_texture_copy *copy);
    void (*copy_texture)(struct be *be, const struct be_texture_copy *copy);
    /* pattern: 4 bytes repeated (FillBuffer replicates its byte). */
    void (*fill_buffer)(struct be *be,
                        be_handle_t buffer,
                        uint64_t offset,
                        uint64_t length,
                        uint32_t pattern);
    void (*fill_texture)(struct be *be, const struct be_texture_fill *fill);
    void (*generate_mipmaps)(struct be *be, be_handle_t texture);

    /* IOSurfaces: define creates or replaces (zero-filled host image); alias makes `local` show
     * `remote`'s image (0x29); delete drops the id (an alias keeps the image alive). */
    lagfx_status_t (*iosurface_define)(struct be *be,
                                       uint32_t id,
                                       const struct be_iosurface_desc *desc);
    void (*iosurface_alias)(struct be *be, uint32_t local, uint32_t remote);
    void (*iosurface_delete)(struct be *be, uint32_t id);

    /* A present (0x02, 0x06, 0x07, layer-form 0x16): ordered after all work recorded before
     * it. When the done callback of the flush that submits it runs, the frame is the port's
     * newest (spec/api.md §5.7 "readable at the stamp"). A SURFACE source that does not exist,
     * or REPEAT with no previous frame, produces no frame. */
    void (*present)(struct be *be, const struct be_present *present);
    /* Frames, for the VMM's reads (any thread, concurrent with the worker): the port's newest
     * finished frame if its sequence is greater than `after` (0: any); false otherwise. */
    bool (*frame_acquire)(struct be *be, uint32_t port, uint64_t after, struct be_frame *out);
    void (*frame_release)(struct be *be, uint32_t port, const struct be_frame *frame);
    /* The display of port is gone or reset: its frames are dropped (after releases). */
    void (*display_drop)(struct be *be, uint32_t port);

    /* An ExecIndirect was dropped by a task fault: forget everything recorded since the last
     * flush (protocol.md §10.9). */
    void (*discard)(struct be *be);
    /* All work recorded so far is submitted; done(arg) runs once when it has finished. */
    void (*flush)(struct be *be, be_done_fn done, void *arg);
    /* Waits for outstanding work, then frees the backend. */
    void (*destroy)(struct be *be);
};

struct be {
    const struct be_ops *ops; /* a backend embeds struct be as its first member */
};

/* Checks that every member of ops is set. */
bool be_ops_complete(const struct be_ops *ops);
lagfx_status_t be_init(struct be *be, const struct be_ops *ops);

/* Releases a write-back target that will not be written (NULL is fine). */
static inline void
be_writeback_release(struct be_writeback *wb)
{
    if (wb)
        wb->release(wb);
}

/* The null backend: accepts everything, finishes at once (done runs inside flush), writes
 * nothing back (buffer_written is always false; write_back releases at once). Handles are
 * distinct non-zero numbers. */
lagfx_status_t be_null_new(struct be **out);

/*
 * The recording backend: one text line per operation, all fields, stable across runs
 * (tests compare transcripts with golden files). Writes to `f` when non-NULL, else into a
 * memory buffer read with be_recording_text. Handles count up from 1. Any thread, one at a time.
 */
lagfx_status_t be_recording_new(FILE *f, struct be **out);
/* The transcript so far (memory mode; "" for a FILE backend or after OUT_OF_MEMORY). */
const char *be_recording_text(struct be *be);
/* Empties the memory transcript. */
void be_recording_clear(struct be *be);

static inline void
be_destroy(struct be *be)
{
    if (be)
        be->ops->destroy(be);
}

#endif /* LAGFX_BACKEND_H */
