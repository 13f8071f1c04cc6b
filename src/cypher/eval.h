/* eval.h — evaluating openCypher expressions over the current row.
 *
 * Owns: the value of an expression (resolved by the planner: variables carry slots, function calls carry
 * their registry entry, pattern expressions their nested plan) under openCypher's rules: three-valued
 * logic, null propagation, property access on entities / maps / temporal values, list and map indexing,
 * comprehensions, quantifiers, CASE, and the runtime errors openCypher specifies.
 * Must not: plan, write to the graph, keep state between calls (everything lives in cy_x).
 */
#ifndef QV_CYPHER_EVAL_H
#define QV_CYPHER_EVAL_H

#include <string.h>

#include "cypher/ast.h"
#include "cypher/exec.h"

/* Evaluates e on x->row into *out (payloads in x->arena). -1 with x->err set on a runtime error. */
int cy_eval(cy_x *x, const cy_expr *e, qval *out);
/* A predicate (WHERE, filters): true only for boolean true; null and false are "not true". A
 * non-boolean value fails with TypeError. */
int cy_eval_pred(cy_x *x, const cy_expr *e, bool *out);

/* Property of a node / relationship value by name (null when absent; EntityNotFound when deleted). */
int cy_eval_entity_prop(cy_x *x, qval ent, const char *key, qval *out, int32_t pos);
/* All properties of a node / relationship as a map. */
int cy_eval_entity_props(cy_x *x, qval ent, qval *out, int32_t pos);

/* A map minus some keys, without copying it: removeKeyFromMap(removeKeyFromMap(m, 'a'), 'b') is m without a
 * and b (Nodestream's SET n = / += removeKeyFromMap(param, "__node_id"), once per ingested row). */
#define CY_MAPDROP_MAX 4
typedef struct cy_mapdrop {
    bool storable;         /* set by a caller that checked every value not dropped (no second check) */
    uint32_t n;
    const char *key[CY_MAPDROP_MAX];
    uint32_t len[CY_MAPDROP_MAX];
} cy_mapdrop;
/* As cy_eval, except that removeKeyFromMap calls with a literal key around the expression are not applied
 * when their map is a map: their keys are listed in *drop instead, and the caller skips those entries of *out
 * (cy_mapdrop_has). In every other case (null, not a map, errors) *out is cy_eval's result, drop->n = 0. */
int cy_eval_map_drop(cy_x *x, const cy_expr *e, qval *out, cy_mapdrop *drop);
static inline bool cy_mapdrop_has(const cy_mapdrop *d, const char *key, uint32_t klen) {
    for (uint32_t i = 0; d && i < d->n; i++)
        if (d->len[i] == klen && memcmp(d->key[i], key, klen) == 0) return true;
    return false;
}

/* Marker for aggregate calls resolved to a row slot: expr->slot = CY_AGG_SLOT(slot). */
#define CY_AGG_SLOT(s) (-2 - (int32_t)(s))
#define CY_AGG_SLOT_OF(v) (-2 - (v))

#endif
