/* SPDX-License-Identifier: MIT */
/*
 * Every count, size, loop, recursion depth and allocation a guest controls has a named cap
 * here, with its reason (STYLE §6; protocol.md §17.2 is the source of the numbers).
 */
#ifndef LAGFX_PROTOCOL_LIMITS_H
#define LAGFX_PROTOCOL_LIMITS_H

/* Fairness between channels; the rest is requeued, never dropped (§5.5). */
#define PROTO_MAX_CMDS_PER_TURN 128u
/* Outer command length: a batch copy is bounded by this (§5.6). */
#define PROTO_MAX_OUTER_LEN 0x8000u
/* Root ring geometry accepted at arm time (§5.1). */
#define PROTO_ROOT_RING_MIN     0x1000u
#define PROTO_ROOT_RING_MAX     0x400000u
#define PROTO_ROOT_START_MIN    0x80u /* the 32 stamp cells live below */
#define PROTO_ROOT_RING_DEFAULT 0x10000u
/* Channel ring sizes (C04, §7.5). */
#define PROTO_CHANNEL_RING_SIZE 0x10000u
#define PROTO_PIPE_RING_SIZE    0x1000u
#define PROTO_CHANNELS          13u /* 0 root, 1-4 virtual, 5-12 display pipes */
#define PROTO_FIRST_PIPE        5u
#define PROTO_STAMP_SLOTS       32u
/* Tasks (§9.1). */
#define PROTO_MAX_TASKS   1024u
#define PROTO_MAX_TASK_ID 0xFFFFu
/* Radix levels (§9.4). */
#define PROTO_RADIX_MIN_LEVELS 1u
#define PROTO_RADIX_MAX_LEVELS 4u
/* Slot table entries (§13.2). */
#define PROTO_MAX_SLOTS 1048576u
/* Outer lists (§8.2). */
#define PROTO_MAX_MAP_RANGES 1024u
#define PROTO_MAX_SYNC_IDS   4096u
/* ExecIndirect (§10.1): beyond these the task faults. */
#define PROTO_MAX_EXEC_DESCRIPTORS 4096u
#define PROTO_MAX_EXEC_RESOURCES   256u
#define PROTO_MAX_RESOURCE_LEN     (4u << 20)
#define PROTO_MAX_STREAM_BYTES     (16u << 20)
#define PROTO_MAX_INNER_CMDS       262144u
#define PROTO_MAX_SEGMENT_DEPTH    4u
/* Binding indices (§11.1). */
#define PROTO_MAX_BUFFER_INDEX  31u
#define PROTO_MAX_TEXTURE_INDEX 128u
#define PROTO_MAX_SAMPLER_INDEX 16u
/* Draws and dispatches (§11.1, §17.2). */
#define PROTO_MAX_DRAW_COUNT     (1u << 24)
#define PROTO_MAX_INSTANCE_COUNT 65536u
#define PROTO_MAX_GROUP_THREADS  1024u
#define PROTO_MAX_GROUPS_PER_DIM 65535u
/* Objects (§13). */
#define PROTO_MAX_BUFFER_LEN      (1ull << 30)
#define PROTO_MAX_TEXTURE_DIM     16384u
#define PROTO_MAX_TEXTURE_LEVELS  15u
#define PROTO_MAX_TEXTURE_LAYERS  2048u
#define PROTO_MAX_TEXTURE_SAMPLES 4u
#define PROTO_MAX_MTLB_LEN        (4u << 20)
#define PROTO_MAX_PIPELINE_DESC   4096u
/* Replies (§8.5, §11.5). */
#define PROTO_MAX_INFO_REPLY     4096u
#define PROTO_DEVICE_INFO_PAIRS  41u
#define PROTO_MAX_DEVICE_INFO_QW 512u
/* IOSurfaces (§14). */
#define PROTO_MAX_IOSURFACES 4096u
/* Display (§15). */
#define PROTO_MAX_CURSOR_DIM   256u
#define PROTO_MAX_CURSOR_PITCH 4096u
#define PROTO_MAX_SUBRINGS     5u
#define PROTO_MAX_LAYERS       64u
#define PROTO_MAX_DISPLAY_DIM  16384u
/* Online handshake timing (§15.3). */
#define PROTO_ONLINE_POLL_MS     20u
#define PROTO_ONLINE_FALLBACK_MS 1000u

#endif /* LAGFX_PROTOCOL_LIMITS_H */
