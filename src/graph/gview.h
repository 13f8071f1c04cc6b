/* gview.h — reading a graph through a snapshot, writing it through a transaction.
 *
 * Owns: the one interface through which the query engine (and the conformance runner, the Neptune layer, the
 * Arrow export of a written graph) reads and writes a graph in the catalog, whatever built it (Arrow bulk
 * load or openCypher). docs/ARCHITECTURE.md ("The write path") describes the design behind it: an
 * immutable CSR base, a delta of committed changes stamped with commit sequence numbers, a single writer
 * per graph, snapshots that cost O(1), background compaction.
 *
 * Rules:
 *  - A gview is a consistent snapshot of committed data: nothing committed after it was opened is seen,
 *    and opening one never waits for a writer. Values and arrays it returns stay valid until it is closed.
 *  - A gtxn is the graph's only writer while it lives; gtxn_begin queues (FIFO) behind the current writer,
 *    it never fails because of another writer. gtxn_view(t) reads committed data plus t's own writes.
 *  - All effects of a transaction become visible to new views together at gtxn_commit, or never
 *    (gtxn_rollback, or an error from gtxn_commit). Nothing a rolled-back transaction did is left behind:
 *    not in columns, labels, adjacency, the external-id index or any property index.
 *  - The transaction records its effects as a list of logical changes (gchange), in order, with ids
 *    assigned and values evaluated; gtxn_commit calls the graph's commit hook with that list before it
 *    publishes (the WAL's seam).
 *  - Ids: nodes and relationships have dense internal ids that never change (compaction included); ids of
 *    deleted elements are not reused while any view may still see them.
 *  - Scans started on a gtxn_view see elements that existed when the scan began (a scan's range is fixed
 *    at its start), so `MATCH (n) CREATE ()` terminates.
 * Thread-safety: any number of views on any threads, concurrently with one transaction. A view or a
 * transaction itself is used by one thread at a time.
 */
#ifndef QV_GRAPH_GVIEW_H
#define QV_GRAPH_GVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "util/arena.h"
#include "util/err.h"
#include "value/value.h"

typedef struct gview gview;
typedef struct gtxn gtxn;

#define GID_NONE UINT64_MAX

/* ---- opening ---- */
/* A snapshot of the committed state of g (the caller holds a catalog reference on g while it is open). */
gview *gview_open(graph *g, qv_err *err);
void gview_close(gview *v);
graph *gview_graph(const gview *v);

/* Waits for the writer slot of g (FIFO), then starts a transaction. Fails only if the graph cannot be
 * written at all (QV_EPHASE: dropped, or being replaced). */
gtxn *gtxn_begin(graph *g, qv_err *err);
gview *gtxn_view(gtxn *t);
/* Publishes the transaction (after the commit hook accepted its changes) and frees it. On failure the
 * transaction is rolled back and freed. */
int gtxn_commit(gtxn *t, qv_err *err);
void gtxn_rollback(gtxn *t);   /* undoes everything and frees the transaction */

/* ---- names (labels, relationship types, property keys) ---- */
/* Id of a name, or -1 when the graph has never seen it. Names are never removed; ids are stable. */
int64_t gview_label_id(gview *v, const char *name, size_t len);
int64_t gview_type_id(gview *v, const char *name, size_t len);
int64_t gview_key_id(gview *v, const char *name, size_t len);
const char *gview_label_name(gview *v, uint32_t id);
const char *gview_type_name(gview *v, uint32_t id);
const char *gview_key_name(gview *v, uint32_t id);
uint32_t gview_n_labels(gview *v);      /* names known (ids 0..n-1), used or not */
uint32_t gview_n_types(gview *v);
uint32_t gview_n_keys(gview *v);

/* Node / relationship ids the view can see are below these (deleted ones included): scans by id range,
 * export partitions. (Added by graph/.) */
uint64_t gview_node_id_end(gview *v);
uint64_t gview_rel_id_end(gview *v);

/* ---- counts (planner statistics; exact for the view) ---- */
uint64_t gview_node_count(gview *v);
uint64_t gview_rel_count(gview *v);
uint64_t gview_label_count(gview *v, uint32_t label);    /* live nodes with the label */
uint64_t gview_type_count(gview *v, uint32_t type);      /* live relationships of the type */

/* ---- nodes ---- */
bool gview_node_exists(gview *v, uint64_t node);          /* visible and not deleted */
/* Labels of a node, sorted ids: writes up to max into out, returns how many it has. */
uint32_t gview_node_labels(gview *v, uint64_t node, uint32_t *out, uint32_t max);
bool gview_node_has_label(gview *v, uint64_t node, uint32_t label);
/* A property value; false (and *out = null) when the node does not have it. */
bool gview_node_prop(gview *v, uint64_t node, uint32_t key, qval *out);
/* Every property of a node, in key-id order; arrays allocated in a. Returns the count. */
typedef struct gprop { uint32_t key; qval value; } gprop;
uint32_t gview_node_props(gview *v, uint64_t node, qv_arena *a, gprop **out);
/* The external id (Neptune ~id, GDS nodeId): QT_INT or QT_STRING. */
qval gview_node_ext_id(gview *v, uint64_t node);
/* The node with this external id (QT_INT or QT_STRING; an integer-looking string does not match an
 * integer id), or GID_NONE. A node it returns exists at v (gview_node_exists): callers need not ask again. */
uint64_t gview_node_by_ext_id(gview *v, qval ext_id);

/* ---- relationships ---- */
bool gview_rel_exists(gview *v, uint64_t rel);
/* Endpoints and type of a relationship (visible or not: ids are never reused). */
void gview_rel_info(gview *v, uint64_t rel, uint64_t *src, uint64_t *dst, uint32_t *type);
bool gview_rel_prop(gview *v, uint64_t rel, uint32_t key, qval *out);
uint32_t gview_rel_props(gview *v, uint64_t rel, qv_arena *a, gprop **out);
/* Relationship external id (Neptune ~id of an edge), QT_STRING: the id given at creation, else "r<rel>" (made
 * in a). Strings of the form r<digits> are never user ids, so the two kinds never collide. */
qval gview_rel_ext_id(gview *v, uint64_t rel, qv_arena *a);
/* The id given to rel at creation (gtxn_rel_create_ext), or null. */
qval gview_rel_user_ext_id(gview *v, uint64_t rel);
/* The live relationship whose `~id` is ext_id (a string; an integer is read as its decimal string), or GID_NONE:
 * a user id, or "r<rel>" for a relationship created without one. O(1); no table exists until the graph's first
 * relationship with a user id. */
uint64_t gview_rel_by_ext_id(gview *v, qval ext_id);

/* ---- scans ----
 * Iterators are plain structs the caller owns (no allocation); their fields are private to graph/. */
typedef struct gnode_iter {
    gview *v;
    uint64_t pos, end;
    int64_t label;                 /* -1: all nodes */
    const uint64_t *list;          /* candidate list (label index, property index), or NULL */
    uint64_t list_n, list_pos;
    uint32_t key;                  /* property index seeks: key and value to re-check */
    qval value;
    int mode;
} gnode_iter;
/* Every live node, or (label >= 0) every live node with the label. */
void gview_nodes(gview *v, int64_t label, gnode_iter *it);
/* Fills up to max ids; returns how many (0 = done). */
uint32_t gnode_iter_next(gnode_iter *it, uint64_t *ids, uint32_t max);

typedef struct grel_iter {
    gview *v;
    uint64_t pos, end;
    int64_t type;                  /* -1: all types */
    int mode;
    const uint64_t *list;          /* index seek results, or NULL (added by graph/) */
} grel_iter;
void gview_rels(gview *v, int64_t type, grel_iter *it);
uint32_t grel_iter_next(grel_iter *it, uint64_t *ids, uint32_t max);

/* ---- adjacency ---- */
typedef enum { GDIR_OUT = 1, GDIR_IN = 2, GDIR_BOTH = 3 } gdir;
typedef struct gadj {
    uint64_t rel;
    uint64_t other;                /* the node at the other end (== the node itself for a self-loop) */
    uint8_t dir;                   /* GDIR_OUT: node is the source; GDIR_IN: node is the target */
    uint32_t type;                 /* the relationship's type (no second lookup needed) */
} gadj;
typedef struct gadj_iter {
    gview *v;
    uint64_t node;
    uint8_t dir;                   /* requested direction */
    const uint32_t *types;         /* NULL: any type */
    uint32_t n_types;
    int phase;                     /* private from here on */
    uint64_t pos, end;
    const uint64_t *delta;
    uint64_t delta_n, delta_pos;
    uint64_t out_n, in_n;          /* delta lengths fixed when the expansion starts (added by graph/) */
    uint64_t want;                 /* gview_expand_into: the far end wanted (GID_NONE: any) */
    bool flip;                     /* gview_expand_into walked the far end's side: report from `from` */
    uint64_t from;                 /* the node the caller asked about */
} gadj_iter;
/* Relationships at node in direction dir, restricted to types (NULL/0: any). With GDIR_BOTH a
 * self-loop is reported once (as GDIR_OUT). */
void gview_expand(gview *v, uint64_t node, gdir dir, const uint32_t *types, uint32_t n_types, gadj_iter *it);
uint32_t gadj_iter_next(gadj_iter *it, gadj *out, uint32_t max);
/* The relationships between node and other (direction dir seen from node, types as above), reported as
 * gview_expand(node) would report them (other == `other`). Walks whichever of the two nodes has fewer
 * adjacency entries, and tests the far end before anything else: MERGE's and MATCH's existence check of
 * (a)-[:T]->(b) costs the smaller degree, not a's. */
void gview_expand_into(gview *v, uint64_t node, gdir dir, const uint32_t *types, uint32_t n_types, uint64_t other,
                       gadj_iter *it);
uint64_t gview_degree(gview *v, uint64_t node, gdir dir, const uint32_t *types, uint32_t n_types);

/* ---- indexes and constraints ---- */
typedef enum { GINDEX_NODE = 0, GINDEX_REL = 1 } gindex_entity;
typedef struct gindex_info {
    const char *name;
    gindex_entity entity;
    uint32_t token;                /* label (nodes) or relationship type */
    uint32_t key;                  /* property key */
    bool unique;                   /* backs a uniqueness constraint */
    const char *constraint;        /* the constraint's name when unique, else NULL */
    uint64_t entries;
} gindex_info;
/* Indexes of the graph (SHOW INDEXES / SHOW CONSTRAINTS); array in a. */
uint32_t gview_indexes(gview *v, qv_arena *a, gindex_info **out);
/* Is there an index for (label, key) on nodes / (type, key) on relationships? */
bool gview_has_node_index(gview *v, uint32_t label, uint32_t key);
/* Nodes with the label whose property key equals value (openCypher equality: 1 = 1.0). Returns false
 * (iterator untouched) when no index exists. */
bool gview_node_index_seek(gview *v, uint32_t label, uint32_t key, qval value, gnode_iter *it);
bool gview_rel_index_seek(gview *v, uint32_t type, uint32_t key, qval value, grel_iter *it);

/* ---- writing (all through the transaction; ids are final when the call returns) ---- */
uint32_t gtxn_label(gtxn *t, const char *name, size_t len);   /* interns */
uint32_t gtxn_type(gtxn *t, const char *name, size_t len);
uint32_t gtxn_key(gtxn *t, const char *name, size_t len);
/* Storable values: null (= absent), bool, int, float, string, temporal, duration, and homogeneous lists
 * of those (no nulls). Anything else: QV_EINVAL. The graph copies the payload. */
bool gvalue_storable(qval v);
/* ext_id: QT_INT, QT_STRING, or null for a fresh UUID string. QV_EEXISTS when a live node has it. */
int gtxn_node_create(gtxn *t, const uint32_t *labels, uint32_t n_labels, const gprop *props, uint32_t n_props,
                     qval ext_id, uint64_t *out, qv_err *err);
/* QV_ECONSTRAINT when the node still has relationships and !detach (detach deletes them first). Deleting
 * an already deleted node (in this transaction) is a no-op. */
int gtxn_node_delete(gtxn *t, uint64_t node, bool detach, qv_err *err);
int gtxn_rel_create(gtxn *t, uint64_t src, uint64_t dst, uint32_t type, const gprop *props, uint32_t n_props,
                    uint64_t *out, qv_err *err);
/* As gtxn_rel_create, with the relationship's external id (null: none, it reads as "r<id>"): a string or an
 * integer (stored as its decimal string). QV_EEXISTS when a live relationship has it, QV_EINVAL for another type
 * or a reserved id (r<digits>). The change list's GCH_REL_CREATE carries it as its value. (grelid.c) */
int gtxn_rel_create_ext(gtxn *t, uint64_t src, uint64_t dst, uint32_t type, const gprop *props, uint32_t n_props,
                        qval ext_id, uint64_t *out, qv_err *err);
int gtxn_rel_delete(gtxn *t, uint64_t rel, qv_err *err);
/* Sets (or with a null value removes) one property. */
int gtxn_node_set_prop(gtxn *t, uint64_t node, uint32_t key, qval value, qv_err *err);
int gtxn_rel_set_prop(gtxn *t, uint64_t rel, uint32_t key, qval value, qv_err *err);
/* Removes every property (SET n = {...} first clears). */
int gtxn_node_clear_props(gtxn *t, uint64_t node, qv_err *err);
int gtxn_rel_clear_props(gtxn *t, uint64_t rel, qv_err *err);
int gtxn_node_add_label(gtxn *t, uint64_t node, uint32_t label, qv_err *err);
int gtxn_node_remove_label(gtxn *t, uint64_t node, uint32_t label, qv_err *err);
/* Schema: QV_EEXISTS / QV_ENOTFOUND unless if_(not_)exists. Creating a unique constraint over existing
 * duplicates fails with QV_ECONSTRAINT; a write that would break one fails the same way. */
int gtxn_create_index(gtxn *t, const char *name, gindex_entity ent, uint32_t token, uint32_t key,
                      bool if_not_exists, qv_err *err);
int gtxn_create_unique(gtxn *t, const char *name, uint32_t label, uint32_t key, bool if_not_exists, qv_err *err);
int gtxn_drop_index(gtxn *t, const char *name, bool if_exists, qv_err *err);
int gtxn_drop_constraint(gtxn *t, const char *name, bool if_exists, qv_err *err);

/* ---- the change list (WAL seam) ---- */
typedef enum {
    GCH_NODE_CREATE = 1, GCH_NODE_DELETE, GCH_REL_CREATE, GCH_REL_DELETE,
    GCH_NODE_SET, GCH_REL_SET,            /* value null = removed */
    GCH_NODE_CLEAR, GCH_REL_CLEAR,
    GCH_LABEL_ADD, GCH_LABEL_REMOVE,
    GCH_TOKEN,                             /* a name interned: kind in aux (0 label, 1 type, 2 key) */
    GCH_INDEX_CREATE, GCH_INDEX_DROP, GCH_CONSTRAINT_CREATE, GCH_CONSTRAINT_DROP,
} gchange_kind;
typedef struct gchange {
    uint8_t kind;                          /* gchange_kind */
    uint8_t aux;
    uint32_t token;                        /* label, type or key id */
    uint64_t id;                           /* node or relationship id */
    uint64_t src, dst;                     /* GCH_REL_CREATE */
    qval value;                            /* GCH_*_SET: the value; GCH_NODE_CREATE: the ext id;
                                              GCH_REL_CREATE: the user ext id (a string) or null;
                                              GCH_TOKEN / schema: the name as a string */
} gchange;
/* The transaction's changes so far, in order (valid until the next write or the end of t). */
const gchange *gtxn_changes(gtxn *t, size_t *n);
/* Called by gtxn_commit with the change list before publishing; a non-zero return aborts the commit
 * (the transaction is rolled back) with *err as the reason. One hook per graph, set by store/. */
typedef int (*gcommit_hook)(void *ctx, graph *g, uint64_t csn, const gchange *changes, size_t n, qv_err *err);
void graph_set_commit_hook(graph *g, gcommit_hook hook, void *ctx);

/* Folds the delta into a new CSR base now (normally a background thread decides). Readers are never
 * blocked; writers wait at most for the final swap. */
int graph_compact(graph *g, qv_err *err);
/* Waits until the generations retired so far are freed (a reaper thread frees them off the writer's path):
 * for measuring memory right after graph_compact. Takes the writer slot briefly. */
void graph_reap_wait(graph *g);

#endif
