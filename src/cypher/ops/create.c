/* create.c — CREATE: creates the pattern's new nodes and relationships for each input row (also used by
 * MERGE when nothing matched). `~id` in a node's or a relationship's property map sets its external id
 * (Neptune; a relationship without one reads as "r<id>", graph/grelid.h).
 * Must not: create anything for a variable already bound. */
#include <string.h>

#include "cypher/eval.h"
#include "cypher/ops/write_common.h"

int cy_check_storable(cy_x *x, qval v, int32_t pos) {
    if (gvalue_storable(v)) return 0;
    return cy_err(x->err, CYE_TYPE, "InvalidPropertyType", pos,
                  "a property cannot hold a %s value", qv_type_name((qtype)v.type));
}

int cy_check_ext_id(cy_x *x, qval v, int32_t pos) {
    if (v.type == QT_STRING || v.type == QT_INT || v.type == QT_NULL) return 0;
    return cy_err(x->err, CYE_TYPE, "InvalidPropertyType", pos, "`~id` must be a string or an integer, got %s",
                  qv_type_name((qtype)v.type));
}

int cy_props_from_map(cy_x *x, qval map, const cy_mapdrop *drop, gprop **out, uint32_t *n, qval *ext_id, int32_t pos) {
    *n = 0;
    *out = NULL;
    if (map.type == QT_NULL) return 0;
    if (map.type != QT_MAP)
        return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos, "expected a map of properties, got %s",
                      qv_type_name((qtype)map.type));
    gprop *ps = qv_arena_alloc(x->arena, sizeof(gprop) * (map.len ? map.len : 1));
    for (uint32_t i = 0; i < map.len; i++) {
        const qmapent *e = &map.ents[i];
        if (drop && cy_mapdrop_has(drop, e->key, e->klen)) continue;
        if (e->klen == 3 && memcmp(e->key, CY_EXT_ID_KEY, 3) == 0) {
            if (ext_id) {
                if (cy_check_ext_id(x, e->v, pos)) return -1;
                *ext_id = e->v;
            }
            continue;
        }
        if (e->v.type == QT_NULL) continue;
        if (!(drop && drop->storable) && cy_check_storable(x, e->v, pos)) return -1;
        ps[*n].key = cy_x_intern_key(x, e->key, e->klen);
        ps[*n].value = e->v;
        (*n)++;
    }
    *out = ps;
    return 0;
}

static int merge_nulls(cy_x *x, bool merge, qval props, int32_t pos) {
    if (!merge || props.type != QT_MAP) return 0;
    for (uint32_t i = 0; i < props.len; i++)
        if (props.ents[i].v.type == QT_NULL)
            return cy_err(x->err, CYE_SEMANTIC, "MergeReadOwnWrites", pos,
                          "cannot merge using null property value for %s", props.ents[i].key);
    return 0;
}

/* The map of a fused ON CREATE SET n = / += map has key (and drop does not remove it)? */
static bool extra_has(qval extra, const cy_mapdrop *drop, const char *key) {
    size_t kl = strlen(key);
    for (uint32_t j = 0; j < extra.len; j++)
        if (extra.ents[j].klen == kl && memcmp(extra.ents[j].key, key, kl) == 0)
            return !cy_mapdrop_has(drop, extra.ents[j].key, extra.ents[j].klen);
    return false;
}

/* extra: the map of a fused ON CREATE SET n = / += map (null if none) minus drop's keys; replace: `=`. */
static int create_node(cy_x *x, const cy_cnode *cn, bool merge, qval extra, const cy_mapdrop *drop, bool replace) {
    qval props = qv_null();
    if (cn->props && cy_eval(x, cn->props, &props)) return -1;
    if (merge_nulls(x, merge, props, (int32_t)cn->pos)) return -1;
    gprop *ps;
    uint32_t np;
    qval ext = qv_null();
    if (extra.type == QT_MAP) {
        /* the pattern's `~id` (and with += its other properties) plus the map's, without building a map */
        gprop *eps, *pps;
        uint32_t ne, npp;
        if (cy_props_from_map(x, extra, drop, &eps, &ne, NULL, (int32_t)cn->pos) ||
            cy_props_from_map(x, props, NULL, &pps, &npp, &ext, (int32_t)cn->pos))
            return -1;
        ps = qv_arena_alloc(x->arena, sizeof(gprop) * (ne + npp + 1));
        np = 0;
        for (uint32_t i = 0; !replace && i < npp; i++)   /* unless the map sets the key (or removes it with null) */
            if (!extra_has(extra, drop, gview_key_name(x->v, pps[i].key))) ps[np++] = pps[i];
        for (uint32_t i = 0; i < ne; i++) ps[np++] = eps[i];
    } else if (cy_props_from_map(x, props, NULL, &ps, &np, &ext, (int32_t)cn->pos)) {
        return -1;
    }
    uint32_t lt[16];
    uint32_t *labels = cn->n_labels <= 16 ? lt : qv_arena_alloc(x->arena, sizeof(uint32_t) * cn->n_labels);
    for (uint32_t i = 0; i < cn->n_labels; i++) labels[i] = cy_x_intern_name(x, cn->labels[i], 0);
    uint64_t id;
    qv_err ge;
    if (gtxn_node_create(x->t, labels, cn->n_labels, ps, np, ext, &id, &ge))
        return cy_x_graph_err(x, &ge, (int32_t)cn->pos);
    x->row[cn->slot] = qv_node(id);
    x->stats.nodes_created++;
    x->stats.props_set += np;
    x->stats.labels_added += cn->n_labels;
    return 0;
}

/* extra / drop / replace: as for create_node (a fused `ON CREATE SET r = map` / `+= map`). */
static int create_rel(cy_x *x, const cy_cpath *p, const cy_crel *cr, qval extra, const cy_mapdrop *drop, bool replace) {
    qval a = x->row[p->nodes[cr->src].slot], b = x->row[p->nodes[cr->dst].slot];
    if (a.type != QT_NODE || b.type != QT_NODE)
        return cy_err(x->err, CYE_SEMANTIC, "CreatingRelationshipWithNullNode", (int32_t)cr->pos,
                      "cannot create a relationship with a missing (null) end node");
    qval props = qv_null();
    if (cr->props && cy_eval(x, cr->props, &props)) return -1;
    if (merge_nulls(x, p->merge, props, (int32_t)cr->pos)) return -1;
    gprop *ps;
    uint32_t np;
    qval ext = qv_null();   /* `~id` in the pattern's map: the relationship's external id (Neptune) */
    if (extra.type == QT_MAP) {
        /* with `=` the map's properties only; with `+=` the pattern's too, but for the keys the map has */
        gprop *eps, *pps;
        uint32_t ne, npp;
        if (cy_props_from_map(x, extra, drop, &eps, &ne, NULL, (int32_t)cr->pos) ||
            cy_props_from_map(x, props, NULL, &pps, &npp, &ext, (int32_t)cr->pos))
            return -1;
        ps = qv_arena_alloc(x->arena, sizeof(gprop) * (ne + npp + 1));
        np = 0;
        for (uint32_t i = 0; !replace && i < npp; i++)
            if (!extra_has(extra, drop, gview_key_name(x->v, pps[i].key))) ps[np++] = pps[i];
        for (uint32_t i = 0; i < ne; i++) ps[np++] = eps[i];
    } else if (cy_props_from_map(x, props, NULL, &ps, &np, &ext, (int32_t)cr->pos)) {
        return -1;
    }
    uint64_t id;
    qv_err ge;
    uint32_t ty = cy_x_intern_name(x, cr->type, 1);
    int rc = qv_is_null(ext) ? gtxn_rel_create(x->t, a.id, b.id, ty, ps, np, &id, &ge)   /* no id: the common case */
                             : gtxn_rel_create_ext(x->t, a.id, b.id, ty, ps, np, ext, &id, &ge);
    if (rc)
        return cy_x_graph_err(x, &ge, (int32_t)cr->pos);
    x->row[cr->slot] = qv_rel(id);
    x->stats.rels_created++;
    x->stats.props_set += np;
    return 0;
}

/* One path; extra (minus drop's keys) goes to its only node (no relationship) or its only relationship. */
static int create_path(cy_x *x, const cy_cpath *p, qval extra, const cy_mapdrop *drop, bool replace) {
    for (uint32_t j = 0; j < p->n_nodes; j++) {
        const cy_cnode *cn = &p->nodes[j];
        if (cn->bound) {
            qval v = x->row[cn->slot];
            if (v.type != QT_NODE)
                return cy_err(x->err, CYE_SEMANTIC, "CreatingRelationshipWithNullNode", (int32_t)cn->pos,
                              "cannot create a relationship with a missing (null) end node");
            continue;
        }
        if (create_node(x, cn, p->merge, p->n_rels ? qv_null() : extra, drop, replace)) return -1;
    }
    for (uint32_t j = 0; j < p->n_rels; j++)
        if (create_rel(x, p, &p->rels[j], p->n_rels == 1 ? extra : qv_null(), drop, replace)) return -1;
    if (p->path_slot >= 0) {
        uint64_t *ns = qv_arena_alloc(x->arena, sizeof(uint64_t) * (p->n_rels + 1));
        uint64_t *rs = qv_arena_alloc(x->arena, sizeof(uint64_t) * (p->n_rels ? p->n_rels : 1));
        for (uint32_t j = 0; j <= p->n_rels; j++) ns[j] = x->row[p->nodes[p->path_nodes[j]].slot].id;
        for (uint32_t j = 0; j < p->n_rels; j++) rs[j] = x->row[p->rels[j].slot].id;
        x->row[p->path_slot] = qv_path_make(x->arena, p->n_rels, ns, rs);
    }
    return 0;
}

int cy_create_paths(cy_x *x, const cy_cpath *paths, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (create_path(x, &paths[i], qv_null(), NULL, false)) return -1;
    return 0;
}

int cy_create_with(cy_x *x, const cy_cpath *p, qval extra, bool replace) {
    return create_path(x, p, extra, NULL, replace);
}

int cy_create_with_drop(cy_x *x, const cy_cpath *p, qval extra, const cy_mapdrop *drop, bool replace) {
    return create_path(x, p, extra, drop, replace);
}

typedef struct { xop base; const cy_cpath *paths; uint32_t n; } op_t;
static int cr_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    int r = cy_op_next(s->in, x);
    if (r <= 0) return r;
    if (cy_x_tick(x) || cy_create_paths(x, o->paths, o->n)) return -1;
    return 1;
}
static const cy_opvt vt = {"Create", sizeof(cy_opstate), NULL, cr_next, NULL};
xop *cy_op_create(cy_plan *p, xop *in, const cy_cpath *paths, uint32_t n) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->paths = paths;
    o->n = n;
    return &o->base;
}
