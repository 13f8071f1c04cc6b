/* scan.c — node scans: every node, or every node with a label, for each input row (a scan over an input
 * is a cartesian product with it). The scan's range is fixed when it starts (gview rule), so a query
 * creating nodes while scanning terminates. Must not: allocate per row. */
#include "cypher/ops/ops.h"

#include <string.h>

#define SCAN_BATCH 256

typedef struct { xop base; int32_t slot; const char *label; } op_t;
typedef struct {
    cy_opstate base;
    gnode_iter it;
    uint64_t ids[SCAN_BATCH];
    uint32_t n, i;
    bool active;
} st;

static int sc_open(cy_opstate *s, cy_x *x) { ((st *)s)->active = false; return 0; }
static int sc_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->active) {
            if (t->i < t->n) {
                x->row[o->slot] = qv_node(t->ids[t->i++]);
                return 1;
            }
            if (cy_x_tick(x)) return -1;
            t->n = gnode_iter_next(&t->it, t->ids, SCAN_BATCH);
            t->i = 0;
            if (t->n) continue;
            t->active = false;
        }
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        int64_t label = -1;
        if (o->label) {
            label = gview_label_id(x->v, o->label, strlen(o->label));
            if (label < 0) continue;
        }
        gview_nodes(x->v, label, &t->it);
        t->n = t->i = 0;
        t->active = true;
    }
}
static const char *sc_explain(const xop *op, qv_arena *a) {
    const op_t *o = (const op_t *)op;
    return o->label ? o->label : "*";
}
static const cy_opvt vt_all = {"AllNodesScan", sizeof(st), sc_open, sc_next, sc_explain};
static const cy_opvt vt_label = {"NodeByLabelScan", sizeof(st), sc_open, sc_next, sc_explain};
xop *cy_op_scan(cy_plan *p, xop *in, int32_t slot, const char *label) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), label ? &vt_label : &vt_all, in);
    o->slot = slot;
    o->label = label;
    return &o->base;
}
