/* loader_chunks.c — node, relationship and triplet chunks inside the loader: taking ownership, freeing,
 * measuring, checking rows, and the canonical order that makes builds independent of arrival order.
 * Must not: take the loader lock (callers do, where a function name says _locked), or build anything. */
#include "graph/gcol.h"
#include "graph/loader_int.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

void gptrvec_push(gptrvec *pv, void *p) {
    if (pv->n == pv->cap) {
        pv->cap = pv->cap ? pv->cap * 2 : 64;
        pv->v = qv_realloc(pv->v, pv->cap * sizeof *pv->v);
    }
    pv->v[pv->n++] = p;
}

/* ---------- ownership ---------- */

gnode_chunk *gload_take_nodes(gnode_chunk *c) {
    gnode_chunk *o = qv_malloc(sizeof *o);
    *o = *c;
    memset(c, 0, sizeof *c);
    return o;
}

grel_chunk *gload_take_rels(grel_chunk *c) {
    grel_chunk *o = qv_malloc(sizeof *o);
    *o = *c;
    memset(c, 0, sizeof *c);
    return o;
}

static void free_cols(gchunk_col *cols, int n) {
    for (int i = 0; i < n; i++) gchunk_col_free(&cols[i]);
    free(cols);
}

void gnode_chunk_release(gnode_chunk *c) {
    free(c->ids);
    free(c->str_off);
    free(c->str);
    free(c->labelset);
    free_cols(c->cols, c->ncols);
    memset(c, 0, sizeof *c);
}

void grel_chunk_release(grel_chunk *c) {
    free(c->src);
    free(c->tgt);
    free(c->src_off);
    free(c->tgt_off);
    free(c->src_str);
    free(c->tgt_str);
    free(c->type);
    free_cols(c->cols, c->ncols);
    free(c->src_labelset);
    free(c->tgt_labelset);
    memset(c, 0, sizeof *c);
}

void gload_free_nodes(gnode_chunk *c) {
    if (!c) return;
    gnode_chunk_release(c);
    free(c);
}

void gload_free_rels(grel_chunk *c) {
    if (!c) return;
    grel_chunk_release(c);
    free(c);
}

static uint64_t cols_bytes(const gchunk_col *cols, int ncols, uint64_t n) {
    uint64_t b = 0;
    for (int i = 0; i < ncols; i++) b += sizeof *cols + gchunk_col_bytes(&cols[i], n);
    return b;
}

static uint64_t str_bytes(const uint64_t *off, uint64_t n) { return off ? (n + 1) * 8 + (off[n] - off[0]) : 0; }

uint64_t gload_nodes_bytes(const gnode_chunk *c) {
    return sizeof *c + (c->ids ? c->n * 8 : 0) + str_bytes(c->str_off, c->n) + (c->labelset ? c->n * 4 : 0) +
           cols_bytes(c->cols, c->ncols, c->n);
}

uint64_t gload_rels_bytes(const grel_chunk *c) {
    return sizeof *c + (c->src ? c->n * 8 : 0) + (c->tgt ? c->n * 8 : 0) + str_bytes(c->src_off, c->n) +
           str_bytes(c->tgt_off, c->n) + (c->type ? c->n * 2 : 0) + (c->src_labelset ? c->n * 4 : 0) +
           (c->tgt_labelset ? c->n * 4 : 0) + cols_bytes(c->cols, c->ncols, c->n);
}

/* ---------- checks ---------- */

static int check_offsets(const uint64_t *off, const char *str, uint64_t n, const char *what, qv_err *err) {
    if (!off) return qv_err_set(err, QV_EINVAL, "the batch has no %s ids (this graph uses STRING ids)", what);
    for (uint64_t i = 0; i < n; i++)
        if (off[i + 1] < off[i])
            return qv_err_set(err, QV_EINVAL, "%s id offsets decrease at row %llu", what, (unsigned long long)i);
    if (!str && off[n] != off[0]) return qv_err_set(err, QV_EINVAL, "the batch has no %s id bytes", what);
    return 0;
}

static int check_cols(const gchunk_col *cols, int ncols, uint64_t n, qv_err *err) {
    for (int i = 0; i < ncols; i++)
        if (gchunk_col_check(&cols[i], n, err)) return -1;
    return 0;
}

static int check_labelsets(const uint32_t *ls, uint64_t n, uint32_t n_ls, const char *what, qv_err *err) {
    if (!ls) return 0;
    for (uint64_t i = 0; i < n; i++)
        if (ls[i] >= n_ls)
            return qv_err_set(err, QV_EINTERNAL, "%s label set %u at row %llu was not interned", what, ls[i],
                              (unsigned long long)i);
    return 0;
}

int gload_check_nodes(const gloader *l, const gnode_chunk *c, uint32_t n_ls, qv_err *err) {
    if (l->id_type == GRAPH_ID_INTEGER) {
        if (!c->ids)
            return qv_err_set(err, QV_EINVAL, "the batch has no integer node ids (this graph uses INTEGER ids)");
        for (uint64_t i = 0; i < c->n; i++)
            if (c->ids[i] < 0)
                return qv_err_set(err, QV_EINVAL, "node id %lld at row %llu is negative; node ids must be >= 0",
                                  (long long)c->ids[i], (unsigned long long)i);
    } else if (check_offsets(c->str_off, c->str, c->n, "node", err)) {
        return -1;
    }
    if (!c->labelset && c->common_labelset >= n_ls)
        return qv_err_set(err, QV_EINTERNAL, "label set %u was not interned", c->common_labelset);
    if (check_labelsets(c->labelset, c->n, n_ls, "node", err)) return -1;
    return check_cols(c->cols, c->ncols, c->n, err);
}

int gload_check_rels(const gloader *l, const grel_chunk *c, uint32_t n_ls, uint32_t n_types, qv_err *err) {
    if (l->id_type == GRAPH_ID_INTEGER) {
        if (!c->src || !c->tgt)
            return qv_err_set(err, QV_EINVAL, "the batch has no integer source or target ids (this graph uses "
                                              "INTEGER ids)");
    } else if (check_offsets(c->src_off, c->src_str, c->n, "source", err) ||
               check_offsets(c->tgt_off, c->tgt_str, c->n, "target", err)) {
        return -1;
    }
    if (c->type) {
        for (uint64_t i = 0; i < c->n; i++)
            if (c->type[i] >= n_types)
                return qv_err_set(err, QV_EINTERNAL, "relationship type id %u at row %llu was not interned",
                                  c->type[i], (unsigned long long)i);
    } else if (c->common_type >= n_types) {
        return qv_err_set(err, QV_EINVAL,
                          "the batch has no relationship type (type id %u was never registered); send a "
                          "relationshipType column or register a type",
                          c->common_type);
    }
    if (l->triplets && (check_labelsets(c->src_labelset, c->n, n_ls, "source", err) ||
                        check_labelsets(c->tgt_labelset, c->n, n_ls, "target", err)))
        return -1;
    return check_cols(c->cols, c->ncols, c->n, err);
}

int gload_check_cols_locked(const gloader *l, bool rel, gchunk_col *cols, int ncols, uint64_t nrows, qv_err *err) {
    (void)nrows;
    if (ncols && !cols) return qv_err_set(err, QV_EINTERNAL, "batch declares %d columns but has none", ncols);
    if (gchunk_cols_sort(cols, ncols, err)) return -1;
    const char *kind = rel ? "relationship" : "node";
    for (int i = 0; i < ncols; i++) {
        uint32_t k = cols[i].key;
        if (k >= l->prop_keys.count || k >= l->key_cap || !l->key_type[rel][k])
            return qv_err_set(err, QV_EINTERNAL, "property key %u was not registered as a %s property", k, kind);
        if (l->key_type[rel][k] != cols[i].type)
            return qv_err_set(err, QV_EINVAL, "%s property '%s' was registered as %s but the batch carries %s", kind,
                              qv_strtab_name(&l->prop_keys, k), gprop_type_name(l->key_type[rel][k]),
                              gprop_type_name(cols[i].type));
    }
    return 0;
}

/* ---------- canonical order ---------- */

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int cmp_str(const uint64_t *xo, const char *xs, uint64_t i, const uint64_t *yo, const char *ys, uint64_t j) {
    uint64_t xl = xo[i + 1] - xo[i], yl = yo[j + 1] - yo[j];
    uint64_t m = xl < yl ? xl : yl;
    int c = m ? memcmp(xs + xo[i], ys + yo[j], (size_t)m) : 0;
    return c ? c : CMP(xl, yl);
}

static int cmp_str_rows(const uint64_t *xo, const char *xs, const uint64_t *yo, const char *ys, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int c = cmp_str(xo, xs, i, yo, ys, i);
        if (c) return c;
    }
    return 0;
}

static int cmp_nodes_int(const void *a, const void *b) {
    const gnode_chunk *x = *(gnode_chunk *const *)a, *y = *(gnode_chunk *const *)b;
    int c = CMP(x->ids[0], y->ids[0]);
    if (c) return c;
    if ((c = CMP(x->n, y->n))) return c;
    /* equal first ids fail the load as duplicates anyway; ordering by content keeps the message stable */
    return memcmp(x->ids, y->ids, x->n * 8);
}

static int cmp_nodes_str(const void *a, const void *b) {
    const gnode_chunk *x = *(gnode_chunk *const *)a, *y = *(gnode_chunk *const *)b;
    int c = cmp_str(x->str_off, x->str, 0, y->str_off, y->str, 0);
    if (c) return c;
    if ((c = CMP(x->n, y->n))) return c;
    return cmp_str_rows(x->str_off, x->str, y->str_off, y->str, x->n);
}

void gload_sort_nodes(gnode_chunk **c, size_t k, graph_id_type t) {
    if (k > 1) qsort(c, k, sizeof *c, t == GRAPH_ID_INTEGER ? cmp_nodes_int : cmp_nodes_str);
}

static inline uint16_t type_at(const uint16_t *type, uint16_t common, uint64_t i) { return type ? type[i] : common; }

static int cmp_types(const uint16_t *xt, uint16_t xc, const uint16_t *yt, uint16_t yc, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int c = CMP(type_at(xt, xc, i), type_at(yt, yc, i));
        if (c) return c;
    }
    return 0;
}

static int cmp_u32_opt(const uint32_t *x, const uint32_t *y, uint64_t n) {
    if (!x || !y) return CMP(x != NULL, y != NULL);
    for (uint64_t i = 0; i < n; i++) {
        int c = CMP(x[i], y[i]);
        if (c) return c;
    }
    return 0;
}

/* Columns compare by key, then row by row: presence, then the value's bytes (fixed-width types) or its
 * elements (var types). Values of absent rows are ignored. */
static int cmp_cols(const gchunk_col *x, int xn, const gchunk_col *y, int yn, uint64_t n) {
    int c = CMP(xn, yn);
    if (c) return c;
    for (int k = 0; k < xn; k++) {
        const gchunk_col *p = &x[k], *q = &y[k];
        if ((c = CMP(p->key, q->key)) || (c = CMP(p->type, q->type))) return c;
        size_t es = gcol_elem_size(p->type);
        for (uint64_t i = 0; i < n; i++) {
            bool hp = !p->present || ((p->present[i >> 6] >> (i & 63)) & 1);
            bool hq = !q->present || ((q->present[i >> 6] >> (i & 63)) & 1);
            if ((c = CMP(hp, hq))) return c;
            if (!hp) continue;
            if (gcol_is_var(p->type)) {
                uint64_t pl = p->offsets[i + 1] - p->offsets[i], ql = q->offsets[i + 1] - q->offsets[i];
                if ((c = CMP(pl, ql))) return c;
                if (pl && (c = memcmp((const char *)p->values + p->offsets[i] * es,
                                      (const char *)q->values + q->offsets[i] * es, pl * es)))
                    return c;
            } else if ((c = memcmp((const char *)p->values + i * es, (const char *)q->values + i * es, es))) {
                return c;
            }
        }
    }
    return 0;
}

static int cmp_stages(const void *a, const void *b) {
    const grel_stage *x = *(grel_stage *const *)a, *y = *(grel_stage *const *)b;
    int c;
    if ((c = CMP(x->src[0], y->src[0])) || (c = CMP(x->tgt[0], y->tgt[0])) || (c = CMP(x->n, y->n))) return c;
    if ((c = memcmp(x->src, y->src, x->n * 4)) || (c = memcmp(x->tgt, y->tgt, x->n * 4))) return c;
    if ((c = cmp_types(x->type, x->common_type, y->type, y->common_type, x->n))) return c;
    return cmp_cols(x->cols, x->ncols, y->cols, y->ncols, x->n);
}

void gload_sort_stages(grel_stage **s, size_t k) {
    if (k > 1) qsort(s, k, sizeof *s, cmp_stages);
}

static int cmp_trip_rest(const grel_chunk *x, const grel_chunk *y) {
    int c;
    if ((c = cmp_types(x->type, x->common_type, y->type, y->common_type, x->n))) return c;
    if ((c = cmp_u32_opt(x->src_labelset, y->src_labelset, x->n))) return c;
    if ((c = cmp_u32_opt(x->tgt_labelset, y->tgt_labelset, x->n))) return c;
    return cmp_cols(x->cols, x->ncols, y->cols, y->ncols, x->n);
}

static int cmp_trips_int(const void *a, const void *b) {
    const grel_chunk *x = *(grel_chunk *const *)a, *y = *(grel_chunk *const *)b;
    int c;
    if ((c = CMP(x->src[0], y->src[0])) || (c = CMP(x->tgt[0], y->tgt[0])) || (c = CMP(x->n, y->n))) return c;
    if ((c = memcmp(x->src, y->src, x->n * 8)) || (c = memcmp(x->tgt, y->tgt, x->n * 8))) return c;
    return cmp_trip_rest(x, y);
}

static int cmp_trips_str(const void *a, const void *b) {
    const grel_chunk *x = *(grel_chunk *const *)a, *y = *(grel_chunk *const *)b;
    int c;
    if ((c = cmp_str(x->src_off, x->src_str, 0, y->src_off, y->src_str, 0)) ||
        (c = cmp_str(x->tgt_off, x->tgt_str, 0, y->tgt_off, y->tgt_str, 0)) || (c = CMP(x->n, y->n)))
        return c;
    if ((c = cmp_str_rows(x->src_off, x->src_str, y->src_off, y->src_str, x->n)) ||
        (c = cmp_str_rows(x->tgt_off, x->tgt_str, y->tgt_off, y->tgt_str, x->n)))
        return c;
    return cmp_trip_rest(x, y);
}

void gload_sort_triplets(grel_chunk **c, size_t k, graph_id_type t) {
    if (k > 1) qsort(c, k, sizeof *c, t == GRAPH_ID_INTEGER ? cmp_trips_int : cmp_trips_str);
}
