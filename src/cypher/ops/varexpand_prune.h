/* varexpand_prune.h — the pruning variable-length expands (see varexpand_prune.c): one row per reachable
 * end node instead of one per path; only where the planner proves the difference unobservable. */
#ifndef QV_CYPHER_OPS_VAREXPAND_PRUNE_H
#define QV_CYPHER_OPS_VAREXPAND_PRUNE_H

#include "cypher/ops/ops.h"

/* s->varlen with s->min_hops 0 or 1; s->rel is set to null on every row. */
xop *cy_op_varexpand_prune(cy_plan *p, xop *in, const cy_expand_spec *s);
/* s->varlen with s->min_hops 0 or 1; s->rel is set to the hops of one shortest trail to each end node (for a
 * named path read only as min(length(p))). */
xop *cy_op_varexpand_minpath(cy_plan *p, xop *in, const cy_expand_spec *s);

#endif
