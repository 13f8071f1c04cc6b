/* parse_expr.c — openCypher expressions.
 *
 * Owns: the precedence ladder (OR < XOR < AND < NOT < comparison (chained) < string/list/null predicates <
 * + - < * / % < ^ < unary + - < postfix . [] [..] :Label {map projection} < atoms), integer literals (a
 * minus sign glued to a number literal folds into it, so -9223372036854775808 is a literal). AND / OR / XOR
 * chains become balanced trees; every other operator applied counts against the depth limit, so long
 * chains cannot build an AST too deep to walk. Every node
 * gets pos/end covering its source text (projection column names are that text). Atoms: parse_atom.c.
 * Must not: check scoping or types (sema does), recurse past CY_MAX_DEPTH.
 */
#include "cypher/parse_int.h"

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

/* v[0] op v[1] op ... v[n-1] as a balanced tree (left half first, so three operands still group as
 * (a op b) op c). AND, OR and XOR are associative in openCypher's three-valued logic and the operands keep
 * their left-to-right order, so the value (and where evaluation may stop early) is that of the
 * left-associative reading, while a chain of thousands of ORs stays shallow for every later tree walk. */
static cy_expr *balanced(cy_parser *p, cy_op op, cy_expr **v, uint32_t n) {
    if (n == 1) return v[0];
    uint32_t half = (n + 1) / 2;
    return binary(p, op, balanced(p, op, v, half), balanced(p, op, v + half, n - half));
}

/* a chain of one keyword operator: AND, OR, XOR */
static cy_expr *kw_chain(cy_parser *p, const char *kw, cy_op op, cy_expr *(*next)(cy_parser *)) {
    cy_expr *first = next(p);
    if (!first || !cyp_kw(p, 0, kw)) return p->failed ? NULL : first;
    cy_expr **v = NULL;
    uint32_t n = 0, cap = 0;
    cyp_push(p, &v, &n, &cap, &first, sizeof first);
    while (cyp_kw(p, 0, kw)) {
        cyp_next(p);
        cy_expr *r = next(p);
        if (!r) return NULL;
        cyp_push(p, &v, &n, &cap, &r, sizeof r);
    }
    return balanced(p, op, v, n);
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

cy_expr *cyp_int_literal(cy_parser *p, uint32_t pos, bool negative) {
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
    if (t->type != CT_PLUS && t->type != CT_MINUS) return postfix_of(p, cyp_atom(p));
    uint32_t pos = t->pos;
    bool neg = t->type == CT_MINUS;
    cyp_next(p);
    if (neg && cyp_is(p, 0, CT_INT)) return postfix_of(p, cyp_int_literal(p, pos, true));
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
    cy_expr *e = postfix_of(p, cyp_atom(p));
    cyp_leave(p);
    return p->failed ? NULL : e;
}
