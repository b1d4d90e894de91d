/* SPDX-License-Identifier: MIT */
/*
 * lagfx-trace: reads a wire recording (LAGFX_TRACE, docs/trace-format.md).
 *   lagfx-trace dump FILE    one line per record; outer commands and every inner command of
 *                            each recorded command stream, named from the opcode tables
 *   lagfx-trace stats FILE   record counts, outer and inner opcode counts
 * Exit 0 on success, 1 on a truncated or corrupt file (the error says where), 2 on usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory/reader.h"
#include "protocol/dev.h"
#include "protocol/ops.h"
#include "protocol/trace_reader.h"

static const char *const type_names[] = {
    [TRACE_MMIO_WRITE] = "mmio-write",
    [TRACE_MMIO_READ] = "mmio-read",
    [TRACE_TURN_BEGIN] = "turn",
    [TRACE_TURN_END] = "turn-end",
    [TRACE_MEM_READ] = "mem-read",
    [TRACE_MEM_WRITE] = "mem-write",
    [TRACE_OUTER] = "outer",
    [TRACE_IRQ] = "irq",
    [TRACE_API] = "api",
    [TRACE_END] = "end",
    [TRACE_CMDSTREAM] = "cmdstream",
};

static const char *const api_names[] = {
    [TRACE_API_RESET] = "reset",
    [TRACE_API_PAUSE] = "pause",
    [TRACE_API_UNPAUSE] = "unpause",
    [TRACE_API_STOP] = "stop",
    [TRACE_API_DISPLAY_PLUG] = "display-plug",
    [TRACE_API_DISPLAY_UNPLUG] = "display-unplug",
    [TRACE_API_RAM_REGIONS] = "ram-regions",
};

struct stats {
    uint64_t types[TRACE_CMDSTREAM + 1];
    uint64_t outer[13][0x100];
    uint64_t inner[0x200];
};

/* Walks one command-stream entry: segments (nested for type 5, depth ≤ 4) and inner headers,
 * printing one line per inner command. Bounded by the entry; stops at the first bad length. */
static void
walk_segments(const uint8_t *p, size_t len, int depth, bool print, struct stats *st)
{
    size_t off = 0;
    while (len - off >= 8 && depth <= 4) {
        uint32_t size = mem_le32(p + off);
        uint8_t type = p[off + 4];
        if (size < 8 || size > len - off)
            return;
        if (print)
            printf("      segment type=%u size=%u\n", type, size);
        if (type == 5) {
            if (size >= 16)
                walk_segments(p + off + 16, size - 16, depth + 1, print, st);
        } else {
            size_t in = 8;
            while (size - in >= 8) {
                uint32_t op = mem_le32(p + off + in) & 0xFFFF;
                uint32_t ilen = mem_le32(p + off + in + 4);
                if (ilen < 8 || ilen > size - in) {
                    if (print)
                        printf("        (bad inner length %u at +0x%zx)\n", ilen, off + in);
                    return;
                }
                if (op < 0x200)
                    st->inner[op]++;
                if (print)
                    printf("        0x%03x %s len=%u\n", op, proto_inner_op_name(op), ilen);
                in += ilen;
            }
        }
        off += size;
    }
}

static void
print_record(const struct trace_reader *r,
             const struct trace_record *rec,
             bool print,
             struct stats *st)
{
    const uint8_t *p = rec->payload;
    st->types[rec->type]++;
    if (print)
        printf("%12.6f %-10s ", (double)rec->time_ns / 1e9, type_names[rec->type]);
    switch (rec->type) {
    case TRACE_MMIO_WRITE:
    case TRACE_MMIO_READ: {
        if (rec->len < 24)
            break;
        uint64_t off = mem_le64(p);
        const char *name = proto_reg_name(off);
        if (print)
            printf("off=0x%04" PRIx64 " %-16s size=%u value=0x%08" PRIx64 " status=%d", off,
                   name ? name : "-", mem_le32(p + 8), mem_le64(p + 16), (int32_t)mem_le32(p + 12));
        break;
    }
    case TRACE_TURN_BEGIN:
        if (print && rec->len >= 4)
            printf("wake=0x%04x", mem_le32(p));
        break;
    case TRACE_MEM_READ:
    case TRACE_MEM_WRITE:
        if (print && rec->len >= 8)
            printf("gpa=0x%" PRIx64 " len=%u", mem_le64(p), rec->len - 8);
        break;
    case TRACE_OUTER: {
        if (rec->len < 20)
            break;
        uint32_t ch = mem_le32(p), off = mem_le32(p + 4);
        uint32_t op = mem_le16(p + 8), len = mem_le32(p + 12), stamp = mem_le32(p + 16);
        if (ch < 13 && op < 0x100)
            st->outer[ch][op]++;
        if (print)
            printf("ch=%u off=0x%x op=0x%02x %s len=%u stamp=%u", ch, off, op,
                   proto_outer_name(ch, op), len, stamp);
        break;
    }
    case TRACE_CMDSTREAM:
        if (rec->len < 24)
            break;
        if (print)
            printf("ch=%u task=%u entry=%u va=0x%" PRIx64 " len=%u\n", mem_le32(p), mem_le32(p + 4),
                   mem_le32(p + 8), mem_le64(p + 16), rec->len - 24);
        {
            const uint8_t *s = p + 24;
            size_t n = rec->len - 24;
            /* The first segment may follow 8 bytes of metadata (§10.3). */
            size_t start = (n >= 16 && mem_le32(s) < 8 && mem_le32(s + 8) >= 8) ? 8 : 0;
            walk_segments(s + start, n - start, 1, print, st);
        }
        return;
    case TRACE_IRQ:
        if (print && rec->len >= 12)
            printf("vector=%u stamp_pending=0x%x display_pending=0x%x", mem_le32(p),
                   mem_le32(p + 4), mem_le32(p + 8));
        break;
    case TRACE_API: {
        if (rec->len < 8)
            break;
        uint32_t call = mem_le32(p);
        const char *name = call < sizeof(api_names) / sizeof(api_names[0]) && api_names[call]
                               ? api_names[call]
                               : "?";
        if (print) {
            printf("%s port=%u", name, mem_le32(p + 4));
            if (call == TRACE_API_DISPLAY_PLUG && rec->len >= 12 + 8) {
                uint32_t n = mem_le32(p + 8);
                printf(" modes=%u first=%ux%u@%u", n, mem_le16(p + 12), mem_le16(p + 14),
                       mem_le32(p + 16));
            }
        }
        break;
    }
    default:
        break;
    }
    (void)r;
    if (print)
        putchar('\n');
}

static int
usage(FILE *f, int rc)
{
    fprintf(f, "usage: lagfx-trace dump FILE | stats FILE | --help\n"
               "Reads a libapplegfx-vulkan wire recording (LAGFX_TRACE=path).\n"
               "  dump   one line per record, with every outer and inner command named\n"
               "  stats  record, outer-opcode and inner-opcode counts\n");
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return usage(stdout, 0);
    if (argc != 3 || (strcmp(argv[1], "dump") && strcmp(argv[1], "stats")))
        return usage(stderr, 2);
    bool print = !strcmp(argv[1], "dump");
    struct trace_reader r;
    if (trace_reader_open(&r, argv[2]) != LAGFX_OK) {
        fprintf(stderr, "lagfx-trace: %s: %s\n", argv[2], r.error);
        return 1;
    }
    struct stats *st = calloc(1, sizeof(*st));
    if (!st) {
        trace_reader_close(&r);
        return 1;
    }
    if (print)
        printf("# lagfx wire recording v%u label=%s mmio_length=0x%" PRIx64
               " ports=%u flags=0x%x\n",
               r.version, r.label, r.mmio_length, r.port_count, r.flags);
    struct trace_record rec;
    int rc;
    while ((rc = trace_reader_next(&r, &rec)) > 0)
        print_record(&r, &rec, print, st);
    if (rc < 0)
        fprintf(stderr, "lagfx-trace: %s: %s\n", argv[2], r.error);
    if (!print && rc == 0) {
        for (int t = 1; t <= TRACE_CMDSTREAM; t++)
            printf("%-10s %" PRIu64 "\n", type_names[t], st->types[t]);
        for (int ch = 0; ch < 13; ch++)
            for (int op = 0; op < 0x100; op++)
                if (st->outer[ch][op])
                    printf("outer ch=%d 0x%02x %-28s %" PRIu64 "\n", ch, op,
                           proto_outer_name((uint32_t)ch, (uint32_t)op), st->outer[ch][op]);
        for (int op = 0; op < 0x200; op++)
            if (st->inner[op])
                printf("inner 0x%03x %-36s %" PRIu64 "\n", op, proto_inner_op_name((uint32_t)op),
                       st->inner[op]);
    }
    free(st);
    trace_reader_close(&r);
    return rc < 0 ? 1 : 0;
}
