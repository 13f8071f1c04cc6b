/* filter.c — keeps the input rows on which a predicate is true (WHERE, pattern property checks). A pattern's
 * labels on a variable bound to a node (`(n:L {`~id`: ...})` after its ext-id seek, each ingest row) are tested
 * directly, with the label ids remembered once every name is found, not through the evaluator.
 * Must not: release arena memory (nested plans of pattern predicates keep state there). */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

#include <stdio.h>

#define FL_MAX 8   /* labels a direct test remembers */

typedef struct { xop base; const cy_expr *pred; bool labels; } op_t;
typedef struct {
    cy_opstate base;
    bool ids_ok;              /* every label name was found: ids[] holds them (a name keeps its id) */
    uint32_t ids[FL_MAX];
} st;

/* `v:L1:L2` on node: what eval_labels answers for a node, without the evaluator. A label missing now may be
 * created by a later row of the query (MERGE's match sees earlier rows' writes): looked up again then. */
static bool node_has_labels(cy_x *x, const cy_expr *e, st *t, uint64_t node) {
    if (!t->ids_ok) {
        for (uint32_t i = 0; i < e->n_labels; i++) {
            int64_t l = cy_x_plan_label(x, e->labels[i]);
            if (l < 0) return false;
            t->ids[i] = (uint32_t)l;
        }
        t->ids_ok = true;
    }
    for (uint32_t i = 0; i < e->n_labels; i++)
        if (!gview_node_has_label(x->v, node, t->ids[i])) return false;
    return true;
}

static int f_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    for (;;) {
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        bool ok = false;
        qval v = o->labels && o->pred->a->slot >= 0 ? x->row[o->pred->a->slot] : qv_null();
        if (v.type == QT_NODE) ok = node_has_labels(x, o->pred, (st *)s, v.id);
        else if (cy_eval_pred(x, o->pred, &ok)) return -1;
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
static const cy_opvt vt = {"Filter", sizeof(st), NULL, f_next, f_explain};
xop *cy_op_filter(cy_plan *p, xop *in, const cy_expr *pred) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->pred = pred;
    o->labels = pred->kind == CX_HAS_LABELS && pred->a && pred->a->kind == CX_VAR && pred->n_labels <= FL_MAX;
    return &o->base;
}
