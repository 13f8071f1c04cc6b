/* http1_int.h — what http1.c (connections) and http1_stream.c (deferred, streamed responses) share
 * (internal to src/net).
 *
 * Owns: the HTTP/1.1 connection struct and the few functions one file calls in the other.
 * Must not: be included outside src/net.
 */
#ifndef QV_NET_HTTP1_INT_H
#define QV_NET_HTTP1_INT_H

#include <stdbool.h>

#include "net/conn.h"
#include "net/http1_parse.h"

typedef struct http1_conn {
    qv_conn base;                 /* first: http1_conn * <-> qv_conn * */
    qv_http1_reader rd;
    qv_buf in;                    /* received, not yet consumed: in.data[in_off .. in.len) */
    size_t in_off;
    bool close_after;             /* no more requests: close once the output is flushed */
    bool lingering;               /* write side shut down; draining input until EOF or the timer */
    uint64_t linger_timer;
    uint64_t handshake_timer;     /* HTTPS: drops a client that does not finish its handshake in time */
    bool tls_checked;             /* HTTPS: the first byte was looked at (plaintext clients are refused) */
    qv_http_response resp;
    qv_http_stream *stream;       /* the deferred response of the current request, or NULL */
    qv_buf sbuf;                  /* worker's scratch for bytes taken from the stream */
} http1_conn;

/* http1.c */
/* Appends status line and headers (Content-Length, or chunked when body_len is SIZE_MAX) to the output. */
void http1_write_head(http1_conn *c, const qv_http_response *resp, size_t body_len, bool keep_alive);
/* The stream of the current request ended (its bytes are queued): read the next request. Worker thread. */
void http1_stream_done(http1_conn *c, bool keep_alive);
/* Flushes, closes or sets interest after any event. Worker thread. */
void http1_settle(http1_conn *c);
/* Frees the connection's memory (after qv_conn_release). */
void http1_free_mem(http1_conn *c);

/* http1_stream.c */
/* The connection is going away while a stream is open: the producer sees the client gone; the
 * connection's memory is freed by whichever side lets go last. Worker thread. */
void http1_stream_conn_gone(http1_conn *c);
/* After a flush: lets a producer blocked on backpressure continue. Worker thread. */
void http1_stream_drained(http1_conn *c);

#endif
