/* SPDX-License-Identifier: MIT */
/* Writing frames as PNG files (libpng) for lagfx-replay and lagfx-demo. One thread. */
#ifndef LAGFX_TOOLS_PNG_WRITE_H
#define LAGFX_TOOLS_PNG_WRITE_H

#include <stdbool.h>
#include <stdint.h>

/* Writes a top-down BGRA/BGRX frame (bytes B, G, R, X) as an 8-bit RGB PNG. False with errno
 * set (or EIO) on failure; the message is in png_write_error(). */
bool png_write_bgrx(const char *path,
                    const uint8_t *pixels,
                    uint32_t width,
                    uint32_t height,
                    uint32_t stride);
const char *png_write_error(void);

#endif
