/* value_cmp.c — openCypher 9 equality, comparability, orderability, grouping equivalence and hashing
 * (see value.h).
 *
 * Owns: the rules of =, <, ORDER BY, DISTINCT over every value kind, including null inside lists and maps,
 * NaN, 1 = 1.0 compared exactly (no rounding of large integers), and -0.0 = 0.0. Temporal and duration
 * values of one type are delegated to temporal*.c. Must not: allocate, read the graph, or recurse without
 * bound (nesting past QV_CMP_MAX_DEPTH answers null / "equal" rather than overflowing the stack).
 */
#include "value/value.h"

#include <math.h>
#include <string.h>

#include "util/hash.h"
#include "value/temporal.h"

#define QV_CMP_MAX_DEPTH 2000

static int sgn_i(int64_t a, int64_t b) { return (a > b) - (a < b); }

/* Exact comparison of an integer with a (non-NaN) float. */
static int cmp_int_float(int64_t i, double f) {
    if (f >= 9223372036854775808.0) return -1;
    if (f < -9223372036854775808.0) return 1;
    double t = trunc(f);
    int64_t fi = (int64_t)t;
    if (i != fi) return i < fi ? -1 : 1;
    double frac = f - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

/* Numbers, neither NaN. */
static int cmp_num(qval a, qval b) {
    if (a.type == QT_INT) {
        if (b.type == QT_INT) return sgn_i(a.i, b.i);
        return cmp_int_float(a.i, b.f);
    }
    if (b.type == QT_INT) return -cmp_int_float(b.i, a.f);
    return (a.f > b.f) - (a.f < b.f);
}

static bool is_nan(qval v) { return v.type == QT_FLOAT && isnan(v.f); }

static int cmp_str(qval a, qval b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.s, b.s, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return (a.len > b.len) - (a.len < b.len);
}

static bool path_same(const qpath *a, const qpath *b) {
    if (a->n_rels != b->n_rels) return false;
    return memcmp(a->nodes, b->nodes, ((size_t)a->n_rels + 1) * sizeof *a->nodes) == 0 &&
           (a->n_rels == 0 || memcmp(a->rels, b->rels, (size_t)a->n_rels * sizeof *a->rels) == 0);
}

/* ---- equality ---- */
static qtri equals(qval a, qval b, int depth) {
    if (a.type == QT_NULL || b.type == QT_NULL) return QTRI_NULL;
    if (qv_is_number(a) && qv_is_number(b)) {
        if (is_nan(a) || is_nan(b)) return QTRI_FALSE;
        return cmp_num(a, b) == 0 ? QTRI_TRUE : QTRI_FALSE;
    }
    if (a.type != b.type) return QTRI_FALSE;
    switch ((qtype)a.type) {
    case QT_BOOL: return a.b == b.b ? QTRI_TRUE : QTRI_FALSE;
    case QT_STRING: return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0) ? QTRI_TRUE : QTRI_FALSE;
    case QT_NODE: case QT_REL: return a.id == b.id ? QTRI_TRUE : QTRI_FALSE;
    case QT_PATH: return path_same(a.path, b.path) ? QTRI_TRUE : QTRI_FALSE;
    case QT_LIST: {
        if (a.len != b.len) return QTRI_FALSE;
        if (depth >= QV_CMP_MAX_DEPTH) return QTRI_NULL;
        qtri r = QTRI_TRUE;
        for (uint32_t i = 0; i < a.len; i++) {
            qtri e = equals(a.items[i], b.items[i], depth + 1);
            if (e == QTRI_FALSE) return QTRI_FALSE;
            if (e == QTRI_NULL) r = QTRI_NULL;
        }
        return r;
    }
    case QT_MAP: {
        if (a.len != b.len) return QTRI_FALSE;
        if (depth >= QV_CMP_MAX_DEPTH) return QTRI_NULL;
        for (uint32_t i = 0; i < a.len; i++)   /* same key sets first: {k: null} = {l: null} is false */
            if (!qv_map_get(b, a.ents[i].key, a.ents[i].klen)) return QTRI_FALSE;
        qtri r = QTRI_TRUE;
        for (uint32_t i = 0; i < a.len; i++) {
            const qval *bv = qv_map_get(b, a.ents[i].key, a.ents[i].klen);
            qtri e = equals(a.ents[i].v, *bv, depth + 1);
            if (e == QTRI_FALSE) return QTRI_FALSE;
            if (e == QTRI_NULL) r = QTRI_NULL;
        }
        return r;
    }
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: case QT_DURATION:
        return qtemporal_eq(a, b) ? QTRI_TRUE : QTRI_FALSE;
    case QT_NULL: case QT_INT: case QT_FLOAT: break;
    }
    return QTRI_FALSE;
}

qtri qv_equals(qval a, qval b) { return equals(a, b, 0); }

/* ---- comparability ---- */
/* QTRI_TRUE: *cmp is the sign; QTRI_FALSE: comparable but unordered (NaN); QTRI_NULL: incomparable. */
static qtri compare(qval a, qval b, int *cmp, int depth) {
    *cmp = 0;
    if (a.type == QT_NULL || b.type == QT_NULL) return QTRI_NULL;
    if (qv_is_number(a) && qv_is_number(b)) {
        if (is_nan(a) || is_nan(b)) return QTRI_FALSE;
        *cmp = cmp_num(a, b);
        return QTRI_TRUE;
    }
    if (a.type != b.type) return QTRI_NULL;
    switch ((qtype)a.type) {
    case QT_BOOL: *cmp = (int)a.b - (int)b.b; return QTRI_TRUE;
    case QT_STRING: *cmp = cmp_str(a, b); return QTRI_TRUE;
    case QT_LIST: {
        if (depth >= QV_CMP_MAX_DEPTH) return QTRI_NULL;
        uint32_t n = a.len < b.len ? a.len : b.len;
        for (uint32_t i = 0; i < n; i++) {
            qtri r = compare(a.items[i], b.items[i], cmp, depth + 1);
            if (r != QTRI_TRUE || *cmp != 0) return r;
        }
        *cmp = (a.len > b.len) - (a.len < b.len);
        return QTRI_TRUE;
    }
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME:
        *cmp = qtemporal_cmp(a, b);
        return QTRI_TRUE;
    case QT_MAP: case QT_NODE: case QT_REL: case QT_PATH: case QT_DURATION:
    case QT_NULL: case QT_INT: case QT_FLOAT:
        break;
    }
    return QTRI_NULL;
}

qtri qv_compare(qval a, qval b, int *cmp) {
    int c;
    qtri r = compare(a, b, &c, 0);
    if (cmp) *cmp = c;
    return r;
}

qtri qv_compare_op(qval a, qval b, qcmp_op op) {
    int c;
    qtri r = compare(a, b, &c, 0);
    if (r != QTRI_TRUE) return r;
    bool res = false;
    switch (op) {
    case QCMP_LT: res = c < 0; break;
    case QCMP_LE: res = c <= 0; break;
    case QCMP_GT: res = c > 0; break;
    case QCMP_GE: res = c >= 0; break;
    }
    return res ? QTRI_TRUE : QTRI_FALSE;
}

/* ---- orderability ---- */
static int order_rank(qtype t) {
    switch (t) {
    case QT_MAP: return 0;
    case QT_NODE: return 1;
    case QT_REL: return 2;
    case QT_LIST: return 3;
    case QT_PATH: return 4;
    case QT_DATETIME: return 5;
    case QT_LOCALDATETIME: return 6;
    case QT_DATE: return 7;
    case QT_TIME: return 8;
    case QT_LOCALTIME: return 9;
    case QT_DURATION: return 10;
    case QT_STRING: return 11;
    case QT_BOOL: return 12;
    case QT_INT: case QT_FLOAT: return 13;
    case QT_NULL: return 14;
    }
    return 15;
}

/* The smallest key of m greater than (prev, plen) (prev NULL: the smallest), or NULL. */
static const qmapent *next_key(qval m, const qmapent *prev) {
    const qmapent *best = NULL;
    for (uint32_t i = 0; i < m.len; i++) {
        const qmapent *e = &m.ents[i];
        if (prev && cmp_str(qv_str_ref(e->key, e->klen), qv_str_ref(prev->key, prev->klen)) <= 0) continue;
        if (!best || cmp_str(qv_str_ref(e->key, e->klen), qv_str_ref(best->key, best->klen)) < 0) best = e;
    }
    return best;
}

static int order(qval a, qval b, int depth);

/* Maps: by size, then by their keys in sorted order, then by the values in that key order. */
static int order_map(qval a, qval b, int depth) {
    if (a.len != b.len) return a.len < b.len ? -1 : 1;
    const qmapent *ka = NULL, *kb = NULL;
    for (uint32_t i = 0; i < a.len; i++) {
        ka = next_key(a, ka);
        kb = next_key(b, kb);
        int c = cmp_str(qv_str_ref(ka->key, ka->klen), qv_str_ref(kb->key, kb->klen));
        if (c) return c;
    }
    ka = kb = NULL;
    for (uint32_t i = 0; i < a.len; i++) {
        ka = next_key(a, ka);
        kb = next_key(b, kb);
        int c = order(ka->v, kb->v, depth + 1);
        if (c) return c;
    }
    return 0;
}

static int order_path(const qpath *a, const qpath *b) {
    uint32_t n = a->n_rels < b->n_rels ? a->n_rels : b->n_rels;
    if (a->nodes[0] != b->nodes[0]) return a->nodes[0] < b->nodes[0] ? -1 : 1;
    for (uint32_t i = 0; i < n; i++) {
        if (a->rels[i] != b->rels[i]) return a->rels[i] < b->rels[i] ? -1 : 1;
        if (a->nodes[i + 1] != b->nodes[i + 1]) return a->nodes[i + 1] < b->nodes[i + 1] ? -1 : 1;
    }
    return (a->n_rels > b->n_rels) - (a->n_rels < b->n_rels);
}

static int order(qval a, qval b, int depth) {
    int ra = order_rank((qtype)a.type), rb = order_rank((qtype)b.type);
    if (ra != rb) return ra < rb ? -1 : 1;
    if (depth >= QV_CMP_MAX_DEPTH) return 0;
    switch ((qtype)a.type) {
    case QT_NULL: return 0;
    case QT_INT: case QT_FLOAT: {
        bool na = is_nan(a), nb = is_nan(b);
        if (na || nb) return (int)na - (int)nb;
        return cmp_num(a, b);
    }
    case QT_BOOL: return (int)a.b - (int)b.b;
    case QT_STRING: return cmp_str(a, b);
    case QT_NODE: case QT_REL: return (a.id > b.id) - (a.id < b.id);
    case QT_PATH: return order_path(a.path, b.path);
    case QT_LIST: {
        uint32_t n = a.len < b.len ? a.len : b.len;
        for (uint32_t i = 0; i < n; i++) {
            int c = order(a.items[i], b.items[i], depth + 1);
            if (c) return c;
        }
        return (a.len > b.len) - (a.len < b.len);
    }
    case QT_MAP: return order_map(a, b, depth);
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: case QT_DURATION: {
        int c = qtemporal_order(a, b);
        return (c > 0) - (c < 0);
    }
    }
    return 0;
}

int qv_order(qval a, qval b) { return order(a, b, 0); }

/* ---- equivalence and hashing ---- */
static bool equivalent(qval a, qval b, int depth) {
    if (a.type != b.type) {
        if (!qv_is_number(a) || !qv_is_number(b)) return false;
        if (is_nan(a) || is_nan(b)) return false;
        return cmp_num(a, b) == 0;
    }
    switch ((qtype)a.type) {
    case QT_NULL: return true;
    case QT_INT: return a.i == b.i;
    case QT_FLOAT: return a.f == b.f || (isnan(a.f) && isnan(b.f));
    case QT_BOOL: return a.b == b.b;
    case QT_STRING: return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
    case QT_NODE: case QT_REL: return a.id == b.id;
    case QT_PATH: return path_same(a.path, b.path);
    case QT_LIST:
        if (a.len != b.len) return false;
        if (depth >= QV_CMP_MAX_DEPTH) return true;
        for (uint32_t i = 0; i < a.len; i++)
            if (!equivalent(a.items[i], b.items[i], depth + 1)) return false;
        return true;
    case QT_MAP:
        if (a.len != b.len) return false;
        if (depth >= QV_CMP_MAX_DEPTH) return true;
        for (uint32_t i = 0; i < a.len; i++) {
            const qval *bv = qv_map_get(b, a.ents[i].key, a.ents[i].klen);
            if (!bv || !equivalent(a.ents[i].v, *bv, depth + 1)) return false;
        }
        return true;
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: case QT_DURATION:
        return qtemporal_eq(a, b);
    }
    return false;
}

bool qv_equivalent(qval a, qval b) {
    if (a.type == b.type) {   /* the MERGE / DISTINCT hot path */
        if (a.type == QT_INT) return a.i == b.i;
        if (a.type == QT_STRING) return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
    }
    return equivalent(a, b, 0);
}

#define H_NULL 0x6a09e667f3bcc909ull
#define H_BOOL 0xbb67ae8584caa73bull
#define H_NAN 0x3c6ef372fe94f82bull
#define H_LIST 0xa54ff53a5f1d36f1ull
#define H_MAP 0x510e527fade682d1ull
#define H_NODE 0x9b05688c2b3e6c1full
#define H_REL 0x1f83d9abfb41bd6bull
#define H_PATH 0x5be0cd19137e2179ull

static uint64_t hash_float(double f) {
    if (isnan(f)) return H_NAN;
    if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 && f == trunc(f))
        return qv_hash_u64((uint64_t)(int64_t)f);   /* 1.0 ~ 1, -0.0 ~ 0 */
    uint64_t bits;
    memcpy(&bits, &f, sizeof bits);
    return qv_hash_u64(bits ^ 0x2545f4914f6cdd1dull);
}

static uint64_t hash(qval v, int depth) {
    switch ((qtype)v.type) {
    case QT_NULL: return H_NULL;
    case QT_BOOL: return H_BOOL + v.b;
    case QT_INT: return qv_hash_u64((uint64_t)v.i);
    case QT_FLOAT: return hash_float(v.f);
    case QT_STRING: return qv_hash_bytes(v.s, v.len);
    case QT_NODE: return qv_hash_u64(v.id ^ H_NODE);
    case QT_REL: return qv_hash_u64(v.id ^ H_REL);
    case QT_PATH: {
        uint64_t h = H_PATH ^ v.path->n_rels;
        h = qv_hash_u64(h ^ v.path->nodes[0]);
        for (uint32_t i = 0; i < v.path->n_rels; i++)
            h = qv_hash_u64(h ^ v.path->rels[i]) + qv_hash_u64(v.path->nodes[i + 1]);
        return h;
    }
    case QT_LIST: {
        uint64_t h = H_LIST ^ v.len;
        if (depth >= QV_CMP_MAX_DEPTH) return h;
        for (uint32_t i = 0; i < v.len; i++) h = qv_hash_u64(h ^ hash(v.items[i], depth + 1)) + i;
        return h;
    }
    case QT_MAP: {   /* order-independent: maps with the same entries in another order are equal */
        uint64_t h = H_MAP ^ v.len;
        if (depth >= QV_CMP_MAX_DEPTH) return h;
        for (uint32_t i = 0; i < v.len; i++) {
            uint64_t hk = qv_hash_bytes(v.ents[i].key, v.ents[i].klen);
            h += qv_hash_u64(hk ^ (hash(v.ents[i].v, depth + 1) * 0x9e3779b97f4a7c15ull));
        }
        return qv_hash_u64(h);
    }
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: case QT_DURATION:
        return qtemporal_hash(v) ^ ((uint64_t)v.type << 56);
    }
    return 0;
}

uint64_t qv_hash(qval v) {
    if (v.type == QT_INT) return qv_hash_u64((uint64_t)v.i);
    if (v.type == QT_STRING) return qv_hash_bytes(v.s, v.len);
    return hash(v, 0);
}
