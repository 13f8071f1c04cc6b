/* test_graph_txn_props.c — property arrays of created nodes and relationships (gwrite.c's props_fill): keys
 * given in any order come back sorted, the last of repeated keys wins, a null removes the key, string values
 * are copied (the caller's buffer may change), and the transaction record reused across commits starts
 * empty (no change leaks from one commit into the next). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/gdelta.h"   /* gcompact_begin / gcompact_finish */
#include "graph/gview.h"
#include "graph/gwrite_fast.h"

static int count_hook(void *ctx, graph *g, uint64_t csn, const gchange *ch, size_t n, qv_err *err) {
    (void)g, (void)csn, (void)ch, (void)err;
    *(size_t *)ctx = n;
    return 0;
}

static void test_create_props(void **state) {
    (void)state;
    graph *g = graph_new("p", "p", false, GRAPH_ID_INTEGER, NULL);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    assert_non_null(t);
    uint32_t a = gtxn_key(t, "a", 1), b = gtxn_key(t, "b", 1), c = gtxn_key(t, "c", 1), d = gtxn_key(t, "d", 1);
    uint32_t lab = gtxn_label(t, "L", 1), ty = gtxn_type(t, "T", 1);
    char buf[8] = "xyz";
    gprop ps[] = {{d, qv_int(4)}, {b, qv_int(2)}, {a, qv_int(1)}, {b, qv_str_ref(buf, 3)}, {c, qv_int(3)},
                  {c, qv_null()}, {a, qv_null()}, {a, qv_int(10)}};
    uint64_t n1, n2, r;
    assert_int_equal(gtxn_node_create(t, &lab, 1, ps, 8, qv_int(1), &n1, &err), 0);
    assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, qv_int(2), &n2, &err), 0);
    assert_int_equal(gtxn_rel_create(t, n1, n2, ty, ps, 8, &r, &err), 0);
    memcpy(buf, "QQQ", 3);
    assert_int_equal(gtxn_commit(t, &err), 0);

    gview *v = gview_open(g, &err);
    qv_arena ar;
    qv_arena_init(&ar);
    gprop *out;
    for (int rel = 0; rel < 2; rel++) {
        uint32_t n = rel ? gview_rel_props(v, r, &ar, &out) : gview_node_props(v, n1, &ar, &out);
        assert_int_equal(n, 3);   /* a = 10, b = "xyz", d = 4; c removed by its later null */
        assert_int_equal(out[0].key, a);
        assert_int_equal(out[0].value.i, 10);
        assert_int_equal(out[1].key, b);
        assert_int_equal(out[1].value.type, QT_STRING);
        assert_memory_equal(out[1].value.s, "xyz", 3);
        assert_int_equal(out[2].key, d);
        assert_int_equal(out[2].value.i, 4);
    }
    qv_arena_free(&ar);
    gview_close(v);

    /* the next transactions reuse the record: their change lists hold only their own changes */
    size_t n_changes = 0;
    graph_set_commit_hook(g, count_hook, &n_changes);
    for (int i = 0; i < 3; i++) {
        t = gtxn_begin(g, &err);
        assert_non_null(t);
        size_t n;
        gtxn_changes(t, &n);
        assert_int_equal(n, 0);
        assert_int_equal(gtxn_node_create(t, &lab, 1, ps, 1, qv_int(10 + i), &n1, &err), 0);
        assert_int_equal(gtxn_commit(t, &err), 0);
        assert_int_equal(n_changes, 3);   /* node, label, property */
    }
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_node_create(t, &lab, 1, ps, 1, qv_int(20), &n1, &err), 0);
    gtxn_rollback(t);
    v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 5);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(20)), GID_NONE);
    gview_close(v);
    graph_free(g);
}

/* gtxn_rel_create_sorted (gwrite_fast.h) writes what gtxn_rel_create writes for the same sorted properties:
 * the same properties read back, the same change records in the same order (what the write-ahead log keeps),
 * strings copied; and it refuses properties that are not sorted, unique and non-null, writing nothing. */
static void test_rel_create_sorted(void **state) {
    (void)state;
    graph *g = graph_new("p", "p", false, GRAPH_ID_INTEGER, NULL);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t a = gtxn_key(t, "a", 1), b = gtxn_key(t, "b", 1), c = gtxn_key(t, "c", 1);
    uint32_t lab = gtxn_label(t, "L", 1), ty = gtxn_type(t, "T", 1);
    uint64_t n1, n2, r[2];
    assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, qv_int(1), &n1, &err), 0);
    assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, qv_int(2), &n2, &err), 0);
    assert_int_equal(gtxn_commit(t, &err), 0);
    char buf[8] = "xyz";
    qval l2[2] = {qv_int(1), qv_int(2)};
    gprop ps[] = {{a, qv_int(1)}, {b, qv_str_ref(buf, 3)}, {c, qv_list_ref(l2, 2)}};
    const gchange *ch[2];
    size_t nch[2];
    gchange c0[4];   /* the first one's change records (the second transaction reuses its buffers) */
    for (int k = 0; k < 2; k++) {   /* each in a transaction of its own */
        t = gtxn_begin(g, &err);
        int rc = k ? gtxn_rel_create_sorted(t, n1, n2, ty, ps, 3, &r[k], &err)
                   : gtxn_rel_create(t, n1, n2, ty, ps, 3, &r[k], &err);
        assert_int_equal(rc, 0);
        ch[k] = gtxn_changes(t, &nch[k]);
        assert_int_equal(nch[k], 4);   /* create, then a set per property in key order */
        if (!k) memcpy(c0, ch[0], sizeof c0), assert_int_equal(gtxn_commit(t, &err), 0);
    }
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(c0[i].kind, ch[1][i].kind);
        assert_int_equal(c0[i].token, ch[1][i].token);
        assert_int_equal(c0[i].src, ch[1][i].src);
        assert_int_equal(c0[i].dst, ch[1][i].dst);
        assert_int_equal(c0[i].value.type, ch[1][i].value.type);
        assert_int_equal(ch[1][i].id, r[1]);
    }
    assert_int_equal(ch[1][0].kind, GCH_REL_CREATE);
    assert_int_equal(ch[1][1].token, a);
    assert_int_equal(ch[1][2].token, b);
    assert_int_equal(ch[1][3].token, c);
    assert_memory_equal(ch[1][2].value.s, "xyz", 3);
    assert_ptr_not_equal(ch[1][2].value.s, buf);   /* graph memory, not the caller's */
    /* refused: keys out of order, a repeated key, a null value, an unknown key; nothing written */
    gprop bad[4][2] = {{{b, qv_int(1)}, {a, qv_int(2)}}, {{a, qv_int(1)}, {a, qv_int(2)}},
                       {{a, qv_int(1)}, {b, qv_null()}}, {{a, qv_int(1)}, {70000, qv_int(2)}}};
    for (int k = 0; k < 4; k++) {
        uint64_t x;
        assert_int_equal(gtxn_rel_create_sorted(t, n1, n2, ty, bad[k], 2, &x, &err), -1);
        assert_int_equal(err.code, QV_EINVAL);
        gtxn_changes(t, &nch[1]);
        assert_int_equal(nch[1], 4);
    }
    memcpy(buf, "QQQ", 3);
    assert_int_equal(gtxn_commit(t, &err), 0);
    gview *v = gview_open(g, &err);
    qv_arena ar;
    qv_arena_init(&ar);
    gprop *out[2];
    assert_int_equal(gview_rel_props(v, r[0], &ar, &out[0]), 3);
    assert_int_equal(gview_rel_props(v, r[1], &ar, &out[1]), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(out[0][i].key, out[1][i].key);
        assert_true(qv_equals(out[0][i].value, out[1][i].value) == QTRI_TRUE);
    }
    assert_memory_equal(out[1][1].value.s, "xyz", 3);
    assert_int_equal(gview_rel_count(v), 2);
    qv_arena_free(&ar);
    gview_close(v);
    graph_free(g);
}

static int64_t rel_x(gview *v, uint64_t rel) {
    qval x;
    return gview_rel_prop(v, rel, 0, &x) && x.type == QT_INT ? x.i : -1;
}

static int64_t node_x(gview *v, uint64_t node) {
    qval x;
    return gview_node_prop(v, node, 0, &x) && x.type == QT_INT ? x.i : -1;
}

/* A new node's or relationship's first version and a node's first adjacency vector live in the generation's
 * value arena (gwrite.c, gdelta.c: gvec_push_adj), not one allocation each: a vector that outgrows it, a
 * version a later SET replaces (an older view still reads it), rolled-back creates, a compaction's copy of a
 * version made during its build, the generation retired, and a graph freed with rolled-back versions still in
 * its garbage must all read and free right (the sanitizer build checks the frees). */
static void test_memory_in_arena(void **state) {
    (void)state;
    graph *g = graph_new("p", "p", false, GRAPH_ID_INTEGER, NULL);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t x = gtxn_key(t, "x", 1), lab = gtxn_label(t, "L", 1), ty = gtxn_type(t, "T", 1);
    assert_int_equal(x, 0);
    uint64_t n[3], r[8];
    for (int i = 0; i < 3; i++) assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, qv_int(i), &n[i], &err), 0);
    for (int i = 0; i < 6; i++) {   /* n0's out vector: 4 in the arena, then 8 malloc'd */
        gprop p = {x, qv_int(i)};
        assert_int_equal(gtxn_rel_create_sorted(t, n[0], n[1 + i % 2], ty, &p, 1, &r[i], &err), 0);
    }
    assert_int_equal(gtxn_commit(t, &err), 0);
    for (int k = 0; k < 2; k++) {   /* rolled back: three creates, then nothing */
        t = gtxn_begin(g, &err);
        for (int i = 0; i < 3; i++) assert_int_equal(gtxn_rel_create(t, n[2], n[0], ty, NULL, 0, &r[7], &err), 0);
        uint64_t m;
        gprop p = {x, qv_int(99)};
        assert_int_equal(gtxn_node_create(t, &lab, 1, &p, 1, qv_int(7), &m, &err), 0);
        gtxn_rollback(t);
    }
    gview *old = gview_open(g, &err);
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_rel_set_prop(t, r[1], x, qv_int(10), &err), 0);   /* a new version over the arena one */
    assert_int_equal(gtxn_node_set_prop(t, n[1], x, qv_int(11), &err), 0);
    assert_int_equal(gtxn_rel_create(t, n[2], n[0], ty, NULL, 0, &r[6], &err), 0);
    assert_int_equal(gtxn_commit(t, &err), 0);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_degree(v, n[0], GDIR_OUT, NULL, 0), 6);
    assert_int_equal(gview_degree(v, n[0], GDIR_IN, NULL, 0), 1);
    assert_int_equal(gview_degree(old, n[0], GDIR_IN, NULL, 0), 0);
    assert_int_equal(rel_x(old, r[1]), 1);
    assert_int_equal(rel_x(v, r[1]), 10);
    assert_int_equal(rel_x(v, r[5]), 5);
    assert_int_equal(node_x(old, n[1]), -1);
    assert_int_equal(node_x(v, n[1]), 11);
    gview_close(old);
    gview_close(v);
    assert_true(graph_memory_bytes(g) > 0);
    gcompaction *c = gcompact_begin(g, &err);   /* a relationship created during a compaction's build: its */
    t = gtxn_begin(g, &err);                    /* arena version is copied (malloc'd) by the catch-up */
    assert_int_equal(gtxn_rel_create(t, n[1], n[2], ty, NULL, 0, &r[7], &err), 0);
    uint64_t m;
    gprop p = {x, qv_int(12)};
    assert_int_equal(gtxn_node_create(t, &lab, 1, &p, 1, qv_int(8), &m, &err), 0);
    assert_int_equal(gtxn_commit(t, &err), 0);
    assert_int_equal(gcompact_finish(c, &err), 0);
    assert_int_equal(graph_compact(g, &err), 0);   /* the generation (its arena) retired and freed */
    v = gview_open(g, &err);
    assert_int_equal(gview_degree(v, n[0], GDIR_OUT, NULL, 0), 6);
    assert_int_equal(rel_x(v, r[1]), 10);
    assert_int_equal(rel_x(v, r[4]), 4);
    assert_int_equal(node_x(v, m), 12);
    assert_int_equal(node_x(v, n[1]), 11);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(7)), GID_NONE);
    gview_close(v);
    /* a create rolled back while a view pins the epoch: its version is still garbage when the graph goes */
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_rel_create(t, n[1], n[2], ty, NULL, 0, &r[7], &err), 0);
    assert_int_equal(gtxn_rel_create(t, n[1], n[2], ty, NULL, 0, &r[7], &err), 0);
    assert_int_equal(gtxn_node_create(t, &lab, 1, &p, 1, qv_int(9), &m, &err), 0);
    v = gview_open(g, &err);
    gtxn_rollback(t);
    assert_int_equal(gview_degree(v, n[1], GDIR_OUT, NULL, 0), 1);
    gview_close(v);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_create_props), cmocka_unit_test(test_rel_create_sorted),
                                       cmocka_unit_test(test_memory_in_arena)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
