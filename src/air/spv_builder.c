/* SPDX-License-Identifier: MIT */
/*
 * SPIR-V word writer (spv_builder.h): sections, deterministic ids, dedup of types and
 * constants, the module header (SPIR-V 1.5, generator 0). One thread.
 */
#include "air/spv_builder.h"

#include <stdarg.h>
#include <string.h>

#include "util/alloc.h"

struct spv_dedup_entry {
    uint64_t hash;
    uint32_t key_off, key_len, id;
};

void
spv_words_push(struct spv_words *s, uint32_t w)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        uint32_t *n = ut_realloc_array(s->w, ncap, sizeof(uint32_t));
        if (!n) {
            s->failed = true;
            return;
        }
        s->w = n;
        s->cap = ncap;
    }
    s->w[s->n++] = w;
}

void
spv_words_append(struct spv_words *s, const struct spv_words *t)
{
    for (size_t i = 0; i < t->n; i++)
        spv_words_push(s, t->w[i]);
    if (t->failed)
        s->failed = true;
}

void
spv_words_finish(struct spv_words *s)
{
    ut_free(s->w);
    memset(s, 0, sizeof(*s));
}

void
spv_op(struct spv_words *s, SpvOp op, unsigned count, const uint32_t *ops)
{
    spv_words_push(s, (uint32_t)(count + 1) << 16 | (uint32_t)op);
    for (unsigned i = 0; i < count; i++)
        spv_words_push(s, ops[i]);
}

void
spv_opv(struct spv_words *s, SpvOp op, unsigned count, ...)
{
    uint32_t ops[16];
    va_list ap;
    va_start(ap, count);
    for (unsigned i = 0; i < count && i < 16; i++)
        ops[i] = va_arg(ap, uint32_t);
    va_end(ap);
    spv_op(s, op, count < 16 ? count : 16, ops);
}

static unsigned
str_words(const char *str)
{
    return (unsigned)(strlen(str) / 4 + 1);
}

void
spv_str(struct spv_words *s, const char *str)
{
    size_t len = strlen(str);
    for (size_t i = 0; i < len / 4 + 1; i++) {
        uint32_t w = 0;
        for (size_t k = 0; k < 4; k++) {
            size_t at = i * 4 + k;
            if (at < len)
                w |= (uint32_t)(uint8_t)str[at] << (8 * k);
        }
        spv_words_push(s, w);
    }
}

void
spv_op_str(struct spv_words *s, SpvOp op, unsigned count, const uint32_t *ops, const char *str)
{
    spv_words_push(s, (uint32_t)(count + 1 + str_words(str)) << 16 | (uint32_t)op);
    for (unsigned i = 0; i < count; i++)
        spv_words_push(s, ops[i]);
    spv_str(s, str);
}

void
spv_builder_init(struct spv_builder *b)
{
    memset(b, 0, sizeof(*b));
    b->next_id = 1;
}

void
spv_builder_finish(struct spv_builder *b)
{
    struct spv_words *all[] = { &b->caps,      &b->exts,  &b->imports, &b->memmodel, &b->entries,
                                &b->execmodes, &b->debug, &b->annots,  &b->types,    &b->funcs };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        spv_words_finish(all[i]);
    ut_free(b->dedup);
    ut_free(b->keys);
    b->dedup = NULL;
    b->keys = NULL;
}

uint32_t
spv_id(struct spv_builder *b)
{
    return b->next_id++;
}

bool
spv_has_cap(const struct spv_builder *b, SpvCapability cap)
{
    for (uint32_t i = 0; i < b->ncaps; i++)
        if (b->caps_list[i] == (uint32_t)cap)
            return true;
    return false;
}

void
spv_cap(struct spv_builder *b, SpvCapability cap)
{
    if (spv_has_cap(b, cap))
        return;
    if (b->ncaps == sizeof(b->caps_list) / sizeof(b->caps_list[0])) {
        b->failed = true;
        return;
    }
    b->caps_list[b->ncaps++] = cap;
    spv_opv(&b->caps, SpvOpCapability, 1, (uint32_t)cap);
}

void
spv_ext(struct spv_builder *b, const char *name)
{
    for (uint32_t i = 0; i < b->nexts; i++)
        if (strcmp(b->exts_list[i], name) == 0)
            return;
    if (b->nexts == sizeof(b->exts_list) / sizeof(b->exts_list[0])) {
        b->failed = true;
        return;
    }
    b->exts_list[b->nexts++] = name;
    spv_op_str(&b->exts, SpvOpExtension, 0, NULL, name);
}

static uint64_t
hash_words(const uint32_t *w, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= w[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

static bool
dedup_grow(struct spv_builder *b)
{
    size_t ncap = b->dedup_cap ? b->dedup_cap * 2 : 256;
    struct spv_dedup_entry *n = ut_calloc_array(ncap, sizeof(*n));
    if (!n)
        return false;
    for (size_t i = 0; i < b->dedup_cap; i++) {
        if (!b->dedup[i].id)
            continue;
        size_t h = b->dedup[i].hash & (ncap - 1);
        while (n[h].id)
            h = (h + 1) & (ncap - 1);
        n[h] = b->dedup[i];
    }
    ut_free(b->dedup);
    b->dedup = n;
    b->dedup_cap = ncap;
    return true;
}

uint32_t
spv_type(struct spv_builder *b, SpvOp op, unsigned count, const uint32_t *ops)
{
    uint32_t key[1025]; /* constant composites of up to 1024 elements */
    if (count + 1 > sizeof(key) / sizeof(key[0])) {
        if (op == SpvOpTypeStruct || op == SpvOpTypeFunction)
            return spv_type_unique(b, op, count, ops);
        b->failed = true; /* constants never get this long: composites are built per element */
        return 0;
    }
    key[0] = (uint32_t)op;
    memcpy(key + 1, ops, count * sizeof(uint32_t));
    size_t klen = count + 1;
    uint64_t h = hash_words(key, klen);
    if ((b->dedup_count + 1) * 2 > b->dedup_cap && !dedup_grow(b)) {
        b->failed = true;
        return 0;
    }
    size_t at = h & (b->dedup_cap - 1);
    while (b->dedup[at].id) {
        struct spv_dedup_entry *e = &b->dedup[at];
        if (e->hash == h && e->key_len == klen &&
            memcmp(b->keys + e->key_off, key, klen * sizeof(uint32_t)) == 0)
            return e->id;
        at = (at + 1) & (b->dedup_cap - 1);
    }
    if (b->keys_n + klen > b->keys_cap) {
        size_t ncap = b->keys_cap ? b->keys_cap * 2 : 1024;
        while (ncap < b->keys_n + klen)
            ncap *= 2;
        uint32_t *nk = ut_realloc_array(b->keys, ncap, sizeof(uint32_t));
        if (!nk) {
            b->failed = true;
            return 0;
        }
        b->keys = nk;
        b->keys_cap = ncap;
    }
    memcpy(b->keys + b->keys_n, key, klen * sizeof(uint32_t));
    uint32_t id = spv_id(b);
    b->dedup[at] = (struct spv_dedup_entry){ h, (uint32_t)b->keys_n, (uint32_t)klen, id };
    b->keys_n += klen;
    b->dedup_count++;
    /* Types: `op %id ops`; constants (first operand is the result type): `op type %id rest`. */
    bool is_const = op == SpvOpConstant || op == SpvOpConstantTrue || op == SpvOpConstantFalse ||
                    op == SpvOpConstantComposite || op == SpvOpConstantNull || op == SpvOpUndef ||
                    op == SpvOpSpecConstant || op == SpvOpSpecConstantComposite;
    spv_words_push(&b->types, (uint32_t)(count + 2) << 16 | (uint32_t)op);
    if (is_const) {
        spv_words_push(&b->types, ops[0]);
        spv_words_push(&b->types, id);
        for (unsigned i = 1; i < count; i++)
            spv_words_push(&b->types, ops[i]);
    } else {
        spv_words_push(&b->types, id);
        for (unsigned i = 0; i < count; i++)
            spv_words_push(&b->types, ops[i]);
    }
    return id;
}

uint32_t
spv_type_unique(struct spv_builder *b, SpvOp op, unsigned count, const uint32_t *ops)
{
    uint32_t id = spv_id(b);
    spv_words_push(&b->types, (uint32_t)(count + 2) << 16 | (uint32_t)op);
    spv_words_push(&b->types, id);
    for (unsigned i = 0; i < count; i++)
        spv_words_push(&b->types, ops[i]);
    return id;
}

uint32_t
spv_typev(struct spv_builder *b, SpvOp op, unsigned count, ...)
{
    uint32_t ops[16];
    va_list ap;
    va_start(ap, count);
    for (unsigned i = 0; i < count && i < 16; i++)
        ops[i] = va_arg(ap, uint32_t);
    va_end(ap);
    return spv_type(b, op, count < 16 ? count : 16, ops);
}

uint32_t
spv_const_u32(struct spv_builder *b, uint32_t type, uint32_t v)
{
    return spv_typev(b, SpvOpConstant, 2, type, v);
}

void
spv_decorate(struct spv_builder *b, uint32_t id, SpvDecoration d, unsigned count, ...)
{
    uint32_t ops[8] = { id, (uint32_t)d };
    va_list ap;
    va_start(ap, count);
    for (unsigned i = 0; i < count && i < 6; i++)
        ops[2 + i] = va_arg(ap, uint32_t);
    va_end(ap);
    spv_op(&b->annots, SpvOpDecorate, 2 + (count < 6 ? count : 6), ops);
}

void
spv_member_decorate(struct spv_builder *b,
                    uint32_t id,
                    uint32_t member,
                    SpvDecoration d,
                    unsigned count,
                    ...)
{
    uint32_t ops[8] = { id, member, (uint32_t)d };
    va_list ap;
    va_start(ap, count);
    for (unsigned i = 0; i < count && i < 5; i++)
        ops[3 + i] = va_arg(ap, uint32_t);
    va_end(ap);
    spv_op(&b->annots, SpvOpMemberDecorate, 3 + (count < 5 ? count : 5), ops);
}

bool
spv_builder_link(struct spv_builder *b, uint32_t **out, size_t *count)
{
    struct spv_words all = { 0 };
    spv_words_push(&all, SpvMagicNumber);
    spv_words_push(&all, 0x00010500); /* SPIR-V 1.5 */
    spv_words_push(&all, 0);          /* generator: none registered */
    spv_words_push(&all, b->next_id);
    spv_words_push(&all, 0);
    struct spv_words *secs[] = { &b->caps,      &b->exts,  &b->imports, &b->memmodel, &b->entries,
                                 &b->execmodes, &b->debug, &b->annots,  &b->types,    &b->funcs };
    for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
        spv_words_append(&all, secs[i]);
    if (all.failed || b->failed) {
        spv_words_finish(&all);
        return false;
    }
    *out = all.w;
    *count = all.n;
    return true;
}
