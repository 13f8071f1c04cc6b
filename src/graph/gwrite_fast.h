/* gwrite_fast.h — entry points of the transaction's writes for callers that have already done part of the
 * work gview.h's general calls do (the openCypher MERGE ingest path, src/cypher/ops/merge_node.c).
 * Owns: the contracts below. Must not: be a second way to get different results: each call writes exactly
 * what its general counterpart would, and still refuses input that breaks its contract with QV_EINVAL. */
#ifndef QV_GWRITE_FAST_H
#define QV_GWRITE_FAST_H

#include "graph/gview.h"

/* gtxn_node_create for properties already sorted by key ascending, with unique keys and no null value (the
 * order gview_node_props returns). Skips the sort and duplicate pass; anything unsorted fails. */
int gtxn_node_create_sorted(gtxn *t, const uint32_t *labels, uint32_t n_labels, const gprop *props, uint32_t n_props,
                            qval ext_id, uint64_t *out, qv_err *err);

#endif
