/* SPDX-License-Identifier: MIT */
/* PNG writer for the tools (png_write.h): libpng's simplified API, RGB, no alpha. */
#include "png_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

static char last_error[256];

const char *
png_write_error(void)
{
    return last_error;
}

bool
png_write_bgrx(const char *path,
               const uint8_t *pixels,
               uint32_t width,
               uint32_t height,
               uint32_t stride)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    img.width = width;
    img.height = height;
    img.format = PNG_FORMAT_BGRA;
    /* Force opaque: copy with alpha 0xFF, since XRGB frames carry no alpha. */
    uint8_t *tmp = malloc((size_t)width * height * 4);
    if (!tmp) {
        snprintf(last_error, sizeof(last_error), "out of memory");
        return false;
    }
    for (uint32_t y = 0; y < height; y++) {
        memcpy(tmp + (size_t)y * width * 4, pixels + (size_t)y * stride, (size_t)width * 4);
        for (uint32_t x = 0; x < width; x++)
            tmp[((size_t)y * width + x) * 4 + 3] = 0xFF;
    }
    img.format = PNG_FORMAT_BGR; /* stored as RGB */
    uint8_t *rgb = malloc((size_t)width * height * 3);
    if (!rgb) {
        free(tmp);
        snprintf(last_error, sizeof(last_error), "out of memory");
        return false;
    }
    for (size_t i = 0; i < (size_t)width * height; i++)
        memcpy(rgb + 3 * i, tmp + 4 * i, 3);
    free(tmp);
    int ok = png_image_write_to_file(&img, path, 0, rgb, (png_int_32)width * 3, NULL);
    if (!ok)
        snprintf(last_error, sizeof(last_error), "%s: %s", path, img.message);
    free(rgb);
    png_image_free(&img);
    return ok != 0;
}
