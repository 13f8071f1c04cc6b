/* tls.h — TLS (OpenSSL) on the HTTP and Flight ports: server contexts and non-blocking record I/O (internal
 * to src/net).
 *
 * Owns: loading the certificate chain and private key (PEM) into a server context that allows TLS 1.2
 * and 1.3 only and selects the port's protocol by ALPN (h2 for gRPC, http/1.1 for HTTP), creating one SSL object per accepted connection, and SSL_read/SSL_write on non-blocking
 * sockets with WANT_READ/WANT_WRITE turned into plain return codes. The handshake runs implicitly inside
 * the first reads and writes, so no connection needs a state of its own for it.
 * Must not: block, touch the event loop, or know HTTP.
 */
#ifndef QV_NET_TLS_H
#define QV_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

typedef struct qv_tls_ctx qv_tls_ctx;
typedef struct ssl_st qv_tls;   /* OpenSSL's SSL */

typedef enum {
    QV_TLS_ALPN_HTTP1 = 0,   /* selects "http/1.1" when offered; otherwise no ALPN */
    QV_TLS_ALPN_H2 = 1,      /* selects "h2"; a client offering only other protocols is refused */
} qv_tls_alpn;

/* Loads cert_file (PEM, the leaf first, then any intermediates) and key_file (PEM). NULL with err set when
 * a file cannot be read, is not PEM, or the key does not match the certificate. */
qv_tls_ctx *qv_tls_ctx_new(const char *cert_file, const char *key_file, qv_tls_alpn alpn, qv_err *err);

void qv_tls_ctx_free(qv_tls_ctx *ctx);

/* A server-side TLS session on the non-blocking socket fd. NULL (err set) when out of resources. */
qv_tls *qv_tls_new(qv_tls_ctx *ctx, int fd, qv_err *err);
void qv_tls_free(qv_tls *t);

/* Return codes of qv_tls_read / qv_tls_write besides a byte count > 0. */
enum {
    QV_TLS_WANT_READ = -2,    /* retry once the socket is readable */
    QV_TLS_WANT_WRITE = -3,   /* retry once the socket is writable */
    QV_TLS_CLOSED = -1,       /* the peer closed, or the session failed (see qv_tls_last_error) */
};
/* Decrypted bytes (> 0), or one of the codes above. Drives the handshake while it is not done. */
ssize_t qv_tls_read(qv_tls *t, void *buf, size_t cap);
/* Bytes taken (> 0; possibly fewer than len), or one of the codes above. A call that returned a WANT code
 * must be repeated with at least the same bytes (they may have moved in memory). */
ssize_t qv_tls_write(qv_tls *t, const void *buf, size_t len);
/* Decrypted bytes already buffered inside the session (read them before waiting on the socket). */
size_t qv_tls_pending(const qv_tls *t);
/* Whether the handshake has completed. */
bool qv_tls_handshake_done(const qv_tls *t);
/* Sends close_notify, best effort (the socket's write side is shut down by the caller afterwards). */
void qv_tls_close_notify(qv_tls *t);
/* Why the last qv_tls_read/write on this thread failed, for logs ("" when it is unknown). */
void qv_tls_last_error(char *out, size_t cap);

#endif
