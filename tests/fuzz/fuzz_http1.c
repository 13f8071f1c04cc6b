/* fuzz_http1.c — libFuzzer target for the HTTP/1.1 request reader (net/http1_parse.c).
 *
 * The first input byte picks the fragment size and the body limit; the rest is fed as a connection's
 * byte stream, serving every complete request (pipelining) until the input ends or an error. Checks
 * the reader's promises: progress on every call, bounded head and body, lower-case header names,
 * NUL-terminated bodies, and a stable error state.
 * Must not: do I/O or keep state between inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1_parse.h"

#define CHECK(c)         \
    do {                 \
        if (!(c)) abort(); \
    } while (0)

static void check_request(const qv_http1_reader *r, uint64_t max_body) {
    const qv_http1_head *h = &r->head;
    CHECK(h->nheaders >= 0 && h->nheaders <= QV_HTTP1_MAX_HEADERS);
    CHECK(h->len <= QV_HTTP1_MAX_HEAD_BYTES);
    CHECK(h->method && h->path && h->query);
    CHECK(h->minor >= 0 && h->minor <= 9);
    for (int i = 0; i < h->nheaders; i++) {
        CHECK(h->headers[i].name[0] != 0);
        for (const char *p = h->headers[i].name; *p; p++) CHECK(!(*p >= 'A' && *p <= 'Z'));
        size_t vl = strlen(h->headers[i].value);
        CHECK(vl == 0 || (h->headers[i].value[0] != ' ' && h->headers[i].value[vl - 1] != ' '));
    }
    CHECK(r->body.len <= max_body);
    CHECK(r->body.len == 0 || r->body.data[r->body.len] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static const size_t frags[] = {1, 2, 3, 5, 8, 13, 64, 1 << 20};
    size_t frag = frags[data[0] & 7];
    uint64_t max_body = (data[0] & 8) ? 16 : 4096;
    data++;
    size--;
    qv_http1_reader r;
    qv_http1_reader_init(&r, max_body);
    size_t off = 0;
    int requests = 0;
    while (off < size) {
        size_t n = size - off < frag ? size - off : frag, used = 0;
        qv_http1_event ev = qv_http1_reader_feed(&r, data + off, n, &used);
        CHECK(used <= n);
        off += used;
        if (ev == QV_HTTP1_NEED_MORE) {
            CHECK(used == n);
        } else if (ev == QV_HTTP1_REQUEST) {
            check_request(&r, max_body);
            qv_http1_reader_next(&r);
            requests++;
        } else if (ev == QV_HTTP1_ERROR) {
            CHECK(r.status >= 400 && r.status <= 599 && r.error[0]);
            size_t again = 0;
            CHECK(qv_http1_reader_feed(&r, (const uint8_t *)"x", 1, &again) == QV_HTTP1_ERROR);
            break;
        } else {
            CHECK(ev == QV_HTTP1_CONTINUE);
            CHECK(r.head.expect_continue);
        }
    }
    (void)requests;
    qv_http1_reader_free(&r);
    return 0;
}
