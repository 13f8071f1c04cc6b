/* http.h — the HTTP/1.1 server interface that protocol front ends implement.
 *
 * Owns: the contract between net/ (which parses HTTP/1.1 requests on the HTTP port, with keep-alive,
 * Content-Length and chunked bodies, and a body-size limit) and a handler that answers them. The
 * handler runs on the connection's worker thread, synchronously, and fills the response; net/ adds
 * Content-Length, Date, Connection and Server headers. Malformed requests are answered 400 by net/,
 * oversized bodies 413, without calling the handler.
 */
#ifndef QV_HTTP_H
#define QV_HTTP_H

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

/* Case-insensitive header lookup; NULL when absent. */
const char *qv_http_header_get(const qv_http_request *req, const char *name);
/* Adds an extra response header; the value is copied into resp->arena. */
void qv_http_response_header(qv_http_response *resp, const char *name, const char *value);

#endif
