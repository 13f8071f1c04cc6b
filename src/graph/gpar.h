/* gpar.h — what the parallel builds of the graph module share: big allocations and task splitting.
 *
 * Owns: allocation of large arrays (transparent huge pages are requested for them, which matters for the
 * random scatters of the CSR build) and the arithmetic that cuts [0, n) into balanced task ranges.
 * Must not: keep state, or know about graphs and loaders. Memory from gpar_* is released with free().
 */
#ifndef QV_GPAR_H
#define QV_GPAR_H

#include <stddef.h>
#include <stdint.h>

#include "util/pool.h"

/* NULL when the memory is not available (callers turn that into QV_ENOMEM). */
void *gpar_alloc(size_t bytes);
void *gpar_zalloc(size_t bytes);   /* zeroed */
void *gpar_alloc_aligned(size_t align, size_t bytes);   /* align: a power of two, at least sizeof(void *) */
/* Gives the whole 2 MiB pages inside [p, p + bytes) back to the system (MADV_DONTNEED): for a big gpar
 * array whose first part a build has consumed and will not read again, so that its pages do not add to the
 * build's peak while the next arrays fill. Reading the range afterwards yields zeros; the block is still
 * released with free(). Returns the bytes given back (0 when the range holds no whole 2 MiB page). */
size_t gpar_discard(void *p, size_t bytes);

/* Task t of T covers [gpar_lo(n, t, T), gpar_lo(n, t + 1, T)). */
static inline uint64_t gpar_lo(uint64_t n, uint64_t t, uint64_t T) {
    return (uint64_t)((unsigned __int128)n * t / T);
}

/* How many tasks to split n items into: a few per pool thread (so a slow thread does not hold the rest
 * up), none smaller than min_items, at least 1. A NULL pool counts as one thread. */
size_t gpar_tasks(qv_pool *pool, uint64_t n, uint64_t min_items);
/* qv_pool_run, or a plain loop on the calling thread when pool is NULL. */
void gpar_run(qv_pool *pool, size_t ntasks, qv_pool_fn fn, void *arg);

#endif
