/* SPDX-License-Identifier: MIT */
/*
 * The null backend: the cheapest correct implementation of every op. Work "finishes" at
 * once, so flush calls done before returning. Used by HEADLESS devices, decode tests and the
 * decode benchmark. Any thread.
 */
#include <stddef.h>

#include "backend.h"
#include "util/alloc.h"

struct be_null {
    struct be base;
};

static void
null_flush(struct be *be, be_done_fn done, void *arg)
{
    (void)be;
    if (done)
        done(arg);
}

static void
null_destroy(struct be *be)
{
    ut_free(be);
}

static const struct be_ops null_ops = {
    .flush = null_flush,
    .destroy = null_destroy,
};

bool
be_ops_complete(const struct be_ops *ops)
{
    /* The ops struct is all function pointers; any NULL member is a bug. */
    const void *const *p = (const void *const *)ops;
    for (size_t i = 0; i < sizeof(*ops) / sizeof(void *); i++) {
        if (!p[i])
            return false;
    }
    return true;
}

lagfx_status_t
be_init(struct be *be, const struct be_ops *ops)
{
    if (!ops || !be_ops_complete(ops))
        return LAGFX_ERROR_INTERNAL;
    be->ops = ops;
    return LAGFX_OK;
}

lagfx_status_t
be_null_new(struct be **out)
{
    struct be_null *n = ut_calloc(1, sizeof(*n));
    if (!n)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    lagfx_status_t st = be_init(&n->base, &null_ops);
    if (st != LAGFX_OK) {
        ut_free(n);
        return st;
    }
    *out = &n->base;
    return LAGFX_OK;
}
