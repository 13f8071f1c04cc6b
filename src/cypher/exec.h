/* exec.h — the runtime of the query engine: the execution context of one query run, the operator
 * interface and the plan.
 *
 * Owns: cy_x (what one execution carries: the row frame, the graph view / transaction, parameters, the
 * arena, statistics, limits), xop (an immutable plan operator, shared by every execution of a cached
 * plan) and cy_opstate (its per-execution state), cy_plan (the operator tree plus the facts the engine
 * needs: columns, whether it writes, subplans for pattern expressions).
 * Must not: parse or check queries (parse*.c, sema*.c), know the embedding API's result format.
 *
 * Model: operators pull rows from their input ("Volcano"): next() leaves one row in the shared frame
 * x->row (an array of qval slots; variables were resolved to slot indexes when planning). Leaves are
 * Once (one empty row) or Argument (the current row of an enclosing operator, for nested plans).
 * Operators that must see all rows first (sort, aggregate, eager, distinct state) copy frames.
 */
#ifndef QV_CYPHER_EXEC_H
#define QV_CYPHER_EXEC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cypher/func.h"
#include "graph/gview.h"
#include "util/arena.h"
#include "value/cyerr.h"
#include "value/value.h"

typedef struct cy_x cy_x;
typedef struct xop xop;
typedef struct cy_opstate cy_opstate;
typedef struct cy_plan cy_plan;
typedef struct cy_proc cy_proc;
typedef struct cy_engine cy_engine;
typedef struct cy_expr cy_expr;
struct cy_ast;

/* Write statistics; the same layout as cy_stats of cypher.h (kept separate so that the operators need not
 * see the embedded API). */
typedef struct cy_xstats {
    uint64_t nodes_created, nodes_deleted;
    uint64_t rels_created, rels_deleted;
    uint64_t props_set;
    uint64_t labels_added, labels_removed;
    uint64_t indexes_added, indexes_removed, constraints_added, constraints_removed;
} cy_xstats;

typedef struct cy_opvt {
    const char *name;
    size_t state_size;     /* bytes of the op's cy_opstate-derived struct */
    /* (Re)starts the operator for a new input row of an enclosing operator; states are zeroed once. */
    int (*open)(cy_opstate *s, cy_x *x);
    /* 1: a row is in x->row; 0: exhausted; -1: error in *x->err. */
    int (*next)(cy_opstate *s, cy_x *x);
    /* Optional detail for EXPLAIN (arena string). */
    const char *(*explain)(const xop *op, qv_arena *a);
} cy_opvt;

#define CY_OP_MAX_KIDS 2
struct xop {
    const cy_opvt *vt;
    xop *in;             /* input (NULL for leaves) */
    xop *in2;            /* a nested plan (optional / merge / apply / union right / foreach body) */
    uint32_t id;           /* index in the plan, for states */
    double est;            /* estimated rows (explain) */
};

struct cy_opstate {
    const xop *op;
    cy_opstate *in, *in2;
};

/* Runs a state's open/next (with the tick for timeouts and cancellation). */
int cy_op_open(cy_opstate *s, cy_x *x);
static inline int cy_op_next(cy_opstate *s, cy_x *x) { return s->op->vt->next(s, x); }
/* Builds the state tree of op (states zeroed, in x's state arena). */
cy_opstate *cy_op_instantiate(const xop *op, cy_x *x);

/* A plan: immutable after planning, shared by executions (refcounted by the plan cache). */
struct cy_plan {
    qv_arena arena;        /* the AST, the operators, names */
    xop *root;
    uint32_t nslots;
    uint32_t ncols;
    const char **colnames;
    int32_t *colslots;
    bool writes;           /* CREATE/MERGE/SET/REMOVE/DELETE/schema: runs in a transaction */
    bool schema;           /* a schema statement (schema fields below) */
    bool stats_sensitive;  /* a start point was chosen from label counts: re-plan when the graph grows */
    uint64_t stat_nodes;   /* the graph's node count when planned */
    bool row_local;        /* read-only pipeline whose only values held across rows come from the graph:
                              the result may release each row's memory before producing the next */
    const struct cy_ast *q;  /* the AST (schema statements read it) */
    xop **subs;            /* nested plans of pattern predicates / comprehensions / EXISTS (by index) */
    int32_t *sub_vals;     /* per nested plan: the slot holding its value (shortestPath), or -1 */
    uint32_t nsubs, capsubs;
    const cy_fn **fns;     /* scalar functions of CX_CALL nodes (by index in expr->slot) */
    uint32_t nfns, capfns;
    uint32_t nops;
    _Atomic int refs;
    const char *text;      /* query text (arena copy) */
};

/* A small per-execution cache of property key ids (names copied: map keys may live in released memory). */
#define CY_KCACHE 64
#define CY_KCACHE_LEN 31
typedef struct cy_kcache_ent {
    uint32_t id;
    uint8_t len;           /* 0: empty */
    char name[CY_KCACHE_LEN];
} cy_kcache_ent;

/* The execution of one query. */
struct cy_x {
    qv_arena *arena;       /* values of the query (rows, results) */
    gview *v;
    gtxn *t;               /* NULL for a read-only query */
    qval params;
    qval *row;             /* nslots */
    uint32_t nslots;
    const cy_plan *plan;
    cy_opstate **subs;     /* instantiated subplan states (lazily) */
    cy_fnctx fc;
    uint64_t rand_state;
    cy_xstats stats;
    cy_error *err;
    cy_engine *eng;
    /* limits */
    uint64_t deadline_ns;  /* 0 = none */
    uint64_t memory_limit;
    atomic_bool *cancel;
    uint32_t tick;
    /* DELETE of a node that still had relationships: checked again before commit (the relationships
     * may be deleted later in the same query). */
    uint64_t *pending_deletes;
    uint32_t n_pending, cap_pending;
    /* The id expression NodeByExtId last evaluated and its value: MERGE clears it before its match runs for a
     * row, so that its create of that row can reuse the value (ops/merge_node.c). */
    const cy_expr *extid_expr;
    qval extid_val;
    cy_kcache_ent kcache[CY_KCACHE];
    cy_kcache_ent lcache[CY_KCACHE / 4];   /* label ids */
    /* label / type names of the plan (stable pointers) interned by this query's writes or found by its label
     * predicates */
    struct { const char *name; uint32_t id; uint8_t kind; } icache[16];
    uint32_t n_icache;
};

/* gtxn_label (kind 0) / gtxn_type (kind 1) of a name the plan holds (its pointer is stable while the query
 * runs), interned once per query: the first call records the name in the transaction, later ones reuse it. */
uint32_t cy_x_intern_name(cy_x *x, const char *name, int kind);
/* cy_x_label of a name the plan holds: found once per query (ids of existing labels never change). */
int64_t cy_x_plan_label(cy_x *x, const char *name);

/* Checks timeout, cancellation and memory every so often; -1 with x->err set when over. */
int cy_x_check(cy_x *x);
static inline int cy_x_tick(cy_x *x) {
    if (x->memory_limit && x->arena->total > x->memory_limit) return cy_x_check(x);
    if ((++x->tick & 1023) != 0) return 0;
    return cy_x_check(x);
}

/* Maps a graph error to a runtime cy_error (QV_EEXISTS -> CYE_DUPLICATE_ID, QV_ECONSTRAINT -> ...). */
int cy_x_graph_err(cy_x *x, const qv_err *ge, int32_t pos);

/* Deletes deferred because the node still had relationships: retried before commit. */
int cy_x_finish_deletes(cy_x *x);

/* Nested plan states by index (instantiated on first use). */
cy_opstate *cy_x_sub(cy_x *x, uint32_t i);

/* Copies the frame / restores it (materialising operators). */
static inline void cy_row_save(const cy_x *x, qval *dst) {
    for (uint32_t i = 0; i < x->nslots; i++) dst[i] = x->row[i];
}
static inline void cy_row_load(cy_x *x, const qval *src) {
    for (uint32_t i = 0; i < x->nslots; i++) x->row[i] = src[i];
}

/* A set of value tuples under grouping equivalence (DISTINCT, aggregation keys, UNION). */
typedef struct cy_rowset {
    uint32_t w;            /* values per tuple */
    qval *keys;            /* n * w */
    uint64_t *hashes;
    uint32_t n, cap;
    uint32_t *tab;         /* open addressing: index + 1 */
    uint32_t tcap;
} cy_rowset;
void cy_rowset_init(cy_rowset *s, uint32_t w);
/* The tuple's index; adds it (the 16-byte values are copied) when new and sets *added. */
uint32_t cy_rowset_add(cy_rowset *s, qv_arena *a, const qval *key, bool *added);

/* Property key id for name in the query's view, -1 if unknown (reads). */
int64_t cy_x_key(cy_x *x, const char *name);
/* Label id for name, -1 if unknown. */
int64_t cy_x_label(cy_x *x, const char *name);
/* The key's id, interned in the transaction (writes). */
uint32_t cy_x_intern_key(cy_x *x, const char *name, size_t len);

#endif
