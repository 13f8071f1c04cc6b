/* checksum.c — XXH64 over byte ranges, for the integrity of snapshot sections.
 *
 * Owns: the arithmetic of the checksum only. Reads input with memcpy, so any alignment is fine. Must not
 * know anything of the file format (section layout lives in snapshot_*.c).
 */
#include "store/checksum.h"

#include <pthread.h>
#include <string.h>

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t ld64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t ld32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t mix_lane(uint64_t acc, uint64_t input) {
    acc += input * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}

static inline uint64_t fold_lane(uint64_t h, uint64_t lane) {
    h ^= mix_lane(0, lane);
    return h * P1 + P4;
}

/* Consumes whole 32-byte stripes from p; returns the bytes consumed. */
static size_t stripes(uint64_t acc[4], const uint8_t *p, size_t n) {
    size_t done = 0;
    uint64_t a = acc[0], b = acc[1], c = acc[2], d = acc[3];
    while (n - done >= 32) {
        a = mix_lane(a, ld64(p + done));
        b = mix_lane(b, ld64(p + done + 8));
        c = mix_lane(c, ld64(p + done + 16));
        d = mix_lane(d, ld64(p + done + 24));
        done += 32;
    }
    acc[0] = a, acc[1] = b, acc[2] = c, acc[3] = d;
    return done;
}

static uint64_t finish(const uint64_t acc[4], uint64_t seed, uint64_t total, const uint8_t *rest, size_t n) {
    uint64_t h;
    if (total >= 32) {
        h = rotl(acc[0], 1) + rotl(acc[1], 7) + rotl(acc[2], 12) + rotl(acc[3], 18);
        for (int i = 0; i < 4; i++)
            h = fold_lane(h, acc[i]);
    } else {
        h = seed + P5;
    }
    h += total;
    while (n >= 8) {
        h ^= mix_lane(0, ld64(rest));
        h = rotl(h, 27) * P1 + P4;
        rest += 8;
        n -= 8;
    }
    if (n >= 4) {
        h ^= (uint64_t)ld32(rest) * P1;
        h = rotl(h, 23) * P2 + P3;
        rest += 4;
        n -= 4;
    }
    while (n > 0) {
        h ^= (uint64_t)*rest * P5;
        h = rotl(h, 11) * P1;
        rest++;
        n--;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

void store_hasher_init(store_hasher *h, uint64_t seed) {
    memset(h, 0, sizeof *h);
    h->seed = seed;
    h->acc[0] = seed + P1 + P2;
    h->acc[1] = seed + P2;
    h->acc[2] = seed;
    h->acc[3] = seed - P1;
}

void store_hasher_update(store_hasher *h, const void *data, size_t n) {
    if (n == 0) return; /* data may be NULL then */
    const uint8_t *p = data;
    h->total += n;
    if (h->tail_len) {
        size_t take = 32 - h->tail_len;
        if (take > n) take = n;
        memcpy(h->tail + h->tail_len, p, take);
        h->tail_len += (uint32_t)take;
        p += take;
        n -= take;
        if (h->tail_len < 32) return;
        stripes(h->acc, h->tail, 32);
        h->tail_len = 0;
    }
    size_t used = stripes(h->acc, p, n);
    memcpy(h->tail, p + used, n - used);
    h->tail_len = (uint32_t)(n - used);
}

uint64_t store_hasher_final(const store_hasher *h) { return finish(h->acc, h->seed, h->total, h->tail, h->tail_len); }

uint64_t store_checksum64(const void *p, size_t n, uint64_t seed) {
    store_hasher h;
    store_hasher_init(&h, seed);
    if (n == 0) return finish(h.acc, seed, 0, NULL, 0); /* p may be NULL then */
    size_t used = stripes(h.acc, p, n);
    return finish(h.acc, seed, n, (const uint8_t *)p + used, n - used);
}

/* ---- CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slice-by-8 over tables built on first use ---- */

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++) crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xFF];
}

uint32_t store_crc32c_sw(uint32_t crc, const void *data, size_t n) {
    pthread_once(&crc_once, crc_init);
    const uint8_t *p = data;
    uint32_t c = ~crc;
    while (n >= 8) {
        uint32_t lo = ld32(p) ^ c, hi = ld32(p + 4);
        c = crc_tab[7][lo & 0xFF] ^ crc_tab[6][(lo >> 8) & 0xFF] ^ crc_tab[5][(lo >> 16) & 0xFF] ^ crc_tab[4][lo >> 24] ^
            crc_tab[3][hi & 0xFF] ^ crc_tab[2][(hi >> 8) & 0xFF] ^ crc_tab[1][(hi >> 16) & 0xFF] ^ crc_tab[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xFF];
    return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC_HW 1
/* The SSE4.2 crc32 instruction: one stream of 8-byte steps (its latency bounds it near 8 bytes per 3 cycles,
 * several GB/s), against ~1 GB/s for the tables. Same values. */
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = ~crc & 0xFFFFFFFFu;
    while (n && ((uintptr_t)p & 7)) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
        n--;
    }
    while (n >= 32) {
        uint64_t w[4];
        memcpy(w, p, 32);
        for (int i = 0; i < 4; i++) c = __builtin_ia32_crc32di(c, w[i]);
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        n -= 8;
    }
    while (n--) c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
    return ~(uint32_t)c;
}
#endif

/* Every log record is checksummed twice (header, body) on the commit path and again by replay: the instruction
 * where the CPU has it. */
uint32_t store_crc32c(uint32_t crc, const void *p, size_t n) {
#ifdef CRC_HW
    if (__builtin_cpu_supports("sse4.2")) return crc_hw(crc, p, n);
#endif
    return store_crc32c_sw(crc, p, n);
}
