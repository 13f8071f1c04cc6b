/* grpc_recv.c — the request side of a gRPC call: metadata, validation and routing, and reassembly of
 * Length-Prefixed-Messages from DATA chunks into whole messages for on_message.
 *
 * Owns: what the client sent: headers (lower-case names, repeated names kept in order), the checks of
 * grpc/doc/PROTOCOL-HTTP2.md (POST, application/grpc content-type, known path), the message-size limit
 * (enforced from the 5-byte prefix, before buffering), compressed-flag rejection, end of stream.
 * grpc-timeout is accepted and ignored: calls never time out here.
 * Must not: build responses itself (grpc.c does), or touch sockets or the nghttp2 session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/bigbuf.h"
#include "net/grpc_call.h"
#include "util/buf.h"

/* An 8-byte-aligned, never-written address handed to on_message for empty messages. */
static const uint64_t empty_msg[1];

void qv_grpc_call_on_header(qv_grpc_call *c, const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen) {
    if (c->headers_done || c->hdr_overflow) return; /* trailers from the client carry nothing we use */
    c->hdr_bytes += nlen + vlen + 32;
    if (c->nhdrs >= QV_GRPC_MAX_HEADERS || c->hdr_bytes > QV_GRPC_MAX_HEADER_BYTES) {
        c->hdr_overflow = true;
        return;
    }
    if (c->nhdrs == c->caphdrs) {
        c->caphdrs = c->caphdrs ? c->caphdrs * 2 : 16;
        c->hdrs = qv_realloc(c->hdrs, (size_t)c->caphdrs * sizeof *c->hdrs);
    }
    c->hdrs[c->nhdrs].name = qv_strndup((const char *)name, nlen);
    c->hdrs[c->nhdrs].value = qv_strndup((const char *)value, vlen);
    c->nhdrs++;
}

const char *qv_grpc_call_header(const qv_grpc_call *c, const char *name, int idx) {
    for (int i = 0; i < c->nhdrs; i++)
        if (strcasecmp(c->hdrs[i].name, name) == 0 && idx-- == 0) return c->hdrs[i].value;
    return NULL;
}

const char *qv_grpc_call_path(const qv_grpc_call *c) {
    const char *p = qv_grpc_call_header(c, ":path", 0);
    return p ? p : "";
}

/* Rejects a stream before any handler saw it (bad method, content-type, unknown path). */
static void reject(qv_grpc_call *c, const char *http_status, qv_grpc_status st, const char *fmt, const char *arg) {
    char msg[600];
    snprintf(msg, sizeof msg, fmt, arg);
    qv_grpc_call_reject(c, http_status, st, msg);
}

static bool is_grpc_content_type(const char *ct) {
    static const char base[] = "application/grpc";
    if (!ct || strncmp(ct, base, sizeof base - 1) != 0) return false;
    char next = ct[sizeof base - 1];
    return next == 0 || next == '+' || next == ';';
}

void qv_grpc_call_on_headers_done(qv_grpc_call *c) {
    c->headers_done = true;
    const char *method = qv_grpc_call_header(c, ":method", 0);
    const char *ct = qv_grpc_call_header(c, "content-type", 0);
    const char *path = qv_grpc_call_path(c);
    if (c->hdr_overflow) {
        char lim[64];
        snprintf(lim, sizeof lim, "%d headers / %u bytes", QV_GRPC_MAX_HEADERS, QV_GRPC_MAX_HEADER_BYTES);
        reject(c, "200", GRPC_RESOURCE_EXHAUSTED, "request metadata exceeds %s", lim);
    } else if (!method || strcmp(method, "POST") != 0) {
        reject(c, "405", GRPC_UNIMPLEMENTED, "gRPC requires POST, not %s", method ? method : "(none)");
    } else if (!is_grpc_content_type(ct)) {
        reject(c, "415", GRPC_UNKNOWN, "content-type must be application/grpc, not %s", ct ? ct : "(none)");
    } else {
        const qv_grpc_service *svc = c->service;
        for (int i = 0; svc && i < svc->nmethods; i++)
            if (strcmp(svc->methods[i].path, path) == 0) {
                c->method = &svc->methods[i];
                break;
            }
        if (!c->method) {
            reject(c, "200", GRPC_UNIMPLEMENTED, "unknown method %s", path);
        } else {
            c->started = true;
            if (c->method->on_start) c->method->on_start(c);
        }
    }
}

static void deliver(qv_grpc_call *c, const uint8_t *msg, size_t len) {
    if (c->method->on_message) c->method->on_message(c, msg, len);
    if (c->finished) { /* finished from inside on_message: only now may msg's storage go */
        c->discard = true;
        qv_grpc_call_drop_msg(c);
    }
}

void qv_grpc_call_on_data(qv_grpc_call *c, const uint8_t *data, size_t len) {
    while (len > 0 && !c->discard) {
        if (!c->in_body) {
            size_t n = 5 - c->prefix_have;
            if (n > len) n = len;
            memcpy(c->prefix + c->prefix_have, data, n);
            c->prefix_have += (unsigned)n;
            data += n;
            len -= n;
            if (c->prefix_have < 5) return;
            c->prefix_have = 0;
            uint64_t mlen = (uint64_t)c->prefix[1] << 24 | (uint64_t)c->prefix[2] << 16 |
                            (uint64_t)c->prefix[3] << 8 | c->prefix[4];
            if (c->prefix[0] != 0) {
                qv_grpc_call_finish(c, GRPC_UNIMPLEMENTED, "compressed gRPC messages are not supported");
                qv_grpc_call_drop_msg(c);
                return;
            }
            if (mlen > c->max_message_size) {
                char m[160];
                snprintf(m, sizeof m, "message of %llu bytes exceeds --max-message-size %llu",
                         (unsigned long long)mlen, (unsigned long long)c->max_message_size);
                qv_grpc_call_finish(c, GRPC_RESOURCE_EXHAUSTED, m);
                qv_grpc_call_drop_msg(c);
                return;
            }
            c->msg_len = (size_t)mlen;
            c->msg_have = 0;
            if (mlen == 0) {
                deliver(c, (const uint8_t *)empty_msg, 0);
                continue;
            }
            /* Zero copy: the whole message is in this chunk and happens to be aligned. */
            if (len >= mlen && ((uintptr_t)data & 7u) == 0) {
                deliver(c, data, c->msg_len);
                data += mlen;
                len -= mlen;
                continue;
            }
            if (c->msg_cap < c->msg_len) {
                qv_grpc_call_drop_msg(c);
                c->msg = qv_bigbuf_get(c->bigbufs, c->msg_len, &c->msg_cap); /* 16-byte aligned */
                if (!c->msg) {
                    char m[120];
                    snprintf(m, sizeof m, "cannot allocate %zu bytes for a request message", c->msg_len);
                    c->msg_cap = 0;
                    qv_grpc_call_finish(c, GRPC_RESOURCE_EXHAUSTED, m);
                    return;
                }
            }
            c->in_body = true;
        }
        size_t n = c->msg_len - c->msg_have;
        if (n > len) n = len;
        memcpy(c->msg + c->msg_have, data, n);
        c->msg_have += n;
        data += n;
        len -= n;
        if (c->msg_have == c->msg_len) {
            c->in_body = false;
            deliver(c, c->msg, c->msg_len);
            /* Keep a moderate buffer for the next message; very large ones go back to the worker's cache. */
            if (c->msg_cap > (64u << 20)) qv_grpc_call_drop_msg(c);
        }
    }
}

void qv_grpc_call_on_end_stream(qv_grpc_call *c) {
    c->remote_closed = true;
    if (c->discard || !c->started) return;
    if (c->in_body || c->prefix_have) {
        qv_grpc_call_finish(c, GRPC_INTERNAL, "the client ended the stream in the middle of a message");
        return;
    }
    if (c->method->on_half_close) c->method->on_half_close(c);
}

