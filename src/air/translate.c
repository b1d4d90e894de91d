/* SPDX-License-Identifier: MIT */
/*
 * air_translate_in_process (air.h; spec/air.md §5.1): container → importer → entry descriptors
 * → module emission (capabilities, entry point, interface variables, descriptor bands, builtins,
 * varyings, outputs) → words and the reflection record; also varying linking (§5.4.3) and
 * the reflection's JSON form. Worker thread; results are immutable and refcounted.
 */
#include "air/translate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "air/emit_internal.h"
#include "air/import_llvm.h"
#include "air/inline.h"
#include "air/metallib.h"
#include "util/alloc.h"

#define MAX_BINDINGS 256

struct air_result *
air_result_ref(struct air_result *r)
{
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    return r;
}

void
air_result_unref(struct air_result *r)
{
    if (!r || atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
        return;
    ut_free(r->words);
    ut_free(r->bindings);
    ut_free(r->varyings);
    ut_free(r->vertex_input_locations);
    ut_free(r->attachments);
    ut_free(r);
}

static void
add_global(struct emitter *e, uint32_t var)
{
    if (e->nglobals_ids < sizeof(e->globals_ids) / sizeof(e->globals_ids[0]))
        e->globals_ids[e->nglobals_ids++] = var;
    else
        emit_fail(e, AIR_NOT_SUPPORTED, "more than 256 interface variables");
}

static uint32_t
new_var(struct emitter *e, uint32_t sc, uint32_t type, uint32_t init)
{
    uint32_t var = spv_id(&e->b);
    uint32_t pt = emit_ptr_type(e, sc, type);
    if (init)
        spv_opv(&e->b.types, SpvOpVariable, 4, pt, var, sc, init);
    else
        spv_opv(&e->b.types, SpvOpVariable, 3, pt, var, sc);
    add_global(e, var);
    return var;
}

static struct air_binding *
add_binding(struct emitter *e)
{
    struct air_result *r = e->res;
    if (r->nbindings == MAX_BINDINGS) {
        emit_fail(e, AIR_NOT_SUPPORTED, "more than %d bindings", MAX_BINDINGS);
        return NULL;
    }
    return &r->bindings[r->nbindings++];
}

static uint32_t
stage_set(const struct emitter *e)
{
    return e->entry->stage == AIR_STAGE_FRAGMENT ? AIR_SET_FRAGMENT : AIR_SET_VERTEX_KERNEL;
}

/* The element type one instruction uses a pointer as, or NULL. */
static const struct iir_type *
use_type(const struct iir_inst *in, uint32_t vid)
{
    if (in->op == IIR_OP_GEP && in->ops[0] == vid)
        return in->aux_type;
    if (in->op == IIR_OP_LOAD && in->ops[0] == vid)
        return in->type;
    if (in->op == IIR_OP_STORE && in->ops[1] == vid)
        return in->aux_type;
    /* air.atomic.*(ptr, ...) returns the pointee type. */
    if (in->op == IIR_OP_CALL && in->nops > 0 && in->ops[0] == vid &&
        strncmp(in->callee, "air.atomic.", 11) == 0 && in->type->kind == IIR_T_INT)
        return in->type;
    return NULL;
}

static bool
word_type(const struct iir_type *t)
{
    const struct iir_type *s = iir_scalar(t);
    return (s->kind == IIR_T_INT || s->kind == IIR_T_FLOAT) && s->bits == 32 &&
           (t->kind != IIR_T_VEC || t->count <= 4);
}

/* Learns a pointer parameter's element type from its uses and those of its pointer bitcasts
 * (§3.4 inference). Uses that disagree, all 32-bit scalars or vectors of them, reinterpret
 * the buffer (§5.4.2): it becomes an array of 32-bit words that emit.c reads word by word. */
static const struct iir_type *
infer_pointee(const struct emitter *e, uint32_t vid)
{
    const struct iir_function *fn = e->fn;
    const struct iir_type *first = NULL;
    bool agree = true, words = true;
    for (uint32_t b = 0; b < fn->nblocks; b++)
        for (uint32_t k = 0; k < fn->blocks[b].ninsts; k++) {
            const struct iir_inst *in = &e->m->insts[fn->blocks[b].insts[k]];
            const struct iir_type *t = use_type(in, vid);
            if (!t && in->op == IIR_OP_BITCAST && in->ops[0] == vid &&
                in->type->kind == IIR_T_PTR) {
                /* Typed IR: the uses of `bitcast %vid to T*`. */
                for (uint32_t b2 = 0; b2 < fn->nblocks && !t; b2++)
                    for (uint32_t k2 = 0; k2 < fn->blocks[b2].ninsts && !t; k2++)
                        t = use_type(&e->m->insts[fn->blocks[b2].insts[k2]], in->result);
            }
            if (!t)
                continue;
            if (!first)
                first = t;
            agree = agree && t == first;
            words = words && word_type(t);
        }
    if (!first || agree)
        return first;
    return words ? iir_scalar(first) : first;
}

static bool
bind_buffer(struct emitter *e, const struct air_arg_desc *a, uint32_t vid)
{
    const struct iir_type *t = infer_pointee(e, vid);
    if (!t) {
        /* Unused: keep the binding in the reflection, declare nothing. */
        t = NULL;
    }
    struct air_binding *bd = add_binding(e);
    if (!bd)
        return false;
    bd->set = stage_set(e);
    bd->binding = AIR_BIND_BUFFER + a->location;
    bd->metal_slot = a->location;
    bd->type = AIR_BINDING_STORAGE_BUFFER;
    bool constant =
        a->has_address_space ? a->address_space == 2 : iir_val(e->m, vid)->type->addrspace == 2;
    bd->access =
        constant ? AIR_ACCESS_READ : (a->access ? a->access : AIR_ACCESS_READ | AIR_ACCESS_WRITE);
    bd->buffer_size = a->buffer_size;
    if (a->location > 30)
        return emit_fail(e, AIR_INVALID_DATA, "buffer index %u above 30", a->location);
    if (!t)
        return true;
    if (!t->sized || t->size == 0)
        return emit_fail(e, AIR_NOT_SUPPORTED, "buffer of an unsized element type");
    bd->stride = (uint32_t)t->size;
    uint32_t el = emit_type_layout(e, t);
    if (!el)
        return false;
    uint32_t rta = spv_type_unique(&e->b, SpvOpTypeRuntimeArray, 1, &el);
    spv_decorate(&e->b, rta, SpvDecorationArrayStride, 1, (uint32_t)t->size);
    uint32_t blk = spv_type_unique(&e->b, SpvOpTypeStruct, 1, &rta);
    spv_decorate(&e->b, blk, SpvDecorationBlock, 0);
    spv_member_decorate(&e->b, blk, 0, SpvDecorationOffset, 1, 0);
    if (!(bd->access & AIR_ACCESS_WRITE))
        spv_member_decorate(&e->b, blk, 0, SpvDecorationNonWritable, 0);
    uint32_t var = new_var(e, SpvStorageClassStorageBuffer, blk, 0);
    spv_decorate(&e->b, var, SpvDecorationDescriptorSet, 1, bd->set);
    spv_decorate(&e->b, var, SpvDecorationBinding, 1, bd->binding);
    struct symptr *p = iir_arena_alloc(e->arena, sizeof(*p));
    if (!p)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    p->base = var;
    p->sc = SpvStorageClassStorageBuffer;
    p->pointee = t;
    p->layout = true;
    p->last_array = true;
    p->n = 2;
    p->idx[0] = emit_const_i32(e, 0);
    p->idx[1] = emit_const_i32(e, 0);
    e->vm[vid].kind = VM_PTR;
    e->vm[vid].ptr = p;
    e->res->needs_scalar_layout = true;
    return true;
}

static uint8_t
numeric_of(const char *type_name)
{
    if (!type_name)
        return AIR_NUM_FLOAT;
    const char *lt = strchr(type_name, '<');
    const char *s = lt ? lt + 1 : type_name;
    if (strncmp(s, "int", 3) == 0 || strncmp(s, "short", 5) == 0)
        return AIR_NUM_SINT;
    if (strncmp(s, "uint", 4) == 0 || strncmp(s, "ushort", 6) == 0)
        return AIR_NUM_UINT;
    return AIR_NUM_FLOAT;
}

static bool
bind_texture(struct emitter *e, const struct air_arg_desc *a, uint32_t vid)
{
    bool depth = false;
    enum air_tex_kind kind = air_tex_kind_from_type_name(a->type_name, &depth);
    if (kind == AIR_TEX_NONE)
        return emit_fail(e, AIR_NOT_SUPPORTED, "texture type '%s'",
                         a->type_name ? a->type_name : "(unnamed)");
    if (a->location > 127)
        return emit_fail(e, AIR_INVALID_DATA, "texture index %u above 127", a->location);
    struct texinfo *ti = iir_arena_alloc(e->arena, sizeof(*ti));
    struct air_binding *bd = ti ? add_binding(e) : NULL;
    if (!bd)
        return ti ? false : emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    ti->kind = kind;
    ti->depth = depth;
    ti->numeric = numeric_of(a->type_name);
    ti->storage = (a->access & AIR_ACCESS_WRITE) != 0;
    uint32_t sampled = ti->numeric == AIR_NUM_FLOAT ? e->t_f32 : e->t_i32;
    SpvDim dim = SpvDim2D;
    bool arrayed = false, ms = false;
    switch (kind) {
    case AIR_TEX_1D_ARRAY:
        arrayed = true;
        __attribute__((fallthrough));
    case AIR_TEX_1D:
        dim = SpvDim1D;
        spv_cap(&e->b, ti->storage ? SpvCapabilityImage1D : SpvCapabilitySampled1D);
        break;
    case AIR_TEX_2D_ARRAY:
        arrayed = true;
        break;
    case AIR_TEX_2D_MS:
        ms = true;
        break;
    case AIR_TEX_3D:
        dim = SpvDim3D;
        break;
    case AIR_TEX_CUBE_ARRAY:
        arrayed = true;
        spv_cap(&e->b, SpvCapabilitySampledCubeArray);
        __attribute__((fallthrough));
    case AIR_TEX_CUBE:
        dim = SpvDimCube;
        break;
    case AIR_TEX_BUFFER:
        dim = SpvDimBuffer;
        spv_cap(&e->b, ti->storage ? SpvCapabilityImageBuffer : SpvCapabilitySampledBuffer);
        break;
    default:
        break;
    }
    ti->image_type =
        spv_typev(&e->b, SpvOpTypeImage, 7, sampled, dim, depth ? 1 : 0, arrayed ? 1 : 0,
                  ms ? 1 : 0, ti->storage ? 2 : 1, SpvImageFormatUnknown);
    if (ti->storage) {
        if (a->access & AIR_ACCESS_READ) {
            spv_cap(&e->b, SpvCapabilityStorageImageReadWithoutFormat);
            e->res->needs_image_read_without_format = true;
        }
        spv_cap(&e->b, SpvCapabilityStorageImageWriteWithoutFormat);
        e->res->needs_image_write_without_format = true;
    }
    ti->var = new_var(e, SpvStorageClassUniformConstant, ti->image_type, 0);
    bd->set = stage_set(e);
    bd->binding = AIR_BIND_TEXTURE + a->location;
    bd->metal_slot = a->location;
    bd->type =
        kind == AIR_TEX_BUFFER
            ? (ti->storage ? AIR_BINDING_STORAGE_TEXEL_BUFFER : AIR_BINDING_UNIFORM_TEXEL_BUFFER)
            : (ti->storage ? AIR_BINDING_STORAGE_IMAGE : AIR_BINDING_SAMPLED_IMAGE);
    bd->access = a->access;
    bd->tex_kind = (uint8_t)kind;
    bd->depth = depth;
    spv_decorate(&e->b, ti->var, SpvDecorationDescriptorSet, 1, bd->set);
    spv_decorate(&e->b, ti->var, SpvDecorationBinding, 1, bd->binding);
    if (ti->storage && !(a->access & AIR_ACCESS_READ))
        spv_decorate(&e->b, ti->var, SpvDecorationNonReadable, 0);
    e->vm[vid].kind = VM_TEX;
    e->vm[vid].tex = ti;
    return true;
}

static bool
bind_sampler(struct emitter *e, const struct air_arg_desc *a, uint32_t vid)
{
    if (a->location > 15)
        return emit_fail(e, AIR_INVALID_DATA, "sampler index %u above 15", a->location);
    struct air_binding *bd = add_binding(e);
    if (!bd)
        return false;
    uint32_t var =
        new_var(e, SpvStorageClassUniformConstant, spv_typev(&e->b, SpvOpTypeSampler, 0), 0);
    bd->set = stage_set(e);
    bd->binding = AIR_BIND_SAMPLER + a->location;
    bd->metal_slot = a->location;
    bd->type = AIR_BINDING_SAMPLER;
    spv_decorate(&e->b, var, SpvDecorationDescriptorSet, 1, bd->set);
    spv_decorate(&e->b, var, SpvDecorationBinding, 1, bd->binding);
    e->vm[vid].kind = VM_SAMPLER;
    e->vm[vid].id = var;
    return true;
}

uint32_t
emit_constexpr_sampler(struct emitter *e, uint64_t state)
{
    for (uint32_t i = 0; i < e->ncx; i++)
        if (e->cx_state[i] == state)
            return e->cx_var[i];
    if (e->ncx == 16)
        return emit_fail(e, AIR_NOT_SUPPORTED, "more than 16 constexpr samplers"), 0;
    struct air_binding *bd = add_binding(e);
    if (!bd)
        return 0;
    uint32_t var =
        new_var(e, SpvStorageClassUniformConstant, spv_typev(&e->b, SpvOpTypeSampler, 0), 0);
    bd->set = stage_set(e);
    bd->binding = AIR_BIND_CONSTEXPR_SAMPLER + e->ncx;
    bd->metal_slot = e->ncx;
    bd->type = AIR_BINDING_CONSTEXPR_SAMPLER;
    bd->sampler_state = state;
    spv_decorate(&e->b, var, SpvDecorationDescriptorSet, 1, bd->set);
    spv_decorate(&e->b, var, SpvDecorationBinding, 1, bd->binding);
    e->cx_state[e->ncx] = state;
    e->cx_var[e->ncx++] = var;
    return var;
}

/* An Input builtin variable of `type`, loaded in the prologue. */
static uint32_t
load_builtin(struct emitter *e, SpvBuiltIn bi, uint32_t type)
{
    uint32_t var = 0;
    for (uint32_t i = 0; i < e->nbvars; i++)
        if (e->bvar_bi[i] == (uint32_t)bi && e->bvar_type[i] == type)
            var = e->bvar_var[i];
    if (!var) {
        var = new_var(e, SpvStorageClassInput, type, 0);
        spv_decorate(&e->b, var, SpvDecorationBuiltIn, 1, bi);
        /* Vulkan requires Flat on integer fragment inputs, builtins included (SampleId). */
        if (e->entry->stage == AIR_STAGE_FRAGMENT && type == e->t_i32)
            spv_decorate(&e->b, var, SpvDecorationFlat, 0);
        if (e->nbvars < sizeof(e->bvar_var) / sizeof(e->bvar_var[0])) {
            e->bvar_bi[e->nbvars] = (uint32_t)bi;
            e->bvar_type[e->nbvars] = type;
            e->bvar_var[e->nbvars++] = var;
        }
    }
    return emit_opv(e, SpvOpLoad, type, 1, var);
}

uint32_t
emit_load_builtin(struct emitter *e, SpvBuiltIn bi, uint32_t type)
{
    return load_builtin(e, bi, type);
}

/* Converts a builtin loaded as u32 / uvec3 to the parameter's type (uint, uint2, ushort...). */
static uint32_t
fit_builtin(struct emitter *e, uint32_t v, uint32_t src_lanes, const struct iir_type *pt)
{
    uint32_t lanes = iir_lanes(pt);
    const struct iir_type *s = iir_scalar(pt);
    if (s->kind != IIR_T_INT || s->bits == 1 || s->bits == 64)
        return emit_fail(e, AIR_NOT_SUPPORTED, "builtin parameter of a non-integer type"), 0;
    if (lanes > src_lanes)
        return emit_fail(e, AIR_NOT_SUPPORTED, "builtin parameter wider than the builtin"), 0;
    uint32_t u32v = emit_vec_type(e, e->t_i32, lanes);
    if (lanes < src_lanes) {
        if (lanes == 1)
            v = emit_opv(e, SpvOpCompositeExtract, e->t_i32, 2, v, 0);
        else
            v = emit_opv(e, SpvOpVectorShuffle, u32v, 4, v, v, 0, 1);
    }
    if (s->bits != 32)
        v = emit_opv(e, SpvOpUConvert, emit_type(e, pt), 1, v);
    return v;
}

/* Metal picks the group size per dispatch: BuiltIn WorkgroupSize on spec constants (Vulkan 1.2
 * has no LocalSizeId), SpecIds in the reflection (§5.4.8). Created once per kernel. */
static uint32_t
workgroup_size(struct emitter *e)
{
    if (e->wg_size)
        return e->wg_size;
    uint32_t c[3];
    for (uint32_t i = 0; i < 3; i++) {
        c[i] = spv_id(&e->b);
        spv_opv(&e->b.types, SpvOpSpecConstant, 3, e->t_i32, c[i], 1);
        spv_decorate(&e->b, c[i], SpvDecorationSpecId, 1, AIR_SPEC_WORKGROUP_X + i);
    }
    e->wg_size = spv_id(&e->b);
    spv_opv(&e->b.types, SpvOpSpecConstantComposite, 5, e->t_v3i32, e->wg_size, c[0], c[1], c[2]);
    spv_decorate(&e->b, e->wg_size, SpvDecorationBuiltIn, 1, SpvBuiltInWorkgroupSize);
    return e->wg_size;
}

static bool
bind_builtin(struct emitter *e, const struct air_arg_desc *a, uint32_t vid)
{
    const struct iir_type *pt = iir_val(e->m, vid)->type;
    uint32_t v = 0;
    enum air_stage st = e->entry->stage;
    switch (a->builtin) {
    case AIR_BI_VERTEX_ID:
    case AIR_BI_INSTANCE_ID:
    case AIR_BI_BASE_VERTEX:
    case AIR_BI_BASE_INSTANCE: {
        if (st != AIR_STAGE_VERTEX)
            break;
        SpvBuiltIn bi = a->builtin == AIR_BI_VERTEX_ID     ? SpvBuiltInVertexIndex
                        : a->builtin == AIR_BI_INSTANCE_ID ? SpvBuiltInInstanceIndex
                        : a->builtin == AIR_BI_BASE_VERTEX ? SpvBuiltInBaseVertex
                                                           : SpvBuiltInBaseInstance;
        if (a->builtin == AIR_BI_BASE_VERTEX || a->builtin == AIR_BI_BASE_INSTANCE) {
            spv_cap(&e->b, SpvCapabilityDrawParameters);
            e->res->needs_draw_parameters = true;
        }
        v = fit_builtin(e, load_builtin(e, bi, e->t_i32), 1, pt);
        break;
    }
    case AIR_BI_POSITION:
        if (st != AIR_STAGE_FRAGMENT)
            break;
        v = load_builtin(e, SpvBuiltInFragCoord, e->t_v4f32);
        break;
    case AIR_BI_FRONT_FACING:
        if (st != AIR_STAGE_FRAGMENT)
            break;
        v = load_builtin(e, SpvBuiltInFrontFacing, e->t_bool);
        if (!(pt->kind == IIR_T_INT && pt->bits == 1)) {
            uint32_t ty = emit_type(e, pt);
            if (pt->kind != IIR_T_INT)
                return emit_fail(e, AIR_NOT_SUPPORTED, "front_facing of a non-integer type");
            v = emit_opv(e, SpvOpSelect, ty, 3, v, spv_typev(&e->b, SpvOpConstant, 2, ty, 1),
                         spv_typev(&e->b, SpvOpConstant, 2, ty, 0));
        }
        break;
    case AIR_BI_SAMPLE_ID:
        if (st != AIR_STAGE_FRAGMENT)
            break;
        spv_cap(&e->b, SpvCapabilitySampleRateShading);
        v = fit_builtin(e, load_builtin(e, SpvBuiltInSampleId, e->t_i32), 1, pt);
        {
            /* Flat is implied for integer builtins. */
        }
        break;
    case AIR_BI_POINT_COORD:
        if (st != AIR_STAGE_FRAGMENT)
            break;
        v = load_builtin(e, SpvBuiltInPointCoord, emit_vec_type(e, e->t_f32, 2));
        break;
    case AIR_BI_THREAD_POS_GRID:
    case AIR_BI_THREAD_POS_TG:
    case AIR_BI_TG_POS_GRID:
    case AIR_BI_TGS_PER_GRID: {
        if (st != AIR_STAGE_KERNEL)
            break;
        SpvBuiltIn bi = a->builtin == AIR_BI_THREAD_POS_GRID ? SpvBuiltInGlobalInvocationId
                        : a->builtin == AIR_BI_THREAD_POS_TG ? SpvBuiltInLocalInvocationId
                        : a->builtin == AIR_BI_TG_POS_GRID   ? SpvBuiltInWorkgroupId
                                                             : SpvBuiltInNumWorkgroups;
        v = fit_builtin(e, load_builtin(e, bi, e->t_v3i32), 3, pt);
        break;
    }
    case AIR_BI_THREADS_PER_TG:
    case AIR_BI_THREADS_PER_GRID: {
        if (st != AIR_STAGE_KERNEL)
            break;
        uint32_t wg = workgroup_size(e);
        if (a->builtin == AIR_BI_THREADS_PER_GRID)
            wg = emit_opv(e, SpvOpIMul, e->t_v3i32, 2,
                          load_builtin(e, SpvBuiltInNumWorkgroups, e->t_v3i32), wg);
        v = fit_builtin(e, wg, 3, pt);
        break;
    }
    case AIR_BI_THREAD_INDEX_TG:
        if (st != AIR_STAGE_KERNEL)
            break;
        v = fit_builtin(e, load_builtin(e, SpvBuiltInLocalInvocationIndex, e->t_i32), 1, pt);
        break;
    case AIR_BI_THREAD_INDEX_SIMD:
    case AIR_BI_THREADS_PER_SIMD:
    case AIR_BI_SIMD_INDEX_TG: {
        spv_cap(&e->b, SpvCapabilityGroupNonUniform);
        e->res->needs_subgroups = true;
        SpvBuiltIn bi = a->builtin == AIR_BI_THREAD_INDEX_SIMD ? SpvBuiltInSubgroupLocalInvocationId
                        : a->builtin == AIR_BI_THREADS_PER_SIMD ? SpvBuiltInSubgroupSize
                                                                : SpvBuiltInSubgroupId;
        if (bi == SpvBuiltInSubgroupId && st != AIR_STAGE_KERNEL)
            break;
        v = fit_builtin(e, load_builtin(e, bi, e->t_i32), 1, pt);
        break;
    }
    default:
        break;
    }
    if (!v)
        return e->st != AIR_OK
                   ? false
                   : emit_fail(e, AIR_NOT_SUPPORTED, "builtin parameter %s in this stage",
                               a->first_keyword ? a->first_keyword : "?");
    emit_set(e, vid, v);
    return true;
}

/* Varying/attribute numeric type: 32-bit scalar or vector (half promoted). */
static uint32_t
io_type(struct emitter *e, const struct iir_type *t, uint8_t *numeric, uint8_t *components)
{
    const struct iir_type *s = iir_scalar(t);
    if (t->kind != IIR_T_VEC && t->kind != IIR_T_INT && t->kind != IIR_T_FLOAT)
        return emit_fail(e, AIR_NOT_SUPPORTED, "stage I/O of an aggregate type"), 0;
    if ((s->kind == IIR_T_INT && s->bits != 32) || (s->kind == IIR_T_FLOAT && s->bits == 64))
        return emit_fail(e, AIR_NOT_SUPPORTED, "stage I/O of %s%u",
                         s->kind == IIR_T_INT ? "i" : "f", s->bits),
               0;
    *numeric = s->kind == IIR_T_FLOAT ? AIR_NUM_FLOAT : AIR_NUM_UINT;
    *components = (uint8_t)iir_lanes(t);
    return emit_type(e, t);
}

static void
interp_decorate(struct emitter *e, uint32_t var, uint8_t interp, bool is_int)
{
    if ((interp & AIR_INTERP_FLAT) || is_int)
        spv_decorate(&e->b, var, SpvDecorationFlat, 0);
    else if (interp & AIR_INTERP_NO_PERSPECTIVE)
        spv_decorate(&e->b, var, SpvDecorationNoPerspective, 0);
    if (interp & AIR_INTERP_CENTROID)
        spv_decorate(&e->b, var, SpvDecorationCentroid, 0);
    if (interp & AIR_INTERP_SAMPLE) {
        spv_cap(&e->b, SpvCapabilitySampleRateShading);
        spv_decorate(&e->b, var, SpvDecorationSample, 0);
    }
}

static struct air_varying *
add_varying(struct emitter *e, const char *key)
{
    struct air_result *r = e->res;
    if (r->nvaryings == 32) {
        emit_fail(e, AIR_NOT_SUPPORTED, "more than 32 varyings");
        return NULL;
    }
    struct air_varying *v = &r->varyings[r->nvaryings++];
    snprintf(v->key, sizeof(v->key), "%s", key ? key : "");
    v->location = r->nvaryings - 1;
    return v;
}

/* Word index (in the final module) of the Location literal just emitted is not known until
 * linking: record the annotation-section offset and fix it up after linking. */
static void
decorate_location(struct emitter *e, uint32_t var, uint32_t loc, uint32_t *annot_off)
{
    spv_decorate(&e->b, var, SpvDecorationLocation, 1, loc);
    if (annot_off)
        *annot_off = (uint32_t)e->b.annots.n - 1;
}

static bool
bind_input(struct emitter *e, const struct air_arg_desc *a, uint32_t vid)
{
    const struct iir_type *pt = iir_val(e->m, vid)->type;
    uint8_t numeric, comps;
    uint32_t ty = io_type(e, pt, &numeric, &comps);
    if (!ty)
        return false;
    uint32_t var = new_var(e, SpvStorageClassInput, ty, 0);
    if (a->kind == AIR_ARG_VERTEX_INPUT) {
        struct air_result *r = e->res;
        if (r->nvertex_inputs == 32)
            return emit_fail(e, AIR_NOT_SUPPORTED, "more than 32 vertex attributes");
        r->vertex_input_locations[r->nvertex_inputs++] = a->location;
        decorate_location(e, var, a->location, NULL);
    } else {
        struct air_varying *v = add_varying(e, a->key);
        if (!v)
            return false;
        v->numeric = numeric;
        v->components = comps;
        v->interp = a->interp;
        decorate_location(e, var, v->location, &v->location_word);
        interp_decorate(e, var, a->interp, numeric != AIR_NUM_FLOAT);
    }
    emit_set(e, vid, emit_opv(e, SpvOpLoad, ty, 1, var));
    return true;
}

static bool
bind_outputs(struct emitter *e)
{
    const struct iir_type *rt = e->fn->ret;
    const struct air_entry *en = e->entry;
    uint32_t n = rt->kind == IIR_T_VOID ? 0 : (rt->kind == IIR_T_STRUCT ? rt->count : 1);
    if (n != en->nouts)
        return emit_fail(e, AIR_INVALID_DATA, "entry %s returns %u values but describes %u",
                         en->name, n, en->nouts);
    e->nout_vars = n;
    e->out_vars = iir_arena_array(e->arena, n + 1, sizeof(uint32_t));
    e->out_kind = iir_arena_array(e->arena, n + 1, 1);
    if (!e->out_vars || !e->out_kind)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        const struct air_out_desc *o = &en->outs[i];
        const struct iir_type *t = rt->kind == IIR_T_STRUCT ? rt->members[i] : rt;
        uint8_t numeric, comps;
        e->out_kind[i] = o->kind;
        bool vs = en->stage == AIR_STAGE_VERTEX;
        switch (o->kind) {
        case AIR_OUT_POSITION: {
            if (!vs || t->kind != IIR_T_VEC || t->count != 4 ||
                !(iir_scalar(t)->kind == IIR_T_FLOAT))
                return emit_fail(e, AIR_NOT_SUPPORTED, "position output of this type/stage");
            e->out_vars[i] = new_var(e, SpvStorageClassOutput, e->t_v4f32, 0);
            spv_decorate(&e->b, e->out_vars[i], SpvDecorationBuiltIn, 1, SpvBuiltInPosition);
            if (o->invariant)
                spv_decorate(&e->b, e->out_vars[i], SpvDecorationInvariant, 0);
            break;
        }
        case AIR_OUT_POINT_SIZE:
            if (!vs || t->kind != IIR_T_FLOAT)
                return emit_fail(e, AIR_NOT_SUPPORTED, "point_size output of this type/stage");
            e->out_vars[i] = new_var(e, SpvStorageClassOutput, e->t_f32, 0);
            spv_decorate(&e->b, e->out_vars[i], SpvDecorationBuiltIn, 1, SpvBuiltInPointSize);
            break;
        case AIR_OUT_VARYING: {
            if (!vs)
                return emit_fail(e, AIR_INVALID_DATA, "vertex_output outside a vertex entry");
            uint32_t ty = io_type(e, t, &numeric, &comps);
            if (!ty)
                return false;
            struct air_varying *v = add_varying(e, o->key);
            if (!v)
                return false;
            v->numeric = numeric;
            v->components = comps;
            e->out_vars[i] = new_var(e, SpvStorageClassOutput, ty, 0);
            decorate_location(e, e->out_vars[i], v->location, &v->location_word);
            break;
        }
        case AIR_OUT_RENDER_TARGET: {
            if (en->stage != AIR_STAGE_FRAGMENT)
                return emit_fail(e, AIR_INVALID_DATA, "render_target outside a fragment entry");
            uint32_t ty = io_type(e, t, &numeric, &comps);
            if (!ty)
                return false;
            struct air_result *r = e->res;
            if (r->nattachments == 8)
                return emit_fail(e, AIR_INVALID_DATA, "more than 8 render targets");
            r->attachments[r->nattachments++] = (struct air_attachment){ o->index, comps, numeric };
            e->out_vars[i] = new_var(e, SpvStorageClassOutput, ty, 0);
            decorate_location(e, e->out_vars[i], o->index, NULL);
            if (o->dual_index)
                spv_decorate(&e->b, e->out_vars[i], SpvDecorationIndex, 1, o->dual_index);
            break;
        }
        case AIR_OUT_DEPTH:
            if (en->stage != AIR_STAGE_FRAGMENT || t->kind != IIR_T_FLOAT)
                return emit_fail(e, AIR_NOT_SUPPORTED, "depth output of this type/stage");
            e->out_vars[i] = new_var(e, SpvStorageClassOutput, e->t_f32, 0);
            spv_decorate(&e->b, e->out_vars[i], SpvDecorationBuiltIn, 1, SpvBuiltInFragDepth);
            e->res->writes_depth = true;
            break;
        default:
            return emit_fail(e, AIR_NOT_SUPPORTED, "output %s",
                             o->first_keyword ? o->first_keyword : "(no keyword)");
        }
    }
    return true;
}

/* Writes the entry's outputs from the returned value (each `ret` of the entry). */
bool
emit_terminator_ret(struct emitter *e, const struct iir_inst *in)
{
    if (e->nout_vars) {
        if (in->nops < 1)
            return emit_fail(e, AIR_INVALID_DATA, "ret without the described outputs");
        const struct iir_type *rt = e->fn->ret;
        struct vmap *vm = &e->vm[in->ops[0]];
        uint32_t whole = 0;
        if (!(rt->kind == IIR_T_STRUCT && vm->kind == VM_VIRT))
            whole = emit_value(e, in->ops[0]);
        if (!whole && !(rt->kind == IIR_T_STRUCT && vm->kind == VM_VIRT))
            return false;
        for (uint32_t i = 0; i < e->nout_vars; i++) {
            const struct iir_type *t = rt->kind == IIR_T_STRUCT ? rt->members[i] : rt;
            uint32_t v;
            if (rt->kind != IIR_T_STRUCT)
                v = whole;
            else if (vm->kind == VM_VIRT)
                v = vm->members[i];
            else
                v = emit_opv(e, SpvOpCompositeExtract, emit_type(e, t), 2, whole, i);
            if (e->out_kind[i] == AIR_OUT_POSITION) {
                /* Metal NDC y points up, Vulkan's down (§5.4.8). */
                uint32_t y = emit_opv(e, SpvOpCompositeExtract, e->t_f32, 2, v, 1);
                uint32_t ny = emit_opv(e, SpvOpFNegate, e->t_f32, 1, y);
                v = emit_opv(e, SpvOpCompositeInsert, e->t_v4f32, 3, ny, v, 1);
            }
            spv_opv(e->body, SpvOpStore, 2, e->out_vars[i], v);
        }
    }
    spv_opv(e->body, SpvOpReturn, 0);
    return true;
}

static bool
bind_globals(struct emitter *e)
{
    for (uint32_t i = 0; i < e->m->nglobals; i++) {
        const struct iir_global *g = &e->m->globals[i];
        if (strncmp(g->name, "__air_sampler_state", 19) == 0) {
            /* AIR 2.x constexpr sampler: [2 x i64] or i64 state (§4.8). */
            const struct iir_value *iv = g->init ? iir_val(e->m, g->init) : NULL;
            if (iv && iv->kind == IIR_V_AGG && iv->nops > 0)
                iv = iir_val(e->m, iv->ops[0]);
            if (!iv || (iv->kind != IIR_V_INT && iv->kind != IIR_V_ZERO))
                return emit_fail(e, AIR_INVALID_DATA, "%s has no constant state word", g->name);
            uint32_t var = emit_constexpr_sampler(e, iv->kind == IIR_V_INT ? iv->u : 0);
            if (!var)
                return false;
            e->vm[g->value].kind = VM_SAMPLER;
            e->vm[g->value].id = var;
            continue;
        }
        if (strncmp(g->name, "llvm.", 5) == 0)
            continue;
        uint32_t sc;
        uint32_t init = 0;
        if (g->addrspace == 3)
            sc = SpvStorageClassWorkgroup;
        else if (g->addrspace == 2 || g->addrspace == 0)
            sc = SpvStorageClassPrivate;
        else
            return emit_fail(e, AIR_NOT_SUPPORTED, "global %s in address space %u", g->name,
                             g->addrspace);
        uint32_t ty = emit_type(e, g->type);
        if (!ty)
            return false;
        if (g->init && sc == SpvStorageClassPrivate) {
            init = emit_value(e, g->init);
            if (!init)
                return false;
        }
        struct symptr *p = iir_arena_alloc(e->arena, sizeof(*p));
        if (!p)
            return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
        p->base = new_var(e, sc, ty, init);
        p->sc = sc;
        p->pointee = g->type;
        e->vm[g->value].kind = VM_PTR;
        e->vm[g->value].ptr = p;
    }
    return true;
}

static bool
emit_module(struct emitter *e)
{
    const struct air_entry *en = e->entry;
    struct air_result *r = e->res;
    e->fn = &e->m->funcs[en->fn];
    e->ty_plain = iir_arena_array(e->arena, e->m->ntypes + 1, sizeof(uint32_t));
    e->ty_layout = iir_arena_array(e->arena, e->m->ntypes + 1, sizeof(uint32_t));
    e->vm = iir_arena_array(e->arena, e->m->nvalues + 1, sizeof(*e->vm));
    r->bindings = ut_calloc_array(MAX_BINDINGS, sizeof(*r->bindings));
    r->varyings = ut_calloc_array(32, sizeof(*r->varyings));
    r->vertex_input_locations = ut_calloc_array(32, sizeof(uint32_t));
    r->attachments = ut_calloc_array(8, sizeof(*r->attachments));
    if (!e->ty_plain || !e->ty_layout || !e->vm || !r->bindings || !r->varyings ||
        !r->vertex_input_locations || !r->attachments)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");

    spv_cap(&e->b, SpvCapabilityShader);
    e->glsl = spv_id(&e->b);
    spv_op_str(&e->b.imports, SpvOpExtInstImport, 1, &e->glsl, "GLSL.std.450");
    spv_opv(&e->b.memmodel, SpvOpMemoryModel, 2, SpvAddressingModelLogical, SpvMemoryModelGLSL450);
    e->t_void = spv_typev(&e->b, SpvOpTypeVoid, 0);
    e->t_bool = spv_typev(&e->b, SpvOpTypeBool, 0);
    e->t_i32 = spv_typev(&e->b, SpvOpTypeInt, 2, 32, 0);
    e->t_f32 = spv_typev(&e->b, SpvOpTypeFloat, 1, 32);
    e->t_v4f32 = spv_typev(&e->b, SpvOpTypeVector, 2, e->t_f32, 4);
    e->t_v3i32 = spv_typev(&e->b, SpvOpTypeVector, 2, e->t_i32, 3);

    /* Prologue (builtin and input loads) goes into the entry block's body. */
    struct spv_words body = { 0 };
    e->body = &body;
    bool ok = bind_globals(e);
    for (uint32_t i = 0; ok && i < en->nargs; i++) {
        const struct air_arg_desc *a = &en->args[i];
        uint32_t vid = e->fn->params[a->param];
        switch (a->kind) {
        case AIR_ARG_BUFFER:
            ok = bind_buffer(e, a, vid);
            break;
        case AIR_ARG_TEXTURE:
            ok = bind_texture(e, a, vid);
            break;
        case AIR_ARG_SAMPLER:
            ok = bind_sampler(e, a, vid);
            break;
        case AIR_ARG_BUILTIN:
            ok = bind_builtin(e, a, vid);
            break;
        case AIR_ARG_VERTEX_INPUT:
        case AIR_ARG_FRAGMENT_INPUT:
            ok = bind_input(e, a, vid);
            break;
        default:
            ok = emit_fail(e, AIR_NOT_SUPPORTED, "entry parameter %u (%s)", a->param,
                           a->first_keyword ? a->first_keyword : "no descriptor keyword");
        }
    }
    for (uint32_t p = 0; ok && p < e->fn->nparams; p++) {
        bool described = false;
        for (uint32_t i = 0; i < en->nargs; i++)
            described |= en->args[i].param == p;
        if (!described)
            ok = emit_fail(e, AIR_INVALID_DATA, "entry %s: parameter %u has no descriptor",
                           en->name, p);
    }
    ok = ok && bind_outputs(e);
    ok = ok && emit_function_body(e);
    if (!ok) {
        spv_words_finish(&body);
        return false;
    }

    uint32_t fn_type = spv_typev(&e->b, SpvOpTypeFunction, 1, e->t_void);
    uint32_t fn_id = spv_id(&e->b);
    uint32_t entry_label = spv_id(&e->b);
    spv_opv(&e->b.funcs, SpvOpFunction, 4, e->t_void, fn_id, SpvFunctionControlMaskNone, fn_type);
    spv_opv(&e->b.funcs, SpvOpLabel, 1, entry_label);
    spv_words_append(&e->b.funcs, &e->fvars);
    spv_words_append(&e->b.funcs, &body);
    spv_opv(&e->b.funcs, SpvOpFunctionEnd, 0);
    spv_words_finish(&body);

    SpvExecutionModel model = en->stage == AIR_STAGE_VERTEX     ? SpvExecutionModelVertex
                              : en->stage == AIR_STAGE_FRAGMENT ? SpvExecutionModelFragment
                                                                : SpvExecutionModelGLCompute;
    uint32_t ep[3 + 256];
    ep[0] = model;
    ep[1] = fn_id;
    /* name follows as a string, then the interface: build by hand. */
    {
        struct spv_words *s = &e->b.entries;
        const char *name = "main";
        uint32_t nw = (uint32_t)(strlen(name) / 4 + 1);
        spv_words_push(s, (uint32_t)(3 + nw + e->nglobals_ids) << 16 | SpvOpEntryPoint);
        spv_words_push(s, ep[0]);
        spv_words_push(s, ep[1]);
        spv_str(s, name);
        for (uint32_t i = 0; i < e->nglobals_ids; i++)
            spv_words_push(s, e->globals_ids[i]);
    }
    if (en->stage == AIR_STAGE_FRAGMENT) {
        spv_opv(&e->b.execmodes, SpvOpExecutionMode, 2, fn_id, SpvExecutionModeOriginUpperLeft);
        if (en->early_fragment_tests)
            spv_opv(&e->b.execmodes, SpvOpExecutionMode, 2, fn_id,
                    SpvExecutionModeEarlyFragmentTests);
        if (r->writes_depth)
            spv_opv(&e->b.execmodes, SpvOpExecutionMode, 2, fn_id, SpvExecutionModeDepthReplacing);
    } else if (en->stage == AIR_STAGE_KERNEL) {
        spv_opv(&e->b.execmodes, SpvOpExecutionMode, 5, fn_id, SpvExecutionModeLocalSize, 1, 1, 1);
        /* Metal picks the group size per dispatch: BuiltIn WorkgroupSize on spec constants
         * (Vulkan 1.2 has no LocalSizeId), SpecIds in the reflection (§5.4.8). */
        workgroup_size(e);
    }
    r->max_workgroup_size = en->max_workgroup_size;
    r->early_fragment_tests = en->early_fragment_tests;
    if (e->st != AIR_OK)
        return false;
    uint32_t *words;
    size_t count;
    size_t annots_at = 5 + e->b.caps.n + e->b.exts.n + e->b.imports.n + e->b.memmodel.n +
                       e->b.entries.n + e->b.execmodes.n + e->b.debug.n;
    if (!spv_builder_link(&e->b, &words, &count))
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory assembling SPIR-V");
    for (uint32_t i = 0; i < r->nvaryings; i++)
        r->varyings[i].location_word += (uint32_t)annots_at;
    r->words = words;
    r->word_count = count;
    r->stage = en->stage;
    snprintf(r->name, sizeof(r->name), "%s", en->name);
    return true;
}

enum air_status
air_translate_select(const struct air_mtlb *lib,
                     const struct air_options *opt,
                     const struct air_mtlb_function **fn_out,
                     const char **entry_out,
                     struct air_diag *diag)
{
    const struct air_mtlb_function *fn = NULL;
    if (lib->kind != AIR_FILE_MTLB || (!opt->entry && lib->function_count == 1)) {
        fn = &lib->functions[0];
    } else if (opt->entry) {
        fn = air_mtlb_find(lib, opt->entry);
        if (!fn)
            return air_diag_set(diag, AIR_INVALID_DATA, "metallib has no function named %s",
                                opt->entry);
    } else {
        return air_diag_set(diag, AIR_INVALID_DATA, "metallib holds %u functions: name one",
                            lib->function_count);
    }
    if (fn->status != AIR_OK)
        return air_diag_set(diag, fn->status, "function %s: %s", fn->name, fn->error);
    if (lib->kind == AIR_FILE_MTLB && fn->type > AIR_FN_KERNEL)
        return air_diag_set(diag, AIR_NOT_SUPPORTED,
                            "function %s has TYPE %u (only vertex, "
                            "fragment and kernel are translated)",
                            fn->name, fn->type);
    *fn_out = fn;
    *entry_out = opt->entry ? opt->entry : (fn->name[0] ? fn->name : NULL);
    return AIR_OK;
}

enum air_status
air_translate_bitcode(const uint8_t *bc,
                      size_t size,
                      const char *entry_name,
                      const struct air_options *opt,
                      struct air_result **out,
                      struct air_diag *diag)
{
    if (size > AIR_BITCODE_MAX_SIZE)
        return air_diag_set(diag, AIR_INVALID_DATA, "bitcode of %zu bytes exceeds the %u cap", size,
                            AIR_BITCODE_MAX_SIZE);
    struct air_import_options io = { opt->typed_pointers, opt->skip_verify };
    struct iir_module *m = NULL;
    enum air_status st = air_import_llvm(bc, size, &io, &m, diag);
    if (st != AIR_OK)
        return st;
    struct air_entry entry;
    st = air_entry_parse(m, entry_name, &entry, diag);
    if (st != AIR_OK)
        goto out_mod;
    st = iir_inline_calls(m, entry.fn, diag);
    if (st != AIR_OK)
        goto out_mod;
    struct emitter e = { 0 };
    e.m = m;
    e.entry = &entry;
    e.diag = diag;
    e.arena = &m->arena;
    spv_builder_init(&e.b);
    e.res = ut_calloc(1, sizeof(*e.res));
    if (!e.res) {
        st = AIR_OUT_OF_MEMORY;
        spv_builder_finish(&e.b);
        goto out_mod;
    }
    atomic_init(&e.res->refs, 1);
    if (!emit_module(&e) || e.b.failed || m->arena.failed) {
        st = e.st != AIR_OK ? e.st : AIR_OUT_OF_MEMORY;
        air_result_unref(e.res);
    } else {
        *out = e.res;
        st = AIR_OK;
    }
    spv_words_finish(&e.fvars);
    spv_builder_finish(&e.b);
out_mod:
    iir_module_free(m);
    return st;
}

enum air_status
air_translate_in_process(const void *bytes,
                         size_t size,
                         const struct air_options *opt,
                         struct air_result **out,
                         struct air_diag *diag)
{
    static const struct air_options defaults = { 0 };
    if (!opt)
        opt = &defaults;
    struct air_mtlb *lib = NULL;
    enum air_status st = air_mtlb_parse(bytes, size, &lib, diag);
    if (st != AIR_OK)
        return st;
    const struct air_mtlb_function *fn = NULL;
    const char *entry_name = NULL;
    st = air_translate_select(lib, opt, &fn, &entry_name, diag);
    if (st == AIR_OK)
        st = air_translate_bitcode(fn->bitcode, fn->bitcode_size, entry_name, opt, out, diag);
    air_mtlb_free(lib);
    return st;
}

enum air_status
air_link_varyings(const struct air_result *vs,
                  const struct air_result *fs,
                  uint32_t **out,
                  size_t *count)
{
    uint32_t *w = ut_calloc_array(vs->word_count, sizeof(uint32_t));
    if (!w)
        return AIR_OUT_OF_MEMORY;
    memcpy(w, vs->words, vs->word_count * sizeof(uint32_t));
    uint32_t next = 0;
    for (uint32_t i = 0; i < fs->nvaryings; i++)
        if (fs->varyings[i].location + 1 > next)
            next = fs->varyings[i].location + 1;
    for (uint32_t i = 0; i < vs->nvaryings; i++) {
        const struct air_varying *v = &vs->varyings[i];
        uint32_t loc = UINT32_MAX;
        for (uint32_t k = 0; k < fs->nvaryings; k++)
            if (strcmp(fs->varyings[k].key, v->key) == 0)
                loc = fs->varyings[k].location;
        if (loc == UINT32_MAX)
            loc = next++; /* unread by this fragment shader */
        if (v->location_word < vs->word_count)
            w[v->location_word] = loc;
    }
    *out = w;
    *count = vs->word_count;
    return AIR_OK;
}

struct jbuf {
    char *p;
    size_t n, cap;
    bool failed;
};

static void jput(struct jbuf *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
jput(struct jbuf *j, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof(tmp) || j->failed) {
        j->failed = true;
        return;
    }
    if (j->n + (size_t)k + 1 > j->cap) {
        size_t ncap = j->cap ? j->cap * 2 : 1024;
        while (ncap < j->n + (size_t)k + 1)
            ncap *= 2;
        char *np = ut_realloc_array(j->p, ncap, 1);
        if (!np) {
            j->failed = true;
            return;
        }
        j->p = np;
        j->cap = ncap;
    }
    memcpy(j->p + j->n, tmp, (size_t)k + 1);
    j->n += (size_t)k;
}

char *
air_result_json(const struct air_result *r)
{
    static const char *const stages[] = { "vertex", "fragment", "kernel" };
    static const char *const btypes[] = { "storage_buffer",      "sampled_image",
                                          "storage_image",       "sampler",
                                          "constexpr_sampler",   "uniform_texel_buffer",
                                          "storage_texel_buffer" };
    struct jbuf j = { 0 };
    jput(&j, "{\"name\":\"%s\",\"stage\":\"%s\",\"words\":%zu,\"bindings\":[", r->name,
         stages[r->stage], r->word_count);
    for (uint32_t i = 0; i < r->nbindings; i++) {
        const struct air_binding *b = &r->bindings[i];
        jput(&j, "%s{\"set\":%u,\"binding\":%u,\"metal_index\":%u,\"type\":\"%s\",\"access\":%u",
             i ? "," : "", b->set, b->binding, b->metal_slot, btypes[b->type], b->access);
        if (b->stride)
            jput(&j, ",\"stride\":%u", b->stride);
        if (b->buffer_size)
            jput(&j, ",\"buffer_size\":%u", b->buffer_size);
        if (b->tex_kind)
            jput(&j, ",\"texture_kind\":%u,\"depth\":%s", b->tex_kind, b->depth ? "true" : "false");
        jput(&j, "}");
    }
    jput(&j, "],\"varyings\":[");
    for (uint32_t i = 0; i < r->nvaryings; i++)
        jput(&j,
             "%s{\"key\":\"%s\",\"location\":%u,\"components\":%u,\"numeric\":%u,\"interp\":%u}",
             i ? "," : "", r->varyings[i].key, r->varyings[i].location, r->varyings[i].components,
             r->varyings[i].numeric, r->varyings[i].interp);
    jput(&j, "],\"vertex_inputs\":[");
    for (uint32_t i = 0; i < r->nvertex_inputs; i++)
        jput(&j, "%s%u", i ? "," : "", r->vertex_input_locations[i]);
    jput(&j, "],\"render_targets\":[");
    for (uint32_t i = 0; i < r->nattachments; i++)
        jput(&j, "%s{\"index\":%u,\"components\":%u,\"numeric\":%u}", i ? "," : "",
             r->attachments[i].index, r->attachments[i].components, r->attachments[i].numeric);
    jput(&j,
         "],\"writes_depth\":%s,\"max_workgroup_size\":%u,\"workgroup_spec_ids\":[%u,%u,%u],"
         "\"dispatch_fallback\":%s}",
         r->writes_depth ? "true" : "false", r->max_workgroup_size, AIR_SPEC_WORKGROUP_X,
         AIR_SPEC_WORKGROUP_X + 1, AIR_SPEC_WORKGROUP_X + 2,
         r->dispatch_fallback ? "true" : "false");
    if (j.failed) {
        ut_free(j.p);
        return NULL;
    }
    return j.p;
}
