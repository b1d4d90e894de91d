/* SPDX-License-Identifier: MIT */
/*
 * Task windows (spec/api.md §5.8): a PROT_NONE reservation of host VA into which guest RAM is
 * aliased, never copied. A new alias is always built at an address the kernel picks and then
 * moved onto the window with mremap(MREMAP_FIXED): the kernel unmaps the destination of a
 * fixed mapping before it checks the source, so building in place could leave a hole after a
 * refusal, while this way a refused map leaves the window exactly as it was. Any thread; one
 * window's calls must not overlap, different windows are independent.
 */
#include "memory/window.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/checked.h"
#include "util/log.h"

struct mem_window {
    /* Set at creation, read-only after. */
    uint8_t *base;
    uint64_t size;
};

static uint64_t
host_page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (uint64_t)p : 4096;
}

lagfx_status_t
mem_window_new(uint64_t vm_size, struct mem_window **out)
{
    uint64_t page = host_page_size(), size;
    if (vm_size == 0 || ut_add_overflows_u64(vm_size, page - 1, &size) || size > SIZE_MAX)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    size &= ~(page - 1);
    struct mem_window *w = ut_calloc(1, sizeof(*w));
    if (!w)
        return LAGFX_ERROR_OUT_OF_MEMORY;
    void *p =
        mmap(NULL, (size_t)size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        UT_WARN(NULL, "memory", "task window: cannot reserve 0x%llx bytes: errno %d",
                (unsigned long long)size, errno);
        ut_free(w);
        return LAGFX_ERROR_OUT_OF_MEMORY;
    }
    w->base = p;
    w->size = size;
    *out = w;
    return LAGFX_OK;
}

void
mem_window_free(struct mem_window *w)
{
    if (!w)
        return;
    munmap(w->base, (size_t)w->size);
    ut_free(w);
}

void *
mem_window_base(struct mem_window *w)
{
    return w->base;
}

uint64_t
mem_window_size(struct mem_window *w)
{
    return w->size;
}

/* offset and length page-aligned, length > 0, inside the window. */
static bool
range_ok(struct mem_window *w, uint64_t offset, uint64_t length)
{
    uint64_t mask = host_page_size() - 1;
    return length > 0 && !((offset | length) & mask) && ut_range_ok(offset, length, w->size);
}

static uint64_t
parse_hex(const char **s)
{
    uint64_t v = 0;
    for (;; (*s)++) {
        char c = **s;
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return v;
        v = (v << 4) | d;
    }
}

/* True when [p, p + len) lies inside one MAP_SHARED mapping (one line of /proc/self/maps:
 * "start-end rwsp ..."). Reads the file with a fixed buffer: no allocation. */
static bool
is_one_shared_mapping(const void *p, uint64_t len)
{
    uint64_t addr = (uint64_t)(uintptr_t)p;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[4096], line[80];
    size_t line_len = 0;
    bool found = false, done = false;
    while (!done) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n && !done; i++) {
            if (buf[i] != '\n') {
                if (line_len < sizeof(line) - 1)
                    line[line_len++] = buf[i]; /* only the head of a line matters */
                continue;
            }
            line[line_len] = '\0';
            line_len = 0;
            const char *s = line;
            uint64_t start = parse_hex(&s);
            if (*s++ != '-')
                continue;
            uint64_t end = parse_hex(&s);
            if (*s++ != ' ' || addr < start || addr >= end)
                continue;
            /* perms "rwxs": the fourth is 's' for shared, 'p' for private */
            found = s[0] && s[1] && s[2] && s[3] == 's' && len <= end - addr;
            done = true;
        }
    }
    close(fd);
    return found;
}

static lagfx_status_t
errno_status(int err)
{
    switch (err) {
    case ENOMEM:
    case EAGAIN:
        return LAGFX_ERROR_OUT_OF_MEMORY;
    case EBADF:
        return LAGFX_ERROR_INVALID_ARGUMENT;
    default:
        return LAGFX_ERROR_NOT_SUPPORTED;
    }
}

/* Moves the alias [tmp, +length) onto the window. On failure tmp is gone and the range is a
 * reservation again (its earlier contents lost; only when the kernel runs out of memory). */
static lagfx_status_t
place(struct mem_window *w, uint64_t offset, void *tmp, uint64_t length)
{
    void *dst = w->base + offset;
    void *p = mremap(tmp, (size_t)length, (size_t)length, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
    if (p != MAP_FAILED)
        return LAGFX_OK;
    int err = errno;
    munmap(tmp, (size_t)length);
    mmap(dst, (size_t)length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
         -1, 0);
    UT_WARN(NULL, "memory", "task window: cannot place alias at +0x%llx: errno %d",
            (unsigned long long)offset, err);
    return errno_status(err);
}

lagfx_status_t
mem_window_map(struct mem_window *w,
               uint64_t offset,
               void *host_ptr,
               uint64_t length,
               bool read_only)
{
    uint64_t mask = host_page_size() - 1;
    if (!range_ok(w, offset, length) || !host_ptr || ((uintptr_t)host_ptr & mask))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    /* A second view of a private mapping would be a copy, which silently breaks coherence:
     * refuse (spec/api.md §5.8). The kernel refuses old_size 0 on private mappings too, but
     * would alias past the end of the source mapping without complaint. */
    if (!is_one_shared_mapping(host_ptr, length)) {
        UT_WARN(NULL, "memory", "task window: source %p+0x%llx is not one MAP_SHARED mapping",
                host_ptr, (unsigned long long)length);
        return LAGFX_ERROR_NOT_SUPPORTED;
    }
    void *tmp = mremap(host_ptr, 0, (size_t)length, MREMAP_MAYMOVE);
    if (tmp == MAP_FAILED) {
        int err = errno;
        UT_WARN(NULL, "memory", "task window: mremap of %p failed: errno %d", host_ptr, err);
        return err == ENOMEM ? LAGFX_ERROR_OUT_OF_MEMORY : LAGFX_ERROR_NOT_SUPPORTED;
    }
    if (mprotect(tmp, (size_t)length, read_only ? PROT_READ : PROT_READ | PROT_WRITE) != 0) {
        int err = errno;
        munmap(tmp, (size_t)length);
        return err == ENOMEM ? LAGFX_ERROR_OUT_OF_MEMORY : LAGFX_ERROR_NOT_SUPPORTED;
    }
    return place(w, offset, tmp, length);
}

lagfx_status_t
mem_window_map_fd(struct mem_window *w,
                  uint64_t offset,
                  int fd,
                  uint64_t fd_offset,
                  uint64_t length,
                  bool read_only)
{
    uint64_t mask = host_page_size() - 1, end;
    if (!range_ok(w, offset, length) || fd < 0 || (fd_offset & mask) ||
        ut_add_overflows_u64(fd_offset, length, &end) || end > (uint64_t)INT64_MAX)
        return LAGFX_ERROR_INVALID_ARGUMENT;
    int prot = read_only ? PROT_READ : PROT_READ | PROT_WRITE;
    void *tmp = mmap(NULL, (size_t)length, prot, MAP_SHARED, fd, (off_t)fd_offset);
    if (tmp == MAP_FAILED) {
        int err = errno;
        UT_WARN(NULL, "memory", "task window: mmap of fd %d at 0x%llx failed: errno %d", fd,
                (unsigned long long)fd_offset, err);
        return errno_status(err);
    }
    return place(w, offset, tmp, length);
}

lagfx_status_t
mem_window_unmap(struct mem_window *w, uint64_t offset, uint64_t length)
{
    if (!range_ok(w, offset, length))
        return LAGFX_ERROR_INVALID_ARGUMENT;
    /* Fresh private zero pages: stale accesses read zeros (Apple's semantics). */
    void *p = mmap(w->base + offset, (size_t)length, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        return errno_status(errno);
    return LAGFX_OK;
}
