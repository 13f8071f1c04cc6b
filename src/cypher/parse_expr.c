/* parse_expr.c — openCypher expressions.
 *
 * Owns: the precedence ladder (OR < XOR < AND < NOT < comparison (chained) < string/list/null predicates <
 * + - < * / % < ^ < unary + - < postfix . [] [..] :Label < atoms), literals (a minus sign glued to a number
 * literal folds into it, so -9223372036854775808 is a literal), and every atom: lists, maps, parameters,
 * CASE, function calls (namespaced, DISTINCT, count(*)), list and pattern comprehensions, quantifiers,
 * reduce, EXISTS { }, pattern predicates, map projections, parentheses. Every node gets pos/end covering
 * its source text (projection column names are that text).
 * Must not: check scoping or types (sema does), recurse past CY_MAX_DEPTH.
 */
#include "cypher/parse_int.h"

#include <string.h>
#include <strings.h>

static cy_expr *or_expr(cy_parser *p);
static cy_expr *unary_expr(cy_parser *p);

cy_expr *cyp_expr(cy_parser *p) {
    if (!cyp_enter(p)) return NULL;
    cy_expr *e = or_expr(p);
    cyp_leave(p);
    return p->failed ? NULL : e;
}

static cy_expr *binary(cy_parser *p, cy_op op, cy_expr *l, cy_expr *r) {
    cy_expr *e = cyp_new_expr(p, CX_BINARY, l->pos);
    e->op = op;
    e->a = l;
    e->b = r;
    e->end = r->end;
    return e;
}

/* left-associative chains of one keyword operator */
static cy_expr *kw_chain(cy_parser *p, const char *kw, cy_op op, cy_expr *(*next)(cy_parser *)) {
    cy_expr *l = next(p);
    uint32_t grown = 0;
    while (l && cyp_kw(p, 0, kw)) {
        cyp_next(p);
        if (!cyp_enter(p)) return NULL;
        grown++;
        cy_expr *r = next(p);
        if (!r) return NULL;
        l = binary(p, op, l, r);
    }
    p->depth -= grown;
    return p->failed ? NULL : l;
}

static cy_expr *not_expr(cy_parser *p);
static cy_expr *cmp_expr(cy_parser *p);
static cy_expr *pred_expr(cy_parser *p);
static cy_expr *and_expr(cy_parser *p) { return kw_chain(p, "AND", CXO_AND, not_expr); }
static cy_expr *xor_expr(cy_parser *p) { return kw_chain(p, "XOR", CXO_XOR, and_expr); }
static cy_expr *or_expr(cy_parser *p) { return kw_chain(p, "OR", CXO_OR, xor_expr); }

static cy_expr *not_expr(cy_parser *p) {
    if (!cyp_kw(p, 0, "NOT")) return cmp_expr(p);
    uint32_t pos = cyp_pos(p);
    cyp_next(p);
    if (!cyp_enter(p)) return NULL;
    cy_expr *x = not_expr(p);
    cyp_leave(p);
    if (!x) return NULL;
    cy_expr *e = cyp_new_expr(p, CX_UNARY, pos);
    e->op = CXO_NOT;
    e->a = x;
    return e;
}

static cy_op cmp_op(cy_toktype t) {
    switch (t) {
    case CT_EQ: return CXO_EQ;
    case CT_NEQ: return CXO_NEQ;
    case CT_LT: return CXO_LT;
    case CT_GT: return CXO_GT;
    case CT_LE: return CXO_LE;
    case CT_GE: return CXO_GE;
    default: return CXO_NONE;
    }
}

/* a < b < c means a < b AND b < c (b is shared, evaluated per use). */
static cy_expr *cmp_expr(cy_parser *p) {
    cy_expr *first = pred_expr(p);
    if (!first) return NULL;
    cy_expr *result = NULL, *prev = first;
    cy_op op;
    uint32_t grown = 0;
    while ((op = cmp_op(cyp_tok(p, 0)->type)) != CXO_NONE) {
        cyp_next(p);
        if (!cyp_enter(p)) return NULL;
        grown++;
        cy_expr *r = pred_expr(p);
        if (!r) return NULL;
        cy_expr *c = binary(p, op, prev, r);
        result = result ? binary(p, CXO_AND, result, c) : c;
        prev = r;
    }
    p->depth -= grown;
    return result ? result : first;
}

static cy_expr *add_expr(cy_parser *p);

static cy_expr *pred_expr(cy_parser *p) {
    cy_expr *l = add_expr(p);
    uint32_t grown = 0;
    while (l && !p->failed) {
        cy_op op = CXO_NONE;
        if (cyp_kw(p, 0, "STARTS") && cyp_kw(p, 1, "WITH")) { op = CXO_STARTS_WITH; cyp_next(p); }
        else if (cyp_kw(p, 0, "ENDS") && cyp_kw(p, 1, "WITH")) { op = CXO_ENDS_WITH; cyp_next(p); }
        else if (cyp_kw(p, 0, "CONTAINS")) op = CXO_CONTAINS;
        else if (cyp_kw(p, 0, "IN")) op = CXO_IN;
        else if (cyp_is(p, 0, CT_REGEX)) op = CXO_REGEX;
        if (op != CXO_NONE || cyp_kw(p, 0, "IS")) {
            if (!cyp_enter(p)) return NULL;
            grown++;
        }
        if (op != CXO_NONE) {
            cyp_next(p);
            cy_expr *r = add_expr(p);
            if (!r) return NULL;
            l = binary(p, op, l, r);
            continue;
        }
        if (cyp_kw(p, 0, "IS")) {
            bool neg = cyp_kw(p, 1, "NOT");
            cyp_next(p);
            if (neg) cyp_next(p);
            if (!cyp_expect_kw(p, "NULL")) return NULL;
            cy_expr *e = cyp_new_expr(p, neg ? CX_IS_NOT_NULL : CX_IS_NULL, l->pos);
            e->a = l;
            l = e;
            continue;
        }
        break;
    }
    p->depth -= grown;
    return p->failed ? NULL : l;
}

static cy_expr *arith_level(cy_parser *p, int level);

static cy_expr *add_expr(cy_parser *p) { return arith_level(p, 0); }

/* level 0: + -, 1: * / %, 2: ^ (left-associative, as openCypher's grammar), operands of ^ are unary. */
static cy_expr *arith_level(cy_parser *p, int level) {
    cy_expr *l = level == 2 ? unary_expr(p) : arith_level(p, level + 1);
    uint32_t grown = 0;
    while (l && !p->failed) {
        cy_toktype t = cyp_tok(p, 0)->type;
        cy_op op = CXO_NONE;
        if (level == 0) op = t == CT_PLUS ? CXO_ADD : t == CT_MINUS ? CXO_SUB : CXO_NONE;
        else if (level == 1) op = t == CT_STAR ? CXO_MUL : t == CT_SLASH ? CXO_DIV : t == CT_PERCENT ? CXO_MOD : CXO_NONE;
        else op = t == CT_CARET ? CXO_POW : CXO_NONE;
        if (op == CXO_NONE) break;
        cyp_next(p);
        if (!cyp_enter(p)) return NULL;
        grown++;
        cy_expr *r = level == 2 ? unary_expr(p) : arith_level(p, level + 1);
        if (!r) return NULL;
        l = binary(p, op, l, r);
    }
    p->depth -= grown;
    return p->failed ? NULL : l;
}

static cy_expr *postfix_of(cy_parser *p, cy_expr *e);
static cy_expr *atom(cy_parser *p);

static cy_expr *int_literal(cy_parser *p, uint32_t pos, bool negative) {
    const cy_tok *t = cyp_tok(p, 0);
    if (t->overflow || (!negative && t->mag == (1ull << 63))) {
        cyp_fail_at(p, pos, "IntegerOverflow", "Integer literal %s%.*s is too large for a 64-bit integer",
                    negative ? "-" : "", (int)(t->end - t->pos > 60 ? 60 : t->end - t->pos), p->src + t->pos);
        return NULL;
    }
    cyp_next(p);
    cy_expr *e = cyp_new_expr(p, CX_INT, pos);
    int64_t v = t->mag == (1ull << 63) ? INT64_MIN : (int64_t)t->mag;
    e->lit = qv_int(negative && v != INT64_MIN ? -v : v);
    return e;
}

static cy_expr *unary_expr(cy_parser *p) {
    const cy_tok *t = cyp_tok(p, 0);
    if (t->type != CT_PLUS && t->type != CT_MINUS) return postfix_of(p, atom(p));
    uint32_t pos = t->pos;
    bool neg = t->type == CT_MINUS;
    cyp_next(p);
    if (neg && cyp_is(p, 0, CT_INT)) return postfix_of(p, int_literal(p, pos, true));
    if (neg && cyp_is(p, 0, CT_FLOAT)) {
        double f = cyp_tok(p, 0)->f;
        cyp_next(p);
        cy_expr *e = cyp_new_expr(p, CX_FLOAT, pos);
        e->lit = qv_float(-f);
        return postfix_of(p, e);
    }
    if (!cyp_enter(p)) return NULL;
    cy_expr *x = unary_expr(p);
    cyp_leave(p);
    if (!x) return NULL;
    cy_expr *e = cyp_new_expr(p, CX_UNARY, pos);
    e->op = neg ? CXO_NEG : CXO_POS;
    e->a = x;
    return e;
}

/* ---------------------------------------------------------------- postfix */

static cy_expr *map_projection(cy_parser *p, cy_expr *var) {
    cy_expr *e = cyp_new_expr(p, CX_MAP_PROJECTION, var->pos);
    e->a = var;
    cyp_next(p);   /* '{' */
    uint32_t cap = 0;
    if (!cyp_is(p, 0, CT_RBRACE)) {
        do {
            cy_mapproj_item it = {0};
            if (cyp_accept(p, CT_DOT)) {
                if (cyp_accept(p, CT_STAR)) {
                    it.kind = CMP_ALL;
                } else {
                    it.kind = CMP_PROP;
                    if (!(it.key = cyp_name(p, "a property key name or '*'"))) return NULL;
                }
            } else if (cyp_at_name(p, 0) && cyp_is(p, 1, CT_COLON)) {
                it.kind = CMP_LITERAL;
                it.key = cyp_name(p, "a key");
                cyp_next(p);
                if (!(it.expr = cyp_expr(p))) return NULL;
            } else if (cyp_at_var(p, 0)) {
                it.kind = CMP_VAR;
                it.key = cyp_var(p, "a variable");
            } else {
                cyp_fail_expected(p, "a map projection item ('.key', '.*', 'key: value' or a variable)");
                return NULL;
            }
            cyp_push(p, &e->proj_items, &e->n_proj_items, &cap, &it, sizeof it);
        } while (cyp_accept(p, CT_COMMA));
    }
    if (!cyp_expect(p, CT_RBRACE, "',' or '}'")) return NULL;
    e->end = cyp_prev_end(p);
    return e;
}

static bool label_list(cy_parser *p, const char ***labels, uint32_t *n) {
    uint32_t cap = 0;
    while (cyp_is(p, 0, CT_COLON) && cyp_at_name(p, 1)) {
        cyp_next(p);
        const char *l = cyp_name(p, "a label");
        cyp_push(p, labels, n, &cap, &l, sizeof l);
    }
    return !p->failed;
}

/* Each postfix operator nests the expression one level deeper: it counts against the depth limit. */
static cy_expr *postfix_of(cy_parser *p, cy_expr *e) {
    uint32_t grown = 0;
    while (e && !p->failed) {
        bool more = cyp_is(p, 0, CT_DOT) || cyp_is(p, 0, CT_LBRACK) || (cyp_is(p, 0, CT_COLON) && cyp_at_name(p, 1)) ||
                    (cyp_is(p, 0, CT_LBRACE) && e->kind == CX_VAR);
        if (!more) break;
        if (!cyp_enter(p)) return NULL;
        grown++;
        if (cyp_is(p, 0, CT_DOT)) {
            cyp_next(p);
            const char *k = cyp_name(p, "a property key name");
            if (!k) return NULL;
            cy_expr *x = cyp_new_expr(p, CX_PROP, e->pos);
            x->a = e;
            x->name = k;
            e = x;
        } else if (cyp_is(p, 0, CT_LBRACK)) {
            cyp_next(p);
            if (!cyp_enter(p)) return NULL;
            cy_expr *lo = NULL, *hi = NULL;
            bool slice = false;
            if (!cyp_is(p, 0, CT_DOTDOT) && !(lo = cyp_expr(p))) return NULL;
            if (cyp_accept(p, CT_DOTDOT)) {
                slice = true;
                if (!cyp_is(p, 0, CT_RBRACK) && !(hi = cyp_expr(p))) return NULL;
            } else if (!lo) {
                cyp_fail_expected(p, "an index expression");
                return NULL;
            }
            cyp_leave(p);
            if (!cyp_expect(p, CT_RBRACK, slice ? "']'" : "'..' or ']'")) return NULL;
            cy_expr *x = cyp_new_expr(p, slice ? CX_SLICE : CX_INDEX, e->pos);
            x->a = e;
            x->b = lo;
            x->c = hi;
            e = x;
        } else if (cyp_is(p, 0, CT_COLON) && cyp_at_name(p, 1)) {
            cy_expr *x = cyp_new_expr(p, CX_HAS_LABELS, e->pos);
            x->a = e;
            if (!label_list(p, &x->labels, &x->n_labels)) return NULL;
            x->end = cyp_prev_end(p);
            e = x;
        } else if (cyp_is(p, 0, CT_LBRACE) && e->kind == CX_VAR) {
            e = map_projection(p, e);
        }
    }
    p->depth -= grown;
    return p->failed ? NULL : e;
}

cy_expr *cyp_postfix_expr(cy_parser *p) {
    if (!cyp_enter(p)) return NULL;
    cy_expr *e = postfix_of(p, atom(p));
    cyp_leave(p);
    return p->failed ? NULL : e;
}

/* ---------------------------------------------------------------- atoms */

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

static cy_expr *atom(cy_parser *p) {
    if (p->failed) return NULL;
    const cy_tok *t = cyp_tok(p, 0);
    uint32_t pos = t->pos;
    cy_expr *e;
    switch (t->type) {
    case CT_INT:
        return int_literal(p, pos, false);
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
