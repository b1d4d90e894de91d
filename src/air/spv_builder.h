/* SPDX-License-Identifier: MIT */
/*
 * Our SPIR-V word writer (spec/air.md §5.2): one word array per logical-layout section, ids
 * allocated in emission order (deterministic), types and constants deduplicated by their
 * operand words, capabilities and extensions recorded once. Enums come from the Khronos
 * spirv-headers. Allocation failure is sticky (checked once at the end). One thread.
 */
#ifndef LAGFX_AIR_SPV_BUILDER_H
#define LAGFX_AIR_SPV_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spirv/unified1/spirv.h>

struct spv_words {
    uint32_t *w;
    size_t n, cap;
    bool failed;
};

void spv_words_push(struct spv_words *s, uint32_t w);
void spv_words_append(struct spv_words *s, const struct spv_words *t);
void spv_words_finish(struct spv_words *s);
/* Emits one instruction: opcode, then count operand words. */
void spv_op(struct spv_words *s, SpvOp op, unsigned count, const uint32_t *ops);
/* Variadic form for short instructions (operands are uint32_t). */
void spv_opv(struct spv_words *s, SpvOp op, unsigned count, ...);
/* Emits a literal string as words (NUL-terminated, zero-padded). */
void spv_str(struct spv_words *s, const char *str);
/* Instruction with operands and a trailing string. */
void
spv_op_str(struct spv_words *s, SpvOp op, unsigned count, const uint32_t *ops, const char *str);

struct spv_dedup_entry;

struct spv_builder {
    struct spv_words caps, exts, imports, memmodel, entries, execmodes, debug, annots, types;
    struct spv_words funcs;
    uint32_t next_id;
    uint32_t ncaps, caps_list[64];
    uint32_t nexts;
    const char *exts_list[8];
    /* Dedup of types and constants: open addressing over key words. */
    struct spv_dedup_entry *dedup;
    size_t dedup_cap, dedup_count;
    uint32_t *keys;
    size_t keys_n, keys_cap;
    bool failed;
};

void spv_builder_init(struct spv_builder *b);
void spv_builder_finish(struct spv_builder *b);
uint32_t spv_id(struct spv_builder *b);
void spv_cap(struct spv_builder *b, SpvCapability cap);
bool spv_has_cap(const struct spv_builder *b, SpvCapability cap);
void spv_ext(struct spv_builder *b, const char *name);
/* A deduplicated type or constant: `op %result ops...` in the types section (constants pass
 * their result type as ops[0]). */
uint32_t spv_type(struct spv_builder *b, SpvOp op, unsigned count, const uint32_t *ops);
uint32_t spv_typev(struct spv_builder *b, SpvOp op, unsigned count, ...);
/* A type that carries decorations of its own (block structs, strided arrays): never shared. */
uint32_t spv_type_unique(struct spv_builder *b, SpvOp op, unsigned count, const uint32_t *ops);
uint32_t spv_const_u32(struct spv_builder *b, uint32_t type, uint32_t v);
/* Decorations (annotation section). */
void spv_decorate(struct spv_builder *b, uint32_t id, SpvDecoration d, unsigned count, ...);
void spv_member_decorate(struct spv_builder *b,
                         uint32_t id,
                         uint32_t member,
                         SpvDecoration d,
                         unsigned count,
                         ...);
/* Concatenates the module (header included); *out is ut_ allocated. False on failure. */
bool spv_builder_link(struct spv_builder *b, uint32_t **out, size_t *count);

#endif /* LAGFX_AIR_SPV_BUILDER_H */
