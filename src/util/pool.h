/* pool.h — a fixed set of worker threads that run parallel loops.
 *
 * Owns: qv_pool, used by the bulk loader and the algorithms to spread one job over the cores. A job is
 * `fn(arg, task)` for task in [0, ntasks); qv_pool_run returns when every task has run. The calling thread
 * works too. Jobs from different callers are serialised (one job at a time per pool).
 */
#ifndef QV_POOL_H
#define QV_POOL_H

#include <stddef.h>

typedef struct qv_pool qv_pool;
typedef void (*qv_pool_fn)(void *arg, size_t task);

qv_pool *qv_pool_new(int threads);   /* threads <= 0: one per online CPU */
void qv_pool_free(qv_pool *p);
int qv_pool_threads(const qv_pool *p); /* including the caller */
void qv_pool_run(qv_pool *p, size_t ntasks, qv_pool_fn fn, void *arg);

#endif
