/* SPDX-License-Identifier: MIT */
/*
 * Status names and the first-failure diagnostic of the AIR translator (status.h). Any thread.
 */
#include "air/status.h"

#include <stdarg.h>
#include <stdio.h>

const char *
air_status_string(enum air_status st)
{
    switch (st) {
    case AIR_OK:
        return "OK";
    case AIR_INVALID_DATA:
        return "INVALID_DATA";
    case AIR_NOT_SUPPORTED:
        return "NOT_SUPPORTED";
    case AIR_OUT_OF_MEMORY:
        return "OUT_OF_MEMORY";
    }
    return "UNKNOWN";
}

enum air_status
air_diag_set(struct air_diag *diag, enum air_status st, const char *fmt, ...)
{
    if (!diag || diag->msg[0])
        return st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
    va_end(ap);
    return st;
}
