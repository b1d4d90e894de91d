/* SPDX-License-Identifier: MIT */
/*
 * Control flow (spec/air.md §5.4.1). Phis become Function variables (stored on each incoming
 * edge, loaded at the block start). A single block is emitted as is. Otherwise analyze() finds
 * the natural loops (back edges to a dominating header; several latches share one synthetic
 * continue target), each loop's merge (the common post-dominator of its exit targets) and
 * construct, and post-dominators of a region graph where breaks and continues leave their
 * loop; a recursive walk then emits loops as OpLoopMerge constructs and each conditional
 * branch or switch with its region post-dominator as merge; a merge shared with the enclosing
 * construct gets an empty pass-through block (edges redirected into it); arms or loops that
 * only return merge in an unreachable block. The walk first runs dry; if the CFG is
 * irreducible, constructs do not nest, a break leaves several loops at once, or a block would
 * be emitted twice, the function falls back to one dispatch loop (a switch on a block-id
 * variable, cross-block values through Function variables), which is correct for every CFG.
 * One translation, one thread.
 */
#include <string.h>

#include "air/emit_internal.h"
#include "util/log.h"

#define EXIT_NODE(n) (n)

#define AIR_CFG_MAX_LOOPS 64

struct cfg {
    uint32_t n;
    uint32_t *ipdom; /* per region node (blocks, EXIT_NODE(n), loop nodes n + 1 + k) */
    uint32_t *depth;
    uint8_t *visited;
    uint32_t nsynth, synth_cap;
    /* Predecessors of the forward and back edges alike (CSR). */
    uint32_t *pred_off, *preds;
    uint32_t maxsucc;
    /* Loops (analyze): header, merge (a block or EXIT_NODE(n)), enclosing loop + 1. */
    uint32_t nloops;
    uint32_t lheader[AIR_CFG_MAX_LOOPS], lmerge[AIR_CFG_MAX_LOOPS], lparent[AIR_CFG_MAX_LOOPS];
    uint32_t lsize[AIR_CFG_MAX_LOOPS]; /* blocks in the construct */
    uint32_t *idom;                    /* forward-graph dominators */
    uint32_t *loop_of_header;          /* per block: loop + 1, or 0 */
    uint32_t *inner;                   /* per block: innermost construct's loop + 1, or 0 */
    uint8_t *body, *construct;         /* nloops × n flags */
    /* Walk: the open loops, innermost last (labels are block or synthetic indices). */
    uint32_t lsp;
    uint32_t lstack_merge[AIR_CFG_MAX_LOOPS], lstack_cont[AIR_CFG_MAX_LOOPS];
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

/* Dominator-tree test on the forward (back-edge-free) graph: does a dominate b? */
static bool
dominates(const struct cfg *c, uint32_t a, uint32_t b)
{
    for (uint32_t guard = 0; guard <= c->n; guard++) {
        if (b == a)
            return true;
        if (b == 0 || c->idom[b] == b)
            return false;
        b = c->idom[b];
    }
    return false;
}

static bool
in_construct(const struct cfg *c, uint32_t k, uint32_t b)
{
    return b < c->n && c->construct[(size_t)k * c->n + b];
}

/*
 * Successors of node x of the region graph (nodes: blocks, EXIT = n, the loop nodes n+1+k):
 * inside loop k's construct, an edge back to its header (continue) or out of the construct
 * (break) goes to EXIT; an edge into a nested loop's header goes to that loop's node, whose
 * one successor is the loop's merge. Post-dominators of this DAG give selection merges that
 * never leave their loop. Returns the count written to out (at most c->maxsucc).
 */
static uint32_t
region_succ(struct emitter *e, const struct cfg *c, uint32_t x, uint32_t *out)
{
    uint32_t n = c->n, cnt = 0, raw[1];
    const uint32_t *succ;
    uint32_t ns, region;
    if (x == EXIT_NODE(n))
        return 0;
    if (x > n) { /* a loop node: continues at its merge, in the enclosing construct */
        uint32_t k = x - n - 1;
        if (c->lmerge[k] == EXIT_NODE(n))
            return 0;
        raw[0] = c->lmerge[k];
        succ = raw;
        ns = 1;
        region = c->lparent[k];
    } else {
        const struct iir_inst *t = term(e, x);
        succ = t ? t->succ : NULL;
        ns = nsucc(t);
        region = c->inner[x];
    }
    for (uint32_t i = 0; i < ns; i++) {
        uint32_t s = succ[i], m;
        if (region && (s == c->lheader[region - 1] || !in_construct(c, region - 1, s)))
            m = EXIT_NODE(n);
        else if (c->loop_of_header[s] && c->loop_of_header[s] != region)
            m = n + c->loop_of_header[s];
        else
            m = s;
        bool dup = false;
        for (uint32_t q = 0; q < cnt; q++)
            dup |= out[q] == m;
        if (!dup)
            out[cnt++] = m;
    }
    return cnt;
}

/*
 * Finds natural loops, their merges and constructs, and the region post-dominators. False
 * when the walk cannot structure the CFG (irreducible, loops not nested, a construct entered
 * from outside): the caller falls back to the dispatch loop.
 */
static bool
analyze(struct emitter *e, struct cfg *c)
{
    uint32_t n = c->n;
    struct iir_arena *a = e->arena;
    uint32_t *order = iir_arena_array(a, n + 1, sizeof(uint32_t));
    uint32_t *stack = iir_arena_array(a, n + 2 + AIR_CFG_MAX_LOOPS, sizeof(uint32_t));
    uint32_t *iter = iir_arena_array(a, n + 2 + AIR_CFG_MAX_LOOPS, sizeof(uint32_t));
    uint8_t *color = iir_arena_array(a, n + 2 + AIR_CFG_MAX_LOOPS, 1);
    uint32_t *rpo_num = iir_arena_array(a, n + 1, sizeof(uint32_t));
    c->idom = iir_arena_array(a, n + 1, sizeof(uint32_t));
    c->loop_of_header = iir_arena_array(a, n + 1, sizeof(uint32_t));
    c->inner = iir_arena_array(a, n + 1, sizeof(uint32_t));
    if (!order || !stack || !iter || !color || !rpo_num || !c->idom || !c->loop_of_header ||
        !c->inner)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");

    c->pred_off = iir_arena_array(a, n + 2, sizeof(uint32_t));
    if (!c->pred_off)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    c->maxsucc = 1;
    for (uint32_t b = 0; b < n; b++) {
        const struct iir_inst *t = term(e, b);
        if (nsucc(t) > c->maxsucc)
            c->maxsucc = nsucc(t);
        for (uint32_t q = 0; q < nsucc(t); q++)
            c->pred_off[t->succ[q] + 1]++;
    }
    for (uint32_t b = 0; b < n; b++)
        c->pred_off[b + 1] += c->pred_off[b];
    c->preds = iir_arena_array(a, c->pred_off[n] + 1, sizeof(uint32_t));
    if (!c->preds)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    memcpy(order, c->pred_off, n * sizeof(uint32_t)); /* fill cursors */
    for (uint32_t b = 0; b < n; b++) {
        const struct iir_inst *t = term(e, b);
        for (uint32_t q = 0; q < nsucc(t); q++)
            c->preds[order[t->succ[q]]++] = b;
    }

    /* 1. DFS: postorder of the forward graph; edges to a block on the stack are back edges. */
    uint32_t norder = 0, sp = 0;
    memset(color, 0, n);
    stack[sp] = 0;
    iter[sp++] = 0;
    color[0] = 1;
    c->nloops = 0;
    while (sp) {
        uint32_t b = stack[sp - 1];
        const struct iir_inst *t = term(e, b);
        if (iter[sp - 1] < nsucc(t)) {
            uint32_t s = t->succ[iter[sp - 1]++];
            if (color[s] == 1) { /* back edge b → s */
                if (!c->loop_of_header[s]) {
                    if (c->nloops == AIR_CFG_MAX_LOOPS)
                        return false;
                    c->lheader[c->nloops] = s;
                    c->loop_of_header[s] = ++c->nloops;
                }
            } else if (color[s] == 0) {
                color[s] = 1;
                stack[sp] = s;
                iter[sp++] = 0;
            }
        } else {
            color[b] = 2;
            order[norder++] = b;
            sp--;
        }
    }
    /* 2. Dominators of the forward graph (Cooper, Harvey, Kennedy), reverse postorder. */
    for (uint32_t i = 0; i < n; i++)
        c->idom[i] = IIR_NONE;
    for (uint32_t i = 0; i < norder; i++)
        rpo_num[order[i]] = norder - 1 - i;
    c->idom[0] = 0;
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t i = norder; i-- > 0;) {
            uint32_t b = order[i];
            if (b == 0)
                continue;
            uint32_t nd = IIR_NONE;
            for (uint32_t pi = c->pred_off[b]; pi < c->pred_off[b + 1]; pi++) {
                uint32_t p = c->preds[pi];
                /* Reachable, processed, and not a back edge (those run against RPO). */
                if (c->idom[p] == IIR_NONE || !color[p] || rpo_num[p] >= rpo_num[b])
                    continue;
                if (nd == IIR_NONE) {
                    nd = p;
                    continue;
                }
                uint32_t x = p, y = nd;
                while (x != y) {
                    while (rpo_num[x] > rpo_num[y])
                        x = c->idom[x];
                    while (rpo_num[y] > rpo_num[x])
                        y = c->idom[y];
                }
                nd = x;
            }
            if (nd != IIR_NONE && c->idom[b] != nd) {
                c->idom[b] = nd;
                changed = true;
            }
        }
    }
    /* 3. Every back edge must go to a dominating header (else irreducible); loop bodies. */
    size_t bits = (size_t)n * (c->nloops ? c->nloops : 1);
    c->body = iir_arena_array(a, bits, 1);
    c->construct = iir_arena_array(a, bits, 1);
    if (!c->body || !c->construct)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t k = 0; k < c->nloops; k++) {
        uint32_t h = c->lheader[k];
        uint8_t *body = &c->body[(size_t)k * n];
        body[h] = 1;
        uint32_t top = 0;
        for (uint32_t pi = c->pred_off[h]; pi < c->pred_off[h + 1]; pi++) {
            uint32_t p = c->preds[pi];
            if (!color[p] || rpo_num[p] < rpo_num[h])
                continue;
            if (!dominates(c, h, p))
                return false; /* irreducible */
            if (!body[p]) {
                body[p] = 1;
                stack[top++] = p;
            }
        }
        while (top) { /* predecessors up to the header */
            uint32_t b = stack[--top];
            for (uint32_t pi = c->pred_off[b]; pi < c->pred_off[b + 1]; pi++) {
                uint32_t p = c->preds[pi];
                if (color[p] && !body[p]) {
                    body[p] = 1;
                    stack[top++] = p;
                }
            }
        }
    }
    /* 4. Raw post-dominators of the forward graph give each loop's merge: the common
     * post-dominator of its exit targets (EXIT when they only return). */
    for (uint32_t i = 0; i < norder; i++) {
        uint32_t b = order[i];
        const struct iir_inst *t = term(e, b);
        uint32_t p = IIR_NONE;
        for (uint32_t k = 0; k < nsucc(t); k++) {
            uint32_t s = t->succ[k];
            if (c->loop_of_header[s] && rpo_num[b] >= rpo_num[s])
                continue; /* back edge */
            p = p == IIR_NONE ? s : lca(c, p, s);
        }
        if (p == IIR_NONE)
            p = EXIT_NODE(n);
        c->ipdom[b] = p;
        c->depth[b] = c->depth[p] + 1;
    }
    for (uint32_t k = 0; k < c->nloops; k++) {
        const uint8_t *body = &c->body[(size_t)k * n];
        uint32_t m = IIR_NONE;
        for (uint32_t b = 0; b < n; b++) {
            if (!body[b])
                continue;
            const struct iir_inst *t = term(e, b);
            for (uint32_t q = 0; q < nsucc(t); q++) {
                uint32_t s = t->succ[q];
                if (body[s])
                    continue;
                if (c->loop_of_header[s] && rpo_num[b] >= rpo_num[s])
                    return false; /* continues an outer loop from inside: not nested */
                m = m == IIR_NONE ? s : lca(c, m, s);
            }
        }
        c->lmerge[k] = m == IIR_NONE ? EXIT_NODE(n) : m;
    }
    /* 5. Constructs: what the header reaches before the merge, all dominated by the header. */
    for (uint32_t k = 0; k < c->nloops; k++) {
        uint32_t h = c->lheader[k], m = c->lmerge[k], top = 0;
        uint8_t *con = &c->construct[(size_t)k * n];
        con[h] = 1;
        stack[top++] = h;
        while (top) {
            uint32_t b = stack[--top];
            const struct iir_inst *t = term(e, b);
            for (uint32_t q = 0; q < nsucc(t); q++) {
                uint32_t s = t->succ[q];
                if (s == m || con[s] || (c->loop_of_header[s] && rpo_num[b] >= rpo_num[s]))
                    continue;
                if (!dominates(c, h, s))
                    return false; /* entered from outside the loop */
                con[s] = 1;
                stack[top++] = s;
            }
        }
    }
    /* Constructs must nest: two that share a block are one inside the other. Then the
     * innermost construct per block and the parent per loop (the smallest one around). */
    for (uint32_t k = 0; k < c->nloops; k++) {
        c->lsize[k] = 0;
        for (uint32_t x = 0; x < n; x++)
            c->lsize[k] += c->construct[(size_t)k * n + x];
    }
    for (uint32_t k = 0; k < c->nloops; k++)
        for (uint32_t j = 0; j < c->nloops; j++) {
            if (j == k || c->lsize[k] > c->lsize[j])
                continue;
            bool some = false, all = true;
            for (uint32_t b = 0; b < n; b++)
                if (in_construct(c, k, b)) {
                    some |= in_construct(c, j, b);
                    all &= in_construct(c, j, b);
                }
            if (some && !all)
                return false; /* k, the smaller, sticks out of j */
        }
    for (uint32_t b = 0; b < n; b++) {
        uint32_t best = 0, best_size = UINT32_MAX;
        for (uint32_t k = 0; k < c->nloops; k++)
            if (in_construct(c, k, b) && c->lsize[k] < best_size) {
                best = k + 1;
                best_size = c->lsize[k];
            }
        c->inner[b] = best;
    }
    for (uint32_t k = 0; k < c->nloops; k++) {
        uint32_t h = c->lheader[k], best_size = UINT32_MAX;
        c->lparent[k] = 0;
        for (uint32_t j = 0; j < c->nloops; j++)
            if (j != k && in_construct(c, j, h) && c->lsize[j] < best_size) {
                c->lparent[k] = j + 1;
                best_size = c->lsize[j];
            }
    }
    /* 6. Region post-dominators (region_succ) over every node reachable from the entry and
     * from each loop header. */
    uint32_t nn = n + 1 + c->nloops, nord = 0;
    uint32_t *rorder = iir_arena_array(a, nn, sizeof(uint32_t));
    uint32_t *succ_buf = iir_arena_array(a, (size_t)nn * c->maxsucc, sizeof(uint32_t));
    uint32_t *succ_n = iir_arena_array(a, nn, sizeof(uint32_t));
    if (!rorder || !succ_buf || !succ_n)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t x = 0; x < nn; x++)
        succ_n[x] = region_succ(e, c, x, &succ_buf[(size_t)x * c->maxsucc]);
    memset(color, 0, nn);
    for (uint32_t root = 0; root <= c->nloops; root++) {
        uint32_t r = root == 0 ? 0 : c->lheader[root - 1];
        if (color[r])
            continue;
        sp = 0;
        stack[sp] = r;
        iter[sp++] = 0;
        color[r] = 1;
        while (sp) {
            uint32_t x = stack[sp - 1];
            if (iter[sp - 1] < succ_n[x]) {
                uint32_t s = succ_buf[(size_t)x * c->maxsucc + iter[sp - 1]++];
                if (color[s] == 1)
                    return false; /* a cycle the loop analysis did not explain */
                if (color[s] == 0) {
                    color[s] = 1;
                    stack[sp] = s;
                    iter[sp++] = 0;
                }
            } else {
                color[x] = 2;
                rorder[nord++] = x;
                sp--;
            }
        }
    }
    c->ipdom[EXIT_NODE(n)] = EXIT_NODE(n);
    c->depth[EXIT_NODE(n)] = 0;
    for (uint32_t i = 0; i < nord; i++) {
        uint32_t x = rorder[i];
        if (x == EXIT_NODE(n))
            continue;
        uint32_t p = EXIT_NODE(n);
        for (uint32_t q = 0; q < succ_n[x]; q++) {
            uint32_t s = succ_buf[(size_t)x * c->maxsucc + q];
            p = q == 0 ? s : lca(c, p, s);
        }
        c->ipdom[x] = p;
        c->depth[x] = c->depth[p] + 1;
    }
    return true;
}

/* ---- shared emission helpers ---- */

static uint32_t
label_of(struct emitter *e, struct cfg *c, uint32_t blk)
{
    if (blk < c->n)
        return e->block_label[blk];
    return c->synth_label[blk - c->n - 1];
}

/*
 * Pointer phis (a pointer induction variable, a pointer chosen by a branch): every incoming
 * pointer must walk the same array (same variable, same access chain up to the last index),
 * so the phi is that chain with its last index in a Function variable. Returns whether q's
 * pointer fits the template t.
 */
static bool
same_array(const struct symptr *t, const struct symptr *q)
{
    if (t->base != q->base || t->sc != q->sc || t->n != q->n || t->layout != q->layout ||
        t->pointee != q->pointee || !q->last_array)
        return false;
    for (uint32_t i = 0; i + 1 < t->n; i++)
        if (t->idx[i] != q->idx[i])
            return false;
    return true;
}

static bool
emit_ptr_phi_load(struct emitter *e, struct cfg *c, const struct iir_inst *in)
{
    if (e->dispatch)
        return emit_fail(e, AIR_NOT_SUPPORTED, "phi of pointers in a dispatch-loop function");
    /* The template: an incoming pointer already emitted (the edge from a dominating block). */
    const struct symptr *t = NULL;
    for (uint32_t q = 0; q < in->nops; q++) {
        uint32_t v = in->ops[q];
        if (iir_val(e->m, v)->kind == IIR_V_INST && e->vm[v].kind != VM_PTR)
            continue; /* defined on a back edge: checked when stored */
        const struct symptr *p = emit_ptr_of(e, v);
        if (!p)
            return false;
        if (!t)
            t = p;
        else if (!same_array(t, p))
            return emit_fail(e, AIR_NOT_SUPPORTED, "phi of pointers into different arrays");
    }
    if (!t || t->n == 0 || !t->last_array)
        return emit_fail(e, AIR_NOT_SUPPORTED, "phi of pointers outside an array");
    struct symptr *p = emit_ptr_copy(e, t);
    if (!p)
        return false;
    p->idx[p->n - 1] = emit_opv(e, SpvOpLoad, e->t_i32, 1, c->phi_var[in->result]);
    e->vm[in->result].kind = VM_PTR;
    e->vm[in->result].ptr = p;
    return true;
}

static bool
emit_phi_loads(struct emitter *e, struct cfg *c, uint32_t b)
{
    const struct iir_block *blk = &e->fn->blocks[b];
    for (uint32_t k = 0; k < blk->ninsts; k++) {
        const struct iir_inst *in = &e->m->insts[blk->insts[k]];
        if (in->op != IIR_OP_PHI)
            continue;
        if (in->type->kind == IIR_T_PTR) {
            if (!emit_ptr_phi_load(e, c, in))
                return false;
            continue;
        }
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
                    if (in->type->kind == IIR_T_PTR) { /* the last index (see same_array) */
                        if (e->dispatch)
                            return emit_fail(e, AIR_NOT_SUPPORTED,
                                             "phi of pointers in a dispatch-loop function");
                        const struct symptr *p = emit_ptr_of(e, in->ops[q]);
                        if (!p)
                            return false;
                        const struct symptr *t =
                            e->vm[in->result].kind == VM_PTR ? e->vm[in->result].ptr : p;
                        if (!same_array(t, p) || p->n == 0)
                            return emit_fail(e, AIR_NOT_SUPPORTED,
                                             "phi of pointers into different arrays");
                        val = p->idx[p->n - 1];
                    } else {
                        val = emit_value(e, in->ops[q]);
                    }
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
    if (m > EXIT_NODE(n)) /* a loop node: the selection merges at that loop's header */
        m = c->lheader[m - n - 1];
    uint32_t merge, pass_to = 0;
    bool unreachable_merge = false, pass = false;
    if (c->nsynth >= c->synth_cap)
        return false;
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

/*
 * Where an edge to b lands among the open loops: 1 at the innermost loop's merge or continue
 * target (a break or continue: nothing to emit), -1 at an outer loop's (a multi-level break,
 * which SPIR-V cannot say: the walk gives up), 0 elsewhere.
 */
static int
loop_target(const struct cfg *c, uint32_t b)
{
    for (uint32_t i = c->lsp; i-- > 0;)
        if (b == c->lstack_merge[i] || b == c->lstack_cont[i])
            return i + 1 == c->lsp ? 1 : -1;
    return 0;
}

/* Block b's terminator, its label and body already emitted; *next is where the walk goes on. */
static bool
walk_term(struct emitter *e, struct cfg *c, uint32_t b, uint32_t stop, uint32_t *next, int depth)
{
    const struct iir_inst *t = term(e, b);
    if (t->op == IIR_OP_RET || t->op == IIR_OP_UNREACHABLE) {
        if (!c->dry) {
            if (t->op == IIR_OP_RET ? !emit_terminator_ret(e, t) : false)
                return false;
            if (t->op == IIR_OP_UNREACHABLE)
                spv_opv(e->body, SpvOpUnreachable, 0);
        }
        *next = IIR_NONE;
        return true;
    }
    if (t->op == IIR_OP_BR && t->nops == 0) {
        uint32_t s = redirect(c, t->succ[0]);
        if (!c->dry) {
            if (!emit_phi_stores(e, c, b))
                return false;
            spv_opv(e->body, SpvOpBranch, 1, label_of(e, c, s));
        }
        *next = s;
        return true;
    }
    return walk_selection(e, c, b, stop, next, depth);
}

static bool
walk_loop(struct emitter *e, struct cfg *c, uint32_t h, uint32_t stop, uint32_t *next, int depth);

static bool
walk(struct emitter *e, struct cfg *c, uint32_t b, uint32_t stop, int depth)
{
    if (depth > 256)
        return false;
    while (b != stop && b != IIR_NONE) {
        int lt = loop_target(c, b);
        if (lt)
            return lt > 0;
        if (b >= c->n)
            return false; /* a synthetic block reached outside its construct */
        uint32_t next;
        if (c->loop_of_header[b]) {
            if (!walk_loop(e, c, b, stop, &next, depth))
                return false;
            b = next;
            continue;
        }
        if (c->visited[b])
            return false;
        c->visited[b] = 1;
        if (!c->dry) {
            spv_opv(e->body, SpvOpLabel, 1, e->block_label[b]);
            if (!emit_phi_loads(e, c, b) || !emit_block_body(e, b))
                return false;
        }
        if (!walk_term(e, c, b, stop, &next, depth))
            return false;
        b = next;
    }
    return true;
}

/*
 * A natural loop with header h (spec/air.md §5.4.1): h's label carries the phi loads and
 * OpLoopMerge, then branches to a fresh block with h's instructions; every back edge goes to
 * a synthetic continue target that only branches to h. Breaks (edges to the merge) and
 * continues are plain branches the walk stops at. A merge that is also the enclosing
 * construct's gets a pass-through block; a loop left only by returns merges in an unreachable
 * block.
 */
static bool
walk_loop(struct emitter *e, struct cfg *c, uint32_t h, uint32_t stop, uint32_t *next, int depth)
{
    uint32_t n = c->n, k = c->loop_of_header[h] - 1, m = c->lmerge[k];
    if (c->visited[h] || c->lsp == AIR_CFG_MAX_LOOPS || c->nsynth + 3 > c->synth_cap ||
        c->nredir + 2 > 64)
        return false;
    c->visited[h] = 1;
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
    uint32_t cont = n + 1 + c->nsynth++, body = n + 1 + c->nsynth++;
    if (!c->dry) {
        if (merge > n)
            c->synth_label[merge - n - 1] = spv_id(&e->b);
        c->synth_label[cont - n - 1] = spv_id(&e->b);
        c->synth_label[body - n - 1] = spv_id(&e->b);
        spv_opv(e->body, SpvOpLabel, 1, e->block_label[h]);
        if (!emit_phi_loads(e, c, h))
            return false;
        spv_opv(e->body, SpvOpLoopMerge, 3, label_of(e, c, merge), label_of(e, c, cont),
                SpvLoopControlMaskNone);
        spv_opv(e->body, SpvOpBranch, 1, label_of(e, c, body));
        spv_opv(e->body, SpvOpLabel, 1, label_of(e, c, body));
        if (!emit_block_body(e, h))
            return false;
    }
    uint32_t saved_nredir = c->nredir;
    if (pass) {
        c->redir_from[c->nredir] = m;
        c->redir_to[c->nredir++] = merge;
    }
    c->redir_from[c->nredir] = h;
    c->redir_to[c->nredir++] = cont;
    c->lstack_merge[c->lsp] = merge;
    c->lstack_cont[c->lsp++] = cont;
    uint32_t nx;
    bool ok = walk_term(e, c, h, merge, &nx, depth + 1) && walk(e, c, nx, merge, depth + 1);
    c->lsp--;
    c->nredir = saved_nredir;
    if (!ok)
        return false;
    if (!c->dry) {
        spv_opv(e->body, SpvOpLabel, 1, label_of(e, c, cont));
        spv_opv(e->body, SpvOpBranch, 1, e->block_label[h]);
        if (unreachable_merge || pass) {
            spv_opv(e->body, SpvOpLabel, 1, label_of(e, c, merge));
            if (unreachable_merge)
                spv_opv(e->body, SpvOpUnreachable, 0);
            else
                spv_opv(e->body, SpvOpBranch, 1, label_of(e, c, pass_to));
        }
    }
    *next = unreachable_merge ? IIR_NONE : pass ? pass_to : merge;
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
    c.ipdom = iir_arena_array(a, n + 2 + AIR_CFG_MAX_LOOPS, sizeof(uint32_t));
    c.depth = iir_arena_array(a, n + 2 + AIR_CFG_MAX_LOOPS, sizeof(uint32_t));
    c.visited = iir_arena_array(a, n + 1, 1);
    /* Selections need at most one synthetic block each, loops three. */
    c.synth_cap = 3 * n + 8;
    c.synth_label = iir_arena_array(a, c.synth_cap, sizeof(uint32_t));
    c.phi_var = iir_arena_array(a, e->m->nvalues + 1, sizeof(uint32_t));
    if (!e->block_label || !e->def_block || !c.ipdom || !c.depth || !c.visited || !c.synth_label ||
        !c.phi_var)
        return emit_fail(e, AIR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t v = 0; v < e->m->nvalues; v++)
        e->def_block[v] = IIR_NONE;
    for (uint32_t b = 0; b < n; b++) {
        e->block_label[b] = spv_id(&e->b);
        for (uint32_t k = 0; k < fn->blocks[b].ninsts; k++) {
            const struct iir_inst *in = &e->m->insts[fn->blocks[b].insts[k]];
            if (in->result)
                e->def_block[in->result] = b;
            if (in->op == IIR_OP_PHI) {
                /* A pointer phi keeps only its last index (emit_ptr_phi_load). */
                uint32_t ty = in->type->kind == IIR_T_PTR ? e->t_i32 : emit_type(e, in->type);
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
    bool structured = analyze(e, &c);
    if (e->st != AIR_OK)
        return false;
    if (structured) {
        c.dry = true;
        structured = walk(e, &c, 0, IIR_NONE, 0);
    }
    if (structured) {
        memset(c.visited, 0, n);
        c.dry = false;
        c.nsynth = 0;
        c.nredir = 0;
        c.lsp = 0;
        spv_opv(e->body, SpvOpBranch, 1, e->block_label[0]);
        return walk(e, &c, 0, IIR_NONE, 0) && e->st == AIR_OK;
    }
    UT_DEBUG(NULL, "air", "%s: CFG not structurizable by the walk, using the dispatch loop",
             fn->name);
    return emit_dispatch(e, &c);
}
