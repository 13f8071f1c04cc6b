/* value_str.c — rendering values as text: toString() of scalars (Java-compatible floats) and a
 * debugging / openCypher-literal-style rendering of any value (see value.h, value_fmt.h).
 *
 * Owns: qv_to_cstring, qv_debug, qv_fmt_float, qv_fmt_int. Must not: read the graph (nodes render as
 * their internal ids), or allocate outside the caller's arena.
 */
#include "value/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/value_fmt.h"
#include "value/temporal.h"

size_t qv_fmt_int(char *buf, int64_t i) { return (size_t)snprintf(buf, QV_NUMBUF, "%lld", (long long)i); }

int qv_float_digits(double d, char *digits, int *exp10) {
    char tmp[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
        if (strtod(tmp, NULL) == d || p == 17) {
            int n = 0;
            const char *s = tmp;
            if (*s == '-') s++;
            for (; *s && *s != 'e'; s++)
                if (*s >= '0' && *s <= '9') digits[n++] = *s;
            while (n > 1 && digits[n - 1] == '0') n--;
            digits[n] = 0;
            *exp10 = *s == 'e' ? atoi(s + 1) : 0;
            return n;
        }
    }
    return 0;
}

size_t qv_fmt_float(char *buf, double d) {
    if (isnan(d)) return (size_t)snprintf(buf, QV_NUMBUF, "NaN");
    if (isinf(d)) return (size_t)snprintf(buf, QV_NUMBUF, d > 0 ? "Infinity" : "-Infinity");
    if (d == 0) return (size_t)snprintf(buf, QV_NUMBUF, signbit(d) ? "-0.0" : "0.0");
    char digits[24];
    int e;
    int n = qv_float_digits(d, digits, &e);
    size_t o = 0;
    if (d < 0) buf[o++] = '-';
    double ad = fabs(d);
    if (ad >= 1e-3 && ad < 1e7) {
        if (e >= 0) {   /* digits[0..e] before the point */
            for (int i = 0; i <= e; i++) buf[o++] = i < n ? digits[i] : '0';
            buf[o++] = '.';
            if (e + 1 >= n) buf[o++] = '0';
            else for (int i = e + 1; i < n; i++) buf[o++] = digits[i];
        } else {        /* 0.00ddd */
            buf[o++] = '0';
            buf[o++] = '.';
            for (int i = 0; i < -e - 1; i++) buf[o++] = '0';
            for (int i = 0; i < n; i++) buf[o++] = digits[i];
        }
        buf[o] = 0;
        return o;
    }
    buf[o++] = digits[0];
    buf[o++] = '.';
    if (n == 1) buf[o++] = '0';
    else for (int i = 1; i < n; i++) buf[o++] = digits[i];
    o += (size_t)snprintf(buf + o, QV_NUMBUF - o, "E%d", e);
    return o;
}

const char *qv_to_cstring(qv_arena *a, qval v, uint32_t *len) {
    char nb[QV_NUMBUF];
    size_t n;
    switch ((qtype)v.type) {
    case QT_INT: n = qv_fmt_int(nb, v.i); break;
    case QT_FLOAT: n = qv_fmt_float(nb, v.f); break;
    case QT_BOOL: n = (size_t)snprintf(nb, sizeof nb, "%s", v.b ? "true" : "false"); break;
    case QT_STRING:
        if (len) *len = v.len;
        return qv_arena_strndup(a, v.s, v.len);
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: case QT_DURATION:
        return qtemporal_str(a, v, len);
    default:
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = (uint32_t)n;
    return qv_arena_strndup(a, nb, n);
}

/* ---- debug rendering ---- */
typedef struct sbuf { qv_arena *a; char *p; size_t n, cap; } sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = qv_arena_alloc(b->a, cap);
        if (b->n) memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_quoted(sbuf *b, const char *s, size_t n) {
    sb_put(b, "'", 1);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\') {
            sb_put(b, s + from, i - from);
            sb_put(b, "\\", 1);
            from = i;
        }
    }
    sb_put(b, s + from, n - from);
    sb_put(b, "'", 1);
}

static void debug(sbuf *b, qval v, int depth) {
    char nb[64];
    if (depth > 200) { sb_str(b, "..."); return; }
    switch ((qtype)v.type) {
    case QT_NULL: sb_str(b, "null"); return;
    case QT_BOOL: sb_str(b, v.b ? "true" : "false"); return;
    case QT_INT: sb_put(b, nb, qv_fmt_int(nb, v.i)); return;
    case QT_FLOAT: sb_put(b, nb, qv_fmt_float(nb, v.f)); return;
    case QT_STRING: sb_quoted(b, v.s, v.len); return;
    case QT_NODE: snprintf(nb, sizeof nb, "(#%llu)", (unsigned long long)v.id); sb_str(b, nb); return;
    case QT_REL: snprintf(nb, sizeof nb, "[#%llu]", (unsigned long long)v.id); sb_str(b, nb); return;
    case QT_PATH:
        sb_str(b, "<");
        snprintf(nb, sizeof nb, "(#%llu)", (unsigned long long)v.path->nodes[0]);
        sb_str(b, nb);
        for (uint32_t i = 0; i < v.path->n_rels; i++) {
            snprintf(nb, sizeof nb, "-[#%llu]-(#%llu)", (unsigned long long)v.path->rels[i],
                     (unsigned long long)v.path->nodes[i + 1]);
            sb_str(b, nb);
        }
        sb_str(b, ">");
        return;
    case QT_LIST:
        sb_str(b, "[");
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) sb_str(b, ", ");
            debug(b, v.items[i], depth + 1);
        }
        sb_str(b, "]");
        return;
    case QT_MAP:
        sb_str(b, "{");
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) sb_str(b, ", ");
            sb_put(b, v.ents[i].key, v.ents[i].klen);
            sb_str(b, ": ");
            debug(b, v.ents[i].v, depth + 1);
        }
        sb_str(b, "}");
        return;
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: case QT_DURATION: {
        uint32_t n = 0;
        const char *s = qtemporal_str(b->a, v, &n);
        if (s) sb_quoted(b, s, n);
        else sb_str(b, "?");
        return;
    }
    }
    sb_str(b, "?");
}

const char *qv_debug(qv_arena *a, qval v) {
    sbuf b = {.a = a};
    sb_put(&b, "", 0);
    debug(&b, v, 0);
    return b.p;
}
