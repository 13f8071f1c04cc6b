/* test_graph_proploader.c — PUT_NODE_PROPERTIES: new columns for existing nodes (absent where not sent),
 * fixed and variable-width types, existing properties (QV_EEXISTS), unknown ids (QV_ENOTFOUND naming
 * them), the node_labels filter, consecutive (internal) ids, nodes sent twice, phases, STRING ids, and
 * two imports racing for one property name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "graph/loader.h"
#include "test_graph_util.h"


static void expect_has(const char *msg, const char *part) {
    if (!strstr(msg, part)) fail_msg("message \"%s\" lacks \"%s\"", msg, part);
}

/* nodes 10 (Person), 20 (Person, Admin), 30 (City); no relationships */
static graph *small_graph(void) {
    gloader_config cfg = {.name = "g", .database_name = "neo4j"};
    gloader *l = gloader_new(&cfg, pool);
    uint32_t p = gloader_label(l, "Person", 6), a = gloader_label(l, "Admin", 5), c = gloader_label(l, "City", 4);
    uint32_t sp = gloader_labelset(l, &p, 1), spa = gloader_labelset(l, (uint32_t[]){p, a}, 2),
             sc = gloader_labelset(l, &c, 1);
    gnode_chunk ch = {.n = 3, .ids = HEAP(int64_t, 10, 20, 30), .labelset = HEAP(uint32_t, sp, spa, sc)};
    qv_err err;
    assert_int_equal(gloader_add_nodes(l, &ch, &err), 0);
    uint64_t n, m;
    graph *g;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    gloader_free(l);
    return g;
}

static uint32_t key(gproploader *p, const char *name, gprop_type t) {
    uint32_t k;
    qv_err err;
    assert_int_equal(gproploader_prop_key(p, name, t, &k, &err), 0);
    return k;
}

static void test_put_properties(void **state) {
    (void)state;
    graph *g = small_graph();
    qv_err err;
    gproploader *p = gproploader_new(g, NULL, 0, false, pool, &err);
    assert_non_null(p);
    uint32_t rank = key(p, "rank", GPROP_INT64), vec = key(p, "vec", GPROP_FLOAT_LIST);
    assert_int_equal(key(p, "rank", GPROP_INT64), rank);   /* registering again is harmless */
    uint32_t k;
    assert_int_equal(gproploader_prop_key(p, "rank", GPROP_DOUBLE, &k, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    gnode_chunk c1 = {.n = 2, .ids = HEAP(int64_t, 30, 10), .ncols = 2,
                      .cols = HEAP(gchunk_col, {.key = vec, .type = GPROP_FLOAT_LIST, .values = HEAP(float, 1.5f, 2.5f),
                                                .offsets = HEAP(uint64_t, 0, 2, 2)},
                                   {.key = rank, .type = GPROP_INT64, .values = HEAP(int64_t, 3, 1)})};
    assert_int_equal(gproploader_add(p, &c1, &err), 0);
    uint64_t rows = 0;
    assert_int_equal(gproploader_done(p, &rows, &err), 0);
    assert_int_equal(rows, 2);
    assert_int_equal(gproploader_done(p, &rows, &err), -1);   /* once only */
    assert_int_equal(err.code, QV_EPHASE);
    gnode_chunk late = {.n = 1, .ids = HEAP(int64_t, 20)};
    assert_int_equal(gproploader_add(p, &late, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    gproploader_free(p);

    pthread_rwlock_rdlock(&g->cols_lock);
    const gcolumn *r = graph_node_col(g, "rank");
    assert_non_null(r);
    assert_int_equal(r->type, GPROP_INT64);
    assert_true(gcolumn_has(r, 0) && gcolumn_has(r, 2));
    assert_false(gcolumn_has(r, 1));   /* node 20 was not sent */
    assert_int_equal(((int64_t *)r->values)[0], 1);
    assert_int_equal(((int64_t *)r->values)[2], 3);
    const gcolumn *v = graph_node_col(g, "vec");
    assert_non_null(v);
    assert_int_equal(v->offsets[0], 0);
    assert_int_equal(v->offsets[1], 0);   /* node 10: empty list */
    assert_int_equal(v->offsets[2], 0);   /* node 20: absent */
    assert_int_equal(v->offsets[3], 2);   /* node 30: [1.5, 2.5] */
    assert_true(((float *)v->values)[1] == 2.5f);
    assert_true(gcolumn_has(v, 0) && !gcolumn_has(v, 1) && gcolumn_has(v, 2));
    pthread_rwlock_unlock(&g->cols_lock);

    /* the property now exists */
    p = gproploader_new(g, NULL, 0, false, pool, &err);
    assert_int_equal(gproploader_prop_key(p, "rank", GPROP_INT64, &k, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    expect_has(err.msg, "'rank' already exists");
    gproploader_free(p);
    graph_free(g);
}

static void test_unknown_ids_and_labels(void **state) {
    (void)state;
    graph *g = small_graph();
    qv_err err;
    gproploader *p = gproploader_new(g, NULL, 0, false, pool, &err);
    uint32_t s = key(p, "s", GPROP_DOUBLE);
    gnode_chunk c = {.n = 3, .ids = HEAP(int64_t, 10, 99, 98), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = s, .type = GPROP_DOUBLE, .values = HEAP(double, 1, 2, 3)})};
    assert_int_equal(gproploader_add(p, &c, &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    expect_has(err.msg, "node id 99 does not exist");
    expect_has(err.msg, "2 unknown ids");
    gproploader_free(p);

    assert_null(gproploader_new(g, (const char *[]){"Nope"}, 1, false, pool, &err));
    assert_int_equal(err.code, QV_ENOTFOUND);
    expect_has(err.msg, "'Nope'");

    p = gproploader_new(g, (const char *[]){"City", "Admin"}, 2, false, pool, &err);
    s = key(p, "s", GPROP_DOUBLE);
    gnode_chunk ok = {.n = 2, .ids = HEAP(int64_t, 30, 20), .ncols = 1,
                      .cols = HEAP(gchunk_col, {.key = s, .type = GPROP_DOUBLE, .values = HEAP(double, 1, 2)})};
    assert_int_equal(gproploader_add(p, &ok, &err), 0);
    gnode_chunk bad = {.n = 1, .ids = HEAP(int64_t, 10), .ncols = 1,
                       .cols = HEAP(gchunk_col, {.key = s, .type = GPROP_DOUBLE, .values = HEAP(double, 1)})};
    assert_int_equal(gproploader_add(p, &bad, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    expect_has(err.msg, "node id 10 has none of the labels City, Admin");
    uint64_t rows;
    assert_int_equal(gproploader_done(p, &rows, &err), 0);   /* the good batch still lands */
    assert_int_equal(rows, 2);
    gproploader_free(p);
    graph_free(g);
}

static void test_consecutive_and_twice(void **state) {
    (void)state;
    graph *g = small_graph();
    qv_err err;
    gproploader *p = gproploader_new(g, (const char *[]){"*"}, 1, true, pool, &err);
    uint32_t b = key(p, "flag", GPROP_BOOL);
    gnode_chunk c = {.n = 3, .ids = HEAP(int64_t, 0, 1, 2), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = b, .type = GPROP_BOOL, .values = HEAP(uint8_t, 1, 0, 1)})};
    assert_int_equal(gproploader_add(p, &c, &err), 0);
    gnode_chunk out = {.n = 1, .ids = HEAP(int64_t, 3)};
    assert_int_equal(gproploader_add(p, &out, &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    expect_has(err.msg, "run from 0 to 2");
    uint64_t rows;
    assert_int_equal(gproploader_done(p, &rows, &err), 0);
    assert_int_equal(rows, 3);
    gproploader_free(p);
    pthread_rwlock_rdlock(&g->cols_lock);
    const gcolumn *f = graph_node_col(g, "flag");
    assert_null(f->present);   /* every node has a value */
    assert_int_equal(((uint8_t *)f->values)[1], 0);
    assert_int_equal(((uint8_t *)f->values)[2], 1);
    pthread_rwlock_unlock(&g->cols_lock);

    /* a node sent twice (in two batches) is refused: its value would depend on arrival order */
    p = gproploader_new(g, NULL, 0, false, pool, &err);
    uint32_t s = key(p, "twice", GPROP_INT64);
    gnode_chunk a = {.n = 2, .ids = HEAP(int64_t, 10, 20), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = s, .type = GPROP_INT64, .values = HEAP(int64_t, 1, 2)})};
    gnode_chunk d = {.n = 1, .ids = HEAP(int64_t, 20), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = s, .type = GPROP_INT64, .values = HEAP(int64_t, 3)})};
    assert_int_equal(gproploader_add(p, &a, &err), 0);
    assert_int_equal(gproploader_add(p, &d, &err), 0);
    assert_int_equal(gproploader_done(p, &rows, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    expect_has(err.msg, "node id 20 is sent more than once");
    gproploader_free(p);
    pthread_rwlock_rdlock(&g->cols_lock);
    assert_null(graph_node_col(g, "twice"));   /* nothing attached */
    pthread_rwlock_unlock(&g->cols_lock);
    graph_free(g);
}

static void test_string_graph(void **state) {
    (void)state;
    gloader_config cfg = {.name = "s", .id_type = GRAPH_ID_STRING};
    gloader *l = gloader_new(&cfg, pool);
    gnode_chunk ch = {.n = 2, .str_off = HEAP(uint64_t, 0, 3, 6), .str = dupmem("abcdef", 6)};
    qv_err err;
    assert_int_equal(gloader_add_nodes(l, &ch, &err), 0);
    uint64_t n, m;
    graph *g;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    gloader_free(l);

    gproploader *p = gproploader_new(g, NULL, 0, false, pool, &err);
    uint32_t k = key(p, "name", GPROP_STRING);
    gnode_chunk c = {.n = 1, .str_off = HEAP(uint64_t, 0, 3), .str = dupmem("def", 3), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = k, .type = GPROP_STRING, .values = dupmem("hello", 5),
                                               .offsets = HEAP(uint64_t, 0, 5)})};
    assert_int_equal(gproploader_add(p, &c, &err), 0);
    gnode_chunk bad = {.n = 1, .str_off = HEAP(uint64_t, 0, 2), .str = dupmem("zz", 2)};
    assert_int_equal(gproploader_add(p, &bad, &err), -1);
    expect_has(err.msg, "node id \"zz\" does not exist");
    uint64_t rows;
    assert_int_equal(gproploader_done(p, &rows, &err), 0);
    gproploader_free(p);
    const gcolumn *col = graph_node_col(g, "name");
    assert_false(gcolumn_has(col, 0));
    assert_true(gcolumn_has(col, 1));
    assert_int_equal(col->offsets[2], 5);
    assert_memory_equal(col->values, "hello", 5);
    graph_free(g);
}

static void test_race_for_name(void **state) {
    (void)state;
    graph *g = small_graph();
    qv_err err;
    gproploader *a = gproploader_new(g, NULL, 0, false, pool, &err), *b = gproploader_new(g, NULL, 0, false, pool, &err);
    key(a, "x", GPROP_INT64);
    key(b, "x", GPROP_INT64);   /* neither exists yet */
    uint64_t rows;
    assert_int_equal(gproploader_done(a, &rows, &err), 0);
    assert_int_equal(gproploader_done(b, &rows, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    gproploader_free(a);
    gproploader_free(b);
    pthread_rwlock_rdlock(&g->cols_lock);
    assert_int_equal(g->n_node_cols, 1);
    pthread_rwlock_unlock(&g->cols_lock);
    graph_free(g);
}

typedef struct adder {
    gproploader *p;
    uint32_t k;
    int64_t lo, hi;
} adder;

static void *add_range(void *arg) {
    adder *A = arg;
    for (int64_t s = A->lo; s < A->hi; s += 100) {
        uint64_t n = (uint64_t)(s + 100 <= A->hi ? 100 : A->hi - s);
        int64_t *ids = malloc(n * 8), *vals = malloc(n * 8);
        for (uint64_t i = 0; i < n; i++) {
            ids[i] = s + (int64_t)i;
            vals[i] = (s + (int64_t)i) * 3;
        }
        gnode_chunk c = {.n = n, .ids = ids, .ncols = 1,
                         .cols = HEAP(gchunk_col, {.key = A->k, .type = GPROP_INT64, .values = vals})};
        qv_err err;
        if (gproploader_add(A->p, &c, &err)) fail_msg("%s", err.msg);
    }
    return NULL;
}

static void test_concurrent_adds(void **state) {
    (void)state;
    gloader_config cfg = {.name = "big"};
    gloader *l = gloader_new(&cfg, pool);
    int64_t N = 20000;
    int64_t *ids = malloc((size_t)N * 8);
    for (int64_t i = 0; i < N; i++) ids[i] = i;
    gnode_chunk ch = {.n = (uint64_t)N, .ids = ids};
    qv_err err;
    assert_int_equal(gloader_add_nodes(l, &ch, &err), 0);
    uint64_t n, m;
    graph *g;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    gloader_free(l);

    gproploader *p = gproploader_new(g, NULL, 0, false, pool, &err);
    adder A[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {   /* every other node, in four streams */
        A[t] = (adder){.p = p, .k = key(p, "v", GPROP_INT64), .lo = t * N / 8, .hi = (t + 1) * N / 8};
        pthread_create(&th[t], NULL, add_range, &A[t]);
    }
    for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
    uint64_t rows;
    assert_int_equal(gproploader_done(p, &rows, &err), 0);
    assert_int_equal(rows, (uint64_t)N / 2);
    gproploader_free(p);
    const gcolumn *v = graph_node_col(g, "v");
    for (int64_t i = 0; i < N; i++) {
        if (i < N / 2) {
            assert_true(gcolumn_has(v, (uint64_t)i));
            assert_int_equal(((int64_t *)v->values)[i], i * 3);
        } else {
            assert_false(gcolumn_has(v, (uint64_t)i));
        }
    }
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_properties),
        cmocka_unit_test(test_unknown_ids_and_labels),
        cmocka_unit_test(test_consecutive_and_twice),
        cmocka_unit_test(test_string_graph),
        cmocka_unit_test(test_race_for_name),
        cmocka_unit_test(test_concurrent_adds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
