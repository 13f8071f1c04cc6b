/* func_int.h — what the function library's files share: the implementations the core table lists,
 * error helpers that fill cy_error the same way everywhere, and UTF-8 stepping.
 *
 * Owns: the internal interface between func.c (registry) and func_*.c. Must not: be included outside
 * src/cypher/func*.c.
 */
#ifndef QV_CYPHER_FUNC_INT_H
#define QV_CYPHER_FUNC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cypher/func.h"

#define CYFN(name) int name(cy_fnctx *ctx, const qval *args, uint32_t nargs, qval *out, cy_error *err)

/* Fills err as a runtime error at the call's position; returns -1. */
int cyfn_fail(cy_fnctx *ctx, cy_error *err, cy_errclass cls, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* "fn(): argument n must be <want>, got <type>" as TypeError InvalidArgumentType. */
int cyfn_type_err(cy_fnctx *ctx, cy_error *err, const char *fn, uint32_t argi, qval got, const char *want);
/* The same as TypeError InvalidArgumentValue (openCypher's error for conversion and entity functions). */
int cyfn_value_err(cy_fnctx *ctx, cy_error *err, const char *fn, uint32_t argi, qval got, const char *want);

/* UTF-8: length of the sequence starting with byte c (1 for invalid lead bytes, which count as one
 * character each), the next code point at s[*i] (advancing *i), and the number of code points. */
static inline uint32_t cyfn_u8len(unsigned char c) {
    return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}
uint32_t cyfn_u8next(const char *s, uint32_t n, uint32_t *i);
uint32_t cyfn_u8count(const char *s, uint32_t n);
/* Byte offset of code point k (n when k is past the end). */
uint32_t cyfn_u8offset(const char *s, uint32_t n, uint64_t k);
/* Appends code point cp as UTF-8 at p; returns the bytes written (1..4). */
uint32_t cyfn_u8put(char *p, uint32_t cp);

/* string */
CYFN(cyfn_toupper); CYFN(cyfn_tolower); CYFN(cyfn_trim); CYFN(cyfn_ltrim); CYFN(cyfn_rtrim);
CYFN(cyfn_replace); CYFN(cyfn_substring); CYFN(cyfn_left); CYFN(cyfn_right); CYFN(cyfn_split);
/* math */
CYFN(cyfn_abs); CYFN(cyfn_ceil); CYFN(cyfn_floor); CYFN(cyfn_round); CYFN(cyfn_sign); CYFN(cyfn_rand);
CYFN(cyfn_sqrt); CYFN(cyfn_exp); CYFN(cyfn_log); CYFN(cyfn_log10); CYFN(cyfn_e); CYFN(cyfn_pi);
CYFN(cyfn_sin); CYFN(cyfn_cos); CYFN(cyfn_tan); CYFN(cyfn_cot); CYFN(cyfn_asin); CYFN(cyfn_acos);
CYFN(cyfn_atan); CYFN(cyfn_atan2); CYFN(cyfn_degrees); CYFN(cyfn_radians); CYFN(cyfn_haversin);
CYFN(cyfn_isnan); CYFN(cyfn_randomuuid);
/* list */
CYFN(cyfn_size); CYFN(cyfn_head); CYFN(cyfn_last); CYFN(cyfn_tail); CYFN(cyfn_range); CYFN(cyfn_reverse);
CYFN(cyfn_coalesce); CYFN(cyfn_isempty);
/* conversion */
CYFN(cyfn_toboolean); CYFN(cyfn_tobooleanornull); CYFN(cyfn_tointeger); CYFN(cyfn_tointegerornull);
CYFN(cyfn_tofloat); CYFN(cyfn_tofloatornull); CYFN(cyfn_tostring); CYFN(cyfn_tostringornull);
CYFN(cyfn_tobooleanlist); CYFN(cyfn_tointegerlist); CYFN(cyfn_tofloatlist); CYFN(cyfn_tostringlist);
/* entity and path */
CYFN(cyfn_labels); CYFN(cyfn_type); CYFN(cyfn_id); CYFN(cyfn_properties); CYFN(cyfn_keys);
CYFN(cyfn_startnode); CYFN(cyfn_endnode); CYFN(cyfn_nodes); CYFN(cyfn_relationships); CYFN(cyfn_length);
CYFN(cyfn_timestamp);
/* Neptune */
CYFN(cyfn_removekeyfrommap); CYFN(cyfn_join);

#endif
