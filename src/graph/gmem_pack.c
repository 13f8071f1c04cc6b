/* gmem_pack.c — building and reading the packed state of a compacted generation (see gmem_pack.h).
 * The build reads a snapshot through a view in two passes (sizes, then values), so the pack is allocated once
 * at its final size. Must not: change a pack once built, or read anything but the view it is given. */
#include "graph/gmem_pack.h"
#include "graph/gdelta.h"
#include "graph/gmem.h"
#include "util/buf.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

/* ---- columns ---- */

/* The distinct values of a string column while it has few (GPACK_DICT_MAX): a dictionary candidate. */
#define GPACK_DICT_MAX 4096u
typedef struct dentry {
    uint64_t hash;      /* 0: empty */
    uint32_t off, len;  /* into the set's bytes */
    uint32_t code;
} dentry;
typedef struct dset {
    dentry *e;          /* 2 * GPACK_DICT_MAX slots */
    char *bytes;
    uint32_t n, nbytes, cap_bytes;
    bool over;          /* more distinct values than GPACK_DICT_MAX: no dictionary */
} dset;

/* The code of x, adding it when new (add); UINT32_MAX when absent or when the set overflowed. */
static uint32_t dset_code(dset *d, qval x, bool add) {
    if (d->over) return UINT32_MAX;
    if (!d->e) d->e = gmem_calloc(2 * GPACK_DICT_MAX, sizeof *d->e);
    uint64_t h = qv_hash_bytes(x.s, x.len) | 1;
    uint32_t i = (uint32_t)h & (2 * GPACK_DICT_MAX - 1);
    for (; d->e[i].hash; i = (i + 1) & (2 * GPACK_DICT_MAX - 1))
        if (d->e[i].hash == h && d->e[i].len == x.len && (!x.len || !memcmp(d->bytes + d->e[i].off, x.s, x.len)))
            return d->e[i].code;
    if (!add) return UINT32_MAX;
    if (d->n == GPACK_DICT_MAX || (uint64_t)d->nbytes + x.len > UINT32_MAX / 2) {
        d->over = true;
        return UINT32_MAX;
    }
    if (d->nbytes + x.len > d->cap_bytes) {
        while (d->nbytes + x.len > d->cap_bytes) d->cap_bytes = d->cap_bytes ? d->cap_bytes * 2 : 256;
        d->bytes = qv_realloc(d->bytes, d->cap_bytes);
    }
    if (x.len) memcpy(d->bytes + d->nbytes, x.s, x.len);
    d->e[i] = (dentry){h, d->nbytes, x.len, d->n};
    d->nbytes += x.len;
    return d->n++;
}

static void dset_free(dset *d) {
    gmem_free(d->e);
    free(d->bytes);
    memset(d, 0, sizeof *d);
}

/* Pass 1: counts and the kind; pass 2: values. */
typedef struct colb {
    gpcol c;
    uint64_t bytes;     /* STR */
    uint64_t fill;
    dset dict;          /* STR: distinct values while few */
} colb;

static void colb_see(colb *b, qval x) {
    uint32_t k = gpack_kind_of(x);
    if (!b->c.kind) b->c.kind = k;
    else if (b->c.kind != k) b->c.kind = GPC_ANY;
    b->c.n_present++;
    if (x.type == QT_STRING) {
        b->bytes += x.len;
        if (b->c.kind == GPC_STR) dset_code(&b->dict, x, true);
    }
}

/* A string column becomes a dictionary when its values repeat enough to halve it: 2-byte codes per present
 * value plus the distinct strings once, against 8-byte offsets plus every string. */
static bool colb_dict(const colb *b) {
    const dset *d = &b->dict;
    uint64_t np = b->c.n_present;
    return b->c.kind == GPC_STR && !d->over && d->n && np * 2 + (uint64_t)d->n * 8 + d->nbytes <= (np * 8 + b->bytes) / 2;
}

static void colb_alloc(colb *b, uint64_t nrows) {
    gpcol *c = &b->c;
    uint64_t np = c->n_present, words = (nrows + 63) / 64;
    c->w = gmem_calloc(words ? words : 1, sizeof *c->w);
    switch (c->kind) {
    case GPC_INT: case GPC_FLOAT: c->vals = gmem_alloc((np ? np : 1) * 8); break;
    case GPC_BOOL: c->vals = gmem_alloc(np ? np : 1); break;
    case GPC_STR:
        if (colb_dict(b)) {   /* codes, then the distinct strings by code */
            dset *d = &b->dict;
            c->kind = GPC_DICT;
            c->vals = gmem_alloc((np ? np : 1) * sizeof(uint16_t));
            c->ndict = d->n;
            c->doff = gmem_alloc(((size_t)d->n + 1) * sizeof *c->doff);
            c->bytes = gmem_alloc(d->nbytes ? d->nbytes : 1);
            uint32_t at = 0;
            uint32_t *by_code = qv_malloc((size_t)d->n * sizeof *by_code);
            for (uint32_t i = 0; i < 2 * GPACK_DICT_MAX; i++)
                if (d->e[i].hash) by_code[d->e[i].code] = i;
            for (uint32_t k = 0; k < d->n; k++) {
                const dentry *e = &d->e[by_code[k]];
                c->doff[k] = at;
                if (e->len) memcpy(c->bytes + at, d->bytes + e->off, e->len);
                at += e->len;
            }
            c->doff[d->n] = at;
            free(by_code);
            break;
        }
        dset_free(&b->dict);
        c->vals = gmem_alloc((np + 1) * sizeof(uint64_t));
        ((uint64_t *)c->vals)[0] = 0;
        c->bytes = gmem_alloc(b->bytes ? b->bytes : 1);
        break;
    default: c->vals = gmem_alloc((np ? np : 1) * sizeof(qval)); break;
    }
    b->bytes = 0;
}

static void colb_put(colb *b, uint64_t row, qval x, qv_arena *a) {
    gpcol *c = &b->c;
    uint64_t i = b->fill++;
    c->w[row >> 6].bits |= 1ull << (row & 63);
    switch (c->kind) {
    case GPC_INT: ((int64_t *)c->vals)[i] = x.i; break;
    case GPC_FLOAT: ((double *)c->vals)[i] = x.f; break;
    case GPC_BOOL: ((uint8_t *)c->vals)[i] = x.b; break;
    case GPC_STR: {
        uint64_t *off = c->vals;
        if (x.len) memcpy(c->bytes + off[i], x.s, x.len);
        off[i + 1] = off[i] + x.len;
        break;
    }
    case GPC_DICT: ((uint16_t *)c->vals)[i] = (uint16_t)dset_code(&b->dict, x, false); break;
    default: ((qval *)c->vals)[i] = gval_copy(a, x); break;
    }
}

static void colb_finish(colb *b, uint64_t nrows) {
    dset_free(&b->dict);
    uint64_t words = (nrows + 63) / 64, r = 0;
    for (uint64_t w = 0; w < words; w++) {
        b->c.w[w].rank = r;
        r += (uint64_t)__builtin_popcountll(b->c.w[w].bits);
    }
}

static void col_free(gpcol *c) {
    gmem_free(c->w);
    gmem_free(c->vals);
    gmem_free(c->bytes);
    gmem_free(c->doff);
}

static uint64_t col_bytes(const gpcol *c, uint64_t nrows) {
    if (!c->w) return 0;
    uint64_t words = (nrows + 63) / 64, np = c->n_present;
    uint64_t b = words * sizeof(gpword);
    switch (c->kind) {
    case GPC_INT: case GPC_FLOAT: b += np * 8; break;
    case GPC_BOOL: b += np; break;
    case GPC_STR: b += (np + 1) * 8 + ((const uint64_t *)c->vals)[np]; break;
    case GPC_DICT: b += np * 2 + ((uint64_t)c->ndict + 1) * 4 + c->doff[c->ndict]; break;
    default: b += np * sizeof(qval); break;
    }
    return b;
}

/* Set bits of x: the instruction when the build targets it, else inline bit arithmetic (a dozen instructions;
 * the builtin would call libgcc's table-driven __popcountdi2 on every ext-id probe and property read). */
static inline uint64_t popcount64(uint64_t x) {
#ifdef __POPCNT__
    return (uint64_t)__builtin_popcountll(x);
#else
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (x * 0x0101010101010101ull) >> 56;
#endif
}

/* A mark in scratch arena a that keeps its first chunk: reset to a mark taken before any allocation, the arena
 * freed its chunk and malloc'd a new one for every entity a build read (two passes over every relationship
 * since the base, at each compaction: most of a relationship load's compaction work). */
static qv_arena_mark scratch_mark(qv_arena *a) {
    qv_arena_alloc(a, 1);
    return qv_arena_mark_get(a);
}

/* The value index of row r, or false when r has no value. */
static inline bool col_row(const gpcol *c, uint64_t r, uint64_t *i) {
    const gpword *pw = &c->w[r >> 6];
    uint64_t w = pw->bits, bit = r & 63;
    if (!((w >> bit) & 1)) return false;
    *i = pw->rank + popcount64(w & ((1ull << bit) - 1));
    return true;
}

/* ---- the per-key column builders of one pack ---- */
typedef struct colset {
    colb *b;            /* by key */
    uint32_t nkeys;
} colset;

static colb *colset_get(colset *s, uint32_t key) {
    if (key >= s->nkeys) {
        uint32_t n = s->nkeys ? s->nkeys : 16;
        while (n <= key) n *= 2;
        s->b = qv_realloc(s->b, n * sizeof *s->b);
        memset(s->b + s->nkeys, 0, (n - s->nkeys) * sizeof *s->b);
        s->nkeys = n;
    }
    s->b[key].c.key = key;
    return &s->b[key];
}

/* Allocates the columns seen in pass 1 and the key map. */
static void colset_alloc(colset *s, gpack *p) {
    for (uint32_t k = 0; k < s->nkeys; k++)
        if (s->b[k].c.n_present) p->ncols++, p->nkeys = k + 1;
    p->cols = qv_calloc(p->ncols + 1, sizeof *p->cols);
    p->keycol = qv_calloc(p->nkeys + 1, sizeof *p->keycol);
    uint32_t j = 0;
    for (uint32_t k = 0; k < s->nkeys; k++)
        if (s->b[k].c.n_present) {
            colb_alloc(&s->b[k], p->n);
            p->keycol[k] = ++j;
        }
}

static void colset_finish(colset *s, gpack *p) {
    for (uint32_t k = 0; k < s->nkeys; k++)
        if (s->b[k].c.n_present) {
            colb_finish(&s->b[k], p->n);
            p->cols[p->keycol[k] - 1] = s->b[k].c;
        }
    free(s->b);
}

static gpack *pack_new(uint64_t lo, uint64_t hi) {
    gpack *p = qv_calloc(1, sizeof *p);
    p->refs = 1;
    p->lo = lo;
    p->n = hi - lo;
    p->live = gmem_calloc((p->n + 63) / 64 + 1, sizeof *p->live);
    qv_arena_init(&p->vals);
    return p;
}

/* ---- label sets ---- */
typedef struct lsint {
    uint32_t *slot;     /* set id + 1 */
    uint32_t mask;
    uint32_t cap_sets, cap_lab;
} lsint;

static uint64_t lset_hash(const uint32_t *l, uint32_t n) { return qv_hash_bytes(l, n * sizeof *l) | 1; }

static uint32_t lset_intern(gpack *p, lsint *t, const uint32_t *l, uint32_t n) {
    if ((p->n_lsets + 1) * 2 > t->mask + 1) {
        uint32_t size = t->mask ? (t->mask + 1) * 2 : 64;
        free(t->slot);
        t->slot = qv_calloc(size, sizeof *t->slot);
        t->mask = size - 1;
        for (uint32_t s = 0; s < p->n_lsets; s++) {
            uint32_t o = p->lset_off[s], k = p->lset_off[s + 1] - o;
            uint32_t i = (uint32_t)lset_hash(p->lset_lab + o, k) & t->mask;
            while (t->slot[i]) i = (i + 1) & t->mask;
            t->slot[i] = s + 1;
        }
    }
    uint32_t i = (uint32_t)lset_hash(l, n) & t->mask;
    for (; t->slot[i]; i = (i + 1) & t->mask) {
        uint32_t s = t->slot[i] - 1, o = p->lset_off[s];
        if (p->lset_off[s + 1] - o == n && (!n || !memcmp(p->lset_lab + o, l, n * sizeof *l))) return s;
    }
    uint32_t s = p->n_lsets++, o = p->lset_off[s];
    if (p->n_lsets + 1 > t->cap_sets) {
        t->cap_sets = t->cap_sets ? t->cap_sets * 2 : 16;
        p->lset_off = qv_realloc(p->lset_off, t->cap_sets * sizeof *p->lset_off);
    }
    if (o + n > t->cap_lab) {
        while (o + n > t->cap_lab) t->cap_lab = t->cap_lab ? t->cap_lab * 2 : 64;
        p->lset_lab = qv_realloc(p->lset_lab, t->cap_lab * sizeof *p->lset_lab);
    }
    if (n) memcpy(p->lset_lab + o, l, n * sizeof *l);
    p->lset_off[s + 1] = o + n;
    t->slot[i] = s + 1;
    return s;
}

/* ---- nodes ---- */
static void xtab_build(gpack *p) {
    uint64_t size = 16;
    while (size * 3 < p->live_count * 4 + 4) size *= 2;   /* load <= 3/4 */
    p->xtab = gmem_calloc(size, sizeof *p->xtab);
    p->xmask = size - 1;
    for (uint64_t r = 0; r < p->n; r++) {
        uint64_t i;
        if (!col_row(&p->ext, r, &i)) continue;
        uint64_t h = (gext_hash(gpack_col_val(&p->ext, i)) | 1) & p->xmask;
        while (p->xtab[h]) h = (h + 1) & p->xmask;
        p->xtab[h] = (uint32_t)(r + 1);
    }
}

gpack *gpack_build_nodes(gview *v, uint64_t lo, uint64_t hi) {
    if (hi <= lo) return NULL;
    gpack *p = pack_new(lo, hi);
    colset cs = {0};
    colb ext = {.c.key = UINT32_MAX};
    qv_arena tmp;
    qv_arena_init(&tmp);
    qv_arena_mark m0 = scratch_mark(&tmp);
    p->lset = gmem_alloc((p->n ? p->n : 1) * sizeof *p->lset);
    p->lset_off = qv_calloc(16, sizeof *p->lset_off);
    lsint lt = {.cap_sets = 16};
    uint32_t ls[256];
    for (uint64_t id = lo; id < hi; id++) {   /* pass 1: live rows, label sets, column sizes */
        uint64_t r = id - lo;
        p->lset[r] = 0;
        if (!gv_node_live(v, id)) continue;
        p->live[r >> 6] |= 1ull << (r & 63);
        p->live_count++;
        uint32_t nl = gview_node_labels(v, id, ls, 256);
        if (nl > 256) {   /* rare: every label counts, the pack is the node's state */
            uint32_t *big = qv_malloc(nl * sizeof *big);
            gview_node_labels(v, id, big, nl);
            p->lset[r] = lset_intern(p, &lt, big, nl);
            free(big);
        } else {
            p->lset[r] = lset_intern(p, &lt, ls, nl);
        }
        qval x = gview_node_ext_id(v, id);
        if (x.type != QT_NULL) colb_see(&ext, x);
        gprop *pr;
        uint32_t np = gview_node_props(v, id, &tmp, &pr);
        for (uint32_t i = 0; i < np; i++) colb_see(colset_get(&cs, pr[i].key), pr[i].value);
        qv_arena_reset_to(&tmp, m0);
    }
    free(lt.slot);
    if (!p->live_count) {   /* nothing live in the range: no pack */
        free(cs.b);
        qv_arena_free(&tmp);
        gpack_free(p);
        return NULL;
    }
    colset_alloc(&cs, p);
    colb_alloc(&ext, p->n);
    for (uint64_t id = lo; id < hi; id++) {   /* pass 2: values */
        uint64_t r = id - lo;
        if (!((p->live[r >> 6] >> (r & 63)) & 1)) continue;
        qval x = gview_node_ext_id(v, id);
        if (x.type != QT_NULL) colb_put(&ext, r, x, &p->vals);
        gprop *pr;
        uint32_t np = gview_node_props(v, id, &tmp, &pr);
        for (uint32_t i = 0; i < np; i++) colb_put(&cs.b[pr[i].key], r, pr[i].value, &p->vals);
        qv_arena_reset_to(&tmp, m0);
    }
    qv_arena_free(&tmp);
    colset_finish(&cs, p);
    colb_finish(&ext, p->n);
    p->ext = ext.c;
    xtab_build(p);
    return p;
}

/* ---- relationships ---- */
gpack *gpack_build_rels(gview *v, uint64_t lo, uint64_t hi) {
    if (hi <= lo) return NULL;
    gpack *p = pack_new(lo, hi);
    colset cs = {0};
    qv_arena tmp;
    qv_arena_init(&tmp);
    qv_arena_mark m0 = scratch_mark(&tmp);
    p->src = gmem_calloc(p->n ? p->n : 1, sizeof *p->src);
    p->dst = gmem_calloc(p->n ? p->n : 1, sizeof *p->dst);
    p->type = gmem_calloc(p->n ? p->n : 1, sizeof *p->type);
    for (uint64_t id = lo; id < hi; id++) {
        uint64_t r = id - lo;
        if (!gv_rel_live(v, id)) continue;
        uint64_t s, t;
        uint32_t ty;
        gview_rel_info(v, id, &s, &t, &ty);
        p->live[r >> 6] |= 1ull << (r & 63);
        p->live_count++;
        p->src[r] = (uint32_t)s;
        p->dst[r] = (uint32_t)t;
        p->type[r] = (uint16_t)ty;
        gprop *pr;
        uint32_t np = gview_rel_props(v, id, &tmp, &pr);
        for (uint32_t i = 0; i < np; i++) colb_see(colset_get(&cs, pr[i].key), pr[i].value);
        qv_arena_reset_to(&tmp, m0);
    }
    if (!p->live_count) {
        free(cs.b);
        qv_arena_free(&tmp);
        gpack_free(p);
        return NULL;
    }
    colset_alloc(&cs, p);
    for (uint64_t id = lo; id < hi && p->ncols; id++) {
        uint64_t r = id - lo;
        if (!((p->live[r >> 6] >> (r & 63)) & 1)) continue;
        gprop *pr;
        uint32_t np = gview_rel_props(v, id, &tmp, &pr);
        for (uint32_t i = 0; i < np; i++) colb_put(&cs.b[pr[i].key], r, pr[i].value, &p->vals);
        qv_arena_reset_to(&tmp, m0);
    }
    qv_arena_free(&tmp);
    colset_finish(&cs, p);
    return p;
}

void gpack_free(void *arg) {
    gpack *p = arg;
    if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
    gmem_free(p->live);
    gmem_free(p->lset);
    free(p->lset_off);
    free(p->lset_lab);
    col_free(&p->ext);
    gmem_free(p->xtab);
    gmem_free(p->src);
    gmem_free(p->dst);
    gmem_free(p->type);
    for (uint32_t i = 0; i < p->ncols; i++) col_free(&p->cols[i]);
    free(p->cols);
    free(p->keycol);
    qv_arena_free(&p->vals);
    free(p);
}

void gpack_parts(const gpack *p, uint64_t part[4]) {
    part[0] = part[1] = part[2] = part[3] = 0;
    if (!p) return;
    part[0] = sizeof *p + ((p->n + 63) / 64 + 1) * 8;
    if (p->lset) part[1] += p->n * 4 + ((uint64_t)p->n_lsets + 1) * 4 + (uint64_t)p->lset_off[p->n_lsets] * 4;
    if (p->src) part[1] += p->n * 10;
    part[2] = col_bytes(&p->ext, p->n) + (p->xtab ? (p->xmask + 1) * 4 : 0);
    for (uint32_t i = 0; i < p->ncols; i++) part[3] += sizeof(gpcol) + col_bytes(&p->cols[i], p->n);
    part[3] += ((uint64_t)p->nkeys + 1) * 4 + p->vals.total;
}

gpack *gpack_ref(gpack *p) {
    if (p) __atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
    return p;
}

uint64_t gpack_memory_bytes(const gpack *p) {
    uint64_t part[4];
    gpack_parts(p, part);
    return part[0] + part[1] + part[2] + part[3];
}

/* ---- reads ---- */
const uint32_t *gpack_labels(const gpack *p, uint64_t id, uint32_t *n) {
    if (!gpack_has(p, id)) {
        *n = 0;
        return NULL;
    }
    uint32_t s = p->lset[id - p->lo];
    *n = p->lset_off[s + 1] - p->lset_off[s];
    return *n ? p->lset_lab + p->lset_off[s] : NULL;   /* no label anywhere: no array */
}

bool gpack_prop(const gpack *p, uint64_t id, uint32_t key, qval *out) {
    if (key >= p->nkeys || !p->keycol[key]) return false;
    const gpcol *c = &p->cols[p->keycol[key] - 1];
    uint64_t i;
    if (!col_row(c, id - p->lo, &i)) return false;
    *out = gpack_col_val(c, i);
    return true;
}

uint32_t gpack_props(const gpack *p, uint64_t id, gprop *out) {
    uint64_t r = id - p->lo, i;
    uint32_t k = 0;
    for (uint32_t j = 0; j < p->ncols; j++)
        if (col_row(&p->cols[j], r, &i)) out[k].key = p->cols[j].key, out[k++].value = gpack_col_val(&p->cols[j], i);
    return k;
}

qval gpack_ext(const gpack *p, uint64_t id) {
    uint64_t i;
    if (!p->ext.w || !col_row(&p->ext, id - p->lo, &i)) return qv_null();
    return gpack_col_val(&p->ext, i);
}

uint64_t gpack_find_ext(const gpack *p, qval x) {
    if (!p || !p->xtab) return GID_NONE;
    for (uint64_t h = (gext_hash(x) | 1) & p->xmask;; h = (h + 1) & p->xmask) {
        uint32_t e = p->xtab[h];
        if (!e) return GID_NONE;
        uint64_t i;
        if (!col_row(&p->ext, e - 1, &i)) continue;
        qval y = gpack_col_val(&p->ext, i);   /* ids are strings or integers: compared here, not by gval_eq */
        if (y.type != x.type) continue;
        if (x.type == QT_STRING ? y.len == x.len && memcmp(y.s, x.s, x.len) == 0
                                : x.type == QT_INT ? y.i == x.i : gval_eq(y, x))
            return p->lo + e - 1;
    }
}
