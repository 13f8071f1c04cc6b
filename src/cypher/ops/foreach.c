/* foreach.c — FOREACH (x IN list | updates): runs the body plan to its end for each element, then passes
 * the input row on unchanged. Must not: let the body's variables escape. */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

#include <string.h>

typedef struct { xop base; const cy_expr *list; int32_t slot; } op_t;

static int fe_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    int r = cy_op_next(s->in, x);
    if (r <= 0) return r;
    qval l;
    if (cy_eval(x, o->list, &l)) return -1;
    if (l.type == QT_NULL) return 1;
    if (l.type != QT_LIST)
        return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", (int32_t)o->list->pos, "FOREACH needs a list, got %s",
                      qv_type_name((qtype)l.type));
    qval *saved = qv_arena_alloc(x->arena, sizeof(qval) * x->nslots);
    cy_row_save(x, saved);
    for (uint32_t i = 0; i < l.len; i++) {
        cy_row_load(x, saved);
        x->row[o->slot] = l.items[i];
        if (cy_op_open(s->in2, x)) return -1;
        for (;;) {
            int b = cy_op_next(s->in2, x);
            if (b < 0) return -1;
            if (b == 0) break;
        }
    }
    cy_row_load(x, saved);
    return 1;
}
static const cy_opvt vt = {"Foreach", sizeof(cy_opstate), NULL, fe_next, NULL};
xop *cy_op_foreach(cy_plan *p, xop *in, const cy_expr *list, int32_t slot, xop *body) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->base.in2 = body;
    o->list = list;
    o->slot = slot;
    return &o->base;
}
