/* tck_graph.h — what the TCK runner reads from the graph: actual result values and side effects.
 *
 * Owns: turning a result value (qval plus the result's gview) into a tckv — nodes with their labels and
 * properties, relationships with type and properties, paths with hop directions, temporal values and
 * durations as their toString() text (the TCK writes them as strings) — and the side-effect snapshot:
 * live node ids, relationship ids, distinct labels in use and (entity, key, value) property triples,
 * diffed before/after a query into the TCK's eight counters.
 * Must not: run queries (tck_run.c does) or write to the graph.
 */
#ifndef QV_TCK_GRAPH_H
#define QV_TCK_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "graph/gview.h"
#include "tck/tck_value.h"
#include "util/arena.h"
#include "util/buf.h"
#include "value/value.h"

/* v as the TCK sees it; view may be NULL when v holds no graph element. Never fails: an element the view
 * does not show becomes a node / relationship without labels, type "?" and properties. */
const tckv *tck_from_qval(qv_arena *a, gview *view, qval v);

/* A canonical text for a stored property value (type-tagged, exact for floats), used in snapshots. */
void tck_canon_value(qv_buf *b, qval v);

typedef struct tck_snapshot {
    uint64_t *nodes, *rels;          /* sorted ids */
    size_t n_nodes, n_rels;
    char **labels;                   /* sorted distinct label names in use */
    size_t n_labels;
    char **props;                    /* sorted "n<id>|key|canon" / "r<id>|key|canon" */
    size_t n_props;
} tck_snapshot;

/* Reads the whole state of the graph in view. Returns 0 (free with tck_snapshot_free). */
int tck_snapshot_take(gview *view, tck_snapshot *s);
void tck_snapshot_free(tck_snapshot *s);

typedef struct tck_effects {
    int64_t nodes_added, nodes_removed, rels_added, rels_removed;
    int64_t props_added, props_removed, labels_added, labels_removed;
} tck_effects;

void tck_snapshot_diff(const tck_snapshot *before, const tck_snapshot *after, tck_effects *out);

/* Sorted-set differences (exposed for the unit test): elements of a not in b. */
size_t tck_count_missing_ids(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);
size_t tck_count_missing_strs(char *const *a, size_t na, char *const *b, size_t nb);

#endif
