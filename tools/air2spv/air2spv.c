/* SPDX-License-Identifier: MIT */
/*
 * lagfx-air2spv: the translator on the command line (spec/air.md §6.4 debugging). Lists the
 * functions of a metallib, translates one entry to a SPIR-V file, prints the reflection as
 * JSON. Translation runs in lagfx-air-worker like the library's (a crashing file is reported,
 * not a crash), or here with --in-process. An unsupported construct prints the status with the
 * offending intrinsic or instruction and exits non-zero: never a silently wrong shader.
 * Single-threaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "air/air.h"
#include "air/metallib.h"
#include "util/alloc.h"

static void
usage(FILE *f)
{
    fprintf(
        f, "usage: lagfx-air2spv --list FILE\n"
           "       lagfx-air2spv FILE [-f NAME] [-o OUT.spv] [--reflect] [--typed] [--in-process]\n"
           "  FILE      a .metallib, a wrapped (DE C0 17 0B) or raw (BC C0 DE) bitcode file\n"
           "  -f NAME   entry to translate (default: the only one)\n"
           "  -o OUT    write the SPIR-V words there\n"
           "  --reflect print the reflection record as JSON on stdout\n"
           "  --typed   read with LLVM's typed-pointer mode (cross-check)\n"
           "  --in-process\n"
           "            translate in this process instead of lagfx-air-worker (trusted\n"
           "            files only: debugging with gdb, profiling)\n");
}

static unsigned char *
read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "lagfx-air2spv: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (n < cap)
            break;
        if (cap >= (64u << 20)) {
            fprintf(stderr, "lagfx-air2spv: %s: larger than 64 MiB\n", path);
            free(buf);
            buf = NULL;
            break;
        }
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *size = n;
    return buf;
}

static int
list(const char *path)
{
    size_t size;
    unsigned char *buf = read_file(path, &size);
    if (!buf)
        return 1;
    struct air_mtlb *lib;
    struct air_diag diag = { { 0 } };
    enum air_status st = air_mtlb_parse(buf, size, &lib, &diag);
    if (st != AIR_OK) {
        fprintf(stderr, "lagfx-air2spv: %s: %s: %s\n", path, air_status_string(st), diag.msg);
        free(buf);
        return 1;
    }
    static const char *const types[] = { "vertex",       "fragment", "kernel",
                                         "unqualified",  "visible",  "extern",
                                         "intersection", "mesh",     "object" };
    for (uint32_t i = 0; i < lib->function_count; i++) {
        const struct air_mtlb_function *fn = &lib->functions[i];
        printf("%s\t%s\t%u bytes", fn->name[0] ? fn->name : "(unnamed)",
               fn->type < 9 ? types[fn->type] : "?", fn->bitcode_size);
        if (fn->has_vers)
            printf("\tAIR %u.%u MSL %u.%u", fn->vers[0], fn->vers[1], fn->vers[2], fn->vers[3]);
        if (fn->status != AIR_OK)
            printf("\tunusable: %s", fn->error);
        else if (fn->has_hash)
            printf("\thash %s", air_mtlb_hash_ok(fn) ? "ok" : "MISMATCH");
        printf("\n");
    }
    air_mtlb_free(lib);
    free(buf);
    return 0;
}

int
main(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *entry = NULL;
    bool reflect = false, typed = false, in_process = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--list") == 0 && i + 1 < argc) {
            return list(argv[i + 1]);
        } else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
            entry = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--reflect") == 0) {
            reflect = true;
        } else if (strcmp(argv[i], "--typed") == 0) {
            typed = true;
        } else if (strcmp(argv[i], "--in-process") == 0) {
            in_process = true;
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!file) {
        usage(stderr);
        return 2;
    }
    size_t size;
    unsigned char *buf = read_file(file, &size);
    if (!buf)
        return 1;
    struct air_options opt = { .entry = entry, .typed_pointers = typed };
    struct air_result *r = NULL;
    struct air_diag diag = { { 0 } };
    enum air_status st = in_process ? air_translate_in_process(buf, size, &opt, &r, &diag)
                                    : air_translate(buf, size, &opt, &r, &diag);
    free(buf);
    if (st != AIR_OK) {
        fprintf(stderr, "lagfx-air2spv: %s: %s: %s\n", file, air_status_string(st), diag.msg);
        return 1;
    }
    int rc = 0;
    if (out) {
        FILE *f = fopen(out, "wb");
        if (!f || fwrite(r->words, 4, r->word_count, f) != r->word_count) {
            fprintf(stderr, "lagfx-air2spv: %s: %s\n", out, strerror(errno));
            rc = 1;
        }
        if (f && fclose(f) != 0)
            rc = 1;
    }
    if (reflect) {
        char *json = air_result_json(r);
        if (json)
            printf("%s\n", json);
        else
            rc = 1;
        ut_free(json);
    }
    air_result_unref(r);
    return rc;
}
