/* gindex.c — property indexes ((label, key) -> nodes, (type, key) -> relationships) and the uniqueness
 * constraints they back: lookup by snapshot, insertion by the writer, seeks, SHOW INDEXES.
 * An index maps each distinct value (hashed with gval_hash: 1 and 1.0 are one value) to a posting vector of
 * ids. Postings are only ever appended and are verified on read (entity live at the view, label/type present,
 * value still equal), so rollback and removals need no index undo; seeks de-duplicate.
 * Must not: decide what a write does (gtxn.c) or change index lists other than appending. */
#include "graph/gdelta.h"

#include <stdlib.h>
#include <string.h>

gpindex *gindex_find(const gview *v, gindex_entity ent, uint32_t token, uint32_t key) {
    const gdelta *d = v->d;
    uint32_t n = LOAD(&d->n_idx);
    for (uint32_t i = 0; i < n; i++) {
        gpindex *ix = d->idx[i];
        if (ix->entity != ent || ix->token != token || ix->key != key) continue;
        if (LOAD(&ix->created_csn) <= v->snap && LOAD(&ix->dropped_csn) > v->snap) return ix;
    }
    return NULL;
}

void gindex_free(gpindex *ix) {
    if (!ix) return;
    gptab *t = ix->tab;
    for (uint64_t i = 0; t && i <= t->mask; i++)
        if (t->b[i].hash) free(*t->b[i].post);
    free(t);
    free(ix->name);
    free(ix->constraint);
    free(ix);
}

/* Null and NaN equal nothing; a value that cannot be stored (a map, a nested list) equals no stored value, and
 * is refused before gval_hash / gval_eq could recurse into it. */
static bool indexable(qval v) {
    return !qv_is_null(v) && !(v.type == QT_FLOAT && v.f != v.f) && gvalue_storable(v);
}

static gpbucket *bucket_find(const gptab *t, qval value, uint64_t h) {
    if (!t) return NULL;
    for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask) {
        uint64_t bh = LOAD(&t->b[i].hash);
        if (!bh) return NULL;
        if (bh == h && gval_eq(t->b[i].value, value)) return (gpbucket *)&t->b[i];
    }
}

static gpbucket *bucket_place(gptab *t, uint64_t h, qval value, gvec **post) {
    uint64_t i = h & t->mask;
    while (t->b[i].hash) i = (i + 1) & t->mask;
    t->b[i].value = value;
    t->b[i].post = post;
    STORE(&t->b[i].hash, h);
    t->used++;
    return &t->b[i];
}

gvec **gindex_posting(gdelta *d, gpindex *ix, qval value) {
    if (!indexable(value)) return NULL;
    uint64_t h = gval_hash(value) | 1;
    gptab *t = ix->tab;
    gpbucket *b = bucket_find(t, value, h);
    if (!b) {
        if (!t || (t->used + 1) * 2 > t->mask + 1) {
            uint64_t size = t ? (t->mask + 1) * 2 : 64;
            gptab *nt = qv_calloc(1, sizeof *nt + size * sizeof(gpbucket));
            nt->mask = size - 1;
            for (uint64_t i = 0; t && i <= t->mask; i++)
                if (t->b[i].hash) bucket_place(nt, t->b[i].hash, t->b[i].value, t->b[i].post);
            STORE(&ix->tab, nt);
            gdelta_retire(d, t, free);
            t = nt;
        }
        gvec **cell = qv_arena_alloc(&d->vals, sizeof *cell);
        *cell = NULL;
        b = bucket_place(t, h, gval_copy(&d->vals, value), cell);
    }
    return b->post;
}

void gindex_insert(gdelta *d, gpindex *ix, qval value, uint64_t id) {
    gvec **post = gindex_posting(d, ix, value);
    if (post) gvec_push(d, post, id);
}

/* Postings in the index now: those of rolled-back transactions were cut off by their rollback; those of the
 * running one are counted (readers see the writer's appends before its commit). */
static uint64_t entries(const gpindex *ix) {
    const gptab *t = LOAD(&ix->tab);
    uint64_t n = 0;
    for (uint64_t i = 0; t && i <= t->mask; i++)
        if (LOAD(&t->b[i].hash)) n += gvec_len(LOAD(t->b[i].post));
    return n;
}

bool gindex_matches(gview *v, const gpindex *ix, uint64_t id, qval value) {
    qval cur;
    if (ix->entity == GINDEX_NODE) {
        if (!gv_node_live(v, id) || !gview_node_has_label(v, id, ix->token)) return false;
        return gview_node_prop(v, id, ix->key, &cur) && gval_eq(cur, value);
    }
    if (!gv_rel_live(v, id)) return false;
    uint64_t s, t;
    uint32_t type;
    gview_rel_info(v, id, &s, &t, &type);
    return type == ix->token && gview_rel_prop(v, id, ix->key, &cur) && gval_eq(cur, value);
}

/* Verified, de-duplicated ids of ix with value, in v's arena. */
static uint64_t seek(gview *v, gpindex *ix, qval value, uint64_t **out) {
    *out = NULL;
    if (!indexable(value)) return 0;
    const gpbucket *b = bucket_find(LOAD(&ix->tab), value, gval_hash(value) | 1);
    const gvec *p = b ? LOAD(b->post) : NULL;
    uint64_t n = gvec_len(p), k = 0;
    if (!n) return 0;
    uint64_t *ids = qv_arena_alloc(&v->a, n * sizeof *ids);
    for (uint64_t i = 0; i < n; i++)
        if (gindex_matches(v, ix, gvec_at(p->a, i), value)) ids[k++] = gvec_at(p->a, i);
    if (k > 1) {
        for (uint64_t i = 1; i < k; i++)   /* postings are nearly sorted: insertion sort is cheap */
            for (uint64_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
                uint64_t x = ids[j];
                ids[j] = ids[j - 1];
                ids[j - 1] = x;
            }
        uint64_t w = 1;
        for (uint64_t i = 1; i < k; i++)
            if (ids[i] != ids[w - 1]) ids[w++] = ids[i];
        k = w;
    }
    *out = ids;
    return k;
}

uint64_t gindex_conflict(gview *v, gpindex *ix, qval value, uint64_t self) {
    if (!indexable(value)) return GID_NONE;
    const gpbucket *b = bucket_find(LOAD(&ix->tab), value, gval_hash(value) | 1);
    const gvec *p = b ? LOAD(b->post) : NULL;
    uint64_t n = gvec_len(p);
    for (uint64_t i = 0; i < n; i++)
        if (gvec_at(p->a, i) != self && gindex_matches(v, ix, gvec_at(p->a, i), value)) return gvec_at(p->a, i);
    return GID_NONE;
}

bool gview_has_node_index(gview *v, uint32_t label, uint32_t key) {
    return gindex_find(v, GINDEX_NODE, label, key) != NULL;
}

bool gview_node_index_seek(gview *v, uint32_t label, uint32_t key, qval value, gnode_iter *it) {
    gpindex *ix = gindex_find(v, GINDEX_NODE, label, key);
    if (!ix) return false;
    memset(it, 0, sizeof *it);
    it->v = v;
    it->mode = 3;
    it->label = label;
    it->key = key;
    it->value = value;
    uint64_t *ids;
    it->list_n = seek(v, ix, value, &ids);
    it->list = ids;
    return true;
}

bool gview_rel_index_seek(gview *v, uint32_t type, uint32_t key, qval value, grel_iter *it) {
    gpindex *ix = gindex_find(v, GINDEX_REL, type, key);
    if (!ix) return false;
    memset(it, 0, sizeof *it);
    it->v = v;
    it->mode = 3;
    it->type = type;
    uint64_t *ids;
    it->end = seek(v, ix, value, &ids);
    it->list = ids;
    return true;
}

uint32_t gview_indexes(gview *v, qv_arena *a, gindex_info **out) {
    gdelta *d = v->d;
    uint32_t n = LOAD(&d->n_idx), k = 0;
    gindex_info *r = qv_arena_alloc(a, ((size_t)n + 1) * sizeof *r);
    for (uint32_t i = 0; i < n; i++) {
        gpindex *ix = d->idx[i];
        if (!(LOAD(&ix->created_csn) <= v->snap && LOAD(&ix->dropped_csn) > v->snap)) continue;
        r[k++] = (gindex_info){.name = ix->name, .entity = ix->entity, .token = ix->token, .key = ix->key,
                               .unique = ix->unique, .constraint = ix->constraint, .entries = entries(ix)};
    }
    *out = r;
    return k;
}
