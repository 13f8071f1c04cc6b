/* test_net_h2client.h — a small blocking gRPC-over-HTTP/2 client for the net/ tests (libnghttp2 client
 * session over a real loopback socket). Header-only so one test executable can include it.
 *
 * Owns: connecting, opening streams with request headers, queueing framed request messages (copied or
 * borrowed), half-closing, resetting, and stepping the session (send what the socket takes, poll, feed
 * what arrives). Responses are recorded per stream: HTTP status, grpc-status/message, every header line,
 * raw DATA bytes, how many HEADERS frames came, whether the stream closed and with which code.
 * Must not: be used outside tests (it aborts on socket errors via cmocka assertions).
 */
#ifndef TEST_NET_H2CLIENT_H
#define TEST_NET_H2CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"

typedef struct tseg {
    const uint8_t *p;
    size_t len;
    uint8_t *owned;
} tseg;

typedef struct tstream {
    int32_t id;
    /* request side */
    tseg *segs;
    size_t nsegs, capsegs, seg_i, seg_off;
    bool eof, deferred;
    /* response side */
    qv_buf data;                 /* raw DATA payload (gRPC framed messages), unless count_only */
    bool count_only;             /* only count DATA bytes (throughput runs) */
    uint64_t data_bytes;
    qv_buf hdrs;                 /* "name: value\n" for every header and trailer */
    int http_status, grpc_status;
    char grpc_message[512];
    int header_frames;
    bool end_stream, trailers_only, closed;
    uint32_t close_code;
} tstream;

typedef struct tclient {
    int fd;
    nghttp2_session *s;
    bool eof, write_blocked;
    uint8_t *rbuf;
} tclient;

static ssize_t tc_send_cb(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud) {
    (void)s;
    (void)flags;
    tclient *c = ud;
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            c->write_blocked = true;
            return NGHTTP2_ERR_WOULDBLOCK;
        }
        c->eof = true;
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return n;
}

static int tc_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
                        const uint8_t *value, size_t vlen, uint8_t flags, void *ud) {
    (void)flags;
    (void)ud;
    tstream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (!st) return 0;
    qv_buf_printf(&st->hdrs, "%.*s: %.*s\n", (int)nlen, name, (int)vlen, value);
    if (nlen == 7 && memcmp(name, ":status", 7) == 0) st->http_status = atoi((const char *)value);
    if (nlen == 11 && memcmp(name, "grpc-status", 11) == 0) st->grpc_status = atoi((const char *)value);
    if (nlen == 12 && memcmp(name, "grpc-message", 12) == 0)
        snprintf(st->grpc_message, sizeof st->grpc_message, "%.*s", (int)vlen, value);
    return 0;
}

static int tc_on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    (void)ud;
    tstream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (!st) return 0;
    if (f->hd.type == NGHTTP2_HEADERS) {
        st->header_frames++;
        if ((f->hd.flags & NGHTTP2_FLAG_END_STREAM) && st->header_frames == 1 && st->data.len == 0)
            st->trailers_only = true;
    }
    if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) && (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
        st->end_stream = true;
    return 0;
}

static int tc_on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud) {
    (void)flags;
    (void)ud;
    tstream *st = nghttp2_session_get_stream_user_data(s, id);
    if (!st) return 0;
    st->data_bytes += len;
    if (!st->count_only) qv_buf_append(&st->data, data, len);
    return 0;
}

static int tc_on_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud) {
    (void)ud;
    tstream *st = nghttp2_session_get_stream_user_data(s, id);
    if (st) {
        st->closed = true;
        st->close_code = code;
    }
    return 0;
}

static ssize_t tc_length_cb(nghttp2_session *s, uint8_t type, int32_t id, int32_t cw, int32_t sw, uint32_t mf,
                            void *ud) {
    (void)s;
    (void)type;
    (void)id;
    (void)ud;
    int64_t n = cw < sw ? cw : sw;
    if ((int64_t)mf < n) n = mf;
    return n < 1 ? 1 : (ssize_t)n;
}

static ssize_t tc_read_cb(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                          nghttp2_data_source *src, void *ud) {
    (void)s;
    (void)id;
    (void)ud;
    tstream *st = src->ptr;
    size_t done = 0;
    while (done < length && st->seg_i < st->nsegs) {
        tseg *g = &st->segs[st->seg_i];
        size_t n = g->len - st->seg_off;
        if (n > length - done) n = length - done;
        memcpy(buf + done, g->p + st->seg_off, n);
        done += n;
        st->seg_off += n;
        if (st->seg_off == g->len) {
            free(g->owned);
            g->owned = NULL;
            st->seg_i++;
            st->seg_off = 0;
        }
    }
    if (st->seg_i == st->nsegs) {
        if (st->eof) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            return (ssize_t)done;
        }
        if (done == 0) {
            st->deferred = true;
            return NGHTTP2_ERR_DEFERRED;
        }
    }
    return (ssize_t)done;
}

static int tc_connect_fd(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static tclient *tc_connect(int port) {
    tclient *c = qv_calloc(1, sizeof *c);
    c->fd = tc_connect_fd(port);
    if (c->fd < 0) {
        free(c);
        return NULL;
    }
    c->rbuf = qv_malloc(1 << 20);
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_send_callback(cb, tc_send_cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, tc_on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, tc_on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, tc_on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, tc_on_close);
    nghttp2_session_callbacks_set_data_source_read_length_callback(cb, tc_length_cb);
    nghttp2_session_client_new(&c->s, cb, c);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 16 << 20},
        {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 1 << 20},
    };
    nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, iv, 2);
    nghttp2_session_set_local_window_size(c->s, NGHTTP2_FLAG_NONE, 0, 256 << 20);
    return c;
}

static void tstream_free(tstream *st) {
    for (size_t i = 0; i < st->nsegs; i++) free(st->segs[i].owned);
    free(st->segs);
    qv_buf_free(&st->data);
    qv_buf_free(&st->hdrs);
    free(st);
}

static void tc_free(tclient *c) {
    if (!c) return;
    nghttp2_session_del(c->s);
    if (c->fd >= 0) close(c->fd);
    free(c->rbuf);
    free(c);
}

/* One round: send what can be sent, wait up to timeout_ms for input, feed it. */
static void tc_step(tclient *c, int timeout_ms) {
    if (c->eof) {
        poll(NULL, 0, timeout_ms < 5 ? timeout_ms : 5);
        return;
    }
    c->write_blocked = false;
    if (nghttp2_session_send(c->s) != 0) {
        c->eof = true;
        return;
    }
    struct pollfd p = {.fd = c->fd, .events = POLLIN | (c->write_blocked ? POLLOUT : 0)};
    if (poll(&p, 1, timeout_ms) <= 0) return;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(c->fd, c->rbuf, 1 << 20, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            c->eof = true;
            return;
        }
        if (n > 0 && nghttp2_session_mem_recv(c->s, c->rbuf, (size_t)n) < 0) c->eof = true;
    }
}

static void tc_add_seg(tstream *st, const uint8_t *p, size_t len, uint8_t *owned) {
    if (st->nsegs == st->capsegs) {
        st->capsegs = st->capsegs ? st->capsegs * 2 : 16;
        st->segs = qv_realloc(st->segs, st->capsegs * sizeof *st->segs);
    }
    st->segs[st->nsegs++] = (tseg){p, len, owned};
}

static void tc_resume(tclient *c, tstream *st) {
    if (st->deferred && !st->closed) {
        st->deferred = false;
        nghttp2_session_resume_data(c->s, st->id);
    }
}

/* Queues one message with the given compressed flag. `borrow`: msg must outlive the send. */
static void tc_send_msg_flag(tclient *c, tstream *st, const void *msg, size_t len, bool borrow, uint8_t flag) {
    uint8_t *pre = qv_malloc(5);
    pre[0] = flag;
    pre[1] = (uint8_t)(len >> 24);
    pre[2] = (uint8_t)(len >> 16);
    pre[3] = (uint8_t)(len >> 8);
    pre[4] = (uint8_t)len;
    tc_add_seg(st, pre, 5, pre);
    if (len) {
        if (borrow) {
            tc_add_seg(st, msg, len, NULL);
        } else {
            uint8_t *cp = qv_malloc(len);
            memcpy(cp, msg, len);
            tc_add_seg(st, cp, len, cp);
        }
    }
    tc_resume(c, st);
}

/* Queues raw bytes on the stream (for splitting a message across DATA frames). */
static void tc_send_raw(tclient *c, tstream *st, const void *p, size_t len) {
    uint8_t *cp = qv_malloc(len);
    memcpy(cp, p, len);
    tc_add_seg(st, cp, len, cp);
    tc_resume(c, st);
}

static void tc_send_msg(tclient *c, tstream *st, const void *msg, size_t len) {
    tc_send_msg_flag(c, st, msg, len, false, 0);
}

static void tc_half_close(tclient *c, tstream *st) {
    st->eof = true;
    tc_resume(c, st);
}

/* Opens a stream; extra is a NULL-terminated list of name, value pairs. */
static tstream *tc_start_ex(tclient *c, const char *path, const char *content_type, const char *const *extra) {
    tstream *st = qv_calloc(1, sizeof *st);
    st->grpc_status = -1;
    nghttp2_nv nva[32];
    size_t n = 0;
#define TC_NV(N, V) \
    nva[n++] = (nghttp2_nv){(uint8_t *)(N), (uint8_t *)(V), strlen(N), strlen(V), NGHTTP2_NV_FLAG_NONE}
    TC_NV(":method", "POST");
    TC_NV(":scheme", "http");
    TC_NV(":authority", "127.0.0.1");
    TC_NV(":path", path);
    TC_NV("content-type", content_type);
    TC_NV("te", "trailers");
    for (int i = 0; extra && extra[i] && n < 30; i += 2) TC_NV(extra[i], extra[i + 1]);
#undef TC_NV
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = tc_read_cb};
    st->id = nghttp2_submit_request(c->s, NULL, nva, n, &prd, st);
    return st;
}

static tstream *tc_start(tclient *c, const char *path) { return tc_start_ex(c, path, "application/grpc", NULL); }

static void tc_reset(tclient *c, tstream *st, uint32_t code) {
    nghttp2_submit_rst_stream(c->s, NGHTTP2_FLAG_NONE, st->id, code);
}

/* Number of complete messages in st->data; with idx >= 0 also returns that message. */
static size_t tc_msg(const tstream *st, size_t idx, const uint8_t **p, size_t *len) {
    size_t off = 0, k = 0;
    while (off + 5 <= st->data.len) {
        const uint8_t *h = st->data.data + off;
        size_t m = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
        if (off + 5 + m > st->data.len) break;
        if (k == idx && p) {
            *p = h + 5;
            *len = m;
        }
        off += 5 + m;
        k++;
    }
    return k;
}

#define TC_WAIT(c, cond, seconds)                                                      \
    do {                                                                               \
        uint64_t tc_t0_ = qv_now_ns();                                                 \
        while (!(cond)) {                                                              \
            if (qv_seconds_since(tc_t0_) > (seconds)) fail_msg("timed out: %s", #cond); \
            tc_step((c), 20);                                                          \
        }                                                                              \
    } while (0)

#endif
