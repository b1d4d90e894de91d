/* SPDX-License-Identifier: MIT */
/*
 * The guest-triggerable log limiter (src/util/log.h): a burst of UT_RATELIMIT_BURST messages,
 * then one per second carrying the count of those dropped; the messages themselves reach the
 * handler with " (N suppressed)". Takes about 1.1 s (one refill period).
 */
#include <string.h>
#include <time.h>

#include "check.h"
#include "util/log.h"

static int handled;
static char last[512];

static void
on_log(void *user,
       lagfx_log_level_t level,
       lagfx_device_t *dev,
       const char *domain,
       const char *message)
{
    (void)user, (void)level, (void)dev, (void)domain;
    handled++;
    snprintf(last, sizeof(last), "%s", message);
}

static void
nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int
main(void)
{
    /* The limiter alone. */
    struct ut_ratelimit rl;
    memset(&rl, 0, sizeof(rl));
    uint32_t sup = 99, allowed = 0;
    for (int i = 0; i < 100; i++) {
        if (ut_ratelimit_allow(&rl, &sup)) {
            allowed++;
            CHECK_EQ_U32(sup, 0);
        }
    }
    CHECK_EQ_U32(allowed, UT_RATELIMIT_BURST);
    CHECK_EQ_U64(rl.total_suppressed, 100 - UT_RATELIMIT_BURST);
    nap_ms(1050);
    CHECK(ut_ratelimit_allow(&rl, &sup));
    CHECK_EQ_U32(sup, 100 - UT_RATELIMIT_BURST); /* the dropped ones are counted once */
    CHECK(!ut_ratelimit_allow(&rl, &sup));       /* and the next second starts again */

    /* Through the log facility. */
    lagfx_set_log_handler(on_log, NULL);
    lagfx_set_log_level(LAGFX_LOG_WARN);
    struct ut_ratelimit rl2;
    memset(&rl2, 0, sizeof(rl2));
    for (int i = 0; i < 1000; i++)
        ut_log_limited(&rl2, LAGFX_LOG_WARN, NULL, "test", "guest message %d", i);
    CHECK_EQ_U32((uint32_t)handled, UT_RATELIMIT_BURST);
    CHECK_STR(last, "guest message 9");
    nap_ms(1050);
    ut_log_limited(&rl2, LAGFX_LOG_WARN, NULL, "test", "guest message %d", 1000);
    CHECK_EQ_U32((uint32_t)handled, UT_RATELIMIT_BURST + 1);
    CHECK(strstr(last, "guest message 1000") != NULL);
    CHECK(strstr(last, "(990 suppressed)") != NULL);
    lagfx_set_log_handler(NULL, NULL);
    return check_finish();
}
