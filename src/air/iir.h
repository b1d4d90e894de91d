/* SPDX-License-Identifier: MIT */
/*
 * IIR, the translator's internal IR (spec/air.md §5.2): what the importer (import_llvm.c, the
 * only file that sees llvm-c) produces and the emitter consumes. Close to LLVM's model so a
 * hand-written bitcode reader can produce it too: types uniqued per module with Apple's layout
 * (size, alignment, member offsets from the module's data layout), one value table for
 * constants, arguments, globals and instruction results, instructions grouped in blocks, and
 * the named air.* metadata as plain trees. Everything lives in one arena per translation and is
 * immutable once imported. One thread per module.
 */
#ifndef LAGFX_AIR_IIR_H
#define LAGFX_AIR_IIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "air/status.h"

/* Bump allocator, freed at once. */
struct iir_arena_chunk;
struct iir_arena {
    struct iir_arena_chunk *head;
    bool failed;
};

void *iir_arena_alloc(struct iir_arena *a, size_t size); /* zeroed; NULL on failure */
void *iir_arena_array(struct iir_arena *a, size_t count, size_t size);
char *iir_arena_strndup(struct iir_arena *a, const char *s, size_t len);
void iir_arena_finish(struct iir_arena *a);

enum iir_type_kind {
    IIR_T_VOID,
    IIR_T_INT,   /* bits 1 (bool), 8, 16, 32, 64 */
    IIR_T_FLOAT, /* bits 16, 32, 64 */
    IIR_T_VEC,
    IIR_T_ARRAY,
    IIR_T_STRUCT,
    IIR_T_PTR,
    IIR_T_OPAQUE, /* a struct without body: textures, samplers (by name) */
};

struct iir_type {
    uint8_t kind;
    bool packed;
    bool sized;
    uint16_t bits;
    uint32_t count; /* vector/array length, struct member count */
    uint32_t addrspace;
    uint32_t index; /* position in the module's type table */
    const struct iir_type *elem;
    const struct iir_type **members;
    uint32_t *offsets; /* struct member offsets (Apple layout) */
    uint64_t size, align;
    const char *name; /* struct name without "struct." prefix handling; may be NULL */
};

enum iir_value_kind {
    IIR_V_UNDEF, /* undef and poison */
    IIR_V_ZERO,  /* zeroinitializer, null */
    IIR_V_INT,
    IIR_V_FLOAT,
    IIR_V_AGG, /* constant vector, array, struct: ops */
    IIR_V_GLOBAL,
    IIR_V_FUNC,
    IIR_V_ARG,
    IIR_V_INST,  /* result of inst `aux` */
    IIR_V_CEXPR, /* constant expression: inst `aux`, not in any block */
};

struct iir_value {
    uint8_t kind;
    const struct iir_type *type;
    uint32_t aux; /* arg index, inst index, global index, function index */
    uint32_t nops;
    uint64_t u; /* IIR_V_INT: zero-extended bits */
    double f;   /* IIR_V_FLOAT */
    uint32_t *ops;
};

enum iir_op {
    IIR_OP_RET = 1,
    IIR_OP_BR,
    IIR_OP_SWITCH,
    IIR_OP_UNREACHABLE,
    IIR_OP_ADD,
    IIR_OP_FADD,
    IIR_OP_SUB,
    IIR_OP_FSUB,
    IIR_OP_MUL,
    IIR_OP_FMUL,
    IIR_OP_UDIV,
    IIR_OP_SDIV,
    IIR_OP_FDIV,
    IIR_OP_UREM,
    IIR_OP_SREM,
    IIR_OP_FREM,
    IIR_OP_SHL,
    IIR_OP_LSHR,
    IIR_OP_ASHR,
    IIR_OP_AND,
    IIR_OP_OR,
    IIR_OP_XOR,
    IIR_OP_FNEG,
    IIR_OP_TRUNC,
    IIR_OP_ZEXT,
    IIR_OP_SEXT,
    IIR_OP_FPTOUI,
    IIR_OP_FPTOSI,
    IIR_OP_UITOFP,
    IIR_OP_SITOFP,
    IIR_OP_FPTRUNC,
    IIR_OP_FPEXT,
    IIR_OP_PTRTOINT,
    IIR_OP_INTTOPTR,
    IIR_OP_BITCAST,
    IIR_OP_ADDRSPACECAST,
    IIR_OP_ICMP,
    IIR_OP_FCMP,
    IIR_OP_PHI,
    IIR_OP_SELECT,
    IIR_OP_CALL,
    IIR_OP_EXTRACTELEMENT,
    IIR_OP_INSERTELEMENT,
    IIR_OP_SHUFFLEVECTOR,
    IIR_OP_EXTRACTVALUE,
    IIR_OP_INSERTVALUE,
    IIR_OP_ALLOCA,
    IIR_OP_LOAD,
    IIR_OP_STORE,
    IIR_OP_GEP,
    IIR_OP_FREEZE,
    IIR_OP_COUNT_,
};

/* Comparison predicates, LLVM's numbering (ICmp 32..41, FCmp 0..15). */
enum {
    IIR_FCMP_FALSE = 0,
    IIR_FCMP_OEQ,
    IIR_FCMP_OGT,
    IIR_FCMP_OGE,
    IIR_FCMP_OLT,
    IIR_FCMP_OLE,
    IIR_FCMP_ONE,
    IIR_FCMP_ORD,
    IIR_FCMP_UNO,
    IIR_FCMP_UEQ,
    IIR_FCMP_UGT,
    IIR_FCMP_UGE,
    IIR_FCMP_ULT,
    IIR_FCMP_ULE,
    IIR_FCMP_UNE,
    IIR_FCMP_TRUE,
    IIR_ICMP_EQ = 32,
    IIR_ICMP_NE,
    IIR_ICMP_UGT,
    IIR_ICMP_UGE,
    IIR_ICMP_ULT,
    IIR_ICMP_ULE,
    IIR_ICMP_SGT,
    IIR_ICMP_SGE,
    IIR_ICMP_SLT,
    IIR_ICMP_SLE,
};

#define IIR_NONE UINT32_MAX

struct iir_inst {
    uint16_t op;
    uint16_t pred;
    uint32_t result;                 /* value id, or 0 when the instruction yields nothing */
    const struct iir_type *type;     /* result type (void for none) */
    const struct iir_type *aux_type; /* GEP source element, alloca type, load/store value type */
    uint32_t nops, nsucc, nidx;
    uint32_t *ops;      /* value ids */
    uint32_t *succ;     /* block indices: br/switch targets, phi incoming blocks */
    int32_t *idx;       /* extract/insertvalue indices, shuffle mask (-1 undef) */
    const char *callee; /* call: callee name */
    uint32_t callee_fn; /* call: function index when defined in the module, else IIR_NONE */
};

struct iir_block {
    uint32_t ninsts;
    uint32_t *insts; /* inst indices; the last is the terminator */
};

struct iir_function {
    const char *name;
    const struct iir_type *ret;
    uint32_t nparams;
    uint32_t *params; /* value ids */
    uint32_t nblocks;
    struct iir_block *blocks; /* blocks[0] is the entry */
    bool is_decl;
};

struct iir_global {
    const char *name;
    const struct iir_type *type; /* value type */
    uint32_t addrspace;
    uint32_t init; /* value id, 0 = none */
    bool constant;
    uint32_t value; /* the pointer value's id */
};

enum iir_md_kind { IIR_MD_NULL, IIR_MD_STR, IIR_MD_INT, IIR_MD_VALUE, IIR_MD_TUPLE };

struct iir_md {
    uint8_t kind;
    uint32_t len;    /* string length, tuple operand count */
    const char *str; /* IIR_MD_STR, NUL-terminated */
    int64_t i;       /* IIR_MD_INT */
    uint32_t value;  /* IIR_MD_VALUE: value id (function, global, constant) */
    const struct iir_md **ops;
};

struct iir_named_md {
    const char *name;
    uint32_t count;
    const struct iir_md **ops;
};

/* The tables are ut_ allocations owned by the module; everything else lives in the arena. */
struct iir_module {
    struct iir_arena arena;
    const char *triple;
    uint32_t ntypes, nvalues, ninsts, nfuncs, nglobals, nnamed;
    const struct iir_type **types;
    struct iir_value *values; /* id 0 is reserved (none) */
    struct iir_inst *insts;
    struct iir_function *funcs;
    struct iir_global *globals;
    struct iir_named_md *named;
};

const struct iir_named_md *iir_module_named_md(const struct iir_module *m, const char *name);
void iir_module_free(struct iir_module *m);

static inline const struct iir_value *
iir_val(const struct iir_module *m, uint32_t id)
{
    return &m->values[id];
}

/* Scalar element type of a scalar or vector type. */
static inline const struct iir_type *
iir_scalar(const struct iir_type *t)
{
    return t->kind == IIR_T_VEC ? t->elem : t;
}

static inline uint32_t
iir_lanes(const struct iir_type *t)
{
    return t->kind == IIR_T_VEC ? t->count : 1;
}

const char *iir_op_name(unsigned op);

#endif /* LAGFX_AIR_IIR_H */
