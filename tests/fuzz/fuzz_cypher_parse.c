/* fuzz_cypher_parse.c — libFuzzer target for the openCypher lexer and parser.
 *
 * Owns: the properties checked on arbitrary bytes: cy_parse either returns an AST that cy_ast_debug can
 * render, or fails with a compile-time SyntaxError that has a detail, a message and an offset within the
 * input; it never crashes, leaks or recurses without bound (ASan and the stack catch those). In a parsed
 * query every expression's source range lies inside the input and inside its parent's range.
 * Must not: keep state between inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/ast.h"

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_cypher_parse: %s\n", what);
        abort();
    }
}

/* Every expression's source range lies inside the input, and a parent's range covers its operands'. */
static void check_expr(const cy_expr *e, size_t size, const cy_expr *parent);
static void check_query(const cy_ast *q, size_t size);

static void check_pattern(const cy_pattern *p, size_t size) {
    for (uint32_t i = 0; p && i < p->n_paths; i++) {
        const cy_path_pat *path = &p->paths[i];
        check(path->nodes != NULL, "path without nodes");
        for (uint32_t k = 0; k <= path->n_rels; k++) check_expr(path->nodes[k].props, size, NULL);
        for (uint32_t k = 0; k < path->n_rels; k++) {
            check_expr(path->rels[k].props, size, NULL);
            if (path->rels[k].varlen)
                check(path->rels[k].min_hops >= 0 && path->rels[k].max_hops >= -1, "bad hop range");
        }
    }
}

static void check_expr(const cy_expr *e, size_t size, const cy_expr *parent) {
    if (!e) return;
    check(e->pos <= e->end && e->end <= size, "expression range outside the input");
    if (parent && parent->kind != CX_BINARY)   /* chained comparisons share operands between ANDs */
        check(parent->pos <= e->pos && e->end <= parent->end, "operand outside its parent's range");
    check_expr(e->a, size, e->kind == CX_MAP_PROJECTION ? NULL : e);
    check_expr(e->b, size, e);
    check_expr(e->c, size, e);
    for (uint32_t i = 0; i < e->n_args; i++) check_expr(e->args[i], size, e);
    for (uint32_t i = 0; i < e->n_proj_items; i++) check_expr(e->proj_items[i].expr, size, e);
    if (e->kind == CX_CASE) check(e->n_args % 2 == 0, "CASE with an odd argument count");
    if (e->kind == CX_MAP) check(e->keys != NULL || e->n_args == 0, "map without keys");
    check_pattern(e->pattern, size);
    if (e->subquery) check_query(e->subquery, size);
}

static void check_clause(const cy_clause *c, size_t size) {
    check_pattern(c->pattern, size);
    check_expr(c->where, size, NULL);
    check_expr(c->expr, size, NULL);
    for (uint32_t j = 0; j < c->proj.n_items; j++) {
        check(c->proj.items[j].text != NULL, "projection item without text");
        check_expr(c->proj.items[j].expr, size, NULL);
    }
    for (uint32_t j = 0; j < c->proj.n_order; j++) check_expr(c->proj.order[j].expr, size, NULL);
    for (uint32_t j = 0; j < c->n_items; j++) check_expr(c->items[j].value, size, NULL);
    for (uint32_t j = 0; j < c->n_exprs; j++) check_expr(c->exprs[j], size, NULL);
    for (uint32_t j = 0; j < c->n_args; j++) check_expr(c->args[j], size, NULL);
    for (uint32_t j = 0; j < c->n_body; j++) check_clause(c->body[j], size);
}

static void check_query(const cy_ast *q, size_t size) {
    if (q->kind != CY_STMT_QUERY) return;
    check(q->n_parts >= 1, "query without parts");
    for (uint32_t i = 0; i < q->n_parts; i++) {
        check(q->parts[i].n_clauses >= 1, "single query without clauses");
        for (uint32_t k = 0; k < q->parts[i].n_clauses; k++) check_clause(q->parts[i].clauses[k], size);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > UINT32_MAX / 2) return 0;
    qv_arena a;
    qv_arena_init(&a);
    cy_error err;
    cy_ast *q = cy_parse(&a, (const char *)data, (uint32_t)size, &err);
    if (q) {
        check(cy_ast_debug(&a, q) != NULL, "no debug rendering");
        check_query(q, size);
    } else {
        check(err.cls == CYE_SYNTAX, "failure that is not a SyntaxError");
        check(err.phase == CY_PHASE_COMPILE, "syntax error not at compile time");
        check(err.detail != NULL && err.detail[0], "syntax error without a detail");
        check(err.msg[0] != 0, "syntax error without a message");
        check(err.offset >= 0 && (size_t)err.offset <= size, "error offset outside the input");
    }
    qv_arena_free(&a);
    return 0;
}
