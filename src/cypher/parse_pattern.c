/* parse_pattern.c — graph patterns: nodes, relationships, paths.
 *
 * Owns: node patterns (v:A:B {map} | $param), relationship patterns in every direction and arrow form
 * (-[r:T|U *1..3 {..}]->, <--, --), variable-length ranges, named paths p = ..., shortestPath and
 * allShortestPaths, comma-separated pattern parts, and the cheap lookahead that tells a pattern
 * predicate "(a)-->()" from a parenthesised expression "(a)".
 * Must not: check variables or types (sema does).
 */
#include "cypher/parse_int.h"

#include <string.h>

/* Whether tokens at k start "(" [var] (":" name)* [{...} | $p] ")" followed by "-" or "<-". The map is
 * skipped through the precomputed brace pairs, so the lookahead is cheap and never recurses. */
bool cyp_looks_like_rel_pattern(const cy_parser *p, uint32_t k) {
    if (!cyp_is(p, k, CT_LPAREN)) return false;
    k++;
    if (cyp_at_var(p, k)) k++;
    while (cyp_is(p, k, CT_COLON) && cyp_at_name(p, k + 1)) k += 2;
    if (cyp_is(p, k, CT_PARAM)) {
        k++;
    } else if (cyp_is(p, k, CT_LBRACE)) {
        uint32_t close = p->brace_end[p->i + k];
        if (close == UINT32_MAX) return false;
        k = close - p->i + 1;
    }
    if (!cyp_is(p, k, CT_RPAREN)) return false;
    k++;
    /* "-[", "--(", "-->", "<-[", "<--": arithmetic such as "(a) - -1" or "(a) < -1" stays an expression */
    if (cyp_is(p, k, CT_LT)) k++;
    else if (!cyp_is(p, k, CT_MINUS)) return false;
    if (!cyp_is(p, k, CT_MINUS)) return false;
    cy_toktype n1 = cyp_tok(p, k + 1)->type, n2 = cyp_tok(p, k + 2)->type;
    return n1 == CT_LBRACK || (n1 == CT_MINUS && (n2 == CT_LPAREN || n2 == CT_GT));
}

static bool props(cy_parser *p, cy_expr **out) {
    if (cyp_is(p, 0, CT_PARAM)) {
        const cy_tok *t = cyp_tok(p, 0);
        cyp_next(p);
        cy_expr *e = cyp_new_expr(p, CX_PARAM, t->pos);
        e->name = t->text;
        *out = e;
        return true;
    }
    if (cyp_is(p, 0, CT_LBRACE)) return (*out = cyp_map_literal(p)) != NULL;
    return true;
}

static bool node_pat(cy_parser *p, cy_node_pat *n) {
    memset(n, 0, sizeof *n);
    n->pos = cyp_pos(p);
    if (!cyp_expect(p, CT_LPAREN, "'(' (a node pattern)")) return false;
    if (cyp_at_var(p, 0)) n->var = cyp_var(p, "a variable");
    uint32_t cap = 0;
    while (cyp_accept(p, CT_COLON)) {
        const char *l = cyp_name(p, "a label name");
        if (!l) return false;
        cyp_push(p, &n->labels, &n->n_labels, &cap, &l, sizeof l);
    }
    if (!props(p, &n->props)) return false;
    return cyp_expect(p, CT_RPAREN, n->var || n->n_labels || n->props ? "')'" : "a variable, ':', '{' or ')'");
}

static bool read_bound(cy_parser *p, int64_t *out) {
    const cy_tok *t = cyp_tok(p, 0);
    if (t->type == CT_INT) {
        if (t->overflow || t->mag > (uint64_t)INT64_MAX) {
            cyp_fail_at(p, t->pos, "IntegerOverflow", "The length bound is too large");
            return false;
        }
        *out = (int64_t)t->mag;
        cyp_next(p);
        return true;
    }
    cyp_fail_expected_detail(p, "a non-negative integer length bound", "InvalidRelationshipPattern");
    return false;
}

/* '*' [min] ['..' [max]] */
static bool range(cy_parser *p, cy_rel_pat *r) {
    r->varlen = true;
    r->min_hops = 1;
    r->max_hops = -1;
    cyp_next(p);   /* '*' */
    bool has_min = false;
    if (cyp_is(p, 0, CT_INT)) {
        if (!read_bound(p, &r->min_hops)) return false;
        has_min = true;
    }
    if (cyp_accept(p, CT_DOTDOT)) {
        if (cyp_is(p, 0, CT_INT) && !read_bound(p, &r->max_hops)) return false;
        if (p->failed) return false;
    } else if (has_min) {
        r->max_hops = r->min_hops;   /* *2 means exactly 2 */
    }
    if (cyp_is(p, 0, CT_MINUS) || cyp_is(p, 0, CT_FLOAT) || cyp_is(p, 0, CT_DOT)) {
        cyp_fail_expected_detail(p, "a non-negative integer length bound", "InvalidRelationshipPattern");
        return false;
    }
    return true;
}

static bool rel_detail(cy_parser *p, cy_rel_pat *r) {
    cyp_next(p);   /* '[' */
    if (cyp_at_var(p, 0)) r->var = cyp_var(p, "a variable");
    uint32_t cap = 0;
    if (cyp_accept(p, CT_COLON)) {
        do {
            cyp_accept(p, CT_COLON);   /* [:A|:B] */
            const char *t = cyp_name(p, "a relationship type name");
            if (!t) return false;
            cyp_push(p, &r->types, &r->n_types, &cap, &t, sizeof t);
        } while (cyp_accept(p, CT_PIPE));
    }
    if (cyp_is(p, 0, CT_STAR) && !range(p, r)) return false;
    if (cyp_is(p, 0, CT_DOTDOT) || cyp_is(p, 0, CT_INT)) {
        cyp_fail_expected_detail(p, "'*' before a variable length range", "InvalidRelationshipPattern");
        return false;
    }
    if (!props(p, &r->props)) return false;
    return cyp_expect(p, CT_RBRACK, "']'");
}

/* '<'? '-' ['[' ... ']'] '-' '>'? */
static bool rel_pat(cy_parser *p, cy_rel_pat *r) {
    memset(r, 0, sizeof *r);
    r->pos = cyp_pos(p);
    bool left = cyp_accept(p, CT_LT);
    if (!cyp_expect(p, CT_MINUS, "'-'")) return false;
    if (cyp_is(p, 0, CT_LBRACK) && !rel_detail(p, r)) return false;
    if (!cyp_expect(p, CT_MINUS, "'-' (the end of the relationship pattern)")) return false;
    bool right = cyp_accept(p, CT_GT);
    r->dir = left == right ? CY_DIR_BOTH : right ? CY_DIR_RIGHT : CY_DIR_LEFT;
    return true;
}

static bool at_rel(const cy_parser *p) {
    return cyp_is(p, 0, CT_MINUS) || (cyp_is(p, 0, CT_LT) && cyp_is(p, 1, CT_MINUS));
}

bool cyp_path_chain(cy_parser *p, cy_path_pat *out, bool need_rel) {
    if (!cyp_enter(p)) return false;
    if (cyp_is(p, 0, CT_LPAREN) && cyp_is(p, 1, CT_LPAREN)) {   /* ( pattern element ) */
        cyp_next(p);
        if (!cyp_path_chain(p, out, need_rel) || !cyp_expect(p, CT_RPAREN, "')'")) return false;
        cyp_leave(p);
        return true;
    }
    uint32_t ncap = 0, rcap = 0, nn = 0;
    cy_node_pat n;
    if (!node_pat(p, &n)) return false;
    cyp_push(p, &out->nodes, &nn, &ncap, &n, sizeof n);
    while (at_rel(p)) {
        cy_rel_pat r;
        if (!rel_pat(p, &r) || !node_pat(p, &n)) return false;
        cyp_push(p, &out->rels, &out->n_rels, &rcap, &r, sizeof r);
        cyp_push(p, &out->nodes, &nn, &ncap, &n, sizeof n);
    }
    if (need_rel && out->n_rels == 0) {
        cyp_fail_expected(p, "a relationship pattern");
        return false;
    }
    cyp_leave(p);
    return true;
}

bool cyp_path(cy_parser *p, cy_path_pat *out) {
    memset(out, 0, sizeof *out);
    out->pos = cyp_pos(p);
    if (cyp_at_var(p, 0) && cyp_is(p, 1, CT_EQ)) {
        out->var = cyp_var(p, "a path variable");
        cyp_next(p);
    }
    bool sp = cyp_kw(p, 0, "shortestPath"), asp = cyp_kw(p, 0, "allShortestPaths");
    if ((sp || asp) && cyp_is(p, 1, CT_LPAREN)) {
        out->kind = sp ? CY_PATH_SHORTEST : CY_PATH_ALL_SHORTEST;
        cyp_next(p);
        cyp_next(p);
        const char *var = out->var;
        if (!cyp_path_chain(p, out, false) || !cyp_expect(p, CT_RPAREN, "')'")) return false;
        out->var = var;
        return true;
    }
    if (!cyp_is(p, 0, CT_LPAREN)) {
        cyp_fail_expected(p, out->var ? "a pattern" : "a pattern ('(' or a path variable)");
        return false;
    }
    return cyp_path_chain(p, out, false);
}

cy_pattern *cyp_pattern(cy_parser *p) {
    cy_pattern *pat = qv_arena_zalloc(p->a, sizeof *pat);
    pat->pos = cyp_pos(p);
    uint32_t cap = 0;
    do {
        cy_path_pat path;
        if (!cyp_path(p, &path)) return NULL;
        cyp_push(p, &pat->paths, &pat->n_paths, &cap, &path, sizeof path);
    } while (cyp_accept(p, CT_COMMA));
    return pat;
}
