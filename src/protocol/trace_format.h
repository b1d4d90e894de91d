/* SPDX-License-Identifier: MIT */
/*
 * The wire-recording file format, version 1 (docs/trace-format.md): a 64-byte header, then
 * records of a 16-byte head and a payload padded to 8 bytes. Shared by the writer (trace.c),
 * `lagfx-trace` and the replay tool. All fields little-endian.
 */
#ifndef LAGFX_PROTOCOL_TRACE_FORMAT_H
#define LAGFX_PROTOCOL_TRACE_FORMAT_H

#include <stdint.h>

#define TRACE_MAGIC       "LAGFXTRC"
#define TRACE_VERSION     1u
#define TRACE_HEADER_SIZE 64u
#define TRACE_RECORD_HEAD 16u
#define TRACE_MAX_PAYLOAD (64u << 20) /* a reader refuses larger records */

/* Header: +0 magic[8], +8 u32 version, +12 u32 header size, +16 u64 mmio_length,
 * +24 u32 port count, +28 u32 flags (TRACE_F_*), +32 char label[32] (NUL-padded). */
#define TRACE_F_TASK_MODEL (1u << 0)
#define TRACE_F_HEADLESS   (1u << 1)

/* Record head: +0 u16 type, +2 u16 flags (0), +4 u32 payload length, +8 u64 ns since open. */
enum trace_type {
    TRACE_MMIO_WRITE = 1, /* u64 off, u32 size, i32 status, u64 value */
    TRACE_MMIO_READ = 2,  /* u64 off, u32 size, i32 status, u64 value returned */
    TRACE_TURN_BEGIN = 3, /* u32 wake bits: the worker turn whose records follow */
    TRACE_TURN_END = 4,   /* (empty) */
    TRACE_MEM_READ = 5,   /* u64 gpa, bytes: guest memory as the library read it */
    TRACE_MEM_WRITE = 6,  /* u64 gpa, bytes: what the library wrote */
    TRACE_OUTER = 7,      /* u32 channel, u32 ring offset, the command (header + payload) */
    TRACE_IRQ = 8,        /* u32 vector, u32 stamp_pending, u32 display_pending */
    TRACE_API = 9,        /* u32 call (TRACE_API_*), u32 port, call data */
    TRACE_END = 10,       /* (empty) written at close */
    TRACE_CMDSTREAM = 11, /* u32 channel, u32 task, u32 entry, u32 0, u64 va, the stream bytes */
};

enum trace_api_call {
    TRACE_API_RESET = 1,
    TRACE_API_PAUSE = 2,
    TRACE_API_UNPAUSE = 3,
    TRACE_API_STOP = 4,
    TRACE_API_DISPLAY_PLUG = 5,   /* data: u32 count, count x {u16 w, u16 h, u32 millihz} */
    TRACE_API_DISPLAY_UNPLUG = 6, /* no data */
    TRACE_API_RAM_REGIONS = 7,    /* data: u32 count, count x {u64 gpa, u64 length, u32 flags} */
};

#endif /* LAGFX_PROTOCOL_TRACE_FORMAT_H */
