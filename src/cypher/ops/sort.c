/* sort.c — ORDER BY: materialises the rows with their sort keys and orders them by openCypher's
 * orderability (ascending or descending per key; ties keep input order). With a LIMIT above (top-n):
 * when skip + limit is small, a bounded max-heap of the best rows seen (a row that cannot make it is
 * dropped before its frame is saved); otherwise at most 2 * (skip + limit) rows, sorted and truncated
 * whenever the buffer fills.
 * Must not: evaluate keys more than once per row. */
#include <stdlib.h>
#include <string.h>

#include "cypher/eval.h"
#include "cypher/ops/ops.h"

typedef struct { xop base; const cy_sortkey *keys; uint32_t n; const cy_expr *skip, *limit; } op_t;
typedef struct { cy_opstate base; qval *rows; uint64_t n, cap, pos, keep, seq; bool filled; uint32_t *heap; uint64_t hcap; } st;

#define SORT_HEAP_MAX 65536   /* skip + limit up to this uses the heap */

int cy_eval_count(cy_x *x, const cy_expr *e, const char *what, int64_t *out);

typedef struct { const op_t *o; uint32_t w; } sctx;

static int cmp_rows(const void *pa, const void *pb, void *c) {
    const sctx *k = c;
    const qval *a = pa, *b = pb;
    for (uint32_t i = 0; i < k->o->n; i++) {
        int r = qv_order(a[i], b[i]);
        if (r) return k->o->keys[i].desc ? -r : r;
    }
    /* the input position is the last key value (an integer) */
    int64_t ia = a[k->o->n].i, ib = b[k->o->n].i;
    return ia < ib ? -1 : ia > ib;
}

static int cmp_idx(const st *t, const sctx *c, uint32_t a, uint32_t b) {
    return cmp_rows(t->rows + (uint64_t)a * c->w, t->rows + (uint64_t)b * c->w, (void *)c);
}
/* Max-heap on t->heap[0..n): the worst kept row at the root. */
static void heap_up(st *t, const sctx *c, uint64_t i) {
    while (i > 0) {
        uint64_t p = (i - 1) / 2;
        if (cmp_idx(t, c, t->heap[p], t->heap[i]) >= 0) break;
        uint32_t tmp = t->heap[p]; t->heap[p] = t->heap[i]; t->heap[i] = tmp;
        i = p;
    }
}
static void heap_down(st *t, const sctx *c, uint64_t n) {
    uint64_t i = 0;
    for (;;) {
        uint64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && cmp_idx(t, c, t->heap[l], t->heap[m]) > 0) m = l;
        if (r < n && cmp_idx(t, c, t->heap[r], t->heap[m]) > 0) m = r;
        if (m == i) return;
        uint32_t tmp = t->heap[m]; t->heap[m] = t->heap[i]; t->heap[i] = tmp;
        i = m;
    }
}
/* Top-n with a bounded heap: rows[keep] is the scratch row for the candidate. */
static int fill_heap(st *t, const op_t *o, cy_x *x, uint32_t w) {
    sctx c = {o, w};
    if (t->cap < t->keep + 1) {   /* kept across re-opens, like the buffer of the plain sort */
        t->rows = qv_arena_alloc(x->arena, sizeof(qval) * w * (t->keep + 1));
        t->cap = t->keep + 1;
    }
    if (t->hcap < t->keep) {
        t->heap = qv_arena_alloc(x->arena, sizeof(uint32_t) * t->keep);
        t->hcap = t->keep;
    }
    uint32_t scratch = (uint32_t)t->keep;
    for (;;) {
        int r = cy_op_next(t->base.in, x);
        if (r < 0) return -1;
        if (r == 0) break;
        uint32_t slot = t->n < t->keep ? (uint32_t)t->n : scratch;
        qval *row = t->rows + (uint64_t)slot * w;
        for (uint32_t i = 0; i < o->n; i++)
            if (cy_eval(x, o->keys[i].expr, &row[i])) return -1;
        row[o->n] = qv_int((int64_t)t->seq++);
        if (t->n < t->keep) {
            cy_row_save(x, row + o->n + 1);
            t->heap[t->n] = slot;
            heap_up(t, &c, t->n++);
        } else if (cmp_idx(t, &c, scratch, t->heap[0]) < 0) {   /* better than the worst kept: replace it */
            qval *dst = t->rows + (uint64_t)t->heap[0] * w;
            memcpy(dst, row, sizeof(qval) * (o->n + 1));
            cy_row_save(x, dst + o->n + 1);
            heap_down(t, &c, t->n);
        }
        if (cy_x_tick(x)) return -1;
    }
    if (t->n > 1) qsort_r(t->rows, t->n, sizeof(qval) * w, cmp_rows, &c);   /* rows[0..n) are the kept ones */
    return 0;
}

static int so_open(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    t->n = t->pos = t->seq = 0;
    t->filled = false;
    t->keep = UINT64_MAX;
    if (o->limit) {   /* errors surface in SkipLimit above with the same expressions */
        int64_t sk = 0, li = 0;
        cy_error e, *saved = x->err;
        x->err = &e;
        if ((!o->skip || cy_eval_count(x, o->skip, "SKIP", &sk) == 0) && cy_eval_count(x, o->limit, "LIMIT", &li) == 0 &&
            sk < (int64_t)1 << 40 && li < (int64_t)1 << 40)
            t->keep = (uint64_t)(sk + li);
        x->err = saved;
    }
    return 0;
}
static int so_next(cy_opstate *s, cy_x *x) {
    const op_t *o = (const op_t *)s->op;
    st *t = (st *)s;
    uint32_t w = o->n + 1 + x->nslots;   /* keys, position, frame */
    if (!t->filled && t->keep >= 1 && t->keep <= SORT_HEAP_MAX) {
        if (fill_heap(t, o, x, w)) return -1;
        t->filled = true;
    }
    if (!t->filled) {
        for (;;) {
            int r = cy_op_next(s->in, x);
            if (r < 0) return -1;
            if (r == 0) break;
            if (t->keep != UINT64_MAX && t->n >= 2 * t->keep + 64) {   /* top-n: drop what cannot make it */
                sctx c = {o, w};
                qsort_r(t->rows, t->n, sizeof(qval) * w, cmp_rows, &c);
                t->n = t->keep;
            }
            if (t->n == t->cap) {
                uint64_t nc = t->cap ? t->cap * 2 : 64;
                qval *nr = qv_arena_alloc(x->arena, sizeof(qval) * w * nc);
                if (t->n) memcpy(nr, t->rows, sizeof(qval) * w * t->n);
                t->rows = nr;
                t->cap = nc;
            }
            qval *row = t->rows + t->n * w;
            for (uint32_t i = 0; i < o->n; i++)
                if (cy_eval(x, o->keys[i].expr, &row[i])) return -1;
            row[o->n] = qv_int((int64_t)t->seq++);
            cy_row_save(x, row + o->n + 1);
            t->n++;
            if (cy_x_tick(x)) return -1;
        }
        sctx c = {o, w};
        if (t->n > 1) qsort_r(t->rows, t->n, sizeof(qval) * w, cmp_rows, &c);
        if (t->n > t->keep) t->n = t->keep;
        t->filled = true;
    }
    if (t->pos >= t->n) return 0;
    cy_row_load(x, t->rows + t->pos * w + o->n + 1);
    t->pos++;
    return 1;
}
static const cy_opvt vt = {"Sort", sizeof(st), so_open, so_next, NULL};
xop *cy_op_sort(cy_plan *p, xop *in, const cy_sortkey *keys, uint32_t n, const cy_expr *skip,
                  const cy_expr *limit) {
    op_t *o = cy_op_alloc(p, sizeof(op_t), &vt, in);
    o->keys = cy_pdup(p, keys, sizeof(cy_sortkey) * n);
    o->n = n;
    o->skip = skip;
    o->limit = limit;
    if (skip || limit) return cy_op_skiplimit(p, &o->base, skip, limit);
    return &o->base;
}
