/* parse.c — cy_parse and the helpers every parse_*.c file shares (see parse_int.h).
 *
 * Owns: the statement entry point (lex, dispatch to a schema statement or a query, the optional trailing
 * ';', end of input), token matching, names and reserved words, error reporting and the depth guard.
 * Must not: hold grammar rules of expressions, patterns or clauses (parse_expr.c, parse_pattern.c,
 * parse_clause.c, parse_schema.c).
 */
#include "cypher/parse_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

bool cyp_accept(cy_parser *p, cy_toktype t) {
    if (p->failed || !cyp_is(p, 0, t)) return false;
    cyp_next(p);
    return true;
}

bool cyp_accept_kw(cy_parser *p, const char *kw) {
    if (p->failed || !cyp_kw(p, 0, kw)) return false;
    cyp_next(p);
    return true;
}

void cyp_fail_at(cy_parser *p, uint32_t pos, const char *detail, const char *fmt, ...) {
    if (p->failed) return;
    p->failed = true;
    if (!p->err) return;
    char msg[CY_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cy_err(p->err, CYE_SYNTAX, detail, (int32_t)pos, "%s", msg);
    p->err->phase = CY_PHASE_COMPILE;
}

static void fail_expected(cy_parser *p, const char *what, const char *detail) {
    const cy_tok *t = cyp_tok(p, 0);
    if (t->type == CT_ERROR && !detail) {
        cyp_fail_at(p, t->pos, t->detail, "%s", t->text);
        return;
    }
    if (t->type == CT_EOF) {
        cyp_fail_at(p, t->pos, detail ? detail : "UnexpectedSyntax", "Unexpected end of input: expected %s", what);
        return;
    }
    char q[64];
    cy_tok_quote(p->src, p->len, t, q, sizeof q);
    cyp_fail_at(p, t->pos, detail ? detail : "UnexpectedSyntax", "Invalid input %s: expected %s", q, what);
}

void cyp_fail_expected(cy_parser *p, const char *what) { fail_expected(p, what, NULL); }
void cyp_fail_expected_detail(cy_parser *p, const char *what, const char *detail) { fail_expected(p, what, detail); }

bool cyp_expect(cy_parser *p, cy_toktype t, const char *what) {
    if (p->failed) return false;
    if (cyp_accept(p, t)) return true;
    cyp_fail_expected(p, what);
    return false;
}

bool cyp_expect_kw(cy_parser *p, const char *kw) {
    if (p->failed) return false;
    if (cyp_accept_kw(p, kw)) return true;
    cyp_fail_expected(p, kw);
    return false;
}

bool cyp_enter(cy_parser *p) {
    if (p->failed) return false;
    if (++p->depth > CY_MAX_DEPTH) {
        cyp_fail_at(p, cyp_pos(p), "UnexpectedSyntax",
                    "The query nests expressions or patterns more than %d levels deep", CY_MAX_DEPTH);
        return false;
    }
    return true;
}

bool cyp_is_reserved(const cy_tok *t) { return t->type == CT_IDENT && t->reserved; }

bool cyp_at_var(const cy_parser *p, uint32_t k) {
    const cy_tok *t = cyp_tok(p, k);
    return t->type == CT_QIDENT || (t->type == CT_IDENT && !cyp_is_reserved(t));
}

const char *cyp_var(cy_parser *p, const char *what) {
    if (p->failed) return NULL;
    if (!cyp_at_var(p, 0)) {
        cyp_fail_expected(p, what);
        return NULL;
    }
    const char *s = cyp_tok(p, 0)->text;
    cyp_next(p);
    return s;
}

bool cyp_at_name(const cy_parser *p, uint32_t k) {
    cy_toktype t = cyp_tok(p, k)->type;
    return t == CT_IDENT || t == CT_QIDENT;
}

const char *cyp_name(cy_parser *p, const char *what) {
    if (p->failed) return NULL;
    if (!cyp_at_name(p, 0)) {
        cyp_fail_expected(p, what);
        return NULL;
    }
    const char *s = cyp_tok(p, 0)->text;
    cyp_next(p);
    return s;
}

void cyp_push(cy_parser *p, void *vec, uint32_t *n, uint32_t *cap, const void *elem, size_t size) {
    char **v = vec;
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 4;
        char *nv = qv_arena_alloc(p->a, (size_t)nc * size);
        if (*n) memcpy(nv, *v, (size_t)*n * size);
        *v = nv;
        *cap = nc;
    }
    memcpy(*v + (size_t)*n * size, elem, size);
    (*n)++;
}

cy_expr *cyp_new_expr(cy_parser *p, cy_expr_kind k, uint32_t pos) {
    cy_expr *e = qv_arena_zalloc(p->a, sizeof *e);
    e->kind = k;
    e->pos = pos;
    e->end = cyp_prev_end(p);
    e->slot = -1;
    return e;
}

/* Pairs every '{' with its '}' in one pass, so the pattern lookahead skips property maps in O(1). */
static void match_braces(cy_parser *p) {
    p->brace_end = qv_malloc((size_t)p->n * sizeof(uint32_t));
    uint32_t *stack = qv_malloc((size_t)p->n * sizeof(uint32_t)), top = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        p->brace_end[i] = UINT32_MAX;
        if (p->t[i].type == CT_LBRACE) stack[top++] = i;
        else if (p->t[i].type == CT_RBRACE && top) p->brace_end[stack[--top]] = i;
    }
    free(stack);
}

cy_ast *cy_parse(qv_arena *a, const char *text, uint32_t len, cy_error *err) {
    if (err) cy_error_clear(err);
    cy_toks toks;
    if (cy_lex(a, text, len, &toks, err) < 0) {
        if (err) err->phase = CY_PHASE_COMPILE;
        cy_error_locate(err, text, len);
        return NULL;
    }
    cy_parser p = {.a = a, .src = text, .len = len, .t = toks.v, .n = toks.n, .err = err};
    match_braces(&p);
    cy_ast *q = NULL;
    if (cyp_is(&p, 0, CT_EOF)) {
        cyp_fail_at(&p, len, "UnexpectedSyntax", "Invalid input: the query is empty");
    } else {
        q = cyp_at_schema(&p) ? cyp_schema(&p) : cyp_union_query(&p, false);
        if (q && !p.failed) {
            cyp_accept(&p, CT_SEMI);
            if (!cyp_is(&p, 0, CT_EOF))
                cyp_fail_expected(&p, q->kind == CY_STMT_QUERY ? "a clause, UNION, ';' or the end of the query"
                                                               : "';' or the end of the statement");
            else
                cyp_check_pattern_predicates(&p, q);
        }
    }
    cy_lex_free(&toks);
    free(p.brace_end);
    if (p.failed || !q) {
        if (!p.failed) cyp_fail_at(&p, 0, "UnexpectedSyntax", "Invalid input");
        cy_error_locate(err, text, len);
        return NULL;
    }
    return q;
}
