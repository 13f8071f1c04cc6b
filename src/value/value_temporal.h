/* value_temporal.h — the temporal operations value*.c delegates to (implemented by temporal*.c).
 *
 * Owns nothing: it repeats the prototypes agreed with the temporal module (which declares the same
 * functions in value/temporal.h) so that value*.c does not depend on the rest of that header.
 * Must not: declare anything temporal*.c does not define with exactly these signatures.
 */
#ifndef QV_VALUE_TEMPORAL_API_H
#define QV_VALUE_TEMPORAL_API_H

#include <stdbool.h>
#include <stdint.h>

#include "value/value.h"

int qtemporal_cmp(qval a, qval b);              /* same type; TIME/DATETIME by instant; -1/0/1 */
bool qtemporal_eq(qval a, qval b);              /* equality of two values of the same temporal/duration type */
uint64_t qtemporal_hash(qval v);
int qtemporal_order(qval a, qval b);            /* total order within one type (durations included) */
const char *qtemporal_str(qv_arena *a, qval v, uint32_t *len);   /* toString of temporal and duration */
int qtemporal_add(qv_arena *a, qval x, qval y, int sign, qval *out, cy_error *err);  /* t +/- dur, dur +/- dur */
int qduration_scale(qv_arena *a, qval dur, qval num, bool divide, qval *out, cy_error *err);

#endif
