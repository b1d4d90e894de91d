/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpora of fuzz-root-ring and fuzz-channel into argv[1] and argv[2]: the
 * simulator's boot burst (protocol.md §16) as root-ring bytes, steady-state root commands,
 * and per channel the commands the simulator sends there (declarations, ExecIndirect with a
 * small resource table, presents, cursor), each with its 12-byte header. Run at build time.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t buf[4096];
static size_t len;
static uint32_t stamp;

static void
cmd(uint16_t op, const void *p, uint32_t plen)
{
    uint32_t total = 12 + plen;
    uint16_t zero = 0;
    memcpy(buf + len, &op, 2);
    memcpy(buf + len + 2, &zero, 2);
    memcpy(buf + len + 4, &total, 4);
    ++stamp;
    memcpy(buf + len + 8, &stamp, 4);
    if (plen)
        memcpy(buf + len + 12, p, plen);
    len += total;
}

static int
save(const char *dir, const char *name, uint8_t prefix, int with_prefix)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 1;
    if (with_prefix)
        fputc(prefix, f);
    size_t n = fwrite(buf, 1, len, f);
    int bad = n != len;
    len = 0;
    return (fclose(f) != 0) | bad;
}

int
main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    const char *root = argv[1], *chan = argv[2];
    int bad = 0;
    /* Root: the init burst (task 1, heap, four channels, GetDeviceInfo2). */
    uint8_t def[16] = { 2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0x00, 0x10, 0, 0 };
    cmd(0x38, def, 16);
    uint32_t heap[3] = { 1, 0x10000, 4096 };
    cmd(0x33, heap, 12);
    for (uint32_t c = 1; c <= 4; c++)
        cmd(0x30, &c, 4);
    uint32_t info[3] = { 0x2A, 0x200, 0x1000 };
    cmd(0x3A, info, 12);
    bad |= save(root, "boot-burst", 0, 0);
    cmd(0x0E, NULL, 0);
    uint8_t dbg[16] = "debug bytes 0123";
    cmd(0x0D, dbg, 16);
    uint32_t surf[7] = { 7, 64, 32, 80, 256, 8192, 0 };
    cmd(0x27, surf, 28);
    uint32_t look[4] = { 1, 0, 0xC, 1 };
    cmd(0x28, look, 16);
    uint32_t sync[2] = { 1, 0 };
    cmd(0x22, sync, 8);
    cmd(0x42, sync, 8);
    uint32_t delres[2] = { 1, 4 };
    cmd(0x08, delres, 8);
    bad |= save(root, "steady", 0, 0);
    uint32_t exec[3 + 4] = { 1, 0, 1, 0, 0x4000, 0x100, 0 }; /* {task 1, dc 0, rc 1, entry} */
    cmd(0x20, exec, 28);
    uint32_t t2[6] = { 7, 0, 0, 0x100000, 0, 0 };
    cmd(0x00, t2, 24);
    uint32_t map[9] = { 7, 0, 0, 0, 1, 0x50000, 0, 0x1000, 0 };
    cmd(0x02, map, 36);
    uint32_t del = 7;
    cmd(0x01, &del, 4);
    bad |= save(root, "tasks-exec", 0, 0);
    /* Sentinel and straddle shapes: a NOP, then an idle sentinel. */
    cmd(0x0E, NULL, 0);
    memset(buf + len, 0xFF, 12);
    len += 12;
    bad |= save(root, "sentinel", 0, 0);

    /* Channels: byte 0 selects 1-4 or pipe 5 (value % 5 + 1). */
    uint32_t obj[2] = { 1, 0x13 };
    cmd(0x25, obj, 8);
    uint32_t ev[2] = { 1, 3 };
    cmd(0x36, ev, 8);
    cmd(0x34, NULL, 0);
    uint32_t bu[6] = { 1, 0x13, 5, 6, 0x1000, 0 };
    cmd(0x3B, bu, 24);
    cmd(0x37, exec, 28);
    bad |= save(chan, "ch1-exec", 0, 1);
    uint32_t trailer[8] = { 0, 0, 0, 1, 0x1000, 0, 0x4000, 0 };
    cmd(0x39, trailer, 32);
    cmd(0x22, trailer + 3, 20);
    uint32_t rp[2] = { 1, 9 };
    cmd(0x3C, rp, 8);
    cmd(0x28, look, 16);
    bad |= save(chan, "ch2-declarations", 1, 1);
    uint32_t setup[2] = { 0, 0x30000 };
    cmd(0x01, setup, 8);
    uint32_t sub[11] = { 0, 1, 0x1000 };
    cmd(0x04, sub, 44);
    uint32_t pres[2] = { 0, 0 };
    cmd(0x02, pres, 8);
    uint32_t pres6[3] = { 0, 1, 0 };
    cmd(0x06, pres6, 12);
    uint32_t cur[4] = { 0, 100 | (200u << 16), 1, 0 };
    cmd(0x13, cur, 16);
    uint32_t glyph[8] = { 0, 0x40000000, 0, 32, 32, 128, 3, 5 };
    cmd(0x14, glyph, 32);
    bad |= save(chan, "pipe5", 4, 1);
    return bad;
}
