/* SPDX-License-Identifier: MIT */
/*
 * A small client for a QEMU started with the qtest accelerator: spawns the emulator, speaks
 * the qtest text protocol (QEMU docs/devel/qtest.rst: "outl ADDR VAL", "readl ADDR", ...) on
 * one socket and QMP on another, and maps guest RAM from the shared memory-backend-file so
 * the test reads and writes guest memory as a guest would (QEMU maps the same pages).
 *
 * Threads: one thread; every call blocks until QEMU answers or a timeout (then the test fails).
 */
#ifndef LAGFX_TESTS_QTEST_CLIENT_H
#define LAGFX_TESTS_QTEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct qtest_proc {
    pid_t pid;
    int qtest_fd, qmp_fd;
    char dir[256];      /* private temp dir: sockets, dummy BIOS, QEMU's log */
    char ram_path[256]; /* /dev/shm file shared with QEMU */
    uint8_t *ram;       /* guest RAM, GPA == file offset below 3 GiB on q35 */
    uint64_t ram_size;
    int vnc_port;       /* from query-vnc; 0 without VNC */
    bool failed;        /* a protocol error or timeout happened */
    char rbuf[2][4096]; /* line buffers: qtest, QMP */
    size_t rlen[2];
};

/* Path of the QEMU to test: $LAGFX_QEMU, else the default scripts/build-qemu output under
 * source_root; NULL if there is none (why is written to why[]). */
const char *qtest_find_qemu(const char *source_root, char *why, size_t why_len);

/* Starts `qemu` (q35, -accel qtest, 1 GiB shared RAM, VNC on a free loopback port) with the
 * given -device argument and connects both sockets. false on failure (reason on stderr). */
bool qtest_start(struct qtest_proc *q, const char *qemu, const char *device_arg);
/* QMP quit; waits for the exit; returns the exit status (-1: killed or timed out). Also
 * removes the RAM file and the temp dir. */
int qtest_quit(struct qtest_proc *q);
/* Kills QEMU if still there, cleans up (for failure paths). */
void qtest_kill(struct qtest_proc *q);
/* QEMU still running? */
bool qtest_alive(struct qtest_proc *q);

/* qtest protocol */
uint32_t qtest_inl(struct qtest_proc *q, uint16_t port);
void qtest_outl(struct qtest_proc *q, uint16_t port, uint32_t value);
uint16_t qtest_inw(struct qtest_proc *q, uint16_t port);
void qtest_outw(struct qtest_proc *q, uint16_t port, uint16_t value);
uint32_t qtest_readl(struct qtest_proc *q, uint64_t addr);
void qtest_writel(struct qtest_proc *q, uint64_t addr, uint32_t value);
/* "write ADDR SIZE 0xHEX": bytes into guest memory through QEMU's memory API */
void qtest_write(struct qtest_proc *q, uint64_t addr, const void *data, size_t len);

/* QMP: sends one command (JSON), returns true on a "return" reply (copied to reply). */
bool qtest_qmp(struct qtest_proc *q, const char *json, char *reply, size_t reply_len);

/* PCI config space through 0xCF8/0xCFC (bus 0) */
uint32_t qtest_pci_read32(struct qtest_proc *q, uint32_t devfn, uint8_t reg);
void qtest_pci_write32(struct qtest_proc *q, uint32_t devfn, uint8_t reg, uint32_t value);
uint16_t qtest_pci_read16(struct qtest_proc *q, uint32_t devfn, uint8_t reg);
void qtest_pci_write16(struct qtest_proc *q, uint32_t devfn, uint8_t reg, uint16_t value);

uint64_t qtest_now_ms(void);

#endif /* LAGFX_TESTS_QTEST_CLIENT_H */
