/* test_store_replay_bulk.c — the bulk builder of log replay (graph/greplay.h) at the sizes where it changes its
 * ways: arrays big enough to be faulted in ahead on threads of their own (and outgrown past the reserve, so a
 * prefaulted array is replaced), an id index of more than a million rows built by two threads, label lists
 * sized once, and a second run grown into the same pack (greplay_resume). Every node is checked through a view.
 * Also: replay looks no id up as it creates nodes, so a log (checksums intact) giving two live nodes one id must
 * fail where the ids are indexed, in the bulk builder and through gtxn, within a run and across runs.
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
#include "graph/loader.h"
#include "test_graph_util.h"

#define N1 2600000u   /* first run: past XTAB_PAR and, at 8 bytes a row, PF_MIN */
#define N2 300000u    /* second run, resumed */

/* A graph, its first replay transaction, the names the nodes use, and a bulk builder over it. */
typedef struct run {
    graph *g;
    gtxn *t;
    greplay *r;
    uint32_t lab_a, lab_b, k_i, k_s;
} run;

static run run_start(const char *name) {
    qv_err err;
    run x = {.g = graph_new(name, name, true, GRAPH_ID_STRING, NULL)};
    x.t = gtxn_begin_replay(x.g, &err);
    assert_non_null(x.t);
    x.lab_a = gtxn_label(x.t, "A", 1), x.lab_b = gtxn_label(x.t, "B", 1);
    x.k_i = gtxn_key(x.t, "i", 1), x.k_s = gtxn_key(x.t, "s", 1);
    x.r = greplay_begin(x.t);
    assert_non_null(x.r);
    return x;
}

/* The next replay transaction, the builder resumed on it. */
static void run_resume(run *x) {
    qv_err err;
    x->t = gtxn_begin_replay(x->g, &err);
    assert_non_null(x->t);
    assert_true(greplay_resume(x->r, x->t));
}

static void add_nodes(const run *x, uint64_t from, uint64_t n) {
    greplay *r = x->r;
    uint32_t lab_a = x->lab_a, lab_b = x->lab_b, k_i = x->k_i, k_s = x->k_s;
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

static void check(const run *x, uint64_t n) {
    qv_err err;
    graph *g = x->g;
    uint32_t lab_a = x->lab_a, lab_b = x->lab_b, k_i = x->k_i, k_s = x->k_s;
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
    run x = run_start("big");
    greplay_reserve(x.r, N1 - N1 / 16);   /* too few: arrays faulted in ahead (over 16 MiB) are outgrown and replaced */
    add_nodes(&x, 0, N1);
    assert_int_equal(greplay_count(x.r), N1);
    assert_int_equal(greplay_install(x.r, &err), 0);
    assert_int_equal(gtxn_commit(x.t, &err), 0);
    check(&x, N1);
    run_resume(&x);   /* a second run grows the same pack */
    add_nodes(&x, N1, N2);
    assert_int_equal(greplay_finish(x.r, &err), 0);
    assert_int_equal(gtxn_commit(x.t, &err), 0);
    check(&x, N1 + N2);
    graph_free(x.g);
}

/* A builder dropped before it is installed (a failed replay) joins its prefault threads and frees everything. */
static void test_bulk_dropped(void **state) {
    (void)state;
    run x = run_start("drop");
    greplay_reserve(x.r, 8000000);   /* arrays sized (and faulted in ahead) for 8 M rows */
    add_nodes(&x, 0, 1000);
    greplay_free(x.r);
    gtxn_rollback(x.t);
    graph_free(x.g);
}

/* An estimate far above the rows that come (a first record of creations followed by records of other kinds): the
 * install stops the prefaults and gives back the pages past the rows; the nodes read back, and a resumed run grows
 * into the pages given back. */
static void test_bulk_overestimated(void **state) {
    (void)state;
    qv_err err;
    run x = run_start("over");
    greplay_reserve(x.r, 20000000);
    add_nodes(&x, 0, 3000);
    assert_int_equal(greplay_install(x.r, &err), 0);
    assert_int_equal(gtxn_commit(x.t, &err), 0);
    check(&x, 3000);
    run_resume(&x);
    add_nodes(&x, 3000, 400000);
    assert_int_equal(greplay_finish(x.r, &err), 0);
    assert_int_equal(gtxn_commit(x.t, &err), 0);
    check(&x, 403000);
    graph_free(x.g);
}

static qval sid(char *buf, uint64_t i) { return qv_str_ref(buf, (uint32_t)snprintf(buf, 32, "id-%llu", (unsigned long long)i)); }

static uint64_t live_nodes(graph *g) {
    qv_err err;
    gview *v = gview_open(g, &err);
    assert_non_null(v);
    uint64_t n = gview_node_count(v);
    gview_close(v);
    return n;
}

/* Rows 5 and N1 - 3 of one run share an id: rows far apart go to the two threads that build the index. The
 * install fails naming both nodes, and nothing of the run is in the graph. */
static void test_bulk_same_id_in_run(void **state) {
    (void)state;
    qv_err err;
    char b[32];
    run x = run_start("dup");
    add_nodes(&x, 0, N1 - 3);
    qval id = sid(b, 5);
    assert_int_equal(greplay_node(x.r, N1 - 3, id, greplay_ext_hash(id), &x.lab_a, 1, NULL, 0, &err), 0);
    assert_int_equal(greplay_finish(x.r, &err), -1);
    assert_non_null(strstr(err.msg, "nodes 5 and 2599997 the same id 'id-5'"));
    gtxn_rollback(x.t);
    assert_int_equal(live_nodes(x.g), 0);
    graph_free(x.g);
}

/* A resumed run repeats an id of the installed pack; a later run through gtxn repeats one too. */
static void test_bulk_same_id_across_runs(void **state) {
    (void)state;
    qv_err err;
    char b[32];
    run x = run_start("dup");
    add_nodes(&x, 0, 1000);
    assert_int_equal(greplay_install(x.r, &err), 0);
    assert_int_equal(gtxn_commit(x.t, &err), 0);
    run_resume(&x);
    add_nodes(&x, 1000, 10);
    qval id = sid(b, 10);
    assert_int_equal(greplay_node(x.r, 1010, id, greplay_ext_hash(id), &x.lab_a, 1, NULL, 0, &err), 0);
    assert_int_equal(greplay_finish(x.r, &err), -1);   /* a resumed builder's pack goes with it */
    assert_non_null(strstr(err.msg, "nodes 10 and 1010 the same id"));
    gtxn_rollback(x.t);
    graph_free(x.g);

    x = run_start("dup");
    add_nodes(&x, 0, 100);
    assert_int_equal(greplay_finish(x.r, &err), 0);
    assert_int_equal(gtxn_commit(x.t, &err), 0);
    gtxn *t = gtxn_begin_replay(x.g, &err);
    uint64_t n;
    assert_int_equal(gtxn_node_create(t, &x.lab_a, 1, NULL, 0, sid(b, 100), &n, &err), 0);
    assert_int_equal(gtxn_node_create(t, &x.lab_a, 1, NULL, 0, sid(b, 7), &n, &err), -1);   /* in the pack */
    assert_non_null(strstr(err.msg, "'id-7' already exists"));
    gtxn_rollback(t);
    assert_int_equal(live_nodes(x.g), 100);
    graph_free(x.g);
}

/* Through gtxn: two creations of one id in a transaction fail its commit; one deleted in between is no conflict;
 * a bulk run after them repeats an id of theirs. */
static void test_gtxn_same_id(void **state) {
    (void)state;
    qv_err err;
    char b[32];
    uint64_t id, first;
    graph *g = graph_new("dup", "dup", true, GRAPH_ID_STRING, NULL);
    gtxn *t = gtxn_begin_replay(g, &err);
    uint32_t lab = gtxn_label(t, "A", 1);
    for (uint64_t i = 0; i < 3000; i++) assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, sid(b, i), &id, &err), 0);
    assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, sid(b, 1234), &id, &err), 0);
    assert_int_equal(gtxn_commit(t, &err), -1);
    assert_non_null(strstr(err.msg, "nodes 1234 and 3000 the same id 'id-1234'"));
    assert_int_equal(live_nodes(g), 0);

    t = gtxn_begin_replay(g, &err);
    assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, sid(b, 1), &first, &err), 0);
    assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, sid(b, 2), &id, &err), 0);
    assert_int_equal(gtxn_node_delete(t, first, false, &err), 0);
    assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, sid(b, 1), &id, &err), 0);
    assert_int_equal(gtxn_commit(t, &err), 0);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_by_ext_id(v, sid(b, 1)), id);
    gview_close(v);

    t = gtxn_begin_replay(g, &err);
    greplay *r = greplay_begin(t);
    assert_non_null(r);
    for (uint64_t i = 3; i < 10; i++) {
        qval x = sid(b, i == 9 ? 2 : i);
        assert_int_equal(greplay_node(r, id + i - 2, x, greplay_ext_hash(x), &lab, 1, NULL, 0, &err), 0);
    }
    assert_int_equal(greplay_finish(r, &err), -1);
    assert_non_null(strstr(err.msg, "the same id 'id-2'"));
    gtxn_rollback(t);
    assert_int_equal(live_nodes(g), 2);
    graph_free(g);
}

/* A loader-built base of nodes 10, 20, 30, 40 (integer ids: looked up in prefetched batches) under a bulk run:
 * repeating 30 fails, repeating 20 after the replay deleted it does not. */
static void test_bulk_same_id_as_base(void **state) {
    (void)state;
    qv_err err;
    for (int deleted = 0; deleted < 2; deleted++) {
        gloader_config cfg = {.name = "g", .database_name = "neo4j"};
        gloader *l = gloader_new(&cfg, pool);
        uint32_t ls = gloader_labelset(l, NULL, 0);
        gnode_chunk c = {.n = 4, .ids = HEAP(int64_t, 10, 20, 30, 40), .labelset = HEAP(uint32_t, ls, ls, ls, ls)};
        assert_int_equal(gloader_add_nodes(l, &c, &err), 0);
        uint64_t n;
        assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
        graph *g = NULL;
        assert_int_equal(gloader_rels_done(l, &n, &g, &err), 0);
        gloader_free(l);
        gtxn *t = gtxn_begin_replay(g, &err);
        if (deleted) {
            assert_int_equal(gtxn_node_delete(t, 1, false, &err), 0);
            assert_int_equal(gtxn_commit(t, &err), 0);
            t = gtxn_begin_replay(g, &err);
        }
        greplay *r = greplay_begin(t);
        assert_non_null(r);
        for (int64_t i = 0; i < 3000; i++) {
            qval x = qv_int(i == 2000 ? (deleted ? 20 : 30) : 100 + i);
            assert_int_equal(greplay_node(r, 4 + (uint64_t)i, x, greplay_ext_hash(x), NULL, 0, NULL, 0, &err), 0);
        }
        if (deleted) {
            assert_int_equal(greplay_finish(r, &err), 0);
            assert_int_equal(gtxn_commit(t, &err), 0);
            assert_int_equal(live_nodes(g), 3 + 3000);
        } else {
            assert_int_equal(greplay_finish(r, &err), -1);
            assert_non_null(strstr(err.msg, "nodes 2 and 2004 the same id 30"));
            gtxn_rollback(t);
            assert_int_equal(live_nodes(g), 4);
        }
        graph_free(g);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bulk_same_id_as_base),
        cmocka_unit_test(test_bulk_same_id_in_run),
        cmocka_unit_test(test_bulk_same_id_across_runs),
        cmocka_unit_test(test_gtxn_same_id),
        cmocka_unit_test(test_bulk_big),
        cmocka_unit_test(test_bulk_dropped),
        cmocka_unit_test(test_bulk_overestimated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
