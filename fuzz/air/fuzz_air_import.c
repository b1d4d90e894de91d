/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the translator behind the container, in process: wrapped bitcode
 * through LLVM's reader and verifier, our importer, entry parser, inliner and emitter. LLVM
 * 15's reader crashes here within seconds (suite fuzz-llvm; docs/air-notes.md), which is why
 * guest input goes through lagfx-air-worker (fuzz_air_isolated.c fuzzes that path); our own
 * code must still fail with a status. Seeded with the fixtures' .air files. One thread.
 */
#include <stddef.h>
#include <stdint.h>

#include "air/air.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct air_result *r = NULL;
    struct air_diag d = { { 0 } };
    if (air_translate_in_process(data, size, NULL, &r, &d) == AIR_OK) {
        char *j = air_result_json(r);
        ut_free(j);
        air_result_unref(r);
    }
    return 0;
}
