/* filter.c — keeps the input rows on which a predicate is true (WHERE, pattern property checks).
 * Must not: release arena memory (nested plans of pattern predicates keep state there). */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

#include <stdio.h>

typedef struct { xop base; const cy_expr *pred; } op_t;

static int f_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    for (;;) {
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        bool ok = false;
        if (cy_eval_pred(x, o->pred, &ok)) return -1;
        if (ok) return 1;
        if (cy_x_tick(x)) return -1;
    }
}
static const char *f_explain(const xop *op, qv_arena *a) {
    const op_t *o = (const op_t *)op;
    char *b = qv_arena_alloc(a, 32);
    snprintf(b, 32, "@%u", o->pred->pos);
    return b;
}
static const cy_opvt vt = {"Filter", sizeof(cy_opstate), NULL, f_next, f_explain};
xop *cy_op_filter(cy_plan *p, xop *in, const cy_expr *pred) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->pred = pred;
    return &o->base;
}
