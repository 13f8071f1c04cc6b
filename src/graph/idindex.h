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

/* Builds the index over n keys; internal id i has key keys[i]. Fails with QV_EINVAL naming the first
 * duplicate id found ("node id 42 appears twice") . */
int gidindex_build_int(gidindex *ix, const int64_t *keys, uint64_t n, qv_pool *pool, qv_err *err);
int gidindex_build_str(gidindex *ix, const uint64_t *str_off, const char *str, uint64_t n, qv_pool *pool,
                       qv_err *err);
int64_t gidindex_find_int(const gidindex *ix, int64_t key);          /* internal id or -1 */
int64_t gidindex_find_str(const gidindex *ix, const char *s, uint64_t len);
void gidindex_free(gidindex *ix);
uint64_t gidindex_memory_bytes(const gidindex *ix);

#endif
