/* SPDX-License-Identifier: MIT */
/*
 * Guest-physical memory (spec/api.md §4.2, §5.4; protocol.md §1.2): the region model's sorted
 * region list under a reader-preferring rwlock, and the task model's read_memory/write_memory
 * callbacks. Every access is checked against the regions with overflow-safe arithmetic before
 * a host pointer is formed; guest data never reaches memory outside them. set_regions runs on
 * a VMM thread and takes the lock exclusively; every other function runs on library workers,
 * any number at once, under the shared side (which may be taken recursively: the lock prefers
 * readers, so a worker inside mem_guest_lock_shared can still call mem_guest_read).
 */
#include "memory/guest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memory/reader.h"
#include "util/alloc.h"
#include "util/checked.h"
#include "util/log.h"

/* Stamp cells and ring pointers are used in place with atomics: both sides little-endian. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "guest RAM words are little-endian");

#define PAGE_MASK_4K 0xFFFull

struct region {
    uint64_t gpa, len; /* gpa + len does not overflow (checked in set_regions) */
    uint8_t *host;
    uint64_t fd_offset;
    int fd; /* dup'ed, -1 without LAGFX_RAM_HAS_FD */
    uint32_t flags;
};

struct mem_guest {
    /* Set at creation, read-only after: any thread. */
    struct mem_guest_callbacks cb;
    bool region_model;
    /* Guarded by lock: set_regions writes exclusively, everything else reads shared. */
    pthread_rwlock_t lock;
    struct region *regions; /* sorted by gpa, non-overlapping */
    uint32_t count;
};

lagfx_status_t
mem_guest_new(const struct mem_guest_callbacks *cb, struct mem_guest **out)
{
    struct mem_guest *g = ut_calloc(1, sizeof(*g));
    if (!g)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    if (cb)
        g->cb = *cb;
    g->region_model = g->cb.read_memory == NULL;

    pthread_rwlockattr_t attr;
    if (pthread_rwlockattr_init(&attr) != 0) {
        ut_free(g);
        return LAGFX_ERROR_OUT_OF_MEMORY;
    }
    /* Recursive shared locking must not deadlock behind a waiting writer (see above). */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_READER_NP);
    int rc = pthread_rwlock_init(&g->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0) {
        ut_free(g);
        return LAGFX_ERROR_OUT_OF_MEMORY;
    }
    *out = g;
    return LAGFX_OK;
}

static void
regions_release(struct region *r, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (r[i].fd >= 0)
            close(r[i].fd);
    }
    ut_free(r);
}

void
mem_guest_free(struct mem_guest *g)
{
    if (!g)
        return;
    regions_release(g->regions, g->count);
    pthread_rwlock_destroy(&g->lock);
    ut_free(g);
}

bool
mem_guest_is_region_model(const struct mem_guest *g)
{
    return g->region_model;
}

uint32_t
mem_guest_region_count(struct mem_guest *g)
{
    pthread_rwlock_rdlock(&g->lock);
    uint32_t n = g->count;
    pthread_rwlock_unlock(&g->lock);
    return n;
}

static int
region_cmp(const void *a, const void *b)
{
    const struct region *ra = a, *rb = b;
    return ra->gpa < rb->gpa ? -1 : ra->gpa > rb->gpa ? 1 : 0;
}

/* One entry's own rules (spec/api.md §5.4, lagfx_ram_region_t). */
static bool
region_entry_ok(const lagfx_ram_region_t *r)
{
    uint64_t end;
    uintptr_t host = (uintptr_t)r->host_ptr, host_end;
    if ((r->gpa | r->length | (uint64_t)host) & PAGE_MASK_4K)
        return false;
    if (r->length == 0 || !r->host_ptr || ut_add_overflows_u64(r->gpa, r->length, &end))
        return false;
    if (r->length > UINTPTR_MAX || __builtin_add_overflow(host, (uintptr_t)r->length, &host_end))
        return false;
    if (r->flags & ~(uint32_t)(LAGFX_RAM_READ_ONLY | LAGFX_RAM_HAS_FD))
        return false;
    if (r->flags & LAGFX_RAM_HAS_FD) {
        if (r->fd < 0 || (r->fd_offset & PAGE_MASK_4K) ||
            ut_add_overflows_u64(r->fd_offset, r->length, &end) || end > (uint64_t)INT64_MAX)
            return false;
    }
    return true;
}

lagfx_status_t
mem_guest_set_regions(struct mem_guest *g, const lagfx_ram_region_t *regions, uint32_t count)
{
    if (!g->region_model)
        return LAGFX_ERROR_BAD_STATE;
    if (count > LAGFX_MAX_RAM_REGIONS || (count > 0 && !regions)) {
        UT_WARN(NULL, "memory", "set_regions: bad list (count=%u)", count);
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (!region_entry_ok(&regions[i])) {
            UT_WARN(NULL, "memory",
                    "set_regions: bad region %u (gpa=0x%llx length=0x%llx host=%p flags=0x%x)", i,
                    (unsigned long long)regions[i].gpa, (unsigned long long)regions[i].length,
                    regions[i].host_ptr, regions[i].flags);
            return LAGFX_ERROR_INVALID_ARGUMENT;
        }
    }

    struct region *r = NULL;
    if (count > 0) {
        r = ut_calloc_array(count, sizeof(*r));
        if (!r)
            return LAGFX_ERROR_OUT_OF_MEMORY;
    }
    for (uint32_t i = 0; i < count; i++) {
        r[i] = (struct region){ .gpa = regions[i].gpa,
                                .len = regions[i].length,
                                .host = regions[i].host_ptr,
                                .fd_offset = regions[i].fd_offset,
                                /* borrowed until dup'ed below */
                                .fd = (regions[i].flags & LAGFX_RAM_HAS_FD) ? regions[i].fd : -1,
                                .flags = regions[i].flags };
    }
    if (count > 1)
        qsort(r, count, sizeof(*r), region_cmp);
    for (uint32_t i = 1; i < count; i++) {
        /* Sorted: only a neighbour can overlap; end of i-1 does not overflow. */
        if (r[i - 1].gpa + r[i - 1].len > r[i].gpa) {
            UT_WARN(NULL, "memory", "set_regions: regions overlap at gpa=0x%llx",
                    (unsigned long long)r[i].gpa);
            ut_free(r); /* no fd dup'ed yet */
            return LAGFX_ERROR_INVALID_ARGUMENT;
        }
    }
    /* dup the fds last, so that a failure only has these to undo. */
    for (uint32_t i = 0; i < count; i++) {
        if (r[i].fd < 0)
            continue;
        int fd = fcntl(r[i].fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) {
            int err = errno;
            UT_WARN(NULL, "memory", "set_regions: cannot dup fd of region at gpa=0x%llx: errno %d",
                    (unsigned long long)r[i].gpa, err);
            for (uint32_t j = i; j < count; j++)
                r[j].fd = -1; /* still borrowed: not ours to close */
            regions_release(r, count);
            return err == EBADF ? LAGFX_ERROR_INVALID_ARGUMENT : LAGFX_ERROR_IO;
        }
        r[i].fd = fd;
    }

    pthread_rwlock_wrlock(&g->lock); /* waits for every shared holder to leave */
    struct region *old = g->regions;
    uint32_t old_count = g->count;
    g->regions = r;
    g->count = count;
    pthread_rwlock_unlock(&g->lock);
    regions_release(old, old_count);
    return LAGFX_OK;
}

void
mem_guest_lock_shared(struct mem_guest *g)
{
    pthread_rwlock_rdlock(&g->lock);
}

void
mem_guest_unlock_shared(struct mem_guest *g)
{
    pthread_rwlock_unlock(&g->lock);
}

/* The region holding gpa, or NULL. Caller holds the lock (either side). */
static const struct region *
region_find_locked(const struct mem_guest *g, uint64_t gpa)
{
    const struct region *r = g->regions;
    uint32_t lo = 0, hi = g->count; /* answer in [lo, hi) */
    if (hi == 1)                    /* the common case: one RAM block */
        return gpa - r[0].gpa < r[0].len ? &r[0] : NULL;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r[mid].gpa <= gpa)
            lo = mid;
        else
            hi = mid;
    }
    if (hi == 0 || gpa < r[lo].gpa || gpa - r[lo].gpa >= r[lo].len)
        return NULL;
    return &r[lo];
}

/*
 * Walks [gpa, gpa + len) over adjacent regions. With buf NULL it only checks; otherwise copies
 * (to_guest: buf → guest). False as soon as a byte is outside RAM, or read-only for a write.
 * len > 0 and gpa + len does not overflow. Caller holds the lock.
 */
static bool
span_locked(struct mem_guest *g, uint64_t gpa, uint8_t *buf, uint64_t len, bool to_guest)
{
    while (len > 0) {
        const struct region *r = region_find_locked(g, gpa);
        if (!r || (to_guest && (r->flags & LAGFX_RAM_READ_ONLY)))
            return false;
        uint64_t off = gpa - r->gpa;
        uint64_t n = UT_MIN(len, r->len - off);
        if (buf) {
            if (to_guest)
                memcpy(r->host + off, buf, n);
            else
                memcpy(buf, r->host + off, n);
            buf += n;
        }
        gpa += n;
        len -= n;
    }
    return true;
}

static void
report_dirty(struct mem_guest *g, uint64_t gpa, uint64_t len)
{
    if (g->cb.mark_dirty && len > 0) {
        lagfx_phys_range_t range = { gpa, len };
        g->cb.mark_dirty(g->cb.user, &range, 1);
    }
}

void
mem_guest_mark_dirty(struct mem_guest *g, uint64_t gpa, uint64_t len)
{
    report_dirty(g, gpa, len);
}

bool
mem_guest_contains_locked(struct mem_guest *g, uint64_t gpa, uint64_t len)
{
    uint64_t end;
    if (ut_add_overflows_u64(gpa, len, &end))
        return false;
    if (!g->region_model || len == 0)
        return true;
    return span_locked(g, gpa, NULL, len, false);
}

bool
mem_guest_contains(struct mem_guest *g, uint64_t gpa, uint64_t len)
{
    if (!g->region_model)
        return mem_guest_contains_locked(g, gpa, len);
    pthread_rwlock_rdlock(&g->lock);
    bool ok = mem_guest_contains_locked(g, gpa, len);
    pthread_rwlock_unlock(&g->lock);
    return ok;
}

bool
mem_guest_read_locked(struct mem_guest *g, uint64_t gpa, void *dst, size_t len)
{
    uint64_t end;
    bool ok;
    if (len == 0)
        return true;
    if (ut_add_overflows_u64(gpa, len, &end))
        ok = false;
    else if (g->region_model)
        ok = span_locked(g, gpa, dst, len, false);
    else
        ok = g->cb.read_memory(g->cb.user, gpa, len, dst);
    if (!ok)
        memset(dst, 0, len);
    return ok;
}

bool
mem_guest_read(struct mem_guest *g, uint64_t gpa, void *dst, size_t len)
{
    if (!g->region_model)
        return mem_guest_read_locked(g, gpa, dst, len);
    pthread_rwlock_rdlock(&g->lock);
    bool ok = mem_guest_read_locked(g, gpa, dst, len);
    pthread_rwlock_unlock(&g->lock);
    return ok;
}

/* Writes without reporting dirty pages. Caller holds the lock in the region model. */
static bool
write_nodirty_locked(struct mem_guest *g, uint64_t gpa, const void *src, size_t len)
{
    uint64_t end;
    if (len == 0)
        return true;
    if (ut_add_overflows_u64(gpa, len, &end))
        return false;
    if (!g->region_model)
        return g->cb.write_memory && g->cb.write_memory(g->cb.user, gpa, len, src);
    /* Check the whole span first, so that a bad range writes nothing. */
    if (!span_locked(g, gpa, NULL, len, true))
        return false;
    return span_locked(g, gpa, (uint8_t *)src, len, true);
}

bool
mem_guest_write_locked(struct mem_guest *g, uint64_t gpa, const void *src, size_t len)
{
    bool ok = write_nodirty_locked(g, gpa, src, len);
    if (ok)
        report_dirty(g, gpa, len);
    return ok;
}

bool
mem_guest_write(struct mem_guest *g, uint64_t gpa, const void *src, size_t len)
{
    if (!g->region_model)
        return mem_guest_write_locked(g, gpa, src, len);
    pthread_rwlock_rdlock(&g->lock);
    bool ok = write_nodirty_locked(g, gpa, src, len);
    pthread_rwlock_unlock(&g->lock);
    /* Reported outside our lock (spec/api.md §7 rule 8). */
    if (ok)
        report_dirty(g, gpa, len);
    return ok;
}

void *
mem_guest_view_locked(struct mem_guest *g, uint64_t gpa, uint64_t len, bool write)
{
    if (!g->region_model)
        return NULL;
    const struct region *r = region_find_locked(g, gpa);
    if (!r || (write && (r->flags & LAGFX_RAM_READ_ONLY)))
        return NULL;
    uint64_t off = gpa - r->gpa;
    if (len > r->len - off)
        return NULL;
    return r->host + off;
}

bool
mem_guest_region_at_locked(struct mem_guest *g, uint32_t index, lagfx_ram_region_t *out)
{
    if (!g->region_model || index >= g->count)
        return false;
    const struct region *r = &g->regions[index];
    *out = (lagfx_ram_region_t){ .gpa = r->gpa,
                                 .length = r->len,
                                 .host_ptr = r->host,
                                 .fd_offset = r->fd_offset,
                                 .fd = r->fd,
                                 .flags = r->flags };
    return true;
}

bool
mem_guest_region_find_locked(struct mem_guest *g,
                             uint64_t gpa,
                             uint64_t *gpa_out,
                             uint64_t *len_out,
                             uint8_t **host_out,
                             bool *read_only_out)
{
    const struct region *r = g->region_model ? region_find_locked(g, gpa) : NULL;
    if (!r)
        return false;
    *gpa_out = r->gpa;
    *len_out = r->len;
    *host_out = r->host;
    *read_only_out = (r->flags & LAGFX_RAM_READ_ONLY) != 0;
    return true;
}

/* ---- u32 helpers ---- */

/* Directly mapped, aligned word, or NULL. Caller holds the lock. */
static uint32_t *
word_locked(struct mem_guest *g, uint64_t gpa, bool write)
{
    if (gpa & 3)
        return NULL;
    return mem_guest_view_locked(g, gpa, 4, write);
}

bool
mem_guest_read_u32(struct mem_guest *g, uint64_t gpa, uint32_t *out)
{
    uint8_t b[4];
    if (g->region_model) {
        pthread_rwlock_rdlock(&g->lock);
        uint32_t *p = word_locked(g, gpa, false);
        if (p) {
            /* acquire: pairs with the guest's release of what the word announces */
            *out = __atomic_load_n(p, __ATOMIC_ACQUIRE);
            pthread_rwlock_unlock(&g->lock);
            return true;
        }
        bool ok = mem_guest_read_locked(g, gpa, b, 4);
        pthread_rwlock_unlock(&g->lock);
        *out = mem_le32(b);
        return ok;
    }
    bool ok = mem_guest_read_locked(g, gpa, b, 4);
    *out = mem_le32(b);
    return ok;
}

bool
mem_guest_write_u32(struct mem_guest *g, uint64_t gpa, uint32_t value)
{
    uint8_t b[4];
    mem_put_le32(b, value);
    if (!g->region_model)
        return mem_guest_write_locked(g, gpa, b, 4);
    pthread_rwlock_rdlock(&g->lock);
    uint32_t *p = word_locked(g, gpa, true);
    bool ok;
    if (p) {
        /* release: everything we wrote before (replies, pixels) is visible before the word */
        __atomic_store_n(p, value, __ATOMIC_RELEASE);
        ok = true;
    } else {
        ok = write_nodirty_locked(g, gpa, b, 4);
    }
    pthread_rwlock_unlock(&g->lock);
    if (ok)
        report_dirty(g, gpa, 4);
    return ok;
}

bool
mem_guest_or_u32(struct mem_guest *g, uint64_t gpa, uint32_t bits, uint32_t *old_out)
{
    uint8_t b[4];
    uint32_t old = 0;
    bool ok;
    if (g->region_model) {
        pthread_rwlock_rdlock(&g->lock);
        uint32_t *p = word_locked(g, gpa, true);
        if (p) {
            old = __atomic_fetch_or(p, bits, __ATOMIC_ACQ_REL);
            ok = true;
        } else {
            /* Unaligned or across regions: not atomic, but still inside RAM. */
            ok = mem_guest_read_locked(g, gpa, b, 4);
            old = mem_le32(b);
            if (ok) {
                mem_put_le32(b, old | bits);
                ok = write_nodirty_locked(g, gpa, b, 4);
            }
        }
        pthread_rwlock_unlock(&g->lock);
    } else {
        ok = mem_guest_read_locked(g, gpa, b, 4);
        old = mem_le32(b);
        if (ok) {
            mem_put_le32(b, old | bits);
            ok = write_nodirty_locked(g, gpa, b, 4);
        }
    }
    if (ok)
        report_dirty(g, gpa, 4);
    if (old_out)
        *old_out = ok ? old : 0;
    return ok;
}
