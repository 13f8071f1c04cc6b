/* qjson_read.c — JSON text read straight into openCypher values (see qjson.h): the request bodies and
 * `parameters` of the Neptune APIs. One pass per level of text, no intermediate tree: objects become maps
 * and arrays lists as their brackets close, strings are decoded once into the arena, or in place when the
 * text itself lives in the arena (a `parameters` string taken from the body), where strings without
 * escapes are then used as they lie. The grammar is RFC 8259's, checked as strictly as wire/json.c does
 * (UTF-8, escapes and surrogate pairs, leading zeros, numbers beyond the double range) with the same
 * "invalid JSON at byte N" errors; depth is limited to 512. qjson_read_body also reads a `parameters`
 * string that holds an object straight from its escaped bytes, in the same pass (a fast path that gives up
 * on anything unusual, the string then being read the ordinary way).
 * Must not: keep pointers into text it was not allowed to write (in place only when told so); accept in
 * the fast path anything the ordinary way would read differently or refuse.
 */
#include "api/common/qjson.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_MAX_DEPTH 512
#define TEMPLATE_MAX 32   /* keys remembered from the last nested object */

typedef struct reader {
    uint8_t *s;            /* the text; written only when in_place */
    const uint8_t *cs;
    size_t n, pos;
    bool in_place;
    uint8_t *area;         /* not in place: the decoded strings, one after the other (they fit in n + 8 bytes) */
    size_t area_len;
    qv_arena *a;
    qv_err *err;
    qval *vals;            /* open containers' elements, innermost last */
    size_t nvals, capvals;
    qmapent *ents;
    size_t nents, capents;
    const char *nested_key;   /* qjson_read_body: the top-level member whose string is read as JSON */
    size_t nested_klen;
    /* nested objects: the raw spans of the open objects' keys (innermost last), and the keys of the last
     * object read, so the rows of a batch, which repeat the same keys, find each key with one compare */
    struct keyspan { size_t off; uint32_t len; } *spans;
    size_t nspans, capspans;
    struct tplkey { size_t off; uint32_t rawlen, klen; const char *key; } tpl[TEMPLATE_MAX];
    uint32_t ntpl;            /* 0: no template; its keys are distinct */
    uint32_t tpl_gen;         /* changes whenever the template does (an object's inner objects may change it) */
} reader;

static int fail(reader *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(reader *r, size_t at, const char *fmt, ...) {
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return qv_err_set(r->err, QV_EINVAL, "invalid JSON at byte %zu: %s", at, what);
}

static const char *found(const reader *r, size_t at, char buf[16]) {
    if (at >= r->n) return "end of input";
    uint8_t c = r->cs[at];
    if (c >= 0x20 && c < 0x7f) snprintf(buf, 16, "'%c'", c);
    else snprintf(buf, 16, "byte 0x%02x", c);
    return buf;
}

static inline void skip_ws(reader *r) {
    const uint8_t *s = r->cs;
    size_t i = r->pos;
    while (i < r->n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    r->pos = i;
}

/* ---- strings ---------------------------------------------------------------------------------------- */

/* Bit 7 of each byte of w that is '"', '\\', a control byte or a non-ASCII byte. In each test the lowest
 * flagged byte is exact (borrows only run upwards), so the lowest set bit of the union is the first one. */
static inline uint64_t special_bytes(uint64_t w) {
    const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
    uint64_t q = w ^ (lo * '"'), b = w ^ (lo * '\\');
    return (((q - lo) & ~q) | ((b - lo) & ~b) | ((w - lo * 0x20) & ~w) | w) & hi;
}

static inline unsigned first_byte(uint64_t m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (unsigned)__builtin_clzll(m) >> 3;
#else
    return (unsigned)__builtin_ctzll(m) >> 3;
#endif
}

/* Length of the well-formed UTF-8 sequence at s (n bytes readable), or 0. */
static int utf8_len(const uint8_t *s, size_t n) {
    uint8_t c = s[0], min = 0x80, max = 0xBF;
    int len;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, min = c == 0xE0 ? 0xA0 : 0x80, max = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, min = c == 0xF0 ? 0x90 : 0x80, max = c == 0xF4 ? 0x8F : 0xBF;
    else return 0;
    if (n < (size_t)len || s[1] < min || s[1] > max) return 0;
    for (int k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF) return 0;
    return len;
}

static int hex4(const uint8_t *s) {
    int v = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t utf8_put(uint8_t *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads the string whose quote is at r->pos in one pass: checks it and decodes it into dst, which is
 * either the text itself (in place: the output never overtakes the input; bytes before the first escape
 * are not even moved) or r->area. NUL-terminates it and leaves r->pos after the closing quote. */
static int read_string(reader *r, const char **out, uint32_t *len) {
    const uint8_t *s = r->cs;
    size_t n = r->n, open = r->pos, i = open + 1;
    uint8_t *dst = r->in_place ? r->s + i : r->area + r->area_len, *o = dst;
    bool moved = !r->in_place;   /* o != s + i: bytes must be copied */
    char fb[16];
    for (;;) {
        /* the plain bytes, 8 at a time */
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            uint64_t m = special_bytes(w);
            if (!m) {
                if (moved) memcpy(o, &w, 8);
                o += 8;
                i += 8;
                continue;
            }
            unsigned k = first_byte(m);
            if (moved) {
                if (!r->in_place) memcpy(o, &w, 8);   /* r->area has room past any output */
                else for (unsigned x = 0; x < k; x++) o[x] = s[i + x];
            }
            o += k;
            i += k;
            break;
        }
        while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') {
            if (moved) *o = s[i];
            o++;
            i++;
        }
        if (i >= n) return fail(r, n, "unexpected end of input in the string that starts at byte %zu", open);
        uint8_t c = s[i];
        if (c == '"') break;
        if (c == '\\') {
            if (i + 1 >= n) return fail(r, n, "unexpected end of input in the string that starts at byte %zu", open);
            uint8_t e = s[i + 1], d;
            switch (e) {
            case '"': case '\\': case '/': d = e; break;
            case 'b': d = '\b'; break;
            case 'f': d = '\f'; break;
            case 'n': d = '\n'; break;
            case 'r': d = '\r'; break;
            case 't': d = '\t'; break;
            case 'u': d = 0; break;
            default: return fail(r, i + 1, "invalid escape: a backslash may not be followed by %s", found(r, i + 1, fb));
            }
            moved = true;
            if (e != 'u') {
                *o++ = d;
                i += 2;
                continue;
            }
            int cp = n - i >= 6 ? hex4(s + i + 2) : -1;
            if (cp < 0) return fail(r, i, "\\u must be followed by 4 hex digits");
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail(r, i, "lone low surrogate \\u%04X (it must follow a high surrogate \\uD800-\\uDBFF)", (unsigned)cp);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo = n - i >= 12 && s[i + 6] == '\\' && s[i + 7] == 'u' ? hex4(s + i + 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(r, i, "lone high surrogate \\u%04X (it must be followed by a low surrogate \\uDC00-\\uDFFF)",
                                (unsigned)cp);
                o += utf8_put(o, 0x10000 + (((uint32_t)cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00));
                i += 12;
            } else {
                o += utf8_put(o, (uint32_t)cp);
                i += 6;
            }
            continue;
        }
        if (c < 0x20) return fail(r, i, "control character 0x%02x in a string must be escaped", c);
        int k = utf8_len(s + i, n - i);
        if (!k) return fail(r, i, "invalid UTF-8 in a string (byte 0x%02x)", c);
        if (moved) memmove(o, s + i, (size_t)k);
        o += k;
        i += (size_t)k;
    }
    size_t dlen = (size_t)(o - dst);
    if (dlen > UINT32_MAX) return fail(r, open, "a string of more than 4 GiB");
    *o = 0;   /* in place: at most the closing quote */
    if (!r->in_place) r->area_len += dlen + 1;
    *out = (const char *)dst;
    *len = (uint32_t)dlen;
    r->pos = i + 1;
    return 0;
}

/* ---- numbers ---------------------------------------------------------------------------------------- */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define EIGHT_AT_ONCE 0
#else
#define EIGHT_AT_ONCE 1   /* the first character is the lowest byte of a loaded word */
#endif

/* The number of ASCII digits w starts with (little-endian loads: the first character is the lowest byte):
 * a byte is a digit when its high nibble is 3 and adding 6 leaves it there. Bytes after the first
 * non-digit may be disturbed by a carry; they are not looked at. */
static inline unsigned leading_digits(uint64_t w) {
    uint64_t x = ((w & 0xF0F0F0F0F0F0F0F0ull) | (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) ^
                 0x3333333333333333ull;
    return x ? (unsigned)__builtin_ctzll(x) >> 3 : 8;
}

/* The value of the first k (1..8) digits of w: they are moved to the top and '0's put in front. */
static inline uint32_t digits_value(uint64_t w, unsigned k) {
    if (k < 8) w = (w << (64 - 8 * k)) | (0x3030303030303030ull >> (8 * k));
    const uint64_t mask = 0x000000FF000000FFull, mul1 = 100 + (1000000ull << 32), mul2 = 1 + (10000ull << 32);
    w -= 0x3030303030303030ull;
    w = w * 10 + (w >> 8);   /* pairs of digits */
    return (uint32_t)((((w & mask) * mul1) + (((w >> 16) & mask) * mul2)) >> 32);
}

static const uint32_t pow10_u32[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

/* Adds the digits at s[*i] to the mantissa up to 8 at a time, while it keeps at most 19 digits; the
 * caller's byte loop takes what is left. frac, when given, counts them as fraction digits. */
static inline void digit_groups(const uint8_t *s, size_t n, size_t *i, uint64_t *mant, int *digits, int *frac) {
    if (!EIGHT_AT_ONCE) return;
    while (n - *i >= 8) {
        uint64_t w;
        memcpy(&w, s + *i, 8);
        unsigned k = leading_digits(w);
        if (k == 0 || *digits + (int)k > 19) return;
        *mant = *mant * pow10_u32[k] + digits_value(w, k);
        *i += k;
        *digits += (int)k;
        if (frac) *frac += (int)k;
        if (k < 8) return;
    }
}

static int read_number(reader *r, qval *out) {
    const uint8_t *s = r->cs;
    size_t n = r->n, start = r->pos, i = start;
    char fb[16];
    bool neg = s[i] == '-', integral = true;
    if (neg) i++;
    if (i >= n || s[i] < '0' || s[i] > '9') return fail(r, i, "expected a digit after '-', found %s", found(r, i, fb));
    uint64_t mant = 0;   /* the first 19 significant digits */
    int digits = 0, frac = 0;
    if (s[i] == '0') {
        i++;
        if (i < n && s[i] >= '0' && s[i] <= '9') return fail(r, i - 1, "numbers may not have leading zeros");
    } else {
        digit_groups(s, n, &i, &mant, &digits, NULL);
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
            if (digits < 19) mant = mant * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        integral = false;
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9') return fail(r, i, "expected a digit after '.', found %s", found(r, i, fb));
        if (digits) digit_groups(s, n, &i, &mant, &digits, &frac);   /* not while leading zeros are skipped */
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (digits || s[i] != '0') {
                if (digits < 19) mant = mant * 10 + (uint64_t)(s[i] - '0');
                digits++;
            }
            if (frac < 1000000) frac++;
        }
    }
    int ex = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        integral = false;
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        if (i >= n || s[i] < '0' || s[i] > '9') return fail(r, i, "expected a digit in the exponent, found %s", found(r, i, fb));
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (ex < 1000000) ex = ex * 10 + (s[i] - '0');
        if (eneg) ex = -ex;
    }
    r->pos = i;
    if (integral && digits <= 19 && mant <= (uint64_t)INT64_MAX + neg) {
        *out = qv_int(neg ? (int64_t)(0 - mant) : (int64_t)mant);
        return 0;
    }
    int e10 = ex - frac;
    double d;
    if (mant == 0) {
        d = 0.0;
    } else if (digits <= 19 && mant <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
        d = (double)mant;   /* both operands exact: one correctly rounded operation */
        if (e10 > 0) d *= pow10_exact[e10];
        else if (e10 < 0) d /= pow10_exact[-e10];
    } else {
        size_t len = i - start;
        char small[64];
        char *t = len < sizeof small ? small : qv_malloc(len + 1);
        memcpy(t, s + start, len);
        t[len] = 0;
        d = fabs(strtod(t, NULL));
        if (t != small) free(t);
        if (isinf(d)) {
            int shown = len > 40 ? 40 : (int)len;
            return fail(r, start, "number %.*s is too large for a double", shown, (const char *)s + start);
        }
    }
    *out = qv_float(neg ? -d : d);
    return 0;
}

/* ---- containers ------------------------------------------------------------------------------------- */

static __attribute__((noinline)) void grow(void **p, size_t *cap, size_t size) {
    *cap = *cap ? *cap * 2 : 64;
    *p = qv_realloc(*p, *cap * size);
}

static inline void push_val(reader *r, qval v) {
    if (r->nvals == r->capvals) grow((void **)&r->vals, &r->capvals, sizeof *r->vals);
    r->vals[r->nvals++] = v;
}

static inline void push_ent(reader *r, const char *key, uint32_t klen, qval v) {
    if (r->nents == r->capents) grow((void **)&r->ents, &r->capents, sizeof *r->ents);
    r->ents[r->nents++] = (qmapent){.key = key, .klen = klen, .v = v};
}

static uint64_t key_hash(const char *k, uint32_t n) {
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < n; i++) h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
    return h;
}

/* Folds duplicate keys of e[0..n) as the tree parser's maps do (the first position, the last value);
 * returns the new count. Quadratic for the usual handful of keys, hashed beyond. */
static size_t dedupe(qmapent *e, size_t n) {
    size_t k = 0;
    if (n <= 16) {
        uint64_t seen = 0;   /* a bit per (length, first and last byte): a new bit means a new key */
        for (size_t i = 0; i < n; i++) {
            uint32_t kl = e[i].klen;
            uint64_t bit = 1ull << ((kl * 7u + (uint8_t)e[i].key[0] + (kl ? (uint8_t)e[i].key[kl - 1] * 3u : 0)) & 63);
            if (!(seen & bit)) {
                seen |= bit;
                e[k++] = e[i];
                continue;
            }
            size_t j = 0;
            while (j < k && (e[j].klen != e[i].klen || memcmp(e[j].key, e[i].key, e[i].klen) != 0)) j++;
            if (j < k) e[j].v = e[i].v;
            else e[k++] = e[i];
        }
        return k;
    }
    size_t cap = 32;
    while (cap < n * 2) cap *= 2;
    uint32_t *slot = qv_calloc(cap, sizeof *slot);   /* index + 1 into the kept entries */
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)key_hash(e[i].key, e[i].klen) & (cap - 1);
        while (slot[h]) {
            qmapent *x = &e[slot[h] - 1];
            if (x->klen == e[i].klen && memcmp(x->key, e[i].key, e[i].klen) == 0) break;
            h = (h + 1) & (cap - 1);
        }
        if (slot[h]) {
            e[slot[h] - 1].v = e[i].v;
        } else {
            e[k] = e[i];
            slot[h] = (uint32_t)++k;
        }
    }
    free(slot);
    return k;
}

/* The elements pushed since base become the array (or the members the map) that opened at byte open. */
static int close_array(reader *r, size_t open, size_t base, qval *out) {
    size_t cnt = r->nvals - base;
    if (cnt > UINT32_MAX) return fail(r, open, "an array of more than 2^32 elements");
    qval *items = qv_arena_alloc(r->a, sizeof(qval) * (cnt ? cnt : 1));
    if (cnt) memcpy(items, r->vals + base, cnt * sizeof(qval));
    r->nvals = base;
    *out = qv_list_ref(items, (uint32_t)cnt);
    return 0;
}

/* cnt: the members left once duplicates are folded. */
static int close_object_as(reader *r, size_t open, size_t base, size_t cnt, qval *out) {
    if (cnt > UINT32_MAX) return fail(r, open, "an object of more than 2^32 members");
    qmapent *ents = qv_arena_alloc(r->a, sizeof(qmapent) * (cnt ? cnt : 1));
    if (cnt) memcpy(ents, r->ents + base, cnt * sizeof(qmapent));
    r->nents = base;
    *out = qv_map_ref(ents, (uint32_t)cnt);
    return 0;
}

static int close_object(reader *r, size_t open, size_t base, qval *out) {
    return close_object_as(r, open, base, r->nents > base ? dedupe(r->ents + base, r->nents - base) : 0, out);
}

static int read_value(reader *r, unsigned depth, qval *out);

/* ---- a JSON text held in a JSON string, read from its escaped bytes --------------------------------- */

/* Nodestream and the SDKs send `parameters` as a JSON string holding a JSON object (json.dumps text, where
 * every quote of the inner text is written \"). These functions read that inner text straight from the
 * outer string's bytes, in the same pass as the body: no decoded copy of the whole text is made first.
 * They are the fast path only. They handle what JSON writers produce (\" and \\ around and inside inner
 * strings, \n \r \t as inner whitespace, \uXXXX escapes of non-ASCII characters at either level, raw
 * UTF-8) and give up, returning -1 without a message, on anything else, valid or not: the caller then
 * reads the string the ordinary way (decoded, then parsed), which gives the same value or the exact
 * error. So they must never accept a text the ordinary way would refuse, nor read it differently. */

static void nested_ws_run(reader *r) {
    const uint8_t *s = r->cs;
    size_t i = r->pos, n = r->n;
    for (;;) {
        if (i < n && s[i] == ' ') i++;
        else if (i + 1 < n && s[i] == '\\' && (s[i + 1] == 'n' || s[i + 1] == 'r' || s[i + 1] == 't')) i += 2;
        else break;
    }
    r->pos = i;
}

/* Inner whitespace from s[i]: one space (as json.dumps writes after ',' and ':') is taken here, more in a
 * call. Returns where it ends. */
static inline size_t nested_ws_at(reader *r, const uint8_t *s, size_t n, size_t i) {
    if (i < n && s[i] == ' ') i++;
    if (i + 1 < n && (s[i] == ' ' || (s[i] == '\\' && (s[i + 1] == 'n' || s[i + 1] == 'r' || s[i + 1] == 't')))) {
        r->pos = i;
        nested_ws_run(r);
        i = r->pos;
    }
    return i;
}

static inline void nested_ws(reader *r) {
    const uint8_t *s = r->cs;
    size_t i = r->pos, n = r->n;
    if (i < n && s[i] == ' ') r->pos = ++i;
    if (i + 1 < n && (s[i] == ' ' || (s[i] == '\\' && (s[i + 1] == 'n' || s[i + 1] == 'r' || s[i + 1] == 't'))))
        nested_ws_run(r);
}

/* An outer \uXXXX (with its low surrogate) at s[i] that stands for a non-ASCII character: its code point
 * and raw length, or -1 (ASCII or anything unusual: give up). */
static int32_t nested_outer_u(const uint8_t *s, size_t i, size_t n, size_t *adv) {
    int cp = n - i >= 6 ? hex4(s + i + 2) : -1;
    if (cp < 0x80 || (cp >= 0xDC00 && cp <= 0xDFFF)) return -1;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        int lo = n - i >= 12 && s[i + 6] == '\\' && s[i + 7] == 'u' ? hex4(s + i + 8) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) return -1;
        *adv = 12;
        return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    *adv = 6;
    return cp;
}

/* The inner string whose opening \" is at r->pos, decoded into r->area and NUL-terminated. */
static int nested_string(reader *r, const char **out, uint32_t *len) {
    const uint8_t *s = r->cs;
    size_t n = r->n, i = r->pos + 2;
    uint8_t *dst = r->area + r->area_len, *o = dst;
    for (;;) {
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            memcpy(o, &w, 8);   /* r->area has room past any output */
            uint64_t m = special_bytes(w);
            if (!m) {
                o += 8;
                i += 8;
                continue;
            }
            unsigned k = first_byte(m);
            o += k;
            i += k;
            break;
        }
        while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') *o++ = s[i++];
        if (i + 1 >= n) return -1;
        uint8_t c = s[i];
        if (c == '\\') {
            uint8_t e = s[i + 1];
            if (e == '"') {   /* the inner string's closing quote */
                i += 2;
                break;
            }
            if (e == '/') {
                *o++ = '/';
                i += 2;
                continue;
            }
            if (e == 'u') {
                size_t adv;
                int32_t cp = nested_outer_u(s, i, n, &adv);
                if (cp < 0) return -1;
                o += utf8_put(o, (uint32_t)cp);
                i += adv;
                continue;
            }
            if (e != '\\') return -1;   /* \b \f \n \r \t: a control character, raw in the inner string */
            /* the inner string's own escape: a backslash, then its letter, each as the outer text writes it */
            i += 2;
            if (i >= n) return -1;
            uint8_t x = s[i];
            if (x == '\\') {
                if (i + 1 >= n) return -1;
                x = s[i + 1];
                if (x != '"' && x != '\\' && x != '/') return -1;
                *o++ = x;
                i += 2;
                continue;
            }
            uint8_t d;
            switch (x) {
            case '/': d = '/'; break;
            case 'b': d = '\b'; break;
            case 'f': d = '\f'; break;
            case 'n': d = '\n'; break;
            case 'r': d = '\r'; break;
            case 't': d = '\t'; break;
            case 'u': d = 0; break;
            default: return -1;
            }
            if (x != 'u') {
                *o++ = d;
                i++;
                continue;
            }
            int cp = n - i >= 5 ? hex4(s + i + 1) : -1;
            if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) {   /* its low surrogate: \\uXXXX again */
                int lo = n - i >= 12 && s[i + 5] == '\\' && s[i + 6] == '\\' && s[i + 7] == 'u' ? hex4(s + i + 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) return -1;
                o += utf8_put(o, 0x10000 + (((uint32_t)cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00));
                i += 12;
            } else {
                o += utf8_put(o, (uint32_t)cp);
                i += 5;
            }
            continue;
        }
        if (c < 0x80) return -1;   /* the outer string's end, or a raw control byte */
        int k = utf8_len(s + i, n - i);
        if (!k) return -1;
        memcpy(o, s + i, (size_t)k);
        o += k;
        i += (size_t)k;
    }
    size_t dlen = (size_t)(o - dst);
    if (dlen > UINT32_MAX) return -1;
    *o = 0;
    r->area_len += dlen + 1;
    *out = (const char *)dst;
    *len = (uint32_t)dlen;
    r->pos = i;
    return 0;
}

static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    if (n < 8) return memcmp(a, b, n) == 0;
    uint64_t x, y;
    for (size_t k = 0; k + 8 < n; k += 8) {
        memcpy(&x, a + k, 8);
        memcpy(&y, b + k, 8);
        if (x != y) return false;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
}

static inline void push_span(reader *r, size_t off, size_t len) {
    if (r->nspans == r->capspans) grow((void **)&r->spans, &r->capspans, sizeof *r->spans);
    r->spans[r->nspans++] = (struct keyspan){.off = off, .len = (uint32_t)len};
}

/* Closes a nested object: with the template's keys, all of them and in order (as_template: the template
 * did not change while the object was read), there is nothing to fold; otherwise duplicates are folded and
 * the object's keys become the template (when distinct and few). */
static int nested_close_object(reader *r, size_t open, size_t base, size_t sbase, bool as_template, qval *out) {
    size_t raw = r->nents - base, cnt = raw;
    if (!as_template || raw != r->ntpl) {
        cnt = raw ? dedupe(r->ents + base, raw) : 0;
        r->ntpl = 0;
        r->tpl_gen++;
        if (cnt == raw && raw <= TEMPLATE_MAX) {
            for (size_t k = 0; k < raw; k++)
                r->tpl[k] = (struct tplkey){.off = r->spans[sbase + k].off, .rawlen = r->spans[sbase + k].len,
                                            .klen = r->ents[base + k].klen, .key = r->ents[base + k].key};
            r->ntpl = (uint32_t)raw;
        }
    }
    r->nspans = sbase;
    return close_object_as(r, open, base, cnt, out);
}

static inline bool nested_at_quote(const reader *r) {
    return r->pos + 1 < r->n && r->cs[r->pos] == '\\' && r->cs[r->pos + 1] == '"';
}

/* Up to 8 digits at a time from s[*i] into the mantissa; false when the run cannot be finished here (fewer
 * than 8 readable bytes, or more than 19 digits): the caller then leaves the number to read_number. */
static inline bool digit_run(const uint8_t *s, size_t n, size_t *i, uint64_t *mant, int *digits) {
    if (!EIGHT_AT_ONCE) return false;
    for (;;) {
        if (n - *i < 8) return false;
        uint64_t w;
        memcpy(&w, s + *i, 8);
        unsigned k = leading_digits(w);
        if (*digits + (int)k > 19) return false;
        if (k) {
            *mant = *mant * pow10_u32[k] + digits_value(w, k);
            *i += k;
            *digits += (int)k;
        }
        if (k < 8) return true;
    }
}

/* The usual numbers of a parameters text: -?[1-9][0-9]* with an optional fraction, no exponent, at most 19
 * digits, made exactly as read_number makes them (an integer, or mantissa / 10^digits when both are exact);
 * anything else, read_number itself. */
static inline int nested_number(reader *r, qval *out) {
    const uint8_t *s = r->cs;
    size_t n = r->n, i = r->pos;
    bool neg = s[i] == '-';
    i += neg;
    if (i >= n || s[i] < '1' || s[i] > '9') return read_number(r, out);
    uint64_t mant = 0;
    int digits = 0, frac = 0;
    if (!digit_run(s, n, &i, &mant, &digits)) return read_number(r, out);
    if (s[i] == '.') {   /* i < n: the run stopped at a byte it loaded */
        size_t f0 = ++i;
        if (!digit_run(s, n, &i, &mant, &digits) || i == f0) return read_number(r, out);
        frac = (int)(i - f0);
    }
    if (s[i] == 'e' || s[i] == 'E') return read_number(r, out);
    if (!frac) {
        if (mant > (uint64_t)INT64_MAX + neg) return read_number(r, out);
        *out = qv_int(neg ? (int64_t)(0 - mant) : (int64_t)mant);
    } else {
        if (mant > ((uint64_t)1 << 53) || frac > 22) return read_number(r, out);
        double d = (double)mant / pow10_exact[frac];   /* both exact: one correctly rounded operation */
        *out = qv_float(neg ? -d : d);
    }
    r->pos = i;
    return 0;
}

static int nested_value(reader *r, unsigned depth, qval *out);

static int nested_array(reader *r, unsigned depth, qval *out) {
    if (depth > READ_MAX_DEPTH) return -1;
    size_t open = r->pos, base = r->nvals;
    r->pos++;
    nested_ws(r);
    if (r->pos < r->n && r->cs[r->pos] == ']') {
        r->pos++;
    } else {
        for (;;) {
            qval v;
            if (nested_value(r, depth, &v) < 0) return -1;
            push_val(r, v);
            nested_ws(r);
            uint8_t c = r->pos < r->n ? r->cs[r->pos] : 0;
            if (c != ',' && c != ']') return -1;
            r->pos++;
            if (c == ']') break;
            nested_ws(r);
        }
    }
    return close_array(r, open, base, out);
}

/* The member loop works on locals (s, n, i): r->pos is only brought up to date around calls. */
static int nested_object(reader *r, unsigned depth, qval *out) {
    if (depth > READ_MAX_DEPTH) return -1;
    const uint8_t *s = r->cs;
    const size_t n = r->n;
    size_t open = r->pos, base = r->nents, sbase = r->nspans, i = nested_ws_at(r, s, n, open + 1);
    bool as_template = true;   /* every key so far is the template's, in order, and it has not changed */
    uint32_t gen = r->tpl_gen;
    if (i < n && s[i] == '}') {
        i++;
    } else {
        /* whitespace is looked for only where the expected byte is not found: json.dumps writes one space
         * after ':' and ',' (taken directly), JSON.stringify none */
        for (uint32_t j = 0;; j++) {
            const char *key;
            uint32_t klen;
            const struct tplkey *t = &r->tpl[j < TEMPLATE_MAX ? j : 0];
            bool tpl = as_template && j < r->ntpl && gen == r->tpl_gen;
            if (tpl && !(n - i >= t->rawlen && same_bytes(s + i, s + t->off, t->rawlen))) {
                i = nested_ws_at(r, s, n, i);   /* more whitespace than the template's rows had, or another key */
                tpl = n - i >= t->rawlen && same_bytes(s + i, s + t->off, t->rawlen);
            }
            size_t at = i;
            if (tpl) {
                key = t->key;   /* the same bytes: the same key, ending at the same place */
                klen = t->klen;
                i += t->rawlen;
            } else {
                as_template = false;
                i = nested_ws_at(r, s, n, i);
                at = i;
                if (!(i + 1 < n && s[i] == '\\' && s[i + 1] == '"')) return -1;
                r->pos = i;
                if (nested_string(r, &key, &klen) < 0) return -1;
                i = r->pos;
            }
            push_span(r, at, i - at);
            if (i < n && s[i] != ':') i = nested_ws_at(r, s, n, i);
            if (i >= n || s[i] != ':') return -1;
            i++;
            if (i < n && s[i] == ' ') i++;
            qval v;
            r->pos = i;
            if (i + 1 < n && s[i] == '\\' && s[i + 1] == '"') {   /* a string, the usual value */
                const char *str;
                uint32_t len;
                if (nested_string(r, &str, &len) < 0) return -1;
                v = qv_str_ref(str, len);
            } else if (nested_value(r, depth, &v) < 0) {   /* it skips further whitespace */
                return -1;
            }
            push_ent(r, key, klen, v);
            i = r->pos;
            if (i < n && s[i] != ',' && s[i] != '}') i = nested_ws_at(r, s, n, i);
            if (i >= n) return -1;
            uint8_t c = s[i++];
            if (c == '}') break;
            if (c != ',') return -1;
            if (i < n && s[i] == ' ') i++;
        }
    }
    r->pos = i;
    return nested_close_object(r, open, base, sbase, as_template && gen == r->tpl_gen, out);
}

static int nested_literal(reader *r, const char *word, size_t len) {
    if (r->n - r->pos < len || memcmp(r->cs + r->pos, word, len) != 0) return -1;
    r->pos += len;
    return 0;
}

static int nested_value(reader *r, unsigned depth, qval *out) {
    if (r->pos >= r->n) return -1;
    uint8_t c = r->cs[r->pos];
    if (c == ' ' || c == '\\') {   /* whitespace (a string's \" is taken by the callers) */
        nested_ws(r);
        if (r->pos >= r->n) return -1;
        c = r->cs[r->pos];
    }
    switch (c) {
    case '{': return nested_object(r, depth + 1, out);
    case '[': return nested_array(r, depth + 1, out);
    case '\\': {
        const char *s;
        uint32_t len;
        if (!nested_at_quote(r) || nested_string(r, &s, &len) < 0) return -1;
        *out = qv_str_ref(s, len);
        return 0;
    }
    case 't': *out = qv_bool(true); return nested_literal(r, "true", 4);
    case 'f': *out = qv_bool(false); return nested_literal(r, "false", 5);
    case 'n': *out = qv_null(); return nested_literal(r, "null", 4);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return nested_number(r, out);   /* raw digits, as in any text */
        return -1;
    }
}

/* The string at r->pos (its opening quote) as the object or null its text holds (read as `parameters`
 * would be: leading whitespace, and "null" exactly, as qjson_parse_params takes them). Returns -1, with
 * the reader as it was, when the text is anything else or unusual. */
static int read_nested(reader *r, qval *out) {
    size_t pos = r->pos, nvals = r->nvals, nents = r->nents, area_len = r->area_len;
    r->ntpl = 0;   /* a template from an earlier attempt may point at text decoded over since */
    r->tpl_gen++;
    r->nspans = 0;
    r->pos++;
    nested_ws(r);
    int rc = -1;
    if (r->pos < r->n && r->cs[r->pos] == '{') {
        rc = nested_object(r, 1, out);
        if (rc == 0) nested_ws(r);
    } else if (r->pos < r->n && r->cs[r->pos] == 'n') {
        rc = nested_literal(r, "null", 4);
        *out = qv_null();
    }
    if (rc == 0 && r->pos < r->n && r->cs[r->pos] == '"') {
        r->pos++;
        return 0;
    }
    r->pos = pos;
    r->nvals = nvals;
    r->nents = nents;
    r->area_len = area_len;
    r->ntpl = 0;
    return -1;
}

static int read_array(reader *r, unsigned depth, qval *out) {
    if (depth > READ_MAX_DEPTH) return fail(r, r->pos, "arrays and objects nested deeper than %d", READ_MAX_DEPTH);
    size_t open = r->pos, base = r->nvals;
    char fb[16];
    r->pos++;
    skip_ws(r);
    if (r->pos < r->n && r->cs[r->pos] == ']') {
        r->pos++;
    } else {
        for (;;) {
            qval v;
            if (read_value(r, depth, &v) < 0) return -1;
            push_val(r, v);
            skip_ws(r);
            uint8_t c = r->pos < r->n ? r->cs[r->pos] : 0;
            if (c == ',' || c == ']') r->pos++;
            if (c == ']') break;
            if (c != ',')
                return fail(r, r->pos, "expected ',' or ']' after an element of the array that starts at byte %zu, "
                            "found %s", open, found(r, r->pos, fb));
            skip_ws(r);
        }
    }
    return close_array(r, open, base, out);
}

static int read_object(reader *r, unsigned depth, qval *out) {
    if (depth > READ_MAX_DEPTH) return fail(r, r->pos, "arrays and objects nested deeper than %d", READ_MAX_DEPTH);
    size_t open = r->pos, base = r->nents;
    char fb[16];
    r->pos++;
    skip_ws(r);
    if (r->pos < r->n && r->cs[r->pos] == '}') {
        r->pos++;
    } else {
        for (;;) {
            if (r->pos >= r->n || r->cs[r->pos] != '"')
                return fail(r, r->pos, "expected a string key in the object that starts at byte %zu, found %s", open,
                            found(r, r->pos, fb));
            const char *key;
            uint32_t klen;
            if (read_string(r, &key, &klen) < 0) return -1;
            skip_ws(r);
            if (r->pos >= r->n || r->cs[r->pos] != ':')
                return fail(r, r->pos, "expected ':' after an object key, found %s", found(r, r->pos, fb));
            r->pos++;
            skip_ws(r);
            qval v;
            bool nested = depth == 1 && r->nested_key && klen == r->nested_klen && r->pos < r->n &&
                          r->cs[r->pos] == '"' && memcmp(key, r->nested_key, klen) == 0 && read_nested(r, &v) == 0;
            if (!nested && read_value(r, depth, &v) < 0) return -1;
            push_ent(r, key, klen, v);
            skip_ws(r);
            uint8_t c = r->pos < r->n ? r->cs[r->pos] : 0;
            if (c == ',' || c == '}') r->pos++;
            if (c == '}') break;
            if (c != ',')
                return fail(r, r->pos, "expected ',' or '}' after a member of the object that starts at byte %zu, "
                            "found %s", open, found(r, r->pos, fb));
            skip_ws(r);
        }
    }
    return close_object(r, open, base, out);
}

static int literal(reader *r, const char *word, size_t len) {
    char fb[16];
    for (size_t k = 0; k < len; k++) {
        size_t at = r->pos + k;
        if (at >= r->n) return fail(r, at, "unexpected end of input in '%s'", word);
        if (r->cs[at] != (uint8_t)word[k]) return fail(r, at, "expected '%s' (a value), found %s", word, found(r, at, fb));
    }
    r->pos += len;
    return 0;
}

static int read_value(reader *r, unsigned depth, qval *out) {
    char fb[16];
    if (r->pos >= r->n) return fail(r, r->pos, "unexpected end of input, expected a value");
    switch (r->cs[r->pos]) {
    case '{': return read_object(r, depth + 1, out);
    case '[': return read_array(r, depth + 1, out);
    case '"': {
        const char *s;
        uint32_t len;
        if (read_string(r, &s, &len) < 0) return -1;
        *out = qv_str_ref(s, len);
        return 0;
    }
    case 't': *out = qv_bool(true); return literal(r, "true", 4);
    case 'f': *out = qv_bool(false); return literal(r, "false", 5);
    case 'n': *out = qv_null(); return literal(r, "null", 4);
    default:
        if (r->cs[r->pos] == '-' || (r->cs[r->pos] >= '0' && r->cs[r->pos] <= '9')) return read_number(r, out);
        return fail(r, r->pos, "expected a value, found %s", found(r, r->pos, fb));
    }
}

static int read_top(qv_arena *a, const char *text, size_t len, bool in_place, const char *nested, qval *out,
                    qv_err *err) {
    reader r = {.s = (uint8_t *)(uintptr_t)text, .cs = (const uint8_t *)text, .n = len, .in_place = in_place,
                .a = a, .err = err, .nested_key = nested, .nested_klen = nested ? strlen(nested) : 0};
    skip_ws(&r);
    if (!in_place) r.area = qv_arena_alloc(a, len + 8);
    int rc = read_value(&r, 0, out);
    if (rc == 0) {
        skip_ws(&r);
        if (r.pos < r.n) {
            char fb[16];
            rc = fail(&r, r.pos, "unexpected %s after the JSON value", found(&r, r.pos, fb));
        }
    }
    free(r.vals);
    free(r.ents);
    free(r.spans);
    return rc;
}

int qjson_read(qv_arena *a, const char *text, size_t len, bool in_place, qval *out, qv_err *err) {
    return read_top(a, text, len, in_place, NULL, out, err);
}

int qjson_read_body(qv_arena *a, const char *text, size_t len, const char *nested, qval *out, qv_err *err) {
    return read_top(a, text, len, false, nested, out, err);
}
