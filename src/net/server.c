/* server.c — qv_net: listening sockets, worker threads, placing connections on workers, stopping.
 *
 * Owns: one listening socket per port, watched by worker 0, which accepts every connection and places it
 * on the worker with the fewest connections (its own included; ties go round-robin), handing it over
 * through that worker's inbox (a mutex-guarded array plus an eventfd). A connection then stays on its
 * worker for its whole life. (Per-worker SO_REUSEPORT listeners let the kernel's hash put two clients on
 * one worker while another idled.) Also the worker threads and their loops, and the orderly stop
 * (listener closed, every connection destroyed on its own thread, inboxes emptied, threads joined).
 * Must not: speak any protocol; connections are handed to h2.c (Flight port) or http1.c (HTTP port).
 */
#include "net/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net/conn.h"
#include "util/clock.h"
#include "util/log.h"

#define READ_BUF_SIZE (1u << 20)
#define LISTEN_BACKLOG 1024
#define ACCEPT_RETRY_MS 100
#define TRIM_EVERY_MS 10000

struct qv_net {
    qv_net_config cfg;
    int nworkers;
    qv_worker *workers;
    int flight_port, http_port;
    int next_worker;            /* round-robin start among equally loaded workers (worker 0's thread) */
    qv_tls_ctx *tls;      /* HTTPS on the HTTP port, or NULL */
    qv_tls_ctx *tls_h2;   /* gRPC over TLS on the Flight port, or NULL */
};

typedef struct {
    struct sockaddr_storage ss;
    socklen_t len;
} sock_addr;

static int parse_addr(const char *host, int port, sock_addr *a, qv_err *err) {
    memset(a, 0, sizeof *a);
    struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        a->len = sizeof *in;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        a->len = sizeof *in6;
    } else {
        return qv_err_set(err, QV_EINVAL, "listen address '%s' is not an IPv4 or IPv6 literal", host);
    }
    return 0;
}

/* Binds and listens on host:*port; when *port is 0, stores the port the kernel picked. */
static int open_listener(const char *host, int *port, const char *what, qv_err *err) {
    sock_addr a;
    if (parse_addr(host, *port, &a, err) < 0) return -1;
    int fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot create %s socket: %s", what, strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
        qv_err_set(err, QV_EIO, "cannot listen for %s on %s port %d: %s%s", what, host, *port, strerror(errno),
                   errno == EADDRINUSE ? " (is another server running?)" : "");
        close(fd);
        return -1;
    }
    if (*port == 0) {
        a.len = sizeof a.ss;
        getsockname(fd, (struct sockaddr *)&a.ss, &a.len);
        *port = a.ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&a.ss)->sin_port)
                                          : ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port);
    }
    return fd;
}

/* ---- accepting ---- */

static void on_accept(qv_loop *loop, int lfd, unsigned events, void *arg);

static void conn_accept(qv_worker *w, const qv_handoff *h) {
    if (h->grpc)
        qv_h2_conn_accept(w, h->fd, h->peer);
    else
        qv_http1_conn_accept(w, h->fd, h->peer);
}

static int worker_load(qv_worker *w) { return atomic_load(&w->nconns) + atomic_load(&w->npending); }

/* Puts an accepted socket on the least loaded worker (worker 0's thread). */
static void place(qv_net *net, const qv_handoff *h) {
    int best = -1, best_load = 0;
    for (int k = 0; k < net->nworkers; k++) {
        int i = (net->next_worker + k) % net->nworkers;
        int load = worker_load(&net->workers[i]);
        if (best < 0 || load < best_load) {
            best = i;
            best_load = load;
        }
    }
    net->next_worker = (best + 1) % net->nworkers;
    qv_worker *t = &net->workers[best];
    if (best == 0) { /* this thread's own loop */
        conn_accept(t, h);
        return;
    }
    atomic_fetch_add(&t->npending, 1);
    pthread_mutex_lock(&t->inbox_mu);
    if (t->ninbox == t->capinbox) {
        t->capinbox = t->capinbox ? 2 * t->capinbox : 16;
        t->inbox = qv_realloc(t->inbox, (size_t)t->capinbox * sizeof *t->inbox);
    }
    t->inbox[t->ninbox++] = *h;
    pthread_mutex_unlock(&t->inbox_mu);
    uint64_t one = 1;
    ssize_t wr = write(t->inbox_fd, &one, sizeof one);
    (void)wr; /* EAGAIN: the counter is already non-zero, the worker will look anyway */
}

/* Takes the inbox's sockets out under the lock; returns them (caller frees) and their count. */
static qv_handoff *take_inbox(qv_worker *w, int *n) {
    pthread_mutex_lock(&w->inbox_mu);
    qv_handoff *got = w->inbox;
    *n = w->ninbox;
    w->inbox = NULL;
    w->ninbox = w->capinbox = 0;
    pthread_mutex_unlock(&w->inbox_mu);
    return got;
}

static void on_inbox(qv_loop *loop, int efd, unsigned events, void *arg) {
    (void)loop;
    (void)events;
    qv_worker *w = arg;
    uint64_t v;
    ssize_t r = read(efd, &v, sizeof v);
    (void)r;
    int n;
    qv_handoff *got = take_inbox(w, &n);
    for (int i = 0; i < n; i++) {
        conn_accept(w, &got[i]); /* counted in nconns from here (or closed on failure) */
        atomic_fetch_sub(&w->npending, 1);
    }
    free(got);
}

/* Closes sockets still waiting in the inbox (stopping). */
static void drop_inbox(qv_worker *w) {
    int n;
    qv_handoff *got = take_inbox(w, &n);
    for (int i = 0; i < n; i++) {
        close(got[i].fd);
        atomic_fetch_sub(&w->npending, 1);
    }
    free(got);
}

static void resume_accept(qv_loop *loop, void *arg) {
    qv_worker *w = arg;
    if (w->grpc_fd >= 0) qv_loop_set_mask(loop, w->grpc_fd, QV_LOOP_READ);
    if (w->http_fd >= 0) qv_loop_set_mask(loop, w->http_fd, QV_LOOP_READ);
}

static void on_accept(qv_loop *loop, int lfd, unsigned events, void *arg) {
    (void)events;
    qv_worker *w = arg;
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Level-triggered: without a pause we would spin. Try again shortly. */
                QV_WARN("cannot accept a connection: %s (retrying in %d ms)", strerror(errno), ACCEPT_RETRY_MS);
                if (w->grpc_fd >= 0) qv_loop_set_mask(loop, w->grpc_fd, 0);
                if (w->http_fd >= 0) qv_loop_set_mask(loop, w->http_fd, 0);
                qv_loop_timer_add(loop, ACCEPT_RETRY_MS, resume_accept, w);
            }
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        qv_handoff h = {.fd = fd, .grpc = lfd == w->grpc_fd};
        qv_net_format_addr((struct sockaddr *)&ss, h.peer, sizeof h.peer);
        place(w->net, &h);
    }
}

/* ---- workers ---- */

static void trim_caches(qv_loop *loop, void *arg) {
    qv_worker *w = arg;
    qv_bigbuf_trim(&w->bigbufs, qv_now_ns(), 0);
    qv_loop_timer_add(loop, TRIM_EVERY_MS, trim_caches, w);
}

static void worker_on_stop(qv_loop *loop, void *arg) {
    qv_worker *w = arg;
    int *lfds[2] = {&w->grpc_fd, &w->http_fd};
    for (int i = 0; i < 2; i++)
        if (*lfds[i] >= 0) {
            qv_loop_del(loop, *lfds[i]);
            close(*lfds[i]);
            *lfds[i] = -1;
        }
    if (w->inbox_fd >= 0) qv_loop_del(loop, w->inbox_fd);
    drop_inbox(w);
    while (w->conns) w->conns->ops->destroy(w->conns);
    qv_bigbuf_trim(&w->bigbufs, 0, 1);
    qv_loop_exit(loop);
}

static void *worker_main(void *arg) {
    qv_worker *w = arg;
    qv_err err;
    if (qv_loop_run(w->loop, &err) < 0) {
        QV_ERROR("worker %d stopped: %s", w->index, err.msg);
        worker_on_stop(w->loop, w);
    }
    return NULL;
}

static void free_net(qv_net *net) {
    for (int i = 0; i < net->nworkers; i++) {
        qv_worker *w = &net->workers[i];
        if (w->grpc_fd >= 0) close(w->grpc_fd);
        if (w->http_fd >= 0) close(w->http_fd);
        while (w->conns) w->conns->ops->destroy(w->conns);
        drop_inbox(w);
        if (w->inbox_fd >= 0) close(w->inbox_fd);
        pthread_mutex_destroy(&w->inbox_mu);
        qv_bigbuf_trim(&w->bigbufs, 0, 1);
        qv_loop_free(w->loop);
        free(w->rbuf);
    }
    free(net->workers);
    qv_tls_ctx_free(net->tls);
    qv_tls_ctx_free(net->tls_h2);
    free(net);
}

static int setup_worker(qv_net *net, qv_worker *w, qv_err *err) {
    const qv_net_config *cfg = &net->cfg;
    w->loop = qv_loop_new(err);
    if (!w->loop) return -1;
    qv_loop_on_stop(w->loop, worker_on_stop, w);
    w->inbox_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->inbox_fd < 0) return qv_err_set(err, QV_EIO, "cannot create a worker's inbox: %s", strerror(errno));
    if (qv_loop_add(w->loop, w->inbox_fd, QV_LOOP_READ, on_inbox, w, err) < 0) return -1;
    w->rbuf_size = READ_BUF_SIZE;
    w->rbuf = qv_malloc(w->rbuf_size);
    qv_loop_timer_add(w->loop, TRIM_EVERY_MS, trim_caches, w);
    if (w->index != 0) return 0;
    w->grpc_fd = open_listener(cfg->listen_addr, &net->flight_port, "Arrow Flight (gRPC)", err);
    if (w->grpc_fd < 0) return -1;
    if (qv_loop_add(w->loop, w->grpc_fd, QV_LOOP_READ, on_accept, w, err) < 0) return -1;
    if (cfg->http_port >= 0) {
        w->http_fd = open_listener(cfg->listen_addr, &net->http_port, "HTTP", err);
        if (w->http_fd < 0) return -1;
        if (qv_loop_add(w->loop, w->http_fd, QV_LOOP_READ, on_accept, w, err) < 0) return -1;
    }
    return 0;
}

qv_net *qv_net_start(const qv_net_config *cfg, qv_err *err) {
    qv_net *net = qv_calloc(1, sizeof *net);
    net->cfg = *cfg;
    if (!net->cfg.listen_addr) net->cfg.listen_addr = "127.0.0.1";
    int n = cfg->threads;
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 1;
    }
    net->nworkers = n;
    net->workers = qv_calloc((size_t)n, sizeof *net->workers);
    net->flight_port = cfg->flight_port;
    net->http_port = cfg->http_port;
    for (int i = 0; i < n; i++) {
        qv_worker *w = &net->workers[i];
        w->net = net;
        w->cfg = &net->cfg;
        w->index = i;
        w->grpc_fd = w->http_fd = w->inbox_fd = -1;
        pthread_mutex_init(&w->inbox_mu, NULL);
    }
    if (cfg->tls_cert || cfg->tls_key) {
        if (!cfg->tls_cert || !cfg->tls_key) {
            qv_err_set(err, QV_EINVAL, "TLS needs both --tls-cert and --tls-key (PEM files)");
            free_net(net);
            return NULL;
        }
        if (cfg->http_port < 0 && cfg->flight_plaintext) {
            qv_err_set(err, QV_EINVAL, "TLS is for the HTTP port, which is disabled, and the Flight port, which "
                                       "was asked to stay plaintext");
            free_net(net);
            return NULL;
        }
        if (cfg->http_port >= 0 &&
            !(net->tls = qv_tls_ctx_new(cfg->tls_cert, cfg->tls_key, QV_TLS_ALPN_HTTP1, err))) {
            free_net(net);
            return NULL;
        }
        if (!cfg->flight_plaintext &&
            !(net->tls_h2 = qv_tls_ctx_new(cfg->tls_cert, cfg->tls_key, QV_TLS_ALPN_H2, err))) {
            free_net(net);
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            net->workers[i].tls = net->tls;
            net->workers[i].tls_h2 = net->tls_h2;
        }
    }
    for (int i = 0; i < n; i++)
        if (setup_worker(net, &net->workers[i], err) < 0) {
            free_net(net);
            return NULL;
        }
    for (int i = 0; i < n; i++) {
        qv_worker *w = &net->workers[i];
        int rc = pthread_create(&w->thread, NULL, worker_main, w);
        if (rc != 0) {
            qv_err_set(err, QV_EIO, "cannot start worker thread: %s", strerror(rc));
            qv_net_stop(net);
            return NULL;
        }
        w->started = true;
    }
    char where[96];
    const char *host = net->cfg.listen_addr;
    const char *fmt = strchr(host, ':') ? "[%s]:%d" : "%s:%d";
    snprintf(where, sizeof where, fmt, host, net->flight_port);
    QV_INFO("listening for Arrow Flight (gRPC) on %s%s", where, net->tls_h2 ? " (TLS only, TLS 1.2+)" : "");
    if (cfg->http_port >= 0) {
        snprintf(where, sizeof where, fmt, host, net->http_port);
        QV_INFO("listening for HTTP on %s%s", where, net->tls ? " (HTTPS only, TLS 1.2+)" : "");
    }
    return net;
}

int qv_net_flight_port(const qv_net *net) { return net->flight_port; }
int qv_net_http_port(const qv_net *net) { return net->cfg.http_port < 0 ? -1 : net->http_port; }

int qv_net_worker_conns(const qv_net *net, int *out, int n) {
    for (int i = 0; i < n && i < net->nworkers; i++) out[i] = worker_load(&net->workers[i]);
    return net->nworkers;
}

void qv_net_stop(qv_net *net) {
    if (!net) return;
    for (int i = 0; i < net->nworkers; i++)
        if (net->workers[i].started) qv_loop_stop(net->workers[i].loop);
    for (int i = 0; i < net->nworkers; i++)
        if (net->workers[i].started) pthread_join(net->workers[i].thread, NULL);
    free_net(net);
}
