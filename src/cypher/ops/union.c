/* union.c — UNION ALL: the left plan's rows, then the right plan's, each copied into the output columns
 * (UNION adds a Distinct above). Must not: materialise either side. */
#include "cypher/ops/ops.h"

typedef struct { xop base; const int32_t *l, *r, *out; uint32_t n; } op_t;
typedef struct { cy_opstate base; bool right; } st;

static int un_open(cy_opstate *s, cy_x *x) {
    ((st *)s)->right = false;
    return cy_op_open(s->in2, x);
}
static int un_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    if (!t->right) {
        int r = cy_op_next(s->in, x);
        if (r < 0) return -1;
        if (r == 1) {
            qval tmp[64];
            qval *v = o->n <= 64 ? tmp : qv_arena_alloc(x->arena, sizeof(qval) * o->n);
            for (uint32_t i = 0; i < o->n; i++) v[i] = x->row[o->l[i]];
            for (uint32_t i = 0; i < o->n; i++) x->row[o->out[i]] = v[i];
            return 1;
        }
        t->right = true;
    }
    int r = cy_op_next(s->in2, x);
    if (r != 1) return r;
    qval tmp[64];
    qval *v = o->n <= 64 ? tmp : qv_arena_alloc(x->arena, sizeof(qval) * o->n);
    for (uint32_t i = 0; i < o->n; i++) v[i] = x->row[o->r[i]];
    for (uint32_t i = 0; i < o->n; i++) x->row[o->out[i]] = v[i];
    return 1;
}
static const cy_opvt vt = {"Union", sizeof(st), un_open, un_next, NULL};
xop *cy_op_union(cy_plan *p, xop *left, xop *right, const int32_t *lslots, const int32_t *rslots,
                   const int32_t *out, uint32_t n) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, left);
    o->base.in2 = right;
    o->l = cy_pdup(p, lslots, sizeof(int32_t) * n);
    o->r = cy_pdup(p, rslots, sizeof(int32_t) * n);
    o->out = cy_pdup(p, out, sizeof(int32_t) * n);
    o->n = n;
    return &o->base;
}
