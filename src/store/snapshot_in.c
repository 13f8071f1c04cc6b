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

/* Version 2: table entry k as a section (its place is checked against the file). */
static int toc_entry(snap_in *d, uint32_t k, snap_sec *s, uint64_t *off) {
    const uint8_t *r = d->toc + (size_t)k * SNAP2_TOC_ENTRY;
    uint32_t sum, zero;
    memcpy(&s->id, r, 4);
    memcpy(&s->index, r + 4, 4);
    memcpy(off, r + 8, 8);
    memcpy(&s->len, r + 16, 8);
    memcpy(&sum, r + 24, 4);
    memcpy(&zero, r + 28, 4);
    s->sum = sum;
    snap_section_name(s->id, s->index, s->name, sizeof s->name);
    uint64_t toc_off = (uint64_t)(d->toc - d->mem);
    if (zero || *off % SNAP2_ALIGN || *off < SNAP2_HEADER || *off > toc_off || s->len > toc_off - *off)
        return snap_in_bad(d, "the table of contents places section '%s' outside the file (file corrupt)", s->name);
    return 0;
}

static int begin2(snap_in *d, uint32_t id, uint32_t index, snap_sec *s) {
    snap_section_name(id, index, s->name, sizeof s->name);
    if (d->next >= d->ntoc)
        return snap_in_bad(d, "the table of contents ends after section '%s', where section '%s' should follow "
                           "(file corrupt)", d->last, s->name);
    char want[64];
    memcpy(want, s->name, sizeof want);
    uint64_t off;
    if (toc_entry(d, d->next, s, &off) < 0) return -1;
    if (s->id != id || s->index != index)
        return snap_in_bad(d,
                           "found section '%s' where section '%s' was expected (file corrupt, or written by an "
                           "incompatible version)",
                           s->name, want);
    d->pos = off;
    d->next++;
    return 0;
}

void snap_in_defer(snap_in *d, const snap_lazy *l) {
    if (d->nlazy == d->cap_lazy)
        d->lazy = qv_realloc(d->lazy, (d->cap_lazy = d->cap_lazy ? d->cap_lazy * 2 : 16) * sizeof *d->lazy);
    d->lazy[d->nlazy++] = *l;
}

/* Version 2: checks the payload of s (at d->pos) now, or notes it for the background check. */
static int payload2(snap_in *d, const snap_sec *s, bool may_defer) {
    if (may_defer && d->map && d->lazy_at && s->len >= d->lazy_at) {
        snap_lazy l = {.off = d->pos, .len = s->len, .crc = (uint32_t)s->sum};
        memcpy(l.name, s->name, sizeof l.name);
        snap_in_defer(d, &l);
    } else if (snap_crc32c(0, d->mem + d->pos, (size_t)s->len) != (uint32_t)s->sum) {
        return snap_in_bad(d, "checksum mismatch in section '%s' (file corrupt or truncated)", s->name);
    }
    d->nsec++;
    memcpy(d->last, s->name, sizeof d->last);
    return 0;
}

/* Reads the header of the next section, which must be (id, index). Its payload and padding are known
 * to fit in what remains of the input afterwards. */
static int begin(snap_in *d, uint32_t id, uint32_t index, snap_sec *s) {
    if (d->version >= 2) return begin2(d, id, index, s);
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
    void **dst = slot;
    if (d->version >= 2 && d->map) { /* the graph's array is the mapped section */
        if (payload2(d, &s, true) < 0) return -1;
        free(*dst);
        *dst = (void *)(d->mem + d->pos);
        return 0;
    }
    void *p = alloc(d, &s);
    if (!p) return -1;
    free(*dst);
    *dst = p;
    if (d->version >= 2) {
        if (s.len) memcpy(p, d->mem + d->pos, (size_t)s.len);
        return payload2(d, &s, false);
    }
    return payload(d, &s, p);
}

/* A section of small encoded fields, into a temporary block the caller frees. */
int snap_in_blob(snap_in *d, uint32_t id, uint32_t index, snap_sec *s, uint8_t **out) {
    *out = NULL;
    if (begin(d, id, index, s) < 0) return -1;
    uint8_t *p = alloc(d, s);
    if (!p) return -1;
    if (d->version >= 2) {
        if (s->len) memcpy(p, d->mem + d->pos, (size_t)s->len);
        if (payload2(d, s, false) < 0) {
            free(p);
            return -1;
        }
        *out = p;
        return 0;
    }
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
    if (d->version >= 2 && d->ckpt) { /* the checkpoint's own sections: read by snap_in_find */
        snap_sec s;
        uint64_t off;
        while (d->next < d->ntoc && toc_entry(d, d->next, &s, &off) == 0 && (s.id == SEC_CKPT || s.id == SEC_DELTA)) {
            d->next++;
            d->nsec++;
        }
    }
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
    if (d->version >= 2) {
        if (d->next != d->ntoc)
            return snap_in_bad(d, "%u unexpected sections after section 'end' (file corrupt)", d->ntoc - d->next);
        return 0;
    }
    if (d->pos != d->size)
        return snap_in_bad(d, "%llu unexpected bytes after section 'end' (file corrupt)", ULL(d->size - d->pos));
    return 0;
}

int snap_in_find(snap_in *d, uint32_t id, uint32_t index, snap_sec *s, const uint8_t **p) {
    *p = NULL;
    for (uint32_t k = 0; k < d->ntoc; k++) {
        uint64_t off;
        if (toc_entry(d, k, s, &off) < 0) return -1;
        if (s->id != id || s->index != index) continue;
        if (snap_crc32c(0, d->mem + off, (size_t)s->len) != (uint32_t)s->sum)
            return snap_in_bad(d, "checksum mismatch in section '%s' (file corrupt or truncated)", s->name);
        *p = d->mem + off;
        return 0;
    }
    snap_section_name(id, index, s->name, sizeof s->name);
    return qv_err_set(d->err, QV_ENOTFOUND, "the file has no section '%s'", s->name);
}

bool snap_in_is_v2(const uint8_t *p, size_t n, const char *magic) {
    uint32_t version;
    if (n < 12 || memcmp(p, magic, SNAP_MAGIC_LEN) != 0) return false;
    memcpy(&version, p + 8, 4);
    return version == 2;
}

/* Version 2: the header (its CRC, the file size it records) and the table of contents (its CRC). */
static int header2(snap_in *d) {
    if (!d->mem) return qv_err_set(d->err, QV_EINTERNAL, "version-2 files are read from memory or a mapping");
    const uint8_t *h = d->mem;
    if (d->size < SNAP2_HEADER)
        return snap_in_bad(d, "%llu bytes, too short for the header (file truncated)", ULL(d->size));
    uint32_t flags, ntoc, toc_crc, hcrc;
    uint64_t size, toc_off;
    memcpy(&flags, h + 12, 4);
    memcpy(&size, h + 16, 8);
    memcpy(&toc_off, h + 24, 8);
    memcpy(&ntoc, h + 32, 4);
    memcpy(&toc_crc, h + 36, 4);
    memcpy(&hcrc, h + 60, 4);
    if (snap_crc32c(0, h, 60) != hcrc)
        return snap_in_bad(d, "checksum mismatch in the file header (file corrupt, or a save that did not finish)");
    if (flags & ~(SNAP2_FLAG_TYPES_ZERO | SNAP2_FLAG_IN_AFTER))
        return snap_in_bad(d, "unknown header flags %#x (file corrupt, or written by a newer quiver)", flags);
    d->hflags = flags;
    if (size != d->size)
        return snap_in_bad(d, "the header records %llu bytes but the file has %llu (file truncated or extended)",
                           ULL(size), ULL(d->size));
    if (toc_off < SNAP2_HEADER || toc_off > size || (size - toc_off) / SNAP2_TOC_ENTRY != ntoc ||
        (size - toc_off) % SNAP2_TOC_ENTRY)
        return snap_in_bad(d, "the header's table of contents does not fit the file (file corrupt)");
    d->toc = d->mem + toc_off;
    d->ntoc = ntoc;
    if (snap_crc32c(0, d->toc, (size_t)ntoc * SNAP2_TOC_ENTRY) != toc_crc)
        return snap_in_bad(d, "checksum mismatch in the table of contents (file corrupt)");
    d->version = 2;
    snprintf(d->last, sizeof d->last, "header");
    return 0;
}

int snap_in_header(snap_in *d) {
    const char *magic = d->magic ? d->magic : SNAP_MAGIC;
    if (d->mem && d->size >= 12 && memcmp(d->mem, magic, SNAP_MAGIC_LEN) == 0) {
        uint32_t v;
        memcpy(&v, d->mem + 8, 4);
        if (v == 2) return header2(d);
        if (strcmp(magic, SNAP_MAGIC) != 0)
            return qv_err_set(d->err, QV_EUNIMPL, "format version %u, but this reader reads version 2%s", v,
                              v > 2 ? " (written by a newer quiver)" : "");
    }
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
    if (version != SNAP_VERSION_STREAM)
        return qv_err_set(d->err, QV_EUNIMPL, "snapshot format version %u, but this quiver reads versions 1 and %u%s",
                          version, SNAP_VERSION,
                          version > SNAP_VERSION ? " (written by a newer quiver)" : " (file corrupt)");
    d->version = 1;
    if (flags) return snap_in_bad(d, "unknown header flags %#x (file corrupt, or written by a newer quiver)", flags);
    snprintf(d->last, sizeof d->last, "header");
    return 0;
}
