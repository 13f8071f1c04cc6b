/* tck_value.c — the TCK value syntax: parser, comparator, renderer, conversion to qval (see tck_value.h).
 * Must not: touch the graph or the engine. Recursion is bounded by TCKV_MAX_DEPTH.
 */
#include "tck/tck_value.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define TCKV_MAX_DEPTH 64

/* ---- construction ---- */

tckv *tckv_new(qv_arena *a, tv_kind kind) {
    tckv *v = qv_arena_zalloc(a, sizeof *v);
    v->kind = kind;
    return v;
}

const tckv *tckv_string(qv_arena *a, const char *s, size_t len) {
    tckv *v = tckv_new(a, TV_STRING);
    char *c = qv_arena_alloc(a, len + 1);
    if (len) memcpy(c, s, len);
    c[len] = 0;
    v->s = c;
    v->len = len;
    return v;
}

const tckv *tckv_map(qv_arena *a, const char **keys, const tckv **vals, size_t n) {
    /* insertion sort: maps are small */
    for (size_t i = 1; i < n; i++) {
        const char *k = keys[i];
        const tckv *x = vals[i];
        size_t j = i;
        while (j > 0 && strcmp(keys[j - 1], k) > 0) {
            keys[j] = keys[j - 1];
            vals[j] = vals[j - 1];
            j--;
        }
        keys[j] = k;
        vals[j] = x;
    }
    tckv *m = tckv_new(a, TV_MAP);
    m->keys = keys;
    m->items = vals;
    m->len = n;
    return m;
}

void tckv_sort_labels(const char **labels, size_t *n) {
    size_t cnt = *n;
    for (size_t i = 1; i < cnt; i++) {
        const char *k = labels[i];
        size_t j = i;
        while (j > 0 && strcmp(labels[j - 1], k) > 0) {
            labels[j] = labels[j - 1];
            j--;
        }
        labels[j] = k;
    }
    size_t w = 0;
    for (size_t i = 0; i < cnt; i++)
        if (w == 0 || strcmp(labels[w - 1], labels[i]) != 0) labels[w++] = labels[i];
    *n = w;
}

/* ---- parser ---- */

typedef struct tparser {
    qv_arena *a;
    const char *p, *end;
    char *err;
    size_t errlen;
    bool failed;
} tparser;

static void tp_fail(tparser *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tp_fail(tparser *t, const char *fmt, ...) {
    if (t->failed) return;
    t->failed = true;
    if (!t->err || !t->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->err, t->errlen, fmt, ap);
    va_end(ap);
}

static void tp_ws(tparser *t) {
    while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r')) t->p++;
}

static bool tp_eat(tparser *t, char c) {
    tp_ws(t);
    if (t->p < t->end && *t->p == c) { t->p++; return true; }
    return false;
}

static bool tp_word(tparser *t, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(t->end - t->p) < n || memcmp(t->p, w, n) != 0) return false;
    const char *after = t->p + n;
    if (after < t->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
                           (*after >= '0' && *after <= '9') || *after == '_')) return false;
    t->p = after;
    return true;
}

static bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

static const char *tp_offset_text(tparser *t) { return t->p < t->end ? t->p : "<end>"; }

/* A name: [A-Za-z0-9_$]+ or `backquoted` (`` inside for a backquote). */
static const char *tp_name(tparser *t, const char *what) {
    tp_ws(t);
    if (t->p < t->end && *t->p == '`') {
        qv_buf b;
        qv_buf_init(&b);
        t->p++;
        for (;;) {
            if (t->p >= t->end) { qv_buf_free(&b); tp_fail(t, "unterminated `%s`", what); return NULL; }
            if (*t->p == '`') {
                if (t->p + 1 < t->end && t->p[1] == '`') { qv_buf_append_byte(&b, '`'); t->p += 2; continue; }
                t->p++;
                break;
            }
            qv_buf_append_byte(&b, (uint8_t)*t->p++);
        }
        char *s = qv_arena_strndup(t->a, (const char *)b.data, b.len);
        qv_buf_free(&b);
        return s;
    }
    const char *s = t->p;
    while (t->p < t->end && is_name_char(*t->p)) t->p++;
    if (t->p == s) { tp_fail(t, "expected a %s at '%.20s'", what, tp_offset_text(t)); return NULL; }
    return qv_arena_strndup(t->a, s, (size_t)(t->p - s));
}

static const tckv *tp_value(tparser *t, int depth);

static const tckv *tp_string(tparser *t) {
    qv_buf b;
    qv_buf_init(&b);
    t->p++;   /* opening quote */
    for (;;) {
        if (t->p >= t->end) { qv_buf_free(&b); tp_fail(t, "unterminated string"); return NULL; }
        char c = *t->p++;
        if (c == '\'') break;
        if (c == '\\' && t->p < t->end && (*t->p == '\'' || *t->p == '\\')) c = *t->p++;
        qv_buf_append_byte(&b, (uint8_t)c);
    }
    const tckv *v = tckv_string(t->a, b.data ? (const char *)b.data : "", b.len);
    qv_buf_free(&b);
    return v;
}

static const tckv *tp_number(tparser *t) {
    const char *s = t->p;
    bool neg = false, is_float = false;
    if (t->p < t->end && *t->p == '-') { neg = true; t->p++; }
    if (tp_word(t, "Inf") || tp_word(t, "Infinity")) {
        tckv *v = tckv_new(t->a, TV_FLOAT);
        v->f = neg ? -INFINITY : INFINITY;
        return v;
    }
    if (tp_word(t, "NaN")) {
        tckv *v = tckv_new(t->a, TV_FLOAT);
        v->f = NAN;
        return v;
    }
    size_t digits = 0;
    while (t->p < t->end && *t->p >= '0' && *t->p <= '9') { t->p++; digits++; }
    if (t->p < t->end && *t->p == '.') {
        is_float = true;
        t->p++;
        while (t->p < t->end && *t->p >= '0' && *t->p <= '9') { t->p++; digits++; }
    }
    if (!digits) { tp_fail(t, "expected a number at '%.20s'", s); return NULL; }
    if (t->p < t->end && (*t->p == 'e' || *t->p == 'E')) {
        is_float = true;
        t->p++;
        if (t->p < t->end && (*t->p == '-' || *t->p == '+')) t->p++;
        size_t ed = 0;
        while (t->p < t->end && *t->p >= '0' && *t->p <= '9') { t->p++; ed++; }
        if (!ed) { tp_fail(t, "bad exponent in '%.20s'", s); return NULL; }
    }
    char tmp[128];
    size_t n = (size_t)(t->p - s);
    if (n >= sizeof tmp) { tp_fail(t, "number too long: '%.20s...'", s); return NULL; }
    memcpy(tmp, s, n);
    tmp[n] = 0;
    errno = 0;
    if (is_float) {
        tckv *v = tckv_new(t->a, TV_FLOAT);
        v->f = strtod(tmp, NULL);
        return v;
    }
    long long x = strtoll(tmp, NULL, 10);
    if (errno == ERANGE) { tp_fail(t, "integer out of range: %s", tmp); return NULL; }
    tckv *v = tckv_new(t->a, TV_INT);
    v->i = x;
    return v;
}

/* Growable array of pointers in a heap buffer, copied into the arena when done. */
typedef struct pvec { void **p; size_t n, cap; } pvec;
static void pv_push(pvec *v, void *x) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->p = qv_realloc(v->p, v->cap * sizeof *v->p);
    }
    v->p[v->n++] = x;
}
static void *pv_done(pvec *v, qv_arena *a) {
    void **out = qv_arena_zalloc(a, (v->n + 1) * sizeof *out);   /* NULL-terminated */
    if (v->n) memcpy(out, v->p, v->n * sizeof *out);
    free(v->p);
    v->p = NULL;
    return out;
}

static const tckv *tp_list(tparser *t, int depth) {
    pvec items = {0};
    t->p++;   /* [ */
    if (!tp_eat(t, ']')) {
        for (;;) {
            const tckv *x = tp_value(t, depth + 1);
            if (!x) { free(items.p); return NULL; }
            pv_push(&items, (void *)x);
            if (tp_eat(t, ',')) continue;
            if (tp_eat(t, ']')) break;
            free(items.p);
            tp_fail(t, "expected ',' or ']' in a list at '%.20s'", tp_offset_text(t));
            return NULL;
        }
    }
    tckv *v = tckv_new(t->a, TV_LIST);
    v->len = items.n;
    v->items = pv_done(&items, t->a);
    return v;
}

/* { k: v, ... } with the opening brace not yet consumed. */
static const tckv *tp_map(tparser *t, int depth) {
    pvec keys = {0}, vals = {0};
    t->p++;   /* { */
    if (!tp_eat(t, '}')) {
        for (;;) {
            const char *k = tp_name(t, "map key");
            if (!k || !tp_eat(t, ':')) {
                tp_fail(t, "expected ':' after a map key at '%.20s'", tp_offset_text(t));
                goto fail;
            }
            const tckv *x = tp_value(t, depth + 1);
            if (!x) goto fail;
            for (size_t i = 0; i < keys.n; i++)
                if (strcmp(keys.p[i], k) == 0) { tp_fail(t, "duplicate map key '%s'", k); goto fail; }
            pv_push(&keys, (void *)k);
            pv_push(&vals, (void *)x);
            if (tp_eat(t, ',')) continue;
            if (tp_eat(t, '}')) break;
            tp_fail(t, "expected ',' or '}' in a map at '%.20s'", tp_offset_text(t));
            goto fail;
        }
    }
    size_t n = keys.n;
    return tckv_map(t->a, pv_done(&keys, t->a), pv_done(&vals, t->a), n);
fail:
    free(keys.p);
    free(vals.p);
    return NULL;
}

static const tckv *tp_props(tparser *t, int depth) {
    tp_ws(t);
    if (t->p < t->end && *t->p == '{') return tp_map(t, depth);
    return tckv_map(t->a, NULL, NULL, 0);
}

static const tckv *tp_node(tparser *t, int depth) {
    pvec labels = {0};
    t->p++;   /* ( */
    while (tp_eat(t, ':')) {
        const char *l = tp_name(t, "label");
        if (!l) { free(labels.p); return NULL; }
        pv_push(&labels, (void *)l);
    }
    const tckv *props = tp_props(t, depth);
    if (!props || !tp_eat(t, ')')) {
        free(labels.p);
        tp_fail(t, "expected ')' to close a node at '%.20s'", tp_offset_text(t));
        return NULL;
    }
    tckv *v = tckv_new(t->a, TV_NODE);
    v->n_labels = labels.n;
    v->labels = pv_done(&labels, t->a);
    tckv_sort_labels(v->labels, &v->n_labels);
    v->props = props;
    return v;
}

/* [:T {props}] with the opening bracket not yet consumed. */
static const tckv *tp_rel(tparser *t, int depth) {
    t->p++;   /* [ */
    if (!tp_eat(t, ':')) { tp_fail(t, "a relationship needs a type"); return NULL; }
    const char *type = tp_name(t, "relationship type");
    if (!type) return NULL;
    const tckv *props = tp_props(t, depth);
    if (!props || !tp_eat(t, ']')) {
        tp_fail(t, "expected ']' to close a relationship at '%.20s'", tp_offset_text(t));
        return NULL;
    }
    tckv *v = tckv_new(t->a, TV_REL);
    v->s = type;
    v->props = props;
    v->b = true;
    return v;
}

static const tckv *tp_path(tparser *t, int depth) {
    pvec parts = {0};
    t->p++;   /* < */
    tp_ws(t);
    if (t->p >= t->end || *t->p != '(') { tp_fail(t, "a path starts with a node"); return NULL; }
    const tckv *n = tp_node(t, depth + 1);
    if (!n) return NULL;
    pv_push(&parts, (void *)n);
    for (;;) {
        tp_ws(t);
        if (t->p < t->end && *t->p == '>') { t->p++; break; }
        bool fwd;
        if (tp_eat(t, '<')) {
            if (!tp_eat(t, '-')) goto bad;
            fwd = false;
        } else if (tp_eat(t, '-')) {
            fwd = true;
        } else goto bad;
        tp_ws(t);
        if (t->p >= t->end || *t->p != '[') goto bad;
        const tckv *r = tp_rel(t, depth + 1);
        if (!r) { free(parts.p); return NULL; }
        if (!tp_eat(t, '-')) goto bad;
        if (fwd && !tp_eat(t, '>')) goto bad;
        tp_ws(t);
        if (t->p >= t->end || *t->p != '(') goto bad;
        const tckv *m = tp_node(t, depth + 1);
        if (!m) { free(parts.p); return NULL; }
        tckv *rr = tckv_new(t->a, TV_REL);
        *rr = *r;
        rr->b = fwd;
        pv_push(&parts, rr);
        pv_push(&parts, (void *)m);
    }
    tckv *v = tckv_new(t->a, TV_PATH);
    v->len = parts.n / 2;
    v->items = pv_done(&parts, t->a);
    return v;
bad:
    free(parts.p);
    tp_fail(t, "bad path syntax at '%.20s'", tp_offset_text(t));
    return NULL;
}

static const tckv *tp_value(tparser *t, int depth) {
    if (t->failed) return NULL;
    if (depth > TCKV_MAX_DEPTH) { tp_fail(t, "value nested deeper than %d", TCKV_MAX_DEPTH); return NULL; }
    tp_ws(t);
    if (t->p >= t->end) { tp_fail(t, "expected a value"); return NULL; }
    char c = *t->p;
    if (c == '\'') return tp_string(t);
    if (c == '(') return tp_node(t, depth);
    if (c == '<') return tp_path(t, depth);
    if (c == '{') return tp_map(t, depth);
    if (c == '[') {
        const char *q = t->p + 1;
        while (q < t->end && (*q == ' ' || *q == '\t')) q++;
        if (q < t->end && *q == ':') return tp_rel(t, depth);
        return tp_list(t, depth);
    }
    if (c == '-' || c == '.' || (c >= '0' && c <= '9') || c == 'N' || c == 'I') return tp_number(t);
    if (tp_word(t, "null")) return tckv_new(t->a, TV_NULL);
    bool is_true = tp_word(t, "true");
    if (is_true || tp_word(t, "false")) {
        tckv *v = tckv_new(t->a, TV_BOOL);
        v->b = is_true;
        return v;
    }
    tp_fail(t, "unexpected '%.20s'", t->p);
    return NULL;
}

const tckv *tckv_parse(qv_arena *a, const char *text, size_t len, char *err, size_t errlen) {
    tparser t = {.a = a, .p = text, .end = text + len, .err = err, .errlen = errlen};
    if (err && errlen) err[0] = 0;
    const tckv *v = tp_value(&t, 0);
    if (!v) {
        tp_fail(&t, "bad value");
        return NULL;
    }
    tp_ws(&t);
    if (t.p != t.end) {
        tp_fail(&t, "unexpected text after the value: '%.20s'", t.p);
        return NULL;
    }
    return v;
}

/* ---- comparison ---- */

static bool eq(const tckv *x, const tckv *y, bool unord, int depth);

static bool eq_multiset(const tckv *x, const tckv *y, bool unord, int depth) {
    if (x->len != y->len) return false;
    size_t n = x->len;
    bool small[64] = {0};
    bool *used = n <= 64 ? small : calloc(n, 1);
    if (!used) return false;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++) {
            if (!used[j] && eq(x->items[i], y->items[j], unord, depth + 1)) {
                used[j] = found = true;
                break;
            }
        }
        ok = found;
    }
    if (used != small) free(used);
    return ok;
}

static bool eq(const tckv *x, const tckv *y, bool unord, int depth) {
    if (depth > TCKV_MAX_DEPTH * 2) return false;
    if (x->kind != y->kind) return false;
    switch (x->kind) {
    case TV_NULL: return true;
    case TV_BOOL: return x->b == y->b;
    case TV_INT: return x->i == y->i;
    case TV_FLOAT: return (isnan(x->f) && isnan(y->f)) || x->f == y->f;
    case TV_STRING: return x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
    case TV_LIST:
        if (unord) return eq_multiset(x, y, unord, depth);
        if (x->len != y->len) return false;
        for (size_t i = 0; i < x->len; i++)
            if (!eq(x->items[i], y->items[i], unord, depth + 1)) return false;
        return true;
    case TV_MAP:
        if (x->len != y->len) return false;
        for (size_t i = 0; i < x->len; i++)
            if (strcmp(x->keys[i], y->keys[i]) != 0 || !eq(x->items[i], y->items[i], unord, depth + 1))
                return false;
        return true;
    case TV_NODE:
        if (x->n_labels != y->n_labels) return false;
        for (size_t i = 0; i < x->n_labels; i++)
            if (strcmp(x->labels[i], y->labels[i]) != 0) return false;
        return eq(x->props, y->props, unord, depth + 1);
    case TV_REL:
        return strcmp(x->s, y->s) == 0 && x->b == y->b && eq(x->props, y->props, unord, depth + 1);
    case TV_PATH:
        if (x->len != y->len) return false;
        for (size_t i = 0; i < 2 * x->len + 1; i++)
            if (!eq(x->items[i], y->items[i], unord, depth + 1)) return false;
        return true;
    }
    return false;
}

bool tckv_equal(const tckv *expected, const tckv *actual, bool lists_unordered) {
    return eq(expected, actual, lists_unordered, 0);
}

/* ---- rendering ---- */

static void render_float(qv_buf *b, double f) {
    if (isnan(f)) { qv_buf_append_str(b, "NaN"); return; }
    if (isinf(f)) { qv_buf_append_str(b, f < 0 ? "-Inf" : "Inf"); return; }
    char tmp[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, f);
        if (strtod(tmp, NULL) == f) break;
    }
    qv_buf_append_str(b, tmp);
    if (!strpbrk(tmp, ".eEn")) qv_buf_append_str(b, ".0");
}

static void render_name(qv_buf *b, const char *s) {
    bool plain = *s != 0;
    for (const char *p = s; *p; p++) plain = plain && is_name_char(*p);
    if (plain) { qv_buf_append_str(b, s); return; }
    qv_buf_append_byte(b, '`');
    for (const char *p = s; *p; p++) {
        if (*p == '`') qv_buf_append_byte(b, '`');
        qv_buf_append_byte(b, (uint8_t)*p);
    }
    qv_buf_append_byte(b, '`');
}

static void render(qv_buf *b, const tckv *v, int depth);

static void render_props(qv_buf *b, const tckv *props, int depth) {
    if (!props || props->len == 0) return;
    qv_buf_append_byte(b, ' ');
    render(b, props, depth + 1);
}

static void render(qv_buf *b, const tckv *v, int depth) {
    if (depth > TCKV_MAX_DEPTH * 2) { qv_buf_append_str(b, "..."); return; }
    switch (v->kind) {
    case TV_NULL: qv_buf_append_str(b, "null"); return;
    case TV_BOOL: qv_buf_append_str(b, v->b ? "true" : "false"); return;
    case TV_INT: qv_buf_printf(b, "%lld", (long long)v->i); return;
    case TV_FLOAT: render_float(b, v->f); return;
    case TV_STRING:
        qv_buf_append_byte(b, '\'');
        for (size_t i = 0; i < v->len; i++) {
            if (v->s[i] == '\'' || v->s[i] == '\\') qv_buf_append_byte(b, '\\');
            qv_buf_append_byte(b, (uint8_t)v->s[i]);
        }
        qv_buf_append_byte(b, '\'');
        return;
    case TV_LIST:
        qv_buf_append_byte(b, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) qv_buf_append_str(b, ", ");
            render(b, v->items[i], depth + 1);
        }
        qv_buf_append_byte(b, ']');
        return;
    case TV_MAP:
        qv_buf_append_byte(b, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i) qv_buf_append_str(b, ", ");
            render_name(b, v->keys[i]);
            qv_buf_append_str(b, ": ");
            render(b, v->items[i], depth + 1);
        }
        qv_buf_append_byte(b, '}');
        return;
    case TV_NODE:
        qv_buf_append_byte(b, '(');
        for (size_t i = 0; i < v->n_labels; i++) {
            qv_buf_append_byte(b, ':');
            render_name(b, v->labels[i]);
        }
        if (v->n_labels) render_props(b, v->props, depth);
        else if (v->props && v->props->len) render(b, v->props, depth + 1);
        qv_buf_append_byte(b, ')');
        return;
    case TV_REL:
        qv_buf_append_str(b, "[:");
        render_name(b, v->s);
        render_props(b, v->props, depth);
        qv_buf_append_byte(b, ']');
        return;
    case TV_PATH:
        qv_buf_append_byte(b, '<');
        render(b, v->items[0], depth + 1);
        for (size_t i = 0; i < v->len; i++) {
            const tckv *r = v->items[2 * i + 1];
            qv_buf_append_str(b, r->b ? "-" : "<-");
            render(b, r, depth + 1);
            qv_buf_append_str(b, r->b ? "->" : "-");
            render(b, v->items[2 * i + 2], depth + 1);
        }
        qv_buf_append_byte(b, '>');
        return;
    }
}

const char *tckv_render(qv_arena *a, const tckv *v) {
    qv_buf b;
    qv_buf_init(&b);
    render(&b, v, 0);
    char *s = qv_arena_strndup(a, b.data ? (const char *)b.data : "", b.len);
    qv_buf_free(&b);
    return s;
}

/* ---- conversion to qval ---- */

static int to_qval(qv_arena *a, const tckv *v, qval *out, char *err, size_t errlen, int depth) {
    if (depth > TCKV_MAX_DEPTH * 2) { snprintf(err, errlen, "value nested too deep"); return -1; }
    switch (v->kind) {
    case TV_NULL: *out = qv_null(); return 0;
    case TV_BOOL: *out = qv_bool(v->b); return 0;
    case TV_INT: *out = qv_int(v->i); return 0;
    case TV_FLOAT: *out = qv_float(v->f); return 0;
    case TV_STRING:
        if (v->len > UINT32_MAX) { snprintf(err, errlen, "string too long"); return -1; }
        *out = qv_str_ref(qv_arena_dup(a, v->s, v->len + 1), (uint32_t)v->len);
        return 0;
    case TV_LIST: {
        qval *items = qv_arena_alloc(a, (v->len ? v->len : 1) * sizeof *items);
        for (size_t i = 0; i < v->len; i++)
            if (to_qval(a, v->items[i], &items[i], err, errlen, depth + 1)) return -1;
        *out = qv_list_ref(items, (uint32_t)v->len);
        return 0;
    }
    case TV_MAP: {
        qmapent *ents = qv_arena_zalloc(a, (v->len ? v->len : 1) * sizeof *ents);
        for (size_t i = 0; i < v->len; i++) {
            ents[i].key = qv_arena_strndup(a, v->keys[i], strlen(v->keys[i]));
            ents[i].klen = (uint32_t)strlen(v->keys[i]);
            if (to_qval(a, v->items[i], &ents[i].v, err, errlen, depth + 1)) return -1;
        }
        *out = qv_map_ref(ents, (uint32_t)v->len);
        return 0;
    }
    case TV_NODE: case TV_REL: case TV_PATH:
        snprintf(err, errlen, "nodes, relationships and paths cannot be given as parameters");
        return -1;
    }
    snprintf(err, errlen, "unknown value kind");
    return -1;
}

int tckv_to_qval(qv_arena *a, const tckv *v, qval *out, char *err, size_t errlen) {
    return to_qval(a, v, out, err, errlen, 0);
}
