/* SPDX-License-Identifier: MIT */
/*
 * Entry-point descriptors (spec/air.md §4.1–§4.4): finds the entry named by !air.vertex,
 * !air.fragment or !air.kernel and parses its output and input descriptor tuples keyword by
 * keyword (each keyword consumes a known number of operands; unknown keywords are skipped),
 * so AIR 1.x and 2.x shapes both parse. Reads IIR only. One thread per module.
 */
#ifndef LAGFX_AIR_ENTRY_H
#define LAGFX_AIR_ENTRY_H

#include "air/air.h"
#include "air/iir.h"

enum air_arg_kind {
    AIR_ARG_UNKNOWN,
    AIR_ARG_BUFFER,
    AIR_ARG_TEXTURE,
    AIR_ARG_SAMPLER,
    AIR_ARG_VERTEX_INPUT,
    AIR_ARG_FRAGMENT_INPUT,
    AIR_ARG_BUILTIN,
    AIR_ARG_OTHER, /* recognised but not translated (indirect buffers, imageblocks, ...) */
};

/* Builtins by Metal name; the emitter maps them to SPIR-V. */
enum air_builtin {
    AIR_BI_NONE,
    AIR_BI_VERTEX_ID,
    AIR_BI_INSTANCE_ID,
    AIR_BI_BASE_VERTEX,
    AIR_BI_BASE_INSTANCE,
    AIR_BI_POSITION,
    AIR_BI_FRONT_FACING,
    AIR_BI_SAMPLE_ID,
    AIR_BI_SAMPLE_MASK,
    AIR_BI_POINT_COORD,
    AIR_BI_PRIMITIVE_ID,
    AIR_BI_RT_ARRAY_INDEX,
    AIR_BI_VIEWPORT_INDEX,
    AIR_BI_THREAD_POS_GRID,
    AIR_BI_THREAD_POS_TG,
    AIR_BI_TG_POS_GRID,
    AIR_BI_THREAD_INDEX_TG,
    AIR_BI_THREADS_PER_TG,
    AIR_BI_TGS_PER_GRID,
    AIR_BI_THREADS_PER_GRID,
    AIR_BI_THREAD_INDEX_SIMD,
    AIR_BI_SIMD_INDEX_TG,
    AIR_BI_THREADS_PER_SIMD,
};

enum air_out_kind {
    AIR_OUT_UNKNOWN,
    AIR_OUT_POSITION,
    AIR_OUT_VARYING,
    AIR_OUT_POINT_SIZE,
    AIR_OUT_CLIP_DISTANCE,
    AIR_OUT_RENDER_TARGET,
    AIR_OUT_DEPTH,
    AIR_OUT_SAMPLE_MASK,
    AIR_OUT_OTHER,
};

struct air_arg_desc {
    uint32_t param;
    uint8_t kind;    /* enum air_arg_kind */
    uint8_t builtin; /* enum air_builtin */
    uint8_t access;  /* enum air_access bits */
    uint8_t interp;  /* enum air_interp bits */
    bool has_location, has_address_space, unused;
    uint32_t location, array_count, address_space;
    uint32_t buffer_size, type_size, type_align;
    const char *type_name, *name, *key, *first_keyword;
};

struct air_out_desc {
    uint8_t kind; /* enum air_out_kind */
    bool invariant;
    uint32_t index, dual_index; /* render target */
    const char *key, *type_name, *name, *first_keyword;
};

struct air_entry {
    enum air_stage stage;
    uint32_t fn; /* function index */
    const char *name;
    uint32_t nargs, nouts;
    struct air_arg_desc *args;
    struct air_out_desc *outs;
    bool early_fragment_tests;
    uint32_t max_workgroup_size;
};

/*
 * Finds and parses an entry. name NULL: the module must hold exactly one. Errors:
 * INVALID_DATA (malformed descriptors, absent entry), NOT_SUPPORTED (no entry of a translated
 * stage). Allocates in the module's arena.
 */
enum air_status air_entry_parse(struct iir_module *m,
                                const char *name,
                                struct air_entry *out,
                                struct air_diag *diag);

/* Texture kind and depth-ness from an MSL type name ("texture2d<half, sample>") or an
 * intrinsic kind suffix ("texture_2d", "depth_2d_array"). */
enum air_tex_kind air_tex_kind_from_type_name(const char *s, bool *depth);
enum air_tex_kind air_tex_kind_from_suffix(const char *s, size_t len, bool *depth);

#endif /* LAGFX_AIR_ENTRY_H */
