/* http1_parse.h — the HTTP/1.1 request reader: bytes in, requests out (internal to src/net; pure).
 *
 * Owns: turning a byte stream into requests: request line, headers (names lower-cased, values trimmed),
 * Content-Length and chunked bodies (chunk extensions and trailers are read and dropped), limits
 * (QV_HTTP1_MAX_HEADERS headers and QV_HTTP1_MAX_HEAD_BYTES of head -> 431, max_body -> 413),
 * keep-alive rules (HTTP/1.1 persistent unless "Connection: close"; HTTP/1.0 only with
 * "Connection: keep-alive") and "Expect: 100-continue". Input may arrive in any fragmentation, one
 * byte at a time included; the reader copies what it needs, so the caller may discard consumed bytes.
 * Must not: do I/O, allocate without bound (the head is a fixed array, the body is capped), or
 * accept ambiguous framing (Content-Length with Transfer-Encoding, differing Content-Lengths).
 */
#ifndef QV_NET_HTTP1_PARSE_H
#define QV_NET_HTTP1_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http.h"
#include "util/buf.h"

#define QV_HTTP1_MAX_HEADERS 64
#define QV_HTTP1_MAX_HEAD_BYTES 16384

typedef enum {
    QV_HTTP1_NEED_MORE = 0,   /* every byte given was consumed; feed more */
    QV_HTTP1_CONTINUE,        /* head read, body expected and the client asked for "100 Continue" */
    QV_HTTP1_REQUEST,         /* a complete request is in r->head / r->body; then qv_http1_reader_next */
    QV_HTTP1_ERROR,           /* r->status (400, 413, 417, 431, 501, 505) and r->error say why */
} qv_http1_event;

typedef enum { QV_HTTP1_BODY_NONE, QV_HTTP1_BODY_LENGTH, QV_HTTP1_BODY_CHUNKED } qv_http1_body_kind;

typedef struct qv_http1_head {
    const char *method;
    const char *path;         /* origin-form path ("/a/b"); absolute-form targets are reduced to it */
    const char *query;        /* after '?', "" when none */
    int minor;                /* HTTP/1.<minor> */
    qv_http_header headers[QV_HTTP1_MAX_HEADERS];
    int nheaders;
    qv_http1_body_kind body;
    uint64_t content_length;
    bool keep_alive;
    bool expect_continue;
    char text[QV_HTTP1_MAX_HEAD_BYTES + 1];  /* the head's bytes, split in place into the strings above */
    size_t len;
} qv_http1_head;

typedef struct qv_http1_reader {
    uint64_t max_body;
    int state;
    bool line_nonempty;       /* head / trailer scanning: current line has content */
    qv_http1_head head;
    qv_buf body;              /* NUL-terminated (the NUL is not counted in body.len) */
    uint64_t remaining;       /* bytes left in the Content-Length body or the current chunk */
    char line[256];           /* chunk-size line being collected */
    size_t line_len;
    size_t trailer_bytes;
    int status;               /* on QV_HTTP1_ERROR */
    char error[256];
} qv_http1_reader;

void qv_http1_reader_init(qv_http1_reader *r, uint64_t max_body);
void qv_http1_reader_free(qv_http1_reader *r);
/* Consumes bytes from in[0..len), stopping after an event other than NEED_MORE; *consumed says how many
 * bytes were used. After QV_HTTP1_ERROR the reader stays in error (the connection must close). */
qv_http1_event qv_http1_reader_feed(qv_http1_reader *r, const uint8_t *in, size_t len, size_t *consumed);
/* After QV_HTTP1_REQUEST: forget that request (keeping buffers) and read the next one. */
void qv_http1_reader_next(qv_http1_reader *r);

/* Parses a complete head (request line + header lines + blank line) held in head->text[0..head->len),
 * splitting it in place. Returns 0, or an HTTP status (400, 431, 501, 505, 417) with a message in err. */
int qv_http1_parse_head(qv_http1_head *head, char *err, size_t errcap);

#endif
