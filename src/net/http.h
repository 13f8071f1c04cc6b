/* http.h — the HTTP/1.1 server interface that protocol front ends implement.
 *
 * Owns: the contract between net/ (which parses HTTP/1.1 requests on the HTTP port, with keep-alive,
 * Content-Length and chunked bodies, and a body-size limit) and a handler that answers them. The
 * handler runs on the connection's worker thread, synchronously, and either fills the response (net/
 * adds Content-Length, Date, Connection and Server headers) or defers it (qv_http_defer): the answer
 * then comes later from any thread through a qv_http_stream, streamed with Transfer-Encoding: chunked.
 * Malformed requests are answered 400 by net/, oversized bodies 413, without calling the handler (an
 * optional qv_http_error_fn writes those answers in the front end's format).
 */
#ifndef QV_HTTP_H
#define QV_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct qv_http_header {
    const char *name;   /* lower-cased */
    const char *value;  /* leading/trailing whitespace trimmed */
} qv_http_header;

typedef struct qv_http_request {
    const char *method;   /* "GET", "POST", ... as sent */
    const char *path;     /* percent-decoding NOT applied; without the query string */
    const char *query;    /* after '?', "" when none */
    const qv_http_header *headers;
    int nheaders;
    const uint8_t *body;  /* NUL-terminated for convenience; body_len excludes the NUL */
    size_t body_len;
    const char *peer;
    void *conn;           /* net/'s connection, for qv_http_defer */
} qv_http_request;

#define QV_HTTP_MAX_RESPONSE_HEADERS 16
typedef struct qv_http_response {
    int status;                   /* default 200 */
    const char *content_type;     /* default "application/json" */
    qv_buf body;
    int nheaders;
    qv_http_header headers[QV_HTTP_MAX_RESPONSE_HEADERS];  /* extra headers; strings must be static or
                                                              live in `arena` below */
    qv_buf arena;                 /* scratch the handler may use for header strings */
} qv_http_response;

typedef void (*qv_http_handler)(void *ctx, const qv_http_request *req, qv_http_response *resp);
/* Fills resp for a request net/ refuses itself (status 400, 413, 431, ...; message says why). It may change
 * resp->status. The connection is closed after the answer. */
typedef void (*qv_http_error_fn)(void *ctx, int status, const char *message, qv_http_response *resp);

/* Case-insensitive header lookup; NULL when absent. */
const char *qv_http_header_get(const qv_http_request *req, const char *name);
/* Adds an extra response header; the value is copied into resp->arena. */
void qv_http_response_header(qv_http_response *resp, const char *name, const char *value);

/* ---- deferred, streamed responses ----
 *
 * A handler that needs time (a query) calls qv_http_defer and returns at once, leaving resp alone. The
 * connection then reads no further request (pipelined bytes wait) until the stream ends. The handler's
 * `req` itself does not outlive the handler: qv_http_stream_request(s) is a copy whose strings and body
 * stay valid until qv_http_stream_end. From then on one other thread owns the stream:
 *   - sets status, content type and headers on qv_http_stream_response(s) before the first send;
 *   - qv_http_stream_send appends body bytes: the first call sends the head with Transfer-Encoding:
 *     chunked, each call becomes one chunk. It blocks while QV_HTTP_STREAM_HIGH bytes or more wait for
 *     the socket (backpressure) and returns -1 once the client is gone (stop producing then);
 *   - qv_http_stream_end finishes: the last chunk (with the trailers set by qv_http_stream_trailer), or —
 *     when nothing was sent — the whole response with Content-Length and the body in
 *     qv_http_stream_response(s)->body (trailers are then dropped). s is freed.
 * qv_http_stream_send(s, NULL, 0) commits the head as chunked without sending body bytes.
 * *qv_http_stream_cancelled(s) turns true when the client hangs up (or the server stops), whether or not
 * the producer is sending: pass it as a query's cancel flag. */
typedef struct qv_http_stream qv_http_stream;

#define QV_HTTP_STREAM_HIGH ((size_t)1 << 20)

/* On the handler's thread, inside the handler. NULL when the response cannot be deferred (no resources):
 * answer synchronously then. */
qv_http_stream *qv_http_defer(const qv_http_request *req);
const qv_http_request *qv_http_stream_request(qv_http_stream *s);
qv_http_response *qv_http_stream_response(qv_http_stream *s);
int qv_http_stream_send(qv_http_stream *s, const void *data, size_t len);
/* A trailer field for the end of a chunked response (the producer declares it with a "Trailer" header). */
void qv_http_stream_trailer(qv_http_stream *s, const char *name, const char *value);
void qv_http_stream_end(qv_http_stream *s);
atomic_bool *qv_http_stream_cancelled(qv_http_stream *s);

#endif
