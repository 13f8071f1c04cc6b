/* func_string.c — string functions: toUpper, toLower, trim, lTrim, rTrim, replace, substring, left,
 * right, split (reverse and size, which also take lists, live in func_list.c).
 *
 * Owns: string semantics in characters (Unicode code points), never bytes: substring('héllo', 1, 2) is
 * 'él'. Case mapping covers ASCII, Latin-1 (ß upper-cases to SS, as in Java), Latin Extended-A, Greek and
 * Cyrillic; other characters are kept. Must not: read the graph, or allocate outside ctx->arena.
 * Null in, null out.
 */
#include "cypher/func_int.h"

#include <string.h>

/* ---- case mapping ---- */
static uint32_t cp_upper(uint32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
    if (c == 0xFF) return 0x178;
    if (c == 0xB5) return 0x39C;
    if (c >= 0x100 && c <= 0x17F) {
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c : c - 1;
        if (c == 0x131) return 'I';
        if (c == 0x17F) return 'S';
        if (c == 0x138 || c == 0x149) return c;
        return (c & 1) ? c - 1 : c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
    if (c == 0x3C2) return 0x3A3;
    if (c >= 0x3AC && c <= 0x3CE) {
        switch (c) {
        case 0x3AC: return 0x386;
        case 0x3AD: return 0x388;
        case 0x3AE: return 0x389;
        case 0x3AF: return 0x38A;
        case 0x3CC: return 0x38C;
        case 0x3CD: return 0x38E;
        case 0x3CE: return 0x38F;
        }
        return c;
    }
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
}

static uint32_t cp_lower(uint32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c == 0x178) return 0xFF;
    if (c >= 0x100 && c <= 0x17F) {
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
        if (c == 0x130) return 'i';
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
        return (c & 1) ? c : c + 1;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    switch (c) {
    case 0x386: return 0x3AC;
    case 0x388: return 0x3AD;
    case 0x389: return 0x3AE;
    case 0x38A: return 0x3AF;
    case 0x38C: return 0x3CC;
    case 0x38E: return 0x3CD;
    case 0x38F: return 0x3CE;
    }
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

static int map_case(cy_fnctx *ctx, const char *fn, const qval *args, qval *out, cy_error *err, bool upper) {
    qval s = args[0];
    if (s.type == QT_NULL) { *out = s; return 0; }
    if (s.type != QT_STRING) return cyfn_type_err(ctx, err, fn, 0, s, "a String");
    /* A mapped character never needs more than 4 bytes, and the mappings above keep or shrink the
     * UTF-8 length except for a few 1 -> 2 byte cases (ÿ -> Ÿ, µ -> Μ, ı -> I shrinks): 2x is enough. */
    char *p = qv_arena_alloc(ctx->arena, (size_t)s.len * 2 + 1);
    uint32_t o = 0;
    for (uint32_t i = 0; i < s.len;) {
        uint32_t from = i;
        uint32_t c = cyfn_u8next(s.s, s.len, &i);
        uint32_t m = upper ? cp_upper(c) : cp_lower(c);
        if (upper && c == 0xDF) {   /* Java: ß upper-cases to SS */
            p[o++] = 'S';
            p[o++] = 'S';
        } else if (m == c || (i - from == 1 && c >= 0x80)) {   /* unchanged (or an invalid byte): copy as is */
            memcpy(p + o, s.s + from, i - from);
            o += i - from;
        } else {
            o += cyfn_u8put(p + o, m);
        }
    }
    p[o] = 0;
    *out = qv_str_ref(p, o);
    return 0;
}

CYFN(cyfn_toupper) { return map_case(ctx, "toUpper", args, out, err, true); }
CYFN(cyfn_tolower) { return map_case(ctx, "toLower", args, out, err, false); }

/* ---- trimming: Java's Character.isWhitespace ---- */
static bool is_ws(uint32_t c) {
    if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return true;
    if (c < 0x80) return false;
    return c == 0x1680 || (c >= 0x2000 && c <= 0x2006) || (c >= 0x2008 && c <= 0x200A) || c == 0x2028 ||
           c == 0x2029 || c == 0x205F || c == 0x3000 || c == 0x85;
}

static int trim(cy_fnctx *ctx, const char *fn, const qval *args, qval *out, cy_error *err, bool left, bool right) {
    qval s = args[0];
    if (s.type == QT_NULL) { *out = s; return 0; }
    if (s.type != QT_STRING) return cyfn_type_err(ctx, err, fn, 0, s, "a String");
    uint32_t b = s.len, e = 0;   /* first and past-the-last non-whitespace bytes */
    for (uint32_t i = 0; i < s.len;) {
        uint32_t from = i;
        if (!is_ws(cyfn_u8next(s.s, s.len, &i))) {
            if (b == s.len) b = from;
            e = i;
        }
    }
    if (b == s.len) b = e = left ? s.len : 0;   /* all whitespace */
    if (!left) b = 0;
    if (!right) e = s.len;
    *out = qv_str_ref(s.s + b, e - b);
    return 0;
}

CYFN(cyfn_trim) { return trim(ctx, "trim", args, out, err, true, true); }
CYFN(cyfn_ltrim) { return trim(ctx, "lTrim", args, out, err, true, false); }
CYFN(cyfn_rtrim) { return trim(ctx, "rTrim", args, out, err, false, true); }

/* ---- replace ---- */
typedef struct sb { qv_arena *a; char *p; size_t n, cap; } sb;

static void sb_put(sb *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = qv_arena_alloc(b->a, cap);
        if (b->n) memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static int sb_done(cy_fnctx *ctx, sb *b, const char *fn, qval *out, cy_error *err) {
    if (b->n > UINT32_MAX)
        return cyfn_fail(ctx, err, CYE_ARGUMENT, "StringTooLong", "%s(): the result is longer than 4 GiB", fn);
    if (!b->p) sb_put(b, "", 0);
    *out = qv_str_ref(b->p, (uint32_t)b->n);
    return 0;
}

CYFN(cyfn_replace) {
    for (uint32_t i = 0; i < 3; i++) {
        if (args[i].type == QT_NULL) { *out = qv_null(); return 0; }
    }
    for (uint32_t i = 0; i < 3; i++)
        if (args[i].type != QT_STRING) return cyfn_type_err(ctx, err, "replace", i, args[i], "a String");
    qval s = args[0], f = args[1], r = args[2];
    sb b = {.a = ctx->arena};
    if (f.len == 0) {   /* Java: the replacement goes before every character and at the end */
        for (uint32_t i = 0; i < s.len;) {
            uint32_t from = i;
            cyfn_u8next(s.s, s.len, &i);
            sb_put(&b, r.s, r.len);
            sb_put(&b, s.s + from, i - from);
        }
        sb_put(&b, r.s, r.len);
        return sb_done(ctx, &b, "replace", out, err);
    }
    uint32_t i = 0, from = 0;
    while (i + f.len <= s.len) {
        if (memcmp(s.s + i, f.s, f.len) == 0) {
            sb_put(&b, s.s + from, i - from);
            sb_put(&b, r.s, r.len);
            i += f.len;
            from = i;
        } else {
            i++;
        }
    }
    sb_put(&b, s.s + from, s.len - from);
    return sb_done(ctx, &b, "replace", out, err);
}

/* An integer argument (null allowed when nullable) that must not be negative. */
static int int_arg(cy_fnctx *ctx, cy_error *err, const char *fn, const qval *args, uint32_t i, int64_t *v) {
    if (args[i].type != QT_INT) return cyfn_type_err(ctx, err, fn, i, args[i], "an Integer");
    if (args[i].i < 0)
        return cyfn_fail(ctx, err, CYE_ARGUMENT, "NegativeIntegerArgument",
                         "%s(): argument %u must not be negative, got %lld", fn, i + 1, (long long)args[i].i);
    *v = args[i].i;
    return 0;
}

CYFN(cyfn_substring) {
    qval s = args[0];
    if (s.type == QT_NULL) { *out = s; return 0; }
    if (s.type != QT_STRING) return cyfn_type_err(ctx, err, "substring", 0, s, "a String");
    for (uint32_t i = 1; i < nargs; i++)
        if (args[i].type == QT_NULL) { *out = qv_null(); return 0; }
    int64_t start, len = INT64_MAX;
    if (int_arg(ctx, err, "substring", args, 1, &start)) return -1;
    if (nargs > 2 && int_arg(ctx, err, "substring", args, 2, &len)) return -1;
    uint32_t b = cyfn_u8offset(s.s, s.len, (uint64_t)start);
    uint32_t e = b + cyfn_u8offset(s.s + b, s.len - b, (uint64_t)len);
    *out = qv_str_ref(s.s + b, e - b);
    return 0;
}

CYFN(cyfn_left) {
    qval s = args[0];
    if (s.type == QT_NULL || args[1].type == QT_NULL) { *out = qv_null(); return 0; }
    if (s.type != QT_STRING) return cyfn_type_err(ctx, err, "left", 0, s, "a String");
    int64_t n;
    if (int_arg(ctx, err, "left", args, 1, &n)) return -1;
    *out = qv_str_ref(s.s, cyfn_u8offset(s.s, s.len, (uint64_t)n));
    return 0;
}

CYFN(cyfn_right) {
    qval s = args[0];
    if (s.type == QT_NULL || args[1].type == QT_NULL) { *out = qv_null(); return 0; }
    if (s.type != QT_STRING) return cyfn_type_err(ctx, err, "right", 0, s, "a String");
    int64_t n;
    if (int_arg(ctx, err, "right", args, 1, &n)) return -1;
    uint32_t count = cyfn_u8count(s.s, s.len);
    uint64_t skip = (uint64_t)n >= count ? 0 : count - (uint64_t)n;
    uint32_t b = cyfn_u8offset(s.s, s.len, skip);
    *out = qv_str_ref(s.s + b, s.len - b);
    return 0;
}

/* split(s, delimiter) with a string or a list of strings as delimiters; empty pieces are kept, and an
 * empty delimiter splits into characters. */
CYFN(cyfn_split) {
    qval s = args[0], d = args[1];
    if (s.type == QT_NULL || d.type == QT_NULL) { *out = qv_null(); return 0; }
    if (s.type != QT_STRING) return cyfn_type_err(ctx, err, "split", 0, s, "a String");
    const qval *delims = &d;
    uint32_t nd = 1;
    if (d.type == QT_LIST) {
        delims = d.items;
        nd = d.len;
        for (uint32_t i = 0; i < nd; i++) {
            if (delims[i].type == QT_NULL) { *out = qv_null(); return 0; }
            if (delims[i].type != QT_STRING)
                return cyfn_type_err(ctx, err, "split", 1, delims[i], "a String or a List of Strings");
        }
    } else if (d.type != QT_STRING) {
        return cyfn_type_err(ctx, err, "split", 1, d, "a String or a List of Strings");
    }
    qlist_b lb;
    qlist_b_init(&lb, ctx->arena, 8);
    if (s.len == 0) {
        qlist_b_push(&lb, qv_str_ref("", 0));
        *out = qlist_b_done(&lb);
        return 0;
    }
    bool chars = false;
    for (uint32_t k = 0; k < nd; k++) chars |= delims[k].len == 0;
    if (chars && nd == 1) {
        for (uint32_t i = 0; i < s.len;) {
            uint32_t from = i;
            cyfn_u8next(s.s, s.len, &i);
            qlist_b_push(&lb, qv_str_ref(s.s + from, i - from));
        }
        *out = qlist_b_done(&lb);
        return 0;
    }
    uint32_t from = 0;
    for (uint32_t i = 0; i < s.len;) {
        uint32_t hit = 0;
        for (uint32_t k = 0; k < nd && !hit; k++) {
            const qval *dk = &delims[k];
            if (dk->len && i + dk->len <= s.len && memcmp(s.s + i, dk->s, dk->len) == 0) hit = dk->len;
        }
        if (hit) {
            qlist_b_push(&lb, qv_str_ref(s.s + from, i - from));
            i += hit;
            from = i;
        } else {
            cyfn_u8next(s.s, s.len, &i);
        }
    }
    qlist_b_push(&lb, qv_str_ref(s.s + from, s.len - from));
    *out = qlist_b_done(&lb);
    return 0;
}
