/* remote.c — `quiver query --server URL`: statements sent to a running server's POST /opencypher (the same
 * request the AWS SDK makes) and its Neptune JSON answer printed like a local result.
 *
 * Owns: a minimal HTTP/1.1 client (one request per connection, Content-Length or chunked answers) and turning
 * Neptune's {"results":[...]} into table / CSV rows. Must not: know the engine (it only speaks HTTP).
 */
#include "cli/session.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/common/qjson.h"
#include "util/clock.h"
#include "wire/json.h"

int cli_remote_parse_url(const char *url, char *host, size_t hostcap, char *port, size_t portcap, bool *tls,
                         qv_err *err) {
    const char *p = url;
    *tls = false;
    if (strncasecmp(p, "http://", 7) == 0) p += 7;
    else if (strncasecmp(p, "https://", 8) == 0) {
        p += 8;
        *tls = true;
    } else if (strstr(p, "://")) return qv_err_set(err, QV_EINVAL, "--server takes http://HOST:PORT or https://HOST:PORT, not '%s'", url);
    const char *end = p + strcspn(p, "/");
    const char *colon = memchr(p, ':', (size_t)(end - p));
    size_t hl = (size_t)((colon ? colon : end) - p);
    if (!hl || hl >= hostcap) return qv_err_set(err, QV_EINVAL, "--server: no host in '%s'", url);
    memcpy(host, p, hl);
    host[hl] = 0;
    if (colon) {
        size_t pl = (size_t)(end - colon - 1);
        if (!pl || pl >= portcap) return qv_err_set(err, QV_EINVAL, "--server: bad port in '%s'", url);
        memcpy(port, colon + 1, pl);
        port[pl] = 0;
    } else {
        snprintf(port, portcap, "8182");
    }
    return 0;
}

static int connect_to(const char *host, const char *port, qv_err *err) {
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) return qv_err_set(err, QV_EIO, "cannot resolve %s: %s", host, gai_strerror(rc));
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) return qv_err_set(err, QV_EIO, "cannot connect to %s:%s: %s", host, port, strerror(errno));
    return fd;
}

/* One connection: a socket, with a TLS session on it for https. */
typedef struct rconn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
} rconn;

static int tls_start(rconn *c, const char *host, const char *ca_file, qv_err *err) {
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx) return qv_err_set(err, QV_EIO, "TLS: cannot create a context");
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    if (ca_file ? SSL_CTX_load_verify_locations(c->ctx, ca_file, NULL) != 1 : SSL_CTX_set_default_verify_paths(c->ctx) != 1)
        return qv_err_set(err, QV_EINVAL, "TLS: cannot load the certificate authorities%s%s", ca_file ? " from " : "",
                          ca_file ? ca_file : "");
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, host);
    SSL_set1_host(c->ssl, host);
    if (SSL_connect(c->ssl) != 1) {
        char why[256];
        ERR_error_string_n(ERR_get_error(), why, sizeof why);
        long v = SSL_get_verify_result(c->ssl);
        return qv_err_set(err, QV_EIO, "TLS handshake with %s failed: %s%s%s", host,
                          v != X509_V_OK ? X509_verify_cert_error_string(v) : why,
                          v != X509_V_OK ? " (give the server's CA with --ca FILE)" : "", "");
    }
    return 0;
}

static void rconn_close(rconn *c) {
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->ctx) SSL_CTX_free(c->ctx);
    if (c->fd >= 0) close(c->fd);
}

static int send_all(rconn *c, const void *p, size_t n) {
    const char *b = p;
    while (n) {
        ssize_t w = c->ssl ? SSL_write(c->ssl, b, (int)(n > (1u << 30) ? 1u << 30 : n)) : send(c->fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && !c->ssl && errno == EINTR) continue;
        if (w <= 0) return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static ssize_t recv_some(rconn *c, void *p, size_t n) {
    for (;;) {
        ssize_t r = c->ssl ? SSL_read(c->ssl, p, (int)(n > (1u << 30) ? 1u << 30 : n)) : recv(c->fd, p, n, 0);
        if (r < 0 && !c->ssl && errno == EINTR) continue;
        return r;
    }
}

/* Decodes a chunked body in place; returns its length or -1. */
static long dechunk(uint8_t *b, size_t n) {
    size_t in = 0, out = 0;
    for (;;) {
        char *end;
        unsigned long sz = strtoul((const char *)b + in, &end, 16);
        size_t hdr = (size_t)((uint8_t *)end - b);
        const uint8_t *nl = memchr(b + hdr, '\n', n - hdr);
        if (!nl || (uint8_t *)end == b + in) return -1;
        in = (size_t)(nl - b) + 1;
        if (sz == 0) return (long)out;
        if (in + sz > n) return -1;
        memmove(b + out, b + in, sz);
        out += sz;
        in += sz;
        while (in < n && (b[in] == '\r' || b[in] == '\n')) in++;
    }
}

int cli_http_post_json(const char *host, const char *port, bool tls, const char *ca_file, const char *path,
                       const char *graph_id, const qv_buf *json, int *status, qv_buf *body, qv_err *err) {
    rconn c = {.fd = connect_to(host, port, err)};
    if (c.fd < 0) return -1;
    if (tls && tls_start(&c, host, ca_file, err) < 0) {
        rconn_close(&c);
        return -1;
    }
    char head[1024];
    int hl = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n%s%s%s"
                      "Accept: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                      path, host, port, graph_id ? "graphIdentifier: " : "", graph_id ? graph_id : "",
                      graph_id ? "\r\n" : "", json->len);
    if (hl < 0 || (size_t)hl >= sizeof head) {
        rconn_close(&c);
        return qv_err_set(err, QV_EINVAL, "the graph name is too long");
    }
    if (send_all(&c, head, (size_t)hl) < 0 || send_all(&c, json->data, json->len) < 0) {
        rconn_close(&c);
        return qv_err_set(err, QV_EIO, "sending the request to %s:%s failed: %s", host, port, strerror(errno));
    }
    qv_buf r;
    qv_buf_init(&r);
    for (;;) {
        qv_buf_reserve(&r, 65536);
        ssize_t n = recv_some(&c, r.data + r.len, r.cap - r.len);
        if (n <= 0) break;
        r.len += (size_t)n;
    }
    rconn_close(&c);
    qv_buf_append_byte(&r, 0);
    r.len--;
    const char *text = (const char *)r.data;
    const char *sep = strstr(text, "\r\n\r\n");
    if (strncmp(text, "HTTP/1.", 7) != 0 || !sep) {
        qv_buf_free(&r);
        return qv_err_set(err, QV_EIO, "%s:%s did not answer with HTTP", host, port);
    }
    *status = atoi(text + 9);
    bool chunked = false;
    for (const char *h = strstr(text, "\r\n"); h && h < sep; h = strstr(h + 2, "\r\n"))
        if (strncasecmp(h + 2, "transfer-encoding:", 18) == 0 && strstr(h + 2, "chunked") &&
            strstr(h + 2, "chunked") < sep)
            chunked = true;
    size_t off = (size_t)(sep + 4 - text);
    uint8_t *b = r.data + off;
    size_t n = r.len - off;
    if (chunked) {
        long m = dechunk(b, n);
        if (m < 0) {
            qv_buf_free(&r);
            return qv_err_set(err, QV_EIO, "malformed chunked answer from %s:%s", host, port);
        }
        n = (size_t)m;
    }
    qv_buf_reset(body);
    qv_buf_append(body, b, n);
    qv_buf_free(&r);
    return 0;
}

static void render_json(qv_buf *b, const json_val *v, bool quote) {
    switch (v->type) {
    case JSON_STRING:
        if (quote) json_write_str(b, v->str.s, v->str.len);
        else qv_buf_append(b, v->str.s, v->str.len);
        return;
    case JSON_OBJECT: {
        const json_val *et = json_get(v, "~entityType");
        if (et && et->type == JSON_STRING) {
            bool node = json_is_str(et, "node");
            qv_buf_append_byte(b, node ? '(' : '[');
            const json_val *labels = json_get(v, node ? "~labels" : "~type");
            if (labels && labels->type == JSON_ARRAY)
                for (size_t i = 0; i < labels->arr.n; i++) {
                    qv_buf_append_byte(b, ':');
                    render_json(b, labels->arr.items[i], false);
                }
            else if (labels && labels->type == JSON_STRING) {
                qv_buf_append_byte(b, ':');
                render_json(b, labels, false);
            }
            const json_val *props = json_get(v, "~properties");
            if (props && props->type == JSON_OBJECT && props->obj.n) {
                qv_buf_append_str(b, " ");
                render_json(b, props, true);
            }
            qv_buf_append_byte(b, node ? ')' : ']');
            return;
        }
        qv_buf_append_byte(b, '{');
        for (size_t i = 0; i < v->obj.n; i++) {
            if (i) qv_buf_append_str(b, ", ");
            qv_buf_append(b, v->obj.members[i].key, v->obj.members[i].key_len);
            qv_buf_append_str(b, ": ");
            render_json(b, v->obj.members[i].val, true);
        }
        qv_buf_append_byte(b, '}');
        return;
    }
    case JSON_ARRAY:
        qv_buf_append_byte(b, '[');
        for (size_t i = 0; i < v->arr.n; i++) {
            if (i) qv_buf_append_str(b, ", ");
            render_json(b, v->arr.items[i], true);
        }
        qv_buf_append_byte(b, ']');
        return;
    default:
        json_write_val(b, v);
        return;
    }
}

/* Prints the rows of a Neptune result document as a table or CSV (columns from the first row). */
static long print_rows(FILE *f, const json_val *results, cli_format fmt) {
    size_t nrows = results->arr.n;
    if (!nrows) {
        if (fmt == CLI_FMT_TABLE) fprintf(f, "(no rows)\n");
        return 0;
    }
    const json_val *first = results->arr.items[0];
    size_t nc = first->type == JSON_OBJECT ? first->obj.n : 0;
    qv_buf cell;
    qv_buf_init(&cell);
    char **cells = qv_calloc((nrows + 1) * (nc ? nc : 1), sizeof *cells);
    size_t *w = qv_calloc(nc ? nc : 1, sizeof *w);
    for (size_t c = 0; c < nc; c++) {
        cells[c] = qv_strndup(first->obj.members[c].key, first->obj.members[c].key_len);
        w[c] = strlen(cells[c]);
    }
    for (size_t r = 0; r < nrows; r++) {
        const json_val *row = results->arr.items[r];
        for (size_t c = 0; c < nc; c++) {
            qv_buf_reset(&cell);
            const json_val *v = row->type == JSON_OBJECT ? json_get(row, cells[c]) : NULL;
            if (v) render_json(&cell, v, fmt == CLI_FMT_TABLE);
            else if (fmt == CLI_FMT_TABLE) qv_buf_append_str(&cell, "null");
            char *s = qv_strndup((const char *)cell.data, cell.len);
            cells[(r + 1) * nc + c] = s;
            if (strlen(s) > w[c]) w[c] = strlen(s);
        }
    }
    for (size_t r = 0; r <= nrows; r++) {
        if (fmt == CLI_FMT_TABLE && (r == 0 || r == 1)) {
            fputc('+', f);
            for (size_t c = 0; c < nc; c++) {
                for (size_t i = 0; i < w[c] + 2; i++) fputc('-', f);
                fputc('+', f);
            }
            fputc('\n', f);
        }
        if (fmt == CLI_FMT_TABLE) fputc('|', f);
        for (size_t c = 0; c < nc; c++) {
            const char *s = cells[r * nc + c];
            if (fmt == CLI_FMT_TABLE) fprintf(f, " %-*s |", (int)w[c], s);
            else fprintf(f, "%s%s", c ? "," : "", s);
        }
        fputc('\n', f);
    }
    if (fmt == CLI_FMT_TABLE) {
        fputc('+', f);
        for (size_t c = 0; c < nc; c++) {
            for (size_t i = 0; i < w[c] + 2; i++) fputc('-', f);
            fputc('+', f);
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < (nrows + 1) * nc; i++) free(cells[i]);
    free(cells);
    free(w);
    qv_buf_free(&cell);
    return (long)nrows;
}

int cli_remote_run(cli_session *s, const char *text, size_t len) {
    qv_buf req, body;
    qv_buf_init(&req);
    qv_buf_init(&body);
    /* The default database answers on Neptune Database's endpoint; other graphs on Neptune Analytics'. */
    const char *graph = strcmp(s->graph, "neo4j") == 0 ? NULL : s->graph;
    qv_buf_append_str(&req, "{\"query\":");
    json_write_str(&req, text, len);
    if (graph) qv_buf_append_str(&req, ",\"language\":\"OPEN_CYPHER\"");
    if (s->params.type == QT_MAP) {
        qv_buf p;
        qv_buf_init(&p);
        qjson_write_value(&p, NULL, &s->param_arena, s->params);
        qv_buf_append_str(&req, ",\"parameters\":");
        json_write_str(&req, (const char *)p.data, p.len);
        qv_buf_free(&p);
    }
    qv_buf_append_byte(&req, '}');
    qv_err err;
    qv_err_clear(&err);
    int status = 0, rc = -1;
    uint64_t t0 = qv_now_ns();
    if (cli_http_post_json(s->host, s->port, s->tls, s->ca_file, graph ? "/queries" : "/opencypher", graph, &req,
                           &status, &body, &err) < 0) {
        fprintf(stderr, "quiver query: %s\n", err.msg);
        goto out;
    }
    if (s->format == CLI_FMT_JSON && status == 200) {
        fwrite(body.data, 1, body.len, stdout);
        if (!body.len || body.data[body.len - 1] != '\n') fputc('\n', stdout);
        rc = 0;
        goto out;
    }
    json_doc *d = json_parse((const char *)body.data, body.len, &err);
    const json_val *root = d ? json_doc_root(d) : NULL;
    if (status != 200 || !root) {
        const char *code = root ? json_get_str(root, "code") : NULL;
        const char *msg = root ? json_get_str(root, "detailedMessage") : NULL;
        fprintf(stderr, "%s (HTTP %d): %s\n", code ? code : "error", status,
                msg ? msg : (const char *)body.data);
    } else {
        const json_val *results = json_get(root, "results");
        if (!results || results->type != JSON_ARRAY) {
            fprintf(stderr, "quiver query: the server's answer has no results array\n");
        } else {
            long rows = print_rows(stdout, results, s->format);
            if (s->timing) fprintf(stderr, "%ld row%s in %.3f s\n", rows, rows == 1 ? "" : "s", qv_seconds_since(t0));
            rc = 0;
        }
    }
    if (d) json_doc_free(d);
out:
    qv_buf_free(&req);
    qv_buf_free(&body);
    return rc;
}
