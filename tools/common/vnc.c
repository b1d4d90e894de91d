/* SPDX-License-Identifier: MIT */
/* VNC server over libvncserver (vnc.h). Frames and cursor from the main thread; libvncserver's
 * event loop thread serves the clients. */
#include "vnc.h"

#include <arpa/inet.h>
#include <rfb/rfb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vnc_server {
    rfbScreenInfoPtr screen;
    uint8_t *fb;
    uint32_t width, height;
    rfbCursorPtr cursor;
    bool cursor_visible;
    char name[128]; /* desktop name: libvncserver keeps the pointer, so the server owns it */
};

/* The library's frames are bytes B, G, R, X: little-endian 0xXXRRGGBB. */
static void
set_format(rfbScreenInfoPtr screen)
{
    screen->serverFormat.redShift = 16;
    screen->serverFormat.greenShift = 8;
    screen->serverFormat.blueShift = 0;
}

static void
quiet_log(const char *fmt, ...)
{
    (void)fmt;
}

bool
vnc_server_start(struct vnc_server **out,
                 const char *listen_addr,
                 int port,
                 uint32_t width,
                 uint32_t height,
                 const char *name,
                 char *err,
                 size_t errlen)
{
    if (port < 1 || port > 65535) {
        snprintf(err, errlen, "VNC port %d out of range", port);
        return false;
    }
    struct vnc_server *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (!getenv("LAGFX_VNC_DEBUG")) {
        rfbLog = quiet_log;
        rfbErr = quiet_log;
    }
    int argc = 0;
    s->screen = rfbGetScreen(&argc, NULL, (int)width, (int)height, 8, 3, 4);
    s->fb = calloc((size_t)width * height, 4);
    if (!s->screen || !s->fb) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    set_format(s->screen);
    s->screen->frameBuffer = (char *)s->fb;
    snprintf(s->name, sizeof(s->name), "%s", name ? name : "lagfx");
    s->screen->desktopName = s->name;
    s->screen->port = port;
    s->screen->ipv6port = 0;
    s->screen->autoPort = FALSE;
    s->screen->alwaysShared = TRUE;
    s->screen->listenInterface = htonl(INADDR_LOOPBACK);
    if (listen_addr && !rfbStringToAddr((char *)listen_addr, &s->screen->listenInterface)) {
        snprintf(err, errlen, "bad listen address %s", listen_addr);
        goto fail;
    }
    s->width = width;
    s->height = height;
    rfbInitServer(s->screen);
    if (s->screen->listenSock == RFB_INVALID_SOCKET) {
        snprintf(err, errlen, "cannot listen on port %d (in use?)", port);
        goto fail;
    }
    rfbRunEventLoop(s->screen, 10000, TRUE); /* its own thread */
    *out = s;
    return true;
fail:
    if (s->screen) {
        s->screen->frameBuffer = NULL;
        rfbScreenCleanup(s->screen);
    }
    free(s->fb);
    free(s);
    return false;
}

void
vnc_server_frame(struct vnc_server *s,
                 const uint8_t *bgrx,
                 uint32_t width,
                 uint32_t height,
                 uint32_t stride,
                 uint32_t x,
                 uint32_t y,
                 uint32_t w,
                 uint32_t h)
{
    if (width != s->width || height != s->height) {
        uint8_t *fb = calloc((size_t)width * height, 4);
        if (!fb)
            return;
        rfbNewFramebuffer(s->screen, (char *)fb, (int)width, (int)height, 8, 3, 4);
        set_format(s->screen);
        free(s->fb);
        s->fb = fb;
        s->width = width;
        s->height = height;
        x = y = 0;
        w = width;
        h = height;
    }
    if (x >= width || y >= height)
        return;
    if (w > width - x)
        w = width - x;
    if (h > height - y)
        h = height - y;
    for (uint32_t r = y; r < y + h; r++)
        memcpy(s->fb + ((size_t)r * width + x) * 4, bgrx + (size_t)r * stride + (size_t)x * 4,
               (size_t)w * 4);
    rfbMarkRectAsModified(s->screen, (int)x, (int)y, (int)(x + w), (int)(y + h));
}

void
vnc_server_cursor_shape(struct vnc_server *s, const lagfx_cursor_image_t *img)
{
    uint32_t w = img->width, h = img->height;
    rfbCursorPtr c = calloc(1, sizeof(*c));
    char *src = calloc((size_t)w * h + 1, 1), *mask = calloc((size_t)w * h + 1, 1);
    uint8_t *rich = malloc((size_t)w * h * 4);
    uint8_t *alpha = malloc((size_t)w * h);
    if (!c || !src || !mask || !rich || !alpha) {
        free(c), free(src), free(mask), free(rich), free(alpha);
        return;
    }
    for (uint32_t j = 0; j < h; j++) {
        const uint8_t *row = (const uint8_t *)img->pixels + (size_t)j * img->stride;
        for (uint32_t i = 0; i < w; i++) {
            const uint8_t *p = row + 4 * i;
            size_t k = (size_t)j * w + i;
            memcpy(rich + 4 * k, p, 4); /* B, G, R, A: the server's format */
            alpha[k] = p[3];
            src[k] = 'x';
            mask[k] = p[3] >= 0x80 ? 'x' : ' ';
        }
    }
    c->width = (unsigned short)w;
    c->height = (unsigned short)h;
    c->xhot = img->hot_x;
    c->yhot = img->hot_y;
    c->source = (unsigned char *)src;
    c->mask = (unsigned char *)mask;
    c->richSource = rich;
    c->alphaSource = alpha;
    c->cleanup = TRUE;
    c->cleanupSource = TRUE;
    c->cleanupMask = TRUE;
    c->cleanupRichSource = TRUE;
    c->foreRed = c->foreGreen = c->foreBlue = 0xFFFF;
    /* The bit masks libvncserver expects, from the character pictures. */
    rfbCursorPtr bits = rfbMakeXCursor((int)w, (int)h, src, mask);
    if (bits) {
        free(src);
        free(mask);
        c->source = bits->source;
        c->mask = bits->mask;
        bits->source = bits->mask = NULL;
        free(bits);
    }
    rfbSetCursor(s->screen, c);
    s->cursor = c;
}

void
vnc_server_cursor_pos(struct vnc_server *s, bool visible, uint16_t x, uint16_t y)
{
    s->cursor_visible = visible;
    if (!visible || x == LAGFX_CURSOR_OFF_DISPLAY)
        return;
    s->screen->cursorX = x;
    s->screen->cursorY = y;
    rfbClientIteratorPtr it = rfbGetClientIterator(s->screen);
    rfbClientPtr cl;
    while ((cl = rfbClientIteratorNext(it)))
        cl->cursorWasMoved = TRUE;
    rfbReleaseClientIterator(it);
}

int
vnc_server_client_count(struct vnc_server *s)
{
    int n = 0;
    rfbClientIteratorPtr it = rfbGetClientIterator(s->screen);
    while (rfbClientIteratorNext(it))
        n++;
    rfbReleaseClientIterator(it);
    return n;
}

void
vnc_server_stop(struct vnc_server *s)
{
    if (!s)
        return;
    rfbShutdownServer(s->screen, TRUE);
    s->screen->frameBuffer = NULL;
    rfbScreenCleanup(s->screen);
    free(s->fb);
    free(s);
}
