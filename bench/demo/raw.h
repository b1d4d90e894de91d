/* SPDX-License-Identifier: MIT */
/*
 * The raw Vulkan baseline of bench-demo: the login scene drawn by direct Vulkan calls with the
 * same SPIR-V, state and damage as the library renders for the guest (raw.c). One thread.
 */
#ifndef LAGFX_BENCH_DEMO_RAW_H
#define LAGFX_BENCH_DEMO_RAW_H

#include <stdbool.h>
#include <stdint.h>

struct raw;

/* Opens the device named `device` (NULL: the first), translates the demo's shaders and creates
 * the scene's objects. On failure *out may hold a partial object for raw_free. */
bool raw_new(uint32_t width, uint32_t height, uint32_t hz, const char *device, struct raw **out);
/* Frame n (counting from 0 per object): render what changed, copy, wait, read. */
bool raw_frame(struct raw *r, bool full, uint32_t *draws);
/* The last frame read back (BGRA8, width * 4 bytes per row). */
const uint8_t *raw_pixels(const struct raw *r);
void raw_free(struct raw *r);

#endif
