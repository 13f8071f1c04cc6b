/* buf.c — growable byte buffers and aborting allocators. */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n) {
    fprintf(stderr, "quiver: out of memory allocating %zu bytes\n", n);
    abort();
}

void *qv_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *qv_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *qv_realloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *qv_strdup(const char *s) { return qv_strndup(s, strlen(s)); }

char *qv_strndup(const char *s, size_t n) {
    char *d = qv_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

void qv_buf_init(qv_buf *b) { b->data = NULL; b->len = b->cap = 0; }

void qv_buf_free(qv_buf *b) {
    free(b->data);
    qv_buf_init(b);
}

void qv_buf_reset(qv_buf *b) { b->len = 0; }

void qv_buf_reserve(qv_buf *b, size_t extra) {
    if (b->cap - b->len >= extra) return;
    size_t need = b->len + extra, cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap < ((size_t)1 << 62) ? cap * 2 : need;
    b->data = qv_realloc(b->data, cap);
    b->cap = cap;
}

uint8_t *qv_buf_extend(qv_buf *b, size_t n) {
    qv_buf_reserve(b, n);
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

void qv_buf_append(qv_buf *b, const void *p, size_t n) {
    if (!n) return;
    memcpy(qv_buf_extend(b, n), p, n);
}

void qv_buf_append_str(qv_buf *b, const char *s) { qv_buf_append(b, s, strlen(s)); }

void qv_buf_append_byte(qv_buf *b, uint8_t c) { *qv_buf_extend(b, 1) = c; }

void qv_buf_printf(qv_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        qv_buf_append(b, small, (size_t)n);
        return;
    }
    qv_buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void qv_buf_pad(qv_buf *b, size_t align) {
    size_t r = b->len % align;
    if (r) memset(qv_buf_extend(b, align - r), 0, align - r);
}

uint8_t *qv_buf_steal(qv_buf *b, size_t *len) {
    uint8_t *d = b->data;
    if (len) *len = b->len;
    qv_buf_init(b);
    return d;
}
