/* write_common.h — what the writing operators share: turning a map of values into graph properties
 * (storability checks, `~id` handling) and the deferred checks of DELETE.
 * Must not: write anything itself. */
#ifndef QV_CYPHER_OPS_WRITE_COMMON_H
#define QV_CYPHER_OPS_WRITE_COMMON_H

#include "cypher/eval.h"
#include "cypher/ops/ops.h"

#define CY_EXT_ID_KEY "~id"

/* Converts a property map (qval map; nulls and drop's keys skipped) into gprops interned in the transaction. *ext_id
 * receives a `~id` entry when ext_id is not NULL (else `~id` entries are ignored). */
int cy_props_from_map(cy_x *x, qval map, const cy_mapdrop *drop, gprop **out, uint32_t *n, qval *ext_id, int32_t pos);
/* cy_create_with (ops.h) for a map whose drop keys are not part of it (cy_eval_map_drop). */
int cy_create_with_drop(cy_x *x, const cy_cpath *p, qval extra, const cy_mapdrop *drop, bool replace);
/* A value a property can hold (TypeError InvalidPropertyType otherwise). */
int cy_check_storable(cy_x *x, qval v, int32_t pos);

#endif
