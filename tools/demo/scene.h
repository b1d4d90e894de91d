/* SPDX-License-Identifier: MIT */
/*
 * The login scene of lagfx-demo as data: the layer list for a display size (wallpaper, blurred
 * panel and its tint, avatar, name and hint glyph rows, password field, dots, caret, status
 * glyphs), the procedural images (wallpaper gradient, round avatar, arrow cursor) and the blur
 * taps. Pure CPU and deterministic: the guest compositor (guest.c) and the raw Vulkan baseline
 * of bench/demo draw exactly these layers. Any thread; no shared state.
 */
#ifndef LAGFX_TOOLS_DEMO_SCENE_H
#define LAGFX_TOOLS_DEMO_SCENE_H

#include <stdbool.h>
#include <stdint.h>

/* What a layer is drawn with: one pipeline of the demo per kind (guest.c). */
enum demo_kind {
    DEMO_KIND_WALLPAPER, /* composite VS + composite FS, opaque */
    DEMO_KIND_BLUR,      /* composite VS + blur FS, opaque (samples the wallpaper) */
    DEMO_KIND_AVATAR,    /* composite VS + composite FS, premultiplied source-over */
    DEMO_KIND_FILL,      /* fill VS + fill FS, premultiplied source-over */
    DEMO_KIND_COUNT
};

struct demo_rect {
    int32_t x, y, w, h; /* pixels, origin top-left */
};

struct demo_layer {
    uint8_t kind; /* enum demo_kind */
    bool caret;   /* drawn only while the caret is on */
    struct demo_rect r;
    float color[4]; /* fills: premultiplied RGBA */
    float uv[4];    /* composites: u0, v0, u1, v1 of the texture */
};

#define DEMO_MAX_LAYERS 96
#define DEMO_BLUR_TAPS  25
#define DEMO_AVATAR_PX  256 /* avatar texture size */
#define DEMO_CURSOR_PX  32  /* cursor glyph size */

struct demo_scene {
    uint32_t width, height;
    uint32_t count;
    struct demo_layer layer[DEMO_MAX_LAYERS];
    uint32_t caret; /* index of the caret layer */
    struct demo_rect panel;
    float taps[DEMO_BLUR_TAPS][4]; /* {du, dv, weight, 0} in wallpaper UV units */
};

/* Lays the scene out for a display of width x height (≥ 320 x 200). */
void demo_scene_init(struct demo_scene *s, uint32_t width, uint32_t height);

/* Caret state of frame n at hz frames per second: on for half a second, off for half. */
bool demo_caret_on(uint64_t frame, uint32_t hz);
/* Cursor hotspot of frame n: a slow Lissajous path over the display. */
void
demo_cursor_pos(const struct demo_scene *s, uint64_t frame, uint32_t hz, int32_t *x, int32_t *y);

/* BGRA8 (bytes B, G, R, A), top-down, `pitch` bytes per row. */
void demo_wallpaper(uint8_t *px, uint32_t width, uint32_t height, uint32_t pitch);
/* Premultiplied BGRA8 round avatar, DEMO_AVATAR_PX square. */
void demo_avatar(uint8_t *px, uint32_t pitch);
/* Straight-alpha BGRA8 arrow, DEMO_CURSOR_PX square, hotspot (1, 1). */
void demo_cursor(uint8_t *px, uint32_t pitch);

/* What the surface holds, for damage tracking (performance.md §5.1). */
struct demo_damage {
    bool drawn;       /* a full frame was drawn */
    bool caret_drawn; /* ... and the caret is visible in it */
};
/* What frame n must render: false when nothing changed (present again without rendering);
 * else *rect is the damage, *clear says whether it is the whole scene (load action Clear)
 * and *caret whether the caret is drawn. Updates st as if the render happened. */
bool demo_damage_next(const struct demo_scene *s,
                      struct demo_damage *st,
                      uint64_t n,
                      uint32_t hz,
                      bool full,
                      struct demo_rect *rect,
                      bool *clear,
                      bool *caret);

/* The layer buffers both the guest and the raw baseline bind, one slot per layer:
 * pos: 4 float2 pixel positions (fill VS); col: one float4 premultiplied colour (fill FS);
 * vert: 4 {float2 NDC position, float2 uv} (composite VS). Strip order: top-left,
 * bottom-left, top-right, bottom-right. Arrays of s->count slots. */
void demo_scene_buffers(const struct demo_scene *s, float *pos, float *col, float *vert);

/* Intersection of a and b; false when empty. */
bool demo_rect_clip(struct demo_rect a, struct demo_rect b, struct demo_rect *out);

#endif
