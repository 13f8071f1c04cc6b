/* gwrite.c — the entity writes of a transaction: node and relationship create / delete, properties, labels.
 * Each write checks everything that can fail first (existence, storable values, uniqueness), then applies:
 * the first write to an entity in a transaction makes a new version (copy of its current state, stamped with
 * the transaction's csn) that later writes of the same transaction change in place; ids, adjacency vectors,
 * label lists, the external-id index and property indexes are appended to, with undo entries where rollback
 * must restore a length. Must not: publish anything (gtxn_commit does) or read other transactions' state. */
#include "graph/gwrite_int.h"
#include "graph/gwrite_fast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ---- versions ---- */
/* A version with room for cap_l labels and cap_p properties, malloc'd, or (a not NULL: a new entity's first
 * version) in the generation's value arena a, freed with the generation instead of one free() each, which was
 * most of the reaper's work after a load; a rolled-back one stays there until then, as the values a rolled-back
 * write copied do. */
static gnver *nver_alloc(qv_arena *a, uint32_t cap_l, uint32_t cap_p) {
    size_t bytes = sizeof(gnver) + cap_p * sizeof(gprop) + cap_l * sizeof(uint32_t);
    gnver *x = a ? qv_arena_alloc(a, bytes) : qv_malloc(bytes);
    memset(x, 0, sizeof *x);
    x->props = (gprop *)(x + 1);
    x->labels = (uint32_t *)(x->props + cap_p);
    x->cap_labels = cap_l;
    x->cap_props = cap_p;
    x->arena = a != NULL;
    return x;
}

static grver *rver_alloc(qv_arena *a, uint32_t cap_p) {   /* as nver_alloc */
    size_t bytes = sizeof(grver) + cap_p * sizeof(gprop);
    grver *x = a ? qv_arena_alloc(a, bytes) : qv_malloc(bytes);
    memset(x, 0, sizeof *x);
    x->props = (gprop *)(x + 1);
    x->cap_props = cap_p;
    x->arena = a != NULL;
    return x;
}

/* Sets (value non-null) or removes key in a sorted property array, growing it on its own when full. */
static void props_set(gprop **props, uint32_t *n, uint32_t *cap, bool *own, uint32_t key, qval value) {
    gprop *p = *props;
    uint32_t lo = 0, hi = *n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (p[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    bool found = lo < *n && p[lo].key == key;
    if (qv_is_null(value)) {
        if (found) memmove(&p[lo], &p[lo + 1], (*n - lo - 1) * sizeof *p), (*n)--;
        return;
    }
    if (found) {
        p[lo].value = value;
        return;
    }
    if (*n == *cap) {
        uint32_t nc = *cap * 2 + 4;
        gprop *np = qv_malloc(nc * sizeof *np);
        memcpy(np, p, *n * sizeof *np);
        if (*own) free(p);
        *props = p = np;
        *cap = nc;
        *own = true;
    }
    memmove(&p[lo + 1], &p[lo], (*n - lo) * sizeof *p);
    p[lo].key = key;
    p[lo].value = value;
    (*n)++;
}

/* One property value into graph memory: a string's bytes at *blk (advanced), a list's or other payload through
 * gval_copy, a scalar as it is. */
static inline qval prop_value_copy(qval v, char **blk, qv_arena *a) {
    if (v.type == QT_STRING) {
        if (v.len) {
            memcpy(*blk, v.s, v.len);
            v.s = *blk;
            *blk += v.len;
        } else {
            v.s = "";
        }
    } else if (v.type >= QT_LIST) {
        v = gval_copy(a, v);
    }
    return v;
}

/* Copies the values of n properties into out (out may be props): strings into one block of a, other payloads
 * with gval_copy. One allocation per entity instead of one per string. */
static void props_copy(gprop *out, const gprop *props, uint32_t n, qv_arena *a) {
    size_t bytes = 0;
    for (uint32_t i = 0; i < n; i++)
        if (props[i].value.type == QT_STRING) bytes += props[i].value.len;
    char *blk = bytes ? qv_arena_alloc(a, bytes) : NULL;
    for (uint32_t i = 0; i < n; i++) {
        qval v = prop_value_copy(props[i].value, &blk, a);
        out[i].key = props[i].key;
        out[i].value = v;
    }
}

/* props_copy of checked, sorted properties whose strings hold `bytes` bytes, with the external id in the same
 * block (returned in graph memory), writing entity id's change records of kind (GCH_NODE_SET / GCH_REL_SET) to
 * c[0..n) (unless c is NULL: replaying) in the same pass. Inlined into each caller (the node create's hot path:
 * ~80 instructions a row more as a call). */
static inline __attribute__((always_inline)) qval props_copy_sorted(gprop *out, const gprop *props, uint32_t n,
                                                                   size_t bytes, qv_arena *a, qval ext, gchange *c,
                                                                   uint8_t kind, uint64_t id) {
    if (ext.type == QT_STRING) bytes += ext.len;
    char *blk = bytes ? qv_arena_alloc(a, bytes) : NULL;
    if (ext.type == QT_STRING) {
        if (ext.len) memcpy(blk, ext.s, ext.len), ext.s = blk, blk += ext.len;
        else ext.s = "";
    }
    for (uint32_t i = 0; i < n; i++) {
        qval v = prop_value_copy(props[i].value, &blk, a);
        out[i].key = props[i].key;
        out[i].value = v;
        if (c) gtx_change_put(c + i, kind, 0, props[i].key, id, 0, 0, v);
    }
    return ext;
}

/* Fills an empty property array (room for n) with props as props_set one by one would: sorted by key, the
 * last of equal keys winning, a null value removing the key; values copied into a once settled. */
static void props_fill(gprop *out, uint32_t *nout, const gprop *props, uint32_t n, qv_arena *a) {
    for (uint32_t i = 0; i < n; i++) {   /* stable insertion sort: inputs are a handful of keys */
        uint32_t j = i;
        while (j > 0 && out[j - 1].key > props[i].key) out[j] = out[j - 1], j--;
        out[j] = props[i];
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i + 1 < n && out[i + 1].key == out[i].key) continue;   /* a later value for the same key */
        if (qv_is_null(out[i].value)) continue;
        out[k++] = out[i];
    }
    props_copy(out, out, k, a);
    *nout = k;
}

/* Adds (add) or removes label in a version's sorted label array. */
static void labels_set(gnver *x, uint32_t label, bool add) {
    uint32_t i = 0;
    while (i < x->n_labels && x->labels[i] < label) i++;
    bool found = i < x->n_labels && x->labels[i] == label;
    if (!add) {
        if (found) memmove(&x->labels[i], &x->labels[i + 1], (x->n_labels - i - 1) * sizeof(uint32_t)), x->n_labels--;
        return;
    }
    if (found) return;
    if (x->n_labels == x->cap_labels) {
        uint32_t nc = x->cap_labels * 2 + 4;
        uint32_t *nl = qv_malloc(nc * sizeof *nl);
        memcpy(nl, x->labels, x->n_labels * sizeof *nl);
        if (x->own_labels) free(x->labels);
        x->labels = nl;
        x->cap_labels = nc;
        x->own_labels = true;
    }
    memmove(&x->labels[i + 1], &x->labels[i], (x->n_labels - i) * sizeof(uint32_t));
    x->labels[i] = label;
    x->n_labels++;
}

/* Unlinks and frees the versions below the newest one no open view reads past (see gdelta_horizon). */
static void trim_nver(gdelta *d, gnver *h) {
    uint64_t hz = gdelta_horizon(d);
    while (h && h->csn > hz) h = h->older;
    if (!h || !h->older) return;
    gnver *dead = h->older;
    STORE(&h->older, NULL);
    for (gnver *o; dead; dead = o) o = dead->older, gnver_free(dead);
}

static void trim_rver(gdelta *d, grver *h) {
    uint64_t hz = gdelta_horizon(d);
    while (h && h->csn > hz) h = h->older;
    if (!h || !h->older) return;
    grver *dead = h->older;
    STORE(&h->older, NULL);
    for (grver *o; dead; dead = o) o = dead->older, grver_free(dead);
}

/* The node's version of this transaction, made on first use from its current state. Base columns are copied
 * into it (lists into graph memory), so it holds every property: ncols = the columns it absorbed. */
static gnver *node_cow_pre(gtxn *t, uint64_t id, const gprop *pre, uint32_t npre);
static gnver *node_cow(gtxn *t, uint64_t id) { return node_cow_pre(t, id, NULL, 0); }

/* node_cow; pre (unless NULL): the npre properties gpack_props gave for a packed node without a version
 * (the caller read them already: not decoded twice). */
static gnver *node_cow_pre(gtxn *t, uint64_t id, const gprop *pre, uint32_t npre) {
    gdelta *d = t->d;
    graph *g = t->g;
    gnslot *s = gdelta_nslot_make(d->gen, id);
    gnver *h = s->ver;
    if (h && h->csn == t->csn) return h;
    trim_nver(d, h);
    uint32_t nl = 0, np = h ? h->n_props : 0, from = h ? h->ncols : 0;
    const uint32_t *ls = NULL;
    if (h) nl = h->n_labels, ls = h->labels;
    else if (id < d->base_nodes && g->node_labelset) ls = graph_node_labels(g, id, &nl);
    else ls = gpack_labels(d->gen->npack, id, &nl);   /* packed by a compaction (memory helper) */
    int nc = id < d->base_nodes ? g->n_node_cols : 0;
    const gpack *pk = !h && gpack_has(d->gen->npack, id) ? d->gen->npack : NULL;
    gnver *x = nver_alloc(NULL, nl + 2, np + (uint32_t)(nc > (int)from ? nc - (int)from : 0) + gpack_max_props(pk) + 4);
    if (nl) memcpy(x->labels, ls, nl * sizeof *ls);
    x->n_labels = nl;
    if (np) memcpy(x->props, h->props, np * sizeof *x->props);
    x->n_props = np;
    if (pk && pre) memcpy(x->props, pre, npre * sizeof *pre), x->n_props = np = npre;
    else if (pk) x->n_props = np = gpack_props(pk, id, x->props);   /* values stay in the pack: same generation */
    for (int i = (int)from; i < nc; i++) {
        const gcolumn *c = &g->node_cols[i];
        bool have = false;
        for (uint32_t j = 0; j < np && !have; j++) have = h->props[j].key == c->key;
        if (have || !gcolumn_has(c, id)) continue;
        x->props[x->n_props++] = (gprop){c->key, gcol_value(c, id, &d->gen->vals)};
    }
    if (x->n_props > np) qsort(x->props, x->n_props, sizeof *x->props, gprop_cmp);
    x->ncols = nc > (int)from ? (uint32_t)nc : from;
    x->deleted = h ? h->deleted : false;
    x->csn = t->csn;
    x->older = h;
    STORE(&s->ver, x);
    GPUSH(t->cow_n, t->n_cow_n, t->cap_cow_n, id);
    return x;
}

static grver *rel_cow(gtxn *t, uint64_t id) {
    gdelta *d = t->d;
    graph *g = t->g;
    grslot *s = gdelta_rslot_make(d->gen, id);
    grver *h = s->ver;
    if (h && h->csn == t->csn) return h;
    trim_rver(d, h);
    uint32_t np = h ? h->n_props : 0;
    bool base = !h && id < d->base_rels;
    const gpack *pk = !h && gpack_has(d->gen->rpack, id) ? d->gen->rpack : NULL;   /* memory helper */
    grver *x = rver_alloc(NULL, np + (base ? (uint32_t)g->n_rel_cols : 0) + gpack_max_props(pk) + 2);
    if (np) memcpy(x->props, h->props, np * sizeof *x->props);
    x->n_props = np;
    if (pk) x->n_props = gpack_props(pk, id, x->props);
    for (int i = 0; base && i < g->n_rel_cols; i++)
        if (gcolumn_has(&g->rel_cols[i], id))
            x->props[x->n_props++] = (gprop){g->rel_cols[i].key, gcol_value(&g->rel_cols[i], id, &d->gen->vals)};
    if (base && x->n_props > 1) qsort(x->props, x->n_props, sizeof *x->props, gprop_cmp);
    x->deleted = h ? h->deleted : false;
    x->csn = t->csn;
    x->older = h;
    STORE(&s->ver, x);
    GPUSH(t->cow_r, t->n_cow_r, t->cap_cow_r, id);
    return x;
}

/* ---- helpers ---- */
static void push_undo(gtxn *t, gvec **holder, uint64_t x) {
    uint64_t n = gvec_push(t->d, holder, x);
    GPUSH(t->uv, t->n_uv, t->cap_uv, ((gundo_vec){holder, n}));
}

/* push_undo for a node's adjacency vector in the current generation (gvec_push_adj) */
static void push_undo_adj(gtxn *t, gvec **holder, uint64_t x) {
    uint64_t n = gvec_push_adj(t->d, t->d->gen, holder, x);
    GPUSH(t->uv, t->n_uv, t->cap_uv, ((gundo_vec){holder, n}));
}

/* Posts id under value to ix; a rollback cuts the posting back (SHOW INDEXES counts postings). */
static void index_post(gtxn *t, gpindex *ix, qval value, uint64_t id) {
    gvec **post = gindex_posting(t->d, ix, value);
    if (post) push_undo(t, post, id);
}

static void grow_counts(uint64_t **a, uint32_t *n, uint32_t want) {
    if (want <= *n) return;
    *a = qv_realloc(*a, ((size_t)want + 1) * sizeof **a);
    memset(*a + *n, 0, (want - *n) * sizeof **a);
    *n = want;
}

static void label_count_add(gtxn *t, uint32_t label, int64_t delta) {
    grow_counts(&t->label_count, &t->n_lc, label + 1);
    t->label_count[label] += (uint64_t)delta;
}

static void type_count_add(gtxn *t, uint32_t type, int64_t delta) {
    grow_counts(&t->type_count, &t->n_tc, type + 1);
    t->type_count[type] += (uint64_t)delta;
}

/* Did (label, node) ever enter label's lists: in the base, in an older version, or earlier in this transaction? */
static bool lset_has_add(gtxn *t, uint64_t key) {
    if ((t->lset_used + 1) * 2 > t->lset_mask + 1) {
        uint64_t size = t->lset ? (t->lset_mask + 1) * 2 : 64, *old = t->lset, om = t->lset_mask;
        t->lset = qv_calloc(size, sizeof *t->lset);
        t->lset_mask = size - 1;
        t->lset_used = 0;
        for (uint64_t i = 0; old && i <= om; i++)
            if (old[i]) lset_has_add(t, old[i] - 1);
        free(old);
    }
    uint64_t i = (key * 0x9e3779b97f4a7c15ull) >> 20 & t->lset_mask;
    for (;; i = (i + 1) & t->lset_mask) {
        if (t->lset[i] == key + 1) return true;
        if (!t->lset[i]) {
            t->lset[i] = key + 1;
            t->lset_used++;
            return false;
        }
    }
}

static void label_list_add(gtxn *t, uint64_t node, uint32_t label, const gnver *older) {
    ggen *gen = t->d->gen;
    /* a node created by this transaction is in no committed list (a rollback cut its entries back) */
    if (node < t->nodes_hwm0 && label < gen->n_blab && gen->blab_n[label]) {   /* the generation's list (ascending ids) */
        const uint64_t *l = ggen_label_lists(t->d, gen)[label];
        uint64_t lo = 0, hi = gen->blab_n[label];
        while (lo < hi) {
            uint64_t mid = (lo + hi) / 2;
            if (l[mid] == node) return;
            if (l[mid] < node) lo = mid + 1;
            else hi = mid;
        }
    }
    for (const gnver *x = older; x; x = x->older)
        for (uint32_t i = 0; i < x->n_labels; i++)
            if (x->labels[i] == label) return;
    if (lset_has_add(t, (uint64_t)label << 32 | node)) return;
    push_undo(t, &t->d->gen->lab_delta[label], node);
}

static const char *name_or(const char *s) { return s ? s : "?"; }

/* Would giving node `node` (labels ls, property key = value) break a uniqueness constraint? */
static int unique_check(gtxn *t, uint64_t node, const uint32_t *ls, uint32_t nl, uint32_t key, qval value, qv_err *err) {
    if (qv_is_null(value) || !t->d->n_idx) return 0;
    gpindex **ix;
    uint32_t n = gtx_indexes(t, &ix);
    for (uint32_t i = 0; i < n; i++) {
        if (!ix[i]->unique || ix[i]->key != key || !gtx_visible(t, ix[i])) continue;
        bool has = false;
        for (uint32_t j = 0; j < nl && !has; j++) has = ls[j] == ix[i]->token;
        if (!has) continue;
        uint64_t other = gindex_conflict(&t->view, ix[i], value, node);
        if (other == GID_NONE) continue;
        char vb[160];
        gtx_fmt_value(value, vb, sizeof vb);
        return qv_err_set(err, QV_ECONSTRAINT, "Node(%llu) already exists with label `%s` and property `%s` = %s "
                          "(constraint '%s')", (unsigned long long)other, name_or(gview_label_name(&t->view, ix[i]->token)),
                          name_or(gview_key_name(&t->view, key)), vb, ix[i]->constraint);
    }
    return 0;
}

/* Posts (node, value) to the maintained indexes on (label in ls, key). */
static void index_node(gtxn *t, uint64_t node, const uint32_t *ls, uint32_t nl, uint32_t key, qval value) {
    if (!t->d->n_idx) return;
    gpindex **ix;
    uint32_t n = gtx_indexes(t, &ix);
    for (uint32_t i = 0; i < n; i++) {
        if (ix[i]->entity != GINDEX_NODE || ix[i]->key != key || !gtx_maintained(t, ix[i])) continue;
        for (uint32_t j = 0; j < nl; j++)
            if (ls[j] == ix[i]->token) {
                index_post(t, ix[i], value, node);
                break;
            }
    }
}

static void index_rel(gtxn *t, uint64_t rel, uint32_t type, uint32_t key, qval value) {
    if (!t->d->n_idx) return;
    gpindex **ix;
    uint32_t n = gtx_indexes(t, &ix);
    for (uint32_t i = 0; i < n; i++)
        if (ix[i]->entity == GINDEX_REL && ix[i]->token == type && ix[i]->key == key && gtx_maintained(t, ix[i]))
            index_post(t, ix[i], value, rel);
}

const char *gtx_type_name(uint8_t t) {
    static const char *const names[] = {"null", "boolean", "integer", "float", "string", "list", "map", "node",
                                        "relationship", "path", "date", "local time", "time", "local datetime",
                                        "datetime", "duration"};
    return t < sizeof names / sizeof *names ? names[t] : "unknown";
}

/* gvalue_storable without a call for the scalar types every ingest row carries */
#define GSCALAR_TYPES (1u << QT_BOOL | 1u << QT_INT | 1u << QT_FLOAT | 1u << QT_STRING | 1u << QT_DATE | \
                       1u << QT_LOCALTIME | 1u << QT_TIME | 1u << QT_LOCALDATETIME | 1u << QT_DATETIME | 1u << QT_DURATION)
static inline bool storable(qval v) {
    return (v.type < 32 && (GSCALAR_TYPES >> v.type & 1)) || gvalue_storable(v);
}

/* check_props' error for one property that fails it */
static int check_prop_fail(const gprop *p, qv_err *err) {
    if (!storable(p->value))
        return qv_err_set(err, QV_EINVAL, "InvalidPropertyType: property values must be null, booleans, numbers, "
                          "strings, temporal values, durations, or lists of one of those with no nulls (got a %s)",
                          gtx_type_name(p->value.type));
    return qv_err_set(err, QV_EINVAL, "property key id %u is unknown", p->key);
}

static inline int check_props(const gprop *props, uint32_t n, qv_err *err) {
    for (uint32_t i = 0; i < n; i++)
        if (!storable(props[i].value) || props[i].key >= GMAX_NAMES) return check_prop_fail(&props[i], err);
    return 0;
}

/* check_props for gtxn_node_create_sorted's input, which must also be sorted by key, unique and not null;
 * *bytes: what its strings hold. */
static inline __attribute__((always_inline)) int check_sorted_props(const gprop *props, uint32_t n, size_t *bytes,
                                                                   qv_err *err) {
    size_t b = 0;
    uint32_t prev = 0;   /* keys ascend strictly: the last one below GMAX_NAMES bounds them all */
    for (uint32_t i = 0; i < n; i++) {
        qval v = props[i].value;
        bool ok = (v.type < 32 && (GSCALAR_TYPES >> v.type & 1)) || (v.type == QT_LIST && gvalue_storable(v));
        if (ok && (!i || props[i].key > prev) && (i + 1 < n || props[i].key < GMAX_NAMES)) {
            prev = props[i].key;
            if (v.type == QT_STRING) b += v.len;
            *bytes = b;
            continue;
        }
        if (check_props(&props[i], 1, err)) return -1;
        return qv_err_set(err, QV_EINVAL, "properties passed as sorted are not (key %u at %u)", props[i].key, i);
    }
    return 0;
}

static int node_missing(gtxn *t, uint64_t node, qv_err *err) {
    if (node < t->d->nodes_hwm)
        return qv_err_set(err, QV_ENOTFOUND, "node %llu has been deleted", (unsigned long long)node);
    return qv_err_set(err, QV_ENOTFOUND, "node %llu does not exist", (unsigned long long)node);
}

static void fresh_uuid(char out[36]) {
    uint8_t b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {   /* never in practice; still unique enough */
        for (int i = 0; i < 16; i++) b[i] = (uint8_t)(rand() >> 7);
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
}

/* ---- nodes ---- */
/* gtxn_node_create; sorted: props are already sorted by key, unique and not null (gtxn_node_create_sorted). */
static int node_create(gtxn *t, const uint32_t *labels, uint32_t n_labels, const gprop *props, uint32_t n_props,
                       qval ext_id, bool sorted, uint64_t *out, qv_err *err) {
    gdelta *d = t->d;
    size_t bytes = 0;
    if (sorted ? check_sorted_props(props, n_props, &bytes, err) : check_props(props, n_props, err)) return -1;
    for (uint32_t i = 0; i < n_labels; i++)
        if (labels[i] >= GMAX_NAMES) return qv_err_set(err, QV_EINVAL, "label id %u is unknown", labels[i]);
    if (d->nodes_hwm >= (1ull << (GCHUNK_BITS + 18)) - 1)
        return qv_err_set(err, QV_ETOOBIG, "the graph has reached its node limit (2^32 ids)");
    for (uint32_t i = 0; i < n_labels; i++) gtx_token(t, 0, labels[i]);
    for (uint32_t i = 0; i < n_props; i++) gtx_token(t, 2, props[i].key);
    char uuid[36];
    bool missing = false;
    if (qv_is_null(ext_id)) {
        do {
            fresh_uuid(uuid);
            ext_id = qv_str_ref(uuid, 36);
        } while (gview_node_by_ext_id(&t->view, ext_id) != GID_NONE);
    } else if (ext_id.type != QT_INT && ext_id.type != QT_STRING) {
        return qv_err_set(err, QV_EINVAL, "a node id must be an integer or a string, not a %s", gtx_type_name(ext_id.type));
    } else if (t->replay ? gv_node_by_packed_ext_id(&t->view, ext_id) != GID_NONE   /* the rest: at commit */
                         : !(missing = gv_ext_missing(&t->view, ext_id)) &&
                               gview_node_by_ext_id(&t->view, ext_id) != GID_NONE) {
        char vb[160];
        gtx_fmt_value(ext_id, vb, sizeof vb);
        return qv_err_set(err, QV_EEXISTS, "a node with id %s already exists", vb);
    }
    /* the lookup that found nothing hashed the id already (MERGE's match) */
    uint64_t xh = missing && t->view.miss_hash ? t->view.miss_hash : 0;
    uint64_t id = d->nodes_hwm;
    gnver *x = nver_alloc(&d->gen->vals, n_labels + 1, n_props + 1);   /* little slack: most are written once */
    for (uint32_t i = 0; i < n_labels; i++) labels_set(x, labels[i], true);
    for (uint32_t i = 0; d->n_idx && i < n_props; i++) {   /* no index: nothing to check (the common case) */
        if (unique_check(t, id, x->labels, x->n_labels, props[i].key, props[i].value, err)) {
            gnver_free(x);
            return -1;
        }
    }
    gchange *c = NULL;
    if (sorted) {   /* the properties' change records written as they are copied; ext_id now in graph memory */
        c = gtx_changes_reserve(t, 1 + (size_t)x->n_labels + n_props);   /* NULL: replaying */
        ext_id = props_copy_sorted(x->props, props, n_props, bytes, &d->gen->vals, ext_id,
                                   c ? c + 1 + x->n_labels : NULL, GCH_NODE_SET, id);
        x->n_props = n_props;
    } else {
        props_fill(x->props, &x->n_props, props, n_props, &d->gen->vals);
        ext_id = gval_copy(&d->gen->vals, ext_id);
    }
    gnslot *s = gdelta_nslot_make(d->gen, id);
    s->ext = ext_id;
    x->csn = t->csn;
    x->older = NULL;
    STORE(&s->ver, x);
    d->nodes_hwm = id + 1;
    GPUSH(t->cow_n, t->n_cow_n, t->cap_cow_n, id);
    if (t->replay) gtx_defer_ext(t, gext_hash(s->ext), id);   /* wal helper: replay indexes ids at commit */
    else gext_insert(d, xh ? xh : gext_hash(s->ext), id);
    t->node_count++;
    for (uint32_t i = 0; i < x->n_labels; i++) {
        label_count_add(t, x->labels[i], 1);
        label_list_add(t, id, x->labels[i], NULL);
    }
    for (uint32_t i = 0; d->n_idx && i < x->n_props; i++)
        index_node(t, id, x->labels, x->n_labels, x->props[i].key, x->props[i].value);
    if (!sorted) c = gtx_changes_reserve(t, 1 + (size_t)x->n_labels + x->n_props);   /* NULL: replaying */
    if (c) {   /* GCH_NODE_CREATE, GCH_LABEL_ADD per label, GCH_NODE_SET per property (sorted: written already) */
        gtx_change_put(c++, GCH_NODE_CREATE, 0, 0, id, 0, 0, s->ext);
        for (uint32_t i = 0; i < x->n_labels; i++) gtx_change_put(c++, GCH_LABEL_ADD, 0, x->labels[i], id, 0, 0, qv_null());
        for (uint32_t i = 0; !sorted && i < x->n_props; i++)
            gtx_change_put(c++, GCH_NODE_SET, 0, x->props[i].key, id, 0, 0, x->props[i].value);
        t->n_ch += 1 + (size_t)x->n_labels + x->n_props;
    }
    *out = id;
    return 0;
}

int gtxn_node_create(gtxn *t, const uint32_t *labels, uint32_t n_labels, const gprop *props, uint32_t n_props,
                     qval ext_id, uint64_t *out, qv_err *err) {
    return node_create(t, labels, n_labels, props, n_props, ext_id, false, out, err);
}

int gtxn_node_create_sorted(gtxn *t, const uint32_t *labels, uint32_t n_labels, const gprop *props, uint32_t n_props,
                            qval ext_id, uint64_t *out, qv_err *err) {
    return node_create(t, labels, n_labels, props, n_props, ext_id, true, out, err);
}

int gtxn_rel_delete(gtxn *t, uint64_t rel, qv_err *err) {
    if (!gv_rel_live(&t->view, rel)) {
        if (rel < t->d->rels_hwm) return 0;
        return qv_err_set(err, QV_ENOTFOUND, "relationship %llu does not exist", (unsigned long long)rel);
    }
    uint64_t s, dd;
    uint32_t type;
    gview_rel_info(&t->view, rel, &s, &dd, &type);
    grver *x = rel_cow(t, rel);
    x->deleted = true;
    t->rel_changes++;
    t->rel_count--;
    type_count_add(t, type, -1);
    gtx_change(t, GCH_REL_DELETE, 0, type, rel, s, dd, qv_null());
    return 0;
}

int gtxn_node_delete(gtxn *t, uint64_t node, bool detach, qv_err *err) {
    if (!gv_node_live(&t->view, node)) return node < t->d->nodes_hwm ? 0 : node_missing(t, node, err);
    uint64_t deg = gview_degree(&t->view, node, GDIR_BOTH, NULL, 0);
    if (deg && !detach)
        return qv_err_set(err, QV_ECONSTRAINT, "Cannot delete node<%llu>, because it still has relationships. To "
                          "delete this node, you must first delete its relationships.", (unsigned long long)node);
    if (deg) {
        uint64_t *rels = qv_malloc(deg * sizeof *rels), k = 0;
        gadj_iter it;
        gadj buf[64];
        uint32_t n;
        gview_expand(&t->view, node, GDIR_BOTH, NULL, 0, &it);
        while ((n = gadj_iter_next(&it, buf, 64)) > 0)
            for (uint32_t i = 0; i < n && k < deg; i++) rels[k++] = buf[i].rel;
        for (uint64_t i = 0; i < k; i++) gtxn_rel_delete(t, rels[i], err);
        free(rels);
    }
    gnver *x = node_cow(t, node);
    x->deleted = true;
    t->node_count--;
    for (uint32_t i = 0; i < x->n_labels; i++) label_count_add(t, x->labels[i], -1);
    gtx_change(t, GCH_NODE_DELETE, 0, 0, node, 0, 0, gview_node_ext_id(&t->view, node));
    return 0;
}

int gtxn_node_set_prop(gtxn *t, uint64_t node, uint32_t key, qval value, qv_err *err) {
    gprop p = {key, value};
    if (check_props(&p, 1, err)) return -1;
    if (!gv_node_live(&t->view, node)) return node_missing(t, node, err);
    gtx_token(t, 2, key);
    qval old;
    bool had = gview_node_prop(&t->view, node, key, &old);
    if (!had && qv_is_null(value)) return 0;
    if (had && gval_same(old, value)) {   /* nothing changes: no version, no copy (MERGE ... SET of the same data) */
        gtx_change(t, GCH_NODE_SET, 0, key, node, 0, 0, old);
        return 0;
    }
    uint32_t ls[64], nl = gview_node_labels(&t->view, node, ls, 64);
    if (nl > 64) {   /* rare: read them from the version itself */
        gnver *x = node_cow(t, node);
        if (unique_check(t, node, x->labels, x->n_labels, key, value, err)) return -1;
    } else if (unique_check(t, node, ls, nl, key, value, err)) {
        return -1;
    }
    gnver *x = node_cow(t, node);
    qval kept = qv_is_null(value) ? value : gval_copy(&t->d->gen->vals, value);
    props_set(&x->props, &x->n_props, &x->cap_props, &x->own_props, key, kept);
    if (!qv_is_null(kept) && !(had && old.type == kept.type && gval_eq(old, kept)))
        index_node(t, node, x->labels, x->n_labels, key, kept);
    gtx_change(t, GCH_NODE_SET, 0, key, node, 0, 0, kept);
    return 0;
}

/* gtxn_node_merge_sorted's exit: what it read into the view's arena is released (rc passed through). */
static int merge_end(gtxn *t, qv_arena_mark mk, int rc) {
    qv_arena_reset_to(&t->view.a, mk);
    return rc;
}

/* gval_same without a call for the scalars ingest streams carry */
static inline bool same_value(qval a, qval b) {
    if (a.type != b.type) return false;
    switch (a.type) {
    case QT_BOOL: return a.b == b.b;
    case QT_INT: return a.i == b.i;
    case QT_STRING: return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
    default: return gval_same(a, b);
    }
}

int gtxn_node_merge_sorted(gtxn *t, uint64_t node, const gprop *props, uint32_t n, qv_err *err) {
    for (uint32_t i = 0; i < n; i++) {
        qval v = props[i].value;
        bool ok = v.type == QT_NULL || (v.type < 32 && (GSCALAR_TYPES >> v.type & 1)) || gvalue_storable(v);
        if (ok && props[i].key < GMAX_NAMES && (!i || props[i].key > props[i - 1].key)) continue;
        if (check_props(&props[i], 1, err)) return -1;
        return qv_err_set(err, QV_EINVAL, "properties passed as sorted are not (key %u at %u)", props[i].key, i);
    }
    if (!gv_node_live(&t->view, node)) return node_missing(t, node, err);
    /* the node's properties: a node a compaction packed (and nothing wrote since) is decoded once, here, and
     * its version made from that; anything else read into the view's arena for the length of this call */
    gdelta *d = t->d;
    gprop stackp[64], *cur, *pre = NULL;
    uint32_t nc;
    qv_arena_mark mk = qv_arena_mark_get(&t->view.a);
    const gnslot *sl = gdelta_nslot(d->gen, node);
    const gpack *pk = d->gen->npack;
    if (node >= d->base_nodes && !(sl && sl->ver) && gpack_has(pk, node) && gpack_max_props(pk) <= 64)
        nc = gpack_props(pk, node, stackp), cur = pre = stackp;
    else
        nc = gview_node_props(&t->view, node, &t->view.a, &cur);
    uint32_t chg[GWRITE_MERGE_MAX];   /* indexes of the properties that change */
    qval olds[GWRITE_MERGE_MAX];
    bool hads[GWRITE_MERGE_MAX];
    uint32_t j = 0, nch = 0;
    for (uint32_t i = 0; i < n; i++) {   /* both ascend by key: one merge pass */
        while (j < nc && cur[j].key < props[i].key) j++;
        bool had = j < nc && cur[j].key == props[i].key;
        if (had ? same_value(cur[j].value, props[i].value) : qv_is_null(props[i].value)) continue;
        if (nch == GWRITE_MERGE_MAX) {   /* more than the arrays hold: the rest one at a time */
            for (uint32_t k = i; k < n; k++)
                if (gtxn_node_set_prop(t, node, props[k].key, props[k].value, err)) return merge_end(t, mk, -1);
            pre = NULL;   /* the node has a version now */
            break;
        }
        chg[nch] = i, olds[nch] = had ? cur[j].value : qv_null(), hads[nch++] = had;
    }
    if (!nch) return merge_end(t, mk, 0);   /* nothing changes: no version, no copy, no change record */
    if (d->n_idx) {
        uint32_t ls[64], nl = gview_node_labels(&t->view, node, ls, 64);
        const uint32_t *lp = ls;
        if (nl > 64) {   /* rare: read them from the version itself */
            gnver *v = node_cow_pre(t, node, pre, nc);
            lp = v->labels, nl = v->n_labels;
        }
        for (uint32_t c = 0; c < nch; c++)
            if (unique_check(t, node, lp, nl, props[chg[c]].key, props[chg[c]].value, err)) return merge_end(t, mk, -1);
    }
    for (uint32_t c = 0; c < nch; c++) gtx_token(t, 2, props[chg[c]].key);
    gnver *x = node_cow_pre(t, node, pre, nc);
    for (uint32_t c = 0; c < nch; c++) {
        const gprop *p = &props[chg[c]];
        qval kept = qv_is_null(p->value) ? p->value : gval_copy(&d->gen->vals, p->value);
        props_set(&x->props, &x->n_props, &x->cap_props, &x->own_props, p->key, kept);
        if (!qv_is_null(kept) && !(hads[c] && olds[c].type == kept.type && gval_eq(olds[c], kept)))
            index_node(t, node, x->labels, x->n_labels, p->key, kept);
        gtx_change(t, GCH_NODE_SET, 0, p->key, node, 0, 0, kept);
    }
    return merge_end(t, mk, 0);
}

int gtxn_node_clear_props(gtxn *t, uint64_t node, qv_err *err) {
    if (!gv_node_live(&t->view, node)) return node_missing(t, node, err);
    gnver *x = node_cow(t, node);
    x->n_props = 0;
    gtx_change(t, GCH_NODE_CLEAR, 0, 0, node, 0, 0, qv_null());
    return 0;
}

int gtxn_node_add_label(gtxn *t, uint64_t node, uint32_t label, qv_err *err) {
    if (label >= GMAX_NAMES) return qv_err_set(err, QV_EINVAL, "label id %u is unknown", label);
    if (!gv_node_live(&t->view, node)) return node_missing(t, node, err);
    if (gview_node_has_label(&t->view, node, label)) return 0;
    gtx_token(t, 0, label);
    gprop *props;
    qv_arena_mark m = qv_arena_mark_get(&t->view.a);
    uint32_t np = gview_node_props(&t->view, node, &t->view.a, &props);
    for (uint32_t i = 0; i < np; i++)
        if (unique_check(t, node, &label, 1, props[i].key, props[i].value, err)) {
            qv_arena_reset_to(&t->view.a, m);
            return -1;
        }
    qv_arena_reset_to(&t->view.a, m);
    gnver *x = node_cow(t, node);
    labels_set(x, label, true);
    label_count_add(t, label, 1);
    label_list_add(t, node, label, x->older);
    for (uint32_t i = 0; i < x->n_props; i++) index_node(t, node, &label, 1, x->props[i].key, x->props[i].value);
    gtx_change(t, GCH_LABEL_ADD, 0, label, node, 0, 0, qv_null());
    return 0;
}

int gtxn_node_remove_label(gtxn *t, uint64_t node, uint32_t label, qv_err *err) {
    if (!gv_node_live(&t->view, node)) return node_missing(t, node, err);
    if (!gview_node_has_label(&t->view, node, label)) return 0;
    gtx_token(t, 0, label);
    gnver *x = node_cow(t, node);
    labels_set(x, label, false);
    label_count_add(t, label, -1);
    gtx_change(t, GCH_LABEL_REMOVE, 0, label, node, 0, 0, qv_null());
    return 0;
}

/* ---- relationships ---- */
/* gtxn_rel_create; sorted: props are already sorted by key, unique and not null (gtxn_rel_create_sorted), and
 * their change records are written as the values are copied. */
static int rel_create(gtxn *t, uint64_t src, uint64_t dst, uint32_t type, const gprop *props, uint32_t n_props,
                      bool sorted, uint64_t *out, qv_err *err) {
    gdelta *d = t->d;
    size_t bytes = 0;
    if (sorted ? check_sorted_props(props, n_props, &bytes, err) : check_props(props, n_props, err)) return -1;
    if (type >= GMAX_NAMES) return qv_err_set(err, QV_EINVAL, "relationship type id %u is unknown", type);
    if (!gv_node_live(&t->view, src)) return node_missing(t, src, err);
    if (!gv_node_live(&t->view, dst)) return node_missing(t, dst, err);
    if (d->rels_hwm >= (1ull << (GCHUNK_BITS + 18)) - 1)
        return qv_err_set(err, QV_ETOOBIG, "the graph has reached its relationship limit (2^32 ids)");
    uint64_t id = d->rels_hwm;
    gtx_token(t, 1, type);
    for (uint32_t i = 0; i < n_props; i++) gtx_token(t, 2, props[i].key);
    grver *x = rver_alloc(&d->gen->vals, n_props + 2);
    gchange *c = NULL;
    if (sorted) {   /* GCH_REL_CREATE, then GCH_REL_SET per property written as the values are copied */
        c = gtx_changes_reserve(t, 1 + (size_t)n_props);   /* NULL: replaying */
        props_copy_sorted(x->props, props, n_props, bytes, &d->gen->vals, qv_null(), c ? c + 1 : NULL,
                          GCH_REL_SET, id);
        x->n_props = n_props;
    } else {
        props_fill(x->props, &x->n_props, props, n_props, &d->gen->vals);
    }
    grslot *s = gdelta_rslot_make(d->gen, id);
    s->src = src;
    s->dst = dst;
    s->type = type;
    x->csn = t->csn;
    x->older = NULL;
    STORE(&s->ver, x);
    d->rels_hwm = id + 1;
    GPUSH(t->cow_r, t->n_cow_r, t->cap_cow_r, id);
    push_undo_adj(t, &gdelta_nslot_make(d->gen, src)->out, id);
    push_undo_adj(t, &gdelta_nslot_make(d->gen, dst)->in, id);
    t->rel_count++;
    t->rel_changes++;
    type_count_add(t, type, 1);
    for (uint32_t i = 0; d->n_idx && i < x->n_props; i++)   /* no index: nothing to post (the common case) */
        index_rel(t, id, type, x->props[i].key, x->props[i].value);
    if (sorted) {
        if (c) {
            gtx_change_put(c, GCH_REL_CREATE, 0, type, id, src, dst, qv_null());
            t->n_ch += 1 + (size_t)n_props;
        }
    } else {
        gtx_change(t, GCH_REL_CREATE, 0, type, id, src, dst, qv_null());
        for (uint32_t i = 0; i < x->n_props; i++)
            gtx_change(t, GCH_REL_SET, 0, x->props[i].key, id, 0, 0, x->props[i].value);
    }
    *out = id;
    return 0;
}

int gtxn_rel_create(gtxn *t, uint64_t src, uint64_t dst, uint32_t type, const gprop *props, uint32_t n_props,
                    uint64_t *out, qv_err *err) {
    return rel_create(t, src, dst, type, props, n_props, false, out, err);
}

int gtxn_rel_create_sorted(gtxn *t, uint64_t src, uint64_t dst, uint32_t type, const gprop *props, uint32_t n_props,
                           uint64_t *out, qv_err *err) {
    return rel_create(t, src, dst, type, props, n_props, true, out, err);
}

static int rel_missing(gtxn *t, uint64_t rel, qv_err *err) {
    if (rel < t->d->rels_hwm)
        return qv_err_set(err, QV_ENOTFOUND, "relationship %llu has been deleted", (unsigned long long)rel);
    return qv_err_set(err, QV_ENOTFOUND, "relationship %llu does not exist", (unsigned long long)rel);
}

int gtxn_rel_set_prop(gtxn *t, uint64_t rel, uint32_t key, qval value, qv_err *err) {
    gprop p = {key, value};
    if (check_props(&p, 1, err)) return -1;
    if (!gv_rel_live(&t->view, rel)) return rel_missing(t, rel, err);
    gtx_token(t, 2, key);
    qval old;
    bool had = gview_rel_prop(&t->view, rel, key, &old);
    if (!had && qv_is_null(value)) return 0;
    if (had && gval_same(old, value)) {
        gtx_change(t, GCH_REL_SET, 0, key, rel, 0, 0, old);
        return 0;
    }
    uint64_t s, dd;
    uint32_t type;
    gview_rel_info(&t->view, rel, &s, &dd, &type);
    grver *x = rel_cow(t, rel);
    qval kept = qv_is_null(value) ? value : gval_copy(&t->d->gen->vals, value);
    props_set(&x->props, &x->n_props, &x->cap_props, &x->own_props, key, kept);
    if (!qv_is_null(kept) && !(had && old.type == kept.type && gval_eq(old, kept))) index_rel(t, rel, type, key, kept);
    gtx_change(t, GCH_REL_SET, 0, key, rel, 0, 0, kept);
    return 0;
}

int gtxn_rel_clear_props(gtxn *t, uint64_t rel, qv_err *err) {
    if (!gv_rel_live(&t->view, rel)) return rel_missing(t, rel, err);
    grver *x = rel_cow(t, rel);
    x->n_props = 0;
    gtx_change(t, GCH_REL_CLEAR, 0, 0, rel, 0, 0, qv_null());
    return 0;
}

void gtx_index_base_columns(gtxn *t, int from) {
    graph *g = t->g;
    gpindex **ix;
    uint32_t n = gtx_indexes(t, &ix);
    for (uint32_t i = 0; i < n; i++) {
        if (ix[i]->entity != GINDEX_NODE || !gtx_maintained(t, ix[i])) continue;
        bool hit = false;
        for (int c = from; c < g->n_node_cols && !hit; c++) hit = g->node_cols[c].key == ix[i]->key;
        if (!hit) continue;
        gnode_iter it;
        uint64_t ids[256];
        uint32_t k;
        gview_nodes(&t->view, ix[i]->token, &it);
        while ((k = gnode_iter_next(&it, ids, 256)) > 0)
            for (uint32_t j = 0; j < k; j++) {
                qval v;
                if (ids[j] < t->d->base_nodes && gview_node_prop(&t->view, ids[j], ix[i]->key, &v))
                    gindex_insert(t->d, ix[i], v, ids[j]);   /* no undo: the caller ends with a rollback */
            }
    }
}
