/* http1_parse.c — the HTTP/1.1 request reader (see http1_parse.h): a state machine over bytes.
 *
 * Owns: head collection and parsing (RFC 9112 request line and field lines), body framing, chunked
 * decoding, limits. Strict where leniency enables request smuggling (bare CR, obs-fold, whitespace
 * before ':', CL+TE, bad chunk sizes), lenient elsewhere (bare LF line ends, leading empty lines).
 * Must not: do I/O or know about connections and handlers.
 */
#include "net/http1_parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { S_HEAD, S_BODY, S_CHUNK_SIZE, S_CHUNK_DATA, S_CHUNK_END, S_TRAILERS, S_DONE, S_ERROR };

void qv_http1_reader_init(qv_http1_reader *r, uint64_t max_body) {
    memset(r, 0, sizeof *r);
    r->max_body = max_body;
    qv_buf_init(&r->body);
    r->state = S_HEAD;
}

void qv_http1_reader_free(qv_http1_reader *r) { qv_buf_free(&r->body); }

void qv_http1_reader_next(qv_http1_reader *r) {
    if (r->state == S_ERROR) return;
    r->state = S_HEAD;
    r->line_nonempty = false;
    r->head.len = 0;
    r->head.nheaders = 0;
    r->remaining = 0;
    r->line_len = 0;
    r->trailer_bytes = 0;
    qv_buf_reset(&r->body);
    if (r->body.cap > (1u << 20)) qv_buf_free(&r->body); /* do not pin a big body between requests */
}

static qv_http1_event fail(qv_http1_reader *r, int status, const char *fmt, const char *arg) {
    r->state = S_ERROR;
    r->status = status;
    snprintf(r->error, sizeof r->error, fmt, arg);
    return QV_HTTP1_ERROR;
}

/* ---- head parsing ---- */

static bool is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int herr(char *err, size_t cap, int status, const char *msg, const char *arg) {
    snprintf(err, cap, msg, arg);
    return status;
}

/* Splits the next line at p (ending in "\n" or "\r\n"); returns it NUL-terminated, or NULL on bare CR. */
static char *next_line(char **p, char *end) {
    char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl) return NULL;
    *p = nl + 1;
    if (nl > s && nl[-1] == '\r') nl--;
    *nl = 0;
    if (memchr(s, '\r', (size_t)(nl - s))) return NULL; /* bare CR inside a line */
    return s;
}

static bool has_token(const char *list, const char *token) {
    size_t n = strlen(token);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *e = p;
        while (*e && *e != ',') e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t')) t--;
        if ((size_t)(t - p) == n && strncasecmp(p, token, n) == 0) return true;
        p = e;
    }
    return false;
}

static int parse_request_line(qv_http1_head *h, char *line, char *err, size_t cap) {
    char *sp1 = strchr(line, ' ');
    if (!sp1 || sp1 == line) return herr(err, cap, 400, "malformed request line: %.200s", line);
    *sp1 = 0;
    for (char *m = line; *m; m++)
        if (!is_tchar((unsigned char)*m)) return herr(err, cap, 400, "malformed request method: %.200s", line);
    char *target = sp1 + 1, *sp2 = strchr(target, ' ');
    if (!sp2 || sp2 == target) return herr(err, cap, 400, "malformed request line: %.200s", target);
    *sp2 = 0;
    char *version = sp2 + 1;
    for (char *t = target; *t; t++)
        if ((unsigned char)*t <= 0x20 || *t == 0x7f) return herr(err, cap, 400, "malformed request target: %.200s", target);
    if (strncmp(version, "HTTP/", 5) != 0 || version[5] < '0' || version[5] > '9' || version[6] != '.' ||
        version[7] < '0' || version[7] > '9' || version[8] != 0)
        return herr(err, cap, 400, "malformed HTTP version: %.100s", version);
    if (version[5] != '1') return herr(err, cap, 505, "HTTP version %.20s is not supported (use HTTP/1.1)", version);
    h->minor = version[7] - '0';
    h->method = line;
    /* absolute-form (http://host/path) -> origin-form */
    if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0) {
        char *slash = strchr(strstr(target, "://") + 3, '/');
        if (slash) {
            target = slash;
        } else {
            /* "http://host" or "http://host?q": the path is "/"; keep the query by rewriting in place */
            char *q = strchr(target, '?');
            if (q) {
                q[-1] = '/';
                target = q - 1;
            } else {
                target = "/";
            }
        }
    } else if (target[0] != '/' && strcmp(target, "*") != 0) {
        return herr(err, cap, 400, "malformed request target: %.200s", target);
    }
    char *q = strchr(target, '?');
    if (q) {
        *q = 0;
        h->query = q + 1;
    } else {
        h->query = "";
    }
    h->path = target;
    return 0;
}

static int parse_content_length(const char *v, uint64_t *out) {
    if (!*v) return -1;
    uint64_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        if (n > (UINT64_MAX - 9) / 10) return -1;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *out = n;
    return 0;
}

int qv_http1_parse_head(qv_http1_head *h, char *err, size_t cap) {
    char *p = h->text, *end = h->text + h->len;
    h->text[h->len] = 0;
    h->nheaders = 0;
    h->body = QV_HTTP1_BODY_NONE;
    h->content_length = 0;
    h->expect_continue = false;
    while (p < end && (*p == '\r' || *p == '\n')) p++; /* leading empty lines are allowed */
    char *line = next_line(&p, end);
    if (!line) return herr(err, cap, 400, "%s", "malformed request line (bare CR)");
    int rc = parse_request_line(h, line, err, cap);
    if (rc) return rc;
    bool have_cl = false, have_te = false, conn_close = false, conn_keep = false;
    for (;;) {
        line = next_line(&p, end);
        if (!line) return herr(err, cap, 400, "%s", "malformed header line (bare CR)");
        if (!*line) break; /* the blank line */
        if (*line == ' ' || *line == '\t')
            return herr(err, cap, 400, "%s", "obsolete header line folding is not supported");
        char *colon = strchr(line, ':');
        if (!colon || colon == line) return herr(err, cap, 400, "malformed header line: %.200s", line);
        *colon = 0;
        for (char *n = line; *n; n++)
            if (!is_tchar((unsigned char)*n)) return herr(err, cap, 400, "malformed header name: %.200s", line);
        for (char *n = line; *n; n++)
            if (*n >= 'A' && *n <= 'Z') *n = (char)(*n - 'A' + 'a');
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') v++;
        char *ve = v + strlen(v);
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        *ve = 0;
        for (char *c = v; *c; c++)
            if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
                return herr(err, cap, 400, "control character in header %.100s", line);
        if (h->nheaders == QV_HTTP1_MAX_HEADERS)
            return herr(err, cap, 431, "more than %s request headers", "64");
        h->headers[h->nheaders++] = (qv_http_header){line, v};

        if (strcmp(line, "content-length") == 0) {
            uint64_t n;
            if (parse_content_length(v, &n) < 0) return herr(err, cap, 400, "invalid Content-Length: %.60s", v);
            if (have_cl && n != h->content_length) return herr(err, cap, 400, "%s", "conflicting Content-Length headers");
            have_cl = true;
            h->content_length = n;
        } else if (strcmp(line, "transfer-encoding") == 0) {
            /* Only "chunked" is supported, and it must be the last (here: only) coding. */
            const char *last = strrchr(v, ',');
            last = last ? last + 1 : v;
            while (*last == ' ' || *last == '\t') last++;
            if (strcasecmp(last, "chunked") != 0 || strchr(v, ',') || have_te)
                return herr(err, cap, 501, "Transfer-Encoding '%.60s' is not supported (only chunked)", v);
            have_te = true;
        } else if (strcmp(line, "connection") == 0) {
            if (has_token(v, "close")) conn_close = true;
            if (has_token(v, "keep-alive")) conn_keep = true;
        } else if (strcmp(line, "expect") == 0) {
            if (strcasecmp(v, "100-continue") != 0) return herr(err, cap, 417, "unsupported Expect: %.60s", v);
            h->expect_continue = h->minor >= 1;
        }
    }
    if (have_cl && have_te) return herr(err, cap, 400, "%s", "both Content-Length and Transfer-Encoding were sent");
    if (have_te && h->minor == 0) return herr(err, cap, 400, "%s", "Transfer-Encoding is not allowed in HTTP/1.0");
    if (have_te)
        h->body = QV_HTTP1_BODY_CHUNKED;
    else if (have_cl && h->content_length > 0)
        h->body = QV_HTTP1_BODY_LENGTH;
    if (h->body == QV_HTTP1_BODY_NONE) h->expect_continue = false;
    h->keep_alive = h->minor >= 1 ? !conn_close : (conn_keep && !conn_close);
    return 0;
}

/* ---- the byte-level state machine ---- */

static void body_append(qv_http1_reader *r, const uint8_t *p, size_t n) {
    qv_buf_reserve(&r->body, n + 1);
    memcpy(r->body.data + r->body.len, p, n);
    r->body.len += n;
}

static qv_http1_event request_ready(qv_http1_reader *r) {
    qv_buf_reserve(&r->body, 1);
    r->body.data[r->body.len] = 0;
    r->state = S_DONE;
    return QV_HTTP1_REQUEST;
}

static qv_http1_event head_done(qv_http1_reader *r) {
    int st = qv_http1_parse_head(&r->head, r->error, sizeof r->error);
    if (st) {
        r->state = S_ERROR;
        r->status = st;
        return QV_HTTP1_ERROR;
    }
    qv_http1_head *h = &r->head;
    if (h->body == QV_HTTP1_BODY_NONE) return request_ready(r);
    if (h->body == QV_HTTP1_BODY_LENGTH) {
        if (h->content_length > r->max_body) {
            char m[64];
            snprintf(m, sizeof m, "%llu", (unsigned long long)r->max_body);
            r->state = S_ERROR;
            r->status = 413;
            snprintf(r->error, sizeof r->error, "request body of %llu bytes exceeds the limit of %s bytes",
                     (unsigned long long)h->content_length, m);
            return QV_HTTP1_ERROR;
        }
        r->remaining = h->content_length;
        /* Grow with the data rather than trusting the declared length with a big allocation. */
        qv_buf_reserve(&r->body, (size_t)(h->content_length < (1u << 20) ? h->content_length : (1u << 20)) + 1);
        r->state = S_BODY;
    } else {
        r->state = S_CHUNK_SIZE;
        r->line_len = 0;
    }
    return h->expect_continue ? QV_HTTP1_CONTINUE : QV_HTTP1_NEED_MORE;
}

/* Parses "1a2b[;ext]" (hex size, optional extensions). */
static int parse_chunk_size(const char *s, uint64_t *out) {
    uint64_t n = 0;
    int digits = 0;
    for (; *s; s++, digits++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            break;
        if (digits >= 15) return -1;
        n = n * 16 + (uint64_t)d;
    }
    if (!digits) return -1;
    while (*s == ' ' || *s == '\t') s++;
    if (*s && *s != ';') return -1;
    *out = n;
    return 0;
}

qv_http1_event qv_http1_reader_feed(qv_http1_reader *r, const uint8_t *in, size_t len, size_t *consumed) {
    size_t i = 0;
    qv_http1_event ev = QV_HTTP1_NEED_MORE;
    while (i < len && ev == QV_HTTP1_NEED_MORE) {
        switch (r->state) {
        case S_HEAD: {
            qv_http1_head *h = &r->head;
            uint8_t c = in[i++];
            if (h->len == 0 && (c == '\r' || c == '\n')) break; /* empty lines before the request */
            if (h->len == QV_HTTP1_MAX_HEAD_BYTES) {
                ev = fail(r, 431, "request head exceeds %s bytes", "16384");
                break;
            }
            h->text[h->len++] = (char)c;
            if (c == '\n') {
                if (!r->line_nonempty) ev = head_done(r);
                r->line_nonempty = false;
            } else if (c != '\r') {
                r->line_nonempty = true;
            }
            break;
        }
        case S_BODY: {
            size_t n = len - i;
            if (n > r->remaining) n = (size_t)r->remaining;
            body_append(r, in + i, n);
            i += n;
            r->remaining -= n;
            if (r->remaining == 0) ev = request_ready(r);
            break;
        }
        case S_CHUNK_SIZE: {
            uint8_t c = in[i++];
            if (c != '\n') {
                if (r->line_len + 1 >= sizeof r->line) {
                    ev = fail(r, 400, "%s", "chunk size line too long");
                    break;
                }
                r->line[r->line_len++] = (char)c;
                break;
            }
            if (r->line_len && r->line[r->line_len - 1] == '\r') r->line_len--;
            r->line[r->line_len] = 0;
            uint64_t n;
            if (memchr(r->line, '\r', r->line_len) || parse_chunk_size(r->line, &n) < 0) {
                ev = fail(r, 400, "malformed chunk size: %.60s", r->line);
                break;
            }
            r->line_len = 0;
            if (n > r->max_body || r->body.len + n > r->max_body) {
                char m[32];
                snprintf(m, sizeof m, "%llu", (unsigned long long)r->max_body);
                ev = fail(r, 413, "chunked request body exceeds the limit of %s bytes", m);
                break;
            }
            r->remaining = n;
            r->state = n ? S_CHUNK_DATA : S_TRAILERS;
            r->line_nonempty = false;
            r->trailer_bytes = 0;
            break;
        }
        case S_CHUNK_DATA: {
            size_t n = len - i;
            if (n > r->remaining) n = (size_t)r->remaining;
            body_append(r, in + i, n);
            i += n;
            r->remaining -= n;
            if (r->remaining == 0) {
                r->state = S_CHUNK_END;
                r->line_len = 0;
            }
            break;
        }
        case S_CHUNK_END: { /* the CRLF after chunk data */
            uint8_t c = in[i++];
            if (c == '\r' && r->line_len == 0) {
                r->line_len = 1;
            } else if (c == '\n') {
                r->state = S_CHUNK_SIZE;
                r->line_len = 0;
            } else {
                ev = fail(r, 400, "%s", "chunk data is longer than its declared size");
            }
            break;
        }
        case S_TRAILERS: { /* trailer fields after the last chunk: read to the blank line, drop */
            uint8_t c = in[i++];
            if (++r->trailer_bytes > QV_HTTP1_MAX_HEAD_BYTES) {
                ev = fail(r, 431, "request trailers exceed %s bytes", "16384");
            } else if (c == '\n') {
                if (!r->line_nonempty) ev = request_ready(r);
                r->line_nonempty = false;
            } else if (c != '\r') {
                r->line_nonempty = true;
            }
            break;
        }
        case S_DONE: /* the caller has not called qv_http1_reader_next yet */
            *consumed = i;
            return QV_HTTP1_REQUEST;
        default:
            *consumed = i;
            return QV_HTTP1_ERROR;
        }
    }
    *consumed = i;
    if (ev == QV_HTTP1_NEED_MORE && r->state == S_ERROR) return QV_HTTP1_ERROR;
    return ev;
}
