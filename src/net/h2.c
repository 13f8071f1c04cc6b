/* h2.c — HTTP/2 server connections on the Flight port (h2c with prior knowledge, or h2 over TLS when the
 * server has a certificate), via libnghttp2.
 *
 * Owns: the nghttp2 server session of each connection: its settings (big windows and frames, see
 * below), feeding socket bytes to nghttp2_session_mem_recv, serialising frames with
 * nghttp2_session_mem_send into the connection's output buffer, and dispatching stream events to
 * grpc.c. It is the only place that runs mem_recv/mem_send, so submissions made from gRPC callbacks
 * never re-enter the session.
 * Backpressure: frames are pulled from nghttp2 only while less than OUT_HIGH bytes wait for the socket,
 * and the connection is not read while that is so (a client that does not read stops being read).
 * The response queues themselves are bounded by HTTP/2 flow control plus the handlers, which watch
 * qv_grpc_call_queued / on_writable.
 * Must not: know gRPC framing or any service (grpc.c does).
 */
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/conn.h"
#include "net/grpc_call.h"
#include "util/log.h"

#define STREAM_WINDOW (16 << 20)        /* SETTINGS_INITIAL_WINDOW_SIZE */
#define CONN_WINDOW (256 << 20)         /* connection-level receive window */
#define MAX_FRAME (1 << 20)             /* SETTINGS_MAX_FRAME_SIZE, and the largest DATA frame we send */
#define MAX_STREAMS 1000                /* SETTINGS_MAX_CONCURRENT_STREAMS */
#define OUT_HIGH (4u << 20)             /* stop pulling frames / reading above this much unsent output */
#define DIRECT_WRITE_MIN 16384          /* frames this big skip the output buffer when it is empty */
#define HANDSHAKE_MS 10000              /* a TLS client must finish its handshake within this (default) */

typedef struct h2_conn {
    qv_conn base;                       /* first: h2_conn * <-> qv_conn * */
    nghttp2_session *session;
    qv_grpc_call *calls;
    uint64_t produced;                  /* bytes of frames taken from nghttp2 so far */
    uint64_t handshake_timer;           /* TLS: drops a client that does not finish its handshake */
    bool tls_checked;                   /* TLS: the first byte was looked at */
} h2_conn;

/* ---- nghttp2 callbacks ---- */

static void link_call(h2_conn *c, qv_grpc_call *call) {
    call->prev = NULL;
    call->next = c->calls;
    if (c->calls) c->calls->prev = call;
    c->calls = call;
}

static void unlink_call(h2_conn *c, qv_grpc_call *call) {
    if (call->prev)
        call->prev->next = call->next;
    else
        c->calls = call->next;
    if (call->next) call->next->prev = call->prev;
    call->prev = call->next = NULL;
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    h2_conn *c = ud;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    const qv_net_config *cfg = c->base.cfg;
    qv_grpc_call *call = qv_grpc_call_new(s, f->hd.stream_id, cfg->grpc, c->base.peer, cfg->max_message_size,
                                          &c->base.worker->bigbufs);
    link_call(c, call);
    nghttp2_session_set_stream_user_data(s, f->hd.stream_id, call);
    return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
                     const uint8_t *value, size_t vlen, uint8_t flags, void *ud) {
    (void)flags;
    (void)ud;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    qv_grpc_call *call = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (call) qv_grpc_call_on_header(call, name, nlen, value, vlen);
    return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    (void)ud;
    if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) return 0;
    qv_grpc_call *call = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (!call) return 0;
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) qv_grpc_call_on_headers_done(call);
    if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) qv_grpc_call_on_end_stream(call);
    return 0;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len,
                         void *ud) {
    (void)flags;
    (void)ud;
    qv_grpc_call *call = nghttp2_session_get_stream_user_data(s, stream_id);
    if (call) qv_grpc_call_on_data(call, data, len);
    return 0;
}

static int on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    (void)ud;
    if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) || !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    qv_grpc_call *call = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (call) qv_grpc_call_on_end_sent(call);
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *ud) {
    h2_conn *c = ud;
    qv_grpc_call *call = nghttp2_session_get_stream_user_data(s, stream_id);
    if (!call) return 0;
    nghttp2_session_set_stream_user_data(s, stream_id, NULL);
    if (error_code != NGHTTP2_NO_ERROR)
        QV_DEBUG("grpc %s: stream %d reset (%s)", c->base.peer, stream_id, nghttp2_http2_strerror(error_code));
    unlink_call(c, call);
    qv_grpc_call_on_closed(call);
    return 0;
}

static ssize_t data_length(nghttp2_session *s, uint8_t type, int32_t stream_id, int32_t conn_window,
                           int32_t stream_window, uint32_t max_frame, void *ud) {
    (void)s;
    (void)type;
    (void)stream_id;
    (void)ud;
    int64_t n = MAX_FRAME;
    if (conn_window < n) n = conn_window;
    if (stream_window < n) n = stream_window;
    if ((int64_t)max_frame < n) n = max_frame;
    return n < 1 ? 1 : (ssize_t)n;
}

static int on_error(nghttp2_session *s, int code, const char *msg, size_t len, void *ud) {
    (void)s;
    (void)code;
    h2_conn *c = ud;
    QV_DEBUG("grpc %s: HTTP/2: %.*s", c->base.peer, (int)len, msg);
    return 0;
}

/* ---- output ---- */

static int emit(h2_conn *c, const uint8_t *p, size_t n) {
    c->produced += n;
    if (!c->base.tls && qv_conn_pending(&c->base) == 0 && n >= DIRECT_WRITE_MIN) {
        ssize_t w = send(c->base.fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
            w = 0;
        }
        p += w;
        n -= (size_t)w;
    }
    if (n) qv_buf_append(&c->base.out, p, n);
    return 0;
}

/* A DATA frame whose payload stays in the call's queue (NGHTTP2_DATA_FLAG_NO_COPY): the 9-byte header
 * and the queued pieces go to the socket in one writev when nothing else waits, and whatever the socket
 * does not take is copied to the output buffer. Never returns WOULDBLOCK, so the frame is always done
 * within the mem_send call that produced it (the call cannot go away in between). Returns PAUSE at the
 * high-water mark, because one mem_send call would otherwise run every frame the windows allow. */
static int send_data(nghttp2_session *s, nghttp2_frame *f, const uint8_t *framehd, size_t length,
                     nghttp2_data_source *src, void *ud) {
    (void)s;
    (void)f; /* no padding is ever requested, so frame->data.padlen is 0 */
    h2_conn *c = ud;
    qv_grpc_call *call = src->ptr;
    struct iovec iov[1 + QV_GRPC_MAX_IOV];
    iov[0] = (struct iovec){.iov_base = (void *)framehd, .iov_len = 9};
    int n = 1 + qv_grpc_call_peek(call, length, iov + 1);
    size_t done = 0;
    if (!c->base.tls && qv_conn_pending(&c->base) == 0) {   /* TLS: everything is encrypted from out */
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(c->base.fd, &mh, MSG_NOSIGNAL);
        if (w > 0) done = (size_t)w; /* errors: buffered below, and the next flush reports them */
    }
    for (int i = 0; i < n; i++) {
        size_t len = iov[i].iov_len;
        if (done >= len) {
            done -= len;
            continue;
        }
        qv_buf_append(&c->base.out, (const uint8_t *)iov[i].iov_base + done, len - done);
        done = 0;
    }
    qv_grpc_call_consume(call, length);
    c->produced += 9 + length;
    /* A plain socket that did not take the whole frame is full: pause at once, so that the frames after it
     * are written straight from the queue once it drains, instead of being copied into the output buffer
     * up to OUT_HIGH meanwhile (measured on a 64 M-row export: 12-16% of the DATA bytes were copied that
     * way, 5-8% with this). TLS encrypts everything from the output buffer: it pauses at the high-water
     * mark. */
    size_t pend = qv_conn_pending(&c->base);
    return pend >= OUT_HIGH || (pend > 0 && !c->base.tls) ? NGHTTP2_ERR_PAUSE : 0;
}

/* Moves frames from nghttp2 to the socket until nghttp2 has nothing more or the socket is full (then
 * EPOLLOUT resumes), and runs on_writable for drained calls. -1: the connection is dead. */
static int pump(h2_conn *c) {
    for (int round = 0; round < 16; round++) {
        for (;;) {
            uint64_t before = c->produced;
            while (qv_conn_pending(&c->base) < OUT_HIGH) {
                const uint8_t *p;
                ssize_t n = nghttp2_session_mem_send(c->session, &p);
                if (n < 0) {
                    QV_DEBUG("grpc %s: HTTP/2 send failed: %s", c->base.peer, nghttp2_strerror((int)n));
                    return -1;
                }
                if (n == 0) break; /* nothing more, or paused by send_data */
                if (emit(c, p, (size_t)n) < 0) return -1;
            }
            if (qv_conn_flush(&c->base) < 0) return -1;
            if (c->produced == before || qv_conn_pending(&c->base) > 0) break;
        }
        bool ran = false;
        for (qv_grpc_call *call = c->calls, *next; call; call = next) {
            next = call->next;
            ran |= qv_grpc_call_poll_writable(call);
        }
        if (!ran) break;
    }
    return 0;
}

static void h2_destroy(qv_conn *base) {
    h2_conn *c = (h2_conn *)base;
    if (c->session) {
        /* Best effort: tell the client we are going away. */
        nghttp2_session_terminate_session(c->session, NGHTTP2_NO_ERROR);
        const uint8_t *p;
        ssize_t n;
        while (qv_conn_pending(base) < OUT_HIGH && (n = nghttp2_session_mem_send(c->session, &p)) > 0)
            qv_buf_append(&base->out, p, (size_t)n);
        qv_conn_flush(base);
        nghttp2_session_del(c->session);
        c->session = NULL;
    }
    if (c->handshake_timer) qv_loop_timer_cancel(base->worker->loop, c->handshake_timer);
    c->handshake_timer = 0;
    while (c->calls) {
        qv_grpc_call *call = c->calls;
        unlink_call(c, call);
        qv_grpc_call_on_closed(call);
    }
    qv_conn_release(base);
    free(c);
}

/* After any activity: push output, then decide interest or the end of the connection. */
static void settle(h2_conn *c) {
    if (pump(c) < 0) {
        h2_destroy(&c->base);
        return;
    }
    size_t pending = qv_conn_pending(&c->base);
    bool want_read = nghttp2_session_want_read(c->session);
    if (!want_read && !nghttp2_session_want_write(c->session) && pending == 0) {
        h2_destroy(&c->base);
        return;
    }
    /* pump() stops after a bounded number of rounds so one busy connection cannot starve the others;
     * frames it left inside nghttp2 must bring us back, or a client with window to spare waits forever. */
    qv_conn_watch(&c->base, want_read && pending < OUT_HIGH, pending > 0 || nghttp2_session_want_write(c->session));
}

/* A client on the TLS port whose first byte is not a TLS handshake record speaks plaintext gRPC: it cannot
 * be answered in a way it would understand, so it is logged (the operator sees why) and closed. */
static bool refuse_plaintext(h2_conn *c) {
    unsigned char b;
    ssize_t n = recv(c->base.fd, &b, 1, MSG_PEEK);
    if (n != 1 || b == 0x16) return false;   /* 0x16: TLS handshake record */
    QV_INFO("grpc %s: plaintext client on the TLS-only Flight port (use grpc+tls:// and the server's CA): closing",
            c->base.peer);
    return true;
}

static void handshake_expired(qv_loop *loop, void *arg) {
    (void)loop;
    h2_conn *c = arg;
    c->handshake_timer = 0;
    if (c->base.tls && !qv_tls_handshake_done(c->base.tls)) {
        QV_DEBUG("grpc %s: TLS handshake not finished in time: closing", c->base.peer);
        h2_destroy(&c->base);
    }
}

static void h2_on_io(qv_conn *base, unsigned events) {
    h2_conn *c = (h2_conn *)base;
    bool readable = (events & QV_LOOP_READ) || (base->tls_read_wants_write && (events & QV_LOOP_WRITE));
    if (readable && base->tls && !c->tls_checked) {
        c->tls_checked = true;
        if (refuse_plaintext(c)) {
            h2_destroy(base);
            return;
        }
    }
    if (readable) {
        qv_worker *w = base->worker;
        ssize_t n;
        do {   /* a TLS session may hold decrypted bytes the socket no longer signals: take them all */
            n = qv_conn_read(base, w->rbuf, w->rbuf_size);
            if (n < 0) {
                h2_destroy(base); /* the client went away (or TLS failed): every open call gets on_close */
                return;
            }
            if (n == 0) break;
            ssize_t rv = nghttp2_session_mem_recv(c->session, w->rbuf, (size_t)n);
            if (rv < 0) {
                QV_INFO("grpc %s: closing connection after HTTP/2 error: %s", base->peer, nghttp2_strerror((int)rv));
                nghttp2_session_terminate_session(c->session, NGHTTP2_PROTOCOL_ERROR);
                pump(c);
                h2_destroy(base);
                return;
            }
        } while (qv_conn_read_more(base));
    } else if ((events & QV_LOOP_ERROR) && !(events & QV_LOOP_WRITE)) {
        h2_destroy(base);
        return;
    }
    settle(c);
}

static const qv_conn_ops h2_ops = {.on_io = h2_on_io, .destroy = h2_destroy};

void qv_h2_conn_accept(qv_worker *w, int fd, const char *peer) {
    h2_conn *c = qv_calloc(1, sizeof *c);
    qv_err err;
    if (qv_conn_init(&c->base, &h2_ops, w, fd, peer, &err) < 0) {
        QV_WARN("grpc %s: %s", peer, err.msg);
        close(fd);
        free(c);
        return;
    }
    if (w->tls_h2 && !(c->base.tls = qv_tls_new(w->tls_h2, fd, &err))) {
        QV_WARN("grpc %s: %s", peer, err.msg);
        qv_conn_release(&c->base);   /* closes fd */
        free(c);
        return;
    }
    if (c->base.tls) {
        uint64_t ms = w->cfg->tls_handshake_ms ? w->cfg->tls_handshake_ms : HANDSHAKE_MS;
        c->handshake_timer = qv_loop_timer_add(w->loop, ms, handshake_expired, c);
    }
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_data_source_read_length_callback(cb, data_length);
    nghttp2_session_callbacks_set_send_data_callback(cb, send_data);
    nghttp2_session_callbacks_set_error_callback2(cb, on_error);
    int rv = nghttp2_session_server_new(&c->session, cb, c);
    nghttp2_session_callbacks_del(cb);
    if (rv != 0) {
        QV_WARN("grpc %s: cannot create HTTP/2 session: %s", peer, nghttp2_strerror(rv));
        qv_conn_release(&c->base);
        free(c);
        return;
    }
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, MAX_STREAMS},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, MAX_FRAME},
    };
    nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
    nghttp2_session_set_local_window_size(c->session, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW);
    QV_DEBUG("grpc %s: connected", peer);
    if (c->base.tls) {   /* nothing goes through the session before the client's first byte was looked at */
        qv_conn_watch(&c->base, true, false);
        return;
    }
    settle(c);
}
