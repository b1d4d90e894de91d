/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpus of fuzz_cmdbuf into argv[1]: one command stream per inner table row
 * (with the prelude its class needs), a stream holding every row, a type-5 nested stream and
 * one at offset +8. Run at build time. Single-threaded.
 */
#include <stdio.h>
#include <string.h>

#include "cmdenc.h"
#include "protocol/ops.h"

static const struct cmdenc_refs refs = { .buffer = 1,
                                         .buffer2 = 2,
                                         .index_buffer = 3,
                                         .texture = 4,
                                         .texture2 = 5,
                                         .sampler = 6,
                                         .depth_stencil = 7,
                                         .render_pipeline = 11,
                                         .compute_pipeline = 12,
                                         .other = 13,
                                         .reply_id = 1 };

static int
save(const char *dir, const char *name, const struct cmdenc *e)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(e->buf, 1, e->len, f) != e->len)
        return 1;
    return fclose(f) != 0;
}

int
main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    static const uint32_t codes[] = {
#define OP(name, code, size, r, fn) code,
#define OP_SHARED(name, code, size, r, fn)
#include "protocol/ops_blit.def"
#include "protocol/ops_compute.def"
#include "protocol/ops_info.def"
#include "protocol/ops_render.def"
#undef OP_SHARED
#undef OP
    };
    struct cmdenc e, all;
    cmdenc_init(&e);
    cmdenc_init(&all);
    int bad = 0;
    cmdenc_segment_begin(&all, 0);
    for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++) {
        uint32_t op = codes[i];
        bool render = op < 0xC8, compute = op >= 0xC8 && op < 0x12C;
        cmdenc_reset(&e);
        cmdenc_segment_begin(&e, render ? 2 : compute ? 0 : 4);
        if (render && op != 0x1A) {
            cmdenc_op(&e, 0x1A, &refs);
            cmdenc_op(&e, 0x74, &refs);
        } else if (compute) {
            cmdenc_op(&e, 0xD0, &refs);
        }
        cmdenc_op(&e, op, &refs);
        cmdenc_segment_end(&e);
        cmdenc_op(&all, op, &refs);
        char name[32];
        snprintf(name, sizeof(name), "row_%03x", op);
        bad |= save(argv[1], name, &e);
    }
    cmdenc_segment_end(&all);
    bad |= save(argv[1], "all_rows", &all);
    cmdenc_reset(&e);
    cmdenc_segment_begin(&e, 5);
    cmdenc_segment_begin(&e, 5);
    cmdenc_segment_begin(&e, 4);
    cmdenc_op(&e, 0x132, &refs);
    cmdenc_segment_end(&e);
    cmdenc_segment_end(&e);
    cmdenc_segment_end(&e);
    bad |= save(argv[1], "nested", &e);
    cmdenc_reset(&e);
    cmdenc_raw(&e, "METADATA", 8);
    cmdenc_segment_begin(&e, 4);
    cmdenc_op(&e, 0x1C2, &refs);
    cmdenc_segment_end(&e);
    bad |= save(argv[1], "offset8", &e);
    cmdenc_free(&e);
    cmdenc_free(&all);
    return bad;
}
