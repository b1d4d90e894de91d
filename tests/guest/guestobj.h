/* SPDX-License-Identifier: MIT */
/*
 * Guest objects and command submission on top of the guest simulator: the recipe of
 * protocol.md §13.17 performed in a simulated task's memory. A guestobj owns one task's slot
 * table (announced with SetResourceHeap 0x33 on the root ring), writes slots {type, descriptor
 * VA} and the descriptors of the provisional layouts v1 (§13.4-§13.12, encoded by cmdenc), and
 * submits ExecIndirects (0x20 on the root ring, 0x37 on channels 1-4) whose entry 0 holds the
 * command stream and whose later entries are zero-filled reply buffers (§10.3).
 *
 * Threads: like the guestsim it belongs to, a guestobj is used from one thread.
 */
#ifndef LAGFX_TESTS_GUESTOBJ_H
#define LAGFX_TESTS_GUESTOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdenc.h"
#include "guestsim.h"

/* Object types of the slot table (protocol.md §13.3). */
#define GUESTOBJ_BUFFER        0x01u
#define GUESTOBJ_TEXTURE       0x02u
#define GUESTOBJ_VIEW          0x05u
#define GUESTOBJ_FUNCTION      0x06u
#define GUESTOBJ_PIPELINE      0x07u
#define GUESTOBJ_SAMPLER       0x08u
#define GUESTOBJ_DEPTH_STENCIL 0x09u
#define GUESTOBJ_FENCE         0x0Fu /* an "other" type: residency and ordering only */

/* Exec areas: command streams and replies are written into one of these, round robin. An area
 * is reused only after the ExecIndirect that last used it has completed (the helper waits). */
#define GUESTOBJ_EXEC_AREAS 8u
#define GUESTOBJ_STREAM_MAX 0x10000u /* bytes of command stream per ExecIndirect */
#define GUESTOBJ_REPLY_MAX  4u       /* reply buffers per ExecIndirect (entries 1..4) */
#define GUESTOBJ_REPLY_SIZE 0x1000u

struct guestobj_area {
    uint64_t stream_va;
    uint64_t reply_va[GUESTOBJ_REPLY_MAX];
    uint32_t channel, stamp; /* last use; stamp 0 = never used */
};

struct guestobj {
    struct guestsim *g;
    struct guestsim_task *task; /* borrowed: the kernel task or one the caller owns */
    uint64_t slots_va;
    uint32_t slot_count;
    uint64_t next_va; /* bump allocator for descriptors and object data */
    uint64_t limit_va;
    struct guestobj_area area[GUESTOBJ_EXEC_AREAS];
    uint32_t next_area;
};

/* What guestobj_exec_put wrote: where the stream and replies live, and the stamp to wait for. */
struct guestobj_exec {
    uint32_t channel, stamp;
    uint64_t stream_va;
    uint32_t stream_len;
    uint32_t reply_count;
    uint64_t reply_va[GUESTOBJ_REPLY_MAX];
};

/* Prepares task memory for objects: a slot table of slot_count entries at va_base (mapped,
 * zeroed) and an allocation area of area_len bytes after it, exec areas included. Sends
 * nothing. False on bad arguments (va_base not page aligned, space too small). */
bool guestobj_init(struct guestobj *o,
                   struct guestsim *g,
                   struct guestsim_task *task,
                   uint64_t va_base,
                   uint32_t slot_count,
                   uint64_t area_len);
/* The 12-byte SetResourceHeap payload {task, slot-table VPN, size} (protocol.md §8.2). */
void guestobj_heap_payload(const struct guestobj *o, uint32_t out[3]);
/* Sends 0x33 on the root ring and waits for its stamp; returns the stamp (0: timeout). */
uint32_t guestobj_set_heap(struct guestobj *o);
/* The 16-byte DefineHostTask payload {task << 1, hint, root PFN} of the task (§8.2). */
void guestobj_define_payload(const struct guestobj *o, uint8_t out[16]);

/* ---- Task memory ---- */
/* Maps len bytes (page-granular, scattered pages) in the allocation area; returns the VA or
 * 0 when the area is exhausted. The pages are zeroed. */
uint64_t guestobj_alloc(struct guestobj *o, uint64_t len);
bool guestobj_write(struct guestobj *o, uint64_t va, const void *src, size_t len);
bool guestobj_read(struct guestobj *o, uint64_t va, void *dst, size_t len);
/* Walks the task's radix tables as the guest wrote them; false when va is unmapped. */
bool guestobj_va_to_gpa(struct guestobj *o, uint64_t va, uint64_t *gpa);

/* ---- Objects (§13.17 steps 3-5); each writes a descriptor and slot ref, returns the
 * descriptor VA (0 on failure). ---- */
uint64_t
guestobj_slot(struct guestobj *o, uint32_t ref, uint8_t type, const void *desc, size_t len);
/* Clears slot ref (type 0: empty). */
void guestobj_slot_clear(struct guestobj *o, uint32_t ref);
/* Buffer of size bytes (one placement entry); *data_va (optional) gets its data VA. */
uint64_t guestobj_buffer(struct guestobj *o, uint32_t ref, uint64_t size, uint64_t *data_va);
/* Shared 2D texture with a guest image of the linear size of §13.7 (pitch aligned to 256). */
uint64_t guestobj_texture(struct guestobj *o,
                          uint32_t ref,
                          uint32_t format,
                          uint32_t width,
                          uint32_t height,
                          uint32_t levels,
                          uint64_t *image_va);
/* Any TEX1 descriptor; place_size/place_vpn are filled in from a fresh allocation when
 * t->place_size is non-zero and t->place_vpn is 0. */
uint64_t guestobj_texture_desc(struct guestobj *o, uint32_t ref, struct cmdenc_texture *t);
/* The scanout form of §13.17 step 10: TEX1 {2, 80, W, H, 1, 1, 1, 1, 0x5, Shared, 0,
 * surface, ...} without placement entries. */
uint64_t guestobj_surface_texture(struct guestobj *o,
                                  uint32_t ref,
                                  uint32_t surface,
                                  uint32_t width,
                                  uint32_t height);
uint64_t guestobj_view(struct guestobj *o,
                       uint32_t ref,
                       uint32_t parent,
                       uint32_t format,
                       uint32_t base_level);
uint64_t guestobj_sampler(struct guestobj *o, uint32_t ref, uint8_t filter, uint8_t address);
uint64_t guestobj_depth_stencil(struct guestobj *o, uint32_t ref, uint8_t compare, bool write);
/* A one-function MTLB of stage 0 (vertex), 1 (fragment) or 2 (kernel) and its descriptor. */
uint64_t guestobj_function(struct guestobj *o, uint32_t ref, uint8_t stage);
uint64_t guestobj_render_pipeline(struct guestobj *o,
                                  uint32_t ref,
                                  uint32_t vertex_fn,
                                  uint32_t fragment_fn,
                                  uint32_t format);
uint64_t guestobj_compute_pipeline(struct guestobj *o, uint32_t ref, uint32_t fn);
/* A slot of a type the host only tracks for residency (a fence, §13.3 "other"). */
uint64_t guestobj_other(struct guestobj *o, uint32_t ref, uint8_t type);

/* The standard object set from ref `first` on: buffers (2 x 4 KiB, index 1 KiB), two 64 x 32
 * BGRA8Unorm textures, a view, a sampler, a depth-stencil state, vertex, fragment and kernel
 * functions, a render pipeline (BGRA8Unorm), a compute pipeline and a fence; 15 refs in all.
 * refs->reply_id is 1 (entry 1 of guestobj_exec_put). False if any object failed. */
bool guestobj_standard(struct guestobj *o, uint32_t first, struct cmdenc_refs *refs);
#define GUESTOBJ_STANDARD_REFS 15u

/* ---- ExecIndirect (§10.1, §13.17 steps 7-9) ---- */
/* Writes e's stream into the next exec area (waiting for its previous user first), zeroes
 * `replies` reply buffers (entries 1..replies, GUESTOBJ_REPLY_SIZE each), and puts the
 * ExecIndirect on ch (0: 0x20 on the root ring; 1-4: 0x37) without ringing. Returns the stamp
 * (0 on failure: stream too long, too many replies or descriptors); *out is optional. */
uint32_t guestobj_exec_put(struct guestobj *o,
                           uint32_t ch,
                           const struct cmdenc *e,
                           const struct cmdenc_exec_desc *desc,
                           uint32_t dc,
                           uint32_t replies,
                           struct guestobj_exec *out);
/* put, doorbell, wait for the stamp (5 s). Returns the stamp, 0 on failure or timeout. */
uint32_t guestobj_exec_submit(struct guestobj *o,
                              uint32_t ch,
                              const struct cmdenc *e,
                              const struct cmdenc_exec_desc *desc,
                              uint32_t dc,
                              uint32_t replies,
                              struct guestobj_exec *out);
/* Waits until slot's cell reaches target (wrapping order), running executor items; false
 * after timeout_ms. (Unlike guestsim_wait_stamp it measures time with signed arithmetic, so a
 * wait across a second boundary does not end early.) */
bool guestobj_wait_stamp(struct guestsim *g, uint32_t slot, uint32_t target, uint32_t timeout_ms);
/* Rings ch's doorbell (root: RING_WPTR; else CHANNEL_DOORBELL). */
void guestobj_doorbell(struct guestsim *g, uint32_t ch);
/* Puts any outer command on ch (0: root ring). Returns its stamp. */
uint32_t guestobj_put(struct guestsim *g, uint32_t ch, uint16_t op, const void *p, uint32_t len);

/* put, doorbell and guestobj_wait_stamp (5 s). Returns the stamp, 0 on timeout. */
uint32_t guestobj_submit(struct guestsim *g, uint32_t ch, uint16_t op, const void *p, uint32_t len);

#endif /* LAGFX_TESTS_GUESTOBJ_H */
