/* SPDX-License-Identifier: MIT */
/*
 * The demo's guest compositor: what WindowServer does on a macOS guest, reduced to the login
 * scene. In one simulated task it creates the objects of protocol.md §13.17 (AIR functions
 * from the embedded metallibs, four render pipelines, the wallpaper and avatar textures, the
 * layer buffers, a sampler, a texture on each display's scanout surface), then per frame
 * encodes one render pass over the damaged rectangle of the scene into a command buffer
 * (0x37 on channel 1), waits for its stamp and presents on the display pipe (0x02 for display
 * 0, 0x06 for the others), with the hardware cursor moved by 0x13. Used from one thread (the
 * demo's main thread), like the guestsim it drives.
 */
#ifndef LAGFX_TOOLS_DEMO_GUEST_H
#define LAGFX_TOOLS_DEMO_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdenc.h"
#include "guestobj.h"
#include "guestsim.h"
#include "scene.h"

/* The demo's AIR functions, in the order of the embedded metallibs (shaders.c). */
enum demo_fn {
    DEMO_FN_FILL_VS,
    DEMO_FN_FILL_FS,
    DEMO_FN_COMPOSITE_VS,
    DEMO_FN_COMPOSITE_FS,
    DEMO_FN_BLUR_FS,
    DEMO_FN_COUNT
};

struct demo_shader {
    const char *name;
    uint8_t stage; /* 0 vertex, 1 fragment */
    const uint8_t *mtlb;
    const size_t *len; /* generated data: sizes are link-time constants */
};
/* The one-function metallibs built from tests/air/fixtures/login_*.ll (shaders.c). */
extern const struct demo_shader demo_shaders[DEMO_FN_COUNT];

struct demo_display {
    uint32_t port, surface, hz;
    uint32_t ref_base; /* first of this display's object refs */
    struct demo_scene scene;
    struct demo_damage damage;
};

struct demo_guest {
    struct guestsim *g;
    struct guestsim_task task; /* "WindowServer" */
    struct guestobj o;
    struct cmdenc enc;
    uint32_t displays;
    struct demo_display d[LAGFX_MAX_DISPLAY_PORTS];
};

/* What one frame did. */
struct demo_frame_result {
    uint32_t draws;
    bool rendered; /* a render pass was submitted (else the frame re-presents) */
    bool full;     /* the whole scene was redrawn */
};

/* After guestsim_boot: defines the task, its slot table and every object for `displays`
 * displays of the given modes. False with a message in err. */
bool demo_guest_init(struct demo_guest *dg,
                     struct guestsim *g,
                     uint32_t displays,
                     const lagfx_display_mode_t *modes,
                     char *err,
                     size_t errlen);
/* Frame `n` of display i: cursor move, render of what changed (everything when `full` or
 * nothing drawn yet), present; returns once the present's stamp is visible, so the frame is
 * readable (protocol.md §15.5). False on a stamp timeout. */
bool demo_guest_frame(struct demo_guest *dg,
                      uint32_t i,
                      uint64_t n,
                      bool full,
                      struct demo_frame_result *res);
void demo_guest_finish(struct demo_guest *dg);

#endif
