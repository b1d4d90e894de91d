/* SPDX-License-Identifier: MIT */
/*
 * Control flow (spec/air.md §5.4.1). Phis become Function variables (stored on each incoming
 * edge, loaded at the block start). A single block is emitted as is. An acyclic CFG is
 * structurized by a recursive walk: each conditional branch or switch takes its immediate
 * post-dominator as merge block; a merge shared with the enclosing construct gets an empty
 * pass-through block (edges redirected into it); arms that only return merge in an unreachable
 * block. The walk first runs dry; if any block would be emitted twice (shapes the walk does
 * not nest) or the CFG has a cycle, the function falls back to one dispatch loop (a switch on
 * a block-id variable, cross-block values through Function variables), which is correct for
 * every CFG. One translation, one thread.
 */
#include <string.h>

#include "air/emit_internal.h"
#include "util/log.h"

#define EXIT_NODE(n) (n)

struct cfg {
    uint32_t n;
    uint32_t *ipdom; /* per block; EXIT_NODE(n) = function exit */
    uint32_t *depth;
    uint8_t *visited;
    uint32_t nsynth;
    /* Emission state. */
    bool dry;
    uint32_t *synth_label; /* per synthetic block */
    uint32_t nredir;
    uint32_t redir_from[64], redir_to[64]; /* block index (synthetic: n + 1 + k) */
    uint32_t *phi_var; /* per inst index of a phi, lazily: indexed by value id */
};

static const struct iir_inst *
term(const struct emitter *e, uint32_t b)
{
    const struct iir_block *blk = &e->fn->blocks[b];
    return blk->ninsts ? &e->m->insts[blk->insts[blk->ninsts - 1]] : NULL;
}

static uint32_t
nsucc(const struct iir_inst *t)
{
    if (!t)
        return 0;
    if (t->op == IIR_OP_BR || t->op == IIR_OP_SWITCH)
        return t->nsucc;
    return 0;
}

/* ---- analysis ---- */

static bool
check_terminators(struct emitter *e)
{
    for (uint32_t b = 0; b < e->fn->nblocks; b++) {
        const struct iir_inst *t = term(e, b);
        if (!t || !(t->op == IIR_OP_RET || t->op == IIR_OP_BR || t->op == IIR_OP_SWITCH ||
                    t->op == IIR_OP_UNREACHABLE))
            return emit_fail(e, AIR_INVALID_DATA, "block %u has no terminator", b);
        for (uint32_t i = 0; i < nsucc(t); i++)
            if (t->succ[i] >= e->fn->nblocks || t->succ[i] == 0)
                return emit_fail(e, AIR_INVALID_DATA, "branch to block %u", t->succ[i]);
    }
    return true;
}

/* DFS from the entry: postorder into `order`, false when a cycle exists. */
static bool
acyclic_postorder(struct emitter *e,
                  uint32_t *order,
                  uint32_t *norder,
                  uint8_t *color,
                  uint32_t *stack,
                  uint32_t *iter)
{
    uint32_t n = e->fn->nblocks, sp = 0;
    memset(color, 0, n);
    stack[sp] = 0;
    iter[sp++] = 0;
    color[0] = 1;
    *norder = 0;
    while (sp) {
        uint32_t b = stack[sp - 1];
        const struct iir_inst *t = term(e, b);
        if (iter[sp - 1] < nsucc(t)) {
            uint32_t s = t->succ[iter[sp - 1]++];
            if (color[s] == 1)
                return false;
            if (color[s] == 0) {
                color[s] = 1;
                stack[sp] = s;
                iter[sp++] = 0;
            }
        } else {
            color[b] = 2;
            order[(*norder)++] = b;
            sp--;
        }
    }
    return true;
}

static uint32_t
lca(const struct cfg *c, uint32_t x, uint32_t y)
{
    while (x != y) {
        if (c->depth[x] > c->depth[y])
            x = c->ipdom[x];
        else if (c->depth[y] > c->depth[x])
            y = c->ipdom[y];
        else {
            x = c->ipdom[x];
            y = c->ipdom[y];
        }
    }
    return x;
}

static void
postdominators(struct emitter *e, struct cfg *c, const uint32_t *order, uint32_t norder)
{
    uint32_t n = c->n;
    c->ipdom[EXIT_NODE(n)] = EXIT_NODE(n);
    c->depth[EXIT_NODE(n)] = 0;
    for (uint32_t i = 0; i < norder; i++) {
        uint32_t b = order[i];
        const struct iir_inst *t = term(e, b);
        uint32_t p = EXIT_NODE(n);
        if (nsucc(t)) {
            p = t->succ[0];
            for (uint32_t k = 1; k < nsucc(t); k++)
                p = lca(c, p, t->succ[k]);
        }
        c->ipdom[b] = p;
        c->depth[b] = c->depth[p] + 1;
    }
}

/* ---- shared emission helpers ---- */

static uint32_t
label_of(struct emitter *e, struct cfg *c, uint32_t blk)
{
    if (blk < c->n)
        return e->block_label[blk];
    return c->synth_label[blk - c->n - 1];
}

static bool
emit_phi_loads(struct emitter *e, struct cfg *c, uint32_t b)
{
    const struct iir_block *blk = &e->fn->blocks[b];
    for (uint32_t k = 0; k < blk->ninsts; k++) {
        const struct iir_inst *in = &e->m->insts[blk->insts[k]];
        if (in->op != IIR_OP_PHI)
            continue;
        if (in->type->kind == IIR_T_PTR)
            return emit_fail(e, AIR_NOT_SUPPORTED, "phi of pointers");
        uint32_t ty = emit_type(e, in->type);
        if (!ty)
            return false;
        uint32_t v = emit_opv(e, SpvOpLoad, ty, 1, c->phi_var[in->result]);
        /* Not through emit_set: the phi's own variable already holds it. */
        e->vm[in->result].kind = VM_ID;
        e->vm[in->result].id = v;
        if (e->dispatch && e->vm[in->result].var)
            spv_opv(e->body, SpvOpStore, 2, e->vm[in->result].var, v);
    }
    return true;
}

/* Stores the incoming values of every phi in the successors of b. */
static bool
emit_phi_stores(struct emitter *e, struct cfg *c, uint32_t b)
{
    const struct iir_inst *t = term(e, b);
    for (uint32_t i = 0; i < nsucc(t); i++) {
        uint32_t s = t->succ[i];
        bool dup = false;
        for (uint32_t k = 0; k < i; k++)
            dup |= t->succ[k] == s;
        if (dup)
            continue;
        const struct iir_block *sb = &e->fn->blocks[s];
        for (uint32_t k = 0; k < sb->ninsts; k++) {
            const struct iir_inst *in = &e->m->insts[sb->insts[k]];
            if (in->op != IIR_OP_PHI)
                continue;
            uint32_t val = 0;
            for (uint32_t q = 0; q < in->nops; q++)
                if (in->succ[q] == b) {
                    val = emit_value(e, in->ops[q]);
                    if (!val)
                        return false;
                    break;
                }
            if (!val)
                return emit_fail(e, AIR_INVALID_DATA, "phi lacks an incoming value for an edge");
            spv_opv(e->body, SpvOpStore, 2, c->phi_var[in->result], val);
        }
    }
    return true;
}

/* Instructions of block b except phis and the terminator. */
static bool
emit_block_body(struct emitter *e, uint32_t b)
{
    const struct iir_block *blk = &e->fn->blocks[b];
    e->cur_block = b;
    for (uint32_t k = 0; k + 1 < blk->ninsts; k++) {
        const struct iir_inst *in = &e->m->insts[blk->insts[k]];
        if (in->op == IIR_OP_PHI)
            continue;
        if (!emit_inst(e, in))
            return false;
    }
    return e->st == AIR_OK;
}

static uint32_t
case_literal(const struct emitter *e, uint32_t vid, uint32_t *hi, bool *wide)
{
    const struct iir_value *v = iir_val(e->m, vid);
    *wide = v->type->bits == 64;
    *hi = (uint32_t)(v->u >> 32);
    return (uint32_t)v->u;
}

/* ---- structured walk ---- */

static uint32_t
redirect(const struct cfg *c, uint32_t t)
{
    for (uint32_t i = c->nredir; i-- > 0;)
        if (c->redir_from[i] == t)
            return c->redir_to[i];
    return t;
}

static bool walk(struct emitter *e, struct cfg *c, uint32_t b, uint32_t stop, int depth);

static bool
walk_selection(struct emitter *e,
               struct cfg *c,
               uint32_t b,
               uint32_t stop,
               uint32_t *next,
               int depth)
{
    const struct iir_inst *t = term(e, b);
    uint32_t n = c->n;
    uint32_t m = c->ipdom[b];
    uint32_t merge, pass_to = 0;
    bool unreachable_merge = false, pass = false;
    if (m == EXIT_NODE(n)) {
        merge = n + 1 + c->nsynth++;
        unreachable_merge = true;
    } else if (redirect(c, m) == stop || m == stop) {
        merge = n + 1 + c->nsynth++;
        pass = true;
        pass_to = redirect(c, m);
    } else {
        merge = m;
    }
    if (!c->dry && merge > n)
        c->synth_label[merge - n - 1] = spv_id(&e->b);
    uint32_t saved_nredir = c->nredir;
    if (pass) {
        if (c->nredir == 64)
            return false;
        c->redir_from[c->nredir] = m;
        c->redir_to[c->nredir++] = merge;
    }
    if (!c->dry) {
        if (!emit_phi_stores(e, c, b))
            return false;
        spv_opv(e->body, SpvOpSelectionMerge, 2, label_of(e, c, merge),
                SpvSelectionControlMaskNone);
        if (t->op == IIR_OP_BR) {
            uint32_t cond = emit_value(e, t->ops[0]);
            if (!cond)
                return false;
            spv_opv(e->body, SpvOpBranchConditional, 3, cond,
                    label_of(e, c, redirect(c, t->succ[0])),
                    label_of(e, c, redirect(c, t->succ[1])));
        } else {
            uint32_t sel = emit_value(e, t->ops[0]);
            if (!sel)
                return false;
            struct spv_words *s = e->body;
            bool wide = false;
            uint32_t hi;
            for (uint32_t i = 1; i < t->nsucc; i++)
                case_literal(e, t->ops[i], &hi, &wide);
            uint32_t per = wide ? 3 : 2;
            spv_words_push(s, (uint32_t)(3 + per * (t->nsucc - 1)) << 16 | SpvOpSwitch);
            spv_words_push(s, sel);
            spv_words_push(s, label_of(e, c, redirect(c, t->succ[0])));
            for (uint32_t i = 1; i < t->nsucc; i++) {
                uint32_t lo = case_literal(e, t->ops[i], &hi, &wide);
                spv_words_push(s, lo);
                if (wide)
                    spv_words_push(s, hi);
                spv_words_push(s, label_of(e, c, redirect(c, t->succ[i])));
            }
        }
    }
    for (uint32_t i = 0; i < nsucc(t); i++) {
        uint32_t s = redirect(c, t->succ[i]);
        bool dup = false;
        for (uint32_t k = 0; k < i; k++)
            dup |= redirect(c, t->succ[k]) == s;
        if (dup || s == merge)
            continue;
        if (!walk(e, c, s, merge, depth + 1))
            return false;
    }
    c->nredir = saved_nredir;
    if (unreachable_merge || pass) {
        if (!c->dry) {
            spv_opv(e->body, SpvOpLabel, 1, label_of(e, c, merge));
            if (unreachable_merge)
                spv_opv(e->body, SpvOpUnreachable, 0);
            else
                spv_opv(e->body, SpvOpBranch, 1, label_of(e, c, pass_to));
        }
        *next = unreachable_merge ? IIR_NONE : pass_to;
        return true;
    }
    *next = merge;
    return true;
}

static bool
walk(struct emitter *e, struct cfg *c, uint32_t b, uint32_t stop, int depth)
{
    if (depth > 256)
        return false;
    while (b != stop && b != IIR_NONE) {
        if (b >= c->n)
            return false; /* a synthetic block reached outside its construct */
        if (c->visited[b])
            return false;
        c->visited[b] = 1;
        const struct iir_inst *t = term(e, b);
        if (!c->dry) {
            spv_opv(e->body, SpvOpLabel, 1, e->block_label[b]);
            if (!emit_phi_loads(e, c, b) || !emit_block_body(e, b))
                return false;
        }
        if (t->op == IIR_OP_RET || t->op == IIR_OP_UNREACHABLE) {
            if (!c->dry) {
                if (t->op == IIR_OP_RET ? !emit_terminator_ret(e, t) : false)
                    return false;
                if (t->op == IIR_OP_UNREACHABLE)
                    spv_opv(e->body, SpvOpUnreachable, 0);
            }
            return true;
        }
        if (t->op == IIR_OP_BR && t->nops == 0) {
            uint32_t s = redirect(c, t->succ[0]);
            if (!c->dry) {
                if (!emit_phi_stores(e, c, b))
                    return false;
                spv_opv(e->body, SpvOpBranch, 1, label_of(e, c, s));
            }
            b = s;
            continue;
        }
        uint32_t next;
        if (!walk_selection(e, c, b, stop, &next, depth))
            return false;
        b = next;
    }
    return true;
}

/* ---- dispatch loop ---- */

static bool
emit_dispatch(struct emitter *e, struct cfg *c)
{
    uint32_t n = c->n;
    const struct iir_function *fn = e->fn;
    e->dispatch = true;
    e->res->dispatch_fallback = true;
    /* Cross-block values live in Function variables. */
    for (uint32_t b = 0; b < n; b++)
        for (uint32_t k = 0; k < fn->blocks[b].ninsts; k++) {
            const struct iir_inst *in = &e->m->insts[fn->blocks[b].insts[k]];
            for (uint32_t q = 0; q < in->nops; q++) {
                uint32_t v = in->ops[q];
                const struct iir_value *val = iir_val(e->m, v);
                if (val->kind != IIR_V_INST || e->def_block[v] == b || e->vm[v].var)
                    continue;
                if (in->op == IIR_OP_PHI)
                    continue; /* phi operands are read in the predecessor */
                const struct iir_type *t = val->type;
                if (t->kind == IIR_T_PTR)
                    continue; /* pointer chains are rebuilt per use (emit.c rejects if needed) */
                uint32_t ty = emit_type(e, t);
                if (!ty)
                    return false;
                uint32_t var = spv_id(&e->b);
                spv_opv(&e->fvars, SpvOpVariable, 3, emit_ptr_type(e, SpvStorageClassFunction, ty),
                        var, SpvStorageClassFunction);
                e->vm[v].var = var;
            }
        }
    /* Phi operands defined in another block than the predecessor also need variables. */
    for (uint32_t b = 0; b < n; b++)
        for (uint32_t k = 0; k < fn->blocks[b].ninsts; k++) {
            const struct iir_inst *in = &e->m->insts[fn->blocks[b].insts[k]];
            if (in->op != IIR_OP_PHI)
                continue;
            for (uint32_t q = 0; q < in->nops; q++) {
                uint32_t v = in->ops[q];
                if (iir_val(e->m, v)->kind != IIR_V_INST || e->def_block[v] == in->succ[q] ||
                    e->vm[v].var || iir_val(e->m, v)->type->kind == IIR_T_PTR)
                    continue;
                uint32_t ty = emit_type(e, iir_val(e->m, v)->type);
                if (!ty)
                    return false;
                uint32_t var = spv_id(&e->b);
                spv_opv(&e->fvars, SpvOpVariable, 3, emit_ptr_type(e, SpvStorageClassFunction, ty),
                        var, SpvStorageClassFunction);
                e->vm[v].var = var;
            }
        }
    uint32_t state = spv_id(&e->b);
    spv_opv(&e->fvars, SpvOpVariable, 3, emit_ptr_type(e, SpvStorageClassFunction, e->t_i32), state,
            SpvStorageClassFunction);
    /* The switch needs a merge of its own inside the loop (not the continue target). */
    uint32_t hdr = spv_id(&e->b), disp = spv_id(&e->b), cont = spv_id(&e->b), exit = spv_id(&e->b),
             smerge = spv_id(&e->b);
    spv_opv(e->body, SpvOpStore, 2, state, emit_const_i32(e, 0));
    spv_opv(e->body, SpvOpBranch, 1, hdr);
    spv_opv(e->body, SpvOpLabel, 1, hdr);
    spv_opv(e->body, SpvOpLoopMerge, 3, exit, cont, SpvLoopControlMaskNone);
    spv_opv(e->body, SpvOpBranch, 1, disp);
    spv_opv(e->body, SpvOpLabel, 1, disp);
    uint32_t s = emit_opv(e, SpvOpLoad, e->t_i32, 1, state);
    spv_opv(e->body, SpvOpSelectionMerge, 2, smerge, SpvSelectionControlMaskNone);
    spv_words_push(e->body, (uint32_t)(3 + 2 * n) << 16 | SpvOpSwitch);
    spv_words_push(e->body, s);
    spv_words_push(e->body, smerge);
    for (uint32_t b = 0; b < n; b++) {
        spv_words_push(e->body, b);
        spv_words_push(e->body, e->block_label[b]);
    }
    for (uint32_t b = 0; b < n; b++) {
        const struct iir_inst *t = term(e, b);
        spv_opv(e->body, SpvOpLabel, 1, e->block_label[b]);
        if (!emit_phi_loads(e, c, b) || !emit_block_body(e, b))
            return false;
        if (t->op == IIR_OP_RET) {
            if (!emit_terminator_ret(e, t))
                return false;
            continue;
        }
        if (t->op == IIR_OP_UNREACHABLE) {
            spv_opv(e->body, SpvOpUnreachable, 0);
            continue;
        }
        if (!emit_phi_stores(e, c, b))
            return false;
        uint32_t next;
        if (t->op == IIR_OP_BR && t->nops == 0) {
            next = emit_const_i32(e, (int32_t)t->succ[0]);
        } else if (t->op == IIR_OP_BR) {
            uint32_t cond = emit_value(e, t->ops[0]);
            if (!cond)
                return false;
            next =
                emit_opv(e, SpvOpSelect, e->t_i32, 3, cond, emit_const_i32(e, (int32_t)t->succ[0]),
                         emit_const_i32(e, (int32_t)t->succ[1]));
        } else {
            uint32_t sel = emit_value(e, t->ops[0]);
            if (!sel)
                return false;
            next = emit_const_i32(e, (int32_t)t->succ[0]);
            for (uint32_t i = 1; i < t->nsucc; i++) {
                uint32_t cv = emit_value(e, t->ops[i]);
                uint32_t eq = emit_opv(e, SpvOpIEqual, e->t_bool, 2, sel, cv);
                next = emit_opv(e, SpvOpSelect, e->t_i32, 3, eq,
                                emit_const_i32(e, (int32_t)t->succ[i]), next);
            }
        }
        spv_opv(e->body, SpvOpStore, 2, state, next);
        spv_opv(e->body, SpvOpBranch, 1, smerge);
    }
    spv_opv(e->body, SpvOpLabel, 1, smerge);
    spv_opv(e->body, SpvOpBranch, 1, cont);
    spv_opv(e->body, SpvOpLabel, 1, cont);
    spv_opv(e->body, SpvOpBranch, 1, hdr);
    spv_opv(e->body, SpvOpLabel, 1, exit);
    spv_opv(e->body, SpvOpUnreachable, 0);
    return e->st == AIR_OK;
}

bool
emit_function_body(struct emitter *e)
{
    const struct iir_function *fn = e->fn;
    uint32_t n = fn->nblocks;
    struct iir_arena *a = e->arena;
    if (n == 0)
        return emit_fail(e, AIR_INVALID_DATA, "entry without blocks");
    if (!check_terminators(e))
        return false;
    struct cfg c = { 0 };
    c.n = n;
    e->block_label = iir_arena_array(a, n + 1, sizeof(uint32_t));
    e->def_block = iir_arena_array(a, e->m->nvalues + 1, sizeof(uint32_t));
    c.ipdom = iir_arena_array(a, n + 2, sizeof(uint32_t));
    c.depth = iir_arena_array(a, n + 2, sizeof(uint32_t));
    c.visited = iir_arena_array(a, n + 1, 1);
    c.synth_label = iir_arena_array(a, 2 * n + 2, sizeof(uint32_t));
    c.phi_var = iir_arena_array(a, e->m->nvalues + 1, sizeof(uint32_t));
    uint32_t *order = iir_arena_array(a, n + 1, sizeof(uint32_t));
    uint32_t *stack = iir_arena_array(a, n + 1, sizeof(uint32_t));
    uint32_t *iter = iir_arena_array(a, n + 1, sizeof(uint32_t));
    uint8_t *color = iir_arena_array(a, n + 1, 1);
    if (!e->block_label || !e->def_block || !c.ipdom || !c.depth || !c.visited || !c.synth_label ||
        !c.phi_var || !order || !stack || !iter || !color)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t v = 0; v < e->m->nvalues; v++)
        e->def_block[v] = IIR_NONE;
    for (uint32_t b = 0; b < n; b++) {
        e->block_label[b] = spv_id(&e->b);
        for (uint32_t k = 0; k < fn->blocks[b].ninsts; k++) {
            const struct iir_inst *in = &e->m->insts[fn->blocks[b].insts[k]];
            if (in->result)
                e->def_block[in->result] = b;
            if (in->op == IIR_OP_PHI && in->type->kind != IIR_T_PTR) {
                uint32_t ty = emit_type(e, in->type);
                if (!ty)
                    return false;
                uint32_t var = spv_id(&e->b);
                spv_opv(&e->fvars, SpvOpVariable, 3, emit_ptr_type(e, SpvStorageClassFunction, ty),
                        var, SpvStorageClassFunction);
                c.phi_var[in->result] = var;
            }
        }
    }
    if (n == 1) {
        const struct iir_inst *t = term(e, 0);
        if (!emit_block_body(e, 0))
            return false;
        if (t->op == IIR_OP_RET)
            return emit_terminator_ret(e, t);
        spv_opv(e->body, SpvOpUnreachable, 0);
        return true;
    }
    uint32_t norder;
    bool structured = acyclic_postorder(e, order, &norder, color, stack, iter);
    if (structured) {
        postdominators(e, &c, order, norder);
        c.dry = true;
        structured = walk(e, &c, 0, IIR_NONE, 0);
    }
    if (structured) {
        memset(c.visited, 0, n);
        c.dry = false;
        c.nsynth = 0;
        c.nredir = 0;
        spv_opv(e->body, SpvOpBranch, 1, e->block_label[0]);
        return walk(e, &c, 0, IIR_NONE, 0) && e->st == AIR_OK;
    }
    UT_DEBUG(NULL, "air", "%s: CFG not structurizable by the walk, using the dispatch loop",
             fn->name);
    return emit_dispatch(e, &c);
}
