/* SPDX-License-Identifier: MIT */
/*
 * Translation cache (spec/air.md §8). Memory: an open-addressing table of entries on an LRU
 * list, capped in bytes of result data; failures are entries too. Disk (optional):
 * <dir>/air/<2 hex>/<30 hex>.bin holding {magic "LGAS", format, translator version, key,
 * payload size, XXH3-64 of the payload} then the serialised result; written to a temporary
 * name in the same directory and renamed (atomic across QEMU processes); any mismatch on read
 * (magic, versions, key, size, checksum, payload structure) deletes the file and counts as a
 * miss. Misses translate through air_isolate_translate (the sandboxed worker), so a hit never
 * spawns anything; failures that say nothing about the input (no worker) are not cached. Any
 * thread: one mutex guards table and LRU; translation and file I/O run unlocked, so
 * two threads may translate the same key once each (the second insert is dropped).
 */
#include "air/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Inlined: the streaming state lives on the stack and hashing avoids a call per chunk. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "air/import_llvm.h"
#include "air/isolate.h"
#include "util/alloc.h"

#define FILE_MAGIC  0x5341474Cu /* "LGAS" */
#define FILE_FORMAT 1u
#define HDR_SIZE    48u
#define TABLE_MIN   64u
/* Serialised-result caps (a corrupt file must not ask for more). */
#define MAX_WORDS (4u << 20)
#define MAX_ITEMS 4096u

struct entry {
    struct air_cache_key key;
    struct air_result *res; /* NULL: a cached failure */
    enum air_status st;
    char msg[AIR_DIAG_MAX];
    size_t bytes;
    struct entry *prev, *next; /* LRU: head = most recent */
};

struct air_cache {
    pthread_mutex_t lock;
    /* Set at creation. */
    size_t cap;
    char *dir; /* NULL: disk cache off */
    /* Under lock. */
    struct entry **slots; /* open addressing; NULL = empty */
    size_t nslots, count, bytes;
    struct entry *head, *tail;
    struct air_cache_stats stats;
};

/* ---- keys ---- */

void
air_cache_key(const void *bytes,
              size_t size,
              const struct air_options *opt,
              struct air_cache_key *key)
{
    XXH3_state_t st;
    XXH3_INITSTATE(&st);
    XXH3_128bits_reset(&st);
    uint32_t hdr[4] = { AIR_TRANSLATOR_VERSION, air_import_llvm_version(), 0, 0 };
    if (opt) {
        hdr[2] = (opt->typed_pointers ? 1u : 0u) | (opt->debug_names ? 2u : 0u);
        if (opt->entry)
            hdr[3] = (uint32_t)strlen(opt->entry) + 1;
    }
    XXH3_128bits_update(&st, hdr, sizeof(hdr));
    if (opt && opt->entry)
        XXH3_128bits_update(&st, opt->entry, hdr[3]);
    XXH3_128bits_update(&st, bytes, size);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&st));
    memcpy(key->b, c.digest, 16);
}

static size_t
slot_of(const struct air_cache_key *k, size_t nslots)
{
    uint64_t h;
    memcpy(&h, k->b, 8);
    return (size_t)(h & (nslots - 1));
}

/* ---- memory table (lock held) ---- */

static struct entry **
find_slot_locked(struct air_cache *c, const struct air_cache_key *k)
{
    for (size_t i = slot_of(k, c->nslots), n = 0; n < c->nslots; i = (i + 1) & (c->nslots - 1), n++)
        if (!c->slots[i] || memcmp(c->slots[i]->key.b, k->b, 16) == 0)
            return &c->slots[i];
    return NULL; /* cannot happen: the table is kept at most half full */
}

static void
lru_unlink_locked(struct air_cache *c, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void
lru_push_locked(struct air_cache *c, struct entry *e)
{
    e->next = c->head;
    e->prev = NULL;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

/* Removes e from the table (backward-shift deletion keeps probe chains intact). */
static void
remove_locked(struct air_cache *c, struct entry *e)
{
    struct entry **s = find_slot_locked(c, &e->key);
    size_t i = (size_t)(s - c->slots);
    c->slots[i] = NULL;
    for (size_t j = (i + 1) & (c->nslots - 1); c->slots[j]; j = (j + 1) & (c->nslots - 1)) {
        struct entry *m = c->slots[j];
        c->slots[j] = NULL;
        *find_slot_locked(c, &m->key) = m;
    }
    lru_unlink_locked(c, e);
    c->count--;
    c->bytes -= e->bytes;
}

static void
entry_free(struct entry *e)
{
    air_result_unref(e->res);
    ut_free(e);
}

static bool
grow_locked(struct air_cache *c)
{
    size_t n = c->nslots * 2;
    struct entry **s = ut_calloc_array(n, sizeof(*s));
    if (!s)
        return false;
    struct entry **old = c->slots;
    size_t on = c->nslots;
    c->slots = s;
    c->nslots = n;
    for (size_t i = 0; i < on; i++)
        if (old[i])
            *find_slot_locked(c, &old[i]->key) = old[i];
    ut_free(old);
    return true;
}

static size_t
result_bytes(const struct air_result *r)
{
    if (!r)
        return sizeof(struct entry);
    return sizeof(struct entry) + sizeof(*r) + r->word_count * 4 +
           r->nbindings * sizeof(*r->bindings) + r->nvaryings * sizeof(*r->varyings) +
           r->nvertex_inputs * 4 + r->nattachments * sizeof(*r->attachments);
}

/* Takes ownership of e (frees it when the key is already present or memory runs out). */
static void
insert(struct air_cache *c, struct entry *e)
{
    pthread_mutex_lock(&c->lock);
    if ((c->count + 1) * 2 > c->nslots && !grow_locked(c)) {
        pthread_mutex_unlock(&c->lock);
        entry_free(e);
        return;
    }
    struct entry **s = find_slot_locked(c, &e->key);
    if (*s) { /* another thread got there first */
        pthread_mutex_unlock(&c->lock);
        entry_free(e);
        return;
    }
    *s = e;
    c->count++;
    c->bytes += e->bytes;
    lru_push_locked(c, e);
    struct entry *victims = NULL;
    while (c->bytes > c->cap && c->tail && c->tail != e) {
        struct entry *v = c->tail;
        remove_locked(c, v);
        c->stats.evictions++;
        v->next = victims;
        victims = v;
    }
    c->stats.mem_bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
    while (victims) { /* results are freed outside the lock */
        struct entry *n = victims->next;
        entry_free(victims);
        victims = n;
    }
}

/* ---- serialisation ---- */

struct wbuf {
    uint8_t *p;
    size_t n, cap;
    bool failed;
};

static void
put(struct wbuf *w, const void *src, size_t len)
{
    if (w->failed)
        return;
    if (w->n + len > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + len)
            cap *= 2;
        uint8_t *p = ut_realloc_array(w->p, cap, 1);
        if (!p) {
            w->failed = true;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->n, src, len);
    w->n += len;
}

static void
put_u32(struct wbuf *w, uint32_t v)
{
    put(w, &v, 4);
}

/* Arrays of plain structs are written as this build lays them out: the struct sizes are part
 * of the header check (FILE_FORMAT + sizes), so another build's files are rejected. */
static uint32_t
layout_sig(void)
{
    return (uint32_t)(sizeof(struct air_binding) << 20 ^ sizeof(struct air_varying) << 10 ^
                      sizeof(struct air_attachment));
}

enum air_status
air_result_serialize(const struct air_result *r, uint8_t **out, size_t *size)
{
    struct wbuf w = { 0 };
    uint32_t flags = (uint32_t)r->needs_scalar_layout | (uint32_t)r->needs_int64 << 1 |
                     (uint32_t)r->needs_int16 << 2 | (uint32_t)r->needs_int8 << 3 |
                     (uint32_t)r->needs_float64 << 4 | (uint32_t)r->needs_storage16 << 5 |
                     (uint32_t)r->needs_storage8 << 6 | (uint32_t)r->needs_demote << 7 |
                     (uint32_t)r->needs_draw_parameters << 8 |
                     (uint32_t)r->needs_image_read_without_format << 9 |
                     (uint32_t)r->needs_image_write_without_format << 10 |
                     (uint32_t)r->needs_subgroups << 11 | (uint32_t)r->dispatch_fallback << 12 |
                     (uint32_t)r->writes_depth << 13 | (uint32_t)r->early_fragment_tests << 14;
    put_u32(&w, layout_sig());
    put_u32(&w, (uint32_t)r->stage);
    put(&w, r->name, sizeof(r->name));
    put_u32(&w, flags);
    put_u32(&w, r->max_workgroup_size);
    put_u32(&w, (uint32_t)r->word_count);
    put(&w, r->words, r->word_count * 4);
    put_u32(&w, r->nbindings);
    put(&w, r->bindings, r->nbindings * sizeof(*r->bindings));
    put_u32(&w, r->nvaryings);
    put(&w, r->varyings, r->nvaryings * sizeof(*r->varyings));
    put_u32(&w, r->nvertex_inputs);
    put(&w, r->vertex_input_locations, r->nvertex_inputs * 4);
    put_u32(&w, r->nattachments);
    put(&w, r->attachments, r->nattachments * sizeof(*r->attachments));
    if (w.failed) {
        ut_free(w.p);
        return AIR_OUT_OF_MEMORY;
    }
    *out = w.p;
    *size = w.n;
    return AIR_OK;
}

struct rbuf {
    const uint8_t *p;
    size_t n, pos;
    bool failed; /* sticky (STYLE §6) */
};

static bool
take(struct rbuf *r, void *dst, size_t len)
{
    if (r->failed || len > r->n - r->pos) {
        r->failed = true;
        memset(dst, 0, len);
        return false;
    }
    memcpy(dst, r->p + r->pos, len);
    r->pos += len;
    return true;
}

static uint32_t
take_u32(struct rbuf *r)
{
    uint32_t v;
    take(r, &v, 4);
    return v;
}

/* Reads a count and that many items of `size` bytes into a fresh array (NULL-safe on 0). */
static void *
take_array(struct rbuf *r, uint32_t *count, size_t size, uint32_t max)
{
    *count = take_u32(r);
    if (r->failed || *count > max || (size_t)*count * size > r->n - r->pos) {
        r->failed = true;
        *count = 0;
        return NULL;
    }
    void *a = ut_calloc_array((size_t)*count + 1, size);
    if (!a) {
        r->failed = true;
        *count = 0;
        return NULL;
    }
    take(r, a, (size_t)*count * size);
    return a;
}

enum air_status
air_result_deserialize(const uint8_t *p, size_t size, struct air_result **out)
{
    struct rbuf rb = { p, size, 0, false };
    struct air_result *r = ut_calloc(1, sizeof(*r));
    if (!r)
        return AIR_OUT_OF_MEMORY;
    atomic_init(&r->refs, 1);
    if (take_u32(&rb) != layout_sig())
        rb.failed = true;
    uint32_t stage = take_u32(&rb);
    r->stage = (enum air_stage)(stage <= AIR_STAGE_KERNEL ? stage : 0);
    if (stage > AIR_STAGE_KERNEL)
        rb.failed = true;
    take(&rb, r->name, sizeof(r->name));
    r->name[sizeof(r->name) - 1] = 0;
    uint32_t f = take_u32(&rb);
    r->needs_scalar_layout = f & 1;
    r->needs_int64 = f >> 1 & 1;
    r->needs_int16 = f >> 2 & 1;
    r->needs_int8 = f >> 3 & 1;
    r->needs_float64 = f >> 4 & 1;
    r->needs_storage16 = f >> 5 & 1;
    r->needs_storage8 = f >> 6 & 1;
    r->needs_demote = f >> 7 & 1;
    r->needs_draw_parameters = f >> 8 & 1;
    r->needs_image_read_without_format = f >> 9 & 1;
    r->needs_image_write_without_format = f >> 10 & 1;
    r->needs_subgroups = f >> 11 & 1;
    r->dispatch_fallback = f >> 12 & 1;
    r->writes_depth = f >> 13 & 1;
    r->early_fragment_tests = f >> 14 & 1;
    r->max_workgroup_size = take_u32(&rb);
    uint32_t nw;
    r->words = take_array(&rb, &nw, 4, MAX_WORDS);
    r->word_count = nw;
    r->bindings = take_array(&rb, &r->nbindings, sizeof(*r->bindings), MAX_ITEMS);
    r->varyings = take_array(&rb, &r->nvaryings, sizeof(*r->varyings), MAX_ITEMS);
    r->vertex_input_locations = take_array(&rb, &r->nvertex_inputs, 4, MAX_ITEMS);
    r->attachments = take_array(&rb, &r->nattachments, sizeof(*r->attachments), MAX_ITEMS);
    if (rb.failed || rb.pos != size || nw < 5 || r->words[0] != 0x07230203) {
        air_result_unref(r);
        return AIR_INVALID_DATA;
    }
    for (uint32_t i = 0; i < r->nvaryings; i++) {
        r->varyings[i].key[sizeof(r->varyings[i].key) - 1] = 0;
        if (r->varyings[i].location_word >= nw) { /* patched per pipeline: must be in range */
            air_result_unref(r);
            return AIR_INVALID_DATA;
        }
    }
    *out = r;
    return AIR_OK;
}

/* ---- disk ---- */

static void
hex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = 0;
}

bool
air_cache_file_path(const struct air_cache *c,
                    const struct air_cache_key *key,
                    char *buf,
                    size_t len)
{
    if (!c->dir)
        return false;
    char h[33];
    hex(key->b, 16, h);
    int n = snprintf(buf, len, "%s/air/%.2s/%s.bin", c->dir, h, h + 2);
    return n > 0 && (size_t)n < len;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static struct air_result *
disk_load(struct air_cache *c, const struct air_cache_key *key)
{
    char path[4096];
    if (!air_cache_file_path(c, key, path, sizeof(path)))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    uint8_t *buf = NULL;
    struct air_result *r = NULL;
    bool bad = true;
    if (fstat(fd, &sb) != 0 || sb.st_size < HDR_SIZE || sb.st_size > AIR_CACHE_FILE_MAX)
        goto out;
    size_t size = (size_t)sb.st_size;
    buf = ut_malloc(size);
    if (!buf) {
        bad = false; /* our memory, not the file */
        goto out;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t k = read(fd, buf + got, size - got);
        if (k <= 0)
            goto out;
        got += (size_t)k;
    }
    uint32_t magic, fmt, ver;
    uint64_t plen, sum;
    memcpy(&magic, buf, 4);
    memcpy(&fmt, buf + 4, 4);
    memcpy(&ver, buf + 8, 4);
    memcpy(&plen, buf + 32, 8);
    memcpy(&sum, buf + 40, 8);
    if (magic != FILE_MAGIC || fmt != FILE_FORMAT || ver != AIR_TRANSLATOR_VERSION ||
        memcmp(buf + 12, key->b, 16) != 0 || plen != size - HDR_SIZE ||
        XXH3_64bits(buf + HDR_SIZE, (size_t)plen) != sum)
        goto out;
    if (air_result_deserialize(buf + HDR_SIZE, (size_t)plen, &r) == AIR_OK)
        bad = false;
out:
    close(fd);
    ut_free(buf);
    if (bad) {
        unlink(path); /* §8: any mismatch on read deletes the file */
        pthread_mutex_lock(&c->lock);
        c->stats.disk_rejects++;
        pthread_mutex_unlock(&c->lock);
    }
    return r;
}

static bool
mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return false;
    }
    return true;
}

static void
disk_store(struct air_cache *c, const struct air_cache_key *key, const struct air_result *r)
{
    char path[4096], tmp[4096 + 32];
    if (!air_cache_file_path(c, key, path, sizeof(path)) || !mkdirs(path))
        return;
    uint8_t *payload;
    size_t plen;
    if (air_result_serialize(r, &payload, &plen) != AIR_OK)
        return;
    uint8_t hdr[HDR_SIZE] = { 0 };
    put_le32(hdr, FILE_MAGIC);
    put_le32(hdr + 4, FILE_FORMAT);
    put_le32(hdr + 8, AIR_TRANSLATOR_VERSION);
    memcpy(hdr + 12, key->b, 16);
    uint64_t pl = plen, sum = XXH3_64bits(payload, plen);
    memcpy(hdr + 32, &pl, 8);
    memcpy(hdr + 40, &sum, 8);
    snprintf(tmp, sizeof(tmp), "%s.%ld.%lx.tmp", path, (long)getpid(),
             (unsigned long)pthread_self());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    if (ok) {
        ok = write(fd, hdr, HDR_SIZE) == (ssize_t)HDR_SIZE &&
             write(fd, payload, plen) == (ssize_t)plen;
        ok = close(fd) == 0 && ok;
    }
    if (ok && rename(tmp, path) == 0) {
        pthread_mutex_lock(&c->lock);
        c->stats.disk_writes++;
        pthread_mutex_unlock(&c->lock);
    } else if (fd >= 0) {
        unlink(tmp);
    }
    ut_free(payload);
}

/* ---- public ---- */

enum air_status
air_cache_new(size_t mem_cap, const char *dir, struct air_cache **out)
{
    struct air_cache *c = ut_calloc(1, sizeof(*c));
    if (!c)
        return AIR_OUT_OF_MEMORY;
    c->cap = mem_cap ? mem_cap : AIR_CACHE_MEM_DEFAULT;
    if (!dir)
        dir = getenv("LAGFX_CACHE_DIR");
    if (dir && dir[0]) {
        c->dir = ut_strdup(dir);
        if (!c->dir)
            goto err_free;
    }
    c->nslots = TABLE_MIN;
    c->slots = ut_calloc_array(c->nslots, sizeof(*c->slots));
    if (!c->slots)
        goto err_dir;
    if (pthread_mutex_init(&c->lock, NULL) != 0)
        goto err_slots;
    *out = c;
    return AIR_OK;

err_slots:
    ut_free(c->slots);
err_dir:
    ut_free(c->dir);
err_free:
    ut_free(c);
    return AIR_OUT_OF_MEMORY;
}

void
air_cache_free(struct air_cache *c)
{
    if (!c)
        return;
    for (struct entry *e = c->head; e;) {
        struct entry *n = e->next;
        entry_free(e);
        e = n;
    }
    pthread_mutex_destroy(&c->lock);
    ut_free(c->slots);
    ut_free(c->dir);
    ut_free(c);
}

void
air_cache_get_stats(struct air_cache *c, struct air_cache_stats *st)
{
    pthread_mutex_lock(&c->lock);
    *st = c->stats;
    st->mem_bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}

enum air_status
air_cache_translate(struct air_cache *c,
                    const void *bytes,
                    size_t size,
                    const struct air_options *opt,
                    struct air_result **out,
                    struct air_diag *diag)
{
    struct air_cache_key key;
    air_cache_key(bytes, size, opt, &key);

    pthread_mutex_lock(&c->lock);
    struct entry **s = find_slot_locked(c, &key);
    if (s && *s) {
        struct entry *e = *s;
        lru_unlink_locked(c, e);
        lru_push_locked(c, e);
        c->stats.mem_hits++;
        enum air_status st = e->st;
        if (e->res)
            *out = air_result_ref(e->res);
        else
            air_diag_set(diag, st, "%s", e->msg);
        pthread_mutex_unlock(&c->lock);
        return st;
    }
    pthread_mutex_unlock(&c->lock);

    struct entry *e = ut_calloc(1, sizeof(*e));
    if (!e)
        return air_diag_set(diag, AIR_OUT_OF_MEMORY, "out of memory");
    e->key = key;
    struct air_result *r = disk_load(c, &key);
    bool from_disk = r != NULL;
    enum air_status st = AIR_OK;
    if (!r) {
        struct air_diag d = { { 0 } };
        bool transient = false;
        st = air_isolate_translate(bytes, size, opt, &r, &d, &transient);
        if (transient && st != AIR_OK) { /* no worker binary, spawn failure: retry later */
            air_diag_set(diag, st, "%s", d.msg);
            pthread_mutex_lock(&c->lock);
            c->stats.misses++;
            pthread_mutex_unlock(&c->lock);
            ut_free(e);
            return st;
        }
        e->st = st;
        memcpy(e->msg, d.msg, sizeof(e->msg));
        if (st != AIR_OK)
            air_diag_set(diag, st, "%s", d.msg);
        if (st == AIR_OK)
            disk_store(c, &key, r);
    }
    pthread_mutex_lock(&c->lock);
    if (from_disk)
        c->stats.disk_hits++;
    else
        c->stats.misses++;
    pthread_mutex_unlock(&c->lock);
    if (st == AIR_OUT_OF_MEMORY) { /* transient: not worth remembering */
        ut_free(e);
        return st;
    }
    e->res = r;
    e->bytes = result_bytes(r);
    if (r)
        *out = air_result_ref(r);
    insert(c, e);
    return st;
}
