/* SPDX-License-Identifier: MIT */
/* Thread start with a name and blocked signals (spec/api.md §7 rule 2). Any thread. */
#include "util/thread.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void
ut_thread_name(char buf[16], const char *label, const char *role)
{
    /* "lagfx-" + label + "-" + role must fit 15 bytes: shorten the label first. */
    size_t role_len = strlen(role);
    if (role_len > 8)
        role_len = 8;
    size_t room = 15 - 6 - 1 - role_len; /* bytes left for the label */
    size_t label_len = strlen(label);
    if (label_len > room)
        label_len = room;
    snprintf(buf, 16, "lagfx-%.*s-%.*s", (int)label_len, label, (int)role_len, role);
}

lagfx_status_t
ut_thread_start(pthread_t *out, const char *label, const char *role, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    /* The new thread inherits the mask; restore ours right after. */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(out, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    char name[16];
    ut_thread_name(name, label, role);
    pthread_setname_np(*out, name);
    return LAGFX_OK;
}

int
ut_cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}
