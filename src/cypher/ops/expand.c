/* expand.c — one relationship hop from a bound node: (a)-[r:T]->(b), in either direction, with "into"
 * mode when b is already bound; skips relationships already used by the same pattern.
 * Must not: allocate per row. */
#include "cypher/ops/expand_common.h"

#define EXP_BATCH 128

typedef struct { xop base; cy_expand_spec s; } op_t;
typedef struct {
    cy_opstate base;
    gadj_iter it;
    gadj adj[EXP_BATCH];
    uint32_t types[CY_MAX_TYPES];
    uint32_t n, i;
    uint32_t n_types;   /* valid once types_memo: every type name was found (its id never changes) */
    bool active, types_memo;
} st;

static int ex_open(cy_opstate *s, cy_x *x) { ((st *)s)->active = false; return 0; }
static int ex_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->active) {
            while (t->i < t->n) {
                const gadj *a = &t->adj[t->i++];
                if (o->s.into) {
                    qval to = x->row[o->s.to];
                    if (to.type != QT_NODE || to.id != a->other) continue;
                }
                if (!cy_rel_unique(x, &o->s.uniq, a->rel)) continue;
                x->row[o->s.rel] = qv_rel(a->rel);
                if (!o->s.into) x->row[o->s.to] = qv_node(a->other);
                return 1;
            }
            if (cy_x_tick(x)) return -1;
            t->n = gadj_iter_next(&t->it, t->adj, EXP_BATCH);
            t->i = 0;
            if (t->n) continue;
            t->active = false;
        }
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        qval from = x->row[o->s.from];
        if (from.type != QT_NODE) continue;
        uint32_t nt = t->n_types;
        if (!t->types_memo) {   /* a type missing now may be created by a later row: looked up again then */
            if (!cy_resolve_types(x, &o->s, t->types, &nt)) continue;
            t->n_types = nt;
            t->types_memo = nt == o->s.n_types;
        }
        if (o->s.into) {   /* both ends bound: walk the smaller side (ingest: MERGE of a relationship) */
            qval to = x->row[o->s.to];
            if (to.type != QT_NODE) continue;
            gview_expand_into(x->v, from.id, cy_gdir(o->s.dir), nt ? t->types : NULL, nt, to.id, &t->it);
        } else {
            gview_expand(x->v, from.id, cy_gdir(o->s.dir), nt ? t->types : NULL, nt, &t->it);
        }
        t->n = t->i = 0;
        t->active = true;
    }
}
static const char *ex_explain(const xop *op, qv_arena *a) {
    const op_t *o = (const op_t *)op;
    return o->s.into ? "into" : "all";
}
static const cy_opvt vt = {"Expand", sizeof(st), ex_open, ex_next, ex_explain};
xop *cy_op_expand(cy_plan *p, xop *in, const cy_expand_spec *s) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->s = *s;
    return &o->base;
}
