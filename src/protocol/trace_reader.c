/* SPDX-License-Identifier: MIT */
/* Wire recording reader (trace_reader.h). One thread. */
#include "protocol/trace_reader.h"

#include <string.h>

#include "memory/reader.h"
#include "util/alloc.h"

lagfx_status_t
trace_reader_open(struct trace_reader *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    r->f = fopen(path, "rb");
    if (!r->f) {
        snprintf(r->error, sizeof(r->error), "cannot open %s", path);
        return LAGFX_ERROR_IO;
    }
    uint8_t h[TRACE_HEADER_SIZE];
    if (fread(h, 1, sizeof(h), r->f) != sizeof(h)) {
        snprintf(r->error, sizeof(r->error), "truncated header (< %u bytes)", TRACE_HEADER_SIZE);
        goto bad;
    }
    if (memcmp(h, TRACE_MAGIC, 8) != 0) {
        snprintf(r->error, sizeof(r->error), "not a libapplegfx-vulkan wire recording (magic)");
        goto bad;
    }
    r->version = mem_le32(h + 8);
    uint32_t hsize = mem_le32(h + 12);
    if (r->version != TRACE_VERSION || hsize != TRACE_HEADER_SIZE) {
        snprintf(r->error, sizeof(r->error), "unsupported version %u (header %u bytes)", r->version,
                 hsize);
        goto bad;
    }
    r->mmio_length = mem_le64(h + 16);
    r->port_count = mem_le32(h + 24);
    r->flags = mem_le32(h + 28);
    memcpy(r->label, h + 32, 32);
    r->label[32] = 0;
    if (r->port_count > LAGFX_MAX_DISPLAY_PORTS) {
        snprintf(r->error, sizeof(r->error), "header names %u display ports", r->port_count);
        goto bad;
    }
    r->offset = TRACE_HEADER_SIZE;
    return LAGFX_OK;
bad:
    fclose(r->f);
    r->f = NULL;
    return LAGFX_ERROR_INVALID_ARGUMENT;
}

void
trace_reader_close(struct trace_reader *r)
{
    if (r->f)
        fclose(r->f);
    ut_free(r->payload);
    r->f = NULL;
    r->payload = NULL;
}

int
trace_reader_next(struct trace_reader *r, struct trace_record *rec)
{
    uint8_t head[TRACE_RECORD_HEAD];
    size_t n = fread(head, 1, sizeof(head), r->f);
    if (n == 0)
        return 0; /* the end, between records */
    if (n != sizeof(head)) {
        snprintf(r->error, sizeof(r->error), "truncated record head at offset %llu",
                 (unsigned long long)r->offset);
        return -1;
    }
    rec->type = mem_le16(head);
    rec->len = mem_le32(head + 4);
    rec->time_ns = mem_le64(head + 8);
    rec->offset = r->offset;
    if (rec->type < TRACE_MMIO_WRITE || rec->type > TRACE_CMDSTREAM || mem_le16(head + 2) != 0) {
        snprintf(r->error, sizeof(r->error), "bad record type %u at offset %llu", rec->type,
                 (unsigned long long)r->offset);
        return -1;
    }
    if (rec->len > TRACE_MAX_PAYLOAD) {
        snprintf(r->error, sizeof(r->error), "record at offset %llu claims %u bytes",
                 (unsigned long long)r->offset, rec->len);
        return -1;
    }
    uint32_t padded = (rec->len + 7u) & ~7u;
    if (padded > r->cap) {
        uint8_t *p = ut_realloc_array(r->payload, padded ? padded : 1, 1);
        if (!p) {
            snprintf(r->error, sizeof(r->error), "out of memory");
            return -1;
        }
        r->payload = p;
        r->cap = padded;
    }
    if (padded && fread(r->payload, 1, padded, r->f) != padded) {
        snprintf(r->error, sizeof(r->error), "truncated record (type %u, %u bytes) at offset %llu",
                 rec->type, rec->len, (unsigned long long)r->offset);
        return -1;
    }
    r->offset += TRACE_RECORD_HEAD + padded;
    rec->payload = r->payload;
    return rec->type == TRACE_END ? 0 : 1;
}
