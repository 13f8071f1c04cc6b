/* parse_check.c — the context rule for pattern predicates.
 *
 * Owns: rejecting a bare pattern used as a value, "RETURN (n)-->()" or "size((a)-->())" (UnexpectedSyntax,
 * as openCypher specifies): a pattern expression is only allowed as a predicate, i.e. as a WHERE condition or
 * an operand of NOT / AND / OR / XOR inside one. exists((a)-->()) is a CX_EXISTS and always fine.
 * Must not: check anything else (variables and types belong to sema). The walk's recursion is bounded
 * by the parser's depth limit, which also bounds the AST's depth.
 */
#include "cypher/parse_int.h"

static void check_expr(cy_parser *p, const cy_expr *e, bool pred);
static void check_query(cy_parser *p, const cy_ast *q);

static void check_pattern(cy_parser *p, const cy_pattern *pat) {
    for (uint32_t i = 0; pat && i < pat->n_paths; i++) {
        const cy_path_pat *path = &pat->paths[i];
        for (uint32_t k = 0; k <= path->n_rels; k++) check_expr(p, path->nodes[k].props, false);
        for (uint32_t k = 0; k < path->n_rels; k++) check_expr(p, path->rels[k].props, false);
    }
}

static void check_expr(cy_parser *p, const cy_expr *e, bool pred) {
    if (!e || p->failed) return;
    switch (e->kind) {
    case CX_PATTERN:
        if (!pred && e->pattern && e->pattern->n_paths == 1 && e->pattern->paths[0].kind == CY_PATH_PLAIN) {
            cyp_fail_at(p, e->pos, "UnexpectedSyntax",
                        "Invalid input: a pattern expression can only be used as a predicate (in WHERE); "
                        "use EXISTS { ... } for a boolean or a pattern comprehension [ ... | ... ] for a list");
            return;
        }
        check_pattern(p, e->pattern);
        return;
    case CX_UNARY:
        check_expr(p, e->a, pred && e->op == CXO_NOT);
        return;
    case CX_BINARY: {
        bool logic = e->op == CXO_AND || e->op == CXO_OR || e->op == CXO_XOR;
        check_expr(p, e->a, pred && logic);
        check_expr(p, e->b, pred && logic);
        return;
    }
    case CX_LIST_COMP:
    case CX_QUANT:
    case CX_PATTERN_COMP:
        check_pattern(p, e->pattern);
        check_expr(p, e->a, false);
        check_expr(p, e->b, true);   /* its WHERE */
        check_expr(p, e->c, false);
        return;
    case CX_EXISTS:
        check_pattern(p, e->pattern);
        check_expr(p, e->b, true);
        if (e->subquery) check_query(p, e->subquery);
        return;
    case CX_MAP_PROJECTION:
        for (uint32_t i = 0; i < e->n_proj_items; i++) check_expr(p, e->proj_items[i].expr, false);
        return;
    default:
        check_expr(p, e->a, false);
        check_expr(p, e->b, false);
        check_expr(p, e->c, false);
        for (uint32_t i = 0; i < e->n_args; i++) check_expr(p, e->args[i], false);
        return;
    }
}

static void check_items(cy_parser *p, const cy_set_item *v, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        check_expr(p, v[i].target, false);
        check_expr(p, v[i].value, false);
    }
}

static void check_clause(cy_parser *p, const cy_clause *c) {
    check_pattern(p, c->pattern);
    check_expr(p, c->where, true);
    check_expr(p, c->expr, false);
    for (uint32_t i = 0; i < c->proj.n_items; i++) check_expr(p, c->proj.items[i].expr, false);
    for (uint32_t i = 0; i < c->proj.n_order; i++) check_expr(p, c->proj.order[i].expr, false);
    check_expr(p, c->proj.skip, false);
    check_expr(p, c->proj.limit, false);
    check_items(p, c->items, c->n_items);
    check_items(p, c->on_create, c->n_on_create);
    check_items(p, c->on_match, c->n_on_match);
    for (uint32_t i = 0; i < c->n_exprs; i++) check_expr(p, c->exprs[i], false);
    for (uint32_t i = 0; i < c->n_args; i++) check_expr(p, c->args[i], false);
    for (uint32_t i = 0; i < c->n_body; i++) check_clause(p, c->body[i]);
}

static void check_query(cy_parser *p, const cy_ast *q) {
    for (uint32_t i = 0; i < q->n_parts; i++)
        for (uint32_t k = 0; k < q->parts[i].n_clauses; k++) check_clause(p, q->parts[i].clauses[k]);
}

bool cyp_check_pattern_predicates(cy_parser *p, const cy_ast *q) {
    if (q->kind == CY_STMT_QUERY) check_query(p, q);
    return !p->failed;
}
