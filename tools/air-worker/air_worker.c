/* SPDX-License-Identifier: MIT */
/*
 * lagfx-air-worker: the sandboxed helper that runs LLVM's bitcode reader and the rest of the
 * translator on guest bitcode for the library (src/air/isolate.c, wire.h). Started by
 * posix_spawn with its socket at fd 3, it restricts itself before reading any input: rlimits
 * (address space, CPU, file size, no cores, no processes), no new privileges, not dumpable,
 * and a seccomp-bpf allow-list written here (read/write on its socket, memory management
 * without PROT_EXEC, futex, clocks, signals to itself, exit); anything else kills it. Then it
 * answers requests until EOF. Single-threaded; one process per library worker slot.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "air/air.h"
#include "air/cache.h"
#include "air/translate.h"
#include "air/wire.h"
#include "util/alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#if defined(__x86_64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_AARCH64
#endif

#define AS_LIMIT     (2ull << 30) /* LLVM on a 1 MiB module needs far less */
#define CPU_SOFT_S   60           /* SIGXCPU, then SIGKILL at the hard limit */
#define CPU_HARD_S   65
#define CPU_RETIRE_S 30 /* exit after a reply once this much CPU is spent */

static void
die(const char *what)
{
    fprintf(stderr, "lagfx-air-worker: %s: %s\n", what, strerror(errno));
    _exit(2);
}

static unsigned
apply_rlimits(void)
{
    unsigned got = AIR_WIRE_SANDBOX_RLIMITS;
    struct rlimit zero = { 0, 0 };
    struct rlimit cpu = { CPU_SOFT_S, CPU_HARD_S };
    if (setrlimit(RLIMIT_CORE, &zero) || setrlimit(RLIMIT_FSIZE, &zero) ||
        setrlimit(RLIMIT_NPROC, &zero) || setrlimit(RLIMIT_CPU, &cpu))
        die("setrlimit");
    /* ASan reserves terabytes of shadow: an address-space cap would stop it at start. */
    if (!SANITIZED) {
        struct rlimit as = { AS_LIMIT, AS_LIMIT };
        if (setrlimit(RLIMIT_AS, &as))
            die("setrlimit(RLIMIT_AS)");
        got |= AIR_WIRE_SANDBOX_AS;
    }
    return got;
}

/* ---- seccomp-bpf (seccomp(2), filter.h): a straight list of rules, each self-contained ---- */

#define MAX_INSNS 512
#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i)))
#define ARG_HI(i) (ARG_LO(i) + 4)

struct prog {
    struct sock_filter f[MAX_INSNS];
    unsigned n;
    uint32_t kill; /* the action for anything not allowed */
};

static void
ins(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
    if (p->n < MAX_INSNS)
        p->f[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* Rule header: A = nr; skip the `body` instructions that follow unless nr matches. */
static void
rule(struct prog *p, int nr, unsigned body)
{
    ins(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
    ins(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, (uint8_t)body);
}

static void
allow(struct prog *p, int nr)
{
    rule(p, nr, 1);
    ins(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

/* nr allowed only when argument `arg` (an int) is one of vals[0..n). */
static void
allow_arg_in(struct prog *p, int nr, unsigned arg, const uint32_t *vals, unsigned n)
{
    rule(p, nr, 5 + 2 * n);
    ins(p, BPF_LD | BPF_W | BPF_ABS, ARG_HI(arg), 0, 0);
    ins(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0); /* high word must be zero */
    ins(p, BPF_RET | BPF_K, p->kill, 0, 0);
    ins(p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(arg), 0, 0);
    for (unsigned i = 0; i < n; i++) {
        ins(p, BPF_JMP | BPF_JEQ | BPF_K, vals[i], 0, 1);
        ins(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
    }
    ins(p, BPF_RET | BPF_K, p->kill, 0, 0);
}

/* nr allowed only when argument `arg` has none of `bits` (PROT_EXEC). */
static void
allow_arg_without(struct prog *p, int nr, unsigned arg, uint32_t bits)
{
    rule(p, nr, 4);
    ins(p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(arg), 0, 0);
    ins(p, BPF_JMP | BPF_JSET | BPF_K, bits, 0, 1);
    ins(p, BPF_RET | BPF_K, p->kill, 0, 0);
    ins(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

static void
build_filter(struct prog *p, bool trap)
{
    p->n = 0;
    p->kill = trap ? SECCOMP_RET_TRAP : SECCOMP_RET_KILL_PROCESS;
    /* Another ABI's syscall numbers mean other syscalls: refuse them all. */
    ins(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
    ins(p, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_SELF, 1, 0);
    ins(p, BPF_RET | BPF_K, p->kill, 0, 0);
#if defined(__x86_64__)
    ins(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
    ins(p, BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 0, 1);
    ins(p, BPF_RET | BPF_K, p->kill, 0, 0);
#endif
    if (SANITIZED) {
        /* ASan/UBSan reports read /proc/self/maps and query the process; still no exec, no
         * sockets, no writes to files (RLIMIT_FSIZE). Release builds never get these. They
         * come first: the fd-restricted read rule below would kill. */
        static const int san[] = {
#ifdef SYS_open
            SYS_open,
#endif
            SYS_openat,
            SYS_close,
            SYS_fstat,
            SYS_newfstatat,
            SYS_lseek,
            SYS_readlink,
            SYS_sigaltstack,
            SYS_prctl,
            SYS_getrlimit,
            SYS_prlimit64,
            SYS_sched_getaffinity,
            SYS_getppid,
            SYS_uname,
            SYS_pread64,
            SYS_getrandom,
            SYS_read,
        };
        for (size_t i = 0; i < sizeof(san) / sizeof(san[0]); i++)
            allow(p, san[i]);
    }
    static const uint32_t sock[] = { AIR_WIRE_FD };
    static const uint32_t out[] = { 2, AIR_WIRE_FD };
    uint32_t self[] = { (uint32_t)getpid() };
    allow_arg_in(p, SYS_read, 0, sock, 1);
    allow_arg_in(p, SYS_recvfrom, 0, sock, 1);
    allow_arg_in(p, SYS_write, 0, out, 2);
    allow_arg_in(p, SYS_writev, 0, out, 2);
    allow_arg_in(p, SYS_sendto, 0, sock, 1);
    /* Memory for LLVM's and libc's allocators; never executable. */
    allow_arg_without(p, SYS_mmap, 2, PROT_EXEC);
    allow_arg_without(p, SYS_mprotect, 2, PROT_EXEC);
    allow(p, SYS_munmap);
    allow(p, SYS_mremap);
    allow(p, SYS_madvise);
    allow(p, SYS_brk);
    allow(p, SYS_futex);
    allow(p, SYS_clock_gettime);
    allow(p, SYS_gettimeofday);
    allow(p, SYS_sched_yield);
    /* abort() and LLVM's fatal errors: block signals, raise against ourselves only. */
    allow(p, SYS_rt_sigreturn);
    allow(p, SYS_rt_sigprocmask);
    allow(p, SYS_rt_sigaction);
    allow(p, SYS_getpid);
    allow(p, SYS_gettid);
    allow_arg_in(p, SYS_tgkill, 0, self, 1);
    allow_arg_in(p, SYS_kill, 0, self, 1);
    allow(p, SYS_exit);
    allow(p, SYS_exit_group);
    allow(p, SYS_restart_syscall);
    ins(p, BPF_RET | BPF_K, p->kill, 0, 0);
}

static void
on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    char msg[80];
    int n = snprintf(msg, sizeof(msg), "lagfx-air-worker: seccomp refused syscall %d\n",
                     si->si_syscall);
    if (n > 0 && write(2, msg, (size_t)n) < 0)
        _exit(4);
    _exit(4);
}

/* Returns whether the filter is on. LAGFX_AIR_WORKER_SECCOMP=trap reports the refused syscall
 * on stderr instead of killing silently (development). */
static bool
apply_seccomp(void)
{
#ifndef AUDIT_ARCH_SELF
    return false;
#else
    static struct prog p;
    const char *mode = getenv("LAGFX_AIR_WORKER_SECCOMP");
    bool trap = mode && strcmp(mode, "trap") == 0;
    build_filter(&p, trap);
    if (p.n >= MAX_INSNS)
        return false;
    if (trap) {
        struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
        sigaction(SIGSYS, &sa, NULL);
    }
    struct sock_fprog fp = { .len = (unsigned short)p.n, .filter = p.f };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0)
        return true;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) == 0)
        return true;
    fprintf(stderr, "lagfx-air-worker: seccomp unavailable (%s); rlimits only\n", strerror(errno));
    return false;
#endif
}

/* ---- requests ---- */

static bool
reply(enum air_status st, const char *msg, const uint8_t *payload, size_t size)
{
    size_t mlen = strnlen(msg, AIR_WIRE_MAX_DIAG);
    struct air_wire_hdr h = { AIR_WIRE_RESPONSE, AIR_WIRE_VERSION, (uint32_t)st,
                              (uint32_t)mlen,    (uint32_t)size,   0 };
    return air_wire_send(AIR_WIRE_FD, &h, sizeof(h), 0) == AIR_WIRE_OK &&
           air_wire_send(AIR_WIRE_FD, msg, mlen, 0) == AIR_WIRE_OK &&
           air_wire_send(AIR_WIRE_FD, payload, size, 0) == AIR_WIRE_OK;
}

/* One request; false when the library went away or broke the protocol. */
static bool
serve_one(void)
{
    struct air_wire_hdr h;
    if (air_wire_recv(AIR_WIRE_FD, &h, sizeof(h), 0) != AIR_WIRE_OK)
        return false;
    if (h.magic != AIR_WIRE_REQUEST || h.version != AIR_WIRE_VERSION || h.b > AIR_WIRE_MAX_ENTRY ||
        h.c > AIR_WIRE_MAX_INPUT)
        return false;
    char entry[AIR_WIRE_MAX_ENTRY + 1];
    uint8_t *bc = malloc(h.c ? h.c : 1);
    if (!bc)
        return false;
    if (air_wire_recv(AIR_WIRE_FD, entry, h.b, 0) != AIR_WIRE_OK ||
        air_wire_recv(AIR_WIRE_FD, bc, h.c, 0) != AIR_WIRE_OK) {
        free(bc);
        return false;
    }
    entry[h.b] = 0;
    struct air_options opt = {
        .typed_pointers = h.a & AIR_WIRE_OPT_TYPED_POINTERS,
        .skip_verify = h.a & AIR_WIRE_OPT_SKIP_VERIFY,
        .debug_names = h.a & AIR_WIRE_OPT_DEBUG_NAMES,
    };
    const char *name = (h.a & AIR_WIRE_OPT_HAS_ENTRY) ? entry : NULL;
    opt.entry = name;
    struct air_result *r = NULL;
    struct air_diag d = { { 0 } };
    enum air_status st = air_translate_bitcode(bc, h.c, name, &opt, &r, &d);
    free(bc);
    bool ok;
    if (st == AIR_OK) {
        uint8_t *payload = NULL;
        size_t size = 0;
        st = air_result_serialize(r, &payload, &size);
        air_result_unref(r);
        if (st == AIR_OK && size > AIR_WIRE_MAX_RESULT) {
            st = AIR_OUT_OF_MEMORY;
            snprintf(d.msg, sizeof(d.msg), "result of %zu bytes exceeds the wire cap", size);
        }
        ok = st == AIR_OK ? reply(st, "", payload, size)
                          : reply(st, d.msg[0] ? d.msg : "out of memory", NULL, 0);
        ut_free(payload);
    } else {
        ok = reply(st, d.msg, NULL, 0);
    }
    return ok;
}

static double
cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    (void)argv;
    struct stat sb;
    if (argc != 1 || fstat(AIR_WIRE_FD, &sb) != 0 || !S_ISSOCK(sb.st_mode)) {
        fprintf(stderr, "lagfx-air-worker: started by libapplegfx-vulkan only (socket on fd %d)\n",
                AIR_WIRE_FD);
        return 2;
    }
    /* A closed peer must read as EPIPE, and a write to a regular file past RLIMIT_FSIZE as
     * EFBIG (stderr may be the VMM's log file), not as signals that kill us. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    unsigned sandbox = apply_rlimits();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        die("PR_SET_NO_NEW_PRIVS");
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (apply_seccomp())
        sandbox |= AIR_WIRE_SANDBOX_SECCOMP;
    /* air-isolate proves the filter kills: a socket is never on the list. */
    const char *selftest = getenv("LAGFX_AIR_WORKER_SELFTEST");
    if (selftest && strcmp(selftest, "socket") == 0)
        socket(AF_INET, SOCK_STREAM, 0);

    struct air_wire_hdr hello = {
        AIR_WIRE_HELLO, AIR_WIRE_VERSION, sandbox, (uint32_t)getpid(), 0, 0
    };
    if (air_wire_send(AIR_WIRE_FD, &hello, sizeof(hello), 0) != AIR_WIRE_OK)
        _exit(0);
    while (serve_one())
        if (cpu_seconds() > CPU_RETIRE_S)
            break; /* the library starts a fresh worker with a fresh CPU budget */
    /* _exit: no atexit work (LLVM's static destructors, LeakSanitizer) inside the sandbox. */
    _exit(0);
}

#if SANITIZED
/* Under ASan a SEGV inside (uninstrumented) LLVM should end the worker as SIGSEGV, as in a
 * release build, not as an ASan report that needs llvm-symbolizer (exec is filtered). */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
    return "handle_segv=0:handle_sigbus=0:handle_abort=0:symbolize=0:detect_leaks=0";
}
#endif
