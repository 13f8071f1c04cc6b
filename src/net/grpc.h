/* grpc.h — the gRPC server interface that protocol front ends (api/flight) implement.
 *
 * Owns: the contract between net/ (which speaks HTTP/2 and gRPC framing) and a service. A service is a
 * table of methods keyed by path ("/arrow.flight.protocol.FlightService/DoPut"). net/ parses request
 * headers, reassembles length-prefixed messages across DATA frames, enforces the message-size limit,
 * and turns qv_grpc_call_send/finish into DATA frames and trailers. Requests for an unknown path are
 * answered UNIMPLEMENTED by net/ itself.
 *
 * Threading: every callback of one call runs on the worker thread that owns the connection, one at a
 * time; calls on different connections run concurrently on different workers. A callback may block
 * (for example while a bulk load finishes), which stalls only that worker's connections.
 * Lifetime: on_start, then any number of on_message, then on_half_close (if the client half-closes
 * before the call ends), and always exactly one on_close when the stream is gone for any reason (finished
 * and flushed, reset by the client, connection lost, server stopping). After on_close the call pointer
 * is invalid. The qv_grpc_call_* functions may only be called from the call's own callbacks.
 */
#ifndef QV_GRPC_H
#define QV_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef enum {
    GRPC_OK = 0,
    GRPC_CANCELLED = 1,
    GRPC_UNKNOWN = 2,
    GRPC_INVALID_ARGUMENT = 3,
    GRPC_DEADLINE_EXCEEDED = 4,
    GRPC_NOT_FOUND = 5,
    GRPC_ALREADY_EXISTS = 6,
    GRPC_PERMISSION_DENIED = 7,
    GRPC_RESOURCE_EXHAUSTED = 8,
    GRPC_FAILED_PRECONDITION = 9,
    GRPC_ABORTED = 10,
    GRPC_OUT_OF_RANGE = 11,
    GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13,
    GRPC_UNAVAILABLE = 14,
    GRPC_DATA_LOSS = 15,
    GRPC_UNAUTHENTICATED = 16,
} qv_grpc_status;

typedef struct qv_grpc_call qv_grpc_call;

typedef struct qv_grpc_method {
    const char *path;
    /* Request headers are complete. The handler may finish the call right here (auth failure). */
    void (*on_start)(qv_grpc_call *call);
    /* One complete request message. `msg` is 8-byte aligned and valid only during the callback. */
    void (*on_message)(qv_grpc_call *call, const uint8_t *msg, size_t len);
    /* The client half-closed (END_STREAM) and every message before it has been delivered. */
    void (*on_half_close)(qv_grpc_call *call);
    /* Optional: the send queue drained below its low-water mark (for handlers that produce output
     * incrementally, such as a large export). */
    void (*on_writable)(qv_grpc_call *call);
    /* Always exactly once, last: free the per-call state set with qv_grpc_call_set_user. */
    void (*on_close)(qv_grpc_call *call);
} qv_grpc_method;

typedef struct qv_grpc_service {
    const qv_grpc_method *methods;
    int nmethods;
    void *ctx;                   /* given back by qv_grpc_call_service_ctx */
} qv_grpc_service;

/* Request metadata. Names are lower-case; a header sent several times has several values (idx 0..). */
const char *qv_grpc_call_path(const qv_grpc_call *call);
const char *qv_grpc_call_header(const qv_grpc_call *call, const char *name, int idx);
const char *qv_grpc_call_peer(const qv_grpc_call *call);   /* "127.0.0.1:53122", for logs */
void *qv_grpc_call_service_ctx(const qv_grpc_call *call);
void *qv_grpc_call_get_user(const qv_grpc_call *call);
void qv_grpc_call_set_user(qv_grpc_call *call, void *user);

/* Response. Headers added before the first send go out as initial metadata; after it, as trailers. */
void qv_grpc_call_add_header(qv_grpc_call *call, const char *name, const char *value);
/* Queue one response message (copied, framed with the 5-byte gRPC prefix). */
void qv_grpc_call_send(qv_grpc_call *call, const void *msg, size_t len);
/* Queue one response message taking ownership of msg's storage (msg is left empty). */
void qv_grpc_call_send_buf(qv_grpc_call *call, qv_buf *msg);
/* A buffer for the next response message (then given to qv_grpc_call_send_buf): b is set up empty with
 * room for at least `hint` bytes. Buffers of sent messages come back here once the socket has taken
 * them, so a long stream of large messages (DoGet) writes into the same, already faulted-in memory
 * instead of fresh allocations that malloc may serve with new pages (mmap, or a trimmed heap) for every
 * message. */
void qv_grpc_call_msg_buf(qv_grpc_call *call, qv_buf *b, size_t hint);
/* How many large messages (>= 64 KiB) this call queued in a buffer that was not recycled from its
 * earlier messages, i.e. freshly allocated memory (for tests and stats). */
uint64_t qv_grpc_call_fresh_msg_bufs(const qv_grpc_call *call);
/* Bytes queued and not yet written to the socket (for flow control of large outputs). */
size_t qv_grpc_call_queued(const qv_grpc_call *call);
/* End the call: trailers with grpc-status (and grpc-message, percent-encoded) follow the queued
 * messages. If nothing was sent yet this is a Trailers-Only response. If the client is still sending,
 * the stream is reset with NO_ERROR after the trailers and further request data is discarded.
 * Calling it twice is a no-op. */
void qv_grpc_call_finish(qv_grpc_call *call, qv_grpc_status status, const char *message);
bool qv_grpc_call_is_finished(const qv_grpc_call *call);

#endif
