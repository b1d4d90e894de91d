/* SPDX-License-Identifier: MIT */
/*
 * The AIR bitcode importer (spec/air.md §3, §5.1): LLVM 15's C API reads one bounded bitcode
 * stream into a fresh context (opaque pointers unless asked otherwise) and lowers it to IIR.
 * The only interface of the translator to LLVM. Any thread; each call uses its own context.
 */
#ifndef LAGFX_AIR_IMPORT_LLVM_H
#define LAGFX_AIR_IMPORT_LLVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "air/iir.h"
#include "air/status.h"

struct air_import_options {
    bool typed_pointers; /* tests only: keep Apple's typed pointers (LLVM 15 typed mode) */
    bool skip_verify;    /* benchmarks only */
};

/*
 * Parses bitcode (BC C0 DE..., at most AIR_BITCODE_MAX_SIZE bytes) and imports it. Errors:
 * INVALID_DATA (unreadable bitcode, verifier failure, malformed metadata), NOT_SUPPORTED (an
 * instruction or type IIR lacks; diag names it), OUT_OF_MEMORY.
 */
enum air_status air_import_llvm(const uint8_t *bc,
                                size_t size,
                                const struct air_import_options *opt,
                                struct iir_module **out,
                                struct air_diag *diag);

/* LLVM's major version, for cache keys (spec/air.md §8). */
unsigned air_import_llvm_version(void);

/* Baseline for benchmarks: create a context, parse, dispose. Returns true on success. */
bool air_import_llvm_parse_only(const uint8_t *bc, size_t size);

#endif /* LAGFX_AIR_IMPORT_LLVM_H */
