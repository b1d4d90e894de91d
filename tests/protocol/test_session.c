/* SPDX-License-Identifier: MIT */
/*
 * A boot-like session of more than 10,000 outer commands (wire-protocol issue §5 "Tests"):
 * the §16 boot with two displays, then rounds drawn from a fixed-seed generator over the root
 * ring, channels 1-4 and pipes 5 and 6 — DefineHostTask re-definitions and a new client,
 * SetResourceHeap, declarations (0x25/0x24/0x34-0x36/0x3B on channels 1-4, 0x39/0x22/0x3C on
 * channel 2), ExecIndirects whose command buffers follow the inner-opcode mix of protocol.md
 * §11.7 over real objects (guestobj), info queries, GetDeviceInfo2, presents 0x02/0x06 after
 * renders into the scanout surfaces, cursor 0x13/0x14 and IOSurface 0x27/0x28/0x26.
 *
 * Rings run concurrently, but only one channel at a time carries commands that reach the
 * backend (ExecIndirect, DeleteResource), so the recording backend's transcript is
 * deterministic. At the end every stamp slot holds the last stamp sent on it, no guest error
 * was counted, no task faulted, and the transcript matches tests/golden/session/session.txt.
 * The full transcript is several MB, so the golden holds its line count, byte count, FNV-1a
 * 64 digest and its first GOLDEN_LINES lines (LAGFX_UPDATE_GOLDEN=1 rewrites it).
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "check.h"
#include "common.h"
#include "guestobj.h"
#include "guestsim.h"

#define MIN_COMMANDS 10000u
#define GOLDEN_LINES 400u
#define SEED         0x5E551011u

/* ---- deterministic generator (xorshift32) ---- */
static uint32_t rng = SEED;

static uint32_t
rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return n ? rng % n : 0;
}

/* ---- session state ---- */
struct session {
    struct guestsim *g;
    struct guestobj k; /* kernel task 1: standard objects + scanout textures */
    struct guestobj c; /* client task 2 */
    struct guestsim_task t2;
    struct cmdenc_refs kr, cr;
    uint32_t expect[32]; /* last stamp sent per slot */
    uint32_t commands;   /* outer commands sent after boot */
    uint32_t execs, presents, inner;
    uint64_t glyph_va;
    uint32_t next_surface;
};

#define REF_SURFACE0 40u /* TEX1 with iosurfaceId 1 (display 0) */
#define REF_SURFACE1 41u /* TEX1 with iosurfaceId 7 (display 1) */
#define SURFACE1_ID  7u

static uint32_t
put(struct session *s, uint32_t ch, uint16_t op, const void *p, uint32_t len)
{
    uint32_t stamp = guestobj_put(s->g, ch, op, p, len);
    s->expect[ch] = stamp;
    s->commands++;
    return stamp;
}

static void
wait_slot(struct session *s, uint32_t ch)
{
    if (!guestobj_wait_stamp(s->g, ch, s->expect[ch], 5000)) {
        fprintf(stderr, "slot %u: stamp %u not reached (cell %u)\n", ch, s->expect[ch],
                guestsim_stamp(s->g, ch));
        exit(1);
    }
}

/* §11.7 observed frequencies (per 10,000 render commands, 0x1A excluded: it opens passes). */
static const struct {
    uint16_t op;
    uint16_t weight;
} mix[] = {
    { 0x7E, 1395 }, { 0x74, 1354 }, { 0x7D, 1185 }, { 0x07, 1139 }, { 0x6E, 799 },
    { 0x72, 756 },  { 0x75, 653 },  { 0x82, 486 },  { 0x70, 422 },  { 0x17, 377 },
    { 0x03, 216 },  { 0x06, 16 },   { 0x6F, 15 },   { 0x01, 4 },
};

static uint32_t
mix_pick(void)
{
    uint32_t total = 0;
    for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++)
        total += mix[i].weight;
    uint32_t r = rnd(total);
    for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
        if (r < mix[i].weight)
            return mix[i].op;
        r -= mix[i].weight;
    }
    return 0x7E;
}

/* One WindowServer-like command buffer: type-0 render segments, each a pass (0x1A, about
 * one in 22 commands as in §11.7) with its pipeline first, then the mix; a 0x2C during setup;
 * and sometimes a type-4 segment of info queries 0x1C2 / 0x1C9 replying into entry 1. */
static void
encode_stream(struct session *s, struct cmdenc *e, const struct cmdenc_refs *refs, bool info)
{
    uint32_t passes = 1 + rnd(3);
    for (uint32_t p = 0; p < passes; p++) {
        cmdenc_segment_begin(e, 0);
        cmdenc_op(e, 0x1A, refs);
        cmdenc_op(e, 0x74, refs);
        cmdenc_op(e, 0x7D, refs); /* bindings before their offsets (0x7E, 0x6F) */
        cmdenc_op(e, 0x6E, refs);
        if (p == 0)
            cmdenc_op(e, 0x2C, refs);
        uint32_t n = 8 + rnd(36);
        for (uint32_t i = 0; i < n; i++)
            cmdenc_op(e, mix_pick(), refs);
        s->inner += n + 4 + (p == 0);
        cmdenc_segment_end(e);
    }
    if (info) {
        struct cmdenc_refs q = *refs;
        cmdenc_segment_begin(e, 4);
        cmdenc_op(e, 0x1C9, &q);
        q.render_pipeline = refs->compute_pipeline; /* 0x1C2 asks about a compute pipeline */
        cmdenc_op(e, 0x1C2, &q);
        cmdenc_segment_end(e);
        s->inner += 2;
    }
}

/* A pass on a scanout texture only (clear), for presents. */
static void
encode_scanout(struct cmdenc *e, uint32_t tex, uint32_t w, uint32_t h, uint32_t frame)
{
    const double clear[4] = { (frame % 7) / 7.0, (frame % 5) / 5.0, (frame % 3) / 3.0, 1.0 };
    cmdenc_segment_begin(e, 2);
    cmdenc_render_pass(e, tex, 2, clear, w, h);
    cmdenc_segment_end(e);
}

/* ---- rounds ---- */

static void
round_exec(struct session *s)
{
    /* ExecIndirects on one channel (1, 3, 4 or the root ring), announcements first. */
    static const uint32_t chans[] = { 1, 1, 1, 3, 4, 0 };
    uint32_t ch = chans[rnd(6)];
    bool client = rnd(4) == 0;
    struct guestobj *o = client ? &s->c : &s->k;
    const struct cmdenc_refs *refs = client ? &s->cr : &s->kr;
    if (ch != 0) {
        uint32_t ann = rnd(4);
        for (uint32_t i = 0; i < ann; i++) {
            uint32_t p[2] = { 1, refs->buffer + rnd(GUESTOBJ_STANDARD_REFS) };
            put(s, ch, 0x25, p, 8);
        }
        if (rnd(3) == 0) {
            uint32_t p[6] = { rnd(1000), refs->texture, 5, 6, 0x1000, 0 }; /* 0x3B, 24 bytes */
            put(s, ch, 0x3B, p, 24);
        }
        if (rnd(4) == 0)
            put(s, ch, 0x24, NULL, 0);
        if (rnd(4) == 0) {
            uint32_t p[2] = { o->task->id, rnd(100) };
            put(s, ch, 0x34 + rnd(3), p, 8);
        }
    }
    uint32_t n = 1 + rnd(3);
    for (uint32_t i = 0; i < n; i++) {
        struct cmdenc e;
        cmdenc_init(&e);
        bool info = rnd(3) == 0;
        encode_stream(s, &e, refs, info);
        struct cmdenc_exec_desc d[2] = { { refs->texture, 0 }, { refs->buffer, 0 } };
        uint32_t stamp = guestobj_exec_put(o, ch, &e, d, rnd(3), info ? 1 : 0, NULL);
        REQUIRE(stamp);
        s->expect[ch] = stamp;
        s->commands++;
        s->execs++;
        cmdenc_free(&e);
    }
    guestobj_doorbell(s->g, ch);
}

static void
round_declarations(struct session *s)
{
    /* Channel 2, the "immediate" channel: memory declarations and ReplacePhysical. */
    uint32_t n = 4 + rnd(24);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t p[64] = { 0 };
        uint32_t task = 1 + rnd(2);
        uint64_t va = 0x40000000ull + 0x1000ull * rnd(4096), len = 0x1000ull * (1 + rnd(64));
        switch (rnd(4)) {
        case 0:
        case 1: { /* 0x39 with an optional scatter prefix, trailer last */
            uint32_t pre = 4 * rnd(8);
            memcpy(p + pre, &task, 4);
            memcpy(p + pre + 4, &va, 8);
            memcpy(p + pre + 12, &len, 8);
            put(s, 2, 0x39, p, pre + 20);
            break;
        }
        case 2:
            memcpy(p, &task, 4);
            memcpy(p + 4, &va, 8);
            memcpy(p + 12, &len, 8);
            put(s, 2, 0x22, p, 20);
            break;
        default: {
            uint32_t q[2] = { task, rnd(1000) };
            put(s, 2, 0x3C, q, 8);
            break;
        }
        }
    }
    if (rnd(2) == 0) {
        uint32_t q[4] = { 1, 0, 0xC, 1 }; /* LookupIOSurface {1} also on channels */
        put(s, 2, 0x28, q, 16);
    }
    guestobj_doorbell(s->g, 2);
}

static void
round_root(struct session *s)
{
    /* Root: 0x38 re-definitions (same root: no change), 0x33 re-sends, NOP, Debug, surface
     * bookkeeping, GetDeviceInfo2; none reaches the backend. */
    uint32_t n = 3 + rnd(16);
    for (uint32_t i = 0; i < n; i++) {
        switch (rnd(9)) {
        case 0:
        case 1: {
            uint8_t p[16];
            guestobj_define_payload(rnd(2) ? &s->k : &s->c, p);
            put(s, 0, 0x38, p, 16);
            break;
        }
        case 2: {
            uint32_t p[3];
            guestobj_heap_payload(rnd(2) ? &s->k : &s->c, p);
            put(s, 0, 0x33, p, 12);
            break;
        }
        case 3:
            put(s, 0, 0x0E, NULL, 0);
            break;
        case 4: {
            uint8_t dbg[24];
            for (int j = 0; j < 24; j++)
                dbg[j] = (uint8_t)rnd(256);
            put(s, 0, 0x0D, dbg, 24);
            break;
        }
        case 5: { /* create, look up and delete a scratch surface */
            uint32_t id = s->next_surface++;
            if (s->next_surface > 2000)
                s->next_surface = 100;
            uint32_t c[7] = { id, 64, 32, 80, 256, 8192, 0 };
            put(s, 0, 0x27, c, 28);
            uint32_t l[4] = { id, 0, 0xC, 1 };
            put(s, 0, 0x28, l, 16);
            uint32_t d[2] = { id, 1 };
            put(s, 0, 0x26, d, 8);
            break;
        }
        case 6: {
            uint32_t probe = 0x1234; /* capability probe: 4 bytes, creates nothing */
            put(s, 0, 0x27, &probe, 4);
            break;
        }
        case 7: {
            uint32_t info[3] = { 0x2A, 0x200, (uint32_t)(guestsim_devinfo_gpa(s->g) >> 12) };
            put(s, 0, 0x3A, info, 12);
            break;
        }
        default: {
            uint32_t l[4] = { 1, 0, 0xC, 1 };
            put(s, 0, 0x28, l, 16);
            break;
        }
        }
    }
    /* Root commands reach the backend too (IOSurfaces): they run only after the channels'
     * work and finish before anything else, so the transcript's interleaving does not depend
     * on thread timing. */
    for (uint32_t ch = 1; ch <= 4; ch++)
        wait_slot(s, ch);
    guestobj_doorbell(s->g, 0);
    wait_slot(s, 0);
}

static void
round_cursor(struct session *s)
{
    uint32_t port = rnd(2);
    if (rnd(4) == 0) {
        uint32_t p[8] = { port, 0, 0, 32, 32, 128, 3, 5 };
        memcpy(p + 1, &s->glyph_va, 8);
        put(s, 5 + port, 0x14, p, 32);
    }
    uint32_t moves = 1 + rnd(6);
    for (uint32_t i = 0; i < moves; i++) {
        uint8_t p[16] = { 0 };
        int16_t x = (int16_t)rnd(1900), y = (int16_t)rnd(1000);
        uint32_t vis = 1;
        uint16_t hx = 3, hy = 5;
        memcpy(p, &port, 4);
        memcpy(p + 4, &x, 2);
        memcpy(p + 6, &y, 2);
        memcpy(p + 8, &vis, 4);
        memcpy(p + 12, &hx, 2);
        memcpy(p + 14, &hy, 2);
        put(s, 5 + port, 0x13, p, 16);
    }
    guestobj_doorbell(s->g, 5 + port);
}

/* Render into a scanout surface on channel 1, wait for the stamp (§13.17 steps 9-10), present. */
static void
round_present(struct session *s)
{
    uint32_t port = rnd(2);
    struct cmdenc e;
    cmdenc_init(&e);
    encode_scanout(&e, port ? REF_SURFACE1 : REF_SURFACE0, 1920, 1080, s->presents);
    s->inner++;
    uint32_t stamp = guestobj_exec_submit(&s->k, 1, &e, NULL, 0, 0, NULL);
    REQUIRE(stamp);
    s->expect[1] = stamp;
    s->commands++;
    s->execs++;
    cmdenc_free(&e);
    if (port == 0) {
        uint32_t p[2] = { 0, 0 };
        put(s, 5, 0x02, p, 8);
        if (rnd(2)) {
            uint32_t q[3] = { 0, 1, 0 };
            put(s, 5, 0x06, q, 12);
        }
    } else {
        uint32_t q[3] = { 1, SURFACE1_ID, 0 };
        put(s, 6, 0x06, q, 12);
    }
    s->presents++;
    guestobj_doorbell(s->g, 5 + port);
}

/* A new client takes task 3's id: 0x33 first (kept by id), 0x38, one render, DeleteTask. */
static void
round_client_lifecycle(struct session *s, struct guestsim_task *t3)
{
    struct guestobj o;
    guestsim_task_init(s->g, t3, 3);
    REQUIRE(guestobj_init(&o, s->g, t3, 0x60000000ull, 64, 1u << 20));
    struct cmdenc_refs refs;
    REQUIRE(guestobj_standard(&o, 1, &refs));
    uint32_t heap[3];
    guestobj_heap_payload(&o, heap);
    put(s, 0, 0x33, heap, 12);
    uint8_t def[16];
    guestobj_define_payload(&o, def);
    put(s, 0, 0x38, def, 16);
    guestobj_doorbell(s->g, 0);
    wait_slot(s, 0);
    struct cmdenc e;
    cmdenc_init(&e);
    encode_stream(s, &e, &refs, true);
    uint32_t stamp = guestobj_exec_submit(&o, 1, &e, NULL, 0, 1, NULL);
    REQUIRE(stamp);
    s->expect[1] = stamp;
    s->commands++;
    s->execs++;
    cmdenc_free(&e);
    uint32_t del = 3;
    put(s, 0, 0x01, &del, 4);
    guestobj_doorbell(s->g, 0);
    wait_slot(s, 0);
}

/* ---- golden ---- */

static uint64_t
fnv1a64(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The golden's directory, from this file's path (relative paths are relative to the build
 * root, three levels above the test binary). */
static void
golden_path(char *out, size_t cap)
{
    const char *src = __FILE__;
    char tmp[PATH_MAX];
    if (src[0] == '/') {
        snprintf(tmp, sizeof(tmp), "%s", src);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        REQUIRE(n > 0);
        exe[n] = 0;
        char *root = dirname(dirname(dirname(exe))); /* build/tests/protocol/test_x */
        snprintf(tmp, sizeof(tmp), "%s/%s", root, src);
    }
    char *dir = dirname(dirname(tmp)); /* .../tests/protocol/x.c -> .../tests */
    snprintf(out, cap, "%s/golden/session/session.txt", dir);
}

static char *
summarise(const char *text)
{
    size_t len = strlen(text), lines = 0, head = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n' && ++lines == GOLDEN_LINES)
            head = i + 1;
    }
    if (lines < GOLDEN_LINES)
        head = len;
    size_t cap = head + 256;
    char *out = malloc(cap);
    REQUIRE(out);
    int n = snprintf(out, cap,
                     "# transcript summary: lines, bytes, FNV-1a 64 of the whole text, then its "
                     "first %u lines\nlines %zu\nbytes %zu\nfnv1a64 %016llx\n",
                     GOLDEN_LINES, lines, len, (unsigned long long)fnv1a64(text, len));
    memcpy(out + n, text, head);
    out[n + head] = 0;
    return out;
}

static bool
golden_compare(const char *text)
{
    char path[PATH_MAX];
    golden_path(path, sizeof(path));
    const char *upd = getenv("LAGFX_UPDATE_GOLDEN");
    if (upd && strcmp(upd, "1") == 0) {
        FILE *f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "cannot write %s\n", path);
            return false;
        }
        fputs(text, f);
        fclose(f);
        fprintf(stderr, "golden %s rewritten\n", path);
        return true;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "golden %s missing (run with LAGFX_UPDATE_GOLDEN=1)\n", path);
        return false;
    }
    static char want[1 << 20];
    size_t got = fread(want, 1, sizeof(want) - 1, f);
    fclose(f);
    want[got] = 0;
    if (strcmp(want, text) == 0)
        return true;
    const char *a = want, *b = text;
    int line = 1;
    while (*a && *a == *b) {
        if (*a == '\n')
            line++;
        a++, b++;
    }
    const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
    fprintf(stderr, "golden %s differs at line %d:\n  expected: %.*s\n  actual:   %.*s\n", path,
            line, ea ? (int)(ea - a) : (int)strlen(a), a, eb ? (int)(eb - b) : (int)strlen(b), b);
    return false;
}

static lagfx_status_t
recording_backend(struct be **out)
{
    return be_recording_new(NULL, out);
}

int
main(void)
{
    api_test_backend_new = recording_backend;
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.displays = 2;
    cfg.label = "session";
    struct session s = { .next_surface = 100 };
    REQUIRE(guestsim_new(&cfg, &s.g) == LAGFX_OK);
    lagfx_device_t *dev = guestsim_device(s.g);
    REQUIRE(guestsim_boot(s.g) == LAGFX_OK);
    for (uint32_t slot = 0; slot < 32; slot++)
        s.expect[slot] = guestsim_stamp(s.g, slot);
    CHECK_EQ_U32(s.expect[0], 7);

    /* Kernel task: a 64-slot table replaces the boot's (0x33 again), standard objects, the
     * scanout textures and a cursor glyph. */
    struct guestsim_task *kt = guestsim_kernel_task(s.g);
    REQUIRE(guestobj_init(&s.k, s.g, kt, 0x40000000ull, 64, 4u << 20));
    REQUIRE(guestobj_standard(&s.k, 1, &s.kr));
    REQUIRE(guestobj_surface_texture(&s.k, REF_SURFACE0, 1, 1920, 1080));
    REQUIRE(guestobj_surface_texture(&s.k, REF_SURFACE1, SURFACE1_ID, 1920, 1080));
    s.glyph_va = guestobj_alloc(&s.k, 32 * 128);
    REQUIRE(s.glyph_va);
    uint8_t glyph[32 * 128];
    for (size_t i = 0; i < sizeof(glyph); i++)
        glyph[i] = (uint8_t)(i * 7);
    guestobj_write(&s.k, s.glyph_va, glyph, sizeof(glyph));
    s.expect[0] = guestobj_set_heap(&s.k);
    REQUIRE(s.expect[0]);
    s.commands++;

    /* Client task 2: SetResourceHeap before its DefineHostTask (§19 item 38). */
    guestsim_task_init(s.g, &s.t2, 2);
    REQUIRE(guestobj_init(&s.c, s.g, &s.t2, 0x20000000ull, 64, 4u << 20));
    REQUIRE(guestobj_standard(&s.c, 1, &s.cr));
    uint32_t heap[3];
    guestobj_heap_payload(&s.c, heap);
    put(&s, 0, 0x33, heap, 12);
    uint8_t def[16];
    guestobj_define_payload(&s.c, def);
    put(&s, 0, 0x38, def, 16);
    /* Display 1's scanout surface (§13.17 step 10): 0x27 at its mode size, BGRA8Unorm. */
    uint32_t surf[7] = { SURFACE1_ID, 1920, 1080, 80, 1920 * 4, 1920 * 4 * 1080, 0 };
    put(&s, 0, 0x27, surf, 28);
    /* Sub-rings on both pipes (0x04, 44 bytes). */
    for (uint32_t port = 0; port < 2; port++) {
        uint32_t sub[11] = { port, 1, 0x1000, 0, 0, 0, 0, 0, 0, 0, 0 };
        put(&s, 5 + port, 0x04, sub, 44);
        guestobj_doorbell(s.g, 5 + port);
    }
    guestobj_doorbell(s.g, 0);
    wait_slot(&s, 0);

    struct guestsim_task t3;
    uint32_t rounds = 0;
    while (s.commands < MIN_COMMANDS) {
        rounds++;
        /* Concurrent rounds on disjoint rings; those that reach the backend (ExecIndirects,
         * root IOSurface commands) are serialised by round_root. */
        uint32_t kind = rnd(10);
        if (kind < 5)
            round_exec(&s);
        if (rnd(2))
            round_declarations(&s);
        if (rnd(2))
            round_root(&s);
        if (rnd(3) == 0)
            round_cursor(&s);
        for (uint32_t ch = 0; ch <= 6; ch++)
            wait_slot(&s, ch);
        if (kind >= 5 && kind < 8)
            round_present(&s);
        if (kind == 9 && rnd(8) == 0)
            round_client_lifecycle(&s, &t3);
        for (uint32_t ch = 0; ch <= 6; ch++)
            wait_slot(&s, ch);
    }

    /* Every slot holds the last stamp sent on it; slots of absent pipes and 13-31 were never
     * written. */
    for (uint32_t slot = 0; slot < 32; slot++)
        CHECK_EQ_U32(guestsim_stamp(s.g, slot), s.expect[slot]);
    for (uint32_t slot = 7; slot < 32; slot++)
        CHECK_EQ_U32(guestsim_stamp(s.g, slot), 0);
    uint64_t gerrs = 0;
    for (int k = 0; k < UT_GERR_COUNT; k++) {
        uint64_t n = gerr_count(dev, (enum ut_gerr)k);
        if (n)
            fprintf(stderr, "guest error %s: %llu\n", ut_gerr_name((enum ut_gerr)k),
                    (unsigned long long)n);
        gerrs += n;
    }
    CHECK_EQ_U64(gerrs, 0);
    CHECK_EQ_U64(proto_dev_guest_faults(core_of(dev)), 0);
    CHECK_EQ_U64(guestsim_bad_vectors(s.g), 0);
    CHECK_EQ_U32(guestsim_mmio_read(s.g, 0x102C), 0);
    CHECK(s.commands >= MIN_COMMANDS);
    fprintf(stderr,
            "session: %u rounds, %u outer commands, %u ExecIndirects (%u inner), %u presents\n",
            rounds, s.commands, s.execs, s.inner, s.presents);

    char *sum = summarise(be_recording_text(dev->be));
    CHECK(golden_compare(sum));
    free(sum);
    guestsim_free(s.g);
    return check_finish();
}
