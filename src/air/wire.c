/* SPDX-License-Identifier: MIT */
/*
 * Frame I/O for the library ↔ lagfx-air-worker socket (wire.h): whole-buffer send and
 * receive with EINTR, short transfers, peer death and an optional deadline handled in one
 * place. Used by the library's translation callers and by the single-threaded worker.
 */
#include "air/wire.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "util/clock.h"

/* Waits until fd is ready for `events` or the deadline passes. */
static enum air_wire_rc
wait_ready(int fd, short events, uint64_t deadline_ns)
{
    for (;;) {
        uint64_t now = ut_now_ns();
        if (now >= deadline_ns)
            return AIR_WIRE_TIMEOUT;
        uint64_t ms = (deadline_ns - now + 999999) / 1000000;
        struct pollfd pfd = { .fd = fd, .events = events };
        int r = poll(&pfd, 1, ms > 60000 ? 60000 : (int)ms);
        if (r > 0)
            return AIR_WIRE_OK; /* ready, or HUP/ERR: the transfer itself reports which */
        if (r < 0 && errno != EINTR)
            return AIR_WIRE_ERROR;
    }
}

enum air_wire_rc
air_wire_send(int fd, const void *buf, size_t len, uint64_t deadline_ns)
{
    const uint8_t *p = buf;
    while (len > 0) {
        if (deadline_ns) {
            enum air_wire_rc rc = wait_ready(fd, POLLOUT, deadline_ns);
            if (rc != AIR_WIRE_OK)
                return rc;
        }
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL | (deadline_ns ? MSG_DONTWAIT : 0));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return errno == EPIPE || errno == ECONNRESET ? AIR_WIRE_EOF : AIR_WIRE_ERROR;
        p += n;
        len -= (size_t)n;
    }
    return AIR_WIRE_OK;
}

enum air_wire_rc
air_wire_recv(int fd, void *buf, size_t len, uint64_t deadline_ns)
{
    uint8_t *p = buf;
    while (len > 0) {
        if (deadline_ns) {
            enum air_wire_rc rc = wait_ready(fd, POLLIN, deadline_ns);
            if (rc != AIR_WIRE_OK)
                return rc;
        }
        ssize_t n = recv(fd, p, len, deadline_ns ? MSG_DONTWAIT : 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return errno == ECONNRESET ? AIR_WIRE_EOF : AIR_WIRE_ERROR;
        if (n == 0)
            return AIR_WIRE_EOF;
        p += n;
        len -= (size_t)n;
    }
    return AIR_WIRE_OK;
}
