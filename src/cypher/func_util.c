/* func_util.c — what every func_*.c shares: filling runtime errors at the call's position, and UTF-8
 * stepping (strings are measured and cut in code points).
 *
 * Owns: the error wording of argument checks. Must not: know any particular function, or the registry
 * (so the implementations link without the tables of func.c).
 */
#include "cypher/func_int.h"

#include <stdarg.h>
#include <stdio.h>

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
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
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
