/* grpc_call.h — one gRPC call on one HTTP/2 stream (internal to src/net).
 *
 * Owns: the qv_grpc_call struct and the stream-level entry points h2.c calls from its nghttp2
 * callbacks: request headers, request DATA (reassembled into messages), end of request, the response
 * data source, "frame sent" and "stream closed". grpc_recv.c implements the request side, grpc.c the
 * rest and the public grpc.h API.
 * Must not: read or write sockets, or run nghttp2_session_mem_recv/mem_send (only h2.c does, so no
 * callback ever re-enters the session).
 */
#ifndef QV_NET_GRPC_CALL_H
#define QV_NET_GRPC_CALL_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "net/bigbuf.h"
#include "net/grpc.h"

/* on_writable fires once the send queue, having reached this many bytes, drains below it. */
#define QV_GRPC_LOW_WATER (4u << 20)
/* Request metadata beyond these limits is answered RESOURCE_EXHAUSTED. */
#define QV_GRPC_MAX_HEADERS 128
#define QV_GRPC_MAX_HEADER_BYTES (64u << 10)

typedef struct qv_grpc_seg {       /* one piece of the response byte stream */
    struct qv_grpc_seg *next;
    uint8_t *data;                 /* owned (free()) */
    size_t len, off;
    size_t cap;                    /* a message buffer's capacity (recyclable when >= QV_GRPC_RECYCLE_MIN) */
} qv_grpc_seg;

/* Sent message buffers of at least this size are kept for the call's next messages (qv_grpc_call_msg_buf),
 * at most QV_GRPC_SPARE_BUFS of them and QV_GRPC_SPARE_BYTES in all. */
#define QV_GRPC_RECYCLE_MIN ((size_t)64 << 10)
#define QV_GRPC_SPARE_BUFS 64
#define QV_GRPC_SPARE_BYTES ((size_t)16 << 20)

typedef struct {
    char *name, *value;            /* owned */
} qv_grpc_kv;

struct qv_grpc_call {
    nghttp2_session *session;
    int32_t stream_id;
    const qv_grpc_service *service;
    const qv_grpc_method *method;   /* NULL until routed (and for rejected calls) */
    const char *peer;
    uint64_t max_message_size;
    qv_bigbuf_cache *bigbufs;       /* the worker's cache for large reassembly buffers */
    qv_grpc_call *prev, *next;      /* the connection's list of calls */
    void *user;

    /* request metadata */
    qv_grpc_kv *hdrs;
    int nhdrs, caphdrs;
    size_t hdr_bytes;
    bool hdr_overflow;
    bool headers_done;

    /* request message reassembly */
    uint8_t prefix[5];
    unsigned prefix_have;
    bool in_body;                   /* prefix complete, collecting msg_len bytes */
    uint8_t *msg;
    size_t msg_len, msg_have, msg_cap;

    /* response */
    qv_grpc_kv *resp_hdrs;          /* [0, ninitial) went out as initial metadata, the rest are trailers */
    int nresp, capresp, ninitial;
    qv_grpc_seg *qhead, *qtail;
    size_t queued;
    uint8_t *spare[QV_GRPC_SPARE_BUFS]; /* recycled message buffers (owned), for qv_grpc_call_msg_buf */
    size_t spare_cap[QV_GRPC_SPARE_BUFS];
    int nspare;
    size_t spare_bytes;
    uint8_t *lent;                  /* the recycled buffer qv_grpc_call_msg_buf handed out last */
    uint64_t fresh_msg_bufs;        /* large messages queued in a buffer that was not recycled */
    bool above_low;                 /* queued reached QV_GRPC_LOW_WATER since the last on_writable */
    qv_grpc_status status;
    char *status_msg;

    /* state */
    bool started;                   /* on_start ran: on_close is owed */
    bool remote_closed;             /* client sent END_STREAM */
    bool discard;                   /* ignore further request DATA */
    bool finished;                  /* qv_grpc_call_finish ran */
    bool headers_sent;              /* response HEADERS submitted */
    bool deferred;                  /* data source returned NGHTTP2_ERR_DEFERRED */
    bool closed;                    /* on_close is running or ran: the API is inert */
};

qv_grpc_call *qv_grpc_call_new(nghttp2_session *s, int32_t stream_id, const qv_grpc_service *svc,
                               const char *peer, uint64_t max_message_size, qv_bigbuf_cache *bigbufs);
/* One request header (names arrive lower-case from HTTP/2). */
void qv_grpc_call_on_header(qv_grpc_call *c, const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen);
/* Request headers complete: validate, route, on_start. */
void qv_grpc_call_on_headers_done(qv_grpc_call *c);
/* A chunk of request DATA. */
void qv_grpc_call_on_data(qv_grpc_call *c, const uint8_t *data, size_t len);
/* The client sent END_STREAM. */
void qv_grpc_call_on_end_stream(qv_grpc_call *c);
/* A frame carrying END_STREAM for this stream was written. */
void qv_grpc_call_on_end_sent(qv_grpc_call *c);
/* The stream is gone: on_close (if started), then the call is freed. */
void qv_grpc_call_on_closed(qv_grpc_call *c);
/* The response data source hands out DATA frames with NGHTTP2_DATA_FLAG_NO_COPY; h2.c's send_data
 * callback then gathers the frame's `len` bytes from the queue (at most QV_GRPC_MAX_IOV pieces) and
 * consumes them. */
#define QV_GRPC_MAX_IOV 32
int qv_grpc_call_peek(const qv_grpc_call *c, size_t len, struct iovec *iov);
void qv_grpc_call_consume(qv_grpc_call *c, size_t len);
/* Frees the reassembly buffer (never while on_message runs). */
void qv_grpc_call_drop_msg(qv_grpc_call *c);
/* Ends a call no handler saw: Trailers-Only with this HTTP status, gRPC status and message. */
void qv_grpc_call_reject(qv_grpc_call *c, const char *http_status, qv_grpc_status status, const char *message);
/* Runs on_writable if the queue drained below the low-water mark. Returns true when it ran. */
bool qv_grpc_call_poll_writable(qv_grpc_call *c);

#endif
