/* idindex.h — the external-id index: int64 or string node ids to dense internal ids.
 *
 * Owns: an open-addressing hash table storing the hash beside the key, built once (in parallel
 * partitions over a qv_pool) and read without locks afterwards. String keys are not copied: the index
 * reads them from the graph's ext_str/ext_str_off arrays, which it is given at build time.
 */
#ifndef QV_IDINDEX_H
#define QV_IDINDEX_H

#include <stdint.h>

#include "util/err.h"
#include "util/pool.h"

typedef struct gidindex {
    int is_string;
    uint32_t npart;          /* partitions (power of two), chosen by hash high bits */
    struct gidpart *parts;
    const int64_t *keys;       /* int keys: key of internal id i is keys[i] */
    const uint64_t *str_off;   /* string keys */
    const char *str;
    uint64_t n;
} gidindex;

/* Builds the index over n keys (at most 2^32-1); internal id i has key keys[i]. Fails with QV_EINVAL
 * naming a duplicate id ("node id 42 appears more than once ..."): the one whose second occurrence comes
 * first, so the message does not depend on thread timing. pool may be NULL (single-threaded). */
int gidindex_build_int(gidindex *ix, const int64_t *keys, uint64_t n, qv_pool *pool, qv_err *err);
int gidindex_build_str(gidindex *ix, const uint64_t *str_off, const char *str, uint64_t n, qv_pool *pool,
                       qv_err *err);
int64_t gidindex_find_int(const gidindex *ix, int64_t key);          /* internal id or -1 */
int64_t gidindex_find_str(const gidindex *ix, const char *s, uint64_t len);
/* Batch lookups, prefetching ahead (much faster than a loop of finds over a large index): out[i] is the
 * internal id of key i, or GIDINDEX_NONE when absent. Returns how many were absent. */
#define GIDINDEX_NONE UINT32_MAX
uint64_t gidindex_resolve_int(const gidindex *ix, const int64_t *keys, uint64_t n, uint32_t *out);
uint64_t gidindex_resolve_str(const gidindex *ix, const uint64_t *str_off, const char *str, uint64_t n,
                              uint32_t *out);
void gidindex_free(gidindex *ix);
uint64_t gidindex_memory_bytes(const gidindex *ix);

#endif
