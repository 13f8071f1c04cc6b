/* project.c — evaluates expressions into slots (RETURN / WITH items).
 * Must not: remove slots (scoping is the planner's). */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

#include <string.h>

typedef struct { xop base; const cy_expr *const *exprs; const int32_t *slots; uint32_t n; } op_t;

static int p_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    int r = cy_op_next(s->in, x);
    if (r <= 0) return r;
    /* Evaluate every item before writing any slot: items may read slots others overwrite. */
    qval tmp[16];
    qval *vals = o->n <= 16 ? tmp : qv_arena_alloc(x->arena, sizeof(qval) * o->n);
    for (uint32_t i = 0; i < o->n; i++)
        if (cy_eval(x, o->exprs[i], &vals[i])) return -1;
    for (uint32_t i = 0; i < o->n; i++) x->row[o->slots[i]] = vals[i];
    return cy_x_tick(x) ? -1 : 1;
}
static const cy_opvt vt = {"Projection", sizeof(cy_opstate), NULL, p_next, NULL};
xop *cy_op_project(cy_plan *p, xop *in, const cy_expr *const *exprs, const int32_t *slots, uint32_t n) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->exprs = cy_pdup(p, exprs, sizeof(*exprs) * n);
    o->slots = cy_pdup(p, slots, sizeof(*slots) * n);
    o->n = n;
    return &o->base;
}
