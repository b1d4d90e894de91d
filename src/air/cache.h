/* SPDX-License-Identifier: MIT */
/*
 * Translation cache (spec/air.md §8): results keyed by XXH3-128 of the input bytes, entry
 * name, translator version, LLVM major and output-changing options; a memory LRU capped in
 * bytes (failures cached too), and an optional disk cache of checksummed files written by
 * temporary file + rename. Any thread: one mutex guards the memory table; translation and
 * disk I/O run outside it.
 */
#ifndef LAGFX_AIR_CACHE_H
#define LAGFX_AIR_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "air/air.h"

#define AIR_CACHE_MEM_DEFAULT (64u << 20) /* §8: 64 MiB */
#define AIR_CACHE_FILE_MAX    (16u << 20) /* larger disk files are corrupt by definition */

struct air_cache;

struct air_cache_key {
    uint8_t b[16];
};

struct air_cache_stats {
    uint64_t mem_hits, disk_hits, misses, evictions, disk_rejects, disk_writes;
    size_t mem_bytes;
};

/*
 * mem_cap: bytes of results kept in memory (0: AIR_CACHE_MEM_DEFAULT). dir: the disk cache
 * directory; NULL reads LAGFX_CACHE_DIR; "" or unset turns the disk cache off. Errors:
 * OUT_OF_MEMORY.
 */
enum air_status air_cache_new(size_t mem_cap, const char *dir, struct air_cache **out);
void air_cache_free(struct air_cache *c);

/* The key of one translation request. Any thread. */
void air_cache_key(const void *bytes,
                   size_t size,
                   const struct air_options *opt,
                   struct air_cache_key *key);

/*
 * air_translate through the cache: a memory hit returns another reference to the same result
 * (or the same failure and message), a disk hit deserialises a checked file, a miss translates
 * and stores. Any thread.
 */
enum air_status air_cache_translate(struct air_cache *c,
                                    const void *bytes,
                                    size_t size,
                                    const struct air_options *opt,
                                    struct air_result **out,
                                    struct air_diag *diag);

void air_cache_get_stats(struct air_cache *c, struct air_cache_stats *st);

/* The disk file of a key (tests corrupt it); buf of at least 4096 bytes; false when off. */
bool air_cache_file_path(const struct air_cache *c,
                         const struct air_cache_key *key,
                         char *buf,
                         size_t len);

/* Serialised form (disk files, tests): ut_ allocated payload / checked parse. */
enum air_status air_result_serialize(const struct air_result *r, uint8_t **out, size_t *size);
enum air_status air_result_deserialize(const uint8_t *p, size_t size, struct air_result **out);

#endif /* LAGFX_AIR_CACHE_H */
