/* parse_int.h — the recursive-descent parser's shared state and helpers (internal to parse*.c).
 *
 * Owns: the parser cursor over the token array, error reporting ("Invalid input 'X': expected ..." with the
 * token's offset and an openCypher error detail), the nesting-depth guard, arena vectors, and the entry points each
 * parse_*.c file offers the others.
 * Must not: be included outside src/cypher/parse*.c.
 */
#ifndef QV_CYPHER_PARSE_INT_H
#define QV_CYPHER_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cypher/ast.h"
#include "cypher/lex.h"

typedef struct cy_parser {
    qv_arena *a;
    const char *src;
    uint32_t len;
    const cy_tok *t;       /* tokens, the last one CT_EOF */
    uint32_t n, i;         /* count, cursor */
    uint32_t *brace_end;   /* for a '{' token: the index of its matching '}', or UINT32_MAX */
    uint32_t depth;        /* nesting of expressions, patterns and subqueries */
    cy_error *err;
    bool failed;           /* an error is set: every caller unwinds */
} cy_parser;

/* ---- tokens ---- */
static inline const cy_tok *cyp_tok(const cy_parser *p, uint32_t k) {
    uint32_t j = p->i + k;
    return &p->t[j < p->n ? j : p->n - 1];
}
static inline bool cyp_is(const cy_parser *p, uint32_t k, cy_toktype t) { return cyp_tok(p, k)->type == t; }
static inline bool cyp_kw(const cy_parser *p, uint32_t k, const char *kw) { return cy_tok_is_kw(cyp_tok(p, k), kw); }
static inline uint32_t cyp_pos(const cy_parser *p) { return cyp_tok(p, 0)->pos; }
static inline uint32_t cyp_prev_end(const cy_parser *p) { return p->i ? p->t[p->i - 1].end : 0; }
static inline void cyp_next(cy_parser *p) { if (p->i + 1 < p->n) p->i++; }
bool cyp_accept(cy_parser *p, cy_toktype t);
bool cyp_accept_kw(cy_parser *p, const char *kw);

/* ---- errors: all return NULL / -1 / false after setting p->err once ---- */
/* "Invalid input 'X': expected <what>" at the current token (a CT_ERROR token reports its own problem). */
void cyp_fail_expected(cy_parser *p, const char *what);
/* Same, but always with this detail (even for a CT_ERROR token). */
void cyp_fail_expected_detail(cy_parser *p, const char *what, const char *detail);
void cyp_fail_at(cy_parser *p, uint32_t pos, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool cyp_expect(cy_parser *p, cy_toktype t, const char *what);
bool cyp_expect_kw(cy_parser *p, const char *kw);
bool cyp_enter(cy_parser *p);   /* depth + 1; fails past CY_MAX_DEPTH */
static inline void cyp_leave(cy_parser *p) { p->depth--; }

/* ---- names ---- */
bool cyp_is_reserved(const cy_tok *t);
/* A variable: an unreserved name or a backticked one. */
bool cyp_at_var(const cy_parser *p, uint32_t k);
const char *cyp_var(cy_parser *p, const char *what);
/* Any name, reserved words included (labels, types, property keys, procedure names). */
bool cyp_at_name(const cy_parser *p, uint32_t k);
const char *cyp_name(cy_parser *p, const char *what);

/* ---- arena vectors: *v grows by doubling; the final array stays in the arena ---- */
void cyp_push(cy_parser *p, void *vec, uint32_t *n, uint32_t *cap, const void *elem, size_t size);

cy_expr *cyp_new_expr(cy_parser *p, cy_expr_kind k, uint32_t pos);

/* ---- entry points between the files ---- */
cy_expr *cyp_expr(cy_parser *p);                 /* parse_expr.c */
cy_expr *cyp_postfix_expr(cy_parser *p);         /* atom with .prop / [i] / :Label (SET and REMOVE targets) */
cy_expr *cyp_int_literal(cy_parser *p, uint32_t pos, bool negative);   /* at a CT_INT token */
cy_expr *cyp_atom(cy_parser *p);                 /* parse_atom.c */
cy_expr *cyp_map_literal(cy_parser *p);          /* at '{' */
/* parse_pattern.c */
cy_pattern *cyp_pattern(cy_parser *p);           /* path (',' path)* */
bool cyp_path(cy_parser *p, cy_path_pat *out);   /* [var =] [shortestPath(] node (rel node)* [)] */
bool cyp_path_chain(cy_parser *p, cy_path_pat *out, bool need_rel);
/* Whether tokens at offset k start a node pattern followed by a relationship: "(a:L {..})-" / ")<-". */
bool cyp_looks_like_rel_pattern(const cy_parser *p, uint32_t k);
/* parse_clause.c */
cy_ast *cyp_union_query(cy_parser *p, bool in_exists);
/* parse_check.c: pattern expressions only as predicates */
bool cyp_check_pattern_predicates(cy_parser *p, const cy_ast *q);
/* parse_schema.c */
bool cyp_at_schema(const cy_parser *p);
cy_ast *cyp_schema(cy_parser *p);

#endif
