/* gbits.h — presence bitmaps (64-bit words, bit i of the map is bit i%64 of word i/64).
 *
 * Owns: reading, setting and concatenating bitmaps, including the atomic forms that parallel builds use
 * when two tasks may write the same word. Must not: allocate, or know what the bits stand for.
 */
#ifndef QV_GBITS_H
#define QV_GBITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint64_t gbits_words(uint64_t n) { return (n + 63) / 64; }

static inline bool gbits_get(const uint64_t *b, uint64_t i) { return (b[i >> 6] >> (i & 63)) & 1; }

static inline void gbits_set(uint64_t *b, uint64_t i) { b[i >> 6] |= 1ull << (i & 63); }

static inline void gbits_set_atomic(uint64_t *b, uint64_t i) {
    __atomic_fetch_or(&b[i >> 6], 1ull << (i & 63), __ATOMIC_RELAXED);
}

/* Sets bit i and returns whether it was already set. */
static inline bool gbits_test_and_set_atomic(uint64_t *b, uint64_t i) {
    uint64_t m = 1ull << (i & 63);
    return (__atomic_fetch_or(&b[i >> 6], m, __ATOMIC_RELAXED) & m) != 0;
}

/* ORs the n bits of src (NULL: n one bits) into dst starting at bit dst_off. Words that the range shares
 * with its neighbours are updated atomically, so tasks copying disjoint ranges may run concurrently. */
void gbits_or_into(uint64_t *dst, uint64_t dst_off, const uint64_t *src, uint64_t n);
/* Whether the first n bits are all set. */
bool gbits_all(const uint64_t *b, uint64_t n);
/* Number of set bits among the first n. */
uint64_t gbits_count(const uint64_t *b, uint64_t n);

#endif
