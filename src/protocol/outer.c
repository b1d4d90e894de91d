/* SPDX-License-Identifier: MIT */
/*
 * Outer opcodes of the three namespaces (protocol.md §8): one X-macro table per namespace
 * (ops_root.def, ops_channel.def, ops_pipe.def) gives name, opcode, minimum payload and
 * handler; the decode switches, the names for logs and the row counts come from the rows.
 * Tasks (§9.1, §9.6), child channels (§7), GetDeviceInfo2 (§8.5) live here; display pipe
 * opcodes are in display.c. Worker thread, under the exec lock.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "memory/reader.h"
#include "protocol/cmdbuf.h"
#include "protocol/dev_internal.h"
#include "protocol/exec.h"
#include "util/alloc.h"
#include "util/checked.h"
#include "util/log.h"

typedef void (*outer_fn)(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r);

/* Handlers, named by the tables. */
#define OUTER(name, code, min, fn) \
    static void fn(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r);
#include "protocol/ops_channel.def"
#include "protocol/ops_pipe.def"
#include "protocol/ops_root.def"
#undef OUTER

const char *
proto_outer_name(uint32_t channel, uint32_t opcode)
{
    if (channel == 0) {
        switch (opcode) {
#define OUTER(name, code, min, fn) \
    case code:                     \
        return #name;
#include "protocol/ops_root.def"
#undef OUTER
        }
    } else if (channel < PROTO_FIRST_PIPE) {
        switch (opcode) {
#define OUTER(name, code, min, fn) \
    case code:                     \
        return #name;
#include "protocol/ops_channel.def"
#undef OUTER
        }
    } else {
        switch (opcode) {
#define OUTER(name, code, min, fn) \
    case code:                     \
        return #name;
#include "protocol/ops_pipe.def"
#undef OUTER
        }
    }
    return "unknown";
}

static void
short_payload(struct proto_dev *dev,
              struct proto_outer *cmd,
              enum ut_ns ns,
              const char *name,
              uint32_t len,
              uint32_t min)
{
    ut_guest_error_once(&dev->errs, UT_GERR_OUTER_PAYLOAD, ns, cmd->opcode,
                        "dev=%s ch=%u off=0x%x op=0x%x %s: payload %u < %u, not decoded "
                        "(hdr %04x 0000 %08x %08x)",
                        dev->cfg.label, cmd->channel, cmd->ring_off, cmd->opcode, name, len, min,
                        cmd->opcode, cmd->length, cmd->stamp);
}

/* A function, not an inline comparison: rows with minimum 0 would compare unsigned < 0. */
static inline bool
payload_fits(uint32_t len, uint32_t min)
{
    return len >= min;
}

void
proto_outer_dispatch(struct proto_dev *dev,
                     struct proto_outer *cmd,
                     const uint8_t *payload,
                     uint32_t len)
{
    struct mem_reader r;
    mem_reader_init(&r, payload, len);
    enum ut_ns ns = cmd->channel == 0                 ? UT_NS_ROOT
                    : cmd->channel < PROTO_FIRST_PIPE ? UT_NS_CHANNEL
                                                      : UT_NS_PIPE;
    if (cmd->opcode > 0xFFFF)
        goto unknown;
#define OUTER(name, code, min, fn)                          \
    case code:                                              \
        if (!payload_fits(len, (min))) {                    \
            short_payload(dev, cmd, ns, #name, len, (min)); \
            return;                                         \
        }                                                   \
        fn(dev, cmd, &r);                                   \
        return;
    if (ns == UT_NS_ROOT) {
        switch (cmd->opcode) {
#include "protocol/ops_root.def"
        }
    } else if (ns == UT_NS_CHANNEL) {
        switch (cmd->opcode) {
#include "protocol/ops_channel.def"
        }
    } else {
        switch (cmd->opcode) {
#include "protocol/ops_pipe.def"
        }
    }
#undef OUTER
unknown:
    ut_guest_error_once(&dev->errs, UT_GERR_UNKNOWN_OUTER, ns, cmd->opcode,
                        "dev=%s ch=%u off=0x%x op=0x%x len=%u stamp=%u: unknown opcode, skipped",
                        dev->cfg.label, cmd->channel, cmd->ring_off, cmd->opcode, cmd->length,
                        cmd->stamp);
}

/* ---- Generic actions ---- */

static void
op_nothing(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    (void)dev, (void)cmd, (void)r;
}

static void
op_trace(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    UT_TRACE(dev->cfg.log_dev, "ring", "dev=%s ch=%u op=0x%x %s len=%zu", dev->cfg.label,
             cmd->channel, cmd->opcode, proto_outer_name(cmd->channel, cmd->opcode), r->size);
}

/* "log" in the spec's host action column: the command is known, its meaning is not acted on. */
static void
op_log(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    UT_DEBUG(dev->cfg.log_dev, "ring", "dev=%s ch=%u op=0x%x %s len=%zu: logged, no action",
             dev->cfg.label, cmd->channel, cmd->opcode, proto_outer_name(cmd->channel, cmd->opcode),
             r->size);
}

static void
op_debug(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    if (!ut_log_enabled(LAGFX_LOG_DEBUG, "ring"))
        return;
    char hex[64 * 2 + 1] = "";
    size_t n = r->size < 64 ? r->size : 64;
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", r->p[i]);
    UT_DEBUG(dev->cfg.log_dev, "ring", "dev=%s ch=%u Debug: %s", dev->cfg.label, cmd->channel, hex);
}

/* Display opcodes shared by the root ring and the pipes (display.c). */
static void
op_swap_mapping(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    proto_display_swap_mapping(dev, cmd->channel, r);
}

static void
op_cursor_show_move(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    proto_display_cursor_show_move(dev, cmd->channel, r);
}

static void
op_cursor_glyph(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    proto_display_cursor_glyph(dev, cmd->channel, r);
}

static void
op_transaction3(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    int port = proto_display_transaction3(dev, cmd->channel, r);
    if (port >= 0)
        proto_complete_after_flush(dev, cmd, port);
}

void
proto_op_iosurface(struct proto_dev *dev, uint32_t channel, uint32_t opcode, struct mem_reader *r);

static void
op_iosurface(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    proto_op_iosurface(dev, cmd->channel, cmd->opcode, r);
}

/* ---- Tasks (§9.1, §9.6) ---- */

struct proto_task *
proto_task_lookup(struct proto_dev *dev, uint32_t id)
{
    if (id > PROTO_MAX_TASK_ID || !dev->tasks)
        return NULL;
    return dev->tasks[id];
}

/* Finds or creates the record of task id (0x33 may come before 0x38). */
static struct proto_task *
task_get(struct proto_dev *dev, struct proto_outer *cmd, uint32_t id)
{
    if (id > PROTO_MAX_TASK_ID) {
        ut_guest_error(&dev->errs, UT_GERR_TASK, "dev=%s ch=%u op=0x%x task=%u: id beyond 0x%x",
                       dev->cfg.label, cmd->channel, cmd->opcode, id, PROTO_MAX_TASK_ID);
        return NULL;
    }
    if (!dev->tasks) {
        dev->tasks = ut_calloc_array(PROTO_MAX_TASK_ID + 1, sizeof(*dev->tasks));
        if (!dev->tasks) {
            UT_ERROR(dev->cfg.log_dev, "task", "dev=%s: out of memory for the task table",
                     dev->cfg.label);
            return NULL;
        }
    }
    if (dev->tasks[id])
        return dev->tasks[id];
    if (dev->live_tasks >= PROTO_MAX_TASKS) {
        ut_guest_error(&dev->errs, UT_GERR_TASK, "dev=%s ch=%u op=0x%x task=%u: %u live tasks",
                       dev->cfg.label, cmd->channel, cmd->opcode, id, dev->live_tasks);
        return NULL;
    }
    struct proto_task *t = ut_calloc(1, sizeof(*t));
    if (!t) {
        UT_ERROR(dev->cfg.log_dev, "task", "dev=%s task=%u: out of memory", dev->cfg.label, id);
        return NULL;
    }
    t->id = id;
    dev->tasks[id] = t;
    dev->live_tasks++;
    return t;
}

/* Drops the host side of a task's address space and objects (not the slot table). */
static void
task_clear_space(struct proto_dev *dev, struct proto_task *t)
{
    mem_rangetable_free(t->space.ranges);
    t->space.ranges = NULL;
    t->space.root_pfn = 0;
    proto_task_objects_free(t, dev->cfg.be); /* a new client: its objects are gone (§9.1) */
}

static void
task_free(struct proto_dev *dev, struct proto_task *t)
{
    task_clear_space(dev, t);
    dev->tasks[t->id] = NULL;
    dev->live_tasks--;
    ut_free(t);
}

void
proto_tasks_drop_all(struct proto_dev *dev)
{
    if (!dev->tasks)
        return;
    for (uint32_t id = 0; id <= PROTO_MAX_TASK_ID && dev->live_tasks; id++) {
        if (dev->tasks[id])
            task_free(dev, dev->tasks[id]);
    }
    dev->kernel_task = UINT32_MAX;
}

static void
op_define_host_task(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t slot_index = mem_read_u32(r);
    uint64_t hint = mem_read_u64(r);
    uint32_t root_pfn = mem_read_u32(r);
    uint32_t id = slot_index >> 1; /* bit 0 is a completion flag (C10) */
    struct proto_task *t = task_get(dev, cmd, id);
    if (!t)
        return;
    if (t->defined && t->space.root_pfn == root_pfn && !t->space.ranges)
        return; /* the same root: nothing changes, the fault stays */
    /* A new root PFN is a new client: drop translations and objects, clear the fault. */
    task_clear_space(dev, t);
    t->space.root_pfn = root_pfn;
    t->defined = true;
    t->faulted = false;
    if (dev->kernel_task == UINT32_MAX)
        dev->kernel_task = id;
    UT_TRACE(dev->cfg.log_dev, "task", "dev=%s task=%u root_pfn=0x%x hint=0x%llx defined",
             dev->cfg.label, id, root_pfn, (unsigned long long)hint);
}

static void
op_define_task2(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    (void)mem_read_u64(r); /* root VA, unused */
    uint64_t va_size = mem_read_u64(r);
    struct proto_task *t = task_get(dev, cmd, id);
    if (!t)
        return;
    struct mem_rangetable *rt;
    if (mem_rangetable_new(va_size, &rt) != LAGFX_OK) {
        ut_guest_error(&dev->errs, UT_GERR_OUTER_VALUE,
                       "dev=%s op=0x00 task=%u size=0x%llx: range table refused", dev->cfg.label,
                       id, (unsigned long long)va_size);
        return;
    }
    task_clear_space(dev, t);
    t->space.ranges = rt;
    t->defined = true;
    t->faulted = false;
}

static void
op_delete_task(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    struct proto_task *t = proto_task_lookup(dev, id);
    if (!t) {
        UT_DEBUG(dev->cfg.log_dev, "task", "dev=%s ch=%u DeleteTask task=%u: not defined",
                 dev->cfg.label, cmd->channel, id);
        return;
    }
    task_free(dev, t);
}

static void
op_map_memory2(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    uint64_t va = mem_read_u64(r);
    uint32_t flags = mem_read_u32(r);
    uint32_t count = mem_read_u32(r);
    struct proto_task *t = proto_task_lookup(dev, id);
    if (count > PROTO_MAX_MAP_RANGES || count > mem_reader_left(r) / 16) {
        ut_guest_error_once(&dev->errs, UT_GERR_OUTER_VALUE, UT_NS_ROOT, cmd->opcode,
                            "dev=%s MapMemory2 task=%u count=%u: too many or truncated ranges",
                            dev->cfg.label, id, count);
        return;
    }
    if (!t || !t->space.ranges) {
        ut_guest_error(&dev->errs, UT_GERR_TASK, "dev=%s MapMemory2 task=%u: no range-table task",
                       dev->cfg.label, id);
        return;
    }
    lagfx_phys_range_t ranges[64];
    uint32_t done = 0;
    while (done < count) {
        uint32_t n = UT_MIN_U32(count - done, 64);
        for (uint32_t i = 0; i < n; i++) {
            ranges[i].gpa = mem_read_u64(r);
            ranges[i].length = mem_read_u64(r);
        }
        if (mem_rangetable_map(t->space.ranges, va, ranges, n, flags & 1) != LAGFX_OK) {
            ut_guest_error(&dev->errs, UT_GERR_OUTER_VALUE,
                           "dev=%s MapMemory2 task=%u va=0x%llx: ranges refused", dev->cfg.label,
                           id, (unsigned long long)va);
            return;
        }
        for (uint32_t i = 0; i < n; i++)
            va += ranges[i].length;
        done += n;
    }
}

static void
op_unmap_memory(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    uint64_t va = mem_read_u64(r);
    uint64_t len = mem_read_u64(r);
    struct proto_task *t = proto_task_lookup(dev, id);
    if (!t || !t->space.ranges) {
        ut_guest_error(&dev->errs, UT_GERR_TASK, "dev=%s ch=%u UnmapMemory task=%u: no range table",
                       dev->cfg.label, cmd->channel, id);
        return;
    }
    if (mem_rangetable_unmap(t->space.ranges, va, len) != LAGFX_OK)
        ut_guest_error(&dev->errs, UT_GERR_OUTER_VALUE,
                       "dev=%s UnmapMemory task=%u va=0x%llx len=0x%llx: refused", dev->cfg.label,
                       id, (unsigned long long)va, (unsigned long long)len);
}

static void
op_set_resource_heap(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    uint32_t vpn = mem_read_u32(r);
    uint32_t size = mem_read_u32(r);
    struct proto_task *t = task_get(dev, cmd, id);
    if (!t)
        return;
    t->heap_vpn = vpn;
    t->heap_size = size;
}

static void
op_delete_resource(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    uint32_t ref = mem_read_u32(r);
    struct proto_task *t = proto_task_lookup(dev, id);
    UT_DEBUG(dev->cfg.log_dev, "object", "dev=%s ch=%u DeleteResource task=%u ref=0x%x%s",
             dev->cfg.label, cmd->channel, id, ref, t ? "" : " (no such task)");
    if (t)
        proto_task_object_drop(t, dev->cfg.be, ref);
}

/* 0x06 InvalidateResources, 0x09 ReplacePhysical: drop the cached objects of every task. */
static void
op_invalidate_all(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    op_trace(dev, cmd, r);
    if (!dev->tasks)
        return;
    for (uint32_t id = 0, seen = 0; id <= PROTO_MAX_TASK_ID && seen < dev->live_tasks; id++) {
        if (dev->tasks[id]) {
            seen++;
            proto_task_objects_free(dev->tasks[id], dev->cfg.be);
        }
    }
}

static void
op_synchronize(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t id = mem_read_u32(r);
    uint32_t count = mem_read_u32(r);
    if (count > PROTO_MAX_SYNC_IDS || count > mem_reader_left(r) / 4) {
        ut_guest_error_once(&dev->errs, UT_GERR_OUTER_VALUE,
                            cmd->channel ? UT_NS_CHANNEL : UT_NS_ROOT, cmd->opcode,
                            "dev=%s ch=%u SynchronizeResources task=%u count=%u: not decoded",
                            dev->cfg.label, cmd->channel, id, count);
        return;
    }
    /* Count 0 is an empty commit: complete once earlier commands are (in-order queue). */
    UT_TRACE(dev->cfg.log_dev, "ring", "dev=%s ch=%u SynchronizeResources task=%u count=%u",
             dev->cfg.label, cmd->channel, id, count);
    struct proto_task *t = proto_task_lookup(dev, id);
    if (count == 0 || !t || !t->defined || t->faulted)
        return;
    uint32_t refs[256];
    struct mem_xlate *x = dev->xlate;
    mem_xlate_begin(x, dev->cfg.guest, &t->space);
    struct proto_decode_env env = {
        .dev = dev->cfg.log_dev,
        .task = t,
        .io = proto_guest_io_xlate(x),
        .be = dev->cfg.be,
        .errs = &dev->errs,
        .display_width = dev->displays[0].cur_width,
    };
    for (uint32_t done = 0; done < count;) {
        uint32_t n = UT_MIN_U32(count - done, 256);
        for (uint32_t i = 0; i < n; i++)
            refs[i] = mem_read_u32(r);
        if (proto_cmdbuf_synchronize(&env, refs, n) != LAGFX_OK)
            break; /* out of memory: logged by the decoder */
        done += n;
    }
    mem_xlate_end(x);
    /* The stamp waits for the write-backs: complete through the backend, in order. */
    proto_complete_after_flush(dev, cmd, -1);
}

/* 0x22 / 0x39 on channels 1-4: a 20-byte trailer at the END of the payload (§8.3). */
static void
op_memory_trailer(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    struct mem_reader t = *r;
    mem_reader_skip(&t, r->size - 20);
    uint32_t id = mem_read_u32(&t);
    uint64_t va = mem_read_u64(&t);
    uint64_t len = mem_read_u64(&t);
    UT_TRACE(dev->cfg.log_dev, "task", "dev=%s ch=%u op=0x%x %s task=%u va=0x%llx len=0x%llx",
             dev->cfg.label, cmd->channel, cmd->opcode, proto_outer_name(cmd->channel, cmd->opcode),
             id, (unsigned long long)va, (unsigned long long)len);
}

/* ---- Child channels (§7) ---- */

static void
op_define_child_channel(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t ch = mem_read_u32(r); /* longer payloads: first u32 only (§8.6) */
    if (ch < 1 || ch >= PROTO_FIRST_PIPE) {
        ut_guest_error_once(&dev->errs, UT_GERR_OUTER_VALUE, UT_NS_ROOT, cmd->opcode,
                            "dev=%s DefineChildChannel %u: not a child channel", dev->cfg.label,
                            ch);
        return;
    }
    dev->channels[ch].defined = true;
    dev->channels[ch].refresh = true;
}

/* ---- ExecIndirect (§10.1): the core's part; decoding is proto_exec_indirect ---- */

static void
op_exec_indirect(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    if (r->size <= 8)
        return; /* empty commit: completes after earlier commands (in-order queue) */
    if (r->size < 12) {
        UT_DEBUG(dev->cfg.log_dev, "cmdbuf", "dev=%s ch=%u ExecIndirect payload %zu bytes",
                 dev->cfg.label, cmd->channel, r->size);
        return;
    }
    uint32_t id = mem_le32(r->p);
    struct proto_task *t = proto_task_lookup(dev, id);
    if (!t || !t->defined) {
        ut_guest_error(&dev->errs, UT_GERR_TASK, "dev=%s ch=%u ExecIndirect task=%u: not defined",
                       dev->cfg.label, cmd->channel, id);
        return;
    }
    if (t->faulted)
        return; /* sticky fault: complete without decoding (§17.1) */

    struct mem_xlate *x = dev->xlate; /* reused: begin invalidates by generation (§9.5) */
    mem_xlate_begin(x, dev->cfg.guest, &t->space);
    struct proto_exec_env env = {
        .dev = dev->cfg.log_dev,
        .channel = cmd->channel,
        .task = t,
        .xlate = x,
        .guest = dev->cfg.guest,
        .be = dev->cfg.be,
        .errs = &dev->errs,
        .display_width = dev->displays[0].cur_width,
        .trace = dev->cfg.trace,
        .surface_written = proto_surface_written,
        .surface_needed = proto_surface_needed,
        .surface_user = dev,
    };
    lagfx_status_t st = proto_exec_indirect(&env, r->p, r->size);
    mem_xlate_end(x);
    dev->inner_commands += env.inner_commands;
    if (st == LAGFX_ERROR_GUEST_FAULT) {
        t->faulted = true;
        t->fault_count++;
        atomic_fetch_add(&dev->guest_faults, 1);
        ut_guest_error(&dev->errs, UT_GERR_TASK_FAULT, "dev=%s ch=%u task=%u: task faulted",
                       dev->cfg.label, cmd->channel, id);
        if (dev->cfg.sink.guest_fault)
            dev->cfg.sink.guest_fault(dev->cfg.sink.user);
        return;
    }
    proto_complete_after_flush(dev, cmd, -1);
}

/* ---- GetDeviceInfo2 (§8.5) ---- */

/* Keys 0x01-0x29 (index = key - 1); values are host choices (C09), one row a key. */
static const uint32_t device_info_values[PROTO_DEVICE_INFO_PAIRS] = {
    [0x01 - 1] = 4,       /* MSAA sample count (must be >= 1) */
    [0x02 - 1] = 1,       /* Depth24Unorm_Stencil8 */
    [0x03 - 1] = 1024,    /* max threads per threadgroup, width */
    [0x04 - 1] = 1024,    /* ... height */
    [0x05 - 1] = 1024,    /* ... depth */
    [0x06 - 1] = 32768,   /* max threadgroup memory */
    [0x07 - 1] = 1,       /* framebuffer read */
    [0x08 - 1] = 1,       /* RGB10A2 gamma */
    [0x09 - 1] = 0,       /* native FP16 */
    [0x0A - 1] = 0x20008, /* deserializer version */
    [0x0B - 1] = 0x7F,    /* primitive-type support mask */
    [0x0C - 1] = 0,       /* multiplane textures */
    [0x0D - 1] = 256,     /* linear texture alignment */
    [0x0E - 1] = 1,       /* heap buffers */
    [0x0F - 1] = 256,     /* heap buffer alignment */
    [0x10 - 1] = 1,       /* heap textures */
    [0x11 - 1] = 1,       /* buffer from IOSurface */
    [0x12 - 1] = 0x20008, /* max Metal shader version */
    [0x13 - 1] = 0,       /* shared textures */
    [0x14 - 1] = 1,       /* max vertex amplification */
    [0x15 - 1] = 0,       /* programmable sample positions */
    [0x16 - 1] = 0,       /* rasterization-rate layers */
    [0x17 - 1] = 0,       /* tile shaders */
    [0x18 - 1] = 0,       /* imageblocks */
    [0x19 - 1] = 0,       /* raster order groups */
    [0x1A - 1] = 0,       /* memory-order atomics */
    [0x1B - 1] = 0,       /* large MRT */
    [0x1C - 1] = 0,       /* support flags (2023) */
    [0x1D - 1] = 1024,    /* max total compute threads */
    [0x1E - 1] = 32768,   /* max compute local memory */
    [0x1F - 1] = 32768,   /* max compute threadgroup memory */
    [0x20 - 1] = 256,     /* threadgroup memory alignment */
    [0x21 - 1] = 0,       /* support flags (2024) */
    [0x22 - 1] = 1,       /* GPU core count */
    [0x23 - 1] = 2048,    /* max texture array layers */
    [0x24 - 1] = 0,       /* max predicated nesting depth */
    [0x25 - 1] = 0x10005, /* host GPU family (project encoding) */
    [0x26 - 1] = 1,       /* argument buffers tier */
    [0x27 - 1] = 1024,    /* argument-buffer max samplers */
    [0x28 - 1] = 256,     /* min linear texture alignment */
    [0x29 - 1] = 0,       /* texture write rounding modes */
};
_Static_assert(PROTO_DEVICE_INFO_PAIRS == 0x29, "GetDeviceInfo2 has keys 0x01-0x29");

static void
op_get_device_info2(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t kind = mem_read_u32(r);
    uint32_t capacity = mem_read_u32(r);
    uint32_t pfn = mem_read_u32(r);
    if (kind != 0x2A)
        ut_guest_error_once(&dev->errs, UT_GERR_OUTER_VALUE, UT_NS_ROOT, cmd->opcode,
                            "dev=%s GetDeviceInfo2 kind=0x%x: answered as 0x2A", dev->cfg.label,
                            kind);
    uint32_t n =
        UT_MIN_U32(UT_MIN_U32(PROTO_DEVICE_INFO_PAIRS, capacity), PROTO_MAX_DEVICE_INFO_QW);
    uint8_t reply[PROTO_DEVICE_INFO_PAIRS * 8];
    for (uint32_t k = 0; k < n; k++) {
        mem_put_le32(reply + 8 * k, k + 1);
        mem_put_le32(reply + 8 * k + 4, device_info_values[k]);
    }
    uint64_t gpa = (uint64_t)pfn << 12;
    if (pfn == 0 || !mem_guest_write(dev->cfg.guest, gpa, reply, 8ull * n)) {
        ut_guest_error(&dev->errs, UT_GERR_OUTER_VALUE,
                       "dev=%s GetDeviceInfo2 reply_pfn=0x%x: outside guest RAM", dev->cfg.label,
                       pfn);
        return;
    }
    /* The count goes into the command's own length field, wrap-aware (§8.5 step 3). */
    if (cmd->channel == 0) {
        pthread_mutex_lock(&dev->ring_lock);
        uint64_t at = dev->root_data_gpa + (cmd->ring_off + 4) % dev->root_size;
        pthread_mutex_unlock(&dev->ring_lock);
        mem_guest_write_u32(dev->cfg.guest, at, n);
    }
}

/* ---- Display pipes: thin wrappers, the state is display.c's ---- */

static void
op_setup_shared_state(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    uint32_t index = mem_read_u32(r);
    uint32_t pfn = mem_read_u32(r);
    uint32_t port = cmd->channel - PROTO_FIRST_PIPE;
    if (index != port)
        ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, UT_NS_PIPE, cmd->opcode,
                            "dev=%s ch=%u SetupSharedState display=%u: the channel wins (%u)",
                            dev->cfg.label, cmd->channel, index, port);
    proto_display_setup(dev, port, pfn);
}

static void
op_define_subring(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    struct proto_display *d = &dev->displays[cmd->channel - PROTO_FIRST_PIPE];
    if (d->subring_count >= PROTO_MAX_SUBRINGS) {
        ut_guest_error_once(&dev->errs, UT_GERR_DISPLAY, UT_NS_PIPE, cmd->opcode,
                            "dev=%s ch=%u DefineChildFIFO: more than %u sub-rings ignored",
                            dev->cfg.label, cmd->channel, PROTO_MAX_SUBRINGS);
        return;
    }
    mem_read_bytes(r, d->subrings[d->subring_count++], PROTO_SUBRING_BYTES);
}

static void
op_present(struct proto_dev *dev, struct proto_outer *cmd, struct mem_reader *r)
{
    int port = proto_display_present(dev, cmd->channel, cmd->opcode, r);
    if (port >= 0)
        proto_complete_after_flush(dev, cmd, port);
}
