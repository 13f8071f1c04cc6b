/* test_graph_txn_into.c — gview_expand_into (the existence check of MERGE (a)-[:T]->(b) and of MATCH with both
 * ends bound) against its definition: gview_expand(a) filtered to the relationships whose far end is b. Random
 * graphs with hubs (so that the walk takes the smaller side in both orders), self-loops, parallel relationships,
 * deletions, a rolled-back transaction, pending writes seen by the transaction's own view, an older snapshot,
 * and a compaction (relationships in the rebuilt CSR and in the delta at once); every direction, with and
 * without a type filter. Also: the external-id miss memo (gtxn_node_create after a lookup that missed) still
 * rejects an id created meanwhile; index entry counts after rollbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/gdelta.h"
#include "graph/gview.h"

#define NN 24

static uint32_t rnd(uint32_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void sorted_adj(gadj *a, uint32_t n) {
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && (a[j - 1].rel > a[j].rel || (a[j - 1].rel == a[j].rel && a[j - 1].dir > a[j].dir)); j--) {
            gadj x = a[j];
            a[j] = a[j - 1];
            a[j - 1] = x;
        }
}

static uint32_t collect(gadj_iter *it, gadj *out, uint32_t cap) {
    uint32_t n = 0, k;
    gadj buf[3];
    while ((k = gadj_iter_next(it, buf, 3)) > 0)
        for (uint32_t i = 0; i < k; i++) {
            assert_true(n < cap);
            out[n++] = buf[i];
        }
    return n;
}

/* The adjacency of a at v by definition, from a scan of every relationship (independent of gadj_iter). */
static uint32_t oracle(gview *v, uint64_t a, gdir dir, const uint32_t *ty, gadj *out) {
    uint32_t n = 0;
    for (uint64_t r = 0; r < gview_rel_id_end(v); r++) {
        if (!gview_rel_exists(v, r)) continue;
        uint64_t s, e;
        uint32_t t;
        gview_rel_info(v, r, &s, &e, &t);
        if (ty && t != *ty) continue;
        if ((dir & GDIR_OUT) && s == a) out[n++] = (gadj){.rel = r, .other = e, .dir = GDIR_OUT, .type = t};
        else if ((dir & GDIR_IN) && e == a) out[n++] = (gadj){.rel = r, .other = s, .dir = GDIR_IN, .type = t};
    }
    return n;
}

/* Every (a, b, dir, type filter) at v: expand(a) is the oracle's adjacency, and expand_into(a, b) is the part of it
 * whose far end is b. */
static void check_view(gview *v, const uint32_t *types, uint32_t n_types) {
    static gadj want[4096], got[4096], def[4096];
    uint64_t end = gview_node_id_end(v);
    for (uint64_t a = 0; a < end; a++)
        for (uint64_t b = 0; b < end; b++)
            for (int d = 1; d <= 3; d++)
                for (uint32_t t = 0; t <= n_types; t++) {   /* t == n_types: no filter */
                    const uint32_t *ty = t < n_types ? &types[t] : NULL;
                    uint32_t nt = t < n_types ? 1 : 0;
                    gadj_iter it;
                    gview_expand(v, a, (gdir)d, ty, nt, &it);
                    uint32_t n = collect(&it, want, 4096), w = 0;
                    if (b == 0) {   /* once per (a, dir, types) */
                        uint32_t nd = oracle(v, a, (gdir)d, ty, def);
                        assert_int_equal(n, nd);
                        memcpy(got, want, n * sizeof *got);
                        sorted_adj(got, n);
                        sorted_adj(def, nd);
                        for (uint32_t i = 0; i < n; i++) {
                            assert_int_equal(got[i].rel, def[i].rel);
                            assert_int_equal(got[i].other, def[i].other);
                            assert_int_equal(got[i].dir, def[i].dir);
                        }
                    }
                    for (uint32_t i = 0; i < n; i++) {
                        uint64_t s, e;
                        uint32_t rt;
                        gview_rel_info(v, want[i].rel, &s, &e, &rt);
                        assert_int_equal(want[i].type, rt);   /* the iterator's type is the relationship's */
                        if (want[i].other == b) want[w++] = want[i];
                    }
                    gview_expand_into(v, a, (gdir)d, ty, nt, b, &it);
                    uint32_t g = collect(&it, got, 4096);
                    assert_int_equal(g, w);
                    sorted_adj(want, w);
                    sorted_adj(got, g);
                    for (uint32_t i = 0; i < w; i++) {
                        assert_int_equal(got[i].rel, want[i].rel);
                        assert_int_equal(got[i].other, want[i].other);
                        assert_int_equal(got[i].dir, want[i].dir);
                        assert_int_equal(got[i].type, want[i].type);
                    }
                }
}

static uint64_t pick(uint32_t *s, const uint64_t *ids, uint32_t n) {
    uint32_t r = rnd(s) % 8;
    if (r < 3) return ids[r % 2];   /* two hubs */
    return ids[rnd(s) % n];
}

static void add_rels(gtxn *t, uint32_t *s, const uint64_t *ids, uint32_t n, const uint32_t *types, uint32_t count) {
    qv_err err;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t a = pick(s, ids, n), b = rnd(s) % 5 == 0 ? a : pick(s, ids, n), id;
        if (gtxn_rel_create(t, a, b, types[rnd(s) % 2], NULL, 0, &id, &err)) fail_msg("rel: %s", err.msg);
    }
}

static void del_some(gtxn *t, uint32_t *s, uint32_t count) {
    qv_err err;
    uint64_t end = gview_rel_id_end(gtxn_view(t));
    for (uint32_t i = 0; i < count && end; i++) assert_int_equal(gtxn_rel_delete(t, rnd(s) % end, &err), 0);
}

static void test_into_model(void **state) {
    (void)state;
    for (uint32_t seed = 1; seed <= 3; seed++) {
        uint32_t s = seed * 2654435761u;
        graph *g = graph_new("i", "i", false, GRAPH_ID_INTEGER, NULL);
        qv_err err;
        graph_set_compact_trigger(g, false, 0);
        gtxn *t = gtxn_begin(g, &err);
        uint64_t ids[NN];
        for (uint32_t i = 0; i < NN; i++)
            assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(i), &ids[i], &err), 0);
        uint32_t types[2] = {gtxn_type(t, "A", 1), gtxn_type(t, "B", 1)};
        add_rels(t, &s, ids, NN, types, 150);
        check_view(gtxn_view(t), types, 2);   /* pending writes, the transaction's own view */
        assert_int_equal(gtxn_commit(t, &err), 0);

        gview *old = gview_open(g, &err);
        t = gtxn_begin(g, &err);   /* rolled back: its relationships are never seen */
        add_rels(t, &s, ids, NN, types, 40);
        del_some(t, &s, 10);
        gtxn_rollback(t);

        t = gtxn_begin(g, &err);
        del_some(t, &s, 25);
        add_rels(t, &s, ids, NN, types, 60);
        assert_int_equal(gtxn_commit(t, &err), 0);
        check_view(old, types, 2);   /* an older snapshot */
        gview_close(old);

        assert_int_equal(graph_compact(g, &err), 0);   /* into the CSR; then more into the delta */
        graph_reap_wait(g);   /* the old generation is freed, its reaper joined */
        assert_false(g->delta->reaping);
        t = gtxn_begin(g, &err);
        add_rels(t, &s, ids, NN, types, 50);
        del_some(t, &s, 20);
        assert_int_equal(gtxn_commit(t, &err), 0);
        gview *v = gview_open(g, &err);
        check_view(v, types, 2);
        gview_close(v);
        graph_free(g);
    }
}

/* MERGE looks an id up (a miss), then creates it: the create trusts the miss only while nothing was added. */
static void test_ext_miss_memo(void **state) {
    (void)state;
    graph *g = graph_new("m", "m", false, GRAPH_ID_STRING, NULL);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    gview *tv = gtxn_view(t);
    qval x = qv_str_ref("n1", 2), y = qv_str_ref("n2", 2);
    uint64_t a, b;
    assert_int_equal(gview_node_by_ext_id(tv, x), GID_NONE);
    assert_true(gv_ext_missing(tv, x));
    assert_false(gv_ext_missing(tv, y));
    assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, x, &a, &err), 0);
    assert_false(gv_ext_missing(tv, x));   /* the table changed */
    assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, x, &b, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    /* a miss on y, then x is looked up again (a hit): y's memo is still the last miss and still true */
    assert_int_equal(gview_node_by_ext_id(tv, y), GID_NONE);
    assert_int_equal(gview_node_by_ext_id(tv, x), a);
    assert_true(gv_ext_missing(tv, y));
    assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, y, &b, &err), 0);
    assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, y, &b, &err), -1);
    /* 1,000 more: the table grows (a new table) between a miss and the create */
    char buf[16];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(buf, sizeof buf, "k%d", i);
        qval k = qv_str_ref(buf, (uint32_t)n);
        assert_int_equal(gview_node_by_ext_id(tv, k), GID_NONE);
        assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, k, &b, &err), 0);
        assert_int_equal(gview_node_by_ext_id(tv, k), b);
        assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, k, &b, &err), -1);
    }
    assert_int_equal(gtxn_commit(t, &err), 0);
    graph_free(g);
}

static uint64_t index_entries(graph *g) {
    qv_err err;
    gview *v = gview_open(g, &err);
    qv_arena a;
    qv_arena_init(&a);
    gindex_info *info;
    uint64_t n = UINT64_MAX;
    if (gview_indexes(v, &a, &info) == 1) n = info[0].entries;
    qv_arena_free(&a);
    gview_close(v);
    return n;
}

static uint64_t seek_count(graph *g, uint32_t label, uint32_t key, qval value) {
    qv_err err;
    gview *v = gview_open(g, &err);
    gnode_iter it;
    uint64_t ids[64], n = 0;
    uint32_t k;
    assert_true(gview_node_index_seek(v, label, key, value, &it));
    while ((k = gnode_iter_next(&it, ids, 64)) > 0) n += k;
    gview_close(v);
    return n;
}

/* gindex_info.entries counts postings: a rolled-back transaction's are cut off, even when the index's table
 * grew (its buckets moved) during that transaction; seeks still find the committed ones. */
static void test_index_entries_rollback(void **state) {
    (void)state;
    graph *g = graph_new("x", "x", false, GRAPH_ID_INTEGER, NULL);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t person = gtxn_label(t, "P", 1), age = gtxn_key(t, "age", 3);
    assert_int_equal(gtxn_create_index(t, "p_age", GINDEX_NODE, person, age, false, &err), 0);
    uint64_t id;
    for (int i = 0; i < 10; i++) {
        gprop p = {age, qv_int(i % 3)};
        assert_int_equal(gtxn_node_create(t, &person, 1, &p, 1, qv_null(), &id, &err), 0);
    }
    assert_int_equal(gtxn_commit(t, &err), 0);
    assert_int_equal(index_entries(g), 10);
    for (int round = 0; round < 2; round++) {   /* new values (the table grows) and existing ones */
        t = gtxn_begin(g, &err);
        for (int i = 0; i < 500; i++) {
            gprop p = {age, qv_int(round ? i % 3 : 100 + i)};
            assert_int_equal(gtxn_node_create(t, &person, 1, &p, 1, qv_null(), &id, &err), 0);
        }
        assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_int(7), &err), 0);
        gtxn_rollback(t);
        assert_int_equal(index_entries(g), 10);
    }
    assert_int_equal(seek_count(g, person, age, qv_int(0)), 4);
    assert_int_equal(seek_count(g, person, age, qv_int(100)), 0);
    t = gtxn_begin(g, &err);   /* committed writes after rollbacks count */
    gprop p = {age, qv_int(1)};
    assert_int_equal(gtxn_node_create(t, &person, 1, &p, 1, qv_null(), &id, &err), 0);
    assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_int(2), &err), 0);
    assert_int_equal(gtxn_commit(t, &err), 0);
    assert_int_equal(index_entries(g), 12);
    assert_int_equal(seek_count(g, person, age, qv_int(1)), 4);
    assert_int_equal(seek_count(g, person, age, qv_int(2)), 4);
    assert_int_equal(seek_count(g, person, age, qv_int(0)), 3);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_into_model),
        cmocka_unit_test(test_ext_miss_memo),
        cmocka_unit_test(test_index_entries_rollback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
