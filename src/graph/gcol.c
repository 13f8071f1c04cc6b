/* gcol.c — property column layout and the concatenation of chunk columns (see gcol.h).
 * Must not: take locks or use the pool itself (callers run gcolcat_fill in their own parallel loops). */
#include "graph/gcol.h"
#include "graph/gbits.h"
#include "graph/gpar.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

bool gcol_is_var(gprop_type t) { return t >= GPROP_STRING && t <= GPROP_FLOAT_LIST; }

bool gcol_type_valid(gprop_type t) { return t >= GPROP_INT64 && t <= GPROP_FLOAT_LIST; }

size_t gcol_elem_size(gprop_type t) {
    switch (t) {
    case GPROP_INT64: return 8;
    case GPROP_DOUBLE: return 8;
    case GPROP_BOOL: return 1;
    case GPROP_STRING: return 1;
    case GPROP_INT64_LIST: return 8;
    case GPROP_DOUBLE_LIST: return 8;
    case GPROP_FLOAT_LIST: return 4;
    }
    return 1;
}

static uint64_t elems_of(const uint64_t *off, uint64_t nrows) { return off ? off[nrows] - off[0] : 0; }

uint64_t gcol_bytes(const gcolumn *c, uint64_t nrows) {
    uint64_t b = c->present ? gbits_words(nrows) * 8 : 0;
    if (gcol_is_var(c->type)) b += (nrows + 1) * 8 + elems_of(c->offsets, nrows) * gcol_elem_size(c->type);
    else b += nrows * gcol_elem_size(c->type);
    return b;
}

void gcol_free(gcolumn *c) {
    free(c->present);
    free(c->values);
    free(c->offsets);
    c->present = NULL;
    c->values = NULL;
    c->offsets = NULL;
}

void gchunk_col_free(gchunk_col *c) {
    free(c->present);
    free(c->values);
    free(c->offsets);
    c->present = NULL;
    c->values = NULL;
    c->offsets = NULL;
}

uint64_t gchunk_col_bytes(const gchunk_col *c, uint64_t nrows) {
    gcolumn g = {.type = c->type, .present = c->present, .offsets = c->offsets};
    return gcol_bytes(&g, nrows);
}

int gchunk_col_check(const gchunk_col *c, uint64_t nrows, qv_err *err) {
    if (!gcol_type_valid(c->type)) return qv_err_set(err, QV_EINVAL, "column has unknown type %d", (int)c->type);
    if (gcol_is_var(c->type)) {
        if (!c->offsets) return qv_err_set(err, QV_EINVAL, "%s column has no offsets", gprop_type_name(c->type));
        for (uint64_t i = 0; i < nrows; i++)
            if (c->offsets[i + 1] < c->offsets[i])
                return qv_err_set(err, QV_EINVAL, "%s column: offsets decrease at row %llu",
                                  gprop_type_name(c->type), (unsigned long long)i);
        if (!c->values && c->offsets[nrows] != c->offsets[0])
            return qv_err_set(err, QV_EINVAL, "%s column has no values", gprop_type_name(c->type));
    } else if (!c->values && nrows) {
        return qv_err_set(err, QV_EINVAL, "%s column has no values", gprop_type_name(c->type));
    }
    return 0;
}

static int cmp_col_key(const void *a, const void *b) {
    uint32_t x = ((const gchunk_col *)a)->key, y = ((const gchunk_col *)b)->key;
    return x < y ? -1 : x > y;
}

int gchunk_cols_sort(gchunk_col *cols, int ncols, qv_err *err) {
    if (ncols > 1) qsort(cols, (size_t)ncols, sizeof *cols, cmp_col_key);
    for (int i = 1; i < ncols; i++)
        if (cols[i].key == cols[i - 1].key)
            return qv_err_set(err, QV_EINVAL, "property key %u is given twice in one batch", cols[i].key);
    return 0;
}

/* --- concatenation --- */

static const gchunk_col *find_col(const gchunk_col *cols, int ncols, uint32_t key) {
    int lo = 0, hi = ncols;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cols[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < ncols && cols[lo].key == key ? &cols[lo] : NULL;
}

void gcolcat_free(gcolcat *cc) {
    for (int c = 0; c < cc->ncols; c++) gcol_free(&cc->cols[c]);
    free(cc->cols);
    free(cc->row_base);
    free(cc->elem_base);
    memset(cc, 0, sizeof *cc);
}

void gcolcat_take(gcolcat *cc, gcolumn **cols, int *ncols) {
    *cols = cc->cols;
    *ncols = cc->ncols;
    cc->cols = NULL;
    cc->ncols = 0;
    gcolcat_free(cc);
}

static int add_key(gcolcat *cc, uint32_t key, gprop_type type, int *cap) {
    for (int c = 0; c < cc->ncols; c++)
        if (cc->cols[c].key == key) return 0;
    if (cc->ncols == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        cc->cols = qv_realloc(cc->cols, (size_t)*cap * sizeof *cc->cols);
    }
    cc->cols[cc->ncols++] = (gcolumn){.key = key, .type = type};
    return 0;
}

static int cmp_gcol_key(const void *a, const void *b) {
    uint32_t x = ((const gcolumn *)a)->key, y = ((const gcolumn *)b)->key;
    return x < y ? -1 : x > y;
}

int gcolcat_plan(gcolcat *cc, size_t nchunks, const uint64_t *rows, gchunk_col *const *cols, const int *ncols,
                 qv_err *err) {
    memset(cc, 0, sizeof *cc);
    cc->nchunks = nchunks;
    cc->row_base = qv_malloc((nchunks + 1) * sizeof *cc->row_base);
    int cap = 0;
    uint64_t n = 0;
    for (size_t i = 0; i < nchunks; i++) {
        cc->row_base[i] = n;
        n += rows[i];
        for (int j = 0; j < ncols[i]; j++) add_key(cc, cols[i][j].key, cols[i][j].type, &cap);
    }
    cc->row_base[nchunks] = n;
    cc->nrows = n;
    if (cc->ncols > 1) qsort(cc->cols, (size_t)cc->ncols, sizeof *cc->cols, cmp_gcol_key);
    int nc = cc->ncols;
    cc->elem_base = qv_calloc(nchunks * (size_t)(nc ? nc : 1), sizeof *cc->elem_base);

    for (int c = 0; c < nc; c++) {
        gcolumn *col = &cc->cols[c];
        bool need_presence = false;
        uint64_t elems = 0;
        for (size_t i = 0; i < nchunks; i++) {
            const gchunk_col *src = find_col(cols[i], ncols[i], col->key);
            if (!src || src->present) need_presence = need_presence || rows[i] > 0;
            if (src && src->type != col->type)
                return qv_err_set(err, QV_EINTERNAL, "property key %u arrives as both %s and %s", col->key,
                                  gprop_type_name(col->type), gprop_type_name(src->type));
            cc->elem_base[i * (size_t)nc + (size_t)c] = elems;
            if (src && gcol_is_var(col->type)) elems += elems_of(src->offsets, rows[i]);
        }
        size_t es = gcol_elem_size(col->type);
        if (need_presence && !(col->present = gpar_zalloc(gbits_words(n) * 8))) goto oom;
        if (gcol_is_var(col->type)) {
            if (!(col->offsets = gpar_alloc((n + 1) * 8))) goto oom;
            col->offsets[n] = elems;
            if (!(col->values = gpar_alloc(elems * es))) goto oom;
        } else if (!(col->values = gpar_alloc(n * es))) {
            goto oom;
        }
    }
    return 0;
oom:
    return qv_err_set(err, QV_ENOMEM, "out of memory allocating property columns for %llu rows",
                      (unsigned long long)n);
}

void gcolcat_fill(gcolcat *cc, size_t chunk, const gchunk_col *cols, int ncols) {
    uint64_t base = cc->row_base[chunk], n = cc->row_base[chunk + 1] - base;
    for (int c = 0; c < cc->ncols; c++) {
        gcolumn *col = &cc->cols[c];
        const gchunk_col *src = find_col(cols, ncols, col->key);
        size_t es = gcol_elem_size(col->type);
        uint64_t eb = cc->elem_base[chunk * (size_t)cc->ncols + (size_t)c];
        if (gcol_is_var(col->type)) {
            if (!src) {
                for (uint64_t i = 0; i < n; i++) col->offsets[base + i] = eb;
                continue;
            }
            uint64_t o0 = src->offsets[0];
            for (uint64_t i = 0; i < n; i++) col->offsets[base + i] = eb + (src->offsets[i] - o0);
            uint64_t ne = src->offsets[n] - o0;
            if (ne) memcpy((char *)col->values + eb * es, (const char *)src->values + o0 * es, ne * es);
        } else if (!src) {
            memset((char *)col->values + base * es, 0, n * es);
            continue;
        } else {
            memcpy((char *)col->values + base * es, src->values, n * es);
        }
        if (col->present) gbits_or_into(col->present, base, src->present, n);
    }
}

void gcolcat_finish(gcolcat *cc) {
    for (int c = 0; c < cc->ncols; c++) {
        gcolumn *col = &cc->cols[c];
        if (col->present && gbits_all(col->present, cc->nrows)) {
            free(col->present);
            col->present = NULL;
        }
    }
}
