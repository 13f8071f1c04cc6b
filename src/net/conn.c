/* conn.c — the protocol-independent half of a connection: registration, output buffer, closing.
 *
 * Owns: writing a connection's output buffer to its non-blocking socket and the read/write interest.
 * Must not: parse or produce protocol bytes; decide when a connection ends (protocols do).
 */
#include "net/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

static void on_io(qv_loop *loop, int fd, unsigned events, void *arg) {
    (void)loop;
    (void)fd;
    qv_conn *c = arg;
    c->ops->on_io(c, events);
}

int qv_conn_init(qv_conn *c, const qv_conn_ops *ops, qv_worker *w, int fd, const char *peer, qv_err *err) {
    c->ops = ops;
    c->worker = w;
    c->cfg = w->cfg;
    c->fd = fd;
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    qv_buf_init(&c->out);
    c->out_off = 0;
    c->tls = NULL;
    c->tls_read_wants_write = c->tls_write_wants_read = false;
    if (qv_loop_add(w->loop, fd, QV_LOOP_READ, on_io, c, err) < 0) return -1;
    c->prev = NULL;
    c->next = w->conns;
    if (w->conns) w->conns->prev = c;
    w->conns = c;
    atomic_fetch_add(&w->nconns, 1);
    return 0;
}

void qv_conn_release(qv_conn *c) {
    qv_worker *w = c->worker;
    if (c->tls) {
        qv_tls_free(c->tls);
        c->tls = NULL;
    }
    if (c->fd >= 0) {
        qv_loop_del(w->loop, c->fd);
        close(c->fd);
        c->fd = -1;
    }
    bool linked = c->prev || w->conns == c;
    if (linked) atomic_fetch_sub(&w->nconns, 1);
    if (c->prev)
        c->prev->next = c->next;
    else if (w->conns == c)
        w->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
    qv_buf_free(&c->out);
    c->out_off = 0;
}

int qv_conn_flush(qv_conn *c) {
    c->tls_write_wants_read = false;
    while (c->out_off < c->out.len) {
        if (c->tls) {
            ssize_t n = qv_tls_write(c->tls, c->out.data + c->out_off, c->out.len - c->out_off);
            if (n == QV_TLS_WANT_WRITE) break;
            if (n == QV_TLS_WANT_READ) {
                c->tls_write_wants_read = true;
                break;
            }
            if (n < 0) return -1;
            c->out_off += (size_t)n;
            continue;
        }
        ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return -1;
        }
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out.len) {
        c->out.len = c->out_off = 0;
        /* Do not keep a huge buffer around for an idle connection. */
        if (c->out.cap > (8u << 20)) qv_buf_free(&c->out);
    } else if (c->out_off > (1u << 20) && c->out_off * 2 > c->out.len) {
        memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
        c->out.len -= c->out_off;
        c->out_off = 0;
    }
    return 0;
}

ssize_t qv_conn_read(qv_conn *c, void *buf, size_t cap) {
    if (c->tls) {
        c->tls_read_wants_write = false;
        ssize_t n = qv_tls_read(c->tls, buf, cap);
        if (n > 0) return n;
        if (n == QV_TLS_WANT_READ) return 0;
        if (n == QV_TLS_WANT_WRITE) {
            c->tls_read_wants_write = true;
            return 0;
        }
        char why[160];
        qv_tls_last_error(why, sizeof why);
        if (*why) QV_DEBUG("tls %s: %s", c->peer, why);
        return -1;
    }
    for (;;) {
        ssize_t n = read(c->fd, buf, cap);
        if (n > 0) return n;
        if (n == 0) return -1;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

void qv_conn_shutdown_write(qv_conn *c) {
    if (c->tls) qv_tls_close_notify(c->tls);   /* best effort: a full socket drops it */
    shutdown(c->fd, SHUT_WR);
}

void qv_conn_watch(qv_conn *c, bool read, bool write) {
    read = read || c->tls_write_wants_read;
    write = write || c->tls_read_wants_write;
    qv_loop_set_mask(c->worker->loop, c->fd, (read ? QV_LOOP_READ : 0u) | (write ? QV_LOOP_WRITE : 0u));
}

void qv_net_format_addr(const struct sockaddr *sa, char *out, size_t cap) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        snprintf(out, cap, "%s:%d", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        snprintf(out, cap, "[%s]:%d", host, port);
    } else {
        snprintf(out, cap, "unknown");
    }
}
