/* SPDX-License-Identifier: MIT */
/*
 * Translation of guest bitcode in lagfx-air-worker, a sandboxed helper process (isolate.c;
 * docs/air-notes.md "Isolation"): LLVM 15's bitcode reader is not hardened, so a crash, hang
 * or memory blow-up on hostile input must cost a worker, never the VMM. air_translate goes
 * through here; these are the knobs tests, benchmarks and the cache need. Any thread.
 */
#ifndef LAGFX_AIR_ISOLATE_H
#define LAGFX_AIR_ISOLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "air/air.h"

#define AIR_ISOLATE_WORKERS    2     /* at most this many translations in parallel */
#define AIR_ISOLATE_TIMEOUT_MS 10000 /* default per translation, LAGFX_AIR_TIMEOUT_MS */
#define AIR_ISOLATE_WORKER_ENV "LAGFX_AIR_WORKER"

/*
 * air_translate in a worker. The container is parsed here (fuzzed, bounds-checked code); only
 * the selected function's bitcode and entry name cross the wire. *transient (may be NULL) is
 * set when the failure says nothing about the input (no worker binary, spawn failure): callers
 * must not cache it. A worker that crashes, is killed by its sandbox or times out yields
 * INVALID_DATA naming the signal or the timeout, and is replaced on the next call.
 */
enum air_status air_isolate_translate(const void *bytes,
                                      size_t size,
                                      const struct air_options *opt,
                                      struct air_result **out,
                                      struct air_diag *diag,
                                      bool *transient);

struct air_isolate_stats {
    uint64_t spawns;   /* workers started */
    uint64_t requests; /* translations sent to a worker */
    uint64_t crashes;  /* workers that died during a translation */
    uint64_t timeouts; /* workers killed on the deadline */
    uint64_t protocol; /* workers killed for a malformed response */
    bool sandboxed;    /* the last worker started reported seccomp active */
};

void air_isolate_get_stats(struct air_isolate_stats *st);

/*
 * Starts a worker now if none is running, so the first translation does not pay the start
 * (≈ 20–100 ms, mostly loading libLLVM): call it from the compile worker when a device comes
 * up, never from a VMM thread. Failures are silent here; the next air_translate reports them.
 */
void air_isolate_prewarm(void);

/* Per-translation deadline; 0 restores the default (LAGFX_AIR_TIMEOUT_MS or 10 s). */
void air_isolate_set_timeout_ms(uint32_t ms);

/*
 * Ends every idle worker (close, then SIGKILL after 1 s) and reaps it; the next translation
 * starts a new one. For tests and orderly teardown: no translation may be in flight.
 */
void air_isolate_shutdown(void);

/* The worker binary the next spawn would run (env override, build tree, libexec). */
const char *air_isolate_worker_path(char *buf, size_t len);

#endif /* LAGFX_AIR_ISOLATE_H */
