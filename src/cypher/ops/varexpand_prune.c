/* varexpand_prune.c — the pruning variable-length expand (a)-[:T*min..max]-(b), min 0 or 1: per input row it
 * emits each end node b once if some relationship-unique path (a trail) of an allowed length reaches it,
 * found breadth-first with a visited set instead of enumerating paths. Two modes:
 *  - DISTINCT mode (cy_op_varexpand_prune): for a pattern whose relationship list and path are never read
 *    and whose rows only reach a DISTINCT projection; the relationship slot is left null.
 *  - shortest mode (cy_op_varexpand_minpath): for a named path read only as min(length(p)) by an aggregation
 *    insensitive to the rows' multiplicity; the relationship slot holds the hops of one SHORTEST trail from a
 *    to b, so every row carries the smallest length any enumerated row of that (a, b) would have had.
 *
 * Why breadth-first is exact (uniqueness of relationships within the path still holds):
 *  - b != a: the BFS depth d(b) is the length of a shortest walk from a to b. A shortest walk never repeats a
 *    node (cutting the loop between two visits would make it shorter), so it never repeats a relationship:
 *    it is a trail, hence one of the enumerated paths, and no enumerated path is shorter. So b is reached
 *    within 1..max iff d(b) <= max, and its BFS-tree path (parent pointers) is a shortest trail.
 *  - b == a with min 1: a closed trail through a. Directed: the shortest is the BFS path to some u plus an
 *    edge u->a, the first such edge met in BFS order (smallest d(u)); the BFS path does not contain a
 *    again, so this is a trail. Undirected: the shortest closed trail through a has length
 *    min over non-tree edges (u,v) in different BFS branches (the branch of a node is the first edge of
 *    its tree path; a edge touching a counts as crossing) of d(u) + d(v) + 1. Such an edge closes a trail:
 *    the two tree paths share only a (different branches), and the edge is neither tree edge. Conversely
 *    take a shortest closed trail a=c0..ck=a: if its first or last edge is a non-tree edge at a, that edge
 *    is crossing with d(u)+d(v)+1 <= k; otherwise its first and last edges are tree edges of distinct
 *    branches (a trail cannot use one edge twice), so some edge (ci, ci+1) switches branch, is not a tree
 *    edge, and d(ci) + d(ci+1) + 1 <= i + (k-i-1) + 1 = k. The smaller endpoint depth is < max whenever
 *    k <= max, so the edge is scanned before the BFS stops.
 * Must not: be planned where the multiplicity of rows or anything of the path but its minimum length can
 * be observed (plan.c decides); recurse.
 */
#include "cypher/eval.h"
#include "cypher/ops/expand_common.h"
#include "cypher/ops/varexpand_prune.h"

typedef struct { xop base; cy_expand_spec s; bool paths; } op_t;
/* tree: the relationship that first reached the node (its BFS-tree edge), parent: the node it came from */
typedef struct { uint64_t node, tree, parent, branch; uint32_t depth, gen; } vnode;   /* gen == st.gen: in use */
typedef struct {
    cy_opstate base;
    vnode *tab;
    uint64_t tcap, tn;        /* hash table of visited nodes (power of two) */
    uint32_t gen;
    uint64_t *q;              /* BFS order: the queue, then the rows to emit */
    uint64_t qcap, qn, qpos;
    bool start_reached, active;
    uint64_t start;
    uint64_t cyc_u, cyc_v, cyc_rel;   /* shortest mode: the edge closing the shortest cycle through start */
    uint32_t cyc_len;                 /* its length (valid when start_reached) */
    uint64_t *hops;                   /* shortest mode: scratch for one emitted trail */
    uint32_t hops_cap;
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

static void set_cycle(st *t, uint64_t u, uint64_t v, uint64_t rel, uint32_t len) {
    t->start_reached = true;
    t->cyc_u = u;
    t->cyc_v = v;
    t->cyc_rel = rel;
    t->cyc_len = len;
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
    s->tree = s->branch = s->parent = UINT64_MAX;
    qpush(x, t, t->start);
    for (uint64_t h = 0; h < t->qn; h++) {
        uint64_t u = t->q[h];
        vnode *un = find(t, u);
        uint32_t du = un->depth;
        uint64_t utree = un->tree, ubranch = un->branch;
        if (max >= 0 && (int64_t)du >= max) continue;
        gadj_iter it;
        gview_expand(x->v, u, cy_gdir(o->s.dir), t->nt ? t->types : NULL, t->nt, &it);
        gadj buf[64];
        uint32_t nb = 0, bi = 0;
        for (;;) {
            if (bi == nb) {
                nb = gadj_iter_next(&it, buf, 64);
                bi = 0;
                if (nb == 0) break;
            }
            gadj a = buf[bi++];
            if (cy_x_tick(x)) return -1;
            bool ok;
            if (rel_ok(x, o, t, a.rel, &ok)) return -1;
            if (!ok) continue;
            vnode *vn = find(t, a.other);
            if (!vn) {
                vn = add(x, t, a.other);
                vn->depth = du + 1;
                vn->tree = a.rel;
                vn->parent = u;
                vn->branch = u == t->start ? a.rel : ubranch;
                qpush(x, t, a.other);
                continue;
            }
            if (!both) {   /* the first edge back to start closes the shortest cycle: du + 1 <= max hops */
                if (a.other == t->start && !t->start_reached) set_cycle(t, u, a.other, a.rel, du + 1);
                continue;
            }
            if (t->start_reached && !o->paths) continue;
            if (a.rel == utree || a.rel == vn->tree) continue;
            uint32_t len = du + vn->depth + 1;
            bool crosses = u == t->start || a.other == t->start || vn->branch != ubranch;
            if (crosses && (max < 0 || (int64_t)len <= max) && (!t->start_reached || len < t->cyc_len))
                set_cycle(t, u, a.other, a.rel, len);
        }
    }
    return 0;
}

static bool end_ok(const cy_x *x, const op_t *o, uint64_t end) {
    if (!o->s.into) return true;
    qval to = x->row[o->s.to];
    return to.type == QT_NODE && to.id == end;
}
/* Appends the tree path's relationships from start to node (forward) or from node to start (backward). */
static uint32_t tree_hops(st *t, uint64_t node, uint64_t *out, bool forward) {
    uint32_t n = 0;
    for (const vnode *vn = find(t, node); vn && vn->node != t->start; vn = find(t, vn->parent)) out[n++] = vn->tree;
    if (forward)
        for (uint32_t i = 0; i < n / 2; i++) { uint64_t k = out[i]; out[i] = out[n - 1 - i]; out[n - 1 - i] = k; }
    return n;
}

static void emit(cy_x *x, const op_t *o, st *t, uint64_t end, bool is_start) {
    if (!o->s.into) x->row[o->s.to] = qv_node(end);
    if (!o->paths) { x->row[o->s.rel] = qv_null(); return; }
    /* shortest mode: one shortest trail from start to end, as the enumerating expand would list it */
    uint32_t need = is_start ? (o->s.min_hops == 0 ? 0 : t->cyc_len) : find(t, end)->depth;
    if (need + 1 > t->hops_cap) {
        t->hops_cap = need + 16;
        t->hops = qv_arena_alloc(x->arena, sizeof(uint64_t) * t->hops_cap);
    }
    uint32_t n = 0;
    if (!is_start) {
        n = tree_hops(t, end, t->hops, true);
    } else if (need > 0) {
        n = tree_hops(t, t->cyc_u, t->hops, true);
        t->hops[n++] = t->cyc_rel;
        if (t->cyc_v != t->start) n += tree_hops(t, t->cyc_v, t->hops + n, false);
    }
    qval *items = qv_arena_alloc(x->arena, sizeof(qval) * (n ? n : 1));
    for (uint32_t i = 0; i < n; i++) items[o->s.reverse_list ? n - 1 - i : i] = qv_rel(t->hops[i]);
    x->row[o->s.rel] = qv_list_ref(items, n);
}

static int vp_open(cy_opstate *s, cy_x *x) { (void)x; ((st *)s)->active = false; return 0; }
static int vp_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->active) {
            while (t->qpos < t->qn) {
                uint64_t n = t->q[t->qpos++];
                if (end_ok(x, o, n)) { emit(x, o, t, n, false); return 1; }
            }
            t->active = false;
            if ((o->s.min_hops == 0 || t->start_reached) && end_ok(x, o, t->start)) { emit(x, o, t, t->start, true); return 1; }
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
static const cy_opvt vt_paths = {"VarLengthExpand(ShortestTrail)", sizeof(st), vp_open, vp_next, NULL};
xop *cy_op_varexpand_prune(cy_plan *p, xop *in, const cy_expand_spec *s) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->s = *s;
    return &o->base;
}
xop *cy_op_varexpand_minpath(cy_plan *p, xop *in, const cy_expand_spec *s) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt_paths, in);
    o->s = *s;
    o->paths = true;
    return &o->base;
}
