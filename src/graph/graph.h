/* graph.h — one named property graph, as built by the bulk loader: the read side of the engine.
 *
 * Owns: the in-memory layout of a graph and the functions that read it.
 *  - Nodes have dense internal ids 0..n_nodes-1 (uint32), an external id (int64, or a string for
 *    databases created with id_type STRING), a label set, and property columns.
 *  - Relationships have dense ids 0..n_rels-1 in source order: the outgoing CSR needs no id array
 *    (the relationships of node v are ids out_off[v] .. out_off[v+1]-1, grouped by type, then by target).
 *    Targets are uint32 internal ids. The incoming CSR lists relationship ids and their sources per target.
 *    Relationships of undirected types are stored once per direction (as GDS does).
 *  - Property columns are typed arrays with presence bitmaps; relationship properties are doubles.
 * The arrays here are the immutable base. Transactional writes (gview.h) go to a delta beside it (`delta`,
 * created on first use by gview_open / gtxn_begin, see gdelta.h and docs/write-path.md); code that reads these
 * fields directly sees the base only. The catalog's reference count keeps a graph alive while it is read.
 */
#ifndef QV_GRAPH_H
#define QV_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include "graph/idindex.h"
#include "util/strtab.h"

typedef enum {
    GPROP_INT64 = 1,
    GPROP_DOUBLE,
    GPROP_BOOL,
    GPROP_STRING,        /* UTF-8: offsets (n+1, bytes) + values */
    GPROP_INT64_LIST,    /* offsets (n+1, elements) + int64 values */
    GPROP_DOUBLE_LIST,   /* offsets (n+1, elements) + double values */
    GPROP_FLOAT_LIST,    /* offsets (n+1, elements) + float values */
} gprop_type;

const char *gprop_type_name(gprop_type t);  /* "int64", "double", "bool", "string", "list<int64>", ... */

/* One property key over all nodes (or all relationships). */
typedef struct gcolumn {
    uint32_t key;          /* id in graph->prop_keys */
    gprop_type type;
    uint64_t *present;     /* bitmap over rows; NULL = every row has a value */
    void *values;          /* int64_t[n] / double[n] / uint8_t[n] (bool) / element or byte array */
    uint64_t *offsets;     /* list and string types: n+1 offsets into values; NULL otherwise */
} gcolumn;

static inline bool gcolumn_has(const gcolumn *c, uint64_t row) {
    return !c->present || (c->present[row >> 6] >> (row & 63)) & 1;
}

typedef enum { GRAPH_ID_INTEGER = 0, GRAPH_ID_STRING = 1 } graph_id_type;

typedef struct graph {
    char *name;
    char *database_name;     /* for projections: the database named in CREATE_GRAPH */
    bool durable;            /* a database (true) or an in-memory projection (false) */
    graph_id_type id_type;
    char *id_property;       /* STRING databases: the property name the original ids are reported under */
    uint64_t created_ms;
    int refs;                /* owned by the catalog (catalog.c) */
    bool dropped;            /* owned by the catalog */

    /* interned names */
    qv_strtab labels;
    qv_strtab rel_types;
    qv_strtab prop_keys;     /* shared by node and relationship properties */

    /* nodes */
    uint64_t n_nodes;
    int64_t *ext_ids;        /* GRAPH_ID_INTEGER: n_nodes external ids */
    uint64_t *ext_str_off;   /* GRAPH_ID_STRING: n_nodes+1 byte offsets into ext_str */
    char *ext_str;
    gidindex idx;            /* external id -> internal id */
    uint32_t *node_labelset; /* n_nodes label-set ids */
    uint32_t n_labelsets;
    uint32_t *labelset_off;  /* n_labelsets+1 offsets into labelset_labels */
    uint32_t *labelset_labels; /* sorted label ids of each set */
    pthread_rwlock_t cols_lock; /* held for reading while node_cols is read, for writing to add columns */
    int n_node_cols;
    gcolumn *node_cols;

    /* relationships */
    uint64_t n_rels;
    uint64_t *out_off;       /* n_nodes+1 */
    uint32_t *out_tgt;       /* n_rels targets, in relationship-id order */
    uint16_t *rel_type;      /* n_rels type ids */
    uint64_t *in_off;        /* n_nodes+1 */
    uint32_t *in_rel;        /* n_rels relationship ids, grouped by target */
    uint32_t *in_src;        /* n_rels sources, parallel to in_rel */
    int n_rel_cols;
    gcolumn *rel_cols;
    bool *type_undirected;   /* per rel type id: loaded as undirected (stored both ways) */
    bool *type_inverse;      /* per rel type id: inverse-indexed (GDS semantics; quiver always has in-CSR) */
    uint64_t *type_count;    /* per rel type id: relationships stored */

    /* ckpt: a graph loaded from a mapped file (src/store): its base arrays (and column arrays) may point into
     * this read-only mapping; graph_free frees only the arrays outside it, then releases it (gmap.h). */
    struct gmap *map;

    /* the writable side (gdelta.h): NULL until first opened through gview.h */
    struct gdelta *delta;
    pthread_mutex_t delta_mu; /* only for creating delta */
} graph;

/* An empty graph (no nodes, no relationships) with its names and lock initialised. */
graph *graph_new(const char *name, const char *database_name, bool durable, graph_id_type id_type,
                 const char *id_property);
void graph_free(graph *g);

/* Internal id of an external id, or -1. */
int64_t graph_node_by_id(const graph *g, int64_t ext_id);
int64_t graph_node_by_str(const graph *g, const char *s, size_t n);
/* Source of relationship r (binary search over out_off). */
uint32_t graph_rel_source(const graph *g, uint64_t rel);
/* Labels of node v: *n labels, sorted ids. */
const uint32_t *graph_node_labels(const graph *g, uint64_t v, uint32_t *n);
/* Column by property name, NULL when absent. Once the graph is shared, hold g->cols_lock for reading
 * around the call and while using a node column: PUT_NODE_PROPERTIES (gproploader_done) adds node columns
 * and property keys under the write lock. */
const gcolumn *graph_node_col(const graph *g, const char *key);
const gcolumn *graph_rel_col(const graph *g, const char *key);
/* Bytes of heap the graph uses, and the topology part of it (CSR both ways + type array). */
uint64_t graph_memory_bytes(const graph *g);
/* Whether transactions have committed anything (then only a gview shows the graph as it is). */
bool graph_has_writes(graph *g);
/* Live nodes and relationships as of the last commit (n_nodes / n_rels for a graph never written): for
 * listings and /status. Any thread, no lock. */
void graph_live_counts(graph *g, uint64_t *nodes, uint64_t *rels);
uint64_t graph_topology_bytes(const graph *g);

#endif
