/* SPDX-License-Identifier: MIT */
/*
 * Memory-layer benchmarks (spec/performance.md §4.2, §4.3): radix translation through a
 * mem_xlate context (VA → GPA → host pointer, region lookup included) against a flat array
 * lookup of the same VA sequence, and cross-page guest copies against memcpy of the same
 * bytes. The task is a 64 MiB range of 4 KiB pages scattered at random over a memfd-backed
 * region under a 3-level table. Arms alternate A B A B, warm-up rounds excluded, medians of
 * n rounds; one JSON line per figure on stdout. Usage: bench-memory [machine-label].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libapplegfx-vulkan.h>

#include "common.h"
#include "memory/guest.h"
#include "memory/reader.h"
#include "memory/xlate.h"

#define PG         4096ull
#define TASK_PAGES 16384u /* 64 MiB of task VA */
#define RAM_PAGES  40960u /* 160 MiB: data pages are 16384 of the 32768 from page 8192 up */
#define DATA_FIRST 8192u
#define ROOT_PFN   1u
#define TOP_PFN    2u
#define MID_PFN    3u
#define LEAF_PFN   4u /* 16 leaves: 4..19 */
#define ROUNDS     21
#define WARMUP     3

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t
next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct setup {
    uint8_t *host;
    struct mem_guest *g;
    struct mem_space space;
    uint64_t *flat; /* flat[vpn] = host address of that page */
    uint32_t data_pfn[TASK_PAGES];
};

static void
put32(struct setup *s, uint64_t gpa, uint32_t v)
{
    mem_put_le32(s->host + gpa, v);
}

static void
setup_init(struct setup *s)
{
    int fd = memfd_create("bench-ram", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)(RAM_PAGES * PG)) != 0) {
        perror("memfd");
        exit(1);
    }
    s->host = mmap(NULL, RAM_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s->host == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    /* Scatter: a shuffled choice of 16384 of the 32768 pages above DATA_FIRST. */
    static uint32_t pool[RAM_PAGES - DATA_FIRST];
    uint32_t npool = RAM_PAGES - DATA_FIRST;
    for (uint32_t i = 0; i < npool; i++)
        pool[i] = DATA_FIRST + i;
    for (uint32_t i = npool - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(next_rand() % (i + 1));
        uint32_t t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
    }
    s->flat = malloc(TASK_PAGES * sizeof(*s->flat));
    if (!s->flat)
        exit(1);
    put32(s, ROOT_PFN * PG, TOP_PFN);
    put32(s, ROOT_PFN * PG + 4, 3);
    put32(s, TOP_PFN * PG, MID_PFN);
    for (uint32_t l = 0; l < TASK_PAGES / 1024; l++)
        put32(s, MID_PFN * PG + l * 4, LEAF_PFN + l);
    for (uint32_t p = 0; p < TASK_PAGES; p++) {
        s->data_pfn[p] = pool[p];
        put32(s, (LEAF_PFN + p / 1024) * PG + (p % 1024) * 4, pool[p]);
        memset(s->host + pool[p] * PG, (int)(p & 0xFF), PG); /* fault the page in */
        s->flat[p] = (uint64_t)(uintptr_t)(s->host + pool[p] * PG);
    }
    lagfx_ram_region_t reg = {
        .gpa = 0, .length = RAM_PAGES * PG, .host_ptr = s->host, .fd = fd, .flags = LAGFX_RAM_HAS_FD
    };
    if (mem_guest_new(NULL, &s->g) != LAGFX_OK || mem_guest_set_regions(s->g, &reg, 1) != LAGFX_OK)
        exit(1);
    close(fd);
    s->space = (struct mem_space){ .root_pfn = ROOT_PFN, .ranges = NULL };
}

/* ---- translation ---- */

static uint64_t
run_xlate(struct setup *s, const uint64_t *va, size_t count, unsigned commands)
{
    struct mem_xlate x;
    uint64_t acc = 0, t0 = bench_now_ns();
    for (unsigned c = 0; c < commands; c++) {
        mem_xlate_begin(&x, s->g, &s->space);
        for (size_t i = 0; i < count; i++) {
            acc += (uintptr_t)mem_xlate_view(&x, va[i], 1);
            __asm__ volatile("" : "+r"(acc));
        }
        mem_xlate_end(&x);
    }
    uint64_t t = bench_now_ns() - t0;
    bench_consume(acc);
    return t;
}

static uint64_t
run_flat(struct setup *s, const uint64_t *va, size_t count, unsigned commands)
{
    const uint64_t *flat = s->flat;
    uint64_t acc = 0, t0 = bench_now_ns();
    for (unsigned c = 0; c < commands; c++) {
        for (size_t i = 0; i < count; i++) {
            acc += flat[va[i] >> 12] | (va[i] & 0xFFF);
            /* One scalar lookup per VA, as the other arm: no vectorised sum of loads. */
            __asm__ volatile("" : "+r"(acc));
        }
    }
    uint64_t t = bench_now_ns() - t0;
    bench_consume(acc);
    return t;
}

static void
bench_translate(const struct bench_env *env,
                struct setup *s,
                const char *name,
                const uint64_t *va,
                size_t count,
                unsigned commands,
                double goal)
{
    struct bench_figure f = { .name = name,
                              .unit = "ns",
                              .baseline_name = "lookup.flat",
                              .better = "lower",
                              .goal_ratio = goal,
                              .goal_value = -1 };
    double per = (double)count * commands;
    /* Check once that both arms agree on every address. */
    struct mem_xlate x;
    mem_xlate_begin(&x, s->g, &s->space);
    for (size_t i = 0; i < count; i++) {
        if ((uintptr_t)mem_xlate_view(&x, va[i], 1) != (s->flat[va[i] >> 12] | (va[i] & 0xFFF))) {
            fprintf(stderr, "%s: mismatch at VA 0x%llx\n", name, (unsigned long long)va[i]);
            exit(1);
        }
    }
    mem_xlate_end(&x);
    for (int r = 0; r < WARMUP + ROUNDS; r++) {
        double a = (double)run_xlate(s, va, count, commands) / per;
        double b = (double)run_flat(s, va, count, commands) / per;
        if (r >= WARMUP) {
            f.value[f.n] = a;
            f.baseline[f.n] = b;
            f.n++;
        }
    }
    bench_print(env, &f);
}

/* ---- cross-page copy ---- */

#define COPY_STARTS 16

static void
bench_copy(const struct bench_env *env, struct setup *s, const char *name, size_t size)
{
    struct bench_figure f = { .name = name,
                              .unit = "GB/s",
                              .baseline_name = "memcpy.same_bytes",
                              .better = "higher",
                              .goal_ratio = 0.5,
                              .goal_value = -1 };
    /* Starts rotate through the range, each mid-page (offset 0x7A0 + 64·i). */
    uint64_t start[COPY_STARTS];
    uint64_t stride = (size + PG) & ~(PG - 1);
    for (int i = 0; i < COPY_STARTS; i++)
        start[i] = (uint64_t)i * stride + 0x7A0 + 64 * (uint64_t)i;
    uint64_t footprint = (uint64_t)COPY_STARTS * stride + PG;
    if (footprint > TASK_PAGES * PG)
        exit(1);
    /* Contiguous copy of the same task bytes, same offsets: the baseline's source. It is a
     * memfd mapping like guest RAM, so both arms see the same page size (4 KiB shmem pages,
     * no transparent huge pages) and differ only by contiguity and the library's work. */
    int cfd = memfd_create("bench-contig", MFD_CLOEXEC);
    if (cfd < 0 || ftruncate(cfd, (off_t)footprint) != 0)
        exit(1);
    uint8_t *contig = mmap(NULL, footprint, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
    close(cfd);
    uint8_t *dst = aligned_alloc(64, size);
    if (contig == MAP_FAILED || !dst)
        exit(1);
    for (uint64_t p = 0; p < footprint / PG; p++)
        memcpy(contig + p * PG, (void *)(uintptr_t)s->flat[p], PG);

    struct mem_xlate x;
    mem_xlate_begin(&x, s->g, &s->space);
    for (int i = 0; i < COPY_STARTS; i++) {
        if (!mem_xlate_read(&x, start[i], dst, size) || memcmp(dst, contig + start[i], size)) {
            fprintf(stderr, "%s: copy mismatch\n", name);
            exit(1);
        }
    }
    mem_xlate_end(&x);

    double bytes = (double)size * COPY_STARTS;
    for (int r = 0; r < WARMUP + ROUNDS; r++) {
        uint64_t t0 = bench_now_ns();
        mem_xlate_begin(&x, s->g, &s->space);
        for (int i = 0; i < COPY_STARTS; i++)
            mem_xlate_read(&x, start[i], dst, size);
        mem_xlate_end(&x);
        uint64_t ta = bench_now_ns() - t0;
        bench_consume(dst[size / 2]);
        t0 = bench_now_ns();
        for (int i = 0; i < COPY_STARTS; i++) {
            memcpy(dst, contig + start[i], size);
            __asm__ volatile("" ::"r"(dst) : "memory");
        }
        uint64_t tb = bench_now_ns() - t0;
        bench_consume(dst[size / 2]);
        if (r >= WARMUP) {
            f.value[f.n] = bytes / (double)ta; /* bytes per ns = GB/s */
            f.baseline[f.n] = bytes / (double)tb;
            f.n++;
        }
    }
    bench_print(env, &f);
    munmap(contig, footprint);
    free(dst);
}

int
main(int argc, char **argv)
{
    struct bench_env env;
    bench_env_init(&env, argc, argv);
    lagfx_set_log_level(LAGFX_LOG_ERROR);
    static struct setup s;
    setup_init(&s);

    /* Cached: 1024 VAs within 64 hot pages per outer command, 16 commands a round. */
    static uint64_t hot_va[1024];
    uint32_t hot[64];
    for (int i = 0; i < 64; i++)
        hot[i] = (uint32_t)(next_rand() % TASK_PAGES);
    for (int i = 0; i < 1024; i++)
        hot_va[i] = ((uint64_t)hot[next_rand() % 64] << 12) | (next_rand() & 0xFFF);
    bench_translate(&env, &s, "radix.translate.cached", hot_va, 1024, 16, 3);

    /* Uncached: every page once, in random order, right after the cache was emptied. */
    static uint64_t all_va[TASK_PAGES];
    for (uint32_t i = 0; i < TASK_PAGES; i++)
        all_va[i] = (uint64_t)i << 12;
    for (uint32_t i = TASK_PAGES - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(next_rand() % (i + 1));
        uint64_t t = all_va[i];
        all_va[i] = all_va[j] | (next_rand() & 0xFFF);
        all_va[j] = t;
    }
    bench_translate(&env, &s, "radix.translate.uncached", all_va, TASK_PAGES, 1, 8);

    bench_copy(&env, &s, "guestcopy.cross_page.16k", 16 << 10);
    bench_copy(&env, &s, "guestcopy.cross_page.1m", 1 << 20);

    mem_guest_free(s.g);
    free(s.flat);
    munmap(s.host, RAM_PAGES * PG);
    return 0;
}
