/* path.c — binds a named path p = (...) from the slots of its nodes and relationships (a var-length
 * relationship slot holds a list; its hops are walked from the previous node). Must not: touch the graph
 * except to read relationship endpoints. */
#include "cypher/ops/ops.h"

typedef struct { xop base; int32_t path; const int32_t *nodes, *rels; uint32_t n; } op_t;

static int pa_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    int r = cy_op_next(s->in, x);
    if (r <= 0) return r;
    uint32_t cap = 8, nr = 0;
    for (uint32_t i = 0; i < o->n; i++) {
        qval rv = x->row[o->rels[i]];
        cap += rv.type == QT_LIST ? rv.len : 1;
    }
    uint64_t *ns = qv_arena_alloc(x->arena, sizeof(uint64_t) * (cap + 1));
    uint64_t *rs = qv_arena_alloc(x->arena, sizeof(uint64_t) * cap);
    qval first = x->row[o->nodes[0]];
    if (first.type != QT_NODE) { x->row[o->path] = qv_null(); return 1; }
    ns[0] = first.id;
    for (uint32_t i = 0; i < o->n; i++) {
        qval rv = x->row[o->rels[i]];
        if (rv.type == QT_NULL) { x->row[o->path] = qv_null(); return 1; }
        uint32_t k = rv.type == QT_LIST ? rv.len : 1;
        for (uint32_t j = 0; j < k; j++) {
            qval rel = rv.type == QT_LIST ? rv.items[j] : rv;
            uint64_t src, dst;
            uint32_t ty;
            gview_rel_info(x->v, rel.id, &src, &dst, &ty);
            uint64_t cur = ns[nr];
            rs[nr] = rel.id;
            ns[nr + 1] = src == cur ? dst : src;
            nr++;
        }
        qval nxt = x->row[o->nodes[i + 1]];
        if (nxt.type == QT_NODE) ns[nr] = nxt.id;
    }
    x->row[o->path] = qv_path_make(x->arena, nr, ns, rs);
    return 1;
}
static const cy_opvt vt = {"NamedPath", sizeof(cy_opstate), NULL, pa_next, NULL};
xop *cy_op_path(cy_plan *p, xop *in, int32_t path_slot, const int32_t *nodes, const int32_t *rels,
                  uint32_t n_rels) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->path = path_slot;
    o->nodes = cy_pdup(p, nodes, sizeof(int32_t) * (n_rels + 1));
    o->rels = cy_pdup(p, rels, sizeof(int32_t) * n_rels);
    o->n = n_rels;
    return &o->base;
}
