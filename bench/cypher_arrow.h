/* cypher_arrow.h — the Arrow-built memory baseline of qv_bench_cypher (see cypher_arrow.c).
 * Owns: one function; must not be used for anything but the memory comparison.
 */
#ifndef QV_BENCH_CYPHER_ARROW_H
#define QV_BENCH_CYPHER_ARROW_H

#include <stdint.h>

#include "cypher_ldbc.h"
#include "util/pool.h"

typedef struct cypher_arrow_mem {
    uint64_t nodes, rels;
    long node_bytes, rel_bytes;   /* RSS growth over the node phase and the relationship phase */
    uint64_t graph_bytes;         /* graph_memory_bytes of the result */
} cypher_arrow_mem;

/* Builds the timed nodes and relationships of d with the bulk loader, measures, frees. -1 on failure
 * (printed to stderr). */
int cypher_arrow_memory(const ldbc_data *d, qv_pool *pool, cypher_arrow_mem *m);

#endif
