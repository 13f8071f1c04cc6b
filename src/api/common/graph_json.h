/* graph_json.h — the JSON summary of a graph that every front end shows the same way (Flight's
 * v1/LIST_GRAPHS, the HTTP /status document). Owns the field names and order; nothing else. */
#ifndef QV_GRAPH_JSON_H
#define QV_GRAPH_JSON_H

#include "graph/graph.h"
#include "util/buf.h"

/* Opens a graph object with the identifying fields: {"name","database_name","durable","id_type" —
 * the caller adds more fields and the closing brace. */
void api_graph_head_json(const graph *g, qv_buf *out);
/* The whole summary object: identity, counts, labels, relationship types, property keys with their
 * types, memory. Takes g->cols_lock for reading. */
void api_graph_summary_json(const graph *g, qv_buf *out);

#endif
