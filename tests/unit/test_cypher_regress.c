/* test_cypher_regress.c — queries that once crashed, hung or leaked (found by tests/fuzz/fuzz_cypher_exec.c),
 * each with the outcome it must have now.
 *
 * Owns: the regression table: every case runs on a fresh copy of the fuzz target's graph
 * (tests/fuzz/exec_fixture.h) with a timeout, and must end with the expected error class (CYE_NONE: all
 * rows came) and, where given, the expected row count; a failing case must leave the graph unchanged
 * (tests/fuzz/graph_dump.h). Under ASan (CI) a crash or leak fails the run.
 * Must not: special-case anything in the engine; add a case per minimised reproducer, with where it came from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cypher/cypher.h"
#include "graph/catalog.h"
#include "util/pool.h"

#include "../fuzz/exec_fixture.h"
#include "../fuzz/graph_dump.h"

typedef struct regress_case {
    const char *query;
    cy_errclass expect;    /* CYE_NONE: succeeds */
    int64_t rows;          /* expected rows when it succeeds; -1: any */
    uint64_t memory_limit; /* cy_query_opts.memory_limit; 0: none */
} regress_case;

static const regress_case cases[] = {
    /* fuzz 2026-12-05: SEGV in cy_op_proccall (qv_arena_dup of a NULL argument array for a call without
     * arguments); fixed on wip/exec */
    {"CALL db.labels() YIELD label RETURN label ORDER BY label", CYE_NONE, 3, 0},
    {"CALL db.relationshipTypes() YIELD relationshipType AS t RETURN t", CYE_NONE, 2, 0},
    /* fuzz 2026-12-05: heap-use-after-free: the Filter operator released the arena after a predicate with a
     * pattern predicate, freeing the nested plan's operator state (cy_x_sub); fixed on wip/exec */
    {"MATCH (n) WHERE exists((n)-[:S]->()) AND EXISTS { MATCH (n)<-[:R]-() } RETURN n.name", CYE_NONE, 2, 0},
    {"MATCH (n) WHERE n.num > 1 AND exists((n)-->()) RETURN n.name", CYE_NONE, 4, 0},
    /* stress 2026-12-05: values that double in one expression must meet the memory limit inside the
     * expression, before one allocation takes the process down (without a limit the arena aborts at 2 GB:
     * reported, the server's --query-memory defaults to none) */
    {"RETURN size(reduce(s = 'x', i IN range(1, 40) | s + s))", CYE_MEMORY, -1, 64u << 20},
    {"RETURN size(reduce(s = [1], i IN range(1, 40) | s + s))", CYE_MEMORY, -1, 64u << 20},
    {"UNWIND range(1, 100) AS i CREATE (:X {s: reduce(s = 'x', k IN range(1, 40) | s + s)})", CYE_MEMORY, -1,
     64u << 20},
};

static void run_case(const regress_case *c) {
    gcatalog *cat = gcatalog_new();
    qv_pool *pool = qv_pool_new(1);
    cy_engine *e = cy_engine_new(cat, pool);
    qv_err gerr;
    assert_int_equal(cy_engine_create_graph(e, "g", &gerr), 0);
    cy_query_opts o = {.graph = "g", .timeout_ms = 10000};
    cy_query_opts qo = {.graph = "g", .timeout_ms = 10000, .memory_limit = c->memory_limit};
    cy_result *r;
    cy_error err;
    for (size_t i = 0; i < sizeof exec_fixture / sizeof *exec_fixture; i++) {
        assert_int_equal(cy_query(e, exec_fixture[i], strlen(exec_fixture[i]), &o, &r, &err), 0);
        cy_result_free(r);
    }
    char *before = gdump_graph(e, "g");
    cy_errclass got = CYE_NONE;
    int64_t rows = 0;
    if (cy_query(e, c->query, strlen(c->query), &qo, &r, &err) == 0) {
        const qval *row;
        int rc;
        while ((rc = cy_result_next(r, &row, &err)) == 1) rows++;
        if (rc < 0) got = err.cls;
        cy_result_free(r);
    } else {
        got = err.cls;
    }
    if (got != c->expect || (got == CYE_NONE && c->rows >= 0 && rows != c->rows))
        fprintf(stderr, "%s\n  gave %s (%s), %lld rows; expected %s, %lld rows\n", c->query, cy_errclass_name(got),
                got ? err.msg : "", (long long)rows, cy_errclass_name(c->expect), (long long)c->rows);
    assert_int_equal(got, c->expect);
    if (got == CYE_NONE && c->rows >= 0) assert_int_equal(rows, c->rows);
    if (got != CYE_NONE) {
        char *after = gdump_graph(e, "g");
        assert_string_equal(before, after);
        free(after);
    }
    free(before);
    cy_engine_free(e);
    gcatalog_free(cat);
    qv_pool_free(pool);
}

static void test_case(void **state) {
    const regress_case *c = *state;
    print_message("%s\n", c->query);
    run_case(c);
}

int main(void) {
    enum { N = sizeof cases / sizeof *cases };
    struct CMUnitTest tests[N];
    char names[N][24];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "regress_%02zu", i);
        tests[i] = (struct CMUnitTest){.name = names[i], .test_func = test_case,
                                       .initial_state = (void *)&cases[i]};
    }
    return _cmocka_run_group_tests("test_cypher_regress", tests, N, NULL, NULL);
}
