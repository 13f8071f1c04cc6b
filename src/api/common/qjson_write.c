/* qjson_write.c — openCypher values written as Neptune's JSON (see qjson.h): the result writer of the HTTP
 * front end and the command line. Nodes and relationships are written straight from the view into the
 * output (no per-value temporaries but the property array); label, type and key names are escaped once
 * per writer; doubles go through a printf-free formatter when it gives the same text.
 * Must not: change the text any value is written as (the SDKs parse it), keep anything past the writer.
 */
#include "api/common/qjson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

/* v in decimal at o; returns the end. Two digits per division. */
static char *put_u64_digits(char *o, uint64_t v) {
    char t[20];
    int k = 20;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        t[--k] = digit_pairs[d + 1];
        t[--k] = digit_pairs[d];
    }
    if (v >= 10) {
        t[--k] = digit_pairs[v * 2 + 1];
        t[--k] = digit_pairs[v * 2];
    } else {
        t[--k] = (char)('0' + v);
    }
    memcpy(o, t + k, (size_t)(20 - k));
    return o + (20 - k);
}

/* ---- appends: inline while the buffer has room ---- */

static inline void put(qv_buf *b, const void *p, size_t n) {
    if (b->cap - b->len >= n) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    } else {
        qv_buf_append(b, p, n);
    }
}

static inline void put1(qv_buf *b, uint8_t c) {
    if (b->cap > b->len) b->data[b->len++] = c;
    else qv_buf_append_byte(b, c);
}

#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

/* A string as json_write_str writes it; one copy when it needs no escaping (no '"', '\\', control or
 * non-ASCII byte: checked 8 bytes at a time), json_write_str otherwise. */
static void put_str(qv_buf *b, const char *str, size_t n) {
    const uint8_t *s = (const uint8_t *)str;
    const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
    size_t i = 0;
    for (;;) {
        if (n - i < 8) {
            if (n < 8) break;
            i = n - 8;   /* the last word again, overlapping: no byte loop */
        }
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (lo * '"'), k = w ^ (lo * '\\');
        if ((((q - lo) & ~q) | ((k - lo) & ~k) | ((w - lo * 0x20) & ~w) | w) & hi) {
            json_write_str(b, str, n);
            return;
        }
        i += 8;
        if (i == n) break;
    }
    for (; i < n; i++)
        if (s[i] < 0x20 || s[i] >= 0x80 || s[i] == '"' || s[i] == '\\') {
            json_write_str(b, str, n);
            return;
        }
    qv_buf_reserve(b, n + 2);
    uint8_t *o = b->data + b->len;
    o[0] = '"';
    memcpy(o + 1, s, n);
    o[n + 1] = '"';
    b->len += n + 2;
}

static void put_i64(qv_buf *b, int64_t v) {
    char t[24];
    char *o = t;
    uint64_t u = (uint64_t)v;
    if (v < 0) {
        *o++ = '-';
        u = (uint64_t)0 - u;
    }
    o = put_u64_digits(o, u);
    put(b, t, (size_t)(o - t));
}

/* ---- doubles ---------------------------------------------------------------------------------------- */

static const double p10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};


/* For a non-integral v with 1e-4 <= |v| < 1e15: the decimal m / 10^k nearest |v| for the k that gives 15
 * significant digits (then 16) when it reads back as v (m / 10^k correctly rounded equals |v|), found with
 * exact integer arithmetic (|v| = mant * 2^e2, so |v| * 10^k = mant * 5^k * 2^(e2+k)) and written in fixed
 * notation without trailing zeros. A decimal of at most 15 significant digits that reads back is unique
 * (two would be closer than an ulp), so it is what %.15g prints; when there is none, the nearest 16-digit
 * one is what %.16g prints: the same text json_write_double makes, which it falls back to for ties, 17
 * digits and other magnitudes. k starts where the magnitude estimate (off by one at powers of ten, whose
 * doubles are inexact below 1) says 14 digits and rises until 16. Returns the length, or 0. */
static size_t fixed_shortest(double v, char *t) {
    static const uint64_t pow5[23] = {1ull, 5ull, 25ull, 125ull, 625ull, 3125ull, 15625ull, 78125ull, 390625ull,
                                      1953125ull, 9765625ull, 48828125ull, 244140625ull, 1220703125ull,
                                      6103515625ull, 30517578125ull, 152587890625ull, 762939453125ull,
                                      3814697265625ull, 19073486328125ull, 95367431640625ull, 476837158203125ull,
                                      2384185791015625ull};
    static const uint64_t pow10u[20] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
                                        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
                                        1000000000000ull, 10000000000000ull, 100000000000000ull,
                                        1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
                                        1000000000000000000ull, 10000000000000000000ull};
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e15) || a == (double)(int64_t)a) return 0;
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    uint64_t mant = (bits & ((1ull << 52) - 1)) | (1ull << 52);   /* a is normal: a = mant * 2^e2 */
    int e2 = (int)(bits >> 52) - 1075;
    /* floor(log10(a)) from the binary exponent (2^x <= a < 2^(x+1)), then one step up if a reaches the next
     * power of ten; one too high when a is the (inexact, larger) double of a negative power of ten */
    int e10 = (int)floor((e2 + 52) * 0.30102999566398120);
    if (e10 < 14 && a >= (e10 + 1 >= 0 ? p10d[e10 + 1] : 1.0 / p10d[-(e10 + 1)])) e10++;
    int k0 = 13 - e10 < 1 ? 1 : 13 - e10;
    for (int k = k0; k <= k0 + 3 && k <= 19; k++) {
        unsigned __int128 p = (unsigned __int128)mant * pow5[k];
        int s = -(e2 + k);   /* a * 10^k = p / 2^s */
        uint64_t m;
        if (s <= 0) {
            if (53 + s <= 0 || p >= ((unsigned __int128)1 << (53 + s))) return 0;
            m = (uint64_t)(p << -s);
        } else {
            unsigned __int128 q = p >> s, r = p - (q << s), half = (unsigned __int128)1 << (s - 1);
            if (r == half) return 0;   /* a tie: printf's rounding decides */
            if (r > half) q++;
            if (q >= ((unsigned __int128)1 << 53)) return 0;   /* 17 digits, or no exact division test */
            m = (uint64_t)q;
        }
        if (m >= pow10u[16]) return 0;
        if ((double)m / p10d[k] != a) continue;   /* both exact: one correctly rounded division */
        uint64_t pk = pow10u[k], ip = m / pk, fp = m % pk;
        if (fp == 0) return 0;
        int nd = k;
        while (fp % 10 == 0) {
            fp /= 10;
            nd--;
        }
        char *o = t;
        if (v < 0) *o++ = '-';
        o = put_u64_digits(o, ip);
        *o++ = '.';
        int i = nd;
        for (; i >= 2; i -= 2) {
            unsigned d = (unsigned)(fp % 100) * 2;
            fp /= 100;
            o[i - 1] = digit_pairs[d + 1];
            o[i - 2] = digit_pairs[d];
        }
        if (i) o[0] = (char)('0' + fp);
        return (size_t)(o + nd - t);
    }
    return 0;
}

void qjson_write_double(qv_buf *b, double v) {
    char t[48];
    size_t n = fixed_shortest(v, t);
    if (n) put(b, t, n);
    else json_write_double(b, v);
}

/* ---- names ------------------------------------------------------------------------------------------ */

enum { NAME_LABEL, NAME_TYPE, NAME_KEY };

void qjson_writer_init(qjson_writer *w, gview *view, qv_arena *scratch) {
    memset(w, 0, sizeof *w);
    w->view = view;
    w->scratch = scratch;
    qv_buf_init(&w->text);
}

void qjson_writer_free(qjson_writer *w) {
    qv_buf_free(&w->text);
    free(w->labels.at);
    free(w->types.at);
    free(w->keys.at);
    memset(w, 0, sizeof *w);
}

/* Appends the JSON text of a name: "name" (labels, types) or "name": (keys); null for an unknown id. */
static void put_name(qjson_writer *w, qv_buf *b, int kind, uint32_t id) {
    qjson_names *ns = kind == NAME_LABEL ? &w->labels : kind == NAME_TYPE ? &w->types : &w->keys;
    if (id >= ns->cap) {
        uint32_t cap = ns->cap ? ns->cap : 16;
        while (cap <= id) cap *= 2;
        ns->at = qv_realloc(ns->at, (size_t)cap * sizeof *ns->at);
        memset(ns->at + ns->cap, 0, (size_t)(cap - ns->cap) * sizeof *ns->at);
        ns->cap = cap;
    }
    qjson_name *nm = &ns->at[id];
    if (!nm->len) {
        const char *s = kind == NAME_LABEL ? gview_label_name(w->view, id)
                      : kind == NAME_TYPE  ? gview_type_name(w->view, id)
                                           : gview_key_name(w->view, id);
        size_t at = w->text.len;
        json_write_cstr(&w->text, s);
        if (kind == NAME_KEY) qv_buf_append_byte(&w->text, ':');
        nm->off = (uint32_t)at;
        nm->len = (uint32_t)(w->text.len - at);
    }
    put(b, w->text.data + nm->off, nm->len);
}

/* ---- entities --------------------------------------------------------------------------------------- */

static void write_ext_id(qjson_writer *w, qv_buf *b, qval id) {
    if (id.type == QT_STRING) {
        put_str(b, id.s, id.len);
    } else if (id.type == QT_INT) {
        put1(b, '"');
        put_i64(b, id.i);
        put1(b, '"');
    } else {
        uint32_t n = 0;
        const char *s = qv_to_cstring(w->scratch, id, &n);
        put_str(b, s ? s : "", s ? n : 0);
    }
}

static void write_props(qjson_writer *w, qv_buf *b, const gprop *p, uint32_t n) {
    put1(b, '{');
    for (uint32_t i = 0; i < n; i++) {
        if (i) put1(b, ',');
        put_name(w, b, NAME_KEY, p[i].key);
        qjson_writer_value(w, b, p[i].value);
    }
    put1(b, '}');
}

static void write_node(qjson_writer *w, qv_buf *b, uint64_t id) {
    qv_arena_mark m = qv_arena_mark_get(w->scratch);
    PUT_LIT(b, "{\"~id\":");
    write_ext_id(w, b, gview_node_ext_id(w->view, id));
    static const char mid[] = ",\"~entityType\":\"node\",\"~labels\":[";
    PUT_LIT(b, mid);
    uint32_t labels[64];
    uint32_t n = gview_node_labels(w->view, id, labels, 64);
    uint32_t *all = labels;
    if (n > 64) {
        all = qv_arena_alloc(w->scratch, sizeof(uint32_t) * n);
        gview_node_labels(w->view, id, all, n);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i) put1(b, ',');
        put_name(w, b, NAME_LABEL, all[i]);
    }
    PUT_LIT(b, "],\"~properties\":");
    gprop *p = NULL;
    uint32_t np = gview_node_props(w->view, id, w->scratch, &p);
    write_props(w, b, p, np);
    put1(b, '}');
    qv_arena_reset_to(w->scratch, m);
}

static void write_rel(qjson_writer *w, qv_buf *b, uint64_t id) {
    qv_arena_mark m = qv_arena_mark_get(w->scratch);
    uint64_t src, dst;
    uint32_t type;
    gview_rel_info(w->view, id, &src, &dst, &type);
    PUT_LIT(b, "{\"~id\":");
    write_ext_id(w, b, gview_rel_ext_id(w->view, id, w->scratch));
    static const char mid[] = ",\"~entityType\":\"relationship\",\"~start\":";
    PUT_LIT(b, mid);
    write_ext_id(w, b, gview_node_ext_id(w->view, src));
    PUT_LIT(b, ",\"~end\":");
    write_ext_id(w, b, gview_node_ext_id(w->view, dst));
    PUT_LIT(b, ",\"~type\":");
    put_name(w, b, NAME_TYPE, type);
    PUT_LIT(b, ",\"~properties\":");
    gprop *p = NULL;
    uint32_t np = gview_rel_props(w->view, id, w->scratch, &p);
    write_props(w, b, p, np);
    put1(b, '}');
    qv_arena_reset_to(w->scratch, m);
}

/* ---- values ----------------------------------------------------------------------------------------- */

void qjson_writer_value(qjson_writer *w, qv_buf *b, qval v) {
    switch ((qtype)v.type) {
    case QT_NULL: PUT_LIT(b, "null"); return;
    case QT_BOOL: json_write_bool(b, v.b); return;
    case QT_INT: put_i64(b, v.i); return;
    case QT_FLOAT:
        if (isnan(v.f)) PUT_LIT(b, "\"NaN\"");
        else if (isinf(v.f)) qv_buf_append_str(b, v.f > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        else qjson_write_double(b, v.f);
        return;
    case QT_STRING: put_str(b, v.s, v.len); return;
    case QT_LIST:
        put1(b, '[');
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) put1(b, ',');
            qjson_writer_value(w, b, v.items[i]);
        }
        put1(b, ']');
        return;
    case QT_MAP:
        put1(b, '{');
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) put1(b, ',');
            put_str(b, v.ents[i].key, v.ents[i].klen);
            put1(b, ':');
            qjson_writer_value(w, b, v.ents[i].v);
        }
        put1(b, '}');
        return;
    case QT_NODE: write_node(w, b, v.id); return;
    case QT_REL: write_rel(w, b, v.id); return;
    case QT_PATH:
        put1(b, '[');
        for (uint32_t i = 0; i <= v.path->n_rels; i++) {
            if (i) {
                put1(b, ',');
                write_rel(w, b, v.path->rels[i - 1]);
                put1(b, ',');
            }
            write_node(w, b, v.path->nodes[i]);
        }
        put1(b, ']');
        return;
    case QT_DATE:
    case QT_LOCALTIME:
    case QT_TIME:
    case QT_LOCALDATETIME:
    case QT_DATETIME:
    case QT_DURATION: {
        qv_arena_mark m = qv_arena_mark_get(w->scratch);
        uint32_t n = 0;
        const char *s = qv_to_cstring(w->scratch, v, &n);
        if (s) put_str(b, s, n);
        else PUT_LIT(b, "null");
        qv_arena_reset_to(w->scratch, m);
        return;
    }
    }
    PUT_LIT(b, "null");
}

void qjson_write_value(qv_buf *b, gview *view, qv_arena *scratch, qval v) {
    qjson_writer w;
    qjson_writer_init(&w, view, scratch);
    qjson_writer_value(&w, b, v);
    qjson_writer_free(&w);
}
