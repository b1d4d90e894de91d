/* SPDX-License-Identifier: MIT */
/*
 * mkmtlb: packs our own .air files (llvm-as output of the fixtures) into a metallib the way
 * spec/air.md §6 describes: NAME/TYPE/HASH/MDSZ/OFFT/VERS groups (either tag order), an
 * ENDT-only header extension, empty 8-byte metadata groups, 16-byte bitcode slots with their
 * SHA-256. Test tool, single-threaded; never commits or reads Apple binaries.
 * usage: mkmtlb [--alt-order] -o OUT FILE.air:NAME:TYPE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "air/sha256.h"
#include "memory/reader.h"

struct fn {
    const char *name;
    unsigned type;
    unsigned char *bc;
    size_t size, slot;
};

static unsigned char *
slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

static void
tag(unsigned char **p, const char *cc, const void *payload, unsigned len)
{
    memcpy(*p, cc, 4);
    mem_put_le16(*p + 4, (uint16_t)len);
    memcpy(*p + 6, payload, len);
    *p += 6 + len;
}

int
main(int argc, char **argv)
{
    const char *out = NULL;
    bool alt = false;
    struct fn fns[16];
    int nf = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--alt-order") == 0) {
            alt = true;
        } else if (nf < 16) {
            char *spec = argv[i];
            char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            if (!c2) {
                fprintf(stderr, "mkmtlb: want FILE:NAME:TYPE, got %s\n", spec);
                return 2;
            }
            *c1 = *c2 = 0;
            fns[nf].name = c1 + 1;
            fns[nf].type = (unsigned)atoi(c2 + 1);
            fns[nf].bc = slurp(spec, &fns[nf].size);
            if (!fns[nf].bc) {
                fprintf(stderr, "mkmtlb: cannot read %s\n", spec);
                return 1;
            }
            fns[nf].slot = (fns[nf].size + 15) & ~(size_t)15;
            nf++;
        }
    }
    if (!out || nf == 0) {
        fprintf(stderr, "usage: mkmtlb [--alt-order] -o OUT FILE.air:NAME:TYPE...\n");
        return 2;
    }
    size_t total_bc = 0;
    for (int i = 0; i < nf; i++)
        total_bc += fns[i].slot;
    unsigned char *buf = calloc(1, 88 + 4 + (size_t)nf * 512 + 4 + (size_t)nf * 16 + total_bc);
    if (!buf)
        return 1;
    unsigned char *p = buf + 88 + 4;
    size_t bc_off = 0;
    for (int i = 0; i < nf; i++) {
        unsigned char *g = p;
        p += 4;
        unsigned char hash[32], offt[24], mdsz[8], vers[8] = { 2, 0, 7, 0, 3, 0, 1, 0 };
        unsigned char *slot = calloc(1, fns[i].slot);
        memcpy(slot, fns[i].bc, fns[i].size);
        air_sha256(slot, fns[i].slot, hash);
        free(slot);
        mem_put_le64(offt, (uint64_t)i * 8);
        mem_put_le64(offt + 8, (uint64_t)i * 8);
        mem_put_le64(offt + 16, bc_off);
        mem_put_le64(mdsz, fns[i].slot);
        uint8_t type = (uint8_t)fns[i].type;
        tag(&p, "NAME", fns[i].name, (unsigned)strlen(fns[i].name) + 1);
        tag(&p, "TYPE", &type, 1);
        tag(&p, "HASH", hash, 32);
        if (!alt)
            tag(&p, "MDSZ", mdsz, 8);
        tag(&p, "OFFT", offt, 24);
        tag(&p, "VERS", vers, 8);
        if (alt)
            tag(&p, "MDSZ", mdsz, 8);
        memcpy(p, "ENDT", 4);
        p += 4;
        mem_put_le32(g, (uint32_t)(p - g));
        bc_off += fns[i].slot;
    }
    size_t list_size = (size_t)(p - (buf + 88 + 4));
    memcpy(p, "ENDT", 4); /* header extension */
    p += 4;
    size_t pub_off = (size_t)(p - buf);
    for (int i = 0; i < nf; i++) {
        mem_put_le32(p, 4);
        memcpy(p + 4, "ENDT", 4);
        p += 8;
    }
    size_t priv_off = (size_t)(p - buf);
    for (int i = 0; i < nf; i++) {
        mem_put_le32(p, 4);
        memcpy(p + 4, "ENDT", 4);
        p += 8;
    }
    size_t bcs = (size_t)(p - buf);
    for (int i = 0; i < nf; i++) {
        memcpy(p, fns[i].bc, fns[i].size);
        p += fns[i].slot;
        free(fns[i].bc);
    }
    size_t total = (size_t)(p - buf);
    memcpy(buf, "MTLB", 4);
    mem_put_le16(buf + 4, 0x8001);
    mem_put_le16(buf + 6, 2);
    mem_put_le16(buf + 8, 8);
    buf[10] = 0;
    buf[11] = 0x81;
    mem_put_le16(buf + 12, 14);
    mem_put_le16(buf + 14, 0);
    mem_put_le64(buf + 0x10, total);
    mem_put_le64(buf + 0x18, 88);
    mem_put_le64(buf + 0x20, list_size);
    mem_put_le64(buf + 0x28, pub_off);
    mem_put_le64(buf + 0x30, (uint64_t)nf * 8);
    mem_put_le64(buf + 0x38, priv_off);
    mem_put_le64(buf + 0x40, (uint64_t)nf * 8);
    mem_put_le64(buf + 0x48, bcs);
    mem_put_le64(buf + 0x50, total - bcs);
    mem_put_le32(buf + 88, (uint32_t)nf);
    FILE *f = fopen(out, "wb");
    int rc = !f || fwrite(buf, 1, total, f) != total;
    if (f && fclose(f) != 0)
        rc = 1;
    free(buf);
    return rc;
}
