/* SPDX-License-Identifier: MIT */
/*
 * Task windows (spec/api.md §5.8): a reserved range of host VA into which guest RAM is
 * aliased, never copied: mremap(old_size 0) of a MAP_SHARED source, or mmap(MAP_SHARED|
 * MAP_FIXED) of an fd; unmapping puts back fresh private zero pages. Backs lagfx_task_*
 * (src/api/task.c) and the region model's own windows. A window's calls must not overlap;
 * different windows are independent. Any thread.
 */
#ifndef LAGFX_MEMORY_WINDOW_H
#define LAGFX_MEMORY_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

struct mem_window;

/* Reserves vm_size (page-rounded, > 0) with PROT_NONE. INVALID_ARGUMENT, OUT_OF_MEMORY. */
lagfx_status_t mem_window_new(uint64_t vm_size, struct mem_window **out);
void mem_window_free(struct mem_window *w);
void *mem_window_base(struct mem_window *w);
uint64_t mem_window_size(struct mem_window *w);
/* The range becomes the same pages as [host_ptr, +length): NOT_SUPPORTED (window unchanged)
 * when the source is not one MAP_SHARED mapping; INVALID_ARGUMENT when unaligned or outside. */
lagfx_status_t mem_window_map(struct mem_window *w,
                              uint64_t offset,
                              void *host_ptr,
                              uint64_t length,
                              bool read_only);
lagfx_status_t mem_window_map_fd(struct mem_window *w,
                                 uint64_t offset,
                                 int fd,
                                 uint64_t fd_offset,
                                 uint64_t length,
                                 bool read_only);
lagfx_status_t mem_window_unmap(struct mem_window *w, uint64_t offset, uint64_t length);

#endif /* LAGFX_MEMORY_WINDOW_H */
