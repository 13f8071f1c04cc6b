/* gdelta.h — the writable side of a graph: the delta of committed changes over the immutable base (internal).
 *
 * Owns: the structures behind gview.h (docs/write-path.md explains them): node/relationship slots in chunked
 * arrays that never move, per-entity version chains stamped with commit sequence numbers (CSN), per-node delta
 * adjacency vectors, the published snapshot record, epochs for freeing what readers may still see, the label
 * index, the external-id index over new nodes, property indexes, the single-writer ticket lock.
 * Must not: be included outside src/graph; be changed by anyone but the graph's one writer (readers only load).
 */
#ifndef QV_GDELTA_H
#define QV_GDELTA_H

#define GDELTA_WAIT_CVS 16   /* writer-slot condition variables (queued writers beyond this share them) */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "graph/gcommit.h" /* wal helper: group-commit hooks (gtxn.c) */
#include "graph/gmem_pack.h"
#include "graph/graph.h"
#include "graph/gview.h"
#include "util/arena.h"
#include "util/buf.h"

#define GCHUNK_BITS 14                   /* slots per chunk: 16384 */
#define GCHUNK_SIZE (1ull << GCHUNK_BITS)
#define GDIR_SIZE (1ull << 18)           /* chunks: ids up to 2^32 */
#define GMAX_NAMES 65536u                /* labels, types, keys of a written graph */
#define GMAX_INDEXES 1024u
#define GEPOCHS 64u
#define GCSN_NEVER UINT64_MAX

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* A growable id vector readers scan lock-free: entries are written before n is published; growth copies into
 * a new vector, publishes it, and retires the old one. */
typedef struct gvec {
    uint64_t n, cap;          /* cap | GVEC_ARENA: in its generation's value arena (gvec_push_adj) */
    uint64_t a[];
} gvec;

/* One version of a node: its whole state (labels sorted, properties sorted by key) from csn on. */
typedef struct gnver {
    uint64_t csn;
    struct gnver *older;
    bool deleted;
    bool own_labels, own_props;   /* re-allocated on their own while pending (else inline after the struct) */
    bool arena;               /* a new node's first version, in its generation's value arena (as grver.arena) */
    uint32_t ncols;           /* base columns that existed when it was made: later ones are read from the base */
    uint32_t n_labels, cap_labels;
    uint32_t n_props, cap_props;
    uint32_t *labels;
    gprop *props;
} gnver;

typedef struct grver {
    uint64_t csn;
    struct grver *older;
    bool deleted;
    bool own_props;
    bool arena;               /* a new relationship's first version, in its generation's value arena: freed with
                                 the generation, not on its own (grver_free leaves it) */
    uint32_t n_props, cap_props;
    gprop *props;
} grver;

typedef struct gnslot {
    gnver *ver;               /* newest first; NULL: base state (base nodes) or nonexistent (new ids) */
    gvec *out, *in;           /* relationships created after the base, by id */
    qval ext;                 /* new nodes: the external id (payload in the delta's value arena) */
} gnslot;

typedef struct grslot {
    grver *ver;
    uint64_t src, dst;        /* new relationships */
    uint32_t type;
} grslot;

/* What a view needs to know about one commit; immutable once published. */
typedef struct gsnap {
    uint64_t csn;
    uint64_t n_nodes, n_rels;           /* id high-water marks */
    uint64_t node_count, rel_count;     /* live */
    uint32_t n_labels, n_types;
    uint64_t *label_count, *type_count; /* live per label / type (inline after the struct) */
} gsnap;

/* A generation: the CSR both ways over every relationship committed up to csn (the loader's arrays for the
 * first generation, rebuilt ones after a compaction), plus the slots, version chains, delta adjacency and label
 * lists of everything written since. Views read the generation they opened on; compaction swaps in a new one
 * and retires the old one until its readers are gone. */
typedef struct ggen {
    uint64_t csn;                   /* state folded into the CSR */
    uint64_t n_csr;                 /* nodes the CSR covers */
    const uint64_t *out_off, *in_off;   /* n_csr + 1 */
    const uint32_t *out_tgt;
    const uint32_t *out_rel;        /* relationship id per out position; NULL: the position is the id (loader) */
    const uint32_t *in_rel, *in_src;
    bool owned;                     /* the CSR arrays are the generation's (compacted), not the graph's */
    gnslot **ndir;                  /* GDIR_SIZE chunk pointers */
    grslot **rdir;
    /* label index: lists of the nodes labelled when the generation was made (for the first generation built
     * on first need: ggen_label_lists) and per-label vectors of nodes labelled since */
    uint32_t n_blab;
    uint64_t **blab;                /* valid once blab_built */
    uint64_t *blab_n;               /* always valid: the lists' lengths */
    bool blab_built;
    gvec **lab_delta;               /* GMAX_NAMES holders */
    qv_arena vals;                  /* payloads of property values and ids written in this generation (writer) */
    /* what the compaction that made this generation packed (gmem_pack.h; NULL in the first generation): the
     * entities created after the loader's base that were live at its snapshot, read when they have no version */
    struct gpack *npack, *rpack;
    struct gxtab *ext;              /* external ids of nodes created since (npack indexes the packed ones) */
    struct grelid *relid;           /* relid helper: relationships' user ids (grelid.h), NULL until one is set */
    uint64_t carried;               /* versions its compaction's catch-up carried over: the next one folds them */
} ggen;

/* Property index: distinct values -> posting vectors of entity ids (verified on read). */
typedef struct gpbucket {
    uint64_t hash;            /* 0 = empty; published last */
    qval value;
    gvec **post;              /* a cell of its own (delta arena): it stays put when the table grows, so that a
                                 rollback can restore the vector's length through it (gtxn undo list) */
} gpbucket;
typedef struct gptab {
    uint64_t mask, used;
    gpbucket b[];
} gptab;
typedef struct gpindex {
    char *name;
    char *constraint;         /* unique: the constraint's name */
    gindex_entity entity;
    uint32_t token, key;
    bool unique;
    uint64_t created_csn;     /* GCSN_NEVER: rolled back */
    uint64_t dropped_csn;     /* GCSN_NEVER: live */
    gptab *tab;
} gpindex;

/* External ids of nodes created after the base: hash -> node id, verified against the node on read. */
typedef struct gxent { uint64_t hash, id; } gxent;
typedef struct gxtab {
    uint64_t mask, used;
    gxent e[];
} gxtab;

typedef struct ggarbage {
    void *p;
    void (*fn)(void *);
} ggarbage;

typedef struct gdelta {
    graph *g;
    /* the writer slot: a FIFO ticket lock; a waiter sleeps on wcv[its ticket % GDELTA_WAIT_CVS], so a
     * release wakes the next writer only, not every queued one */
    pthread_mutex_t wmu;
    pthread_cond_t wcv[GDELTA_WAIT_CVS];
    uint64_t ticket_next, ticket_serving;
    gcommit_hook hook;
    void *hook_ctx;
    gcommit_append append;          /* wal helper: group commit (gcommit.h); set instead of hook */
    gcommit_wait wait;

    gsnap *snap;                    /* published: the last commit */
    ggen *gen;                      /* published: the current generation */
    uint64_t nodes_hwm, rels_hwm;   /* writer's high-water marks (pending ids included) */
    uint64_t base_nodes, base_rels; /* ids below are the loader's (graph columns, ext ids, relationship arrays) */
    qv_arena vals;                  /* index keys and token names (writer only; property values: ggen.vals) */
    uint32_t *base_src;             /* source of each loader relationship, built on first need (published) */
    /* per name kind (label, type, key) and id: 0 not in any commit (interned by a rolled-back transaction),
     * 1 durable (loaded, or in a committed GCH_TOKEN), 2 recorded by the running transaction (writer only) */
    uint8_t *tok_state[3];
    uint32_t tok_cap[3];
    uint64_t changes;               /* relationships created or deleted since the last compaction */
    uint64_t compact_min;           /* trigger at max(this (0: 65536), 10% of relationships) changes */
    bool compact_off;
    uint64_t compactions;           /* generations swapped in (atomic) */
    bool compacting;                /* a background compaction thread was started (and not joined yet) */
    bool compact_done;              /* it has finished (atomic) */
    pthread_t compactor;

    pthread_t reaper;               /* frees retired generations off the writer's path (writer starts / joins) */
    bool reaping;                   /* started and not joined yet */

    gtxn *spare;                    /* the last transaction, its buffers kept for the next one (writer only) */
    gpindex *idx[GMAX_INDEXES];
    uint32_t n_idx;

    /* epochs: readers pin the current one; garbage retired in epoch e is freed once no reader pins <= e */
    uint64_t epoch, oldest;
    int64_t readers[GEPOCHS];
    uint64_t epoch_csn[GEPOCHS];    /* the published csn when the epoch began: its readers' snapshots are >= it */
    ggarbage *garbage[GEPOCHS];
    uint32_t n_garbage[GEPOCHS], cap_garbage[GEPOCHS];
} gdelta;

struct gview {
    graph *g;
    gdelta *d;
    ggen *gen;
    const gsnap *s;
    uint64_t snap;
    gtxn *t;                        /* the transaction's own view, or NULL */
    uint32_t pin;                   /* epoch slot */
    qv_arena a;                     /* values converted from base columns (lists) */
    /* the last external id a lookup did not find, with the generation, its external-id table and the table's
     * fill at that time: while all are unchanged it still names no node (MERGE looked it up just before gtxn_node_create checks it) */
    bool miss_valid;
    uint8_t miss_type;
    uint32_t miss_len;
    const void *miss_gen, *miss_tab;
    uint64_t miss_used;
    int64_t miss_int;
    uint64_t miss_hash;             /* gext_hash(x) | 1 when the lookup computed it, else 0 */
    char miss_str[64];
};

typedef struct gundo_vec {
    gvec **holder;
    uint64_t n;
} gundo_vec;

#define GPUSH(arr, n, cap, x)                                                   \
    do {                                                                        \
        if ((n) == (cap)) {                                                     \
            (cap) = (cap) ? (cap) * 2 : 16;                                     \
            (arr) = qv_realloc((arr), (size_t)(cap) * sizeof *(arr));           \
        }                                                                       \
        (arr)[(n)++] = (x);                                                     \
    } while (0)

struct gtxn {
    graph *g;
    gdelta *d;
    gview view;
    uint64_t csn;                   /* last_csn + 1: stamps every version this transaction makes */
    uint64_t nodes_hwm0, rels_hwm0; /* at begin */
    uint32_t n_idx0;
    uint64_t node_count, rel_count; /* live, as the transaction sees them */
    uint64_t rel_changes;           /* relationships created or deleted (the compaction trigger) */
    uint64_t *label_count, *type_count;
    uint32_t n_lc, n_tc;
    uint64_t *cow_n, *cow_r;        /* nodes / relationships whose newest version is this transaction's */
    uint32_t n_cow_n, cap_cow_n, n_cow_r, cap_cow_r;
    gundo_vec *uv;                  /* vector lengths to restore on rollback (adjacency, label lists) */
    uint32_t n_uv, cap_uv;
    gpindex **dropped;
    uint32_t n_dropped, cap_dropped;
    gchange *ch;
    size_t n_ch, cap_ch;
    uint32_t n_tok_ch;              /* GCH_TOKEN changes among them (commit / rollback settle only those) */
    uint64_t *lset;                 /* (label << 32 | node) pushed to a label list by this transaction */
    uint64_t lset_mask, lset_used;
    bool replay, replay_wrote;      /* wal helper: gtxn_begin_replay (gcommit.h): no change list kept, */
    gxent *rext;                    /* and new nodes' external ids indexed at commit (gext_insert_many) */
    uint64_t n_rext, cap_rext;
};

/* gdelta.c */
gdelta *gdelta_get(graph *g);                         /* creates it on first use */
gsnap *gdelta_snap_new(uint32_t n_labels, uint32_t n_types);   /* zeroed counts; free() frees it */
void gdelta_free(gdelta *d);
void gtx_spare_free(gtxn *t);                         /* gtxn.c: frees a kept transaction and its buffers */
const uint32_t *gdelta_base_src(gdelta *d);           /* any thread: built once, O(relationships) */
uint32_t gdelta_pin(gdelta *d);
void gdelta_unpin(gdelta *d, uint32_t slot);
void gdelta_retire(gdelta *d, void *p, void (*fn)(void *));   /* writer only */
void gdelta_reclaim(gdelta *d);                               /* writer only: advance, free what is safe */
/* Every open view's snapshot csn is >= this (writer only): versions older than the newest one at or below it
 * can be unlinked and freed. */
static inline uint64_t gdelta_horizon(const gdelta *d) { return d->epoch_csn[d->oldest % GEPOCHS]; }
gnslot *gdelta_nslot(const ggen *gen, uint64_t id);          /* NULL when never written */
grslot *gdelta_rslot(const ggen *gen, uint64_t id);
gnslot *gdelta_nslot_make(ggen *gen, uint64_t id);
grslot *gdelta_rslot_make(ggen *gen, uint64_t id);
ggen *ggen_new(void);                                         /* empty slots and label lists, no CSR */
uint64_t *const *ggen_label_lists(gdelta *d, ggen *gen);
void ggen_free(void *gen);
void gnver_free(void *p);
void grver_free(void *p);
/* Appends x to *holder (writer only); returns the length before. */
uint64_t gvec_push(gdelta *d, gvec **holder, uint64_t x);
/* gvec_push for a node's adjacency vector (out / in) in generation gen: a holder's first vector (4 entries) comes
 * from gen's value arena (cap | GVEC_ARENA), so that the vectors of a relationship load are not one malloc and,
 * later, one free each; a grown one is malloc'd as usual and the arena one left to its generation. */
#define GVEC_ARENA (1ull << 63)   /* in cap: the vector is in its generation's arena */
uint64_t gvec_push_adj(gdelta *d, ggen *gen, gvec **holder, uint64_t x);
void gvec_free(void *v);   /* free() unless in an arena */
static inline uint64_t gvec_len(const gvec *v) { return v ? LOAD(&v->n) : 0; }
/* Entry i (< a length the reader loaded); relaxed: entries past a rollback may be rewritten meanwhile, and
 * such entries are never visible to the reader anyway. */
static inline uint64_t gvec_at(const uint64_t *a, uint64_t i) { return __atomic_load_n(&a[i], __ATOMIC_RELAXED); }
void gext_insert(gdelta *d, uint64_t hash, uint64_t node);                 /* into the current generation's */
void gext_insert_gen(gdelta *d, ggen *gen, uint64_t hash, uint64_t node);   /* writer, or a generation not yet published */
/* wal helper: n entries (hash already | 1) at once into the current generation's, sized once and placed in
 * slot order (log replay). Returns how many pairs of node ids of one hash it met, in *same (caller frees). */
typedef struct gxpair { uint64_t a, b; } gxpair;
uint64_t gext_insert_many(gdelta *d, const gxent *e, uint64_t n, gxpair **same);
/* Replay's error for two live nodes a and b under one external id (-1). */
int gext_err_taken(qv_err *err, uint64_t a, uint64_t b, qval ext);

/* gval.c */
bool gval_eq(qval a, qval b);                  /* openCypher '=' is true (storable values) */
bool gval_same(qval a, qval b);                /* the very same value: type and every field (SET can be skipped) */
uint64_t gval_hash(qval v);                    /* consistent with gval_eq (1 and 1.0 hash alike) */
qval gval_copy(qv_arena *a, qval v);           /* deep copy of a storable value */
qval gcol_value(const gcolumn *c, uint64_t row, qv_arena *a);   /* a base column cell (caller checked presence) */
int gprop_cmp(const void *a, const void *b);

/* gview.c (shared with gtxn.c and gindex.c) */
const gnver *gv_node_ver(const gview *v, uint64_t id);
bool gv_node_live(const gview *v, uint64_t id);
/* The live node of external id x (an integer or a string) among the loader's base and the generation's pack,
 * not the table of nodes created since (replay, whose own creations gext_insert_many checks). */
uint64_t gv_node_by_packed_ext_id(gview *v, qval x);
uint64_t gv_node_by_new_ext_id(gview *v, qval x);   /* the rest: the table of nodes created since */
bool gv_rel_live(const gview *v, uint64_t id);
uint64_t gv_nodes_end(const gview *v);
uint64_t gv_rels_end(const gview *v);
void gv_init(gview *v, graph *g, gdelta *d);
uint64_t gext_hash(qval x);                    /* external ids: an int and a string never collide by design */
bool gv_ext_missing(const gview *v, qval x);   /* v's last lookup of x found nothing and nothing was added since */

/* gcompact.c */
void gcompact_maybe(gdelta *d);                /* writer, after a commit: starts a background compaction */
void gcompact_free_arrays(ggen *gen);          /* ggen_free of an owned generation: its CSR and label lists */
/* graph_compact in its two steps (tests interleave commits): the build from a snapshot, without the writer
 * slot; then, holding it, the catch-up with what was committed meanwhile and the swap. */
typedef struct gcompaction gcompaction;
gcompaction *gcompact_begin(graph *g, qv_err *err);
int gcompact_finish(gcompaction *c, qv_err *err);
/* The background trigger: on/off, and its minimum (tests). */
void graph_set_compact_trigger(graph *g, bool on, uint64_t min_changes);

/* gindex.c */
gpindex *gindex_find(const gview *v, gindex_entity ent, uint32_t token, uint32_t key);
void gindex_insert(gdelta *d, gpindex *ix, qval value, uint64_t id);
/* The posting vector value's id goes to (created empty if needed; NULL: the value is not indexed). The writer
 * appends through it; gwrite.c records its length in the transaction's undo list first. */
gvec **gindex_posting(gdelta *d, gpindex *ix, qval value);
void gindex_free(gpindex *ix);
/* The live entity (other than self) that already has value under ix, as t sees it, or GID_NONE. */
uint64_t gindex_conflict(gview *v, gpindex *ix, qval value, uint64_t self);
/* Does entity id (at v) qualify for ix with this value: live, has the label / type, value equal. */
bool gindex_matches(gview *v, const gpindex *ix, uint64_t id, qval value);

#endif
