/* SPDX-License-Identifier: MIT */
/*
 * The raw Vulkan baseline of bench-demo (performance.md §4.12): a small program that calls
 * Vulkan directly and draws the login scene's layers exactly as the library does for the guest:
 * the same SPIR-V (the project's translator, varyings linked the same way), the same blending,
 * sampler, buffers, textures, damage rectangles (scene.c), one render pass per frame into a
 * B8G8R8A8 image, then a copy into a host-cached buffer and one memcpy out (present by copy and
 * read_frame). One thread.
 */
#include "raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vulkan/vulkan.h>

#include "air/air.h"
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

struct raw {
    struct demo_scene scene;
    struct demo_damage damage;
    uint32_t hz;
    uint64_t n;
    VkInstance inst;
    VkPhysicalDevice phys;
    VkDevice dev;
    VkQueue queue;
    VkCommandPool pool;
    VkCommandBuffer cb;
    VkFence fence;
    struct raw_img target, wallpaper, avatar;
    VkSampler sampler;
    struct raw_buf readback, b_pos, b_col, b_vert, b_vp, b_xf, b_params, b_taps, b_count;
    VkDescriptorPool dpool;
    VkDescriptorSetLayout set_layout[DEMO_KIND_COUNT][2];
    VkPipelineLayout layout[DEMO_KIND_COUNT];
    VkPipeline pipe[DEMO_KIND_COUNT];
    VkDescriptorSet set[DEMO_KIND_COUNT][2];
    struct air_result *air[DEMO_FN_COUNT];
    uint8_t *frame; /* the read-back copy (what a VMM gets) */
};

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
                              .pApplicationName = "bench-demo-raw",
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
    ok = ok &&
         set_layout(r, r->air[vs], AIR_SET_VERTEX_KERNEL, VK_SHADER_STAGE_VERTEX_BIT, false,
                    &r->set_layout[kind][0]) &&
         set_layout(r, r->air[fs], AIR_SET_FRAGMENT, VK_SHADER_STAGE_FRAGMENT_BIT,
                    kind == DEMO_KIND_FILL, &r->set_layout[kind][1]);
    if (!ok)
        return false;
    VkPipelineLayoutCreateInfo lci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                       .setLayoutCount = 2,
                                       .pSetLayouts = r->set_layout[kind] };
    CHECK_VK(vkCreatePipelineLayout(r->dev, &lci, NULL, &r->layout[kind]));
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
                                         .layout = r->layout[kind] };
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
    VkDescriptorPoolSize ps[4] = { { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 32 },
                                   { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC, 4 },
                                   { VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE, 8 },
                                   { VK_DESCRIPTOR_TYPE_SAMPLER, 8 } };
    VkDescriptorPoolCreateInfo pci = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                       .maxSets = 2 * DEMO_KIND_COUNT,
                                       .poolSizeCount = 4,
                                       .pPoolSizes = ps };
    CHECK_VK(vkCreateDescriptorPool(r->dev, &pci, NULL, &r->dpool));
    for (uint32_t k = 0; k < DEMO_KIND_COUNT; k++) {
        VkDescriptorSetAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                           .descriptorPool = r->dpool,
                                           .descriptorSetCount = 2,
                                           .pSetLayouts = r->set_layout[k] };
        CHECK_VK(vkAllocateDescriptorSets(r->dev, &ai, r->set[k]));
        VkDescriptorBufferInfo bi[4];
        VkWriteDescriptorSet w[6];
        uint32_t n = 0;
        bool fill = k == DEMO_KIND_FILL;
        write_buf(&bi[0], &w[n++], r->set[k][0], 0, fill ? &r->b_pos : &r->b_vert, 0, false);
        write_buf(&bi[1], &w[n++], r->set[k][0], 1, fill ? &r->b_vp : &r->b_xf, 0, false);
        VkDescriptorImageInfo ii = { .imageView =
                                         k == DEMO_KIND_AVATAR ? r->avatar.view : r->wallpaper.view,
                                     .imageLayout = VK_IMAGE_LAYOUT_GENERAL };
        VkDescriptorImageInfo si = { .sampler = r->sampler };
        if (fill) {
            write_buf(&bi[2], &w[n++], r->set[k][1], 0, &r->b_col, 16, true);
        } else {
            w[n++] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                             .dstSet = r->set[k][1],
                                             .dstBinding = AIR_BIND_TEXTURE,
                                             .descriptorCount = 1,
                                             .descriptorType = VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE,
                                             .pImageInfo = &ii };
            w[n++] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                             .dstSet = r->set[k][1],
                                             .dstBinding = AIR_BIND_SAMPLER,
                                             .descriptorCount = 1,
                                             .descriptorType = VK_DESCRIPTOR_TYPE_SAMPLER,
                                             .pImageInfo = &si };
            if (k == DEMO_KIND_BLUR) {
                write_buf(&bi[2], &w[n++], r->set[k][1], 0, &r->b_taps, 0, false);
                write_buf(&bi[3], &w[n++], r->set[k][1], 1, &r->b_count, 0, false);
            } else {
                write_buf(&bi[2], &w[n++], r->set[k][1], 0, &r->b_params, 0, false);
            }
        }
        vkUpdateDescriptorSets(r->dev, n, w, 0, NULL);
    }
    return true;
}

static bool
scene_objects(struct raw *r)
{
    const struct demo_scene *s = &r->scene;
    uint32_t w = s->width, h = s->height, pitch = (w * 4 + 255) & ~255u;
    uint8_t *img = malloc((size_t)pitch * h);
    if (!img)
        return false;
    demo_wallpaper(img, w, h, pitch);
    const VkImageUsageFlags sampled = VK_IMAGE_USAGE_SAMPLED_BIT;
    bool ok = img_new(r, &r->wallpaper, w, h, sampled, img, pitch);
    demo_avatar(img, DEMO_AVATAR_PX * 4);
    ok = ok &&
         img_new(r, &r->avatar, DEMO_AVATAR_PX, DEMO_AVATAR_PX, sampled, img, DEMO_AVATAR_PX * 4);
    free(img);
    ok = ok &&
         img_new(r, &r->target, w, h,
                 VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT, NULL, 0);
    if (!ok)
        return false;
    VkSamplerCreateInfo sci = { .sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO,
                                .magFilter = VK_FILTER_LINEAR,
                                .minFilter = VK_FILTER_LINEAR,
                                .mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST,
                                .addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
                                .addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
                                .addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
                                .maxAnisotropy = 1,
                                .maxLod = 0.25f };
    CHECK_VK(vkCreateSampler(r->dev, &sci, NULL, &r->sampler));
    uint32_t n = s->count;
    float *pos = calloc(n, 32), *col = calloc(n, 16), *vert = calloc(n, 64);
    ok = pos && col && vert;
    if (ok)
        demo_scene_buffers(s, pos, col, vert);
    const float vp[4] = { (float)w, (float)h, 0, 0 }, xf[8] = { 1, 1, 0, 0, 1, 1, 1, 1 };
    const float params[4] = { 1.0f, 0, 0, 0 };
    const uint32_t count[4] = { DEMO_BLUR_TAPS, 0, 0, 0 };
    const VkBufferUsageFlags ssbo = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    ok = ok && buf_new(r, &r->b_pos, n * 32ull, ssbo, pos) &&
         buf_new(r, &r->b_col, n * 16ull, ssbo, col) &&
         buf_new(r, &r->b_vert, n * 64ull, ssbo, vert) && buf_new(r, &r->b_vp, 16, ssbo, vp) &&
         buf_new(r, &r->b_xf, 32, ssbo, xf) && buf_new(r, &r->b_params, 16, ssbo, params) &&
         buf_new(r, &r->b_taps, sizeof(s->taps), ssbo, s->taps) &&
         buf_new(r, &r->b_count, 16, ssbo, count) &&
         buf_new(r, &r->readback, (VkDeviceSize)w * h * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, NULL);
    free(pos);
    free(col);
    free(vert);
    return ok;
}

bool
raw_new(uint32_t width, uint32_t height, uint32_t hz, const char *device, struct raw **out)
{
    struct raw *r = calloc(1, sizeof(*r));
    if (!r)
        return false;
    *out = r;
    demo_scene_init(&r->scene, width, height);
    r->hz = hz;
    r->frame = malloc((size_t)width * height * 4);
    if (!r->frame || !device_open(r, device))
        return false;
    for (uint32_t f = 0; f < DEMO_FN_COUNT; f++) {
        struct air_options opt = { .entry = demo_shaders[f].name };
        struct air_diag diag = { { 0 } };
        if (air_translate(demo_shaders[f].mtlb, *demo_shaders[f].len, &opt, &r->air[f], &diag) !=
            AIR_OK) {
            fprintf(stderr, "raw: %s: %s\n", demo_shaders[f].name, diag.msg);
            return false;
        }
    }
    return scene_objects(r) &&
           pipeline(r, DEMO_KIND_WALLPAPER, DEMO_FN_COMPOSITE_VS, DEMO_FN_COMPOSITE_FS, false) &&
           pipeline(r, DEMO_KIND_BLUR, DEMO_FN_COMPOSITE_VS, DEMO_FN_BLUR_FS, false) &&
           pipeline(r, DEMO_KIND_AVATAR, DEMO_FN_COMPOSITE_VS, DEMO_FN_COMPOSITE_FS, true) &&
           pipeline(r, DEMO_KIND_FILL, DEMO_FN_FILL_VS, DEMO_FN_FILL_FS, true) && descriptors(r);
}

bool
raw_frame(struct raw *r, bool full, uint32_t *draws)
{
    const struct demo_scene *s = &r->scene;
    struct demo_rect damage;
    bool clear, caret;
    *draws = 0;
    bool render = demo_damage_next(s, &r->damage, r->n++, r->hz, full, &damage, &clear, &caret);
    if (!begin(r))
        return false;
    barrier(r);
    if (render) {
        VkRenderingAttachmentInfo ca = {
            .sType = VK_STRUCTURE_TYPE_RENDERING_ATTACHMENT_INFO,
            .imageView = r->target.view,
            .imageLayout = VK_IMAGE_LAYOUT_GENERAL,
            .loadOp = clear ? VK_ATTACHMENT_LOAD_OP_CLEAR : VK_ATTACHMENT_LOAD_OP_LOAD,
            .storeOp = VK_ATTACHMENT_STORE_OP_STORE,
            .clearValue = { .color = { { 0, 0, 0, 1 } } },
        };
        VkRenderingInfo ri = { .sType = VK_STRUCTURE_TYPE_RENDERING_INFO,
                               .renderArea = { { 0, 0 }, { s->width, s->height } },
                               .layerCount = 1,
                               .colorAttachmentCount = 1,
                               .pColorAttachments = &ca };
        vkCmdBeginRendering(r->cb, &ri);
        VkViewport vp = { 0, 0, (float)s->width, (float)s->height, 0, 1 };
        VkRect2D sc = { { damage.x, damage.y }, { (uint32_t)damage.w, (uint32_t)damage.h } };
        vkCmdSetViewport(r->cb, 0, 1, &vp);
        vkCmdSetScissor(r->cb, 0, 1, &sc);
        uint32_t bound = DEMO_KIND_COUNT;
        for (uint32_t i = 0; i < s->count; i++) {
            const struct demo_layer *l = &s->layer[i];
            struct demo_rect hit;
            if ((l->caret && !caret) || !demo_rect_clip(l->r, damage, &hit))
                continue;
            uint32_t k = l->kind;
            if (k != bound) {
                vkCmdBindPipeline(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->pipe[k]);
                vkCmdBindDescriptorSets(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->layout[k], 0, 1,
                                        &r->set[k][0], 0, NULL);
                bound = k;
                if (k != DEMO_KIND_FILL)
                    vkCmdBindDescriptorSets(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->layout[k], 1,
                                            1, &r->set[k][1], 0, NULL);
            }
            if (k == DEMO_KIND_FILL) {
                uint32_t off = 16 * i;
                vkCmdBindDescriptorSets(r->cb, VK_PIPELINE_BIND_POINT_GRAPHICS, r->layout[k], 1, 1,
                                        &r->set[k][1], 1, &off);
            }
            vkCmdDraw(r->cb, 4, 1, 4 * i, 0);
            (*draws)++;
        }
        vkCmdEndRendering(r->cb);
        barrier(r);
    }
    /* Present by copy, then the VMM's read: one memcpy. */
    VkBufferImageCopy c = { .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
                            .imageExtent = { s->width, s->height, 1 } };
    vkCmdCopyImageToBuffer(r->cb, r->target.img, VK_IMAGE_LAYOUT_GENERAL, r->readback.buf, 1, &c);
    barrier(r);
    CHECK_VK(vkEndCommandBuffer(r->cb));
    if (!submit_wait(r))
        return false;
    memcpy(r->frame, r->readback.map, (size_t)s->width * s->height * 4);
    return true;
}

const uint8_t *
raw_pixels(const struct raw *r)
{
    return r->frame;
}

void
raw_free(struct raw *r)
{
    if (!r)
        return;
    if (r->dev) {
        vkDeviceWaitIdle(r->dev);
        for (uint32_t k = 0; k < DEMO_KIND_COUNT; k++) {
            if (r->pipe[k])
                vkDestroyPipeline(r->dev, r->pipe[k], NULL);
            if (r->layout[k])
                vkDestroyPipelineLayout(r->dev, r->layout[k], NULL);
            for (int j = 0; j < 2; j++)
                if (r->set_layout[k][j])
                    vkDestroyDescriptorSetLayout(r->dev, r->set_layout[k][j], NULL);
        }
        if (r->dpool)
            vkDestroyDescriptorPool(r->dev, r->dpool, NULL);
        struct raw_buf *bufs[] = { &r->readback, &r->b_pos,    &r->b_col,  &r->b_vert, &r->b_vp,
                                   &r->b_xf,     &r->b_params, &r->b_taps, &r->b_count };
        for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
            buf_free(r, bufs[i]);
        img_free(r, &r->target);
        img_free(r, &r->wallpaper);
        img_free(r, &r->avatar);
        if (r->sampler)
            vkDestroySampler(r->dev, r->sampler, NULL);
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
