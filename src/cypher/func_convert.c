/* func_convert.c — type conversion: toBoolean, toInteger, toFloat, toString, their *OrNull forms and
 * the *List forms.
 *
 * Owns: what converts and what fails. Strings that do not parse give null; values of a kind the
 * function cannot convert (lists, maps, nodes, relationships, paths; booleans for toFloat; floats for
 * toBoolean) fail with TypeError InvalidArgumentValue, as openCypher specifies; the *OrNull and *List forms
 * give null instead. Number parsing follows Java's (Long.parseLong, then Double.parseDouble on the
 * trimmed text, so toInteger('2.9') = 2). Must not: read the graph, or allocate outside ctx->arena.
 */
#include "cypher/func_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Results of a conversion attempt. */
enum { CV_OK = 0, CV_NULL = 1, CV_BADTYPE = 2, CV_RANGE = 3 };

static void trim_java(const char **s, uint32_t *n) {   /* String.trim(): everything <= ' ' */
    while (*n && (unsigned char)(*s)[0] <= ' ') { (*s)++; (*n)--; }
    while (*n && (unsigned char)(*s)[*n - 1] <= ' ') (*n)--;
}

/* Java's Double.parseDouble syntax (decimal forms, NaN, Infinity, an optional f/F/d/D suffix). */
static bool parse_double(const char *s, uint32_t n, double *out) {
    trim_java(&s, &n);
    if (n == 0 || n > 400) return false;
    char buf[402];
    memcpy(buf, s, n);
    buf[n] = 0;
    uint32_t i = 0;
    if (buf[i] == '+' || buf[i] == '-') i++;
    if (strcmp(buf + i, "NaN") == 0) { *out = NAN; return true; }
    if (strcmp(buf + i, "Infinity") == 0) { *out = buf[0] == '-' ? -INFINITY : INFINITY; return true; }
    uint32_t digits = 0;
    while (buf[i] >= '0' && buf[i] <= '9') { i++; digits++; }
    if (buf[i] == '.') {
        i++;
        while (buf[i] >= '0' && buf[i] <= '9') { i++; digits++; }
    }
    if (!digits) return false;
    if (buf[i] == 'e' || buf[i] == 'E') {
        i++;
        if (buf[i] == '+' || buf[i] == '-') i++;
        if (!(buf[i] >= '0' && buf[i] <= '9')) return false;
        while (buf[i] >= '0' && buf[i] <= '9') i++;
    }
    uint32_t end = i;
    if (buf[i] == 'f' || buf[i] == 'F' || buf[i] == 'd' || buf[i] == 'D') i++;
    if (i != n) return false;
    buf[end] = 0;
    *out = strtod(buf, NULL);
    return true;
}

static bool parse_long(const char *s, uint32_t n, int64_t *out) {
    if (n == 0 || n > 30) return false;
    char buf[32];
    memcpy(buf, s, n);
    buf[n] = 0;
    uint32_t i = (buf[0] == '+' || buf[0] == '-') ? 1 : 0;
    if (i == n) return false;
    for (uint32_t k = i; k < n; k++)
        if (buf[k] < '0' || buf[k] > '9') return false;
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno == ERANGE) return false;
    *out = v;
    return true;
}

static bool float_fits_int(double d) { return d >= -9223372036854775808.0 && d < 9223372036854775808.0; }

static int conv_bool(qval v, qval *out) {
    switch (v.type) {
    case QT_NULL: *out = v; return CV_OK;
    case QT_BOOL: *out = v; return CV_OK;
    case QT_INT: *out = qv_bool(v.i != 0); return CV_OK;
    case QT_STRING: {
        const char *s = v.s;
        uint32_t n = v.len;
        trim_java(&s, &n);
        if (n == 4 && strncasecmp(s, "true", 4) == 0) *out = qv_bool(true);
        else if (n == 5 && strncasecmp(s, "false", 5) == 0) *out = qv_bool(false);
        else *out = qv_null();
        return CV_OK;
    }
    default: return CV_BADTYPE;
    }
}

static int conv_int(qval v, qval *out) {
    switch (v.type) {
    case QT_NULL: case QT_INT: *out = v; return CV_OK;
    case QT_BOOL: *out = qv_int(v.b); return CV_OK;
    case QT_FLOAT:
        if (isnan(v.f) || !float_fits_int(v.f)) return CV_RANGE;
        *out = qv_int((int64_t)v.f);
        return CV_OK;
    case QT_STRING: {
        const char *s = v.s;
        uint32_t n = v.len;
        trim_java(&s, &n);
        int64_t i;
        double d;
        if (parse_long(s, n, &i)) *out = qv_int(i);
        else if (parse_double(s, n, &d) && !isnan(d) && float_fits_int(d)) *out = qv_int((int64_t)d);
        else *out = qv_null();
        return CV_OK;
    }
    default: return CV_BADTYPE;
    }
}

static int conv_float(qval v, qval *out) {
    switch (v.type) {
    case QT_NULL: case QT_FLOAT: *out = v; return CV_OK;
    case QT_INT: *out = qv_float((double)v.i); return CV_OK;
    case QT_STRING: {
        double d;
        *out = parse_double(v.s, v.len, &d) ? qv_float(d) : qv_null();
        return CV_OK;
    }
    default: return CV_BADTYPE;
    }
}

static int conv_string(qv_arena *a, qval v, qval *out) {
    if (v.type == QT_NULL || v.type == QT_STRING) { *out = v; return CV_OK; }
    uint32_t n = 0;
    const char *s = qv_to_cstring(a, v, &n);
    if (!s) return CV_BADTYPE;
    *out = qv_str_ref(s, n);
    return CV_OK;
}

typedef enum { TO_BOOL, TO_INT, TO_FLOAT, TO_STRING } conv_kind;
static const char *const conv_names[] = {"toBoolean", "toInteger", "toFloat", "toString"};
static const char *const conv_wants[] = {
    "a Boolean, an Integer or a String", "a number, a Boolean or a String", "a number or a String",
    "a number, a Boolean, a String or a temporal value"};

static int conv(cy_fnctx *ctx, conv_kind k, qval v, qval *out) {
    switch (k) {
    case TO_BOOL: return conv_bool(v, out);
    case TO_INT: return conv_int(v, out);
    case TO_FLOAT: return conv_float(v, out);
    case TO_STRING: return conv_string(ctx->arena, v, out);
    }
    return CV_BADTYPE;
}

static int convert(cy_fnctx *ctx, conv_kind k, bool or_null, const qval *args, qval *out, cy_error *err) {
    int r = conv(ctx, k, args[0], out);
    if (r == CV_OK) return 0;
    if (or_null) { *out = qv_null(); return 0; }
    if (r == CV_RANGE)
        return cyfn_fail(ctx, err, CYE_ARGUMENT, "NumberOutOfRange", "%s(): %g does not fit in a 64-bit integer",
                         conv_names[k], args[0].f);
    return cyfn_value_err(ctx, err, conv_names[k], 0, args[0], conv_wants[k]);
}

static int convert_list(cy_fnctx *ctx, conv_kind k, const char *fn, const qval *args, qval *out, cy_error *err) {
    qval l = args[0];
    if (l.type == QT_NULL) { *out = l; return 0; }
    if (l.type != QT_LIST) return cyfn_value_err(ctx, err, fn, 0, l, "a List");
    qval *items = qv_arena_alloc(ctx->arena, (size_t)l.len * sizeof(qval));
    for (uint32_t i = 0; i < l.len; i++)
        if (conv(ctx, k, l.items[i], &items[i]) != CV_OK) items[i] = qv_null();
    *out = qv_list_ref(items, l.len);
    return 0;
}

CYFN(cyfn_toboolean) { return convert(ctx, TO_BOOL, false, args, out, err); }
CYFN(cyfn_tobooleanornull) { return convert(ctx, TO_BOOL, true, args, out, err); }
CYFN(cyfn_tointeger) { return convert(ctx, TO_INT, false, args, out, err); }
CYFN(cyfn_tointegerornull) { return convert(ctx, TO_INT, true, args, out, err); }
CYFN(cyfn_tofloat) { return convert(ctx, TO_FLOAT, false, args, out, err); }
CYFN(cyfn_tofloatornull) { return convert(ctx, TO_FLOAT, true, args, out, err); }
CYFN(cyfn_tostring) { return convert(ctx, TO_STRING, false, args, out, err); }
CYFN(cyfn_tostringornull) { return convert(ctx, TO_STRING, true, args, out, err); }
CYFN(cyfn_tobooleanlist) { return convert_list(ctx, TO_BOOL, "toBooleanList", args, out, err); }
CYFN(cyfn_tointegerlist) { return convert_list(ctx, TO_INT, "toIntegerList", args, out, err); }
CYFN(cyfn_tofloatlist) { return convert_list(ctx, TO_FLOAT, "toFloatList", args, out, err); }
CYFN(cyfn_tostringlist) { return convert_list(ctx, TO_STRING, "toStringList", args, out, err); }
