/* SPDX-License-Identifier: MIT */
/*
 * air-cache: the translation cache of air.md §8. A second request is a memory hit returning
 * the same result; a fresh cache over the same directory gets a disk hit with identical words
 * and reflection; a failure is cached with its message; a corrupted or truncated file, or one
 * with another key, is detected, deleted and replaced by a retranslation; the memory LRU
 * evicts down to its byte cap; a hostile serialised payload never crashes the reader.
 * args: GOOD.air OTHER.air BAD.air (a _bad_ fixture).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "air/cache.h"
#include "check.h"

static bool
same(const struct air_result *a, const struct air_result *b)
{
    return a->word_count == b->word_count && memcmp(a->words, b->words, a->word_count * 4) == 0 &&
           a->nbindings == b->nbindings &&
           memcmp(a->bindings, b->bindings, a->nbindings * sizeof(*a->bindings)) == 0 &&
           a->nvaryings == b->nvaryings &&
           memcmp(a->varyings, b->varyings, a->nvaryings * sizeof(*a->varyings)) == 0 &&
           a->nattachments == b->nattachments && a->stage == b->stage &&
           strcmp(a->name, b->name) == 0 && a->needs_scalar_layout == b->needs_scalar_layout;
}

static struct air_result *
get(struct air_cache *c, const unsigned char *b, size_t n, enum air_status want)
{
    struct air_result *r = NULL;
    struct air_diag d = { { 0 } };
    enum air_status st = air_cache_translate(c, b, n, NULL, &r, &d);
    CHECK_EQ_INT(st, want);
    if (want != AIR_OK)
        CHECK(d.msg[0] != 0);
    return r;
}

/* Rewrites the cache file of (b, n) through fn; returns false if it does not exist. */
static bool
mangle(struct air_cache *c, const unsigned char *b, size_t n, int how)
{
    struct air_cache_key k;
    char path[4096];
    air_cache_key(b, n, NULL, &k);
    REQUIRE(air_cache_file_path(c, &k, path, sizeof(path)));
    size_t size;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fclose(f);
    unsigned char *data = check_slurp(path, &size);
    if (how == 0)
        data[400] ^= 0x40; /* a bit of the SPIR-V words: checksum */
    else if (how == 1)
        size -= 7; /* truncation: size */
    else
        data[20] ^= 1; /* key */
    f = fopen(path, "wb");
    REQUIRE(f && fwrite(data, 1, size, f) == size);
    fclose(f);
    free(data);
    return true;
}

int
main(int argc, char **argv)
{
    REQUIRE(argc == 4);
    size_t n1, n2, n3;
    unsigned char *good = check_slurp(argv[1], &n1), *other = check_slurp(argv[2], &n2),
                  *bad = check_slurp(argv[3], &n3);
    char dir[] = "/tmp/lagfx-air-cache-XXXXXX";
    REQUIRE(mkdtemp(dir));

    struct air_cache *c;
    REQUIRE(air_cache_new(0, dir, &c) == AIR_OK);
    struct air_result *a = get(c, good, n1, AIR_OK);
    struct air_result *b = get(c, good, n1, AIR_OK);
    CHECK(a && a == b); /* memory hit: the same immutable result */
    struct air_result *o = get(c, other, n2, AIR_OK);
    CHECK(o && o != a);
    get(c, bad, n3, AIR_NOT_SUPPORTED);
    get(c, bad, n3, AIR_NOT_SUPPORTED); /* failure remembered with its message */
    struct air_cache_stats st;
    air_cache_get_stats(c, &st);
    CHECK_EQ_U64(st.mem_hits, 2);
    CHECK_EQ_U64(st.misses, 3);
    CHECK_EQ_U64(st.disk_writes, 2);
    air_result_unref(b);
    air_cache_free(c);

    /* A fresh process-like cache over the same directory: disk hit, identical result. */
    REQUIRE(air_cache_new(0, dir, &c) == AIR_OK);
    b = get(c, good, n1, AIR_OK);
    CHECK(b && same(a, b));
    air_cache_get_stats(c, &st);
    CHECK_EQ_U64(st.disk_hits, 1);
    CHECK_EQ_U64(st.misses, 0);
    air_result_unref(b);
    air_cache_free(c);

    /* Corrupted, truncated and foreign-key files are rejected, deleted and rewritten. */
    for (int how = 0; how < 3; how++) {
        REQUIRE(air_cache_new(0, dir, &c) == AIR_OK);
        CHECK(mangle(c, good, n1, how));
        b = get(c, good, n1, AIR_OK);
        CHECK(b && same(a, b));
        air_cache_get_stats(c, &st);
        CHECK_EQ_U64(st.disk_rejects, 1);
        CHECK_EQ_U64(st.disk_hits, 0);
        CHECK_EQ_U64(st.misses, 1);
        CHECK_EQ_U64(st.disk_writes, 1);
        air_result_unref(b);
        air_cache_free(c);
    }

    /* LRU: a cap below two results keeps only the most recent. */
    REQUIRE(air_cache_new(1, "", &c) == AIR_OK);
    air_result_unref(get(c, good, n1, AIR_OK));
    air_result_unref(get(c, other, n2, AIR_OK));
    air_result_unref(get(c, good, n1, AIR_OK));
    air_cache_get_stats(c, &st);
    CHECK_EQ_U64(st.mem_hits, 0);
    CHECK_EQ_U64(st.misses, 3);
    CHECK_EQ_U64(st.evictions, 2);
    air_cache_free(c);

    /* Serialised payloads: round trip, then every truncation and single-byte flip is either
     * rejected or parses to something structurally valid (ASan watches). */
    uint8_t *p;
    size_t plen;
    REQUIRE(air_result_serialize(a, &p, &plen) == AIR_OK);
    struct air_result *r;
    CHECK(air_result_deserialize(p, plen, &r) == AIR_OK && same(a, r));
    air_result_unref(r);
    for (size_t cut = 0; cut < plen; cut += 7)
        CHECK(air_result_deserialize(p, cut, &r) == AIR_INVALID_DATA);
    for (size_t i = 0; i < plen; i += 3) {
        p[i] ^= 0xA5;
        if (air_result_deserialize(p, plen, &r) == AIR_OK)
            air_result_unref(r);
        p[i] ^= 0xA5;
    }
    free(p);

    air_result_unref(a);
    air_result_unref(o);
    free(good);
    free(other);
    free(bad);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_finish();
}
