/* idindex.c — the external-id hash index (see idindex.h).
 *
 * Layout: the 64-bit hash picks a partition (its high 32 bits, scaled to npart) and a home bucket inside
 * it (its low 32 bits, scaled to the partition's bucket count). A bucket is one 64-byte cache line of
 * four slots (full hash + internal id), filled in order; a full bucket overflows into the next one. A
 * lookup reads its home line and compares the four hashes without branches, so the common case costs
 * one cache miss and a well-predicted branch. Batch lookups prefetch the home line and the one after it
 * (where a full bucket's overflow goes) a fixed distance ahead. For int64 keys the hash is a bijection (qv_hash_u64), so equal
 * hashes mean equal keys and the key itself is never read; string keys compare bytes after the hash.
 * Build: (1) blocks of keys hash and count per partition, (2) blocks scatter (hash, id) into partition
 * order, (3) each partition fills its own buckets (load factor <= 2/3, small enough for L2).
 * Must not: copy string keys, or be written after the build.
 */
#include "graph/idindex.h"
#include "graph/gpar.h"
#include "util/buf.h"
#include "util/hash.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gidslot {
    uint64_t h;
    uint32_t id;     /* GIDINDEX_NONE: empty */
    uint32_t pad;
} gidslot;

#define BSLOTS 4
typedef struct gidbucket {
    gidslot s[BSLOTS];
} gidbucket;         /* 64 bytes, 64-byte aligned */

struct gidpart {
    gidbucket *b;
    uint32_t nb;
};

#define PART_TARGET 16384u     /* keys per partition: ~400 KiB of buckets */
#define PART_MAX 65536u
#define BLOCK_MIN 65536u       /* keys per hashing block */

static inline uint32_t part_of(uint64_t h, uint32_t npart) {
    return (uint32_t)(((h >> 32) * (uint64_t)npart) >> 32);
}

static inline uint32_t bucket_of(uint64_t h, uint32_t nb) {
    return (uint32_t)(((h & 0xffffffffull) * (uint64_t)nb) >> 32);
}

static inline uint64_t key_hash_int(int64_t k) { return qv_hash_u64((uint64_t)k); }

static inline uint64_t key_hash_str(const uint64_t *off, const char *str, uint64_t i) {
    return qv_hash_bytes(str + off[i], (size_t)(off[i + 1] - off[i]));
}

static inline bool str_eq(const gidindex *ix, uint32_t id, const char *s, uint64_t len) {
    uint64_t a = ix->str_off[id], b = ix->str_off[id + 1];
    return b - a == len && memcmp(ix->str + a, s, (size_t)len) == 0;
}

/* ---------- build ---------- */

typedef struct build {
    gidindex *ix;
    uint64_t n;
    size_t nblocks;
    uint32_t npart;
    uint32_t *hist;          /* [block * npart + part]: counts, then scatter cursors */
    uint64_t *pstart;        /* npart + 1: partition ranges in tmp */
    uint64_t *slab_off;      /* npart + 1: partition ranges in the bucket slab */
    gidslot *tmp;
    gidbucket *slab;
    uint64_t *dup_first;     /* per partition: smallest id that repeats an earlier key, or UINT64_MAX */
    uint64_t *dup_count;
} build;

static inline uint64_t hash_of(const gidindex *ix, uint64_t i) {
    return ix->is_string ? key_hash_str(ix->str_off, ix->str, i) : key_hash_int(ix->keys[i]);
}

static void pass_count(void *arg, size_t b) {
    build *B = arg;
    uint32_t *h = B->hist + b * B->npart;
    uint64_t lo = gpar_lo(B->n, b, B->nblocks), hi = gpar_lo(B->n, b + 1, B->nblocks);
    for (uint64_t i = lo; i < hi; i++) h[part_of(hash_of(B->ix, i), B->npart)]++;
}

static void pass_scatter(void *arg, size_t b) {
    build *B = arg;
    uint32_t *cur = B->hist + b * B->npart;
    uint64_t lo = gpar_lo(B->n, b, B->nblocks), hi = gpar_lo(B->n, b + 1, B->nblocks);
    for (uint64_t i = lo; i < hi; i++) {
        uint64_t h = hash_of(B->ix, i);
        B->tmp[cur[part_of(h, B->npart)]++] = (gidslot){.h = h, .id = (uint32_t)i};
    }
}

static bool same_key(const gidindex *ix, const gidslot *s, const gidslot *it) {
    if (s->h != it->h) return false;
    return !ix->is_string ||
           str_eq(ix, s->id, ix->str + ix->str_off[it->id], ix->str_off[it->id + 1] - ix->str_off[it->id]);
}

static void pass_fill(void *arg, size_t p) {
    build *B = arg;
    const gidindex *ix = B->ix;
    gidbucket *bk = B->slab + B->slab_off[p];
    uint32_t nb = (uint32_t)(B->slab_off[p + 1] - B->slab_off[p]);
    memset(bk, 0xff, (size_t)nb * sizeof *bk);
    ix->parts[p] = (struct gidpart){.b = bk, .nb = nb};
    uint64_t first = UINT64_MAX, count = 0;
    for (uint64_t j = B->pstart[p]; j < B->pstart[p + 1]; j++) {
        gidslot it = B->tmp[j];
        uint32_t i = bucket_of(it.h, nb);
        for (bool placed = false; !placed;) {
            for (int k = 0; k < BSLOTS && !placed; k++) {
                gidslot *s = &bk[i].s[k];
                if (s->id == GIDINDEX_NONE) {
                    *s = it;
                    placed = true;
                } else if (same_key(ix, s, &it)) {
                    if (first == UINT64_MAX) first = it.id;   /* items arrive in id order */
                    count++;
                    placed = true;
                }
            }
            if (++i == nb) i = 0;
        }
    }
    B->dup_first[p] = first;
    B->dup_count[p] = count;
}

static void free_build(build *B) {
    free(B->hist);
    free(B->pstart);
    free(B->slab_off);
    free(B->tmp);
    free(B->dup_first);
    free(B->dup_count);
}

static int dup_error(const gidindex *ix, uint64_t id, uint64_t count, qv_err *err) {
    char what[96];
    if (ix->is_string) {
        uint64_t len = ix->str_off[id + 1] - ix->str_off[id];
        int show = len > 64 ? 64 : (int)len;
        snprintf(what, sizeof what, "\"%.*s%s\"", show, ix->str + ix->str_off[id], len > 64 ? "..." : "");
    } else {
        snprintf(what, sizeof what, "%lld", (long long)ix->keys[id]);
    }
    if (count > 1)
        return qv_err_set(err, QV_EINVAL,
                          "node id %s appears more than once (%llu repeated node ids in all); node ids must be "
                          "unique across all node batches",
                          what, (unsigned long long)count);
    return qv_err_set(err, QV_EINVAL,
                      "node id %s appears more than once; node ids must be unique across all node batches", what);
}

static int build_index(gidindex *ix, uint64_t n, qv_pool *pool, qv_err *err) {
    ix->n = n;
    ix->npart = 0;
    ix->parts = NULL;
    if (n >= UINT32_MAX)
        return qv_err_set(err, QV_ETOOBIG, "%llu nodes: a graph holds at most %u nodes", (unsigned long long)n,
                          UINT32_MAX - 1);
    if (n == 0) return 0;

    build B = {.ix = ix, .n = n};
    uint32_t np = 1;
    while ((uint64_t)np * PART_TARGET < n && np < PART_MAX) np <<= 1;
    B.npart = np;
    B.nblocks = gpar_tasks(pool, n, BLOCK_MIN);
    B.hist = qv_calloc(B.nblocks * np, sizeof *B.hist);
    B.pstart = qv_malloc(((size_t)np + 1) * sizeof *B.pstart);
    B.slab_off = qv_malloc(((size_t)np + 1) * sizeof *B.slab_off);
    B.dup_first = qv_malloc((size_t)np * sizeof *B.dup_first);
    B.dup_count = qv_malloc((size_t)np * sizeof *B.dup_count);
    B.tmp = gpar_alloc(n * sizeof *B.tmp);
    if (!B.tmp) {
        free_build(&B);
        return qv_err_set(err, QV_ENOMEM, "out of memory building the id index of %llu nodes",
                          (unsigned long long)n);
    }

    gpar_run(pool, B.nblocks, pass_count, &B);

    uint64_t run = 0, slots = 0;
    for (uint32_t p = 0; p < np; p++) {
        B.pstart[p] = run;
        B.slab_off[p] = slots;
        for (size_t b = 0; b < B.nblocks; b++) {
            uint32_t c = B.hist[b * np + p];
            B.hist[b * np + p] = (uint32_t)run;
            run += c;
        }
        uint64_t cnt = run - B.pstart[p];
        slots += (cnt + cnt / 2) / BSLOTS + 1;   /* load factor <= 2/3, and one bucket never full */
    }
    B.pstart[np] = run;
    B.slab_off[np] = slots;

    gpar_run(pool, B.nblocks, pass_scatter, &B);

    B.slab = gpar_alloc_aligned(64, slots * sizeof *B.slab);
    ix->parts = qv_calloc(np, sizeof *ix->parts);
    if (!B.slab) {
        free_build(&B);
        gidindex_free(ix);
        return qv_err_set(err, QV_ENOMEM, "out of memory building the id index of %llu nodes",
                          (unsigned long long)n);
    }
    ix->npart = np;
    gpar_run(pool, np, pass_fill, &B);
    free(B.tmp);
    B.tmp = NULL;

    uint64_t first = UINT64_MAX, count = 0;
    for (uint32_t p = 0; p < np; p++) {
        count += B.dup_count[p];
        if (B.dup_first[p] < first) first = B.dup_first[p];
    }
    free_build(&B);
    if (count) {
        int rc = dup_error(ix, first, count, err);
        gidindex_free(ix);
        return rc;
    }
    return 0;
}

int gidindex_build_int(gidindex *ix, const int64_t *keys, uint64_t n, qv_pool *pool, qv_err *err) {
    memset(ix, 0, sizeof *ix);
    ix->keys = keys;
    return build_index(ix, n, pool, err);
}

int gidindex_build_str(gidindex *ix, const uint64_t *str_off, const char *str, uint64_t n, qv_pool *pool,
                       qv_err *err) {
    memset(ix, 0, sizeof *ix);
    ix->is_string = 1;
    ix->str_off = str_off;
    ix->str = str;
    return build_index(ix, n, pool, err);
}

void gidindex_free(gidindex *ix) {
    if (ix->parts && ix->npart) free(ix->parts[0].b);   /* partition 0 starts the slab */
    free(ix->parts);
    ix->parts = NULL;
    ix->npart = 0;
}

uint64_t gidindex_memory_bytes(const gidindex *ix) {
    uint64_t b = (uint64_t)ix->npart * sizeof(struct gidpart);
    for (uint32_t p = 0; p < ix->npart; p++) b += (uint64_t)ix->parts[p].nb * sizeof(gidbucket);
    return b;
}

/* ---------- lookups ---------- */

static inline const struct gidpart *part_for(const gidindex *ix, uint64_t h) {
    return &ix->parts[part_of(h, ix->npart)];
}

/* s's id if it holds hash h, else r; no branch. */
static inline uint32_t slot_pick(const gidslot *s, uint64_t h, uint32_t r) {
    uint32_t id = s->id, m = (uint32_t)0 - (uint32_t)((s->h == h) & (id != GIDINDEX_NONE));
    return (r & ~m) | (id & m);
}

/* The id whose hash is h, starting at bucket i; GIDINDEX_NONE if absent. */
static inline uint32_t probe_int(const struct gidpart *p, uint64_t h, uint32_t i) {
    const gidbucket *b = p->b + i, *end = p->b + p->nb;
    for (;;) {
        /* All four slots of the line, no early exit, and no branch on which slot matches: a mask selects
         * the id. (Written as `match ? id : r`, gcc -O2 emits a compare-and-jump per slot, which
         * mispredicts about once a lookup, the matching slot being random: callgrind's branch simulation
         * counted 1.3 mispredicts per lookup, and batch lookups ran ~13% slower.) */
        _Static_assert(BSLOTS == 4, "probe_int is written out for four slots");
        uint32_t r = slot_pick(&b->s[0], h, GIDINDEX_NONE);
        r = slot_pick(&b->s[1], h, r);
        r = slot_pick(&b->s[2], h, r);
        r = slot_pick(&b->s[3], h, r);
        if (r != GIDINDEX_NONE || b->s[BSLOTS - 1].id == GIDINDEX_NONE) return r;   /* found, or bucket not full */
        if (++b == end) b = p->b;
    }
}

static inline uint32_t probe_str(const gidindex *ix, const struct gidpart *p, uint64_t h, uint32_t i, const char *s,
                                 uint64_t len) {
    const gidbucket *b = p->b + i, *end = p->b + p->nb;
    for (;;) {
        for (int k = 0; k < BSLOTS; k++) {
            const gidslot *sl = &b->s[k];
            if (sl->id == GIDINDEX_NONE) return GIDINDEX_NONE;
            if (sl->h == h && str_eq(ix, sl->id, s, len)) return sl->id;
        }
        if (++b == end) b = p->b;
    }
}

int64_t gidindex_find_int(const gidindex *ix, int64_t key) {
    if (!ix->npart || ix->is_string) return -1;
    uint64_t h = key_hash_int(key);
    const struct gidpart *p = part_for(ix, h);
    uint32_t v = probe_int(p, h, bucket_of(h, p->nb));
    return v == GIDINDEX_NONE ? -1 : (int64_t)v;
}

int64_t gidindex_find_str(const gidindex *ix, const char *s, uint64_t len) {
    if (!ix->npart || !ix->is_string) return -1;
    uint64_t h = qv_hash_bytes(s, (size_t)len);
    const struct gidpart *p = part_for(ix, h);
    uint32_t v = probe_str(ix, p, h, bucket_of(h, p->nb), s, len);
    return v == GIDINDEX_NONE ? -1 : (int64_t)v;
}

#define AHEAD 16   /* lookups in flight: hashes computed and home buckets prefetched this far ahead */

typedef struct pending {
    const struct gidpart *p;
    uint64_t h;
    uint32_t home;
} pending;

static inline pending start(const gidindex *ix, uint64_t h) {
    const struct gidpart *p = part_for(ix, h);
    pending q = {.p = p, .h = h, .home = bucket_of(h, p->nb)};
    __builtin_prefetch(&p->b[q.home]);
    /* and the line after it: ~9% of keys sit there (home bucket full at load 2/3), and a demand miss on it
     * stalls the whole pipeline; measured ~15% more lookups/s for 4 M keys. (home + 1 <= nb: at most the
     * partition's end, which prefetch never dereferences.) */
    __builtin_prefetch(&p->b[q.home] + 1);
    return q;
}

uint64_t gidindex_resolve_int(const gidindex *ix, const int64_t *keys, uint64_t n, uint32_t *out) {
    if (!ix->npart || ix->is_string) {
        for (uint64_t i = 0; i < n; i++) out[i] = GIDINDEX_NONE;
        return n;
    }
    pending ring[AHEAD];
    uint64_t miss = 0, pre = n < AHEAD ? n : AHEAD;
    for (uint64_t i = 0; i < pre; i++) ring[i] = start(ix, key_hash_int(keys[i]));
    for (uint64_t i = 0; i < n; i++) {
        pending q = ring[i % AHEAD];
        if (i + AHEAD < n) ring[i % AHEAD] = start(ix, key_hash_int(keys[i + AHEAD]));
        uint32_t v = probe_int(q.p, q.h, q.home);
        miss += v == GIDINDEX_NONE;
        out[i] = v;
    }
    return miss;
}

uint64_t gidindex_resolve_str(const gidindex *ix, const uint64_t *off, const char *str, uint64_t n, uint32_t *out) {
    if (!ix->npart || !ix->is_string) {
        for (uint64_t i = 0; i < n; i++) out[i] = GIDINDEX_NONE;
        return n;
    }
    pending ring[AHEAD];
    uint64_t miss = 0, pre = n < AHEAD ? n : AHEAD;
    for (uint64_t i = 0; i < pre; i++) ring[i] = start(ix, key_hash_str(off, str, i));
    for (uint64_t i = 0; i < n; i++) {
        pending q = ring[i % AHEAD];
        if (i + AHEAD < n) ring[i % AHEAD] = start(ix, key_hash_str(off, str, i + AHEAD));
        uint32_t v = probe_str(ix, q.p, q.h, q.home, str + off[i], off[i + 1] - off[i]);
        miss += v == GIDINDEX_NONE;
        out[i] = v;
    }
    return miss;
}
