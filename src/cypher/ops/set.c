/* set.c — SET and REMOVE items, applied in order for each input row: properties (a null value removes),
 * `n = map` (replaces every property, keeps labels and `~id`), `n += map` (merges), labels; setting on a
 * null entity does nothing. Must not: store maps or mixed lists as properties. */
#include <string.h>

#include "cypher/eval.h"
#include "cypher/ops/write_common.h"

/* Does the entity already hold exactly v (same type, same scalar value)? */
static bool same_scalar(cy_x *x, qval ent, uint32_t key, qval v) {
    if (v.type != QT_BOOL && v.type != QT_INT && v.type != QT_FLOAT && v.type != QT_STRING) return false;
    qval old;
    bool has = ent.type == QT_NODE ? gview_node_prop(x->v, ent.id, key, &old) : gview_rel_prop(x->v, ent.id, key, &old);
    if (!has || old.type != v.type) return false;
    switch (v.type) {
    case QT_BOOL: return old.b == v.b;
    case QT_INT: return old.i == v.i;
    case QT_FLOAT: return memcmp(&old.f, &v.f, sizeof v.f) == 0;   /* bitwise: -0.0 and NaN payloads differ */
    default: return old.len == v.len && memcmp(old.s, v.s, v.len) == 0;
    }
}

/* checked: v is known storable (set_map checks a whole map first). */
static int set_one_prop(cy_x *x, qval ent, const char *key, size_t klen, qval v, bool checked, int32_t pos) {
    if (klen == 3 && memcmp(key, CY_EXT_ID_KEY, 3) == 0)
        return cy_err(x->err, CYE_UNSUPPORTED, NULL, pos, ent.type == QT_NODE ? "`~id` cannot be changed once a node exists"
                                                            : "`~id` cannot be changed once a relationship exists");
    if (!checked && v.type != QT_NULL && cy_check_storable(x, v, pos)) return -1;
    uint32_t k = cy_x_intern_key(x, key, klen);
    if (same_scalar(x, ent, k, v)) {   /* re-ingesting an unchanged value writes nothing */
        x->stats.props_set++;
        return 0;
    }
    qv_err ge;
    int rc = ent.type == QT_NODE ? gtxn_node_set_prop(x->t, ent.id, k, v, &ge)
                                 : gtxn_rel_set_prop(x->t, ent.id, k, v, &ge);
    if (rc) return cy_x_graph_err(x, &ge, pos);
    if (v.type != QT_NULL) x->stats.props_set++;
    return 0;
}

static int check_alive(cy_x *x, qval ent, int32_t pos) {
    bool alive = ent.type == QT_NODE ? gview_node_exists(x->v, ent.id) : gview_rel_exists(x->v, ent.id);
    if (!alive) return cy_err(x->err, CYE_ENTITY_NOT_FOUND, "DeletedEntityAccess", pos,
                              "cannot set properties of an entity deleted in this query");
    return 0;
}

/* v minus drop's keys (cy_eval_map_drop). Inlined into cy_apply_sets, its hot caller (SET of every row of an
 * ingest batch), as it was before merge_node.c needed it too (cy_set_map). */
__attribute__((always_inline)) static inline int set_map(cy_x *x, qval ent, qval v, const cy_mapdrop *drop, bool replace, int32_t pos) {
    if (ent.type == QT_NULL) return 0;
    if (ent.type != QT_NODE && ent.type != QT_REL)
        return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos, "SET needs a node or relationship, got %s",
                      qv_type_name((qtype)ent.type));
    if (check_alive(x, ent, pos)) return -1;
    if (v.type == QT_NODE || v.type == QT_REL) {
        if (cy_eval_entity_props(x, v, &v, pos)) return -1;
    } else if (v.type != QT_MAP && v.type != QT_NULL) {
        return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos, "SET = / += needs a map, got %s",
                      qv_type_name((qtype)v.type));
    }
    for (uint32_t i = 0; v.type == QT_MAP && i < v.len; i++)   /* check first: all or nothing */
        if (v.ents[i].v.type != QT_NULL && !cy_mapdrop_has(drop, v.ents[i].key, v.ents[i].klen) &&
            cy_check_storable(x, v.ents[i].v, pos))
            return -1;
    qv_err ge;
    if (replace) {
        int rc = ent.type == QT_NODE ? gtxn_node_clear_props(x->t, ent.id, &ge) : gtxn_rel_clear_props(x->t, ent.id, &ge);
        if (rc) return cy_x_graph_err(x, &ge, pos);
    }
    for (uint32_t i = 0; v.type == QT_MAP && i < v.len; i++) {
        const qmapent *e = &v.ents[i];
        if (e->klen == 3 && memcmp(e->key, CY_EXT_ID_KEY, 3) == 0) continue;   /* ~id is not a property */
        if (cy_mapdrop_has(drop, e->key, e->klen)) continue;
        if (replace && e->v.type == QT_NULL) continue;
        if (set_one_prop(x, ent, e->key, e->klen, e->v, true, pos)) return -1;
    }
    return 0;
}

int cy_set_map(cy_x *x, qval ent, qval v, const cy_mapdrop *drop, bool replace, int32_t pos) {
    return set_map(x, ent, v, drop, replace, pos);
}

static int labels_op(cy_x *x, qval n, const char **labels, uint32_t nl, bool add, int32_t pos) {
    if (n.type == QT_NULL) return 0;
    if (n.type != QT_NODE)
        return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos, "labels belong to nodes, got %s",
                      qv_type_name((qtype)n.type));
    for (uint32_t i = 0; i < nl; i++) {
        qv_err ge;
        if (add) {
            uint32_t l = gtxn_label(x->t, labels[i], strlen(labels[i]));
            if (gview_node_has_label(x->v, n.id, l)) continue;
            if (gtxn_node_add_label(x->t, n.id, l, &ge)) return cy_x_graph_err(x, &ge, pos);
            x->stats.labels_added++;
        } else {
            int64_t l = gview_label_id(x->v, labels[i], strlen(labels[i]));
            if (l < 0 || !gview_node_has_label(x->v, n.id, (uint32_t)l)) continue;
            if (gtxn_node_remove_label(x->t, n.id, (uint32_t)l, &ge)) return cy_x_graph_err(x, &ge, pos);
            x->stats.labels_removed++;
        }
    }
    return 0;
}

int cy_apply_sets(cy_x *x, const cy_setop *items, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        const cy_setop *it = &items[i];
        int32_t pos = (int32_t)it->pos;
        switch (it->kind) {
        case CY_SET_PROP: case CY_REMOVE_PROP: {
            qval ent, v = qv_null();
            if (cy_eval(x, it->target->a, &ent)) return -1;
            if (it->kind == CY_SET_PROP && cy_eval(x, it->value, &v)) return -1;
            if (ent.type == QT_NULL) break;
            if (ent.type != QT_NODE && ent.type != QT_REL)
                return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos,
                              "properties can be set on nodes and relationships, not on %s",
                              qv_type_name((qtype)ent.type));
            if (check_alive(x, ent, pos)) return -1;
            if (it->kind == CY_REMOVE_PROP) {
                qval old;
                if (cy_eval_entity_prop(x, ent, it->target->name, &old, pos)) return -1;
                if (old.type == QT_NULL) break;
            }
            if (set_one_prop(x, ent, it->target->name, strlen(it->target->name), v, false, pos)) return -1;
            break;
        }
        case CY_SET_ALL: case CY_SET_MERGE: {
            qval v;
            cy_mapdrop drop;
            if (cy_eval_map_drop(x, it->value, &v, &drop)) return -1;
            if (set_map(x, x->row[it->var_slot], v, &drop, it->kind == CY_SET_ALL, pos)) return -1;
            break;
        }
        case CY_SET_LABELS: case CY_REMOVE_LABELS:
            if (labels_op(x, x->row[it->var_slot], it->labels, it->n_labels, it->kind == CY_SET_LABELS, pos))
                return -1;
            break;
        }
    }
    return 0;
}

typedef struct { xop base; const cy_setop *items; uint32_t n; } op_t;
static int set_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    int r = cy_op_next(s->in, x);
    if (r <= 0) return r;
    if (cy_x_tick(x) || cy_apply_sets(x, o->items, o->n)) return -1;
    return 1;
}
static const cy_opvt vt = {"SetProperties", sizeof(cy_opstate), NULL, set_next, NULL};
xop *cy_op_set(cy_plan *p, xop *in, const cy_setop *items, uint32_t n) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->items = items;
    o->n = n;
    return &o->base;
}
