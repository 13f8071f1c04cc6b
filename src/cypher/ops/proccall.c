/* proccall.c — CALL proc(args) [YIELD ...]: for each input row, calls the procedure and yields one row per
 * output row (the yielded columns bound to slots); a void procedure passes the input row on.
 * Must not: call the procedure more than once per input row. */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"
#include "cypher/proc.h"

typedef struct {
    xop base;
    const cy_proc *proc;
    const cy_expr *const *args;
    uint32_t nargs;
    const uint32_t *cols;
    const int32_t *slots;
    uint32_t nout;
} op_t;
typedef struct { cy_opstate base; qval *rows; uint32_t n, i; bool active; } st;

static int pc_open(cy_opstate *s, cy_x *x) { ((st *)s)->active = false; return 0; }
static int pc_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->active && t->i < t->n) {
            const qval *row = t->rows + (size_t)t->i * o->proc->n_out;
            t->i++;
            for (uint32_t k = 0; k < o->nout; k++) x->row[o->slots[k]] = row[o->cols[k]];
            return 1;
        }
        t->active = false;
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        qval *args = qv_arena_alloc(x->arena, sizeof(qval) * (o->nargs ? o->nargs : 1));
        for (uint32_t i = 0; i < o->nargs; i++)
            if (cy_eval(x, o->args[i], &args[i])) return -1;
        if (cy_proc_call(x, o->proc, args, &t->rows, &t->n)) return -1;
        if (o->proc->n_out == 0) return 1;   /* void procedure */
        t->i = 0;
        t->active = true;
    }
}
static const char *pc_explain(const xop *op, qv_arena *a) { return ((const op_t *)op)->proc->name; }
static const cy_opvt vt = {"ProcedureCall", sizeof(st), pc_open, pc_next, pc_explain};
xop *cy_op_proccall(cy_plan *p, xop *in, const cy_proc *proc, const cy_expr *const *args, uint32_t nargs,
                      const uint32_t *out_cols, const int32_t *out_slots, uint32_t nout) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->proc = proc;
    o->args = cy_pdup(p, args, sizeof(*args) * nargs);
    o->nargs = nargs;
    o->cols = cy_pdup(p, out_cols, sizeof(uint32_t) * nout);
    o->slots = cy_pdup(p, out_slots, sizeof(int32_t) * nout);
    o->nout = nout;
    return &o->base;
}
