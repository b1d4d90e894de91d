/* SPDX-License-Identifier: MIT */
/*
 * The metallib (MTLB) container parser (spec/air.md §2, §3.1): header, function list with its
 * tag groups, bitcode slots and the 20-byte bitcode wrapper. Also accepts a bare wrapper or raw
 * bitcode file (tools and tests only). The parsed library points into the caller's bytes,
 * which must outlive it. Untrusted input: every read is bounds-checked; a malformed library
 * gives INVALID_DATA with a precise reason, a malformed tag group fails only its function.
 * Any thread (a library object belongs to one thread at a time).
 */
#ifndef LAGFX_AIR_METALLIB_H
#define LAGFX_AIR_METALLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "air/status.h"

#define AIR_MTLB_HEADER_SIZE   88
#define AIR_MTLB_MAX_FUNCTIONS 4096       /* §2.4 cap */
#define AIR_MTLB_MAX_SIZE      (4u << 20) /* §5.3: 4 MiB per container */
#define AIR_BITCODE_MAX_SIZE   (1u << 20) /* §5.3: 1 MiB per function's bitcode */
#define AIR_BC_WRAPPER_MAGIC   0x0B17C0DEu
#define AIR_NAME_MAX           256

enum air_mtlb_kind {
    AIR_FILE_MTLB,
    AIR_FILE_WRAPPER, /* bare DE C0 17 0B wrapper: tools and tests only */
    AIR_FILE_RAW,     /* bare BC C0 DE: tools and tests only */
};

enum air_fn_type {
    AIR_FN_VERTEX = 0,
    AIR_FN_FRAGMENT = 1,
    AIR_FN_KERNEL = 2,
    AIR_FN_UNKNOWN = 0xFF, /* no TYPE tag, or not a metallib */
};

struct air_mtlb_function {
    char name[AIR_NAME_MAX];
    uint8_t type; /* enum air_fn_type, or another TYPE byte (3..8) */
    bool has_offt, has_mdsz, has_hash, has_vers;
    uint64_t mdsz;
    uint64_t off_public, off_private, off_bitcode;
    uint16_t vers[4]; /* AIR major, minor, language major, minor */
    uint8_t hash[32];
    /* The function's usability: AIR_OK, or why it cannot be used (no ENDT, no slot...). */
    enum air_status status;
    char error[128];
    /* The bitcode stream (BC C0 DE...), bounded by slot and wrapper; NULL when status != OK. */
    const uint8_t *bitcode;
    uint32_t bitcode_size;
    /* The whole slot (padding included), for HASH. */
    const uint8_t *slot;
    uint64_t slot_size;
};

struct air_mtlb {
    enum air_mtlb_kind kind;
    uint16_t platform;
    uint16_t version_major, version_minor;
    uint8_t library_type, target_os;
    uint16_t os_major, os_minor;
    uint64_t file_size;
    uint64_t list_off, list_size, pub_off, pub_size, priv_off, priv_size, bc_off, bc_size;
    uint32_t function_count;
    struct air_mtlb_function *functions;
};

/*
 * Parses bytes[0, size) by magic: MTLB, bitcode wrapper or raw bitcode. On success *out is a
 * new library (free with air_mtlb_free); individual functions may still carry a failure
 * status. Errors: INVALID_DATA (diag says where), OUT_OF_MEMORY.
 */
enum air_status
air_mtlb_parse(const void *bytes, size_t size, struct air_mtlb **out, struct air_diag *diag);

void air_mtlb_free(struct air_mtlb *lib);

/* Finds a function by name; NULL when absent. */
const struct air_mtlb_function *air_mtlb_find(const struct air_mtlb *lib, const char *name);

/* Strict check: recomputes SHA-256 of the slot and compares it with HASH. */
bool air_mtlb_hash_ok(const struct air_mtlb_function *fn);

/*
 * Bounds a bitcode stream inside [p, p + size): a wrapper is checked and narrowed to its
 * declared stream, raw bitcode is taken whole. Errors: INVALID_DATA.
 */
enum air_status air_bitcode_bound(const uint8_t *p,
                                  uint64_t size,
                                  const uint8_t **bc,
                                  uint32_t *bc_size,
                                  struct air_diag *diag);

#endif /* LAGFX_AIR_METALLIB_H */
