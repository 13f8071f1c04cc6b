/* greplay.c — bulk node creation for log replay (see greplay.h; wal helper).
 *
 * Owns: gathering replayed node creations into a node pack (gmem_pack.h layout: presence words with ranks,
 * int / float / bool / string columns, whole values when a key holds several types or other kinds, label-set
 * ids, the external-id column and its 4-byte-slot index) and installing it into the current generation of a
 * graph nobody else sees yet. Values are copied once, into the pack's arrays; the id index is built once at
 * the end. Arrays come from gmem_alloc (gpack_free frees them) and grow by doubling.
 * Must not: touch a graph with open views, a compaction in flight, property indexes or a node pack already
 * (greplay_begin checks), or leave anything half-installed (greplay_install checks the ids before it changes
 * the graph).
 */
#include "graph/greplay.h"
#include "graph/gdelta.h"
#include "graph/gmem.h"
#include "graph/gmem_pack.h"
#include "graph/idindex.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PF_MIN (16u << 20)   /* arrays this big (bytes) are faulted in ahead */
#define PF_MAX 32
#define PF_STEP ((size_t)16 << 20)

/* One column being gathered: the gpcol it becomes, with capacities (presence words, values, string bytes). */
typedef struct rcol {
    gpcol c;
    size_t wcap, vcap, bcap;
} rcol;

struct greplay {
    gtxn *t;
    gdelta *d;
    uint64_t lo, n;
    uint64_t hint;              /* rows expected in all (greplay_reserve) */
    uint32_t *lset;             /* label set per row (gmem) */
    size_t lset_cap;
    uint32_t n_lsets, cap_sets, cap_lab;
    uint32_t *lset_off, *lset_lab;   /* malloc'd, as gpack_free expects */
    uint32_t *lslot, lmask;     /* set id + 1 by hash of its labels */
    uint32_t last_set;          /* most runs repeat one label set */
    rcol ext;
    uint64_t *xh;               /* the id index's hash of each row's id (gmem; kept for rebuilds until release) */
    size_t xh_cap;
    rcol *cols;                 /* in order of first use */
    uint32_t ncols, cap_cols;
    uint32_t *keycol, nkeymap;  /* key -> column + 1 */
    qv_arena vals;              /* payloads of whole values (GPC_ANY); becomes the pack's */
    /* installed (greplay_install): the pack shares the arrays above; rows below `installed` are in the graph */
    gpack *pack;
    bool detached;              /* resumed: the pack is out of the generation while rows are added */
    uint64_t installed;
    uint64_t *live;             /* the pack's live bits (gmem) */
    size_t live_cap;
    uint32_t *xtab;             /* the pack's id index (gmem) */
    uint64_t xmask, xsize;
    /* arrays sized for the rows expected (greplay_reserve) have their pages faulted in ahead, on threads of
     * their own (MADV_POPULATE_WRITE: the kernel zeroing fresh pages is otherwise a good part of the builder's
     * time, on the replaying thread); joined before such an array is freed or the pack installed */
    struct prefault {
        void *p;
        pthread_t th;
    } pf[PF_MAX];
    uint32_t npf;
    int pf_stop;                /* set (atomically) to cut the running prefaults short */
};

/* Big arrays are filled front to back at once: 2 MiB pages where the kernel offers them on request (4 KiB page
 * faults otherwise take a good part of the builder's time on a virtual machine). Advice only. */
static void huge(void *p, size_t n) {
    if (n < (8u << 20)) return;
    uintptr_t a = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)((2u << 20) - 1);
    if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
}

typedef struct pfrange {
    void *p;
    size_t n;
    const int *stop;
} pfrange;

/* In 16 MiB steps, so that pf_wait cuts it short at once (an estimate of rows that was too high must not make the
 * replay wait for pages nobody will use). */
static void *pf_main(void *arg) {
    pfrange a = *(pfrange *)arg;
    free(arg);
#ifdef MADV_POPULATE_WRITE
    for (size_t o = 0; o < a.n && !__atomic_load_n(a.stop, __ATOMIC_RELAXED); o += PF_STEP)
        if (madvise((char *)a.p + o, a.n - o < PF_STEP ? a.n - o : PF_STEP, MADV_POPULATE_WRITE) < 0) break;
#endif   /* advice only: an old kernel refuses it, pages fault as before */
    return NULL;
}

/* Faults in p[from..n) (page-aligned inside) on a thread of its own, unless PF_MAX are running already. */
static void pf_start(greplay *r, void *p, size_t from, size_t n) {
    uintptr_t a = ((uintptr_t)p + from + 4095) & ~(uintptr_t)4095, e = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (!r || e <= a || e - a < PF_MIN || r->npf == PF_MAX) return;
    pfrange *x = qv_malloc(sizeof *x);
    *x = (pfrange){(void *)a, e - a, &r->pf_stop};
    if (pthread_create(&r->pf[r->npf].th, NULL, pf_main, x) != 0) {
        free(x);
        return;
    }
    r->pf[r->npf++].p = p;
}

/* Stops and joins the prefault threads of p (NULL: all of them; the others see the stop too and end early). */
static void pf_wait(greplay *r, const void *p) {
    if (!r->npf) return;
    __atomic_store_n(&r->pf_stop, 1, __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < r->npf;) {
        if (p && r->pf[i].p != p) {
            i++;
            continue;
        }
        pthread_join(r->pf[i].th, NULL);
        r->pf[i] = r->pf[--r->npf];
    }
    if (!r->npf) __atomic_store_n(&r->pf_stop, 0, __ATOMIC_RELAXED);
}

/* Gives back the pages of p past its first used bytes (an array sized for more rows than came, and faulted in
 * ahead): they read as zeros if the array grows into them later. */
static void trim(void *p, size_t used, size_t cap) {
    uintptr_t a = ((uintptr_t)p + used + 4095) & ~(uintptr_t)4095, e = ((uintptr_t)p + cap) & ~(uintptr_t)4095;
    if (p && e > a && e - a >= (1u << 20)) (void)madvise((void *)a, e - a, MADV_DONTNEED);
}

/* A gmem array of at least want elements holding the first used of p. scale: the builder expects f times the
 * rows it has (f = greplay_reserve's rows / the rows so far), so the array is sized for that at once: big arrays
 * are mappings, whose pages cost nothing until touched, while each doubling would fault in and copy everything
 * again; such an array's pages are faulted in ahead on another thread (pf_start; r NULL: not). */
static void *grow(greplay *r, void *p, size_t used, size_t *cap, size_t want, size_t elem, bool scale) {
    if (want <= *cap) return p;
    double f = scale && r && r->hint > r->n + 1 ? (double)r->hint / (double)(r->n + 1) : 0;   /* r->n: this row */
    size_t n = *cap ? *cap : 256;
    while (n < want) n *= 2;
    bool ahead = false;
    if (f > 1 && (double)want * f * 1.05 > (double)n && (double)want * f * 1.05 * (double)elem < 1e12) {
        n = (size_t)((double)want * f * 1.05);
        ahead = true;
    }
    void *q = gmem_alloc(n * elem);
    huge(q, n * elem);
    if (ahead) pf_start(r, q, used * elem, n * elem);
    if (used) memcpy(q, p, used * elem);
    if (r && p) pf_wait(r, p);
    gmem_free(p);
    *cap = n;
    return q;
}


static size_t kind_size(uint32_t k) {
    switch (k) {
    case GPC_INT: case GPC_FLOAT: case GPC_STR: return 8;   /* STR: offsets */
    case GPC_BOOL: return 1;
    default: return sizeof(qval);
    }
}

/* A key that changes type: its values so far become whole values (strings copied into the arena). */
static void col_to_any(greplay *g, rcol *r, qv_arena *a) {
    gpcol *c = &r->c;
    size_t cap = 0;
    qval *v = grow(NULL, NULL, 0, &cap, c->n_present + 1, sizeof *v, false);
    for (uint64_t i = 0; i < c->n_present; i++) v[i] = gval_copy(a, gpack_col_val(c, i));
    pf_wait(g, c->vals);
    pf_wait(g, c->bytes);
    gmem_free(c->vals);
    gmem_free(c->bytes);
    c->vals = v;
    c->bytes = NULL;
    r->vcap = cap;
    r->bcap = 0;
    c->kind = GPC_ANY;
}

/* The slow part of col_put: a first value, a change of type, room for more rows or values. */
static void col_prepare(greplay *g, rcol *r, uint64_t row, uint32_t k, qv_arena *a) {
    gpcol *c = &r->c;
    if (c->kind == GPC_NONE) {
        c->kind = k;
        if (k == GPC_STR) {
            c->vals = grow(g, NULL, 0, &r->vcap, 64, 8, false);
            ((uint64_t *)c->vals)[0] = 0;
        }
    } else if (c->kind != k && c->kind != GPC_ANY) {
        col_to_any(g, r, a);
    }
    size_t word = (size_t)(row >> 6);
    if (word >= r->wcap) {
        size_t old = r->wcap;
        c->w = grow(g, c->w, old, &r->wcap, word + 1, sizeof *c->w, true);
        memset(c->w + old, 0, (r->wcap - old) * sizeof *c->w);
    }
    uint64_t i = c->n_present;
    if (c->kind == GPC_STR) c->vals = grow(g, c->vals, (size_t)i + 1, &r->vcap, (size_t)i + 2, 8, true);
    else c->vals = grow(g, c->vals, (size_t)i, &r->vcap, (size_t)i + 1, kind_size(c->kind), true);
}

static inline __attribute__((always_inline)) void col_put(greplay *g, rcol *r, uint64_t row, const qval *x, qv_arena *a) {
    gpcol *c = &r->c;
    uint32_t k = gpack_kind_of(*x);
    uint64_t i = c->n_present;
    if (__builtin_expect(c->kind != k || (row >> 6) >= r->wcap || i + 2 > r->vcap, 0)) col_prepare(g, r, row, k, a);
    c->w[row >> 6].bits |= 1ull << (row & 63);
    c->n_present = i + 1;
    switch (c->kind) {
    case GPC_INT: ((int64_t *)c->vals)[i] = x->i; break;
    case GPC_FLOAT: ((double *)c->vals)[i] = x->f; break;
    case GPC_BOOL: ((uint8_t *)c->vals)[i] = x->b; break;
    case GPC_STR: {
        uint64_t *off = c->vals, o = off[i];
        if (o + x->len + 1 > r->bcap) c->bytes = grow(g, c->bytes, o, &r->bcap, o + x->len + 1, 1, true);
        if (x->len) memcpy(c->bytes + o, x->s, x->len);
        off[i + 1] = o + x->len;
        break;
    }
    default: ((qval *)c->vals)[i] = gval_copy(a, *x); break;
    }
}

/* Presence words for exactly nrows rows (zeroed past the last value), with their ranks from row `from` on (the
 * words before it are ranked already: rows are only appended). */
static void col_finish(greplay *g, rcol *r, uint64_t nrows, uint64_t from) {
    gpcol *c = &r->c;
    size_t words = (size_t)((nrows + 63) / 64), old = r->wcap;
    c->w = grow(g, c->w, old, &r->wcap, words ? words : 1, sizeof *c->w, false);
    if (r->wcap > old) memset(c->w + old, 0, (r->wcap - old) * sizeof *c->w);
    size_t w0 = (size_t)(from >> 6);
    uint64_t rank = w0 ? c->w[w0 - 1].rank + (uint64_t)__builtin_popcountll(c->w[w0 - 1].bits) : 0;
    for (size_t i = w0; i < words; i++) {
        c->w[i].rank = rank;
        rank += (uint64_t)__builtin_popcountll(c->w[i].bits);
    }
    if (!c->vals) c->vals = gmem_alloc(8);
    if (c->kind == GPC_STR && !c->bytes) c->bytes = gmem_alloc(1);
}

static void col_drop(rcol *r) {
    gmem_free(r->c.w);
    gmem_free(r->c.vals);
    gmem_free(r->c.bytes);
    memset(r, 0, sizeof *r);
}

greplay *greplay_begin(gtxn *t) {
    gdelta *d = t->d;
    const ggen *gen = d->gen;
    if (gen->npack || d->n_idx) return NULL;
    if (d->compacting && !LOAD(&d->compact_done)) return NULL;
    for (uint32_t i = 0; i < GEPOCHS; i++)
        if (LOAD(&d->readers[i])) return NULL;
    greplay *r = qv_calloc(1, sizeof *r);
    r->t = t;
    r->d = d;
    r->lo = d->nodes_hwm;
    r->ext.c.key = UINT32_MAX;
    r->last_set = UINT32_MAX;
    qv_arena_init(&r->vals);
    return r;
}

uint64_t greplay_count(const greplay *r) { return r->n; }
void greplay_reserve(greplay *r, uint64_t rows) { r->hint = rows; }
uint64_t greplay_next_id(const greplay *r) { return r->lo + r->n; }

static uint64_t lset_hash(const uint32_t *l, uint32_t n) { return n ? qv_hash_bytes(l, n * sizeof *l) | 1 : 1; }

static bool lset_is(const greplay *r, uint32_t s, const uint32_t *l, uint32_t n) {
    uint32_t o = r->lset_off[s];
    return r->lset_off[s + 1] - o == n && (!n || !memcmp(r->lset_lab + o, l, n * sizeof *l));
}

static uint32_t lset_intern(greplay *r, const uint32_t *l, uint32_t n) {
    if (r->last_set != UINT32_MAX && lset_is(r, r->last_set, l, n)) return r->last_set;
    if ((r->n_lsets + 1) * 2 > r->lmask + 1) {   /* rehash at half load */
        uint32_t size = r->lmask ? (r->lmask + 1) * 2 : 64;
        free(r->lslot);
        r->lslot = qv_calloc(size, sizeof *r->lslot);
        r->lmask = size - 1;
        for (uint32_t s = 0; s < r->n_lsets; s++) {
            uint32_t o = r->lset_off[s];
            uint32_t i = (uint32_t)lset_hash(r->lset_lab + o, r->lset_off[s + 1] - o) & r->lmask;
            while (r->lslot[i]) i = (i + 1) & r->lmask;
            r->lslot[i] = s + 1;
        }
    }
    uint32_t i = (uint32_t)lset_hash(l, n) & r->lmask;
    for (; r->lslot[i]; i = (i + 1) & r->lmask)
        if (lset_is(r, r->lslot[i] - 1, l, n)) return r->last_set = r->lslot[i] - 1;
    uint32_t s = r->n_lsets++, o = s ? r->lset_off[s] : 0;
    if (r->n_lsets + 1 > r->cap_sets) {
        r->cap_sets = r->cap_sets ? r->cap_sets * 2 : 16;
        r->lset_off = qv_realloc(r->lset_off, r->cap_sets * sizeof *r->lset_off);
    }
    if (o + n > r->cap_lab) {
        while (o + n > r->cap_lab) r->cap_lab = r->cap_lab ? r->cap_lab * 2 : 64;
        r->lset_lab = qv_realloc(r->lset_lab, r->cap_lab * sizeof *r->lset_lab);
    }
    r->lset_off[s] = o;
    if (n) memcpy(r->lset_lab + o, l, n * sizeof *l);
    r->lset_off[s + 1] = o + n;
    r->lslot[i] = s + 1;
    return r->last_set = s;
}

static rcol *col_new(greplay *r, uint32_t key);

static inline rcol *col_of(greplay *r, uint32_t key) {
    if (__builtin_expect(key < r->nkeymap && r->keycol[key], 1)) return &r->cols[r->keycol[key] - 1];
    return col_new(r, key);
}

static rcol *col_new(greplay *r, uint32_t key) {
    if (key >= r->nkeymap) {
        uint32_t n = r->nkeymap ? r->nkeymap : 16;
        while (n <= key) n *= 2;
        r->keycol = qv_realloc(r->keycol, n * sizeof *r->keycol);
        memset(r->keycol + r->nkeymap, 0, (n - r->nkeymap) * sizeof *r->keycol);
        r->nkeymap = n;
    }
    if (!r->keycol[key]) {
        if (r->ncols == r->cap_cols) {
            r->cap_cols = r->cap_cols ? r->cap_cols * 2 : 8;
            r->cols = qv_realloc(r->cols, r->cap_cols * sizeof *r->cols);
        }
        memset(&r->cols[r->ncols], 0, sizeof *r->cols);
        r->cols[r->ncols].c.key = key;
        r->keycol[key] = ++r->ncols;
    }
    return &r->cols[r->keycol[key] - 1];
}

uint64_t greplay_ext_hash(qval ext) { return gext_hash(ext) | 1; }

int greplay_node(greplay *r, uint64_t id, qval ext, uint64_t ext_hash, const uint32_t *labels, uint32_t nl,
                 const gprop *props, uint32_t np, qv_err *err) {
    graph *g = r->t->g;
    if (id != r->lo + r->n)
        return qv_err_set(err, QV_EINVAL, "node %llu was recorded where node %llu comes next", (unsigned long long)id,
                          (unsigned long long)(r->lo + r->n));
    if (id >= (1ull << (GCHUNK_BITS + 18)) - 1)
        return qv_err_set(err, QV_ETOOBIG, "the graph has reached its node limit (2^32 ids)");
    if (ext.type != QT_INT && ext.type != QT_STRING)
        return qv_err_set(err, QV_EINVAL, "node %llu has a %s id", (unsigned long long)id,
                          ext.type == QT_NULL ? "missing" : "non-integer, non-string");
    for (uint32_t i = 0; i < nl; i++)
        if (labels[i] >= g->labels.count || (i && labels[i] <= labels[i - 1]))
            return qv_err_set(err, QV_EINVAL, "node %llu: label id %u is unknown or out of order", (unsigned long long)id,
                              labels[i]);
    for (uint32_t i = 0; i < np; i++)
        if (props[i].key >= g->prop_keys.count || (i && props[i].key <= props[i - 1].key) ||
            qv_is_null(props[i].value) || (props[i].value.type > QT_STRING && !gvalue_storable(props[i].value)))
            return qv_err_set(err, QV_EINVAL, "node %llu: property key %u is unknown, out of order or not storable",
                              (unsigned long long)id, props[i].key);
    uint64_t row = r->n;
    uint32_t s = lset_intern(r, labels, nl);
    r->lset = grow(r, r->lset, (size_t)row, &r->lset_cap, (size_t)row + 1, sizeof *r->lset, true);
    r->lset[row] = s;
    r->xh = grow(r, r->xh, (size_t)row, &r->xh_cap, (size_t)row + 1, sizeof *r->xh, true);
    r->xh[row] = ext_hash;
    col_put(r, &r->ext, row, &ext, &r->vals);
    for (uint32_t i = 0; i < np; i++) col_put(r, col_of(r, props[i].key), row, &props[i].value, &r->vals);
    r->n++;
    return 0;
}

static int col_key_cmp(const void *a, const void *b) {
    uint32_t x = ((const gpcol *)a)->key, y = ((const gpcol *)b)->key;
    return x < y ? -1 : x > y;
}

/* Rows of one hash met while placing (the builder looks no id up: see ext_check). */
typedef struct xsame {
    gxpair *p;
    uint64_t n, cap;
} xsame;

static void xtab_place(greplay *r, uint64_t row, uint64_t h, xsame *same) {
    uint64_t i = h & r->xmask;
    for (; r->xtab[i]; i = (i + 1) & r->xmask)
        if (r->xh[r->xtab[i] - 1] == h) GPUSH(same->p, same->n, same->cap, ((gxpair){r->xtab[i] - 1, row}));
    r->xtab[i] = (uint32_t)(row + 1);
}

/* Rows a..b-1 into the table, each slot taken by compare-and-swap when another thread fills it too (a probe
 * chain's order does not matter: lookups compare ids). Entries are never removed, so of two rows of one hash
 * the one placed second passes the first (noted in *same), whichever thread placed it. */
static void xtab_range(greplay *r, uint64_t a, uint64_t b, bool shared, xsame *same) {
    enum { AHEAD = 16 };
    uint32_t *tab = r->xtab;
    uint64_t mask = r->xmask;
    for (uint64_t row = a; row < b && row < a + AHEAD; row++) __builtin_prefetch(&tab[r->xh[row] & mask], 1);
    for (uint64_t row = a; row < b; row++) {
        if (row + AHEAD < b) __builtin_prefetch(&tab[r->xh[row + AHEAD] & mask], 1);
        if (!shared) {
            xtab_place(r, row, r->xh[row], same);
            continue;
        }
        uint64_t h = r->xh[row];
        for (uint64_t i = h & mask;; i = (i + 1) & mask) {
            uint32_t e = __atomic_load_n(&tab[i], __ATOMIC_RELAXED);
            if (!e && __atomic_compare_exchange_n(&tab[i], &e, (uint32_t)(row + 1), false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                break;
            if (e && r->xh[e - 1] == h) GPUSH(same->p, same->n, same->cap, ((gxpair){e - 1, row}));
        }
    }
}

typedef struct xpart {
    greplay *r;
    uint64_t a, b;
    xsame same;
} xpart;

static void *xtab_main(void *arg) {
    xpart *x = arg;
    xtab_range(x->r, x->a, x->b, true, &x->same);
    return NULL;
}

/* The external-id index: row + 1 per slot, load <= 3/4, hashed as gpack_find_ext probes, with rows from..n-1
 * added (the hashes were computed as the rows came; slots are random: each is prefetched some rows ahead of its
 * insertion). A table too small for n rows is rebuilt at least twice as big, so a builder installed many times
 * costs O(1) per row. Many rows (a log's run of creations ends with millions, and each insertion is a cache
 * miss) are split with a second thread: the other core is idle at the end of a replay. */
#define XTAB_PAR (1u << 20)
static void xtab_add(greplay *r, uint64_t from, uint64_t n, xsame *same) {
    if (r->xsize * 3 < n * 4 + 4) {
        uint64_t size = r->xsize ? r->xsize : 16;
        while (size * 3 < n * 4 + 4) size *= 2;
        gmem_free(r->xtab);
        r->xtab = gmem_calloc(size, sizeof *r->xtab);
        huge(r->xtab, size * sizeof *r->xtab);
        r->xsize = size;
        r->xmask = size - 1;
        from = 0;   /* every row again */
    }
    pthread_t th;
    xpart half = {r, from + (n - from) / 2, n, {0}};
    if (n - from >= XTAB_PAR && pthread_create(&th, NULL, xtab_main, &half) == 0) {
        xtab_range(r, from, half.a, true, same);
        pthread_join(th, NULL);
        for (uint64_t i = 0; i < half.same.n; i++) GPUSH(same->p, same->n, same->cap, half.same.p[i]);
        free(half.same.p);
    } else {
        xtab_range(r, from, n, false, same);
    }
}

/* Rows from..n-1 against the graph's other nodes: the loader's base (its id index looked up in prefetched batches
 * when the column holds ids of the base's kind, a recovery over an Arrow-loaded checkpoint: one cache miss a row
 * otherwise), then the table of nodes created through gtxn when it has any. */
static int ext_check_graph(greplay *r, uint64_t from, uint64_t n, qv_err *err) {
    enum { B = 1024 };
    graph *g = r->d->g;
    gview *v = gtxn_view(r->t);
    const gpcol *c = &r->ext.c;
    const gxtab *t = r->d->gen->ext;
    bool ints = c->kind == GPC_INT && g->id_type == GRAPH_ID_INTEGER && g->ext_ids;
    bool strs = c->kind == GPC_STR && g->id_type == GRAPH_ID_STRING && g->ext_str_off;
    uint32_t hit[B];
    for (uint64_t a = from; r->d->base_nodes && a < n; a += B) {
        uint64_t k = n - a < B ? n - a : B;
        if (ints) {
            gidindex_resolve_int(&g->idx, (const int64_t *)c->vals + a, k, hit);
        } else if (strs) {
            gidindex_resolve_str(&g->idx, (const uint64_t *)c->vals + a, c->bytes, k, hit);
        } else {
            for (uint64_t i = 0; i < k; i++) {
                uint64_t id = gv_node_by_packed_ext_id(v, gpack_col_val(c, a + i));
                hit[i] = id == GID_NONE ? GIDINDEX_NONE : (uint32_t)id;
            }
        }
        for (uint64_t i = 0; i < k; i++)
            if (hit[i] != GIDINDEX_NONE && gv_node_live(v, hit[i]))
                return gext_err_taken(err, hit[i], r->lo + a + i, gpack_col_val(c, a + i));
    }
    for (uint64_t row = from; t && t->used && row < n; row++) {
        qval x = gpack_col_val(c, row);
        uint64_t id = gv_node_by_new_ext_id(v, x);
        if (id != GID_NONE) return gext_err_taken(err, id, r->lo + row, x);
    }
    return 0;
}

/* The ids of rows from..n-1 (the ext column finished, every row present: rank = row), checked before anything
 * goes into the graph: the log's creations are not looked up as they come, so a log whose checksums hold over
 * records no writer made could give two live nodes one id. Rows of one hash met in the table (same) are
 * compared; the graph's other nodes (the loader's base, the table of nodes created through gtxn) are looked up
 * when there are any (the pack is not in the generation while rows are added). */
static int ext_check(greplay *r, uint64_t from, uint64_t n, const xsame *same, qv_err *err) {
    const gpcol *c = &r->ext.c;
    for (uint64_t i = 0; i < same->n; i++) {
        qval a = gpack_col_val(c, same->p[i].a), b = gpack_col_val(c, same->p[i].b);
        if (a.type == b.type && gval_eq(a, b)) return gext_err_taken(err, r->lo + same->p[i].a, r->lo + same->p[i].b, a);
    }
    return ext_check_graph(r, from, n, err);
}

/* Room for `more` ids in a label's delta vector, at once rather than by doubling (a copy of everything each time).
 * The vector is replaced as gvec_push replaces it (the old one retired); the graph is not visible, so the ids
 * appended into it are plain stores. */
static void lab_reserve(gdelta *d, gvec **holder, uint64_t more) {
    gvec *v = *holder;
    uint64_t n = v ? v->n : 0;
    if (v && v->cap - n >= more) return;
    uint64_t cap = n + more;
    gvec *nv = qv_malloc(sizeof *nv + cap * sizeof(uint64_t));
    huge(nv, sizeof *nv + cap * sizeof(uint64_t));
    nv->cap = cap;
    nv->n = n;
    if (n) memcpy(nv->a, v->a, n * sizeof(uint64_t));
    STORE(holder, nv);
    if (v) gdelta_retire(d, v, free);
}

static void count_label(gtxn *t, uint32_t label, uint64_t k) {
    if (label >= t->n_lc) {
        t->label_count = qv_realloc(t->label_count, ((size_t)label + 2) * sizeof *t->label_count);
        memset(t->label_count + t->n_lc, 0, ((size_t)label + 1 - t->n_lc) * sizeof *t->label_count);
        t->n_lc = label + 1;
    }
    t->label_count[label] += k;
}

int greplay_install(greplay *r, qv_err *err) {
    gtxn *t = r->t;
    gdelta *d = r->d;
    ggen *gen = d->gen;
    uint64_t from = r->installed, n = r->n;
    if (!n) return 0;
    if (r->npf) {   /* the pack's arrays go into the graph: nothing of ours touches them after this */
        pf_wait(r, NULL);
        trim(r->lset, n * sizeof *r->lset, r->lset_cap * sizeof *r->lset);
        trim(r->xh, n * sizeof *r->xh, r->xh_cap * sizeof *r->xh);
        for (uint32_t i = 0; i <= r->ncols; i++) {
            rcol *c = i < r->ncols ? &r->cols[i] : &r->ext;
            size_t k = kind_size(c->c.kind), nv = c->c.n_present + (c->c.kind == GPC_STR);
            trim(c->c.vals, nv * k, c->vcap * k);
            if (c->c.kind == GPC_STR && c->c.vals) trim(c->c.bytes, ((const uint64_t *)c->c.vals)[c->c.n_present], c->bcap);
        }
    }
    col_finish(r, &r->ext, n, from);
    xsame same = {0};
    xtab_add(r, from, n, &same);
    int rc = ext_check(r, from, n, &same, err);
    free(same.p);
    if (rc < 0) return -1;
    gpack *p = r->pack;
    if (!p) {
        p = r->pack = qv_calloc(1, sizeof *p);
        p->refs = 1;
        p->lo = r->lo;
    }
    /* live bits: every row gathered is a live node */
    size_t words = (size_t)((n + 63) / 64) + 1, had = r->live_cap;
    r->live = grow(r, r->live, had, &r->live_cap, words, sizeof *r->live, false);
    if (r->live_cap > had) memset(r->live + had, 0, (r->live_cap - had) * sizeof *r->live);
    for (uint64_t row = from; row < n; row++) r->live[row >> 6] |= 1ull << (row & 63);
    p->n = p->live_count = n;
    p->live = r->live;
    p->lset = r->lset;
    p->n_lsets = r->n_lsets;
    p->lset_off = r->lset_off;
    p->lset_lab = r->lset_lab;
    p->ext = r->ext.c;
    p->xtab = r->xtab;
    p->xmask = r->xmask;
    free(p->cols);
    free(p->keycol);
    p->ncols = r->ncols;
    p->nkeys = 0;
    p->cols = qv_calloc((size_t)r->ncols + 1, sizeof *p->cols);
    for (uint32_t i = 0; i < r->ncols; i++) {
        col_finish(r, &r->cols[i], n, from);
        p->cols[i] = r->cols[i].c;
        if (r->cols[i].c.key + 1 > p->nkeys) p->nkeys = r->cols[i].c.key + 1;
    }
    qsort(p->cols, p->ncols, sizeof *p->cols, col_key_cmp);
    p->keycol = qv_calloc((size_t)p->nkeys + 1, sizeof *p->keycol);
    for (uint32_t i = 0; i < p->ncols; i++) p->keycol[p->cols[i].key] = i + 1;
    p->vals = r->vals;   /* the arena goes with the pack (and comes back on resume) */
    qv_arena_init(&r->vals);
    STORE(&gen->npack, p);   /* nobody else sees the graph (greplay_begin / greplay_resume): in place */
    r->detached = false;
    /* the new rows: label lists (each node once, ascending) and counts */
    uint64_t *per_set = qv_calloc((size_t)r->n_lsets + 1, sizeof *per_set);
    for (uint64_t row = from; row < n; row++) per_set[p->lset[row]]++;
    uint32_t nlab = 0;
    for (uint32_t k = 0; k < r->lset_off[r->n_lsets]; k++)
        if (r->lset_lab[k] + 1 > nlab) nlab = r->lset_lab[k] + 1;
    uint64_t *per_lab = qv_calloc((size_t)nlab + 1, sizeof *per_lab);
    for (uint32_t s = 0; s < r->n_lsets; s++)
        for (uint32_t k = r->lset_off[s]; k < r->lset_off[s + 1] && per_set[s]; k++) {
            count_label(t, r->lset_lab[k], per_set[s]);
            per_lab[r->lset_lab[k]] += per_set[s];
        }
    for (uint32_t l = 0; l < nlab; l++)
        if (per_lab[l]) lab_reserve(d, &gen->lab_delta[l], per_lab[l]);
    free(per_lab);
    for (uint64_t row = from; row < n; row++) {   /* room made above: plain appends, published once below */
        uint32_t s = p->lset[row];
        for (uint32_t k = p->lset_off[s]; k < p->lset_off[s + 1]; k++) {
            gvec *v = gen->lab_delta[p->lset_lab[k]];
            v->a[v->n++] = p->lo + row;
        }
    }
    free(per_set);
    t->node_count += n - from;
    d->nodes_hwm = p->lo + n;
    t->replay_wrote = true;
    t->view.miss_valid = false;
    r->installed = n;
    return 0;
}

bool greplay_resume(greplay *r, gtxn *t) {
    gdelta *d = t->d;
    gpack *p = r->pack;
    if (!p || r->detached || d != r->d || LOAD(&d->gen->npack) != p || LOAD(&p->refs) != 1 ||
        d->nodes_hwm != r->lo + r->n || d->n_idx)
        return false;
    if (d->compacting && !LOAD(&d->compact_done)) return false;
    for (uint32_t i = 0; i < GEPOCHS; i++)
        if (LOAD(&d->readers[i])) return false;
    STORE(&d->gen->npack, NULL);   /* out while rows are added (its arrays may move); back at install */
    qv_arena_free(&r->vals);
    r->vals = p->vals;
    qv_arena_init(&p->vals);
    r->detached = true;
    r->t = t;
    return true;
}

/* The builder's own bookkeeping; the arrays stay with the installed pack. */
static void release(greplay *r) {
    pf_wait(r, NULL);
    gmem_free(r->xh);
    free(r->lslot);
    free(r->cols);
    free(r->keycol);
    qv_arena_free(&r->vals);
    free(r);
}

void greplay_release(greplay *r) {
    if (!r) return;
    if (!r->pack || r->detached) {   /* nothing in the graph holds its arrays */
        greplay_free(r);
        return;
    }
    release(r);
}

int greplay_finish(greplay *r, qv_err *err) {
    if (greplay_install(r, err) < 0) {
        greplay_free(r);
        return -1;
    }
    greplay_release(r);
    return 0;
}

void greplay_free(greplay *r) {
    if (!r) return;
    pf_wait(r, NULL);
    if (r->pack && !r->detached) {   /* installed and not resumed: the graph's pack owns the arrays */
        release(r);
        return;
    }
    if (r->pack) {   /* resumed: the pack is out of the graph, its arrays are the builder's */
        free(r->pack->cols);
        free(r->pack->keycol);
        free(r->pack);
    }
    gmem_free(r->live);
    gmem_free(r->xtab);
    gmem_free(r->lset);
    free(r->lset_off);
    free(r->lset_lab);
    col_drop(&r->ext);
    for (uint32_t i = 0; i < r->ncols; i++) col_drop(&r->cols[i]);
    release(r);
}
