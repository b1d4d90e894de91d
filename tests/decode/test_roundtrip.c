/* SPDX-License-Identifier: MIT */
/*
 * Round trip of every row of the inner tables (protocol.md §11.2-§11.5): cmdenc encodes the
 * row with realistic values (after the pass/pipeline prelude its class needs), the decoder
 * drives the recording backend, and the transcript of each table (plus the guest-error
 * counters each row moved and, for info queries, the reply bytes) must equal its golden file
 * exactly. argv[1] = render | compute | blit | info.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "harness.h"
#include "protocol/ops.h"

struct row {
    uint32_t code;
    const char *name;
};

static const struct row render_rows[] = {
#define OP(name, code, size, refs, fn) { code, #name },
#include "protocol/ops_render.def"
#undef OP
};
static const struct row compute_rows[] = {
#define OP(name, code, size, refs, fn) { code, #name },
#include "protocol/ops_compute.def"
#undef OP
};
static const struct row blit_rows[] = {
#define OP(name, code, size, refs, fn) { code, #name },
#include "protocol/ops_blit.def"
#undef OP
};
static const struct row info_rows[] = {
#define OP(name, code, size, refs, fn) { code, #name },
#include "protocol/ops_info.def"
#undef OP
};

struct text {
    char *p;
    size_t len, cap;
};

static void
put(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        REQUIRE(t->p);
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

static const enum ut_gerr watched[] = { UT_GERR_INNER_UNSUPPORTED, UT_GERR_INNER_STATE,
                                        UT_GERR_INNER_VALUE,       UT_GERR_INNER_SHORT,
                                        UT_GERR_INNER_UNKNOWN,     UT_GERR_REF,
                                        UT_GERR_OBJECT_LAYOUT,     UT_GERR_INFO_REPLY };

int
main(int argc, char **argv)
{
    REQUIRE(argc == 2);
    const char *table = argv[1];
    const struct row *rows;
    size_t count;
    uint8_t seg_type;
    if (!strcmp(table, "render")) {
        rows = render_rows, count = sizeof(render_rows) / sizeof(*rows), seg_type = 2;
        CHECK_EQ_U64(count, 98);
    } else if (!strcmp(table, "compute")) {
        rows = compute_rows, count = sizeof(compute_rows) / sizeof(*rows), seg_type = 0;
        CHECK_EQ_U64(count, 32);
    } else if (!strcmp(table, "blit")) {
        rows = blit_rows, count = sizeof(blit_rows) / sizeof(*rows), seg_type = 4;
        CHECK_EQ_U64(count, 24);
    } else {
        rows = info_rows, count = sizeof(info_rows) / sizeof(*rows), seg_type = 4;
        CHECK_EQ_U64(count, 15);
    }
    struct harness h;
    h_init(&h);
    struct cmdenc_refs refs;
    h_standard_objects(&h, &refs);
    struct text out = { 0 };
    struct cmdenc e;
    cmdenc_init(&e);
    char line[256];
    for (size_t i = 0; i < count; i++) {
        uint32_t op = rows[i].code;
        cmdenc_reset(&e);
        cmdenc_segment_begin(&e, seg_type);
        if (seg_type == 2 && op != 0x1A) {
            cmdenc_op(&e, 0x1A, &refs);
            cmdenc_op(&e, 0x74, &refs);
        } else if (!strcmp(table, "compute")) {
            cmdenc_op(&e, 0xD0, &refs);
        }
        /* Set*BufferOffset changes a bound buffer: bind first (§11.2). */
        static const uint32_t offset_of[][2] = {
            { 0x6F, 0x6E }, { 0x7E, 0x7D }, { 0xA6, 0xA5 }, { 0xCF, 0xCB }, { 0xDA, 0xD9 }
        };
        for (size_t k = 0; k < sizeof(offset_of) / sizeof(*offset_of); k++) {
            if (offset_of[k][0] == op)
                cmdenc_op(&e, offset_of[k][1], &refs);
        }
        REQUIRE(cmdenc_op(&e, op, &refs));
        cmdenc_segment_end(&e);
        REQUIRE(!e.oom);
        uint64_t before[sizeof(watched) / sizeof(*watched)];
        for (size_t k = 0; k < sizeof(watched) / sizeof(*watched); k++)
            before[k] = ut_guest_error_count(&h.errs, watched[k]);
        uint8_t fill[4096]; /* 0xEE: bytes a reply leaves untouched stay visible */
        memset(fill, 0xEE, sizeof(fill));
        h_write(&h, H_REPLY_VA, fill, sizeof(fill));
        h_clear(&h);
        CHECK_STATUS(h_decode(&h, &e), LAGFX_OK);
        snprintf(line, sizeof(line), "### 0x%03X %s body=%zu\n", op, rows[i].name,
                 cmdenc_op_body_size(op));
        put(&out, line);
        put(&out, h_transcript(&h));
        put(&out, "errors:");
        for (size_t k = 0; k < sizeof(watched) / sizeof(*watched); k++) {
            uint64_t d = ut_guest_error_count(&h.errs, watched[k]) - before[k];
            if (d) {
                snprintf(line, sizeof(line), " %s=%llu", ut_gerr_name(watched[k]),
                         (unsigned long long)d);
                put(&out, line);
            }
        }
        put(&out, "\n");
        if (!strcmp(table, "info")) {
            uint8_t r[48];
            h_read(&h, H_REPLY_VA + 0x40, r, sizeof(r));
            put(&out, "reply@0x40:");
            for (size_t k = 0; k < sizeof(r); k++) {
                snprintf(line, sizeof(line), "%s%02x", k % 16 ? " " : (k ? "\n  " : " "), r[k]);
                put(&out, line);
            }
            put(&out, "\n");
        }
    }
    char name[64];
    snprintf(name, sizeof(name), "roundtrip-%s.txt", table);
    CHECK(h_golden(name, out.p));
    free(out.p);
    cmdenc_free(&e);
    h_finish(&h);
    return check_finish();
}
