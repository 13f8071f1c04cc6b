/* gmem.h — where a graph's bytes go: the breakdown behind graph_memory_bytes, by structure.
 *
 * Owns: gmem_parts and gmem_measure, which walk the loader's base, the current generation of the delta (CSR,
 * packs, slot chunks, versions, label lists, ext-id table, value arenas) and name each part, for /status,
 * benchmarks and tests. Sizes are the bytes requested from the allocator (no malloc headers or slack). Also
 * the allocator of a generation's big arrays (gmem_alloc).
 * Must not: lock anything but what graph_memory_bytes did (cols_lock for reading; an epoch pin for the delta),
 * or change the graph.
 */
#ifndef QV_GMEM_H
#define QV_GMEM_H

#include <stdint.h>
#include <stdio.h>

#include "graph/graph.h"

typedef struct gmem_parts {
    /* the loader's base (graph fields) */
    uint64_t base_names, base_ids, base_labels, base_node_cols, base_topology, base_rel_cols, base_other;
    /* the delta's current generation */
    uint64_t csr;                  /* compacted CSR both ways, relationship-id array included */
    uint64_t npack_live, npack_labels, npack_ext, npack_cols;    /* packed nodes */
    uint64_t rpack_live, rpack_ends, rpack_cols;                 /* packed relationships */
    uint64_t label_lists;          /* per-label node lists and delta vectors */
    uint64_t slots;                /* slot chunks (node and relationship) */
    uint64_t versions;             /* version records with their properties and labels */
    uint64_t versions_n;           /* how many */
    uint64_t adjacency;            /* delta adjacency vectors */
    uint64_t gen_values;           /* the generation's value arena */
    uint64_t ext_table;            /* ext ids of nodes created since the packs */
    uint64_t delta_other;          /* delta struct, directories, snapshot, names arena, base_src */
    uint64_t total;
} gmem_parts;

void gmem_measure(graph *g, gmem_parts *p);

/* The big arrays of a generation (compacted CSR, label lists, packs, slot directories and chunks): from 128 KiB on, each is
 * its own anonymous mapping, so freeing it returns its pages to the system whichever thread allocated it (a
 * background compaction's thread arena would keep them resident) and untouched parts never become resident.
 * Smaller ones come from malloc. gmem_calloc'd memory is zeroed. Free with gmem_free only. */
void *gmem_alloc(size_t n);
void *gmem_calloc(size_t n, size_t size);
void gmem_free(void *p);
/* One line per non-zero part, "  name  bytes  (x B/node, y B/rel)" over the live counts. */
void gmem_print(const gmem_parts *p, uint64_t nodes, uint64_t rels, FILE *f);

#endif
