/* test_store_replay_bulk.c — the bulk builder of log replay (graph/greplay.h) at the sizes where it changes its
 * ways: arrays big enough to be faulted in ahead on threads of their own (and outgrown past the reserve, so a
 * prefaulted array is replaced), an id index of more than a million rows built by two threads, label lists
 * sized once, and a second run grown into the same pack (greplay_resume). Every node is checked through a view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/gcommit.h"
#include "graph/graph.h"
#include "graph/greplay.h"
#include "graph/gview.h"

#define N1 2600000u   /* first run: past XTAB_PAR and, at 8 bytes a row, PF_MIN */
#define N2 300000u    /* second run, resumed */

static void add_nodes(greplay *r, uint64_t from, uint64_t n, uint32_t lab_a, uint32_t lab_b, uint32_t k_i, uint32_t k_s) {
    qv_err err;
    char id[32], s[32];
    for (uint64_t i = from; i < from + n; i++) {
        int il = snprintf(id, sizeof id, "id-%llu", (unsigned long long)i);
        int sl = snprintf(s, sizeof s, "s%llu", (unsigned long long)(i % 1000));
        qval ext = qv_str_ref(id, (uint32_t)il);
        uint32_t labels[2] = {lab_a, lab_b};
        gprop props[2] = {{.key = k_i, .value = qv_int((int64_t)i * 7)}, {.key = k_s, .value = qv_str_ref(s, (uint32_t)sl)}};
        uint32_t nl = i % 3 == 0 ? 2 : 1;   /* two label sets: {a} and {a, b} */
        uint32_t np = i % 5 == 0 ? 1 : 2;   /* some nodes without the string */
        assert_int_equal(greplay_node(r, i, ext, greplay_ext_hash(ext), labels, nl, props, np, &err), 0);
    }
}

static void check(graph *g, uint64_t n, uint32_t lab_a, uint32_t lab_b, uint32_t k_i, uint32_t k_s) {
    qv_err err;
    gview *v = gview_open(g, &err);
    assert_non_null(v);
    assert_int_equal(gview_node_count(v), n);
    assert_int_equal(gview_label_count(v, lab_a), n);
    assert_int_equal(gview_label_count(v, lab_b), (n + 2) / 3);
    char id[32];
    for (uint64_t i = 0; i < n; i += (i < 1000 || i + 1000 > n) ? 1 : 997) {
        int il = snprintf(id, sizeof id, "id-%llu", (unsigned long long)i);
        assert_int_equal(gview_node_by_ext_id(v, qv_str_ref(id, (uint32_t)il)), i);
        qval x;
        assert_true(gview_node_prop(v, i, k_i, &x));
        assert_int_equal(x.i, (int64_t)i * 7);
        bool has = gview_node_prop(v, i, k_s, &x);
        assert_int_equal(has, i % 5 != 0);
    }
    assert_int_equal(gview_node_by_ext_id(v, qv_str_ref("id-none", 7)), GID_NONE);
    gview_close(v);
}

static void test_bulk_big(void **state) {
    (void)state;
    qv_err err;
    graph *g = graph_new("big", "big", true, GRAPH_ID_STRING, NULL);
    gtxn *t = gtxn_begin_replay(g, &err);
    assert_non_null(t);
    uint32_t lab_a = gtxn_label(t, "A", 1), lab_b = gtxn_label(t, "B", 1);
    uint32_t k_i = gtxn_key(t, "i", 1), k_s = gtxn_key(t, "s", 1);
    greplay *r = greplay_begin(t);
    assert_non_null(r);
    greplay_reserve(r, N1 - N1 / 16);   /* too few: arrays faulted in ahead (over 16 MiB) are outgrown and replaced */
    add_nodes(r, 0, N1, lab_a, lab_b, k_i, k_s);
    assert_int_equal(greplay_count(r), N1);
    greplay_install(r);
    assert_int_equal(gtxn_commit(t, &err), 0);
    check(g, N1, lab_a, lab_b, k_i, k_s);
    /* a second run grows the same pack */
    t = gtxn_begin_replay(g, &err);
    assert_non_null(t);
    assert_true(greplay_resume(r, t));
    add_nodes(r, N1, N2, lab_a, lab_b, k_i, k_s);
    greplay_finish(r);
    assert_int_equal(gtxn_commit(t, &err), 0);
    check(g, N1 + N2, lab_a, lab_b, k_i, k_s);
    graph_free(g);
}

/* A builder dropped before it is installed (a failed replay) joins its prefault threads and frees everything. */
static void test_bulk_dropped(void **state) {
    (void)state;
    qv_err err;
    graph *g = graph_new("drop", "drop", true, GRAPH_ID_STRING, NULL);
    gtxn *t = gtxn_begin_replay(g, &err);
    assert_non_null(t);
    uint32_t lab_a = gtxn_label(t, "A", 1), lab_b = gtxn_label(t, "B", 1);
    uint32_t k_i = gtxn_key(t, "i", 1), k_s = gtxn_key(t, "s", 1);
    greplay *r = greplay_begin(t);
    assert_non_null(r);
    greplay_reserve(r, 8000000);   /* arrays sized (and faulted in ahead) for 8 M rows */
    add_nodes(r, 0, 1000, lab_a, lab_b, k_i, k_s);
    greplay_free(r);
    gtxn_rollback(t);
    graph_free(g);
}

/* An estimate far above the rows that come (a first record of creations followed by records of other kinds): the
 * install stops the prefaults and gives back the pages past the rows; the nodes read back, and a resumed run grows
 * into the pages given back. */
static void test_bulk_overestimated(void **state) {
    (void)state;
    qv_err err;
    graph *g = graph_new("over", "over", true, GRAPH_ID_STRING, NULL);
    gtxn *t = gtxn_begin_replay(g, &err);
    assert_non_null(t);
    uint32_t lab_a = gtxn_label(t, "A", 1), lab_b = gtxn_label(t, "B", 1);
    uint32_t k_i = gtxn_key(t, "i", 1), k_s = gtxn_key(t, "s", 1);
    greplay *r = greplay_begin(t);
    assert_non_null(r);
    greplay_reserve(r, 20000000);
    add_nodes(r, 0, 3000, lab_a, lab_b, k_i, k_s);
    greplay_install(r);
    assert_int_equal(gtxn_commit(t, &err), 0);
    check(g, 3000, lab_a, lab_b, k_i, k_s);
    t = gtxn_begin_replay(g, &err);
    assert_non_null(t);
    assert_true(greplay_resume(r, t));
    add_nodes(r, 3000, 400000, lab_a, lab_b, k_i, k_s);
    greplay_finish(r);
    assert_int_equal(gtxn_commit(t, &err), 0);
    check(g, 403000, lab_a, lab_b, k_i, k_s);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bulk_big),
        cmocka_unit_test(test_bulk_dropped),
        cmocka_unit_test(test_bulk_overestimated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
