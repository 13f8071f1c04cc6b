/* http1.c — HTTP/1.1 connections on the HTTP port, and the qv_http_* helpers of http.h.
 *
 * Owns: reading requests through the reader of http1_parse.c (keep-alive and pipelining: responses are
 * written in request order), calling the handler (which may defer its answer to http1_stream.c; the
 * connection then waits for that stream before serving the next request), writing responses (status line,
 * Content-Type, Content-Length, Date, Server: quiver, Connection, the handler's headers, body),
 * "100 Continue", error answers (400/413/417/431/501/505 with a Neptune-style JSON body, then close),
 * and closing gracefully: after the last response the write side is shut down and the input drained
 * for up to LINGER_MS, so a client still sending its body sees the error instead of a reset.
 * Must not: parse bytes itself (http1_parse.c does), or know what the handler does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/http1_int.h"
#include "util/log.h"

#define READ_CHUNK (64u << 10)
#define OUT_HIGH (1u << 20)        /* stop reading/serving pipelined requests above this much output */
#define LINGER_MS 2000
#define DEFAULT_MAX_BODY ((uint64_t)64 << 20)
#define DEFAULT_HANDSHAKE_MS 10000


/* ---- http.h helpers ---- */

const char *qv_http_header_get(const qv_http_request *req, const char *name) {
    for (int i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].name, name) == 0) return req->headers[i].value;
    return NULL;
}

/* Copies s into the arena; if the arena moved, re-points headers that referred into it. */
static const char *arena_copy(qv_http_response *resp, const char *s) {
    size_t n = strlen(s) + 1;
    uintptr_t old = (uintptr_t)resp->arena.data, old_end = old + resp->arena.len;
    size_t s_off = (uintptr_t)s >= old && (uintptr_t)s < old_end ? (size_t)((uintptr_t)s - old) : SIZE_MAX;
    qv_buf_reserve(&resp->arena, n);
    uintptr_t now = (uintptr_t)resp->arena.data;
    if (s_off != SIZE_MAX) s = (const char *)(now + s_off); /* s itself lived in the arena */
    if (old && now != old)
        for (int i = 0; i < resp->nheaders; i++) {
            qv_http_header *h = &resp->headers[i];
            if ((uintptr_t)h->name >= old && (uintptr_t)h->name < old_end)
                h->name = (const char *)(now + ((uintptr_t)h->name - old));
            if ((uintptr_t)h->value >= old && (uintptr_t)h->value < old_end)
                h->value = (const char *)(now + ((uintptr_t)h->value - old));
        }
    char *dst = (char *)resp->arena.data + resp->arena.len;
    memcpy(dst, s, n);
    resp->arena.len += n;
    return dst;
}

void qv_http_response_header(qv_http_response *resp, const char *name, const char *value) {
    if (resp->nheaders == QV_HTTP_MAX_RESPONSE_HEADERS) {
        QV_WARN("http: response header '%s' dropped: more than %d headers", name, QV_HTTP_MAX_RESPONSE_HEADERS);
        return;
    }
    qv_http_header *h = &resp->headers[resp->nheaders++];
    h->name = NULL;
    h->value = NULL;
    const char *n = arena_copy(resp, name);
    h->name = n;
    h->value = arena_copy(resp, value); /* may move the arena: n is re-pointed through h->name */
}

/* ---- responses ---- */

static const char *reason(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
    }
}

static void http_date(char *out, size_t cap) {
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool header_safe(const char *s) { return s && !strpbrk(s, "\r\n"); }

void http1_write_head(http1_conn *c, const qv_http_response *resp, size_t body_len, bool keep_alive) {
    qv_buf *o = &c->base.out;
    char date[64];
    http_date(date, sizeof date);
    int st = resp->status >= 100 && resp->status <= 999 ? resp->status : 500;
    bool no_body = st == 204 || st == 304 || st < 200;
    qv_buf_printf(o, "HTTP/1.1 %d %s\r\n", st, reason(st));
    if (!no_body) {
        const char *ct = header_safe(resp->content_type) ? resp->content_type : "application/json";
        if (body_len == SIZE_MAX)
            qv_buf_printf(o, "Content-Type: %s\r\nTransfer-Encoding: chunked\r\n", ct);
        else
            qv_buf_printf(o, "Content-Type: %s\r\nContent-Length: %zu\r\n", ct, body_len);
    }
    qv_buf_printf(o, "Date: %s\r\nServer: quiver\r\nConnection: %s\r\n", date, keep_alive ? "keep-alive" : "close");
    for (int i = 0; i < resp->nheaders && i < QV_HTTP_MAX_RESPONSE_HEADERS; i++) {
        const qv_http_header *h = &resp->headers[i];
        if (!header_safe(h->name) || !header_safe(h->value) || !*h->name) continue; /* no header injection */
        qv_buf_printf(o, "%s: %s\r\n", h->name, h->value);
    }
    qv_buf_append(o, "\r\n", 2);
}

static void write_response(http1_conn *c, const qv_http_response *resp, bool head_only, bool keep_alive) {
    int st = resp->status >= 100 && resp->status <= 999 ? resp->status : 500;
    bool no_body = st == 204 || st == 304 || st < 200;
    http1_write_head(c, resp, resp->body.len, keep_alive);
    if (!no_body && !head_only && resp->body.len) qv_buf_append(&c->base.out, resp->body.data, resp->body.len);
}

static void json_escape(qv_buf *b, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            qv_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            qv_buf_printf(b, "\\u%04x", *p);
        else
            qv_buf_append_byte(b, *p);
    }
}

static void reset_response(qv_http_response *r) {
    r->status = 200;
    r->content_type = "application/json";
    qv_buf_reset(&r->body);
    qv_buf_reset(&r->arena);
    r->nheaders = 0;
}

static void write_error(http1_conn *c, int status, const char *code, const char *message) {
    qv_http_response *r = &c->resp;
    reset_response(r);
    r->status = status;
    const qv_net_config *cfg = c->base.cfg;
    if (cfg->http_error) {
        cfg->http_error(cfg->http_ctx, status, message, r);
    } else {
        qv_buf_append_str(&r->body, "{\"code\":\"");
        qv_buf_append_str(&r->body, code);
        qv_buf_append_str(&r->body, "\",\"detailedMessage\":\"");
        json_escape(&r->body, message);
        qv_buf_append_str(&r->body, "\"}");
    }
    write_response(c, r, false, false);
}

/* ---- requests ---- */

/* Returns true when the handler deferred its answer (the request stays current until the stream ends). */
static bool serve(http1_conn *c) {
    qv_http1_head *h = &c->rd.head;
    qv_http_request req = {
        .method = h->method,
        .path = h->path,
        .query = h->query,
        .headers = h->headers,
        .nheaders = h->nheaders,
        .body = c->rd.body.data ? c->rd.body.data : (const uint8_t *)"",
        .body_len = c->rd.body.len,
        .peer = c->base.peer,
        .conn = c,
    };
    qv_http_response *r = &c->resp;
    reset_response(r);
    const qv_net_config *cfg = c->base.cfg;
    if (cfg->http_handler) {
        cfg->http_handler(cfg->http_ctx, &req, r);
    } else {
        r->status = 404;
        qv_buf_printf(&r->body, "{\"code\":\"NotFoundException\",\"detailedMessage\":\"no HTTP handler\"}");
    }
    if (c->stream) return true;
    bool keep = h->keep_alive;
    write_response(c, r, strcmp(h->method, "HEAD") == 0, keep);
    if (!keep) c->close_after = true;
    return false;
}

static void process(http1_conn *c) {
    while (!c->stream && !c->close_after && c->in_off < c->in.len && qv_conn_pending(&c->base) < OUT_HIGH) {
        size_t used = 0;
        qv_http1_event ev = qv_http1_reader_feed(&c->rd, c->in.data + c->in_off, c->in.len - c->in_off, &used);
        c->in_off += used;
        if (ev == QV_HTTP1_NEED_MORE) break;
        if (ev == QV_HTTP1_CONTINUE) {
            qv_buf_append_str(&c->base.out, "HTTP/1.1 100 Continue\r\n\r\n");
        } else if (ev == QV_HTTP1_REQUEST) {
            if (serve(c)) break;
            qv_http1_reader_next(&c->rd);
        } else {
            QV_DEBUG("http %s: %d %s", c->base.peer, c->rd.status, c->rd.error);
            write_error(c, c->rd.status, "BadRequestException", c->rd.error);
            c->close_after = true;
        }
    }
    if (c->in_off == c->in.len) {
        c->in.len = c->in_off = 0;
        if (c->in.cap > (4u << 20)) qv_buf_free(&c->in);
    } else if (c->in_off > 0) {
        memmove(c->in.data, c->in.data + c->in_off, c->in.len - c->in_off);
        c->in.len -= c->in_off;
        c->in_off = 0;
    }
}

void http1_stream_done(http1_conn *c, bool keep_alive) {
    c->stream = NULL;
    if (!keep_alive) c->close_after = true;
    qv_http1_reader_next(&c->rd);
    if (!c->lingering) process(c);
}

/* ---- connection ---- */

void http1_free_mem(http1_conn *c) {
    qv_http1_reader_free(&c->rd);
    qv_buf_free(&c->in);
    qv_buf_free(&c->sbuf);
    qv_buf_free(&c->resp.body);
    qv_buf_free(&c->resp.arena);
    free(c);
}

static void http1_destroy(qv_conn *base) {
    http1_conn *c = (http1_conn *)base;
    if (c->linger_timer) qv_loop_timer_cancel(base->worker->loop, c->linger_timer);
    if (c->handshake_timer) qv_loop_timer_cancel(base->worker->loop, c->handshake_timer);
    c->linger_timer = c->handshake_timer = 0;
    if (c->stream) {
        http1_stream_conn_gone(c);   /* frees c now or when the producer lets go */
        return;
    }
    qv_conn_release(base);
    http1_free_mem(c);
}

static void linger_expired(qv_loop *loop, void *arg) {
    (void)loop;
    http1_conn *c = arg;
    c->linger_timer = 0;
    http1_destroy(&c->base);
}

static void handshake_expired(qv_loop *loop, void *arg) {
    (void)loop;
    http1_conn *c = arg;
    c->handshake_timer = 0;
    if (c->base.tls && !qv_tls_handshake_done(c->base.tls)) {
        QV_DEBUG("http %s: TLS handshake not finished in time: closing", c->base.peer);
        http1_destroy(&c->base);
    }
}

#define DEFERRED_IN_MAX (1u << 20)   /* pipelined input buffered while a deferred answer is pending */

void http1_settle(http1_conn *c) {
    if (qv_conn_flush(&c->base) < 0) {
        http1_destroy(&c->base);
        return;
    }
    size_t pending = qv_conn_pending(&c->base);
    if (c->stream) http1_stream_drained(c);
    if (c->close_after && !c->stream && pending == 0 && !c->lingering) {
        c->lingering = true;
        qv_conn_shutdown_write(&c->base);
        c->linger_timer = qv_loop_timer_add(c->base.worker->loop, LINGER_MS, linger_expired, c);
    }
    /* While a deferred answer is pending, keep reading (a bounded amount) so a hang-up is noticed. */
    bool want_read = c->lingering || (c->stream ? c->in.len < DEFERRED_IN_MAX
                                                : !c->close_after && pending < OUT_HIGH);
    qv_conn_watch(&c->base, want_read, pending > 0);
}

/* A TLS connection whose first byte is not a TLS handshake record is a plaintext client on the HTTPS port:
 * it gets a plaintext 400 saying so, then the usual graceful close. Returns true when that happened. */
static bool refuse_plaintext(http1_conn *c) {
    unsigned char b;
    ssize_t n = recv(c->base.fd, &b, 1, MSG_PEEK);
    if (n != 1 || b == 0x16) return false;   /* 0x16: TLS handshake record */
    QV_DEBUG("http %s: plaintext request on the HTTPS port", c->base.peer);
    qv_tls_free(c->base.tls);
    c->base.tls = NULL;
    write_error(c, 400, "BadRequestException",
                "this port speaks HTTPS only (the server was started with --tls-cert): use https://");
    c->close_after = true;
    return true;
}

static void http1_on_io(qv_conn *base, unsigned events) {
    http1_conn *c = (http1_conn *)base;
    bool readable = (events & QV_LOOP_READ) || (base->tls_read_wants_write && (events & QV_LOOP_WRITE));
    if (readable && base->tls && !c->tls_checked) {
        c->tls_checked = true;
        if (refuse_plaintext(c)) {
            http1_settle(c);
            return;
        }
    }
    if (readable) {
        ssize_t n;
        do {   /* a TLS session may hold decrypted bytes the socket no longer signals: take them all */
            qv_buf_reserve(&c->in, READ_CHUNK);
            n = qv_conn_read(base, c->in.data + c->in.len, c->in.cap - c->in.len);
            if (n < 0) {
                http1_destroy(base); /* the client closed (or reset) the connection, or TLS failed */
                return;
            }
            if (n > 0 && !c->lingering) c->in.len += (size_t)n;   /* lingering: discard what still comes */
        } while (n > 0 && qv_conn_read_more(base));
    } else if ((events & QV_LOOP_ERROR) && !(events & QV_LOOP_WRITE)) {
        http1_destroy(base);
        return;
    }
    if (!c->lingering) process(c);
    http1_settle(c);
}

static const qv_conn_ops http1_ops = {.on_io = http1_on_io, .destroy = http1_destroy};

void qv_http1_conn_accept(qv_worker *w, int fd, const char *peer) {
    http1_conn *c = qv_calloc(1, sizeof *c);
    qv_err err;
    if (qv_conn_init(&c->base, &http1_ops, w, fd, peer, &err) < 0) {
        QV_WARN("http %s: %s", peer, err.msg);
        close(fd);
        free(c);
        return;
    }
    if (w->tls && !(c->base.tls = qv_tls_new(w->tls, fd, &err))) {
        QV_WARN("http %s: %s", peer, err.msg);
        qv_conn_release(&c->base);   /* closes fd */
        free(c);
        return;
    }
    if (c->base.tls) {
        uint64_t ms = w->cfg->tls_handshake_ms ? w->cfg->tls_handshake_ms : DEFAULT_HANDSHAKE_MS;
        c->handshake_timer = qv_loop_timer_add(w->loop, ms, handshake_expired, c);
    }
    uint64_t max_body = w->cfg->max_http_body ? w->cfg->max_http_body : DEFAULT_MAX_BODY;
    qv_http1_reader_init(&c->rd, max_body);
    qv_buf_init(&c->in);
    qv_buf_init(&c->sbuf);
    qv_buf_init(&c->resp.body);
    qv_buf_init(&c->resp.arena);
    QV_DEBUG("http %s: connected", peer);
}
