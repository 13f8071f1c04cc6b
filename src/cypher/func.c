/* func.c — the scalar function registry: the core table, case-insensitive lookup over the core and
 * temporal tables, aggregate names, and the helpers every func_*.c uses for errors and UTF-8.
 *
 * Owns: which names exist and their arities. Must not: implement functions (func_*.c do), keep mutable
 * state (lookups scan the constant tables; they run once per call site at planning time).
 */
#include "cypher/func_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const cy_fn cy_fns_core[] = {
    /* string */
    {"toUpper", 1, 1, true, cyfn_toupper},
    {"toLower", 1, 1, true, cyfn_tolower},
    {"upper", 1, 1, true, cyfn_toupper},
    {"lower", 1, 1, true, cyfn_tolower},
    {"trim", 1, 1, true, cyfn_trim},
    {"lTrim", 1, 1, true, cyfn_ltrim},
    {"rTrim", 1, 1, true, cyfn_rtrim},
    {"replace", 3, 3, true, cyfn_replace},
    {"substring", 2, 3, true, cyfn_substring},
    {"left", 2, 2, true, cyfn_left},
    {"right", 2, 2, true, cyfn_right},
    {"split", 2, 2, true, cyfn_split},
    /* math */
    {"abs", 1, 1, true, cyfn_abs},
    {"ceil", 1, 1, true, cyfn_ceil},
    {"floor", 1, 1, true, cyfn_floor},
    {"round", 1, 3, true, cyfn_round},
    {"sign", 1, 1, true, cyfn_sign},
    {"rand", 0, 0, false, cyfn_rand},
    {"sqrt", 1, 1, true, cyfn_sqrt},
    {"exp", 1, 1, true, cyfn_exp},
    {"log", 1, 1, true, cyfn_log},
    {"log10", 1, 1, true, cyfn_log10},
    {"e", 0, 0, true, cyfn_e},
    {"pi", 0, 0, true, cyfn_pi},
    {"sin", 1, 1, true, cyfn_sin},
    {"cos", 1, 1, true, cyfn_cos},
    {"tan", 1, 1, true, cyfn_tan},
    {"cot", 1, 1, true, cyfn_cot},
    {"asin", 1, 1, true, cyfn_asin},
    {"acos", 1, 1, true, cyfn_acos},
    {"atan", 1, 1, true, cyfn_atan},
    {"atan2", 2, 2, true, cyfn_atan2},
    {"degrees", 1, 1, true, cyfn_degrees},
    {"radians", 1, 1, true, cyfn_radians},
    {"haversin", 1, 1, true, cyfn_haversin},
    /* lists */
    {"size", 1, 1, true, cyfn_size},
    {"head", 1, 1, true, cyfn_head},
    {"last", 1, 1, true, cyfn_last},
    {"tail", 1, 1, true, cyfn_tail},
    {"range", 2, 3, true, cyfn_range},
    {"reverse", 1, 1, true, cyfn_reverse},
    {"coalesce", 1, -1, true, cyfn_coalesce},
    {"isEmpty", 1, 1, true, cyfn_isempty},
    /* conversion */
    {"toBoolean", 1, 1, true, cyfn_toboolean},
    {"toBooleanOrNull", 1, 1, true, cyfn_tobooleanornull},
    {"toInteger", 1, 1, true, cyfn_tointeger},
    {"toIntegerOrNull", 1, 1, true, cyfn_tointegerornull},
    {"toFloat", 1, 1, true, cyfn_tofloat},
    {"toFloatOrNull", 1, 1, true, cyfn_tofloatornull},
    {"toString", 1, 1, true, cyfn_tostring},
    {"toStringOrNull", 1, 1, true, cyfn_tostringornull},
    {"toBooleanList", 1, 1, true, cyfn_tobooleanlist},
    {"toIntegerList", 1, 1, true, cyfn_tointegerlist},
    {"toFloatList", 1, 1, true, cyfn_tofloatlist},
    {"toStringList", 1, 1, true, cyfn_tostringlist},
    /* entities and paths */
    {"labels", 1, 1, true, cyfn_labels},
    {"type", 1, 1, true, cyfn_type},
    {"id", 1, 1, true, cyfn_id},
    {"elementId", 1, 1, true, cyfn_id},
    {"properties", 1, 1, true, cyfn_properties},
    {"keys", 1, 1, true, cyfn_keys},
    {"startNode", 1, 1, true, cyfn_startnode},
    {"endNode", 1, 1, true, cyfn_endnode},
    {"nodes", 1, 1, true, cyfn_nodes},
    {"relationships", 1, 1, true, cyfn_relationships},
    {"length", 1, 1, true, cyfn_length},
    {"timestamp", 0, 0, false, cyfn_timestamp},
    /* Neptune */
    {"removeKeyFromMap", 2, 2, true, cyfn_removekeyfrommap},
    {"join", 2, 2, true, cyfn_join},
};
const size_t cy_fns_core_n = sizeof cy_fns_core / sizeof cy_fns_core[0];

static bool name_is(const char *canon, const char *name, size_t len) {
    return strlen(canon) == len && strncasecmp(canon, name, len) == 0;
}

const cy_fn *cy_fn_find(const char *name, size_t len) {
    for (size_t i = 0; i < cy_fns_core_n; i++)
        if (name_is(cy_fns_core[i].name, name, len)) return &cy_fns_core[i];
    for (size_t i = 0; i < cy_fns_temporal_n; i++)
        if (name_is(cy_fns_temporal[i].name, name, len)) return &cy_fns_temporal[i];
    return NULL;
}

bool cy_fn_is_aggregate(const char *name, size_t len) {
    static const char *const aggs[] = {"count", "sum", "avg", "min", "max", "collect",
                                       "stDev", "stDevP", "percentileCont", "percentileDisc"};
    for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++)
        if (name_is(aggs[i], name, len)) return true;
    return false;
}

/* ---- shared helpers ---- */
int cyfn_fail(cy_fnctx *ctx, cy_error *err, cy_errclass cls, const char *detail, const char *fmt, ...) {
    if (!err) return -1;
    err->cls = cls;
    err->phase = CY_PHASE_RUNTIME;
    err->detail = detail;
    err->offset = ctx ? ctx->pos : -1;
    err->line = err->column = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int cyfn_type_err(cy_fnctx *ctx, cy_error *err, const char *fn, uint32_t argi, qval got, const char *want) {
    return cyfn_fail(ctx, err, CYE_TYPE, "InvalidArgumentType", "%s(): argument %u must be %s, got %s", fn,
                     argi + 1, want, qv_type_name((qtype)got.type));
}

int cyfn_value_err(cy_fnctx *ctx, cy_error *err, const char *fn, uint32_t argi, qval got, const char *want) {
    return cyfn_fail(ctx, err, CYE_TYPE, "InvalidArgumentValue", "%s(): argument %u must be %s, got %s", fn,
                     argi + 1, want, qv_type_name((qtype)got.type));
}

uint32_t cyfn_u8next(const char *s, uint32_t n, uint32_t *i) {
    const unsigned char *u = (const unsigned char *)s;
    uint32_t p = *i, l = cyfn_u8len(u[p]);
    if (p + l > n) l = 1;
    for (uint32_t k = 1; k < l; k++)
        if ((u[p + k] & 0xC0) != 0x80) { l = 1; break; }
    uint32_t cp;
    switch (l) {
    case 2: cp = ((uint32_t)(u[p] & 0x1F) << 6) | (u[p + 1] & 0x3F); break;
    case 3: cp = ((uint32_t)(u[p] & 0x0F) << 12) | ((uint32_t)(u[p + 1] & 0x3F) << 6) | (u[p + 2] & 0x3F); break;
    case 4:
        cp = ((uint32_t)(u[p] & 0x07) << 18) | ((uint32_t)(u[p + 1] & 0x3F) << 12) |
             ((uint32_t)(u[p + 2] & 0x3F) << 6) | (u[p + 3] & 0x3F);
        break;
    default: cp = u[p]; l = 1; break;
    }
    *i = p + l;
    return cp;
}

uint32_t cyfn_u8count(const char *s, uint32_t n) {
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; c++) cyfn_u8next(s, n, &i);
    return c;
}

uint32_t cyfn_u8offset(const char *s, uint32_t n, uint64_t k) {
    uint32_t i = 0;
    for (uint64_t c = 0; c < k && i < n; c++) cyfn_u8next(s, n, &i);
    return i;
}

uint32_t cyfn_u8put(char *p, uint32_t cp) {
    unsigned char *u = (unsigned char *)p;
    if (cp < 0x80) { u[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { u[0] = (unsigned char)(0xC0 | (cp >> 6)); u[1] = (unsigned char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (unsigned char)(0xF0 | (cp >> 18));
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
