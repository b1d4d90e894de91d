/* SPDX-License-Identifier: MIT */
/*
 * Guest tasks (protocol.md §9.1): one GPU address space each, defined by DefineHostTask (0x38,
 * radix root) or DefineTask2 (0x00, range table), with the slot table from SetResourceHeap
 * (0x33), a sticky fault flag and the host objects created for it (resource.c owns `objects`).
 * Owned by the protocol worker; the core (dev.c) creates, redefines and drops tasks, the
 * command-buffer decoder (cmdbuf.c) reads them.
 */
#ifndef LAGFX_PROTOCOL_TASK_H
#define LAGFX_PROTOCOL_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

#include "memory/xlate.h"

struct proto_objects; /* resource.h */

struct proto_task {
    uint32_t id;
    bool defined;           /* 0x38 or 0x00 seen since the last 0x01 */
    struct mem_space space; /* radix root PFN, or a range table (0x00) */
    uint32_t heap_vpn;      /* slot table (0x33): VPN and size in bytes; 0 = none */
    uint32_t heap_size;
    bool faulted; /* sticky until a new root PFN (0x38) or 0x01 */
    uint64_t fault_count;
    struct proto_objects *objects; /* host objects keyed by ref; NULL until first use */
    lagfx_shell_task_t *shell;     /* task model: the VMM's cookie, NULL otherwise */
    void *shell_base;
};

#endif /* LAGFX_PROTOCOL_TASK_H */
