/* SPDX-License-Identifier: MIT */
/*
 * The demo's guest shaders: one-function metallibs packed at build time from the project's
 * AIR-shaped login fixtures (tests/air/fixtures/login_*.ll → llvm-as → mkmtlb) and embedded by
 * demo-embed, in the order of enum demo_fn. Read-only data; any thread.
 */
#include "guest.h"

extern const uint8_t demo_blob_0[], demo_blob_1[], demo_blob_2[], demo_blob_3[], demo_blob_4[];
extern const size_t demo_blob_0_len, demo_blob_1_len, demo_blob_2_len, demo_blob_3_len,
    demo_blob_4_len;

const struct demo_shader demo_shaders[DEMO_FN_COUNT] = {
    [DEMO_FN_FILL_VS] = { "ViewportToNDC", 0, demo_blob_0, &demo_blob_0_len },
    [DEMO_FN_FILL_FS] = { "ColorFill", 1, demo_blob_1, &demo_blob_1_len },
    [DEMO_FN_COMPOSITE_VS] = { "UberCompositeVertex", 0, demo_blob_2, &demo_blob_2_len },
    [DEMO_FN_COMPOSITE_FS] = { "UberCompositeFragment", 1, demo_blob_3, &demo_blob_3_len },
    [DEMO_FN_BLUR_FS] = { "BlurFragment", 1, demo_blob_4, &demo_blob_4_len },
};
