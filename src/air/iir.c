/* SPDX-License-Identifier: MIT */
/*
 * IIR support: the per-translation arena, module lookup and teardown, opcode names for
 * diagnostics (iir.h). One thread per module.
 */
#include "air/iir.h"

#include <string.h>

#include "util/alloc.h"

#define ARENA_CHUNK (64u * 1024u)

struct iir_arena_chunk {
    struct iir_arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

void *
iir_arena_alloc(struct iir_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    struct iir_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
        c = ut_malloc(sizeof(*c) + cap);
        if (!c) {
            a->failed = true;
            return NULL;
        }
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

void *
iir_arena_array(struct iir_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / 2 / size) {
        a->failed = true;
        return NULL;
    }
    return iir_arena_alloc(a, count * size);
}

char *
iir_arena_strndup(struct iir_arena *a, const char *s, size_t len)
{
    char *p = iir_arena_alloc(a, len + 1);
    if (p && len)
        memcpy(p, s, len);
    return p;
}

void
iir_arena_finish(struct iir_arena *a)
{
    struct iir_arena_chunk *c = a->head;
    while (c) {
        struct iir_arena_chunk *n = c->next;
        ut_free(c);
        c = n;
    }
    a->head = NULL;
}

const struct iir_named_md *
iir_module_named_md(const struct iir_module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nnamed; i++)
        if (strcmp(m->named[i].name, name) == 0)
            return &m->named[i];
    return NULL;
}

void
iir_module_free(struct iir_module *m)
{
    if (!m)
        return;
    iir_arena_finish(&m->arena);
    ut_free(m->types);
    ut_free(m->values);
    ut_free(m->insts);
    ut_free(m);
}

static const char *const op_names[IIR_OP_COUNT_] = {
    [IIR_OP_RET] = "ret",
    [IIR_OP_BR] = "br",
    [IIR_OP_SWITCH] = "switch",
    [IIR_OP_UNREACHABLE] = "unreachable",
    [IIR_OP_ADD] = "add",
    [IIR_OP_FADD] = "fadd",
    [IIR_OP_SUB] = "sub",
    [IIR_OP_FSUB] = "fsub",
    [IIR_OP_MUL] = "mul",
    [IIR_OP_FMUL] = "fmul",
    [IIR_OP_UDIV] = "udiv",
    [IIR_OP_SDIV] = "sdiv",
    [IIR_OP_FDIV] = "fdiv",
    [IIR_OP_UREM] = "urem",
    [IIR_OP_SREM] = "srem",
    [IIR_OP_FREM] = "frem",
    [IIR_OP_SHL] = "shl",
    [IIR_OP_LSHR] = "lshr",
    [IIR_OP_ASHR] = "ashr",
    [IIR_OP_AND] = "and",
    [IIR_OP_OR] = "or",
    [IIR_OP_XOR] = "xor",
    [IIR_OP_FNEG] = "fneg",
    [IIR_OP_TRUNC] = "trunc",
    [IIR_OP_ZEXT] = "zext",
    [IIR_OP_SEXT] = "sext",
    [IIR_OP_FPTOUI] = "fptoui",
    [IIR_OP_FPTOSI] = "fptosi",
    [IIR_OP_UITOFP] = "uitofp",
    [IIR_OP_SITOFP] = "sitofp",
    [IIR_OP_FPTRUNC] = "fptrunc",
    [IIR_OP_FPEXT] = "fpext",
    [IIR_OP_PTRTOINT] = "ptrtoint",
    [IIR_OP_INTTOPTR] = "inttoptr",
    [IIR_OP_BITCAST] = "bitcast",
    [IIR_OP_ADDRSPACECAST] = "addrspacecast",
    [IIR_OP_ICMP] = "icmp",
    [IIR_OP_FCMP] = "fcmp",
    [IIR_OP_PHI] = "phi",
    [IIR_OP_SELECT] = "select",
    [IIR_OP_CALL] = "call",
    [IIR_OP_EXTRACTELEMENT] = "extractelement",
    [IIR_OP_INSERTELEMENT] = "insertelement",
    [IIR_OP_SHUFFLEVECTOR] = "shufflevector",
    [IIR_OP_EXTRACTVALUE] = "extractvalue",
    [IIR_OP_INSERTVALUE] = "insertvalue",
    [IIR_OP_ALLOCA] = "alloca",
    [IIR_OP_LOAD] = "load",
    [IIR_OP_STORE] = "store",
    [IIR_OP_GEP] = "getelementptr",
    [IIR_OP_FREEZE] = "freeze",
};

const char *
iir_op_name(unsigned op)
{
    return op < IIR_OP_COUNT_ && op_names[op] ? op_names[op] : "?";
}
