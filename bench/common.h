/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helpers (spec/performance.md §1, §2): the env object (machine, cpu, cores, virt,
 * kernel, os, commit, buildtype, cc, …), medians and paired ratios over interleaved A/B rounds,
 * and one JSON line per figure on stdout. Prose goes to stderr. Single-threaded.
 */
#ifndef LAGFX_BENCH_COMMON_H
#define LAGFX_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_REPS 256

struct bench_env {
    char machine[64];
    char cpu[128];
    int cores;
    char virt[64];
    char kernel[128];
    char os[128];
    char commit[48];
    char lp_num_threads[64];
    char glibc_tunables[256];
};

/* Fills env; the machine label is argv[1] when given, else "local". */
void bench_env_init(struct bench_env *env, int argc, char **argv);

/* Paired A/B results of one figure: value[i] and baseline[i] come from round i. */
struct bench_figure {
    const char *name;          /* area.what[.workload] */
    const char *unit;          /* "ns", "GB/s", … */
    const char *baseline_name; /* "lookup.flat", "memcpy.same_bytes", … */
    const char *better;        /* "lower" or "higher" */
    double goal_ratio;         /* < 0: none */
    double goal_value;         /* < 0: none */
    size_t n;
    double value[BENCH_MAX_REPS];
    double baseline[BENCH_MAX_REPS];
};

/* Median of v[0..n) (n > 0; v is not modified). */
double bench_median(const double *v, size_t n);
double bench_min(const double *v, size_t n);
double bench_max(const double *v, size_t n);

/* Prints the figure as one JSON line (performance.md §2): value, baseline and min/max over
 * the rounds, ratio = median of value[i] / baseline[i], ratio_min/ratio_max, goal, env. */
void bench_print(const struct bench_env *env, const struct bench_figure *f);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* Keeps a value alive against the optimiser. */
void bench_consume(uint64_t v);

#endif /* LAGFX_BENCH_COMMON_H */
