/* SPDX-License-Identifier: MIT */
/*
 * The Vulkan backend (spec/api.md §4-§7; issue "Vulkan backend"): implements struct be_ops
 * (src/backend.h) on any Vulkan 1.2+ device, lavapipe included. The api layer creates it in
 * lagfx_device_new unless the device is HEADLESS. Threads: be_ops are called by the protocol
 * worker; frame_acquire/release by any thread; the backend runs its own completion thread
 * ("lagfx-<label>-gpu") that waits for fences and calls flush's done callbacks.
 */
#ifndef LAGFX_VULKAN_VKB_H
#define LAGFX_VULKAN_VKB_H

#include <stdbool.h>
#include <stdint.h>

#include <libapplegfx-vulkan.h>

struct be;

struct vkb_config {
    lagfx_device_t *log_dev; /* for LAGFX_LOG lines; may be NULL */
    const char *label;       /* thread names */
    /* GPU choice: the descriptor's vk_device, else LAGFX_VK_DEVICE, else NULL = automatic
     * (discrete > integrated > virtual > cpu). A number is the enumeration index, 32 hex
     * digits a deviceUUID, anything else a case-insensitive deviceName substring. */
    const char *device_selector;
    bool validation;       /* enable VK_LAYER_KHRONOS_validation (LAGFX_VALIDATION=1) */
    const char *cache_dir; /* pipeline cache directory; NULL or "" = none */
    /* Device loss (VK_ERROR_DEVICE_LOST): called once from any backend thread. */
    void (*lost)(void *user);
    void *user;
};

struct vkb_info {
    uint32_t vendor_id, device_id;
    uint8_t uuid[16];
    char name[256];
    char driver[256];        /* driverName + driverInfo */
    bool dmabuf_export;      /* VK_EXT_external_memory_dma_buf usable for display images */
    bool host_memory_import; /* VK_EXT_external_memory_host */
};

/* NO_DEVICE: no loader, no usable device, or no match for the selector (candidates logged at
 * INFO). OUT_OF_MEMORY, INTERNAL. On success *out is a struct be with every op set. */
lagfx_status_t
vkb_backend_new(const struct vkb_config *cfg, struct be **out, struct vkb_info *info);

#endif /* LAGFX_VULKAN_VKB_H */
