/* http1_stream.c — deferred HTTP/1.1 responses, produced on another thread and streamed (see http.h).
 *
 * Owns: qv_http_stream: the hand-off between a producer thread and the connection's worker. The producer
 * appends body bytes to a mutex-guarded buffer and wakes the worker through an eventfd; the worker alone
 * touches the socket and the connection: it frames what it takes as one chunk (the head goes first), and
 * after each flush tells a producer blocked on backpressure to go on. A hang-up (or server stop) marks
 * the stream gone and sets its cancel flag; the connection's memory, which holds the request the producer
 * reads, is freed by whichever side lets go last.
 * Must not: call the producer back, or let the producer touch the connection.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net/http1_int.h"
#include "util/log.h"

struct qv_http_stream {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    http1_conn *c;            /* the worker's connection; the producer never touches it */
    int efd;                  /* producer -> worker wake-up */
    int refs;                 /* worker + producer (guarded) */
    bool keep_alive, head_only;
    qv_http_request req;      /* a copy of the handler's; its strings live in the connection's reader */
    qv_http_response resp;    /* head, and the body when nothing was sent; producer-owned until sent */
    qv_buf pending;           /* produced, not yet taken by the worker (guarded) */
    qv_buf trailers;          /* "Name: value\r\n" lines; producer-owned until ended */
    size_t queued;            /* bytes the worker still has for the socket, as of its last flush (guarded) */
    bool started;             /* the producer sent: the head is fixed (guarded) */
    bool ended;               /* qv_http_stream_end was called (guarded) */
    bool gone;                /* the connection is gone (guarded) */
    bool head_written;        /* worker only */
    atomic_bool cancel;
};

static void stream_unref(qv_http_stream *s) {
    pthread_mutex_lock(&s->mu);
    int left = --s->refs;
    pthread_mutex_unlock(&s->mu);
    if (left) return;
    if (s->c) http1_free_mem(s->c);   /* set only once the worker let go of the connection */
    close(s->efd);
    qv_buf_free(&s->pending);
    qv_buf_free(&s->trailers);
    qv_buf_free(&s->resp.body);
    qv_buf_free(&s->resp.arena);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void wake(qv_http_stream *s) {
    uint64_t one = 1;
    while (write(s->efd, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

/* ---- worker side ---- */

static void on_event(qv_loop *loop, int fd, unsigned events, void *arg) {
    (void)loop;
    (void)events;
    http1_conn *c = arg;
    qv_http_stream *s = c->stream;
    uint64_t v;
    while (read(fd, &v, sizeof v) < 0 && errno == EINTR) {
    }
    if (!s) return;
    qv_buf *take = &c->sbuf;
    qv_buf_reset(take);
    pthread_mutex_lock(&s->mu);
    qv_buf tmp = s->pending;   /* swap buffers: the producer keeps appending into the old scratch */
    s->pending = *take;
    *take = tmp;
    bool ended = s->ended, started = s->started;
    pthread_mutex_unlock(&s->mu);

    qv_buf *o = &c->base.out;
    if (started && !s->head_written) {
        http1_write_head(c, &s->resp, SIZE_MAX, s->keep_alive);
        s->head_written = true;
    }
    if (take->len && !s->head_only) {
        qv_buf_printf(o, "%zx\r\n", take->len);
        qv_buf_append(o, take->data, take->len);
        qv_buf_append(o, "\r\n", 2);
    }
    if (ended) {
        if (!s->head_written) {
            http1_write_head(c, &s->resp, s->resp.body.len, s->keep_alive);
            int st = s->resp.status;
            if (!s->head_only && st >= 200 && st != 204 && st != 304 && s->resp.body.len)
                qv_buf_append(o, s->resp.body.data, s->resp.body.len);
        } else if (!s->head_only) {
            qv_buf_append(o, "0\r\n", 3);
            qv_buf_append(o, s->trailers.data, s->trailers.len);
            qv_buf_append(o, "\r\n", 2);
        }
        bool keep = s->keep_alive;
        qv_loop_del(c->base.worker->loop, s->efd);
        stream_unref(s);
        http1_stream_done(c, keep);
    }
    http1_settle(c);
}

void http1_stream_drained(http1_conn *c) {
    qv_http_stream *s = c->stream;
    size_t q = qv_conn_pending(&c->base);
    pthread_mutex_lock(&s->mu);
    s->queued = q;
    if (q + s->pending.len < QV_HTTP_STREAM_HIGH) pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void http1_stream_conn_gone(http1_conn *c) {
    qv_http_stream *s = c->stream;
    c->stream = NULL;
    qv_loop_del(c->base.worker->loop, s->efd);
    qv_conn_release(&c->base);
    pthread_mutex_lock(&s->mu);
    s->gone = true;
    s->c = c;   /* the request lives in c: freed with the stream */
    atomic_store(&s->cancel, true);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    stream_unref(s);
}

qv_http_stream *qv_http_defer(const qv_http_request *req) {
    http1_conn *c = req->conn;
    if (!c || c->stream) return NULL;
    qv_http_stream *s = qv_calloc(1, sizeof *s);
    s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->efd < 0) {
        QV_WARN("http %s: cannot defer a response: eventfd: %s", c->base.peer, strerror(errno));
        free(s);
        return NULL;
    }
    qv_err err;
    if (qv_loop_add(c->base.worker->loop, s->efd, QV_LOOP_READ, on_event, c, &err) < 0) {
        QV_WARN("http %s: cannot defer a response: %s", c->base.peer, err.msg);
        close(s->efd);
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->refs = 2;
    s->req = *req;
    s->keep_alive = c->rd.head.keep_alive;
    s->head_only = strcmp(req->method, "HEAD") == 0;
    s->resp.status = 200;
    s->resp.content_type = "application/json";
    qv_buf_init(&s->resp.body);
    qv_buf_init(&s->resp.arena);
    qv_buf_init(&s->pending);
    qv_buf_init(&s->trailers);
    atomic_init(&s->cancel, false);
    c->stream = s;
    return s;
}

/* ---- producer side ---- */

const qv_http_request *qv_http_stream_request(qv_http_stream *s) { return &s->req; }

qv_http_response *qv_http_stream_response(qv_http_stream *s) { return &s->resp; }

atomic_bool *qv_http_stream_cancelled(qv_http_stream *s) { return &s->cancel; }

int qv_http_stream_send(qv_http_stream *s, const void *data, size_t len) {
    pthread_mutex_lock(&s->mu);
    while (!s->gone && s->queued + s->pending.len >= QV_HTTP_STREAM_HIGH) pthread_cond_wait(&s->cv, &s->mu);
    if (s->gone) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    bool notify = s->pending.len == 0 || !s->started;
    s->started = true;
    if (len) qv_buf_append(&s->pending, data, len);
    pthread_mutex_unlock(&s->mu);
    if (notify) wake(s);
    return 0;
}

void qv_http_stream_trailer(qv_http_stream *s, const char *name, const char *value) {
    if (!name || !value || !*name || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) return;   /* no injection */
    qv_buf_printf(&s->trailers, "%s: %s\r\n", name, value);
}

void qv_http_stream_end(qv_http_stream *s) {
    pthread_mutex_lock(&s->mu);
    s->ended = true;
    bool gone = s->gone;
    pthread_mutex_unlock(&s->mu);
    if (!gone) wake(s);
    stream_unref(s);
}
