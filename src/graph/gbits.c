/* gbits.c — bitmap concatenation and counting (see gbits.h). Must not allocate. */
#include "graph/gbits.h"

/* Up to 64 bits of src starting at bit pos (cnt bits, 1..64), in the low bits of the result. src holds
 * `len` bits in all; words past it are never read. */
static uint64_t take(const uint64_t *src, uint64_t len, uint64_t pos, unsigned cnt) {
    uint64_t v;
    if (!src) {
        v = ~0ull;
    } else {
        uint64_t w = pos >> 6;
        unsigned sh = (unsigned)(pos & 63);
        v = src[w] >> sh;
        if (sh && (w + 1) < gbits_words(len)) v |= src[w + 1] << (64 - sh);
    }
    return cnt == 64 ? v : v & ((1ull << cnt) - 1);
}

void gbits_or_into(uint64_t *dst, uint64_t dst_off, const uint64_t *src, uint64_t n) {
    uint64_t done = 0;
    while (done < n) {
        uint64_t bit = dst_off + done;
        unsigned lo = (unsigned)(bit & 63);
        uint64_t room = 64 - lo, cnt = n - done < room ? n - done : room;
        uint64_t v = take(src, n, done, (unsigned)cnt) << lo;
        uint64_t *w = &dst[bit >> 6];
        if (cnt == 64) *w |= v;   /* a whole word: nobody else writes it */
        else __atomic_fetch_or(w, v, __ATOMIC_RELAXED);
        done += cnt;
    }
}

bool gbits_all(const uint64_t *b, uint64_t n) {
    uint64_t full = n >> 6;
    for (uint64_t i = 0; i < full; i++)
        if (b[i] != ~0ull) return false;
    unsigned rest = (unsigned)(n & 63);
    if (rest) {
        uint64_t m = (1ull << rest) - 1;
        if ((b[full] & m) != m) return false;
    }
    return true;
}

uint64_t gbits_count(const uint64_t *b, uint64_t n) {
    uint64_t full = n >> 6, c = 0;
    for (uint64_t i = 0; i < full; i++) c += (uint64_t)__builtin_popcountll(b[i]);
    unsigned rest = (unsigned)(n & 63);
    if (rest) c += (uint64_t)__builtin_popcountll(b[full] & ((1ull << rest) - 1));
    return c;
}
