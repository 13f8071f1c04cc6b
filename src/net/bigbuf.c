/* bigbuf.c — huge-page-backed buffers for large messages and the per-worker cache (see bigbuf.h).
 * Must not: touch a buffer's contents, or keep more than QV_BIGBUF_CACHE_BYTES per worker. */
#include "net/bigbuf.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "util/clock.h"

#define HUGE_SZ ((size_t)2 << 20)

static void *map_huge(size_t n, size_t *cap) {
    if (n > SIZE_MAX - 2 * HUGE_SZ) return NULL;
    size_t len = (n + HUGE_SZ - 1) & ~(HUGE_SZ - 1);
    /* Over-map by one huge page so the start can be aligned, then trim both ends. */
    uint8_t *raw = mmap(NULL, len + HUGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
    size_t head = (size_t)(p - raw), tail = HUGE_SZ - head;
    if (head) munmap(raw, head);
    if (tail) munmap(p + len, tail);
    madvise(p, len, MADV_HUGEPAGE);
    *cap = len;
    return p;
}

static void release(void *p, size_t cap) {
    if (cap < QV_BIGBUF_MIN)
        free(p);
    else
        munmap(p, cap);
}

void *qv_bigbuf_get(qv_bigbuf_cache *cache, size_t n, size_t *cap) {
    if (n < QV_BIGBUF_MIN) {
        *cap = n;
        return malloc(n ? n : 1);
    }
    if (cache) {
        int best = -1; /* the smallest cached buffer that fits */
        for (int i = 0; i < cache->n; i++)
            if (cache->cap[i] >= n && (best < 0 || cache->cap[i] < cache->cap[best])) best = i;
        if (best >= 0) {
            void *p = cache->p[best];
            *cap = cache->cap[best];
            cache->bytes -= *cap;
            cache->n--;
            cache->p[best] = cache->p[cache->n];
            cache->cap[best] = cache->cap[cache->n];
            cache->last_used_ns = qv_now_ns();
            return p;
        }
    }
    return map_huge(n, cap);
}

void qv_bigbuf_put(qv_bigbuf_cache *cache, void *p, size_t cap) {
    if (!p) return;
    if (!cache || cap < QV_BIGBUF_MIN || cap > QV_BIGBUF_CACHE_BYTES) {
        release(p, cap);
        return;
    }
    /* Make room by dropping the smallest cached buffers (the big ones are the expensive ones). */
    while (cache->n && (cache->n == QV_BIGBUF_CACHE_SLOTS || cache->bytes + cap > QV_BIGBUF_CACHE_BYTES)) {
        int small = 0;
        for (int i = 1; i < cache->n; i++)
            if (cache->cap[i] < cache->cap[small]) small = i;
        if (cache->cap[small] > cap) { /* everything cached is bigger: keep those, drop this one */
            release(p, cap);
            return;
        }
        release(cache->p[small], cache->cap[small]);
        cache->bytes -= cache->cap[small];
        cache->n--;
        cache->p[small] = cache->p[cache->n];
        cache->cap[small] = cache->cap[cache->n];
    }
    cache->p[cache->n] = p;
    cache->cap[cache->n] = cap;
    cache->n++;
    cache->bytes += cap;
    cache->last_used_ns = qv_now_ns();
}

void qv_bigbuf_trim(qv_bigbuf_cache *cache, uint64_t now_ns, int force) {
    if (!force && now_ns - cache->last_used_ns < (uint64_t)QV_BIGBUF_IDLE_MS * 1000000u) return;
    for (int i = 0; i < cache->n; i++) release(cache->p[i], cache->cap[i]);
    cache->n = 0;
    cache->bytes = 0;
}
