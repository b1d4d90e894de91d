/* SPDX-License-Identifier: MIT */
/*
 * Log facility and rate limiter (spec/api.md §5.1, §8 rule 4, §10 LAGFX_LOG). The handler and
 * level are process-wide; a handler swap waits until no thread is inside the old handler, so
 * "on return the old handler is idle". Any thread.
 */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"

#define LOG_MAX_DOMAINS 16

struct log_domain_level {
    char name[16];
    lagfx_log_level_t level;
};

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static _Atomic int base_level = LAGFX_LOG_WARN;
static _Atomic int override_level = -1; /* lagfx_set_log_level, -1 = none */
static struct log_domain_level domain_levels[LOG_MAX_DOMAINS];
static int domain_level_count;

static pthread_rwlock_t handler_lock = PTHREAD_RWLOCK_INITIALIZER;
static lagfx_log_fn handler_fn;
static void *handler_user;

static int
parse_level(const char *s, size_t len)
{
    static const char *const names[] = { "off", "error", "warn", "info", "debug", "trace" };
    for (int i = 0; i < 6; i++) {
        if (strlen(names[i]) == len && strncasecmp(s, names[i], len) == 0)
            return i;
    }
    return -1;
}

static void
read_env(void)
{
    const char *env = secure_getenv("LAGFX_LOG");
    domain_level_count = 0;
    if (!env || !*env)
        return;
    const char *p = env;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq) {
            size_t nlen = (size_t)(eq - p);
            int lv = parse_level(eq + 1, len - nlen - 1);
            if (lv >= 0 && nlen > 0 && nlen < sizeof(domain_levels[0].name) &&
                domain_level_count < LOG_MAX_DOMAINS) {
                struct log_domain_level *d = &domain_levels[domain_level_count++];
                memcpy(d->name, p, nlen);
                d->name[nlen] = '\0';
                d->level = (lagfx_log_level_t)lv;
            }
        } else {
            int lv = parse_level(p, len);
            if (lv >= 0)
                atomic_store(&base_level, lv);
        }
        if (!end)
            break;
        p = end + 1;
    }
}

lagfx_log_level_t
ut_log_level(const char *domain)
{
    pthread_once(&env_once, read_env);
    int ov = atomic_load_explicit(&override_level, memory_order_relaxed);
    if (ov >= 0)
        return (lagfx_log_level_t)ov;
    if (domain) {
        for (int i = 0; i < domain_level_count; i++) {
            if (strcmp(domain_levels[i].name, domain) == 0)
                return domain_levels[i].level;
        }
    }
    return (lagfx_log_level_t)atomic_load_explicit(&base_level, memory_order_relaxed);
}

void
ut_log_reset_for_tests(void)
{
    pthread_once(&env_once, read_env);
    atomic_store(&override_level, -1);
    atomic_store(&base_level, LAGFX_LOG_WARN);
    read_env();
}

static const char *
level_name(lagfx_log_level_t level)
{
    switch (level) {
    case LAGFX_LOG_ERROR:
        return "ERROR";
    case LAGFX_LOG_WARN:
        return "WARN";
    case LAGFX_LOG_INFO:
        return "INFO";
    case LAGFX_LOG_DEBUG:
        return "DEBUG";
    case LAGFX_LOG_TRACE:
        return "TRACE";
    default:
        return "?";
    }
}

static void
deliver(lagfx_log_level_t level, lagfx_device_t *dev, const char *domain, const char *msg)
{
    pthread_rwlock_rdlock(&handler_lock);
    if (handler_fn) {
        handler_fn(handler_user, level, dev, domain ? domain : "lagfx", msg);
    } else {
        /* One fprintf call per line so concurrent lines do not interleave. */
        fprintf(stderr, "lagfx %s %s %s\n", level_name(level), domain ? domain : "lagfx", msg);
    }
    pthread_rwlock_unlock(&handler_lock);
}

__attribute__((format(printf, 5, 0))) static void
vlog(lagfx_log_level_t level,
     lagfx_device_t *dev,
     const char *domain,
     const char *suffix,
     const char *fmt,
     va_list ap)
{
    char buf[1024];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n < 0)
        return;
    if (suffix && (size_t)n < sizeof(buf))
        snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", suffix);
    deliver(level, dev, domain, buf);
}

void
ut_log(lagfx_log_level_t level, lagfx_device_t *dev, const char *domain, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, dev, domain, NULL, fmt, ap);
    va_end(ap);
}

bool
ut_ratelimit_allow(struct ut_ratelimit *rl, uint32_t *suppressed_out)
{
    uint64_t now = ut_now_ns();
    bool allow = false;
    *suppressed_out = 0;
    while (atomic_flag_test_and_set_explicit(&rl->lock, memory_order_acquire))
        ;
    if (rl->burst_used < UT_RATELIMIT_BURST) {
        rl->burst_used++;
        allow = true;
    } else if (now - rl->last_ns >= 1000000000ull) {
        allow = true;
    }
    if (allow) {
        rl->last_ns = now;
        *suppressed_out = rl->suppressed;
        rl->suppressed = 0;
    } else {
        rl->suppressed++;
        rl->total_suppressed++;
    }
    atomic_flag_clear_explicit(&rl->lock, memory_order_release);
    return allow;
}

void
ut_log_limited(struct ut_ratelimit *rl,
               lagfx_log_level_t level,
               lagfx_device_t *dev,
               const char *domain,
               const char *fmt,
               ...)
{
    if (!ut_log_enabled(level, domain))
        return;
    uint32_t suppressed;
    if (!ut_ratelimit_allow(rl, &suppressed))
        return;
    char suffix[48] = "";
    if (suppressed)
        snprintf(suffix, sizeof(suffix), " (%u suppressed)", suppressed);
    va_list ap;
    va_start(ap, fmt);
    vlog(level, dev, domain, suppressed ? suffix : NULL, fmt, ap);
    va_end(ap);
}

LAGFX_API void
lagfx_set_log_handler(lagfx_log_fn fn, void *user)
{
    /* The write lock waits for every thread inside the old handler. */
    pthread_rwlock_wrlock(&handler_lock);
    handler_fn = fn;
    handler_user = user;
    pthread_rwlock_unlock(&handler_lock);
}

LAGFX_API void
lagfx_set_log_level(lagfx_log_level_t level)
{
    if ((int)level < (int)LAGFX_LOG_OFF || level > LAGFX_LOG_TRACE)
        return;
    atomic_store(&override_level, (int)level);
}
