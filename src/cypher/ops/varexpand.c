/* varexpand.c — variable-length hops (a)-[r:T*min..max]->(b): a depth-first walk from the bound node
 * that binds r to the list of relationships of each path and b to its end (or checks b when bound).
 * A relationship appears at most once per path and never if the same pattern bound it elsewhere.
 * Must not: recurse on the C stack (the walk keeps its own stack).
 */
#include "cypher/eval.h"
#include "cypher/ops/expand_common.h"

typedef struct { xop base; cy_expand_spec s; } op_t;
typedef struct { gadj_iter it; uint64_t node; } frame;
typedef struct {
    cy_opstate base;
    frame *stack;
    uint64_t *rels;
    uint32_t depth, cap;      /* depth = frames on the stack */
    uint32_t types[CY_MAX_TYPES];
    uint32_t nt;
    qval props;               /* the relationships' required properties (map) or null */
    bool active, zero_pending;
    uint64_t start;
} st;

static void push(cy_x *x, st *t, const op_t *o, uint64_t node) {
    if (t->depth == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 16;
        frame *ns = qv_arena_alloc(x->arena, sizeof(frame) * nc);
        uint64_t *nr = qv_arena_alloc(x->arena, sizeof(uint64_t) * nc);
        if (t->depth) {
            memcpy(ns, t->stack, sizeof(frame) * t->depth);
            memcpy(nr, t->rels, sizeof(uint64_t) * t->depth);
        }
        t->stack = ns;
        t->rels = nr;
        t->cap = nc;
    }
    frame *f = &t->stack[t->depth++];
    f->node = node;
    gview_expand(x->v, node, cy_gdir(o->s.dir), t->nt ? t->types : NULL, t->nt, &f->it);
}

static int rel_matches(cy_x *x, const st *t, uint64_t rel, bool *ok) {
    *ok = true;
    if (t->props.type != QT_MAP) return 0;
    for (uint32_t i = 0; i < t->props.len; i++) {
        qval v;
        if (cy_eval_entity_prop(x, qv_rel(rel), t->props.ents[i].key, &v, -1)) return -1;
        if (qv_equals(v, t->props.ents[i].v) != QTRI_TRUE) { *ok = false; return 0; }
    }
    return 0;
}

static void emit(cy_x *x, const op_t *o, const st *t, uint32_t nrels, uint64_t end) {
    qval *items = qv_arena_alloc(x->arena, sizeof(qval) * (nrels ? nrels : 1));
    for (uint32_t i = 0; i < nrels; i++) items[o->s.reverse_list ? nrels - 1 - i : i] = qv_rel(t->rels[i]);
    x->row[o->s.rel] = qv_list_ref(items, nrels);
    if (!o->s.into) x->row[o->s.to] = qv_node(end);
}

static bool end_ok(const cy_x *x, const op_t *o, uint64_t end) {
    if (!o->s.into) return true;
    qval to = x->row[o->s.to];
    return to.type == QT_NODE && to.id == end;
}

static int ve_open(cy_opstate *s, cy_x *x) { ((st *)s)->active = false; return 0; }
static int ve_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->active) {
            if (t->zero_pending) {
                t->zero_pending = false;
                if (end_ok(x, o, t->start)) { emit(x, o, t, 0, t->start); return 1; }
            }
            while (t->depth > 0) {
                frame *f = &t->stack[t->depth - 1];
                gadj a;
                if (gadj_iter_next(&f->it, &a, 1) == 0) { t->depth--; continue; }
                if (cy_x_tick(x)) return -1;
                uint32_t d = t->depth - 1;   /* hops before this one */
                bool dup = false;
                for (uint32_t i = 0; i < d; i++) if (t->rels[i] == a.rel) { dup = true; break; }
                if (dup || !cy_rel_unique(x, &o->s.uniq, a.rel)) continue;
                bool ok = false;
                if (rel_matches(x, t, a.rel, &ok)) return -1;
                if (!ok) continue;
                t->rels[d] = a.rel;
                uint32_t hops = d + 1;
                bool emit_now = (int64_t)hops >= o->s.min_hops && end_ok(x, o, a.other);
                if (o->s.max_hops < 0 || (int64_t)hops < o->s.max_hops) push(x, t, o, a.other);
                if (emit_now) { emit(x, o, t, hops, a.other); return 1; }
            }
            t->active = false;
        }
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        qval from = x->row[o->s.from];
        if (from.type != QT_NODE) continue;
        if (!cy_resolve_types(x, &o->s, t->types, &t->nt)) {
            if (o->s.min_hops == 0 && end_ok(x, o, from.id)) { emit(x, o, t, 0, from.id); return 1; }
            continue;
        }
        t->props = qv_null();
        if (o->s.rel_props && cy_eval(x, o->s.rel_props, &t->props)) return -1;
        t->depth = 0;
        t->start = from.id;
        t->zero_pending = o->s.min_hops == 0;
        if (o->s.max_hops != 0) push(x, t, o, from.id);
        t->active = true;
    }
}
static const cy_opvt vt = {"VarLengthExpand", sizeof(st), ve_open, ve_next, NULL};
xop *cy_op_varexpand(cy_plan *p, xop *in, const cy_expand_spec *s) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->s = *s;
    return &o->base;
}
