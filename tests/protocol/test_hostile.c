/* SPDX-License-Identifier: MIT */
/*
 * Hostile input as a unit fuzz (protocol.md §17, §19 item 98), fixed seed, through the real
 * device: random and mutated ring batches on the root ring, channels 1-4 and pipe 5 (built
 * from templates of every namespace's opcodes), then mutated command buffers in ExecIndirects
 * of a task holding guestobj's standard objects. For every batch the headers the host must
 * accept are walked here and given consecutive stamps: the slot's cell must reach exactly the
 * last one (or the plausible stamp of the invalid header that ends the batch) and the read
 * pointer must reach the write pointer within a bounded time. The session is recorded with
 * LAGFX_TRACE; afterwards every MEM_WRITE must be a stamp cell, a descriptor's read pointer,
 * a page of a resource entry of that turn's ExecIndirect (info replies), the GetDeviceInfo2
 * reply page or the command's length field, or the display's shared-state page. Finally the
 * same device still serves a valid ExecIndirect and a fresh device boots.
 *
 * Usage: test_hostile [iterations]  (default 20000: two thirds ring batches, one third command
 * buffers; the slow suite runs 10^6, in chunks of fresh devices and recordings).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common.h"
#include "guestobj.h"
#include "guestsim.h"
#include "memory/reader.h"
#include "protocol/ops.h"
#include "protocol/trace_reader.h"

#define CHUNK     20000u /* batches per device and recording */
#define FUZZ_TASK 9u
#define BATCH_MAX 3000u
#define WAIT_MS   3000u
#define PIPE      5u
#define ROOT_DATA (((uint64_t)GUESTSIM_ROOT_BASE_PFN << 12) + GUESTSIM_ROOT_START)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t
rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return n ? (uint32_t)(rng_state % n) : 0;
}

struct fuzz {
    struct guestsim *g;
    lagfx_device_t *dev;
    struct guestobj k, f; /* kernel task 1 and the fuzz task */
    struct guestsim_task ft;
    struct cmdenc_refs kr, fr;
    uint8_t kdef[16], fdef[16];
    uint32_t kheap[3], fheap[3];
    uint8_t exec_payload[512]; /* a valid ExecIndirect of task 1 (template) */
    uint32_t exec_len;
    uint64_t shared_gpa, devinfo_gpa;
    uint64_t batches, cmdbufs, faults_seen, inner;
};

static uint32_t all_inner[256];
static uint32_t inner_count;

/* ---- templates ---- */

static void
le32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void
le64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* Appends one command {op, payload} built from a template of the channel's namespace. */
static uint32_t
template_cmd(struct fuzz *z, uint32_t ch, uint8_t *out, uint32_t cap)
{
    static const uint16_t root_ops[] = { 0x00, 0x01, 0x02, 0x03, 0x06, 0x08, 0x0A, 0x0D, 0x0E,
                                         0x12, 0x13, 0x14, 0x16, 0x20, 0x22, 0x26, 0x27, 0x28,
                                         0x29, 0x2A, 0x30, 0x33, 0x38, 0x3A, 0x42, 0x7F };
    static const uint16_t chan_ops[] = { 0x22, 0x24, 0x25, 0x28, 0x34, 0x36, 0x37,
                                         0x38, 0x39, 0x3B, 0x3C, 0x42, 0x01 };
    static const uint16_t pipe_ops[] = { 0x01, 0x02, 0x04, 0x06, 0x07, 0x10, 0x12,
                                         0x13, 0x14, 0x16, 0x17, 0x19, 0x1A };
    uint8_t p[512];
    memset(p, 0, sizeof(p));
    uint32_t len = 0;
    uint16_t op;
    if (ch == 0)
        op = root_ops[rnd(sizeof(root_ops) / 2)];
    else if (ch < 5)
        op = chan_ops[rnd(sizeof(chan_ops) / 2)];
    else
        op = pipe_ops[rnd(sizeof(pipe_ops) / 2)];
    if (rnd(16) == 0)
        op = (uint16_t)rnd(rnd(2) ? 0x100 : 0x10000);
    uint32_t task = rnd(4) ? 1 : FUZZ_TASK;
    switch (op) {
    case 0x38:
        memcpy(p, task == 1 ? z->kdef : z->fdef, 16);
        len = 16;
        break;
    case 0x33:
        memcpy(p, task == 1 ? z->kheap : z->fheap, 12);
        len = 12;
        break;
    case 0x3A:
        le32(p, 0x2A), le32(p + 4, rnd(2) ? 0x200 : rnd(64)), le32(p + 8, 0);
        len = 12;
        break;
    case 0x20:
    case 0x37:
        if (op == 0x37 && ch == 0)
            break;
        memcpy(p, z->exec_payload, z->exec_len);
        len = z->exec_len;
        break;
    case 0x01:
        le32(p, ch >= 5 ? ch - 5 : 20 + rnd(4)); /* pipes: SetupSharedState; root: DeleteTask */
        len = ch >= 5 ? 8 : 4;
        break;
    case 0x00:
        le32(p, 20 + rnd(4)), le64(p + 12, 0x100000);
        len = 24;
        break;
    case 0x02: /* MapMemory2 on root, DisplaySubmit on pipes */
        if (ch >= 5) {
            le32(p, ch - 5), le32(p + 4, rnd(2) ? 0 : rnd(0x40000));
            len = 8;
        } else {
            le32(p, 20 + rnd(4)), le32(p + 16, 2);
            le64(p + 20, 0x50000), le64(p + 28, 0x1000), le64(p + 36, 0x80000),
                le64(p + 44, 0x2000);
            len = 52;
        }
        break;
    case 0x13:
        le32(p, 0), le32(p + 4, rnd(0x10000) | (rnd(0x10000) << 16)), le32(p + 8, 1);
        len = 16;
        break;
    case 0x14:
        le32(p, 0), le64(p + 4, 0x40000000ull + 0x1000 * rnd(64)), le32(p + 12, 1 + rnd(64)),
            le32(p + 16, 1 + rnd(64)), le32(p + 20, 4 * (1 + rnd(80))), le32(p + 24, rnd(8));
        len = 32;
        break;
    case 0x06:
    case 0x07:
        le32(p, 0), le32(p + 4, rnd(2) ? 1 : rnd(10)), le32(p + 8, 0);
        len = op == 0x06 ? 12 : 36;
        break;
    case 0x27:
        le32(p, 100 + rnd(8)), le32(p + 4, 1 + rnd(200)), le32(p + 8, 1 + rnd(200)),
            le32(p + 12, 80), le32(p + 16, 1024), le64(p + 20, 1 << 20);
        len = rnd(4) ? 28 : 4;
        break;
    case 0x08:
        le32(p, task), le32(p + 4, 1 + rnd(GUESTOBJ_STANDARD_REFS));
        len = 8;
        break;
    case 0x22:
    case 0x42:
        le32(p, task), le32(p + 4, rnd(3));
        for (int i = 0; i < 2; i++)
            le32(p + 8 + 4 * i, 1 + rnd(GUESTOBJ_STANDARD_REFS));
        len = 16;
        if (ch >= 1 && ch <= 4 && op == 0x22)
            len = 20 + 4 * rnd(8);
        break;
    case 0x12:
        le32(p, 0), le64(p + 4, 0x1000), le32(p + 12, 7680), le32(p + 16, 1920), le32(p + 20, 1080),
            le32(p + 24, 80);
        len = 32;
        break;
    default:
        len = 4 * rnd(12);
        for (uint32_t i = 0; i < len; i += 4)
            le32(p + i, rnd(4) ? rnd(16) : rnd(0xFFFFFFFFu));
        break;
    }
    if (len == 0 && (op == 0x20 || op == 0x37))
        len = 8;
    if (rnd(8) == 0)
        len = rnd(2) ? len + 4 * rnd(8) : len / 2; /* extra (DR1) or short payloads */
    if (12 + len > cap)
        return 0;
    uint32_t total = 12 + len;
    memset(out, 0, 12);
    memcpy(out, &op, 2);
    memcpy(out + 4, &total, 4);
    memcpy(out + 12, p, len);
    return total;
}

static uint32_t
make_batch(struct fuzz *z, uint32_t ch, uint8_t *b, uint32_t cap)
{
    uint32_t len = 0;
    if (rnd(20) == 0) { /* pure noise */
        len = rnd(cap);
        for (uint32_t i = 0; i < len; i++)
            b[i] = (uint8_t)rnd(256);
        return len;
    }
    uint32_t n = 1 + rnd(rnd(4) ? 8 : 64);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t l = template_cmd(z, ch, b + len, cap - len);
        if (!l)
            break;
        len += l;
    }
    /* Mutations: byte flips and sets, length fields, a cut, inserted junk. */
    uint32_t m = rnd(4) ? rnd(6) : 0;
    for (uint32_t i = 0; i < m && len; i++) {
        uint32_t at = rnd(len);
        switch (rnd(5)) {
        case 0:
            b[at] ^= (uint8_t)(1u << rnd(8));
            break;
        case 1:
            b[at] = (uint8_t)rnd(256);
            break;
        case 2:
            if (at + 4 <= len) {
                static const uint32_t magic[] = { 0, 8, 11, 12, 0xFFFFFFFFu, 0x8001, 0x10001 };
                le32(b + at, magic[rnd(7)]);
            }
            break;
        case 3:
            len = at;
            break;
        default:
            if (len + 8 <= cap) {
                memmove(b + at + 8, b + at, len - at);
                for (int j = 0; j < 8; j++)
                    b[at + j] = (uint8_t)rnd(256);
                len += 8;
            }
            break;
        }
    }
    return len;
}

/* ---- ring access ---- */

static uint32_t
ring_size(uint32_t ch)
{
    return ch == 0 ? GUESTSIM_ROOT_SIZE : ch < 5 ? 0x10000u : 0x1000u;
}

/* GPA of the byte at absolute write position pos of ch's ring (§5.2, §7.4). */
static uint64_t
ring_gpa(struct guestsim *g, uint32_t ch, uint32_t pos)
{
    pos %= ring_size(ch);
    if (ch == 0)
        return ROOT_DATA + pos;
    uint32_t arr = guestsim_read32(g, guestsim_descriptor_gpa(ch) + 0x10);
    uint32_t pfn = guestsim_read32(g, ((uint64_t)arr << 12) + 4ull * (pos >> 12));
    return ((uint64_t)pfn << 12) + (pos & 0xFFF);
}

static uint32_t
wptr(struct guestsim *g, uint32_t ch)
{
    return ch == 0 ? guestsim_root_wptr(g) : guestsim_channel_wptr(g, ch);
}

static uint32_t
rptr(struct guestsim *g, uint32_t ch)
{
    return ch == 0 ? guestsim_mmio_read(g, 0x100C)
                   : guestsim_read32(g, guestsim_descriptor_gpa(ch) + 4);
}

/* Walks the batch as the host will: consecutive stamps for every header it reads, sanitised
 * reply PFNs (0x3A) and shared-state PFNs (pipe 0x01) so the host's legitimate writes stay in
 * pages the simulator can spare. Returns the stamp the slot must end at (0: none); *restore
 * tells whether a task's definition may have changed. */
static uint32_t
assign_stamps(struct fuzz *z, uint32_t ch, uint8_t *b, uint32_t len, bool *restore)
{
    uint32_t off = 0, expect = 0;
    uint32_t base = wptr(z->g, ch);
    while (off < len) {
        uint32_t rem = len - off;
        if (rem < 12) {
            /* A partial header: its stamp bytes (here and past wp) read as zero,
             * which is never a plausible target. */
            for (uint32_t i = 8; i < rem; i++)
                b[off + i] = 0;
            for (uint32_t i = 0; i < 12; i++)
                guestsim_ram(z->g)[ring_gpa(z->g, ch, base + len + i)] = 0;
            break;
        }
        uint32_t l = mem_le32(b + off + 4);
        uint32_t stamp = guestsim_next_stamp(z->g, ch);
        le32(b + off + 8, stamp);
        expect = stamp;
        if (l < 12 || l > rem)
            break; /* invalid header: the rest is discarded, its stamp is plausible */
        uint16_t op = mem_le16(b + off);
        uint32_t plen = l - 12;
        uint8_t *pl = b + off + 12;
        if (ch == 0 && op == 0x3A && plen >= 12)
            le32(pl + 8, (uint32_t)(z->devinfo_gpa >> 12));
        if (ch >= 5 && op == 0x01 && plen >= 8)
            le32(pl + 4, (uint32_t)(z->shared_gpa >> 12));
        if ((ch < 5 && (op == 0x38 || op == 0x33)) ||
            (ch == 0 && (op == 0x01 || op == 0x06 || op == 0x09)))
            *restore = true;
        off += l;
    }
    return expect;
}

static bool
wait_drained(struct fuzz *z, uint32_t ch, uint32_t expect)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        bool rp_ok = rptr(z->g, ch) == wptr(z->g, ch); /* root: both modular */
        if (rp_ok && (!expect || guestsim_stamp(z->g, ch) == expect))
            return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t ms = (int64_t)(now.tv_sec - start.tv_sec) * 1000 +
                     ((int64_t)now.tv_nsec - (int64_t)start.tv_nsec) / 1000000;
        if (ms > (int64_t)WAIT_MS) {
            fprintf(stderr, "ch %u: rp 0x%x wp 0x%x cell %u expected %u\n", ch, rptr(z->g, ch),
                    wptr(z->g, ch), guestsim_stamp(z->g, ch), expect);
            return false;
        }
        struct timespec nap = { 0, 20000 };
        nanosleep(&nap, NULL);
    }
}

/* Puts the tasks back as setup left them (a batch may have redefined or deleted them). */
static void
restore_tasks(struct fuzz *z)
{
    /* DeleteTask first: a 0x38 with the same root would keep a sticky fault (§9.1). */
    uint32_t del[2] = { 1, FUZZ_TASK };
    guestsim_root_put(z->g, 0x01, &del[0], 4);
    guestsim_root_put(z->g, 0x01, &del[1], 4);
    guestsim_root_put(z->g, 0x38, z->kdef, 16);
    guestsim_root_put(z->g, 0x33, z->kheap, 12);
    guestsim_root_put(z->g, 0x38, z->fdef, 16);
    uint32_t s = guestsim_root_put(z->g, 0x33, z->fheap, 12);
    guestsim_root_doorbell(z->g);
    REQUIRE(guestobj_wait_stamp(z->g, 0, s, WAIT_MS));
}

static void
ring_round(struct fuzz *z)
{
    static const uint32_t chans[] = { 0, 0, 1, 2, 3, 4, PIPE };
    uint32_t ch = chans[rnd(7)];
    static uint8_t b[BATCH_MAX + 64];
    uint32_t cap = ch == PIPE ? 0xC00 : BATCH_MAX;
    uint32_t len = make_batch(z, ch, b, cap);
    bool restore = false;
    uint32_t expect = assign_stamps(z, ch, b, len, &restore);
    if (ch == 0) {
        guestsim_root_put_raw(z->g, b, len);
        guestsim_root_doorbell(z->g);
    } else {
        guestsim_channel_put_raw(z->g, ch, b, len);
        guestsim_channel_doorbell(z->g, ch);
    }
    if (!wait_drained(z, ch, expect)) {
        fprintf(stderr, "batch %llu on ch %u (%u bytes) did not drain\n",
                (unsigned long long)z->batches, ch, len);
        FILE *f = fopen("hostile-stuck.bin", "wb");
        if (f) {
            fwrite(b, 1, len, f);
            fclose(f);
            fprintf(stderr, "batch saved in hostile-stuck.bin\n");
        }
        if (getenv("HOSTILE_STALL_WAIT")) {
            fprintf(stderr, "pid %d waiting\n", (int)getpid());
            sleep(120);
        }
        exit(1);
    }
    uint64_t faults = proto_dev_guest_faults(core_of(z->dev));
    if (restore || faults != z->faults_seen || rnd(64) == 0)
        restore_tasks(z);
    z->faults_seen = faults;
    z->batches++;
}

/* A mutated command buffer of the fuzz task: valid rows first, then byte mutations. */
static void
cmdbuf_round(struct fuzz *z)
{
    struct cmdenc e;
    cmdenc_init(&e);
    uint32_t segs = 1 + rnd(3);
    for (uint32_t s = 0; s < segs; s++) {
        static const uint8_t types[] = { 0, 2, 4, 1, 5 };
        uint8_t type = types[rnd(5)];
        cmdenc_segment_begin(&e, type);
        if (type == 5)
            cmdenc_segment_begin(&e, 0);
        if (rnd(2))
            cmdenc_op(&e, 0x1A, &z->fr);
        uint32_t n = rnd(24);
        for (uint32_t i = 0; i < n; i++)
            cmdenc_op(&e, all_inner[rnd(inner_count)], &z->fr);
        if (type == 5)
            cmdenc_segment_end(&e);
        cmdenc_segment_end(&e);
    }
    uint32_t m = rnd(8);
    for (uint32_t i = 0; i < m && e.len; i++) {
        uint32_t at = rnd((uint32_t)e.len);
        if (rnd(3) == 0 && at + 4 <= e.len)
            le32(e.buf + at, rnd(2) ? rnd(0x200) : rnd(0xFFFFFFFFu));
        else
            e.buf[at] ^= (uint8_t)(1u << rnd(8));
    }
    if (e.len > GUESTOBJ_STREAM_MAX)
        e.len = GUESTOBJ_STREAM_MAX;
    struct cmdenc_exec_desc d[3] = { { z->fr.texture, rnd(2) ? 0x100 : 0 },
                                     { z->fr.texture2, rnd(2) ? 0x1 : 0 },
                                     { z->fr.buffer, rnd(0x200) } };
    static const uint32_t chans[] = { 1, 1, 3, 0 };
    uint32_t ch = chans[rnd(4)];
    uint32_t s = guestobj_exec_submit(&z->f, ch, &e, d, rnd(4), 1 + rnd(2), NULL);
    if (!s) {
        fprintf(stderr, "command buffer %llu did not complete\n", (unsigned long long)z->cmdbufs);
        exit(1);
    }
    CHECK_EQ_U32(guestsim_stamp(z->g, ch), s);
    uint64_t faults = proto_dev_guest_faults(core_of(z->dev));
    if (faults != z->faults_seen) {
        z->faults_seen = faults;
        restore_tasks(z);
    }
    z->cmdbufs++;
    cmdenc_free(&e);
}

/* ---- the recording's check ---- */

struct range {
    uint64_t gpa, len;
};

#define MAX_ALLOWED 4096

/* Root PFN per task id as the recording's 0x38 and 0x01 commands left it (a mutated 0x38 may
 * give any id any root, even one of the simulator's tables). */
static uint32_t task_root[0x10000];

/* The walk of protocol.md §9.4 over guest RAM (levels 1-4, early leaves). */
static bool
walk(struct fuzz *z, uint32_t root_pfn, uint64_t va, uint64_t *gpa)
{
    uint64_t ram = guestsim_ram_size(z->g);
    uint64_t hdr = (uint64_t)root_pfn << 12;
    if (!root_pfn || hdr + 8 > ram)
        return false;
    uint32_t node = guestsim_read32(z->g, hdr), levels = guestsim_read32(z->g, hdr + 4);
    if (levels < 1 || levels > 4 || node == 0 || (va >> (12 + 10 * levels)) != 0)
        return false;
    uint64_t page = va >> 12;
    for (uint32_t k = 1; k <= levels; k++) {
        uint32_t shift = 10 * (levels - k);
        uint64_t at = ((uint64_t)node << 12) + 4 * ((page >> shift) & 0x3FF);
        if (at + 4 > ram)
            return false;
        uint32_t e = guestsim_read32(z->g, at);
        if (e == 0)
            return false;
        uint64_t base = (uint64_t)(e & 0x7FFFFFFFu) << 12;
        if (k == levels) {
            *gpa = base + (va & 0xFFF);
            return true;
        }
        if (e & 0x80000000u) {
            uint64_t size = 1ull << (shift + 12);
            if (base % size)
                return false;
            *gpa = base + (va % size);
            return true;
        }
        node = e & 0x7FFFFFFFu;
    }
    return false;
}

/* Pages of the resource entries of an ExecIndirect payload (info replies may land there). */
static void
allow_exec(struct fuzz *z, const uint8_t *pl, uint32_t plen, struct range *a, uint32_t *n)
{
    if (plen < 12)
        return;
    uint32_t root = task_root[mem_le32(pl) & 0xFFFF];
    uint32_t dc = mem_le32(pl + 4), rc = mem_le32(pl + 8);
    if (mem_le32(pl) > 0xFFFF || !root || dc > 4096 || rc > 256 ||
        12ull + 24ull * dc + 16ull * rc > plen)
        return;
    const uint8_t *res = pl + 12 + 24 * dc;
    for (uint32_t i = 0; i < rc; i++) {
        uint64_t va = mem_le64(res + 16 * i);
        uint32_t len = mem_le32(res + 16 * i + 8);
        if (len > (4u << 20))
            continue;
        for (uint64_t p = va & ~0xFFFull; p < va + len && *n < MAX_ALLOWED; p += 0x1000) {
            uint64_t gpa;
            if (walk(z, root, p, &gpa))
                a[(*n)++] = (struct range){ gpa & ~0xFFFull, 0x1000 };
        }
    }
}

static bool
write_allowed(struct fuzz *z, uint64_t gpa, uint64_t len, const struct range *a, uint32_t n)
{
    uint64_t stamps = (uint64_t)GUESTSIM_ROOT_BASE_PFN << 12;
    if (len == 4 && gpa >= stamps && gpa + 4 <= stamps + 128)
        return true;
    for (uint32_t ch = 1; ch <= 12; ch++) {
        if (len == 4 && gpa == guestsim_descriptor_gpa(ch) + 4)
            return true;
    }
    if (gpa >= z->shared_gpa && gpa + len <= z->shared_gpa + 4096)
        return true; /* display page (§15.2, events at +0x100) */
    if (gpa >= z->devinfo_gpa && gpa + len <= z->devinfo_gpa + 41 * 8)
        return true; /* GetDeviceInfo2 reply (sanitised PFN) */
    for (uint32_t i = 0; i < n; i++) {
        if (gpa >= a[i].gpa && gpa + len <= a[i].gpa + a[i].len)
            return true;
    }
    return false;
}

static uint64_t
check_recording(struct fuzz *z, const char *path, uint64_t *writes)
{
    struct trace_reader r;
    REQUIRE(trace_reader_open(&r, path) == LAGFX_OK);
    static struct range allowed[MAX_ALLOWED];
    static struct range pending[MAX_ALLOWED];
    memset(task_root, 0, sizeof(task_root));
    uint32_t na = 0, np = 0;
    uint64_t bad = 0;
    struct trace_record rec;
    int st;
    while ((st = trace_reader_next(&r, &rec)) > 0) {
        const uint8_t *p = rec.payload;
        switch (rec.type) {
        case TRACE_TURN_BEGIN:
            na = np = 0;
            break;
        case TRACE_OUTER: {
            if (rec.len < 20)
                break;
            uint32_t ch = mem_le32(p), off = mem_le32(p + 4);
            uint16_t op = mem_le16(p + 8);
            const uint8_t *pl = p + 20;
            uint32_t plen = rec.len - 20;
            if (ch == 0 && op == 0x3A && na < MAX_ALLOWED)
                allowed[na++] = (struct range){ ROOT_DATA + (off + 4) % GUESTSIM_ROOT_SIZE, 4 };
            if (ch <= 4 && op == 0x38 && plen >= 16)
                task_root[(mem_le32(pl) >> 1) & 0xFFFF] = mem_le32(pl + 12);
            if (ch == 0 && op == 0x01 && plen >= 4 && mem_le32(pl) <= 0xFFFF)
                task_root[mem_le32(pl)] = 0;
            if ((ch == 0 && op == 0x20) || (ch >= 1 && ch <= 4 && op == 0x37))
                allow_exec(z, pl, plen, allowed, &na);
            if (getenv("HOSTILE_DEBUG"))
                fprintf(stderr, "  outer ch=%u off=0x%x op=0x%x len=%u task=%u (allowed %u)\n", ch,
                        off, op, plen + 12, plen >= 4 ? mem_le32(pl) : 0, na);
            break;
        }
        case TRACE_MEM_WRITE:
            (*writes)++;
            if (rec.len >= 8 && np < MAX_ALLOWED)
                pending[np++] = (struct range){ mem_le64(p), rec.len - 8 };
            break;
        case TRACE_TURN_END:
            for (uint32_t i = 0; i < np; i++) {
                if (!write_allowed(z, pending[i].gpa, pending[i].len, allowed, na)) {
                    if (bad++ < 10)
                        fprintf(stderr, "host wrote %llu bytes at gpa 0x%llx (record at %llu)\n",
                                (unsigned long long)pending[i].len,
                                (unsigned long long)pending[i].gpa, (unsigned long long)rec.offset);
                }
            }
            np = 0;
            break;
        default:
            break;
        }
    }
    CHECK_EQ_INT(st, 0);
    trace_reader_close(&r);
    return bad;
}

/* ---- setup ---- */

static void
setup(struct fuzz *z)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.label = "hostile";
    REQUIRE(guestsim_new(&cfg, &z->g) == LAGFX_OK);
    z->dev = guestsim_device(z->g);
    REQUIRE(guestsim_boot(z->g) == LAGFX_OK);
    z->shared_gpa = guestsim_shared_state_gpa(z->g, 0);
    z->devinfo_gpa = guestsim_devinfo_gpa(z->g);
    REQUIRE(guestobj_init(&z->k, z->g, guestsim_kernel_task(z->g), 0x40000000ull, 64, 2u << 20));
    REQUIRE(guestobj_standard(&z->k, 1, &z->kr));
    guestsim_task_init(z->g, &z->ft, FUZZ_TASK);
    REQUIRE(guestobj_init(&z->f, z->g, &z->ft, 0x40000000ull, 64, 2u << 20));
    REQUIRE(guestobj_standard(&z->f, 1, &z->fr));
    guestobj_define_payload(&z->k, z->kdef);
    guestobj_define_payload(&z->f, z->fdef);
    guestobj_heap_payload(&z->k, z->kheap);
    guestobj_heap_payload(&z->f, z->fheap);
    restore_tasks(z);
    /* The ExecIndirect template: task 1's exec area 0 holds a small valid stream with an
     * info query replying into entry 1. */
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 0);
    cmdenc_op(&e, 0x1A, &z->kr);
    cmdenc_op(&e, 0x74, &z->kr);
    cmdenc_op(&e, 0x07, &z->kr);
    cmdenc_segment_end(&e);
    cmdenc_segment_begin(&e, 4);
    cmdenc_op(&e, 0x1C9, &z->kr);
    cmdenc_segment_end(&e);
    struct guestobj_exec x;
    REQUIRE(guestobj_exec_submit(&z->k, 1, &e, NULL, 0, 1, &x));
    struct cmdenc_exec_res res[2] = { { x.stream_va, x.stream_len },
                                      { x.reply_va[0], GUESTOBJ_REPLY_SIZE } };
    struct cmdenc_exec_desc d[1] = { { z->kr.texture, 0 } };
    z->exec_len = (uint32_t)cmdenc_exec(z->exec_payload, sizeof(z->exec_payload), 1, d, 1, res, 2);
    REQUIRE(z->exec_len);
    cmdenc_free(&e);
    z->faults_seen = proto_dev_guest_faults(core_of(z->dev));
}

/* After the storm: the same device still serves, then a fresh one boots. */
static void
still_serves(struct fuzz *z)
{
    restore_tasks(z);
    uint32_t s = guestobj_submit(z->g, 0, 0x0E, NULL, 0);
    CHECK_EQ_U32(guestsim_stamp(z->g, 0), s);
    for (uint32_t ch = 1; ch <= 4; ch++) {
        uint32_t ev[2] = { 1, 1 };
        s = guestobj_submit(z->g, ch, 0x36, ev, 8);
        CHECK_EQ_U32(guestsim_stamp(z->g, ch), s);
    }
    struct cmdenc e;
    cmdenc_init(&e);
    cmdenc_segment_begin(&e, 4);
    cmdenc_op(&e, 0x1C9, &z->kr);
    cmdenc_segment_end(&e);
    struct guestobj_exec x;
    uint64_t faults = proto_dev_guest_faults(core_of(z->dev));
    CHECK(guestobj_exec_submit(&z->k, 1, &e, NULL, 0, 1, &x) != 0);
    static uint8_t reply[GUESTOBJ_REPLY_SIZE], zero[GUESTOBJ_REPLY_SIZE];
    CHECK(guestobj_read(&z->k, x.reply_va[0], reply, sizeof(reply)));
    CHECK(memcmp(reply, zero, sizeof(zero)) != 0); /* the info query was answered */
    CHECK_EQ_U64(proto_dev_guest_faults(core_of(z->dev)), faults);
    uint32_t pres[2] = { 0, 0 };
    s = guestobj_submit(z->g, PIPE, 0x02, pres, 8);
    CHECK_EQ_U32(guestsim_stamp(z->g, PIPE), s);
    CHECK_EQ_U32(guestsim_mmio_read(z->g, 0x102C), 0);
    CHECK_EQ_U64(guestsim_bad_vectors(z->g), 0);
    cmdenc_free(&e);
}

static void
run_chunk(uint64_t ring_batches, uint64_t cmdbufs)
{
    char path[] = "/tmp/lagfx-hostile-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    setenv("LAGFX_TRACE", path, 1);
    struct fuzz z;
    memset(&z, 0, sizeof(z));
    setup(&z);
    uint64_t total = ring_batches + cmdbufs;
    for (uint64_t i = 0; i < total; i++) {
        /* Interleave: mostly ring batches, command buffers spread among them. */
        if (z.cmdbufs < cmdbufs && (z.batches >= ring_batches || rnd(total) < cmdbufs))
            cmdbuf_round(&z);
        else
            ring_round(&z);
    }
    still_serves(&z);
    z.inner = core_of(z.dev)->inner_commands;
    /* Close the recording (device free) but keep guest RAM: the check walks the tables. */
    guestsim_display_free(z.g, 0);
    lagfx_device_free(z.dev);
    guestsim_test_forget_device(z.g);
    unsetenv("LAGFX_TRACE");
    uint64_t writes = 0;
    uint64_t bad = check_recording(&z, path, &writes);
    guestsim_free(z.g);
    CHECK_EQ_U64(bad, 0);
    CHECK(writes > 0);
    if (bad)
        fprintf(stderr, "recording kept: %s\n", path);
    fprintf(stderr,
            "hostile: %llu ring batches, %llu command buffers (%llu inner commands decoded, "
            "%llu task faults), %llu host writes checked\n",
            (unsigned long long)z.batches, (unsigned long long)z.cmdbufs,
            (unsigned long long)z.inner, (unsigned long long)z.faults_seen,
            (unsigned long long)writes);
    if (!bad)
        unlink(path);

    /* A fresh device boots after all that. */
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    CHECK_STATUS(guestsim_boot(g), LAGFX_OK);
    guestsim_free(g);
}

int
main(int argc, char **argv)
{
    static const uint32_t codes[] = {
#define OP(name, code, size, r, fn) code,
#define OP_SHARED(name, code, size, r, fn)
#include "protocol/ops_blit.def"
#include "protocol/ops_compute.def"
#include "protocol/ops_info.def"
#include "protocol/ops_render.def"
#undef OP_SHARED
#undef OP
    };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]) && inner_count < 256; i++)
        all_inner[inner_count++] = codes[i];
    uint64_t iterations = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000;
    /* Two thirds ring batches, one third command buffers, in chunks of fresh devices. */
    for (uint64_t done = 0; done < iterations;) {
        uint64_t n = iterations - done < CHUNK ? iterations - done : CHUNK;
        run_chunk(n - n / 3, n / 3);
        done += n;
    }
    return check_finish();
}
