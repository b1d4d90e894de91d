/* SPDX-License-Identifier: MIT */
/*
 * The tools' VNC server (tools/common/vnc.c) on loopback: a frame pushed in comes out exactly
 * at a libvncclient client (our BGRX layout is the server's pixel format), a second frame's
 * damage box is delivered, a resize reaches the client, a WebSocket upgrade (what noVNC sends)
 * is answered with 101 on the same port, and a taken port is refused with a message.
 */
#include <arpa/inet.h>
#include <rfb/rfbclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "vnc.h"

static rfbBool
resize_cb(rfbClient *cl)
{
    free(cl->frameBuffer);
    cl->frameBuffer = calloc((size_t)cl->width * cl->height, 4);
    return cl->frameBuffer != NULL;
}

static void
quiet(const char *fmt, ...)
{
    (void)fmt;
}

/* Pumps the client until pred(cl) holds or ~2 s pass. */
static bool
pump(rfbClient *cl, bool (*pred)(rfbClient *, void *), void *arg)
{
    for (int i = 0; i < 200; i++) {
        if (pred(cl, arg))
            return true;
        int n = WaitForMessage(cl, 10000);
        if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl)))
            return false;
    }
    return pred(cl, arg);
}

static bool
pixel_is(rfbClient *cl, void *arg)
{
    uint32_t *want = arg; /* {x, y, value} in the client's RGBX layout */
    if (!cl->frameBuffer || (int)want[0] >= cl->width || (int)want[1] >= cl->height)
        return false;
    uint32_t v;
    memcpy(&v, cl->frameBuffer + ((size_t)want[1] * cl->width + want[0]) * 4, 4);
    return (v & 0x00FFFFFF) == want[2];
}

static bool
size_is(rfbClient *cl, void *arg)
{
    int *wh = arg;
    return cl->width == wh[0] && cl->height == wh[1];
}

int
main(void)
{
    rfbClientLog = quiet;
    rfbClientErr = quiet;
    char err[128];
    struct vnc_server *s = NULL;
    int port = 0;
    for (int p = 25900 + (getpid() % 100) * 7; p < 27000 && !s; p += 13) {
        if (vnc_server_start(&s, NULL, p, 64, 32, "test", err, sizeof(err)))
            port = p;
    }
    REQUIRE(s != NULL);

    /* A taken port is refused with a message. */
    struct vnc_server *s2 = NULL;
    CHECK(!vnc_server_start(&s2, NULL, port, 64, 32, "dup", err, sizeof(err)));
    CHECK(strstr(err, "in use") != NULL);

    uint8_t frame[64 * 32 * 4];
    for (int i = 0; i < 64 * 32; i++) {
        frame[4 * i + 0] = (uint8_t)i; /* B */
        frame[4 * i + 1] = 0x20;       /* G */
        frame[4 * i + 2] = 0xC0;       /* R */
        frame[4 * i + 3] = 0xFF;
    }
    vnc_server_frame(s, frame, 64, 32, 256, 0, 0, 64, 32);

    rfbClient *cl = rfbGetClient(8, 3, 4); /* client format: R, G, B, X in memory */
    REQUIRE(cl != NULL);
    cl->MallocFrameBuffer = resize_cb;
    free(cl->serverHost); /* rfbGetClient's default */
    cl->serverHost = strdup("127.0.0.1");
    cl->serverPort = port;
    cl->appData.encodingsString = "raw"; /* lossless: exact pixels */
    int argc = 0;
    REQUIRE(rfbInitClient(cl, &argc, NULL));
    /* Pixel (5, 1): index 69 → B = 69, G = 0x20, R = 0xC0; client bytes R, G, B. */
    uint32_t want[3] = { 5, 1, 0xC0u | (0x20u << 8) | (69u << 16) };
    CHECK(pump(cl, pixel_is, want));
    CHECK_EQ_INT(vnc_server_client_count(s), 1);

    /* A damage box: only (10, 10)-(12, 12) changes. */
    frame[(10 * 64 + 10) * 4 + 2] = 0x11;
    vnc_server_frame(s, frame, 64, 32, 256, 10, 10, 2, 2);
    SendFramebufferUpdateRequest(cl, 0, 0, cl->width, cl->height, TRUE);
    uint32_t want2[3] = { 10, 10,
                          0x11u | (0x20u << 8) | ((uint32_t)(uint8_t)(10 * 64 + 10) << 16) };
    CHECK(pump(cl, pixel_is, want2));

    /* A resize reaches the client. */
    static uint8_t big[128 * 48 * 4];
    memset(big, 0x40, sizeof(big));
    vnc_server_frame(s, big, 128, 48, 512, 0, 0, 128, 48);
    SendFramebufferUpdateRequest(cl, 0, 0, cl->width, cl->height, FALSE);
    int wh[2] = { 128, 48 };
    CHECK(pump(cl, size_is, wh));
    free(cl->frameBuffer); /* ours (resize_cb), not the client library's */
    cl->frameBuffer = NULL;
    rfbClientCleanup(cl);

    /* noVNC's WebSocket upgrade on the same port. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    const char *req =
        "GET /websockify HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n";
    REQUIRE(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    char resp[512] = { 0 };
    struct timeval tv = { 2, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssize_t n = read(fd, resp, sizeof(resp) - 1);
    CHECK(n > 0);
    CHECK(strstr(resp, "101") != NULL);
    close(fd);

    vnc_server_stop(s);
    return check_finish();
}
