/* gview.c — reading a graph through a snapshot: visibility, names, counts, nodes, relationships, scans and
 * adjacency over the base plus the delta (see gview.h, gdelta.h, docs/write-path.md).
 * Must not: change anything shared (only the view's own arena), take locks on the per-element read path
 * (names are read under cols_lock, which only interning and PUT_NODE_PROPERTIES hold for writing), or wait for
 * the writer. A version is visible to a view when its csn <= the view's snapshot csn. */
#include "graph/gdelta.h"
#include "graph/grelid.h"
#include "util/buf.h"
#include "util/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gv_init(gview *v, graph *g, gdelta *d) {
    memset(v, 0, sizeof *v);
    v->g = g;
    v->d = d;
    qv_arena_init(&v->a);
}

gview *gview_open(graph *g, qv_err *err) {
    (void)err;
    gdelta *d = gdelta_get(g);
    gview *v = qv_malloc(sizeof *v);
    gv_init(v, g, d);
    v->pin = gdelta_pin(d);
    do {   /* a generation newer than the snapshot would show too much: it was swapped in meanwhile, reload */
        v->s = LOAD(&d->snap);
        v->gen = LOAD(&d->gen);
    } while (v->s->csn < v->gen->csn);
    v->snap = v->s->csn;
    return v;
}

void gview_close(gview *v) {
    if (!v || v->t) return;   /* a transaction's view lives as long as the transaction */
    gdelta_unpin(v->d, v->pin);
    qv_arena_free(&v->a);
    free(v);
}

graph *gview_graph(const gview *v) { return v->g; }

uint64_t gv_nodes_end(const gview *v) { return v->t ? v->d->nodes_hwm : v->s->n_nodes; }
uint64_t gv_rels_end(const gview *v) { return v->t ? v->d->rels_hwm : v->s->n_rels; }
uint64_t gview_node_id_end(gview *v) { return gv_nodes_end(v); }
uint64_t gview_rel_id_end(gview *v) { return gv_rels_end(v); }

void graph_live_counts(graph *g, uint64_t *nodes, uint64_t *rels) {
    gdelta *d = LOAD(&g->delta);
    if (!d) {
        *nodes = g->n_nodes;
        *rels = g->n_rels;
        return;
    }
    uint32_t pin = gdelta_pin(d);
    const gsnap *s = LOAD(&d->snap);
    *nodes = s->node_count;
    *rels = s->rel_count;
    gdelta_unpin(d, pin);
}

bool graph_has_writes(graph *g) {
    const gdelta *d = LOAD(&g->delta);
    return d && LOAD(&d->snap)->csn > 0;
}

const gnver *gv_node_ver(const gview *v, uint64_t id) {
    const gnslot *s = gdelta_nslot(v->gen, id);
    if (!s) return NULL;
    for (const gnver *x = LOAD(&s->ver); x; x = x->older)
        if (x->csn <= v->snap) return x;
    return NULL;
}

static const grver *rel_ver(const gview *v, uint64_t id) {
    const grslot *s = gdelta_rslot(v->gen, id);
    if (!s) return NULL;
    for (const grver *x = LOAD(&s->ver); x; x = x->older)
        if (x->csn <= v->snap) return x;
    return NULL;
}

bool gv_node_live(const gview *v, uint64_t id) {
    if (id >= gv_nodes_end(v)) return false;
    const gnver *x = gv_node_ver(v, id);
    return x ? !x->deleted : id < v->d->base_nodes || gpack_has(v->gen->npack, id);
}

bool gv_rel_live(const gview *v, uint64_t id) {
    if (id >= gv_rels_end(v)) return false;
    const grver *x = rel_ver(v, id);
    return x ? !x->deleted : id < v->d->base_rels || gpack_has(v->gen->rpack, id);
}

/* ---- names ---- */
/* Names are interned only by the writer, under cols_lock held for writing: other views read them under the
 * lock, the transaction's own view (the writer's thread) needs none. */
static int64_t name_id(gview *v, const qv_strtab *t, const char *s, size_t n) {
    if (v->t) return qv_strtab_find(t, s, n);
    pthread_rwlock_rdlock(&v->g->cols_lock);
    int64_t id = qv_strtab_find(t, s, n);
    pthread_rwlock_unlock(&v->g->cols_lock);
    return id;
}

static const char *name_of(gview *v, const qv_strtab *t, uint32_t id) {
    if (v->t) return id < t->count ? t->names[id] : NULL;
    pthread_rwlock_rdlock(&v->g->cols_lock);
    const char *s = id < t->count ? t->names[id] : NULL;
    pthread_rwlock_unlock(&v->g->cols_lock);
    return s;
}

static uint32_t name_count(gview *v, const qv_strtab *t) {
    if (v->t) return t->count;
    pthread_rwlock_rdlock(&v->g->cols_lock);
    uint32_t n = t->count;
    pthread_rwlock_unlock(&v->g->cols_lock);
    return n;
}

int64_t gview_label_id(gview *v, const char *name, size_t len) { return name_id(v, &v->g->labels, name, len); }
int64_t gview_type_id(gview *v, const char *name, size_t len) { return name_id(v, &v->g->rel_types, name, len); }
int64_t gview_key_id(gview *v, const char *name, size_t len) { return name_id(v, &v->g->prop_keys, name, len); }
const char *gview_label_name(gview *v, uint32_t id) { return name_of(v, &v->g->labels, id); }
const char *gview_type_name(gview *v, uint32_t id) { return name_of(v, &v->g->rel_types, id); }
const char *gview_key_name(gview *v, uint32_t id) { return name_of(v, &v->g->prop_keys, id); }
uint32_t gview_n_labels(gview *v) { return name_count(v, &v->g->labels); }
uint32_t gview_n_types(gview *v) { return name_count(v, &v->g->rel_types); }
uint32_t gview_n_keys(gview *v) { return name_count(v, &v->g->prop_keys); }

/* ---- counts ---- */
uint64_t gview_node_count(gview *v) { return v->t ? v->t->node_count : v->s->node_count; }
uint64_t gview_rel_count(gview *v) { return v->t ? v->t->rel_count : v->s->rel_count; }

uint64_t gview_label_count(gview *v, uint32_t label) {
    if (v->t) return label < v->t->n_lc ? v->t->label_count[label] : 0;
    return label < v->s->n_labels ? v->s->label_count[label] : 0;
}

uint64_t gview_type_count(gview *v, uint32_t type) {
    if (v->t) return type < v->t->n_tc ? v->t->type_count[type] : 0;
    return type < v->s->n_types ? v->s->type_count[type] : 0;
}

/* ---- nodes ---- */
bool gview_node_exists(gview *v, uint64_t node) { return gv_node_live(v, node); }

static const uint32_t *labels_of(gview *v, uint64_t node, uint32_t *n) {
    const gnver *x = gv_node_ver(v, node);
    if (x) {
        *n = x->n_labels;
        return x->labels;
    }
    if (node < v->d->base_nodes && v->g->node_labelset) return graph_node_labels(v->g, node, n);
    return gpack_labels(v->gen->npack, node, n);   /* NULL, 0 when not packed */
}

uint32_t gview_node_labels(gview *v, uint64_t node, uint32_t *out, uint32_t max) {
    uint32_t n;
    const uint32_t *ls = labels_of(v, node, &n);
    for (uint32_t i = 0; i < n && i < max; i++) out[i] = ls[i];
    return n;
}

bool gview_node_has_label(gview *v, uint64_t node, uint32_t label) {
    uint32_t n;
    const uint32_t *ls = labels_of(v, node, &n);
    for (uint32_t i = 0; i < n; i++)
        if (ls[i] == label) return true;
    return false;
}

/* Base columns from index `from` on: the one for key. The pair (count, array) is published count last. */
static bool base_prop(gview *v, uint64_t node, uint32_t from, uint32_t key, qval *out) {
    int n = __atomic_load_n(&v->g->n_node_cols, __ATOMIC_ACQUIRE);
    const gcolumn *cols = __atomic_load_n(&v->g->node_cols, __ATOMIC_ACQUIRE);
    for (int i = (int)from; i < n; i++)
        if (cols[i].key == key) {
            if (!gcolumn_has(&cols[i], node)) return false;
            *out = gcol_value(&cols[i], node, &v->a);
            return true;
        }
    return false;
}

static const gprop *find_prop(const gprop *p, uint32_t n, uint32_t key) {
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (p[mid].key == key) return &p[mid];
        if (p[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

bool gview_node_prop(gview *v, uint64_t node, uint32_t key, qval *out) {
    *out = qv_null();
    const gnver *x = gv_node_ver(v, node);
    if (x) {
        const gprop *p = find_prop(x->props, x->n_props, key);
        if (p) {
            *out = p->value;
            return true;
        }
        return node < v->d->base_nodes && base_prop(v, node, x->ncols, key, out);
    }
    if (node >= v->d->base_nodes) return gpack_has(v->gen->npack, node) && gpack_prop(v->gen->npack, node, key, out);
    return base_prop(v, node, 0, key, out);
}

uint32_t gview_node_props(gview *v, uint64_t node, qv_arena *a, gprop **out) {
    const gnver *x = gv_node_ver(v, node);
    const gpack *pk = v->gen->npack;
    if (!x && gpack_has(pk, node)) {   /* packed by a compaction: ascending keys already */
        *out = qv_arena_alloc(a, ((size_t)gpack_max_props(pk) + 1) * sizeof **out);
        return gpack_props(pk, node, *out);
    }
    uint32_t from = x ? x->ncols : 0, nv = x ? x->n_props : 0;
    int nc = 0;
    const gcolumn *cols = NULL;
    if (node < v->d->base_nodes) {
        nc = __atomic_load_n(&v->g->n_node_cols, __ATOMIC_ACQUIRE);
        cols = __atomic_load_n(&v->g->node_cols, __ATOMIC_ACQUIRE);
    }
    gprop *r = qv_arena_alloc(a, ((size_t)nv + (size_t)(nc > 0 ? nc : 0) + 1) * sizeof *r);
    uint32_t k = 0;
    for (uint32_t i = 0; i < nv; i++) r[k++] = x->props[i];
    for (int i = (int)from; i < nc; i++) {
        if (!gcolumn_has(&cols[i], node) || (x && find_prop(x->props, x->n_props, cols[i].key))) continue;
        r[k].key = cols[i].key;
        r[k++].value = gcol_value(&cols[i], node, a);
    }
    if (k > nv) qsort(r, k, sizeof *r, gprop_cmp);
    *out = r;
    return k;
}

qval gview_node_ext_id(gview *v, uint64_t node) {
    graph *g = v->g;
    if (node < v->d->base_nodes) {
        if (g->ext_ids) return qv_int(g->ext_ids[node]);
        if (g->ext_str_off)
            return qv_str_ref(g->ext_str + g->ext_str_off[node], (uint32_t)(g->ext_str_off[node + 1] - g->ext_str_off[node]));
        return qv_int((int64_t)node);
    }
    if (gpack_has(v->gen->npack, node)) return gpack_ext(v->gen->npack, node);
    const gnslot *s = gdelta_nslot(v->gen, node);
    return s && gv_node_ver(v, node) ? s->ext : qv_null();
}

uint64_t gext_hash(qval x) { return gval_hash(x) ^ (x.type == QT_INT ? 0x5bd1e995ull : 0); }

/* Remembers that x names no node: the base index and the generation's pack never change and their nodes never
 * come back to life, so only an insertion into the table of new nodes' ids (or a new table, or a new
 * generation) can make x exist. */
static uint64_t ext_miss(gview *v, const gxtab *t, qval x, uint64_t hash) {
    v->miss_valid = x.type == QT_INT || x.len <= sizeof v->miss_str;
    if (!v->miss_valid) return GID_NONE;
    v->miss_hash = hash;   /* n1 helper: gtxn_node_create inserts the id without hashing it again */
    v->miss_type = x.type;
    v->miss_gen = v->gen;
    v->miss_tab = t;
    v->miss_used = t ? t->used : 0;
    if (x.type == QT_INT) v->miss_int = x.i;
    else v->miss_len = x.len, memcpy(v->miss_str, x.s, x.len);
    return GID_NONE;
}

bool gv_ext_missing(const gview *v, qval x) {
    if (!v->miss_valid || x.type != v->miss_type) return false;
    const gxtab *t = LOAD(&v->gen->ext);
    if (v->gen != v->miss_gen || (const void *)t != v->miss_tab || (t ? t->used : 0) != v->miss_used) return false;
    if (x.type == QT_INT) return x.i == v->miss_int;
    return x.len == v->miss_len && memcmp(x.s, v->miss_str, x.len) == 0;
}

uint64_t gv_node_by_packed_ext_id(gview *v, qval x) {
    graph *g = v->g;
    if (v->d->base_nodes) {
        int64_t r = -1;
        if (x.type == QT_INT && g->id_type == GRAPH_ID_INTEGER && g->ext_ids) r = gidindex_find_int(&g->idx, x.i);
        else if (x.type == QT_STRING && g->id_type == GRAPH_ID_STRING && g->ext_str_off)
            r = gidindex_find_str(&g->idx, x.s, x.len);
        if (r >= 0 && gv_node_live(v, (uint64_t)r)) return (uint64_t)r;
    }
    uint64_t p = gpack_find_ext(v->gen->npack, x);   /* nodes the last compaction packed */
    return p != GID_NONE && gv_node_live(v, p) ? p : GID_NONE;
}

uint64_t gview_node_by_ext_id(gview *v, qval x) {
    if (x.type != QT_INT && x.type != QT_STRING) return GID_NONE;
    uint64_t p = gv_node_by_packed_ext_id(v, x);
    return p != GID_NONE ? p : gv_node_by_new_ext_id(v, x);
}

uint64_t gv_node_by_new_ext_id(gview *v, qval x) {
    const gxtab *t = LOAD(&v->gen->ext);   /* nodes created since */
    if (!t) return ext_miss(v, t, x, 0);
    uint64_t h = gext_hash(x) | 1;
    for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask) {
        uint64_t eh = LOAD(&t->e[i].hash);
        if (!eh) return ext_miss(v, t, x, h);
        if (eh != h) continue;
        uint64_t id = t->e[i].id;
        if (!gv_node_live(v, id)) continue;
        const gnslot *s = gdelta_nslot(v->gen, id);
        if (s && s->ext.type == x.type && gval_eq(s->ext, x)) return id;
    }
}

/* ---- relationships ---- */
bool gview_rel_exists(gview *v, uint64_t rel) { return gv_rel_live(v, rel); }

void gview_rel_info(gview *v, uint64_t rel, uint64_t *src, uint64_t *dst, uint32_t *type) {
    graph *g = v->g;
    if (rel < v->d->base_rels) {
        *src = gdelta_base_src(v->d)[rel];   /* O(1) after the first call, instead of a binary search */
        *dst = g->out_tgt[rel];
        *type = g->rel_type ? g->rel_type[rel] : 0;
        return;
    }
    if (gpack_has(v->gen->rpack, rel)) {   /* its slot, if any, holds only versions */
        gpack_rel(v->gen->rpack, rel, src, dst, type);
        return;
    }
    const grslot *s = gdelta_rslot(v->gen, rel);
    if (!s || rel >= gv_rels_end(v)) {
        *src = *dst = GID_NONE;
        *type = UINT32_MAX;
        return;
    }
    *src = s->src;
    *dst = s->dst;
    *type = s->type;
}

static uint32_t rel_type_of(gview *v, uint64_t rel) {
    if (rel < v->d->base_rels) return v->g->rel_type ? v->g->rel_type[rel] : 0;
    if (gpack_has(v->gen->rpack, rel)) return gpack_rel_type(v->gen->rpack, rel);
    const grslot *s = gdelta_rslot(v->gen, rel);
    return s ? s->type : UINT32_MAX;
}

static bool base_rel_prop(gview *v, uint64_t rel, uint32_t key, qval *out) {
    graph *g = v->g;
    for (int i = 0; i < g->n_rel_cols; i++)
        if (g->rel_cols[i].key == key) {
            if (!gcolumn_has(&g->rel_cols[i], rel)) return false;
            *out = gcol_value(&g->rel_cols[i], rel, &v->a);
            return true;
        }
    return false;
}

bool gview_rel_prop(gview *v, uint64_t rel, uint32_t key, qval *out) {
    *out = qv_null();
    const grver *x = rel_ver(v, rel);
    if (x) {
        const gprop *p = find_prop(x->props, x->n_props, key);
        if (p) *out = p->value;
        return p != NULL;
    }
    if (rel >= v->d->base_rels) return gpack_has(v->gen->rpack, rel) && gpack_prop(v->gen->rpack, rel, key, out);
    return base_rel_prop(v, rel, key, out);
}

uint32_t gview_rel_props(gview *v, uint64_t rel, qv_arena *a, gprop **out) {
    const grver *x = rel_ver(v, rel);
    graph *g = v->g;
    if (x) {
        *out = qv_arena_alloc(a, ((size_t)x->n_props + 1) * sizeof **out);
        memcpy(*out, x->props, x->n_props * sizeof **out);
        return x->n_props;
    }
    if (gpack_has(v->gen->rpack, rel)) {
        *out = qv_arena_alloc(a, ((size_t)gpack_max_props(v->gen->rpack) + 1) * sizeof **out);
        return gpack_props(v->gen->rpack, rel, *out);
    }
    gprop *r = qv_arena_alloc(a, ((size_t)g->n_rel_cols + 1) * sizeof *r);
    uint32_t k = 0;
    for (int i = 0; rel < v->d->base_rels && i < g->n_rel_cols; i++)
        if (gcolumn_has(&g->rel_cols[i], rel)) {
            r[k].key = g->rel_cols[i].key;
            r[k++].value = gcol_value(&g->rel_cols[i], rel, a);
        }
    if (k > 1) qsort(r, k, sizeof *r, gprop_cmp);
    *out = r;
    return k;
}

qval gview_rel_ext_id(gview *v, uint64_t rel, qv_arena *a) {
    if (LOAD(&v->gen->relid)) {   /* some relationship was given an id (grelid.h); else none was: no lookup */
        qval u = grelid_get(v, rel);
        if (u.type == QT_STRING) return qv_str_copy(a, u.s, u.len);
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "r%llu", (unsigned long long)rel);
    char *s = qv_arena_dup(a, buf, (size_t)n);
    return qv_str_ref(s, (uint32_t)n);
}

/* ---- scans ---- */
void gview_nodes(gview *v, int64_t label, gnode_iter *it) {
    memset(it, 0, sizeof *it);
    it->v = v;
    it->label = label;
    if (label < 0) {
        it->end = gv_nodes_end(v);
        return;
    }
    it->mode = 1;
    ggen *gen = v->gen;
    if ((uint64_t)label < gen->n_blab) {
        it->list = ggen_label_lists(v->d, gen)[label];
        it->list_n = gen->blab_n[label];
    }
    it->end = (uint64_t)label < GMAX_NAMES ? gvec_len(LOAD(&gen->lab_delta[label])) : 0;
}

uint32_t gnode_iter_next(gnode_iter *it, uint64_t *ids, uint32_t max) {
    gview *v = it->v;
    uint32_t k = 0;
    if (it->mode == 0) {
        while (k < max && it->pos < it->end) {
            uint64_t id = it->pos++;
            if (gv_node_live(v, id)) ids[k++] = id;
        }
        return k;
    }
    if (it->mode == 3) {
        while (k < max && it->list_pos < it->list_n) ids[k++] = it->list[it->list_pos++];
        return k;
    }
    uint32_t label = (uint32_t)it->label;
    if (it->mode == 1) {
        while (k < max && it->list_pos < it->list_n) {
            uint64_t id = it->list[it->list_pos++];
            if (!gv_node_live(v, id)) continue;
            if (gdelta_nslot(v->gen, id) && !gview_node_has_label(v, id, label)) continue;
            ids[k++] = id;
        }
        if (it->list_pos < it->list_n) return k;
        it->mode = 2;
    }
    if (it->pos < it->end) {
        const gvec *dv = LOAD(&v->gen->lab_delta[label]);
        while (k < max && it->pos < it->end) {
            uint64_t id = gvec_at(dv->a, it->pos++);
            if (gv_node_live(v, id) && gview_node_has_label(v, id, label)) ids[k++] = id;
        }
    }
    return k;
}

void gview_rels(gview *v, int64_t type, grel_iter *it) {
    memset(it, 0, sizeof *it);
    it->v = v;
    it->type = type;
    it->end = gv_rels_end(v);
}

uint32_t grel_iter_next(grel_iter *it, uint64_t *ids, uint32_t max) {
    uint32_t k = 0;
    if (it->mode == 3) {
        while (k < max && it->pos < it->end) ids[k++] = it->list[it->pos++];
        return k;
    }
    while (k < max && it->pos < it->end) {
        uint64_t id = it->pos++;
        if (!gv_rel_live(it->v, id)) continue;
        if (it->type >= 0 && rel_type_of(it->v, id) != (uint32_t)it->type) continue;
        ids[k++] = id;
    }
    return k;
}

/* ---- adjacency: phases 0 base out, 1 delta out, 2 base in, 3 delta in, 4 done ---- */
static void adj_phase(gadj_iter *it) {
    gview *v = it->v;
    for (;;) {
        int p = it->phase;
        if (p >= 4) return;
        bool want = (p < 2) ? (it->dir & GDIR_OUT) : (it->dir & GDIR_IN);
        it->pos = it->end = 0;
        it->delta = NULL;
        it->delta_n = it->delta_pos = 0;
        if (want && (p == 0 || p == 2) && it->node < v->gen->n_csr) {
            const uint64_t *off = p == 0 ? v->gen->out_off : v->gen->in_off;
            it->pos = off[it->node];
            it->end = off[it->node + 1];
        } else if (want && (p == 1 || p == 3)) {
            const gnslot *s = gdelta_nslot(v->gen, it->node);
            const gvec *dv = s ? LOAD(p == 1 ? &s->out : &s->in) : NULL;
            if (dv) {
                it->delta = dv->a;
                it->delta_n = p == 1 ? it->out_n : it->in_n;
            }
        }
        if (it->pos < it->end || it->delta_pos < it->delta_n) return;
        it->phase++;
    }
}

void gview_expand(gview *v, uint64_t node, gdir dir, const uint32_t *types, uint32_t n_types, gadj_iter *it) {
    memset(it, 0, sizeof *it);
    it->v = v;
    it->node = it->from = node;
    it->want = GID_NONE;
    it->dir = (uint8_t)dir;
    it->types = n_types ? types : NULL;
    it->n_types = n_types;
    const gnslot *s = gdelta_nslot(v->gen, node);
    if (s) {
        it->out_n = gvec_len(LOAD(&s->out));
        it->in_n = gvec_len(LOAD(&s->in));
    }
    if (node >= gv_nodes_end(v)) it->phase = 4;
    adj_phase(it);
}

/* Adjacency entries of node in dir (CSR range plus delta vector lengths): an upper bound of its degree. */
static uint64_t adj_entries(gview *v, uint64_t node, gdir dir) {
    uint64_t n = 0;
    const ggen *gen = v->gen;
    if (node < gen->n_csr) {
        if (dir & GDIR_OUT) n += gen->out_off[node + 1] - gen->out_off[node];
        if (dir & GDIR_IN) n += gen->in_off[node + 1] - gen->in_off[node];
    }
    const gnslot *s = gdelta_nslot(gen, node);
    if (s) {
        if (dir & GDIR_OUT) n += gvec_len(LOAD(&s->out));
        if (dir & GDIR_IN) n += gvec_len(LOAD(&s->in));
    }
    return n;
}

static gdir dir_reverse(gdir d) { return d == GDIR_OUT ? GDIR_IN : d == GDIR_IN ? GDIR_OUT : GDIR_BOTH; }

void gview_expand_into(gview *v, uint64_t node, gdir dir, const uint32_t *types, uint32_t n_types, uint64_t other,
                       gadj_iter *it) {
    bool flip = other != node && other < gv_nodes_end(v) &&
                adj_entries(v, other, dir_reverse(dir)) < adj_entries(v, node, dir);
    if (!flip) {
        gview_expand(v, node, dir, types, n_types, it);
        it->want = other;
        return;
    }
    gview_expand(v, other, dir_reverse(dir), types, n_types, it);
    it->want = node;
    it->flip = true;
    it->from = node;
}

static bool type_ok(const gadj_iter *it, uint32_t t) {
    if (!it->types) return true;
    for (uint32_t i = 0; i < it->n_types; i++)
        if (it->types[i] == t) return true;
    return false;
}

/* Is the relationship whose slot is s (NULL: never written in this generation) live at v? */
static inline bool slot_rel_live(const gview *v, const grslot *s, uint64_t rel) {
    if (rel >= gv_rels_end(v)) return false;
    if (s)
        for (const grver *x = LOAD(&s->ver); x; x = x->older)
            if (x->csn <= v->snap) return !x->deleted;
    return rel < v->d->base_rels || gpack_has(v->gen->rpack, rel);
}

uint32_t gadj_iter_next(gadj_iter *it, gadj *out, uint32_t max) {
    gview *v = it->v;
    graph *g = v->g;
    gdelta *d = v->d;
    const ggen *gen = v->gen;
    uint32_t k = 0;
    while (k < max && it->phase < 4) {
        int p = it->phase;
        bool in = p >= 2;
        uint64_t rel, other;
        uint32_t type;
        if (it->pos < it->end) {
            uint64_t i = it->pos++;
            if (!in) rel = gen->out_rel ? gen->out_rel[i] : i, other = gen->out_tgt[i];
            else rel = gen->in_rel[i], other = gen->in_src[i];
            if (it->want != GID_NONE && other != it->want) continue;
            if (rel < d->base_rels) type = g->rel_type ? g->rel_type[rel] : 0;
            else type = rel_type_of(v, rel);   /* packed by a compaction (or its slot) */
            if (!type_ok(it, type) || !slot_rel_live(v, gdelta_rslot(gen, rel), rel)) continue;
        } else if (it->delta_pos < it->delta_n) {
            rel = gvec_at(it->delta, it->delta_pos++);
            const grslot *s = gdelta_rslot(gen, rel);
            /* liveness before reading the slot: a rolled-back id may be reused */
            if (!s || !slot_rel_live(v, s, rel)) continue;
            other = in ? s->src : s->dst;
            if (it->want != GID_NONE && other != it->want) continue;
            type = s->type;
            if (!type_ok(it, type)) continue;
        } else {
            it->phase++;
            adj_phase(it);
            continue;
        }
        if (in && other == it->node && (it->dir & GDIR_OUT)) continue;   /* self-loop: reported as out */
        if (it->flip) out[k++] = (gadj){.rel = rel, .other = it->node, .dir = in ? GDIR_OUT : GDIR_IN, .type = type};
        else out[k++] = (gadj){.rel = rel, .other = other, .dir = in ? GDIR_IN : GDIR_OUT, .type = type};
    }
    return k;
}

uint64_t gview_degree(gview *v, uint64_t node, gdir dir, const uint32_t *types, uint32_t n_types) {
    gadj_iter it;
    gadj buf[64];
    uint64_t n = 0;
    uint32_t k;
    gview_expand(v, node, dir, types, n_types, &it);
    while ((k = gadj_iter_next(&it, buf, 64)) > 0) n += k;
    return n;
}
