/* SPDX-License-Identifier: MIT */
/*
 * Everything derived from the wire tables (STYLE §7): size rules, opcode constants, row
 * counts checked against protocol.md §11.6, opcode names, and typed field accessors generated
 * from the FIELD rows of ops_*.def and layout_v1.def: proto_get_<op>_<field>(body) reads a
 * field of a body we hold (zero when the body is too short: short input is zero-extended,
 * and the size rule already rejected it), proto_put_<op>_<field>(buf, size, value) writes one
 * (the guest encoder's side; out-of-range writes are dropped). Any thread.
 */
#ifndef LAGFX_PROTOCOL_OPS_H
#define LAGFX_PROTOCOL_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "memory/reader.h"

/* Size rule of a row (§11.1): at least `head` bytes; with `elem` != 0, a u32 count N at
 * body offset `count_off` and N elements of `elem` bytes after the head. */
struct proto_size_rule {
    uint32_t head;
    uint32_t elem;
    uint32_t count_off;
};

/* Parenthesised compound literals, so a rule passes through macro layers as one argument. */
#define SIZE_MIN(n)             ((struct proto_size_rule){ (n), 0, 0 })
#define SIZE_ARRAY(h, e)        ((struct proto_size_rule){ (h), (e), 4 }) /* head H: first, N */
#define SIZE_LIST(h, e)         ((struct proto_size_rule){ (h), (e), 0 }) /* count first */
#define SIZE_COUNTED(h, e, off) ((struct proto_size_rule){ (h), (e), (off) })

/* Highest inner opcode plus one (§10.6: values ≤ 0x1D0). */
#define PROTO_INNER_OPCODE_LIMIT 0x1D1u

/* Opcode constants. UseHeaps/UseResources come from the render table (shared, §10.7). */
enum proto_op {
#define OP(name, code, size, refs, fn) PROTO_OP_##name = (code),
#define OP_SHARED(name, code, size, refs, fn)
#include "protocol/ops_blit.def"
#include "protocol/ops_compute.def"
#include "protocol/ops_info.def"
#include "protocol/ops_render.def"
#undef OP_SHARED
#undef OP
};

enum proto_rows_render {
#define OP(name, code, size, refs, fn) PROTO_ROW_RENDER_##name,
#include "protocol/ops_render.def"
#undef OP
    PROTO_RENDER_ROWS
};
enum proto_rows_compute {
#define OP(name, code, size, refs, fn) PROTO_ROW_COMPUTE_##name,
#include "protocol/ops_compute.def"
#undef OP
    PROTO_COMPUTE_ROWS
};
enum proto_rows_blit {
#define OP(name, code, size, refs, fn) PROTO_ROW_BLIT_##name,
#include "protocol/ops_blit.def"
#undef OP
    PROTO_BLIT_ROWS
};
enum proto_rows_info {
#define OP(name, code, size, refs, fn) PROTO_ROW_INFO_##name,
#include "protocol/ops_info.def"
#undef OP
    PROTO_INFO_ROWS
};
_Static_assert(PROTO_RENDER_ROWS == 98, "protocol.md §11.2: 98 render rows");
_Static_assert(PROTO_COMPUTE_ROWS == 32, "protocol.md §11.3: 32 compute rows");
_Static_assert(PROTO_BLIT_ROWS == 24, "protocol.md §11.4: 24 blit rows");
_Static_assert(PROTO_INFO_ROWS == 15, "protocol.md §11.5: 15 info rows");
/* 95 + 32 + 24 catalogue rows (§11.6): the render table minus 0x1A, 0x2C, 0x3C. */
_Static_assert(PROTO_RENDER_ROWS - 3 + PROTO_COMPUTE_ROWS + PROTO_BLIT_ROWS == 151,
               "protocol.md §11.6: 151 catalogue rows");

/* Exact info reply sizes (§11.5; 0x1C4 adds 4 per layer, 0x1C8 is 8 per point). */
enum proto_reply_size {
#define REPLY(op, size) PROTO_REPLY_##op = (size),
#include "protocol/ops_info.def"
#undef REPLY
};

enum proto_magic {
#define MAGIC(name, value) PROTO_MAGIC_##name = (value),
#include "protocol/layout_v1.def"
#undef MAGIC
};

/* Name of an inner opcode by the table its range dispatches to (§10.7); NULL when unknown. */
const char *proto_inner_op_name(uint32_t opcode);

/* Field loads on bytes we hold; zero past the end. */
typedef uint8_t proto_u8;
typedef uint16_t proto_u16;
typedef uint32_t proto_u32;
typedef uint64_t proto_u64;
typedef int16_t proto_s16;
typedef int64_t proto_s64;
typedef float proto_f32;
typedef double proto_f64;

static inline bool
proto_fits(const struct mem_reader *b, size_t off, size_t len)
{
    return off <= b->size && len <= b->size - off;
}

static inline uint8_t
proto_rd_u8(const struct mem_reader *b, size_t off)
{
    return proto_fits(b, off, 1) ? b->p[off] : 0;
}

static inline uint16_t
proto_rd_u16(const struct mem_reader *b, size_t off)
{
    return proto_fits(b, off, 2) ? mem_le16(b->p + off) : 0;
}

static inline uint32_t
proto_rd_u32(const struct mem_reader *b, size_t off)
{
    return proto_fits(b, off, 4) ? mem_le32(b->p + off) : 0;
}

static inline uint64_t
proto_rd_u64(const struct mem_reader *b, size_t off)
{
    return proto_fits(b, off, 8) ? mem_le64(b->p + off) : 0;
}

static inline int16_t
proto_rd_s16(const struct mem_reader *b, size_t off)
{
    return (int16_t)proto_rd_u16(b, off);
}

static inline int64_t
proto_rd_s64(const struct mem_reader *b, size_t off)
{
    return (int64_t)proto_rd_u64(b, off);
}

static inline float
proto_rd_f32(const struct mem_reader *b, size_t off)
{
    uint32_t u = proto_rd_u32(b, off);
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static inline double
proto_rd_f64(const struct mem_reader *b, size_t off)
{
    uint64_t u = proto_rd_u64(b, off);
    double f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

/* Stores for encoders and replies; dropped when [off, off + n) is outside [0, size). */
static inline void
proto_wr_u8(uint8_t *p, size_t size, size_t off, uint8_t v)
{
    if (off < size)
        p[off] = v;
}

static inline void
proto_wr_u16(uint8_t *p, size_t size, size_t off, uint16_t v)
{
    if (off <= size && 2 <= size - off)
        mem_put_le16(p + off, v);
}

static inline void
proto_wr_u32(uint8_t *p, size_t size, size_t off, uint32_t v)
{
    if (off <= size && 4 <= size - off)
        mem_put_le32(p + off, v);
}

static inline void
proto_wr_u64(uint8_t *p, size_t size, size_t off, uint64_t v)
{
    if (off <= size && 8 <= size - off)
        mem_put_le64(p + off, v);
}

static inline void
proto_wr_s16(uint8_t *p, size_t size, size_t off, int16_t v)
{
    proto_wr_u16(p, size, off, (uint16_t)v);
}

static inline void
proto_wr_s64(uint8_t *p, size_t size, size_t off, int64_t v)
{
    proto_wr_u64(p, size, off, (uint64_t)v);
}

static inline void
proto_wr_f32(uint8_t *p, size_t size, size_t off, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof(u));
    proto_wr_u32(p, size, off, u);
}

static inline void
proto_wr_f64(uint8_t *p, size_t size, size_t off, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    proto_wr_u64(p, size, off, u);
}

/* Generated accessors and offsets: PROTO_OFF_<op>_<field>, proto_get_*, proto_put_*. */
#define FIELD(op, name, type, off)                                                      \
    enum { PROTO_OFF_##op##_##name = (off) };                                           \
    static inline proto_##type proto_get_##op##_##name(const struct mem_reader *b)      \
    {                                                                                   \
        return proto_rd_##type(b, (off));                                               \
    }                                                                                   \
    static inline void proto_put_##op##_##name(uint8_t *p, size_t size, proto_##type v) \
    {                                                                                   \
        proto_wr_##type(p, size, (off), v);                                             \
    }
#include "protocol/layout_v1.def"
#include "protocol/ops_blit.def"
#include "protocol/ops_compute.def"
#include "protocol/ops_info.def"
#include "protocol/ops_render.def"
#undef FIELD

/* GET(body, FillBuffer, value): a field of the body reader `b`. */
#define GET(b, op, name) proto_get_##op##_##name(b)
#define OFF(op, name)    ((size_t)PROTO_OFF_##op##_##name)

#endif /* LAGFX_PROTOCOL_OPS_H */
