/* expand_common.h — helpers shared by the expand operators: type resolution, direction mapping and the
 * relationship-uniqueness check of one MATCH pattern. Must not: iterate adjacency itself. */
#ifndef QV_CYPHER_OPS_EXPAND_COMMON_H
#define QV_CYPHER_OPS_EXPAND_COMMON_H

#include <string.h>

#include "cypher/ops/ops.h"

#define CY_MAX_TYPES 32

static inline gdir cy_gdir(cy_dir d) {
    return d == CY_DIR_RIGHT ? GDIR_OUT : d == CY_DIR_LEFT ? GDIR_IN : GDIR_BOTH;
}

/* Resolves type names; returns false when none of them exists (no relationship can match). *n = 0 means
 * any type. */
static inline bool cy_resolve_types(cy_x *x, const cy_expand_spec *s, uint32_t *ids, uint32_t *n) {
    *n = 0;
    if (s->n_types == 0) return true;
    for (uint32_t i = 0; i < s->n_types && *n < CY_MAX_TYPES; i++) {
        int64_t t = gview_type_id(x->v, s->types[i], strlen(s->types[i]));
        if (t >= 0) ids[(*n)++] = (uint32_t)t;
    }
    return *n > 0;
}

/* Is rel different from every relationship already bound in the pattern? */
static inline bool cy_rel_unique(const cy_x *x, const cy_uniq *u, uint64_t rel) {
    for (uint32_t i = 0; i < u->n; i++) {
        qval v = x->row[u->slots[i]];
        if (v.type == QT_REL) {
            if (v.id == rel) return false;
        } else if (v.type == QT_LIST) {
            for (uint32_t j = 0; j < v.len; j++)
                if (v.items[j].type == QT_REL && v.items[j].id == rel) return false;
        }
    }
    return true;
}

/* relscan.c: the relationship whose external id (`~id`) is the value of id_expr, for each input row, bound
 * with both end nodes as cy_op_relscan binds them (spec types and direction checked; s->uniq respected). With
 * from_bound (an expansion from the bound s->from) and s->into, a bound end must be the relationship's. */
xop *cy_op_rel_by_extid(cy_plan *p, xop *in, const cy_expand_spec *s, const cy_expr *id_expr, bool from_bound);

#endif
