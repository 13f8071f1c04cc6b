/* fuzz_cypher_exec.c — libFuzzer target that runs queries end to end on a small writable graph.
 *
 * Owns: the properties checked for any query: cy_query and cy_result_next either give rows or fail with an
 * openCypher error (a class that is not CYE_INTERNAL, a message); they never crash, hang (each query runs
 * with a timeout and a memory limit) or leak (ASan); every returned value can be rendered, entities
 * included; a query that fails leaves the graph exactly as it was (tests/fuzz/graph_dump.h), and the graph
 * stays readable afterwards.
 * Inputs: a first byte below 0x08 selects the structured mode (the rest drives the grammar-driven
 * generator in tests/fuzz/cypher_gen.h); any other input is the query text itself.
 * Each input gets a fresh engine, catalog and graph (tests/fuzz/exec_fixture.h), so runs keep no state.
 * Must not: keep state between inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common/qjson.h"
#include "cypher/cypher.h"
#include "graph/catalog.h"
#include "util/pool.h"

#include "cypher_gen.h"
#include "exec_fixture.h"
#include "graph_dump.h"

#define FUZZ_GRAPH "g"

static void check(int ok, const char *what, const char *q, size_t n) {
    if (!ok) {
        fprintf(stderr, "fuzz_cypher_exec: %s\nquery: %.*s\n", what, (int)(n > 4000 ? 4000 : n), q);
        abort();
    }
}

static void check_error(const cy_error *err, const char *q, size_t n) {
    if (err->cls == CYE_NONE || err->cls == CYE_INTERNAL || !err->msg[0])
        fprintf(stderr, "error %s: %s\n", cy_errclass_name(err->cls), err->msg);
    check(err->cls != CYE_NONE, "failure without an error class", q, n);
    check(err->cls != CYE_INTERNAL, "internal error", q, n);
    check(err->msg[0] != 0, "error without a message", q, n);
}

/* Runs one query with the fuzzing limits; renders every value. Returns 0 when it gave all its rows, else
 * the error class. must_work (the fixture, the re-read): only a timeout or the memory limit may stop it, and
 * the timeout is generous (a loaded CI machine must not fail it). */
static int run(cy_engine *e, const char *q, size_t n, qval params, bool must_work) {
    cy_query_opts o = {.graph = FUZZ_GRAPH, .params = params, .timeout_ms = must_work ? 20000 : 300,
                       .memory_limit = 64u << 20};
    cy_result *r = NULL;
    cy_error err;
    memset(&err, 0, sizeof err);
    if (cy_query(e, q, n, &o, &r, &err)) {
        check_error(&err, q, n);
        if (must_work && err.cls != CYE_TIMEOUT && err.cls != CYE_MEMORY) {
            fprintf(stderr, "%s: %s\n", cy_errclass_name(err.cls), err.msg);
            check(0, "a query that must work failed", q, n);
        }
        return (int)err.cls;
    }
    check(r != NULL, "cy_query succeeded without a result", q, n);
    uint32_t nc = cy_result_ncols(r);
    for (uint32_t i = 0; i < nc; i++) check(cy_result_colname(r, i) != NULL, "column without a name", q, n);
    qv_buf b;
    qv_buf_init(&b);
    qv_arena scratch;
    qv_arena_init(&scratch);
    const qval *row;
    int rc, rows = 0;
    while ((rc = cy_result_next(r, &row, &err)) == 1) {
        for (uint32_t i = 0; i < nc; i++) {
            qv_buf_reset(&b);
            qjson_write_value(&b, cy_result_view(r), &scratch, row[i]);
            check(b.len > 0, "a value rendered as nothing", q, n);
        }
        if (++rows > 100000) break;
    }
    if (rc < 0) {
        check_error(&err, q, n);
        if (must_work && err.cls != CYE_TIMEOUT && err.cls != CYE_MEMORY) {
            fprintf(stderr, "%s: %s\n", cy_errclass_name(err.cls), err.msg);
            check(0, "a query that must work failed while pulling rows", q, n);
        }
    }
    (void)cy_result_stats(r);
    qv_arena_free(&scratch);
    qv_buf_free(&b);
    cy_result_free(r);
    return rc < 0 ? (int)err.cls : 0;
}

static qval make_params(qv_arena *a) {
    qmap_b m;
    qmap_b_init(&m, a, 6);
    qmap_b_set(&m, "i", 1, qv_int(2));
    qmap_b_set(&m, "s", 1, qv_str_cstr(a, "beta"));
    qval items[3] = {qv_int(1), qv_int(2), qv_int(3)};
    qmap_b_set(&m, "l", 1, qv_list_ref(qv_arena_dup(a, items, sizeof items), 3));
    qmap_b_set(&m, "f", 1, qv_float(0.25));
    qmap_b_set(&m, "n", 1, qv_null());
    qmap_b_set(&m, "id", 2, qv_str_cstr(a, "e1"));
    return qmap_b_done(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536) return 0;
    gcatalog *cat = gcatalog_new();
    qv_pool *pool = qv_pool_new(1);
    cy_engine *e = cy_engine_new(cat, pool);
    check(e != NULL, "no engine", "", 0);
    qv_err gerr;
    check(cy_engine_create_graph(e, FUZZ_GRAPH, &gerr) == 0, "cannot create the graph", "", 0);
    for (size_t i = 0; i < sizeof exec_fixture / sizeof *exec_fixture; i++)
        check(run(e, exec_fixture[i], strlen(exec_fixture[i]), qv_null(), true) == 0, "the fixture did not load",
              exec_fixture[i], strlen(exec_fixture[i]));

    qv_arena a;
    qv_arena_init(&a);
    qval params = make_params(&a);
    qv_buf text;
    qv_buf_init(&text);
    if (size > 0 && data[0] < 0x08) {
        cygen_query(&text, data + 1, size - 1);
    } else {
        qv_buf_append(&text, data, size);
    }
    const char *q = text.data ? (const char *)text.data : "";
    char *before = gdump_graph(e, FUZZ_GRAPH);
    check(before != NULL, "cannot dump the graph", q, text.len);
    if (run(e, q, text.len, params, false) != 0) {
        char *after = gdump_graph(e, FUZZ_GRAPH);
        check(after != NULL, "cannot dump the graph after the query", q, text.len);
        if (strcmp(before, after) != 0) fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
        check(strcmp(before, after) == 0, "a failed query left a trace in the graph", q, text.len);
        free(after);
    }
    free(before);
    /* whatever the query did, the graph reads back whole */
    static const char reread[] = "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) RETURN n, labels(n), properties(n), r, m";
    run(e, reread, sizeof reread - 1, qv_null(), true);

    qv_buf_free(&text);
    qv_arena_free(&a);
    cy_engine_free(e);
    gcatalog_free(cat);
    qv_pool_free(pool);
    return 0;
}
