/* snapshot_in.c — the framing of a snapshot on input: header, sections with their checksums, end marker.
 *
 * Owns: reading from memory or from a file descriptor, section by section in the order the decoder asks
 * for. Every array is read with read(2) (in 1 MiB steps, checksummed while hot in cache) straight into
 * its own block, so graph_free releases a loaded graph like a built one. No length is believed before
 * it is checked against what remains of the input. Must not interpret payloads (snapshot_read.c does).
 */
#include "store/checksum.h"
#include "store/snapshot.h"
#include "store/snapshot_in.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ULL(x)    ((unsigned long long)(x))
#define CHUNK     (1u << 20)
#define HUGE_PAGE (2u << 20)
#define HUGE_AT   (4u << 20) /* payloads from this size get huge pages */

int snap_in_bad(snap_in *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    qv_err_vset(d->err, QV_EINVAL, fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads exactly n bytes that are known to lie within the input. */
static int raw(snap_in *d, void *dst, size_t n) {
    if (d->mem) {
        if (n) memcpy(dst, d->mem + d->pos, n);
        d->pos += n;
        return 0;
    }
    uint8_t *p = dst;
    while (n > 0) {
        ssize_t r = read(d->fd, p, n > (1u << 30) ? (1u << 30) : n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return qv_err_set(d->err, QV_EIO, "read failed at byte %llu: %s", ULL(d->pos), strerror(errno));
        if (r == 0)
            return snap_in_bad(
                d, "file ended at byte %llu, before the size it had when opened (truncated while being read?)",
                ULL(d->pos));
        p += r;
        n -= (size_t)r;
        d->pos += (uint64_t)r;
    }
    return 0;
}

/* Reads the header of the next section, which must be (id, index). Its payload and padding are known
 * to fit in what remains of the input afterwards. */
static int begin(snap_in *d, uint32_t id, uint32_t index, snap_sec *s) {
    snap_section_name(id, index, s->name, sizeof s->name);
    uint64_t left = d->size - d->pos;
    if (left == 0)
        return snap_in_bad(d, "file ends after section '%s', where section '%s' should follow (file truncated)",
                           d->last, s->name);
    if (left < SNAP_SECTION_HEADER)
        return snap_in_bad(d, "file ends inside the header of section '%s' (file truncated)", s->name);
    uint8_t h[SNAP_SECTION_HEADER];
    if (raw(d, h, sizeof h) < 0) return -1;
    uint64_t hsum;
    memcpy(&s->id, h, 4);
    memcpy(&s->index, h + 4, 4);
    memcpy(&s->len, h + 8, 8);
    memcpy(&s->sum, h + 16, 8);
    memcpy(&hsum, h + 24, 8);
    if (hsum != store_checksum64(h, 24, SNAP_HEADER_SEED))
        return snap_in_bad(d,
                           "checksum mismatch in the header of section '%s' (section %u of the file) (file corrupt or "
                           "truncated)",
                           s->name, d->nsec + 1);
    if (s->id != id || s->index != index) {
        char got[64];
        snap_section_name(s->id, s->index, got, sizeof got);
        return snap_in_bad(d,
                           "found section '%s' where section '%s' was expected (file corrupt, or written by an "
                           "incompatible version)",
                           got, s->name);
    }
    left -= SNAP_SECTION_HEADER;
    if (s->len > left || snap_pad(s->len) > left - s->len)
        return snap_in_bad(d, "section '%s' declares %llu bytes but only %llu remain in the file (file truncated)",
                           s->name, ULL(s->len), ULL(left));
    return 0;
}

/* Reads the payload of s into dst (s->len bytes), then its padding, and checks both. */
static int payload(snap_in *d, const snap_sec *s, void *dst) {
    uint64_t seed = snap_section_seed(s->id, s->index), sum;
    if (d->mem) {
        sum = store_checksum64(d->mem + d->pos, (size_t)s->len, seed);
        if (raw(d, dst, (size_t)s->len) < 0) return -1;
    } else {
        store_hasher h;
        store_hasher_init(&h, seed);
        uint8_t *p = dst;
        for (uint64_t done = 0; done < s->len;) {
            size_t step = s->len - done < CHUNK ? (size_t)(s->len - done) : CHUNK;
            if (raw(d, p + done, step) < 0) return -1;
            store_hasher_update(&h, p + done, step);
            done += step;
        }
        sum = store_hasher_final(&h);
    }
    if (sum != s->sum) return snap_in_bad(d, "checksum mismatch in section '%s' (file corrupt or truncated)", s->name);
    uint8_t pad[SNAP_ALIGN];
    size_t np = (size_t)snap_pad(s->len);
    if (raw(d, pad, np) < 0) return -1;
    for (size_t i = 0; i < np; i++)
        if (pad[i]) return snap_in_bad(d, "nonzero padding after section '%s' (file corrupt)", s->name);
    d->nsec++;
    memcpy(d->last, s->name, sizeof d->last);
    return 0;
}

/* A block for a payload. Big ones are 2 MiB aligned and marked for transparent huge pages: filling
 * fresh memory costs a page fault per 4 KiB page otherwise, which dominates a load (more so in a VM).
 * Either way the block is released with free(). */
static void *alloc(snap_in *d, const snap_sec *s) {
    size_t n = s->len ? (size_t)s->len : 1;
    void *p = NULL;
    if (n >= HUGE_AT) {
        size_t rounded = (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
        if (posix_memalign(&p, HUGE_PAGE, rounded) == 0)
            madvise(p, rounded, MADV_HUGEPAGE); /* advice only: failure changes nothing */
        else
            p = NULL;
    } else {
        p = malloc(n);
    }
    if (!p) qv_err_set(d->err, QV_ENOMEM, "not enough memory to load section '%s' (%llu bytes)", s->name, ULL(s->len));
    return p;
}

/* A section holding exactly count entries of elem bytes, into a new block stored in *slot (whatever
 * *slot held before is freed, so a graph is never left with a dangling or leaked array). */
int snap_in_array(snap_in *d, uint32_t id, uint32_t index, uint64_t count, size_t elem, void *slot) {
    snap_sec s;
    if (begin(d, id, index, &s) < 0) return -1;
    if (count > UINT64_MAX / elem || s.len != count * elem)
        return snap_in_bad(d,
                           "section '%s' holds %llu bytes where %llu entries of %zu bytes were expected (file corrupt)",
                           s.name, ULL(s.len), ULL(count), elem);
    void *p = alloc(d, &s);
    if (!p) return -1;
    void **dst = slot;
    free(*dst);
    *dst = p;
    return payload(d, &s, p);
}

/* A section of small encoded fields, into a temporary block the caller frees. */
int snap_in_blob(snap_in *d, uint32_t id, uint32_t index, snap_sec *s, uint8_t **out) {
    *out = NULL;
    if (begin(d, id, index, s) < 0) return -1;
    uint8_t *p = alloc(d, s);
    if (!p) return -1;
    if (payload(d, s, p) < 0) {
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int snap_cur_done(snap_in *d, const snap_cur *c, const snap_sec *s) {
    if (c->short_) return snap_in_bad(d, "section '%s' is shorter than its fields (file corrupt)", s->name);
    if (c->pos != c->n)
        return snap_in_bad(d, "section '%s' has %llu bytes after its fields (file corrupt)", s->name,
                           ULL(c->n - c->pos));
    return 0;
}

int snap_in_end(snap_in *d) {
    uint32_t before = d->nsec;
    snap_sec s;
    uint8_t *p;
    if (snap_in_blob(d, SEC_END, 0, &s, &p) < 0) return -1;
    snap_cur c = {.p = p, .n = s.len};
    uint64_t count = snap_get_u64(&c);
    free(p);
    if (snap_cur_done(d, &c, &s) < 0) return -1;
    if (count != before)
        return snap_in_bad(d, "section 'end' counts %llu sections but %u were read (file corrupt)", ULL(count), before);
    if (d->pos != d->size)
        return snap_in_bad(d, "%llu unexpected bytes after section 'end' (file corrupt)", ULL(d->size - d->pos));
    return 0;
}

int snap_in_header(snap_in *d) {
    if (d->size < SNAP_FILE_HEADER)
        return snap_in_bad(d, "not a quiver snapshot: %llu bytes, too short for the header (file truncated)",
                           ULL(d->size));
    uint8_t h[SNAP_FILE_HEADER];
    if (raw(d, h, sizeof h) < 0) return -1;
    if (memcmp(h, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0)
        return snap_in_bad(d, "not a quiver snapshot (the file does not start with QVGRAPH)");
    uint32_t version, flags;
    memcpy(&version, h + 8, 4);
    memcpy(&flags, h + 12, 4);
    if (version != SNAP_VERSION)
        return qv_err_set(d->err, QV_EUNIMPL, "snapshot format version %u, but this quiver reads version %u%s", version,
                          SNAP_VERSION, version > SNAP_VERSION ? " (written by a newer quiver)" : " (file corrupt)");
    if (flags) return snap_in_bad(d, "unknown header flags %#x (file corrupt, or written by a newer quiver)", flags);
    snprintf(d->last, sizeof d->last, "header");
    return 0;
}
