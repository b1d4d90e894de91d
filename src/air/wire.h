/* SPDX-License-Identifier: MIT */
/*
 * The wire between the library (isolate.c) and lagfx-air-worker (tools/air-worker): a stream
 * socket at the worker's fd 3 carrying length-prefixed frames of fixed 24-byte headers in host
 * byte order (both ends are the same build on the same machine). The worker says HELLO once,
 * then answers each REQUEST with one RESPONSE. Both ends treat the other's bytes as hostile:
 * every length is capped before anything is allocated. Any thread; no shared state.
 */
#ifndef LAGFX_AIR_WIRE_H
#define LAGFX_AIR_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "air/metallib.h"

#define AIR_WIRE_VERSION 1
#define AIR_WIRE_FD      3 /* the worker's end of the socket */

#define AIR_WIRE_HELLO    0x4c454841u /* "AHEL" worker → library, once after start */
#define AIR_WIRE_REQUEST  0x51455241u /* "AREQ" library → worker */
#define AIR_WIRE_RESPONSE 0x53455241u /* "ARES" worker → library */

#define AIR_WIRE_MAX_ENTRY  (AIR_NAME_MAX - 1)
#define AIR_WIRE_MAX_INPUT  AIR_BITCODE_MAX_SIZE /* the library sends the bounded bitcode */
#define AIR_WIRE_MAX_DIAG   255u
#define AIR_WIRE_MAX_RESULT (64u << 20)

/* REQUEST a: option bits. */
#define AIR_WIRE_OPT_TYPED_POINTERS (1u << 0)
#define AIR_WIRE_OPT_SKIP_VERIFY    (1u << 1)
#define AIR_WIRE_OPT_DEBUG_NAMES    (1u << 2)
#define AIR_WIRE_OPT_HAS_ENTRY      (1u << 3) /* entry NULL and "" differ */

/* HELLO a: what the sandbox could apply. */
#define AIR_WIRE_SANDBOX_RLIMITS (1u << 0)
#define AIR_WIRE_SANDBOX_SECCOMP (1u << 1)
#define AIR_WIRE_SANDBOX_AS      (1u << 2) /* RLIMIT_AS too (not under sanitizers) */

/*
 * HELLO:    a = sandbox bits, b = worker pid, c = 0.
 * REQUEST:  a = option bits, b = entry length, c = bitcode length; then entry, bitcode.
 * RESPONSE: a = enum air_status, b = diag length, c = payload length; then diag (no NUL),
 *           payload (air_result_serialize, only when a == AIR_OK).
 */
struct air_wire_hdr {
    uint32_t magic, version, a, b, c, reserved;
};

enum air_wire_rc {
    AIR_WIRE_OK = 0,
    AIR_WIRE_EOF = -1,     /* the peer closed (or died) before the frame was complete */
    AIR_WIRE_ERROR = -2,   /* errno says why */
    AIR_WIRE_TIMEOUT = -3, /* deadline passed */
};

/*
 * Sends all of buf, retrying short writes and EINTR; never raises SIGPIPE (MSG_NOSIGNAL).
 * deadline_ns: CLOCK_MONOTONIC (ut_now_ns) time after which it gives up, 0 for none (then it
 * blocks in send without poll: the worker's sandbox allows few syscalls).
 */
enum air_wire_rc air_wire_send(int fd, const void *buf, size_t len, uint64_t deadline_ns);

/* Receives exactly len bytes; deadline_ns as for air_wire_send. */
enum air_wire_rc air_wire_recv(int fd, void *buf, size_t len, uint64_t deadline_ns);

#endif /* LAGFX_AIR_WIRE_H */
