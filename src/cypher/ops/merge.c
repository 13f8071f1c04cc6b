/* merge.c — MERGE: for each input row, every match of the pattern (the nested match plan, which sees the
 * writes of earlier rows) with ON MATCH applied, or — when there is none — the pattern created once with
 * ON CREATE applied. Must not: create when a match exists. */
#include "cypher/eval.h"
#include "cypher/ops/write_common.h"

typedef struct {
    xop base;
    const cy_cpath *path;
    const cy_setop *on_create, *on_match;
    uint32_t n_on_create, n_on_match;
    bool fuse;
} op_t;
typedef struct { cy_opstate base; bool active; cy_mnode memo, memo_match, memo_rel; } st;

/* ON MATCH for the current match (its first item in one pass when it is `SET n += map`, merge_node.c). */
static int on_match(cy_x *x, const op_t *o, st *t) {
    if (!o->n_on_match) return 0;
    int done = t->memo_match.state < 0 ? 0 : cy_mnode_match(x, &t->memo_match, o->path, &o->on_match[0]);
    if (done < 0) return -1;
    return cy_apply_sets(x, o->on_match + done, o->n_on_match - (uint32_t)done);
}

static int m_open(cy_opstate *s, cy_x *x) { ((st *)s)->active = false; return 0; }
static int m_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    if (t->active) {
        int r = cy_op_next(s->in2, x);
        if (r < 0) return -1;
        if (r == 1) {
            if (on_match(x, o, t)) return -1;
            return 1;
        }
        t->active = false;
    }
    int r = cy_op_next(s->in, x);
    if (r <= 0) return r;
    if (cy_x_tick(x)) return -1;
    x->extid_expr = NULL;   /* what the match evaluates for this row, merge_node.c may reuse */
    if (cy_op_open(s->in2, x)) return -1;
    r = cy_op_next(s->in2, x);
    if (r < 0) return -1;
    if (r == 1) {
        t->active = true;
        if (on_match(x, o, t)) return -1;
        return 1;
    }
    if (o->fuse) {
        qval v;
        cy_mapdrop drop;
        const cy_expr *mexpr = x->extid_expr;   /* the match's id: kept across the map's evaluation (which */
        qval mval = x->extid_val;               /* may run nested plans of its own) */
        if (cy_eval_map_drop(x, o->on_create[0].value, &v, &drop)) return -1;
        x->extid_expr = mexpr;
        x->extid_val = mval;
        int done = cy_mnode_create(x, &t->memo, o->path, &o->on_create[0], v, &drop);
        if (!done) done = cy_mrel_create(x, &t->memo_rel, o->path, &o->on_create[0], v, &drop);
        if (done < 0) return -1;
        if (done) {
            if (cy_apply_sets(x, o->on_create + 1, o->n_on_create - 1)) return -1;
            return 1;
        }
        if (v.type == QT_MAP) {
            for (uint32_t i = 0; i < v.len; i++)
                if (v.ents[i].v.type != QT_NULL && !cy_mapdrop_has(&drop, v.ents[i].key, v.ents[i].klen) &&
                    cy_check_storable(x, v.ents[i].v, (int32_t)o->on_create[0].pos))
                    return -1;
            drop.storable = true;
            if (cy_create_with_drop(x, o->path, v, &drop, o->on_create[0].kind == CY_SET_ALL)) return -1;
            if (cy_apply_sets(x, o->on_create + 1, o->n_on_create - 1)) return -1;
            return 1;
        }
    }
    if (cy_create_paths(x, o->path, 1)) return -1;
    if (cy_apply_sets(x, o->on_create, o->n_on_create)) return -1;
    return 1;
}
static const cy_opvt vt = {"Merge", sizeof(st), m_open, m_next, NULL};
xop *cy_op_merge(cy_plan *p, xop *in, xop *match, const cy_cpath *path, const cy_setop *on_create,
                   uint32_t n_on_create, const cy_setop *on_match, uint32_t n_on_match) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->base.in2 = match;
    o->path = path;
    o->on_create = on_create;
    o->n_on_create = n_on_create;
    o->on_match = on_match;
    o->n_on_match = n_on_match;
    return &o->base;
}

void cy_op_merge_fuse(xop *merge) { ((op_t *)merge)->fuse = true; }
