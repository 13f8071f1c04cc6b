/* loader_triplets.c — TRIPLET_LOAD_DONE's node pass: nodes are the distinct source/target ids in order of
 * first appearance (over the chunks in canonical order, source before target within a row), and a node's
 * label set is the union of the sets it appeared with.
 *
 * Owns: one sequential pass that numbers ids through a growing hash table and writes each chunk's rows as
 * internal ids (a grel_stage per chunk, ready for gload_build_rels), then the parallel id index build.
 * The pass is sequential because "first appearance" is a sequential notion; it costs one hash probe per
 * endpoint. Must not: hold the loader lock except around label-set unions.
 */
#include "graph/loader_int.h"
#include "util/buf.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

typedef struct tslot {
    uint64_t h;
    uint32_t id;    /* UINT32_MAX: empty */
    uint32_t pad;
} tslot;

typedef struct dedupe {
    gloader *l;
    bool is_str;
    tslot *slots;
    uint64_t nslots;   /* power of two */
    uint64_t n;        /* nodes so far */
    uint64_t cap;
    int64_t *ids;      /* INTEGER */
    uint64_t *off;     /* STRING: n + 1 */
    qv_buf str;
    uint32_t *ls;      /* label set per node */
    uint32_t last_a, last_b, last_u;   /* one-entry cache of label-set unions */
} dedupe;

static void grow_table(dedupe *D) {
    uint64_t ns = D->nslots ? D->nslots * 2 : 1024;
    tslot *t = qv_malloc(ns * sizeof *t);
    memset(t, 0xff, ns * sizeof *t);
    for (uint64_t i = 0; i < D->nslots; i++) {
        if (D->slots[i].id == UINT32_MAX) continue;
        uint64_t j = D->slots[i].h & (ns - 1);
        while (t[j].id != UINT32_MAX) j = (j + 1) & (ns - 1);
        t[j] = D->slots[i];
    }
    free(D->slots);
    D->slots = t;
    D->nslots = ns;
}

static void grow_nodes(dedupe *D) {
    D->cap = D->cap ? D->cap * 2 : 4096;
    if (D->is_str) D->off = qv_realloc(D->off, (D->cap + 1) * sizeof *D->off);
    else D->ids = qv_realloc(D->ids, D->cap * sizeof *D->ids);
    D->ls = qv_realloc(D->ls, D->cap * sizeof *D->ls);
}

static uint32_t merge_labels(dedupe *D, uint32_t cur, uint32_t add) {
    if (cur == add) return cur;
    if (D->last_a == cur && D->last_b == add) return D->last_u;
    pthread_mutex_lock(&D->l->mu);
    uint32_t u = gload_labelset_union_locked(D->l, cur, add);
    pthread_mutex_unlock(&D->l->mu);
    D->last_a = cur;
    D->last_b = add;
    D->last_u = u;
    return u;
}

/* Internal id of one endpoint, numbering it if new. ls: its label set in this row, or UINT32_MAX. */
static uint32_t node_of(dedupe *D, int64_t key, const char *s, uint64_t len, uint32_t ls) {
    uint64_t h = D->is_str ? qv_hash_bytes(s, (size_t)len) : qv_hash_u64((uint64_t)key);
    uint64_t mask = D->nslots - 1, j = h & mask;
    for (;; j = (j + 1) & mask) {
        tslot *t = &D->slots[j];
        if (t->id == UINT32_MAX) break;
        if (t->h != h) continue;
        if (D->is_str) {
            uint64_t a = D->off[t->id], b = D->off[t->id + 1];
            if (b - a != len || memcmp(D->str.data + a, s, (size_t)len) != 0) continue;
        }
        if (ls != UINT32_MAX) D->ls[t->id] = merge_labels(D, D->ls[t->id], ls);
        return t->id;
    }
    if (D->n == D->cap) grow_nodes(D);
    uint32_t id = (uint32_t)D->n++;
    if (D->is_str) {
        if (id == 0) D->off[0] = 0;
        qv_buf_append(&D->str, s, (size_t)len);
        D->off[id + 1] = D->str.len;
    } else {
        D->ids[id] = key;
    }
    D->ls[id] = ls == UINT32_MAX ? 0 : ls;
    D->slots[j] = (tslot){.h = h, .id = id};
    if (D->n * 3 > D->nslots * 2) grow_table(D);
    return id;
}

static grel_stage *stage_chunk(dedupe *D, grel_chunk *c) {
    grel_stage *s = qv_calloc(1, sizeof *s);
    uint64_t n = c->n;
    s->n = n;
    s->in_arena = true;
    s->src = gslab_alloc(&D->l->arena, n * sizeof *s->src);
    s->tgt = gslab_alloc(&D->l->arena, n * sizeof *s->tgt);
    if (!s->src || !s->tgt) {
        free(s);
        return NULL;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint32_t lsrc = c->src_labelset ? c->src_labelset[i] : UINT32_MAX;
        uint32_t ltgt = c->tgt_labelset ? c->tgt_labelset[i] : UINT32_MAX;
        if (D->is_str) {
            s->src[i] = node_of(D, 0, c->src_str + c->src_off[i], c->src_off[i + 1] - c->src_off[i], lsrc);
            s->tgt[i] = node_of(D, 0, c->tgt_str + c->tgt_off[i], c->tgt_off[i + 1] - c->tgt_off[i], ltgt);
        } else {
            s->src[i] = node_of(D, c->src[i], NULL, 0, lsrc);
            s->tgt[i] = node_of(D, c->tgt[i], NULL, 0, ltgt);
        }
        if (D->n >= UINT32_MAX - 1) break;   /* caught by the caller */
    }
    s->type = c->type;
    c->type = NULL;
    s->common_type = c->common_type;
    s->cols = c->cols;
    s->ncols = c->ncols;
    c->cols = NULL;
    c->ncols = 0;
    return s;
}

int gload_build_triplets(gloader *l, grel_chunk **c, size_t k, grel_stage ***stages, qv_err *err) {
    graph *g = l->g;
    gload_sort_triplets(c, k, g->id_type);
    dedupe D = {.l = l, .is_str = g->id_type == GRAPH_ID_STRING, .last_a = UINT32_MAX};
    qv_buf_init(&D.str);
    grow_table(&D);
    grow_nodes(&D);
    grel_stage **st = qv_calloc(k ? k : 1, sizeof *st);
    *stages = st;
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) {
        st[i] = stage_chunk(&D, c[i]);
        gload_free_rels(c[i]);
        c[i] = NULL;
        if (!st[i])
            rc = qv_err_set(err, QV_ENOMEM, "out of memory staging the triplets");
        else if (D.n >= UINT32_MAX - 1)
            rc = qv_err_set(err, QV_ETOOBIG, "the triplets name more than %u distinct nodes; a graph holds at most %u",
                            UINT32_MAX - 2, UINT32_MAX - 2);
        else if (__atomic_load_n(&l->cancel, __ATOMIC_RELAXED))
            rc = qv_err_set(err, QV_ECANCELLED, "import '%s' was aborted", l->name);
    }
    for (size_t i = 0; i < k; i++)
        if (!st[i]) st[i] = qv_calloc(1, sizeof **stages);   /* left empty after an error */
    free(D.slots);

    uint64_t n = D.n;
    g->n_nodes = n;
    g->node_labelset = D.ls;
    if (D.is_str) {
        if (n == 0) D.off[0] = 0;
        g->ext_str_off = D.off;
        g->ext_str = (char *)qv_buf_steal(&D.str, NULL);
        if (!g->ext_str) g->ext_str = qv_calloc(1, 1);
    } else {
        g->ext_ids = D.ids;
    }
    if (rc) return rc;
    rc = D.is_str ? gidindex_build_str(&g->idx, g->ext_str_off, g->ext_str, n, l->pool, err)
                  : gidindex_build_int(&g->idx, g->ext_ids, n, l->pool, err);
    if (rc) return rc;
    l->node_count = n;
    return 0;
}
