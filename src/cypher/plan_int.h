/* plan_int.h — the planner's internal state, shared by plan*.c.
 * Must not: be included outside the planner. */
#ifndef QV_CYPHER_PLAN_INT_H
#define QV_CYPHER_PLAN_INT_H

#include "cypher/ops/ops.h"
#include "cypher/plan.h"

enum { SYM_VALUE = 0, SYM_NODE, SYM_REL, SYM_PATH };

typedef struct sym {
    const char *name;
    int32_t slot;
    uint8_t kind;
} sym;

typedef struct scope {
    sym *v;
    uint32_t n, cap;
} scope;

typedef struct pctx {
    cy_plan *p;
    cy_procs *procs;
    gview *v;
    cy_error *err;
    scope sc;
    bool wrote;        /* an earlier clause of this query part writes (since the last eager) */
    bool read;         /* an earlier clause reads the graph (since the last eager) */
    uint32_t depth;
    bool prune_varlen; /* the MATCH being planned may use the pruning var-length expand (plan.c decides) */
    bool minpath_varlen; /* ... the shortest-trail var-length expand (its path is read only as min(length)) */
} pctx;

int32_t pl_slot(pctx *c);
void sc_push(pctx *c, const char *name, int32_t slot, uint8_t kind);
const sym *sc_find(const scope *s, const char *name);
scope sc_copy(pctx *c, const scope *s);

/* Resolves variables, functions and nested plans of e in the current scope. */
int pl_expr(pctx *c, cy_expr *e);
/* Adds the referenced slots of e to set (a bitmap over slots, nslots bits). */
void pl_expr_slots(const cy_expr *e, uint8_t *set, uint32_t nset, bool *opaque);
cy_expr *pl_mk_var(pctx *c, const char *name, int32_t slot, uint32_t pos);
cy_expr *pl_mk_prop(pctx *c, cy_expr *base, const char *key, uint32_t pos);
cy_expr *pl_mk_bin(pctx *c, cy_op op, cy_expr *a, cy_expr *b, uint32_t pos);
cy_expr *pl_mk_labels(pctx *c, cy_expr *a, const char **labels, uint32_t n, uint32_t pos);

/* Plans a MATCH pattern over in; WHERE pushed down. Adds the pattern's variables to the scope. */
typedef struct pl_slots {
    int32_t **n, **r;   /* [path][node], [path][rel] */
    int32_t *p;         /* [path]: path variable slot or -1 */
} pl_slots;
int pl_match(pctx *c, xop **in, cy_pattern *pat, cy_expr *where, pl_slots *out);
/* Plans the clauses of one single query part over in. RETURN fills the column info when top. */
int pl_clauses(pctx *c, xop **in, cy_clause **cl, uint32_t n, bool top, const char ***cols, int32_t **colslots,
               uint32_t *ncols);
/* Updating clauses (plan_update.c). */
int pl_create(pctx *c, xop **in, cy_clause *cl);
int pl_merge(pctx *c, xop **in, cy_clause *cl);
int pl_set(pctx *c, xop **in, cy_clause *cl);
int pl_delete(pctx *c, xop **in, cy_clause *cl);
int pl_foreach(pctx *c, xop **in, cy_clause *cl);
int pl_call(pctx *c, xop **in, cy_clause *cl, bool standalone, const char ***cols, int32_t **colslots,
            uint32_t *ncols);
int pl_setops(pctx *c, cy_set_item *items, uint32_t n, cy_setop **out);

#endif
