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

/* gtxn_rel_create for properties already sorted by key ascending, with unique keys and no null value (the
 * relationship MERGE ingest, src/cypher/ops/merge_rel.c): the same checks, version, adjacency and change
 * records (GCH_REL_CREATE, then GCH_REL_SET per property in key order); no sort pass, the change records written
 * as the values are copied (strings into one block). Anything unsorted fails. */
int gtxn_rel_create_sorted(gtxn *t, uint64_t src, uint64_t dst, uint32_t type, const gprop *props, uint32_t n_props,
                           uint64_t *out, qv_err *err);

/* gtxn_node_set_prop for each of props (sorted by key ascending, unique keys; a null value removes the key),
 * compared with the node's properties in one pass: a property whose value is the very same (gval_same) is
 * not written and gets no change record; the node gets a new version only if one differs. */
#define GWRITE_MERGE_MAX 64
int gtxn_node_merge_sorted(gtxn *t, uint64_t node, const gprop *props, uint32_t n, qv_err *err);

#endif
