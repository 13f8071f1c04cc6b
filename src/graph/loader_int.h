/* loader_int.h — what the bulk loader's files share (not a public interface).
 *
 * Owns: struct gloader and the internal steps: chunk handling (loader_chunks.c), interning (loader_names.c),
 * the node build (loader_nodes.c), relationship staging and the relationship build (loader_rels.c),
 * and the triplet build (loader_triplets.c). loader.c owns the phase machine, the lock and the
 * background resolver thread (the queue of raw relationship chunks waiting for id resolution).
 * Must not: be included outside src/graph.
 */
#ifndef QV_LOADER_INT_H
#define QV_LOADER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/csr.h"
#include "graph/graph.h"
#include "graph/gslab.h"
#include "graph/loader.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/strtab.h"

typedef struct gptrvec {
    void **v;
    size_t n, cap;
} gptrvec;

void gptrvec_push(gptrvec *pv, void *p);

/* Interned label sets: sorted unique label ids, set 0 is the empty set. */
typedef struct glabelsets {
    uint32_t n;
    uint32_t *off;           /* n + 1 */
    uint32_t *labels;
    uint32_t lab_cap, off_cap;
    uint32_t *slots;         /* open addressing: id + 1, 0 = empty */
    uint32_t nslots;
} glabelsets;

struct gloader {
    /* configuration (owned copies) */
    char *name, *database_name, *id_property;
    bool durable, skip_dangling, triplets;
    graph_id_type id_type;
    char **undirected;
    int n_undirected;
    char **inverse;
    int n_inverse;
    qv_pool *pool;
    void (*out_done)(void *arg, const graph *g); /* ckpt: gloader_config.out_done */
    void *out_done_arg;

    pthread_mutex_t mu;      /* guards everything below */
    pthread_cond_t cv;       /* build finished, or the last in-flight add finished */
    gload_phase phase;
    bool building;           /* a *_done build runs (phase BUILDING, or ABORTED if aborted meanwhile) */
    gload_phase building_from;
    int active_adds;         /* adds between their phase check and their append */
    int cancel;              /* set by abort; builds read it atomically */

    qv_strtab labels, rel_types, prop_keys;
    glabelsets ls;
    gprop_type *key_type[2]; /* [rel][key]: type registered for node (0) / relationship (1) properties */
    uint32_t key_cap;

    gptrvec nodes;           /* gnode_chunk * */
    gptrvec rels;            /* grel_stage * (after nodes_done) */
    gptrvec queue;           /* grel_chunk * waiting for the resolver: v[qhead..n) */
    size_t qhead;
    uint64_t queued_bytes;   /* raw bytes in the queue (part of staged_bytes) */
    pthread_cond_t qcv;      /* the resolver waits here: a chunk was queued, or it must stop */
    pthread_t resolver;
    bool resolver_on;        /* the thread was started (gloader_free joins it) */
    bool resolver_off;       /* could not be started: adds resolve on their own thread */
    bool stage_oom;          /* the resolver ran out of memory: rels_done fails */
    gptrvec trips;           /* grel_chunk * (triplet imports) */
    gslab arena;             /* endpoints of staged relationships (thread-safe by itself) */
    uint64_t staged_bytes;
    uint64_t rows[2];        /* received: [0] nodes, [1] relationships / triplets */

    graph *g;                /* in construction; handed out by rels_done / triplets_done */
    uint32_t *dense;         /* dense int64 ids: internal id of node id dense_min + i (loader_resolve.c), or NULL */
    int64_t dense_min;
    uint64_t dense_len;
    uint32_t ntypes_built;   /* relationship types the graph was built with */
    uint64_t node_count, rel_count, dangling;
    qv_code fail_code;
    char fail_msg[QV_ERR_MSG_MAX];
};

/* loader_names.c — interning; callers hold l->mu. */
uint32_t gload_labelset_locked(gloader *l, const uint32_t *sorted_unique, uint32_t n);
uint32_t gload_labelset_union_locked(gloader *l, uint32_t a, uint32_t b);
void glabelsets_free(glabelsets *s);
/* Copies names and label sets into the graph (at hand-out). */
void gload_install_names(gloader *l, graph *g);

/* loader_chunks.c — chunk checks, ownership and canonical order. */
gnode_chunk *gload_take_nodes(gnode_chunk *c);   /* moves *c into a heap copy, leaving *c empty */
grel_chunk *gload_take_rels(grel_chunk *c);
void gload_free_nodes(gnode_chunk *c);
void gload_free_rels(grel_chunk *c);
uint64_t gload_nodes_bytes(const gnode_chunk *c);
uint64_t gload_rels_bytes(const grel_chunk *c);
/* Row-level checks, run on the adding thread without the lock: ids, label-set and type ids in range,
 * offsets well formed. n_ls / n_types: how many label sets / types exist. */
int gload_check_nodes(const gloader *l, const gnode_chunk *c, uint32_t n_ls, qv_err *err);
int gload_check_rels(const gloader *l, const grel_chunk *c, uint32_t n_ls, uint32_t n_types, qv_err *err);
/* Column keys registered with the right type (under the lock); sorts the columns by key. */
int gload_check_cols_locked(const gloader *l, bool rel, gchunk_col *cols, int ncols, uint64_t nrows, qv_err *err);
/* Canonical orders, so builds do not depend on the order chunks arrived in. */
void gload_sort_nodes(gnode_chunk **c, size_t k, graph_id_type t);
void gload_sort_stages(grel_stage **s, size_t k);
void gload_sort_triplets(grel_chunk **c, size_t k, graph_id_type t);

/* loader_nodes.c — the node table and id index from node chunks (consumed). */
int gload_build_nodes(gloader *l, gnode_chunk **c, size_t k, qv_err *err);

/* loader_rels.c */
/* Resolves a relationship chunk against the node index into l->arena (any thread, no loader lock);
 * consumes c. NULL when memory is exhausted. */
grel_stage *gload_stage_rels(gloader *l, grel_chunk *c);
/* Dangling check, undirected/inverse flags and the CSR; consumes the stages' arrays. */
int gload_build_rels(gloader *l, grel_stage **s, size_t k, qv_err *err);
bool gload_type_listed(char *const *list, int n, const char *name);

/* loader_resolve.c — set up at the end of the node build, read by resolvers (no lock: it does not change
 * while relationships are resolved), freed once they are all resolved or the load is dropped. */
void gload_dense_build(gloader *l);
void gload_dense_free(gloader *l);
/* gidindex_resolve_int's contract (out[i] = internal id or GIDINDEX_NONE; returns the misses), faster. */
uint64_t gload_resolve_int(const gloader *l, const int64_t *keys, uint64_t n, uint32_t *out);

/* loader_triplets.c — nodes from triplet chunks (consumed), then stages for gload_build_rels. */
int gload_build_triplets(gloader *l, grel_chunk **c, size_t k, grel_stage ***stages, qv_err *err);

#endif
