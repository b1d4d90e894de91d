/* SPDX-License-Identifier: MIT */
/*
 * MTLB container parsing (spec/air.md §2.1–§2.5, §3.1). Reads only through the bounded reader
 * and checked arithmetic: the bytes come from guest memory. Header sections must lie inside
 * the file; the function list is walked group by group; a group that runs past the list is a
 * library error, a group without ENDT or without a usable slot fails only its function. Tools
 * and tests may also pass a bare wrapper or raw bitcode. Any thread.
 */
#include "air/metallib.h"

#include <stdio.h>
#include <string.h>

#include "air/sha256.h"
#include "memory/reader.h"
#include "util/alloc.h"
#include "util/checked.h"

#define FOURCC(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

#define TAG_NAME FOURCC('N', 'A', 'M', 'E')
#define TAG_TYPE FOURCC('T', 'Y', 'P', 'E')
#define TAG_HASH FOURCC('H', 'A', 'S', 'H')
#define TAG_MDSZ FOURCC('M', 'D', 'S', 'Z')
#define TAG_OFFT FOURCC('O', 'F', 'F', 'T')
#define TAG_VERS FOURCC('V', 'E', 'R', 'S')
#define TAG_ENDT FOURCC('E', 'N', 'D', 'T')

enum air_status
air_bitcode_bound(const uint8_t *p,
                  uint64_t size,
                  const uint8_t **bc,
                  uint32_t *bc_size,
                  struct air_diag *diag)
{
    if (size < 4)
        return air_diag_set(diag, AIR_INVALID_DATA, "bitcode slot of %llu bytes is too short",
                            (unsigned long long)size);
    if (mem_le32(p) == AIR_BC_WRAPPER_MAGIC) {
        if (size < 20)
            return air_diag_set(diag, AIR_INVALID_DATA,
                                "bitcode wrapper truncated: %llu of 20 header bytes",
                                (unsigned long long)size);
        uint32_t version = mem_le32(p + 4), off = mem_le32(p + 8), len = mem_le32(p + 12);
        if (version != 0)
            return air_diag_set(diag, AIR_INVALID_DATA, "bitcode wrapper version %u, expected 0",
                                version);
        if (off < 20 || !ut_range_ok(off, len, size))
            return air_diag_set(diag, AIR_INVALID_DATA,
                                "bitcode wrapper stream [%u, +%u) outside its %llu-byte slot", off,
                                len, (unsigned long long)size);
        p += off;
        size = len;
    }
    if (size < 4 || p[0] != 'B' || p[1] != 'C' || p[2] != 0xC0 || p[3] != 0xDE)
        return air_diag_set(diag, AIR_INVALID_DATA, "no bitcode magic 'BC C0 DE' in the slot");
    if (size > AIR_BITCODE_MAX_SIZE)
        return air_diag_set(diag, AIR_INVALID_DATA, "bitcode of %llu bytes exceeds the %u cap",
                            (unsigned long long)size, AIR_BITCODE_MAX_SIZE);
    *bc = p;
    *bc_size = (uint32_t)size;
    return AIR_OK;
}

static void
fn_fail(struct air_mtlb_function *fn, const char *what)
{
    fn->status = AIR_INVALID_DATA;
    snprintf(fn->error, sizeof(fn->error), "%s", what);
}

/* One tag group (§2.2); r is bounded to the group (its size field already read). */
static void
parse_group(struct mem_reader *r, struct air_mtlb_function *fn)
{
    fn->type = AIR_FN_UNKNOWN;
    for (;;) {
        uint32_t tag = mem_read_u32(r);
        if (r->failed) {
            fn_fail(fn, "tag group has no ENDT");
            return;
        }
        if (tag == TAG_ENDT)
            return;
        uint16_t len = mem_read_u16(r);
        struct mem_reader pr = mem_reader_sub(r, len);
        if (r->failed) {
            fn_fail(fn, "tag payload runs past its group");
            return;
        }
        switch (tag) {
        case TAG_NAME: {
            if (len == 0 || len > AIR_NAME_MAX || pr.p[len - 1] != 0 ||
                memchr(pr.p, 0, len) != pr.p + len - 1) {
                fn_fail(fn, "NAME is not one NUL-terminated string");
                return;
            }
            memcpy(fn->name, pr.p, len);
            break;
        }
        case TAG_TYPE:
            fn->type = mem_read_u8(&pr);
            break;
        case TAG_HASH:
            mem_read_bytes(&pr, fn->hash, 32);
            fn->has_hash = !pr.failed;
            break;
        case TAG_MDSZ:
            fn->mdsz = mem_read_u64(&pr);
            fn->has_mdsz = !pr.failed;
            break;
        case TAG_OFFT:
            fn->off_public = mem_read_u64(&pr);
            fn->off_private = mem_read_u64(&pr);
            fn->off_bitcode = mem_read_u64(&pr);
            fn->has_offt = !pr.failed;
            break;
        case TAG_VERS:
            for (int i = 0; i < 4; i++)
                fn->vers[i] = mem_read_u16(&pr);
            fn->has_vers = !pr.failed;
            break;
        default:
            break; /* unknown tags are skipped by length (§2.2) */
        }
        if (pr.failed) {
            fn_fail(fn, "tag payload shorter than its field");
            return;
        }
    }
}

/* Bounds each function's slot (§2.4) and narrows it by the wrapper (§3.1). */
static void
bound_slots(struct air_mtlb *lib)
{
    for (uint32_t i = 0; i < lib->function_count; i++) {
        struct air_mtlb_function *fn = &lib->functions[i];
        if (fn->status != AIR_OK)
            continue;
        if (!fn->has_offt) {
            fn_fail(fn, "function has no OFFT tag");
            continue;
        }
        if (fn->off_bitcode >= lib->bc_size) {
            fn_fail(fn, "bitcode offset outside the bitcode section");
            continue;
        }
        uint64_t limit = lib->bc_size - fn->off_bitcode;
        if (fn->has_mdsz) {
            if (fn->mdsz > limit) {
                fn_fail(fn, "MDSZ runs past the bitcode section");
                continue;
            }
            limit = fn->mdsz;
        } else {
            /* Legacy: up to the next larger offset of any function. */
            for (uint32_t j = 0; j < lib->function_count; j++) {
                const struct air_mtlb_function *o = &lib->functions[j];
                if (o->has_offt && o->off_bitcode > fn->off_bitcode &&
                    o->off_bitcode - fn->off_bitcode < limit)
                    limit = o->off_bitcode - fn->off_bitcode;
            }
        }
        fn->slot_size = limit; /* the caller sets fn->slot: the section is inside the file */
    }
}

enum air_status
air_mtlb_parse(const void *bytes, size_t size, struct air_mtlb **out, struct air_diag *diag)
{
    const uint8_t *p = bytes;
    if (!p || size < 4)
        return air_diag_set(diag, AIR_INVALID_DATA, "file of %zu bytes has no magic", size);
    if (size > AIR_MTLB_MAX_SIZE)
        return air_diag_set(diag, AIR_INVALID_DATA, "container of %zu bytes exceeds the %u cap",
                            size, AIR_MTLB_MAX_SIZE);
    struct air_mtlb *lib = ut_calloc(1, sizeof(*lib));
    if (!lib)
        return AIR_OUT_OF_MEMORY;
    enum air_status st;

    if (memcmp(p, "MTLB", 4) != 0) {
        /* Bare wrapper or raw bitcode: one nameless function (tools and tests). */
        bool wrapped = mem_le32(p) == AIR_BC_WRAPPER_MAGIC;
        if (!wrapped && !(p[0] == 'B' && p[1] == 'C' && p[2] == 0xC0 && p[3] == 0xDE)) {
            st = air_diag_set(diag, AIR_INVALID_DATA,
                              "unknown magic %02x %02x %02x %02x (want MTLB, wrapper or bitcode)",
                              p[0], p[1], p[2], p[3]);
            goto err_free;
        }
        lib->kind = wrapped ? AIR_FILE_WRAPPER : AIR_FILE_RAW;
        lib->file_size = size;
        lib->functions = ut_calloc(1, sizeof(*lib->functions));
        if (!lib->functions) {
            st = AIR_OUT_OF_MEMORY;
            goto err_free;
        }
        lib->function_count = 1;
        struct air_mtlb_function *fn = &lib->functions[0];
        fn->type = AIR_FN_UNKNOWN;
        fn->slot = p;
        fn->slot_size = size;
        st = air_bitcode_bound(p, size, &fn->bitcode, &fn->bitcode_size, diag);
        if (st != AIR_OK)
            goto err_free;
        *out = lib;
        return AIR_OK;
    }

    lib->kind = AIR_FILE_MTLB;
    struct mem_reader r;
    mem_reader_init(&r, p, size);
    mem_reader_skip(&r, 4);
    lib->platform = mem_read_u16(&r);
    lib->version_major = mem_read_u16(&r);
    lib->version_minor = mem_read_u16(&r);
    lib->library_type = mem_read_u8(&r);
    lib->target_os = mem_read_u8(&r);
    lib->os_major = mem_read_u16(&r);
    lib->os_minor = mem_read_u16(&r);
    lib->file_size = mem_read_u64(&r);
    lib->list_off = mem_read_u64(&r);
    lib->list_size = mem_read_u64(&r);
    lib->pub_off = mem_read_u64(&r);
    lib->pub_size = mem_read_u64(&r);
    lib->priv_off = mem_read_u64(&r);
    lib->priv_size = mem_read_u64(&r);
    lib->bc_off = mem_read_u64(&r);
    lib->bc_size = mem_read_u64(&r);
    if (r.failed) {
        st = air_diag_set(diag, AIR_INVALID_DATA, "MTLB header truncated: %zu of %d bytes", size,
                          AIR_MTLB_HEADER_SIZE);
        goto err_free;
    }
    if (lib->file_size > size) {
        st = air_diag_set(diag, AIR_INVALID_DATA,
                          "MTLB header says %llu bytes but only %zu are present",
                          (unsigned long long)lib->file_size, size);
        goto err_free;
    }
    if (lib->file_size < AIR_MTLB_HEADER_SIZE) {
        st = air_diag_set(diag, AIR_INVALID_DATA, "MTLB total size %llu is below the header size",
                          (unsigned long long)lib->file_size);
        goto err_free;
    }
    static const char *const sect_names[] = { "function list", "public metadata",
                                              "private metadata", "bitcode" };
    const uint64_t sect[4][2] = { { lib->list_off, lib->list_size },
                                  { lib->pub_off, lib->pub_size },
                                  { lib->priv_off, lib->priv_size },
                                  { lib->bc_off, lib->bc_size } };
    for (int i = 0; i < 4; i++) {
        /* The function list's size excludes its leading u32 count (§2.1). */
        uint64_t len = sect[i][1] + (i == 0 ? 4 : 0);
        if (sect[i][1] > lib->file_size || !ut_range_ok(sect[i][0], len, lib->file_size)) {
            st = air_diag_set(diag, AIR_INVALID_DATA,
                              "%s section [0x%llx, +0x%llx) outside the %llu-byte file",
                              sect_names[i], (unsigned long long)sect[i][0],
                              (unsigned long long)sect[i][1], (unsigned long long)lib->file_size);
            goto err_free;
        }
    }

    mem_reader_init(&r, p + lib->list_off, lib->list_size + 4);
    uint32_t count = mem_read_u32(&r);
    if (count > AIR_MTLB_MAX_FUNCTIONS) {
        st = air_diag_set(diag, AIR_INVALID_DATA, "function count %u exceeds the cap %u", count,
                          AIR_MTLB_MAX_FUNCTIONS);
        goto err_free;
    }
    if (count == 0) {
        st = air_diag_set(diag, AIR_INVALID_DATA, "metallib holds no function");
        goto err_free;
    }
    lib->functions = ut_calloc_array(count, sizeof(*lib->functions));
    if (!lib->functions) {
        st = AIR_OUT_OF_MEMORY;
        goto err_free;
    }
    lib->function_count = count;
    for (uint32_t i = 0; i < count; i++) {
        size_t group_at = r.pos;
        uint32_t gsize = mem_read_u32(&r);
        if (r.failed || gsize < 8) {
            st =
                air_diag_set(diag, AIR_INVALID_DATA, "function %u: tag group at list offset %zu %s",
                             i, group_at, r.failed ? "truncated" : "smaller than 8 bytes");
            goto err_free;
        }
        struct mem_reader g = mem_reader_sub(&r, gsize - 4);
        if (r.failed) {
            st = air_diag_set(diag, AIR_INVALID_DATA,
                              "function %u: tag group of %u bytes runs past the function list", i,
                              gsize);
            goto err_free;
        }
        parse_group(&g, &lib->functions[i]);
    }

    bound_slots(lib);
    for (uint32_t i = 0; i < count; i++) {
        struct air_mtlb_function *fn = &lib->functions[i];
        if (fn->status != AIR_OK)
            continue;
        fn->slot = p + lib->bc_off + fn->off_bitcode;
        struct air_diag d = { { 0 } };
        if (air_bitcode_bound(fn->slot, fn->slot_size, &fn->bitcode, &fn->bitcode_size, &d) !=
            AIR_OK) {
            fn_fail(fn, d.msg);
            fn->bitcode = NULL;
            fn->bitcode_size = 0;
        }
    }
    *out = lib;
    return AIR_OK;

err_free:
    air_mtlb_free(lib);
    return st;
}

void
air_mtlb_free(struct air_mtlb *lib)
{
    if (!lib)
        return;
    ut_free(lib->functions);
    ut_free(lib);
}

const struct air_mtlb_function *
air_mtlb_find(const struct air_mtlb *lib, const char *name)
{
    for (uint32_t i = 0; i < lib->function_count; i++)
        if (strcmp(lib->functions[i].name, name) == 0)
            return &lib->functions[i];
    return NULL;
}

bool
air_mtlb_hash_ok(const struct air_mtlb_function *fn)
{
    if (!fn->has_hash || !fn->slot)
        return false;
    uint8_t h[32];
    air_sha256(fn->slot, fn->slot_size, h);
    return memcmp(h, fn->hash, 32) == 0;
}
