/* argument.c — the leaf of every plan: yields the current row once per open (Once / Argument).
 * Must not: change any slot. */
#include "cypher/ops/ops.h"

typedef struct { cy_opstate base; bool done; } st;

static int arg_open(cy_opstate *s, cy_x *x) { ((st *)s)->done = false; return 0; }
static int arg_next(cy_opstate *s, cy_x *x) {
    st *a = (st *)s;
    if (a->done) return 0;
    a->done = true;
    return 1;
}
static const cy_opvt vt = {"Argument", sizeof(st), arg_open, arg_next, NULL};
xop *cy_op_argument(cy_plan *p) { return cy_op_alloc(p, sizeof(xop), &vt, NULL); }
