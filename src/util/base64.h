/* base64.h — standard base64 (RFC 4648, with padding) for HTTP Basic credentials and bearer tokens. */
#ifndef QV_BASE64_H
#define QV_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Writes the encoding of n bytes plus a NUL into out (cap >= 4*((n+2)/3)+1). Returns its length. */
size_t qv_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);
/* Decodes s (len bytes, padding optional, no whitespace). Returns the decoded length, or -1 when s is
 * not base64 or out (cap bytes) is too small. */
long qv_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
