/* SPDX-License-Identifier: MIT */
/*
 * Wire recording (LAGFX_TRACE, spec/api.md §10): MMIO accesses, worker turns with the guest
 * memory they read and wrote, the outer commands they consumed, interrupts and API display
 * calls, written to a versioned file (trace_format.h) from which a replay re-runs the session
 * without a guest. Any thread; one mutex serialises records. A write error stops recording
 * (logged once); the device carries on.
 */
#ifndef LAGFX_PROTOCOL_TRACE_H
#define LAGFX_PROTOCOL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

#include "protocol/trace_format.h"

struct proto_trace;

/* Opens path (with %p → pid, %d → label) with mode 0600 and writes the header. IO on failure,
 * INVALID_ARGUMENT for an empty or too long path. */
lagfx_status_t proto_trace_open(const char *path_template,
                                const char *label,
                                uint64_t mmio_length,
                                uint32_t port_count,
                                uint32_t flags,
                                lagfx_device_t *log_dev,
                                struct proto_trace **out);
/* Writes TRACE_END and closes. NULL is fine. */
void proto_trace_close(struct proto_trace *t);

void proto_trace_mmio(struct proto_trace *t,
                      bool write,
                      uint64_t off,
                      uint32_t size,
                      uint64_t value,
                      lagfx_status_t st);
void proto_trace_turn(struct proto_trace *t, bool begin, uint32_t bits);
/* Matches mem_guest_tap_fn: install with mem_guest_set_tap(g, proto_trace_mem, t). */
void proto_trace_mem(void *t, bool write, uint64_t gpa, const void *data, size_t len);
void proto_trace_outer(struct proto_trace *t,
                       uint32_t channel,
                       uint32_t ring_off,
                       const uint8_t header[12],
                       const uint8_t *payload,
                       uint32_t len);
void proto_trace_cmdstream(struct proto_trace *t,
                           uint32_t channel,
                           uint32_t task,
                           uint32_t entry,
                           uint64_t va,
                           const uint8_t *bytes,
                           size_t len);
void proto_trace_irq(struct proto_trace *t, uint32_t stamp_pending, uint32_t display_pending);
void
proto_trace_api(struct proto_trace *t, uint32_t call, uint32_t port, const void *data, size_t len);

#endif /* LAGFX_PROTOCOL_TRACE_H */
