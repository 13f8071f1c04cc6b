/* test_net_http1_parse.c — the HTTP/1.1 request reader (net/http1_parse.c) as a pure function:
 * every request is also fed in fragments (1, 2, 3, 7 bytes at a time) and must parse the same way.
 * Must not: open sockets (the reader is pure; test_net_http.c covers the connection). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/http1_parse.h"

/* Feeds `in` in pieces of `step` bytes until an event other than NEED_MORE; returns it and sets *used
 * to the bytes consumed overall. */
static qv_http1_event feed_steps(qv_http1_reader *r, const char *in, size_t len, size_t step, size_t *used) {
    size_t off = 0;
    while (off < len) {
        size_t n = len - off < step ? len - off : step, got = 0;
        qv_http1_event ev = qv_http1_reader_feed(r, (const uint8_t *)in + off, n, &got);
        assert_true(got <= n);
        off += got;
        if (ev != QV_HTTP1_NEED_MORE) {
            *used = off;
            return ev;
        }
        assert_int_equal(got, n); /* NEED_MORE means everything was consumed */
    }
    *used = off;
    return QV_HTTP1_NEED_MORE;
}

static const size_t steps[] = {100000, 1, 2, 3, 7};
#define NSTEPS (sizeof steps / sizeof steps[0])

static const char *hdr(const qv_http1_reader *r, const char *name) {
    for (int i = 0; i < r->head.nheaders; i++)
        if (strcmp(r->head.headers[i].name, name) == 0) return r->head.headers[i].value;
    return NULL;
}

static void test_simple_get(void **unused) {
    (void)unused;
    const char *req = "GET /status?x=1&y=2 HTTP/1.1\r\nHost: localhost:8182\r\nX-Mixed-Case:   padded value \t\r\n"
                      "Accept: */*\r\n\r\n";
    for (size_t s = 0; s < NSTEPS; s++) {
        qv_http1_reader r;
        qv_http1_reader_init(&r, 1000);
        size_t used;
        assert_int_equal(feed_steps(&r, req, strlen(req), steps[s], &used), QV_HTTP1_REQUEST);
        assert_int_equal(used, strlen(req));
        assert_string_equal(r.head.method, "GET");
        assert_string_equal(r.head.path, "/status");
        assert_string_equal(r.head.query, "x=1&y=2");
        assert_int_equal(r.head.minor, 1);
        assert_true(r.head.keep_alive);
        assert_int_equal(r.head.nheaders, 3);
        assert_string_equal(hdr(&r, "x-mixed-case"), "padded value");
        assert_string_equal(hdr(&r, "host"), "localhost:8182");
        assert_int_equal(r.body.len, 0);
        qv_http1_reader_free(&r);
    }
}

static void test_content_length_body_fragmented(void **unused) {
    (void)unused;
    const char *req = "POST /opencypher HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      "Content-Length: 24\r\n\r\nquery=RETURN+1+AS+x%0A!";
    /* body is 23 bytes: the reader must wait for the 24th */
    for (size_t s = 0; s < NSTEPS; s++) {
        qv_http1_reader r;
        qv_http1_reader_init(&r, 1000);
        size_t used;
        assert_int_equal(feed_steps(&r, req, strlen(req), steps[s], &used), QV_HTTP1_NEED_MORE);
        size_t got;
        assert_int_equal(qv_http1_reader_feed(&r, (const uint8_t *)"Z", 1, &got), QV_HTTP1_REQUEST);
        assert_int_equal(got, 1);
        assert_int_equal(r.body.len, 24);
        assert_memory_equal(r.body.data, "query=RETURN+1+AS+x%0A!Z", 24);
        assert_int_equal(r.body.data[24], 0); /* NUL-terminated for convenience */
        qv_http1_reader_free(&r);
    }
}

static void test_chunked(void **unused) {
    (void)unused;
    const char *req = "POST /queries HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n6;name=value\r\n world\r\nA \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";
    for (size_t s = 0; s < NSTEPS; s++) {
        qv_http1_reader r;
        qv_http1_reader_init(&r, 1000);
        size_t used;
        assert_int_equal(feed_steps(&r, req, strlen(req), steps[s], &used), QV_HTTP1_REQUEST);
        assert_int_equal(used, strlen(req));
        assert_int_equal(r.body.len, 21);
        assert_memory_equal(r.body.data, "hello world0123456789", 21);
        qv_http1_reader_free(&r);
    }
}

static void test_pipelined(void **unused) {
    (void)unused;
    const char *two = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n"
                      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n";
    qv_http1_reader r;
    qv_http1_reader_init(&r, 1000);
    const char *want[] = {"/a", "/b", "/c"};
    const char *body[] = {"abc", "", "x"};
    size_t off = 0, len = strlen(two);
    for (int i = 0; i < 3; i++) {
        size_t used;
        assert_int_equal(feed_steps(&r, two + off, len - off, 100000, &used), QV_HTTP1_REQUEST);
        assert_string_equal(r.head.path, want[i]);
        assert_int_equal(r.body.len, strlen(body[i]));
        assert_memory_equal(r.body.data, body[i], strlen(body[i]));
        off += used;
        qv_http1_reader_next(&r);
    }
    assert_int_equal(off, len);
    qv_http1_reader_free(&r);
}

static int error_of(const char *req, uint64_t max_body, char *msg, size_t cap) {
    int status = 0;
    for (size_t s = 0; s < NSTEPS; s++) {
        qv_http1_reader r;
        qv_http1_reader_init(&r, max_body);
        size_t used;
        qv_http1_event ev = feed_steps(&r, req, strlen(req), steps[s], &used);
        if (ev != QV_HTTP1_ERROR) fail_msg("no error for step %zu: event %d for %s", steps[s], ev, req);
        if (s == 0) {
            status = r.status;
            if (msg) snprintf(msg, cap, "%s", r.error);
        } else {
            assert_int_equal(r.status, status); /* fragmentation does not change the verdict */
        }
        size_t got;
        assert_int_equal(qv_http1_reader_feed(&r, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, &got), QV_HTTP1_ERROR);
        qv_http1_reader_free(&r);
    }
    return status;
}

static void test_limits(void **unused) {
    (void)unused;
    char msg[256];
    /* 65 headers */
    qv_buf b;
    qv_buf_init(&b);
    qv_buf_append_str(&b, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 65; i++) qv_buf_printf(&b, "h%d: v\r\n", i);
    qv_buf_append_str(&b, "\r\n");
    qv_buf_append_byte(&b, 0);
    assert_int_equal(error_of((char *)b.data, 1000, msg, sizeof msg), 431);
    /* 64 are fine */
    qv_buf_reset(&b);
    qv_buf_append_str(&b, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 64; i++) qv_buf_printf(&b, "h%d: v\r\n", i);
    qv_buf_append_str(&b, "\r\n");
    qv_http1_reader r;
    qv_http1_reader_init(&r, 10);
    size_t used;
    assert_int_equal(feed_steps(&r, (char *)b.data, b.len, 100000, &used), QV_HTTP1_REQUEST);
    assert_int_equal(r.head.nheaders, 64);
    qv_http1_reader_free(&r);
    /* a head over 16 KiB */
    qv_buf_reset(&b);
    qv_buf_append_str(&b, "GET / HTTP/1.1\r\nx-big: ");
    for (int i = 0; i < 17000; i++) qv_buf_append_byte(&b, 'a');
    qv_buf_append_str(&b, "\r\n\r\n");
    qv_buf_append_byte(&b, 0);
    assert_int_equal(error_of((char *)b.data, 1000, msg, sizeof msg), 431);
    qv_buf_free(&b);
    /* body limits: declared, and chunked as it accumulates */
    assert_int_equal(error_of("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 10, msg, sizeof msg), 413);
    assert_string_equal(msg, "request body of 11 bytes exceeds the limit of 10 bytes");
    assert_int_equal(error_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\naaaaaa\r\n5\r\n", 10, NULL, 0),
                     413);
    /* exactly at the limit */
    qv_http1_reader_init(&r, 10);
    const char *ok = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
    assert_int_equal(feed_steps(&r, ok, strlen(ok), 3, &used), QV_HTTP1_REQUEST);
    qv_http1_reader_free(&r);
}

static void test_malformed(void **unused) {
    (void)unused;
    char msg[256];
    assert_int_equal(error_of("GET / HTTP/1.1\rX: y\r\n\r\n", 10, NULL, 0), 400);           /* bare CR */
    assert_int_equal(error_of("GET / HTTP/1.1\r\nX: a\r\n  folded\r\n\r\n", 10, NULL, 0), 400); /* obs-fold */
    assert_int_equal(error_of("GET / HTTP/1.1\r\nX : a\r\n\r\n", 10, NULL, 0), 400);       /* space before ':' */
    assert_int_equal(error_of("GET / HTTP/1.1\r\nno colon\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("G(T / HTTP/1.1\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("GET / HTTP/2.0\r\n\r\n", 10, msg, sizeof msg), 505);
    assert_int_equal(error_of("GET / HTTP/1.1x\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("GET /\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("GET nope HTTP/1.1\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("GET /a\x01 HTTP/1.1\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 10, msg, sizeof msg), 400);
    assert_string_equal(msg, "invalid Content-Length: 1x");
    assert_int_equal(error_of("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(
        error_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 10, NULL, 0), 501);
    assert_int_equal(error_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 10, NULL, 0), 400);
    assert_int_equal(
        error_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 10, NULL, 0), 400);
    assert_int_equal(error_of("GET / HTTP/1.1\r\nExpect: magic\r\n\r\n", 10, NULL, 0), 417);
    assert_int_equal(error_of("GET / HTTP/1.1\r\nX: a\x7f\x01\r\n\r\n", 10, NULL, 0), 400);
}

static void test_keep_alive_rules(void **unused) {
    (void)unused;
    struct {
        const char *req;
        bool keep;
    } cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n", false},
        {"GET / HTTP/1.0\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
        {"GET / HTTP/1.0\r\nConnection: keep-alivex\r\n\r\n", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qv_http1_reader r;
        qv_http1_reader_init(&r, 10);
        size_t used;
        assert_int_equal(feed_steps(&r, cases[i].req, strlen(cases[i].req), 100000, &used), QV_HTTP1_REQUEST);
        if (r.head.keep_alive != cases[i].keep) fail_msg("keep-alive wrong for %s", cases[i].req);
        qv_http1_reader_free(&r);
    }
}

static void test_expect_continue(void **unused) {
    (void)unused;
    const char *head = "POST /x HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n";
    for (size_t s = 0; s < NSTEPS; s++) {
        qv_http1_reader r;
        qv_http1_reader_init(&r, 10);
        size_t used;
        assert_int_equal(feed_steps(&r, head, strlen(head), steps[s], &used), QV_HTTP1_CONTINUE);
        assert_int_equal(used, strlen(head));
        assert_int_equal(feed_steps(&r, "body", 4, steps[s], &used), QV_HTTP1_REQUEST);
        assert_memory_equal(r.body.data, "body", 4);
        qv_http1_reader_free(&r);
    }
    /* no body, or HTTP/1.0: no 100 Continue */
    qv_http1_reader r;
    qv_http1_reader_init(&r, 10);
    size_t used;
    const char *get = "GET /x HTTP/1.1\r\nExpect: 100-continue\r\n\r\n";
    assert_int_equal(feed_steps(&r, get, strlen(get), 100000, &used), QV_HTTP1_REQUEST);
    qv_http1_reader_next(&r);
    const char *old = "POST /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz";
    assert_int_equal(feed_steps(&r, old, strlen(old), 100000, &used), QV_HTTP1_REQUEST);
    qv_http1_reader_free(&r);
    /* Over the limit: 413 instead of 100 Continue. */
    assert_int_equal(error_of("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n", 10, NULL, 0),
                     413);
}

static void test_targets_and_leading_lines(void **unused) {
    (void)unused;
    struct {
        const char *req, *path, *query;
    } cases[] = {
        {"\r\n\r\nGET /a HTTP/1.1\r\n\r\n", "/a", ""},
        {"GET http://localhost:8182/status?q=1 HTTP/1.1\r\n\r\n", "/status", "q=1"},
        {"GET http://localhost:8182 HTTP/1.1\r\n\r\n", "/", ""},
        {"GET http://localhost:8182?z HTTP/1.1\r\n\r\n", "/", "z"},
        {"OPTIONS * HTTP/1.1\r\n\r\n", "*", ""},
        {"GET /a?b?c HTTP/1.1\n\n", "/a", "b?c"}, /* bare LF line ends are accepted */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (size_t s = 0; s < NSTEPS; s++) {
            qv_http1_reader r;
            qv_http1_reader_init(&r, 10);
            size_t used;
            assert_int_equal(feed_steps(&r, cases[i].req, strlen(cases[i].req), steps[s], &used), QV_HTTP1_REQUEST);
            assert_string_equal(r.head.path, cases[i].path);
            assert_string_equal(r.head.query, cases[i].query);
            qv_http1_reader_free(&r);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_content_length_body_fragmented),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_keep_alive_rules),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_targets_and_leading_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
