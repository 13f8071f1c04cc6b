/* fuzz_qjson_body.c — libFuzzer target for qjson_read_body, the one-pass reader of a request body whose
 * `parameters` member is a JSON string holding JSON text (api/common/qjson.h).
 *
 * Owns: the differential property on arbitrary input: reading the body in one pass (with its fall back)
 * gives exactly what reading the body and then parsing the decoded `parameters` string gives: the same
 * value (types, key order, bytes, float bits) or the same error message. The first input byte picks how
 * the rest is written into the body's string: raw between the quotes (any bytes: invalid bodies too), or
 * escaped as a JSON writer would (raw UTF-8, \uXXXX for non-ASCII, '/' as \/, ASCII as \u00XX, or a mix
 * chosen by the following bytes).
 * Must not: keep state between inputs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common/qjson.h"

static void check(int ok, const char *what, const qv_buf *body) {
    if (!ok) {
        fprintf(stderr, "fuzz_qjson_body: %s\nbody: %.*s\n", what, (int)(body->len > 2000 ? 2000 : body->len),
                (const char *)body->data);
        abort();
    }
}

static bool same(qval a, qval b) {
    if (a.type != b.type) return false;
    switch (a.type) {
    case QT_NULL: return true;
    case QT_BOOL: return a.b == b.b;
    case QT_INT: return a.i == b.i;
    case QT_FLOAT: return memcmp(&a.f, &b.f, sizeof a.f) == 0;
    case QT_STRING: return a.len == b.len && memcmp(a.s, b.s, a.len) == 0 && a.s[a.len] == 0 && b.s[b.len] == 0;
    case QT_LIST:
        if (a.len != b.len) return false;
        for (uint32_t i = 0; i < a.len; i++)
            if (!same(a.items[i], b.items[i])) return false;
        return true;
    case QT_MAP:
        if (a.len != b.len) return false;
        for (uint32_t i = 0; i < a.len; i++)
            if (a.ents[i].klen != b.ents[i].klen || memcmp(a.ents[i].key, b.ents[i].key, a.ents[i].klen) != 0 ||
                !same(a.ents[i].v, b.ents[i].v))
                return false;
        return true;
    default: return false;
    }
}

/* style 1..4 as described above; 5: per character, from the next byte of mix. */
static void escaped(qv_buf *b, const uint8_t *t, size_t len, int style, const uint8_t *mix, size_t nmix) {
    static const char hex[] = "0123456789abcdef";
    size_t m = 0;
    for (size_t i = 0; i < len;) {
        int st = style == 5 ? (nmix ? mix[m++ % nmix] % 4 : 0) + 1 : style;
        uint8_t c = t[i];
        uint32_t cp = c;
        size_t k = 1;
        if (c >= 0xC2 && c <= 0xDF && i + 1 < len && (t[i + 1] & 0xC0) == 0x80) {
            cp = (uint32_t)(c & 0x1F) << 6 | (t[i + 1] & 0x3F), k = 2;
        } else if (c >= 0xE0 && c <= 0xEF && i + 2 < len && (t[i + 1] & 0xC0) == 0x80 && (t[i + 2] & 0xC0) == 0x80) {
            cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(t[i + 1] & 0x3F) << 6 | (t[i + 2] & 0x3F), k = 3;
        } else if (c >= 0xF0 && c <= 0xF4 && i + 3 < len && (t[i + 1] & 0xC0) == 0x80 && (t[i + 2] & 0xC0) == 0x80 &&
                   (t[i + 3] & 0xC0) == 0x80) {
            cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(t[i + 1] & 0x3F) << 12 | (uint32_t)(t[i + 2] & 0x3F) << 6 |
                 (t[i + 3] & 0x3F), k = 4;
        }
        bool valid = c < 0x80 || k > 1;
        bool as_u = valid && ((cp >= 0x80 && st >= 2) || cp < 0x20 || (st == 4 && cp < 0x80 && cp != '"' && cp != '\\'));
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            qv_buf_append(b, e, 2);
        } else if (c == '/' && st == 3) {
            qv_buf_append_str(b, "\\/");
        } else if (as_u) {
            uint32_t units[2] = {cp, 0};
            int nu = 1;
            if (cp >= 0x10000) units[0] = 0xD800 + ((cp - 0x10000) >> 10), units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF), nu = 2;
            for (int u = 0; u < nu; u++) {
                char e[6] = {'\\', 'u', hex[units[u] >> 12], hex[(units[u] >> 8) & 15], hex[(units[u] >> 4) & 15],
                             hex[units[u] & 15]};
                qv_buf_append(b, e, 6);
            }
        } else {
            qv_buf_append(b, t + i, k);
        }
        i += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 1 << 18) return 0;
    int style = data[0] % 6;
    const uint8_t *text = data + 1;
    size_t len = size - 1, nmix = 0;
    const uint8_t *mix = NULL;
    if (style == 5 && len) {   /* the mix: the bytes after the first 0xFF, or none */
        const uint8_t *ff = memchr(text, 0xFF, len);
        if (ff) {
            mix = ff + 1;
            nmix = len - (size_t)(mix - text);
            len = (size_t)(ff - text);
        }
    }
    qv_buf body;
    qv_buf_init(&body);
    qv_buf_append_str(&body, "{\"query\":\"RETURN 1\",\"parameters\":\"");
    if (style == 0) qv_buf_append(&body, text, len);
    else escaped(&body, text, len, style, mix, nmix);
    qv_buf_append_str(&body, "\"}");

    qv_arena a;
    qv_arena_init(&a);
    qv_err e1, e2, p1, p2;
    memset(&e1, 0, sizeof e1);
    memset(&e2, 0, sizeof e2);
    memset(&p1, 0, sizeof p1);
    memset(&p2, 0, sizeof p2);
    qval r1, r2, v1 = qv_null(), v2 = qv_null();
    int rc1 = qjson_read(&a, (const char *)body.data, body.len, false, &r1, &e1);
    int rc2 = qjson_read_body(&a, (const char *)body.data, body.len, "parameters", &r2, &e2);
    check(rc1 == rc2, "one pass and two passes disagree on the body", &body);
    if (rc1) {
        check(strcmp(e1.msg, e2.msg) == 0, "the body's error differs", &body);
    } else {
        const qval *s1 = qv_map_get(r1, "parameters", 10), *s2 = qv_map_get(r2, "parameters", 10);
        check(s1 && s1->type == QT_STRING && s2, "parameters missing", &body);
        int pc1 = qjson_parse_params_in_place(&a, (char *)(uintptr_t)s1->s, s1->len, &v1, &p1), pc2 = 0;
        if (s2->type == QT_STRING) pc2 = qjson_parse_params_in_place(&a, (char *)(uintptr_t)s2->s, s2->len, &v2, &p2);
        else if (s2->type == QT_MAP || s2->type == QT_NULL) v2 = *s2;
        else check(0, "one pass read parameters as neither a map, null nor a string", &body);
        check(pc1 == pc2, "one pass and two passes disagree on the parameters", &body);
        if (pc1) check(strcmp(p1.msg, p2.msg) == 0, "the parameters' error differs", &body);
        else check(same(v1, v2), "one pass read other values", &body);
    }
    qv_arena_free(&a);
    qv_buf_free(&body);
    return 0;
}
