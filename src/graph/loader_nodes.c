/* loader_nodes.c — NODE_LOAD_DONE's build: the node table and the id index.
 *
 * Owns: putting the node chunks into canonical order (by first id), concatenating them in parallel into
 * the final arrays (external ids, label sets, property columns with presence bits), freeing each chunk
 * as soon as it is copied, and building the id index (which reports duplicate ids) and, for dense int64
 * ids, the map that resolves relationships (loader_resolve.c).
 * Must not: take the loader lock (the phase machine in loader.c holds the chunks for us).
 */
#include "graph/gcol.h"
#include "graph/gpar.h"
#include "graph/loader_int.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

typedef struct nodejob {
    graph *g;
    gnode_chunk **c;
    uint64_t *base;     /* k + 1: first row of each chunk */
    uint64_t *sbase;    /* k + 1: first id byte of each chunk (STRING ids) */
    gcolcat cc;
} nodejob;

static void t_fill(void *arg, size_t i) {
    nodejob *J = arg;
    graph *g = J->g;
    gnode_chunk *c = J->c[i];
    uint64_t b = J->base[i], n = c->n;
    if (g->id_type == GRAPH_ID_INTEGER) {
        memcpy(g->ext_ids + b, c->ids, n * sizeof *c->ids);
    } else {
        uint64_t o0 = c->str_off[0], sb = J->sbase[i];
        for (uint64_t r = 0; r < n; r++) g->ext_str_off[b + r] = sb + (c->str_off[r] - o0);
        if (c->str_off[n] > o0) memcpy(g->ext_str + sb, c->str + o0, c->str_off[n] - o0);
    }
    if (c->labelset) memcpy(g->node_labelset + b, c->labelset, n * sizeof *c->labelset);
    else
        for (uint64_t r = 0; r < n; r++) g->node_labelset[b + r] = c->common_labelset;
    gcolcat_fill(&J->cc, i, c->cols, c->ncols);
    gload_free_nodes(c);
    J->c[i] = NULL;
}

static void free_job(nodejob *J) {
    free(J->base);
    free(J->sbase);
    gcolcat_free(&J->cc);
}

int gload_build_nodes(gloader *l, gnode_chunk **c, size_t k, qv_err *err) {
    graph *g = l->g;
    gload_sort_nodes(c, k, g->id_type);
    nodejob J = {.g = g, .c = c};
    J.base = qv_malloc((k + 1) * sizeof *J.base);
    J.sbase = qv_malloc((k + 1) * sizeof *J.sbase);
    uint64_t n = 0, bytes = 0;
    for (size_t i = 0; i < k; i++) {
        J.base[i] = n;
        J.sbase[i] = bytes;
        n += c[i]->n;
        if (g->id_type == GRAPH_ID_STRING) bytes += c[i]->str_off[c[i]->n] - c[i]->str_off[0];
    }
    J.base[k] = n;
    J.sbase[k] = bytes;

    uint64_t *rows = qv_malloc((k + 1) * sizeof *rows);
    gchunk_col **cols = qv_malloc((k + 1) * sizeof *cols);
    int *ncols = qv_malloc((k + 1) * sizeof *ncols);
    for (size_t i = 0; i < k; i++) {
        rows[i] = c[i]->n;
        cols[i] = c[i]->cols;
        ncols[i] = c[i]->ncols;
    }
    int rc = gcolcat_plan(&J.cc, k, rows, cols, ncols, err);
    free(rows);
    free(cols);
    free(ncols);
    if (rc) {
        free_job(&J);
        return -1;
    }

    if (g->id_type == GRAPH_ID_INTEGER) {
        g->ext_ids = gpar_alloc(n * sizeof *g->ext_ids);
    } else {
        g->ext_str_off = gpar_alloc((n + 1) * sizeof *g->ext_str_off);
        g->ext_str = gpar_alloc(bytes);
        if (g->ext_str_off) g->ext_str_off[n] = bytes;
    }
    g->node_labelset = gpar_alloc(n * sizeof *g->node_labelset);
    if (!g->node_labelset || (g->id_type == GRAPH_ID_INTEGER ? !g->ext_ids : !g->ext_str_off || !g->ext_str)) {
        free_job(&J);
        return qv_err_set(err, QV_ENOMEM, "out of memory building the node table of %llu nodes",
                          (unsigned long long)n);
    }
    gpar_run(l->pool, k, t_fill, &J);
    gcolcat_finish(&J.cc);
    gcolcat_take(&J.cc, &g->node_cols, &g->n_node_cols);
    free_job(&J);
    g->n_nodes = n;
    if (__atomic_load_n(&l->cancel, __ATOMIC_RELAXED))
        return qv_err_set(err, QV_ECANCELLED, "import '%s' was aborted", l->name);

    rc = g->id_type == GRAPH_ID_INTEGER ? gidindex_build_int(&g->idx, g->ext_ids, n, l->pool, err)
                                        : gidindex_build_str(&g->idx, g->ext_str_off, g->ext_str, n, l->pool, err);
    if (rc) return -1;
    gload_dense_build(l);
    l->node_count = n;
    return 0;
}
