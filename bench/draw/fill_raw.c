/* SPDX-License-Identifier: MIT */
/*
 * fill.h's raw arm: direct Vulkan with the demo's fill SPIR-V (the project's translator,
 * varyings linked as the library links them), the helpers of bench/demo/raw.c, one command
 * buffer with one render pass per run, the fill colour offset moved per draw as a dynamic
 * storage-buffer offset (the translated shader reads a storage buffer, so push constants would
 * be a different shader). One thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vulkan/vulkan.h>

#include "air/air.h"
#include "fill.h"
#include "guest.h"
#include "util/alloc.h"

#define CHECK_VK(call)                                               \
    do {                                                             \
        VkResult r_ = (call);                                        \
        if (r_ != VK_SUCCESS) {                                      \
            fprintf(stderr, "raw: %s failed: %d\n", #call, (int)r_); \
            return false;                                            \
        }                                                            \
    } while (0)

struct raw_buf {
    VkBuffer buf;
    VkDeviceMemory mem;
    void *map;
    VkDeviceSize size;
};

struct raw_img {
    VkImage img;
    VkDeviceMemory mem;
    VkImageView view;
};

struct fill_raw {
    uint32_t w, h, n;
    VkInstance inst;
    VkPhysicalDevice phys;
    VkDevice dev;
    VkQueue queue;
    VkCommandPool pool;
    VkCommandBuffer cb;
    VkFence fence;
    struct raw_img target;
    struct raw_buf readback, b_pos, b_col, b_vp;
    VkDescriptorPool dpool;
    VkDescriptorSetLayout set_layout[2];
    VkPipelineLayout layout;
    VkPipeline pipe[2]; /* blended, opaque */
    VkDescriptorSet set[2];
    struct air_result *air[DEMO_FN_COUNT];
    uint8_t *frame;
    char driver[256];
};
#define raw fill_raw

static uint32_t
mem_type(struct raw *r, uint32_t bits, VkMemoryPropertyFlags want)
{
    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(r->phys, &mp);
    for (uint32_t i = 0; i < mp.memoryTypeCount; i++)
        if ((bits & (1u << i)) && (mp.memoryTypes[i].propertyFlags & want) == want)
            return i;
    return 0;
}

static bool
buf_new(struct raw *r,
        struct raw_buf *b,
        VkDeviceSize size,
        VkBufferUsageFlags usage,
        const void *data)
{
    b->size = size;
    VkBufferCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                              .size = size,
                              .usage = usage };
    CHECK_VK(vkCreateBuffer(r->dev, &ci, NULL, &b->buf));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(r->dev, b->buf, &req);
    VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                .allocationSize = req.size,
                                .memoryTypeIndex =
                                    mem_type(r, req.memoryTypeBits,
                                             VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                 VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
                                                 VK_MEMORY_PROPERTY_HOST_CACHED_BIT) };
    CHECK_VK(vkAllocateMemory(r->dev, &ai, NULL, &b->mem));
    CHECK_VK(vkBindBufferMemory(r->dev, b->buf, b->mem, 0));
    CHECK_VK(vkMapMemory(r->dev, b->mem, 0, VK_WHOLE_SIZE, 0, &b->map));
    if (data)
        memcpy(b->map, data, size);
    return true;
}

static void
buf_free(struct raw *r, struct raw_buf *b)
{
    if (b->buf)
        vkDestroyBuffer(r->dev, b->buf, NULL);
    if (b->mem)
        vkFreeMemory(r->dev, b->mem, NULL);
}

static bool
submit_wait(struct raw *r)
{
    VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                        .commandBufferCount = 1,
                        .pCommandBuffers = &r->cb };
    CHECK_VK(vkQueueSubmit(r->queue, 1, &si, r->fence));
    CHECK_VK(vkWaitForFences(r->dev, 1, &r->fence, VK_TRUE, UINT64_MAX));
    CHECK_VK(vkResetFences(r->dev, 1, &r->fence));
    return true;
}

static bool
begin(struct raw *r)
{
    CHECK_VK(vkResetCommandBuffer(r->cb, 0));
    VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
    CHECK_VK(vkBeginCommandBuffer(r->cb, &bi));
    return true;
}

static void
barrier(struct raw *r)
{
    VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                           .srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT,
                           .dstAccessMask =
                               VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT };
    vkCmdPipelineBarrier(r->cb, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                         VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
}

/* An optimal-tiling image in GENERAL layout (as the library keeps its images), with its
 * contents uploaded from a BGRA8 linear copy when given. */
static bool
img_new(struct raw *r,
        struct raw_img *im,
        uint32_t w,
        uint32_t h,
        VkImageUsageFlags usage,
        const uint8_t *bgra,
        uint32_t pitch)
{
    VkImageCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
                             .imageType = VK_IMAGE_TYPE_2D,
                             .format = VK_FORMAT_B8G8R8A8_UNORM,
                             .extent = { w, h, 1 },
                             .mipLevels = 1,
                             .arrayLayers = 1,
                             .samples = VK_SAMPLE_COUNT_1_BIT,
                             .tiling = VK_IMAGE_TILING_OPTIMAL,
                             .usage = usage | VK_IMAGE_USAGE_TRANSFER_DST_BIT };
    CHECK_VK(vkCreateImage(r->dev, &ci, NULL, &im->img));
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(r->dev, im->img, &req);
    VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                .allocationSize = req.size,
                                .memoryTypeIndex = mem_type(r, req.memoryTypeBits,
                                                            VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) };
    CHECK_VK(vkAllocateMemory(r->dev, &ai, NULL, &im->mem));
    CHECK_VK(vkBindImageMemory(r->dev, im->img, im->mem, 0));
    VkImageViewCreateInfo vi = { .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
                                 .image = im->img,
                                 .viewType = VK_IMAGE_VIEW_TYPE_2D,
                                 .format = ci.format,
                                 .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } };
    CHECK_VK(vkCreateImageView(r->dev, &vi, NULL, &im->view));
    struct raw_buf staging = { 0 };
    if (bgra &&
        !buf_new(r, &staging, (VkDeviceSize)pitch * h, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, bgra))
        return false;
    if (!begin(r))
        return false;
    VkImageMemoryBarrier ib = { .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
                                .dstAccessMask = VK_ACCESS_MEMORY_WRITE_BIT,
                                .oldLayout = VK_IMAGE_LAYOUT_UNDEFINED,
                                .newLayout = VK_IMAGE_LAYOUT_GENERAL,
                                .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                .image = im->img,
                                .subresourceRange = vi.subresourceRange };
    vkCmdPipelineBarrier(r->cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
                         VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 0, NULL, 0, NULL, 1, &ib);
    if (bgra) {
        VkBufferImageCopy c = { .bufferRowLength = pitch / 4,
                                .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
                                .imageExtent = { w, h, 1 } };
        vkCmdCopyBufferToImage(r->cb, staging.buf, im->img, VK_IMAGE_LAYOUT_GENERAL, 1, &c);
    }
    CHECK_VK(vkEndCommandBuffer(r->cb));
    bool ok = submit_wait(r);
    buf_free(r, &staging);
    return ok;
}

static void
img_free(struct raw *r, struct raw_img *im)
{
    if (im->view)
        vkDestroyImageView(r->dev, im->view, NULL);
    if (im->img)
        vkDestroyImage(r->dev, im->img, NULL);
    if (im->mem)
        vkFreeMemory(r->dev, im->mem, NULL);
}

static bool
device_open(struct raw *r, const char *want)
{
    VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                              .pApplicationName = "bench-draw-raw",
                              .apiVersion = VK_API_VERSION_1_3 };
    VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                 .pApplicationInfo = &app };
    CHECK_VK(vkCreateInstance(&ici, NULL, &r->inst));
    uint32_t n = 8;
    VkPhysicalDevice pd[8];
    vkEnumeratePhysicalDevices(r->inst, &n, pd);
    for (uint32_t i = 0; i < n && !r->phys; i++) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(pd[i], &p);
        if (!want || !strcmp(p.deviceName, want))
            r->phys = pd[i];
    }
    if (!r->phys) {
        fprintf(stderr, "raw: no Vulkan device named %s\n", want ? want : "(any)");
        return false;
    }
    uint32_t qn = 8, qf = 0;
    VkQueueFamilyProperties qp[8];
    vkGetPhysicalDeviceQueueFamilyProperties(r->phys, &qn, qp);
    while (qf < qn && !(qp[qf].queueFlags & VK_QUEUE_GRAPHICS_BIT))
        qf++;
    /* Every feature the device has, as the library enables what it can use. */
    VkPhysicalDeviceVulkan13Features f13 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES
    };
    VkPhysicalDeviceVulkan12Features f12 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, .pNext = &f13
    };
    VkPhysicalDeviceVulkan11Features f11 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, .pNext = &f12
    };
    VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                     .pNext = &f11 };
    vkGetPhysicalDeviceFeatures2(r->phys, &f2);
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                   .queueFamilyIndex = qf,
                                   .queueCount = 1,
                                   .pQueuePriorities = &prio };
    VkDeviceCreateInfo dci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                               .pNext = &f2,
                               .queueCreateInfoCount = 1,
                               .pQueueCreateInfos = &qi };
    CHECK_VK(vkCreateDevice(r->phys, &dci, NULL, &r->dev));
    vkGetDeviceQueue(r->dev, qf, 0, &r->queue);
    VkCommandPoolCreateInfo pci = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                    .queueFamilyIndex = qf };
    CHECK_VK(vkCreateCommandPool(r->dev, &pci, NULL, &r->pool));
    VkCommandBufferAllocateInfo cai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                        .commandPool = r->pool,
                                        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                        .commandBufferCount = 1 };
    CHECK_VK(vkAllocateCommandBuffers(r->dev, &cai, &r->cb));
    VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
    CHECK_VK(vkCreateFence(r->dev, &fci, NULL, &r->fence));
    return true;
}

static bool
module(struct raw *r, const uint32_t *words, size_t count, VkShaderModule *out)
{
    VkShaderModuleCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                    .codeSize = count * 4,
                                    .pCode = words };
    CHECK_VK(vkCreateShaderModule(r->dev, &ci, NULL, out));
    return true;
}

/* Set `set` of one stage from the translator's reflection; the fill colour buffer is dynamic
 * (one descriptor, a per-draw offset, as the guest rebinds the offset). */
static bool
set_layout(struct raw *r,
           const struct air_result *a,
           uint32_t set,
           VkShaderStageFlags stage,
           bool dynamic0,
           VkDescriptorSetLayout *out)
{
    VkDescriptorSetLayoutBinding lb[16];
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->nbindings && n < 16; i++) {
        const struct air_binding *b = &a->bindings[i];
        if (b->set != set)
            continue;
        VkDescriptorType t = b->type == AIR_BINDING_SAMPLED_IMAGE ? VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE
                             : b->type == AIR_BINDING_SAMPLER     ? VK_DESCRIPTOR_TYPE_SAMPLER
                             : dynamic0 && b->binding == 0
                                 ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC
                                 : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        lb[n++] = (VkDescriptorSetLayoutBinding){ b->binding, t, 1, stage, NULL };
    }
    VkDescriptorSetLayoutCreateInfo ci = { .sType =
                                               VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                           .bindingCount = n,
                                           .pBindings = lb };
    CHECK_VK(vkCreateDescriptorSetLayout(r->dev, &ci, NULL, out));
    return true;
}

static bool
pipeline(struct raw *r, uint32_t kind, uint32_t vs, uint32_t fs, bool blend)
{
    uint32_t *linked = NULL;
    size_t count = 0;
    if (air_link_varyings(r->air[vs], r->air[fs], &linked, &count) != AIR_OK)
        return false;
    VkShaderModule m[2] = { 0 };
    bool ok = module(r, linked, count, &m[0]) &&
              module(r, r->air[fs]->words, r->air[fs]->word_count, &m[1]);
    ut_free(linked);
    /* One layout for both pipelines (the same shaders). */
    bool have = r->layout != VK_NULL_HANDLE;
    ok = ok && (have || (set_layout(r, r->air[vs], AIR_SET_VERTEX_KERNEL,
                                    VK_SHADER_STAGE_VERTEX_BIT, false, &r->set_layout[0]) &&
                         set_layout(r, r->air[fs], AIR_SET_FRAGMENT, VK_SHADER_STAGE_FRAGMENT_BIT,
                                    true, &r->set_layout[1])));
    if (!ok)
        return false;
    VkPipelineLayoutCreateInfo lci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                       .setLayoutCount = 2,
                                       .pSetLayouts = r->set_layout };
    if (!have)
        CHECK_VK(vkCreatePipelineLayout(r->dev, &lci, NULL, &r->layout));
    VkPipelineShaderStageCreateInfo st[2] = {
        { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
          .stage = VK_SHADER_STAGE_VERTEX_BIT,
          .module = m[0],
          .pName = "main" },
        { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
          .stage = VK_SHADER_STAGE_FRAGMENT_BIT,
          .module = m[1],
          .pName = "main" },
    };
    VkPipelineVertexInputStateCreateInfo vin = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO
    };
    VkPipelineInputAssemblyStateCreateInfo ia = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO,
        .topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP
    };
    VkPipelineViewportStateCreateInfo vp = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO,
        .viewportCount = 1,
        .scissorCount = 1
    };
    VkPipelineRasterizationStateCreateInfo rs = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO,
        .polygonMode = VK_POLYGON_MODE_FILL,
        .cullMode = VK_CULL_MODE_NONE,
        .lineWidth = 1.0f
    };
    VkPipelineMultisampleStateCreateInfo ms = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO,
        .rasterizationSamples = VK_SAMPLE_COUNT_1_BIT
    };
    VkPipelineColorBlendAttachmentState ba = { .blendEnable = blend,
                                               .srcColorBlendFactor = VK_BLEND_FACTOR_ONE,
                                               .dstColorBlendFactor =
                                                   VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA,
                                               .colorBlendOp = VK_BLEND_OP_ADD,
                                               .srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE,
                                               .dstAlphaBlendFactor =
                                                   VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA,
                                               .alphaBlendOp = VK_BLEND_OP_ADD,
                                               .colorWriteMask = 0xF };
    VkPipelineColorBlendStateCreateInfo cb = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO,
        .attachmentCount = 1,
        .pAttachments = &ba
    };
    const VkDynamicState dyn[2] = { VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR };
    VkPipelineDynamicStateCreateInfo ds = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO,
        .dynamicStateCount = 2,
        .pDynamicStates = dyn
    };
    VkFormat fmt = VK_FORMAT_B8G8R8A8_UNORM;
    VkPipelineRenderingCreateInfo rci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_RENDERING_CREATE_INFO,
                                          .colorAttachmentCount = 1,
                                          .pColorAttachmentFormats = &fmt };
    VkGraphicsPipelineCreateInfo gci = { .sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO,
                                         .pNext = &rci,
                                         .stageCount = 2,
                                         .pStages = st,
                                         .pVertexInputState = &vin,
                                         .pInputAssemblyState = &ia,
                                         .pViewportState = &vp,
                                         .pRasterizationState = &rs,
                                         .pMultisampleState = &ms,
                                         .pColorBlendState = &cb,
                                         .pDynamicState = &ds,
                                         .layout = r->layout };
    VkResult vr = vkCreateGraphicsPipelines(r->dev, VK_NULL_HANDLE, 1, &gci, NULL, &r->pipe[kind]);
    vkDestroyShaderModule(r->dev, m[0], NULL);
    vkDestroyShaderModule(r->dev, m[1], NULL);
    return vr == VK_SUCCESS;
}

static void
write_buf(VkDescriptorBufferInfo *bi,
          VkWriteDescriptorSet *w,
          VkDescriptorSet set,
          uint32_t binding,
          const struct raw_buf *b,
          VkDeviceSize range,
          bool dynamic)
{
    *bi = (VkDescriptorBufferInfo){ b->buf, 0, range ? range : VK_WHOLE_SIZE };
    *w = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                 .dstSet = set,
                                 .dstBinding = binding,
                                 .descriptorCount = 1,
                                 .descriptorType = dynamic
                                                       ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC
                                                       : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                 .pBufferInfo = bi };
}

static bool
descriptors(struct raw *r)
{
    VkDescriptorPoolSize ps[2] = { { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 4 },
                                   { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC, 2 } };
    VkDescriptorPoolCreateInfo pci = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                       .maxSets = 2,
                                       .poolSizeCount = 2,
                                       .pPoolSizes = ps };
    CHECK_VK(vkCreateDescriptorPool(r->dev, &pci, NULL, &r->dpool));
    VkDescriptorSetAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                       .descriptorPool = r->dpool,
                                       .descriptorSetCount = 2,
                                       .pSetLayouts = r->set_layout };
    CHECK_VK(vkAllocateDescriptorSets(r->dev, &ai, r->set));
    VkDescriptorBufferInfo bi[3];
    VkWriteDescriptorSet w[3];
    write_buf(&bi[0], &w[0], r->set[0], 0, &r->b_pos, 0, false);
    write_buf(&bi[1], &w[1], r->set[0], 1, &r->b_vp, 0, false);
    write_buf(&bi[2], &w[2], r->set[1], 0, &r->b_col, 16, true);
    vkUpdateDescriptorSets(r->dev, 3, w, 0, NULL);
    return true;
}

/* The 4 strip positions of each rectangle in the order of tools/demo/scene.c. */
void
fill_positions(const struct fill_rect *rects, uint32_t n, float *pos, float *col)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct fill_rect *f = &rects[i];
        float x0 = f->x, y0 = f->y, x1 = f->x + f->w, y1 = f->y + f->h;
        const float p[8] = { x0, y0, x0, y1, x1, y0, x1, y1 };
        memcpy(pos + 8 * i, p, sizeof(p));
        memcpy(col + 4 * i, f->color, 16);
    }
}

bool
fill_raw_new(uint32_t w,
             uint32_t h,
             const char *device,
             const struct fill_rect *rects,
             uint32_t n,
             struct fill_raw **out)
{
    struct raw *r = calloc(1, sizeof(*r));
    if (!r)
        return false;
    *out = r;
    r->w = w;
    r->h = h;
    r->n = n;
    r->frame = malloc((size_t)w * h * 4);
    if (!r->frame || !device_open(r, device))
        return false;
    VkPhysicalDeviceDriverProperties dp = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
    };
    VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                       .pNext = &dp };
    vkGetPhysicalDeviceProperties2(r->phys, &p2);
    snprintf(r->driver, sizeof(r->driver), "%s", dp.driverInfo);
    const uint32_t fns[2] = { DEMO_FN_FILL_VS, DEMO_FN_FILL_FS };
    for (uint32_t k = 0; k < 2; k++) {
        uint32_t f = fns[k];
        struct air_options opt = { .entry = demo_shaders[f].name };
        struct air_diag diag = { { 0 } };
        if (air_translate(demo_shaders[f].mtlb, *demo_shaders[f].len, &opt, &r->air[f], &diag) !=
            AIR_OK) {
            fprintf(stderr, "raw: %s: %s\n", demo_shaders[f].name, diag.msg);
            return false;
        }
    }
    float *pos = calloc(n, 32), *col = calloc(n, 16);
    const float vp[4] = { (float)w, (float)h, 0, 0 };
    const VkBufferUsageFlags ssbo = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    bool ok = pos && col;
    if (ok)
        fill_positions(rects, n, pos, col);
    ok =
        ok && buf_new(r, &r->b_pos, n * 32ull, ssbo, pos) &&
        buf_new(r, &r->b_col, n * 16ull, ssbo, col) && buf_new(r, &r->b_vp, 16, ssbo, vp) &&
        buf_new(r, &r->readback, (VkDeviceSize)w * h * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, NULL) &&
        img_new(r, &r->target, w, h,
                VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT, NULL, 0);
    free(pos);
    free(col);
    return ok && pipeline(r, 0, DEMO_FN_FILL_VS, DEMO_FN_FILL_FS, true) &&
           pipeline(r, 1, DEMO_FN_FILL_VS, DEMO_FN_FILL_FS, false) && descriptors(r);
}

const char *
fill_raw_driver(const struct fill_raw *r)
{
    return r->driver;
}

bool
fill_raw_run(struct fill_raw *r,
             uint32_t switch_every,
             uint32_t pass_every,
             bool offsets,
             bool copy_out)
{
    if (!begin(r))
        return false;
    barrier(r);
    VkRenderingAttachmentInfo ca = {
        .sType = VK_STRUCTURE_TYPE_RENDERING_ATTACHMENT_INFO,
        .imageView = r->target.view,
        .imageLayout = VK_IMAGE_LAYOUT_GENERAL,
        .loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR,
        .storeOp = VK_ATTACHMENT_STORE_OP_STORE,
        .clearValue = { .color = { { 0, 0, 0, 1 } } },
    };
    VkRenderingInfo ri = { .sType = VK_STRUCTURE_TYPE_RENDERING_INFO,
                           .renderArea = { { 0, 0 }, { r->w, r->h } },
                           .layerCount = 1,
                           .colorAttachmentCount = 1,
                           .pColorAttachments = &ca };
    vkCmdBeginRendering(r->cb, &ri);
    VkViewport vp = { 0, 0, (float)r->w, (float)r->h, 0, 1 };
    VkRect2D sc = { { 0, 0 }, { r->w, r->h } };
    vkCmdSetViewport(r->cb, 0, 1, &vp);
    vkCmdSetScissor(r->cb, 0, 1, &sc);
    vkCmdBindDescriptorSets(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->layout, 0, 1, &r->set[0], 0,
                            NULL);
    for (uint32_t i = 0; i < r->n; i++) {
        if (pass_every && i && i % pass_every == 0) {
            vkCmdEndRendering(r->cb);
            ca.loadOp = VK_ATTACHMENT_LOAD_OP_LOAD;
            vkCmdBeginRendering(r->cb, &ri);
            vkCmdSetViewport(r->cb, 0, 1, &vp);
            vkCmdSetScissor(r->cb, 0, 1, &sc);
            vkCmdBindDescriptorSets(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->layout, 0, 1,
                                    &r->set[0], 0, NULL);
            uint32_t p = switch_every ? (i / switch_every) % 2 : 0;
            vkCmdBindPipeline(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->pipe[p]);
        }
        if (i == 0 || (switch_every && i % switch_every == 0)) {
            uint32_t p = switch_every ? (i / switch_every) % 2 : 0;
            vkCmdBindPipeline(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->pipe[p]);
        }
        uint32_t off = offsets ? 16 * i : 0;
        vkCmdBindDescriptorSets(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->layout, 1, 1, &r->set[1],
                                1, &off);
        vkCmdDraw(r->cb, 4, 1, 4 * i, 0);
    }
    vkCmdEndRendering(r->cb);
    barrier(r);
    if (copy_out) {
        VkBufferImageCopy c = { .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
                                .imageExtent = { r->w, r->h, 1 } };
        vkCmdCopyImageToBuffer(r->cb, r->target.img, VK_IMAGE_LAYOUT_GENERAL, r->readback.buf, 1,
                               &c);
        barrier(r);
    }
    CHECK_VK(vkEndCommandBuffer(r->cb));
    if (!submit_wait(r))
        return false;
    if (copy_out)
        memcpy(r->frame, r->readback.map, (size_t)r->w * r->h * 4);
    return true;
}

const uint8_t *
fill_raw_pixels(const struct fill_raw *r)
{
    return r->frame;
}

void
fill_raw_free(struct fill_raw *r)
{
    if (!r)
        return;
    if (r->dev) {
        vkDeviceWaitIdle(r->dev);
        for (uint32_t k = 0; k < 2; k++) {
            if (r->pipe[k])
                vkDestroyPipeline(r->dev, r->pipe[k], NULL);
            if (r->set_layout[k])
                vkDestroyDescriptorSetLayout(r->dev, r->set_layout[k], NULL);
        }
        if (r->layout)
            vkDestroyPipelineLayout(r->dev, r->layout, NULL);
        if (r->dpool)
            vkDestroyDescriptorPool(r->dev, r->dpool, NULL);
        buf_free(r, &r->b_pos);
        buf_free(r, &r->b_col);
        buf_free(r, &r->b_vp);
        buf_free(r, &r->readback);
        img_free(r, &r->target);
        if (r->fence)
            vkDestroyFence(r->dev, r->fence, NULL);
        if (r->pool)
            vkDestroyCommandPool(r->dev, r->pool, NULL);
        vkDestroyDevice(r->dev, NULL);
    }
    if (r->inst)
        vkDestroyInstance(r->inst, NULL);
    for (uint32_t f = 0; f < DEMO_FN_COUNT; f++)
        if (r->air[f])
            air_result_unref(r->air[f]);
    free(r->frame);
    free(r);
}

bool
fill_have_device(void)
{
    VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                              .apiVersion = VK_API_VERSION_1_3 };
    VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                 .pApplicationInfo = &app };
    VkInstance inst;
    if (vkCreateInstance(&ici, NULL, &inst) != VK_SUCCESS)
        return false;
    uint32_t n = 0;
    vkEnumeratePhysicalDevices(inst, &n, NULL);
    vkDestroyInstance(inst, NULL);
    return n > 0;
}

const char *
fill_lp_suffix(void)
{
    const char *lp = getenv("LP_NUM_THREADS");
    return lp && !strcmp(lp, "1") ? ".lp1" : "";
}

/* Replaces the first `key` in line (cap bytes) by `val`. */
static void
replace(char *line, size_t cap, const char *key, const char *val)
{
    char *p = strstr(line, key);
    if (!p)
        return;
    char *out = malloc(cap);
    if (!out)
        return;
    snprintf(out, cap, "%.*s%s%s", (int)(p - line), line, val, p + strlen(key));
    snprintf(line, cap, "%s", out);
    free(out);
}

void
fill_print(const struct bench_env *env,
           const struct bench_figure *f,
           const char *device,
           const char *driver,
           uint32_t w,
           uint32_t h)
{
    /* bench_print writes nulls for the device fields: capture its line, fill them in. */
    fflush(stdout);
    FILE *tmp = tmpfile();
    int saved = dup(1);
    if (!tmp || saved < 0) {
        bench_print(env, f);
        return;
    }
    dup2(fileno(tmp), 1);
    bench_print(env, f);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    static char line[16384];
    rewind(tmp);
    size_t n = fread(line, 1, sizeof(line) - 1, tmp);
    fclose(tmp);
    line[n] = 0;
    char dev[1024], res[64];
    snprintf(dev, sizeof(dev), "\"vk_device\":\"%s\",\"vk_driver\":\"%s\"", device, driver);
    replace(line, sizeof(line), "\"vk_device\":null,\"vk_driver\":null", dev);
    if (w) {
        snprintf(res, sizeof(res), "\"resolution\":\"%ux%u\"", w, h);
        replace(line, sizeof(line), "\"resolution\":null", res);
    }
    fputs(line, stdout);
    fflush(stdout);
}
