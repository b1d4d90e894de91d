/* SPDX-License-Identifier: MIT */
/*
 * Calibration figures (spec/performance.md §3), measured once per bench/run and copied into
 * every line's env.calib: memcpy of 256 MiB on one thread, memcpy of one 1080p frame, a
 * two-thread eventfd ping-pong (p50/p99), a trivial system call and, where a Vulkan device
 * exists, an empty submit plus fence wait. Prints one JSON object on stdout; prose on stderr.
 * Any figure that cannot be measured is null.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#ifdef BENCH_HAVE_VULKAN
#include <vulkan/vulkan.h>
#endif

#define PINGS 20000

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* GB/s of copying `size` bytes, median of `reps` after one warm-up copy that faults pages in. */
static double
memcpy_gbps(size_t size, int reps, double *ms_out)
{
    uint8_t *a = malloc(size), *b = malloc(size);
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    memset(a, 0x5a, size);
    memset(b, 0xa5, size);
    double t[64];
    if (reps > 64)
        reps = 64;
    for (int r = -1; r < reps; r++) {
        uint64_t t0 = bench_now_ns();
        memcpy(b, a, size);
        uint64_t t1 = bench_now_ns();
        bench_consume(b[size / 2]);
        if (r >= 0)
            t[r] = (double)(t1 - t0);
        a[r & 63] ^= 1;
    }
    free(a);
    free(b);
    double med = bench_median(t, (size_t)reps);
    if (ms_out)
        *ms_out = med / 1e6;
    return (double)size / med; /* bytes per ns = GB/s */
}

struct pong {
    int to, from;
};

static void *
pong_main(void *arg)
{
    struct pong *p = arg;
    for (int i = 0; i < PINGS; i++) {
        uint64_t v;
        if (read(p->to, &v, sizeof(v)) != sizeof(v))
            break;
        v = 1;
        if (write(p->from, &v, sizeof(v)) != sizeof(v))
            break;
    }
    return NULL;
}

/* Round-trip latency of an eventfd ping-pong between two threads, p50 and p99 in µs. */
static int
pingpong(double *p50, double *p99)
{
    struct pong p = { eventfd(0, 0), eventfd(0, 0) };
    if (p.to < 0 || p.from < 0)
        return -1;
    double *lat = malloc(PINGS * sizeof(*lat));
    pthread_t t;
    if (!lat || pthread_create(&t, NULL, pong_main, &p) != 0) {
        free(lat);
        return -1;
    }
    for (int i = 0; i < PINGS; i++) {
        uint64_t v = 1, t0 = bench_now_ns();
        if (write(p.to, &v, sizeof(v)) != sizeof(v) || read(p.from, &v, sizeof(v)) != sizeof(v))
            break;
        lat[i] = (double)(bench_now_ns() - t0) / 1e3;
    }
    pthread_join(t, NULL);
    qsort(lat, PINGS, sizeof(*lat), cmp_double);
    *p50 = lat[PINGS / 2];
    *p99 = lat[PINGS * 99 / 100];
    free(lat);
    close(p.to);
    close(p.from);
    return 0;
}

static double
syscall_us(void)
{
    double t[15];
    for (int r = 0; r < 15; r++) {
        uint64_t t0 = bench_now_ns();
        for (int i = 0; i < 10000; i++)
            syscall(SYS_getppid);
        t[r] = (double)(bench_now_ns() - t0) / 10000 / 1e3;
    }
    return bench_median(t, 15);
}

#ifdef BENCH_HAVE_VULKAN
/* Empty vkQueueSubmit + fence wait on the first device (LAGFX_VK_DEVICE is not consulted:
 * this is the driver's floor, not the library's). µs, median of 200. */
static double
empty_submit_us(char *dev_name, size_t name_size)
{
    VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                              .apiVersion = VK_API_VERSION_1_1 };
    VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                 .pApplicationInfo = &app };
    VkInstance inst;
    if (vkCreateInstance(&ici, NULL, &inst) != VK_SUCCESS)
        return -1;
    double result = -1;
    uint32_t n = 1;
    VkPhysicalDevice pd;
    VkResult er = vkEnumeratePhysicalDevices(inst, &n, &pd);
    if ((er != VK_SUCCESS && er != VK_INCOMPLETE) || n == 0)
        goto out_inst;
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(pd, &props);
    snprintf(dev_name, name_size, "%s", props.deviceName);
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                    .queueFamilyIndex = 0,
                                    .queueCount = 1,
                                    .pQueuePriorities = &prio };
    VkDeviceCreateInfo dci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                               .queueCreateInfoCount = 1,
                               .pQueueCreateInfos = &qci };
    VkDevice dev;
    if (vkCreateDevice(pd, &dci, NULL, &dev) != VK_SUCCESS)
        goto out_inst;
    VkQueue q;
    vkGetDeviceQueue(dev, 0, 0, &q);
    VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
    VkFence f;
    if (vkCreateFence(dev, &fci, NULL, &f) == VK_SUCCESS) {
        double t[200];
        int ok = 1;
        for (int r = -10; r < 200 && ok; r++) {
            uint64_t t0 = bench_now_ns();
            ok = vkQueueSubmit(q, 0, NULL, f) == VK_SUCCESS &&
                 vkWaitForFences(dev, 1, &f, VK_TRUE, UINT64_MAX) == VK_SUCCESS &&
                 vkResetFences(dev, 1, &f) == VK_SUCCESS;
            if (r >= 0)
                t[r] = (double)(bench_now_ns() - t0) / 1e3;
        }
        if (ok)
            result = bench_median(t, 200);
        vkDestroyFence(dev, f, NULL);
    }
    vkDestroyDevice(dev, NULL);
out_inst:
    vkDestroyInstance(inst, NULL);
    return result;
}
#endif

static void
print_num(const char *key, double v, int last)
{
    if (v < 0)
        printf("\"%s\":null%s", key, last ? "" : ",");
    else
        printf("\"%s\":%.4g%s", key, v, last ? "" : ",");
}

int
main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: bench-calib\nPrints the calibration figures of spec/performance.md "
               "section 3 as one JSON object.\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "bench-calib: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    double frame_ms = -1;
    double big = memcpy_gbps((size_t)256 << 20, 7, NULL);
    double frame = memcpy_gbps((size_t)1920 * 1080 * 4, 31, &frame_ms);
    double p50 = -1, p99 = -1;
    pingpong(&p50, &p99);
    double sys = syscall_us();
    double submit = -1;
    char dev_name[256] = "";
#ifdef BENCH_HAVE_VULKAN
    submit = empty_submit_us(dev_name, sizeof(dev_name));
#endif
    fprintf(stderr,
            "bench-calib: memcpy 256 MiB %.1f GB/s, frame %.3f ms (%.1f GB/s), "
            "eventfd p50 %.1f us p99 %.1f us, syscall %.2f us, empty submit %.1f us%s%s\n",
            big, frame_ms, frame, p50, p99, sys, submit, dev_name[0] ? " on " : "", dev_name);
    printf("{");
    print_num("memcpy_256m_gbps", big, 0);
    print_num("memcpy_frame_1080p_ms", frame_ms, 0);
    print_num("eventfd_pingpong_p50_us", p50, 0);
    print_num("eventfd_pingpong_p99_us", p99, 0);
    print_num("syscall_us", sys, 0);
    print_num("empty_submit_us", submit, 0);
    printf("\"blend_layer_1080p_ms\":null}\n"); /* needs the compose path (docs/PERFORMANCE.md) */
    return 0;
}
