/* SPDX-License-Identifier: MIT */
/*
 * Shared by bench-draw and bench-compose (performance.md §4.7, §4.8): a list of rectangles
 * filled with the demo's fill shaders (the AIR-shaped login fixtures login_fill_vs/_fs, packed
 * by tools/demo), premultiplied source-over, drawn two ways on the same device:
 *  - fill_lib: a simulated guest task (guestsim/guestobj) encodes the draws into ExecIndirect
 *    command buffers on channel 1 and the whole library renders them;
 *  - fill_raw: direct Vulkan calls with the same translated SPIR-V, blending and buffers
 *    (the approach of bench/demo/raw.c), one command buffer, one render pass.
 * Per draw both arms move the fill colour buffer's offset and draw a 4-vertex strip; every
 * `switch_every` draws they change between two pipelines (blended, opaque). Single-threaded.
 */
#ifndef LAGFX_BENCH_DRAW_FILL_H
#define LAGFX_BENCH_DRAW_FILL_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

struct fill_rect {
    float x, y, w, h; /* pixels, origin top-left */
    float color[4];   /* premultiplied RGBA */
};

/* The 4 strip positions (pixels) and the colour of each rectangle, as both arms upload them. */
void fill_positions(const struct fill_rect *rects, uint32_t n, float *pos, float *col);

struct fill_lib;
struct fill_raw;

/* Opens a guestsim device with one display of w x h, the guest task and its objects (two
 * fill pipelines, the rectangles' buffers, the scanout surface as render target). */
bool fill_lib_new(uint32_t w,
                  uint32_t h,
                  const struct fill_rect *rects,
                  uint32_t n,
                  struct fill_lib **out);
/* The device's name (deviceName) and driver string, for env. */
const char *fill_lib_gpu(const struct fill_lib *l);
/* Encodes the rectangles into command buffers of at most per_cb draws each (pre-encoded: not
 * timed); without offsets every draw uses rectangle 0's colour (no per-draw offset change). */
bool fill_lib_encode(struct fill_lib *l, uint32_t per_cb, uint32_t switch_every, bool offsets);
/* Puts the pre-encoded command buffers, rings, waits for the last stamp; with present, then
 * presents the surface on display 0 and reads the frame back (lagfx_display_read_frame). */
bool fill_lib_run(struct fill_lib *l, bool present);
const uint8_t *fill_lib_pixels(const struct fill_lib *l);
void fill_lib_free(struct fill_lib *l);

/* The raw arm on the device named `device` (NULL: the first). */
bool fill_raw_new(uint32_t w,
                  uint32_t h,
                  const char *device,
                  const struct fill_rect *rects,
                  uint32_t n,
                  struct fill_raw **out);
const char *fill_raw_driver(const struct fill_raw *r);
/* Records one command buffer (clear, every rectangle in one render pass; with pass_every, a
 * new render pass (load) every pass_every draws, as the library's run of several command
 * buffers has), submits and waits;
 * without offsets every draw uses rectangle 0's colour; with copy_out, also copies the target to a
 * host buffer and memcpys it out (present by copy and the VMM's read). */
bool fill_raw_run(struct fill_raw *r,
                  uint32_t switch_every,
                  uint32_t pass_every,
                  bool offsets,
                  bool copy_out);
const uint8_t *fill_raw_pixels(const struct fill_raw *r);
void fill_raw_free(struct fill_raw *r);

/* True when a Vulkan device is there (else the benchmarks skip, exit 0). */
bool fill_have_device(void);
/* bench_print with env.vk_device, env.vk_driver and env.resolution filled in (resolution
 * "WxH", or null when w is 0). */
void fill_print(const struct bench_env *env,
                const struct bench_figure *f,
                const char *device,
                const char *driver,
                uint32_t w,
                uint32_t h);
/* Name suffix ".lp1" when LP_NUM_THREADS=1 (performance.md §2), else "". */
const char *fill_lp_suffix(void);

#endif
