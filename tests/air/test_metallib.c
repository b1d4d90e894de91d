/* SPDX-License-Identifier: MIT */
/*
 * air-metallib: containers written by mkmtlb parse back (both tag orders, HASH verified,
 * slots bounded by the wrapper); every truncation, lying sizes, a group without ENDT, an
 * oversized function count and garbage give INVALID_DATA (or fail only that function), never
 * a crash. args: a metallib with two functions, the same with the alternate tag order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "air/air.h"
#include "air/metallib.h"
#include "check.h"
#include "memory/reader.h"

static void
check_good(const unsigned char *buf, size_t size)
{
    struct air_mtlb *lib = NULL;
    struct air_diag d = { { 0 } };
    CHECK_EQ_INT(air_mtlb_parse(buf, size, &lib, &d), AIR_OK);
    REQUIRE(lib);
    CHECK_EQ_U32(lib->function_count, 2);
    const struct air_mtlb_function *k = air_mtlb_find(lib, "scale_cs");
    const struct air_mtlb_function *v = air_mtlb_find(lib, "quad_vs");
    REQUIRE(k && v);
    CHECK_EQ_U32(k->type, AIR_FN_KERNEL);
    CHECK_EQ_U32(v->type, AIR_FN_VERTEX);
    CHECK_EQ_INT(k->status, AIR_OK);
    CHECK(air_mtlb_hash_ok(k));
    CHECK(air_mtlb_hash_ok(v));
    CHECK(k->bitcode && k->bitcode[0] == 'B' && k->bitcode[1] == 'C');
    CHECK(k->bitcode_size < k->slot_size); /* narrowed by the wrapper */
    CHECK_EQ_U32(v->vers[0], 2);
    air_mtlb_free(lib);

    struct air_options opt = { .entry = "scale_cs" };
    struct air_result *r = NULL;
    CHECK_EQ_INT(air_translate(buf, size, &opt, &r, &d), AIR_OK);
    if (r)
        CHECK_EQ_INT(r->stage, AIR_STAGE_KERNEL);
    air_result_unref(r);
    r = NULL;
    memset(&d, 0, sizeof(d));
    CHECK_EQ_INT(air_translate(buf, size, NULL, &r, &d), AIR_INVALID_DATA); /* two: name one */
    CHECK(strstr(d.msg, "name one") != NULL);
}

static enum air_status
parse(const unsigned char *buf, size_t size, struct air_diag *d)
{
    struct air_mtlb *lib = NULL;
    memset(d, 0, sizeof(*d));
    enum air_status st = air_mtlb_parse(buf, size, &lib, d);
    air_mtlb_free(lib);
    return st;
}

int
main(int argc, char **argv)
{
    REQUIRE(argc == 3);
    size_t size, size2;
    unsigned char *buf = check_slurp(argv[1], &size);
    unsigned char *alt = check_slurp(argv[2], &size2);
    check_good(buf, size);
    check_good(alt, size2);
    struct air_diag d;

    /* Every truncation is rejected (the header's total size no longer fits). */
    for (size_t n = 0; n < size; n++)
        if (parse(buf, n, &d) != AIR_INVALID_DATA) {
            fprintf(stderr, "truncation to %zu bytes accepted\n", n);
            check_failures++;
            break;
        }
    CHECK(parse(buf, 60, &d) == AIR_INVALID_DATA && strstr(d.msg, "truncated"));

    unsigned char *m = malloc(size);
    REQUIRE(m);
    /* Total size lies upward. */
    memcpy(m, buf, size);
    mem_put_le64(m + 0x10, size + 1);
    CHECK_EQ_INT(parse(m, size, &d), AIR_INVALID_DATA);
    CHECK(strstr(d.msg, "only") != NULL);
    /* Bitcode section runs past the file (and an overflowing offset). */
    memcpy(m, buf, size);
    mem_put_le64(m + 0x50, size);
    CHECK_EQ_INT(parse(m, size, &d), AIR_INVALID_DATA);
    CHECK(strstr(d.msg, "bitcode section") != NULL);
    memcpy(m, buf, size);
    mem_put_le64(m + 0x48, UINT64_MAX - 3);
    CHECK_EQ_INT(parse(m, size, &d), AIR_INVALID_DATA);
    /* Function count above the cap, and one that runs past the list. */
    memcpy(m, buf, size);
    mem_put_le32(m + 88, 5000);
    CHECK_EQ_INT(parse(m, size, &d), AIR_INVALID_DATA);
    CHECK(strstr(d.msg, "cap") != NULL);
    memcpy(m, buf, size);
    mem_put_le32(m + 88, 3);
    CHECK_EQ_INT(parse(m, size, &d), AIR_INVALID_DATA);
    /* A group without ENDT fails that function only. */
    memcpy(m, buf, size);
    uint32_t g0 = mem_le32(m + 92);
    memcpy(m + 92 + g0 - 4, "XXXX", 4);
    struct air_mtlb *lib = NULL;
    memset(&d, 0, sizeof(d));
    CHECK_EQ_INT(air_mtlb_parse(m, size, &lib, &d), AIR_OK);
    if (lib) {
        CHECK_EQ_INT(lib->functions[0].status, AIR_INVALID_DATA);
        CHECK_EQ_INT(lib->functions[1].status, AIR_OK);
        air_mtlb_free(lib);
    }
    /* MDSZ lying past the section: the function is unusable, the translation says why. */
    memcpy(m, buf, size);
    for (size_t i = 92; i + 14 < size; i++)
        if (memcmp(m + i, "MDSZ", 4) == 0) {
            mem_put_le64(m + i + 6, 1u << 30);
            break;
        }
    struct air_result *r = NULL;
    struct air_options opt = { .entry = "scale_cs" };
    memset(&d, 0, sizeof(d));
    CHECK_EQ_INT(air_translate(m, size, &opt, &r, &d), AIR_INVALID_DATA);
    CHECK(strstr(d.msg, "MDSZ") != NULL);
    /* Garbage and bad wrappers. */
    memset(m, 0xA5, size);
    CHECK_EQ_INT(parse(m, size, &d), AIR_INVALID_DATA);
    CHECK(strstr(d.msg, "magic") != NULL);
    static const unsigned char wrap_bad[20] = {
        0xDE, 0xC0, 0x17, 0x0B, 0, 0, 0, 0, 20, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF
    };
    CHECK_EQ_INT(parse(wrap_bad, sizeof(wrap_bad), &d), AIR_INVALID_DATA);
    CHECK(strstr(d.msg, "wrapper stream") != NULL);
    /* Flipped bytes anywhere in the container structure: no crash, any status (bitcode
     * corruption is the importer fuzzer's job). */
    for (size_t i = 0; i < mem_le64(buf + 0x48); i++) {
        memcpy(m, buf, size);
        m[i] ^= 0x5A;
        r = NULL;
        memset(&d, 0, sizeof(d));
        if (air_translate(m, size, &opt, &r, &d) == AIR_OK)
            air_result_unref(r);
    }
    free(m);
    free(buf);
    free(alt);
    return check_finish();
}
