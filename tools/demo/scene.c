/* SPDX-License-Identifier: MIT */
/*
 * The login scene as data (scene.h): layout scaled from a 1280 x 800 design, the procedural
 * wallpaper, avatar and cursor images, blur taps, the caret's blink and the cursor's path, all
 * functions of the display size and the frame number only, so a frame is reproducible from its
 * number (golden images, replay). Pure CPU; any thread.
 */
#include "scene.h"

#include <math.h>
#include <string.h>

static int32_t
px(double v)
{
    return (int32_t)lrint(v);
}

static struct demo_layer *
add(struct demo_scene *s, uint8_t kind, double x, double y, double w, double h)
{
    if (s->count == DEMO_MAX_LAYERS)
        return NULL;
    struct demo_layer *l = &s->layer[s->count++];
    memset(l, 0, sizeof(*l));
    l->kind = kind;
    l->r = (struct demo_rect){ px(x), px(y), px(w) > 0 ? px(w) : 1, px(h) > 0 ? px(h) : 1 };
    return l;
}

/* A premultiplied fill of colour (r, g, b) at opacity a. */
static void
fill(struct demo_scene *s,
     double x,
     double y,
     double w,
     double h,
     float r,
     float g,
     float b,
     float a)
{
    struct demo_layer *l = add(s, DEMO_KIND_FILL, x, y, w, h);
    if (!l)
        return;
    l->color[0] = r * a;
    l->color[1] = g * a;
    l->color[2] = b * a;
    l->color[3] = a;
}

/* A row of text-like glyph quads centred on cx: lower-case bodies with the odd ascender, words
 * separated by spaces; the seed picks the "letters". */
static void
text(struct demo_scene *s,
     double cx,
     double baseline,
     double cap,
     uint32_t letters,
     uint32_t seed,
     float r,
     float g,
     float b,
     float a)
{
    double adv[64], wid[64], hgt[64];
    double total = 0;
    uint32_t st = seed * 2654435761u + 12345u;
    if (letters > 64)
        letters = 64;
    for (uint32_t i = 0; i < letters; i++) {
        st = st * 1103515245u + 12345u;
        uint32_t v = st >> 16;
        bool space = i > 0 && i + 1 < letters && v % 7 == 0;
        wid[i] = space ? 0 : cap * (0.38 + 0.08 * (v % 5));
        hgt[i] = space ? 0 : (v % 4 == 1 ? cap : cap * 0.62);
        if (i == 0)
            hgt[i] = cap; /* a capital first */
        adv[i] = space ? cap * 0.45 : wid[i] + cap * 0.14;
        total += adv[i];
    }
    double x = cx - total / 2;
    for (uint32_t i = 0; i < letters; i++) {
        if (wid[i] > 0)
            fill(s, x, baseline - hgt[i], wid[i], hgt[i], r, g, b, a);
        x += adv[i];
    }
}

void
demo_scene_init(struct demo_scene *s, uint32_t width, uint32_t height)
{
    memset(s, 0, sizeof(*s));
    s->width = width;
    s->height = height;
    double k = height / 800.0; /* the design is 1280 x 800 */
    double cx = width / 2.0;

    struct demo_layer *w = add(s, DEMO_KIND_WALLPAPER, 0, 0, width, height);
    w->uv[2] = w->uv[3] = 1.0f;

    /* Status glyphs top right (clock, wifi, battery), like the login window's menu extras. */
    text(s, width - 110 * k, 26 * k, 13 * k, 9, 7, 1, 1, 1, 0.92f);
    fill(s, width - 210 * k, 14 * k, 22 * k, 12 * k, 1, 1, 1, 0.85f);

    /* The panel: a blurred copy of the wallpaper behind it, then a light tint. */
    double pw = 440 * k, ph = 360 * k, px0 = cx - pw / 2, py0 = height * 0.5 - ph / 2;
    struct demo_layer *p = add(s, DEMO_KIND_BLUR, px0, py0, pw, ph);
    s->panel = p->r;
    p->uv[0] = (float)(p->r.x / (double)width);
    p->uv[1] = (float)(p->r.y / (double)height);
    p->uv[2] = (float)((p->r.x + p->r.w) / (double)width);
    p->uv[3] = (float)((p->r.y + p->r.h) / (double)height);
    fill(s, px0, py0, pw, ph, 1, 1, 1, 0.16f);
    fill(s, px0, py0, pw, 1.5 * k, 1, 1, 1, 0.35f); /* a lit top edge */

    /* Avatar, name, password field with dots and caret, hint. */
    double av = 128 * k, ay = py0 + 44 * k;
    struct demo_layer *a = add(s, DEMO_KIND_AVATAR, cx - av / 2, ay, av, av);
    a->uv[2] = a->uv[3] = 1.0f;
    text(s, cx, ay + av + 48 * k, 20 * k, 11, 3, 1, 1, 1, 1.0f);
    double fw = 260 * k, fh = 36 * k, fx = cx - fw / 2, fy = ay + av + 76 * k;
    fill(s, fx, fy, fw, fh, 1, 1, 1, 0.82f);
    fill(s, fx, fy + fh - 1.5 * k, fw, 1.5 * k, 0.2f, 0.35f, 0.8f, 0.9f); /* focus line */
    double dot = 9 * k, dx = fx + 14 * k, dy = fy + (fh - dot) / 2;
    for (int i = 0; i < 6; i++)
        fill(s, dx + i * (dot + 7 * k), dy, dot, dot, 0.12f, 0.12f, 0.14f, 0.95f);
    s->caret = s->count;
    fill(s, dx + 6 * (dot + 7 * k) + 2 * k, fy + 7 * k, 2 * k, fh - 14 * k, 0.05f, 0.25f, 0.85f, 1);
    s->layer[s->caret].caret = true;
    text(s, cx, fy + fh + 34 * k, 12 * k, 17, 11, 1, 1, 1, 0.7f);

    /* Bottom row: "Sleep  Restart  Shut Down" as three icon-and-label groups. */
    for (int i = -1; i <= 1; i++) {
        double gx = cx + i * 120 * k;
        fill(s, gx - 14 * k, height - 110 * k, 28 * k, 28 * k, 1, 1, 1, 0.55f);
        text(s, gx, height - 64 * k, 11 * k, 6 + i, 20 + (uint32_t)(i + 1), 1, 1, 1, 0.8f);
    }

    /* Blur taps: a 5 x 5 Gaussian grid, 9 design pixels apart (wide enough to show). */
    double step = 9 * k, sum = 0;
    for (int j = 0; j < 5; j++)
        for (int i = 0; i < 5; i++) {
            double g = exp(-((i - 2) * (i - 2) + (j - 2) * (j - 2)) / 4.5);
            float *t = s->taps[j * 5 + i];
            t[0] = (float)((i - 2) * step / width);
            t[1] = (float)((j - 2) * step / height);
            t[2] = (float)g;
            t[3] = 0;
            sum += g;
        }
    for (int i = 0; i < DEMO_BLUR_TAPS; i++)
        s->taps[i][2] = (float)(s->taps[i][2] / sum);
}

bool
demo_caret_on(uint64_t frame, uint32_t hz)
{
    uint64_t half = hz / 2 ? hz / 2 : 1;
    return (frame / half) % 2 == 0;
}

void
demo_cursor_pos(const struct demo_scene *s, uint64_t frame, uint32_t hz, int32_t *x, int32_t *y)
{
    double t = (double)frame / (hz ? hz : 60);
    *x = px(s->width * (0.5 + 0.38 * sin(t * 0.9)));
    *y = px(s->height * (0.5 + 0.36 * sin(t * 1.3 + 0.6)));
}

static double
clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static double
smooth(double e0, double e1, double v)
{
    double t = clamp01((v - e0) / (e1 - e0));
    return t * t * (3 - 2 * t);
}

static uint8_t
u8(double v)
{
    return (uint8_t)lrint(clamp01(v) * 255.0);
}

void
demo_wallpaper(uint8_t *out, uint32_t width, uint32_t height, uint32_t pitch)
{
    /* Four corner colours blended bilinearly, then two families of soft ridges and a glow:
     * smooth everywhere, with enough structure that the panel's blur is visible. */
    static const double c[4][3] = {
        { 0.10, 0.16, 0.42 }, /* top left: deep blue */
        { 0.55, 0.20, 0.55 }, /* top right: violet */
        { 0.05, 0.45, 0.50 }, /* bottom left: teal */
        { 0.95, 0.55, 0.25 }, /* bottom right: amber */
    };
    for (uint32_t y = 0; y < height; y++) {
        double v = (y + 0.5) / height;
        uint8_t *row = out + (size_t)y * pitch;
        for (uint32_t x = 0; x < width; x++) {
            double u = (x + 0.5) / width;
            double rgb[3];
            for (int k = 0; k < 3; k++) {
                double top = c[0][k] + (c[1][k] - c[0][k]) * u;
                double bot = c[2][k] + (c[3][k] - c[2][k]) * u;
                rgb[k] = top + (bot - top) * v;
            }
            double wave = sin(u * 9.0 + 2.2 * sin(v * 5.0 + 1.0)) * 0.5 + 0.5;
            double ridge = smooth(0.78, 0.84, wave) - smooth(0.90, 0.97, wave);
            double wave2 = sin((u + v) * 14.0 + 1.5 * sin(u * 3.0)) * 0.5 + 0.5;
            double ridge2 = smooth(0.86, 0.9, wave2) - smooth(0.93, 0.98, wave2);
            double dx = (u - 0.72) * width / height, dy = v - 0.3;
            double glow = exp(-(dx * dx + dy * dy) / 0.03);
            for (int k = 0; k < 3; k++)
                rgb[k] = rgb[k] * (1 - 0.25 * ridge2) + 0.35 * ridge + 0.30 * glow;
            row[4 * x + 0] = u8(rgb[2]);
            row[4 * x + 1] = u8(rgb[1]);
            row[4 * x + 2] = u8(rgb[0]);
            row[4 * x + 3] = 255;
        }
    }
}

void
demo_avatar(uint8_t *out, uint32_t pitch)
{
    const double n = DEMO_AVATAR_PX, r = n / 2 - 2;
    for (uint32_t y = 0; y < DEMO_AVATAR_PX; y++)
        for (uint32_t x = 0; x < DEMO_AVATAR_PX; x++) {
            double fx = x + 0.5, fy = y + 0.5;
            double d = hypot(fx - n / 2, fy - n / 2);
            double cover = clamp01(r - d + 0.5); /* anti-aliased disc */
            /* A grey-blue gradient disc with a light "person": head and shoulders. */
            double g = 0.55 + 0.25 * (1 - fy / n);
            double rgb[3] = { g * 0.72, g * 0.78, g * 0.9 };
            double hd = hypot(fx - n / 2, fy - n * 0.39) - n * 0.17;
            double sx = (fx - n / 2) / (n * 0.34), sy = (fy - n * 0.98) / (n * 0.36);
            double sd = (sqrt(sx * sx + sy * sy) - 1) * n * 0.3;
            double person = clamp01(0.5 - (hd < sd ? hd : sd));
            for (int k = 0; k < 3; k++)
                rgb[k] = rgb[k] * (1 - person) + 0.96 * person;
            uint8_t *p = out + (size_t)y * pitch + 4 * x;
            p[0] = u8(rgb[2] * cover);
            p[1] = u8(rgb[1] * cover);
            p[2] = u8(rgb[0] * cover);
            p[3] = u8(cover);
        }
}

/* Inside the arrow: a triangle with its tip at the hotspot and a short tail. */
static bool
in_arrow(int x, int y)
{
    if (x < 1 || y < 1)
        return false;
    double fx = x - 1, fy = y - 1;
    bool tri = fx <= fy * 0.72 && fy - fx * 0.40 <= 17;
    bool tail = fy >= 12 && fy <= 22 && fx >= 4.5 + (fy - 12) * 0.35 && fx <= 8 + (fy - 12) * 0.35;
    return tri || tail;
}

void
demo_cursor(uint8_t *out, uint32_t pitch)
{
    for (int y = 0; y < DEMO_CURSOR_PX; y++)
        for (int x = 0; x < DEMO_CURSOR_PX; x++) {
            uint8_t *p = out + (size_t)y * pitch + 4 * x;
            bool in = in_arrow(x, y);
            bool edge = in && (!in_arrow(x - 1, y) || !in_arrow(x + 1, y) || !in_arrow(x, y - 1) ||
                               !in_arrow(x, y + 1));
            uint8_t v = edge ? 0 : 255;
            p[0] = p[1] = p[2] = in ? v : 0;
            p[3] = in ? 255 : 0;
        }
}

bool
demo_damage_next(const struct demo_scene *s,
                 struct demo_damage *st,
                 uint64_t n,
                 uint32_t hz,
                 bool full,
                 struct demo_rect *rect,
                 bool *clear,
                 bool *caret)
{
    *caret = demo_caret_on(n, hz);
    *clear = full || !st->drawn;
    *rect = (struct demo_rect){ 0, 0, (int32_t)s->width, (int32_t)s->height };
    if (!*clear && *caret == st->caret_drawn)
        return false; /* only the cursor moved: it is the display's, not the surface's */
    if (!*clear)
        *rect = s->layer[s->caret].r; /* only the caret changed */
    st->drawn = true;
    st->caret_drawn = *caret;
    return true;
}

void
demo_scene_buffers(const struct demo_scene *s, float *pos, float *col, float *vert)
{
    for (uint32_t i = 0; i < s->count; i++) {
        const struct demo_layer *l = &s->layer[i];
        float x0 = (float)l->r.x, y0 = (float)l->r.y;
        float x1 = (float)(l->r.x + l->r.w), y1 = (float)(l->r.y + l->r.h);
        const float p[4][2] = { { x0, y0 }, { x0, y1 }, { x1, y0 }, { x1, y1 } };
        const float uv[4][2] = { { l->uv[0], l->uv[1] },
                                 { l->uv[0], l->uv[3] },
                                 { l->uv[2], l->uv[1] },
                                 { l->uv[2], l->uv[3] } };
        for (int v = 0; v < 4; v++) {
            pos[8 * i + 2 * v] = p[v][0];
            pos[8 * i + 2 * v + 1] = p[v][1];
            vert[16 * i + 4 * v] = 2.0f * p[v][0] / s->width - 1.0f; /* Metal NDC: y up */
            vert[16 * i + 4 * v + 1] = 1.0f - 2.0f * p[v][1] / s->height;
            vert[16 * i + 4 * v + 2] = uv[v][0];
            vert[16 * i + 4 * v + 3] = uv[v][1];
        }
        memcpy(col + 4 * i, l->color, 16);
    }
}

bool
demo_rect_clip(struct demo_rect a, struct demo_rect b, struct demo_rect *out)
{
    int32_t x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int32_t x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int32_t y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    if (x1 <= x0 || y1 <= y0)
        return false;
    *out = (struct demo_rect){ x0, y0, x1 - x0, y1 - y0 };
    return true;
}
