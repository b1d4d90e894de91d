/* SPDX-License-Identifier: MIT */
/*
 * The AIR → SPIR-V translator's interface to the rest of the library (spec/air.md §5): one
 * call turns a metallib (or, for tools and tests, a wrapper or raw bitcode file) plus an entry
 * name into Vulkan 1.2 SPIR-V words and a reflection record (§5.5). Results are immutable and
 * refcounted so caches, function objects and pipelines can share them. Translation runs on a
 * worker thread, never per draw; results may be read from any thread.
 */
#ifndef LAGFX_AIR_AIR_H
#define LAGFX_AIR_AIR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "air/status.h"

/* Bumped whenever the output words can change for the same input (cache keys, §8). */
#define AIR_TRANSLATOR_VERSION 1

enum air_stage { AIR_STAGE_VERTEX, AIR_STAGE_FRAGMENT, AIR_STAGE_KERNEL };

/* Descriptor bands (spec/air.md §5.4.4): binding = band base + Metal slot. */
#define AIR_BIND_BUFFER            0
#define AIR_BIND_TEXTURE           32
#define AIR_BIND_SAMPLER           160
#define AIR_BIND_CONSTEXPR_SAMPLER 176
#define AIR_SET_VERTEX_KERNEL      0
#define AIR_SET_FRAGMENT           1
/* SpecIds of the workgroup size (function constants use 0..n-1). */
#define AIR_SPEC_WORKGROUP_X 1000

enum air_binding_type {
    AIR_BINDING_STORAGE_BUFFER,
    AIR_BINDING_SAMPLED_IMAGE,
    AIR_BINDING_STORAGE_IMAGE,
    AIR_BINDING_SAMPLER,
    AIR_BINDING_CONSTEXPR_SAMPLER,
    AIR_BINDING_UNIFORM_TEXEL_BUFFER,
    AIR_BINDING_STORAGE_TEXEL_BUFFER,
};

enum air_access { AIR_ACCESS_READ = 1, AIR_ACCESS_WRITE = 2, AIR_ACCESS_SAMPLE = 4 };

enum air_tex_kind {
    AIR_TEX_NONE,
    AIR_TEX_1D,
    AIR_TEX_1D_ARRAY,
    AIR_TEX_2D,
    AIR_TEX_2D_ARRAY,
    AIR_TEX_2D_MS,
    AIR_TEX_3D,
    AIR_TEX_CUBE,
    AIR_TEX_CUBE_ARRAY,
    AIR_TEX_BUFFER,
};

struct air_binding {
    uint32_t set, binding, metal_slot;
    uint8_t type;     /* enum air_binding_type */
    uint8_t access;   /* enum air_access bits */
    uint8_t tex_kind; /* enum air_tex_kind */
    bool depth;
    uint32_t buffer_size;   /* constant T& bound size, 0 = unbounded */
    uint32_t stride;        /* buffer element stride (Apple layout) */
    uint64_t sampler_state; /* constexpr sampler: the raw word 0 (§4.8) */
};

enum air_numeric { AIR_NUM_FLOAT, AIR_NUM_SINT, AIR_NUM_UINT };

enum air_interp {
    AIR_INTERP_PERSPECTIVE = 0,
    AIR_INTERP_NO_PERSPECTIVE = 1,
    AIR_INTERP_FLAT = 2,
    AIR_INTERP_CENTROID = 4,
    AIR_INTERP_SAMPLE = 8,
};

struct air_varying {
    char key[64];           /* "user(uv0)", "generated(...)" */
    uint32_t location;      /* provisional */
    uint32_t location_word; /* index in words of the Location operand (patched per pipeline) */
    uint8_t components, numeric, interp;
};

struct air_attachment {
    uint32_t index;
    uint8_t components, numeric;
};

struct air_result {
    _Atomic uint32_t refs;
    enum air_stage stage;
    char name[256];
    uint32_t *words;
    size_t word_count;
    /* Required device features beyond Vulkan 1.2 core. */
    bool needs_scalar_layout, needs_int64, needs_int16, needs_int8, needs_float64;
    bool needs_storage16, needs_storage8, needs_demote, needs_draw_parameters;
    bool needs_image_read_without_format, needs_image_write_without_format;
    bool needs_subgroups;
    bool dispatch_fallback; /* a function needed the dispatch-loop CFG fallback */
    uint32_t nbindings;
    struct air_binding *bindings;
    uint32_t nvaryings; /* vertex outputs or fragment inputs */
    struct air_varying *varyings;
    uint32_t nvertex_inputs;
    uint32_t *vertex_input_locations;
    uint32_t nattachments;
    struct air_attachment *attachments;
    bool writes_depth, early_fragment_tests;
    uint32_t max_workgroup_size; /* from air.max_work_group_size, 0 = none */
};

struct air_options {
    const char *entry;   /* NULL: the library's only entry (or the module's only entry) */
    bool typed_pointers; /* tests: read with LLVM's typed-pointer mode */
    bool skip_verify;    /* benchmarks */
    bool debug_names;    /* OpName for entry and interface */
};

/*
 * Translates one entry of GUEST bytes: a metallib, or (tools/tests) a bare wrapper or raw
 * bitcode. The container is parsed here; LLVM's reader and everything after it run in the
 * sandboxed helper process lagfx-air-worker (isolate.h, docs/air-notes.md "Isolation"), so
 * hostile bitcode that crashes, hangs or exhausts LLVM costs a worker, never the caller: that
 * case returns INVALID_DATA naming the signal or the timeout. The first call starts the worker
 * (milliseconds); later calls reuse it. On success *out holds one reference. Errors:
 * INVALID_DATA, NOT_SUPPORTED (diag names the intrinsic or instruction; also "cannot start
 * translator worker" when the helper is missing), OUT_OF_MEMORY. Worker thread, never an
 * MMIO or VMM thread (it blocks for the translation).
 */
enum air_status air_translate(const void *bytes,
                              size_t size,
                              const struct air_options *opt,
                              struct air_result **out,
                              struct air_diag *diag);

/*
 * The same translation in this process, with no isolation: for trusted input only (tools
 * given --in-process, tests, benchmarks, and the worker itself). Any thread.
 */
enum air_status air_translate_in_process(const void *bytes,
                                         size_t size,
                                         const struct air_options *opt,
                                         struct air_result **out,
                                         struct air_diag *diag);

struct air_result *air_result_ref(struct air_result *r);
void air_result_unref(struct air_result *r);

/*
 * Stage I/O linking (§5.4.3): copies the vertex words and rewrites each varying's Location so
 * it matches the fragment input with the same key; unread outputs get Locations after all
 * fragment inputs. *out is ut_ allocated. Errors: OUT_OF_MEMORY.
 */
enum air_status air_link_varyings(const struct air_result *vs,
                                  const struct air_result *fs,
                                  uint32_t **out,
                                  size_t *count);

/* The reflection record as one JSON object (tools); ut_ allocated, NULL on failure. */
char *air_result_json(const struct air_result *r);

#endif /* LAGFX_AIR_AIR_H */
