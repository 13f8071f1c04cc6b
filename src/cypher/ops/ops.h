/* ops.h — constructors of the plan operators, one per file in cypher/ops/.
 *
 * Owns: the shapes the planner builds operators with. Every constructor allocates the operator in the
 * plan's arena; operators are immutable afterwards (their per-execution state is separate, exec.h).
 * Must not: hold per-execution data in a xop.
 */
#ifndef QV_CYPHER_OPS_H
#define QV_CYPHER_OPS_H

#include <string.h>

#include "cypher/ast.h"
#include "cypher/exec.h"

/* Common helper: allocate an operator of `size` bytes (>= sizeof(xop)) with vt and input. */
void *cy_op_alloc(cy_plan *p, size_t size, const cy_opvt *vt, xop *in);
/* Copies n bytes of src (which may be NULL when n would be 0) into the plan's arena. */
static inline void *cy_pdup(cy_plan *p, const void *src, size_t n) {
    void *d = qv_arena_zalloc(&p->arena, n ? n : 1);
    if (src && n) memcpy(d, src, n);
    return d;
}

/* Leaves. Argument yields the current row once per open (Once is an Argument at the top of a plan). */
xop *cy_op_argument(cy_plan *p);

/* Node scans: for each input row, every node (label NULL) or every node with the label. */
xop *cy_op_scan(cy_plan *p, xop *in, int32_t slot, const char *label);
/* For each input row: the node whose external id (~id) is the value of id_expr (0 or 1 rows). */
xop *cy_op_node_by_extid(cy_plan *p, xop *in, int32_t slot, const cy_expr *id_expr);
/* For each input row: nodes with label whose property key equals value (falls back to a label scan and a
 * filter when the index is gone at run time). */
xop *cy_op_index_seek(cy_plan *p, xop *in, int32_t slot, const char *label, const char *key,
                        const cy_expr *value);

/* Relationship uniqueness inside one MATCH: slots of relationships (or relationship lists) bound earlier
 * in the same pattern that a new relationship must differ from. */
typedef struct cy_uniq {
    const int32_t *slots;
    uint32_t n;
} cy_uniq;

typedef struct cy_expand_spec {
    int32_t from, rel, to;     /* rel may be a fresh slot for an anonymous relationship */
    const char **types;
    uint32_t n_types;
    cy_dir dir;                /* as written, from `from` towards `to` */
    bool into;                 /* to already bound: check it */
    cy_uniq uniq;
    /* var-length */
    bool varlen;
    int64_t min_hops, max_hops;
    const cy_expr *rel_props;  /* var-length: a CX_MAP every relationship must match, or NULL */
    bool reverse_list;         /* var-length planned against the written direction: list the hops backwards */
} cy_expand_spec;
xop *cy_op_expand(cy_plan *p, xop *in, const cy_expand_spec *s);
xop *cy_op_varexpand(cy_plan *p, xop *in, const cy_expand_spec *s);
/* Relationships of the spec's types (all if none) for each input row, binding rel, from (the pattern's left
 * node) and to (its right node) as the direction says. */
xop *cy_op_relscan(cy_plan *p, xop *in, const cy_expand_spec *s);
/* shortestPath / allShortestPaths between two bound nodes: binds rel (a list) and path. */
xop *cy_op_shortest(cy_plan *p, xop *in, const cy_expand_spec *s, int32_t path_slot, bool all);

/* Named path p = (a)-[r]->(b)...: nodes[n_rels+1] and rels[n_rels] slots (a var-length rel slot holds a
 * list of relationships). */
xop *cy_op_path(cy_plan *p, xop *in, int32_t path_slot, const int32_t *nodes, const int32_t *rels,
                  uint32_t n_rels);

xop *cy_op_filter(cy_plan *p, xop *in, const cy_expr *pred);
/* OPTIONAL MATCH: rows of inner (a plan over an Argument) or, when none, the input row with null_slots null. */
xop *cy_op_optional(cy_plan *p, xop *in, xop *inner, const int32_t *null_slots, uint32_t n_null);

xop *cy_op_project(cy_plan *p, xop *in, const cy_expr *const *exprs, const int32_t *slots, uint32_t n);

typedef enum {
    CY_AGG_COUNT = 1, CY_AGG_COUNT_STAR, CY_AGG_SUM, CY_AGG_AVG, CY_AGG_MIN, CY_AGG_MAX, CY_AGG_COLLECT,
    CY_AGG_STDEV, CY_AGG_STDEVP, CY_AGG_PCONT, CY_AGG_PDISC,
} cy_aggkind;
typedef struct cy_aggdef {
    cy_aggkind kind;
    const cy_expr *call;       /* the CX_CALL node (args) */
    int32_t slot;              /* output slot */
    bool distinct;
} cy_aggdef;
/* Groups input rows by the values of keys (written to key_slots) and computes the aggregates per group;
 * emits one row per group (the group's first row, keys and aggregate slots set). No keys and no input
 * rows: one row of empty aggregates. */
xop *cy_op_aggregate(cy_plan *p, xop *in, const cy_expr *const *keys, const int32_t *key_slots,
                       uint32_t n_keys, const cy_aggdef *aggs, uint32_t n_aggs);
/* Keeps the first row of each distinct combination of the slots' values. */
xop *cy_op_distinct(cy_plan *p, xop *in, const int32_t *slots, uint32_t n);

typedef struct cy_sortkey {
    const cy_expr *expr;
    bool desc;
} cy_sortkey;
/* Sorts by keys (ORDER BY orderability); with limit (an expression, or NULL) keeps only the top rows. */
xop *cy_op_sort(cy_plan *p, xop *in, const cy_sortkey *keys, uint32_t n, const cy_expr *skip,
                  const cy_expr *limit);
xop *cy_op_skiplimit(cy_plan *p, xop *in, const cy_expr *skip, const cy_expr *limit);
xop *cy_op_unwind(cy_plan *p, xop *in, const cy_expr *list, int32_t slot);
bool cy_op_unwind_stable(const xop *op);   /* UNWIND $param: nothing held in the arena across rows */
/* UNION ALL: rows of in (with left slots copied to out) then of in2 (right slots copied to out). */
xop *cy_op_union(cy_plan *p, xop *left, xop *right, const int32_t *lslots, const int32_t *rslots,
                   const int32_t *out, uint32_t n);
xop *cy_op_eager(cy_plan *p, xop *in);

/* ---- writes ---- */
typedef struct cy_cnode {
    int32_t slot;
    bool bound;                /* an existing variable: nothing created, labels/props must be absent */
    const char **labels;
    uint32_t n_labels;
    const cy_expr *props;      /* CX_MAP / CX_PARAM or NULL */
    uint32_t pos;
} cy_cnode;
typedef struct cy_crel {
    int32_t slot;
    uint32_t src, dst;         /* indexes into the pattern's nodes */
    const char *type;
    const cy_expr *props;
    uint32_t pos;
} cy_crel;
typedef struct cy_cpath {
    cy_cnode *nodes;
    uint32_t n_nodes;
    cy_crel *rels;
    uint32_t n_rels;
    int32_t path_slot;         /* -1 if unnamed */
    const int32_t *path_nodes; /* node order of the path (indexes into nodes) when named */
    bool merge;                /* MERGE: a null property value fails (MergeReadOwnWrites) */
} cy_cpath;
/* Creates the pattern for the current row (shared by CREATE and MERGE). */
int cy_create_paths(cy_x *x, const cy_cpath *paths, uint32_t n);
/* A path of one node, or of one relationship between bound nodes, created with the properties of a fused
 * `ON CREATE SET v = map` (replace) or `+= map` on that node or relationship. */
int cy_create_with(cy_x *x, const cy_cpath *p, qval extra, bool replace);
xop *cy_op_create(cy_plan *p, xop *in, const cy_cpath *paths, uint32_t n);

/* SET / REMOVE items with their variables resolved. */
typedef struct cy_setop {
    cy_set_kind kind;
    int32_t var_slot;          /* SET_ALL / SET_MERGE / SET_LABELS / REMOVE_LABELS */
    const cy_expr *target;     /* SET_PROP / REMOVE_PROP: the CX_PROP */
    const cy_expr *value;
    const char **labels;
    uint32_t n_labels;
    uint32_t pos;
} cy_setop;
int cy_apply_sets(cy_x *x, const cy_setop *items, uint32_t n);
xop *cy_op_set(cy_plan *p, xop *in, const cy_setop *items, uint32_t n);

/* MERGE: match (a plan over an Argument), or create; then ON MATCH / ON CREATE. */
xop *cy_op_merge(cy_plan *p, xop *in, xop *match, const cy_cpath *path, const cy_setop *on_create,
                   uint32_t n_on_create, const cy_setop *on_match, uint32_t n_on_match);
/* MERGE of one new node (or one new relationship between bound nodes) whose first ON CREATE item is
 * `SET v = map` / `SET v += map` not reading v: the map's properties go into the node or relationship as it
 * is created (one write instead of a create, a clear and a set per property). */
void cy_op_merge_fuse(xop *merge);
xop *cy_op_delete(cy_plan *p, xop *in, const cy_expr *const *exprs, uint32_t n, bool detach);
/* FOREACH: for each element (bound to slot) runs body (a plan over an Argument) to its end. */
xop *cy_op_foreach(cy_plan *p, xop *in, const cy_expr *list, int32_t slot, xop *body);

/* CALL proc(args) YIELD ...: out_slots[i] receives output column out_cols[i]. */
xop *cy_op_proccall(cy_plan *p, xop *in, const cy_proc *proc, const cy_expr *const *args, uint32_t nargs,
                      const uint32_t *out_cols, const int32_t *out_slots, uint32_t nout);

#endif
