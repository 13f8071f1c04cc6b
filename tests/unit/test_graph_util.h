/* test_graph_util.h — what the graph-layer unit tests share: the build thread pool their cmocka setup and
 * teardown create, and HEAP(T, ...) for the malloc'd arrays loader chunks take ownership of. */
#ifndef QV_TEST_GRAPH_UTIL_H
#define QV_TEST_GRAPH_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "util/pool.h"

static qv_pool *pool;

static int setup(void **state) {
    (void)state;
    pool = qv_pool_new(2);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    qv_pool_free(pool);
    return 0;
}

static void *dupmem(const void *p, size_t n) {
    void *d = malloc(n ? n : 1);
    if (n) memcpy(d, p, n);
    return d;
}
#define HEAP(T, ...) ((T *)dupmem((T[]){__VA_ARGS__}, sizeof((T[]){__VA_ARGS__})))

#endif
