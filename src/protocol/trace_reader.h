/* SPDX-License-Identifier: MIT */
/*
 * Reading wire recordings (trace_format.h) for lagfx-trace and the replay: the header is
 * validated, every record's length is checked against the file and TRACE_MAX_PAYLOAD, and a
 * truncated or corrupt file ends with a precise error instead of a short read. One thread.
 */
#ifndef LAGFX_PROTOCOL_TRACE_READER_H
#define LAGFX_PROTOCOL_TRACE_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libapplegfx-vulkan.h>

#include "protocol/trace_format.h"

struct trace_reader {
    FILE *f;
    uint32_t version, flags, port_count;
    uint64_t mmio_length;
    char label[33];
    uint64_t offset; /* file offset of the next record */
    uint8_t *payload;
    uint32_t cap;
    char error[160]; /* set when next() fails for a reason other than the end */
};

struct trace_record {
    uint16_t type;
    uint32_t len;
    uint64_t time_ns;
    uint64_t offset;        /* of the record head in the file */
    const uint8_t *payload; /* valid until the next call */
};

/* INVALID_ARGUMENT (error set) for a file that is not a version-1 recording; IO if unreadable. */
lagfx_status_t trace_reader_open(struct trace_reader *r, const char *path);
void trace_reader_close(struct trace_reader *r);
/* 1: a record; 0: the end (after TRACE_END or at EOF between records); -1: error (r->error). */
int trace_reader_next(struct trace_reader *r, struct trace_record *rec);

#endif /* LAGFX_PROTOCOL_TRACE_READER_H */
