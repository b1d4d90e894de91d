/* SPDX-License-Identifier: MIT */
/*
 * Instance, physical-device choice, logical device and queue of the Vulkan backend, the
 * validation messenger (every message counted for tests), memory-type choice and the ops table
 * (vkb_backend_new) and teardown (destroy). Runs on the thread that calls vkb_backend_new and
 * on the worker that calls destroy; the messenger callback on any Vulkan-calling thread.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/log.h"
#include "util/thread.h"
#include "vulkan/vkb_internal.h"

#define LOGDEV(b) ((b)->cfg.log_dev)

lagfx_status_t
vkb_check(struct vkb *b, VkResult r, const char *what)
{
    switch (r) {
    case VK_SUCCESS:
        return LAGFX_OK;
    case VK_ERROR_OUT_OF_HOST_MEMORY:
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_POOL_MEMORY:
    case VK_ERROR_FRAGMENTED_POOL:
        UT_ERROR(LOGDEV(b), VKB_DOMAIN, "%s: out of memory (VkResult %d)", what, (int)r);
        return LAGFX_ERROR_OUT_OF_MEMORY;
    case VK_ERROR_DEVICE_LOST:
        UT_ERROR(LOGDEV(b), VKB_DOMAIN, "%s: device lost", what);
        vkb_set_lost(b);
        return LAGFX_ERROR_DEVICE_LOST;
    case VK_ERROR_FORMAT_NOT_SUPPORTED:
    case VK_ERROR_FEATURE_NOT_PRESENT:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "%s: not supported (VkResult %d)", what, (int)r);
        return LAGFX_ERROR_NOT_SUPPORTED;
    default:
        UT_ERROR(LOGDEV(b), VKB_DOMAIN, "%s: VkResult %d", what, (int)r);
        return LAGFX_ERROR_INTERNAL;
    }
}

void
vkb_set_lost(struct vkb *b)
{
    atomic_store(&b->lost, true);
    if (!atomic_exchange(&b->lost_reported, true)) {
        UT_ERROR(LOGDEV(b), VKB_DOMAIN, "dev=%s device lost", b->label);
        if (b->cfg.lost)
            b->cfg.lost(b->cfg.user);
    }
}

int32_t
vkb_memory_type(struct vkb *b,
                uint32_t bits,
                VkMemoryPropertyFlags want,
                VkMemoryPropertyFlags prefer)
{
    int32_t found = -1;
    for (uint32_t i = 0; i < b->mem_props.memoryTypeCount; i++) {
        VkMemoryPropertyFlags f = b->mem_props.memoryTypes[i].propertyFlags;
        if (!(bits & (1u << i)) || (f & want) != want)
            continue;
        if ((f & prefer) == prefer)
            return (int32_t)i;
        if (found < 0)
            found = (int32_t)i;
    }
    return found;
}

lagfx_status_t
vkb_buffer_alloc(struct vkb *b,
                 uint64_t size,
                 VkBufferUsageFlags usage,
                 bool cached,
                 VkBuffer *buf,
                 VkDeviceMemory *mem,
                 uint8_t **map)
{
    VkBufferCreateInfo bi = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                              .size = size ? size : 4,
                              .usage = usage,
                              .sharingMode = VK_SHARING_MODE_EXCLUSIVE };
    lagfx_status_t st = vkb_check(b, vkCreateBuffer(b->dev, &bi, NULL, buf), "vkCreateBuffer");
    if (st != LAGFX_OK)
        return st;
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(b->dev, *buf, &req);
    VkMemoryPropertyFlags want =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    /* Readback memory must be cached: CPU reads of uncached memory are an order of magnitude
     * slower (performance.md §6). */
    int32_t type = vkb_memory_type(b, req.memoryTypeBits, want,
                                   cached ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0);
    if (type < 0) {
        UT_ERROR(LOGDEV(b), VKB_DOMAIN, "no host-visible coherent memory type for a buffer");
        st = LAGFX_ERROR_NOT_SUPPORTED;
        goto err_buf;
    }
    VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                .allocationSize = req.size,
                                .memoryTypeIndex = (uint32_t)type };
    st = vkb_check(b, vkAllocateMemory(b->dev, &ai, NULL, mem), "vkAllocateMemory");
    if (st != LAGFX_OK)
        goto err_buf;
    st = vkb_check(b, vkBindBufferMemory(b->dev, *buf, *mem, 0), "vkBindBufferMemory");
    if (st != LAGFX_OK)
        goto err_mem;
    void *p = NULL;
    st = vkb_check(b, vkMapMemory(b->dev, *mem, 0, VK_WHOLE_SIZE, 0, &p), "vkMapMemory");
    if (st != LAGFX_OK)
        goto err_mem;
    *map = p;
    atomic_fetch_add(&b->live_objects, 2);
    return LAGFX_OK;

err_mem:
    vkFreeMemory(b->dev, *mem, NULL);
err_buf:
    vkDestroyBuffer(b->dev, *buf, NULL);
    *buf = VK_NULL_HANDLE;
    *mem = VK_NULL_HANDLE;
    return st;
}

void
vkb_buffer_free(struct vkb *b, VkBuffer buf, VkDeviceMemory mem)
{
    if (buf) {
        vkDestroyBuffer(b->dev, buf, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
    if (mem) {
        vkFreeMemory(b->dev, mem, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
}

/* ---- instance ---- */

/* Every validation message of every backend, kept after destroy (leak reports come from
 * vkDestroyDevice, when the backend is nearly gone). */
static _Atomic uint64_t total_messages;

uint64_t
vkb_validation_messages_total(void)
{
    return atomic_load(&total_messages);
}

static VkBool32 VKAPI_PTR
messenger_cb(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
             VkDebugUtilsMessageTypeFlagsEXT type,
             const VkDebugUtilsMessengerCallbackDataEXT *data,
             void *user)
{
    struct vkb *b = user;
    atomic_fetch_add(&b->validation_messages, 1);
    atomic_fetch_add(&total_messages, 1);
    lagfx_log_level_t lvl =
        (sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) ? LAGFX_LOG_ERROR : LAGFX_LOG_WARN;
    LAGFX_LOG(lvl, LOGDEV(b), VKB_DOMAIN, "validation: %s",
              data && data->pMessage ? data->pMessage : "?");
    return VK_FALSE;
}

static bool
has_layer(const char *name)
{
    uint32_t n = 0;
    if (vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || n == 0)
        return false;
    VkLayerProperties *p = ut_calloc_array(n, sizeof(*p));
    if (!p)
        return false;
    bool found = false;
    if (vkEnumerateInstanceLayerProperties(&n, p) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++)
            found = strcmp(p[i].layerName, name) == 0;
    ut_free(p);
    return found;
}

static lagfx_status_t
instance_create(struct vkb *b, bool validation)
{
    uint32_t api = VK_API_VERSION_1_0;
    if (vkEnumerateInstanceVersion(&api) != VK_SUCCESS || api < VK_API_VERSION_1_2) {
        UT_INFO(LOGDEV(b), VKB_DOMAIN, "Vulkan loader below 1.2");
        return LAGFX_ERROR_NO_DEVICE;
    }
    const char *layers[1];
    const char *exts[1];
    uint32_t nlayers = 0, nexts = 0;
    if (validation) {
        if (has_layer("VK_LAYER_KHRONOS_validation")) {
            layers[nlayers++] = "VK_LAYER_KHRONOS_validation";
            exts[nexts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
        } else {
            UT_WARN(LOGDEV(b), VKB_DOMAIN, "validation requested but not installed");
        }
    }
    VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                              .pApplicationName = "libapplegfx-vulkan",
                              .pEngineName = "libapplegfx-vulkan",
                              .apiVersion = VK_API_VERSION_1_3 };
    VkDebugUtilsMessengerCreateInfoEXT mi = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
        /* Performance warnings are not subscribed: they object to the GENERAL layout every
         * image keeps by design (resource.c; docs/vulkan-notes.md). */
        .pfnUserCallback = messenger_cb,
        .pUserData = b,
    };
    VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                .pNext = nexts ? &mi : NULL, /* instance create/destroy too */
                                .pApplicationInfo = &app,
                                .enabledLayerCount = nlayers,
                                .ppEnabledLayerNames = layers,
                                .enabledExtensionCount = nexts,
                                .ppEnabledExtensionNames = exts };
    VkResult r = vkCreateInstance(&ci, NULL, &b->instance);
    if (r != VK_SUCCESS) {
        UT_INFO(LOGDEV(b), VKB_DOMAIN, "vkCreateInstance: VkResult %d", (int)r);
        return r == VK_ERROR_OUT_OF_HOST_MEMORY ? LAGFX_ERROR_OUT_OF_MEMORY : LAGFX_ERROR_NO_DEVICE;
    }
    if (nexts) {
        b->fn.create_messenger = (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
            b->instance, "vkCreateDebugUtilsMessengerEXT");
        b->fn.destroy_messenger = (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
            b->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (b->fn.create_messenger &&
            b->fn.create_messenger(b->instance, &mi, NULL, &b->messenger) != VK_SUCCESS)
            b->messenger = VK_NULL_HANDLE;
    }
    return LAGFX_OK;
}

/* ---- physical device ---- */

struct candidate {
    VkPhysicalDevice phys;
    VkPhysicalDeviceProperties props;
    uint8_t uuid[16];
    bool usable;
    bool dyn_ext; /* 1.2 with the extensions (else 1.3 core) */
    bool host_import, dmabuf;
    uint32_t family;
};

static bool
has_ext(const VkExtensionProperties *e, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(e[i].extensionName, name) == 0)
            return true;
    return false;
}

static void
probe(struct vkb *b, struct candidate *c)
{
    VkPhysicalDeviceIDProperties idp = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES };
    VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                       .pNext = &idp };
    vkGetPhysicalDeviceProperties2(c->phys, &p2);
    c->props = p2.properties;
    memcpy(c->uuid, idp.deviceUUID, 16);
    if (c->props.apiVersion < VK_API_VERSION_1_2)
        return;
    uint32_t nq = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(c->phys, &nq, NULL);
    VkQueueFamilyProperties *q = ut_calloc_array(nq ? nq : 1, sizeof(*q));
    if (!q)
        return;
    vkGetPhysicalDeviceQueueFamilyProperties(c->phys, &nq, q);
    bool found = false;
    for (uint32_t i = 0; i < nq && !found; i++) {
        if ((q[i].queueFlags & (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT)) ==
            (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT)) {
            c->family = i;
            found = true;
        }
    }
    ut_free(q);
    if (!found)
        return;
    uint32_t ne = 0;
    vkEnumerateDeviceExtensionProperties(c->phys, NULL, &ne, NULL);
    VkExtensionProperties *e = ut_calloc_array(ne ? ne : 1, sizeof(*e));
    if (!e)
        return;
    vkEnumerateDeviceExtensionProperties(c->phys, NULL, &ne, e);
    c->host_import = has_ext(e, ne, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
    c->dmabuf = has_ext(e, ne, "VK_EXT_external_memory_dma_buf") &&
                has_ext(e, ne, "VK_EXT_image_drm_format_modifier");
    if (c->props.apiVersion >= VK_API_VERSION_1_3) {
        c->usable = true;
    } else {
        c->dyn_ext = true;
        c->usable = has_ext(e, ne, "VK_KHR_dynamic_rendering") &&
                    has_ext(e, ne, "VK_EXT_extended_dynamic_state");
    }
    ut_free(e);
}

static int
type_rank(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return 1;
    default:
        return 0;
    }
}

static bool
is_uuid(const char *s, uint8_t out[16])
{
    if (strlen(s) != 32)
        return false;
    for (int i = 0; i < 16; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char ch = (char)tolower((unsigned char)s[2 * i + k]);
            if (ch >= '0' && ch <= '9')
                v = v * 16 + (unsigned)(ch - '0');
            else if (ch >= 'a' && ch <= 'f')
                v = v * 16 + (unsigned)(ch - 'a' + 10);
            else
                return false;
        }
        out[i] = (uint8_t)v;
    }
    return true;
}

static bool
name_contains(const char *name, const char *sub)
{
    size_t n = strlen(name), m = strlen(sub);
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        while (k < m && tolower((unsigned char)name[i + k]) == tolower((unsigned char)sub[k]))
            k++;
        if (k == m)
            return true;
    }
    return false;
}

static bool
is_number(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

static lagfx_status_t
pick_device(struct vkb *b, const char *sel, struct candidate *out)
{
    uint32_t n = 0;
    if (vkEnumeratePhysicalDevices(b->instance, &n, NULL) != VK_SUCCESS || n == 0) {
        UT_INFO(LOGDEV(b), VKB_DOMAIN, "no Vulkan physical device");
        return LAGFX_ERROR_NO_DEVICE;
    }
    VkPhysicalDevice *pd = ut_calloc_array(n, sizeof(*pd));
    struct candidate *c = ut_calloc_array(n, sizeof(*c));
    lagfx_status_t st = LAGFX_ERROR_OUT_OF_MEMORY;
    if (!pd || !c)
        goto out;
    st = LAGFX_ERROR_NO_DEVICE;
    if (vkEnumeratePhysicalDevices(b->instance, &n, pd) < 0)
        goto out;
    for (uint32_t i = 0; i < n; i++) {
        c[i].phys = pd[i];
        probe(b, &c[i]);
        UT_INFO(LOGDEV(b), VKB_DOMAIN, "candidate %u: %s (type %d, api %u.%u)%s", i,
                c[i].props.deviceName, (int)c[i].props.deviceType,
                VK_API_VERSION_MAJOR(c[i].props.apiVersion),
                VK_API_VERSION_MINOR(c[i].props.apiVersion), c[i].usable ? "" : " unusable");
    }
    int best = -1;
    uint8_t uuid[16];
    if (sel && *sel) {
        bool num = is_number(sel), id = !num && is_uuid(sel, uuid);
        for (uint32_t i = 0; i < n && best < 0; i++) {
            bool match = num  ? strtoul(sel, NULL, 10) == i
                         : id ? memcmp(uuid, c[i].uuid, 16) == 0
                              : name_contains(c[i].props.deviceName, sel);
            if (match && c[i].usable)
                best = (int)i;
        }
        if (best < 0)
            UT_INFO(LOGDEV(b), VKB_DOMAIN, "no usable device matches \"%s\"", sel);
    } else {
        for (uint32_t i = 0; i < n; i++)
            if (c[i].usable && (best < 0 || type_rank(c[i].props.deviceType) >
                                                type_rank(c[best].props.deviceType)))
                best = (int)i;
    }
    if (best >= 0) {
        *out = c[best];
        st = LAGFX_OK;
    }
out:
    ut_free(pd);
    ut_free(c);
    return st;
}

static lagfx_status_t
device_create(struct vkb *b, const struct candidate *c)
{
    VkPhysicalDeviceFeatures avail;
    vkGetPhysicalDeviceFeatures(c->phys, &avail);
    VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2 };
    f2.features.fillModeNonSolid = avail.fillModeNonSolid;
    f2.features.depthClamp = avail.depthClamp;
    f2.features.dualSrcBlend = avail.dualSrcBlend;
    f2.features.independentBlend = avail.independentBlend;
    f2.features.samplerAnisotropy = avail.samplerAnisotropy;
    f2.features.shaderInt64 = avail.shaderInt64;
    f2.features.shaderInt16 = avail.shaderInt16;
    f2.features.shaderFloat64 = avail.shaderFloat64;
    f2.features.robustBufferAccess = avail.robustBufferAccess;
    f2.features.shaderStorageImageWriteWithoutFormat = avail.shaderStorageImageWriteWithoutFormat;
    f2.features.shaderStorageImageReadWithoutFormat = avail.shaderStorageImageReadWithoutFormat;
    f2.features.vertexPipelineStoresAndAtomics = avail.vertexPipelineStoresAndAtomics;
    f2.features.fragmentStoresAndAtomics = avail.fragmentStoresAndAtomics;
    f2.features.multiDrawIndirect = avail.multiDrawIndirect;
    f2.features.drawIndirectFirstInstance = avail.drawIndirectFirstInstance;
    b->fill_mode_non_solid = avail.fillModeNonSolid;
    b->depth_clamp = avail.depthClamp;
    b->dual_src = avail.dualSrcBlend;

    VkPhysicalDeviceVulkan12Features a12 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES
    };
    VkPhysicalDeviceFeatures2 q2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                     .pNext = &a12 };
    vkGetPhysicalDeviceFeatures2(c->phys, &q2);
    VkPhysicalDeviceVulkan12Features f12 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
        .scalarBlockLayout = a12.scalarBlockLayout,
        .shaderInt8 = a12.shaderInt8,
        .shaderFloat16 = a12.shaderFloat16,
        .storageBuffer8BitAccess = a12.storageBuffer8BitAccess,
        .uniformAndStorageBuffer8BitAccess = a12.uniformAndStorageBuffer8BitAccess,
        .timelineSemaphore = a12.timelineSemaphore,
    };
    VkPhysicalDeviceVulkan11Features f11 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
    };
    VkPhysicalDeviceVulkan11Features a11 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES
    };
    q2.pNext = &a11;
    vkGetPhysicalDeviceFeatures2(c->phys, &q2);
    f11.storageBuffer16BitAccess = a11.storageBuffer16BitAccess;
    b->int8 = a12.shaderInt8;
    b->storage8 = a12.storageBuffer8BitAccess;
    b->storage16 = a11.storageBuffer16BitAccess;
    f11.shaderDrawParameters = a11.shaderDrawParameters;
    VkPhysicalDeviceVulkan13Features f13 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
        .dynamicRendering = VK_TRUE,
    };
    VkPhysicalDeviceDynamicRenderingFeatures fdr = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DYNAMIC_RENDERING_FEATURES,
        .dynamicRendering = VK_TRUE,
    };
    VkPhysicalDeviceExtendedDynamicStateFeaturesEXT feds = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTENDED_DYNAMIC_STATE_FEATURES_EXT,
        .extendedDynamicState = VK_TRUE,
    };
    const char *exts[4];
    uint32_t nexts = 0;
    f2.pNext = &f11;
    f11.pNext = &f12;
    if (c->dyn_ext) {
        f12.pNext = &fdr;
        fdr.pNext = &feds;
        exts[nexts++] = "VK_KHR_dynamic_rendering";
        exts[nexts++] = "VK_EXT_extended_dynamic_state";
    } else {
        VkPhysicalDeviceVulkan13Features a13 = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES
        };
        q2.pNext = &a13;
        vkGetPhysicalDeviceFeatures2(c->phys, &q2);
        f13.shaderDemoteToHelperInvocation = a13.shaderDemoteToHelperInvocation;
        b->demote = a13.shaderDemoteToHelperInvocation;
        f12.pNext = &f13;
    }
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                   .queueFamilyIndex = c->family,
                                   .queueCount = 1,
                                   .pQueuePriorities = &prio };
    VkDeviceCreateInfo di = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                              .pNext = &f2,
                              .queueCreateInfoCount = 1,
                              .pQueueCreateInfos = &qi,
                              .enabledExtensionCount = nexts,
                              .ppEnabledExtensionNames = exts };
    VkResult r = vkCreateDevice(c->phys, &di, NULL, &b->dev);
    if (r != VK_SUCCESS) {
        UT_ERROR(LOGDEV(b), VKB_DOMAIN, "vkCreateDevice on %s: VkResult %d", c->props.deviceName,
                 (int)r);
        return r == VK_ERROR_OUT_OF_HOST_MEMORY || r == VK_ERROR_OUT_OF_DEVICE_MEMORY
                   ? LAGFX_ERROR_OUT_OF_MEMORY
                   : LAGFX_ERROR_NO_DEVICE;
    }
    vkGetDeviceQueue(b->dev, c->family, 0, &b->queue);
    b->phys = c->phys;
    b->queue_family = c->family;
    b->props = c->props;
    vkGetPhysicalDeviceMemoryProperties(c->phys, &b->mem_props);

    /* 1.3 core names, else the extensions' (same signatures). */
#define LOAD(field, core, ext)                                                              \
    b->fn.field = (void *)vkGetDeviceProcAddr(b->dev, c->dyn_ext ? ext : core);             \
    if (!b->fn.field) {                                                                     \
        UT_ERROR(LOGDEV(b), VKB_DOMAIN, "missing entry point %s", c->dyn_ext ? ext : core); \
        return LAGFX_ERROR_NO_DEVICE;                                                       \
    }
    LOAD(begin_rendering, "vkCmdBeginRendering", "vkCmdBeginRenderingKHR")
    LOAD(end_rendering, "vkCmdEndRendering", "vkCmdEndRenderingKHR")
    LOAD(set_cull_mode, "vkCmdSetCullMode", "vkCmdSetCullModeEXT")
    LOAD(set_front_face, "vkCmdSetFrontFace", "vkCmdSetFrontFaceEXT")
    LOAD(set_primitive_topology, "vkCmdSetPrimitiveTopology", "vkCmdSetPrimitiveTopologyEXT")
    LOAD(set_depth_test_enable, "vkCmdSetDepthTestEnable", "vkCmdSetDepthTestEnableEXT")
    LOAD(set_depth_write_enable, "vkCmdSetDepthWriteEnable", "vkCmdSetDepthWriteEnableEXT")
    LOAD(set_depth_compare_op, "vkCmdSetDepthCompareOp", "vkCmdSetDepthCompareOpEXT")
    LOAD(set_stencil_test_enable, "vkCmdSetStencilTestEnable", "vkCmdSetStencilTestEnableEXT")
    LOAD(set_stencil_op, "vkCmdSetStencilOp", "vkCmdSetStencilOpEXT")
    LOAD(set_depth_bounds_test_enable, "vkCmdSetDepthBoundsTestEnable",
         "vkCmdSetDepthBoundsTestEnableEXT")
#undef LOAD
    /* Depth-bias enable is core 1.3 / extended_dynamic_state2; without it, bias is always on
     * with zero factors (set_depth_bias sets them). */
    b->fn.set_depth_bias_enable =
        c->dyn_ext
            ? NULL
            : (PFN_vkCmdSetDepthBiasEnable)vkGetDeviceProcAddr(b->dev, "vkCmdSetDepthBiasEnable");
    return LAGFX_OK;
}

/* ---- ops ---- */

static void vkb_destroy(struct be *be);

static struct be_ops vkb_ops;
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;

static void
ops_init(void)
{
    vkb_ops.buffer_create = vkb_buffer_create;
    vkb_ops.texture_create = vkb_texture_create;
    vkb_ops.texture_view_create = vkb_texture_view_create;
    vkb_ops.sampler_create = vkb_sampler_create;
    vkb_ops.depth_stencil_create = vkb_depth_stencil_create;
    vkb_ops.function_create = vkb_function_create;
    vkb_ops.render_pipeline_create = vkb_render_pipeline_create;
    vkb_ops.compute_pipeline_create = vkb_compute_pipeline_create;
    vkb_ops.object_destroy = vkb_object_destroy;
    vkb_ops.refresh = vkb_refresh;
    vkb_ops.write_back = vkb_write_back;
    vkb_ops.buffer_written = vkb_buffer_written;
    vkb_render_ops(&vkb_ops);
    vkb_blit_ops(&vkb_ops);
    vkb_display_ops(&vkb_ops);
    vkb_ops.discard = vkb_discard;
    vkb_ops.flush = vkb_flush;
    vkb_ops.destroy = vkb_destroy;
}

static void
teardown(struct vkb *b)
{
    if (b->dev) {
        vkb_queue_stop(b); /* waits for the GPU, completes every batch */
        vkb_objects_release_all(b);
        vkb_surfaces_finish(b);
        vkb_ports_finish(b);
        vkb_dummies_finish(b);
        if (b->pcache) {
            vkDestroyPipelineCache(b->dev, b->pcache, NULL);
            atomic_fetch_sub(&b->live_objects, 1);
        }
        vkDestroyDevice(b->dev, NULL);
    }
    if (b->messenger && b->fn.destroy_messenger)
        b->fn.destroy_messenger(b->instance, b->messenger, NULL);
    if (b->instance)
        vkDestroyInstance(b->instance, NULL);
    pthread_mutex_destroy(&b->qlock);
    pthread_mutex_destroy(&b->submit_lock);
    pthread_mutex_destroy(&b->obj_lock);
    pthread_cond_destroy(&b->qcond);
    pthread_cond_destroy(&b->idle_cond);
    ut_free(b->surfaces);
    ut_free(b);
}

static void
vkb_destroy(struct be *be)
{
    teardown(vkb_from(be));
}

lagfx_status_t
vkb_backend_new(const struct vkb_config *cfg, struct be **out, struct vkb_info *info)
{
    pthread_once(&ops_once, ops_init);
    struct vkb *b = ut_calloc(1, sizeof(*b));
    if (!b)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    b->cfg = *cfg;
    snprintf(b->label, sizeof(b->label), "%s", cfg->label ? cfg->label : "vk");
    b->cfg.label = b->label;
    pthread_mutex_init(&b->qlock, NULL);
    pthread_mutex_init(&b->submit_lock, NULL);
    pthread_mutex_init(&b->obj_lock, NULL);
    ut_cond_init_monotonic(&b->qcond);
    ut_cond_init_monotonic(&b->idle_cond);
    b->next_serial = 1;
    b->dirty_gen = 1;

    const char *env_val = secure_getenv("LAGFX_VALIDATION");
    bool validation = cfg->validation || (env_val && strcmp(env_val, "1") == 0);
    const char *sel = cfg->device_selector;
    if (!sel || !*sel)
        sel = secure_getenv("LAGFX_VK_DEVICE");

    lagfx_status_t st = instance_create(b, validation);
    if (st != LAGFX_OK)
        goto err;
    struct candidate c;
    st = pick_device(b, sel, &c);
    if (st != LAGFX_OK)
        goto err;
    st = device_create(b, &c);
    if (st != LAGFX_OK)
        goto err;
    VkPipelineCacheCreateInfo pci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO };
    if (vkCreatePipelineCache(b->dev, &pci, NULL, &b->pcache) == VK_SUCCESS)
        atomic_fetch_add(&b->live_objects, 1);
    else
        b->pcache = VK_NULL_HANDLE;
    st = vkb_ports_init(b);
    if (st != LAGFX_OK)
        goto err;
    st = vkb_dummies_init(b);
    if (st != LAGFX_OK)
        goto err;
    st = vkb_queue_start(b);
    if (st != LAGFX_OK)
        goto err;
    vkb_state_reset(b);
    st = be_init(&b->base, &vkb_ops);
    if (st != LAGFX_OK)
        goto err;

    if (info) {
        memset(info, 0, sizeof(*info));
        info->vendor_id = b->props.vendorID;
        info->device_id = b->props.deviceID;
        memcpy(info->uuid, c.uuid, 16);
        snprintf(info->name, sizeof(info->name), "%s", b->props.deviceName);
        VkPhysicalDeviceDriverProperties dp = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
        };
        VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                           .pNext = &dp };
        vkGetPhysicalDeviceProperties2(b->phys, &p2);
        snprintf(info->driver, sizeof(info->driver), "%.120s %.120s", dp.driverName, dp.driverInfo);
        /* Display images are host-visible linear buffers today; dma-buf export is future
         * work (docs/vulkan-notes.md), so it is not offered even where the driver has it. */
        info->dmabuf_export = false;
        info->host_memory_import = c.host_import;
    }
    UT_INFO(LOGDEV(b), VKB_DOMAIN, "dev=%s using %s", b->label, b->props.deviceName);
    *out = &b->base;
    return LAGFX_OK;

err:
    teardown(b);
    return st;
}

uint64_t
vkb_validation_messages(struct be *be)
{
    return atomic_load(&vkb_from(be)->validation_messages);
}

int64_t
vkb_live_objects(struct be *be)
{
    return atomic_load(&vkb_from(be)->live_objects);
}

const char *
vkb_device_name(struct be *be)
{
    return vkb_from(be)->props.deviceName;
}
