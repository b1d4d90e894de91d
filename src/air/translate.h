/* SPDX-License-Identifier: MIT */
/*
 * The two halves of an in-process translation, split so the isolation layer can run the
 * first (the container parse, fuzzed and hardened) in the library and ship only the second
 * (LLVM's bitcode reader onwards, not hardened) to lagfx-air-worker (isolate.c, the worker in
 * tools/air-worker). Any thread; no shared state.
 */
#ifndef LAGFX_AIR_TRANSLATE_H
#define LAGFX_AIR_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>

#include "air/air.h"
#include "air/metallib.h"

/*
 * Picks the function air_translate would translate and the entry name it would pass on.
 * *fn points into lib. Errors: INVALID_DATA (no such function, ambiguous, unusable),
 * NOT_SUPPORTED (a TYPE other than vertex/fragment/kernel).
 */
enum air_status air_translate_select(const struct air_mtlb *lib,
                                     const struct air_options *opt,
                                     const struct air_mtlb_function **fn,
                                     const char **entry,
                                     struct air_diag *diag);

/*
 * Translates one bounded bitcode stream (BC C0 DE..., at most AIR_BITCODE_MAX_SIZE bytes);
 * entry NULL means the module's only entry. Errors as air_translate.
 */
enum air_status air_translate_bitcode(const uint8_t *bc,
                                      size_t size,
                                      const char *entry,
                                      const struct air_options *opt,
                                      struct air_result **out,
                                      struct air_diag *diag);

#endif /* LAGFX_AIR_TRANSLATE_H */
