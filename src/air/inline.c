/* SPDX-License-Identifier: MIT */
/*
 * Helper-function inlining (spec/air.md §5.1, §5.4.2): the login shaders call member
 * functions, and the emitter's symbolic pointers (buffer view + access chain) only work when
 * pointer arguments are visible at their use, so helpers are copied into the entry before
 * emission. The calling block is split at the call; the callee's blocks are cloned behind it
 * with fresh value ids (parameters map to the call's operands); each `ret` becomes a branch to
 * the split-off tail, whose phi (reusing the call's value id) merges several return values.
 * Successor phis that named the split block are retargeted to the tail. Runs on the
 * translation's thread, between import and emission.
 */
#include "air/inline.h"

#include <string.h>

#include "util/alloc.h"

struct inliner {
    struct iir_module *m;
    struct iir_function *fn;
    struct air_diag *diag;
    uint32_t *remap; /* callee value id → caller value id (0: unchanged) */
};

static bool
find_call(const struct inliner *il, uint32_t *blk, uint32_t *pos)
{
    for (uint32_t b = 0; b < il->fn->nblocks; b++)
        for (uint32_t k = 0; k < il->fn->blocks[b].ninsts; k++) {
            const struct iir_inst *in = &il->m->insts[il->fn->blocks[b].insts[k]];
            if (in->op == IIR_OP_CALL && in->callee_fn != IIR_NONE) {
                *blk = b;
                *pos = k;
                return true;
            }
        }
    return false;
}

static uint32_t
new_inst(struct iir_module *m)
{
    uint32_t ii = m->ninsts++;
    memset(&m->insts[ii], 0, sizeof(m->insts[ii]));
    return ii;
}

static uint32_t
mapped(const struct inliner *il, uint32_t v)
{
    return il->remap[v] ? il->remap[v] : v;
}

/* Copies callee instruction `src` into a new slot; succ indices are shifted by `bbase`. */
static bool
clone_inst(struct inliner *il, const struct iir_inst *src, uint32_t bbase, uint32_t *out)
{
    struct iir_module *m = il->m;
    uint32_t ii = new_inst(m);
    struct iir_inst *in = &m->insts[ii];
    *in = *src;
    if (src->nops) {
        in->ops = iir_arena_array(&m->arena, src->nops, sizeof(uint32_t));
        if (!in->ops)
            return false;
        for (uint32_t i = 0; i < src->nops; i++)
            in->ops[i] = mapped(il, src->ops[i]);
    }
    if (src->nsucc) {
        in->succ = iir_arena_array(&m->arena, src->nsucc, sizeof(uint32_t));
        if (!in->succ)
            return false;
        for (uint32_t i = 0; i < src->nsucc; i++)
            in->succ[i] = src->succ[i] + bbase;
    }
    if (src->result) {
        in->result = il->remap[src->result];
        m->values[in->result].aux = ii;
    }
    *out = ii;
    return true;
}

static enum air_status
inline_one(struct inliner *il, uint32_t b, uint32_t k)
{
    struct iir_module *m = il->m;
    struct iir_function *fn = il->fn;
    struct air_diag *diag = il->diag;
    const uint32_t call_ii = fn->blocks[b].insts[k];
    const struct iir_inst call = m->insts[call_ii];
    const struct iir_function *cf = &m->funcs[call.callee_fn];
    if (cf == fn)
        return air_diag_set(diag, AIR_NOT_SUPPORTED, "recursive call to %s", cf->name);
    if (cf->is_decl || cf->nblocks == 0)
        return air_diag_set(diag, AIR_INVALID_DATA, "call to %s, which has no body", cf->name);
    if (call.nops != cf->nparams)
        return air_diag_set(diag, AIR_INVALID_DATA, "call to %s with %u arguments, it takes %u",
                            cf->name, call.nops, cf->nparams);
    uint32_t ncallee = 0;
    for (uint32_t cb = 0; cb < cf->nblocks; cb++)
        ncallee += cf->blocks[cb].ninsts;
    if (m->ninsts + ncallee + 2 > AIR_INLINE_MAX_INSTS ||
        fn->nblocks + cf->nblocks + 1 > AIR_INLINE_MAX_BLOCKS)
        return air_diag_set(diag, AIR_NOT_SUPPORTED,
                            "inlining %s grows the entry past %u instructions or %u blocks",
                            cf->name, AIR_INLINE_MAX_INSTS, AIR_INLINE_MAX_BLOCKS);

    /* Room for the clones, one tail phi, and fresh result values. */
    struct iir_inst *insts =
        ut_realloc_array(m->insts, (size_t)m->ninsts + ncallee + 2, sizeof(*m->insts));
    if (!insts)
        return air_diag_set(diag, AIR_OUT_OF_MEMORY, "out of memory inlining %s", cf->name);
    m->insts = insts;
    struct iir_value *values =
        ut_realloc_array(m->values, (size_t)m->nvalues + ncallee + 1, sizeof(*m->values));
    if (!values)
        return air_diag_set(diag, AIR_OUT_OF_MEMORY, "out of memory inlining %s", cf->name);
    m->values = values;
    uint32_t *remap = ut_calloc_array((size_t)m->nvalues + ncallee + 1, sizeof(uint32_t));
    if (!remap)
        return air_diag_set(diag, AIR_OUT_OF_MEMORY, "out of memory inlining %s", cf->name);
    il->remap = remap;
    enum air_status st = AIR_OUT_OF_MEMORY;

    for (uint32_t p = 0; p < cf->nparams; p++)
        remap[cf->params[p]] = call.ops[p];
    for (uint32_t cb = 0; cb < cf->nblocks; cb++)
        for (uint32_t i = 0; i < cf->blocks[cb].ninsts; i++) {
            const struct iir_inst *ci = &m->insts[cf->blocks[cb].insts[i]];
            if (!ci->result)
                continue;
            uint32_t id = m->nvalues++;
            m->values[id] = m->values[ci->result];
            m->values[id].kind = IIR_V_INST;
            remap[ci->result] = id;
        }

    /* New block table: originals, the tail (index nb), the callee's blocks (nb + 1 ...). */
    const uint32_t nb = fn->nblocks, tail = nb, bbase = nb + 1;
    struct iir_block *blocks =
        iir_arena_array(&m->arena, (size_t)nb + 1 + cf->nblocks, sizeof(*blocks));
    if (!blocks)
        goto out;
    memcpy(blocks, fn->blocks, nb * sizeof(*blocks));

    /* Return values and the blocks they come from. */
    uint32_t nret = 0;
    for (uint32_t cb = 0; cb < cf->nblocks; cb++) {
        const struct iir_block *sb = &cf->blocks[cb];
        if (sb->ninsts == 0) {
            st = air_diag_set(diag, AIR_INVALID_DATA, "%s: empty block", cf->name);
            goto out;
        }
        if (m->insts[sb->insts[sb->ninsts - 1]].op == IIR_OP_RET)
            nret++;
    }
    uint32_t *ret_val = iir_arena_array(&m->arena, nret + 1, sizeof(uint32_t));
    uint32_t *ret_blk = iir_arena_array(&m->arena, nret + 1, sizeof(uint32_t));
    if (!ret_val || !ret_blk)
        goto out;
    nret = 0;
    for (uint32_t cb = 0; cb < cf->nblocks; cb++) {
        const struct iir_block *sb = &cf->blocks[cb];
        struct iir_block *db = &blocks[bbase + cb];
        db->ninsts = sb->ninsts;
        db->insts = iir_arena_array(&m->arena, sb->ninsts, sizeof(uint32_t));
        if (!db->insts)
            goto out;
        for (uint32_t i = 0; i < sb->ninsts; i++) {
            const struct iir_inst *ci = &m->insts[sb->insts[i]];
            if (ci->op == IIR_OP_RET) {
                if (ci->nops)
                    ret_val[nret] = mapped(il, ci->ops[0]);
                ret_blk[nret++] = bbase + cb;
                uint32_t bi = new_inst(m);
                struct iir_inst *br = &m->insts[bi];
                br->op = IIR_OP_BR;
                br->type = ci->type;
                br->nsucc = 1;
                br->succ = iir_arena_array(&m->arena, 2, sizeof(uint32_t));
                if (!br->succ)
                    goto out;
                br->succ[0] = tail;
                br->callee_fn = IIR_NONE;
                db->insts[i] = bi;
                continue;
            }
            if (!clone_inst(il, ci, bbase, &db->insts[i]))
                goto out;
        }
    }

    /* Split: head keeps insts[0..k) and jumps into the callee; the tail takes the rest. */
    const struct iir_block ob = fn->blocks[b];
    bool ret_phi = call.result && nret > 1;
    struct iir_block *tb = &blocks[tail];
    tb->ninsts = ob.ninsts - k - 1 + (ret_phi ? 1 : 0);
    tb->insts = iir_arena_array(&m->arena, tb->ninsts + 1, sizeof(uint32_t));
    struct iir_block *hb = &blocks[b];
    hb->ninsts = k + 1;
    hb->insts = iir_arena_array(&m->arena, k + 1, sizeof(uint32_t));
    if (!tb->insts || !hb->insts)
        goto out;
    memcpy(hb->insts, ob.insts, k * sizeof(uint32_t));
    uint32_t jb = new_inst(m);
    m->insts[jb].op = IIR_OP_BR;
    m->insts[jb].type = m->insts[ob.insts[ob.ninsts - 1]].type;
    m->insts[jb].nsucc = 1;
    m->insts[jb].succ = iir_arena_array(&m->arena, 2, sizeof(uint32_t));
    m->insts[jb].callee_fn = IIR_NONE;
    if (!m->insts[jb].succ)
        goto out;
    m->insts[jb].succ[0] = bbase;
    hb->insts[k] = jb;
    uint32_t t0 = 0;
    if (ret_phi) {
        uint32_t pi = new_inst(m);
        struct iir_inst *phi = &m->insts[pi];
        phi->op = IIR_OP_PHI;
        phi->type = call.type;
        phi->result = call.result; /* uses of the call now read the phi */
        phi->nops = phi->nsucc = nret;
        phi->ops = ret_val;
        phi->succ = ret_blk;
        phi->callee_fn = IIR_NONE;
        m->values[call.result].aux = pi;
        tb->insts[t0++] = pi;
    }
    memcpy(tb->insts + t0, ob.insts + k + 1, (ob.ninsts - k - 1) * sizeof(uint32_t));

    /* Phis of the old block's successors now come from the tail. */
    const struct iir_inst *tt = &m->insts[ob.insts[ob.ninsts - 1]];
    for (uint32_t s = 0; s < tt->nsucc; s++) {
        uint32_t sb = tt->succ[s];
        if (sb >= nb)
            continue;
        for (uint32_t i = 0; i < blocks[sb].ninsts; i++) {
            struct iir_inst *p = &m->insts[blocks[sb].insts[i]];
            if (p->op != IIR_OP_PHI)
                break;
            for (uint32_t q = 0; q < p->nsucc; q++)
                if (p->succ[q] == b)
                    p->succ[q] = tail;
        }
    }

    /* A single return value replaces the call's result wherever the caller reads it. */
    if (call.result && nret == 1) {
        for (uint32_t bb = 0; bb < nb + 1; bb++)
            for (uint32_t i = 0; i < blocks[bb].ninsts; i++) {
                struct iir_inst *u = &m->insts[blocks[bb].insts[i]];
                for (uint32_t q = 0; q < u->nops; q++)
                    if (u->ops[q] == call.result)
                        u->ops[q] = ret_val[0];
            }
    } else if (call.result && nret == 0) {
        /* The callee never returns; its value is never read on a live path. */
        m->values[call.result].kind = IIR_V_UNDEF;
    }
    fn->blocks = blocks;
    fn->nblocks = nb + 1 + cf->nblocks;
    st = AIR_OK;
out:
    ut_free(remap);
    il->remap = NULL;
    if (st == AIR_OUT_OF_MEMORY)
        air_diag_set(diag, st, "out of memory inlining %s", cf->name);
    return st;
}

enum air_status
iir_inline_calls(struct iir_module *m, uint32_t fi, struct air_diag *diag)
{
    if (fi >= m->nfuncs)
        return air_diag_set(diag, AIR_INVALID_DATA, "entry function %u out of range", fi);
    struct inliner il = { .m = m, .fn = &m->funcs[fi], .diag = diag };
    uint32_t b, k, count = 0;
    while (find_call(&il, &b, &k)) {
        if (++count > AIR_INLINE_MAX_CALLS)
            return air_diag_set(diag, AIR_NOT_SUPPORTED,
                                "more than %u helper calls to inline (recursion?)",
                                AIR_INLINE_MAX_CALLS);
        enum air_status st = inline_one(&il, b, k);
        if (st != AIR_OK)
            return st;
    }
    return AIR_OK;
}
