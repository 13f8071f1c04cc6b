/* fuzz_cypher_parse.c — libFuzzer target for the openCypher lexer and parser.
 *
 * Owns: the properties checked on arbitrary bytes: cy_parse either returns an AST that cy_ast_debug can
 * render, or fails with a compile-time SyntaxError that has a detail, a message and an offset within the
 * input; it never crashes, leaks or recurses without bound (ASan and the stack catch those). A parsed
 * query's column texts lie inside the input.
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

static void check_columns(const cy_query *q, size_t size) {
    if (q->kind != CY_STMT_QUERY) return;
    for (uint32_t i = 0; i < q->n_parts; i++)
        for (uint32_t k = 0; k < q->parts[i].n_clauses; k++) {
            const cy_clause *c = q->parts[i].clauses[k];
            for (uint32_t j = 0; j < c->proj.n_items; j++) {
                const cy_expr *e = c->proj.items[j].expr;
                check(c->proj.items[j].text != NULL, "projection item without text");
                check(e->pos <= e->end && e->end <= size, "expression range outside the input");
            }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > UINT32_MAX / 2) return 0;
    qv_arena a;
    qv_arena_init(&a);
    cy_error err;
    cy_query *q = cy_parse(&a, (const char *)data, (uint32_t)size, &err);
    if (q) {
        check(cy_ast_debug(&a, q) != NULL, "no debug rendering");
        check_columns(q, size);
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
