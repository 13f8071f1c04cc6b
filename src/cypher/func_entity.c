/* func_entity.c — functions over nodes, relationships and paths: labels, type, id, properties, keys
 * (also of maps), startNode, endNode, nodes, relationships, length; and timestamp().
 *
 * Owns: reading entities through the query's graph view (ctx->view, graph/gview.h). id() follows Neptune:
 * the element's external id as a string (integer ids rendered in decimal). A runtime value of the wrong
 * kind fails with TypeError InvalidArgumentValue, as openCypher specifies for labels() and type(); reading the
 * labels or properties of an element deleted earlier in the query fails with EntityNotFound.
 * Must not: write to the graph, or keep pointers into the view beyond the query (values returned share
 * the view's storage, which lives as long as the query's snapshot).
 */
#include "cypher/func_int.h"

#include <string.h>

#include "value/value_fmt.h"

static int need_view(cy_fnctx *ctx, cy_error *err, const char *fn) {
    if (ctx->view) return 0;
    return cyfn_fail(ctx, err, CYE_INTERNAL, NULL, "%s(): no graph is open for this query", fn);
}

/* labels(), properties() and keys() read data a deletion removed: like property access, they fail on an
 * element deleted earlier in the query (Return2 [16]). */
static int need_live(cy_fnctx *ctx, cy_error *err, const char *fn, qval x) {
    bool live = x.type == QT_NODE ? gview_node_exists(ctx->view, x.id) : gview_rel_exists(ctx->view, x.id);
    if (live) return 0;
    return cyfn_fail(ctx, err, CYE_ENTITY_NOT_FOUND, "DeletedEntityAccess", "%s(): the %s was deleted in this query",
                     fn, x.type == QT_NODE ? "node" : "relationship");
}

static qval name_str(const char *s) { return qv_str_ref(s ? s : "", s ? (uint32_t)strlen(s) : 0); }

CYFN(cyfn_labels) {
    qval n = args[0];
    if (n.type == QT_NULL) { *out = n; return 0; }
    if (n.type != QT_NODE) return cyfn_value_err(ctx, err, "labels", 0, n, "a Node");
    if (need_view(ctx, err, "labels") || need_live(ctx, err, "labels", n)) return -1;
    uint32_t buf[16];
    uint32_t *ids = buf;
    uint32_t cnt = gview_node_labels(ctx->view, n.id, buf, 16);
    if (cnt > 16) {
        ids = qv_arena_alloc(ctx->arena, (size_t)cnt * sizeof *ids);
        cnt = gview_node_labels(ctx->view, n.id, ids, cnt);
    }
    qval *items = qv_arena_alloc(ctx->arena, (size_t)cnt * sizeof(qval));
    for (uint32_t i = 0; i < cnt; i++) items[i] = name_str(gview_label_name(ctx->view, ids[i]));
    *out = qv_list_ref(items, cnt);
    return 0;
}

CYFN(cyfn_type) {
    qval r = args[0];
    if (r.type == QT_NULL) { *out = r; return 0; }
    if (r.type != QT_REL) return cyfn_value_err(ctx, err, "type", 0, r, "a Relationship");
    if (need_view(ctx, err, "type")) return -1;
    uint64_t src, dst;
    uint32_t type;
    gview_rel_info(ctx->view, r.id, &src, &dst, &type);
    *out = name_str(gview_type_name(ctx->view, type));
    return 0;
}

CYFN(cyfn_id) {
    qval x = args[0];
    if (x.type == QT_NULL) { *out = x; return 0; }
    if (x.type != QT_NODE && x.type != QT_REL)
        return cyfn_value_err(ctx, err, "id", 0, x, "a Node or a Relationship");
    if (need_view(ctx, err, "id")) return -1;
    qval ext = x.type == QT_NODE ? gview_node_ext_id(ctx->view, x.id) : gview_rel_ext_id(ctx->view, x.id, ctx->arena);
    if (ext.type == QT_INT) {
        char nb[QV_NUMBUF];
        size_t n = qv_fmt_int(nb, ext.i);
        ext = qv_str_copy(ctx->arena, nb, n);
    }
    *out = ext;
    return 0;
}

/* Properties of a node or relationship as (key id, value) pairs. */
static uint32_t entity_props(cy_fnctx *ctx, qval x, gprop **props) {
    return x.type == QT_NODE ? gview_node_props(ctx->view, x.id, ctx->arena, props)
                             : gview_rel_props(ctx->view, x.id, ctx->arena, props);
}

CYFN(cyfn_properties) {
    qval x = args[0];
    if (x.type == QT_NULL || x.type == QT_MAP) { *out = x; return 0; }
    if (x.type != QT_NODE && x.type != QT_REL)
        return cyfn_value_err(ctx, err, "properties", 0, x, "a Node, a Relationship or a Map");
    if (need_view(ctx, err, "properties") || need_live(ctx, err, "properties", x)) return -1;
    gprop *props = NULL;
    uint32_t n = entity_props(ctx, x, &props);
    qmapent *ents = qv_arena_alloc(ctx->arena, (size_t)n * sizeof *ents);
    for (uint32_t i = 0; i < n; i++) {
        const char *k = gview_key_name(ctx->view, props[i].key);
        ents[i].key = k ? k : "";
        ents[i].klen = k ? (uint32_t)strlen(k) : 0;
        ents[i].v = props[i].value;
    }
    *out = qv_map_ref(ents, n);
    return 0;
}

CYFN(cyfn_keys) {
    qval x = args[0];
    if (x.type == QT_NULL) { *out = x; return 0; }
    if (x.type == QT_MAP) {
        qval *items = qv_arena_alloc(ctx->arena, (size_t)x.len * sizeof(qval));
        for (uint32_t i = 0; i < x.len; i++) items[i] = qv_str_ref(x.ents[i].key, x.ents[i].klen);
        *out = qv_list_ref(items, x.len);
        return 0;
    }
    if (x.type != QT_NODE && x.type != QT_REL)
        return cyfn_value_err(ctx, err, "keys", 0, x, "a Node, a Relationship or a Map");
    if (need_view(ctx, err, "keys") || need_live(ctx, err, "keys", x)) return -1;
    gprop *props = NULL;
    uint32_t n = entity_props(ctx, x, &props);
    qval *items = qv_arena_alloc(ctx->arena, (size_t)n * sizeof(qval));
    for (uint32_t i = 0; i < n; i++) items[i] = name_str(gview_key_name(ctx->view, props[i].key));
    *out = qv_list_ref(items, n);
    return 0;
}

static int endpoint(cy_fnctx *ctx, const char *fn, const qval *args, qval *out, cy_error *err, bool start) {
    qval r = args[0];
    if (r.type == QT_NULL) { *out = r; return 0; }
    if (r.type != QT_REL) return cyfn_value_err(ctx, err, fn, 0, r, "a Relationship");
    if (need_view(ctx, err, fn)) return -1;
    uint64_t src, dst;
    uint32_t type;
    gview_rel_info(ctx->view, r.id, &src, &dst, &type);
    *out = qv_node(start ? src : dst);
    return 0;
}

CYFN(cyfn_startnode) { return endpoint(ctx, "startNode", args, out, err, true); }
CYFN(cyfn_endnode) { return endpoint(ctx, "endNode", args, out, err, false); }

static int path_arg(cy_fnctx *ctx, cy_error *err, const char *fn, qval p) {
    if (p.type == QT_NULL) return 1;
    if (p.type == QT_PATH) return 0;
    cyfn_value_err(ctx, err, fn, 0, p, "a Path");
    return -1;
}

CYFN(cyfn_nodes) {
    int r = path_arg(ctx, err, "nodes", args[0]);
    if (r) { *out = qv_null(); return r < 0 ? -1 : 0; }
    const qpath *p = args[0].path;
    qval *items = qv_arena_alloc(ctx->arena, ((size_t)p->n_rels + 1) * sizeof(qval));
    for (uint32_t i = 0; i <= p->n_rels; i++) items[i] = qv_node(p->nodes[i]);
    *out = qv_list_ref(items, p->n_rels + 1);
    return 0;
}

CYFN(cyfn_relationships) {
    int r = path_arg(ctx, err, "relationships", args[0]);
    if (r) { *out = qv_null(); return r < 0 ? -1 : 0; }
    const qpath *p = args[0].path;
    qval *items = qv_arena_alloc(ctx->arena, (size_t)p->n_rels * sizeof(qval));
    for (uint32_t i = 0; i < p->n_rels; i++) items[i] = qv_rel(p->rels[i]);
    *out = qv_list_ref(items, p->n_rels);
    return 0;
}

CYFN(cyfn_length) {
    int r = path_arg(ctx, err, "length", args[0]);
    if (r) { *out = qv_null(); return r < 0 ? -1 : 0; }
    *out = qv_int(args[0].path->n_rels);
    return 0;
}

/* Milliseconds since the epoch of the statement's clock (the same for every call in one query). */
CYFN(cyfn_timestamp) {
    int64_t ns = ctx->stmt_time_ns;
    int64_t ms = ns / 1000000;
    if (ns % 1000000 < 0) ms--;
    *out = qv_int(ms);
    return 0;
}
