/* parse_atom.c — openCypher atoms: the operands of the expression ladder.
 *
 * Owns: literals, parameters, lists and list / pattern comprehensions, map literals, CASE (simple and
 * generic), function calls (namespaced names, DISTINCT, count(*); exists(<pattern>) becomes CX_EXISTS),
 * quantifiers all / any / none / single, reduce, EXISTS { pattern [WHERE] } and EXISTS { query }, pattern
 * predicates and shortestPath(...) as expressions, parenthesised expressions, variables.
 * Must not: check scoping or types (sema does), recurse past CY_MAX_DEPTH.
 */
#include "cypher/parse_int.h"

#include <string.h>
#include <strings.h>

cy_expr *cyp_map_literal(cy_parser *p) {
    uint32_t pos = cyp_pos(p);
    if (!cyp_expect(p, CT_LBRACE, "'{'") || !cyp_enter(p)) return NULL;
    cy_expr *e = cyp_new_expr(p, CX_MAP, pos);
    uint32_t cap = 0, kcap = 0;
    if (!cyp_is(p, 0, CT_RBRACE)) {
        do {
            if (!cyp_at_name(p, 0)) {
                cyp_fail_expected_detail(p, "a property key name", "UnexpectedSyntax");
                return NULL;
            }
            const char *k = cyp_name(p, "a property key name");
            if (!cyp_expect(p, CT_COLON, "':'")) return NULL;
            cy_expr *v = cyp_expr(p);
            if (!v) return NULL;
            uint32_t n = e->n_args;
            cyp_push(p, &e->keys, &n, &kcap, &k, sizeof k);
            cyp_push(p, &e->args, &e->n_args, &cap, &v, sizeof v);
        } while (cyp_accept(p, CT_COMMA));
    }
    cyp_leave(p);
    if (!cyp_expect(p, CT_RBRACE, "',' or '}'")) return NULL;
    e->end = cyp_prev_end(p);
    return e;
}

/* The pattern of a CX_PATTERN / CX_PATTERN_COMP / shortestPath(...) expression: one path. */
static cy_pattern *one_path_pattern(cy_parser *p, bool need_rel) {
    cy_pattern *pat = qv_arena_zalloc(p->a, sizeof *pat);
    pat->pos = cyp_pos(p);
    pat->n_paths = 1;
    pat->paths = qv_arena_zalloc(p->a, sizeof *pat->paths);
    bool ok = need_rel ? cyp_path_chain(p, pat->paths, true) : cyp_path(p, pat->paths);
    return ok ? pat : NULL;
}

static cy_expr *list_or_comprehension(cy_parser *p) {
    uint32_t pos = cyp_pos(p);
    cyp_next(p);   /* '[' */
    if (!cyp_enter(p)) return NULL;
    cy_expr *e;
    if (cyp_at_var(p, 0) && cyp_kw(p, 1, "IN")) {
        e = cyp_new_expr(p, CX_LIST_COMP, pos);
        e->name = cyp_var(p, "a variable");
        cyp_next(p);
        if (!(e->a = cyp_expr(p))) return NULL;
        if (cyp_accept_kw(p, "WHERE") && !(e->b = cyp_expr(p))) return NULL;
        if (cyp_accept(p, CT_PIPE) && !(e->c = cyp_expr(p))) return NULL;
    } else if ((cyp_at_var(p, 0) && cyp_is(p, 1, CT_EQ) && cyp_looks_like_rel_pattern(p, 2)) ||
               cyp_looks_like_rel_pattern(p, 0)) {
        e = cyp_new_expr(p, CX_PATTERN_COMP, pos);
        if (cyp_is(p, 1, CT_EQ)) {
            e->name = cyp_var(p, "a path variable");
            cyp_next(p);
        }
        if (!(e->pattern = one_path_pattern(p, true))) return NULL;
        if (cyp_accept_kw(p, "WHERE") && !(e->b = cyp_expr(p))) return NULL;
        if (!cyp_expect(p, CT_PIPE, "WHERE or '|'") || !(e->c = cyp_expr(p))) return NULL;
    } else {
        e = cyp_new_expr(p, CX_LIST, pos);
        uint32_t cap = 0;
        if (!cyp_is(p, 0, CT_RBRACK)) {
            do {
                cy_expr *x = cyp_expr(p);
                if (!x) return NULL;
                cyp_push(p, &e->args, &e->n_args, &cap, &x, sizeof x);
            } while (cyp_accept(p, CT_COMMA));
        }
    }
    cyp_leave(p);
    if (!cyp_expect(p, CT_RBRACK, e->kind == CX_LIST ? "',' or ']'" : "']'")) return NULL;
    e->end = cyp_prev_end(p);
    return e;
}

static cy_expr *case_expr(cy_parser *p) {
    cy_expr *e = cyp_new_expr(p, CX_CASE, cyp_pos(p));
    cyp_next(p);
    if (!cyp_kw(p, 0, "WHEN") && !(e->a = cyp_expr(p))) return NULL;
    uint32_t cap = 0;
    while (cyp_accept_kw(p, "WHEN")) {
        cy_expr *w = cyp_expr(p), *t;
        if (!w || !cyp_expect_kw(p, "THEN") || !(t = cyp_expr(p))) return NULL;
        cyp_push(p, &e->args, &e->n_args, &cap, &w, sizeof w);
        cyp_push(p, &e->args, &e->n_args, &cap, &t, sizeof t);
    }
    if (e->n_args == 0) {
        cyp_fail_expected(p, "WHEN");
        return NULL;
    }
    if (cyp_accept_kw(p, "ELSE") && !(e->b = cyp_expr(p))) return NULL;
    if (!cyp_expect_kw(p, "END")) return NULL;
    e->end = cyp_prev_end(p);
    return e;
}

/* all / any / none / single ( x IN list [WHERE pred] ) */
static cy_expr *quantifier(cy_parser *p, cy_quant q) {
    cy_expr *e = cyp_new_expr(p, CX_QUANT, cyp_pos(p));
    e->quant = q;
    cyp_next(p);
    cyp_next(p);   /* '(' */
    e->name = cyp_var(p, "a variable");
    if (!e->name || !cyp_expect_kw(p, "IN") || !(e->a = cyp_expr(p))) return NULL;
    if (cyp_accept_kw(p, "WHERE") && !(e->b = cyp_expr(p))) return NULL;
    if (!cyp_expect(p, CT_RPAREN, "WHERE or ')'")) return NULL;
    e->end = cyp_prev_end(p);
    return e;
}

/* reduce(acc = init, x IN list | expr) */
static cy_expr *reduce_expr(cy_parser *p) {
    cy_expr *e = cyp_new_expr(p, CX_REDUCE, cyp_pos(p));
    cyp_next(p);
    cyp_next(p);
    if (!(e->name2 = cyp_var(p, "an accumulator variable")) || !cyp_expect(p, CT_EQ, "'='") ||
        !(e->b = cyp_expr(p)) || !cyp_expect(p, CT_COMMA, "','") || !(e->name = cyp_var(p, "a variable")) ||
        !cyp_expect_kw(p, "IN") || !(e->a = cyp_expr(p)) || !cyp_expect(p, CT_PIPE, "'|'") ||
        !(e->c = cyp_expr(p)) || !cyp_expect(p, CT_RPAREN, "')'"))
        return NULL;
    e->end = cyp_prev_end(p);
    return e;
}

static bool at_clause_start(const cy_parser *p) {
    static const char *const kws[] = {"MATCH", "OPTIONAL", "UNWIND", "WITH", "RETURN", "CALL", "CREATE",
                                      "MERGE", "SET", "REMOVE", "DELETE", "DETACH", "FOREACH"};
    for (size_t k = 0; k < sizeof kws / sizeof *kws; k++)
        if (cyp_kw(p, 0, kws[k])) return true;
    return false;
}

/* EXISTS { pattern [WHERE ...] } or EXISTS { query } */
static cy_expr *exists_subquery(cy_parser *p) {
    cy_expr *e = cyp_new_expr(p, CX_EXISTS, cyp_pos(p));
    cyp_next(p);
    cyp_next(p);   /* '{' */
    if (!cyp_enter(p)) return NULL;
    if (at_clause_start(p)) {
        if (!(e->subquery = cyp_union_query(p, true))) return NULL;
    } else {
        if (!(e->pattern = cyp_pattern(p))) return NULL;
        if (cyp_accept_kw(p, "WHERE") && !(e->b = cyp_expr(p))) return NULL;
    }
    cyp_leave(p);
    if (!cyp_expect(p, CT_RBRACE, "'}'")) return NULL;
    e->end = cyp_prev_end(p);
    return e;
}

/* name(.name)* ( [DISTINCT] args ) — the caller checked the shape. */
static cy_expr *function_call(cy_parser *p, uint32_t nparts) {
    uint32_t pos = cyp_pos(p);
    size_t total = 0;
    for (uint32_t k = 0; k < nparts; k++) total += cyp_tok(p, 2 * k)->tlen + 1;
    char *name = qv_arena_alloc(p->a, total);
    size_t off = 0;
    for (uint32_t k = 0; k < nparts; k++) {
        const cy_tok *t = cyp_tok(p, 0);
        if (k) name[off++] = '.';
        memcpy(name + off, t->text, t->tlen);
        off += t->tlen;
        cyp_next(p);
        if (k + 1 < nparts) cyp_next(p);   /* '.' */
    }
    name[off] = 0;
    cyp_next(p);   /* '(' */
    cy_expr *e = cyp_new_expr(p, CX_CALL, pos);
    e->name = name;
    if (strcasecmp(name, "count") == 0 && cyp_is(p, 0, CT_STAR) && cyp_is(p, 1, CT_RPAREN)) {
        cyp_next(p);
        cyp_next(p);
        e->star = true;
        e->end = cyp_prev_end(p);
        return e;
    }
    e->distinct = cyp_accept_kw(p, "DISTINCT");
    uint32_t cap = 0;
    if (!cyp_is(p, 0, CT_RPAREN)) {
        do {
            cy_expr *x = cyp_expr(p);
            if (!x) return NULL;
            cyp_push(p, &e->args, &e->n_args, &cap, &x, sizeof x);
        } while (cyp_accept(p, CT_COMMA));
    }
    if (!cyp_expect(p, CT_RPAREN, "',' or ')'")) return NULL;
    e->end = cyp_prev_end(p);
    if (strcasecmp(name, "exists") == 0 && e->n_args == 1 && e->args[0]->kind == CX_PATTERN && !e->distinct) {
        cy_expr *x = cyp_new_expr(p, CX_EXISTS, pos);
        x->pattern = e->args[0]->pattern;
        return x;
    }
    return e;
}

/* Counts the parts of "a.b.c(" at the cursor: 0 when it is not a function call. */
static uint32_t call_parts(const cy_parser *p) {
    uint32_t k = 0, parts = 0;
    for (;;) {
        if (!cyp_at_name(p, k)) return 0;
        parts++;
        if (cyp_is(p, k + 1, CT_LPAREN)) return parts;
        if (!cyp_is(p, k + 1, CT_DOT)) return 0;
        k += 2;
    }
}

cy_expr *cyp_atom(cy_parser *p) {
    if (p->failed) return NULL;
    const cy_tok *t = cyp_tok(p, 0);
    uint32_t pos = t->pos;
    cy_expr *e;
    switch (t->type) {
    case CT_INT:
        return cyp_int_literal(p, pos, false);
    case CT_FLOAT:
        cyp_next(p);
        e = cyp_new_expr(p, CX_FLOAT, pos);
        e->lit = qv_float(t->f);
        return e;
    case CT_STRING:
        cyp_next(p);
        e = cyp_new_expr(p, CX_STRING, pos);
        e->lit = qv_str_ref(t->text, t->tlen);
        return e;
    case CT_PARAM:
        cyp_next(p);
        e = cyp_new_expr(p, CX_PARAM, pos);
        e->name = t->text;
        return e;
    case CT_LBRACK:
        return list_or_comprehension(p);
    case CT_LBRACE:
        return cyp_map_literal(p);
    case CT_LPAREN:
        if (cyp_looks_like_rel_pattern(p, 0)) {
            e = cyp_new_expr(p, CX_PATTERN, pos);
            if (!cyp_enter(p) || !(e->pattern = one_path_pattern(p, true))) return NULL;
            cyp_leave(p);
            e->end = cyp_prev_end(p);
            return e;
        }
        cyp_next(p);
        if (!(e = cyp_expr(p)) || !cyp_expect(p, CT_RPAREN, "')'")) return NULL;
        e->pos = pos;   /* the parentheses belong to the expression's text */
        e->end = cyp_prev_end(p);
        return e;
    case CT_IDENT:
    case CT_QIDENT:
        break;
    default:
        cyp_fail_expected(p, "an expression");
        return NULL;
    }
    if (t->type == CT_IDENT) {
        bool paren = cyp_is(p, 1, CT_LPAREN);
        if (cy_tok_is_kw(t, "NULL")) { cyp_next(p); return cyp_new_expr(p, CX_NULL, pos); }
        if (cy_tok_is_kw(t, "TRUE") || cy_tok_is_kw(t, "FALSE")) {
            cyp_next(p);
            e = cyp_new_expr(p, CX_BOOL, pos);
            e->lit = qv_bool(cy_tok_is_kw(t, "TRUE"));
            return e;
        }
        if (cy_tok_is_kw(t, "CASE")) return case_expr(p);
        if (cy_tok_is_kw(t, "EXISTS") && cyp_is(p, 1, CT_LBRACE)) return exists_subquery(p);
        if (paren && cyp_at_var(p, 2) && cyp_kw(p, 3, "IN")) {
            if (cy_tok_is_kw(t, "ALL")) return quantifier(p, CXQ_ALL);
            if (cy_tok_is_kw(t, "ANY")) return quantifier(p, CXQ_ANY);
            if (cy_tok_is_kw(t, "NONE")) return quantifier(p, CXQ_NONE);
            if (cy_tok_is_kw(t, "SINGLE")) return quantifier(p, CXQ_SINGLE);
        }
        if (paren && cy_tok_is_kw(t, "reduce") && cyp_at_var(p, 2) && cyp_is(p, 3, CT_EQ)) return reduce_expr(p);
        if (paren && (cy_tok_is_kw(t, "shortestPath") || cy_tok_is_kw(t, "allShortestPaths"))) {
            e = cyp_new_expr(p, CX_PATTERN, pos);
            if (!(e->pattern = one_path_pattern(p, false))) return NULL;
            e->end = cyp_prev_end(p);
            return e;
        }
    }
    uint32_t parts = call_parts(p);
    if (parts) return function_call(p, parts);
    if (!cyp_at_var(p, 0)) {
        cyp_fail_expected(p, "an expression");
        return NULL;
    }
    cyp_next(p);
    e = cyp_new_expr(p, CX_VAR, pos);
    e->name = t->text;
    return e;
}
