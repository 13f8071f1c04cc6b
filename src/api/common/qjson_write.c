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

/* ---- doubles ---------------------------------------------------------------------------------------- */

static const double p10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static char *put_u64(char *o, uint64_t v) {
    char t[20];
    int k = 20;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(o, t + k, (size_t)(20 - k));
    return o + (20 - k);
}

/* For a non-integral v with 1e-4 <= |v| < 1e15: the decimal with the fewest fraction digits k that reads
 * back as v (m / 10^k correctly rounded equals |v|), found with exact integer arithmetic (|v| = mant * 2^e2,
 * so |v| * 10^k = mant * 5^k * 2^(e2+k)), written in fixed notation. Any such decimal of at most 15
 * significant digits is what %.15g prints (two of them would be closer than an ulp), and when none exists
 * the nearest 16-digit one is what %.16g prints: the same text json_write_double makes, which it
 * falls back to for ties, 17 digits and other magnitudes. Returns the length, or 0 for the fallback. */
static size_t fixed_shortest(double v, char *t) {
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e15) || a == (double)(int64_t)a) return 0;
    int e;
    double fr = frexp(a, &e);
    uint64_t mant = (uint64_t)ldexp(fr, 53);   /* exact: a = mant * 2^(e-53), e-53 < 0 */
    int e2 = e - 53;
    unsigned __int128 p = mant;
    uint64_t pk = 1;   /* 10^k */
    for (int k = 1; k <= 22; k++) {
        p *= 5;
        pk *= 10;
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
        if ((double)m / p10d[k] != a) continue;   /* both exact: one correctly rounded division */
        uint64_t ip = m / pk, fp = m % pk;
        if (fp == 0) return 0;
        int nd = k;
        while (fp % 10 == 0) {
            fp /= 10;
            nd--;
        }
        char *o = t;
        if (v < 0) *o++ = '-';
        o = put_u64(o, ip);
        *o++ = '.';
        for (int i = nd - 1; i >= 0; i--) {
            o[i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        return (size_t)(o + nd - t);
    }
    return 0;
}

void qjson_write_double(qv_buf *b, double v) {
    char t[48];
    size_t n = fixed_shortest(v, t);
    if (n) qv_buf_append(b, t, n);
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
    qv_buf_append(b, w->text.data + nm->off, nm->len);
}

/* ---- entities --------------------------------------------------------------------------------------- */

static void write_ext_id(qjson_writer *w, qv_buf *b, qval id) {
    if (id.type == QT_STRING) {
        json_write_str(b, id.s, id.len);
    } else if (id.type == QT_INT) {
        qv_buf_append_byte(b, '"');
        json_write_i64(b, id.i);
        qv_buf_append_byte(b, '"');
    } else {
        uint32_t n = 0;
        const char *s = qv_to_cstring(w->scratch, id, &n);
        json_write_str(b, s ? s : "", s ? n : 0);
    }
}

static void write_props(qjson_writer *w, qv_buf *b, const gprop *p, uint32_t n) {
    qv_buf_append_byte(b, '{');
    for (uint32_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(b, ',');
        put_name(w, b, NAME_KEY, p[i].key);
        qjson_writer_value(w, b, p[i].value);
    }
    qv_buf_append_byte(b, '}');
}

static void write_node(qjson_writer *w, qv_buf *b, uint64_t id) {
    qv_arena_mark m = qv_arena_mark_get(w->scratch);
    qv_buf_append(b, "{\"~id\":", 7);
    write_ext_id(w, b, gview_node_ext_id(w->view, id));
    static const char mid[] = ",\"~entityType\":\"node\",\"~labels\":[";
    qv_buf_append(b, mid, sizeof mid - 1);
    uint32_t labels[64];
    uint32_t n = gview_node_labels(w->view, id, labels, 64);
    uint32_t *all = labels;
    if (n > 64) {
        all = qv_arena_alloc(w->scratch, sizeof(uint32_t) * n);
        gview_node_labels(w->view, id, all, n);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(b, ',');
        put_name(w, b, NAME_LABEL, all[i]);
    }
    qv_buf_append(b, "],\"~properties\":", 16);
    gprop *p = NULL;
    uint32_t np = gview_node_props(w->view, id, w->scratch, &p);
    write_props(w, b, p, np);
    qv_buf_append_byte(b, '}');
    qv_arena_reset_to(w->scratch, m);
}

static void write_rel(qjson_writer *w, qv_buf *b, uint64_t id) {
    qv_arena_mark m = qv_arena_mark_get(w->scratch);
    uint64_t src, dst;
    uint32_t type;
    gview_rel_info(w->view, id, &src, &dst, &type);
    qv_buf_append(b, "{\"~id\":", 7);
    write_ext_id(w, b, gview_rel_ext_id(w->view, id, w->scratch));
    static const char mid[] = ",\"~entityType\":\"relationship\",\"~start\":";
    qv_buf_append(b, mid, sizeof mid - 1);
    write_ext_id(w, b, gview_node_ext_id(w->view, src));
    qv_buf_append(b, ",\"~end\":", 8);
    write_ext_id(w, b, gview_node_ext_id(w->view, dst));
    qv_buf_append(b, ",\"~type\":", 9);
    put_name(w, b, NAME_TYPE, type);
    qv_buf_append(b, ",\"~properties\":", 15);
    gprop *p = NULL;
    uint32_t np = gview_rel_props(w->view, id, w->scratch, &p);
    write_props(w, b, p, np);
    qv_buf_append_byte(b, '}');
    qv_arena_reset_to(w->scratch, m);
}

/* ---- values ----------------------------------------------------------------------------------------- */

void qjson_writer_value(qjson_writer *w, qv_buf *b, qval v) {
    switch ((qtype)v.type) {
    case QT_NULL: qv_buf_append(b, "null", 4); return;
    case QT_BOOL: json_write_bool(b, v.b); return;
    case QT_INT: json_write_i64(b, v.i); return;
    case QT_FLOAT:
        if (isnan(v.f)) qv_buf_append(b, "\"NaN\"", 5);
        else if (isinf(v.f)) qv_buf_append_str(b, v.f > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        else qjson_write_double(b, v.f);
        return;
    case QT_STRING: json_write_str(b, v.s, v.len); return;
    case QT_LIST:
        qv_buf_append_byte(b, '[');
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) qv_buf_append_byte(b, ',');
            qjson_writer_value(w, b, v.items[i]);
        }
        qv_buf_append_byte(b, ']');
        return;
    case QT_MAP:
        qv_buf_append_byte(b, '{');
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) qv_buf_append_byte(b, ',');
            json_write_str(b, v.ents[i].key, v.ents[i].klen);
            qv_buf_append_byte(b, ':');
            qjson_writer_value(w, b, v.ents[i].v);
        }
        qv_buf_append_byte(b, '}');
        return;
    case QT_NODE: write_node(w, b, v.id); return;
    case QT_REL: write_rel(w, b, v.id); return;
    case QT_PATH:
        qv_buf_append_byte(b, '[');
        for (uint32_t i = 0; i <= v.path->n_rels; i++) {
            if (i) {
                qv_buf_append_byte(b, ',');
                write_rel(w, b, v.path->rels[i - 1]);
                qv_buf_append_byte(b, ',');
            }
            write_node(w, b, v.path->nodes[i]);
        }
        qv_buf_append_byte(b, ']');
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
        if (s) json_write_str(b, s, n);
        else qv_buf_append(b, "null", 4);
        qv_arena_reset_to(w->scratch, m);
        return;
    }
    }
    qv_buf_append(b, "null", 4);
}

void qjson_write_value(qv_buf *b, gview *view, qv_arena *scratch, qval v) {
    qjson_writer w;
    qjson_writer_init(&w, view, scratch);
    qjson_writer_value(&w, b, v);
    qjson_writer_free(&w);
}
