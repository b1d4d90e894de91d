/* SPDX-License-Identifier: MIT */
/*
 * LLVM-C → IIR (spec/air.md §3.4, §3.5, §5.1): the only file that includes llvm-c. One context
 * per call with opaque pointers set first (typed mode only for tests), a diagnostic handler
 * that captures LLVM's message, parsing from a no-copy memory buffer, the verifier, then a walk
 * of types, constants (constant expressions become block-less IIR instructions), globals,
 * functions and the air.* named metadata. Every metadata operand's kind is checked before use.
 * Never calls LLVMShutdown or anything process-global: lavapipe shares this LLVM (§3.6).
 * Any thread; nothing is shared between calls.
 */
#include "air/import_llvm.h"

#include <llvm/Config/llvm-config.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>

#include "air/metallib.h"
#include "util/alloc.h"

#define MAX_DEPTH    64      /* type/constant nesting */
#define MAX_MD_DEPTH 8       /* air.* descriptor trees are 3-4 deep */
#define MAX_MD_NODES 100000  /* shared sub-trees are copied: bound the total */
#define MAX_VALUES   1000000 /* values of one module (1 MiB of bitcode cannot need more) */

struct ptrmap {
    const void **keys;
    uint32_t *vals;
    size_t cap, count;
};

struct importer {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMTargetDataRef td;
    struct iir_module *m;
    struct air_diag *diag;
    enum air_status st;
    struct ptrmap types;  /* LLVMTypeRef → type index */
    struct ptrmap values; /* LLVMValueRef → value id */
    struct ptrmap blocks; /* LLVMBasicBlockRef → block index (current function) */
    size_t cap_types, cap_values, cap_insts;
    uint32_t md_nodes;
    char llvm_msg[200];
};

static bool fail(struct importer *im, enum air_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
fail(struct importer *im, enum air_status st, const char *fmt, ...)
{
    if (im->st == AIR_OK) {
        im->st = st;
        if (im->diag && !im->diag->msg[0]) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(im->diag->msg, sizeof(im->diag->msg), fmt, ap);
            va_end(ap);
        }
    }
    return false;
}

static bool
oom(struct importer *im)
{
    return fail(im, AIR_OUT_OF_MEMORY, "%s", "out of memory while importing");
}

static size_t
ptr_hash(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static bool
ptrmap_put(struct ptrmap *pm, const void *key, uint32_t val)
{
    if ((pm->count + 1) * 2 > pm->cap) {
        size_t ncap = pm->cap ? pm->cap * 2 : 256;
        const void **nk = ut_calloc_array(ncap, sizeof(*nk));
        uint32_t *nv = ut_calloc_array(ncap, sizeof(*nv));
        if (!nk || !nv) {
            ut_free(nk);
            ut_free(nv);
            return false;
        }
        for (size_t i = 0; i < pm->cap; i++) {
            if (!pm->keys[i])
                continue;
            size_t h = ptr_hash(pm->keys[i], ncap);
            while (nk[h])
                h = (h + 1) & (ncap - 1);
            nk[h] = pm->keys[i];
            nv[h] = pm->vals[i];
        }
        ut_free(pm->keys);
        ut_free(pm->vals);
        pm->keys = nk;
        pm->vals = nv;
        pm->cap = ncap;
    }
    size_t h = ptr_hash(key, pm->cap);
    while (pm->keys[h] && pm->keys[h] != key)
        h = (h + 1) & (pm->cap - 1);
    if (!pm->keys[h])
        pm->count++;
    pm->keys[h] = key;
    pm->vals[h] = val;
    return true;
}

static bool
ptrmap_get(const struct ptrmap *pm, const void *key, uint32_t *val)
{
    if (!pm->cap)
        return false;
    size_t h = ptr_hash(key, pm->cap);
    while (pm->keys[h]) {
        if (pm->keys[h] == key) {
            *val = pm->vals[h];
            return true;
        }
        h = (h + 1) & (pm->cap - 1);
    }
    return false;
}

static void
ptrmap_clear(struct ptrmap *pm)
{
    if (pm->cap) {
        memset(pm->keys, 0, pm->cap * sizeof(*pm->keys));
        pm->count = 0;
    }
}

static void
ptrmap_finish(struct ptrmap *pm)
{
    ut_free(pm->keys);
    ut_free(pm->vals);
    memset(pm, 0, sizeof(*pm));
}

static bool
grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *n = ut_realloc_array(*arr, ncap, elem);
    if (!n)
        return false;
    memset((char *)n + *cap * elem, 0, (ncap - *cap) * elem);
    *arr = n;
    *cap = ncap;
    return true;
}

/* ---- types ---- */

static const struct iir_type *import_type(struct importer *im, LLVMTypeRef t, int depth);

static const struct iir_type *
new_type(struct importer *im, LLVMTypeRef t, struct iir_type *ty)
{
    if (!grow((void **)&im->m->types, &im->cap_types, im->m->ntypes + 1, sizeof(*im->m->types))) {
        oom(im);
        return NULL;
    }
    ty->index = im->m->ntypes;
    if (ty->kind != IIR_T_VOID && ty->kind != IIR_T_OPAQUE && LLVMTypeIsSized(t)) {
        ty->sized = true;
        ty->size = LLVMABISizeOfType(im->td, t);
        ty->align = LLVMABIAlignmentOfType(im->td, t);
    }
    im->m->types[im->m->ntypes++] = ty;
    if (!ptrmap_put(&im->types, t, ty->index)) {
        oom(im);
        return NULL;
    }
    return ty;
}

static const struct iir_type *
import_type(struct importer *im, LLVMTypeRef t, int depth)
{
    uint32_t idx;
    if (ptrmap_get(&im->types, t, &idx))
        return im->m->types[idx];
    if (depth > MAX_DEPTH) {
        fail(im, AIR_NOT_SUPPORTED, "%s", "type nesting too deep");
        return NULL;
    }
    struct iir_type *ty = iir_arena_alloc(&im->m->arena, sizeof(*ty));
    if (!ty) {
        oom(im);
        return NULL;
    }
    switch (LLVMGetTypeKind(t)) {
    case LLVMVoidTypeKind:
        ty->kind = IIR_T_VOID;
        break;
    case LLVMHalfTypeKind:
        ty->kind = IIR_T_FLOAT;
        ty->bits = 16;
        break;
    case LLVMFloatTypeKind:
        ty->kind = IIR_T_FLOAT;
        ty->bits = 32;
        break;
    case LLVMDoubleTypeKind:
        ty->kind = IIR_T_FLOAT;
        ty->bits = 64;
        break;
    case LLVMIntegerTypeKind: {
        unsigned w = LLVMGetIntTypeWidth(t);
        if (w != 1 && w != 8 && w != 16 && w != 32 && w != 64) {
            char b[24];
            snprintf(b, sizeof(b), "i%u", w);
            fail(im, AIR_NOT_SUPPORTED, "integer type %s", b);
            return NULL;
        }
        ty->kind = IIR_T_INT;
        ty->bits = (uint16_t)w;
        break;
    }
    case LLVMPointerTypeKind:
        ty->kind = IIR_T_PTR;
        ty->addrspace = LLVMGetPointerAddressSpace(t);
        break;
    case LLVMVectorTypeKind:
    case LLVMArrayTypeKind: {
        bool vec = LLVMGetTypeKind(t) == LLVMVectorTypeKind;
        ty->kind = vec ? IIR_T_VEC : IIR_T_ARRAY;
        ty->count = vec ? LLVMGetVectorSize(t) : LLVMGetArrayLength(t);
        ty->elem = import_type(im, LLVMGetElementType(t), depth + 1);
        if (!ty->elem)
            return NULL;
        if (vec && (ty->count < 2 || ty->count > 4 ||
                    (ty->elem->kind != IIR_T_INT && ty->elem->kind != IIR_T_FLOAT)))
            return fail(im, AIR_NOT_SUPPORTED, "%s", "vector type (length or element)"), NULL;
        break;
    }
    case LLVMStructTypeKind: {
        const char *name = LLVMGetStructName(t);
        if (name)
            ty->name = iir_arena_strndup(&im->m->arena, name, strlen(name));
        if (LLVMIsOpaqueStruct(t)) {
            ty->kind = IIR_T_OPAQUE;
            break;
        }
        ty->kind = IIR_T_STRUCT;
        ty->packed = LLVMIsPackedStruct(t);
        ty->count = LLVMCountStructElementTypes(t);
        ty->members = iir_arena_array(&im->m->arena, ty->count + 1, sizeof(*ty->members));
        ty->offsets = iir_arena_array(&im->m->arena, ty->count + 1, sizeof(*ty->offsets));
        if (!ty->members || !ty->offsets)
            return oom(im), NULL;
        for (uint32_t i = 0; i < ty->count; i++) {
            ty->members[i] = import_type(im, LLVMStructGetTypeAtIndex(t, i), depth + 1);
            if (!ty->members[i])
                return NULL;
        }
        if (LLVMTypeIsSized(t))
            for (uint32_t i = 0; i < ty->count; i++)
                ty->offsets[i] = (uint32_t)LLVMOffsetOfElement(im->td, t, i);
        break;
    }
    default:
        fail(im, AIR_NOT_SUPPORTED, "%s", "LLVM type kind (not int/float/vector/array/struct/ptr)");
        return NULL;
    }
    return new_type(im, t, ty);
}

/* ---- values ---- */

static uint32_t
new_value(struct importer *im, uint8_t kind, const struct iir_type *type)
{
    struct iir_module *m = im->m;
    if (m->nvalues >= MAX_VALUES) {
        fail(im, AIR_NOT_SUPPORTED, "%s", "module has too many values");
        return 0;
    }
    if (!grow((void **)&m->values, &im->cap_values, m->nvalues + 1, sizeof(*m->values))) {
        oom(im);
        return 0;
    }
    uint32_t id = m->nvalues++;
    m->values[id].kind = kind;
    m->values[id].type = type;
    return id;
}

static uint32_t
new_inst(struct importer *im)
{
    struct iir_module *m = im->m;
    if (!grow((void **)&m->insts, &im->cap_insts, m->ninsts + 1, sizeof(*m->insts))) {
        oom(im);
        return IIR_NONE;
    }
    return m->ninsts++;
}

static uint32_t import_value(struct importer *im, LLVMValueRef v, int depth);

static enum iir_op
map_opcode(LLVMOpcode op)
{
    switch (op) {
    case LLVMRet:
        return IIR_OP_RET;
    case LLVMBr:
        return IIR_OP_BR;
    case LLVMSwitch:
        return IIR_OP_SWITCH;
    case LLVMUnreachable:
        return IIR_OP_UNREACHABLE;
    case LLVMAdd:
        return IIR_OP_ADD;
    case LLVMFAdd:
        return IIR_OP_FADD;
    case LLVMSub:
        return IIR_OP_SUB;
    case LLVMFSub:
        return IIR_OP_FSUB;
    case LLVMMul:
        return IIR_OP_MUL;
    case LLVMFMul:
        return IIR_OP_FMUL;
    case LLVMUDiv:
        return IIR_OP_UDIV;
    case LLVMSDiv:
        return IIR_OP_SDIV;
    case LLVMFDiv:
        return IIR_OP_FDIV;
    case LLVMURem:
        return IIR_OP_UREM;
    case LLVMSRem:
        return IIR_OP_SREM;
    case LLVMFRem:
        return IIR_OP_FREM;
    case LLVMShl:
        return IIR_OP_SHL;
    case LLVMLShr:
        return IIR_OP_LSHR;
    case LLVMAShr:
        return IIR_OP_ASHR;
    case LLVMAnd:
        return IIR_OP_AND;
    case LLVMOr:
        return IIR_OP_OR;
    case LLVMXor:
        return IIR_OP_XOR;
    case LLVMFNeg:
        return IIR_OP_FNEG;
    case LLVMTrunc:
        return IIR_OP_TRUNC;
    case LLVMZExt:
        return IIR_OP_ZEXT;
    case LLVMSExt:
        return IIR_OP_SEXT;
    case LLVMFPToUI:
        return IIR_OP_FPTOUI;
    case LLVMFPToSI:
        return IIR_OP_FPTOSI;
    case LLVMUIToFP:
        return IIR_OP_UITOFP;
    case LLVMSIToFP:
        return IIR_OP_SITOFP;
    case LLVMFPTrunc:
        return IIR_OP_FPTRUNC;
    case LLVMFPExt:
        return IIR_OP_FPEXT;
    case LLVMPtrToInt:
        return IIR_OP_PTRTOINT;
    case LLVMIntToPtr:
        return IIR_OP_INTTOPTR;
    case LLVMBitCast:
        return IIR_OP_BITCAST;
    case LLVMAddrSpaceCast:
        return IIR_OP_ADDRSPACECAST;
    case LLVMICmp:
        return IIR_OP_ICMP;
    case LLVMFCmp:
        return IIR_OP_FCMP;
    case LLVMPHI:
        return IIR_OP_PHI;
    case LLVMSelect:
        return IIR_OP_SELECT;
    case LLVMCall:
        return IIR_OP_CALL;
    case LLVMExtractElement:
        return IIR_OP_EXTRACTELEMENT;
    case LLVMInsertElement:
        return IIR_OP_INSERTELEMENT;
    case LLVMShuffleVector:
        return IIR_OP_SHUFFLEVECTOR;
    case LLVMExtractValue:
        return IIR_OP_EXTRACTVALUE;
    case LLVMInsertValue:
        return IIR_OP_INSERTVALUE;
    case LLVMAlloca:
        return IIR_OP_ALLOCA;
    case LLVMLoad:
        return IIR_OP_LOAD;
    case LLVMStore:
        return IIR_OP_STORE;
    case LLVMGetElementPtr:
        return IIR_OP_GEP;
    case LLVMFreeze:
        return IIR_OP_FREEZE;
    default:
        return 0;
    }
}

static const char *
llvm_opcode_name(LLVMOpcode op)
{
    switch (op) {
    case LLVMIndirectBr:
        return "indirectbr";
    case LLVMInvoke:
        return "invoke";
    case LLVMAtomicRMW:
        return "atomicrmw";
    case LLVMAtomicCmpXchg:
        return "cmpxchg";
    case LLVMFence:
        return "fence";
    case LLVMVAArg:
        return "va_arg";
    case LLVMLandingPad:
        return "landingpad";
    case LLVMCallBr:
        return "callbr";
    default:
        return "an LLVM instruction outside IIR";
    }
}

/* Fills operands shared by instructions and constant expressions. */
static bool
fill_operands(struct importer *im,
              struct iir_inst *in,
              LLVMValueRef v,
              unsigned first,
              unsigned count,
              int depth)
{
    in->nops = count;
    in->ops = iir_arena_array(&im->m->arena, count + 1, sizeof(uint32_t));
    if (!in->ops)
        return oom(im);
    for (unsigned i = 0; i < count; i++) {
        in->ops[i] = import_value(im, LLVMGetOperand(v, first + i), depth + 1);
        if (!in->ops[i])
            return false;
    }
    return true;
}

static uint32_t
import_cexpr(struct importer *im, LLVMValueRef v, const struct iir_type *type, int depth)
{
    LLVMOpcode lop = LLVMGetConstOpcode(v);
    enum iir_op op = map_opcode(lop);
    if (!op || op == IIR_OP_SHUFFLEVECTOR || op == IIR_OP_EXTRACTVALUE ||
        op == IIR_OP_INSERTVALUE) {
        fail(im, AIR_NOT_SUPPORTED, "constant expression '%s'", iir_op_name(op));
        return 0;
    }
    uint32_t ii = new_inst(im);
    if (ii == IIR_NONE)
        return 0;
    uint32_t id = new_value(im, IIR_V_CEXPR, type);
    if (!id)
        return 0;
    im->m->values[id].aux = ii;
    if (!ptrmap_put(&im->values, v, id))
        return oom(im), 0;
    struct iir_inst in = { 0 };
    in.op = op;
    in.type = type;
    in.result = id;
    if (op == IIR_OP_GEP) {
        in.aux_type = import_type(im, LLVMGetGEPSourceElementType(v), 0);
        if (!in.aux_type)
            return 0;
    }
    if (op == IIR_OP_ICMP || op == IIR_OP_FCMP)
        return fail(im, AIR_NOT_SUPPORTED, "%s", "constant comparison expression"), 0;
    if (!fill_operands(im, &in, v, 0, (unsigned)LLVMGetNumOperands(v), depth))
        return 0;
    im->m->insts[ii] = in;
    return id;
}

/* Constants, globals, functions (arguments and instructions are mapped before use). */
static uint32_t
import_value(struct importer *im, LLVMValueRef v, int depth)
{
    uint32_t id;
    if (!v) {
        fail(im, AIR_INVALID_DATA, "%s", "null operand");
        return 0;
    }
    if (ptrmap_get(&im->values, v, &id))
        return id;
    if (im->st != AIR_OK)
        return 0;
    if (depth > MAX_DEPTH) {
        fail(im, AIR_NOT_SUPPORTED, "%s", "constant nesting too deep");
        return 0;
    }
    const struct iir_type *type = import_type(im, LLVMTypeOf(v), 0);
    if (!type)
        return 0;
    if (LLVMIsAConstantExpr(v))
        return import_cexpr(im, v, type, depth);
    if (LLVMIsAUndefValue(v) || LLVMIsAPoisonValue(v)) {
        id = new_value(im, IIR_V_UNDEF, type);
    } else if (LLVMIsAConstantAggregateZero(v) || LLVMIsAConstantPointerNull(v)) {
        id = new_value(im, IIR_V_ZERO, type);
    } else if (LLVMIsAConstantInt(v)) {
        id = new_value(im, IIR_V_INT, type);
        if (id)
            im->m->values[id].u = LLVMConstIntGetZExtValue(v);
    } else if (LLVMIsAConstantFP(v)) {
        id = new_value(im, IIR_V_FLOAT, type);
        LLVMBool loses;
        if (id)
            im->m->values[id].f = LLVMConstRealGetDouble(v, &loses);
    } else if (LLVMIsAConstantDataSequential(v) || LLVMIsAConstantArray(v) ||
               LLVMIsAConstantStruct(v) || LLVMIsAConstantVector(v)) {
        uint32_t n = type->kind == IIR_T_STRUCT ? type->count : type->count;
        if (n > 65536) {
            fail(im, AIR_NOT_SUPPORTED, "%s", "constant aggregate larger than 65536 elements");
            return 0;
        }
        uint32_t *ops = iir_arena_array(&im->m->arena, n + 1, sizeof(uint32_t));
        if (!ops)
            return oom(im), 0;
        for (uint32_t i = 0; i < n; i++) {
            LLVMValueRef e = LLVMGetAggregateElement(v, i);
            ops[i] = e ? import_value(im, e, depth + 1) : 0;
            if (!ops[i])
                return e ? 0
                         : (fail(im, AIR_INVALID_DATA, "%s", "unreadable aggregate element"), 0);
        }
        id = new_value(im, IIR_V_AGG, type);
        if (id) {
            im->m->values[id].ops = ops;
            im->m->values[id].nops = n;
        }
    } else if (LLVMIsAGlobalVariable(v) || LLVMIsAFunction(v)) {
        fail(im, AIR_INVALID_DATA, "%s", "reference to an unknown global");
        return 0;
    } else {
        fail(im, AIR_NOT_SUPPORTED, "%s", "constant kind (block address, inline asm, ...)");
        return 0;
    }
    if (id && !ptrmap_put(&im->values, v, id))
        return oom(im), 0;
    return id;
}

/* ---- functions ---- */

static bool
import_inst(struct importer *im, LLVMValueRef v, uint32_t ii)
{
    struct iir_inst *in = &im->m->insts[ii];
    LLVMOpcode lop = LLVMGetInstructionOpcode(v);
    enum iir_op op = map_opcode(lop);
    if (!op)
        return fail(im, AIR_NOT_SUPPORTED, "instruction '%s'", llvm_opcode_name(lop));
    in->op = op;
    uint32_t nops = (uint32_t)LLVMGetNumOperands(v);
    switch (op) {
    case IIR_OP_BR: {
        uint32_t nsucc = LLVMGetNumSuccessors(v);
        in->nsucc = nsucc;
        in->succ = iir_arena_array(&im->m->arena, 2, sizeof(uint32_t));
        if (!in->succ)
            return oom(im);
        for (uint32_t i = 0; i < nsucc && i < 2; i++)
            if (!ptrmap_get(&im->blocks, LLVMGetSuccessor(v, i), &in->succ[i]))
                return fail(im, AIR_INVALID_DATA, "%s", "branch to a foreign block");
        if (LLVMIsConditional(v)) {
            in->nops = 1;
            in->ops = iir_arena_array(&im->m->arena, 1, sizeof(uint32_t));
            if (!in->ops)
                return oom(im);
            in->ops[0] = import_value(im, LLVMGetCondition(v), 0);
            return in->ops[0] != 0;
        }
        return true;
    }
    case IIR_OP_SWITCH: {
        uint32_t nsucc = LLVMGetNumSuccessors(v);
        in->nsucc = nsucc;
        in->nops = nsucc;
        in->succ = iir_arena_array(&im->m->arena, nsucc + 1, sizeof(uint32_t));
        in->ops = iir_arena_array(&im->m->arena, nsucc + 1, sizeof(uint32_t));
        if (!in->succ || !in->ops)
            return oom(im);
        in->ops[0] = import_value(im, LLVMGetOperand(v, 0), 0);
        if (!in->ops[0])
            return false;
        for (uint32_t i = 0; i < nsucc; i++) {
            if (!ptrmap_get(&im->blocks, LLVMGetSuccessor(v, i), &in->succ[i]))
                return fail(im, AIR_INVALID_DATA, "%s", "switch to a foreign block");
            if (i > 0) {
                in->ops[i] = import_value(im, LLVMGetOperand(v, 2 * i), 0);
                if (!in->ops[i])
                    return false;
            }
        }
        return true;
    }
    case IIR_OP_PHI: {
        uint32_t n = LLVMCountIncoming(v);
        in->nops = in->nsucc = n;
        in->ops = iir_arena_array(&im->m->arena, n + 1, sizeof(uint32_t));
        in->succ = iir_arena_array(&im->m->arena, n + 1, sizeof(uint32_t));
        if (!in->ops || !in->succ)
            return oom(im);
        for (uint32_t i = 0; i < n; i++) {
            in->ops[i] = import_value(im, LLVMGetIncomingValue(v, i), 0);
            if (!in->ops[i])
                return false;
            if (!ptrmap_get(&im->blocks, LLVMGetIncomingBlock(v, i), &in->succ[i]))
                return fail(im, AIR_INVALID_DATA, "%s", "phi from a foreign block");
        }
        return true;
    }
    case IIR_OP_CALL: {
        LLVMValueRef callee = LLVMGetCalledValue(v);
        if (!callee || !LLVMIsAFunction(callee))
            return fail(im, AIR_NOT_SUPPORTED, "%s", "indirect call or inline assembly");
        size_t len;
        const char *name = LLVMGetValueName2(callee, &len);
        in->callee = iir_arena_strndup(&im->m->arena, name, len);
        uint32_t fid;
        in->callee_fn = IIR_NONE;
        if (ptrmap_get(&im->values, callee, &fid) && !im->m->funcs[im->m->values[fid].aux].is_decl)
            in->callee_fn = im->m->values[fid].aux;
        return fill_operands(im, in, v, 0, LLVMGetNumArgOperands(v), 0);
    }
    case IIR_OP_SHUFFLEVECTOR: {
        uint32_t n = LLVMGetNumMaskElements(v);
        in->nidx = n;
        in->idx = iir_arena_array(&im->m->arena, n + 1, sizeof(int32_t));
        if (!in->idx)
            return oom(im);
        for (uint32_t i = 0; i < n; i++) {
            int mv = LLVMGetMaskValue(v, i);
            in->idx[i] = mv == LLVMGetUndefMaskElem() ? -1 : mv;
        }
        return fill_operands(im, in, v, 0, 2, 0);
    }
    case IIR_OP_EXTRACTVALUE:
    case IIR_OP_INSERTVALUE: {
        uint32_t n = LLVMGetNumIndices(v);
        const unsigned *ix = LLVMGetIndices(v);
        in->nidx = n;
        in->idx = iir_arena_array(&im->m->arena, n + 1, sizeof(int32_t));
        if (!in->idx)
            return oom(im);
        for (uint32_t i = 0; i < n; i++)
            in->idx[i] = (int32_t)ix[i];
        return fill_operands(im, in, v, 0, nops, 0);
    }
    case IIR_OP_ALLOCA:
        in->aux_type = import_type(im, LLVMGetAllocatedType(v), 0);
        if (!in->aux_type)
            return false;
        return fill_operands(im, in, v, 0, nops, 0);
    case IIR_OP_GEP:
        in->aux_type = import_type(im, LLVMGetGEPSourceElementType(v), 0);
        if (!in->aux_type)
            return false;
        return fill_operands(im, in, v, 0, nops, 0);
    case IIR_OP_LOAD:
        in->aux_type = in->type;
        return fill_operands(im, in, v, 0, nops, 0);
    case IIR_OP_STORE:
        if (!fill_operands(im, in, v, 0, nops, 0))
            return false;
        in->aux_type = im->m->values[in->ops[0]].type;
        return true;
    case IIR_OP_ICMP:
        in->pred = (uint16_t)LLVMGetICmpPredicate(v);
        return fill_operands(im, in, v, 0, nops, 0);
    case IIR_OP_FCMP:
        in->pred = (uint16_t)LLVMGetFCmpPredicate(v);
        return fill_operands(im, in, v, 0, nops, 0);
    default:
        return fill_operands(im, in, v, 0, nops, 0);
    }
}

static bool
import_function_body(struct importer *im, LLVMValueRef fnv, struct iir_function *fn)
{
    struct iir_arena *a = &im->m->arena;
    fn->nparams = LLVMCountParams(fnv);
    fn->params = iir_arena_array(a, fn->nparams + 1, sizeof(uint32_t));
    if (!fn->params)
        return oom(im);
    for (uint32_t i = 0; i < fn->nparams; i++) {
        LLVMValueRef p = LLVMGetParam(fnv, i);
        const struct iir_type *t = import_type(im, LLVMTypeOf(p), 0);
        if (!t)
            return false;
        uint32_t id = new_value(im, IIR_V_ARG, t);
        if (!id)
            return false;
        im->m->values[id].aux = i;
        fn->params[i] = id;
        if (!ptrmap_put(&im->values, p, id))
            return oom(im);
    }
    if (fn->is_decl)
        return true;
    fn->nblocks = LLVMCountBasicBlocks(fnv);
    fn->blocks = iir_arena_array(a, fn->nblocks + 1, sizeof(*fn->blocks));
    if (!fn->blocks)
        return oom(im);
    ptrmap_clear(&im->blocks);
    uint32_t bi = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fnv); bb && bi < fn->nblocks;
         bb = LLVMGetNextBasicBlock(bb), bi++)
        if (!ptrmap_put(&im->blocks, bb, bi))
            return oom(im);
    /* Pass 1: instruction slots and result ids (phis refer forward). */
    bi = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fnv); bb && bi < fn->nblocks;
         bb = LLVMGetNextBasicBlock(bb), bi++) {
        uint32_t n = 0;
        for (LLVMValueRef v = LLVMGetFirstInstruction(bb); v; v = LLVMGetNextInstruction(v))
            n++;
        struct iir_block *b = &fn->blocks[bi];
        b->ninsts = n;
        b->insts = iir_arena_array(a, n + 1, sizeof(uint32_t));
        if (!b->insts)
            return oom(im);
        uint32_t k = 0;
        for (LLVMValueRef v = LLVMGetFirstInstruction(bb); v; v = LLVMGetNextInstruction(v), k++) {
            uint32_t ii = new_inst(im);
            if (ii == IIR_NONE)
                return false;
            b->insts[k] = ii;
            const struct iir_type *t = import_type(im, LLVMTypeOf(v), 0);
            if (!t)
                return false;
            im->m->insts[ii].type = t;
            if (t->kind != IIR_T_VOID) {
                uint32_t id = new_value(im, IIR_V_INST, t);
                if (!id)
                    return false;
                im->m->values[id].aux = ii;
                im->m->insts[ii].result = id;
                if (!ptrmap_put(&im->values, v, id))
                    return oom(im);
            }
        }
    }
    /* Pass 2: operands. */
    bi = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fnv); bb && bi < fn->nblocks;
         bb = LLVMGetNextBasicBlock(bb), bi++) {
        uint32_t k = 0;
        for (LLVMValueRef v = LLVMGetFirstInstruction(bb); v; v = LLVMGetNextInstruction(v), k++)
            if (!import_inst(im, v, fn->blocks[bi].insts[k]))
                return false;
    }
    return true;
}

/* ---- metadata ---- */

static const struct iir_md *
import_md(struct importer *im, LLVMValueRef v, int depth)
{
    struct iir_md *md = iir_arena_alloc(&im->m->arena, sizeof(*md));
    if (!md)
        return oom(im), NULL;
    if (++im->md_nodes > MAX_MD_NODES || depth > MAX_MD_DEPTH) {
        fail(im, AIR_INVALID_DATA, "%s", "air.* metadata too large or too deep");
        return NULL;
    }
    if (!v) {
        md->kind = IIR_MD_NULL;
    } else if (LLVMIsAMDString(v)) {
        unsigned len = 0;
        const char *s = LLVMGetMDString(v, &len);
        md->kind = IIR_MD_STR;
        md->len = len;
        md->str = iir_arena_strndup(&im->m->arena, s ? s : "", s ? len : 0);
        if (!md->str)
            return oom(im), NULL;
    } else if (LLVMIsAMDNode(v)) {
        unsigned n = LLVMGetMDNodeNumOperands(v);
        LLVMValueRef *ops = ut_calloc_array(n + 1, sizeof(*ops));
        md->ops = iir_arena_array(&im->m->arena, n + 1, sizeof(*md->ops));
        if (!ops || !md->ops) {
            ut_free(ops);
            return oom(im), NULL;
        }
        LLVMGetMDNodeOperands(v, ops);
        md->kind = IIR_MD_TUPLE;
        md->len = n;
        for (unsigned i = 0; i < n; i++) {
            md->ops[i] = import_md(im, ops[i], depth + 1);
            if (!md->ops[i]) {
                ut_free(ops);
                return NULL;
            }
        }
        ut_free(ops);
    } else if (LLVMIsAConstantInt(v)) {
        md->kind = IIR_MD_INT;
        md->i = LLVMConstIntGetSExtValue(v);
    } else {
        /* Functions, globals, other constants: a value reference. */
        uint32_t id = import_value(im, v, 0);
        if (!id)
            return NULL;
        md->kind = IIR_MD_VALUE;
        md->value = id;
    }
    return md;
}

static bool
import_named(struct importer *im)
{
    uint32_t n = 0;
    for (LLVMNamedMDNodeRef nm = LLVMGetFirstNamedMetadata(im->mod); nm;
         nm = LLVMGetNextNamedMetadata(nm))
        n++;
    im->m->named = iir_arena_array(&im->m->arena, n + 1, sizeof(*im->m->named));
    if (!im->m->named)
        return oom(im);
    for (LLVMNamedMDNodeRef nm = LLVMGetFirstNamedMetadata(im->mod); nm;
         nm = LLVMGetNextNamedMetadata(nm)) {
        size_t len;
        const char *name = LLVMGetNamedMetadataName(nm, &len);
        if (len < 4 || memcmp(name, "air.", 4) != 0)
            continue;
        struct iir_named_md *out = &im->m->named[im->m->nnamed++];
        out->name = iir_arena_strndup(&im->m->arena, name, len);
        if (!out->name)
            return oom(im);
        /* LLVMGetNamedMetadataOperands wants a NUL-terminated name. */
        unsigned cnt = LLVMGetNamedMetadataNumOperands(im->mod, out->name);
        LLVMValueRef *ops = ut_calloc_array(cnt + 1, sizeof(*ops));
        out->ops = iir_arena_array(&im->m->arena, cnt + 1, sizeof(*out->ops));
        if (!ops || !out->ops) {
            ut_free(ops);
            return oom(im);
        }
        LLVMGetNamedMetadataOperands(im->mod, out->name, ops);
        out->count = cnt;
        for (unsigned i = 0; i < cnt; i++) {
            out->ops[i] = import_md(im, ops[i], 0);
            if (!out->ops[i]) {
                ut_free(ops);
                return false;
            }
        }
        ut_free(ops);
    }
    return true;
}

/* ---- module ---- */

static void
diag_handler(LLVMDiagnosticInfoRef di, void *arg)
{
    struct importer *im = arg;
    if (LLVMGetDiagInfoSeverity(di) != LLVMDSError || im->llvm_msg[0])
        return;
    char *d = LLVMGetDiagInfoDescription(di);
    if (d) {
        snprintf(im->llvm_msg, sizeof(im->llvm_msg), "%s", d);
        LLVMDisposeMessage(d);
    }
}

static bool
import_module(struct importer *im)
{
    struct iir_module *m = im->m;
    size_t len;
    const char *triple = LLVMGetTarget(im->mod);
    m->triple = iir_arena_strndup(&m->arena, triple ? triple : "", triple ? strlen(triple) : 0);
    (void)len;
    if (!new_value(im, IIR_V_UNDEF, NULL) && im->st != AIR_OK) /* id 0 = none */
        return false;
    m->values[0].type = NULL;

    /* Globals and functions first: bodies and metadata refer to them. */
    uint32_t ng = 0, nf = 0;
    for (LLVMValueRef g = LLVMGetFirstGlobal(im->mod); g; g = LLVMGetNextGlobal(g))
        ng++;
    for (LLVMValueRef f = LLVMGetFirstFunction(im->mod); f; f = LLVMGetNextFunction(f))
        nf++;
    m->globals = iir_arena_array(&m->arena, ng + 1, sizeof(*m->globals));
    m->funcs = iir_arena_array(&m->arena, nf + 1, sizeof(*m->funcs));
    if (!m->globals || !m->funcs)
        return oom(im);
    for (LLVMValueRef g = LLVMGetFirstGlobal(im->mod); g; g = LLVMGetNextGlobal(g)) {
        struct iir_global *gl = &m->globals[m->nglobals];
        const char *name = LLVMGetValueName2(g, &len);
        gl->name = iir_arena_strndup(&m->arena, name, len);
        gl->type = import_type(im, LLVMGlobalGetValueType(g), 0);
        const struct iir_type *pt = import_type(im, LLVMTypeOf(g), 0);
        if (!gl->name || !gl->type || !pt)
            return im->st == AIR_OK ? oom(im) : false;
        gl->addrspace = pt->addrspace;
        gl->constant = LLVMIsGlobalConstant(g);
        gl->value = new_value(im, IIR_V_GLOBAL, pt);
        if (!gl->value)
            return false;
        m->values[gl->value].aux = m->nglobals++;
        if (!ptrmap_put(&im->values, g, gl->value))
            return oom(im);
    }
    for (LLVMValueRef f = LLVMGetFirstFunction(im->mod); f; f = LLVMGetNextFunction(f)) {
        struct iir_function *fn = &m->funcs[m->nfuncs];
        const char *name = LLVMGetValueName2(f, &len);
        fn->name = iir_arena_strndup(&m->arena, name, len);
        fn->is_decl = LLVMIsDeclaration(f);
        fn->ret = import_type(im, LLVMGetReturnType(LLVMGlobalGetValueType(f)), 0);
        const struct iir_type *pt = import_type(im, LLVMTypeOf(f), 0);
        if (!fn->name || !fn->ret || !pt)
            return im->st == AIR_OK ? oom(im) : false;
        uint32_t id = new_value(im, IIR_V_FUNC, pt);
        if (!id)
            return false;
        m->values[id].aux = m->nfuncs++;
        if (!ptrmap_put(&im->values, f, id))
            return oom(im);
    }
    uint32_t gi = 0;
    for (LLVMValueRef g = LLVMGetFirstGlobal(im->mod); g; g = LLVMGetNextGlobal(g), gi++) {
        LLVMValueRef init = LLVMGetInitializer(g);
        if (init) {
            m->globals[gi].init = import_value(im, init, 0);
            if (!m->globals[gi].init)
                return false;
        }
    }
    uint32_t fi = 0;
    for (LLVMValueRef f = LLVMGetFirstFunction(im->mod); f; f = LLVMGetNextFunction(f), fi++) {
        /* Declarations (air.* intrinsics) have no body; entries and helpers do. */
        if (m->funcs[fi].is_decl)
            continue;
        if (!import_function_body(im, f, &m->funcs[fi]))
            return false;
    }
    return import_named(im);
}

enum air_status
air_import_llvm(const uint8_t *bc,
                size_t size,
                const struct air_import_options *opt,
                struct iir_module **out,
                struct air_diag *diag)
{
    static const struct air_import_options defaults = { 0 };
    if (!opt)
        opt = &defaults;
    if (size > AIR_BITCODE_MAX_SIZE)
        return air_diag_set(diag, AIR_INVALID_DATA, "bitcode of %zu bytes exceeds the cap", size);
    if (size < 4 || bc[0] != 'B' || bc[1] != 'C' || bc[2] != 0xC0 || bc[3] != 0xDE)
        return air_diag_set(diag, AIR_INVALID_DATA, "not a bitcode stream (magic BC C0 DE)");
    struct importer im = { 0 };
    im.diag = diag;
    im.m = ut_calloc(1, sizeof(*im.m));
    if (!im.m)
        return AIR_OUT_OF_MEMORY;
    im.ctx = LLVMContextCreate();
    if (!im.ctx) {
        ut_free(im.m);
        return AIR_OUT_OF_MEMORY;
    }
    LLVMContextSetOpaquePointers(im.ctx, opt->typed_pointers ? 0 : 1);
    LLVMContextSetDiagnosticHandler(im.ctx, diag_handler, &im);
    LLVMMemoryBufferRef buf =
        LLVMCreateMemoryBufferWithMemoryRange((const char *)bc, size, "air", 0);
    if (!buf) {
        im.st = AIR_OUT_OF_MEMORY;
        goto out_ctx;
    }
    if (LLVMParseBitcodeInContext2(im.ctx, buf, &im.mod)) {
        im.st = air_diag_set(diag, AIR_INVALID_DATA, "LLVM cannot read the bitcode: %s",
                             im.llvm_msg[0] ? im.llvm_msg : "unknown reason");
        im.mod = NULL;
        goto out_buf;
    }
    if (!opt->skip_verify) {
        char *msg = NULL;
        if (LLVMVerifyModule(im.mod, LLVMReturnStatusAction, &msg)) {
            char first[160] = { 0 };
            if (msg) {
                snprintf(first, sizeof(first), "%s", msg);
                char *nl = strchr(first, '\n');
                if (nl)
                    *nl = 0;
            }
            im.st =
                air_diag_set(diag, AIR_INVALID_DATA, "bitcode fails LLVM verification: %s", first);
            LLVMDisposeMessage(msg);
            goto out_mod;
        }
        LLVMDisposeMessage(msg);
    }
    im.td = LLVMGetModuleDataLayout(im.mod);
    import_module(&im);
    if (im.st == AIR_OK && im.m->arena.failed)
        oom(&im);

out_mod:
    LLVMDisposeModule(im.mod);
out_buf:
    LLVMDisposeMemoryBuffer(buf);
out_ctx:
    LLVMContextDispose(im.ctx);
    ptrmap_finish(&im.types);
    ptrmap_finish(&im.values);
    ptrmap_finish(&im.blocks);
    if (im.st != AIR_OK) {
        iir_module_free(im.m);
        return im.st;
    }
    *out = im.m;
    return AIR_OK;
}

unsigned
air_import_llvm_version(void)
{
    return LLVM_VERSION_MAJOR;
}

bool
air_import_llvm_parse_only(const uint8_t *bc, size_t size)
{
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMContextSetOpaquePointers(ctx, 1);
    LLVMMemoryBufferRef buf =
        LLVMCreateMemoryBufferWithMemoryRange((const char *)bc, size, "air", 0);
    LLVMModuleRef mod = NULL;
    bool ok = buf && !LLVMParseBitcodeInContext2(ctx, buf, &mod);
    if (ok)
        LLVMDisposeModule(mod);
    if (buf)
        LLVMDisposeMemoryBuffer(buf);
    LLVMContextDispose(ctx);
    return ok;
}
