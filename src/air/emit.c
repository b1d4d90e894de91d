/* SPDX-License-Identifier: MIT */
/*
 * IIR → SPIR-V (spec/air.md §5.2, §5.4): types (half promoted to float in registers, Apple's
 * explicit layout for buffers), constants, the entry interface (descriptor sets and bands of
 * §5.4.4, builtins, varyings with provisional Locations, outputs with the y flip of §5.4.8),
 * pointers as (variable, access chain) pairs (§5.4.2) and the core instructions. Intrinsics
 * are in emit_call.c, control flow in emit_cfg.c. Anything not translated fails with the
 * construct's name: never a silently wrong shader. One translation, one thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "air/emit_internal.h"
#include "util/alloc.h"

bool
emit_fail(struct emitter *e, enum air_status st, const char *fmt, ...)
{
    if (e->st == AIR_OK) {
        e->st = st;
        if (e->diag && !e->diag->msg[0]) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(e->diag->msg, sizeof(e->diag->msg), fmt, ap);
            va_end(ap);
        }
    }
    return false;
}

/* ---- types ---- */

uint32_t
emit_vec_type(struct emitter *e, uint32_t scalar, uint32_t n)
{
    return n == 1 ? scalar : spv_typev(&e->b, SpvOpTypeVector, 2, scalar, n);
}

uint32_t
emit_ptr_type(struct emitter *e, uint32_t sc, uint32_t pointee)
{
    return spv_typev(&e->b, SpvOpTypePointer, 2, sc, pointee);
}

static uint32_t
int_type(struct emitter *e, unsigned bits)
{
    if (bits == 64)
        spv_cap(&e->b, SpvCapabilityInt64), e->res->needs_int64 = true;
    if (bits == 16)
        spv_cap(&e->b, SpvCapabilityInt16), e->res->needs_int16 = true;
    if (bits == 8)
        spv_cap(&e->b, SpvCapabilityInt8), e->res->needs_int8 = true;
    return spv_typev(&e->b, SpvOpTypeInt, 2, bits, 0);
}

static uint32_t
type_common(struct emitter *e, const struct iir_type *t, bool layout)
{
    switch (t->kind) {
    case IIR_T_VOID:
        return e->t_void;
    case IIR_T_INT:
        if (t->bits == 1)
            return e->t_bool;
        if (layout && t->bits < 32) {
            /* Storage-only 8/16-bit access (SPIR-V 1.5 core capabilities). */
            spv_cap(&e->b, t->bits == 8 ? SpvCapabilityStorageBuffer8BitAccess
                                        : SpvCapabilityStorageBuffer16BitAccess);
            if (t->bits == 8)
                e->res->needs_storage8 = true;
            else
                e->res->needs_storage16 = true;
            return spv_typev(&e->b, SpvOpTypeInt, 2, t->bits, 0);
        }
        return int_type(e, t->bits);
    case IIR_T_FLOAT:
        if (t->bits == 16) {
            if (!layout)
                return e->t_f32; /* promoted (§5.4.6) */
            spv_cap(&e->b, SpvCapabilityStorageBuffer16BitAccess);
            e->res->needs_storage16 = true;
            return spv_typev(&e->b, SpvOpTypeFloat, 1, 16);
        }
        if (t->bits == 64) {
            spv_cap(&e->b, SpvCapabilityFloat64);
            e->res->needs_float64 = true;
        }
        return spv_typev(&e->b, SpvOpTypeFloat, 1, t->bits);
    case IIR_T_VEC: {
        uint32_t el = layout ? emit_type_layout(e, t->elem) : emit_type(e, t->elem);
        return el ? spv_typev(&e->b, SpvOpTypeVector, 2, el, t->count) : 0;
    }
    default:
        return 0;
    }
}

uint32_t
emit_type(struct emitter *e, const struct iir_type *t)
{
    if (e->ty_plain[t->index])
        return e->ty_plain[t->index];
    uint32_t id = 0;
    switch (t->kind) {
    case IIR_T_ARRAY: {
        if (t->count == 0) {
            emit_fail(e, AIR_NOT_SUPPORTED, "zero-length array outside a buffer");
            return 0;
        }
        uint32_t el = emit_type(e, t->elem);
        if (!el)
            return 0;
        id = spv_typev(&e->b, SpvOpTypeArray, 2, el, emit_const_i32(e, (int32_t)t->count));
        break;
    }
    case IIR_T_STRUCT: {
        uint32_t mem[64];
        if (t->count == 0 || t->count > 64) {
            emit_fail(e, AIR_NOT_SUPPORTED, "struct with %u members", t->count);
            return 0;
        }
        for (uint32_t i = 0; i < t->count; i++)
            if (!(mem[i] = emit_type(e, t->members[i])))
                return 0;
        id = spv_type(&e->b, SpvOpTypeStruct, t->count, mem);
        break;
    }
    case IIR_T_PTR:
    case IIR_T_OPAQUE:
        emit_fail(e, AIR_NOT_SUPPORTED, "pointer or opaque value stored as data");
        return 0;
    default:
        id = type_common(e, t, false);
    }
    e->ty_plain[t->index] = id;
    return id;
}

uint32_t
emit_type_layout(struct emitter *e, const struct iir_type *t)
{
    if (e->ty_layout[t->index])
        return e->ty_layout[t->index];
    uint32_t id = 0;
    switch (t->kind) {
    case IIR_T_ARRAY: {
        uint32_t el = emit_type_layout(e, t->elem);
        if (!el || t->count == 0) {
            if (el)
                emit_fail(e, AIR_NOT_SUPPORTED, "zero-length array inside a buffer struct");
            return 0;
        }
        uint32_t ops[2] = { el, emit_const_i32(e, (int32_t)t->count) };
        id = spv_type_unique(&e->b, SpvOpTypeArray, 2, ops);
        spv_decorate(&e->b, id, SpvDecorationArrayStride, 1, (uint32_t)t->elem->size);
        break;
    }
    case IIR_T_STRUCT: {
        uint32_t mem[64];
        if (t->count == 0 || t->count > 64) {
            emit_fail(e, AIR_NOT_SUPPORTED, "struct with %u members", t->count);
            return 0;
        }
        for (uint32_t i = 0; i < t->count; i++)
            if (!(mem[i] = emit_type_layout(e, t->members[i])))
                return 0;
        id = spv_type_unique(&e->b, SpvOpTypeStruct, t->count, mem);
        for (uint32_t i = 0; i < t->count; i++)
            spv_member_decorate(&e->b, id, i, SpvDecorationOffset, 1, t->offsets[i]);
        break;
    }
    case IIR_T_PTR:
    case IIR_T_OPAQUE:
        emit_fail(e, AIR_NOT_SUPPORTED, "pointer stored in a buffer (argument buffers: later)");
        return 0;
    default:
        id = type_common(e, t, true);
    }
    e->ty_layout[t->index] = id;
    return id;
}

/* True when a type contains half (its buffer and register forms then differ). */
static bool
has_half(const struct iir_type *t)
{
    switch (t->kind) {
    case IIR_T_FLOAT:
        return t->bits == 16;
    case IIR_T_VEC:
    case IIR_T_ARRAY:
        return has_half(t->elem);
    case IIR_T_STRUCT:
        for (uint32_t i = 0; i < t->count; i++)
            if (has_half(t->members[i]))
                return true;
        return false;
    default:
        return false;
    }
}

static bool
is_aggregate(const struct iir_type *t)
{
    return t->kind == IIR_T_ARRAY || t->kind == IIR_T_STRUCT;
}

/* ---- instructions and constants ---- */

uint32_t
emit_op(struct emitter *e, SpvOp op, uint32_t type, unsigned n, const uint32_t *ops)
{
    uint32_t w[20];
    uint32_t id = spv_id(&e->b);
    if (n > 18)
        return emit_fail(e, AIR_NOT_SUPPORTED, "instruction with %u operands", n), 0;
    w[0] = type;
    w[1] = id;
    memcpy(w + 2, ops, n * sizeof(uint32_t));
    spv_op(e->body, op, n + 2, w);
    return id;
}

uint32_t
emit_opv(struct emitter *e, SpvOp op, uint32_t type, unsigned n, ...)
{
    uint32_t ops[16];
    va_list ap;
    va_start(ap, n);
    for (unsigned i = 0; i < n && i < 16; i++)
        ops[i] = va_arg(ap, uint32_t);
    va_end(ap);
    return emit_op(e, op, type, n < 16 ? n : 16, ops);
}

uint32_t
emit_glsl(struct emitter *e, uint32_t type, enum GLSLstd450 inst, unsigned n, const uint32_t *ops)
{
    uint32_t w[8] = { e->glsl, (uint32_t)inst };
    for (unsigned i = 0; i < n && i < 6; i++)
        w[2 + i] = ops[i];
    return emit_op(e, SpvOpExtInst, type, 2 + (n < 6 ? n : 6), w);
}

uint32_t
emit_const_i32(struct emitter *e, int32_t v)
{
    return spv_const_u32(&e->b, e->t_i32, (uint32_t)v);
}

uint32_t
emit_const_f32(struct emitter *e, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    return spv_const_u32(&e->b, e->t_f32, u);
}

uint32_t
emit_splat(struct emitter *e, uint32_t type, uint32_t scalar_id, uint32_t lanes)
{
    if (lanes == 1)
        return scalar_id;
    uint32_t ops[5] = { type, scalar_id, scalar_id, scalar_id, scalar_id };
    return spv_type(&e->b, SpvOpConstantComposite, 1 + lanes, ops);
}

static uint32_t
const_value(struct emitter *e, uint32_t vid, int depth)
{
    const struct iir_value *v = iir_val(e->m, vid);
    const struct iir_type *t = v->type;
    if (depth > 16)
        return emit_fail(e, AIR_NOT_SUPPORTED, "constant nested too deeply"), 0;
    uint32_t ty = emit_type(e, t);
    if (!ty)
        return 0;
    switch (v->kind) {
    case IIR_V_UNDEF:
    case IIR_V_ZERO:
        return spv_typev(&e->b, SpvOpConstantNull, 1, ty);
    case IIR_V_INT:
        if (t->bits == 1)
            return spv_typev(&e->b, (v->u & 1) ? SpvOpConstantTrue : SpvOpConstantFalse, 1, ty);
        if (t->bits == 64)
            return spv_typev(&e->b, SpvOpConstant, 3, ty, (uint32_t)v->u, (uint32_t)(v->u >> 32));
        return spv_typev(&e->b, SpvOpConstant, 2, ty,
                         (uint32_t)(t->bits < 32 ? v->u & ((1u << t->bits) - 1) : v->u));
    case IIR_V_FLOAT:
        if (t->bits == 64) {
            uint64_t u;
            memcpy(&u, &v->f, 8);
            return spv_typev(&e->b, SpvOpConstant, 3, ty, (uint32_t)u, (uint32_t)(u >> 32));
        }
        return emit_const_f32(e, (float)v->f);
    case IIR_V_AGG: {
        if (v->nops > 1024)
            return emit_fail(e, AIR_NOT_SUPPORTED, "constant aggregate of %u elements", v->nops), 0;
        uint32_t *ops = ut_calloc_array(v->nops + 1, sizeof(uint32_t));
        if (!ops)
            return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory"), 0;
        ops[0] = ty;
        for (uint32_t i = 0; i < v->nops; i++)
            if (!(ops[1 + i] = const_value(e, v->ops[i], depth + 1))) {
                ut_free(ops);
                return 0;
            }
        uint32_t id = spv_type(&e->b, SpvOpConstantComposite, v->nops + 1, ops);
        ut_free(ops);
        return id;
    }
    default:
        return emit_fail(e, AIR_NOT_SUPPORTED, "constant expression used as data"), 0;
    }
}

void
emit_set(struct emitter *e, uint32_t vid, uint32_t id)
{
    e->vm[vid].kind = VM_ID;
    e->vm[vid].id = id;
    if (e->dispatch && e->vm[vid].var)
        spv_opv(e->body, SpvOpStore, 2, e->vm[vid].var, id);
}

static bool emit_cexpr(struct emitter *e, uint32_t vid);

uint32_t
emit_value(struct emitter *e, uint32_t vid)
{
    const struct iir_value *v = iir_val(e->m, vid);
    struct vmap *vm = &e->vm[vid];
    switch (v->kind) {
    case IIR_V_INST:
    case IIR_V_ARG:
        if (vm->kind == VM_ID) {
            if (e->dispatch && vm->var && e->def_block[vid] != e->cur_block)
                return emit_op(e, SpvOpLoad, emit_type(e, v->type), 1, &vm->var);
            return vm->id;
        }
        if (vm->kind == VM_VIRT) {
            /* Materialise a virtual composite (rarely needed). */
            uint32_t ty = emit_type(e, v->type);
            uint32_t ops[8];
            if (!ty || vm->nmembers > 8)
                return 0;
            for (uint32_t i = 0; i < vm->nmembers; i++)
                ops[i] = vm->members[i];
            return emit_op(e, SpvOpCompositeConstruct, ty, vm->nmembers, ops);
        }
        if (vm->kind == VM_NONE && v->kind == IIR_V_INST && e->m->insts[v->aux].op == IIR_OP_PHI)
            return emit_fail(e, AIR_INVALID_DATA, "phi used before its block"), 0;
        return emit_fail(e, AIR_NOT_SUPPORTED, "pointer or resource used as data (%s)",
                         v->kind == IIR_V_INST ? iir_op_name(e->m->insts[v->aux].op) : "argument"),
               0;
    case IIR_V_CEXPR:
        if (vm->kind == VM_NONE && !emit_cexpr(e, vid))
            return 0;
        if (vm->kind != VM_ID)
            return emit_fail(e, AIR_NOT_SUPPORTED, "constant pointer expression used as data"), 0;
        return vm->id;
    case IIR_V_GLOBAL:
    case IIR_V_FUNC:
        return emit_fail(e, AIR_NOT_SUPPORTED, "global address used as data"), 0;
    default:
        return const_value(e, vid, 0);
    }
}

/* ---- pointers ---- */

static struct symptr *
ptr_new(struct emitter *e, const struct symptr *from)
{
    struct symptr *p = iir_arena_alloc(e->arena, sizeof(*p));
    if (!p) {
        emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    if (from)
        *p = *from;
    return p;
}

static struct symptr *ptr_of(struct emitter *e, uint32_t vid);

static uint32_t
to_i32(struct emitter *e, uint32_t vid)
{
    const struct iir_value *v = iir_val(e->m, vid);
    if (v->kind == IIR_V_INT)
        return emit_const_i32(e, (int32_t)(uint32_t)v->u);
    uint32_t id = emit_value(e, vid);
    if (!id)
        return 0;
    if (v->type->kind != IIR_T_INT || v->type->bits == 1)
        return emit_fail(e, AIR_NOT_SUPPORTED, "non-integer index"), 0;
    if (v->type->bits == 32)
        return id;
    return emit_opv(e, SpvOpSConvert, e->t_i32, 1, id);
}

static bool
is_zero_const(const struct iir_module *m, uint32_t vid)
{
    const struct iir_value *v = iir_val(m, vid);
    return (v->kind == IIR_V_INT && v->u == 0) || v->kind == IIR_V_ZERO;
}

/* Walks into the first member/element until the pointee is `want` (array decay, typed-IR
 * bitcasts that opaque mode turned into plain pointer uses). */
static bool
ptr_descend(struct emitter *e, struct symptr *p, const struct iir_type *want)
{
    while (p->pointee != want) {
        const struct iir_type *t = p->pointee;
        if (!(t->kind == IIR_T_ARRAY || t->kind == IIR_T_STRUCT || t->kind == IIR_T_VEC) ||
            p->n >= MAX_CHAIN || t->count == 0)
            return false;
        p->idx[p->n++] = emit_const_i32(e, 0);
        p->last_array = t->kind == IIR_T_ARRAY;
        p->pointee = t->kind == IIR_T_STRUCT ? t->members[0] : t->elem;
    }
    return true;
}

static void
type_str(const struct iir_type *t, char *buf, size_t n)
{
    switch (t->kind) {
    case IIR_T_INT:
        snprintf(buf, n, "i%u", t->bits);
        break;
    case IIR_T_FLOAT:
        snprintf(buf, n, "f%u", t->bits);
        break;
    case IIR_T_VEC:
        snprintf(buf, n, "<%u x %s%u>", t->count, t->elem->kind == IIR_T_FLOAT ? "f" : "i",
                 t->elem->bits);
        break;
    case IIR_T_ARRAY:
        snprintf(buf, n, "[%u x ...]", t->count);
        break;
    case IIR_T_STRUCT:
        snprintf(buf, n, "%%%s", t->name ? t->name : "struct");
        break;
    default:
        snprintf(buf, n, "type#%u", t->kind);
    }
}

/* Words per element of t when a buffer of 32-bit words is reinterpreted as t: a 32-bit scalar
 * or a vector of them (Apple stride: a 3-vector takes 4 words); 0 when not such a type. */
static uint32_t
word_elems(const struct iir_type *t, uint32_t *lanes)
{
    const struct iir_type *s = t->kind == IIR_T_VEC ? t->elem : t;
    if ((s->kind != IIR_T_INT && s->kind != IIR_T_FLOAT) || s->bits != 32)
        return 0;
    *lanes = t->kind == IIR_T_VEC ? t->count : 1;
    return *lanes == 3 ? 4 : *lanes;
}

/* A reinterpreted pointer (spec/air.md §5.4.2): a buffer pointer whose pointee is one 32-bit
 * word of a runtime array, used as a pointer to another 32-bit scalar or vector type. Its
 * last index counts words; loads and stores go word by word with OpBitcast. */
static bool
word_view(const struct symptr *p, const struct iir_type *t)
{
    uint32_t lanes = 1;
    const struct iir_type *w = p->pointee;
    return p->layout && p->last_array && p->n > 0 && p->pointee != t &&
           (w->kind == IIR_T_INT || w->kind == IIR_T_FLOAT) && w->bits == 32 &&
           word_elems(t, &lanes) != 0;
}

static bool
ptr_gep(struct emitter *e, const struct iir_inst *in)
{
    struct symptr *base = ptr_of(e, in->ops[0]);
    if (!base)
        return false;
    struct symptr *p = ptr_new(e, base);
    if (!p)
        return false;
    if (word_view(p, in->aux_type)) {
        /* Indices count elements of aux_type: scale them to words, stay on the word. */
        uint32_t lanes = 1, words = word_elems(in->aux_type, &lanes);
        for (uint32_t i = 1; i < in->nops && i < 3; i++) {
            if (is_zero_const(e->m, in->ops[i]))
                continue;
            uint32_t ix = to_i32(e, in->ops[i]);
            if (!ix)
                return false;
            if (i == 1 && words != 1)
                ix = emit_opv(e, SpvOpIMul, e->t_i32, 2, ix, emit_const_i32(e, (int32_t)words));
            if (i == 2 && in->aux_type->kind != IIR_T_VEC)
                return emit_fail(e, AIR_INVALID_DATA, "getelementptr indexes a scalar");
            p->idx[p->n - 1] = emit_opv(e, SpvOpIAdd, e->t_i32, 2, p->idx[p->n - 1], ix);
        }
        if (in->nops > 3)
            return emit_fail(e, AIR_INVALID_DATA, "getelementptr indexes a scalar");
        goto done;
    }
    if (!ptr_descend(e, p, in->aux_type)) {
        char a[48], b[48];
        type_str(in->aux_type, a, sizeof(a));
        type_str(base->pointee, b, sizeof(b));
        return emit_fail(e, AIR_NOT_SUPPORTED,
                         "getelementptr reinterprets a pointer to %s as %s (reinterpreted "
                         "pointers: later)",
                         b, a);
    }
    if (in->nops < 2)
        goto done;
    if (!is_zero_const(e->m, in->ops[1])) {
        if (!p->last_array || p->n == 0)
            return emit_fail(e, AIR_NOT_SUPPORTED,
                             "pointer arithmetic outside an array (getelementptr)");
        uint32_t off = to_i32(e, in->ops[1]);
        if (!off)
            return false;
        p->idx[p->n - 1] = emit_opv(e, SpvOpIAdd, e->t_i32, 2, p->idx[p->n - 1], off);
    }
    for (uint32_t i = 2; i < in->nops; i++) {
        const struct iir_type *t = p->pointee;
        if (p->n >= MAX_CHAIN)
            return emit_fail(e, AIR_NOT_SUPPORTED, "access chain deeper than %d", MAX_CHAIN);
        if (t->kind == IIR_T_STRUCT) {
            const struct iir_value *iv = iir_val(e->m, in->ops[i]);
            uint32_t k = iv->kind == IIR_V_ZERO ? 0 : (uint32_t)iv->u;
            if ((iv->kind != IIR_V_INT && iv->kind != IIR_V_ZERO) || k >= t->count)
                return emit_fail(e, AIR_INVALID_DATA, "bad struct index in getelementptr");
            p->idx[p->n++] = emit_const_i32(e, (int32_t)k);
            p->pointee = t->members[k];
            p->last_array = false;
        } else if (t->kind == IIR_T_ARRAY || t->kind == IIR_T_VEC) {
            uint32_t ix = to_i32(e, in->ops[i]);
            if (!ix)
                return false;
            p->idx[p->n++] = ix;
            p->pointee = t->elem;
            p->last_array = t->kind == IIR_T_ARRAY;
        } else {
            return emit_fail(e, AIR_INVALID_DATA, "getelementptr indexes a scalar");
        }
    }
done:
    e->vm[in->result].kind = VM_PTR;
    e->vm[in->result].ptr = p;
    if (e->dispatch && e->vm[in->result].var) {
        /* Cross-block pointer in dispatch mode: not yet (needs index variables). */
        return emit_fail(e, AIR_NOT_SUPPORTED,
                         "pointer live across blocks in a dispatch-loop function");
    }
    return true;
}

static bool
emit_cexpr(struct emitter *e, uint32_t vid)
{
    const struct iir_inst *in = &e->m->insts[iir_val(e->m, vid)->aux];
    switch (in->op) {
    case IIR_OP_GEP:
        return ptr_gep(e, in);
    case IIR_OP_BITCAST:
    case IIR_OP_ADDRSPACECAST:
        if (iir_val(e->m, vid)->type->kind == IIR_T_PTR) {
            e->vm[vid] = e->vm[in->ops[0]];
            if (e->vm[vid].kind == VM_NONE && !ptr_of(e, in->ops[0]))
                return false;
            e->vm[vid] = e->vm[in->ops[0]];
            return true;
        }
        return emit_fail(e, AIR_NOT_SUPPORTED, "constant bitcast expression");
    default:
        return emit_fail(e, AIR_NOT_SUPPORTED, "constant expression '%s'", iir_op_name(in->op));
    }
}

bool
emit_resolve_cexpr(struct emitter *e, uint32_t vid)
{
    if (e->vm[vid].kind != VM_NONE)
        return true;
    return emit_cexpr(e, vid);
}

static struct symptr *
ptr_of(struct emitter *e, uint32_t vid)
{
    struct vmap *vm = &e->vm[vid];
    if (vm->kind == VM_NONE && iir_val(e->m, vid)->kind == IIR_V_CEXPR)
        emit_cexpr(e, vid);
    if (vm->kind == VM_PTR)
        return vm->ptr;
    if (e->st == AIR_OK)
        emit_fail(e, AIR_NOT_SUPPORTED,
                  "pointer of unknown origin (phi/select of pointers, "
                  "inttoptr: later)");
    return NULL;
}

static uint32_t
ptr_chain(struct emitter *e, const struct symptr *p)
{
    uint32_t pt = p->layout ? emit_type_layout(e, p->pointee) : emit_type(e, p->pointee);
    if (!pt)
        return 0;
    if (p->n == 0)
        return p->base;
    uint32_t ops[MAX_CHAIN + 1];
    ops[0] = p->base;
    memcpy(ops + 1, p->idx, p->n * sizeof(uint32_t));
    return emit_op(e, SpvOpAccessChain, emit_ptr_type(e, p->sc, pt), p->n + 1, ops);
}

/* Resolves the pointer operand of a load/store to an access chain whose pointee is t. */
static uint32_t
access(struct emitter *e, uint32_t ptr_vid, const struct iir_type *t, const char *what)
{
    struct symptr *p0 = ptr_of(e, ptr_vid);
    if (!p0)
        return 0;
    struct symptr p = *p0;
    if (!ptr_descend(e, &p, t)) {
        char a[48], b[48];
        type_str(t, a, sizeof(a));
        type_str(p0->pointee, b, sizeof(b));
        return emit_fail(e, AIR_NOT_SUPPORTED,
                         "%s of %s through a pointer to %s (reinterpreted pointers: later)", what,
                         a, b),
               0;
    }
    return ptr_chain(e, &p);
}

/* Loads (store == 0) or stores a value of type t through a word view: one word per lane. */
static uint32_t
word_access(struct emitter *e, const struct symptr *p0, const struct iir_type *t, uint32_t store)
{
    uint32_t lanes = 1, comp[4];
    word_elems(t, &lanes);
    const struct iir_type *s = t->kind == IIR_T_VEC ? t->elem : t;
    uint32_t sty = emit_type(e, s), wty = emit_type_layout(e, p0->pointee);
    if (!sty || !wty)
        return 0;
    for (uint32_t k = 0; k < lanes; k++) {
        struct symptr p = *p0;
        if (k)
            p.idx[p.n - 1] =
                emit_opv(e, SpvOpIAdd, e->t_i32, 2, p.idx[p.n - 1], emit_const_i32(e, (int32_t)k));
        uint32_t chain = ptr_chain(e, &p);
        if (!chain)
            return 0;
        if (store) {
            uint32_t v = lanes == 1 ? store : emit_opv(e, SpvOpCompositeExtract, sty, 2, store, k);
            spv_opv(e->body, SpvOpStore, 2, chain,
                    sty == wty ? v : emit_opv(e, SpvOpBitcast, wty, 1, v));
            continue;
        }
        uint32_t w = emit_opv(e, SpvOpLoad, wty, 1, chain);
        comp[k] = sty == wty ? w : emit_opv(e, SpvOpBitcast, sty, 1, w);
    }
    if (store || lanes == 1)
        return store ? store : comp[0];
    return emit_op(e, SpvOpCompositeConstruct, emit_type(e, t), lanes, comp);
}

static bool
emit_load(struct emitter *e, const struct iir_inst *in)
{
    struct symptr *p0 = ptr_of(e, in->ops[0]);
    if (!p0)
        return false;
    if (word_view(p0, in->type)) {
        uint32_t v = word_access(e, p0, in->type, 0);
        if (v)
            emit_set(e, in->result, v);
        return v != 0;
    }
    uint32_t chain = access(e, in->ops[0], in->type, "load");
    if (!chain)
        return false;
    uint32_t ty = emit_type(e, in->type);
    if (!ty)
        return false;
    if (!p0->layout) {
        emit_set(e, in->result, emit_opv(e, SpvOpLoad, ty, 1, chain));
        return true;
    }
    uint32_t lty = emit_type_layout(e, in->type);
    uint32_t v = emit_opv(e, SpvOpLoad, lty, 1, chain);
    if (has_half(in->type)) {
        if (is_aggregate(in->type))
            return emit_fail(e, AIR_NOT_SUPPORTED, "load of an aggregate holding half");
        v = emit_opv(e, SpvOpFConvert, ty, 1, v);
    } else if (is_aggregate(in->type)) {
        v = emit_opv(e, SpvOpCopyLogical, ty, 1, v);
    }
    emit_set(e, in->result, v);
    return true;
}

static bool
emit_store(struct emitter *e, const struct iir_inst *in)
{
    struct symptr *p0 = ptr_of(e, in->ops[1]);
    if (!p0)
        return false;
    const struct iir_type *t = in->aux_type;
    if (word_view(p0, t)) {
        uint32_t v = emit_value(e, in->ops[0]);
        return v && word_access(e, p0, t, v) != 0;
    }
    uint32_t chain = access(e, in->ops[1], t, "store");
    uint32_t v = chain ? emit_value(e, in->ops[0]) : 0;
    if (!v)
        return false;
    if (p0->layout) {
        uint32_t lty = emit_type_layout(e, t);
        if (has_half(t)) {
            if (is_aggregate(t))
                return emit_fail(e, AIR_NOT_SUPPORTED, "store of an aggregate holding half");
            v = emit_opv(e, SpvOpFConvert, lty, 1, v);
        } else if (is_aggregate(t)) {
            v = emit_opv(e, SpvOpCopyLogical, lty, 1, v);
        }
    }
    spv_opv(e->body, SpvOpStore, 2, chain, v);
    return true;
}

static bool
emit_alloca(struct emitter *e, const struct iir_inst *in)
{
    uint32_t ty = emit_type(e, in->aux_type);
    if (!ty)
        return false;
    uint32_t var = spv_id(&e->b);
    spv_opv(&e->fvars, SpvOpVariable, 3, emit_ptr_type(e, SpvStorageClassFunction, ty), var,
            SpvStorageClassFunction);
    struct symptr *p = ptr_new(e, NULL);
    if (!p)
        return false;
    p->base = var;
    p->sc = SpvStorageClassFunction;
    p->pointee = in->aux_type;
    e->vm[in->result].kind = VM_PTR;
    e->vm[in->result].ptr = p;
    return true;
}

/* ---- arithmetic ---- */

static bool
is_bool(const struct iir_type *t)
{
    return iir_scalar(t)->kind == IIR_T_INT && iir_scalar(t)->bits == 1;
}

static uint32_t
int_const_splat(struct emitter *e, const struct iir_type *t, uint64_t v)
{
    const struct iir_type *s = iir_scalar(t);
    uint32_t sty = emit_type(e, s);
    uint32_t c = s->bits == 64
                     ? spv_typev(&e->b, SpvOpConstant, 3, sty, (uint32_t)v, (uint32_t)(v >> 32))
                     : spv_typev(&e->b, SpvOpConstant, 2, sty, (uint32_t)v);
    return emit_splat(e, emit_type(e, t), c, iir_lanes(t));
}

static bool
emit_binary(struct emitter *e, const struct iir_inst *in)
{
    uint32_t a = emit_value(e, in->ops[0]);
    uint32_t b = a ? emit_value(e, in->ops[1]) : 0;
    uint32_t ty = emit_type(e, in->type);
    if (!b || !ty)
        return false;
    SpvOp op;
    bool bl = is_bool(in->type);
    switch (in->op) {
    case IIR_OP_ADD:
        op = SpvOpIAdd;
        break;
    case IIR_OP_SUB:
        op = SpvOpISub;
        break;
    case IIR_OP_MUL:
        op = SpvOpIMul;
        break;
    case IIR_OP_UDIV:
        op = SpvOpUDiv;
        break;
    case IIR_OP_SDIV:
        op = SpvOpSDiv;
        break;
    case IIR_OP_UREM:
        op = SpvOpUMod;
        break;
    case IIR_OP_SREM:
        op = SpvOpSRem;
        break;
    case IIR_OP_FADD:
        op = SpvOpFAdd;
        break;
    case IIR_OP_FSUB:
        op = SpvOpFSub;
        break;
    case IIR_OP_FMUL:
        op = SpvOpFMul;
        break;
    case IIR_OP_FDIV:
        op = SpvOpFDiv;
        break;
    case IIR_OP_FREM:
        op = SpvOpFRem;
        break;
    case IIR_OP_SHL:
        op = SpvOpShiftLeftLogical;
        break;
    case IIR_OP_LSHR:
        op = SpvOpShiftRightLogical;
        break;
    case IIR_OP_ASHR:
        op = SpvOpShiftRightArithmetic;
        break;
    case IIR_OP_AND:
        op = bl ? SpvOpLogicalAnd : SpvOpBitwiseAnd;
        break;
    case IIR_OP_OR:
        op = bl ? SpvOpLogicalOr : SpvOpBitwiseOr;
        break;
    case IIR_OP_XOR:
        op = bl ? SpvOpLogicalNotEqual : SpvOpBitwiseXor;
        break;
    default:
        return emit_fail(e, AIR_NOT_SUPPORTED, "binary op %s", iir_op_name(in->op));
    }
    if (bl && op != SpvOpLogicalAnd && op != SpvOpLogicalOr && op != SpvOpLogicalNotEqual)
        return emit_fail(e, AIR_NOT_SUPPORTED, "arithmetic on i1 (%s)", iir_op_name(in->op));
    emit_set(e, in->result, emit_opv(e, op, ty, 2, a, b));
    return true;
}

static bool
emit_cast(struct emitter *e, const struct iir_inst *in)
{
    const struct iir_type *from = iir_val(e->m, in->ops[0])->type, *to = in->type;
    if (to->kind == IIR_T_PTR || from->kind == IIR_T_PTR) {
        if ((in->op == IIR_OP_BITCAST || in->op == IIR_OP_ADDRSPACECAST) && to->kind == IIR_T_PTR &&
            from->kind == IIR_T_PTR) {
            struct symptr *p = ptr_of(e, in->ops[0]);
            if (!p)
                return false;
            e->vm[in->result] = e->vm[in->ops[0]];
            e->vm[in->result].var = 0;
            return true;
        }
        return emit_fail(e, AIR_NOT_SUPPORTED,
                         "%s on a pointer (raw addresses are never "
                         "translated)",
                         iir_op_name(in->op));
    }
    uint32_t a = emit_value(e, in->ops[0]);
    uint32_t ty = emit_type(e, to);
    if (!a || !ty)
        return false;
    uint32_t r = 0;
    uint32_t lanes = iir_lanes(to);
    switch (in->op) {
    case IIR_OP_TRUNC:
        if (is_bool(to)) {
            uint32_t one = int_const_splat(e, from, 1);
            uint32_t m = emit_opv(e, SpvOpBitwiseAnd, emit_type(e, from), 2, a, one);
            r = emit_opv(e, SpvOpINotEqual, ty, 2, m, int_const_splat(e, from, 0));
        } else {
            r = emit_opv(e, SpvOpUConvert, ty, 1, a);
        }
        break;
    case IIR_OP_ZEXT:
    case IIR_OP_SEXT:
        if (is_bool(from)) {
            uint64_t ones = in->op == IIR_OP_SEXT ? ~0ull : 1;
            if (iir_scalar(to)->bits < 64)
                ones &= (1ull << iir_scalar(to)->bits) - 1;
            r = emit_opv(e, SpvOpSelect, ty, 3, a, int_const_splat(e, to, ones),
                         int_const_splat(e, to, 0));
        } else {
            r = emit_opv(e, in->op == IIR_OP_ZEXT ? SpvOpUConvert : SpvOpSConvert, ty, 1, a);
        }
        break;
    case IIR_OP_FPTOUI:
        r = emit_opv(e, SpvOpConvertFToU, ty, 1, a);
        break;
    case IIR_OP_FPTOSI:
        r = emit_opv(e, SpvOpConvertFToS, ty, 1, a);
        break;
    case IIR_OP_UITOFP:
    case IIR_OP_SITOFP:
        if (is_bool(from)) {
            uint32_t one = emit_splat(e, ty, emit_const_f32(e, 1.0f), lanes);
            uint32_t zero = emit_splat(e, ty, emit_const_f32(e, 0.0f), lanes);
            if (in->op == IIR_OP_SITOFP)
                one = emit_splat(e, ty, emit_const_f32(e, -1.0f), lanes);
            r = emit_opv(e, SpvOpSelect, ty, 3, a, one, zero);
        } else {
            r = emit_opv(e, in->op == IIR_OP_UITOFP ? SpvOpConvertUToF : SpvOpConvertSToF, ty, 1,
                         a);
        }
        break;
    case IIR_OP_FPTRUNC:
    case IIR_OP_FPEXT:
        /* half is promoted: f16 <-> f32 is the identity here (§5.4.6). */
        r = emit_type(e, from) == ty ? a : emit_opv(e, SpvOpFConvert, ty, 1, a);
        break;
    case IIR_OP_BITCAST:
        if (has_half(from) || has_half(to))
            return emit_fail(e, AIR_NOT_SUPPORTED, "bitcast involving half (promoted to float)");
        if (is_bool(from) || is_bool(to))
            return emit_fail(e, AIR_NOT_SUPPORTED, "bitcast involving i1 vectors");
        r = emit_type(e, from) == ty ? a : emit_opv(e, SpvOpBitcast, ty, 1, a);
        break;
    default:
        return emit_fail(e, AIR_NOT_SUPPORTED, "cast %s", iir_op_name(in->op));
    }
    emit_set(e, in->result, r);
    return true;
}

static bool
emit_cmp(struct emitter *e, const struct iir_inst *in)
{
    uint32_t a = emit_value(e, in->ops[0]);
    uint32_t b = a ? emit_value(e, in->ops[1]) : 0;
    uint32_t ty = emit_type(e, in->type);
    if (!b || !ty)
        return false;
    SpvOp op;
    const struct iir_type *ot = iir_val(e->m, in->ops[0])->type;
    if (ot->kind == IIR_T_PTR)
        return emit_fail(e, AIR_NOT_SUPPORTED, "pointer comparison");
    bool bl = is_bool(ot);
    switch (in->pred) {
    case IIR_ICMP_EQ:
        op = bl ? SpvOpLogicalEqual : SpvOpIEqual;
        break;
    case IIR_ICMP_NE:
        op = bl ? SpvOpLogicalNotEqual : SpvOpINotEqual;
        break;
    case IIR_ICMP_UGT:
        op = SpvOpUGreaterThan;
        break;
    case IIR_ICMP_UGE:
        op = SpvOpUGreaterThanEqual;
        break;
    case IIR_ICMP_ULT:
        op = SpvOpULessThan;
        break;
    case IIR_ICMP_ULE:
        op = SpvOpULessThanEqual;
        break;
    case IIR_ICMP_SGT:
        op = SpvOpSGreaterThan;
        break;
    case IIR_ICMP_SGE:
        op = SpvOpSGreaterThanEqual;
        break;
    case IIR_ICMP_SLT:
        op = SpvOpSLessThan;
        break;
    case IIR_ICMP_SLE:
        op = SpvOpSLessThanEqual;
        break;
    case IIR_FCMP_OEQ:
        op = SpvOpFOrdEqual;
        break;
    case IIR_FCMP_OGT:
        op = SpvOpFOrdGreaterThan;
        break;
    case IIR_FCMP_OGE:
        op = SpvOpFOrdGreaterThanEqual;
        break;
    case IIR_FCMP_OLT:
        op = SpvOpFOrdLessThan;
        break;
    case IIR_FCMP_OLE:
        op = SpvOpFOrdLessThanEqual;
        break;
    case IIR_FCMP_ONE:
        op = SpvOpFOrdNotEqual;
        break;
    case IIR_FCMP_UEQ:
        op = SpvOpFUnordEqual;
        break;
    case IIR_FCMP_UGT:
        op = SpvOpFUnordGreaterThan;
        break;
    case IIR_FCMP_UGE:
        op = SpvOpFUnordGreaterThanEqual;
        break;
    case IIR_FCMP_ULT:
        op = SpvOpFUnordLessThan;
        break;
    case IIR_FCMP_ULE:
        op = SpvOpFUnordLessThanEqual;
        break;
    case IIR_FCMP_UNE:
        op = SpvOpFUnordNotEqual;
        break;
    case IIR_FCMP_ORD:
    case IIR_FCMP_UNO: {
        uint32_t na = emit_opv(e, SpvOpIsNan, ty, 1, a), nb = emit_opv(e, SpvOpIsNan, ty, 1, b);
        uint32_t any = emit_opv(e, SpvOpLogicalOr, ty, 2, na, nb);
        emit_set(e, in->result,
                 in->pred == IIR_FCMP_UNO ? any : emit_opv(e, SpvOpLogicalNot, ty, 1, any));
        return true;
    }
    case IIR_FCMP_FALSE:
    case IIR_FCMP_TRUE: {
        uint32_t c =
            spv_typev(&e->b, in->pred == IIR_FCMP_TRUE ? SpvOpConstantTrue : SpvOpConstantFalse, 1,
                      e->t_bool);
        emit_set(e, in->result, emit_splat(e, ty, c, iir_lanes(in->type)));
        return true;
    }
    default:
        return emit_fail(e, AIR_INVALID_DATA, "comparison predicate %u", in->pred);
    }
    emit_set(e, in->result, emit_opv(e, op, ty, 2, a, b));
    return true;
}

static bool
emit_vector_op(struct emitter *e, const struct iir_inst *in)
{
    uint32_t ty = emit_type(e, in->type);
    if (!ty)
        return false;
    switch (in->op) {
    case IIR_OP_EXTRACTELEMENT: {
        uint32_t v = emit_value(e, in->ops[0]);
        if (!v)
            return false;
        const struct iir_value *ix = iir_val(e->m, in->ops[1]);
        if (ix->kind == IIR_V_INT || ix->kind == IIR_V_ZERO) {
            uint32_t k = ix->kind == IIR_V_ZERO ? 0 : (uint32_t)ix->u;
            if (k >= iir_lanes(iir_val(e->m, in->ops[0])->type))
                return emit_fail(e, AIR_INVALID_DATA, "extractelement index out of range");
            emit_set(e, in->result, emit_opv(e, SpvOpCompositeExtract, ty, 2, v, k));
        } else {
            uint32_t i = emit_value(e, in->ops[1]);
            if (!i)
                return false;
            emit_set(e, in->result, emit_opv(e, SpvOpVectorExtractDynamic, ty, 2, v, i));
        }
        return true;
    }
    case IIR_OP_INSERTELEMENT: {
        uint32_t v = emit_value(e, in->ops[0]);
        uint32_t s = v ? emit_value(e, in->ops[1]) : 0;
        if (!s)
            return false;
        const struct iir_value *ix = iir_val(e->m, in->ops[2]);
        if (ix->kind == IIR_V_INT || ix->kind == IIR_V_ZERO) {
            uint32_t k = ix->kind == IIR_V_ZERO ? 0 : (uint32_t)ix->u;
            if (k >= iir_lanes(in->type))
                return emit_fail(e, AIR_INVALID_DATA, "insertelement index out of range");
            emit_set(e, in->result, emit_opv(e, SpvOpCompositeInsert, ty, 3, s, v, k));
        } else {
            uint32_t i = emit_value(e, in->ops[2]);
            if (!i)
                return false;
            emit_set(e, in->result, emit_opv(e, SpvOpVectorInsertDynamic, ty, 3, v, s, i));
        }
        return true;
    }
    case IIR_OP_SHUFFLEVECTOR: {
        uint32_t a = emit_value(e, in->ops[0]);
        uint32_t b = a ? emit_value(e, in->ops[1]) : 0;
        if (!b)
            return false;
        uint32_t ops[2 + 4] = { a, b };
        uint32_t total = 2 * iir_lanes(iir_val(e->m, in->ops[0])->type);
        if (in->nidx > 4 || in->nidx < 2)
            return emit_fail(e, AIR_NOT_SUPPORTED, "shufflevector to %u lanes", in->nidx);
        for (uint32_t i = 0; i < in->nidx; i++) {
            if (in->idx[i] >= (int32_t)total)
                return emit_fail(e, AIR_INVALID_DATA, "shufflevector mask out of range");
            ops[2 + i] = in->idx[i] < 0 ? 0xFFFFFFFFu : (uint32_t)in->idx[i];
        }
        emit_set(e, in->result, emit_op(e, SpvOpVectorShuffle, ty, 2 + in->nidx, ops));
        return true;
    }
    default:
        return false;
    }
}

static bool
emit_aggregate_op(struct emitter *e, const struct iir_inst *in)
{
    struct vmap *src = &e->vm[in->ops[0]];
    if (in->op == IIR_OP_EXTRACTVALUE && src->kind == VM_VIRT) {
        if (in->nidx != 1 || in->idx[0] < 0 || (uint32_t)in->idx[0] >= src->nmembers)
            return emit_fail(e, AIR_INVALID_DATA, "extractvalue index out of range");
        emit_set(e, in->result, src->members[in->idx[0]]);
        return true;
    }
    uint32_t ty = emit_type(e, in->type);
    uint32_t a = ty ? emit_value(e, in->ops[0]) : 0;
    if (!a)
        return false;
    uint32_t ops[12];
    if (in->nidx > 8)
        return emit_fail(e, AIR_NOT_SUPPORTED, "aggregate index depth %u", in->nidx);
    if (in->op == IIR_OP_EXTRACTVALUE) {
        ops[0] = a;
        for (uint32_t i = 0; i < in->nidx; i++)
            ops[1 + i] = (uint32_t)in->idx[i];
        emit_set(e, in->result, emit_op(e, SpvOpCompositeExtract, ty, 1 + in->nidx, ops));
    } else {
        uint32_t v = emit_value(e, in->ops[1]);
        if (!v)
            return false;
        ops[0] = v;
        ops[1] = a;
        for (uint32_t i = 0; i < in->nidx; i++)
            ops[2 + i] = (uint32_t)in->idx[i];
        emit_set(e, in->result, emit_op(e, SpvOpCompositeInsert, ty, 2 + in->nidx, ops));
    }
    return true;
}

bool
emit_inst(struct emitter *e, const struct iir_inst *in)
{
    switch (in->op) {
    case IIR_OP_ADD:
    case IIR_OP_SUB:
    case IIR_OP_MUL:
    case IIR_OP_UDIV:
    case IIR_OP_SDIV:
    case IIR_OP_UREM:
    case IIR_OP_SREM:
    case IIR_OP_FADD:
    case IIR_OP_FSUB:
    case IIR_OP_FMUL:
    case IIR_OP_FDIV:
    case IIR_OP_FREM:
    case IIR_OP_SHL:
    case IIR_OP_LSHR:
    case IIR_OP_ASHR:
    case IIR_OP_AND:
    case IIR_OP_OR:
    case IIR_OP_XOR:
        return emit_binary(e, in);
    case IIR_OP_FNEG: {
        uint32_t a = emit_value(e, in->ops[0]);
        uint32_t ty = emit_type(e, in->type);
        if (!a || !ty)
            return false;
        emit_set(e, in->result, emit_opv(e, SpvOpFNegate, ty, 1, a));
        return true;
    }
    case IIR_OP_TRUNC:
    case IIR_OP_ZEXT:
    case IIR_OP_SEXT:
    case IIR_OP_FPTOUI:
    case IIR_OP_FPTOSI:
    case IIR_OP_UITOFP:
    case IIR_OP_SITOFP:
    case IIR_OP_FPTRUNC:
    case IIR_OP_FPEXT:
    case IIR_OP_BITCAST:
    case IIR_OP_ADDRSPACECAST:
    case IIR_OP_PTRTOINT:
    case IIR_OP_INTTOPTR:
        return emit_cast(e, in);
    case IIR_OP_ICMP:
    case IIR_OP_FCMP:
        return emit_cmp(e, in);
    case IIR_OP_SELECT: {
        if (in->type->kind == IIR_T_PTR)
            return emit_fail(e, AIR_NOT_SUPPORTED, "select of pointers");
        uint32_t c = emit_value(e, in->ops[0]);
        uint32_t a = c ? emit_value(e, in->ops[1]) : 0;
        uint32_t b = a ? emit_value(e, in->ops[2]) : 0;
        uint32_t ty = b ? emit_type(e, in->type) : 0;
        if (!ty)
            return false;
        emit_set(e, in->result, emit_opv(e, SpvOpSelect, ty, 3, c, a, b));
        return true;
    }
    case IIR_OP_FREEZE: {
        uint32_t a = emit_value(e, in->ops[0]);
        if (!a)
            return false;
        emit_set(e, in->result, a);
        return true;
    }
    case IIR_OP_EXTRACTELEMENT:
    case IIR_OP_INSERTELEMENT:
    case IIR_OP_SHUFFLEVECTOR:
        return emit_vector_op(e, in);
    case IIR_OP_EXTRACTVALUE:
    case IIR_OP_INSERTVALUE:
        return emit_aggregate_op(e, in);
    case IIR_OP_ALLOCA:
        return emit_alloca(e, in);
    case IIR_OP_LOAD:
        return emit_load(e, in);
    case IIR_OP_STORE:
        return emit_store(e, in);
    case IIR_OP_GEP:
        return ptr_gep(e, in);
    case IIR_OP_CALL:
        return emit_call(e, in);
    default:
        return emit_fail(e, AIR_NOT_SUPPORTED, "instruction '%s'", iir_op_name(in->op));
    }
}

uint32_t
emit_access(struct emitter *e, uint32_t ptr_vid, const struct iir_type *t, const char *what)
{
    return access(e, ptr_vid, t, what);
}

struct symptr *
emit_ptr_of(struct emitter *e, uint32_t vid)
{
    return ptr_of(e, vid);
}

struct symptr *
emit_ptr_copy(struct emitter *e, const struct symptr *from)
{
    return ptr_new(e, from);
}
