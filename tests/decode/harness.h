/* SPDX-License-Identifier: MIT */
/*
 * Decode test harness: a fake task address space (sparse 4 KiB pages, scatterable and
 * unmappable) behind struct proto_guest_io, a task with a slot table, object builders that
 * write §13 descriptors with cmdenc, the recording backend, and golden-file comparison
 * (LAGFX_UPDATE_GOLDEN=1 rewrites). Single-threaded test code.
 */
#ifndef LAGFX_TESTS_DECODE_HARNESS_H
#define LAGFX_TESTS_DECODE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "cmdenc.h"
#include "protocol/cmdbuf.h"
#include "protocol/task.h"
#include "util/guest_errors.h"

#define FAKE_PAGES 16384 /* 64 MiB of task VA */

struct fakemem {
    uint8_t *page[FAKE_PAGES]; /* NULL: unmapped */
    uint64_t reads, writes;
};

/* Fixed task layout (VA). */
#define H_SLOTS_VA   0x100000u
#define H_DESC_VA    0x200000u /* descriptor r at H_DESC_VA + 0x1000 r (one page each) */
#define H_DATA_VA    0x400000u /* object data, allocated upward */
#define H_STREAM_VA  0xA00000u /* command streams */
#define H_REPLY_VA   0xE00000u /* reply buffers */
#define H_SLOT_COUNT 64u

struct harness {
    struct fakemem mem;
    struct proto_task task;
    struct ut_guest_errors errs;
    struct be *be;
    struct proto_decode_env env;
    uint64_t next_data; /* next free VA in the data area */
};

/* Recording backend in memory; task 1 with a 64-slot table. */
void h_init(struct harness *h);
void h_finish(struct harness *h);
/* Maps [va, va + len) with fresh zeroed pages (page-aligned expansion). */
void h_map(struct harness *h, uint64_t va, uint64_t len);
void h_unmap(struct harness *h, uint64_t va, uint64_t len);
bool h_write(struct harness *h, uint64_t va, const void *p, size_t len);
bool h_read(struct harness *h, uint64_t va, void *p, size_t len);

/* Objects at ref r (slot + descriptor); data pages allocated in the data area. */
void h_buffer(struct harness *h, uint32_t ref, uint64_t size);
void h_texture(struct harness *h,
               uint32_t ref,
               uint32_t format,
               uint32_t w,
               uint32_t hgt,
               uint32_t levels);
void h_sampler(struct harness *h, uint32_t ref);
void h_depth_stencil(struct harness *h, uint32_t ref);
void h_function(struct harness *h, uint32_t ref, uint8_t stage);
void
h_render_pipeline(struct harness *h, uint32_t ref, uint32_t vfn, uint32_t ffn, uint32_t format);
void h_compute_pipeline(struct harness *h, uint32_t ref, uint32_t fn);
void h_slot_raw(struct harness *h, uint32_t ref, uint8_t type, const void *desc, size_t len);
/* The standard object set of the round-trip tests (see harness.c) and its refs. */
void h_standard_objects(struct harness *h, struct cmdenc_refs *refs);

/* Decodes one command stream as entry 0 of an ExecIndirect whose entry 1 is a zeroed
 * 4 KiB reply buffer at H_REPLY_VA (rc = 2). */
lagfx_status_t h_decode(struct harness *h, const struct cmdenc *e);
/* Writes the stream at H_STREAM_VA and runs a whole ExecIndirect through proto_cmdbuf_exec;
 * res[0] = the stream, res[1] = the reply buffer, plus `extra` more entries. */
lagfx_status_t
h_exec(struct harness *h, const struct cmdenc *e, const struct cmdenc_exec_desc *desc, uint32_t dc);

const char *h_transcript(struct harness *h);
void h_clear(struct harness *h);
/* Compares text with tests/golden/decode/<name>; prints the first differing line. */
bool h_golden(const char *name, const char *text);

#endif /* LAGFX_TESTS_DECODE_HARNESS_H */
