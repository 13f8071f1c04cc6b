/* csr.c — the parallel CSR build (see csr.h).
 *
 * A counting sort in two cache-friendly passes instead of one random scatter. Nodes are grouped into
 * buckets of 2^shift consecutive ids (a few thousand buckets). Outgoing side: (A) blocks of input rows
 * count their relationships per source bucket; a bucket-major prefix gives each (bucket, block) a write
 * cursor, and since buckets are node ranges, bucket k's range is exactly its nodes' part of the CSR;
 * (B) blocks append each relationship, packed in 8 bytes (target, type, source within the bucket), to its
 * bucket's range: a few thousand sequential streams; (C) each bucket, now small enough for the cache,
 * counts per node (out_off), scatters into out_tgt/rel_type (after a presort by the targets' top bits and
 * by type, csr_radix.c, when segments average 2+ rows) and sorts each node's segment by (type, target).
 * Every pass keeps input order, so segments hold ties in input order whatever the thread timing.
 * Incoming side: the same over target buckets, with blocks along relationship ids, so each target's list
 * is in ascending relationship-id order. Property columns follow the permutation recorded on the way.
 * Must not: allocate per relationship, or hold locks.
 */
#include "graph/csr.h"
#include "graph/csr_int.h"
#include "graph/gcol.h"
#include "graph/gpar.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

/* Frees what a stage owns of its topology (endpoints in an arena stay until the arena goes). */
static void drop_topology(grel_stage *s) {
    if (!s->in_arena) {
        free(s->src);
        free(s->tgt);
    }
    free(s->type);
    s->src = s->tgt = NULL;
    s->type = NULL;
}

void grel_stage_free(grel_stage *s) {
    if (!s) return;
    drop_topology(s);
    free(s->pre_hist);
    free(s->pre_types);
    for (int i = 0; i < s->ncols; i++) gchunk_col_free(&s->cols[i]);
    free(s->cols);
    free(s);
}

uint64_t grel_stage_bytes(const grel_stage *s) {
    uint64_t b = sizeof *s + (s->src ? s->n * 4 : 0) + (s->tgt ? s->n * 4 : 0) + (s->type ? s->n * 2 : 0);
    if (s->pre_hist) b += (uint64_t)s->pre_nbk * 4 + (uint64_t)s->pre_ntypes * 8;
    for (int i = 0; i < s->ncols; i++) b += sizeof(gchunk_col) + gchunk_col_bytes(&s->cols[i], s->n);
    return b;
}

typedef struct csr {
    graph *g;
    grel_stage *const *st;
    size_t k;
    gslab *arena;
    uint64_t *base;            /* k + 1: first input row of each stage */
    const bool *und;
    uint32_t ntypes;
    const int *cancel;
    uint64_t n, m;             /* nodes, relationships stored */
    unsigned shift;            /* a bucket holds nodes [b << shift, (b + 1) << shift) */
    uint64_t nbk;              /* buckets */
    size_t nb;                 /* blocks: input rows (outgoing side), then nodes (incoming side) */
    uint64_t *blk;             /* nb + 1 */
    uint32_t *hist;            /* nb * nbk: counts, then write cursors */
    uint64_t *tcnt;            /* nb * ntypes */
    uint64_t *bk;              /* nbk + 1: bucket ranges */
    size_t nbt;                /* bucket tasks: each finishes a run of buckets with one scratch */
    uint16_t *loc;             /* m: node within its bucket (source, then target) */
    uint32_t *perm;            /* m: input row of each relationship (only with property columns) */
    bool any_und;              /* some type is stored in both directions */
    bool rt0;                  /* every stored relationship has type 0: rel_type is left as the zero pages
                                * calloc maps (never written, so never resident), and segments sort on
                                * targets alone */
} csr;

static bool cancelled(const csr *C) { return C->cancel && __atomic_load_n(C->cancel, __ATOMIC_RELAXED); }

static size_t stage_at(const csr *C, uint64_t row) {   /* last stage with base <= row */
    size_t lo = 0, hi = C->k;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (C->base[mid] <= row) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Smaller buckets while one would hold more than ~32k relationships (so a bucket's work stays in the
 * cache) or there are too few to share among the threads; at most ~4096 of them, so the partition
 * pass writes few enough streams; at most 2^16 nodes each, so a node within its bucket fits 16 bits. */
static unsigned pick_shift(uint64_t n, uint64_t m, int threads) {
    unsigned s = 16;
    while (s > 4) {
        uint64_t nbk = ((n - 1) >> s) + 1, finer = ((n - 1) >> (s - 1)) + 1;
        bool shrink = m / nbk > 32768 || nbk < 4 * (uint64_t)threads;
        if (!shrink || finer > 4096) break;
        s--;
    }
    return s;
}

/* The finest shift pick_shift can choose for n nodes (it never goes below it): the smallest one that
 * leaves at most 4096 buckets, within [4, 16]. */
static unsigned fine_shift(uint64_t n) {
    unsigned s = 16;
    while (s > 4 && ((n - 1) >> (s - 1)) + 1 <= 4096) s--;
    return s;
}

void gcsr_precount(grel_stage *s, uint64_t n) {
    if (n == 0 || s->pre_hist) return;
    unsigned sh = fine_shift(n);
    uint64_t nbk = ((n - 1) >> sh) + 1;
    if (s->n < 4 * nbk) return;   /* the histogram would cost more than a byte per row */
    uint32_t nt = 1;
    if (s->type)
        for (uint64_t j = 0; j < s->n; j++) nt = s->type[j] >= nt ? s->type[j] + 1u : nt;
    else nt = s->common_type + 1u;
    uint32_t *h = calloc(nbk, sizeof *h);
    uint64_t *tc = calloc(nt, sizeof *tc);
    if (!h || !tc) {   /* optional: the build counts this stage itself */
        free(h);
        free(tc);
        return;
    }
    const uint32_t *src = s->src;
    const uint16_t *ty = s->type;
    uint64_t kept = 0;
    for (uint64_t j = 0; j < s->n; j++) {
        uint32_t u = src[j];
        if (u == GCSR_NONE) continue;
        h[u >> sh]++;
        if (ty) tc[ty[j]]++;
        else kept++;
    }
    if (!ty) tc[s->common_type] = kept;
    s->pre_hist = h;
    s->pre_types = tc;
    s->pre_ntypes = nt;
    s->pre_nbk = (uint32_t)nbk;
}

/* Whether runs of whole stages can be the blocks of the outgoing count: all precounted, at least one per
 * thread, and no undirected type. */
static bool use_precount(const csr *C, int threads) {
    if (C->k < (size_t)threads) return false;
    for (uint32_t t = 0; t < C->ntypes; t++)
        if (C->und[t]) return false;
    for (size_t i = 0; i < C->k; i++)
        if (!C->st[i]->pre_hist || C->st[i]->pre_ntypes > C->ntypes) return false;
    return true;
}

/* (A) from the precounts: block b is the run of stages [gpar_lo(k, b, nb), gpar_lo(k, b + 1, nb)); their
 * fine buckets are summed into the build's buckets, and their histograms freed (the build's peak follows). */
static void t_pre_count(void *arg, size_t b) {
    csr *C = arg;
    uint32_t *h = C->hist + b * C->nbk;
    uint64_t *tc = C->tcnt + b * C->ntypes;
    unsigned d = C->shift - fine_shift(C->n);
    uint64_t fine = ((C->n - 1) >> fine_shift(C->n)) + 1;
    for (size_t i = gpar_lo(C->k, b, C->nb); i < gpar_lo(C->k, b + 1, C->nb); i++) {
        grel_stage *s = C->st[i];
        for (uint64_t f = 0; f < fine; f++) h[f >> d] += s->pre_hist[f];
        for (uint32_t t = 0; t < s->pre_ntypes; t++) tc[t] += s->pre_types[t];
        free(s->pre_hist);
        free(s->pre_types);
        s->pre_hist = NULL;
        s->pre_types = NULL;
    }
}

static inline uint64_t nodes_in(const csr *C, uint64_t k) {
    uint64_t v0 = k << C->shift, w = (uint64_t)1 << C->shift;
    return C->n - v0 < w ? C->n - v0 : w;
}

/* Bucket-major prefix over the per-block counts: bk[k] and per-(block, bucket) cursors. */
static uint64_t bucket_prefix(csr *C) {
    uint64_t run = 0;
    for (uint64_t k = 0; k < C->nbk; k++) {
        C->bk[k] = run;
        for (size_t b = 0; b < C->nb; b++) {
            uint32_t *h = &C->hist[b * C->nbk + k];
            uint32_t c = *h;
            *h = (uint32_t)run;
            run += c;
        }
    }
    C->bk[C->nbk] = run;
    return run;
}

/* Per-task scratch for finishing buckets. */
typedef struct bscratch {
    uint32_t *cur;             /* 2^shift + 1 cursors */
    gcsr_scratch copy;         /* a bucket's rows, copied before they are scattered */
    gcsr_scratch sort;
} bscratch;

/* Counts per node of bucket k (from loc) and turns them into cursors; writes off[] for its nodes. */
static void bucket_offsets(const csr *C, uint64_t k, uint64_t *off, uint32_t *cur) {
    uint64_t lo = C->bk[k], hi = C->bk[k + 1], v0 = k << C->shift, nv = nodes_in(C, k);
    const uint16_t *loc = C->loc;
    memset(cur, 0, (nv + 1) * sizeof *cur);
    for (uint64_t p = lo; p < hi; p++) cur[loc[p]]++;
    uint64_t run = lo;
    off += v0;
    for (uint64_t j = 0; j < nv; j++) {
        off[j] = run;
        uint32_t c = cur[j];
        cur[j] = (uint32_t)run;
        run += c;
    }
}

/* ---------- outgoing: (A) count per source bucket ---------- */

static void t_out_count(void *arg, size_t b) {
    csr *C = arg;
    uint32_t *h = C->hist + b * C->nbk;
    uint64_t *tc = C->tcnt + b * C->ntypes;
    unsigned sh = C->shift;
    uint64_t lo = C->blk[b], hi = C->blk[b + 1];
    if (lo >= hi) return;
    for (size_t i = stage_at(C, lo); i < C->k && C->base[i] < hi; i++) {
        const grel_stage *s = C->st[i];
        uint64_t a = (lo > C->base[i] ? lo : C->base[i]) - C->base[i];
        uint64_t e = (hi < C->base[i + 1] ? hi : C->base[i + 1]) - C->base[i];
        const uint32_t *src = s->src, *tgt = s->tgt;
        const uint16_t *ty = s->type, t0 = s->common_type;
        const bool *und = C->und;
        for (uint64_t j = a; j < e; j++) {
            uint32_t u = src[j];
            if (u == GCSR_NONE) continue;
            uint16_t t = ty ? ty[j] : t0;
            h[u >> sh]++;
            tc[t]++;
            if (und[t]) {
                h[tgt[j] >> sh]++;
                tc[t]++;
            }
        }
    }
}

/* ---------- outgoing: (B) partition into bucket ranges of the final arrays ---------- */

static void t_out_part(void *arg, size_t b) {
    csr *C = arg;
    graph *g = C->g;
    uint32_t *cur = C->hist + b * C->nbk, *perm = C->perm, *out = g->out_tgt;
    uint16_t *rt = C->rt0 ? NULL : g->rel_type, *loc = C->loc;
    unsigned sh = C->shift;
    uint32_t mask = (1u << sh) - 1;
    uint64_t lo = C->blk[b], hi = C->blk[b + 1];
    if (lo >= hi) return;
    for (size_t i = stage_at(C, lo); i < C->k && C->base[i] < hi; i++) {
        grel_stage *s = C->st[i];
        uint64_t a = (lo > C->base[i] ? lo : C->base[i]) - C->base[i];
        uint64_t e = (hi < C->base[i + 1] ? hi : C->base[i + 1]) - C->base[i];
        const uint32_t *src = s->src, *tgt = s->tgt;
        const uint16_t *ty = s->type, t0 = s->common_type;
        const bool *und = C->und;
        uint32_t row0 = (uint32_t)C->base[i];
        if (!rt && !perm && !C->any_und) {   /* one type, no properties: targets and sources only */
            for (uint64_t j = a; j < e; j++) {
                uint32_t u = src[j];
                if (u == GCSR_NONE) continue;
                uint32_t p = cur[u >> sh]++;
                out[p] = tgt[j];
                loc[p] = (uint16_t)(u & mask);
            }
            if (C->base[i] >= lo && C->base[i + 1] <= hi) drop_topology(s);
            continue;
        }
        for (uint64_t j = a; j < e; j++) {
            uint32_t u = src[j];
            if (u == GCSR_NONE) continue;
            uint16_t t = ty ? ty[j] : t0;
            uint32_t w = tgt[j], p = cur[u >> sh]++;
            out[p] = w;
            if (rt) rt[p] = t;
            loc[p] = (uint16_t)(u & mask);
            if (perm) perm[p] = row0 + (uint32_t)j;
            if (und[t]) {
                p = cur[w >> sh]++;
                out[p] = u;
                if (rt) rt[p] = t;
                loc[p] = (uint16_t)(w & mask);
                if (perm) perm[p] = row0 + (uint32_t)j;
            }
        }
        if (C->base[i] >= lo && C->base[i + 1] <= hi) drop_topology(s);   /* the whole stage was ours */
    }
}

/* ---------- outgoing: (C) each bucket, in cache: offsets, stable scatter, segment sort ---------- */

/* Segments average at least this many rows: the bucket is presorted (csr_radix.c) instead of scattered
 * directly. Scatter + segment sorts, ns a row (random targets, 4 M nodes): 17.5 -> 7.3 at 16 rows a
 * segment, 18.2 -> 11.1 with a property permutation, 13.1 -> 8.1 at 8, 12.4 -> 11.4 at 2. */
#define PRESORT_MIN_AVG 2

/* The stable scatter by source of rows [lo, hi) into their segments. */
static void out_scatter(csr *C, uint64_t lo, uint64_t len, bscratch *sc) {
    graph *g = C->g;
    uint32_t *ct = gcsr_scratch_grow(&sc->copy, len * (sizeof(uint32_t) * 2 + sizeof(uint16_t))), *cp = ct + len;
    uint16_t *cy = (uint16_t *)(cp + len);
    /* locals: the build is compiled with -fno-strict-aliasing, so fields read through g or C would be
     * reloaded after every store */
    uint32_t *out = g->out_tgt, *perm = C->perm, *cur = sc->cur;
    uint16_t *rt = C->rt0 ? NULL : g->rel_type;
    const uint16_t *loc = C->loc + lo;
    memcpy(ct, out + lo, len * sizeof *ct);
    if (perm) memcpy(cp, perm + lo, len * sizeof *cp);
    if (rt) memcpy(cy, rt + lo, len * sizeof *cy);
    if (!rt && !perm) {
        for (uint64_t i = 0; i < len; i++) out[cur[loc[i]]++] = ct[i];
        return;
    }
    for (uint64_t i = 0; i < len; i++) {
        uint32_t q = cur[loc[i]]++;
        out[q] = ct[i];
        if (rt) rt[q] = cy[i];
        if (perm) perm[q] = cp[i];
    }
}

static void out_bucket(csr *C, uint64_t k, bscratch *sc) {
    graph *g = C->g;
    uint64_t lo = C->bk[k], hi = C->bk[k + 1], len = hi - lo, v0 = k << C->shift, nv = nodes_in(C, k);
    bucket_offsets(C, k, g->out_off, sc->cur);
    if (len == 0) return;
    /* one type (rt0): rel_type stays unwritten and segments sort on targets alone */
    uint16_t *rt = C->rt0 ? NULL : g->rel_type;
    uint32_t *out = g->out_tgt, *perm = C->perm;
    if (len < PRESORT_MIN_AVG * nv ||
        !gcsr_presort_bucket(out, rt, perm, C->loc + lo, lo, len, sc->cur, C->n, C->ntypes, &sc->sort))
        out_scatter(C, lo, len, sc);
    const uint64_t *off = g->out_off + v0;
    for (uint64_t j = 0; j < nv; j++) {
        uint64_t a = off[j], e = j + 1 < nv ? off[j + 1] : hi;
        if (e - a > 1) gcsr_sort_segment(out + a, rt ? rt + a : NULL, perm ? perm + a : NULL, e - a, &sc->sort);
    }
}

/* ---------- incoming: (D) count and partition by target bucket, blocks along node ranges ---------- */

static void t_in_count(void *arg, size_t b) {
    csr *C = arg;
    const graph *g = C->g;
    uint32_t *h = C->hist + b * C->nbk;
    memset(h, 0, C->nbk * sizeof *h);
    unsigned sh = C->shift;
    const uint32_t *out = g->out_tgt;
    uint64_t a = g->out_off[C->blk[b]], e = g->out_off[C->blk[b + 1]];
    for (uint64_t r = a; r < e; r++) h[out[r] >> sh]++;
}

static void t_in_part(void *arg, size_t b) {
    csr *C = arg;
    graph *g = C->g;
    uint32_t *cur = C->hist + b * C->nbk;
    unsigned sh = C->shift;
    uint32_t mask = (1u << sh) - 1;
    const uint64_t *off = g->out_off;
    const uint32_t *out = g->out_tgt;
    uint32_t *in_rel = g->in_rel, *in_src = g->in_src;
    uint16_t *loc = C->loc;
    uint64_t v1 = C->blk[b + 1], r = off[C->blk[b]];
    for (uint64_t v = C->blk[b]; v < v1; v++)
        for (uint64_t e = off[v + 1]; r < e; r++) {
            uint32_t t = out[r], p = cur[t >> sh]++;
            in_rel[p] = (uint32_t)r;
            in_src[p] = (uint32_t)v;
            loc[p] = (uint16_t)(t & mask);
        }
}

/* ---------- incoming: (E) each bucket: offsets, stable scatter ---------- */

static void in_bucket(csr *C, uint64_t k, bscratch *sc) {
    graph *g = C->g;
    uint64_t lo = C->bk[k], hi = C->bk[k + 1], len = hi - lo;
    bucket_offsets(C, k, g->in_off, sc->cur);
    if (len == 0) return;
    uint32_t *sr = gcsr_scratch_grow(&sc->copy, len * 2 * sizeof(uint32_t)), *ss = sr + len;
    uint32_t *in_rel = g->in_rel, *in_src = g->in_src, *cur = sc->cur;
    const uint16_t *loc = C->loc + lo;
    memcpy(sr, in_rel + lo, len * sizeof *sr);
    memcpy(ss, in_src + lo, len * sizeof *ss);
    for (uint64_t i = 0; i < len; i++) {
        uint32_t q = cur[loc[i]]++;
        in_rel[q] = sr[i];
        in_src[q] = ss[i];
    }
}

/* Task t finishes buckets [nbk*t/T, nbk*(t+1)/T) of the side `in`. */
typedef struct bucketjob {
    csr *C;
    bool in;
} bucketjob;

/* (E) is loc's last reader: the whole huge pages of loc[*from, to) go back to the system, so that in_off,
 * which (E) fills meanwhile, does not raise the build's peak. Batched (4 MiB at least); *from advances to
 * the end of what was given back. */
static void release_loc(const csr *C, uint64_t *from, uint64_t to) {
    if ((to - *from) * sizeof *C->loc < ((size_t)4 << 20)) return;
    if (!gpar_discard(C->loc + *from, (to - *from) * sizeof *C->loc)) return;
    uintptr_t end = (uintptr_t)(C->loc + to) & ~(((uintptr_t)2 << 20) - 1);
    *from = (uint64_t)(end - (uintptr_t)C->loc) / sizeof *C->loc;
}

static void t_buckets(void *arg, size_t t) {
    bucketjob *J = arg;
    csr *C = J->C;
    bscratch sc = {.cur = qv_malloc((((size_t)1 << C->shift) + 1) * sizeof *sc.cur)};
    uint64_t k0 = gpar_lo(C->nbk, t, C->nbt), k1 = gpar_lo(C->nbk, t + 1, C->nbt), from = C->bk[k0];
    for (uint64_t k = k0; k < k1; k++) {
        if (J->in) {
            in_bucket(C, k, &sc);
            release_loc(C, &from, C->bk[k + 1]);
        } else {
            out_bucket(C, k, &sc);
        }
    }
    free(sc.cur);
    free(sc.copy.buf);
    free(sc.sort.buf);
}

static uint64_t first_node_at(const uint64_t *off, uint64_t n, uint64_t rel) {   /* first v, off[v] >= rel */
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (off[mid] < rel) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* ---------- driver ---------- */

static void free_csr(csr *C) {
    free(C->base);
    free(C->blk);
    free(C->hist);
    free(C->tcnt);
    free(C->bk);
    free(C->loc);
    free(C->perm);
}

static int fail(csr *C, int rc) {
    for (size_t i = 0; i < C->k; i++) drop_topology(C->st[i]);   /* whatever the stages still hold */
    if (C->arena) gslab_release(C->arena);
    free_csr(C);
    return rc;
}

static int oom(csr *C, qv_err *err, const char *what) {
    return fail(C, qv_err_set(err, QV_ENOMEM, "out of memory building %s (%llu relationships, %llu nodes)", what,
                              (unsigned long long)C->m, (unsigned long long)C->n));
}

static int cancel_err(csr *C, qv_err *err) {
    return fail(C, qv_err_set(err, QV_ECANCELLED, "the import was aborted"));
}

static int build_empty(csr *C, qv_err *err) {   /* no nodes: every row dangled */
    graph *g = C->g;
    (void)err;
    g->type_count = qv_calloc(C->ntypes + 1, sizeof *g->type_count);
    free(g->out_off);
    free(g->in_off);
    g->out_off = qv_calloc(1, sizeof *g->out_off);
    g->in_off = qv_calloc(1, sizeof *g->in_off);
    for (size_t i = 0; i < C->k; i++) drop_topology(C->st[i]);
    if (C->arena) gslab_release(C->arena);
    free_csr(C);
    return 0;
}

/* (D) and (E): the incoming side from the final outgoing one, C's buckets and blocks reused (blocks become
 * node ranges of about equal relationship counts). C->loc must hold m entries. */
static int build_incoming(csr *C, qv_pool *pool, qv_err *err) {
    graph *g = C->g;
    uint64_t n = C->n, m = C->m;
    for (size_t b = 0; b <= C->nb; b++)
        C->blk[b] = b == C->nb ? n : first_node_at(g->out_off, n, gpar_lo(m, b, C->nb));
    gpar_run(pool, C->nb, t_in_count, C);
    bucket_prefix(C);
    free(g->in_off);
    g->in_off = gpar_alloc((n + 1) * sizeof *g->in_off);
    g->in_rel = gpar_alloc(m * sizeof *g->in_rel);
    g->in_src = gpar_alloc(m * sizeof *g->in_src);
    if (!g->in_off || !g->in_rel || !g->in_src) return oom(C, err, "the incoming index");
    gpar_run(pool, C->nb, t_in_part, C);   /* loc is reused: target within its bucket now */
    bucketjob J = {.C = C, .in = true};
    gpar_run(pool, C->nbt, t_buckets, &J);
    g->in_off[n] = m;
    return 0;
}

int gcsr_build_incoming(graph *g, qv_pool *pool, qv_err *err) {
    uint64_t n = g->n_nodes, m = g->n_rels;
    csr C = {.g = g, .n = n, .m = m};
    free(g->in_rel);
    free(g->in_src);
    g->in_rel = g->in_src = NULL;
    if (n == 0) {
        free(g->in_off);
        g->in_off = qv_calloc(1, sizeof *g->in_off);
        return 0;
    }
    int threads = pool ? qv_pool_threads(pool) : 1;
    C.shift = pick_shift(n, m, threads);
    C.nbk = ((n - 1) >> C.shift) + 1;
    C.nb = gpar_tasks(pool, m, 1 << 16);
    C.blk = qv_malloc((C.nb + 1) * sizeof *C.blk);
    C.hist = qv_calloc(C.nb * C.nbk, sizeof *C.hist);
    C.bk = qv_malloc((C.nbk + 1) * sizeof *C.bk);
    C.nbt = gpar_tasks(pool, C.nbk, 4);
    C.loc = gpar_alloc((m ? m : 1) * sizeof *C.loc);
    if (!C.loc) return oom(&C, err, "the incoming index");
    uint64_t t0 = qv_now_ns();
    if (build_incoming(&C, pool, err) < 0) return -1;
    free_csr(&C);
    QV_DEBUG("csr incoming side: %llu relationships, %llu nodes, %.3f s", (unsigned long long)m,
             (unsigned long long)n, qv_seconds_since(t0));
    return 0;
}

int gcsr_build(graph *g, grel_stage *const *st, size_t k, gslab *arena, const bool *undirected, uint32_t ntypes,
               qv_pool *pool, const int *cancel, qv_err *err) {
    return gcsr_build_ex(g, st, k, arena, undirected, ntypes, pool, cancel, NULL, NULL, err);
}

int gcsr_build_ex(graph *g, grel_stage *const *st, size_t k, gslab *arena, const bool *undirected, uint32_t ntypes,
                  qv_pool *pool, const int *cancel, gcsr_out_done_fn out_done, void *out_arg, qv_err *err) {
    csr C = {.g = g, .st = st, .k = k, .arena = arena, .und = undirected, .ntypes = ntypes, .cancel = cancel,
             .n = g->n_nodes};
    uint64_t n = g->n_nodes, rows = 0;
    C.base = qv_malloc((k + 1) * sizeof *C.base);
    for (size_t i = 0; i < k; i++) {
        C.base[i] = rows;
        rows += st[i]->n;
    }
    C.base[k] = rows;
    if (n == 0) return build_empty(&C, err);

    uint64_t t0 = qv_now_ns(), t1;
    int threads = pool ? qv_pool_threads(pool) : 1;
    C.shift = pick_shift(n, rows, threads);
    C.nbk = ((n - 1) >> C.shift) + 1;
    bool pre = use_precount(&C, threads);
    C.nb = gpar_tasks(pool, rows, 1 << 16);
    if (pre && C.nb > k) C.nb = k;
    C.blk = qv_malloc((C.nb + 1) * sizeof *C.blk);
    for (size_t b = 0; b <= C.nb; b++) C.blk[b] = pre ? C.base[gpar_lo(k, b, C.nb)] : gpar_lo(rows, b, C.nb);
    C.hist = qv_calloc(C.nb * C.nbk, sizeof *C.hist);
    C.tcnt = qv_calloc(C.nb * (ntypes ? ntypes : 1), sizeof *C.tcnt);
    C.bk = qv_malloc((C.nbk + 1) * sizeof *C.bk);
    C.nbt = gpar_tasks(pool, C.nbk, 4);

    /* (A), unless the loader counted each stage as it was resolved */
    gpar_run(pool, C.nb, pre ? t_pre_count : t_out_count, &C);
    g->type_count = qv_calloc(ntypes + 1, sizeof *g->type_count);
    uint64_t m = 0;
    for (size_t b = 0; b < C.nb; b++)
        for (uint32_t t = 0; t < ntypes; t++) g->type_count[t] += C.tcnt[b * ntypes + t];
    for (uint32_t t = 0; t < ntypes; t++) m += g->type_count[t];
    C.m = m;
    if (m > UINT32_MAX)
        return fail(&C, qv_err_set(err, QV_ETOOBIG,
                                   "the graph would hold %llu relationships (undirected types are stored in both "
                                   "directions); a graph holds at most %u",
                                   (unsigned long long)m, UINT32_MAX));
    bucket_prefix(&C);
    if (cancelled(&C)) return cancel_err(&C, err);
    double d_count = qv_seconds_since(t0);
    t1 = qv_now_ns();

    /* (B): straight into the bucket ranges of the final arrays */
    bool props = false;
    for (size_t i = 0; i < k; i++) props = props || st[i]->ncols > 0;
    free(g->out_off);
    g->out_off = gpar_alloc((n + 1) * sizeof *g->out_off);
    g->out_tgt = gpar_alloc(m * sizeof *g->out_tgt);
    C.rt0 = m > 0 && g->type_count[0] == m;
    for (uint32_t t = 0; t < ntypes; t++) C.any_und = C.any_und || undirected[t];
    g->rel_type = C.rt0 ? gpar_zalloc(m * sizeof *g->rel_type) : gpar_alloc(m * sizeof *g->rel_type);
    C.loc = gpar_alloc(m * sizeof *C.loc);
    if (props) C.perm = gpar_alloc(m * sizeof *C.perm);
    if (!g->out_off || !g->out_tgt || !g->rel_type || !C.loc || (props && !C.perm))
        return oom(&C, err, "the outgoing index");
    gpar_run(pool, C.nb, t_out_part, &C);
    for (size_t i = 0; i < k; i++) drop_topology(st[i]);   /* stages that straddled two blocks */
    if (arena) gslab_release(arena);
    double d_part = qv_seconds_since(t1);
    t1 = qv_now_ns();
    if (cancelled(&C)) return cancel_err(&C, err);

    /* (C) */
    bucketjob J = {.C = &C};
    gpar_run(pool, C.nbt, t_buckets, &J);
    g->out_off[n] = m;
    g->n_rels = m;
    double d_out = qv_seconds_since(t1);
    t1 = qv_now_ns();
    if (cancelled(&C)) return cancel_err(&C, err);

    if (props && gcsr_permute_props(g, st, k, C.perm, pool, cancel, err)) return fail(&C, -1);
    free(C.perm);
    C.perm = NULL;
    double d_props = qv_seconds_since(t1);
    if (out_done) out_done(out_arg, g); /* ckpt: the outgoing side is final */
    t1 = qv_now_ns();

    if (build_incoming(&C, pool, err) < 0) return -1;
    if (cancelled(&C)) return cancel_err(&C, err);
    free_csr(&C);
    QV_DEBUG("csr build: %llu relationships, %llu nodes, %llu buckets of %u nodes, %zu blocks%s: count %.3f s, "
             "partition %.3f s, outgoing %.3f s, properties %.3f s, incoming %.3f s",
             (unsigned long long)m, (unsigned long long)n, (unsigned long long)C.nbk, 1u << C.shift, C.nb,
             pre ? " (precounted stages)" : "", d_count,
             d_part, d_out, d_props, qv_seconds_since(t1));
    return 0;
}
