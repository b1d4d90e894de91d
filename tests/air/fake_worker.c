/* SPDX-License-Identifier: MIT */
/*
 * A misbehaving stand-in for lagfx-air-worker (air-isolate points LAGFX_AIR_WORKER here):
 * LAGFX_FAKE_WORKER_MODE picks the failure the library must survive: hang after reading a
 * request, refuse to read, answer garbage, cut a response short, send a foreign
 * HELLO, never say HELLO. Single-threaded; speaks wire.h on fd 3.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "air/wire.h"

static void
hello(void)
{
    struct air_wire_hdr h = {
        AIR_WIRE_HELLO, AIR_WIRE_VERSION, AIR_WIRE_SANDBOX_SECCOMP, (uint32_t)getpid(), 0, 0
    };
    if (air_wire_send(AIR_WIRE_FD, &h, sizeof(h), 0) != AIR_WIRE_OK)
        _exit(1);
}

static void
read_request(void)
{
    struct air_wire_hdr h;
    if (air_wire_recv(AIR_WIRE_FD, &h, sizeof(h), 0) != AIR_WIRE_OK)
        _exit(0);
    size_t n = (size_t)h.b + h.c;
    char *b = malloc(n ? n : 1);
    if (!b || air_wire_recv(AIR_WIRE_FD, b, n, 0) != AIR_WIRE_OK)
        _exit(0);
    free(b);
}

int
main(void)
{
    const char *mode = getenv("LAGFX_FAKE_WORKER_MODE");
    if (!mode)
        return 2;
    if (strcmp(mode, "nohello") == 0) {
        for (;;)
            pause();
    }
    if (strcmp(mode, "badhello") == 0) {
        static const uint8_t junk[24] = { 'n', 'o', 'p', 'e' };
        air_wire_send(AIR_WIRE_FD, junk, sizeof(junk), 0);
        return 0;
    }
    if (strcmp(mode, "noread") == 0) {
        /* The library's send meets EPIPE: it must not raise SIGPIPE. */
        shutdown(AIR_WIRE_FD, SHUT_RD);
        hello();
        for (;;)
            pause();
    }
    hello();
    for (;;) {
        read_request();
        if (strcmp(mode, "hang") == 0) {
            for (;;)
                pause();
        } else if (strcmp(mode, "garbage") == 0) {
            static uint8_t junk[24];
            memset(junk, 0xff, sizeof(junk));
            air_wire_send(AIR_WIRE_FD, junk, sizeof(junk), 0);
        } else if (strcmp(mode, "short") == 0) {
            struct air_wire_hdr h = { AIR_WIRE_RESPONSE, AIR_WIRE_VERSION, 0, 0, 1000, 0 };
            air_wire_send(AIR_WIRE_FD, &h, sizeof(h), 0);
            air_wire_send(AIR_WIRE_FD, "0123456789", 10, 0);
            return 3;
        } else if (strcmp(mode, "badresult") == 0) {
            struct air_wire_hdr h = { AIR_WIRE_RESPONSE, AIR_WIRE_VERSION, 0, 0, 16, 0 };
            air_wire_send(AIR_WIRE_FD, &h, sizeof(h), 0);
            air_wire_send(AIR_WIRE_FD, "0123456789abcdef", 16, 0);
        } else if (strcmp(mode, "huge") == 0) {
            struct air_wire_hdr h = { AIR_WIRE_RESPONSE, AIR_WIRE_VERSION, 0, 0, 0xfffffff0u, 0 };
            air_wire_send(AIR_WIRE_FD, &h, sizeof(h), 0);
        } else if (strcmp(mode, "abort") == 0) {
            raise(SIGABRT); /* not SIGSEGV: ASan builds would turn that into exit(1) */
        } else {
            return 2;
        }
    }
}
