/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4), our own, for the metallib HASH tag: strict container checks and the
 * test packer (spec/air.md §2.2, §2.4). Pure function; any thread.
 */
#ifndef LAGFX_AIR_SHA256_H
#define LAGFX_AIR_SHA256_H

#include <stddef.h>
#include <stdint.h>

void air_sha256(const void *data, size_t len, uint8_t out[32]);

#endif /* LAGFX_AIR_SHA256_H */
