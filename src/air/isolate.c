/* SPDX-License-Identifier: MIT */
/*
 * The library side of isolated translation (isolate.h): a pool of AIR_ISOLATE_WORKERS
 * lagfx-air-worker processes started on first use with posix_spawn (never fork: the VMM is
 * large and multi-threaded), each reached over a CLOEXEC socketpair and reused until it dies,
 * times out or answers malformed bytes; then it is killed, reaped and replaced on the next
 * call. The worker's answers are as hostile as the guest's bytes: lengths are capped and the
 * result is deserialised by the checked parser. Runs on whichever thread translates (the
 * device's compile worker, tools, tests); one mutex guards the slot table, the I/O runs
 * outside it on the slot the caller owns. Starts no thread; nothing happens at load time.
 */
#include "air/isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "air/cache.h"
#include "air/metallib.h"
#include "air/translate.h"
#include "air/wire.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

extern char **environ;

struct worker {
    pid_t pid; /* 0: none started */
    int fd;    /* our end of the socket while pid != 0 */
    bool busy; /* a caller owns the slot */
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pid_t owner; /* the process whose workers these are (fork detection) */
    struct worker w[AIR_ISOLATE_WORKERS];
} g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, { { 0 } } };

static _Atomic uint64_t st_spawns, st_requests, st_crashes, st_timeouts, st_protocol;
static atomic_bool st_sandboxed;
static _Atomic uint32_t timeout_override;
static atomic_bool warned_no_seccomp;
static struct ut_ratelimit crash_rl;

void
air_isolate_get_stats(struct air_isolate_stats *st)
{
    st->spawns = atomic_load(&st_spawns);
    st->requests = atomic_load(&st_requests);
    st->crashes = atomic_load(&st_crashes);
    st->timeouts = atomic_load(&st_timeouts);
    st->protocol = atomic_load(&st_protocol);
    st->sandboxed = atomic_load(&st_sandboxed);
}

void
air_isolate_set_timeout_ms(uint32_t ms)
{
    atomic_store(&timeout_override, ms);
}

static uint32_t
timeout_ms(void)
{
    uint32_t ms = atomic_load(&timeout_override);
    if (ms)
        return ms;
    const char *env = secure_getenv("LAGFX_AIR_TIMEOUT_MS");
    if (env && *env) {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (*end == 0 && v > 0 && v <= 600000)
            return (uint32_t)v;
    }
    return AIR_ISOLATE_TIMEOUT_MS;
}

/* A build-tree binary is only trusted when nobody else could have put it there. */
static bool
trusted_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
           (sb.st_uid == geteuid() || sb.st_uid == 0) && !(sb.st_mode & (S_IWGRP | S_IWOTH)) &&
           access(path, X_OK) == 0;
}

const char *
air_isolate_worker_path(char *buf, size_t len)
{
    const char *env = secure_getenv(AIR_ISOLATE_WORKER_ENV);
    const char *p = LAGFX_AIR_WORKER_LIBEXEC;
    if (env && *env)
        p = env;
#ifdef LAGFX_AIR_WORKER_BUILD
    else if (trusted_file(LAGFX_AIR_WORKER_BUILD))
        p = LAGFX_AIR_WORKER_BUILD;
#endif
    snprintf(buf, len, "%s", p);
    return buf;
}

static const char *
signame(int sig)
{
    const char *s = sigabbrev_np(sig);
    return s ? s : "?";
}

/*
 * Ends a worker: closes our end (an idle worker exits on EOF), waits up to grace_ms for it,
 * then SIGKILLs it, and reaps it. Returns the wait status, or -1 when someone else reaped it
 * (a VMM SIGCHLD handler calling waitpid(-1)).
 */
static int
worker_end(struct worker *w, uint32_t grace_ms)
{
    int status = -1;
    close(w->fd);
    w->fd = -1;
    uint64_t until = ut_now_ns() + (uint64_t)grace_ms * 1000000u;
    bool killed = false;
    for (;;) {
        pid_t r = waitpid(w->pid, &status, killed ? 0 : WNOHANG);
        if (r == w->pid)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) { /* ECHILD: reaped elsewhere */
            status = -1;
            break;
        }
        if (!killed && ut_now_ns() >= until) {
            kill(w->pid, SIGKILL);
            killed = true;
            continue;
        }
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    w->pid = 0;
    return status;
}

/* An idle worker never writes: anything readable (EOF, HUP, bytes) means it is gone. */
static bool
worker_idle_ok(const struct worker *w)
{
    struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
    int r;
    do
        r = poll(&pfd, 1, 0);
    while (r < 0 && errno == EINTR);
    return r == 0;
}

static enum air_status
worker_spawn(struct worker *w, struct air_diag *diag)
{
    char path[4096];
    air_isolate_worker_path(path, sizeof(path));
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return air_diag_set(diag, AIR_OUT_OF_MEMORY, "translator worker: socketpair: %s",
                            strerror(errno));
    int child = sv[1];
    if (child == AIR_WIRE_FD) { /* dup2(3, 3) would leave CLOEXEC set */
        child = fcntl(sv[1], F_DUPFD_CLOEXEC, AIR_WIRE_FD + 1);
        close(sv[1]);
        if (child < 0) {
            close(sv[0]);
            return air_diag_set(diag, AIR_OUT_OF_MEMORY, "translator worker: dup: %s",
                                strerror(errno));
        }
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, child, AIR_WIRE_FD);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* Whatever the VMM left without CLOEXEC stays out of the worker. */
    posix_spawn_file_actions_addclosefrom_np(&fa, AIR_WIRE_FD + 1);
#endif
    /* Library threads block every signal and the VMM may ignore some: start clean. */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = { (char *)"lagfx-air-worker", NULL };
    pid_t pid = 0;
    int rc = posix_spawn(&pid, path, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(child);
    if (rc != 0) {
        close(sv[0]);
        return air_diag_set(diag, AIR_NOT_SUPPORTED,
                            "cannot start translator worker %s: %s (set " AIR_ISOLATE_WORKER_ENV
                            " or install lagfx-air-worker)",
                            path, strerror(rc));
    }
    atomic_fetch_add(&st_spawns, 1);
    w->pid = pid;
    w->fd = sv[0];

    struct air_wire_hdr h;
    enum air_wire_rc wr =
        air_wire_recv(w->fd, &h, sizeof(h), ut_now_ns() + (uint64_t)timeout_ms() * 1000000u);
    if (wr != AIR_WIRE_OK || h.magic != AIR_WIRE_HELLO || h.version != AIR_WIRE_VERSION) {
        int status = worker_end(w, 0);
        if (wr == AIR_WIRE_TIMEOUT)
            return air_diag_set(diag, AIR_NOT_SUPPORTED,
                                "translator worker %s did not answer within %u ms of its start",
                                path, timeout_ms());
        if (wr == AIR_WIRE_OK)
            return air_diag_set(diag, AIR_NOT_SUPPORTED,
                                "translator worker %s speaks another protocol (magic %08x "
                                "version %u)",
                                path, h.magic, h.version);
        if (status != -1 && WIFEXITED(status))
            return air_diag_set(diag, AIR_NOT_SUPPORTED,
                                "translator worker %s exited with status %d at start", path,
                                WEXITSTATUS(status));
        if (status != -1 && WIFSIGNALED(status))
            return air_diag_set(diag, AIR_NOT_SUPPORTED,
                                "translator worker %s killed by signal %d (SIG%s) at start", path,
                                WTERMSIG(status), signame(WTERMSIG(status)));
        return air_diag_set(diag, AIR_NOT_SUPPORTED, "translator worker %s did not start", path);
    }
    bool sandboxed = h.a & AIR_WIRE_SANDBOX_SECCOMP;
    atomic_store(&st_sandboxed, sandboxed);
    if (!sandboxed && ut_once(&warned_no_seccomp))
        UT_WARN(NULL, "air",
                "translator worker runs without seccomp (kernel refused the filter); "
                "rlimits still apply");
    return AIR_OK;
}

/* The worker failed mid-request: end it and say how, naming the signal. */
static enum air_status
worker_failed(struct worker *w, enum air_wire_rc wr, uint32_t ms, struct air_diag *diag)
{
    pid_t pid = w->pid;
    if (wr == AIR_WIRE_TIMEOUT) {
        atomic_fetch_add(&st_timeouts, 1);
        kill(pid, SIGKILL);
        worker_end(w, 1000);
        ut_log_limited(&crash_rl, LAGFX_LOG_WARN, NULL, "air",
                       "translator worker %d killed after %u ms on guest bitcode", (int)pid, ms);
        return air_diag_set(diag, AIR_INVALID_DATA,
                            "translator worker timed out after %u ms on this input (killed)", ms);
    }
    atomic_fetch_add(&st_crashes, 1);
    int status = worker_end(w, 1000);
    char how[96];
    if (status == -1)
        snprintf(how, sizeof(how), "died (status unknown: reaped elsewhere)");
    else if (WIFSIGNALED(status))
        snprintf(how, sizeof(how), "killed by signal %d (SIG%s%s)", WTERMSIG(status),
                 signame(WTERMSIG(status)),
                 WTERMSIG(status) == SIGSYS ? ": sandbox violation" : "");
    else
        snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
    ut_log_limited(&crash_rl, LAGFX_LOG_WARN, NULL, "air",
                   "translator worker %d %s on guest bitcode", (int)pid, how);
    return air_diag_set(diag, AIR_INVALID_DATA, "translator worker %s on this input", how);
}

static enum air_status
worker_protocol_error(struct worker *w, const char *what, struct air_diag *diag)
{
    atomic_fetch_add(&st_protocol, 1);
    kill(w->pid, SIGKILL);
    worker_end(w, 1000);
    return air_diag_set(diag, AIR_INVALID_DATA, "translator worker sent %s (killed)", what);
}

static enum air_status
worker_call(struct worker *w,
            const struct air_wire_hdr *req,
            const char *entry,
            const uint8_t *bc,
            struct air_result **out,
            struct air_diag *diag,
            bool *transient)
{
    uint32_t ms = timeout_ms();
    uint64_t deadline = 0;
    enum air_wire_rc wr = AIR_WIRE_ERROR;
    enum air_status st;
    /* A worker that died while idle (CPU budget, killed from outside) is not this input's
     * fault: replace it once before sending. */
    for (int attempt = 0; attempt < 2; attempt++) {
        if (w->pid && !worker_idle_ok(w))
            worker_end(w, 1000);
        if (!w->pid) {
            st = worker_spawn(w, diag);
            if (st != AIR_OK) {
                *transient = true;
                return st;
            }
        }
        deadline = ut_now_ns() + (uint64_t)ms * 1000000u;
        wr = air_wire_send(w->fd, req, sizeof(*req), deadline);
        if (wr == AIR_WIRE_OK)
            wr = air_wire_send(w->fd, entry, req->b, deadline);
        if (wr == AIR_WIRE_OK)
            wr = air_wire_send(w->fd, bc, req->c, deadline);
        if (wr == AIR_WIRE_OK || wr == AIR_WIRE_TIMEOUT)
            break;
        kill(w->pid, SIGKILL); /* it stopped reading: no grace */
        worker_end(w, 0);
    }
    if (wr == AIR_WIRE_TIMEOUT)
        return worker_failed(w, wr, ms, diag);
    if (wr != AIR_WIRE_OK) {
        *transient = true;
        return air_diag_set(diag, AIR_NOT_SUPPORTED, "cannot reach the translator worker");
    }
    atomic_fetch_add(&st_requests, 1);

    struct air_wire_hdr h;
    wr = air_wire_recv(w->fd, &h, sizeof(h), deadline);
    if (wr != AIR_WIRE_OK)
        return worker_failed(w, wr, ms, diag);
    if (h.magic != AIR_WIRE_RESPONSE || h.version != AIR_WIRE_VERSION || h.reserved != 0 ||
        h.a > AIR_OUT_OF_MEMORY || h.b > AIR_WIRE_MAX_DIAG || h.c > AIR_WIRE_MAX_RESULT ||
        (h.a == AIR_OK) != (h.c != 0))
        return worker_protocol_error(w, "a malformed response header", diag);
    char msg[AIR_WIRE_MAX_DIAG + 1];
    wr = air_wire_recv(w->fd, msg, h.b, deadline);
    if (wr != AIR_WIRE_OK)
        return worker_failed(w, wr, ms, diag);
    msg[h.b] = 0;
    if (h.a != AIR_OK) {
        for (uint32_t i = 0; i < h.b; i++) /* a log line, not a terminal escape */
            if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
                msg[i] = '?';
        return air_diag_set(diag, (enum air_status)h.a, "%s", msg);
    }
    uint8_t *payload = ut_malloc(h.c);
    if (!payload) {
        /* The response cannot be drained: the worker is out of step now. */
        kill(w->pid, SIGKILL);
        worker_end(w, 1000);
        *transient = true;
        return air_diag_set(diag, AIR_OUT_OF_MEMORY, "out of memory for a %u-byte result", h.c);
    }
    wr = air_wire_recv(w->fd, payload, h.c, deadline);
    if (wr != AIR_WIRE_OK) {
        ut_free(payload);
        return worker_failed(w, wr, ms, diag);
    }
    st = air_result_deserialize(payload, h.c, out);
    ut_free(payload);
    if (st == AIR_INVALID_DATA)
        return worker_protocol_error(w, "a malformed result", diag);
    if (st != AIR_OK)
        *transient = true;
    return st;
}

static struct worker *
slot_acquire(void)
{
    pthread_mutex_lock(&g.lock);
    pid_t self = getpid();
    if (g.owner != self) {
        /* First use, or a forked child: the parent's workers are not ours to talk to. */
        for (int i = 0; i < AIR_ISOLATE_WORKERS; i++) {
            if (g.owner && g.w[i].pid)
                close(g.w[i].fd);
            g.w[i] = (struct worker){ .pid = 0, .fd = -1, .busy = false };
        }
        g.owner = self;
    }
    struct worker *w = NULL;
    while (!w) {
        for (int i = 0; i < AIR_ISOLATE_WORKERS && !w; i++) /* a running worker first */
            if (!g.w[i].busy && g.w[i].pid)
                w = &g.w[i];
        for (int i = 0; i < AIR_ISOLATE_WORKERS && !w; i++)
            if (!g.w[i].busy)
                w = &g.w[i];
        if (!w)
            pthread_cond_wait(&g.cond, &g.lock);
    }
    w->busy = true;
    pthread_mutex_unlock(&g.lock);
    return w;
}

static void
slot_release(struct worker *w)
{
    pthread_mutex_lock(&g.lock);
    w->busy = false;
    pthread_cond_signal(&g.cond);
    pthread_mutex_unlock(&g.lock);
}

void
air_isolate_prewarm(void)
{
    struct worker *w = slot_acquire();
    if (w->pid && !worker_idle_ok(w))
        worker_end(w, 1000);
    if (!w->pid) {
        struct air_diag d = { { 0 } };
        worker_spawn(w, &d);
    }
    slot_release(w);
}

void
air_isolate_shutdown(void)
{
    pthread_mutex_lock(&g.lock);
    if (g.owner == getpid())
        for (int i = 0; i < AIR_ISOLATE_WORKERS; i++)
            if (!g.w[i].busy && g.w[i].pid)
                worker_end(&g.w[i], 1000);
    pthread_mutex_unlock(&g.lock);
}

enum air_status
air_isolate_translate(const void *bytes,
                      size_t size,
                      const struct air_options *opt,
                      struct air_result **out,
                      struct air_diag *diag,
                      bool *transient)
{
    static const struct air_options defaults = { 0 };
    bool dummy;
    if (!transient)
        transient = &dummy;
    *transient = false;
    if (!opt)
        opt = &defaults;
    struct air_mtlb *lib = NULL;
    enum air_status st = air_mtlb_parse(bytes, size, &lib, diag);
    if (st != AIR_OK) {
        *transient = st == AIR_OUT_OF_MEMORY;
        return st;
    }
    const struct air_mtlb_function *fn = NULL;
    const char *entry = NULL;
    st = air_translate_select(lib, opt, &fn, &entry, diag);
    if (st != AIR_OK)
        goto out;
    size_t elen = entry ? strlen(entry) : 0;
    if (elen > AIR_WIRE_MAX_ENTRY) {
        st = air_diag_set(diag, AIR_INVALID_DATA, "entry name of %zu bytes is too long", elen);
        goto out;
    }
    if (fn->bitcode_size > AIR_WIRE_MAX_INPUT) { /* the container parser caps it already */
        st = air_diag_set(diag, AIR_INVALID_DATA, "bitcode of %u bytes is too large",
                          fn->bitcode_size);
        goto out;
    }
    struct air_wire_hdr req = {
        .magic = AIR_WIRE_REQUEST,
        .version = AIR_WIRE_VERSION,
        .a = (opt->typed_pointers ? AIR_WIRE_OPT_TYPED_POINTERS : 0) |
             (opt->skip_verify ? AIR_WIRE_OPT_SKIP_VERIFY : 0) |
             (opt->debug_names ? AIR_WIRE_OPT_DEBUG_NAMES : 0) |
             (entry ? AIR_WIRE_OPT_HAS_ENTRY : 0),
        .b = (uint32_t)elen,
        .c = fn->bitcode_size,
    };
    struct worker *w = slot_acquire();
    st = worker_call(w, &req, entry ? entry : "", fn->bitcode, out, diag, transient);
    slot_release(w);
out:
    air_mtlb_free(lib);
    return st;
}

enum air_status
air_translate(const void *bytes,
              size_t size,
              const struct air_options *opt,
              struct air_result **out,
              struct air_diag *diag)
{
    return air_isolate_translate(bytes, size, opt, out, diag, NULL);
}
