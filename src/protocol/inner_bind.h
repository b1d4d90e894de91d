/* SPDX-License-Identifier: MIT */
/*
 * Binding helpers shared by the render and compute handlers (protocol.md §11.1 binding lists,
 * §13.13): index bands, wrong-type entries ignored, the buffer shadow for offset changes.
 * Defined in inner_render.c. Protocol worker.
 */
#ifndef LAGFX_PROTOCOL_INNER_BIND_H
#define LAGFX_PROTOCOL_INNER_BIND_H

#include "protocol/inner.h"

void proto_bind_buffers(struct proto_dec *d,
                        enum be_stage stage,
                        const struct mem_reader *b,
                        uint32_t n,
                        uint32_t elem);
void proto_bind_buffer_offset(struct proto_dec *d,
                              enum be_stage stage,
                              uint32_t index,
                              uint64_t offset,
                              bool has_stride,
                              uint64_t stride);
void proto_bind_textures(struct proto_dec *d,
                         enum be_stage stage,
                         const struct mem_reader *b,
                         uint32_t n);
void proto_bind_samplers(struct proto_dec *d,
                         enum be_stage stage,
                         const struct mem_reader *b,
                         uint32_t n,
                         uint32_t elem);
void proto_bind_sampler_one(struct proto_dec *d, enum be_stage stage, uint32_t ref, uint32_t index);

#endif /* LAGFX_PROTOCOL_INNER_BIND_H */
