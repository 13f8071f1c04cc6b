/* test_graph_csr_onetype.c — graphs whose stored relationships all have type 0, which the CSR build makes
 * without writing rel_type (it stays calloc's zero pages) and whose segments sort on targets alone: a hub
 * segment long enough for the merge sort, with ties kept in input order and the property permutation
 * following, the same arrays whatever order the chunks arrive in; short segments (insertion sort) with
 * properties; an undirected type stored both ways; and, for contrast, one type whose id is not 0 (its
 * rel_type is written as usual). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/loader.h"
#include "test_graph_util.h"

/* Node ids 100..107. Five chunks of 60 rows from the hub 100 (chunk c's first row targets 101 + c, the
 * rest 101..103), plus, per chunk, 4 rows between the other nodes; chunks are added in `order`. With
 * `skip0` a type "A" (id 0) is registered first and the rows have type "B" (id 1). */
static graph *load(const int *order, bool skip0, bool undirected) {
    const char *und[] = {"*"};
    gloader_config cfg = {.name = "g", .database_name = "neo4j", .id_type = GRAPH_ID_INTEGER,
                          .undirected_types = undirected ? und : NULL, .n_undirected = undirected ? 1 : 0};
    gloader *l = gloader_new(&cfg, pool);
    qv_err err;
    uint32_t wk;
    assert_int_equal(gloader_prop_key(l, true, "w", GPROP_DOUBLE, &wk, &err), 0);
    gnode_chunk nc = {.n = 8, .ids = malloc(8 * 8)};
    for (int i = 0; i < 8; i++) nc.ids[i] = 100 + i;
    assert_int_equal(gloader_add_nodes(l, &nc, &err), 0);
    uint64_t n, m;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t t;
    if (skip0) assert_int_equal(gloader_rel_type(l, "A", 1, &t, &err), 0);
    assert_int_equal(gloader_rel_type(l, "B", 1, &t, &err), 0);
    assert_int_equal(t, skip0 ? 1 : 0);
    for (int oi = 0; oi < 5; oi++) {
        int c = order[oi];
        uint64_t rows = 64;
        grel_chunk ch = {.n = rows, .src = malloc(rows * 8), .tgt = malloc(rows * 8), .common_type = t, .ncols = 1,
                         .cols = HEAP(gchunk_col, {.key = wk, .type = GPROP_DOUBLE, .values = malloc(rows * 8)})};
        for (uint64_t i = 0; i < rows; i++) {
            if (i < 60) {
                ch.src[i] = 100;
                ch.tgt[i] = i == 0 ? 101 + c : 101 + (int64_t)((i * 7 + (uint64_t)c) % 3);   /* chunk c sorts c-th */
            } else {
                ch.src[i] = 104 + (int64_t)((i + (uint64_t)c) % 3);
                ch.tgt[i] = 107 - (int64_t)((i * 5 + (uint64_t)c) % 4);
            }
            ((double *)ch.cols[0].values)[i] = c * 1000 + (double)i;
        }
        assert_int_equal(gloader_add_rels(l, &ch, &err), 0);
    }
    graph *g;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    gloader_free(l);
    return g;
}

/* Segments sorted by target, ties in input order (the weights say which; a self-loop of an undirected type
 * is stored twice, with one weight), every type t, incoming lists exact. */
static void check(const graph *g, uint16_t t, bool undirected) {
    const double *w = graph_rel_col(g, "w")->values;
    for (uint64_t v = 0; v < g->n_nodes; v++)
        for (uint64_t r = g->out_off[v] + 1; r < g->out_off[v + 1]; r++) {
            assert_true(g->out_tgt[r - 1] <= g->out_tgt[r]);
            if (g->out_tgt[r - 1] == g->out_tgt[r])
                assert_true(w[r - 1] < w[r] || (undirected && w[r - 1] == w[r] && g->out_tgt[r] == v));
        }
    for (uint64_t r = 0; r < g->n_rels; r++) assert_int_equal(g->rel_type[r], t);
    for (uint64_t v = 0; v < g->n_nodes; v++)
        for (uint64_t i = g->in_off[v]; i < g->in_off[v + 1]; i++) {
            assert_int_equal(g->out_tgt[g->in_rel[i]], v);
            assert_int_equal(graph_rel_source(g, g->in_rel[i]), g->in_src[i]);
            if (i > g->in_off[v]) assert_true(g->in_rel[i - 1] < g->in_rel[i]);
        }
}

static void expect_same(const graph *a, const graph *b) {
    assert_int_equal(a->n_rels, b->n_rels);
    uint64_t n = a->n_nodes, m = a->n_rels;
    assert_memory_equal(a->out_off, b->out_off, (n + 1) * 8);
    assert_memory_equal(a->out_tgt, b->out_tgt, m * 4);
    assert_memory_equal(a->rel_type, b->rel_type, m * 2);
    assert_memory_equal(a->in_off, b->in_off, (n + 1) * 8);
    assert_memory_equal(a->in_rel, b->in_rel, m * 4);
    assert_memory_equal(a->in_src, b->in_src, m * 4);
    assert_memory_equal(graph_rel_col(a, "w")->values, graph_rel_col(b, "w")->values, m * 8);
}

static void run(bool skip0, bool undirected) {
    graph *a = load((int[]){0, 1, 2, 3, 4}, skip0, undirected), *b = load((int[]){3, 0, 4, 2, 1}, skip0, undirected);
    assert_int_equal(a->n_rels, undirected ? 640 : 320);
    if (!undirected) assert_int_equal(a->out_off[1], 300);   /* the hub: one segment of 300, the merge sort */
    check(a, skip0 ? 1 : 0, undirected);
    check(b, skip0 ? 1 : 0, undirected);
    expect_same(a, b);
    graph_free(a);
    graph_free(b);
}

static void test_type0(void **state) {
    (void)state;
    run(false, false);
}

static void test_type0_undirected(void **state) {
    (void)state;
    run(false, true);
}

static void test_one_type_not_0(void **state) {
    (void)state;
    run(true, false);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type0),
        cmocka_unit_test(test_type0_undirected),
        cmocka_unit_test(test_one_type_not_0),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
