/* SPDX-License-Identifier: MIT */
/*
 * Render passes (protocol.md §12): the 584-byte 0x1A block read through its FIELD rows, active
 * attachments resolved to texture objects, the render area, load/store actions mapped as
 * §12.3 says (DontCare loads, Unknown and CustomSampleDepthStore store), clear values clamped
 * where the rule says so. A pass runs to the next 0x1A or the segment end. Protocol worker.
 */
#include "protocol/renderpass.h"

#include <math.h>
#include <string.h>

#include "protocol/formats.h"
#include "protocol/inner.h"
#include "util/checked.h"

_Static_assert(PROTO_OFF_RP_renderTargetHeight + 8 == PROTO_RENDERPASS_SIZE,
               "protocol.md §12.2: the block ends at 0x248");
_Static_assert(PROTO_OFF_RP_color0 + 8 * PROTO_OFF_RP_colorStride == PROTO_OFF_RP_visibilityBuffer,
               "protocol.md §12.2: eight 60-byte colour records");

/* One attachment: false when its values are out of range (the whole 0x1A is then a no-op,
 * DR2). An unresolved texture only drops the attachment (§12.3). */
static bool
attachment(struct proto_dec *d,
           const struct mem_reader *blk,
           size_t off,
           struct be_attachment *a,
           struct proto_obj **tex_out)
{
    struct mem_reader r = *blk;
    r.p += off;
    r.size = PROTO_OFF_RP_colorStride; /* every record holds the 28-byte common part */
    memset(a, 0, sizeof(*a));
    *tex_out = NULL;
    uint32_t ref = GET(&r, RPAtt, texture);
    uint16_t load = GET(&r, RPAtt, loadAction), store = GET(&r, RPAtt, storeAction);
    if (!ref)
        return true;
    if (load > PROTO_MTL_LOAD_MAX || store > PROTO_MTL_STORE_MAX) {
        proto_dr(d, UT_GERR_INNER_VALUE, "load or store action", ((uint64_t)load << 16) | store);
        return false;
    }
    struct proto_obj *tex = proto_obj_expect(d, ref, PROTO_KIND_BIT(PROTO_OBJ_TEXTURE));
    if (!tex)
        return true; /* dropped */
    a->level = GET(&r, RPAtt, level);
    a->slice = GET(&r, RPAtt, slice);
    a->depth_plane = GET(&r, RPAtt, depthPlane);
    if (a->level >= tex->u.tex.levels || a->slice >= tex->u.tex.layers) {
        proto_dr(d, UT_GERR_INNER_VALUE, "attachment level or slice",
                 ((uint64_t)a->level << 32) | a->slice);
        return true; /* dropped */
    }
    a->texture = tex->handle;
    a->clear = load == 2;
    proto_note_written(d, tex);
    struct proto_obj *res = NULL;
    uint32_t rref = GET(&r, RPAtt, resolveTexture);
    if (rref)
        res = proto_obj_expect(d, rref, PROTO_KIND_BIT(PROTO_OBJ_TEXTURE));
    bool resolve = store == 2 || store == 3;
    if (resolve && res) {
        proto_note_written(d, res);
        a->resolve = res->handle;
        a->resolve_level = GET(&r, RPAtt, resolveLevel);
        a->resolve_slice = GET(&r, RPAtt, resolveSlice);
        a->resolve_depth_plane = GET(&r, RPAtt, resolveDepthPlane);
        a->resolve_store = true;
        a->store = store == 3;
    } else {
        if (resolve)
            proto_dr(d, UT_GERR_INNER_VALUE, "resolve action without a resolve texture", store);
        a->store = true;
    }
    *tex_out = tex;
    return true;
}

void
proto_renderpass_end(struct proto_dec *d)
{
    if (!d->pass.active)
        return;
    d->ops->end_render_pass(d->be);
    d->pass.active = false;
}

void
proto_renderpass_begin(struct proto_dec *d, const struct mem_reader *b)
{
    proto_renderpass_end(d);
    memset(&d->pass, 0, sizeof(d->pass));
    d->pipeline_fits_pass = -1;
    struct be_render_pass rp;
    memset(&rp, 0, sizeof(rp));
    struct proto_obj *tex[BE_MAX_COLOR_ATTACHMENTS + 2];
    struct be_attachment *att[BE_MAX_COLOR_ATTACHMENTS + 2];
    size_t offs[BE_MAX_COLOR_ATTACHMENTS + 2];
    for (uint32_t i = 0; i < BE_MAX_COLOR_ATTACHMENTS; i++) {
        att[i] = &rp.color[i];
        offs[i] = OFF(RP, color0) + OFF(RP, colorStride) * i;
    }
    att[8] = &rp.depth;
    offs[8] = OFF(RP, depth);
    att[9] = &rp.stencil;
    offs[9] = OFF(RP, stencil);
    uint64_t w = UINT64_MAX, h = UINT64_MAX;
    uint32_t samples = 0;
    bool any = false;
    for (uint32_t i = 0; i < BE_MAX_COLOR_ATTACHMENTS + 2; i++) {
        if (!attachment(d, b, offs[i], att[i], &tex[i]))
            return; /* DR2: the command is a no-op */
        if (!att[i]->texture)
            continue;
        any = true;
        w = UT_MIN(w, (uint64_t)UT_MAX(1u, tex[i]->u.tex.width >> att[i]->level));
        h = UT_MIN(h, (uint64_t)UT_MAX(1u, tex[i]->u.tex.height >> att[i]->level));
        if (!samples)
            samples = tex[i]->u.tex.samples;
        if (i < BE_MAX_COLOR_ATTACHMENTS)
            d->pass.color_format[i] = tex[i]->u.tex.format;
        else if (i == 8)
            d->pass.depth_format = tex[i]->u.tex.format;
        else
            d->pass.stencil_format = tex[i]->u.tex.format;
    }
    uint64_t bw = GET(b, RP, renderTargetWidth), bh = GET(b, RP, renderTargetHeight);
    if (any) {
        if (bw)
            w = UT_MIN(w, bw);
        if (bh)
            h = UT_MIN(h, bh);
    } else {
        w = bw;
        h = bh;
    }
    if (w == 0 || h == 0) {
        proto_dr(d, UT_GERR_INNER_VALUE, "render pass without attachments or size, skipped", 0);
        return;
    }
    if (GET(b, RP, visibilityBuffer) || GET(b, RP, renderTargetArrayLength) > 1)
        proto_dr(d, UT_GERR_INNER_UNSUPPORTED, "visibility buffer or layered rendering ignored",
                 GET(b, RP, renderTargetArrayLength));
    rp.width = (uint32_t)UT_MIN(w, PROTO_MAX_TEXTURE_DIM);
    rp.height = (uint32_t)UT_MIN(h, PROTO_MAX_TEXTURE_DIM);
    for (uint32_t i = 0; i < BE_MAX_COLOR_ATTACHMENTS; i++) {
        struct mem_reader c = *b;
        c.p += offs[i];
        c.size = OFF(RP, colorStride);
        rp.clear_color[i][0] = GET(&c, RPColor, clearRed);
        rp.clear_color[i][1] = GET(&c, RPColor, clearGreen);
        rp.clear_color[i][2] = GET(&c, RPColor, clearBlue);
        rp.clear_color[i][3] = GET(&c, RPColor, clearAlpha);
    }
    double depth = GET(b, RP, clearDepth);
    rp.clear_depth = isnan(depth) ? 0.0 : depth < 0.0 ? 0.0 : depth > 1.0 ? 1.0 : depth;
    rp.clear_stencil = (uint8_t)GET(b, RP, clearStencil);
    d->pass.active = true;
    d->pass.width = rp.width;
    d->pass.height = rp.height;
    d->pass.samples = samples ? samples : 1;
    d->ops->begin_render_pass(d->be, &rp);
    /* §10.8: viewport and scissor cover the render area at pass start. */
    struct be_viewport vp = { 0, 0, rp.width, rp.height, 0.0, 1.0 };
    struct be_rect sc = { 0, 0, rp.width, rp.height };
    d->ops->set_viewport(d->be, &vp);
    d->ops->set_scissor(d->be, &sc);
}
