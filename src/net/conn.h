/* conn.h — what every connection shares, and the worker that owns it (internal to src/net).
 *
 * Threading: a connection lives on one worker; only nconns/npending and the inbox (under inbox_mu) are
 * touched by another thread (the accepting worker, see server.c).
 * Owns: qv_conn (socket, peer name, output buffer, place in its worker's list) and qv_worker (one
 * thread, one event loop, its listening sockets and connections). A protocol (h2.c for gRPC, http1.c
 * for HTTP/1.1) embeds qv_conn as the FIRST member of its own connection struct and supplies qv_conn_ops.
 * Must not: know any protocol.
 */
#ifndef QV_NET_CONN_H
#define QV_NET_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/bigbuf.h"
#include "net/loop.h"
#include "net/server.h"
#include "net/tls.h"
#include "util/buf.h"

typedef struct qv_conn qv_conn;
typedef struct qv_worker qv_worker;

typedef struct qv_conn_ops {
    /* Socket readiness (QV_LOOP_READ / QV_LOOP_WRITE / QV_LOOP_ERROR). */
    void (*on_io)(qv_conn *c, unsigned events);
    /* Tear down: end protocol state (gRPC calls get on_close), then qv_conn_release and free. */
    void (*destroy)(qv_conn *c);
} qv_conn_ops;

struct qv_conn {
    const qv_conn_ops *ops;
    qv_worker *worker;
    const qv_net_config *cfg;
    int fd;
    char peer[64];          /* "127.0.0.1:53122" / "[::1]:53122" */
    qv_buf out;             /* bytes waiting for the socket: out.data[out_off .. out.len) */
    size_t out_off;
    qv_conn *prev, *next;   /* worker->conns */
    qv_tls *tls;            /* TLS session, or NULL for plaintext */
    bool tls_read_wants_write;  /* the last TLS read needs the socket writable (handshake) */
    bool tls_write_wants_read;  /* the last TLS write needs the socket readable */
};

typedef struct qv_handoff {  /* an accepted socket on its way to the worker that will own it */
    int fd;
    bool grpc;
    char peer[64];
} qv_handoff;

struct qv_worker {
    qv_net *net;
    const qv_net_config *cfg;
    int index;
    qv_loop *loop;
    pthread_t thread;
    bool started;
    int grpc_fd, http_fd;   /* listening sockets (worker 0 only), -1 when absent */
    qv_conn *conns;
    _Atomic int nconns;     /* connections in `conns` (read by the accepting worker to place new ones) */
    _Atomic int npending;   /* handed off to this worker and not yet taken from its inbox */
    pthread_mutex_t inbox_mu;
    qv_handoff *inbox;      /* guarded by inbox_mu */
    int ninbox, capinbox;
    int inbox_fd;           /* eventfd: the inbox has sockets; -1 when absent */
    uint8_t *rbuf;          /* read buffer shared by this worker's HTTP/2 connections */
    size_t rbuf_size;
    qv_bigbuf_cache bigbufs;  /* large message buffers waiting for reuse */
    qv_tls_ctx *tls;        /* shared by the net's workers when the HTTP port speaks HTTPS, else NULL */
    qv_tls_ctx *tls_h2;     /* the same for the Flight port (ALPN h2), else NULL */
};

/* Links c into its worker and watches fd for reading. On failure the caller still owns fd. */
int qv_conn_init(qv_conn *c, const qv_conn_ops *ops, qv_worker *w, int fd, const char *peer, qv_err *err);
/* Unwatches and closes the socket, unlinks c, frees the output buffer. Does not free c. */
void qv_conn_release(qv_conn *c);

static inline size_t qv_conn_pending(const qv_conn *c) { return c->out.len - c->out_off; }
/* Writes as much of the output buffer as the socket takes (through TLS when c->tls). -1 when the socket
 * is dead. */
int qv_conn_flush(qv_conn *c);
/* Reads what the socket has (decrypted when c->tls): bytes read (> 0), 0 when nothing is available now,
 * -1 when the peer closed or the connection failed. With TLS, call again while qv_conn_read_more says so:
 * the session may hold decrypted bytes the socket no longer signals. */
ssize_t qv_conn_read(qv_conn *c, void *buf, size_t cap);
static inline bool qv_conn_read_more(const qv_conn *c) { return c->tls && qv_tls_pending(c->tls) > 0; }
/* Sends TLS close_notify (when c->tls) and shuts down the socket's write side. */
void qv_conn_shutdown_write(qv_conn *c);
/* Sets read/write interest (adding what a pending TLS read or write needs). */
void qv_conn_watch(qv_conn *c, bool read, bool write);

/* "127.0.0.1:8491" or "[::1]:8491". */
void qv_net_format_addr(const struct sockaddr *sa, char *out, size_t cap);

/* Protocol constructors (h2.c, http1.c): take ownership of fd (closing it on failure). */
void qv_h2_conn_accept(qv_worker *w, int fd, const char *peer);
void qv_http1_conn_accept(qv_worker *w, int fd, const char *peer);

#endif
