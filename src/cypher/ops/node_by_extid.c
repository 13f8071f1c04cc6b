/* node_by_extid.c — the Nodestream hot path: `(n:L {`~id`: expr})` is one hash lookup of the external id
 * per input row (labels and other properties are checked by filters above). Integers and strings
 * are distinct ids (an integer-looking string does not match an integer id).
 * Must not: scan. */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

#include <stdio.h>

typedef struct { xop base; int32_t slot; const cy_expr *id; } op_t;

/* Neptune reports every id as a string: "42" also finds the node of an integer-id graph (Arrow loads) whose
 * id is 42, and 42 the node whose id is "42". Null when there is no other form. */
static qval cy_extid_other_form(cy_x *x, qval id) {
    if (id.type == QT_INT) {
        char b[24];
        int n = snprintf(b, sizeof b, "%lld", (long long)id.i);
        return qv_str_copy(x->arena, b, (size_t)n);
    }
    if (id.len == 0 || id.len > 18) return qv_null();   /* fits int64 without overflow */
    int64_t v = 0;
    uint32_t i = id.s[0] == '-' ? 1 : 0;
    if (i == id.len || (id.s[i] == '0' && id.len > i + 1)) return qv_null();
    for (; i < id.len; i++) {
        if (id.s[i] < '0' || id.s[i] > '9') return qv_null();
        v = v * 10 + (id.s[i] - '0');
    }
    return qv_int(id.s[0] == '-' ? -v : v);
}

static int ne_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    for (;;) {
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        qval id;
        if (cy_eval(x, o->id, &id)) return -1;
        x->extid_expr = o->id;
        x->extid_val = id;
        if (id.type != QT_STRING && id.type != QT_INT) continue;
        uint64_t n = gview_node_by_ext_id(x->v, id);
        if (n == GID_NONE) n = gview_node_by_ext_id(x->v, cy_extid_other_form(x, id));
        if (n == GID_NONE) continue;   /* else it exists (gview.h) */
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
