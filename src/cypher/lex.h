/* lex.h — the openCypher tokenizer (internal to the parser).
 *
 * Owns: turning query text into a token array: keywords and names (unescaped, backticks removed),
 * string literals (escapes decoded), integer and float literals (decimal, hex 0x, octal 0o and legacy 0..),
 * parameters ($name, $0), punctuation; skipping whitespace, comments and leading Neptune query hints.
 * Malformed literals do not stop the lexer: they become CT_ERROR tokens carrying the openCypher error detail and message,
 * reported by the parser where it meets them (so context can choose the error, e.g. a bad map key).
 * Must not: build AST nodes or know the grammar beyond single tokens.
 */
#ifndef QV_CYPHER_LEX_H
#define QV_CYPHER_LEX_H

#include <stdbool.h>
#include <stdint.h>
#include <strings.h>

#include "util/arena.h"
#include "value/cyerr.h"

typedef enum cy_toktype {
    CT_EOF = 0,
    CT_IDENT,      /* a name or keyword: .text (NUL-terminated) */
    CT_QIDENT,     /* `a backticked name`: .text, never a keyword */
    CT_STRING,     /* .text (decoded, may contain NUL), .tlen bytes */
    CT_INT,        /* .mag: the magnitude; .overflow when it exceeds 2^63 (2^63 itself only as -2^63) */
    CT_FLOAT,      /* .f */
    CT_PARAM,      /* $name / $0: .text */
    CT_ERROR,      /* a malformed token: .detail, .text holds the message */
    CT_LPAREN, CT_RPAREN, CT_LBRACK, CT_RBRACK, CT_LBRACE, CT_RBRACE,
    CT_COMMA, CT_DOT, CT_DOTDOT, CT_COLON, CT_SEMI, CT_PIPE,
    CT_STAR, CT_PLUS, CT_MINUS, CT_SLASH, CT_PERCENT, CT_CARET,
    CT_EQ, CT_NEQ, CT_LT, CT_GT, CT_LE, CT_GE, CT_REGEX, CT_PLUSEQ,
} cy_toktype;

typedef struct cy_tok {
    cy_toktype type;
    uint32_t pos, end;         /* byte range in the query text */
    const char *text;
    uint32_t tlen;
    bool overflow;             /* CT_INT */
    bool reserved;             /* CT_IDENT: one of openCypher's reserved words (never a bare variable) */
    const char *detail;        /* CT_ERROR */
    union {
        uint64_t mag;          /* CT_INT */
        double f;              /* CT_FLOAT */
    };
} cy_tok;

typedef struct cy_toks {
    cy_tok *v;                 /* heap array, ends with one CT_EOF token; free with cy_lex_free */
    uint32_t n;
} cy_toks;

/* Tokenizes text. Identifier and string bytes go into the arena (the AST keeps pointing at them). Fails
 * (-1, err set) only for input that cannot be split into tokens at all: an unterminated string, comment or
 * backticked name. */
int cy_lex(qv_arena *a, const char *text, uint32_t len, cy_toks *out, cy_error *err);
void cy_lex_free(cy_toks *t);

/* Case-insensitive keyword test of an unquoted name token (kw is upper case). The first-letter test
 * settles most mismatches without a call. */
static inline bool cy_tok_is_kw(const cy_tok *t, const char *kw) {
    if (t->type != CT_IDENT || ((t->text[0] ^ kw[0]) & ~0x20)) return false;
    return strcasecmp(t->text, kw) == 0;
}

/* A short quote of the token for messages ("Invalid input 'X'"): at most ~40 bytes. */
void cy_tok_quote(const char *text, uint32_t len, const cy_tok *t, char *out, uint32_t outsz);

#endif
