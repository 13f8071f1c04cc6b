/* sha256.h — SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for verifying AWS SigV4 signatures.
 *
 * Owns: the two digests, incremental SHA-256 and hex output. Must not: be used for anything needing a
 * constant-time comparison without np_sig_equal (sigv4.c compares signatures in constant time).
 */
#ifndef QV_NP_SHA256_H
#define QV_NP_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct np_sha256_ctx {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    uint8_t block[64];
    size_t fill;
} np_sha256_ctx;

void np_sha256_init(np_sha256_ctx *s);
void np_sha256_update(np_sha256_ctx *s, const void *data, size_t n);
void np_sha256_final(np_sha256_ctx *s, uint8_t out[32]);
void np_sha256(const void *data, size_t n, uint8_t out[32]);
void np_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32]);
/* 64 lower-case hex digits and a NUL. */
void np_hex32(const uint8_t d[32], char out[65]);

#endif
