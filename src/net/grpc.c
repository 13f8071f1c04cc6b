/* grpc.c — a gRPC call's life and its response side: creation and freeing, response metadata, the
 * message queue and its nghttp2 data source, status trailers, on_close, on_writable, and the public
 * qv_grpc_call_* API apart from request metadata (grpc_recv.c handles the request side).
 *
 * Owns: turning qv_grpc_call_send/finish into HTTP/2 frames per grpc/doc/PROTOCOL-HTTP2.md:
 * Length-Prefixed-Message framing, initial metadata with the first message, trailers with grpc-status
 * and percent-encoded grpc-message, Trailers-Only when nothing was sent.
 * Must not: touch sockets, or call nghttp2_session_mem_recv/mem_send (h2.c drives the session; this
 * file only submits frames, which nghttp2 allows from inside its callbacks).
 */
#include "net/grpc_call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/bigbuf.h"
#include "util/buf.h"
#include "util/log.h"

qv_grpc_call *qv_grpc_call_new(nghttp2_session *s, int32_t stream_id, const qv_grpc_service *svc,
                               const char *peer, uint64_t max_message_size, qv_bigbuf_cache *bigbufs) {
    qv_grpc_call *c = qv_calloc(1, sizeof *c);
    c->session = s;
    c->stream_id = stream_id;
    c->service = svc;
    c->peer = peer;
    c->bigbufs = bigbufs;
    c->max_message_size = max_message_size ? max_message_size : UINT32_MAX;
    c->status = GRPC_OK;
    return c;
}

void qv_grpc_call_drop_msg(qv_grpc_call *c) {
    qv_bigbuf_put(c->bigbufs, c->msg, c->msg_cap);
    c->msg = NULL;
    c->msg_cap = 0;
}

static void free_call(qv_grpc_call *c) {
    for (int i = 0; i < c->nhdrs; i++) {
        free(c->hdrs[i].name);
        free(c->hdrs[i].value);
    }
    free(c->hdrs);
    for (int i = 0; i < c->nresp; i++) {
        free(c->resp_hdrs[i].name);
        free(c->resp_hdrs[i].value);
    }
    free(c->resp_hdrs);
    while (c->qhead) {
        qv_grpc_seg *s = c->qhead;
        c->qhead = s->next;
        free(s->data);
        free(s);
    }
    for (int i = 0; i < c->nspare; i++) free(c->spare[i]);
    qv_grpc_call_drop_msg(c);
    free(c->status_msg);
    free(c);
}

const char *qv_grpc_call_peer(const qv_grpc_call *c) { return c->peer; }
void *qv_grpc_call_service_ctx(const qv_grpc_call *c) { return c->service ? c->service->ctx : NULL; }
void *qv_grpc_call_get_user(const qv_grpc_call *c) { return c->user; }
void qv_grpc_call_set_user(qv_grpc_call *c, void *user) { c->user = user; }
bool qv_grpc_call_is_finished(const qv_grpc_call *c) { return c->finished || c->closed; }
size_t qv_grpc_call_queued(const qv_grpc_call *c) { return c->queued; }
uint64_t qv_grpc_call_fresh_msg_bufs(const qv_grpc_call *c) { return c->fresh_msg_bufs; }

/* ---- recycled message buffers ---- */

static void spare_remove(qv_grpc_call *c, int i) {
    c->spare_bytes -= c->spare_cap[i];
    c->nspare--;
    c->spare[i] = c->spare[c->nspare];
    c->spare_cap[i] = c->spare_cap[c->nspare];
}

/* A consumed segment's buffer: kept for the next message when it is a large message buffer and there
 * is room, else freed. */
static void recycle(qv_grpc_call *c, uint8_t *data, size_t cap) {
    if (cap < QV_GRPC_RECYCLE_MIN || c->closed || c->finished || c->nspare == QV_GRPC_SPARE_BUFS ||
        c->spare_bytes + cap > QV_GRPC_SPARE_BYTES) {
        free(data);
        return;
    }
    c->spare[c->nspare] = data;
    c->spare_cap[c->nspare] = cap;
    c->nspare++;
    c->spare_bytes += cap;
}

void qv_grpc_call_msg_buf(qv_grpc_call *c, qv_buf *b, size_t hint) {
    qv_buf_init(b);
    int best = -1; /* the smallest spare that fits */
    for (int i = 0; i < c->nspare; i++)
        if (c->spare_cap[i] >= hint && (best < 0 || c->spare_cap[i] < c->spare_cap[best])) best = i;
    if (best >= 0) {
        b->data = c->spare[best];
        b->cap = c->spare_cap[best];
        c->lent = b->data;
        spare_remove(c, best);
        return;
    }
    if (c->nspare) { /* every spare is too small for this message: drop the smallest, allocate */
        int small = 0;
        for (int i = 1; i < c->nspare; i++)
            if (c->spare_cap[i] < c->spare_cap[small]) small = i;
        free(c->spare[small]);
        spare_remove(c, small);
    }
    qv_buf_reserve(b, hint ? hint : 1);
}

/* ---- response headers ---- */

static void kv_add(qv_grpc_kv **arr, int *n, int *cap, const char *name, const char *value) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *arr = qv_realloc(*arr, (size_t)*cap * sizeof **arr);
    }
    char *lname = qv_strdup(name);
    for (char *p = lname; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    (*arr)[*n].name = lname;
    (*arr)[*n].value = qv_strdup(value);
    (*n)++;
}

void qv_grpc_call_add_header(qv_grpc_call *c, const char *name, const char *value) {
    if (c->closed || c->finished) return;
    kv_add(&c->resp_hdrs, &c->nresp, &c->capresp, name, value);
}

static nghttp2_nv nv(const char *name, const char *value) {
    return (nghttp2_nv){(uint8_t *)name, (uint8_t *)value, strlen(name), strlen(value), NGHTTP2_NV_FLAG_NONE};
}

/* grpc-message: percent-encode bytes outside 0x20..0x7E and '%' itself. */
static char *percent_encode(const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = qv_malloc(3 * n + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p > 0x7e || *p == '%') {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        } else {
            *o++ = (char)*p;
        }
    }
    *o = 0;
    return out;
}

/* Builds status fields (and the headers in resp_hdrs[from..]) into nva; returns the count. The caller
 * frees *enc. nva must have room for 4 + nresp entries. */
static size_t status_nv(qv_grpc_call *c, nghttp2_nv *nva, size_t n, int from, char *code, size_t codecap, char **enc) {
    snprintf(code, codecap, "%d", (int)c->status);
    nva[n++] = nv("grpc-status", code);
    *enc = NULL;
    if (c->status_msg && *c->status_msg) {
        *enc = percent_encode(c->status_msg);
        nva[n++] = nv("grpc-message", *enc);
    }
    for (int i = from; i < c->nresp; i++) nva[n++] = nv(c->resp_hdrs[i].name, c->resp_hdrs[i].value);
    return n;
}

/* ---- response data source ---- */

static ssize_t read_response(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                             uint32_t *data_flags, nghttp2_data_source *source, void *user_data) {
    (void)buf;
    (void)user_data;
    qv_grpc_call *c = source->ptr;
    /* How much of the queue this frame takes: at most `length`, within QV_GRPC_MAX_IOV segments. */
    size_t n = 0;
    int segs = 0;
    for (qv_grpc_seg *s = c->qhead; s && n < length && segs < QV_GRPC_MAX_IOV; s = s->next, segs++)
        n += s->len - s->off;
    if (n > length) n = length;
    if (n) *data_flags |= NGHTTP2_DATA_FLAG_NO_COPY; /* h2.c's send_data writes it from the queue */
    if (n == c->queued && c->finished) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_nv *nva = qv_malloc((size_t)(4 + c->nresp) * sizeof *nva);
        char code[16], *enc;
        size_t k = status_nv(c, nva, 0, c->ninitial, code, sizeof code, &enc);
        int rv = nghttp2_submit_trailer(session, stream_id, nva, k);
        if (rv != 0) QV_WARN("grpc %s: cannot send trailers: %s", c->peer, nghttp2_strerror(rv));
        free(enc);
        free(nva);
        return (ssize_t)n;
    }
    if (n == 0) {
        c->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    return (ssize_t)n;
}

int qv_grpc_call_peek(const qv_grpc_call *c, size_t len, struct iovec *iov) {
    int k = 0;
    for (const qv_grpc_seg *s = c->qhead; s && len && k < QV_GRPC_MAX_IOV; s = s->next) {
        size_t n = s->len - s->off < len ? s->len - s->off : len;
        iov[k++] = (struct iovec){.iov_base = s->data + s->off, .iov_len = n};
        len -= n;
    }
    return k;
}

void qv_grpc_call_consume(qv_grpc_call *c, size_t len) {
    c->queued -= len;
    while (len && c->qhead) {
        qv_grpc_seg *s = c->qhead;
        size_t n = s->len - s->off < len ? s->len - s->off : len;
        s->off += n;
        len -= n;
        if (s->off == s->len) {
            c->qhead = s->next;
            if (!c->qhead) c->qtail = NULL;
            recycle(c, s->data, s->cap);
            free(s);
        }
    }
}

/* Submits :status 200 + initial metadata with the data source (normal response). */
static void submit_headers(qv_grpc_call *c) {
    nghttp2_nv *nva = qv_malloc((size_t)(2 + c->nresp) * sizeof *nva);
    size_t n = 0;
    nva[n++] = nv(":status", "200");
    nva[n++] = nv("content-type", "application/grpc");
    for (int i = 0; i < c->nresp; i++) nva[n++] = nv(c->resp_hdrs[i].name, c->resp_hdrs[i].value);
    c->ninitial = c->nresp;
    nghttp2_data_provider prd = {.source.ptr = c, .read_callback = read_response};
    int rv = nghttp2_submit_response(c->session, c->stream_id, nva, n, &prd);
    if (rv != 0) QV_WARN("grpc %s: cannot send response headers: %s", c->peer, nghttp2_strerror(rv));
    free(nva);
    c->headers_sent = true;
}

/* Trailers-Only: one HEADERS frame with END_STREAM carrying status and every added header. */
static void submit_trailers_only(qv_grpc_call *c, const char *http_status) {
    nghttp2_nv *nva = qv_malloc((size_t)(4 + c->nresp) * sizeof *nva);
    size_t n = 0;
    nva[n++] = nv(":status", http_status);
    nva[n++] = nv("content-type", "application/grpc");
    char code[16], *enc;
    n = status_nv(c, nva, n, 0, code, sizeof code, &enc);
    int rv = nghttp2_submit_response(c->session, c->stream_id, nva, n, NULL);
    if (rv != 0) QV_WARN("grpc %s: cannot send status: %s", c->peer, nghttp2_strerror(rv));
    free(enc);
    free(nva);
    c->headers_sent = true;
    c->ninitial = c->nresp;
}

static void resume(qv_grpc_call *c) {
    if (c->deferred) {
        c->deferred = false;
        nghttp2_session_resume_data(c->session, c->stream_id);
    }
}

static void enqueue(qv_grpc_call *c, uint8_t *data, size_t len, size_t cap) {
    qv_grpc_seg *s = qv_malloc(sizeof *s);
    *s = (qv_grpc_seg){.next = NULL, .data = data, .len = len, .off = 0, .cap = cap};
    if (c->qtail)
        c->qtail->next = s;
    else
        c->qhead = s;
    c->qtail = s;
    c->queued += len;
    if (c->queued >= QV_GRPC_LOW_WATER) c->above_low = true;
}

static void put_prefix(uint8_t *p, size_t len) {
    p[0] = 0;
    p[1] = (uint8_t)(len >> 24);
    p[2] = (uint8_t)(len >> 16);
    p[3] = (uint8_t)(len >> 8);
    p[4] = (uint8_t)len;
}

static bool can_send(qv_grpc_call *c, size_t len) {
    if (c->closed || c->finished) return false;
    if (len > UINT32_MAX) {
        qv_grpc_call_finish(c, GRPC_INTERNAL, "response message larger than 4 GiB cannot be framed");
        return false;
    }
    return true;
}

void qv_grpc_call_send(qv_grpc_call *c, const void *msg, size_t len) {
    if (!can_send(c, len)) return;
    uint8_t *p = qv_malloc(len + 5);
    put_prefix(p, len);
    if (len) memcpy(p + 5, msg, len);
    enqueue(c, p, len + 5, 0);
    if (!c->headers_sent)
        submit_headers(c);
    else
        resume(c);
}

void qv_grpc_call_send_buf(qv_grpc_call *c, qv_buf *msg) {
    size_t len = msg->len;
    if (!can_send(c, len)) {
        qv_buf_free(msg);
        return;
    }
    if (len < 4096) { /* small: one segment is cheaper than two */
        qv_grpc_call_send(c, msg->data, len);
        if (msg->data == c->lent) c->lent = NULL;
        recycle(c, msg->data, msg->cap);
        qv_buf_init(msg);
        return;
    }
    uint8_t *p = qv_malloc(5);
    put_prefix(p, len);
    enqueue(c, p, 5, 0);
    size_t n, cap = msg->cap;
    if (msg->data == c->lent) c->lent = NULL;
    else if (cap >= QV_GRPC_RECYCLE_MIN) c->fresh_msg_bufs++;
    uint8_t *data = qv_buf_steal(msg, &n);
    enqueue(c, data, n, cap);
    if (!c->headers_sent)
        submit_headers(c);
    else
        resume(c);
}

void qv_grpc_call_finish(qv_grpc_call *c, qv_grpc_status status, const char *message) {
    if (c->closed || c->finished) return;
    c->finished = true;
    c->status = status;
    c->status_msg = qv_strdup(message ? message : "");
    c->discard = true; /* the reassembly buffer is dropped by on_data once on_message returns */
    if (!c->headers_sent)
        submit_trailers_only(c, "200");
    else
        resume(c);
}

void qv_grpc_call_reject(qv_grpc_call *c, const char *http_status, qv_grpc_status status, const char *message) {
    c->finished = true;
    c->discard = true;
    c->status = status;
    c->status_msg = qv_strdup(message);
    submit_trailers_only(c, http_status);
    QV_DEBUG("grpc %s: %s", c->peer, message);
}

void qv_grpc_call_on_end_sent(qv_grpc_call *c) {
    /* Trailers are out; a client still sending gets RST_STREAM(NO_ERROR), as the gRPC spec allows. */
    if (!c->remote_closed) nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, c->stream_id, NGHTTP2_NO_ERROR);
}

void qv_grpc_call_on_closed(qv_grpc_call *c) {
    c->closed = true;
    if (c->started && c->method->on_close) c->method->on_close(c);
    free_call(c);
}

bool qv_grpc_call_poll_writable(qv_grpc_call *c) {
    if (!c->above_low || c->queued >= QV_GRPC_LOW_WATER || c->closed || c->finished) return false;
    c->above_low = false;
    if (!c->started || !c->method->on_writable) return false;
    c->method->on_writable(c);
    return true;
}
