/* SPDX-License-Identifier: MIT */
/*
 * Outer opcodes with little or no host effect, and their neighbours (protocol.md §8.2-§8.3,
 * §19 items 42-47, 52, 53, 100), over the real wire with guestobj objects and the recording
 * backend, while LAGFX_TRACE records the session: SynchronizeResources {task, 0} as 0x22/0x42
 * on the root ring and 0x42 on channel 1; channel-2 trailers read from the end (0x22, 0x39
 * with a 100-byte prefix, seen in the TRACE log); 0x25; GetDeviceInfo 0x0A writing nothing;
 * DeleteTask making a later ExecIndirect complete undecoded (its info reply written before,
 * not after); every log/nothing opcode completing its stamp with no guest write but stamp
 * cells and read pointers (MEM_WRITE records of their turns); DeleteResource on a texture
 * making its next use recreate it (transcript); a task fault on channel 1 not holding up
 * channel 2 or pipe 5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "check.h"
#include "common.h"
#include "guestobj.h"
#include "guestsim.h"
#include "memory/reader.h"
#include "protocol/trace_reader.h"

static lagfx_status_t
recording_backend(struct be **out)
{
    return be_recording_new(NULL, out);
}

static uint64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t
count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The recording transcript once the worker has gone idle: a stamp completes before the worker
 * has finished the segment (its reset is recorded after), so reading it earlier races. */
static const char *
rec_text(lagfx_device_t *dev, struct be *be)
{
    proto_dev_wait_idle(core_of(dev));
    return be_recording_text(be);
}

/* TRACE lines of the "task" domain that mention MapMemoryImmediate (item 44). */
static char trace_line[512];
static _Atomic int trace_hits;

static void
catch_trace(void *user,
            lagfx_log_level_t level,
            lagfx_device_t *dev,
            const char *domain,
            const char *message)
{
    (void)user, (void)dev, (void)domain;
    if (level == LAGFX_LOG_TRACE && strstr(message, "MapMemoryImmediate")) {
        snprintf(trace_line, sizeof(trace_line), "%s", message);
        atomic_fetch_add(&trace_hits, 1);
    }
}

/* Item 52's commands: (channel, stamp) pairs whose turns are checked in the recording. */
#define MAX_QUIET 64
static struct {
    uint32_t ch, stamp;
} quiet[MAX_QUIET];
static uint32_t quiet_count;

static uint32_t
put_quiet(struct guestsim *g, uint32_t ch, uint16_t op, const void *p, uint32_t len)
{
    uint32_t stamp = guestobj_put(g, ch, op, p, len);
    REQUIRE(quiet_count < MAX_QUIET);
    quiet[quiet_count].ch = ch;
    quiet[quiet_count].stamp = stamp;
    quiet_count++;
    return stamp;
}

static bool
is_quiet(uint32_t ch, uint32_t stamp)
{
    for (uint32_t i = 0; i < quiet_count; i++) {
        if (quiet[i].ch == ch && quiet[i].stamp == stamp)
            return true;
    }
    return false;
}

/* A write the log/nothing opcodes may cause: a stamp cell or a descriptor's read pointer. */
static bool
allowed_write(uint64_t gpa, uint32_t len)
{
    uint64_t stamps = (uint64_t)GUESTSIM_ROOT_BASE_PFN << 12;
    if (len == 4 && gpa >= stamps && gpa < stamps + 32 * 4 && (gpa - stamps) % 4 == 0)
        return true;
    for (uint32_t ch = 1; ch <= 12; ch++) {
        if (len == 4 && gpa == guestsim_descriptor_gpa(ch) + 4)
            return true;
    }
    return false;
}

/* Walks the recording: in every turn that consumed one of item 52's commands, each MEM_WRITE
 * must be allowed; returns the number of such commands seen. */
static uint32_t
check_quiet_turns(const char *path, uint32_t *bad_writes)
{
    struct trace_reader r;
    REQUIRE(trace_reader_open(&r, path) == LAGFX_OK);
    struct trace_record rec;
    bool in_quiet = false;
    uint32_t seen = 0;
    /* Writes of the current turn, judged at TURN_END once we know whether it was quiet. */
    uint32_t pending_bad = 0;
    int st;
    while ((st = trace_reader_next(&r, &rec)) > 0) {
        const uint8_t *p = rec.payload;
        switch (rec.type) {
        case TRACE_TURN_BEGIN:
            in_quiet = false;
            pending_bad = 0;
            break;
        case TRACE_OUTER:
            if (rec.len >= 20 && is_quiet(mem_le32(p), mem_le32(p + 16))) {
                in_quiet = true;
                seen++;
            }
            break;
        case TRACE_MEM_WRITE:
            if (rec.len >= 8 && !allowed_write(mem_le64(p), rec.len - 8)) {
                pending_bad++;
                if (in_quiet)
                    fprintf(stderr, "write at gpa 0x%llx len %u in a quiet turn\n",
                            (unsigned long long)mem_le64(p), rec.len - 8);
            }
            break;
        case TRACE_TURN_END:
            if (in_quiet)
                *bad_writes += pending_bad;
            break;
        default:
            break;
        }
    }
    CHECK_EQ_INT(st, 0);
    trace_reader_close(&r);
    return seen;
}

/* A render stream: a pass on `texture` (Clear), nothing else. */
static void
pass_stream(struct cmdenc *e, uint32_t texture, uint32_t w, uint32_t h)
{
    static const double clear[4] = { 0, 1, 0, 1 };
    cmdenc_segment_begin(e, 2);
    cmdenc_render_pass(e, texture, 2, clear, w, h);
    cmdenc_segment_end(e);
}

/* An info stream: 0x1C9 on the render pipeline, reply into entry 1 at offset 0. */
static void
info_stream(struct cmdenc *e, const struct cmdenc_refs *refs)
{
    cmdenc_segment_begin(e, 4);
    cmdenc_op(e, 0x1C9, refs);
    cmdenc_segment_end(e);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i])
            return false;
    }
    return true;
}

int
main(void)
{
    char path[] = "/tmp/lagfx-outer-ops-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    setenv("LAGFX_TRACE", path, 1);
    api_test_backend_new = recording_backend;

    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.label = "outerops";
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    lagfx_device_t *dev = guestsim_device(g);
    REQUIRE(guestsim_boot(g) == LAGFX_OK);
    struct be *be = dev->be;

    struct guestobj k;
    struct cmdenc_refs kr;
    REQUIRE(guestobj_init(&k, g, guestsim_kernel_task(g), 0x40000000ull, 64, 2u << 20));
    REQUIRE(guestobj_standard(&k, 1, &kr));
    REQUIRE(guestobj_set_heap(&k));

    /* Item 42: SynchronizeResources {task, 0} as 0x22 and 0x42 on root, 0x42 on channel 1. */
    {
        uint32_t p[2] = { 1, 0 };
        uint32_t s0 = guestobj_submit(g, 0, 0x22, p, 8);
        CHECK_EQ_U32(guestsim_stamp(g, 0), s0);
        uint32_t s1 = guestobj_submit(g, 0, 0x42, p, 8);
        CHECK_EQ_U32(guestsim_stamp(g, 0), s1);
        uint32_t s2 = guestobj_submit(g, 1, 0x42, p, 8);
        CHECK_EQ_U32(guestsim_stamp(g, 1), s2);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_OUTER_VALUE), 0);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_UNKNOWN_OUTER), 0);
    }

    /* Items 43, 44: channel-2 trailers are read from the end of the payload. */
    {
        uint8_t before[4096];
        memcpy(before, guestsim_ram(g) + guestsim_devinfo_gpa(g), sizeof(before));
        uint8_t p[120];
        memset(p, 0xEE, sizeof(p)); /* the prefix: garbage if read as the trailer */
        uint32_t task = 5;
        uint64_t va = 0x123456789000ull, len = 0x4000;
        memcpy(p + 12, &task, 4);
        memcpy(p + 16, &va, 8);
        memcpy(p + 24, &len, 8);
        uint32_t s = guestobj_submit(g, 2, 0x22, p, 32);
        CHECK_EQ_U32(guestsim_stamp(g, 2), s);
        CHECK_MEM(guestsim_ram(g) + guestsim_devinfo_gpa(g), before, sizeof(before));

        lagfx_set_log_handler(catch_trace, NULL);
        lagfx_set_log_level(LAGFX_LOG_TRACE);
        memset(p, 0xEE, sizeof(p));
        uint32_t task2 = 6;
        uint64_t va2 = 0xABCDE000ull;
        memcpy(p + 100, &task2, 4);
        memcpy(p + 104, &va2, 8);
        memcpy(p + 112, &len, 8);
        s = guestobj_submit(g, 2, 0x39, p, 120);
        lagfx_set_log_level(LAGFX_LOG_WARN);
        lagfx_set_log_handler(NULL, NULL);
        CHECK_EQ_U32(guestsim_stamp(g, 2), s);
        CHECK(atomic_load(&trace_hits) >= 1);
        CHECK(strstr(trace_line, "task=6 va=0xabcde000 len=0x4000") != NULL);
        if (!strstr(trace_line, "task=6 va=0xabcde000"))
            fprintf(stderr, "TRACE line: %s\n", trace_line);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_OUTER_PAYLOAD), 0);
    }

    /* Item 45: 0x25 {1, 0x13} completes, nothing else happens. */
    {
        be_recording_clear(be);
        uint32_t p[2] = { 1, 0x13 };
        uint32_t s = guestobj_submit(g, 1, 0x25, p, 8);
        CHECK_EQ_U32(guestsim_stamp(g, 1), s);
        CHECK_STR(rec_text(dev, be), "");
    }

    /* Item 46: GetDeviceInfo (library form) 0x0A {0, G, 0} writes nothing at G. */
    {
        uint64_t gpa = guestsim_alloc_pages(g, 1);
        memset(guestsim_ram(g) + gpa, 0x5A, 4096);
        uint32_t p[3] = { 0, (uint32_t)gpa, 0 };
        uint32_t s = guestobj_submit(g, 0, 0x0A, p, 12);
        CHECK_EQ_U32(guestsim_stamp(g, 0), s);
        uint8_t want[4096];
        memset(want, 0x5A, sizeof(want));
        CHECK_MEM(guestsim_ram(g) + gpa, want, sizeof(want));
    }

    /* Item 47: task 3 answers an info query; after DeleteTask {3} the same ExecIndirect
     * completes without decoding: its reply buffer stays zero. */
    {
        struct guestsim_task t3;
        guestsim_task_init(g, &t3, 3);
        struct guestobj o;
        struct cmdenc_refs r3;
        REQUIRE(guestobj_init(&o, g, &t3, 0x40000000ull, 64, 2u << 20));
        REQUIRE(guestobj_standard(&o, 1, &r3));
        uint8_t def[16];
        guestobj_define_payload(&o, def);
        guestobj_submit(g, 0, 0x38, def, 16);
        REQUIRE(guestobj_set_heap(&o));
        struct cmdenc e;
        cmdenc_init(&e);
        info_stream(&e, &r3);
        struct guestobj_exec x;
        uint8_t reply[GUESTOBJ_REPLY_SIZE];
        REQUIRE(guestobj_exec_submit(&o, 1, &e, NULL, 0, 1, &x));
        REQUIRE(guestobj_read(&o, x.reply_va[0], reply, sizeof(reply)));
        CHECK(!all_zero(reply, sizeof(reply)));
        uint32_t del = 3;
        guestobj_submit(g, 0, 0x01, &del, 4);
        uint64_t inner = core_of(dev)->inner_commands;
        uint32_t s = guestobj_exec_submit(&o, 1, &e, NULL, 0, 1, &x);
        CHECK(s != 0);
        CHECK_EQ_U32(guestsim_stamp(g, 1), s);
        REQUIRE(guestobj_read(&o, x.reply_va[0], reply, sizeof(reply)));
        CHECK(all_zero(reply, sizeof(reply)));
        CHECK_EQ_U64(core_of(dev)->inner_commands, inner);
        cmdenc_free(&e);
    }

    /* Item 52: every log/nothing opcode completes its stamp, writes nothing but stamp cells
     * and read pointers (checked in the recording below), and the next command runs. */
    {
        uint8_t p[64];
        memset(p, 0, sizeof(p));
        static const struct {
            uint16_t op;
            uint32_t len;
        } root_ops[] = {
            { 0x04, 4 }, { 0x05, 4 },  { 0x07, 0 }, { 0x0B, 0 }, { 0x0C, 0 }, { 0x0D, 16 },
            { 0x0E, 0 }, { 0x10, 8 },  { 0x11, 0 }, { 0x15, 0 }, { 0x17, 8 }, { 0x18, 0 },
            { 0x19, 4 }, { 0x1A, 16 }, { 0x1E, 0 }, { 0x21, 0 }, { 0x24, 0 }, { 0x31, 4 },
            { 0x3B, 0 }, { 0x41, 0 },  { 0x80, 0 }, { 0x81, 0 }, { 0x82, 0 },
        };
        uint32_t last = 0;
        for (size_t i = 0; i < sizeof(root_ops) / sizeof(root_ops[0]); i++)
            last = put_quiet(g, 0, root_ops[i].op, p, root_ops[i].len);
        uint32_t next = put_quiet(g, 0, 0x0E, NULL, 0); /* the next command runs */
        guestsim_root_doorbell(g);
        CHECK(guestobj_wait_stamp(g, 0, next, 2000));
        CHECK_EQ_U32(guestsim_stamp(g, 0), next);
        CHECK(next == last + 1);

        static const struct {
            uint16_t op;
            uint32_t len;
        } ch_ops[] = {
            { 0x24, 0 }, { 0x34, 0 }, { 0x35, 0 },  { 0x36, 8 },
            { 0x3C, 8 }, { 0x41, 0 }, { 0x3B, 24 },
        };
        for (size_t i = 0; i < sizeof(ch_ops) / sizeof(ch_ops[0]); i++)
            put_quiet(g, 1, ch_ops[i].op, p, ch_ops[i].len);
        next = put_quiet(g, 1, 0x36, p, 8);
        guestsim_channel_doorbell(g, 1);
        CHECK(guestobj_wait_stamp(g, 1, next, 2000));
        CHECK_EQ_U32(guestsim_stamp(g, 1), next);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_UNKNOWN_OUTER), 0);
        CHECK_EQ_U64(gerr_count(dev, UT_GERR_OUTER_PAYLOAD), 0);
    }

    /* Item 53: DeleteResource on a texture rendered without write-back: the next use creates
     * the host image again from the guest image. */
    {
        struct cmdenc e;
        cmdenc_init(&e);
        pass_stream(&e, kr.texture2, 64, 32);
        be_recording_clear(be);
        REQUIRE(guestobj_exec_submit(&k, 1, &e, NULL, 0, 0, NULL));
        REQUIRE(guestobj_exec_submit(&k, 1, &e, NULL, 0, 0, NULL));
        const char *t = rec_text(dev, be);
        CHECK_EQ_U64(count_of(t, "texture_create"), 1); /* created once, then reused */
        CHECK_EQ_U64(count_of(t, "object_destroy"), 0);
        CHECK_EQ_U64(count_of(t, "write_back"), 0);
        const char *c = strstr(t, "texture_create h");
        REQUIRE(c);
        unsigned long long h = strtoull(c + strlen("texture_create h"), NULL, 10);
        be_recording_clear(be);
        uint32_t p[2] = { 1, kr.texture2 };
        guestobj_submit(g, 0, 0x08, p, 8);
        char want[64];
        snprintf(want, sizeof(want), "object_destroy h%llu\n", h);
        CHECK_STR(rec_text(dev, be), want);
        REQUIRE(guestobj_exec_submit(&k, 1, &e, NULL, 0, 0, NULL));
        t = rec_text(dev, be);
        CHECK_EQ_U64(count_of(t, "texture_create"), 1);
        c = strstr(t, "texture_create h");
        REQUIRE(c);
        CHECK(strtoull(c + strlen("texture_create h"), NULL, 10) != h);
        CHECK(strstr(c, "guest_image=1") != NULL);
        cmdenc_free(&e);
    }

    /* Item 100: a task fault on channel 1 does not delay channel 2 or pipe 5. Channel 1 gets
     * task 2's faulting ExecIndirect (inner length 4), 100 more of task 2 (completed
     * undecoded), then one of task 1; channel 2 and the pipe are rung in the same instant. */
    {
        struct guestsim_task t2;
        guestsim_task_init(g, &t2, 2);
        struct guestobj o;
        struct cmdenc_refs r2;
        REQUIRE(guestobj_init(&o, g, &t2, 0x40000000ull, 64, 2u << 20));
        REQUIRE(guestobj_standard(&o, 1, &r2));
        uint8_t def[16];
        guestobj_define_payload(&o, def);
        guestobj_submit(g, 0, 0x38, def, 16);
        REQUIRE(guestobj_set_heap(&o));
        uint64_t faults = proto_dev_guest_faults(core_of(dev));

        struct cmdenc bad, good;
        cmdenc_init(&bad);
        cmdenc_init(&good);
        cmdenc_segment_begin(&bad, 2);
        cmdenc_op(&bad, 0x74, &r2);    /* a valid first command: the entry is a stream */
        uint32_t hdr[2] = { 0x74, 4 }; /* then inner length 4 < 8: task fault (§10.6) */
        cmdenc_raw(&bad, hdr, 8);
        cmdenc_segment_end(&bad);
        pass_stream(&good, kr.texture, 64, 32);
        be_recording_clear(be);
        REQUIRE(guestobj_exec_put(&o, 1, &bad, NULL, 0, 0, NULL));
        for (int i = 0; i < 6; i++) /* exec areas are reused only after completion */
            REQUIRE(guestobj_exec_put(&o, 1, &bad, NULL, 0, 0, NULL));
        uint32_t s1 = guestobj_exec_put(&k, 1, &good, NULL, 0, 0, NULL);
        uint32_t ev[2] = { 2, 1 };
        uint32_t s2 = guestsim_channel_put(g, 2, 0x3C, ev, 8);
        uint32_t pres[2] = { 0, 0 };
        uint32_t s5 = guestsim_channel_put(g, 5, 0x02, pres, 8);
        uint64_t t0 = now_ms();
        guestsim_channel_doorbell(g, 1);
        guestsim_channel_doorbell(g, 2);
        guestsim_channel_doorbell(g, 5);
        CHECK(guestobj_wait_stamp(g, 2, s2, 1000));
        CHECK(guestobj_wait_stamp(g, 5, s5, 1000));
        uint64_t t_other = now_ms() - t0;
        CHECK(guestobj_wait_stamp(g, 1, s1, 2000));
        CHECK(t_other < 500);
        CHECK_EQ_U64(proto_dev_guest_faults(core_of(dev)), faults + 1);
        CHECK(strstr(rec_text(dev, be), "begin_render_pass area=64x32") != NULL);
        CHECK_EQ_U32(guestsim_mmio_read(g, 0x102C), 0);
        cmdenc_free(&bad);
        cmdenc_free(&good);
    }

    guestsim_free(g);
    unsetenv("LAGFX_TRACE");

    /* Item 52, continued: the turns of the quiet commands wrote only stamps and pointers. */
    uint32_t bad_writes = 0;
    uint32_t seen = check_quiet_turns(path, &bad_writes);
    CHECK_EQ_U32(seen, quiet_count);
    CHECK_EQ_U32(bad_writes, 0);
    unlink(path);
    return check_finish();
}
