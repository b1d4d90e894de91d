/* SPDX-License-Identifier: MIT */
/*
 * RenderDescribeRenderPass (0x1A, 584 bytes, protocol.md §12): decoding of the block and the
 * host semantics of §12.3 (active attachments, render area, load/store mapping, clear values).
 * The entry points are declared in inner.h (proto_renderpass_begin/end). Protocol worker.
 */
#ifndef LAGFX_PROTOCOL_RENDERPASS_H
#define LAGFX_PROTOCOL_RENDERPASS_H

#define PROTO_RENDERPASS_SIZE 584u

#endif /* LAGFX_PROTOCOL_RENDERPASS_H */
