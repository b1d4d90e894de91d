/* SPDX-License-Identifier: MIT */
/*
 * air-pixels: vertex + fragment fixtures translated, linked by varying key (air.md §5.4.3) and
 * drawn offscreen on lavapipe (checked by device name first) under the Khronos validation
 * layer; any validation message fails the test. Each render target is compared with a golden
 * PNG in tests/golden/air: a pixel differs when any channel is off by more than TOL_CHANNEL,
 * and the test fails when more than TOL_PIXELS pixels differ (llvmpipe's rounding of linear
 * filtering and of Metal's `round` mapping, see docs/air-notes.md). LAGFX_UPDATE_GOLDEN=1
 * rewrites the goldens for review in the diff. Covers the login shaders of air.md §7 and
 * nearest/linear × clamp/repeat/mirror samplers.
 * args: GOLDEN_DIR FIXTURE.air...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <vulkan/vulkan.h>

#include "air/air.h"
#include "check.h"

#define W           64
#define H           64
#define TOL_CHANNEL 2
#define TOL_PIXELS  8
#define MAX_RES     8

static int validation_messages;

static VKAPI_ATTR VkBool32 VKAPI_CALL
on_message(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
           VkDebugUtilsMessageTypeFlagsEXT type,
           const VkDebugUtilsMessengerCallbackDataEXT *data,
           void *user)
{
    (void)user;
    if (sev >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT &&
        (type & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT)) {
        fprintf(stderr, "validation: %s\n", data->pMessage);
        validation_messages++;
    }
    return VK_FALSE;
}

struct gpu {
    VkInstance inst;
    VkDebugUtilsMessengerEXT msg;
    VkPhysicalDevice pd;
    VkDevice dev;
    VkQueue q;
    VkCommandPool cp;
    VkPhysicalDeviceMemoryProperties mp;
};

static int
gpu_init(struct gpu *g)
{
    const char *layers[] = { "VK_LAYER_KHRONOS_validation" };
    const char *exts[] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME };
    VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                              .apiVersion = VK_API_VERSION_1_2 };
    VkDebugUtilsMessengerCreateInfoEXT mci = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT,
        .pfnUserCallback = on_message
    };
    VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                 .pNext = &mci,
                                 .pApplicationInfo = &app,
                                 .enabledLayerCount = 1,
                                 .ppEnabledLayerNames = layers,
                                 .enabledExtensionCount = 1,
                                 .ppEnabledExtensionNames = exts };
    if (vkCreateInstance(&ici, NULL, &g->inst) != VK_SUCCESS) {
        printf("skip: no Vulkan instance with the Khronos validation layer\n");
        return 77;
    }
    PFN_vkCreateDebugUtilsMessengerEXT cm =
        (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(g->inst,
                                                                  "vkCreateDebugUtilsMessengerEXT");
    REQUIRE(cm && cm(g->inst, &mci, NULL, &g->msg) == VK_SUCCESS);
    uint32_t n = 8;
    VkPhysicalDevice pds[8];
    vkEnumeratePhysicalDevices(g->inst, &n, pds);
    g->pd = VK_NULL_HANDLE;
    for (uint32_t i = 0; i < n; i++) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(pds[i], &p);
        if (strstr(p.deviceName, "llvmpipe"))
            g->pd = pds[i];
    }
    if (!g->pd) {
        printf("skip: no lavapipe (llvmpipe) device: goldens are lavapipe's\n");
        return 77;
    }
    vkGetPhysicalDeviceMemoryProperties(g->pd, &g->mp);
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                    .queueCount = 1,
                                    .pQueuePriorities = &prio };
    /* What the translated shaders may require (air_result needs_*): lavapipe has it all. */
    VkPhysicalDeviceVulkan12Features f12 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
        .scalarBlockLayout = 1,
        .shaderInt8 = 1,
        .storageBuffer8BitAccess = 1,
        .uniformAndStorageBuffer8BitAccess = 1,
    };
    VkPhysicalDeviceVulkan11Features f11 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
        .pNext = &f12,
        .storageBuffer16BitAccess = 1,
        .uniformAndStorageBuffer16BitAccess = 1,
    };
    VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                     .pNext = &f11 };
    f2.features.shaderInt64 = 1;
    f2.features.shaderInt16 = 1;
    VkDeviceCreateInfo dci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                               .pNext = &f2,
                               .queueCreateInfoCount = 1,
                               .pQueueCreateInfos = &qci };
    REQUIRE(vkCreateDevice(g->pd, &dci, NULL, &g->dev) == VK_SUCCESS);
    vkGetDeviceQueue(g->dev, 0, 0, &g->q);
    VkCommandPoolCreateInfo cpci = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO };
    REQUIRE(vkCreateCommandPool(g->dev, &cpci, NULL, &g->cp) == VK_SUCCESS);
    return 0;
}

static void
gpu_finish(struct gpu *g)
{
    vkDestroyCommandPool(g->dev, g->cp, NULL);
    vkDestroyDevice(g->dev, NULL);
    PFN_vkDestroyDebugUtilsMessengerEXT dm =
        (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
            g->inst, "vkDestroyDebugUtilsMessengerEXT");
    dm(g->inst, g->msg, NULL);
    vkDestroyInstance(g->inst, NULL);
}

static VkDeviceMemory
mem_for(struct gpu *g, VkMemoryRequirements mr, VkMemoryPropertyFlags want)
{
    for (uint32_t i = 0; i < g->mp.memoryTypeCount; i++)
        if ((mr.memoryTypeBits & (1u << i)) &&
            (g->mp.memoryTypes[i].propertyFlags & want) == want) {
            VkMemoryAllocateInfo mai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                         .allocationSize = mr.size,
                                         .memoryTypeIndex = i };
            VkDeviceMemory m;
            REQUIRE(vkAllocateMemory(g->dev, &mai, NULL, &m) == VK_SUCCESS);
            return m;
        }
    REQUIRE(!"no memory type");
    return VK_NULL_HANDLE;
}

struct buf {
    VkBuffer b;
    VkDeviceMemory m;
    void *p;
};

static void
buf_new(struct gpu *g, struct buf *b, size_t size, VkBufferUsageFlags usage)
{
    VkBufferCreateInfo bci = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                               .size = size,
                               .usage = usage };
    REQUIRE(vkCreateBuffer(g->dev, &bci, NULL, &b->b) == VK_SUCCESS);
    VkMemoryRequirements mr;
    vkGetBufferMemoryRequirements(g->dev, b->b, &mr);
    b->m =
        mem_for(g, mr, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    REQUIRE(vkBindBufferMemory(g->dev, b->b, b->m, 0) == VK_SUCCESS);
    REQUIRE(vkMapMemory(g->dev, b->m, 0, VK_WHOLE_SIZE, 0, &b->p) == VK_SUCCESS);
    memset(b->p, 0, size);
}

static void
buf_free(struct gpu *g, struct buf *b)
{
    vkDestroyBuffer(g->dev, b->b, NULL);
    vkFreeMemory(g->dev, b->m, NULL);
}

struct img {
    VkImage i;
    VkImageView v;
    VkDeviceMemory m;
    VkFormat fmt;
    uint32_t w, h, texel;
};

static VkCommandBuffer
cmd_begin(struct gpu *g)
{
    VkCommandBufferAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                       .commandPool = g->cp,
                                       .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                       .commandBufferCount = 1 };
    VkCommandBuffer cb;
    REQUIRE(vkAllocateCommandBuffers(g->dev, &ai, &cb) == VK_SUCCESS);
    VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
    vkBeginCommandBuffer(cb, &bi);
    return cb;
}

static void
cmd_submit(struct gpu *g, VkCommandBuffer cb)
{
    vkEndCommandBuffer(cb);
    VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                        .commandBufferCount = 1,
                        .pCommandBuffers = &cb };
    REQUIRE(vkQueueSubmit(g->q, 1, &si, VK_NULL_HANDLE) == VK_SUCCESS);
    REQUIRE(vkQueueWaitIdle(g->q) == VK_SUCCESS);
    vkFreeCommandBuffers(g->dev, g->cp, 1, &cb);
}

static void
barrier(VkCommandBuffer cb,
        VkImage i,
        VkImageLayout from,
        VkImageLayout to,
        VkAccessFlags sa,
        VkAccessFlags da,
        VkPipelineStageFlags ss,
        VkPipelineStageFlags ds)
{
    VkImageMemoryBarrier b = { .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
                               .srcAccessMask = sa,
                               .dstAccessMask = da,
                               .oldLayout = from,
                               .newLayout = to,
                               .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                               .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                               .image = i,
                               .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } };
    vkCmdPipelineBarrier(cb, ss, ds, 0, 0, NULL, 0, NULL, 1, &b);
}

/* A sampled texture (1D when h == 0) filled from data, or a colour attachment (data NULL). */
static void
img_new(struct gpu *g,
        struct img *im,
        VkFormat fmt,
        uint32_t texel,
        uint32_t w,
        uint32_t h,
        const void *data)
{
    bool target = data == NULL;
    im->fmt = fmt;
    im->w = w;
    im->h = h ? h : 1;
    im->texel = texel;
    VkImageCreateInfo ici = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
        .imageType = h ? VK_IMAGE_TYPE_2D : VK_IMAGE_TYPE_1D,
        .format = fmt,
        .extent = { w, im->h, 1 },
        .mipLevels = 1,
        .arrayLayers = 1,
        .samples = VK_SAMPLE_COUNT_1_BIT,
        .tiling = VK_IMAGE_TILING_OPTIMAL,
        .usage = target ? VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT
                        : VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT,
    };
    REQUIRE(vkCreateImage(g->dev, &ici, NULL, &im->i) == VK_SUCCESS);
    VkMemoryRequirements mr;
    vkGetImageMemoryRequirements(g->dev, im->i, &mr);
    im->m = mem_for(g, mr, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    REQUIRE(vkBindImageMemory(g->dev, im->i, im->m, 0) == VK_SUCCESS);
    VkImageViewCreateInfo vci = { .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
                                  .image = im->i,
                                  .viewType = h ? VK_IMAGE_VIEW_TYPE_2D : VK_IMAGE_VIEW_TYPE_1D,
                                  .format = fmt,
                                  .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } };
    REQUIRE(vkCreateImageView(g->dev, &vci, NULL, &im->v) == VK_SUCCESS);
    if (target)
        return;
    struct buf st;
    size_t size = (size_t)w * im->h * texel;
    buf_new(g, &st, size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
    memcpy(st.p, data, size);
    VkCommandBuffer cb = cmd_begin(g);
    barrier(cb, im->i, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
            VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
            VK_PIPELINE_STAGE_TRANSFER_BIT);
    VkBufferImageCopy r = { .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
                            .imageExtent = { w, im->h, 1 } };
    vkCmdCopyBufferToImage(cb, st.b, im->i, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &r);
    barrier(cb, im->i, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
            VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_ACCESS_TRANSFER_WRITE_BIT,
            VK_ACCESS_SHADER_READ_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT);
    cmd_submit(g, cb);
    buf_free(g, &st);
}

static void
img_free(struct gpu *g, struct img *im)
{
    vkDestroyImageView(g->dev, im->v, NULL);
    vkDestroyImage(g->dev, im->i, NULL);
    vkFreeMemory(g->dev, im->m, NULL);
}

/* What a case binds at (set, binding); the shaders' reflection says which ones exist. */
struct res {
    uint32_t set, binding;
    const void *data; /* buffer contents or texels */
    size_t size;      /* buffer bytes */
    VkFormat fmt;     /* texture */
    uint32_t texel, w, h;
    VkFilter filter; /* sampler */
    VkSamplerAddressMode address;
};

struct scene {
    const char *name;
    const char *vs, *fs; /* fixture names */
    uint32_t nres;
    struct res res[MAX_RES];
};

static const char *golden_dir;
static int nfix;
static char **fix;

static struct air_result *
translate(const char *name)
{
    char want[128];
    snprintf(want, sizeof(want), "/%s.air", name);
    const char *path = NULL;
    for (int i = 0; i < nfix; i++) {
        size_t n = strlen(fix[i]), k = strlen(want);
        if (n >= k && strcmp(fix[i] + n - k, want) == 0)
            path = fix[i];
    }
    REQUIRE(path);
    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    static unsigned char data[1 << 20];
    size_t n = fread(data, 1, sizeof(data), f);
    fclose(f);
    struct air_result *r = NULL;
    struct air_diag d = { { 0 } };
    enum air_status st = air_translate(data, n, NULL, &r, &d);
    if (st != AIR_OK)
        fprintf(stderr, "%s: %s: %s\n", path, air_status_string(st), d.msg);
    REQUIRE(st == AIR_OK);
    return r;
}

static const struct res *
find_res(const struct scene *s, uint32_t set, uint32_t binding)
{
    for (uint32_t i = 0; i < s->nres; i++)
        if (s->res[i].set == set && s->res[i].binding == binding)
            return &s->res[i];
    fprintf(stderr, "%s: nothing to bind at set %u binding %u\n", s->name, set, binding);
    REQUIRE(0);
    return NULL;
}

static VkFormat
target_format(const struct air_attachment *a)
{
    return a->components == 1   ? VK_FORMAT_R8_UNORM
           : a->components == 2 ? VK_FORMAT_R8G8_UNORM
                                : VK_FORMAT_R8G8B8A8_UNORM;
}

static bool
png_load(const char *path, uint8_t *rgba)
{
    png_image im = { .version = PNG_IMAGE_VERSION };
    if (!png_image_begin_read_from_file(&im, path))
        return false;
    im.format = PNG_FORMAT_RGBA;
    bool ok =
        im.width == W && im.height == H && png_image_finish_read(&im, NULL, rgba, W * 4, NULL);
    png_image_free(&im);
    return ok;
}

static bool
png_save(const char *path, const uint8_t *rgba)
{
    png_image im = {
        .version = PNG_IMAGE_VERSION, .width = W, .height = H, .format = PNG_FORMAT_RGBA
    };
    return png_image_write_to_file(&im, path, 0, rgba, W * 4, NULL);
}

/* Compares one render target with its golden (or rewrites it). */
static void
compare(const char *name, const uint8_t *rgba)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.png", golden_dir, name);
    const char *up = getenv("LAGFX_UPDATE_GOLDEN");
    if (up && strcmp(up, "1") == 0) {
        CHECK(png_save(path, rgba));
        fprintf(stderr, "%s: golden rewritten\n", path);
        return;
    }
    static uint8_t want[W * H * 4];
    if (!png_load(path, want)) {
        fprintf(stderr, "%s: missing or not %dx%d (LAGFX_UPDATE_GOLDEN=1 writes it)\n", path, W, H);
        check_failures++;
        return;
    }
    int worst = 0, differ = 0;
    for (int p = 0; p < W * H; p++) {
        int d = 0;
        for (int c = 0; c < 4; c++) {
            int dc = abs((int)rgba[p * 4 + c] - (int)want[p * 4 + c]);
            d = dc > d ? dc : d;
        }
        worst = d > worst ? d : worst;
        differ += d > TOL_CHANNEL;
    }
    if (differ > TOL_PIXELS) {
        fprintf(stderr,
                "%s: %d pixels differ by more than %d (allowed %d), largest difference %d\n", name,
                differ, TOL_CHANNEL, TOL_PIXELS, worst);
        snprintf(path, sizeof(path), "%s.actual.png", name);
        png_save(path, rgba);
        check_failures++;
    }
}

static void
render(struct gpu *g, const struct scene *s)
{
    struct air_result *vs = translate(s->vs), *fs = translate(s->fs);
    uint32_t *vwords;
    size_t vcount;
    REQUIRE(air_link_varyings(vs, fs, &vwords, &vcount) == AIR_OK);

    /* Descriptor sets 0 (vertex) and 1 (fragment) from the reflection. */
    VkDescriptorSetLayout dsl[2];
    VkDescriptorSet sets[2];
    VkDescriptorPoolSize ps[3] = { { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 16 },
                                   { VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE, 16 },
                                   { VK_DESCRIPTOR_TYPE_SAMPLER, 16 } };
    VkDescriptorPoolCreateInfo dpi = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                       .maxSets = 2,
                                       .poolSizeCount = 3,
                                       .pPoolSizes = ps };
    VkDescriptorPool pool;
    REQUIRE(vkCreateDescriptorPool(g->dev, &dpi, NULL, &pool) == VK_SUCCESS);
    struct buf bufs[16];
    struct img imgs[16];
    VkSampler smps[16];
    uint32_t nb = 0, ni = 0, ns = 0;
    for (int st = 0; st < 2; st++) {
        const struct air_result *r = st ? fs : vs;
        VkDescriptorSetLayoutBinding lb[16];
        VkWriteDescriptorSet w[16];
        VkDescriptorBufferInfo bi[16];
        VkDescriptorImageInfo ii[16];
        REQUIRE(r->nbindings <= 16);
        for (uint32_t i = 0; i < r->nbindings; i++) {
            const struct air_binding *b = &r->bindings[i];
            REQUIRE(b->set == (uint32_t)st);
            const struct res *rs = find_res(s, b->set, b->binding);
            VkDescriptorType t;
            w[i] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                           .dstBinding = b->binding,
                                           .descriptorCount = 1 };
            if (b->type == AIR_BINDING_STORAGE_BUFFER) {
                t = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
                buf_new(g, &bufs[nb], rs->size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
                memcpy(bufs[nb].p, rs->data, rs->size);
                bi[i] = (VkDescriptorBufferInfo){ bufs[nb++].b, 0, VK_WHOLE_SIZE };
                w[i].pBufferInfo = &bi[i];
            } else if (b->type == AIR_BINDING_SAMPLED_IMAGE) {
                t = VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE;
                img_new(g, &imgs[ni], rs->fmt, rs->texel, rs->w, rs->h, rs->data);
                ii[i] = (VkDescriptorImageInfo){ VK_NULL_HANDLE, imgs[ni++].v,
                                                 VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL };
                w[i].pImageInfo = &ii[i];
            } else {
                REQUIRE(b->type == AIR_BINDING_SAMPLER);
                t = VK_DESCRIPTOR_TYPE_SAMPLER;
                VkSamplerCreateInfo sci = { .sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO,
                                            .magFilter = rs->filter,
                                            .minFilter = rs->filter,
                                            .addressModeU = rs->address,
                                            .addressModeV = rs->address,
                                            .addressModeW = rs->address,
                                            .maxLod = 0.25f };
                REQUIRE(vkCreateSampler(g->dev, &sci, NULL, &smps[ns]) == VK_SUCCESS);
                ii[i] = (VkDescriptorImageInfo){ smps[ns++], VK_NULL_HANDLE,
                                                 VK_IMAGE_LAYOUT_UNDEFINED };
                w[i].pImageInfo = &ii[i];
            }
            w[i].descriptorType = t;
            lb[i] = (VkDescriptorSetLayoutBinding){ b->binding, t, 1,
                                                    st ? VK_SHADER_STAGE_FRAGMENT_BIT
                                                       : VK_SHADER_STAGE_VERTEX_BIT,
                                                    NULL };
        }
        VkDescriptorSetLayoutCreateInfo dl = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
            .bindingCount = r->nbindings,
            .pBindings = lb
        };
        REQUIRE(vkCreateDescriptorSetLayout(g->dev, &dl, NULL, &dsl[st]) == VK_SUCCESS);
        VkDescriptorSetAllocateInfo dai = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                            .descriptorPool = pool,
                                            .descriptorSetCount = 1,
                                            .pSetLayouts = &dsl[st] };
        REQUIRE(vkAllocateDescriptorSets(g->dev, &dai, &sets[st]) == VK_SUCCESS);
        for (uint32_t i = 0; i < r->nbindings; i++)
            w[i].dstSet = sets[st];
        vkUpdateDescriptorSets(g->dev, r->nbindings, w, 0, NULL);
    }
    VkPipelineLayoutCreateInfo pl = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                      .setLayoutCount = 2,
                                      .pSetLayouts = dsl };
    VkPipelineLayout layout;
    REQUIRE(vkCreatePipelineLayout(g->dev, &pl, NULL, &layout) == VK_SUCCESS);

    /* Render targets as the fragment shader reflects them, locations 0..n-1. */
    uint32_t nt = fs->nattachments;
    REQUIRE(nt >= 1 && nt <= 2);
    struct img rt[2];
    VkAttachmentDescription ad[2];
    VkAttachmentReference ar[2];
    VkPipelineColorBlendAttachmentState cba[2];
    VkImageView views[2];
    for (uint32_t i = 0; i < nt; i++) {
        REQUIRE(fs->attachments[i].index == i);
        VkFormat f = target_format(&fs->attachments[i]);
        img_new(g, &rt[i], f, fs->attachments[i].components, W, H, NULL);
        views[i] = rt[i].v;
        ad[i] = (VkAttachmentDescription){ 0,
                                           f,
                                           VK_SAMPLE_COUNT_1_BIT,
                                           VK_ATTACHMENT_LOAD_OP_CLEAR,
                                           VK_ATTACHMENT_STORE_OP_STORE,
                                           VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                           VK_ATTACHMENT_STORE_OP_DONT_CARE,
                                           VK_IMAGE_LAYOUT_UNDEFINED,
                                           VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL };
        ar[i] = (VkAttachmentReference){ i, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL };
        cba[i] = (VkPipelineColorBlendAttachmentState){ .colorWriteMask = 0xF };
    }
    VkSubpassDescription sd = { .pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
                                .colorAttachmentCount = nt,
                                .pColorAttachments = ar };
    VkSubpassDependency dep = { 0,
                                VK_SUBPASS_EXTERNAL,
                                VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                                VK_PIPELINE_STAGE_TRANSFER_BIT,
                                VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
                                VK_ACCESS_TRANSFER_READ_BIT,
                                0 };
    VkRenderPassCreateInfo rpi = { .sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO,
                                   .attachmentCount = nt,
                                   .pAttachments = ad,
                                   .subpassCount = 1,
                                   .pSubpasses = &sd,
                                   .dependencyCount = 1,
                                   .pDependencies = &dep };
    VkRenderPass rp;
    REQUIRE(vkCreateRenderPass(g->dev, &rpi, NULL, &rp) == VK_SUCCESS);
    VkFramebufferCreateInfo fbi = { .sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO,
                                    .renderPass = rp,
                                    .attachmentCount = nt,
                                    .pAttachments = views,
                                    .width = W,
                                    .height = H,
                                    .layers = 1 };
    VkFramebuffer fb;
    REQUIRE(vkCreateFramebuffer(g->dev, &fbi, NULL, &fb) == VK_SUCCESS);

    VkShaderModule sm[2];
    VkShaderModuleCreateInfo smi = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                     .codeSize = vcount * 4,
                                     .pCode = vwords };
    REQUIRE(vkCreateShaderModule(g->dev, &smi, NULL, &sm[0]) == VK_SUCCESS);
    smi.codeSize = fs->word_count * 4;
    smi.pCode = fs->words;
    REQUIRE(vkCreateShaderModule(g->dev, &smi, NULL, &sm[1]) == VK_SUCCESS);
    VkPipelineShaderStageCreateInfo stages[2] = {
        { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
          .stage = VK_SHADER_STAGE_VERTEX_BIT,
          .module = sm[0],
          .pName = "main" },
        { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
          .stage = VK_SHADER_STAGE_FRAGMENT_BIT,
          .module = sm[1],
          .pName = "main" },
    };
    VkPipelineVertexInputStateCreateInfo vi = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO
    };
    VkPipelineInputAssemblyStateCreateInfo ia = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO,
        .topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP
    };
    VkViewport vp = { 0, 0, W, H, 0, 1 };
    VkRect2D sc = { { 0, 0 }, { W, H } };
    VkPipelineViewportStateCreateInfo vps = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO,
        .viewportCount = 1,
        .pViewports = &vp,
        .scissorCount = 1,
        .pScissors = &sc
    };
    VkPipelineRasterizationStateCreateInfo rs = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO,
        .cullMode = VK_CULL_MODE_NONE,
        .lineWidth = 1
    };
    VkPipelineMultisampleStateCreateInfo ms = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO,
        .rasterizationSamples = VK_SAMPLE_COUNT_1_BIT
    };
    VkPipelineColorBlendStateCreateInfo cb = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO,
        .attachmentCount = nt,
        .pAttachments = cba
    };
    VkGraphicsPipelineCreateInfo gpi = { .sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO,
                                         .stageCount = 2,
                                         .pStages = stages,
                                         .pVertexInputState = &vi,
                                         .pInputAssemblyState = &ia,
                                         .pViewportState = &vps,
                                         .pRasterizationState = &rs,
                                         .pMultisampleState = &ms,
                                         .pColorBlendState = &cb,
                                         .layout = layout,
                                         .renderPass = rp };
    VkPipeline pipe;
    REQUIRE(vkCreateGraphicsPipelines(g->dev, VK_NULL_HANDLE, 1, &gpi, NULL, &pipe) == VK_SUCCESS);

    struct buf rb[2];
    for (uint32_t i = 0; i < nt; i++)
        buf_new(g, &rb[i], (size_t)W * H * rt[i].texel, VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    VkCommandBuffer c = cmd_begin(g);
    VkClearValue clr[2] = { { .color = { { 0.1f, 0.1f, 0.1f, 1.0f } } },
                            { .color = { { 0.1f, 0.1f, 0.1f, 1.0f } } } };
    VkRenderPassBeginInfo rbi = { .sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO,
                                  .renderPass = rp,
                                  .framebuffer = fb,
                                  .renderArea = sc,
                                  .clearValueCount = nt,
                                  .pClearValues = clr };
    vkCmdBeginRenderPass(c, &rbi, VK_SUBPASS_CONTENTS_INLINE);
    vkCmdBindPipeline(c, VK_PIPELINE_BIND_POINT_GRAPHICS, pipe);
    vkCmdBindDescriptorSets(c, VK_PIPELINE_BIND_POINT_GRAPHICS, layout, 0, 2, sets, 0, NULL);
    vkCmdDraw(c, 4, 1, 0, 0);
    vkCmdEndRenderPass(c);
    for (uint32_t i = 0; i < nt; i++) {
        VkBufferImageCopy r = { .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
                                .imageExtent = { W, H, 1 } };
        vkCmdCopyImageToBuffer(c, rt[i].i, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, rb[i].b, 1, &r);
    }
    VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                           .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                           .dstAccessMask = VK_ACCESS_HOST_READ_BIT };
    vkCmdPipelineBarrier(c, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb,
                         0, NULL, 0, NULL);
    cmd_submit(g, c);

    for (uint32_t i = 0; i < nt; i++) {
        static uint8_t rgba[W * H * 4];
        const uint8_t *src = rb[i].p;
        for (int p = 0; p < W * H; p++)
            for (uint32_t ch = 0; ch < 4; ch++)
                rgba[p * 4 + ch] = ch < rt[i].texel ? src[p * rt[i].texel + ch] : ch == 3 ? 255 : 0;
        char name[96];
        snprintf(name, sizeof(name), i ? "%s.rt%u" : "%s", s->name, i);
        compare(name, rgba);
        buf_free(g, &rb[i]);
        img_free(g, &rt[i]);
    }
    vkDestroyPipeline(g->dev, pipe, NULL);
    vkDestroyShaderModule(g->dev, sm[0], NULL);
    vkDestroyShaderModule(g->dev, sm[1], NULL);
    vkDestroyFramebuffer(g->dev, fb, NULL);
    vkDestroyRenderPass(g->dev, rp, NULL);
    vkDestroyPipelineLayout(g->dev, layout, NULL);
    vkDestroyDescriptorSetLayout(g->dev, dsl[0], NULL);
    vkDestroyDescriptorSetLayout(g->dev, dsl[1], NULL);
    vkDestroyDescriptorPool(g->dev, pool, NULL);
    for (uint32_t i = 0; i < nb; i++)
        buf_free(g, &bufs[i]);
    for (uint32_t i = 0; i < ni; i++)
        img_free(g, &imgs[i]);
    for (uint32_t i = 0; i < ns; i++)
        vkDestroySampler(g->dev, smps[i], NULL);
    free(vwords);
    air_result_unref(vs);
    air_result_unref(fs);
}

/* ---- scene data ---- */

/* ViewportToNDC: a pixel rectangle (8,8)-(56,40) as a strip. */
static const float fill_pos[8] = { 8, 8, 56, 8, 8, 40, 56, 40 };
static const float fill_vp[2] = { W, H };
static const float fill_color[4] = { 0.9f, 0.3f, 0.15f, 1.0f };
/* UberCompositeVertex: NDC quad (Metal y up) with texture coordinates, the transform. */
static const float quad[16] = { -0.75f, 0.75f,  0, 0, 0.75f, 0.75f,  1, 0,
                                -0.75f, -0.75f, 0, 1, 0.75f, -0.75f, 1, 1 };
/* Texture coordinates from -1 to 2: shows the address modes. */
static const float quad_wide[16] = { -1, 1, -1, -1, 1, 1, 2, -1, -1, -1, -1, 2, 1, -1, 2, 2 };
static const float xform[12] = { 1, 1, 0, 0, 1, 1, 1, 1 };
static const float xform_tint[12] = { 1, 1, 0, 0, 1.0f, 0.8f, 0.6f, 1 };
static const float params_blend[2] = { 0.75f, 0 }; /* opacity, mode (bits of int 1) */
static uint8_t checker[8 * 8 * 4];
static uint16_t lut[16];
static const float taps[3 * 4] = { -0.0625f, 0, 0.25f, 0, 0, 0, 0.5f, 0, 0.0625f, 0, 0.25f, 0 };
static const uint32_t ntaps[1] = { 3 };
static uint8_t luma[8 * 8], chroma[4 * 4 * 2];
/* BT.709 full range, columns (float3 stride 16) and offset. */
static const float csc[16] = { 1,       1,        1, 0, 0,        -0.1873f, 1.8556f,  0,
                               1.5748f, -0.4681f, 0, 0, -0.7874f, 0.3277f,  -0.9278f, 0 };

static uint16_t
half_of(float f)
{
    /* Normal range only (LUT values in [0, 1]). */
    if (f <= 0.0f)
        return 0;
    int e;
    float m = frexpf(f, &e); /* f = m * 2^e, m in [0.5, 1) */
    uint32_t mant = (uint32_t)lrintf((m * 2.0f - 1.0f) * 1024.0f);
    uint32_t exp = (uint32_t)(e - 1 + 15);
    if (mant == 1024) {
        mant = 0;
        exp++;
    }
    return (uint16_t)(exp << 10 | mant);
}

static void
make_textures(void)
{
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
            uint8_t *p = &checker[(y * 8 + x) * 4];
            bool on = (x ^ y) & 1;
            p[0] = (uint8_t)(x * 32);
            p[1] = (uint8_t)(y * 32);
            p[2] = on ? 255 : 40;
            p[3] = 255;
            luma[y * 8 + x] = (uint8_t)(16 + x * 28 + y * 2);
        }
    for (int i = 0; i < 16; i++)
        lut[i] = half_of(1.0f - (float)i / 15.0f); /* inverts each channel */
    for (int i = 0; i < 16; i++) {
        chroma[i * 2] = (uint8_t)(96 + (i % 4) * 24);
        chroma[i * 2 + 1] = (uint8_t)(160 - (i / 4) * 24);
    }
}

#define BUF(s, b, arr)                                             \
    {                                                              \
        .set = s, .binding = b, .data = (arr), .size = sizeof(arr) \
    }
#define TEX(s, b, f, t, ww, hh, d)                                                           \
    {                                                                                        \
        .set = s, .binding = AIR_BIND_TEXTURE + (b), .fmt = f, .texel = t, .w = ww, .h = hh, \
        .data = d                                                                            \
    }
#define SMP(s, b, f, a)                                                        \
    {                                                                          \
        .set = s, .binding = AIR_BIND_SAMPLER + (b), .filter = f, .address = a \
    }

int
main(int argc, char **argv)
{
    REQUIRE(argc >= 3);
    golden_dir = argv[1];
    nfix = argc - 2;
    fix = argv + 2;
    make_textures();
    struct gpu g;
    int rc = gpu_init(&g);
    if (rc)
        return rc;
    const VkFilter NEAR = VK_FILTER_NEAREST, LIN = VK_FILTER_LINEAR;
    const VkSamplerAddressMode CLAMP = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE,
                               REPEAT = VK_SAMPLER_ADDRESS_MODE_REPEAT,
                               MIRROR = VK_SAMPLER_ADDRESS_MODE_MIRRORED_REPEAT;
    const VkFormat RGBA8 = VK_FORMAT_R8G8B8A8_UNORM;
    static uint32_t params_bits[2];
    memcpy(params_bits, params_blend, sizeof(params_bits));
    params_bits[1] = 1; /* mode 1: blend with opacity */
    static const uint32_t params_opaque[2] = { 0, 0 };
    const struct scene scenes[] = {
        { "login_fill",
          "login_fill_vs",
          "login_fill_fs",
          3,
          { BUF(0, 0, fill_pos), BUF(0, 1, fill_vp), BUF(1, 0, fill_color) } },
        { "login_composite",
          "login_composite_vs",
          "login_composite_fs",
          5,
          { BUF(0, 0, quad), BUF(0, 1, xform_tint), BUF(1, 0, params_bits),
            TEX(1, 0, RGBA8, 4, 8, 8, checker), SMP(1, 0, NEAR, CLAMP) } },
        { "login_lut",
          "login_composite_vs",
          "login_lut_fs",
          6,
          { BUF(0, 0, quad), BUF(0, 1, xform), TEX(1, 0, RGBA8, 4, 8, 8, checker),
            TEX(1, 1, VK_FORMAT_R16_SFLOAT, 2, 16, 0, lut), SMP(1, 0, NEAR, CLAMP),
            SMP(1, 1, LIN, CLAMP) } },
        { "login_blur",
          "login_composite_vs",
          "login_blur_fs",
          6,
          { BUF(0, 0, quad), BUF(0, 1, xform), TEX(1, 0, RGBA8, 4, 8, 8, checker),
            SMP(1, 0, LIN, CLAMP), BUF(1, 0, taps), BUF(1, 1, ntaps) } },
        { "login_ycbcr",
          "login_fill_vs",
          "login_ycbcr_fs",
          3,
          { BUF(0, 0, fill_pos), BUF(0, 1, fill_vp), BUF(1, 0, fill_color) } },
        { "ycbcr_to_rgb",
          "login_composite_vs",
          "ycbcr_to_rgb_fs",
          6,
          { BUF(0, 0, quad), BUF(0, 1, xform), TEX(1, 0, VK_FORMAT_R8_UNORM, 1, 8, 8, luma),
            TEX(1, 1, VK_FORMAT_R8G8_UNORM, 2, 4, 4, chroma), SMP(1, 0, LIN, CLAMP),
            BUF(1, 0, csc) } },
        { "sample_nearest_clamp",
          "login_composite_vs",
          "login_composite_fs",
          5,
          { BUF(0, 0, quad_wide), BUF(0, 1, xform), BUF(1, 0, params_opaque),
            TEX(1, 0, RGBA8, 4, 8, 8, checker), SMP(1, 0, NEAR, CLAMP) } },
        { "sample_linear_repeat",
          "login_composite_vs",
          "login_composite_fs",
          5,
          { BUF(0, 0, quad_wide), BUF(0, 1, xform), BUF(1, 0, params_opaque),
            TEX(1, 0, RGBA8, 4, 8, 8, checker), SMP(1, 0, LIN, REPEAT) } },
        { "sample_nearest_mirror",
          "login_composite_vs",
          "login_composite_fs",
          5,
          { BUF(0, 0, quad_wide), BUF(0, 1, xform), BUF(1, 0, params_opaque),
            TEX(1, 0, RGBA8, 4, 8, 8, checker), SMP(1, 0, NEAR, MIRROR) } },
        { "sample_linear_clamp",
          "login_composite_vs",
          "login_composite_fs",
          5,
          { BUF(0, 0, quad_wide), BUF(0, 1, xform), BUF(1, 0, params_opaque),
            TEX(1, 0, RGBA8, 4, 8, 8, checker), SMP(1, 0, LIN, CLAMP) } },
    };
    for (size_t i = 0; i < sizeof(scenes) / sizeof(scenes[0]); i++) {
        int before = check_failures;
        render(&g, &scenes[i]);
        fprintf(stderr, "%s: %s\n", scenes[i].name, check_failures == before ? "ok" : "FAILED");
    }
    gpu_finish(&g);
    CHECK_EQ_INT(validation_messages, 0);
    return check_finish();
}
