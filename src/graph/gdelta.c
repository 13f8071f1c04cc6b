/* gdelta.c — creating and freeing a graph's delta, its epochs, chunked slots, id vectors and the external-id
 * index over new nodes (see gdelta.h, docs/write-path.md).
 * Must not: decide visibility (gview.c) or apply writes (gtxn.c). Everything here that changes shared state is
 * called by the graph's single writer; readers only pin epochs and load published pointers. */
#include "graph/gdelta.h"
#include "graph/gmem.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

static gsnap *snap_new(uint32_t n_labels, uint32_t n_types) {
    gsnap *s = qv_calloc(1, sizeof *s + ((size_t)n_labels + n_types + 2) * sizeof(uint64_t));
    s->n_labels = n_labels;
    s->n_types = n_types;
    s->label_count = (uint64_t *)(s + 1);
    s->type_count = s->label_count + n_labels + 1;
    return s;
}

gsnap *gdelta_snap_new(uint32_t n_labels, uint32_t n_types) { return snap_new(n_labels, n_types); }

ggen *ggen_new(void) {
    ggen *gen = qv_calloc(1, sizeof *gen);
    gen->ndir = gmem_calloc(GDIR_SIZE, sizeof *gen->ndir);   /* own mappings: touched only where written */
    gen->rdir = gmem_calloc(GDIR_SIZE, sizeof *gen->rdir);
    gen->lab_delta = gmem_calloc(GMAX_NAMES, sizeof *gen->lab_delta);
    qv_arena_init(&gen->vals);
    return gen;
}

void ggen_free(void *p) {
    ggen *gen = p;
    if (!gen) return;
    for (uint64_t c = 0; c < GDIR_SIZE; c++) {
        if (gen->ndir[c]) {
            for (uint64_t i = 0; i < GCHUNK_SIZE; i++) {
                gnslot *s = &gen->ndir[c][i];
                for (gnver *v = s->ver, *o; v; v = o) o = v->older, gnver_free(v);
                gvec_free(s->out);
                gvec_free(s->in);
            }
            gmem_free(gen->ndir[c]);
        }
        if (gen->rdir[c]) {
            for (uint64_t i = 0; i < GCHUNK_SIZE; i++)
                for (grver *v = gen->rdir[c][i].ver, *o; v; v = o) o = v->older, grver_free(v);
            gmem_free(gen->rdir[c]);
        }
    }
    gmem_free(gen->ndir);
    gmem_free(gen->rdir);
    for (uint32_t l = 0; l < GMAX_NAMES; l++) free(gen->lab_delta[l]);
    gmem_free(gen->lab_delta);
    if (gen->owned) gcompact_free_arrays(gen);   /* the compaction's CSR and label lists (gmem_alloc) */
    else
        for (uint32_t l = 0; gen->blab && l < gen->n_blab; l++) free(gen->blab[l]);
    free(gen->blab);
    free(gen->blab_n);
    qv_arena_free(&gen->vals);
    gpack_free(gen->npack);
    gpack_free(gen->rpack);
    gmem_free(gen->ext);
    free(gen);
}

/* Label counts of the loader's nodes (cheap: per label set, then per label); the lists come on first need. */
static void count_labels(ggen *gen, graph *g) {
    uint32_t nl = g->labels.count;
    gen->n_blab = nl;
    gen->blab_n = qv_calloc(nl + 1, sizeof *gen->blab_n);
    if (!g->node_labelset || !nl) return;
    uint64_t *per_set = qv_calloc((size_t)g->n_labelsets + 1, sizeof *per_set);
    for (uint64_t v = 0; v < g->n_nodes; v++) per_set[g->node_labelset[v]]++;
    for (uint32_t s = 0; s < g->n_labelsets; s++)
        for (uint32_t i = g->labelset_off[s]; i < g->labelset_off[s + 1]; i++) gen->blab_n[g->labelset_labels[i]] += per_set[s];
    free(per_set);
}

/* The generation's label lists (ascending ids), built from the loader's label sets on first need: a graph
 * that is only written or only read by id never pays 8 bytes per node label. Any thread. */
uint64_t *const *ggen_label_lists(gdelta *d, ggen *gen) {
    if (LOAD(&gen->blab_built)) return gen->blab;
    graph *g = d->g;
    pthread_mutex_lock(&g->delta_mu);
    if (!gen->blab_built) {
        uint32_t nl = gen->n_blab;
        uint64_t **lists = qv_calloc(nl + 1, sizeof *lists), *fill = qv_calloc(nl + 1, sizeof *fill);
        for (uint32_t l = 0; l < nl; l++) lists[l] = qv_malloc((gen->blab_n[l] ? gen->blab_n[l] : 1) * sizeof(uint64_t));
        for (uint64_t v = 0; v < g->n_nodes && g->node_labelset; v++) {
            uint32_t n;
            const uint32_t *ls = graph_node_labels(g, v, &n);
            for (uint32_t i = 0; i < n; i++) lists[ls[i]][fill[ls[i]]++] = v;
        }
        free(fill);
        gen->blab = lists;
        STORE(&gen->blab_built, true);
    }
    pthread_mutex_unlock(&g->delta_mu);
    return gen->blab;
}

static gdelta *gdelta_new(graph *g) {
    gdelta *d = qv_calloc(1, sizeof *d);
    d->g = g;
    pthread_mutex_init(&d->wmu, NULL);
    for (int i = 0; i < GDELTA_WAIT_CVS; i++) pthread_cond_init(&d->wcv[i], NULL);
    d->base_nodes = d->nodes_hwm = g->n_nodes;
    d->base_rels = d->rels_hwm = g->n_rels;
    qv_arena_init(&d->vals);
    ggen *gen = ggen_new();
    gen->n_csr = g->n_nodes;
    gen->out_off = g->out_off;
    gen->in_off = g->in_off;
    gen->out_tgt = g->out_tgt;
    gen->in_rel = g->in_rel;
    gen->in_src = g->in_src;
    count_labels(gen, g);
    d->gen = gen;
    uint32_t nt = g->rel_types.count;
    gsnap *s = snap_new(gen->n_blab, nt);
    s->n_nodes = s->node_count = g->n_nodes;
    s->n_rels = s->rel_count = g->n_rels;
    for (uint32_t l = 0; l < gen->n_blab; l++) s->label_count[l] = gen->blab_n[l];
    if (g->type_count) memcpy(s->type_count, g->type_count, nt * sizeof(uint64_t));
    else
        for (uint64_t r = 0; r < g->n_rels && g->rel_type; r++)
            if (g->rel_type[r] < nt) s->type_count[g->rel_type[r]]++;
    d->snap = s;
    uint32_t counts[3] = {g->labels.count, g->rel_types.count, g->prop_keys.count};
    for (int k = 0; k < 3; k++) {   /* the loaded names are durable with the graph */
        d->tok_cap[k] = counts[k] + 64;
        d->tok_state[k] = qv_calloc(d->tok_cap[k], 1);
        memset(d->tok_state[k], 1, counts[k]);
    }
    return d;
}

gdelta *gdelta_get(graph *g) {
    gdelta *d = LOAD(&g->delta);
    if (d) return d;
    pthread_mutex_lock(&g->delta_mu);
    d = g->delta;
    if (!d) {
        d = gdelta_new(g);
        STORE(&g->delta, d);
    }
    pthread_mutex_unlock(&g->delta_mu);
    return d;
}

static void reaper_join(gdelta *d);

void gnver_free(void *p) {
    gnver *v = p;
    if (v && v->own_labels) free(v->labels);
    if (v && v->own_props) free(v->props);
    if (v && !v->arena) free(v);
}

void grver_free(void *p) {
    grver *v = p;
    if (v && v->own_props) free(v->props);
    if (v && !v->arena) free(v);
}

void gdelta_free(gdelta *d) {
    if (!d) return;
    if (d->compacting) pthread_join(d->compactor, NULL);
    reaper_join(d);
    gtx_spare_free(d->spare);
    for (uint32_t i = 0; i < d->n_idx; i++) gindex_free(d->idx[i]);
    /* the generations last (retired ones, then the current one), as gdelta_reclaim does: a retired version may be
     * in one of their arenas */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t e = 0; e < GEPOCHS; e++)
            for (uint32_t i = 0; i < d->n_garbage[e]; i++)
                if ((d->garbage[e][i].fn == ggen_free) == (pass == 1)) d->garbage[e][i].fn(d->garbage[e][i].p);
    for (uint32_t e = 0; e < GEPOCHS; e++) free(d->garbage[e]);
    ggen_free(d->gen);
    free(d->snap);
    free(d->base_src);
    for (int k = 0; k < 3; k++) free(d->tok_state[k]);
    qv_arena_free(&d->vals);
    pthread_mutex_destroy(&d->wmu);
    for (int i = 0; i < GDELTA_WAIT_CVS; i++) pthread_cond_destroy(&d->wcv[i]);
    free(d);
}

/* ---- epochs ----
 * A reader increments the counter of the current epoch, then checks the epoch did not move meanwhile (else it
 * retries): a pin that stands was taken while its epoch was current. Garbage retired during epoch e was unlinked
 * before the epoch advanced past e, so readers pinning later epochs cannot reach it: it is freed once the
 * counters of e and every older epoch are zero. Sequentially consistent operations keep the two sides ordered. */
uint32_t gdelta_pin(gdelta *d) {
    for (;;) {
        uint64_t e = __atomic_load_n(&d->epoch, __ATOMIC_SEQ_CST);
        __atomic_fetch_add(&d->readers[e % GEPOCHS], 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&d->epoch, __ATOMIC_SEQ_CST) == e) return (uint32_t)(e % GEPOCHS);
        __atomic_fetch_sub(&d->readers[e % GEPOCHS], 1, __ATOMIC_SEQ_CST);
    }
}

void gdelta_unpin(gdelta *d, uint32_t slot) { __atomic_fetch_sub(&d->readers[slot], 1, __ATOMIC_SEQ_CST); }

void gdelta_retire(gdelta *d, void *p, void (*fn)(void *)) {
    if (!p) return;
    uint32_t e = (uint32_t)(d->epoch % GEPOCHS);
    if (d->n_garbage[e] == d->cap_garbage[e]) {
        d->cap_garbage[e] = d->cap_garbage[e] ? d->cap_garbage[e] * 2 : 64;
        d->garbage[e] = qv_realloc(d->garbage[e], d->cap_garbage[e] * sizeof *d->garbage[e]);
    }
    d->garbage[e][d->n_garbage[e]++] = (ggarbage){p, fn};
}

/* Whole generations (every version and vector of every entity written in them: a million frees after a large
 * load) are freed by a thread of their own, so that the commit that happens to reclaim them does not pay. */
typedef struct greap {
    uint32_t n;
    void *gens[];
} greap;

static void *reaper_main(void *p) {
    greap *r = p;
    for (uint32_t i = 0; i < r->n; i++) ggen_free(r->gens[i]);
    free(r);
    return NULL;
}

static void reaper_join(gdelta *d) {
    if (!d->reaping) return;
    pthread_join(d->reaper, NULL);
    d->reaping = false;
}

static void reap(gdelta *d, greap *r) {
    reaper_join(d);   /* the previous one (generations are swapped seconds apart: long done) */
    if (pthread_create(&d->reaper, NULL, reaper_main, r) == 0) {
        d->reaping = true;
        return;
    }
    reaper_main(r);   /* no thread: free them here */
}

void graph_reap_wait(graph *g) {
    if (!LOAD(&g->delta)) return;
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);   /* the reaper is the writer's to start and join */
    if (!t) return;
    reaper_join(g->delta);
    gtxn_rollback(t);   /* nothing to undo; its reclaim may free more (then waited for below) */
    t = gtxn_begin(g, &err);
    if (!t) return;
    reaper_join(g->delta);
    gtxn_rollback(t);
}

void gdelta_reclaim(gdelta *d) {
    uint64_t cur = d->epoch;
    if (d->n_garbage[cur % GEPOCHS] && cur + 1 - d->oldest < GEPOCHS) {
        d->epoch_csn[(cur + 1) % GEPOCHS] = d->snap->csn;
        __atomic_store_n(&d->epoch, cur + 1, __ATOMIC_SEQ_CST);
    }
    greap *r = NULL;
    while (d->oldest < d->epoch && __atomic_load_n(&d->readers[d->oldest % GEPOCHS], __ATOMIC_SEQ_CST) == 0) {
        uint32_t e = (uint32_t)(d->oldest % GEPOCHS);
        for (uint32_t i = 0; i < d->n_garbage[e]; i++) {
            ggarbage *gb = &d->garbage[e][i];
            if (gb->fn != ggen_free) {
                gb->fn(gb->p);
                continue;
            }
            if (!r) {
                r = qv_malloc(sizeof *r + GEPOCHS * sizeof(void *));
                r->n = 0;
            }
            if (r->n == GEPOCHS) {   /* never in practice: one generation per compaction */
                reap(d, r);
                r = qv_malloc(sizeof *r + GEPOCHS * sizeof(void *));
                r->n = 0;
            }
            r->gens[r->n++] = gb->p;
        }
        d->n_garbage[e] = 0;
        d->oldest++;
    }
    if (r) reap(d, r);
}

/* ---- slots ---- */
gnslot *gdelta_nslot(const ggen *d, uint64_t id) {
    if (id >> (GCHUNK_BITS + 18)) return NULL;
    gnslot *c = LOAD(&d->ndir[id >> GCHUNK_BITS]);
    return c ? &c[id & (GCHUNK_SIZE - 1)] : NULL;
}

grslot *gdelta_rslot(const ggen *d, uint64_t id) {
    if (id >> (GCHUNK_BITS + 18)) return NULL;
    grslot *c = LOAD(&d->rdir[id >> GCHUNK_BITS]);
    return c ? &c[id & (GCHUNK_SIZE - 1)] : NULL;
}

gnslot *gdelta_nslot_make(ggen *d, uint64_t id) {
    gnslot *c = d->ndir[id >> GCHUNK_BITS];
    if (!c) {
        c = gmem_calloc(GCHUNK_SIZE, sizeof *c);   /* its own mapping (gmem.h) */
        STORE(&d->ndir[id >> GCHUNK_BITS], c);
    }
    return &c[id & (GCHUNK_SIZE - 1)];
}

grslot *gdelta_rslot_make(ggen *d, uint64_t id) {
    grslot *c = d->rdir[id >> GCHUNK_BITS];
    if (!c) {
        c = gmem_calloc(GCHUNK_SIZE, sizeof *c);
        STORE(&d->rdir[id >> GCHUNK_BITS], c);
    }
    return &c[id & (GCHUNK_SIZE - 1)];
}

/* gvec_push; first: where a holder's first vector comes from (NULL: malloc). */
static inline uint64_t push_in(gdelta *d, gvec **holder, uint64_t x, qv_arena *first) {
    gvec *v = *holder;
    uint64_t n = v ? v->n : 0, cap = v ? v->cap & ~GVEC_ARENA : 0;
    if (!v || n == cap) {
        gvec *nv;
        if (!v && first) {
            nv = qv_arena_alloc(first, sizeof *nv + 4 * sizeof(uint64_t));
            nv->cap = 4 | GVEC_ARENA;
        } else {
            cap = v ? cap * 2 : 4;
            nv = qv_malloc(sizeof *nv + cap * sizeof(uint64_t));
            nv->cap = cap;
        }
        nv->n = n;
        if (n) memcpy(nv->a, v->a, n * sizeof(uint64_t));
        STORE(holder, nv);
        if (v && !(v->cap & GVEC_ARENA)) gdelta_retire(d, v, free);   /* an arena one stays with its generation */
        v = nv;
    }
    __atomic_store_n(&v->a[n], x, __ATOMIC_RELAXED);   /* a reader may still scan a slot a rollback gave back */
    STORE(&v->n, n + 1);
    return n;
}

uint64_t gvec_push(gdelta *d, gvec **holder, uint64_t x) { return push_in(d, holder, x, NULL); }

uint64_t gvec_push_adj(gdelta *d, ggen *gen, gvec **holder, uint64_t x) { return push_in(d, holder, x, &gen->vals); }

void gvec_free(void *p) {
    gvec *v = p;
    if (v && !(v->cap & GVEC_ARENA)) free(v);
}

/* ---- external ids of new nodes ---- */
static void ext_place(gxtab *t, uint64_t hash, uint64_t id) {
    for (uint64_t i = hash & t->mask;; i = (i + 1) & t->mask)
        if (!t->e[i].hash) {
            t->e[i].id = id;
            STORE(&t->e[i].hash, hash);
            t->used++;
            return;
        }
}

void gext_insert(gdelta *d, uint64_t hash, uint64_t node) { gext_insert_gen(d, d->gen, hash, node); }

void gext_insert_gen(gdelta *d, ggen *gen, uint64_t hash, uint64_t node) {
    hash |= 1;   /* 0 marks an empty entry */
    gxtab *t = gen->ext;
    if (!t || (t->used + 1) * 2 > t->mask + 1) {
        uint64_t size = t ? (t->mask + 1) * 2 : 1024;
        gxtab *nt = gmem_calloc(1, sizeof *nt + size * sizeof(gxent));   /* memory helper: gmem, as ggen_free */
        nt->mask = size - 1;
        for (uint64_t i = 0; t && i <= t->mask; i++)
            if (t->e[i].hash) ext_place(nt, t->e[i].hash, t->e[i].id);
        STORE(&gen->ext, nt);
        gdelta_retire(d, t, gmem_free);
        t = nt;
    }
    ext_place(t, hash, node);
}

/* wal helper (log replay): n new entries at once. The table is sized once, and the entries (the old ones too
 * when it grows) are placed bucket by bucket of neighbouring home slots, so the placement walks the table
 * instead of missing the cache on every insert as n single inserts into a table much larger than the cache do.
 * Replay looks no id up before it creates a node, so the placement notes each entry of the same hash that a new
 * one passes (in *same, the count returned; none but when two nodes share an id, or once in 2^63): the caller
 * decides whether the two are one id of two live nodes. The table never drops entries, so of two equal hashes
 * the one placed second always passes the first. */
uint64_t gext_insert_many(gdelta *d, const gxent *e, uint64_t n, gxpair **same) {
    gxtab *t = d->gen->ext;
    uint64_t used = t ? t->used : 0, size = t ? t->mask + 1 : 1024;
    while ((used + n) * 2 > size) size *= 2;
    const gxent *all = e;
    uint64_t m = n;
    gxent *tmp = NULL;
    gxtab *nt = t;
    if (!t || size != t->mask + 1) {
        nt = gmem_calloc(1, sizeof *nt + size * sizeof(gxent));   /* memory helper: gmem, as ggen_free */
        nt->mask = size - 1;
        if (used) {
            tmp = gmem_alloc((used + n) * sizeof *tmp);
            m = 0;
            for (uint64_t i = 0; i <= t->mask; i++)
                if (t->e[i].hash) tmp[m++] = t->e[i];
            memcpy(tmp + m, e, n * sizeof *e);
            m += n;
            all = tmp;
        }
    }
    int bits = 0;
    while ((1ull << bits) < size) bits++;
    int b = bits < 12 ? bits : 12, shift = bits - b;
    uint64_t *start = qv_calloc((1ull << b) + 1, sizeof *start);
    for (uint64_t i = 0; i < m; i++) start[((all[i].hash & nt->mask) >> shift) + 1]++;
    for (uint64_t k = 0; k < (1ull << b); k++) start[k + 1] += start[k];
    gxent *ord = gmem_alloc((m ? m : 1) * sizeof *ord);
    for (uint64_t i = 0; i < m; i++) ord[start[(all[i].hash & nt->mask) >> shift]++] = all[i];
    uint64_t n_same = 0, cap = 0;
    *same = NULL;
    for (uint64_t i = 0; i < m; i++) {
        uint64_t h = ord[i].hash, k = h & nt->mask;
        for (; nt->e[k].hash; k = (k + 1) & nt->mask)
            if (nt->e[k].hash == h) GPUSH(*same, n_same, cap, ((gxpair){nt->e[k].id, ord[i].id}));
        nt->e[k].id = ord[i].id;
        STORE(&nt->e[k].hash, h);
        nt->used++;
    }
    gmem_free(ord);
    free(start);
    gmem_free(tmp);
    if (nt != t) {
        STORE(&d->gen->ext, nt);
        if (t) gdelta_retire(d, t, gmem_free);
    }
    return n_same;
}

const uint32_t *gdelta_base_src(gdelta *d) {
    const uint32_t *s = LOAD(&d->base_src);
    if (s) return s;
    graph *g = d->g;
    pthread_mutex_lock(&g->delta_mu);
    uint32_t *b = d->base_src;
    if (!b) {
        b = qv_malloc((d->base_rels + 1) * sizeof *b);
        for (uint64_t v = 0; v < d->base_nodes; v++)
            for (uint64_t r = g->out_off[v]; r < g->out_off[v + 1]; r++) b[r] = (uint32_t)v;
        STORE(&d->base_src, b);
    }
    pthread_mutex_unlock(&g->delta_mu);
    return b;
}
