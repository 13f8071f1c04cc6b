/* test_net_http.c — the HTTP/1.1 server (net/http1.c) over real loopback sockets: keep-alive,
 * pipelining, Content-Length and chunked uploads, 100-continue, HTTP/1.0, limits and errors as a
 * client sees them (status, headers, JSON body, whether the connection stays open).
 * Must not: reach into net/ internals, or use anything but loopback sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
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

#include "net/server.h"
#include "util/log.h"

/* ---- the handler under test ---- */

static void handler(void *ctx, const qv_http_request *req, qv_http_response *resp) {
    int *calls = ctx;
    __atomic_add_fetch(calls, 1, __ATOMIC_SEQ_CST);
    if (strcmp(req->path, "/big") == 0) {
        resp->content_type = "application/octet-stream";
        uint8_t *p = qv_buf_extend(&resp->body, 8u << 20);
        for (size_t i = 0; i < (8u << 20); i++) p[i] = (uint8_t)(i * 7);
        return;
    }
    if (strcmp(req->path, "/headers") == 0) {
        char name[32], value[200];
        for (int i = 0; i < 12; i++) {
            snprintf(name, sizeof name, "X-H%d", i);
            memset(value, 'a' + i, sizeof value - 1);
            value[sizeof value - 1] = 0;
            qv_http_response_header(resp, name, value);
        }
        qv_http_response_header(resp, "X-Bad", "evil\r\nInjected: 1");
        resp->status = 201;
        return;
    }
    const char *ua = qv_http_header_get(req, "USER-AGENT");
    qv_buf_printf(&resp->body, "{\"method\":\"%s\",\"path\":\"%s\",\"query\":\"%s\",\"ua\":\"%s\",\"len\":%zu,\"body\":\"%s\"}",
                  req->method, req->path, req->query, ua ? ua : "", req->body_len, (const char *)req->body);
    qv_http_response_header(resp, "x-request-id", "r-1");
}

typedef struct fixture {
    qv_net *net;
    int port;
    int calls;
} fixture;

static fixture *start(bool with_handler) {
    fixture *f = qv_calloc(1, sizeof *f);
    qv_net_config cfg = {.listen_addr = "127.0.0.1", .flight_port = 0, .http_port = 0, .threads = 2,
                         .max_message_size = 1 << 20, .max_http_body = 1000,
                         .http_handler = with_handler ? handler : NULL, .http_ctx = &f->calls};
    qv_err err;
    f->net = qv_net_start(&cfg, &err);
    if (!f->net) fail_msg("qv_net_start: %s", err.msg);
    f->port = qv_net_http_port(f->net);
    assert_true(f->port > 0);
    assert_int_not_equal(f->port, qv_net_flight_port(f->net));
    return f;
}

static void stop(fixture *f) {
    qv_net_stop(f->net);
    free(f);
}

/* ---- a tiny blocking HTTP client ---- */

typedef struct hc {
    int fd;
    qv_buf in;   /* received, not yet returned */
} hc;

typedef struct hresp {
    int status;
    char head[4096];
    qv_buf body;
} hresp;

static hc *hc_connect(int port) {
    hc *c = qv_calloc(1, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return c;
}

static void hc_close(hc *c) {
    close(c->fd);
    qv_buf_free(&c->in);
    free(c);
}

static void hc_send(hc *c, const char *s, size_t n) {
    while (n) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        s += w;
        n -= (size_t)w;
    }
}

static void hc_sends(hc *c, const char *s) { hc_send(c, s, strlen(s)); }

/* Reads more input; returns false on EOF. */
static bool hc_fill(hc *c) {
    qv_buf_reserve(&c->in, 65536);
    ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) fail_msg("timed out waiting for the server");
    if (n <= 0) return false;
    c->in.len += (size_t)n;
    return true;
}

static void hc_consume(hc *c, size_t n) {
    memmove(c->in.data, c->in.data + n, c->in.len - n);
    c->in.len -= n;
}

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

/* Reads one response (body by Content-Length, none for HEAD-like no-length responses). */
static bool hc_read(hc *c, hresp *r, bool head_only) {
    memset(r->head, 0, sizeof r->head);
    qv_buf_init(&r->body);
    char *end;
    while (!c->in.data || !(end = memmem(c->in.data, c->in.len, "\r\n\r\n", 4)))
        if (!hc_fill(c)) return false;
    size_t hl = (size_t)(end - (char *)c->in.data) + 4;
    assert_true(hl < sizeof r->head);
    memcpy(r->head, c->in.data, hl);
    hc_consume(c, hl);
    r->status = atoi(r->head + 9);
    const char *cl = head_value(r, "content-length");
    size_t len = cl && !head_only ? (size_t)strtoull(cl, NULL, 10) : 0;
    while (c->in.len < len)
        if (!hc_fill(c)) return false;
    qv_buf_append(&r->body, c->in.data, len);
    qv_buf_append_byte(&r->body, 0);
    r->body.len--;
    hc_consume(c, len);
    return true;
}

static bool hc_eof(hc *c) {
    while (c->in.len == 0) {
        qv_buf_reserve(&c->in, 4096);
        ssize_t n = recv(c->fd, c->in.data, c->in.cap, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) fail_msg("connection not closed by the server");
        if (n <= 0) return true;
        c->in.len += (size_t)n;
    }
    return false;
}

/* ---- tests ---- */

static void test_get_and_post_keep_alive(void **unused) {
    (void)unused;
    fixture *f = start(true);
    hc *c = hc_connect(f->port);
    hresp r;
    hc_sends(c, "GET /status?x=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: unit\r\n\r\n");
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data,
                        "{\"method\":\"GET\",\"path\":\"/status\",\"query\":\"x=1\",\"ua\":\"unit\",\"len\":0,\"body\":\"\"}");
    assert_string_equal(head_value(&r, "content-type"), "application/json");
    assert_string_equal(head_value(&r, "server"), "quiver");
    assert_string_equal(head_value(&r, "connection"), "keep-alive");
    assert_string_equal(head_value(&r, "x-request-id"), "r-1");
    assert_non_null(head_value(&r, "date"));
    assert_true(strstr(head_value(&r, "date"), " GMT") != NULL);
    qv_buf_free(&r.body);
    /* same connection: a POST with a body */
    hc_sends(c, "POST /opencypher HTTP/1.1\r\nHost: localhost\r\nContent-Length: 14\r\n\r\nquery=RETURN+1");
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr((char *)r.body.data, "\"len\":14,\"body\":\"query=RETURN+1\""));
    qv_buf_free(&r.body);
    /* HEAD: headers with the length, no body */
    hc_sends(c, "HEAD /status HTTP/1.1\r\n\r\n");
    assert_true(hc_read(c, &r, true));
    assert_int_equal(r.status, 200);
    assert_true(atoi(head_value(&r, "content-length")) > 0);
    qv_buf_free(&r.body);
    hc_sends(c, "GET /again HTTP/1.1\r\n\r\n");
    assert_true(hc_read(c, &r, false));
    assert_non_null(strstr((char *)r.body.data, "\"path\":\"/again\"")); /* nothing left over from HEAD */
    qv_buf_free(&r.body);
    assert_int_equal(f->calls, 4);
    hc_close(c);
    stop(f);
}

static void test_pipelined_and_chunked(void **unused) {
    (void)unused;
    fixture *f = start(true);
    hc *c = hc_connect(f->port);
    hc_sends(c, "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\n\r\n"
                "GET /b HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
    hresp r;
    const char *want[] = {"\"path\":\"/a\",\"query\":\"\",\"ua\":\"\",\"len\":7,\"body\":\"abcdefg\"",
                          "\"path\":\"/b\"", "\"path\":\"/c\",\"query\":\"\",\"ua\":\"\",\"len\":2,\"body\":\"hi\""};
    for (int i = 0; i < 3; i++) {
        assert_true(hc_read(c, &r, false));
        assert_int_equal(r.status, 200);
        if (!strstr((char *)r.body.data, want[i])) fail_msg("response %d: %s", i, r.body.data);
        qv_buf_free(&r.body);
    }
    /* a chunked upload sent in small pieces */
    const char *pieces[] = {"POST /d HTTP/1.1\r\nTransfer-", "Encoding: chunked\r\n\r\n", "5\r", "\nhel", "lo\r\n",
                            "0\r\n", "\r\n"};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        hc_sends(c, pieces[i]);
        usleep(2000);
    }
    assert_true(hc_read(c, &r, false));
    assert_non_null(strstr((char *)r.body.data, "\"len\":5,\"body\":\"hello\""));
    qv_buf_free(&r.body);
    hc_close(c);
    stop(f);
}

static void test_expect_100_continue(void **unused) {
    (void)unused;
    fixture *f = start(true);
    hc *c = hc_connect(f->port);
    hc_sends(c, "POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    hresp r;
    assert_true(hc_read(c, &r, true)); /* the interim response, before the body is sent */
    assert_int_equal(r.status, 100);
    qv_buf_free(&r.body);
    hc_sends(c, "data");
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr((char *)r.body.data, "\"body\":\"data\""));
    qv_buf_free(&r.body);
    hc_close(c);
    stop(f);
}

static void test_body_too_large(void **unused) {
    (void)unused;
    fixture *f = start(true);
    hc *c = hc_connect(f->port);
    hc_sends(c, "POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");
    char body[2000];
    memset(body, 'z', sizeof body);
    hc_send(c, body, sizeof body); /* part of the body is already on its way */
    hresp r;
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 413);
    assert_string_equal(head_value(&r, "connection"), "close");
    assert_string_equal(r.body.data, "{\"code\":\"BadRequestException\",\"detailedMessage\":"
                                     "\"request body of 5000 bytes exceeds the limit of 1000 bytes\"}");
    qv_buf_free(&r.body);
    assert_true(hc_eof(c));
    assert_int_equal(f->calls, 0);
    hc_close(c);
    /* chunked: detected as it arrives */
    c = hc_connect(f->port);
    hc_sends(c, "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n");
    hc_send(c, body, 1000);
    hc_sends(c, "\r\n1\r\n");
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 413);
    qv_buf_free(&r.body);
    assert_true(hc_eof(c));
    hc_close(c);
    stop(f);
}

static void test_bad_request(void **unused) {
    (void)unused;
    fixture *f = start(true);
    hc *c = hc_connect(f->port);
    hc_sends(c, "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n");
    hresp r;
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 400);
    assert_string_equal(head_value(&r, "content-type"), "application/json");
    assert_string_equal(r.body.data,
                        "{\"code\":\"BadRequestException\",\"detailedMessage\":\"malformed header name: Bad Header\"}");
    qv_buf_free(&r.body);
    assert_true(hc_eof(c));
    hc_close(c);
    /* a good request before a bad one is still answered, in order */
    c = hc_connect(f->port);
    hc_sends(c, "GET /ok HTTP/1.1\r\n\r\nGARBAGE\r\n\r\n");
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 200);
    qv_buf_free(&r.body);
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 400);
    qv_buf_free(&r.body);
    assert_true(hc_eof(c));
    hc_close(c);
    /* too many header bytes */
    c = hc_connect(f->port);
    hc_sends(c, "GET / HTTP/1.1\r\nX-Long: ");
    char big[17000];
    memset(big, 'a', sizeof big);
    hc_send(c, big, sizeof big);
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 431);
    qv_buf_free(&r.body);
    hc_close(c);
    assert_int_equal(f->calls, 1);
    stop(f);
}

static void test_http10_and_close(void **unused) {
    (void)unused;
    fixture *f = start(true);
    hc *c = hc_connect(f->port);
    hc_sends(c, "GET /old HTTP/1.0\r\n\r\n");
    hresp r;
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(head_value(&r, "connection"), "close");
    qv_buf_free(&r.body);
    assert_true(hc_eof(c));
    hc_close(c);
    c = hc_connect(f->port);
    hc_sends(c, "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /new HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_true(hc_read(c, &r, false));
    assert_string_equal(head_value(&r, "connection"), "keep-alive");
    qv_buf_free(&r.body);
    assert_true(hc_read(c, &r, false));
    assert_string_equal(head_value(&r, "connection"), "close");
    qv_buf_free(&r.body);
    assert_true(hc_eof(c));
    hc_close(c);
    stop(f);
}

static void test_headers_and_big_response(void **unused) {
    (void)unused;
    fixture *f = start(true);
    hc *c = hc_connect(f->port);
    hc_sends(c, "GET /headers HTTP/1.1\r\n\r\nGET /big HTTP/1.1\r\n\r\n");
    hresp r;
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 201);
    char want[200];
    for (int i = 0; i < 12; i++) {
        char name[16];
        snprintf(name, sizeof name, "x-h%d", i);
        memset(want, 'a' + i, sizeof want - 1);
        want[sizeof want - 1] = 0;
        assert_string_equal(head_value(&r, name), want);
    }
    assert_null(head_value(&r, "x-bad")); /* CR/LF in a value: dropped, not injected */
    assert_null(head_value(&r, "injected"));
    qv_buf_free(&r.body);
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 8u << 20);
    for (size_t i = 0; i < r.body.len; i += 4099) assert_int_equal(r.body.data[i], (uint8_t)(i * 7));
    qv_buf_free(&r.body);
    hc_close(c);
    stop(f);
}

static void test_no_handler_404(void **unused) {
    (void)unused;
    fixture *f = start(false);
    hc *c = hc_connect(f->port);
    hc_sends(c, "GET / HTTP/1.1\r\n\r\n");
    hresp r;
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 404);
    qv_buf_free(&r.body);
    hc_close(c);
    stop(f);
}

/* Idle and half-sent connections do not keep qv_net_stop waiting. */
static void test_stop_with_open_connections(void **unused) {
    (void)unused;
    fixture *f = start(true);
    hc *a = hc_connect(f->port), *b = hc_connect(f->port);
    hc_sends(b, "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345");
    hresp r;
    hc_sends(a, "GET / HTTP/1.1\r\n\r\n");
    assert_true(hc_read(a, &r, false));
    qv_buf_free(&r.body);
    stop(f);
    assert_true(hc_eof(a));
    assert_true(hc_eof(b));
    hc_close(a);
    hc_close(b);
}

static void test_listen_errors(void **unused) {
    (void)unused;
    fixture *f = start(true);
    qv_err err;
    /* A second server on a port in use is an error, not a silent SO_REUSEPORT share. */
    qv_net_config cfg = {.listen_addr = "127.0.0.1", .flight_port = qv_net_flight_port(f->net), .http_port = 0,
                         .threads = 1};
    assert_null(qv_net_start(&cfg, &err));
    assert_non_null(strstr(err.msg, "Address already in use"));
    assert_non_null(strstr(err.msg, "Arrow Flight"));
    cfg.flight_port = 0;
    cfg.http_port = f->port;
    assert_null(qv_net_start(&cfg, &err));
    assert_non_null(strstr(err.msg, "HTTP"));
    cfg.http_port = 0;
    cfg.listen_addr = "localhost";
    assert_null(qv_net_start(&cfg, &err));
    assert_string_equal(err.msg, "listen address 'localhost' is not an IPv4 or IPv6 literal");
    /* the first server is unaffected */
    hc *c = hc_connect(f->port);
    hc_sends(c, "GET / HTTP/1.1\r\n\r\n");
    hresp r;
    assert_true(hc_read(c, &r, false));
    assert_int_equal(r.status, 200);
    qv_buf_free(&r.body);
    hc_close(c);
    stop(f);
}

static void test_ipv6(void **unused) {
    (void)unused;
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (probe < 0 || bind(probe, (struct sockaddr *)&a, sizeof a) < 0) {
        if (probe >= 0) close(probe);
        skip(); /* no IPv6 loopback here */
    }
    close(probe);
    int calls = 0;
    qv_net_config cfg = {.listen_addr = "::1", .threads = 2, .max_http_body = 100, .http_handler = handler,
                         .http_ctx = &calls};
    qv_err err;
    qv_net *net = qv_net_start(&cfg, &err);
    if (!net) fail_msg("%s", err.msg);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    a.sin6_port = htons((uint16_t)qv_net_http_port(net));
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    hc c = {.fd = fd};
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    hc_sends(&c, "GET /v6 HTTP/1.1\r\n\r\n");
    hresp r;
    assert_true(hc_read(&c, &r, false));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr((char *)r.body.data, "/v6"));
    qv_buf_free(&r.body);
    qv_buf_free(&c.in);
    close(fd);
    qv_net_stop(net);
}

int main(void) {
    qv_log_set_level(QV_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_and_post_keep_alive),
        cmocka_unit_test(test_pipelined_and_chunked),
        cmocka_unit_test(test_expect_100_continue),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_bad_request),
        cmocka_unit_test(test_http10_and_close),
        cmocka_unit_test(test_headers_and_big_response),
        cmocka_unit_test(test_no_handler_404),
        cmocka_unit_test(test_stop_with_open_connections),
        cmocka_unit_test(test_listen_errors),
        cmocka_unit_test(test_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
