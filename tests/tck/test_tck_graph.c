/* test_tck_graph.c — what the TCK runner reads from a real graph (tests/tck/tck_graph.c): nodes,
 * relationships and paths as TCK values (labels as a set, properties, hop directions), and side effects as
 * the TCK counts them (created/deleted elements, distinct labels in use, property triples where a changed
 * value is one removal plus one addition). The graph is written through gtxn, no query engine involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/gview.h"
#include "tck/tck_graph.h"

static qval S(const char *s) { return qv_str_ref(s, (uint32_t)strlen(s)); }

static uint64_t node(gtxn *t, const char *l1, const char *l2, const char *key, qval v) {
    uint32_t labels[2];
    uint32_t nl = 0;
    if (l1) labels[nl++] = gtxn_label(t, l1, strlen(l1));
    if (l2) labels[nl++] = gtxn_label(t, l2, strlen(l2));
    gprop p = {key ? gtxn_key(t, key, strlen(key)) : 0, v};
    uint64_t id;
    qv_err err;
    assert_int_equal(gtxn_node_create(t, labels, nl, &p, key ? 1 : 0, qv_null(), &id, &err), 0);
    return id;
}

static uint64_t rel(gtxn *t, uint64_t a, uint64_t b, const char *type, const char *key, qval v) {
    gprop p = {key ? gtxn_key(t, key, strlen(key)) : 0, v};
    uint64_t id;
    qv_err err;
    assert_int_equal(gtxn_rel_create(t, a, b, gtxn_type(t, type, strlen(type)), &p, key ? 1 : 0, &id, &err), 0);
    return id;
}

static void commit(gtxn *t) {
    qv_err err;
    assert_int_equal(gtxn_commit(t, &err), 0);
}

static void snap(graph *g, tck_snapshot *s) {
    qv_err err;
    gview *v = gview_open(g, &err);
    assert_non_null(v);
    assert_int_equal(tck_snapshot_take(v, s), 0);
    gview_close(v);
}

static void test_values_from_graph(void **state) {
    (void)state;
    graph *g = graph_new("tck", "tck", false, GRAPH_ID_INTEGER, NULL);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    assert_non_null(t);
    uint64_t a = node(t, "B", "A", "name", S("x"));
    uint64_t b = node(t, NULL, NULL, NULL, qv_null());
    uint64_t c = node(t, "C", NULL, "num", qv_int(7));
    uint64_t r1 = rel(t, a, b, "R", "w", qv_float(1.5));
    uint64_t r2 = rel(t, c, b, "S", NULL, qv_null());
    commit(t);

    gview *v = gview_open(g, &err);
    qv_arena ar;
    qv_arena_init(&ar);
    assert_string_equal(tckv_render(&ar, tck_from_qval(&ar, v, qv_node(a))), "(:A:B {name: 'x'})");
    assert_string_equal(tckv_render(&ar, tck_from_qval(&ar, v, qv_node(b))), "()");
    assert_string_equal(tckv_render(&ar, tck_from_qval(&ar, v, qv_rel(r1))), "[:R {w: 1.5}]");
    /* a -R-> b <-S- c: the second hop runs against its relationship */
    uint64_t nodes[3] = {a, b, c}, rels[2] = {r1, r2};
    qpath p = {2, nodes, rels};
    qval pv = {.type = QT_PATH};
    pv.path = &p;
    const tckv *pt = tck_from_qval(&ar, v, pv);
    assert_string_equal(tckv_render(&ar, pt), "<(:A:B {name: 'x'})-[:R {w: 1.5}]->()<-[:S]-(:C {num: 7})>");
    char err2[128];
    const tckv *expected = tckv_parse(&ar, "<(:B:A {name: 'x'})-[:R {w: 1.5}]->()<-[:S]-(:C {num: 7})>", 58, err2,
                                      sizeof err2);
    assert_non_null(expected);
    assert_true(tckv_equal(expected, pt, false));
    /* lists and maps holding elements */
    qval items[2] = {qv_node(c), qv_int(1)};
    assert_string_equal(tckv_render(&ar, tck_from_qval(&ar, v, qv_list_ref(items, 2))), "[(:C {num: 7}), 1]");
    qv_arena_free(&ar);
    gview_close(v);
    graph_free(g);
}

static void test_side_effects(void **state) {
    (void)state;
    graph *g = graph_new("tck", "tck", false, GRAPH_ID_INTEGER, NULL);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint64_t a = node(t, "A", NULL, "name", S("a"));
    uint64_t b = node(t, "A", "B", "num", qv_int(1));
    uint64_t r = rel(t, a, b, "T", "w", qv_int(2));
    commit(t);

    tck_snapshot s0, s1, s2;
    snap(g, &s0);
    assert_int_equal(s0.n_nodes, 2);
    assert_int_equal(s0.n_rels, 1);
    assert_int_equal(s0.n_labels, 2);
    assert_int_equal(s0.n_props, 3);

    /* change a value (1 removal + 1 addition), add a property, a node with a new label, remove the only :B */
    t = gtxn_begin(g, &err);
    uint32_t num = gtxn_key(t, "num", 3), extra = gtxn_key(t, "extra", 5);
    assert_int_equal(gtxn_node_set_prop(t, b, num, qv_int(2), &err), 0);
    assert_int_equal(gtxn_node_set_prop(t, a, extra, qv_bool(true), &err), 0);
    node(t, "C", NULL, NULL, qv_null());
    assert_int_equal(gtxn_node_remove_label(t, b, gtxn_label(t, "B", 1), &err), 0);
    commit(t);
    snap(g, &s1);
    tck_effects e;
    tck_snapshot_diff(&s0, &s1, &e);
    assert_int_equal(e.nodes_added, 1);
    assert_int_equal(e.nodes_removed, 0);
    assert_int_equal(e.props_added, 2);
    assert_int_equal(e.props_removed, 1);
    assert_int_equal(e.labels_added, 1);      /* C */
    assert_int_equal(e.labels_removed, 1);    /* B is no longer in use */
    assert_int_equal(e.rels_added + e.rels_removed, 0);

    /* detach delete a: its relationship and both their properties go; :A stays in use through b */
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_node_delete(t, a, true, &err), 0);
    commit(t);
    snap(g, &s2);
    tck_snapshot_diff(&s1, &s2, &e);
    assert_int_equal(e.nodes_removed, 1);
    assert_int_equal(e.rels_removed, 1);
    assert_int_equal(e.props_removed, 3);     /* name, extra, w */
    assert_int_equal(e.labels_removed, 0);
    assert_int_equal(e.nodes_added + e.rels_added + e.props_added + e.labels_added, 0);
    (void)r;

    /* a rolled-back transaction leaves nothing to count */
    t = gtxn_begin(g, &err);
    node(t, "Z", NULL, "q", qv_int(1));
    gtxn_rollback(t);
    tck_snapshot s3;
    snap(g, &s3);
    tck_snapshot_diff(&s2, &s3, &e);
    assert_int_equal(e.nodes_added + e.props_added + e.labels_added, 0);

    tck_snapshot_free(&s0);
    tck_snapshot_free(&s1);
    tck_snapshot_free(&s2);
    tck_snapshot_free(&s3);
    graph_free(g);
}

static void test_canon_values(void **state) {
    (void)state;
    qv_buf b1, b2;
    qv_buf_init(&b1);
    qv_buf_init(&b2);
    tck_canon_value(&b1, qv_int(1));
    tck_canon_value(&b2, qv_float(1.0));
    assert_false(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);   /* 1 and 1.0 differ */
    qv_buf_reset(&b1);
    qv_buf_reset(&b2);
    qval l1[2] = {S("a,"), S("b")}, l2[2] = {S("a"), S(",b")};
    tck_canon_value(&b1, qv_list_ref(l1, 2));
    tck_canon_value(&b2, qv_list_ref(l2, 2));
    assert_false(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);   /* length-prefixed strings */
    qv_buf_free(&b1);
    qv_buf_free(&b2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_from_graph),
        cmocka_unit_test(test_side_effects),
        cmocka_unit_test(test_canon_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
