/* SPDX-License-Identifier: MIT */
/*
 * The backend ops interface (STYLE §8): protocol calls it with decoded, validated host values
 * (never wire bytes, guest addresses or Vulkan types); the null, recording and Vulkan backends
 * implement it. Every member is mandatory; be_init() rejects a NULL one. Only creation can
 * fail. A stamp completes only after `flush`'s done callback ran.
 * Threads: called by protocol workers; done may run on any thread.
 */
#ifndef LAGFX_BACKEND_H
#define LAGFX_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

struct be;

typedef void (*be_done_fn)(void *arg);

struct be_ops {
    /* All work recorded so far is submitted; done(arg) runs once when it has finished. */
    void (*flush)(struct be *be, be_done_fn done, void *arg);
    /* Waits for outstanding work, then frees the backend. */
    void (*destroy)(struct be *be);
};

struct be {
    const struct be_ops *ops; /* a backend embeds struct be as its first member */
};

/* Checks that every member of ops is set. */
bool be_ops_complete(const struct be_ops *ops);
lagfx_status_t be_init(struct be *be, const struct be_ops *ops);

/* The null backend: accepts everything, finishes at once (done runs inside flush). */
lagfx_status_t be_null_new(struct be **out);

static inline void
be_destroy(struct be *be)
{
    if (be)
        be->ops->destroy(be);
}

#endif /* LAGFX_BACKEND_H */
