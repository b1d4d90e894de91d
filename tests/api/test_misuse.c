/* SPDX-License-Identifier: MIT */
/*
 * Bad API input (spec/api.md §8, §9): NULL, short struct_size, unknown flags, mixed memory
 * models, bad MMIO lengths, out-of-range and taken ports, too many or invalid modes, wrong
 * states, bad RAM regions, frame reads with bad destinations. Each returns the documented
 * status and nothing crashes.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guestsim.h"

static void
irq(void *u, uint32_t v)
{
    (void)u, (void)v;
}

static lagfx_shell_task_t *
mk(void *u, uint64_t s, void **b)
{
    (void)u, (void)s, (void)b;
    return NULL;
}

static bool
rd(void *u, uint64_t g, uint64_t l, void *d)
{
    (void)u, (void)g, (void)l, (void)d;
    return false;
}

int
main(void)
{
    /* Library-wide. */
    CHECK_EQ_U32(lagfx_get_version(), LAGFX_MAKE_VERSION(1, 0, 0));
    CHECK_STR(lagfx_get_version_string(), "1.0.0 (vulkan)");
    CHECK_STR(lagfx_status_string(LAGFX_ERROR_RESUME_DISPLAY_PORT_COUNT),
              "LAGFX_ERROR_RESUME_DISPLAY_PORT_COUNT");
    CHECK_STR(lagfx_status_string((lagfx_status_t)-55), "unknown status");
    lagfx_free(NULL);
    lagfx_device_descriptor_init(NULL);
    lagfx_shell_callbacks_init(NULL);
    lagfx_display_descriptor_init(NULL);
    lagfx_display_callbacks_init(NULL);
    lagfx_device_free(NULL);
    lagfx_display_free(NULL);
    lagfx_task_free(NULL);
    CHECK(lagfx_device_has_feature(NULL, LAGFX_FEATURE_RAM_REGIONS));
    CHECK(lagfx_device_has_feature(NULL, LAGFX_FEATURE_TASK_CALLBACKS));
    CHECK(lagfx_device_has_feature(NULL, LAGFX_FEATURE_MULTI_DISPLAY));
    CHECK(!lagfx_device_has_feature(NULL, LAGFX_FEATURE_SUSPEND_RESUME));
    CHECK(!lagfx_device_has_feature(NULL, (lagfx_feature_t)999));

    lagfx_shell_callbacks_t cb;
    lagfx_shell_callbacks_init(&cb);
    CHECK_EQ_U32(cb.struct_size, sizeof(cb));
    lagfx_device_descriptor_t dd;
    lagfx_device_descriptor_init(&dd);
    CHECK_EQ_U64(dd.mmio_length, LAGFX_DEFAULT_MMIO_LENGTH);
    CHECK_EQ_U32(dd.display_port_count, 1);
    lagfx_device_t *dev = (lagfx_device_t *)(uintptr_t)0x1;

    /* device_new: every bad descriptor, *dev_out untouched. */
    CHECK_STATUS(lagfx_device_new(NULL, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_device_new(&dd, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT); /* no callbacks */
    dd.callbacks = &cb;
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT); /* no irq */
    cb.raise_interrupt = irq;
    dd.struct_size = 8;
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    dd.struct_size = sizeof(dd);
    dd.flags = 0x80;
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_NOT_SUPPORTED);
    dd.flags = 0;
    cb.struct_size = 4;
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    cb.struct_size = sizeof(cb);
    cb.flags = 1;
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_NOT_SUPPORTED);
    cb.flags = 0;
    cb.read_memory = rd; /* mixed: region model with a task-model callback */
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    cb.read_memory = NULL;
    cb.create_task = mk; /* task model missing its other callbacks */
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    cb.create_task = NULL;
    dd.mmio_length = 0x3000; /* not a power of two */
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    dd.mmio_length = 0x2000; /* below 16 KiB */
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    dd.mmio_length = 0x8000;
    dd.display_port_count = 9;
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    dd.display_port_count = 2;
    dd.ram_region_count = 1; /* regions NULL */
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    lagfx_ram_region_t bad = { .gpa = 0x1001, .length = 0x1000, .host_ptr = NULL, .fd = -1 };
    dd.ram_regions = &bad;
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    dd.ram_regions = NULL;
    dd.ram_region_count = LAGFX_MAX_RAM_REGIONS + 1;
    CHECK_STATUS(lagfx_device_new(&dd, &dev), LAGFX_ERROR_INVALID_ARGUMENT);
    dd.ram_region_count = 0;
    CHECK(dev == (lagfx_device_t *)(uintptr_t)0x1);

    /* A good one (HEADLESS, larger BAR, 2 ports). */
    dd.flags = LAGFX_DEVICE_HEADLESS;
    dd.label = "misuse";
    REQUIRE(lagfx_device_new(&dd, &dev) == LAGFX_OK);
    lagfx_device_info_t info = { .struct_size = sizeof(info) };
    CHECK_STATUS(lagfx_device_get_info(dev, &info), LAGFX_OK);
    CHECK_EQ_U64(info.mmio_length, 0x8000);
    CHECK_EQ_U32(info.display_port_count, 2);
    CHECK_EQ_U32(info.state, LAGFX_DEVICE_RUNNING);
    CHECK_EQ_U32(info.memory_model, LAGFX_MEMORY_RAM_REGIONS);
    uint64_t v;
    CHECK_STATUS(lagfx_mmio_read(dev, 0x7FFC, 4, &v), LAGFX_OK); /* inside the larger BAR */
    CHECK_STATUS(lagfx_mmio_read(dev, 0x8000, 4, &v), LAGFX_ERROR_BAD_ACCESS);
    CHECK_STATUS(lagfx_mmio_read(dev, 0x1000, 4, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    info.struct_size = 4;
    CHECK_STATUS(lagfx_device_get_info(dev, &info), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_device_get_info(dev, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_device_get_info(NULL, &info), LAGFX_ERROR_INVALID_ARGUMENT);

    /* States. */
    CHECK_STATUS(lagfx_device_unpause(dev), LAGFX_ERROR_BAD_STATE);
    CHECK_STATUS(lagfx_device_pause(dev), LAGFX_OK);
    CHECK_STATUS(lagfx_device_pause(dev), LAGFX_ERROR_BAD_STATE);
    CHECK_STATUS(lagfx_mmio_write(dev, 0x1034, 4, 6), LAGFX_OK); /* recorded while paused */
    CHECK_STATUS(lagfx_device_unpause(dev), LAGFX_OK);
    CHECK_STATUS(lagfx_mmio_read(dev, 0x1034, 4, &v), LAGFX_OK);
    CHECK_EQ_U64(v, 6);
    CHECK_STATUS(lagfx_device_stop(dev), LAGFX_OK);
    CHECK_STATUS(lagfx_device_pause(dev), LAGFX_ERROR_BAD_STATE);
    info.struct_size = sizeof(info);
    lagfx_device_get_info(dev, &info);
    CHECK_EQ_U32(info.state, LAGFX_DEVICE_STOPPED);
    CHECK_STATUS(lagfx_device_reset(dev), LAGFX_OK);
    lagfx_device_get_info(dev, &info);
    CHECK_EQ_U32(info.state, LAGFX_DEVICE_RUNNING);

    /* Suspend/resume: not supported in this build. */
    void *state = NULL;
    size_t size = 0;
    CHECK_STATUS(lagfx_device_will_suspend(dev), LAGFX_ERROR_NOT_SUPPORTED);
    CHECK_STATUS(lagfx_device_finish_suspend(dev, &state, &size), LAGFX_ERROR_NOT_SUPPORTED);
    CHECK_STATUS(lagfx_device_cancel_suspend(dev), LAGFX_ERROR_NOT_SUPPORTED);
    CHECK_STATUS(lagfx_device_will_resume(dev, "x", 1), LAGFX_ERROR_NOT_SUPPORTED);
    CHECK_STATUS(lagfx_device_did_resume(dev), LAGFX_ERROR_NOT_SUPPORTED);

    /* RAM regions: overlapping and misaligned lists are refused whole. */
    void *ram = aligned_alloc(4096, 3 * 4096);
    lagfx_ram_region_t r2[2] = {
        { .gpa = 0, .length = 0x2000, .host_ptr = ram, .fd = -1 },
        { .gpa = 0x1000, .length = 0x1000, .host_ptr = (char *)ram + 0x2000, .fd = -1 },
    };
    CHECK_STATUS(lagfx_device_set_ram_regions(dev, r2, 2), LAGFX_ERROR_INVALID_ARGUMENT);
    r2[1].gpa = 0x2000;
    CHECK_STATUS(lagfx_device_set_ram_regions(dev, r2, 2), LAGFX_OK);
    CHECK_STATUS(lagfx_device_set_ram_regions(dev, NULL, 1), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_device_set_ram_regions(dev, NULL, 0), LAGFX_OK);

    /* Displays. */
    lagfx_display_descriptor_t pd;
    lagfx_display_descriptor_init(&pd);
    CHECK_STR(pd.name, "Linux Virtual");
    CHECK_EQ_U32(pd.width_mm, 400);
    CHECK_EQ_U32(pd.height_mm, 300);
    lagfx_display_t *d = (lagfx_display_t *)(uintptr_t)0x1;
    CHECK_STATUS(lagfx_display_new(dev, &pd, 2, 1, &d), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_display_new(dev, NULL, 0, 1, &d), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_display_new(NULL, &pd, 0, 1, &d), LAGFX_ERROR_INVALID_ARGUMENT);
    pd.flags = LAGFX_DISPLAY_DMABUF;
    CHECK_STATUS(lagfx_display_new(dev, &pd, 0, 1, &d), LAGFX_ERROR_NOT_SUPPORTED);
    pd.flags = 0x10;
    CHECK_STATUS(lagfx_display_new(dev, &pd, 0, 1, &d), LAGFX_ERROR_NOT_SUPPORTED);
    pd.flags = 0;
    lagfx_display_mode_t *many = calloc(LAGFX_MAX_DISPLAY_MODES + 1, sizeof(*many));
    for (int i = 0; i <= LAGFX_MAX_DISPLAY_MODES; i++)
        many[i] = (lagfx_display_mode_t){ 800, 600, 60000 };
    pd.modes = many;
    pd.mode_count = LAGFX_MAX_DISPLAY_MODES + 1;
    CHECK_STATUS(lagfx_display_new(dev, &pd, 0, 1, &d), LAGFX_ERROR_INVALID_ARGUMENT);
    pd.mode_count = 1;
    many[0].refresh_millihz = 999;
    CHECK_STATUS(lagfx_display_new(dev, &pd, 0, 1, &d), LAGFX_ERROR_INVALID_ARGUMENT);
    many[0] = (lagfx_display_mode_t){ 16385, 600, 60000 };
    CHECK_STATUS(lagfx_display_new(dev, &pd, 0, 1, &d), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK(d == (lagfx_display_t *)(uintptr_t)0x1);
    many[0] = (lagfx_display_mode_t){ 800, 600, 60000 };
    pd.name = "A name much longer than thirteen bytes";
    REQUIRE(lagfx_display_new(dev, &pd, 0, 42, &d) == LAGFX_OK);
    lagfx_display_t *d2;
    CHECK_STATUS(lagfx_display_new(dev, &pd, 0, 43, &d2), LAGFX_ERROR_BUSY);
    pd.mode_count = 0;
    REQUIRE(lagfx_display_new(dev, &pd, 1, 43, &d2) == LAGFX_OK);
    lagfx_display_info_t di = { .struct_size = sizeof(di) };
    CHECK_STATUS(lagfx_display_get_info(d, &di), LAGFX_OK);
    CHECK_EQ_U32(di.port, 0);
    CHECK_EQ_U32(di.serial, 42);
    CHECK_EQ_U32(di.flags, LAGFX_DISPLAY_INFO_PLUGGED);
    CHECK_EQ_U32(di.width, 0); /* no mode set by the guest yet */
    CHECK_STATUS(lagfx_display_get_info(d2, &di), LAGFX_OK);
    CHECK_EQ_U32(di.flags, 0); /* unplugged */
    CHECK_STATUS(lagfx_display_set_mode_list(d2, many, 0), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_display_set_mode_list(d2, many, LAGFX_MAX_DISPLAY_MODES + 1),
                 LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_display_set_mode_list(d2, many, LAGFX_MAX_DISPLAY_MODES), LAGFX_OK);
    CHECK_STATUS(lagfx_display_get_info(d2, &di), LAGFX_OK);
    CHECK_EQ_U32(di.flags, LAGFX_DISPLAY_INFO_PLUGGED);
    lagfx_coord_t pos;
    CHECK_STATUS(lagfx_display_get_cursor_position(d, &pos), LAGFX_OK);
    CHECK_EQ_U32(pos.x, LAGFX_CURSOR_OFF_DISPLAY);
    CHECK_EQ_U32(pos.y, LAGFX_CURSOR_OFF_DISPLAY);
    CHECK_STATUS(lagfx_display_get_cursor_position(d, NULL), LAGFX_ERROR_INVALID_ARGUMENT);

    /* Frames: argument checks first, then NO_FRAME (headless) and BAD_STATE (unplugged). */
    uint32_t px[16];
    lagfx_frame_dst_t dst = {
        .struct_size = sizeof(dst), .pixels = px, .size = sizeof(px), .width = 4, .height = 4
    };
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_NO_FRAME);
    dst.stride = 8; /* < width * 4 */
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    dst.stride = 0;
    dst.size = 60; /* < stride * (h - 1) + w * 4 */
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    dst.size = sizeof(px);
    dst.pixels = NULL;
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    dst.pixels = px;
    dst.format = LAGFX_FOURCC('N', 'V', '1', '2');
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    dst.format = 0;
    dst.struct_size = 8;
    CHECK_STATUS(lagfx_display_read_frame(d, &dst, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    dst.struct_size = sizeof(dst);
    lagfx_dmabuf_frame_t fr = { .struct_size = sizeof(fr) };
    CHECK_STATUS(lagfx_display_export_frame(d, &fr), LAGFX_ERROR_NOT_SUPPORTED);
    CHECK_STATUS(lagfx_display_release_frame(d, 77, -1), LAGFX_ERROR_INVALID_ARGUMENT);

    lagfx_display_free(d2);
    lagfx_display_free(d);
    CHECK_STATUS(lagfx_display_new(dev, &pd, 0, 44, &d), LAGFX_OK); /* the port is free again */
    lagfx_device_free(dev); /* frees the remaining display too */

    /* Task window helpers. */
    lagfx_task_t *t;
    CHECK_STATUS(lagfx_task_new(0, &t), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_new(4096, NULL), LAGFX_ERROR_INVALID_ARGUMENT);
    REQUIRE(lagfx_task_new(1 << 20, &t) == LAGFX_OK);
    CHECK(lagfx_task_get_base(t) != NULL);
    CHECK_STATUS(lagfx_task_map(t, 1, ram, 4096, false), LAGFX_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(lagfx_task_map(t, 0, ram, 4096, false), LAGFX_ERROR_NOT_SUPPORTED); /* private */
    CHECK_STATUS(lagfx_task_unmap(t, 1 << 20, 4096), LAGFX_ERROR_INVALID_ARGUMENT);
    lagfx_task_free(t);
    free(ram);
    free(many);
    return check_finish();
}
