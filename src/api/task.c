/* SPDX-License-Identifier: MIT */
/*
 * Public task window helpers (spec/api.md §5.8): lagfx_task_* as thin wrappers around
 * src/memory/window.c, for task-model VMMs. VMM mistakes (NULL arguments) return
 * INVALID_ARGUMENT and log at WARN, never crash (§8). Any thread; one task's calls must not
 * overlap (the VMM serialises them, §7 rule 4).
 */
#include <libapplegfx-vulkan.h>

#include "memory/window.h"
#include "util/alloc.h"
#include "util/log.h"

#define TASK_MAGIC 0x4b534154u /* "TASK": catches some uses of a freed handle (§8) */

struct lagfx_task {
    uint32_t magic;
    struct mem_window *window;
};

static bool
task_ok(lagfx_task_t *task, const char *fn)
{
    if (task && task->magic == TASK_MAGIC)
        return true;
    UT_WARN(NULL, "task", "%s: invalid task handle %p", fn, (void *)task);
    return false;
}

LAGFX_API lagfx_status_t
lagfx_task_new(uint64_t vm_size, lagfx_task_t **task_out)
{
    if (!task_out || vm_size == 0) {
        UT_WARN(NULL, "task", "lagfx_task_new: bad arguments (vm_size=0x%llx, task_out=%p)",
                (unsigned long long)vm_size, (void *)task_out);
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    lagfx_task_t *task = ut_calloc(1, sizeof(*task));
    if (!task)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    lagfx_status_t st = mem_window_new(vm_size, &task->window);
    if (st != LAGFX_OK) {
        ut_free(task);
        return st;
    }
    task->magic = TASK_MAGIC;
    *task_out = task;
    return LAGFX_OK;
}

LAGFX_API void
lagfx_task_free(lagfx_task_t *task)
{
    if (!task)
        return;
    if (!task_ok(task, __func__))
        return;
    task->magic = 0;
    mem_window_free(task->window);
    ut_free(task);
}

LAGFX_API void *
lagfx_task_get_base(lagfx_task_t *task)
{
    if (!task_ok(task, __func__))
        return NULL;
    return mem_window_base(task->window);
}

LAGFX_API lagfx_status_t
lagfx_task_map(lagfx_task_t *task, uint64_t offset, void *host_ptr, uint64_t length, bool read_only)
{
    if (!task_ok(task, __func__))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (!host_ptr) {
        UT_WARN(NULL, "task", "lagfx_task_map: host_ptr is NULL");
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    return mem_window_map(task->window, offset, host_ptr, length, read_only);
}

LAGFX_API lagfx_status_t
lagfx_task_map_fd(lagfx_task_t *task,
                  uint64_t offset,
                  int fd,
                  uint64_t fd_offset,
                  uint64_t length,
                  bool read_only)
{
    if (!task_ok(task, __func__))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    if (fd < 0) {
        UT_WARN(NULL, "task", "lagfx_task_map_fd: bad fd %d", fd);
        return LAGFX_ERROR_INVALID_ARGUMENT;
    }
    return mem_window_map_fd(task->window, offset, fd, fd_offset, length, read_only);
}

LAGFX_API lagfx_status_t
lagfx_task_unmap(lagfx_task_t *task, uint64_t offset, uint64_t length)
{
    if (!task_ok(task, __func__))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    return mem_window_unmap(task->window, offset, length);
}
