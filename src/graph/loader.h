/* loader.h — the bulk loader: builds a graph from columnar chunks sent by many parallel streams.
 *
 * Owns: staging of node and relationship chunks, the phase machine of one import (nodes, then
 * relationships; or triplets), and the parallel build at the end of each phase (node table and id
 * index at nodes_done; CSR out and in, type grouping and property permutation at rels_done).
 * Protocol front ends decode their wire format into gnode_chunk / grel_chunk and call in; nothing here
 * knows Arrow, Flight or JSON.
 *
 * Threading: gloader_add_* and the interning functions may be called from many threads at once; each
 * chunk is checked by its caller without locks and appended (or queued) under a short lock. The *_done
 * functions run the build on the loader's qv_pool; relationship chunks are resolved by the loader's own
 * resolver thread meanwhile (see below). gloader_abort may be called from any thread at any time: a
 * build in progress finishes and its result is discarded.
 * Ownership: every chunk passed to gloader_add_* belongs to the loader afterwards, success or failure;
 * all of its arrays must come from malloc. The loader moves the arrays out and zeroes the struct, which
 * stays the caller's (it may live on the stack).
 * Determinism: the build does not depend on the order chunks arrive in or on thread timing. Node chunks
 * are ordered by their first id (rows keep their order inside a chunk), which gives the internal ids;
 * relationship chunks are put in a canonical order by content, which decides the order of parallel
 * relationships (same source, type and target).
 * Relationship ids are resolved in the background while the upload goes on: gloader_add_rels checks a
 * chunk and queues it, and returns (the network thread goes back to receiving); one resolver thread per
 * loader, started by the first relationship chunk, resolves queued chunks against the node index into the
 * loader's huge-page arena and frees each raw chunk as soon as it is resolved. When more than 32 MiB of raw
 * chunks (~2 M relationships) wait, an add resolves its chunk on its own thread instead (an add never
 * waits for the resolver). gloader_rels_done stops the resolver, resolves what is still queued on the
 * pool (every core), then builds the CSR. gloader_abort and gloader_free stop it after the chunk in hand;
 * gloader_free joins it. Triplet chunks are staged as they are and resolved by gloader_triplets_done.
 */
#ifndef QV_LOADER_H
#define QV_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"
#include "util/err.h"
#include "util/pool.h"

/* One property column of a chunk, over the chunk's rows (same layout as gcolumn). */
typedef struct gchunk_col {
    uint32_t key;          /* from gloader_prop_key */
    gprop_type type;
    uint64_t *present;     /* bitmap of 64-bit words; NULL = all present */
    void *values;
    uint64_t *offsets;     /* list/string types: n+1 offsets */
} gchunk_col;

typedef struct gnode_chunk {
    uint64_t n;
    int64_t *ids;                 /* GRAPH_ID_INTEGER: n ids (must be >= 0) */
    uint64_t *str_off;            /* GRAPH_ID_STRING: n+1 byte offsets into str */
    char *str;
    uint32_t *labelset;           /* n label-set ids from gloader_labelset, or NULL: all common_labelset */
    uint32_t common_labelset;
    int ncols;
    gchunk_col *cols;
} gnode_chunk;

typedef struct grel_chunk {
    uint64_t n;
    int64_t *src, *tgt;                   /* GRAPH_ID_INTEGER */
    uint64_t *src_off, *tgt_off;          /* GRAPH_ID_STRING: n+1 offsets each */
    char *src_str, *tgt_str;
    uint16_t *type;                       /* n type ids from gloader_rel_type, or NULL: all common_type */
    uint16_t common_type;
    int ncols;
    gchunk_col *cols;                     /* GPROP_DOUBLE only */
    uint32_t *src_labelset, *tgt_labelset; /* triplets only: per-row label sets (NULL: none) */
} grel_chunk;

/* Frees the arrays a chunk holds (property columns included: the first ncols of cols) and zeroes it;
 * the struct itself stays the caller's. For a caller whose chunk never reached the loader. */
void gnode_chunk_release(gnode_chunk *c);
void grel_chunk_release(grel_chunk *c);

typedef struct gloader_config {
    const char *name;
    const char *database_name;
    bool durable;
    graph_id_type id_type;
    const char *id_property;              /* STRING databases; default "__originalId__" */
    bool skip_dangling;
    bool triplets;                        /* one phase: triplet chunks, then gloader_triplets_done */
    const char *const *undirected_types;  /* "*" = every type */
    int n_undirected;
    const char *const *inverse_types;     /* "*" = every type */
    int n_inverse;
    /* ckpt: called with the graph once the outgoing side of the relationship build is final (gcsr_build_ex),
     * e.g. to start writing a durable database meanwhile, and with NULL when a build fails or is aborted (before
     * the graph is freed: whatever the first call started must stop using it); on the building thread. NULL:
     * none */
    void (*out_done)(void *arg, const graph *g);
    void *out_done_arg;
} gloader_config;

typedef enum {
    GLOAD_NODES = 0,      /* accepting node chunks */
    GLOAD_RELS,           /* node table built; accepting relationship chunks */
    GLOAD_TRIPLETS,       /* accepting triplet chunks */
    GLOAD_BUILDING,       /* a *_done build is running */
    GLOAD_DONE,           /* graph handed out */
    GLOAD_FAILED,         /* a build failed (duplicate ids, dangling relationships); data freed */
    GLOAD_ABORTED,
} gload_phase;

typedef struct gloader gloader;

gloader *gloader_new(const gloader_config *cfg, qv_pool *pool);
void gloader_free(gloader *l);
gload_phase gloader_phase(const gloader *l);
const char *gload_phase_name(gload_phase p);   /* "nodes", "relationships", "triplets", ... */
uint64_t gloader_memory_bytes(const gloader *l); /* staged bytes (queued raw chunks and resolved stages) */
uint64_t gloader_rows_received(const gloader *l, bool rels);

/* Interning, thread-safe. Label sets are sets: order and duplicates in `labels` do not matter; label set 0
 * is the empty set (so a zeroed chunk has no labels). Relationship properties must be GPROP_DOUBLE. */
uint32_t gloader_label(gloader *l, const char *s, size_t n);
uint32_t gloader_labelset(gloader *l, const uint32_t *labels, int n);
int gloader_rel_type(gloader *l, const char *s, size_t n, uint16_t *out, qv_err *err);
/* Registers a property key for nodes (rel=false) or relationships (rel=true). The first type seen
 * wins; a later different type fails with QV_EINVAL naming both types. */
int gloader_prop_key(gloader *l, bool rel, const char *name, gprop_type type, uint32_t *key, qv_err *err);

/* Append a chunk. QV_EPHASE (message names the current phase) when the phase does not accept it. */
int gloader_add_nodes(gloader *l, gnode_chunk *c, qv_err *err);
int gloader_add_rels(gloader *l, grel_chunk *c, qv_err *err);    /* also triplet chunks */

/* NODES -> RELS. Builds node table and id index. Duplicate node ids fail (QV_EINVAL, the load is
 * FAILED). Called again after success: returns the same count; called again while the build runs: waits
 * for it (a retried action joins the running build). The same holds for the other *_done calls. */
int gloader_nodes_done(gloader *l, uint64_t *node_count, qv_err *err);
/* RELS -> DONE. Resolves the ids still queued; dangling relationships fail with their count and an example id unless
 * skip_dangling (then they are counted, see gloader_dangling). *out receives the graph (caller owns it)
 * on the first successful call; a repeated call returns the same count and *out = NULL. */
int gloader_rels_done(gloader *l, uint64_t *rel_count, graph **out, qv_err *err);
/* TRIPLETS -> DONE: nodes are the distinct ids in order of first appearance. */
int gloader_triplets_done(gloader *l, uint64_t *node_count, uint64_t *rel_count, graph **out, qv_err *err);
uint64_t gloader_dangling(const gloader *l);
/* Frees staged data; later calls fail with QV_EPHASE ("aborted"). */
void gloader_abort(gloader *l);

/* Adding node properties to an existing graph (GDS PUT_NODE_PROPERTIES). */
typedef struct gproploader gproploader;
/* labels: the node labels the properties are for (NULL/0 or "*": all nodes). consecutive_ids: the chunk
 * ids are internal ids 0..n_nodes-1 instead of external ids. */
gproploader *gproploader_new(graph *g, const char *const *labels, int nlabels, bool consecutive_ids,
                             qv_pool *pool, qv_err *err);
void gproploader_free(gproploader *p);
/* Fails with QV_EEXISTS if the graph already has this node property. */
int gproploader_prop_key(gproploader *p, const char *name, gprop_type type, uint32_t *key, qv_err *err);
/* Chunk ids must exist (QV_ENOTFOUND naming one) and carry one of the labels (QV_EINVAL). */
int gproploader_add(gproploader *p, gnode_chunk *c, qv_err *err);
/* Attaches the new columns to the graph (nodes not sent have no value). Returns rows written. A node sent
 * twice fails the import (QV_EINVAL naming it): its value would depend on arrival order. */
int gproploader_done(gproploader *p, uint64_t *node_count, qv_err *err);

#endif
