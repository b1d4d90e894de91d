/* SPDX-License-Identifier: MIT */
/*
 * air.* and llvm.* calls (spec/air.md §4.6, §4.7, §5.4.5, §5.4.8): each callee name is split
 * once into operation, fast_ prefix and overload tokens and looked up in static tables: math
 * families → GLSL.std.450 (precise min/max/clamp → N*, fast_ → F*), conversions, barriers,
 * texture sample/read/write/size, discard, atomics. An unknown name fails the translation
 * naming it; helper calls (internal functions) are not inlined yet. One translation, one
 * thread.
 */
#include <string.h>

#include "air/emit_internal.h"

struct callname {
    char op[48];
    bool fast;
    char sign; /* 's', 'u' or 'f' marker before the type, 0 if none */
};

static void
split_name(const char *name, struct callname *cn)
{
    memset(cn, 0, sizeof(*cn));
    const char *p = name + 4; /* "air." */
    if (strncmp(p, "fast_", 5) == 0) {
        cn->fast = true;
        p += 5;
    }
    size_t len = strcspn(p, ".");
    if (len >= sizeof(cn->op))
        len = sizeof(cn->op) - 1;
    memcpy(cn->op, p, len);
    p += len;
    if (p[0] == '.' && (p[1] == 's' || p[1] == 'u' || p[1] == 'f') && p[2] == '.')
        cn->sign = p[1];
}

static const struct {
    const char *op;
    enum GLSLstd450 f;    /* float form */
    enum GLSLstd450 fast; /* fast_ form (0: same as f) */
    enum GLSLstd450 s, u; /* integer forms (0: none) */
    uint8_t nargs;
} math[] = {
    { "fabs", GLSLstd450FAbs, 0, 0, 0, 1 },
    { "abs", GLSLstd450FAbs, 0, GLSLstd450SAbs, 0, 1 },
    { "floor", GLSLstd450Floor, 0, 0, 0, 1 },
    { "ceil", GLSLstd450Ceil, 0, 0, 0, 1 },
    { "round", GLSLstd450Round, 0, 0, 0, 1 },
    { "rint", GLSLstd450RoundEven, 0, 0, 0, 1 },
    { "trunc", GLSLstd450Trunc, 0, 0, 0, 1 },
    { "fract", GLSLstd450Fract, 0, 0, 0, 1 },
    { "sqrt", GLSLstd450Sqrt, 0, 0, 0, 1 },
    { "rsqrt", GLSLstd450InverseSqrt, 0, 0, 0, 1 },
    { "exp", GLSLstd450Exp, 0, 0, 0, 1 },
    { "exp2", GLSLstd450Exp2, 0, 0, 0, 1 },
    { "log", GLSLstd450Log, 0, 0, 0, 1 },
    { "log2", GLSLstd450Log2, 0, 0, 0, 1 },
    { "pow", GLSLstd450Pow, 0, 0, 0, 2 },
    { "powr", GLSLstd450Pow, 0, 0, 0, 2 },
    { "sin", GLSLstd450Sin, 0, 0, 0, 1 },
    { "cos", GLSLstd450Cos, 0, 0, 0, 1 },
    { "tan", GLSLstd450Tan, 0, 0, 0, 1 },
    { "asin", GLSLstd450Asin, 0, 0, 0, 1 },
    { "acos", GLSLstd450Acos, 0, 0, 0, 1 },
    { "atan", GLSLstd450Atan, 0, 0, 0, 1 },
    { "atan2", GLSLstd450Atan2, 0, 0, 0, 2 },
    { "sinh", GLSLstd450Sinh, 0, 0, 0, 1 },
    { "cosh", GLSLstd450Cosh, 0, 0, 0, 1 },
    { "tanh", GLSLstd450Tanh, 0, 0, 0, 1 },
    { "asinh", GLSLstd450Asinh, 0, 0, 0, 1 },
    { "acosh", GLSLstd450Acosh, 0, 0, 0, 1 },
    { "atanh", GLSLstd450Atanh, 0, 0, 0, 1 },
    { "fmin", GLSLstd450NMin, GLSLstd450FMin, 0, 0, 2 },
    { "fmax", GLSLstd450NMax, GLSLstd450FMax, 0, 0, 2 },
    { "min", GLSLstd450NMin, GLSLstd450FMin, GLSLstd450SMin, GLSLstd450UMin, 2 },
    { "max", GLSLstd450NMax, GLSLstd450FMax, GLSLstd450SMax, GLSLstd450UMax, 2 },
    { "clamp", GLSLstd450NClamp, GLSLstd450FClamp, GLSLstd450SClamp, GLSLstd450UClamp, 3 },
    { "mix", GLSLstd450FMix, 0, 0, 0, 3 },
    { "fma", GLSLstd450Fma, 0, 0, 0, 3 },
    { "step", GLSLstd450Step, 0, 0, 0, 2 },
    { "smoothstep", GLSLstd450SmoothStep, 0, 0, 0, 3 },
    { "sign", GLSLstd450FSign, 0, GLSLstd450SSign, 0, 1 },
    { "cross", GLSLstd450Cross, 0, 0, 0, 2 },
    { "length", GLSLstd450Length, 0, 0, 0, 1 },
    { "distance", GLSLstd450Distance, 0, 0, 0, 2 },
    { "normalize", GLSLstd450Normalize, 0, 0, 0, 1 },
    { "reflect", GLSLstd450Reflect, 0, 0, 0, 2 },
    { "refract", GLSLstd450Refract, 0, 0, 0, 3 },
};

static bool
args(struct emitter *e, const struct iir_inst *in, uint32_t n, uint32_t *out)
{
    if (in->nops < n)
        return emit_fail(e, AIR_INVALID_DATA, "%s with %u operands, expected %u", in->callee,
                         in->nops, n);
    for (uint32_t i = 0; i < n; i++)
        if (!(out[i] = emit_value(e, in->ops[i])))
            return false;
    return true;
}

static bool
is_int_call(const struct emitter *e, const struct iir_inst *in)
{
    return iir_scalar(in->type)->kind == IIR_T_INT;
}

static bool
emit_math(struct emitter *e, const struct iir_inst *in, const struct callname *cn)
{
    uint32_t ty = emit_type(e, in->type);
    if (!ty)
        return false;
    uint32_t a[4] = { 0 };
    for (size_t i = 0; i < sizeof(math) / sizeof(math[0]); i++) {
        if (strcmp(math[i].op, cn->op) != 0)
            continue;
        enum GLSLstd450 inst = cn->fast && math[i].fast ? math[i].fast : math[i].f;
        if (is_int_call(e, in)) {
            inst = cn->sign == 'u' ? math[i].u : math[i].s;
            if (!inst && strcmp(cn->op, "abs") == 0 && cn->sign == 'u')
                inst = 0; /* abs of unsigned: identity below */
            if (!inst && !(strcmp(cn->op, "abs") == 0 && cn->sign == 'u'))
                return emit_fail(e, AIR_NOT_SUPPORTED, "intrinsic %s (integer form)", in->callee);
        }
        if (!args(e, in, math[i].nargs, a))
            return false;
        if (!inst) {
            emit_set(e, in->result, a[0]);
            return true;
        }
        emit_set(e, in->result, emit_glsl(e, ty, inst, math[i].nargs, a));
        return true;
    }
    uint32_t lanes = iir_lanes(in->type);
    if (strcmp(cn->op, "saturate") == 0) {
        if (!args(e, in, 1, a))
            return false;
        a[1] = emit_splat(e, ty, emit_const_f32(e, 0.0f), lanes);
        a[2] = emit_splat(e, ty, emit_const_f32(e, 1.0f), lanes);
        emit_set(e, in->result, emit_glsl(e, ty, GLSLstd450FClamp, 3, a));
        return true;
    }
    if (strcmp(cn->op, "dot") == 0) {
        if (!args(e, in, 2, a))
            return false;
        emit_set(e, in->result, emit_opv(e, SpvOpDot, ty, 2, a[0], a[1]));
        return true;
    }
    if (strcmp(cn->op, "fmod") == 0) {
        if (!args(e, in, 2, a))
            return false;
        emit_set(e, in->result, emit_opv(e, SpvOpFRem, ty, 2, a[0], a[1]));
        return true;
    }
    if (strcmp(cn->op, "exp10") == 0 || strcmp(cn->op, "log10") == 0) {
        if (!args(e, in, 1, a))
            return false;
        bool ex = cn->op[0] == 'e';
        uint32_t k = emit_splat(e, ty, emit_const_f32(e, ex ? 3.32192809f : 0.30103f), lanes);
        if (ex) {
            uint32_t x = emit_opv(e, SpvOpFMul, ty, 2, a[0], k);
            emit_set(e, in->result, emit_glsl(e, ty, GLSLstd450Exp2, 1, &x));
        } else {
            uint32_t l = emit_glsl(e, ty, GLSLstd450Log2, 1, a);
            emit_set(e, in->result, emit_opv(e, SpvOpFMul, ty, 2, l, k));
        }
        return true;
    }
    if (strcmp(cn->op, "dfdx") == 0 || strcmp(cn->op, "dfdy") == 0 ||
        strcmp(cn->op, "fwidth") == 0) {
        if (e->entry->stage != AIR_STAGE_FRAGMENT)
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s outside a fragment shader", in->callee);
        if (!args(e, in, 1, a))
            return false;
        SpvOp op = cn->op[0] == 'f' ? SpvOpFwidth : cn->op[3] == 'x' ? SpvOpDPdx : SpvOpDPdy;
        emit_set(e, in->result, emit_opv(e, op, ty, 1, a[0]));
        return true;
    }
    if (strcmp(cn->op, "popcount") == 0 || strcmp(cn->op, "reverse_bits") == 0) {
        if (!args(e, in, 1, a))
            return false;
        if (iir_scalar(in->type)->bits != 32)
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s on non-32-bit integers", in->callee);
        emit_set(e, in->result,
                 emit_opv(e, cn->op[0] == 'p' ? SpvOpBitCount : SpvOpBitReverse, ty, 1, a[0]));
        return true;
    }
    if (strcmp(cn->op, "clz") == 0 || strcmp(cn->op, "ctz") == 0) {
        /* Operand 1 (i1 "zero is undefined") is ignored: Metal defines clz/ctz(0) = 32. */
        if (!args(e, in, 1, a))
            return false;
        if (iir_scalar(in->type)->bits != 32)
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s on non-32-bit integers", in->callee);
        uint32_t k32 = emit_splat(e, ty, emit_const_i32(e, 32), lanes);
        uint32_t r;
        if (cn->op[1] == 'l') { /* 31 - FindUMsb(x); FindUMsb(0) = -1 gives 32 */
            uint32_t msb = emit_glsl(e, ty, GLSLstd450FindUMsb, 1, a);
            r = emit_opv(e, SpvOpISub, ty, 2, emit_splat(e, ty, emit_const_i32(e, 31), lanes), msb);
        } else { /* FindILsb(0) = -1, which UMin against 32 turns into 32 */
            uint32_t lsb = emit_glsl(e, ty, GLSLstd450FindILsb, 1, a);
            uint32_t mm[2] = { lsb, k32 };
            r = emit_glsl(e, ty, GLSLstd450UMin, 2, mm);
        }
        emit_set(e, in->result, r);
        return true;
    }
    if (strcmp(cn->op, "mul_hi") == 0) {
        if (!args(e, in, 2, a))
            return false;
        if (iir_scalar(in->type)->bits != 32)
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s on non-32-bit integers", in->callee);
        uint32_t st = spv_typev(&e->b, SpvOpTypeStruct, 2, ty, ty);
        uint32_t w =
            emit_opv(e, cn->sign == 'u' ? SpvOpUMulExtended : SpvOpSMulExtended, st, 2, a[0], a[1]);
        emit_set(e, in->result, emit_opv(e, SpvOpCompositeExtract, ty, 2, w, 1));
        return true;
    }
    if (strcmp(cn->op, "extract_bits") == 0 || strcmp(cn->op, "insert_bits") == 0) {
        bool ins = cn->op[0] == 'i';
        if (!args(e, in, ins ? 4 : 3, a))
            return false;
        if (iir_scalar(in->type)->bits != 32)
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s on non-32-bit integers", in->callee);
        SpvOp op = ins               ? SpvOpBitFieldInsert
                   : cn->sign == 's' ? SpvOpBitFieldSExtract
                                     : SpvOpBitFieldUExtract;
        emit_set(e, in->result, emit_op(e, op, ty, ins ? 4 : 3, a));
        return true;
    }
    if (strcmp(cn->op, "all") == 0 || strcmp(cn->op, "any") == 0) {
        if (!args(e, in, 1, a))
            return false;
        const struct iir_type *at = iir_val(e->m, in->ops[0])->type;
        emit_set(e, in->result,
                 at->kind == IIR_T_VEC
                     ? emit_opv(e, cn->op[1] == 'l' ? SpvOpAll : SpvOpAny, ty, 1, a[0])
                     : a[0]);
        return true;
    }
    return emit_fail(e, AIR_NOT_SUPPORTED, "intrinsic %s", in->callee);
}

/* air.convert.<d>.<dtype>.<s>.<stype> */
static bool
emit_convert(struct emitter *e, const struct iir_inst *in)
{
    const char *p = in->callee + strlen("air.convert.");
    char dk = p[0];
    const char *q = strchr(p + 2, '.');
    if (!q || (dk != 'f' && dk != 's' && dk != 'u'))
        return emit_fail(e, AIR_INVALID_DATA, "malformed conversion name %s", in->callee);
    char sk = q[1];
    uint32_t a = 0, ty = emit_type(e, in->type);
    if (!ty || !args(e, in, 1, &a))
        return false;
    const struct iir_type *st = iir_val(e->m, in->ops[0])->type;
    uint32_t sbits = iir_scalar(st)->bits, dbits = iir_scalar(in->type)->bits;
    SpvOp op;
    if (dk == 'f' && sk == 'f') {
        op = (sbits == 64) != (dbits == 64) ? SpvOpFConvert : SpvOpNop;
    } else if (dk == 'f') {
        op = sk == 's' ? SpvOpConvertSToF : SpvOpConvertUToF;
    } else if (sk == 'f') {
        op = dk == 's' ? SpvOpConvertFToS : SpvOpConvertFToU;
    } else if (sbits == dbits) {
        op = SpvOpNop;
    } else {
        op = (sk == 's' && dbits > sbits) ? SpvOpSConvert : SpvOpUConvert;
    }
    if (iir_scalar(st)->bits == 1 || iir_scalar(in->type)->bits == 1)
        return emit_fail(e, AIR_NOT_SUPPORTED, "conversion %s involving bool", in->callee);
    emit_set(e, in->result, op == SpvOpNop ? a : emit_opv(e, op, ty, 1, a));
    return true;
}

static bool
const_u32(const struct emitter *e, uint32_t vid, uint32_t *out)
{
    const struct iir_value *v = iir_val(e->m, vid);
    if (v->kind == IIR_V_ZERO) {
        *out = 0;
        return true;
    }
    if (v->kind != IIR_V_INT)
        return false;
    *out = (uint32_t)v->u;
    return true;
}

static bool
emit_barrier(struct emitter *e, const struct iir_inst *in, bool simd)
{
    uint32_t flags = 2, scope_word;
    if (in->nops >= 1 && !const_u32(e, in->ops[0], &flags))
        return emit_fail(e, AIR_NOT_SUPPORTED, "%s with non-constant flags", in->callee);
    uint32_t sem = SpvMemorySemanticsAcquireReleaseMask;
    if (flags & 1)
        sem |= SpvMemorySemanticsUniformMemoryMask;
    if (flags & 2)
        sem |= SpvMemorySemanticsWorkgroupMemoryMask;
    if (flags & 4)
        sem |= SpvMemorySemanticsImageMemoryMask;
    if (sem == SpvMemorySemanticsAcquireReleaseMask)
        sem = SpvMemorySemanticsMaskNone;
    scope_word = simd ? SpvScopeSubgroup : SpvScopeWorkgroup;
    if (e->entry->stage != AIR_STAGE_KERNEL && !simd)
        return emit_fail(e, AIR_NOT_SUPPORTED, "%s outside a kernel", in->callee);
    spv_opv(e->body, SpvOpControlBarrier, 3, emit_const_i32(e, (int32_t)scope_word),
            emit_const_i32(e, (int32_t)(simd ? SpvScopeSubgroup : SpvScopeWorkgroup)),
            emit_const_i32(e, (int32_t)sem));
    return true;
}

/* ---- textures ---- */

static uint32_t
coord_lanes(enum air_tex_kind k)
{
    switch (k) {
    case AIR_TEX_1D:
    case AIR_TEX_1D_ARRAY:
    case AIR_TEX_BUFFER:
        return 1;
    case AIR_TEX_3D:
    case AIR_TEX_CUBE:
    case AIR_TEX_CUBE_ARRAY:
        return 3;
    default:
        return 2;
    }
}

static bool
is_arrayed(enum air_tex_kind k)
{
    return k == AIR_TEX_1D_ARRAY || k == AIR_TEX_2D_ARRAY || k == AIR_TEX_CUBE_ARRAY;
}

/* The texel result {T, i8} as a virtual composite (residency constant 1, §5.4.5). */
static bool
set_texel_result(struct emitter *e, const struct iir_inst *in, uint32_t texel32, bool scalar)
{
    const struct iir_type *rt = in->type;
    const struct iir_type *tt = rt->kind == IIR_T_STRUCT ? rt->members[0] : rt;
    uint32_t tty = emit_type(e, tt);
    if (!tty)
        return false;
    uint32_t v = texel32;
    uint32_t lanes = iir_lanes(tt);
    if (lanes < 4 && !scalar) {
        uint32_t base = iir_scalar(tt)->kind == IIR_T_FLOAT ? e->t_f32 : e->t_i32;
        if (lanes == 1)
            v = emit_opv(e, SpvOpCompositeExtract, base, 2, v, 0);
        else
            return emit_fail(e, AIR_NOT_SUPPORTED, "texel type with %u lanes", lanes);
    }
    if (iir_scalar(tt)->kind == IIR_T_INT && iir_scalar(tt)->bits != 32)
        return emit_fail(e, AIR_NOT_SUPPORTED, "texel of 16-bit integers");
    if (rt->kind != IIR_T_STRUCT) {
        emit_set(e, in->result, v);
        return true;
    }
    struct vmap *vm = &e->vm[in->result];
    vm->kind = VM_VIRT;
    vm->nmembers = rt->count;
    vm->members = iir_arena_array(e->arena, rt->count + 1, sizeof(uint32_t));
    if (!vm->members)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    vm->members[0] = v;
    for (uint32_t i = 1; i < rt->count; i++) {
        const struct iir_type *mt = rt->members[i];
        uint32_t mty = emit_type(e, mt);
        if (!mty)
            return false;
        vm->members[i] = mt->kind == IIR_T_INT && mt->bits != 1
                             ? spv_typev(&e->b, SpvOpConstant, 2, mty, 1)
                             : spv_typev(&e->b, SpvOpConstantNull, 1, mty);
    }
    if (e->dispatch && vm->var)
        return emit_fail(e, AIR_NOT_SUPPORTED, "texel struct live across blocks (dispatch loop)");
    return true;
}

static struct texinfo *
tex_of(struct emitter *e, const struct iir_inst *in)
{
    if (in->nops < 1 || e->vm[in->ops[0]].kind != VM_TEX) {
        emit_fail(e, AIR_NOT_SUPPORTED, "%s on a texture that is not an entry argument",
                  in->callee);
        return NULL;
    }
    return e->vm[in->ops[0]].tex;
}

static uint32_t
sampler_of(struct emitter *e, const struct iir_inst *in, uint32_t op)
{
    uint32_t vid = in->ops[op];
    struct vmap *vm = &e->vm[vid];
    const struct iir_value *v = iir_val(e->m, vid);
    if (vm->kind == VM_NONE && v->kind == IIR_V_CEXPR) {
        const struct iir_inst *ce = &e->m->insts[v->aux];
        if (ce->op == IIR_OP_INTTOPTR && ce->nops == 1 &&
            iir_val(e->m, ce->ops[0])->kind == IIR_V_INT) {
            /* AIR 1.x: inttoptr of the state word (§4.8). */
            vm->kind = VM_SAMPLER;
            vm->id = emit_constexpr_sampler(e, iir_val(e->m, ce->ops[0])->u);
            if (!vm->id)
                return 0;
        } else if (!emit_resolve_cexpr(e, vid)) {
            return 0;
        }
    }
    if (vm->kind == VM_SAMPLER)
        return emit_opv(e, SpvOpLoad, spv_typev(&e->b, SpvOpTypeSampler, 0), 1, vm->id);
    emit_fail(e, AIR_NOT_SUPPORTED, "%s with a sampler that is neither an argument nor constexpr",
              in->callee);
    return 0;
}

/* Appends the array layer to the coordinate as a float (sample) or int (read). */
static uint32_t
coord_with_layer(struct emitter *e, uint32_t coord, uint32_t cl, uint32_t layer, bool fl)
{
    uint32_t sty = fl ? e->t_f32 : e->t_i32;
    if (fl)
        layer = emit_opv(e, SpvOpConvertUToF, e->t_f32, 1, layer);
    uint32_t ops[4] = { coord, layer };
    return emit_op(e, SpvOpCompositeConstruct, emit_vec_type(e, sty, cl + 1), 2, ops);
}

enum sample_mode { SAMPLE_PLAIN, SAMPLE_COMPARE, SAMPLE_GATHER, SAMPLE_GATHER_COMPARE };

/* air.sample_*, sample_compare_*, gather_*, gather_compare_* (§4.7, §5.4.5). Operands: texture,
 * sampler, [i32 1 for depth], coord, [array layer], [compare reference], [i1 offset-present,
 * offset] for 1d/2d/3d, then gather: [component, colour only]; sample: i1 LOD bit, a, b. */
static bool
emit_sample(struct emitter *e,
            const struct iir_inst *in,
            enum air_tex_kind kind,
            bool depth,
            enum sample_mode mode)
{
    struct texinfo *ti = tex_of(e, in);
    if (!ti)
        return false;
    if (ti->kind != kind || ti->depth != depth)
        return emit_fail(e, AIR_INVALID_DATA, "%s on a texture of another kind", in->callee);
    bool compare = mode == SAMPLE_COMPARE || mode == SAMPLE_GATHER_COMPARE;
    bool gather = mode == SAMPLE_GATHER || mode == SAMPLE_GATHER_COMPARE;
    if (compare && !depth)
        return emit_fail(e, AIR_INVALID_DATA, "%s on a colour texture", in->callee);
    if (in->nops < 3)
        return emit_fail(e, AIR_INVALID_DATA, "%s with %u operands", in->callee, in->nops);
    uint32_t smp = sampler_of(e, in, 1);
    if (!smp)
        return false;
    uint32_t k = 2;
    if (depth && iir_val(e->m, in->ops[k])->type->kind == IIR_T_INT)
        k++; /* the i32 1 in front of a depth texture's coordinate */
    if (k >= in->nops)
        return emit_fail(e, AIR_INVALID_DATA, "%s lacks its coordinate", in->callee);
    uint32_t coord = emit_value(e, in->ops[k++]);
    if (!coord)
        return false;
    uint32_t cl = coord_lanes(kind);
    if (is_arrayed(kind)) {
        uint32_t layer = k < in->nops ? emit_value(e, in->ops[k++]) : 0;
        if (!layer)
            return false;
        coord = coord_with_layer(e, coord, cl, layer, true);
    }
    uint32_t dref = 0;
    if (compare) {
        dref = k < in->nops ? emit_value(e, in->ops[k++]) : 0;
        if (!dref)
            return false;
    }
    bool has_offset_pair = kind == AIR_TEX_1D || kind == AIR_TEX_1D_ARRAY || kind == AIR_TEX_2D ||
                           kind == AIR_TEX_2D_ARRAY || kind == AIR_TEX_3D;
    uint32_t offset = 0;
    if (has_offset_pair) {
        if (k + 2 > in->nops)
            return emit_fail(e, AIR_INVALID_DATA, "%s lacks its offset operands", in->callee);
        const struct iir_value *ov = iir_val(e->m, in->ops[k + 1]);
        if (ov->kind != IIR_V_ZERO && ov->kind != IIR_V_AGG && ov->kind != IIR_V_INT)
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s with a non-constant offset", in->callee);
        /* 1D offsets are a scalar i32; a zero offset is left out. */
        if (ov->kind == IIR_V_AGG || (ov->kind == IIR_V_INT && ov->u != 0))
            offset = emit_value(e, in->ops[k + 1]);
        k += 2;
    }
    uint32_t simg =
        emit_opv(e, SpvOpSampledImage, spv_typev(&e->b, SpvOpTypeSampledImage, 1, ti->image_type),
                 2, emit_opv(e, SpvOpLoad, ti->image_type, 1, ti->var), smp);
    uint32_t rty = emit_vec_type(e, ti->numeric == AIR_NUM_FLOAT ? e->t_f32 : e->t_i32, 4);
    uint32_t ops[8] = { simg, coord };
    uint32_t n = 2, mask = 0;
    if (gather) {
        if (kind != AIR_TEX_2D && kind != AIR_TEX_2D_ARRAY && kind != AIR_TEX_CUBE &&
            kind != AIR_TEX_CUBE_ARRAY)
            return emit_fail(e, AIR_INVALID_DATA, "%s on a texture that cannot gather", in->callee);
        uint32_t comp = 0;
        if (!compare && k + 1 < in->nops && !const_u32(e, in->ops[k], &comp))
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s with a non-constant component", in->callee);
        if (comp > 3)
            return emit_fail(e, AIR_INVALID_DATA, "%s of component %u", in->callee, comp);
        ops[n++] = compare ? dref : emit_const_i32(e, (int32_t)comp);
        if (offset) {
            ops[n++] = SpvImageOperandsConstOffsetMask;
            ops[n++] = offset;
        }
        uint32_t r = emit_op(e, compare ? SpvOpImageDrefGather : SpvOpImageGather, rty, n, ops);
        return set_texel_result(e, in, r, false);
    }
    uint32_t lod_bit = 0, a = 0;
    if (k + 2 <= in->nops) {
        if (!const_u32(e, in->ops[k], &lod_bit))
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s with a non-constant LOD bit", in->callee);
        a = emit_value(e, in->ops[k + 1]);
        if (!a)
            return false;
    }
    if (compare)
        ops[n++] = dref;
    bool implicit = !lod_bit && e->entry->stage == AIR_STAGE_FRAGMENT;
    const struct iir_value *av = a ? iir_val(e->m, in->ops[k + 1]) : NULL;
    bool a_zero = !av || av->kind == IIR_V_ZERO || (av->kind == IIR_V_FLOAT && av->f == 0.0);
    uint32_t extra[3], nextra = 0;
    if (implicit) {
        if (!a_zero) {
            mask |= SpvImageOperandsBiasMask;
            extra[nextra++] = a;
        }
    } else {
        mask |= SpvImageOperandsLodMask;
        extra[nextra++] = lod_bit ? a : emit_const_f32(e, 0.0f);
    }
    if (offset) {
        mask |= SpvImageOperandsConstOffsetMask;
        extra[nextra++] = offset;
    }
    if (mask) {
        ops[n++] = mask;
        for (uint32_t i = 0; i < nextra; i++)
            ops[n++] = extra[i];
    }
    SpvOp op = compare
                   ? (implicit ? SpvOpImageSampleDrefImplicitLod : SpvOpImageSampleDrefExplicitLod)
                   : (implicit ? SpvOpImageSampleImplicitLod : SpvOpImageSampleExplicitLod);
    uint32_t r = emit_op(e, op, compare ? e->t_f32 : rty, n, ops);
    return set_texel_result(e, in, r, compare);
}

static bool
emit_read(struct emitter *e, const struct iir_inst *in, enum air_tex_kind kind)
{
    struct texinfo *ti = tex_of(e, in);
    if (!ti)
        return false;
    if (ti->kind != kind || ti->depth)
        return emit_fail(e, AIR_NOT_SUPPORTED, "%s on this texture", in->callee);
    uint32_t k = 1;
    uint32_t coord = in->nops > k ? emit_value(e, in->ops[k++]) : 0;
    if (!coord)
        return false;
    uint32_t cl = coord_lanes(kind);
    if (kind == AIR_TEX_CUBE || kind == AIR_TEX_CUBE_ARRAY)
        return emit_fail(e, AIR_NOT_SUPPORTED, "%s (cube reads: later)", in->callee);
    if (is_arrayed(kind)) {
        uint32_t layer = k < in->nops ? emit_value(e, in->ops[k++]) : 0;
        if (!layer)
            return false;
        coord = coord_with_layer(e, coord, cl, layer, false);
    }
    uint32_t lod = 0;
    if (!ti->storage && kind != AIR_TEX_BUFFER) {
        lod = k + 1 < in->nops ? emit_value(e, in->ops[k]) : emit_const_i32(e, 0);
        if (!lod)
            return false;
    }
    uint32_t img = emit_opv(e, SpvOpLoad, ti->image_type, 1, ti->var);
    uint32_t rty = emit_vec_type(e, ti->numeric == AIR_NUM_FLOAT ? e->t_f32 : e->t_i32, 4);
    uint32_t r;
    if (ti->storage)
        r = emit_opv(e, SpvOpImageRead, rty, 2, img, coord);
    else if (lod)
        r = emit_opv(e, SpvOpImageFetch, rty, 4, img, coord, SpvImageOperandsLodMask, lod);
    else
        r = emit_opv(e, SpvOpImageFetch, rty, 2, img, coord);
    return set_texel_result(e, in, r, false);
}

static bool
emit_write(struct emitter *e, const struct iir_inst *in, enum air_tex_kind kind)
{
    struct texinfo *ti = tex_of(e, in);
    if (!ti)
        return false;
    if (ti->kind != kind || !ti->storage)
        return emit_fail(e, AIR_INVALID_DATA, "%s on a texture without write access", in->callee);
    if (kind == AIR_TEX_CUBE || kind == AIR_TEX_CUBE_ARRAY)
        return emit_fail(e, AIR_NOT_SUPPORTED, "%s (cube writes: later)", in->callee);
    uint32_t k = 1;
    uint32_t coord = in->nops > 2 ? emit_value(e, in->ops[k++]) : 0;
    if (!coord)
        return false;
    if (is_arrayed(kind)) {
        uint32_t layer = k < in->nops ? emit_value(e, in->ops[k++]) : 0;
        if (!layer)
            return false;
        coord = coord_with_layer(e, coord, coord_lanes(kind), layer, false);
    }
    if (k >= in->nops)
        return emit_fail(e, AIR_INVALID_DATA, "%s lacks its texel", in->callee);
    uint32_t texel = emit_value(e, in->ops[k]);
    if (!texel)
        return false;
    const struct iir_type *tt = iir_val(e->m, in->ops[k])->type;
    if (iir_lanes(tt) != 4)
        return emit_fail(e, AIR_NOT_SUPPORTED, "%s with a %u-lane texel", in->callee,
                         iir_lanes(tt));
    uint32_t img = emit_opv(e, SpvOpLoad, ti->image_type, 1, ti->var);
    spv_opv(e->body, SpvOpImageWrite, 3, img, coord, texel);
    return true;
}

static bool
emit_query(struct emitter *e, const struct iir_inst *in, const char *what)
{
    struct texinfo *ti = tex_of(e, in);
    if (!ti)
        return false;
    spv_cap(&e->b, SpvCapabilityImageQuery);
    uint32_t img = emit_opv(e, SpvOpLoad, ti->image_type, 1, ti->var);
    uint32_t cl = coord_lanes(ti->kind) + (is_arrayed(ti->kind) ? 1 : 0);
    if (ti->kind == AIR_TEX_CUBE || ti->kind == AIR_TEX_CUBE_ARRAY)
        cl -= 1; /* cube sizes are 2D */
    uint32_t vty = emit_vec_type(e, e->t_i32, cl);
    if (strcmp(what, "num_mip_levels") == 0) {
        emit_set(e, in->result, emit_opv(e, SpvOpImageQueryLevels, e->t_i32, 1, img));
        return true;
    }
    uint32_t size;
    if (ti->storage || ti->kind == AIR_TEX_BUFFER || ti->kind == AIR_TEX_2D_MS) {
        size = emit_opv(e, SpvOpImageQuerySize, vty, 1, img);
    } else {
        uint32_t lod = in->nops > 1 ? emit_value(e, in->ops[1]) : emit_const_i32(e, 0);
        if (!lod)
            return false;
        size = emit_opv(e, SpvOpImageQuerySizeLod, vty, 2, img, lod);
    }
    uint32_t comp = strcmp(what, "width") == 0 ? 0 : strcmp(what, "height") == 0 ? 1 : 2;
    if (strcmp(what, "array_size") == 0)
        comp = cl - 1;
    if (comp >= cl)
        return emit_fail(e, AIR_INVALID_DATA, "%s on a texture without that dimension", in->callee);
    emit_set(e, in->result,
             cl == 1 ? size : emit_opv(e, SpvOpCompositeExtract, e->t_i32, 2, size, comp));
    return true;
}

/* air.sample_texture_2d..., air.read_texture_2d..., air.get_width_texture_2d */
static bool
emit_texture_call(struct emitter *e, const struct iir_inst *in, const char *op, bool *handled)
{
    static const char *const prefixes[] = { "sample_compare_",
                                            "gather_compare_",
                                            "gather_",
                                            "sample_",
                                            "read_",
                                            "write_",
                                            "get_width_",
                                            "get_height_",
                                            "get_depth_",
                                            "get_array_size_",
                                            "get_num_mip_levels_" };
    *handled = false;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncmp(op, prefixes[i], pl) != 0)
            continue;
        const char *kind_s = op + pl;
        bool depth = false;
        enum air_tex_kind kind = air_tex_kind_from_suffix(kind_s, strlen(kind_s), &depth);
        if (kind == AIR_TEX_NONE)
            return true; /* e.g. sample_compare_, gather_: not handled here */
        *handled = true;
        if (i == 0)
            return emit_sample(e, in, kind, depth, SAMPLE_COMPARE);
        if (i == 1)
            return emit_sample(e, in, kind, depth, SAMPLE_GATHER_COMPARE);
        if (i == 2)
            return emit_sample(e, in, kind, depth, SAMPLE_GATHER);
        if (i == 3)
            return emit_sample(e, in, kind, depth, SAMPLE_PLAIN);
        if (i == 4)
            return emit_read(e, in, kind);
        if (i == 5)
            return emit_write(e, in, kind);
        char what[24];
        size_t wl = pl - 5; /* strip "get_" and the trailing "_" */
        memcpy(what, prefixes[i] + 4, wl);
        what[wl] = 0;
        return emit_query(e, in, what);
    }
    return true;
}

static bool
emit_atomic(struct emitter *e, const struct iir_inst *in)
{
    /* air.atomic.{global,local}.<op>.<s|u>.i32(ptr, value, order, scope, volatile);
     * cmpxchg.weak(ptr, thread i32 *expected, desired, order, order, scope, volatile) -> i1 */
    const char *p = in->callee + strlen("air.atomic.");
    bool global = strncmp(p, "global.", 7) == 0;
    if (!global && strncmp(p, "local.", 6) != 0)
        return emit_fail(e, AIR_NOT_SUPPORTED, "intrinsic %s", in->callee);
    p += global ? 7 : 6;
    static const struct {
        const char *n;
        SpvOp op;
    } ops[] = { { "add.", SpvOpAtomicIAdd },  { "sub.", SpvOpAtomicISub },
                { "and.", SpvOpAtomicAnd },   { "or.", SpvOpAtomicOr },
                { "xor.", SpvOpAtomicXor },   { "xchg.", SpvOpAtomicExchange },
                { "min.s", SpvOpAtomicSMin }, { "min.u", SpvOpAtomicUMin },
                { "max.s", SpvOpAtomicSMax }, { "max.u", SpvOpAtomicUMax } };
    SpvOp op = SpvOpNop;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strncmp(p, ops[i].n, strlen(ops[i].n)) == 0)
            op = ops[i].op;
    bool cas = strncmp(p, "cmpxchg.", 8) == 0;
    if (cas)
        op = SpvOpAtomicCompareExchange;
    const struct iir_type *vt = in->type;
    if (cas && in->nops >= 3)
        vt = iir_val(e->m, in->ops[2])->type;
    if (op == SpvOpNop || in->nops < (cas ? 3u : 2u) || vt->kind != IIR_T_INT || vt->bits != 32 ||
        (cas && !(in->type->kind == IIR_T_INT && in->type->bits == 1)))
        return emit_fail(e, AIR_NOT_SUPPORTED, "intrinsic %s", in->callee);
    struct vmap *pv = &e->vm[in->ops[0]];
    if (pv->kind != VM_PTR)
        return emit_fail(e, AIR_NOT_SUPPORTED, "%s on a pointer of unknown origin", in->callee);
    /* Resolve the pointer through a plain load-shaped access. */
    struct iir_inst fake = { 0 };
    fake.op = IIR_OP_GEP;
    (void)fake;
    struct symptr ptr = *pv->ptr;
    while (ptr.pointee != vt && ptr.pointee->kind != IIR_T_INT) {
        if (ptr.pointee->kind != IIR_T_ARRAY || ptr.n >= MAX_CHAIN)
            return emit_fail(e, AIR_NOT_SUPPORTED, "%s on a non-integer pointee", in->callee);
        ptr.idx[ptr.n++] = emit_const_i32(e, 0);
        ptr.pointee = ptr.pointee->elem;
    }
    if (ptr.pointee != vt)
        return emit_fail(e, AIR_NOT_SUPPORTED, "%s on a pointee of another type", in->callee);
    uint32_t pt = ptr.layout ? emit_type_layout(e, ptr.pointee) : emit_type(e, ptr.pointee);
    uint32_t chain = ptr.base;
    if (ptr.n) {
        uint32_t w[MAX_CHAIN + 1];
        w[0] = ptr.base;
        memcpy(w + 1, ptr.idx, ptr.n * sizeof(uint32_t));
        chain = emit_op(e, SpvOpAccessChain, emit_ptr_type(e, ptr.sc, pt), ptr.n + 1, w);
    }
    uint32_t scope = emit_const_i32(e, global ? SpvScopeDevice : SpvScopeWorkgroup);
    uint32_t sem = emit_const_i32(e, 0); /* relaxed: Metal's memory_order_relaxed */
    uint32_t ty = emit_type(e, vt);
    if (cas) {
        /* Metal writes the value found back to *expected and returns whether it matched; a
         * strong exchange is a valid weak one (it just never fails spuriously). */
        uint32_t exp = emit_access(e, in->ops[1], vt, in->callee);
        uint32_t want = exp ? emit_value(e, in->ops[2]) : 0;
        if (!want)
            return false;
        uint32_t old = emit_opv(e, SpvOpLoad, ty, 1, exp);
        uint32_t found =
            emit_opv(e, SpvOpAtomicCompareExchange, ty, 6, chain, scope, sem, sem, want, old);
        spv_opv(e->body, SpvOpStore, 2, exp, found);
        emit_set(e, in->result, emit_opv(e, SpvOpIEqual, e->t_bool, 2, found, old));
        return true;
    }
    uint32_t v = emit_value(e, in->ops[1]);
    if (!v)
        return false;
    emit_set(e, in->result, emit_opv(e, op, ty, 4, chain, scope, sem, v));
    return true;
}

/* Converts an integer lane index or delta of any width to the unsigned 32-bit scalar
 * GroupNonUniformShuffle* takes (SPIR-V 1.5 §3.42.24: Signedness 0). */
static uint32_t
simd_lane(struct emitter *e, uint32_t v)
{
    uint32_t id = emit_value(e, v);
    const struct iir_type *t = iir_val(e->m, v)->type;
    if (!id || t->kind != IIR_T_INT || t->bits == 32)
        return id;
    return emit_opv(e, SpvOpUConvert, e->t_i32, 1, id);
}

/* air.simd_<op>[.s|.u].<type>: SIMD-group reductions, scans, shuffles, votes and ballot as
 * Vulkan subgroup operations at Subgroup scope. Metal's SIMD group is the Vulkan subgroup;
 * its width comes from threads_per_simdgroup (SubgroupSize), never assumed to be 32. */
static bool
emit_simd(struct emitter *e, const struct iir_inst *in, const struct callname *cn)
{
    const char *op = cn->op + 5; /* after "simd_" */
    const struct iir_type *t = in->type;
    const struct iir_type *st = t->kind == IIR_T_VEC ? t->elem : t;
    bool is_float = st->kind == IIR_T_FLOAT;
    uint32_t ty = t->kind != IIR_T_VOID ? emit_type(e, t) : 0;
    uint32_t scope = emit_const_i32(e, SpvScopeSubgroup);
    if (!ty)
        return false;
    spv_cap(&e->b, SpvCapabilityGroupNonUniform);
    e->res->needs_subgroups = true;
    static const struct {
        const char *n;
        SpvOp i, s, u, f; /* integer (sign-agnostic), signed, unsigned, float (0: none) */
        SpvGroupOperation g;
    } arith[] = {
        { "sum", SpvOpGroupNonUniformIAdd, 0, 0, SpvOpGroupNonUniformFAdd,
          SpvGroupOperationReduce },
        { "product", SpvOpGroupNonUniformIMul, 0, 0, SpvOpGroupNonUniformFMul,
          SpvGroupOperationReduce },
        { "prefix_inclusive_sum", SpvOpGroupNonUniformIAdd, 0, 0, SpvOpGroupNonUniformFAdd,
          SpvGroupOperationInclusiveScan },
        { "prefix_exclusive_sum", SpvOpGroupNonUniformIAdd, 0, 0, SpvOpGroupNonUniformFAdd,
          SpvGroupOperationExclusiveScan },
        { "prefix_inclusive_product", SpvOpGroupNonUniformIMul, 0, 0, SpvOpGroupNonUniformFMul,
          SpvGroupOperationInclusiveScan },
        { "prefix_exclusive_product", SpvOpGroupNonUniformIMul, 0, 0, SpvOpGroupNonUniformFMul,
          SpvGroupOperationExclusiveScan },
        { "min", 0, SpvOpGroupNonUniformSMin, SpvOpGroupNonUniformUMin, SpvOpGroupNonUniformFMin,
          SpvGroupOperationReduce },
        { "max", 0, SpvOpGroupNonUniformSMax, SpvOpGroupNonUniformUMax, SpvOpGroupNonUniformFMax,
          SpvGroupOperationReduce },
        { "and", SpvOpGroupNonUniformBitwiseAnd, 0, 0, 0, SpvGroupOperationReduce },
        { "or", SpvOpGroupNonUniformBitwiseOr, 0, 0, 0, SpvGroupOperationReduce },
        { "xor", SpvOpGroupNonUniformBitwiseXor, 0, 0, 0, SpvGroupOperationReduce },
    };
    for (size_t i = 0; i < sizeof(arith) / sizeof(arith[0]); i++) {
        if (strcmp(op, arith[i].n) != 0)
            continue;
        SpvOp sop = is_float          ? arith[i].f
                    : arith[i].i      ? arith[i].i
                    : cn->sign == 'u' ? arith[i].u
                                      : arith[i].s;
        if (!sop || (st->kind == IIR_T_INT && st->bits == 1) || in->nops < 1)
            return emit_fail(e, AIR_NOT_SUPPORTED, "intrinsic %s", in->callee);
        uint32_t v = emit_value(e, in->ops[0]);
        if (!v)
            return false;
        spv_cap(&e->b, SpvCapabilityGroupNonUniformArithmetic);
        emit_set(e, in->result, emit_opv(e, sop, ty, 3, scope, (uint32_t)arith[i].g, v));
        return true;
    }
    static const struct {
        const char *n;
        SpvOp op;
        SpvCapability cap;
    } lanes[] = {
        { "shuffle", SpvOpGroupNonUniformShuffle, SpvCapabilityGroupNonUniformShuffle },
        /* A broadcast lane is uniform in Metal; Shuffle also accepts a non-constant one. */
        { "broadcast", SpvOpGroupNonUniformShuffle, SpvCapabilityGroupNonUniformShuffle },
        { "shuffle_xor", SpvOpGroupNonUniformShuffleXor, SpvCapabilityGroupNonUniformShuffle },
        { "shuffle_up", SpvOpGroupNonUniformShuffleUp,
          SpvCapabilityGroupNonUniformShuffleRelative },
        { "shuffle_down", SpvOpGroupNonUniformShuffleDown,
          SpvCapabilityGroupNonUniformShuffleRelative },
    };
    for (size_t i = 0; i < sizeof(lanes) / sizeof(lanes[0]); i++) {
        if (strcmp(op, lanes[i].n) != 0)
            continue;
        if (in->nops < 2)
            return emit_fail(e, AIR_NOT_SUPPORTED, "intrinsic %s", in->callee);
        uint32_t v = emit_value(e, in->ops[0]);
        uint32_t l = simd_lane(e, in->ops[1]);
        if (!v || !l)
            return false;
        spv_cap(&e->b, lanes[i].cap);
        uint32_t r = emit_opv(e, lanes[i].op, ty, 3, scope, v, l);
        if (lanes[i].op == SpvOpGroupNonUniformShuffleUp ||
            lanes[i].op == SpvOpGroupNonUniformShuffleDown) {
            /* Metal leaves lanes whose source falls outside the group unchanged; Vulkan
             * leaves their result undefined: select the own value there. */
            uint32_t lane = emit_load_builtin(e, SpvBuiltInSubgroupLocalInvocationId, e->t_i32);
            uint32_t ok;
            if (lanes[i].op == SpvOpGroupNonUniformShuffleUp) {
                ok = emit_opv(e, SpvOpUGreaterThanEqual, e->t_bool, 2, lane, l);
            } else {
                uint32_t size = emit_load_builtin(e, SpvBuiltInSubgroupSize, e->t_i32);
                uint32_t src = emit_opv(e, SpvOpIAdd, e->t_i32, 2, lane, l);
                ok = emit_opv(e, SpvOpULessThan, e->t_bool, 2, src, size);
            }
            if (t->kind == IIR_T_VEC) {
                uint32_t c[4] = { ok, ok, ok, ok };
                ok = emit_op(e, SpvOpCompositeConstruct, emit_vec_type(e, e->t_bool, t->count),
                             t->count < 4 ? t->count : 4, c);
            }
            r = emit_opv(e, SpvOpSelect, ty, 3, ok, r, v);
        }
        emit_set(e, in->result, r);
        return true;
    }
    if (strcmp(op, "broadcast_first") == 0 && in->nops >= 1) {
        uint32_t v = emit_value(e, in->ops[0]);
        if (!v)
            return false;
        spv_cap(&e->b, SpvCapabilityGroupNonUniformBallot);
        emit_set(e, in->result, emit_opv(e, SpvOpGroupNonUniformBroadcastFirst, ty, 2, scope, v));
        return true;
    }
    bool all = strcmp(op, "all") == 0;
    if ((all || strcmp(op, "any") == 0) && in->nops >= 1 && ty == e->t_bool) {
        uint32_t v = emit_value(e, in->ops[0]);
        if (!v)
            return false;
        spv_cap(&e->b, SpvCapabilityGroupNonUniformVote);
        emit_set(
            e, in->result,
            emit_opv(e, all ? SpvOpGroupNonUniformAll : SpvOpGroupNonUniformAny, ty, 2, scope, v));
        return true;
    }
    if (strcmp(op, "ballot") == 0 && in->nops >= 1 && t->kind == IIR_T_INT &&
        (t->bits == 32 || t->bits == 64)) {
        /* The mask of lanes 0..63: words 0 and 1 of the uvec4 ballot (Conjecture: simd_vote
         * is lowered to an i64 lane mask). */
        uint32_t v = emit_value(e, in->ops[0]);
        if (!v)
            return false;
        spv_cap(&e->b, SpvCapabilityGroupNonUniformBallot);
        uint32_t u4 = emit_vec_type(e, e->t_i32, 4);
        uint32_t b = emit_opv(e, SpvOpGroupNonUniformBallot, u4, 2, scope, v);
        uint32_t lo = emit_opv(e, SpvOpCompositeExtract, e->t_i32, 2, b, 0u);
        if (t->bits == 32) {
            emit_set(e, in->result, lo);
            return true;
        }
        uint32_t hi = emit_opv(e, SpvOpCompositeExtract, e->t_i32, 2, b, 1u);
        uint32_t u2 =
            emit_opv(e, SpvOpCompositeConstruct, emit_vec_type(e, e->t_i32, 2), 2, lo, hi);
        emit_set(e, in->result, emit_opv(e, SpvOpBitcast, ty, 1, u2));
        return true;
    }
    return emit_fail(e, AIR_NOT_SUPPORTED, "intrinsic %s", in->callee);
}

static bool
emit_llvm_intrinsic(struct emitter *e, const struct iir_inst *in)
{
    const char *n = in->callee + 5;
    if (strncmp(n, "lifetime.", 9) == 0 || strncmp(n, "dbg.", 4) == 0 ||
        strncmp(n, "assume", 6) == 0 || strncmp(n, "experimental.noalias", 20) == 0)
        return true;
    uint32_t ty = in->type->kind != IIR_T_VOID ? emit_type(e, in->type) : 0;
    uint32_t a[3];
    struct {
        const char *n;
        enum GLSLstd450 g;
        uint32_t nargs;
    } map[] = { { "fmuladd.", GLSLstd450Fma, 3 }, { "fma.", GLSLstd450Fma, 3 },
                { "maxnum.", GLSLstd450NMax, 2 }, { "minnum.", GLSLstd450NMin, 2 },
                { "fabs.", GLSLstd450FAbs, 1 },   { "sqrt.", GLSLstd450Sqrt, 1 },
                { "floor.", GLSLstd450Floor, 1 }, { "ceil.", GLSLstd450Ceil, 1 },
                { "trunc.", GLSLstd450Trunc, 1 }, { "exp2.", GLSLstd450Exp2, 1 },
                { "log2.", GLSLstd450Log2, 1 },   { "smax.", GLSLstd450SMax, 2 },
                { "smin.", GLSLstd450SMin, 2 },   { "umax.", GLSLstd450UMax, 2 },
                { "umin.", GLSLstd450UMin, 2 },   { "abs.", GLSLstd450SAbs, 1 } };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strncmp(n, map[i].n, strlen(map[i].n)) == 0) {
            if (!ty || !args(e, in, map[i].nargs, a))
                return false;
            emit_set(e, in->result, emit_glsl(e, ty, map[i].g, map[i].nargs, a));
            return true;
        }
    return emit_fail(e, AIR_NOT_SUPPORTED, "intrinsic %s", in->callee);
}

bool
emit_call(struct emitter *e, const struct iir_inst *in)
{
    const char *name = in->callee;
    if (in->callee_fn != IIR_NONE)
        return emit_fail(e, AIR_NOT_SUPPORTED, "call to helper function %s left after inlining",
                         name);
    if (strncmp(name, "llvm.", 5) == 0)
        return emit_llvm_intrinsic(e, in);
    if (strncmp(name, "air.", 4) != 0)
        return emit_fail(e, AIR_NOT_SUPPORTED, "call to external function %s", name);
    struct callname cn;
    split_name(name, &cn);
    if (strcmp(cn.op, "convert") == 0)
        return emit_convert(e, in);
    if (strcmp(cn.op, "wg") == 0 && strncmp(name, "air.wg.barrier", 14) == 0)
        return emit_barrier(e, in, false);
    if (strcmp(cn.op, "simdgroup") == 0 && strncmp(name, "air.simdgroup.barrier", 21) == 0)
        return emit_barrier(e, in, true);
    if (strcmp(cn.op, "atomic") == 0)
        return emit_atomic(e, in);
    if (strncmp(cn.op, "simd_", 5) == 0)
        return emit_simd(e, in, &cn);
    if (strcmp(cn.op, "discard_fragment") == 0) {
        if (e->entry->stage != AIR_STAGE_FRAGMENT)
            return emit_fail(e, AIR_INVALID_DATA, "discard_fragment outside a fragment shader");
        spv_ext(&e->b, "SPV_EXT_demote_to_helper_invocation");
        spv_cap(&e->b, SpvCapabilityDemoteToHelperInvocationEXT);
        e->res->needs_demote = true;
        spv_opv(e->body, SpvOpDemoteToHelperInvocationEXT, 0);
        return true;
    }
    bool handled;
    if (!emit_texture_call(e, in, cn.op, &handled))
        return false;
    if (handled)
        return true;
    return emit_math(e, in, &cn);
}
