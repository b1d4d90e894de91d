/* SPDX-License-Identifier: MIT */
/*
 * Draining the rings (protocol.md §5.4-§5.6, §7.3-§7.6): the root ring is physically
 * contiguous behind the stamp page with modular pointers; channels 1-12 are PFN-array rings
 * with absolute u32 pointers kept in their descriptor in the shared control page. Every
 * command is copied out of guest memory once (header, then payload) and decoded from the
 * copy; the read pointer is published every turn. At most PROTO_MAX_CMDS_PER_TURN commands a
 * turn; the caller requeues. Worker thread, under the exec lock.
 */
#include <string.h>

#include "memory/reader.h"
#include "protocol/dev_internal.h"
#include "protocol/trace.h"
#include "util/checked.h"
#include "util/log.h"

/* Where a ring's bytes are: contiguous (root) or through a PFN array (channels). */
struct ring_view {
    uint32_t size;
    bool contiguous;
    uint64_t data_gpa; /* contiguous */
    uint32_t pfns[16]; /* size / 4096 entries (channels) */
};

/* Copies len bytes starting at ring position pos (reduced modulo size), wrapping at the end
 * and page by page through the PFN array. False when a page is unmapped or outside RAM. */
static bool
ring_read(struct proto_dev *dev, const struct ring_view *v, uint32_t pos, void *dst, uint32_t len)
{
    uint8_t *out = dst;
    uint32_t p = pos % v->size;
    while (len) {
        uint32_t chunk;
        uint64_t gpa;
        if (v->contiguous) {
            chunk = UT_MIN_U32(len, v->size - p);
            gpa = v->data_gpa + p;
        } else {
            uint32_t pfn = v->pfns[p >> 12];
            if (pfn == 0)
                return false;
            chunk = UT_MIN_U32(len, 0x1000u - (p & 0xFFFu));
            gpa = ((uint64_t)pfn << 12) + (p & 0xFFFu);
        }
        if (!mem_guest_read(dev->cfg.guest, gpa, out, chunk))
            return false;
        out += chunk;
        len -= chunk;
        p = (p + chunk) % v->size;
    }
    return true;
}

enum drain_end { DRAIN_DONE, DRAIN_MORE, DRAIN_INVALID, DRAIN_UNMAPPED };

/*
 * The loop shared by every ring: reads, validates and dispatches commands from *rp towards
 * wp. span is (wp - rp) in the ring's pointer arithmetic: modular for the root ring,
 * plain u32 for channels (both reduce to the same subtraction given the caller's pointers).
 */
static enum drain_end
drain_loop(struct proto_dev *dev,
           uint32_t ch,
           const struct ring_view *v,
           uint32_t *rp,
           uint32_t wp,
           bool modular,
           uint32_t *stamp_out)
{
    for (uint32_t n = 0; *rp != wp; n++) {
        if (n == PROTO_MAX_CMDS_PER_TURN)
            return DRAIN_MORE;
        uint32_t span = modular ? (wp - *rp + v->size) % v->size : wp - *rp;
        uint8_t hdr[12];
        if (span < 12) {
            *stamp_out = 0;
            return DRAIN_INVALID;
        }
        if (!ring_read(dev, v, *rp, hdr, 12))
            return DRAIN_UNMAPPED;
        struct proto_outer cmd = {
            .channel = ch,
            .opcode = mem_le16(hdr),
            .length = mem_le32(hdr + 4),
            .stamp = mem_le32(hdr + 8),
            .ring_off = modular ? *rp : *rp % v->size,
        };
        if (cmd.length < 12 || cmd.length > span) {
            /* Includes the idle sentinels 0 and 0xFFFFFFFF (§5.6). */
            *stamp_out = cmd.stamp;
            ut_guest_error(&dev->errs, UT_GERR_RING_HEADER,
                           "dev=%s ch=%u off=0x%x op=0x%x len=%u span=%u stamp=%u: invalid header, "
                           "rest of batch discarded",
                           dev->cfg.label, ch, *rp, cmd.opcode, cmd.length, span, cmd.stamp);
            return DRAIN_INVALID;
        }
        uint32_t plen = cmd.length - 12;
        bool too_long = cmd.length > PROTO_MAX_OUTER_LEN || cmd.length > v->size;
        /* The header was readable but the payload is not: stop before this command. */
        if (!too_long && !ring_read(dev, v, *rp + 12, dev->batch, plen))
            return DRAIN_UNMAPPED;
        cmd.token = proto_cq_push(dev, ch, cmd.stamp, false);
        if (dev->cfg.trace)
            proto_trace_outer(dev->cfg.trace, ch, cmd.ring_off, hdr, too_long ? NULL : dev->batch,
                              too_long ? 0 : plen);
        if (too_long) {
            ut_guest_error(&dev->errs, UT_GERR_RING_LENGTH,
                           "dev=%s ch=%u off=0x%x op=0x%x len=%u: longer than the caps, skipped",
                           dev->cfg.label, ch, *rp, cmd.opcode, cmd.length);
        } else {
            UT_TRACE(dev->cfg.log_dev, "ring", "dev=%s ch=%u off=0x%x op=0x%x len=%u stamp=%u",
                     dev->cfg.label, ch, *rp, cmd.opcode, cmd.length, cmd.stamp);
            proto_outer_dispatch(dev, &cmd, dev->batch, plen);
        }
        /* The read pointer moves past the command before its stamp can complete: a guest that
         * sees the stamp and then reads 0x100C (the boot burst does, §16) must see it moved.
         * The command's bytes were copied out already, so the guest may reuse the space. */
        *rp = modular ? (*rp + cmd.length) % v->size : *rp + cmd.length;
        bool rearmed = false;
        if (ch == 0) {
            pthread_mutex_lock(&dev->ring_lock);
            rearmed = dev->root_arm_gen != dev->root_gen_seen;
            if (!rearmed)
                atomic_store_explicit(&dev->root_rp_pub, *rp, memory_order_release);
            pthread_mutex_unlock(&dev->ring_lock);
        }
        if (!cmd.async)
            proto_cq_done(dev, ch, cmd.token);
        if (rearmed)
            return DRAIN_DONE; /* rearmed meanwhile: the old ring is gone */
    }
    return DRAIN_DONE;
}

bool
proto_drain_root(struct proto_dev *dev)
{
    struct ring_view v = { .contiguous = true };
    pthread_mutex_lock(&dev->ring_lock);
    bool armed = dev->root_armed;
    if (dev->root_gen_seen != dev->root_arm_gen) {
        dev->root_gen_seen = dev->root_arm_gen;
        dev->root_rp = 0; /* arming set rp = wp = 0 */
    }
    v.size = dev->root_size;
    v.data_gpa = dev->root_data_gpa;
    uint32_t wp = armed ? dev->root_wp % dev->root_size : 0;
    pthread_mutex_unlock(&dev->ring_lock);
    if (!armed) {
        ut_guest_error_once(&dev->errs, UT_GERR_RING_DISARMED, UT_NS_ROOT, 0x1FF,
                            "dev=%s ch=0: doorbell on a disarmed root ring ignored",
                            dev->cfg.label);
        return false;
    }
    uint32_t bad_stamp = 0;
    enum drain_end end = drain_loop(dev, 0, &v, &dev->root_rp, wp, true, &bad_stamp);
    if (end == DRAIN_INVALID) {
        uint32_t token = proto_cq_push(dev, 0, bad_stamp, true);
        proto_cq_done(dev, 0, token);
        dev->root_rp = wp;
        pthread_mutex_lock(&dev->ring_lock);
        if (dev->root_arm_gen == dev->root_gen_seen)
            atomic_store_explicit(&dev->root_rp_pub, wp, memory_order_release);
        pthread_mutex_unlock(&dev->ring_lock);
    } else if (end == DRAIN_UNMAPPED) {
        ut_guest_error(&dev->errs, UT_GERR_RING_UNMAPPED,
                       "dev=%s ch=0 off=0x%x: ring data outside guest RAM, drain stopped",
                       dev->cfg.label, dev->root_rp);
    }
    return end == DRAIN_MORE;
}

/* Descriptor of channel ch in the shared control page (§7.2, §7.3). */
static uint64_t
descriptor_gpa(struct proto_dev *dev, uint32_t ch)
{
    uint64_t shared = (uint64_t)atomic_load(&dev->shadow[(PROTO_REG_SHARED_PFN - 0x1000) / 4]);
    return (shared << 12) + 0x400 + 20ull * (ch - 1);
}

bool
proto_drain_channel(struct proto_dev *dev, uint32_t ch)
{
    struct proto_channel *c = &dev->channels[ch];
    uint64_t dgpa = descriptor_gpa(dev, ch);
    uint8_t desc[20];
    if ((dgpa >> 12) == 0 || !mem_guest_read(dev->cfg.guest, dgpa, desc, sizeof(desc))) {
        ut_guest_error_once(&dev->errs, UT_GERR_CHANNEL, UT_NS_CHANNEL, 0x1F0 + ch,
                            "dev=%s ch=%u: no shared control page or descriptor outside RAM",
                            dev->cfg.label, ch);
        return false;
    }
    uint32_t wp = mem_le32(desc + 0x00);
    uint32_t desc_rp = mem_le32(desc + 0x04);
    uint32_t id = mem_le32(desc + 0x0C);
    uint32_t ring_pfn = mem_le32(desc + 0x10);
    if (ring_pfn == 0) {
        ut_guest_error_once(&dev->errs, UT_GERR_CHANNEL, UT_NS_CHANNEL, 0x1E0 + ch,
                            "dev=%s ch=%u: descriptor ring PFN 0, doorbell ignored", dev->cfg.label,
                            ch);
        return false;
    }
    if (id != ch && !c->warned_bad_id) {
        c->warned_bad_id = true; /* the table position is authoritative (C05) */
        ut_guest_error(&dev->errs, UT_GERR_CHANNEL, "dev=%s ch=%u: descriptor names channel %u",
                       dev->cfg.label, ch, id);
    }
    struct ring_view v = { .contiguous = false };
    v.size = ch < PROTO_FIRST_PIPE ? PROTO_CHANNEL_RING_SIZE : PROTO_PIPE_RING_SIZE;
    uint8_t pfns[64];
    if (!mem_guest_read(dev->cfg.guest, (uint64_t)ring_pfn << 12, pfns, v.size / 4096 * 4)) {
        ut_guest_error(&dev->errs, UT_GERR_RING_UNMAPPED,
                       "dev=%s ch=%u ring_pfn=0x%x: PFN array outside guest RAM", dev->cfg.label,
                       ch, ring_pfn);
        return false;
    }
    for (uint32_t i = 0; i < v.size / 4096; i++)
        v.pfns[i] = mem_le32(pfns + 4 * i);

    /* Step 1: a new ring (or a 0x30 since) adopts the guest's read pointer. */
    if (ring_pfn != c->ring_pfn || c->refresh) {
        c->ring_pfn = ring_pfn;
        c->refresh = false;
        c->rp = desc_rp;
    }
    /* Step 2: resynchronise a pointer pair that cannot be right. */
    if (wp - c->rp > v.size) {
        c->rp = desc_rp;
        if (wp - c->rp > v.size) {
            ut_guest_error(&dev->errs, UT_GERR_CHANNEL,
                           "dev=%s ch=%u: write_ptr 0x%x read_ptr 0x%x more than a ring apart, "
                           "resynchronised",
                           dev->cfg.label, ch, wp, c->rp);
            c->rp = wp;
        }
    }
    uint32_t bad_stamp = 0;
    enum drain_end end = drain_loop(dev, ch, &v, &c->rp, wp, false, &bad_stamp);
    if (end == DRAIN_INVALID) {
        uint32_t token = proto_cq_push(dev, ch, bad_stamp, true);
        proto_cq_done(dev, ch, token);
        c->rp = wp;
    } else if (end == DRAIN_UNMAPPED) {
        ut_guest_error(&dev->errs, UT_GERR_RING_UNMAPPED,
                       "dev=%s ch=%u rp=0x%x: ring page unmapped, drain stopped", dev->cfg.label,
                       ch, c->rp);
    }
    /* Step 4: publish the read pointer at +0x04 (never +0x00) every turn. */
    if (!mem_guest_write_u32(dev->cfg.guest, dgpa + 4, c->rp))
        ut_guest_error(&dev->errs, UT_GERR_CHANNEL, "dev=%s ch=%u: read_ptr not writable",
                       dev->cfg.label, ch);
    return end == DRAIN_MORE;
}
