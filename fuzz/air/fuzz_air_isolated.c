/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the guest path, air_translate through lagfx-air-worker
 * (src/air/isolate.c): whatever the bitcode does to LLVM inside the worker (SEGV, abort,
 * hang, blow-up), this process must get a status and keep going, with no fd or child
 * leaked. Coverage comes from the container parse and the library's side of the wire only;
 * the worker is a black box here. Seeded with the fixtures' .air files. One thread.
 */
#include <stddef.h>
#include <stdint.h>

#include "air/air.h"
#include "air/isolate.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    air_isolate_set_timeout_ms(5000);
    struct air_result *r = NULL;
    struct air_diag d = { { 0 } };
    if (air_translate(data, size, NULL, &r, &d) == AIR_OK) {
        char *j = air_result_json(r);
        ut_free(j);
        air_result_unref(r);
    }
    return 0;
}
