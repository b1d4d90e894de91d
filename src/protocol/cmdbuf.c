/* SPDX-License-Identifier: MIT */
/*
 * ExecIndirect decoding (protocol.md §10): payload validation and caps, descriptor flags,
 * resource entries copied out of task memory once (decode never reads guest memory twice),
 * command-stream detection, segments with type-5 nesting, inner headers, dispatch by opcode
 * range (§10.7), per-segment encoder state (§10.8) and the generic handlers of the N, U,
 * U-star and Y rows.
 * Table handlers live in inner_render.c, inner_compute.c, inner_blit.c, inner_info.c.
 * Runs on the protocol worker that owns the task.
 */
#include "protocol/cmdbuf.h"

#include <string.h>

#include "protocol/inner.h"
#include "protocol/limits.h"
#include "util/alloc.h"
#include "util/checked.h"
#include "util/log.h"

#define EXEC_HEAD       12u
#define EXEC_DESC_SIZE  24u
#define EXEC_RES_SIZE   16u
#define SEG_HEADER      8u
#define INNER_HEADER    8u
#define ENC_NESTED      5u
#define DETECT_BYTES    96u /* offset 8 + 4 nested type-5 headers of 16 + inner header 16 */
#define DESC_FLAG_SYNC  0x001u
#define DESC_FLAG_INVAL 0x100u

/* ---- names ---- */

static const char *
render_name(uint32_t op)
{
    switch (op) {
#define OP(name, code, size, refs, fn) \
    case (code):                       \
        return #name;
#include "protocol/ops_render.def"
#undef OP
    default:
        return NULL;
    }
}

static const char *
compute_name(uint32_t op)
{
    switch (op) {
#define OP(name, code, size, refs, fn) \
    case (code):                       \
        return #name;
#include "protocol/ops_compute.def"
#undef OP
    default:
        return NULL;
    }
}

static const char *
blit_name(uint32_t op)
{
    switch (op) {
#define OP(name, code, size, refs, fn) \
    case (code):                       \
        return #name;
#include "protocol/ops_blit.def"
#undef OP
    default:
        return NULL;
    }
}

static const char *
info_name(uint32_t op)
{
    switch (op) {
#define OP(name, code, size, refs, fn) \
    case (code):                       \
        return #name;
#include "protocol/ops_info.def"
#undef OP
    default:
        return NULL;
    }
}

const char *
proto_inner_op_name(uint32_t op)
{
    if (op >= 0x1C2 && op <= 0x1D0)
        return info_name(op);
    if (op >= 0x12C && op <= 0x143)
        return blit_name(op);
    if (op >= 0xC8 && op <= 0xE6)
        return compute_name(op);
    return render_name(op);
}

/* ---- DR and faults ---- */

void
proto_dr(struct proto_dec *d, enum ut_gerr kind, const char *what, uint64_t value)
{
    const char *name = proto_inner_op_name(d->op);
    ut_guest_error_once(d->errs, kind, UT_NS_INNER,
                        d->op < UT_NS_OPCODES ? d->op : UT_NS_OPCODES - 1,
                        "task=%u op=0x%x (%s): %s (0x%llx)", d->task->id, d->op, name ? name : "?",
                        what, (unsigned long long)value);
}

void
proto_fault(struct proto_dec *d, const char *reason, uint64_t value)
{
    if (d->fault)
        return;
    d->fault = true;
    d->fault_reason = reason;
    ut_guest_error(d->errs, UT_GERR_TASK_FAULT, "task=%u channel command buffer: %s (0x%llx)",
                   d->task->id, reason, (unsigned long long)value);
}

bool
proto_size_ok(struct proto_dec *d,
              const struct proto_size_rule *rule,
              const struct mem_reader *b,
              uint32_t *n)
{
    if (b->size < rule->head) {
        proto_dr(d, UT_GERR_INNER_SHORT, "body shorter than its row", b->size);
        return false;
    }
    if (rule->elem) {
        uint32_t count = proto_rd_u32(b, rule->count_off);
        if (count > (b->size - rule->head) / rule->elem) {
            proto_dr(d, UT_GERR_INNER_SHORT, "element count beyond the body", count);
            return false;
        }
        *n = count;
    }
    return true;
}

/* ---- generic handlers (§11.1 Act N, U, U*, Y) ---- */

void
op_nop(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    (void)d;
    (void)b;
    (void)n;
}

void
op_unsupported(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_dr(d, UT_GERR_INNER_UNSUPPORTED, "unsupported in v1, skipped", 0);
}

void
op_unsupported_cf(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    proto_dr(d, UT_GERR_INNER_UNSUPPORTED, "unsupported control flow, rest of segment skipped", 0);
    d->skip_rest = true;
}

void
op_barrier(struct proto_dec *d, const struct mem_reader *b, uint32_t n)
{
    struct be_barrier bar = { .scope = 0x7, .in_pass = d->pass.active };
    if (d->op == PROTO_OP_BarrierScope) {
        uint32_t scope = GET(b, BarrierScope, scope) & 0x7;
        if (!scope) {
            proto_dr(d, UT_GERR_INNER_VALUE, "empty barrier scope", 0);
            return;
        }
        bar.scope = scope;
    }
    d->ops->barrier(d->be, &bar);
}

/* ---- segments ---- */

static void
segment_reset(struct proto_dec *d, uint8_t type)
{
    d->enc_type = type;
    d->shared_class = 0;
    d->skip_rest = false;
    memset(&d->pass, 0, sizeof(d->pass));
    d->render_pipeline = NULL;
    d->compute_pipeline = NULL;
    memset(d->buffer_bound, 0, sizeof(d->buffer_bound));
    d->ops->encoder_reset(d->be);
}

static inline bool
is_render_op(uint32_t op)
{
    return op <= 0x1D || op == 0x2C || op == 0x3C || (op >= 0x65 && op <= 0x85) ||
           (op >= 0x88 && op <= 0xA6);
}

static inline bool
is_compute_op(uint32_t op)
{
    return (op >= 0xC8 && op <= 0xDA) || (op >= 0xDC && op <= 0xE6);
}

static void
dispatch(struct proto_dec *d, uint32_t raw, const struct mem_reader *b)
{
    uint32_t op = raw & 0xFFFF; /* C15 */
    d->op = op;
    if (raw >> 16)
        UT_DEBUG(d->env->dev, "cmdbuf", "task=%u op=0x%x: high opcode bits ignored", d->task->id,
                 raw);
    if (d->env->op_counts && op < PROTO_INNER_OPCODE_LIMIT)
        d->env->op_counts[op]++;
    bool known;
    if (is_render_op(op)) {
        if (!d->shared_class)
            d->shared_class = 1;
        known = proto_render_dispatch(d, op, b);
    } else if (is_compute_op(op)) {
        if (!d->shared_class)
            d->shared_class = 2;
        known = proto_compute_dispatch(d, op, b);
    } else if (op == 0x86 || op == 0x87) {
        uint8_t cls = d->shared_class ? d->shared_class : d->enc_type == 2 ? 1 : 2;
        if (cls == 1)
            d->env->shared_as_render++;
        else
            d->env->shared_as_compute++;
        known = cls == 1 ? proto_render_dispatch(d, op, b) : proto_compute_dispatch(d, op, b);
    } else if (op >= 0x12C && op <= 0x143) {
        known = proto_blit_dispatch(d, op, b);
    } else if (op >= 0x1C2 && op <= 0x1D0) {
        known = proto_info_dispatch(d, op, b);
    } else {
        known = false;
    }
    if (!known)
        proto_dr(d, UT_GERR_INNER_UNKNOWN, "unknown inner opcode, skipped", op);
}

static void decode_segments(struct proto_dec *d, const uint8_t *p, size_t len, uint32_t depth);

static void
decode_segment(struct proto_dec *d, const uint8_t *seg, uint32_t size, uint32_t depth)
{
    uint8_t type = seg[4];
    if (type == ENC_NESTED) {
        /* C14: u64 protection options, then nested segments (later-segment rules). */
        if (depth + 1 > PROTO_MAX_SEGMENT_DEPTH) {
            proto_fault(d, "segment nesting deeper than 4", depth + 1);
            return;
        }
        if (size > SEG_HEADER + 8)
            decode_segments(d, seg + SEG_HEADER + 8, size - SEG_HEADER - 8, depth + 1);
        return;
    }
    if (type != 0 && type != 1 && type != 2 && type != 4)
        UT_DEBUG(d->env->dev, "cmdbuf", "task=%u: segment encoder type %u", d->task->id, type);
    segment_reset(d, type);
    uint32_t pos = SEG_HEADER;
    while (pos < size && !d->fault) {
        uint32_t left = size - pos;
        if (left < INNER_HEADER) {
            proto_fault(d, "inner header overruns its segment", left);
            break;
        }
        uint32_t op = mem_le32(seg + pos);
        uint32_t len = mem_le32(seg + pos + 4);
        if (len < INNER_HEADER || len > left) {
            proto_fault(d, "inner command length", len);
            break;
        }
        if (++d->inner_count > PROTO_MAX_INNER_CMDS) {
            proto_fault(d, "more than 262144 inner commands", d->inner_count);
            break;
        }
        if (!d->skip_rest) {
            struct mem_reader body;
            mem_reader_init(&body, seg + pos + INNER_HEADER, len - INNER_HEADER);
            dispatch(d, op, &body);
        }
        pos += len;
    }
    if (d->pass.active)
        proto_renderpass_end(d);
}

static void
decode_segments(struct proto_dec *d, const uint8_t *p, size_t len, uint32_t depth)
{
    size_t pos = 0;
    while (!d->fault) {
        size_t left = len - pos;
        if (left < SEG_HEADER)
            break;
        uint32_t size = mem_le32(p + pos);
        if (size == 0)
            break;
        if (size < SEG_HEADER || size > left) {
            proto_fault(d, "segment length", size);
            break;
        }
        decode_segment(d, p + pos, size, depth);
        pos += size;
    }
}

/* §10.4 strict first-segment check: `have` bytes held at p, `remaining` in the entry. */
static bool
first_segment_ok(const uint8_t *p, size_t have, size_t remaining, uint32_t nest)
{
    if (remaining < SEG_HEADER || have < SEG_HEADER)
        return false;
    uint32_t size = mem_le32(p);
    uint8_t type = p[4];
    if (size < SEG_HEADER || size > remaining || size % 4 || p[7] != 0 ||
        !(type == 0 || type == 1 || type == 2 || type == 4 || type == 5))
        return false;
    if (size < 16)
        return true;
    if (type == ENC_NESTED) {
        /* Beyond the bytes held for detection (recursion ≤ DETECT_BYTES / 16 deep), decoding
         * judges the nesting: a chain deeper than 4 is a task fault there, not data. */
        if (have < 16 + SEG_HEADER || nest >= DETECT_BYTES / 16)
            return true;
        return first_segment_ok(p + 16, have - 16, size - 16, nest + 1);
    }
    if (have < 16)
        return false;
    uint32_t inner = mem_le32(p + SEG_HEADER + 4);
    return inner >= INNER_HEADER && inner <= size - SEG_HEADER;
}

/* Entry start: 0 or 8, or -1 when the entry is data (§10.3). */
static int
stream_start(const uint8_t *p, size_t have, size_t len)
{
    for (size_t start = 0; start <= 8; start += 8) {
        if (start + SEG_HEADER > have)
            break;
        if (first_segment_ok(p + start, have - start, len - start, 1))
            return (int)start;
    }
    return -1;
}

static void
decode_entry(struct proto_dec *d, const uint8_t *p, size_t len)
{
    int start = stream_start(p, len, len);
    if (start < 0) {
        UT_DEBUG(d->env->dev, "cmdbuf", "task=%u: resource entry is data (%zu bytes)", d->task->id,
                 len);
        return;
    }
    decode_segments(d, p + start, len - (size_t)start, 1);
}

static void
dec_init(struct proto_dec *d, struct proto_decode_env *env)
{
    memset(d, 0, sizeof(*d));
    d->env = env;
    d->be = env->be;
    d->ops = env->be->ops;
    d->errs = env->errs;
    d->task = env->task;
}

static lagfx_status_t
dec_finish(struct proto_dec *d)
{
    d->env->inner_commands += d->inner_count;
    ut_free(d->used);
    d->used = NULL;
    d->nused = d->cap_used = 0;
    if (d->fault) {
        d->ops->discard(d->be);
        return LAGFX_ERROR_GUEST_FAULT;
    }
    return LAGFX_OK;
}

lagfx_status_t
proto_cmdbuf_decode_stream(struct proto_decode_env *env,
                           const uint8_t *bytes,
                           size_t len,
                           const uint64_t *res_va,
                           const uint32_t *res_len,
                           uint32_t rc)
{
    struct proto_dec d;
    dec_init(&d, env);
    struct proto_res res[PROTO_MAX_EXEC_RESOURCES];
    if (rc > PROTO_MAX_EXEC_RESOURCES)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < rc; i++)
        res[i] = (struct proto_res){ .va = res_va[i], .len = res_len[i] };
    d.res = res;
    d.rc = rc;
    lagfx_status_t st = proto_objects_begin(&d);
    if (st != LAGFX_OK)
        return st;
    d.coherent = true;
    if (len > PROTO_MAX_RESOURCE_LEN) {
        proto_fault(&d, "resource entry longer than 4 MiB", len);
        return dec_finish(&d);
    }
    decode_entry(&d, bytes, len);
    if (!d.fault)
        proto_buffers_write_back(&d);
    return dec_finish(&d);
}

lagfx_status_t
proto_cmdbuf_exec(struct proto_decode_env *env, const uint8_t *payload, size_t len)
{
    if (len <= 8)
        return LAGFX_OK; /* empty commit (§10.1) */
    struct proto_dec d;
    dec_init(&d, env);
    if (len < EXEC_HEAD) {
        ut_guest_error(env->errs, UT_GERR_OUTER_PAYLOAD,
                       "task=%u ExecIndirect payload of %zu bytes", env->task->id, len);
        return LAGFX_OK;
    }
    uint32_t dc = mem_le32(payload + 4), rc = mem_le32(payload + 8);
    /* Caps before any arithmetic or allocation (item 65). */
    if (dc > PROTO_MAX_EXEC_DESCRIPTORS || rc > PROTO_MAX_EXEC_RESOURCES) {
        proto_fault(&d, "descriptor or resource count above its cap", ((uint64_t)dc << 32) | rc);
        return dec_finish(&d);
    }
    size_t need = EXEC_HEAD + (size_t)EXEC_DESC_SIZE * dc + (size_t)EXEC_RES_SIZE * rc;
    if (len < need) {
        proto_fault(&d, "payload shorter than its tables", len);
        return dec_finish(&d);
    }
    struct proto_res res[PROTO_MAX_EXEC_RESOURCES];
    const uint8_t *rt = payload + EXEC_HEAD + (size_t)EXEC_DESC_SIZE * dc;
    for (uint32_t i = 0; i < rc; i++) {
        res[i].va = mem_le64(rt + EXEC_RES_SIZE * i);
        res[i].len = mem_le32(rt + EXEC_RES_SIZE * i + 8);
        res[i].reply = false;
        if (res[i].len > PROTO_MAX_RESOURCE_LEN) {
            proto_fault(&d, "resource entry longer than 4 MiB", res[i].len);
            return dec_finish(&d);
        }
    }
    d.res = res;
    d.rc = rc;
    lagfx_status_t st = proto_objects_begin(&d);
    if (st != LAGFX_OK)
        return st;
    d.coherent = true; /* buffers: refreshed on first use, written back at the end */

    /* §10.9 step 1: refresh the objects named with flag 0x100 (C13). */
    const uint8_t *desc = payload + EXEC_HEAD;
    for (uint32_t i = 0; i < dc; i++) {
        uint32_t ref = mem_le32(desc + EXEC_DESC_SIZE * i),
                 flags = mem_le32(desc + EXEC_DESC_SIZE * i + 4);
        d.op = 0;
        if (flags & ~(DESC_FLAG_SYNC | DESC_FLAG_INVAL))
            ut_guest_error_once(env->errs, UT_GERR_OUTER_VALUE, UT_NS_ROOT, 0x20,
                                "task=%u descriptor ref=0x%x: unknown flags 0x%x", env->task->id,
                                ref, flags);
        if (!(flags & DESC_FLAG_INVAL))
            continue;
        struct proto_obj *obj = proto_obj_resolve(&d, ref);
        if (obj && (obj->kind == PROTO_OBJ_BUFFER || obj->kind == PROTO_OBJ_TEXTURE) && !obj->view)
            proto_obj_refresh(&d, obj);
        else if (ref)
            ut_guest_error_once(env->errs, UT_GERR_REF, UT_NS_ROOT, 0x20,
                                "task=%u descriptor ref=0x%x does not resolve", env->task->id, ref);
    }

    /* §10.9 step 2: every command-stream entry, in order, from one private copy each. */
    uint8_t *buf = NULL;
    size_t cap = 0;
    for (uint32_t i = 0; i < rc && !d.fault; i++) {
        if (res[i].reply || res[i].len == 0)
            continue;
        uint8_t head[DETECT_BYTES];
        size_t have = UT_MIN((size_t)res[i].len, sizeof(head));
        if (!proto_read_va(&d, res[i].va, head, have) || stream_start(head, have, res[i].len) < 0) {
            UT_DEBUG(env->dev, "cmdbuf", "task=%u: entry %u is data", env->task->id, i);
            continue;
        }
        if (d.stream_bytes + res[i].len > PROTO_MAX_STREAM_BYTES) {
            proto_fault(&d, "more than 16 MiB of command streams", d.stream_bytes + res[i].len);
            break;
        }
        d.stream_bytes += res[i].len;
        if (res[i].len > cap) {
            uint8_t *nb = ut_realloc_array(buf, res[i].len, 1);
            if (!nb) {
                ut_free(buf);
                d.ops->discard(d.be);
                ut_free(d.used);
                return LAGFX_ERROR_OUT_OF_MEMORY;
            }
            buf = nb;
            cap = res[i].len;
        }
        if (!proto_read_va(&d, res[i].va, buf, res[i].len)) {
            proto_fault(&d, "command stream does not translate", res[i].va);
            break;
        }
        if (env->stream_hook)
            env->stream_hook(env->stream_user, i, res[i].va, buf, res[i].len);
        decode_entry(&d, buf, res[i].len);
    }
    ut_free(buf);

    /* §10.9 step 4 (recorded now, run by the backend after the GPU work): buffer coherence,
     * then flag 0x1. */
    if (!d.fault)
        proto_buffers_write_back(&d);
    for (uint32_t i = 0; i < dc && !d.fault; i++) {
        uint32_t ref = mem_le32(desc + EXEC_DESC_SIZE * i),
                 flags = mem_le32(desc + EXEC_DESC_SIZE * i + 4);
        if (!(flags & DESC_FLAG_SYNC))
            continue;
        d.op = 0;
        proto_obj_write_back(&d, proto_obj_resolve(&d, ref), true, 0, 0);
    }
    return dec_finish(&d);
}

lagfx_status_t
proto_cmdbuf_synchronize(struct proto_decode_env *env, const uint32_t *refs, uint32_t count)
{
    struct proto_dec d;
    dec_init(&d, env);
    lagfx_status_t st = proto_objects_begin(&d);
    if (st != LAGFX_OK)
        return st;
    for (uint32_t i = 0; i < count; i++) {
        struct proto_obj *obj = proto_obj_resolve(&d, refs[i]);
        if (!obj) {
            ut_guest_error_once(env->errs, UT_GERR_REF, UT_NS_ROOT, 0x22,
                                "task=%u SynchronizeResources ref=0x%x does not resolve",
                                env->task->id, refs[i]);
            continue;
        }
        proto_obj_write_back(&d, obj, true, 0, 0);
    }
    return LAGFX_OK;
}
