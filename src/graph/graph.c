/* graph.c — creating, freeing and reading a built graph (see graph.h).
 * Must not: build graphs (loader*.c, csr.c do) or change one after it is built (proploader.c attaches
 * columns under cols_lock). Readers take no locks here, except as graph.h documents for columns. */
#include "graph/graph.h"
#include "graph/gcol.h"
#include "graph/gdelta.h"
#include "graph/gmap.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

const char *gprop_type_name(gprop_type t) {
    switch (t) {
    case GPROP_INT64: return "int64";
    case GPROP_DOUBLE: return "double";
    case GPROP_BOOL: return "bool";
    case GPROP_STRING: return "string";
    case GPROP_INT64_LIST: return "list<int64>";
    case GPROP_DOUBLE_LIST: return "list<double>";
    case GPROP_FLOAT_LIST: return "list<float>";
    }
    return "unknown";
}

graph *graph_new(const char *name, const char *database_name, bool durable, graph_id_type id_type,
                 const char *id_property) {
    graph *g = qv_calloc(1, sizeof *g);
    g->name = qv_strdup(name ? name : "");
    g->database_name = database_name ? qv_strdup(database_name) : NULL;
    g->durable = durable;
    g->id_type = id_type;
    g->id_property = id_property ? qv_strdup(id_property) : NULL;
    qv_strtab_init(&g->labels);
    qv_strtab_init(&g->rel_types);
    qv_strtab_init(&g->prop_keys);
    pthread_rwlock_init(&g->cols_lock, NULL);
    pthread_mutex_init(&g->delta_mu, NULL);
    g->out_off = qv_calloc(1, sizeof *g->out_off);
    g->in_off = qv_calloc(1, sizeof *g->in_off);
    return g;
}

/* ckpt: columns of a mapped graph may point into the mapping (gmap.h); those arrays are not freed. */
static void free_cols(const gmap *m, gcolumn *cols, int n) {
    for (int i = 0; i < n; i++) {
        if (!m) {
            gcol_free(&cols[i]);
            continue;
        }
        gmap_free_ptr(m, cols[i].present);
        gmap_free_ptr(m, cols[i].values);
        gmap_free_ptr(m, cols[i].offsets);
    }
    free(cols);
}

void graph_free(graph *g) {
    if (!g) return;
    struct gmap *map = g->map; /* ckpt: its verifier thread stops first, the bytes go last */
    gmap_stop(map);
    gdelta_free(g->delta);
    pthread_mutex_destroy(&g->delta_mu);
    free(g->name);
    free(g->database_name);
    free(g->id_property);
    qv_strtab_free(&g->labels);
    qv_strtab_free(&g->rel_types);
    qv_strtab_free(&g->prop_keys);
    gmap_free_ptr(g->map, g->ext_ids);
    gmap_free_ptr(g->map, g->ext_str_off);
    gmap_free_ptr(g->map, g->ext_str);
    gidindex_free(&g->idx);
    gmap_free_ptr(g->map, g->node_labelset);
    gmap_free_ptr(g->map, g->labelset_off);
    gmap_free_ptr(g->map, g->labelset_labels);
    pthread_rwlock_destroy(&g->cols_lock);
    free_cols(g->map, g->node_cols, g->n_node_cols);
    gmap_free_ptr(g->map, g->out_off);
    gmap_free_ptr(g->map, g->out_tgt);
    gmap_free_ptr(g->map, g->rel_type);
    gmap_free_ptr(g->map, g->in_off);
    gmap_free_ptr(g->map, g->in_rel);
    gmap_free_ptr(g->map, g->in_src);
    free_cols(g->map, g->rel_cols, g->n_rel_cols);
    free(g->type_undirected);
    free(g->type_inverse);
    free(g->type_count);
    free(g);
    gmap_release(map);
}

int64_t graph_node_by_id(const graph *g, int64_t ext_id) {
    if (g->id_type != GRAPH_ID_INTEGER || !g->n_nodes) return -1;
    return gidindex_find_int(&g->idx, ext_id);
}

int64_t graph_node_by_str(const graph *g, const char *s, size_t n) {
    if (g->id_type != GRAPH_ID_STRING || !g->n_nodes) return -1;
    return gidindex_find_str(&g->idx, s, n);
}

uint32_t graph_rel_source(const graph *g, uint64_t rel) {
    /* the last v with out_off[v] <= rel; nodes without relationships share their offset with the next */
    uint64_t lo = 0, hi = g->n_nodes;   /* answer in [lo, hi) */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (g->out_off[mid] <= rel) lo = mid;
        else hi = mid;
    }
    return (uint32_t)lo;
}

const uint32_t *graph_node_labels(const graph *g, uint64_t v, uint32_t *n) {
    uint32_t s = g->node_labelset[v];
    *n = g->labelset_off[s + 1] - g->labelset_off[s];
    return g->labelset_labels + g->labelset_off[s];
}

static const gcolumn *find_col(const graph *g, const gcolumn *cols, int n, const char *key) {
    int64_t k = qv_strtab_find(&g->prop_keys, key, strlen(key));
    if (k < 0) return NULL;
    for (int i = 0; i < n; i++)
        if (cols[i].key == (uint32_t)k) return &cols[i];
    return NULL;
}

const gcolumn *graph_node_col(const graph *g, const char *key) {
    return find_col(g, g->node_cols, g->n_node_cols, key);
}

const gcolumn *graph_rel_col(const graph *g, const char *key) {
    return find_col(g, g->rel_cols, g->n_rel_cols, key);
}

uint64_t graph_topology_bytes(const graph *g) {
    uint64_t n = g->n_nodes, m = g->n_rels;
    return (n + 1) * 8 * 2 + m * (sizeof *g->out_tgt + sizeof *g->rel_type + sizeof *g->in_rel + sizeof *g->in_src);
}

/* graph_memory_bytes: gmem.c (the sum of gmem_measure's parts) */
