/* SPDX-License-Identifier: MIT */
/*
 * Device lifecycle (spec/api.md §5.2, §7 rule 9): 1000 new/free cycles across both memory
 * models, with and without an executor, every 50th booted to online; then every allocation
 * of device and display creation failed in turn (SQLite's faultsim): each failure returns an
 * error status and, under LeakSanitizer, leaks nothing.
 */
#include "check.h"
#include "guestsim.h"
#include "util/alloc.h"

int
main(void)
{
    for (int i = 0; i < 1000; i++) {
        struct guestsim_config cfg;
        guestsim_config_init(&cfg);
        cfg.task_model = i % 2;
        cfg.executor = (i / 2) % 2;
        cfg.displays = 1 + i % 3;
        struct guestsim *g;
        REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
        if (i % 50 == 0)
            CHECK_STATUS(guestsim_boot(g), LAGFX_OK);
        guestsim_free(g);
    }

    /* Fault injection: fail the Nth allocation for N = 0, 1, ... until creation succeeds. */
    int failures = 0;
    for (int64_t n = 0; n < 200; n++) {
        struct guestsim_config cfg;
        guestsim_config_init(&cfg);
        cfg.displays = 2;
        ut_fault_configure(n, 1);
        struct guestsim *g = NULL;
        lagfx_status_t st = guestsim_new(&cfg, &g);
        bool hit = ut_fault_triggered() > 0;
        ut_fault_disable();
        if (st == LAGFX_OK) {
            CHECK(!hit);
            guestsim_free(g);
            break;
        }
        CHECK(hit);
        CHECK_STATUS(st, LAGFX_ERROR_OUT_OF_MEMORY);
        failures++;
    }
    CHECK(failures >= 5); /* device, guest RAM list, backend, events, core, displays */
    return check_finish();
}
