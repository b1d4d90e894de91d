/* SPDX-License-Identifier: MIT */
/*
 * Entry descriptor parsing (entry.h; spec/air.md §4.2–§4.4). Descriptors are walked as
 * keywords: every known keyword consumes a fixed number of operands, unknown keywords are
 * skipped and logged once, positions are never relied on. Operand kinds are checked before
 * use: the metadata is guest data. One thread per module.
 */
#include "air/entry.h"

#include <stdatomic.h>
#include <string.h>

#include "util/log.h"

#define LOG_DOMAIN "air"

static const struct {
    const char *name;
    enum air_builtin bi;
} builtins[] = {
    { "air.vertex_id", AIR_BI_VERTEX_ID },
    { "air.instance_id", AIR_BI_INSTANCE_ID },
    { "air.base_vertex", AIR_BI_BASE_VERTEX },
    { "air.base_instance", AIR_BI_BASE_INSTANCE },
    { "air.position", AIR_BI_POSITION },
    { "air.front_facing", AIR_BI_FRONT_FACING },
    { "air.front_face", AIR_BI_FRONT_FACING },
    { "air.sample_id", AIR_BI_SAMPLE_ID },
    { "air.sample_mask", AIR_BI_SAMPLE_MASK },
    { "air.point_coord", AIR_BI_POINT_COORD },
    { "air.primitive_id", AIR_BI_PRIMITIVE_ID },
    { "air.render_target_array_index", AIR_BI_RT_ARRAY_INDEX },
    { "air.viewport_array_index", AIR_BI_VIEWPORT_INDEX },
    { "air.thread_position_in_grid", AIR_BI_THREAD_POS_GRID },
    { "air.thread_position_in_threadgroup", AIR_BI_THREAD_POS_TG },
    { "air.threadgroup_position_in_grid", AIR_BI_TG_POS_GRID },
    { "air.thread_index_in_threadgroup", AIR_BI_THREAD_INDEX_TG },
    { "air.threads_per_threadgroup", AIR_BI_THREADS_PER_TG },
    { "air.threadgroups_per_grid", AIR_BI_TGS_PER_GRID },
    { "air.threads_per_grid", AIR_BI_THREADS_PER_GRID },
    { "air.thread_index_in_simdgroup", AIR_BI_THREAD_INDEX_SIMD },
    { "air.simdgroup_index_in_threadgroup", AIR_BI_SIMD_INDEX_TG },
    { "air.threads_per_simdgroup", AIR_BI_THREADS_PER_SIMD },
};

static const char *
md_str(const struct iir_md *md)
{
    return md && md->kind == IIR_MD_STR ? md->str : NULL;
}

static bool
md_int(const struct iir_md *md, int64_t *v)
{
    if (!md || md->kind != IIR_MD_INT)
        return false;
    *v = md->i;
    return true;
}

static bool
is(const char *s, const char *k)
{
    return s && strcmp(s, k) == 0;
}

static bool
interp_word(const char *s, uint8_t *interp)
{
    if (is(s, "air.center") || is(s, "air.perspective"))
        return true;
    if (is(s, "air.centroid")) {
        *interp |= AIR_INTERP_CENTROID;
        return true;
    }
    if (is(s, "air.sample")) {
        *interp |= AIR_INTERP_SAMPLE;
        return true;
    }
    if (is(s, "air.no_perspective")) {
        *interp |= AIR_INTERP_NO_PERSPECTIVE;
        return true;
    }
    if (is(s, "air.flat")) {
        *interp |= AIR_INTERP_FLAT;
        return true;
    }
    return false;
}

static void
unknown_keyword(const char *s)
{
    static atomic_bool once;
    if (ut_once(&once))
        UT_INFO(NULL, LOG_DOMAIN, "skipping unknown descriptor keyword %s (logged once)", s);
}

static enum air_status
parse_arg(const struct iir_md *t, struct air_arg_desc *a, struct air_diag *diag)
{
    int64_t v;
    if (!t || t->kind != IIR_MD_TUPLE || t->len < 2 || !md_int(t->ops[0], &v) || v < 0)
        return air_diag_set(diag, AIR_INVALID_DATA,
                            "input descriptor does not start with a parameter number");
    a->param = (uint32_t)v;
    a->array_count = 1;
    for (uint32_t i = 1; i < t->len; i++) {
        const char *s = md_str(t->ops[i]);
        if (!s)
            continue; /* stray operand: skip */
        if (!a->first_keyword)
            a->first_keyword = s;
        uint32_t left = t->len - 1 - i;
#define TAKE_INT(dst)                                                                             \
    do {                                                                                          \
        if (left < 1 || !md_int(t->ops[i + 1], &v) || v < 0 || v > UINT32_MAX)                    \
            return air_diag_set(diag, AIR_INVALID_DATA, "%s of parameter %u lacks its number", s, \
                                a->param);                                                        \
        (dst) = (uint32_t)v;                                                                      \
        i++;                                                                                      \
        left--;                                                                                   \
    } while (0)
#define TAKE_STR(dst)                                                                             \
    do {                                                                                          \
        if (left < 1 || !md_str(t->ops[i + 1]))                                                   \
            return air_diag_set(diag, AIR_INVALID_DATA, "%s of parameter %u lacks its string", s, \
                                a->param);                                                        \
        (dst) = md_str(t->ops[i + 1]);                                                            \
        i++;                                                                                      \
        left--;                                                                                   \
    } while (0)
        if (is(s, "air.buffer")) {
            a->kind = AIR_ARG_BUFFER;
        } else if (is(s, "air.texture")) {
            a->kind = AIR_ARG_TEXTURE;
        } else if (is(s, "air.sampler")) {
            a->kind = AIR_ARG_SAMPLER;
        } else if (is(s, "air.vertex_input") || is(s, "air.stage_in")) {
            a->kind = is(s, "air.stage_in") ? AIR_ARG_OTHER : AIR_ARG_VERTEX_INPUT;
        } else if (is(s, "air.fragment_input")) {
            a->kind = AIR_ARG_FRAGMENT_INPUT;
            TAKE_STR(a->key);
        } else if (is(s, "air.location_index")) {
            TAKE_INT(a->location);
            a->has_location = true;
            if (left >= 1 && t->ops[i + 1] && t->ops[i + 1]->kind == IIR_MD_INT)
                TAKE_INT(a->array_count);
        } else if (is(s, "air.buffer_size")) {
            TAKE_INT(a->buffer_size);
        } else if (is(s, "air.address_space")) {
            TAKE_INT(a->address_space);
            a->has_address_space = true;
        } else if (is(s, "air.arg_type_size")) {
            TAKE_INT(a->type_size);
        } else if (is(s, "air.arg_type_align_size")) {
            TAKE_INT(a->type_align);
        } else if (is(s, "air.arg_type_name")) {
            TAKE_STR(a->type_name);
        } else if (is(s, "air.arg_name")) {
            TAKE_STR(a->name);
        } else if (is(s, "air.struct_type_info")) {
            if (left >= 1) {
                i++;
                left--;
            }
        } else if (is(s, "air.arg_unused")) {
            a->unused = true;
        } else if (is(s, "air.read")) {
            a->access |= AIR_ACCESS_READ;
        } else if (is(s, "air.write")) {
            a->access |= AIR_ACCESS_WRITE;
        } else if (is(s, "air.read_write")) {
            a->access |= AIR_ACCESS_READ | AIR_ACCESS_WRITE;
        } else if (is(s, "air.sample") && a->kind == AIR_ARG_TEXTURE) {
            a->access |= AIR_ACCESS_SAMPLE;
        } else if (interp_word(s, &a->interp)) {
            /* interpolation keywords */
        } else if (is(s, "air.indirect_buffer") || is(s, "air.threadgroup") ||
                   is(s, "air.imageblock") || is(s, "air.imageblock_data") || is(s, "air.color") ||
                   is(s, "air.visible_function_table") ||
                   is(s, "air.instance_acceleration_structure") || is(s, "air.mesh")) {
            a->kind = AIR_ARG_OTHER;
        } else {
            bool found = false;
            for (size_t k = 0; k < sizeof(builtins) / sizeof(builtins[0]); k++)
                if (is(s, builtins[k].name) && a->kind == AIR_ARG_UNKNOWN) {
                    a->kind = AIR_ARG_BUILTIN;
                    a->builtin = (uint8_t)builtins[k].bi;
                    found = true;
                }
            if (!found)
                unknown_keyword(s);
        }
#undef TAKE_INT
#undef TAKE_STR
    }
    return AIR_OK;
}

static enum air_status
parse_out(const struct iir_md *t, struct air_out_desc *o, struct air_diag *diag)
{
    if (!t || t->kind != IIR_MD_TUPLE)
        return air_diag_set(diag, AIR_INVALID_DATA, "output descriptor is not a tuple");
    for (uint32_t i = 0; i < t->len; i++) {
        const char *s = md_str(t->ops[i]);
        if (!s)
            continue;
        if (!o->first_keyword)
            o->first_keyword = s;
        bool has_next = i + 1 < t->len;
        int64_t v;
        if (is(s, "air.position")) {
            o->kind = AIR_OUT_POSITION;
        } else if (is(s, "air.vertex_output")) {
            o->kind = AIR_OUT_VARYING;
            if (!has_next || !md_str(t->ops[i + 1]))
                return air_diag_set(diag, AIR_INVALID_DATA, "air.vertex_output lacks its key");
            o->key = md_str(t->ops[++i]);
        } else if (is(s, "air.point_size")) {
            o->kind = AIR_OUT_POINT_SIZE;
        } else if (is(s, "air.clip_distance")) {
            o->kind = AIR_OUT_CLIP_DISTANCE;
        } else if (is(s, "air.render_target")) {
            o->kind = AIR_OUT_RENDER_TARGET;
            /* AIR 2.x: attachment, dual-source index; AIR 1.8: attachment only. */
            if (!has_next || !md_int(t->ops[i + 1], &v) || v < 0 || v > 7)
                return air_diag_set(diag, AIR_INVALID_DATA,
                                    "air.render_target lacks a valid attachment number");
            o->index = (uint32_t)v;
            i++;
            if (i + 1 < t->len && md_int(t->ops[i + 1], &v)) {
                if (v < 0 || v > 1)
                    return air_diag_set(diag, AIR_INVALID_DATA,
                                        "air.render_target dual-source index %lld", (long long)v);
                o->dual_index = (uint32_t)v;
                i++;
            }
        } else if (is(s, "air.depth")) {
            o->kind = AIR_OUT_DEPTH;
        } else if (is(s, "air.sample_mask")) {
            o->kind = AIR_OUT_SAMPLE_MASK;
        } else if (is(s, "air.invariant")) {
            o->invariant = true;
        } else if (is(s, "air.arg_type_name") && has_next && md_str(t->ops[i + 1])) {
            o->type_name = md_str(t->ops[++i]);
        } else if (is(s, "air.arg_name") && has_next && md_str(t->ops[i + 1])) {
            o->name = md_str(t->ops[++i]);
        } else if (is(s, "air.depth_qualifier") || is(s, "air.any") || is(s, "air.greater") ||
                   is(s, "air.less") || is(s, "air.arg_unused")) {
            /* qualifiers */
        } else if (is(s, "air.stencil") || is(s, "air.render_target_array_index") ||
                   is(s, "air.viewport_array_index") || is(s, "air.visible_output")) {
            o->kind = AIR_OUT_OTHER;
        } else {
            unknown_keyword(s);
        }
    }
    return AIR_OK;
}

static enum air_status
parse_one(struct iir_module *m,
          const struct iir_md *root,
          enum air_stage stage,
          struct air_entry *e,
          struct air_diag *diag)
{
    e->stage = stage;
    e->fn = m->values[root->ops[0]->value].aux;
    e->name = m->funcs[e->fn].name;
    const struct iir_md *outs = root->len > 1 ? root->ops[1] : NULL;
    const struct iir_md *ins = root->len > 2 ? root->ops[2] : NULL;
    if (!outs || outs->kind != IIR_MD_TUPLE || !ins || ins->kind != IIR_MD_TUPLE)
        return air_diag_set(diag, AIR_INVALID_DATA,
                            "entry %s: descriptor lacks its output or input tuple", e->name);
    e->nouts = outs->len;
    e->nargs = ins->len;
    e->outs = iir_arena_array(&m->arena, e->nouts + 1, sizeof(*e->outs));
    e->args = iir_arena_array(&m->arena, e->nargs + 1, sizeof(*e->args));
    if (!e->outs || !e->args)
        return AIR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < e->nouts; i++) {
        enum air_status st = parse_out(outs->ops[i], &e->outs[i], diag);
        if (st != AIR_OK)
            return st;
    }
    const struct iir_function *fn = &m->funcs[e->fn];
    for (uint32_t i = 0; i < e->nargs; i++) {
        enum air_status st = parse_arg(ins->ops[i], &e->args[i], diag);
        if (st != AIR_OK)
            return st;
        if (e->args[i].param >= fn->nparams)
            return air_diag_set(diag, AIR_INVALID_DATA,
                                "entry %s: descriptor names parameter %u of %u", e->name,
                                e->args[i].param, fn->nparams);
        for (uint32_t k = 0; k < i; k++)
            if (e->args[k].param == e->args[i].param)
                return air_diag_set(diag, AIR_INVALID_DATA,
                                    "entry %s: parameter %u described twice", e->name,
                                    e->args[i].param);
    }
    for (uint32_t i = 3; i < root->len; i++) {
        const struct iir_md *x = root->ops[i];
        if (x && x->kind == IIR_MD_STR && is(x->str, "early_fragment_tests"))
            e->early_fragment_tests = true;
        int64_t v;
        if (x && x->kind == IIR_MD_TUPLE && x->len == 2 &&
            is(md_str(x->ops[0]), "air.max_work_group_size") && md_int(x->ops[1], &v) && v > 0 &&
            v <= 65536)
            e->max_workgroup_size = (uint32_t)v;
    }
    return AIR_OK;
}

enum air_status
air_entry_parse(struct iir_module *m,
                const char *name,
                struct air_entry *out,
                struct air_diag *diag)
{
    static const struct {
        const char *md;
        enum air_stage stage;
    } roots[] = { { "air.vertex", AIR_STAGE_VERTEX },
                  { "air.fragment", AIR_STAGE_FRAGMENT },
                  { "air.kernel", AIR_STAGE_KERNEL } };
    const struct iir_md *found = NULL;
    enum air_stage stage = AIR_STAGE_KERNEL;
    uint32_t count = 0;
    for (size_t r = 0; r < sizeof(roots) / sizeof(roots[0]); r++) {
        const struct iir_named_md *nm = iir_module_named_md(m, roots[r].md);
        if (!nm)
            continue;
        for (uint32_t i = 0; i < nm->count; i++) {
            const struct iir_md *t = nm->ops[i];
            if (!t || t->kind != IIR_MD_TUPLE || t->len < 1 || !t->ops[0] ||
                t->ops[0]->kind != IIR_MD_VALUE || m->values[t->ops[0]->value].kind != IIR_V_FUNC)
                return air_diag_set(diag, AIR_INVALID_DATA,
                                    "!%s operand %u does not name a function", roots[r].md, i);
            const struct iir_function *fn = &m->funcs[m->values[t->ops[0]->value].aux];
            if (fn->is_decl)
                return air_diag_set(diag, AIR_INVALID_DATA, "entry %s has no body", fn->name);
            count++;
            if (!name || strcmp(fn->name, name) == 0) {
                if (found && name)
                    return air_diag_set(diag, AIR_INVALID_DATA, "entry %s listed twice", name);
                found = t;
                stage = roots[r].stage;
            }
        }
    }
    if (!name && count > 1)
        return air_diag_set(diag, AIR_INVALID_DATA, "module holds %u entries: name one", count);
    if (!found) {
        if (name)
            return air_diag_set(diag, AIR_INVALID_DATA, "no entry named %s", name);
        return air_diag_set(diag, AIR_INVALID_DATA,
                            "no !air.vertex, !air.fragment or !air.kernel entry");
    }
    memset(out, 0, sizeof(*out));
    return parse_one(m, found, stage, out, diag);
}

static const struct {
    const char *prefix;
    enum air_tex_kind kind;
    bool depth;
} tex_names[] = {
    /* Longest first: prefixes overlap. */
    { "texture1d_array", AIR_TEX_1D_ARRAY, false },
    { "texture2d_ms_array", AIR_TEX_NONE, false },
    { "texture2d_array", AIR_TEX_2D_ARRAY, false },
    { "texture2d_ms", AIR_TEX_2D_MS, false },
    { "texturecube_array", AIR_TEX_CUBE_ARRAY, false },
    { "texture_buffer", AIR_TEX_BUFFER, false },
    { "texture1d", AIR_TEX_1D, false },
    { "texture2d", AIR_TEX_2D, false },
    { "texture3d", AIR_TEX_3D, false },
    { "texturecube", AIR_TEX_CUBE, false },
    { "depth2d_ms_array", AIR_TEX_NONE, true },
    { "depth2d_array", AIR_TEX_2D_ARRAY, true },
    { "depth2d_ms", AIR_TEX_2D_MS, true },
    { "depthcube_array", AIR_TEX_CUBE_ARRAY, true },
    { "depth2d", AIR_TEX_2D, true },
    { "depthcube", AIR_TEX_CUBE, true },
};

enum air_tex_kind
air_tex_kind_from_type_name(const char *s, bool *depth)
{
    if (!s)
        return AIR_TEX_NONE;
    for (size_t i = 0; i < sizeof(tex_names) / sizeof(tex_names[0]); i++) {
        size_t n = strlen(tex_names[i].prefix);
        if (strncmp(s, tex_names[i].prefix, n) == 0 && (s[n] == '<' || s[n] == 0)) {
            *depth = tex_names[i].depth;
            return tex_names[i].kind;
        }
    }
    return AIR_TEX_NONE;
}

enum air_tex_kind
air_tex_kind_from_suffix(const char *s, size_t len, bool *depth)
{
    static const struct {
        const char *n;
        enum air_tex_kind k;
        bool d;
    } sfx[] = {
        { "texture_1d", AIR_TEX_1D, false },
        { "texture_1d_array", AIR_TEX_1D_ARRAY, false },
        { "texture_2d", AIR_TEX_2D, false },
        { "texture_2d_array", AIR_TEX_2D_ARRAY, false },
        { "texture_2d_ms", AIR_TEX_2D_MS, false },
        { "texture_3d", AIR_TEX_3D, false },
        { "texture_cube", AIR_TEX_CUBE, false },
        { "texture_cube_array", AIR_TEX_CUBE_ARRAY, false },
        { "texture_buffer_1d", AIR_TEX_BUFFER, false },
        { "depth_2d", AIR_TEX_2D, true },
        { "depth_2d_array", AIR_TEX_2D_ARRAY, true },
        { "depth_2d_ms", AIR_TEX_2D_MS, true },
        { "depth_cube", AIR_TEX_CUBE, true },
        { "depth_cube_array", AIR_TEX_CUBE_ARRAY, true },
    };
    for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
        if (strlen(sfx[i].n) == len && memcmp(sfx[i].n, s, len) == 0) {
            *depth = sfx[i].d;
            return sfx[i].k;
        }
    return AIR_TEX_NONE;
}
