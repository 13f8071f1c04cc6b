/* csr_props.c — relationship property columns in relationship-id order.
 * Owns: concatenating the stages' columns (a key missing from a chunk is absent for its rows) and
 * gathering them through the permutation the CSR build recorded, one column at a time to bound memory.
 * Must not: know about the CSR arrays themselves. */
#include "graph/csr_int.h"
#include "graph/gbits.h"
#include "graph/gcol.h"
#include "graph/gpar.h"
#include "util/buf.h"

#include <stdlib.h>

typedef struct catjob {
    gcolcat *cc;
    grel_stage *const *st;
} catjob;

static void t_concat(void *arg, size_t i) {
    catjob *J = arg;
    grel_stage *s = J->st[i];
    gcolcat_fill(J->cc, i, s->cols, s->ncols);
    for (int c = 0; c < s->ncols; c++) gchunk_col_free(&s->cols[c]);
    free(s->cols);
    s->cols = NULL;
    s->ncols = 0;
}

typedef struct gatherjob {
    const gcolumn *src;
    gcolumn *dst;
    const uint32_t *perm;
    uint64_t m;
    size_t nt;
} gatherjob;

static void t_gather(void *arg, size_t t) {
    gatherjob *J = arg;
    uint64_t lo = gpar_lo(J->m, t, J->nt) & ~63ull;   /* word-aligned ranges: presence bits need no atomics */
    uint64_t hi = t + 1 == J->nt ? J->m : gpar_lo(J->m, t + 1, J->nt) & ~63ull;
    const gcolumn *s = J->src;
    gcolumn *d = J->dst;
    const uint32_t *perm = J->perm;
    switch (gcol_elem_size(s->type)) {
    case 8: {
        const uint64_t *sv = s->values;
        uint64_t *dv = d->values;
        for (uint64_t r = lo; r < hi; r++) dv[r] = sv[perm[r]];
        break;
    }
    case 4: {
        const uint32_t *sv = s->values;
        uint32_t *dv = d->values;
        for (uint64_t r = lo; r < hi; r++) dv[r] = sv[perm[r]];
        break;
    }
    default: {
        const uint8_t *sv = s->values;
        uint8_t *dv = d->values;
        for (uint64_t r = lo; r < hi; r++) dv[r] = sv[perm[r]];
        break;
    }
    }
    if (d->present)
        for (uint64_t r = lo; r < hi; r++)
            if (gbits_get(s->present, perm[r])) gbits_set(d->present, r);
}

int gcsr_permute_props(graph *g, grel_stage *const *st, size_t k, const uint32_t *perm, qv_pool *pool,
                       const int *cancel, qv_err *err) {
    uint64_t *rows = qv_malloc((k + 1) * sizeof *rows);
    gchunk_col **cols = qv_malloc((k + 1) * sizeof *cols);
    int *ncols = qv_malloc((k + 1) * sizeof *ncols);
    for (size_t i = 0; i < k; i++) {
        rows[i] = st[i]->n;
        cols[i] = st[i]->cols;
        ncols[i] = st[i]->ncols;
    }
    gcolcat cc;
    int rc = gcolcat_plan(&cc, k, rows, cols, ncols, err);
    free(rows);
    free(cols);
    free(ncols);
    if (rc) {
        gcolcat_free(&cc);
        return -1;
    }
    catjob J = {.cc = &cc, .st = st};
    gpar_run(pool, k, t_concat, &J);
    gcolcat_finish(&cc);

    uint64_t m = g->n_rels;
    g->rel_cols = qv_calloc((size_t)cc.ncols + 1, sizeof *g->rel_cols);
    g->n_rel_cols = cc.ncols;
    gatherjob G = {.perm = perm, .m = m, .nt = gpar_tasks(pool, m, 1 << 16)};
    for (int c = 0; c < cc.ncols; c++) {
        gcolumn *s = &cc.cols[c], *d = &g->rel_cols[c];
        *d = (gcolumn){.key = s->key, .type = s->type};
        if (gcol_is_var(s->type)) {
            gcolcat_free(&cc);
            return qv_err_set(err, QV_EINTERNAL, "relationship property of type %s cannot be stored",
                              gprop_type_name(s->type));
        }
        d->values = gpar_alloc(m * gcol_elem_size(s->type));
        if (s->present) d->present = gpar_zalloc(gbits_words(m) * 8);
        if (!d->values || (s->present && !d->present)) {
            gcolcat_free(&cc);
            return qv_err_set(err, QV_ENOMEM, "out of memory permuting relationship properties");
        }
        G.src = s;
        G.dst = d;
        gpar_run(pool, G.nt, t_gather, &G);
        gcol_free(s);   /* the concatenated input is no longer needed */
        if (cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED)) {
            gcolcat_free(&cc);
            return qv_err_set(err, QV_ECANCELLED, "the import was aborted");
        }
    }
    gcolcat_free(&cc);
    return 0;
}
