/* optional.c — OPTIONAL MATCH: for each input row, the rows of the inner plan, or the input row with the
 * pattern's new variables set to null when the inner plan has none. Must not: evaluate WHERE outside the
 * inner plan (it belongs to the optional pattern). */
#include "cypher/ops/ops.h"

typedef struct { xop base; const int32_t *nulls; uint32_t n; } op_t;
typedef struct { cy_opstate base; bool active, produced; } st;

static int o_open(cy_opstate *s, cy_x *x) { ((st *)s)->active = false; return 0; }
static int o_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (!t->active) {
            int r = cy_op_next(s->in, x);
            if (r <= 0) return r;
            if (cy_op_open(s->in2, x)) return -1;
            t->active = true;
            t->produced = false;
        }
        int r = cy_op_next(s->in2, x);
        if (r < 0) return -1;
        if (r == 1) { t->produced = true; return 1; }
        t->active = false;
        if (!t->produced) {
            for (uint32_t i = 0; i < o->n; i++) x->row[o->nulls[i]] = qv_null();
            return 1;
        }
    }
}
static const cy_opvt vt = {"Optional", sizeof(st), o_open, o_next, NULL};
xop *cy_op_optional(cy_plan *p, xop *in, xop *inner, const int32_t *null_slots, uint32_t n_null) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->base.in2 = inner;
    o->nulls = cy_pdup(p, null_slots, sizeof(int32_t) * n_null);
    o->n = n_null;
    return &o->base;
}
