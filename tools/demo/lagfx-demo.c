/* SPDX-License-Identifier: MIT */
/*
 * lagfx-demo: the project's main job. Boots the simulated macOS guest against the library and
 * runs a login-screen scene through the whole stack over the real wire format: AIR shaders,
 * command buffers, the compositor's render into the scanout surface, presents on the display
 * pipes, the hardware cursor. Frames are read as a VMM would (lagfx_display_read_frame) and go
 * to PNG files and to a VNC server per display (noVNC connects directly by websockets).
 * Threads: the main thread runs the guest and the output; display callbacks run on the
 * library's event thread and only store cursor state under a mutex.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libapplegfx-vulkan.h>

#include "guest.h"
#include "png_write.h"
#include "vnc.h"

/* Exit codes (--help). */
enum {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1,
    EXIT_USAGE = 2,
    EXIT_NO_DEVICE = 3,
    EXIT_PORT = 4,
};

struct options {
    lagfx_display_mode_t mode;
    uint64_t frames;
    double seconds;
    const char *png_dir;
    uint32_t every;
    int vnc_port;
    const char *listen;
    uint32_t displays;
    const char *trace;
    bool stats, fast, full, quiet;
    const char *times;
};

/* Cursor state from the event thread, forwarded to VNC by the main thread. */
struct cursor_state {
    pthread_mutex_t lock;
    bool shape_new, pos_new, visible;
    uint16_t x, y;
    lagfx_cursor_image_t image;
    uint8_t pixels[256 * 256 * 4];
};

struct out_display {
    lagfx_display_t *display;
    struct vnc_server *vnc;
    struct cursor_state cur;
    uint32_t *frame;
    uint32_t width, height;
    uint64_t frames_read, png_written;
    char name[64]; /* VNC desktop name */
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
usage(FILE *f, int rc)
{
    fprintf(f,
            "usage: lagfx-demo [OPTIONS]\n"
            "Runs a simulated macOS login screen through libapplegfx-vulkan: a guest compositor\n"
            "sends AIR shaders, command buffers and presents over the real wire format; the\n"
            "library renders with Vulkan (lavapipe if nothing else) and the demo reads frames.\n"
            "\n"
            "  --mode WxH@Hz     display mode (default 1280x800@60; 320x200 to 7680x4320)\n"
            "  --frames N        stop after N frames (default 300, or until Ctrl-C with --vnc)\n"
            "  --seconds S       stop after S seconds\n"
            "  --png DIR         write frames as DIR/d<display>-<sequence>.png\n"
            "  --every N         with --png, every Nth frame only (default 1)\n"
            "  --vnc PORT        serve display i on PORT+i (VNC and websockets: noVNC connects\n"
            "                    directly); the cursor is sent as a VNC cursor\n"
            "  --listen ADDR     VNC listen address (default 127.0.0.1)\n"
            "  --displays N      1 to 8 displays, each with the scene (default 1)\n"
            "  --trace FILE      record the run on the wire (replay: lagfx-replay FILE)\n"
            "  --stats           print fps, draws/s and frame-time percentiles at the end\n"
            "  --times FILE      write each frame's time in ms, one per line\n"
            "  --fast            run as fast as possible instead of at the mode's refresh\n"
            "  --full            redraw the whole scene every frame (no damage tracking)\n"
            "  --quiet           no progress line\n"
            "  --help            this text\n"
            "\n"
            "Exit: 0 done, 1 runtime failure, 2 bad argument or unwritable path, 3 no Vulkan\n"
            "device, 4 VNC port unavailable. LAGFX_VK_DEVICE picks a GPU; LAGFX_LOG=debug logs.\n");
    return rc;
}

static bool
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool
parse_mode(const char *s, lagfx_display_mode_t *m)
{
    unsigned w, h, hz = 60;
    char tail;
    int n = sscanf(s, "%ux%u@%u%c", &w, &h, &hz, &tail);
    if (n != 3 && !(n == 2 && !strchr(s, '@')))
        return false;
    if (w < 320 || h < 200 || w > 7680 || h > 4320 || hz < 1 || hz > 240)
        return false;
    *m = (lagfx_display_mode_t){ (uint16_t)w, (uint16_t)h, hz * 1000 };
    return true;
}

static bool
writable_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && access(path, W_OK | X_OK) == 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){ .mode = { 1280, 800, 60000 }, .every = 1, .displays = 1 };
    static const struct option opts[] = {
        { "mode", required_argument, NULL, 'm' },    { "frames", required_argument, NULL, 'n' },
        { "seconds", required_argument, NULL, 's' }, { "png", required_argument, NULL, 'p' },
        { "every", required_argument, NULL, 'e' },   { "vnc", required_argument, NULL, 'v' },
        { "listen", required_argument, NULL, 'l' },  { "displays", required_argument, NULL, 'd' },
        { "trace", required_argument, NULL, 't' },   { "stats", no_argument, NULL, 'S' },
        { "times", required_argument, NULL, 'T' },   { "fast", no_argument, NULL, 'F' },
        { "full", no_argument, NULL, 'R' },          { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
    };
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (!parse_mode(optarg, &o->mode)) {
                fprintf(stderr,
                        "lagfx-demo: bad mode '%s' (want WxH@Hz, e.g. 1920x1080@60, "
                        "320x200 to 7680x4320, 1 to 240 Hz)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'n':
            if (!parse_u64(optarg, 1, 100000000, &o->frames)) {
                fprintf(stderr, "lagfx-demo: --frames takes 1 to 100000000\n");
                return EXIT_USAGE;
            }
            break;
        case 's': {
            char *end;
            o->seconds = strtod(optarg, &end);
            if (*end || !(o->seconds > 0 && o->seconds <= 86400 * 365)) {
                fprintf(stderr, "lagfx-demo: --seconds takes a positive number\n");
                return EXIT_USAGE;
            }
            break;
        }
        case 'p':
            o->png_dir = optarg;
            break;
        case 'e':
            if (!parse_u64(optarg, 1, 1000000, &v)) {
                fprintf(stderr, "lagfx-demo: --every takes 1 to 1000000\n");
                return EXIT_USAGE;
            }
            o->every = (uint32_t)v;
            break;
        case 'v':
            if (!parse_u64(optarg, 1, 65535, &v)) {
                fprintf(stderr, "lagfx-demo: --vnc takes a port, 1 to 65535\n");
                return EXIT_USAGE;
            }
            o->vnc_port = (int)v;
            break;
        case 'l':
            o->listen = optarg;
            break;
        case 'd':
            if (!parse_u64(optarg, 1, LAGFX_MAX_DISPLAY_PORTS, &v)) {
                fprintf(stderr, "lagfx-demo: --displays takes 1 to %u\n", LAGFX_MAX_DISPLAY_PORTS);
                return EXIT_USAGE;
            }
            o->displays = (uint32_t)v;
            break;
        case 't':
            o->trace = optarg;
            break;
        case 'S':
            o->stats = true;
            break;
        case 'T':
            o->times = optarg;
            break;
        case 'F':
            o->fast = true;
            break;
        case 'R':
            o->full = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            usage(stdout, 0);
            return -1;
        default:
            return usage(stderr, EXIT_USAGE);
        }
    }
    if (optind != argc) {
        fprintf(stderr, "lagfx-demo: unexpected argument '%s' (try --help)\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (o->vnc_port && o->vnc_port + (int)o->displays - 1 > 65535) {
        fprintf(stderr, "lagfx-demo: --vnc %d leaves no port for display %u\n", o->vnc_port,
                o->displays - 1);
        return EXIT_USAGE;
    }
    if (o->png_dir && !writable_dir(o->png_dir)) {
        fprintf(stderr, "lagfx-demo: --png %s: not a writable directory\n", o->png_dir);
        return EXIT_USAGE;
    }
    if (o->trace) {
        FILE *f = fopen(o->trace, "wb");
        if (!f) {
            fprintf(stderr, "lagfx-demo: --trace %s: %s\n", o->trace, strerror(errno));
            return EXIT_USAGE;
        }
        fclose(f);
    }
    if (!o->frames && o->seconds == 0 && !o->vnc_port)
        o->frames = 300;
    return EXIT_OK;
}

/* ---- display callbacks (library event thread) ---- */

static void
cb_glyph(void *user, const lagfx_cursor_image_t *im)
{
    struct cursor_state *c = user;
    if (im->width > 256 || im->height > 256)
        return;
    pthread_mutex_lock(&c->lock);
    for (uint32_t y = 0; y < im->height; y++)
        memcpy(c->pixels + (size_t)y * im->width * 4,
               (const uint8_t *)im->pixels + (size_t)y * im->stride, (size_t)im->width * 4);
    c->image = *im;
    c->image.stride = im->width * 4;
    c->image.pixels = c->pixels;
    c->shape_new = true;
    pthread_mutex_unlock(&c->lock);
}

static void
cb_show(void *user, bool visible)
{
    struct cursor_state *c = user;
    pthread_mutex_lock(&c->lock);
    c->visible = visible;
    c->pos_new = true;
    pthread_mutex_unlock(&c->lock);
}

static void
cb_move(void *user, uint16_t x, uint16_t y)
{
    struct cursor_state *c = user;
    pthread_mutex_lock(&c->lock);
    c->x = x;
    c->y = y;
    c->pos_new = true;
    pthread_mutex_unlock(&c->lock);
}

static void
forward_cursor(struct out_display *od)
{
    struct cursor_state *c = &od->cur;
    pthread_mutex_lock(&c->lock);
    if (c->shape_new)
        vnc_server_cursor_shape(od->vnc, &c->image);
    if (c->pos_new)
        vnc_server_cursor_pos(od->vnc, c->visible && c->x != 0xFFFF, c->x, c->y);
    c->shape_new = c->pos_new = false;
    pthread_mutex_unlock(&c->lock);
}

/* Reads display i's newest frame, as a VMM does after new_frame, and forwards it to VNC.
 * False on a read error (not on NO_FRAME). */
static bool
take_frame(struct out_display *od, uint32_t port)
{
    lagfx_frame_dst_t dst = { .struct_size = sizeof(dst),
                              .pixels = od->frame,
                              .size = (size_t)od->width * od->height * 4 };
    lagfx_frame_info_t info = { .struct_size = sizeof(info) };
    lagfx_status_t st = lagfx_display_read_frame(od->display, &dst, &info);
    if (st == LAGFX_NO_FRAME)
        return true;
    if (st != LAGFX_OK) {
        fprintf(stderr, "\nlagfx-demo: display %u: read_frame: %s\n", port,
                lagfx_status_string(st));
        return false;
    }
    od->frames_read++;
    if (od->vnc) {
        vnc_server_frame(od->vnc, (const uint8_t *)od->frame, info.width, info.height,
                         info.width * 4, info.damage_x, info.damage_y, info.damage_width,
                         info.damage_height);
        forward_cursor(od);
    }
    return true;
}

/* The newest frame again, with the cursor drawn in, as DIR/d<port>-<sequence>.png (the names
 * lagfx-replay --png uses). */
static bool
write_png(struct out_display *od, uint32_t port, const char *dir)
{
    lagfx_frame_dst_t dst = { .struct_size = sizeof(dst),
                              .flags = LAGFX_READ_LATEST | LAGFX_READ_WITH_CURSOR,
                              .pixels = od->frame,
                              .size = (size_t)od->width * od->height * 4 };
    lagfx_frame_info_t info = { .struct_size = sizeof(info) };
    lagfx_status_t st = lagfx_display_read_frame(od->display, &dst, &info);
    if (st != LAGFX_OK) {
        fprintf(stderr, "\nlagfx-demo: display %u: read_frame: %s\n", port,
                lagfx_status_string(st));
        return false;
    }
    char name[4096];
    snprintf(name, sizeof(name), "%s/d%u-%06" PRIu64 ".png", dir, port, info.sequence);
    if (!png_write_bgrx(name, (const uint8_t *)od->frame, info.width, info.height,
                        info.width * 4)) {
        fprintf(stderr, "\nlagfx-demo: %s\n", png_write_error());
        return false;
    }
    od->png_written++;
    return true;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
percentile(const double *sorted, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)ceil(p / 100.0 * n);
    return sorted[i ? i - 1 : 0];
}

struct run_stats {
    uint64_t frames, draws, full, partial, represent;
    uint64_t late; /* paced: frames that started more than a period after their vblank */
    double elapsed, setup;
    double *times; /* ms per frame, all displays */
    size_t ntimes, captimes;
};

static void
record_time(struct run_stats *s, double ms)
{
    if (s->ntimes == s->captimes) {
        size_t cap = s->captimes ? 2 * s->captimes : 1024;
        double *t = realloc(s->times, cap * sizeof(*t));
        if (!t)
            return;
        s->times = t;
        s->captimes = cap;
    }
    s->times[s->ntimes++] = ms;
}

static void
print_stats(const struct options *o, const struct run_stats *s)
{
    double *sorted = malloc((s->ntimes ? s->ntimes : 1) * sizeof(double));
    if (!sorted)
        return;
    memcpy(sorted, s->times, s->ntimes * sizeof(double));
    qsort(sorted, s->ntimes, sizeof(double), cmp_double);
    double fps = s->elapsed > 0 ? s->frames / s->elapsed : 0;
    printf("lagfx-demo: %ux%u, %u display(s), %s, %s\n", o->mode.width, o->mode.height, o->displays,
           o->fast ? "free-running" : "paced", o->full ? "full redraws" : "damage");
    printf("  frames      %" PRIu64 " in %.2f s: %.1f fps presented, offered %s\n", s->frames,
           s->elapsed, fps, o->fast ? "as fast as they complete" : "at the mode's refresh");
    if (!o->fast)
        printf("  late        %" PRIu64 " frame(s) started over a refresh period late\n", s->late);
    printf("  frame time  p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
           percentile(sorted, s->ntimes, 50), percentile(sorted, s->ntimes, 90),
           percentile(sorted, s->ntimes, 99), s->ntimes ? sorted[s->ntimes - 1] : 0.0);
    printf("  draws       %" PRIu64 " (%.0f draws/s)\n", s->draws,
           s->elapsed > 0 ? s->draws / s->elapsed : 0.0);
    printf("  renders     %" PRIu64 " full, %" PRIu64 " damage-limited, %" PRIu64
           " re-presents without rendering\n",
           s->full, s->partial, s->represent);
    printf("  setup       %.2f s (boot and guest objects, before the first frame)\n", s->setup);
    free(sorted);
}

static void
progress(const struct options *o, const struct run_stats *s, double t)
{
    if (o->quiet)
        return;
    double fps = t > 0 ? s->frames / t : 0;
    if (o->frames)
        fprintf(stderr, "\rlagfx-demo: frame %" PRIu64 "/%" PRIu64 "  %.1f fps  ", s->frames,
                o->frames, fps);
    else
        fprintf(stderr, "\rlagfx-demo: frame %" PRIu64 "  %.1f s  %.1f fps  ", s->frames, t, fps);
    if (!isatty(2))
        fputc('\n', stderr);
    fflush(stderr);
}

static int
run(const struct options *o)
{
    int rc = EXIT_RUNTIME;
    char err[256] = "";
    struct out_display od[LAGFX_MAX_DISPLAY_PORTS];
    memset(od, 0, sizeof(od));
    struct run_stats s = { 0 };
    struct demo_guest dg;
    bool guest_ready = false;
    struct guestsim *g = NULL;
    FILE *times = NULL;
    double t_setup = now_s();

    for (uint32_t i = 0; i < o->displays; i++) {
        pthread_mutex_init(&od[i].cur.lock, NULL);
        od[i].width = o->mode.width;
        od[i].height = o->mode.height;
        od[i].frame = malloc((size_t)o->mode.width * o->mode.height * 4);
        if (!od[i].frame) {
            fprintf(stderr, "lagfx-demo: out of memory\n");
            goto out;
        }
        if (o->vnc_port) {
            /* libvncserver keeps the name pointer (vnc_server_start does not copy it). */
            snprintf(od[i].name, sizeof(od[i].name), "lagfx-demo display %u", i);
            if (!vnc_server_start(&od[i].vnc, o->listen, o->vnc_port + (int)i, o->mode.width,
                                  o->mode.height, od[i].name, err, sizeof(err))) {
                fprintf(stderr, "lagfx-demo: VNC port %d: %s\n", o->vnc_port + (int)i, err);
                rc = EXIT_PORT;
                goto out;
            }
        }
    }
    if (o->times && !(times = fopen(o->times, "w"))) {
        fprintf(stderr, "lagfx-demo: --times %s: %s\n", o->times, strerror(errno));
        rc = EXIT_USAGE;
        goto out;
    }
    if (o->trace)
        setenv("LAGFX_TRACE", o->trace, 1); /* guestsim_config has no wire_record_path */

    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.displays = o->displays;
    cfg.device_flags = 0; /* render through Vulkan */
    cfg.label = "demo";
    uint64_t need = 0;
    for (uint32_t i = 0; i < o->displays; i++) {
        cfg.modes[i] = o->mode;
        need += (uint64_t)o->mode.width * o->mode.height * 4 + (8u << 20);
    }
    if (need + (256u << 20) > cfg.ram_size)
        cfg.ram_size = (need + (512u << 20)) & ~((1ull << 30) - 1);
    lagfx_status_t st = guestsim_new(&cfg, &g);
    if (st == LAGFX_ERROR_NO_DEVICE) {
        fprintf(stderr, "lagfx-demo: no usable Vulkan device (install mesa-vulkan-drivers for "
                        "lavapipe, or check LAGFX_VK_DEVICE)\n");
        rc = EXIT_NO_DEVICE;
        goto out;
    }
    if (st != LAGFX_OK) {
        fprintf(stderr, "lagfx-demo: device: %s\n", lagfx_status_string(st));
        goto out;
    }
    /* Our own displays, with callbacks: the cursor goes to VNC as a cursor, not pixels. */
    for (uint32_t i = 0; i < o->displays; i++) {
        guestsim_display_free(g, i);
        lagfx_display_callbacks_t cb;
        lagfx_display_callbacks_init(&cb);
        cb.user = &od[i].cur;
        cb.cursor_glyph = cb_glyph;
        cb.cursor_show = cb_show;
        cb.cursor_move = cb_move;
        lagfx_display_descriptor_t pd;
        lagfx_display_descriptor_init(&pd);
        pd.callbacks = &cb;
        pd.modes = &o->mode;
        pd.mode_count = 1;
        st = lagfx_display_new(guestsim_device(g), &pd, i, 0x1000 + i, &od[i].display);
        if (st != LAGFX_OK) {
            fprintf(stderr, "lagfx-demo: display %u: %s\n", i, lagfx_status_string(st));
            goto out;
        }
    }
    st = guestsim_boot(g);
    if (st != LAGFX_OK) {
        fprintf(stderr, "lagfx-demo: guest boot failed: %s\n", lagfx_status_string(st));
        goto out;
    }
    lagfx_device_info_t di = { .struct_size = sizeof(di) };
    lagfx_device_get_info(guestsim_device(g), &di);
    if (!o->quiet)
        fprintf(stderr, "lagfx-demo: guest online, %u display(s) at %ux%u@%u on %s\n", o->displays,
                o->mode.width, o->mode.height, o->mode.refresh_millihz / 1000, di.gpu_name);
    lagfx_display_mode_t modes[LAGFX_MAX_DISPLAY_PORTS];
    for (uint32_t i = 0; i < o->displays; i++)
        modes[i] = o->mode;
    if (!demo_guest_init(&dg, g, o->displays, modes, err, sizeof(err))) {
        fprintf(stderr, "lagfx-demo: %s\n", err);
        goto out;
    }
    guest_ready = true;
    for (uint32_t i = 0; i < o->displays && o->vnc_port; i++)
        if (!o->quiet)
            fprintf(stderr,
                    "lagfx-demo: display %u: vnc://%s:%d (noVNC: host %s, port %d, no path)\n", i,
                    o->listen ? o->listen : "127.0.0.1", o->vnc_port + (int)i,
                    o->listen ? o->listen : "127.0.0.1", o->vnc_port + (int)i);

    s.setup = now_s() - t_setup;
    double period = 1000.0 / (o->mode.refresh_millihz / 1000.0);
    double t0 = now_s(), last_progress = 0;
    rc = EXIT_OK;
    for (uint64_t n = 0;; n++) {
        double t = now_s() - t0;
        if (stop_requested || (o->frames && n >= o->frames) || (o->seconds > 0 && t >= o->seconds))
            break;
        if (!o->fast) {
            double due = t0 + n * period / 1000.0, wait = due - now_s();
            if (wait < -period / 1000.0)
                s.late++;
            if (wait > 0) {
                struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };
                nanosleep(&ts, NULL);
            }
        }
        bool png = o->png_dir && n % o->every == 0;
        double frame_ms = 0;
        for (uint32_t i = 0; i < o->displays; i++) {
            double a = now_s();
            struct demo_frame_result fr;
            if (!demo_guest_frame(&dg, i, n, o->full, &fr)) {
                fprintf(stderr,
                        "\nlagfx-demo: display %u frame %" PRIu64
                        ": the device did not complete the guest's commands\n",
                        i, n);
                rc = EXIT_RUNTIME;
                goto done;
            }
            if (!take_frame(&od[i], i)) {
                rc = EXIT_RUNTIME;
                goto done;
            }
            double ms = (now_s() - a) * 1000.0;
            frame_ms += ms;
            record_time(&s, ms);
            s.draws += fr.draws;
            if (fr.full)
                s.full++;
            else if (fr.rendered)
                s.partial++;
            else
                s.represent++;
            if (png && !write_png(&od[i], i, o->png_dir)) {
                rc = EXIT_RUNTIME;
                goto done;
            }
        }
        if (times)
            fprintf(times, "%.4f\n", frame_ms);
        s.frames++;
        t = now_s() - t0;
        if (t - last_progress >= 0.5) {
            progress(o, &s, t);
            last_progress = t;
        }
    }
done:
    s.elapsed = now_s() - t0;
    if (!o->quiet) {
        progress(o, &s, s.elapsed);
        if (isatty(2))
            fputc('\n', stderr);
    }
    if (o->png_dir && !o->quiet) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < o->displays; i++)
            n += od[i].png_written;
        fprintf(stderr, "lagfx-demo: wrote %" PRIu64 " PNG file(s) to %s\n", n, o->png_dir);
    }
    if (o->stats)
        print_stats(o, &s);
out:
    if (times)
        fclose(times);
    if (guest_ready)
        demo_guest_finish(&dg);
    for (uint32_t i = 0; i < o->displays; i++) {
        lagfx_display_free(od[i].display);
        if (od[i].vnc)
            vnc_server_stop(od[i].vnc);
        free(od[i].frame);
        pthread_mutex_destroy(&od[i].cur.lock);
    }
    guestsim_free(g);
    free(s.times);
    return rc;
}

int
main(int argc, char **argv)
{
    struct options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return run(&o);
}
