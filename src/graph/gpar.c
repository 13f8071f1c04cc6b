/* gpar.c — big allocations with huge-page advice, and task counts (see gpar.h). Must not keep state. */
#include "graph/gpar.h"

#include <stdlib.h>
#include <sys/mman.h>

#define GPAR_HUGE_MIN ((size_t)8 << 20)   /* below this, huge pages are not worth asking for */
#define GPAR_PAGE ((uintptr_t)4096)

static void advise_huge(void *p, size_t bytes) {
    if (!p || bytes < GPAR_HUGE_MIN) return;
    uintptr_t a = ((uintptr_t)p + GPAR_PAGE - 1) & ~(GPAR_PAGE - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~(GPAR_PAGE - 1);
    if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);   /* advice only: failure is harmless */
}

void *gpar_alloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    advise_huge(p, bytes);
    return p;
}

void *gpar_alloc_aligned(size_t align, size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, align, bytes ? bytes : 1)) return NULL;
    advise_huge(p, bytes);
    return p;
}

#define GPAR_HUGE ((uintptr_t)2 << 20)   /* whole huge pages only: a part of one would split it */

size_t gpar_discard(void *p, size_t bytes) {
    if (!p) return 0;
    uintptr_t a = ((uintptr_t)p + GPAR_HUGE - 1) & ~(GPAR_HUGE - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~(GPAR_HUGE - 1);
    if (e <= a || madvise((void *)a, e - a, MADV_DONTNEED)) return 0;
    return e - a;
}

void *gpar_zalloc(size_t bytes) {
    void *p = calloc(1, bytes ? bytes : 1);
    advise_huge(p, bytes);
    return p;
}

size_t gpar_tasks(qv_pool *pool, uint64_t n, uint64_t min_items) {
    uint64_t want = pool ? (uint64_t)qv_pool_threads(pool) * 4 : 1;
    if (min_items == 0) min_items = 1;
    uint64_t most = n / min_items;
    if (want > most) want = most;
    return want ? (size_t)want : 1;
}

void gpar_run(qv_pool *pool, size_t ntasks, qv_pool_fn fn, void *arg) {
    if (pool) {
        qv_pool_run(pool, ntasks, fn, arg);
        return;
    }
    for (size_t t = 0; t < ntasks; t++) fn(arg, t);
}
