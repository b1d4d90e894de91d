/* SPDX-License-Identifier: MIT */
/*
 * Guest-physical memory (spec/api.md §4.2, §5.4; protocol.md §1.2): either the VMM's RAM
 * regions (region model: direct host views, fds kept dup'ed) or the task model's
 * read_memory/write_memory callbacks. Every access is range-checked; nothing is ever read or
 * written outside guest RAM. Writes are reported through mark_dirty when the VMM set it.
 *
 * Threads: set_regions runs on a VMM thread (E); everything else on library workers, any
 * number at once. A reader that keeps host views across calls brackets its work with
 * mem_guest_lock_shared/unlock_shared; set_regions waits for such readers to leave, so a
 * view never outlives the region it points into.
 */
#ifndef LAGFX_MEMORY_GUEST_H
#define LAGFX_MEMORY_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

struct mem_guest;

/* Task-model callbacks (all NULL for the region model). mark_dirty is optional in both. */
struct mem_guest_callbacks {
    void *user;
    bool (*read_memory)(void *user, uint64_t gpa, uint64_t length, void *dst);
    bool (*write_memory)(void *user, uint64_t gpa, uint64_t length, const void *src);
    void (*mark_dirty)(void *user, const lagfx_phys_range_t *ranges, uint32_t count);
};

/* cb->read_memory == NULL selects the region model. OUT_OF_MEMORY. */
lagfx_status_t mem_guest_new(const struct mem_guest_callbacks *cb, struct mem_guest **out);
void mem_guest_free(struct mem_guest *g);

/*
 * Region model: replaces the region list (spec/api.md §5.4): gpa, length, host_ptr 4 KiB
 * aligned, length > 0, gpa + length no overflow, no two regions overlapping (any order),
 * count <= LAGFX_MAX_RAM_REGIONS; fds dup'ed when LAGFX_RAM_HAS_FD. On any bad entry:
 * INVALID_ARGUMENT and nothing changes. BAD_STATE in the task model. Waits for shared holders.
 */
lagfx_status_t
mem_guest_set_regions(struct mem_guest *g, const lagfx_ram_region_t *regions, uint32_t count);
bool mem_guest_is_region_model(const struct mem_guest *g);
uint32_t mem_guest_region_count(struct mem_guest *g);

/* Shared bracket for host views (see above). Not recursive with set_regions on the same thread. */
void mem_guest_lock_shared(struct mem_guest *g);
void mem_guest_unlock_shared(struct mem_guest *g);

/* True when [gpa, gpa + len) is guest RAM (region model: inside the regions, which may be
 * adjacent; task model: always true, the callbacks decide). */
bool mem_guest_contains(struct mem_guest *g, uint64_t gpa, uint64_t len);

/* Copies guest bytes; false (dst zero-filled) when any byte is outside guest RAM or a
 * callback failed. A range may span adjacent regions. */
bool mem_guest_read(struct mem_guest *g, uint64_t gpa, void *dst, size_t len);
/* Copies into guest memory and marks the pages dirty; false (nothing or part written) when
 * any byte is outside guest RAM, in a read-only region, or a callback failed. */
bool mem_guest_write(struct mem_guest *g, uint64_t gpa, const void *src, size_t len);

/* u32 helpers for stamp cells, read pointers and event words (4-byte aligned gpa: atomic on
 * directly mapped RAM, with release order for stores, acquire for loads). */
bool mem_guest_read_u32(struct mem_guest *g, uint64_t gpa, uint32_t *out);
bool mem_guest_write_u32(struct mem_guest *g, uint64_t gpa, uint32_t value);
/* Atomic fetch-OR where directly mapped, read-modify-write through callbacks otherwise. */
bool mem_guest_or_u32(struct mem_guest *g, uint64_t gpa, uint32_t bits, uint32_t *old_out);

/*
 * Region model: host pointer to [gpa, gpa + len) when it lies inside ONE region (and that
 * region is writable if `write`); NULL otherwise and always in the task model. The caller
 * holds mem_guest_lock_shared for as long as it uses the pointer. Writes through a view are
 * reported with mem_guest_mark_dirty by the caller.
 */
void *mem_guest_view_locked(struct mem_guest *g, uint64_t gpa, uint64_t len, bool write);
void mem_guest_mark_dirty(struct mem_guest *g, uint64_t gpa, uint64_t len);

/* The same as mem_guest_contains/read/write for a caller already inside
 * mem_guest_lock_shared (saves the second lock round trip; mark_dirty then runs under the
 * shared lock, which the callback contract of spec/api.md §7 rule 4 allows). */
bool mem_guest_contains_locked(struct mem_guest *g, uint64_t gpa, uint64_t len);
bool mem_guest_read_locked(struct mem_guest *g, uint64_t gpa, void *dst, size_t len);
bool mem_guest_write_locked(struct mem_guest *g, uint64_t gpa, const void *src, size_t len);
/* Copy of region `index` in gpa order (its fd is the library's dup, valid under the lock);
 * false when out of range or in the task model. For building the region model's windows. */
bool mem_guest_region_at_locked(struct mem_guest *g, uint32_t index, lagfx_ram_region_t *out);
/* The region holding gpa: its gpa, length and host pointer, and whether it is read-only;
 * false outside the regions and in the task model. Caller holds the lock. */
bool mem_guest_region_find_locked(struct mem_guest *g,
                                  uint64_t gpa,
                                  uint64_t *gpa_out,
                                  uint64_t *len_out,
                                  uint8_t **host_out,
                                  bool *read_only_out);

/*
 * Wire recording tap (LAGFX_TRACE): when set, every guest byte the library reads or writes
 * passes through fn, and direct host views are disabled (view/region lookups answer NULL/false)
 * so that no access escapes it. Set once, before any worker runs; never changed afterwards.
 */
typedef void (
    *mem_guest_tap_fn)(void *user, bool write, uint64_t gpa, const void *data, size_t len);
void mem_guest_set_tap(struct mem_guest *g, mem_guest_tap_fn fn, void *user);
/* True when host views may be used (region model, no tap). */
bool mem_guest_views_enabled(const struct mem_guest *g);

#endif /* LAGFX_MEMORY_GUEST_H */
