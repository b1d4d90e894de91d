/* SPDX-License-Identifier: MIT */
/*
 * Status codes and the diagnostic buffer shared by every stage of the AIR translator
 * (spec/air.md §5.3): a stage that fails writes one precise, human-readable reason (offsets,
 * sizes, the offending intrinsic or instruction) into struct air_diag and returns a status.
 * Plain data; any thread (a diag belongs to the translation that fills it).
 */
#ifndef LAGFX_AIR_STATUS_H
#define LAGFX_AIR_STATUS_H

#include <stddef.h>

enum air_status {
    AIR_OK = 0,
    AIR_INVALID_DATA,  /* container, bitcode or descriptors malformed */
    AIR_NOT_SUPPORTED, /* an intrinsic, instruction, stage or feature we do not translate */
    AIR_OUT_OF_MEMORY,
};

#define AIR_DIAG_MAX 256

struct air_diag {
    char msg[AIR_DIAG_MAX];
};

const char *air_status_string(enum air_status st);

/* Records the first failure only (later ones are usually consequences); returns st. diag may
 * be NULL. */
enum air_status air_diag_set(struct air_diag *diag, enum air_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* LAGFX_AIR_STATUS_H */
