/* index_seek.c — nodes with a label whose property equals a value, through the graph's property index
 * (when the index was dropped since planning: a label scan with the equality re-checked).
 * Must not: return nodes without the label. */
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

#include <string.h>

#define SEEK_BATCH 128

typedef struct { xop base; int32_t slot; const char *label, *key; const cy_expr *value; } op_t;
typedef struct {
    cy_opstate base;
    gnode_iter it;
    uint64_t ids[SEEK_BATCH];
    uint32_t n, i;
    bool active, recheck;
    uint32_t key;
    qval value;
} st;

static int is_open(cy_opstate *s, cy_x *x) { ((st *)s)->active = false; return 0; }
static int is_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->active) {
            while (t->i < t->n) {
                uint64_t id = t->ids[t->i++];
                if (t->recheck) {
                    qval v;
                    if (!gview_node_prop(x->v, id, t->key, &v) || qv_equals(v, t->value) != QTRI_TRUE) continue;
                }
                x->row[o->slot] = qv_node(id);
                return 1;
            }
            if (cy_x_tick(x)) return -1;
            t->n = gnode_iter_next(&t->it, t->ids, SEEK_BATCH);
            t->i = 0;
            if (t->n) continue;
            t->active = false;
        }
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        int64_t label = gview_label_id(x->v, o->label, strlen(o->label));
        int64_t key = gview_key_id(x->v, o->key, strlen(o->key));
        if (label < 0 || key < 0) continue;
        qval v;
        if (cy_eval(x, o->value, &v)) return -1;
        if (v.type == QT_NULL) continue;
        t->key = (uint32_t)key;
        t->value = v;
        t->recheck = !gview_node_index_seek(x->v, (uint32_t)label, (uint32_t)key, v, &t->it);
        if (t->recheck) gview_nodes(x->v, label, &t->it);
        t->n = t->i = 0;
        t->active = true;
    }
}
static const char *is_explain(const xop *op, qv_arena *a) {
    const op_t *o = (const op_t *)op;
    size_t n = strlen(o->label) + strlen(o->key) + 4;
    char *b = qv_arena_alloc(a, n);
    strcpy(b, o->label);
    strcat(b, "(");
    strcat(b, o->key);
    strcat(b, ")");
    return b;
}
static const cy_opvt vt = {"NodeIndexSeek", sizeof(st), is_open, is_next, is_explain};
xop *cy_op_index_seek(cy_plan *p, xop *in, int32_t slot, const char *label, const char *key,
                        const cy_expr *value) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->slot = slot;
    o->label = label;
    o->key = key;
    o->value = value;
    return &o->base;
}
