/* SPDX-License-Identifier: MIT */
/*
 * Test assertions (STYLE §11): a failed check prints file, line, expected and actual, and
 * marks the test failed; the test exits with check_finish(). Exit 77 = skip.
 */
#ifndef LAGFX_TESTS_CHECK_H
#define LAGFX_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                        \
        }                                                                            \
    } while (0)

#define CHECK_EQ_U64(actual, expected)                                                             \
    do {                                                                                           \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);                               \
        if (a_ != e_) {                                                                            \
            fprintf(stderr, "%s:%d: %s: expected 0x%" PRIx64 ", actual 0x%" PRIx64 "\n", __FILE__, \
                    __LINE__, #actual, e_, a_);                                                    \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_U32(actual, expected) CHECK_EQ_U64((uint32_t)(actual), (uint32_t)(expected))

#define CHECK_EQ_INT(actual, expected)                                                     \
    do {                                                                                   \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                    \
        if (a_ != e_) {                                                                    \
            fprintf(stderr, "%s:%d: %s: expected %lld, actual %lld\n", __FILE__, __LINE__, \
                    #actual, e_, a_);                                                      \
            check_failures++;                                                              \
        }                                                                                  \
    } while (0)

#define CHECK_STATUS(actual, expected)                                                          \
    do {                                                                                        \
        lagfx_status_t a_ = (actual), e_ = (expected);                                          \
        if (a_ != e_) {                                                                         \
            fprintf(stderr, "%s:%d: %s: expected %s, actual %s\n", __FILE__, __LINE__, #actual, \
                    lagfx_status_string(e_), lagfx_status_string(a_));                          \
            check_failures++;                                                                   \
        }                                                                                       \
    } while (0)

#define CHECK_STR(actual, expected)                                                            \
    do {                                                                                       \
        const char *a_ = (actual), *e_ = (expected);                                           \
        if (!a_ || strcmp(a_, e_) != 0) {                                                      \
            fprintf(stderr, "%s:%d: %s: expected \"%s\", actual \"%s\"\n", __FILE__, __LINE__, \
                    #actual, e_, a_ ? a_ : "(null)");                                          \
            check_failures++;                                                                  \
        }                                                                                      \
    } while (0)

#define CHECK_MEM(actual, expected, len)                                                      \
    do {                                                                                      \
        if (memcmp((actual), (expected), (len)) != 0) {                                       \
            fprintf(stderr, "%s:%d: %s differs from %s over %zu bytes\n", __FILE__, __LINE__, \
                    #actual, #expected, (size_t)(len));                                       \
            check_failures++;                                                                 \
        }                                                                                     \
    } while (0)

/* Stops the test at once (for checks later code depends on). */
#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

/* A whole file read into a malloc'd buffer (the caller frees it); stops the test when the
 * file cannot be read. */
static inline uint8_t *
check_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    REQUIRE(fseek(f, 0, SEEK_END) == 0);
    long n = ftell(f);
    REQUIRE(n >= 0 && fseek(f, 0, SEEK_SET) == 0);
    uint8_t *p = malloc(n ? (size_t)n : 1);
    REQUIRE(p && fread(p, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static inline int
check_finish(void)
{
    if (check_failures)
        fprintf(stderr, "%d check(s) failed\n", check_failures);
    return check_failures ? 1 : 0;
}

#endif /* LAGFX_TESTS_CHECK_H */
