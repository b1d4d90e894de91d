/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOAD helper of the demo's tests (the tools link no test code): keeps lavapipe and the
 * validation layer mapped until exit (RTLD_NODELETE), so LeakSanitizer can name them and
 * tests/vulkan/lsan.supp suppress their own leaks; once the loader unloads them a leak shows as
 * "<unknown module>" and no suppression applies (tests/vulkan/vkt.h does the same in-process).
 * Runs once, in a constructor, before main.
 */
#include <dlfcn.h>

__attribute__((constructor)) static void
pin_icd(void)
{
    /* Handles are deliberately kept. */
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NODELETE);
    (void)dlopen("libVkLayer_khronos_validation.so", RTLD_NOW | RTLD_NODELETE);
}
