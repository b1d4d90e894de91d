/* SPDX-License-Identifier: MIT */
/*
 * Metal → Vulkan value tables: pixel formats (protocol.md §13.15; a format without a row, or
 * whose host format the device lacks, is NOT_SUPPORTED, never a guess), vertex formats
 * (§13.16), compare and stencil operations, blend factors and operations, swizzles and address
 * modes (§13.14). Pure functions; any thread.
 */
#include "util/checked.h"
#include "vulkan/vkb_internal.h"

static const struct vkb_format formats[] = {
    { 80, VK_FORMAT_B8G8R8A8_UNORM, 0, 4, false, false },
    { 81, VK_FORMAT_B8G8R8A8_SRGB, 0, 4, false, false },
    { 70, VK_FORMAT_R8G8B8A8_UNORM, 0, 4, false, false },
    { 71, VK_FORMAT_R8G8B8A8_SRGB, 0, 4, false, false },
    { 115, VK_FORMAT_R16G16B16A16_SFLOAT, 0, 8, false, false },
    { 90, VK_FORMAT_A2B10G10R10_UNORM_PACK32, 0, 4, false, false },
    { 94, VK_FORMAT_A2R10G10B10_UNORM_PACK32, 0, 4, false, false },
    { 10, VK_FORMAT_R8_UNORM, 0, 1, false, false },
    { 30, VK_FORMAT_R8G8_UNORM, 0, 2, false, false },
    { 25, VK_FORMAT_R16_SFLOAT, 0, 2, false, false },
    { 55, VK_FORMAT_R32_SFLOAT, 0, 4, false, false },
    { 125, VK_FORMAT_R32G32B32A32_SFLOAT, 0, 16, false, false },
    { 250, VK_FORMAT_D16_UNORM, 0, 2, true, false },
    { 252, VK_FORMAT_D32_SFLOAT, 0, 4, true, false },
    { 253, VK_FORMAT_S8_UINT, VK_FORMAT_D24_UNORM_S8_UINT, 1, false, true },
    { 255, VK_FORMAT_D24_UNORM_S8_UINT, VK_FORMAT_D32_SFLOAT_S8_UINT, 4, true, true },
    { 260, VK_FORMAT_D32_SFLOAT_S8_UINT, 0, 8, true, true },
    /* Optional rows with a direct host format. A8Unorm (needs a swizzle) and the XR formats
     * (extended range) are not supported. */
    { 20, VK_FORMAT_R16_UNORM, 0, 2, false, false },
    { 65, VK_FORMAT_R16G16_SFLOAT, 0, 4, false, false },
    { 105, VK_FORMAT_R32G32_SFLOAT, 0, 8, false, false },
    { 110, VK_FORMAT_R16G16B16A16_UNORM, 0, 8, false, false },
    { 92, VK_FORMAT_B10G11R11_UFLOAT_PACK32, 0, 4, false, false },
};

const struct vkb_format *
vkb_format_lookup(uint32_t mtl)
{
    for (size_t i = 0; i < UT_ARRAY_SIZE(formats); i++)
        if (formats[i].mtl == mtl)
            return &formats[i];
    return NULL;
}

VkFormat
vkb_format_pick(struct vkb *b, uint32_t mtl, VkFormatFeatureFlags need)
{
    const struct vkb_format *f = vkb_format_lookup(mtl);
    if (!f)
        return VK_FORMAT_UNDEFINED;
    VkFormat cand[2] = { f->vk, f->vk_alt };
    for (int i = 0; i < 2; i++) {
        if (cand[i] == VK_FORMAT_UNDEFINED)
            continue;
        VkFormatProperties p;
        vkGetPhysicalDeviceFormatProperties(b->phys, cand[i], &p);
        if ((p.optimalTilingFeatures & need) == need)
            return cand[i];
    }
    return VK_FORMAT_UNDEFINED;
}

VkImageAspectFlags
vkb_aspect(VkFormat f)
{
    switch (f) {
    case VK_FORMAT_D16_UNORM:
    case VK_FORMAT_D32_SFLOAT:
        return VK_IMAGE_ASPECT_DEPTH_BIT;
    case VK_FORMAT_S8_UINT:
        return VK_IMAGE_ASPECT_STENCIL_BIT;
    case VK_FORMAT_D24_UNORM_S8_UINT:
    case VK_FORMAT_D32_SFLOAT_S8_UINT:
    case VK_FORMAT_D16_UNORM_S8_UINT:
        return VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT;
    default:
        return VK_IMAGE_ASPECT_COLOR_BIT;
    }
}

VkFormat
vkb_vertex_format(uint32_t v)
{
    static const VkFormat t[] = {
        [1] = VK_FORMAT_R8G8_UINT,
        [2] = VK_FORMAT_R8G8B8_UINT,
        [3] = VK_FORMAT_R8G8B8A8_UINT,
        [4] = VK_FORMAT_R8G8_SINT,
        [5] = VK_FORMAT_R8G8B8_SINT,
        [6] = VK_FORMAT_R8G8B8A8_SINT,
        [7] = VK_FORMAT_R8G8_UNORM,
        [8] = VK_FORMAT_R8G8B8_UNORM,
        [9] = VK_FORMAT_R8G8B8A8_UNORM,
        [10] = VK_FORMAT_R8G8_SNORM,
        [11] = VK_FORMAT_R8G8B8_SNORM,
        [12] = VK_FORMAT_R8G8B8A8_SNORM,
        [13] = VK_FORMAT_R16G16_UINT,
        [14] = VK_FORMAT_R16G16B16_UINT,
        [15] = VK_FORMAT_R16G16B16A16_UINT,
        [16] = VK_FORMAT_R16G16_SINT,
        [17] = VK_FORMAT_R16G16B16_SINT,
        [18] = VK_FORMAT_R16G16B16A16_SINT,
        [19] = VK_FORMAT_R16G16_UNORM,
        [20] = VK_FORMAT_R16G16B16_UNORM,
        [21] = VK_FORMAT_R16G16B16A16_UNORM,
        [22] = VK_FORMAT_R16G16_SNORM,
        [23] = VK_FORMAT_R16G16B16_SNORM,
        [24] = VK_FORMAT_R16G16B16A16_SNORM,
        [25] = VK_FORMAT_R16G16_SFLOAT,
        [26] = VK_FORMAT_R16G16B16_SFLOAT,
        [27] = VK_FORMAT_R16G16B16A16_SFLOAT,
        [28] = VK_FORMAT_R32_SFLOAT,
        [29] = VK_FORMAT_R32G32_SFLOAT,
        [30] = VK_FORMAT_R32G32B32_SFLOAT,
        [31] = VK_FORMAT_R32G32B32A32_SFLOAT,
        [32] = VK_FORMAT_R32_SINT,
        [33] = VK_FORMAT_R32G32_SINT,
        [34] = VK_FORMAT_R32G32B32_SINT,
        [35] = VK_FORMAT_R32G32B32A32_SINT,
        [36] = VK_FORMAT_R32_UINT,
        [37] = VK_FORMAT_R32G32_UINT,
        [38] = VK_FORMAT_R32G32B32_UINT,
        [39] = VK_FORMAT_R32G32B32A32_UINT,
        [40] = VK_FORMAT_A2B10G10R10_SNORM_PACK32,
        [41] = VK_FORMAT_A2B10G10R10_UNORM_PACK32,
        [42] = VK_FORMAT_B8G8R8A8_UNORM,
        [45] = VK_FORMAT_R8_UINT,
        [46] = VK_FORMAT_R8_SINT,
        [47] = VK_FORMAT_R8_UNORM,
        [48] = VK_FORMAT_R8_SNORM,
        [49] = VK_FORMAT_R16_UINT,
        [50] = VK_FORMAT_R16_SINT,
        [51] = VK_FORMAT_R16_UNORM,
        [52] = VK_FORMAT_R16_SNORM,
        [53] = VK_FORMAT_R16_SFLOAT,
        [54] = VK_FORMAT_B10G11R11_UFLOAT_PACK32,
        [55] = VK_FORMAT_E5B9G9R9_UFLOAT_PACK32,
    };
    return v < UT_ARRAY_SIZE(t) ? t[v] : VK_FORMAT_UNDEFINED;
}

VkCompareOp
vkb_compare_op(uint32_t m)
{
    /* MTLCompareFunction and VkCompareOp share the order Never..Always (§13.14). */
    return m <= 7 ? (VkCompareOp)m : VK_COMPARE_OP_ALWAYS;
}

VkStencilOp
vkb_stencil_op(uint32_t m)
{
    static const VkStencilOp t[] = {
        VK_STENCIL_OP_KEEP,
        VK_STENCIL_OP_ZERO,
        VK_STENCIL_OP_REPLACE,
        VK_STENCIL_OP_INCREMENT_AND_CLAMP,
        VK_STENCIL_OP_DECREMENT_AND_CLAMP,
        VK_STENCIL_OP_INVERT,
        VK_STENCIL_OP_INCREMENT_AND_WRAP,
        VK_STENCIL_OP_DECREMENT_AND_WRAP,
    };
    return m < UT_ARRAY_SIZE(t) ? t[m] : VK_STENCIL_OP_KEEP;
}

VkBlendFactor
vkb_blend_factor(uint32_t m)
{
    static const VkBlendFactor t[] = {
        VK_BLEND_FACTOR_ZERO,
        VK_BLEND_FACTOR_ONE,
        VK_BLEND_FACTOR_SRC_COLOR,
        VK_BLEND_FACTOR_ONE_MINUS_SRC_COLOR,
        VK_BLEND_FACTOR_SRC_ALPHA,
        VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA,
        VK_BLEND_FACTOR_DST_COLOR,
        VK_BLEND_FACTOR_ONE_MINUS_DST_COLOR,
        VK_BLEND_FACTOR_DST_ALPHA,
        VK_BLEND_FACTOR_ONE_MINUS_DST_ALPHA,
        VK_BLEND_FACTOR_SRC_ALPHA_SATURATE,
        VK_BLEND_FACTOR_CONSTANT_COLOR,
        VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_COLOR,
        VK_BLEND_FACTOR_CONSTANT_ALPHA,
        VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_ALPHA,
        VK_BLEND_FACTOR_SRC1_COLOR,
        VK_BLEND_FACTOR_ONE_MINUS_SRC1_COLOR,
        VK_BLEND_FACTOR_SRC1_ALPHA,
        VK_BLEND_FACTOR_ONE_MINUS_SRC1_ALPHA,
    };
    return m < UT_ARRAY_SIZE(t) ? t[m] : VK_BLEND_FACTOR_ONE;
}

VkBlendOp
vkb_blend_op(uint32_t m)
{
    static const VkBlendOp t[] = { VK_BLEND_OP_ADD, VK_BLEND_OP_SUBTRACT,
                                   VK_BLEND_OP_REVERSE_SUBTRACT, VK_BLEND_OP_MIN, VK_BLEND_OP_MAX };
    return m < UT_ARRAY_SIZE(t) ? t[m] : VK_BLEND_OP_ADD;
}

VkComponentSwizzle
vkb_swizzle(uint8_t m, VkComponentSwizzle identity)
{
    switch (m) {
    case 0:
        return VK_COMPONENT_SWIZZLE_ZERO;
    case 1:
        return VK_COMPONENT_SWIZZLE_ONE;
    case 2:
        return VK_COMPONENT_SWIZZLE_R;
    case 3:
        return VK_COMPONENT_SWIZZLE_G;
    case 4:
        return VK_COMPONENT_SWIZZLE_B;
    case 5:
        return VK_COMPONENT_SWIZZLE_A;
    default:
        return identity;
    }
}

VkSamplerAddressMode
vkb_address_mode(uint32_t m)
{
    switch (m) {
    case 1:
        return VK_SAMPLER_ADDRESS_MODE_MIRROR_CLAMP_TO_EDGE;
    case 2:
        return VK_SAMPLER_ADDRESS_MODE_REPEAT;
    case 3:
        return VK_SAMPLER_ADDRESS_MODE_MIRRORED_REPEAT;
    case 4: /* ClampToZero: border transparent black */
    case 5:
        return VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_BORDER;
    default:
        return VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
    }
}
