/* test_net_tls.c — HTTPS on the HTTP port (net/tls.c and the TLS paths of conn.c and http1.c) over real
 * loopback sockets, with an OpenSSL client and a self-signed certificate made by the test: the handshake
 * (TLS 1.2+, our certificate), keep-alive and pipelined requests, a large streamed response read slowly
 * (the producer stalls on backpressure, then everything arrives intact), a client hanging up mid-stream
 * (sends fail, cancel flag set), a plaintext client (a plaintext 400, then a clean close), a TLS 1.1-only
 * client refused, clients that stall before finishing the handshake dropped, and start-up errors for missing, non-PEM and mismatched certificate/key files.
 * Must not: reach into net/ internals. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net/server.h"
#include "util/log.h"

/* ---- certificates ---- */

static char g_dir[64], g_cert[128], g_key[128], g_key2[128], g_junk[128];

static EVP_PKEY *make_key(void) {
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

static void write_key(EVP_PKEY *k, const char *path) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
}

static int setup_certs(void **unused) {
    (void)unused;
    snprintf(g_dir, sizeof g_dir, "/tmp/qv_tls_test_XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(g_cert, sizeof g_cert, "%s/cert.pem", g_dir);
    snprintf(g_key, sizeof g_key, "%s/key.pem", g_dir);
    snprintf(g_key2, sizeof g_key2, "%s/other-key.pem", g_dir);
    snprintf(g_junk, sizeof g_junk, "%s/junk.pem", g_dir);
    EVP_PKEY *k = make_key(), *k2 = make_key();
    X509 *x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, k);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    assert_non_null(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    FILE *f = fopen(g_cert, "w");
    assert_non_null(f);
    PEM_write_X509(f, x);
    fclose(f);
    write_key(k, g_key);
    write_key(k2, g_key2);
    f = fopen(g_junk, "w");
    fputs("this is not PEM\n", f);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(k);
    EVP_PKEY_free(k2);
    return 0;
}

static int teardown_certs(void **unused) {
    (void)unused;
    unlink(g_cert);
    unlink(g_key);
    unlink(g_key2);
    unlink(g_junk);
    rmdir(g_dir);
    return 0;
}

/* ---- server: a handler streaming on producer threads ---- */

#define MAX_JOBS 16

typedef struct job {
    qv_http_stream *s;
    size_t total;
    _Atomic size_t sent;
    atomic_bool saw_cancel, send_failed, done;
    pthread_t th;
} job;

typedef struct fixture {
    qv_net *net;
    int port;
    pthread_mutex_t mu;
    job jobs[MAX_JOBS];
    int njobs;
} fixture;

static uint8_t pattern(size_t i) { return (uint8_t)('a' + (i * 7) % 26); }

static void *producer(void *arg) {
    job *j = arg;
    uint8_t chunk[65536];
    size_t off = 0;
    while (off < j->total) {
        size_t n = j->total - off < sizeof chunk ? j->total - off : sizeof chunk;
        for (size_t i = 0; i < n; i++) chunk[i] = pattern(off + i);
        if (qv_http_stream_send(j->s, chunk, n) < 0) {
            atomic_store(&j->send_failed, true);
            break;
        }
        off += n;
        atomic_store(&j->sent, off);
    }
    atomic_store(&j->saw_cancel, atomic_load(qv_http_stream_cancelled(j->s)));
    qv_http_stream_end(j->s);
    atomic_store(&j->done, true);
    return NULL;
}

static void handler(void *ctx, const qv_http_request *req, qv_http_response *resp) {
    fixture *f = ctx;
    if (strncmp(req->path, "/stream/", 8) != 0) {
        qv_buf_printf(&resp->body, "echo %s %zu", req->path, req->body_len);
        return;
    }
    qv_http_stream *s = qv_http_defer(req);
    assert_non_null(s);
    pthread_mutex_lock(&f->mu);
    assert_true(f->njobs < MAX_JOBS);
    job *j = &f->jobs[f->njobs++];
    pthread_mutex_unlock(&f->mu);
    j->s = s;
    j->total = strtoull(req->path + 8, NULL, 10);
    assert_int_equal(pthread_create(&j->th, NULL, producer, j), 0);
}

static qv_net *start_net(fixture *f, const char *cert, const char *key, qv_err *err) {
    qv_net_config cfg = {.listen_addr = "127.0.0.1", .flight_port = 0, .http_port = 0, .threads = 2,
                         .max_message_size = 1 << 20, .max_http_body = 1 << 20, .http_handler = handler,
                         .http_ctx = f, .tls_cert = cert, .tls_key = key, .tls_handshake_ms = 400};
    return qv_net_start(&cfg, err);
}

static fixture *start(void) {
    fixture *f = qv_calloc(1, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    qv_err err;
    /* The workers start with SIGPIPE unblocked (and not ignored): a server write to a reset connection
     * that raised it would kill the test. The client threads (this one) block it for their own writes. */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_UNBLOCK, &pipe, NULL);
    f->net = start_net(f, g_cert, g_key, &err);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    if (!f->net) fail_msg("qv_net_start: %s", err.msg);
    f->port = qv_net_http_port(f->net);
    return f;
}

static void stop(fixture *f) {
    qv_net_stop(f->net);
    for (int i = 0; i < f->njobs; i++) pthread_join(f->jobs[i].th, NULL);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static job *job_at(fixture *f, int i) {
    for (int t = 0; t < 500; t++) {
        pthread_mutex_lock(&f->mu);
        bool there = f->njobs > i;
        pthread_mutex_unlock(&f->mu);
        if (there) return &f->jobs[i];
        usleep(10000);
    }
    fail_msg("request %d never reached the handler", i);
    return NULL;
}

static bool wait_flag(atomic_bool *b, int ms) {
    for (int t = 0; t < ms / 5; t++) {
        if (atomic_load(b)) return true;
        usleep(5000);
    }
    return atomic_load(b);
}

/* ---- a blocking client, TLS or plaintext ---- */

typedef struct hc {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    qv_buf in;
} hc;

static int tcp_connect(int port, int rcvbuf) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* max_version 0: any. Returns NULL when the handshake fails. The server's certificate is verified
 * against the test's own (self-signed) certificate. */
static hc *hc_tls(int port, int max_version, int rcvbuf) {
    hc *c = qv_calloc(1, sizeof *c);
    c->fd = tcp_connect(port, rcvbuf);
    c->ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(c->ctx);
    if (max_version) {
        SSL_CTX_set_min_proto_version(c->ctx, 0);
        SSL_CTX_set_max_proto_version(c->ctx, max_version);
        SSL_CTX_set_security_level(c->ctx, 0);
    }
    assert_int_equal(SSL_CTX_load_verify_locations(c->ctx, g_cert, NULL), 1);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    SSL_set1_host(c->ssl, "localhost");
    if (SSL_connect(c->ssl) != 1) {
        ERR_clear_error();
        SSL_free(c->ssl);
        SSL_CTX_free(c->ctx);
        close(c->fd);
        free(c);
        return NULL;
    }
    return c;
}

static hc *hc_plain(int port) {
    hc *c = qv_calloc(1, sizeof *c);
    c->fd = tcp_connect(port, 0);
    return c;
}

static void hc_close(hc *c) {
    if (c->ssl) SSL_free(c->ssl);
    if (c->ctx) SSL_CTX_free(c->ctx);
    close(c->fd);
    qv_buf_free(&c->in);
    free(c);
}

static void hc_sends(hc *c, const char *s) {
    size_t n = strlen(s);
    while (n) {
        ssize_t w = c->ssl ? SSL_write(c->ssl, s, (int)n) : send(c->fd, s, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        s += w;
        n -= (size_t)w;
    }
}

/* Reads more; returns what recv/SSL_read returned (<= 0 at the end). */
static ssize_t hc_recv(hc *c) {
    qv_buf_reserve(&c->in, 1 << 16);
    ssize_t n = c->ssl ? SSL_read(c->ssl, c->in.data + c->in.len, (int)(c->in.cap - c->in.len))
                       : recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
    if (n > 0) c->in.len += (size_t)n;
    return n;
}

static void hc_fill(hc *c) {
    if (hc_recv(c) <= 0) fail_msg("connection ended or timed out (%s)", strerror(errno));
}

static void hc_consume(hc *c, size_t n) {
    memmove(c->in.data, c->in.data + n, c->in.len - n);
    c->in.len -= n;
}

static void hc_line(hc *c, char *out, size_t cap) {
    char *e;
    while (!c->in.len || !(e = memmem(c->in.data, c->in.len, "\r\n", 2))) hc_fill(c);
    size_t n = (size_t)(e - (char *)c->in.data);
    assert_true(n < cap);
    memcpy(out, c->in.data, n);
    out[n] = 0;
    hc_consume(c, n + 2);
}

typedef struct hresp {
    int status;
    char head[4096];
    qv_buf body;
    bool chunked;
} hresp;

static const char *head_value(const hresp *r, const char *name) {
    static __thread char v[512];
    size_t n = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n"))
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *s = p + 3 + n, *e = strstr(s, "\r\n");
            while (*s == ' ') s++;
            snprintf(v, sizeof v, "%.*s", (int)(e - s), s);
            return v;
        }
    return NULL;
}

static void hc_read(hc *c, hresp *r) {
    memset(r, 0, sizeof *r);
    qv_buf_init(&r->body);
    char line[1024];
    size_t hl = 0;
    for (;;) {
        hc_line(c, line, sizeof line);
        hl += (size_t)snprintf(r->head + hl, sizeof r->head - hl, "%s\r\n", line);
        if (!*line) break;
    }
    r->status = atoi(r->head + 9);
    const char *te = head_value(r, "transfer-encoding");
    if (te && strcasecmp(te, "chunked") == 0) {
        r->chunked = true;
        for (;;) {
            hc_line(c, line, sizeof line);
            size_t n = strtoull(line, NULL, 16);
            if (n == 0) {
                do hc_line(c, line, sizeof line);
                while (*line);
                break;
            }
            while (c->in.len < n + 2) hc_fill(c);
            qv_buf_append(&r->body, c->in.data, n);
            assert_memory_equal((char *)c->in.data + n, "\r\n", 2);
            hc_consume(c, n + 2);
        }
    } else {
        const char *cl = head_value(r, "content-length");
        assert_non_null(cl);
        size_t n = strtoull(cl, NULL, 10);
        while (c->in.len < n) hc_fill(c);
        qv_buf_append(&r->body, c->in.data, n);
        hc_consume(c, n);
    }
}

/* ---- tests ---- */

static void test_handshake_keepalive_pipelined(void **unused) {
    (void)unused;
    fixture *f = start();
    hc *c = hc_tls(f->port, 0, 0);
    assert_non_null(c);
    assert_true(SSL_version(c->ssl) >= TLS1_2_VERSION);
    assert_int_equal(SSL_get_verify_result(c->ssl), X509_V_OK);
    hresp r;
    for (int i = 0; i < 3; i++) {   /* keep-alive: one connection, several requests */
        char req[128], want[64];
        snprintf(req, sizeof req, "POST /k%d HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", i);
        hc_sends(c, req);
        hc_read(c, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(head_value(&r, "connection"), "keep-alive");
        snprintf(want, sizeof want, "echo /k%d 5", i);
        assert_int_equal(r.body.len, strlen(want));
        assert_memory_equal(r.body.data, want, strlen(want));
        qv_buf_free(&r.body);
    }
    /* pipelined, with a streamed answer in between, in one TLS record */
    hc_sends(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /stream/100000 HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    hc_read(c, &r);
    assert_memory_equal(r.body.data, "echo /a 0", 9);
    qv_buf_free(&r.body);
    hc_read(c, &r);
    assert_true(r.chunked);
    assert_int_equal(r.body.len, 100000);
    for (size_t i = 0; i < 100000; i++) assert_int_equal(r.body.data[i], pattern(i));
    qv_buf_free(&r.body);
    hc_read(c, &r);
    assert_memory_equal(r.body.data, "echo /b 0", 9);
    assert_string_equal(head_value(&r, "connection"), "close");
    qv_buf_free(&r.body);
    /* then the server closes: close_notify, so SSL_read ends cleanly */
    assert_int_equal(hc_recv(c), 0);
    assert_int_equal(SSL_get_error(c->ssl, 0), SSL_ERROR_ZERO_RETURN);
    hc_close(c);
    stop(f);
}

static void test_large_stream_slow_reader(void **unused) {
    (void)unused;
    fixture *f = start();
    hc *c = hc_tls(f->port, 0, 8192);
    assert_non_null(c);
    size_t total = (size_t)48 << 20;
    char req[128];
    snprintf(req, sizeof req, "GET /stream/%zu HTTP/1.1\r\nHost: x\r\n\r\n", total);
    hc_sends(c, req);
    job *j = job_at(f, 0);
    /* not reading: the producer must stall well before the end (backpressure through TLS) */
    size_t a = 0, b = atomic_load(&j->sent);
    for (int tries = 0; tries < 50 && (a != b || b == 0); tries++) {
        usleep(200000);
        a = b;
        b = atomic_load(&j->sent);
    }
    assert_int_equal(a, b);
    assert_true(b < total / 2);
    assert_false(atomic_load(&j->done));
    /* now read everything, slowly at first */
    hresp r;
    hc_line(c, r.head, sizeof r.head);
    assert_string_equal(r.head, "HTTP/1.1 200 OK");
    for (int i = 0; i < 20; i++) {
        hc_fill(c);
        usleep(10000);
    }
    /* put the status line back for hc_read */
    qv_buf head;
    qv_buf_init(&head);
    qv_buf_append_str(&head, "HTTP/1.1 200 OK\r\n");
    qv_buf_append(&head, c->in.data, c->in.len);
    qv_buf_free(&c->in);
    c->in = head;
    hc_read(c, &r);
    assert_true(r.chunked);
    assert_int_equal(r.body.len, total);
    for (size_t i = 0; i < total; i += 4093) assert_int_equal(r.body.data[i], pattern(i));
    assert_int_equal(r.body.data[total - 1], pattern(total - 1));
    qv_buf_free(&r.body);
    assert_true(wait_flag(&j->done, 5000));
    assert_false(atomic_load(&j->saw_cancel));
    /* the connection is still usable */
    hc_sends(c, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    hc_read(c, &r);
    assert_memory_equal(r.body.data, "echo /after 0", 13);
    qv_buf_free(&r.body);
    hc_close(c);
    stop(f);
}

static void test_hangup_mid_stream(void **unused) {
    (void)unused;
    fixture *f = start();
    hc *c = hc_tls(f->port, 0, 0);
    assert_non_null(c);
    hc_sends(c, "GET /stream/100000000000 HTTP/1.1\r\nHost: x\r\n\r\n");
    for (int i = 0; i < 10; i++) hc_fill(c);   /* some of it arrives */
    job *j = job_at(f, 0);
    assert_false(atomic_load(&j->done));
    hc_close(c);   /* no close_notify: just gone */
    assert_true(wait_flag(&j->done, 5000));
    assert_true(atomic_load(&j->send_failed));
    assert_true(atomic_load(&j->saw_cancel));
    /* the server still serves others */
    c = hc_tls(f->port, 0, 0);
    assert_non_null(c);
    hc_sends(c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    hresp r;
    hc_read(c, &r);
    assert_memory_equal(r.body.data, "echo /x 0", 9);
    qv_buf_free(&r.body);
    hc_close(c);
    stop(f);
}

static void test_plaintext_client_refused(void **unused) {
    (void)unused;
    fixture *f = start();
    hc *c = hc_plain(f->port);
    hc_sends(c, "POST /gremlin HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
    hresp r;
    hc_read(c, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(head_value(&r, "connection"), "close");
    assert_non_null(memmem(r.body.data, r.body.len, "https://", 8));
    qv_buf_free(&r.body);
    ssize_t n = hc_recv(c);
    assert_int_equal(n, 0);   /* a clean end of stream, not a reset */
    hc_close(c);
    /* a TLS client right after is served */
    c = hc_tls(f->port, 0, 0);
    assert_non_null(c);
    hc_close(c);
    stop(f);
}

static void test_stalled_handshake_dropped(void **unused) {
    (void)unused;
    fixture *f = start();
    hc *silent = hc_plain(f->port);   /* connects, says nothing */
    hc *partial = hc_plain(f->port);  /* starts a TLS record, never finishes it */
    hc_sends(partial, "\x16\x03\x01");
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    assert_int_equal(hc_recv(silent), 0);
    assert_int_equal(hc_recv(partial), 0);
    gettimeofday(&t1, NULL);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
    assert_true(ms >= 300 && ms < 8000);
    hc_close(silent);
    hc_close(partial);
    /* a connection that completed its handshake is not dropped by that timer */
    hc *c = hc_tls(f->port, 0, 0);
    assert_non_null(c);
    usleep(700000);
    hc_sends(c, "GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    hresp r;
    hc_read(c, &r);
    assert_memory_equal(r.body.data, "echo /late 0", 12);
    qv_buf_free(&r.body);
    hc_close(c);
    stop(f);
}

static void test_old_tls_refused(void **unused) {
    (void)unused;
    fixture *f = start();
    hc *c = hc_tls(f->port, TLS1_1_VERSION, 0);
    assert_null(c);
    stop(f);
}

static void test_bad_files(void **unused) {
    (void)unused;
    fixture f = {0};
    qv_err err;
    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope.pem", g_dir);
    assert_null(start_net(&f, missing, g_key, &err));
    assert_non_null(strstr(err.msg, "nope.pem"));
    assert_non_null(strstr(err.msg, "No such file"));
    assert_null(start_net(&f, g_cert, missing, &err));
    assert_non_null(strstr(err.msg, "--tls-key"));
    assert_null(start_net(&f, g_junk, g_key, &err));
    assert_non_null(strstr(err.msg, "cannot load the TLS certificate"));
    assert_null(start_net(&f, g_cert, g_junk, &err));
    assert_non_null(strstr(err.msg, "cannot load the TLS private key"));
    assert_null(start_net(&f, g_cert, g_key2, &err));
    assert_non_null(strstr(err.msg, "does not match"));
    assert_null(start_net(&f, g_cert, NULL, &err));
    assert_non_null(strstr(err.msg, "both"));
}

int main(void) {
    qv_log_set_level(QV_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_keepalive_pipelined),
        cmocka_unit_test(test_large_stream_slow_reader),
        cmocka_unit_test(test_hangup_mid_stream),
        cmocka_unit_test(test_plaintext_client_refused),
        cmocka_unit_test(test_stalled_handshake_dropped),
        cmocka_unit_test(test_old_tls_refused),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, setup_certs, teardown_certs);
}
