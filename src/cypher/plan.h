/* plan.h — turning a parsed, checked query into an operator tree (exec.h).
 *
 * Owns: cy_plan_build (scoping and slot assignment, pattern planning with start-point choice from the
 * view's statistics, predicate push-down, projections and aggregation, updates, UNION, CALL) and
 * cy_plan_explain.
 * Must not: run anything, keep references to the view after returning.
 */
#ifndef QV_CYPHER_PLAN_H
#define QV_CYPHER_PLAN_H

#include "cypher/exec.h"
#include "cypher/proc.h"

typedef struct cy_procs cy_procs;

/* A new, empty plan (its arena is where the AST should be parsed). */
cy_plan *cy_plan_new(void);
void cy_plan_ref(cy_plan *p);
void cy_plan_unref(cy_plan *p);

/* Plans q (parsed in p->arena). v gives statistics (may be NULL). Compile-time errors only. */
int cy_plan_build(cy_plan *p, const struct cy_ast *q, cy_procs *procs, gview *v, cy_error *err);

/* The plan as text lines, one per operator (EXPLAIN). */
uint32_t cy_plan_explain(const cy_plan *p, qv_arena *a, const char ***lines);

#endif
