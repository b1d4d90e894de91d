/* SPDX-License-Identifier: MIT */
/*
 * Library threads: named lagfx-<label>-<role> (cut to Linux's 15 bytes, label shortened
 * first) and started with all signals blocked (spec/api.md §7 rule 2). Any thread.
 */
#ifndef LAGFX_UTIL_THREAD_H
#define LAGFX_UTIL_THREAD_H

#include <pthread.h>

#include <libapplegfx-vulkan.h>

/* Starts fn(arg) on a new thread named for label and role. */
lagfx_status_t ut_thread_start(pthread_t *out,
                               const char *label,
                               const char *role,
                               void *(*fn)(void *),
                               void *arg);

/* Builds the thread name into buf (16 bytes). Exposed for tests. */
void ut_thread_name(char buf[16], const char *label, const char *role);

/* Initialises a condition variable on CLOCK_MONOTONIC. */
int ut_cond_init_monotonic(pthread_cond_t *cond);

#endif /* LAGFX_UTIL_THREAD_H */
