/* node_by_extid.c — the Nodestream hot path: `(n:L {`~id`: expr})` is one hash lookup of the external id
 * per input row (labels and other properties are checked by filters above). Integers and strings
 * are distinct ids (an integer-looking string does not match an integer id).
 * Must not: scan. */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

typedef struct { xop base; int32_t slot; const cy_expr *id; } op_t;

static int ne_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    for (;;) {
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        qval id;
        if (cy_eval(x, o->id, &id)) return -1;
        if (id.type != QT_STRING && id.type != QT_INT) continue;
        uint64_t n = gview_node_by_ext_id(x->v, id);
        if (n == GID_NONE || !gview_node_exists(x->v, n)) continue;
        x->row[o->slot] = qv_node(n);
        return 1;
    }
}
static const cy_opvt vt = {"NodeByExtId", sizeof(cy_opstate), NULL, ne_next, NULL};
xop *cy_op_node_by_extid(cy_plan *p, xop *in, int32_t slot, const cy_expr *id_expr) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->slot = slot;
    o->id = id_expr;
    return &o->base;
}
