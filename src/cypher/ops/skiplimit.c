/* skiplimit.c — SKIP and LIMIT: skips then stops after a count (evaluated once per open; they must be
 * non-negative integers). Must not: pull more input rows than needed. */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

typedef struct { xop base; const cy_expr *skip, *limit; } op_t;
typedef struct { cy_opstate base; int64_t skip, limit, seen; } st;

int cy_eval_count(cy_x *x, const cy_expr *e, const char *what, int64_t *out);
int cy_eval_count(cy_x *x, const cy_expr *e, const char *what, int64_t *out) {
    qval v;
    if (cy_eval(x, e, &v)) return -1;
    if (v.type == QT_FLOAT && v.f == (double)(int64_t)v.f) v = qv_int((int64_t)v.f);
    if (v.type != QT_INT)
        return cy_err(x->err, CYE_SYNTAX, "InvalidArgumentType", (int32_t)e->pos,
                      "%s must be an integer, got %s", what, qv_type_name((qtype)v.type));
    if (v.i < 0)
        return cy_err(x->err, CYE_SYNTAX, "NegativeIntegerArgument", (int32_t)e->pos,
                      "%s must not be negative, got %lld", what, (long long)v.i);
    *out = v.i;
    return 0;
}

static int sl_open(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    t->skip = 0;
    t->limit = -1;
    t->seen = 0;
    if (o->skip && cy_eval_count(x, o->skip, "SKIP", &t->skip)) return -1;
    if (o->limit && cy_eval_count(x, o->limit, "LIMIT", &t->limit)) return -1;
    return 0;
}
static int sl_next(cy_opstate *s, cy_x *x) {
    st *t = (st *)s;
    while (t->skip > 0) {
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        t->skip--;
    }
    if (t->limit >= 0 && t->seen >= t->limit) return 0;
    int r = cy_op_next(s->in, x);
    if (r == 1) t->seen++;
    return r;
}
static const cy_opvt vt = {"SkipLimit", sizeof(st), sl_open, sl_next, NULL};
xop *cy_op_skiplimit(cy_plan *p, xop *in, const cy_expr *skip, const cy_expr *limit) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->skip = skip;
    o->limit = limit;
    return &o->base;
}
