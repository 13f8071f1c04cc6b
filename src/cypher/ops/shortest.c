/* shortest.c — shortestPath / allShortestPaths between two bound nodes: a breadth-first search that
 * records, per reached node, the relationships it was first reached by (all of them at the shortest
 * distance for allShortestPaths), then walks back from the target to produce paths.
 * Must not: recurse on the C stack; visit a node twice per search.
 */
#include "cypher/eval.h"
#include "cypher/ops/expand_common.h"

typedef struct { xop base; cy_expand_spec s; int32_t path; bool all; } op_t;

typedef struct parent { uint32_t from; uint64_t rel; struct parent *next; } parent;
typedef struct { uint64_t node; uint32_t dist; parent *par; } visit;

typedef struct {
    cy_opstate base;
    visit *v;                 /* visited nodes (BFS order) */
    uint32_t nv, capv;
    uint32_t *tab;            /* open addressing: index+1 into v */
    uint32_t tcap;
    /* results of the current input row */
    qval *paths, *rels;
    uint32_t nres, ires;
    uint32_t types[CY_MAX_TYPES];
} st;

static uint32_t find(st *t, uint64_t node) {
    uint32_t m = t->tcap - 1, h = (uint32_t)((node * 0x9e3779b97f4a7c15ull) >> 32) & m;
    while (t->tab[h]) {
        if (t->v[t->tab[h] - 1].node == node) return t->tab[h];
        h = (h + 1) & m;
    }
    return 0;
}
static uint32_t add(cy_x *x, st *t, uint64_t node, uint32_t dist) {
    if ((t->nv + 1) * 2 > t->tcap) {
        uint32_t nc = t->tcap ? t->tcap * 2 : 64;
        t->tab = qv_arena_zalloc(x->arena, sizeof(uint32_t) * nc);
        t->tcap = nc;
        for (uint32_t i = 0; i < t->nv; i++) {
            uint32_t m = nc - 1, h = (uint32_t)((t->v[i].node * 0x9e3779b97f4a7c15ull) >> 32) & m;
            while (t->tab[h]) h = (h + 1) & m;
            t->tab[h] = i + 1;
        }
    }
    if (t->nv == t->capv) {
        uint32_t nc = t->capv ? t->capv * 2 : 64;
        visit *nv = qv_arena_alloc(x->arena, sizeof(visit) * nc);
        if (t->nv) memcpy(nv, t->v, sizeof(visit) * t->nv);
        t->v = nv;
        t->capv = nc;
    }
    t->v[t->nv] = (visit){node, dist, NULL};
    uint32_t m = t->tcap - 1, h = (uint32_t)((node * 0x9e3779b97f4a7c15ull) >> 32) & m;
    while (t->tab[h]) h = (h + 1) & m;
    t->tab[h] = ++t->nv;
    return t->nv;
}

/* Appends every path back from visit index vi (1-based) to the start; depth-first with its own stack. */
static void collect(cy_x *x, const op_t *o, st *t, uint32_t target, uint32_t dist) {
    uint64_t *ns = qv_arena_alloc(x->arena, sizeof(uint64_t) * (dist + 1));
    uint64_t *rs = qv_arena_alloc(x->arena, sizeof(uint64_t) * (dist ? dist : 1));
    parent **cur = qv_arena_zalloc(x->arena, sizeof(parent *) * (dist + 1));
    uint32_t *at = qv_arena_alloc(x->arena, sizeof(uint32_t) * (dist + 1));
    uint32_t cap = 4;
    t->paths = qv_arena_alloc(x->arena, sizeof(qval) * cap);
    t->rels = qv_arena_alloc(x->arena, sizeof(qval) * cap);
    t->nres = t->ires = 0;
    int32_t lvl = (int32_t)dist;   /* filling position lvl (node index) backwards */
    at[dist] = target;
    ns[dist] = t->v[target - 1].node;
    cur[dist] = NULL;
    bool fresh = true;
    while (lvl <= (int32_t)dist) {
        if (lvl == 0) {
            if (t->nres == cap) {
                cap *= 2;
                qval *np = qv_arena_alloc(x->arena, sizeof(qval) * cap), *nr = qv_arena_alloc(x->arena, sizeof(qval) * cap);
                memcpy(np, t->paths, sizeof(qval) * t->nres);
                memcpy(nr, t->rels, sizeof(qval) * t->nres);
                t->paths = np;
                t->rels = nr;
            }
            qval *rl = qv_arena_alloc(x->arena, sizeof(qval) * (dist ? dist : 1));
            for (uint32_t i = 0; i < dist; i++) rl[i] = qv_rel(rs[i]);
            t->rels[t->nres] = qv_list_ref(rl, dist);
            t->paths[t->nres] = qv_path_make(x->arena, dist, ns, rs);
            t->nres++;
            if (!o->all) return;
            lvl = 1;
            fresh = false;
            continue;
        }
        parent *p = fresh ? t->v[at[lvl] - 1].par : (cur[lvl] ? cur[lvl]->next : NULL);
        if (!p) { lvl++; fresh = false; continue; }
        cur[lvl] = p;
        rs[lvl - 1] = p->rel;
        at[lvl - 1] = p->from;
        ns[lvl - 1] = t->v[p->from - 1].node;
        lvl--;
        fresh = true;
    }
}

static int sp_search(cy_x *x, const op_t *o, st *t, uint64_t from, uint64_t to) {
    t->nv = 0;
    t->nres = t->ires = 0;
    if (t->tab) memset(t->tab, 0, sizeof(uint32_t) * t->tcap);
    uint32_t nt;
    if (!cy_resolve_types(x, &o->s, t->types, &nt)) return 0;
    if (from == to) {
        if (o->s.min_hops == 0) {
            uint32_t i = add(x, t, from, 0);
            collect(x, o, t, i, 0);
        }
        return 0;
    }
    add(x, t, from, 0);
    uint32_t found = 0, found_dist = 0;
    for (uint32_t qi = 0; qi < t->nv; qi++) {
        uint32_t d = t->v[qi].dist;
        if (found && d >= found_dist) break;
        if (o->s.max_hops >= 0 && (int64_t)d >= o->s.max_hops) break;
        gadj_iter it;
        gview_expand(x->v, t->v[qi].node, cy_gdir(o->s.dir), nt ? t->types : NULL, nt, &it);
        gadj a;
        while (gadj_iter_next(&it, &a, 1)) {
            if (cy_x_tick(x)) return -1;
            uint32_t vi = find(t, a.other);
            if (!vi) vi = add(x, t, a.other, d + 1);
            else if (t->v[vi - 1].dist != d + 1) continue;
            else if (!o->all && t->v[vi - 1].par) continue;
            parent *p = qv_arena_alloc(x->arena, sizeof(parent));
            p->from = qi + 1;
            p->rel = a.rel;
            p->next = t->v[vi - 1].par;
            t->v[vi - 1].par = p;
            if (a.other == to) { found = vi; found_dist = d + 1; }
        }
    }
    if (found && (int64_t)found_dist >= o->s.min_hops) collect(x, o, t, found, found_dist);
    return 0;
}

static int sp_open(cy_opstate *s, cy_x *x) { ((st *)s)->nres = ((st *)s)->ires = 0; return 0; }
static int sp_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    for (;;) {
        if (t->ires < t->nres) {
            x->row[o->s.rel] = t->rels[t->ires];
            if (o->path >= 0) x->row[o->path] = t->paths[t->ires];
            t->ires++;
            return 1;
        }
        int r = cy_op_next(s->in, x);
        if (r <= 0) return r;
        qval a = x->row[o->s.from], b = x->row[o->s.to];
        if (a.type != QT_NODE || b.type != QT_NODE) continue;
        if (sp_search(x, o, t, a.id, b.id)) return -1;
    }
}
static const cy_opvt vt = {"ShortestPath", sizeof(st), sp_open, sp_next, NULL};
xop *cy_op_shortest(cy_plan *p, xop *in, const cy_expand_spec *s, int32_t path_slot, bool all) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->s = *s;
    o->path = path_slot;
    o->all = all;
    return &o->base;
}
