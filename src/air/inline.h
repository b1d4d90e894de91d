/* SPDX-License-Identifier: MIT */
/*
 * Helper-function inlining on IIR (spec/air.md §5.1 `inline.c`, §5.4.2): Metal forbids
 * recursion, so every call to a function defined in the module is replaced by a copy of its
 * body before emission, and the emitter only ever sees one function. One translation, one
 * thread.
 */
#ifndef LAGFX_AIR_INLINE_H
#define LAGFX_AIR_INLINE_H

#include "air/iir.h"

/* Caps on what one entry may grow to; hostile modules (call chains that double at each level,
 * or recursion) fail with NOT_SUPPORTED instead of exhausting memory. */
#define AIR_INLINE_MAX_CALLS  512
#define AIR_INLINE_MAX_INSTS  200000
#define AIR_INLINE_MAX_BLOCKS 8192

/*
 * Inlines every call to a defined function into function fi, repeatedly, until none is left.
 * Errors: NOT_SUPPORTED (recursion or a cap), INVALID_DATA (call/parameter mismatch),
 * OUT_OF_MEMORY. On failure the module is unusable.
 */
enum air_status iir_inline_calls(struct iir_module *m, uint32_t fi, struct air_diag *diag);

#endif /* LAGFX_AIR_INLINE_H */
