/* SPDX-License-Identifier: MIT */
#include "qtest_client.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE   (1ull << 30)
#define TIMEOUT_MS 10000

uint64_t
qtest_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *
qtest_find_qemu(const char *source_root, char *why, size_t why_len)
{
    static char path[4096];
    const char *env = getenv("LAGFX_QEMU");
    if (env && *env) {
        if (access(env, X_OK) == 0)
            return env;
        snprintf(why, why_len, "LAGFX_QEMU=%s is not an executable", env);
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/.qemu-build/build/qemu-system-x86_64", source_root);
    if (access(path, X_OK) == 0)
        return path;
    snprintf(why, why_len,
             "no QEMU built by scripts/build-qemu at %s (run scripts/build-qemu, or set "
             "LAGFX_QEMU)",
             path);
    return NULL;
}

static int
connect_unix(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    size_t n = strlen(path);
    if (n >= sizeof(a.sun_path))
        return -1;
    memcpy(a.sun_path, path, n + 1);
    for (int i = 0; i < 500; i++) { /* QEMU creates the listening socket during start-up */
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
            return fd;
        close(fd);
        usleep(20000);
    }
    return -1;
}

static void
fail(struct qtest_proc *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "qtest: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    q->failed = true;
}

/* One line from socket i (0 qtest, 1 QMP) into line[]; false on EOF or timeout. */
static bool
read_line(struct qtest_proc *q, int i, char *line, size_t len)
{
    int fd = i == 0 ? q->qtest_fd : q->qmp_fd;
    uint64_t deadline = qtest_now_ms() + TIMEOUT_MS;
    for (;;) {
        char *nl = memchr(q->rbuf[i], '\n', q->rlen[i]);
        if (nl) {
            size_t n = (size_t)(nl - q->rbuf[i]);
            size_t c = n < len - 1 ? n : len - 1;
            memcpy(line, q->rbuf[i], c);
            line[c] = 0;
            memmove(q->rbuf[i], nl + 1, q->rlen[i] - n - 1);
            q->rlen[i] -= n + 1;
            return true;
        }
        if (q->rlen[i] == sizeof(q->rbuf[i])) { /* a line longer than the buffer: drop it */
            q->rlen[i] = 0;
        }
        uint64_t now = qtest_now_ms();
        if (fd < 0 || now >= deadline) {
            fail(q, "no answer from QEMU on the %s socket", i == 0 ? "qtest" : "QMP");
            return false;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, (int)(deadline - now)) <= 0)
            continue;
        ssize_t r = read(fd, q->rbuf[i] + q->rlen[i], sizeof(q->rbuf[i]) - q->rlen[i]);
        if (r <= 0) {
            fail(q, "QEMU closed the %s socket", i == 0 ? "qtest" : "QMP");
            return false;
        }
        q->rlen[i] += (size_t)r;
    }
}

static bool
send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, s, len, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        s += w;
        len -= (size_t)w;
    }
    return true;
}

/* Sends a qtest command; returns the value after "OK" (0 if none); fails on anything else. */
static uint64_t
qtest_cmd(struct qtest_proc *q, const char *fmt, ...)
{
    char cmd[8192 * 2 + 128], line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (q->failed || n < 0 || (size_t)n >= sizeof(cmd) || !send_all(q->qtest_fd, cmd, (size_t)n)) {
        if (!q->failed)
            fail(q, "cannot send '%.40s'", cmd);
        return 0;
    }
    for (;;) {
        if (!read_line(q, 0, line, sizeof(line)))
            return 0;
        if (!strncmp(line, "IRQ ", 4))
            continue; /* asynchronous, only with irq_intercept_* */
        if (!strncmp(line, "OK", 2))
            return line[2] == ' ' ? strtoull(line + 3, NULL, 0) : 0;
        fail(q, "'%.*s' answered '%s'", n - 1, cmd, line);
        return 0;
    }
}

uint32_t
qtest_inl(struct qtest_proc *q, uint16_t port)
{
    return (uint32_t)qtest_cmd(q, "inl 0x%x\n", port);
}

void
qtest_outl(struct qtest_proc *q, uint16_t port, uint32_t value)
{
    qtest_cmd(q, "outl 0x%x 0x%x\n", port, value);
}

uint16_t
qtest_inw(struct qtest_proc *q, uint16_t port)
{
    return (uint16_t)qtest_cmd(q, "inw 0x%x\n", port);
}

void
qtest_outw(struct qtest_proc *q, uint16_t port, uint16_t value)
{
    qtest_cmd(q, "outw 0x%x 0x%x\n", port, value);
}

uint32_t
qtest_readl(struct qtest_proc *q, uint64_t addr)
{
    return (uint32_t)qtest_cmd(q, "readl 0x%" PRIx64 "\n", addr);
}

void
qtest_writel(struct qtest_proc *q, uint64_t addr, uint32_t value)
{
    qtest_cmd(q, "writel 0x%" PRIx64 " 0x%x\n", addr, value);
}

void
qtest_write(struct qtest_proc *q, uint64_t addr, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        char hex[4096 * 2 + 1];
        size_t n = len < 4096 ? len : 4096;
        for (size_t i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", p[i]);
        qtest_cmd(q, "write 0x%" PRIx64 " 0x%zx 0x%s\n", addr, n, hex);
        addr += n;
        p += n;
        len -= n;
    }
}

static uint32_t
cfg_addr(uint32_t devfn, uint8_t reg)
{
    return 0x80000000u | (devfn << 8) | (reg & 0xFCu);
}

uint32_t
qtest_pci_read32(struct qtest_proc *q, uint32_t devfn, uint8_t reg)
{
    qtest_outl(q, 0xCF8, cfg_addr(devfn, reg));
    return qtest_inl(q, 0xCFC);
}

void
qtest_pci_write32(struct qtest_proc *q, uint32_t devfn, uint8_t reg, uint32_t value)
{
    qtest_outl(q, 0xCF8, cfg_addr(devfn, reg));
    qtest_outl(q, 0xCFC, value);
}

uint16_t
qtest_pci_read16(struct qtest_proc *q, uint32_t devfn, uint8_t reg)
{
    qtest_outl(q, 0xCF8, cfg_addr(devfn, reg));
    return qtest_inw(q, (uint16_t)(0xCFC + (reg & 2)));
}

void
qtest_pci_write16(struct qtest_proc *q, uint32_t devfn, uint8_t reg, uint16_t value)
{
    qtest_outl(q, 0xCF8, cfg_addr(devfn, reg));
    qtest_outw(q, (uint16_t)(0xCFC + (reg & 2)), value);
}

bool
qtest_qmp(struct qtest_proc *q, const char *json, char *reply, size_t reply_len)
{
    char line[4096];
    if (q->qmp_fd < 0 || !send_all(q->qmp_fd, json, strlen(json)) ||
        !send_all(q->qmp_fd, "\n", 1)) {
        fail(q, "cannot send QMP %s", json);
        return false;
    }
    for (;;) {
        if (!read_line(q, 1, line, sizeof(line)))
            return false;
        if (strstr(line, "\"event\""))
            continue;
        if (reply)
            snprintf(reply, reply_len, "%s", line);
        if (strstr(line, "\"return\""))
            return true;
        fail(q, "QMP %s answered %s", json, line);
        return false;
    }
}

bool
qtest_alive(struct qtest_proc *q)
{
    if (q->pid <= 0)
        return false;
    int status;
    return waitpid(q->pid, &status, WNOHANG) == 0;
}

static void
cleanup(struct qtest_proc *q)
{
    char p[300];
    if (q->qtest_fd >= 0)
        close(q->qtest_fd);
    if (q->qmp_fd >= 0)
        close(q->qmp_fd);
    q->qtest_fd = q->qmp_fd = -1;
    if (q->ram && q->ram != MAP_FAILED)
        munmap(q->ram, q->ram_size);
    q->ram = NULL;
    if (q->ram_path[0])
        unlink(q->ram_path);
    q->ram_path[0] = 0;
    if (q->dir[0]) {
        const char *names[] = { "qtest.sock", "qmp.sock", "bios.bin" };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            snprintf(p, sizeof(p), "%s/%s", q->dir, names[i]);
            unlink(p);
        }
        rmdir(q->dir);
        q->dir[0] = 0;
    }
}

/* Whatever way the test ends (REQUIRE's exit, a meson timeout's SIGTERM), QEMU goes too. */
static struct qtest_proc *live;

static void
kill_live(void)
{
    if (live && live->pid > 0)
        qtest_kill(live);
}

static void
on_signal(int sig)
{
    if (live && live->pid > 0)
        kill(live->pid, SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

bool
qtest_start(struct qtest_proc *q, const char *qemu, const char *device_arg)
{
    static bool hooks;
    if (!hooks) {
        atexit(kill_live);
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        hooks = true;
    }
    static unsigned seq;
    char bios[300], qtest_sock[300], qmp_sock[300], qtest_arg[340], qmp_arg[340], mem_arg[400];
    memset(q, 0, sizeof(*q));
    q->qtest_fd = q->qmp_fd = -1;
    q->ram_size = RAM_SIZE;

    snprintf(q->dir, sizeof(q->dir), "%s/lagfx-qtest.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(q->dir)) {
        q->dir[0] = 0;
        perror("mkdtemp");
        return false;
    }
    /* guest RAM: a file both QEMU and the test map shared */
    snprintf(q->ram_path, sizeof(q->ram_path), "/dev/shm/lagfx-qtest-%d-%u", (int)getpid(), seq++);
    int fd = open(q->ram_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)q->ram_size) != 0) {
        perror(q->ram_path);
        if (fd >= 0)
            close(fd);
        cleanup(q);
        return false;
    }
    q->ram = mmap(NULL, q->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (q->ram == MAP_FAILED) {
        perror("mmap guest RAM");
        q->ram = NULL;
        cleanup(q);
        return false;
    }
    /* The qtest accelerator runs no CPU, but q35 still loads a BIOS image: 64 KiB of hlt. */
    snprintf(bios, sizeof(bios), "%s/bios.bin", q->dir);
    fd = open(bios, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        static uint8_t hlt[65536];
        memset(hlt, 0xF4, sizeof(hlt));
        if (write(fd, hlt, sizeof(hlt)) != (ssize_t)sizeof(hlt)) {
            close(fd);
            fd = -1;
        } else {
            close(fd);
        }
    }
    if (fd < 0) {
        perror(bios);
        cleanup(q);
        return false;
    }
    snprintf(qtest_sock, sizeof(qtest_sock), "%s/qtest.sock", q->dir);
    snprintf(qmp_sock, sizeof(qmp_sock), "%s/qmp.sock", q->dir);
    snprintf(qtest_arg, sizeof(qtest_arg), "unix:%s,server=on,wait=off", qtest_sock);
    snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server=on,wait=off", qmp_sock);
    snprintf(mem_arg, sizeof(mem_arg), "memory-backend-file,id=ram,size=1G,mem-path=%s,share=on",
             q->ram_path);

    const char *argv[] = {
        qemu,         "-nodefaults",
        "-machine",   "q35,memory-backend=ram",
        "-accel",     "qtest",
        "-m",         "1G",
        "-object",    mem_arg,
        "-bios",      bios,
        "-global",    "apic-common.vapic=off",
        "-display",   "none",
        "-vnc",       "127.0.0.1:0,to=99",
        "-device",    device_arg,
        "-qtest",     qtest_arg,
        "-qmp",       qmp_arg,
        "-qtest-log", getenv("LAGFX_QTEST_LOG") ? getenv("LAGFX_QTEST_LOG") : "/dev/null",
        NULL
    };
    fprintf(stderr, "qtest: starting");
    for (size_t i = 0; argv[i]; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "\n");
    q->pid = fork();
    if (q->pid < 0) {
        perror("fork");
        cleanup(q);
        return false;
    }
    if (q->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        execv(qemu, (char *const *)argv);
        perror(qemu);
        _exit(127);
    }
    live = q;
    q->qtest_fd = connect_unix(qtest_sock);
    q->qmp_fd = connect_unix(qmp_sock);
    if (q->qtest_fd < 0 || q->qmp_fd < 0) {
        fprintf(stderr, "qtest: cannot connect to QEMU's sockets (did it start?)\n");
        qtest_kill(q);
        return false;
    }
    char line[4096];
    if (!read_line(q, 1, line, sizeof(line)) || !strstr(line, "\"QMP\"") ||
        !qtest_qmp(q, "{\"execute\": \"qmp_capabilities\"}", NULL, 0)) {
        fprintf(stderr, "qtest: no QMP greeting\n");
        qtest_kill(q);
        return false;
    }
    if (qtest_qmp(q, "{\"execute\": \"query-vnc\"}", line, sizeof(line))) {
        const char *s = strstr(line, "\"service\"");
        if (s && (s = strchr(s + 9, '"')))
            q->vnc_port = atoi(s + 1);
    }
    return !q->failed;
}

static int
wait_exit(struct qtest_proc *q, uint32_t timeout_ms)
{
    uint64_t deadline = qtest_now_ms() + timeout_ms;
    int status;
    while (qtest_now_ms() < deadline) {
        pid_t r = waitpid(q->pid, &status, WNOHANG);
        if (r == q->pid) {
            q->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        usleep(10000);
    }
    return -2;
}

int
qtest_quit(struct qtest_proc *q)
{
    int code = -1;
    if (q->pid > 0) {
        qtest_qmp(q, "{\"execute\": \"quit\"}", NULL, 0);
        code = wait_exit(q, TIMEOUT_MS);
        if (code == -2) {
            fprintf(stderr, "qtest: QEMU did not exit within %d ms of quit\n", TIMEOUT_MS);
            kill(q->pid, SIGKILL);
            wait_exit(q, TIMEOUT_MS);
            code = -1;
        }
    }
    cleanup(q);
    if (live == q)
        live = NULL;
    return code;
}

void
qtest_kill(struct qtest_proc *q)
{
    if (q->pid > 0) {
        kill(q->pid, SIGKILL);
        wait_exit(q, TIMEOUT_MS);
    }
    cleanup(q);
    if (live == q)
        live = NULL;
}
