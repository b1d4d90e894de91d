/* SPDX-License-Identifier: MIT */
/*
 * pngcmp: compares two PNG images for the demo's tests. Pixels whose largest channel
 * difference (R, G, B; alpha ignored, frames are opaque) exceeds the tolerance are counted;
 * the comparison passes when at most --max-pixels differ. --region limits it to a rectangle
 * of the first image (the second may be that rectangle only, with --crop). Prints what it
 * found. Exit 0 pass, 1 differ, 2 usage or unreadable file. Single-threaded test tool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

struct image {
    png_uint_32 w, h;
    png_bytep px; /* RGBA, 4 bytes per pixel */
};

static int
load(const char *path, struct image *im)
{
    png_image pi;
    memset(&pi, 0, sizeof(pi));
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&pi, path)) {
        fprintf(stderr, "pngcmp: %s: %s\n", path, pi.message);
        return 0;
    }
    pi.format = PNG_FORMAT_RGBA;
    im->w = pi.width;
    im->h = pi.height;
    im->px = malloc(PNG_IMAGE_SIZE(pi));
    if (!im->px || !png_image_finish_read(&pi, NULL, im->px, 0, NULL)) {
        fprintf(stderr, "pngcmp: %s: %s\n", path, im->px ? pi.message : "out of memory");
        free(im->px);
        png_image_free(&pi);
        return 0;
    }
    return 1;
}

int
main(int argc, char **argv)
{
    long tol = 0, max_pixels = 0, rx = 0, ry = 0, rw = -1, rh = -1;
    int crop = 0, i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (!strcmp(argv[i], "--tolerance") && i + 1 < argc)
            tol = atol(argv[++i]);
        else if (!strcmp(argv[i], "--max-pixels") && i + 1 < argc)
            max_pixels = atol(argv[++i]);
        else if (!strcmp(argv[i], "--region") && i + 1 < argc &&
                 sscanf(argv[i + 1], "%ld,%ld,%ld,%ld", &rx, &ry, &rw, &rh) == 4)
            i++;
        else if (!strcmp(argv[i], "--crop"))
            crop = 1;
        else
            break;
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: pngcmp [--tolerance T] [--max-pixels N] [--region X,Y,W,H "
                        "[--crop]] EXPECTED.png ACTUAL.png\n");
        return 2;
    }
    struct image a, b;
    if (!load(argv[i], &a))
        return 2;
    if (!load(argv[i + 1], &b)) {
        free(a.px);
        return 2;
    }
    if (rw < 0) {
        rw = a.w;
        rh = a.h;
    }
    int rc = 0;
    png_uint_32 bw = crop ? (png_uint_32)rw : a.w, bh = crop ? (png_uint_32)rh : a.h;
    if (rx < 0 || ry < 0 || rx + rw > (long)a.w || ry + rh > (long)a.h || b.w != bw || b.h != bh) {
        fprintf(stderr, "pngcmp: sizes differ: %ux%u vs %ux%u (region %ld,%ld %ldx%ld)\n", a.w, a.h,
                b.w, b.h, rx, ry, rw, rh);
        rc = 1;
    } else {
        long bad = 0, worst = 0;
        for (long y = ry; y < ry + rh; y++)
            for (long x = rx; x < rx + rw; x++) {
                const png_byte *p = a.px + 4 * ((size_t)y * a.w + x);
                long bx = crop ? x - rx : x, by = crop ? y - ry : y;
                const png_byte *q = b.px + 4 * ((size_t)by * b.w + bx);
                long d = 0;
                for (int c = 0; c < 3; c++) {
                    long e = labs((long)p[c] - (long)q[c]);
                    d = e > d ? e : d;
                }
                worst = d > worst ? d : worst;
                bad += d > tol;
            }
        printf("pngcmp: %s: %ld of %ld pixels differ by more than %ld (largest difference %ld; "
               "allowed %ld)\n",
               argv[i + 1], bad, rw * rh, tol, worst, max_pixels);
        rc = bad > max_pixels;
    }
    free(a.px);
    free(b.px);
    return rc;
}
