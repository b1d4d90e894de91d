/* SPDX-License-Identifier: MIT */
/*
 * The threading contract (spec/api.md §7): no callback ever runs inside a lagfx_* call on the
 * calling thread; event callbacks come from the executor or the event thread; after
 * lagfx_device_free returns no callback runs (executor items queued earlier only free memory);
 * lagfx_device_free and lagfx_display_free inside an event callback return at once and
 * complete afterwards. Guest faults (an ExecIndirect over its caps) produce `fault` events.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "guestsim.h"

static _Thread_local bool in_api; /* set around every lagfx_* call this test makes */
static _Atomic int inside_violations, after_free_violations, faults;
static _Atomic bool device_gone;
static _Atomic int free_inside; /* 1: free the device in the fault callback, 2: a display */
static struct guestsim *cur;

#define API(call)       \
    do {                \
        in_api = true;  \
        call;           \
        in_api = false; \
    } while (0)

static void
on_fault(void *user, lagfx_status_t reason)
{
    (void)user;
    if (in_api)
        atomic_fetch_add(&inside_violations, 1);
    if (atomic_load(&device_gone))
        atomic_fetch_add(&after_free_violations, 1);
    int what = atomic_exchange(&free_inside, 0);
    if (what == 1) {
        lagfx_device_free(guestsim_device(cur)); /* returns at once, completes after us */
        atomic_store(&device_gone, true);
    } else if (what == 2) {
        guestsim_display_free(cur, 0);
    }
    /* Counted last: the main thread checks the frees' effects once it sees the count. */
    if (reason == LAGFX_ERROR_GUEST_FAULT)
        atomic_fetch_add(&faults, 1);
}

static void
sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Boots and makes task 1 fault: ExecIndirect with dc = 0xFFFFFFFF (protocol.md §10.1). */
static void
provoke_fault(struct guestsim *g)
{
    uint32_t p[3] = { GUESTSIM_KERNEL_TASK, 0xFFFFFFFFu, 0 };
    guestsim_channel_submit(g, 1, 0x37, p, sizeof(p));
}

static struct guestsim *
booted(bool executor)
{
    struct guestsim_config cfg;
    guestsim_config_init(&cfg);
    cfg.executor = executor;
    cfg.displays = 2;
    struct guestsim *g;
    REQUIRE(guestsim_new(&cfg, &g) == LAGFX_OK);
    REQUIRE(guestsim_boot(g) == LAGFX_OK);
    return g;
}

static void
set_fault_cb(struct guestsim *g)
{
    guestsim_test_set_fault(g, on_fault);
}

int
main(void)
{
    for (int executor = 0; executor <= 1; executor++) {
        /* Fault events arrive outside any lagfx_* call, once per second at most. */
        atomic_store(&faults, 0); /* the previous round's last event is already counted */
        struct guestsim *g = booted(executor);
        cur = g;
        set_fault_cb(g);
        API(provoke_fault(g));
        for (int i = 0; i < 100 && atomic_load(&faults) == 0; i++) {
            guestsim_run_executor(g);
            sleep_ms(5);
        }
        CHECK_EQ_INT(atomic_load(&faults), 1);
        lagfx_device_info_t info = { .struct_size = sizeof(info) };
        API(lagfx_device_get_info(guestsim_device(g), &info));
        CHECK_EQ_U64(info.guest_faults, 1);
        /* Its later ExecIndirects complete without decoding (sticky fault). */
        uint32_t p[3] = { GUESTSIM_KERNEL_TASK, 0, 0 };
        uint32_t s = guestsim_channel_submit(g, 1, 0x37, p, sizeof(p));
        CHECK_EQ_U32(guestsim_stamp(g, 1), s);

        /* display_free inside the callback: it returns, the display goes after it. */
        atomic_store(&faults, 0);
        atomic_store(&free_inside, 2);
        /* A second fault within one second is not reported again: wait out the limit. */
        sleep_ms(1000);
        uint32_t slot = 3 << 1, root = guestsim_kernel_task(g)->root_pfn;
        uint8_t def[16] = { 0 };
        memcpy(def, &slot, 4);
        memcpy(def + 12, &root, 4);
        guestsim_root_submit(g, 0x38, def, 16); /* task 3, then fault it */
        uint32_t f[3] = { 3, 0xFFFFFFFFu, 0 };
        guestsim_channel_submit(g, 1, 0x37, f, sizeof(f));
        for (int i = 0; i < 100 && atomic_load(&faults) == 0; i++) {
            guestsim_run_executor(g);
            sleep_ms(5);
        }
        CHECK_EQ_INT(atomic_load(&faults), 1);
        CHECK(guestsim_display(g, 0) == NULL);

        /* Quiescent free: nothing runs after lagfx_device_free returns. */
        API(guestsim_free(g));
        atomic_store(&device_gone, true);
        sleep_ms(30);
        atomic_store(&device_gone, false);

        /* device_free inside the fault callback. */
        g = booted(executor);
        cur = g;
        set_fault_cb(g);
        atomic_store(&faults, 0);
        atomic_store(&free_inside, 1);
        API(provoke_fault(g));
        for (int i = 0; i < 200 && !atomic_load(&device_gone); i++) {
            guestsim_run_executor(g);
            sleep_ms(5);
        }
        CHECK(atomic_load(&device_gone));
        sleep_ms(30);
        guestsim_test_forget_device(g); /* already freed inside the callback */
        guestsim_free(g);
        atomic_store(&device_gone, false);
    }
    CHECK_EQ_INT(atomic_load(&inside_violations), 0);
    CHECK_EQ_INT(atomic_load(&after_free_violations), 0);
    return check_finish();
}
