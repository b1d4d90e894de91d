/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the MTLB container parser (air.md §2.4: the guest is untrusted):
 * parse, walk every function, recompute HASH, and translate the first function so container
 * bounds feed the importer. The translation goes through lagfx-air-worker like guest input:
 * in process it meets LLVM 15's reader crashes (fuzz_air_import's job, suite fuzz-llvm).
 * Seeded with one-function metallibs of the fixtures. One thread.
 */
#include <stddef.h>
#include <stdint.h>

#include "air/air.h"
#include "air/metallib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct air_mtlb *lib = NULL;
    struct air_diag d = { { 0 } };
    if (air_mtlb_parse(data, size, &lib, &d) != AIR_OK)
        return 0;
    unsigned ok = 0;
    for (uint32_t i = 0; i < lib->function_count; i++)
        if (lib->functions[i].status == AIR_OK)
            ok += air_mtlb_hash_ok(&lib->functions[i]);
    (void)ok;
    air_mtlb_free(lib);
    struct air_result *r = NULL;
    if (air_translate(data, size, NULL, &r, &d) == AIR_OK)
        air_result_unref(r);
    return 0;
}
