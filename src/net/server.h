/* server.h — starting and stopping quiver's listeners and worker event loops.
 *
 * Owns: the worker threads (one epoll loop each), the listening sockets of the Flight (gRPC over h2c)
 * and HTTP ports, and the connections. One listener per port; each new connection goes to the worker
 * with the fewest connections (so two clients never share a worker while another idles) and lives on
 * that worker for its whole life.
 */
#ifndef QV_SERVER_H
#define QV_SERVER_H

#include <stdint.h>

#include "net/grpc.h"
#include "net/http.h"
#include "util/err.h"

typedef struct qv_net_config {
    const char *listen_addr;        /* "127.0.0.1", "0.0.0.0", "::" (IPv4 or IPv6 literal) */
    int flight_port;                /* 0: pick a free port (see qv_net_flight_port) */
    int http_port;                  /* 0: pick a free port; -1: no HTTP listener */
    int threads;                    /* worker event loops; <= 0: one per CPU */
    uint64_t max_message_size;      /* largest gRPC request message accepted (RESOURCE_EXHAUSTED above) */
    uint64_t max_http_body;         /* largest HTTP request body accepted (413 above) */
    const qv_grpc_service *grpc;
    qv_http_handler http_handler;
    qv_http_error_fn http_error;    /* optional: formats net/'s own error answers (ctx: http_ctx) */
    void *http_ctx;
    const char *tls_cert;           /* PEM certificate chain: both ports then speak TLS 1.2+ only (HTTPS, and
                                       gRPC over TLS with ALPN h2) */
    const char *tls_key;            /* PEM private key matching tls_cert; both or neither */
    bool flight_plaintext;          /* with tls_cert: the Flight port stays plaintext h2c */
    uint64_t tls_handshake_ms;      /* a client that has not finished its TLS handshake by then is dropped
                                       (0: 10 s) */
} qv_net_config;

typedef struct qv_net qv_net;

/* Binds the listeners and starts the workers. Logs one INFO line per listener once it accepts. Fails
 * (err says why) when tls_cert/tls_key cannot be read or do not match. */
qv_net *qv_net_start(const qv_net_config *cfg, qv_err *err);
int qv_net_flight_port(const qv_net *net);   /* the bound port (useful when 0 was asked) */
int qv_net_http_port(const qv_net *net);
/* Connections per worker (open or being handed over), into out[0 .. min(n, workers)); returns the
 * number of workers. Any thread; a snapshot. */
int qv_net_worker_conns(const qv_net *net, int *out, int n);
/* Stops accepting, ends every connection (in-flight calls get on_close), joins the workers. */
void qv_net_stop(qv_net *net);

#endif
