/* snapshot_in.h — reading the framing of a snapshot: file header, sections, end marker (internal to
 * store/).
 *
 * Owns: snap_in, the input (a memory block or a file descriptor) with its position and the error to
 * fill, and the primitives the graph decoder (snapshot_read.c) is built on. Every primitive checks a
 * length against what remains of the input before believing it, and verifies checksums and padding.
 * Must not know what the sections mean (snapshot_read.c does).
 */
#ifndef QV_STORE_SNAPSHOT_IN_H
#define QV_STORE_SNAPSHOT_IN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/err.h"

/* A version-2 section whose checksum is left to a background check (mapped files, big sections). */
typedef struct snap_lazy {
    uint64_t off, len;
    uint32_t crc;
    char name[64];
} snap_lazy;

typedef struct snap_in {
    const uint8_t *mem; /* memory input, or NULL: read from fd (version 1 only) */
    int fd;
    uint64_t size, pos;
    qv_err *err;
    uint32_t nsec; /* sections read whole so far */
    char last[64]; /* name of the last of them */
    /* version 2: sections found through the table of contents */
    const char *magic;   /* the magic expected (NULL: SNAP_MAGIC) */
    uint32_t version;    /* set by snap_in_header */
    uint32_t hflags;     /* version 2: the header flags (SNAP2_FLAG_*) */
    const uint8_t *toc;
    uint32_t ntoc, next; /* entries, and the next one the decoder asks for */
    bool map;            /* mem is a mapping the graph keeps: arrays point into it instead of being copied */
    bool ckpt;           /* checkpoint sections may come before 'end' */
    uint64_t lazy_at;    /* map: arrays of at least this many bytes are not checksummed now (0: all are) */
    snap_lazy *lazy;     /* those sections (the caller frees the array) */
    uint32_t nlazy, cap_lazy;
} snap_in;

/* The header of the section being read. */
typedef struct snap_sec {
    uint32_t id, index;
    uint64_t len, sum;
    char name[64];
} snap_sec;

/* Sets a QV_EINVAL error; returns -1. */
int snap_in_bad(snap_in *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The file header: magic, version, flags. */
int snap_in_header(snap_in *d);
/* A section holding exactly count entries of elem bytes, read into a new block stored in *slot (a
 * pointer to any pointer type); whatever *slot held before is freed. */
int snap_in_array(snap_in *d, uint32_t id, uint32_t index, uint64_t count, size_t elem, void *slot);
/* A section of small encoded fields, into a new block (*out) the caller frees; s describes it. */
int snap_in_blob(snap_in *d, uint32_t id, uint32_t index, snap_sec *s, uint8_t **out);
/* Notes section l for the background check (d->lazy; offsets within the mapping). */
void snap_in_defer(snap_in *d, const snap_lazy *l);
/* The end marker, and nothing after it. */
int snap_in_end(snap_in *d);
/* Version 2: the payload of section (id, index) wherever it is, checksum verified; 0, or -1 with
 * QV_ENOTFOUND when the file has no such section (other errors: QV_EINVAL). */
int snap_in_find(snap_in *d, uint32_t id, uint32_t index, snap_sec *s, const uint8_t **payload);
/* Version 2: whether a 64-byte header at p (n bytes available) carries this magic and version 2. */
bool snap_in_is_v2(const uint8_t *p, size_t n, const char *magic);

/* A cursor over a blob: reads past the end set `short_` and yield zeros. */
typedef struct snap_cur {
    const uint8_t *p;
    uint64_t n, pos;
    int short_;
} snap_cur;

static inline const uint8_t *snap_take(snap_cur *c, uint64_t n) {
    if (c->short_ || n > c->n - c->pos) {
        c->short_ = 1;
        return NULL;
    }
    const uint8_t *p = c->p + c->pos;
    c->pos += n;
    return p;
}
static inline uint32_t snap_get_u32(snap_cur *c) {
    uint32_t v = 0;
    const uint8_t *p = snap_take(c, 4);
    if (p) memcpy(&v, p, 4);
    return v;
}
static inline uint64_t snap_get_u64(snap_cur *c) {
    uint64_t v = 0;
    const uint8_t *p = snap_take(c, 8);
    if (p) memcpy(&v, p, 8);
    return v;
}
static inline uint8_t snap_get_u8(snap_cur *c) {
    const uint8_t *p = snap_take(c, 1);
    return p ? *p : 0;
}
/* Fails (naming section s) if the cursor ran short or left bytes unread. */
int snap_cur_done(snap_in *d, const snap_cur *c, const snap_sec *s);

#endif
