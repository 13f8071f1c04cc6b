/* hash.h — hash functions for the id index and interning tables. Inline: they sit on hot paths. */
#ifndef QV_HASH_H
#define QV_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A strong 64-bit mixer (the murmur3 / splitmix finaliser): every input bit affects every output bit. */
static inline uint64_t qv_hash_u64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* Hash of a byte string: 8 bytes at a time, mixed with the length. */
static inline uint64_t qv_hash_bytes(const void *p, size_t n) {
    const uint8_t *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0x100000001b3ull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = qv_hash_u64(h ^ w) + 0x9e3779b97f4a7c15ull;
        s += 8;
        n -= 8;
    }
    uint64_t t = 0;
    memcpy(&t, s, n);
    return qv_hash_u64(h ^ t ^ ((uint64_t)n << 56));
}

#endif
