/* eager.c — materialises every input row before passing the first on, so that a clause's writes cannot
 * change what an earlier clause reads (clause-at-a-time semantics). Must not: reorder rows. */
#include "cypher/ops/ops.h"

#include <string.h>

typedef struct { cy_opstate base; qval *rows; uint64_t n, cap, pos; bool filled; } st;

/* Fills at open: the writes below happen even if nothing above pulls a row (LIMIT 0). */
static int e_fill(cy_opstate *s, cy_x *x) {
    st *t = (st *)s;
    {
        for (;;) {
            int r = cy_op_next(s->in, x);
            if (r < 0) return -1;
            if (r == 0) break;
            if (t->n == t->cap) {
                uint64_t nc = t->cap ? t->cap * 2 : 64;
                qval *nr = qv_arena_alloc(x->arena, sizeof(qval) * x->nslots * nc);
                if (t->n) memcpy(nr, t->rows, sizeof(qval) * x->nslots * t->n);
                t->rows = nr;
                t->cap = nc;
            }
            cy_row_save(x, t->rows + t->n * x->nslots);
            t->n++;
            if (cy_x_tick(x)) return -1;
        }
        t->filled = true;
    }
    return 0;
}
static int e_open(cy_opstate *s, cy_x *x) {
    st *t = (st *)s;
    t->n = t->pos = 0;
    t->filled = false;
    return e_fill(s, x);
}
static int e_next(cy_opstate *s, cy_x *x) {
    st *t = (st *)s;
    if (t->pos >= t->n) return 0;
    cy_row_load(x, t->rows + t->pos * x->nslots);
    t->pos++;
    return 1;
}
static const cy_opvt vt = {"Eager", sizeof(st), e_open, e_next, NULL};
xop *cy_op_eager(cy_plan *p, xop *in) { return cy_op_alloc(p, sizeof(xop), &vt, in); }
