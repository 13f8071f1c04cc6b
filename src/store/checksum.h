/* checksum.h — the checksums of store/ (internal to store/): XXH64 for snapshot sections, CRC32C for
 * write-ahead log records and checkpoint blocks.
 *
 * Owns: store_checksum64, the XXH64 algorithm (xxHash, 64-bit variant) written here from its published
 * description, one-shot and streaming; store_crc32c (Castagnoli polynomial, reflected, as iSCSI / ext4 use). It detects accidental corruption (torn writes, bit rot, truncation);
 * it is not a cryptographic hash and must not be used to authenticate anything.
 */
#ifndef QV_STORE_CHECKSUM_H
#define QV_STORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint64_t store_checksum64(const void *p, size_t n, uint64_t seed);

/* Streaming form: the result equals store_checksum64 over the concatenation of every update. */
typedef struct store_hasher {
    uint64_t acc[4];
    uint64_t total;
    uint64_t seed;
    uint8_t tail[32];
    uint32_t tail_len;
} store_hasher;

void store_hasher_init(store_hasher *h, uint64_t seed);
void store_hasher_update(store_hasher *h, const void *p, size_t n);
uint64_t store_hasher_final(const store_hasher *h);

/* CRC32C of p[0..n), continuing from crc (start with 0): store_crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t store_crc32c(uint32_t crc, const void *p, size_t n);   /* the SSE4.2 instruction where there is one */
uint32_t store_crc32c_sw(uint32_t crc, const void *p, size_t n);  /* the portable tables (same values; tests) */

#endif
