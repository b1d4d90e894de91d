/* SPDX-License-Identifier: MIT */
/*
 * lagfx-smoke: the README's first command until lagfx-demo exists. Boots the simulated macOS
 * guest against the library, over real MMIO and guest memory, up to "online" on one and then
 * two displays, narrating each step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libapplegfx-vulkan.h>

#include "guestsim.h"

static int
boot(uint32_t displays)
{
    printf("\n== Booting a simulated macOS guest with %u display(s) ==\n", displays);
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.displays = displays;
    cfg.modes[0] = (lagfx_display_mode_t){ 1920, 1080, 60000 };
    cfg.modes[1] = (lagfx_display_mode_t){ 1280, 800, 60000 };
    cfg.log = stdout;
    struct guestsim *g;
    lagfx_status_t st = guestsim_new(&cfg, &g);
    if (st != LAGFX_OK) {
        fprintf(stderr, "lagfx-smoke: device creation failed: %s\n", lagfx_status_string(st));
        return 1;
    }
    st = guestsim_boot(g);
    for (uint32_t i = 0; i < displays && st == LAGFX_OK; i++) {
        lagfx_display_info_t info = { .struct_size = sizeof(info) };
        lagfx_display_get_info(guestsim_display(g, i), &info);
        printf("host: display %u info: %s%s %ux%u\n", i,
               info.flags & LAGFX_DISPLAY_INFO_PLUGGED ? "plugged" : "unplugged",
               info.flags & LAGFX_DISPLAY_INFO_ONLINE ? ", online" : "", info.width, info.height);
    }
    lagfx_device_info_t dinfo = { .struct_size = sizeof(dinfo) };
    lagfx_device_get_info(guestsim_device(g), &dinfo);
    printf("host: %llu interrupt(s) raised, all on vector 0: %s; guest faults: %llu\n",
           (unsigned long long)guestsim_irq_count(g), guestsim_bad_vectors(g) ? "no" : "yes",
           (unsigned long long)dinfo.guest_faults);
    guestsim_free(g);
    printf("%s\n", st == LAGFX_OK ? "result: all displays online" : "result: boot FAILED");
    return st == LAGFX_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: lagfx-smoke\n"
               "Boots a simulated macOS guest to \"online\" on 1 and then 2 displays through\n"
               "libapplegfx-vulkan %s and narrates every step. Exit 0 on success.\n",
               lagfx_get_version_string());
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "lagfx-smoke: unknown argument '%s' (try --help)\n", argv[1]);
        return 2;
    }
    printf("libapplegfx-vulkan %s\n", lagfx_get_version_string());
    int rc = boot(1);
    rc |= boot(2);
    return rc;
}
