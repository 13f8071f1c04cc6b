/* request.c — decoding the fields of Neptune requests: percent-encoding, form bodies and query strings,
 * and Neptune's "USING QUERY:" hints in front of a query.
 * Must not: know routes or run queries.
 */
#include "api/neptune/np_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *np_url_decode(const char *s, size_t n, bool form) {
    char *out = qv_malloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
            (l = hexval((unsigned char)s[i + 2])) >= 0) {
            *o++ = (char)(h * 16 + l);
            i += 2;
        } else if (form && s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

char *np_form_get(const char *text, size_t len, const char *name) {
    size_t nl = strlen(name);
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *fe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(fe - p));
        const char *ke = eq ? eq : fe;
        char *key = np_url_decode(p, (size_t)(ke - p), true);
        bool match = strlen(key) == nl && memcmp(key, name, nl) == 0;
        free(key);
        if (match) return eq ? np_url_decode(eq + 1, (size_t)(fe - eq - 1), true) : np_url_decode("", 0, true);
        p = fe + 1;
    }
    return NULL;
}

/* "USING QUERY: PLANCACHE "enabled"" (repeatable), case-insensitive; the value may be quoted or a word. */
const char *np_skip_hints(const char *q, size_t *len) {
    const char *p = q, *end = q + *len;
    for (;;) {
        const char *s = p;
        while (s < end && isspace((unsigned char)*s)) s++;
        if (end - s < 5 || strncasecmp(s, "USING", 5) != 0 || (s + 5 < end && !isspace((unsigned char)s[5]))) break;
        s += 5;
        while (s < end && isspace((unsigned char)*s)) s++;
        if (end - s < 6 || strncasecmp(s, "QUERY:", 6) != 0) break;
        s += 6;
        while (s < end && isspace((unsigned char)*s)) s++;
        while (s < end && (isalnum((unsigned char)*s) || *s == '_')) s++;   /* the hint's name */
        while (s < end && (*s == ' ' || *s == '\t')) s++;
        if (s < end && (*s == '"' || *s == '\'')) {
            char qc = *s++;
            while (s < end && *s != qc) s++;
            if (s < end) s++;
        } else {
            while (s < end && !isspace((unsigned char)*s)) s++;
        }
        p = s;
    }
    *len = (size_t)(end - p);
    return p;
}
