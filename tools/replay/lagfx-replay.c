/* SPDX-License-Identifier: MIT */
/*
 * lagfx-replay: re-runs a wire recording (LAGFX_TRACE, docs/trace-format.md) without a guest.
 * A fresh device over an empty guest RAM gets the recorded MMIO accesses and API display calls
 * in order; every worker turn is re-run on this thread, after the guest memory that turn read
 * was put back into RAM. With --verify the replay checks that it reproduces the recorded MMIO
 * reads and the library's final writes of every turn; with --png it writes each new frame.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libapplegfx-vulkan.h>

#include "api/api.h"
#include "memory/reader.h"
#include "png_write.h"
#include "protocol/dev.h"
#include "protocol/trace_reader.h"
#include "vnc.h"

struct mem_write {
    uint64_t gpa;
    uint32_t len;
    uint8_t *bytes;
};

struct mmio_access {
    bool write;
    uint64_t off, value;
    uint32_t size;
};

struct replay {
    const char *path;
    const char *png_dir;
    int vnc_port; /* 0: none; display i is served on vnc_port + i */
    int hold_s;   /* with --vnc: seconds to keep serving after the end; < 0 until a signal */
    struct vnc_server *vnc[LAGFX_MAX_DISPLAY_PORTS];
    uint32_t every;
    bool stats, verify, headless;
    int memfd;
    uint8_t *ram;
    uint64_t ram_size;
    lagfx_device_t *dev;
    lagfx_display_t *displays[LAGFX_MAX_DISPLAY_PORTS];
    uint64_t records, turns, outer, mmio, frames, png_written;
    uint64_t read_mismatches, write_mismatches;
    struct mem_write *writes; /* the current turn's MEM_WRITE records (verify) */
    size_t nwrites, capwrites;
    uint32_t *frame_buf;
    size_t frame_cap;
    /* MMIO accesses recorded while a turn ran: the turn started before them, so the replay
     * applies them after re-running it (a doorbell rung mid-turn must not widen that turn). */
    struct mmio_access *deferred;
    size_t ndeferred, capdeferred;
};

static void
mmio_apply(struct replay *r, const struct mmio_access *a)
{
    r->mmio++;
    if (a->write) {
        lagfx_mmio_write(r->dev, a->off, a->size, a->value);
        return;
    }
    uint64_t v = 0;
    lagfx_mmio_read(r->dev, a->off, a->size, &v);
    /* Reads race with the recorded worker (a read-to-clear mask, the live read pointer):
     * differences are counted for --stats, not failures. */
    if (v != a->value)
        r->read_mismatches++;
}

static void
on_irq(void *user, uint32_t vector)
{
    (void)user, (void)vector;
}

static int
usage(FILE *f, int rc)
{
    fprintf(f, "usage: lagfx-replay FILE [--png DIR] [--every N] [--vnc PORT [--hold S]] "
               "[--verify] [--stats] [--headless]\n"
               "Re-runs a libapplegfx-vulkan wire recording (LAGFX_TRACE=path) without a guest.\n"
               "  --png DIR   write every new frame of every display as DIR/d<port>-<seq>.png\n"
               "  --every N   with --png, only every Nth frame (default 1)\n"
               "  --vnc PORT  serve display i on PORT+i (VNC and websockets, for noVNC) as\n"
               "              it replays; then keep the last frames up until interrupted\n"
               "  --hold S    with --vnc, serve S seconds after the end instead\n"
               "  --verify    check that every turn's final writes to guest memory are\n"
               "              reproduced; exit 3 when they are not\n"
               "  --stats     print what was replayed\n"
               "  --headless  decode and complete only, render nothing\n"
               "Exit: 0 done, 1 unreadable or corrupt recording, 2 usage, 3 verify mismatch.\n");
    return rc;
}

/* Guest RAM large enough for every GPA the recording names. */
static bool
size_ram(struct replay *r)
{
    struct trace_reader tr;
    if (trace_reader_open(&tr, r->path) != LAGFX_OK) {
        fprintf(stderr, "lagfx-replay: %s: %s\n", r->path, tr.error);
        return false;
    }
    uint64_t end = 1ull << 20;
    struct trace_record rec;
    int st;
    while ((st = trace_reader_next(&tr, &rec)) > 0) {
        const uint8_t *p = rec.payload;
        if ((rec.type == TRACE_MEM_READ || rec.type == TRACE_MEM_WRITE) && rec.len >= 8) {
            uint64_t e = mem_le64(p) + (rec.len - 8);
            if (e > end)
                end = e;
        } else if (rec.type == TRACE_API && rec.len >= 12 && mem_le32(p) == TRACE_API_RAM_REGIONS) {
            uint32_t n = mem_le32(p + 8);
            for (uint32_t i = 0; i < n && 12 + 20ull * (i + 1) <= rec.len; i++) {
                uint64_t e = mem_le64(p + 12 + 20 * i) + mem_le64(p + 20 + 20 * i);
                if (e > end)
                    end = e;
            }
        }
    }
    if (st < 0)
        fprintf(stderr, "lagfx-replay: %s: %s\n", r->path, tr.error);
    trace_reader_close(&tr);
    if (st < 0)
        return false;
    if (end > (64ull << 30)) {
        fprintf(stderr,
                "lagfx-replay: the recording names guest memory up to 0x%" PRIx64
                ", more than 64 GiB\n",
                end);
        return false;
    }
    r->ram_size = (end + (2u << 20) - 1) & ~((2ull << 20) - 1);
    return true;
}

static bool
setup(struct replay *r, const struct trace_reader *tr)
{
    r->memfd = memfd_create("lagfx-replay-ram", MFD_CLOEXEC);
    if (r->memfd < 0 || ftruncate(r->memfd, (off_t)r->ram_size) != 0) {
        fprintf(stderr, "lagfx-replay: guest RAM: %s\n", strerror(errno));
        return false;
    }
    r->ram = mmap(NULL, r->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
    if (r->ram == MAP_FAILED) {
        r->ram = NULL;
        fprintf(stderr, "lagfx-replay: guest RAM: %s\n", strerror(errno));
        return false;
    }
    lagfx_shell_callbacks_t cb;
    lagfx_shell_callbacks_init(&cb);
    cb.raise_interrupt = on_irq;
    lagfx_ram_region_t region = { .gpa = 0,
                                  .length = r->ram_size,
                                  .host_ptr = r->ram,
                                  .fd = r->memfd,
                                  .flags = LAGFX_RAM_HAS_FD };
    lagfx_device_descriptor_t dd;
    lagfx_device_descriptor_init(&dd);
    dd.callbacks = &cb;
    dd.ram_regions = &region;
    dd.ram_region_count = 1;
    dd.mmio_length = tr->mmio_length;
    dd.display_port_count = tr->port_count ? tr->port_count : 1;
    dd.flags = (r->headless || (tr->flags & TRACE_F_HEADLESS)) ? LAGFX_DEVICE_HEADLESS : 0;
    dd.label = tr->label[0] ? tr->label : "replay";
    dd.wire_record_path = ""; /* never record the replay itself */
    api_replay_manual_turns = true;
    lagfx_status_t st = lagfx_device_new(&dd, &r->dev);
    api_replay_manual_turns = false;
    if (st != LAGFX_OK) {
        fprintf(stderr, "lagfx-replay: device: %s\n", lagfx_status_string(st));
        return false;
    }
    return true;
}

static void
api_call(struct replay *r, const struct trace_record *rec)
{
    const uint8_t *p = rec->payload;
    if (rec->len < 8)
        return;
    uint32_t call = mem_le32(p), port = mem_le32(p + 4);
    switch (call) {
    case TRACE_API_RESET:
        lagfx_device_reset(r->dev);
        break;
    case TRACE_API_PAUSE:
        lagfx_device_pause(r->dev);
        break;
    case TRACE_API_UNPAUSE:
        lagfx_device_unpause(r->dev);
        break;
    case TRACE_API_STOP:
        lagfx_device_stop(r->dev);
        break;
    case TRACE_API_DISPLAY_PLUG: {
        if (port >= LAGFX_MAX_DISPLAY_PORTS || rec->len < 12)
            return;
        uint32_t n = mem_le32(p + 8);
        if (n == 0 || n > LAGFX_MAX_DISPLAY_MODES || rec->len < 12 + 8ull * n)
            return;
        lagfx_display_mode_t modes[LAGFX_MAX_DISPLAY_MODES];
        for (uint32_t i = 0; i < n; i++) {
            modes[i].width = mem_le16(p + 12 + 8 * i);
            modes[i].height = mem_le16(p + 14 + 8 * i);
            modes[i].refresh_millihz = mem_le32(p + 16 + 8 * i);
        }
        if (r->displays[port]) {
            lagfx_display_set_mode_list(r->displays[port], modes, n);
        } else {
            lagfx_display_descriptor_t pd;
            lagfx_display_descriptor_init(&pd);
            pd.modes = modes;
            pd.mode_count = n;
            lagfx_display_new(r->dev, &pd, port, 0x1000 + port, &r->displays[port]);
        }
        break;
    }
    case TRACE_API_DISPLAY_UNPLUG:
        if (port < LAGFX_MAX_DISPLAY_PORTS) {
            lagfx_display_free(r->displays[port]);
            r->displays[port] = NULL;
        }
        break;
    default:
        break; /* RAM_REGIONS: the replay's RAM covers them */
    }
}

static void
capture_frames(struct replay *r)
{
    for (uint32_t port = 0; port < LAGFX_MAX_DISPLAY_PORTS; port++) {
        lagfx_display_t *d = r->displays[port];
        if (!d)
            continue;
        /* A 1 x 1 probe learns the frame's size without consuming it (SIZE_MISMATCH). */
        uint32_t one;
        lagfx_frame_info_t info = { .struct_size = sizeof(info) };
        lagfx_frame_dst_t dst = {
            .struct_size = sizeof(dst), .pixels = &one, .size = 4, .width = 1, .height = 1
        };
        lagfx_status_t st = lagfx_display_read_frame(d, &dst, &info);
        if (st != LAGFX_ERROR_SIZE_MISMATCH && st != LAGFX_OK)
            continue;
        if (st == LAGFX_ERROR_SIZE_MISMATCH) {
            size_t need = (size_t)info.width * info.height;
            if (need > r->frame_cap) {
                uint32_t *b = realloc(r->frame_buf, need * 4);
                if (!b)
                    continue;
                r->frame_buf = b;
                r->frame_cap = need;
            }
            dst.pixels = r->frame_buf;
            dst.size = need * 4;
            dst.width = dst.height = 0;
            if (lagfx_display_read_frame(d, &dst, &info) != LAGFX_OK)
                continue;
        }
        r->frames++;
        const uint8_t *fpx = st == LAGFX_OK ? (const uint8_t *)&one : (const uint8_t *)r->frame_buf;
        if (r->vnc_port) {
            if (!r->vnc[port]) {
                char err[256];
                if (!vnc_server_start(&r->vnc[port], NULL, r->vnc_port + (int)port, info.width,
                                      info.height, "lagfx-replay", err, sizeof(err)))
                    fprintf(stderr, "lagfx-replay: display %u: %s\n", port, err);
            }
            if (r->vnc[port])
                vnc_server_frame(r->vnc[port], fpx, info.width, info.height, info.width * 4, 0, 0,
                                 info.width, info.height);
        }
        if (!r->png_dir || (r->frames - 1) % r->every)
            continue;
        char name[4096];
        snprintf(name, sizeof(name), "%s/d%u-%06" PRIu64 ".png", r->png_dir, port, info.sequence);
        if (png_write_bgrx(name, fpx, info.width, info.height, info.width * 4))
            r->png_written++;
        else
            fprintf(stderr, "lagfx-replay: %s\n", png_write_error());
    }
}

static void
verify_writes(struct replay *r)
{
    /* The final bytes of every address the turn wrote must match: check newest first. */
    for (size_t i = r->nwrites; i-- > 0;) {
        struct mem_write *w = &r->writes[i];
        bool later = false;
        for (size_t j = i + 1; j < r->nwrites && !later; j++)
            later = r->writes[j].gpa == w->gpa && r->writes[j].len == w->len;
        if (!later && w->gpa + w->len <= r->ram_size &&
            memcmp(r->ram + w->gpa, w->bytes, w->len) != 0) {
            if (r->write_mismatches++ < 10)
                fprintf(stderr, "lagfx-replay: write at 0x%" PRIx64 " (%u bytes) differs\n", w->gpa,
                        w->len);
        }
        free(w->bytes);
    }
    r->nwrites = 0;
}

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* --vnc: the last frames stay on screen for --hold seconds, or until SIGINT/SIGTERM. */
static void
hold(struct replay *r)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fprintf(stderr, "lagfx-replay: replay done; serving VNC on port %d%s\n", r->vnc_port,
            r->hold_s < 0 ? " until interrupted" : "");
    for (long ms = 0; !stop_requested && (r->hold_s < 0 || ms < r->hold_s * 1000L); ms += 50) {
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

static int
replay(struct replay *r)
{
    if (!size_ram(r))
        return 1;
    struct trace_reader tr;
    if (trace_reader_open(&tr, r->path) != LAGFX_OK) {
        fprintf(stderr, "lagfx-replay: %s: %s\n", r->path, tr.error);
        return 1;
    }
    if (!setup(r, &tr)) {
        trace_reader_close(&tr);
        return 1;
    }
    struct proto_dev *core = r->dev->proto;
    struct trace_record rec;
    int st;
    bool in_turn = false;
    uint32_t turn_bits = 0;
    while ((st = trace_reader_next(&tr, &rec)) > 0) {
        const uint8_t *p = rec.payload;
        r->records++;
        switch (rec.type) {
        case TRACE_API:
            api_call(r, &rec);
            break;
        case TRACE_MMIO_WRITE:
        case TRACE_MMIO_READ: {
            if (rec.len < 24)
                break;
            struct mmio_access a = { rec.type == TRACE_MMIO_WRITE, mem_le64(p), mem_le64(p + 16),
                                     mem_le32(p + 8) };
            if (!in_turn) {
                mmio_apply(r, &a);
                break;
            }
            if (r->ndeferred == r->capdeferred) {
                size_t cap = r->capdeferred ? 2 * r->capdeferred : 16;
                struct mmio_access *q = realloc(r->deferred, cap * sizeof(*q));
                if (!q) {
                    mmio_apply(r, &a);
                    break;
                }
                r->deferred = q;
                r->capdeferred = cap;
            }
            r->deferred[r->ndeferred++] = a;
            break;
        }
        case TRACE_TURN_BEGIN:
            in_turn = true;
            turn_bits = rec.len >= 4 ? mem_le32(p) : 0;
            break;
        case TRACE_MEM_READ:
            /* What the guest memory held when the turn read it. */
            if (in_turn && rec.len >= 8) {
                uint64_t gpa = mem_le64(p);
                uint32_t n = rec.len - 8;
                if (gpa + n <= r->ram_size)
                    memcpy(r->ram + gpa, p + 8, n);
            }
            break;
        case TRACE_MEM_WRITE:
            if (in_turn && r->verify && rec.len >= 8) {
                if (r->nwrites == r->capwrites) {
                    size_t cap = r->capwrites ? 2 * r->capwrites : 64;
                    struct mem_write *w = realloc(r->writes, cap * sizeof(*w));
                    if (!w)
                        break;
                    r->writes = w;
                    r->capwrites = cap;
                }
                struct mem_write *w = &r->writes[r->nwrites];
                w->gpa = mem_le64(p);
                w->len = rec.len - 8;
                w->bytes = malloc(w->len ? w->len : 1);
                if (!w->bytes)
                    break;
                memcpy(w->bytes, p + 8, w->len);
                r->nwrites++;
            }
            break;
        case TRACE_OUTER:
            r->outer++;
            break;
        case TRACE_TURN_END:
            if (!in_turn)
                break;
            in_turn = false;
            r->turns++;
            proto_dev_step(core, turn_bits);
            proto_dev_wait_completions(core);
            for (size_t i = 0; i < r->ndeferred; i++)
                mmio_apply(r, &r->deferred[i]);
            r->ndeferred = 0;
            if (r->verify)
                verify_writes(r);
            capture_frames(r);
            break;
        default:
            break;
        }
    }
    int rc = 0;
    if (st < 0) {
        fprintf(stderr, "lagfx-replay: %s: %s\n", r->path, tr.error);
        rc = 1;
    }
    trace_reader_close(&tr);
    if (rc == 0 && r->vnc_port)
        hold(r);
    for (uint32_t i = 0; i < LAGFX_MAX_DISPLAY_PORTS; i++) {
        if (r->vnc[i])
            vnc_server_stop(r->vnc[i]);
        lagfx_display_free(r->displays[i]);
    }
    lagfx_device_free(r->dev);
    for (size_t i = 0; i < r->nwrites; i++)
        free(r->writes[i].bytes);
    free(r->writes);
    free(r->deferred);
    free(r->frame_buf);
    munmap(r->ram, r->ram_size);
    close(r->memfd);
    if (r->stats)
        printf("records %" PRIu64 "\nturns %" PRIu64 "\nouter %" PRIu64 "\nmmio %" PRIu64
               "\nframes %" PRIu64 "\npng %" PRIu64 "\nread_mismatches %" PRIu64
               "\nwrite_mismatches %" PRIu64 "\n",
               r->records, r->turns, r->outer, r->mmio, r->frames, r->png_written,
               r->read_mismatches, r->write_mismatches);
    if (rc == 0 && r->write_mismatches)
        rc = 3;
    return rc;
}

int
main(int argc, char **argv)
{
    struct replay r = { .every = 1, .memfd = -1, .hold_s = -1 };
    static const struct option opts[] = {
        { "png", required_argument, NULL, 'p' },
        { "every", required_argument, NULL, 'e' },
        { "vnc", required_argument, NULL, 'n' },
        { "hold", required_argument, NULL, 'o' },
        { "verify", no_argument, NULL, 'v' },
        { "stats", no_argument, NULL, 's' },
        { "headless", no_argument, NULL, 'H' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            r.png_dir = optarg;
            break;
        case 'e': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1000000) {
                fprintf(stderr, "lagfx-replay: --every takes 1 to 1000000\n");
                return 2;
            }
            r.every = (uint32_t)n;
            break;
        }
        case 'n':
        case 'o': {
            char *end;
            long n = strtol(optarg, &end, 10);
            long lo = c == 'n' ? 1 : 0, hi = c == 'n' ? 65535 - LAGFX_MAX_DISPLAY_PORTS : 86400;
            if (*end || n < lo || n > hi) {
                fprintf(stderr, "lagfx-replay: --%s takes %ld to %ld\n", c == 'n' ? "vnc" : "hold",
                        lo, hi);
                return 2;
            }
            if (c == 'n')
                r.vnc_port = (int)n;
            else
                r.hold_s = (int)n;
            break;
        }
        case 'v':
            r.verify = true;
            break;
        case 's':
            r.stats = true;
            break;
        case 'H':
            r.headless = true;
            break;
        case 'h':
            return usage(stdout, 0);
        default:
            return usage(stderr, 2);
        }
    }
    if (optind != argc - 1)
        return usage(stderr, 2);
    r.path = argv[optind];
    if (r.png_dir) {
        struct stat sb;
        if (stat(r.png_dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || access(r.png_dir, W_OK) != 0) {
            fprintf(stderr, "lagfx-replay: %s: not a writable directory\n", r.png_dir);
            return 2;
        }
    }
    return replay(&r);
}
