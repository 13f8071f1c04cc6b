/* bigbuf.h — memory for large request messages, and a per-worker cache of it (internal to src/net).
 *
 * Owns: allocating reassembly buffers. Large ones are mmap'd, 2 MiB aligned and advised as transparent
 * huge pages; small ones come from malloc. Memory the process touches for the first time is expensive
 * here (measured on the development VM: zeroing fresh pages took ~80% of the server's CPU while it
 * received 300 MiB messages), so large buffers released by finished messages and calls go to their
 * worker's cache and are reused by the next large message; a cache unused for QV_BIGBUF_IDLE_MS gives
 * its memory back. Failure returns NULL (the size is client-controlled): callers answer
 * RESOURCE_EXHAUSTED.
 * Must not: be used for anything whose size the server does not check first; be shared between threads.
 */
#ifndef QV_NET_BIGBUF_H
#define QV_NET_BIGBUF_H

#include <stddef.h>
#include <stdint.h>

#define QV_BIGBUF_MIN ((size_t)1 << 20)        /* below this: plain malloc, never cached */
#define QV_BIGBUF_CACHE_SLOTS 8
#define QV_BIGBUF_CACHE_BYTES ((size_t)1 << 30) /* most memory one worker keeps cached */
#define QV_BIGBUF_IDLE_MS 30000

typedef struct qv_bigbuf_cache {
    void *p[QV_BIGBUF_CACHE_SLOTS];
    size_t cap[QV_BIGBUF_CACHE_SLOTS];
    int n;
    size_t bytes;
    uint64_t last_used_ns;
} qv_bigbuf_cache;

/* At least n bytes, 16-byte aligned; *cap receives the usable size to pass back. cache may be NULL. */
void *qv_bigbuf_get(qv_bigbuf_cache *cache, size_t n, size_t *cap);
/* Gives a buffer back: into the cache when it is large and fits, else freed. p may be NULL. */
void qv_bigbuf_put(qv_bigbuf_cache *cache, void *p, size_t cap);
/* Frees the cached buffers if unused for QV_BIGBUF_IDLE_MS (force: regardless). */
void qv_bigbuf_trim(qv_bigbuf_cache *cache, uint64_t now_ns, int force);

#endif
