/* relscan.c — relationships of some types, for each input row: the start of a pattern whose cheapest
 * entry is a relationship type (`MATCH ()-[r:T]->() ...`), binding r and both end nodes in the pattern's
 * orientation (an undirected pattern yields each relationship both ways, a self-loop once). Also the
 * relationship external-id seek (`()-[r {`~id`: $id}]->()`, `WHERE id(r) = $id`): one lookup per row, then
 * the same binding. Must not: allocate per row. */
#include "cypher/eval.h"
#include "cypher/ops/expand_common.h"

#define RS_BATCH 256

typedef struct { xop base; cy_expand_spec s; } op_t;   /* from = the left node, to = the right node */
typedef struct {
    cy_opstate base;
    grel_iter it;
    uint64_t ids[RS_BATCH];
    uint32_t n, i;
    uint32_t types[CY_MAX_TYPES];
    uint32_t nt, ti;
    bool active, flip_pending;
    uint64_t cur_rel, cur_src, cur_dst;
} st;

static bool next_type(cy_x *x, st *t, const op_t *o) {
    if (t->ti >= (t->nt ? t->nt : 1)) return false;
    gview_rels(x->v, t->nt ? (int64_t)t->types[t->ti] : -1, &t->it);
    t->ti++;
    t->n = t->i = 0;
    return true;
}

static bool bind(cy_x *x, const cy_expand_spec *s, uint64_t rel, uint64_t left, uint64_t right) {
    if (s->from == s->to && left != right) return false;   /* (a)-[r]->(a) */
    x->row[s->rel] = qv_rel(rel);
    x->row[s->from] = qv_node(left);
    x->row[s->to] = qv_node(right);
    return true;
}

static int rs_open(cy_opstate *s, cy_x *x) { ((st *)s)->active = false; return 0; }
static int rs_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->active) {
            if (t->flip_pending) {
                t->flip_pending = false;
                if (bind(x, &o->s, t->cur_rel, t->cur_dst, t->cur_src)) return 1;
            }
            while (t->i < t->n) {
                uint64_t rel = t->ids[t->i++];
                uint64_t src, dst;
                uint32_t ty;
                gview_rel_info(x->v, rel, &src, &dst, &ty);
                t->cur_rel = rel;
                t->cur_src = src;
                t->cur_dst = dst;
                bool ok = o->s.dir == CY_DIR_LEFT ? bind(x, &o->s, rel, dst, src) : bind(x, &o->s, rel, src, dst);
                if (o->s.dir == CY_DIR_BOTH && src != dst) {
                    if (ok) { t->flip_pending = true; return 1; }
                    if (bind(x, &o->s, rel, dst, src)) return 1;
                    continue;
                }
                if (ok) return 1;
            }
            if (cy_x_tick(x)) return -1;
            t->n = grel_iter_next(&t->it, t->ids, RS_BATCH);
            t->i = 0;
            if (t->n) continue;
            if (next_type(x, t, o)) continue;
            t->active = false;
        }
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        if (!cy_resolve_types(x, &o->s, t->types, &t->nt)) continue;
        t->ti = 0;
        t->flip_pending = false;
        next_type(x, t, o);
        t->active = true;
    }
}
static const cy_opvt vt = {"RelationshipTypeScan", sizeof(st), rs_open, rs_next, NULL};
xop *cy_op_relscan(cy_plan *p, xop *in, const cy_expand_spec *s) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->s = *s;
    return &o->base;
}

/* ---- RelationshipByExtId: at most one relationship per row (two bindings when undirected) ----
 * from_bound: the left node is bound already (an expansion from it), as is the right one with s.into: the
 * relationship must join them instead of binding them. */
typedef struct { xop base; cy_expand_spec s; const cy_expr *id; bool from_bound; } xop_t;
typedef struct {
    cy_opstate base;
    uint32_t types[CY_MAX_TYPES];
    bool flip_pending;
    uint64_t rel, src, dst;
} xst;

static bool type_ok(const uint32_t *types, uint32_t nt, uint32_t ty) {
    for (uint32_t i = 0; i < nt; i++)
        if (types[i] == ty) return true;
    return nt == 0;
}

static bool is_node(cy_x *x, int32_t slot, uint64_t id) {
    qval v = x->row[slot];
    return v.type == QT_NODE && v.id == id;
}

static bool bind_x(cy_x *x, const xop_t *o, uint64_t rel, uint64_t left, uint64_t right) {
    if (o->from_bound && !is_node(x, o->s.from, left)) return false;
    if (o->s.into && !is_node(x, o->s.to, right)) return false;
    if (o->from_bound || o->s.into) {
        x->row[o->s.rel] = qv_rel(rel);
        if (!o->from_bound) x->row[o->s.from] = qv_node(left);
        if (!o->s.into) x->row[o->s.to] = qv_node(right);
        return true;
    }
    return bind(x, &o->s, rel, left, right);
}

static int rx_open(cy_opstate *s, cy_x *x) { ((xst *)s)->flip_pending = false; return 0; }
static int rx_next(cy_opstate *s, cy_x *x) {
    const xop_t *o = (const xop_t *)s->op;
    xst *t = (xst *)s;
    if (t->flip_pending) {
        t->flip_pending = false;
        if (bind_x(x, o, t->rel, t->dst, t->src)) return 1;
    }
    for (;;) {
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        if (cy_x_tick(x)) return -1;
        if (o->from_bound && x->row[o->s.from].type != QT_NODE) continue;
        qval id;
        if (cy_eval(x, o->id, &id)) return -1;
        if (id.type != QT_STRING && id.type != QT_INT) continue;
        uint64_t rel = gview_rel_by_ext_id(x->v, id);
        if (rel == GID_NONE || !cy_rel_unique(x, &o->s.uniq, rel)) continue;
        uint32_t nt, ty;
        if (!cy_resolve_types(x, &o->s, t->types, &nt)) continue;
        uint64_t src, dst;
        gview_rel_info(x->v, rel, &src, &dst, &ty);
        if (!type_ok(t->types, nt, ty)) continue;
        t->rel = rel, t->src = src, t->dst = dst;
        bool ok = o->s.dir == CY_DIR_LEFT ? bind_x(x, o, rel, dst, src) : bind_x(x, o, rel, src, dst);
        if (o->s.dir == CY_DIR_BOTH && src != dst) {
            if (ok) { t->flip_pending = true; return 1; }
            if (bind_x(x, o, rel, dst, src)) return 1;
            continue;
        }
        if (ok) return 1;
    }
}
static const char *rx_explain(const xop *op, qv_arena *a) {
    (void)a;
    const xop_t *o = (const xop_t *)op;
    return o->from_bound ? (o->s.into ? "into" : "from a bound node") : "all";
}
static const cy_opvt xvt = {"RelationshipByExtId", sizeof(xst), rx_open, rx_next, rx_explain};
xop *cy_op_rel_by_extid(cy_plan *p, xop *in, const cy_expand_spec *s, const cy_expr *id_expr, bool from_bound) {
    xop_t *o = cy_op_alloc(p, sizeof(xop_t), &xvt, in);
    o->s = *s;
    o->id = id_expr;
    o->from_bound = from_bound;
    return &o->base;
}
