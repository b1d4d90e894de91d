/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the command-buffer decoder: the input is one resource-table entry
 * (segments of inner commands) decoded as entry 0 of an ExecIndirect of a task that holds the
 * decode tests' standard objects, into the null backend. Any result but OK or GUEST_FAULT,
 * a crash or a sanitizer report is a bug. Built with -Dfuzz=enabled (clang). Single-threaded.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct harness h;
static bool ready;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        struct cmdenc_refs refs;
        h_init(&h);
        be_destroy(h.be);
        if (be_null_new(&h.be) != LAGFX_OK)
            abort();
        h.env.be = h.be;
        h_standard_objects(&h, &refs);
        ready = true;
    }
    struct cmdenc e = { .buf = (uint8_t *)data, .len = size };
    lagfx_status_t st = h_decode(&h, &e);
    if (st != LAGFX_OK && st != LAGFX_ERROR_GUEST_FAULT)
        abort();
    return 0;
}
