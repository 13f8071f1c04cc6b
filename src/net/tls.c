/* tls.c — OpenSSL server contexts and non-blocking TLS record I/O for the HTTP and Flight ports (see tls.h).
 *
 * Owns: the SSL_CTX (TLS 1.2+, no renegotiation, no compression, no session tickets kept across restarts
 * beyond OpenSSL's defaults), checking the certificate and key at start-up with actionable messages, and
 * selecting each port's protocol by ALPN, and mapping SSL_get_error results to WANT_READ / WANT_WRITE /
 * CLOSED.
 * Must not: block, touch the event loop or keep state outside the SSL objects (the error queue is
 * OpenSSL's, per thread, and is cleared before every call).
 */
#include "net/tls.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "util/buf.h"

#ifndef SSL_OP_IGNORE_UNEXPECTED_EOF   /* OpenSSL < 3: EOF without close_notify is SSL_ERROR_SYSCALL */
#define SSL_OP_IGNORE_UNEXPECTED_EOF 0
#endif

struct qv_tls_ctx {
    SSL_CTX *ctx;
    BIO_METHOD *bio;   /* socket I/O without SIGPIPE (see below) */
    qv_tls_alpn alpn;  /* the application protocol this port speaks */
};

/* ---- a socket BIO that never raises SIGPIPE ----
 * OpenSSL's socket BIO writes with write(2): a peer that reset the connection would kill a process that
 * has not ignored SIGPIPE. This one sends with MSG_NOSIGNAL; the fd is the BIO's data. */

static int bio_write(BIO *b, const char *buf, int len) {
    int fd = (int)(intptr_t)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n;
    do n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(b);
    return (int)n;
}

static int bio_read(BIO *b, char *buf, int len) {
    int fd = (int)(intptr_t)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n;
    do n = recv(fd, buf, (size_t)len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(b);
    if (n == 0) BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    return (int)n;
}

static int bio_puts(BIO *b, const char *s) { return bio_write(b, s, (int)strlen(s)); }

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_EOF: return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
    default: return 0;
    }
}

static int bio_create(BIO *b) {
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *bio_method(void) {
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "quiver socket");
    if (!m) return NULL;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_puts(m, bio_puts);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
}

static void ssl_reason(char *out, size_t cap) {
    unsigned long e = ERR_peek_last_error();
    if (!e) {
        snprintf(out, cap, "unknown error");
        return;
    }
    const char *r = ERR_reason_error_string(e);
    if (r)
        snprintf(out, cap, "%s", r);
    else
        ERR_error_string_n(e, out, cap);
}

/* ---- ALPN ----
 * gRPC clients (grpc-js, gRPC C-core under Arrow Flight's C++ and Java clients) offer "h2" and refuse a
 * server that does not select it; browsers and curl offer "h2,http/1.1". Each port selects its own
 * protocol when the client offers it. A client that offers a list without it is refused on the Flight
 * port (no_application_protocol: it could not speak gRPC anyway) and carries on without ALPN on the HTTP
 * port (HTTP/1.1 is what it gets either way). */

static int alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg) {
    (void)s;
    const qv_tls_ctx *t = arg;
    const char *want = t->alpn == QV_TLS_ALPN_H2 ? "h2" : "http/1.1";
    size_t wn = strlen(want);
    for (unsigned int i = 0; i < inlen;) {
        unsigned int n = in[i];
        if (i + 1 + n > inlen) break;   /* malformed list: OpenSSL checks it too */
        if (n == wn && memcmp(in + i + 1, want, wn) == 0) {
            *out = in + i + 1;
            *outlen = (unsigned char)n;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + n;
    }
    return t->alpn == QV_TLS_ALPN_H2 ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_NOACK;
}

/* Checks that path names a readable file, so the common mistakes get the OS's own words. */
static int check_readable(const char *path, const char *what, const char *flag, qv_err *err) {
    if (!path || !*path) return qv_err_set(err, QV_EINVAL, "%s needs a file name", flag);
    FILE *f = fopen(path, "rb");
    if (!f) return qv_err_set(err, QV_EINVAL, "cannot read the TLS %s '%s' (%s): %s", what, path, flag, strerror(errno));
    fclose(f);
    return 0;
}

qv_tls_ctx *qv_tls_ctx_new(const char *cert_file, const char *key_file, qv_tls_alpn alpn, qv_err *err) {
    if (check_readable(cert_file, "certificate", "--tls-cert", err) < 0) return NULL;
    if (check_readable(key_file, "private key", "--tls-key", err) < 0) return NULL;
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    char why[256];
    if (!ctx) {
        ssl_reason(why, sizeof why);
        qv_err_set(err, QV_ENOMEM, "cannot create a TLS context: %s", why);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* Output buffers grow and move between retries; writes return after each record. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    static const unsigned char sid[] = "quiver-https";
    SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        ssl_reason(why, sizeof why);
        qv_err_set(err, QV_EINVAL, "cannot load the TLS certificate '%s' (--tls-cert; PEM expected): %s", cert_file,
                   why);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        ssl_reason(why, sizeof why);
        if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
            qv_err_set(err, QV_EINVAL, "the TLS private key '%s' does not match the certificate '%s'", key_file,
                       cert_file);
            goto fail;
        }
        qv_err_set(err, QV_EINVAL, "cannot load the TLS private key '%s' (--tls-key; unencrypted PEM expected): %s",
                   key_file, why);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ssl_reason(why, sizeof why);
        qv_err_set(err, QV_EINVAL, "the TLS private key '%s' does not match the certificate '%s': %s", key_file,
                   cert_file, why);
        goto fail;
    }
    ERR_clear_error();
    BIO_METHOD *bm = bio_method();
    if (!bm) {
        qv_err_set(err, QV_ENOMEM, "cannot create a TLS socket method");
        goto fail;
    }
    qv_tls_ctx *t = qv_calloc(1, sizeof *t);
    t->ctx = ctx;
    t->bio = bm;
    t->alpn = alpn;
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, t);
    return t;
fail:
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return NULL;
}

void qv_tls_ctx_free(qv_tls_ctx *ctx) {
    if (!ctx) return;
    SSL_CTX_free(ctx->ctx);
    BIO_meth_free(ctx->bio);
    free(ctx);
}

qv_tls *qv_tls_new(qv_tls_ctx *ctx, int fd, qv_err *err) {
    ERR_clear_error();
    SSL *s = SSL_new(ctx->ctx);
    BIO *bio = s ? BIO_new(ctx->bio) : NULL;
    char why[256];
    if (!bio) {
        ssl_reason(why, sizeof why);
        SSL_free(s);
        ERR_clear_error();
        qv_err_set(err, QV_ENOMEM, "cannot start a TLS session: %s", why);
        return NULL;
    }
    BIO_set_data(bio, (void *)(intptr_t)fd);
    SSL_set_bio(s, bio, bio);   /* s owns bio */
    SSL_set_accept_state(s);
    return s;
}

void qv_tls_free(qv_tls *t) { SSL_free(t); }

static ssize_t result(SSL *s, int rc) {
    switch (SSL_get_error(s, rc)) {
    case SSL_ERROR_WANT_READ: return QV_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return QV_TLS_WANT_WRITE;
    /* ZERO_RETURN (close_notify or EOF), SYSCALL (reset), SSL (protocol error). Never retried: with a
     * level-triggered loop, a socket at EOF mistaken for "try again" would spin. */
    default: return QV_TLS_CLOSED;
    }
}

ssize_t qv_tls_read(qv_tls *t, void *buf, size_t cap) {
    ERR_clear_error();
    int n = SSL_read(t, buf, cap > INT_MAX ? INT_MAX : (int)cap);
    return n > 0 ? n : result(t, n);
}

ssize_t qv_tls_write(qv_tls *t, const void *buf, size_t len) {
    if (len == 0) return 0;
    ERR_clear_error();
    int n = SSL_write(t, buf, len > INT_MAX ? INT_MAX : (int)len);
    return n > 0 ? n : result(t, n);
}

size_t qv_tls_pending(const qv_tls *t) {
    int n = SSL_pending(t);
    return n > 0 ? (size_t)n : 0;
}

bool qv_tls_handshake_done(const qv_tls *t) { return SSL_is_init_finished(t); }

void qv_tls_close_notify(qv_tls *t) {
    ERR_clear_error();
    if (SSL_is_init_finished(t)) SSL_shutdown(t);
    ERR_clear_error();
}

void qv_tls_last_error(char *out, size_t cap) {
    if (ERR_peek_last_error())
        ssl_reason(out, cap);
    else if (cap)
        out[0] = 0;
}
