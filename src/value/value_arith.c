/* value_arith.c — openCypher arithmetic: + - * / % ^ and unary minus over numbers, strings, lists,
 * temporal values and durations (see value.h).
 *
 * Owns: integer overflow and division-by-zero errors, int/float promotion, string concatenation (a string
 * plus a number, boolean or temporal value renders the other side as toString does), list append, prepend
 * and concatenation. Temporal +/- duration and duration scaling are delegated to temporal*.c.
 * Must not: read the graph, or allocate outside the caller's arena. Null in, null out.
 */
#include "value/value.h"

#include <math.h>
#include <string.h>

#include "value/value_fmt.h"
#include "value/temporal.h"

static int rt_fail(cy_error *err) {
    if (err) err->phase = CY_PHASE_RUNTIME;
    return -1;
}

static int type_error(cy_error *err, const char *op, qval x, qval y, bool unary) {
    if (unary)
        cy_err(err, CYE_TYPE, "InvalidArgumentType", -1, "Cannot apply %s to a value of type %s", op,
               qv_type_name((qtype)x.type));
    else
        cy_err(err, CYE_TYPE, "InvalidArgumentType", -1, "Cannot %s %s and %s", op, qv_type_name((qtype)x.type),
               qv_type_name((qtype)y.type));
    return rt_fail(err);
}

static int overflow(cy_error *err, const char *op, int64_t x, int64_t y) {
    cy_err(err, CYE_ARITHMETIC, "IntegerOverflow", -1, "Integer overflow: %lld %s %lld does not fit in 64 bits",
           (long long)x, op, (long long)y);
    return rt_fail(err);
}

static double as_f(qval v) { return v.type == QT_INT ? (double)v.i : v.f; }
static bool is_dur(qval v) { return v.type == QT_DURATION; }

/* The text + adds to a string for a non-string operand, or NULL when + does not concatenate it. */
static const char *concat_text(qv_arena *a, qval v, uint32_t *len) {
    if (v.type == QT_STRING) { *len = v.len; return v.s; }
    if (v.type == QT_INT || v.type == QT_FLOAT || v.type == QT_BOOL || qv_is_temporal(v) || is_dur(v))
        return qv_to_cstring(a, v, len);
    return NULL;
}

static qval list_concat(qv_arena *a, const qval *x, uint32_t nx, const qval *y, uint32_t ny) {
    size_t n = (size_t)nx + ny;
    if (n > UINT32_MAX) n = UINT32_MAX;
    qval *items = qv_arena_alloc(a, n * sizeof(qval));
    if (nx) memcpy(items, x, (size_t)nx * sizeof(qval));
    if (n > nx) memcpy(items + nx, y, (n - nx) * sizeof(qval));
    return qv_list_ref(items, (uint32_t)n);
}

int qv_add(qv_arena *a, qval x, qval y, qval *out, cy_error *err) {
    if (x.type == QT_NULL || y.type == QT_NULL) { *out = qv_null(); return 0; }
    if (x.type == QT_INT && y.type == QT_INT) {
        int64_t r;
        if (__builtin_add_overflow(x.i, y.i, &r)) return overflow(err, "+", x.i, y.i);
        *out = qv_int(r);
        return 0;
    }
    if (qv_is_number(x) && qv_is_number(y)) { *out = qv_float(as_f(x) + as_f(y)); return 0; }
    if (x.type == QT_LIST && y.type == QT_LIST) { *out = list_concat(a, x.items, x.len, y.items, y.len); return 0; }
    if (x.type == QT_LIST) { *out = list_concat(a, x.items, x.len, &y, 1); return 0; }
    if (y.type == QT_LIST) { *out = list_concat(a, &x, 1, y.items, y.len); return 0; }
    if (x.type == QT_STRING || y.type == QT_STRING) {
        uint32_t nx = 0, ny = 0;
        const char *sx = concat_text(a, x, &nx), *sy = concat_text(a, y, &ny);
        if (!sx || !sy) return type_error(err, "add", x, y, false);
        size_t n = (size_t)nx + ny;
        if (n > UINT32_MAX) {
            cy_err(err, CYE_ARGUMENT, "StringTooLong", -1, "String concatenation longer than 4 GiB");
            return rt_fail(err);
        }
        char *p = qv_arena_alloc(a, n + 1);
        if (nx) memcpy(p, sx, nx);
        if (ny) memcpy(p + nx, sy, ny);
        p[n] = 0;
        *out = qv_str_ref(p, (uint32_t)n);
        return 0;
    }
    if ((qv_is_temporal(x) || is_dur(x)) && is_dur(y)) return qtemporal_add(a, x, y, 1, out, err) ? rt_fail(err) : 0;
    if (is_dur(x) && qv_is_temporal(y)) return qtemporal_add(a, y, x, 1, out, err) ? rt_fail(err) : 0;
    return type_error(err, "add", x, y, false);
}

int qv_sub(qv_arena *a, qval x, qval y, qval *out, cy_error *err) {
    if (x.type == QT_NULL || y.type == QT_NULL) { *out = qv_null(); return 0; }
    if (x.type == QT_INT && y.type == QT_INT) {
        int64_t r;
        if (__builtin_sub_overflow(x.i, y.i, &r)) return overflow(err, "-", x.i, y.i);
        *out = qv_int(r);
        return 0;
    }
    if (qv_is_number(x) && qv_is_number(y)) { *out = qv_float(as_f(x) - as_f(y)); return 0; }
    if ((qv_is_temporal(x) || is_dur(x)) && is_dur(y)) return qtemporal_add(a, x, y, -1, out, err) ? rt_fail(err) : 0;
    return type_error(err, "subtract", x, y, false);
}

int qv_mul(qv_arena *a, qval x, qval y, qval *out, cy_error *err) {
    if (x.type == QT_NULL || y.type == QT_NULL) { *out = qv_null(); return 0; }
    if (x.type == QT_INT && y.type == QT_INT) {
        int64_t r;
        if (__builtin_mul_overflow(x.i, y.i, &r)) return overflow(err, "*", x.i, y.i);
        *out = qv_int(r);
        return 0;
    }
    if (qv_is_number(x) && qv_is_number(y)) { *out = qv_float(as_f(x) * as_f(y)); return 0; }
    if (is_dur(x) && qv_is_number(y)) return qduration_scale(a, x, y, false, out, err) ? rt_fail(err) : 0;
    if (qv_is_number(x) && is_dur(y)) return qduration_scale(a, y, x, false, out, err) ? rt_fail(err) : 0;
    return type_error(err, "multiply", x, y, false);
}

int qv_div(qv_arena *a, qval x, qval y, qval *out, cy_error *err) {
    if (x.type == QT_NULL || y.type == QT_NULL) { *out = qv_null(); return 0; }
    if (x.type == QT_INT && y.type == QT_INT) {
        if (y.i == 0) {
            cy_err(err, CYE_ARITHMETIC, "DivisionByZero", -1, "/ by zero: %lld / 0 (divide floats to get Infinity)",
                   (long long)x.i);
            return rt_fail(err);
        }
        if (y.i == -1 && x.i == INT64_MIN) return overflow(err, "/", x.i, y.i);
        *out = qv_int(x.i / y.i);
        return 0;
    }
    if (qv_is_number(x) && qv_is_number(y)) { *out = qv_float(as_f(x) / as_f(y)); return 0; }
    if (is_dur(x) && qv_is_number(y)) return qduration_scale(a, x, y, true, out, err) ? rt_fail(err) : 0;
    return type_error(err, "divide", x, y, false);
}

int qv_mod(qv_arena *a, qval x, qval y, qval *out, cy_error *err) {
    if (x.type == QT_NULL || y.type == QT_NULL) { *out = qv_null(); return 0; }
    if (x.type == QT_INT && y.type == QT_INT) {
        if (y.i == 0) {
            cy_err(err, CYE_ARITHMETIC, "DivisionByZero", -1, "%% by zero: %lld %% 0", (long long)x.i);
            return rt_fail(err);
        }
        *out = qv_int(y.i == -1 ? 0 : x.i % y.i);
        return 0;
    }
    if (qv_is_number(x) && qv_is_number(y)) { *out = qv_float(fmod(as_f(x), as_f(y))); return 0; }
    return type_error(err, "compute the modulo of", x, y, false);
}

int qv_pow(qv_arena *a, qval x, qval y, qval *out, cy_error *err) {
    if (x.type == QT_NULL || y.type == QT_NULL) { *out = qv_null(); return 0; }
    if (qv_is_number(x) && qv_is_number(y)) { *out = qv_float(pow(as_f(x), as_f(y))); return 0; }
    return type_error(err, "raise", x, y, false);
}

int qv_neg(qv_arena *a, qval x, qval *out, cy_error *err) {
    switch ((qtype)x.type) {
    case QT_NULL: *out = x; return 0;
    case QT_INT:
        if (x.i == INT64_MIN) {
            cy_err(err, CYE_ARITHMETIC, "IntegerOverflow", -1, "Integer overflow: -(%lld) does not fit in 64 bits",
                   (long long)x.i);
            return rt_fail(err);
        }
        *out = qv_int(-x.i);
        return 0;
    case QT_FLOAT: *out = qv_float(-x.f); return 0;
    case QT_DURATION: return qduration_scale(a, x, qv_int(-1), false, out, err) ? rt_fail(err) : 0;
    default: return type_error(err, "unary minus", x, x, true);
    }
}
