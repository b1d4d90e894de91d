/* SPDX-License-Identifier: MIT */
/*
 * The bounded reader (STYLE §6): every guest byte is read through a struct mem_reader, a
 * cursor over bytes we hold (a private copy, or a host view of a range src/memory checked).
 * A read past the end returns zeros, consumes nothing and sets a sticky flag: read a whole
 * record, test once, then act. All values little-endian; fields may be unaligned. Any thread
 * (a reader belongs to one thread at a time).
 */
#ifndef LAGFX_MEMORY_READER_H
#define LAGFX_MEMORY_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mem_reader {
    const uint8_t *p; /* private copy or checked host view, never a raw GPA */
    size_t size;
    size_t pos;
    bool failed; /* sticky */
};

static inline void
mem_reader_init(struct mem_reader *r, const void *p, size_t size)
{
    r->p = (const uint8_t *)p;
    r->size = p ? size : 0;
    r->pos = 0;
    r->failed = false;
}

static inline size_t
mem_reader_left(const struct mem_reader *r)
{
    return r->size - r->pos; /* pos <= size always holds */
}

static inline bool
mem_reader_take(struct mem_reader *r, void *dst, size_t len)
{
    if (r->failed || len > r->size - r->pos) {
        r->failed = true;
        memset(dst, 0, len);
        return false;
    }
    memcpy(dst, r->p + r->pos, len);
    r->pos += len;
    return true;
}

/* Skips len bytes; past the end: sticky failure, nothing consumed. */
static inline bool
mem_reader_skip(struct mem_reader *r, size_t len)
{
    if (r->failed || len > r->size - r->pos) {
        r->failed = true;
        return false;
    }
    r->pos += len;
    return true;
}

static inline uint8_t
mem_read_u8(struct mem_reader *r)
{
    uint8_t v;
    mem_reader_take(r, &v, 1);
    return v;
}

static inline uint16_t
mem_read_u16(struct mem_reader *r)
{
    uint8_t b[2];
    mem_reader_take(r, b, 2);
    return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t
mem_read_u32(struct mem_reader *r)
{
    uint8_t b[4];
    mem_reader_take(r, b, 4);
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline uint64_t
mem_read_u64(struct mem_reader *r)
{
    uint64_t lo = mem_read_u32(r);
    uint64_t hi = mem_read_u32(r);
    return lo | (hi << 32);
}

static inline float
mem_read_f32(struct mem_reader *r)
{
    uint32_t u = mem_read_u32(r);
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

/* Zero-fills dst on failure. */
static inline void
mem_read_bytes(struct mem_reader *r, void *dst, size_t len)
{
    mem_reader_take(r, dst, len);
}

/* A child cursor over the next len bytes, which the parent skips. On failure the child is
 * empty and failed, and the parent is failed too. */
static inline struct mem_reader
mem_reader_sub(struct mem_reader *r, size_t len)
{
    struct mem_reader c = { NULL, 0, 0, true };
    if (r->failed || len > r->size - r->pos) {
        r->failed = true;
        return c;
    }
    c.p = r->p + r->pos;
    c.size = len;
    c.failed = false;
    r->pos += len;
    return c;
}

/* Little-endian loads and stores on byte arrays we own (no cursor, no bounds: the caller
 * checked the range). */
static inline uint32_t
mem_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint16_t
mem_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint64_t
mem_le64(const uint8_t *p)
{
    return (uint64_t)mem_le32(p) | ((uint64_t)mem_le32(p + 4) << 32);
}

static inline void
mem_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void
mem_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void
mem_put_le64(uint8_t *p, uint64_t v)
{
    mem_put_le32(p, (uint32_t)v);
    mem_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif /* LAGFX_MEMORY_READER_H */
