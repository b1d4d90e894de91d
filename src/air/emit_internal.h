/* SPDX-License-Identifier: MIT */
/*
 * Shared state of the SPIR-V emitter (emit.c: types, values, interface, instructions;
 * emit_call.c: air.* intrinsics; emit_cfg.c: control flow). Internal to src/air; one
 * translation per struct emitter, one thread.
 */
#ifndef LAGFX_AIR_EMIT_INTERNAL_H
#define LAGFX_AIR_EMIT_INTERNAL_H

#include <spirv/unified1/GLSL.std.450.h>

#include "air/air.h"
#include "air/entry.h"
#include "air/iir.h"
#include "air/spv_builder.h"

#define MAX_CHAIN 12

enum vm_kind { VM_NONE, VM_ID, VM_PTR, VM_VIRT, VM_TEX, VM_SAMPLER };

struct symptr {
    uint32_t base; /* variable id */
    uint32_t sc;   /* SpvStorageClass */
    const struct iir_type *pointee;
    bool layout;     /* explicitly laid out (buffer) types */
    bool last_array; /* the last index walks an array: pointer arithmetic adds to it */
    uint32_t n;
    uint32_t idx[MAX_CHAIN]; /* i32 ids */
};

struct texinfo {
    uint32_t var, image_type;
    enum air_tex_kind kind;
    bool depth, storage;
    uint8_t numeric; /* enum air_numeric of the sampled type */
};

struct vmap {
    uint8_t kind;
    uint32_t id;
    uint32_t var; /* dispatch mode: Function variable holding a cross-block value */
    struct symptr *ptr;
    struct texinfo *tex;
    uint32_t nmembers;
    uint32_t *members;
};

struct emitter {
    struct iir_module *m;
    const struct air_entry *entry;
    const struct iir_function *fn;
    struct spv_builder b;
    struct air_result *res;
    struct air_diag *diag;
    enum air_status st;
    struct iir_arena *arena;
    uint32_t glsl;
    uint32_t *ty_plain, *ty_layout;          /* per IIR type index */
    struct vmap *vm;                         /* per IIR value id */
    uint32_t nglobals_ids, globals_ids[256]; /* interface variables */
    struct spv_words fvars;                  /* Function variables, spliced after the entry label */
    struct spv_words *body;
    uint32_t cur_block;
    /* Per-function CFG state. */
    uint32_t *block_label;
    uint32_t *def_block; /* per value id: defining block, or IIR_NONE */
    bool dispatch;
    /* Entry epilogue: output variables per return member. */
    uint32_t nout_vars;
    uint32_t *out_vars;
    uint8_t *out_kind;
    uint32_t t_void, t_bool, t_i32, t_f32, t_v4f32, t_v3i32;
    uint32_t wg_size; /* kernels: the WorkgroupSize spec-constant composite, 0 until needed */
    /* Constexpr samplers, deduplicated by state word (bindings 176 + n, §5.4.4). */
    uint32_t ncx;
    uint64_t cx_state[16];
    uint32_t cx_var[16];
    /* Input builtin variables made so far: one variable per builtin (Vulkan forbids two). */
    uint32_t nbvars;
    uint32_t bvar_bi[16], bvar_type[16], bvar_var[16];
};

/* emit.c */
bool emit_fail(struct emitter *e, enum air_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint32_t emit_type(struct emitter *e, const struct iir_type *t);
uint32_t emit_type_layout(struct emitter *e, const struct iir_type *t);
uint32_t emit_ptr_type(struct emitter *e, uint32_t sc, uint32_t pointee);
uint32_t emit_value(struct emitter *e, uint32_t vid);
uint32_t emit_const_i32(struct emitter *e, int32_t v);
uint32_t emit_const_f32(struct emitter *e, float v);
uint32_t emit_op(struct emitter *e, SpvOp op, uint32_t type, unsigned n, const uint32_t *ops);
uint32_t emit_opv(struct emitter *e, SpvOp op, uint32_t type, unsigned n, ...);
uint32_t
emit_glsl(struct emitter *e, uint32_t type, enum GLSLstd450 inst, unsigned n, const uint32_t *ops);
uint32_t emit_vec_type(struct emitter *e, uint32_t scalar, uint32_t n);
void emit_set(struct emitter *e, uint32_t vid, uint32_t id);
uint32_t emit_splat(struct emitter *e, uint32_t type, uint32_t scalar_id, uint32_t lanes);
bool emit_inst(struct emitter *e, const struct iir_inst *in);
/* The symbolic pointer of a value (argument, GEP, constant expression); NULL + diag if none. */
struct symptr *emit_ptr_of(struct emitter *e, uint32_t vid);
/* An access chain to a pointee of type t through the pointer value ptr_vid (0 on failure). */
uint32_t
emit_access(struct emitter *e, uint32_t ptr_vid, const struct iir_type *t, const char *what);
/* A copy of p in the translation's arena; NULL + diag on failure. */
struct symptr *emit_ptr_copy(struct emitter *e, const struct symptr *p);
/* Gives a constant expression (bitcast/GEP of a global) its value mapping; false on failure. */
bool emit_resolve_cexpr(struct emitter *e, uint32_t vid);

/* translate.c */
/* The sampler variable of a constexpr sampler with this state word (§4.8); 0 on failure. */
uint32_t emit_constexpr_sampler(struct emitter *e, uint64_t state);
/* Loads the Input builtin bi as `type` at the current point, reusing its variable. */
uint32_t emit_load_builtin(struct emitter *e, SpvBuiltIn bi, uint32_t type);

/* emit_call.c */
bool emit_call(struct emitter *e, const struct iir_inst *in);

/* emit_cfg.c */
bool emit_function_body(struct emitter *e);
bool emit_terminator_ret(struct emitter *e, const struct iir_inst *in);

#endif /* LAGFX_AIR_EMIT_INTERNAL_H */
