/* parse_clause.c — clauses, single queries and UNION.
 *
 * Owns: MATCH / OPTIONAL MATCH, UNWIND, WITH and RETURN projections (DISTINCT, *, ORDER BY, SKIP, LIMIT,
 * column text), CREATE, MERGE with ON CREATE / ON MATCH, SET, REMOVE, [DETACH] DELETE, CALL (with or
 * without an argument list, YIELD items or *, WHERE), FOREACH, UNION [ALL], and the clause-order rules of
 * openCypher's grammar (RETURN last, WITH between an update and a read, a query ends with RETURN or an
 * update, UNION and UNION ALL not mixed, no updates inside EXISTS { }).
 * Must not: resolve variables or procedures (sema and the planner do).
 */
#include "cypher/parse_int.h"

#include <string.h>

static cy_clause *clause(cy_parser *p);

static cy_clause *new_clause(cy_parser *p, cy_clause_kind k) {
    cy_clause *c = qv_arena_zalloc(p->a, sizeof *c);
    c->kind = k;
    c->pos = cyp_pos(p);
    return c;
}

static bool where(cy_parser *p, cy_expr **out) {
    if (!cyp_accept_kw(p, "WHERE")) return !p->failed;
    return (*out = cyp_expr(p)) != NULL;
}

/* ---------------------------------------------------------------- projections */

static bool proj_item(cy_parser *p, cy_projection *pr, uint32_t *cap) {
    cy_proj_item it = {0};
    uint32_t start = cyp_pos(p);
    if (!(it.expr = cyp_expr(p))) return false;
    uint32_t end = cyp_prev_end(p);
    it.text = qv_arena_strndup(p->a, p->src + start, end - start);
    if (cyp_accept_kw(p, "AS") && !(it.alias = cyp_var(p, "a variable name after AS"))) return false;
    cyp_push(p, &pr->items, &pr->n_items, cap, &it, sizeof it);
    return true;
}

static bool projection(cy_parser *p, cy_projection *pr) {
    pr->distinct = cyp_accept_kw(p, "DISTINCT");
    uint32_t cap = 0;
    if (cyp_accept(p, CT_STAR)) {
        pr->star = true;
        while (cyp_accept(p, CT_COMMA))
            if (!proj_item(p, pr, &cap)) return false;
    } else {
        do {
            if (!proj_item(p, pr, &cap)) return false;
        } while (cyp_accept(p, CT_COMMA));
    }
    if (cyp_kw(p, 0, "ORDER")) {
        cyp_next(p);
        if (!cyp_expect_kw(p, "BY")) return false;
        uint32_t ocap = 0;
        do {
            cy_sort_item s = {0};
            if (!(s.expr = cyp_expr(p))) return false;
            if (cyp_accept_kw(p, "DESC") || cyp_accept_kw(p, "DESCENDING")) s.descending = true;
            else if (!cyp_accept_kw(p, "ASC")) cyp_accept_kw(p, "ASCENDING");
            cyp_push(p, &pr->order, &pr->n_order, &ocap, &s, sizeof s);
        } while (cyp_accept(p, CT_COMMA));
    }
    if (cyp_accept_kw(p, "SKIP") && !(pr->skip = cyp_expr(p))) return false;
    if (cyp_accept_kw(p, "LIMIT") && !(pr->limit = cyp_expr(p))) return false;
    return !p->failed;
}

/* ---------------------------------------------------------------- SET / REMOVE items */

static bool set_item(cy_parser *p, cy_set_item **v, uint32_t *n, uint32_t *cap, bool remove) {
    cy_set_item it = {0};
    it.pos = cyp_pos(p);
    cy_expr *t = cyp_postfix_expr(p);
    if (!t) return false;
    if (t->kind == CX_PROP) {
        it.kind = remove ? CY_REMOVE_PROP : CY_SET_PROP;
        it.target = t;
        if (!remove && (!cyp_expect(p, CT_EQ, "'='") || !(it.value = cyp_expr(p)))) return false;
    } else if (t->kind == CX_HAS_LABELS && t->a->kind == CX_VAR) {
        it.kind = remove ? CY_REMOVE_LABELS : CY_SET_LABELS;
        it.var = t->a->name;
        it.labels = t->labels;
        it.n_labels = t->n_labels;
    } else if (t->kind == CX_VAR && !remove && (cyp_is(p, 0, CT_EQ) || cyp_is(p, 0, CT_PLUSEQ))) {
        it.kind = cyp_is(p, 0, CT_EQ) ? CY_SET_ALL : CY_SET_MERGE;
        it.var = t->name;
        cyp_next(p);
        if (!(it.value = cyp_expr(p))) return false;
    } else {
        if (t->kind == CX_VAR)
            cyp_fail_expected(p, remove ? "'.' or ':' (REMOVE n.key or REMOVE n:Label)" : "'=', '+=', '.' or ':'");
        else
            cyp_fail_at(p, t->pos, "UnexpectedSyntax", "Invalid input: %s expects a property (n.key) or labels (n:Label)",
                        remove ? "REMOVE" : "SET");
        return false;
    }
    cyp_push(p, v, n, cap, &it, sizeof it);
    return true;
}

static bool set_items(cy_parser *p, cy_set_item **v, uint32_t *n, bool remove) {
    uint32_t cap = *n;
    do {
        if (!set_item(p, v, n, &cap, remove)) return false;
    } while (cyp_accept(p, CT_COMMA));
    return true;
}

/* ---------------------------------------------------------------- clauses */

static cy_clause *call_clause(cy_parser *p) {
    cy_clause *c = new_clause(p, CC_CALL);
    cyp_next(p);
    size_t total = 0;
    uint32_t parts = 0;
    while (cyp_at_name(p, 2 * parts)) {
        total += cyp_tok(p, 2 * parts)->tlen + 1;
        parts++;
        if (!cyp_is(p, 2 * parts - 1, CT_DOT)) break;
    }
    if (!parts) {
        cyp_fail_expected(p, "a procedure name");
        return NULL;
    }
    char *name = qv_arena_alloc(p->a, total);
    size_t off = 0;
    for (uint32_t k = 0; k < parts; k++) {
        const cy_tok *t = cyp_tok(p, 0);
        if (k) name[off++] = '.';
        memcpy(name + off, t->text, t->tlen);
        off += t->tlen;
        cyp_next(p);
        if (k + 1 < parts) cyp_next(p);
    }
    name[off] = 0;
    c->proc_name = name;
    if (cyp_accept(p, CT_LPAREN)) {
        c->has_arg_list = true;
        uint32_t cap = 0;
        if (!cyp_is(p, 0, CT_RPAREN)) {
            do {
                cy_expr *x = cyp_expr(p);
                if (!x) return NULL;
                cyp_push(p, &c->args, &c->n_args, &cap, &x, sizeof x);
            } while (cyp_accept(p, CT_COMMA));
        }
        if (!cyp_expect(p, CT_RPAREN, "',' or ')'")) return NULL;
    }
    if (cyp_accept_kw(p, "YIELD")) {
        if (cyp_accept(p, CT_STAR)) {
            c->yield_star = true;
        } else {
            uint32_t cap = 0;
            do {
                cy_yield_item y = {0};
                if (!(y.name = cyp_name(p, "a procedure output name or '*'"))) return NULL;
                if (cyp_accept_kw(p, "AS") && !(y.alias = cyp_var(p, "a variable name after AS"))) return NULL;
                cyp_push(p, &c->yields, &c->n_yields, &cap, &y, sizeof y);
            } while (cyp_accept(p, CT_COMMA));
            if (!where(p, &c->where)) return NULL;
        }
    }
    return p->failed ? NULL : c;
}

static bool is_update(const cy_clause *c) {
    return c->kind == CC_CREATE || c->kind == CC_MERGE || c->kind == CC_SET || c->kind == CC_REMOVE ||
           c->kind == CC_DELETE || c->kind == CC_FOREACH;
}

static cy_clause *foreach_clause(cy_parser *p) {
    cy_clause *c = new_clause(p, CC_FOREACH);
    cyp_next(p);
    if (!cyp_expect(p, CT_LPAREN, "'('") || !(c->var = cyp_var(p, "a variable")) || !cyp_expect_kw(p, "IN") ||
        !(c->expr = cyp_expr(p)) || !cyp_expect(p, CT_PIPE, "'|'") || !cyp_enter(p))
        return NULL;
    uint32_t cap = 0;
    while (!cyp_is(p, 0, CT_RPAREN)) {
        uint32_t pos = cyp_pos(p);
        cy_clause *b = clause(p);
        if (!b) {
            cyp_fail_expected(p, "an updating clause or ')'");
            return NULL;
        }
        if (!is_update(b)) {
            cyp_fail_at(p, pos, "InvalidClauseComposition",
                        "Invalid input: FOREACH may only contain updating clauses (CREATE, MERGE, SET, REMOVE, "
                        "DELETE, FOREACH)");
            return NULL;
        }
        cyp_push(p, &c->body, &c->n_body, &cap, &b, sizeof b);
    }
    cyp_leave(p);
    if (c->n_body == 0) {
        cyp_fail_expected(p, "an updating clause");
        return NULL;
    }
    cyp_next(p);   /* ')' */
    return c;
}

/* One clause at the cursor, or NULL without an error when no clause starts here. */
static cy_clause *clause(cy_parser *p) {
    cy_clause *c;
    if (cyp_kw(p, 0, "MATCH") || (cyp_kw(p, 0, "OPTIONAL") && cyp_kw(p, 1, "MATCH"))) {
        c = new_clause(p, CC_MATCH);
        c->optional = cyp_accept_kw(p, "OPTIONAL");
        cyp_next(p);
        if (!(c->pattern = cyp_pattern(p)) || !where(p, &c->where)) return NULL;
        return c;
    }
    if (cyp_kw(p, 0, "UNWIND")) {
        c = new_clause(p, CC_UNWIND);
        cyp_next(p);
        if (!(c->expr = cyp_expr(p)) || !cyp_expect_kw(p, "AS") || !(c->var = cyp_var(p, "a variable name")))
            return NULL;
        return c;
    }
    if (cyp_kw(p, 0, "WITH") || cyp_kw(p, 0, "RETURN")) {
        bool with = cyp_kw(p, 0, "WITH");
        c = new_clause(p, with ? CC_WITH : CC_RETURN);
        cyp_next(p);
        if (!projection(p, &c->proj)) return NULL;
        if (with && !where(p, &c->where)) return NULL;
        return c;
    }
    if (cyp_kw(p, 0, "CREATE")) {
        c = new_clause(p, CC_CREATE);
        cyp_next(p);
        return (c->pattern = cyp_pattern(p)) ? c : NULL;
    }
    if (cyp_kw(p, 0, "MERGE")) {
        c = new_clause(p, CC_MERGE);
        cyp_next(p);
        c->pattern = qv_arena_zalloc(p->a, sizeof *c->pattern);
        c->pattern->pos = cyp_pos(p);
        c->pattern->n_paths = 1;
        c->pattern->paths = qv_arena_zalloc(p->a, sizeof *c->pattern->paths);
        if (!cyp_path(p, c->pattern->paths)) return NULL;
        while (cyp_kw(p, 0, "ON")) {
            cyp_next(p);
            bool create = cyp_kw(p, 0, "CREATE");
            if (!create && !cyp_kw(p, 0, "MATCH")) {
                cyp_fail_expected(p, "CREATE or MATCH");
                return NULL;
            }
            cyp_next(p);
            if (!cyp_expect_kw(p, "SET")) return NULL;
            if (!set_items(p, create ? &c->on_create : &c->on_match, create ? &c->n_on_create : &c->n_on_match, false))
                return NULL;
        }
        return p->failed ? NULL : c;
    }
    if (cyp_kw(p, 0, "SET") || cyp_kw(p, 0, "REMOVE")) {
        bool remove = cyp_kw(p, 0, "REMOVE");
        c = new_clause(p, remove ? CC_REMOVE : CC_SET);
        cyp_next(p);
        return set_items(p, &c->items, &c->n_items, remove) ? c : NULL;
    }
    if (cyp_kw(p, 0, "DELETE") || (cyp_kw(p, 0, "DETACH") && cyp_kw(p, 1, "DELETE"))) {
        c = new_clause(p, CC_DELETE);
        c->detach = cyp_accept_kw(p, "DETACH");
        cyp_next(p);
        uint32_t cap = 0;
        do {
            cy_expr *x = cyp_expr(p);
            if (!x) return NULL;
            cyp_push(p, &c->exprs, &c->n_exprs, &cap, &x, sizeof x);
        } while (cyp_accept(p, CT_COMMA));
        return c;
    }
    if (cyp_kw(p, 0, "CALL")) return call_clause(p);
    if (cyp_kw(p, 0, "FOREACH")) return foreach_clause(p);
    return NULL;
}

static const char *clause_name(const cy_clause *c) {
    switch (c->kind) {
    case CC_MATCH: return c->optional ? "OPTIONAL MATCH" : "MATCH";
    case CC_UNWIND: return "UNWIND";
    case CC_WITH: return "WITH";
    case CC_RETURN: return "RETURN";
    case CC_CREATE: return "CREATE";
    case CC_MERGE: return "MERGE";
    case CC_SET: return "SET";
    case CC_REMOVE: return "REMOVE";
    case CC_DELETE: return c->detach ? "DETACH DELETE" : "DELETE";
    case CC_CALL: return "CALL";
    case CC_FOREACH: return "FOREACH";
    }
    return "?";
}

static bool single_query(cy_parser *p, cy_single_query *sq, bool in_exists) {
    uint32_t cap = 0, star_pos = UINT32_MAX;
    const cy_clause *last_update = NULL;
    for (;;) {
        uint32_t pos = cyp_pos(p);
        cy_clause *c = clause(p);
        if (p->failed) return false;
        if (!c) break;
        if (c->kind == CC_CALL && c->yield_star) star_pos = p->t[p->i - 1].pos;   /* the '*' just consumed */
        bool reading = c->kind == CC_MATCH || c->kind == CC_UNWIND || c->kind == CC_CALL;
        if (reading && last_update) {
            cyp_fail_at(p, pos, "InvalidClauseComposition",
                        "Invalid input: WITH is required between %s and %s", clause_name(last_update), clause_name(c));
            return false;
        }
        if (in_exists && is_update(c)) {
            cyp_fail_at(p, pos, "InvalidClauseComposition",
                        "Invalid input: an EXISTS subquery cannot contain %s (it must not update the graph)",
                        clause_name(c));
            return false;
        }
        if (is_update(c)) last_update = c;
        else if (c->kind == CC_WITH) last_update = NULL;
        cyp_push(p, &sq->clauses, &sq->n_clauses, &cap, &c, sizeof c);
        if (c->kind == CC_RETURN) break;
    }
    if (sq->n_clauses == 0) {
        cyp_fail_expected(p, "a clause (MATCH, RETURN, CREATE, ...)");
        return false;
    }
    const cy_clause *last = sq->clauses[sq->n_clauses - 1];
    if (star_pos != UINT32_MAX && sq->n_clauses > 1) {
        cyp_fail_at(p, star_pos, "UnexpectedSyntax",
                    "Invalid input '*': YIELD * is only allowed in a standalone procedure call (name the outputs)");
        return false;
    }
    bool ends_ok = last->kind == CC_RETURN || is_update(last) || last->kind == CC_CALL || in_exists;
    if (!ends_ok) {
        if (!cyp_is(p, 0, CT_EOF) && !cyp_kw(p, 0, "UNION") && !cyp_is(p, 0, CT_SEMI) && !cyp_is(p, 0, CT_RBRACE)) {
            cyp_fail_expected(p, "a clause");
        } else {
            cyp_fail_at(p, cyp_pos(p), "InvalidClauseComposition",
                        "Query cannot conclude with %s (must be a RETURN clause, an update clause or a procedure call)",
                        clause_name(last));
        }
        return false;
    }
    return true;
}

cy_ast *cyp_union_query(cy_parser *p, bool in_exists) {
    cy_ast *q = qv_arena_zalloc(p->a, sizeof *q);
    q->kind = CY_STMT_QUERY;
    q->pos = cyp_pos(p);
    uint32_t cap = 0, fcap = 0, nflags = 0;
    for (;;) {
        cy_single_query sq = {0};
        if (!single_query(p, &sq, in_exists)) return NULL;
        cyp_push(p, &q->parts, &q->n_parts, &cap, &sq, sizeof sq);
        if (!cyp_kw(p, 0, "UNION")) break;
        uint32_t upos = cyp_pos(p);
        cyp_next(p);
        bool all = cyp_accept_kw(p, "ALL");
        if (nflags && q->union_all[0] != all) {
            cyp_fail_at(p, upos, "InvalidClauseComposition",
                        "Invalid input: UNION and UNION ALL cannot be mixed in one query");
            return NULL;
        }
        cyp_push(p, &q->union_all, &nflags, &fcap, &all, sizeof all);
    }
    return q;
}
