/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helpers (spec/performance.md §1, §2): gathers the env object from /proc, /sys,
 * uname, /etc/os-release and git, and prints figures as single JSON lines with medians, spread
 * and paired ratios. No host names or paths are recorded. Single-threaded.
 */
#include "common.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_BUILDTYPE
#define BENCH_BUILDTYPE "unknown"
#endif
#ifndef BENCH_CC
#define BENCH_CC "unknown"
#endif

static volatile uint64_t sink;

void
bench_consume(uint64_t v)
{
    sink += v;
}

uint64_t
bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

static void
trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* First line of a small file, trimmed; false if unreadable or empty. */
static bool
read_line(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(out, (int)size, f) != NULL;
    fclose(f);
    if (ok)
        trim(out);
    return ok && out[0];
}

/* Value of "key<sep>value" from a file of such lines; strips quotes. */
static bool
read_keyed(const char *path, const char *key, char sep, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    char line[512];
    size_t klen = strlen(key);
    bool found = false;
    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, klen) != 0)
            continue;
        char *p = line + klen;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != sep)
            continue;
        p++;
        while (*p == ' ' || *p == '"')
            p++;
        trim(p);
        size_t n = strlen(p);
        if (n > 0 && p[n - 1] == '"')
            p[n - 1] = '\0';
        copy_str(out, size, p);
        found = true;
    }
    fclose(f);
    return found;
}

static bool
cpu_has_flag(const char *flag)
{
    char flags[4096];
    if (!read_keyed("/proc/cpuinfo", "flags", ':', flags, sizeof(flags)))
        return false;
    size_t n = strlen(flag);
    for (const char *p = flags; (p = strstr(p, flag)) != NULL; p += n) {
        if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    }
    return false;
}

void
bench_env_init(struct bench_env *env, int argc, char **argv)
{
    memset(env, 0, sizeof(*env));
    copy_str(env->machine, sizeof(env->machine), argc > 1 ? argv[1] : "local");
    if (!read_keyed("/proc/cpuinfo", "model name", ':', env->cpu, sizeof(env->cpu)))
        copy_str(env->cpu, sizeof(env->cpu), "unknown");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    env->cores = cores > 0 ? (int)cores : 0;
    if (!cpu_has_flag("hypervisor"))
        copy_str(env->virt, sizeof(env->virt), "none");
    else if (!read_line("/sys/class/dmi/id/sys_vendor", env->virt, sizeof(env->virt)) &&
             !read_line("/sys/class/dmi/id/product_name", env->virt, sizeof(env->virt)))
        copy_str(env->virt, sizeof(env->virt), "unknown");
    struct utsname u;
    copy_str(env->kernel, sizeof(env->kernel), uname(&u) == 0 ? u.release : "unknown");
    if (!read_keyed("/etc/os-release", "PRETTY_NAME", '=', env->os, sizeof(env->os)))
        copy_str(env->os, sizeof(env->os), "unknown");
    copy_str(env->commit, sizeof(env->commit), "unknown");
    FILE *git = popen("git rev-parse --short HEAD 2>/dev/null", "r");
    if (git) {
        char line[64];
        if (fgets(line, sizeof(line), git)) {
            trim(line);
            if (line[0])
                copy_str(env->commit, sizeof(env->commit), line);
        }
        pclose(git);
    }
    const char *lp = getenv("LP_NUM_THREADS");
    copy_str(env->lp_num_threads, sizeof(env->lp_num_threads), lp ? lp : "unset");
    const char *gt = getenv("GLIBC_TUNABLES");
    copy_str(env->glibc_tunables, sizeof(env->glibc_tunables), gt ? gt : "unset");
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

double
bench_median(const double *v, size_t n)
{
    double tmp[BENCH_MAX_REPS];
    if (n == 0)
        return NAN;
    if (n > BENCH_MAX_REPS)
        n = BENCH_MAX_REPS;
    memcpy(tmp, v, n * sizeof(*v));
    qsort(tmp, n, sizeof(*tmp), cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

double
bench_min(const double *v, size_t n)
{
    double m = v[0];
    for (size_t i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

double
bench_max(const double *v, size_t n)
{
    double m = v[0];
    for (size_t i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

/* A JSON string (escapes quotes, backslashes and control characters). */
static void
put_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void
put_num(double v)
{
    if (isfinite(v))
        printf("%.4g", v);
    else
        printf("null");
}

void
bench_print(const struct bench_env *env, const struct bench_figure *f)
{
    double ratios[BENCH_MAX_REPS];
    size_t n = f->n > BENCH_MAX_REPS ? BENCH_MAX_REPS : f->n;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        ratios[i] = f->value[i] / f->baseline[i];

    printf("{\"name\":");
    put_str(f->name);
    printf(",\"value\":");
    put_num(bench_median(f->value, n));
    printf(",\"unit\":");
    put_str(f->unit);
    printf(",\"baseline\":");
    put_num(bench_median(f->baseline, n));
    printf(",\"baseline_name\":");
    put_str(f->baseline_name);
    printf(",\"ratio\":");
    put_num(bench_median(ratios, n));
    printf(",\"better\":");
    put_str(f->better);
    printf(",\"goal\":");
    if (f->goal_ratio < 0 && f->goal_value < 0) {
        printf("null");
    } else {
        const char *sep = "{";
        if (f->goal_ratio >= 0) {
            printf("%s\"ratio\":", sep);
            put_num(f->goal_ratio);
            sep = ",";
        }
        if (f->goal_value >= 0) {
            printf("%s\"value\":", sep);
            put_num(f->goal_value);
        }
        printf("}");
    }
    printf(",\"n\":%zu,\"min\":", n);
    put_num(bench_min(f->value, n));
    printf(",\"max\":");
    put_num(bench_max(f->value, n));
    printf(",\"ratio_min\":");
    put_num(bench_min(ratios, n));
    printf(",\"ratio_max\":");
    put_num(bench_max(ratios, n));

    printf(",\"env\":{\"machine\":");
    put_str(env->machine);
    printf(",\"cpu\":");
    put_str(env->cpu);
    printf(",\"cores\":%d,\"virt\":", env->cores);
    put_str(env->virt);
    printf(",\"kernel\":");
    put_str(env->kernel);
    printf(",\"os\":");
    put_str(env->os);
    printf(",\"commit\":");
    put_str(env->commit);
    printf(",\"buildtype\":");
    put_str(BENCH_BUILDTYPE);
    printf(",\"cc\":");
    put_str(BENCH_CC);
    printf(",\"vk_device\":null,\"vk_driver\":null,\"lp_num_threads\":");
    put_str(env->lp_num_threads);
    printf(",\"resolution\":null,\"glibc_tunables\":");
    put_str(env->glibc_tunables);
    printf(",\"calib\":{}}}\n");
    fflush(stdout);
}
