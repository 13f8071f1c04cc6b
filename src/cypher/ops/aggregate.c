/* aggregate.c — grouping and aggregation: hashes each input row by its key values (grouping
 * equivalence), keeps the group's first row and one accumulator per aggregate, then emits one row per
 * group in first-seen order. Must not: emit before its input is exhausted. */
#include <string.h>

#include "cypher/agg.h"
#include "cypher/eval.h"
#include "cypher/ops/ops.h"

typedef struct {
    xop base;
    const cy_expr *const *keys;
    const int32_t *key_slots;
    uint32_t nk;
    const cy_aggdef *aggs;
    uint32_t na;
} op_t;
typedef struct {
    cy_opstate base;
    cy_rowset groups;
    qval **frames;             /* per group: its first row */
    cy_aggst **acc;            /* per group: na accumulators */
    uint32_t cap, pos;
    bool filled;
} st;

static int ag_open(cy_opstate *s, cy_x *x) {
    st *t = (st *)s;
    cy_rowset_init(&t->groups, ((const op_t *)s->op)->nk);
    t->cap = t->pos = 0;
    t->filled = false;
    return 0;
}

static int ag_fill(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    qval kt[16];
    qval *k = o->nk <= 16 ? kt : qv_arena_alloc(x->arena, sizeof(qval) * o->nk);
    for (;;) {
        int r = cy_op_next(s->in, x);
        if (r < 0) return -1;
        if (r == 0) break;
        for (uint32_t i = 0; i < o->nk; i++)
            if (cy_eval(x, o->keys[i], &k[i])) return -1;
        bool added;
        uint32_t g = cy_rowset_add(&t->groups, x->arena, k, &added);
        if (added) {
            if (g >= t->cap) {
                uint32_t nc = t->cap ? t->cap * 2 : 16;
                qval **nf = qv_arena_alloc(x->arena, sizeof(qval *) * nc);
                cy_aggst **na = qv_arena_alloc(x->arena, sizeof(cy_aggst *) * nc);
                if (t->cap) {
                    memcpy(nf, t->frames, sizeof(qval *) * t->cap);
                    memcpy(na, t->acc, sizeof(cy_aggst *) * t->cap);
                }
                t->frames = nf;
                t->acc = na;
                t->cap = nc;
            }
            t->frames[g] = qv_arena_alloc(x->arena, sizeof(qval) * (x->nslots ? x->nslots : 1));
            cy_row_save(x, t->frames[g]);
            t->acc[g] = qv_arena_zalloc(x->arena, sizeof(cy_aggst) * (o->na ? o->na : 1));
        }
        for (uint32_t i = 0; i < o->na; i++) {
            const cy_aggdef *d = &o->aggs[i];
            qval a = qv_null(), p = qv_null();
            if (d->kind != CY_AGG_COUNT_STAR) {
                if (d->call->n_args > 0 && cy_eval(x, d->call->args[0], &a)) return -1;
                if (d->call->n_args > 1 && a.type != QT_NULL && cy_eval(x, d->call->args[1], &p)) return -1;
            }
            if (cy_agg_update(x, d, &t->acc[g][i], a, p)) return -1;
        }
        if (cy_x_tick(x)) return -1;
    }
    if (t->groups.n == 0 && o->nk == 0) {   /* no grouping keys: one row even without input */
        bool added;
        cy_rowset_add(&t->groups, x->arena, k, &added);
        t->frames = qv_arena_alloc(x->arena, sizeof(qval *));
        t->acc = qv_arena_alloc(x->arena, sizeof(cy_aggst *));
        t->frames[0] = qv_arena_zalloc(x->arena, sizeof(qval) * (x->nslots ? x->nslots : 1));
        t->acc[0] = qv_arena_zalloc(x->arena, sizeof(cy_aggst) * (o->na ? o->na : 1));
        t->cap = 1;
    }
    t->filled = true;
    return 0;
}

static int ag_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    if (!t->filled && ag_fill(s, x)) return -1;
    if (t->pos >= t->groups.n) return 0;
    uint32_t g = t->pos++;
    cy_row_load(x, t->frames[g]);
    for (uint32_t i = 0; i < o->nk; i++) x->row[o->key_slots[i]] = t->groups.keys[(size_t)g * o->nk + i];
    for (uint32_t i = 0; i < o->na; i++) {
        qval v;
        if (cy_agg_final(x, &o->aggs[i], &t->acc[g][i], &v)) return -1;
        x->row[o->aggs[i].slot] = v;
    }
    return 1;
}
static const cy_opvt vt = {"Aggregate", sizeof(st), ag_open, ag_next, NULL};
xop *cy_op_aggregate(cy_plan *p, xop *in, const cy_expr *const *keys, const int32_t *key_slots,
                       uint32_t n_keys, const cy_aggdef *aggs, uint32_t n_aggs) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->keys = cy_pdup(p, keys, sizeof(*keys) * n_keys);
    o->key_slots = cy_pdup(p, key_slots, sizeof(int32_t) * n_keys);
    o->nk = n_keys;
    o->aggs = cy_pdup(p, aggs, sizeof(cy_aggdef) * n_aggs);
    o->na = n_aggs;
    return &o->base;
}
