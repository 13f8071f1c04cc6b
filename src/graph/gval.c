/* gval.c — the values a graph stores: which are storable, copying them into graph memory, equality and hashing
 * for indexes, and reading a base column cell as a qval.
 * Must not: allocate with malloc per value (payloads go to an arena the caller owns), or know about versions.
 * Equality here is openCypher '=' restricted to storable values, as value/ defines it (numbers compare by
 * value, 1 = 1.0; NaN is equal to nothing; temporal values field by field: date, time, offset and zone);
 * gval_hash agrees with it. */
#include "graph/gdelta.h"
#include "util/hash.h"

#include <math.h>
#include <string.h>

static bool scalar_storable(uint8_t t) {
    return t == QT_BOOL || t == QT_INT || t == QT_FLOAT || t == QT_STRING || (t >= QT_DATE && t <= QT_DURATION);
}

bool gvalue_storable(qval v) {
    if (v.type == QT_NULL || scalar_storable(v.type)) return true;
    if (v.type != QT_LIST) return false;
    for (uint32_t i = 0; i < v.len; i++) {
        uint8_t t = v.items[i].type;
        if (!scalar_storable(t)) return false;
        if (t != v.items[0].type) return false;   /* homogeneous: [1, 2.5] is not storable either */
    }
    return true;
}

qval gval_copy(qv_arena *a, qval v) {
    qval r = v;
    switch (v.type) {
    case QT_STRING:
        r.s = v.len ? qv_arena_dup(a, v.s, v.len) : "";
        break;
    case QT_LIST: {
        qval *items = qv_arena_alloc(a, (v.len ? v.len : 1) * sizeof *items);
        for (uint32_t i = 0; i < v.len; i++) items[i] = gval_copy(a, v.items[i]);
        r.items = items;
        break;
    }
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: {
        qtemporal *tm = qv_arena_dup(a, v.tm, sizeof *tm);
        if (tm->zone) tm->zone = qv_arena_strndup(a, tm->zone, strlen(tm->zone));
        r.tm = tm;
        break;
    }
    case QT_DURATION:
        r.dur = qv_arena_dup(a, v.dur, sizeof *v.dur);
        break;
    default:
        break;
    }
    return r;
}

static bool zone_eq(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

bool gval_eq(qval a, qval b) {
    if (qv_is_number(a) && qv_is_number(b)) {
        if (a.type == QT_INT && b.type == QT_INT) return a.i == b.i;
        if (a.type == QT_FLOAT && b.type == QT_FLOAT) return a.f == b.f;
        qval i = a.type == QT_INT ? a : b, f = a.type == QT_INT ? b : a;
        if (!(f.f >= -9223372036854775808.0 && f.f < 9223372036854775808.0) || f.f != floor(f.f)) return false;
        return (int64_t)f.f == i.i;
    }
    if (a.type != b.type) return false;
    switch (a.type) {
    case QT_BOOL: return a.b == b.b;
    case QT_STRING: return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
    case QT_LIST:
        if (a.len != b.len) return false;
        for (uint32_t i = 0; i < a.len; i++)
            if (!gval_eq(a.items[i], b.items[i])) return false;
        return true;
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME:   /* as value/ '=' does */
        return a.tm->days == b.tm->days && a.tm->nanos == b.tm->nanos && a.tm->offset == b.tm->offset &&
               zone_eq(a.tm->zone, b.tm->zone);
    case QT_DURATION:
        return a.dur->months == b.dur->months && a.dur->days == b.dur->days && a.dur->seconds == b.dur->seconds &&
               a.dur->nanos == b.dur->nanos;
    default:
        return false;
    }
}

bool gval_same(qval a, qval b) {
    if (a.type != b.type) return false;
    switch (a.type) {
    case QT_NULL: return true;
    case QT_BOOL: return a.b == b.b;
    case QT_INT: return a.i == b.i;
    case QT_FLOAT: return memcmp(&a.f, &b.f, sizeof a.f) == 0;
    case QT_STRING: return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
    case QT_LIST:
        if (a.len != b.len) return false;
        for (uint32_t i = 0; i < a.len; i++)
            if (!gval_same(a.items[i], b.items[i])) return false;
        return true;
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME:
        return gval_eq(a, b);
    case QT_DURATION:
        return a.dur->months == b.dur->months && a.dur->days == b.dur->days && a.dur->seconds == b.dur->seconds &&
               a.dur->nanos == b.dur->nanos;
    default:
        return false;
    }
}

uint64_t gval_hash(qval v) {
    switch (v.type) {
    case QT_BOOL: return qv_hash_u64(0xb001 + v.b);
    case QT_INT: return qv_hash_u64((uint64_t)v.i ^ 0x1234567ull);
    case QT_FLOAT:
        if (v.f >= -9223372036854775808.0 && v.f < 9223372036854775808.0 && v.f == floor(v.f))
            return qv_hash_u64((uint64_t)(int64_t)v.f ^ 0x1234567ull);
        {
            uint64_t bits;
            double f = v.f;
            memcpy(&bits, &f, 8);
            return qv_hash_u64(bits);
        }
    case QT_STRING: return qv_hash_bytes(v.s, v.len);
    case QT_LIST: {
        uint64_t h = 0x11570000ull + v.len;
        for (uint32_t i = 0; i < v.len; i++) h = qv_hash_u64(h ^ gval_hash(v.items[i]));
        return h;
    }
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME:
        return qv_hash_u64(qv_hash_u64(qv_hash_u64((uint64_t)v.tm->days + v.type) ^ (uint64_t)v.tm->nanos) ^
                           (uint64_t)(uint32_t)v.tm->offset);   /* the zone only in gval_eq: rarely decides */
    case QT_DURATION:
        return qv_hash_u64(qv_hash_u64(qv_hash_u64((uint64_t)v.dur->months) ^ (uint64_t)v.dur->days) ^
                           (uint64_t)v.dur->seconds * 1000000007ull ^ (uint64_t)v.dur->nanos);
    default:
        return qv_hash_u64(v.type);
    }
}

qval gcol_value(const gcolumn *c, uint64_t row, qv_arena *a) {
    switch (c->type) {
    case GPROP_INT64: return qv_int(((const int64_t *)c->values)[row]);
    case GPROP_DOUBLE: return qv_float(((const double *)c->values)[row]);
    case GPROP_BOOL: return qv_bool(((const uint8_t *)c->values)[row] != 0);
    case GPROP_STRING:
        return qv_str_ref((const char *)c->values + c->offsets[row], (uint32_t)(c->offsets[row + 1] - c->offsets[row]));
    case GPROP_INT64_LIST: case GPROP_DOUBLE_LIST: case GPROP_FLOAT_LIST: {
        uint64_t b = c->offsets[row], n = c->offsets[row + 1] - b;
        qval *items = qv_arena_alloc(a, (n ? n : 1) * sizeof *items);
        for (uint64_t i = 0; i < n; i++)
            items[i] = c->type == GPROP_INT64_LIST    ? qv_int(((const int64_t *)c->values)[b + i])
                       : c->type == GPROP_DOUBLE_LIST ? qv_float(((const double *)c->values)[b + i])
                                                      : qv_float(((const float *)c->values)[b + i]);
        return qv_list_ref(items, (uint32_t)n);
    }
    }
    return qv_null();
}

int gprop_cmp(const void *a, const void *b) {
    uint32_t x = ((const gprop *)a)->key, y = ((const gprop *)b)->key;
    return x < y ? -1 : x > y;
}
