/* SPDX-License-Identifier: MIT */
/*
 * air-isolate: air_translate through lagfx-air-worker (src/air/isolate.c). Isolated and
 * in-process translation give identical words and reflection; the fuzzer's LLVM-crashing
 * inputs (tests/air/crash) cost a worker and an INVALID_DATA naming SIGSEGV, and the next
 * translation works; the seccomp filter really kills; a hanging, vanishing, lying or
 * truncating worker (fake_worker) is killed and reported without SIGPIPE; a missing binary is
 * a clear, uncached error; concurrent callers share the pool; no fd or child outlives
 * air_isolate_shutdown. args: FAKE_WORKER N CRASH.air×N (the SEGV one first) GOOD.air...
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "air/air.h"
#include "air/cache.h"
#include "air/isolate.h"
#include "check.h"
#include "util/alloc.h"
#include "util/clock.h"

static int
count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    REQUIRE(d);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own fd */
}

static void
same_result(const char *name, const struct air_result *a, const struct air_result *b)
{
    CHECK_EQ_U64(a->word_count, b->word_count);
    if (a->word_count == b->word_count)
        CHECK_MEM(a->words, b->words, a->word_count * 4);
    char *ja = air_result_json(a), *jb = air_result_json(b);
    REQUIRE(ja && jb);
    if (strcmp(ja, jb) != 0)
        fprintf(stderr, "%s: reflection differs:\n  %s\n  %s\n", name, ja, jb);
    CHECK(strcmp(ja, jb) == 0);
    ut_free(ja);
    ut_free(jb);
}

static unsigned char *good;
static size_t good_size;

/* One translation of the first good fixture; returns the status and fills d. */
static enum air_status
run_good(struct air_diag *d, bool *transient)
{
    struct air_result *r = NULL;
    memset(d, 0, sizeof(*d));
    enum air_status st = air_isolate_translate(good, good_size, NULL, &r, d, transient);
    if (st == AIR_OK)
        air_result_unref(r);
    return st;
}

static void
expect_fake(const char *mode, enum air_status want, const char *msg, bool want_transient)
{
    air_isolate_shutdown();
    setenv("LAGFX_FAKE_WORKER_MODE", mode, 1);
    struct air_diag d;
    bool transient = !want_transient;
    uint64_t t0 = ut_now_ns();
    enum air_status st = run_good(&d, &transient);
    double s = (double)(ut_now_ns() - t0) / 1e9;
    if (st != want || !strstr(d.msg, msg) || transient != want_transient)
        fprintf(stderr, "fake worker '%s': %s, transient %d: %s\n", mode, air_status_string(st),
                transient, d.msg);
    CHECK_EQ_INT(st, want);
    CHECK(strstr(d.msg, msg) != NULL);
    CHECK_EQ_INT(transient, want_transient);
    CHECK(s < 5.0); /* the 500 ms deadline (plus a 1 s grace) bounds every failure */
}

struct thread_arg {
    int ok;
};

static void *
thread_main(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 5; i++) {
        struct air_diag d;
        if (run_good(&d, NULL) == AIR_OK)
            a->ok++;
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    REQUIRE(argc >= 5);
    const char *fake = argv[1];
    int ncrash = atoi(argv[2]);
    REQUIRE(ncrash >= 1 && argc >= 4 + ncrash);
    char **crash = &argv[3];
    int first_good = 3 + ncrash;
    int fds0 = count_fds();
    good = check_slurp(argv[first_good], &good_size);

    /* 1. Isolated = in-process, one (prewarmed) worker reused for every fixture. */
    struct air_isolate_stats st0, st1;
    air_isolate_get_stats(&st0);
    air_isolate_prewarm();
    air_isolate_prewarm(); /* a running worker is kept */
    for (int i = first_good; i < argc; i++) {
        size_t n;
        unsigned char *b = check_slurp(argv[i], &n);
        struct air_result *ri = NULL, *rp = NULL;
        struct air_diag di = { { 0 } }, dp = { { 0 } };
        enum air_status si = air_translate(b, n, NULL, &ri, &di);
        enum air_status sp = air_translate_in_process(b, n, NULL, &rp, &dp);
        CHECK_EQ_INT(si, sp);
        CHECK_STR(di.msg, dp.msg);
        if (si == AIR_OK && sp == AIR_OK)
            same_result(argv[i], ri, rp);
        if (ri)
            air_result_unref(ri);
        if (rp)
            air_result_unref(rp);
        free(b);
    }
    air_isolate_get_stats(&st1);
    CHECK_EQ_U64(st1.spawns - st0.spawns, 1);
    CHECK_EQ_U64(st1.requests - st0.requests, (uint64_t)(argc - first_good));
    /* The kernel has seccomp (a Seccomp: line in /proc/self/status): the worker must use it. */
    FILE *ps = fopen("/proc/self/status", "r");
    bool has_seccomp = false;
    char line[256];
    while (ps && fgets(line, sizeof(line), ps))
        has_seccomp |= strncmp(line, "Seccomp:", 8) == 0;
    if (ps)
        fclose(ps);
    if (has_seccomp)
        CHECK(st1.sandboxed);

    /* 2. The LLVM-crashing inputs: an error naming the signal, then business as usual. */
    struct air_result *r = NULL;
    struct air_diag d = { { 0 } };
    bool transient = true;
    for (int i = 0; i < ncrash; i++) {
        size_t cn;
        unsigned char *cb = check_slurp(crash[i], &cn);
        memset(&d, 0, sizeof(d));
        transient = true;
        CHECK_EQ_INT(air_isolate_translate(cb, cn, NULL, &r, &d, &transient), AIR_INVALID_DATA);
        if (!strstr(d.msg, "killed by signal"))
            fprintf(stderr, "%s: %s\n", crash[i], d.msg);
        CHECK(strstr(d.msg, "killed by signal") != NULL);
        CHECK(i != 0 || strstr(d.msg, "SIGSEGV") != NULL);
        CHECK(!transient); /* cached like any bad input */
        air_isolate_get_stats(&st0);
        CHECK_EQ_U64(st0.crashes - st1.crashes, 1);
        CHECK_EQ_INT(run_good(&d, NULL), AIR_OK);
        air_isolate_get_stats(&st1);
        CHECK_EQ_U64(st1.spawns - st0.spawns, 1);
        free(cb);
    }

    /* 3. The filter kills: the worker's self-test makes a forbidden socket() call. */
    if (has_seccomp) {
        air_isolate_shutdown();
        setenv("LAGFX_AIR_WORKER_SELFTEST", "socket", 1);
        CHECK_EQ_INT(run_good(&d, &transient), AIR_NOT_SUPPORTED);
        CHECK(strstr(d.msg, "SIGSYS") != NULL);
        CHECK(transient);
        unsetenv("LAGFX_AIR_WORKER_SELFTEST");
    }

    /* 4. Misbehaving workers. */
    setenv(AIR_ISOLATE_WORKER_ENV, fake, 1);
    air_isolate_set_timeout_ms(500);
    air_isolate_get_stats(&st0);
    expect_fake("hang", AIR_INVALID_DATA, "timed out after 500 ms", false);
    air_isolate_get_stats(&st1);
    CHECK_EQ_U64(st1.timeouts - st0.timeouts, 1);
    expect_fake("noread", AIR_NOT_SUPPORTED, "cannot reach", true);
    expect_fake("garbage", AIR_INVALID_DATA, "malformed response header", false);
    expect_fake("huge", AIR_INVALID_DATA, "malformed response header", false);
    expect_fake("short", AIR_INVALID_DATA, "exited with status 3", false);
    expect_fake("badresult", AIR_INVALID_DATA, "malformed result", false);
    expect_fake("abort", AIR_INVALID_DATA, "signal 6 (SIGABRT)", false);
    expect_fake("badhello", AIR_NOT_SUPPORTED, "another protocol", true);
    expect_fake("nohello", AIR_NOT_SUPPORTED, "did not answer within 500 ms", true);
    air_isolate_set_timeout_ms(0);

    /* 5. No binary: a clear error the cache does not keep. */
    air_isolate_shutdown();
    setenv(AIR_ISOLATE_WORKER_ENV, "/nonexistent/lagfx-air-worker", 1);
    struct air_cache *c;
    REQUIRE(air_cache_new(0, "", &c) == AIR_OK);
    for (int k = 0; k < 2; k++) {
        memset(&d, 0, sizeof(d));
        CHECK_EQ_INT(air_cache_translate(c, good, good_size, NULL, &r, &d), AIR_NOT_SUPPORTED);
        CHECK(strstr(d.msg, "cannot start translator worker /nonexistent/lagfx-air-worker") !=
              NULL);
    }
    unsetenv(AIR_ISOLATE_WORKER_ENV);
    CHECK_EQ_INT(air_cache_translate(c, good, good_size, NULL, &r, &d), AIR_OK);
    air_result_unref(r);
    /* A hit never reaches a worker. */
    air_isolate_get_stats(&st0);
    CHECK_EQ_INT(air_cache_translate(c, good, good_size, NULL, &r, &d), AIR_OK);
    air_result_unref(r);
    air_isolate_get_stats(&st1);
    CHECK_EQ_U64(st1.requests, st0.requests);
    CHECK_EQ_U64(st1.spawns, st0.spawns);
    struct air_cache_stats cs;
    air_cache_get_stats(c, &cs);
    CHECK_EQ_U64(cs.misses, 3);
    CHECK_EQ_U64(cs.mem_hits, 1);
    air_cache_free(c);

    /* 6. Concurrent callers share AIR_ISOLATE_WORKERS workers. */
    pthread_t th[4];
    struct thread_arg ta[4] = { { 0 } };
    for (int i = 0; i < 4; i++)
        REQUIRE(pthread_create(&th[i], NULL, thread_main, &ta[i]) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(ta[i].ok, 5);
    }

    /* 7. Nothing left behind. */
    air_isolate_shutdown();
    CHECK_EQ_INT(count_fds(), fds0);
    errno = 0;
    CHECK_EQ_INT(waitpid(-1, NULL, WNOHANG), -1);
    CHECK_EQ_INT(errno, ECHILD);
    free(good);
    return check_finish();
}
