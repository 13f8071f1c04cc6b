/* gcompact.c — folding the delta into a new generation: a CSR both ways over every live relationship (with
 * an explicit relationship-id array, since ids are not in source order any more), label lists over every node,
 * version chains collapsed to one version each; swapped in with one release store, the old generation retired
 * until its readers close. Also the background trigger that runs it off the writer's path.
 * The build reads a snapshot (csn C) like any view, while writers go on; then, holding the writer slot, it
 * carries over what was committed after C (newer versions, relationships created since, labels gained since)
 * and swaps. Must not: change an id, change what any snapshot reads, or free the old generation directly. */
#include "graph/gdelta.h"
#include "graph/gmem.h"
#include "graph/grelid.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static gnver *copy_nver(const gnver *x, qv_arena *a) {
    gnver *c = qv_malloc(sizeof *c + x->n_props * sizeof(gprop) + x->n_labels * sizeof(uint32_t));
    *c = *x;
    c->props = (gprop *)(c + 1);
    c->labels = (uint32_t *)(c->props + x->n_props);
    for (uint32_t i = 0; i < x->n_props; i++) c->props[i] = (gprop){x->props[i].key, gval_copy(a, x->props[i].value)};
    memcpy(c->labels, x->labels, x->n_labels * sizeof(uint32_t));
    c->cap_props = c->n_props;
    c->cap_labels = c->n_labels;
    c->own_labels = c->own_props = c->arena = false;   /* malloc'd, whatever x was */
    c->csn = 0;
    c->older = NULL;
    return c;
}

static grver *copy_rver(const grver *x, qv_arena *a) {
    grver *c = qv_malloc(sizeof *c + x->n_props * sizeof(gprop));
    *c = *x;
    c->props = (gprop *)(c + 1);
    for (uint32_t i = 0; i < x->n_props; i++) c->props[i] = (gprop){x->props[i].key, gval_copy(a, x->props[i].value)};
    c->cap_props = c->n_props;
    c->own_props = c->arena = false;   /* malloc'd, whatever x was */
    c->csn = 0;
    c->older = NULL;
    return c;
}

/* Whether the old generation's node pack is still the state at v's snapshot for ids base .. n-1: it covers them
 * all and none of them has a version v sees (relationship loads only add adjacency to nodes). */
/* Frees what build() allocated with gmem_alloc in a compacted generation: its CSR and label lists (ggen_free). */
void gcompact_free_arrays(ggen *gen) {
    gmem_free((void *)gen->out_off);
    gmem_free((void *)gen->in_off);
    gmem_free((void *)gen->out_tgt);
    gmem_free((void *)gen->out_rel);
    gmem_free((void *)gen->in_rel);
    gmem_free((void *)gen->in_src);
    for (uint32_t l = 0; gen->blab && l < gen->n_blab; l++) gmem_free(gen->blab[l]);
}

static bool npack_current(gview *v, const ggen *old, uint64_t base, uint64_t n) {
    const gpack *p = old->npack;
    if (!p || p->lo != base || p->lo + p->n != n) return false;
    for (uint64_t c = base >> GCHUNK_BITS; c <= (n - 1) >> GCHUNK_BITS && c < GDIR_SIZE; c++) {
        const gnslot *ns = LOAD(&old->ndir[c]);
        for (uint64_t i = 0; ns && i < GCHUNK_SIZE; i++) {
            uint64_t id = (c << GCHUNK_BITS) | i;
            if (id >= base && id < n && gv_node_ver(v, id)) return false;
        }
    }
    return true;
}

/* Builds the generation for the state v sees (ids below n nodes / m relationships). */
static ggen *build(gview *v, uint64_t n, uint64_t m, uint64_t csn) {
    gdelta *d = v->d;
    const ggen *old = v->gen;
    ggen *ng = ggen_new();
    ng->csn = csn;
    ng->n_csr = n;
    ng->owned = true;
    uint64_t *out_off = gmem_calloc(n + 2, sizeof *out_off), *in_off = gmem_calloc(n + 2, sizeof *in_off);
    uint64_t live = 0;
    for (uint64_t r = 0; r < m; r++) {
        if (!gv_rel_live(v, r)) continue;
        uint64_t s, t;
        uint32_t ty;
        gview_rel_info(v, r, &s, &t, &ty);
        out_off[s + 1]++;
        in_off[t + 1]++;
        live++;
    }
    for (uint64_t i = 0; i < n; i++) out_off[i + 1] += out_off[i], in_off[i + 1] += in_off[i];
    uint32_t *out_tgt = gmem_alloc((live + 1) * sizeof *out_tgt), *out_rel = gmem_alloc((live + 1) * sizeof *out_rel);
    uint32_t *in_rel = gmem_alloc((live + 1) * sizeof *in_rel), *in_src = gmem_alloc((live + 1) * sizeof *in_src);
    /* gmem: a compactor thread's malloc arena would keep these resident after the free (its top is never trimmed) */
    uint64_t *fo = gmem_alloc((n + 1) * sizeof *fo), *fi = gmem_alloc((n + 1) * sizeof *fi);
    memcpy(fo, out_off, (n + 1) * sizeof *fo);
    memcpy(fi, in_off, (n + 1) * sizeof *fi);
    for (uint64_t r = 0; r < m; r++) {   /* ascending ids: each segment lists its relationships in id order */
        if (!gv_rel_live(v, r)) continue;
        uint64_t s, t;
        uint32_t ty;
        gview_rel_info(v, r, &s, &t, &ty);
        out_tgt[fo[s]] = (uint32_t)t;
        out_rel[fo[s]++] = (uint32_t)r;
        in_src[fi[t]] = (uint32_t)s;
        in_rel[fi[t]++] = (uint32_t)r;
    }
    gmem_free(fo);
    gmem_free(fi);
    ng->out_off = out_off;
    ng->in_off = in_off;
    ng->out_tgt = out_tgt;
    ng->out_rel = out_rel;
    ng->in_rel = in_rel;
    ng->in_src = in_src;

    /* entities created after the loader's base: packed (typed columns, label sets, ids), no version, no slot */
    ng->npack = npack_current(v, old, d->base_nodes, n) ? gpack_ref(old->npack) : gpack_build_nodes(v, d->base_nodes, n);
    ng->rpack = gpack_build_rels(v, d->base_rels, m);
    ng->relid = grelid_build(v, ng, m);   /* relationships' user ids (NULL when none was ever given) */

    /* written loader entities: one version each (the newest, which is all v sees: nothing is newer) */
    for (uint64_t c = 0; c < GDIR_SIZE; c++) {
        if ((c << GCHUNK_BITS) >= d->base_nodes && (c << GCHUNK_BITS) >= d->base_rels) break;
        const gnslot *ns = LOAD(&old->ndir[c]);
        for (uint64_t i = 0; ns && i < GCHUNK_SIZE; i++) {
            uint64_t id = (c << GCHUNK_BITS) | i;
            if (id >= n || id >= d->base_nodes) break;
            const gnver *x = gv_node_ver(v, id);
            if (!x) continue;
            gnslot *s = gdelta_nslot_make(ng, id);
            s->ext = gval_copy(&ng->vals, ns[i].ext);
            s->ver = copy_nver(x, &ng->vals);
        }
        const grslot *rs = LOAD(&old->rdir[c]);
        for (uint64_t i = 0; rs && i < GCHUNK_SIZE; i++) {
            uint64_t id = (c << GCHUNK_BITS) | i;
            if (id >= m || id >= d->base_rels) break;
            const grver *x = LOAD(&rs[i].ver);   /* the writer may be stamping a newer one */
            while (x && x->csn > v->snap) x = x->older;
            if (!x) continue;
            grslot *s = gdelta_rslot_make(ng, id);
            s->src = rs[i].src;
            s->dst = rs[i].dst;
            s->type = rs[i].type;
            s->ver = copy_rver(x, &ng->vals);
        }
    }

    /* label lists over every live node */
    uint32_t nl = gview_n_labels(v);
    ng->n_blab = nl;
    ng->blab = qv_calloc(nl + 1, sizeof *ng->blab);
    ng->blab_n = qv_calloc(nl + 1, sizeof *ng->blab_n);
    uint32_t cap = 256, *ls = qv_malloc(cap * sizeof *ls);
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            for (uint32_t l = 0; l < nl; l++) {
                ng->blab[l] = gmem_alloc((ng->blab_n[l] ? ng->blab_n[l] : 1) * sizeof(uint64_t));
                ng->blab_n[l] = 0;
            }
        for (uint64_t id = 0; id < n; id++) {
            if (!gv_node_live(v, id)) continue;
            uint32_t k = gview_node_labels(v, id, ls, cap);
            if (k > cap) {   /* a node with more labels than ever before: every one is listed */
                free(ls);
                cap = k;
                ls = qv_malloc(cap * sizeof *ls);
                gview_node_labels(v, id, ls, cap);
            }
            for (uint32_t j = 0; j < k; j++) {
                if (ls[j] >= nl) continue;
                if (pass) ng->blab[ls[j]][ng->blab_n[ls[j]]] = id;
                ng->blab_n[ls[j]]++;
            }
        }
    }
    free(ls);
    ng->blab_built = true;
    return ng;
}

/* Holding the writer slot: carries what was committed after the build's snapshot c (in old) into ng. Views
 * that open on ng have snapshots at or after the swap (ng->csn is the last commit), so only the newest version
 * of each entity matters: it replaces the collapsed one. */
static void catch_up(gdelta *d, const ggen *old, ggen *ng, uint64_t c, uint64_t m_c) {
    for (uint64_t k = 0; k < GDIR_SIZE; k++) {
        const gnslot *ns = old->ndir[k];
        for (uint64_t i = 0; ns && i < GCHUNK_SIZE; i++) {
            uint64_t id = (k << GCHUNK_BITS) | i;
            if (id >= d->nodes_hwm) break;
            const gnver *x = ns[i].ver;
            if (!x || x->csn <= c) continue;
            gnslot *s = gdelta_nslot_make(ng, id);
            s->ext = gval_copy(&ng->vals, ns[i].ext);
            ng->carried++;
            gnver *was = s->ver;   /* collapsed at c, or NULL: packed, or created after c */
            s->ver = copy_nver(x, &ng->vals);
            if (id >= ng->n_csr && s->ext.type != QT_NULL) gext_insert_gen(d, ng, gext_hash(s->ext), id);
            uint32_t nb = 0;   /* labels at c: the collapsed version's, the loader's or the pack's */
            const uint32_t *bl = was ? was->labels : NULL;
            if (was) nb = was->n_labels;
            else if (id < d->base_nodes && d->g->node_labelset) bl = graph_node_labels(d->g, id, &nb);
            else if (id >= d->base_nodes) bl = gpack_labels(ng->npack, id, &nb);
            for (uint32_t l = 0; l < x->n_labels; l++) {   /* labels gained since c */
                bool had = false;
                for (uint32_t j = 0; j < nb && !had; j++) had = bl[j] == x->labels[l];
                if (!had) gvec_push(d, &ng->lab_delta[x->labels[l]], id);
            }
            gnver_free(was);
        }
        const grslot *rs = old->rdir[k];
        for (uint64_t i = 0; rs && i < GCHUNK_SIZE; i++) {
            uint64_t id = (k << GCHUNK_BITS) | i;
            if (id >= d->rels_hwm) break;
            const grver *x = rs[i].ver;
            if (!x || x->csn <= c) continue;
            grslot *s = gdelta_rslot_make(ng, id);
            ng->carried++;
            s->src = rs[i].src;
            s->dst = rs[i].dst;
            s->type = rs[i].type;
            if (gpack_has(ng->rpack, id)) {   /* a slot made by a SET holds no endpoints */
                uint32_t ty;
                gpack_rel(ng->rpack, id, &s->src, &s->dst, &ty);
                s->type = ty;
            }
            grver_free(s->ver);
            s->ver = copy_rver(x, &ng->vals);
            if (id >= m_c) {   /* created after c: not in the CSR */
                gvec_push(d, &gdelta_nslot_make(ng, s->src)->out, id);
                gvec_push(d, &gdelta_nslot_make(ng, s->dst)->in, id);
            }
        }
    }
    grelid_catch_up(d, old, ng, m_c);   /* user ids of relationships created since c */
}

struct gcompaction {
    graph *g;
    gview *v;      /* the snapshot the build read */
    ggen *ng;      /* NULL: nothing to fold */
};

gcompaction *gcompact_begin(graph *g, qv_err *err) {
    gcompaction *c = qv_calloc(1, sizeof *c);
    c->g = g;
    c->v = gview_open(g, err);
    /* something committed since the last compaction, or versions its catch-up carried over: fold them */
    if (c->v->gen->csn != c->v->snap || c->v->gen->carried) c->ng = build(c->v, c->v->s->n_nodes, c->v->s->n_rels, c->v->snap);
    return c;
}

/* *lost: another compaction (the background one) swapped in first and this one was dropped. */
static int finish(gcompaction *c, bool *lost, qv_err *err) {
    gdelta *d = gdelta_get(c->g);
    int rc = 0;
    *lost = false;
    gtxn *t = c->ng ? gtxn_begin(c->g, err) : NULL;
    if (c->ng && !t) rc = -1;
    if (t && d->gen == c->v->gen) {   /* else another compaction swapped first: drop ours */
        catch_up(d, c->v->gen, c->ng, c->v->snap, c->v->s->n_rels);
        c->ng->csn = d->snap->csn;
        ggen *old = d->gen;
        STORE(&d->gen, c->ng);
        gdelta_retire(d, old, ggen_free);
        c->ng = NULL;
        __atomic_fetch_add(&d->compactions, 1, __ATOMIC_RELEASE);
    } else if (t) {
        *lost = true;
    }
    ggen_free(c->ng);
    gview_close(c->v);
    if (t) gtxn_rollback(t);   /* nothing to undo: frees the writer slot */
    free(c);
    return rc;
}

int gcompact_finish(gcompaction *c, qv_err *err) {
    bool lost;
    return finish(c, &lost, err);
}

static int compact_once(graph *g, bool *lost, qv_err *err) { return finish(gcompact_begin(g, err), lost, err); }

/* Waits until no background compaction is in flight, and reaps the last one: one in flight holds a snapshot
 * (so the generations retired meanwhile cannot be freed) and its half-built generation. The compactor needs
 * the writer slot to finish, so the slot is only held to look. */
static void wait_background(graph *g) {
    gdelta *d = gdelta_get(g);
    for (;;) {
        qv_err err;
        gtxn *t = gtxn_begin(g, &err);
        if (!t) return;   /* a dropped graph */
        bool busy = d->compacting && !__atomic_load_n(&d->compact_done, __ATOMIC_ACQUIRE);
        if (d->compacting && !busy) {
            pthread_join(d->compactor, NULL);
            d->compacting = false;
        }
        gtxn_rollback(t);
        if (!busy) return;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
}

/* Folds everything committed before the call, and leaves no older generation allocated that no view holds:
 * waits for a background compaction in flight first; if one still swaps in first (a commit started it
 * meanwhile), builds again from the newer state; then waits for the old generations' frees. */
int graph_compact(graph *g, qv_err *err) {
    wait_background(g);
    int rc = 0;
    for (int i = 0; i < 8; i++) {
        bool lost;
        if ((rc = compact_once(g, &lost, err)) != 0 || !lost) break;
    }
    graph_reap_wait(g);   /* gdelta.c: the generations retired so far that no view holds are freed */
    return rc;
}

/* ---- background trigger ---- */
static void *compactor_main(void *arg) {
    graph *g = arg;
    qv_err err;
    bool lost;
    compact_once(g, &lost, &err);   /* a dropped graph refuses the writer slot: nothing to do then */
    __atomic_store_n(&g->delta->compact_done, true, __ATOMIC_RELEASE);
    return NULL;
}

/* A compaction rebuilds the whole graph, so it starts once the changes since the last one reach half the
 * relationships (at least 65,536): a load that grows a graph from nothing then rebuilds about twice its final
 * size in all (n + n/1.5 + n/2.25 + ...), where a tenth rebuilt it about ten times over and the compactor
 * took as much CPU as the writer. Reads meanwhile merge a delta of at most a third of the graph. */
void gcompact_maybe(gdelta *d) {
    uint64_t half = d->rels_hwm / 2, min = d->compact_min ? d->compact_min : 65536;
    if (d->compact_off || d->changes < (half > min ? half : min)) return;
    if (d->compacting) {   /* one at a time: reap the last one if it is done */
        if (!__atomic_load_n(&d->compact_done, __ATOMIC_ACQUIRE)) return;
        pthread_join(d->compactor, NULL);
        d->compacting = false;
    }
    d->compact_done = false;
    d->changes = 0;
    d->compacting = true;   /* joined here or by gdelta_free */
    if (pthread_create(&d->compactor, NULL, compactor_main, d->g) != 0) d->compacting = false;
}

void graph_set_compact_trigger(graph *g, bool on, uint64_t min_changes) {
    gdelta *d = gdelta_get(g);
    pthread_mutex_lock(&d->wmu);
    d->compact_off = !on;
    d->compact_min = min_changes;
    pthread_mutex_unlock(&d->wmu);
}
