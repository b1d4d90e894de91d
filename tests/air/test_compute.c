/* SPDX-License-Identifier: MIT */
/*
 * air-compute: translated kernels run on lavapipe (checked by device name first) under the
 * Khronos validation layer; any validation message fails the test. Buffers must match the
 * C reference exactly: scale_cs (fma of a constant), cf_branch_cs (if/else + phi, early
 * return, switch), cf_loop_cs (rotated loop with break/continue), loop_nested_cs (nested
 * while loops, outer continue, inner break), loop_return_cs (early return from a loop, code
 * after it), loop_ptr_cs (pointers made before and inside a loop, a struct value used in
 * it), loop_ptrphi_cs (a pointer induction variable), all structured (OpLoopMerge, no
 * dispatch fallback), cf_irreducible_cs (a two-entry cycle: the dispatch-loop fallback),
 * simd_ops_cs (SIMD-group reductions, scans, shuffles, votes, ballot as subgroup operations;
 * the reference uses lavapipe's reported subgroup size and assumes subgroups are consecutive
 * runs of LocalInvocationIndex, as lavapipe lays them out) and cmpxchg_cs (device and
 * threadgroup compare-exchange), reinterp_cs (a uint buffer read as uint4, float2 and a
 * uint4 component, written as uint2).
 * args: scale_cs.air cf_branch_cs.air cf_loop_cs.air loop_nested_cs.air loop_return_cs.air
 * cf_irreducible_cs.air loop_ptr_cs.air loop_ptrphi_cs.air simd_ops_cs.air cmpxchg_cs.air
 * reinterp_cs.air.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vulkan/vulkan.h>

#include "air/air.h"
#include "check.h"

#define N 256

static int validation_messages;
static uint32_t subgroup_size; /* lavapipe's, read in gpu_init */

static VKAPI_ATTR VkBool32 VKAPI_CALL
on_message(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
           VkDebugUtilsMessageTypeFlagsEXT type,
           const VkDebugUtilsMessengerCallbackDataEXT *data,
           void *user)
{
    /* The loader's own notes (e.g. "env var VK_INSTANCE_LAYERS ...") come as GENERAL. */
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
    uint32_t qf;
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
        printf("skip: no lavapipe (llvmpipe) device\n");
        return 77;
    }
    vkGetPhysicalDeviceMemoryProperties(g->pd, &g->mp);
    VkPhysicalDeviceSubgroupProperties sp = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
    };
    VkPhysicalDeviceProperties2 pp = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                       .pNext = &sp };
    vkGetPhysicalDeviceProperties2(g->pd, &pp);
    subgroup_size = sp.subgroupSize;
    VkSubgroupFeatureFlags need = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_VOTE_BIT |
                                  VK_SUBGROUP_FEATURE_ARITHMETIC_BIT |
                                  VK_SUBGROUP_FEATURE_BALLOT_BIT | VK_SUBGROUP_FEATURE_SHUFFLE_BIT |
                                  VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT;
    /* simd_ops_cs's reference needs whole subgroups inside each 64-thread group. */
    REQUIRE(subgroup_size >= 4 && subgroup_size <= 64 && 64 % subgroup_size == 0);
    REQUIRE((sp.supportedOperations & need) == need);
    REQUIRE(sp.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT);
    float prio = 1.0f;
    g->qf = 0; /* lavapipe: one universal queue family */
    VkDeviceQueueCreateInfo qci = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                    .queueFamilyIndex = g->qf,
                                    .queueCount = 1,
                                    .pQueuePriorities = &prio };
    VkPhysicalDeviceVulkan12Features f12 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, .scalarBlockLayout = 1
    };
    VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                     .pNext = &f12 };
    f2.features.shaderInt64 = 1;
    VkDeviceCreateInfo dci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                               .pNext = &f2,
                               .queueCreateInfoCount = 1,
                               .pQueueCreateInfos = &qci };
    REQUIRE(vkCreateDevice(g->pd, &dci, NULL, &g->dev) == VK_SUCCESS);
    vkGetDeviceQueue(g->dev, g->qf, 0, &g->q);
    return 0;
}

static void
gpu_finish(struct gpu *g)
{
    vkDestroyDevice(g->dev, NULL);
    PFN_vkDestroyDebugUtilsMessengerEXT dm =
        (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
            g->inst, "vkDestroyDebugUtilsMessengerEXT");
    dm(g->inst, g->msg, NULL);
    vkDestroyInstance(g->inst, NULL);
}

struct buf {
    VkBuffer b;
    VkDeviceMemory m;
    void *p;
};

static void
buf_new(struct gpu *g, struct buf *b, size_t size)
{
    VkBufferCreateInfo bci = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                               .size = size,
                               .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT };
    REQUIRE(vkCreateBuffer(g->dev, &bci, NULL, &b->b) == VK_SUCCESS);
    VkMemoryRequirements mr;
    vkGetBufferMemoryRequirements(g->dev, b->b, &mr);
    uint32_t type = UINT32_MAX;
    VkMemoryPropertyFlags want =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (uint32_t i = 0; i < g->mp.memoryTypeCount; i++)
        if ((mr.memoryTypeBits & (1u << i)) &&
            (g->mp.memoryTypes[i].propertyFlags & want) == want) {
            type = i;
            break;
        }
    REQUIRE(type != UINT32_MAX);
    VkMemoryAllocateInfo mai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                 .allocationSize = mr.size,
                                 .memoryTypeIndex = type };
    REQUIRE(vkAllocateMemory(g->dev, &mai, NULL, &b->m) == VK_SUCCESS);
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

static struct air_result *
translate(const char *path)
{
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

/* Binds bufs[i] at the kernel's reflected set 0 bindings (in order) and dispatches N threads
 * in groups of 64 (spec constants 1000..1002). */
static void
run(struct gpu *g, const struct air_result *r, struct buf *bufs, uint32_t nbufs)
{
    VkDescriptorSetLayoutBinding lb[8];
    REQUIRE(r->nbindings == nbufs && nbufs <= 8);
    for (uint32_t i = 0; i < nbufs; i++) {
        REQUIRE(r->bindings[i].set == 0 && r->bindings[i].type == AIR_BINDING_STORAGE_BUFFER);
        lb[i] = (VkDescriptorSetLayoutBinding){ r->bindings[i].binding,
                                                VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1,
                                                VK_SHADER_STAGE_COMPUTE_BIT, NULL };
    }
    VkDescriptorSetLayoutCreateInfo dl = { .sType =
                                               VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                           .bindingCount = nbufs,
                                           .pBindings = lb };
    VkDescriptorSetLayout dsl;
    REQUIRE(vkCreateDescriptorSetLayout(g->dev, &dl, NULL, &dsl) == VK_SUCCESS);
    VkPipelineLayoutCreateInfo pl = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                      .setLayoutCount = 1,
                                      .pSetLayouts = &dsl };
    VkPipelineLayout layout;
    REQUIRE(vkCreatePipelineLayout(g->dev, &pl, NULL, &layout) == VK_SUCCESS);
    VkShaderModuleCreateInfo smi = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                     .codeSize = r->word_count * 4,
                                     .pCode = r->words };
    VkShaderModule sm;
    REQUIRE(vkCreateShaderModule(g->dev, &smi, NULL, &sm) == VK_SUCCESS);
    uint32_t wg[3] = { 64, 1, 1 };
    VkSpecializationMapEntry me[3] = { { AIR_SPEC_WORKGROUP_X, 0, 4 },
                                       { AIR_SPEC_WORKGROUP_X + 1, 4, 4 },
                                       { AIR_SPEC_WORKGROUP_X + 2, 8, 4 } };
    VkSpecializationInfo spec = { 3, me, sizeof(wg), wg };
    VkComputePipelineCreateInfo cpi = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                   .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                   .module = sm,
                   .pName = "main",
                   .pSpecializationInfo = &spec },
        .layout = layout
    };
    VkPipeline pipe;
    REQUIRE(vkCreateComputePipelines(g->dev, VK_NULL_HANDLE, 1, &cpi, NULL, &pipe) == VK_SUCCESS);
    VkDescriptorPoolSize ps = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 8 };
    VkDescriptorPoolCreateInfo dpi = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                       .maxSets = 1,
                                       .poolSizeCount = 1,
                                       .pPoolSizes = &ps };
    VkDescriptorPool pool;
    REQUIRE(vkCreateDescriptorPool(g->dev, &dpi, NULL, &pool) == VK_SUCCESS);
    VkDescriptorSetAllocateInfo dai = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                        .descriptorPool = pool,
                                        .descriptorSetCount = 1,
                                        .pSetLayouts = &dsl };
    VkDescriptorSet set;
    REQUIRE(vkAllocateDescriptorSets(g->dev, &dai, &set) == VK_SUCCESS);
    VkDescriptorBufferInfo bi[8];
    VkWriteDescriptorSet w[8];
    for (uint32_t i = 0; i < nbufs; i++) {
        bi[i] = (VkDescriptorBufferInfo){ bufs[i].b, 0, VK_WHOLE_SIZE };
        w[i] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                       .dstSet = set,
                                       .dstBinding = r->bindings[i].binding,
                                       .descriptorCount = 1,
                                       .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                       .pBufferInfo = &bi[i] };
    }
    vkUpdateDescriptorSets(g->dev, nbufs, w, 0, NULL);
    VkCommandPoolCreateInfo cpci = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                     .queueFamilyIndex = g->qf };
    VkCommandPool cp;
    REQUIRE(vkCreateCommandPool(g->dev, &cpci, NULL, &cp) == VK_SUCCESS);
    VkCommandBufferAllocateInfo cbai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                         .commandPool = cp,
                                         .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                         .commandBufferCount = 1 };
    VkCommandBuffer cb;
    REQUIRE(vkAllocateCommandBuffers(g->dev, &cbai, &cb) == VK_SUCCESS);
    VkCommandBufferBeginInfo cbi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
    vkBeginCommandBuffer(cb, &cbi);
    vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipe);
    vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0, NULL);
    vkCmdDispatch(cb, N / 64, 1, 1);
    VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                           .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                           .dstAccessMask = VK_ACCESS_HOST_READ_BIT };
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
                         &mb, 0, NULL, 0, NULL);
    vkEndCommandBuffer(cb);
    VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                        .commandBufferCount = 1,
                        .pCommandBuffers = &cb };
    REQUIRE(vkQueueSubmit(g->q, 1, &si, VK_NULL_HANDLE) == VK_SUCCESS);
    REQUIRE(vkQueueWaitIdle(g->q) == VK_SUCCESS);
    vkDestroyCommandPool(g->dev, cp, NULL);
    vkDestroyDescriptorPool(g->dev, pool, NULL);
    vkDestroyPipeline(g->dev, pipe, NULL);
    vkDestroyShaderModule(g->dev, sm, NULL);
    vkDestroyPipelineLayout(g->dev, layout, NULL);
    vkDestroyDescriptorSetLayout(g->dev, dsl, NULL);
}

static uint32_t
ref_branch(uint32_t x)
{
    uint32_t y = (x & 1) ? x * 3 : x >> 1;
    if (y > 100)
        return 7;
    switch (y % 4) {
    case 0:
        return y + 10;
    case 1:
        return y + 20;
    case 2:
        return y;
    default:
        return 99;
    }
}

static uint32_t
ref_loop(uint32_t x)
{
    uint32_t n = x % 16, s = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (k == 9)
            break;
        if (k & 1)
            continue;
        s += k * x;
    }
    return s;
}

static uint32_t
ref_nested(uint32_t x)
{
    uint32_t n = x % 6, m = (x >> 3) % 7, s = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i == 3)
            continue;
        for (uint32_t j = 0; j < m; j++) {
            if (j * i > 8)
                break;
            s += i * 10 + j;
        }
    }
    return s;
}

static uint32_t
ref_return(uint32_t x)
{
    uint32_t s = x;
    for (uint32_t k = 0; k < 20; k++) {
        s = s * 3 + 1;
        if ((s & 7) == 5)
            return 1000 + k;
        if (s > 100000)
            s %= 1000;
    }
    return s;
}

static uint32_t
ref_irreducible(uint32_t x)
{
    uint32_t v = x, n = 0;
    if (x & 1)
        goto a;
    goto b;
a:
    v += 3;
    n++;
    if (n < 6 && v % 5 != 0)
        goto b;
    goto done;
b:
    v *= 2;
    n++;
    if (n < 6)
        goto a;
done:
    return v + n * 1000;
}

/* in[] = i * 7 + 3 for all N threads; thread i reads in[(i + k) & 255] in its loop. */
static uint32_t
ref_ptr(uint32_t i)
{
    uint32_t x = i * 7u + 3u, n = x % 9, s = 0;
    for (uint32_t k = 0; k < n; k++)
        s += (((i + k) & 255) * 7u + 3u) ^ x;
    return s + 7;
}

/* Thread i walks in[i], in[i - 1], ... with a pointer induction variable. */
static uint32_t
ref_ptrphi(uint32_t i)
{
    uint32_t x = i * 7u + 3u, n = x % 9 < i + 1 ? x % 9 : i + 1, s = 0;
    for (uint32_t k = 0; k < n; k++)
        s += ((i - k) * 7u + 3u) * k;
    return s;
}

/* x of thread j in simd_ops_cs and cmpxchg_cs. */
static uint32_t
in_of(uint32_t j)
{
    return j * 7u + 3u;
}

/* The subgroup of thread i is threads base..base + S - 1; mirrors simd_ops_cs.ll. */
static uint32_t
ref_simd(uint32_t i)
{
    uint32_t s = subgroup_size, base = i - i % s, lane = i % s, x = in_of(i);
    uint32_t sum = 0, incl = 0, excl = 0, prod = 1, mx = 0, and_ = ~0u, or_ = 0, xor_ = 0;
    int32_t mn = INT32_MAX;
    bool all = true, any = false, any0 = false;
    uint64_t ballot = 0;
    float fsum = 0.0f, fmax = 0.0f;
    for (uint32_t l = 0; l < s; l++) {
        uint32_t y = in_of(base + l);
        sum += y;
        if (l <= lane)
            incl += y;
        if (l < lane)
            excl += y;
        prod *= y | 1u;
        if ((int32_t)(y - 1000u) < mn)
            mn = (int32_t)(y - 1000u);
        mx = y > mx ? y : mx;
        and_ &= y | 240u;
        or_ |= y;
        xor_ ^= y;
        all = all && y > 5;
        any = any || (y & 1);
        any0 = any0 || (y & 7) == 0;
        if (y & 1)
            ballot |= 1ull << l;
        fsum += (float)y;
        fmax = (float)y > fmax ? (float)y : fmax;
    }
    uint32_t r[19] = {
        sum,
        incl,
        excl,
        prod,
        (uint32_t)mn,
        mx,
        and_,
        or_,
        xor_,
        in_of(base + (lane * 3 + 1) % s),
        in_of(base + (lane ^ 1)),
        lane >= 1 ? in_of(i - 1) : x,
        lane + 2 < s ? in_of(i + 2) : x,
        in_of(base + 2),
        in_of(base) + 5,
        (uint32_t)(fsum + fmax),
        (uint32_t)all | (uint32_t)any << 1 | (uint32_t)any0 << 2,
        (uint32_t)ballot,
        (uint32_t)(ballot >> 32),
    };
    uint32_t h = 0;
    for (int k = 0; k < 19; k++)
        h = h * 31u + r[k];
    return h;
}

/* Thread i: a winning and a losing compare-exchange, then 64 CAS-loop increments. */
static uint32_t
ref_cmpxchg(uint32_t i)
{
    return in_of(i) * 4u + 1u + 0u * 2u + 8u + (64u << 16);
}

/* reinterp_cs: thread i's sum over uint4, float2 (bits) and uint4-component views of in. */
static uint32_t
reinterp_sum(uint32_t i)
{
    uint32_t q = i >> 2, h = i >> 1, g = in_of(4 * (q ^ 1) + 2);
    return in_of(4 * q) + 3 * in_of(4 * q + 1) + 5 * in_of(4 * q + 2) + 7 * in_of(4 * q + 3) +
           11 * in_of(2 * h) + 13 * in_of(2 * h + 1) + 17 * g;
}

/* Even threads store a uint2 {sum, sum ^ 0xffff} over out[i], out[i + 1]. */
static uint32_t
ref_reinterp(uint32_t i)
{
    return i & 1 ? reinterp_sum(i - 1) ^ 65535u : reinterp_sum(i);
}

/* The kernels after scale_cs: reference (of x = in[i], or of i) and whether the dispatch
 * fallback is expected. */
static const struct {
    uint32_t (*ref)(uint32_t);
    bool of_index, fallback;
} kernels[] = {
    { ref_branch, false, false },  { ref_loop, false, false },       { ref_nested, false, false },
    { ref_return, false, false },  { ref_irreducible, false, true }, { ref_ptr, true, false },
    { ref_ptrphi, true, false },   { ref_simd, true, false },        { ref_cmpxchg, true, false },
    { ref_reinterp, true, false },
};
#define NKERNELS (sizeof(kernels) / sizeof(kernels[0]))

int
main(int argc, char **argv)
{
    REQUIRE(argc == 2 + (int)NKERNELS);
    struct gpu g;
    int rc = gpu_init(&g);
    if (rc)
        return rc;

    struct air_result *r = translate(argv[1]);
    struct buf b[3];
    buf_new(&g, &b[0], N * 4);
    buf_new(&g, &b[1], N * 4);
    buf_new(&g, &b[2], 4);
    for (int i = 0; i < N; i++)
        ((float *)b[0].p)[i] = (float)i * 0.5f - 3.0f;
    *(float *)b[2].p = 1.5f;
    run(&g, r, b, 3);
    for (int i = 0; i < N; i++) {
        float want = fmaf((float)i * 0.5f - 3.0f, 1.5f, 1.0f);
        if (((float *)b[1].p)[i] != want) {
            fprintf(stderr, "scale_cs[%d] = %g, want %g\n", i, ((float *)b[1].p)[i], want);
            check_failures++;
            break;
        }
    }
    for (int i = 0; i < 3; i++)
        buf_free(&g, &b[i]);
    air_result_unref(r);

    for (size_t k = 0; k < NKERNELS; k++) {
        r = translate(argv[2 + k]);
        CHECK_EQ_INT(r->dispatch_fallback, kernels[k].fallback);
        buf_new(&g, &b[0], N * 4);
        buf_new(&g, &b[1], N * 4);
        for (uint32_t i = 0; i < N; i++)
            ((uint32_t *)b[0].p)[i] = i * 7u + 3u;
        run(&g, r, b, 2);
        for (uint32_t i = 0; i < N; i++) {
            uint32_t x = i * 7u + 3u, want = kernels[k].ref(kernels[k].of_index ? i : x);
            if (((uint32_t *)b[1].p)[i] != want) {
                fprintf(stderr, "%s[%u] = %u, want %u\n", r->name, i, ((uint32_t *)b[1].p)[i],
                        want);
                check_failures++;
                break;
            }
        }
        buf_free(&g, &b[0]);
        buf_free(&g, &b[1]);
        air_result_unref(r);
    }
    gpu_finish(&g);
    CHECK_EQ_INT(validation_messages, 0);
    return check_finish();
}
