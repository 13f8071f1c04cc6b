/* merge_node.c — MERGE's create of one new node whose first ON CREATE item is a fused `SET n = map` /
 * `SET n += map`, the shape of every ingest stream (Nodestream's N1: `UNWIND $params AS param MERGE (node:L
 * {`~id`: param.__node_id}) ON CREATE SET node = removeKeyFromMap(param, "__node_id")`), in one pass over
 * the map: the rows of a batch carry the same keys in the same order, so a per-operator memo of the map's keys
 * by position (key text, property key id, dropped or `~id`, and the positions' order by key id) replaces a
 * key lookup per entry, and the properties reach the graph already sorted (gtxn_node_create_sorted). A
 * re-ingest's `ON MATCH SET node += map` is the same pass with a memo of its own, and one graph call that
 * writes only the keys whose value differs (gtxn_node_merge_sorted).
 * Owns: cy_mnode_create, cy_mnode_match and their memo (cy_mnode_scan, which merge_rel.c shares).
 * Must not: differ from create.c's create_node or set.c's SET for the same input — the same properties, the
 * same errors in the same order (storable values of the map first, then the pattern's `~id`), the same
 * statistics; anything else (a pattern with other properties, a path, a map longer than the memo, a key longer
 * than it holds) is left to create.c / set.c (return 0 before any effect, or cy_set_map with the map already
 * evaluated). */
#include <string.h>

#include "cypher/eval.h"
#include "cypher/ops/write_common.h"
#include "graph/gwrite_fast.h"

enum { MK_PROP = 1, MK_DROP, MK_EXT };

/* Is key (n bytes) the memo's key (CY_MNODE_KEY bytes, zero padded, n of them meaningful)? Words overlap at
 * the end rather than reading past n. */
static inline bool key_eq(const char *memo, const char *key, uint32_t n) {
    uint64_t a, b;
    if (n >= 8) {
        for (uint32_t i = 8; i < n - 8; i += 8) {   /* keys longer than 16 bytes: the middle words */
            memcpy(&a, memo + i, 8);
            memcpy(&b, key + i, 8);
            if (a != b) return false;
        }
        uint64_t c, d;
        memcpy(&a, memo, 8);
        memcpy(&b, key, 8);
        memcpy(&c, memo + n - 8, 8);
        memcpy(&d, key + n - 8, 8);
        return ((a ^ b) | (c ^ d)) == 0;
    }
    if (n >= 4) {
        uint32_t a4, b4, c4, d4;
        memcpy(&a4, memo, 4);
        memcpy(&b4, key, 4);
        memcpy(&c4, memo + n - 4, 4);
        memcpy(&d4, key + n - 4, 4);
        return ((a4 ^ b4) | (c4 ^ d4)) == 0;
    }
    for (uint32_t i = 0; i < n; i++)
        if (memo[i] != key[i]) return false;
    return true;
}

static inline bool scalar_storable(qval v) {
    return v.type == QT_BOOL || v.type == QT_INT || v.type == QT_FLOAT || v.type == QT_STRING ||
           (v.type >= QT_DATE && v.type <= QT_DURATION);
}

/* Do a and b always give the same value for the same row? The same expression, or the same parameter,
 * variable, or key of one, which involve nothing that could differ between two evaluations (randomUUID()). */
static bool same_simple(const cy_expr *a, const cy_expr *b) {
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case CX_VAR: return a->slot >= 0 && a->slot == b->slot;
    case CX_PARAM: return a == b || (a->name && b->name && strcmp(a->name, b->name) == 0);
    case CX_PROP:
        if (!a->a || !b->a || (a->a->kind != CX_VAR && a->a->kind != CX_PARAM) || !same_simple(a->a, b->a)) return false;
        return a == b || (a->name && b->name && strcmp(a->name, b->name) == 0);
    default: return false;
    }
}

/* Can this MERGE path take the one-pass create (decided once per execution)? */
static bool applicable(const cy_cpath *p) {
    if (p->n_nodes != 1 || p->n_rels != 0 || p->path_slot >= 0 || p->nodes[0].bound) return false;
    if (p->nodes[0].n_labels > CY_MNODE_LABELS) return false;
    const cy_expr *props = p->nodes[0].props;
    return !props || (props->kind == CX_MAP && props->n_args == 1 && strcmp(props->keys[0], CY_EXT_ID_KEY) == 0);
}

/* Refreshes the memo of entry i (a key not seen at this position before). */
static void memo_key(cy_x *x, cy_mnode *m, uint32_t i, const qmapent *e, const cy_mapdrop *drop) {
    cy_mnode_key *k = &m->k[i];
    memset(k->key, 0, sizeof k->key);
    memcpy(k->key, e->key, e->klen);
    k->len1 = (uint8_t)(e->klen + 1);
    if (cy_mapdrop_has(drop, e->key, e->klen)) k->kind = MK_DROP;
    else if (e->klen == 3 && memcmp(e->key, CY_EXT_ID_KEY, 3) == 0) k->kind = MK_EXT;
    else k->kind = MK_PROP, k->id = cy_x_intern_key(x, e->key, e->klen);
    m->n_order_for = UINT32_MAX;
}

/* The positions < n holding properties, ordered by key id (insertion sort: rows change keys rarely). */
static void memo_order(cy_mnode *m, uint32_t n) {
    m->n_order = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (m->k[i].kind != MK_PROP) continue;
        uint32_t j = m->n_order++;
        while (j > 0 && m->k[m->order[j - 1]].id > m->k[i].id) m->order[j] = m->order[j - 1], j--;
        m->order[j] = (uint8_t)i;
    }
    m->n_order_for = n;
}

/* cy_mnode_scan (write_common.h): the memo's keys for map v, its values checked storable, its order by key id */
static int memo_scan(cy_x *x, cy_mnode *m, qval v, const cy_mapdrop *drop, int32_t pos) {
    for (uint32_t i = 0; i < v.len; i++) {
        const qmapent *e = &v.ents[i];
        const cy_mnode_key *k = &m->k[i];
        if (k->len1 != e->klen + 1 || !key_eq(k->key, e->key, e->klen)) {
            if (e->klen > CY_MNODE_KEY) return 0;
            memo_key(x, m, i, e, drop);
        }
        if (e->v.type != QT_NULL && !scalar_storable(e->v) && k->kind != MK_DROP && cy_check_storable(x, e->v, pos))
            return -1;
    }
    if (m->n_order_for != v.len) memo_order(m, v.len);
    return 1;
}

/* merge_rel.c's entry to it (write_common.h); the node path calls it inline */
int cy_mnode_scan(cy_x *x, cy_mnode *m, qval v, const cy_mapdrop *drop, int32_t pos) {
    return memo_scan(x, m, v, drop, pos);
}

int cy_mnode_create(cy_x *x, cy_mnode *m, const cy_cpath *p, const cy_setop *set, qval v, const cy_mapdrop *drop) {
    if (m->state == 0) m->state = applicable(p) ? 1 : -1;
    if (m->state < 0 || v.type != QT_MAP || v.len > CY_MNODE_MAX) return 0;
    int r = memo_scan(x, m, v, drop, (int32_t)set->pos);
    if (r <= 0) return r;
    const cy_cnode *cn = &p->nodes[0];
    qval ext = qv_null();
    if (cn->props) {
        const cy_expr *ie = cn->props->args[0];
        if (x->extid_expr && x->extid_expr != m->same_as) {   /* decided once per id expression */
            m->same_as = x->extid_expr;
            m->same = same_simple(x->extid_expr, ie);
        }
        if (x->extid_expr && m->same) ext = x->extid_val;   /* the value the match looked up */
        else if (cy_eval(x, ie, &ext)) return -1;
        if (ext.type == QT_NULL)
            return cy_err(x->err, CYE_SEMANTIC, "MergeReadOwnWrites", (int32_t)cn->pos,
                          "cannot merge using null property value for %s", CY_EXT_ID_KEY);
        if (cy_check_ext_id(x, ext, (int32_t)cn->pos)) return -1;
    }
    gprop ps[CY_MNODE_MAX];
    uint32_t np = 0;
    for (uint32_t j = 0; j < m->n_order; j++) {
        uint32_t i = m->order[j];
        if (v.ents[i].v.type != QT_NULL) ps[np].key = m->k[i].id, ps[np++].value = v.ents[i].v;
    }
    if (!m->labels_ok) {
        for (uint32_t i = 0; i < cn->n_labels; i++) m->labels[i] = cy_x_intern_name(x, cn->labels[i], 0);
        m->labels_ok = true;
    }
    uint64_t id;
    qv_err ge;
    if (gtxn_node_create_sorted(x->t, m->labels, cn->n_labels, ps, np, ext, &id, &ge))
        return cy_x_graph_err(x, &ge, (int32_t)cn->pos);
    x->row[cn->slot] = qv_node(id);
    x->stats.nodes_created++;
    x->stats.props_set += np;
    x->stats.labels_added += cn->n_labels;
    return 1;
}

int cy_mnode_match(cy_x *x, cy_mnode *m, const cy_cpath *p, const cy_setop *set) {
    if (m->state == 0) m->state = applicable(p) ? 1 : -1;
    if (m->state < 0 || set->kind != CY_SET_MERGE || set->var_slot != p->nodes[0].slot) return 0;
    qval ent = x->row[set->var_slot], v;
    if (ent.type != QT_NODE) return 0;
    cy_mapdrop drop;
    int32_t pos = (int32_t)set->pos;
    if (cy_eval_map_drop(x, set->value, &v, &drop)) return -1;
    if (v.type != QT_MAP || v.len > CY_MNODE_MAX || !gview_node_exists(x->v, ent.id))   /* as SET does it */
        return cy_set_map(x, ent, v, &drop, false, pos) ? -1 : 1;
    int r = memo_scan(x, m, v, &drop, pos);
    if (r < 0) return -1;
    if (r == 0) return cy_set_map(x, ent, v, &drop, false, pos) ? -1 : 1;
    gprop ps[CY_MNODE_MAX];
    uint32_t np = 0, nset = 0;
    for (uint32_t j = 0; j < m->n_order; j++) {   /* nulls too: `+=` removes those keys */
        uint32_t i = m->order[j];
        ps[np].key = m->k[i].id, ps[np++].value = v.ents[i].v;
        nset += v.ents[i].v.type != QT_NULL;
    }
    qv_err ge;
    if (gtxn_node_merge_sorted(x->t, ent.id, ps, np, &ge)) return cy_x_graph_err(x, &ge, pos);
    x->stats.props_set += nset;
    return 1;
}
