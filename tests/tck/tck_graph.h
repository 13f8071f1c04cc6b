/* tck_graph.h — what the TCK runner reads from the graph: actual result values and side effects.
 *
 * Owns: turning a result value (qval plus the result's gview) into a tckv — nodes with their labels and
 * properties, relationships with type and properties, paths with hop directions, temporal values and
 * durations as their toString() text (the TCK writes them as strings) — and taking the side-effect
 * snapshot: live node ids, relationship ids, distinct labels in use and (entity, key, value) property
 * triples (tck_check.c diffs two of them into the TCK's eight counters).
 * Must not: run queries (tck_run.c does) or write to the graph.
 */
#ifndef QV_TCK_GRAPH_H
#define QV_TCK_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "graph/gview.h"
#include "tck/tck_check.h"
#include "tck/tck_value.h"
#include "util/arena.h"
#include "util/buf.h"
#include "value/value.h"

/* v as the TCK sees it; view may be NULL when v holds no graph element. Never fails: an element the view
 * does not show becomes a node / relationship without labels, type "?" and properties. */
const tckv *tck_from_qval(qv_arena *a, gview *view, qval v);

/* A canonical text for a stored property value (type-tagged, exact for floats), used in snapshots. */
void tck_canon_value(qv_buf *b, qval v);

/* Reads the whole state of the graph in view into s (free with tck_snapshot_free). Returns 0. */
int tck_snapshot_take(gview *view, tck_snapshot *s);

#endif
