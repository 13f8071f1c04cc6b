/* write_common.h — what the writing operators share: turning a map of values into graph properties
 * (storability checks, `~id` handling) and the deferred checks of DELETE.
 * Must not: write anything itself. */
#ifndef QV_CYPHER_OPS_WRITE_COMMON_H
#define QV_CYPHER_OPS_WRITE_COMMON_H

#include "cypher/ops/ops.h"

#define CY_EXT_ID_KEY "~id"

/* Converts a property map (qval map; nulls skipped) into gprops interned in the transaction. *ext_id
 * receives a `~id` entry when ext_id is not NULL (else `~id` entries are ignored). */
int cy_props_from_map(cy_x *x, qval map, gprop **out, uint32_t *n, qval *ext_id, int32_t pos);
/* A value a property can hold (TypeError InvalidPropertyType otherwise). */
int cy_check_storable(cy_x *x, qval v, int32_t pos);

#endif
