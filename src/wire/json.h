/* json.h — JSON parsing into a tree, and a streaming JSON writer.
 *
 * Owns: the JSON syntax (RFC 8259). The parser builds a read-only tree in one arena owned by a json_doc;
 * every value, string and array lives until json_doc_free. Strings are decoded (escapes, \uXXXX with
 * surrogate pairs) to UTF-8 and NUL-terminated (they may also contain NUL: use len). Strings in the text
 * must be valid UTF-8 and surrogate escapes must pair up; anything else is an error. Numbers keep both a
 * double and, when the text is an integer that fits, an exact int64; a number beyond the double range
 * is an error. Errors give the 0-based byte offset.
 * The writer appends to a qv_buf and escapes strings; it does not check nesting (callers are code, not
 * users). Nothing here knows what the JSON means.
 */
#ifndef QV_JSON_H
#define QV_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

typedef enum { JSON_NULL = 0, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_val json_val;
typedef struct json_member {
    const char *key;
    size_t key_len;
    json_val *val;
} json_member;

struct json_val {
    json_type type;
    union {
        bool b;
        struct {
            double d;
            int64_t i;      /* valid when is_int */
            bool is_int;    /* the text had no fraction/exponent and fits in int64 */
        } num;
        struct {
            const char *s;
            size_t len;
        } str;
        struct {
            json_val **items;
            size_t n;
        } arr;
        struct {
            json_member *members;  /* in document order; duplicate keys are kept, lookups see the last */
            size_t n;
        } obj;
    };
};

typedef struct json_doc json_doc;

/* Parses exactly one JSON value (surrounding whitespace allowed). Depth is limited to 512.
 * On error returns NULL and sets err (QV_EINVAL, "invalid JSON at byte N: ..."). */
json_doc *json_parse(const char *text, size_t len, qv_err *err);
json_val *json_doc_root(json_doc *doc);
void json_doc_free(json_doc *doc);

/* Lookups; NULL when absent or the wrong type. */
json_val *json_get(const json_val *obj, const char *key);
const char *json_get_str(const json_val *obj, const char *key);  /* NULL unless a string */
bool json_is_str(const json_val *v, const char *s);               /* string equal to s */
/* Identical trees: same types, members in the same order (duplicates included), equal strings, and
 * numbers with the same is_int, int64 and double (the sign of zero counts). */
bool json_equal(const json_val *a, const json_val *b);

/* Writer. */
void json_write_str(qv_buf *b, const char *s, size_t n);   /* quoted and escaped; invalid UTF-8 -> U+FFFD */
void json_write_cstr(qv_buf *b, const char *s);            /* NULL is written as null */
void json_write_i64(qv_buf *b, int64_t v);
void json_write_u64(qv_buf *b, uint64_t v);
/* Shortest form that reads back to the same double; integral values keep ".0" (1.0, -0.0) so they stay
 * doubles for the reader; NaN and infinities are written as null. */
void json_write_double(qv_buf *b, double v);
void json_write_bool(qv_buf *b, bool v);
/* Re-serialises a parsed value compactly: integers as integers (-0 kept), other numbers as doubles.
 * Parsing the output gives a tree json_equal to v. */
void json_write_val(qv_buf *b, const json_val *v);

#endif
