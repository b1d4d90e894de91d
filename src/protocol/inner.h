/* SPDX-License-Identifier: MIT */
/*
 * Decoder state shared by cmdbuf.c, resource.c, renderpass.c and the inner_*.c handlers: one
 * struct proto_dec per ExecIndirect, holding the resource table, caps counters and the
 * per-segment encoder state of protocol.md §10.8. Handlers get the body as a bounded reader
 * whose size already passed the row's size rule, and the element count N of counted rows.
 * Runs on the protocol worker that owns the task.
 */
#ifndef LAGFX_PROTOCOL_INNER_H
#define LAGFX_PROTOCOL_INNER_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "memory/reader.h"
#include "protocol/cmdbuf.h"
#include "protocol/limits.h"
#include "protocol/ops.h"
#include "protocol/resource.h"

/* One resource-table entry of the ExecIndirect (§10.1). */
struct proto_res {
    uint64_t va;
    uint32_t len;
    bool reply; /* named as a reply buffer by an info query: not a command stream (§10.3) */
};

/* The current render pass (§12.3), as draws check it (§13.12 pass compatibility). */
struct proto_pass {
    bool active;
    uint32_t width, height;
    uint32_t color_format[BE_MAX_COLOR_ATTACHMENTS]; /* 0 = inactive */
    uint32_t depth_format, stencil_format, samples;
};

struct proto_dec {
    struct proto_decode_env *env;
    struct be *be;
    const struct be_ops *ops;
    struct ut_guest_errors *errs;
    struct proto_task *task;
    struct proto_objects *objs;
    /* This ExecIndirect. */
    struct proto_res *res;
    uint32_t rc;
    uint64_t inner_count;  /* against PROTO_MAX_INNER_CMDS */
    uint64_t stream_bytes; /* against PROTO_MAX_STREAM_BYTES */
    bool fault;            /* sticky: a Fact-level violation, the ExecIndirect is dropped */
    const char *fault_reason;
    uint32_t resolve_depth; /* object resolution nesting (views, pipelines) */
    /* Buffer coherence (ExecIndirect decoding only): refresh on first use, and the buffers
     * used, for the write-backs at the end (resource.c). */
    bool coherent;
    struct proto_obj **used;
    uint32_t nused, cap_used;
    /* Segment state (§10.8): reset at every segment start. */
    uint32_t op; /* inner opcode being decoded, for logs */
    uint8_t enc_type;
    uint8_t shared_class; /* 0 none yet, 1 render, 2 compute (§10.7, 0x86/0x87) */
    bool skip_rest;       /* U*: the rest of the segment is skipped */
    struct proto_pass pass;
    struct proto_obj *render_pipeline;
    struct proto_obj *compute_pipeline;
    int8_t pipeline_fits_pass; /* -1 unknown; else the §13.12 check for this pipeline and pass */
    uint32_t buffer_bound[BE_STAGE_COUNT]; /* bit i: buffers[stage][i] is bound */
    struct be_buffer_binding buffers[BE_STAGE_COUNT][PROTO_MAX_BUFFER_INDEX];
};

typedef void proto_handler_fn(struct proto_dec *d, const struct mem_reader *b, uint32_t n);

/* Generic handlers (cmdbuf.c): N, U, U* and Y rows of §11.1. */
proto_handler_fn op_nop, op_unsupported, op_unsupported_cf, op_barrier;

/* Checks a body against its row's size rule (DR1); on failure logs once and returns false.
 * *n receives the element count of counted rows. */
bool proto_size_ok(struct proto_dec *d,
                   const struct proto_size_rule *rule,
                   const struct mem_reader *b,
                   uint32_t *n);

/* DR2/DR3: logs once per inner opcode and counts; the command (or part) is skipped. */
void proto_dr(struct proto_dec *d, enum ut_gerr kind, const char *what, uint64_t value);

/* Marks a Fact-level violation: the ExecIndirect is dropped and the task faults. */
void proto_fault(struct proto_dec *d, const char *reason, uint64_t value);

/* Table dispatchers: false when the opcode is not a row of that table. */
bool proto_render_dispatch(struct proto_dec *d, uint32_t op, const struct mem_reader *b);
bool proto_compute_dispatch(struct proto_dec *d, uint32_t op, const struct mem_reader *b);
bool proto_blit_dispatch(struct proto_dec *d, uint32_t op, const struct mem_reader *b);
bool proto_info_dispatch(struct proto_dec *d, uint32_t op, const struct mem_reader *b);

/* Render pass (renderpass.c): 0x1A; ends the current pass first. */
void proto_renderpass_begin(struct proto_dec *d, const struct mem_reader *b);
void proto_renderpass_end(struct proto_dec *d);

/* Task-VA access for the decoder (env->io). */
static inline bool
proto_read_va(struct proto_dec *d, uint64_t va, void *dst, size_t len)
{
    return d->env->io.read(d->env->io.user, va, dst, len);
}

static inline bool
proto_write_va(struct proto_dec *d, uint64_t va, const void *src, size_t len)
{
    return d->env->io.write(d->env->io.user, va, src, len);
}

/* Size rule check with the rule a constant (folds per case); the slow path only logs. */
static inline bool
proto_size_fast(const struct proto_size_rule *rule, const struct mem_reader *b, uint32_t *n)
{
    if (b->size < rule->head)
        return false;
    if (!rule->elem)
        return true;
    uint32_t count = proto_rd_u32(b, rule->count_off);
    *n = count;
    return count <= (b->size - rule->head) / rule->elem;
}

/* The table switch: OP rows become cases checking the size rule, then calling the handler. */
#define PROTO_DISPATCH_CASE(name, code, rule, refs, fn)                          \
    case (code): {                                                               \
        const struct proto_size_rule rule_ = rule;                               \
        uint32_t n_ = 0;                                                         \
        if (proto_size_fast(&rule_, b, &n_) || proto_size_ok(d, &rule_, b, &n_)) \
            fn(d, b, n_);                                                        \
        return true;                                                             \
    }

/* Registry fast path: a ref already resolved in this outer command (resource.c owns the rest). */
static inline struct proto_obj *
proto_obj_get(struct proto_dec *d, uint32_t ref)
{
    const struct proto_objects *o = d->objs;
    if (ref < o->slot_count) {
        struct proto_obj *page = o->pages[ref >> PROTO_OBJ_PAGE_SHIFT];
        if (page) {
            struct proto_obj *obj = &page[ref & (PROTO_OBJ_PAGE - 1)];
            if (obj->epoch == o->epoch)
                return obj->slot_type ? obj : NULL;
        }
    }
    return proto_obj_resolve(d, ref);
}

/* resolve + usable + kind in `kinds` (PROTO_KIND_BIT mask); otherwise DR3 and NULL. */
static inline struct proto_obj *
proto_obj_expect(struct proto_dec *d, uint32_t ref, uint32_t kinds)
{
    struct proto_obj *obj = proto_obj_get(d, ref);
    if (obj && obj->usable && (kinds & PROTO_KIND_BIT(obj->kind)))
        return obj;
    return proto_obj_reject(d, ref, obj);
}

/* Reports a destination texture that views an IOSurface (protocol.md §15.5 source a). */
static inline void
proto_note_written(struct proto_dec *d, const struct proto_obj *tex)
{
    if (tex && tex->u.tex.iosurface && d->env->surface_written)
        d->env->surface_written(d->env->surface_user, tex->u.tex.iosurface);
}

#endif /* LAGFX_PROTOCOL_INNER_H */
