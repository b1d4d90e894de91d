/* SPDX-License-Identifier: MIT */
/*
 * Functions (AIR translated to SPIR-V at creation, air.h) and pipelines: render pipelines with
 * linked varyings, descriptor-set layouts from the reflection (air.md §5.4.4), vertex input from
 * the guest's descriptor, everything else dynamic; variants by primitive class, fill mode and
 * depth clamp made on first use. Compute pipelines specialise the workgroup size (SpecIds
 * AIR_SPEC_WORKGROUP_X..+2) per dispatch size. A function that does not translate makes its
 * creation NOT_SUPPORTED (protocol then treats it as unusable). Worker thread; destruction on
 * whichever thread drops the last reference.
 */
#include <string.h>

#include "util/alloc.h"
#include "util/checked.h"
#include "util/log.h"
#include "vulkan/vkb_internal.h"

#define LOGDEV(b) ((b)->cfg.log_dev)

/* ---- functions ---- */

lagfx_status_t
vkb_function_create(struct be *be, const struct be_function_desc *d, be_handle_t *out)
{
    struct vkb *b = vkb_from(be);
    struct air_options opt = { 0 };
    struct air_diag diag;
    memset(&diag, 0, sizeof(diag));
    struct air_result *r = NULL;
    enum air_status as = air_translate(d->mtlb, d->len, &opt, &r, &diag);
    if (as != AIR_OK) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "function (stage %u, %zu bytes) does not translate: %s",
                d->stage, d->len, diag.msg);
        return as == AIR_OUT_OF_MEMORY ? LAGFX_ERROR_OUT_OF_MEMORY : LAGFX_ERROR_NOT_SUPPORTED;
    }
    static const enum air_stage stages[] = { AIR_STAGE_VERTEX, AIR_STAGE_FRAGMENT,
                                             AIR_STAGE_KERNEL };
    if (d->stage > 2 || r->stage != stages[d->stage]) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "function stage %u does not match its code", d->stage);
        air_result_unref(r);
        return LAGFX_ERROR_NOT_SUPPORTED;
    }
    struct vkb_function *f = ut_calloc(1, sizeof(*f));
    if (!f) {
        air_result_unref(r);
        return LAGFX_ERROR_OUT_OF_MEMORY;
    }
    vkb_obj_init(&f->o, VKB_KIND_FUNCTION);
    f->air = r;
    *out = vkb_obj_publish(b, &f->o);
    return LAGFX_OK;
}

void
vkb_destroy_function(struct vkb *b, struct vkb_function *f)
{
    air_result_unref(f->air);
    ut_free(f);
}

static lagfx_status_t
module_new(struct vkb *b, const uint32_t *words, size_t count, VkShaderModule *out)
{
    VkShaderModuleCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                    .codeSize = count * 4,
                                    .pCode = words };
    lagfx_status_t st =
        vkb_check(b, vkCreateShaderModule(b->dev, &ci, NULL, out), "vkCreateShaderModule");
    if (st == LAGFX_OK)
        atomic_fetch_add(&b->live_objects, 1);
    return st;
}

static void
module_free(struct vkb *b, VkShaderModule m)
{
    if (m) {
        vkDestroyShaderModule(b->dev, m, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
}

/* Features the device was created with that a translation may need. */
static bool
features_ok(struct vkb *b, const struct air_result *r)
{
    VkPhysicalDeviceFeatures f;
    vkGetPhysicalDeviceFeatures(b->phys, &f);
    if ((r->needs_int64 && !f.shaderInt64) || (r->needs_int16 && !f.shaderInt16) ||
        (r->needs_float64 && !f.shaderFloat64) || (r->needs_int8 && !b->int8) ||
        (r->needs_storage8 && !b->storage8) || (r->needs_storage16 && !b->storage16) ||
        (r->needs_demote && !b->demote) ||
        (r->needs_image_read_without_format && !f.shaderStorageImageReadWithoutFormat) ||
        (r->needs_image_write_without_format && !f.shaderStorageImageWriteWithoutFormat)) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "function %s needs a device feature not enabled", r->name);
        return false;
    }
    return true;
}

static lagfx_status_t
stage_layout_new(struct vkb *b,
                 const struct air_result *r,
                 uint32_t set,
                 VkShaderStageFlags stages,
                 struct vkb_stage_layout *out)
{
    VkDescriptorSetLayoutBinding lb[64];
    uint32_t n = 0;
    out->bindings = r ? r->bindings : NULL;
    out->nbindings = 0;
    for (uint32_t i = 0; r && i < r->nbindings; i++) {
        const struct air_binding *ab = &r->bindings[i];
        if (ab->set != set)
            continue;
        VkDescriptorType t;
        switch (ab->type) {
        case AIR_BINDING_STORAGE_BUFFER:
            t = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
            break;
        case AIR_BINDING_SAMPLED_IMAGE:
            t = VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE;
            break;
        case AIR_BINDING_STORAGE_IMAGE:
            t = VK_DESCRIPTOR_TYPE_STORAGE_IMAGE;
            break;
        case AIR_BINDING_SAMPLER:
            t = VK_DESCRIPTOR_TYPE_SAMPLER;
            break;
        default:
            /* Constexpr samplers (immutable, decoded from §4.8) and texel buffers: later. */
            UT_WARN(LOGDEV(b), VKB_DOMAIN, "binding type %u not supported yet", ab->type);
            return LAGFX_ERROR_NOT_SUPPORTED;
        }
        if (n == UT_ARRAY_SIZE(lb))
            return LAGFX_ERROR_NOT_SUPPORTED;
        lb[n++] = (VkDescriptorSetLayoutBinding){ ab->binding, t, 1, stages, NULL };
    }
    /* Bindings are served in reflection order; keep a pointer to the first of this set and
     * require the set's bindings to be contiguous (the translator emits one stage per set). */
    uint32_t first = 0;
    while (r && first < r->nbindings && r->bindings[first].set != set)
        first++;
    if (r && n && first + n <= r->nbindings) {
        for (uint32_t i = first; i < first + n; i++)
            if (r->bindings[i].set != set)
                return LAGFX_ERROR_NOT_SUPPORTED;
        out->bindings = &r->bindings[first];
    }
    out->nbindings = n;
    VkDescriptorSetLayoutCreateInfo ci = { .sType =
                                               VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                           .bindingCount = n,
                                           .pBindings = lb };
    lagfx_status_t st =
        vkb_check(b, vkCreateDescriptorSetLayout(b->dev, &ci, NULL, &out->set_layout),
                  "vkCreateDescriptorSetLayout");
    if (st == LAGFX_OK)
        atomic_fetch_add(&b->live_objects, 1);
    return st;
}

static void
stage_layout_free(struct vkb *b, struct vkb_stage_layout *l)
{
    if (l->set_layout) {
        vkDestroyDescriptorSetLayout(b->dev, l->set_layout, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
    l->set_layout = VK_NULL_HANDLE;
}

static lagfx_status_t
pipeline_layout_new(struct vkb *b,
                    const VkDescriptorSetLayout *sets,
                    uint32_t n,
                    VkPipelineLayout *out)
{
    VkPipelineLayoutCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                      .setLayoutCount = n,
                                      .pSetLayouts = sets };
    lagfx_status_t st =
        vkb_check(b, vkCreatePipelineLayout(b->dev, &ci, NULL, out), "vkCreatePipelineLayout");
    if (st == LAGFX_OK)
        atomic_fetch_add(&b->live_objects, 1);
    return st;
}

static void
pipeline_free(struct vkb *b, VkPipeline p)
{
    if (p) {
        vkDestroyPipeline(b->dev, p, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
}

/* ---- render pipelines ---- */

void
vkb_destroy_rpipe(struct vkb *b, struct vkb_rpipe *p)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++)
                pipeline_free(b, p->variant[i][j][k]);
    if (p->layout) {
        vkDestroyPipelineLayout(b->dev, p->layout, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
    stage_layout_free(b, &p->stage[0]);
    stage_layout_free(b, &p->stage[1]);
    module_free(b, p->vs_module);
    module_free(b, p->fs_module);
    if (p->vs)
        vkb_obj_unref(b, &p->vs->o);
    if (p->fs)
        vkb_obj_unref(b, &p->fs->o);
    ut_free(p);
}

static VkFormat
attachment_format(struct vkb *b, uint32_t mtl, bool color)
{
    if (!mtl)
        return VK_FORMAT_UNDEFINED;
    const struct vkb_format *f = vkb_format_lookup(mtl);
    if (!f)
        return VK_FORMAT_UNDEFINED;
    /* The same choice vkb_image_new makes, so pass and pipeline agree. */
    VkFormatFeatureFlags need = VK_FORMAT_FEATURE_TRANSFER_SRC_BIT |
                                VK_FORMAT_FEATURE_TRANSFER_DST_BIT |
                                (color ? 0 : VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT);
    return vkb_format_pick(b, mtl, need);
}

lagfx_status_t
vkb_render_pipeline_create(struct be *be, const struct be_render_pipeline_desc *d, be_handle_t *out)
{
    struct vkb *b = vkb_from(be);
    struct vkb_function *vs = vkb_cast(d->vertex_function, VKB_KIND_FUNCTION);
    struct vkb_function *fs = vkb_cast(d->fragment_function, VKB_KIND_FUNCTION);
    if (!vs || vs->air->stage != AIR_STAGE_VERTEX || (fs && fs->air->stage != AIR_STAGE_FRAGMENT) ||
        !features_ok(b, vs->air) || (fs && !features_ok(b, fs->air)) ||
        d->color_count > BE_MAX_COLOR_ATTACHMENTS) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "render pipeline: functions or colour count unusable");
        return LAGFX_ERROR_NOT_SUPPORTED;
    }
    struct vkb_rpipe *p = ut_calloc(1, sizeof(*p));
    if (!p)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    vkb_obj_init(&p->o, VKB_KIND_RPIPE);
    p->desc = *d;
    lagfx_status_t st = LAGFX_ERROR_NOT_SUPPORTED;
    for (uint32_t i = 0; i < BE_MAX_COLOR_ATTACHMENTS; i++) {
        p->color_formats[i] = i < d->color_count
                                  ? attachment_format(b, d->color[i].pixel_format, true)
                                  : VK_FORMAT_UNDEFINED;
        if (i < d->color_count && d->color[i].pixel_format && !p->color_formats[i]) {
            UT_WARN(LOGDEV(b), VKB_DOMAIN, "render pipeline: colour format %u unsupported",
                    d->color[i].pixel_format);
            goto err;
        }
    }
    p->depth_format = attachment_format(b, d->depth_format, false);
    p->stencil_format = attachment_format(b, d->stencil_format, false);
    if ((d->depth_format && !p->depth_format) || (d->stencil_format && !p->stencil_format))
        goto err;
    vkb_obj_ref(&vs->o);
    p->vs = vs;
    if (fs) {
        vkb_obj_ref(&fs->o);
        p->fs = fs;
    }
    if (fs) {
        uint32_t *words = NULL;
        size_t count = 0;
        if (air_link_varyings(vs->air, fs->air, &words, &count) != AIR_OK) {
            st = LAGFX_ERROR_OUT_OF_MEMORY;
            goto err;
        }
        st = module_new(b, words, count, &p->vs_module);
        ut_free(words);
        if (st != LAGFX_OK)
            goto err;
        st = module_new(b, fs->air->words, fs->air->word_count, &p->fs_module);
    } else {
        st = module_new(b, vs->air->words, vs->air->word_count, &p->vs_module);
    }
    if (st != LAGFX_OK)
        goto err;
    st = stage_layout_new(b, vs->air, AIR_SET_VERTEX_KERNEL, VK_SHADER_STAGE_VERTEX_BIT,
                          &p->stage[0]);
    if (st != LAGFX_OK)
        goto err;
    st = stage_layout_new(b, fs ? fs->air : NULL, AIR_SET_FRAGMENT, VK_SHADER_STAGE_FRAGMENT_BIT,
                          &p->stage[1]);
    if (st != LAGFX_OK)
        goto err;
    VkDescriptorSetLayout sets[2] = { p->stage[0].set_layout, p->stage[1].set_layout };
    st = pipeline_layout_new(b, sets, 2, &p->layout);
    if (st != LAGFX_OK)
        goto err;
    /* Create the common variant now so a bad descriptor fails creation, not the first draw. */
    uint32_t cls = d->topology_class == 1 ? 0 : d->topology_class == 2 ? 1 : 2;
    if (!vkb_rpipe_variant(b, p, cls, false, false)) {
        st = LAGFX_ERROR_NOT_SUPPORTED;
        goto err;
    }
    *out = vkb_obj_publish(b, &p->o);
    return LAGFX_OK;

err:
    vkb_destroy_rpipe(b, p);
    return st;
}

VkPipeline
vkb_rpipe_variant(struct vkb *b, struct vkb_rpipe *p, uint32_t cls, bool lines, bool clamp)
{
    lines = lines && b->fill_mode_non_solid;
    clamp = clamp && b->depth_clamp;
    VkPipeline *slot = &p->variant[cls][lines][clamp];
    if (*slot)
        return *slot;
    const struct be_render_pipeline_desc *d = &p->desc;

    VkVertexInputBindingDescription vb[BE_MAX_VERTEX_ATTRIBUTES];
    VkVertexInputAttributeDescription va[BE_MAX_VERTEX_ATTRIBUTES];
    uint32_t nvb = 0, nva = 0;
    for (uint32_t i = 0; i < d->layout_count && i < BE_MAX_VERTEX_ATTRIBUTES; i++) {
        const struct be_vertex_layout *l = &d->layouts[i];
        vb[nvb++] = (VkVertexInputBindingDescription){
            .binding = i,
            .stride = l->step_function == 0 ? 0 : l->stride,
            .inputRate =
                l->step_function == 2 ? VK_VERTEX_INPUT_RATE_INSTANCE : VK_VERTEX_INPUT_RATE_VERTEX,
        };
    }
    const struct air_result *vr = p->vs->air;
    for (uint32_t i = 0; i < d->attribute_count && i < BE_MAX_VERTEX_ATTRIBUTES; i++) {
        const struct be_vertex_attribute *a = &d->attributes[i];
        bool used = false;
        for (uint32_t k = 0; k < vr->nvertex_inputs; k++)
            used |= vr->vertex_input_locations[k] == a->index;
        if (!used)
            continue; /* an attribute the shader does not read */
        uint32_t binding = UINT32_MAX;
        for (uint32_t k = 0; k < d->layout_count; k++)
            if (d->layouts[k].buffer == a->buffer)
                binding = k;
        VkFormat f = vkb_vertex_format(a->format);
        if (binding == UINT32_MAX || f == VK_FORMAT_UNDEFINED) {
            UT_WARN(LOGDEV(b), VKB_DOMAIN,
                    "vertex attribute %u: format %u or buffer %u "
                    "unsupported (vertex pulling is later work)",
                    a->index, a->format, a->buffer);
            return VK_NULL_HANDLE;
        }
        va[nva++] = (VkVertexInputAttributeDescription){ a->index, binding, f, a->offset };
    }
    VkPipelineVertexInputStateCreateInfo vi = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO,
        .vertexBindingDescriptionCount = nvb,
        .pVertexBindingDescriptions = vb,
        .vertexAttributeDescriptionCount = nva,
        .pVertexAttributeDescriptions = va,
    };
    static const VkPrimitiveTopology cls_topo[] = { VK_PRIMITIVE_TOPOLOGY_POINT_LIST,
                                                    VK_PRIMITIVE_TOPOLOGY_LINE_LIST,
                                                    VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST };
    VkPipelineInputAssemblyStateCreateInfo ia = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO,
        .topology = cls_topo[cls],
    };
    VkPipelineViewportStateCreateInfo vp = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO,
        .viewportCount = 1,
        .scissorCount = 1,
    };
    VkPipelineRasterizationStateCreateInfo rs = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO,
        .depthClampEnable = clamp,
        .rasterizerDiscardEnable = !d->rasterization || !p->fs_module,
        .polygonMode = lines ? VK_POLYGON_MODE_LINE : VK_POLYGON_MODE_FILL,
        .depthBiasEnable = b->fn.set_depth_bias_enable ? VK_FALSE : VK_TRUE,
        .lineWidth = 1.0f,
    };
    VkPipelineMultisampleStateCreateInfo ms = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO,
        .rasterizationSamples = (VkSampleCountFlagBits)(d->sample_count ? d->sample_count : 1),
        .alphaToCoverageEnable = d->alpha_to_coverage,
    };
    VkPipelineDepthStencilStateCreateInfo ds = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO,
        .maxDepthBounds = 1.0f,
    };
    VkPipelineColorBlendAttachmentState cba[BE_MAX_COLOR_ATTACHMENTS];
    for (uint32_t i = 0; i < BE_MAX_COLOR_ATTACHMENTS; i++) {
        const struct be_color_target *c = &d->color[i];
        uint8_t m = i < d->color_count ? c->write_mask : 0;
        /* MTLColorWriteMask: red 0x8 … alpha 0x1; Vulkan: R 0x1 … A 0x8. */
        VkColorComponentFlags wm =
            ((m & 8) ? VK_COLOR_COMPONENT_R_BIT : 0) | ((m & 4) ? VK_COLOR_COMPONENT_G_BIT : 0) |
            ((m & 2) ? VK_COLOR_COMPONENT_B_BIT : 0) | ((m & 1) ? VK_COLOR_COMPONENT_A_BIT : 0);
        cba[i] = (VkPipelineColorBlendAttachmentState){
            .blendEnable = i < d->color_count && c->blending,
            .srcColorBlendFactor = vkb_blend_factor(c->src_rgb),
            .dstColorBlendFactor = vkb_blend_factor(c->dst_rgb),
            .colorBlendOp = vkb_blend_op(c->rgb_op),
            .srcAlphaBlendFactor = vkb_blend_factor(c->src_alpha),
            .dstAlphaBlendFactor = vkb_blend_factor(c->dst_alpha),
            .alphaBlendOp = vkb_blend_op(c->alpha_op),
            .colorWriteMask = wm,
        };
        if (!b->dual_src && cba[i].blendEnable &&
            (c->src_rgb >= 15 || c->dst_rgb >= 15 || c->src_alpha >= 15 || c->dst_alpha >= 15)) {
            UT_WARN(LOGDEV(b), VKB_DOMAIN, "dual-source blending not available");
            return VK_NULL_HANDLE;
        }
    }
    VkPipelineColorBlendStateCreateInfo cb = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO,
        .attachmentCount = BE_MAX_COLOR_ATTACHMENTS,
        .pAttachments = cba,
    };
    VkDynamicState dyn[] = {
        VK_DYNAMIC_STATE_VIEWPORT,
        VK_DYNAMIC_STATE_SCISSOR,
        VK_DYNAMIC_STATE_DEPTH_BIAS,
        VK_DYNAMIC_STATE_BLEND_CONSTANTS,
        VK_DYNAMIC_STATE_STENCIL_COMPARE_MASK,
        VK_DYNAMIC_STATE_STENCIL_WRITE_MASK,
        VK_DYNAMIC_STATE_STENCIL_REFERENCE,
        VK_DYNAMIC_STATE_CULL_MODE,
        VK_DYNAMIC_STATE_FRONT_FACE,
        VK_DYNAMIC_STATE_PRIMITIVE_TOPOLOGY,
        VK_DYNAMIC_STATE_DEPTH_TEST_ENABLE,
        VK_DYNAMIC_STATE_DEPTH_WRITE_ENABLE,
        VK_DYNAMIC_STATE_DEPTH_COMPARE_OP,
        VK_DYNAMIC_STATE_DEPTH_BOUNDS_TEST_ENABLE,
        VK_DYNAMIC_STATE_STENCIL_TEST_ENABLE,
        VK_DYNAMIC_STATE_STENCIL_OP,
        VK_DYNAMIC_STATE_DEPTH_BIAS_ENABLE,
    };
    VkPipelineDynamicStateCreateInfo dy = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO,
        .dynamicStateCount = (uint32_t)UT_ARRAY_SIZE(dyn) - (b->fn.set_depth_bias_enable ? 0 : 1),
        .pDynamicStates = dyn,
    };
    VkFormat depth = p->depth_format ? p->depth_format : VK_FORMAT_UNDEFINED;
    VkFormat stencil = p->stencil_format;
    /* A combined format serves both aspects (render.c begins the pass the same way). */
    if (depth && (vkb_aspect(depth) & VK_IMAGE_ASPECT_STENCIL_BIT) && !stencil)
        stencil = depth;
    if (stencil && (vkb_aspect(stencil) & VK_IMAGE_ASPECT_DEPTH_BIT) && !depth)
        depth = stencil;
    if (depth && !(vkb_aspect(depth) & VK_IMAGE_ASPECT_DEPTH_BIT))
        depth = VK_FORMAT_UNDEFINED;
    VkPipelineRenderingCreateInfo rci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_RENDERING_CREATE_INFO,
        .colorAttachmentCount = BE_MAX_COLOR_ATTACHMENTS,
        .pColorAttachmentFormats = p->color_formats,
        .depthAttachmentFormat = depth,
        .stencilAttachmentFormat = stencil,
    };
    VkPipelineShaderStageCreateInfo stages[2] = {
        { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
          .stage = VK_SHADER_STAGE_VERTEX_BIT,
          .module = p->vs_module,
          .pName = "main" },
        { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
          .stage = VK_SHADER_STAGE_FRAGMENT_BIT,
          .module = p->fs_module,
          .pName = "main" },
    };
    VkGraphicsPipelineCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO,
        .pNext = &rci,
        .stageCount = p->fs_module ? 2 : 1,
        .pStages = stages,
        .pVertexInputState = &vi,
        .pInputAssemblyState = &ia,
        .pViewportState = &vp,
        .pRasterizationState = &rs,
        .pMultisampleState = &ms,
        .pDepthStencilState = &ds,
        .pColorBlendState = &cb,
        .pDynamicState = &dy,
        .layout = p->layout,
    };
    if (vkb_check(b, vkCreateGraphicsPipelines(b->dev, b->pcache, 1, &ci, NULL, slot),
                  "vkCreateGraphicsPipelines") != LAGFX_OK) {
        *slot = VK_NULL_HANDLE;
        return VK_NULL_HANDLE;
    }
    atomic_fetch_add(&b->live_objects, 1);
    return *slot;
}

/* ---- compute pipelines ---- */

void
vkb_destroy_cpipe(struct vkb *b, struct vkb_cpipe *p)
{
    for (uint32_t i = 0; i < p->nvariants; i++)
        pipeline_free(b, p->variants[i].pipeline);
    if (p->layout) {
        vkDestroyPipelineLayout(b->dev, p->layout, NULL);
        atomic_fetch_sub(&b->live_objects, 1);
    }
    stage_layout_free(b, &p->stage);
    module_free(b, p->module);
    if (p->fn)
        vkb_obj_unref(b, &p->fn->o);
    ut_free(p);
}

lagfx_status_t
vkb_compute_pipeline_create(struct be *be,
                            const struct be_compute_pipeline_desc *d,
                            be_handle_t *out)
{
    struct vkb *b = vkb_from(be);
    struct vkb_function *fn = vkb_cast(d->function, VKB_KIND_FUNCTION);
    if (!fn || fn->air->stage != AIR_STAGE_KERNEL || !features_ok(b, fn->air))
        return LAGFX_ERROR_NOT_SUPPORTED;
    struct vkb_cpipe *p = ut_calloc(1, sizeof(*p));
    if (!p)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    vkb_obj_init(&p->o, VKB_KIND_CPIPE);
    vkb_obj_ref(&fn->o);
    p->fn = fn;
    p->max_threads = d->max_threads;
    lagfx_status_t st = module_new(b, fn->air->words, fn->air->word_count, &p->module);
    if (st != LAGFX_OK)
        goto err;
    st =
        stage_layout_new(b, fn->air, AIR_SET_VERTEX_KERNEL, VK_SHADER_STAGE_COMPUTE_BIT, &p->stage);
    if (st != LAGFX_OK)
        goto err;
    st = pipeline_layout_new(b, &p->stage.set_layout, 1, &p->layout);
    if (st != LAGFX_OK)
        goto err;
    *out = vkb_obj_publish(b, &p->o);
    return LAGFX_OK;
err:
    vkb_destroy_cpipe(b, p);
    return st;
}

VkPipeline
vkb_cpipe_variant(struct vkb *b, struct vkb_cpipe *p, const uint32_t size[3])
{
    for (uint32_t i = 0; i < p->nvariants; i++)
        if (!memcmp(p->variants[i].size, size, sizeof(p->variants[i].size)))
            return p->variants[i].pipeline;
    uint64_t total = (uint64_t)size[0] * size[1] * size[2];
    const VkPhysicalDeviceLimits *lim = &b->props.limits;
    if (total > lim->maxComputeWorkGroupInvocations || size[0] > lim->maxComputeWorkGroupSize[0] ||
        size[1] > lim->maxComputeWorkGroupSize[1] || size[2] > lim->maxComputeWorkGroupSize[2]) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "workgroup %ux%ux%u over the device's limits", size[0],
                size[1], size[2]);
        return VK_NULL_HANDLE;
    }
    if (p->nvariants == UT_ARRAY_SIZE(p->variants)) {
        UT_WARN(LOGDEV(b), VKB_DOMAIN, "more than %zu workgroup sizes for one pipeline",
                UT_ARRAY_SIZE(p->variants));
        return VK_NULL_HANDLE;
    }
    VkSpecializationMapEntry me[3] = { { AIR_SPEC_WORKGROUP_X, 0, 4 },
                                       { AIR_SPEC_WORKGROUP_X + 1, 4, 4 },
                                       { AIR_SPEC_WORKGROUP_X + 2, 8, 4 } };
    VkSpecializationInfo spec = { 3, me, 12, size };
    VkComputePipelineCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                   .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                   .module = p->module,
                   .pName = "main", /* the translator names every entry "main" */
                   .pSpecializationInfo = &spec },
        .layout = p->layout,
    };
    struct vkb_cvariant *v = &p->variants[p->nvariants];
    if (vkb_check(b, vkCreateComputePipelines(b->dev, b->pcache, 1, &ci, NULL, &v->pipeline),
                  "vkCreateComputePipelines") != LAGFX_OK)
        return VK_NULL_HANDLE;
    atomic_fetch_add(&b->live_objects, 1);
    memcpy(v->size, size, sizeof(v->size));
    p->nvariants++;
    return v->pipeline;
}
