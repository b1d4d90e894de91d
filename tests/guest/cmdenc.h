/* SPDX-License-Identifier: MIT */
/*
 * Guest-side encoder of command buffers (protocol.md §10-§13): segments (type-5 nesting
 * included), inner commands of every row of §11.2-§11.5 with realistic values, and the object
 * descriptors of the §13 layouts. Field offsets come only from the decoder's wire tables
 * (the .def files of src/protocol, through protocol/ops.h), so encoder and decoder share
 * each conjecture.
 * Used by the decode tests, the benchmark, the fuzz seed corpus and later the guest simulator.
 * Single-threaded; plain libc allocation (test code).
 */
#ifndef LAGFX_TESTS_GUEST_CMDENC_H
#define LAGFX_TESTS_GUEST_CMDENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDENC_MAX_DEPTH 8

struct cmdenc {
    uint8_t *buf;
    size_t len, cap;
    bool oom;
    size_t open[CMDENC_MAX_DEPTH]; /* offsets of open segment headers */
    int depth;
};

void cmdenc_init(struct cmdenc *e);
void cmdenc_free(struct cmdenc *e);
void cmdenc_reset(struct cmdenc *e);
/* Appends raw bytes (metadata before the first segment, malformed input). */
void cmdenc_raw(struct cmdenc *e, const void *p, size_t n);
/* Opens a segment of encoder `type`; type 5 also writes the u64 protection options (C14). */
void cmdenc_segment_begin(struct cmdenc *e, uint8_t type);
/* Closes the innermost segment and patches its size. */
void cmdenc_segment_end(struct cmdenc *e);
/* Appends an inner header {opcode, 8 + body_len} and returns the zeroed body (valid until the
 * next append), or NULL on allocation failure. */
uint8_t *cmdenc_inner(struct cmdenc *e, uint32_t opcode, size_t body_len);

/* Objects an encoded command refers to (refs of the task's slot table). */
struct cmdenc_refs {
    uint32_t buffer, buffer2, index_buffer;
    uint32_t texture, texture2;
    uint32_t sampler, depth_stencil;
    uint32_t render_pipeline, compute_pipeline;
    uint32_t other;    /* a fence, heap or unknown-type ref */
    uint32_t reply_id; /* resource-table index of the reply buffer for info queries */
};

/* Body size cmdenc_op uses for a row (head plus its realistic element count). 0: unknown. */
size_t cmdenc_op_body_size(uint32_t opcode);
/* Encodes one inner command of any row of §11.2-§11.5 with realistic values (every FIELD of
 * the row set; counted rows carry 2 elements, 1 for lists of points). 0x1A encodes a pass on
 * refs->texture, Clear (0.25, 0.5, 0.75, 1), Store. Returns false for an unknown opcode. */
bool cmdenc_op(struct cmdenc *e, uint32_t opcode, const struct cmdenc_refs *refs);
/* A 0x1A whose colour attachment 0 is `texture` (load 2 Clear / 1 Load / 0 DontCare). */
void cmdenc_render_pass(struct cmdenc *e,
                        uint32_t texture,
                        uint16_t load,
                        const double clear[4],
                        uint64_t width,
                        uint64_t height);

/* ---- object descriptors (§13.2, §13.5-§13.12) ---- */
void cmdenc_slot(uint8_t out[12], uint8_t type, uint64_t desc_va);
/* Placement with one entry {size, vpn} (buffers: the whole descriptor, 64 bytes). */
void cmdenc_desc_buffer(uint8_t out[64], uint64_t size, uint32_t vpn);
struct cmdenc_texture {
    uint32_t type, format, width, height, levels, layers, samples, usage, storage;
    uint32_t bytes_per_row, iosurface;
    uint64_t place_size;
    uint32_t place_vpn;
};
void cmdenc_desc_texture(uint8_t out[0x80], const struct cmdenc_texture *t);
void cmdenc_desc_view(uint8_t out[0x28], uint32_t parent, uint32_t format, uint32_t base_level);
/* SMP1: filter 0 Nearest / 1 Linear, address mode for s, t, r. */
void cmdenc_desc_sampler(uint8_t out[32], uint8_t filter, uint8_t address);
/* DSS1 with depth compare and write; stencil off. */
void cmdenc_desc_depth_stencil(uint8_t out[32], uint8_t compare, bool write);
void cmdenc_desc_function(uint8_t out[16], uint64_t mtlb_va);
/* A one-function MTLB container (air.md §2.5 shape) of `stage` with a tiny bitcode slot;
 * returns its length (≤ cap), 0 if cap is too small. */
size_t cmdenc_mtlb(uint8_t *out, size_t cap, uint8_t stage);
/* RPS1 with one colour target of `format` (premultiplied blending), one Float4 attribute at
 * buffer 0 and one layout of stride 16; returns the size (0xB0 + 24). */
size_t cmdenc_desc_rps1(uint8_t *out, size_t cap, uint32_t vfn, uint32_t ffn, uint32_t format);
void cmdenc_desc_cps1(uint8_t out[32], uint32_t fn);

/* ExecIndirect payload (§10.1): {task, dc, rc, descriptors, resources}. */
struct cmdenc_exec_desc {
    uint32_t ref, flags;
};
struct cmdenc_exec_res {
    uint64_t va;
    uint32_t len;
};
/* Returns the payload length written into out (0 if cap is too small). */
size_t cmdenc_exec(uint8_t *out,
                   size_t cap,
                   uint32_t task,
                   const struct cmdenc_exec_desc *desc,
                   uint32_t dc,
                   const struct cmdenc_exec_res *res,
                   uint32_t rc);

#endif /* LAGFX_TESTS_GUEST_CMDENC_H */
