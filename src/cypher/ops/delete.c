/* delete.c — DELETE / DETACH DELETE of nodes, relationships and paths for each input row. A node that
 * still has relationships without DETACH is re-checked before commit (its relationships may be deleted
 * by a later row), then fails with ConstraintVerificationFailed "DeleteConnectedNode".
 * Must not: delete anything for a null value. */
#include <string.h>

#include "cypher/eval.h"
#include "cypher/ops/ops.h"

typedef struct { xop base; const cy_expr *const *exprs; uint32_t n; bool detach; } op_t;

static int del_node(cy_x *x, uint64_t id, bool detach, int32_t pos) {
    if (!gview_node_exists(x->v, id)) return 0;
    uint64_t deg = detach ? gview_degree(x->v, id, GDIR_BOTH, NULL, 0) : 0;
    qv_err ge;
    if (gtxn_node_delete(x->t, id, detach, &ge)) {
        if (ge.code == QV_ECONSTRAINT && !detach) {
            if (x->n_pending == x->cap_pending) {
                uint32_t nc = x->cap_pending ? x->cap_pending * 2 : 16;
                uint64_t *np = qv_arena_alloc(x->arena, sizeof(uint64_t) * nc);
                if (x->n_pending) memcpy(np, x->pending_deletes, sizeof(uint64_t) * x->n_pending);
                x->pending_deletes = np;
                x->cap_pending = nc;
            }
            x->pending_deletes[x->n_pending++] = id;
            return 0;
        }
        return cy_x_graph_err(x, &ge, pos);
    }
    x->stats.nodes_deleted++;
    x->stats.rels_deleted += deg;
    return 0;
}

static int del_rel(cy_x *x, uint64_t id, int32_t pos) {
    if (!gview_rel_exists(x->v, id)) return 0;
    qv_err ge;
    if (gtxn_rel_delete(x->t, id, &ge)) return cy_x_graph_err(x, &ge, pos);
    x->stats.rels_deleted++;
    return 0;
}

static int del_value(cy_x *x, qval v, bool detach, int32_t pos) {
    switch (v.type) {
    case QT_NULL: return 0;
    case QT_NODE: return del_node(x, v.id, detach, pos);
    case QT_REL: return del_rel(x, v.id, pos);
    case QT_PATH:
        for (uint32_t i = 0; i < v.path->n_rels; i++)
            if (del_rel(x, v.path->rels[i], pos)) return -1;
        for (uint32_t i = 0; i <= v.path->n_rels; i++)
            if (del_node(x, v.path->nodes[i], detach, pos)) return -1;
        return 0;
    case QT_LIST:
        for (uint32_t i = 0; i < v.len; i++)
            if (del_value(x, v.items[i], detach, pos)) return -1;
        return 0;
    default:
        return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", pos, "DELETE needs a node, relationship or path, got %s",
                      qv_type_name((qtype)v.type));
    }
}

/* Before commit: nodes deleted while connected must have lost their relationships since. */
int cy_x_finish_deletes(cy_x *x) {
    for (uint32_t i = 0; i < x->n_pending; i++) {
        uint64_t id = x->pending_deletes[i];
        if (!gview_node_exists(x->v, id)) continue;
        qv_err ge;
        if (gtxn_node_delete(x->t, id, false, &ge)) {
            if (ge.code == QV_ECONSTRAINT)
                return cy_err(x->err, CYE_CONSTRAINT, "DeleteConnectedNode", -1,
                              "cannot delete a node that still has relationships; use DETACH DELETE");
            return cy_x_graph_err(x, &ge, -1);
        }
        x->stats.nodes_deleted++;
    }
    x->n_pending = 0;
    return 0;
}

static int del_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    int r = cy_op_next(s->in, x);
    if (r <= 0) return r;
    if (cy_x_tick(x)) return -1;
    for (uint32_t i = 0; i < o->n; i++) {
        qval v;
        if (cy_eval(x, o->exprs[i], &v)) return -1;
        if (del_value(x, v, o->detach, (int32_t)o->exprs[i]->pos)) return -1;
    }
    return 1;
}
static const cy_opvt vt = {"Delete", sizeof(cy_opstate), NULL, del_next, NULL};
xop *cy_op_delete(cy_plan *p, xop *in, const cy_expr *const *exprs, uint32_t n, bool detach) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->exprs = cy_pdup(p, exprs, sizeof(*exprs) * n);
    o->n = n;
    o->detach = detach;
    return &o->base;
}
