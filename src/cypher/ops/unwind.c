/* unwind.c — UNWIND list AS x: one row per element (null and [] give none; a non-list gives one row).
 * Must not: copy the list. */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

typedef struct { xop base; const cy_expr *list; int32_t slot; } op_t;
typedef struct { cy_opstate base; qval list; uint32_t i; bool have; } st;

static int u_open(cy_opstate *s, cy_x *x) { ((st *)s)->have = false; return 0; }
static int u_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->have && t->i < t->list.len) {
            if (cy_x_tick(x)) return -1;
            x->row[o->slot] = t->list.items[t->i++];
            return 1;
        }
        t->have = false;
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        qval v;
        if (cy_eval(x, o->list, &v)) return -1;
        if (v.type == QT_NULL) continue;
        if (v.type != QT_LIST) { x->row[o->slot] = v; return 1; }
        t->list = v;
        t->i = 0;
        t->have = true;
    }
}
static const cy_opvt vt = {"Unwind", sizeof(st), u_open, u_next, NULL};
xop *cy_op_unwind(cy_plan *p, xop *in, const cy_expr *list, int32_t slot) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->list = list;
    o->slot = slot;
    return &o->base;
}

/* Does the unwound list outlive every row (a parameter: no per-row allocation)? */
bool cy_op_unwind_stable(const xop *op) {
    return op->vt == &vt && ((const op_t *)op)->list->kind == CX_PARAM;
}
