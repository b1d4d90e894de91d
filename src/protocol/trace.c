/* SPDX-License-Identifier: MIT */
/*
 * Wire recording writer (trace.h, docs/trace-format.md). Records go through a buffered FILE
 * under one mutex, a leaf lock taken inside the guest-memory lock by the tap. Any thread.
 */
#include "protocol/trace.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "memory/reader.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

struct proto_trace {
    pthread_mutex_t lock;
    FILE *f;
    uint64_t t0;
    bool failed;
    lagfx_device_t *log_dev;
    char path[4096];
};

/* Expands %p (pid) and %d (device label); %% is a percent sign. */
static bool
expand(char *out, size_t cap, const char *tmpl, const char *label)
{
    size_t n = 0;
    for (const char *p = tmpl; *p; p++) {
        char buf[64];
        const char *piece = buf;
        if (p[0] == '%' && p[1] == 'p') {
            snprintf(buf, sizeof(buf), "%ld", (long)getpid());
            p++;
        } else if (p[0] == '%' && p[1] == 'd') {
            piece = label;
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            buf[0] = '%', buf[1] = 0;
            p++;
        } else {
            buf[0] = *p, buf[1] = 0;
        }
        size_t len = strlen(piece);
        if (n + len + 1 > cap)
            return false;
        memcpy(out + n, piece, len);
        n += len;
    }
    out[n] = 0;
    return n > 0;
}

/* Writes one record; lock held. */
static void
put_locked(struct proto_trace *t,
           uint16_t type,
           const void *a,
           size_t alen,
           const void *b,
           size_t blen)
{
    if (t->failed)
        return;
    uint8_t head[TRACE_RECORD_HEAD];
    uint32_t len = (uint32_t)(alen + blen);
    mem_put_le16(head + 0, type);
    mem_put_le16(head + 2, 0);
    mem_put_le32(head + 4, len);
    mem_put_le64(head + 8, ut_now_ns() - t->t0);
    static const uint8_t pad[8];
    size_t padding = (8 - len % 8) % 8;
    if (fwrite(head, 1, sizeof(head), t->f) != sizeof(head) ||
        (alen && fwrite(a, 1, alen, t->f) != alen) || (blen && fwrite(b, 1, blen, t->f) != blen) ||
        (padding && fwrite(pad, 1, padding, t->f) != padding)) {
        t->failed = true;
        UT_ERROR(t->log_dev, "trace", "wire recording to %s failed: stopped", t->path);
    }
}

static void
put(struct proto_trace *t, uint16_t type, const void *a, size_t alen, const void *b, size_t blen)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    put_locked(t, type, a, alen, b, blen);
    pthread_mutex_unlock(&t->lock);
}

lagfx_status_t
proto_trace_open(const char *path_template,
                 const char *label,
                 uint64_t mmio_length,
                 uint32_t port_count,
                 uint32_t flags,
                 lagfx_device_t *log_dev,
                 struct proto_trace **out)
{
    struct proto_trace *t = ut_calloc(1, sizeof(*t));
    if (!t)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    if (!expand(t->path, sizeof(t->path), path_template, label)) {
        ut_free(t);
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    int fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || !(t->f = fdopen(fd, "wb"))) {
        UT_ERROR(log_dev, "trace", "cannot open wire recording %s", t->path);
        if (fd >= 0)
            close(fd);
        ut_free(t);
        return LAGFX_ERROR_IO;
    }
    pthread_mutex_init(&t->lock, NULL);
    t->t0 = ut_now_ns();
    t->log_dev = log_dev;
    uint8_t h[TRACE_HEADER_SIZE] = { 0 };
    memcpy(h, TRACE_MAGIC, 8);
    mem_put_le32(h + 8, TRACE_VERSION);
    mem_put_le32(h + 12, TRACE_HEADER_SIZE);
    mem_put_le64(h + 16, mmio_length);
    mem_put_le32(h + 24, port_count);
    mem_put_le32(h + 28, flags);
    strncpy((char *)h + 32, label, 31);
    if (fwrite(h, 1, sizeof(h), t->f) != sizeof(h)) {
        fclose(t->f);
        pthread_mutex_destroy(&t->lock);
        ut_free(t);
        return LAGFX_ERROR_IO;
    }
    UT_INFO(log_dev, "trace", "recording the wire to %s", t->path);
    *out = t;
    return LAGFX_OK;
}

void
proto_trace_close(struct proto_trace *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    put_locked(t, TRACE_END, NULL, 0, NULL, 0);
    if (fclose(t->f) != 0 && !t->failed)
        UT_ERROR(t->log_dev, "trace", "closing wire recording %s failed", t->path);
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_destroy(&t->lock);
    ut_free(t);
}

void
proto_trace_mmio(struct proto_trace *t,
                 bool write,
                 uint64_t off,
                 uint32_t size,
                 uint64_t value,
                 lagfx_status_t st)
{
    uint8_t p[24];
    mem_put_le64(p, off);
    mem_put_le32(p + 8, size);
    mem_put_le32(p + 12, (uint32_t)st);
    mem_put_le64(p + 16, value);
    put(t, write ? TRACE_MMIO_WRITE : TRACE_MMIO_READ, p, sizeof(p), NULL, 0);
}

void
proto_trace_turn(struct proto_trace *t, bool begin, uint32_t bits)
{
    uint8_t p[4];
    mem_put_le32(p, bits);
    put(t, begin ? TRACE_TURN_BEGIN : TRACE_TURN_END, p, begin ? 4 : 0, NULL, 0);
}

void
proto_trace_mem(void *user, bool write, uint64_t gpa, const void *data, size_t len)
{
    uint8_t p[8];
    mem_put_le64(p, gpa);
    put(user, write ? TRACE_MEM_WRITE : TRACE_MEM_READ, p, 8, data, len);
}

void
proto_trace_outer(struct proto_trace *t,
                  uint32_t channel,
                  uint32_t ring_off,
                  const uint8_t header[12],
                  const uint8_t *payload,
                  uint32_t len)
{
    if (!t)
        return;
    uint8_t p[8 + 12];
    mem_put_le32(p, channel);
    mem_put_le32(p + 4, ring_off);
    memcpy(p + 8, header, 12);
    put(t, TRACE_OUTER, p, sizeof(p), payload, len);
}

void
proto_trace_cmdstream(struct proto_trace *t,
                      uint32_t channel,
                      uint32_t task,
                      uint32_t entry,
                      uint64_t va,
                      const uint8_t *bytes,
                      size_t len)
{
    uint8_t p[24];
    mem_put_le32(p, channel);
    mem_put_le32(p + 4, task);
    mem_put_le32(p + 8, entry);
    mem_put_le32(p + 12, 0);
    mem_put_le64(p + 16, va);
    put(t, TRACE_CMDSTREAM, p, sizeof(p), bytes, len);
}

void
proto_trace_irq(struct proto_trace *t, uint32_t stamp_pending, uint32_t display_pending)
{
    uint8_t p[12];
    mem_put_le32(p, 0);
    mem_put_le32(p + 4, stamp_pending);
    mem_put_le32(p + 8, display_pending);
    put(t, TRACE_IRQ, p, sizeof(p), NULL, 0);
}

void
proto_trace_api(struct proto_trace *t, uint32_t call, uint32_t port, const void *data, size_t len)
{
    uint8_t p[8];
    mem_put_le32(p, call);
    mem_put_le32(p + 4, port);
    put(t, TRACE_API, p, sizeof(p), data, len);
}
