/* func_math.c — numeric functions: abs, ceil, floor, round (with precision and rounding mode), sign,
 * rand, randomUUID, isNaN, sqrt, exp, log, log10, e, pi, trigonometry, degrees, radians, haversin.
 *
 * Owns: Neo4j's result types (abs and sign keep integers, everything else is a float) and round()'s
 * decimal rounding, which works on the shortest decimal form of the value (round(2.675, 2) = 2.68) as
 * Java's BigDecimal.valueOf does. Must not: read the graph, or keep state (rand() advances the state the
 * caller passes in ctx). Null in, null out.
 */
#include "cypher/func_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "value/value_fmt.h"

/* A numeric argument as a double; 1 when the argument is null (the caller returns null). */
static int num_arg(cy_fnctx *ctx, cy_error *err, const char *fn, const qval *args, uint32_t i, double *d) {
    if (args[i].type == QT_NULL) return 1;
    if (args[i].type == QT_INT) { *d = (double)args[i].i; return 0; }
    if (args[i].type == QT_FLOAT) { *d = args[i].f; return 0; }
    cyfn_type_err(ctx, err, fn, i, args[i], "a number");
    return -1;
}

#define UNARY_FLOAT(cname, fname, expr)                                  \
    CYFN(cname) {                                                        \
        double x;                                                        \
        int r = num_arg(ctx, err, fname, args, 0, &x);                   \
        if (r < 0) return -1;                                            \
        *out = r ? qv_null() : qv_float(expr);                           \
        return 0;                                                        \
    }

UNARY_FLOAT(cyfn_ceil, "ceil", ceil(x))
UNARY_FLOAT(cyfn_floor, "floor", floor(x))
UNARY_FLOAT(cyfn_sqrt, "sqrt", sqrt(x))
UNARY_FLOAT(cyfn_exp, "exp", exp(x))
UNARY_FLOAT(cyfn_log, "log", log(x))
UNARY_FLOAT(cyfn_log10, "log10", log10(x))
UNARY_FLOAT(cyfn_sin, "sin", sin(x))
UNARY_FLOAT(cyfn_cos, "cos", cos(x))
UNARY_FLOAT(cyfn_tan, "tan", tan(x))
UNARY_FLOAT(cyfn_cot, "cot", 1.0 / tan(x))
UNARY_FLOAT(cyfn_asin, "asin", asin(x))
UNARY_FLOAT(cyfn_acos, "acos", acos(x))
UNARY_FLOAT(cyfn_atan, "atan", atan(x))
UNARY_FLOAT(cyfn_degrees, "degrees", x * (180.0 / M_PI))
UNARY_FLOAT(cyfn_radians, "radians", x * (M_PI / 180.0))
UNARY_FLOAT(cyfn_haversin, "haversin", (1.0 - cos(x)) / 2.0)

CYFN(cyfn_e) { *out = qv_float(M_E); return 0; }
CYFN(cyfn_pi) { *out = qv_float(M_PI); return 0; }

CYFN(cyfn_atan2) {
    double y, x;
    int r1 = num_arg(ctx, err, "atan2", args, 0, &y);
    if (r1 < 0) return -1;
    int r2 = num_arg(ctx, err, "atan2", args, 1, &x);
    if (r2 < 0) return -1;
    *out = (r1 || r2) ? qv_null() : qv_float(atan2(y, x));
    return 0;
}

CYFN(cyfn_abs) {
    qval v = args[0];
    switch (v.type) {
    case QT_NULL: *out = v; return 0;
    case QT_INT:
        if (v.i == INT64_MIN)
            return cyfn_fail(ctx, err, CYE_ARITHMETIC, "IntegerOverflow", "abs(%lld) does not fit in 64 bits",
                             (long long)v.i);
        *out = qv_int(v.i < 0 ? -v.i : v.i);
        return 0;
    case QT_FLOAT: *out = qv_float(fabs(v.f)); return 0;
    default: return cyfn_type_err(ctx, err, "abs", 0, v, "a number");
    }
}

CYFN(cyfn_sign) {
    qval v = args[0];
    switch (v.type) {
    case QT_NULL: *out = v; return 0;
    case QT_INT: *out = qv_int((v.i > 0) - (v.i < 0)); return 0;
    case QT_FLOAT: *out = qv_int((v.f > 0) - (v.f < 0)); return 0;
    default: return cyfn_type_err(ctx, err, "sign", 0, v, "a number");
    }
}

CYFN(cyfn_rand) {
    uint64_t local = (uint64_t)ctx->stmt_time_ns ^ ((uint64_t)(uint32_t)ctx->pos << 32) ^ 0x9e3779b97f4a7c15ull;
    uint64_t *st = ctx->rand_state ? ctx->rand_state : &local;
    if (*st == 0) *st = 0x9e3779b97f4a7c15ull;
    /* xorshift64* */
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    uint64_t r = x * 0x2545F4914F6CDD1Dull;
    *out = qv_float((double)(r >> 11) * (1.0 / 9007199254740992.0));
    return 0;
}

CYFN(cyfn_isnan) {
    qval v = args[0];
    switch (v.type) {
    case QT_NULL: *out = v; return 0;
    case QT_INT: *out = qv_bool(false); return 0;
    case QT_FLOAT: *out = qv_bool(isnan(v.f)); return 0;
    default: return cyfn_type_err(ctx, err, "isNaN", 0, v, "a number");
    }
}

/* A version 4 (random) UUID from the query's random state, as text. */
CYFN(cyfn_randomuuid) {
    uint8_t b[16];
    for (int i = 0; i < 2; i++) {
        qval r;
        uint64_t w = 0;
        for (int k = 0; k < 2; k++) {   /* 2 x 53 random bits -> 64 */
            cyfn_rand(ctx, NULL, 0, &r, err);
            w = (w << 32) ^ (uint64_t)(r.f * 4294967296.0);
        }
        memcpy(b + 8 * i, &w, 8);
    }
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
    char *p = qv_arena_alloc(ctx->arena, 37);
    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) p[o++] = '-';
        p[o++] = hex[b[i] >> 4];
        p[o++] = hex[b[i] & 15];
    }
    p[o] = 0;
    *out = qv_str_ref(p, 36);
    return 0;
}

/* ---- round ---- */
typedef enum { RM_UP, RM_DOWN, RM_CEILING, RM_FLOOR, RM_HALF_UP, RM_HALF_DOWN, RM_HALF_EVEN } rmode;

/* Java's Math.round, as a float: halves go towards positive infinity. */
static double round_half_up_java(double x) {
    if (isnan(x) || isinf(x) || fabs(x) >= 4503599627370496.0) return x;
    double r = floor(x);
    if (x - r >= 0.5) r += 1;
    return r == 0 ? 0.0 : r;
}

/* Rounds x to `prec` decimal places in mode m, working on its shortest decimal digits. */
static double round_decimal(double x, int64_t prec, rmode m) {
    if (isnan(x) || isinf(x) || x == 0) return x;
    char dg[24];
    int e;
    int n = qv_float_digits(x, dg, &e);
    bool neg = x < 0;
    if (prec > 400) return x;
    if (prec < -400) prec = -400;
    int64_t k = (int64_t)e + 1 + prec;   /* digits kept */
    if (k >= n) return x;
    /* the discarded part relative to half a unit of the last kept place */
    int first = k >= 0 ? dg[k] - '0' : 0;
    bool rest_nonzero = false;
    for (int64_t i = (k >= 0 ? k + 1 : 0); i < n; i++) rest_nonzero |= dg[i] != '0';
    if (k < 0) rest_nonzero = true;   /* all digits discarded and below the half: non-zero remainder */
    int half = first > 5 || (first == 5 && rest_nonzero) ? 1 : first == 5 ? 0 : -1;   /* vs exactly half */
    if (k < 0) half = -1;
    int last_kept = k > 0 ? dg[k - 1] - '0' : 0;
    bool up = false;
    switch (m) {
    case RM_UP: up = true; break;
    case RM_DOWN: up = false; break;
    case RM_CEILING: up = !neg; break;
    case RM_FLOOR: up = neg; break;
    case RM_HALF_UP: up = half >= 0; break;
    case RM_HALF_DOWN: up = half > 0; break;
    case RM_HALF_EVEN: up = half > 0 || (half == 0 && (last_kept & 1)); break;
    }
    char buf[64];
    int o = 0;
    if (neg) buf[o++] = '-';
    int kk = k > 0 ? (int)k : 0;
    buf[o++] = '0';   /* room for a carry */
    memcpy(buf + o, dg, (size_t)kk);
    int mant_end = o + kk;
    if (up) {
        int i = mant_end - 1;
        while (i >= (neg ? 1 : 0) && buf[i] == '9') buf[i--] = '0';
        if (i >= (neg ? 1 : 0)) buf[i]++;
    }
    snprintf(buf + mant_end, sizeof buf - (size_t)mant_end, "e%lld", (long long)-prec);
    double r = strtod(buf, NULL);
    return r == 0 ? 0.0 : r;
}

CYFN(cyfn_round) {
    double x = 0;
    int r = num_arg(ctx, err, "round", args, 0, &x);
    if (r < 0) return -1;
    for (uint32_t i = 1; i < nargs; i++) r |= args[i].type == QT_NULL;
    if (r) { *out = qv_null(); return 0; }
    if (nargs == 1) { *out = qv_float(round_half_up_java(x)); return 0; }
    if (args[1].type != QT_INT) return cyfn_type_err(ctx, err, "round", 1, args[1], "an Integer");
    rmode m = RM_HALF_UP;
    if (nargs == 3) {
        static const char *const names[] = {"UP", "DOWN", "CEILING", "FLOOR", "HALF_UP", "HALF_DOWN", "HALF_EVEN"};
        qval mv = args[2];
        if (mv.type != QT_STRING) return cyfn_type_err(ctx, err, "round", 2, mv, "a String");
        int found = -1;
        for (int i = 0; i < 7; i++)
            if (strlen(names[i]) == mv.len && strncasecmp(names[i], mv.s, mv.len) == 0) found = i;
        if (found < 0)
            return cyfn_fail(ctx, err, CYE_ARGUMENT, "InvalidArgumentValue",
                             "round(): unknown rounding mode '%.*s' (UP, DOWN, CEILING, FLOOR, HALF_UP, HALF_DOWN, "
                             "HALF_EVEN)", (int)(mv.len > 40 ? 40 : mv.len), mv.s);
        m = (rmode)found;
    }
    *out = qv_float(round_decimal(x, args[1].i, m));
    return 0;
}
