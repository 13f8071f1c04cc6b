/* cypher.h — the embedded openCypher API: the one header the Neptune HTTP layer, `quiver query`, the conformance
 * runner and the benchmarks use to run queries.
 *
 * Owns: engines (a catalog of graphs plus the caches and procedures of the query engine), queries with
 * parameters, typed results and errors as values.
 *
 * A query is one transaction. A query that writes runs to completion and commits inside cy_query (its rows
 * are kept in the result); a read-only query runs on a snapshot and produces rows as they are pulled, so a
 * long result never sits whole in memory. Either way cy_result_next may still fail (a runtime error in a
 * read-only query), and nothing was written then.
 * Thread-safety: one engine serves many threads; each query and result belongs to one thread.
 */
#ifndef QV_CYPHER_H
#define QV_CYPHER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/catalog.h"
#include "graph/gview.h"
#include "util/err.h"
#include "util/pool.h"
#include "value/cyerr.h"
#include "value/value.h"

typedef struct cy_engine cy_engine;
typedef struct cy_result cy_result;

/* An engine over an existing catalog (the server's). The catalog outlives the engine. */
cy_engine *cy_engine_new(gcatalog *catalog, qv_pool *pool);
void cy_engine_free(cy_engine *e);
gcatalog *cy_engine_catalog(cy_engine *e);

/* Graphs an embedding program can make itself (the conformance runner, tests, benchmarks): an empty writable
 * in-memory graph under name (QV_EEXISTS if taken). */
int cy_engine_create_graph(cy_engine *e, const char *name, qv_err *err);
int cy_engine_drop_graph(cy_engine *e, const char *name, qv_err *err);

#define CY_DEFAULT_MEMORY_LIMIT (2ull << 30)

typedef struct cy_query_opts {
    const char *graph;             /* graph name; NULL = the default database "neo4j" */
    qval params;                   /* a QT_MAP of parameters, or null */
    uint64_t timeout_ms;           /* 0 = none */
    uint64_t memory_limit;         /* bytes for the query's working memory; 0 = CY_DEFAULT_MEMORY_LIMIT,
                                      UINT64_MAX = none (a runaway query must fail, not end the process) */
    atomic_bool *cancel;           /* set to true from any thread to cancel; NULL = none */
    bool explain;                  /* return the plan as rows (column "plan") instead of running */
} cy_query_opts;

/* Parses, plans (through the plan cache) and starts a query. On failure returns -1 with *err set (class,
 * phase, detail, position) and nothing written. */
int cy_query(cy_engine *e, const char *text, size_t len, const cy_query_opts *opts, cy_result **out,
             cy_error *err);

uint32_t cy_result_ncols(const cy_result *r);
const char *cy_result_colname(const cy_result *r, uint32_t i);
/* Next row: 1 with *row pointing at ncols values (valid until the next call), 0 at the end, -1 on error. */
int cy_result_next(cy_result *r, const qval **row, cy_error *err);
/* The view that nodes, relationships and paths in the rows belong to (read their labels and properties
 * through gview.h). For a write query it shows the committed state after the query. */
gview *cy_result_view(cy_result *r);
/* The arena row values live in (for callers that build more values, e.g. renderers). */
qv_arena *cy_result_arena(cy_result *r);

typedef struct cy_stats {
    uint64_t nodes_created, nodes_deleted;
    uint64_t rels_created, rels_deleted;
    uint64_t props_set;
    uint64_t labels_added, labels_removed;
    uint64_t indexes_added, indexes_removed, constraints_added, constraints_removed;
} cy_stats;
const cy_stats *cy_result_stats(const cy_result *r);
/* Frees the result; a read-only query stopped early just stops. */
void cy_result_free(cy_result *r);

/* Procedures defined by a table (for embedders and tests): a signature in openCypher's procedure notation,
 * e.g. "test.my.proc(in :: INTEGER?) :: (out :: STRING?)", and rows of n_in + n_out values
 * (inputs first); calling it yields the outputs of the rows whose inputs equal the arguments. */
int cy_engine_add_table_procedure(cy_engine *e, const char *signature, const qval *rows, uint32_t n_rows,
                                  cy_error *err);
void cy_engine_clear_procedures(cy_engine *e);   /* removes table procedures (built-ins stay) */

#endif
