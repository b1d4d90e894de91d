/* SPDX-License-Identifier: MIT */
/*
 * A VNC server for one display (libvncserver, websockets on the same port so noVNC connects
 * directly): frames are copied in as they arrive (BGRX, the library's frame layout, is the
 * server's pixel format, so a frame is one copy), the cursor is sent as a VNC cursor (shape and
 * position). libvncserver serves clients on its own thread. Used by lagfx-demo and
 * lagfx-replay. The main thread calls these functions.
 */
#ifndef LAGFX_TOOLS_VNC_H
#define LAGFX_TOOLS_VNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

struct vnc_server;

/* Listens on `listen_addr` (NULL: 127.0.0.1) at `port`. False with a message in err when the
 * port is taken or the server cannot start. `name` (the desktop name, up to 127 bytes) is
 * copied. */
bool vnc_server_start(struct vnc_server **out,
                      const char *listen_addr,
                      int port,
                      uint32_t width,
                      uint32_t height,
                      const char *name,
                      char *err,
                      size_t errlen);
/* A new frame (resizes the desktop when its size changed); the box is what changed. */
void vnc_server_frame(struct vnc_server *s,
                      const uint8_t *bgrx,
                      uint32_t width,
                      uint32_t height,
                      uint32_t stride,
                      uint32_t x,
                      uint32_t y,
                      uint32_t w,
                      uint32_t h);
/* The cursor's shape (ARGB8888 straight alpha) and hotspot. */
void vnc_server_cursor_shape(struct vnc_server *s, const lagfx_cursor_image_t *image);
/* Hotspot position, or visible = false to hide it. */
void vnc_server_cursor_pos(struct vnc_server *s, bool visible, uint16_t x, uint16_t y);
int vnc_server_client_count(struct vnc_server *s);
void vnc_server_stop(struct vnc_server *s);

#endif
