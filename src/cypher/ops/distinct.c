/* distinct.c — DISTINCT / UNION: passes the first row of each combination of the slots' values (grouping
 * equivalence). Must not: reorder rows. */
#include "cypher/ops/ops.h"

typedef struct { xop base; const int32_t *slots; uint32_t n; } op_t;
typedef struct { cy_opstate base; cy_rowset set; } st;

static int d_open(cy_opstate *s, cy_x *x) {
    cy_rowset_init(&((st *)s)->set, ((const op_t *)s->op)->n);
    return 0;
}
static int d_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    qval tmp[32];
    qval *k = o->n <= 32 ? tmp : qv_arena_alloc(x->arena, sizeof(qval) * o->n);
    for (;;) {
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        for (uint32_t i = 0; i < o->n; i++) k[i] = x->row[o->slots[i]];
        bool added;
        cy_rowset_add(&t->set, x->arena, k, &added);
        if (added) return 1;
        if (cy_x_tick(x)) return -1;
    }
}
static const cy_opvt vt = {"Distinct", sizeof(st), d_open, d_next, NULL};
xop *cy_op_distinct(cy_plan *p, xop *in, const int32_t *slots, uint32_t n) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->slots = cy_pdup(p, slots, sizeof(int32_t) * n);
    o->n = n;
    return &o->base;
}
