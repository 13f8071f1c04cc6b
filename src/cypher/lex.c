/* lex.c — the openCypher tokenizer (see lex.h).
 *
 * Owns: character classes (ASCII and the Unicode ranges openCypher treats as whitespace or rejects as
 * symbols), literal decoding, comment and query-hint skipping.
 * Must not: know the grammar; fail on a malformed literal (that becomes a CT_ERROR token). Float literals go
 * through strtod, which assumes the "C" LC_NUMERIC locale (quiver never calls setlocale).
 */
#include "cypher/lex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

typedef struct lexer {
    qv_arena *a;
    const char *s;
    uint32_t len, i;
    cy_toks *out;
    uint32_t cap;
    cy_error *err;
} lexer;

/* ---------------------------------------------------------------- UTF-8 and character classes */

/* Decodes one code point at s[i]; *n gets its length. Returns -1 for malformed UTF-8. */
static int32_t utf8_dec(const char *s, uint32_t len, uint32_t i, uint32_t *n) {
    const unsigned char *u = (const unsigned char *)s + i;
    uint32_t left = len - i;
    if (u[0] < 0x80) { *n = 1; return u[0]; }
    int need;
    int32_t cp;
    if ((u[0] & 0xE0) == 0xC0) { need = 1; cp = u[0] & 0x1F; }
    else if ((u[0] & 0xF0) == 0xE0) { need = 2; cp = u[0] & 0x0F; }
    else if ((u[0] & 0xF8) == 0xF0) { need = 3; cp = u[0] & 0x07; }
    else { *n = 1; return -1; }
    if ((uint32_t)need >= left) { *n = 1; return -1; }
    for (int k = 1; k <= need; k++) {
        if ((u[k] & 0xC0) != 0x80) { *n = 1; return -1; }
        cp = (cp << 6) | (u[k] & 0x3F);
    }
    static const int32_t minv[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < minv[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *n = 1; return -1; }
    *n = (uint32_t)need + 1;
    return cp;
}

static bool cp_is_space(int32_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
           (c >= 0x1C && c <= 0x1F) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/* Non-ASCII code points that are symbols or punctuation, not letters: an error outside strings (an em
 * dash typed for a minus, a curly quote). Everything else above ASCII counts as a letter. */
static bool cp_is_symbol(int32_t c) {
    return (c >= 0x80 && c <= 0x9F) || (c >= 0xA1 && c <= 0xBF && c != 0xAA && c != 0xB5 && c != 0xBA) ||
           c == 0xD7 || c == 0xF7 || (c >= 0x2010 && c <= 0x205E) || (c >= 0x20A0 && c <= 0x20CF) ||
           (c >= 0x2190 && c <= 0x2BFF) || (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3020) ||
           (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) || (c >= 0x1F000 && c <= 0x1FAFF) ||
           c == 0xFFFD;
}

static bool ascii_ident_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Length of the identifier character at i (0 if none). Non-ASCII letters count; digits when !start. */
static uint32_t ident_char(const lexer *L, uint32_t i, bool start) {
    if (i >= L->len) return 0;
    unsigned char c = (unsigned char)L->s[i];
    if (c < 0x80) return (ascii_ident_start(c) || (!start && ascii_digit(c))) ? 1 : 0;
    uint32_t n;
    int32_t cp = utf8_dec(L->s, L->len, i, &n);
    if (cp < 0 || cp_is_space(cp) || cp_is_symbol(cp)) return 0;
    return n;
}

/* ---------------------------------------------------------------- tokens */

/* openCypher's reserved words: never a variable unless backticked (labels and keys may use them). */
static const char *const reserved_words[] = {
    "ALL", "ASC", "ASCENDING", "BY", "CREATE", "DELETE", "DESC", "DESCENDING", "DETACH", "EXISTS",
    "LIMIT", "MATCH", "MERGE", "ON", "OPTIONAL", "ORDER", "REMOVE", "RETURN", "SET", "SKIP", "WHERE",
    "WITH", "UNION", "UNWIND", "AND", "AS", "CONTAINS", "DISTINCT", "ENDS", "IN", "IS", "NOT", "OR",
    "STARTS", "XOR", "CASE", "ELSE", "END", "THEN", "WHEN", "NULL", "TRUE", "FALSE", "CONSTRAINT",
    "DO", "FOR", "REQUIRE", "UNIQUE", "MANDATORY", "SCALAR", "OF", "ADD", "DROP", "CALL", "YIELD",
    "FOREACH",
};

static bool is_reserved(const char *s, uint32_t n) {
    if (n < 2 || n > 10) return false;
    for (size_t k = 0; k < sizeof reserved_words / sizeof *reserved_words; k++) {
        const char *w = reserved_words[k];
        if (((w[0] ^ s[0]) & ~0x20) == 0 && strlen(w) == n && strncasecmp(w, s, n) == 0) return true;
    }
    return false;
}

static cy_tok *push(lexer *L, cy_toktype t, uint32_t pos, uint32_t end) {
    if (L->out->n == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 64;
        L->out->v = qv_realloc(L->out->v, (size_t)L->cap * sizeof(cy_tok));
    }
    cy_tok *k = &L->out->v[L->out->n++];
    memset(k, 0, sizeof *k);
    k->type = t;
    k->pos = pos;
    k->end = end;
    return k;
}

static void push_error(lexer *L, uint32_t pos, uint32_t end, const char *detail, const char *fmt, const char *arg) {
    cy_tok *k = push(L, CT_ERROR, pos, end);
    k->detail = detail;
    char msg[200];
    snprintf(msg, sizeof msg, fmt, arg);
    k->text = qv_arena_strndup(L->a, msg, strlen(msg));
    k->tlen = (uint32_t)strlen(msg);
}

static int fail(lexer *L, uint32_t pos, const char *what) {
    return cy_err(L->err, CYE_SYNTAX, "UnexpectedSyntax", (int32_t)pos, "%s", what);
}

/* Skips whitespace and comments. Fails on an unterminated block comment. */
static int skip_space(lexer *L) {
    while (L->i < L->len) {
        unsigned char c = (unsigned char)L->s[L->i];
        if (c == '/' && L->i + 1 < L->len && L->s[L->i + 1] == '/') {
            while (L->i < L->len && L->s[L->i] != '\n') L->i++;
        } else if (c == '/' && L->i + 1 < L->len && L->s[L->i + 1] == '*') {
            uint32_t start = L->i;
            L->i += 2;
            while (L->i + 1 < L->len && !(L->s[L->i] == '*' && L->s[L->i + 1] == '/')) L->i++;
            if (L->i + 1 >= L->len) return fail(L, start, "Unterminated comment: '/*' without '*/'");
            L->i += 2;
        } else if (c < 0x80) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || (c >= 0x1C && c <= 0x1F))
                L->i++;
            else
                return 0;
        } else {
            uint32_t n;
            int32_t cp = utf8_dec(L->s, L->len, L->i, &n);
            if (cp < 0 || !cp_is_space(cp)) return 0;
            L->i += n;
        }
    }
    return 0;
}

/* Whether a clause keyword starts at s[i] (a whole word): where the query begins after a hint. */
static bool clause_word_at(const lexer *L, uint32_t i) {
    static const char *const kws[] = {"MATCH", "OPTIONAL", "CREATE", "MERGE", "UNWIND", "WITH", "RETURN", "CALL",
                                      "FOREACH", "USING"};
    for (size_t k = 0; k < sizeof kws / sizeof *kws; k++) {
        uint32_t n = (uint32_t)strlen(kws[k]);
        if (L->len - i >= n && strncasecmp(L->s + i, kws[k], n) == 0 && ident_char(L, i + n, false) == 0) return true;
    }
    return false;
}

/* Neptune query hints before the query: "USING QUERY: PLANCACHE \"enabled\"" on a line of its own or as a
 * prefix of the query's first line ("USING QUERY: assumeConsistentDataTypes=true MATCH ..."). A hint runs to
 * the end of its line or to the first clause keyword outside quotes. */
static int skip_hints(lexer *L) {
    for (;;) {
        if (skip_space(L) < 0) return -1;
        if (L->len - L->i < 5 || strncasecmp(L->s + L->i, "USING", 5) != 0) return 0;
        uint32_t j = L->i + 5;
        while (j < L->len && (L->s[j] == ' ' || L->s[j] == '\t')) j++;
        if (L->len - j < 6 || strncasecmp(L->s + j, "QUERY:", 6) != 0 || j == L->i + 5) return 0;
        j += 6;
        for (;;) {
            while (j < L->len && (L->s[j] == ' ' || L->s[j] == '\t' || L->s[j] == ',' || L->s[j] == '\r')) j++;
            if (j >= L->len || L->s[j] == '\n' || clause_word_at(L, j)) break;
            if (L->s[j] == '"' || L->s[j] == '\'') {   /* a quoted value */
                char q = L->s[j++];
                while (j < L->len && L->s[j] != q && L->s[j] != '\n') j++;
                if (j < L->len && L->s[j] == q) j++;
            } else {
                while (j < L->len && L->s[j] != ' ' && L->s[j] != '\t' && L->s[j] != '\n' && L->s[j] != ',' &&
                       L->s[j] != '"' && L->s[j] != '\'')
                    j++;
            }
        }
        L->i = j;
    }
}

static void put_utf8(qv_buf *b, uint32_t cp) {
    uint8_t o[4];
    int n;
    if (cp < 0x80) { o[0] = (uint8_t)cp; n = 1; }
    else if (cp < 0x800) { o[0] = (uint8_t)(0xC0 | (cp >> 6)); o[1] = (uint8_t)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (cp >> 12)); o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        o[0] = (uint8_t)(0xF0 | (cp >> 18)); o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (uint8_t)(0x80 | (cp & 0x3F)); n = 4;
    }
    qv_buf_append(b, o, (size_t)n);
}

/* Reads n hex digits at s[i]; -1 if any is not a hex digit or the text ends. */
static int64_t read_hex(const lexer *L, uint32_t i, int n) {
    int64_t v = 0;
    for (int k = 0; k < n; k++) {
        if (i + (uint32_t)k >= L->len) return -1;
        int h = hexval((unsigned char)L->s[i + (uint32_t)k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A quoted string starting at L->i. Bad escapes make a CT_ERROR token (detail InvalidUnicodeLiteral for
 * \u and \U); an unterminated string fails. */
static int lex_string(lexer *L) {
    uint32_t start = L->i;
    char q = L->s[L->i++];
    qv_buf b;
    qv_buf_init(&b);
    const char *bad = NULL, *bad_detail = NULL;
    while (L->i < L->len && L->s[L->i] != q) {
        unsigned char c = (unsigned char)L->s[L->i];
        if (c != '\\') {
            if (c >= 0x80) {
                uint32_t n;
                if (utf8_dec(L->s, L->len, L->i, &n) < 0 && !bad) {
                    bad = "Invalid input: the string literal is not valid UTF-8";
                    bad_detail = "UnexpectedSyntax";
                }
                qv_buf_append(&b, L->s + L->i, n);
                L->i += n;
            } else {
                qv_buf_append_byte(&b, c);
                L->i++;
            }
            continue;
        }
        if (L->i + 1 >= L->len) break;
        char e = L->s[L->i + 1];
        L->i += 2;
        switch (e) {
        case '\\': qv_buf_append_byte(&b, '\\'); break;
        case '\'': qv_buf_append_byte(&b, '\''); break;
        case '"': qv_buf_append_byte(&b, '"'); break;
        case 'b': case 'B': qv_buf_append_byte(&b, '\b'); break;
        case 'f': case 'F': qv_buf_append_byte(&b, '\f'); break;
        case 'n': case 'N': qv_buf_append_byte(&b, '\n'); break;
        case 'r': case 'R': qv_buf_append_byte(&b, '\r'); break;
        case 't': case 'T': qv_buf_append_byte(&b, '\t'); break;
        case 'u': case 'U': {
            int nd = e == 'u' ? 4 : 8;
            int64_t cp = read_hex(L, L->i, nd);
            if (cp < 0 || cp > 0x10FFFF) {
                if (!bad) {
                    bad = "Invalid input: '\\u' and '\\U' need 4 and 8 hex digits of a Unicode code point";
                    bad_detail = "InvalidUnicodeLiteral";
                }
                break;
            }
            L->i += (uint32_t)nd;
            if (cp >= 0xD800 && cp <= 0xDBFF && L->i + 6 <= L->len && L->s[L->i] == '\\' && L->s[L->i + 1] == 'u') {
                int64_t lo = read_hex(L, L->i + 2, 4);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    L->i += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;   /* a lone surrogate */
            put_utf8(&b, (uint32_t)cp);
            break;
        }
        default:   /* unknown escapes are kept as written (regular expressions use \d, \s, ...) */
            qv_buf_append_byte(&b, '\\');
            L->i--;
            break;
        }
    }
    if (L->i >= L->len) {
        qv_buf_free(&b);
        return fail(L, start, "Invalid input: the string literal is not terminated (missing closing quote)");
    }
    L->i++;
    if (bad) {
        push_error(L, start, L->i, bad_detail, "%s", bad);
    } else {
        cy_tok *k = push(L, CT_STRING, start, L->i);
        k->text = qv_arena_strndup(L->a, b.data ? (const char *)b.data : "", b.len);
        k->tlen = (uint32_t)b.len;
    }
    qv_buf_free(&b);
    return 0;
}

/* `name` with `` for a backtick inside. */
static int lex_backtick(lexer *L, uint32_t start, cy_toktype type) {
    qv_buf b;
    qv_buf_init(&b);
    L->i++;
    for (;;) {
        if (L->i >= L->len) {
            qv_buf_free(&b);
            return fail(L, start, "Invalid input: the backticked name is not terminated (missing closing `)");
        }
        if (L->s[L->i] == '`') {
            if (L->i + 1 < L->len && L->s[L->i + 1] == '`') {
                qv_buf_append_byte(&b, '`');
                L->i += 2;
                continue;
            }
            L->i++;
            break;
        }
        qv_buf_append_byte(&b, (uint8_t)L->s[L->i++]);
    }
    cy_tok *k = push(L, type, start, L->i);
    k->text = qv_arena_strndup(L->a, b.data ? (const char *)b.data : "", b.len);
    k->tlen = (uint32_t)b.len;
    qv_buf_free(&b);
    return 0;
}

/* Skips the rest of a malformed number (letters and digits glued to it). */
static void skip_alnum(lexer *L) {
    uint32_t n;
    while ((n = ident_char(L, L->i, false)) > 0) L->i += n;
}

static void lex_number(lexer *L) {
    uint32_t start = L->i;
    const char *s = L->s;
    int base = 10;
    uint32_t digits_at = L->i;
    if (s[L->i] == '0' && L->i + 1 < L->len && (s[L->i + 1] == 'x' || s[L->i + 1] == 'X')) base = 16, digits_at += 2;
    else if (s[L->i] == '0' && L->i + 1 < L->len && (s[L->i + 1] == 'o' || s[L->i + 1] == 'O')) base = 8, digits_at += 2;
    if (base != 10) {
        L->i = digits_at;
        uint64_t mag = 0;
        bool over = false;
        while (L->i < L->len && hexval((unsigned char)s[L->i]) >= 0 && hexval((unsigned char)s[L->i]) < base) {
            uint64_t d = (uint64_t)hexval((unsigned char)s[L->i]);
            if (mag > (UINT64_MAX - d) / (uint64_t)base) over = true; else mag = mag * (uint64_t)base + d;
            L->i++;
        }
        bool glued = ident_char(L, L->i, false) > 0;
        if (L->i == digits_at || glued) {
            skip_alnum(L);
            push_error(L, start, L->i, "InvalidNumberLiteral", "Invalid number literal '%s'",
                       qv_arena_strndup(L->a, s + start, L->i - start > 60 ? 60 : L->i - start));
            return;
        }
        cy_tok *k = push(L, CT_INT, start, L->i);
        k->mag = mag;
        k->overflow = over || mag > (1ull << 63);
        return;
    }
    while (L->i < L->len && ascii_digit((unsigned char)s[L->i])) L->i++;
    bool is_float = false;
    if (L->i + 1 < L->len && s[L->i] == '.' && ascii_digit((unsigned char)s[L->i + 1])) {
        is_float = true;
        L->i++;
        while (L->i < L->len && ascii_digit((unsigned char)s[L->i])) L->i++;
    }
    if (L->i < L->len && (s[L->i] == 'e' || s[L->i] == 'E')) {
        uint32_t j = L->i + 1;
        if (j < L->len && (s[j] == '+' || s[j] == '-')) j++;
        if (j < L->len && ascii_digit((unsigned char)s[j])) {
            is_float = true;
            L->i = j;
            while (L->i < L->len && ascii_digit((unsigned char)s[L->i])) L->i++;
        }
    }
    if (ident_char(L, L->i, false) > 0) {
        skip_alnum(L);
        push_error(L, start, L->i, "InvalidNumberLiteral", "Invalid number literal '%s'",
                   qv_arena_strndup(L->a, s + start, L->i - start > 60 ? 60 : L->i - start));
        return;
    }
    uint32_t n = L->i - start;
    if (is_float) {
        char *tmp = qv_arena_strndup(L->a, s + start, n);
        double f = strtod(tmp, NULL);   /* underflow to 0 or a subnormal is fine; overflow is an error */
        if (isinf(f)) {
            push_error(L, start, L->i, "FloatingPointOverflow", "Floating point number is too large: '%s'",
                       n > 60 ? "..." : tmp);
            return;
        }
        cy_tok *k = push(L, CT_FLOAT, start, L->i);
        k->f = f;
        return;
    }
    bool legacy_octal = n > 1 && s[start] == '0';
    int b = legacy_octal ? 8 : 10;
    uint64_t mag = 0;
    bool over = false;
    for (uint32_t k = start; k < L->i; k++) {
        uint64_t d = (uint64_t)(s[k] - '0');
        if (d >= (uint64_t)b) {
            push_error(L, start, L->i, "InvalidNumberLiteral", "Invalid octal number literal '%s'",
                       qv_arena_strndup(L->a, s + start, n > 60 ? 60 : n));
            return;
        }
        if (mag > (UINT64_MAX - d) / (uint64_t)b) over = true; else mag = mag * (uint64_t)b + d;
    }
    cy_tok *k = push(L, CT_INT, start, L->i);
    k->mag = mag;
    k->overflow = over || mag > (1ull << 63);
}

static int lex_param(lexer *L) {
    uint32_t start = L->i++;
    if (L->i < L->len && L->s[L->i] == '`') return lex_backtick(L, start, CT_PARAM);
    uint32_t n, b = L->i;
    while ((n = ident_char(L, L->i, false)) > 0) L->i += n;
    if (L->i == b) {
        push_error(L, start, start + 1, "UnexpectedSyntax", "%s", "Invalid input '$': expected a parameter name");
        return 0;
    }
    cy_tok *k = push(L, CT_PARAM, start, L->i);
    k->text = qv_arena_strndup(L->a, L->s + b, L->i - b);
    k->tlen = L->i - b;
    return 0;
}

static int lex_punct(lexer *L) {
    uint32_t st = L->i;
    char c = L->s[L->i];
    char d = L->i + 1 < L->len ? L->s[L->i + 1] : 0;
    cy_toktype t;
    uint32_t w = 1;
    switch (c) {
    case '(': t = CT_LPAREN; break;
    case ')': t = CT_RPAREN; break;
    case '[': t = CT_LBRACK; break;
    case ']': t = CT_RBRACK; break;
    case '{': t = CT_LBRACE; break;
    case '}': t = CT_RBRACE; break;
    case ',': t = CT_COMMA; break;
    case '.': if (d == '.') { t = CT_DOTDOT; w = 2; } else t = CT_DOT; break;
    case ':': t = CT_COLON; break;
    case ';': t = CT_SEMI; break;
    case '|': t = CT_PIPE; break;
    case '*': t = CT_STAR; break;
    case '+': if (d == '=') { t = CT_PLUSEQ; w = 2; } else t = CT_PLUS; break;
    case '-': t = CT_MINUS; break;
    case '/': t = CT_SLASH; break;
    case '%': t = CT_PERCENT; break;
    case '^': t = CT_CARET; break;
    case '=': if (d == '~') { t = CT_REGEX; w = 2; } else t = CT_EQ; break;
    case '<':
        if (d == '>') { t = CT_NEQ; w = 2; }
        else if (d == '=') { t = CT_LE; w = 2; }
        else t = CT_LT;
        break;
    case '>': if (d == '=') { t = CT_GE; w = 2; } else t = CT_GT; break;
    case '!': if (d == '=') { t = CT_NEQ; w = 2; break; } /* fall through */
    default: {
        char q[8];
        snprintf(q, sizeof q, "%c", c >= 0x20 && c < 0x7F ? c : '?');
        L->i++;
        push_error(L, st, L->i, "UnexpectedSyntax", "Invalid input '%s'", q);
        return 0;
    }
    }
    L->i += w;
    push(L, t, st, L->i);
    return 0;
}

int cy_lex(qv_arena *a, const char *text, uint32_t len, cy_toks *out, cy_error *err) {
    lexer L = {.a = a, .s = text, .len = len, .out = out, .err = err};
    out->v = NULL;
    out->n = 0;
    if (skip_hints(&L) < 0) goto failed;
    for (;;) {
        if (skip_space(&L) < 0) goto failed;
        if (L.i >= L.len) break;
        unsigned char c = (unsigned char)text[L.i];
        uint32_t start = L.i, n;
        if (c == '\'' || c == '"') {
            if (lex_string(&L) < 0) goto failed;
        } else if (c == '`') {
            if (lex_backtick(&L, start, CT_QIDENT) < 0) goto failed;
        } else if (ascii_digit(c) || (c == '.' && L.i + 1 < len && ascii_digit((unsigned char)text[L.i + 1]))) {
            lex_number(&L);
        } else if (c == '$') {
            if (lex_param(&L) < 0) goto failed;
        } else if ((n = ident_char(&L, L.i, true)) > 0) {
            L.i += n;
            while ((n = ident_char(&L, L.i, false)) > 0) L.i += n;
            cy_tok *k = push(&L, CT_IDENT, start, L.i);
            k->text = qv_arena_strndup(a, text + start, L.i - start);
            k->tlen = L.i - start;
            k->reserved = is_reserved(k->text, k->tlen);
        } else if (c >= 0x80) {
            int32_t cp = utf8_dec(text, len, L.i, &n);
            L.i += n;
            if (cp < 0)
                push_error(&L, start, L.i, "UnexpectedSyntax", "%s", "Invalid input: the query is not valid UTF-8");
            else
                push_error(&L, start, L.i, "InvalidUnicodeCharacter", "Invalid input '%s': this Unicode character "
                           "is not allowed outside strings (an ASCII operator was probably meant)",
                           qv_arena_strndup(a, text + start, n));
        } else {
            lex_punct(&L);
        }
    }
    push(&L, CT_EOF, len, len);
    return 0;
failed:
    cy_lex_free(out);
    return -1;
}

void cy_lex_free(cy_toks *t) {
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

void cy_tok_quote(const char *text, uint32_t len, const cy_tok *t, char *out, uint32_t outsz) {
    uint32_t n = t->end - t->pos;
    if (n > 40) n = 40;
    if (t->pos + n > len) n = len - t->pos;
    /* do not cut a UTF-8 sequence in half */
    while (n > 0 && t->pos + n < len && ((unsigned char)text[t->pos + n] & 0xC0) == 0x80) n--;
    snprintf(out, outsz, "'%.*s'", (int)n, text + t->pos);
}
