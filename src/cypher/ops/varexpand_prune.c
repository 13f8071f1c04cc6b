/* varexpand_prune.c — the pruning variable-length expand (a)-[:T*min..max]-(b), min 0 or 1, for a pattern
 * whose relationship list and path are never read and whose rows only reach a DISTINCT projection: per
 * input row it emits each end node b once if some relationship-unique path of an allowed length reaches
 * it, found breadth-first with a visited set instead of enumerating paths. A node other than a is reached
 * iff its BFS depth is in 1..max (a shortest walk is a path). a itself (min 1) is reached iff a cycle
 * through a of at most max hops exists: directed, an edge back to a from depth <= max-1; undirected, the
 * shortest cycle through a is min over non-tree edges (u,v) joining different BFS branches of
 * d(u)+d(v)+1. The relationship slot is left null.
 * Must not: be planned where the multiplicity of rows or the relationship list can be observed
 * (plan.c decides); recurse.
 */
#include "cypher/eval.h"
#include "cypher/ops/expand_common.h"
#include "cypher/ops/varexpand_prune.h"

typedef struct { xop base; cy_expand_spec s; } op_t;
typedef struct { uint64_t node, tree, branch; uint32_t depth, gen; } vnode;   /* gen == st.gen: in use */
typedef struct {
    cy_opstate base;
    vnode *tab;
    uint64_t tcap, tn;        /* hash table of visited nodes (power of two) */
    uint32_t gen;
    uint64_t *q;              /* BFS order: the queue, then the rows to emit */
    uint64_t qcap, qn, qpos;
    bool start_reached, active;
    uint64_t start;
    uint32_t types[CY_MAX_TYPES];
    uint32_t nt;
    qval props;
} st;

static uint64_t hash64(uint64_t k) {
    k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53ULL; k ^= k >> 33;
    return k;
}
static vnode *find(st *t, uint64_t node) {
    for (uint64_t i = hash64(node) & (t->tcap - 1);; i = (i + 1) & (t->tcap - 1)) {
        vnode *e = &t->tab[i];
        if (e->gen != t->gen) return NULL;
        if (e->node == node) return e;
    }
}
static vnode *add(cy_x *x, st *t, uint64_t node) {
    if ((t->tn + 1) * 2 > t->tcap) {
        uint64_t oc = t->tcap, nc = oc ? oc * 2 : 256;
        vnode *old = t->tab;
        t->tab = qv_arena_zalloc(x->arena, sizeof(vnode) * nc);
        t->tcap = nc;
        for (uint64_t i = 0; i < oc; i++)
            if (old[i].gen == t->gen) {
                uint64_t j = hash64(old[i].node) & (nc - 1);
                while (t->tab[j].gen == t->gen) j = (j + 1) & (nc - 1);
                t->tab[j] = old[i];
            }
    }
    uint64_t j = hash64(node) & (t->tcap - 1);
    while (t->tab[j].gen == t->gen) j = (j + 1) & (t->tcap - 1);
    t->tab[j] = (vnode){.node = node, .gen = t->gen};
    t->tn++;
    return &t->tab[j];
}
static void qpush(cy_x *x, st *t, uint64_t node) {
    if (t->qn == t->qcap) {
        uint64_t nc = t->qcap ? t->qcap * 2 : 256;
        uint64_t *nq = qv_arena_alloc(x->arena, sizeof(uint64_t) * nc);
        if (t->qn) memcpy(nq, t->q, sizeof(uint64_t) * t->qn);
        t->q = nq;
        t->qcap = nc;
    }
    t->q[t->qn++] = node;
}

static int rel_ok(cy_x *x, const op_t *o, const st *t, uint64_t rel, bool *ok) {
    *ok = cy_rel_unique(x, &o->s.uniq, rel);
    if (!*ok || t->props.type != QT_MAP) return 0;
    for (uint32_t i = 0; i < t->props.len; i++) {
        qval v;
        if (cy_eval_entity_prop(x, qv_rel(rel), t->props.ents[i].key, &v, -1)) return -1;
        if (qv_equals(v, t->props.ents[i].v) != QTRI_TRUE) { *ok = false; return 0; }
    }
    return 0;
}

/* Breadth-first from t->start up to max hops; t->q[1..qn) are the reached nodes other than the start. */
static int bfs(cy_x *x, const op_t *o, st *t) {
    int64_t max = o->s.max_hops;
    bool both = o->s.dir == CY_DIR_BOTH;
    t->gen++;
    if (t->gen == 0) {   /* wrapped: clear the stamps */
        memset(t->tab, 0, sizeof(vnode) * t->tcap);
        t->gen = 1;
    }
    t->tn = t->qn = 0;
    t->start_reached = false;
    vnode *s = add(x, t, t->start);
    s->tree = s->branch = UINT64_MAX;
    qpush(x, t, t->start);
    for (uint64_t h = 0; h < t->qn; h++) {
        uint64_t u = t->q[h];
        vnode *un = find(t, u);
        uint32_t du = un->depth;
        uint64_t utree = un->tree, ubranch = un->branch;
        if (max >= 0 && (int64_t)du >= max) continue;
        gadj_iter it;
        gview_expand(x->v, u, cy_gdir(o->s.dir), t->nt ? t->types : NULL, t->nt, &it);
        gadj a;
        while (gadj_iter_next(&it, &a, 1)) {
            if (cy_x_tick(x)) return -1;
            bool ok;
            if (rel_ok(x, o, t, a.rel, &ok)) return -1;
            if (!ok) continue;
            vnode *vn = find(t, a.other);
            if (!vn) {
                vn = add(x, t, a.other);
                vn->depth = du + 1;
                vn->tree = a.rel;
                vn->branch = u == t->start ? a.rel : ubranch;
                qpush(x, t, a.other);
                continue;
            }
            if (t->start_reached) continue;
            if (!both) {
                if (a.other == t->start) t->start_reached = true;   /* a cycle of du + 1 <= max hops */
                continue;
            }
            if (a.rel == utree || a.rel == vn->tree) continue;
            bool crosses = u == t->start || a.other == t->start || vn->branch != ubranch;
            if (crosses && (max < 0 || (int64_t)(du + vn->depth + 1) <= max)) t->start_reached = true;
        }
    }
    return 0;
}

static bool end_ok(const cy_x *x, const op_t *o, uint64_t end) {
    if (!o->s.into) return true;
    qval to = x->row[o->s.to];
    return to.type == QT_NODE && to.id == end;
}
static void emit(cy_x *x, const op_t *o, uint64_t end) {
    x->row[o->s.rel] = qv_null();
    if (!o->s.into) x->row[o->s.to] = qv_node(end);
}

static int vp_open(cy_opstate *s, cy_x *x) { (void)x; ((st *)s)->active = false; return 0; }
static int vp_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->active) {
            while (t->qpos < t->qn) {
                uint64_t n = t->q[t->qpos++];
                if (end_ok(x, o, n)) { emit(x, o, n); return 1; }
            }
            t->active = false;
            if ((o->s.min_hops == 0 || t->start_reached) && end_ok(x, o, t->start)) { emit(x, o, t->start); return 1; }
        }
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        qval from = x->row[o->s.from];
        if (from.type != QT_NODE) continue;
        t->start = from.id;
        t->qn = t->qpos = 0;
        t->start_reached = false;
        t->active = true;
        if (o->s.max_hops >= 0 && o->s.max_hops < o->s.min_hops) { t->active = false; continue; }
        if (o->s.max_hops == 0 || !cy_resolve_types(x, &o->s, t->types, &t->nt)) continue;   /* only 0 hops */
        t->props = qv_null();
        if (o->s.rel_props && cy_eval(x, o->s.rel_props, &t->props)) return -1;
        if (bfs(x, o, t)) return -1;
        t->qpos = 1;   /* q[0] is the start: emitted last, if reached */
    }
}
static const cy_opvt vt = {"VarLengthExpand(Pruning)", sizeof(st), vp_open, vp_next, NULL};
xop *cy_op_varexpand_prune(cy_plan *p, xop *in, const cy_expand_spec *s) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->s = *s;
    return &o->base;
}
