/* SPDX-License-Identifier: MIT */
/*
 * Task objects (protocol.md §13): refs resolved through the task's slot table (§13.2) into a
 * typed registry with O(1) lookup by ref (a two-level table of 256-entry pages), descriptors
 * decoded from the provisional layouts v1 (§13.4-§13.12) or their real-guest fallbacks, and the
 * backend objects created for them. Slot and descriptor bytes are read on the first use of a
 * ref in an outer command (epoch) and reused only within it; backend objects persist while the
 * slot type, descriptor VA and identity bytes are unchanged. Buffer coherence (§10.2, §13.6):
 * during an ExecIndirect a buffer's host copy is refreshed from guest memory on its first use
 * (unless a write-back of it is still in flight: the host copy is then the newer one), and the
 * ranges its GPU work wrote go back through be_writeback targets. Runs on the task's worker;
 * write-back targets are written and released on the backend's completion thread.
 */
#ifndef LAGFX_PROTOCOL_RESOURCE_H
#define LAGFX_PROTOCOL_RESOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

struct proto_dec;

enum proto_obj_kind {
    PROTO_OBJ_NONE = 0,         /* empty slot or unresolved */
    PROTO_OBJ_BUFFER,           /* 0x01, 0x04 */
    PROTO_OBJ_TEXTURE,          /* 0x02, 0x03, 0x0C, and views (0x05) */
    PROTO_OBJ_SAMPLER,          /* 0x08 or SMP1 */
    PROTO_OBJ_DEPTH_STENCIL,    /* 0x09 or DSS1 */
    PROTO_OBJ_FUNCTION,         /* 0x06 */
    PROTO_OBJ_RENDER_PIPELINE,  /* 0x07 RPS1 or fallback */
    PROTO_OBJ_COMPUTE_PIPELINE, /* 0x07 CPS1 */
    PROTO_OBJ_OTHER,            /* fences, heaps, unknown types: residency and ordering only */
    PROTO_OBJ_KINDS
};

#define PROTO_KIND_BIT(k) (1u << (k))

/* Placement entries of a buffer or texture (§13.5): the object's bytes by task VPN. */
struct proto_placement {
    uint32_t count;
    uint64_t total;
    uint64_t size[4];
    uint32_t vpn[4];
};

/* Buffer coherence bookkeeping shared with in-flight write-back targets (resource.c). */
struct proto_coh;

struct proto_obj {
    /* Cache state. */
    uint32_t epoch;    /* outer command that last validated it; 0 = never */
    uint8_t slot_type; /* §13.3 */
    uint8_t kind;      /* enum proto_obj_kind */
    bool usable;       /* false: DR2/DR3, uses are skipped */
    bool view;         /* a texture view (0x05) */
    uint64_t desc_va;
    uint32_t ident_len;
    uint8_t *ident; /* identity bytes (descriptor without placement page numbers) */
    be_handle_t handle;
    be_handle_t dep[2]; /* handles this object was built from (view parent, functions) */
    struct proto_placement place;
    uint32_t view_parent;   /* views: the parent's ref */
    uint32_t refresh_epoch; /* buffers: epoch of the last refresh from guest memory */
    struct proto_coh *coh;  /* buffers: write-backs in flight (a reference) */
    /* Decoded facts the decoder checks against. */
    union {
        struct {
            uint64_t length;
        } buf;
        struct {
            uint32_t format, type, width, height, levels, layers, samples;
            uint32_t iosurface; /* TEX1 iosurfaceId (views: the parent's); 0 = own image */
            uint64_t linear;    /* bytes of the guest image (§13.7); 0 = none */
        } tex;
        struct {
            uint32_t stage;
        } fn;
        struct {
            uint32_t color_format[BE_MAX_COLOR_ATTACHMENTS];
            uint32_t depth_format, stencil_format, samples;
        } rp;
        struct {
            uint32_t max_threads;
        } cp;
    } u;
};

#define PROTO_OBJ_PAGE_SHIFT 8
#define PROTO_OBJ_PAGE       (1u << PROTO_OBJ_PAGE_SHIFT)
#define PROTO_OBJ_PAGES      (1048576u / PROTO_OBJ_PAGE) /* PROTO_MAX_SLOTS / page */

/* The registry of one task: pages of PROTO_OBJ_PAGE objects indexed by ref, allocated on
 * first use; `epoch` counts outer commands. */
struct proto_objects {
    uint32_t epoch;
    uint32_t slot_count;
    uint64_t slot_base;
    uint32_t fallback_logged; /* bit per slot type < 32: real-guest fallback logged (§13.4) */
    struct proto_obj *pages[PROTO_OBJ_PAGES];
};

/* Begins an outer command: cached slot bytes from earlier ones are no longer trusted.
 * OUT_OF_MEMORY when the registry cannot be created. */
lagfx_status_t proto_objects_begin(struct proto_dec *d);

/* The object behind ref, resolved and validated this outer command; NULL for ref 0, a ref
 * beyond the slot table, an empty slot or a translation failure (never a fault). */
struct proto_obj *proto_obj_resolve(struct proto_dec *d, uint32_t ref);

/* The slow end of proto_obj_expect (inner.h): logs why obj (maybe NULL) is not usable as
 * asked (DR3, once per opcode, counted as UT_GERR_REF) and returns NULL. */
struct proto_obj *proto_obj_reject(struct proto_dec *d, uint32_t ref, const struct proto_obj *obj);

/* Descriptor flag 0x100 (§10.2): the backend re-reads the object's guest bytes. */
void proto_obj_refresh(struct proto_dec *d, struct proto_obj *obj);

/*
 * Asks the backend to write a texture's guest image back after the GPU work recorded so far
 * (flag 0x1, 0x13A/0x13B, SynchronizeResources; §13.7), through a be_writeback whose pages
 * are translated now. Textures without a guest image (IOSurface views, Private, depth, ...)
 * and other kinds: nothing.
 */
void proto_obj_write_back(struct proto_dec *d,
                          struct proto_obj *obj,
                          bool whole,
                          uint32_t slice,
                          uint32_t level);

/* End of an ExecIndirect (§10.2, §10.9 step 4): every buffer it used whose bytes its GPU work
 * may have written (the backend says which range) is written back before the stamp. */
void proto_buffers_write_back(struct proto_dec *d);

#endif /* LAGFX_PROTOCOL_RESOURCE_H */
