/* arrow_ipc_mem.c — the reader's per-message arena and LSB-first bitmap helpers.
 *
 * Owns: memory the reader hands out for one message (copies of misaligned buffers, decompressed
 * buffers) and bit-range copy/fill/count. The arena keeps one block that grows to what a message needed,
 * so steady-state decoding does not call malloc. Must not: know about Arrow types or messages.
 */
#include "wire/arrow_ipc_int.h"

#include <stdlib.h>
#include <string.h>

void arw_arena_init(arw_arena *a) { memset(a, 0, sizeof *a); }

void arw_arena_reset(arw_arena *a) {
    for (size_t i = 0; i < a->nextra; i++) free(a->extra[i]);
    a->nextra = 0;
    if (a->want > a->cap && a->want <= ((size_t)64 << 20)) {
        free(a->block);
        a->cap = (a->want + 4095) & ~(size_t)4095;
        a->block = qv_malloc(a->cap);
    }
    a->used = a->want = 0;
}

void arw_arena_free(arw_arena *a) {
    arw_arena_reset(a);
    free(a->extra);
    free(a->block);
    memset(a, 0, sizeof *a);
}

void arw_arena_adopt(arw_arena *a, void *p) {
    if (a->nextra == a->capextra) {
        a->capextra = a->capextra ? a->capextra * 2 : 16;
        a->extra = qv_realloc(a->extra, a->capextra * sizeof *a->extra);
    }
    a->extra[a->nextra++] = p;
}

void *arw_arena_alloc(arw_arena *a, size_t n) {
    size_t need = (n + 15) & ~(size_t)15;
    a->want += need;
    if (a->block && a->cap - a->used >= need) {
        void *p = a->block + a->used;
        a->used += need;
        return p;
    }
    void *p = qv_malloc(need);
    arw_arena_adopt(a, p);
    return p;
}

/* ---- bitmaps ---------------------------------------------------------------------------------- */

static inline bool bit_get(const uint8_t *b, int64_t i) { return (b[i >> 3] >> (i & 7)) & 1; }

static inline void bit_put(uint8_t *b, int64_t i, bool v) {
    uint8_t m = (uint8_t)(1u << (i & 7));
    b[i >> 3] = v ? (uint8_t)(b[i >> 3] | m) : (uint8_t)(b[i >> 3] & ~m);
}

void arw_bits_copy(uint8_t *dst, int64_t doff, const uint8_t *src, int64_t soff, int64_t n) {
    if (n <= 0) return;
    if (!((doff | soff) & 7)) {
        int64_t whole = n >> 3;
        memcpy(dst + (doff >> 3), src + (soff >> 3), (size_t)whole);
        for (int64_t i = whole << 3; i < n; i++) bit_put(dst, doff + i, bit_get(src, soff + i));
        return;
    }
    if (!(doff & 7)) {
        /* destination byte-aligned: build each output byte from two source bytes */
        int sh = (int)(soff & 7);
        const uint8_t *s = src + (soff >> 3);
        uint8_t *d = dst + (doff >> 3);
        int64_t whole = n >> 3;
        for (int64_t k = 0; k < whole; k++) d[k] = (uint8_t)((s[k] >> sh) | (s[k + 1] << (8 - sh)));
        for (int64_t i = whole << 3; i < n; i++) bit_put(dst, doff + i, bit_get(src, soff + i));
        return;
    }
    for (int64_t i = 0; i < n; i++) bit_put(dst, doff + i, bit_get(src, soff + i));
}

void arw_bits_fill(uint8_t *dst, int64_t off, int64_t n, bool v) {
    int64_t i = 0;
    for (; i < n && ((off + i) & 7); i++) bit_put(dst, off + i, v);
    int64_t bytes = (n - i) >> 3;
    memset(dst + ((off + i) >> 3), v ? 0xff : 0, (size_t)bytes);
    for (i += bytes << 3; i < n; i++) bit_put(dst, off + i, v);
}

int64_t arw_bits_count(const uint8_t *src, int64_t off, int64_t n) {
    int64_t c = 0, i = 0;
    for (; i < n && ((off + i) & 7); i++) c += bit_get(src, off + i);
    const uint8_t *p = src + ((off + i) >> 3);
    int64_t bytes = (n - i) >> 3, k = 0;
    for (; k + 8 <= bytes; k += 8) {
        uint64_t w;
        memcpy(&w, p + k, 8);
        c += __builtin_popcountll(w);
    }
    for (; k < bytes; k++) c += __builtin_popcount(p[k]);
    for (i += bytes << 3; i < n; i++) c += bit_get(src, off + i);
    return c;
}
