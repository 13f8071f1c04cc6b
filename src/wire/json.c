/* json.c — JSON text to a read-only tree (strict RFC 8259), lookups, and the JSON writer.
 *
 * Owns: the JSON grammar, string escapes, UTF-8 checking, decimal <-> double conversion, the json_doc
 * arena, and the output format of every JSON value quiver writes.
 * Must not: know what any document means (request fields belong to api/), keep state outside a
 * json_doc or a call, or read a byte outside [text, text + len).
 *
 * Decisions a caller may notice:
 *  - Input strings must be valid UTF-8 (RFC 8259 §8.1). An ill-formed sequence inside a string is an
 *    error naming its byte, as is a lone surrogate escape (\uD800 without a following \uDC00-\uDFFF).
 *    The writer, whose input can come from anywhere, replaces each maximal ill-formed subpart with
 *    U+FFFD instead. So json_write_val(json_parse(x)) always re-parses to an identical tree.
 *  - A number too large for a double (1e400) is an error; one too small rounds to zero or a subnormal.
 *  - No BOM, comments, trailing commas, single quotes, NaN or Infinity. Nesting is limited to 512.
 *  - Byte offsets in messages count from 0 at the start of the text.
 *  - strtod/snprintf are used for the rare numbers the fast paths do not cover; they assume the "C"
 *    LC_NUMERIC locale, which holds because quiver never calls setlocale.
 */
#include "wire/json.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 512
#define ARENA_MIN_BLOCK 1024
#define ARENA_MAX_STEP ((size_t)1 << 28)  /* blocks stop doubling at 256 MiB */

/* ---------------------------------------------------------------------------------------------------
 * The arena: a list of blocks; values are bump-allocated and freed all at once. */

typedef struct arena_block {
    struct arena_block *next;
    max_align_t data[];
} arena_block;

struct json_doc {
    arena_block *blocks;
    char *cur, *end;
    size_t next_size;
    json_val *root;
};

static void arena_grow(json_doc *d, size_t need) {
    size_t size = d->next_size > need ? d->next_size : need;
    arena_block *b = qv_malloc(sizeof *b + size);
    b->next = d->blocks;
    d->blocks = b;
    d->cur = (char *)b->data;
    d->end = d->cur + size;
    if (d->next_size < ARENA_MAX_STEP) d->next_size *= 2;
}

static inline void *arena_alloc(json_doc *d, size_t n, size_t align) {
    size_t pad = (size_t)(-(uintptr_t)d->cur) & (align - 1);
    if (pad + n > (size_t)(d->end - d->cur)) {
        arena_grow(d, n + align);
        pad = (size_t)(-(uintptr_t)d->cur) & (align - 1);
    }
    char *p = d->cur + pad;
    d->cur = p + n;
    return p;
}

void json_doc_free(json_doc *doc) {
    if (!doc) return;
    for (arena_block *b = doc->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(doc);
}

json_val *json_doc_root(json_doc *doc) { return doc ? doc->root : NULL; }

/* ---------------------------------------------------------------------------------------------------
 * Byte classes shared by the parser and the writer. */

/* Index of the first byte at or after i that is '"', '\\', below 0x20 or above 0x7f; n if none.
 * Eight bytes at a time: the lowest flagged byte of each test is exact (borrows only run upwards
 * from a true hit), so the lowest bit of the combined mask names the first interesting byte. */
static inline size_t skip_plain(const uint8_t *s, size_t n, size_t i) {
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
        uint64_t m = (((q - ones) & ~q) | ((bs - ones) & ~bs) | ((w - ones * 0x20) & ~w) | w) & high;
        if (m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            return i + (size_t)(__builtin_clzll(m) >> 3);
#else
            return i + (size_t)(__builtin_ctzll(m) >> 3);
#endif
        }
        i += 8;
    }
    while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') i++;
    return i;
}

/* Length of the well-formed UTF-8 sequence at s (n >= 1 bytes readable), or minus the length of its
 * maximal ill-formed subpart (Unicode 15, §3.9, "U+FFFD substitution of maximal subparts"). */
static int utf8_seq(const uint8_t *s, size_t n) {
    uint8_t c = s[0], lo = 0x80, hi = 0xBF;
    int len;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;        /* overlong */
        else if (c == 0xED) hi = 0x9F;   /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;        /* overlong */
        else if (c == 0xF4) hi = 0x8F;   /* above U+10FFFF */
    } else {
        return -1;
    }
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n || s[k] < lo || s[k] > hi) return -k;
        lo = 0x80;
        hi = 0xBF;
    }
    return len;
}

static size_t utf8_put(char *out, uint32_t cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hexval(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The 4 hex digits at s[0..3] (caller checked they are readable), or -1. */
static int32_t hex4(const uint8_t *s) {
    int a = hexval(s[0]), b = hexval(s[1]), c = hexval(s[2]), d = hexval(s[3]);
    if ((a | b | c | d) < 0) return -1;
    return (a << 12) | (b << 8) | (c << 4) | d;
}

static inline bool is_digit(uint8_t c) { return (uint8_t)(c - '0') < 10; }

/* ---------------------------------------------------------------------------------------------------
 * The parser: recursive descent, one json_val per value from the arena; array elements and object
 * members are collected on scratch stacks and copied into the arena when their container closes. */

typedef struct parser {
    const uint8_t *s;
    size_t n, pos;
    json_doc *doc;
    qv_err *err;
    json_val **items;
    size_t nitems, capitems;
    json_member *mems;
    size_t nmems, capmems;
} parser;

static void *fail(parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void *fail(parser *p, size_t at, const char *fmt, ...) {
    char what[QV_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    qv_err_set(p->err, QV_EINVAL, "invalid JSON at byte %zu: %s", at, what);
    return NULL;
}

/* Describes the byte at `at` for an error message ("'x'", "byte 0xc3", "end of input"). */
static const char *found(const parser *p, size_t at, char buf[16]) {
    if (at >= p->n) return "end of input";
    uint8_t c = p->s[at];
    if (c >= 0x20 && c < 0x7f) snprintf(buf, 16, "'%c'", c);
    else snprintf(buf, 16, "byte 0x%02x", c);
    return buf;
}

static inline void skip_ws(parser *p) {
    const uint8_t *s = p->s;
    size_t i = p->pos, n = p->n;
    while (i < n && s[i] <= ' ' && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    p->pos = i;
}

static inline json_val *new_val(parser *p, json_type t) {
    json_val *v = arena_alloc(p->doc, sizeof *v, _Alignof(json_val));
    v->type = t;
    return v;
}

/* Checks the string whose opening quote is at p->pos. On success sets *close to the index of the
 * closing quote, *dlen to the decoded length and *escaped when a second (decoding) pass is needed. */
static int scan_string(parser *p, size_t *close, size_t *dlen, bool *escaped) {
    const uint8_t *s = p->s;
    size_t n = p->n, open = p->pos, i = open + 1, shrink = 0;
    bool esc = false;
    for (;;) {
        i = skip_plain(s, n, i);
        if (i >= n) {
            fail(p, n, "unexpected end of input in the string that starts at byte %zu", open);
            return -1;
        }
        uint8_t c = s[i];
        if (c == '"') break;
        if (c == '\\') {
            esc = true;
            if (i + 1 >= n) {
                fail(p, n, "unexpected end of input in the string that starts at byte %zu", open);
                return -1;
            }
            switch (s[i + 1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                shrink += 1;
                i += 2;
                continue;
            case 'u':
                break;
            default: {
                char fb[16];
                fail(p, i + 1, "invalid escape: a backslash may not be followed by %s", found(p, i + 1, fb));
                return -1;
            }
            }
            int32_t cp = n - i >= 6 ? hex4(s + i + 2) : -1;
            if (cp < 0) {
                fail(p, i, "\\u must be followed by 4 hex digits");
                return -1;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(p, i, "lone low surrogate \\u%04X (it must follow a high surrogate \\uD800-\\uDBFF)",
                     (unsigned)cp);
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int32_t lo = n - i >= 12 && s[i + 6] == '\\' && s[i + 7] == 'u' ? hex4(s + i + 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(p, i, "lone high surrogate \\u%04X (it must be followed by a low surrogate "
                         "\\uDC00-\\uDFFF)", (unsigned)cp);
                    return -1;
                }
                shrink += 12 - 4;
                i += 12;
                continue;
            }
            shrink += 6 - (cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3);
            i += 6;
            continue;
        }
        if (c < 0x20) {
            fail(p, i, "control character 0x%02x in a string must be escaped", c);
            return -1;
        }
        int k = utf8_seq(s + i, n - i);
        if (k < 0) {
            fail(p, i, "invalid UTF-8 in a string (byte 0x%02x)", c);
            return -1;
        }
        i += (size_t)k;
    }
    *close = i;
    *dlen = i - open - 1 - shrink;
    *escaped = esc;
    return 0;
}

/* Decodes the already checked string body s[i..end) into out. */
static void decode_string(const uint8_t *s, size_t i, size_t end, char *out) {
    while (i < end) {
        const uint8_t *bs = memchr(s + i, '\\', end - i);
        size_t run = bs ? (size_t)(bs - s) - i : end - i;
        memcpy(out, s + i, run);
        out += run;
        i += run;
        if (i >= end) break;
        uint8_t e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
            uint32_t cp = (uint32_t)hex4(s + i);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo = (uint32_t)hex4(s + i + 2);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            out += utf8_put(out, cp);
            break;
        }
        default: *out++ = (char)e; break;  /* '"', '\\', '/' */
        }
    }
}

/* Parses the string at p->pos into the arena (NUL-terminated). */
static int parse_string(parser *p, const char **str, size_t *len) {
    size_t close, dlen;
    bool escaped;
    if (scan_string(p, &close, &dlen, &escaped) < 0) return -1;
    char *out = arena_alloc(p->doc, dlen + 1, 1);
    if (escaped) decode_string(p->s, p->pos + 1, close, out);
    else memcpy(out, p->s + p->pos + 1, dlen);
    out[dlen] = 0;
    *str = out;
    *len = dlen;
    p->pos = close + 1;
    return 0;
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Correctly rounded conversion of text[0..len) (already checked against the grammar) by strtod. */
static double slow_strtod(const uint8_t *text, size_t len) {
    char small[64];
    char *t = len < sizeof small ? small : qv_malloc(len + 1);
    memcpy(t, text, len);
    t[len] = 0;
    double d = strtod(t, NULL);
    if (t != small) free(t);
    return d;
}

static json_val *parse_number(parser *p) {
    const uint8_t *s = p->s;
    size_t n = p->n, start = p->pos, i = start;
    char fb[16];
    bool neg = s[i] == '-', integral = true;
    if (neg) i++;
    if (i >= n || !is_digit(s[i])) return fail(p, i, "expected a digit after '-', found %s", found(p, i, fb));
    uint64_t mant = 0;   /* the first 19 significant digits */
    size_t digits = 0;   /* significant digits seen (leading zeros do not count) */
    int64_t frac = 0;    /* digits after the point, i.e. the power of ten to divide by */
    if (s[i] == '0') {
        i++;
        if (i < n && is_digit(s[i])) return fail(p, i - 1, "numbers may not have leading zeros");
    } else {
        while (i < n && is_digit(s[i])) {
            if (digits < 19) mant = mant * 10 + (uint64_t)(s[i] - '0');
            digits++;
            i++;
        }
    }
    if (i < n && s[i] == '.') {
        integral = false;
        i++;
        if (i >= n || !is_digit(s[i])) return fail(p, i, "expected a digit after '.', found %s", found(p, i, fb));
        while (i < n && is_digit(s[i])) {
            if (digits || s[i] != '0') {
                if (digits < 19) mant = mant * 10 + (uint64_t)(s[i] - '0');
                digits++;
            }
            frac++;
            i++;
        }
    }
    int64_t ex = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        integral = false;
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        if (i >= n || !is_digit(s[i]))
            return fail(p, i, "expected a digit in the exponent, found %s", found(p, i, fb));
        while (i < n && is_digit(s[i])) {
            if (ex < 1000000) ex = ex * 10 + (s[i] - '0');
            i++;
        }
        if (eneg) ex = -ex;
    }

    json_val *v = new_val(p, JSON_NUMBER);
    v->num.is_int = false;
    v->num.i = 0;
    if (integral && digits <= 19 && mant <= (uint64_t)INT64_MAX + neg) {
        v->num.is_int = true;
        v->num.i = neg ? (int64_t)(0 - mant) : (int64_t)mant;
    }
    int64_t e10 = ex - frac;
    double d;
    if (mant == 0) {
        d = neg ? -0.0 : 0.0;
    } else if (digits <= 19 && mant <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
        /* Both operands exact: one correctly rounded operation (Clinger's fast path). */
        d = (double)mant;
        if (e10 > 0) d *= pow10_exact[e10];
        else if (e10 < 0) d /= pow10_exact[-e10];
        if (neg) d = -d;
    } else {
        d = slow_strtod(s + start, i - start);
        if (isinf(d)) {
            int shown = i - start > 40 ? 40 : (int)(i - start);
            return fail(p, start, "number %.*s is too large for a double", shown, (const char *)s + start);
        }
    }
    v->num.d = d;
    p->pos = i;
    return v;
}

static json_val *parse_literal(parser *p, const char *word, size_t len) {
    for (size_t k = 0; k < len; k++) {
        size_t at = p->pos + k;
        if (at >= p->n) return fail(p, at, "unexpected end of input in '%s'", word);
        if (p->s[at] != (uint8_t)word[k]) {
            char fb[16];
            return fail(p, at, "expected '%s' (a value), found %s", word, found(p, at, fb));
        }
    }
    p->pos += len;
    json_val *v = new_val(p, word[0] == 'n' ? JSON_NULL : JSON_BOOL);
    v->b = word[0] == 't';
    return v;
}

static void push_item(parser *p, json_val *v) {
    if (p->nitems == p->capitems) {
        p->capitems = p->capitems ? p->capitems * 2 : 64;
        p->items = qv_realloc(p->items, p->capitems * sizeof *p->items);
    }
    p->items[p->nitems++] = v;
}

static void push_member(parser *p, json_member m) {
    if (p->nmems == p->capmems) {
        p->capmems = p->capmems ? p->capmems * 2 : 64;
        p->mems = qv_realloc(p->mems, p->capmems * sizeof *p->mems);
    }
    p->mems[p->nmems++] = m;
}

static json_val *parse_value(parser *p, unsigned depth);

static json_val *parse_array(parser *p, unsigned depth) {
    if (depth > JSON_MAX_DEPTH) return fail(p, p->pos, "arrays and objects nested deeper than %d", JSON_MAX_DEPTH);
    size_t open = p->pos, base = p->nitems;
    char fb[16];
    p->pos++;
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == ']') {
        p->pos++;
    } else {
        for (;;) {
            json_val *item = parse_value(p, depth);
            if (!item) return NULL;
            push_item(p, item);
            skip_ws(p);
            if (p->pos < p->n && p->s[p->pos] == ',') {
                p->pos++;
                skip_ws(p);
                continue;
            }
            if (p->pos < p->n && p->s[p->pos] == ']') {
                p->pos++;
                break;
            }
            return fail(p, p->pos, "expected ',' or ']' after an element of the array that starts at byte %zu, "
                        "found %s", open, found(p, p->pos, fb));
        }
    }
    json_val *v = new_val(p, JSON_ARRAY);
    v->arr.n = p->nitems - base;
    v->arr.items = NULL;
    if (v->arr.n) {
        v->arr.items = arena_alloc(p->doc, v->arr.n * sizeof *v->arr.items, _Alignof(json_val *));
        memcpy(v->arr.items, p->items + base, v->arr.n * sizeof *v->arr.items);
    }
    p->nitems = base;
    return v;
}

static json_val *parse_object(parser *p, unsigned depth) {
    if (depth > JSON_MAX_DEPTH) return fail(p, p->pos, "arrays and objects nested deeper than %d", JSON_MAX_DEPTH);
    size_t open = p->pos, base = p->nmems;
    char fb[16];
    p->pos++;
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == '}') {
        p->pos++;
    } else {
        for (;;) {
            json_member m;
            if (p->pos >= p->n || p->s[p->pos] != '"')
                return fail(p, p->pos, "expected a string key in the object that starts at byte %zu, found %s", open,
                            found(p, p->pos, fb));
            if (parse_string(p, &m.key, &m.key_len) < 0) return NULL;
            skip_ws(p);
            if (p->pos >= p->n || p->s[p->pos] != ':')
                return fail(p, p->pos, "expected ':' after an object key, found %s", found(p, p->pos, fb));
            p->pos++;
            skip_ws(p);
            m.val = parse_value(p, depth);
            if (!m.val) return NULL;
            push_member(p, m);
            skip_ws(p);
            if (p->pos < p->n && p->s[p->pos] == ',') {
                p->pos++;
                skip_ws(p);
                continue;
            }
            if (p->pos < p->n && p->s[p->pos] == '}') {
                p->pos++;
                break;
            }
            return fail(p, p->pos, "expected ',' or '}' after a member of the object that starts at byte %zu, "
                        "found %s", open, found(p, p->pos, fb));
        }
    }
    json_val *v = new_val(p, JSON_OBJECT);
    v->obj.n = p->nmems - base;
    v->obj.members = NULL;
    if (v->obj.n) {
        v->obj.members = arena_alloc(p->doc, v->obj.n * sizeof *v->obj.members, _Alignof(json_member));
        memcpy(v->obj.members, p->mems + base, v->obj.n * sizeof *v->obj.members);
    }
    p->nmems = base;
    return v;
}

static json_val *parse_value(parser *p, unsigned depth) {
    char fb[16];
    if (p->pos >= p->n) return fail(p, p->pos, "unexpected end of input, expected a value");
    switch (p->s[p->pos]) {
    case '{': return parse_object(p, depth + 1);
    case '[': return parse_array(p, depth + 1);
    case '"': {
        json_val *v = new_val(p, JSON_STRING);
        return parse_string(p, &v->str.s, &v->str.len) < 0 ? NULL : v;
    }
    case 't': return parse_literal(p, "true", 4);
    case 'f': return parse_literal(p, "false", 5);
    case 'n': return parse_literal(p, "null", 4);
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        return parse_number(p);
    default:
        return fail(p, p->pos, "expected a value, found %s", found(p, p->pos, fb));
    }
}

json_doc *json_parse(const char *text, size_t len, qv_err *err) {
    json_doc *d = qv_calloc(1, sizeof *d);
    /* Typical documents need 1-3 times their size; later blocks double. */
    d->next_size = len < ARENA_MAX_STEP ? len * 2 : ARENA_MAX_STEP;
    if (d->next_size < ARENA_MIN_BLOCK) d->next_size = ARENA_MIN_BLOCK;
    arena_grow(d, 0);
    parser p = {.s = (const uint8_t *)text, .n = text ? len : 0, .doc = d, .err = err};
    skip_ws(&p);
    json_val *root = parse_value(&p, 0);
    if (root) {
        skip_ws(&p);
        if (p.pos < p.n) {
            char fb[16];
            root = fail(&p, p.pos, "unexpected %s after the JSON value", found(&p, p.pos, fb));
        }
    }
    free(p.items);
    free(p.mems);
    if (!root) {
        json_doc_free(d);
        return NULL;
    }
    d->root = root;
    return d;
}

/* ---------------------------------------------------------------------------------------------------
 * Lookups and comparison. */

json_val *json_get(const json_val *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT || !key) return NULL;
    size_t kl = strlen(key);
    for (size_t k = obj->obj.n; k-- > 0;) {
        const json_member *m = &obj->obj.members[k];
        if (m->key_len == kl && memcmp(m->key, key, kl) == 0) return m->val;
    }
    return NULL;
}

const char *json_get_str(const json_val *obj, const char *key) {
    const json_val *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->str.s : NULL;
}

bool json_is_str(const json_val *v, const char *s) {
    if (!v || v->type != JSON_STRING || !s) return false;
    size_t n = strlen(s);
    return v->str.len == n && memcmp(v->str.s, s, n) == 0;
}

bool json_equal(const json_val *a, const json_val *b) {
    if (!a || !b) return a == b;
    if (a->type != b->type) return false;
    switch (a->type) {
    case JSON_NULL: return true;
    case JSON_BOOL: return a->b == b->b;
    case JSON_NUMBER:
        if (a->num.is_int != b->num.is_int) return false;
        if (a->num.is_int && a->num.i != b->num.i) return false;
        return a->num.d == b->num.d && signbit(a->num.d) == signbit(b->num.d);
    case JSON_STRING: return a->str.len == b->str.len && memcmp(a->str.s, b->str.s, a->str.len) == 0;
    case JSON_ARRAY:
        if (a->arr.n != b->arr.n) return false;
        for (size_t k = 0; k < a->arr.n; k++)
            if (!json_equal(a->arr.items[k], b->arr.items[k])) return false;
        return true;
    case JSON_OBJECT:
        if (a->obj.n != b->obj.n) return false;
        for (size_t k = 0; k < a->obj.n; k++) {
            const json_member *x = &a->obj.members[k], *y = &b->obj.members[k];
            if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) != 0) return false;
            if (!json_equal(x->val, y->val)) return false;
        }
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------------
 * The writer. */

void json_write_str(qv_buf *b, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const uint8_t *s = (const uint8_t *)str;
    qv_buf_reserve(b, n + 2);
    qv_buf_append_byte(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t j = skip_plain(s, n, i);
        qv_buf_append(b, s + i, j - i);
        if (j >= n) break;
        uint8_t c = s[j];
        i = j + 1;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            qv_buf_append(b, e, 2);
        } else if (c < 0x20) {
            const char *esc = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
                            : c == '\f' ? "\\f" : NULL;
            if (esc) {
                qv_buf_append(b, esc, 2);
            } else {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                qv_buf_append(b, u, 6);
            }
        } else {
            int k = utf8_seq(s + j, n - j);
            if (k > 0) {
                qv_buf_append(b, s + j, (size_t)k);
                i = j + (size_t)k;
            } else {
                qv_buf_append(b, "\xEF\xBF\xBD", 3);
                i = j + (size_t)-k;
            }
        }
    }
    qv_buf_append_byte(b, '"');
}

void json_write_cstr(qv_buf *b, const char *s) {
    if (!s) qv_buf_append(b, "null", 4);
    else json_write_str(b, s, strlen(s));
}

void json_write_u64(qv_buf *b, uint64_t v) {
    char t[20];
    size_t k = sizeof t;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    qv_buf_append(b, t + k, sizeof t - k);
}

void json_write_i64(qv_buf *b, int64_t v) {
    if (v < 0) {
        qv_buf_append_byte(b, '-');
        json_write_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        json_write_u64(b, (uint64_t)v);
    }
}

static int format_g(char *t, size_t size, int prec, double v) {
    return snprintf(t, size, "%.*g", prec, v);
}

static bool round_trips(const char *t, double v) { return strtod(t, NULL) == v; }

void json_write_double(qv_buf *b, double v) {
    if (!isfinite(v)) {
        qv_buf_append(b, "null", 4);
        return;
    }
    double a = fabs(v);
    if (a < 1e15 && v == (double)(int64_t)v) {  /* what %.15g would print, without the detour */
        if (v == 0 && signbit(v)) qv_buf_append_byte(b, '-');
        json_write_i64(b, (int64_t)v);
        qv_buf_append(b, ".0", 2);
        return;
    }
    char t[40];
    int len;
    if (a >= DBL_MIN) {
        /* For a normal double, if 15 significant digits round-trip then %.15g (which drops trailing zeros)
         * is already the shortest form: any shorter decimal that round-trips lies within half an ulp,
         * closer than half the 15-digit spacing, so it is the 15-digit rounding. Otherwise 16 or 17. */
        len = format_g(t, sizeof t, 15, v);
        if (!round_trips(t, v)) {
            len = format_g(t, sizeof t, 16, v);
            if (!round_trips(t, v)) len = format_g(t, sizeof t, 17, v);
        }
    } else {
        /* Subnormals: an ulp is relatively large, so search for the fewest digits that round-trip
         * (a nearer p+1-digit decimal always exists, so "round-trips" is monotone in p). */
        int lo = 1, hi = 17;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            format_g(t, sizeof t, mid, v);
            if (round_trips(t, v)) hi = mid;
            else lo = mid + 1;
        }
        len = format_g(t, sizeof t, lo, v);
    }
    qv_buf_append(b, t, (size_t)len);
    if (!memchr(t, '.', (size_t)len) && !memchr(t, 'e', (size_t)len)) qv_buf_append(b, ".0", 2);
}

void json_write_bool(qv_buf *b, bool v) {
    if (v) qv_buf_append(b, "true", 4);
    else qv_buf_append(b, "false", 5);
}

void json_write_val(qv_buf *b, const json_val *v) {
    if (!v) {
        qv_buf_append(b, "null", 4);
        return;
    }
    switch (v->type) {
    case JSON_NULL: qv_buf_append(b, "null", 4); break;
    case JSON_BOOL: json_write_bool(b, v->b); break;
    case JSON_NUMBER:
        if (!v->num.is_int) json_write_double(b, v->num.d);
        else if (v->num.i == 0 && signbit(v->num.d)) qv_buf_append(b, "-0", 2);
        else json_write_i64(b, v->num.i);
        break;
    case JSON_STRING: json_write_str(b, v->str.s, v->str.len); break;
    case JSON_ARRAY:
        qv_buf_append_byte(b, '[');
        for (size_t k = 0; k < v->arr.n; k++) {
            if (k) qv_buf_append_byte(b, ',');
            json_write_val(b, v->arr.items[k]);
        }
        qv_buf_append_byte(b, ']');
        break;
    case JSON_OBJECT:
        qv_buf_append_byte(b, '{');
        for (size_t k = 0; k < v->obj.n; k++) {
            if (k) qv_buf_append_byte(b, ',');
            json_write_str(b, v->obj.members[k].key, v->obj.members[k].key_len);
            qv_buf_append_byte(b, ':');
            json_write_val(b, v->obj.members[k].val);
        }
        qv_buf_append_byte(b, '}');
        break;
    }
}
